"""Benchmark: per-turn voice cues (:mod:`workbench.speech.voice`) against plain baselines.

Run by ``make bench`` (not part of ``make test``). Measures, in one run:

* speed: :func:`voice_cues` on five minutes of stereo call audio (the committed
  English sample calls, repeated), wall and CPU seconds, best of three, beside (best of two)
  the plain pitch tracker torchaudio ships (``detect_pitch_frequency``) on the
  same two tracks;
* pitch accuracy: median F0 of buzzes at known frequencies (70-350 Hz), ours
  and torchaudio's, as relative error;
* false agitation on calm turns and detection of raised turns: the committed
  recordings (``data/sample/recordings``), and synthetic calls of two espeak-ng
  voices on one mono track reading the sample scripts' lines (English and
  Mandarin) calmly with natural-ish jitter (speed, pitch, amplitude varied per
  turn) plus turns with speed, pitch and amplitude all raised; ours (each
  speaker against their own median) and the plain baseline (every turn against
  the call's median, all speakers pooled), same thresholds;
* real read speech (``../shared/datasets/audio_zh_aishell_wenet``, skipped when
  absent): pitch and how far thirds of one calm utterance drift from their median.

Writes ``outputs/bench/speech_intelligence/voice.json``. Asserts only that the
run finishes and that the calm committed turns are not flagged.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

import workbench
from workbench import paths
from workbench.sample.audio import SCRIPTS
from workbench.speech.audio import load_recording, speaker_tracks
from workbench.speech.voice import VOICE_CUES_VERSION, voice_cues

from speech.test_voice import RAISED, build_call

RATE_HZ = 16_000
SHARED = Path(workbench.__file__).resolve().parents[2] / "shared" / "datasets" / "audio_zh_aishell_wenet"


def _recording_segments(wav: Path) -> pd.DataFrame:
    meta = json.loads(wav.with_suffix(".json").read_text(encoding="utf-8"))
    return pd.DataFrame([{"call_id": meta["call_id"], "segment_index": i, "speaker_role": s["speaker"],
                          "start_seconds": s["start"], "end_seconds": s["end"], "text": s["text"]}
                         for i, s in enumerate(meta["segments"])])  # fmt: skip


def _pooled(segments: pd.DataFrame, tracks) -> pd.DataFrame:
    """The plain baseline: every turn against the call's median, speakers pooled (one role)."""
    if isinstance(tracks, dict):
        tracks = sum(tracks.values())
    return voice_cues(segments.assign(speaker_role="all"), tracks)


def _speed() -> dict:
    calls = sorted((paths.sample_dir() / "recordings").glob("rec_en_*.wav"))
    lefts, rights, frames, offset = [], [], [], 0.0
    while offset < 300:
        for wav in calls:
            tracks = speaker_tracks(load_recording(wav))
            lefts.append(tracks["agent"])
            rights.append(tracks["customer"])
            segments = _recording_segments(wav)
            frames.append(segments.assign(start_seconds=segments["start_seconds"] + offset,
                                          end_seconds=segments["end_seconds"] + offset))  # fmt: skip
            offset += tracks["agent"].size / RATE_HZ
    tracks = {"agent": np.concatenate(lefts), "customer": np.concatenate(rights)}
    segments = pd.concat(frames, ignore_index=True).assign(call_id="long", segment_index=lambda f: f.index)
    voice_cues(segments.head(3), tracks)  # imports
    ours = []
    for _ in range(3):
        wall, cpu = time.perf_counter(), time.process_time()
        voice_cues(segments, tracks)
        ours.append((time.perf_counter() - wall, time.process_time() - cpu))
    import torch
    import torchaudio.functional as F

    torch.set_num_threads(1)
    plain = []
    for _ in range(2):
        wall, cpu = time.perf_counter(), time.process_time()
        for track in tracks.values():
            F.detect_pitch_frequency(torch.from_numpy(track), RATE_HZ, freq_low=60)
        plain.append((time.perf_counter() - wall, time.process_time() - cpu))
    best, best_plain = min(ours), min(plain)
    return {"audio_seconds": round(offset, 1), "segments": len(segments),
            "ours_wall_seconds": round(best[0], 3), "ours_cpu_seconds": round(best[1], 3),
            "torchaudio_pitch_only_wall_seconds": round(best_plain[0], 3),
            "torchaudio_pitch_only_cpu_seconds": round(best_plain[1], 3),
            "ratio_ours_over_torchaudio_wall": round(best[0] / best_plain[0], 2)}  # fmt: skip


def _pitch_accuracy() -> dict:
    import torch
    import torchaudio.functional as F

    t = np.arange(RATE_HZ) / RATE_HZ
    ours, plain = {}, {}
    segment = pd.DataFrame({"segment_index": [0], "speaker_role": ["a"], "start_seconds": [0.0],
                            "end_seconds": [1.0], "text": ["x"]})  # fmt: skip
    for hz in (70, 100, 150, 220, 350):
        # A glottal-like buzz: harmonics falling 6 dB per octave, plus a little noise.
        buzz = sum(np.sin(2 * np.pi * k * hz * t) / k for k in range(1, int(3500 / hz)))
        buzz = (0.05 * buzz + np.random.default_rng(hz).normal(0, 0.003, t.size)).astype(np.float32)
        ours[hz] = float(voice_cues(segment, buzz)["pitch_hz"].iloc[0]) / hz - 1
        plain[hz] = float(F.detect_pitch_frequency(torch.from_numpy(buzz), RATE_HZ, freq_low=60).median()) / hz - 1
    return {"relative_error_ours": {str(k): round(v, 4) for k, v in ours.items()},
            "relative_error_torchaudio": {str(k): round(v, 4) for k, v in plain.items()}}  # fmt: skip


