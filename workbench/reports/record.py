"""What a notebook read and wrote, recorded into its run folder for the manifest.

The runner tells the kernel its run folder through the ``WORKBENCH_RUN_DIR``
environment variable. Notebooks call :func:`record_frames` / :func:`record_input`
for what they read, and :func:`save_table` / :func:`save_chart` for what they
write; the runner turns those records into ``manifest.json``. Run
interactively (no run folder) the same calls still return their records but
write nothing, so a notebook behaves the same in Jupyter, Voilà and Papermill.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from workbench.paths import file_sha256 as sha256_file

log = logging.getLogger(__name__)

RUN_DIR_ENV = "WORKBENCH_RUN_DIR"
INPUTS_FILE = "workbench_inputs.jsonl"
OUTPUTS_FILE = "workbench_outputs.jsonl"
TABLES_DIR = "tables"  # <run>/tables/<name>.csv (for people) and <name>.parquet (typed copy, for the workbook)
WORKBOOK_FILE = "tables.xlsx"  # every saved table, one sheet each, headings in the run's language
REPORT_PDF = "report.pdf"  # report.html printed by Chromium, when the run asked for it
SOURCE_ATTR = "source_path"  # DataFrame.attrs key set by readers: the file a frame was read from


def current_run_dir() -> Path | None:
    """The run folder of the Papermill run executing this code, or None when interactive."""
    value = os.environ.get(RUN_DIR_ENV)
    return Path(value) if value else None


def _append(file_name: str, record: Mapping[str, Any]) -> None:
    run_dir = current_run_dir()
    if run_dir is None:
        return
    with open(run_dir / file_name, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def record_input(path: str | Path, *, rows: int | None = None, name: str | None = None) -> dict[str, Any]:
    """Record one input file (absolute path, SHA-256, row count) for the run's manifest.

    Args:
        rows: number of records the notebook read from it, when it is a table.
        name: short label, e.g. ``"calls"``; defaults to the file name.
    """
    path = Path(path).resolve()
    record = {
        "name": name or path.name,
        "path": str(path),
        "sha256": sha256_file(path),
        "bytes": path.stat().st_size,
        "rows": rows,
    }
    _append(INPUTS_FILE, record)
    return record


def record_frames(frames: Mapping[str, Any]):
    """Record every DataFrame that carries ``attrs["source_path"]``; return the inputs as a table.

    Columns of the result: ``name, file, rows, bytes, sha256``.
    """
    import pandas as pd

    records = []
    for name, frame in frames.items():
        source = frame.attrs.get(SOURCE_ATTR)
        if source is None:
            raise ValueError(f"frame '{name}' has no attrs['{SOURCE_ATTR}']: record it with record_input(path)")
        records.append(record_input(source, rows=len(frame), name=name))
    table = pd.DataFrame(records, columns=["name", "path", "rows", "bytes", "sha256"])
    table["file"] = table["path"].map(lambda p: Path(p).name)
    table["sha256"] = table["sha256"].str.slice(0, 12)
    return table[["name", "file", "rows", "bytes", "sha256"]]


def save_table(frame, name: str) -> Path | None:
    """Write ``frame`` to ``<run>/tables/<name>.csv`` and record it; None when interactive.

    The CSV is for people: UTF-8 with a byte-order mark (Excel needs it to read
    Chinese text), text cells a spreadsheet would run as formulas neutralised
    (:mod:`workbench.csvfiles`). Beside it ``<name>.parquet`` keeps the column
    types (numbers, dates) from which the runner writes the run's workbook
    (:data:`WORKBOOK_FILE`, :func:`write_workbook`). The index is not written.
    """
    run_dir = current_run_dir()
    if run_dir is None:
        return None
    path = run_dir / TABLES_DIR / f"{name}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    # csvfiles imports pandas, which importing workbench.reports must not
    from workbench.csvfiles import PEOPLE_ENCODING, write_csv

    write_csv(frame, path, encoding=PEOPLE_ENCODING)
    typed = _write_typed(frame, path.with_suffix(".parquet"))
    _append(OUTPUTS_FILE, {"path": str(path.relative_to(run_dir)), "rows": len(frame), "table": name,
                           "typed": str(typed.relative_to(run_dir)) if typed else None})
    if typed is not None:
        _append(OUTPUTS_FILE, {"path": str(typed.relative_to(run_dir)), "rows": len(frame)})
    return path


def _write_typed(frame, path: Path) -> Path | None:
    """``frame`` (without its index) as Parquet, the types the workbook needs; None if Arrow cannot store it.

    Column names become text (repeated ones numbered: Parquet needs them
    unique); a column Arrow cannot type (numbers and words mixed, lists) is
    stored as text, missing values kept. Without a typed copy the workbook
    reads the table from its CSV.
    """
    import pyarrow as pa

    out = frame.reset_index(drop=True)
    names = [str(c) for c in out.columns]
    out.columns = [name if names.index(name) == i else f"{name} ({names[:i + 1].count(name)})"
                   for i, name in enumerate(names)]
    try:
        out.to_parquet(path, index=False)
        return path
    except (pa.ArrowException, TypeError, ValueError):
        pass
    out = out.copy()
    for position, column in enumerate(out.columns):
        if out[column].dtype == object:  # e.g. numbers and words in one column: text, missing values kept
            out.isetitem(position, out[column].map(_text_or_missing))
    try:
        out.to_parquet(path, index=False)
        return path
    except (pa.ArrowException, TypeError, ValueError) as exc:
        path.unlink(missing_ok=True)
        log.warning("table %s has no typed copy (%s); its workbook sheet is read from the CSV", path.stem, exc)
        return None


def _text_or_missing(value: Any) -> Any:
    import pandas as pd

    # pd.isna, not value != value: comparing pd.NA (a nullable column's missing value) raises
    return value if isinstance(value, str) or (pd.api.types.is_scalar(value) and pd.isna(value)) else str(value)


def saved_tables(run_dir: str | Path) -> dict[str, Path]:
    """The tables a run saved with :func:`save_table`, by name in saving order: the typed copy, else the CSV."""
    run_dir = Path(run_dir)
    tables: dict[str, Path] = {}
    for record in read_records(run_dir, OUTPUTS_FILE):
        if not record.get("table"):
            continue
        for relative in (record.get("typed"), record["path"]):
            if relative and (run_dir / relative).is_file():
                tables[record["table"]] = run_dir / relative
                break
    return tables


def save_chart(chart, name: str, fmt: str = "svg") -> Path | None:
    """Write an Altair chart to ``<run>/figures/<name>.<fmt>`` (svg, png or html, offline); None when interactive."""
    run_dir = current_run_dir()
    if run_dir is None:
        return None
    path = run_dir / "figures" / f"{name}.{fmt}"
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "html":
        chart.save(str(path), inline=True)
    else:
        chart.save(str(path))
    _append(OUTPUTS_FILE, {"path": str(path.relative_to(run_dir)), "rows": None})
    return path


def read_records(run_dir: str | Path, file_name: str) -> list[dict[str, Any]]:
    """The JSON-lines records a notebook appended to ``file_name`` in ``run_dir``."""
    path = Path(run_dir) / file_name
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# --------------------------------------------------------------------------- workbook

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_SHEET_NAME_CHARS = 31  # Excel's limit
_MAX_ROWS = 1_048_576  # Excel's rows per sheet, the heading row included
_MAX_CELL_CHARS = 32_767  # Excel's characters per cell
_WIDTH_SAMPLE_ROWS = 200
_MAX_COLUMN_WIDTH = 60


def sheet_names(names: list[str]) -> list[str]:
    """Excel sheet names for ``names``, in order: at most 31 characters, none of ``[]:*?/\\``, unique.

    Excel compares sheet names ignoring case and refuses ``History`` and names
    that start or end with an apostrophe; a clash gets ``~2``, ``~3``...

    >>> sheet_names(["kpi/queue", "a" * 40, "A" * 40, "", "History"])
    ['kpi_queue', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAA~2', 'table', 'History_']
    """
    chosen: list[str] = []
    seen: set[str] = set()
    for name in names:
        base = _SHEET_FORBIDDEN.sub("_", str(name)).strip("'").strip() or "table"
        if base.casefold() == "history":
            base += "_"
        candidate, number = base[:_SHEET_NAME_CHARS], 1
        while candidate.casefold() in seen:
            number += 1
            suffix = f"~{number}"
            candidate = base[: _SHEET_NAME_CHARS - len(suffix)] + suffix
        seen.add(candidate.casefold())
        chosen.append(candidate)
    return chosen


def _display_width(text: str) -> int:
    """Characters a column needs for ``text``; CJK characters take two."""
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in text)


def _text_cell(sheet: Any, value: str) -> Any:
    """``value`` fit for a cell: control characters (not allowed in xlsx) removed, at most 32,767
    characters, and a quoted text cell when a spreadsheet would run it as a formula."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    from workbench.csvfiles import safe_cell

    value = ILLEGAL_CHARACTERS_RE.sub("", value)[:_MAX_CELL_CHARS]
    if safe_cell(value) == value:
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
    cell.quotePrefix = True  # Excel's own "this is text" mark: shown as it is, stays text when edited
    return cell


def _other_value(sheet: Any, value: Any) -> Any:
    """A value of a text (object) column as a cell value; None for a missing value."""
    import datetime as dt

    import pandas as pd

    if isinstance(value, str):
        return _text_cell(sheet, value)
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):  # NaN, NaT, pd.NA
        return None
    if hasattr(value, "item") and pd.api.types.is_scalar(value):  # numpy scalars
        value = value.item()
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    elif isinstance(value, pd.Timedelta):
        value = value.to_pytimedelta()
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    if isinstance(value, (bool, int, float, dt.date, dt.time, dt.timedelta)):
        return value
    return _text_cell(sheet, str(value))  # lists, decimals, periods: shown as the CSV shows them


