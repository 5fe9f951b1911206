"""Ingest of ACD interval reports (table interval_stats): the sample report, day numbers, identity checks."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from workbench.csvfiles import read_csv
from workbench.errors import ParameterError
from workbench.ingest import ingest_files, to_canonical
from workbench.ingest.profiles import IngestProfile, load_profile
from workbench.sample.interval_report import REPORT_HEADERS, day_serial, interval_report_table, write_interval_report
from workbench.store import Store

H = REPORT_HEADERS


@pytest.fixture(scope="module")
def store_calls(centre_calls_store: Path) -> pd.DataFrame:
    """The call records of the shared sample store (read only)."""
    with Store(centre_calls_store, read_only=True) as store:
        return store.read_table("calls")


def _row(**values: str) -> dict[str, str]:
    """One report row with sane defaults: 10 offered = 8 answered + 1 abandoned + 1 short."""
    row = {H["day"]: "2026/01/05", H["time"]: "08:30", H["queue_id"]: "ZH_BILLING", H["offered"]: "10",
           H["answered"]: "8", H["abandoned"]: "1", H["short_abandoned"]: "1", H["answered_in_target"]: "7",
           H["service_level"]: "77,78%", H["asa_seconds"]: "0:00:12", H["aht_seconds"]: "0:05:00",
           H["average_talk_seconds"]: "250,5"}
    row.update({H[k]: v for k, v in values.items()})
    return row


def _write(rows: list[dict[str, str]], path: Path) -> Path:
    lines = [";".join(rows[0]), *(";".join(r.values()) for r in rows)]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8-sig")
    return path


def test_sample_report_loads_every_row_once(store_calls: pd.DataFrame, tmp_path: Path) -> None:
    report = write_interval_report(store_calls, tmp_path / "interval_report.csv")
    text = report.read_text(encoding="utf-8-sig")
    # The vendor shape the profile has to read: ; separators, decimal commas, "94,01%", H:MM:SS.
    assert text.splitlines()[0].split(";")[:3] == [H["day"], H["time"], H["queue_id"]]
    assert "%" in text and "," in text.splitlines()[1] and ":" in text.splitlines()[1].split(";")[9]
    store_path = tmp_path / "w.duckdb"
    expected = interval_report_table(store_calls)
    summary = ingest_files([report], "sample_interval_report", store_path=store_path, rejects_dir=tmp_path / "rej")
    row = summary.iloc[0]
    assert row["status"] == "succeeded"
    assert row["rows_read"] == len(expected) == len(text.splitlines()) - 1
    assert (row["rows_loaded"], row["rows_rejected"], row["rows_duplicate"]) == (len(expected), 0, 0)
    assert row["warning"] is None
    with Store(store_path, read_only=True) as store:
        stored = store.read_table("interval_stats")
    assert stored["interval_minutes"].eq(30).all() and stored["target_answer_seconds"].eq(20).all()
    assert stored["offered"].sum() == expected["offered"].sum()
    assert (stored["answered"] + stored["abandoned"] + stored["short_abandoned"]).equals(stored["offered"])
    assert stored["service_level"].between(0, 1).all()
    again = ingest_files([report], "sample_interval_report", store_path=store_path, rejects_dir=tmp_path / "rej")
    assert again.iloc[0]["status"] == "skipped"
    with Store(store_path, read_only=True) as store:
        assert len(store.read_table("interval_stats")) == len(expected)


def test_the_same_intervals_from_another_file_count_as_duplicates(store_calls: pd.DataFrame, tmp_path: Path) -> None:
    store_path = tmp_path / "w.duckdb"
    first = write_interval_report(store_calls, tmp_path / "a.csv")
    ingest_files([first], "sample_interval_report", store_path=store_path, rejects_dir=tmp_path / "rej")
    # Same intervals, another file (one more line): the composite key (queue, start, length) recognises them.
    second = tmp_path / "b.csv"
    second.write_bytes(first.read_bytes() + _write([_row(**{"day": "2026/02/01"})], tmp_path / "x.csv")
                       .read_bytes().split(b"\r\n", 1)[1])
    summary = ingest_files([second], "sample_interval_report", store_path=store_path, rejects_dir=tmp_path / "rej")
    row = summary.iloc[0]
    assert (row["rows_loaded"], row["rows_rejected"]) == (1, 0)
    assert row["rows_duplicate"] == row["rows_read"] - 1


def test_hostile_rows_are_rejected_naming_the_field(tmp_path: Path) -> None:
    rows = [
        _row(),                                                            # 2: fine
        _row(time="09:00", answered="9"),                                  # 3: 9 + 1 + 1 != 10
        _row(time="09:30", service_level="94,01"),                         # 4: no % sign
        _row(time="10:00", asa_seconds="0:6x:00"),                         # 5: not H:MM:SS
        _row(time="10:30", offered="2", answered="0", abandoned="1", answered_in_target="0",
             service_level="0,00%", asa_seconds="0:00:15"),                # 6: ASA over no answered call
        _row(time="11:00", answered_in_target="9"),                        # 7: more in target than answered
        _row(time="08:30"),                                                # 8: same interval again
        _row(time="11:30", offered="2", answered="0", abandoned="1", answered_in_target="0",
             service_level="0,00%", asa_seconds="0:00:00", aht_seconds="0:00:00",
             average_talk_seconds="0,0"),                                  # 9: 0 over 0 loads
        _row(time="12:00", offered="-1", answered="", abandoned="", short_abandoned="", answered_in_target="",
             service_level="", asa_seconds="", aht_seconds=""),            # 10: negative count
    ]
    export = _write(rows, tmp_path / "hostile.csv")
    store_path = tmp_path / "w.duckdb"
    summary = ingest_files([export], "sample_interval_report", store_path=store_path, rejects_dir=tmp_path / "rej")
    row = summary.iloc[0]
    assert (row["rows_read"], row["rows_loaded"], row["rows_rejected"]) == (9, 2, 7)
    rejects = read_csv(row["rejects_file"])
    reasons = dict(zip(rejects["line_number"], rejects["reject_reason"]))
    assert reasons[3] == f"identity_broken: {H['answered']} 9 + {H['abandoned']} 1 + {H['short_abandoned']} 1 = 11, " \
                         f"not {H['offered']} 10"
    assert reasons[4].startswith(f"out_of_range: {H['service_level']} '94,01' outside 0..1")
    assert reasons[5] == f"bad_number: {H['asa_seconds']} '0:6x:00' is not H:MM:SS"
    assert reasons[6].startswith(f"inconsistent: {H['asa_seconds']} '0:00:15' averages over {H['answered']} 0 calls; "
                                 f"inconsistent: {H['aht_seconds']} '0:05:00'")
    assert reasons[7] == f"inconsistent: {H['answered_in_target']} 9 exceeds {H['answered']} 8"
    assert reasons[8].startswith(f"duplicate_in_file: {H['queue_id']}, {H['time']}, constants.interval_minutes ")
    assert reasons[8].endswith("already on line 2")
    assert reasons[10].startswith(f"out_of_range: {H['offered']} '-1' is negative")
    with Store(store_path, read_only=True) as store:
        stored = store.read_table("interval_stats")
    assert sorted(stored["interval_start"].dt.strftime("%H:%M")) == ["08:30", "11:30"]
    assert stored["asa_seconds"].tolist() == [12.0, 0.0]


def test_a_service_level_on_another_basis_loads_with_a_warning(tmp_path: Path) -> None:
    # 7 of 9 genuine calls in time is 77.78 %; an ACD dividing by answered (8) reports 87.50 %.
    export = _write([_row(service_level="87,50%"), _row(time="09:00")], tmp_path / "basis.csv")
    summary = ingest_files([export], "sample_interval_report", store_path=tmp_path / "w.duckdb",
                           rejects_dir=tmp_path / "rej")
    row = summary.iloc[0]
    assert (row["rows_loaded"], row["rows_rejected"]) == (2, 0)
    assert row["warning"].startswith(f"1 row(s): {H['service_level']} differs from {H['answered_in_target']}")


def _variant(**changes: object) -> IngestProfile:
    profile = load_profile("sample_interval_report")
    return IngestProfile.model_validate({**profile.model_dump(), **changes})


def test_day_numbers_excel_serial_and_day_of_month() -> None:
    serial = _variant(day_number={"form": "excel_serial"}, timestamp_format="%Y-%m-%d %H:%M")
    assert day_serial("2026-01-05") == 46027
    raw = pd.DataFrame([_row(day="46027"), _row(day="4602x", time="09:00")])
    canonical, reasons = to_canonical(raw, serial)
    assert canonical["interval_start"].iloc[0] == pd.Timestamp("2026-01-05 08:30")
    assert reasons.iloc[0] == []
    assert reasons.iloc[1] == [f"bad_timestamp: {H['time']} '4602x 09:00' does not match '%Y-%m-%d %H:%M'"]
    by_day = _variant(day_number={"form": "day_of_month", "month": "2026-01"}, timestamp_format="%Y-%m-%d %H:%M")
    canonical, reasons = to_canonical(pd.DataFrame([_row(day="5"), _row(day="32", time="09:00")]), by_day)
    assert canonical["interval_start"].iloc[0] == pd.Timestamp("2026-01-05 08:30")
    assert reasons.iloc[1][0].startswith("bad_timestamp")


def test_a_day_report_without_a_time_column() -> None:
    profile = IngestProfile.model_validate({
        "table": "interval_stats", "columns": {"interval_start": "Day", "answered": "Handled"},
        "constants": {"queue_id": "intake", "interval_minutes": "1440"}, "timestamp_format": "%Y-%m-%d",
        "day_number": {"form": "excel_serial"},
    })
    canonical, reasons = to_canonical(pd.DataFrame({"Day": ["45292", "45293"], "Handled": ["390", "1.5"]}), profile)
    assert canonical["interval_start"].iloc[0] == pd.Timestamp("2024-01-01")
    assert canonical["interval_minutes"].tolist() == [1440, 1440]
    assert reasons.iloc[0] == [] and reasons.iloc[1] == ["bad_number: Handled '1.5' is not a whole number"]


def test_profile_mistakes_are_named() -> None:
    with pytest.raises(ValueError, match="offered or answered"):
        IngestProfile.model_validate({"table": "interval_stats", "columns": {"queue_id": "Q", "interval_start": "T"},
                                      "constants": {"interval_minutes": "30"}})
    with pytest.raises(ValueError, match="constants: interval_minutes 'half an hour' is not a number"):
        _variant(constants={"interval_minutes": "half an hour"})
    with pytest.raises(ValueError, match="month"):
        _variant(day_number={"form": "day_of_month"}, timestamp_format="%Y-%m-%d %H:%M")
    with pytest.raises(ValueError, match="timestamp_format must start with %Y-%m-%d"):
        _variant(day_number={"form": "excel_serial"})
    with pytest.raises(ParameterError):
        load_profile("no_such_interval_profile")


def test_an_interval_length_that_is_no_interval_is_rejected() -> None:
    canonical, reasons = to_canonical(pd.DataFrame([_row()]), _variant(constants={"interval_minutes": "45"}))
    assert reasons.iloc[0] == ["out_of_range: constants.interval_minutes '45' is not an interval length "
                               "(a divisor of 60, or 1440 for a day)"]


def test_the_generator_truth_calls_make_the_same_report_shape_byte_for_byte(generated_centre: Path,
                                                                           tmp_path: Path) -> None:
    truth = pd.read_csv(generated_centre / "truth" / "calls.csv")
    first = write_interval_report(truth, tmp_path / "a.csv", day_format="excel_serial")
    second = write_interval_report(truth, tmp_path / "b.csv", day_format="excel_serial")
    assert first.read_bytes() == second.read_bytes()
    profile = _variant(day_number={"form": "excel_serial"}, timestamp_format="%Y-%m-%d %H:%M")
    summary = ingest_files([first], profile, store_path=tmp_path / "w.duckdb", rejects_dir=tmp_path / "rej").iloc[0]
    offered = int((truth["outcome"] != "phantom").sum())
    assert summary["rows_rejected"] == 0 and summary["rows_loaded"] == summary["rows_read"] > 0
    with Store(tmp_path / "w.duckdb", read_only=True) as store:
        assert int(store.read_table("interval_stats")["offered"].sum()) == offered
