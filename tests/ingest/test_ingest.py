"""Ingestion: profiles, encodings, reject reasons, idempotent atomic batches."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from workbench.errors import InputDataError, ParameterError
from workbench.ingest import IngestProfile, ingest_file, ingest_files, load_profile, read_export, to_canonical
from workbench.pseudonyms import current_key, pseudonym
from workbench.store import Store

HEADER = "Call ID,Skill,Line,ANI,DNIS,Call Start,Call End,Queue Time,Ring Time,Talk Time,Hold Time,Wrap Time,Disposition,Agent ID,Transfer To"
GOOD = "C1,EN_SALES,English,1,2,2026/01/05 09:00:00,2026/01/05 09:05:00,0:00:10,0:00:05,0:04:00,0:00:00,0:00:30,ANSWERED,A1,"

# Deliberately messy rows: each breaks exactly one rule (the comment names the reason).
MESSY = [
    GOOD,
    GOOD.replace("C1,", "C2,").replace("0:04:00", "-0:04:00"),  # negative_duration
    GOOD.replace("C1,", "C3,").replace("09:05:00", "08:55:00"),  # end_before_start
    GOOD.replace("C1,", "C4,").replace("ANSWERED", "CALLBACK"),  # unknown_outcome
    GOOD.replace("C1,", ",", 1),  # missing_value (Call ID)
    GOOD,  # duplicate_in_file
    GOOD.replace("C1,", "C5,").replace("2026/01/05 09:00:00", "05.01.2026 9h"),  # bad_timestamp
    GOOD.replace("C1,", "C6,").replace("0:00:10", "ten"),  # bad_number
    GOOD.replace("C1,", "C7,").replace("EN_SALES", "EN_MYSTERY"),  # unknown_value
    GOOD.replace("C1,", "C8,") + ",extra",  # field_count
]
EXPECTED_CODES = [
    None, "negative_duration", "end_before_start", "unknown_outcome", "missing_value",
    "duplicate_in_file", "bad_timestamp", "bad_number", "unknown_value", "field_count",
]


@pytest.fixture(scope="module")
def sample(generated_centre_seed3) -> Path:
    return generated_centre_seed3  # read only


@pytest.fixture
def where(tmp_path) -> dict:
    return {"store_path": tmp_path / "w.duckdb", "rejects_dir": tmp_path / "rejects"}


def _write(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def _rejects(summary: pd.DataFrame, row: int = 0) -> pd.DataFrame:
    return pd.read_csv(summary.loc[row, "rejects_file"], dtype=str, encoding="utf-8-sig")


# -- profiles ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["sample_acd", "sample_acd_zh", "sample_surveys"])
def test_shipped_profiles_validate(name):
    profile = load_profile(name)
    assert profile.name == name
    assert profile.table in ("calls", "surveys")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"colums": {}}, "colums"),
        ({"encoding": "ebcdic"}, "encoding"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"outcomes": {"ANSWERED": "picked_up"}}, "outcomes.ANSWERED"),
        ({"columns": {"call_id": "Call ID", "shoe_size": "Shoe"}}, "columns"),
        ({"name": "../../x"}, "name"),  # a name is part of the rejects file's path
        ({"name": "/tmp/x"}, "name"),
        ({"name": "a..b"}, "name"),
        ({"pseudonymise": ["talk_seconds"]}, "pseudonymise"),  # not a text column
        ({"pseudonymise": ["queue_id"]}, "pseudonymise"),  # a value map would show the exported value
    ],
)
def test_bad_profile_names_file_and_field(tmp_path, change, field):
    import yaml

    values = load_profile("sample_acd").model_dump(exclude={"name"})
    values.update(change)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(values, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ParameterError) as info:
        load_profile(path)
    assert info.value.file == str(path)
    assert info.value.field == field


# -- reading ----------------------------------------------------------------


def test_utf8_bom_and_gb18030_headers_are_read(tmp_path):
    bom = tmp_path / "bom.csv"
    bom.write_bytes("\ufeff".encode() + f"{HEADER}\n{GOOD}\n".encode())
    assert read_export(bom).frame.columns[0] == "Call ID"
    gbk = _write(tmp_path / "zh.csv", ["通话编号,技能组", "C1,账务"], "gb18030")
    raw = read_export(gbk)
    assert raw.encoding == "gb18030"
    assert list(raw.frame.columns) == ["通话编号", "技能组"]
    assert raw.frame.iloc[0, 1] == "账务"


def test_undecodable_file_names_the_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"a,b\n1,2\n3,\xff\xff\n")
    with pytest.raises(InputDataError) as info:
        read_export(path, "utf-8")
    assert info.value.row == 3 and info.value.file == str(path)


def test_excel_and_parquet_are_read_as_strings(tmp_path):
    frame = pd.DataFrame({"Call ID": ["C1", "C2"], "Queue Time": [10, None]})
    frame.to_excel(tmp_path / "x.xlsx", index=False)
    frame.to_parquet(tmp_path / "x.parquet")
    for name in ("x.xlsx", "x.parquet"):
        raw = read_export(tmp_path / name).frame
        assert raw["Call ID"].tolist() == ["C1", "C2"]
        assert raw.index.tolist() == [2, 3]
        assert raw["Queue Time"].iloc[1] is None


# -- validation -------------------------------------------------------------


def test_each_reject_reason_names_its_field(tmp_path, where):
    path = _write(tmp_path / "messy.csv", [HEADER, *MESSY])
    summary = ingest_files([path], "sample_acd", **where)
    assert summary.loc[0, ["rows_read", "rows_loaded", "rows_rejected", "rows_duplicate"]].tolist() == [10, 1, 9, 0]
    rejects = _rejects(summary).set_index("line_number")
    for offset, code in enumerate(EXPECTED_CODES):
        line = str(offset + 2)
        if code is None:
            assert line not in rejects.index
        else:
            assert rejects.loc[line, "reject_reason"].startswith(code), (line, rejects.loc[line, "reject_reason"])
    assert "Talk Time" in rejects.loc["3", "reject_reason"]
    assert "already on line 2" in rejects.loc["7", "reject_reason"]
    with Store(where["store_path"], read_only=True) as store:
        calls = store.read_table("calls")
    assert calls["call_id"].tolist() == ["C1"]
    assert calls.loc[0, "queue_id"] == "sales_en" and calls.loc[0, "talk_seconds"] == 240


def test_to_canonical_does_not_mutate_and_types_columns():
    raw = pd.DataFrame({"Survey ID": ["S1", "S2"], "Call ID": ["C1", "C2"], "Survey Time": ["2026/01/05 08:00:00", None],
                        "CSAT": ["5", "0"], "Comment": [None, "ok"]}, index=pd.Index([2, 3], name="line_number"))
    before = raw.copy()
    out, reasons = to_canonical(raw, load_profile("sample_surveys"))
    pd.testing.assert_frame_equal(raw, before)
    assert out["csat"].tolist() == [5, 0]
    assert out["surveyed_at"].iloc[0] == pd.Timestamp("2026-01-05 08:00:00")
    assert reasons.tolist() == [[], ["out_of_range: CSAT '0' outside 1..5"]]


def test_offset_timestamps_become_local_time():
    profile = IngestProfile(table="surveys", columns={"survey_id": "id", "call_id": "call", "csat": "c", "surveyed_at": "t"},
                            timestamp_format="%Y-%m-%dT%H:%M:%S%z", timezone="Asia/Shanghai")
    raw = pd.DataFrame({"id": ["S1"], "call": ["C1"], "c": ["4"], "t": ["2026-01-05T01:00:00+0000"]})
    out, _ = to_canonical(raw, profile)
    assert out["surveyed_at"].iloc[0] == pd.Timestamp("2026-01-05 09:00:00")


def test_missing_header_raises_and_other_files_continue(tmp_path, where):
    bad = _write(tmp_path / "bad.csv", [HEADER.replace("Disposition", "Result"), GOOD])
    good = _write(tmp_path / "good.csv", [HEADER, GOOD])
    with pytest.raises(InputDataError) as info:
        ingest_file(bad, "sample_acd", **where)
    assert (info.value.file, info.value.row, info.value.field) == (str(bad), 1, "Disposition")
    summary = ingest_files([bad, good], "sample_acd", **where)
    assert summary["status"].tolist() == ["failed", "succeeded"]
    assert "Disposition" in summary.loc[0, "error"]
    assert summary.loc[1, "rows_loaded"] == 1


# -- generated sample ---------------------------------------------------------


def test_rejected_rows_are_exactly_the_export_defects(sample, where):
    summary = ingest_files([sample / "exports" / "acd_calls.csv"], "sample_acd", **where)
    defects = pd.read_csv(sample / "truth" / "export_defects.csv", dtype=str)
    expected = defects.loc[defects["file"] == "exports/acd_calls.csv"]
    rejects = _rejects(summary)
    assert sorted(rejects["line_number"].astype(int)) == sorted(expected["line_number"].astype(int))
    reasons = dict(zip(rejects["line_number"], rejects["reject_reason"]))
    for line, column in zip(expected["line_number"], expected["column"].fillna("")):
        assert column in reasons[line]
    row = summary.iloc[0]
    assert row.rows_read == row.rows_loaded + row.rows_rejected + row.rows_duplicate
    truth = pd.read_csv(sample / "truth" / "calls.csv", usecols=["call_id"])
    assert row.rows_loaded == len(truth) - len(expected) + (expected["defect_type"] == "exact_duplicate").sum()


def test_gb18030_chinese_export_loads_and_overlap_counts_as_duplicates(sample, where):
    zh = sample / "exports" / "acd_calls_zh_gb18030.csv"
    alone = ingest_files([zh], "sample_acd_zh", store_path=where["store_path"].with_name("zh.duckdb"),
                         rejects_dir=where["rejects_dir"]).iloc[0]
    assert alone.status == "succeeded" and alone.rows_loaded > 1000
    with Store(where["store_path"].with_name("zh.duckdb"), read_only=True) as store:
        counts = store.query("SELECT language, count(*) AS n FROM calls GROUP BY language")
        queues = set(store.query("SELECT DISTINCT queue_id FROM calls")["queue_id"])
    assert counts["language"].tolist() == ["zh"]
    assert queues == {"billing_zh", "tech_support_zh", "complaints_zh", "sales_zh"}

    ingest_files([sample / "exports" / "acd_calls.csv"], "sample_acd", **where)
    both = ingest_files([zh], "sample_acd_zh", **where).iloc[0]
    assert both.rows_duplicate > 1000
    assert both.rows_read == both.rows_loaded + both.rows_rejected + both.rows_duplicate


def test_rerun_adds_nothing(sample, where):
    files = [sample / "exports" / "acd_calls.csv"]
    first = ingest_files(files, "sample_acd", **where)
    with Store(where["store_path"]) as store:
        before = store.table_counts()
    second = ingest_files(files, "sample_acd", **where)
    with Store(where["store_path"]) as store:
        assert store.table_counts() == before
        assert before["batches"] == 1
    assert second.loc[0, "status"] == "skipped"
    assert second.loc[0, "batch_id"] == first.loc[0, "batch_id"]
    assert second.loc[0, "rows_loaded"] == 0


def _expected_defects(sample: Path, file: str) -> pd.DataFrame:
    defects = pd.read_csv(sample / "truth" / "export_defects.csv", dtype=str)
    return defects.loc[defects["file"] == f"exports/{file}"]


def test_surveys_reject_exactly_their_defects_once_calls_are_loaded(sample, where):
    ingest_files([sample / "exports" / "acd_calls.csv"], "sample_acd", **where)
    summary = ingest_files([sample / "exports" / "surveys.csv"], "sample_surveys", **where)
    expected = _expected_defects(sample, "surveys.csv")
    rejects = _rejects(summary)
    assert sorted(rejects["line_number"].astype(int)) == sorted(expected["line_number"].astype(int))
    codes = {"csat_out_of_range": "out_of_range", "unknown_call_id": "unknown_call_id"}
    reasons = dict(zip(rejects["line_number"], rejects["reject_reason"]))
    for line, kind in zip(expected["line_number"], expected["defect_type"]):
        assert reasons[line].startswith(codes[kind])
    assert summary.loc[0, "rows_loaded"] == summary.loc[0, "rows_read"] - len(expected)


def test_gb18030_export_rejects_exactly_its_defects(sample, where):
    summary = ingest_files([sample / "exports" / "acd_calls_zh_gb18030.csv"], "sample_acd_zh", **where)
    expected = _expected_defects(sample, "acd_calls_zh_gb18030.csv")
    assert sorted(_rejects(summary)["line_number"].astype(int)) == sorted(expected["line_number"].astype(int))


def test_failed_store_write_leaves_store_unchanged(sample, where, monkeypatch):
    with Store(where["store_path"]) as store:
        before = store.table_counts()

    def boom(self, frames, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Store, "write_batch", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        ingest_files([sample / "exports" / "acd_calls.csv"], "sample_acd", **where)
    monkeypatch.undo()
    with Store(where["store_path"]) as store:
        assert store.table_counts() == before
    # Nothing recorded the batch as done, so the next run loads it.
    assert ingest_files([sample / "exports" / "acd_calls.csv"], "sample_acd", **where).loc[0, "status"] == "succeeded"


def test_readme_example_profile_validates():
    import re

    import yaml

    from workbench import paths

    text = (paths.parameters_dir() / "ingest" / "README.md").read_text(encoding="utf-8")
    blocks = [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", text, re.S)]
    whole = [block for block in blocks if "table" in block]
    profile = IngestProfile.model_validate(whole[0])
    assert profile.table == "calls"
    # A fragment (e.g. a dimensions block) must be valid inside the whole example.
    for fragment in blocks:
        if "table" not in fragment:
            IngestProfile.model_validate({**whole[0], **fragment})


def test_caller_numbers_are_pseudonymised_and_withheld_numbers_become_null(tmp_path):
    import pandas as pd

    from workbench.ingest import load_profile, to_canonical

    profile = load_profile("sample_acd")
    header = "Call ID,Skill,Line,ANI,DNIS,Call Start,Call End,Queue Time,Ring Time,Talk Time,Hold Time,Wrap Time,Disposition,Agent ID,Transfer To"
    rows = [
        "C1,ZH_BILLING,ZH,13800138000,95555,2026/01/05 09:00:00,2026/01/05 09:05:00,0:00:10,0:00:02,0:04:00,0:00:00,0:00:30,ANSWERED,A1,",
        "C2,ZH_BILLING,ZH,13800138000,95555,2026/01/06 09:00:00,2026/01/06 09:05:00,0:00:10,0:00:02,0:04:00,0:00:00,0:00:30,ANSWERED,A1,",
        "C3,ZH_BILLING,ZH,anonymous,95555,2026/01/06 10:00:00,2026/01/06 10:05:00,0:00:10,0:00:02,0:04:00,0:00:00,0:00:30,ANSWERED,A1,",
    ]
    raw = pd.read_csv(pd.io.common.StringIO("\n".join([header] + rows)), dtype=str)
    canonical, reasons = to_canonical(raw, profile)
    customers = canonical["customer_id"].tolist()
    assert customers[0] == customers[1] and customers[0].startswith(current_key().prefix)
    assert "13800138000" not in customers[0]
    assert pd.isna(customers[2])


def test_plain_csv_fast_reader_matches_the_careful_reader(tmp_path):
    import workbench.ingest.reading as reading

    path = tmp_path / "plain.csv"
    path.write_text("Call ID,Skill, Note \nC1,ZH_BILLING,  \nC2,EN_SALES,x\n", encoding="utf-8")
    fast = reading.read_export(path)
    text, _ = reading.decode(path.read_bytes(), "auto", path)
    assert reading._read_simple_csv(text, ",") is not None
    original = reading._read_simple_csv
    try:
        reading._read_simple_csv = lambda *args: None
        careful = reading.read_export(path)
    finally:
        reading._read_simple_csv = original
    assert fast.frame.equals(careful.frame)
    assert list(fast.frame.index) == [2, 3]
    assert fast.frame.loc[2, "Note"] is None


# -- failed batches -------------------------------------------------------------


def test_failed_file_is_recorded_and_a_fixed_profile_still_loads(tmp_path, where):
    path = _write(tmp_path / "acd.csv", [HEADER, GOOD])
    values = load_profile("sample_acd").model_dump()
    broken = IngestProfile.model_validate({**values, "name": "acd_fix",
                                           "columns": {**values["columns"], "outcome": "Result"}})
    first = ingest_files([path], broken, **where)
    again = ingest_files([path], broken, **where)
    assert first.loc[0, "status"] == again.loc[0, "status"] == "failed"  # a failed row is not "already loaded"
    with Store(where["store_path"], read_only=True) as store:
        batches = store.query("SELECT batch_id, status, rows_loaded FROM batches")
    assert batches.to_dict("records") == [{"batch_id": first.loc[0, "batch_id"], "status": "failed", "rows_loaded": 0}]
    # same file, same profile name, mapping fixed: same batch id, now loaded
    fixed = ingest_files([path], IngestProfile.model_validate({**values, "name": "acd_fix"}), **where)
    assert fixed.loc[0, "status"] == "succeeded" and fixed.loc[0, "batch_id"] == first.loc[0, "batch_id"]
    with Store(where["store_path"], read_only=True) as store:
        assert store.query("SELECT status FROM batches")["status"].tolist() == ["succeeded"]
        assert store.table_counts()["calls"] == 1


def test_undecodable_file_fails_with_its_line_and_is_recorded(tmp_path, where):
    path = tmp_path / "bad.csv"
    path.write_bytes((HEADER + "\n" + GOOD + "\n").encode() + GOOD.replace("C1,", "C9,").encode() + b"\xff\n")
    profile = IngestProfile.model_validate({**load_profile("sample_acd").model_dump(), "encoding": "utf-8"})
    summary = ingest_files([path], profile, **where)
    assert summary.loc[0, "status"] == "failed" and "row 3" in summary.loc[0, "error"]
    with Store(where["store_path"], read_only=True) as store:
        assert store.query("SELECT status FROM batches")["status"].tolist() == ["failed"]
        assert store.table_counts()["calls"] == 0


# -- the DuckDB reader ------------------------------------------------------------


@pytest.fixture
def no_careful_reader(monkeypatch):
    """Fail if the export goes through the pandas reader instead of DuckDB's."""
    import workbench.ingest.reading as reading

    def refuse(*args, **kwargs):
        raise AssertionError("the careful reader was used")

    monkeypatch.setattr(reading, "read_export", refuse)


