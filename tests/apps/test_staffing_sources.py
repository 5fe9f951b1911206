"""The staffing planner says whether a run's forecast came from call records or ACD interval reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.apps import StaffingApp
from workbench.params import StaffingAppParameters
from workbench.store import Store


def _source_html(app: StaffingApp) -> str:
    return app.body.children[0].value


@pytest.fixture(scope="module")
def interval_only_store(centre_calls_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding only the interval report of the shared sample's calls, and a staffing run made from it."""
    from workbench.ingest import ingest_files
    from workbench.pipelines.staffing import run_staffing_forecast
    from workbench.sample.interval_report import write_interval_report

    folder = tmp_path_factory.mktemp("interval_only")
    with Store(centre_calls_store, read_only=True) as store:
        report = write_interval_report(store.read_table("calls"), folder / "interval_report.csv")
    ingest_files([report], "sample_interval_report", store_path=folder / "w.duckdb", rejects_dir=folder / "rej")
    run = run_staffing_forecast(store_path=str(folder / "w.duckdb"), run_id="from-reports", backtest_folds=0,
                                horizon_days=1)
    assert run.volume_source == "interval_stats"
    return folder / "w.duckdb"


def test_staffing_app_names_interval_reports_as_the_source(interval_only_store: Path, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("WORKBENCH_OUTPUTS_DIR", str(tmp_path / "outputs"))
    app = StaffingApp(StaffingAppParameters(store_path=str(interval_only_store)))
    assert app.run_id == "from-reports"
    assert app.history_source() == "forecast from ACD interval reports (table interval_stats)"
    assert "ACD interval reports" in _source_html(app) and "wb-volume-source" in _source_html(app)
    # No call records: no patience estimate, and the app says Erlang C instead of claiming Erlang A.
    assert any("Erlang C (the store holds no call records" in notice for notice in app.notices)
    assert len(app.tables["requirements"]) > 0


def test_staffing_app_names_call_records_as_the_source(centre_app_store: Path, tmp_path, monkeypatch) -> None:
    from sample_centre import copy_store

    monkeypatch.setenv("WORKBENCH_OUTPUTS_DIR", str(tmp_path / "outputs"))
    app = StaffingApp(StaffingAppParameters(store_path=str(copy_store(centre_app_store, tmp_path / "store"))))
    assert app.history_source() == "forecast from call records (table calls)"
    assert "call records" in _source_html(app)
