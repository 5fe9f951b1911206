"""Notebook parameters: one pydantic model per notebook, validated before a kernel starts.

Papermill only warns about an unknown parameter and keeps dates as strings, so
every pipeline notebook has a model here, registered under the notebook's name.
The runner validates a parameter set against it before any kernel starts, and
the notebook validates its own ``parameters`` cell again, so interactive runs
get the same checks.

A parameter set is ``parameters/<notebook>/<set>.yaml`` and holds only
overrides; defaults live in the model (and, kept in step by a test, in the
notebook's ``parameters`` cell).

Names carry units (``interval_minutes``, ``target_answer_seconds``), fractions
are 0..1, dates are ISO strings parsed by the model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from html import escape
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from workbench import paths
from workbench.errors import ParameterError


class NotebookParameters(BaseModel):
    """Base of every notebook's parameter model: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def to_papermill(self) -> dict[str, Any]:
        """Values as plain JSON types (dates as ISO strings), ready to inject."""
        return self.model_dump(mode="json")

    def _repr_html_(self) -> str:
        """A parameter table, so a notebook cell ending in the model shows it readably."""
        rows = "".join(
            f"<tr><td><code>{escape(name)}</code></td><td>{escape(repr(value))}</td>"
            f"<td>{escape(type(self).model_fields[name].description or '')}</td></tr>"
            for name, value in self.model_dump(mode="json").items()
        )
        return (
            f"<table><caption>{escape(type(self).__name__)}</caption>"
            f"<thead><tr><th>parameter</th><th>value</th><th>meaning</th></tr></thead><tbody>{rows}</tbody></table>"
        )


_REGISTRY: dict[str, type[NotebookParameters]] = {}

M = TypeVar("M", bound=type[NotebookParameters])


def register_notebook_parameters(notebook: str) -> Callable[[M], M]:
    """Class decorator registering a parameter model under a notebook's name (file stem)."""

    def decorator(model: M) -> M:
        if notebook in _REGISTRY and _REGISTRY[notebook] is not model:
            raise ValueError(f"notebook '{notebook}' already has a parameter model: {_REGISTRY[notebook].__name__}")
        _REGISTRY[notebook] = model
        return model

    return decorator


def registered_notebooks() -> dict[str, type[NotebookParameters]]:
    """Notebook name -> parameter model, for every registered notebook."""
    return dict(_REGISTRY)


def parameter_model(notebook: str) -> type[NotebookParameters]:
    """The parameter model of ``notebook``; ParameterError names the known ones if absent."""
    try:
        return _REGISTRY[notebook]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise ParameterError(
            f"no parameter model is registered for notebook '{notebook}' (registered: {known})"
        ) from None


# --------------------------------------------------------------------------- models


@register_notebook_parameters("sample_overview")
class SampleOverviewParameters(NotebookParameters):
    """Parameters of ``notebooks/sample_overview.ipynb``."""

    sample_dir: str = Field(
        "data/generated",
        min_length=1,
        description="folder written by generate_call_centre; relative paths are resolved against the repo root",
    )
    start_date: date | None = Field(None, description="first day shown (ISO date); None = first day in the sample")
    end_date: date | None = Field(None, description="last day shown (ISO date, inclusive); None = last day")
    interval_minutes: Literal[15, 30, 60] = Field(30, description="length of an intraday interval")
    queues: list[str] = Field(default_factory=list, description="queues to include, e.g. 'billing'; empty = all")
    language: Literal["all", "zh", "en"] = Field("all", description="language line to include")
    target_answer_seconds: int = Field(20, ge=1, le=600, description="service-level threshold on the wait")
    service_level_target: float = Field(0.8, ge=0.0, le=1.0, description="share to answer within the threshold")
    title: str = Field("Sample call centre overview", min_length=1, description="report heading")

    @model_validator(mode="after")
    def _period_in_order(self) -> SampleOverviewParameters:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError(f"end_date {self.end_date} is before start_date {self.start_date}")
        return self

    def sample_path(self) -> Path:
        """``sample_dir`` as an absolute path (relative to the repository root)."""
        return resolve_repo_path(self.sample_dir)