def test_fast_path_line_numbers_are_exact_with_bom_and_crlf(tmp_path, where, no_careful_reader):
    rows = [GOOD.replace("C1,", f"C{n},") for n in range(2, 12)]
    rows[3] = rows[3].replace("ANSWERED", "CALLBACK")  # line 5
    rows[8] = rows[8].replace("0:04:00", "four")  # line 10
    path = tmp_path / "bom_crlf.csv"
    path.write_bytes(b"\xef\xbb\xbf" + ("\r\n".join([HEADER, *rows]) + "\r\n").encode())
    summary = ingest_files([path], "sample_acd", **where)
    rejects = _rejects(summary)
    assert rejects["line_number"].tolist() == ["5", "10"]
    assert rejects["Call ID"].tolist() == ["C5", "C10"]  # the original values, from the same line
    assert rejects["reject_reason"].tolist() == [
        "unknown_outcome: Disposition 'CALLBACK' not in the profile's outcomes",
        "bad_number: Talk Time 'four' is not H:MM:SS",
    ]
    assert list(rejects.columns) == ["line_number", *HEADER.split(","), "reject_reason"]
    with Store(where["store_path"], read_only=True) as store:
        assert store.table_counts()["calls"] == 8


def test_line_numbers_stay_in_file_order_across_row_groups(tmp_path):
    import duckdb

    from workbench.ingest.reading import load_raw

    path = tmp_path / "many.csv"
    count = 300_000  # several DuckDB row groups (122,880 rows each), read in parallel
    path.write_text("line,pad\n" + "".join(f"{n},x{n % 7}\n" for n in range(2, count + 2)), encoding="utf-8")
    connection = duckdb.connect()
    raw = load_raw(path, connection)
    wrong, rows = connection.execute(
        f"SELECT count(*) FILTER (WHERE line_number <> CAST({raw.column('line')} AS BIGINT)), count(*) FROM {raw.name}"
    ).fetchone()
    assert (wrong, rows) == (0, count)
    assert raw.records == count  # a lazy view over the file: the DuckDB path


