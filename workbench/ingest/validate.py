"""Map a raw export onto a canonical table and find the rows that cannot be loaded.

The mapping and every check are one generated DuckDB query over the raw
strings (a :class:`~workbench.ingest.reading.RawTable`), built from small
per-check pieces, so a million-row export is validated at DuckDB speed and
:func:`to_canonical` (pandas in, pandas out) runs the very same SQL. Each
failing check adds a reason naming the vendor field, so one row can carry
several reasons; they are joined with ``"; "`` in the order of the checks.

The query is layered (CTEs), so each parse happens once:

1. ``parsed``: per mapped column the parsed value (``p_<column>``) and the
   text it was parsed from (``t_<column>``);
2. ``typed``: the canonical values (``v_<column>``): whole numbers, midnight
   wrap, cleaning flags, missing values, pseudonyms, constants, ids;
3. ``judged``: whether any check fails, and the checks against the store;
4. the result: canonical columns plus ``reasons`` (empty when loadable).

Repeated ids are flagged afterwards on the result (:func:`flag_duplicates`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from workbench.errors import InputDataError
from workbench.glossary import FLAG_FALSE, FLAG_TRUE, dimension_column
from workbench.ingest.profiles import IngestProfile
from workbench.ingest.reading import BLANK_CHARACTERS, BLANK_CLASS, RawExport, RawTable, register_frame, sql_string
from workbench.pseudonyms import prepare_connection, pseudonym_sql
from workbench.schemas import table

if TYPE_CHECKING:
    import duckdb

# Value ranges of canonical columns, inclusive.
RANGES: dict[str, dict[str, tuple[float, float]]] = {"surveys": {"csat": (1, 5)}}
# (earlier, later) timestamp pairs that must be in order.
ORDER: dict[str, list[tuple[str, str]]] = {
    "calls": [("arrived_at", "answered_at"), ("arrived_at", "ended_at"), ("answered_at", "ended_at")],
    "agent_states": [("started_at", "ended_at")],
}
#: ``H:MM:SS`` durations (``-`` allowed, so a negative one is named, not a parse error).
HMS_PATTERN = r"^\s*(-)?(\d+):(\d{1,2}):(\d{1,2}(?:\.\d+)?)\s*$"
#: Hours a later clock time may lie before ``arrived_at`` before it counts as the next day.
MIDNIGHT_WRAP_HOURS = 12
#: Canonical columns holding a share (0..1): a value written as a percentage (``"94.01%"``) is divided by 100.
SHARE_COLUMNS: frozenset[str] = frozenset({"service_level"})
#: Characters grouping thousands in a number written with a decimal comma (``1.234,5``, ``1 234,5``).
THOUSANDS_WITH_DECIMAL_COMMA = ". \u00a0\u202f'"


def _trim(value: str) -> str:
    """SQL ``value.strip()``: trims only values that start or end with a blank (the regex is the cheap part)."""
    edges = sql_string(f"^{BLANK_CLASS}|{BLANK_CLASS}$")
    return f"CASE WHEN regexp_matches({value}, {edges}) THEN trim({value}, {sql_string(BLANK_CHARACTERS)}) ELSE {value} END"


def _quoted(value: str) -> str:
    """SQL text ``'<value>'`` as the reasons show a vendor value."""
    return f"'''' || coalesce(CAST({value} AS VARCHAR), 'None') || ''''"


def _map_sql(value: str, mapping: dict[str, str]) -> str:
    cases = " ".join(f"WHEN {sql_string(k)} THEN {sql_string(v)}" for k, v in mapping.items())
    return f"CASE {value} {cases} END" if mapping else "CAST(NULL AS VARCHAR)"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class _Query:
    """The pieces of the generated query, filled column by column."""

    parsed: list[str] = field(default_factory=list)  # expressions AS p_/t_ names over the raw table
    typed: dict[str, str] = field(default_factory=dict)  # canonical column -> expression over `parsed`
    checks: list[tuple[str, str]] = field(default_factory=list)  # (condition, reason text), in order

    def reason(self, condition: str, message: str) -> None:
        self.checks.append((condition, message))


def _number_sql(text: str, decimal_separator: str, share: bool = False) -> str:
    """SQL DOUBLE of a vendor number text (NULL when it is not one).

    With a decimal comma, dots and blanks inside the number group thousands.
    ``share``: a trailing ``%`` (``"94.01%"``) means a percentage, divided by 100.
    """
    value = _trim(text)
    if decimal_separator == ",":
        value = f"replace(translate({value}, {sql_string(THOUSANDS_WITH_DECIMAL_COMMA)}, ''), ',', '.')"
    if not share:
        return f"TRY_CAST({value} AS DOUBLE)"
    return (f"CASE WHEN ends_with({value}, '%') THEN TRY_CAST(rtrim(left({value}, -1)) AS DOUBLE) / 100 "
            f"ELSE TRY_CAST({value} AS DOUBLE) END")


def _day_number_sql(text: str, profile: IngestProfile) -> str:
    """SQL ``YYYY-MM-DD`` of a day written as a number (:class:`~workbench.ingest.profiles.DayNumber`).

    A text that is not such a number is passed on unchanged, so the timestamp
    parse fails on it and the reason shows the vendor's value.
    """
    form = profile.day_number
    if form.form == "excel_serial":
        # Excel's day 1 is 1900-01-01 and it counts a 29 February 1900 that never was: from day 61 on,
        # day n is 1899-12-30 + n, which is what every export written since 1900-03-01 holds.
        day = f"DATE '1899-12-30' + TRY_CAST({text} AS INTEGER)"
    else:
        day = f"TRY_CAST({sql_string(form.month + '-')} || lpad({text}, 2, '0') AS DATE)"
    return f"coalesce(strftime({day}, '%Y-%m-%d'), {text})"


def _flag_sql(text: str, mapping: dict[str, str] | None = None) -> str:
    """SQL BOOLEAN of a yes/no text: the profile's map first, then :data:`FLAG_TRUE` / :data:`FLAG_FALSE`."""
    # One CASE over the lower-cased text: DuckDB plans a long IN list as a join per list, and a
    # flag had two (~0.06 s per flag column per million rows).
    words = " ".join([*(f"WHEN {sql_string(w)} THEN TRUE" for w in FLAG_TRUE),
                      *(f"WHEN {sql_string(w)} THEN FALSE" for w in FLAG_FALSE)])
    known = f"CASE lower({_trim(text)}) {words} END"
    if not mapping:
        return known
    mapped = " ".join(f"WHEN {_trim(text)} = {sql_string(k)} THEN TRY_CAST({sql_string(v)} AS BOOLEAN)"
                      for k, v in mapping.items())
    return f"CASE {mapped} ELSE {known} END"


