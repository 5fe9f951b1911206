"""Real interval-level reports through their profiles: Toronto Central Intake (daily, answered only)
and the Anonymous Bank's 1999 arrivals in 6-minute bins. Skipped when ../shared is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

import workbench
from workbench.csvfiles import read_csv
from workbench.ingest import ingest_files
from workbench.interval_kpis import compute_interval_kpis
from workbench.store import Store

DATASETS = Path(workbench.__file__).resolve().parents[2] / "shared" / "datasets"
TORONTO = DATASETS / "toronto_central_intake_daily" / "raw_helpline.csv"
BANK_6MIN = DATASETS / "bank_callcenter_6min" / "bank_callcenter_1999_6min.csv"


@pytest.mark.skipif(not TORONTO.is_file(), reason="needs ../shared/datasets/toronto_central_intake_daily")
def test_toronto_daily_report_loads_every_day_as_answered_calls(tmp_path: Path) -> None:
    store_path = tmp_path / "w.duckdb"
    summary = ingest_files([TORONTO], "toronto_central_intake_daily", store_path=store_path,
                           rejects_dir=tmp_path / "rejects").iloc[0]
    assert (summary["rows_read"], summary["rows_loaded"], summary["rows_rejected"]) == (1185, 1185, 0)
    with Store(store_path, read_only=True) as store:
        kpis = compute_interval_kpis(store).iloc[0]
        by_day = compute_interval_kpis(store, by="day")
    # SOURCE.md: 1,185 days from 2020-11-03 to 2024-01-31, 735,113 calls handled.
    assert (kpis["answered"], kpis["intervals"], kpis["offered_unknown"]) == (735113, 1185, 1185)
    assert str(by_day["day"].min())[:10] == "2020-11-03" and str(by_day["day"].max())[:10] == "2024-01-31"
    # No offered, abandoned or time figures: those KPIs stay unknown instead of 0.
    assert kpis[["abandonment_rate", "asa_seconds", "service_level", "aht_seconds"]].isna().all()


@pytest.mark.skipif(not BANK_6MIN.is_file(), reason="needs ../shared/datasets/bank_callcenter_6min")
def test_bank_6_minute_arrivals_load_and_the_imputed_halves_are_rejected(tmp_path: Path) -> None:
    store_path = tmp_path / "w.duckdb"
    summary = ingest_files([BANK_6MIN], "bank_callcenter_6min", store_path=store_path,
                           rejects_dir=tmp_path / "rejects").iloc[0]
    # 365 days x 240 bins; 1999-05-23 was imputed with half calls in 91 bins (SOURCE.md).
    assert (summary["rows_read"], summary["rows_loaded"], summary["rows_rejected"]) == (87600, 87509, 91)
    rejects = read_csv(summary["rejects_file"])
    assert set(rejects["date"]) == {"1999-05-23"}
    assert rejects["reject_reason"].str.match(r"bad_number: calls '\d+\.5' is not a whole number").all()
    with Store(store_path, read_only=True) as store:
        february = compute_interval_kpis(store, date_from="1999-02-01", date_to="1999-02-28").iloc[0]
        year = compute_interval_kpis(store).iloc[0]
        from workbench.forecast.series import interval_stats_history

        volumes, _, notes = interval_stats_history(store, 30, date_from="1999-02-01", date_to="1999-02-07")
        week = compute_interval_kpis(store, date_from="1999-02-01", date_to="1999-02-07").iloc[0]
    # February equals the call-level file's 33,344 records (SOURCE.md); the year lacks only 1999-05-23's halves.
    assert february["offered"] == 33344
    assert year["offered"] == 445000
    # Five 6-minute bins make a 30-minute interval of the forecast's series, every interval of the week kept.
    assert volumes["y"].sum() == week["offered"] and len(volumes) == 7 * 48
    assert notes == []
