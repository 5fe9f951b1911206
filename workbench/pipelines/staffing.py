"""The staffing forecast: store -> interval history -> forecast -> workload -> agents -> stored run.

Each step takes and returns DataFrames, so ``notebooks/staffing_forecast.ipynb``
shows one result per cell; :func:`run_staffing_forecast` runs them all, the
way the notebook does, for the CLI, the tests and the benchmarks.

1. :func:`load_history`: offered calls and handle times per queue and interval, from the
   call records or, for a centre that exports only ACD interval reports, from
   ``interval_stats`` (``volume_source``; :func:`interval_history` is its short form).
2. :func:`plan_forecast`: which model and how many backtest folds the history allows.
3. :func:`run_backtest`: the chosen model against the seasonal-naive baseline (optional).
4. :func:`forecast_volumes`: calls per queue and interval for ``horizon_days``.
5. :func:`forecast_workload`: handle time from its slot-of-week profile, and calls x AHT.
6. :func:`queue_patience`: callers' patience per queue (Erlang A).
7. :func:`required_staffing`: required and scheduled agents (Erlang A, or C).
8. :func:`weekly_totals`: agent-hours per queue and week.
9. :func:`store_run`: the forecast and the plan in the store, in one batch
   ``staffing_forecast-<run_id>``, where the apps'
   :func:`workbench.store.readers.latest_run_id` finds them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from workbench import glossary
from workbench.i18n import N_, format_text, gettext

if TYPE_CHECKING:
    from workbench.params import StaffingForecastParameters
    from workbench.store import Store

__all__ = [
    "BATCH_PREFIX",
    "History",
    "StaffingForecast",
    "load_history",
    "interval_history",
    "plan_forecast",
    "run_backtest",
    "forecast_volumes",
    "forecast_workload",
    "queue_patience",
    "required_staffing",
    "weekly_totals",
    "store_run",
    "run_staffing_forecast",
]

#: Batch id of a stored run: ``staffing_forecast-<run_id>``; ``kind`` of its row in ``batches``.
BATCH_PREFIX = "staffing_forecast-"
BATCH_KIND = "staffing_forecast"

PATIENCE_COLUMNS = ("queue_id", "abandoned", "mean_patience_seconds")


@dataclass
class History:
    """The series a staffing forecast starts from, and where they came from."""

    volumes: pd.DataFrame
    handle_times: pd.DataFrame
    volume_source: str
    notes: list[str]


#: What each volume source is, as a run says it.
SOURCE_DESCRIPTIONS: dict[str, str] = {
    "calls": N_("call records (table calls)"),
    "interval_stats": N_("ACD interval reports (table interval_stats)"),
}


def load_history(
    store: Store,
    *,
    interval_minutes: int = glossary.DEFAULT_INTERVAL_MINUTES,
    queues: list[str] | None = None,
    volume_source: str = "auto",
    group_by: str | None = None,
) -> History:
    """Offered calls and handle times per series and interval, from the source ``volume_source`` names.

    Args:
        store: an open store.
        interval_minutes: interval length, a divisor of 60.
        queues: queue ids or families; None, empty or ``["all"]`` = every queue.
        volume_source: ``calls``, ``interval_stats`` or ``auto`` (calls when
            the store holds call records, else interval reports; see
            :func:`workbench.forecast.series.resolve_volume_source`).
        group_by: a custom dimension of the calls splitting each queue's series
            by its values (ids ``<queue>|<dimension>=<value>``); call records only.

    Returns:
        :class:`History`: volumes ``unique_id, ds, y``, handle times
        ``unique_id, ds, y, answered``, the source used (``calls`` or
        ``interval_stats``) and notes saying so and what the series hold.

    Raises:
        ParameterError: an unknown source or dimension, ``group_by`` with
            interval reports (they carry no dimensions), or report rows longer
            than ``interval_minutes``.
    """
    from workbench.forecast import series

    source = series.resolve_volume_source(store, volume_source)
    volumes, handle_times, series_notes = _load_series(store, source, interval_minutes, queues, group_by)
    described = gettext(SOURCE_DESCRIPTIONS[source])
    if volume_source == "auto":
        notes = [format_text("Volumes and handle times come from the {source}; volume_source auto chose them: the "
                             "store holds call records.", source=described) if source == "calls" else
                 format_text("Volumes and handle times come from the {source}; volume_source auto chose them: the "
                             "store holds no call records.", source=described)]
    else:
        notes = [format_text("Volumes and handle times come from the {source}.", source=described)]
    if group_by is not None:
        notes.append(format_text("Each queue's series is split by the calls' {group_by} (series ids "
                                 "queue|{group_by}=value).", group_by=group_by))
    notes += series_notes
    without = sorted(set(volumes["unique_id"]) - set(handle_times.dropna(subset=["y"])["unique_id"]))
    if without:
        notes.append(format_text("No handle time in the history of {series}: its workload, and so its agents, "
                                 "come out as 0.", series=", ".join(without)))
    return History(volumes, handle_times, source, notes)


def _load_series(store: Store, source: str, interval_minutes: int, queues: list[str] | None,
                 group_by: str | None) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    from workbench.errors import ParameterError
    from workbench.forecast import series

    if source == "calls":
        return (series.interval_volumes(store, interval_minutes, queues, group_by=group_by),
                series.interval_handle_times(store, interval_minutes, queues, group_by=group_by), [])
    if group_by is not None:
        raise ParameterError("interval reports carry no custom dimensions: group_by needs volume_source calls",
                             field="group_by")
    return series.interval_stats_history(store, interval_minutes, queues)


def interval_history(
    store: Store,
    *,
    interval_minutes: int = glossary.DEFAULT_INTERVAL_MINUTES,
    queues: list[str] | None = None,
    volume_source: str = "calls",
    group_by: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(volumes, handle times) of :func:`load_history`; by default from the call records."""
    history = load_history(store, interval_minutes=interval_minutes, queues=queues, volume_source=volume_source,
                           group_by=group_by)
    return history.volumes, history.handle_times


