"""Decoding recordings and splitting them into speaker tracks (no model needed)."""

from __future__ import annotations

import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

import workbench
from workbench.errors import InputDataError, ParameterError
from workbench.paths import sample_dir
from workbench.speech.audio import (
    DUAL_MONO_CORRELATION,
    Recording,
    channel_similarity,
    channels_dual_mono,
    channels_identical,
    load_recording,
    speaker_tracks,
)

from speech_corpus import write_wav

RATE_HZ = 16_000
SHARED = Path(workbench.__file__).resolve().parents[2] / "shared" / "datasets"
STEREO_CLIP = SHARED / "audio_en_stereo_2speaker" / "stereo_diarization.wav"  # one real speaker per channel
REAL_MONO_CLIPS = [SHARED / "audio_zh_aishell_wenet" / "aishell-BAC009S0724W0121.wav",
                   SHARED / "audio_zh_aishell_wenet" / "librispeech-1995-1837-0001.wav"]  # fmt: skip
needs_shared = pytest.mark.skipif(not STEREO_CLIP.exists(), reason="../shared/datasets not present")
needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="the ffmpeg program is not installed")
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")


def tone(seconds: float, hz: float, amplitude: int = 8000, rate_hz: int = RATE_HZ) -> np.ndarray:
    t = np.arange(int(seconds * rate_hz)) / rate_hz
    return (amplitude * np.sin(2 * np.pi * hz * t)).astype("<i2")


@pytest.fixture()
def stereo(tmp_path) -> Path:
    left = np.concatenate([tone(0.5, 300), np.zeros(8000, "<i2")])
    right = np.concatenate([np.zeros(8000, "<i2"), tone(0.5, 500)])
    return write_wav(tmp_path / "call.wav", left, right)


def test_stereo_decodes_to_two_float_channels_in_file_order(stereo):
    recording = load_recording(stereo)
    assert recording.sample_rate_hz == 16_000 and len(recording.channels) == 2
    assert recording.duration_seconds == pytest.approx(1.0)
    left, right = recording.channels
    assert left.dtype == np.float32 and left.shape == (16_000,)
    assert np.abs(left[:8000]).max() == pytest.approx(8000 / 32768, rel=1e-3) and not right[:8000].any()
    assert not left[8000:].any() and np.abs(right[8000:]).max() > 0.2


def test_auto_and_agent_left_put_the_agent_on_the_left(stereo):
    recording = load_recording(stereo)
    for layout in ("auto", "agent-left"):
        tracks = speaker_tracks(recording, layout)
        assert list(tracks) == ["agent", "customer"]
        assert tracks["agent"] is recording.channels[0] and tracks["customer"] is recording.channels[1]


def test_agent_right_swaps_the_channels(stereo):
    recording = load_recording(stereo)
    tracks = speaker_tracks(recording, "agent-right")
    assert tracks["agent"] is recording.channels[1] and tracks["customer"] is recording.channels[0]


def test_mono_layout_mixes_the_channels_into_one_unknown_track(stereo):
    recording = load_recording(stereo)
    before = [c.copy() for c in recording.channels]
    tracks = speaker_tracks(recording, "mono")
    assert list(tracks) == ["unknown"]
    np.testing.assert_allclose(tracks["unknown"], (recording.channels[0] + recording.channels[1]) / 2, atol=1e-7)
    for old, new in zip(before, recording.channels):  # the recording is not modified
        np.testing.assert_array_equal(old, new)


def test_mono_file_is_one_unknown_speaker_whatever_the_layout(tmp_path):
    recording = load_recording(write_wav(tmp_path / "mono.wav", tone(1.0, 440)))
    assert len(recording.channels) == 1
    for layout in ("auto", "agent-left", "agent-right", "mono"):
        assert list(speaker_tracks(recording, layout)) == ["unknown"]


def test_identical_channels_are_treated_as_mono(tmp_path):
    signal = tone(1.0, 440)
    recording = load_recording(write_wav(tmp_path / "dual_mono.wav", signal, signal))
    for layout in ("auto", "agent-left", "agent-right"):
        tracks = speaker_tracks(recording, layout)
        assert list(tracks) == ["unknown"]
        np.testing.assert_allclose(tracks["unknown"], recording.channels[0], atol=1e-7)


