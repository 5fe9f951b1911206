"""CSV files people open: every writer neutralises cells a spreadsheet would run as formulas."""

from __future__ import annotations

import io
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from workbench.cli import app
from workbench.csvfiles import csv_text, neutralise, read_csv, write_csv

HOSTILE = "=cmd|' /C calc'!A0"
runner = CliRunner()


def _cells(text: str) -> set[str]:
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    return set(frame.columns) | set(frame.to_numpy().ravel())


def _assert_neutralised(text: str) -> None:
    cells = _cells(text)
    assert "'" + HOSTILE in cells
    assert HOSTILE not in cells


def test_text_cells_get_an_apostrophe_numbers_do_not():
    frame = pd.DataFrame({
        "text": [HOSTILE, "+SUM(1)", "-2+3", "@A1", "\tx", "\r=1", "-3.5", "+86", "1e3", "plain", None],
        "number": [-3.5, 1.0, -2.0, 0.0, 1.0, 2.0, -1.0, 3.0, 4.0, 5.0, np.nan],
    })
    out = neutralise(frame)
    assert out["text"].tolist()[:6] == ["'" + HOSTILE, "'+SUM(1)", "'-2+3", "'@A1", "'\tx", "'\r=1"]
    assert out["text"].tolist()[6:10] == ["-3.5", "+86", "1e3", "plain"]  # plain numbers as text stay
    assert out["number"].tolist()[:3] == [-3.5, 1.0, -2.0] and out["number"].dtype == float
    assert frame["text"][0] == HOSTILE  # the argument is not modified
    assert list(neutralise(pd.DataFrame({"=x": [1]})).columns) == ["'=x"]


def test_files_read_back_as_written(tmp_path):
    frame = pd.DataFrame({"id": ["-1a", "c2"], "label": [HOSTILE, "ok"], "n": [-1, 2]})
    path = write_csv(frame, tmp_path / "t.csv")
    assert "'" + HOSTILE in path.read_text()
    pd.testing.assert_frame_equal(read_csv(path), frame)


def test_values_already_starting_with_an_apostrophe_survive_the_round_trip(tmp_path):
    frame = pd.DataFrame({"label": ["'=1+2", "''@x", "'plain", "=y"]})
    path = write_csv(frame, tmp_path / "t.csv")
    assert "''=1+2" in path.read_text()
    pd.testing.assert_frame_equal(read_csv(path), frame)


def test_kpis_csv_output(tmp_path):
    from workbench.store import Store

    store = tmp_path / "w.duckdb"
    calls = pd.DataFrame({
        "call_id": ["a", "b"], "queue_id": [HOSTILE, "sales_en"],
        "arrived_at": pd.to_datetime(["2026-01-05 09:00", "2026-01-05 09:10"]),
        "wait_seconds": [10.0, 60.0], "outcome": ["answered", "abandoned"],
    })
    with Store(store) as opened:
        opened.write_batch({"calls": calls}, batch_id="t")
    result = runner.invoke(app, ["kpis", "--store", str(store), "--by", "queue", "--format", "csv"])
    assert result.exit_code == 0, result.output
    _assert_neutralised(result.output)
    table = pd.read_csv(io.StringIO(result.output))
    assert table["offered"].tolist() == [1, 1]


def test_forecast_and_backtest_csv(tmp_path, monkeypatch):
    import workbench.cli as cli
    import workbench.forecast.backtest as backtest

    series = pd.DataFrame({"unique_id": [HOSTILE], "ds": pd.to_datetime(["2026-01-05"]), "y": [-1.5]})
    monkeypatch.setattr(cli, "_forecast_inputs", lambda *args: (series, {}))
    monkeypatch.setattr(backtest, "forecast", lambda *args, **kwargs: series.rename(columns={"y": "yhat"}))
    scores = pd.DataFrame({"unique_id": [HOSTILE], "model": ["naive"], "fold": [1], "mase": [-0.5], "wape": [0.1]})
    monkeypatch.setattr(backtest, "backtest", lambda *args, **kwargs: scores)
    monkeypatch.setattr(backtest, "summarise_backtest", lambda result: result)
    for command, name in (("fit", "forecast.csv"), ("backtest", "backtest.csv")):
        result = runner.invoke(app, ["forecast", command, "store", "--output", str(tmp_path)])
        assert result.exit_code == 0, result.output
        text = (tmp_path / name).read_text()
        _assert_neutralised(text)
        assert "-0.5" in text or "-1.5" in text  # numbers stay numbers


