"""Read a vendor export as strings: CSV (encoding detected), JSON, JSON Lines, Parquet or Excel (.xlsx, .xls).

Every value is kept as the vendor wrote it (a string, or None for an empty
cell) so validation can report the original text and the rejects file can
reproduce the row.

Two ways in: :func:`read_export` gives a pandas frame (notebooks, tests), and
:func:`load_raw` gives the same strings as a DuckDB view for the SQL checks
of :mod:`workbench.ingest.validate`. A plain CSV (no quotes, no blank lines,
one field count) is read by DuckDB itself, in the same pass as the checks;
anything else goes through the careful Python reader, which names bad lines.

Before a text export is decoded it is checked for what it really is: a
workbook, PDF or archive under a ``.csv`` name, or UTF-16 text, is named as
such instead of failing as undecodable bytes. The profile's encoding decides
how the text is decoded; when that is not UTF-8, a detector
(charset-normalizer) only warns when the bytes look like another encoding.
Every physical line is accounted for: as part of a record, or as a skipped
blank line (:attr:`RawExport.lines`, :attr:`RawExport.blank_lines`).

JSON exports (contact records of cloud contact centres are nested JSON per
contact) are flattened to dotted headers (``Agent.Id``, ``Queue.Name``); an
array inside a record stays whole as JSON text in one cell. A JSON Lines row
is numbered by its physical line, a JSON array's by its position in the list
(``record_number`` in rejects files); a JSON Lines line that is not an object
is rejected alone, a JSON document that does not parse fails as a whole.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from workbench.errors import InputDataError

if TYPE_CHECKING:
    import duckdb

_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}
#: Characters that make a cell blank, as Python's ``str.strip`` would: ASCII
#: whitespace plus the no-break and ideographic spaces of Chinese exports.
BLANK_CHARACTERS = " \t\n\r\x0b\x0c\xa0\u3000"
#: RE2 class of those characters. Regexes test them: a custom-set ``trim`` costs
#: ~0.3 s per million cells, a regex ~0.05 s.
BLANK_CLASS = "[ \\t\\n\\r\\x0b\\x0c\u00a0\u3000]"
#: Bytes of non-UTF-8 text given to the encoding detector: lines holding a non-ASCII byte, up to this size.
DETECTION_SAMPLE_BYTES = 64 * 1024
_LINE_END = re.compile(r"\r\n|\r|\n")
_GLOB_CHARACTERS = re.compile(r"[*?\[]")
_HIGH_BYTE = re.compile(rb"[\x80-\xff]")


@dataclass
class RawExport:
    """An export read as strings.

    Attributes:
        frame: one row per record, the vendor's headers as columns, string or
            None values, indexed by ``line_number`` (physical line of the
            record's start, header = 1; for Excel and Parquet the data row
            number + 1, so the header is row 1 there too).
        problems: line number -> structural problem of that record (wrong
            number of fields, a quote never closed, a NUL byte); such rows
            are rejected, not loaded.
        encoding: the encoding used (CSV only).
        lines: physical lines after the header (CSV), or data rows (Excel,
            Parquet); None when not counted. ``lines == len(frame) +
            blank_lines + continuation lines`` (lines of a quoted value that
            runs over several lines).
        blank_lines: empty lines skipped (they are not records).
        warnings: things that loaded but may be wrong, e.g. the encoding
            detector disagreeing with the encoding used.
        row_label: what the index counts, as rejects files name it:
            ``line_number`` (a physical line: CSV, JSON Lines; a sheet row:
            Excel, Parquet), ``record_number`` (position of the record in a
            JSON array, from 1) or ``row_number`` (row of a query result, from 1).
    """

    frame: pd.DataFrame
    problems: dict[int, str] = field(default_factory=dict)
    encoding: str | None = None
    lines: int | None = None
    blank_lines: int = 0
    warnings: list[str] = field(default_factory=list)
    row_label: str = "line_number"


# -- what a file really is ----------------------------------------------------


def _zip_contents(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile:
        return "a ZIP archive (damaged or cut short)"
    if any(n.startswith("xl/") for n in names):
        return "an Excel workbook (.xlsx)"
    if any(n.startswith("word/") for n in names):
        return "a Word document (.docx)"
    if any(n.startswith("ppt/") for n in names):
        return "a PowerPoint file (.pptx)"
    if "content.xml" in names:
        return "an OpenDocument file (.ods/.odt)"
    return "a ZIP archive"


def sniff_binary(data: bytes) -> str | None:
    """What a file holding ``data`` really is, when its first bytes say it is not text, else None.

    >>> sniff_binary(b"%PDF-1.7 ...")
    'a PDF document'
    >>> sniff_binary(b"Call ID,Skill") is None
    True
    """
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_contents(data)
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "an Excel 97-2003 workbook (.xls) or another Office 97-2003 file"
    if data.startswith(b"%PDF-"):
        return "a PDF document"
    if data.startswith(b"\x1f\x8b"):
        return "a gzip-compressed file"
    if data.startswith(b"PAR1"):
        return "a Parquet file"
    if data.startswith((b"7z\xbc\xaf\x27\x1c", b"Rar!\x1a\x07")):
        return "a 7-Zip or RAR archive"
    return None


_BINARY_ADVICE = {
    "an Excel workbook (.xlsx)": "rename it to .xlsx to load its first sheet, or save it as CSV",
    "an Excel 97-2003 workbook (.xls) or another Office 97-2003 file":
        "rename it to .xls (or set format: xls in the profile) to load its first sheet, or save it as CSV",
    "a Parquet file": "rename it to .parquet",
}


def _refuse_binary(data: bytes, file: str | Path) -> None:
    found = sniff_binary(data)
    if found is not None:
        advice = _BINARY_ADVICE.get(found, "export the data as CSV, Excel (.xlsx) or Parquet")
        raise InputDataError(
            f"not a text export: the file is {found} (it starts with bytes {data[:4]!r}); {advice}",
            file=file, row=1,
        )


def _utf16_layout(data: bytes) -> tuple[str, bool] | None:
    """``(codec, has_bom)`` when ``data`` is UTF-16 text, else None.

    Without a byte-order mark, UTF-16 shows itself by NUL bytes in every other
    position (the high byte of each ASCII character: delimiters, digits, line ends).
    """
    for bom, codec in _UTF16_BOMS.items():
        if data.startswith(bom):
            return codec, True
    sample = data[: 4096 - 4096 % 2]
    sample = sample[: len(sample) - len(sample) % 2]
    half = len(sample) // 2
    if half < 2:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd >= 0.3 * half and even <= 0.05 * half:
        return "utf-16-le", False
    if even >= 0.3 * half and odd <= 0.05 * half:
        return "utf-16-be", False
    return None


def _decode_utf16(data: bytes, encoding: str, file: str | Path) -> tuple[str, str] | None:
    """Decode UTF-16 text as the profile allows; None when ``data`` is not UTF-16 and none is declared.

    ``auto`` and ``utf-16`` read UTF-16 with a byte-order mark, which decides
    the byte order; without one the byte order must be declared
    (``utf-16-le``/``utf-16-be``).
    """
    layout = _utf16_layout(data)
    if not encoding.startswith("utf-16"):
        if layout is None:
            return None
        codec, bom = layout
        if bom and encoding != "auto":
            raise InputDataError(
                f"the file starts with a {codec.upper()} byte-order mark, but the profile's encoding is {encoding}; "
                "set encoding: auto or utf-16 in the profile, or save the file as UTF-8", file=file, row=1,
            )
        if not bom:
            raise InputDataError(
                f"the file looks like {codec.upper()} text without a byte-order mark (every other byte is NUL); "
                f"set encoding: {codec} in the profile, or save the file as UTF-8", file=file, row=1,
            )
    elif layout is not None and layout[1]:
        codec, bom = layout
        if encoding not in ("utf-16", codec):
            raise InputDataError(
                f"the profile's encoding is {encoding}, but the file starts with a {codec.upper()} byte-order mark; "
                "set encoding: utf-16", file=file, row=1,
            )
    elif encoding == "utf-16":
        looks = f" (it looks like {layout[0]})" if layout is not None else ""
        raise InputDataError(
            f"encoding utf-16 needs a byte-order mark and the file has none{looks}; declare utf-16-le or utf-16-be",
            file=file, row=1,
        )
    else:
        codec, bom = encoding, False
    body = data[2:] if bom else data
    try:
        return body.decode(codec), codec
    except UnicodeDecodeError as exc:
        line = body[: exc.start].decode(codec, errors="replace").count("\n") + 1
        offset = exc.start + (2 if bom else 0)
        raise InputDataError(f"cannot decode as {codec} (bytes at offset {offset})", file=file, row=line) from None


# -- encodings ----------------------------------------------------------------


def _codec_family(codec: str) -> str:
    """Group codecs that read the same text the same way (the detector names several per family)."""
    name = codec.lower().replace("-", "_")
    if name in ("gb18030", "gbk", "gb2312", "hz", "cp936"):
        return "gb18030"
    if name in ("big5", "big5hkscs", "cp950"):
        return "big5"
    if name in ("utf_8", "utf_8_sig", "ascii"):
        return "utf-8"
    if name in ("latin_1", "iso8859_1", "cp1252", "latin1"):
        return "single-byte"
    try:
        from charset_normalizer.utils import is_multi_byte_encoding
    except ImportError:
        return name
    return name if is_multi_byte_encoding(name) else "single-byte"


_DESCRIPTIONS = {
    "big5": ("Big5 (Traditional Chinese)", "big5"),
    "gb18030": ("GB18030/GBK (Simplified Chinese)", "gb18030"),
    "single-byte": ("a single-byte encoding such as Windows-1252 or Latin-1 (Western European)", "cp1252 (or latin-1)"),
}


def _non_ascii_sample(data: bytes, limit: int = DETECTION_SAMPLE_BYTES) -> bytes:
    """Whole lines of ``data`` holding a byte above 0x7F, up to about ``limit`` bytes.

    The detector judges the non-ASCII text; ASCII lines (ids, times, numbers)
    only dilute it, and in a Western file the few accented names may lie anywhere.
    """
    parts, size, position = [], 0, 0
    while size < limit:
        found = _HIGH_BYTE.search(data, position)
        if found is None:
            break
        start = data.rfind(b"\n", 0, found.start()) + 1
        end = data.find(b"\n", found.start())
        end = len(data) if end < 0 else end + 1
        parts.append(data[start:end])
        size += end - start
        position = end
    return b"".join(parts)


def _detected(data: bytes) -> list[str]:
    """Codecs charset-normalizer finds plausible for the non-ASCII lines of ``data``, best first."""
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # the detector only adds warnings; decoding never depends on it
        return []
    sample = _non_ascii_sample(data)
    found = [match.encoding for match in from_bytes(sample)] if sample else []
    # UTF-16/32 shows in its NUL layout (checked before decoding); on a few accented
    # characters the detector offers it anyway.
    return [c for c in found if not c.startswith(("utf_16", "utf_32"))]


def encoding_warning(data: bytes, used: str, declared: str) -> str | None:
    """A warning when ``data``, decoded as ``used``, looks like text in another encoding, else None.

    UTF-8 and UTF-16 decode only real text of their own, so they are not
    second-guessed. A GB18030 decode (the ``auto`` fallback) also "succeeds" on
    most Big5 and Latin-1 files, as mojibake; the detector catches those. It
    can mislabel short or Western text, so it only warns: the profile's
    encoding still decides, and no warning is given when the encoding used is
    among the detector's candidates.
    """
    if _codec_family(used) in ("utf-8",) or used.startswith("utf-16"):
        return None
    candidates = _detected(data)
    if not candidates or _codec_family(used) in {_codec_family(c) for c in candidates}:
        return None
    best = _codec_family(candidates[0])
    described, setting = _DESCRIPTIONS.get(best, (candidates[0], None))
    how = "the profile's encoding is auto and the file is not UTF-8" if declared == "auto" else "as the profile declares"
    advice = f"set encoding: {setting} in the profile" if setting else "save the file as UTF-8"
    # The detector's name for a single-byte guess is often an odd one (cp1006 for German names): not shown.
    detected = "" if best == "single-byte" else f" (detected {candidates[0]})"
    return (
        f"decoded as {used.upper()} ({how}), but the text looks like {described}{detected}; "
        f"if names or queues look garbled, {advice}"
    )


def decode(data: bytes, encoding: str, file: str | Path) -> tuple[str, str]:
    """Decode ``data`` as the profile's ``encoding`` says.

    ``auto`` reads UTF-16 with a byte-order mark, else tries UTF-8 (BOM
    stripped) strictly, then GB18030. Any other encoding is used as declared
    (a UTF-8 BOM is stripped for ``utf-8``). Files that are not text at all
    (workbook, PDF, archive) are named before any decoding.

    Returns:
        The text and the encoding used (``utf-8``, ``gb18030``, ``utf-16-le``, ...).

    Raises:
        InputDataError: not a text file (what it is named), UTF-16 the profile
            does not allow (the encoding to declare named), or undecodable
            bytes (line and offset named, and the encoding the bytes look like).
    """
    _refuse_binary(data, file)
    utf16 = _decode_utf16(data, encoding, file)
    if utf16 is not None:
        return utf16
    candidates = ["utf-8-sig", "gb18030"] if encoding == "auto" else ["utf-8-sig" if encoding == "utf-8" else encoding]
    first_error: UnicodeDecodeError | None = None
    for candidate in candidates:
        try:
            return data.decode(candidate), "utf-8" if candidate == "utf-8-sig" else candidate
        except UnicodeDecodeError as exc:
            first_error = first_error or exc
    assert first_error is not None
    line = data[: first_error.start].count(b"\n") + 1
    guesses = [c for c in _detected(data) if _codec_family(c) not in {_codec_family(t) for t in candidates}]
    hint = ""
    if guesses:
        described, setting = _DESCRIPTIONS.get(_codec_family(guesses[0]), (guesses[0], None))
        hint = f"; the bytes look like {described}" + (f": set encoding: {setting} in the profile" if setting else "")
    raise InputDataError(
        f"cannot decode as {' or '.join(candidates)} (byte {data[first_error.start:first_error.start + 1]!r} "
        f"at offset {first_error.start}){hint}",
        file=file,
        row=line,
    )


def check_readable(path: str | Path) -> Path:
    """``path`` as a :class:`~pathlib.Path` when it is a file that can be opened.

    Raises:
        InputDataError: the path does not exist, is a folder, or cannot be
            opened (the reason named), so a batch reports it and goes on.
    """
    path = Path(path)
    if path.is_dir():
        raise InputDataError("is a folder, not a file; list the export files in it (e.g. folder/*.csv)", file=path)
    if not path.exists():
        raise InputDataError("file not found", file=path)
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        raise InputDataError(f"cannot open the file: {exc.strerror or exc}", file=path) from None
    return path


# -- CSV readers ----------------------------------------------------------------


def _read_simple_csv(text: str, separator: str) -> pd.DataFrame | None:
    """C-engine read of an export with no quoting, no blank lines and no NUL, else None.

    Most ACD exports are that plain; then every physical line is one record, so
    line numbers stay exact while pandas' C parser does the work.
    """
    if '"' in text or "\x00" in text or "\r" in text.replace("\r\n", "\n"):
        return None
    lines = text.replace("\r\n", "\n").removesuffix("\n").split("\n")
    if len(lines) < 2 or any(line == "" for line in lines):
        return None  # blank lines (trailing ones too) are counted by the careful reader
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


class _Records:
    """The careful reader's state: records with their first line, problems, and the line count."""

    def __init__(self, text: str, separator: str, headers: list[str]) -> None:
        self.text = text
        self.separator = separator
        self.headers = headers
        self.rows: list[list[str | None]] = []
        self.lines: list[int] = []
        self.problems: dict[int, str] = {}
        self.blank = 0
        self.has_nul = "\x00" in text
        self._starts: list[int] | None = None

    def starts(self) -> list[int]:
        """Offset of each physical line (line ``n`` starts at ``starts()[n - 1]``), split as ``csv`` splits."""
        if self._starts is None:
            starts = [0, *(m.end() for m in _LINE_END.finditer(self.text))]
            if starts[-1] == len(self.text):
                starts.pop()  # a final line end opens no new line
            self._starts = starts
        return self._starts

    def line_text(self, number: int) -> str:
        starts = self.starts()
        end = starts[number] if number < len(starts) else len(self.text)
        return self.text[starts[number - 1]:end].rstrip("\r\n")

    def add(self, line: int, record: list[str], problem: str | None = None) -> None:
        width = len(self.headers)
        problems = [problem] if problem else []
        if len(record) != width and not problem:
            problems.append(f"field_count: expected {width} fields, found {len(record)}")
        if self.has_nul:
            holding = [h for h, v in zip(self.headers, record) if "\x00" in v]
            if holding:
                problems.append(
                    f"nul_character: {', '.join(holding)} {'holds' if len(holding) == 1 else 'hold'} a NUL byte (\\x00)"
                )
        if problems:
            self.problems[line] = "; ".join(problems)
        record = (record + [""] * width)[:width]
        self.rows.append([value if value.strip() != "" else None for value in record])
        self.lines.append(line)


