"""Fit, save, load and apply topic models of call texts with BERTopic.

What is chosen here, and why (numbers in ``tests/bench_topics.py``, measured on
real labelled intent and review sets in Chinese and English):

* Embeddings come from :mod:`workbench.topics.embeddings` (never a download):
  MiniLM for short English texts, multilingual e5 for Chinese and mixed ones,
  TF-IDF+SVD for whole calls. Known texts come from the embedding cache.
* With a pre-trained model, each language's mean embedding is subtracted
  (centring per language): otherwise a Mandarin and an English line split by
  language, not by reason; on one language it removes what every text shares.
* UMAP to a few dimensions, then KMeans. Without ``n_topics`` the count is
  chosen from the data: KMeans in the UMAP space over a range of counts, each
  partition scored by its silhouette on the full embeddings, the best count
  wins; ``info['topic_count']`` records the curve. BERTopic's own UMAP+HDBSCAN over-splits short utterances into
  micro-topics, or puts most texts in one topic; HDBSCAN stays available
  (``clustering='hdbscan'``), with outliers reassigned down to
  ``max_outlier_share``.
* BERTopic then only computes c-TF-IDF topic words on the given clusters. The
  vectorizer tokenises Chinese with jieba and drops Chinese and English stop
  words, generic request words and call-centre filler.
* Stable ids: a refit is matched to the previous run's topics by cosine
  similarity of their c-TF-IDF word weights (Hungarian assignment on the
  shared vocabulary), so ids and human labels carry over; unmatched topics get
  fresh ids and ``is_new``.

A run is a folder: ``model/`` (BERTopic safetensors with c-TF-IDF),
``embedding/`` (backend spec and any fitted pipeline), ``run.json`` (stable id
map, parameters, how the count was chosen, outlier report), ``centroids.npy``,
``language_means.npz``, ``assignments.csv`` and ``topics.csv``.
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
from workbench.topics.embeddings import (
    Embedder, centre_by_language, embed_texts, language_means, load_embedder, make_embedder,
)  # fmt: skip
from workbench.topics.text import detect_language, stop_words, text_language, tokenize

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
        info: language, backend, parameters, how the topic count was chosen, outlier report, model id.
        language_means: language -> mean embedding subtracted before clustering (empty: none).
    """

    model: Any
    embedder: Embedder
    id_map: dict[int, int]
    assignments: pd.DataFrame
    topics: pd.DataFrame
    centroids: dict[int, np.ndarray]
    info: dict[str, Any] = field(default_factory=dict)
    language_means: dict[str, np.ndarray] = field(default_factory=dict)

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


#: Below this many documents UMAP's neighbour graph means little: PCA reduces instead.
UMAP_MIN_DOCUMENTS = 40
#: Counts tried between the best count of the range and its neighbours.
REFINE_STEPS = 8
#: Texts the count search looks at; a larger corpus is sampled (seeded) for the search only.
COUNT_SEARCH_TEXTS = 6000


def document_languages(texts: list[str]) -> np.ndarray:
    """``zh`` or ``en`` per text (:func:`workbench.topics.text.text_language`), as an array."""
    return np.array([text_language(t) for t in texts])


def reduce_embeddings(embeddings: np.ndarray, *, dims: int, reduction: str, seed: int) -> np.ndarray:
    """``embeddings`` reduced to ``dims`` dimensions by UMAP (cosine) or PCA, for clustering.

    UMAP keeps neighbourhoods, which is what separates short questions (measured:
    KMeans after UMAP beats KMeans on the raw vectors); it is seeded, so two fits agree.
    Its numba code is compiled once into ``<cache>/numba`` and reused by later processes.
    """
    n_docs = len(embeddings)
    dims = max(1, min(dims, embeddings.shape[1], n_docs - 2))
    if reduction == "umap":
        import os

        from workbench.paths import cache_dir

        os.environ.setdefault("NUMBA_CACHE_DIR", str(cache_dir() / "numba"))
        from umap import UMAP

        reducer = UMAP(n_neighbors=min(15, n_docs - 1), n_components=dims, min_dist=0.0, metric="cosine",
                       random_state=seed, n_jobs=1)  # fmt: skip
        return np.asarray(reducer.fit_transform(embeddings), dtype=np.float32)
    if reduction not in ("pca", "umap"):
        raise ParameterError(f"unknown reduction '{reduction}'; expected pca or umap", field="reduction")
    from sklearn.decomposition import PCA

    return np.asarray(PCA(n_components=dims, random_state=seed).fit_transform(embeddings), dtype=np.float32)


