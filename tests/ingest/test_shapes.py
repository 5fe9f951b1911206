"""File shapes beyond plain CSV (issue 16): JSON Lines and JSON arrays of nested contact records,
legacy .xls and sheet choice, ';'-separated files with decimal commas, UTF-16 in both byte orders.

Every row of every shape is accounted for: loaded, or rejected with a reason naming the line or
record and the field; a re-run of the same file is skipped; a file that cannot be read leaves the
store's tables unchanged.
"""

from __future__ import annotations

import datetime as dt
import json
import struct
from pathlib import Path

import pandas as pd
import pytest

from workbench.errors import InputDataError
from workbench.ingest import IngestProfile, ingest_file, read_export
from workbench.store import Store

NESTED_COLUMNS = {
    "call_id": "ContactId", "queue_id": "Queue.Name", "agent_id": "Agent.Id", "arrived_at": "InitiationTimestamp",
    "wait_seconds": "Queue.Duration", "talk_seconds": "Agent.AgentInteractionDuration", "outcome": "Outcome",
}


def _nested_profile(**changes) -> IngestProfile:
    values = {
        "name": "cloud_contacts", "table": "calls", "columns": NESTED_COLUMNS,
        "timestamp_format": "%Y-%m-%dT%H:%M:%S", "outcomes": {"ANSWERED": "answered", "ABANDONED": "abandoned"},
        "dimensions": {"channel": {"column": "Attributes.channel"}, "tags": {"column": "Tags"}},
    }
    values.update(changes)
    return IngestProfile.model_validate(values)


def _contact(contact_id: str, wait: object = 12.5, agent: dict | None = None, **more) -> dict:
    record = {
        "ContactId": contact_id, "InitiationTimestamp": "2026-01-05T09:00:00", "Outcome": "ANSWERED",
        "Queue": {"Name": "billing", "Duration": wait},
        "Agent": agent if agent is not None else {"Id": "A1", "AgentInteractionDuration": 200},
        "Attributes": {"channel": "voice"}, "Tags": ["vip", "callback"],
    }
    record.update(more)
    return record


@pytest.fixture
def where(tmp_path) -> dict:
    return {"store_path": tmp_path / "w.duckdb", "rejects_dir": tmp_path / "rejects"}


def _calls(where: dict) -> pd.DataFrame:
    with Store(where["store_path"], read_only=True) as store:
        return store.query("SELECT * FROM calls ORDER BY call_id").set_index("call_id")


def _counts(where: dict) -> dict:
    with Store(where["store_path"], read_only=True) as store:
        return store.table_counts()


def _rejects(summary: dict, label: str = "line_number") -> pd.DataFrame:
    return pd.read_csv(summary["rejects_file"], dtype=str, encoding="utf-8-sig").set_index(label)


# -- JSON Lines ------------------------------------------------------------------------------


def test_json_lines_nested_contacts_load_and_a_malformed_line_is_a_reject_naming_it(tmp_path, where):
    lines = [
        json.dumps(_contact("c1")),
        json.dumps(_contact("c2", wait=3, Tags=[])),
        "",
        '{"ContactId": "c3", "Queue": {"Name": "billing"',  # cut short
        "[1, 2]",
        json.dumps(_contact("c4", wait="soon")),
        json.dumps(_contact("c5", agent={}, Outcome="ABANDONED")),
    ]
    path = tmp_path / "contacts.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = ingest_file(path, _nested_profile(), **where)
    assert (summary["rows_read"], summary["rows_loaded"], summary["rows_rejected"]) == (6, 3, 3)
    assert (summary["physical_lines"], summary["blank_lines"], summary["continuation_lines"]) == (7, 1, 0)
    calls = _calls(where)
    assert calls.loc["c1", ["queue_id", "agent_id", "wait_seconds", "talk_seconds"]].tolist() == \
        ["billing", "A1", 12.5, 200.0]
    assert calls.loc["c1", "dim_channel"] == "voice"
    assert calls.loc["c1", "dim_tags"] == '["vip","callback"]'  # an array stays whole, as JSON text
    assert pd.isna(calls.loc["c2", "dim_tags"])  # an empty array is an empty cell
    assert pd.isna(calls.loc["c5", "agent_id"]) and calls.loc["c5", "outcome"] == "abandoned"
    rejects = _rejects(summary)
    assert sorted(rejects.index.astype(int)) == [4, 5, 6]
    assert rejects.loc["4", "reject_reason"].startswith("bad_json: line 4 is not valid JSON")
    assert rejects.loc["5", "reject_reason"].startswith("not_a_record: line 5 holds an array")
    assert "Queue.Duration" in rejects.loc["6", "reject_reason"]
    # Idempotent: the same file again is skipped and changes nothing.
    before = _counts(where)
    assert ingest_file(path, _nested_profile(), **where)["status"] == "skipped"
    assert _counts(where) == before