def test_whitespace_cells_are_empty(tmp_path, where, no_careful_reader):
    rows = [
        GOOD.replace(",A1,", ",  ,"),  # blank Agent ID: stored as NULL
        GOOD.replace("C1,", " \u3000,", 1),  # blank Call ID: missing_value
        GOOD.replace("C1,", " C2 ,").replace(",A1,", ",\tA2 ,"),  # padded values are stripped
    ]
    summary = ingest_files([_write(tmp_path / "blank.csv", [HEADER, *rows])], "sample_acd", **where)
    assert _rejects(summary)["reject_reason"].tolist() == ["missing_value: Call ID is empty (required for call_id)"]
    with Store(where["store_path"], read_only=True) as store:
        calls = store.read_table("calls").set_index("call_id")
    assert calls.loc["C1", "agent_id"] is None
    assert calls.loc["C2", "agent_id"] == "A2" and calls.loc["C2", "source_call_id"] == "C2"


def test_gb18030_file_goes_through_duckdb_with_exact_lines(tmp_path, where, no_careful_reader):
    header = "通话编号,技能组,主叫号码,坐席工号,开始时间,结束时间,排队时长(秒),通话时长(秒),保持时长(秒),话后处理时长(秒),处理结果,转接技能组"
    good = "Z1,账务,13800138000,A1,2026-01-05 09:00:00,2026-01-05 09:05:00,10,240,0,30,已接听,"
    rows = [good, good.replace("Z1,", "Z2,").replace("已接听", "回拨"), good.replace("Z1,", "Z3,").replace(",账务,", ",投诉,")]
    path = tmp_path / "zh.csv"
    path.write_bytes(("\r\n".join([header, *rows]) + "\r\n").encode("gb18030"))
    summary = ingest_files([path], "sample_acd_zh", **where)
    rejects = _rejects(summary)
    assert rejects["line_number"].tolist() == ["3"]
    assert rejects["reject_reason"][0] == "unknown_outcome: 处理结果 '回拨' not in the profile's outcomes"
    assert rejects["技能组"][0] == "账务"
    with Store(where["store_path"], read_only=True) as store:
        calls = store.read_table("calls").set_index("call_id")
    assert calls["queue_id"].to_dict() == {"Z1": "billing_zh", "Z3": "complaints_zh"}
    assert calls.loc["Z1", "customer_id"] == pseudonym("13800138000")


