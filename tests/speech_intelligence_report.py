"""Merge the speech-intelligence benchmark parts into ``outputs/bench/speech_intelligence.json``.

Not a test module. ``make bench`` runs the benchmarks (``tests/bench_sentiment.py``,
``bench_sentiment_analytics.py``, ``bench_diarization.py``, ``bench_voice.py``, ``bench_mandarin.py``,
``bench_transcribe.py``),
each writing its part to ``outputs/bench/speech_intelligence/<part>.json``, then this script::

    .venv/bin/python tests/speech_intelligence_report.py

A part a benchmark did not write this time (a missing dataset, a skipped engine) is listed
under ``missing`` rather than silently left out.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PARTS_DIR = REPO / "outputs" / "bench" / "speech_intelligence"
REPORT = REPO / "outputs" / "bench" / "speech_intelligence.json"
#: Part -> what it measures (the issue's "Measured" list).
PARTS = {
    "sentiment": "sentiment accuracy and macro-F1 per language and model against the untuned package; texts per second",
    "diarization": "diarization error rate, role accuracy, real-time factor after warm-up, warm-up time",
    "voice": "voice cues on synthesised speech with known changes; false agitation on calm scripted calls",
    "mandarin": "Mandarin character error rate per clip and engine",
    "throughput": "transcription throughput of the default WhisperX path against plain faster-whisper",
    "sentiment_analytics": "negative share by queue-day and topic, the alert rule's cost, sentiment as a driver",
}


def merge(parts_dir: Path = PARTS_DIR, report: Path = REPORT) -> dict:
    """Read every part present, write the merged report (atomically) and return it."""
    merged: dict = {"generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "parts": {},
                    "missing": []}  # fmt: skip
    for name, meaning in PARTS.items():
        path = parts_dir / f"{name}.json"
        if path.exists():
            merged["parts"][name] = {"measures": meaning, **json.loads(path.read_text(encoding="utf-8"))}
        else:
            merged["missing"].append(name)
    report.parent.mkdir(parents=True, exist_ok=True)
    temporary = report.with_name(f".{report.name}.tmp")
    temporary.write_text(json.dumps(merged, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    temporary.replace(report)
    return merged


if __name__ == "__main__":
    result = merge()
    print(f"{REPORT.relative_to(REPO)}: parts {sorted(result['parts'])}, missing {result['missing']}")
    sys.exit(0)
