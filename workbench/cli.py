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


@app.command("ingest")
def ingest(
    files: list[Path] = typer.Argument(..., help="Export files (CSV in UTF-8 or GB18030, Excel, Parquet)."),
    profile: str = typer.Option(..., "--profile", help="Profile name under parameters/ingest/ or a YAML path."),
    store: Optional[Path] = StoreOption,
    rejects_dir: Optional[Path] = typer.Option(None, "--rejects-dir", help="Where rejected rows go (default data/rejects)."),
) -> None:
    """Load vendor exports into the store; every row is loaded or written to a rejects file with its reason."""
    from workbench.errors import WorkbenchError
    from workbench.ingest import ingest_files

    try:
        summary = ingest_files(files, profile, store_path=store, rejects_dir=rejects_dir)
    except WorkbenchError as exc:
        _fail(str(exc), exit_code=2)
    columns = ["file", "status", "rows_read", "rows_loaded", "rows_rejected", "rows_duplicate", "rejects_file", "error"]
    typer.echo(summary[[c for c in columns if c in summary.columns]].to_string(index=False))
    usable = summary["status"].isin(["succeeded", "skipped"]).any()
    if not usable:
        raise typer.Exit(1)


@app.command("export")
def export(
    out_dir: Path = typer.Argument(..., help="Folder for the Parquet dataset (one sub-folder per table)."),
    output_format: str = typer.Option("parquet", "--format", help="Only parquet, hive-partitioned by date."),
    tables: str = typer.Option("", "--tables", help="Comma-separated tables (default: all canonical tables)."),
    store: Optional[Path] = StoreOption,
) -> None:
    """Write the canonical tables as Parquet partitioned by date, for Dask, Spark or Trino."""
    from workbench.errors import StoreError
    from workbench.store import Store

    if output_format != "parquet":
        _fail(f"--format {output_format!r}: only parquet is supported", exit_code=2)
    names = [name.strip() for name in tables.split(",") if name.strip()] or None
    try:
        with Store(store, read_only=True) as opened:
            written = opened.export_parquet(out_dir, names)
    except StoreError as exc:
        _fail(str(exc), exit_code=2)
    for name, rows in written.items():
        typer.echo(f"{name:22s} {rows:>10,d} rows -> {out_dir / name}")


@app.command("kpis")
def kpis(
    by: str = typer.Option("", "--by", help="Comma-separated: queue, language, agent, day, interval."),
    interval_minutes: int = typer.Option(30, "--interval-minutes", help="Interval length for --by interval."),
    date_from: Optional[str] = typer.Option(None, "--from", help="First day (ISO date)."),
    date_to: Optional[str] = typer.Option(None, "--to", help="Last day, inclusive (ISO date)."),
    output_format: str = typer.Option("table", "--format", help="table | csv | json | parquet"),
    output: Optional[Path] = typer.Option(None, "--output", help="File for parquet (and optionally csv/json)."),
    store: Optional[Path] = StoreOption,
) -> None:
    """Operational KPIs (offered, abandonment, ASA, service level, AHT, FCR, CSAT) from the store."""
    from workbench.errors import WorkbenchError
    from workbench.kpis import compute_kpis
    from workbench.store import Store

    if output_format not in {"table", "csv", "json", "parquet"}:
        _fail(f"--format {output_format!r}: expected table, csv, json or parquet", exit_code=2)
    if output_format == "parquet" and output is None:
        _fail("--format parquet needs --output FILE", exit_code=2)
    keys = [key.strip() for key in by.split(",") if key.strip()]
    try:
        with Store(store, read_only=True) as opened:
            table = compute_kpis(
                opened, by=keys, interval_minutes=interval_minutes, date_from=date_from, date_to=date_to
            )
    except WorkbenchError as exc:
        _fail(str(exc), exit_code=2)
    if output_format == "parquet":
        table.to_parquet(output, index=False)
        typer.echo(str(output))
        return
    if output_format == "json":
        text = table.to_json(orient="records", date_format="iso", indent=2)
    elif output_format == "csv":
        text = table.to_csv(index=False)
    else:
        text = table.to_string(index=False)
    if output is not None:
        output.write_text(text, encoding="utf-8")
    else:
        typer.echo(text)


def main() -> None:  # pragma: no cover - console entry for python -m
    app(prog_name="workbench")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