def check_headers(headers: list[str] | pd.Index, profile: IngestProfile, file: str | Path) -> None:
    """Raise InputDataError (line 1, header named) when a mapped header is absent."""
    mapped = dict(profile.columns)
    for name, dimension in profile.dimensions.items():
        mapped[f"(dimensions.{name})"] = dimension.column
    if profile.date_column:
        mapped["(date_column)"] = profile.date_column
    for position, header in enumerate(profile.id_columns):
        mapped[f"(id_columns.{position})"] = header
    if profile.cleaning is not None and profile.cleaning.queue_entry_column:
        mapped["(cleaning.queue_entry_column)"] = profile.cleaning.queue_entry_column
    for canonical, header in mapped.items():
        if header not in list(headers):
            raise InputDataError(
                f"header '{header}' (mapped to {canonical} by profile '{profile.name}') not found; "
                f"headers are {list(headers)}",
                file=file,
                row=1,
                field=header,
            )


def _map_columns(query: _Query, raw: RawTable, profile: IngestProfile) -> None:
    """Parse every mapped column; one block per kind, each with its checks."""
    types = {c.name: c.sql_type for c in table(profile.table).columns}
    for canonical, header in profile.columns.items():
        text, kind = f"r.{raw.column(header)}", types[canonical]
        parsed = f"p_{canonical}"
        if kind == "BOOLEAN":
            query.parsed.append(f"{_flag_sql(text, profile.value_maps.get(canonical))} AS {parsed}")
            query.typed[canonical] = parsed
            query.reason(f"{text} IS NOT NULL AND {parsed} IS NULL",
                         f"{sql_string(f'bad_flag: {header} ')} || {_quoted(text)} || ' is not yes or no'")
        elif kind == "DATE":
            day = (f"coalesce(TRY_CAST({_trim(text)} AS DATE), "
                   f"CAST(try_strptime({_trim(text)}, {sql_string(profile.timestamp_format)}) AS DATE))")
            query.parsed.append(f"{day} AS {parsed}")
            query.typed[canonical] = parsed
            query.reason(f"{text} IS NOT NULL AND {parsed} IS NULL",
                         f"{sql_string(f'bad_date: {header} ')} || {_quoted(text)} || ' is not a date'")
        elif canonical == "outcome" or canonical in profile.value_maps:
            mapping = profile.outcomes if canonical == "outcome" else profile.value_maps[canonical]
            query.parsed.append(f"{_map_sql(text, mapping)} AS {parsed}")
            query.typed[canonical] = parsed
            code, where = (
                ("unknown_outcome", " not in the profile's outcomes") if canonical == "outcome"
                else ("unknown_value", f" not in value_maps.{canonical}")
            )
            query.reason(f"{text} IS NOT NULL AND {parsed} IS NULL",
                         f"{sql_string(f'{code}: {header} ')} || {_quoted(text)} || {sql_string(where)}")
        elif kind == "TIMESTAMP":
            source = text
            if profile.null_times:
                listed = ", ".join(sql_string(v) for v in profile.null_times)
                source = f"CASE WHEN {_trim(text)} IN ({listed}) THEN NULL ELSE {text} END"
            if profile.date_column:
                day = _trim(f"r.{raw.column(profile.date_column)}")
                if profile.day_number is not None:
                    day = _day_number_sql(day, profile)
                source = f"{day} || ' ' || {_trim(source)}"
            elif profile.day_number is not None:
                source = _day_number_sql(_trim(source), profile)
            stamp = f"try_strptime(t_{canonical}, {sql_string(profile.timestamp_format)})"
            if "%z" in profile.timestamp_format:  # an offset: convert to the centre's wall-clock time
                # ISO 8601's "Z" (UTC, as cloud contact-record exports write it) is an offset %z refuses.
                zulu = f"regexp_replace(t_{canonical}, '[Zz]$', '+00:00')"
                stamp = f"timezone({sql_string(profile.timezone)}, try_strptime({zulu}, "\
                        f"{sql_string(profile.timestamp_format)}))"
            query.parsed.append(f"{source} AS t_{canonical}")
            query.typed[canonical] = parsed
            query.parsed.append(f"{stamp} AS {parsed}")
            query.reason(
                f"t_{canonical} IS NOT NULL AND {parsed} IS NULL",
                f"{sql_string(f'bad_timestamp: {header} ')} || {_quoted(f't_{canonical}')} || "
                + sql_string(" does not match '" + profile.timestamp_format + "'"),
            )
        elif kind in ("DOUBLE", "INTEGER", "BIGINT"):
            if profile.durations.get(canonical) == "hms":
                # The shape is the regex's; DuckDB's INTERVAL cast does the arithmetic (cheaper than
                # extracting groups) except for minutes/seconds above 59, which it refuses.
                parts = f"regexp_extract({text}, {sql_string(HMS_PATTERN)}, ['sign', 'h', 'm', 's'])"
                by_parts = (
                    f"(CASE WHEN {parts}['sign'] = '-' THEN -1 ELSE 1 END) * (TRY_CAST({parts}['h'] AS DOUBLE) * 3600 "
                    f"+ TRY_CAST({parts}['m'] AS DOUBLE) * 60 + TRY_CAST({parts}['s'] AS DOUBLE))"
                )
                number = (
                    f"CASE WHEN regexp_full_match({text}, {sql_string(HMS_PATTERN)}) "
                    f"THEN coalesce(epoch(TRY_CAST({text} AS INTERVAL)), {by_parts}) END"
                )
                expected = "H:MM:SS"
            else:
                number = _number_sql(text, profile.decimal_separator, share=canonical in SHARE_COLUMNS)
                expected = "a number"
            query.parsed.append(f"{number} AS {parsed}")
            query.reason(f"{text} IS NOT NULL AND {parsed} IS NULL",
                         f"{sql_string(f'bad_number: {header} ')} || {_quoted(text)} || {sql_string(f' is not {expected}')}")
            value = parsed
            if kind != "DOUBLE":
                fractional = f"({parsed} IS NOT NULL AND {parsed} % 1 <> 0)"
                query.reason(fractional, f"{sql_string(f'bad_number: {header} ')} || {_quoted(text)} || ' is not a whole number'")
                value = f"CASE WHEN {fractional} THEN NULL ELSE {parsed} END"
            if canonical.endswith("_seconds"):
                query.reason(f"{value} < 0", f"{sql_string(f'negative_duration: {header} ')} || {_quoted(text)} || ' is negative'")
            low_high = RANGES.get(profile.table, {}).get(canonical)
            if low_high:
                query.reason(
                    f"({value} < {low_high[0]!r} OR {value} > {low_high[1]!r})",
                    f"{sql_string(f'out_of_range: {header} ')} || {_quoted(text)} || "
                    f"{sql_string(f' outside {low_high[0]:g}..{low_high[1]:g}')}",
                )
            query.typed[canonical] = value if kind == "DOUBLE" else f"TRY_CAST({value} AS BIGINT)"
        else:
            query.parsed.append(f"{_trim(text)} AS {parsed}")
            query.typed[canonical] = parsed


