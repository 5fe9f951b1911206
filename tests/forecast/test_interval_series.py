"""Forecast series and staffing plans from ACD interval reports alone, and series split by a custom dimension."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench.errors import ParameterError
from workbench.forecast.series import interval_stats_history, interval_volumes, resolve_volume_source
from workbench.ingest import ingest_files
from workbench.pipelines.staffing import load_history, run_staffing_forecast
from workbench.store import Store, readers


@pytest.fixture(scope="module")
def nine_day_stores(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(store of a 9-day sample's call records, store of only their 30-minute interval report)."""
    from sample_centre import generate_sample, ingest_sample, interval_report_store

    folder = tmp_path_factory.mktemp("nine_days")
    sample = generate_sample(folder / "sample", days=9, seed=2)
    calls_store = ingest_sample(sample, folder / "calls.duckdb", exports=(("acd_calls.csv", "sample_acd"),))
    return calls_store, interval_report_store(calls_store, folder)


def test_the_source_is_chosen_and_the_series_agree(nine_day_stores: tuple[Path, Path]) -> None:
    calls_store, interval_store = nine_day_stores
    with Store(calls_store, read_only=True) as store:
        assert resolve_volume_source(store) == "calls"
        from_calls = load_history(store)
    with Store(interval_store, read_only=True) as store:
        assert store.count_calls() == 0
        assert resolve_volume_source(store) == "interval_stats"
        assert resolve_volume_source(store, "calls") == "calls"
        with pytest.raises(ParameterError, match="unknown volume source 'acd'"):
            resolve_volume_source(store, "acd")
        from_reports = load_history(store)
        hourly, _, _ = interval_stats_history(store, 60)
        with pytest.raises(ParameterError, match="30-minute rows"):
            interval_stats_history(store, 15)
        with pytest.raises(ParameterError, match="no custom dimensions"):
            load_history(store, group_by="region")
    assert from_reports.volume_source == "interval_stats" and from_calls.volume_source == "calls"
    assert "interval reports" in from_reports.notes[0] and "no call records" in from_reports.notes[0]
    # Offered calls per queue and interval: the same series, zeros and whole days included.
    pd.testing.assert_frame_equal(from_reports.volumes, from_calls.volumes, check_dtype=False)
    # Handle time: the report's whole-second AHT per interval, weighted by the same answered calls.
    merged = from_reports.handle_times.merge(from_calls.handle_times, on=["unique_id", "ds"])
    assert len(merged) == len(from_calls.handle_times)
    assert (merged["answered_x"] == merged["answered_y"]).all()
    assert np.nanmax(np.abs(merged["y_x"] - merged["y_y"])) <= 0.5
    assert merged["y_x"].isna().equals(merged["y_y"].isna())
    assert hourly["y"].sum() == from_reports.volumes["y"].sum() and len(hourly) * 2 == len(from_reports.volumes)


def test_a_backtest_and_a_staffing_plan_from_interval_reports_alone(nine_day_stores: tuple[Path, Path],
                                                                     tmp_path: Path) -> None:
    calls_store, interval_store = (shutil.copy(p, tmp_path / f"{i}.duckdb") for i, p in enumerate(nine_day_stores))
    settings = {"forecast_model": "profile", "backtest_folds": 1, "horizon_days": 1, "erlang_a": True}
    from_reports = run_staffing_forecast(store_path=str(interval_store), run_id="reports", **settings)
    from_calls = run_staffing_forecast(store_path=str(calls_store), run_id="calls", **settings)
    assert from_reports.volume_source == "interval_stats"
    assert any("Erlang C" in note for note in from_reports.notes)  # no waits of abandoned calls: no patience
    assert len(from_reports.backtest) and from_reports.backtest["mase"].notna().all()
    backtests = from_reports.backtest.merge(from_calls.backtest, on=["unique_id", "model", "fold"])
    assert len(backtests) == len(from_calls.backtest) and np.allclose(backtests["mase_x"], backtests["mase_y"])
    pd.testing.assert_frame_equal(from_reports.forecast, from_calls.forecast)
    plan = from_reports.staffing
    assert len(plan) == len(from_calls.staffing) and plan["raw_agents"].sum() > 0
    assert (plan["mean_patience_seconds"] == np.inf).all()
    assert from_reports.stored == {"forecasts": len(from_reports.forecast), "staffing": len(plan)}
    with Store(interval_store, read_only=True) as store:
        assert readers.run_volume_source(store, "reports") == "interval_stats"
        assert len(readers.staffing_plan(store, "reports")) == len(plan)
    with Store(calls_store, read_only=True) as store:
        assert readers.run_volume_source(store, "calls") == "calls"
    # Erlang C on both sides: the plans differ only by the report's whole-second AHT.
    erlang_c = {**settings, "erlang_a": False, "backtest_folds": 0}
    reports_c = run_staffing_forecast(store_path=str(interval_store), run_id="reports-c", write=False, **erlang_c)
    calls_c = run_staffing_forecast(store_path=str(calls_store), run_id="calls-c", write=False, **erlang_c)
    difference = (reports_c.staffing["raw_agents"] - calls_c.staffing["raw_agents"]).abs()
    assert difference.max() <= 1
    assert abs(reports_c.staffing["raw_agents"].sum() / calls_c.staffing["raw_agents"].sum() - 1) < 0.02


