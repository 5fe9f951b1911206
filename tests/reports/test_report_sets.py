"""Report sets: validated before any kernel starts, fan-out and dates, a small set with one failing report."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from typer.testing import CliRunner

from workbench.cli import app
from workbench.errors import ParameterError
from workbench.reports.sets import (
    describe_plan,
    plan_report_set,
    resolve_date,
    run_report_set,
    substitute_dates,
)

SHIPPED = sorted(p.stem for p in (Path(__file__).resolve().parents[2] / "parameters" / "reports").glob("*.yaml")
                 if p.stem != "schedule")


def _no_kernel(*args, **kwargs):
    raise AssertionError("a kernel was started")


@pytest.fixture
def no_kernel(monkeypatch):
    import papermill

    monkeypatch.setattr(papermill, "execute_notebook", _no_kernel)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_sets_are_valid(name, no_kernel):
    plan = plan_report_set(name, "2026-03-01")
    assert plan.jobs and plan.date == date(2026, 3, 1)


def test_daily_set_fans_out_per_language_with_dates(no_kernel):
    plan = plan_report_set("daily", "2026-03-01")
    reports = {job.report: job for job in plan.jobs}
    assert {"overview_by_language[zh]", "overview_by_language[en]"} <= set(reports)
    zh = reports["overview_by_language[zh]"]
    assert zh.resolved["language"] == "zh" and zh.resolved["date_from"] == "2026-02-23"
    assert zh.resolved["date_to"] == "2026-03-01" and zh.resolved["title"] == "Sample call centre overview"
    assert zh.context == {"set": "daily", "report": "overview_by_language[zh]", "date": "2026-03-01",
                          "set_file": str(plan.file)}
    assert "all parameters valid" in describe_plan(plan)


def test_fan_out_over_a_list_parameter_gives_one_item_lists(no_kernel):
    plan = plan_report_set("weekly", "2026-03-01")
    queues = [job.resolved["queues"] for job in plan.jobs if job.notebook == "kpi_overview"]
    assert ["billing_zh"] in queues and all(len(q) == 1 for q in queues)


def test_substitute_dates_does_not_mutate():
    values = {"a": "{date+2}", "b": ["x {date}"], "c": 3}
    assert substitute_dates(values, date(2026, 1, 30)) == {"a": "2026-02-01", "b": ["x 2026-01-30"], "c": 3}
    assert values == {"a": "{date+2}", "b": ["x {date}"], "c": 3}


def test_resolve_date_words(tmp_path):
    assert resolve_date("2026-03-01") == date(2026, 3, 1)
    assert resolve_date("today", "Asia/Shanghai") - resolve_date("yesterday", "Asia/Shanghai") == (
        date(2026, 1, 2) - date(2026, 1, 1))
    with pytest.raises(ParameterError, match="ISO date"):
        resolve_date("someday")


@pytest.mark.parametrize(
    ("body", "field", "row"),
    [
        ("reports:\n  - notebook: kpi_overview\n    parameters:\n      interval_minutes: 7\n",
         "reports[0].parameters.interval_minutes", 4),
        ("reports:\n  - notebook: kpi_overview\n    parameters: {no_such: 1}\n", "reports[0].parameters.no_such", 3),
        ("reports:\n  - notebook: kpi_overview\n  - notebook: not_a_notebook\n", "reports[1].notebook", 3),
        ("reports:\n  - notebook: kpi_overview\n    colour: red\n", "reports[0].colour", 3),
        ("reports:\n  - notebook: sample_overview\n    fan_out: {language: [zh, fr]}\n",
         "reports[0].fan_out.language", 3),
        ("reports:\n  - notebook: kpi_overview\n    parameter_set: nope\n", "reports[0].parameter_set", 3),
        ("start_timeout_seconds: 0\nreports:\n  - notebook: kpi_overview\n", "start_timeout_seconds", 1),
        ("reports: []\n", "reports", 1),
        ("interface_language: fr\nreports:\n  - notebook: kpi_overview\n", "interface_language", 1),
        ("outputs: {pdf: maybe}\nreports:\n  - notebook: kpi_overview\n", "outputs.pdf", 1),
        ("outputs: {excel: true}\nreports:\n  - notebook: kpi_overview\n", "outputs.excel", 1),
        ("email:\n  reports: true\n  attach: [pdf]\nreports:\n  - notebook: kpi_overview\n", "email.attach", 3),
        ("email:\n  attach:\n    - zip\nreports:\n  - notebook: kpi_overview\n", "email.attach[0]", 3),
        ("email:\n  max_attachment_bytes: -1\nreports:\n  - notebook: kpi_overview\n",
         "email.max_attachment_bytes", 2),
    ],
)
def test_invalid_set_names_file_and_field_and_runs_nothing(body, field, row, tmp_path, no_kernel, monkeypatch):
    monkeypatch.setenv("WORKBENCH_OUTPUTS_DIR", str(tmp_path / "outputs"))
    bad = write(tmp_path / "bad.yaml", body)
    with pytest.raises(ParameterError) as caught:
        plan_report_set(bad, "2026-03-01")
    assert (caught.value.file, caught.value.field, caught.value.row) == (str(bad), field, row)

    result = CliRunner().invoke(app, ["report", "run", str(bad), "--date", "2026-03-01"])
    assert result.exit_code == 2, result.output
    assert str(bad) in result.output and field in result.output
    assert not (tmp_path / "outputs").exists()


def test_interface_language_of_each_report(tmp_path, no_kernel, monkeypatch):
    """The report's own, else --interface-language, else the set's, else the centre's; always recorded."""
    body = ("reports:\n  - notebook: kpi_overview\n"
            "  - {notebook: kpi_overview, name: own, parameters: {interface_language: en}}\n"
            "  - {notebook: sample_overview, fan_out: {interface_language: [zh, en]}}\n")
    both = write(tmp_path / "zh.yaml", "interface_language: zh\n" + body)

    def languages(plan):
        return {job.report: job.parameters["interface_language"] for job in plan.jobs}

    plan = plan_report_set(both, "2026-03-01")
    assert plan.interface_language == "zh"
    assert languages(plan) == {"kpi_overview": "zh", "own": "en", "sample_overview[zh]": "zh",
                               "sample_overview[en]": "en"}
    assert all(job.resolved["interface_language"] == job.parameters["interface_language"] for job in plan.jobs)
    overridden = plan_report_set(both, "2026-03-01", interface_language="en")
    assert overridden.interface_language == "en" and languages(overridden)["kpi_overview"] == "en"
    assert languages(overridden)["sample_overview[zh]"] == "zh"  # a report's own choice stays

    monkeypatch.setenv("WORKBENCH_INTERFACE_LANGUAGE", "zh")  # the centre's default, as centre.yaml would give it
    unset = plan_report_set(write(tmp_path / "unset.yaml", body), "2026-03-01")
    assert unset.interface_language == "zh" and languages(unset)["kpi_overview"] == "zh"
    with pytest.raises(ParameterError, match="--interface-language"):
        plan_report_set(both, "2026-03-01", interface_language="fr")


