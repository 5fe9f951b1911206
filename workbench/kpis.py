"""Contact-centre KPIs computed in the store, each defined once.

:func:`compute_kpis` turns the canonical ``calls`` and ``surveys`` tables into
one row of KPIs per group (queue, language, agent, day, interval, or any
combination). All arithmetic happens in one plain SQL statement (CTEs,
``GROUP BY``, ``CASE``), so the same definitions could run on Trino or Spark.

:data:`KPI_DEFINITIONS` holds the plain-language definition and formula of
every KPI column for notebooks and the README; the docstring of
:func:`compute_kpis` carries the same formulas next to the code.

Population rules shared by every KPI:

* ``phantom`` calls (system artefacts, never a real customer) are dropped
  before anything is counted.
* ``transferred`` calls were answered by an agent first, so they count as
  answered (and also towards ``transfer_rate``).
* A short abandon is a call with outcome ``short_abandon``, or outcome
  ``abandoned`` with ``wait_seconds < short_abandon_seconds``. Short abandons
  are counted in ``short_abandoned`` only, never in ``abandoned``; an
  abandoned call without a recorded wait is a genuine abandon. So
  ``offered = answered + abandoned + short_abandoned`` when every outcome is
  one of the canonical five.
* A measure the export did not give (``wait_seconds``, or all of
  ``talk_seconds``, ``hold_seconds`` and ``wrap_seconds``) is unknown, never
  0: a KPI built on a measure averages only the calls that have it, and
  ``wait_unknown`` / ``handle_unknown`` count the calls that lack it. A call
  is still counted (offered, answered, abandoned) whatever it lacks.

First-contact resolution is reported both ways, side by side: ``fcr_rate``
from repeat calls (the customer did not call again) and ``fcr_marked_rate``
from the agent's mark (``calls.resolved``). Every rate or average has a
column counting its population and, where a measure can be missing, one
counting the calls that lacked it (:data:`KPI_POPULATIONS`).

Grouping and filtering go beyond the built-in keys (:data:`BY_KEYS`): the
store's custom dimensions of calls (``region`` reads column ``dim_region``),
the agents' ``team`` and ``site`` and their custom dimensions (joined on
``agent_id``), and for the CSAT distribution the survey's ``survey_type`` and
``survey_channel`` (:func:`dimension_keys`). A dimension is one more ``GROUP BY``
column; filter values are SQL parameters, never written into the text.

Which calls each count is about, the period, the interval and the repeat
contact behind ``fcr_rate`` come from :mod:`workbench.glossary`
(:func:`~workbench.glossary.call_set_sql`, :class:`~workbench.glossary.Period`,
:func:`~workbench.glossary.interval_start_sql`,
:func:`~workbench.glossary.called_again_sql`); this module only adds them up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from workbench.errors import ParameterError, WorkbenchError
from workbench.i18n import COLUMN_LABELS, N_
from workbench.store.dimensions import (  # noqa: F401 - AGENT_KEYS, SURVEY_KEYS are part of the KPI vocabulary
    AGENT_KEYS,
    SURVEY_KEYS,
    DimensionKey,
    dimension_keys,
    filter_keys,
)
from workbench.glossary import (
    DEFAULT_INTERVAL_MINUTES,
    DEFAULT_REPEAT_WINDOW_DAYS,
    DEFAULT_SHORT_ABANDON_SECONDS,
    DEFAULT_TARGET_ANSWER_SECONDS,
    Period,
    call_set_sql,
    called_again_sql,
    check_interval_minutes,
    interval_start_sql,
)

if TYPE_CHECKING:
    import pandas as pd

    from workbench.store import Store

#: ``by`` key -> (output column, SQL expression over ``calls``). ``{time}`` is
#: the timestamp grouped on (``arrived_at`` for calls, a bucket start for agent
#: states); ``{interval}`` is :func:`~workbench.glossary.interval_start_sql` of it.
BY_KEYS: dict[str, tuple[str, str]] = {
    "queue": ("queue_id", "queue_id"),
    "language": ("language", "language"),
    "agent": ("agent_id", "agent_id"),
    "day": ("day", "CAST({time} AS DATE)"),
    "interval": ("interval_start", "{interval}"),
}

#: KPI column -> plain-language definition and formula.
KPI_DEFINITIONS: dict[str, str] = {
    "offered": "Calls that reached a queue, phantom calls excluded. "
    "Formula: count(calls where outcome != phantom).",
    "answered": "Calls an agent picked up; transferred calls count as answered. "
    "Formula: count(outcome in {answered, transferred}).",
    "abandoned": "Callers who hung up in queue after the short-abandon threshold (or with no recorded wait). "
    "Formula: count(outcome = abandoned and (wait_seconds >= short_abandon_seconds or wait_seconds unknown)).",
    "short_abandoned": "Callers who hung up almost at once (misdials, IVR drop-outs); kept out of the rates. "
    "Formula: count(outcome = short_abandon or (outcome = abandoned and wait_seconds < short_abandon_seconds)).",
    "answer_rate": "Share of genuine calls an agent picked up (接通率); with abandonment_rate it makes up every "
    "genuine call. Formula: answered / (offered - short_abandoned).",
    "abandonment_rate": "Share of genuine calls the caller gave up on. "
    "Formula: abandoned / (offered - short_abandoned).",
    "asa_seconds": "Average speed of answer: mean time in queue of answered calls whose wait is known "
    "(answered calls without a wait are left out; see wait_unknown). "
    "Formula: mean(wait_seconds) over answered calls with wait_seconds known.",
    "service_level": "Share of genuine calls answered within the target time T (target_answer_seconds); "
    "an answered call with no recorded wait cannot be shown in time or late and is left out of both parts "
    "(an abandoned one without a wait is a miss). "
    "Formula: count(answered and wait_seconds <= T) / service_level_calls.",
    "aht_seconds": "Average handle time of answered calls with at least one of talk, hold and wrap time known, "
    "a missing part of those as 0 (answered calls with none known are left out; see handle_unknown). "
    "Formula: mean(talk_seconds + hold_seconds + wrap_seconds) over answered calls with any part known.",
    "transfer_rate": "Share of answered calls passed to another queue. "
    "Formula: count(outcome = transferred) / answered.",
    "fcr_rate": "First-contact resolution, repeat-based: share of answered calls from a known customer after "
    "which that customer did not call again within repeat_window_days days (answered calls without a customer id "
    "are left out; see customer_unknown). "
    "Formula: count(answered, customer_id known, no non-phantom call by the same customer_id in "
    "(arrived_at, arrived_at + repeat_window_days days]) / fcr_calls.",
    "fcr_marked_rate": "First-contact resolution, agent-marked: share of answered calls the agent marked resolved, "
    "of those with a mark (calls without one are left out; see resolved_unknown). It says what the agent "
    "believed at wrap-up; fcr_rate says whether the customer came back. "
    "Formula: count(answered and resolved = true) / fcr_marked_calls.",
    "survey_response_rate": "Share of answered calls with at least one survey response. "
    "Formula: count(answered calls with a survey) / answered.",
    "csat_mean": "Mean satisfaction score (1-5) of survey responses on answered calls; empty without responses. "
    "Formula: mean(csat) over surveys of answered calls.",
    "csat_top_box_rate": "Share of survey responses giving the top score (5 of 5); empty without responses. "
    "Formula: count(csat = 5) / count(surveys of answered calls).",
    "csat_responses": "Survey responses on answered calls (the base of the CSAT figures; see csat_distribution "
    "for the count per score). Formula: count(surveys of answered calls).",
    "occupancy": "Share of agents' logged-in-for-calls time spent handling calls; only where agent states are "
    "loaded, and only overall or by agent, day or interval (agents serve several queues, so not by queue). "
    "Formula: sum(talk + hold + wrap of answered calls of agents with states) / "
    "sum(time in states available, on_call, wrap).",
    "service_level_calls": "Calls the service level is about: offered calls but short abandons and answered "
    "calls with no recorded wait. Formula: (offered - short_abandoned) - count(answered and wait_seconds unknown).",
    "wait_unknown": "Offered calls with no recorded wait (the export did not give one); they count in offered, "
    "answered and abandoned, but not in asa_seconds. Formula: count(offered and wait_seconds unknown).",
    "handle_unknown": "Answered calls with none of talk, hold and wrap time recorded; left out of aht_seconds. "
    "Formula: count(answered and talk_seconds, hold_seconds, wrap_seconds all unknown).",
    "fcr_calls": "Calls the repeat-based fcr_rate is about: answered calls from a known customer. "
    "Formula: count(answered and customer_id known).",
    "customer_unknown": "Answered calls with no customer id: whether they were repeated cannot be told, so they "
    "are left out of fcr_rate. Formula: answered - fcr_calls.",
    "fcr_marked_calls": "Calls the agent-marked fcr_marked_rate is about: answered calls with a resolved mark "
    "(true or false). Formula: count(answered and resolved known).",
    "resolved_unknown": "Answered calls without a resolved mark (the export has no such field, or the agent "
    "left it empty); left out of fcr_marked_rate. Formula: answered - fcr_marked_calls.",
}

#: Rate or average -> (its population: the calls it is about, and the column
#: counting the calls that lacked its measure, "" when none can). A count is
#: its own population.
KPI_POPULATIONS: dict[str, tuple[str, str]] = {
    "answer_rate": ("offered - short_abandoned", ""),
    "abandonment_rate": ("offered - short_abandoned", ""),
    "asa_seconds": ("answered calls with a recorded wait", "wait_unknown"),
    "service_level": ("service_level_calls", "wait_unknown"),
    "aht_seconds": ("answered - handle_unknown", "handle_unknown"),
    "transfer_rate": ("answered", ""),
    "fcr_rate": ("fcr_calls", "customer_unknown"),
    "fcr_marked_rate": ("fcr_marked_calls", "resolved_unknown"),
    "survey_response_rate": ("answered", ""),
    "csat_mean": ("csat_responses", ""),
    "csat_top_box_rate": ("csat_responses", ""),
    "occupancy": ("time agents with agent states were staffed for calls", ""),
}

#: Agent states that count as staffed for calls (the denominator of occupancy).
STAFFED_STATES: tuple[str, ...] = ("available", "on_call", "wrap")
#: ``by`` keys occupancy can be computed for; any other key gives NULL occupancy.
OCCUPANCY_KEYS: frozenset[str] = frozenset({"agent", "day", "interval"})

KPI_COLUMNS: list[str] = list(KPI_DEFINITIONS)


def _by_columns(
    by: Sequence[str],
    interval_minutes: int,
    time: str = "arrived_at",
    dimensions: Mapping[str, DimensionKey] | None = None,
) -> list[tuple[str, str]]:
    """(output column, SQL expression) per ``by`` key: a built-in key or one of ``dimensions``."""
    if isinstance(by, str):
        by = [by]
    dimensions = dimensions or {}
    unknown = [key for key in by if key not in BY_KEYS and key not in dimensions]
    if unknown:
        found = ", ".join(dimensions) or "none"
        raise WorkbenchError(
            f"unknown KPI grouping key(s) {unknown}; valid keys: {', '.join(BY_KEYS)}; "
            f"this store's dimensions and agent keys: {found}"
        )
    repeated = sorted({key for key in by if list(by).count(key) > 1})
    if repeated:
        raise WorkbenchError(f"KPI grouping key(s) {repeated} given more than once in by={list(by)}")
    interval = interval_start_sql(time, interval_minutes)
    columns = [
        BY_KEYS[k] if k in BY_KEYS else (k, dimensions[k].sql) for k in by
    ]
    columns = [(name, expr.format(interval=interval, time=time)) for name, expr in columns]
    names = [name for name, _ in columns]
    clashes = sorted({name for name in names if names.count(name) > 1 or name in KPI_COLUMNS})
    if clashes:
        raise WorkbenchError(f"grouping column(s) {clashes} clash with another key or a KPI column; "
                             "rename the dimension in its ingest profile")
    return columns


def _joins(keys: Sequence[DimensionKey], *, surveys_joined: bool = False) -> str:
    """The agents join the ``keys`` need (none when they read only the calls)."""
    tables = {key.table for key in keys}
    if "surveys" in tables and not surveys_joined:
        raise WorkbenchError(f"{', '.join(k.name for k in keys if k.table == 'surveys')}: survey keys group the "
                             "CSAT distribution (csat_distribution), not the call KPIs")
    # USING: the calls' agent_id stays the one unqualified agent_id the built-in keys read.
    return "\n    LEFT JOIN agents a USING (agent_id)" if "agents" in tables else ""


def _selection_sql(period: Period, queue_count: int | None, filters: Sequence[DimensionKey]) -> str:
    """The WHERE condition of the calls counted: offered, in the period, the kept queues, the dimension filter.

    Its ``?`` parameters, in order: the period's, ``queue_count`` queue ids,
    then one list of values per filter key.
    """
    in_period, _ = period.sql_condition("c.arrived_at")
    where = f"{call_set_sql('offered')}\n      AND {in_period}"
    if queue_count is not None:
        where += f"\n      AND c.queue_id IN ({', '.join(['?'] * queue_count)})" if queue_count else "\n      AND FALSE"
    for key in filters:
        where += f"\n      AND {key.sql} = ANY(?)"
    return where


def _staffed_sql(by: list[str], interval_minutes: int, window: tuple[str, str] | None) -> tuple[str, str]:
    """CTEs of staffed seconds per group from ``agent_states``, and the join onto ``counts``.

    Each state period is cut at interval boundaries, so a period spanning
    several intervals (or midnight) puts its seconds where they were spent.
    """
    step = f"INTERVAL '{interval_minutes}' MINUTE"
    keys = _by_columns(by, interval_minutes, time="bucket_start")
    key_select = "".join(f"        {'agent_id' if name == 'agent_id' else expr} AS {name},\n" for name, expr in keys)
    key_names = ", ".join(name for name, _ in keys)
    clip = ""
    if window is not None:
        clip = f"\n    WHERE bucket_start >= TIMESTAMP '{window[0]}' AND bucket_start < TIMESTAMP '{window[1]}'"
    first_bucket = interval_start_sql("s.started_at", interval_minutes)
    states = ", ".join(f"'{state}'" for state in STAFFED_STATES)
    ctes = f"""