def test_sql_pseudonym_matches_the_python_definition():
    import hashlib
    import hmac

    profile = load_profile("sample_acd")
    values = ["13800138000", " 13800138000 ", "未知号码x", "+86 10 1234", "a\\x41'\"b", "x" * 200]
    raw = pd.DataFrame([GOOD.split(",") for _ in values], columns=HEADER.split(","))
    raw["ANI"] = values
    raw["Call ID"] = [f"C{n}" for n in range(len(values))]
    canonical, _ = to_canonical(raw, profile)
    assert canonical["customer_id"].tolist() == [pseudonym(v) for v in values]
    # the definition: HMAC-SHA256 of the stripped value under the key's text, after the key's prefix
    import os

    key = os.environ["WORKBENCH_PSEUDONYM_KEY"].encode()
    expected = hmac.new(key, "13800138000".encode(), hashlib.sha256).hexdigest()[:16]
    assert pseudonym(" 13800138000 ") == current_key().prefix + expected


def test_blank_line_keeps_later_line_numbers(tmp_path, where):
    # DuckDB skips blank lines; the row count check sends such a file to the careful reader.
    rows = [GOOD, "", GOOD.replace("C1,", "C2,").replace("ANSWERED", "CALLBACK")]
    summary = ingest_files([_write(tmp_path / "gap.csv", [HEADER, *rows])], "sample_acd", **where)
    assert summary.loc[0, ["rows_read", "rows_loaded", "rows_rejected"]].tolist() == [2, 1, 1]
    assert _rejects(summary)["line_number"].tolist() == ["4"]