def plan_forecast(volumes: pd.DataFrame, *, forecast_model: str = "prophet", backtest_folds: int = 2,
                  horizon_days: int = 7) -> dict[str, Any]:
    """What the history allows: :func:`workbench.forecast.backtest.plan_forecast` of ``volumes``.

    Returns:
        ``history_days``, ``model`` (to fit), ``folds``, ``backtest_models`` and ``notes``.
    """
    from workbench.forecast import backtest as bt

    return bt.plan_forecast(volumes, forecast_model, backtest_folds, horizon_days)


def _model_options(plan: dict[str, Any], model_options: dict[str, Any] | None) -> dict[str, Any]:
    """Options apply to Prophet only; the fallback models take none."""
    return dict(model_options or {}) if plan["model"] == "prophet" else {}


def run_backtest(
    volumes: pd.DataFrame,
    plan: dict[str, Any],
    *,
    horizon_days: int = 7,
    interval_minutes: int = glossary.DEFAULT_INTERVAL_MINUTES,
    model_options: dict[str, Any] | None = None,
    workers: int = 1,
) -> pd.DataFrame:
    """Rolling-origin backtest of the planned model and the seasonal-naive baseline.

    Args:
        volumes: ``unique_id, ds, y``.
        plan: from :func:`plan_forecast` (``folds`` = 0: no backtest).
        model_options: Prophet's options (:meth:`StaffingForecastParameters.model_options`).

    Returns:
        :data:`workbench.forecast.backtest.BACKTEST_COLUMNS`; empty when the plan has no folds.
    """
    from workbench.forecast import backtest as bt

    if not plan["folds"]:
        return pd.DataFrame(columns=list(bt.BACKTEST_COLUMNS))
    return bt.backtest(volumes, plan["backtest_models"], plan["folds"], horizon_days, interval_minutes,
                       {plan["model"]: _model_options(plan, model_options)}, workers=workers)


