"""Per-turn voice cues from call audio: pitch, loudness and speaking rate, each against the speaker's own level.

A raised voice is relative: a high-pitched speaker is not agitated for being
high-pitched, and a quiet line is not calm for being quiet. So every cue is
measured per segment and then compared with the same speaker's median over the
call; a turn is flagged ``agitated`` only when pitch, loudness and rate all rise
together above that speaker's own level.

Everything is numpy/scipy: pitch is a vectorised YIN (de Cheveigné & Kawahara
2002) on 40 ms windows every 20 ms, computed at 8 kHz on the frames that carry
sound only, so a five-minute stereo call takes a fraction of a second.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from workbench.errors import ParameterError
from workbench.glossary import require_columns
from workbench.speech.metrics import count_spoken_units

#: Version of the cue definitions and thresholds below; part of the batch resume key.
VOICE_CUES_VERSION = "voice-yin-1"

REQUIRED_COLUMNS = ["segment_index", "speaker_role", "start_seconds", "end_seconds", "text"]
CUE_COLUMNS = ["pitch_hz", "loudness_db", "speaking_rate",
               "pitch_relative", "loudness_relative_db", "speaking_rate_relative", "agitated"]  # fmt: skip

FRAME_SECONDS = 0.040  # YIN integration window and loudness frame
HOP_SECONDS = 0.020  # half-overlapping frames: plenty for a turn's median, half the work of 10 ms
#: Pitch search range. 65 rather than 60 Hz: US mains hum (60 Hz) in the pauses of the real
#: two-speaker clip (../shared/datasets/audio_en_stereo_2speaker) was periodic enough to pass as voice.
PITCH_MIN_HZ = 65.0
PITCH_MAX_HZ = 400.0
HIGHPASS_HZ = 50.0  # removed before pitch estimation: nothing below the pitch range is voice
# Pitch is estimated at 8 kHz: F0 and its first harmonics are far below 4 kHz, and half the
# samples halve the work; the resampler's low-pass also keeps high formants from posing as periods.
_ANALYSIS_RATE_HZ = 8_000
#: YIN's absolute threshold: the first dip of the normalised difference below it is the period.
YIN_THRESHOLD = 0.15
#: A frame is voiced when the normalised difference at its period is below this (aperiodicity):
#: steady vowels of real read speech (AISHELL, LibriSpeech) reach 0.003-0.15; at 0.25-0.35 the
#: weak ends of vowels gave octave-low periods, so those frames are left out.
VOICING_THRESHOLD = 0.25
#: Frames quieter than this (dBFS) are silence whatever the segment: the committed recordings'
#: line noise sits near -70 dBFS, quiet telephone speech above -45.
ACTIVE_FLOOR_DBFS = -55.0
#: ... and frames more than this below the segment's loudest frame are pauses, breath or crosstalk.
ACTIVE_RANGE_DB = 30.0
#: A pitch needs this many voiced frames (80 ms of voicing at the 20 ms hop); fewer gives NaN.
MIN_VOICED_FRAMES = 3
#: Segments shorter than this get no speaking rate: one word in 0.2 s is not a rate.
MIN_RATE_SECONDS = 0.5
#: A speaker needs this many segments with a value of a cue before a turn is compared with their
#: median: with one or two, the median is the turn itself or the mean of two turns.
MIN_BASELINE_SEGMENTS = 3
#: Agitation: all three rise together at least this far above the speaker's own median.
#: Chosen on espeak-ng speech (tests/speech/test_voice.py, tests/bench_voice.py): espeak's pitch
#: raised from 30 to 80 measured x1.58 (English) and x1.72 (Mandarin), amplitude 60 -> 180
#: +9.5 / +8.8 dB, speed 140 -> 220 x1.58 / x1.67; calm scripted turns of one voice (the sample
#: recordings, and 87 sample lines read with speed, pitch and amplitude jittered) stayed within
#: x0.70-1.09 in pitch, -3.8..+2.0 dB and x0.67-1.42 in rate: rate alone would flag calm turns
#: (words per second depend on the words), all three together flagged none (0 of 108), and
#: caught 30 of 36 raised turns (the misses: long or short lines whose words/s barely rose).
AGITATED_PITCH_RATIO = 1.10
AGITATED_LOUDNESS_DB = 3.0
AGITATED_RATE_RATIO = 1.15

_CHUNK_FRAMES = 4096


def _frame_count(n_samples: int, frame: int, hop: int) -> int:
    return 0 if n_samples < frame else 1 + (n_samples - frame) // hop


def _yin(frames: np.ndarray, window: int, min_lag: int, max_lag: int) -> tuple[np.ndarray, np.ndarray]:
    """(period in samples, aperiodicity) of each row of ``frames`` (``window + max_lag`` samples each).

    The difference function d(tau) = E(0) + E(tau) - 2 r(tau) over a window
    of ``window`` samples, with r from one FFT per frame and E from running
    sums; then YIN's cumulative-mean normalisation, first dip below
    :data:`YIN_THRESHOLD` (else the global minimum) and a parabolic
    refinement. Periods are NaN where no lag in range exists.
    """
    from scipy import fft

    n = frames.shape[1]
    n_fft = fft.next_fast_len(n, real=True)
    spectrum = fft.rfft(frames, n_fft, axis=1)
    head = fft.rfft(frames[:, :window], n_fft, axis=1)
    # Correlation of the first window with the frame at lags 0..max_lag: no circular wrap
    # because window - 1 + max_lag < n <= n_fft.
    r = fft.irfft(np.conj(head) * spectrum, n_fft, axis=1)[:, : max_lag + 1]
    lags = np.arange(max_lag + 1)
    # Energy of the window shifted by each lag (E(tau)), from running sums of squares along the frame.
    squares = np.zeros((frames.shape[0], n + 1), dtype=frames.dtype)
    np.cumsum(np.square(frames), axis=1, out=squares[:, 1:])
    energy = squares[:, lags + window] - squares[:, lags]
    d = np.maximum(energy[:, :1] + energy - 2.0 * r, 0.0)
    cumulative = np.cumsum(d[:, 1:], axis=1)
    normalised = np.ones_like(d)
    with np.errstate(divide="ignore", invalid="ignore"):
        normalised[:, 1:] = np.where(cumulative > 0, d[:, 1:] * lags[1:] / cumulative, 1.0)
    search = normalised[:, min_lag : max_lag + 1]
    below = search < YIN_THRESHOLD
    has_dip = below.any(axis=1)
    first = np.argmax(below, axis=1)
    # The dip is the minimum of the run of below-threshold lags that starts at the first one.
    breaks = np.cumsum(~below, axis=1)
    run = below & (breaks == breaks[np.arange(len(first)), first][:, None])
    best = np.where(has_dip, np.argmin(np.where(run, search, np.inf), axis=1), np.argmin(search, axis=1))
    rows = np.arange(len(best))
    # A minimum on the edge of the lag range is a slope, not a period (low rumble, noise): unvoiced.
    edge = (best == 0) | (best == search.shape[1] - 1)
    aperiodicity = np.where(edge, 1.0, search[rows, best])
    tau = best + min_lag
    left = normalised[rows, np.maximum(tau - 1, 0)]
    centre = normalised[rows, tau]
    right = normalised[rows, np.minimum(tau + 1, max_lag)]
    curvature = left - 2.0 * centre + right
    with np.errstate(divide="ignore", invalid="ignore"):
        shift = np.where(curvature > 0, 0.5 * (left - right) / curvature, 0.0)
    return tau + np.clip(shift, -0.5, 0.5), aperiodicity


class _Track:
    """One speaker track at 16 kHz; segments are cut from it and analysed in one batch.

    Only the segments' spans are read (on a stereo call each channel is
    silent half the time): each span's frame energies at the track rate, and
    an 8 kHz copy of it for pitch, gathered into one buffer so YIN runs once
    over every active frame of the track.
    """

    def __init__(self, samples: np.ndarray, sample_rate_hz: int) -> None:
        self.samples = np.asarray(samples).reshape(-1)
        if np.issubdtype(self.samples.dtype, np.integer):  # PCM as read from a file: scale to [-1, 1]
            self.samples = self.samples / float(np.iinfo(self.samples.dtype).max + 1)
        self.rate = sample_rate_hz
        self.frame = int(round(FRAME_SECONDS * sample_rate_hz))
        self.hop = int(round(HOP_SECONDS * sample_rate_hz))
        self.window = int(round(FRAME_SECONDS * _ANALYSIS_RATE_HZ))
        self.min_lag = int(np.floor(_ANALYSIS_RATE_HZ / PITCH_MAX_HZ))
        self.max_lag = int(np.ceil(_ANALYSIS_RATE_HZ / PITCH_MIN_HZ))
        from scipy.signal import butter

        self.highpass = butter(4, HIGHPASS_HZ, "highpass", fs=_ANALYSIS_RATE_HZ, output="sos")
        self._low: list[np.ndarray] = []
        self._low_size = 0

    def frames(self, start_seconds: float, end_seconds: float) -> tuple[np.ndarray, np.ndarray]:
        """(frame energies as mean squares, frame starts in the 8 kHz buffer) of one segment."""
        from scipy.signal import resample_poly, sosfilt

        size = self.samples.size
        first = int(np.clip(round(start_seconds * self.rate), 0, size))
        last = int(np.clip(round(end_seconds * self.rate), first, size))
        count = _frame_count(last - first, self.frame, self.hop)
        if count == 0:
            return np.zeros(0), np.zeros(0, dtype=np.int64)
        starts = self.hop * np.arange(count)
        squares = np.concatenate([[0.0], np.cumsum(np.square(self.samples[first:last], dtype=np.float64))])
        energy = (squares[starts + self.frame] - squares[starts]) / self.frame
        low_starts = (starts * _ANALYSIS_RATE_HZ) // self.rate
        # Pitch frames reach max_lag past their window: read on past the segment's end, pad past the track's.
        needed = int(low_starts[-1]) + self.window + self.max_lag
        stop = min(size, first + int(np.ceil(needed * self.rate / _ANALYSIS_RATE_HZ)))
        low = resample_poly(self.samples[first:stop].astype(np.float32), _ANALYSIS_RATE_HZ, self.rate)
        # Rumble below the pitch range (handling noise, a fan, a lead-in thump) reads as a long period.
        low = sosfilt(self.highpass, low) if low.size else low
        low = np.pad(low[:needed], (0, max(0, needed - low.size)))
        offset = self._low_size
        self._low.append(low.astype(np.float32))
        self._low_size += needed
        return energy, low_starts + offset

    def pitch_hz(self, starts_low: np.ndarray) -> np.ndarray:
        """F0 in Hz of the frames starting at ``starts_low`` (8 kHz buffer); NaN where unvoiced."""
        out = np.full(starts_low.size, np.nan)
        if starts_low.size == 0:
            return out
        buffer = np.concatenate(self._low)
        offsets = np.arange(self.window + self.max_lag)
        for i in range(0, starts_low.size, _CHUNK_FRAMES):
            chunk = buffer[starts_low[i : i + _CHUNK_FRAMES, None] + offsets]
            chunk = chunk - chunk.mean(axis=1, keepdims=True)
            period, aperiodicity = _yin(chunk, self.window, self.min_lag, self.max_lag)
            f0 = _ANALYSIS_RATE_HZ / period
            voiced = (aperiodicity < VOICING_THRESHOLD) & (f0 >= PITCH_MIN_HZ) & (f0 <= PITCH_MAX_HZ)
            out[i : i + _CHUNK_FRAMES] = np.where(voiced, f0, np.nan)
        return out


def _tracks_by_role(tracks: np.ndarray | Mapping[str, np.ndarray]) -> dict[str, np.ndarray] | np.ndarray:
    if isinstance(tracks, Mapping):
        if not tracks:
            raise ParameterError("tracks is an empty mapping; expected speaker_role -> audio array", field="tracks")
        arrays = {str(role): np.asarray(audio) for role, audio in tracks.items()}
        for role, audio in arrays.items():
            if audio.ndim != 1:
                raise ParameterError(f"the track of {role!r} must be one mono array; got shape {audio.shape}",
                                     field="tracks")  # fmt: skip
        return arrays
    array = np.asarray(tracks)
    if array.ndim != 1:
        raise ParameterError(f"tracks must be one mono array or a mapping speaker_role -> array; "
                             f"got an array of shape {array.shape}", field="tracks")  # fmt: skip
    return array


def _relative(values: pd.Series, roles: pd.Series, ratio: bool) -> pd.Series:
    """Each value against the median of its speaker's values (ratio or difference); NaN without a baseline."""
    grouped = values.groupby(roles)
    median = grouped.transform("median")
    enough = grouped.transform("count") >= MIN_BASELINE_SEGMENTS
    with np.errstate(divide="ignore", invalid="ignore"):
        out = values / median if ratio else values - median
    return out.where(enough & np.isfinite(out))


