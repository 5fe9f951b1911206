"""Benchmark: topic recovery (NMI/ARI) and cost by stage for workbench.topics.

Run by ``make bench`` (not part of ``make test``); writes ``outputs/bench/topics.json``:

* ``sample``: generated call transcripts (customer turns per call) in English
  and Mandarin with their known topic; NMI and ARI of the default pipeline
  (``auto`` embedding, PCA+KMeans with the known number of topics), of the
  other offline backend, and of HDBSCAN without the number of topics.
* ``sample_utterances``: single customer turns stating the reason (short
  texts), the same pipelines.
* ``datasets``: on ``../shared/datasets`` (skipped when absent) the English
  Shopzilla support remarks with their category and the Chinese online-shopping
  reviews with their 10 categories, a stratified subsample each: NMI/ARI of the
  workbench pipelines against a plain KMeans on TF-IDF run in the same process.
* ``scale``: time and peak resident memory by stage (embedding, reduction,
  clustering, c-TF-IDF) for ``SCALE_UTTERANCES`` generated customer turns with
  the TF-IDF+SVD backend; MiniLM's embedding rate is measured on a slice and
  extrapolated (said so in the JSON).
"""

from __future__ import annotations

import json
import os
import platform
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

import workbench
from workbench import paths

SHARED = Path(workbench.__file__).resolve().parents[2] / "shared"
SCALE_UTTERANCES = int(os.environ.get("TOPICS_BENCH_UTTERANCES", "100000"))
DATASET_ROWS = int(os.environ.get("TOPICS_BENCH_DATASET_ROWS", "6000"))
SAMPLE_CALLS = int(os.environ.get("TOPICS_BENCH_SAMPLE_CALLS", "800"))
MINILM_SLICE = 2000
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


def _scores(truth, predicted) -> dict:
    return {"nmi": round(float(normalized_mutual_info_score(truth, predicted)), 4),
            "ari": round(float(adjusted_rand_score(truth, predicted)), 4)}  # fmt: skip


