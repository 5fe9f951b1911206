"""The ``faster-whisper`` engine: plain ``faster_whisper.WhisperModel`` with word timestamps.

Lighter than WhisperX (~0.3 GB of memory instead of ~1.3 GB) and the
benchmark floor; its bundled Silero VAD skips silence. The script prompt and
hotwords of :meth:`~.base.Engine.decode_options` go to ``transcribe`` as
``initial_prompt`` and ``hotwords``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from workbench.speech.engines.base import Engine


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
        asr_model: str | None = None,
        language: str = "auto",
        threads: int = 2,
        vad_filter: bool = True,
        word_timestamps: bool = True,
        split_gap_seconds: float = 1.0,
        **options: Any,
    ) -> None:
        super().__init__(asr_model=asr_model, language=language, threads=threads, **options)
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
            vad_filter=self.vad_filter, condition_on_previous_text=False, **self.decode_options(language),
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
