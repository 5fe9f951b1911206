"""Reports on a period with no calls: the one check, and every report of the daily set ending in the same state."""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from workbench.errors import NoCallsInPeriod, ParameterError
from workbench.params import validate_parameters
from workbench.reports.period import check_period, stop_if_no_calls
from workbench.sample.reading import filter_calls, select_calls
from workbench.store import Store


@pytest.fixture()
def small_store(tmp_path) -> Path:
    t = pd.Timestamp("2026-03-02 09:00")
    calls = pd.DataFrame({
        "call_id": ["a", "b", "c", "d", "e"],
        "queue_id": ["billing_zh", "billing_en", "sales_zh", "billing_zh", "billing_zh"],
        "language": ["zh", "en", "zh", "zh", "zh"],
        "arrived_at": [t, t + pd.Timedelta(hours=14, minutes=59), t + pd.Timedelta(days=1), t + pd.Timedelta(days=3),
                       t + pd.Timedelta(days=5)],
        "wait_seconds": [10.0, 20.0, 5.0, 0.0, 3.0],
        "outcome": ["answered", "abandoned", "answered", "phantom", "answered"],
    })  # fmt: skip
    path = tmp_path / "warehouse.duckdb"
    with Store(path) as store:
        store.write_batch({"calls": calls})
    return path


def test_count_calls_uses_whole_local_days_and_leaves_phantoms_out(small_store):
    with Store(small_store, read_only=True) as store:
        assert store.count_calls() == 4
        assert store.count_calls("2026-03-02", "2026-03-02") == 2  # 23:59 still belongs to the day
        assert store.count_calls(date(2026, 3, 3), date(2026, 3, 3)) == 1
        assert store.count_calls("2026-03-05", "2026-03-05") == 0  # a phantom record only
        assert store.count_calls("2026-03-04", None) == 1 and store.count_calls(None, "2026-03-01") == 0
        assert store.count_calls("2026-03-02", "2026-03-02", queues=["billing_en"]) == 1
        assert store.count_calls("2026-03-02", "2026-03-07", language="zh") == 3
        assert store.count_calls("2026-03-02", "2026-03-07", language="all") == 4


def test_check_period_decides_from_the_reports_own_parameters(small_store):
    params = validate_parameters("kpi_overview", {"store_path": str(small_store), "date_from": "2026-03-05",
                                                  "date_to": "2026-03-06"})  # fmt: skip
    check = check_period(params)
    assert check.empty and check.calls == 0 and check.source_calls == 4 and check.source == small_store
    assert check.message.startswith("No calls in this period: 2026-03-05 to 2026-03-06 (all queues)")
    with pytest.raises(NoCallsInPeriod, match="No calls in this period") as raised:
        stop_if_no_calls(params)  # interactive: shows the message, records nothing, stops
    assert raised.value._render_traceback_() == [f"NoCallsInPeriod: {check.message}"]

    busy = validate_parameters("kpi_overview", {"store_path": str(small_store), "date_from": "2026-03-02",
                                                "date_to": "2026-03-02", "queues": ["billing_zh"]})  # fmt: skip
    assert not check_period(busy).empty and stop_if_no_calls(busy).calls == 1
    assert check_period(validate_parameters("satisfaction_drivers", {})) is None  # no period: nothing to check


def test_a_bad_date_names_its_field(small_store):
    with Store(small_store, read_only=True) as store:
        for first, last, field in [("2026-02-30", None, "date_from"), (None, "03/02/2026", "date_to"),
                                   ("2026-03-02", "2026-03-01", "date_to")]:
            with pytest.raises(ParameterError) as caught:
                store.count_calls(first, last)
            assert caught.value.field == field

    class Unvalidated:  # an interactive notebook's values, before its model checked them
        date_from, date_to = "2026-03-02", "yesterday"

        def store_file(self) -> Path:
            return small_store

    with pytest.raises(ParameterError) as caught:
        check_period(Unvalidated())
    assert caught.value.field == "date_to" and "yesterday" in str(caught.value)


def test_select_calls_may_be_empty_and_filter_calls_still_refuses_it():
    calls = pd.DataFrame({"date_local": ["2026-03-02", "2026-03-03"], "queue": ["billing", "sales"],
                          "queue_id": ["billing_zh", "sales_en"], "language": ["zh", "en"]})  # fmt: skip
    before = calls.copy()
    assert select_calls(calls, date_from="2026-03-04").empty
    assert len(select_calls(calls, date_to=date(2026, 3, 2), queues=["billing"])) == 1
    pd.testing.assert_frame_equal(calls, before)
    with pytest.raises(ParameterError, match="unknown queue"):
        select_calls(calls, queues=["nope"])
    with pytest.raises(ParameterError, match="no calls between 2026-03-04"):
        filter_calls(calls, date_from="2026-03-04")


# --------------------------------------------------------------------------- the daily set