def forecast_volumes(
    volumes: pd.DataFrame,
    plan: dict[str, Any],
    *,
    horizon_days: int = 7,
    interval_minutes: int = glossary.DEFAULT_INTERVAL_MINUTES,
    model_options: dict[str, Any] | None = None,
    workers: int = 1,
) -> pd.DataFrame:
    """Calls per queue and interval for the ``horizon_days`` after the history, with the planned model.

    Returns:
        ``unique_id, ds, yhat, yhat_lower, yhat_upper``: never negative, 0 in closed slots.
    """
    from workbench.forecast import backtest as bt

    return bt.forecast(volumes, plan["model"], horizon_days, interval_minutes, _model_options(plan, model_options),
                       workers=workers)


def forecast_workload(
    handle_times: pd.DataFrame,
    forecast: pd.DataFrame,
    *,
    aht_statistic: str = "median",
    interval_minutes: int = glossary.DEFAULT_INTERVAL_MINUTES,
) -> pd.DataFrame:
    """Forecast handle time (slot-of-week ``aht_statistic``) next to the forecast calls, and their workload.

    Args:
        handle_times: ``unique_id, ds, y`` (AHT seconds) and ``answered``, from :func:`interval_history`.
        forecast: ``unique_id, ds, yhat``, from :func:`forecast_volumes`.

    Returns:
        ``queue_id, interval_start, calls, aht_seconds, workload_hours, load_erlangs``.
    """
    from workbench.forecast.handle_time import forecast_handle_time, workload

    aht = forecast_handle_time(handle_times, forecast[["unique_id", "ds"]], aht_statistic, interval_minutes)
    return workload(forecast, aht, interval_minutes)


def queue_patience(store: Store, *, short_abandon_seconds: float = glossary.DEFAULT_SHORT_ABANDON_SECONDS
                   ) -> pd.DataFrame:
    """Callers' mean patience per queue from every call of the store.

    Returns:
        ``queue_id, abandoned, mean_patience_seconds`` (see
        :func:`workbench.staffing.patience.estimate_patience`).
    """
    from workbench.staffing.patience import estimate_patience
    from workbench.store.readers import queue_waits

    return estimate_patience(queue_waits(store), short_abandon_seconds)[list(PATIENCE_COLUMNS)]


def required_staffing(
    workload: pd.DataFrame,
    patience: pd.DataFrame | None = None,
    *,
    erlang_a: bool = True,
    interval_minutes: int = glossary.DEFAULT_INTERVAL_MINUTES,
    service_level_target: float = 0.8,
    target_answer_seconds: float = glossary.DEFAULT_TARGET_ANSWER_SECONDS,
    max_occupancy: float = 0.85,
    shrinkage: float = 0.3,
    max_abandonment: float = 1.0,
) -> pd.DataFrame:
    """Required and scheduled agents per queue and interval.

    Erlang A with each queue's patience when ``erlang_a`` (a queue without an
    estimate, or where nobody abandoned, gets infinite patience, i.e. Erlang
    C); Erlang C for every queue otherwise.

    Args:
        workload: ``queue_id, interval_start, calls, aht_seconds``, from :func:`forecast_workload`.
        patience: ``queue_id, mean_patience_seconds``, from :func:`queue_patience`; None = Erlang C.
            A series split by a dimension (``billing_zh|region=north``) takes its queue's patience.

    Returns:
        :func:`workbench.staffing.erlang.staffing_requirements` of the workload
        with its ``mean_patience_seconds``; the inputs are not mutated.
    """
    from workbench.staffing.erlang import staffing_requirements

    glossary.require_columns(workload, ["queue_id", "calls", "aht_seconds"], "required_staffing")
    load = workload.drop(columns=["mean_patience_seconds"], errors="ignore")
    if erlang_a and patience is not None:
        glossary.require_columns(patience, ["queue_id", "mean_patience_seconds"], "required_staffing patience")
        from workbench.forecast.series import DIMENSION_SEPARATOR

        by_queue = patience.set_index("queue_id")["mean_patience_seconds"]
        queue_of_series = load["queue_id"].astype(str).str.split(DIMENSION_SEPARATOR, regex=False).str[0]
        load["mean_patience_seconds"] = queue_of_series.map(by_queue).fillna(float("inf")).to_numpy(dtype=float)
        # No handle time, no work: 0 agents under either model, and Erlang A's formulas need a positive AHT.
        load.loc[~(pd.to_numeric(load["aht_seconds"]) > 0), "mean_patience_seconds"] = float("inf")
    else:
        load["mean_patience_seconds"] = float("inf")
    return staffing_requirements(load, interval_minutes=interval_minutes, service_level_target=service_level_target,
                                 target_answer_seconds=target_answer_seconds, max_occupancy=max_occupancy,
                                 shrinkage=shrinkage, max_abandonment=max_abandonment)


