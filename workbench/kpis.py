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

Which calls each count is about, the period, the interval and the repeat
contact behind ``fcr_rate`` come from :mod:`workbench.glossary`
(:func:`~workbench.glossary.call_set_sql`, :class:`~workbench.glossary.Period`,
:func:`~workbench.glossary.interval_start_sql`,
:func:`~workbench.glossary.called_again_sql`); this module only adds them up.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from workbench.errors import WorkbenchError
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
    "fcr_rate": "First-contact resolution: share of answered calls from a known customer after which that "
    "customer did not call again within repeat_window_days days. "
    "Formula: count(answered, customer_id known, no non-phantom call by the same customer_id in "
    "(arrived_at, arrived_at + repeat_window_days days]) / count(answered, customer_id known).",
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
}

#: Agent states that count as staffed for calls (the denominator of occupancy).
STAFFED_STATES: tuple[str, ...] = ("available", "on_call", "wrap")
#: ``by`` keys occupancy can be computed for; any other key gives NULL occupancy.
OCCUPANCY_KEYS: frozenset[str] = frozenset({"agent", "day", "interval"})

KPI_COLUMNS: list[str] = list(KPI_DEFINITIONS)


def _by_columns(by: Sequence[str], interval_minutes: int, time: str = "arrived_at") -> list[tuple[str, str]]:
    if isinstance(by, str):
        by = [by]
    unknown = [key for key in by if key not in BY_KEYS]
    if unknown:
        raise WorkbenchError(
            f"unknown KPI grouping key(s) {unknown}; valid keys: {', '.join(BY_KEYS)}"
        )
    repeated = sorted({key for key in by if list(by).count(key) > 1})
    if repeated:
        raise WorkbenchError(f"KPI grouping key(s) {repeated} given more than once in by={list(by)}")
    interval = interval_start_sql(time, interval_minutes)
    return [(BY_KEYS[k][0], BY_KEYS[k][1].format(interval=interval, time=time)) for k in by]


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
) -> str:
    """The SQL statement behind :func:`compute_kpis`.

    Positional ``?`` parameters, in order: the parameters of
    ``period.sql_condition()`` (none for an unbounded period), then
    ``queue_count`` queue ids (the queues kept). ``queue_count`` None keeps
    every queue; 0 keeps none. The thresholds, ``interval_minutes`` and
    ``repeat_window_days`` are validated by the glossary and written into the
    text, as is the period agent-state time is clipped to.
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
    in_period, _ = period.sql_condition("arrived_at")
    staffed_window = period.bounds() if period.bounded else None
    columns = _by_columns(by, interval_minutes)
    by_keys = [by] if isinstance(by, str) else list(by)
    with_occupancy = set(by_keys) <= OCCUPANCY_KEYS and queue_count is None
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
    where = f"{call_set_sql('offered')}\n      AND {in_period}"
    if queue_count is not None:
        where += f"\n      AND queue_id IN ({', '.join(['?'] * queue_count)})" if queue_count else "\n      AND FALSE"
    return f"""
