"""Speech-recognition engines behind one small interface, chosen by name.

The names live in :data:`workbench.registries.ASR_ENGINES` (``ENGINES`` here,
the same object); :func:`get_engine` builds one. Both built-in engines run
CTranslate2 Whisper models on the CPU:

* ``"whisperx"`` (default, :mod:`.whisperx_engine`): WhisperX's batched
  pipeline, one segment per VAD chunk, chunks cut at long pauses.
* ``"faster-whisper"`` (:mod:`.faster_whisper_engine`): plain
  ``faster_whisper.WhisperModel`` with word timestamps; lighter, and the
  benchmark floor.
* ``"sherpa-onnx"`` (:mod:`.sherpa_onnx_engine`): SenseVoice or Paraformer
  ONNX models from a local directory, through the ``sherpa-onnx`` package
  (not in the lock; the engine says what to install and provide).

Mandarin: every engine decodes Mandarin after a simplified-character prompt
(``script_prompt``) and can be biased towards the centre's vocabulary
(``hotwords``); see :meth:`Engine.decode_options`. A fine-tuned Whisper
converted with ``ct2-transformers-converter`` runs from its directory
(``asr_model=<dir>``).

The package's modules:

* :mod:`.base`: the :class:`Engine` interface (language detection among
  :data:`CENTRE_LANGUAGES`, English routing, alignment, prompts).
* :mod:`.models`: offline models (bundled ``tiny.en``, the multilingual
  ``base`` joined into :func:`workbench.paths.models_dir`, a local folder or a
  cached name), hash-checked before they load; nothing is ever downloaded.
* :mod:`.scripts`: Mandarin text mapped to simplified characters.

A plug-in engine subclasses :class:`Engine` and calls :func:`register_engine`.
Heavy libraries (torch, whisperx, faster_whisper) are imported inside the
functions that need them, so importing this package stays cheap.
"""

from __future__ import annotations

from typing import Any

from workbench.registries import ASR_ENGINES
from workbench.speech.engines.base import (
    CENTRE_LANGUAGES,
    SCRIPT_PROMPTS,
    Engine,
    hotword_list,
    hotword_prompt,
    strip_hotword_echo,
)
from workbench.speech.engines.models import (
    ENGLISH_MODEL,
    MULTILINGUAL_MODEL,
    base_model_dir,
    english_model_dir,
    model_is_multilingual,
    resolve_model,
)
from workbench.speech.engines.scripts import to_simplified

__all__ = [
    "DEFAULT_ENGINE",
    "CENTRE_LANGUAGES",
    "ENGINES",
    "ENGLISH_MODEL",
    "MULTILINGUAL_MODEL",
    "Engine",
    "SCRIPT_PROMPTS",
    "base_model_dir",
    "english_model_dir",
    "get_engine",
    "hotword_list",
    "hotword_prompt",
    "model_is_multilingual",
    "register_engine",
    "resolve_model",
    "strip_hotword_echo",
    "to_simplified",
]

DEFAULT_ENGINE = "whisperx"

#: Engine name -> :class:`Engine` subclass: :data:`workbench.registries.ASR_ENGINES` itself.
ENGINES = ASR_ENGINES


def register_engine(name: str, cls: type[Engine]) -> None:
    """Make a plug-in engine class available to :func:`get_engine` under ``name``.

    Raises:
        ValueError: ``name`` is taken.
    """
    ENGINES.register(name, cls)


def get_engine(
    engine: str = DEFAULT_ENGINE,
    asr_model: str | None = None,
    language: str = "auto",
    threads: int = 2,
    **options: Any,
) -> Engine:
    """An engine by registry name; the model is resolved now and loaded on first use.

    Args:
        engine: a name in :data:`ENGINES` (``"whisperx"``, ``"faster-whisper"``, ``"sherpa-onnx"``).
        asr_model: model name or local directory; ``None`` for the offline
            default of ``language`` (see :func:`resolve_model`).
        language: ``"auto"`` (detect among :data:`CENTRE_LANGUAGES`), ``"en"``,
            ``"zh"`` or another Whisper language code.
        threads: CPU threads for the model (and torch, for WhisperX's VAD).
        **options: engine options, e.g. ``compute_type``, ``beam_size``,
            ``chunk_size``, ``batch_size``, ``align_model``,
            ``hotwords`` (list of the centre's words), ``script_prompt``
            (default True), ``model_type`` (sherpa-onnx).

    Raises:
        ParameterError: unknown engine name (field ``engine``), option or language.
        MissingComponentError: the model cannot be found offline.
    """
    return ENGINES.load(engine)(asr_model=asr_model, language=language, threads=threads, **options)