def weekly_totals(staffing: pd.DataFrame, *, interval_minutes: int = glossary.DEFAULT_INTERVAL_MINUTES
                  ) -> pd.DataFrame:
    """Agent-hours per queue and week, weeks starting on the plan's first day.

    Args:
        staffing: ``queue_id, interval_start, calls, raw_agents, scheduled_agents``.

    Returns:
        ``week_start, queue_id, calls, raw_agent_hours`` (on the phones),
        ``scheduled_agent_hours`` (paid) and ``peak_scheduled_agents``.
    """
    glossary.require_columns(staffing, ["queue_id", "interval_start", "calls", "raw_agents", "scheduled_agents"],
                             "weekly_totals")
    columns = ["week_start", "queue_id", "calls", "raw_agent_hours", "scheduled_agent_hours", "peak_scheduled_agents"]
    if staffing.empty:
        return pd.DataFrame(columns=columns)
    start = pd.to_datetime(staffing["interval_start"])
    first = start.min().normalize()
    weeks = staffing.assign(week_start=first + pd.to_timedelta((start - first).dt.days // 7 * 7, unit="D"))
    totals = weeks.groupby(["week_start", "queue_id"], as_index=False).agg(
        calls=("calls", "sum"), raw_agent_hours=("raw_agents", "sum"),
        scheduled_agent_hours=("scheduled_agents", "sum"),
        peak_scheduled_agents=("scheduled_agents", "max"))
    hours = interval_minutes / 60
    totals[["raw_agent_hours", "scheduled_agent_hours"]] = totals[["raw_agent_hours", "scheduled_agent_hours"]] * hours
    return totals[columns]


def store_run(store: Store, run_id: str, forecast: pd.DataFrame, staffing: pd.DataFrame, *,
              forecast_model: str, volume_source: str = "calls") -> dict[str, int]:
    """Write the forecast and the staffing plan under ``run_id`` in one batch ``staffing_forecast-<run_id>``.

    The batch's row in ``batches`` (kind ``staffing_forecast``, profile the
    model) is written in the same transaction; its finish time is what makes
    this run the latest for :func:`workbench.store.readers.latest_run_id`.
    Writing a run id again replaces its rows.

    Args:
        store: a writable store.
        forecast: from :func:`forecast_volumes`.
        staffing: from :func:`required_staffing`.
        forecast_model: the model that made the forecast (the plan's ``model``).
        volume_source: the table the history came from (``calls`` or
            ``interval_stats``), kept as the batch's ``source_file`` so apps can
            say it (:func:`workbench.store.readers.run_volume_source`).

    Returns:
        Rows written per table (``forecasts``, ``staffing``).
    """
    from datetime import datetime, timezone

    from workbench.forecast.backtest import forecast_store_rows
    from workbench.staffing.erlang import staffing_store_rows

    started = datetime.now(timezone.utc).replace(tzinfo=None)
    rows = {"forecasts": forecast_store_rows(forecast, run_id, forecast_model),
            "staffing": staffing_store_rows(staffing, run_id)}
    batch_id = f"{BATCH_PREFIX}{run_id}"
    loaded = sum(len(frame) for frame in rows.values())
    batch = pd.DataFrame([{
        "batch_id": batch_id, "kind": BATCH_KIND, "profile": forecast_model, "source_file": volume_source,
        "rows_read": loaded,
        "rows_loaded": loaded, "rows_rejected": 0, "rows_duplicate": 0, "started_at": started,
        "finished_at": datetime.now(timezone.utc).replace(tzinfo=None), "status": "succeeded",
    }])
    written = store.write_batch({**rows, "batches": batch}, batch_id=batch_id)
    return {name: written[name] for name in rows}


@dataclass
class StaffingForecast:
    """Every step's result of one staffing forecast run, as the notebook shows them."""

    run_id: str
    volumes: pd.DataFrame
    handle_times: pd.DataFrame
    plan: dict[str, Any]
    backtest: pd.DataFrame
    forecast: pd.DataFrame
    workload: pd.DataFrame
    patience: pd.DataFrame
    staffing: pd.DataFrame
    weekly_totals: pd.DataFrame
    stored: dict[str, int]
    volume_source: str = "calls"
    notes: list[str] = field(default_factory=list)


def _parameters(params: StaffingForecastParameters | None, overrides: dict[str, Any]) -> StaffingForecastParameters:
    from workbench.params import validate_parameters

    if params is not None:
        if overrides:
            return validate_parameters("staffing_forecast", {**params.model_dump(), **overrides},
                                       source="run_staffing_forecast")
        return params
    return validate_parameters("staffing_forecast", overrides, source="run_staffing_forecast")


def run_staffing_forecast(
    params: StaffingForecastParameters | None = None,
    *,
    run_id: str = "interactive",
    events: pd.DataFrame | None = None,
    write: bool = True,
    **parameters: Any,
) -> StaffingForecast:
    """The whole staffing forecast: history from the store, forecast, staffing plan, and the stored run.

    Args:
        params: validated :class:`workbench.params.StaffingForecastParameters`;
            None = built from ``parameters`` (the notebook's parameter names,
            e.g. ``store_path``, ``queues``, ``forecast_model``, ``backtest_folds``).
        run_id: id of the run in the store's ``forecasts`` and ``staffing`` tables.
        events: special days for Prophet; None = read from ``events_path`` when set.
        write: write the run to the store (False: compute only).
        **parameters: parameter values, overriding those of ``params``.

    Returns:
        Every step's result (``stored`` is empty when nothing was written).

    Raises:
        ParameterError: a parameter out of range or unknown.
        InputDataError: the store lacks what a step needs.
    """
    from workbench.forecast.models import read_events
    from workbench.store import Store

    params = _parameters(params, parameters)
    store_file = Path(params.store_file())
    if events is None and params.events_file() is not None:
        events = read_events(params.events_file())
    minutes = params.interval_minutes
    with Store(store_file, read_only=True) as reader:
        history = load_history(reader, interval_minutes=minutes, queues=params.queues,
                               volume_source=params.volume_source, group_by=params.group_by)
        patience = queue_patience(reader, short_abandon_seconds=params.short_abandon_seconds)
    volumes, handle_times, notes = history.volumes, history.handle_times, list(history.notes)
    if params.erlang_a and history.volume_source == "interval_stats" and patience.empty:
        notes.append(format_text("Callers' patience needs call records: the plan uses Erlang C (no abandonment)."))
    plan = plan_forecast(volumes, forecast_model=params.forecast_model, backtest_folds=params.backtest_folds,
                         horizon_days=params.horizon_days)
    options = params.model_options(events)
    backtest = run_backtest(volumes, plan, horizon_days=params.horizon_days, interval_minutes=minutes,
                            model_options=options, workers=params.workers)
    forecast = forecast_volumes(volumes, plan, horizon_days=params.horizon_days, interval_minutes=minutes,
                                model_options=options, workers=params.workers)
    load = forecast_workload(handle_times, forecast, aht_statistic=params.aht_statistic, interval_minutes=minutes)
    staffing = required_staffing(load, patience, erlang_a=params.erlang_a, **params.staffing_arguments())
    stored: dict[str, int] = {}
    if write:
        with Store(store_file) as writable:
            stored = store_run(writable, run_id, forecast, staffing, forecast_model=plan["model"],
                               volume_source=history.volume_source)
    return StaffingForecast(run_id=run_id, volumes=volumes, handle_times=handle_times, plan=plan, backtest=backtest,
                            forecast=forecast, workload=load, patience=patience, staffing=staffing,
                            weekly_totals=weekly_totals(staffing, interval_minutes=minutes), stored=stored,
                            volume_source=history.volume_source, notes=notes)
