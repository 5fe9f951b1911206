"""Read a vendor export as strings: CSV (encoding detected), Parquet or Excel.

Every value is kept as the vendor wrote it (a string, or None for an empty
cell) so validation can report the original text and the rejects file can
reproduce the row.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from workbench.errors import InputDataError


@dataclass
class RawExport:
    """An export read as strings.

    Attributes:
        frame: one row per record, the vendor's headers as columns, string or
            None values, indexed by ``line_number`` (physical line of the
            record's start, header = 1; for Excel and Parquet the data row
            number + 1, so the header is row 1 there too).
        problems: line number -> structural problem of that record (wrong
            number of fields); such rows are rejected, not loaded.
        encoding: the encoding used (CSV only).
    """

    frame: pd.DataFrame
    problems: dict[int, str] = field(default_factory=dict)
    encoding: str | None = None


def decode(data: bytes, encoding: str, file: str | Path) -> tuple[str, str]:
    """Decode ``data``: ``auto`` tries UTF-8 (BOM stripped) strictly, then GB18030.

    Returns:
        The text and the encoding used.

    Raises:
        InputDataError: naming the line of the first undecodable byte.
    """
    candidates = ["utf-8-sig", "gb18030"] if encoding == "auto" else ["utf-8-sig" if encoding == "utf-8" else encoding]
    first_error: UnicodeDecodeError | None = None
    for candidate in candidates:
        try:
            return data.decode(candidate), "utf-8" if candidate == "utf-8-sig" else candidate
        except UnicodeDecodeError as exc:
            first_error = first_error or exc
    assert first_error is not None
    line = data[: first_error.start].count(b"\n") + 1
    raise InputDataError(
        f"cannot decode as {' or '.join(candidates)} (byte {data[first_error.start:first_error.start + 1]!r} "
        f"at offset {first_error.start})",
        file=file,
        row=line,
    )


def _read_simple_csv(text: str, separator: str) -> pd.DataFrame | None:
    """C-engine read of an export with no quoting and no blank lines, else None.

    Most ACD exports are that plain; then every physical line is one record, so
    line numbers stay exact while pandas' C parser does the work.
    """
    if '"' in text or "\r" in text.replace("\r\n", "\n"):
        return None
    lines = text.replace("\r\n", "\n").rstrip("\n").split("\n")
    if len(lines) < 2 or any(line == "" for line in lines):
        return None
    width = lines[0].count(separator)
    if any(line.count(separator) != width for line in lines):
        return None  # records with the wrong field count: the careful reader names them
    frame = pd.read_csv(
        io.StringIO(text), sep=separator, dtype=str, keep_default_na=False, na_filter=False, engine="c"
    )
    frame.columns = [str(c).strip() for c in frame.columns]
    blank = frame.apply(lambda column: column.str.strip() == "")
    frame = frame.astype(object).mask(blank, None)
    frame.index = pd.Index(range(2, 2 + len(frame)), name="line_number")
    return frame


def _read_csv(path: Path, encoding: str, separator: str = ",") -> RawExport:
    text, used = decode(path.read_bytes(), encoding, path)
    simple = _read_simple_csv(text, separator)
    if simple is not None and len(set(simple.columns)) == len(simple.columns):
        return RawExport(simple, {}, used)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    try:
        header = next(reader)
    except StopIteration:
        raise InputDataError("empty file: no header line", file=path, row=1) from None
    header = [h.strip() for h in header]
    width = len(header)
    rows, lines, problems = [], [], {}
    start = reader.line_num + 1
    for record in reader:
        if record:  # blank lines are not records
            if len(record) != width:
                problems[start] = f"field_count: expected {width} fields, found {len(record)}"
                record = (record + [""] * width)[:width]
            rows.append([value if value.strip() != "" else None for value in record])
            lines.append(start)
        start = reader.line_num + 1
    frame = pd.DataFrame(rows, columns=header, dtype=object)
    frame.index = pd.Index(lines, name="line_number")
    return RawExport(frame, problems, used)


def _as_strings(frame: pd.DataFrame, first_line: int) -> pd.DataFrame:
    frame = frame.astype(object).where(frame.notna(), None)
    frame = frame.map(lambda v: None if v is None or str(v).strip() == "" else str(v))
    frame.columns = [str(c).strip() for c in frame.columns]
    frame.index = pd.Index(range(first_line, first_line + len(frame)), name="line_number")
    return frame


def read_export(path: str | Path, encoding: str = "auto", separator: str = ",") -> RawExport:
    """Read ``path`` by extension (``.csv``/``.txt``, ``.parquet``, ``.xlsx``/``.xlsm``) as strings.

    ``separator`` is the field separator of CSV/TXT files (e.g. ``"\\t"``).

    Raises:
        InputDataError: undecodable bytes (line named), an empty file,
            repeated header names, or an unreadable file.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        raw = _read_csv(path, encoding, separator)
    elif suffix == ".parquet":
        try:
            raw = RawExport(_as_strings(pd.read_parquet(path), 2))
        except Exception as exc:
            raise InputDataError(f"cannot read Parquet: {exc}", file=path) from exc
    elif suffix in (".xlsx", ".xlsm"):
        try:
            sheet = pd.read_excel(path, dtype=str, engine="openpyxl")
        except Exception as exc:
            raise InputDataError(f"cannot read Excel workbook: {exc}", file=path) from exc
        raw = RawExport(_as_strings(sheet, 2))
    else:
        raise InputDataError(f"unsupported file type '{suffix}' (expected .csv, .parquet or .xlsx)", file=path)
    seen: set[str] = set()
    for column in raw.frame.columns:
        if column in seen:
            raise InputDataError("header repeated", file=path, row=1, field=column)
        seen.add(column)
    return raw
