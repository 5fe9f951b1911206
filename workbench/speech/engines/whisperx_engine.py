"""The ``whisperx`` engine (default): WhisperX's batched pipeline with an offline VAD.

Voice-activity detection cuts speech into chunks of at most ``chunk_size``
seconds, never across a pause longer than ``max_gap_seconds``; each chunk
becomes one segment, so a short chunk (8 s) keeps the turns of a call apart
instead of one segment per channel. The VAD is faster-whisper's bundled Silero
ONNX model by default (``vad="silero"``): on the sample calls it ran the whole
path about twice as fast as WhisperX's pyannote model (``vad="pyannote"``,
also offline, in the whisperx wheel), which took ~60 % of the time, at the
same word error.
"""

from __future__ import annotations

import contextlib
import io
import logging
import math
import warnings
from typing import Any

import numpy as np

from workbench.errors import ParameterError
from workbench.paths import hub_offline
from workbench.speech.audio import SAMPLE_RATE_HZ
from workbench.speech.engines.base import Engine
from workbench.speech.engines.models import verify_vad_model

VAD_METHODS = ("pyannote", "silero")
# Silero chunks are padded by this much each side: Whisper needs the context (0.2 s cut the
# last word of a real Mandarin clip, CER 0.33 instead of 0.17), but reported times drop it
# again so padding does not turn back-to-back turns into overtalk.
SILERO_PAD_SECONDS = 0.4


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

    if kind == "pyannote":
        verify_vad_model("pyannote")

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
        asr_model: str | None = None,
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
        super().__init__(asr_model=asr_model, language=language, threads=threads, **options)
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