def test_an_answered_only_daily_report_says_what_its_series_hold(tmp_path: Path) -> None:
    rows = pd.DataFrame({"queue_id": "intake", "interval_start": pd.date_range("2026-01-05", periods=4, freq="h"),
                         "interval_minutes": 60, "offered": None, "answered": [3, 4, 0, 5],
                         "aht_seconds": [300.0, 200.0, None, 100.0]})
    with Store(tmp_path / "w.duckdb") as store:
        store.write_batch({"interval_stats": rows})
        volumes, handle, notes = interval_stats_history(store, 60)
    assert notes == ["intake: the report gives answered calls only, so its series is of answered calls "
                     "(calls offered but abandoned are unknown and not forecast)"]
    assert len(volumes) == 24 and volumes["y"].sum() == 12
    assert handle["y"].dropna().tolist() == [300.0, 200.0, 100.0]


def _dimension_store(path: Path) -> Path:
    arrived = pd.Timestamp("2026-01-05 09:00") + pd.to_timedelta([0, 60, 1900, 2000, 4000], unit="s")
    calls = pd.DataFrame({"call_id": list("abcde"), "queue_id": ["billing_zh"] * 4 + ["sales_zh"],
                          "arrived_at": arrived, "outcome": ["answered", "abandoned", "answered", "phantom", "answered"],
                          "wait_seconds": 10.0, "talk_seconds": [100.0, None, 200.0, None, 50.0],
                          "dim_region": ["north", "south", "north", "north", None]})
    catalogue = pd.DataFrame([{"table_name": "calls", "dimension": "region", "value_type": "category",
                               "column_name": "dim_region", "description": "Sales region", "profile": "test"}])
    with Store(path) as store:
        store.write_batch({"dimensions": catalogue, "calls": calls})
    return path


def test_series_split_by_a_custom_dimension(tmp_path: Path) -> None:
    with Store(_dimension_store(tmp_path / "w.duckdb")) as store:
        volumes = interval_volumes(store, 30, group_by="region")
        history = load_history(store, group_by="region")
        with pytest.raises(ParameterError, match="'tier' is not a dimension of the calls; known: region"):
            interval_volumes(store, 30, group_by="tier")
    totals = volumes.groupby("unique_id")["y"].sum().to_dict()
    assert totals == {"billing_zh|region=north": 2.0, "billing_zh|region=south": 1.0,
                      "sales_zh|region=(unknown)": 1.0}
    assert any("split by the calls' region" in note for note in history.notes)
    handle = history.handle_times.dropna(subset=["y"])
    assert handle.groupby("unique_id")["y"].mean().to_dict() == {"billing_zh|region=north": 150.0,
                                                                  "sales_zh|region=(unknown)": 50.0}


def test_a_staffing_plan_per_dimension_value_takes_its_queue_patience() -> None:
    from workbench.pipelines.staffing import required_staffing

    load = pd.DataFrame({"queue_id": ["billing_zh|region=north", "billing_zh|region=south", "sales_zh"],
                         "interval_start": pd.Timestamp("2026-01-05 09:00"), "calls": 20.0, "aht_seconds": 300.0})
    patience = pd.DataFrame({"queue_id": ["billing_zh"], "mean_patience_seconds": [90.0]})
    plan = required_staffing(load, patience)
    assert plan.set_index("queue_id")["mean_patience_seconds"].to_dict() == {
        "billing_zh|region=north": 90.0, "billing_zh|region=south": 90.0, "sales_zh": np.inf}


