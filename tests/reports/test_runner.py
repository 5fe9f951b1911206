"""The Papermill runner: run folders, manifests, LATEST, failures and parameter checks."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from workbench.errors import NotebookRunError, ParameterError, WorkbenchError
from workbench.reports import runner
from workbench.reports.runner import latest_run, make_run_id, run_notebook

TINY_CELLS = [
    new_markdown_cell("# Tiny\nReads `input_csv`, writes `tables/copy.csv`."),
    new_code_cell(
        'input_csv: str = ""  # a CSV to copy\nfail: bool = False  # raise in the last cell',
        metadata={"tags": ["parameters"]},
    ),
    new_code_cell(
        "import sys\n"
        "import pandas as pd\n"
        "from workbench.reports.record import current_run_dir, record_input, save_table\n"
        "frame = pd.read_csv(input_csv)\n"
        "record_input(input_csv, rows=len(frame), name='input')\n"
        "save_table(frame, 'copy')\n"
        "print(sys.executable, current_run_dir())"
    ),
    new_code_cell("if fail:\n    raise ValueError('asked to fail')\nlen(frame)"),
]


@pytest.fixture
def tiny(tmp_path) -> tuple[Path, Path]:
    """A tiny notebook and its input CSV, both in tmp_path."""
    nb = new_notebook(cells=TINY_CELLS)
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "tiny.ipynb"
    nbformat.write(nb, path)
    csv = tmp_path / "input.csv"
    csv.write_text("a,b\n1,x\n2,y\n3,z\n", encoding="utf-8")
    return path, csv


def manifest_of(run_dir: Path) -> dict:
    return json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_run_id_is_utc_time_and_fingerprint():
    from datetime import UTC, datetime

    run_id = make_run_id("nb", {"a": 1}, datetime(2026, 11, 23, 14, 25, 1, tzinfo=UTC))
    stamp, fingerprint = run_id.split("-")
    assert stamp == "20261123T142501Z" and len(fingerprint) == 8
    assert make_run_id("nb", {"a": 2}, datetime(2026, 11, 23, 14, 25, 1, tzinfo=UTC)) != run_id


def test_runner_module_does_not_import_papermill():
    import subprocess

    code = "import sys, workbench.reports.runner; print('papermill' in sys.modules, 'nbconvert' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.stdout.strip() == "False False"


@pytest.mark.notebook
@pytest.mark.slow
def test_successful_run_writes_folder_manifest_and_latest(tiny, tmp_path):
    notebook, csv = tiny
    out = tmp_path / "outputs"
    result = run_notebook(notebook, {"input_csv": str(csv)}, outputs_dir=out)

    assert result.status == "succeeded"
    assert result.run_dir.parent == out / "tiny"
    assert (out / "tiny" / "LATEST").read_text().strip() == result.run_id
    assert latest_run("tiny", out) == result.run_dir
    for name in ("tiny.ipynb", "report.html", "parameters.yaml", "manifest.json"):
        assert (result.run_dir / name).is_file(), name

    manifest = manifest_of(result.run_dir)
    assert manifest["status"] == "succeeded" and manifest["error"] is None
    assert manifest["run_id"] == result.run_id and manifest["notebook"] == "tiny"
    assert manifest["parameters"] == {"input_csv": str(csv)}
    assert manifest["duration_seconds"] > 0 and manifest["finished_at"] >= manifest["started_at"]
    assert "revision" in manifest["git"]
    [recorded] = manifest["inputs"]
    assert recorded["path"] == str(csv.resolve()) and recorded["rows"] == 3 and len(recorded["sha256"]) == 64
    outputs = {o["path"]: o for o in manifest["outputs"]}
    assert sorted(outputs) == ["tables.xlsx", "tables/copy.csv", "tables/copy.parquet"]
    table = outputs["tables/copy.csv"]
    assert table["rows"] == 3 and len(table["sha256"]) == 64
    assert len(outputs["tables.xlsx"]["sha256"]) == 64
    assert manifest["workbook"] == "tables.xlsx" and result.workbook == result.run_dir / "tables.xlsx"
    assert manifest["pdf"] is None and result.report_pdf is None  # not asked for

    # The kernel is this very interpreter, and it was told its run folder.
    executed = nbformat.read(result.executed_notebook, as_version=4)
    printed = "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
    assert f"{Path(sys.executable)} {result.run_dir}" in printed or f"{sys.executable} {result.run_dir}" in printed

    html = (result.run_dir / "report.html").read_text(encoding="utf-8")
    assert "read_csv" not in html  # no code input
    assert re.search(r"""(?:src|href)=["']?https?://|import\(["']https?://|cdnjs|unpkg|jsdelivr""", html) is None


@pytest.mark.notebook
@pytest.mark.slow
def test_failing_notebook_keeps_folder_records_error_and_leaves_latest(tiny, tmp_path):
    notebook, csv = tiny
    out = tmp_path / "outputs"
    good = run_notebook(notebook, {"input_csv": str(csv)}, outputs_dir=out)

    with pytest.raises(NotebookRunError, match="ValueError: asked to fail") as caught:
        run_notebook(notebook, {"input_csv": str(csv), "fail": True}, outputs_dir=out)

    failed_dir = Path(caught.value.run_dir)
    assert failed_dir.is_dir() and failed_dir != good.run_dir
    manifest = manifest_of(failed_dir)
    assert manifest["status"] == "failed"
    assert manifest["error"]["ename"] == "ValueError"
    assert manifest["error"]["evalue"] == "asked to fail"
    assert isinstance(manifest["error"]["cell_index"], int)
    assert "raise ValueError" in manifest["error"]["source"]
    assert (failed_dir / "tiny.ipynb").is_file()
    executed = nbformat.read(failed_dir / "tiny.ipynb", as_version=4)
    assert executed.metadata.papermill.exception is True
    assert (out / "tiny" / "LATEST").read_text().strip() == good.run_id


@pytest.mark.notebook
@pytest.mark.slow
def test_two_runs_make_two_folders_and_overwrite_nothing(tiny, tmp_path):
    notebook, csv = tiny
    out = tmp_path / "outputs"
    first = run_notebook(notebook, {"input_csv": str(csv)}, outputs_dir=out)
    before = snapshot(first.run_dir)
    second = run_notebook(notebook, {"input_csv": str(csv)}, outputs_dir=out)

    assert second.run_dir != first.run_dir
    assert snapshot(first.run_dir) == before
    assert sorted(p.name for p in (out / "tiny").iterdir() if p.is_dir()) == sorted([first.run_id, second.run_id])
    assert (out / "tiny" / "LATEST").read_text().strip() == second.run_id


def _no_kernel(*args, **kwargs):
    raise AssertionError("a kernel was started")


@pytest.mark.parametrize(
    ("parameters", "field"),
    [({"interval_minutes": 7}, "interval_minutes"), ({"no_such_thing": 1}, "no_such_thing")],
)
def test_invalid_parameters_raise_before_any_folder_or_kernel(parameters, field, tmp_path, monkeypatch):
    import papermill

    monkeypatch.setattr(papermill, "execute_notebook", _no_kernel)
    out = tmp_path / "outputs"
    with pytest.raises(ParameterError) as caught:
        run_notebook("sample_overview", parameters, outputs_dir=out)
    assert caught.value.field == field
    assert not out.exists()


def test_invalid_parameter_set_names_the_file(tmp_path, monkeypatch):
    import papermill

    monkeypatch.setattr(papermill, "execute_notebook", _no_kernel)
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: fine\nservice_level_target: -0.1\n", encoding="utf-8")
    with pytest.raises(ParameterError) as caught:
        run_notebook("sample_overview", parameter_set=bad, outputs_dir=tmp_path / "outputs")
    assert (caught.value.file, caught.value.field, caught.value.row) == (str(bad), "service_level_target", 2)
    assert not (tmp_path / "outputs").exists()


def test_unknown_parameter_of_unregistered_notebook_is_rejected(tiny, tmp_path, monkeypatch):
    import papermill

    monkeypatch.setattr(papermill, "execute_notebook", _no_kernel)
    with pytest.raises(ParameterError, match="unknown parameter") as caught:
        run_notebook(tiny[0], {"input_cvs": "x"}, outputs_dir=tmp_path / "outputs")
    assert caught.value.field == "input_cvs"
    assert not (tmp_path / "outputs").exists()


def test_existing_run_id_is_never_reused(tiny, tmp_path, monkeypatch):
    import papermill

    monkeypatch.setattr(papermill, "execute_notebook", _no_kernel)
    existing = tmp_path / "outputs" / "tiny" / "20260101T000000Z-deadbeef"
    existing.mkdir(parents=True)
    (existing / "keep.txt").write_text("mine")
    with pytest.raises(WorkbenchError, match="never overwritten"):
        run_notebook(tiny[0], {"input_csv": "x"}, run_id=existing.name, outputs_dir=tmp_path / "outputs")
    assert [p.name for p in existing.iterdir()] == ["keep.txt"]


def test_missing_notebook_is_named(tmp_path):
    with pytest.raises(WorkbenchError, match="notebook not found"):
        run_notebook(tmp_path / "absent.ipynb", outputs_dir=tmp_path)


def test_exception_flag_in_output_notebook_counts_as_failure(tmp_path):
    nb = new_notebook(cells=[new_code_cell("1/0")])
    nb.cells[0].outputs = [nbformat.v4.new_output("error", ename="ZeroDivisionError", evalue="division by zero")]
    nb.metadata["papermill"] = {"exception": True}
    path = tmp_path / "done.ipynb"
    nbformat.write(nb, path)
    error = runner._error_from_notebook(path)
    assert error["cell_index"] == 0 and error["ename"] == "ZeroDivisionError"

    nb.metadata["papermill"]["exception"] = False
    nbformat.write(nb, path)
    assert runner._error_from_notebook(path) is None


def test_outputs_dir_honours_environment(tiny, tmp_path, monkeypatch):
    import papermill

    calls = []
    monkeypatch.setattr(papermill, "execute_notebook", lambda *a, **k: calls.append(k) or _no_kernel())
    monkeypatch.setenv("WORKBENCH_OUTPUTS_DIR", str(tmp_path / "env_outputs"))
    with pytest.raises(NotebookRunError):
        run_notebook(tiny[0], {"input_csv": "x"})
    [run_dir] = (tmp_path / "env_outputs" / "tiny").iterdir()
    assert manifest_of(run_dir)["status"] == "failed"
    assert calls[0]["cwd"] == str(run_dir)


def test_importing_the_reports_package_leaves_heavy_modules_unloaded():
    import subprocess

    code = ("import sys, workbench.reports, workbench.reports.record, workbench.reports.schedule;"
            "print([m for m in ('pandas', 'papermill', 'nbconvert') if m in sys.modules])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr
