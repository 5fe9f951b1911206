"""Fit, save, load and apply topic models of call texts with BERTopic.

What is chosen here, and why (numbers in ``tests/bench_topics.py``):

* Embeddings come from :mod:`workbench.topics.embeddings` (never a download).
* When the number of contact reasons is roughly known (``n_topics``), PCA to a
  few dimensions and KMeans: deterministic, fast, and the best scorer measured
  (BERTopic's UMAP+HDBSCAN default over-splits short utterances into 100+
  micro-topics and costs a 35-45 s numba compile per process). Without
  ``n_topics``, PCA and HDBSCAN find the number themselves.
* The c-TF-IDF vectorizer tokenises Chinese with jieba and drops Chinese and
  English stop words and call-centre filler, so topic words mean something.
* Outliers (HDBSCAN's topic -1) are reassigned to their nearest topic, most
  similar first, only until the outlier share is down to ``max_outlier_share``;
  the report says how many moved and the similarity of the last one moved.
* Stable ids: a refit is matched to the previous run's topics by cosine
  similarity of their c-TF-IDF word weights (Hungarian assignment on the
  shared vocabulary), so ids and human labels carry over; unmatched topics get
  fresh ids and ``is_new``.

A run is a folder: ``model/`` (BERTopic safetensors with c-TF-IDF),
``embedding/`` (backend spec and any fitted pipeline), ``run.json`` (stable id
map, centroids' file, parameters, outlier report), ``centroids.npy``,
``assignments.csv`` and ``topics.csv``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workbench.csvfiles import read_csv, write_csv
from workbench.errors import InputDataError, ParameterError
from workbench.glossary import require_columns
from workbench.paths import hub_offline
from workbench.topics.embeddings import Embedder, load_embedder, make_embedder
from workbench.topics.text import detect_language, redact, stop_words, tokenize

ASSIGNMENT_COLUMNS = ["id", "topic", "probability"]
TOPIC_COLUMNS = ["topic", "label", "size", "top_words", "examples", "is_new", "previous_similarity"]
OUTLIER = -1


@dataclass
class TopicRun:
    """A fitted topic model with its stable ids.

    Attributes:
        model: the fitted ``BERTopic`` (internal topic numbers).
        embedder: the embedding backend used.
        id_map: internal BERTopic topic -> stable topic id (-1 maps to -1).
        assignments: ``id, topic, probability`` per input text (stable ids).
        topics: ``topic, label, size, top_words, examples, is_new, previous_similarity``.
        centroids: stable topic id -> unit-length mean embedding (used by :func:`assign_topics`).
        info: language, backend, parameters, outlier report, model id.
    """

    model: Any
    embedder: Embedder
    id_map: dict[int, int]
    assignments: pd.DataFrame
    topics: pd.DataFrame
    centroids: dict[int, np.ndarray]
    info: dict[str, Any] = field(default_factory=dict)

    def topic_word_weights(self) -> dict[int, dict[str, float]]:
        """Stable topic id -> {word: c-TF-IDF weight} over the model's whole vocabulary (outliers excluded)."""
        return _word_weights(self.model, self.id_map)


# --------------------------------------------------------------------------- inputs


def prepare_documents(frame: pd.DataFrame, text_column: str = "text", id_column: str | None = "id") -> pd.DataFrame:
    """Documents to model: ``id, text`` with blank texts dropped.

    Args:
        frame: needs ``text_column``; ``id_column`` when given (else the row
            number becomes the id).
    Returns:
        A new DataFrame ``id`` (str), ``text`` (str), in input order.
    Raises:
        InputDataError: a named column is missing, or no text is left.
    """
    require_columns(frame, [text_column] + ([id_column] if id_column else []), "documents")
    ids = frame[id_column].astype(str) if id_column else pd.Series(range(len(frame)), index=frame.index).astype(str)
    docs = pd.DataFrame({"id": ids.to_numpy(), "text": frame[text_column].fillna("").astype(str).str.strip().to_numpy()})
    return docs[docs["text"] != ""].reset_index(drop=True)


def _check_corpus(texts: list[str], n_topics: int | None) -> None:
    if not texts:
        raise InputDataError("no texts to model: the corpus is empty (or every text is blank)", field="text")
    distinct = len(set(texts))
    if distinct < 2:
        raise InputDataError(
            f"all {len(texts)} texts are identical; topic modelling needs different texts", field="text"
        )
    need = max(2, n_topics or 2)
    if distinct < need:
        raise InputDataError(f"{distinct} distinct texts cannot make {need} topics", field="text")


# --------------------------------------------------------------------------- fit


def _vectorizer(n_docs: int):
    from sklearn.feature_extraction.text import CountVectorizer

    # min_df 2 drops one-off tokens (names, typos), except in tiny corpora where it would drop everything.
    return CountVectorizer(
        tokenizer=tokenize, token_pattern=None, lowercase=False, stop_words=stop_words(),
        ngram_range=(1, 2), min_df=2 if n_docs >= 50 else 1,
    )  # fmt: skip


def _cluster_models(n_topics: int | None, dims: int, min_topic_size: int, reduction: str, seed: int):
    from sklearn.decomposition import PCA

    if reduction == "umap":
        from umap import UMAP

        reducer = UMAP(n_neighbors=15, n_components=dims, min_dist=0.0, metric="cosine", random_state=seed)
    elif reduction == "pca":
        reducer = PCA(n_components=dims, random_state=seed)
    else:
        raise ParameterError(f"unknown reduction '{reduction}'; expected pca or umap", field="reduction")
    if n_topics:
        from sklearn.cluster import KMeans

        return reducer, KMeans(n_clusters=n_topics, random_state=seed, n_init=10)
    from hdbscan import HDBSCAN

    return reducer, HDBSCAN(min_cluster_size=max(2, min_topic_size), metric="euclidean", prediction_data=True)


