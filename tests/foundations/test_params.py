"""Parameter models, parameter-set files and their validation errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from workbench.errors import ParameterError
from workbench.glossary import (
    DEFAULT_INTERVAL_MINUTES,
    DEFAULT_REPEAT_WINDOW_DAYS,
    DEFAULT_SHORT_ABANDON_SECONDS,
    DEFAULT_TARGET_ANSWER_SECONDS,
    Period,
)
from workbench.params import (
    NotebookParameters,
    PeriodSelection,
    QueueSelection,
    SampleOverviewParameters,
    StoreSelection,
    check_parameter_files,
    load_parameter_set,
    parameter_model,
    read_parameter_file,
    registered_notebooks,
    validate_parameters,
)


def write_set(base: Path, notebook: str, name: str, text: str) -> Path:
    folder = base / notebook
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_sample_overview_is_registered_and_forbids_extra_keys():
    model = parameter_model("sample_overview")
    assert model is SampleOverviewParameters
    assert issubclass(model, NotebookParameters)
    assert model.model_config["extra"] == "forbid"
    assert "sample_overview" in registered_notebooks()


def test_unknown_key_is_rejected_naming_file_and_field(tmp_path):
    path = write_set(tmp_path, "sample_overview", "typo", "interval_minutes: 30\ninterval_minute: 15\n")
    with pytest.raises(ParameterError) as caught:
        load_parameter_set("sample_overview", path)
    error = caught.value
    assert error.file == str(path)
    assert error.field == "interval_minute"
    assert error.row == 2
    assert str(path) in str(error) and "interval_minute" in str(error)


def test_out_of_range_is_rejected_naming_file_and_field(tmp_path):
    path = write_set(tmp_path, "sample_overview", "range", "service_level_target: 1.5\n")
    with pytest.raises(ParameterError) as caught:
        load_parameter_set("sample_overview", path)
    assert caught.value.file == str(path)
    assert caught.value.field == "service_level_target"
    assert "less than or equal to 1" in str(caught.value)


@pytest.mark.parametrize("bad", [7, 45, 0, -15, "half an hour"])
def test_interval_minutes_must_divide_the_hour(bad):
    with pytest.raises(ParameterError, match="interval_minutes"):
        validate_parameters("sample_overview", {"interval_minutes": bad})


def test_interval_minutes_accepts_every_divisor_of_the_hour():
    assert validate_parameters("kpi_overview", {"interval_minutes": 20}).interval_minutes == 20


def test_several_problems_are_all_listed(tmp_path):
    path = write_set(tmp_path, "sample_overview", "many", "bogus: 1\ntarget_answer_seconds: 0\nlanguage: fr\n")
    with pytest.raises(ParameterError) as caught:
        load_parameter_set("sample_overview", path)
    fields = {p.field for p in caught.value.problems}
    assert fields == {"bogus", "target_answer_seconds", "language"}
    assert all(p.file == str(path) for p in caught.value.problems)


def test_valid_set_passes_and_keeps_defaults(tmp_path):
    path = write_set(tmp_path, "sample_overview", "ok", "interval_minutes: 15\nqueues: [billing, sales]\n")
    params = load_parameter_set("sample_overview", path)
    assert params.interval_minutes == 15
    assert params.queues == ["billing", "sales"]
    assert params.language == SampleOverviewParameters().language


def test_set_name_is_looked_up_under_parameters_dir(tmp_path, monkeypatch):
    write_set(tmp_path, "sample_overview", "mine", "language: zh\n")
    monkeypatch.setenv("WORKBENCH_PARAMETERS_DIR", str(tmp_path))
    assert load_parameter_set("sample_overview", "mine").language == "zh"


def test_dates_are_parsed_from_iso_strings(tmp_path):
    # Unquoted: our loader, like Papermill's, keeps them as strings; the model parses them.
    path = write_set(tmp_path, "sample_overview", "dates", "date_from: 2026-01-05\ndate_to: '2026-01-11'\n")
    values, _ = read_parameter_file(path)
    assert values["date_from"] == "2026-01-05"
    params = load_parameter_set("sample_overview", path)
    assert params.date_from == date(2026, 1, 5)
    assert params.date_to == date(2026, 1, 11)
    assert params.to_papermill()["date_from"] == "2026-01-05"
    assert params.period() == Period.of("2026-01-05", "2026-01-11")


@pytest.mark.parametrize("bad", ["2026-13-01", "next monday", "05/01/2026"])
def test_bad_dates_are_rejected(bad):
    with pytest.raises(ParameterError, match="date_from"):
        validate_parameters("sample_overview", {"date_from": bad})


@pytest.mark.parametrize("notebook", ["sample_overview", "kpi_overview", "operations"])
def test_date_to_before_date_from_is_rejected(notebook):
    with pytest.raises(ParameterError, match="before date_from"):
        validate_parameters(notebook, {"date_from": "2026-01-05", "date_to": "2026-01-04"})


def test_relative_sample_dir_resolves_against_repo_root(monkeypatch, tmp_path):
    monkeypatch.setenv("WORKBENCH_ROOT", str(tmp_path))
    monkeypatch.chdir("/")
    params = validate_parameters("sample_overview", {"sample_dir": "data/x"})
    assert params.sample_path() == tmp_path / "data" / "x"
    assert validate_parameters("sample_overview", {"sample_dir": "/abs"}).sample_path() == Path("/abs")


def test_unregistered_notebook_is_named():
    with pytest.raises(ParameterError, match="no parameter model is registered for notebook 'nope'"):
        validate_parameters("nope", {})


def test_invalid_yaml_and_non_mapping_are_located(tmp_path):
    broken = write_set(tmp_path, "sample_overview", "broken", "title: ok\nqueues: [billing\n")
    listed = write_set(tmp_path, "sample_overview", "listed", "- interval_minutes\n")
    with pytest.raises(ParameterError, match="not valid YAML") as caught:
        read_parameter_file(broken)
    assert caught.value.file == str(broken) and caught.value.row is not None
    with pytest.raises(ParameterError, match="expected a mapping"):
        read_parameter_file(listed)


def test_check_parameter_files_reports_each_error_and_skips_unregistered(tmp_path):
    write_set(tmp_path, "sample_overview", "good", "interval_minutes: 60\n")
    bad = write_set(tmp_path, "sample_overview", "bad", "colour: red\ninterval_minutes: 45\n")
    empty = write_set(tmp_path, "sample_overview", "empty", "")
    write_set(tmp_path, "ingest", "whatever", "anything: goes\n")  # no model registered: skipped
    errors = check_parameter_files(tmp_path)
    assert sorted((e.file, e.field, e.row) for e in errors) == [
        (str(bad), "colour", 1),
        (str(bad), "interval_minutes", 2),
    ]
    assert str(empty) not in {e.file for e in errors}


def test_committed_parameter_files_are_valid():
    assert check_parameter_files() == []


def test_committed_sets_hold_only_known_overrides():
    from workbench import paths

    for path in sorted((paths.parameters_dir() / "sample_overview").glob("*.yaml")):
        values, _ = read_parameter_file(path)
        assert set(values) <= set(SampleOverviewParameters.model_fields), path
    assert (paths.parameters_dir() / "sample_overview" / "smoke.yaml").exists()


# --------------------------------------------------------------------------- shared concepts


def models_with(field: str) -> list[type[NotebookParameters]]:
    return [model for model in registered_notebooks().values() if field in model.model_fields]


def test_every_model_with_a_store_shares_one_store_selection():
    models = models_with("store_path")
    assert len(models) >= 8
    for model in models:
        assert issubclass(model, StoreSelection), model.__name__
        assert model.model_fields["store_path"].default is None, model.__name__


def test_unset_store_path_is_the_configured_store(monkeypatch, tmp_path):
    monkeypatch.setenv("WORKBENCH_STORE", str(tmp_path / "elsewhere.duckdb"))
    for model in models_with("store_path"):
        assert model().store_file() == tmp_path / "elsewhere.duckdb", model.__name__
    monkeypatch.delenv("WORKBENCH_STORE")
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "data"))
    assert validate_parameters("kpi_overview", {}).store_file() == tmp_path / "data" / "warehouse.duckdb"


def test_relative_store_path_resolves_against_repo_root(monkeypatch, tmp_path):
    monkeypatch.setenv("WORKBENCH_ROOT", str(tmp_path))
    monkeypatch.chdir("/")
    assert validate_parameters("ingest_overview", {"store_path": "x.duckdb"}).store_file() == tmp_path / "x.duckdb"


def test_periods_and_queues_come_from_one_mixin_each():
    for model in models_with("date_from"):
        assert issubclass(model, PeriodSelection) and "date_to" in model.model_fields, model.__name__
    for model in models_with("queues"):
        assert issubclass(model, QueueSelection), model.__name__
        assert model().queues == [], model.__name__


def test_a_single_queue_is_a_one_element_list():
    assert validate_parameters("operations", {"queues": "billing"}).queues == ["billing"]
    assert validate_parameters("staffing_forecast", {"queues": ["billing_zh"]}).queues == ["billing_zh"]


@pytest.mark.parametrize(
    ("field", "default"),
    [
        ("interval_minutes", DEFAULT_INTERVAL_MINUTES),
        ("target_answer_seconds", DEFAULT_TARGET_ANSWER_SECONDS),
        ("short_abandon_seconds", DEFAULT_SHORT_ABANDON_SECONDS),
        ("repeat_window_days", DEFAULT_REPEAT_WINDOW_DAYS),
    ],
)
def test_shared_defaults_come_from_the_glossary(field, default):
    models = [m for m in models_with(field) if m.model_fields[field].default is not None]
    assert models
    for model in models:
        assert getattr(model(), field) == default, model.__name__


def test_kpi_arguments_use_the_final_vocabulary():
    params = validate_parameters(
        "kpi_overview",
        {"date_from": "2026-01-05", "target_answer_seconds": 30, "repeat_window_days": 3, "queues": ["billing"]},
    )
    assert params.kpi_arguments() == {
        "interval_minutes": DEFAULT_INTERVAL_MINUTES,
        "date_from": "2026-01-05",
        "date_to": None,
        "target_answer_seconds": 30,
        "short_abandon_seconds": DEFAULT_SHORT_ABANDON_SECONDS,
        "repeat_window_days": 3,
        "queues": ["billing"],
    }


@pytest.mark.parametrize(
    ("notebook", "field", "registry_name"),
    [
        ("transcription_overview", "engine", "ASR_ENGINES"),
        ("staffing_forecast", "forecast_model", "FORECAST_MODELS"),
        ("topic_overview", "embedding", "EMBEDDINGS"),
        ("satisfaction", "driver_model", "DRIVER_MODELS"),
    ],
)
def test_registered_names_are_checked_by_their_registry(notebook, field, registry_name, monkeypatch):
    from workbench import registries

    registry = getattr(registries, registry_name)
    for name in registry.choices():
        assert getattr(validate_parameters(notebook, {field: name}), field) == name
    with pytest.raises(ParameterError, match=f"expected one of {', '.join(registry.choices())}") as caught:
        validate_parameters(notebook, {field: "no_such_name"})
    assert caught.value.field == field
    monkeypatch.setitem(registry, "plugged_in", object())  # a plug-in's name is valid without touching the model
    assert getattr(validate_parameters(notebook, {field: "plugged_in"}), field) == "plugged_in"


@pytest.mark.parametrize(("retired", "replacement"), [("start_date", "date_from"), ("fcr_days", "repeat_window_days"),
                                                      ("service_level_seconds", "target_answer_seconds")])
def test_a_retired_name_in_a_parameter_file_names_its_replacement(tmp_path, retired, replacement):
    path = tmp_path / "old.yaml"
    path.write_text(f"interval_minutes: 30\n{retired}: 7\n", encoding="utf-8")
    with pytest.raises(ParameterError) as caught:
        load_parameter_set("kpi_overview", path)
    assert caught.value.row == 2 and caught.value.field == retired
    assert f"use {replacement}" in str(caught.value)


def test_the_retired_period_in_a_topic_set_names_time_grain(tmp_path):
    path = tmp_path / "old.yaml"
    path.write_text("n_topics: 8\nperiod: D\n", encoding="utf-8")
    with pytest.raises(ParameterError) as caught:
        load_parameter_set("topic_overview", path)
    assert caught.value.row == 2 and caught.value.field == "period"
    assert "use time_grain" in str(caught.value)
    path.write_text("n_topics: 8\ntime_grain: D\n", encoding="utf-8")
    assert load_parameter_set("topic_overview", path).time_grain == "D"


@pytest.mark.parametrize(("notebook", "field", "keyword", "value"), [
    ("transcription_overview", "spoken_language", "language", "zh"),
    ("topic_overview", "text_language", "language", "mixed"),
])
def test_language_fields_map_to_the_analysis_keyword(notebook, field, keyword, value):
    params = validate_parameters(notebook, {field: value})
    arguments = params.transcribe_arguments() if notebook == "transcription_overview" else params.fit_options()
    assert arguments[keyword] == value
    with pytest.raises(ParameterError):
        validate_parameters(notebook, {"language": value})  # the filter's name, not the recording's or text's