WITH base AS (
    SELECT
{key_select}        call_id,
        customer_id,
        arrived_at,
        wait_seconds,
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
        CASE WHEN agent_id IN (SELECT agent_id FROM agent_states) THEN 1 ELSE 0 END AS has_agent_states
    FROM calls
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
    CAST(abandoned AS DOUBLE) / NULLIF(offered - short_abandoned, 0) AS abandonment_rate,
    CAST(answered_wait_seconds AS DOUBLE) / NULLIF(answered_wait_known, 0) AS asa_seconds,
    CAST(within_target AS DOUBLE) / NULLIF(service_level_calls, 0) AS service_level,
    CAST(answered_handle_seconds AS DOUBLE) / NULLIF(answered_handle_known, 0) AS aht_seconds,
    CAST(transferred AS DOUBLE) / NULLIF(answered, 0) AS transfer_rate,
    CAST(resolved_first AS DOUBLE) / NULLIF(fcr_eligible, 0) AS fcr_rate,
    CAST(surveyed AS DOUBLE) / NULLIF(answered, 0) AS survey_response_rate,
    CAST(csat_sum AS DOUBLE) / NULLIF(responses, 0) AS csat_mean,
    CAST(top_box AS DOUBLE) / NULLIF(responses, 0) AS csat_top_box_rate,
    responses AS csat_responses,
    {occupancy} AS occupancy,
    service_level_calls,
    wait_unknown,
    CAST(answered - answered_handle_known AS BIGINT) AS handle_unknown
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
    * ``fcr_rate`` = count(answered with known customer_id and no other
      non-phantom call by that customer_id arriving in (arrived_at,
      arrived_at + repeat_window_days days]) / count(answered with known
      customer_id), the ``called_again`` of :func:`workbench.glossary.called_again_sql`.
      Later calls are looked up in the whole table, not only within the date
      filter; calls in the last ``repeat_window_days`` days of the data are
      right-censored (their repeat may not have been loaded yet), which
      overstates FCR there.
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
            ``interval_minutes``). Empty: exactly one overall row.
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

    Returns:
        One row per group, ordered by the group columns: the group columns
        above, then ``offered``, ``answered``, ``abandoned``,
        ``short_abandoned``, ``abandonment_rate``, ``asa_seconds``,
        ``service_level``, ``aht_seconds``, ``transfer_rate``, ``fcr_rate``,
        ``survey_response_rate``, ``csat_mean``, ``csat_top_box_rate``,
        ``csat_responses``, ``occupancy``, ``service_level_calls``,
        ``wait_unknown``, ``handle_unknown`` (see :data:`KPI_DEFINITIONS`). Groups without offered calls do not
        appear, except the single overall row, which is always there.

    Raises:
        WorkbenchError: an unknown or repeated ``by`` key (the message lists
            the valid keys).
        ParameterError: ``interval_minutes`` not dividing 60, a negative
            threshold, ``repeat_window_days`` below 1, or a date that is not ISO.
    """
    period = Period.of(date_from, date_to)
    kept = _kept_queues(store, queues)
    sql = kpi_sql(
        by,
        interval_minutes,
        period=period,
        target_answer_seconds=target_answer_seconds,
        short_abandon_seconds=short_abandon_seconds,
        repeat_window_days=repeat_window_days,
        queue_count=None if kept is None else len(kept),
    )
    return store.query(sql, [*period.sql_condition()[1], *(kept or [])])


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
) -> pd.DataFrame:
    """Survey responses per CSAT score (1-5), overall or per group.

    The same population as ``csat_mean`` of :func:`compute_kpis`: surveys
    (``call_id``, ``csat``) of answered or transferred calls, phantom calls
    never, with the same ``by`` keys and filters.

    Returns:
        The group columns, then ``csat`` (1..5, every score listed even with
        no responses), ``responses`` and ``share`` (responses / all responses of
        the group; NULL for a group without responses).

    Raises:
        WorkbenchError: an unknown or repeated ``by`` key.
        ParameterError: a bad interval or date.
    """
    check_interval_minutes(interval_minutes)
    period = Period.of(date_from, date_to)
    columns = _by_columns(by, interval_minutes)
    key_select = "".join(f"{expr} AS {name}, " for name, expr in columns)
    key_names = [name for name, _ in columns]
    in_period, parameters = period.sql_condition("arrived_at")
    where = [call_set_sql("answered"), in_period]
    kept = _kept_queues(store, queues)
    if kept is not None:
        where.append(f"queue_id IN ({', '.join(['?'] * len(kept))})" if kept else "FALSE")
        parameters += kept
    groups_sql = ", ".join(key_names)
    sql = f"""
WITH responses AS (
    SELECT {key_select}s.csat
    FROM (SELECT * FROM calls WHERE {" AND ".join(where)}) c JOIN surveys s ON s.call_id = c.call_id
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


#: How :func:`format_kpi_values` shows each KPI column.
_KPI_FORMATS: dict[str, str] = {
    **{name: "{:,.0f}" for name in ("offered", "answered", "abandoned", "short_abandoned", "service_level_calls",
                                     "wait_unknown", "handle_unknown")},
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
    """:data:`KPI_DEFINITIONS` as a table with columns ``kpi, definition, formula``."""
    import pandas as pd

    rows = []
    for name, text in KPI_DEFINITIONS.items():
        definition, _, formula = text.partition(" Formula: ")
        rows.append({"kpi": name, "definition": definition, "formula": formula})
    return pd.DataFrame(rows, columns=["kpi", "definition", "formula"])
