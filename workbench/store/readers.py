"""Named store readers: what apps, reports, notebooks and the CLI need from the store.

Those layers hold no SQL: they ask for "the latest staffing run", "the calls
behind this number" or "the texts of these calls" by name, and the query lives
here, next to the tables it reads. Which calls count and how a period is
bounded come from :mod:`workbench.glossary`, as in the KPIs.

Every reader takes an open :class:`workbench.store.Store` first and returns a
DataFrame (or a plain value), never a cursor. Analysis modules use them too
(queue selection, transcript documents, batch state). Whatever an app,
report, notebook or the CLI needs from the store and no reader offers becomes
a new reader here, named for what it returns, rather than a query there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from workbench import glossary
from workbench.errors import ParameterError
from workbench.store.dimensions import filter_condition
from workbench.schemas import TABLES

if TYPE_CHECKING:
    import pandas as pd

    from workbench.store import Store

#: Columns of a call shown when drilling down to the calls behind a number.
CALL_COLUMNS: tuple[str, ...] = ("call_id", "queue_id", "language", "agent_id", "arrived_at", "wait_seconds",
                                 "talk_seconds", "hold_seconds", "wrap_seconds", "outcome")
#: Columns of a call that analyses join to other results (topics, drivers).
CONTEXT_COLUMNS: tuple[str, ...] = ("call_id", "queue_id", "language", "customer_id", "arrived_at", "outcome",
                                    "wait_seconds", "talk_seconds", "hold_seconds", "wrap_seconds")

#: Run kind -> (table, run id column, prefix of the batch id that writes a run).
RUN_KINDS: dict[str, tuple[str, str, str]] = {
    "staffing": ("staffing", "run_id", "staffing_forecast-"),
    "forecasts": ("forecasts", "run_id", "staffing_forecast-"),
    "topics": ("topics", "model_id", "topics-"),
}


def _in_list(column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
    """``column = ANY(?)`` with the list as one parameter (any length, no SQL text built from values)."""
    return f"{column} = ANY(?)", [[str(v) for v in values]]


# --------------------------------------------------------------------------- tables


def table_row_count(store: Store, table: str) -> int:
    """Rows in canonical table ``table`` (0 when it is empty)."""
    if table not in TABLES:
        raise ParameterError(f"unknown table {table!r}; known: {', '.join(TABLES)}", field="table")
    return int(store.query(f'SELECT count(*) AS n FROM "{table}"')["n"].iloc[0])


# --------------------------------------------------------------------------- dimensions


def dimensions(store: Store, table: str | None = None) -> pd.DataFrame:
    """The custom dimensions the store holds (the ``dimensions`` catalogue), of one table or all.

    Columns: ``table_name``, ``dimension``, ``value_type`` (category, number,
    flag), ``column_name`` (``dim_<dimension>``), ``description``, ``profile``;
    ordered by table and dimension. Only dimensions whose column exists are listed.
    """
    sql = ("SELECT table_name, dimension, value_type, column_name, description, profile FROM dimensions "
           "WHERE column_name IN (SELECT column_name FROM duckdb_columns() c WHERE c.table_name = dimensions.table_name)")
    parameters: list[Any] = []
    if table is not None:
        sql += " AND table_name = ?"
        parameters.append(table)
    return store.query(sql + " ORDER BY table_name, dimension", parameters)


def dimension_names(store: Store, table: str = "calls") -> list[str]:
    """Names of the dimensions of ``table`` (e.g. ``["member_tier", "region"]``)."""
    return dimensions(store, table)["dimension"].tolist()


def dimension_values(store: Store, dimension: str, table: str = "calls", limit: int = 200) -> list[Any]:
    """Distinct non-null values of a dimension, most frequent first (at most ``limit``).

    Raises:
        ParameterError: ``dimension`` is not a dimension of ``table`` (the known ones listed).
    """
    known = dimension_names(store, table)
    if dimension not in known:
        raise ParameterError(
            f"'{dimension}' is not a dimension of {table}; known: {', '.join(known) or 'none loaded'}",
            field="dimension",
        )
    column = glossary.dimension_column(dimension)
    frame = store.query(
        f'SELECT "{column}" AS value, count(*) AS n FROM "{table}" WHERE "{column}" IS NOT NULL '
        f"GROUP BY 1 ORDER BY n DESC, value LIMIT {int(limit)}"
    )
    return frame["value"].tolist()


# --------------------------------------------------------------------------- calls


def call_day_range(store: Store) -> tuple[date | None, date | None]:
    """First and last local day with a (non-phantom) call; (None, None) for a store without calls."""
    found = store.query("SELECT CAST(min(arrived_at) AS DATE) AS first_day, CAST(max(arrived_at) AS DATE) AS last_day "
                        f"FROM calls WHERE {glossary.call_set_sql('offered')}")
    first, last = found["first_day"].iloc[0], found["last_day"].iloc[0]

    def as_date(value: Any) -> date | None:
        if value is None or value != value:  # None or NaT
            return None
        return value.date() if isinstance(value, datetime) or hasattr(value, "to_pydatetime") else value

    return as_date(first), as_date(last)


def queue_languages(store: Store) -> pd.DataFrame:
    """Every (``queue_id``, ``language``) pair with offered calls, sorted."""
    return store.query("SELECT DISTINCT queue_id, language FROM calls "
                       f"WHERE {glossary.call_set_sql('offered')} ORDER BY 1, 2")


def calls_in_set(
    store: Store,
    call_set: str,
    *,
    start: datetime | str | None = None,
    end: datetime | str | None = None,
    queues: Sequence[str] | None = None,
    target_answer_seconds: float = glossary.DEFAULT_TARGET_ANSWER_SECONDS,
    short_abandon_seconds: float = glossary.DEFAULT_SHORT_ABANDON_SECONDS,
    dimension_filter: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """The calls behind a number: those of :data:`workbench.glossary.CALL_SETS` ``call_set`` arriving in [start, end).

    Args:
        call_set: a glossary call set (``offered``, ``answered``, ``abandoned``, ...).
        start: first arrival included (local timestamp), or open.
        end: first arrival excluded, or open.
        queues: queue ids to keep; None or empty = every queue.
        dimension_filter: custom dimensions (or agent keys) to keep, as the KPIs take it
            (:func:`workbench.store.dimensions.filter_condition`); None = every call.

    Raises:
        ParameterError: a ``dimension_filter`` naming no key of the store, or a value of the wrong type.

    Returns:
        :data:`CALL_COLUMNS`, ordered by ``arrived_at``.
    """
    where = [glossary.call_set_sql(call_set, target_answer_seconds=target_answer_seconds,
                                   short_abandon_seconds=short_abandon_seconds)]
    parameters: list[Any] = []
    if start is not None:
        where.append("arrived_at >= CAST(? AS TIMESTAMP)")
        parameters.append(str(start))
    if end is not None:
        where.append("arrived_at < CAST(? AS TIMESTAMP)")
        parameters.append(str(end))
    if queues:
        condition, values = _in_list("queue_id", queues)
        where.append(condition)
        parameters += values
    if dimension_filter:
        condition, values = filter_condition(store, dimension_filter)
        where.append(condition)
        parameters += values
    return store.query(f"SELECT {', '.join(CALL_COLUMNS)} FROM calls WHERE {' AND '.join(where)} "
                       "ORDER BY arrived_at, call_id", parameters)


def _call_filter(call_ids: Sequence[str] | None, topic_model_id: str | None) -> tuple[str, list[Any]]:
    if call_ids is not None and topic_model_id is not None:
        raise ParameterError("give call_ids or topic_model_id, not both", field="call_ids")
    if call_ids is not None:
        return _in_list("call_id", call_ids)
    if topic_model_id is not None:
        return "call_id IN (SELECT call_id FROM topic_assignments WHERE model_id = ?)", [str(topic_model_id)]
    return "TRUE", []


def calls_with_context(
    store: Store,
    *,
    call_ids: Sequence[str] | None = None,
    topic_model_id: str | None = None,
    repeat_window_days: int | None = None,
) -> pd.DataFrame:
    """Calls with the columns analyses join to (:data:`CONTEXT_COLUMNS`): all, the given ids, or a topic run's.

    Args:
        repeat_window_days: when given, a boolean ``called_again`` column is
            added (:func:`workbench.glossary.called_again_sql`), looked up
            against every call in the store, so a few calls can be read
            without loading all the calls their customers made.
    """
    condition, parameters = _call_filter(call_ids, topic_model_id)
    columns = ", ".join(CONTEXT_COLUMNS)
    if repeat_window_days is None:
        return store.query(f"SELECT {columns} FROM calls WHERE {condition} ORDER BY call_id", parameters)
    again = glossary.called_again_sql("subject", repeat_window_days=repeat_window_days)
    return store.query(
        f"WITH subject AS (SELECT {columns} FROM calls WHERE {condition}) "
        f"SELECT subject.*, subject.call_id IN ({again}) AS called_again FROM subject ORDER BY call_id", parameters)


def surveys_of_calls(
    store: Store, *, call_ids: Sequence[str] | None = None, topic_model_id: str | None = None
) -> pd.DataFrame:
    """Survey responses (``call_id``, ``csat``) of all calls, the given ids, or a topic run's calls."""
    condition, parameters = _call_filter(call_ids, topic_model_id)
    return store.query(f"SELECT call_id, csat FROM surveys WHERE {condition} ORDER BY call_id", parameters)