state_buckets AS (
    SELECT s.agent_id, s.started_at, s.ended_at, b.bucket_start
    FROM agent_states s,
         LATERAL (SELECT unnest(generate_series(
             {first_bucket}, s.ended_at - INTERVAL '1' MICROSECOND, {step})) AS bucket_start) b
    WHERE s.state IN ({states}) AND s.ended_at > s.started_at
),
staffed AS (
    SELECT
{key_select}        SUM(date_diff('millisecond', greatest(started_at, bucket_start),
                      least(ended_at, bucket_start + {step})) / 1000.0) AS staffed_seconds
    FROM state_buckets{clip}
    {f"GROUP BY {key_names}" if keys else ""}
),"""
    join = f"\nLEFT JOIN staffed USING ({key_names})" if keys else "\nLEFT JOIN staffed ON TRUE"
    return ctes, join


def kpi_sql(
    by: Sequence[str] = (),
    interval_minutes: int = DEFAULT_INTERVAL_MINUTES,
    *,
    period: Period | None = None,
    target_answer_seconds: float = DEFAULT_TARGET_ANSWER_SECONDS,
    short_abandon_seconds: float = DEFAULT_SHORT_ABANDON_SECONDS,
    repeat_window_days: int = DEFAULT_REPEAT_WINDOW_DAYS,
    queue_count: int | None = None,
    dimensions: Mapping[str, DimensionKey] | None = None,
    filters: Sequence[DimensionKey] = (),
) -> str:
    """The SQL statement behind :func:`compute_kpis`.

    Positional ``?`` parameters, in order: the parameters of
    ``period.sql_condition()`` (none for an unbounded period), then
    ``queue_count`` queue ids (the queues kept), then one list of values per
    key of ``filters`` (the dimension filter). ``queue_count`` None keeps
    every queue; 0 keeps none. ``dimensions`` are the keys beyond
    :data:`BY_KEYS` that ``by`` may name (:func:`dimension_keys`). The
    thresholds, ``interval_minutes`` and ``repeat_window_days`` are validated
    by the glossary and written into the text, as is the period agent-state
    time is clipped to; column names come from the store's catalogue, checked
    when the dimension was declared.
    """
    period = period or Period()
    answered = call_set_sql("answered")
    in_time = call_set_sql("answered_in_time", target_answer_seconds=target_answer_seconds)
    abandoned = call_set_sql("abandoned", short_abandon_seconds=short_abandon_seconds)
    short = call_set_sql("short_abandoned", short_abandon_seconds=short_abandon_seconds)
    transferred = call_set_sql("transferred")
    service_base = call_set_sql("service_level_calls", short_abandon_seconds=short_abandon_seconds)
    wait_unknown = call_set_sql("wait_unknown")
    called_again = called_again_sql(
        "(SELECT call_id, customer_id, arrived_at FROM base WHERE is_answered = 1)",
        repeat_window_days=repeat_window_days,
    )
    staffed_window = period.bounds() if period.bounded else None
    dimensions = dimensions or {}
    columns = _by_columns(by, interval_minutes, dimensions=dimensions)
    by_keys = [by] if isinstance(by, str) else list(by)
    joins = _joins([*(dimensions[k] for k in by_keys if k in dimensions), *filters])
    with_occupancy = set(by_keys) <= OCCUPANCY_KEYS and queue_count is None and not filters
    staffed_ctes, staffed_join, occupancy = "", "", "CAST(NULL AS DOUBLE)"
    if with_occupancy:
        staffed_ctes, staffed_join = _staffed_sql(by_keys, interval_minutes, staffed_window)
        occupancy = "CAST(state_agent_handle_seconds AS DOUBLE) / NULLIF(staffed_seconds, 0)"
    key_select = "".join(f"        {expr} AS {name},\n" for name, expr in columns)
    key_names = ", ".join(name for name, _ in columns)
    key_carry = "".join(f"        {name},\n" for name, _ in columns)
    key_out = "".join(f"    {name},\n" for name, _ in columns)
    group_by = f"GROUP BY {key_names}" if columns else ""
    order_by = f"ORDER BY {key_names}" if columns else ""
    where = _selection_sql(period, queue_count, filters)
    return f"""