def _map_dimensions(query: _Query, raw: RawTable, profile: IngestProfile) -> None:
    """Each custom dimension into its typed column ``dim_<name>``; a value of the wrong type is a reason."""
    for name, dimension in profile.dimensions.items():
        text, column = f"r.{raw.column(dimension.column)}", dimension_column(name)
        parsed = f"p_{column}"
        if dimension.type == "number":
            expression, expected = _number_sql(text, profile.decimal_separator, share=True), "a number"
        elif dimension.type == "flag":
            expression, expected = _flag_sql(text, dimension.values), "yes or no"
        else:
            trimmed = _trim(text)
            expression = (f"coalesce({_map_sql(trimmed, dimension.values)}, {trimmed})" if dimension.values
                          else trimmed)
            expected = None
        query.parsed.append(f"{expression} AS {parsed}")
        query.typed[column] = parsed
        if expected:
            code = "bad_number" if dimension.type == "number" else "bad_flag"
            query.reason(f"{text} IS NOT NULL AND {parsed} IS NULL",
                         f"{sql_string(f'{code}: {dimension.column} ')} || {_quoted(text)} || "
                         f"{sql_string(f' is not {expected} (dimension {name})')}")


def _midnight_wrap(query: _Query, profile: IngestProfile) -> None:
    # Only a clock time per column: a call crossing midnight ends "before" it started.
    if profile.date_column and "arrived_at" in query.typed:
        arrived = query.typed["arrived_at"]
        for later in ("answered_at", "ended_at"):
            if later in query.typed:
                value = query.typed[later]
                query.typed[later] = (
                    f"CASE WHEN {value} < {arrived} - INTERVAL {MIDNIGHT_WRAP_HOURS} HOUR "
                    f"THEN {value} + INTERVAL 1 DAY ELSE {value} END"
                )