def test_drivers_csv(tmp_path, monkeypatch):
    import workbench.drivers as drivers

    table = pd.DataFrame({"model": ["logistic"], "rank": [1], "feature": [HOSTILE], "effect": [-0.25],
                          "ci_low": [-0.5], "ci_high": [0.0], "direction": ["lowers"]})
    analysis = SimpleNamespace(drivers=table, notes=[], disagreements=pd.DataFrame(), weighting_summary={},
                               drivers_csv=lambda: table)
    monkeypatch.setattr(drivers, "read_driver_file", lambda path: pd.DataFrame())
    monkeypatch.setattr(drivers, "analyse_drivers", lambda *args, **kwargs: analysis)
    result = runner.invoke(app, ["drivers", str(tmp_path / "in.csv"), "--output", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "out" / "drivers.csv").read_text()
    _assert_neutralised(text)
    assert ",-0.25," in text


def test_topic_assignments_printed_and_written(tmp_path, monkeypatch):
    import workbench.topics.pipeline as pipeline

    run = SimpleNamespace(topics=pd.DataFrame({"topic": [0], "label": [HOSTILE]}))
    monkeypatch.setattr(pipeline, "load_run", lambda folder: run)
    monkeypatch.setattr(pipeline, "assign_topics",
                        lambda run_, docs: pd.DataFrame({"id": ["c1"], "topic": [0], "probability": [0.9]}))
    monkeypatch.setattr(pipeline, "load_texts", lambda *args, **kwargs: pd.DataFrame({"id": ["c1"], "text": ["x"]}))
    printed = runner.invoke(app, ["topics", "assign", "x.csv", "--topic-run", str(tmp_path)])
    assert printed.exit_code == 0, printed.output
    _assert_neutralised(printed.output)
    written = runner.invoke(app, ["topics", "assign", "x.csv", "--topic-run", str(tmp_path), "--output", str(tmp_path / "o")])
    assert written.exit_code == 0, written.output
    _assert_neutralised((tmp_path / "o" / "assignments.csv").read_text())


def test_topic_run_folder_tables(tmp_path):
    from workbench.topics.model import save_run

    saver = SimpleNamespace(save=lambda *args, **kwargs: None, backend="tfidf_svd", model_ref=None)
    run = SimpleNamespace(
        embedder=saver, model=saver, centroids={0: np.zeros(2)}, id_map={0: 0}, info={}, language_means={},
        assignments=pd.DataFrame({"id": [HOSTILE], "topic": [0], "probability": [0.5]}),
        topics=pd.DataFrame({"topic": [0], "label": ["ok"], "examples": [HOSTILE]}),
    )
    folder = save_run(run, tmp_path / "run")
    for name in ("assignments.csv", "topics.csv"):
        _assert_neutralised((folder / name).read_text())
    assert read_csv(folder / "topics.csv")["examples"][0] == HOSTILE  # read back as it was


def test_run_tables(tmp_path, monkeypatch):
    from workbench.reports.record import RUN_DIR_ENV, save_table

    monkeypatch.setenv(RUN_DIR_ENV, str(tmp_path))
    path = save_table(pd.DataFrame({"queue_id": [HOSTILE], "offered": [-1]}), "kpis")
    _assert_neutralised(Path(path).read_text(encoding="utf-8-sig"))
    assert Path(path).read_bytes().startswith(b"\xef\xbb\xbf")  # a table for people: Excel needs the mark


def test_staffing_export(tmp_path):
    from workbench.apps.staffing import StaffingApp

    result = pd.DataFrame({"queue_id": [HOSTILE], "interval_start": pd.to_datetime(["2026-01-05 09:00"]),
                           "calls": [3.0], "raw_agents": [-1]})
    stub = SimpleNamespace(tables={"requirements": result}, export_link=SimpleNamespace(value=""), run_id="r1",
                           queue=SimpleNamespace(value="billing_zh"), interface_language=None)
    for name in ("_export_csv",):  # the export's helpers, when the app has them, bound to the stub
        if hasattr(StaffingApp, name):
            setattr(stub, name, getattr(StaffingApp, name).__get__(stub))
    path = StaffingApp.export_csv(stub, folder=tmp_path)
    _assert_neutralised(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("text", ["-3.5", "+7", ".5", "-1E-3"])
def test_plain_numbers_as_text_are_kept(text):
    assert _cells(csv_text(pd.DataFrame({"v": [text]}))) == {"v", text}