def test_email_attach_takes_the_former_true_and_false(tmp_path, no_kernel):
    def attach(value: str):
        return plan_report_set(write(tmp_path / "s.yaml", f"email: {{attach: {value}}}\n"
                                                        "reports:\n  - notebook: kpi_overview\n"),
                               "2026-03-01").config.email.attach

    assert (attach("true"), attach("false"), attach("[workbook, pdf, workbook]")) == (
        ["html"], [], ["workbook", "pdf"])


def test_outputs_pdf_reaches_every_job_and_the_dry_run_says_so(tmp_path, no_kernel, monkeypatch):
    monkeypatch.setenv("WORKBENCH_OUTPUTS_DIR", str(tmp_path / "outputs"))
    path = write(tmp_path / "pdf.yaml", "outputs: {pdf: true}\nemail: {reports: true, attach: [pdf, workbook]}\n"
                                        "reports:\n  - notebook: kpi_overview\n"
                                        "  - {notebook: sample_overview, fan_out: {language: [zh, en]}}\n")
    assert [job.pdf for job in plan_report_set(path, "2026-03-01").jobs] == [True, True, True]
    result = CliRunner().invoke(app, ["report", "run", str(path), "--date", "2026-03-01", "--dry-run",
                                      "--interface-language", "zh"])
    assert result.exit_code == 0, result.output
    assert "in zh" in result.output and "PDF too" in result.output and '"interface_language": "zh"' in result.output