def _cleaning_flags(query: _Query, raw: RawTable, profile: IngestProfile) -> None:
    """``flags``: comma-separated cleaning rules a row matches (NULL when none); rows are not rejected."""
    rules = profile.cleaning
    if rules is None:
        return
    hits: list[str] = []
    outcome, talk = query.typed.get("outcome"), query.typed.get("talk_seconds")
    if rules.misdial_below_seconds is not None and talk and outcome:
        hits.append(f"CASE WHEN {outcome} IN ('answered', 'transferred') AND {talk} < {rules.misdial_below_seconds!r} "
                    "THEN 'misdial' END")
    header = profile.columns.get("customer_id")
    # Numbers are matched as exported, before missing_values and pseudonymise.
    caller = _trim(f"r.{raw.column(header)}") if header else "CAST(NULL AS VARCHAR)"
    if rules.test_numbers:
        listed = ", ".join(sql_string(v) for v in rules.test_numbers)
        hits.append(f"CASE WHEN {caller} IN ({listed}) THEN 'test_number' END")
    if rules.internal_numbers_prefix:
        starts = " OR ".join(f"starts_with({caller}, {sql_string(p)})" for p in rules.internal_numbers_prefix)
        hits.append(f"CASE WHEN {starts} THEN 'internal' END")
    if rules.queue_entry_column and outcome:
        entry = f"r.{raw.column(rules.queue_entry_column)}"
        never_queued = f"{entry} IS NULL"
        if profile.null_times:
            never_queued += f" OR {_trim(entry)} IN ({', '.join(sql_string(v) for v in profile.null_times)})"
        hits.append(f"CASE WHEN {outcome} = 'abandoned' AND ({never_queued}) THEN 'ivr_abandon' END")
    if outcome:
        hits.append(f"CASE WHEN {outcome} = 'phantom' THEN 'phantom' END")
    query.typed["flags"] = f"NULLIF(concat_ws(',', {', '.join(hits)}), '')" if hits else "CAST(NULL AS VARCHAR)"


def _identity(query: _Query, raw: RawTable, profile: IngestProfile) -> None:
    """Missing values, pseudonyms, constants and the primary key (id_columns, id_prefix)."""
    for canonical, withheld in profile.missing_values.items():
        if canonical in query.typed:
            listed = ", ".join(sql_string(v) for v in withheld)
            value = query.typed[canonical]
            query.typed[canonical] = f"CASE WHEN {value} IN ({listed}) THEN NULL ELSE {value} END"
    for canonical in profile.pseudonymise:
        if canonical in query.typed:
            # The value is already stripped: text columns are trimmed when parsed.
            query.typed[canonical] = pseudonym_sql(query.typed[canonical])
    types = {c.name: c.sql_type for c in table(profile.table).columns}
    for canonical, value in profile.constants.items():
        # Typed like a parsed column, so a constant key compares with the stored key (interval_minutes: 30).
        kind = types.get(canonical, "VARCHAR")
        query.typed[canonical] = sql_string(value) if kind == "VARCHAR" else f"TRY_CAST({sql_string(value)} AS {kind})"
    key = profile.key
    if profile.id_columns and key in query.typed:
        query.typed[key] = " || '-' || ".join(_trim(f"r.{raw.column(h)}") for h in profile.id_columns)
        query.reason(
            f"({query.typed[key]}) IS NULL AND r.{raw.column(profile.columns[key])} IS NOT NULL",
            sql_string(f"missing_value: one of {profile.id_columns} is empty (required for {key})"),
        )
    if key in profile.columns:
        if profile.table == "calls" and "source_call_id" not in query.typed:
            query.typed["source_call_id"] = query.typed[key]
        if profile.id_prefix:
            query.typed[key] = f"{sql_string(profile.id_prefix)} || ({query.typed[key]})"


