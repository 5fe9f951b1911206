"""Per-turn voice cues (pitch, loudness, speaking rate, agitation) on espeak-ng speech with known settings."""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import workbench
from workbench.errors import InputDataError, ParameterError
from workbench.paths import sample_dir
from workbench.sample.audio import SAMPLE_RATE_HZ, SCRIPTS
from workbench.speech.audio import load_recording, speaker_tracks
from workbench.speech.voice import CUE_COLUMNS, VOICE_CUES_VERSION, voice_cues

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
SHARED = Path(workbench.__file__).resolve().parents[2] / "shared" / "datasets"
STEREO_CLIP = SHARED / "audio_en_stereo_2speaker" / "stereo_diarization.wav"  # one real speaker per channel

EN_TEXT = "I have been waiting for an engineer since Monday and nobody has called me back."
ZH_TEXT = "我已经等了三天了，还是没有人给我回电话。"
ZH_PINYIN = "wo3 yi3 jing1 deng3 le5 san1 tian1 le5, hai2 shi4 mei2 you3 ren2 gei3 wo3 hui2 dian4 hua4."
CALM = {"speed": 140, "pitch": 30, "amplitude": 60}
RAISED = {"speed": 220, "pitch": 80, "amplitude": 180}


@functools.lru_cache(maxsize=None)
def speak(voice: str, text: str, speed: int, pitch: int, amplitude: int) -> np.ndarray:
    """espeak-ng speech as float32 in [-1, 1] at 16 kHz, leading and trailing silence trimmed."""
    from scipy.signal import resample_poly

    raw = subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-a", str(amplitude),
                          "--stdout", text], check=True, capture_output=True).stdout  # fmt: skip
    # espeak-ng streams a WAV with placeholder sizes: read the PCM after the data chunk header.
    start = raw.index(b"data") + 8
    samples = np.frombuffer(raw[start : start + (len(raw) - start) // 2 * 2], dtype="<i2").astype(np.float64)
    loud = np.flatnonzero(np.abs(samples) > 100)
    samples = samples[loud[0] : loud[-1] + 1]
    return (resample_poly(samples, 320, 441) / 32768.0).astype(np.float32)  # 22050 Hz -> 16000 Hz


def build_call(turns: list[dict], stereo: bool = False, gap_seconds: float = 0.4, seed: int = 0):
    """Segments and tracks of a call made of ``turns`` (role, voice, text[, spoken], speed, pitch, amplitude).

    The turns follow each other with ``gap_seconds`` of pause over a -70 dBFS noise floor; with
    ``stereo`` each role gets its own track (a mapping), else all share one mono array.
    """
    clips = [speak(t["voice"], t.get("spoken", t["text"]), t["speed"], t["pitch"], t["amplitude"]) for t in turns]
    gap = int(gap_seconds * SAMPLE_RATE_HZ)
    total = gap + sum(c.size + gap for c in clips)
    roles = sorted({t["role"] for t in turns})
    noise = np.random.default_rng(seed)
    audio = {r: (noise.normal(0.0, 10 / 32768, total)).astype(np.float32) for r in (roles if stereo else ["all"])}
    rows, at = [], gap
    for i, (turn, clip) in enumerate(zip(turns, clips)):
        audio[turn["role"] if stereo else "all"][at : at + clip.size] += clip
        rows.append({"call_id": "c1", "segment_index": i, "speaker_role": turn["role"],
                     "start_seconds": at / SAMPLE_RATE_HZ, "end_seconds": (at + clip.size) / SAMPLE_RATE_HZ,
                     "text": turn["text"], "language": turn.get("language", "en")})  # fmt: skip
        at += clip.size + gap
    return pd.DataFrame(rows), (audio if stereo else audio["all"])


def one_cue_each(voice: str, text: str, spoken: str | None = None, role: str = "customer") -> list[dict]:
    """Four calm turns, one turn each with only pitch, only loudness, only speed raised, then all three."""
    base = {"role": role, "voice": voice, "text": text, "spoken": spoken or text}
    calm = [{**base, **CALM} for _ in range(4)]
    single = [{**base, **CALM, key: RAISED[key]} for key in ("pitch", "amplitude", "speed")]
    return calm + single + [{**base, **RAISED}]


def check_cues(cues: pd.DataFrame) -> None:
    """Rows 0-3 calm, 4 pitch, 5 loudness, 6 speed raised, 7 all three (see :func:`one_cue_each`)."""
    calm, high, loud, fast, all_three = cues.iloc[:4], cues.iloc[4], cues.iloc[5], cues.iloc[6], cues.iloc[7]
    assert np.allclose(calm["pitch_relative"], 1.0, atol=0.03)
    assert np.allclose(calm["loudness_relative_db"], 0.0, atol=0.5)
    assert np.allclose(calm["speaking_rate_relative"], 1.0, atol=0.03)
    assert high["pitch_relative"] > 1.15 and abs(high["speaking_rate_relative"] - 1) < 0.1
    assert loud["loudness_relative_db"] > 5.0 and abs(loud["pitch_relative"] - 1) < 0.05
    assert abs(fast["speaking_rate_relative"] / (220 / 140) - 1) < 0.25 and abs(fast["pitch_relative"] - 1) < 0.1
    assert all_three["pitch_relative"] > 1.15 and all_three["loudness_relative_db"] > 5.0
    assert cues["agitated"].tolist() == [False] * 7 + [True]


@needs_espeak
def test_english_cues_move_with_espeak_settings():
    segments, track = build_call(one_cue_each("en-us", EN_TEXT))
    before = segments.copy()
    cues = voice_cues(segments, track)
    pd.testing.assert_frame_equal(segments, before)
    assert list(cues.columns) == ["call_id", "segment_index", *CUE_COLUMNS]
    assert cues["pitch_hz"].between(60, 400).all() and cues["loudness_db"].between(-40, 0).all()
    # 15 words: English rate is words per second of the segment.
    assert np.allclose(cues["speaking_rate"], 15 / (segments["end_seconds"] - segments["start_seconds"]))
    check_cues(cues)


@needs_espeak
def test_mandarin_cues_move_with_espeak_settings():
    segments, track = build_call(one_cue_each("cmn-latn-pinyin", ZH_TEXT, ZH_PINYIN))
    cues = voice_cues(segments, track)
    # 18 Chinese characters (punctuation does not count): Mandarin rate is characters per second.
    assert np.allclose(cues["speaking_rate"], 18 / (segments["end_seconds"] - segments["start_seconds"]))
    check_cues(cues)


@needs_espeak
def test_each_speaker_is_measured_against_their_own_level_on_a_mono_track():
    low = {"voice": "en-us", "text": EN_TEXT, **CALM}
    high = {"voice": "en-us+f3", "text": EN_TEXT, **CALM, "pitch": 50}
    turns = [{**low, "role": "agent"}, {**high, "role": "customer"}] * 4
    turns.append({**high, "role": "customer", **RAISED})
    segments, track = build_call(turns)
    cues = voice_cues(segments, track)
    agent, customer = cues.iloc[0:8:2], cues.iloc[1:8:2]
    # The customer's voice is naturally far higher, yet calm: relative to themselves, level.
    assert customer["pitch_hz"].median() > 1.5 * agent["pitch_hz"].median()
    assert np.allclose(cues.iloc[:8]["pitch_relative"], 1.0, atol=0.03)
    assert cues["agitated"].tolist() == [False] * 8 + [True]
    # A call-wide level instead of each speaker's own would have made every customer turn "high".
    assert (customer["pitch_hz"] / cues["pitch_hz"].iloc[:8].median() > 1.15).all()


@needs_espeak
def test_a_mapping_of_tracks_gives_the_same_cues_as_their_mono_mix():
    turns = [{"role": "agent", "voice": "en-us", "text": EN_TEXT, **CALM},
             {"role": "customer", "voice": "en-gb", "text": EN_TEXT, **CALM, "amplitude": 100}] * 3  # fmt: skip
    segments, tracks = build_call(turns, stereo=True)
    stereo = voice_cues(segments, tracks)
    mono = voice_cues(segments, tracks["agent"] + tracks["customer"])
    assert np.allclose(stereo["pitch_hz"], mono["pitch_hz"], rtol=0.02)
    assert np.allclose(stereo["loudness_db"], mono["loudness_db"], atol=0.3)
    # Each channel is its own speaker: the louder customer channel does not lift the agent's level.
    assert stereo["loudness_db"].iloc[1] - stereo["loudness_db"].iloc[0] > 3.0
    assert np.allclose(stereo["loudness_relative_db"], 0.0, atol=0.5)
    # One track in a mapping serves every role (a diarized mono call passed as {"unknown": track}).
    single = voice_cues(segments, {"unknown": tracks["agent"] + tracks["customer"]})
    pd.testing.assert_frame_equal(single, mono)
    # 16-bit PCM as read from a file is scaled to full scale first.
    pcm = np.round((tracks["agent"] + tracks["customer"]) * 32768).astype(np.int16)
    assert np.allclose(voice_cues(segments, pcm)["loudness_db"], mono["loudness_db"], atol=0.05)


def test_silence_and_too_short_segments_give_nan_not_errors():
    rate = SAMPLE_RATE_HZ
    t = np.arange(3 * rate) / rate
    track = np.zeros(3 * rate, dtype=np.float32)
    track[rate : 2 * rate] = 0.1 * np.sign(np.sin(2 * np.pi * 120 * t[:rate]))  # one second of 120 Hz buzz
    track[: rate // 2] = 0.01 * np.sin(2 * np.pi * 60 * t[: rate // 2])  # mains hum at -43 dBFS, no voice
    segments = pd.DataFrame({
        "segment_index": [0, 1, 2, 3, 4, 5, 6],
        "speaker_role": ["agent"] * 7,
        "start_seconds": [0.6, 1.2, 1.30, 2.9, 5.0, 1.5, 0.0],
        # silence, buzz, 20 ms, past the end, outside, reversed, hum
        "end_seconds": [0.9, 1.8, 1.32, 3.5, 6.0, 1.4, 0.5],
        "text": ["hello there", "hello there", "hi", "", None, "x", "hello"],
    }, index=[10, 11, 12, 13, 14, 15, 16])  # fmt: skip
    cues = voice_cues(segments, track)
    assert list(cues.index) == [10, 11, 12, 13, 14, 15, 16]
    assert cues.loc[11, "pitch_hz"] == pytest.approx(120, rel=0.01)
    assert cues.loc[11, "loudness_db"] == pytest.approx(-20, abs=0.1)
    assert cues.loc[[10, 12, 13, 14, 15], ["pitch_hz", "loudness_db"]].isna().all().all()
    assert np.isnan(cues.loc[16, "pitch_hz"]) and cues.loc[16, "loudness_db"] == pytest.approx(-43, abs=0.5)
    assert cues.loc[[12, 13, 14, 15], "speaking_rate"].isna().all()  # too short, no words, None, reversed
    assert cues["pitch_relative"].isna().all()  # one voiced segment is no baseline
    assert not cues["agitated"].any() and cues["agitated"].dtype == bool


def test_empty_input_gives_the_columns_and_bad_input_is_named():
    empty = pd.DataFrame(columns=["segment_index", "speaker_role", "start_seconds", "end_seconds", "text"])
    cues = voice_cues(empty, np.zeros(16_000, dtype=np.float32))
    assert cues.empty and list(cues.columns) == ["segment_index", *CUE_COLUMNS]
    with pytest.raises(InputDataError, match="start_seconds"):
        voice_cues(empty.drop(columns="start_seconds"), np.zeros(10))
    one = pd.DataFrame({"segment_index": [0, 1], "speaker_role": ["agent", "customer"], "start_seconds": [0.0, 0.5],
                        "end_seconds": [0.5, 1.0], "text": ["a", "b"]})  # fmt: skip
    with pytest.raises(ParameterError, match="customer") as error:
        voice_cues(one, {"agent": np.zeros(16_000), "unknown": np.zeros(16_000)})
    assert error.value.field == "tracks"
    with pytest.raises(ParameterError, match="one call"):
        voice_cues(one.assign(call_id=["a", "b"]), np.zeros(16_000))
    with pytest.raises(ParameterError):
        voice_cues(one, np.zeros((2, 16_000)))
    with pytest.raises(ParameterError, match="agent"):
        voice_cues(one, {"agent": np.zeros((16_000, 2)), "customer": np.zeros(16_000)})
    assert VOICE_CUES_VERSION


@needs_espeak
def test_a_speaker_with_two_turns_has_no_baseline_and_is_never_agitated():
    turns = [{"role": "customer", "voice": "en-us", "text": EN_TEXT, **CALM},
             {"role": "customer", "voice": "en-us", "text": EN_TEXT, **RAISED}]  # fmt: skip
    segments, track = build_call(turns)
    cues = voice_cues(segments, track)
    assert cues["pitch_hz"].iloc[1] > 1.15 * cues["pitch_hz"].iloc[0]  # measured, ...
    assert cues[["pitch_relative", "loudness_relative_db", "speaking_rate_relative"]].isna().all().all()
    assert not cues["agitated"].any()  # ... but not compared with a level it makes itself


@needs_espeak
def test_five_minutes_of_stereo_audio_take_under_two_cpu_seconds():
    clip = speak("en-us", EN_TEXT, 160, 50, 100)
    reps = int(np.ceil(300 * SAMPLE_RATE_HZ / (clip.size + 8000)))
    turn = np.concatenate([clip, np.zeros(8000, dtype=np.float32)])
    left = np.tile(turn, reps)
    right = np.concatenate([np.zeros(turn.size // 2, dtype=np.float32), left[: left.size - turn.size // 2]])
    starts = np.arange(reps) * turn.size / SAMPLE_RATE_HZ
    segments = pd.DataFrame({"segment_index": np.arange(2 * reps), "speaker_role": ["agent", "customer"] * reps,
                             "start_seconds": np.repeat(starts, 2) + np.tile([0, turn.size / 2 / SAMPLE_RATE_HZ], reps),
                             "text": EN_TEXT})  # fmt: skip
    segments["end_seconds"] = segments["start_seconds"] + clip.size / SAMPLE_RATE_HZ
    voice_cues(segments.head(4), {"agent": left[:64000], "customer": right[:64000]})  # warm the imports
    # CPU time of this process: the machine running the tests is often shared, so wall time says little.
    began = time.process_time()
    cues = voice_cues(segments, {"agent": left, "customer": right})
    seconds = time.process_time() - began
    assert left.size >= 300 * SAMPLE_RATE_HZ and cues["pitch_hz"].notna().all()
    assert seconds < 2.0, f"{seconds:.2f} s for 5 minutes of stereo audio"


def test_calm_turns_of_the_committed_recordings_are_not_agitated():
    eligible = flagged = 0
    for script in SCRIPTS:
        wav = sample_dir() / "recordings" / f"{script.call_id}.wav"
        meta = json.loads(wav.with_suffix(".json").read_text(encoding="utf-8"))
        segments = pd.DataFrame([{"call_id": script.call_id, "segment_index": i, "speaker_role": s["speaker"],
                                  "start_seconds": s["start"], "end_seconds": s["end"], "text": s["text"]}
                                 for i, s in enumerate(meta["segments"])])  # fmt: skip
        cues = voice_cues(segments, speaker_tracks(load_recording(wav)))
        assert cues["pitch_hz"].between(70, 250).all() and cues["loudness_db"].between(-30, -10).all()
        eligible += int(cues["pitch_relative"].notna().sum())
        flagged += int(cues["agitated"].sum())
        if script.language == "zh":  # a female agent voice (+f3) against a male customer (+m3)
            by_role = cues.groupby(segments["speaker_role"])["pitch_hz"].median()
            assert by_role["agent"] > 1.4 * by_role["customer"]
    assert eligible >= 15 and flagged == 0


@pytest.mark.skipif(not STEREO_CLIP.exists(), reason="../shared/datasets not present")
def test_real_voices_get_plausible_pitches_and_mains_hum_is_not_one():
    recording = load_recording(STEREO_CLIP)
    seconds = [track.size / SAMPLE_RATE_HZ for track in recording.channels]
    segments = pd.DataFrame({"segment_index": [0, 1], "speaker_role": ["agent", "customer"],
                             "start_seconds": [0.0, 0.0], "end_seconds": [seconds[0], 2.5],
                             "text": ["He began a confused complaint against the wizard", "The horizon"]})  # fmt: skip
    cues = voice_cues(segments, speaker_tracks(recording))
    # Two real readers, one per channel (~97 and ~143 Hz; torchaudio's tracker said 232 and 2667). The
    # left side's pauses carry 60 Hz mains hum, which a 60 Hz lower bound took for voice (median 88 Hz).
    assert 90 < cues.at[0, "pitch_hz"] < 110 and 130 < cues.at[1, "pitch_hz"] < 160
