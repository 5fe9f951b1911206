"""KPIs of ACD interval reports (table ``interval_stats``), combined the way the call-level KPIs count.

An interval report holds counts (offered, answered, abandoned, ...) and
averages (ASA, AHT) per queue and interval. Combining intervals into a queue,
a day or a longer interval adds the counts and weights each average by the
calls it averages: ASA = sum(ASA x answered) / sum(answered), never the mean
of the intervals' ASAs (a quiet night interval would count as much as the
Monday-morning peak). :func:`compute_interval_kpis` returns the KPI columns of
:func:`workbench.kpis.compute_kpis` that an interval report can give, under
the same names and meanings (:data:`workbench.kpis.KPI_DEFINITIONS`), plus
the populations behind each figure, all in one DuckDB statement.

Rows whose own figures contradict each other never reach the store: ingest
rejects them (:func:`workbench.ingest.validate._interval_checks`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from workbench.errors import ParameterError, WorkbenchError
from workbench.glossary import (
    DEFAULT_INTERVAL_MINUTES,
    Period,
    check_interval_minutes,
    interval_start_sql,
)

if TYPE_CHECKING:
    import pandas as pd

    from workbench.store import Store

#: ``by`` key -> (output column, SQL over ``interval_stats``); the keys of :data:`workbench.kpis.BY_KEYS`
#: an interval report can group by. ``{interval}`` is the interval bucket of ``interval_start``.
BY_KEYS: dict[str, tuple[str, str]] = {
    "queue": ("queue_id", "queue_id"),
    "day": ("day", "CAST(interval_start AS DATE)"),
    "interval": ("interval_start", "{interval}"),
}

#: Column -> definition and formula, for the columns whose meaning differs from
#: or is not in :data:`workbench.kpis.KPI_DEFINITIONS` (the others share it).
INTERVAL_KPI_DEFINITIONS: dict[str, str] = {
    "offered": "Calls offered, summed over the intervals that report them. Formula: sum(offered).",
    "answered": "Calls answered (transfers included), summed. Formula: sum(answered).",
    "abandoned": "Abandons after the short-abandon threshold, summed; when the report gives short abandons apart. "
    "Formula: sum(abandoned).",
    "short_abandoned": "Short abandons, summed (NULL when the report does not give them). "
    "Formula: sum(short_abandoned).",
    "answer_rate": "Share of genuine calls answered, over intervals with offered and answered known. "
    "Formula: sum(answered) / sum(offered - short_abandoned).",
    "abandonment_rate": "Share of genuine calls the caller gave up on, over intervals with offered and abandoned "
    "known. Formula: sum(abandoned) / sum(offered - short_abandoned).",
    "asa_seconds": "Average speed of answer weighted by the answered calls it averages. "
    "Formula: sum(asa_seconds x answered) / sum(answered), over intervals with ASA known.",
    "service_level": "Share of genuine calls answered within the target. Counts first: "
    "sum(answered_in_target) / sum(offered - short_abandoned); an interval giving only the ACD's share "
    "contributes service_level x (offered - short_abandoned) calls in time.",
    "aht_seconds": "Average handle time weighted by answered calls. "
    "Formula: sum(aht_seconds x answered) / sum(answered), over intervals with AHT known.",
    "service_level_calls": "The base of service_level: offered - short_abandoned of the intervals with a "
    "service level (counted or reported) and offered known.",
    "intervals": "Report rows combined into the group.",
    "offered_unknown": "Rows without an offered count (answered-only reports); left out of offered and the rates.",
    "asa_unknown": "Answered calls of rows without an ASA; left out of asa_seconds.",
    "handle_unknown": "Answered calls of rows without an AHT; left out of aht_seconds.",
    "target_answer_seconds": "The target of the service level when every row combined states the same one; "
    "NULL when they differ or none is stated.",
}

#: Columns of :func:`compute_interval_kpis` after the group columns.
INTERVAL_KPI_COLUMNS: list[str] = [
    "offered", "answered", "abandoned", "short_abandoned", "answer_rate", "abandonment_rate", "asa_seconds",
    "service_level",
    "aht_seconds", "service_level_calls", "intervals", "offered_unknown", "asa_unknown", "handle_unknown",
    "target_answer_seconds",
]


def _by_columns(by: Sequence[str] | str, interval_minutes: int) -> list[tuple[str, str]]:
    keys = [by] if isinstance(by, str) else list(by)
    unknown = [k for k in keys if k not in BY_KEYS]
    if unknown:
        raise WorkbenchError(f"unknown interval KPI grouping key(s) {unknown}; valid keys: {', '.join(BY_KEYS)} "
                             "(an interval report has no agents or languages)")
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise WorkbenchError(f"interval KPI grouping key(s) {repeated} given more than once in by={keys}")
    interval = interval_start_sql("interval_start", interval_minutes)
    return [(BY_KEYS[k][0], BY_KEYS[k][1].format(interval=interval)) for k in keys]


def interval_kpi_sql(
    by: Sequence[str] | str = (),
    interval_minutes: int = DEFAULT_INTERVAL_MINUTES,
    *,
    period: Period | None = None,
    queue_count: int | None = None,
    target_answer_seconds: float | None = None,
) -> str:
    """The SQL behind :func:`compute_interval_kpis`.

    Positional ``?`` parameters: those of ``period.sql_condition()``, then
    ``queue_count`` queue ids (None keeps every queue, 0 none), then the
    target when ``target_answer_seconds`` is given.
    """
    period = period or Period()
    columns = _by_columns(by, interval_minutes)
    in_period, _ = period.sql_condition("interval_start")
    where = [in_period]
    if queue_count is not None:
        where.append(f"queue_id IN ({', '.join(['?'] * queue_count)})" if queue_count else "FALSE")
    # Rows stating another target than the one asked for cannot say how many calls met it.
    target_ok = "target_answer_seconds = ?" if target_answer_seconds is not None else "TRUE"
    key_select = "".join(f"        {expr} AS {name},\n" for name, expr in columns)
    key_names = ", ".join(name for name, _ in columns)
    key_out = "".join(f"    {name},\n" for name, _ in columns)
    group_by = f"GROUP BY {key_names}" if columns else ""
    order_by = f"ORDER BY {key_names}" if columns else ""
    return f"""
