"""Pipelines: the staffing forecast run end to end equals its steps, and the apps' readers find what it stored."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from workbench.errors import InputDataError
from workbench.forecast.backtest import forecast_store_rows
from workbench.params import validate_parameters
from workbench.pipelines import staffing as pipeline
from workbench.staffing.erlang import staffing_store_rows
from workbench.store import Store
from workbench.store.readers import batches, forecast_run, latest_run_id, run_ids, staffing_plan

from sample_centre import copy_store

# Two days of history: Prophet falls back to the slot-of-week profile; no backtest fold fits.
QUICK = {"horizon_days": 1, "backtest_folds": 0}


@pytest.fixture()
def store_path(centre_calls_store, tmp_path) -> Path:
    return copy_store(centre_calls_store, tmp_path)


@pytest.fixture(scope="module")
def quick_run(centre_calls_store, tmp_path_factory) -> tuple[Path, pipeline.StaffingForecast]:
    """One pipeline run on a copy of the two-day store, shared by the read-only checks below."""
    store_path = copy_store(centre_calls_store, tmp_path_factory.mktemp("pipeline"))
    return store_path, pipeline.run_staffing_forecast(store_path=str(store_path), run_id="r1", **QUICK)


def test_staffing_pipeline_writes_a_run_the_staffing_app_reads(quick_run):
    store_path, run = quick_run
    assert run.stored == {"forecasts": len(run.forecast), "staffing": len(run.staffing)} and len(run.staffing) > 0
    with Store(store_path, read_only=True) as store:
        assert latest_run_id(store, "staffing") == "r1" and latest_run_id(store, "forecasts") == "r1"
        plan = staffing_plan(store, "r1")
        forecast = forecast_run(store, "r1")
        batch = batches(store, ["staffing_forecast-r1"])
    assert batch[["kind", "status"]].values.tolist() == [["staffing_forecast", "succeeded"]], \
        "forecast and plan are written in one batch named after the run"
    expected = staffing_store_rows(run.staffing, "r1")
    got = plan[list(expected.columns)].sort_values(["queue_id", "interval_start"], ignore_index=True)
    pd.testing.assert_frame_equal(got, expected.sort_values(["queue_id", "interval_start"], ignore_index=True),
                                  check_dtype=False)
    stored = forecast_store_rows(run.forecast, "r1", run.plan["model"])
    assert len(forecast) == len(stored) and forecast["yhat"].sum() == pytest.approx(stored["yhat"].sum())


def test_staffing_pipeline_equals_its_steps(quick_run):
    store_path, run = quick_run
    params = validate_parameters("staffing_forecast", {"store_path": str(store_path), **QUICK})
    minutes = params.interval_minutes
    with Store(store_path, read_only=True) as store:
        volumes, handle_times = pipeline.interval_history(store, interval_minutes=minutes, queues=params.queues)
        patience = pipeline.queue_patience(store, short_abandon_seconds=params.short_abandon_seconds)
    plan = pipeline.plan_forecast(volumes, forecast_model=params.forecast_model, backtest_folds=params.backtest_folds,
                                  horizon_days=params.horizon_days)
    assert plan["model"] == "profile" and plan["folds"] == 0 and plan == run.plan
    backtest = pipeline.run_backtest(volumes, plan, horizon_days=params.horizon_days, interval_minutes=minutes)
    forecast = pipeline.forecast_volumes(volumes, plan, horizon_days=params.horizon_days, interval_minutes=minutes)
    load = pipeline.forecast_workload(handle_times, forecast, aht_statistic=params.aht_statistic,
                                      interval_minutes=minutes)
    staffing = pipeline.required_staffing(load, patience, erlang_a=params.erlang_a, **params.staffing_arguments())
    for step, whole in [(volumes, run.volumes), (handle_times, run.handle_times), (patience, run.patience),
                        (backtest, run.backtest), (forecast, run.forecast), (load, run.workload),
                        (staffing, run.staffing),
                        (pipeline.weekly_totals(staffing, interval_minutes=minutes), run.weekly_totals)]:
        pd.testing.assert_frame_equal(step, whole)
    assert backtest.empty and list(backtest.columns) == ["unique_id", "model", "fold", "cutoff", "mase", "wape"]
    assert (staffing["mean_patience_seconds"] < math.inf).any(), "Erlang A uses the queues' estimated patience"


def test_queue_families_erlang_c_and_no_write(store_path):
    run = pipeline.run_staffing_forecast(store_path=str(store_path), run_id="billing", queues=["billing"],
                                         erlang_a=False, write=False, **QUICK)
    assert set(run.staffing["queue_id"]) == {"billing_en", "billing_zh"}
    assert (run.staffing["mean_patience_seconds"] == math.inf).all()
    assert run.stored == {}
    with Store(store_path, read_only=True) as store:
        assert run_ids(store, "staffing") == []


def test_a_parameter_model_with_overrides(store_path):
    params = validate_parameters("staffing_forecast", {"store_path": str(store_path), **QUICK})
    run = pipeline.run_staffing_forecast(params, run_id="t30", target_answer_seconds=30, write=False)
    assert (run.staffing["target_answer_seconds"] == 30).all()
    assert params.target_answer_seconds == 20, "the model passed in is not changed"


def test_weekly_totals_are_agent_hours_from_the_first_day():
    staffing = pd.DataFrame({
        "queue_id": ["q"] * 3, "interval_start": pd.to_datetime(["2026-03-02 09:00", "2026-03-08 09:30",
                                                                  "2026-03-09 10:00"]),
        "calls": [10.0, 20.0, 30.0], "raw_agents": [2, 4, 6], "scheduled_agents": [3, 5, 8],
    })
    before = staffing.copy()
    totals = pipeline.weekly_totals(staffing, interval_minutes=30)
    assert totals["week_start"].dt.strftime("%Y-%m-%d").tolist() == ["2026-03-02", "2026-03-09"]
    assert totals["raw_agent_hours"].tolist() == [3.0, 3.0] and totals["scheduled_agent_hours"].tolist() == [4.0, 4.0]
    assert totals["peak_scheduled_agents"].tolist() == [5, 8] and totals["calls"].tolist() == [30.0, 30.0]
    pd.testing.assert_frame_equal(staffing, before)
    with pytest.raises(InputDataError, match="raw_agents"):
        pipeline.weekly_totals(staffing.drop(columns="raw_agents"))