def test_one_bad_report_refuses_the_whole_set(tmp_path, no_kernel):
    bad = write(tmp_path / "mixed.yaml", "reports:\n  - notebook: kpi_overview\n"
                                         "  - notebook: sample_overview\n    parameters: {interval_minutes: 7}\n"
                                         "  - notebook: kpi_overview\n    parameters: {repeat_window_days: 0}\n")
    with pytest.raises(ParameterError) as caught:
        plan_report_set(bad, "2026-03-01")
    assert [p.field for p in caught.value.problems] == ["reports[1].parameters.interval_minutes",
                                                        "reports[2].parameters.repeat_window_days"]


def test_error_from_a_notebook_parameter_set_names_that_file(tmp_path, no_kernel, monkeypatch):
    parameters = tmp_path / "parameters"
    (parameters / "kpi_overview").mkdir(parents=True)
    (parameters / "reports").mkdir()
    broken = write(parameters / "kpi_overview" / "broken.yaml", "# a comment\nrepeat_window_days: 500\n")
    write(parameters / "reports" / "s.yaml", "reports:\n  - {notebook: kpi_overview, parameter_set: broken}\n")
    monkeypatch.setenv("WORKBENCH_PARAMETERS_DIR", str(parameters))
    with pytest.raises(ParameterError) as caught:
        plan_report_set("s", "2026-03-01")
    assert (caught.value.file, caught.value.field, caught.value.row) == (str(broken), "repeat_window_days", 2)


def test_broken_alert_rules_refuse_the_set(tmp_path, no_kernel):
    rules = write(tmp_path / "alerts.yaml", "rules:\n  - {id: x, kind: no_such_kind}\n")
    bad = write(tmp_path / "s.yaml", f"alerts: {rules}\nreports:\n  - notebook: kpi_overview\n")
    with pytest.raises(ParameterError) as caught:
        plan_report_set(bad, "2026-03-01")
    assert caught.value.file == str(rules) and caught.value.field.startswith("rules[0]")
    plan = plan_report_set(write(tmp_path / "quiet.yaml", "alerts: false\nreports:\n  - notebook: kpi_overview\n"),
                           "2026-03-01")
    assert plan.alerts_rules is None


def test_one_period_vocabulary_drives_kpi_and_sample_reports(tmp_path, no_kernel):
    """Only date_from/date_to in a set: both notebooks, their empty-period check and the alerts read that period."""
    from workbench.glossary import RETIRED_NAMES, Period
    from workbench.params import validate_parameters
    from workbench.reports.alerts import window_from_parameters

    both = write(tmp_path / "both.yaml", "alerts: false\nreports:\n"
                                         "  - notebook: kpi_overview\n"
                                         "    parameters: {date_from: '{date-6}', date_to: '{date}'}\n"
                                         "  - notebook: sample_overview\n"
                                         "    parameters: {date_from: '{date-6}', date_to: '{date}'}\n")
    plan = plan_report_set(both, "2026-03-01")
    week = Period.of("2026-02-23", "2026-03-01")
    assert [job.notebook for job in plan.jobs] == ["kpi_overview", "sample_overview"]
    for job in plan.jobs:
        assert not set(job.resolved) & set(RETIRED_NAMES), job.notebook
        assert validate_parameters(job.notebook, job.resolved).period() == week
        assert Period.of(**{k: window_from_parameters(job.resolved)[k] for k in ("date_from", "date_to")}) == week
    retired = write(tmp_path / "retired.yaml", "reports:\n  - notebook: sample_overview\n"
                                               "    parameters: {start_date: '{date}'}\n")
    with pytest.raises(ParameterError) as caught:
        plan_report_set(retired, "2026-03-01")
    assert (caught.value.field, caught.value.row) == ("reports[0].parameters.start_date", 3)