@register_notebook_parameters("kpi_overview")
class KpiOverviewParameters(NotebookParameters):
    """Parameters of ``notebooks/kpi_overview.ipynb``."""

    store_path: str = Field(
        "data/warehouse.duckdb",
        min_length=1,
        description="DuckDB store holding ingested calls and surveys; relative paths are resolved against the repo root",
    )
    date_from: date | None = Field(None, description="first day included (ISO date); None = first day in the store")
    date_to: date | None = Field(None, description="last day included (ISO date, whole day); None = last day")
    interval_minutes: Literal[15, 30, 60] = Field(30, description="length of an intraday interval")
    service_level_seconds: int = Field(20, ge=1, le=600, description="service-level target T: answered within T s")
    short_abandon_seconds: int = Field(5, ge=0, le=120, description="abandons quicker than this are short abandons")
    fcr_days: int = Field(7, ge=1, le=90, description="repeat-contact window of first-contact resolution, in days")
    queues: list[str] = Field(default_factory=list, description="queue ids to include, e.g. 'billing_zh'; empty = all")

    @model_validator(mode="after")
    def _period_in_order(self) -> KpiOverviewParameters:
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise ValueError(f"date_to {self.date_to} is before date_from {self.date_from}")
        return self

    def store_file(self) -> Path:
        """``store_path`` as an absolute path (relative to the repository root)."""
        return resolve_repo_path(self.store_path)

    def kpi_arguments(self) -> dict[str, Any]:
        """Keyword arguments of :func:`workbench.kpis.compute_kpis` (all but ``store`` and ``by``)."""
        return {
            "interval_minutes": self.interval_minutes,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
            "service_level_seconds": self.service_level_seconds,
            "short_abandon_seconds": self.short_abandon_seconds,
            "fcr_days": self.fcr_days,
            "queues": list(self.queues),
        }


class ExportToIngest(BaseModel):
    """One export file and the ingestion profile that reads it."""

    model_config = ConfigDict(extra="forbid")

    path: str = Field(..., min_length=1, description="export file; relative paths start at exports_dir")
    profile: str = Field(..., min_length=1, description="profile name in parameters/ingest, or a YAML path")


@register_notebook_parameters("ingest_overview")
class IngestOverviewParameters(NotebookParameters):
    """Parameters of ``notebooks/ingest_overview.ipynb``."""

    store_path: str = Field(
        "data/warehouse.duckdb",
        min_length=1,
        description="DuckDB store to load into; relative paths are resolved against the repo root",
    )
    exports_dir: str = Field(
        "data/generated/exports",
        min_length=1,
        description="folder the export paths are relative to; relative to the repo root itself",
    )
    exports: list[ExportToIngest] = Field(
        default_factory=lambda: [
            ExportToIngest(path="acd_calls.csv", profile="sample_acd"),
            ExportToIngest(path="acd_calls_zh_gb18030.csv", profile="sample_acd_zh"),
            ExportToIngest(path="surveys.csv", profile="sample_surveys"),
            ExportToIngest(path="agent_states.csv", profile="sample_agent_states"),
        ],
        min_length=1,
        description="exports to ingest, in order (calls before the surveys that refer to them)",
    )
    rejects_dir: str = Field("data/rejects", min_length=1, description="where <batch_id>.csv rejects files go")

    def store_file(self) -> Path:
        """``store_path`` as an absolute path (relative to the repository root)."""
        return resolve_repo_path(self.store_path)

    def export_files(self) -> list[tuple[Path, str]]:
        """(absolute export path, profile) pairs in the order given."""
        base = resolve_repo_path(self.exports_dir)
        return [(Path(e.path) if Path(e.path).is_absolute() else base / e.path, e.profile) for e in self.exports]

    def rejects_folder(self) -> Path:
        """``rejects_dir`` as an absolute path."""
        return resolve_repo_path(self.rejects_dir)


