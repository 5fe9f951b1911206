"""The ``sherpa-onnx`` engine: SenseVoice or Paraformer ONNX models a user provides by local path.

Nothing on the package index ships a Mandarin recogniser stronger than
Whisper base; SenseVoice-Small and Paraformer-large are published at ~4.5 %
character error (AISHELL-1/2 + WenetSpeech), against ~17 % measured for the
shipped base model on a real AISHELL clip. They run on the CPU through the
``sherpa-onnx`` package, which is not part of the lock: a centre that wants
them installs it (``pip install sherpa-onnx``) and copies a model directory:

* SenseVoice (``model_type="sense_voice"``): ``model.int8.onnx`` (~239 MB) or
  ``model.onnx``, and ``tokens.txt``; from the k2-fsa sherpa-onnx releases,
  ``asr-models/sherpa-onnx-sense-voice-zh-en-ja-ko-yue-2024-07-17.tar.bz2``.
  Languages zh, en, ja, ko, yue; it identifies the language itself.
* Paraformer (``model_type="paraformer"``): ``model.int8.onnx`` (~223 MB) or
  ``model.onnx``, and ``tokens.txt``; e.g. ``sherpa-onnx-paraformer-zh-2024-03-09``
  from the same releases (converted from ModelScope's
  ``iic/speech_paraformer-large_asr_nat-zh-cn-16k-common-vocab8404-pytorch``).
  Mandarin (with some English).

A FunASR export (``model_quant.onnx``, ``config.yaml``, ``am.mvn``,
``tokens.json``, as ``funasr-onnx`` downloads from ModelScope) is recognised
and refused with a pointer to the sherpa-onnx conversion: this engine reads
the sherpa-onnx layout only.

Token timestamps become segments with :func:`tokens_to_segments` (a pause or
a sentence end starts a new segment), so turns and speech metrics work as
with Whisper. Hotwords are not supported by these model types (they are
ignored and not part of the parameters); the script prompt does not apply.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import re
from pathlib import Path
from typing import Any

import numpy as np

from workbench.errors import MissingComponentError, ParameterError
from workbench.speech.audio import SAMPLE_RATE_HZ
from workbench.speech.engines.base import Engine

logger = logging.getLogger(__name__)

MODEL_TYPES = ("sense_voice", "paraformer")
#: Files each model type needs: alternatives within a tuple (the first found is used).
REQUIRED_FILES: dict[str, tuple[tuple[str, ...], ...]] = {
    "sense_voice": (("model.int8.onnx", "model.onnx"), ("tokens.txt",)),
    "paraformer": (("model.int8.onnx", "model.onnx"), ("tokens.txt",)),
}
FUNASR_FILES = ("model_quant.onnx", "config.yaml", "am.mvn", "tokens.json")
SOURCES = {
    "sense_voice": "SenseVoice-Small int8 (~239 MB): k2-fsa/sherpa-onnx GitHub releases, tag asr-models, "
    "sherpa-onnx-sense-voice-zh-en-ja-ko-yue-2024-07-17.tar.bz2 (model from FunAudioLLM/SenseVoice on ModelScope)",
    "paraformer": "Paraformer-zh int8 (~223 MB): k2-fsa/sherpa-onnx GitHub releases, tag asr-models, "
    "sherpa-onnx-paraformer-zh-2024-03-09.tar.bz2 (converted from ModelScope "
    "iic/speech_paraformer-large_asr_nat-zh-cn-16k-common-vocab8404-pytorch)",
}
SENSE_VOICE_LANGUAGES = ("zh", "en", "ja", "ko", "yue")
# Sentence-final punctuation (SenseVoice with inverse text normalisation writes it).
_SENTENCE_END = set("。？！?!；;")
_SPECIAL_TOKEN_RE = re.compile(r"^<\|.*\|>$|^<(?:blank|unk|s|/s|sos/eos)>$")


def tokens_to_segments(
    tokens: list[str],
    timestamps_seconds: list[float],
    duration_seconds: float | None = None,
    gap_seconds: float = 0.8,
    max_segment_seconds: float = 15.0,
    max_token_seconds: float = 0.5,
) -> list[dict]:
    """Group recognised tokens with start times into segments (``start``, ``end``, ``text``, ``confidence``).

    A new segment starts after a pause longer than ``gap_seconds`` between
    one token's end and the next one's start, after sentence-final
    punctuation, or when a segment would grow past ``max_segment_seconds``.
    A token ends where the next one starts, but at most ``max_token_seconds``
    after its own start (the last token also at ``duration_seconds``); a
    punctuation token takes no time.
    Special tokens (``<|zh|>``, ``<unk>``, ``<blank>``) are dropped. Pieces
    join as the models write them: SentencePiece ``▁`` starts a word (a
    space), a ``@@`` suffix (Paraformer's English subwords) continues one,
    Chinese characters join without spaces.

    Args:
        tokens: token strings as the recogniser gives them.
        timestamps_seconds: start time of each token (same length).
        duration_seconds: length of the audio, to bound the last token.

    Returns:
        Segments in time order; ``confidence`` is None (these models give none).

    Raises:
        ValueError: ``tokens`` and ``timestamps_seconds`` differ in length.

    >>> [(s["start"], s["end"], s["text"]) for s in tokens_to_segments(
    ...     ["广", "州", "。", "房", "地", "产"], [0.1, 0.3, 0.5, 2.0, 2.2, 2.4], duration_seconds=2.6)]
    [(0.1, 0.5, '广州。'), (2.0, 2.6, '房地产')]
    """
    if len(tokens) != len(timestamps_seconds):
        raise ValueError(f"{len(tokens)} tokens but {len(timestamps_seconds)} timestamps")
    kept = [(str(t), float(s)) for t, s in zip(tokens, timestamps_seconds) if not _SPECIAL_TOKEN_RE.match(str(t))]
    segments: list[dict] = []
    current: list[tuple[str, float, float]] = []
    for i, (token, start) in enumerate(kept):
        following = kept[i + 1][1] if i + 1 < len(kept) else duration_seconds
        end = start + max_token_seconds if following is None else min(max(following, start), start + max_token_seconds)
        if duration_seconds is not None:
            end = min(end, max(duration_seconds, start))
        if _is_punctuation(token):
            end = start  # punctuation is not speech: it must not stretch a segment into a pause
        if current and (start - current[-1][2] > gap_seconds or end - current[0][1] > max_segment_seconds):
            segments.append(_segment(current))
            current = []
        current.append((token, start, end))
        if token.strip() and token.strip()[-1] in _SENTENCE_END:
            segments.append(_segment(current))
            current = []
    if current:
        segments.append(_segment(current))
    return [s for s in segments if s["text"]]


def _segment(pieces: list[tuple[str, float, float]]) -> dict:
    return {"start": pieces[0][1], "end": pieces[-1][2], "text": join_tokens([p[0] for p in pieces]),
            "confidence": None}  # fmt: skip


def join_tokens(tokens: list[str]) -> str:
    """Token pieces as text: ``▁`` starts a word, ``@@`` continues one, CJK joins tight.

    In a SentencePiece vocabulary (SenseVoice: some piece starts with ``▁``)
    a piece without ``▁`` continues the word; otherwise (Paraformer) Latin
    pieces are words of their own unless the previous one ends in ``@@``.

    >>> join_tokens(["▁hello", "▁wor", "ld", "你", "好"])
    'hello world你好'
    >>> join_tokens(["HEL@@", "LO", "WORLD", "你", "好"])
    'HELLO WORLD你好'
    """
    sentencepiece = any(t.startswith("▁") for t in tokens)
    out, glue = "", True
    for token in tokens:
        continues = token.endswith("@@")
        piece = token[:-2] if continues else token
        if piece.startswith("▁"):
            piece = " " + piece[1:]
        elif not sentencepiece and not glue and out[-1:] and _is_latin(out[-1]) and _is_latin(piece[:1]):
            piece = " " + piece
        out += piece
        glue = continues
    return " ".join(out.split())


def _is_punctuation(token: str) -> bool:
    text = token.replace("▁", "").strip()
    return bool(text) and all(not c.isalnum() for c in text)


def _is_latin(character: str) -> bool:
    return character.isascii() and character.isalnum()


def model_files(model_dir: Path, model_type: str) -> dict[str, Path]:
    """The files of a sherpa-onnx model directory by role (``model``, ``tokens``), checked.

    Raises:
        MissingComponentError: the directory does not exist, lacks a file
            (each one named, with where such models come from), or holds a
            FunASR export instead.
    """
    if not model_dir.is_dir():
        raise MissingComponentError(
            f"sherpa-onnx model directory {model_dir} does not exist. Expected a {model_type} model: "
            f"{_describe(model_type)}. Source: {SOURCES[model_type]}"
        )
    found: dict[str, Path] = {}
    missing: list[str] = []
    for role, alternatives in zip(("model", "tokens"), REQUIRED_FILES[model_type]):
        present = [model_dir / name for name in alternatives if (model_dir / name).is_file()]
        if present:
            found[role] = present[0]
        else:
            missing.append(" or ".join(alternatives))
    if missing:
        funasr = [n for n in FUNASR_FILES if (model_dir / n).is_file()]
        hint = (
            f" It holds a FunASR export ({', '.join(funasr)}): this engine reads the sherpa-onnx layout; use the "
            "sherpa-onnx release of the same model." if funasr else ""
        )
        raise MissingComponentError(
            f"{model_dir} is not a sherpa-onnx {model_type} model directory: missing {', '.join(missing)}.{hint} "
            f"Source: {SOURCES[model_type]}; unpack it and pass asr_model=<that directory>"
        )
    return found


def _describe(model_type: str) -> str:
    return " + ".join(" or ".join(a) for a in REQUIRED_FILES[model_type])


def guess_model_type(model_dir: Path) -> str:
    """``sense_voice`` or ``paraformer`` from the directory name (as the releases name them); else ``sense_voice``."""
    name = model_dir.name.lower().replace("-", "_")
    return "paraformer" if "paraformer" in name else "sense_voice"


class SherpaOnnxEngine(Engine):
    """SenseVoice / Paraformer ONNX models through the ``sherpa-onnx`` package, from a local directory.

    Args:
        asr_model: the model directory (required; nothing is downloaded).
        language: ``"auto"`` (SenseVoice identifies it; Paraformer is
            Mandarin), ``"zh"``, ``"en"``, ``"ja"``, ``"ko"``, ``"yue"``.
        model_type: ``"sense_voice"`` or ``"paraformer"``; None guesses from
            the directory name.
        use_itn: SenseVoice's inverse text normalisation (punctuation,
            numbers as digits); on by default.
        gap_seconds: pause that starts a new segment (:func:`tokens_to_segments`).

    Raises:
        ParameterError: no ``asr_model``, an unknown ``model_type`` or language.
        MissingComponentError: a missing model file (named), or the
            ``sherpa_onnx`` package is not installed.
    """

    name = "sherpa-onnx"

    def __init__(
        self,
        asr_model: str | None = None,
        language: str = "auto",
        threads: int = 2,
        model_type: str | None = None,
        use_itn: bool = True,
        gap_seconds: float = 0.8,
        hotwords: list[str] | tuple[str, ...] | None = None,
        script_prompt: bool = True,
        **unused: Any,
    ) -> None:
        if not asr_model:
            raise ParameterError(
                "the sherpa-onnx engine needs asr_model=<local model directory> (SenseVoice or Paraformer); "
                f"sources: {SOURCES['sense_voice']}; {SOURCES['paraformer']}",
                field="asr_model",
            )
        if int(threads) < 1:
            raise ParameterError(f"threads must be at least 1, got {threads}", field="threads")
        directory = Path(str(asr_model)).expanduser()
        model_type = model_type or guess_model_type(directory)
        if model_type not in MODEL_TYPES:
            raise ParameterError(f"model_type must be one of {', '.join(MODEL_TYPES)}, got {model_type!r}",
                                 field="model_type")  # fmt: skip
        allowed = ("auto", *SENSE_VOICE_LANGUAGES) if model_type == "sense_voice" else ("auto", "zh")
        if language not in allowed:
            raise ParameterError(f"{model_type} models transcribe {', '.join(allowed)}; got language {language!r}",
                                 field="language")  # fmt: skip
        self.model_type = model_type
        self.files = model_files(directory.resolve() if directory.exists() else directory, model_type)
        self.model_dir = self.files["model"].parent
        self.model_label = str(asr_model)
        self.language = language
        self.threads = int(threads)
        self.use_itn = bool(use_itn)
        self.gap_seconds = float(gap_seconds)
        # Accepted so one set of engine options serves every engine; these model types take no prompt.
        self.hotwords = ()
        self.script_prompt = False
        if hotwords:
            logger.info("sherpa-onnx %s models take no hotwords; %d ignored", model_type, len(hotwords))
        self.ignored_options = sorted(unused)
        self.multilingual = model_type == "sense_voice"
        self.routes_english = False
        self.auto_languages = SENSE_VOICE_LANGUAGES if self.multilingual else ("zh",)
        self.align_model = unused.get("align_model")
        self.compute_type = "int8" if self.files["model"].name.endswith("int8.onnx") else "float32"
        self.beam_size = 1
        self._options = {}
        self._english = None
        self.load_seconds = None
        self._share_from = None
        self._model = None
        self._aligners = {}
        self._by_language: dict[str, Any] = {}

    @property
    def parameters(self) -> dict[str, Any]:
        """Everything that determines the transcript (JSON-serialisable)."""
        model = self.files["model"]
        return {
            "engine": self.name,
            "model": self.model_label,
            "model_type": self.model_type,
            "model_bytes": model.stat().st_size,
            # Size and the first MiB identify a model file cheaply (the files are ~230 MB).
            "model_head_sha256": _head_sha256(model),
            "language": self.language,
            "use_itn": self.use_itn,
            "gap_seconds": self.gap_seconds,
            "chinese_script": "simplified",
            "align_model": self.align_model,
            "threads": self.threads,
        }

    def decode_options(self, language: str) -> dict[str, str | None]:
        """No prompt options: SenseVoice and Paraformer take neither a prompt nor hotwords."""
        return {"initial_prompt": None, "hotwords": None, "repetition_penalty": 1.0}

    def load(self) -> Engine:
        """Load the model now (sherpa-onnx must be installed)."""
        if self._model is None:
            import time

            started = time.perf_counter()
            self._model = self._load()
            self.load_seconds = time.perf_counter() - started
        return self

    def _load(self) -> Any:
        if importlib.util.find_spec("sherpa_onnx") is None:
            raise MissingComponentError(
                "the sherpa-onnx engine needs the Python package 'sherpa-onnx', which is not installed in this "
                "environment (it is not part of requirements.lock): `pip install sherpa-onnx` on a machine that "
                f"may install it. The model directory {self.model_dir} is in place"
            )
        return self._recognizer(self.language)

    def __getstate__(self) -> dict[str, Any]:
        # Workers receive the engine pickled; recognisers are built again there.
        return {**super().__getstate__(), "_by_language": {}}

    def _recognizer(self, language: str) -> Any:
        """A recogniser decoding ``language`` (SenseVoice fixes it when built; ``auto`` detects)."""
        import sherpa_onnx

        model, tokens = str(self.files["model"]), str(self.files["tokens"])
        if self.model_type == "sense_voice":
            return sherpa_onnx.OfflineRecognizer.from_sense_voice(
                model=model, tokens=tokens, num_threads=self.threads, use_itn=self.use_itn,
                language="" if language == "auto" else language,
            )  # fmt: skip
        return sherpa_onnx.OfflineRecognizer.from_paraformer(paraformer=model, tokens=tokens,
                                                             num_threads=self.threads)  # fmt: skip

    def resolve_language(self, audio: np.ndarray, language: str | None = None) -> str:
        """The language asked for; ``"auto"`` stays ``"auto"`` for SenseVoice (the model reports it).

        Paraformer transcribes Mandarin only, so ``"auto"`` is ``"zh"`` there.
        """
        wanted = language or self.language
        if wanted == "auto":
            return "auto" if self.multilingual else "zh"
        if not self.multilingual and wanted != "zh":
            raise ParameterError(f"a Paraformer model transcribes Mandarin only; language {wanted!r} was asked for "
                                 "(a per-line rule or --spoken-language): use a SenseVoice model or a Whisper engine",
                                 field="language")  # fmt: skip
        return wanted

    def _transcribe(self, audio: np.ndarray, language: str) -> list[dict]:
        language = self.resolve_language(audio, language)
        recognizer = self._model
        if self.multilingual and language != self.language:
            # A call forced to another language (a per-line rule): SenseVoice takes it when built.
            recognizer = self._by_language.get(language) or self._by_language.setdefault(
                language, self._recognizer(language))
        stream = recognizer.create_stream()
        stream.accept_waveform(SAMPLE_RATE_HZ, audio)
        recognizer.decode_stream(stream)
        result = stream.result
        detected = _language_tag(getattr(result, "lang", "")) or (language if language != "auto" else "zh")
        tokens, times = list(result.tokens), list(result.timestamps)
        if tokens and len(tokens) == len(times):
            segments = tokens_to_segments(tokens, times, duration_seconds=audio.size / SAMPLE_RATE_HZ,
                                          gap_seconds=self.gap_seconds)  # fmt: skip
        else:  # a model exported without timestamps: one segment for the track
            segments = [{"start": 0.0, "end": audio.size / SAMPLE_RATE_HZ, "text": result.text, "confidence": None}]
        return [{**s, "language": detected} for s in segments]


def _language_tag(tag: str) -> str:
    """``"<|zh|>"`` → ``"zh"``; empty when absent."""
    return str(tag or "").strip("<|>") or ""


def _head_sha256(path: Path, head_bytes: int = 1 << 20) -> str:
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read(head_bytes)).hexdigest()
