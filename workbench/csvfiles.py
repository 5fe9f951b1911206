"""The one CSV writer for files people open: cells that a spreadsheet would run as a formula are neutralised.

Excel, LibreOffice and Google Sheets evaluate a cell that begins with ``=``,
``+``, ``-`` or ``@`` (and some also after a leading tab or carriage return)
as a formula, so a caller-supplied value such as ``=HYPERLINK(...)`` in a
rejects file or a queue name in a KPI table could run when an analyst opens
it. Following the OWASP advice on CSV injection, such a text cell is written
with a leading apostrophe (``'=HYPERLINK(...)``), which spreadsheets show as
text and do not evaluate. Column names are treated the same way.

What is left as it is:

* numbers in numeric columns (``-3.5`` stays ``-3.5``);
* text that is a plain decimal number (``"-3.5"``, ``"+86"``, ``"-1e3"``):
  a spreadsheet reads it as that number, a constant that runs nothing, and
  prefixing would turn numbers that arrive as text (every rejects file is
  text) into words;
* dates, booleans and missing values.

The workbench reads its own files back with :func:`read_csv`, which removes
that apostrophe again. A cell that already begins with apostrophes before
such a character (``'=x``) gets one more, so every value survives the round trip.

Files for people and files for programs
---------------------------------------
A CSV that people open (usually by double-clicking it into Excel) is written
in :data:`PEOPLE_ENCODING`, UTF-8 with a byte-order mark: without it Excel on
a Chinese (or any non-UTF-8) Windows reads the file in the system code page
and shows queue names and topics as mojibake. A CSV that programs read stays
plain UTF-8 (:data:`MACHINE_ENCODING`): a byte-order mark is noise to ``cut``,
``csvkit``, a database loader or a pipe. pandas, DuckDB and :func:`read_csv`
read both. Every CSV the product writes:

For people (byte-order mark):

* ``outputs/<notebook>/<run>/tables/<name>.csv``: the tables a report saved
  (:func:`workbench.reports.record.save_table`); the same tables are also in
  the run's ``tables.xlsx``, typed, with readable headings;
* ``<rejects>.csv`` of an import: the rows a load refused, with the reason
  (:mod:`workbench.ingest.load`);
* the staffing app's requirements export (``outputs/apps/staffing/requirements_*.csv``
  and its download link, :mod:`workbench.apps.staffing`): a planner's file for Excel.
  (Written with plain UTF-8 until that module passes :data:`PEOPLE_ENCODING`.)

For programs (plain UTF-8):

* ``workbench kpis --format csv`` (standard output or ``--output``) and
  ``workbench topics assign`` without ``--output``: text for a pipe or another tool;
* a topic run's ``assignments.csv`` / ``topics.csv`` (:func:`workbench.topics.model.save_run`)
  and ``workbench topics assign --output``: the model's own state, read back by the workbench;
* ``workbench forecast fit`` / ``backtest`` (``forecast.csv``, ``backtest.csv``) and
  ``workbench drivers --output`` (``drivers.csv``): inputs of the next step
  (staffing, the satisfaction app) and of scripts; the reports show them to people;
* the sample centre's exports (:mod:`workbench.sample`): stand-ins for an ACD
  system's files, in that system's encodings (the Chinese export is GB18030 on purpose).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

# Leading apostrophes included: "'=x" is written "''=x", so reading back strips exactly one.
_TRIGGER = re.compile(r"^'*[=+\-@\t\r]")
# What neutralise wrote: one apostrophe more than the value had.
_MARKED = re.compile(r"^'+[=+\-@\t\r]")
#: Encoding of every CSV written for people: UTF-8 with a byte-order mark, which Excel (on a Chinese Windows
#: too) needs to read UTF-8 rather than the system code page. Python's ``utf-8-sig`` and pandas skip it on reading.
PEOPLE_ENCODING = "utf-8-sig"
#: Encoding of CSV written for programs (imports, other tools, tests): plain UTF-8, no byte-order mark.
MACHINE_ENCODING = "utf-8"
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")


def safe_cell(value: object) -> object:
    """``value`` with a leading ``'`` when it is text a spreadsheet would run as a formula.

    >>> safe_cell("=1+2"), safe_cell("@SUM(A1)"), safe_cell("-3.5"), safe_cell(-3.5), safe_cell("billing")
    ("'=1+2", "'@SUM(A1)", '-3.5', -3.5, 'billing')
    >>> safe_cell("'=1+2")
    "''=1+2"
    """
    if isinstance(value, str) and _TRIGGER.match(value) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def _is_text(series: pd.Series) -> bool:
    dtype = series.dtype
    return (pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)
            or isinstance(dtype, pd.CategoricalDtype))


def _rewrite_text(frame: pd.DataFrame, selects, change, name) -> pd.DataFrame:
    """A copy of ``frame`` with ``change`` applied to the text cells ``selects`` picks, and ``name`` to column names."""
    out = frame.copy()
    for position in range(out.shape[1]):
        column = out.iloc[:, position]
        if not _is_text(column):
            continue
        values = column.astype(object)
        texts = values.map(lambda v: isinstance(v, str))
        strings = values.where(texts, "")
        selected = texts & selects(strings)
        if selected.any():
            out.isetitem(position, values.where(~selected, change(strings)))
    out.columns = [name(c) for c in out.columns]
    return out


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names are safe to open in a spreadsheet.

    See the module docstring for what changes; numeric, date and boolean
    columns are returned untouched. ``frame`` is not modified.
    """
    return _rewrite_text(frame, lambda s: s.str.match(_TRIGGER) & ~s.str.match(_PLAIN_NUMBER),
                         lambda s: "'" + s, safe_cell)


def _unmark(value: object) -> object:
    return value[1:] if isinstance(value, str) and _MARKED.match(value) else value


def restore(frame: pd.DataFrame) -> pd.DataFrame:
    """Undo :func:`neutralise` on a frame read from such a file: ``'=x`` becomes ``=x`` again."""
    return _rewrite_text(frame, lambda s: s.str.match(_MARKED), lambda s: s.str.slice(1), _unmark)


def read_csv(path: str | Path, **options) -> pd.DataFrame:
    """Read a CSV file written by :func:`write_csv` (``pandas.read_csv`` options), then :func:`restore` it."""
    return restore(pd.read_csv(path, **options))


def csv_text(frame: pd.DataFrame) -> str:
    """``frame`` as CSV text (no index), neutralised by :func:`neutralise`."""
    return neutralise(frame).to_csv(index=False)


def write_csv(frame: pd.DataFrame, path: str | Path, *, encoding: str = "utf-8") -> Path:
    """Write ``frame`` to ``path`` as CSV (no index), neutralised by :func:`neutralise`; returns the path.

    Args:
        frame: any columns; text cells are neutralised, numbers are not.
        path: the file to write (its folder must exist).
        encoding: :data:`PEOPLE_ENCODING` (``utf-8-sig``) for a file people
            open: it puts a byte-order mark first, which Excel needs to read
            UTF-8 (e.g. Chinese) text correctly; the default, plain UTF-8, for
            files programs read (see the module docstring for which is which).
    """
    neutralise(frame).to_csv(path, index=False, encoding=encoding)
    return Path(path)