def _generated_segments(language: str | None, calls: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    from workbench.sample.catalog import TOPICS
    from workbench.sample.transcripts import generate_transcripts

    rng = np.random.default_rng(seed)
    langs = np.array([language] * calls) if language else rng.choice(["en", "zh"], size=calls)
    frame = pd.DataFrame({
        "call_id": [f"B{seed}-{i:06d}" for i in range(calls)], "language": langs,
        "topic_id": rng.choice([t.topic_id for t in TOPICS], size=calls), "agent_id": "A1",
        "talk_seconds": rng.uniform(200, 500, size=calls).round(),
    })  # fmt: skip
    agents = pd.DataFrame({"agent_id": ["A1"], "uses_prohibited_phrase": [False]})
    return generate_transcripts(frame, agents, seed)["segments"], frame


def _write():
    out = paths.outputs_dir() / "bench"
    out.mkdir(parents=True, exist_ok=True)
    payload = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version()}, **RESULTS}
    (out / "topics.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def test_sample_transcripts_both_languages():
    from workbench.topics.data import sample_documents
    from workbench.topics.model import fit_topics

    results = {}
    for language, seed in (("en", 31), ("zh", 32)):
        segments, calls = _generated_segments(language, SAMPLE_CALLS, seed)
        docs = sample_documents(segments).merge(calls[["call_id", "topic_id"]], on="call_id")
        row = {"documents": len(docs), "topics": int(docs["topic_id"].nunique())}
        variants = {"default_pca_kmeans": {"n_topics": 10}, "tfidf_svd_pca_kmeans": {"n_topics": 10, "embedding": "tfidf_svd"},
                    "tfidf_svd_pca_hdbscan": {"embedding": "tfidf_svd", "min_topic_size": 15}}  # fmt: skip
        if language == "en":
            variants["minilm_pca_kmeans"] = {"n_topics": 10, "embedding": "minilm"}
        for name, options in variants.items():
            clock = time.perf_counter()
            run = fit_topics(docs, **options)
            merged = docs.merge(run.assignments, on="id")
            row[name] = {**_scores(merged["topic_id"], merged["topic"]), "embedding": run.info["embedding"],
                         "found_topics": int((run.topics["topic"] != -1).sum()),
                         "outliers": run.info["outliers"], "seconds": round(time.perf_counter() - clock, 2)}  # fmt: skip
        results[language] = row
        assert row["default_pca_kmeans"]["nmi"] >= 0.8
    RESULTS["sample"] = results
    _write()


def test_sample_utterances_both_languages():
    """Single customer turns that state the call's reason (truth: topic_mentions): short texts."""
    from workbench.topics.model import fit_topics

    results = {}
    for language, seed in (("en", 33), ("zh", 34)):
        from workbench.sample.catalog import TOPICS
        from workbench.sample.transcripts import generate_transcripts as generate

        rng = np.random.default_rng(seed)
        calls = pd.DataFrame({
            "call_id": [f"U{seed}-{i:06d}" for i in range(SAMPLE_CALLS)], "language": language,
            "topic_id": rng.choice([t.topic_id for t in TOPICS], size=SAMPLE_CALLS), "agent_id": "A1",
            "talk_seconds": rng.uniform(200, 500, size=SAMPLE_CALLS).round(),
        })  # fmt: skip
        frames = generate(calls, pd.DataFrame({"agent_id": ["A1"], "uses_prohibited_phrase": [False]}), seed)
        mentions = frames["topic_mentions"][frames["topic_mentions"]["is_primary"]]
        turns = frames["segments"].merge(mentions, left_on=["call_id", "turn_index"], right_on=["call_id", "turn_index"])
        turns = turns.drop_duplicates("text").reset_index(drop=True)
        turns["id"] = turns["call_id"] + ":" + turns["turn_index"].astype(str)
        row = {"documents": len(turns), "mean_characters": round(float(turns["text"].str.len().mean()), 1)}
        variants = {"default_pca_kmeans": {"n_topics": 10}, "tfidf_svd_pca_kmeans": {"n_topics": 10, "embedding": "tfidf_svd"}}
        if language == "en":
            variants["minilm_pca_kmeans"] = {"n_topics": 10, "embedding": "minilm"}
        for name, options in variants.items():
            clock = time.perf_counter()
            run = fit_topics(turns[["id", "text"]], language=language, **options)
            merged = turns.merge(run.assignments, on="id")
            row[name] = {**_scores(merged["topic_id"], merged["topic"]), "embedding": run.info["embedding"],
                         "seconds": round(time.perf_counter() - clock, 2)}  # fmt: skip
        results[language] = row
    RESULTS["sample_utterances"] = results
    _write()


def _dataset(name: str) -> tuple[pd.DataFrame, str, str]:
    if name == "shopzilla":
        path = SHARED / "datasets/shopzilla_remarks_category/Customer_support_data_remarks_subset.csv"
        return pd.read_csv(path) if path.is_file() else None, "Customer Remarks", "category"
    path = SHARED / "datasets/zh_online_shopping_10_cats/online_shopping_10_cats.csv"
    return pd.read_csv(path) if path.is_file() else None, "review", "cat"


@pytest.mark.parametrize("name, language", [("shopzilla", "en"), ("zh_shopping", "zh")])
def test_public_datasets_against_tfidf_kmeans(name, language):
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    from workbench.topics.model import fit_topics, prepare_documents
    from workbench.topics.text import stop_words, tokenize

    frame, text_column, label_column = _dataset(name)
    if frame is None:
        pytest.skip(f"{SHARED}/datasets not present")
    frame = frame[frame[text_column].fillna("").str.strip().str.len() > 0]
    # Stratified-ish subsample: the same share per category, capped, so a run stays in minutes.
    share = min(1.0, DATASET_ROWS / len(frame))
    picks = [g.sample(max(1, round(len(g) * share)), random_state=0) for _, g in frame.groupby(label_column)]
    frame = pd.concat(picks, ignore_index=True)
    frame["id"] = frame.index.astype(str)
    docs = prepare_documents(frame, text_column, "id").merge(frame[["id", label_column]], on="id")
    docs = docs.drop_duplicates("text").reset_index(drop=True)
    k = int(docs[label_column].nunique())
    row: dict = {"rows": len(docs), "categories": k, "subsample_of": int(len(_dataset(name)[0]))}

    clock = time.perf_counter()
    # The baseline: scikit-learn's plain TF-IDF (jieba tokens for Chinese, else a sentence is one token) and KMeans.
    baseline_vectorizer = TfidfVectorizer(tokenizer=tokenize, token_pattern=None, lowercase=False) if language == "zh" \
        else TfidfVectorizer(stop_words="english")  # fmt: skip
    matrix = baseline_vectorizer.fit_transform(docs["text"])
    labels = KMeans(n_clusters=k, random_state=0, n_init=10).fit_predict(matrix)
    row["baseline_tfidf_kmeans"] = {**_scores(docs[label_column], labels), "seconds": round(time.perf_counter() - clock, 2)}

    variants = {"workbench_default": {"n_topics": k}, "workbench_tfidf_svd": {"n_topics": k, "embedding": "tfidf_svd"}}
    for variant, options in variants.items():
        if variant == "workbench_tfidf_svd" and language == "zh":
            continue  # the default for Chinese already is TF-IDF+SVD
        clock = time.perf_counter()
        run = fit_topics(docs[["id", "text"]], language=language, **options)
        merged = docs.merge(run.assignments, on="id")
        row[variant] = {**_scores(merged[label_column], merged["topic"]), "embedding": run.info["embedding"],
                        "seconds": round(time.perf_counter() - clock, 2)}  # fmt: skip
    RESULTS.setdefault("datasets", {})[name] = row
    _write()


def test_scale_by_stage():
    from bertopic import BERTopic
    from bertopic.cluster import BaseCluster
    from bertopic.dimensionality import BaseDimensionalityReduction
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA

    from workbench.topics.embeddings import make_embedder
    from workbench.topics.model import _vectorizer

    segments = pd.DataFrame()
    seed = 40
    clock = time.perf_counter()
    while len(segments) < SCALE_UTTERANCES:
        more, _ = _generated_segments(None, 2000, seed)
        segments = pd.concat([segments, more[more["speaker"] == "customer"]], ignore_index=True)
        seed += 1
    texts = segments["text"].head(SCALE_UTTERANCES).tolist()
    generate_seconds = time.perf_counter() - clock
    stages = {}
    with PeakRSS() as m:
        embedder = make_embedder("tfidf_svd", "mixed").fit(texts)
        embeddings = embedder.embed(texts)
    stages["embedding_tfidf_svd"] = m.record()
    with PeakRSS() as m:
        reduced = PCA(n_components=10, random_state=42).fit_transform(embeddings)
    stages["reduction_pca10"] = m.record()
    with PeakRSS() as m:
        labels = KMeans(n_clusters=10, random_state=42, n_init=10).fit_predict(reduced)
    stages["clustering_kmeans10"] = m.record()
    with PeakRSS() as m:
        model = BERTopic(embedding_model=embedder.model, umap_model=BaseDimensionalityReduction(),
                         hdbscan_model=BaseCluster(), vectorizer_model=_vectorizer(len(texts)))  # fmt: skip
        model.fit_transform(texts, embeddings=reduced, y=labels)
    stages["ctfidf"] = m.record()

    minilm = make_embedder("minilm", "en")
    english = segments.loc[segments["language"] == "en", "text"].head(MINILM_SLICE).tolist()
    with PeakRSS() as m:
        minilm.embed(english)
    rate = len(english) / m.seconds
    RESULTS["scale"] = {
        "utterances": len(texts),
        "mean_characters": round(float(np.mean([len(t) for t in texts])), 1),
        "generate_seconds": round(generate_seconds, 1),
        "stages": stages,
        "total_seconds": round(sum(s["seconds"] for s in stages.values()), 1),
        "minilm_embedding": {**m.record(), "texts": len(english), "texts_per_second": round(rate, 1),
                             "extrapolated_seconds_for_all": round(len(texts) / rate, 0),
                             "note": f"measured on {len(english)} English utterances and extrapolated, not run on all"},
    }  # fmt: skip
    _write()
