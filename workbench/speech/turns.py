"""Speaker-attributed turns: each party's track transcribed alone, then merged by time.

On a stereo call recording each channel carries one party, so the speaker of a
segment is known from its channel without diarization; the per-channel
segments are interleaved by start time into one conversation.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from workbench.speech.audio import Recording, speaker_tracks

logger = logging.getLogger(__name__)

SEGMENT_COLUMNS = ["segment_index", "speaker_role", "start_seconds", "end_seconds", "text", "confidence", "language"]
# Stable order for segments that start at the same instant.
_ROLE_ORDER = {"agent": 0, "customer": 1, "unknown": 2}


def merge_tracks(per_role: Mapping[str, Sequence[Mapping[str, Any]]]) -> pd.DataFrame:
    """Merge per-speaker segment lists into one time-ordered transcript.

    Args:
        per_role: ``{role: [segment, ...]}``, roles ``agent``, ``customer``
            or ``unknown``; each segment a mapping with ``start_seconds``,
            ``end_seconds``, ``text`` and optionally ``confidence`` and
            ``language`` (as :meth:`Engine.transcribe` returns). Not modified.

    Returns:
        Columns ``segment_index`` (0..n-1 in time order), ``speaker_role``,
        ``start_seconds``, ``end_seconds``, ``text``, ``confidence``,
        ``language``; sorted by start, then end, then role (agent first).

    >>> merge_tracks({"customer": [{"start_seconds": 2.0, "end_seconds": 3.0, "text": "hi"}],
    ...               "agent": [{"start_seconds": 0.5, "end_seconds": 1.5, "text": "hello"}]})[
    ...     ["segment_index", "speaker_role", "text"]].values.tolist()
    [[0, 'agent', 'hello'], [1, 'customer', 'hi']]
    """
    rows = []
    for role, segments in per_role.items():
        for segment in segments:
            for key in ("start_seconds", "end_seconds", "text"):
                if key not in segment:
                    raise KeyError(f"segment of role {role!r} has no {key!r}: {dict(segment)}")
            rows.append({
                "speaker_role": role,
                "start_seconds": float(segment["start_seconds"]),
                "end_seconds": float(segment["end_seconds"]),
                "text": str(segment["text"]),
                "confidence": segment.get("confidence"),
                "language": segment.get("language"),
            })  # fmt: skip
    frame = pd.DataFrame(rows, columns=SEGMENT_COLUMNS[1:])
    frame["_order"] = frame["speaker_role"].map(_ROLE_ORDER).fillna(len(_ROLE_ORDER))
    frame = frame.sort_values(["start_seconds", "end_seconds", "_order"], kind="stable").drop(columns="_order")
    frame.insert(0, "segment_index", np.arange(len(frame), dtype="int64"))
    return frame.astype({"start_seconds": "float64", "end_seconds": "float64", "confidence": "float64",
                         "text": "object", "language": "object"}).reset_index(drop=True)  # fmt: skip


def _speech_weight(track: np.ndarray) -> float:
    return float(np.mean(np.square(track, dtype=np.float64))) if track.size else 0.0


def transcribe_recording(
    recording: Recording,
    engine: Any,
    channels: str = "auto",
    language: str | None = None,
) -> pd.DataFrame:
    """Transcribe a recording into speaker-attributed segments.

    Each speaker track (:func:`~workbench.speech.audio.speaker_tracks`) is
    transcribed separately and the segments are merged by time. With language
    ``None``/``"auto"`` the language is detected once per recording, on the
    track with the most sound, and used for both parties (a call has one
    language; detecting per channel could split it). A mono track with a
    diarization model configured on the engine is split into agent and
    customer turns (the first voice heard is taken to be the agent's, as calls
    are answered by the agent); without one it stays ``unknown``.

    Args:
        recording: a decoded recording (not modified).
        engine: a :class:`~workbench.speech.engines.Engine`.
        channels: ``auto``, ``agent-left``, ``agent-right`` or ``mono``.
        language: ``None``/``"auto"`` or a language code forcing it.

    Returns:
        Columns ``segment_index``, ``speaker_role``, ``start_seconds``,
        ``end_seconds``, ``text``, ``confidence``, ``language`` (see
        :func:`merge_tracks`); no ``call_id`` (the caller adds it).
    """
    tracks = speaker_tracks(recording, channels)
    forced = None if language in (None, "auto") else language
    if forced is None and getattr(engine, "multilingual", False) and engine.language == "auto":
        loudest = max(tracks.values(), key=_speech_weight)
        forced = engine.resolve_language(loudest)
    per_role: dict[str, list[dict]] = {}
    for role, track in tracks.items():
        segments = engine.transcribe(track, language=forced)
        if role == "unknown" and getattr(engine, "can_diarize", False):
            per_role.update(_split_by_speaker(segments, engine.diarize(track)))
        else:
            per_role[role] = segments
    if "unknown" in tracks and not getattr(engine, "can_diarize", False):
        # A warning, so the command line shows it: the user can fix it by providing a model.
        logger.warning("%s: one speaker track (mono, or one signal on both channels); speaker roles stay 'unknown'. "
                       "To split agent and customer, give a local pyannote diarization pipeline "
                       "(workbench transcribe --diarize-model DIR, engine option diarize_model)",
                       recording.path)  # fmt: skip
    return merge_tracks(per_role)


def _split_by_speaker(segments: list[dict], turns: list[dict]) -> dict[str, list[dict]]:
    """Give each segment the diarized speaker it overlaps most; first speaker heard = agent."""
    if not turns:
        return {"unknown": segments}
    first_heard = min(turns, key=lambda t: t["start_seconds"])["speaker"]
    out: dict[str, list[dict]] = {"agent": [], "customer": [], "unknown": []}
    for segment in segments:
        overlap: dict[str, float] = {}
        for turn in turns:
            seconds = min(segment["end_seconds"], turn["end_seconds"]) - max(segment["start_seconds"],
                                                                             turn["start_seconds"])  # fmt: skip
            if seconds > 0:
                overlap[turn["speaker"]] = overlap.get(turn["speaker"], 0.0) + seconds
        if not overlap:
            out["unknown"].append(segment)
        else:
            speaker = max(overlap, key=overlap.get)
            out["agent" if speaker == first_heard else "customer"].append(segment)
    return {role: segs for role, segs in out.items() if segs}