@register_notebook_parameters("transcription_overview")
class TranscriptionOverviewParameters(NotebookParameters):
    """Parameters of ``notebooks/transcription_overview.ipynb``."""

    recordings: list[str] = Field(
        default_factory=lambda: ["data/sample/recordings/*.wav"],
        min_length=1,
        description="audio files or glob patterns; relative paths are resolved against the repo root",
    )
    store_path: str = Field(
        "data/warehouse.duckdb",
        min_length=1,
        description="DuckDB store the transcripts go into; relative paths are resolved against the repo root",
    )
    engine: Literal["whisperx", "faster-whisper"] = Field("whisperx", description="transcription engine")
    model: str | None = Field(None, description="model name or local folder; None = the engine's offline model")
    language: Literal["auto", "en", "zh"] = Field("auto", description="spoken language; auto = detect per file")
    channels: Literal["auto", "agent-left", "agent-right", "mono"] = Field(
        "auto", description="channel layout; auto = stereo with the agent on the left, identical channels = mono"
    )
    call_id_pattern: str = Field(
        "(?P<call_id>.+)", min_length=1, description="regex with a call_id group matched against the file stem"
    )
    workers: int = Field(0, ge=0, le=64, description="local Dask worker processes; 0 = transcribe in the kernel")
    show_call_id: str | None = Field(None, description="call shown as a dialogue; None = the first transcribed call")

    @model_validator(mode="after")
    def _call_id_pattern_has_group(self) -> TranscriptionOverviewParameters:
        import re

        try:
            compiled = re.compile(self.call_id_pattern)
        except re.error as exc:
            raise ValueError(f"call_id_pattern is not a valid regular expression: {exc}") from None
        if "call_id" not in compiled.groupindex:
            raise ValueError("call_id_pattern needs a named group (?P<call_id>...)")
        return self

    def store_file(self) -> Path:
        """``store_path`` as an absolute path (relative to the repository root)."""
        return resolve_repo_path(self.store_path)

    def recording_files(self) -> list[Path]:
        """The recordings, globs expanded, sorted and de-duplicated; a plain path is kept even if missing."""
        import glob

        found: dict[Path, None] = {}
        for item in self.recordings:
            path = resolve_repo_path(item)
            if glob.has_magic(str(path)):
                found.update(dict.fromkeys(sorted(Path(p) for p in glob.glob(str(path)))))
            else:
                found[path] = None
        return list(found)

    def transcribe_arguments(self) -> dict[str, Any]:
        """Keyword arguments of :func:`workbench.speech.batch.transcribe_files` (all but paths and outputs)."""
        return {
            "engine": self.engine,
            "model": self.model,
            "language": self.language,
            "channels": self.channels,
            "call_id_pattern": self.call_id_pattern,
            "store_path": self.store_file(),
            "workers": self.workers or None,
        }


Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


@register_notebook_parameters("staffing_forecast")
class StaffingForecastParameters(NotebookParameters):
    """Parameters of ``notebooks/staffing_forecast.ipynb``."""

    store_path: str = Field(
        "data/warehouse.duckdb",
        min_length=1,
        description="DuckDB store with ingested calls; relative paths are resolved against the repo root",
    )
    queues: list[str] = Field(default_factory=list, description="queue ids to forecast, e.g. 'billing_zh'; empty = all")
    interval_minutes: Literal[15, 30, 60] = Field(30, description="length of an intraday interval")
    horizon_days: int = Field(7, ge=1, le=28, description="days to forecast after the last day in the store")
    model: Literal["prophet", "mstl", "seasonal_naive", "profile"] = Field(
        "prophet", description="volume model; falls back to 'profile' when the history is too short for it"
    )
    country: str | None = Field("CN", description="public holidays of this country (ISO code); None = none")
    events_path: str | None = Field(
        None, description="CSV of special days (date, event or name); relative to the repo root; None = none"
    )
    holidays_like: Weekday | None = Field(
        "sunday", description="public holidays take this weekday's intraday profile (prophet); None = their own"
    )
    eves_like: Weekday | None = Field(
        None, description="the day before a public holiday takes this weekday's profile (prophet); None = its own"
    )
    backtest_folds: int = Field(2, ge=0, le=12, description="rolling origins of the backtest; 0 = no backtest")
    workers: int = Field(1, ge=1, le=64, description="worker processes for fitting series in parallel")
    aht_statistic: Literal["median", "mean"] = Field("median", description="AHT of a slot of the week")
    service_level_target: float = Field(0.8, ge=0.0, le=1.0, description="share to answer within the threshold")
    target_answer_seconds: int = Field(20, ge=1, le=600, description="service-level threshold on the wait")
    max_occupancy: float = Field(0.85, gt=0.0, le=1.0, description="upper bound on agent occupancy")
    shrinkage: float = Field(0.3, ge=0.0, lt=1.0, description="share of paid time off the phones")
    erlang_a: bool = Field(True, description="Erlang A with patience estimated per queue; False = Erlang C")
    max_abandonment: float = Field(1.0, ge=0.0, le=1.0, description="Erlang A: upper bound on the abandoned share")
    short_abandon_seconds: int = Field(5, ge=0, le=120, description="abandons quicker than this are short abandons")

    def store_file(self) -> Path:
        """``store_path`` as an absolute path (relative to the repository root)."""
        return resolve_repo_path(self.store_path)

    def events_file(self) -> Path | None:
        """``events_path`` as an absolute path, or None."""
        return resolve_repo_path(self.events_path) if self.events_path else None

    def model_options(self, events: Any = None) -> dict[str, Any]:
        """Keyword options of the Prophet model (:class:`workbench.forecast.models.ProphetModel`)."""
        return {"country": self.country, "events": events, "holidays_like": self.holidays_like,
                "eves_like": self.eves_like}

    def staffing_arguments(self) -> dict[str, Any]:
        """Keyword arguments of :func:`workbench.staffing.erlang.staffing_requirements` (all but the table)."""
        return {
            "interval_minutes": self.interval_minutes,
            "service_level_target": self.service_level_target,
            "target_answer_seconds": self.target_answer_seconds,
            "max_occupancy": self.max_occupancy,
            "shrinkage": self.shrinkage,
            "max_abandonment": self.max_abandonment,
        }