def queue_waits(store: Store) -> pd.DataFrame:
    """``queue_id, outcome, wait_seconds`` of every call: the input of patience estimates."""
    return store.query("SELECT queue_id, outcome, wait_seconds FROM calls ORDER BY call_id")


def cleaning_flags(store: Store) -> pd.DataFrame:
    """The ``flags`` of every call a cleaning rule flagged."""
    return store.query("SELECT flags FROM calls WHERE flags IS NOT NULL ORDER BY call_id")


def call_texts(store: Store, call_ids: Sequence[str], *, speaker_role: str | None = "customer") -> pd.DataFrame:
    """``call_id, text``: each call's (redacted) transcript segments joined in order.

    Args:
        speaker_role: keep only this speaker's segments (``customer`` by
            default, what a topic example shows); None = every segment.
    """
    condition, parameters = _in_list("call_id", call_ids)
    if speaker_role is not None:
        condition += " AND speaker_role = ?"
        parameters.append(speaker_role)
    return store.query(
        "SELECT call_id, string_agg(text, ' ' ORDER BY segment_index) AS text FROM transcript_segments "
        f"WHERE {condition} AND trim(text) <> '' GROUP BY call_id ORDER BY call_id", parameters)


def speech_metrics(store: Store, call_ids: Sequence[str]) -> pd.DataFrame:
    """Rows of ``speech_metrics`` for the given calls, by call."""
    condition, parameters = _in_list("call_id", call_ids)
    return store.query(f"SELECT * FROM speech_metrics WHERE {condition} ORDER BY call_id", parameters)