def test_fast_path_duplicates_and_already_stored_rows_keep_their_values(tmp_path, where, no_careful_reader):
    first = _write(tmp_path / "a.csv", [HEADER, GOOD])
    ingest_files([first], "sample_acd", **where)
    rows = [GOOD.replace("C1,", "C2,"), GOOD.replace("C1,", "C3,"), GOOD.replace("C1,", "C2,").replace(",A1,", ",A9,"), GOOD]
    summary = ingest_files([_write(tmp_path / "b.csv", [HEADER, *rows])], "sample_acd", **where)
    assert summary.loc[0, ["rows_read", "rows_loaded", "rows_rejected", "rows_duplicate"]].tolist() == [4, 2, 1, 1]
    rejects = _rejects(summary)
    assert rejects["line_number"].tolist() == ["4", "5"]
    # values of the repeated line itself; a row already loaded is named by its line and id only
    assert rejects["Agent ID"].tolist()[0] == "A9" and pd.isna(rejects["Agent ID"][1])
    assert rejects["Call ID"].tolist() == ["C2", "C1"]
    assert rejects["reject_reason"].tolist() == [
        "duplicate_in_file: Call ID 'C2' already on line 2",
        "already_in_store: Call ID already loaded by an earlier batch",
    ]


def test_parquet_export_is_checked_by_the_same_query(tmp_path, where):
    frame = pd.DataFrame([GOOD.split(","), GOOD.replace("C1,", "C2,").replace("ANSWERED", "CALLBACK").split(",")],
                         columns=HEADER.split(","))
    frame.to_parquet(tmp_path / "calls.parquet")
    summary = ingest_files([tmp_path / "calls.parquet"], "sample_acd", **where)
    assert summary.loc[0, ["rows_read", "rows_loaded", "rows_rejected"]].tolist() == [2, 1, 1]
    assert _rejects(summary)["line_number"].tolist() == ["3"]