def _committed() -> dict:
    turns = eligible = flagged = pooled_flagged = 0
    for wav in sorted((paths.sample_dir() / "recordings").glob("*.wav")):
        segments, tracks = _recording_segments(wav), speaker_tracks(load_recording(wav))
        cues = voice_cues(segments, tracks)
        turns += len(cues)
        eligible += int(cues["pitch_relative"].notna().sum())
        flagged += int(cues["agitated"].sum())
        pooled_flagged += int(_pooled(segments, tracks)["agitated"].sum())
    return {"turns": turns, "turns_with_a_baseline": eligible, "flagged_ours": flagged,
            "flagged_call_wide_baseline": pooled_flagged}  # fmt: skip


def _synthetic_call(language: str, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """One synthetic call: (ours, call-wide baseline, which turns were raised)."""
    rng = np.random.default_rng(seed)
    scripts = [s for s in SCRIPTS if s.language == language]
    voices = {"en": {"agent": "en-us", "customer": "en-us+f3"},
              "zh": {"agent": "cmn-latn-pinyin+f3", "customer": "cmn-latn-pinyin+m3"}}[language]  # fmt: skip
    turns = []
    for script in scripts:
        for line in script.lines:
            turns.append({"role": line.speaker, "voice": voices[line.speaker], "text": line.text,
                          "spoken": line.pinyin or line.text, "speed": int(rng.normal(160, 12)),
                          "pitch": int(np.clip(rng.normal(50, 6), 0, 99)),
                          "amplitude": int(rng.normal(100, 12)), "raised": False})  # fmt: skip
    for role in ("agent", "customer"):
        own = [t for t in turns if t["role"] == role]
        for i in rng.choice(len(own), size=2, replace=False):
            turns.append({**own[i], **RAISED, "raised": True})
    turns = [turns[i] for i in rng.permutation(len(turns))]
    segments, track = build_call(turns, seed=seed)
    return voice_cues(segments, track), _pooled(segments, track), np.array([t["raised"] for t in turns])


def _synthetic(language: str, seeds: range) -> dict:
    calls = [_synthetic_call(language, seed) for seed in seeds]
    ours = pd.concat([c[0] for c in calls], ignore_index=True)
    pooled = pd.concat([c[1] for c in calls], ignore_index=True)
    raised = np.concatenate([c[2] for c in calls])
    calm = ours.loc[~raised]
    cues = ("pitch_relative", "loudness_relative_db", "speaking_rate_relative")
    return {"calls": len(calls), "calm_turns": int((~raised).sum()), "raised_turns": int(raised.sum()),
            "false_agitation_ours": round(float(ours.loc[~raised, "agitated"].mean()), 3),
            "false_agitation_call_wide_baseline": round(float(pooled.loc[~raised, "agitated"].mean()), 3),
            "detected_ours": round(float(ours.loc[raised, "agitated"].mean()), 3),
            "detected_call_wide_baseline": round(float(pooled.loc[raised, "agitated"].mean()), 3),
            "calm_range_ours": {c: [round(float(calm[c].min()), 2), round(float(calm[c].max()), 2)] for c in cues},
            "raised_min_ours": {c: round(float(ours.loc[raised, c].min()), 2) for c in cues}}  # fmt: skip


def _real_speech() -> dict:
    out = {}
    for name in ("aishell-BAC009S0724W0121", "librispeech-1995-1837-0001"):
        wav = SHARED / f"{name}.wav"
        if not wav.exists():
            return {"skipped": "../shared/datasets not present"}
        track = load_recording(wav).channels[0]
        seconds = track.size / RATE_HZ
        thirds = pd.DataFrame({"segment_index": [0, 1, 2], "speaker_role": "reader",
                               "start_seconds": [0, seconds / 3, 2 * seconds / 3],
                               "end_seconds": [seconds / 3, 2 * seconds / 3, seconds], "text": "x"})  # fmt: skip
        cues = voice_cues(thirds, track)
        out[name] = {"pitch_hz": [round(v, 1) for v in cues["pitch_hz"]],
                     "pitch_relative": [round(v, 3) for v in cues["pitch_relative"]],
                     "loudness_relative_db": [round(v, 2) for v in cues["loudness_relative_db"]]}  # fmt: skip
    return out


def test_voice_cues_benchmark():
    result = {
        "voice_cues_version": VOICE_CUES_VERSION,
        "speed_5_minutes_stereo": _speed(),
        "pitch_accuracy_buzz": _pitch_accuracy(),
        "committed_recordings": _committed(),
        "synthetic_en": _synthetic("en", range(1, 4)),
        "synthetic_zh": _synthetic("zh", range(11, 17)),
        "real_read_speech": _real_speech(),
    }
    out = paths.outputs_dir() / "bench" / "speech_intelligence"
    out.mkdir(parents=True, exist_ok=True)
    (out / "voice.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    assert result["committed_recordings"]["flagged_ours"] == 0
