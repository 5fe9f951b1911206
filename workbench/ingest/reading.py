"""Read a vendor export as strings: CSV (encoding detected), Parquet or Excel.

Every value is kept as the vendor wrote it (a string, or None for an empty
cell) so validation can report the original text and the rejects file can
reproduce the row.

Two ways in: :func:`read_export` gives a pandas frame (notebooks, tests), and
:func:`load_raw` gives the same strings as a DuckDB view for the SQL checks
of :mod:`workbench.ingest.validate`. A plain CSV (no quotes, no blank lines,
one field count) is read by DuckDB itself, in the same pass as the checks;
anything else goes through the careful Python reader, which names bad lines.
"""

from __future__ import annotations

import csv
import io
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from workbench.errors import InputDataError

if TYPE_CHECKING:
    import duckdb

_BOM = b"\xef\xbb\xbf"
#: Characters that make a cell blank, as Python's ``str.strip`` would: ASCII
#: whitespace plus the no-break and ideographic spaces of Chinese exports.
BLANK_CHARACTERS = " \t\n\r\x0b\x0c\xa0\u3000"
#: RE2 class of those characters. Regexes test them: a custom-set ``trim`` costs
#: ~0.3 s per million cells, a regex ~0.05 s.
BLANK_CLASS = "[ \\t\\n\\r\\x0b\\x0c\u00a0\u3000]"


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


# -- DuckDB path ------------------------------------------------------------


@dataclass(frozen=True)
class RawTable:
    """An export as strings in DuckDB, from :func:`load_raw`.

    Attributes:
        name: a temp view: ``line_number BIGINT``, ``problem VARCHAR``
            (a structural problem such as ``field_count``, else NULL) and one
            VARCHAR column per vendor header, named ``c0``, ``c1``, ... in
            header order (DuckDB names are case-insensitive, vendor headers are
            not); whitespace-only cells are NULL.
        headers: vendor headers (stripped), position ``i`` is column ``c<i>``.
        encoding: the encoding used (CSV only).
        records: for a lazy view over the CSV file itself, the number of
            records it must yield (one per physical line after the header);
            None when the rows are already in a table.
    """

    name: str
    headers: tuple[str, ...]
    encoding: str | None = None
    records: int | None = None

    def column(self, header: str) -> str:
        """Quoted SQL column of a vendor header."""
        return f'"c{self.headers.index(header)}"'