def fit_topics(
    docs: pd.DataFrame,
    *,
    language: str = "auto",
    n_topics: int | None = None,
    embedding: str = "auto",
    embedding_model: str | None = None,
    reduction: str = "pca",
    reduced_dimensions: int = 10,
    min_topic_size: int = 10,
    max_outlier_share: float = 0.05,
    top_n_words: int = 10,
    examples_per_topic: int = 3,
    seed: int = 42,
    previous: TopicRun | None = None,
    labels: dict[int, str] | None = None,
    min_match_similarity: float = 0.3,
    model_id: str | None = None,
    show_progress: bool = False,
) -> TopicRun:
    """Fit a BERTopic model on ``docs``, reduce outliers, and match ids to a previous run.

    Args:
        docs: needs ``id`` and ``text`` (see :func:`prepare_documents`).
        language: ``auto`` (from the share of Chinese characters), ``en``, ``zh`` or ``mixed``.
        n_topics: number of topics when roughly known (PCA+KMeans); None lets HDBSCAN decide.
        embedding: embedding backend name (:data:`workbench.topics.embeddings.BACKENDS` or ``auto``).
        embedding_model: model name or local path for ``sentence_transformers``.
        reduction: ``pca`` (default, no compile cost) or ``umap``.
        reduced_dimensions: dimensions kept before clustering.
        min_topic_size: HDBSCAN's smallest topic.
        max_outlier_share: outliers are reassigned until at most this share (0..1) remains.
        top_n_words: words per topic in ``top_words``.
        examples_per_topic: redacted example texts per topic (the closest to its centroid).
        seed: seed of every randomised step.
        previous: the run to match topics (ids and labels) against.
        labels: stable topic id -> human label; overrides labels carried from ``previous``.
        min_match_similarity: c-TF-IDF cosine similarity below which a topic counts as new.
        model_id: recorded in ``info`` (default: a hash of parameters and texts).
        show_progress: tqdm bars for the embedding.

    Returns:
        A :class:`TopicRun`.

    Raises:
        InputDataError: empty corpus, all texts identical, or fewer distinct texts than topics.
        ParameterError: an unknown backend, language or reduction, or a share outside 0..1.
    """
    import time

    from bertopic import BERTopic
    from bertopic.vectorizers import ClassTfidfTransformer

    if not 0 <= max_outlier_share <= 1:
        raise ParameterError(f"max_outlier_share must be within 0..1, found {max_outlier_share}", field="max_outlier_share")
    if reduction not in ("pca", "umap"):
        raise ParameterError(f"unknown reduction '{reduction}'; expected pca or umap", field="reduction")
    if language not in ("auto", "en", "zh", "mixed"):
        raise ParameterError(f"unknown language '{language}'; expected auto, en, zh or mixed", field="language")
    require_columns(docs, ["id", "text"], "docs")
    texts = docs["text"].fillna("").astype(str).tolist()
    texts_nonblank = [t for t in texts if t.strip()]
    _check_corpus(texts_nonblank, n_topics)
    if len(texts_nonblank) != len(texts):
        raise InputDataError("blank texts found; pass the corpus through prepare_documents first", field="text")
    lang = detect_language(texts) if language == "auto" else language
    timings: dict[str, float] = {}

    start = time.perf_counter()
    embedder = make_embedder(embedding, lang, model_ref=embedding_model, seed=seed, texts=texts).fit(texts)
    embeddings = embedder.embed(texts, show_progress=show_progress)
    timings["embedding_seconds"] = time.perf_counter() - start

    n_docs = len(texts)
    k = min(n_topics, len(set(texts))) if n_topics else None
    dims = max(1, min(reduced_dimensions, embeddings.shape[1], n_docs - 1))
    reducer, clusterer = _cluster_models(k, dims, min_topic_size, reduction, seed)
    model = BERTopic(
        embedding_model=embedder.model,
        umap_model=reducer,
        hdbscan_model=clusterer,
        vectorizer_model=_vectorizer(n_docs),
        # Words common to every topic (account, 号码) otherwise lead each list; this damps them.
        ctfidf_model=ClassTfidfTransformer(reduce_frequent_words=True),
        top_n_words=top_n_words,
        min_topic_size=max(2, min_topic_size),
        calculate_probabilities=False,
        language="multilingual" if lang != "en" else "english",
        verbose=False,
    )
    start = time.perf_counter()
    internal, _ = model.fit_transform(texts, embeddings=embeddings)
    timings["reduce_cluster_ctfidf_seconds"] = time.perf_counter() - start
    internal = np.asarray(internal)

    internal, outliers = _reduce_outliers(model, texts, internal, embeddings, max_outlier_share)

    id_map, similarity, new_ids = _stable_ids(model, previous, min_match_similarity)
    stable = np.array([id_map.get(int(t), OUTLIER) for t in internal])
    centroids = _centroids(embeddings, stable)
    probability = _similarity_to_own(embeddings, stable, centroids)
    assignments = pd.DataFrame({"id": docs["id"].astype(str).to_numpy(), "topic": stable, "probability": probability})

    carried = dict(zip(previous.topics["topic"], previous.topics["label"])) if previous is not None else {}
    carried = {int(k): v for k, v in carried.items() if isinstance(v, str) and v}
    carried.update({int(k): v for k, v in (labels or {}).items()})
    topics = _topic_table(
        model, id_map, stable, texts, probability, top_n_words, examples_per_topic, carried, similarity, new_ids
    )
    info = {
        "model_id": model_id,
        "language": lang,
        "embedding": embedder.backend,
        "embedding_model": embedder.model_ref,
        "n_topics": n_topics,
        "reduction": reduction,
        "clustering": "kmeans" if k else "hdbscan",
        "reduced_dimensions": dims,
        "seed": seed,
        "documents": n_docs,
        "outliers": outliers,
        "timings": {k2: round(v, 3) for k2, v in timings.items()},
        "previous_model_id": previous.info.get("model_id") if previous is not None else None,
    }
    return TopicRun(model, embedder, id_map, assignments, topics, centroids, info)