def test_objects_run_together_on_one_line_are_named(tmp_path):
    path = tmp_path / "contacts.jsonl"
    path.write_text(json.dumps(_contact("c1")) + json.dumps(_contact("c2")) + "\n" + json.dumps(_contact("c3")) + "\n",
                    encoding="utf-8")
    raw = read_export(path)
    assert list(raw.problems) == [1] and "more than one JSON value on the line" in raw.problems[1]
    assert raw.frame.loc[2, "ContactId"] == "c3"


def test_a_json_array_file_under_a_jsonl_name_is_named_as_such(tmp_path):
    path = tmp_path / "contacts.jsonl"
    path.write_text(json.dumps([_contact("c1"), _contact("c2")], indent=2), encoding="utf-8")
    with pytest.raises(InputDataError, match="one JSON array, not JSON Lines: set format: json"):
        read_export(path)


# -- JSON documents --------------------------------------------------------------------------


def test_json_document_records_at_record_path_are_numbered_by_position_in_rejects(tmp_path, where):
    document = {"meta": {"exported": "2026-01-06"},
                "data": {"contacts": [_contact("c1"), _contact("c2", wait="-"), "c3", _contact("c4")]}}
    path = tmp_path / "contacts.json"
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")
    profile = _nested_profile(record_path="data.contacts")
    summary = ingest_file(path, profile, **where)
    assert (summary["rows_read"], summary["rows_loaded"], summary["rows_rejected"]) == (4, 2, 2)
    assert sorted(_calls(where).index) == ["c1", "c4"]
    rejects = _rejects(summary, "record_number")
    assert sorted(rejects.index.astype(int)) == [2, 3]
    assert "Queue.Duration" in rejects.loc["2", "reject_reason"]
    assert rejects.loc["3", "reject_reason"].startswith("not_a_record: record 3 holds a string")
    before = _counts(where)
    assert ingest_file(path, profile, **where)["status"] == "skipped"
    assert _counts(where) == before


def test_json_numbers_keep_their_text_and_a_key_written_twice_is_ambiguous(tmp_path):
    path = tmp_path / "contacts.json"
    path.write_text('[{"id": "a", "wait": 12.50, "big": 12345678901234567890, "ok": true},'
                    ' {"id": "b", "Agent.Id": "x", "Agent": {"Id": "y"}}]', encoding="utf-8")
    raw = read_export(path)
    assert raw.frame.loc[1, ["wait", "big", "ok"]].tolist() == ["12.50", "12345678901234567890", "true"]
    assert raw.row_label == "record_number"
    assert raw.problems == {2: "ambiguous_field: Agent.Id is written twice (a key with a dot and a nested key)"}


@pytest.mark.parametrize(("text", "record_path", "message", "row"), [
    ('[{"id": "a"},\n {"id": "b",}]', None, r"not a JSON document: .* at line 2 column \d+", 2),
    ('{"id": "a"}\n{"id": "b"}\n', None, "looks like JSON Lines", 2),
    ('{"data": {"contacts": [{"id": "a"}]}}', None, "set record_path .* found at: data.contacts", 1),
    ('{"data": {"contacts": [{"id": "a"}]}}', "data.calls", "'data' has no 'calls' \\(its keys: contacts\\)", None),
    ("", None, "empty file", 1),
])
def test_a_json_document_that_cannot_be_read_fails_naming_file_and_position(tmp_path, where, text, record_path,
                                                                          message, row):
    path = tmp_path / "contacts.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputDataError, match=message) as caught:
        ingest_file(path, _nested_profile(record_path=record_path), **where)
    assert caught.value.file == str(path) and caught.value.row == row
    counts = _counts(where)
    assert counts["calls"] == 0  # only a 'failed' batches row records the attempt


def test_a_field_absent_from_every_record_is_a_missing_header(tmp_path, where):
    path = tmp_path / "contacts.jsonl"
    record = _contact("c1")
    del record["Attributes"]
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    with pytest.raises(InputDataError, match="header 'Attributes.channel'"):
        ingest_file(path, _nested_profile(), **where)