def _last_line(text: str) -> str:
    """The last physical line of ``text`` without its line end (no line offsets computed)."""
    end = len(text) - (2 if text.endswith("\r\n") else 1 if text.endswith(("\r", "\n")) else 0)
    return text[max(text.rfind("\n", 0, end), text.rfind("\r", 0, end)) + 1:end]


def _quote_problem(records: _Records, start: int, end: int, record: list[str]) -> str | None:
    """Why a record running from line ``start`` to ``end`` is a quote left open, or None when it is sound.

    A value may legitimately hold line breaks inside quotes; such a record has
    the header's field count and well-formed quotes. Anything else is a quote
    opened on ``start`` that the lenient reader closed somewhere later (or at
    the end of the file), joining lines that are records of their own.
    """
    width = len(records.headers)
    if end > start and len(record) != width:
        return (f"not closed on that line: read as one record it runs to line {end} "
                f"and has {len(record)} fields, expected {width}")
    starts = records.starts()
    segment = records.text[starts[start - 1]:starts[end] if end < len(starts) else len(records.text)]
    if '"' not in segment:
        return None
    try:
        for _ in csv.reader(io.StringIO(segment, newline=""), delimiter=records.separator, strict=True):
            pass
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            return "never closed" + (f" (lines {start} to {end}, the end of the file, would be one value)"
                                     if end > start else "")
        if end > start:
            return f"not closed on that line: read as one record, lines {start} to {end} are malformed ({exc})"
    return None


