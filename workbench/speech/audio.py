"""Decoding call recordings into per-channel 16 kHz arrays and speaker tracks.

Call recorders usually write one party per channel (agent on one side, customer
on the other), so channels are decoded separately rather than down-mixed the
way ``whisperx.load_audio`` does. Decoding goes through PyAV, which bundles
the FFmpeg libraries (it is a dependency of faster-whisper, so no ``ffmpeg``
program is needed) and reads every container and codec a recorder is likely
to produce (WAV/PCM, G.711 A-law and mu-law, MP3, Opus, FLAC, ...).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from workbench.errors import InputDataError, ParameterError

logger = logging.getLogger(__name__)

SAMPLE_RATE_HZ = 16_000
CHANNEL_LAYOUTS = ("auto", "agent-left", "agent-right", "mono")
# Extensions of audio formats a recorder writes; anything else that the decoder
# cannot read is reported as an unsupported file rather than a corrupt one.
AUDIO_SUFFIXES = {".wav", ".wave", ".mp3", ".flac", ".ogg", ".opus", ".m4a", ".aac", ".wma", ".amr",
                  ".au", ".aif", ".aiff", ".gsm", ".vox", ".webm", ".mka", ".mp4", ".3gp"}  # fmt: skip
# Two channels whose difference is this far below the signal (-40 dB) are the
# same signal written twice (a mono recorder, or a codec's joint stereo).
IDENTICAL_RELATIVE_RMS = 0.01
# ... or differ by at most two 16-bit steps (dither, rounding) in absolute terms.
IDENTICAL_ABSOLUTE_RMS = 2 / 32768
#: Channels whose normalised cross-correlation reaches this are one signal on both sides (dual mono);
#: the measurements behind it are in :func:`channel_similarity`.
DUAL_MONO_CORRELATION = 0.9
#: Largest offset between the two copies that still counts as the same signal: a recorder or a
#: resampler shifting one side by a sample or two (2 ms covers one sample at 8 kHz with room to spare).
DUAL_MONO_MAX_LAG_SECONDS = 0.002
#: Version of the rule that decides when a stereo file is really mono; part of the batch resume key.
CHANNEL_SPLIT_VERSION = "dual-mono-ncc-0.9"
_BLOCK_SAMPLES = 1 << 20


@dataclass(frozen=True)
class Recording:
    """A decoded recording.

    Attributes:
        path: the file it was decoded from.
        sample_rate_hz: always 16000 after decoding (what Whisper expects).
        channels: one float32 mono array in [-1, 1] per channel, in file order
            (left first).
        duration_seconds: samples per channel divided by the sample rate.
    """

    path: Path
    sample_rate_hz: int
    channels: tuple[np.ndarray, ...]
    duration_seconds: float


def _unreadable(path: Path, detail: str) -> InputDataError:
    if path.suffix.lower() in AUDIO_SUFFIXES:
        return InputDataError(f"corrupt or unreadable audio file ({detail})", file=path)
    return InputDataError(
        f"unsupported file type '{path.suffix or '(no extension)'}': expected an audio recording "
        f"such as .wav, .mp3, .flac or .opus, and the decoder could not read it ({detail})",
        file=path,
    )


def _decode_interleaved(path: Path) -> tuple[np.ndarray, int]:
    """All samples of the first audio stream as interleaved 16 kHz int16, and the channel count."""
    import av  # PyAV: bundles the FFmpeg libraries, a dependency of faster-whisper

    try:
        container = av.open(str(path), mode="r", metadata_errors="ignore")
    except av.error.FFmpegError as error:
        raise _unreadable(path, str(getattr(error, "strerror", None) or error)) from None
    with container:
        if not container.streams.audio:
            kinds = sorted({s.type for s in container.streams}) or ["no"]
            raise _unreadable(path, f"no audio stream, found {', '.join(kinds)} streams")
        stream = container.streams.audio[0]
        channels = len(stream.layout.channels) or int(stream.channels or 0)
        if channels < 1:
            raise InputDataError("the audio stream declares no channels", file=path)
        resampler = av.AudioResampler(format="s16", layout=stream.layout, rate=SAMPLE_RATE_HZ)
        blocks: list[np.ndarray] = []
        bad_packets = 0
        frames = container.decode(stream)
        while True:
            try:
                frame = next(frames)
            except StopIteration:
                break
            except av.error.FFmpegError:
                # A damaged packet in an otherwise good file: skip it, as players do.
                bad_packets += 1
                if bad_packets > 50:
                    raise _unreadable(path, "more than 50 undecodable audio packets") from None
                continue
            frame.pts = None  # resample by sample count, not by possibly broken timestamps
            blocks.extend(f.to_ndarray().reshape(-1) for f in resampler.resample(frame))
        blocks.extend(f.to_ndarray().reshape(-1) for f in resampler.resample(None))
    samples = np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.int16)
    return samples, channels


def load_recording(path: str | Path) -> Recording:
    """Decode a recording into one 16 kHz float32 array per channel.

    Decoding uses PyAV (the FFmpeg libraries bundled with faster-whisper), so
    no ``ffmpeg`` program is needed and every format FFmpeg reads works.

    Args:
        path: an audio file (WAV/PCM, G.711, MP3, FLAC, Opus, ...).

    Returns:
        The decoded :class:`Recording`; channels keep the file's order.

    Raises:
        InputDataError: the file is missing, empty (0 bytes or no audio
            samples), corrupt, or not an audio file; the message says which.
    """
    path = Path(path)
    if not path.is_file():
        raise InputDataError("recording not found (expected an audio file)", file=path)
    if path.stat().st_size == 0:
        raise InputDataError("empty file (0 bytes): expected an audio recording", file=path)
    samples, channels = _decode_interleaved(path)
    usable = samples.size - samples.size % channels
    if usable == 0:
        raise InputDataError("no audio samples: the file has an audio header but no sound", file=path)
    frames = samples[:usable].reshape(-1, channels)
    arrays = tuple(frames[:, i].astype(np.float32) / np.float32(32768.0) for i in range(channels))
    return Recording(
        path=path,
        sample_rate_hz=SAMPLE_RATE_HZ,
        channels=arrays,
        duration_seconds=frames.shape[0] / SAMPLE_RATE_HZ,
    )


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if x.size else 0.0


def channels_identical(left: np.ndarray, right: np.ndarray) -> bool:
    """True when two channels carry the same signal (within a tiny tolerance).

    The RMS of the difference must be under 1 % of the channels' RMS (-40 dB)
    or under two 16-bit steps; two silent channels count as identical.

    >>> import numpy as np
    >>> x = np.sin(np.arange(1600) / 5).astype("float32")
    >>> channels_identical(x, x + 1e-5), channels_identical(x, 0.5 * x)
    (True, False)
    """
    if left.shape != right.shape:
        return False
    difference = _rms(left - right)
    level = max(_rms(left), _rms(right))
    return difference <= max(IDENTICAL_RELATIVE_RMS * level, IDENTICAL_ABSOLUTE_RMS)


def _lagged_correlation(left: np.ndarray, right: np.ndarray, max_lag: int) -> tuple[float, int]:
    """(r, lag) maximising ``|r|``, the Pearson correlation of ``left[t + lag]`` with ``right[t]``.

    Dot products run block by block on float32 views and add up in float64,
    so an hour-long call is neither copied to float64 nor held twice.
    """
    n = min(left.size, right.size)
    left, right = left[:n], right[:n]
    mean_left = float(np.mean(left, dtype=np.float64)) if n else 0.0
    mean_right = float(np.mean(right, dtype=np.float64)) if n else 0.0

    def dot(a: np.ndarray, b: np.ndarray) -> float:
        return sum(float(np.dot(a[i:i + _BLOCK_SAMPLES], b[i:i + _BLOCK_SAMPLES]))
                   for i in range(0, a.size, _BLOCK_SAMPLES))  # fmt: skip

    energy_left = dot(left, left) - n * mean_left**2
    energy_right = dot(right, right) - n * mean_right**2
    if n < 2 or energy_left <= 0 or energy_right <= 0:
        return 0.0, 0
    norm = np.sqrt(energy_left * energy_right)
    best, best_lag = 0.0, 0
    for lag in range(-max_lag, max_lag + 1):
        a, b = (left[lag:], right[: n - lag]) if lag >= 0 else (left[: n + lag], right[-lag:])
        if a.size < 2:
            continue
        r = (dot(a, b) - a.size * mean_left * mean_right) / norm
        if abs(r) > abs(best):
            best, best_lag = r, lag
    return float(best), best_lag


def channel_similarity(left: np.ndarray, right: np.ndarray, sample_rate_hz: int = SAMPLE_RATE_HZ) -> float:
    """How alike two channels are: the largest normalised cross-correlation within ±2 ms.

    Pearson correlation of the two channels over the whole recording, at the
    best offset of up to :data:`DUAL_MONO_MAX_LAG_SECONDS` (32 samples at
    16 kHz), in absolute value (a side wired with inverted polarity is still
    the same signal). It ignores level (a gain difference leaves it at 1) and
    drops only with what one side has and the other lacks: independent noise
    at a signal-to-noise ratio S gives about ``1 / (1 + 1/S)``; crosstalk, a
    second voice, gives little.

    Measured by ``tests/bench_channels.py`` (files decoded by
    :func:`load_recording`, real speech only):

    * two speakers, one per channel, must stay apart:
      ``audio_en_stereo_2speaker/stereo_diarization.wav`` (real two-speaker
      stereo) 0.051, after mp3 / Opus / 8 kHz mu-law / A-law round trips
      0.040-0.052; an AISHELL voice left and a LibriSpeech voice right 0.006;
      the committed sample calls 0.0001-0.002. With the other side's voice
      mixed in (crosstalk, both ways): -30 dB 0.06, -20 dB 0.20, -12 dB 0.48,
      and even -6 dB (half the other voice on each side) only 0.81.
    * one voice on both channels must count as mono: the AISHELL and
      LibriSpeech clips and the stereo clip's left side, each duplicated
      with the right side 3 dB quieter and one sample late, and independent
      noise on each side 40 dB below the voice 0.9998, 30 dB 0.9985,
      20 dB 0.985, 10 dB 0.87; the 40 dB copy through mp3 64k 0.992-0.998,
      mp3 32k joint stereo 0.978-0.996, Opus 24k 0.981-0.995, mu-law /
      A-law at 8 kHz 0.9995-0.9997. (The issue's file: 0.9996.)

    Hence :data:`DUAL_MONO_CORRELATION` = 0.9: below every dual-mono copy
    whose own noise is at least 20 dB down, codec round trips included
    (lowest 0.978), and above any two-voice recording short of one voice
    mixed into the other at -6 dB (0.81). Dual mono with independent noise
    only 10 dB down (0.87) stays two tracks: a mono source written twice
    shares its noise, so per-side noise that loud is not expected. Without
    the lag search a one-sample offset alone dropped the figure to
    0.85-0.97.

    >>> import numpy as np
    >>> voice = np.random.default_rng(0).standard_normal(16_000).astype("float32")
    >>> round(channel_similarity(voice, 0.5 * np.roll(voice, 1)), 3)
    1.0
    >>> other = np.random.default_rng(1).standard_normal(16_000).astype("float32")
    >>> channel_similarity(voice, other) < 0.1
    True
    """
    return abs(_lagged_correlation(left, right, _max_lag(sample_rate_hz))[0])


def _max_lag(sample_rate_hz: int) -> int:
    return int(round(DUAL_MONO_MAX_LAG_SECONDS * sample_rate_hz))


def _one_signal(left: np.ndarray, right: np.ndarray, sample_rate_hz: int) -> tuple[float, int] | None:
    """``(r, lag)`` lining ``right`` up with ``left`` when both carry one signal, else None."""
    if channels_identical(left, right):
        return 1.0, 0
    r, lag = _lagged_correlation(left, right, _max_lag(sample_rate_hz))
    return (r, lag) if abs(r) >= DUAL_MONO_CORRELATION else None


def channels_dual_mono(left: np.ndarray, right: np.ndarray, sample_rate_hz: int = SAMPLE_RATE_HZ) -> bool:
    """True when two channels carry one signal: identical, or alike at or above :data:`DUAL_MONO_CORRELATION`.

    Such a file has no per-speaker channels, whatever its layout says
    (see :func:`channel_similarity` for the figures behind the threshold).
    """
    return _one_signal(left, right, sample_rate_hz) is not None


def _dual_mono_track(left: np.ndarray, right: np.ndarray, sample_rate_hz: int) -> np.ndarray | None:
    """One track from two copies of a signal (see :func:`channels_dual_mono`), else None.

    The right side is lined up (offset, polarity) and averaged with the left:
    averaging unaligned copies would comb-filter them, and an inverted copy
    would cancel the voice.
    """
    found = _one_signal(left, right, sample_rate_hz)
    if found is None:
        return None
    r, lag = found
    logger.info("both channels carry one signal (similarity %.4f >= %s, offset %d samples): treated as mono",
                abs(r), DUAL_MONO_CORRELATION, lag)  # fmt: skip
    n = min(left.size, right.size)
    aligned = np.zeros(n, dtype=np.float32)
    if lag >= 0:
        aligned[lag:] = right[: n - lag]
    else:
        aligned[: n + lag] = right[-lag:n]
    if r < 0:
        aligned = -aligned
    return ((left[:n] + aligned) / np.float32(2)).astype(np.float32)


def speaker_tracks(recording: Recording, channels: str = "auto") -> dict[str, np.ndarray]:
    """Split a recording into one audio track per speaker role.

    Args:
        recording: a decoded recording (not modified).
        channels: the channel layout.

            * ``"auto"``: stereo means agent left, customer right (the usual
              recorder layout); mono means one unknown speaker.
            * ``"agent-left"`` / ``"agent-right"``: which side the agent is on.
            * ``"mono"``: mix all channels into one unknown-speaker track.

            Whatever the layout, a stereo file whose two channels carry one
            signal (identical, or alike per :func:`channels_dual_mono`:
            gain, a small offset, codec noise) is treated as mono: it has no
            per-speaker channels.

    Returns:
        ``{"agent": array, "customer": array}`` for a two-party stereo file,
        otherwise ``{"unknown": array}`` (the speaker role its segments get,
        so talk ratios see one speaker, not two); float32 arrays at 16 kHz.

    Raises:
        ParameterError: ``channels`` is not one of the layouts above.
        InputDataError: more than two channels with a stereo layout asked for.
    """
    if channels not in CHANNEL_LAYOUTS:
        raise ParameterError(
            f"unknown channel layout {channels!r}; expected one of {', '.join(CHANNEL_LAYOUTS)}", field="channels"
        )
    arrays = recording.channels
    if len(arrays) == 1:
        return {"unknown": arrays[0]}
    if channels == "mono":
        return {"unknown": np.mean(np.stack(arrays), axis=0, dtype=np.float32)}
    # One signal on both sides: transcribing each would report agent and customer saying the
    # same words at once, so it gets the mono treatment (one 'unknown' speaker).
    single = _dual_mono_track(*arrays, recording.sample_rate_hz) if len(arrays) == 2 else None
    if single is not None:
        return {"unknown": single}
    if len(arrays) > 2:
        raise InputDataError(
            f"{len(arrays)} audio channels found; expected 1 (mono) or 2 (agent and customer), "
            "or use the 'mono' channel layout to mix them",
            file=recording.path,
        )
    left, right = arrays
    if channels == "agent-right":
        return {"agent": right, "customer": left}
    return {"agent": left, "customer": right}