def test_channels_differing_by_one_sample_step_still_count_as_identical(tmp_path):
    signal = tone(1.0, 440)
    jitter = np.random.default_rng(3).integers(-1, 2, signal.size).astype("<i2")
    recording = load_recording(write_wav(tmp_path / "dither.wav", signal, signal + jitter))
    assert list(speaker_tracks(recording)) == ["unknown"]


def test_same_voice_at_another_level_is_one_signal_not_two_speakers(tmp_path):
    # Not identical sample for sample, but a gain difference does not make a second speaker.
    signal = tone(1.0, 440)
    recording = load_recording(write_wav(tmp_path / "levels.wav", signal, (signal // 2).astype("<i2")))
    assert not channels_identical(*recording.channels)
    assert list(speaker_tracks(recording)) == ["unknown"]
    assert channels_identical(np.zeros(10, np.float32), np.zeros(10, np.float32))
    assert not channels_identical(np.zeros(10, np.float32), np.zeros(11, np.float32))


def test_unknown_layout_is_a_parameter_error(stereo):
    with pytest.raises(ParameterError, match="agent-left") as info:
        speaker_tracks(load_recording(stereo), "left")
    assert info.value.field == "channels"


def test_three_channels_need_the_mono_layout(tmp_path):
    path = write_wav(tmp_path / "three.wav", tone(0.5, 300), tone(0.5, 400), tone(0.5, 500))
    recording = load_recording(path)
    with pytest.raises(InputDataError, match="3 audio channels"):
        speaker_tracks(recording)
    assert list(speaker_tracks(recording, "mono")) == ["unknown"]


def test_telephone_rate_audio_is_resampled_to_16k(tmp_path):
    recording = load_recording(write_wav(tmp_path / "phone.wav", tone(2.0, 300, rate_hz=8000),
                                         tone(2.0, 600, rate_hz=8000), rate_hz=8000))  # fmt: skip
    assert recording.sample_rate_hz == 16_000
    assert recording.duration_seconds == pytest.approx(2.0, abs=0.01)
    assert recording.channels[0].size == pytest.approx(32_000, abs=160)


def test_committed_sample_decodes_bit_exactly():
    path = sample_dir() / "recordings" / "rec_en_001.wav"
    with wave.open(str(path)) as wav:
        raw = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").reshape(-1, 2)
    recording = load_recording(path)
    assert isinstance(recording, Recording) and recording.path == path
    np.testing.assert_array_equal(recording.channels[0], raw[:, 0] / np.float32(32768))
    np.testing.assert_array_equal(recording.channels[1], raw[:, 1] / np.float32(32768))
    with pytest.raises(AttributeError):
        recording.duration_seconds = 1.0  # frozen


def test_zero_length_file_is_an_input_error(tmp_path):
    path = tmp_path / "empty.wav"
    path.write_bytes(b"")
    with pytest.raises(InputDataError, match="empty file") as info:
        load_recording(path)
    assert info.value.file == str(path)


def test_wav_header_without_samples_is_an_input_error(tmp_path):
    path = tmp_path / "header_only.wav"
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(RATE_HZ)
    assert path.stat().st_size > 0
    with pytest.raises(InputDataError, match="no audio samples") as info:
        load_recording(path)
    assert info.value.file == str(path)


def test_corrupt_wav_is_an_input_error(tmp_path):
    path = tmp_path / "corrupt.wav"
    path.write_bytes(b"RIFF" + bytes(40) + np.random.default_rng(1).bytes(4000))
    with pytest.raises(InputDataError, match="corrupt") as info:
        load_recording(path)
    assert info.value.file == str(path)


def test_truncated_wav_keeps_what_was_recorded(tmp_path, stereo):
    # A recorder that crashed leaves a header promising more samples than follow.
    path = tmp_path / "truncated.wav"
    path.write_bytes(stereo.read_bytes()[: 44 + 4 * 4000])
    recording = load_recording(path)
    assert recording.duration_seconds == pytest.approx(0.25)


def test_text_file_is_unsupported(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("agent: hello\ncustomer: hi\n" * 20)
    with pytest.raises(InputDataError, match=r"unsupported file type '\.txt'"):
        load_recording(path)


def test_file_without_audio_stream_is_unsupported(tmp_path):
    av = pytest.importorskip("av")
    path = tmp_path / "picture.png"
    with av.open(str(path), "w", format="image2") as container:
        stream = container.add_stream("png", rate=1)
        stream.width, stream.height, stream.pix_fmt = 8, 8, "rgb24"
        frame = av.VideoFrame.from_ndarray(np.zeros((8, 8, 3), np.uint8), format="rgb24")
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    with pytest.raises(InputDataError, match="no audio stream, found video"):
        load_recording(path)


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputDataError, match="not found"):
        load_recording(tmp_path / "nowhere.wav")
    with pytest.raises(InputDataError, match="not found"):
        load_recording(tmp_path)  # a directory is not a recording


# --------------------------------------------------------------------------- dual mono: one signal on both channels


def dual_mono(voice: np.ndarray, seed: int = 0, noise_db: float = 34.0) -> tuple[np.ndarray, np.ndarray]:
    """Two copies of one float voice as int16 channels, the way a recorder writes dual mono.

    Each side gets its own noise (34 dB below the voice gives a correlation
    of ~0.9996, the figure seen on a real file); the right side is 3 dB
    quieter and one sample late.
    """
    rng = np.random.default_rng(seed)
    level = float(np.sqrt(np.mean(np.square(voice, dtype=np.float64))))

    def noise() -> np.ndarray:
        return rng.standard_normal(voice.size) * level / 10 ** (noise_db / 20)

    left = voice + noise()
    right = 0.7 * np.concatenate([[0.0], voice[:-1]]) + noise()
    return tuple(np.clip(np.round(c * 32768), -32768, 32767).astype("<i2") for c in (left, right))


def ffmpeg_round_trip(source: Path, target: Path, *args: str) -> Path:
    """``source`` encoded by the ffmpeg program with ``args`` into ``target`` (a codec round trip)."""
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(source), *args, str(target)], check=True)
    return target


def espeak(tmp_path: Path, text: str, voice: str = "en-us") -> np.ndarray:
    """espeak-ng speech as float samples at 16 kHz (decoded by the workbench's own reader)."""
    path = tmp_path / f"espeak_{len(list(tmp_path.glob('espeak_*.wav')))}.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", "160", "-w", str(path), text], check=True, capture_output=True)
    return load_recording(path).channels[0]


