"""Notebooks: committed stripped, one parameters cell in step with its model, and a smoke run each."""

from __future__ import annotations

import ast
import html
import json
import re
from pathlib import Path

import nbformat
import pytest

from language_support import visible_text

from workbench import paths
from workbench.params import parameter_model, registered_notebooks

NOTEBOOKS = sorted(p for p in paths.notebooks_dir().rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
PIPELINE_NOTEBOOKS = sorted(p for p in paths.notebooks_dir().glob("*.ipynb"))
CDN = re.compile(
    r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|import\(\s*["'](?:https?:)?//|url\(\s*["']?https?://"""
    r"""|cdnjs|unpkg\.com|jsdelivr""",
    re.IGNORECASE,
)


def ids(notebooks: list[Path]) -> list[str]:
    return [str(p.relative_to(paths.notebooks_dir())) for p in notebooks]


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def code_of(cell) -> str:
    """Cell source with IPython magics and shell escapes blanked, so ast can parse it."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in cell.source.splitlines())


def parameters_cells(nb) -> list[int]:
    return [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]


def test_there_are_pipeline_notebooks():
    assert PIPELINE_NOTEBOOKS, "no notebooks under notebooks/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_committed_without_outputs_or_execution_counts(path):
    nb = read(path)
    nbformat.validate(nb)
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert dirty == [], f"{path.name}: cells {dirty} keep outputs or execution counts; strip them"
    assert "papermill" not in nb.metadata and "widgets" not in nb.metadata
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_exactly_one_parameters_cell(path):
    nb = read(path)
    cells = parameters_cells(nb)
    assert len(cells) == 1, f"{path.name}: {len(cells)} cells tagged 'parameters'"
    assert nb.cells[cells[0]].cell_type == "code"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_no_def_or_class_in_notebook_code(path):
    for index, cell in enumerate(read(path).cells):
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(code_of(cell))):
            assert not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)), (
                f"{path.name} cell {index} defines '{node.name}': move it into the package"
            )


@pytest.mark.parametrize("path", PIPELINE_NOTEBOOKS, ids=ids(PIPELINE_NOTEBOOKS))
def test_pipeline_notebook_shape(path):
    nb = read(path)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# "), "needs a markdown title"
    assert "Reads" in nb.cells[0].source and "Writes" in nb.cells[0].source, "title should say what it reads/writes"
    assert path.stem in registered_notebooks(), f"no parameter model registered for '{path.stem}'"


@pytest.mark.parametrize("path", PIPELINE_NOTEBOOKS, ids=ids(PIPELINE_NOTEBOOKS))
def test_parameters_cell_matches_model(path):
    import papermill

    model = parameter_model(path.stem)
    cell = papermill.inspect_notebook(str(path))
    defaults = model().model_dump(mode="json")
    assert list(cell) == list(defaults), "parameters cell and model name different parameters (or order)"
    for name, info in cell.items():
        assert ast.literal_eval(info["default"]) == defaults[name], f"default of '{name}' differs from the model"
        assert info["help"], f"parameter '{name}' needs a comment saying what it is"
        assert info["inferred_type_name"] != "None", f"parameter '{name}' needs a type annotation"


@pytest.mark.parametrize("path", PIPELINE_NOTEBOOKS, ids=ids(PIPELINE_NOTEBOOKS))
def test_cell_after_parameters_validates_every_parameter(path):
    nb = read(path)
    cell = nb.cells[parameters_cells(nb)[0] + 1]
    calls = [
        node
        for node in ast.walk(ast.parse(code_of(cell)))
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "validate_parameters"
    ]
    assert len(calls) == 1, "the cell after the parameters cell must call validate_parameters once"
    notebook_arg, values_arg = calls[0].args
    assert ast.literal_eval(notebook_arg) == path.stem
    assert isinstance(values_arg, ast.Dict)
    keys = [ast.literal_eval(k) for k in values_arg.keys]
    names = [v.id for v in values_arg.values]
    assert keys == names == list(parameter_model(path.stem).model_fields)


# --------------------------------------------------------------------------- smoke runs


@pytest.fixture(scope="module")
def generated_sample(tmp_path_factory) -> Path:
    """A two-day generated sample (few transcripts, to stay fast)."""
    from workbench.sample.generate import generate_call_centre

    out = tmp_path_factory.mktemp("sample")
    generate_call_centre(out, days=2, seed=1, transcript_calls=50)
    return out


@pytest.fixture(scope="module")
def sample_store(generated_sample, tmp_path_factory) -> Path:
    """The two-day sample's ACD calls and surveys ingested into a fresh store."""
    from workbench.ingest import ingest_files

    folder = tmp_path_factory.mktemp("store")
    store = folder / "warehouse.duckdb"
    exports = generated_sample / "exports"
    for export, profile in [("acd_calls.csv", "sample_acd"), ("surveys.csv", "sample_surveys")]:
        summary = ingest_files([exports / export], profile, store_path=store, rejects_dir=folder / "rejects")
        assert (summary["status"] == "succeeded").all(), summary.to_dict("records")
    return store


@pytest.mark.notebook
@pytest.mark.slow
@pytest.mark.parametrize("path", PIPELINE_NOTEBOOKS, ids=ids(PIPELINE_NOTEBOOKS))
def test_pipeline_notebook_smoke_run(path, request, tmp_path, monkeypatch):
    from workbench.reports.runner import run_notebook

    monkeypatch.setenv("WORKBENCH_OUTPUTS_DIR", str(tmp_path / "outputs"))
    fields = parameter_model(path.stem).model_fields
    overrides = {}
    if "sample_dir" in fields:
        overrides["sample_dir"] = str(request.getfixturevalue("generated_sample"))
    if "store_path" in fields:
        overrides["store_path"] = str(request.getfixturevalue("sample_store"))
    if "exports_dir" in fields:
        overrides["exports_dir"] = str(request.getfixturevalue("generated_sample") / "exports")
    if "rejects_dir" in fields:  # where the sample_store fixture put its rejects
        overrides["rejects_dir"] = str(request.getfixturevalue("sample_store").parent / "rejects")
    result = run_notebook(path.stem, overrides, parameter_set="smoke")

    run_dir = result.run_dir
    assert run_dir.parent == tmp_path / "outputs" / path.stem
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "succeeded" and manifest["error"] is None
    assert manifest["parameter_set"] == "smoke"
    assert (tmp_path / "outputs" / path.stem / "LATEST").read_text().strip() == run_dir.name
    assert (run_dir / "parameters.yaml").is_file() and (run_dir / path.name).is_file()
    assert manifest["inputs"], "the notebook should record what it read"
    assert all(len(i["sha256"]) == 64 and i["rows"] is not None for i in manifest["inputs"])
    assert manifest["outputs"] and all(len(o["sha256"]) == 64 for o in manifest["outputs"])

    report = (run_dir / "report.html").read_text(encoding="utf-8")
    assert CDN.search(report) is None, f"report.html requests the network: {CDN.search(report).group(0)!r}"
    code_cells = re.findall(r'class="([^"]*\bjp-CodeCell\b[^"]*)"', report)
    assert code_cells and all("jp-mod-noInput" in c for c in code_cells), "report.html shows code cells"
    assert "hl-ipython3" not in report, "report.html shows highlighted code"
    for cell in read(path).cells:
        if cell.cell_type == "code" and "parameters" not in cell.metadata.get("tags", []):
            first_line = next(line for line in cell.source.splitlines() if line.strip())
            assert html.escape(first_line) not in report and first_line not in report, first_line
    assert "<svg" in report or "<img" in report, "charts should be drawn into the report"


@pytest.mark.notebook
@pytest.mark.slow
def test_ingest_notebook_loads_a_fresh_store_then_adds_nothing(generated_sample, tmp_path, monkeypatch):
    """The ingestion notebook really loads, accounts for every row, and a re-run is skipped."""
    import pandas as pd

    from workbench.reports.runner import run_notebook
    from workbench.store import Store

    monkeypatch.setenv("WORKBENCH_OUTPUTS_DIR", str(tmp_path / "outputs"))
    overrides = {
        "store_path": str(tmp_path / "fresh.duckdb"),
        "exports_dir": str(generated_sample / "exports"),
        "rejects_dir": str(tmp_path / "rejects"),
    }
    first = run_notebook("ingest_overview", overrides, parameter_set="smoke")
    summary = pd.read_csv(first.run_dir / "tables" / "ingestion_summary.csv")
    assert list(summary["status"]) == ["succeeded", "succeeded"]
    assert (summary["rows_read"] == summary["rows_loaded"] + summary["rows_rejected"] + summary["rows_duplicate"]).all()
    assert summary["rows_loaded"].min() > 0
    reasons = pd.read_csv(first.run_dir / "tables" / "reject_reasons.csv")
    assert reasons["rows"].sum() >= summary["rows_rejected"].sum() > 0  # the sample carries deliberately bad rows
    with Store(tmp_path / "fresh.duckdb", read_only=True) as store:
        counts = store.table_counts()
    assert counts["calls"] == summary["rows_loaded"].iloc[0] and counts["surveys"] == summary["rows_loaded"].iloc[1]

    second = run_notebook("ingest_overview", overrides, parameter_set="smoke")
    again = pd.read_csv(second.run_dir / "tables" / "ingestion_summary.csv")
    assert list(again["status"]) == ["skipped", "skipped"] and again["rows_loaded"].sum() == 0
    with Store(tmp_path / "fresh.duckdb", read_only=True) as store:
        assert store.table_counts() == counts
    report = (second.run_dir / "report.html").read_text(encoding="utf-8")
    assert "<svg" in report or "<img" in report  # the reject-reasons chart, drawn from the batch history


@pytest.mark.notebook
@pytest.mark.slow
@pytest.mark.parametrize("language", ["zh", "en"])
def test_kpi_report_speaks_the_interface_language(language, sample_store, tmp_path, monkeypatch):
    """The KPI report in Chinese has Chinese KPI terms and no catalogue text left in English; in English, English."""
    from workbench import i18n
    from workbench.reports.runner import run_notebook

    monkeypatch.setenv("WORKBENCH_OUTPUTS_DIR", str(tmp_path / "outputs"))
    monkeypatch.delenv(i18n.LANGUAGE_ENV, raising=False)
    result = run_notebook("kpi_overview", {"store_path": str(sample_store), "interface_language": language},
                          parameter_set="smoke")
    page = (result.run_dir / "report.html").read_text(encoding="utf-8")
    text = visible_text(page)
    assert f'<html lang="{i18n.HTML_LANG[language]}">' in page
    if language == "zh":
        for term in ("服务水平", "放弃率", "一次解决率", "呼入量", "指标含义"):
            assert term in text, term
        assert i18n.untranslated_texts(text, "zh") == []
        assert "What the figures mean" not in text and "Abandonment rate" not in text
    else:
        assert "What the figures mean" in text and "Service level" in text and "Abandonment rate" in text
        assert "指标含义" not in text and "服务水平" not in text
    assert "workbench." not in text and ".duckdb" not in text, "module names and paths belong in the README"