WITH base AS (
    SELECT
{key_select}        c.call_id,
        c.customer_id,
        c.arrived_at,
        c.wait_seconds,
        c.resolved,
        CASE WHEN COALESCE(talk_seconds, hold_seconds, wrap_seconds) IS NOT NULL
             THEN COALESCE(talk_seconds, 0) + COALESCE(hold_seconds, 0) + COALESCE(wrap_seconds, 0)
        END AS handle_seconds,
        CASE WHEN {answered} THEN 1 ELSE 0 END AS is_answered,
        CASE WHEN {in_time} THEN 1 ELSE 0 END AS is_within_target,
        CASE WHEN {transferred} THEN 1 ELSE 0 END AS is_transferred,
        CASE WHEN {abandoned} THEN 1 ELSE 0 END AS is_abandoned,
        CASE WHEN {short} THEN 1 ELSE 0 END AS is_short_abandoned,
        CASE WHEN {service_base} THEN 1 ELSE 0 END AS is_service_level_call,
        CASE WHEN {wait_unknown} THEN 1 ELSE 0 END AS is_wait_unknown,
        CASE WHEN c.agent_id IN (SELECT agent_id FROM agent_states) THEN 1 ELSE 0 END AS has_agent_states
    FROM calls c{joins}
    WHERE {where}
),{staffed_ctes}
called_again AS (
    {called_again}
),
survey_calls AS (
    SELECT
        call_id,
        COUNT(*) AS responses,
        SUM(csat) AS csat_sum,
        SUM(CASE WHEN csat = 5 THEN 1 ELSE 0 END) AS top_box
    FROM surveys
    GROUP BY call_id
),
flagged AS (
    SELECT
        base.*,
        CASE WHEN base.is_answered = 1 AND base.customer_id IS NOT NULL THEN 1 ELSE 0 END AS is_fcr_eligible,
        CASE WHEN base.is_answered = 1 AND base.customer_id IS NOT NULL AND r.call_id IS NULL
             THEN 1 ELSE 0 END AS is_resolved_first,
        CASE WHEN base.is_answered = 1 AND base.resolved IS NOT NULL THEN 1 ELSE 0 END AS is_marked,
        CASE WHEN base.is_answered = 1 AND base.resolved THEN 1 ELSE 0 END AS is_marked_resolved,
        CASE WHEN base.is_answered = 1 AND s.call_id IS NOT NULL THEN 1 ELSE 0 END AS is_surveyed,
        CASE WHEN base.is_answered = 1 THEN s.responses END AS responses,
        CASE WHEN base.is_answered = 1 THEN s.csat_sum END AS csat_sum,
        CASE WHEN base.is_answered = 1 THEN s.top_box END AS top_box
    FROM base
    LEFT JOIN called_again r ON r.call_id = base.call_id
    LEFT JOIN survey_calls s ON s.call_id = base.call_id
),
counts AS (
    SELECT
{key_carry}        CAST(COUNT(*) AS BIGINT) AS offered,
        CAST(COALESCE(SUM(is_answered), 0) AS BIGINT) AS answered,
        CAST(COALESCE(SUM(is_abandoned), 0) AS BIGINT) AS abandoned,
        CAST(COALESCE(SUM(is_short_abandoned), 0) AS BIGINT) AS short_abandoned,
        CAST(COALESCE(SUM(is_transferred), 0) AS BIGINT) AS transferred,
        CAST(COALESCE(SUM(is_within_target), 0) AS BIGINT) AS within_target,
        CAST(COALESCE(SUM(is_service_level_call), 0) AS BIGINT) AS service_level_calls,
        CAST(COALESCE(SUM(is_wait_unknown), 0) AS BIGINT) AS wait_unknown,
        SUM(CASE WHEN is_answered = 1 THEN wait_seconds END) AS answered_wait_seconds,
        COUNT(CASE WHEN is_answered = 1 THEN wait_seconds END) AS answered_wait_known,
        SUM(CASE WHEN is_answered = 1 THEN handle_seconds END) AS answered_handle_seconds,
        COUNT(CASE WHEN is_answered = 1 THEN handle_seconds END) AS answered_handle_known,
        SUM(CASE WHEN is_answered = 1 AND has_agent_states = 1 THEN handle_seconds END) AS state_agent_handle_seconds,
        CAST(COALESCE(SUM(is_fcr_eligible), 0) AS BIGINT) AS fcr_eligible,
        CAST(COALESCE(SUM(is_resolved_first), 0) AS BIGINT) AS resolved_first,
        CAST(COALESCE(SUM(is_marked), 0) AS BIGINT) AS fcr_marked_calls,
        CAST(COALESCE(SUM(is_marked_resolved), 0) AS BIGINT) AS marked_resolved,
        CAST(COALESCE(SUM(is_surveyed), 0) AS BIGINT) AS surveyed,
        CAST(COALESCE(SUM(responses), 0) AS BIGINT) AS responses,
        SUM(csat_sum) AS csat_sum,
        CAST(COALESCE(SUM(top_box), 0) AS BIGINT) AS top_box
    FROM flagged
    {group_by}
)
SELECT
{key_out}    offered,
    answered,
    abandoned,
    short_abandoned,
    CAST(answered AS DOUBLE) / NULLIF(offered - short_abandoned, 0) AS answer_rate,
    CAST(abandoned AS DOUBLE) / NULLIF(offered - short_abandoned, 0) AS abandonment_rate,
    CAST(answered_wait_seconds AS DOUBLE) / NULLIF(answered_wait_known, 0) AS asa_seconds,
    CAST(within_target AS DOUBLE) / NULLIF(service_level_calls, 0) AS service_level,
    CAST(answered_handle_seconds AS DOUBLE) / NULLIF(answered_handle_known, 0) AS aht_seconds,
    CAST(transferred AS DOUBLE) / NULLIF(answered, 0) AS transfer_rate,
    CAST(resolved_first AS DOUBLE) / NULLIF(fcr_eligible, 0) AS fcr_rate,
    CAST(marked_resolved AS DOUBLE) / NULLIF(fcr_marked_calls, 0) AS fcr_marked_rate,
    CAST(surveyed AS DOUBLE) / NULLIF(answered, 0) AS survey_response_rate,
    CAST(csat_sum AS DOUBLE) / NULLIF(responses, 0) AS csat_mean,
    CAST(top_box AS DOUBLE) / NULLIF(responses, 0) AS csat_top_box_rate,
    responses AS csat_responses,
    {occupancy} AS occupancy,
    service_level_calls,
    wait_unknown,
    CAST(answered - answered_handle_known AS BIGINT) AS handle_unknown,
    fcr_eligible AS fcr_calls,
    CAST(answered - fcr_eligible AS BIGINT) AS customer_unknown,
    fcr_marked_calls,
    CAST(answered - fcr_marked_calls AS BIGINT) AS resolved_unknown