def _required_and_order(query: _Query, raw: RawTable, profile: IngestProfile) -> None:
    for canonical in table(profile.table).required_columns:
        if canonical in query.typed and canonical != "batch_id":
            header = profile.columns.get(canonical, canonical)
            empty = f"r.{raw.column(header)} IS NULL" if header in raw.headers else f"v_{canonical} IS NULL"
            query.reason(empty, sql_string(f"missing_value: {header} is empty (required for {canonical})"))
    for earlier, later in ORDER.get(profile.table, []):
        if earlier in query.typed and later in query.typed:
            first, second = profile.columns[earlier], profile.columns[later]
            query.reason(
                f"v_{later} < v_{earlier}",
                f"{sql_string(f'end_before_start: {second} ')} || {_quoted(f'r.{raw.column(second)}')} || "
                f"{sql_string(f' is before {first} ')} || {_quoted(f'r.{raw.column(first)}')}",
            )


#: Interval lengths an interval report may have, in minutes: a divisor of 60, or a whole day.
INTERVAL_REPORT_MINUTES: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60, 1440)
#: Counts of an interval report (never negative).
INTERVAL_COUNTS: tuple[str, ...] = ("offered", "answered", "abandoned", "short_abandoned", "answered_in_target")
#: Averages over an interval's answered calls: a positive one over no answered call contradicts the count.
INTERVAL_AVERAGES: tuple[str, ...] = ("asa_seconds", "aht_seconds", "average_talk_seconds", "average_wrap_seconds")
#: Reported service level and answered_in_target / (offered - short_abandoned) may differ this much (rounding).
SERVICE_LEVEL_TOLERANCE = 0.005


def _interval_checks(query: _Query, raw: RawTable, profile: IngestProfile) -> None:
    """Identity checks of an interval report row (table ``interval_stats``); each failure rejects the row.

    A row whose figures contradict each other cannot say which figure is
    wrong, and every KPI built on it would be; so these reject (with the
    fields and values named), never warn:

    * ``identity_broken``: answered + abandoned (+ short_abandoned) differs
      from offered, or answered (+ short_abandoned) exceeds offered when
      abandons are not given;
    * ``out_of_range``: a service level outside 0..1 (``94.01`` written
      without its ``%``), a negative count, an interval length that is
      neither a divisor of 60 nor 1440;
    * ``inconsistent``: a positive average (ASA, AHT, talk, wrap) over an
      interval with 0 answered calls, or answered_in_target above answered;
    * ``missing_value``: neither offered nor answered given.

    An average of 0 over 0 answered calls is how ACDs print "none" and loads.
    A reported service level on another basis than ours is not a row error
    but a difference of definitions: :func:`interval_warnings` reports it.
    """
    typed = query.typed

    def name(column: str) -> str:
        return profile.columns.get(column, f"constants.{column}")

    def shown(column: str) -> str:
        header = profile.columns.get(column)
        return _quoted(f"r.{raw.column(header)}") if header else _quoted(f"v_{column}")

    def number(column: str) -> str:
        return f"CAST(v_{column} AS VARCHAR)"

    if "interval_minutes" in typed:
        lengths = ", ".join(str(m) for m in INTERVAL_REPORT_MINUTES)
        query.reason(f"v_interval_minutes NOT IN ({lengths})",
                     f"{sql_string('out_of_range: ' + name('interval_minutes') + ' ')} || {shown('interval_minutes')} || "
                     "' is not an interval length (a divisor of 60, or 1440 for a day)'")
    for column in INTERVAL_COUNTS:
        if column in typed:
            query.reason(f"v_{column} < 0",
                         f"{sql_string('out_of_range: ' + name(column) + ' ')} || {shown(column)} || ' is negative'")
    given = [c for c in ("offered", "answered") if c in typed]
    # Empty as exported: a value that does not parse already has its own reason.
    empty = [f"r.{raw.column(profile.columns[c])} IS NULL" if c in profile.columns else f"v_{c} IS NULL" for c in given]
    query.reason(" AND ".join(empty),
                 sql_string(f"missing_value: {' and '.join(name(c) for c in given)} empty (an interval needs "
                            "offered or answered calls)"))
    short = "coalesce(v_short_abandoned, 0)" if "short_abandoned" in typed else "0"
    short_text = (f" || ' + {name('short_abandoned')} ' || coalesce({number('short_abandoned')}, '0')"
                  if "short_abandoned" in typed else "")
    if {"offered", "answered", "abandoned"} <= set(typed):
        total = f"v_answered + v_abandoned + {short}"
        query.reason(
            f"v_offered IS NOT NULL AND v_answered IS NOT NULL AND v_abandoned IS NOT NULL AND {total} <> v_offered",
            f"{sql_string('identity_broken: ' + name('answered') + ' ')} || {number('answered')} || "
            f"{sql_string(' + ' + name('abandoned') + ' ')} || {number('abandoned')}{short_text} || ' = ' || "
            f"CAST({total} AS VARCHAR) || {sql_string(', not ' + name('offered') + ' ')} || {number('offered')}",
        )
    elif {"offered", "answered"} <= set(typed):
        query.reason(
            f"v_offered IS NOT NULL AND v_answered IS NOT NULL AND v_answered + {short} > v_offered",
            f"{sql_string('identity_broken: ' + name('answered') + ' ')} || {number('answered')}{short_text} || "
            f"{sql_string(' exceeds ' + name('offered') + ' ')} || {number('offered')}",
        )
    if "service_level" in typed:
        query.reason("(v_service_level < 0 OR v_service_level > 1)",
                     f"{sql_string('out_of_range: ' + name('service_level') + ' ')} || {shown('service_level')} || "
                     "' outside 0..1 (a percentage needs its % sign)'")
    if "answered" in typed:
        for column in INTERVAL_AVERAGES:
            if column in typed:
                query.reason(f"v_answered = 0 AND v_{column} > 0",
                             f"{sql_string('inconsistent: ' + name(column) + ' ')} || {shown(column)} || "
                             f"{sql_string(' averages over ' + name('answered') + ' 0 calls')}")
        if "answered_in_target" in typed:
            query.reason("v_answered_in_target > v_answered",
                         f"{sql_string('inconsistent: ' + name('answered_in_target') + ' ')} || "
                         f"{number('answered_in_target')} || {sql_string(' exceeds ' + name('answered') + ' ')} || "
                         f"{number('answered')}")