def test_shipped_sets_use_no_retired_parameter_name():
    from workbench.glossary import RETIRED_NAMES
    from workbench.reports.sets import read_set_file, set_path

    for name in SHIPPED:
        config, _ = read_set_file(set_path(name))
        for spec in config.reports:
            assert not (set(spec.parameters) | spec.fanned_parameters()) & set(RETIRED_NAMES), (name, spec.notebook)


def test_latest_date_is_the_last_day_of_the_store_readers(tmp_path):
    import pandas as pd

    from workbench.store import Store, readers

    store_file = tmp_path / "w.duckdb"
    calls = pd.DataFrame({"call_id": ["a", "b"], "queue_id": "billing_zh", "language": "zh",
                          "arrived_at": [pd.Timestamp("2026-03-01 23:59"), pd.Timestamp("2026-03-04 10:00")],
                          "wait_seconds": [3.0, 0.0], "outcome": ["answered", "phantom"]})
    with Store(store_file) as store:
        store.write_batch({"calls": calls})
        assert readers.call_day_range(store)[1] == date(2026, 3, 1)
    assert resolve_date("latest", store_path=store_file) == date(2026, 3, 1)  # a phantom record is no call
    with Store(tmp_path / "empty.duckdb") as empty:
        assert empty.schema_version  # created with its tables, no rows
    with pytest.raises(ParameterError, match="holds no calls"):
        resolve_date("latest", store_path=tmp_path / "empty.duckdb")


def test_missing_set_lists_known_ones(no_kernel):
    with pytest.raises(ParameterError, match="report set not found.*daily"):
        plan_report_set("no_such_set")