def _reduce_outliers(
    model, texts: list[str], topics: np.ndarray, embeddings: np.ndarray, max_share: float
) -> tuple[np.ndarray, dict[str, Any]]:
    """Move the outliers most similar to a topic into it until at most ``max_share`` stay outliers."""
    n = len(topics)
    outlier_rows = np.flatnonzero(topics == OUTLIER)
    report: dict[str, Any] = {"before": int(len(outlier_rows)), "before_share": round(len(outlier_rows) / n, 4)}
    allowed = int(np.floor(max_share * n))
    real = sorted(t for t in set(topics.tolist()) if t != OUTLIER)
    if len(outlier_rows) <= allowed or not real:
        reason = (
            "no outliers: KMeans assigns every text" if not len(outlier_rows)
            else f"{len(outlier_rows)} outliers already within the allowed share {max_share:.0%}"
            if real else "every text is an outlier: no topic to move them to"
        )  # fmt: skip
        report.update(after=int(len(outlier_rows)), after_share=report["before_share"], moved=0, reason=reason)
        return topics, report
    centroids = np.vstack([_unit(embeddings[topics == t].mean(axis=0)) for t in real])
    similarity = embeddings[outlier_rows] @ centroids.T
    best = similarity.argmax(axis=1)
    best_sim = similarity[np.arange(len(outlier_rows)), best]
    order = np.argsort(-best_sim, kind="stable")
    to_move = order[: len(outlier_rows) - allowed]
    new_topics = topics.copy()
    new_topics[outlier_rows[to_move]] = np.asarray(real)[best[to_move]]
    model.update_topics(texts, topics=new_topics.tolist(), vectorizer_model=model.vectorizer_model)
    lowest = float(best_sim[to_move].min())
    report.update(
        after=int((new_topics == OUTLIER).sum()),
        after_share=round(float((new_topics == OUTLIER).mean()), 4),
        moved=int(len(to_move)),
        reason=(
            f"{len(to_move)} of {len(outlier_rows)} outliers moved to their most similar topic (embedding cosine, "
            f"most similar first, lowest moved {lowest:.2f}) to bring the outlier share from "
            f"{len(outlier_rows) / n:.1%} to the allowed {max_share:.0%}"
        ),
    )
    return new_topics, report


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(vector)
    return vector / norm if norm > 0 else vector


def _centroids(embeddings: np.ndarray, stable: np.ndarray) -> dict[int, np.ndarray]:
    return {int(t): _unit(embeddings[stable == t].mean(axis=0)) for t in sorted(set(stable.tolist())) if t != OUTLIER}


def _similarity_to_own(embeddings: np.ndarray, stable: np.ndarray, centroids: dict[int, np.ndarray]) -> np.ndarray:
    out = np.zeros(len(stable))
    for topic, centroid in centroids.items():
        rows = stable == topic
        out[rows] = embeddings[rows] @ centroid
    return np.clip(out, 0.0, 1.0).round(4)


def _word_weights(model, id_map: dict[int, int]) -> dict[int, dict[str, float]]:
    words = model.vectorizer_model.get_feature_names_out()
    matrix = model.c_tf_idf_.tocsr()
    weights: dict[int, dict[str, float]] = {}
    for internal, stable in id_map.items():
        if stable == OUTLIER:
            continue
        row = matrix[internal + model._outliers]
        weights[stable] = {str(words[j]): float(v) for j, v in zip(row.indices, row.data) if v > 0}
    return weights