def test_near_identical_channels_are_mono_though_not_identical(tmp_path):
    # Independent noise 34 dB down on each side, a gain difference and a one-sample offset:
    # the file of the issue (correlation ~0.9996) that was transcribed as two speakers.
    voice = load_recording(sample_dir() / "recordings" / "rec_en_001.wav").channels[0]
    recording = load_recording(write_wav(tmp_path / "dual.wav", *dual_mono(voice)))
    left, right = recording.channels
    assert not channels_identical(left, right)
    assert channel_similarity(left, right) == pytest.approx(0.9996, abs=0.0003)
    assert channels_dual_mono(left, right)
    for layout in ("auto", "agent-left", "agent-right"):
        assert list(speaker_tracks(recording, layout)) == ["unknown"]


def test_committed_two_party_calls_keep_agent_and_customer():
    for path in sorted((sample_dir() / "recordings").glob("rec_*.wav")):
        recording = load_recording(path)
        assert channel_similarity(*recording.channels) < 0.1, path.name
        assert list(speaker_tracks(recording)) == ["agent", "customer"], path.name


def test_dual_mono_track_lines_the_copies_up_instead_of_cancelling_them(tmp_path):
    voice = load_recording(sample_dir() / "recordings" / "rec_en_001.wav").channels[0]
    shifted = np.concatenate([np.zeros(5, np.float32), voice[:-5]])
    recording = Recording(tmp_path / "x.wav", RATE_HZ, (voice, -0.5 * shifted), voice.size / RATE_HZ)
    assert channel_similarity(*recording.channels) == pytest.approx(1.0, abs=1e-4)  # inverted polarity too
    track = speaker_tracks(recording)["unknown"]
    assert track.dtype == np.float32 and track.size == voice.size
    # Averaged unaligned, the inverted copy would cancel half the voice; lined up, 0.75 of it remains.
    np.testing.assert_allclose(track[:-5], 0.75 * voice[:-5], atol=1e-6)


