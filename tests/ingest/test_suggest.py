"""Profile suggestion: a draft profile from an export loads it as a hand-written one does."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from workbench import paths
from workbench.cli import app
from workbench.ingest import ingest_files
from workbench.ingest.profiles import load_profile
from workbench.ingest.suggest import normalise_header, suggest_profile
from workbench.kpis import compute_kpis
from workbench.store import Store

SHIPPED = paths.root_dir() / "parameters" / "ingest"
BANK = Path("/work/shared/datasets/anonymous_bank_feb1999/data_anonymous_bank_february.txt")


@pytest.fixture
def hidden_profiles(tmp_path, monkeypatch) -> Path:
    """An empty parameters folder: the shipped profiles cannot be found by name while suggesting."""
    folder = tmp_path / "no-parameters"
    (folder / "ingest").mkdir(parents=True)
    monkeypatch.setenv("WORKBENCH_PARAMETERS_DIR", str(folder))
    return folder


def suggested(export: Path, out: Path, table: str | None = None) -> tuple[Path, dict, list[str]]:
    """Suggest a profile for ``export``, save it as ``out`` (a .yaml file); path, its values and the notes."""
    text, notes = suggest_profile(export, table)
    out.write_text(text, encoding="utf-8")
    load_profile(out)  # loads as written, comments and all
    return out, yaml.safe_load(text), notes


def load(export: Path, profile, store: Path) -> dict:
    summary = ingest_files([export], profile, store_path=store, rejects_dir=store.parent / "rejects")
    row = summary.iloc[0]
    assert row["status"] == "succeeded", row.to_dict()
    return {k: int(row[k]) for k in ("rows_read", "rows_loaded", "rows_rejected", "rows_duplicate")}


def kpis(store: Path, by=()) -> pd.DataFrame:
    with Store(store, read_only=True) as opened:
        return compute_kpis(opened, by=list(by))


def assert_same_kpis(ours: pd.DataFrame, theirs: pd.DataFrame) -> None:
    """Equal KPIs, over the columns the shipped profile computes (not all null)."""
    shared = [c for c in theirs.columns if theirs[c].notna().any() and "marked" not in c and "resolved" not in c]
    assert len(shared) > 10
    pd.testing.assert_frame_equal(ours[shared], theirs[shared])


def rejected_lines(store: Path) -> list[int]:
    lines: list[int] = []
    for path in sorted((store.parent / "rejects").glob("*.csv")):
        lines += pd.read_csv(path)["line_number"].tolist()
    return sorted(lines)


@pytest.mark.parametrize("export, shipped", [("acd_calls.csv", "sample_acd"),
                                             ("acd_calls_zh_gb18030.csv", "sample_acd_zh")])
def test_suggested_call_profile_loads_the_sample_export_like_the_shipped_one(
        generated_centre, tmp_path, hidden_profiles, export, shipped):
    path = generated_centre / "exports" / export
    profile, values, notes = suggested(path, tmp_path / "suggested.yaml")
    assert values["table"] == "calls" and notes[0].startswith("table: calls")
    shipped_profile = load_profile(SHIPPED / f"{shipped}.yaml")
    # Headers, formats, outcome codes, caller placeholders and pseudonyms as the hand-written profile has them.
    for canonical, header in shipped_profile.columns.items():
        assert values["columns"][canonical] == header, canonical
    assert values["timestamp_format"] == shipped_profile.timestamp_format
    assert values["durations"] == shipped_profile.durations
    assert values["outcomes"] == shipped_profile.outcomes
    assert values["pseudonymise"] == ["customer_id"]
    assert set(values["missing_values"]["customer_id"]) <= set(shipped_profile.missing_values["customer_id"])

    ours, theirs = tmp_path / "suggested" / "warehouse.duckdb", tmp_path / "shipped" / "warehouse.duckdb"
    ours.parent.mkdir()
    theirs.parent.mkdir()
    assert load(path, profile, ours) == load(path, shipped_profile, theirs)
    assert rejected_lines(ours) == rejected_lines(theirs) != []  # the sample's messy rows, the same ones
    # The queue codes stay as exported (renaming ZH_BILLING to billing_zh is the user's choice): compare
    # the overall KPIs, and per queue once the shipped profile's renaming is applied to ours.
    # KPIs on a column only the suggestion maps (an agent-marked resolved flag the shipped profile
    # leaves out) are compared where the shipped profile computes them.
    assert_same_kpis(kpis(ours), kpis(theirs))
    by_queue = kpis(ours, ["queue"])
    by_queue["queue_id"] = by_queue["queue_id"].map(shipped_profile.value_maps["queue_id"])
    assert_same_kpis(by_queue.sort_values("queue_id").reset_index(drop=True),
                     kpis(theirs, ["queue"]).sort_values("queue_id").reset_index(drop=True))
    # Columns no canonical column names (DNIS, ring time) are proposed as dimensions or named in the notes.
    unmapped = {"DNIS", "Ring Time"} if export == "acd_calls.csv" else {"被叫号码", "振铃时长(秒)"}
    proposed = {d["column"] for d in values.get("dimensions", {}).values()}
    assert all(h in proposed or any(f"'{h}'" in n for n in notes) for h in unmapped)


def test_suggested_survey_and_agent_state_profiles_load_like_the_shipped_ones(generated_centre, tmp_path,
                                                                             hidden_profiles):
    exports = generated_centre / "exports"
    for side in ("suggested", "shipped"):
        (tmp_path / side).mkdir()
        load(exports / "acd_calls.csv", SHIPPED / "sample_acd.yaml", tmp_path / side / "warehouse.duckdb")
    surveys, values, notes = suggested(exports / "surveys.csv", tmp_path / "suggested_surveys.yaml")
    assert values["table"] == "surveys" and values["require_known_calls"] is True
    assert values["columns"]["csat"] == "CSAT" and "satisfaction score" in notes[0]
    states, state_values, _ = suggested(exports / "agent_states.csv", tmp_path / "suggested_states.yaml")
    assert state_values["table"] == "agent_states"
    assert state_values["value_maps"]["state"] == {"READY": "available", "BREAK": "not_ready"}
    ours, theirs = tmp_path / "suggested" / "warehouse.duckdb", tmp_path / "shipped" / "warehouse.duckdb"
    for export, profile, shipped in (("surveys.csv", surveys, "sample_surveys"),
                                     ("agent_states.csv", states, "sample_agent_states")):
        assert load(exports / export, profile, ours) == load(exports / export, SHIPPED / f"{shipped}.yaml", theirs)
    assert_same_kpis(kpis(ours), kpis(theirs))  # csat and response rate included
    with Store(ours, read_only=True) as a, Store(theirs, read_only=True) as b:
        query = "SELECT * EXCLUDE (batch_id) FROM {} ORDER BY 1"
        for name in ("surveys", "agent_states"):
            theirs = b.query(query.format(name))
            shared = [c for c in theirs.columns if theirs[c].notna().any()]  # what the shipped profile maps
            pd.testing.assert_frame_equal(a.query(query.format(name))[shared], theirs[shared])


@pytest.mark.parametrize("export, shipped", [("acd_calls.csv", "sample_acd_full"),
                                             ("acd_calls_zh_gb18030.csv", "sample_acd_zh_full"),
                                             ("interval_report.csv", "sample_interval_report"),
                                             ("agents.csv", "sample_agents")])
def test_suggested_profiles_of_the_richer_sample_exports_load_the_same_rows(generated_centre, tmp_path, export,
                                                                           shipped, monkeypatch):
    shipped_file, path = SHIPPED / f"{shipped}.yaml", generated_centre / "exports" / export
    if not shipped_file.exists() or not path.exists():
        pytest.skip(f"{shipped} or {export} not part of this sample")
    monkeypatch.setenv("WORKBENCH_PARAMETERS_DIR", str(tmp_path / "hidden"))
    shipped_profile = load_profile(shipped_file)
    profile, values, notes = suggested(path, tmp_path / "suggested.yaml")
    assert values["table"] == shipped_profile.table, notes[0]
    for canonical, header in shipped_profile.columns.items():
        assert values["columns"].get(canonical) == header, canonical
    ours, theirs = tmp_path / "suggested" / "warehouse.duckdb", tmp_path / "shipped" / "warehouse.duckdb"
    ours.parent.mkdir()
    theirs.parent.mkdir()
    assert load(path, profile, ours) == load(path, shipped_profile, theirs)
    assert rejected_lines(ours) == rejected_lines(theirs)
    table = shipped_profile.table
    with Store(ours, read_only=True) as a, Store(theirs, read_only=True) as b:
        query = f"SELECT * EXCLUDE (batch_id) FROM {table}"
        mine, theirs_rows = a.query(query), b.query(query)
    # Code renamings (queue ids, dimension values) are the user's choice: apply the shipped ones to ours.
    for column, mapping in shipped_profile.value_maps.items():
        mine[column] = mine[column].map(lambda v, m=mapping: m.get(v, v))
    shared = [c for c in theirs_rows.columns if theirs_rows[c].notna().any() and c in mine.columns
              and not c.startswith("dim_") and c not in shipped_profile.constants]  # constants: the user's too
    key = [c for c in ("call_id", "agent_id", "queue_id", "interval_start") if c in shared][:2]
    pd.testing.assert_frame_equal(mine[shared].sort_values(key).reset_index(drop=True),
                                  theirs_rows[shared].sort_values(key).reset_index(drop=True), check_dtype=False)


CHINESE_CALLS = [
    "流水号,来电时间,技能组,来电号码,坐席工号,排队时长,通话时长,挂机原因,是否解决,区域,客户等级,订单金额",
    "Z001,2026年01月05日 08:00:06,账务,13800000001,8001,12,305,接通,是,华北,金卡,1234.5",
    "Z002,2026年01月05日 08:01:10,账务,匿名,,95,,放弃,,华东,普卡,12",
    "Z003,2026年01月05日 08:02:00,投诉,13800000003,8002,3,188,接通,否,华北,普卡,0.5",
    "Z004,2026年01月05日 08:03:30,投诉,13800000004,,40,,未接,,华南,金卡,7.25",
    "Z005,2026年01月05日 08:04:45,账务,13800000001,8001,0,42,接通,是,华北,金卡,100",
]


def test_a_chinese_gb18030_export_gets_its_headers_codes_formats_and_dimensions(tmp_path, hidden_profiles):
    export = tmp_path / "来电明细.csv"
    export.write_bytes("\r\n".join(CHINESE_CALLS).encode("gb18030") + b"\r\n")
    profile, values, notes = suggested(export, tmp_path / "zh_calls.yaml")
    assert values["table"] == "calls"
    assert values["columns"] == {"call_id": "流水号", "queue_id": "技能组", "customer_id": "来电号码",
                                 "agent_id": "坐席工号", "arrived_at": "来电时间", "wait_seconds": "排队时长",
                                 "talk_seconds": "通话时长", "outcome": "挂机原因", "resolved": "是否解决"}
    assert values["timestamp_format"] == "%Y年%m月%d日 %H:%M:%S"
    assert values["outcomes"] == {"接通": "answered", "放弃": "abandoned", "未接": "abandoned"}
    assert values["durations"] == {"wait_seconds": "seconds", "talk_seconds": "seconds"}
    assert values["missing_values"] == {"customer_id": ["匿名"]}
    assert values["pseudonymise"] == ["customer_id"]
    dimensions = {d["column"]: d for d in values["dimensions"].values()}
    assert dimensions["区域"].get("type", "category") == "category"
    assert dimensions["订单金额"]["type"] == "number"
    assert "gb18030" in (tmp_path / "zh_calls.yaml").read_text(encoding="utf-8")  # what the reader detected

    store = tmp_path / "warehouse.duckdb"
    assert load(export, profile, store)["rows_loaded"] == 5
    with Store(store, read_only=True) as opened:
        calls = opened.query("SELECT * FROM calls ORDER BY call_id")
        dims = opened.dimension_columns("calls")
    assert calls["outcome"].tolist() == ["answered", "abandoned", "answered", "abandoned", "answered"]
    assert calls["wait_seconds"].tolist() == [12, 95, 3, 40, 0]
    assert calls["resolved"].tolist()[:1] == [True] and calls["customer_id"].isna().sum() == 1
    assert str(calls["arrived_at"].iloc[0]) == "2026-01-05 08:00:06"
    number = next(f"dim_{n}" for n, d in values["dimensions"].items() if d["column"] == "订单金额")
    assert number in dims


def test_a_chinese_survey_export_with_satisfaction_in_words(tmp_path, hidden_profiles):
    calls = tmp_path / "calls.csv"
    calls.write_bytes("\n".join(CHINESE_CALLS).encode("gb18030"))
    surveys = tmp_path / "回访.csv"
    surveys.write_bytes("回访编号,流水号,回访时间,满意度,意见\n"
                        "V1,Z001,2026-01-05 09:00:00,非常满意,很好\n"
                        "V2,Z003,2026-01-05 09:10:00,不满意,等太久\n"
                        "V3,Z005,2026-01-05 09:20:00,一般,\n"
                        "V4,Z999,2026-01-05 09:30:00,满意,\n".encode("gb18030"))
    call_profile, _, _ = suggested(calls, tmp_path / "zh_calls.yaml")
    profile, values, notes = suggested(surveys, tmp_path / "zh_surveys.yaml")
    assert values["table"] == "surveys" and "满意度" in notes[0]
    assert values["columns"] == {"survey_id": "回访编号", "call_id": "流水号", "surveyed_at": "回访时间",
                                 "csat": "满意度", "comment": "意见"}
    assert values["value_maps"]["csat"] == {"非常满意": "5", "不满意": "2", "一般": "3", "满意": "4"}
    store = tmp_path / "warehouse.duckdb"
    load(calls, call_profile, store)
    counts = load(surveys, profile, store)
    assert (counts["rows_loaded"], counts["rows_rejected"]) == (3, 1)  # V4 is about a call not in the store
    with Store(store, read_only=True) as opened:
        assert opened.query("SELECT csat FROM surveys ORDER BY survey_id")["csat"].tolist() == [5, 2, 3]


@pytest.mark.parametrize("shape", ["xlsx", "utf16_tabs"])
def test_the_same_calls_as_a_workbook_or_utf16_tab_separated_text(tmp_path, hidden_profiles, shape):
    import io

    frame = pd.read_csv(io.StringIO("\n".join(CHINESE_CALLS)), dtype=str)
    if shape == "xlsx":
        export = tmp_path / "calls.xlsx"
        frame.to_excel(export, index=False)
    else:
        export = tmp_path / "calls.txt"
        export.write_bytes(frame.to_csv(sep="\t", index=False).encode("utf-16"))
    profile, values, notes = suggested(export, tmp_path / f"{shape}.yaml")
    assert values["columns"]["outcome"] == "挂机原因" and values["timestamp_format"] == "%Y年%m月%d日 %H:%M:%S"
    assert values.get("separator", ",") == ("\t" if shape == "utf16_tabs" else ",")
    assert load(export, profile, tmp_path / "warehouse.duckdb")["rows_loaded"] == 5


def test_decimal_comma_semicolons_and_an_interval_report_shape_propose_interval_stats(tmp_path, hidden_profiles):
    report = tmp_path / "daily_report.csv"
    report.write_text(
        "Date;Skill;Calls Offered;Calls Answered;Abandoned;SL %;ASA;AHT\n"
        "2026-01-05;Billing;1200;1100;100;81,5%;0:00:18;0:05:02\n"
        "2026-01-05;Sales;300;290;10;92,0%;0:00:07;0:04:10\n"
        "2026-01-06;Billing;1150;1080;70;84,1%;0:00:15;0:05:11\n"
        "2026-01-06;Sales;320;300;20;90,2%;0:00:09;0:04:00\n",
        encoding="utf-8",
    )
    profile, values, notes = suggested(report, tmp_path / "daily.yaml")
    assert values["table"] == "interval_stats"
    assert "interval report" in notes[0] and "no call id" in notes[0]
    assert values["separator"] == ";" and values["decimal_separator"] == ","
    assert values["constants"]["interval_minutes"] == "1440"
    assert values["durations"] == {"asa_seconds": "hms", "aht_seconds": "hms"}
    assert values["columns"]["service_level"] == "SL %"
    assert any("target_answer_seconds" in n for n in notes)
    store = tmp_path / "warehouse.duckdb"
    assert load(report, profile, store)["rows_loaded"] == 4
    with Store(store, read_only=True) as opened:
        stats = opened.query("SELECT * FROM interval_stats ORDER BY interval_start, queue_id")
    assert stats["service_level"].round(3).tolist() == [0.815, 0.92, 0.841, 0.902]
    assert stats["asa_seconds"].tolist()[:2] == [18, 7] and set(stats["interval_minutes"]) == {1440}


def test_a_half_hour_interval_report_with_clock_times_and_a_date_column(tmp_path, hidden_profiles):
    rows = ["日期,时段,技能组,呼入量,接通量,放弃量,平均应答速度"]
    rows += [f"2026/01/05,{h:02d}:{m:02d},账务,{10 + h},{9 + h},1,{h + 3}" for h in range(8, 11) for m in (0, 30)]
    report = tmp_path / "interval.csv"
    report.write_bytes("\n".join(rows).encode("gb18030"))
    profile, values, notes = suggested(report, tmp_path / "interval.yaml")
    assert values["table"] == "interval_stats"
    assert values["date_column"] == "日期" and values["timestamp_format"] == "%Y/%m/%d %H:%M"
    assert values["columns"]["interval_start"] == "时段"
    assert values["constants"]["interval_minutes"] == "30"
    assert load(report, profile, tmp_path / "warehouse.duckdb")["rows_loaded"] == 6


def test_a_table_can_be_forced_and_what_cannot_be_decided_is_said(tmp_path, hidden_profiles):
    export = tmp_path / "odd.csv"
    export.write_text("Ticket,Start Time,Skill,Result,Region\nT1,05/01/2026 08:00,billing,DONE,North\n"
                      "T2,06/01/2026 09:00,billing,LOST,South\n", encoding="utf-8")
    text, notes = suggest_profile(export, "calls")
    values = yaml.safe_load(text)
    joined = "\n".join(notes)
    assert "day/month order is ambiguous" in joined  # 05/01 and 06/01 parse both ways
    assert "DONE" in joined and "LOST" in joined  # result codes nobody can map without asking
    assert "required column call_id not found" in joined
    assert "# NOTE: " in text and "CHECK" in text
    assert values["dimensions"]["region"] == {"column": "Region"}
    with pytest.raises(ValueError, match="not one of"):
        suggest_profile(export, "batches")


def test_header_normalising():
    assert normalise_header("排队时长（秒）") == "排队时长"
    assert normalise_header(" Agent_ID ") == "agentid"


@pytest.mark.skipif(not BANK.exists(), reason="Anonymous Bank export not present (../shared)")
def test_the_anonymous_bank_export_gets_a_usable_draft(tmp_path, hidden_profiles):
    profile, values, notes = suggested(BANK, tmp_path / "bank.yaml")
    shipped = load_profile(SHIPPED / "anonymous_bank.yaml")
    assert values["separator"] == "\t" and values["date_column"] == "date"
    assert values["timestamp_format"] == shipped.timestamp_format
    assert values["id_columns"] == shipped.id_columns
    assert values["outcomes"] == shipped.outcomes
    assert values["null_times"] == shipped.null_times
    assert values["missing_values"] == shipped.missing_values
    for canonical, header in shipped.columns.items():
        assert values["columns"][canonical] == header, canonical
    assert any("cleaning.queue_entry_column: q_start" in n for n in notes)
    counts = load(BANK, profile, tmp_path / "warehouse.duckdb")
    assert counts["rows_read"] == 33_344 and counts["rows_loaded"] == 33_344 and counts["rows_rejected"] == 0


def test_cli_profile_suggest_writes_or_prints_the_draft(generated_centre, tmp_path, hidden_profiles):
    runner = CliRunner()
    export = generated_centre / "exports" / "surveys.csv"
    out = tmp_path / "drafts" / "surveys_draft.yaml"
    result = runner.invoke(app, ["profile", "suggest", str(export), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert load_profile(out).table == "surveys" and "table: surveys" in result.stderr
    printed = runner.invoke(app, ["profile", "suggest", str(export), "--table", "calls"])
    assert printed.exit_code == 0 and yaml.safe_load(printed.stdout)["table"] == "calls"
    assert runner.invoke(app, ["profile", "suggest", str(export), "--table", "batches"]).exit_code == 2
    assert runner.invoke(app, ["profile", "suggest", str(tmp_path / "absent.csv")]).exit_code == 2