def compliance_results(store: Store, call_ids: Sequence[str]) -> pd.DataFrame:
    """``call_id, rule_id, passed, severity, score, evidence`` of the given calls, failures first."""
    condition, parameters = _in_list("call_id", call_ids)
    return store.query("SELECT call_id, rule_id, passed, severity, score, evidence FROM compliance_results "
                       f"WHERE {condition} ORDER BY passed, call_id, rule_id", parameters)


def compliance_breach_days(store: Store) -> pd.DataFrame:
    """Failed compliance checks with the local day of their call: ``call_id, rule_id, severity, day``.

    ``day`` is an ISO date string, or missing when the call is not in ``calls``.
    """
    found = store.query(
        "SELECT r.call_id, r.rule_id, r.severity, CAST(CAST(c.arrived_at AS DATE) AS VARCHAR) AS day "
        "FROM compliance_results r LEFT JOIN calls c ON c.call_id = r.call_id WHERE NOT r.passed "
        "ORDER BY r.call_id, r.rule_id")
    return found


#: ``speech_metrics`` columns of a call's stored sentiment (schema v4), as :func:`call_sentiment` returns them.
SENTIMENT_COLUMNS: tuple[str, ...] = (
    "customer_sentiment", "customer_sentiment_start", "customer_sentiment_end", "agent_sentiment", "call_sentiment",
    "call_sentiment_label", "most_negative_seconds", "most_negative_score", "agitated_turns", "speaker_source",
    "role_confidence", "sentiment_model",
)  # fmt: skip


