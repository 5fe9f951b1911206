"""The command-line interface, driven as a user would (typer's runner, real files)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from typer.testing import CliRunner

from workbench import __version__
from workbench.cli import app

runner = CliRunner()


def _tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_version():
    result = runner.invoke(app, ["version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"workbench {__version__}"


def test_sample_data_twice_with_one_seed_gives_identical_files(tmp_path):
    arguments = ["sample-data", "--days", "2", "--seed", "11", "--transcript-calls", "40"]
    first = runner.invoke(app, arguments + ["--out", str(tmp_path / "a")])
    second = runner.invoke(app, arguments + ["--out", str(tmp_path / "b")])
    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    digest_a, digest_b = _tree_digest(tmp_path / "a"), _tree_digest(tmp_path / "b")
    assert "exports/acd_calls.csv" in digest_a and "truth/calls.csv" in digest_a
    assert digest_a == digest_b


def test_params_check_rejects_unknown_key_and_out_of_range_value_naming_file_and_field(tmp_path):
    folder = tmp_path / "parameters" / "sample_overview"
    folder.mkdir(parents=True)
    (folder / "good.yaml").write_text("interval_minutes: 30\n")
    (folder / "typo.yaml").write_text("interval_minutes: 30\nqueue_filter: billing_zh\n")
    (folder / "range.yaml").write_text("service_level_target: 1.7\n")
    result = runner.invoke(app, ["params", "check", str(tmp_path / "parameters")])
    assert result.exit_code == 1
    output = result.output
    assert "typo.yaml" in output and "queue_filter" in output
    assert "range.yaml" in output and "service_level_target" in output
    assert "good.yaml" not in output


def test_params_check_passes_on_the_shipped_parameter_sets():
    result = runner.invoke(app, ["params", "check"])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output


def test_store_init_then_info(tmp_path):
    store = tmp_path / "w.duckdb"
    assert runner.invoke(app, ["store", "info", "--store", str(store)]).exit_code == 1
    created = runner.invoke(app, ["store", "init", "--store", str(store)])
    assert created.exit_code == 0 and "schema version 1" in created.output
    info = runner.invoke(app, ["store", "info", "--store", str(store)])
    assert info.exit_code == 0
    assert "calls" in info.output and "transcript_segments" in info.output


def test_run_refuses_invalid_parameters_before_any_kernel(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_OUTPUTS_DIR", str(tmp_path / "outputs"))
    result = runner.invoke(app, ["run", "sample_overview", "-p", "interval_minutes=7"])
    assert result.exit_code == 2
    assert "interval_minutes" in result.output
    assert not (tmp_path / "outputs" / "sample_overview").exists()
