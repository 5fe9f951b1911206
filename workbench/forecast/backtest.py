"""Rolling-origin backtests and forecasts for many series, in parallel.

A backtest cuts each series at ``folds`` origins, ``horizon_days`` apart and
ending at the last interval, fits every model on the history before each
origin and scores the next ``horizon_days``:

* MASE: mean absolute error over the in-sample mean absolute error of the
  seasonal-naive forecast with a one-week season (below 1 beats last week's
  values as a forecast of the training data);
* WAPE: sum of absolute errors over the sum of actual values.

``seasonal_naive`` is always scored, so every report carries the baseline.
Series x folds run in a process pool (``workers``) or on a Dask cluster
(``scheduler`` address).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from workbench.errors import InputDataError
from workbench.forecast.models import MODELS, fit_predict, make_model
from workbench.forecast.series import MINUTES_PER_DAY, SERIES_COLUMNS, closed_slots, validate_series
from workbench.glossary import require_columns
from workbench.i18n import _, format_text

__all__ = ["BASELINE", "BACKTEST_COLUMNS", "FORECAST_COLUMNS", "backtest", "forecast", "mase", "wape",
           "min_history_days", "summarise_backtest", "plan_forecast"]

BASELINE = "seasonal_naive"
BACKTEST_COLUMNS = ("unique_id", "model", "fold", "cutoff", "mase", "wape")
FORECAST_COLUMNS = ("unique_id", "ds", "yhat", "yhat_lower", "yhat_upper")


def mase(actual: np.ndarray, predicted: np.ndarray, train: np.ndarray, season: int) -> float:
    """Mean absolute scaled error, scaled by the in-sample seasonal-naive MAE.

    >>> round(mase(np.array([2.0, 4.0]), np.array([3.0, 3.0]), np.array([1.0, 2.0, 3.0, 5.0]), 2), 3)
    0.4
    """
    scale = np.mean(np.abs(train[season:] - train[:-season])) if len(train) > season else np.nan
    error = np.mean(np.abs(actual - predicted))
    return float(error / scale) if scale > 0 else float("nan")


def wape(actual: np.ndarray, predicted: np.ndarray) -> float:
    """Weighted absolute percentage error: sum |actual - predicted| / sum |actual| (a fraction).

    >>> wape(np.array([2.0, 2.0]), np.array([1.0, 3.0]))
    0.5
    """
    total = np.sum(np.abs(actual))
    return float(np.sum(np.abs(actual - predicted)) / total) if total > 0 else float("nan")


def min_history_days(models: Iterable[str], folds: int, horizon_days: float) -> float:
    """Days a series needs for a backtest: the most demanding model's history plus the folds."""
    need = max(getattr(MODELS[m], "min_history_days", 1.0) for m in models)
    return need + folds * horizon_days


def _run(tasks: list[tuple[Callable, tuple]], workers: int | None, scheduler: str | None,
         progress: bool, label: str) -> list[Any]:
    """Run ``fn(*args)`` for every task: inline, in a process pool, or on a Dask cluster; results in order."""
    from tqdm.auto import tqdm

    bar = tqdm(total=len(tasks), desc=label, disable=not progress)
    results: list[Any] = [None] * len(tasks)
    try:
        if scheduler:
            from dask.distributed import Client, as_completed

            with Client(scheduler) as client:
                futures = {client.submit(fn, *args, pure=False): i for i, (fn, args) in enumerate(tasks)}
                for future in as_completed(futures):
                    results[futures[future]] = future.result()
                    bar.update()
        elif workers and workers > 1 and len(tasks) > 1:
            from concurrent.futures import ProcessPoolExecutor, as_completed as done

            with ProcessPoolExecutor(max_workers=min(workers, len(tasks))) as pool:
                futures = {pool.submit(fn, *args): i for i, (fn, args) in enumerate(tasks)}
                for future in done(futures):
                    results[futures[future]] = future.result()
                    bar.update()
        else:
            for i, (fn, args) in enumerate(tasks):
                results[i] = fn(*args)
                bar.update()
    finally:
        bar.close()
    return results