WITH base AS (
    SELECT
{key_select}        offered, answered, abandoned, short_abandoned,
        offered - coalesce(short_abandoned, 0) AS genuine,
        CASE WHEN {target_ok} THEN
            coalesce(CAST(answered_in_target AS DOUBLE),
                     service_level * (offered - coalesce(short_abandoned, 0)))
        END AS in_target,
        CASE WHEN answered IS NOT NULL THEN asa_seconds END AS asa_seconds,
        CASE WHEN answered IS NOT NULL THEN aht_seconds END AS aht_seconds,
        target_answer_seconds
    FROM interval_stats
    WHERE {" AND ".join(where)}
)
SELECT
{key_out}    CAST(sum(offered) AS BIGINT) AS offered,
    CAST(sum(answered) AS BIGINT) AS answered,
    CAST(sum(abandoned) AS BIGINT) AS abandoned,
    CAST(sum(short_abandoned) AS BIGINT) AS short_abandoned,
    sum(answered) FILTER (WHERE genuine IS NOT NULL)
        / NULLIF(sum(genuine) FILTER (WHERE answered IS NOT NULL), 0) AS answer_rate,
    sum(abandoned) FILTER (WHERE genuine IS NOT NULL)
        / NULLIF(sum(genuine) FILTER (WHERE abandoned IS NOT NULL), 0) AS abandonment_rate,
    sum(asa_seconds * answered) / NULLIF(sum(answered) FILTER (WHERE asa_seconds IS NOT NULL), 0) AS asa_seconds,
    sum(in_target) FILTER (WHERE genuine IS NOT NULL)
        / NULLIF(sum(genuine) FILTER (WHERE in_target IS NOT NULL), 0) AS service_level,
    sum(aht_seconds * answered) / NULLIF(sum(answered) FILTER (WHERE aht_seconds IS NOT NULL), 0) AS aht_seconds,
    CAST(coalesce(sum(genuine) FILTER (WHERE in_target IS NOT NULL), 0) AS BIGINT) AS service_level_calls,
    CAST(count(*) AS BIGINT) AS intervals,
    CAST(count(*) FILTER (WHERE offered IS NULL) AS BIGINT) AS offered_unknown,
    CAST(coalesce(sum(answered) FILTER (WHERE asa_seconds IS NULL), 0) AS BIGINT) AS asa_unknown,
    CAST(coalesce(sum(answered) FILTER (WHERE aht_seconds IS NULL), 0) AS BIGINT) AS handle_unknown,
    CASE WHEN count(DISTINCT target_answer_seconds) = 1 AND count(target_answer_seconds) = count(*)
         THEN min(target_answer_seconds) END AS target_answer_seconds