def interval_warnings(connection: duckdb.DuckDBPyConnection, checked: str, profile: IngestProfile) -> list[str]:
    """What loads from an interval report but may not mean what our KPIs mean (file-level warnings).

    Today: loadable rows whose reported ``service_level`` differs from
    answered_in_target / (offered - short_abandoned) by more than
    :data:`SERVICE_LEVEL_TOLERANCE` (the ACD computes it on another basis,
    e.g. over answered calls); the KPIs then use the counts. Empty for other tables.
    """
    if profile.table != "interval_stats" or not {"service_level", "answered_in_target", "offered"} <= set(
        profile.columns
    ) | set(profile.constants):
        return []
    short = "coalesce(short_abandoned, 0)" if "short_abandoned" in profile.columns else "0"
    found = connection.execute(
        f"""SELECT count(*) FROM {checked}
            WHERE len(reasons) = 0 AND offered - {short} > 0 AND service_level IS NOT NULL
              AND answered_in_target IS NOT NULL
              AND abs(service_level - answered_in_target / (offered - {short})) > {SERVICE_LEVEL_TOLERANCE}"""
    ).fetchone()[0]
    if not found:
        return []
    return [f"{found} row(s): {profile.columns.get('service_level')} differs from "
            f"{profile.columns.get('answered_in_target')} / ({profile.columns.get('offered')} - short abandons) "
            "by more than half a point; the ACD uses another basis, and KPIs use the counts"]