def sql_string(value: str) -> str:
    """``value`` as a SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def _blank_to_null(column: str) -> str:
    # A blank cell starts with a byte below '!' or a non-ASCII one; the byte comparison spares
    # the regex for nearly every cell.
    return (
        f"CASE WHEN ({column} < '!' OR {column} >= '\u00a0') "
        f"AND regexp_full_match({column}, {sql_string(BLANK_CLASS + '*')}) THEN NULL ELSE {column} END"
    )


def _check_header(headers: list[str], path: Path) -> None:
    seen: set[str] = set()
    for header in headers:
        if header in seen:
            raise InputDataError("header repeated", file=path, row=1, field=header)
        seen.add(header)


def _plain_records(data: bytes, separator: str) -> int | None:
    """Data records of a file whose every physical line is one record, else None.

    Cheap byte counts only (no copy of the file): no quote character, line ends
    all LF or all CRLF, a header and at least one more line. Blank lines and
    wrong field counts are left to DuckDB: it skips blank lines (the caller
    compares its row count with this one) and its strict mode refuses a wrong
    field count, so either sends the file to the careful reader.
    """
    if len(separator.encode()) != 1 or b'"' in data:
        return None
    newlines = data.count(b"\n")
    if b"\r" in data and data.count(b"\r") != newlines:
        return None
    lines = newlines + (0 if data.endswith(b"\n") else 1)
    header_end = data.find(b"\n")
    if lines < 2 or header_end < 0 or separator.encode() not in data[:header_end]:
        return None  # no data line, or one column (where a blank line would be a record)
    return lines - 1


def _header(data: bytes, separator: str, encoding: str) -> list[str]:
    line = data[: data.find(b"\n")].removeprefix(_BOM).rstrip(b"\r")
    return [h.strip() for h in line.decode(encoding).split(separator)]


def _load_plain_csv(
    connection: duckdb.DuckDBPyConnection, csv_path: Path, headers: list[str], separator: str, name: str,
    records: int,
) -> bool:
    """DuckDB read of a plain UTF-8 file into temp table ``name_text`` and view ``name``.

    False when DuckDB refuses a record, or yields another number of rows than
    ``records`` (it skipped a blank line, and line numbers would drift).
    """
    import duckdb

    staged = f"{name}_text"
    try:
        connection.execute(
            f"CREATE OR REPLACE TEMP TABLE {staged} AS "
            f"SELECT row_number() OVER () + 1 AS line_number, * FROM {_csv_source(csv_path, headers, separator)}"
        )
    except duckdb.Error:
        connection.execute(f"DROP TABLE IF EXISTS {staged}")
        return False
    if connection.execute(f"SELECT count(*) FROM {staged}").fetchone()[0] != records:
        connection.execute(f"DROP TABLE {staged}")
        return False
    cells = ", ".join(f'{_blank_to_null(f"c{i}")} AS "c{i}"' for i in range(len(headers)))
    connection.execute(
        f"CREATE OR REPLACE TEMP VIEW {name} AS "
        f"SELECT line_number, CAST(NULL AS VARCHAR) AS problem, {cells} FROM {staged}"
    )
    return True


def _csv_source(csv_path: Path, headers: list[str], separator: str) -> str:
    columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(headers)))
    # auto_detect off: no sniffing, no '#' comment lines, no quote handling;
    # strict: a record with another field count is an error, not padded.
    return f"""read_csv({sql_string(str(csv_path))}, header=true, auto_detect=false,
        delim={sql_string(separator)}, quote='', escape='', comment='', strict_mode=true, null_padding=false,
        columns={{{columns}}})"""


def _lazy_view(connection: duckdb.DuckDBPyConnection, csv_path: Path, headers: list[str], separator: str,
               name: str) -> None:
    # row_number() OVER () over a single table keeps the file's order (DuckDB's documented
    # order preservation), so it is the physical line number minus one.
    cells = ", ".join(f'{_blank_to_null(f"c{i}")} AS "c{i}"' for i in range(len(headers)))
    connection.execute(
        f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT row_number() OVER () + 1 AS line_number, "
        f"CAST(NULL AS VARCHAR) AS problem, {cells} FROM {_csv_source(csv_path, headers, separator)}"
    )


def register_frame(connection: duckdb.DuckDBPyConnection, raw: RawExport, name: str) -> RawTable:
    """Copy a :class:`RawExport` (index = line number) into temp table ``name_text`` under view ``name``.

    See :class:`RawTable` for the columns; the cells of the view are NULL when blank.
    """
    import pyarrow as pa

    headers = [str(c) for c in raw.frame.columns]
    arrays = {
        "line_number": pa.array([int(i) for i in raw.frame.index], type=pa.int64()),
        "problem": pa.array([raw.problems.get(int(i)) for i in raw.frame.index], type=pa.string()),
    }
    for position, header in enumerate(headers):
        values = raw.frame.iloc[:, position]
        arrays[f"c{position}"] = pa.array(values.where(values.notna(), None).astype(object), type=pa.string(),
                                          from_pandas=True)
    connection.register(f"{name}_frame", pa.table(arrays))
    try:
        connection.execute(f"CREATE OR REPLACE TEMP TABLE {name}_text AS SELECT * FROM {name}_frame")
    finally:
        connection.unregister(f"{name}_frame")
    cells = ", ".join(f'{_blank_to_null(f"c{i}")} AS "c{i}"' for i in range(len(headers)))
    connection.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT line_number, problem, {cells} FROM {name}_text")
    return RawTable(name, tuple(headers), raw.encoding)


def drop_raw(connection: duckdb.DuckDBPyConnection, raw: RawTable) -> None:
    """Drop what :func:`load_raw` created (temp tables hold memory until the connection closes)."""
    connection.execute(f"DROP VIEW IF EXISTS {raw.name}")
    connection.execute(f"DROP TABLE IF EXISTS {raw.name}_text")


def load_raw(
    path: str | Path,
    connection: duckdb.DuckDBPyConnection,
    encoding: str = "auto",
    separator: str = ",",
    name: str = "raw_export",
    lazy: bool = True,
) -> RawTable:
    """An export as strings in a temp view of ``connection`` (see :class:`RawTable`).

    Same values, line numbers and errors as :func:`read_export`. A plain CSV
    (no quotes, one kind of line end) in UTF-8 becomes a lazy view over the
    file: the checks read it once, in the same pass, and DuckDB checks the
    UTF-8 and the field counts; if it refuses the file, or yields another
    number of records, call again with ``lazy=False``. A plain GB18030 file is
    loaded through a temporary UTF-8 copy (DuckDB has no GB18030 decoder
    offline); quoted or irregular CSVs, Parquet and Excel go through
    :func:`read_export`.

    Raises:
        InputDataError: undecodable bytes (line named), an empty file,
            repeated header names, or an unreadable file.
    """
    path = Path(path)
    if path.suffix.lower() in (".csv", ".txt"):
        data = path.read_bytes()
        records = _plain_records(data, separator)
        if records is not None:
            if lazy and encoding in ("auto", "utf-8"):
                try:
                    headers = _header(data, separator, "utf-8")
                except UnicodeDecodeError:
                    headers = None
                if headers is not None:
                    _check_header(headers, path)
                    _lazy_view(connection, path, headers, separator, name)
                    return RawTable(name, tuple(headers), "utf-8", records)
            # Not UTF-8, or DuckDB refused it: decode here, which names the line of a bad byte.
            text, used = decode(data, encoding, path)
            if used != "utf-8":
                headers = [h.strip() for h in text[: text.find("\n")].rstrip("\r").split(separator)]
                _check_header(headers, path)
                with tempfile.TemporaryDirectory(prefix="workbench-ingest-") as folder:
                    copy = Path(folder) / "export-utf8.csv"
                    copy.write_bytes(text.encode("utf-8"))
                    del text
                    if _load_plain_csv(connection, copy, headers, separator, name, records):
                        return RawTable(name, tuple(headers), used)
            del data
    return register_frame(connection, read_export(path, encoding, separator), name)