FROM counts{staffed_join}
{order_by}
"""


def compute_kpis(
    store: Store,
    by: Sequence[str] = (),
    interval_minutes: int = DEFAULT_INTERVAL_MINUTES,
    date_from: str | None = None,
    date_to: str | None = None,
    target_answer_seconds: float = DEFAULT_TARGET_ANSWER_SECONDS,
    short_abandon_seconds: float = DEFAULT_SHORT_ABANDON_SECONDS,
    repeat_window_days: int = DEFAULT_REPEAT_WINDOW_DAYS,
    queues: Sequence[str] | None = None,
    dimension_filter: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """KPIs of the calls in ``store``, overall or per group.

    Reads the canonical ``calls`` table (``call_id``, ``queue_id``,
    ``language``, ``agent_id``, ``customer_id``, ``arrived_at``,
    ``wait_seconds``, ``talk_seconds``, ``hold_seconds``, ``wrap_seconds``,
    ``outcome``) and ``surveys`` (``call_id``, ``csat``).

    Population (the call sets of :data:`workbench.glossary.CALL_SETS`):
    phantom calls are dropped; ``transferred`` counts as answered; a short
    abandon is outcome ``short_abandon`` or outcome ``abandoned`` with
    ``wait_seconds < short_abandon_seconds`` (S below); an abandoned call with
    no recorded wait is a genuine abandon. T is ``target_answer_seconds``.
    "Answered" always includes transferred calls. A measure the export did
    not give is unknown, never 0: each KPI on a measure says which calls it
    averages, and ``wait_unknown`` / ``handle_unknown`` count those without.

    Formulas (one per returned column):

    * ``offered`` = count(outcome != phantom)
    * ``answered`` = count(outcome in {answered, transferred})
    * ``abandoned`` = count(outcome = abandoned and (wait_seconds >= S or wait_seconds unknown))
    * ``short_abandoned`` = count(outcome = short_abandon, or abandoned with wait_seconds < S)
    * ``answer_rate`` = answered / (offered - short_abandoned)
    * ``abandonment_rate`` = abandoned / (offered - short_abandoned)
    * ``asa_seconds`` = mean(wait_seconds) over answered calls with a known wait
    * ``service_level`` = count(answered and wait_seconds <= T) / ``service_level_calls``,
      which is (offered - short_abandoned) less the answered calls with no
      recorded wait (they cannot be shown in time or late, so they are in
      neither part; an abandoned call without a wait stays in as a miss).
      Common variants, not computed here: ``/ answered`` (ignores abandons,
      flatters a queue that loses callers), ``/ offered`` (penalises short
      abandons), and ``/ (answered + abandoned after T)`` (ignores callers
      who gave up within T). Ours counts every abandon but the short ones as
      a miss, which matches what Erlang C staffing targets.
    * ``aht_seconds`` = mean(talk_seconds + hold_seconds + wrap_seconds) over
      answered calls with at least one of the three known, a missing part counted as 0
    * ``transfer_rate`` = count(outcome = transferred) / answered
    * ``fcr_rate`` (repeat-based) = count(answered with known customer_id and no other
      non-phantom call by that customer_id arriving in (arrived_at,
      arrived_at + repeat_window_days days]) / ``fcr_calls`` (answered with known
      customer_id), the ``called_again`` of :func:`workbench.glossary.called_again_sql`.
      Later calls are looked up in the whole table, not only within the date,
      queue and dimension filters; calls in the last ``repeat_window_days`` days of the data are
      right-censored (their repeat may not have been loaded yet), which
      overstates FCR there.
    * ``fcr_marked_rate`` (agent-marked) = count(answered and ``resolved`` true)
      / ``fcr_marked_calls`` (answered with a ``resolved`` mark, true or false).
      The two differ by design: the agent marks what they believed at
      wrap-up; the repeat-based rate sees whether the customer came back.
    * ``survey_response_rate`` = count(answered calls with >= 1 survey) / answered
    * ``csat_mean`` = mean(csat) over survey responses of answered calls (NULL if none)
    * ``csat_top_box_rate`` = count(csat = 5) / count(survey responses of answered calls)
      (NULL if none; the "top-two-box" variant would count csat >= 4)
    * ``csat_responses`` = count(survey responses of answered calls); the
      count per score is :func:`csat_distribution`
    * ``occupancy`` = sum(talk + hold + wrap of answered calls handled by
      agents that have agent states) / sum(seconds in agent states
      ``available``, ``on_call`` or ``wrap``), read from ``agent_states``
      (``agent_id``, ``state``, ``started_at``, ``ended_at``). State periods
      are cut at interval boundaries; a call's handle time counts in the
      interval it arrived in (the usual ACD interval-report convention, so a
      single interval can exceed 1 while days and agents cannot, much).
      NULL without agent states, and whenever ``by`` holds ``queue`` or
      ``language`` or ``queues`` is given: agents serve several queues, so
      their idle time belongs to none of them.
    * ``service_level_calls`` = the denominator of ``service_level`` above
    * ``wait_unknown`` = count(offered and wait_seconds unknown)
    * ``handle_unknown`` = count(answered and talk, hold and wrap all unknown)
    * ``fcr_calls`` = count(answered and customer_id known); ``customer_unknown`` = answered - ``fcr_calls``
    * ``fcr_marked_calls`` = count(answered and resolved known); ``resolved_unknown`` = answered - ``fcr_marked_calls``

    A rate whose denominator is 0 is NULL (NaN in the frame).

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> import pandas as pd
        >>> from workbench.store import Store
        >>> calls = pd.DataFrame({
        ...     "call_id": ["a", "b", "c", "d"], "queue_id": "billing_zh",
        ...     "arrived_at": pd.Timestamp("2026-01-05 09:00"),
        ...     "wait_seconds": [10.0, 40.0, 2.0, 30.0],
        ...     "outcome": ["answered", "abandoned", "short_abandon", "transferred"]})
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     with Store(Path(folder) / "w.duckdb") as store:
        ...         _ = store.write_batch({"calls": calls})
        ...         kpis = compute_kpis(store)
        >>> kpis[["offered", "answered", "abandoned", "short_abandoned"]].iloc[0].tolist()
        [4, 2, 1, 1]
        >>> kpis[["abandonment_rate", "service_level", "asa_seconds"]].round(4).iloc[0].tolist()
        [0.3333, 0.3333, 20.0]

    Args:
        store: the store to read.
        by: grouping keys, any of ``queue`` (column ``queue_id``),
            ``language``, ``agent`` (``agent_id``; unanswered calls fall in
            the null-agent group), ``day`` (``day``, local date) and
            ``interval`` (``interval_start``, ``arrived_at`` floored to
            ``interval_minutes``), and the keys of :func:`dimension_keys`:
            the store's custom dimensions of calls (``region``: column
            ``region`` from ``dim_region``; calls without a value form the
            null group), the agents' ``team`` and ``site`` and their custom
            dimensions (unanswered calls and unknown agents in the null
            group). Empty: exactly one overall row.
        interval_minutes: interval length for ``interval``; must divide 60.
        date_from: first local date included (ISO), or no lower bound.
        date_to: last local date included (ISO, whole day), or no upper bound.
        target_answer_seconds: the answer-time target T, inclusive.
        short_abandon_seconds: abandons quicker than this are short abandons.
        repeat_window_days: repeat-contact window of ``fcr_rate``, whole days.
        queues: queue ids or families to keep (:func:`workbench.glossary.select_queues`);
            None, empty or ``["all"]`` = every queue.
            Like the date filter, it limits the calls counted, not the
            repeat-contact lookup of ``fcr_rate`` (a repeat in another queue
            still counts).
        dimension_filter: dimension name -> value or list of values kept
            (``{"region": "north"}``), any key of :func:`dimension_keys`;
            values are converted to the dimension's type (a flag takes
            true/false words, a number a number) and passed as SQL
            parameters. Several names: a call must match each. Like
            ``queues``, it limits the calls counted, not the repeat lookup;
            occupancy is NULL under it.

    Returns:
        One row per group, ordered by the group columns: the group columns
        above, then ``offered``, ``answered``, ``abandoned``,
        ``short_abandoned``, ``answer_rate``, ``abandonment_rate``, ``asa_seconds``,
        ``service_level``, ``aht_seconds``, ``transfer_rate``, ``fcr_rate``,
        ``fcr_marked_rate``, ``survey_response_rate``, ``csat_mean``, ``csat_top_box_rate``,
        ``csat_responses``, ``occupancy``, ``service_level_calls``,
        ``wait_unknown``, ``handle_unknown``, ``fcr_calls``, ``customer_unknown``,
        ``fcr_marked_calls``, ``resolved_unknown`` (see :data:`KPI_DEFINITIONS`). Groups without offered calls do not
        appear, except the single overall row, which is always there.

    Raises:
        WorkbenchError: an unknown or repeated ``by`` key (the message lists
            the valid keys and the store's dimensions).
        ParameterError: ``interval_minutes`` not dividing 60, a negative
            threshold, ``repeat_window_days`` below 1, a date that is not ISO,
            or a ``dimension_filter`` naming no dimension of the store (the
            known ones listed) or holding a value of the wrong type.
    """
    period = Period.of(date_from, date_to)
    kept = _kept_queues(store, queues)
    dimensions, filters = _store_keys(store, by, dimension_filter)
    sql = kpi_sql(
        by,
        interval_minutes,
        period=period,
        target_answer_seconds=target_answer_seconds,
        short_abandon_seconds=short_abandon_seconds,
        repeat_window_days=repeat_window_days,
        queue_count=None if kept is None else len(kept),
        dimensions=dimensions,
        filters=[key for key, _ in filters],
    )
    return store.query(sql, [*period.sql_condition()[1], *(kept or []), *(values for _, values in filters)])


def _store_keys(
    store: Store, by: Sequence[str], dimension_filter: Mapping[str, Any] | None, *, surveys: bool = False
) -> tuple[dict[str, DimensionKey], list[tuple[DimensionKey, list[Any]]]]:
    """The store's keys beyond :data:`BY_KEYS` (read only when ``by`` or the filter needs them), and the filter."""
    keys = [by] if isinstance(by, str) else list(by)
    if not dimension_filter and all(key in BY_KEYS for key in keys):
        return {}, []
    dimensions = dimension_keys(store, surveys=surveys)
    return dimensions, filter_keys(dimension_filter, dimensions)


def _kept_queues(store: Store, queues: Sequence[str] | str | None) -> list[str] | None:
    """The queue ids of ``calls`` a ``queues`` selection keeps; None = every queue."""
    from workbench.store import readers

    return readers.selected_queue_ids(store, queues)


def csat_distribution(
    store: Store,
    by: Sequence[str] = (),
    interval_minutes: int = DEFAULT_INTERVAL_MINUTES,
    date_from: str | None = None,
    date_to: str | None = None,
    queues: Sequence[str] | None = None,
    dimension_filter: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Survey responses per CSAT score (1-5), overall or per group.

    The same population as ``csat_mean`` of :func:`compute_kpis`: surveys
    (``call_id``, ``csat``) of answered or transferred calls, phantom calls
    never, with the same ``by`` keys and filters, and besides them the
    survey's own keys (:data:`SURVEY_KEYS`: ``survey_type`` such as IVR or
    SMS, ``survey_channel``) and the surveys' custom dimensions; a response without
    one falls in the null group.

    Returns:
        The group columns, then ``csat`` (1..5, every score listed even with
        no responses), ``responses`` and ``share`` (responses / all responses of
        the group; NULL for a group without responses).

    Raises:
        WorkbenchError: an unknown or repeated ``by`` key.
        ParameterError: a bad interval or date, or a bad ``dimension_filter``.
    """
    check_interval_minutes(interval_minutes)
    period = Period.of(date_from, date_to)
    dimensions, filters = _store_keys(store, by, dimension_filter, surveys=True)
    # The built-in keys read calls' columns unqualified: surveys have none of those names.
    columns = _by_columns(by, interval_minutes, dimensions=dimensions)
    by_keys = [by] if isinstance(by, str) else list(by)
    used = [*(dimensions[k] for k in by_keys if k in dimensions), *(key for key, _ in filters)]
    joins = _joins(used, surveys_joined=True)
    key_select = "".join(f"{expr} AS {name}, " for name, expr in columns)
    key_names = [name for name, _ in columns]
    kept = _kept_queues(store, queues)
    where = _selection_sql(period, None if kept is None else len(kept), [key for key, _ in filters])
    parameters = [*period.sql_condition()[1], *(kept or []), *(values for _, values in filters)]
    groups_sql = ", ".join(key_names)
    sql = f"""
WITH responses AS (
    SELECT {key_select}s.csat
    FROM calls c JOIN surveys s ON s.call_id = c.call_id{joins}
    WHERE {where}
      AND {call_set_sql("answered")}
),
grid AS (
    SELECT {f"g.{', g.'.join(key_names)}, " if key_names else ""}score.csat
    FROM {f"(SELECT DISTINCT {groups_sql} FROM responses) g," if key_names else ""}
         (SELECT unnest([1, 2, 3, 4, 5]) AS csat) score
),
counted AS (
    SELECT {"".join(f"grid.{k}, " for k in key_names)}grid.csat, CAST(count(r.csat) AS BIGINT) AS responses
    FROM grid LEFT JOIN responses r
      ON r.csat = grid.csat{"".join(f" AND r.{k} IS NOT DISTINCT FROM grid.{k}" for k in key_names)}
    GROUP BY {"".join(f"grid.{k}, " for k in key_names)}grid.csat
)
SELECT *,
       CAST(responses AS DOUBLE)
           / NULLIF(sum(responses) OVER ({f"PARTITION BY {groups_sql}" if key_names else ""}), 0) AS share
FROM counted
ORDER BY {", ".join([*key_names, "csat"])}
"""
    return store.query(sql, parameters)


#: Agent-chosen codes :func:`contact_reason_counts` counts.
AGENT_CODES: tuple[str, ...] = ("contact_reason", "disposition_code")


def contact_reason_counts(
    store: Store,
    by: Sequence[str] = (),
    *,
    code: str = "contact_reason",
    interval_minutes: int = DEFAULT_INTERVAL_MINUTES,
    date_from: str | None = None,
    date_to: str | None = None,
    queues: Sequence[str] | None = None,
    dimension_filter: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Answered calls per agent-chosen contact reason (or wrap-up code), with their agent-marked resolution.

    The population is :func:`compute_kpis`'s ``answered`` (transfers included,
    phantom calls never) with the same ``by`` keys and filters. A call
    without a code is counted under a NULL code, so the counts add up to
    ``answered``.

    Args:
        code: ``contact_reason`` (the reason the agent chose) or
            ``disposition_code`` (the wrap-up code).

    Returns:
        The group columns, then ``code`` (that column's value), ``calls``,
        ``share`` (calls / answered calls of the group), ``fcr_marked_calls``
        (calls with a resolved mark) and ``fcr_marked_rate`` (marked resolved /
        ``fcr_marked_calls``, NULL without marks); most frequent code first
        within a group.

    Raises:
        ParameterError: ``code`` is not one of :data:`AGENT_CODES`, or a bad filter, date or interval.
        WorkbenchError: an unknown or repeated ``by`` key.
    """
    if code not in AGENT_CODES:
        raise ParameterError(f"code {code!r}: expected one of {', '.join(AGENT_CODES)}", field="code")
    check_interval_minutes(interval_minutes)
    period = Period.of(date_from, date_to)
    dimensions, filters = _store_keys(store, by, dimension_filter)
    columns = _by_columns(by, interval_minutes, dimensions=dimensions)
    by_keys = [by] if isinstance(by, str) else list(by)
    joins = _joins([*(dimensions[k] for k in by_keys if k in dimensions), *(key for key, _ in filters)])
    kept = _kept_queues(store, queues)
    where = _selection_sql(period, None if kept is None else len(kept), [key for key, _ in filters])
    parameters = [*period.sql_condition()[1], *(kept or []), *(values for _, values in filters)]
    key_select = "".join(f"{expr} AS {name}, " for name, expr in columns)
    key_names = [name for name, _ in columns]
    groups = ", ".join([*key_names, "code"])
    partition = f"PARTITION BY {', '.join(key_names)}" if key_names else ""
    sql = f"""
WITH answered AS (
    SELECT {key_select}c."{code}" AS code, c.resolved
    FROM calls c{joins}
    WHERE {where}
      AND {call_set_sql("answered")}
),
counted AS (
    SELECT {groups},
           CAST(count(*) AS BIGINT) AS calls,
           CAST(count(resolved) AS BIGINT) AS fcr_marked_calls,
           CAST(count(CASE WHEN resolved THEN 1 END) AS BIGINT) AS marked_resolved
    FROM answered
    GROUP BY {groups}
)
SELECT {groups}, calls,
       CAST(calls AS DOUBLE) / sum(calls) OVER ({partition}) AS share,
       fcr_marked_calls,
       CAST(marked_resolved AS DOUBLE) / NULLIF(fcr_marked_calls, 0) AS fcr_marked_rate
FROM counted
ORDER BY {", ".join([*key_names, "calls DESC", "code NULLS LAST"])}
"""
    return store.query(sql, parameters)


#: How :func:`format_kpi_values` shows each KPI column.
_KPI_FORMATS: dict[str, str] = {
    **{name: "{:,.0f}" for name in ("offered", "answered", "abandoned", "short_abandoned", "service_level_calls",
                                     "wait_unknown", "handle_unknown", "fcr_calls", "customer_unknown",
                                     "fcr_marked_calls", "resolved_unknown")},
    **{name: "{:.1%}" for name in KPI_COLUMNS if name.endswith("_rate") or name == "service_level"},
    "asa_seconds": "{:,.1f}",
    "aht_seconds": "{:,.1f}",
    "csat_mean": "{:.2f}",
    "csat_responses": "{:,.0f}",
    "occupancy": "{:.1%}",
}


def format_kpi_values(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of a :func:`compute_kpis` result with KPI columns as display strings.

    Rates become percentages, seconds get one decimal, counts thousands
    separators; NULL (a rate with a zero denominator) shows as an empty string.
    Group columns are left as they are. For reports only; save the raw frame.
    """
    shown = frame.copy()
    for column, pattern in _KPI_FORMATS.items():
        if column in shown.columns:
            shown[column] = [
                "" if value is None or value != value else pattern.format(value) for value in frame[column]
            ]
    return shown


def kpi_definitions_table() -> pd.DataFrame:
    """:data:`KPI_DEFINITIONS` as a table: ``kpi, definition, formula, population, lacking``.

    ``population`` and ``lacking`` come from :data:`KPI_POPULATIONS`: the calls
    a rate or average is about and the column counting the calls that lacked
    its measure (both empty for a count, which is its own population).
    """
    import pandas as pd

    rows = []
    for name, text in KPI_DEFINITIONS.items():
        definition, _, formula = text.partition(" Formula: ")
        population, lacking = KPI_POPULATIONS.get(name, ("", ""))
        rows.append({"kpi": name, "definition": definition, "formula": formula, "population": population,
                     "lacking": lacking})
    return pd.DataFrame(rows, columns=["kpi", "definition", "formula", "population", "lacking"])


# --------------------------------------------------------------------------- KPIs for people
#: Headings of KPI columns that :data:`workbench.i18n.COLUMN_LABELS` lacks (or names for a
#: different reader), and of the contact-reason and dimension tables; translated where shown.
KPI_LABELS: dict[str, str] = {
    # the KPI columns' headings live with every other column's (workbench.i18n.COLUMN_LABELS), so a saved
    # table's workbook sheet and an app's table read the same words as this report
    **{name: COLUMN_LABELS[name] for name in (
        "transfer_rate", "fcr_rate", "fcr_marked_rate", "survey_response_rate", "csat_top_box_rate", "fcr_calls",
        "customer_unknown", "fcr_marked_calls", "resolved_unknown", "dimension", "value", "kpi", "meaning")},
    "code": N_("Contact reason"),
}

#: The KPIs a manager reads first, in that order (:func:`kpi_table` ``columns``).
HEADLINE_KPIS: list[str] = ["offered", "answered", "answer_rate", "abandonment_rate", "service_level", "asa_seconds",
                            "aht_seconds", "fcr_rate", "fcr_marked_rate", "csat_mean"]

#: KPI column -> what it means for a manager, in one or two sentences (the formulas are in
#: :data:`KPI_DEFINITIONS` and the README). Translated where shown.
KPI_MEANINGS: dict[str, str] = {
    "offered": N_("Calls that reached a queue."),
    "answered": N_("Calls an agent picked up, transferred calls included."),
    "abandoned": N_("Callers who hung up while waiting, after the first few seconds."),
    "short_abandoned": N_("Callers who hung up within the first few seconds, often misdials; left out of the "
                          "rates."),
    "answer_rate": N_("Share of callers an agent spoke to, short abandons left out. Together with the "
                      "abandonment rate it makes up every call."),
    "abandonment_rate": N_("Share of callers who gave up while waiting. When it rises, callers are waiting too "
                           "long: check staffing at the busiest times."),
    "service_level": N_("Share of calls answered within the target time. Below target: add agents or move breaks "
                        "away from the busiest intervals."),
    "asa_seconds": N_("How long answered callers waited, on average."),
    "aht_seconds": N_("Talk, hold and after-call work per answered call, on average. It decides how many agents "
                      "the calls need."),
    "transfer_rate": N_("Share of answered calls passed to another queue. A high share points to routing or "
                        "skills gaps."),
    "fcr_rate": N_("Share of answered calls after which the customer did not call again within the repeat "
                   "window: the problem was solved the first time."),
    "fcr_marked_rate": N_("Share of answered calls the agent marked as resolved. Compare it with the figure "
                          "based on repeat calls."),
    "survey_response_rate": N_("Share of answered calls with a survey response."),
    "csat_mean": N_("Average survey score, from 1 (worst) to 5 (best)."),
    "csat_top_box_rate": N_("Share of survey responses giving the top score."),
    "occupancy": N_("Share of agents' logged-in time spent on calls. Long stretches above about 85% wear agents "
                    "out; well below 75% means more agents than the calls needed."),
}

_COUNT_COLUMNS = frozenset({"offered", "answered", "abandoned", "short_abandoned", "service_level_calls",
                            "wait_unknown", "handle_unknown", "fcr_calls", "customer_unknown", "fcr_marked_calls",
                            "resolved_unknown", "csat_responses", "calls"})


def _is_rate(column: str) -> bool:
    return column.endswith("_rate") or column in ("service_level", "occupancy", "share")


def kpi_table(frame: pd.DataFrame, columns: Sequence[str] | None = None, language: str | None = None) -> pd.DataFrame:
    """A :func:`compute_kpis` (or :func:`contact_reason_counts`) result as people read it.

    Values are formatted for the interface language (counts grouped, rates as
    percentages, seconds with one decimal, CSAT with two) and the headings are
    readable and translated (:func:`workbench.i18n.people_table` with
    :data:`KPI_LABELS`); group values (queues, languages, reasons) are data and
    stay as they are, a group without a value (calls with no region, no reason)
    empty. ``columns``: the KPI columns to keep after the group columns (None:
    every column). For reports only; save the raw frame.
    """
    from workbench import i18n

    if columns is not None:
        groups = [c for c in frame.columns if c not in KPI_COLUMNS and c not in KPI_LABELS and c not in ("share",)]
        frame = frame[[*groups, *(c for c in columns if c in frame.columns and c not in groups)]]
    data = [c for c in frame.columns if c not in KPI_COLUMNS and c not in ("calls", "share")]  # groups, as they are
    return i18n.people_table(frame, language, labels=KPI_LABELS, percent=_is_rate, whole=_COUNT_COLUMNS,
                             decimals={"csat_mean": 2}, as_is=data)


def kpi_figures(overall: pd.DataFrame, columns: Sequence[str] | None = None,
                language: str | None = None) -> pd.DataFrame:
    """The one row of an overall :func:`compute_kpis` result as a two-column table: ``KPI``, ``Value``.

    Headings and KPI names translated, values formatted for the language;
    ``columns``: the KPIs shown (None: :data:`HEADLINE_KPIS` and occupancy), missing values left out.
    """
    import pandas as pd

    from workbench import i18n

    chosen = [c for c in (columns or [*HEADLINE_KPIS, "occupancy"]) if c in overall.columns]
    present = [c for c in chosen if not pd.isna(overall.iloc[0][c])]
    values = kpi_table(overall.iloc[[0]][present], language=language).iloc[0].tolist() if present else []
    rows = [(i18n.gettext(KPI_LABELS.get(c) or i18n.COLUMN_LABELS.get(c) or c, language), value)
            for c, value in zip(present, values, strict=True)]
    return i18n.labelled_columns(pd.DataFrame(rows, columns=["kpi", "value"]), language, labels=KPI_LABELS)


def kpi_glossary_table(language: str | None = None) -> pd.DataFrame:
    """What each headline KPI means, for managers: ``KPI``, ``What it means`` (:data:`KPI_MEANINGS`), translated."""
    import pandas as pd

    from workbench import i18n

    rows = [(i18n.gettext(KPI_LABELS.get(c) or i18n.COLUMN_LABELS.get(c) or c, language), i18n.gettext(text, language))
            for c, text in KPI_MEANINGS.items()]
    return i18n.labelled_columns(pd.DataFrame(rows, columns=["kpi", "meaning"]), language, labels=KPI_LABELS)