TORONTO = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "toronto_central_intake_daily" / "raw_helpline.csv"


@pytest.mark.skipif(not TORONTO.is_file(), reason="needs ../shared/datasets/toronto_central_intake_daily")
def test_a_daily_backtest_on_the_real_toronto_report(tmp_path: Path) -> None:
    from workbench.forecast import backtest as bt

    ingest_files([TORONTO], "toronto_central_intake_daily", store_path=tmp_path / "w.duckdb",
                 rejects_dir=tmp_path / "rejects")
    with Store(tmp_path / "w.duckdb", read_only=True) as store:
        volumes, _, notes = interval_stats_history(store, 1440)
        with pytest.raises(ParameterError, match="1440-minute rows"):
            interval_stats_history(store, 60)
    assert len(volumes) == 1185 and volumes["y"].sum() == 735113 and "answered calls only" in notes[0]
    results = bt.backtest(volumes, ["mstl", "seasonal_naive"], folds=4, horizon_days=7, interval_minutes=1440)
    summary = bt.summarise_backtest(results).set_index("model")
    assert summary.loc["mstl", "folds"] == 4 and np.isfinite(summary["mase"]).all()
    # A trending real series: both are usable, MSTL (trend + weekly season) at least as good as last week.
    assert summary["wape"].max() < 0.3
    assert summary.loc["mstl", "mase"] <= summary.loc["seasonal_naive", "mase"] * 1.1


def test_a_history_without_handle_times_says_its_agents_come_out_as_zero(tmp_path: Path) -> None:
    rows = pd.DataFrame({"queue_id": "arrivals", "interval_start": pd.date_range("2026-01-05", periods=3, freq="30min"),
                         "interval_minutes": 30, "offered": [3, 4, 5]})
    with Store(tmp_path / "w.duckdb") as store:
        store.write_batch({"interval_stats": rows})
        history = load_history(store, volume_source="interval_stats")
    assert history.notes[-1] == ("No handle time in the history of arrivals: its workload, and so its agents, "
                                 "come out as 0.")
    assert "volume_source auto" not in history.notes[0]


def test_the_cli_backtests_a_store_of_interval_reports(nine_day_stores: tuple[Path, Path], tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from workbench.cli import app

    _, interval_store = nine_day_stores
    result = CliRunner().invoke(app, ["forecast", "backtest", "store", "--store", str(interval_store), "--folds", "1",
                                      "--horizon-days", "1", "--forecast-model", "profile",
                                      "--output", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    written = pd.read_csv(tmp_path / "out" / "backtest.csv")
    assert sorted(written["unique_id"].unique()) == ["billing_en", "billing_zh", "complaints_en", "complaints_zh",
                                                      "sales_en", "sales_zh", "tech_support_en", "tech_support_zh"]
    assert written["mase"].notna().all()


def test_a_staffing_run_per_dimension_value(tmp_path: Path) -> None:
    store_path = _dimension_store(tmp_path / "w.duckdb")
    run = run_staffing_forecast(store_path=str(store_path), run_id="by-region", group_by="region",
                                forecast_model="profile", backtest_folds=0, horizon_days=1)
    assert sorted(run.staffing["queue_id"].unique()) == ["billing_zh|region=north", "billing_zh|region=south",
                                                          "sales_zh|region=(unknown)"]
    assert run.forecast.groupby("unique_id")["yhat"].sum().gt(0).all()
    # South only ever abandoned: no handle time, so no agents (and no Erlang A on a zero AHT).
    south = run.staffing[run.staffing["queue_id"] == "billing_zh|region=south"]
    assert south["raw_agents"].eq(0).all() and (south["mean_patience_seconds"] == np.inf).all()
    assert any("No handle time in the history of billing_zh|region=south" in note for note in run.notes)
    with pytest.raises(Exception, match="lower-case letters"):
        run_staffing_forecast(store_path=str(store_path), group_by="Region", write=False)
    with Store(store_path, read_only=True) as store:
        assert sorted(readers.staffing_plan(store, "by-region")["queue_id"].unique())[0] == "billing_zh|region=north"
