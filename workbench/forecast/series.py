"""Interval series in statsforecast's long format ``unique_id, ds, y``.

Series come from the store (offered calls and handle time per queue and
interval) or from any CSV/Parquet file in that format. In the store they are
read from one of two sources (:data:`VOLUME_SOURCES`, chosen by
:func:`resolve_volume_source`): the call records (``calls``), or, for a
centre that exports only ACD interval reports, the ``interval_stats`` table
(:func:`interval_stats_history`). From call records a series can also be split
by one custom dimension (``group_by``): its id is then
``<queue_id>|<dimension>=<value>`` (e.g. ``billing_zh|region=north``;
``(unknown)`` where the call has no value), see :func:`series_id_sql`. :func:`validate_series`
checks what a model needs before any fit starts, naming the series at fault,
and :func:`closed_slots` finds the intervals of the week in which a centre
never receives a call, where forecasts are 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from workbench.errors import InputDataError
from workbench.glossary import (
    DEFAULT_INTERVAL_MINUTES,
    Period,
    call_set_sql,
    check_interval_minutes,
    interval_start,
    interval_start_sql,
    require_columns,
)

if TYPE_CHECKING:
    from workbench.store import Store

__all__ = [
    "SERIES_COLUMNS",
    "VOLUME_SOURCES",
    "resolve_volume_source",
    "series_id_sql",
    "interval_stats_history",
    "check_series_minutes",
    "interval_volumes",
    "interval_handle_times",
    "read_series",
    "validate_series",
    "infer_interval_minutes",
    "aggregate_series",
    "closed_slots",
    "slot_of_week",
]

SERIES_COLUMNS = ("unique_id", "ds", "y")
MINUTES_PER_DAY = 24 * 60
#: Where the store's series come from: call records, interval reports, or ``auto``
#: (calls when the store has call records for the period, else interval reports).
VOLUME_SOURCES: tuple[str, ...] = ("calls", "interval_stats", "auto")
#: Between the queue and a dimension value in a series id: ``billing_zh|region=north``.
DIMENSION_SEPARATOR = "|"
#: Series id part of a call without a value of the dimension.
UNKNOWN_DIMENSION_VALUE = "(unknown)"


def check_series_minutes(value: object, field: str = "interval_minutes") -> int:
    """``value`` as the interval length of a series: a divisor of 60, or :data:`MINUTES_PER_DAY` for daily series.

    Daily series come from day reports (``interval_minutes`` 1440 in
    ``interval_stats``); forecasting and backtesting work on them, staffing
    (Erlang, per intraday interval) does not.

    >>> check_series_minutes(1440), check_series_minutes(30)
    (1440, 30)
    """
    if value == MINUTES_PER_DAY and not isinstance(value, bool):
        return MINUTES_PER_DAY
    return check_interval_minutes(value, field)


def resolve_volume_source(
    store: Store, volume_source: str = "auto", date_from: str | None = None, date_to: str | None = None
) -> str:
    """``calls`` or ``interval_stats``: the source ``volume_source`` means for this store and period.

    ``auto`` is ``calls`` when the store holds a (non-phantom) call in the
    period, else ``interval_stats`` when it holds interval report rows in it,
    else ``calls`` (whose empty series then say what is missing).

    Raises:
        ParameterError: an unknown source (the known ones listed).
    """
    from workbench.errors import ParameterError
    from workbench.store import readers

    if volume_source not in VOLUME_SOURCES:
        raise ParameterError(f"unknown volume source {volume_source!r}; known: {', '.join(VOLUME_SOURCES)}",
                             field="volume_source")
    if volume_source != "auto":
        return volume_source
    if store.count_calls(date_from, date_to):
        return "calls"
    if readers.interval_stats_rows(store, date_from, date_to):
        return "interval_stats"
    return "calls"


def series_id_sql(store: Store, group_by: str | None) -> str:
    """SQL of the series id over ``calls``: ``queue_id``, or ``queue_id|<dimension>=<value>`` with a dimension.

    Raises:
        ParameterError: ``group_by`` is not a dimension of ``calls`` (the known ones named).
    """
    if group_by is None:
        return "queue_id"
    from workbench.errors import ParameterError
    from workbench.glossary import dimension_column
    from workbench.store import readers

    known = readers.dimension_names(store, "calls")
    if group_by not in known:
        raise ParameterError(f"'{group_by}' is not a dimension of the calls; known: "
                             f"{', '.join(known) or 'none loaded'}", field="group_by")
    column = dimension_column(group_by)
    prefix = f"{DIMENSION_SEPARATOR}{group_by}="
    return (f"queue_id || '{prefix}' || coalesce(CAST(\"{column}\" AS VARCHAR), "
            f"'{UNKNOWN_DIMENSION_VALUE}')")


def _queue_filter(store: Store, queues: Sequence[str] | str | None) -> tuple[str, list[str]]:
    """SQL condition and parameters keeping the queues a ``queues`` selection names (ids or families)."""
    from workbench.store import readers

    kept = readers.selected_queue_ids(store, queues)
    if kept is None:
        return "TRUE", []
    if not kept:
        return "FALSE", []
    return f"queue_id IN ({', '.join('?' for _ in kept)})", kept


def _complete_grid(counts: pd.DataFrame, interval_minutes: int, fill: float | None) -> pd.DataFrame:
    """Every interval of every whole day from the first to the last day, per series."""
    if counts.empty:
        return pd.DataFrame({"unique_id": pd.Series(dtype=str), "ds": pd.Series(dtype="datetime64[ns]"),
                             "y": pd.Series(dtype=float)})
    first = counts["ds"].min().normalize()
    last = counts["ds"].max().normalize() + pd.Timedelta(days=1) - pd.Timedelta(minutes=interval_minutes)
    grid_ds = pd.date_range(first, last, freq=f"{interval_minutes}min")
    ids = sorted(counts["unique_id"].unique())
    grid = pd.MultiIndex.from_product([ids, grid_ds], names=["unique_id", "ds"]).to_frame(index=False)
    out = grid.merge(counts, on=["unique_id", "ds"], how="left")
    if fill is not None:
        out["y"] = out["y"].fillna(fill)
    return out


def interval_volumes(
    store: Store,
    interval_minutes: int = DEFAULT_INTERVAL_MINUTES,
    queues: Sequence[str] | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    group_by: str | None = None,
) -> pd.DataFrame:
    """Offered calls per queue and interval, zeros included, from the store.

    Offered means every call that reached a queue except ``phantom`` ones (the
    ``offered`` call set of :mod:`workbench.glossary`, as in
    :mod:`workbench.kpis`). Intervals without calls are 0,
    over whole days from the first to the last day with calls, so the series
    has no gaps.

    Args:
        store: an open :class:`workbench.store.Store` (table ``calls``:
            ``queue_id``, ``arrived_at``, ``outcome``).
        interval_minutes: interval length; must divide 60.
        queues: queue ids or families to keep; None, empty or ``["all"]`` = all.
        date_from: first day (ISO date), None = first day in the store.
        date_to: last day, inclusive (ISO date), None = last day.
        group_by: a custom dimension of ``calls`` splitting each queue's
            series by its values (:func:`series_id_sql`); None = per queue.

    Returns:
        Columns ``unique_id`` (queue id, or ``<queue>|<dimension>=<value>``),
        ``ds`` (interval start) and ``y`` (offered calls), sorted by ``unique_id, ds``.
    """
    counts = _per_interval(store, "count(*)::DOUBLE AS y", "TRUE", interval_minutes, queues, date_from, date_to,
                           group_by)
    return _complete_grid(counts, interval_minutes, 0.0).sort_values(["unique_id", "ds"], ignore_index=True)


def interval_handle_times(
    store: Store,
    interval_minutes: int = DEFAULT_INTERVAL_MINUTES,
    queues: Sequence[str] | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    group_by: str | None = None,
) -> pd.DataFrame:
    """Average handle time of answered calls per queue and interval, from the store.

    Handle time is talk + hold + wrap (missing parts as 0) of answered and
    transferred calls with at least one part known, the KPI definition of
    ``aht_seconds``: a call with none of them recorded is left out, not
    averaged in as 0 s (which would understate the workload).

    Args:
        store: an open store (table ``calls``: ``queue_id``, ``arrived_at``,
            ``outcome``, ``talk_seconds``, ``hold_seconds``, ``wrap_seconds``).
        interval_minutes, queues, date_from, date_to, group_by: as :func:`interval_volumes`.

    Returns:
        Columns ``unique_id``, ``ds``, ``y`` (AHT in seconds, NaN where no call
        was answered) and ``answered`` (calls averaged: answered calls with a
        handle time known), sorted by ``unique_id, ds``.
    """
    frame = _per_interval(
        store,
        "avg(CASE WHEN coalesce(talk_seconds, hold_seconds, wrap_seconds) IS NOT NULL THEN "
        "coalesce(talk_seconds, 0) + coalesce(hold_seconds, 0) + coalesce(wrap_seconds, 0) END) AS y, "
        "count(coalesce(talk_seconds, hold_seconds, wrap_seconds))::DOUBLE AS answered",
        call_set_sql("answered"),
        interval_minutes, queues, date_from, date_to, group_by,
    )
    out = _complete_grid(frame, interval_minutes, None)
    out["answered"] = out["answered"].fillna(0.0)
    return out.sort_values(["unique_id", "ds"], ignore_index=True)


def _per_interval(
    store: Store,
    measures_sql: str,
    condition_sql: str,
    interval_minutes: int,
    queues: Sequence[str] | None,
    date_from: str | None,
    date_to: str | None,
    group_by: str | None = None,
) -> pd.DataFrame:
    """``unique_id`` (queue, or queue and dimension value), ``ds`` (interval start) and the given aggregates
    over offered calls matching ``condition_sql`` in the period and queues."""
    interval = interval_start_sql("arrived_at", interval_minutes)
    in_period, values = Period.of(date_from, date_to).sql_condition("arrived_at")
    queue_sql, queue_values = _queue_filter(store, queues)
    frame = store.query(
        f"""
        SELECT {series_id_sql(store, group_by)} AS unique_id, {interval} AS ds, {measures_sql}
        FROM calls WHERE {call_set_sql("offered")} AND {in_period} AND {condition_sql} AND {queue_sql}
        GROUP BY ALL
        """,
        [*values, *queue_values],
    )
    frame["ds"] = pd.to_datetime(frame["ds"])
    return frame


def interval_stats_history(
    store: Store,
    interval_minutes: int = DEFAULT_INTERVAL_MINUTES,
    queues: Sequence[str] | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Volumes and handle times per queue and interval from the interval reports (``interval_stats``).

    The twin of :func:`interval_volumes` and :func:`interval_handle_times` for
    a centre without call records. Report rows are added into
    ``interval_minutes`` buckets (15-minute rows make 30-minute intervals);
    the volume is ``offered``, or ``answered`` where the report gives only
    answered (handled) calls; handle time is the AHT weighted by the answered
    calls it averages. Intervals without a row are 0 calls, over whole days
    from the first to the last day, as from call records.

    Args:
        store: an open store (table ``interval_stats``).
        interval_minutes: interval length; a divisor of 60 that the report's
            rows fit in (its own length or a multiple of it), or 1440 for
            daily series (any report).
        queues: queue ids or families of the report; None, empty or ``["all"]`` = all.
        date_from, date_to: inclusive local days, None = open.

    Returns:
        (volumes ``unique_id, ds, y``; handle times ``unique_id, ds, y,
        answered`` as :func:`interval_handle_times`; notes: what the series
        are where that differs from offered calls, one sentence per queue).

    Raises:
        ParameterError: rows longer than ``interval_minutes`` (e.g. a daily
            report), which an interval cannot be made of.
    """
    from workbench.errors import ParameterError
    from workbench.store import readers

    minutes = check_series_minutes(interval_minutes)
    kept = readers.selected_interval_queue_ids(store, queues)
    too_long = [m for m in readers.interval_stats_lengths(store, kept) if m > minutes or minutes % m]
    if too_long:
        raise ParameterError(f"the interval reports hold {', '.join(map(str, too_long))}-minute rows, which "
                             f"{minutes}-minute intervals cannot be made of; choose interval_minutes as a multiple "
                             "of the rows' length", field="interval_minutes")
    rows = readers.interval_stats_series(store, interval_minutes=minutes, queue_ids=kept, date_from=date_from,
                                         date_to=date_to)
    rows["ds"] = pd.to_datetime(rows["ds"])
    notes = []
    for uid, group in rows.groupby("unique_id", sort=True):
        if group["offered"].isna().all():
            notes.append(f"{uid}: the report gives answered calls only, so its series is of answered calls "
                         "(calls offered but abandoned are unknown and not forecast)")
        elif group["offered"].isna().any():
            notes.append(f"{uid}: {int(group['offered'].isna().sum())} interval(s) give answered calls only; "
                         "those count answered calls")
    volumes = rows[["unique_id", "ds"]].assign(y=rows["offered"].fillna(rows["answered"]).fillna(0.0))
    volumes = _complete_grid(volumes, minutes, 0.0).sort_values(["unique_id", "ds"], ignore_index=True)
    handled = rows[rows["handle_answered"] > 0]
    # On the volumes' grid (whole days), NaN where nothing with a handle time was answered.
    handle = volumes[["unique_id", "ds"]].merge(
        handled[["unique_id", "ds"]].assign(y=handled["handle_seconds"] / handled["handle_answered"],
                                            answered=handled["handle_answered"]),
        on=["unique_id", "ds"], how="left")
    handle["answered"] = handle["answered"].fillna(0.0)
    return volumes, handle.sort_values(["unique_id", "ds"], ignore_index=True), notes