def _read_records(text: str, separator: str, path: Path) -> RawExport:
    """The careful reader: every record with its first physical line, every line accounted for.

    A quote that is opened and never closed makes a lenient CSV reader swallow
    the rest of the file into one value; one closed many lines later joins
    those lines into one record. Such a record's first line is rejected alone
    (``unclosed_quote``, the line named) and reading starts again on the next
    line, so the other lines keep their own rows and reasons.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    try:
        header = next(reader)
    except StopIteration:
        raise InputDataError("empty file: no header line", file=path, row=1) from None
    except csv.Error as exc:
        raise InputDataError(f"header line cannot be read as CSV: {exc}", file=path, row=1) from None
    if reader.line_num > 1:
        raise InputDataError(
            f"a quote opened on line 1 (the header) is not closed on that line; the header runs to line "
            f"{reader.line_num}", file=path, row=1,
        )
    headers = [h.strip() for h in header]
    for header_name in headers:
        if "\x00" in header_name:
            raise InputDataError("header holds a NUL byte (\\x00): the file is binary or UTF-16, not a CSV text",
                                 file=path, row=1, field=header_name.replace("\x00", ""))
    records = _Records(text, separator, headers)
    width, plain = len(headers), not records.has_nul
    rows, lines = records.rows, records.lines
    base = 0  # physical lines before the text the current reader reads
    start = 2
    while True:
        broken: str | None = None
        last: tuple[int, int] | None = None  # (first line, last line) of the latest record
        try:
            for record in reader:
                end = base + reader.line_num
                if not record:  # an empty line is not a record
                    records.blank += 1
                elif end > start and (broken := _quote_problem(records, start, end, record)):
                    break
                else:
                    if plain and len(record) == width:  # the common case, inlined
                        rows.append([value if value.strip() != "" else None for value in record])
                        lines.append(start)
                    else:
                        records.add(start, record)
                    last = (start, end)
                start = end + 1
        except csv.Error as exc:  # e.g. a value grown past the csv module's field size limit
            broken = f"not closed on that line: reading on from it fails ({exc})"
            if '"' not in records.line_text(start):
                broken = f"bad_record: line {start} cannot be read as CSV ({exc})"
        total = base + reader.line_num
        if broken is None and last is not None and last[0] == last[1] == total:
            # A quote still open at the end of the file on the last line: the lenient reader closes it silently.
            if '"' in _last_line(text) and (broken := _quote_problem(records, total, total, [])):
                records.rows.pop()
                records.lines.pop()
                records.problems.pop(total, None)
                start = total
        if broken is None:
            break
        line = records.line_text(start)
        try:
            alone = next(csv.reader([line], delimiter=separator), [])
        except csv.Error:  # the line alone is still too long for the csv module: keep its text as it is
            alone = line.split(separator)
        records.add(start, alone, broken if broken.startswith("bad_record:")
                    else f"unclosed_quote: a quote opened on line {start} is {broken}")
        total = len(records.starts())
        if start >= total:
            break
        base = start
        reader = csv.reader(io.StringIO(text[records.starts()[start]:], newline=""), delimiter=separator)
        start += 1
    frame = pd.DataFrame(records.rows, columns=headers, dtype=object)
    frame.index = pd.Index(records.lines, name="line_number")
    return RawExport(frame, records.problems, lines=total - 1, blank_lines=records.blank)


def _read_csv(path: Path, encoding: str, separator: str = ",") -> RawExport:
    data = path.read_bytes()
    text, used = decode(data, encoding, path)
    warning = encoding_warning(data, used, encoding)
    del data
    simple = _read_simple_csv(text, separator)
    if simple is not None and len(set(simple.columns)) == len(simple.columns):
        raw = RawExport(simple, {}, lines=len(simple))
    else:
        raw = _read_records(text, separator, path)
    raw.encoding = used
    raw.warnings = [warning] if warning else []
    return raw


def _as_strings(frame: pd.DataFrame, first_line: int) -> pd.DataFrame:
    frame = frame.astype(object).where(frame.notna(), None)
    frame = frame.map(lambda v: None if v is None or str(v).strip() == "" else str(v))
    frame.columns = [str(c).strip() for c in frame.columns]
    frame.index = pd.Index(range(first_line, first_line + len(frame)), name="line_number")
    return frame


# -- JSON and JSON Lines ---------------------------------------------------------


class _Number(str):
    """A JSON number kept as the text the vendor wrote (``12.50`` stays ``12.50``, no float round trip)."""


def _json_text(value: object) -> str:
    """Compact JSON text of a parsed value (numbers as written, non-ASCII kept)."""
    if isinstance(value, _Number) or (isinstance(value, int) and not isinstance(value, bool)):
        return str(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{_json_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_json_text(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _json_cell(value: object) -> str | None:
    """A JSON value as a cell: text as written, numbers as written, ``true``/``false``; null, "" and [] empty.

    An array inside a record (a contact's list of transfers, skills, tags) is
    kept whole as compact JSON text in one cell: it is not a record of its own,
    and spreading its items over ``Tags.0``, ``Tags.1``, ... would make the
    headers depend on the longest list in the file.
    """
    if value is None or value == [] or value == {}:
        return None
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (list, dict)):
        return _json_text(value)
    text = str(value)
    return None if text.strip() == "" else text


def flatten_record(record: dict, prefix: str = "") -> tuple[dict[str, str | None], list[str]]:
    """One JSON object as ``{dotted header: cell}``, and the headers written twice.

    Nested objects become dotted headers (``{"Agent": {"Id": "a1"}}`` ->
    ``Agent.Id``); see :func:`_json_cell` for the cells. A header written twice
    (a key ``"Agent.Id"`` next to a nested ``Agent.Id``) is ambiguous.

    >>> flatten_record({"ContactId": "c1", "Agent": {"Id": "a1", "Skills": ["zh", "en"]}, "Queue": None})
    ({'ContactId': 'c1', 'Agent.Id': 'a1', 'Agent.Skills': '["zh","en"]', 'Queue': None}, [])
    """
    cells: dict[str, str | None] = {}
    twice: list[str] = []
    _flatten_into(record, prefix, cells, twice)
    return cells, twice


def _flatten_into(record: dict, prefix: str, cells: dict[str, str | None], twice: list[str]) -> None:
    # Runs once per field of every record: the common cases (text, a number's text) come first, inline.
    for key, value in record.items():
        name = prefix + key
        kind = type(value)
        if kind is str or kind is _Number:
            if name in cells:
                twice.append(name)
            cells[name] = value if value and not value.isspace() else None
        elif kind is int:
            if name in cells:
                twice.append(name)
            cells[name] = str(value)
        elif kind is dict and value:
            _flatten_into(value, name + ".", cells, twice)
        else:
            if name in cells:
                twice.append(name)
            cells[name] = _json_cell(value)


def _kind(value: object) -> str:
    return {dict: "an object", list: "an array", str: "a string", _Number: "a number", int: "a number",
            bool: "true/false", type(None): "null"}.get(type(value), type(value).__name__)


class _JsonRecords:
    """Flattened records with their line (JSON Lines) or position (JSON array), and their problems."""

    def __init__(self) -> None:
        self.headers: dict[str, None] = {}  # insertion-ordered set: headers in the order first met
        self.rows: list[dict[str, str | None]] = []
        self.numbers: list[int] = []
        self.problems: dict[int, str] = {}

    def add(self, number: int, record: object, unit: str) -> None:
        if not isinstance(record, dict):
            self.problems[number] = f"not_a_record: {unit} {number} holds {_kind(record)}, not a JSON object"
            record = {}
        cells, twice = flatten_record(record)
        if twice:
            self.problems[number] = "; ".join(
                f"ambiguous_field: {name} is written twice (a key with a dot and a nested key)" for name in twice
            )
        self.headers.update(dict.fromkeys(cells))
        self.rows.append(cells)
        self.numbers.append(number)

    def problem(self, number: int, reason: str) -> None:
        self.problems[number] = reason
        self.rows.append({})
        self.numbers.append(number)

    def _under_empty_parent(self, header: str) -> bool:
        """Whether ``header``'s parent object is null (or ``{}``) in every record that has it."""
        parts = header.split(".")
        for end in range(len(parts) - 1, 0, -1):
            parent = ".".join(parts[:end])
            if parent in self.headers:
                return all(row.get(parent) is None for row in self.rows)
        return False

    def export(self, path: Path, row_label: str, lines: int, blank: int = 0,
               expected: Iterable[str] = ()) -> RawExport:
        if not self.headers:
            first = f" ({self.problems[self.numbers[0]]})" if self.numbers else ""
            raise InputDataError(f"no JSON object with fields found: nothing to load{first}", file=path,
                                 row=self.numbers[0] if self.numbers else None)
        # "Agent": null in every record (no contact of the file reached an agent) gives no Agent.Id header;
        # the field is empty, not misspelt. A path under no such parent stays missing and fails the file.
        self.headers.update(dict.fromkeys(h for h in expected if h not in self.headers and self._under_empty_parent(h)))
        headers = list(self.headers)
        frame = pd.DataFrame([[row.get(h) for h in headers] for row in self.rows], columns=headers, dtype=object)
        frame.index = pd.Index(self.numbers, name="line_number")
        return RawExport(frame, self.problems, lines=lines, blank_lines=blank, row_label=row_label)


#: One decoder for every line (``json.loads`` with hooks builds a new one per call).
#: Decimals keep their text (``12.50``); whole numbers are exact Python ints, written back as the same digits.
_JSON_DECODER = json.JSONDecoder(parse_float=_Number)


def _parse_json(text: str) -> object:
    return _JSON_DECODER.decode(text)


def _records_at(document: object, record_path: str | None, path: Path) -> list:
    """The list of records at ``record_path`` (dotted keys; a digit steps into a list) of a parsed document."""
    node, walked = document, "the document"
    for step in record_path.split(".") if record_path else []:
        if isinstance(node, dict) and step in node:
            node = node[step]
        elif isinstance(node, list) and step.isdigit() and int(step) < len(node):
            node = node[int(step)]
        else:
            found = f" (its keys: {', '.join(list(node)[:20])})" if isinstance(node, dict) else f" ({_kind(node)})"
            raise InputDataError(f"record_path '{record_path}': {walked} has no '{step}'{found}", file=path,
                                 field=record_path)
        walked = f"'{step}'" if walked == "the document" else f"{walked[:-1]}.{step}'"
    if isinstance(node, list):
        return node
    lists = _list_paths(node, f"{record_path}." if record_path else "")
    hint = f" (lists of objects found at: {', '.join(lists[:10])})" if lists else ""
    if record_path is None and isinstance(node, dict):
        raise InputDataError(f"the document is an object, not a list of records: set record_path in the profile to "
                             f"the list of records{hint}", file=path, row=1)
    raise InputDataError(f"{walked} is {_kind(node)}, not a list of records; set record_path to the list{hint}",
                         file=path, field=record_path)


def _list_paths(node: object, prefix: str = "", depth: int = 4) -> list[str]:
    """Dotted paths of the lists of objects inside ``node`` (a few levels deep): candidates for ``record_path``."""
    found: list[str] = []
    if isinstance(node, dict) and depth:
        for key, value in node.items():
            if isinstance(value, list) and value and isinstance(value[0], dict):
                found.append(f"{prefix}{key}")
            elif isinstance(value, dict):
                found += _list_paths(value, f"{prefix}{key}.", depth - 1)
    return found


def _read_json(path: Path, encoding: str, record_path: str | None, expected: Iterable[str] = ()) -> RawExport:
    """A JSON document: the records of the list at ``record_path`` (the document itself when None).

    Rows are numbered by their position in that list, from 1 (``record_number``);
    a record that is not an object is rejected with its position.
    """
    data = path.read_bytes()
    text, used = decode(data, encoding, path)
    del data
    if not text.strip():
        raise InputDataError("empty file: no JSON document", file=path, row=1)
    try:
        document = _parse_json(text)
    except json.JSONDecodeError as exc:
        hint = ""
        if exc.msg == "Extra data" and text.lstrip().startswith("{"):
            hint = "; it looks like JSON Lines (one object per line): set format: jsonl in the profile"
        raise InputDataError(f"not a JSON document: {exc.msg} at line {exc.lineno} column {exc.colno} "
                             f"(character {exc.pos}){hint}", file=path, row=exc.lineno) from None
    records = _JsonRecords()
    for position, record in enumerate(_records_at(document, record_path, path), start=1):
        records.add(position, record, "record")
    del document
    raw = records.export(path, "record_number", lines=len(records.rows), expected=expected)
    raw.encoding = used
    return raw


def _read_json_lines(path: Path, encoding: str, expected: Iterable[str] = ()) -> RawExport:
    """JSON Lines: one object per physical line (numbered from 1); a bad line is rejected, the rest load.

    Lines are split on ``\\n`` only (a ``\\r`` before it is a blank), as the
    format defines them; a blank line is skipped and counted.
    """
    data = path.read_bytes()
    text, used = decode(data, encoding, path)
    del data
    head = text.lstrip()[:1]
    if head == "[":
        try:
            _parse_json(text)
        except json.JSONDecodeError:
            pass
        else:
            raise InputDataError("the file is one JSON array, not JSON Lines: set format: json in the profile",
                                 file=path, row=1)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # a final line end opens no new line
    records, blank = _JsonRecords(), 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            blank += 1
            continue
        try:
            record = _parse_json(line)
        except json.JSONDecodeError as exc:
            more = ": more than one JSON value on the line" if exc.msg == "Extra data" else ""
            records.problem(number, f"bad_json: line {number} is not valid JSON ({exc.msg} at column {exc.colno}{more})")
            continue
        records.add(number, record, "line")
    raw = records.export(path, "line_number", lines=len(lines), blank=blank, expected=expected)
    raw.encoding = used
    return raw


# -- Excel and Parquet ------------------------------------------------------------


_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _check_workbook(path: Path, form: str = "xlsx") -> None:
    """Name what a workbook that is not one really is (openpyxl only says "not a zip file").

    Many systems save an HTML table or tab-separated text under ``.xls``; those are named as such.
    """
    with path.open("rb") as handle:
        head = handle.read(4096)
    if head.startswith(b"PK\x03\x04" if form == "xlsx" else _OLE2):
        return
    found = sniff_binary(head)
    if found is None:
        if b"\x00" in head:
            found = "not an Excel workbook"
        elif head.lstrip().lower().startswith((b"<", b"\xef\xbb\xbf<")):
            found = "an HTML or XML page (some systems save a web table under an Excel name): save it as .xlsx or CSV"
        else:
            found = "a text file (CSV?): set format: csv (and the separator) in the profile, or rename it to .csv"
    raise InputDataError(f"not an .{form} workbook: the file is {found}", file=path, row=1)


def _read_workbook(path: Path, form: str, sheet: str | int | None) -> pd.DataFrame:
    """One sheet of an ``.xlsx`` (openpyxl) or legacy ``.xls`` (xlrd) workbook as strings.

    ``sheet`` is a sheet name or a 0-based position; default the first sheet.
    """
    _check_workbook(path, form)
    engine = "openpyxl" if form == "xlsx" else "xlrd"
    try:
        with pd.ExcelFile(path, engine=engine) as book:
            names = [str(n) for n in book.sheet_names]
            chosen = 0 if sheet is None else sheet
            if isinstance(chosen, int) and not 0 <= chosen < len(names):
                raise InputDataError(f"sheet {chosen} not found: the workbook has {len(names)} sheet(s) {names} "
                                     "(sheet positions count from 0)", file=path, field="sheet")
            if isinstance(chosen, str) and chosen not in names:
                raise InputDataError(f"sheet '{chosen}' not found; the sheets are {names}", file=path, field="sheet")
            # keep_default_na off: pandas would read "NA", "n/a", "NULL" cells as empty; they are the
            # vendor's text (a queue "NA"), and the profile's missing_values says which mean unknown.
            return book.parse(sheet_name=chosen, dtype=str, keep_default_na=False)
    except InputDataError:
        raise
    except Exception as exc:
        raise InputDataError(f"cannot read Excel workbook: {exc}", file=path) from exc


#: File name endings -> format, for ``format: auto``.
FORMATS_BY_SUFFIX = {
    ".csv": "csv", ".txt": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl",
    ".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls", ".parquet": "parquet",
}


def export_format(path: str | Path, format: str = "auto") -> str:  # noqa: A002 - the profile key's name
    """The format to read ``path`` as: ``format``, or for ``auto`` the one its name ends with.

    >>> export_format("contacts.ndjson")
    'jsonl'
    >>> export_format("calls.dat", "csv")
    'csv'

    Raises:
        InputDataError: ``auto`` and a name ending none of :data:`FORMATS_BY_SUFFIX` knows.
    """
    if format != "auto":
        return format
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS_BY_SUFFIX:
        raise InputDataError(f"unsupported file type '{suffix}' (expected {', '.join(FORMATS_BY_SUFFIX)}, "
                             "or name the format in the profile: format: csv|json|jsonl|xlsx|xls|parquet)", file=path)
    return FORMATS_BY_SUFFIX[suffix]


def read_export(
    path: str | Path,
    encoding: str = "auto",
    separator: str = ",",
    format: str = "auto",  # noqa: A002 - the profile key's name
    record_path: str | None = None,
    sheet: str | int | None = None,
    expected: Iterable[str] = (),
) -> RawExport:
    """Read ``path`` as strings, in the ``format`` named or (``auto``) the one its name ends with.

    CSV/TXT (``separator`` between fields, e.g. ``"\\t"`` or ``";"``), JSON
    (the list of records at ``record_path``), JSON Lines, Excel ``.xlsx`` and
    legacy ``.xls`` (``sheet``: name or 0-based position) and Parquet. Nested
    JSON fields become dotted headers (:func:`flatten_record`). ``expected``:
    the headers the caller maps; a JSON one that no record has, under a parent
    that is null in every record (``"Agent": null``), is an empty column.

    Raises:
        InputDataError: a missing or unreadable file, a file that is not what
            its name says (workbook, PDF, UTF-16 under another encoding),
            undecodable bytes (line named), an empty file, repeated header
            names, a header that runs over lines, a JSON document that does
            not parse (line and column named), a ``record_path`` or sheet
            that is not there, or an unreadable workbook.
    """
    path = check_readable(path)
    form = export_format(path, format)
    if form == "csv":
        raw = _read_csv(path, encoding, separator)
    elif form == "json":
        raw = _read_json(path, encoding, record_path, expected)
    elif form == "jsonl":
        raw = _read_json_lines(path, encoding, expected)
    elif form == "parquet":
        try:
            frame = _as_strings(pd.read_parquet(path), 2)
        except Exception as exc:
            raise InputDataError(f"cannot read Parquet: {exc}", file=path) from exc
        raw = RawExport(frame, lines=len(frame))
    else:
        sheet_frame = _read_workbook(path, form, sheet)
        raw = RawExport(_as_strings(sheet_frame, 2), lines=len(sheet_frame))
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
        lines: physical lines after the header, or data rows (see
            :attr:`RawExport.lines`); None when not counted.
        blank_lines: empty lines skipped.
        warnings: see :attr:`RawExport.warnings`.
        row_label: see :attr:`RawExport.row_label`.
    """

    name: str
    headers: tuple[str, ...]
    encoding: str | None = None
    records: int | None = None
    lines: int | None = None
    blank_lines: int = 0
    warnings: tuple[str, ...] = ()
    row_label: str = "line_number"

    def column(self, header: str) -> str:
        """Quoted SQL column of a vendor header."""
        return f'"c{self.headers.index(header)}"'


def sql_string(value: str) -> str:
    """``value`` as a SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def literal_file(connection: duckdb.DuckDBPyConnection, path: str | Path) -> str | None:
    """``path`` written so that DuckDB's file readers open exactly that file, or None when it cannot be.

    ``read_csv``, ``read_parquet`` and ``read_json`` take ``*``, ``?`` and
    ``[...]`` in a path as a glob pattern (``calls[1].csv`` reads
    ``calls1.csv``) and have no escape character; a one-character class such as
    ``[[]`` matches the character itself. DuckDB also expands a leading ``~``,
    so the path is made absolute. An escaped pattern is checked with DuckDB's
    own ``glob()``: only when it names this one file is it returned (a
    backslash next to a glob character, for one, cannot be written); the
    caller then reads the file through Python instead.
    """
    name = str(Path(path).absolute())
    if not _GLOB_CHARACTERS.search(name):
        return name
    pattern = _GLOB_CHARACTERS.sub(lambda m: f"[{m.group()}]", name)
    try:
        found = connection.execute("SELECT file FROM glob(?)", [pattern]).fetchall()
    except Exception:  # a pattern DuckDB refuses: read through Python
        return None
    return pattern if found == [(name,)] else None


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

    Cheap byte counts only (no copy of the file): no quote character, no NUL
    byte, line ends all LF or all CRLF, a header and at least one more line.
    Blank lines and wrong field counts are left to DuckDB: it skips blank lines
    (the caller compares its row count with this one) and its strict mode
    refuses a wrong field count, so either sends the file to the careful reader.
    """
    if len(separator.encode()) != 1 or b"\x00" in data or (b'"' in data and not _quotes_at_field_edges(data, separator)):
        return None
    newlines = data.count(b"\n")
    if b"\r" in data and data.count(b"\r") != newlines:
        return None
    lines = newlines + (0 if data.endswith(b"\n") else 1)
    header_end = data.find(b"\n")
    if lines < 2 or header_end < 0 or separator.encode() not in data[:header_end]:
        return None  # no data line, or one column (where a blank line would be a record)
    # DuckDB's strict mode lets a line end in one extra, empty field ("2,b," under a
    # two-column header) pass as if it were not there. It refuses a line with too few
    # fields, so once it has accepted the file, a separator count above one header's
    # worth per line means some line has too many: the careful reader names it.
    if data.count(separator.encode()) != data[:header_end].count(separator.encode()) * lines:
        return None
    return lines - 1


def _quotes_at_field_edges(data: bytes, separator: str) -> bool:
    """Whether every quote of ``data`` opens or closes a whole field (``a,"b c",""``), as most tools quote.

    Then no quoted value can hold a line end or a separator unless the
    separator counts of :func:`_plain_records` or DuckDB's strict reader
    (whose record count is compared with the lines) notice, so DuckDB may read
    the file with RFC quoting. A quote anywhere else (``""`` inside a value,
    ``a"b``, a blank before a quote) leaves the file to the careful reader.
    """
    sep = separator.encode()
    body = data.removeprefix(_BOM)
    opening = body.count(sep + b'"') + body.count(b'\n"') + body.startswith(b'"')
    closing = (body.count(b'"' + sep) + body.count(b'"\r\n') + body.count(b'"\n')
               + (body.endswith(b'"') and not body.endswith(b'\n"')))
    # A bare "\r" end after a quote is counted by neither form above: such a file has no "\n" then,
    # and _plain_records refuses it anyway.
    return opening == closing and opening + closing == body.count(b'"')


def _header(data: bytes, separator: str, encoding: str) -> list[str]:
    line = data[: data.find(b"\n")].removeprefix(_BOM).rstrip(b"\r")
    return _header_fields(line.decode(encoding), separator)


def _header_fields(line: str, separator: str) -> list[str]:
    """Header names of a plain CSV's first line, a name's wrapping quotes removed."""
    fields = [h.strip() for h in line.split(separator)]
    return [h[1:-1].strip() if len(h) >= 2 and h[0] == h[-1] == '"' else h for h in fields]


def _load_plain_csv(
    connection: duckdb.DuckDBPyConnection, csv_path: Path, headers: list[str], separator: str, name: str,
    records: int,
) -> bool:
    """DuckDB read of a plain UTF-8 file into temp table ``name_text`` and view ``name``.

    False when DuckDB refuses a record, or yields another number of rows than
    ``records`` (it skipped a blank line, and line numbers would drift).
    """
    import duckdb

    source = _csv_source(connection, csv_path, headers, separator)
    if source is None:
        return False
    staged = f"{name}_text"
    try:
        connection.execute(
            f"CREATE OR REPLACE TEMP TABLE {staged} AS "
            f"SELECT row_number() OVER () + 1 AS line_number, * FROM {source}"
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


def _csv_source(connection: duckdb.DuckDBPyConnection, csv_path: Path, headers: list[str],
                separator: str) -> str | None:
    """``read_csv(...)`` of exactly ``csv_path`` (see :func:`literal_file`), or None when it cannot be named."""
    file = literal_file(connection, csv_path)
    if file is None:
        return None
    columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(headers)))
    # auto_detect off: no sniffing, no '#' comment lines; RFC quotes (only reached when every quote
    # wraps a whole field, see _quotes_at_field_edges); strict: a record with another field count
    # is an error, not padded.
    return f"""read_csv({sql_string(file)}, header=true, auto_detect=false,
        delim={sql_string(separator)}, quote='"', escape='"', comment='', strict_mode=true, null_padding=false,
        columns={{{columns}}})"""


def _lazy_view(connection: duckdb.DuckDBPyConnection, csv_path: Path, headers: list[str], separator: str,
               name: str) -> bool:
    """A view over the file itself; False when DuckDB cannot be given its path literally."""
    source = _csv_source(connection, csv_path, headers, separator)
    if source is None:
        return False
    # row_number() OVER () over a single table keeps the file's order (DuckDB's documented
    # order preservation), so it is the physical line number minus one.
    cells = ", ".join(f'{_blank_to_null(f"c{i}")} AS "c{i}"' for i in range(len(headers)))
    connection.execute(
        f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT row_number() OVER () + 1 AS line_number, "
        f"CAST(NULL AS VARCHAR) AS problem, {cells} FROM {source}"
    )
    return True


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
    return RawTable(name, tuple(headers), raw.encoding, lines=raw.lines, blank_lines=raw.blank_lines,
                    warnings=tuple(raw.warnings), row_label=raw.row_label)


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
    format: str = "auto",  # noqa: A002 - the profile key's name
    record_path: str | None = None,
    sheet: str | int | None = None,
    expected: Iterable[str] = (),
) -> RawTable:
    """An export as strings in a temp view of ``connection`` (see :class:`RawTable`).

    Same values, line numbers and errors as :func:`read_export`. A plain CSV
    (no quotes, one kind of line end) in UTF-8 becomes a lazy view over the
    file: the checks read it once, in the same pass, and DuckDB checks the
    UTF-8 and the field counts; if it refuses the file, or yields another
    number of records, call again with ``lazy=False``. A plain GB18030 (or
    other declared non-UTF-8) file is loaded through a temporary UTF-8 copy
    (DuckDB has no GB18030 decoder offline); quoted or irregular CSVs, UTF-16,
    Parquet and Excel go through :func:`read_export`. DuckDB is only ever given
    the file's own path (:func:`literal_file`), never a pattern. ``format``,
    ``record_path``, ``sheet`` and ``expected`` are those of :func:`read_export`.

    Raises:
        InputDataError: see :func:`read_export`.
    """
    path = check_readable(path)
    if export_format(path, format) == "csv":
        data = path.read_bytes()
        records = _plain_records(data, separator)
        if records is not None and sniff_binary(data) is None and _utf16_layout(data) is None:
            if lazy and encoding in ("auto", "utf-8"):
                try:
                    headers = _header(data, separator, "utf-8")
                except UnicodeDecodeError:
                    headers = None
                if headers is not None:
                    _check_header(headers, path)
                    if _lazy_view(connection, path, headers, separator, name):
                        return RawTable(name, tuple(headers), "utf-8", records, lines=records)
            # Not UTF-8, or DuckDB refused it: decode here, which names the line of a bad byte.
            text, used = decode(data, encoding, path)
            if used != "utf-8":
                warning = encoding_warning(data, used, encoding)
                headers = _header_fields(text[: text.find("\n")].rstrip("\r").removeprefix("\ufeff"), separator)
                _check_header(headers, path)
                with tempfile.TemporaryDirectory(prefix="workbench-ingest-") as folder:
                    copy = Path(folder) / "export-utf8.csv"
                    copy.write_bytes(text.encode("utf-8"))
                    del text
                    if _load_plain_csv(connection, copy, headers, separator, name, records):
                        return RawTable(name, tuple(headers), used, lines=records,
                                        warnings=(warning,) if warning else ())
            del data
    raw = read_export(path, encoding, separator, format, record_path, sheet, expected)
    return register_frame(connection, raw, name)
