"""The ``whisperx`` engine (default): WhisperX's batched pipeline with an offline VAD.

Voice-activity detection cuts speech into chunks of at most ``chunk_size``
seconds, never across a pause longer than ``max_gap_seconds``; each chunk
becomes one segment, so a short chunk (8 s) keeps the turns of a call apart
instead of one segment per channel. The VAD is faster-whisper's bundled Silero
ONNX model by default (``vad="silero"``): on the sample calls it ran the whole
path about twice as fast as WhisperX's pyannote model (``vad="pyannote"``,
also offline, in the whisperx wheel), which took ~60 % of the time, at the
same word error.

Packing (``pack_windows``, default on): WhisperX pads every chunk alone to a
30 s window, so a channel of a 25 s call with three turns cost three encoder
passes where plain faster-whisper spends one. Consecutive chunks of one track
are instead laid end to end, with a short silence between them, into windows
of at most 30 s (the other party's turns and long pauses are left out) and
decoded with timestamps; each decoded piece goes back to the chunk it lies in,
so a chunk still becomes one segment with its VAD times. A piece whose times
run across the silence between two chunks cannot be split by turn: those
chunks are decoded again alone, as before.
"""

from __future__ import annotations

import contextlib
import dataclasses
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
#: Whisper's window (seconds of audio per encoder pass).
WINDOW_SECONDS = 30.0
#: Silence laid between packed chunks. Whisper closes a timestamped piece there, and tiny.en's
#: timestamps can be a second off: on the sample calls 1 s let 6 of 36 chunks run together
#: (decoded again alone), 1.5 s and 2 s none; 2 s had the lowest word error (0.022 vs 0.028).
PACK_GAP_SECONDS = 2.0
# A decoded piece covering at least this share of two chunks ran across the silence between them.
COVERED_SHARE = 0.5


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


def pack_chunks(
    chunks: list[dict], window_seconds: float = WINDOW_SECONDS, gap_seconds: float = PACK_GAP_SECONDS
) -> list[list[tuple[int, float]]]:
    """Lay consecutive chunks end to end into windows of at most ``window_seconds``.

    Returns one list per window of ``(chunk index, offset in the window in
    seconds)``, chunks in time order with ``gap_seconds`` of silence between
    them. A chunk longer than a window gets a window of its own.

    >>> pack_chunks([{"start": 0, "end": 8}, {"start": 10, "end": 18}, {"start": 20, "end": 28},
    ...              {"start": 30, "end": 38}], 30, 1)
    [[(0, 0.0), (1, 9.0), (2, 18.0)], [(3, 0.0)]]
    """
    windows: list[list[tuple[int, float]]] = []
    used = window_seconds  # seconds taken in the current window; full forces a new one
    for index, chunk in enumerate(chunks):
        length = float(chunk["end"]) - float(chunk["start"])
        offset = used + gap_seconds
        if not windows or offset + length > window_seconds:
            windows.append([])
            offset = 0.0
        windows[-1].append((index, offset))
        used = offset + length
    return windows