@pytest.fixture(scope="module")
def demo_like_root(generated_centre, tmp_path_factory) -> Path:
    """A repository root whose data/ holds a two-day sample and its store, as `make demo` lays them out."""
    from workbench import paths
    from workbench.ingest import ingest_files

    root = tmp_path_factory.mktemp("root")
    for name in ("notebooks", "parameters"):
        (root / name).symlink_to(paths.root_dir() / name)
    generated = root / "data" / "generated"
    shutil.copytree(generated_centre, generated)  # the session's two-day sample
    # the full profiles, as make demo loads them: the calls carry the region the daily set fans out over
    for export, profile in [("acd_calls.csv", "sample_acd_full"), ("surveys.csv", "sample_surveys_full")]:
        summary = ingest_files([generated / "exports" / export], profile, store_path=root / "data" / "warehouse.duckdb",
                               rejects_dir=root / "data" / "rejects")  # fmt: skip
        assert (summary["status"] == "succeeded").all()
    return root


def test_the_same_period_parameters_check_the_store_and_the_sample(demo_like_root):
    """kpi_overview (store) and sample_overview (generated sample) take the same date_from/date_to."""
    from workbench.sample.reading import read_generated

    sample = demo_like_root / "data" / "generated"
    days = sorted(read_generated(sample, ["calls"])["calls"]["date_local"].astype(str).unique())
    checks = {}
    for day, expect_calls in [(days[0], True), ("2030-01-01", False)]:
        period = {"date_from": day, "date_to": day}
        kpi = check_period(validate_parameters(
            "kpi_overview", {"store_path": str(demo_like_root / "data" / "warehouse.duckdb"), **period}))
        overview = check_period(validate_parameters("sample_overview", {"sample_dir": str(sample), **period}))
        checks[day] = (kpi, overview)
        assert (kpi.calls > 0, overview.calls > 0) == (expect_calls, expect_calls)
        assert kpi.period == overview.period == f"{day} to {day}"
    kpi, overview = checks[days[0]]
    assert overview.calls < overview.source_calls and kpi.calls < kpi.source_calls  # one day of two


@pytest.mark.notebook
@pytest.mark.slow
def test_daily_set_for_a_day_without_calls_ends_every_report_as_an_empty_period(demo_like_root, tmp_path, monkeypatch):
    from workbench.reports.runner import run_notebook
    from workbench.reports.sets import plan_report_set, resolve_date, run_report_set

    for variable in ("WORKBENCH_STORE", "WORKBENCH_DATA_DIR", "WORKBENCH_PARAMETERS_DIR", "WORKBENCH_SMTP_HOST"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("WORKBENCH_ROOT", str(demo_like_root))
    out = tmp_path / "outputs"
    last = resolve_date("latest")
    quiet_day = last + timedelta(days=30)

    batch = run_report_set(plan_report_set("daily", quiet_day), outputs_dir=out, send_mail=False)

    regions = [f"kpi_by_region[{region}]" for region in ("north", "south", "east", "west")]
    assert [(r["report"], r["status"]) for r in batch.reports] == [
        ("kpi_daily", "succeeded"), *((name, "succeeded") for name in regions),
        ("overview_by_language[zh]", "succeeded"), ("overview_by_language[en]", "succeeded")
    ], batch.table()
    assert batch.exit_code == 0 and batch.table().count("(no calls in this period)") == 7
    for outcome in batch.reports:
        run_dir = Path(outcome["run_dir"])
        manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
        assert outcome["empty_period"] is True
        assert manifest["status"] == "succeeded" and manifest["error"] is None and manifest["empty_period"] is True
        assert manifest["message"].startswith(f"No calls in this period: {quiet_day - timedelta(days=6)} to {quiet_day}")
        assert manifest["inputs"] and manifest["inputs"][0]["rows"] > 0  # where it looked, with its hash
        assert not any(o["path"].startswith(("tables/", "figures/")) for o in manifest["outputs"])  # no empty tables
        report = (run_dir / "report.html").read_text(encoding="utf-8")
        assert "No calls in this period" in report and "Traceback" not in report and "NoCallsInPeriod" not in report
        executed = json.loads((run_dir / manifest["executed_notebook"]).read_text(encoding="utf-8"))
        assert not executed["metadata"]["papermill"]["exception"]
    latest = {o["notebook"]: Path(o["run_dir"]).name for o in batch.reports}  # the last run of each notebook
    assert all((out / notebook / "LATEST").read_text().strip() == name for notebook, name in latest.items())

    # the same report on a day with calls runs in full and says so
    busy = run_notebook("kpi_overview", {"date_from": str(last), "date_to": str(last)}, parameter_set="demo",
                        outputs_dir=out, build_site=False)  # fmt: skip
    assert busy.manifest["empty_period"] is False and busy.manifest["message"] is None
    assert any(o["path"] == "tables/kpis_overall.csv" for o in busy.manifest["outputs"])
