"""Report sets fan out over a custom dimension: one report per value, each about its own calls."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench.errors import ParameterError
from workbench.reports.sets import plan_report_set, run_report_set
from workbench.store import Store


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _centre_with_regions(path: Path, seed: int = 5) -> Path:
    """Two days of calls in two queues with a ``region`` dimension: north answers fast, south slowly.

    south also holds more calls, so every count differs between the two regions.
    """
    rng = np.random.default_rng(seed)
    n = 400
    region = np.where(rng.random(n) < 0.4, "north", "south")
    wait = np.where(region == "north", rng.exponential(8, n), rng.exponential(60, n)).round(1)
    outcome = np.where(rng.random(n) < np.where(region == "north", 0.05, 0.25), "abandoned", "answered")
    arrived = pd.Timestamp("2026-03-01 08:00") + pd.to_timedelta(rng.integers(0, 2 * 10 * 3600, n), unit="s")
    arrived = arrived + pd.to_timedelta(np.where(arrived.hour >= 18, 14 * 3600, 0), unit="s")
    answered = outcome == "answered"
    calls = pd.DataFrame({
        "call_id": [f"c{i:04d}" for i in range(n)],
        "queue_id": rng.choice(["billing_zh", "tech_en"], n),
        "customer_id": [f"K{k}" for k in rng.integers(0, 250, n)],
        "agent_id": np.where(answered, rng.choice(["A1", "A2", "A3"], n), None),
        "arrived_at": arrived,
        "wait_seconds": wait,
        "talk_seconds": np.where(answered, rng.normal(240, 40, n).round(), np.nan),
        "outcome": outcome,
        "resolved": np.where(answered, rng.random(n) < 0.7, None),
        "contact_reason": np.where(answered, rng.choice(["billing", "outage", "refund"], n), None),
        "dim_region": region,
    })  # fmt: skip
    calls["language"] = calls["queue_id"].str[-2:]
    surveyed = calls[answered & (rng.random(n) < 0.4)]
    surveys = pd.DataFrame({"survey_id": "s" + surveyed["call_id"], "call_id": surveyed["call_id"],
                            "csat": rng.integers(1, 6, len(surveyed))})  # fmt: skip
    catalogue = pd.DataFrame({"table_name": ["calls"], "dimension": ["region"], "value_type": ["category"],
                              "column_name": ["dim_region"], "description": ["sales region"], "profile": ["test"]})
    with Store(path) as store:
        store.write_batch({"dimensions": catalogue, "calls": calls, "surveys": surveys}, batch_id="regions")
    return path


@pytest.fixture(scope="module")
def region_store(tmp_path_factory) -> Path:
    return _centre_with_regions(tmp_path_factory.mktemp("regions") / "warehouse.duckdb")


@pytest.fixture
def no_kernel(monkeypatch):
    import papermill

    def refuse(*args, **kwargs):
        raise AssertionError("a kernel was started")

    monkeypatch.setattr(papermill, "execute_notebook", refuse)


def test_fan_out_over_a_dimension_plans_one_report_per_stored_value(region_store, tmp_path, no_kernel):
    set_file = _write(tmp_path / "regions.yaml", f"""alerts: false
reports:
  - notebook: kpi_overview
    name: kpi_region
    parameters: {{store_path: "{region_store}", date_from: "{{date-1}}", date_to: "{{date}}"}}
    fan_out: {{dimension: region}}
""")
    plan = plan_report_set(set_file, "2026-03-02")
    reports = {job.report: job for job in plan.jobs}
    assert list(reports) == ["kpi_region[south]", "kpi_region[north]"]  # most frequent first
    assert reports["kpi_region[north]"].resolved["dimension_filter"] == {"region": ["north"]}
    assert reports["kpi_region[south]"].parameters["dimension_filter"] == {"region": ["south"]}
    assert reports["kpi_region[north]"].resolved["date_from"] == "2026-03-01"


def test_a_reports_own_filter_is_kept_and_listed_values_need_no_store(tmp_path, no_kernel):
    set_file = _write(tmp_path / "tiers.yaml", """alerts: false
reports:
  - notebook: kpi_overview
    parameters: {store_path: /nowhere/at/all.duckdb, dimension_filter: {vip: "true"}}
    fan_out: {dimension: member_tier, values: [gold, silver]}