def assign_pieces(pieces: list[dict], placed: list[tuple[int, float, float]]) -> tuple[dict[int, list[str]], set[int]]:
    """Give each decoded piece of a packed window to the chunk it overlaps most.

    Args:
        pieces: dicts with ``start``, ``end`` (seconds in the window) and ``text``.
        placed: ``(chunk index, offset, length)`` of each chunk in the window,
            in order. A piece lying wholly in the silence between chunks goes
            to the nearer one.

    Returns:
        ``{chunk index: [texts]}`` and the chunks to decode again alone: those
        a piece covers at least half of when it covers two or more (Whisper
        did not break its text at the silence between turns, so the text
        cannot be split by turn). Whisper's timestamps can be a second off,
        so a piece reaching a little into the next chunk is not a merge.

    >>> assign_pieces([{"start": 0.0, "end": 9.0, "text": "a"}, {"start": 9.0, "end": 13.0, "text": "b"}],
    ...               [(0, 0.0, 8.0), (1, 9.0, 4.0)])
    ({0: ['a'], 1: ['b']}, set())
    >>> assign_pieces([{"start": 0.0, "end": 12.0, "text": "a b"}], [(0, 0.0, 8.0), (1, 9.0, 4.0)])
    ({}, {0, 1})
    """
    texts: dict[int, list[str]] = {}
    redo: set[int] = set()
    for piece in pieces:
        start, end = float(piece["start"]), float(piece["end"])
        overlaps = [min(end, offset + length) - max(start, offset) for _, offset, length in placed]
        covered = [k for k, (overlap, (_, _, length)) in enumerate(zip(overlaps, placed))
                   if overlap > 0 and overlap >= min(COVERED_SHARE * length, length - 1e-6)]  # fmt: skip
        if len(covered) >= 2:
            redo.update(placed[k][0] for k in range(covered[0], covered[-1] + 1))
            continue
        if max(overlaps) > 0:
            owner = int(np.argmax(overlaps))
        else:  # in a gap or past the end: the nearest chunk
            middle = (start + end) / 2
            owner = int(np.argmin([min(abs(middle - o), abs(middle - o - n)) for _, o, n in placed]))
        texts.setdefault(placed[owner][0], []).append(piece["text"])
    return {index: found for index, found in texts.items() if index not in redo}, redo


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
    default 8), ``batch_size`` (windows encoded and decoded together; packed,
    a track of a call rarely fills more than one window, so 1 and 8 ran alike
    on 2 cores in ``tests/bench_transcribe.py``; unpacked, 8 ran ~1.15x
    faster than 1),
    ``vad`` (``"silero"`` or ``"pyannote"``), ``vad_onset`` (speech
    probability threshold) / ``vad_offset`` (pyannote only),
    ``max_gap_seconds`` (a pause this long always ends a chunk; 1.5 s),
    ``pack_windows`` (default True: chunks of a track share 30 s windows,
    see the module notes; False pads each chunk to a window alone, as
    WhisperX does).

    Attributes:
        redecoded_chunks: chunks decoded again alone because a timestamped
            piece ran across two of them (a running count, for benchmarks).
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
        pack_windows: bool = True,
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
        self.pack_windows = bool(pack_windows)
        self.redecoded_chunks = 0
        self._tokenizers: dict[str, Any] = {}

    def _engine_options(self) -> dict[str, Any]:
        return {"chunk_size": self.chunk_size, "batch_size": self.batch_size, "vad": self.vad,
                "vad_onset": self.vad_onset, "vad_offset": self.vad_offset,
                "max_gap_seconds": self.max_gap_seconds, "pack_windows": self.pack_windows}  # fmt: skip

    def _engine_parameters(self) -> dict[str, Any]:
        # batch_size is left out: windows are made before batching, so batching changes speed only.
        return {"chunk_size": self.chunk_size, "vad": self.vad, "vad_onset": self.vad_onset,
                "vad_offset": self.vad_offset if self.vad == "pyannote" else None,
                "max_gap_seconds": self.max_gap_seconds,
                "pack_windows": {"window_seconds": WINDOW_SECONDS, "gap_seconds": PACK_GAP_SECONDS,
                                 "timestamps": True} if self.pack_windows else None}  # fmt: skip

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
        decoding = self.decode_options(language)
        if self.pack_windows:
            segments = self._transcribe_packed(audio, language, decoding)
        else:
            pipeline = self._model
            kept = pipeline.options
            pipeline.options = dataclasses.replace(kept, initial_prompt=decoding.get("initial_prompt"),
                                                   repetition_penalty=decoding.get("repetition_penalty", 1.0))
            try:
                segments = pipeline.transcribe(audio, batch_size=self.batch_size, chunk_size=self.chunk_size,
                                               language=language)["segments"]  # fmt: skip
            finally:
                pipeline.options = kept
        pad = SILERO_PAD_SECONDS if self.vad == "silero" else 0.0
        duration = audio.size / SAMPLE_RATE_HZ
        out = []
        for segment in segments:
            logprob = segment.get("avg_logprob")
            confidence = None if logprob is None or not math.isfinite(logprob) else min(1.0, math.exp(logprob))
            start, end = float(segment["start"]), float(segment["end"])
            # Undo the VAD padding except where it was clipped at the ends of the track.
            start, end = (start + pad if start > 0 else start), (end - pad if end < duration - 1e-3 else end)
            if end <= start:
                start, end = float(segment["start"]), float(segment["end"])
            out.append({"start": start, "end": end, "text": segment["text"], "confidence": confidence})
        return out

    # ----------------------------------------------------------------- packed windows

    def _speech_chunks(self, audio: np.ndarray) -> list[dict]:
        """The VAD chunks WhisperX's own transcribe would make (start, end in seconds)."""
        vad = self._model.vad_model
        spans = vad({"waveform": vad.preprocess_audio(audio), "sample_rate": SAMPLE_RATE_HZ})
        return vad.merge_chunks(spans, self.chunk_size, onset=self.vad_onset, offset=self.vad_offset)

    def _tokenizer(self, language: str) -> Any:
        if language not in self._tokenizers:
            from faster_whisper.tokenizer import Tokenizer

            model = self._model.model
            self._tokenizers[language] = Tokenizer(model.hf_tokenizer, model.model.is_multilingual,
                                                   task="transcribe", language=language)  # fmt: skip
        return self._tokenizers[language]

    def _decode_windows(
        self, windows: list[np.ndarray], language: str, timestamps: bool, decoding: dict | None = None
    ) -> list[dict]:
        """Decode windows of at most 30 s in batches: per window its pieces (start, end, text) and avg_logprob.

        ``decoding`` is :meth:`Engine.decode_options` of the language: its ``initial_prompt``
        goes before each window as previous text (as WhisperX and faster-whisper pass it), its
        ``repetition_penalty`` to the decoder. Its ``hotwords`` is always None (the base class
        puts hotwords in the prompt), so faster-whisper's hotword prefix is not used.
        """
        decoding = decoding or {}
        prompt = decoding.get("initial_prompt")
        from whisperx.audio import N_SAMPLES, log_mel_spectrogram

        model, options = self._model.model, self._model.options
        tokenizer = self._tokenizer(language)
        n_mels = model.feat_kwargs.get("feature_size") or 80
        previous = tokenizer.encode(" " + prompt.strip()) if prompt and prompt.strip() else []
        prompt_tokens = model.get_prompt(tokenizer, previous, without_timestamps=not timestamps)
        results: list[dict] = []
        for first in range(0, len(windows), max(1, self.batch_size)):
            batch = windows[first : first + max(1, self.batch_size)]
            features = np.stack([
                log_mel_spectrogram(w[:N_SAMPLES], n_mels=n_mels, padding=N_SAMPLES - w[:N_SAMPLES].size).numpy()
                for w in batch
            ])  # fmt: skip
            generated = model.model.generate(
                model.encode(features), [list(prompt_tokens) for _ in batch], beam_size=options.beam_size,
                patience=options.patience, length_penalty=options.length_penalty, max_length=model.max_length,
                suppress_blank=options.suppress_blank, suppress_tokens=options.suppress_tokens,
                repetition_penalty=decoding.get("repetition_penalty", options.repetition_penalty),
                no_repeat_ngram_size=options.no_repeat_ngram_size, return_scores=True,
            )  # fmt: skip
            for window, result in zip(batch, generated):
                tokens = result.sequences_ids[0]
                logprob = result.scores[0] * (len(tokens) ** options.length_penalty) / (len(tokens) + 1)
                seconds = min(window.size, N_SAMPLES) / SAMPLE_RATE_HZ
                if timestamps:
                    split, _, _ = model._split_segments_by_timestamps(
                        tokenizer=tokenizer, tokens=tokens, time_offset=0.0, segment_size=N_SAMPLES // 160,
                        segment_duration=seconds, seek=0)  # fmt: skip
                    # Without any pair of timestamps the window came back as one piece of unknown extent.
                    timed = any(t >= tokenizer.timestamp_begin for t in tokens)
                    pieces = [{"start": p["start"], "end": p["end"], "text": tokenizer.decode(p["tokens"])}
                              for p in split] if timed else [{"start": 0.0, "end": seconds,
                                                              "text": tokenizer.decode(tokens)}]  # fmt: skip
                else:
                    pieces = [{"start": 0.0, "end": seconds, "text": tokenizer.decode(tokens)}]
                results.append({"pieces": pieces, "avg_logprob": logprob})
        return results

    def _transcribe_packed(self, audio: np.ndarray, language: str, decoding: dict | None = None) -> list[dict]:
        """VAD chunks packed into shared windows, decoded with timestamps; one segment per chunk.

        Whisper sometimes ends a window early (the base model stopped after the first of three
        Mandarin turns): chunks of a window that got no text are packed again among themselves,
        and decoded alone once a window gives none of its chunks any text.
        """
        chunks = self._speech_chunks(audio)
        gap = np.zeros(int(PACK_GAP_SECONDS * SAMPLE_RATE_HZ), dtype=np.float32)

        def samples(chunk: dict) -> np.ndarray:
            return audio[int(chunk["start"] * SAMPLE_RATE_HZ) : int(chunk["end"] * SAMPLE_RATE_HZ)]

        texts: dict[int, str] = {}
        logprobs: dict[int, float] = {}
        alone: set[int] = set()
        pending = list(range(len(chunks)))
        while pending:  # every round gives text to at least one chunk or sends the rest to be decoded alone
            layout = [[(pending[k], offset) for k, offset in window]
                      for window in pack_chunks([chunks[i] for i in pending], WINDOW_SECONDS, PACK_GAP_SECONDS)]
            windows = [np.concatenate([part for position, (index, _) in enumerate(window)
                                       for part in ([gap] if position else []) + [samples(chunks[index])]])
                       for window in layout]  # fmt: skip
            if pending != list(range(len(chunks))):
                self.redecoded_chunks += len(pending)
            pending = []
            for window, decoded in zip(layout, self._decode_windows(windows, language, True, decoding)):
                placed = [(index, offset, chunks[index]["end"] - chunks[index]["start"]) for index, offset in window]
                if len(placed) == 1:  # one chunk: every piece is its own, whatever the times say
                    found, again = {placed[0][0]: [p["text"] for p in decoded["pieces"]]}, set()
                else:
                    found, again = assign_pieces(decoded["pieces"], placed)
                found = {index: "".join(pieces) for index, pieces in found.items() if "".join(pieces).strip()}
                alone |= again
                for index, text in found.items():
                    texts[index], logprobs[index] = text, decoded["avg_logprob"]
                missing = [i for i, _, _ in placed if i not in found and i not in again and len(placed) > 1]
                if found:
                    pending.extend(missing)
                else:
                    alone.update(missing)
            pending.sort()
        if alone:
            self.redecoded_chunks += len(alone)
            order = sorted(alone)
            for index, decoded in zip(order, self._decode_windows([samples(chunks[i]) for i in order], language,
                                                                  False, decoding)):  # fmt: skip
                texts[index] = decoded["pieces"][0]["text"]
                logprobs[index] = decoded["avg_logprob"]
        return [{"start": round(chunk["start"], 3), "end": round(chunk["end"], 3), "text": texts.get(index, ""),
                 "avg_logprob": logprobs.get(index)} for index, chunk in enumerate(chunks)]  # fmt: skip