def test_a_parent_null_in_every_record_leaves_its_fields_empty(tmp_path, where):
    # An hour in which no contact reached an agent: "Agent": null everywhere, so no Agent.* field at all.
    path = tmp_path / "contacts.jsonl"
    records = [_contact(f"c{i}", Outcome="ABANDONED") for i in (1, 2)]
    for record in records:
        record["Agent"] = None
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    summary = ingest_file(path, _nested_profile(), **where)
    assert (summary["rows_loaded"], summary["rows_rejected"]) == (2, 0)
    calls = _calls(where)
    assert calls["agent_id"].isna().all() and calls["talk_seconds"].isna().all()
    # A misspelt path under a parent that has fields still fails the file.
    misspelt = _nested_profile(name="misspelt", columns={**NESTED_COLUMNS, "queue_id": "Queue.Nmae"})
    with pytest.raises(InputDataError, match="header 'Queue.Nmae'"):
        ingest_file(path, misspelt, **where)


# -- ';'-separated with decimal commas, and UTF-16 ---------------------------------------------

EUROPEAN = ["Anruf;Warteschlange;Beginn;Wartezeit;Ergebnis;Agent;Anteil",
            "e1;Rechnung;2026-01-05 09:00:00;12,5;ok;A1;1.234,5",
            "e2;Rechnung;2026-01-05 09:01:00;3;ok;A2;0,5",
            "e3;Rechnung;2026-01-05 09:02:00;zwölf;ok;A2;1"]


def _european_profile(**changes) -> IngestProfile:
    values = {
        "name": "european", "table": "calls", "separator": ";", "decimal_separator": ",",
        "columns": {"call_id": "Anruf", "queue_id": "Warteschlange", "arrived_at": "Beginn",
                    "wait_seconds": "Wartezeit", "outcome": "Ergebnis", "agent_id": "Agent"},
        "outcomes": {"ok": "answered"}, "dimensions": {"share": {"column": "Anteil", "type": "number"}},
    }
    values.update(changes)
    return IngestProfile.model_validate(values)


def _check_european(summary: dict, where: dict) -> None:
    assert (summary["rows_read"], summary["rows_loaded"], summary["rows_rejected"]) == (3, 2, 1)
    calls = _calls(where)
    assert calls.loc["e1", "wait_seconds"] == 12.5 and calls.loc["e2", "wait_seconds"] == 3.0
    assert calls.loc["e1", "dim_share"] == 1234.5 and calls.loc["e2", "dim_share"] == 0.5
    assert "Wartezeit" in _rejects(summary).loc["4", "reject_reason"]


def test_semicolon_separated_file_with_decimal_commas_loads(tmp_path, where):
    path = tmp_path / "anrufe.csv"
    path.write_text("\n".join(EUROPEAN) + "\n", encoding="cp1252")
    summary = ingest_file(path, _european_profile(encoding="cp1252"), **where)
    _check_european(summary, where)
    assert ingest_file(path, _european_profile(encoding="cp1252"), **where)["status"] == "skipped"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("bom", [True, False])
@pytest.mark.parametrize("separator", ["\t", ";"])
def test_utf16_exports_load_end_to_end(tmp_path, where, codec, bom, separator):
    lines = [line.replace(";", separator) for line in EUROPEAN]
    lines[1] = lines[1].replace("Rechnung", "账单")  # Chinese text survives the round trip
    text = "\r\n".join(lines) + "\r\n"
    mark = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}[codec] if bom else b""
    path = tmp_path / "calls.txt"
    path.write_bytes(mark + text.encode(codec))
    encoding = "auto" if bom else codec
    summary = ingest_file(path, _european_profile(separator=separator, encoding=encoding), **where)
    _check_european(summary, where)
    assert _calls(where).loc["e1", "queue_id"] == "账单"


def test_utf16_without_a_byte_order_mark_needs_the_byte_order_declared(tmp_path, where):
    path = tmp_path / "calls.txt"
    path.write_bytes(("\r\n".join(EUROPEAN) + "\r\n").encode("utf-16-le"))
    with pytest.raises(InputDataError, match="set encoding: utf-16-le"):
        ingest_file(path, _european_profile(), **where)
    assert _counts(where)["calls"] == 0

# -- Excel: legacy .xls and sheet choice ---------------------------------------------------



