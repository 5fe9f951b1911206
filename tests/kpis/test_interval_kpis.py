"""KPIs from an ACD interval report equal the KPIs of the same centre's call records, within rounding."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench.errors import ParameterError, WorkbenchError
from workbench.interval_kpis import INTERVAL_KPI_COLUMNS, compute_interval_kpis
from workbench.kpis import compute_kpis
from workbench.store import Store

COUNTS = ["offered", "answered", "abandoned", "short_abandoned"]
#: ASA and AHT are printed in whole seconds per interval: a weighted mean of rounded values is off by < 0.5 s.
SECONDS_TOLERANCE = 0.5


@pytest.fixture(scope="module")
def interval_store(centre_calls_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding only the interval report of the shared sample's calls (no call records)."""
    from sample_centre import interval_report_store

    return interval_report_store(centre_calls_store, tmp_path_factory.mktemp("interval_store"))


@pytest.mark.parametrize("by", [(), ("queue",), ("day",), ("queue", "day"), ("interval",)])
def test_interval_kpis_match_call_kpis(interval_store: Path, centre_calls_store: Path, by: tuple[str, ...]) -> None:
    with Store(interval_store, read_only=True) as store:
        from_intervals = compute_interval_kpis(store, by=by)
        assert store.query("SELECT count(*) AS n FROM calls")["n"].iloc[0] == 0
    with Store(centre_calls_store, read_only=True) as store:
        from_calls = compute_kpis(store, by=by)
    keys = [{"queue": "queue_id", "day": "day", "interval": "interval_start"}[k] for k in by]
    assert list(from_intervals.columns) == keys + INTERVAL_KPI_COLUMNS
    assert len(from_intervals) == len(from_calls)
    for key in keys:
        assert from_intervals[key].astype(str).tolist() == from_calls[key].astype(str).tolist()
    for column in COUNTS:
        assert from_intervals[column].tolist() == from_calls[column].tolist(), column
    for column in ("abandonment_rate", "service_level"):
        assert np.allclose(from_intervals[column], from_calls[column], atol=1e-12, equal_nan=True), column
    assert from_intervals["service_level_calls"].tolist() == from_calls["service_level_calls"].tolist()
    for column in ("asa_seconds", "aht_seconds"):
        difference = (from_intervals[column] - from_calls[column]).abs()
        assert difference.max() < SECONDS_TOLERANCE, (column, difference.max())
    assert from_intervals["offered_unknown"].eq(0).all() and from_intervals["asa_unknown"].eq(0).all()
    assert from_intervals["target_answer_seconds"].eq(20).all()


def test_averages_are_weighted_by_calls_never_averaged(tmp_path: Path) -> None:
    # A busy interval (100 answered, ASA 10 s) and a quiet one (1 answered, ASA 300 s):
    # the weighted ASA is (1000 + 300) / 101 = 12.87 s; an average of averages would say 155 s.
    rows = pd.DataFrame({
        "queue_id": ["q", "q", "q"], "interval_start": pd.to_datetime(["2026-01-05 09:00", "2026-01-05 23:30",
                                                                       "2026-01-06 09:00"]),
        "interval_minutes": 30, "offered": [110, 2, None], "answered": [100, 1, 50], "abandoned": [8, 1, None],
        "short_abandoned": [2, 0, None], "answered_in_target": [90, None, None], "service_level": [None, 0.5, None],
        "asa_seconds": [10.0, 300.0, None], "aht_seconds": [200.0, 400.0, 300.0], "target_answer_seconds": 20.0,
    })
    with Store(tmp_path / "w.duckdb") as store:
        store.write_batch({"interval_stats": rows})
        overall = compute_interval_kpis(store).iloc[0]
        by_day = compute_interval_kpis(store, by="day")
    assert overall["asa_seconds"] == pytest.approx(1300 / 101)
    assert overall["aht_seconds"] == pytest.approx((100 * 200 + 400 + 50 * 300) / 151)
    # Counts where given, the reported share x its base where only the share is given: (90 + 0.5 * 2) / (108 + 2).
    assert overall["service_level"] == pytest.approx(91 / 110)
    assert overall["service_level_calls"] == 110
    assert overall["abandonment_rate"] == pytest.approx(9 / 110)
    # 接通率 over the rows that say how many were offered: (100 + 1) / (108 + 2); the third row has no offered
    assert overall["answer_rate"] == pytest.approx(101 / 110)
    assert (overall["offered"], overall["answered"], overall["intervals"]) == (112, 151, 3)
    assert (overall["offered_unknown"], overall["asa_unknown"], overall["handle_unknown"]) == (1, 50, 0)
    assert by_day["offered"].isna().tolist() == [False, True]
    assert by_day["answered"].tolist() == [101, 50]


def test_filters_and_refusals(interval_store: Path) -> None:
    with Store(interval_store, read_only=True) as store:
        everything = compute_interval_kpis(store, by="queue")
        billing = compute_interval_kpis(store, by="queue", queues=["billing"])
        first_day = compute_interval_kpis(store, date_from="2026-01-05", date_to="2026-01-05")
        other_target = compute_interval_kpis(store, target_answer_seconds=30)
        with pytest.raises(WorkbenchError, match="agent"):
            compute_interval_kpis(store, by="agent")
        with pytest.raises(ParameterError):
            compute_interval_kpis(store, by="interval", interval_minutes=15)
    assert sorted(billing["queue_id"]) == ["billing_en", "billing_zh"]
    assert billing["offered"].sum() < everything["offered"].sum()
    assert 0 < first_day["offered"].iloc[0] < everything["offered"].sum()
    # No row states a 30-second target: no service level, rather than one on the wrong threshold.
    assert other_target["service_level_calls"].iloc[0] == 0 and other_target["service_level"].isna().all()


def test_cli_kpis_read_the_interval_reports_of_a_store_without_call_records(interval_store: Path,
                                                                            centre_calls_store: Path) -> None:
    import json

    from typer.testing import CliRunner

    from workbench.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["kpis", "--by", "queue", "--format", "json", "--store", str(interval_store)])
    assert result.exit_code == 0, result.output
    assert "interval reports" in result.stderr
    rows = pd.DataFrame(json.loads(result.stdout))
    with Store(centre_calls_store, read_only=True) as store:
        from_calls = compute_kpis(store, by=["queue"])
    assert rows["queue_id"].tolist() == from_calls["queue_id"].tolist()
    assert rows["offered"].tolist() == from_calls["offered"].tolist()
    # Asked for call records, the interval-only store has none: zero offered, not the interval figures.
    forced = runner.invoke(app, ["kpis", "--volume-source", "calls", "--format", "json", "--store", str(interval_store)])
    assert forced.exit_code == 0 and json.loads(forced.stdout)[0]["offered"] == 0
    refused = runner.invoke(app, ["kpis", "--dimension-filter", "region=north", "--store", str(interval_store)])
    assert refused.exit_code == 2 and "interval reports carry no custom dimensions" in refused.output