def test_dry_run_lists_reports_and_runs_nothing(tmp_path, no_kernel, monkeypatch):
    monkeypatch.setenv("WORKBENCH_OUTPUTS_DIR", str(tmp_path / "outputs"))
    result = CliRunner().invoke(app, ["report", "run", "daily", "--date", "2026-03-01", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "overview_by_language[en]" in result.output and "2026-02-23" in result.output
    assert not (tmp_path / "outputs").exists()


# --------------------------------------------------------------------------- real runs

TINY = [
    new_markdown_cell("# Tiny\nReads nothing. Writes nothing."),
    new_code_cell('fail: bool = False  # raise in the last cell\nlabel: str = "x"  # echoed\n'
                  'sleep_seconds: float = 0.0  # how long the last cell takes',
                  metadata={"tags": ["parameters"]}),
    new_code_cell("import time\ntime.sleep(sleep_seconds)\nif fail:\n    raise RuntimeError('deliberate failure ' + label)\n"
                  "label"),
]


@pytest.fixture(scope="module")
def tiny_notebook(tmp_path_factory) -> Path:
    nb = new_notebook(cells=TINY)
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path_factory.mktemp("notebooks") / "tiny.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def sample_store(centre_calls_store, tmp_path_factory) -> Path:
    """A two-day generated sample's calls and surveys in a store of this module (a copy of the session's)."""
    from sample_centre import copy_store

    return copy_store(centre_calls_store, tmp_path_factory.mktemp("store"))


@pytest.mark.notebook
@pytest.mark.slow
def test_small_set_runs_in_parallel_and_a_failure_leaves_the_others_complete(
    tiny_notebook, sample_store, tmp_path, monkeypatch
):
    monkeypatch.setenv("WORKBENCH_STORE", str(sample_store))  # alerts of the tiny reports read this store
    out = tmp_path / "outputs"
    set_file = write(tmp_path / "small.yaml", f"""
execution_timeout_seconds: 120
start_timeout_seconds: 60
email: {{alerts: false}}
reports:
  - notebook: kpi_overview
    parameter_set: smoke
    parameters: {{store_path: {sample_store}}}
  - notebook: {tiny_notebook}
    name: broken
    parameters: {{fail: true, label: "on {{date}}"}}
  - notebook: {tiny_notebook}
    name: fine
  - notebook: {tiny_notebook}
    name: too_slow
    execution_timeout_seconds: 2
    parameters: {{sleep_seconds: 300}}
""")
    plan = plan_report_set(set_file, "2026-03-01")
    batch = run_report_set(plan, workers=2, outputs_dir=out)

    status = {r["report"]: r["status"] for r in batch.reports}
    assert status == {"kpi_overview": "succeeded", "broken": "failed", "fine": "succeeded", "too_slow": "failed"}, (
        batch.table())
    assert batch.exit_code == 1
    broken = next(r for r in batch.reports if r["report"] == "broken")
    assert "deliberate failure on 2026-03-01" in broken["error"]
    failed_manifest = json.loads((Path(broken["run_dir"]) / "manifest.json").read_text())
    assert failed_manifest["status"] == "failed" and failed_manifest["error"]["ename"] == "RuntimeError"
    assert failed_manifest["context"]["report"] == "broken" and failed_manifest["context"]["set"] == "small"
    assert failed_manifest["timeouts"] == {"start_timeout_seconds": 60, "execution_timeout_seconds": 120}
    assert (Path(broken["run_dir"]) / "report.html").is_file()  # the error cell stays visible in the report

    kpi = next(r for r in batch.reports if r["report"] == "kpi_overview")
    kpi_dir = Path(kpi["run_dir"])
    assert (out / "kpi_overview" / "LATEST").read_text().strip() == kpi_dir.name
    assert (kpi_dir / "alerts.json").is_file() and kpi["alerts"] is not None
    assert "workbench-alerts" in (kpi_dir / "report.html").read_text(encoding="utf-8")

    summary = json.loads(batch.summary_path.read_text())
    assert summary["exit_code"] == 1 and summary["succeeded"] == 2 and len(summary["reports"]) == 4
    too_slow = next(r for r in batch.reports if r["report"] == "too_slow")
    assert "Timeout" in too_slow["error"] or "timed out" in too_slow["error"], too_slow
    # stopped by the 2 s cell timeout, not the 300 s sleep (kernel start and shutdown vary with the load)
    assert too_slow["duration_seconds"] < 120
    index = (out / "index.html").read_text(encoding="utf-8")
    assert f"kpi_overview/{kpi_dir.name}/report.html" in index and "deliberate failure" in index
    assert "small" in index and "broken" in index


@pytest.mark.notebook
@pytest.mark.slow
def test_cli_exit_code_is_1_for_an_execution_failure(tiny_notebook, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_OUTPUTS_DIR", str(tmp_path / "outputs"))
    set_file = write(tmp_path / "failing.yaml", f"alerts: false\nreports:\n  - notebook: {tiny_notebook}\n"
                                                "    parameters: {fail: true}\n")
    result = CliRunner().invoke(app, ["report", "run", str(set_file), "--date", "2026-03-01", "--no-mail"])
    assert result.exit_code == 1, result.output
    assert "0 of 1 reports succeeded" in result.output and "failed" in result.output


@pytest.mark.notebook
@pytest.mark.slow
def test_reports_run_on_a_dask_cluster(tiny_notebook, tmp_path):
    from distributed import LocalCluster

    set_file = write(tmp_path / "dask.yaml", f"alerts: false\nreports:\n  - notebook: {tiny_notebook}\n"
                                             "    fan_out: {label: [a, b]}\n")
    plan = plan_report_set(set_file, "2026-03-01")
    # One thread per worker process: a run sets environment variables for its kernel.
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        batch = run_report_set(plan, scheduler=cluster.scheduler_address, outputs_dir=tmp_path / "outputs",
                               send_mail=False)
    assert [(r["report"], r["status"]) for r in batch.reports] == [("tiny[a]", "succeeded"), ("tiny[b]", "succeeded")]
    assert len(list((tmp_path / "outputs" / "tiny").glob("*/manifest.json"))) == 2
