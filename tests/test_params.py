"""Parameter models, parameter-set files and their validation errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from workbench.errors import ParameterError
from workbench.params import (
    NotebookParameters,
    SampleOverviewParameters,
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


def test_interval_minutes_must_be_15_30_or_60():
    with pytest.raises(ParameterError, match="interval_minutes"):
        validate_parameters("sample_overview", {"interval_minutes": 20})


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
    path = write_set(tmp_path, "sample_overview", "dates", "start_date: 2026-01-05\nend_date: '2026-01-11'\n")
    values, _ = read_parameter_file(path)
    assert values["start_date"] == "2026-01-05"
    params = load_parameter_set("sample_overview", path)
    assert params.start_date == date(2026, 1, 5)
    assert params.end_date == date(2026, 1, 11)
    assert params.to_papermill()["start_date"] == "2026-01-05"


@pytest.mark.parametrize("bad", ["2026-13-01", "next monday", "05/01/2026"])
def test_bad_dates_are_rejected(bad):
    with pytest.raises(ParameterError, match="start_date"):
        validate_parameters("sample_overview", {"start_date": bad})


def test_end_before_start_is_rejected():
    with pytest.raises(ParameterError, match="before start_date"):
        validate_parameters("sample_overview", {"start_date": "2026-01-05", "end_date": "2026-01-04"})


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
