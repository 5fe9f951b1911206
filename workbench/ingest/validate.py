"""Map a raw export onto a canonical table and find the rows that cannot be loaded.

Checks run column by column over the whole frame (vectorised); each failing
check adds a reason naming the vendor field to the rows it hits, so one row
can carry several reasons.
"""

from __future__ import annotations

import hashlib

from pathlib import Path

import pandas as pd

from workbench.errors import InputDataError
from workbench.ingest.profiles import IngestProfile
from workbench.schemas import table

# Value ranges of canonical columns, inclusive.
RANGES: dict[str, dict[str, tuple[float, float]]] = {"surveys": {"csat": (1, 5)}}
# (earlier, later) timestamp pairs that must be in order.
ORDER: dict[str, list[tuple[str, str]]] = {
    "calls": [("arrived_at", "answered_at"), ("arrived_at", "ended_at"), ("answered_at", "ended_at")]
}
_HMS = r"^\s*(-)?(\d+):(\d{1,2}):(\d{1,2}(?:\.\d+)?)\s*$"


def _pseudonym(value: str) -> str:
    # Stable across files and runs so repeat callers link up, without storing the number itself.
    return "h" + hashlib.sha256(value.strip().encode("utf-8")).hexdigest()[:16]


def _parse_hms(values: pd.Series) -> pd.Series:
    # Exports repeat a few thousand distinct durations across millions of rows: parse each once.
    distinct = pd.Series(values.dropna().unique(), dtype="string")
    parts = distinct.str.extract(_HMS)
    seconds = parts[1].astype(float) * 3600 + parts[2].astype(float) * 60 + parts[3].astype(float)
    seconds = seconds.where(parts[0].isna(), -seconds)
    return values.map(dict(zip(distinct.tolist(), seconds.tolist()))).astype(float)


def _quote(values: pd.Series) -> pd.Series:
    return "'" + values.astype(str) + "'"


def _cleaning_flags(raw: pd.DataFrame, out: pd.DataFrame, profile: IngestProfile) -> pd.Series:
    """Comma-separated cleaning flags per row (None when none apply); rows are not rejected."""
    rules = profile.cleaning
    assert rules is not None
    hits: list[tuple[str, pd.Series]] = []
    false = pd.Series(False, index=out.index)
    if rules.misdial_below_seconds is not None and "talk_seconds" in out and "outcome" in out:
        answered = out["outcome"].isin(["answered", "transferred"])
        hits.append(("misdial", answered & (out["talk_seconds"] < rules.misdial_below_seconds)))
    header = profile.columns.get("customer_id")
    caller = raw[header].str.strip() if header else pd.Series(None, index=out.index, dtype=object)
    hits.append(("test_number", caller.isin(rules.test_numbers) if rules.test_numbers else false))
    prefixes = tuple(rules.internal_numbers_prefix)
    hits.append(("internal", caller.map(lambda v: isinstance(v, str) and v.startswith(prefixes)) if prefixes else false))
    if "outcome" in out:
        hits.append(("phantom", out["outcome"].eq("phantom")))
    names = pd.Series([[] for _ in range(len(out))], index=out.index, dtype=object)
    for name, mask in hits:
        for line in mask.index[mask.fillna(False).astype(bool)]:
            names[line].append(name)
    return names.map(lambda found: ",".join(found) if found else None)


def check_headers(frame: pd.DataFrame, profile: IngestProfile, file: str | Path) -> None:
    """Raise InputDataError (line 1, header named) when a mapped header is absent."""
    mapped = dict(profile.columns)
    if profile.date_column:
        mapped["(date_column)"] = profile.date_column
    for position, header in enumerate(profile.id_columns):
        mapped[f"(id_columns.{position})"] = header
    for canonical, header in mapped.items():
        if header not in frame.columns:
            raise InputDataError(
                f"header '{header}' (mapped to {canonical} by profile '{profile.name}') not found; "
                f"headers are {list(frame.columns)}",
                file=file,
                row=1,
                field=header,
            )


