"""Read the generated sample call centre back as DataFrames, and small pure summaries of it.

:func:`read_generated` is pure I/O over what
:func:`workbench.sample.generate.generate_call_centre` wrote (``truth/calls.csv``,
``truth/calendar.csv``, ``events.csv``, ``transcripts.csv``); every frame
carries ``attrs["source_path"]`` so a notebook can record its inputs. The other
functions take and return DataFrames and never mutate their argument; they
aggregate to a few hundred rows, ready for a table or a chart.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

import pandas as pd

from workbench.errors import InputDataError, ParameterError

SOURCE_ATTR = "source_path"  # same key as workbench.reports.record.SOURCE_ATTR

# name -> (path inside the sample folder, required, columns the summaries rely on)
GENERATED_FILES: dict[str, tuple[str, bool, tuple[str, ...]]] = {
    "calls": (
        "truth/calls.csv",
        True,
        (
            "call_id", "language", "queue", "queue_id", "date_local", "arrived_at_local", "outcome",
            "answered", "abandoned", "short_abandon", "wait_seconds", "handle_seconds",
            "survey_offered", "survey_responded", "csat",
        ),
    ),
    "calendar": ("truth/calendar.csv", True, ("date", "weekday_name", "day_type")),
    "events": ("events.csv", True, ("date", "event_type", "name")),
    "transcripts": ("transcripts.csv", False, ("call_id", "turn_index", "speaker", "text", "language")),
}  # fmt: skip

_TIMESTAMPS = ("arrived_at_local", "answered_at_local", "ended_at_local", "surveyed_at_local")

TRUTH_DESCRIPTIONS = {
    "calls.csv": "one row per offered call, clean (the canonical truth)",
    "agents.csv": "agents with hidden traits (speed, CSAT and resolution effects)",
    "roster.csv": "agent x date: scheduled, worked, absence reason, shift times",
    "arrival_rates.csv": "true Poisson mean per 30-minute interval and queue",
    "staffing.csv": "planned load, required and on-duty agents per interval and queue",
    "calendar.csv": "one row per date: day type, holiday, volume multipliers",
    "export_defects.csv": "rows of the exports broken on purpose",
    "csat_model.json": "ordered-logit CSAT model and survey response model",
    "topics.csv": "topic of every transcribed call",
    "pii_spans.csv": "personal data spans in transcripts.csv",
    "compliance.csv": "disclosure and prohibited-phrase truth per transcribed call",
    "topic_mentions.csv": "topic mentioned per transcript turn",
}


def _require(frame: pd.DataFrame, columns: Iterable[str], where: str, file: str | Path | None = None) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputDataError(
            f"{where} needs columns {list(columns)}; missing {missing}", file=file, field=missing[0]
        )


def read_generated(sample_dir: str | Path, names: Sequence[str] | None = None) -> dict[str, pd.DataFrame]:
    """Load the generated sample's files as DataFrames, keyed by name.

    Args:
        sample_dir: the folder ``generate_call_centre`` wrote.
        names: which of :data:`GENERATED_FILES` to read (default all; an
            optional file that is absent, e.g. transcripts, is left out).

    Returns:
        ``calls`` (timestamps parsed, ``csat`` nullable integer), ``calendar``,
        ``events`` and, when present, ``transcripts``; each frame's
        ``attrs["source_path"]`` is the file it came from.

    Raises:
        InputDataError: naming the missing file (and how to create it) or a missing column.
    """
    base = Path(sample_dir)
    if not base.is_dir():
        raise InputDataError(
            "sample folder not found; create it with generate_call_centre (make demo / workbench sample-data)",
            file=base,
        )
    frames: dict[str, pd.DataFrame] = {}
    for name in names or GENERATED_FILES:
        if name not in GENERATED_FILES:
            raise InputDataError(f"unknown generated file '{name}'; known: {sorted(GENERATED_FILES)}", field=name)
        relative, required, columns = GENERATED_FILES[name]
        path = base / relative
        if not path.is_file():
            if required or names:
                raise InputDataError(
                    f"generated file missing (expected {relative} in {base}); re-run generate_call_centre",
                    file=path,
                )
            continue
        frame = pd.read_csv(path, dtype={"date": str, "date_local": str}, keep_default_na=True)
        _require(frame, columns, f"read_generated('{name}')", file=path)
        if name == "calls":
            for column in _TIMESTAMPS:
                if column in frame.columns:
                    frame[column] = pd.to_datetime(frame[column], format="%Y-%m-%d %H:%M:%S", errors="raise")
            frame["csat"] = frame["csat"].astype("Int64")
        frame.attrs[SOURCE_ATTR] = str(path.resolve())
        frames[name] = frame
    return frames


def select_calls(
    calls: pd.DataFrame,
    *,
    start_date: date | str | None = None,
    end_date: date | str | None = None,
    queues: Sequence[str] = (),
    language: str = "all",
) -> pd.DataFrame:
    """Calls within a period, on some queues and a language line; possibly none.

    Needs columns ``date_local, queue, queue_id, language``. ``queues`` holds
    base names (``billing``) or queue ids (``billing_zh``); empty means all.
    The input is not changed.

    Raises:
        ParameterError: an unknown queue or language.
    """
    _require(calls, ["date_local", "queue", "queue_id", "language"], "select_calls")
    keep = pd.Series(True, index=calls.index)
    days = calls["date_local"].astype(str)
    if start_date is not None:
        keep &= days >= str(start_date)
    if end_date is not None:
        keep &= days <= str(end_date)
    if queues:
        known = set(calls["queue"]) | set(calls["queue_id"])
        unknown = [q for q in queues if q not in known]
        if unknown:
            raise ParameterError(f"unknown queue(s) {unknown}; the sample has {sorted(set(calls['queue']))}",
                                 field="queues")
        keep &= calls["queue"].isin(queues) | calls["queue_id"].isin(queues)
    if language != "all":
        if language not in set(calls["language"]):
            raise ParameterError(f"no calls in language '{language}'", field="language")
        keep &= calls["language"] == language
    return calls[keep].copy()


def filter_calls(
    calls: pd.DataFrame,
    *,
    start_date: date | str | None = None,
    end_date: date | str | None = None,
    queues: Sequence[str] = (),
    language: str = "all",
) -> pd.DataFrame:
    """Calls within a period, on some queues and a language line: :func:`select_calls`, never empty.

    Arguments and needed columns as for :func:`select_calls`.

    Raises:
        ParameterError: an unknown queue or language, or a period with no calls
            (the message gives the sample's first and last day).
    """
    selected = select_calls(calls, start_date=start_date, end_date=end_date, queues=queues, language=language)
    if selected.empty:
        days = calls["date_local"].astype(str)
        first, last = days.min(), days.max()
        raise ParameterError(
            f"no calls between {start_date or first} and {end_date or last} for the chosen queues and language; "
            f"the sample covers {first} to {last}",
            field="start_date" if start_date is not None else None,
        )
    return selected


def _answered_within(calls: pd.DataFrame, target_answer_seconds: int) -> pd.Series:
    return calls["answered"] & (calls["wait_seconds"] <= target_answer_seconds)


def headline(calls: pd.DataFrame, target_answer_seconds: int) -> pd.DataFrame:
    """One row of key figures: ``days, first_day, last_day, offered, answered, abandoned, abandon_rate,
    service_level, mean_wait_seconds, survey_responses, mean_csat``.

    Service level: answered within ``target_answer_seconds`` over offered calls
    excluding short abandons (callers who hung up within 5 s). Abandoned
    includes short abandons.
    """
    _require(calls, ["date_local", "answered", "abandoned", "short_abandon", "wait_seconds", "survey_responded",
                     "csat"], "headline")
    counted = ~calls["short_abandon"]
    return pd.DataFrame(
        {
            "days": [calls["date_local"].nunique()],
            "first_day": [calls["date_local"].min()],
            "last_day": [calls["date_local"].max()],
            "offered": [len(calls)],
            "answered": [int(calls["answered"].sum())],
            "abandoned": [int(calls["abandoned"].sum())],
            "abandon_rate": [round(calls["abandoned"].mean(), 4)],
            "service_level": [round(_answered_within(calls, target_answer_seconds)[counted].mean(), 4)],
            "mean_wait_seconds": [round(calls["wait_seconds"].mean(), 1)],
            "survey_responses": [int(calls["survey_responded"].sum())],
            "mean_csat": [round(float(calls["csat"].mean()), 2) if calls["csat"].notna().any() else None],
        }
    )


def daily_volume_table(calls: pd.DataFrame) -> pd.DataFrame:
    """Calls per day and language: ``date, language, calls, answered, abandoned``."""
    _require(calls, ["date_local", "language", "answered", "abandoned"], "daily_volume_table")
    return (
        calls.groupby(["date_local", "language"], as_index=False)
        .agg(calls=("answered", "size"), answered=("answered", "sum"), abandoned=("abandoned", "sum"))
        .rename(columns={"date_local": "date"})
    )


def queue_summary(calls: pd.DataFrame, target_answer_seconds: int) -> pd.DataFrame:
    """Per queue and language: ``queue, language, queue_id, offered, answered, abandoned, abandon_rate,
    service_level, mean_wait_seconds, mean_handle_seconds`` (service level as in :func:`headline`)."""
    _require(calls, ["queue", "language", "queue_id", "answered", "abandoned", "short_abandon", "wait_seconds",
                     "handle_seconds"], "queue_summary")
    frame = calls.assign(
        within=_answered_within(calls, target_answer_seconds),
        counted=~calls["short_abandon"],
    )
    out = frame.groupby(["queue", "language", "queue_id"], as_index=False).agg(
        offered=("answered", "size"),
        answered=("answered", "sum"),
        abandoned=("abandoned", "sum"),
        within=("within", "sum"),
        counted=("counted", "sum"),
        mean_wait_seconds=("wait_seconds", "mean"),
        mean_handle_seconds=("handle_seconds", "mean"),
    )
    out["abandon_rate"] = (out["abandoned"] / out["offered"]).round(4)
    out["service_level"] = (out["within"] / out["counted"]).round(4)
    out["mean_wait_seconds"] = out["mean_wait_seconds"].round(1)
    out["mean_handle_seconds"] = out["mean_handle_seconds"].round(1)
    columns = ["queue", "language", "queue_id", "offered", "answered", "abandoned", "abandon_rate",
               "service_level", "mean_wait_seconds", "mean_handle_seconds"]
    return out[columns].sort_values(["queue", "language"], ignore_index=True)


def interval_profile(calls: pd.DataFrame, interval_minutes: int, target_answer_seconds: int) -> pd.DataFrame:
    """Intraday profile per language: ``interval_start`` (``"HH:MM"``), ``language, calls, calls_per_day,
    service_level``; ``calls_per_day`` is the mean over the days in ``calls``."""
    _require(calls, ["arrived_at_local", "date_local", "language", "answered", "short_abandon", "wait_seconds"],
             "interval_profile")
    arrived = pd.to_datetime(calls["arrived_at_local"])
    frame = calls.assign(
        interval_start=arrived.dt.floor(f"{interval_minutes}min").dt.strftime("%H:%M"),
        within=_answered_within(calls, target_answer_seconds),
        counted=~calls["short_abandon"],
    )
    days = max(calls["date_local"].nunique(), 1)
    out = frame.groupby(["interval_start", "language"], as_index=False).agg(
        calls=("answered", "size"), within=("within", "sum"), counted=("counted", "sum")
    )
    out["calls_per_day"] = (out["calls"] / days).round(2)
    out["service_level"] = (out["within"] / out["counted"].where(out["counted"] > 0)).round(4)
    return out[["interval_start", "language", "calls", "calls_per_day", "service_level"]]


def wait_histogram(calls: pd.DataFrame, bin_seconds: int = 15, max_seconds: int = 300) -> pd.DataFrame:
    """Calls that waited, by wait bin and outcome: ``wait_bin_seconds, outcome`` (answered or abandoned), ``calls``.

    Calls answered without waiting are left out (they dominate); waits beyond
    ``max_seconds`` fall into the last bin.
    """
    _require(calls, ["wait_seconds", "answered"], "wait_histogram")
    waited = calls[calls["wait_seconds"] > 0]
    bins = (waited["wait_seconds"].clip(upper=max_seconds) // bin_seconds * bin_seconds).astype(int)
    outcome = waited["answered"].map({True: "answered", False: "abandoned"})
    return (
        pd.DataFrame({"wait_bin_seconds": bins, "outcome": outcome})
        .groupby(["wait_bin_seconds", "outcome"], as_index=False)
        .size()
        .rename(columns={"size": "calls"})
    )


def survey_summary(calls: pd.DataFrame) -> pd.DataFrame:
    """Per queue and language: ``queue, language, answered, surveys_offered, responses, response_rate,
    mean_csat`` (response rate = responses / surveys offered)."""
    _require(calls, ["queue", "language", "answered", "survey_offered", "survey_responded", "csat"],
             "survey_summary")
    out = calls.groupby(["queue", "language"], as_index=False).agg(
        answered=("answered", "sum"),
        surveys_offered=("survey_offered", "sum"),
        responses=("survey_responded", "sum"),
        mean_csat=("csat", "mean"),
    )
    out["response_rate"] = (out["responses"] / out["surveys_offered"].where(out["surveys_offered"] > 0)).round(4)
    out["mean_csat"] = out["mean_csat"].astype(float).round(2)
    return out[["queue", "language", "answered", "surveys_offered", "responses", "response_rate", "mean_csat"]]


def csat_distribution_table(calls: pd.DataFrame) -> pd.DataFrame:
    """Survey responses per CSAT score and language: ``csat`` (1-5), ``language, responses, share``."""
    _require(calls, ["csat", "language"], "csat_distribution_table")
    scored = calls[calls["csat"].notna()]
    grid = pd.MultiIndex.from_product([range(1, 6), sorted(calls["language"].unique())], names=["csat", "language"])
    counts = scored.groupby(["csat", "language"]).size().reindex(grid, fill_value=0).rename("responses")
    out = counts.reset_index()
    totals = out.groupby("language")["responses"].transform("sum")
    out["share"] = (out["responses"] / totals.where(totals > 0)).fillna(0.0).round(4)
    return out


def truth_files(sample_dir: str | Path) -> pd.DataFrame:
    """The files under ``<sample_dir>/truth``: ``file, rows`` (CSV records; None for other files),
    ``columns, bytes, what``."""
    folder = Path(sample_dir) / "truth"
    if not folder.is_dir():
        raise InputDataError("truth folder missing; re-run generate_call_centre", file=folder)
    records = []
    for path in sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in {".csv", ".json"}):
        rows = columns = None
        if path.suffix == ".csv":
            frame = pd.read_csv(path, dtype=str)
            rows, columns = len(frame), len(frame.columns)
        records.append(
            {"file": f"truth/{path.name}", "rows": rows, "columns": columns, "bytes": path.stat().st_size,
             "what": TRUTH_DESCRIPTIONS.get(path.name, "")}
        )
    return pd.DataFrame(records, columns=["file", "rows", "columns", "bytes", "what"]).astype(
        {"rows": "Int64", "columns": "Int64"}
    )
