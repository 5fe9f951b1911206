"""Sentiment models: package models (snownlp, VADER, pysenti), a user-trained n-gram model and the call-centre blend.

Every model has ``name``, ``version`` (changes whenever its scores could:
package version, lexicon, calibration; it is part of the transcription resume
key), ``languages`` and ``score(texts, languages=None) -> np.ndarray`` in
-1..1. A model returns NaN for a text in a language it cannot score and for a
blank text. ``languages`` gives each text's language (``zh``/``en``); None
detects it per text with :func:`workbench.text_language.text_language`.

Heavy packages are imported inside methods, and loaded package models are kept
per process (:func:`_package_model`).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from workbench.errors import InputDataError, MissingComponentError
from workbench.sentiment import lexicon
from workbench.text_language import text_language

__all__ = ["SnowNLPModel", "VaderModel", "PysentiModel", "NgramModel", "CallCentreModel", "train_ngram_model",
           "NGRAM_FILES", "clear_caches"]  # fmt: skip


def _package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "missing"


def _require(package: str, module: str, model: str) -> None:
    try:
        __import__(module)
    except ImportError:
        raise MissingComponentError(
            f"sentiment model {model!r} needs the Python package {package!r}, which is not installed; "
            f"install the workbench environment (it is in the lock file) or choose another model"
        ) from None


def _languages(texts: Sequence[str], languages: Sequence[str] | str | None) -> list[str]:
    if languages is None or languages == "auto":
        return [text_language(t) if isinstance(t, str) else "en" for t in texts]
    if isinstance(languages, str):
        return [languages] * len(texts)
    out = list(languages)
    if len(out) != len(texts):
        raise ValueError(f"{len(out)} languages for {len(texts)} texts")
    return [value if value in ("zh", "en") else (text_language(t) if isinstance(t, str) else "en")
            for value, t in zip(out, texts)]  # fmt: skip


def _blank(text: Any) -> bool:
    return not isinstance(text, str) or not text.strip()


@lru_cache(maxsize=None)
def _package_model(name: str) -> Any:
    """The loaded package scorer ``name``, once per process."""
    if name == "snownlp":
        _require("snownlp", "snownlp", "snownlp")
        from snownlp import sentiment

        return sentiment.classifier
    if name == "vader":
        _require("vaderSentiment", "vaderSentiment", "vader")
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        return SentimentIntensityAnalyzer()
    if name == "pysenti":
        _require("pysenti", "pysenti", "pysenti")
        import logging

        import jieba

        jieba.setLogLevel(logging.WARNING)
        from pysenti.model_classifier import ModelClassifier

        return ModelClassifier()
    raise KeyError(name)


# Per-process caches of the package scores: turns such as "好的" and "thank you" repeat across calls.
@lru_cache(maxsize=100_000)
def _snownlp_one(text: str) -> float:
    # snownlp returns P(positive); 2p - 1 maps it onto -1..1.
    return 2.0 * float(_package_model("snownlp").classify(text)) - 1.0


@lru_cache(maxsize=100_000)
def _vader_one(text: str) -> float:
    return float(_package_model("vader").polarity_scores(text)["compound"])


def clear_caches() -> None:
    """Forget the cached package scores (benchmarks time cold scoring)."""
    _snownlp_one.cache_clear()
    _vader_one.cache_clear()


class _LanguageModel:
    """A model scoring one language; NaN for blank texts and texts in other languages."""

    name = ""
    languages: tuple[str, ...] = ()
    _package = ""

    def __init__(self) -> None:
        self.version = f"{self.name}-{_package_version(self._package)}"

    def _score_one(self, text: str) -> float:
        raise NotImplementedError

    def score(self, texts: Sequence[str], languages: Sequence[str] | str | None = None) -> np.ndarray:
        """Scores in -1..1 (negative .. positive), NaN for blank texts and other languages."""
        texts = list(texts)
        langs = _languages(texts, languages)
        out = np.full(len(texts), np.nan)
        for i, (text, lang) in enumerate(zip(texts, langs)):
            if lang in self.languages and not _blank(text):
                out[i] = self._score_one(text)
        return out

    def __repr__(self) -> str:
        return f"{type(self).__name__}(version={self.version!r})"


class SnowNLPModel(_LanguageModel):
    """snownlp's naive Bayes sentiment (MIT; trained on Chinese shopping reviews), untuned: 2 P(positive) - 1."""

    name = "snownlp"
    languages = ("zh",)
    _package = "snownlp"

    def _score_one(self, text: str) -> float:
        return _snownlp_one(text)


class VaderModel(_LanguageModel):
    """VADER (vaderSentiment, MIT; English social-media lexicon and rules), untuned: its compound score."""

    name = "vader"
    languages = ("en",)
    _package = "vaderSentiment"

    def _score_one(self, text: str) -> float:
        return _vader_one(text)