@register_notebook_parameters("topic_overview")
class TopicOverviewParameters(NotebookParameters):
    """Parameters of ``notebooks/topic_overview.ipynb``."""

    store_path: str = Field(
        "data/warehouse.duckdb",
        min_length=1,
        description="DuckDB store with calls, surveys and transcripts; relative paths are resolved against the repo root",
    )
    sample_dir: str = Field(
        "data/generated", min_length=1, description="generated sample whose transcripts.csv is used when the store has too few"
    )
    source: Literal["auto", "store", "sample"] = Field(
        "auto", description="texts: the store's transcripts, the sample's transcripts.csv, or auto (store when it has enough)"
    )
    whole_call: bool = Field(False, description="model every speaker's turns; False = the customer's only")
    min_documents: int = Field(20, ge=2, le=1_000_000, description="fewest documents worth modelling")
    language: Literal["auto", "en", "zh", "mixed"] = Field("auto", description="language of the texts; auto = detect")
    n_topics: int | None = Field(20, ge=2, le=500, description="topics when roughly known (PCA+KMeans); None = HDBSCAN decides")
    embedding: Literal["auto", "minilm", "tfidf_svd", "sentence_transformers"] = Field(
        "auto", description="embedding backend (offline)"
    )
    embedding_model: str | None = Field(None, description="sentence-transformers name (local cache) or folder")
    max_outlier_share: float = Field(0.05, ge=0.0, le=1.0, description="outliers are reassigned down to this share")
    period: Literal["D", "W-MON"] = Field("W-MON", description="period of the share-over-time and emerging-topic tables")
    alpha: float = Field(0.05, gt=0.0, lt=1.0, description="significance level of the emerging-topic test")
    repeat_window_days: int = Field(7, ge=1, le=90, description="a call is a repeat contact when the caller calls again within this")
    examples_per_topic: int = Field(3, ge=0, le=20, description="redacted example texts shown per topic")
    record_in_store: bool = Field(True, description="write topics and assignments to the store under the run id")

    def store_file(self) -> Path:
        """``store_path`` as an absolute path (relative to the repository root)."""
        return resolve_repo_path(self.store_path)

    def sample_folder(self) -> Path:
        """``sample_dir`` as an absolute path."""
        return resolve_repo_path(self.sample_dir)

    def fit_options(self) -> dict[str, Any]:
        """Keyword options of :func:`workbench.topics.model.fit_topics`."""
        return {"language": self.language, "n_topics": self.n_topics, "embedding": self.embedding,
                "embedding_model": self.embedding_model, "max_outlier_share": self.max_outlier_share,
                "examples_per_topic": self.examples_per_topic}  # fmt: skip


