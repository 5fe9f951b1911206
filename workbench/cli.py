"""Command-line interface: ``workbench --help``.

Each command imports what it needs inside its body, so ``workbench --help``
starts in about a second even though the stack includes torch and BERTopic.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

app = typer.Typer(
    help="Call-centre analytics workbench: call records, surveys and recordings to decisions.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
params_app = typer.Typer(help="Validate YAML parameter sets.", no_args_is_help=True)
store_app = typer.Typer(help="The DuckDB store of canonical tables.", no_args_is_help=True)
app.add_typer(params_app, name="params")
app.add_typer(store_app, name="store")

StoreOption = typer.Option(None, "--store", help="DuckDB file (default data/warehouse.duckdb or $WORKBENCH_STORE).")


def _fail(message: str, exit_code: int = 1) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(exit_code)


@app.command()
def version() -> None:
    """Print the workbench version."""
    from workbench import __version__

    typer.echo(f"workbench {__version__}")


@app.command("sample-data")
def sample_data(
    out: Path = typer.Option(..., "--out", help="Folder to write the sample call centre into."),
    days: int = typer.Option(28, "--days", min=1, max=730, help="Days of traffic to simulate."),
    seed: int = typer.Option(7, "--seed", help="Random seed: same seed, same bytes."),
    start_date: str = typer.Option("2026-01-05", "--start-date", help="First simulated day (ISO date)."),
    transcript_calls: int = typer.Option(1200, "--transcript-calls", min=0, help="Answered calls to write transcripts for."),
) -> None:
    """Generate a simulated call centre with its hidden truth under OUT/truth/."""
    from workbench.sample.generate import generate_call_centre

    summary = generate_call_centre(
        out, days=days, seed=seed, start_date=start_date, transcript_calls=transcript_calls
    )
    typer.echo(json.dumps(summary, indent=2, default=str))


@app.command("sample-audio")
def sample_audio(
    out: Path = typer.Option(Path("data/sample/recordings"), "--out", help="Folder for the WAV files and scripts."),
    seed: int = typer.Option(7, "--seed"),
) -> None:
    """Re-synthesise the committed sample stereo recordings (needs espeak-ng and sox)."""
    from workbench.errors import WorkbenchError
    from workbench.sample.audio import synthesize_sample_recordings

    try:
        written = synthesize_sample_recordings(out, seed=seed)
    except WorkbenchError as exc:
        _fail(str(exc))
    for path in written:
        typer.echo(str(path))


@params_app.command("check")
def params_check(
    directory: Optional[Path] = typer.Argument(None, help="Parameters folder (default parameters/)."),
) -> None:
    """Validate every parameter set; print each error with its file and field."""
    from workbench.params import check_parameter_files

    errors = check_parameter_files(directory)
    for error in errors:
        typer.secho(str(error), fg=typer.colors.RED, err=True)
    if errors:
        raise typer.Exit(1)
    typer.echo("all parameter sets are valid")


@store_app.command("init")
def store_init(store: Optional[Path] = StoreOption) -> None:
    """Create the store file and its canonical tables (no-op when present)."""
    from workbench.store import Store

    with Store(store) as opened:
        typer.echo(f"{opened.path}: schema version {opened.schema_version}")


@store_app.command("info")
def store_info(store: Optional[Path] = StoreOption) -> None:
    """Print the schema version and the row count of every canonical table."""
    from workbench.errors import StoreError
    from workbench.store import Store

    try:
        with Store(store, read_only=True) as opened:
            typer.echo(f"{opened.path}: schema version {opened.schema_version}")
            for name, count in opened.table_counts().items():
                typer.echo(f"  {name:22s} {count:>10,d}")
    except StoreError as exc:
        _fail(str(exc))


@app.command("run")
def run(
    notebook: str = typer.Argument(..., help="Notebook name (e.g. sample_overview) or path."),
    parameter_set: Optional[str] = typer.Option(None, "--params", help="Parameter set name or YAML path."),
    set_values: list[str] = typer.Option([], "-p", "--set", help="Override one parameter: key=value (YAML value)."),
) -> None:
    """Execute a pipeline notebook with Papermill into outputs/<notebook>/<run_id>/."""
    import yaml

    from workbench.errors import NotebookRunError, ParameterError
    from workbench.reports.runner import run_notebook

    overrides = {}
    for item in set_values:
        key, sep, value = item.partition("=")
        if not sep:
            _fail(f"-p {item!r}: expected key=value", exit_code=2)
        overrides[key.strip()] = yaml.safe_load(value)
    try:
        result = run_notebook(notebook, overrides or None, parameter_set=parameter_set)
    except ParameterError as exc:
        _fail(str(exc), exit_code=2)
    except NotebookRunError as exc:
        _fail(str(exc), exit_code=3)
    typer.echo(f"{result.status}: {result.run_dir}")


def main() -> None:  # pragma: no cover - console entry for python -m
    app(prog_name="workbench")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