class PysentiModel(_LanguageModel):
    """pysenti's naive Bayes model (Apache-2.0; Chinese), untuned: 2 P(positive) - 1."""

    name = "pysenti"
    languages = ("zh",)
    _package = "pysenti"

    def _score_one(self, text: str) -> float:
        result = _package_model("pysenti").classify(text)
        return 2.0 * float(result["positive_prob"]) - 1.0


# --------------------------------------------------------------------------- n-gram model

#: Files of a saved n-gram model folder: no pickle, so loading a folder runs no code from it.
NGRAM_FILES = {"meta": "ngram_sentiment.json", "arrays": "ngram_sentiment.npz"}
_NGRAM_FORMAT = 1


def train_ngram_model(texts: Sequence[str], labels: Sequence[Any], model_dir: str | Path | None = None,
                      *, max_features: int = 200_000, c: float = 4.0) -> "NgramModel":  # fmt: skip
    """Fit a character 1-3-gram TF-IDF + logistic regression sentiment model on labelled texts.

    Args:
        texts: the texts (any language; characters need no word segmentation).
        labels: per text ``positive``/``negative`` (or 1/0, True/False); ``neutral`` rows are left out.
        model_dir: folder to save into (:data:`NGRAM_FILES`); None keeps the model in memory only.
        max_features: the most frequent n-grams kept.
        c: inverse regularisation strength of the logistic regression.

    Returns:
        The fitted :class:`NgramModel`.

    Raises:
        InputDataError: fewer than two classes, or no usable text.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    mapping = {"positive": 1, "pos": 1, "1": 1, "true": 1, "negative": 0, "neg": 0, "0": 0, "false": 0}
    pairs = []
    for text, label in zip(texts, labels):
        value = mapping.get(str(label).strip().lower())
        if value is not None and not _blank(text):
            pairs.append((text, value))
    if len({value for _, value in pairs}) < 2:
        raise InputDataError("training needs texts labelled positive and negative (or 1 and 0)", field="label")
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), max_features=max_features, sublinear_tf=True,
                                 dtype=np.float32)  # fmt: skip
    matrix = vectorizer.fit_transform([t for t, _ in pairs])
    classifier = LogisticRegression(C=c, max_iter=1000, class_weight="balanced")
    classifier.fit(matrix, [v for _, v in pairs])
    vocabulary = {term: int(index) for term, index in vectorizer.vocabulary_.items()}
    arrays = {"idf": vectorizer.idf_.astype(np.float64), "coef": classifier.coef_[0].astype(np.float64),
              "intercept": np.asarray([classifier.intercept_[0]], dtype=np.float64)}  # fmt: skip
    meta = {"format": _NGRAM_FORMAT, "ngram_range": [1, 3], "sublinear_tf": True, "training_texts": len(pairs),
            "vocabulary": vocabulary}  # fmt: skip
    model = NgramModel._from_parts(meta, arrays)
    if model_dir is not None:
        folder = Path(model_dir)
        folder.mkdir(parents=True, exist_ok=True)
        np.savez(folder / NGRAM_FILES["arrays"], **arrays)
        (folder / NGRAM_FILES["meta"]).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        model.model_path = folder
    return model


class NgramModel:
    """Character 1-3-gram TF-IDF + logistic regression, trained by the user and given by folder.

    Train with :func:`train_ngram_model` on the centre's own labelled texts
    (the workbench ships no trained model: the public labelled sets it was
    measured on may not be redistributed). The folder holds
    :data:`NGRAM_FILES` (JSON and NumPy arrays, no pickle). Scores every
    language it was trained on: 2 P(positive) - 1.

    Args:
        model_path: the model folder (or its ``ngram_sentiment.json``).

    Raises:
        MissingComponentError: no path given, or a file of the model is missing.
    """

    name = "ngram"
    languages = ("zh", "en")

    def __init__(self, model_path: str | Path | None = None) -> None:
        if model_path is None:
            raise MissingComponentError(
                "sentiment model 'ngram' needs model_path=<folder> with the files "
                f"{NGRAM_FILES['meta']} and {NGRAM_FILES['arrays']}; train one with "
                "workbench.sentiment.models.train_ngram_model on your own labelled texts"
            )
        folder = Path(model_path)
        if folder.suffix == ".json":
            folder = folder.parent
        for file in NGRAM_FILES.values():
            if not (folder / file).is_file():
                raise MissingComponentError(
                    f"ngram sentiment model file not found: {folder / file}; train one with "
                    "workbench.sentiment.models.train_ngram_model(texts, labels, model_dir)"
                )
        meta = json.loads((folder / NGRAM_FILES["meta"]).read_text(encoding="utf-8"))
        if meta.get("format") != _NGRAM_FORMAT:
            raise MissingComponentError(f"{folder / NGRAM_FILES['meta']}: unknown model format {meta.get('format')!r}")
        with np.load(folder / NGRAM_FILES["arrays"], allow_pickle=False) as loaded:
            arrays = {key: loaded[key] for key in ("idf", "coef", "intercept")}
        self._setup(meta, arrays)
        self.model_path = folder

    @classmethod
    def _from_parts(cls, meta: dict, arrays: dict) -> "NgramModel":
        model = cls.__new__(cls)
        model._setup(meta, arrays)
        model.model_path = None
        return model

    def _setup(self, meta: dict, arrays: dict) -> None:
        self._meta = meta
        self._arrays = arrays
        digest = hashlib.sha256(json.dumps(meta["vocabulary"], sort_keys=True).encode("utf-8"))
        for key in ("idf", "coef", "intercept"):
            digest.update(np.ascontiguousarray(arrays[key]).tobytes())
        self.version = f"ngram-{digest.hexdigest()[:12]}"
        self._vectorizer = None

    def _vectorize(self, texts: list[str]):
        if self._vectorizer is None:
            from sklearn.feature_extraction.text import TfidfVectorizer

            vectorizer = TfidfVectorizer(analyzer="char", ngram_range=tuple(self._meta["ngram_range"]),
                                         sublinear_tf=self._meta["sublinear_tf"], vocabulary=self._meta["vocabulary"],
                                         dtype=np.float32)  # fmt: skip
            vectorizer.idf_ = self._arrays["idf"]
            self._vectorizer = vectorizer
        return self._vectorizer.transform(texts)

    def score(self, texts: Sequence[str], languages: Sequence[str] | str | None = None) -> np.ndarray:
        """Scores in -1..1, NaN for blank texts (``languages`` is accepted for the common signature)."""
        texts = list(texts)
        out = np.full(len(texts), np.nan)
        usable = [i for i, t in enumerate(texts) if not _blank(t)]
        if usable:
            logits = self._vectorize([texts[i] for i in usable]) @ self._arrays["coef"] + self._arrays["intercept"][0]
            out[usable] = np.tanh(np.asarray(logits, dtype=float) / 2.0)  # = 2 sigmoid(logit) - 1
        return out

    def __repr__(self) -> str:
        return f"NgramModel(model_path={str(self.model_path)!r}, version={self.version!r})"


# --------------------------------------------------------------------------- call-centre blend

#: Per language: (package model weight, lexicon weight, bias) of the logistic blend
#: P(positive) = sigmoid(a * package_score + b * lexicon_score + c); score = 2 P - 1.
#: a and b were calibrated (class-balanced logistic regression, ``tests/bench_sentiment.py --calibrate``) on
#: CALIBRATION splits only: zh on 1,000 reviews of zh_chnsenticorp_hotel, en on the non-neutral tweets among
#: 2,000 of en_twitter_airline_sentiment (seed-19 shuffles, disjoint from the rows the bench reports). The bias
#: is fixed at 0 so that a text without any sentiment signal scores 0 (neutral) whatever those sets' base
#: rates. No text or model from those sets is shipped.
BLEND: dict[str, tuple[float, float, float]] = {
    "zh": (0.59, 2.96, 0.0),
    "en": (1.02, 5.24, 0.0),
}
#: The lexicon sum saturates: a long complaint with ten hits is not ten times as negative.
LEXICON_SCALE = 4.0


class CallCentreModel:
    """The default: per text language, the package model (snownlp for zh, VADER for en) blended with the call-centre lexicon.

    The lexicon (:mod:`workbench.sentiment.lexicon`) adds how customers
    complain to and thank a service line, with negation and intensity; the
    blend's three numbers per language (:data:`BLEND`) were calibrated on
    service-domain calibration splits and are reported against the untuned
    packages on separate evaluation rows by ``tests/bench_sentiment.py``.
    """

    name = "callcentre"
    languages = ("zh", "en")

    def __init__(self) -> None:
        blend = json.dumps({"blend": BLEND, "scale": LEXICON_SCALE}, sort_keys=True)
        calibration = hashlib.sha256(blend.encode("utf-8")).hexdigest()[:8]
        self.version = (f"callcentre-1+snownlp{_package_version('snownlp')}+vader{_package_version('vaderSentiment')}"
                        f"+lex{lexicon.lexicon_fingerprint()}+cal{calibration}")  # fmt: skip

    @staticmethod
    def features(text: str, language: str) -> tuple[float, float]:
        """(package score, saturated lexicon score) of one text: the blend's inputs (calibration uses them)."""
        package = _snownlp_one(text) if language == "zh" else _vader_one(text)
        return package, math.tanh(lexicon.lexicon_score(text, language) / LEXICON_SCALE)

    def score(self, texts: Sequence[str], languages: Sequence[str] | str | None = None) -> np.ndarray:
        """Scores in -1..1, NaN for blank texts; each text scored in its language (given or detected)."""
        texts = list(texts)
        langs = _languages(texts, languages)
        out = np.full(len(texts), np.nan)
        for i, (text, lang) in enumerate(zip(texts, langs)):
            if _blank(text):
                continue
            package, lex = self.features(text, lang)
            a, b, c = BLEND[lang]
            out[i] = math.tanh((a * package + b * lex + c) / 2.0)
        return out

    def __repr__(self) -> str:
        return f"CallCentreModel(version={self.version!r})"
