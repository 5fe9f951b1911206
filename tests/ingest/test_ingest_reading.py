"""Reading exports that are silently wrong: glob characters in names, wrong encodings, NUL bytes,
unclosed quotes, files that are not text, and missing files in a batch (issue 14)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from workbench.errors import InputDataError
from workbench.ingest import IngestProfile, ingest_files, read_export
from workbench.store import Store

HEADER = "id,queue,start,wait,result,agent"


def _profile(**changes) -> IngestProfile:
    values = {
        "name": "plain_calls",
        "table": "calls",
        "columns": {"call_id": "id", "queue_id": "queue", "arrived_at": "start", "wait_seconds": "wait",
                    "outcome": "result", "agent_id": "agent"},
        "outcomes": {"ok": "answered"},
    }
    values.update(changes)
    return IngestProfile.model_validate(values)


def _row(call_id: str, queue: str = "billing", agent: str = "A1") -> str:
    return f"{call_id},{queue},2026-01-05 09:00:00,10,ok,{agent}"


def _write(path: Path, lines: list[str], encoding: str = "utf-8", prefix: bytes = b"") -> Path:
    path.write_bytes(prefix + ("\n".join(lines) + "\n").encode(encoding))
    return path


@pytest.fixture
def where(tmp_path) -> dict:
    return {"store_path": tmp_path / "w.duckdb", "rejects_dir": tmp_path / "rejects"}


def _calls(where: dict) -> pd.DataFrame:
    with Store(where["store_path"], read_only=True) as store:
        return store.query("SELECT call_id, queue_id, agent_id FROM calls ORDER BY call_id").set_index("call_id")


def _rejects(summary: pd.DataFrame, row: int = 0) -> pd.DataFrame:
    return pd.read_csv(summary.loc[row, "rejects_file"], dtype=str, encoding="utf-8-sig").set_index("line_number")


@pytest.fixture
def no_careful_reader(monkeypatch):
    """Fail if the export goes through the Python reader instead of DuckDB's own."""
    import workbench.ingest.reading as reading

    def refuse(*args, **kwargs):
        raise AssertionError("the careful reader was used")

    monkeypatch.setattr(reading, "read_export", refuse)


# -- paths are literal ------------------------------------------------------------


def test_glob_characters_in_a_file_name_load_that_file(tmp_path, where, no_careful_reader):
    own = _write(tmp_path / "calls[1].csv", [HEADER, _row("OWN1"), _row("OWN2")])
    _write(tmp_path / "calls1.csv", [HEADER, _row("OTHER")])
    summary = ingest_files([own], _profile(), **where)
    assert summary.loc[0, "status"] == "succeeded" and summary.loc[0, "rows_loaded"] == 2
    assert _calls(where).index.tolist() == ["OWN1", "OWN2"]
    with Store(where["store_path"], read_only=True) as store:
        batch = store.query("SELECT source_file, file_sha256 FROM batches").iloc[0]
    assert batch["source_file"] == str(own)
    assert batch["file_sha256"] == hashlib.sha256(own.read_bytes()).hexdigest()


@pytest.mark.parametrize("name", ["c*.csv", "c?.csv", "[!x].csv", "dir[1]/calls.csv", "back\\slash[1].csv"])
def test_every_glob_character_is_literal(tmp_path, where, name):
    # Decoys each pattern would match if it were expanded.
    for decoy in ("ca.csv", "cb.csv", "a.csv", "dir1/calls.csv", "back\\slash1.csv"):
        (tmp_path / decoy).parent.mkdir(exist_ok=True)
        _write(tmp_path / decoy, [HEADER, _row("DECOY")])
    path = tmp_path / name
    path.parent.mkdir(exist_ok=True)
    _write(path, [HEADER, _row("OWN")])
    summary = ingest_files([path], _profile(), **where)
    assert summary.loc[0, "rows_loaded"] == 1, summary.loc[0, "error"]
    assert _calls(where).index.tolist() == ["OWN"]