def _column_values(sheet: Any, column: Any, number_format: str | None = None) -> list[Any]:
    """A column as the cell values of its sheet: numbers, datetimes (dates when every time is midnight),
    booleans and text; missing values None. ``number_format`` applies to a numeric column's cells."""
    import pandas as pd
    from openpyxl.cell import WriteOnlyCell

    missing = column.isna().to_numpy()
    if isinstance(column.dtype, pd.DatetimeTZDtype):
        column = column.dt.tz_localize(None)  # Excel has no time zones: keep the wall-clock time shown
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        present = column[~missing]
        dates_only = bool((present == present.dt.normalize()).all())
        values = list(column.dt.date) if dates_only else [t.to_pydatetime() for t in column.astype(object)]
    elif pd.api.types.is_timedelta64_dtype(column.dtype):
        values = list(column.dt.to_pytimedelta())
    elif pd.api.types.is_bool_dtype(column.dtype) or pd.api.types.is_numeric_dtype(column.dtype):
        values = [v.item() if hasattr(v, "item") else v for v in column.astype(object).where(~missing, None).tolist()]
        if number_format is None or pd.api.types.is_bool_dtype(column.dtype):
            return values
        cells = []
        for value in values:
            if value is None:
                cells.append(None)
            else:
                cells.append(WriteOnlyCell(sheet, value=value))
                cells[-1].number_format = number_format
        return cells
    else:
        return [_other_value(sheet, v) for v in column.astype(object).tolist()]
    return [None if gone else value for value, gone in zip(values, missing, strict=True)]