FROM base
{group_by}
{order_by}
"""


def compute_interval_kpis(
    store: Store,
    by: Sequence[str] | str = (),
    date_from: str | None = None,
    date_to: str | None = None,
    queues: Sequence[str] | None = None,
    target_answer_seconds: float | None = None,
    interval_minutes: int = DEFAULT_INTERVAL_MINUTES,
) -> pd.DataFrame:
    """KPIs of the store's interval reports, overall or per queue, day or interval.

    Reads ``interval_stats`` (``queue_id``, ``interval_start``,
    ``interval_minutes``, ``offered``, ``answered``, ``abandoned``,
    ``short_abandoned``, ``answered_in_target``, ``target_answer_seconds``,
    ``service_level``, ``asa_seconds``, ``aht_seconds``). Counts are summed;
    averages are weighted by the calls they average:

    * ``answer_rate`` = sum(answered) / sum(offered - short_abandoned), over rows with offered and
      answered known;
    * ``abandonment_rate`` = sum(abandoned) / sum(offered - short_abandoned)
      (short abandons as 0 where not given, i.e. inside abandoned), over rows
      with offered and abandoned known;
    * ``asa_seconds`` = sum(asa_seconds x answered) / sum(answered) over rows with an ASA;
    * ``aht_seconds`` = sum(aht_seconds x answered) / sum(answered) over rows with an AHT;
    * ``service_level`` = sum(calls in target) / ``service_level_calls``, where
      a row's calls in target are its ``answered_in_target`` count or, when it
      gives only the ACD's share, ``service_level`` x (offered -
      short_abandoned); ``service_level_calls`` = sum(offered -
      short_abandoned) of the rows with either. The basis is that of
      :func:`workbench.kpis.compute_kpis` (short abandons out, other abandons
      misses); a reported share on another basis (ingest warns) is taken as if
      on ours.

    With every call's wait known, these equal :func:`workbench.kpis.compute_kpis`
    of the same calls up to the report's rounding (whole seconds in ASA/AHT).
    See :data:`INTERVAL_KPI_DEFINITIONS` for every column. A rate with a zero
    base is NULL.

    Args:
        store: an open store.
        by: grouping keys among ``queue`` (``queue_id``), ``day`` (``day``)
            and ``interval`` (``interval_start``: rows bucketed into
            ``interval_minutes``); empty = one overall row.
        date_from, date_to: inclusive local days (ISO) of ``interval_start``; None = open.
        queues: queue ids or families of the report (:func:`workbench.glossary.select_queues`);
            None, empty or ``["all"]`` = every queue.
        target_answer_seconds: count only rows stating this service-level
            target; None = every row, whatever target it states (the
            ``target_answer_seconds`` column says when they agree).
        interval_minutes: bucket of ``by="interval"``; rows longer than it
            cannot be split and raise.

    Returns:
        One row per group, ordered by the group columns, then
        :data:`INTERVAL_KPI_COLUMNS`. The overall row is always there.

    Raises:
        WorkbenchError: an unknown or repeated ``by`` key.
        ParameterError: a bad date or interval length, or ``by="interval"``
            over rows longer than ``interval_minutes`` (a day report).
    """
    from workbench.store import readers

    period = Period.of(date_from, date_to)
    check_interval_minutes(interval_minutes)
    kept = readers.selected_interval_queue_ids(store, queues)
    keys = [by] if isinstance(by, str) else list(by)
    if "interval" in keys:
        longest = readers.interval_stats_lengths(store, kept)
        too_long = [m for m in longest if m > interval_minutes or interval_minutes % m]
        if too_long:
            raise ParameterError(f"the report holds {', '.join(map(str, too_long))}-minute rows, which {interval_minutes}-minute "
                                 "intervals cannot be made of; group by day or choose a multiple of the rows' "
                                 "length", field="interval_minutes")
    sql = interval_kpi_sql(keys, interval_minutes, period=period, queue_count=None if kept is None else len(kept),
                           target_answer_seconds=target_answer_seconds)
    parameters = [*period.sql_condition("interval_start")[1], *(kept or [])]
    if target_answer_seconds is not None:
        parameters.append(float(target_answer_seconds))
    return store.query(sql, parameters)