def _closed_set(history: pd.DataFrame, interval_minutes: int) -> set[int]:
    table = closed_slots(history.assign(unique_id="series"), interval_minutes)
    return set(table.loc[table["closed"], "slot"].tolist())


def _backtest_fold(uid: str, history: pd.DataFrame, test: pd.DataFrame, fold: int, models: list[str],
                   interval_minutes: int, options: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Score every model on one fold of one series (top-level so that worker processes can run it)."""
    season = 7 * MINUTES_PER_DAY // interval_minutes
    closed = _closed_set(history, interval_minutes)
    train_y = history["y"].to_numpy(dtype=float)
    actual = test["y"].to_numpy(dtype=float)
    rows = []
    for name in models:
        predicted = fit_predict(history, test["ds"], name, interval_minutes, closed, options.get(name))
        yhat = predicted["yhat"].to_numpy()
        rows.append({"unique_id": uid, "model": name, "fold": fold, "cutoff": test["ds"].iloc[0],
                     "mase": mase(actual, yhat, train_y, season), "wape": wape(actual, yhat)})
    return rows


def backtest(
    df: pd.DataFrame,
    models: Iterable[str] = ("prophet",),
    folds: int = 3,
    horizon_days: int = 7,
    interval_minutes: int | None = None,
    options: dict[str, dict[str, Any]] | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Rolling-origin backtest of several models on every series, the seasonal-naive baseline always included.

    Args:
        df: columns ``unique_id``, ``ds``, ``y`` (regular intervals, no gaps).
        models: registered model names; ``seasonal_naive`` is added when absent.
        folds: number of origins; the last test window ends at the last interval.
        horizon_days: days forecast from each origin (and the step between origins).
        interval_minutes: interval length; None = inferred.
        options: model name -> keyword options of that model.
        workers: process-pool size for series x folds; None or 1 = in this process.
        scheduler: a Dask scheduler address (``tcp://host:8786``); overrides ``workers``.
        progress: show a tqdm bar.

    Returns:
        One row per series, model and fold: ``unique_id``, ``model``, ``fold``
        (1 = oldest origin), ``cutoff`` (first forecast interval), ``mase``,
        ``wape``, sorted by ``unique_id, fold, model``.

    Raises:
        InputDataError: bad series (named), or one too short for the folds.
    """
    if folds < 1 or horizon_days <= 0:
        raise InputDataError(f"need folds >= 1 and horizon_days > 0, found {folds} and {horizon_days}")
    names = list(dict.fromkeys([*models, BASELINE]))
    for name in names:
        if name not in MODELS:
            raise InputDataError(f"unknown model '{name}'; registered: {', '.join(sorted(MODELS))}", field="model")
    for name in names:
        make_model(name, **(options or {}).get(name, {}) or {})  # bad options fail here, not in a worker
    minutes = validate_series(df, interval_minutes, min_days=min_history_days(names, folds, horizon_days))
    horizon = int(horizon_days * MINUTES_PER_DAY // minutes)
    tasks = []
    for uid, group in df.groupby("unique_id", sort=True):
        series = group[["ds", "y"]].assign(ds=pd.to_datetime(group["ds"])).sort_values("ds", ignore_index=True)
        for fold in range(1, folds + 1):
            start = len(series) - (folds - fold + 1) * horizon
            tasks.append((_backtest_fold, (str(uid), series.iloc[:start], series.iloc[start:start + horizon],
                                           fold, names, minutes, options or {})))
    rows = [row for result in _run(tasks, workers, scheduler, progress, "backtest") for row in result]
    out = pd.DataFrame(rows, columns=list(BACKTEST_COLUMNS))
    return out.sort_values(["unique_id", "fold", "model"], ignore_index=True)


def summarise_backtest(results: pd.DataFrame) -> pd.DataFrame:
    """Mean MASE and WAPE per series and model, with each model's MASE relative to the baseline.

    Args:
        results: the output of :func:`backtest`.

    Returns:
        Columns ``unique_id``, ``model``, ``folds``, ``mase``, ``wape`` and
        ``mase_vs_baseline`` (mean MASE over the baseline's; below 1 beats it).
    """
    require_columns(results, ["unique_id", "model", "fold", "mase", "wape"], "summarise_backtest")
    out = results.groupby(["unique_id", "model"], as_index=False).agg(
        folds=("fold", "nunique"), mase=("mase", "mean"), wape=("wape", "mean"))
    base = out.loc[out["model"] == BASELINE, ["unique_id", "mase"]].rename(columns={"mase": "baseline_mase"})
    out = out.merge(base, on="unique_id", how="left")
    out["mase_vs_baseline"] = out["mase"] / out["baseline_mase"]
    return out.drop(columns="baseline_mase")


def _forecast_one(uid: str, history: pd.DataFrame, ds: pd.DatetimeIndex, forecast_model: str,
                  interval_minutes: int, options: dict[str, Any] | None) -> pd.DataFrame:
    out = fit_predict(history, ds, forecast_model, interval_minutes, None, options)
    out.insert(0, "unique_id", uid)
    return out


def forecast(
    df: pd.DataFrame,
    forecast_model: str = "prophet",
    horizon_days: int = 7,
    interval_minutes: int | None = None,
    options: dict[str, Any] | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Fit ``forecast_model`` on every series and forecast the next ``horizon_days`` after its last interval.

    Args:
        df: columns ``unique_id``, ``ds``, ``y`` (regular intervals, no gaps).
        forecast_model: registered model name (:data:`workbench.forecast.models.MODELS`).
        horizon_days: days to forecast.
        interval_minutes: interval length; None = inferred.
        options: keyword options of the model.
        workers, scheduler, progress: as :func:`backtest`.

    Returns:
        Columns ``unique_id``, ``ds``, ``yhat``, ``yhat_lower``, ``yhat_upper``:
        never negative, 0 in closed slots.

    Raises:
        InputDataError: unknown model, bad series (named), or a series shorter
            than the model needs.
    """
    if forecast_model not in MODELS:
        raise InputDataError(f"unknown model '{forecast_model}'; registered: {', '.join(sorted(MODELS))}",
                             field="forecast_model")
    make_model(forecast_model, **(options or {}))  # bad options fail here, not in a worker
    need = getattr(MODELS[forecast_model], "min_history_days", 1.0)
    minutes = validate_series(df, interval_minutes, min_days=need)
    step = pd.Timedelta(minutes=minutes)
    periods = int(horizon_days * MINUTES_PER_DAY // minutes)
    tasks = []
    for uid, group in df.groupby("unique_id", sort=True):
        series = group[["ds", "y"]].assign(ds=pd.to_datetime(group["ds"])).sort_values("ds", ignore_index=True)
        future = pd.date_range(series["ds"].iloc[-1] + step, periods=periods, freq=step)
        tasks.append((_forecast_one, (str(uid), series, future, forecast_model, minutes, options)))
    frames = _run(tasks, workers, scheduler, progress, f"forecast {forecast_model}")
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(FORECAST_COLUMNS))
    return out[list(FORECAST_COLUMNS)]


def plan_forecast(df: pd.DataFrame, forecast_model: str, folds: int, horizon_days: int) -> dict[str, Any]:
    """What a history of this length allows: the model to fit, the backtest folds, and why.

    A model needs ``min_history_days`` of history (two weeks for Prophet, one
    for the seasonal-naive baseline); a backtest needs that plus the folds.
    When the history is shorter, the forecast falls back to the slot-of-week
    ``profile`` and the backtest shrinks or is skipped, saying so.

    Args:
        df: columns ``unique_id``, ``ds``, ``y``.
        forecast_model: the model asked for.
        folds: backtest folds asked for (0 = none).
        horizon_days: forecast horizon (and backtest fold length) in days.

    Returns:
        ``history_days`` (shortest series), ``model`` (to fit), ``folds``
        (possible, <= asked), ``backtest_models`` and ``notes`` (sentences
        for the reader; empty when everything asked for is possible).
    """
    require_columns(df, SERIES_COLUMNS, "plan_forecast")
    if forecast_model not in MODELS:
        raise InputDataError(f"unknown model '{forecast_model}'; registered: {', '.join(sorted(MODELS))}",
                             field="forecast_model")
    notes = []
    if df.empty:
        return {"history_days": 0.0, "model": forecast_model, "folds": 0, "backtest_models": [], "notes": [
            _("The store holds no calls for this selection: nothing to forecast.")]}
    ds = pd.to_datetime(df["ds"])
    spans = ds.groupby(df["unique_id"]).agg(lambda s: (s.max() - s.min()).total_seconds())
    steps = ds.groupby(df["unique_id"]).agg(lambda s: s.sort_values().diff().min().total_seconds()
                                            if len(s) > 1 else 86400.0)
    history_days = float(((spans + steps) / 86400.0).min())
    chosen = forecast_model
    need = getattr(MODELS[forecast_model], "min_history_days", 1.0)
    if history_days < need:
        chosen = "profile"
        notes.append(format_text("The history covers {history_days:.1f} days, less than the {need:g} days "
                                 "'{model}' needs: the forecast is the slot-of-week profile (mean of the same "
                                 "interval of the week, or of the same time of day while less than a week is known).",
                                 history_days=history_days, need=need, model=forecast_model))
    backtest_models = list(dict.fromkeys([chosen, BASELINE]))
    possible = 0
    if folds:
        base = max(getattr(MODELS[m], "min_history_days", 1.0) for m in backtest_models)
        possible = int(max(0, min(folds, (history_days - base) // horizon_days)))
        if possible == 0:
            notes.append(format_text("No backtest: {folds} fold(s) of {horizon_days} days need at least {need:g} days "
                                     "of history, the store has {history_days:.1f}.", folds=folds,
                                     horizon_days=horizon_days, need=base + horizon_days, history_days=history_days))
        elif possible < folds:
            notes.append(format_text("Backtest with {possible} fold(s) instead of {folds}: the history is "
                                     "{history_days:.1f} days.", possible=possible, folds=folds,
                                     history_days=history_days))
    return {"history_days": history_days, "model": chosen, "folds": possible, "backtest_models": backtest_models,
            "notes": notes}


def forecast_store_rows(forecast: pd.DataFrame, run_id: str, forecast_model: str) -> pd.DataFrame:
    """A forecast in the shape of the store's ``forecasts`` table, so apps can read it without refitting.

    Args:
        forecast: needs ``unique_id, ds, yhat``; ``yhat_lower``/``yhat_upper`` are kept when present.
        run_id: id of the run that made it (e.g. the report run folder's name).
        forecast_model: the model that produced it (the ``model`` column).

    Returns:
        Columns ``run_id, unique_id, ds, model, yhat, yhat_lower, yhat_upper``; the input is not mutated.

    >>> rows = forecast_store_rows(
    ...     pd.DataFrame({"unique_id": ["q"], "ds": [pd.Timestamp("2026-03-02")], "yhat": [4.0]}), "r1", "prophet")
    >>> list(rows.columns), rows.loc[0, ["run_id", "model"]].tolist(), float(rows.loc[0, "yhat"])
    (['run_id', 'unique_id', 'ds', 'model', 'yhat', 'yhat_lower', 'yhat_upper'], ['r1', 'prophet'], 4.0)
    """
    require_columns(forecast, ["unique_id", "ds", "yhat"], "forecast_store_rows")
    rows = pd.DataFrame({
        "run_id": run_id, "unique_id": forecast["unique_id"].astype(str), "ds": pd.to_datetime(forecast["ds"]),
        "model": forecast_model, "yhat": forecast["yhat"].astype(float),
    })
    for bound in ("yhat_lower", "yhat_upper"):
        rows[bound] = forecast[bound].astype(float) if bound in forecast.columns else float("nan")
    return rows.reset_index(drop=True)