def _kmeans(points: np.ndarray, k: int, seed: int, n_init: int = 10) -> np.ndarray:
    from sklearn.cluster import KMeans

    return KMeans(n_clusters=k, random_state=seed, n_init=n_init).fit_predict(points)


def candidate_counts(n_docs: int, *, smallest: int = 2, largest: int | None = None, steps: int = 24) -> list[int]:
    """Topic counts tried when none is given: a geometric range from ``smallest`` to ``largest``.

    ``largest`` defaults to a fifth of the documents (a topic of fewer than ~5 texts is noise), at most 300.
    """
    largest = largest if largest is not None else min(300, n_docs // 5)
    largest = max(smallest, min(largest, n_docs - 1))
    return sorted({int(round(k)) for k in np.geomspace(smallest, largest, steps)} | {smallest, largest})


def choose_topic_count(
    reduced: np.ndarray, *, embeddings: np.ndarray | None = None, seed: int = 42, candidates: list[int] | None = None
) -> dict[str, Any]:
    """The number of topics, and how it was chosen.

    KMeans partitions the ``reduced`` (UMAP) points at each candidate count;
    each partition is scored by its silhouette on the full ``embeddings``
    (cosine; on up to 4,000 texts), and the best count wins, after a finer
    search between its neighbours in the range. Why the full embeddings: UMAP
    draws coarse groups apart, so a silhouette taken in its space prefers too
    few topics (measured: 4 for 10 review categories, 126 for 150 intents);
    in the embedding space the best count landed within 0.02 NMI of the true
    count on English, Chinese and review sets. Without ``embeddings`` the
    reduced points are scored.

    Returns:
        ``method``, ``chosen``, ``best_silhouette``, ``curve`` (count ->
        silhouette, rounded) and ``reason`` (a sentence for people).
    """
    from sklearn.metrics import silhouette_score

    n_docs = len(reduced)
    counts = candidates or candidate_counts(n_docs)
    counts = [k for k in counts if 2 <= k < n_docs]
    if not counts:
        return {"method": "too few texts", "chosen": 1, "curve": {}, "reason": f"{n_docs} texts: one topic"}
    searched = n_docs
    if n_docs > COUNT_SEARCH_TEXTS:
        # The count is a property of the corpus, not of every row: a seeded sample keeps the search's cost flat
        # (measured at 100,000 texts: 835 s on every row).
        rows = np.sort(np.random.default_rng(seed).choice(n_docs, COUNT_SEARCH_TEXTS, replace=False))
        reduced = reduced[rows]
        embeddings = embeddings[rows] if embeddings is not None else None
        searched = COUNT_SEARCH_TEXTS
        counts = [k for k in counts if k < searched // 2]
    sample = min(searched, 4000)
    scored, metric = (embeddings, "cosine") if embeddings is not None else (reduced, "euclidean")

    def silhouette(k: int) -> float:
        labels = _kmeans(reduced, k, seed, n_init=3)
        if len(set(labels.tolist())) < 2:
            return -1.0
        return float(silhouette_score(scored, labels, metric=metric, sample_size=sample, random_state=seed))

    curve = {k: silhouette(k) for k in counts}
    best = max(curve, key=curve.get)
    i = counts.index(best)
    low, high = counts[max(0, i - 1)], counts[min(len(counts) - 1, i + 1)]
    for k in {int(round(k)) for k in np.linspace(low, high, REFINE_STEPS + 2)[1:-1]}:
        if k not in curve and 2 <= k < searched:
            curve[k] = silhouette(k)
    chosen = max(curve, key=lambda k: (curve[k], -k))
    space = "embedding space (cosine)" if embeddings is not None else "reduced space"
    on = f", on a sample of {searched:,} of the {n_docs:,} texts" if searched < n_docs else ""
    return {
        "method": "silhouette",
        "chosen": int(chosen),
        "texts_searched": int(searched),
        "best_silhouette": round(curve[chosen], 4),
        "curve": {int(k): round(v, 4) for k, v in sorted(curve.items())},
        "reason": (
            f"{chosen} topics: KMeans tried {len(curve)} counts from {min(curve)} to {max(curve)}; {chosen} separates "
            f"the texts best (silhouette {curve[chosen]:.3f} in the {space}{on})"
        ),
    }


def _hdbscan_labels(reduced: np.ndarray, min_topic_size: int) -> np.ndarray:
    from hdbscan import HDBSCAN

    return HDBSCAN(min_cluster_size=max(2, min_topic_size), metric="euclidean").fit(reduced).labels_


def fit_topics(
    docs: pd.DataFrame,
    *,
    language: str = "auto",
    n_topics: int | None = None,
    embedding: str = "auto",
    embedding_model: str | None = None,
    reduction: str = "auto",
    reduced_dimensions: int = 10,
    clustering: str = "kmeans",
    centre_languages: bool = True,
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
    """Fit a topic model on ``docs``: embed, centre per language, reduce, cluster, name; match ids to a previous run.

    Args:
        docs: needs ``id`` and ``text`` (see :func:`prepare_documents`).
        language: ``auto`` (from the share of Chinese characters), ``en``, ``zh`` or ``mixed``.
        n_topics: number of topics when known; None chooses it from the data (:func:`choose_topic_count`).
        embedding: embedding backend name (:data:`workbench.topics.embeddings.BACKENDS` or ``auto``).
        embedding_model: model name or local path for ``sentence_transformers``.
        reduction: ``umap``, ``pca`` (no compile cost, weaker on short texts) or ``auto``: PCA for a TF-IDF
            embedding of long texts with a given count (measured as good there), else UMAP.
        reduced_dimensions: dimensions kept before clustering.
        clustering: ``kmeans`` (default) or ``hdbscan`` (density; finds its own count, leaves outliers).
        centre_languages: subtract each language's mean embedding (pre-trained backends only).
        min_topic_size: HDBSCAN's smallest topic.
        max_outlier_share: HDBSCAN's outliers are reassigned until at most this share (0..1) remains.
        top_n_words: words per topic in ``top_words``.
        examples_per_topic: redacted example texts per topic (the closest to its centroid).
        seed: seed of every randomised step.
        previous: the run to match topics (ids and labels) against.
        labels: stable topic id -> human label; overrides labels carried from ``previous``.
        min_match_similarity: c-TF-IDF cosine similarity below which a topic counts as new.
        model_id: recorded in ``info`` (default: a hash of parameters and texts).
        show_progress: progress bars for the embedding.

    Returns:
        A :class:`TopicRun`.

    Raises:
        InputDataError: empty corpus, all texts identical, or fewer distinct texts than topics.
        ParameterError: an unknown backend, language, reduction or clustering, or a share outside 0..1.
    """
    import time

    if not 0 <= max_outlier_share <= 1:
        raise ParameterError(f"max_outlier_share must be within 0..1, found {max_outlier_share}", field="max_outlier_share")
    if reduction not in ("auto", "pca", "umap"):
        raise ParameterError(f"unknown reduction '{reduction}'; expected auto, pca or umap", field="reduction")
    if clustering not in ("kmeans", "hdbscan"):
        raise ParameterError(f"unknown clustering '{clustering}'; expected kmeans or hdbscan", field="clustering")
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
    embeddings, embedded = embed_texts(embedder, texts, show_progress=show_progress)
    timings["embedding_seconds"] = time.perf_counter() - start

    doc_languages = document_languages(texts)
    means: dict[str, np.ndarray] = {}
    if centre_languages and embedder.cache_id is not None:
        means = language_means(embeddings, doc_languages)
        embeddings = centre_by_language(embeddings, doc_languages, means)

    n_docs = len(texts)
    if reduction == "auto":
        reduction = "pca" if embedder.cache_id is None and n_topics else "umap"
    if n_docs < UMAP_MIN_DOCUMENTS:
        reduction = "pca"
    start = time.perf_counter()
    reduced = reduce_embeddings(embeddings, dims=reduced_dimensions, reduction=reduction, seed=seed)
    timings["reduction_seconds"] = time.perf_counter() - start

    start = time.perf_counter()
    distinct = len(set(texts))
    if clustering == "hdbscan":
        topic_count = {"method": "hdbscan", "reason": f"HDBSCAN (smallest topic {min_topic_size}) found the count"}
        clusters = np.asarray(_hdbscan_labels(reduced, min_topic_size))
    else:
        if n_topics:
            k = min(n_topics, distinct)
            topic_count = {"method": "given", "chosen": k, "reason": f"{k} topics, as asked"}
        else:
            topic_count = choose_topic_count(
                reduced, embeddings=embeddings, seed=seed, candidates=candidate_counts(min(n_docs, distinct))
            )
            k = topic_count["chosen"]
        timings["topic_count_seconds"] = time.perf_counter() - start
        start = time.perf_counter()
        clusters = _kmeans(reduced, k, seed) if k > 1 else np.zeros(n_docs, dtype=int)
    timings["clustering_seconds"] = time.perf_counter() - start

    start = time.perf_counter()
    model = _fit_words(texts, clusters, embeddings, top_n_words, lang)
    internal = np.asarray(model.topics_)
    internal, outliers = _reduce_outliers(model, texts, internal, embeddings, max_outlier_share)
    timings["topic_words_seconds"] = time.perf_counter() - start

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
        "languages": {str(k): int(v) for k, v in zip(*np.unique(doc_languages, return_counts=True))},
        "embedding": embedder.backend,
        "embedding_model": embedder.model_ref,
        "embedding_cache": embedded,
        "centred_languages": sorted(k for k in means if k != "*"),
        "n_topics": n_topics,
        "topic_count": topic_count,
        "reduction": reduction,
        "clustering": clustering,
        "reduced_dimensions": int(reduced.shape[1]),
        "seed": seed,
        "documents": n_docs,
        "outliers": outliers,
        "timings": {k2: round(v, 3) for k2, v in timings.items()},
        "previous_model_id": previous.info.get("model_id") if previous is not None else None,
    }
    return TopicRun(model, embedder, id_map, assignments, topics, centroids, info, means)


def _fit_words(texts: list[str], clusters: np.ndarray, embeddings: np.ndarray, top_n_words: int, lang: str):
    """A BERTopic model that only computes c-TF-IDF topic words for the given clusters (no reduction or clustering)."""
    from bertopic import BERTopic
    from bertopic.cluster import BaseCluster
    from bertopic.dimensionality import BaseDimensionalityReduction
    from bertopic.vectorizers import ClassTfidfTransformer

    model = BERTopic(
        embedding_model=None,
        umap_model=BaseDimensionalityReduction(),
        hdbscan_model=BaseCluster(),
        vectorizer_model=_vectorizer(len(texts)),
        # Words common to every topic (account, 号码) otherwise lead each list; this damps them.
        ctfidf_model=ClassTfidfTransformer(reduce_frequent_words=True),
        top_n_words=top_n_words,
        min_topic_size=2,
        calculate_probabilities=False,
        language="multilingual" if lang != "en" else "english",
        verbose=False,
    )
    model.fit(texts, embeddings=embeddings, y=np.asarray(clusters, dtype=int))
    return model


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
    """One row per topic: a readable label, its words (per language in a mixed corpus) and reason sentences.

    The label is a human one when given (or carried over), else a short representative
    question of the topic (:func:`workbench.topics.labels.topic_label`); examples are the
    sentence of each typical text that carries the reason, redacted.
    """
    from workbench.topics.labels import (
        distinctive_weights, format_words_by_language, reason_sentence, topic_label, topic_words_by_language,
    )  # fmt: skip

    rows = []
    frame = pd.DataFrame({"topic": stable, "text": texts, "p": probability})
    weights = distinctive_weights(_word_weights(model, id_map))
    by_language = topic_words_by_language(texts, stable, top_n=top_n_words)
    for internal, topic in sorted(id_map.items(), key=lambda kv: kv[1]):
        members = frame[frame["topic"] == topic]
        if members.empty:
            continue
        words = [w for w, _ in (model.get_topic(internal) or [])][:top_n_words] if internal in model.topic_sizes_ else []
        ranked = members.sort_values("p", ascending=False, kind="stable").drop_duplicates("text")
        own = weights.get(int(topic), {})
        per_language = by_language.get(int(topic), {})
        top = format_words_by_language(per_language, per_language=top_n_words) if len(per_language) > 1 else ", ".join(words)
        label = labels.get(int(topic))
        if not label:
            label = "outliers" if topic == OUTLIER else topic_label(ranked["text"].tolist(), ranked["p"].to_numpy(), own)
        rows.append(
            {
                "topic": int(topic),
                "label": label or f"{topic} {', '.join(words[:3])}",
                "size": int(len(members)),
                "top_words": top,
                "examples": " | ".join(reason_sentence(t, own) for t in ranked["text"].head(examples)),
                "is_new": int(topic) in new_ids,
                "previous_similarity": similarity.get(int(topic)),
            }
        )
    table = pd.DataFrame(rows, columns=TOPIC_COLUMNS)
    return table.astype({"topic": "int64", "size": "int64"})


# --------------------------------------------------------------------------- assign


def assign_topics(run: TopicRun, docs: pd.DataFrame, *, min_similarity: float = 0.0) -> pd.DataFrame:
    """Put new texts into a fitted run's topics without refitting.

    Each text is embedded (known texts come from the embedding cache) and
    centred by its language as at fit time, then goes to the topic whose
    centroid (mean embedding of its documents at fit time) is most similar
    (cosine); below ``min_similarity`` it becomes an outlier (-1).

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
    texts = docs["text"].fillna("").astype(str).tolist()
    embeddings, _ = embed_texts(run.embedder, texts)
    if run.language_means:
        embeddings = centre_by_language(embeddings, document_languages(texts), run.language_means)
    sim = embeddings @ matrix.T
    best = sim.argmax(axis=1)
    best_sim = sim[np.arange(len(docs)), best]
    topic = np.where(best_sim >= min_similarity, np.asarray(topic_ids)[best], OUTLIER)
    return pd.DataFrame(
        {"id": docs["id"].astype(str).to_numpy(), "topic": topic.astype(int), "probability": np.clip(best_sim, 0, 1).round(4)}
    )


# --------------------------------------------------------------------------- save / load


def save_run(run: TopicRun, folder: str | Path) -> Path:
    """Write a run folder (model, embedder, run.json, centroids, language means, assignments.csv, topics.csv).

    Returns:
        The folder.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    run.embedder.save(folder / "embedding")
    # The embedder is saved under embedding/ (BERTopic never embeds here: texts are embedded before it runs), so
    # BERTopic's warning about a model saved without its embedding model is noise in a report: silenced here.
    import logging

    bertopic_logger = logging.getLogger("BERTopic")
    level = bertopic_logger.level
    bertopic_logger.setLevel(logging.ERROR)
    try:
        run.model.save(str(folder / "model"), serialization="safetensors", save_ctfidf=True,
                       save_embedding_model=False)
    finally:
        bertopic_logger.setLevel(level)
    topic_ids = sorted(run.centroids)
    np.save(folder / "centroids.npy", np.vstack([run.centroids[t] for t in topic_ids]))
    np.savez(folder / "language_means.npz", **run.language_means)
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
        model = BERTopic.load(str(folder / "model"))
    matrix = np.load(folder / "centroids.npy")
    means_file = folder / "language_means.npz"
    means: dict[str, np.ndarray] = {}
    if means_file.is_file():
        with np.load(means_file) as data:
            means = {key: data[key] for key in data.files}
    centroids = {int(t): matrix[i] for i, t in enumerate(meta.pop("centroid_topics"))}
    id_map = {int(k): int(v) for k, v in meta.pop("id_map").items()}
    topics = read_csv(folder / "topics.csv")
    assignments = read_csv(folder / "assignments.csv", dtype={"id": str})
    return TopicRun(model, embedder, id_map, assignments, topics, centroids, meta, means)


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
