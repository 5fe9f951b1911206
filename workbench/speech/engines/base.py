"""The engine interface: a speech recogniser loaded on demand, behind one ``transcribe``.

An engine resolves its model when built (:mod:`.models`, never downloading)
and loads it on first use, so building one checks the parameters cheaply.
Subclasses supply ``_load`` and ``_transcribe``; this class routes English
to ``tiny.en`` under ``language="auto"``, detects the language among
:data:`CENTRE_LANGUAGES`, normalises the text (:mod:`.scripts`) and runs the
optional alignment model. Telling speakers apart on a mono track is not the
engine's job: :mod:`workbench.speech.diarization` does it, before the engine
transcribes each voice.

Language: ``"auto"`` detects the language of each recording, but only among
:data:`CENTRE_LANGUAGES` (English and Mandarin): free detection picked Thai
for Mandarin speech in measurements, and the centre only runs these two lines.
An English-only model always transcribes English.

Prompts: Whisper drifts into traditional characters on Mandarin (5 of 12
characters on the real AISHELL clip). Decoding Mandarin after a short
simplified-character prompt (:data:`SCRIPT_PROMPTS`, ``script_prompt=True``)
keeps it in simplified script far more often (1 of 12 there, 0 on the same
clip band-limited to 8 kHz telephone audio); :func:`~.scripts.finish_text`
still maps what slips through. ``hotwords`` (queue names, product names,
topic words of the centre) bias decoding towards the centre's own vocabulary
(:func:`hotword_prompt`, bounded to :data:`MAX_HOTWORD_CHARACTERS`).
:meth:`Engine.decode_options` gives both to an engine's decoder.

Optional component, loaded only when configured and never downloaded:
``align_model`` (a wav2vec2 model for word alignment, by name in the local
cache or a local path). When it is configured but not available,
:class:`~workbench.errors.MissingComponentError` says what to provide.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from workbench.errors import MissingComponentError, ParameterError
from workbench.paths import hub_offline
from workbench.speech.audio import SAMPLE_RATE_HZ
from workbench.speech.engines.models import (
    ENGLISH_MODEL,
    MULTILINGUAL_MODEL,
    english_model_dir,
    model_is_multilingual,
    model_label,
    resolve_model,
    verify_bundled_model,
    verify_vad_model,
)
from workbench.speech.engines.scripts import finish_text

logger = logging.getLogger(__name__)

#: Languages the centre handles; ``language="auto"`` chooses among these only.
CENTRE_LANGUAGES = ("en", "zh")
#: Initial prompt per language, written in the script the output should use. Whisper
#: continues in the prompt's script: the known trick for simplified Mandarin.
SCRIPT_PROMPTS: dict[str, str] = {"zh": "以下是普通话的句子。"}
#: Hotword text longer than this is cut (whole words only): Whisper's prompt holds at most
#: 223 tokens, a Chinese character takes one or two, and long prompts get echoed.
MAX_HOTWORD_CHARACTERS = 120
#: At most this many hotwords are kept (the first ones: callers order by importance).
MAX_HOTWORDS = 40
#: Repetition penalty while a prompt is in use. After the prompt, the base model filled the
#: silence after the last word with "问问问…" until the token limit, at every fallback
#: temperature: 36-51 s for a 4 s clip instead of ~6 s. A mild penalty (1.1) stopped the loop
#: with the same text on the real clip (16 kHz and telephone band).
PROMPT_REPETITION_PENALTY = 1.1


def hotword_list(words: list[str] | tuple[str, ...] | None, language: str) -> str:
    """Hotwords as one list: unique words in order, joined, length-bounded.

    Words are stripped of surrounding space, duplicates and empty entries
    dropped, and words are kept while the text stays within
    :data:`MAX_HOTWORD_CHARACTERS` (at most :data:`MAX_HOTWORDS`). Mandarin
    joins with ``、`` (how a list is written in Chinese), other languages
    with ``, ``.

    >>> hotword_list(["宽带", " 套餐 ", "宽带", ""], "zh")
    '宽带、套餐'
    >>> hotword_list(["Broadband", "roaming"], "en")
    'Broadband, roaming'
    >>> hotword_list(None, "zh")
    ''
    """
    separator = "、" if language.startswith("zh") else ", "
    kept: list[str] = []
    length = 0
    for word in words or ():
        word = " ".join(str(word).split())
        if not word or word in kept or len(kept) >= MAX_HOTWORDS:
            continue
        added = len(word) + (len(separator) if kept else 0)
        if length + added > MAX_HOTWORD_CHARACTERS:
            continue
        kept.append(word)
        length += added
    return separator.join(kept)


_HOTWORD_LABELS = ("关键词", "Keywords")


def hotword_prompt(words: list[str] | tuple[str, ...] | None, language: str) -> str:
    """The centre's vocabulary as a prompt sentence for the decoder ('' when there are no words).

    Measured on the real AISHELL clip with the base model, a vocabulary of
    eight words (three from the clip, five unrelated) passed through
    faster-whisper's ``hotwords=`` made it recite the whole list after the
    sentence (CER 1.42), while the same words as a keyword sentence after the
    script prompt gave CER 0.00; unrelated words alone changed nothing. So
    hotwords travel in ``initial_prompt`` as this sentence.

    >>> hotword_prompt(["宽带", "套餐"], "zh")
    '关键词：宽带、套餐。'
    >>> hotword_prompt(["broadband", "roaming"], "en")
    'Keywords: broadband, roaming.'
    >>> hotword_prompt([], "zh")
    ''
    """
    listed = hotword_list(words, language)
    if not listed:
        return ""
    label = _HOTWORD_LABELS[0] if language.startswith("zh") else _HOTWORD_LABELS[1]
    return f"{label}：{listed}。" if language.startswith("zh") else f"{label}: {listed}."




def strip_hotword_echo(text: str, words: list[str] | tuple[str, ...], min_run: int = 3) -> str:
    """``text`` without a recited hotword list: a run of ``min_run`` or more list items that are all hotwords.

    Whisper sometimes reads its prompt back after the speech ("…分析。中介、信用卡、
    退款、宽带、套餐"). Items are cut at list and sentence punctuation; a
    maximal run of at least ``min_run`` consecutive items that are each a
    hotword is removed with its separators. A hotword said on its own, or
    two in a row, stay.

    >>> strip_hotword_echo("房地产中介协会分析。中介、信用卡、退款、宽带", ["中介", "信用卡", "退款", "宽带"])
    '房地产中介协会分析。'
    >>> strip_hotword_echo("我要办宽带、套餐", ["宽带", "套餐", "退款"])
    '我要办宽带、套餐'
    """
    vocabulary = {" ".join(w.split()) for w in words if w and w.strip()}
    if not vocabulary or not text:
        return text
    vocabulary |= set(_HOTWORD_LABELS)  # the prompt's own label ("关键词：") is part of a recital
    # Items run between list/sentence punctuation, without surrounding spaces ("top up" stays one item).
    item = r"[^、，,。.；;：:\s](?:[^、，,。.；;：:]*[^、，,。.；;：:\s])?"
    items = [(m.start(), m.end()) for m in re.finditer(item, text)]
    keep_until, cuts, run = 0, [], []
    for start, end in items + [(len(text), len(text))]:
        if start < len(text) and text[start:end] in vocabulary:
            run.append((start, end))
            continue
        if len(run) >= min_run:
            cuts.append((run[0][0], start if start < len(text) else len(text)))
        run = []
    if not cuts:
        return text
    out, cursor = [], 0
    for start, end in cuts:
        out.append(text[cursor:start])
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def _check_hotwords(hotwords: Any) -> tuple[str, ...]:
    if hotwords is None:
        return ()
    if isinstance(hotwords, str) or not all(isinstance(w, str) for w in hotwords):
        raise ParameterError(f"hotwords must be a list of strings, got {hotwords!r}", field="hotwords")
    return tuple(hotwords)


class Engine:
    """A loaded-on-demand speech recogniser.

    Args:
        asr_model: model name or local directory; ``None`` for the offline
            default of ``language`` (see :func:`~.models.resolve_model`).

    Attributes:
        name: the registry name (:data:`workbench.registries.ASR_ENGINES`).
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
        asr_model: str | None = None,
        language: str = "auto",
        threads: int = 2,
        compute_type: str = "int8",
        beam_size: int = 5,
        auto_languages: tuple[str, ...] | list[str] = CENTRE_LANGUAGES,
        align_model: str | None = None,
        hotwords: list[str] | tuple[str, ...] | None = None,
        script_prompt: bool = True,
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
        self.hotwords = _check_hotwords(hotwords)
        self.script_prompt = bool(script_prompt)
        self.model_dir = resolve_model(asr_model, language)
        self.model_label = model_label(asr_model, self.model_dir)
        self.multilingual = model_is_multilingual(self.model_dir)
        # With no model named and language "auto", the multilingual base model detects the
        # language and transcribes Mandarin, while English goes to tiny.en, which is faster
        # and more accurate on English calls than base (measured on the sample calls).
        self.routes_english = asr_model is None and language == "auto"
        if self.routes_english:
            self.model_label = f"{ENGLISH_MODEL}|{MULTILINGUAL_MODEL}"
        self._options = {"compute_type": compute_type, "beam_size": beam_size, "align_model": align_model,
                         "hotwords": self.hotwords,
                         "script_prompt": self.script_prompt}  # fmt: skip
        self._english: Engine | None = None
        if not self.multilingual and language not in ("auto", "en"):
            raise ParameterError(
                f"model {self.model_label!r} is English-only but language {language!r} was asked for; "
                f"use a multilingual model (e.g. --asr-model {MULTILINGUAL_MODEL}) or --spoken-language en",
                field="language",
            )
        self.load_seconds: float | None = None
        self._share_from: Engine | None = None
        self._model: Any = None
        self._aligners: dict[str, Any] = {}

    # Workers receive the engine pickled; the loaded model stays behind and is reloaded there.
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.update(_model=None, _aligners={}, _english=None)
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
            "threads": self.threads,
            **self._prompt_parameters(),
            **self._engine_parameters(),
        }

    def _prompt_parameters(self) -> dict[str, Any]:
        # Only present when they can change the text, so an English-only engine without
        # hotwords keeps the resume key its transcripts were stored under.
        out: dict[str, Any] = {}
        if self.multilingual:
            out["script_prompt"] = SCRIPT_PROMPTS if self.script_prompt else None
        if self.multilingual or self.hotwords:
            out["prompt_repetition_penalty"] = PROMPT_REPETITION_PENALTY
        if self.hotwords:
            out["hotwords"] = list(self.hotwords)
            out["max_hotword_characters"] = MAX_HOTWORD_CHARACTERS
        return out

    def parameters_sha256(self) -> str:
        """SHA-256 of :attr:`parameters` without ``threads`` (canonical JSON)."""
        key = {k: v for k, v in self.parameters.items() if k != "threads"}
        return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()

    def _engine_parameters(self) -> dict[str, Any]:
        return {}

    def decode_options(self, language: str) -> dict[str, str | None]:
        """Prompt options for the decoder of one recording in ``language``.

        Returns:
            ``{"initial_prompt": ..., "hotwords": ...}`` (None when not set),
            the keyword names of ``faster_whisper.WhisperModel.transcribe``
            (WhisperX takes both in its ASR options). ``initial_prompt`` is
            the script prompt of the language (:data:`SCRIPT_PROMPTS`) when
            ``script_prompt`` is on, followed by :func:`hotword_prompt` of the
            engine's hotwords. ``hotwords`` stays None: faster-whisper's own
            hotword prefix made the model recite the list (see
            :func:`hotword_prompt`); the key is there so every engine passes
            the same two options. ``repetition_penalty`` is
            :data:`PROMPT_REPETITION_PENALTY` when there is a prompt, else 1.0
            (the decoders' default).
        """
        parts = [SCRIPT_PROMPTS.get(language.split("-")[0], "") if self.script_prompt else "",
                 hotword_prompt(self.hotwords, language)]  # fmt: skip
        prompt = "".join(parts)
        return {"initial_prompt": prompt or None, "hotwords": None,
                "repetition_penalty": PROMPT_REPETITION_PENALTY if prompt else 1.0}  # fmt: skip

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
            verify_bundled_model(self.model_dir)
            # Language detection and the default VAD of both engines run faster-whisper's Silero model.
            verify_vad_model("silero")
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
            # An engine that identifies the language itself (SenseVoice) reports it per segment.
            segment_language = segment.get("language") or code
            text = finish_text(segment["text"], segment_language)
            if self.hotwords:
                text = finish_text(strip_hotword_echo(text, self.hotwords), segment_language)
            if text:
                out.append({
                    "start_seconds": float(segment["start"]),
                    "end_seconds": float(max(segment["end"], segment["start"])),
                    "text": text,
                    "confidence": segment.get("confidence"),
                    "language": segment_language,
                })  # fmt: skip
        return sorted(out, key=lambda s: (s["start_seconds"], s["end_seconds"]))

    def _transcribe(self, audio: np.ndarray, language: str) -> list[dict]:
        """Raw segments: dicts with start, end, text and confidence."""
        raise NotImplementedError

    def english_engine(self) -> Engine:
        """The tiny.en engine English goes to when routing (same engine kind and options)."""
        if self._english is None:
            self._english = type(self)(asr_model=ENGLISH_MODEL, language="en", threads=self.threads,
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