def match_topics(
    previous: dict[int, dict[str, float]], current: dict[int, dict[str, float]], min_similarity: float = 0.3
) -> tuple[dict[int, int | None], dict[int, float]]:
    """Match current topics to previous ones by cosine similarity of their c-TF-IDF word weights.

    Args:
        previous / current: topic id -> {word: weight}; vocabularies may differ (compared on words).
        min_similarity: pairs below this are not matched.

    Returns:
        (current id -> matched previous id or None, current id -> its best similarity to any previous topic).
        Each previous topic matches at most one current topic (Hungarian assignment maximising similarity).
    """
    from scipy.optimize import linear_sum_assignment
    from scipy.sparse import csr_matrix
    from sklearn.preprocessing import normalize

    cur_ids, prev_ids = sorted(current), sorted(previous)
    if not cur_ids or not prev_ids:
        return {c: None for c in cur_ids}, {c: 0.0 for c in cur_ids}
    vocab = {w: i for i, w in enumerate(sorted({w for d in (*previous.values(), *current.values()) for w in d}))}

    def matrix(table: dict[int, dict[str, float]], order: list[int]):
        rows, cols, vals = [], [], []
        for r, topic in enumerate(order):
            for word, weight in table[topic].items():
                rows.append(r), cols.append(vocab[word]), vals.append(weight)
        return normalize(csr_matrix((vals, (rows, cols)), shape=(len(order), len(vocab))))

    sim = (matrix(current, cur_ids) @ matrix(previous, prev_ids).T).toarray()
    r, c = linear_sum_assignment(-sim)
    mapping: dict[int, int | None] = {cid: None for cid in cur_ids}
    for i, j in zip(r, c):
        if sim[i, j] >= min_similarity:
            mapping[cur_ids[i]] = prev_ids[j]
    best = {cid: round(float(sim[i].max()), 4) for i, cid in enumerate(cur_ids)}
    return mapping, best


def _stable_ids(
    model, previous: TopicRun | None, min_similarity: float
) -> tuple[dict[int, int], dict[int, float], set[int]]:
    """Internal -> stable ids, stable id -> best similarity to the previous run, and the new stable ids."""
    internal_ids = sorted(t for t in model.topic_sizes_ if t != OUTLIER)
    identity = {t: t for t in internal_ids}
    if previous is None:
        return {OUTLIER: OUTLIER, **identity}, {}, set()
    current = _word_weights(model, identity)
    mapping, best = match_topics(previous.topic_word_weights(), current, min_similarity)
    used = {v for v in mapping.values() if v is not None}
    known = set(previous.id_map.values()) | set(previous.topics["topic"].astype(int))
    next_id = max(known | {-1}) + 1
    id_map: dict[int, int] = {OUTLIER: OUTLIER}
    new_ids: set[int] = set()
    for t in internal_ids:
        if mapping[t] is not None:
            id_map[t] = int(mapping[t])
        else:
            while next_id in used:
                next_id += 1
            id_map[t] = next_id
            used.add(next_id)
            new_ids.add(next_id)
            next_id += 1
    return id_map, {id_map[t]: s for t, s in best.items()}, new_ids


def _topic_table(
    model,
    id_map: dict[int, int],
    stable: np.ndarray,
    texts: list[str],
    probability: np.ndarray,
    top_n_words: int,
    examples: int,
    labels: dict[int, str],
    similarity: dict[int, float],
    new_ids: set[int],
) -> pd.DataFrame:
    rows = []
    frame = pd.DataFrame({"topic": stable, "text": texts, "p": probability})
    for internal, topic in sorted(id_map.items(), key=lambda kv: kv[1]):
        members = frame[frame["topic"] == topic]
        if members.empty:
            continue
        words = [w for w, _ in (model.get_topic(internal) or [])][:top_n_words] if internal in model.topic_sizes_ else []
        best = members.sort_values("p", ascending=False, kind="stable").drop_duplicates("text").head(examples)
        top = ", ".join(words)
        rows.append(
            {
                "topic": int(topic),
                "label": labels.get(int(topic)) or (
                    "outliers" if topic == OUTLIER else "_".join([str(topic), *words[:3]])
                ),
                "size": int(len(members)),
                "top_words": top,
                "examples": " | ".join(redact(t)[:300] for t in best["text"]),
                "is_new": int(topic) in new_ids,
                "previous_similarity": similarity.get(int(topic)),
            }
        )
    table = pd.DataFrame(rows, columns=TOPIC_COLUMNS)
    return table.astype({"topic": "int64", "size": "int64"})


# --------------------------------------------------------------------------- assign