def test_literal_file_escapes_or_refuses(tmp_path):
    import duckdb

    from workbench.ingest.reading import literal_file

    connection = duckdb.connect()
    plain = _write(tmp_path / "plain.csv", [HEADER])
    bracket = _write(tmp_path / "calls[1].csv", [HEADER])
    tricky = _write(tmp_path / "a\\[1].csv", [HEADER])  # a backslash next to a glob character
    assert literal_file(connection, plain) == str(plain)
    assert literal_file(connection, bracket) == str(tmp_path / "calls[[]1].csv")
    assert literal_file(connection, tricky) is None


# -- encodings ----------------------------------------------------------------------

BIG5_ROWS = [
    _row("T1", "帳務查詢", "陳大文"),
    _row("T2", "技術支援", "林小姐"),
    _row("T3", "客戶投訴", "張先生"),
    _row("T4", "優惠方案", "黃經理"),
]


def test_big5_export_warns_and_loads_when_declared(tmp_path, where):
    path = _write(tmp_path / "big5.csv", [HEADER, *BIG5_ROWS], "big5")
    guessed = ingest_files([path], _profile(), **where).iloc[0]
    assert guessed.status == "succeeded"  # the profile (auto) decides: GB18030 ...
    assert "Big5" in guessed.warning and "encoding: big5" in guessed.warning  # ... but it is noticed
    declared = ingest_files([path], _profile(name="big5_calls", encoding="big5"),
                            store_path=where["store_path"].with_name("b.duckdb"), rejects_dir=where["rejects_dir"])
    assert declared.loc[0, "status"] == "succeeded" and pd.isna(declared.loc[0, "warning"])
    with Store(where["store_path"].with_name("b.duckdb"), read_only=True) as store:
        calls = store.query("SELECT call_id, queue_id, agent_id FROM calls").set_index("call_id")
    assert calls.loc["T1", "queue_id"] == "帳務查詢" and calls.loc["T1", "agent_id"] == "陳大文"


def test_latin1_export_warns_and_loads_when_declared(tmp_path, where):
    path = _write(tmp_path / "latin1.csv", [HEADER, _row("L1", "sales", "Müller"), _row("L2", "sales", "Öztürk")],
                  "latin-1")
    guessed = read_export(path)
    assert guessed.encoding == "gb18030"
    assert len(guessed.warnings) == 1 and "Latin-1" in guessed.warnings[0]
    declared = read_export(path, "latin-1")
    assert declared.frame["agent"].tolist() == ["Müller", "Öztürk"] and declared.warnings == []


def test_undecodable_latin1_says_what_it_looks_like(tmp_path):
    path = _write(tmp_path / "cafe.csv", [HEADER, _row("L1", "café", "José")], "latin-1")  # é, then a comma
    with pytest.raises(InputDataError) as info:
        read_export(path)
    assert info.value.row == 2
    assert "Latin-1" in str(info.value) and "encoding: cp1252" in str(info.value)