def read_series(path: str | Path) -> pd.DataFrame:
    """A long-format series file (CSV or Parquet) with columns ``unique_id, ds, y``.

    Extra columns are dropped; ``unique_id`` becomes a string, ``ds`` a
    timestamp and ``y`` a float. Use :func:`validate_series` before fitting.

    Raises:
        InputDataError: the file is missing or of another format, a column is
            missing, or a ``ds``/``y`` value does not parse (row named).
    """
    path = Path(path)
    if not path.is_file():
        raise InputDataError("series file not found", file=path)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        raw = pd.read_parquet(path)
    elif suffix in {".csv", ".txt"}:
        raw = pd.read_csv(path)
    else:
        raise InputDataError(f"expected a .csv or .parquet file, found '{suffix}'", file=path)
    require_columns(raw, SERIES_COLUMNS, "a series file", file=path)
    out = raw[list(SERIES_COLUMNS)].copy()
    out["unique_id"] = out["unique_id"].astype(str)
    ds = pd.to_datetime(out["ds"], errors="coerce")
    y = pd.to_numeric(out["y"], errors="coerce")
    for name, parsed in (("ds", ds), ("y", y)):
        bad = parsed.isna() & out[name].notna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputDataError(f"cannot parse {out[name].iloc[row]!r}", file=path, row=row + 2, field=name)
    out["ds"], out["y"] = ds, y.astype(float)
    return out