def canonical_query(raw: RawTable, profile: IngestProfile, store_checks: bool = False) -> str:
    """The SELECT mapping ``raw`` onto the profile's table, with the reasons of each row.

    Duplicates within the file are not found here but by :func:`flag_duplicates`
    on the result, so the raw rows are read exactly once (a lazy
    :class:`RawTable` reads the CSV file itself).

    Args:
        raw: the raw strings (:class:`RawTable`), in the same connection.
        profile: the mapping.
        store_checks: also check against the store's tables of that connection
            and keep the raw values of the rows that will not load.

    Returns:
        SQL giving ``line_number``, the canonical columns (``source_call_id``
        and ``flags`` for calls) and ``reasons`` (a list of reason texts, empty
        for a loadable row; a structural ``problem`` of the record comes first).
        With ``store_checks`` also ``in_store`` (the key is already loaded),
        ``store_reason`` (``unknown_call_id`` with ``require_known_calls``, else
        NULL), ``raw_kept`` and ``raw_c0``, ``raw_c1``, ... (the vendor values,
        kept for rows that fail a check or name unknown calls; of rows already
        stored only the key's value is kept). Columns the profile pseudonymises
        are kept as their canonical value (pseudonym or NULL), never as exported;
        when the profile pseudonymises, a record with a structural ``problem``
        keeps no other values (its fields may be shifted).

    Raises:
        InputDataError: a mapped header is missing.
    """
    check_headers(list(raw.headers), profile, "<export>")
    query = _Query()
    _map_columns(query, raw, profile)
    _map_dimensions(query, raw, profile)
    _midnight_wrap(query, profile)
    _cleaning_flags(query, raw, profile)
    _identity(query, raw, profile)
    _required_and_order(query, raw, profile)
    if profile.table == "interval_stats":
        _interval_checks(query, raw, profile)
    key = profile.key
    keys = table(profile.table).primary_key
    joins, judged, extra = "", ["r.*"], []
    # The texts are built only for rows failing some check: most rows pass, and one OR
    # chain costs far less than building twenty NULL strings per row.
    judged.append(" OR ".join(["r.problem IS NOT NULL", *(f"({c})" for c, _ in query.checks)]) + " AS failing")
    if store_checks:
        store_reason = "CAST(NULL AS VARCHAR)"
        if profile.require_known_calls:
            call_header = profile.columns["call_id"]
            store_reason = (
                f"CASE WHEN r.v_call_id IS NOT NULL AND k.call_id IS NULL THEN "
                f"{sql_string(f'unknown_call_id: {call_header} ')} || {_quoted('r.v_call_id')} "
                "|| ' is not in the store''s calls' END"
            )
            joins += "\n  LEFT JOIN (SELECT DISTINCT call_id FROM calls) k ON r.v_call_id = k.call_id"
        # Every primary-key column: an interval report's row is a queue, an interval start and a length.
        stored_keys = ", ".join(f"{_ident(k)} AS id{i}" for i, k in enumerate(keys))
        same = " AND ".join(f"r.v_{k} = s.id{i}" for i, k in enumerate(keys))
        joins += f'\n  LEFT JOIN (SELECT {stored_keys} FROM "{profile.table}") s ON {same}'
        judged += [f"{store_reason} AS store_reason", "s.id0 IS NOT NULL AS in_store"]
        kept = "(failing OR store_reason IS NOT NULL)"
        extra = ["store_reason", "in_store", f"{kept} AS raw_kept"]
        masked = masked_headers(profile)
        for i, header in enumerate(raw.headers):
            value = f"r.v_{masked[header]}" if header in masked else f"r.c{i}"
            # A row skipped as already loaded is named by its line and id; its other values are not needed.
            when = f"({kept} OR in_store)" if header in {profile.columns.get(k) for k in keys} else kept
            if masked and header not in masked:
                # A record with a structural problem (field count, open quote) may hold the caller number in any
                # column; its line number says where to look in the export.
                when = f"({when}) AND r.problem IS NULL"
            extra.append(f"CASE WHEN {when} THEN {value} END AS raw_c{i}")
    typed = ",\n    ".join(f"{expression} AS v_{column}" for column, expression in query.typed.items())
    parsed = ",\n    ".join(["r.*", *query.parsed])
    output = ", ".join(f"r.v_{column} AS {_ident(column)}" for column in query.typed)
    reasons = ",\n    ".join(["r.problem", *(f"CASE WHEN {c} THEN {m} END" for c, m in query.checks)])
    return f"""WITH parsed AS NOT MATERIALIZED (
  SELECT {parsed}
  FROM {raw.name} r
), typed AS NOT MATERIALIZED (
  SELECT r.*,
    {typed}
  FROM parsed r
), judged AS NOT MATERIALIZED (
  SELECT {", ".join(judged)}
  FROM typed r{joins}
)
SELECT r.line_number, {output},
  CASE WHEN failing THEN list_filter([{reasons}], lambda x: x IS NOT NULL) ELSE [] END AS reasons{"".join(", " + e for e in extra)}
FROM judged r"""


def masked_headers(profile: IngestProfile) -> dict[str, str]:
    """Vendor header -> canonical column, for the headers of columns the profile pseudonymises.

    Their exported values must not leave ingestion anywhere (store, rejects
    files, reasons): wherever a vendor value would be shown, the canonical
    value (pseudonym, or NULL for a withheld number) is shown instead.
    """
    return {profile.columns[c]: c for c in profile.pseudonymise if c in profile.columns}


def prepare(connection: duckdb.DuckDBPyConnection, profile: IngestProfile) -> None:
    """Make ``connection`` ready for the profile's query (the pseudonym key, when it pseudonymises)."""
    if profile.pseudonymise:
        prepare_connection(connection)