@register_notebook_parameters("satisfaction_drivers")
class SatisfactionDriversParameters(NotebookParameters):
    """Parameters of ``notebooks/satisfaction_drivers.ipynb``."""

    store_path: str = Field(
        "data/warehouse.duckdb",
        min_length=1,
        description="DuckDB store with ingested calls and surveys; relative paths are resolved against the repo root",
    )
    table_path: str | None = Field(
        None, description="CSV/Parquet driver table to use instead of the store (relative to the repo root); None = store"
    )
    target: str = Field("csat", min_length=1, description="satisfaction column, numeric (CSAT 1-5)")
    positive_threshold: float = Field(4.0, description="top box: target at or above this")
    features: list[str] = Field(default_factory=list, description="driver columns; empty = every known driver present")
    weighting: bool = Field(True, description="weight surveys by inverse probability of response")
    n_bootstrap: int = Field(40, ge=0, le=1000, description="bootstrap refits of the logistic model for intervals")
    repeat_days: int = Field(7, ge=1, le=90, description="repeat-contact window, in days")
    what_if_feature: str = Field("wait_seconds", min_length=1, description="numeric or binary driver of the what-if")
    what_if_change: float = Field(-30.0, description="change added to what_if_feature on every call (e.g. -30 s)")
    seed: int = Field(0, ge=0, description="seed of the bootstrap and the boosting")

    def store_file(self) -> Path:
        """``store_path`` as an absolute path (relative to the repository root)."""
        return resolve_repo_path(self.store_path)

    def table_file(self) -> Path | None:
        """``table_path`` as an absolute path, or None (use the store)."""
        return resolve_repo_path(self.table_path) if self.table_path else None


def resolve_repo_path(value: str | Path) -> Path:
    """An absolute path; a relative one is taken relative to the repository root, not the cwd."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else (paths.root_dir() / path).resolve()


# --------------------------------------------------------------------------- validation


def _errors_from_validation(
    exc: ValidationError, source: str | Path | None, lines: Mapping[str, int] | None
) -> list[ParameterError]:
    errors = []
    for item in exc.errors():
        field = ".".join(str(part) for part in item["loc"]) or None
        top = str(item["loc"][0]) if item["loc"] else None
        if item["type"] == "extra_forbidden":
            message = "unknown parameter (not in the notebook's parameter model)"
        else:
            message = f"{item['msg']} (got {item['input']!r})" if field else item["msg"]
        row = (lines or {}).get(top) if top else None
        errors.append(ParameterError(message, file=source, row=row, field=field))
    return errors


def parameter_errors(
    notebook: str,
    values: Mapping[str, Any],
    *,
    source: str | Path | None = None,
    lines: Mapping[str, int] | None = None,
) -> list[ParameterError]:
    """Every problem with ``values`` for ``notebook`` (empty list when valid).

    Args:
        source: where the values came from (a file), named in each error.
        lines: 1-based line of each top-level key in ``source``, used as the error's row.
    """
    try:
        parameter_model(notebook).model_validate(dict(values))
    except ValidationError as exc:
        return _errors_from_validation(exc, source, lines)
    return []


def validate_parameters(
    notebook: str,
    values: Mapping[str, Any] | None = None,
    *,
    source: str | Path | None = None,
    lines: Mapping[str, int] | None = None,
) -> NotebookParameters:
    """Validate ``values`` against the notebook's model and return the model instance.

    Raises:
        ParameterError: naming the source and field; with several problems the
            message lists all of them (``field`` is then None) and ``.problems``
            holds one error each.

    >>> validate_parameters("sample_overview", {"interval_minutes": 15}).interval_minutes
    15
    """
    model = parameter_model(notebook)
    try:
        return model.model_validate(dict(values or {}))
    except ValidationError as exc:
        problems = _errors_from_validation(exc, source, lines)
    if len(problems) == 1:
        error = problems[0]
    else:
        listing = "; ".join(
            ", ".join(part for part in (f"row {p.row}" if p.row else "", f"field '{p.field}'") if part) + f": {p.reason}"
            for p in problems
        )
        error = ParameterError(f"{len(problems)} invalid parameters for notebook '{notebook}': {listing}", file=source)
    error.problems = problems  # type: ignore[attr-defined]
    raise error


# --------------------------------------------------------------------------- YAML files


class _StringDateLoader(yaml.SafeLoader):
    """SafeLoader that keeps ISO dates as strings, as Papermill's loader does."""


_StringDateLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


ModelT = TypeVar("ModelT", bound=BaseModel)


def load_model_file(path: str | Path, model: type[ModelT]) -> ModelT:
    """A YAML file validated with ``model``; the first problem raised naming file, line and field.

    The field is written as a path into the file (``rules[1].threshold``).

    Raises:
        ParameterError: the file is missing, not a YAML mapping, or does not fit ``model``.
    """
    path = Path(path)
    values, lines = read_parameter_file(path)
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        item = exc.errors()[0]
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in item["loc"]).lstrip(".")
        message = "unknown key" if item["type"] == "extra_forbidden" else item["msg"]
        raise ParameterError(message, file=path, row=lines.get(str(item["loc"][0])) if item["loc"] else None,
                             field=where) from None


def read_parameter_file(path: str | Path) -> tuple[dict[str, Any], dict[str, int]]:
    """Raw overrides from a YAML parameter file and the 1-based line of each key.

    Raises:
        ParameterError: the file is missing, is not valid YAML, or is not a mapping.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ParameterError("parameter file not found", file=path) from None
    try:
        node = yaml.compose(text, Loader=_StringDateLoader)
        values = yaml.load(text, Loader=_StringDateLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        raise ParameterError(f"not valid YAML: {getattr(exc, 'problem', exc)}", file=path, row=row) from None
    if values is None:
        return {}, {}
    if not isinstance(values, dict):
        raise ParameterError(
            f"expected a mapping of parameter names to values, found {type(values).__name__}", file=path, row=1
        )
    lines = {}
    if isinstance(node, yaml.MappingNode):
        lines = {str(key.value): key.start_mark.line + 1 for key, _ in node.value}
    return {str(k): v for k, v in values.items()}, lines


def parameter_set_path(notebook: str, set_name_or_path: str | Path) -> Path:
    """``parameters/<notebook>/<set>.yaml`` for a set name, or the given path to a YAML file."""
    candidate = Path(set_name_or_path)
    if candidate.suffix in {".yaml", ".yml"} or len(candidate.parts) > 1:
        return candidate.expanduser().resolve()
    return paths.parameters_dir() / notebook / f"{candidate}.yaml"


def load_parameter_set(notebook: str, set_name_or_path: str | Path) -> NotebookParameters:
    """Read and validate a parameter set: a name under ``parameters/<notebook>/`` or a YAML path.

    Raises:
        ParameterError: naming the file, the line and the field at fault.
    """
    path = parameter_set_path(notebook, set_name_or_path)
    values, lines = read_parameter_file(path)
    return validate_parameters(notebook, values, source=path, lines=lines)


def check_parameter_files(parameters_dir: str | Path | None = None) -> list[ParameterError]:
    """Validate every YAML set under ``<parameters_dir>/<notebook>/``; return every error.

    Folders whose notebook has no registered model are skipped.
    """
    base = Path(parameters_dir) if parameters_dir is not None else paths.parameters_dir()
    errors: list[ParameterError] = []
    if not base.is_dir():
        return errors
    for folder in sorted(p for p in base.iterdir() if p.is_dir() and p.name in _REGISTRY):
        for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
            try:
                values, lines = read_parameter_file(path)
            except ParameterError as exc:
                errors.append(exc)
                continue
            errors.extend(parameter_errors(folder.name, values, source=path, lines=lines))
    return errors


# --------------------------------------------------------------------------- app models
#
# Voilà apps under notebooks/apps/ take their parameters from the URL; the
# server validates them with these models before the notebook runs and keeps
# the defaults for any value that fails (``url_notices`` says which).


class AppParameters(NotebookParameters):
    """Fields every app shares: where the store is and what the server rejected."""

    store_path: str | None = Field(
        None, description="DuckDB store to read; None = data/warehouse.duckdb or $WORKBENCH_STORE; not settable by URL"
    )
    url_notices: list[str] = Field(
        default_factory=list, description="set by `workbench serve`: URL parameters rejected and why"
    )

    def store_file(self) -> Path:
        """``store_path`` as an absolute path, or the default store."""
        return resolve_repo_path(self.store_path) if self.store_path else paths.store_path()


@register_notebook_parameters("operations")
class OperationsAppParameters(AppParameters):
    """Parameters of ``notebooks/apps/operations.ipynb`` (the operations dashboard)."""

    queue: str = Field("all", min_length=1, description="queue id (billing_zh) or family (billing); 'all' = every queue")
    language: Literal["all", "zh", "en"] = Field("all", description="language line to include")
    date_from: date | None = Field(None, description="first day shown (ISO date); None = 13 days before the last")
    date_to: date | None = Field(None, description="last day shown (ISO date); None = the last day in the store")
    interval_minutes: Literal[15, 30, 60] = Field(30, description="length of an intraday interval")
    service_level_seconds: int = Field(20, ge=1, le=600, description="service-level threshold T on the wait")
    service_level_target: float = Field(0.8, ge=0.0, le=1.0, description="target share answered within T")
    abandonment_target: float = Field(0.05, ge=0.0, le=1.0, description="highest acceptable abandonment rate")
    asa_target_seconds: float = Field(30.0, ge=0.0, le=3600.0, description="highest acceptable ASA")
    aht_target_seconds: float = Field(360.0, ge=1.0, le=7200.0, description="highest acceptable AHT")
    csat_target: float = Field(4.0, ge=1.0, le=5.0, description="lowest acceptable mean CSAT (1-5)")

    @model_validator(mode="after")
    def _period_in_order(self) -> OperationsAppParameters:
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise ValueError(f"date_to {self.date_to} is before date_from {self.date_from}")
        return self


@register_notebook_parameters("staffing")
class StaffingAppParameters(AppParameters):
    """Parameters of ``notebooks/apps/staffing.ipynb`` (the staffing planner)."""

    run_id: str | None = Field(None, description="staffing run to show; None = the latest in the store")
    queue: str = Field("all", min_length=1, description="queue id (billing_zh) or family (billing); 'all' = every queue")
    service_level_target: float | None = Field(None, ge=0.05, le=0.99, description="start value; None = the plan's")
    target_answer_seconds: int | None = Field(None, ge=1, le=600, description="start value; None = the plan's")
    aht_multiplier: float = Field(1.0, ge=0.5, le=2.0, description="handle time factor (1.1 = calls 10 % longer)")
    shrinkage: float | None = Field(None, ge=0.0, le=0.8, description="start value; None = the plan's")
    volume_uplift: float = Field(0.0, ge=-0.5, le=1.0, description="extra share of calls (0.05 = 5 % more)")


@register_notebook_parameters("topics")
class TopicsAppParameters(AppParameters):
    """Parameters of ``notebooks/apps/topics.ipynb`` (contact drivers and topics)."""

    model_id: str | None = Field(None, pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$",
                                 description="topic run to show; None = the latest in the store")
    queue: str = Field("all", min_length=1, description="queue id (billing_zh) or family (billing); 'all' = every queue")
    period: Literal["D", "W-MON"] = Field("D", description="period of shares and emerging topics: D (days) or W-MON (weeks)")
    alpha: float = Field(0.05, gt=0.0, lt=0.5, description="significance level of the emerging-topic test")
    examples_per_topic: int = Field(3, ge=1, le=20, description="redacted example texts shown for the chosen topic")


@register_notebook_parameters("satisfaction")
class SatisfactionAppParameters(AppParameters):
    """Parameters of ``notebooks/apps/satisfaction.ipynb`` (satisfaction drivers)."""

    run_id: str | None = Field(None, pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$",
                               description="satisfaction_drivers run to show; None = the one LATEST names")
    model: Literal["logistic", "boosting"] = Field("logistic", description="model whose curves drive the what-if")
    what_if_feature: str = Field("wait_seconds", min_length=1, description="driver of the what-if (one with an effect curve)")
    what_if_from: float | None = Field(None, description="driver value every call starts at; None = the middle of its curve")
    what_if_change: float = Field(-30.0, ge=-10000.0, le=10000.0, description="change added to the driver on every call")
