"""The app classes without a browser: built on a small store, driven by setting widget values.

How fast an interaction is gets measured by ``make bench`` (tests/bench_apps.py), not asserted here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from workbench.apps import OperationsApp, SatisfactionApp, StaffingApp, TopicsApp
from workbench.apps.operations import CALL_SET_CHOICES, WHOLE_DAY
from workbench.apps.serve import query_parameters, validated_url_parameters
from workbench.params import (
    OperationsAppParameters,
    SatisfactionAppParameters,
    StaffingAppParameters,
    TopicsAppParameters,
)
from workbench.store import Store


@pytest.fixture(scope="module")
def store_path(centre_app_store, tmp_path_factory) -> Path:
    from sample_centre import copy_store

    return copy_store(centre_app_store, tmp_path_factory.mktemp("apps"))


@pytest.fixture(scope="module")
def empty_store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("empty") / "warehouse.duckdb"
    with Store(path):
        pass
    return path


def operations(store_path: Path, **values) -> OperationsApp:
    return OperationsApp(OperationsAppParameters(store_path=str(store_path), **values))


def staffing(store_path: Path, **values) -> StaffingApp:
    return StaffingApp(StaffingAppParameters(store_path=str(store_path), **values))


# --------------------------------------------------------------------------- operations


def test_operations_shows_tiles_charts_and_drill_down(store_path):
    app = operations(store_path)
    assert app.notices == []
    for key in ("offered", "answered", "abandonment_rate", "service_level", "asa_seconds", "aht_seconds", "csat_mean"):
        assert f"data-kpi='{key}'" in app.tiles.value
    assert len(app.day_chart.spec["layer"]) == 2 and "interval" in app.day_chart.selections.traits()
    heatmap_rows = app.heatmap.spec["datasets"][app.heatmap.spec["data"]["name"]]
    assert len(heatmap_rows) == len(app.tables["intervals"])
    assert {"day", "time"} <= set(heatmap_rows[0]) and "cell" in app.heatmap.selections.traits()
    assert "day" in app.trend.selections.traits()
    assert len(app.day.options) == 2 and app.day.value == app.day.options[-1]
    assert app.tables["total"]["offered"].iloc[0] == app.tables["daily"]["offered"].sum()
    calls = app.tables["calls"]
    assert (calls["outcome"] == "abandoned").all() and (calls["wait_seconds"] >= 5).all()


def test_operations_queue_and_language_filters_change_the_numbers(store_path):
    app = operations(store_path)
    everything = int(app.tables["total"]["offered"].iloc[0])
    app.queues = ["billing"]
    assert app.queue.value == "billing"
    billing = int(app.tables["total"]["offered"].iloc[0])
    assert 0 < billing < everything
    assert app.selected_queues() == ["billing_en", "billing_zh"]
    app.language.value = "zh"
    assert app.selected_queues() == ["billing_zh"]
    assert 0 < int(app.tables["total"]["offered"].iloc[0]) < billing
    assert set(app.tables["calls"]["queue_id"]) <= {"billing_zh"}


def test_operations_drill_down_lists_the_calls_behind_a_number(store_path):
    app = operations(store_path)
    day = app.day.options[0]
    app.day.value = day
    one_day = app.tables["day_intervals"]
    busiest = one_day.sort_values("offered").iloc[-1]
    app.interval.value = pd.Timestamp(busiest["interval_start"]).strftime("%H:%M")
    app.call_set.value = "offered"
    assert len(app.tables["calls"]) == busiest["offered"]
    app.call_set.value = "answered"
    assert len(app.tables["calls"]) == busiest["answered"]
    assert str(pd.Timestamp(app.tables["calls"]["arrived_at"].min()).date()) == day


def click(chart, selection: str, **values) -> None:
    """What the browser sends when a chart mark is clicked (Vega's point-selection signal)."""
    signal = {"vlPoint": {"or": [values]}} if values else None  # None: the pick was cleared
    chart._vl_selections = {selection: {"value": signal, "store": []}}


def test_operations_clicking_the_charts_drills_down(store_path):
    app = operations(store_path)
    first, last = app.day.options
    assert app.day.value == last
    click(app.trend, "day", day_key=first)
    assert app.day.value == first and app.interval.value == WHOLE_DAY
    assert str(pd.Timestamp(app.tables["calls"]["arrived_at"].min()).date()) == first
    busiest = app.tables["day_intervals"].sort_values("offered").iloc[-1]
    start = pd.Timestamp(busiest["interval_start"])
    app.call_set.value = "offered"
    click(app.heatmap, "cell", day=last, time=start.strftime("%H:%M"))
    assert app.day.value == last and app.interval.value == start.strftime("%H:%M")
    calls = app.tables["calls"]
    assert len(calls) == app.tables["day_intervals"].set_index("interval_start").loc[
        pd.Timestamp(f"{last} {start:%H:%M}"), "offered"]
    assert (pd.to_datetime(calls["arrived_at"]).dt.strftime("%Y-%m-%d %H:%M").str[:10] == last).all()
    drawn = app.day_chart.spec
    quietest = app.tables["day_intervals"].sort_values("offered").iloc[0]
    click(app.day_chart, "interval", time=pd.Timestamp(quietest["interval_start"]).strftime("%H:%M"))
    assert len(app.tables["calls"]) == quietest["offered"]
    assert app.day_chart.spec is drawn, "picking an interval of the same day keeps the chart (and its highlight)"
    click(app.heatmap, "cell")  # a cleared pick (double click) keeps the drill-down
    assert app.day.value == last and app.interval.value == pd.Timestamp(quietest["interval_start"]).strftime("%H:%M")
    before = app.day_chart.spec
    app.queues = ["billing"]  # redrawing the charts clears their picks but not the drill-down
    assert app.day.value == last
    assert app.day_chart.spec != before, "the day chart follows the filter"


def test_operations_date_range_and_empty_selection(store_path):
    app = operations(store_path)
    first = app.first_day
    app.date_to.value = first
    app.date_from.value = first
    assert list(app.day.options) == [first.isoformat()]
    app.date_from.value = first.replace(year=first.year - 1)
    app.date_to.value = first.replace(year=first.year - 1)
    assert any("No calls between" in n for n in app.notices)


def test_operations_unknown_queue_falls_back_with_a_notice(store_path):
    app = operations(store_path, queues=["nonexistent"])
    assert app.queue.value == "all" and app.queues == ["all"]
    assert any("nonexistent" in n for n in app.notices)
    some = operations(store_path, queues=["billing", "nowhere"])
    assert some.queues == ["billing"] and any("nowhere" in n for n in some.notices)


def test_operations_several_queues_are_one_choice(store_path):
    app = operations(store_path, queues=["billing", "sales_en"])
    assert app.queue.value == "billing + sales_en" and app.queues == ["billing", "sales_en"]
    assert app.selected_queues() == ["billing_en", "billing_zh", "sales_en"]
    assert set(app.tables["calls"]["queue_id"]) <= {"billing_en", "billing_zh", "sales_en"}
    app.queues = ["all"]
    assert app.queue.value == "all"


def test_operations_calls_behind_a_number_use_the_glossary_call_sets(store_path):
    from workbench import glossary

    app = operations(store_path, target_answer_seconds=30)
    assert set(CALL_SET_CHOICES.values()) <= set(glossary.CALL_SETS)
    total = app.tables["total"].iloc[0]
    day = app.day.value
    start, end = pd.Timestamp(app.date_from.value), pd.Timestamp(app.date_to.value) + pd.Timedelta(days=1)
    assert day is not None
    for call_set, column in (("answered", "answered"), ("abandoned", "abandoned"),
                             ("short_abandoned", "short_abandoned")):
        assert len(app.calls_behind(call_set, start, end)) == total[column], call_set
    in_time = app.calls_behind("answered_in_time", start, end)
    assert len(in_time) and (in_time["wait_seconds"] <= 30).all()
    app.call_set.value = "answered_late"
    assert (app.tables["calls"]["wait_seconds"] > 30).all()
    assert "after the target time" in app._output_tables()[0][1]


def test_operations_says_what_is_missing(empty_store, tmp_path):
    app = operations(empty_store)
    assert any("No calls in the store" in n for n in app.notices)
    assert app.tiles.value == "" and app.heatmap.chart is None and app.trend.chart is None
    missing = operations(tmp_path / "nowhere.duckdb")
    assert any("No calls in the store" in n for n in missing.notices)


# --------------------------------------------------------------------------- staffing


def test_staffing_reads_the_latest_run_and_raising_the_target_raises_agents(store_path):
    app = staffing(store_path)
    assert app.run_id == "sample-run"
    assert any("settings of run" in n for n in app.notices)  # no run folder: defaults, said plainly
    base = app.tables["requirements"]
    assert (base["what_if_raw_agents"] == base["raw_agents"]).all(), "no change must reproduce the stored plan"
    assert "<svg" in app.heatmap.value and "<svg" in app.day_chart.value and "<svg" in app.forecast_chart.value
    before = int(base["what_if_raw_agents"].sum())
    app.service_level_target.value = 0.95
    after = int(app.tables["requirements"]["what_if_raw_agents"].sum())
    assert after > before
    assert f"{after * 0.5:,.0f}" in app.tiles.value


def test_staffing_sliders_each_move_the_plan(store_path):
    app = staffing(store_path)

    def total() -> int:
        return int(app.tables["requirements"]["what_if_scheduled_agents"].sum())

    base = total()
    app.volume_uplift.value = 0.3
    assert total() > base
    app.volume_uplift.value = 0.0
    app.aht_multiplier.value = 1.5
    assert total() > base
    app.aht_multiplier.value = 1.0
    app.shrinkage.value = 0.5
    assert total() > base
    app.shrinkage.value = 0.3
    app.target_answer_seconds.value = 60
    assert total() < base


def test_staffing_queue_filter_and_csv_export(store_path, outputs):
    app = staffing(store_path, queues=["billing"])
    assert set(app.tables["requirements"]["queue_id"]) == {"billing_en", "billing_zh"}
    path = app.export_csv()
    assert path.parent == outputs / "apps" / "staffing"
    exported = pd.read_csv(path)
    assert len(exported) == len(app.tables["requirements"])
    assert {"interval_start", "raw_agents", "what_if_raw_agents"} <= set(exported.columns)
    assert "download=" in app.export_link.value and "data:text/csv;base64," in app.export_link.value


def test_staffing_uses_the_run_folder_settings_when_present(store_path, outputs):
    from workbench.params import StaffingForecastParameters
    from workbench.staffing.erlang import staffing_requirements

    with Store(store_path, read_only=True) as store:
        plan = store.query("SELECT * FROM staffing WHERE run_id = 'sample-run'")
    settings = staffing_requirements(plan[["queue_id", "interval_start", "calls", "aht_seconds"]],
                                     **StaffingForecastParameters().staffing_arguments())
    table = outputs / "staffing_forecast" / "sample-run" / "tables"
    table.mkdir(parents=True)
    settings.to_csv(table / "staffing.csv", index=False)
    app = staffing(store_path)
    assert app.settings_source == str(table / "staffing.csv")
    assert not any("settings of run" in n for n in app.notices)


def test_staffing_says_what_is_missing(empty_store):
    app = staffing(empty_store)
    assert any("No staffing plan in the store" in n and "staffing_forecast" in n for n in app.notices)
    assert app.tiles.value == ""


def test_staffing_unknown_run_falls_back_to_latest(store_path):
    app = staffing(store_path, run_id="no-such-run")
    assert app.run_id == "sample-run"
    assert any("no-such-run" in n for n in app.notices)


# --------------------------------------------------------------------------- topics


@pytest.fixture(scope="module")
def topics_store(tmp_path_factory) -> Path:
    from sample_centre import add_sample_topics, build_sample_store

    return add_sample_topics(build_sample_store(tmp_path_factory.mktemp("topics"), days=3, seed=1))


def topics(store_path: Path, **values) -> TopicsApp:
    return TopicsApp(TopicsAppParameters(store_path=str(store_path), **values))


def test_topics_shows_shares_emerging_pain_and_redacted_examples(topics_store, outputs):
    from sample_centre import SAMPLE_TOPIC_MODEL

    app = topics(topics_store)
    assert app.notices == [] and app.model_id == SAMPLE_TOPIC_MODEL
    for view in (app.sizes_chart, app.share_chart, app.pain_chart):
        assert "<svg" in view.value
    assert app.tables["sizes"]["size"].sum() == 300
    shares = app.tables["shares"]
    assert shares["period"].nunique() == 3
    assert shares.groupby("period")["share"].sum().round(2).eq(1.0).all()
    emerging = app.tables["emerging"]
    assert emerging.loc[emerging["emerging"], "label"].tolist() == ["cancel_contract"]
    assert "cancel_contract" in app.emerging.value
    pain = app.tables["pain"]
    assert list(pain["rank"]) == [1, 2, 3] and pain["pain"].is_monotonic_decreasing
    assert "Pain" in app.pain.value
    examples = app.tables["examples"]["text"]
    assert 1 <= len(examples) <= 3 and examples.str.contains("bill").all()
    assert "13812345678" not in app.examples.value and "[redacted]" in app.examples.value


def test_topics_controls_change_the_output(topics_store, outputs):
    app = topics(topics_store)
    everything = int(app.tables["sizes"]["size"].sum())
    app.queues = ["billing"]
    billing = int(app.tables["sizes"]["size"].sum())
    assert 0 < billing < everything
    app.topic.value = 1
    assert app.tables["examples"]["text"].str.contains("password").all()
    app.time_grain.value = "W-MON"
    assert app.tables["shares"]["period"].nunique() <= 2


def test_topics_examples_fall_back_to_the_run_folder(topics_store, outputs):
    from sample_centre import SAMPLE_TOPIC_MODEL

    folder = outputs / "topics" / SAMPLE_TOPIC_MODEL
    folder.mkdir(parents=True)
    pd.DataFrame({"topic": [0, 1, 2], "examples": ["bill one | bill two, 13812345678", "pw", "cancel"]}).to_csv(
        folder / "topics.csv", index=False)
    app = topics(topics_store)
    assert app.run_examples[0] == ["bill one", "bill two, 13812345678"]
    docs = app.selected().assign(call_id="not-transcribed")
    assert app.example_texts(0, docs) == ["bill one", "bill two, [redacted]"]


def test_topics_says_how_the_run_found_its_topics_escaped(topics_store, outputs):
    import json

    from sample_centre import SAMPLE_TOPIC_MODEL

    folder = outputs / "topics" / SAMPLE_TOPIC_MODEL
    folder.mkdir(parents=True)
    info = {"documents": 120, "language": "mixed", "embedding": "e5", "centred_languages": ["en", "zh"],
            "topic_count": {"method": "silhouette", "chosen": 3, "reason": "3 topics: <b>silhouette</b>"}}
    (folder / "run.json").write_text(json.dumps(info), encoding="utf-8")
    app = topics(topics_store)
    assert "3 topics: <b>silhouette</b>" in app.run_method
    assert "a reason in both languages is one topic" in app.run_method
    html = [w.value for w in app._build().children if "How the topics were found" in str(getattr(w, "value", ""))]
    assert len(html) == 1 and "&lt;b&gt;silhouette&lt;/b&gt;" in html[0] and "<b>silhouette" not in html[0]


def test_topics_unknown_model_and_queue_fall_back_with_notices(topics_store, outputs):
    app = topics(topics_store, model_id="no-such-model", queues=["nowhere"])
    assert app.model_id is not None and app.queue.value == "all"
    assert any("no-such-model" in n for n in app.notices) and any("nowhere" in n for n in app.notices)


def test_topics_says_what_is_missing(store_path, empty_store, tmp_path):
    for path in (store_path, empty_store, tmp_path / "nowhere.duckdb"):
        app = topics(path)
        assert any("No topic results in the store" in n and "workbench topics fit store" in n
                   and "topic_overview" in n for n in app.notices), app.notices
        assert app.sizes_chart.value == "" and app.examples.value == ""


# --------------------------------------------------------------------------- satisfaction


def satisfaction_run(outputs: Path, run_id: str = "20260102-000000", *, latest: bool = True,
                     agents: bool = True) -> Path:
    from sample_centre import write_sample_satisfaction_run

    return write_sample_satisfaction_run(outputs, run_id, latest=latest, agents=agents)


def satisfaction(**values) -> SatisfactionApp:
    return SatisfactionApp(SatisfactionAppParameters(**values))


def test_satisfaction_shows_drivers_curves_what_if_and_agents(outputs):
    satisfaction_run(outputs)
    app = satisfaction()
    assert app.notices == [] and app.run_id == "20260102-000000"
    for view in (app.drivers_chart, app.curves_chart, app.agents_chart):
        assert "<svg" in view.value
    assert "wait_seconds" in app.drivers_table.value and "A2" in app.agents_table.value
    result = app.tables["what_if"].iloc[0]
    assert (result["from_value"], result["to_value"]) == (60.0, 30.0)  # the curve's middle, minus 30 s
    assert result["top_box_from"] == pytest.approx(0.7) and result["change"] == pytest.approx(0.05)
    assert "+5.0%" in app.what_if.value and "+4.0%" in app.what_if.value  # curve read and the notebook's own


def test_satisfaction_what_if_follows_the_controls_without_refitting(outputs):
    satisfaction_run(outputs)
    app = satisfaction(what_if_from=120.0)
    app.change.value = -120.0
    assert app.tables["what_if"]["change"].iloc[0] == pytest.approx(0.2)
    app.change.value = -500.0
    assert app.tables["what_if"]["clipped"].iloc[0] and "held at its ends" in app.what_if.value
    app.feature.value = "transferred"
    row = app.tables["what_if"].iloc[0]
    assert (row["from_value"], row["to_value"], row["change"]) == (1.0, 0.0, pytest.approx(0.2))
    app.driver_model.value = "boosting"
    assert app.tables["what_if"]["model"].iloc[0] == "boosting"
    app.differs_only.value = True
    assert list(app.tables["agents"]["agent_id"]) == ["A1", "A2"]


def test_satisfaction_run_choice_and_partial_runs(outputs):
    satisfaction_run(outputs, "20260101-000000", latest=False, agents=False)
    satisfaction_run(outputs, "20260102-000000")
    assert satisfaction(run_id="20260101-000000").run_id == "20260101-000000"
    partial = satisfaction(run_id="20260101-000000")
    assert any("agent_effects.csv" in n for n in partial.notices) and partial.agents_table.value == ""
    unknown = satisfaction(run_id="nope", what_if_feature="talk_seconds")
    assert unknown.run_id == "20260102-000000"
    assert any("nope" in n for n in unknown.notices) and any("talk_seconds" in n for n in unknown.notices)


def test_satisfaction_says_what_is_missing(outputs):
    app = satisfaction()
    assert any("No satisfaction-driver results" in n and "workbench run satisfaction_drivers --params demo" in n
               for n in app.notices), app.notices
    assert app.drivers_chart.value == "" and app.what_if.value == ""


# --------------------------------------------------------------------------- URL parameters


def test_url_parameters_json_and_per_name():
    values, notices = query_parameters(
        {"parameters": [b'{"queues": ["billing"], "language": "zh"}'], "interval_minutes": [b"15"],
         "theme": [b"dark"], "token": [b"secret"]}, OperationsAppParameters)
    assert values == {"queues": ["billing"], "language": "zh", "interval_minutes": 15} and notices == []
    _, notices = query_parameters({"parameters": [b"{not json"]}, OperationsAppParameters)
    assert notices and "not a JSON object" in notices[0]
    values, _ = query_parameters({"run_id": [b"20260105"], "service_level_target": [b"0.9"]}, StaffingAppParameters)
    assert values == {"run_id": "20260105", "service_level_target": 0.9}


@pytest.mark.parametrize("query, queues", [
    ({"queues": [b"billing"]}, ["billing"]),
    ({"queues": [b"billing", b"sales_en"]}, ["billing", "sales_en"]),
    ({"queues": [b"billing, sales_en"]}, ["billing", "sales_en"]),
    ({"queues": [b'["billing"]']}, ["billing"]),
])
def test_url_queues_are_a_list(query, queues):
    raw, notices = query_parameters(query, OperationsAppParameters)
    values, more = validated_url_parameters("operations", raw)
    assert values == {"queues": queues} and notices == more == []


def test_url_queues_billing_selects_both_billing_queues(store_path):
    values, notices = validated_url_parameters("operations", query_parameters({"queues": [b"billing"]},
                                                                              OperationsAppParameters)[0])
    app = operations(store_path, **values, url_notices=notices)
    assert app.notices == [] and app.queues == ["billing"]
    assert app.selected_queues() == ["billing_en", "billing_zh"]
    assert set(app.calls_behind("offered", pd.Timestamp(app.first_day), pd.Timestamp(app.last_day)
                                + pd.Timedelta(days=1))["queue_id"]) == {"billing_en", "billing_zh"}


def test_url_with_the_retired_queue_name_is_a_notice_not_a_filter(store_path):
    raw, notices = query_parameters({"queue": [b"billing"], "colour": [b"red"]}, OperationsAppParameters)
    values, more = validated_url_parameters("operations", raw)
    assert values == {} and notices == []
    assert any("'queue'" in n and "queues" in n for n in more)
    assert any("'colour'" in n and "not a parameter" in n for n in more)
    app = operations(store_path, **values, url_notices=more)
    assert app.queues == ["all"] and any("'queue'" in n for n in app.notices)


def test_url_period_is_retired_for_time_grain():
    raw, notices = query_parameters({"period": [b"W-MON"]}, TopicsAppParameters)
    values, more = validated_url_parameters("topics", raw)
    assert values == {} and notices == []
    assert len(more) == 1 and "'period'" in more[0] and "retired" in more[0] and "time_grain" in more[0]
    raw, notices = query_parameters({"time_grain": [b"W-MON"]}, TopicsAppParameters)
    assert validated_url_parameters("topics", raw) == ({"time_grain": "W-MON"}, [])


def test_invalid_url_values_fall_back_to_defaults_with_notices():
    values, notices = validated_url_parameters(
        "operations", {"queues": ["billing"], "service_level_target": 7, "date_from": "yesterday",
                       "store_path": "/etc/passwd", "colour": "red"})
    assert values == {"queues": ["billing"]}
    text = " ".join(notices)
    for word in ("service_level_target", "date_from", "store_path", "colour"):
        assert word in text
    values, notices = validated_url_parameters("staffing", {"service_level_target": 0.9, "date_from": "x"})
    assert values == {"service_level_target": 0.9} and len(notices) == 1
    values, notices = validated_url_parameters("operations", {"date_from": "2026-02-02", "date_to": "2026-01-01"})
    assert values == {} and notices
    values, notices = validated_url_parameters("satisfaction", {"model": "boosting", "driver_model": "boosting"})
    assert values == {"driver_model": "boosting"} and "'model'" in notices[0]


# --------------------------------------------------------------------------- notebooks and the serve command


@pytest.mark.parametrize("name", ["operations", "staffing", "topics", "satisfaction"])
def test_app_notebook_parameters_match_the_model(name):
    import ast

    import papermill

    from workbench import paths
    from workbench.params import parameter_model

    cell = papermill.inspect_notebook(str(paths.notebooks_dir() / "apps" / f"{name}.ipynb"))
    defaults = parameter_model(name)().model_dump(mode="json")
    assert list(cell) == list(defaults)
    for field, info in cell.items():
        assert ast.literal_eval(info["default"]) == defaults[field], field
        assert info["help"], f"parameter '{field}' needs a comment"


def test_prelaunch_hook_injects_validated_parameters():
    from types import SimpleNamespace

    import nbformat

    from workbench import paths
    from workbench.apps.serve import prelaunch_hook

    notebook = nbformat.read(paths.notebooks_dir() / "apps" / "operations.ipynb", as_version=4)
    request = SimpleNamespace(xsrf_token=b"t", request=SimpleNamespace(
        path="/voila/render/operations.ipynb",
        query_arguments={"queues": [b"billing", b"sales_en"], "csat_target": [b"9"], "store_path": [b"/etc"]}))
    injected = prelaunch_hook(request, notebook, str(paths.notebooks_dir() / "apps"))
    cells = [c for c in injected.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1
    source = cells[0].source
    assert 'queues = ["billing", "sales_en"]' in source and "csat_target" in source and "/etc" not in source.split("url_notices")[0]
    assert "url_notices" in source
    untouched = prelaunch_hook(SimpleNamespace(xsrf_token=b"t", request=SimpleNamespace(
        path="/voila/render/operations.ipynb", query_arguments={})), notebook, "")
    assert untouched is notebook


def test_serve_warns_when_binding_beyond_localhost(monkeypatch):
    from typer.testing import CliRunner

    import workbench.apps.serve as serve_module
    from workbench.cli import app

    calls = []
    monkeypatch.setattr(serve_module, "serve", lambda **kwargs: calls.append(kwargs))
    local = CliRunner().invoke(app, ["serve", "--port", "9999"])
    assert local.exit_code == 0 and calls[-1] == {"port": 9999, "ip": "127.0.0.1", "spare_kernels": 1}
    assert "warning" not in local.output
    cold = CliRunner().invoke(app, ["serve", "--spare-kernels", "0"])
    assert cold.exit_code == 0 and calls[-1]["spare_kernels"] == 0
    assert CliRunner().invoke(app, ["serve", "--spare-kernels", "-1"]).exit_code == 2
    exposed = CliRunner().invoke(app, ["serve", "--ip", "0.0.0.0"])
    assert exposed.exit_code == 0 and calls[-1]["ip"] == "0.0.0.0"
    assert "reverse proxy" in exposed.output and "JupyterHub" in exposed.output


def test_serve_runs_voila_with_the_warm_kernel_pool():
    from workbench.apps.kernel_pool import WarmKernelPool
    from workbench.apps.serve import voila_arguments

    arguments = voila_arguments(8866, "127.0.0.1", spare_kernels=2)
    manager = next(a for a in arguments if a.startswith("--VoilaConfiguration.multi_kernel_manager_class="))
    module, _, name = manager.split("=", 1)[1].rpartition(".")
    assert getattr(__import__(module, fromlist=[name]), name) is WarmKernelPool
    assert "--WarmKernelPool.spare_kernels=2" in arguments and "--VoilaConfiguration.preheat_kernel=False" in arguments
    assert "--WarmKernelPool.cull_connected=False" in arguments, "a page still open keeps its kernel"
    assert any(a.startswith("--WarmKernelPool.cull_idle_timeout=") for a in arguments)


# --------------------------------------------------------------------------- the reader's language


def page_text(app) -> str:
    """What a person reads on an app's page built in-process: its HTML views without charts or styles, the
    controls' labels and choices, and the notices."""
    import re

    import ipywidgets as widgets

    parts: list[str] = []

    def walk(widget) -> None:
        if isinstance(widget, widgets.HTML):
            html = re.sub(r"<(svg|style)\b.*?</\1>", " ", widget.value, flags=re.S)
            parts.append(re.sub(r"<[^>]+>", " ", html))
        if getattr(widget, "description", ""):
            parts.append(widget.description)
        parts.extend(str(label) for label in getattr(widget, "_options_labels", ()))
        for child in getattr(widget, "children", ()):
            walk(child)

    walk(app.container)
    import html as html_module

    return html_module.unescape(" ".join(parts + app.notices))


def test_topics_in_chinese_keeps_topic_words_and_examples_as_data(topics_store, outputs, english_after):
    from workbench import i18n

    app = topics(topics_store, interface_language="zh")
    text = page_text(app)
    for term in ("来电原因与话题", "新兴话题", "痛点", "队列", "时间粒度", "全部", "来电客户的原话"):
        assert term in text, term
    assert i18n.untranslated_texts(text, "zh") == []
    assert "cancel_contract" in text and "[redacted]" in text  # topic labels and redacted examples as stored
    assert "年" in app.emerging.value and "%" in app.pain.value  # dates and shares written for the reader
    app.time_grain.value = "W-MON"  # a widget change redraws in the page's language too
    assert "新兴话题" in app.emerging.value and i18n.untranslated_texts(page_text(app), "zh") == []
    english = page_text(topics(topics_store, interface_language="en"))
    assert "Contact drivers and topics" in english and "来电原因与话题" not in english


def test_satisfaction_in_chinese(outputs, english_after):
    from workbench import i18n

    satisfaction_run(outputs)
    app = satisfaction(interface_language="zh")
    text = page_text(app)
    for term in ("满意度驱动因素", "满分占比", "假设因素", "坐席", "驱动因素排名"):
        assert term in text, term
    assert i18n.untranslated_texts(text.replace("transferred", ""), "zh") == []  # driver names are data
    assert "wait_seconds" in app.what_if.value and "+5.0%" in app.what_if.value
    app.feature.value = "transferred"
    assert "满分占比" in app.what_if.value


def test_url_language_and_notices_in_it():
    from workbench import i18n
    from workbench.apps.serve import url_language

    assert url_language({"interface_language": [b"zh"]}) == "zh"
    assert url_language({"parameters": [b'{"interface_language": "zh-CN"}']}) == "zh"
    assert url_language({"interface_language": [b"klingon"]}) == i18n.default_language()
    with i18n.using_language("zh"):
        values, notices = validated_url_parameters("topics", {"interface_language": "klingon", "alpha": 7,
                                                              "colour": "red"})
    assert values == {} and len(notices) == 3
    assert all(re.search(r"[\u4e00-\u9fff]", n) for n in notices), notices
    assert any("klingon" in n and "zh" in n for n in notices)
    values, notices = validated_url_parameters("satisfaction", {"interface_language": "zh"})
    assert values == {"interface_language": "zh"} and notices == []


def test_prelaunch_hook_passes_the_language_and_writes_notices_in_it():
    from types import SimpleNamespace

    import nbformat

    from workbench import paths
    from workbench.apps.serve import prelaunch_hook

    notebook = nbformat.read(paths.notebooks_dir() / "apps" / "topics.ipynb", as_version=4)
    request = SimpleNamespace(xsrf_token=b"t", request=SimpleNamespace(
        path="/voila/render/topics.ipynb", query_arguments={"interface_language": [b"zh"], "colour": [b"red"]}))
    source = next(c.source for c in prelaunch_hook(request, notebook, "").cells
                  if "injected-parameters" in c.metadata.get("tags", []))
    import ast

    notices = ast.literal_eval(next(line for line in source.splitlines() if line.startswith("url_notices"))
                               .split("=", 1)[1].strip())
    assert 'interface_language = "zh"' in source and "不是本应用的参数" in notices[0]


def test_index_page_in_the_chosen_language():
    from workbench.apps.serve import index_page

    chinese = index_page("interface_language=zh&token=secret")
    assert chinese["heading"] == "呼叫中心应用" and chinese["lang"] == "zh-CN"
    assert [a["name"] for a in chinese["apps"]] == ["operations", "staffing", "topics", "satisfaction"]
    assert chinese["apps"][2]["title"] == "来电原因与话题" and chinese["apps"][3]["summary"]
    assert chinese["query"] == "?interface_language=zh"  # the token is never copied into links
    english = index_page("interface_language=en")
    assert english["apps"][3]["title"] == "Satisfaction drivers" and english["heading"] == "Call-centre apps"
