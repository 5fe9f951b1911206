"""One vocabulary: every parameter model, parameter file, notebook and CLI option uses the glossary's names.

:data:`workbench.glossary.PARAMETER_NAMES` names each shared concept once and
:data:`workbench.glossary.RETIRED_NAMES` lists the synonyms it replaced; these
tests keep the retired names from coming back anywhere a user can type one, make
every name two parameter models share a glossary name with one type, and keep
SQL out of notebooks (they read the store through named readers).
"""

from __future__ import annotations

import types
import typing
from pathlib import Path

import click
import nbformat
import pytest
import typer
import yaml

from workbench import paths
from workbench.glossary import PARAMETER_NAMES, RETIRED_NAMES
from workbench.params import _StringDateLoader, registered_notebooks

MODELS = registered_notebooks()
NOTEBOOKS = sorted(p for p in paths.notebooks_dir().rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
PARAMETER_FILES = sorted(p for p in paths.parameters_dir().rglob("*") if p.suffix in {".yaml", ".yml"})
#: What SQL in a notebook looks like: a query written out, or a store or connection asked to run one.
SQL_MARKERS = ("SELECT ", ".query(", ".execute(")


def notebook_ids(notebooks: list[Path]) -> list[str]:
    return [str(p.relative_to(paths.notebooks_dir())) for p in notebooks]


def retired_option(option: str) -> str | None:
    """The retired name an option or parameter name spells (``--fcr-days`` -> ``fcr_days``), or None."""
    name = option.lstrip("-").replace("-", "_")
    return name if name in RETIRED_NAMES else None


def test_the_glossary_retires_no_current_name():
    assert not set(RETIRED_NAMES) & set(PARAMETER_NAMES)
    for replacements in RETIRED_NAMES.values():
        assert all(name.strip() in PARAMETER_NAMES for name in replacements.split("/")), replacements


# --------------------------------------------------------------------------- parameter models


@pytest.mark.parametrize("notebook", sorted(MODELS))
def test_parameter_model_uses_no_retired_name(notebook):
    retired = [(name, RETIRED_NAMES[name]) for name in MODELS[notebook].model_fields if name in RETIRED_NAMES]
    assert retired == [], f"{MODELS[notebook].__name__} uses retired names (retired -> current): {retired}"


def _shape(annotation: object) -> object:
    """The annotation without ``| None`` (an app's "None = the run's value" is the same concept)."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return args[0] if len(args) == 1 else tuple(args)
    return annotation


def _models_by_name() -> dict[str, list[str]]:
    """Field name -> the registered models (notebook or app names) that have it."""
    users: dict[str, list[str]] = {}
    for notebook, model in MODELS.items():
        for name in model.model_fields:
            users.setdefault(name, []).append(notebook)
    return users


def test_a_name_shared_by_several_models_is_in_the_glossary():
    """A name two models use is a shared concept: the glossary says what it means, once."""
    shared = {name: users for name, users in _models_by_name().items() if len(users) > 1}
    missing = {name: users for name, users in shared.items() if name not in PARAMETER_NAMES}
    assert missing == {}, f"names used by several models but not in glossary.PARAMETER_NAMES: {missing}"


def test_a_shared_name_has_one_type_everywhere():
    """Every model with a shared name takes it with the same type (``| None`` aside: "None = the run's value")."""
    seen: dict[str, dict[object, list[str]]] = {}
    for notebook, model in MODELS.items():
        for name, field in model.model_fields.items():
            seen.setdefault(name, {}).setdefault(_shape(field.annotation), []).append(notebook)
    mixed = {name: shapes for name, shapes in seen.items() if len(shapes) > 1}
    assert mixed == {}, f"one name, several types (rename one, or make them one concept): {mixed}"


@pytest.mark.parametrize(("notebook", "name", "values"), [
    ("sample_overview", "language", {"all", "zh", "en"}),
    ("operations", "language", {"all", "zh", "en"}),
    ("transcription_overview", "spoken_language", {"auto", "en", "zh"}),
    ("topic_overview", "text_language", {"auto", "en", "zh", "mixed"}),
    ("topic_overview", "time_grain", {"D", "W-MON"}),
    ("topics", "time_grain", {"D", "W-MON"}),
])
def test_each_language_and_grain_name_takes_its_own_values(notebook, name, values):
    assert set(typing.get_args(MODELS[notebook].model_fields[name].annotation)) == values


def test_glossary_concepts_share_one_definition():
    """Every model with a glossary concept takes it with the same type (from workbench.params.base)."""
    shapes: dict[str, dict[object, list[str]]] = {}
    for notebook, model in MODELS.items():
        for name, field in model.model_fields.items():
            if name in {"store_path", "date_from", "date_to", "queues", "interval_minutes",
                        "short_abandon_seconds", "repeat_window_days"}:  # fmt: skip
                shapes.setdefault(name, {}).setdefault((_shape(field.annotation), repr(field.metadata)), []).append(
                    notebook
                )
    mixed = {name: list(found.values()) for name, found in shapes.items() if len(found) > 1}
    assert mixed == {}, f"a glossary concept is defined more than once: {mixed}"


# --------------------------------------------------------------------------- parameter files


def _retired_keys(value: object, where: str) -> list[str]:
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            if str(key) in RETIRED_NAMES:
                found.append(f"{where}.{key}".lstrip("."))
            found += _retired_keys(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _retired_keys(item, f"{where}[{index}]")
    return found


def test_there_are_parameter_files():
    names = {str(p.relative_to(paths.parameters_dir())) for p in PARAMETER_FILES}
    assert "alerts.yaml" in names and any(n.startswith("reports/") for n in names)


@pytest.mark.parametrize("path", PARAMETER_FILES,
                         ids=[str(p.relative_to(paths.parameters_dir())) for p in PARAMETER_FILES])
def test_parameter_file_uses_no_retired_name(path):
    values = yaml.load(path.read_text(encoding="utf-8"), Loader=_StringDateLoader)
    found = _retired_keys(values, "")
    assert found == [], f"{path}: retired names {[(k, RETIRED_NAMES[k.rsplit('.', 1)[-1]]) for k in found]}"


# --------------------------------------------------------------------------- notebooks


@pytest.mark.parametrize("path", NOTEBOOKS, ids=notebook_ids(NOTEBOOKS))
def test_notebook_parameters_cell_uses_no_retired_name(path):
    import papermill

    names = list(papermill.inspect_notebook(str(path)))
    assert names, f"{path.name} has no parameters"
    retired = [(name, RETIRED_NAMES[name]) for name in names if name in RETIRED_NAMES]
    assert retired == [], f"{path.name}: parameters cell uses retired names (retired -> current): {retired}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=notebook_ids(NOTEBOOKS))
def test_notebook_holds_no_sql(path):
    notebook = nbformat.read(path, as_version=4)
    found = [
        (index, marker)
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code"
        for marker in SQL_MARKERS
        if marker in cell.source
    ]
    assert found == [], f"{path.name}: cells with SQL {found}; read the store through workbench.store.readers"


# --------------------------------------------------------------------------- CLI


def _cli_parameters(command: click.Command, path: tuple[str, ...]):
    for parameter in command.params:
        yield path, parameter
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from _cli_parameters(sub, (*path, name))


def test_cli_offers_no_retired_option():
    from workbench.cli import app

    retired = []
    for path, parameter in _cli_parameters(typer.main.get_command(app), ("workbench",)):
        spellings = [*getattr(parameter, "opts", []), *getattr(parameter, "secondary_opts", []), parameter.name or ""]
        for spelled in spellings:
            if retired_option(spelled):
                retired.append((" ".join(path), spelled, RETIRED_NAMES[retired_option(spelled)]))
    assert retired == [], f"CLI options with retired names (command, option, use instead): {sorted(set(retired))}"


def test_retired_option_spellings_are_recognised():
    spelled = ["--start-date", "--end-date", "--service-level-seconds", "--fcr-days", "--repeat-days", "--queue",
               "--model"]
    assert all(retired_option(option) for option in spelled)
    assert not any(retired_option(option) for option in ["--queues", "--forecast-model", "--asr-model", "--date-from"])


# --------------------------------------------------------------------------- SQL in the package

#: The only package modules that write SQL: the store (its readers included), the glossary's
#: SQL twins, and the modules that compute in DuckDB from those pieces (KPIs, interval series,
#: the loading path, pseudonyms computed in the store).
SQL_MODULES = {
    "workbench/store/__init__.py", "workbench/store/readers.py", "workbench/store/dimensions.py",
    "workbench/glossary.py", "workbench/kpis.py",
    "workbench/forecast/series.py", "workbench/ingest/load.py", "workbench/ingest/reading.py",
    "workbench/ingest/validate.py", "workbench/pseudonyms.py", "workbench/interval_kpis.py",
    # Reads a centre's own database (the user's query, read-only): an input like a file, not the store.
    "workbench/ingest/database.py",
}


def test_sql_lives_in_the_store_layer_and_the_modules_that_compute_in_it():
    package = Path(paths.root_dir()) / "workbench"
    writing = {
        str(path.relative_to(package.parent))
        for path in package.rglob("*.py")
        if any(marker in path.read_text(encoding="utf-8") for marker in SQL_MARKERS)
    }
    assert writing - SQL_MODULES == set(), "SQL outside the store: add a reader to workbench/store/readers.py"
    assert writing, "the scan found no SQL at all: the markers no longer match"