def test_rows_and_batches_row_land_together(tmp_path, where, monkeypatch):
    from workbench.errors import StoreError

    path = _write(tmp_path / "acd.csv", [HEADER, GOOD, GOOD.replace("C1,", "C2,")])

    def fail_after_the_rows(connection, name, frame):
        raise RuntimeError(f"cannot write {name}")  # the calls rows are already inserted by now

    monkeypatch.setattr(Store, "_upsert", staticmethod(fail_after_the_rows))
    with pytest.raises(StoreError, match="store unchanged"):
        ingest_files([path], "sample_acd", **where)
    monkeypatch.undo()
    with Store(where["store_path"], read_only=True) as store:
        assert store.table_counts()["calls"] == 0 and store.table_counts()["batches"] == 0
    assert ingest_files([path], "sample_acd", **where).loc[0, "rows_loaded"] == 2


def test_agent_states_profile_loads_and_rejects_a_period_ending_before_it_starts(tmp_path):
    export = tmp_path / "agent_states.csv"
    export.write_text(
        "Agent ID,State,State Start,State End\n"
        "A1,READY,2026/01/05 08:00:00,2026/01/05 12:00:00\n"
        "A1,BREAK,2026/01/05 12:00:00,2026/01/05 12:30:00\n"
        "A2,READY,2026/01/05 09:00:00,2026/01/05 08:00:00\n"
        "A3,LUNCH,2026/01/05 09:00:00,2026/01/05 10:00:00\n",
        encoding="utf-8",
    )
    summary = ingest_files([export], "sample_agent_states", store_path=tmp_path / "w.duckdb", rejects_dir=tmp_path / "r")
    row = summary.iloc[0]
    assert (row["rows_read"], row["rows_loaded"], row["rows_rejected"]) == (4, 2, 2)
    rejects = pd.read_csv(row["rejects_file"], encoding="utf-8-sig").set_index("line_number")["reject_reason"]
    assert rejects[4].startswith("end_before_start: State End")
    assert rejects[5].startswith("unknown_value: State 'LUNCH'")
    with Store(tmp_path / "w.duckdb", read_only=True) as store:
        states = store.read_table("agent_states").sort_values("started_at")
    assert states["state"].tolist() == ["available", "not_ready"]
    assert states["state_id"].tolist() == ["A1-2026/01/05 08:00:00", "A1-2026/01/05 12:00:00"]


