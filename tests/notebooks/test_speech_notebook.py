"""The transcription notebook, run as a scheduler runs it: `workbench run transcription_overview --params demo`."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from typer.testing import CliRunner

from workbench.cli import app
from workbench.paths import sample_dir
from workbench.store import Store

CDN = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|cdnjs|unpkg\.com|jsdelivr""", re.IGNORECASE)
RECORDINGS = sorted((sample_dir() / "recordings").glob("*.wav"))


@pytest.mark.notebook
@pytest.mark.slow
@pytest.mark.asr
def test_demo_run_transcribes_the_sample_recordings_and_a_rerun_skips_them(tmp_path, monkeypatch):
    outputs = tmp_path / "outputs"
    monkeypatch.setenv("WORKBENCH_OUTPUTS_DIR", str(outputs))
    store = tmp_path / "warehouse.duckdb"
    arguments = ["run", "transcription_overview", "--params", "demo", "-p", f"store_path={store}"]

    first = CliRunner().invoke(app, arguments)
    assert first.exit_code == 0, first.output
    run_dir = outputs / "transcription_overview" / (outputs / "transcription_overview" / "LATEST").read_text().strip()
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "succeeded" and manifest["parameter_set"] == "demo"
    assert sorted(i["name"] for i in manifest["inputs"]) == [p.stem for p in RECORDINGS]
    outputs_written = {o["path"] for o in manifest["outputs"]}
    for path in RECORDINGS:
        assert f"transcripts/{path.stem}.json" in outputs_written and f"transcripts/{path.stem}.vtt" in outputs_written
    summary = pd.read_csv(run_dir / "tables" / "transcription_summary.csv")
    assert summary["status"].tolist() == ["succeeded"] * len(RECORDINGS), summary.to_dict("records")
    languages = dict(zip(summary["call_id"], summary["language"]))
    assert languages == {"rec_en_001": "en", "rec_en_002": "en", "rec_en_003": "en", "rec_zh_001": "zh"}

    with Store(store, read_only=True) as opened:
        counts = opened.table_counts()
        segments = opened.read_table("transcript_segments")
    assert counts["speech_metrics"] == len(RECORDINGS) and counts["compliance_results"] > 0
    assert set(segments["speaker_role"]) == {"agent", "customer"}
    assert "0142" not in " ".join(segments["text"]), "PII reached the store"

    report = (run_dir / "report.html").read_text(encoding="utf-8")
    assert CDN.search(report) is None, CDN.search(report).group(0)
    assert ("<svg" in report or "<img" in report) and "Customer" in report and "Agent" in report
    assert "[PHONE]" in report and "0142" not in report
    assert "validate_parameters" not in report, "report.html shows code"
    # Sentiment and voice cues are stored with every transcript and shown: the per-call table and the trend.
    assert segments["sentiment_label"].notna().all() and segments["agitated"].notna().all()
    feelings = pd.read_csv(run_dir / "tables" / "call_sentiment.csv")
    assert sorted(feelings["call_id"]) == sorted(p.stem for p in RECORDINGS)
    assert feelings["customer_sentiment_start"].between(-1, 1).all()
    assert set(feelings["speaker_source"]) == {"channels"}
    assert "How the customer felt" in report
    assert any(o.startswith("figures/sentiment_trend_") for o in outputs_written)  # the chart's text is drawn as paths

    second = CliRunner().invoke(app, arguments)
    assert second.exit_code == 0, second.output
    latest = outputs / "transcription_overview" / (outputs / "transcription_overview" / "LATEST").read_text().strip()
    assert latest != run_dir
    again = pd.read_csv(latest / "tables" / "transcription_summary.csv")
    assert again["status"].tolist() == ["skipped"] * len(RECORDINGS)
    with Store(store, read_only=True) as opened:
        assert opened.table_counts() == counts
    assert (latest / "transcripts" / "rec_en_001.json").read_text() == (run_dir / "transcripts" / "rec_en_001.json").read_text()