""")
    plan = plan_report_set(set_file, "2026-03-02")
    assert [job.report for job in plan.jobs] == ["kpi_overview[gold]", "kpi_overview[silver]"]
    assert plan.jobs[1].resolved["dimension_filter"] == {"vip": ["true"], "member_tier": ["silver"]}


@pytest.mark.parametrize(
    ("fan_out", "words"),
    [
        ("{dimension: planet}", ["planet", "region"]),  # not in the store: the known ones listed
        ("{dimension: Region}", ["Region", "lower-case"]),
        ("{dimension: queue}", ["queue", "built-in"]),
    ],
)
def test_a_bad_dimension_fan_out_names_the_set_line(region_store, tmp_path, no_kernel, fan_out, words):
    set_file = _write(tmp_path / "bad.yaml", f"""alerts: false
reports:
  - notebook: kpi_overview
    parameters: {{store_path: "{region_store}"}}
    fan_out: {fan_out}
""")
    with pytest.raises(ParameterError) as caught:
        plan_report_set(set_file, "2026-03-02")
    assert (caught.value.file, caught.value.field, caught.value.row) == (str(set_file),
                                                                         "reports[0].fan_out.dimension", 5)
    assert all(word in str(caught.value) for word in words)


def test_a_notebook_without_a_dimension_filter_refuses_the_fan_out(tmp_path, no_kernel):
    set_file = _write(tmp_path / "sample.yaml", """alerts: false
reports:
  - notebook: sample_overview
    fan_out: {dimension: region, values: [north]}
""")
    with pytest.raises(ParameterError) as caught:
        plan_report_set(set_file, "2026-03-02")
    assert caught.value.field == "reports[0].fan_out.dimension" and "dimension_filter" in str(caught.value)


@pytest.mark.notebook
@pytest.mark.slow
def test_each_report_of_a_dimension_fan_out_counts_its_own_calls(region_store, tmp_path, monkeypatch):
    from workbench.kpis import compute_kpis

    monkeypatch.setenv("WORKBENCH_OUTPUTS_DIR", str(tmp_path / "outputs"))
    set_file = _write(tmp_path / "regions.yaml", f"""alerts: false
email: {{alerts: false}}
reports:
  - notebook: kpi_overview
    name: kpi_region
    parameter_set: smoke
    parameters: {{store_path: "{region_store}"}}
    fan_out: {{dimension: region}}
""")
    batch = run_report_set(plan_report_set(set_file, "2026-03-02"), outputs_dir=tmp_path / "outputs",
                           send_mail=False)  # fmt: skip
    assert batch.exit_code == 0, batch.table()
    overall = {}
    for outcome in batch.reports:
        run_dir = Path(outcome["run_dir"])
        region = outcome["report"].split("[")[1].rstrip("]")
        overall[region] = pd.read_csv(run_dir / "tables" / "kpis_overall.csv").iloc[0]
        manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["parameters"]["dimension_filter"] == {"region": [region]}
        assert f"region {region}" in (run_dir / "report.html").read_text(encoding="utf-8")
    with Store(region_store, read_only=True) as store:
        expected = compute_kpis(store, by=["region"]).set_index("region")
    assert set(overall) == {"north", "south"}
    for region, row in overall.items():
        assert row["offered"] == expected.loc[region, "offered"]
        assert row["service_level"] == pytest.approx(expected.loc[region, "service_level"])
    assert overall["north"]["offered"] != overall["south"]["offered"]
    assert overall["north"]["service_level"] > overall["south"]["service_level"]  # north answers fast


def test_the_alerts_of_a_fanned_out_report_are_about_its_own_calls(region_store):
    from workbench.reports.alerts import AlertRules, evaluate_rules, window_from_parameters

    rules = AlertRules.model_validate({"rules": [{"id": "service_level_low", "kind": "service_level_below",
                                                  "target": 0.6, "min_offered": 10}]})  # fmt: skip
    fired = {}
    for region in ("north", "south"):
        window = window_from_parameters({"store_path": str(region_store), "dimension_filter": {"region": [region]}})
        assert window["dimension_filter"] == {"region": [region]}
        window.pop("store_path")
        [result] = evaluate_rules(rules, region_store, **window)
        fired[region] = result["status"]
    [everything] = evaluate_rules(rules, region_store)
    assert fired == {"north": "ok", "south": "fired"}  # south waits long, north is answered fast
    assert everything["status"] == "fired"