def voice_cues(
    segments: pd.DataFrame,
    tracks: np.ndarray | Mapping[str, np.ndarray],
    sample_rate_hz: int = 16_000,
) -> pd.DataFrame:
    """Pitch, loudness and speaking rate of each segment of one call, and each against the speaker's own level.

    Per segment (its ``[start_seconds, end_seconds]`` span of its speaker's track):

    * ``pitch_hz``: median F0 of the voiced 40 ms frames (YIN, 60-400 Hz, a
      frame is voiced when its aperiodicity is below
      :data:`VOICING_THRESHOLD`). NaN with fewer than
      :data:`MIN_VOICED_FRAMES` voiced frames (silence, whisper, a segment
      shorter than ~0.1 s).
    * ``loudness_db``: level of the active frames, ``10 log10(mean square)``
      of the samples (dBFS: a full-scale square wave is 0, a full-scale sine
      -3). A frame is active when it is louder than
      :data:`ACTIVE_FLOOR_DBFS` and within :data:`ACTIVE_RANGE_DB` of the
      segment's loudest frame, so pauses inside a turn do not lower it. NaN
      when no frame is active.
    * ``speaking_rate``: spoken units per second of the segment, units as in
      :func:`workbench.speech.metrics.count_spoken_units` (words, and one per
      Chinese character, so words/s for English and characters/s for
      Mandarin). NaN for segments shorter than :data:`MIN_RATE_SECONDS` or
      with no words.

    Against the same speaker (``speaker_role``) over the call, the median of
    their segments' values (each segment counts once, NaNs skipped):

    * ``pitch_relative``: ``pitch_hz / median`` (1.2 = 20 % higher than usual);
    * ``loudness_relative_db``: ``loudness_db - median`` in dB;
    * ``speaking_rate_relative``: ``speaking_rate / median``;
    * ``agitated``: True when pitch_relative >= :data:`AGITATED_PITCH_RATIO`
      and loudness_relative_db >= :data:`AGITATED_LOUDNESS_DB` and
      speaking_rate_relative >= :data:`AGITATED_RATE_RATIO`: all three rise
      together, as in a raised, hurried voice.

    A relative cue is NaN (and ``agitated`` False) when the speaker has fewer
    than :data:`MIN_BASELINE_SEGMENTS` segments with that cue: with one
    segment the median is the turn itself, with two it is their mean, so no
    turn can stand out from a level that it makes. The baseline is the
    call's own, so a speaker agitated throughout has no calm level to rise
    above and is not flagged. On a mono track where two people talk at
    once, the overlap carries both voices; roles come from ``speaker_role``
    as given (diarized or not: all ``unknown`` segments are one speaker).

    Args:
        segments: one call's segments, columns ``segment_index``,
            ``speaker_role``, ``start_seconds``, ``end_seconds``, ``text``;
            ``call_id`` (one value) and others such as ``language`` are
            optional. Not modified.
        tracks: one mono float array in [-1, 1] (integer PCM is scaled) carrying every speaker (a
            mono or diarized call), or a mapping ``speaker_role -> array``
            (a stereo call, as :func:`workbench.speech.audio.speaker_tracks`
            returns). A mapping with one track serves every role. Not modified.
        sample_rate_hz: sample rate of the tracks (16000 after
            :func:`~workbench.speech.audio.load_recording`).

    Returns:
        Same index and row order as ``segments``: ``call_id`` (when given),
        ``segment_index`` and the cue columns above (floats, ``agitated``
        bool). Empty input gives an empty frame with these columns.

    Raises:
        InputDataError: a required column is missing (it is named).
        ParameterError: more than one call, a role with no track, a bad
            sample rate or track shape.

    >>> import numpy as np, pandas as pd
    >>> t = np.arange(16_000) / 16_000
    >>> tone = (0.1 * np.sign(np.sin(2 * np.pi * 150 * t))).astype("float32")
    >>> seg = pd.DataFrame({"segment_index": [0], "speaker_role": ["agent"], "start_seconds": [0.0],
    ...                     "end_seconds": [1.0], "text": ["hello there"]})
    >>> cues = voice_cues(seg, tone)
    >>> round(cues.at[0, "pitch_hz"]), round(cues.at[0, "loudness_db"]), float(cues.at[0, "speaking_rate"])
    (150, -20, 2.0)
    """
    require_columns(segments, REQUIRED_COLUMNS, "voice_cues")
    if not isinstance(sample_rate_hz, (int, np.integer)) or sample_rate_hz < _ANALYSIS_RATE_HZ:
        raise ParameterError(f"sample_rate_hz must be an integer of at least {_ANALYSIS_RATE_HZ}; "
                             f"got {sample_rate_hz!r}", field="sample_rate_hz")  # fmt: skip
    with_call = "call_id" in segments.columns
    if with_call and segments["call_id"].nunique(dropna=False) > 1:
        raise ParameterError("voice_cues takes one call's segments (its tracks are one recording); "
                             f"got call_ids {sorted(map(str, segments['call_id'].unique()))[:5]}",
                             field="call_id")  # fmt: skip
    by_role = _tracks_by_role(tracks)
    n = len(segments)
    pitch, loudness, rate = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    roles = segments["speaker_role"].astype(str).to_numpy()
    starts = segments["start_seconds"].to_numpy(dtype=np.float64)
    ends = segments["end_seconds"].to_numpy(dtype=np.float64)
    texts = segments["text"].to_numpy()

    def track_of(role: str) -> np.ndarray:
        if not isinstance(by_role, dict):
            return by_role
        if role in by_role:
            return by_role[role]
        if len(by_role) == 1:
            return next(iter(by_role.values()))
        raise ParameterError(f"no track for speaker_role {role!r}; tracks has {sorted(by_role)}", field="tracks")

    analysed: dict[int, _Track] = {}
    rows_of_track: dict[int, list[int]] = {}
    for row in range(n):
        audio = track_of(roles[row])
        rows_of_track.setdefault(id(audio), []).append(row)
        if id(audio) not in analysed:
            analysed[id(audio)] = _Track(audio, int(sample_rate_hz))
    for key, rows in rows_of_track.items():
        track = analysed[key]
        pending: list[tuple[int, np.ndarray]] = []
        for row in rows:
            if not (np.isfinite(starts[row]) and np.isfinite(ends[row])):
                continue
            energy, low_starts = track.frames(starts[row], ends[row])
            if energy.size == 0:
                continue
            level_db = 10.0 * np.log10(np.maximum(energy, 1e-20))
            active = level_db >= max(ACTIVE_FLOOR_DBFS, level_db.max() - ACTIVE_RANGE_DB)
            if active.any():
                loudness[row] = 10.0 * np.log10(energy[active].mean())
                pending.append((row, low_starts[active]))
        if pending:
            # One batch of YIN for all active frames of this track.
            f0 = track.pitch_hz(np.concatenate([frames for _, frames in pending]))
            bounds = np.cumsum([0] + [frames.size for _, frames in pending])
            for (row, _), a, b in zip(pending, bounds[:-1], bounds[1:]):
                voiced = f0[a:b][np.isfinite(f0[a:b])]
                if voiced.size >= MIN_VOICED_FRAMES:
                    pitch[row] = float(np.median(voiced))
    for row in range(n):
        seconds = ends[row] - starts[row]
        units = count_spoken_units(texts[row] if isinstance(texts[row], str) else "")
        if seconds >= MIN_RATE_SECONDS and units > 0:
            rate[row] = units / seconds

    out = pd.DataFrame(index=segments.index)
    if with_call:
        out["call_id"] = segments["call_id"]
    out["segment_index"] = segments["segment_index"]
    out["pitch_hz"], out["loudness_db"], out["speaking_rate"] = pitch, loudness, rate
    role_series = pd.Series(roles, index=segments.index)
    out["pitch_relative"] = _relative(out["pitch_hz"], role_series, ratio=True)
    out["loudness_relative_db"] = _relative(out["loudness_db"], role_series, ratio=False)
    out["speaking_rate_relative"] = _relative(out["speaking_rate"], role_series, ratio=True)
    out["agitated"] = (
        (out["pitch_relative"] >= AGITATED_PITCH_RATIO)
        & (out["loudness_relative_db"] >= AGITATED_LOUDNESS_DB)
        & (out["speaking_rate_relative"] >= AGITATED_RATE_RATIO)
    ).astype(bool)
    return out.astype({c: "float64" for c in CUE_COLUMNS if c != "agitated"})