def infer_interval_minutes(df: pd.DataFrame) -> int:
    """The interval length of a long-format series: the most common step between timestamps.

    >>> df = pd.DataFrame({"unique_id": "q", "ds": pd.date_range("2026-01-05", periods=4, freq="30min"), "y": 1.0})
    >>> infer_interval_minutes(df)
    30
    """
    require_columns(df, ("unique_id", "ds"), "infer_interval_minutes")
    steps = df.sort_values(["unique_id", "ds"]).groupby("unique_id")["ds"].diff().dropna()
    steps = steps[steps > pd.Timedelta(0)]
    if steps.empty:
        raise InputDataError("cannot infer the interval length: every series has fewer than two timestamps",
                             field="ds")
    return int(round(steps.mode().iloc[0].total_seconds() / 60))


def validate_series(
    df: pd.DataFrame,
    interval_minutes: int | None = None,
    min_days: float = 0.0,
) -> int:
    """Check a long-format series is usable; return its interval length in minutes.

    Args:
        df: columns ``unique_id``, ``ds``, ``y``.
        interval_minutes: expected interval length; None = inferred.
        min_days: each series must cover at least this many days.

    Returns:
        The interval length in minutes.

    Raises:
        InputDataError: naming the series and the first offending timestamp:
            missing column, missing or negative ``y``, duplicate timestamps,
            gaps (missing intervals, or timestamps off the interval grid), or
            a series shorter than ``min_days``.
        ParameterError: an interval length (given or inferred) that neither divides 60 nor is a day (1440).
    """
    require_columns(df, SERIES_COLUMNS, "a series")
    if df.empty:
        raise InputDataError("the series table is empty", field="y")
    step_minutes = check_series_minutes(interval_minutes or infer_interval_minutes(df))
    step = pd.Timedelta(minutes=step_minutes)
    for uid, group in df.groupby("unique_id", sort=True):
        ds = pd.to_datetime(group["ds"]).sort_values()
        duplicated = ds[ds.duplicated()]
        if not duplicated.empty:
            raise InputDataError(f"series '{uid}': duplicate timestamp {duplicated.iloc[0]}", field="ds")
        y = group["y"]
        if y.isna().any():
            raise InputDataError(f"series '{uid}': missing y at {group.loc[y.isna(), 'ds'].iloc[0]}", field="y")
        if (y < 0).any():
            bad = group.loc[y < 0].iloc[0]
            raise InputDataError(f"series '{uid}': negative y {bad['y']} at {bad['ds']}", field="y")
        diffs = ds.diff().iloc[1:]
        if (diffs != step).any():
            position = int(np.flatnonzero((diffs != step).to_numpy())[0])
            before, after = ds.iloc[position], ds.iloc[position + 1]
            raise InputDataError(
                f"series '{uid}': gap between {before} and {after} (expected one row every {step_minutes} min; "
                "fill missing intervals with 0 if no calls came)",
                field="ds",
            )
        days = len(ds) * step_minutes / MINUTES_PER_DAY
        if days < min_days:
            raise InputDataError(
                f"series '{uid}' is too short to fit: {days:.1f} days of history, at least {min_days:g} needed",
                field="ds",
            )
    return step_minutes