def assign_topics(run: TopicRun, docs: pd.DataFrame, *, min_similarity: float = 0.0) -> pd.DataFrame:
    """Put new texts into a fitted run's topics without refitting.

    Each text goes to the topic whose centroid (mean embedding of its
    documents at fit time) is most similar (cosine); below ``min_similarity``
    it becomes an outlier (-1).

    Args:
        run: a fitted or loaded :class:`TopicRun`.
        docs: needs ``id`` and ``text``.
        min_similarity: similarity under which a text is left unassigned.

    Returns:
        A new DataFrame ``id, topic, probability`` (probability = that cosine
        similarity, clipped to 0..1), one row per input row.

    Raises:
        InputDataError: a column is missing or ``docs`` is empty.
    """
    require_columns(docs, ["id", "text"], "docs")
    if docs.empty:
        raise InputDataError("no texts to assign", field="text")
    topic_ids = sorted(run.centroids)
    matrix = np.vstack([run.centroids[t] for t in topic_ids])
    embeddings = run.embedder.embed(docs["text"].fillna("").astype(str).tolist())
    sim = embeddings @ matrix.T
    best = sim.argmax(axis=1)
    best_sim = sim[np.arange(len(docs)), best]
    topic = np.where(best_sim >= min_similarity, np.asarray(topic_ids)[best], OUTLIER)
    return pd.DataFrame(
        {"id": docs["id"].astype(str).to_numpy(), "topic": topic.astype(int), "probability": np.clip(best_sim, 0, 1).round(4)}
    )


# --------------------------------------------------------------------------- save / load


def save_run(run: TopicRun, folder: str | Path) -> Path:
    """Write a run folder (model, embedder, run.json, centroids, assignments.csv, topics.csv).

    Returns:
        The folder.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    run.embedder.save(folder / "embedding")
    # A corpus-fitted TF-IDF pipeline has no name BERTopic could load; it is saved under embedding/ instead.
    reference = False if run.embedder.backend == "tfidf_svd" else run.embedder.model_ref
    run.model.save(str(folder / "model"), serialization="safetensors", save_ctfidf=True, save_embedding_model=reference)
    topic_ids = sorted(run.centroids)
    np.save(folder / "centroids.npy", np.vstack([run.centroids[t] for t in topic_ids]))
    meta = {**run.info, "id_map": {str(k): v for k, v in run.id_map.items()}, "centroid_topics": topic_ids}
    (folder / "run.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    write_csv(run.assignments[ASSIGNMENT_COLUMNS], folder / "assignments.csv")
    write_csv(run.topics, folder / "topics.csv")
    return folder


def load_run(folder: str | Path) -> TopicRun:
    """A run saved by :func:`save_run`, ready for :func:`assign_topics` or as ``previous`` of a refit.

    Raises:
        InputDataError: the folder is not a saved run.
    """
    from bertopic import BERTopic

    folder = Path(folder)
    if not (folder / "run.json").is_file() or not (folder / "model").is_dir():
        raise InputDataError("not a saved topic run (run.json and model/ expected)", file=folder)
    meta = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    embedder = load_embedder(folder / "embedding")
    # BERTopic.load tries the recorded model name on the Hugging Face hub first; offline that fails fast.
    with hub_offline():
        model = BERTopic.load(str(folder / "model"), embedding_model=embedder.model)
    matrix = np.load(folder / "centroids.npy")
    centroids = {int(t): matrix[i] for i, t in enumerate(meta.pop("centroid_topics"))}
    id_map = {int(k): int(v) for k, v in meta.pop("id_map").items()}
    topics = read_csv(folder / "topics.csv")
    assignments = read_csv(folder / "assignments.csv", dtype={"id": str})
    return TopicRun(model, embedder, id_map, assignments, topics, centroids, meta)


def read_labels(path: str | Path) -> dict[int, str]:
    """Human labels from a YAML file ``labels: {topic id: label}`` (missing file: no labels).

    Raises:
        ParameterError: the file is not a mapping of integer ids to text.
    """
    import yaml

    path = Path(path)
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    labels = data.get("labels", {}) if isinstance(data, dict) else None
    if not isinstance(labels, dict):
        raise ParameterError("expected 'labels: {topic id: label}'", file=path, field="labels")
    try:
        return {int(k): str(v) for k, v in labels.items() if v}
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"topic ids must be integers ({exc})", file=path, field="labels") from None