# -- personal data and hostile cells in rejects files ------------------------------


def test_rejects_carry_pseudonyms_never_the_exported_caller_numbers(tmp_path, where):
    ingest_files([_write(tmp_path / "a.csv", [HEADER, GOOD.replace(",1,2,", ",13900000001,2,")])], "sample_acd", **where)
    rows = [
        GOOD.replace("C1,", "C2,").replace(",1,2,", ",13900000002,2,").replace("ANSWERED", "CALLBACK"),  # line 2
        GOOD.replace("C1,", "C3,").replace(",1,2,", ",anonymous,2,").replace("ANSWERED", "CALLBACK"),  # withheld
        GOOD.replace("C1,", "C4,").replace(",1,2,", ",13900000004,2,"),  # loads
        GOOD.replace("C1,", "C4,").replace(",1,2,", ",13900000005,2,"),  # duplicate_in_file only: looked up
        GOOD.replace(",1,2,", ",13900000001,2,"),  # already loaded: line and id only
    ]
    summary = ingest_files([_write(tmp_path / "b.csv", [HEADER, *rows])], "sample_acd", **where)
    text = Path(summary.loc[0, "rejects_file"]).read_text(encoding="utf-8-sig")
    assert "139000000" not in text and "anonymous" not in text
    rejects = _rejects(summary).set_index("line_number")
    assert rejects.loc["2", "ANI"] == pseudonym("13900000002")
    assert pd.isna(rejects.loc["3", "ANI"])  # a withheld number is empty, as in the store
    assert rejects.loc["5", "ANI"] == pseudonym("13900000005")
    assert rejects.loc["6", ["Call ID", "reject_reason"]].tolist() == [
        "C1", "already_in_store: Call ID already loaded by an earlier batch"]
    assert rejects.loc["6"].drop(["Call ID", "reject_reason"]).isna().all()


def test_rejects_of_a_misaligned_record_hold_no_caller_number(tmp_path, where):
    # one field too many before the caller number shifts it into the DNIS column
    shifted = GOOD.replace("C1,", "C2,").replace(",1,2,", ",x,13900000009,2,") + "z"
    summary = ingest_files([_write(tmp_path / "s.csv", [HEADER, GOOD, shifted])], "sample_acd", **where)
    text = Path(summary.loc[0, "rejects_file"]).read_text(encoding="utf-8-sig")
    assert "13900000009" not in text
    rejects = _rejects(summary)
    assert rejects["line_number"].tolist() == ["3"] and rejects["reject_reason"][0].startswith("field_count")


def test_rejects_neutralise_cells_a_spreadsheet_would_run(tmp_path, where):
    hostile = "=cmd|' /C calc'!A0"
    rows = [GOOD.replace("ANSWERED", "@SUM(1+1)").replace(",A1,", ",+A1,"),
            GOOD.replace("C1,", "C2,").replace("0:04:00", "-0:04:00").replace(",A1,", f",{hostile},")]
    summary = ingest_files([_write(tmp_path / "f.csv", [HEADER, *rows])], "sample_acd", **where)
    rejects = _rejects(summary).set_index("line_number")
    assert rejects.loc["2", "Disposition"] == "'@SUM(1+1)" and rejects.loc["2", "Agent ID"] == "'+A1"
    assert rejects.loc["3", "Agent ID"] == "'" + hostile and rejects.loc["3", "Talk Time"] == "'-0:04:00"
    assert rejects.loc["2", "Line"] == "English"


def test_rejects_path_never_leaves_its_folder(tmp_path):
    from workbench.ingest.load import rejects_path

    assert rejects_path(tmp_path, "sample_acd-0123") == (tmp_path / "sample_acd-0123.csv").resolve()
    for batch_id in ("../../x", "/tmp/x", "a/../../x"):
        with pytest.raises(ParameterError):
            rejects_path(tmp_path, batch_id)