def _record(kind: int, body: bytes) -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def _unicode(text: str, length_bytes: int) -> bytes:
    encoded = text.encode("utf-16-le")
    return struct.pack("<H" if length_bytes == 2 else "<B", len(text)) + b"\x01" + encoded


def _write_xls(path: Path, sheets: dict[str, list[list]]) -> Path:
    """A legacy Excel 97-2003 (BIFF8) workbook: text cells as LABEL records, numbers and dates as NUMBER records.

    Written by hand (no .xls writer is in the lock): an OLE2 compound file with one
    ``Workbook`` stream, padded past 4096 bytes so it lives in regular sectors.
    """
    bof_globals = _record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 6))
    xf = _record(0x00E0, struct.pack("<HHHBBBBIIH", 0, 0, 0xFFF5, 0x20, 0, 0, 0, 0, 0, 0x20C0))
    globals_rest = [_record(0x0042, struct.pack("<H", 1200))] + [xf] * 16 + [
        _record(0x00E0, struct.pack("<HHHBBBBIIH", 0, 0, 0x0001, 0x20, 0, 0, 0, 0, 0, 0x20C0)),
        _record(0x00E0, struct.pack("<HHHBBBBIIH", 0, 22, 0x0001, 0x20, 0, 0, 0, 0, 0, 0x20C0))]  # 17: a date
    sheet_streams = []
    for rows in sheets.values():
        cells = b""
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, dt.datetime):  # a date cell: the day serial number, date format
                    serial = (value - dt.datetime(1899, 12, 30)).total_seconds() / 86400
                    cells += _record(0x0203, struct.pack("<HHHd", r, c, 17, serial))
                elif isinstance(value, (int, float)):
                    cells += _record(0x0203, struct.pack("<HHHd", r, c, 16, float(value)))
                else:
                    cells += _record(0x0204, struct.pack("<HHH", r, c, 16) + _unicode(str(value), 2))
        sheet_streams.append(_record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0x0DBB, 0x07CC, 0, 6))
                             + cells + _record(0x000A, b""))
    names = list(sheets)
    bound_len = sum(4 + 6 + len(_unicode(n, 1)) for n in names)
    offset = len(bof_globals) + sum(len(r) for r in globals_rest) + bound_len + 4
    boundsheets = b""
    for name, stream in zip(names, sheet_streams):
        boundsheets += _record(0x0085, struct.pack("<IBB", offset, 0, 0) + _unicode(name, 1))
        offset += len(stream)
    workbook = bof_globals + b"".join(globals_rest) + boundsheets + _record(0x000A, b"") + b"".join(sheet_streams)
    size = len(workbook)
    stream = workbook.ljust(max(4096, -(-size // 512) * 512), b"\x00")
    sectors = len(stream) // 512
    assert sectors + 2 <= 128
    fat = [0xFFFFFFFD, 0xFFFFFFFE] + [2 + i + 1 for i in range(sectors - 1)] + [0xFFFFFFFE]
    fat += [0xFFFFFFFF] * (128 - len(fat))
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + b"\x00" * 6 + struct.pack("<IIIIIIII", 0, 1, 1, 0, 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE)
              + struct.pack("<I", 0) + struct.pack("<I", 0) + struct.pack("<108I", *[0xFFFFFFFF] * 108))
    # no DIFAT sectors; the first of the header's 109 DIFAT entries names the one FAT sector (sector 0)

    def entry(name: str, kind: int, child: int, start: int, length: int) -> bytes:
        encoded = (name + "\x00").encode("utf-16-le") if name else b""
        return (encoded.ljust(64, b"\x00") + struct.pack("<HBB", len(encoded), kind, 1)
                + struct.pack("<III", 0xFFFFFFFF, 0xFFFFFFFF, child) + b"\x00" * 16 + b"\x00" * 4 + b"\x00" * 16
                + struct.pack("<III", start, length, 0))

    directory = (entry("Root Entry", 5, 1, 0xFFFFFFFE, 0) + entry("Workbook", 2, 0xFFFFFFFF, 2, len(stream))
                 + entry("", 0, 0xFFFFFFFF, 0, 0) * 2)
    path.write_bytes(header + struct.pack("<128I", *fat) + directory + stream)
    return path


XLS_ROWS = [["Call ID", "Skill", "Start", "Wait", "Result", "Agent"],
            ["x1", "账单", "2026-01-05 09:00:00", 12, "ok", "A1"],
            ["x2", "billing", dt.datetime(2026, 1, 5, 9, 1, 37), 7.25, "ok", "A2"],
            ["x3", "billing", "2026-01-05 09:02:00", "n/a", "ok", "A2"]]


def _xls_profile(**changes) -> IngestProfile:
    values = {
        "name": "legacy_xls", "table": "calls", "outcomes": {"ok": "answered"},
        "columns": {"call_id": "Call ID", "queue_id": "Skill", "arrived_at": "Start", "wait_seconds": "Wait",
                    "outcome": "Result", "agent_id": "Agent"},
    }
    values.update(changes)
    return IngestProfile.model_validate(values)


@pytest.mark.parametrize("sheet", ["通话", 1])
def test_legacy_xls_sheet_loads_every_row_accounted_for(tmp_path, where, sheet):
    path = _write_xls(tmp_path / "calls.xls", {"Summary": [["total"], [3]], "通话": XLS_ROWS})
    summary = ingest_file(path, _xls_profile(sheet=sheet), **where)
    assert (summary["rows_read"], summary["rows_loaded"], summary["rows_rejected"]) == (3, 2, 1)
    calls = _calls(where)
    assert calls.loc["x1", "queue_id"] == "账单"
    assert calls.loc[["x1", "x2"], "wait_seconds"].tolist() == [12.0, 7.25]
    assert calls.loc["x2", "arrived_at"] == pd.Timestamp("2026-01-05 09:01:37")  # a date cell
    assert "Wait" in _rejects(summary).loc["4", "reject_reason"]  # sheet row 4: header is row 1
    assert ingest_file(path, _xls_profile(sheet=sheet), **where)["status"] == "skipped"


def test_xls_numbers_read_as_the_sheet_shows_them(tmp_path):
    path = _write_xls(tmp_path / "calls.xls", {"calls": XLS_ROWS})
    raw = read_export(path)
    assert raw.frame["Wait"].tolist() == ["12", "7.25", "n/a"]  # a whole number is not "12.0"
    assert raw.frame.loc[3, "Start"] == "2026-01-05 09:01:37"  # a date cell reads as a timestamp text
    assert raw.frame.index.tolist() == [2, 3, 4]


@pytest.mark.parametrize(("sheet", "message"), [("Calls", r"sheet 'Calls' not found; the sheets are \['Summary', '通话'\]"),
                                                 (5, r"sheet 5 not found: the workbook has 2 sheet\(s\)")])
def test_a_missing_sheet_is_named_with_the_sheets_there(tmp_path, where, sheet, message):
    path = _write_xls(tmp_path / "calls.xls", {"Summary": [["total"]], "通话": XLS_ROWS})
    with pytest.raises(InputDataError, match=message):
        ingest_file(path, _xls_profile(sheet=sheet), **where)
    assert _counts(where)["calls"] == 0


def test_xlsx_sheet_by_name(tmp_path, where):
    path = tmp_path / "calls.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        pd.DataFrame([["total", 3]]).to_excel(writer, sheet_name="Summary", index=False, header=False)
        pd.DataFrame(XLS_ROWS[1:], columns=XLS_ROWS[0]).to_excel(writer, sheet_name="Detail", index=False)
    summary = ingest_file(path, _xls_profile(sheet="Detail"), **where)
    assert (summary["rows_loaded"], summary["rows_rejected"]) == (2, 1)


@pytest.mark.parametrize(("content", "found"), [(b"<html><table><tr><td>Call ID</td></tr></table></html>", "an HTML"),
                                                (b"Call ID\tSkill\nx1\tbilling\n", "a text file")])
def test_an_xls_that_is_not_a_workbook_is_named(tmp_path, content, found):
    path = tmp_path / "calls.xls"
    path.write_bytes(content)
    with pytest.raises(InputDataError, match=f"not an .xls workbook: the file is {found}"):
        read_export(path)


def test_a_legacy_workbook_under_a_csv_name_says_how_to_read_it(tmp_path):
    source = _write_xls(tmp_path / "calls.xls", {"calls": XLS_ROWS})
    path = tmp_path / "calls.csv"
    path.write_bytes(source.read_bytes())
    with pytest.raises(InputDataError, match="set format: xls"):
        read_export(path)
    assert read_export(path, format="xls").frame["Call ID"].tolist() == ["x1", "x2", "x3"]