def aggregate_series(df: pd.DataFrame, interval_minutes: int) -> pd.DataFrame:
    """Sum a long-format series into coarser intervals (e.g. 6-minute bins into 30 minutes).

    Args:
        df: columns ``unique_id``, ``ds``, ``y``.
        interval_minutes: the new interval length.

    Returns:
        Columns ``unique_id``, ``ds`` (start of the coarser interval), ``y`` (sum).
    """
    require_columns(df, SERIES_COLUMNS, "aggregate_series")
    out = df[list(SERIES_COLUMNS)].assign(ds=interval_start(df["ds"], interval_minutes))
    return out.groupby(["unique_id", "ds"], as_index=False, sort=True)["y"].sum()


def slot_of_week(ds: pd.Series | pd.DatetimeIndex, interval_minutes: int) -> np.ndarray:
    """Interval-of-week index: Monday 00:00 = 0, counting intervals of ``interval_minutes``."""
    ds = pd.DatetimeIndex(ds)
    minutes = ds.dayofweek * MINUTES_PER_DAY + ds.hour * 60 + ds.minute
    return np.asarray(minutes // interval_minutes, dtype=np.int64)


def closed_slots(df: pd.DataFrame, interval_minutes: int | None = None) -> pd.DataFrame:
    """Intervals of the week in which a series never had a call: the centre is closed then.

    A slot of the week seen in the history is closed when every observation
    was 0. A slot never seen (a history shorter than a week) is judged by the
    same time of day on the days that were seen, so a two-day history still
    marks the nights closed.

    Args:
        df: columns ``unique_id``, ``ds``, ``y``.
        interval_minutes: interval length; None = inferred.

    Returns:
        One row per series and slot of the week: ``unique_id``, ``slot``
        (see :func:`slot_of_week`), ``closed`` (bool), ``observations``.
    """
    require_columns(df, SERIES_COLUMNS, "closed_slots")
    minutes = interval_minutes or infer_interval_minutes(df)
    per_day = MINUTES_PER_DAY // minutes
    frame = pd.DataFrame({"unique_id": df["unique_id"].to_numpy(), "slot": slot_of_week(df["ds"], minutes),
                          "busy": df["y"].to_numpy(dtype=float) > 0})
    frame["slot_of_day"] = frame["slot"] % per_day
    by_week = frame.groupby(["unique_id", "slot"]).agg(busy=("busy", "any"), observations=("busy", "size"))
    by_day = frame.groupby(["unique_id", "slot_of_day"])["busy"].any()
    ids = sorted(frame["unique_id"].unique())
    grid = pd.MultiIndex.from_product([ids, range(7 * per_day)], names=["unique_id", "slot"]).to_frame(index=False)
    grid = grid.merge(by_week.reset_index(), on=["unique_id", "slot"], how="left")
    grid["slot_of_day"] = grid["slot"] % per_day
    day_busy = by_day.rename("day_busy").reset_index()
    grid = grid.merge(day_busy, on=["unique_id", "slot_of_day"], how="left")
    seen = grid["busy"].notna().to_numpy()
    busy = np.where(seen, grid["busy"].to_numpy(dtype=object), grid["day_busy"].to_numpy(dtype=object))
    busy = np.array([bool(v) if v is not None and v == v else False for v in busy])
    grid["observations"] = grid["observations"].fillna(0).astype(np.int64)
    grid["closed"] = ~busy
    return grid[["unique_id", "slot", "closed", "observations"]]