def sentiment_call_count(store: Store) -> int:
    """Calls of ``speech_metrics`` with a stored call sentiment (score or label); 0 when none was scored."""
    return int(store.query("SELECT count(*) AS n FROM speech_metrics "
                           "WHERE call_sentiment IS NOT NULL OR call_sentiment_label IS NOT NULL")["n"].iloc[0])


def call_sentiment(
    store: Store,
    date_from: str | date | None = None,
    date_to: str | date | None = None,
    queues: Sequence[str] | str | None = None,
    *,
    dimension_filter: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """One row per call with a stored sentiment: the call's queue, agent and day, its topic and its sentiment.

    Args:
        date_from, date_to: inclusive local days of ``arrived_at``
            (:class:`workbench.glossary.Period`); None = open.
        queues: queue ids or families (:func:`selected_queue_ids`); None, empty
            or ``all`` = every queue.
        dimension_filter: custom dimensions (or agent keys) to keep, as the KPIs
            take it (:func:`workbench.store.dimensions.filter_condition`).

    Returns:
        ``call_id, queue_id, language, agent_id, arrived_at, day`` (ISO date
        string), ``topic_id``, ``topic_label`` (the call's most probable topic
        in the latest topic run, :func:`latest_run_id`; missing without one)
        and the :data:`SENTIMENT_COLUMNS`, ordered by ``call_id``; calls whose
        sentiment is missing are left out. Without a period, queue or dimension
        filter, calls missing from ``calls`` are kept with their call columns
        missing; with one they are left out (their day and queue are unknown).
        ``attrs["topic_model_id"]`` names the topic run used (None without one).
    """
    period = glossary.Period.of(date_from, date_to)
    conditions, parameters = [], []
    in_period, values = period.sql_condition("arrived_at")
    if period.bounded:
        conditions.append(in_period)
        parameters += values
    kept = selected_queue_ids(store, queues)
    if kept is not None:
        condition, values = _in_list("queue_id", kept)
        conditions.append(condition)
        parameters += values
    if dimension_filter:
        condition, values = filter_condition(store, dimension_filter)
        conditions.append(condition)
        parameters += values
    model_id = latest_run_id(store, "topics")
    topic_parameters = [] if model_id is None else [str(model_id)]
    topic_filter = "FALSE" if model_id is None else "a.model_id = ?"
    join = "JOIN" if conditions else "LEFT JOIN"
    sentiment = ", ".join(f"m.{column}" for column in SENTIMENT_COLUMNS)
    frame = store.query(
        f"""WITH kept AS (SELECT call_id, queue_id, language, agent_id, arrived_at FROM calls
                          WHERE {" AND ".join(conditions) or "TRUE"}),
                 best AS (SELECT a.call_id, arg_max(a.topic_id, coalesce(a.probability, 0)) AS topic_id
                          FROM topic_assignments a WHERE {topic_filter} AND a.call_id IS NOT NULL
                          GROUP BY a.call_id)
            SELECT m.call_id, c.queue_id, c.language, c.agent_id, c.arrived_at,
                   CAST(CAST(c.arrived_at AS DATE) AS VARCHAR) AS day, b.topic_id, t.label AS topic_label, {sentiment}
            FROM speech_metrics m {join} kept c ON c.call_id = m.call_id
                 LEFT JOIN best b ON b.call_id = m.call_id
                 LEFT JOIN topics t ON t.model_id = ? AND t.topic_id = b.topic_id
            WHERE m.call_sentiment IS NOT NULL OR m.call_sentiment_label IS NOT NULL
            ORDER BY m.call_id""",
        [*parameters, *topic_parameters, str(model_id)])
    frame.attrs["topic_model_id"] = model_id
    return frame


#: At most this many terms of each kind in :func:`centre_vocabulary` (queues, dimension values, topic words).
VOCABULARY_PER_KIND = 60
#: Custom dimensions of calls whose values name products (their names contain one of these words).
PRODUCT_DIMENSION_WORDS: tuple[str, ...] = ("product", "brand", "plan", "sku", "model")


def centre_vocabulary(store: Store, *, limit: int = 200) -> list[str]:
    """Words of this centre that a speech recogniser should expect (hotwords): names it would otherwise misspell.

    Queue ids and names (``queues`` and ``calls``), product names (values of
    custom call dimensions whose name says product, brand, plan, SKU or
    model, most frequent first), and the latest topic run's labels and top
    words. Terms are stripped, kept once (first spelling wins, case-insensitive),
    at most :data:`VOCABULARY_PER_KIND` from each source (queue ids, queue names,
    each product dimension, topic labels, topic words) and ``limit`` in all;
    terms of one character or longer than 40 are left out.
    """
    terms: list[str] = []

    def add(values: Sequence[Any]) -> None:
        kept = 0
        for value in values:
            if value is None or value != value or kept >= VOCABULARY_PER_KIND:
                continue
            text = str(value).strip()
            if 1 < len(text) <= 40:
                terms.append(text)
                kept += 1

    add(store.query("SELECT queue_id AS v FROM queues UNION SELECT queue_id FROM calls WHERE queue_id IS NOT NULL "
                    "ORDER BY 1")["v"].tolist())
    add(store.query("SELECT queue_name AS v FROM queues WHERE queue_name IS NOT NULL ORDER BY 1")["v"].tolist())
    product_dimensions = [name for name in dimension_names(store, "calls")
                          if any(word in name.lower() for word in PRODUCT_DIMENSION_WORDS)]
    for name in product_dimensions:
        add(dimension_values(store, name, "calls", limit=VOCABULARY_PER_KIND))
    model_id = latest_run_id(store, "topics")
    if model_id is not None:
        topics = store.query("SELECT label, top_words FROM topics WHERE model_id = ? AND topic_id >= 0 "
                             "ORDER BY size DESC NULLS LAST, topic_id", [str(model_id)])
        add(topics["label"].tolist())
        words = [w for text in topics["top_words"].dropna() for w in str(text).split(",")]
        add(words)
    unique: dict[str, str] = {}
    for term in terms:
        unique.setdefault(term.casefold(), term)
    return list(unique.values())[: max(0, int(limit))]


# --------------------------------------------------------------------------- batches


def batches(store: Store, batch_ids: Sequence[str]) -> pd.DataFrame:
    """The ``batches`` rows of the given ids, in the order they finished."""
    condition, parameters = _in_list("batch_id", batch_ids)
    return store.query(
        "SELECT batch_id, kind, profile, status, rows_read, rows_loaded, rows_rejected, rows_duplicate, finished_at "
        f"FROM batches WHERE {condition} ORDER BY finished_at, batch_id", parameters)


# --------------------------------------------------------------------------- runs


def _run_kind(kind: str) -> tuple[str, str, str]:
    if kind not in RUN_KINDS:
        raise ParameterError(f"unknown run kind {kind!r}; known: {', '.join(RUN_KINDS)}", field="kind")
    return RUN_KINDS[kind]


def run_ids(store: Store, kind: str) -> list[str]:
    """Every run of ``kind`` (staffing, forecasts, topics) in the store, newest first (see :func:`latest_run_id`)."""
    table, column, prefix = _run_kind(kind)
    found = store.query(
        f"SELECT r.{column} AS run_id, max(b.finished_at) AS finished "
        f"FROM (SELECT DISTINCT {column} FROM {table}) r "
        f"LEFT JOIN batches b ON b.batch_id = ? || r.{column} "
        f"GROUP BY r.{column} "
        f"ORDER BY finished DESC NULLS LAST, regexp_matches(r.{column}, '^[0-9]') DESC, r.{column} DESC",
        [prefix])
    return [str(run) for run in found["run_id"]]


def latest_run_id(store: Store, kind: str) -> str | None:
    """The newest run of ``kind`` (``staffing``, ``forecasts`` or ``topics``), or None when there is none.

    The one definition of "latest": the run whose writing batch
    (``<prefix><run id>`` in ``batches``) finished last; runs without such a
    batch come after, timestamp-like ids (``20260105T...``, which sort in time
    order) first, newest first, then other ids in reverse order.
    """
    runs = run_ids(store, kind)
    return runs[0] if runs else None


def staffing_plan(store: Store, run_id: str) -> pd.DataFrame:
    """Every row of staffing run ``run_id``, by queue and interval (empty when the run is unknown)."""
    return store.query("SELECT * FROM staffing WHERE run_id = ? ORDER BY queue_id, interval_start", [str(run_id)])


def forecast_run(store: Store, run_id: str) -> pd.DataFrame:
    """Forecast run ``run_id`` as ``queue_id, ds, yhat, yhat_lower, yhat_upper`` (one model per run)."""
    return store.query("SELECT unique_id AS queue_id, ds, yhat, yhat_lower, yhat_upper FROM forecasts "
                       "WHERE run_id = ? ORDER BY unique_id, ds", [str(run_id)])


def topic_run(store: Store, model_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Topic run ``model_id``: (topics ``topic, label, size, top_words, is_new``; assignments ``id, call_id, topic, probability``)."""
    topics = store.query("SELECT topic_id AS topic, label, size, top_words, is_new FROM topics WHERE model_id = ? "
                         "ORDER BY topic_id", [str(model_id)])
    assignments = store.query("SELECT document_id AS id, call_id, topic_id AS topic, probability "
                              "FROM topic_assignments WHERE model_id = ? ORDER BY document_id", [str(model_id)])
    return topics, assignments


def topic_days(store: Store, model_id: str) -> pd.DataFrame:
    """``topic_id, day`` (ISO date string) of every assignment of run ``model_id`` whose call is in ``calls``."""
    return store.query(
        "SELECT ta.topic_id, CAST(CAST(c.arrived_at AS DATE) AS VARCHAR) AS day FROM topic_assignments ta "
        "JOIN calls c ON c.call_id = ta.call_id WHERE ta.model_id = ? ORDER BY ta.document_id", [str(model_id)])


# --------------------------------------------------------------------------- transcripts


def transcript_segments(store: Store, call_id: str) -> pd.DataFrame:
    """Stored segments of one call in order (every ``transcript_segments`` column)."""
    return store.query("SELECT * FROM transcript_segments WHERE call_id = ? ORDER BY segment_index", [str(call_id)])


def call_queues(store: Store, call_ids: Sequence[str]) -> dict[str, str]:
    """Queue of each given call that ``calls`` holds: ``{call_id: queue_id}`` (calls it lacks are left out)."""
    if not call_ids:
        return {}
    condition, parameters = _in_list("call_id", call_ids)
    found = store.query(f"SELECT call_id, queue_id FROM calls WHERE {condition}", parameters)
    return dict(zip(found["call_id"].astype(str), found["queue_id"].astype(str)))


def transcript_keys(store: Store, call_id: str) -> list[tuple[Any, Any]]:
    """The distinct (``audio_sha256``, ``parameters_hash``) pairs the call's stored segments came from."""
    found = store.query("SELECT DISTINCT audio_sha256, parameters_hash FROM transcript_segments WHERE call_id = ? "
                        "ORDER BY 1, 2", [str(call_id)])
    return list(zip(found["audio_sha256"], found["parameters_hash"]))


def batch_succeeded(store: Store, batch_id: str) -> bool:
    """Whether ``batches`` records batch ``batch_id`` as succeeded."""
    found = store.query("SELECT count(*) AS n FROM batches WHERE batch_id = ? AND status = 'succeeded'",
                        [str(batch_id)])
    return bool(found["n"].iloc[0])


def queue_ids(store: Store) -> list[str]:
    """Every ``queue_id`` in ``calls``, sorted."""
    found = store.query("SELECT DISTINCT queue_id FROM calls WHERE queue_id IS NOT NULL ORDER BY 1")
    return [str(q) for q in found["queue_id"]]


def selected_queue_ids(store: Store, queues: Sequence[str] | str | None) -> list[str] | None:
    """The queue ids of ``calls`` a ``queues`` selection (ids or families) keeps; None = every queue.

    An empty list means the selection matches no queue in the store.
    """
    if glossary.is_all_queues(queues):
        return None
    return glossary.select_queues(queue_ids(store), queues)


def transcript_documents(store: Store, *, unit: str = "call", speakers: Sequence[str] = ("customer",)) -> pd.DataFrame:
    """Transcript texts joined to their calls: the documents of topic mining.

    Args:
        unit: ``call`` joins each call's segments into one document (id = call
            id); ``turn`` keeps every segment (id = ``<call_id>:<segment_index>``).
        speakers: speaker roles kept.

    Returns:
        ``id, call_id, text, language, queue_id, arrived_at`` (queue and time
        null for a transcript whose call is not loaded), ordered by id; blank
        segments left out.
    """
    if unit == "call":
        sql = """
            SELECT s.call_id AS id, s.call_id, string_agg(s.text, ' ' ORDER BY s.segment_index) AS text,
                   coalesce(any_value(c.language), any_value(s.language)) AS language,
                   any_value(c.queue_id) AS queue_id, any_value(c.arrived_at) AS arrived_at
            FROM transcript_segments s LEFT JOIN calls c USING (call_id)
            WHERE s.speaker_role = ANY(?) AND trim(s.text) <> ''
            GROUP BY s.call_id ORDER BY s.call_id"""
    elif unit == "turn":
        sql = """
            SELECT s.call_id || ':' || s.segment_index AS id, s.call_id, s.text,
                   coalesce(c.language, s.language) AS language, c.queue_id, c.arrived_at
            FROM transcript_segments s LEFT JOIN calls c USING (call_id)
            WHERE s.speaker_role = ANY(?) AND trim(s.text) <> ''
            ORDER BY s.call_id, s.segment_index"""
    else:
        raise ParameterError(f"unit must be 'call' or 'turn', found {unit!r}", field="unit")
    return store.query(sql, [list(speakers)])


# --------------------------------------------------------------------------- interval reports


def interval_queue_ids(store: Store) -> list[str]:
    """Every ``queue_id`` of the interval reports (``interval_stats``), sorted."""
    found = store.query("SELECT DISTINCT queue_id FROM interval_stats ORDER BY 1")
    return [str(q) for q in found["queue_id"]]


def selected_interval_queue_ids(store: Store, queues: Sequence[str] | str | None) -> list[str] | None:
    """The queue ids of ``interval_stats`` a ``queues`` selection keeps; None = every queue (as :func:`selected_queue_ids`)."""
    if glossary.is_all_queues(queues):
        return None
    return glossary.select_queues(interval_queue_ids(store), queues)


def interval_stats_lengths(store: Store, queue_ids: Sequence[str] | None = None) -> list[int]:
    """The distinct ``interval_minutes`` of the interval reports (of ``queue_ids``; None = all), ascending."""
    condition, parameters = _in_list("queue_id", queue_ids) if queue_ids is not None else ("TRUE", [])
    found = store.query(f"SELECT DISTINCT interval_minutes FROM interval_stats WHERE {condition} ORDER BY 1",
                        parameters)
    return [int(m) for m in found["interval_minutes"]]


def interval_stats_series(
    store: Store,
    *,
    interval_minutes: int,
    queue_ids: Sequence[str] | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
) -> pd.DataFrame:
    """Interval report rows added up per queue and ``interval_minutes`` bucket: the forecast's raw series.

    Args:
        interval_minutes: bucket length (a divisor of 60, or 1440 for days);
            rows are added into the bucket their start falls in.
        queue_ids: queue ids to keep; None = every queue.
        date_from, date_to: inclusive local days of ``interval_start``.

    Returns:
        ``unique_id`` (queue id), ``ds`` (bucket start), ``offered`` (sum;
        NULL when no row of the bucket has it), ``answered``, ``handle_seconds``
        (sum of AHT x answered over rows with an AHT), ``handle_answered`` (the
        answered calls of those rows), ``rows``; ordered by ``unique_id, ds``.
    """
    if interval_minutes == 1440:
        bucket = "CAST(CAST(interval_start AS DATE) AS TIMESTAMP)"
    else:
        bucket = glossary.interval_start_sql("interval_start", interval_minutes)
    in_period, parameters = glossary.Period.of(date_from, date_to).sql_condition("interval_start")
    where = [in_period]
    if queue_ids is not None:
        condition, values = _in_list("queue_id", queue_ids)
        where.append(condition)
        parameters = [*parameters, *values]
    return store.query(
        f"""SELECT queue_id AS unique_id, {bucket} AS ds,
                   CAST(sum(offered) AS DOUBLE) AS offered, CAST(sum(answered) AS DOUBLE) AS answered,
                   sum(aht_seconds * answered) FILTER (WHERE aht_seconds IS NOT NULL) AS handle_seconds,
                   CAST(coalesce(sum(answered) FILTER (WHERE aht_seconds IS NOT NULL), 0) AS DOUBLE) AS handle_answered,
                   CAST(count(*) AS BIGINT) AS rows
            FROM interval_stats WHERE {" AND ".join(where)}
            GROUP BY ALL ORDER BY unique_id, ds""", parameters)


def interval_stats_rows(store: Store, date_from: str | None = None, date_to: str | None = None) -> int:
    """Interval report rows whose interval starts in the period (inclusive local days; None = open)."""
    in_period, parameters = glossary.Period.of(date_from, date_to).sql_condition("interval_start")
    return int(store.query(f"SELECT count(*) AS n FROM interval_stats WHERE {in_period}", parameters)["n"].iloc[0])


def run_volume_source(store: Store, run_id: str) -> str | None:
    """The table staffing run ``run_id`` took its history from (``calls`` or ``interval_stats``).

    Read from the run's batch (``staffing_forecast-<run_id>``, its ``source_file``);
    None for a run stored without it (before interval reports could feed a run).
    """
    _, _, prefix = _run_kind("staffing")
    found = store.query("SELECT source_file FROM batches WHERE batch_id = ? AND status = 'succeeded' "
                        "ORDER BY finished_at DESC LIMIT 1", [prefix + str(run_id)])
    if found.empty or found["source_file"].iloc[0] is None or found["source_file"].iloc[0] != found["source_file"].iloc[0]:
        return None
    return str(found["source_file"].iloc[0])
