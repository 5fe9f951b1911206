"""Decoding call recordings into per-channel 16 kHz arrays and speaker tracks.

Call recorders usually write one party per channel (agent on one side, customer
on the other), so channels are decoded separately rather than down-mixed the
way ``whisperx.load_audio`` does. Decoding goes through PyAV, which bundles
the FFmpeg libraries (it is a dependency of faster-whisper, so no ``ffmpeg``
program is needed) and reads every container and codec a recorder is likely
to produce (WAV/PCM, G.711 A-law and mu-law, MP3, Opus, FLAC, ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from workbench.errors import InputDataError, ParameterError

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


def speaker_tracks(recording: Recording, channels: str = "auto") -> dict[str, np.ndarray]:
    """Split a recording into one audio track per speaker role.

    Args:
        recording: a decoded recording (not modified).
        channels: the channel layout.

            * ``"auto"``: stereo means agent left, customer right (the usual
              recorder layout); mono means one unknown speaker.
            * ``"agent-left"`` / ``"agent-right"``: which side the agent is on.
            * ``"mono"``: mix all channels into one unknown-speaker track.

            Whatever the layout, a stereo file whose two channels are
            identical is treated as mono: it has no per-speaker channels.

    Returns:
        ``{"agent": array, "customer": array}`` for a two-party stereo file,
        otherwise ``{"unknown": array}``; float32 arrays at 16 kHz.

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
    if channels == "mono" or (len(arrays) == 2 and channels_identical(arrays[0], arrays[1])):
        mixed = np.mean(np.stack(arrays), axis=0, dtype=np.float32)
        return {"unknown": mixed}
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
