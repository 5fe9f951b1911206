"""The staffing notebook run on a store holding only ACD interval reports says so and still plans."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest

from workbench.store import Store, readers


@pytest.mark.notebook
@pytest.mark.slow
def test_staffing_notebook_from_interval_reports_alone(centre_calls_store: Path, tmp_path: Path, monkeypatch) -> None:
    from workbench.ingest import ingest_files
    from workbench.reports.runner import run_notebook
    from workbench.sample.interval_report import write_interval_report

    with Store(centre_calls_store, read_only=True) as store:
        report = write_interval_report(store.read_table("calls"), tmp_path / "interval_report.csv")
    store_path = tmp_path / "intervals.duckdb"
    ingest_files([report], "sample_interval_report", store_path=store_path, rejects_dir=tmp_path / "rejects")
    monkeypatch.setenv("WORKBENCH_OUTPUTS_DIR", str(tmp_path / "outputs"))
    result = run_notebook("staffing_forecast", {"store_path": str(store_path)}, parameter_set="smoke")
    manifest = json.loads((result.run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "succeeded"
    store_input = next(i for i in manifest["inputs"] if i["name"] == "store")
    with Store(store_path, read_only=True) as store:
        assert store_input["rows"] == readers.table_row_count(store, "interval_stats") > 0
        run_id = result.run_dir.name
        assert readers.run_volume_source(store, run_id) == "interval_stats"
        assert len(readers.staffing_plan(store, run_id)) > 0
    page = html.unescape((result.run_dir / "report.html").read_text(encoding="utf-8"))
    assert "from the phone system's interval reports" in page
    assert "the store holds no call records" in page
