"""Forecasting: series from the store and files, validation, models, day types, backtests, CLI, the bank goal."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import workbench
from workbench.cli import app
from workbench.errors import InputDataError, ParameterError
from workbench.forecast import backtest as bt
from workbench.forecast.daytypes import assign_day_types, learn_day_types, weekday_day_types
from workbench.forecast.handle_time import forecast_handle_time, workload
from workbench.forecast.models import MODELS, fit_predict, holiday_calendar, read_events
from workbench.forecast.series import (
    aggregate_series,
    closed_slots,
    interval_handle_times,
    interval_volumes,
    read_series,
    slot_of_week,
    validate_series,
)
from workbench.params import StaffingForecastParameters

runner = CliRunner()
SHARED = Path(workbench.__file__).resolve().parents[2] / "shared"
BANK_6MIN = SHARED / "datasets" / "bank_callcenter_6min" / "bank_callcenter_1999_6min.csv"
#: The issue's goal: Prophet's mean MASE over the backtest folds at most this share of seasonal naive's.
BANK_GOAL_RATIO = 0.85
#: Chosen on four validation weeks before the test folds (1999-11-13 to 12-10, ratio 0.782 there): learned day
#: types (Sun/Tue/Thu, Mon/Wed, Fri, Sat) with a level each, Israeli holidays run like a Saturday and their eves
#: like a Friday, a flat trend over the last six weeks, daily Fourier order 20.
BANK_PROPHET_OPTIONS = {"country": "IL", "holidays_like": 5, "eves_like": 4, "growth": "flat", "history_days": 42,
                        "daily_fourier_order": 20, "weekly_fourier_order": 3, "day_type_levels": True,
                        "uncertainty_samples": 0}
#: Reached here (2026-11-23): last three weeks 0.725 (folds 0.749, 0.577, 0.835); 16 weeks from 1999-09-11,
#: holidays included, 0.739. Asserted with a little room for the optimiser on other machines.
BANK_RATIO_LAST_3_WEEKS = 0.75
BANK_RATIO_16_WEEKS = 0.76


def centre_series(days: int = 21, uid: str = "q1", seed: int = 0, weekend=(4, 5), level: float = 20.0) -> pd.DataFrame:
    """A call-centre-shaped 30-minute series: closed 22:00-07:00, two daily peaks, a quiet, differently shaped
    weekend on ``weekend`` days, Poisson noise."""
    rng = np.random.default_rng(seed)
    ds = pd.date_range("2026-01-04", periods=days * 48, freq="30min")  # a Sunday
    hour = ds.hour + ds.minute / 60
    open_ = (hour >= 7) & (hour < 22)
    peaks = np.exp(-((hour - 10) ** 2) / 3) + 0.8 * np.exp(-((hour - 15) ** 2) / 4) + 0.2
    weekend_shape = 0.3 * np.exp(-((hour - 12) ** 2) / 8) + 0.05
    rate = level * np.where(ds.dayofweek.isin(weekend), weekend_shape, peaks) * open_
    return pd.DataFrame({"unique_id": uid, "ds": ds, "y": rng.poisson(rate).astype(float)})


@pytest.fixture(scope="module")
def two_series() -> pd.DataFrame:
    return pd.concat([centre_series(uid="billing"), centre_series(uid="sales", seed=1, level=8.0)], ignore_index=True)


@pytest.fixture(scope="module")
def prophet_forecast(two_series) -> pd.DataFrame:
    """Prophet (learned day types, no holidays) on both series, 7 days ahead; fitted once per module.

    No country: the series know no holidays, and their Friday-Saturday weekend contradicts the Chinese
    calendar, in which Sunday 2026-01-04 is a make-up working day that works as a Friday."""
    return bt.forecast(two_series, "prophet", horizon_days=7, options={"uncertainty_samples": 50, "country": None})


# --------------------------------------------------------------------------- series


def test_validation_names_the_series_for_gaps_duplicates_short_and_negative():
    good = centre_series(days=3, uid="billing_zh")
    assert validate_series(good) == 30
    gap = good.drop(index=100)
    with pytest.raises(InputDataError, match=r"series 'billing_zh': gap between .* 30 min"):
        validate_series(gap)
    duplicate = pd.concat([good, good.iloc[[5]]])
    with pytest.raises(InputDataError, match=r"series 'billing_zh': duplicate timestamp 2026-01-04 02:30"):
        validate_series(duplicate)
    with pytest.raises(InputDataError, match=r"series 'billing_zh' is too short to fit: 3.0 days .* 14"):
        validate_series(good, min_days=14)
    negative = good.assign(y=good["y"].where(good.index != 7, -1.0))
    with pytest.raises(InputDataError, match=r"series 'billing_zh': negative y -1.0"):
        validate_series(negative)
    with pytest.raises(InputDataError, match=r"missing \['y'\]"):
        validate_series(good.drop(columns="y"))


def test_too_short_for_prophet_names_the_series(two_series):
    short = pd.concat([two_series[two_series["unique_id"] == "billing"],
                       centre_series(days=5, uid="complaints_en")], ignore_index=True)
    with pytest.raises(InputDataError, match=r"series 'complaints_en' is too short to fit"):
        bt.forecast(short, "prophet", horizon_days=1)
    with pytest.raises(InputDataError, match=r"series 'complaints_en' is too short to fit"):
        bt.backtest(short, ["prophet"], folds=1, horizon_days=2)


def test_read_series_csv_and_parquet(tmp_path):
    frame = centre_series(days=2).iloc[:10]
    frame.assign(extra="x").to_csv(tmp_path / "s.csv", index=False)
    frame.to_parquet(tmp_path / "s.parquet", index=False)
    for name in ("s.csv", "s.parquet"):
        got = read_series(tmp_path / name)
        assert list(got.columns) == ["unique_id", "ds", "y"] and len(got) == 10
        assert got["ds"].dtype.kind == "M" and got["y"].dtype == float
    frame.drop(columns="unique_id").to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(InputDataError, match=r"missing \['unique_id'\]"):
        read_series(tmp_path / "bad.csv")
    frame.assign(y=["x"] + [1.0] * 9).to_csv(tmp_path / "text.csv", index=False)
    with pytest.raises(InputDataError, match=r"row 2, field 'y'"):
        read_series(tmp_path / "text.csv")


def test_aggregate_six_minute_bins_to_thirty():
    ds = pd.date_range("2026-01-04", periods=10, freq="6min")
    got = aggregate_series(pd.DataFrame({"unique_id": "q", "ds": ds, "y": 1.0}), 30)
    assert got["y"].tolist() == [5.0, 5.0]


def test_closed_slots_always_zero_in_history():
    series = centre_series(days=14)
    table = closed_slots(series)
    assert len(table) == 7 * 48
    closed = set(table.loc[table["closed"], "slot"])
    night = set(slot_of_week(series.loc[series["ds"].dt.hour < 7, "ds"], 30))
    assert night <= closed
    assert not closed & set(slot_of_week(series.loc[series["y"] > 0, "ds"], 30))
    # Two days of history: unseen weekdays judged by the time of day.
    short = closed_slots(centre_series(days=2))
    assert short.loc[short["slot"] == 2 * 48 + 2, "closed"].item()  # Wednesday 01:00
    assert not short.loc[short["slot"] == 2 * 48 + 20, "closed"].item()  # Wednesday 10:00


def _calls(rows):
    return pd.DataFrame(rows, columns=["call_id", "queue_id", "arrived_at", "wait_seconds", "outcome",
                                       "talk_seconds", "hold_seconds", "wrap_seconds"])


def test_interval_volumes_and_handle_times_from_the_store(tmp_path):
    from workbench.store import Store

    calls = _calls([
        ("c1", "billing_zh", "2026-01-05 09:01", 5.0, "answered", 100.0, 20.0, 30.0),
        ("c2", "billing_zh", "2026-01-05 09:29", 9.0, "abandoned", None, None, None),
        ("c3", "billing_zh", "2026-01-05 09:15", 0.0, "phantom", None, None, None),
        ("c4", "billing_zh", "2026-01-06 10:40", 3.0, "transferred", 50.0, None, 10.0),
        ("c5", "sales_en", "2026-01-05 23:59", 1.0, "answered", 60.0, 0.0, 0.0),
    ])
    calls["arrived_at"] = pd.to_datetime(calls["arrived_at"])
    with Store(tmp_path / "w.duckdb") as store:
        store.write_batch({"calls": calls}, batch_id="b1")
        volumes = interval_volumes(store, 30)
        handle = interval_handle_times(store, 30)
        billing_family = interval_volumes(store, 60, queues=["billing"], date_from="2026-01-06")
        assert interval_volumes(store, 30, queues=["all"]).equals(volumes)
        assert interval_volumes(store, 30, queues=["nope"]).empty
        with pytest.raises(ParameterError, match="divisor of 60"):
            interval_volumes(store, 90)  # a divisor of the day, not of the hour: intervals as in the KPIs
    assert volumes.groupby("unique_id").size().tolist() == [96, 96]  # whole days, zeros filled
    billing = volumes[volumes["unique_id"] == "billing_zh"].set_index("ds")["y"]
    assert billing[pd.Timestamp("2026-01-05 09:00")] == 2.0  # phantom excluded
    assert billing.sum() == 3.0
    validate_series(volumes)
    aht = handle[handle["unique_id"] == "billing_zh"].set_index("ds")
    assert aht.loc[pd.Timestamp("2026-01-05 09:00"), "y"] == 150.0
    assert aht.loc[pd.Timestamp("2026-01-06 10:30"), "y"] == 60.0
    assert np.isnan(aht.loc[pd.Timestamp("2026-01-05 12:00"), "y"])
    assert set(billing_family["unique_id"]) == {"billing_zh"} and len(billing_family) == 24
    assert billing_family["y"].sum() == 1.0  # c4 only: the period starts on 6 January


def test_handle_times_leave_out_answered_calls_without_any_handle_part(tmp_path):
    from workbench.store import Store

    calls = _calls([
        ("c1", "billing_zh", "2026-01-05 09:01", 5.0, "answered", 100.0, 20.0, 30.0),
        ("c2", "billing_zh", "2026-01-05 09:10", None, "answered", None, None, None),  # export gave no times
        ("c3", "billing_zh", "2026-01-05 09:40", None, "answered", None, None, None),
    ])
    calls["arrived_at"] = pd.to_datetime(calls["arrived_at"])
    with Store(tmp_path / "w.duckdb") as store:
        store.write_batch({"calls": calls}, batch_id="b1")
        handle = interval_handle_times(store, 30).set_index("ds")
    assert handle.loc[pd.Timestamp("2026-01-05 09:00"), ["y", "answered"]].tolist() == [150.0, 1.0]  # not 75 s
    nine_thirty = handle.loc[pd.Timestamp("2026-01-05 09:30")]
    assert np.isnan(nine_thirty["y"]) and nine_thirty["answered"] == 0.0


# --------------------------------------------------------------------------- models


def test_prophet_forecast_non_negative_zero_when_closed_with_bands(prophet_forecast, two_series):
    fc = prophet_forecast
    assert list(fc.columns) == ["unique_id", "ds", "yhat", "yhat_lower", "yhat_upper"]
    assert set(fc["unique_id"]) == {"billing", "sales"} and len(fc) == 2 * 7 * 48
    assert (fc[["yhat", "yhat_lower", "yhat_upper"]] >= 0).all().all()
    assert (fc["yhat_lower"] <= fc["yhat"]).all() and (fc["yhat"] <= fc["yhat_upper"]).all()
    night = fc["ds"].dt.hour < 7
    assert (fc.loc[night, ["yhat", "yhat_lower", "yhat_upper"]] == 0).all().all()
    assert fc["ds"].min() == two_series["ds"].max() + pd.Timedelta(minutes=30)
    # The shapes are learned: the weekday morning peak above the quiet weekend.
    billing = fc[fc["unique_id"] == "billing"].set_index("ds")["yhat"]
    assert billing[pd.Timestamp("2026-01-25 10:00")] > 3 * billing[pd.Timestamp("2026-01-30 10:00")]  # Sun vs Fri


@pytest.mark.parametrize("model", ["seasonal_naive", "profile", "mstl"])
def test_other_models_non_negative_and_zero_when_closed(model):
    series = centre_series(days=21).assign(y=lambda d: d["y"] * np.linspace(1, 0.2, len(d)))
    future = pd.date_range(series["ds"].max() + pd.Timedelta(minutes=30), periods=96, freq="30min")
    got = fit_predict(series, future, model)
    assert (got[["yhat", "yhat_lower", "yhat_upper"]] >= 0).all().all()
    assert (got.loc[got["ds"].dt.hour < 7, "yhat"] == 0).all()
    assert got["yhat"].sum() > 0


def test_seasonal_naive_is_last_week():
    series = centre_series(days=14)
    future = pd.date_range(series["ds"].max() + pd.Timedelta(minutes=30), periods=48, freq="30min")
    got = fit_predict(series, future, "seasonal_naive")
    assert got["yhat"].tolist() == series["y"].iloc[-7 * 48:-6 * 48].tolist()


def test_unknown_model_is_named():
    with pytest.raises(InputDataError, match="unknown model 'arima'; registered: .*prophet"):
        bt.forecast(centre_series(days=14), "arima")
    assert {"prophet", "seasonal_naive", "profile", "mstl"} <= set(MODELS)


def test_holidays_and_events():
    calendar = holiday_calendar("CN", [2026])
    spring = calendar[calendar["event"].str.contains("Spring Festival")]
    assert pd.Timestamp("2026-02-17") in set(spring["date"])
    with pytest.raises(InputDataError, match="no country 'XX'"):
        holiday_calendar("XX", [2026])


def test_read_events_accepts_event_or_name(tmp_path):
    (tmp_path / "a.csv").write_text("date,event\n2026-01-05,promotion\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text("date,event_type,name\n2026-01-06,promotion,spring sale\n", encoding="utf-8")
    (tmp_path / "c.csv").write_text("date,event\nnot a date,x\n", encoding="utf-8")
    assert read_events(tmp_path / "a.csv")["event"].tolist() == ["promotion"]
    assert read_events(tmp_path / "b.csv")["event"].tolist() == ["spring sale"]
    with pytest.raises(InputDataError, match=r"row 2, field 'date'"):
        read_events(tmp_path / "c.csv")


def test_day_types_find_a_friday_saturday_weekend():
    types = learn_day_types(centre_series(days=21, weekend=(4, 5)))
    assert types[4] == types[5] == "friday_saturday"
    assert len({types[d] for d in (6, 0, 1, 2, 3)}) == 1 and types[0] != types[4]
    western = learn_day_types(centre_series(days=21, weekend=(5, 6)))
    assert western[5] == western[6] == "sunday_saturday" and western[4] == western[0]


#: 2026 make-up working days (调休) and the weekday each works as: that of the bridge day off it pays for.
MAKEUP_2026_WORKS_AS = {"2026-01-04": "friday", "2026-02-14": "friday", "2026-02-28": "monday",
                        "2026-05-09": "tuesday", "2026-09-20": "tuesday", "2026-10-10": "wednesday"}


def test_makeup_days_take_the_type_of_the_weekday_they_replace():
    ds = pd.date_range("2026-01-01", "2026-12-31 23:00", freq="6h")
    types = pd.Series(assign_day_types(ds, weekday_day_types(), "CN", holidays_like=6), index=ds)
    for day, name in MAKEUP_2026_WORKS_AS.items():
        assert set(types[day]) == {name}, day
    assert set(types["2026-02-07"]) == {"saturday"}  # an ordinary Saturday stays one
    for holiday in ("2026-01-01", "2026-02-17", "2026-05-05", "2026-10-01"):
        assert set(types[holiday]) == {"sunday"}, holiday  # public holidays take holidays_like's type
    own = assign_day_types(pd.to_datetime(["2026-02-17", "2026-02-16"]), weekday_day_types(), "CN", eves_like=4)
    assert own.tolist() == ["tuesday", "monday"]  # without holidays_like a holiday keeps its weekday
    assert assign_day_types(pd.to_datetime(["2026-02-14"]), weekday_day_types(), None).tolist() == ["saturday"]


def _makeup_series(seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """Eight weeks to Sunday 2026-05-03: working days (make-up days included) ~3x the volume of weekends and
    public holidays, each with its own intraday shape; the daily truth by date."""
    from workbench.workdays import day_kinds

    rng = np.random.default_rng(seed)
    ds = pd.date_range("2026-03-08", "2026-05-03 23:30", freq="30min")
    kinds = day_kinds(ds.normalize().unique(), "CN").set_index("date")["kind"]
    working = kinds.reindex(ds.normalize()).isin(["workday", "makeup_workday"]).to_numpy()
    hour = np.asarray(ds.hour + ds.minute / 60)
    peaks = np.exp(-((hour - 10) ** 2) / 3) + 0.8 * np.exp(-((hour - 15) ** 2) / 4) + 0.2
    flat = 0.3 * np.exp(-((hour - 13) ** 2) / 10) + 0.1
    rate = np.where(working, 30 * peaks, 10 * peaks.mean() / flat.mean() * flat) * ((hour >= 8) & (hour < 22))
    history = pd.DataFrame({"ds": ds, "y": rng.poisson(rate).astype(float)})
    return history, pd.Series(working.reshape(-1, 48)[:, 0], index=ds.normalize().unique())


@pytest.mark.slow
def test_prophet_forecasts_a_makeup_saturday_at_weekday_level():
    """The product's Prophet configuration, one fit: Saturday 2026-05-09 (调休, pays for Tuesday 5 May) in the
    horizon is forecast like a weekday, the Labour Day holidays 4-5 May like a weekend."""
    history, working = _makeup_series()
    daily = history.groupby(history["ds"].dt.normalize())["y"].sum()
    weekday_level = daily[working.to_numpy()].mean()
    saturday_level = daily[daily.index.dayofweek == 5].mean()
    assert weekday_level > 2.5 * saturday_level
    options = StaffingForecastParameters().model_options() | {"uncertainty_samples": 0}
    horizon = pd.date_range("2026-05-04", "2026-05-10 23:30", freq="30min")
    forecast = fit_predict(history, horizon, "prophet", options=options)
    per_day = forecast.groupby(forecast["ds"].dt.normalize())["yhat"].sum()
    makeup = per_day[pd.Timestamp("2026-05-09")]
    assert abs(makeup - weekday_level) < abs(makeup - saturday_level)
    assert abs(makeup - weekday_level) < 0.2 * weekday_level
    for holiday in ("2026-05-04", "2026-05-05"):
        assert per_day[pd.Timestamp(holiday)] < 0.5 * weekday_level, holiday


# --------------------------------------------------------------------------- backtest


def test_backtest_always_carries_the_baseline():
    series = pd.concat([centre_series(days=16, uid="a"), centre_series(days=16, uid="b", seed=3)])
    got = bt.backtest(series, ["profile"], folds=2, horizon_days=2)
    assert list(got.columns) == list(bt.BACKTEST_COLUMNS)
    assert set(got["model"]) == {"profile", "seasonal_naive"}
    assert len(got) == 2 * 2 * 2
    assert got["mase"].between(0, 10).all() and got["wape"].between(0, 2).all()
    summary = bt.summarise_backtest(got)
    assert np.allclose(summary.loc[summary["model"] == "seasonal_naive", "mase_vs_baseline"], 1.0)
    only_baseline = bt.backtest(series, [], folds=1, horizon_days=1)
    assert set(only_baseline["model"]) == {"seasonal_naive"}


def test_backtest_in_a_process_pool_matches_inline():
    series = pd.concat([centre_series(days=10, uid="a"), centre_series(days=10, uid="b", seed=3)])
    inline = bt.backtest(series, ["profile"], folds=2, horizon_days=1)
    pooled = bt.backtest(series, ["profile"], folds=2, horizon_days=1, workers=2)
    pd.testing.assert_frame_equal(inline, pooled)


def test_mase_and_wape_definitions():
    train = np.arange(20.0)  # seasonal naive with season 7 is off by 7 everywhere
    assert bt.mase(np.array([1.0, 3.0]), np.array([0.0, 0.0]), train, 7) == pytest.approx(2 / 7)
    assert bt.wape(np.array([1.0, 3.0]), np.array([0.0, 0.0])) == 1.0


def test_plan_falls_back_on_a_short_history():
    plan = bt.plan_forecast(centre_series(days=2), "prophet", folds=2, horizon_days=2)
    assert plan["model"] == "profile" and plan["folds"] == 0
    assert "2.0 days" in plan["notes"][0] and "No backtest" in plan["notes"][1]
    full = bt.plan_forecast(centre_series(days=35), "prophet", folds=2, horizon_days=7)
    assert full["model"] == "prophet" and full["folds"] == 2 and full["notes"] == []


# --------------------------------------------------------------------------- handle time


def test_handle_time_profile_and_workload():
    ds = pd.date_range("2026-01-05", periods=14 * 48, freq="30min")
    aht = pd.DataFrame({"unique_id": "q", "ds": ds, "y": np.where(ds.hour < 12, 200.0, 300.0),
                        "answered": 1.0})
    aht.loc[aht["ds"].dt.hour == 3, "y"] = np.nan
    future = pd.DataFrame({"unique_id": "q", "ds": pd.date_range("2026-01-19", periods=48, freq="30min")})
    got = forecast_handle_time(aht, future)
    assert got.loc[got["ds"].dt.hour == 9, "aht_seconds"].eq(200.0).all()
    assert got.loc[got["ds"].dt.hour == 15, "aht_seconds"].eq(300.0).all()
    assert got["aht_seconds"].notna().all()  # 03:00 never answered: the overall AHT
    volume = future.assign(yhat=10.0)
    load = workload(volume, got, 30)
    assert list(load.columns) == ["queue_id", "interval_start", "calls", "aht_seconds", "workload_hours",
                                  "load_erlangs"]
    nine = load[load["interval_start"].dt.hour == 9].iloc[0]
    assert nine["load_erlangs"] == pytest.approx(10 * 200 / 1800)
    assert nine["workload_hours"] == pytest.approx(10 * 200 / 3600)


# --------------------------------------------------------------------------- CLI


def test_cli_fit_and_backtest_output_contracts(tmp_path):
    series = pd.concat([centre_series(days=16, uid="billing"), centre_series(days=16, uid="sales", seed=2)])
    series.to_csv(tmp_path / "series.csv", index=False)
    fit = runner.invoke(app, ["forecast", "fit", str(tmp_path / "series.csv"), "--horizon-days", "2",
                              "--output", str(tmp_path / "fit"), "--country", "none", "--workers", "2"])
    assert fit.exit_code == 0, fit.output
    forecast = pd.read_csv(tmp_path / "fit" / "forecast.csv")
    assert list(forecast.columns) == ["unique_id", "ds", "yhat", "yhat_lower", "yhat_upper"]
    assert len(forecast) == 2 * 2 * 48 and (forecast["yhat"] >= 0).all()

    back = runner.invoke(app, ["forecast", "backtest", str(tmp_path / "series.csv"), "--horizon-days", "1",
                               "--folds", "1", "--forecast-model", "profile", "--output", str(tmp_path / "bt")])
    assert back.exit_code == 0, back.output
    table = pd.read_csv(tmp_path / "bt" / "backtest.csv")
    assert list(table.columns) == ["unique_id", "model", "fold", "mase", "wape"]
    assert set(table["model"]) == {"profile", "seasonal_naive"}

    gap = series.drop(index=series.index[50])
    gap.to_csv(tmp_path / "gap.csv", index=False)
    bad = runner.invoke(app, ["forecast", "fit", str(tmp_path / "gap.csv"), "--forecast-model", "profile",
                              "--interval-minutes", "30", "--output", str(tmp_path / "x")])
    assert bad.exit_code == 2 and "series 'billing'" in bad.output and "gap" in bad.output


def test_cli_fit_from_the_store(tmp_path):
    from workbench.store import Store

    rng = np.random.default_rng(5)
    arrived = pd.Timestamp("2026-01-05") + pd.to_timedelta(np.sort(rng.uniform(0, 3 * 86400, 300)), unit="s")
    calls = pd.DataFrame({"call_id": [f"c{i}" for i in range(300)], "queue_id": "billing_zh", "arrived_at": arrived,
                          "wait_seconds": 1.0, "outcome": "answered"})
    with Store(tmp_path / "w.duckdb") as store:
        store.write_batch({"calls": calls}, batch_id="b")
    result = runner.invoke(app, ["forecast", "fit", "store", "--store", str(tmp_path / "w.duckdb"), "--forecast-model",
                                 "profile", "--horizon-days", "1", "--output", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(tmp_path / "out" / "forecast.csv")) == 48


# --------------------------------------------------------------------------- the real bank


def bank_series() -> pd.DataFrame:
    """The Anonymous Bank 1999 arrivals, 6-minute bins summed into 30-minute intervals."""
    raw = pd.read_csv(BANK_6MIN)
    ds = pd.to_datetime(raw["date"]) + pd.to_timedelta((raw["interval"] - 1) * 6, unit="min")
    return aggregate_series(pd.DataFrame({"unique_id": "bank", "ds": ds, "y": raw["calls"].astype(float)}), 30)


def _bank_ratio(folds: int) -> tuple[float, pd.DataFrame]:
    result = bt.backtest(bank_series(), ["prophet"], folds=folds, horizon_days=7,
                         options={"prophet": BANK_PROPHET_OPTIONS}, workers=2)
    mase = result.pivot(index="fold", columns="model", values="mase")
    mase["ratio"] = mase["prophet"] / mase["seasonal_naive"]
    return float(mase["prophet"].mean() / mase["seasonal_naive"].mean()), mase


@pytest.mark.slow
@pytest.mark.skipif(not BANK_6MIN.is_file(), reason=f"real bank data not found under {SHARED}")
def test_prophet_beats_seasonal_naive_on_the_real_bank():
    """Last three weeks of 1999 in three 7-day folds: Prophet's mean MASE at most 0.85 of seasonal naive's."""
    ratio, mase = _bank_ratio(3)
    assert ratio <= min(BANK_GOAL_RATIO, BANK_RATIO_LAST_3_WEEKS), mase.to_string()
    assert (mase["ratio"] < 0.9).all(), mase.to_string()


@pytest.mark.slow
@pytest.mark.skipif(not BANK_6MIN.is_file(), reason=f"real bank data not found under {SHARED}")
def test_prophet_beats_seasonal_naive_on_the_bank_through_the_autumn_holidays():
    """Sixteen weeks from 1999-09-11 (Rosh Hashanah, Yom Kippur, Sukkot): the same configuration holds."""
    ratio, mase = _bank_ratio(16)
    assert ratio <= BANK_RATIO_16_WEEKS, mase.to_string()


def test_backtest_on_a_dask_scheduler_matches_inline():
    from dask.distributed import LocalCluster

    series = pd.concat([centre_series(days=9, uid="a"), centre_series(days=9, uid="b", seed=3)])
    inline = bt.backtest(series, ["profile"], folds=1, horizon_days=1)
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        remote = bt.backtest(series, ["profile"], folds=1, horizon_days=1, scheduler=cluster.scheduler_address)
    pd.testing.assert_frame_equal(inline, remote)


def test_chart_builders_for_forecasts_and_staffing():
    from workbench import charts

    ds = pd.date_range("2026-01-05", periods=96, freq="30min")
    history = pd.DataFrame({"ds": ds[:48], "y": 1.0})
    fc = pd.DataFrame({"ds": ds[48:], "yhat": 2.0, "yhat_lower": 1.0, "yhat_upper": 3.0})
    assert charts.forecast_vs_history(history, fc).to_dict()["layer"]
    staffing = pd.DataFrame({"interval_start": ds, "scheduled_agents": np.arange(96)})
    assert charts.staffing_heatmap(staffing).to_dict()["mark"]["type"] == "rect"
    summary = pd.DataFrame({"unique_id": ["a", "a"], "model": ["prophet", "seasonal_naive"], "mase": [0.7, 0.9]})
    assert charts.backtest_comparison(summary).to_dict()["mark"]["type"] == "bar"
    with pytest.raises(InputDataError, match="scheduled_agents"):
        charts.staffing_heatmap(staffing.drop(columns="scheduled_agents"))


def test_prophet_options_checked_before_any_fit():
    from workbench.forecast.models import make_model

    assert make_model("prophet", holidays_like="Saturday", eves_like=4).options["holidays_like"] == 5
    with pytest.raises(InputDataError, match="weekday 0-6"):
        make_model("prophet", holidays_like="someday")
    with pytest.raises(InputDataError, match="model 'prophet' does not take these options"):
        bt.forecast(centre_series(days=14), "prophet", options={"no_such_option": 1})
    with pytest.raises(InputDataError, match="growth must be linear or flat"):
        make_model("prophet", growth="logistic")


@pytest.mark.slow
def test_prophet_bounds_are_the_same_on_every_prediction_and_leave_numpy_alone():
    from workbench.forecast.models import ProphetModel

    series = centre_series(days=21)
    model = ProphetModel(uncertainty_samples=50, country=None).fit(series, 30)
    future = pd.date_range(series["ds"].max() + pd.Timedelta(minutes=30), periods=96, freq="30min")
    np.random.seed(1)
    first = model.predict(future)
    after_first = np.random.random()
    np.random.seed(2)  # another global state must not change the bounds
    second = model.predict(future)
    pd.testing.assert_frame_equal(first, second)
    assert (first["yhat_upper"] > first["yhat_lower"]).any()
    np.random.seed(1)
    assert np.random.random() == after_first  # the caller's generator state is restored