def flag_duplicates(connection: duckdb.DuckDBPyConnection, checked: str, profile: IngestProfile) -> int:
    """Append ``duplicate_in_file`` to the ``reasons`` of repeated ids in table ``checked``; returns the count.

    The first line of an id is kept (whatever else is wrong with it); later
    lines get ``duplicate_in_file: <id header> '<id>' already on line <n>``.
    ``checked`` needs ``line_number``, the key column and ``reasons``.
    """
    keys = table(profile.table).primary_key
    if any(k not in profile.columns and k not in profile.constants for k in keys):
        return 0
    header = ", ".join(profile.columns.get(k, f"constants.{k}") for k in keys)
    columns = [_ident(k) for k in keys]
    ids = ", ".join(f"{c} AS id{i}" for i, c in enumerate(columns))
    connection.execute(
        f"""CREATE OR REPLACE TEMP TABLE {checked}_repeated AS
            SELECT {ids}, min(line_number) AS first_line FROM {checked}
            WHERE {" AND ".join(f"{c} IS NOT NULL" for c in columns)} GROUP BY ALL HAVING count(*) > 1"""
    )
    try:
        found = connection.execute(f"SELECT count(*) FROM {checked}_repeated").fetchone()[0]
        if found:
            values = " || ', ' || ".join(_quoted(f"c.{c}") for c in columns)
            message = (
                f"{sql_string(f'duplicate_in_file: {header} ')} || {values} "
                "|| ' already on line ' || CAST(d.first_line AS VARCHAR)"
            )
            same = " AND ".join(f"c.{c} = d.id{i}" for i, c in enumerate(columns))
            return int(connection.execute(
                f"""UPDATE {checked} c SET reasons = list_append(c.reasons, {message})
                    FROM {checked}_repeated d WHERE {same} AND c.line_number > d.first_line"""
            ).fetchone()[0])
        return 0
    finally:
        connection.execute(f"DROP TABLE IF EXISTS {checked}_repeated")


def check_export(
    connection: duckdb.DuckDBPyConnection, raw: RawTable, profile: IngestProfile, file: str | Path, name: str = "checked"
) -> str:
    """All checks of :func:`canonical_query` (with the store's) into temp table ``name``; returns ``name``.

    After the query: :func:`flag_duplicates`, then ``unknown_call_id`` is
    appended, so the reasons keep the order of the checks.

    Raises:
        InputDataError: a mapped header is missing (file, line 1 and header named).
        duckdb.Error: a lazy CSV view met a record DuckDB's strict reader refuses.
    """
    check_headers(list(raw.headers), profile, file)
    prepare(connection, profile)
    connection.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {canonical_query(raw, profile, store_checks=True)}")
    flag_duplicates(connection, name, profile)
    if profile.require_known_calls:
        connection.execute(
            f"UPDATE {name} SET reasons = list_append(reasons, store_reason) WHERE store_reason IS NOT NULL"
        )
    return name


def _as_raw_export(raw: pd.DataFrame) -> RawExport:
    """Strings (or None) indexed by line number, whatever the frame held."""
    frame = raw.astype(object).where(raw.notna(), None)
    frame = frame.map(lambda v: v if v is None or isinstance(v, str) else str(v))
    frame.columns = [str(c).strip() for c in frame.columns]
    if not (pd.api.types.is_integer_dtype(frame.index) and frame.index.is_unique):
        frame.index = pd.RangeIndex(len(frame))
    return RawExport(frame)


def to_canonical(raw: pd.DataFrame, profile: IngestProfile, file: str | Path = "<frame>") -> tuple[pd.DataFrame, pd.Series]:
    """Convert vendor strings to typed canonical columns and collect reject reasons.

    Runs the same SQL as ingestion (:func:`canonical_query`) on an in-memory
    DuckDB, without the checks against a store.

    Args:
        raw: vendor headers as columns, string/None values, indexed by line
            number (as :func:`workbench.ingest.reading.read_export` returns;
            another index is kept but counted from 0 for duplicate messages).
        profile: the mapping.
        file: named in errors.

    Returns:
        ``(canonical, reasons)``: the canonical frame (same index, columns
        named in the profile plus ``source_call_id`` for calls and ``flags``
        with a cleaning block) and a Series of lists of reason strings
        (``"<code>: <Vendor Field> <detail>"``), empty for a loadable row.
        Duplicates against the store are not checked here.

    Raises:
        InputDataError: a mapped header is missing.
    """
    import duckdb

    check_headers([str(c).strip() for c in raw.columns], profile, file)
    strings = _as_raw_export(raw)
    connection = duckdb.connect()
    try:
        table_ = register_frame(connection, strings, "raw_frame")
        prepare(connection, profile)
        connection.execute(f"CREATE TEMP TABLE checked AS {canonical_query(table_, profile)}")
        flag_duplicates(connection, "checked", profile)
        result = connection.execute("SELECT * FROM checked").df()
    finally:
        connection.close()
    result = result.set_index("line_number").reindex(strings.frame.index)
    result.index = raw.index
    reasons = result.pop("reasons").map(list)
    types = {c.name: c.sql_type for c in table(profile.table).columns}
    for column in result.columns:
        if types.get(column) in ("INTEGER", "BIGINT"):
            result[column] = result[column].astype("Int64")
        elif types.get(column) == "VARCHAR":
            result[column] = result[column].astype(object).where(result[column].notna(), None)
    return result, reasons
