"""Canonical tables of the store: one definition, read by the store and the docs.

Every analysis module exchanges DataFrames with these column names, so a
column's meaning and unit live here once. Timestamps are local wall-clock time
of the centre (``TIMESTAMP`` without zone) with the zone recorded per batch,
because every report a manager reads is in local time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workbench.i18n import N_

#: Version of the table definitions below; a store of an older version is
#: migrated when opened for writing (:data:`workbench.store.MIGRATIONS`).
#: 2: ``calls.wait_seconds`` is optional (an export need not time abandoned calls).
#: 3: agent-marked outcome fields on ``calls`` (``resolved``, ``disposition_code``,
#: ``contact_reason``), survey ``channel``/``survey_type``, agent ``site``/``hired_on``/
#: ``skill_tags``, the ``interval_stats`` and ``dimensions`` tables.
#: 4: speech intelligence: per-turn sentiment, voice cues and role confidence on
#: ``transcript_segments``; call sentiment, agitation and how speakers were found on ``speech_metrics``.
SCHEMA_VERSION = 4

#: Columns added to a table by a schema version (the migration adds them to an older
#: store; a new store declares them in place). Version -> table -> column names.
ADDED_COLUMNS: dict[int, dict[str, tuple[str, ...]]] = {
    3: {
        "calls": ("resolved", "disposition_code", "contact_reason"),
        "surveys": ("channel", "survey_type"),
        "agents": ("site", "hired_on", "skill_tags"),
    },
    4: {
        "transcript_segments": ("sentiment_score", "sentiment_label", "role_confidence", "pitch_relative",
                                "loudness_relative_db", "speaking_rate_relative", "agitated"),
        "speech_metrics": ("customer_sentiment", "customer_sentiment_start", "customer_sentiment_end",
                           "agent_sentiment", "call_sentiment", "call_sentiment_label", "most_negative_seconds",
                           "most_negative_score", "agitated_turns", "speaker_source", "role_confidence",
                           "sentiment_model"),
    },
}


@dataclass(frozen=True)
class Column:
    """One column of a canonical table."""

    name: str
    sql_type: str
    description: str
    required: bool = False


@dataclass(frozen=True)
class Table:
    """A canonical table: columns, primary key and what a row means."""

    name: str
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = field(default_factory=tuple)

    @property
    def column_names(self) -> list[str]:
        """Column names in declaration order."""
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        """Columns a loaded row must fill (primary key columns included)."""
        return [c.name for c in self.columns if c.required or c.name in self.primary_key]

    def ddl(self) -> str:
        """``CREATE TABLE IF NOT EXISTS`` statement for DuckDB."""
        lines = [
            f'    "{c.name}" {c.sql_type}'
            + (" NOT NULL" if c.required or c.name in self.primary_key else "")
            for c in self.columns
        ]
        if self.primary_key:
            key = ", ".join(f'"{k}"' for k in self.primary_key)
            lines.append(f"    PRIMARY KEY ({key})")
        return f'CREATE TABLE IF NOT EXISTS "{self.name}" (\n' + ",\n".join(lines) + "\n)"


def _c(name: str, sql_type: str, description: str, required: bool = False) -> Column:
    return Column(name, sql_type, description, required)


_BATCH = _c("batch_id", "VARCHAR", N_("Load batch that wrote the row (see table batches)."))

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "calls",
            N_("One row per inbound contact offered to a queue; a transfer is recorded on the row (outcome "
            "transferred, "
            "transfer_to_queue_id). Only what identifies a call is required (call_id, queue_id, arrived_at, outcome); "
            "a measure the export does not give (wait, talk, hold, wrap) is NULL: unknown, never 0."),
            (
                _c("call_id", "VARCHAR", N_("Stable id: source system id, prefixed by source when ids could clash."),
                   True),
                _c("source_call_id", "VARCHAR", N_("Id as it appeared in the export.")),
                _c("queue_id", "VARCHAR", N_("Queue (skill) the call was offered to, e.g. billing_zh."), True),
                _c("language", "VARCHAR", N_("Line language: zh or en.")),
                _c("customer_id", "VARCHAR", N_("Caller identity (hashed ANI or CRM id) for repeat-contact analysis.")),
                _c("agent_id", "VARCHAR", N_("Agent who answered; null when not answered.")),
                _c("arrived_at", "TIMESTAMP", N_("Local time the call entered the queue."), True),
                _c("answered_at", "TIMESTAMP", N_("Local time an agent answered; null when not answered.")),
                _c("ended_at", "TIMESTAMP", N_("Local time the call ended (after wrap-up excluded).")),
                _c("wait_seconds", "DOUBLE", N_("Seconds in queue before answer or abandon; null when not exported.")),
                _c("talk_seconds", "DOUBLE", N_("Seconds of conversation, excluding hold.")),
                _c("hold_seconds", "DOUBLE", N_("Seconds the customer was on hold.")),
                _c("wrap_seconds", "DOUBLE", N_("After-call work seconds.")),
                _c("outcome", "VARCHAR", N_("answered | abandoned | short_abandon | transferred | phantom."), True),
                _c("transfer_to_queue_id", "VARCHAR", N_("Target queue when outcome is transferred.")),
                _c("flags", "VARCHAR", N_("Comma-separated cleaning flags (misdial, test_number, internal, ...).")),
                _c("resolved", "BOOLEAN", N_("Agent-marked: the agent recorded the contact as resolved (true) or not "
                   "(false); null when the export has no such mark.")),
                _c("disposition_code", "VARCHAR", N_("Wrap-up (disposition) code the agent chose after the call.")),
                _c("contact_reason", "VARCHAR", N_("Contact reason (topic) the agent chose for the call.")),
                _BATCH,
            ),
            ("call_id",),
        ),
        Table(
            "surveys",
            N_("Post-call survey responses."),
            (
                _c("survey_id", "VARCHAR", N_("Survey response id."), True),
                _c("call_id", "VARCHAR", N_("Call the survey is about."), True),
                _c("surveyed_at", "TIMESTAMP", N_("Local time of the response.")),
                _c("csat", "INTEGER", N_("Satisfaction 1 (worst) to 5 (best)."), True),
                _c("comment", "VARCHAR", N_("Free-text comment, PII-redacted.")),
                _c("channel", "VARCHAR", N_("Channel of the contact surveyed: phone, chat, email, ...")),
                _c("survey_type", "VARCHAR", N_("How the survey was taken: ivr, sms, email, web, ...")),
                _BATCH,
            ),
            ("survey_id",),
        ),
        Table(
            "agent_states",
            N_("Agent state periods from the ACD or workforce system (the basis of occupancy)."),
            (
                _c("state_id", "VARCHAR", N_("Id of the period, e.g. agent id and start joined."), True),
                _c("agent_id", "VARCHAR", N_("Agent id as used in call records."), True),
                _c(
                    "state",
                    "VARCHAR",
                    N_("available | on_call | wrap (logged in for calls) | not_ready (break, meeting) | logged_out."),
                    True,
                ),
                _c("started_at", "TIMESTAMP", N_("Local start of the period."), True),
                _c("ended_at", "TIMESTAMP", N_("Local end of the period."), True),
                _BATCH,
            ),
            ("state_id",),
        ),
        Table(
            "agents",
            N_("Agents and their skills."),
            (
                _c("agent_id", "VARCHAR", N_("Agent id as used in call records."), True),
                _c("agent_name", "VARCHAR", N_("Display name.")),
                _c("languages", "VARCHAR", N_("Comma-separated languages spoken.")),
                _c("skills", "VARCHAR", N_("Comma-separated queue ids the agent serves.")),
                _c("team", "VARCHAR", N_("Team or supervisor group.")),
                _c("site", "VARCHAR", N_("Site (building, city or outsourcer) the agent works at.")),
                _c("hired_on", "DATE", N_("Local date the agent started; tenure is counted from it.")),
                _c("skill_tags", "VARCHAR", N_("Comma-separated skill tags beyond queues (e.g. vip, complaints).")),
                _BATCH,
            ),
            ("agent_id",),
        ),
        Table(
            "queues",
            N_("Queues (skills) with their service targets."),
            (
                _c("queue_id", "VARCHAR", N_("Queue id, e.g. billing_zh."), True),
                _c("queue_name", "VARCHAR", N_("Display name.")),
                _c("language", "VARCHAR", N_("Line language: zh or en.")),
                _c("service_level_target", "DOUBLE", N_("Target share answered within target_answer_seconds (0..1).")),
                _c("target_answer_seconds", "DOUBLE", N_("Answer-time threshold of the service level.")),
                _BATCH,
            ),
            ("queue_id",),
        ),
        Table(
            "interval_stats",
            N_("ACD interval report: per queue and interval (15/30/60 minutes, or a whole day as 1440) the counts "
            "and averages the ACD computed. For centres without call records; KPIs combine intervals weighted "
            "by their counts, never as an average of averages."),
            (
                _c("queue_id", "VARCHAR", N_("Queue (skill) of the row."), True),
                _c("interval_start", "TIMESTAMP", N_("Local start of the interval (midnight for a day)."), True),
                _c("interval_minutes", "INTEGER", N_("Interval length in minutes: 15, 30, 60, or 1440 for a day."),
                   True),
                _c("offered", "BIGINT", N_("Calls offered to the queue in the interval; null when the report gives "
                   "only answered (handled) calls.")),
                _c("answered", "BIGINT", N_("Calls answered (transferred-out included).")),
                _c("abandoned", "BIGINT", N_("Calls abandoned in queue (short abandons included unless given apart).")),
                _c("short_abandoned", "BIGINT",
                   N_("Abandons quicker than the ACD's short-abandon threshold, when given.")),
                _c("answered_in_target", "BIGINT", N_("Calls answered within target_answer_seconds.")),
                _c("target_answer_seconds", "DOUBLE", N_("Answer-time threshold of the reported service level.")),
                _c("service_level", "DOUBLE", N_("Service level as the ACD reported it (0..1).")),
                _c("asa_seconds", "DOUBLE", N_("Average speed of answer over the answered calls.")),
                _c("aht_seconds", "DOUBLE", N_("Average handle time (talk + hold + wrap) over the answered calls.")),
                _c("average_talk_seconds", "DOUBLE", N_("Average talk time over the answered calls.")),
                _c("average_wrap_seconds", "DOUBLE", N_("Average after-call work over the answered calls.")),
                _BATCH,
            ),
            ("queue_id", "interval_start", "interval_minutes"),
        ),
        Table(
            "dimensions",
            N_("Catalogue of the custom dimensions the store holds: vendor fields a profile mapped to a named "
            "dimension, stored as a typed column dim_<dimension> of their table."),
            (
                _c("table_name", "VARCHAR", N_("Canonical table carrying the dimension (calls, surveys, agents)."),
                   True),
                _c("dimension", "VARCHAR", N_("Dimension name, e.g. region or member_tier."), True),
                _c("value_type", "VARCHAR", N_("category | number | flag."), True),
                _c("column_name", "VARCHAR", N_("Column of the table holding it: dim_<dimension>."), True),
                _c("description", "VARCHAR", N_("What the dimension means, from the profile.")),
                _c("profile", "VARCHAR", N_("Ingestion profile that first declared it.")),
                _BATCH,
            ),
            ("table_name", "dimension"),
        ),
        Table(
            "transcript_segments",
            N_("Speaker-attributed, PII-redacted transcript segments."),
            (
                _c("call_id", "VARCHAR", N_("Call the recording belongs to."), True),
                _c("segment_index", "INTEGER", N_("Order of the segment within the call."), True),
                _c("speaker_role", "VARCHAR", N_("agent | customer | unknown, or speaker_1, speaker_2, ... when a mono "
                   "recording's speakers were told apart but their roles could not be."), True),
                _c("start_seconds", "DOUBLE", N_("Segment start from the start of the recording."), True),
                _c("end_seconds", "DOUBLE", N_("Segment end from the start of the recording."), True),
                _c("text", "VARCHAR", N_("Redacted text."), True),
                _c("confidence", "DOUBLE", N_("Mean word probability where the engine gives one.")),
                _c("language", "VARCHAR", N_("Detected or forced language.")),
                _c("model", "VARCHAR", N_("Model name or path used.")),
                _c("parameters_hash", "VARCHAR", N_("Hash of the transcription parameters (resume key).")),
                _c("audio_sha256", "VARCHAR", N_("Hash of the audio file (resume key).")),
                _c("sentiment_score", "DOUBLE", N_("Sentiment of the segment's text from -1 (negative) to 1 (positive).")),
                _c("sentiment_label", "VARCHAR", N_("negative | neutral | positive.")),
                _c("role_confidence", "DOUBLE", N_("How sure the speaker role is, 0..1: 1 for a stereo channel, lower "
                   "when roles of a mono recording were inferred from what was said.")),
                _c("pitch_relative", "DOUBLE", N_("Median pitch of the segment over the same speaker's median in the "
                   "call (1.0 = their usual pitch).")),
                _c("loudness_relative_db", "DOUBLE", N_("Loudness of the segment in dB above the same speaker's "
                   "median in the call.")),
                _c("speaking_rate_relative", "DOUBLE", N_("Speaking rate of the segment over the same speaker's "
                   "median rate in the call.")),
                _c("agitated", "BOOLEAN", N_("True when pitch, loudness and rate rose together above the speaker's "
                   "own level.")),
            ),
            ("call_id", "segment_index"),
        ),
        Table(
            "speech_metrics",
            N_("Call-level speech analytics from the transcript timing."),
            (
                _c("call_id", "VARCHAR", N_("Call id."), True),
                _c("agent_talk_share", "DOUBLE", N_("Agent speech seconds over total speech seconds.")),
                _c("silence_share", "DOUBLE", N_("Share of the call in gaps longer than 5 s.")),
                _c("longest_silence_seconds", "DOUBLE", N_("Longest gap with nobody speaking.")),
                _c("overtalk_count", "INTEGER", N_("Times both parties spoke at once.")),
                _c("overtalk_share", "DOUBLE", N_("Share of the call with both speaking.")),
                _c("agent_words_per_minute", "DOUBLE", N_("Agent speaking rate (characters per minute for Chinese).")),
                _c("customer_words_per_minute", "DOUBLE", N_("Customer speaking rate.")),
                _c("turn_count", "INTEGER", N_("Speaker turns.")),
                _c("customer_sentiment", "DOUBLE", N_("Customer sentiment over the call, -1..1, weighted by speech "
                   "length.")),
                _c("customer_sentiment_start", "DOUBLE", N_("Customer sentiment over the first third of their "
                   "turns.")),
                _c("customer_sentiment_end", "DOUBLE", N_("Customer sentiment over the last third of their turns.")),
                _c("agent_sentiment", "DOUBLE", N_("The agent's tone over the call, -1..1.")),
                _c("call_sentiment", "DOUBLE", N_("Sentiment of the call, -1..1: the customer's turns weighted over "
                   "the agent's script.")),
                _c("call_sentiment_label", "VARCHAR", N_("negative | neutral | positive.")),
                _c("most_negative_seconds", "DOUBLE", N_("Start of the most negative segment, seconds from the start "
                   "of the recording.")),
                _c("most_negative_score", "DOUBLE", N_("Sentiment of the most negative segment.")),
                _c("agitated_turns", "INTEGER", N_("Segments flagged as agitated.")),
                _c("speaker_source", "VARCHAR", N_("How speakers were told apart: channels (stereo), diarized (mono) "
                   "or single (one voice track, no diarization).")),
                _c("role_confidence", "DOUBLE", N_("Lowest role confidence of the call's speakers, 0..1.")),
                _c("sentiment_model", "VARCHAR", N_("Sentiment model name and version that scored the call.")),
            ),
            ("call_id",),
        ),
        Table(
            "compliance_results",
            N_("Per call and rule: did the call follow the script."),
            (
                _c("call_id", "VARCHAR", N_("Call id."), True),
                _c("rule_id", "VARCHAR", N_("Rule id from parameters/compliance."), True),
                _c("passed", "BOOLEAN", N_("True when the call complies with the rule."), True),
                _c("severity", "VARCHAR", N_("low | medium | high.")),
                _c("score", "DOUBLE", N_("Points deducted when failed.")),
                _c("evidence", "VARCHAR", N_("Redacted text that triggered or would have satisfied the rule.")),
            ),
            ("call_id", "rule_id"),
        ),
        Table(
            "topic_assignments",
            N_("Topic of each document (call or utterance) under a topic model."),
            (
                _c("model_id", "VARCHAR", N_("Topic model run id."), True),
                _c("document_id", "VARCHAR", N_("Document id (call id or call id + turn)."), True),
                _c("call_id", "VARCHAR", N_("Call the document belongs to.")),
                _c("topic_id", "INTEGER", N_("Topic number; -1 is the outlier topic."), True),
                _c("probability", "DOUBLE", N_("Assignment probability or similarity.")),
            ),
            ("model_id", "document_id"),
        ),
        Table(
            "topics",
            N_("Topics of a topic model with their labels."),
            (
                _c("model_id", "VARCHAR", N_("Topic model run id."), True),
                _c("topic_id", "INTEGER", N_("Topic number."), True),
                _c("label", "VARCHAR", N_("Human label (carried over between runs).")),
                _c("size", "INTEGER", N_("Documents in the topic.")),
                _c("top_words", "VARCHAR", N_("Comma-separated c-TF-IDF top words.")),
                _c("is_new", "BOOLEAN", N_("True when not matched to the previous run's topics.")),
            ),
            ("model_id", "topic_id"),
        ),
        Table(
            "forecasts",
            N_("Interval forecasts in long format (unique_id, ds, yhat)."),
            (
                _c("run_id", "VARCHAR", N_("Forecast run id."), True),
                _c("unique_id", "VARCHAR", N_("Series id, e.g. billing_zh:offered."), True),
                _c("ds", "TIMESTAMP", N_("Interval start, local time."), True),
                _c("model", "VARCHAR", N_("prophet | seasonal_naive | ..."), True),
                _c("yhat", "DOUBLE", N_("Point forecast."), True),
                _c("yhat_lower", "DOUBLE", N_("Lower prediction bound.")),
                _c("yhat_upper", "DOUBLE", N_("Upper prediction bound.")),
            ),
            ("run_id", "unique_id", "ds", "model"),
        ),
        Table(
            "staffing",
            N_("Required and scheduled agents per queue and interval."),
            (
                _c("run_id", "VARCHAR", N_("Staffing run id."), True),
                _c("queue_id", "VARCHAR", N_("Queue id."), True),
                _c("interval_start", "TIMESTAMP", N_("Interval start, local time."), True),
                _c("interval_minutes", "INTEGER", N_("Interval length."), True),
                _c("calls", "DOUBLE", N_("Forecast calls offered in the interval.")),
                _c("aht_seconds", "DOUBLE", N_("Forecast average handle time.")),
                _c("required_agents", "INTEGER", N_("Agents on the phones to meet the target.")),
                _c("scheduled_agents", "INTEGER", N_("Required agents grossed up for shrinkage.")),
                _c("service_level", "DOUBLE", N_("Expected service level with required agents.")),
            ),
            ("run_id", "queue_id", "interval_start"),
        ),
        Table(
            "batches",
            N_("One row per load batch: what was read, from where, and what became of it."),
            (
                _c("batch_id", "VARCHAR", N_("Batch id."), True),
                _c("kind", "VARCHAR", N_("calls | surveys | agents | transcripts | ..."), True),
                _c("source_file", "VARCHAR", N_("File the batch read.")),
                _c("file_sha256", "VARCHAR", N_("Hash of that file (idempotency key).")),
                _c("profile", "VARCHAR", N_("Ingestion profile or engine used.")),
                _c("rows_read", "BIGINT", N_("Rows read from the source.")),
                _c("rows_loaded", "BIGINT", N_("Rows written to the store.")),
                _c("rows_rejected", "BIGINT", N_("Rows written to the rejects file.")),
                _c("rows_duplicate", "BIGINT", N_("Rows already in the store.")),
                _c("started_at", "TIMESTAMP", N_("UTC start of the batch.")),
                _c("finished_at", "TIMESTAMP", N_("UTC end of the batch.")),
                _c("status", "VARCHAR", N_("succeeded | failed."), True),
            ),
            ("batch_id",),
        ),
    )
}


def table(name: str) -> Table:
    """Definition of canonical table ``name``.

    Raises:
        KeyError: with the list of known tables when ``name`` is not one.
    """
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(f"unknown table '{name}'; known tables: {', '.join(sorted(TABLES))}") from None


#: Columns counting events (calls, rows, agents, ...), whatever their name ends with.
COUNT_COLUMNS: frozenset[str] = frozenset({
    "offered", "answered", "abandoned", "short_abandoned", "answered_in_target", "rows_read", "rows_loaded",
    "rows_rejected", "rows_duplicate", "size", "calls", "required_agents", "scheduled_agents",
})
#: Tables whose ``*_at`` times are UTC (when the workbench did something), not the centre's local time.
UTC_TABLES: frozenset[str] = frozenset({"batches"})


def column_unit(name: str, table: str | None = None) -> str:
    """Unit of a canonical column, read from its name (names carry units); ``""`` for text and ids.

    One rule for the data dictionary (``workbench schema`` and the report site):
    ``*_seconds`` seconds, ``*_minutes`` minutes, ``*_at`` (and ``interval_start``,
    ``ds``) a local timestamp (UTC in :data:`UTC_TABLES`), ``*_on`` a local date,
    ``*_rate``/``*_share``/``service_level*``/``probability``/``confidence`` a
    share 0..1, ``*_count`` and :data:`COUNT_COLUMNS` a count, ``csat`` a score 1..5.

    >>> column_unit("wait_seconds"), column_unit("service_level"), column_unit("started_at", "batches")
    ('seconds', 'share 0..1', 'timestamp (UTC)')
    """
    if name.endswith("_seconds"):
        return N_("seconds")
    if name.endswith("_minutes"):
        return N_("minutes")
    if name.endswith("_at") or name in ("interval_start", "ds"):
        return N_("timestamp (UTC)") if table in UTC_TABLES else N_("timestamp (local)")
    if name.endswith("_on"):
        return N_("date (local)")
    if name.endswith(("_rate", "_share")) or name.startswith("service_level") or name in ("probability", "confidence"):
        return N_("share 0..1")
    if name.endswith("_count") or name in COUNT_COLUMNS:
        return N_("count")
    if name.endswith("_per_minute"):
        return N_("per minute")
    if name == "csat":
        return N_("score 1..5")
    return ""
