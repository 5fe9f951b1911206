"""A small store for trying, testing and timing the apps without running ``make demo``.

Generates a short sample call centre, ingests its calls, surveys and agent
states, and stores a one-day staffing run the way the staffing notebook does
(forecast = the last day's volumes a day later; Erlang C with the notebook's
default settings). Takes a few seconds for two days.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

SAMPLE_RUN_ID = "sample-run"


def build_sample_store(folder: str | Path, *, days: int = 2, seed: int = 1, run_id: str = SAMPLE_RUN_ID) -> Path:
    """Create ``folder/warehouse.duckdb`` holding a ``days``-day sample and a staffing run; return its path."""
    from workbench.forecast.backtest import forecast_store_rows
    from workbench.forecast.series import interval_handle_times, interval_volumes
    from workbench.ingest import ingest_files
    from workbench.params import StaffingForecastParameters
    from workbench.sample.generate import generate_call_centre
    from workbench.staffing.erlang import staffing_requirements, staffing_store_rows
    from workbench.store import Store

    folder = Path(folder)
    sample = folder / "sample"
    generate_call_centre(sample, days=days, seed=seed, transcript_calls=0)
    store_path = folder / "warehouse.duckdb"
    exports = sample / "exports"
    for export, profile in [("acd_calls.csv", "sample_acd"), ("surveys.csv", "sample_surveys"),
                            ("agent_states.csv", "sample_agent_states")]:
        ingest_files([exports / export], profile, store_path=store_path, rejects_dir=folder / "rejects")
    defaults = StaffingForecastParameters()
    with Store(store_path) as store:
        volumes = interval_volumes(store, defaults.interval_minutes)
        handle = interval_handle_times(store, defaults.interval_minutes)
        last_day = volumes["ds"].max().normalize()
        forecast = volumes[volumes["ds"] >= last_day].assign(ds=lambda f: f["ds"] + pd.Timedelta(days=1))
        forecast = forecast.rename(columns={"y": "yhat"}).assign(
            yhat_lower=lambda f: f["yhat"] * 0.8, yhat_upper=lambda f: f["yhat"] * 1.2)
        aht = handle.groupby("unique_id")["y"].median() if len(handle) else pd.Series(dtype=float)
        load = pd.DataFrame({
            "queue_id": forecast["unique_id"], "interval_start": forecast["ds"], "calls": forecast["yhat"],
            "aht_seconds": forecast["unique_id"].map(aht).fillna(240.0).clip(lower=30.0),
        })
        arguments = defaults.staffing_arguments()
        staffing = staffing_requirements(load, **arguments)
        store.write_batch({"forecasts": forecast_store_rows(forecast, run_id, "seasonal_naive"),
                           "staffing": staffing_store_rows(staffing, run_id)},
                          batch_id=f"staffing_forecast-{run_id}")
    return store_path