def write_workbook(tables: Mapping[str, Any], path: str | Path, language: str | None = None) -> Path:
    """Write DataFrames as one Excel workbook, a sheet per table, headings in ``language``; returns the path.

    Args:
        tables: table name -> DataFrame, in sheet order (names made valid by :func:`sheet_names`).
        path: the ``.xlsx`` file to write (its folder must exist).
        language: headings via :func:`workbench.i18n.labelled_columns`; None: the current language.

    Numbers stay numbers, dates and times are Excel dates (a column whose
    times are all midnight as dates; a time zone is dropped, keeping the
    wall-clock time the table shows), missing values are empty cells. A text
    cell (or heading) that a spreadsheet would run as a formula (the rule of
    :func:`workbench.csvfiles.safe_cell`) is written as text with Excel's quote
    prefix: it shows exactly as in the data and stays text when edited, where
    a CSV needs the visible apostrophe. A share (a column whose unit is
    ``share 0..1``, :func:`workbench.schemas.column_unit`) stays the number
    0..1, shown as a percentage. The index is not written, the heading
    row is frozen and columns are as wide as their contents (up to 60
    characters). A table longer than a sheet is cut at Excel's 1,048,575 data
    rows, with a warning.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import Cell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from workbench import i18n
    from workbench.schemas import column_unit

    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for sheet_name, (table_name, frame) in zip(sheet_names(list(tables)), tables.items(), strict=True):
        shares = ["0.0%" if column_unit(str(c)) == "share 0..1" else None for c in frame.columns]
        frame = i18n.labelled_columns(frame.reset_index(drop=True), language)
        if len(frame) >= _MAX_ROWS:
            log.warning("table %s has %d rows; the workbook keeps the first %d", table_name, len(frame), _MAX_ROWS - 1)
            frame = frame.iloc[: _MAX_ROWS - 1]
        sheet = book.create_sheet(sheet_name)
        sheet.freeze_panes = "A2"
        columns = [_column_values(sheet, frame.iloc[:, i], shares[i]) for i in range(frame.shape[1])]
        headings = []
        for i, heading in enumerate(str(c) for c in frame.columns):
            cell = _text_cell(sheet, heading)
            cell = cell if isinstance(cell, Cell) else WriteOnlyCell(sheet, value=cell)
            cell.font = bold
            headings.append(cell)
            shown = [_display_width(heading)] + [
                19 if hasattr(v, "hour") else 7 if shares[i] else _display_width(str(getattr(v, "value", v)))
                for v in columns[i][:_WIDTH_SAMPLE_ROWS] if v is not None
            ]
            sheet.column_dimensions[get_column_letter(i + 1)].width = min(max(shown) + 2, _MAX_COLUMN_WIDTH)
        sheet.append(headings)
        for row in zip(*columns, strict=True):
            sheet.append(list(row))
    path = Path(path)
    book.save(path)
    return path


def write_run_workbook(run_dir: str | Path, language: str | None = None) -> Path | None:
    """Write ``<run>/tables.xlsx`` from the tables the run saved (:func:`saved_tables`); None when it saved none."""
    import pandas as pd

    from workbench.csvfiles import read_csv

    tables = saved_tables(run_dir)
    if not tables:
        return None
    frames = {name: pd.read_parquet(path) if path.suffix == ".parquet" else read_csv(path)
              for name, path in tables.items()}
    return write_workbook(frames, Path(run_dir) / WORKBOOK_FILE, language)