def to_canonical(raw: pd.DataFrame, profile: IngestProfile, file: str | Path = "<frame>") -> tuple[pd.DataFrame, pd.Series]:
    """Convert vendor strings to typed canonical columns and collect reject reasons.

    Args:
        raw: vendor headers as columns, string/None values, indexed by line
            number (as :func:`workbench.ingest.reading.read_export` returns).
        profile: the mapping.

    Returns:
        ``(canonical, reasons)``: the canonical frame (same index, columns
        named in the profile plus ``source_call_id`` for calls) and a Series of
        lists of reason strings (``"<code>: <Vendor Field> <detail>"``), empty
        for a loadable row. Duplicates against the store are not checked here.

    Raises:
        InputDataError: a mapped header is missing.
    """
    check_headers(raw, profile, file)
    definition = table(profile.table)
    types = {c.name: c.sql_type for c in definition.columns}
    reasons = pd.Series([[] for _ in range(len(raw))], index=raw.index, dtype=object)

    def flag(mask: pd.Series, messages: pd.Series | str) -> None:
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            return
        texts = messages if isinstance(messages, str) else None
        for line in mask.index[mask]:
            reasons[line].append(texts if texts is not None else messages[line])

    out = pd.DataFrame(index=raw.index)
    for canonical, header in profile.columns.items():
        text = raw[header]
        present = text.notna()
        kind = types[canonical]
        if canonical == "outcome":
            mapped = text.map(profile.outcomes)
            flag(present & mapped.isna(), f"unknown_outcome: {header} " + _quote(text) + " not in the profile's outcomes")
            out[canonical] = mapped
        elif canonical in profile.value_maps:
            mapped = text.map(profile.value_maps[canonical])
            flag(present & mapped.isna(), f"unknown_value: {header} " + _quote(text) + f" not in value_maps.{canonical}")
            out[canonical] = mapped
        elif kind == "TIMESTAMP":
            if profile.null_times:
                text = text.where(~text.str.strip().isin(profile.null_times))
                present = text.notna()
            if profile.date_column:
                text = (raw[profile.date_column].str.strip() + " " + text.str.strip()).where(present)
            parsed = pd.to_datetime(text, format=profile.timestamp_format, errors="coerce")
            if getattr(parsed.dt, "tz", None) is not None:
                parsed = parsed.dt.tz_convert(profile.timezone).dt.tz_localize(None)
            flag(present & parsed.isna(), f"bad_timestamp: {header} " + _quote(text) + f" does not match '{profile.timestamp_format}'")
            out[canonical] = parsed
        elif kind in ("DOUBLE", "INTEGER", "BIGINT"):
            if profile.durations.get(canonical) == "hms":
                number = _parse_hms(text.astype("string"))
                expected = "H:MM:SS"
            else:
                number = pd.to_numeric(text.str.strip(), errors="coerce")
                expected = "a number"
            flag(present & number.isna(), f"bad_number: {header} " + _quote(text) + f" is not {expected}")
            if kind != "DOUBLE":
                fractional = number.notna() & (number % 1 != 0)
                flag(fractional, f"bad_number: {header} " + _quote(text) + " is not a whole number")
                number = number.where(~fractional)
            if canonical.endswith("_seconds"):
                flag(number < 0, f"negative_duration: {header} " + _quote(text) + " is negative")
            low_high = RANGES.get(profile.table, {}).get(canonical)
            if low_high:
                flag((number < low_high[0]) | (number > low_high[1]),
                     f"out_of_range: {header} " + _quote(text) + f" outside {low_high[0]:g}..{low_high[1]:g}")
            out[canonical] = number.astype("Int64") if kind != "DOUBLE" else number
        else:
            out[canonical] = text.str.strip()
    if profile.date_column and "arrived_at" in out:
        # Only a clock time per column: a call crossing midnight ends "before" it started.
        for later in ("answered_at", "ended_at"):
            if later in out:
                wrapped = out[later] < out["arrived_at"] - pd.Timedelta(hours=12)
                out[later] = out[later].where(~wrapped, out[later] + pd.Timedelta(days=1))
    if profile.cleaning is not None:
        out["flags"] = _cleaning_flags(raw, out, profile)
    for canonical, withheld in profile.missing_values.items():
        if canonical in out:
            out[canonical] = out[canonical].where(~out[canonical].isin(withheld))
    for canonical in profile.pseudonymise:
        if canonical in out:
            distinct = out[canonical].dropna().unique()
            out[canonical] = out[canonical].map({value: _pseudonym(value) for value in distinct})
    for canonical, value in profile.constants.items():
        out[canonical] = value

    key = profile.key
    if profile.id_columns and key in out:
        parts = [raw[header].str.strip() for header in profile.id_columns]
        out[key] = parts[0].str.cat(parts[1:], sep="-")
        flag(out[key].isna() & raw[profile.columns[key]].notna(),
             f"missing_value: one of {profile.id_columns} is empty (required for {key})")
    if key in profile.columns:
        if profile.table == "calls" and "source_call_id" not in out:
            out["source_call_id"] = out[key]
        out[key] = profile.id_prefix + out[key]
    for canonical in definition.required_columns:
        if canonical in out and canonical != "batch_id":
            header = profile.columns.get(canonical, canonical)
            flag(raw[header].isna() if header in raw else out[canonical].isna(),
                 f"missing_value: {header} is empty (required for {canonical})")
    for earlier, later in ORDER.get(profile.table, []):
        if earlier in out and later in out:
            flag(out[later] < out[earlier],
                 f"end_before_start: {profile.columns[later]} " + _quote(raw[profile.columns[later]])
                 + f" is before {profile.columns[earlier]} " + _quote(raw[profile.columns[earlier]]))
    if key in out:
        ids = out[key]
        first_line = pd.Series(ids.index, index=ids.index).groupby(ids).transform("min")
        repeated = ids.notna() & ids.duplicated(keep="first")
        flag(repeated, f"duplicate_in_file: {profile.columns[key]} " + _quote(ids) + " already on line " + first_line.astype("Int64").astype("string"))
    return out, reasons