def test_one_silent_channel_is_still_two_parties():
    voice = load_recording(sample_dir() / "recordings" / "rec_en_001.wav").channels[0]
    silent = np.zeros_like(voice)
    assert channel_similarity(voice, silent) == 0.0 and not channels_dual_mono(voice, silent)


@needs_espeak
def test_espeak_speech_on_both_channels_is_mono_and_two_voices_are_not(tmp_path):
    # Runs without ../shared: synthetic speech, one sentence duplicated vs two voices.
    agent = espeak(tmp_path, "Thank you for calling, this is Anna, how can I help you today?")
    customer = espeak(tmp_path, "Hi, I was charged twice for my last order.", voice="en-gb")
    recording = load_recording(write_wav(tmp_path / "dual.wav", *dual_mono(agent)))
    assert not channels_identical(*recording.channels)
    assert channel_similarity(*recording.channels) >= DUAL_MONO_CORRELATION
    assert list(speaker_tracks(recording)) == ["unknown"]
    n = min(agent.size, customer.size)
    scale = lambda x: np.round(x[:n] * 32768).astype("<i2")  # noqa: E731
    two = load_recording(write_wav(tmp_path / "two.wav", scale(agent), scale(customer)))
    assert channel_similarity(*two.channels) < 0.2
    assert list(speaker_tracks(two)) == ["agent", "customer"]


@needs_shared
def test_real_two_speaker_stereo_keeps_each_speaker(tmp_path):
    recording = load_recording(STEREO_CLIP)
    similarity = channel_similarity(*recording.channels)
    assert similarity < 0.1, similarity  # measured 0.05
    assert list(speaker_tracks(recording)) == ["agent", "customer"]
    if shutil.which("ffmpeg"):  # the same call after telephone coding
        phone = ffmpeg_round_trip(STEREO_CLIP, tmp_path / "phone.wav", "-ar", "8000", "-c:a", "pcm_mulaw")
        assert list(speaker_tracks(load_recording(phone))) == ["agent", "customer"]


@needs_shared
@pytest.mark.parametrize("clip", REAL_MONO_CLIPS, ids=lambda p: p.stem.split("-")[0])
def test_real_clip_on_both_channels_is_mono(tmp_path, clip):
    voice = load_recording(clip).channels[0]
    path = write_wav(tmp_path / "dual.wav", *dual_mono(voice))
    recording = load_recording(path)
    assert not channels_identical(*recording.channels)
    assert list(speaker_tracks(recording)) == ["unknown"]
    # The mono track is the voice itself (lined up and averaged), not a comb-filtered mix.
    track = speaker_tracks(recording)["unknown"]
    assert np.corrcoef(track[: voice.size], voice[: track.size])[0, 1] > 0.999


@needs_shared
@needs_ffmpeg
@pytest.mark.parametrize("codec", [("-c:a", "libmp3lame", "-b:a", "64k"),
                                   ("-c:a", "libmp3lame", "-b:a", "32k", "-joint_stereo", "1"),
                                   ("-ar", "8000", "-c:a", "pcm_mulaw")],
                         ids=["mp3-64k", "mp3-32k-joint", "mulaw-8k"])  # fmt: skip
def test_real_dual_mono_stays_mono_through_codecs(tmp_path, codec):
    suffix = ".mp3" if "libmp3lame" in codec else ".wav"
    for clip in REAL_MONO_CLIPS:
        source = write_wav(tmp_path / f"{clip.stem}.wav", *dual_mono(load_recording(clip).channels[0]))
        recording = load_recording(ffmpeg_round_trip(source, tmp_path / f"{clip.stem}_coded{suffix}", *codec))
        similarity = channel_similarity(*recording.channels)
        assert similarity >= DUAL_MONO_CORRELATION, (clip.name, similarity)  # measured 0.97-0.9997
        assert list(speaker_tracks(recording)) == ["unknown"]
