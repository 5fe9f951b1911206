"""Read the generated sample call centre back as DataFrames, and small pure summaries of it.

:func:`read_generated` is pure I/O over what
:func:`workbench.sample.generate.generate_call_centre` wrote (``truth/calls.csv``,
``truth/calendar.csv``, ``events.csv``, ``transcripts.csv``); every frame
carries ``attrs["source_path"]`` so a notebook can record its inputs. The other
functions take and return DataFrames and never mutate their argument; they
aggregate to a few hundred rows, ready for a table or a chart.

Which calls each figure counts follows :mod:`workbench.glossary`, as in the
KPIs of :mod:`workbench.kpis`: phantom calls are never offered, short abandons
(outcome ``short_abandon`` or a wait under 5 s) are neither abandoned nor in
the rates' denominators, transfers count as answered.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pandas as pd

from workbench.errors import InputDataError, ParameterError
from workbench.i18n import N_
from workbench.glossary import (
    ALL_QUEUES,
    Period,
    call_set_mask,
    interval_start,
    is_all_queues,
    queue_options,
    require_columns,
    select_queues,
)

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
    "calls.csv": N_("one row per offered call, clean (the canonical truth)"),
    "agents.csv": N_("agents with hidden traits (speed, CSAT and resolution effects)"),
    "roster.csv": N_("agent x date: scheduled, worked, absence reason, shift times"),
    "arrival_rates.csv": N_("true Poisson mean per 30-minute interval and queue"),
    "staffing.csv": N_("planned load, required and on-duty agents per interval and queue"),
    "calendar.csv": N_("one row per date: day type, holiday, volume multipliers"),
    "export_defects.csv": N_("rows of the exports broken on purpose"),
    "csat_model.json": N_("ordered-logit CSAT model and survey response model"),
    "topics.csv": N_("topic of every transcribed call"),
    "pii_spans.csv": N_("personal data spans in transcripts.csv"),
    "compliance.csv": N_("disclosure and prohibited-phrase truth per transcribed call"),
    "topic_mentions.csv": N_("topic mentioned per transcript turn"),
}


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
        require_columns(frame, columns, f"read_generated('{name}')", file=path)
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
    date_from: date | str | None = None,
    date_to: date | str | None = None,
    queues: Sequence[str] = (),
    language: str = "all",
) -> pd.DataFrame:
    """Calls within a period, on some queues and a language line; possibly none.

    Needs columns ``date_local, queue_id, language``. ``date_from``/``date_to``
    are inclusive days (:class:`workbench.glossary.Period`); ``queues`` holds
    families (``billing``) or queue ids (``billing_zh``), empty or ``["all"]``
    means all (:func:`workbench.glossary.select_queues`). The input is not changed.

    Raises:
        ParameterError: a bad or inverted date, an unknown queue or language.
    """
    require_columns(calls, ["date_local", "queue_id", "language"], "select_calls")
    period = Period.of(date_from, date_to)
    keep = period.mask(pd.to_datetime(calls["date_local"].astype(str)))
    if not is_all_queues(queues):
        wanted = [queues] if isinstance(queues, str) else list(queues)
        known = set(queue_options(calls["queue_id"].dropna()))
        unknown = [q for q in wanted if q not in known]
        if unknown:
            families = sorted(known - set(calls["queue_id"]) - {ALL_QUEUES})
            raise ParameterError(f"unknown queue(s) {unknown}; the sample has {families}", field="queues")
        keep &= calls["queue_id"].isin(select_queues(calls["queue_id"].dropna(), wanted))
    if language != "all":
        if language not in set(calls["language"]):
            raise ParameterError(f"no calls in language '{language}'", field="language")
        keep &= calls["language"] == language
    return calls[keep].copy()


def filter_calls(
    calls: pd.DataFrame,
    *,
    date_from: date | str | None = None,
    date_to: date | str | None = None,
    queues: Sequence[str] = (),
    language: str = "all",
) -> pd.DataFrame:
    """Calls within a period, on some queues and a language line: :func:`select_calls`, never empty.

    Arguments and needed columns as for :func:`select_calls`.

    Raises:
        ParameterError: an unknown queue or language, or a period with no calls
            (the message gives the sample's first and last day).
    """
    selected = select_calls(calls, date_from=date_from, date_to=date_to, queues=queues, language=language)
    if selected.empty:
        days = calls["date_local"].astype(str)
        first, last = days.min(), days.max()
        raise ParameterError(
            f"no calls between {date_from or first} and {date_to or last} for the chosen queues and language; "
            f"the sample covers {first} to {last}",
            field="date_from" if date_from is not None else None,
        )
    return selected


#: The truth columns the call sets read.
_CALL_SET_COLUMNS = ["outcome", "wait_seconds"]


def _call_sets(calls: pd.DataFrame, target_answer_seconds: float = 20) -> pd.DataFrame:
    """Boolean columns ``offered, answered, within, abandoned, short, counted`` of each call (the glossary's sets)."""
    sets = {name: call_set_mask(calls, name, target_answer_seconds=target_answer_seconds)
            for name in ("offered", "answered", "answered_in_time", "abandoned", "short_abandoned")}
    offered = sets["offered"]
    return pd.DataFrame({
        "offered": offered,
        "answered": sets["answered"] & offered,
        "within": sets["answered_in_time"] & offered,
        "abandoned": sets["abandoned"] & offered,
        "short": sets["short_abandoned"] & offered,
        "counted": offered & ~sets["short_abandoned"],
    }, index=calls.index)  # fmt: skip


def headline(calls: pd.DataFrame, target_answer_seconds: int) -> pd.DataFrame:
    """One row of key figures: ``days, first_day, last_day, offered, answered, abandoned, abandon_rate,
    service_level, mean_wait_seconds, survey_responses, mean_csat``.

    As in the KPIs: ``offered`` leaves phantom calls out; ``abandoned`` leaves
    short abandons out; ``abandon_rate`` = abandoned / (offered - short
    abandons); ``service_level`` = answered within ``target_answer_seconds`` /
    (offered - short abandons). ``mean_wait_seconds`` is over offered calls.
    """
    require_columns(calls, ["date_local", *_CALL_SET_COLUMNS, "survey_responded", "csat"], "headline")
    sets = _call_sets(calls, target_answer_seconds)
    counted = int(sets["counted"].sum())
    offered = calls[sets["offered"]]
    return pd.DataFrame(
        {
            "days": [calls["date_local"].nunique()],
            "first_day": [calls["date_local"].min()],
            "last_day": [calls["date_local"].max()],
            "offered": [int(sets["offered"].sum())],
            "answered": [int(sets["answered"].sum())],
            "abandoned": [int(sets["abandoned"].sum())],
            "abandon_rate": [round(sets["abandoned"].sum() / counted, 4) if counted else float("nan")],
            "service_level": [round(sets["within"].sum() / counted, 4) if counted else float("nan")],
            "mean_wait_seconds": [round(offered["wait_seconds"].mean(), 1)],
            "survey_responses": [int(calls["survey_responded"].sum())],
            "mean_csat": [round(float(calls["csat"].mean()), 2) if calls["csat"].notna().any() else None],
        }
    )


def daily_volume_table(calls: pd.DataFrame) -> pd.DataFrame:
    """Offered calls per day and language: ``date, language, calls, answered, abandoned`` (as in :func:`headline`)."""
    require_columns(calls, ["date_local", "language", *_CALL_SET_COLUMNS], "daily_volume_table")
    frame = pd.concat([calls[["date_local", "language"]], _call_sets(calls)], axis=1)
    return (
        frame[frame["offered"]].groupby(["date_local", "language"], as_index=False)
        .agg(calls=("offered", "size"), answered=("answered", "sum"), abandoned=("abandoned", "sum"))
        .rename(columns={"date_local": "date"})
    )


def queue_summary(calls: pd.DataFrame, target_answer_seconds: int) -> pd.DataFrame:
    """Per queue and language: ``queue, language, queue_id, offered, answered, abandoned, abandon_rate,
    service_level, mean_wait_seconds, mean_handle_seconds`` (every figure as in :func:`headline`)."""
    require_columns(calls, ["queue", "language", "queue_id", *_CALL_SET_COLUMNS, "handle_seconds"], "queue_summary")
    frame = pd.concat([calls[["queue", "language", "queue_id", "wait_seconds", "handle_seconds"]],
                       _call_sets(calls, target_answer_seconds)], axis=1)  # fmt: skip
    frame = frame[frame["offered"]]
    out = frame.groupby(["queue", "language", "queue_id"], as_index=False).agg(
        offered=("offered", "size"),
        answered=("answered", "sum"),
        abandoned=("abandoned", "sum"),
        within=("within", "sum"),
        counted=("counted", "sum"),
        mean_wait_seconds=("wait_seconds", "mean"),
        mean_handle_seconds=("handle_seconds", "mean"),
    )
    counted = out["counted"].where(out["counted"] > 0)
    out["abandon_rate"] = (out["abandoned"] / counted).round(4)
    out["service_level"] = (out["within"] / counted).round(4)
    out["mean_wait_seconds"] = out["mean_wait_seconds"].round(1)
    out["mean_handle_seconds"] = out["mean_handle_seconds"].round(1)
    columns = ["queue", "language", "queue_id", "offered", "answered", "abandoned", "abandon_rate",
               "service_level", "mean_wait_seconds", "mean_handle_seconds"]
    return out[columns].sort_values(["queue", "language"], ignore_index=True)


def interval_profile(calls: pd.DataFrame, interval_minutes: int, target_answer_seconds: int) -> pd.DataFrame:
    """Intraday profile per language: ``interval_start, language, calls, calls_per_day, service_level``.

    ``interval_start`` is a timestamp (:func:`workbench.glossary.interval_start`):
    the interval's start on the first day of ``calls``, standing for that time
    of day on every day (format it as ``%H:%M`` to show it). ``calls`` counts
    offered calls, ``calls_per_day`` is their mean over the days in ``calls``
    and ``service_level`` is as in :func:`headline`.
    """
    require_columns(calls, ["arrived_at_local", "date_local", "language", *_CALL_SET_COLUMNS], "interval_profile")
    starts = interval_start(calls["arrived_at_local"], interval_minutes)
    first_day = starts.min().normalize() if len(starts) else pd.Timestamp("2000-01-01")
    frame = pd.concat([calls[["language"]], _call_sets(calls, target_answer_seconds)], axis=1)
    frame["interval_start"] = first_day + (starts - starts.dt.normalize())
    frame = frame[frame["offered"]]
    days = max(calls["date_local"].nunique(), 1)
    out = frame.groupby(["interval_start", "language"], as_index=False).agg(
        calls=("offered", "size"), within=("within", "sum"), counted=("counted", "sum")
    )
    out["calls_per_day"] = (out["calls"] / days).round(2)
    out["service_level"] = (out["within"] / out["counted"].where(out["counted"] > 0)).round(4)
    return out[["interval_start", "language", "calls", "calls_per_day", "service_level"]]


def wait_histogram(calls: pd.DataFrame, bin_seconds: int = 15, max_seconds: int = 300) -> pd.DataFrame:
    """Offered calls that waited, by wait bin and outcome: ``wait_bin_seconds, outcome`` (answered or
    abandoned, short abandons included: this is where they show), ``calls``.

    Calls answered without waiting are left out (they dominate), as are phantom
    calls; waits beyond ``max_seconds`` fall into the last bin.
    """
    require_columns(calls, _CALL_SET_COLUMNS, "wait_histogram")
    sets = _call_sets(calls)
    waited = calls[sets["offered"] & (calls["wait_seconds"] > 0)]
    bins = (waited["wait_seconds"].clip(upper=max_seconds) // bin_seconds * bin_seconds).astype(int)
    outcome = sets.loc[waited.index, "answered"].map({True: "answered", False: "abandoned"})
    return (
        pd.DataFrame({"wait_bin_seconds": bins, "outcome": outcome})
        .groupby(["wait_bin_seconds", "outcome"], as_index=False)
        .size()
        .rename(columns={"size": "calls"})
    )


def survey_summary(calls: pd.DataFrame) -> pd.DataFrame:
    """Per queue and language: ``queue, language, answered, surveys_offered, responses, response_rate,
    mean_csat`` (response rate = responses / surveys offered; answered as in :func:`headline`)."""
    require_columns(calls, ["queue", "language", *_CALL_SET_COLUMNS, "survey_offered", "survey_responded", "csat"],
                    "survey_summary")
    frame = calls[["queue", "language", "survey_offered", "survey_responded", "csat"]].assign(
        answered=_call_sets(calls)["answered"])
    out = frame.groupby(["queue", "language"], as_index=False).agg(
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
    require_columns(calls, ["csat", "language"], "csat_distribution_table")
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


# --------------------------------------------------------------------------- tables for people
#: Headings of the sample tables' columns that :data:`workbench.i18n.COLUMN_LABELS` lacks; translated where shown.
DISPLAY_LABELS: dict[str, str] = {
    "days": N_("Days"),
    "first_day": N_("First day"),
    "last_day": N_("Last day"),
    "abandon_rate": N_("Abandonment rate"),
    "mean_wait_seconds": N_("Average wait (s)"),
    "mean_handle_seconds": N_("Average handle time (s)"),
    "mean_csat": N_("Satisfaction (CSAT)"),
    "survey_responses": N_("Survey responses"),
    "surveys_offered": N_("Surveys offered"),
    "responses": N_("Survey responses"),
    "response_rate": N_("Survey response rate"),
    "queue_id": N_("Queue id"),
    "file": N_("File"),
    "columns": N_("Columns"),
    "bytes": N_("Size (bytes)"),
    "what": N_("What it holds"),
    "figure": N_("Figure"),
    "value": N_("Value"),
}

_RATE_COLUMNS = frozenset({"abandon_rate", "service_level", "response_rate", "share"})


def display_table(frame: pd.DataFrame, language: str | None = None) -> pd.DataFrame:
    """A table of this module (:func:`headline`, :func:`queue_summary`, ...) as people read it.

    Rates as percentages, waits and handle times in seconds with one decimal,
    CSAT with two, counts grouped, dates written out, all for the interface
    language, and readable translated headings (:data:`DISPLAY_LABELS`), by
    :func:`workbench.i18n.people_table`. Queue names and languages are data and
    stay as they are. For reports only; save the raw frame.
    """
    from workbench import i18n

    seconds = {c: 1 for c in frame.columns if isinstance(c, str) and c.endswith("_seconds")}
    return i18n.people_table(frame, language, labels=DISPLAY_LABELS, percent=_RATE_COLUMNS,
                             decimals={**seconds, "mean_csat": 2}, default_decimals=0,
                             dates=("first_day", "last_day", "date"),
                             words={text: text for text in TRUTH_DESCRIPTIONS.values()})  # texts N_-marked above


def key_figures_table(key_figures: pd.DataFrame, language: str | None = None) -> pd.DataFrame:
    """The one row of :func:`headline` as two columns, ``Figure`` and ``Value``, for people (:func:`display_table`)."""
    from workbench import i18n

    values = display_table(key_figures.iloc[[0]], language).iloc[0].tolist()
    rows = [(i18n.gettext(DISPLAY_LABELS.get(c) or i18n.COLUMN_LABELS.get(c) or c, language), value)
            for c, value in zip(key_figures.columns, values, strict=True)]
    return i18n.labelled_columns(pd.DataFrame(rows, columns=["figure", "value"]), language, labels=DISPLAY_LABELS)