@pytest.mark.parametrize(("codec", "bom"), [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff")])
def test_utf16_with_a_byte_order_mark_loads(tmp_path, where, codec, bom):
    path = _write(tmp_path / "u16.csv", [HEADER, _row("U1", "账务", "Müller")], codec, prefix=bom)
    summary = ingest_files([path], _profile(), **where)
    assert summary.loc[0, "status"] == "succeeded" and pd.isna(summary.loc[0, "warning"])
    assert _calls(where).loc["U1"].tolist() == ["账务", "Müller"]


def test_utf16_without_a_byte_order_mark_names_the_encoding_to_declare(tmp_path, where):
    path = _write(tmp_path / "u16.csv", [HEADER, _row("U1", "账务", "Müller")], "utf-16-le")
    summary = ingest_files([path], _profile(), **where)
    assert summary.loc[0, "status"] == "failed"
    assert "UTF-16-LE" in summary.loc[0, "error"] and "encoding: utf-16-le" in summary.loc[0, "error"]
    declared = read_export(path, "utf-16-le")
    assert declared.frame["agent"].tolist() == ["Müller"]
    with pytest.raises(InputDataError, match="utf-16-be"):
        read_export(_write(tmp_path / "be.csv", [HEADER, _row("U2")], "utf-16-be"))


def test_nul_byte_in_an_id_rejects_that_row(tmp_path, where):
    path = _write(tmp_path / "nul.csv", [HEADER, _row("N1"), _row("N\x002"), _row("N3")])
    summary = ingest_files([path], _profile(), **where)
    assert summary.loc[0, ["rows_read", "rows_loaded", "rows_rejected"]].tolist() == [3, 2, 1]
    reason = _rejects(summary).loc["3", "reject_reason"]
    assert reason.startswith("nul_character: id holds a NUL byte")
    assert _calls(where).index.tolist() == ["N1", "N3"]


def test_workbook_renamed_csv_is_named(tmp_path, where):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(HEADER.split(","))
    book.save(tmp_path / "calls.xlsx")
    renamed = tmp_path / "calls.csv"
    renamed.write_bytes((tmp_path / "calls.xlsx").read_bytes())
    summary = ingest_files([renamed], _profile(), **where)
    assert summary.loc[0, "status"] == "failed"
    assert "an Excel workbook (.xlsx)" in summary.loc[0, "error"] and "rename it to .xlsx" in summary.loc[0, "error"]
    assert "decode" not in summary.loc[0, "error"]


@pytest.mark.parametrize(
    ("data", "what"),
    [(b"%PDF-1.7\n%...", "a PDF document"), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "Excel 97-2003")],
)
def test_other_binary_files_are_named(tmp_path, data, what):
    path = tmp_path / "export.csv"
    path.write_bytes(data)
    with pytest.raises(InputDataError, match=what):
        read_export(path)


def test_csv_renamed_xlsx_is_named(tmp_path):
    path = _write(tmp_path / "calls.xlsx", [HEADER, _row("X1")])
    with pytest.raises(InputDataError, match="rename it to .csv"):
        read_export(path)


# -- quotes and line accounting ------------------------------------------------------


def test_quote_never_closed_is_named_and_every_line_accounted_for(tmp_path, where):
    lines = [_row(f"Q{n}") for n in range(1, 11)]
    lines[3] = _row("Q4", agent='"A1')  # line 5: the quote is never closed
    summary = ingest_files([_write(tmp_path / "quote.csv", [HEADER, *lines])], _profile(), **where).iloc[0]
    assert (summary.rows_read, summary.rows_loaded, summary.rows_rejected) == (10, 9, 1)
    assert (summary.physical_lines, summary.blank_lines, summary.continuation_lines) == (10, 0, 0)
    reason = _rejects(pd.DataFrame([summary])).loc["5", "reject_reason"]
    assert reason.startswith("unclosed_quote: a quote opened on line 5 is never closed")


def test_quote_closed_lines_later_does_not_swallow_them(tmp_path):
    lines = [_row(f"Q{n}") for n in range(1, 11)]
    lines[2] = _row("Q3", agent='"A1')  # line 4 opens a quote ...
    lines[6] = _row("Q7", agent='A"1')  # ... that line 8 closes: lines 4-8 would be one record
    raw = read_export(_write(tmp_path / "quote.csv", [HEADER, *lines]))
    assert raw.frame.index.tolist() == list(range(2, 12))
    assert list(raw.problems) == [4] and "a quote opened on line 4 is not closed on that line" in raw.problems[4]
    assert raw.frame.loc[5, "id"] == "Q4"


def test_quoted_line_breaks_and_blank_lines_are_counted(tmp_path, where):
    lines = [_row("B1"), _row("B2", agent='"two\nlines"'), "", _row("B3"), "", ""]
    summary = ingest_files([_write(tmp_path / "gaps.csv", [HEADER, *lines])], _profile(), **where).iloc[0]
    assert summary.rows_read == summary.rows_loaded == 3
    assert (summary.physical_lines, summary.blank_lines, summary.continuation_lines) == (7, 3, 1)
    assert summary.physical_lines == summary.rows_read + summary.blank_lines + summary.continuation_lines


def test_last_line_with_an_open_quote_is_rejected(tmp_path):
    raw = read_export(_write(tmp_path / "end.csv", [HEADER, _row("E1"), _row("E2", agent='"A2')]))
    assert raw.problems == {3: "unclosed_quote: a quote opened on line 3 is never closed"}
    assert raw.lines == 2


def test_value_past_the_csv_field_limit_rejects_its_line_only(tmp_path):
    import csv

    huge = "z" * (csv.field_size_limit() + 10)
    lines = [_row("F1", agent='"A1"'), _row("F2", agent=huge), _row("F3")]  # a quote sends it to the careful reader
    raw = read_export(_write(tmp_path / "huge.csv", [HEADER, *lines]))
    assert raw.frame["id"].tolist() == ["F1", "F2", "F3"]
    assert list(raw.problems) == [3] and raw.problems[3].startswith("bad_record: line 3 cannot be read as CSV")
    opened = [_row("G1", agent='"' + huge), _row("G2")]  # an open quote grows past the limit
    raw = read_export(_write(tmp_path / "open.csv", [HEADER, *opened]))
    assert raw.frame["id"].tolist() == ["G1", "G2"]
    assert raw.problems[2].startswith("unclosed_quote: a quote opened on line 2")


# -- a batch carries on past a bad item -------------------------------------------------


def test_missing_file_and_folder_fail_alone(tmp_path, where):
    good = _write(tmp_path / "good.csv", [HEADER, _row("G1")])
    (tmp_path / "folder").mkdir()
    summary = ingest_files([tmp_path / "absent.csv", tmp_path / "folder", good], _profile(), **where)
    assert summary["status"].tolist() == ["failed", "failed", "succeeded"]
    assert "file not found" in summary.loc[0, "error"] and "absent.csv" in summary.loc[0, "error"]
    assert "is a folder" in summary.loc[1, "error"]
    assert _calls(where).index.tolist() == ["G1"]


def test_cli_ingest_loads_the_rest_and_exits_non_zero(tmp_path, where):
    from typer.testing import CliRunner

    from workbench.cli import app

    good = _write(tmp_path / "good.csv", [HEADER, _row("G1")])
    profile = tmp_path / "plain_calls.yaml"
    profile.write_text(_profile().model_dump_json(exclude={"name"}), encoding="utf-8")  # JSON is YAML
    result = CliRunner().invoke(app, ["ingest", str(tmp_path / "absent.csv"), str(good), "--profile", str(profile),
                                      "--store", str(where["store_path"]), "--rejects-dir", str(where["rejects_dir"])])
    assert result.exit_code == 1, result.output
    assert "file not found" in result.output and "succeeded" in result.output
    assert _calls(where).index.tolist() == ["G1"]


# -- the shipped sample exports load as before, without new warnings ----------------------


def test_sample_exports_load_without_warnings(tmp_path, where):
    from workbench.sample.generate import generate_call_centre

    generate_call_centre(tmp_path / "sample", days=1, seed=11, transcript_calls=0)
    exports = tmp_path / "sample" / "exports"
    for file, profile in [("acd_calls_zh_gb18030.csv", "sample_acd_zh"), ("acd_calls.csv", "sample_acd")]:
        row = ingest_files([exports / file], profile, **where).iloc[0]
        assert row.status == "succeeded" and pd.isna(row.warning), (file, row.warning)
        assert row.physical_lines == row.rows_read + row.blank_lines + row.continuation_lines
    assert read_export(exports / "acd_calls_zh_gb18030.csv").warnings == []


@pytest.mark.parametrize("line_end", ["\n", "\r\n"])
def test_an_extra_empty_trailing_field_is_a_field_count_problem_on_every_path(tmp_path, line_end):
    # DuckDB's strict mode lets "2,13800002222,b," pass under a three-column header.
    import duckdb

    from workbench.ingest import reading

    path = tmp_path / "calls.csv"
    path.write_text(line_end.join(["id,caller,queue", "1,13800001111,a", "2,13800002222,b,", "3,13800003333,"]) + line_end)
    careful = read_export(path, "utf-8")
    connection = duckdb.connect()
    table = reading.load_raw(path, connection)
    problems = dict(connection.execute(f"SELECT line_number, problem FROM {table.name} WHERE problem IS NOT NULL").fetchall())
    assert problems == {3: "field_count: expected 3 fields, found 4"} == careful.problems
    # A last field that is simply empty is fine.
    assert connection.execute(f'SELECT "c2" FROM {table.name} WHERE line_number = 4').fetchone() == (None,)