def test_profile_named_outside_the_rejects_folder_is_refused_naming_the_file(tmp_path):
    import yaml

    values = {**load_profile("sample_acd").model_dump(), "name": "../../escaped"}
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(values, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ParameterError) as info:
        load_profile(path)
    assert info.value.file == str(path) and info.value.field == "name"
    assert "../../escaped" in str(info.value)


def test_pseudonyms_of_another_key_are_not_mixed_into_a_store(tmp_path, where, monkeypatch):
    from workbench.errors import StoreError

    ingest_files([_write(tmp_path / "a.csv", [HEADER, GOOD])], "sample_acd", **where)
    monkeypatch.setenv("WORKBENCH_PSEUDONYM_KEY", "a-different-key-0123456789abcdef0123456789")
    with pytest.raises(StoreError, match="another key"):
        ingest_files([_write(tmp_path / "b.csv", [HEADER, GOOD.replace("C1,", "C2,")])], "sample_acd", **where)
    with Store(where["store_path"], read_only=True) as store:
        assert store.table_counts()["calls"] == 1
    monkeypatch.undo()  # the first key again: loads
    assert ingest_files([tmp_path / "b.csv"], "sample_acd", **where).loc[0, "status"] == "succeeded"
    # a store loaded under the earlier unkeyed scheme ('h' + 16 hex digits of SHA-256) is refused too
    with Store(where["store_path"]) as store:
        store.connection.execute("UPDATE calls SET customer_id = 'h0123456789abcdef' WHERE call_id = 'C1'")
    with pytest.raises(StoreError, match="1 calls.customer_id"):
        ingest_files([_write(tmp_path / "c.csv", [HEADER, GOOD.replace("C1,", "C3,")])], "sample_acd", **where)


# -- optional measures ------------------------------------------------------------

# Abandoned calls of a public export: no agent, no wait, no talk, hold or wrap time.
ABANDONED_NO_MEASURES = [
    GOOD,
    "C2,EN_SALES,English,3,2,2026/01/05 09:01:00,2026/01/05 09:02:00,,,,,,ABANDON,,",
    "C3,EN_SALES,English,4,2,2026/01/05 09:03:00,,,,,,,ABANDON,,",
    "C4,EN_SALES,English,5,2,2026/01/05 09:04:00,2026/01/05 09:09:00,,0:00:05,0:04:00,,,ANSWERED,A2,",
]


def test_calls_without_wait_or_talk_load_with_unknown_measures(tmp_path, where):
    path = _write(tmp_path / "public.csv", [HEADER, *ABANDONED_NO_MEASURES])
    summary = ingest_files([path], "sample_acd", **where).iloc[0]
    assert (summary.rows_read, summary.rows_loaded, summary.rows_rejected) == (4, 4, 0)
    with Store(where["store_path"], read_only=True) as store:
        calls = store.read_table("calls").set_index("call_id")
    measures = ["wait_seconds", "talk_seconds", "hold_seconds", "wrap_seconds"]
    assert calls.loc["C1", measures].tolist() == [10.0, 240.0, 0.0, 30.0]
    assert calls.loc[["C2", "C3"], measures].isna().all().all()  # unknown, not 0
    assert pd.isna(calls.loc["C4", "wait_seconds"]) and calls.loc["C4", "talk_seconds"] == 240.0
    assert calls["outcome"].tolist() == ["answered", "abandoned", "abandoned", "answered"]


def test_profile_need_not_map_the_wait(tmp_path, where):
    values = load_profile("sample_acd").model_dump()
    columns = {k: v for k, v in values["columns"].items() if k != "wait_seconds"}
    durations = {k: v for k, v in values["durations"].items() if k != "wait_seconds"}
    profile = IngestProfile.model_validate({**values, "name": "acd_no_wait", "columns": columns,
                                            "durations": durations})
    header = HEADER.replace(",Queue Time", "")
    rows = [line.replace(",0:00:10,", ",", 1) for line in ABANDONED_NO_MEASURES[:1]]
    rows += [",".join(line.split(",")[:7] + line.split(",")[8:]) for line in ABANDONED_NO_MEASURES[1:]]
    summary = ingest_files([_write(tmp_path / "no_wait.csv", [header, *rows])], profile, **where).iloc[0]
    assert (summary.rows_loaded, summary.rows_rejected) == (4, 0)
    with Store(where["store_path"], read_only=True) as store:
        calls = store.read_table("calls")
    assert calls["wait_seconds"].isna().all() and calls["talk_seconds"].notna().sum() == 2
