"""The driver table: one row per answered call with its features and, when surveyed, its CSAT.

:func:`call_features` turns the store's ``calls`` and ``surveys`` (plus
``topic_assignments``, ``speech_metrics`` and ``compliance_results`` when
present) into one row per eligible call, surveyed or not: the non-surveyed
rows are what the response-propensity model needs. :func:`driver_table_from_store`
reads those tables; :func:`read_driver_file` reads any CSV/Parquet instead, and
:func:`check_driver_table` validates either before a model sees it.

Besides the call's own measures the table carries the agent-marked outcome
fields (``resolved`` as a yes/no, ``contact_reason`` as a category), the
store's custom dimensions of calls (``region`` from column ``dim_region``: a
category as text, a number as is, a flag as 0/1; unknown stays NaN, and the
models fill it and flag it as unknown) and, from the ``agents`` table, the
handling agent's ``team``, ``site``, ``tenure_months`` and custom dimensions.
``attrs["dimension_features"]`` names the columns that came from dimensions
and agents, which the response model also uses (they are known for every
call, surveyed or not).

From ``speech_metrics`` (schema v4) come the call's sentiment as drivers
(:data:`SENTIMENT_FEATURES`: ``call_sentiment`` -1..1, ``negative_call`` 0/1 and
``sentiment_turnaround``, the customer's sentiment at the end minus at the
start), missing on calls without a scored transcript, like the other speech
features: below :data:`MIN_COVERAGE` of the surveyed rows they are left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.errors import InputDataError
from workbench.i18n import N_, format_text, gettext
from workbench.glossary import (
    DEFAULT_REPEAT_WINDOW_DAYS,
    call_set_mask,
    dimension_of_column,
    repeat_contact_flags,
    require_columns,
)

# Fewer surveys than this cannot support a model with a dozen drivers and a
# bootstrap: about ten outcomes per parameter is the usual floor.
MIN_SURVEYS = 100
# Of each outcome class (top box and not top box), at least this many.
MIN_PER_CLASS = 10

NUMERIC_FEATURES = (
    "wait_seconds", "talk_seconds", "hold_seconds", "hour", "silence_share", "overtalk_share",
    "compliance_breaches", "call_sentiment", "sentiment_turnaround",
)  # fmt: skip
BINARY_FEATURES = ("transferred", "abandoned_callback", "repeat_contact", "called_again", "resolved",
                   "negative_call")
CATEGORICAL_FEATURES = ("topic", "queue_id", "language", "weekday", "contact_reason")
DEFAULT_FEATURES = (
    "wait_seconds", "talk_seconds", "hold_seconds", "transferred", "abandoned_callback", "repeat_contact",
    "called_again", "resolved", "contact_reason", "topic", "queue_id", "language", "hour", "weekday",
    "silence_share", "overtalk_share", "compliance_breaches", "call_sentiment", "negative_call", "sentiment_turnaround",
)  # fmt: skip
#: Sentiment drivers from ``speech_metrics`` (schema v4): the call's sentiment (-1..1), whether it was labelled
#: negative (0/1), and the customer's turnaround (sentiment over their last third of turns minus the first).
SENTIMENT_FEATURES = ("call_sentiment", "negative_call", "sentiment_turnaround")
#: Agents' columns joined onto each call (through ``agent_id``) as drivers; ``tenure_months`` comes from ``hired_on``.
AGENT_FEATURES = ("team", "site", "tenure_months")
# Average month length, for tenure in months from a hire date.
_DAYS_PER_MONTH = 365.25 / 12
# Speech and compliance features exist only for transcribed calls; below this
# share of surveyed rows they are left out of the default features.
MIN_COVERAGE = 0.5
# A text column with more levels than this is free text, not a category: one-hot
# columns for hundreds of rare levels only let the models memorise rows.
MAX_LEVELS = 50
# A text column whose distinct values cover at least this share of the rows is
# an identifier (a call id, a timestamp written as text), whatever its name.
ID_LIKE_SHARE = 0.9
#: Columns that identify a row or a person and are never drivers.
ID_COLUMNS = ("call_id", "agent_id", "customer_id", "survey_id", "id")
#: Bookkeeping columns of the driver table and why they are not drivers.
BOOKKEEPING_COLUMNS = {
    "surveyed": N_("survey-response flag, used for the response weights, not a driver"),
    "top_box": N_("derived from the target"),
}

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _previous_within(frame: pd.DataFrame, mask: np.ndarray, seconds: float) -> np.ndarray:
    """For each call, whether the same customer had a call in ``mask`` in the ``seconds`` before it arrived."""
    known = frame["customer_id"].notna().to_numpy()
    arrived = frame["arrived_at"].to_numpy(dtype="datetime64[ns]").astype("int64") / 1e9
    out = np.zeros(len(frame), dtype=bool)
    order = np.lexsort((arrived, frame["customer_id"].fillna("").to_numpy()))
    customers = frame["customer_id"].fillna("").to_numpy()[order]
    times = arrived[order]
    flagged = mask[order]
    last_flagged = -np.inf
    for k in range(len(order)):
        if k == 0 or customers[k] != customers[k - 1]:
            last_flagged = -np.inf
        out[order[k]] = known[order[k]] and times[k] - last_flagged <= seconds
        if flagged[k]:
            last_flagged = times[k]
    return out


def _as_feature(values: pd.Series) -> pd.Series:
    """A dimension column as the models take it: a flag as 0/1 (NaN unknown), a number as float, else text."""
    present = values.dropna()
    flags = len(present) > 0 and present.map(lambda v: isinstance(v, (bool, np.bool_))).all()
    if pd.api.types.is_bool_dtype(values) or flags:
        return values.map(lambda v: np.nan if pd.isna(v) else float(bool(v))).astype(float)
    if pd.api.types.is_numeric_dtype(values):
        return values.astype(float)
    return values.astype(object).where(values.notna(), None)


def _dimension_features(
    frame: pd.DataFrame, calls: pd.DataFrame, agents: pd.DataFrame | None, taken: set[str]
) -> tuple[pd.DataFrame, list[str]]:
    """``frame`` with the calls' dimensions and the agents' columns and dimensions added, and their names.

    A dimension is named by its name (``region``); one whose name a column of
    the table already has keeps its column name (``dim_region``), and an agent
    dimension whose name a call dimension took gets ``agent_`` before it.
    """
    added: list[str] = []
    for column in [c for c in calls.columns if dimension_of_column(str(c))]:
        name = dimension_of_column(column)
        name = name if name not in taken else column
        frame[name] = _as_feature(frame[column])
        taken.add(name)
        added.append(name)
    if agents is None or not len(agents) or "agent_id" not in agents.columns:
        return frame, added
    known = agents.drop_duplicates("agent_id", keep="last").set_index("agent_id")
    by_agent = frame["agent_id"]
    for column in ("team", "site"):
        if column in known.columns and column not in taken:
            frame[column] = _as_feature(by_agent.map(known[column]))
            taken.add(column)
            added.append(column)
    if "hired_on" in known.columns and "tenure_months" not in taken:
        hired = pd.to_datetime(by_agent.map(known["hired_on"]), errors="coerce")
        # Tenure on the day of the call: a hire date after the call is an error in the export, so unknown.
        months = (frame["arrived_at"] - hired).dt.days / _DAYS_PER_MONTH
        frame["tenure_months"] = months.where(months >= 0).astype(float)
        taken.add("tenure_months")
        added.append("tenure_months")
    for column in [c for c in known.columns if dimension_of_column(str(c))]:
        name = dimension_of_column(column)
        name = name if name not in taken else f"agent_{name}"
        if name in taken:
            continue
        frame[name] = _as_feature(by_agent.map(known[column]))
        taken.add(name)
        added.append(name)
    return frame, added


def _speech_features(speech_metrics: pd.DataFrame) -> pd.DataFrame:
    """``call_id``, the timing shares and the :data:`SENTIMENT_FEATURES` of each call of ``speech_metrics``.

    A sentiment column the table lacks (a store before schema v4, a file
    without it) leaves its features missing on every call; a label other than
    ``negative`` counts as not negative, a missing label as unknown.
    """
    speech = speech_metrics.drop_duplicates("call_id", keep="last")

    def numeric(column: str) -> pd.Series:
        if column not in speech.columns:
            return pd.Series(np.nan, index=speech.index)
        return pd.to_numeric(speech[column], errors="coerce").astype(float)

    label = speech["call_sentiment_label"] if "call_sentiment_label" in speech.columns else \
        pd.Series(None, index=speech.index, dtype=object)
    negative = label.astype(object).map(lambda v: np.nan if pd.isna(v) else float(str(v).strip().lower() == "negative"))
    return pd.DataFrame({
        "call_id": speech["call_id"], "silence_share": numeric("silence_share"),
        "overtalk_share": numeric("overtalk_share"), "call_sentiment": numeric("call_sentiment"),
        "negative_call": negative.astype(float),
        "sentiment_turnaround": numeric("customer_sentiment_end") - numeric("customer_sentiment_start"),
    })


def call_features(
    calls: pd.DataFrame,
    surveys: pd.DataFrame,
    *,
    topic_assignments: pd.DataFrame | None = None,
    speech_metrics: pd.DataFrame | None = None,
    compliance_results: pd.DataFrame | None = None,
    agents: pd.DataFrame | None = None,
    repeat_window_days: float = DEFAULT_REPEAT_WINDOW_DAYS,
    callback_minutes: float = 60.0,
) -> pd.DataFrame:
    """Features of every answered call, with its CSAT where a survey came back.

    Args:
        calls: the store's ``calls``; needs ``call_id``, ``queue_id``,
            ``language``, ``customer_id``, ``agent_id``, ``arrived_at``,
            ``wait_seconds``, ``talk_seconds``, ``hold_seconds``, ``outcome``.
        surveys: needs ``call_id`` and ``csat`` (1-5); the last response per call
            counts (by ``surveyed_at`` when present).
        topic_assignments: optional; ``call_id``, ``topic_id`` of ONE topic run
            (the caller chooses it, e.g. :func:`workbench.store.readers.latest_run_id`);
            a ``model_id`` column holding several runs is an error.
        speech_metrics: optional; ``call_id``, ``silence_share``, ``overtalk_share``
            and, when present, the sentiment columns ``call_sentiment``,
            ``call_sentiment_label``, ``customer_sentiment_start`` and
            ``customer_sentiment_end`` (:data:`SENTIMENT_FEATURES` come from them;
            missing where a call has no scored transcript).
        compliance_results: optional; ``call_id``, ``passed``.
        agents: optional; ``agent_id`` with any of ``team``, ``site``,
            ``hired_on`` and custom dimension columns ``dim_<name>``, joined
            onto the call's agent (calls whose agent is not listed get NaN).
        repeat_window_days: window for ``repeat_contact`` (this call follows another
            call by the same customer) and ``called_again`` (another call
            follows this one), in days: :func:`workbench.glossary.repeat_contact_flags`.
        callback_minutes: window for ``abandoned_callback`` (an abandoned call
            by the same customer shortly before).

    Returns:
        One row per answered or transferred call: ``call_id``, ``agent_id``,
        ``customer_id``, ``surveyed`` (bool), ``csat`` (float, NaN unless
        surveyed) and the :data:`DEFAULT_FEATURES` (speech and compliance
        columns NaN where those tables lack the call, ``topic`` ``unknown``;
        ``resolved``, the agent's mark, as 0/1 and NaN where not marked, and
        ``contact_reason`` as text, both NaN when ``calls`` lacks them), then
        one column per custom dimension of ``calls`` (``dim_region`` ->
        ``region``) and, with ``agents``, the :data:`AGENT_FEATURES` and the
        agents' dimensions; ``attrs["dimension_features"]`` lists those last.
        ``wait_seconds``, ``talk_seconds`` and ``hold_seconds`` are NaN where
        the store does not know them (unknown, never 0); the models of
        :mod:`workbench.drivers.models` impute them and flag them as unknown.
        ``attrs["absent_tables"]`` lists the optional tables not given.
    """
    require_columns(
        calls,
        ["call_id", "queue_id", "language", "customer_id", "agent_id", "arrived_at", "wait_seconds",
         "talk_seconds", "hold_seconds", "outcome"],
        "calls",
    )  # fmt: skip
    require_columns(surveys, ["call_id", "csat"], "surveys")
    frame = calls.copy()
    frame["arrived_at"] = pd.to_datetime(frame["arrived_at"])
    outcome = frame["outcome"].astype(str).to_numpy()
    abandoned = np.isin(outcome, ["abandoned", "short_abandon"])
    frame["abandoned_callback"] = _previous_within(frame, abandoned, callback_minutes * 60.0)
    flags = repeat_contact_flags(frame, repeat_window_days=repeat_window_days)
    frame["repeat_contact"], frame["called_again"] = flags["repeat_contact"], flags["called_again"]

    frame = frame[call_set_mask(frame, "answered").to_numpy()].copy()
    frame["transferred"] = frame["outcome"].eq("transferred")
    # The agent's mark and chosen reason: absent from older exports, then unknown on every call.
    frame["resolved"] = _as_feature(frame["resolved"]) if "resolved" in frame.columns else np.nan
    frame["contact_reason"] = (frame["contact_reason"].astype(object).where(frame["contact_reason"].notna(), None)
                               if "contact_reason" in frame.columns else None)  # fmt: skip
    for column in ("wait_seconds", "talk_seconds", "hold_seconds"):
        # A measure the export did not give stays unknown: a call with no recorded wait did not wait 0 s.
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    frame["hour"] = frame["arrived_at"].dt.hour.astype(float)
    frame["weekday"] = frame["arrived_at"].dt.dayofweek.map(dict(enumerate(_WEEKDAYS)))

    answers = surveys.sort_values("surveyed_at", kind="stable") if "surveyed_at" in surveys.columns else surveys
    answers = answers[["call_id", "csat"]].dropna().drop_duplicates("call_id", keep="last")
    frame = frame.merge(answers, on="call_id", how="left", validate="one_to_one")
    frame["surveyed"] = frame["csat"].notna()
    frame["csat"] = pd.to_numeric(frame["csat"], errors="coerce").astype(float)

    absent = []
    if topic_assignments is not None and len(topic_assignments):
        require_columns(topic_assignments, ["call_id", "topic_id"], "topic_assignments")
        runs = topic_assignments["model_id"].dropna().unique() if "model_id" in topic_assignments.columns else []
        if len(runs) > 1:
            raise InputDataError(
                f"topic_assignments holds {len(runs)} topic runs ({', '.join(sorted(map(str, runs)))}); "
                "pass the assignments of one run", field="model_id")  # fmt: skip
        topics = topic_assignments.dropna(subset=["call_id"]).drop_duplicates("call_id", keep="last")
        frame = frame.merge(topics[["call_id", "topic_id"]], on="call_id", how="left")
        frame["topic"] = frame.pop("topic_id").map(lambda t: "unknown" if pd.isna(t) else f"topic_{int(t)}")
    else:
        absent.append("topic_assignments")
        frame["topic"] = "unknown"
    if speech_metrics is not None and len(speech_metrics):
        speech = _speech_features(speech_metrics)
        frame = frame.merge(speech, on="call_id", how="left")
    else:
        absent.append("speech_metrics")
        for column in ("silence_share", "overtalk_share", *SENTIMENT_FEATURES):
            frame[column] = np.nan
    if compliance_results is not None and len(compliance_results):
        breaches = (~compliance_results["passed"].astype(bool)).groupby(compliance_results["call_id"]).sum()
        frame["compliance_breaches"] = frame["call_id"].map(breaches).astype(float)
    else:
        absent.append("compliance_results")
        frame["compliance_breaches"] = np.nan
    for column in BINARY_FEATURES:
        frame[column] = frame[column].astype(float)
    base = ["call_id", "agent_id", "customer_id", "surveyed", "csat", *DEFAULT_FEATURES]
    frame, extra = _dimension_features(frame, calls, agents, set(base))
    frame = frame[[*base, *extra]].reset_index(drop=True)
    frame.attrs["absent_tables"] = absent
    frame.attrs["dimension_features"] = extra
    return frame


def driver_table_from_store(
    store, *, repeat_window_days: float = DEFAULT_REPEAT_WINDOW_DAYS, callback_minutes: float = 60.0
) -> pd.DataFrame:
    """:func:`call_features` over an open :class:`workbench.store.Store`.

    Topics come from the latest topic run (:func:`workbench.store.readers.latest_run_id`);
    the agents' team, site, tenure and dimensions from ``agents`` when it holds rows.

    Args:
        store: an open store with ``calls`` and ``surveys`` loaded.
        repeat_window_days: see :func:`call_features`.
        callback_minutes: see :func:`call_features`.

    Returns:
        The :func:`call_features` frame; ``attrs["absent_tables"]`` names the
        optional tables that held no rows; ``attrs["topic_model_id"]`` the
        topic run used (None without one).
    """
    from workbench.store import readers

    counts = store.table_counts()
    optional = {
        name: store.read_table(name) if counts.get(name, 0) else None
        for name in ("speech_metrics", "compliance_results", "agents")
    }
    run = readers.latest_run_id(store, "topics") if counts.get("topic_assignments", 0) else None
    if run is not None:
        assignments = readers.topic_run(store, run)[1].rename(columns={"topic": "topic_id"})
        optional["topic_assignments"] = assignments[["call_id", "topic_id"]]
    else:
        optional["topic_assignments"] = None
    table = call_features(
        store.read_table("calls"), store.read_table("surveys"), repeat_window_days=repeat_window_days,
        callback_minutes=callback_minutes, **optional,
    )  # fmt: skip
    table.attrs["topic_model_id"] = run
    return table


def read_driver_file(path: str | Path) -> pd.DataFrame:
    """Read a driver table from CSV or Parquet (one row per call or survey).

    Args:
        path: a ``.csv`` or ``.parquet`` file with a target column and feature columns.

    Returns:
        The table, ``attrs["source_path"]`` set to the file.

    Raises:
        InputDataError: the file is missing or of another format.
    """
    path = Path(path)
    if not path.is_file():
        raise InputDataError("driver table not found (expected a CSV or Parquet file, or 'store')", file=path)
    if path.suffix.lower() == ".parquet":
        frame = pd.read_parquet(path)
    elif path.suffix.lower() in (".csv", ".txt"):
        frame = pd.read_csv(path)
    else:
        raise InputDataError(f"expected a .csv or .parquet file, found '{path.suffix}'", file=path)
    frame.attrs["source_path"] = str(path)
    return frame


def _looks_like_id(name: str) -> bool:
    lowered = name.lower()
    return lowered in ID_COLUMNS or lowered.endswith(("_id", "_uuid")) or lowered == "uuid"


def _determines(values: pd.Series, outcome: pd.Series) -> bool:
    """Whether every level of ``values`` (present, with enough rows each) holds one ``outcome`` value only."""
    present = values.notna()
    if present.sum() < 20:
        return False
    per_level = outcome[present].groupby(values[present]).agg(["nunique", "size"])
    if len(per_level) < 2 or per_level["size"].min() < 5:
        return False
    return bool((per_level["nunique"] == 1).all())


def _leave_out_reason(name: str, values: pd.Series, target: str, outcome: pd.Series | None = None) -> str | None:
    """Why ``values`` (a column over the rows with a target) cannot be a driver, or None if it can."""
    if name == target:
        return format_text("the target itself")
    if name in BOOKKEEPING_COLUMNS:
        return gettext(BOOKKEEPING_COLUMNS[name])
    if name.lower() in ID_COLUMNS:
        return (format_text("identifier; agent effects are estimated separately, with call mix held fixed")
                if name == "agent_id" else format_text("identifier"))
    present = values.dropna()
    if present.empty:
        return format_text("all missing on the rows with a '{target}'", target=target)
    missing = 1.0 - len(present) / len(values)
    if missing > 1.0 - MIN_COVERAGE:
        return format_text("missing on {missing:.0%} of the rows with a '{target}', at most {allowed:.0%} allowed",
                           missing=missing, target=target, allowed=1 - MIN_COVERAGE)
    levels = present.nunique()
    if levels < 2:
        return format_text("constant: one value only, {value}", value=repr(present.iloc[0]))
    if pd.api.types.is_datetime64_any_dtype(values):
        return format_text("a timestamp; derive hour or weekday from it instead")
    if outcome is not None and _determines(values, outcome):
        return format_text("the target in another form: each of its values goes with one '{target}' value only",
                           target=target)
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
        whole = pd.api.types.is_bool_dtype(values) or bool((present == np.floor(present)).all())
        if _looks_like_id(name) and whole and levels == len(present):
            return format_text("identifier: a different number on every row")
        return None
    if levels >= ID_LIKE_SHARE * len(present) and levels > MAX_LEVELS:
        return format_text("identifier-like text: {levels} distinct values in {rows} rows", levels=f"{levels:,}",
                           rows=f"{len(present):,}")
    if levels > MAX_LEVELS:
        return format_text("text with too many levels: {levels} distinct values, at most {most} modelled",
                           levels=f"{levels:,}", most=MAX_LEVELS)
    return None


def screen_columns(
    table: pd.DataFrame, target: str = "csat", features: Sequence[str] | None = None
) -> pd.DataFrame:
    """Which columns of a driver table can be drivers, and why the others cannot.

    Every column is judged on the rows that have a target: identifiers
    (:data:`ID_COLUMNS`, and text or whole-number ``*_id`` columns with a
    different value on nearly every row), bookkeeping columns
    (:data:`BOOKKEEPING_COLUMNS`), the target itself, columns missing on more
    than ``1 - MIN_COVERAGE`` of those rows (or on all of them), constants,
    timestamps, the target in another form (a column each of whose levels goes
    with a single target value, e.g. a "very satisfied" label) and text with
    more than :data:`MAX_LEVELS` levels are left out; every other column is used. With ``features`` named, exactly those are
    used and the rest are left out as not named.

    Args:
        table: a driver table (any columns).
        target: its target column.
        features: the driver columns asked for; None: every usable column.

    Returns:
        One row per column of ``table``, in table order: ``column``, ``used``
        (bool) and ``reason`` (why it was left out; empty when used). The
        input is not changed.
    """
    rows, outcome = table, None
    if target in table.columns:
        numeric = pd.to_numeric(table[target], errors="coerce")
        rows, outcome = table[numeric.notna()], numeric[numeric.notna()]
    named = None if features is None else set(features)
    records = []
    for name in table.columns:
        reason = _leave_out_reason(str(name), rows[name], target, outcome)
        if named is not None:
            reason = None if name in named else (reason or format_text("not named in the features asked for"))
            if name in named and name == target:
                reason = format_text("the target itself")
        records.append({"column": name, "used": reason is None, "reason": reason or ""})
    return pd.DataFrame(records, columns=["column", "used", "reason"])


def default_features(table: pd.DataFrame, target: str = "csat") -> list[str]:
    """The features to model when none are named: every usable column.

    Args:
        table: a driver table.
        target: its target column (never a feature).

    Returns:
        The columns :func:`screen_columns` marks as used, in table order; for a
        table from :func:`call_features` these are the :data:`DEFAULT_FEATURES`
        that at least :data:`MIN_COVERAGE` of the surveyed rows have and that
        hold more than one value.
    """
    screen = screen_columns(table, target)
    return screen.loc[screen["used"], "column"].tolist()


def check_driver_table(
    table: pd.DataFrame, target: str, features: Sequence[str], positive_threshold: float
) -> pd.DataFrame:
    """Validate a driver table and return its rows with a target.

    Args:
        table: needs ``target`` and every column in ``features``.
        target: the satisfaction column (numeric, e.g. CSAT 1-5).
        features: the driver columns.
        positive_threshold: target at or above this is "top box".

    Returns:
        A copy of the rows whose target is present, with ``top_box`` (0/1) added.

    Raises:
        InputDataError: the target or a feature column is missing (named), the
            target is not numeric, holds one value only, has too few surveys
            (the message says how many are needed), or one top-box class is
            too rare to model.
    """
    where = table.attrs.get("source_path")
    if target not in table.columns:
        raise InputDataError(f"target column '{target}' not found; columns are {list(table.columns)}",
                             file=where, field=target)  # fmt: skip
    missing = [c for c in features if c not in table.columns]
    if missing:
        raise InputDataError(f"feature columns not found: {missing}", file=where, field=missing[0])
    if not features:
        raise InputDataError("no feature columns to model (name some with --features)", file=where)
    values = table[target]
    if not (pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)):
        numeric = pd.to_numeric(values.dropna(), errors="coerce")
        bad = values.dropna()[numeric.isna()]
        if len(bad):
            raise InputDataError(
                f"target '{target}' must be numeric (e.g. CSAT 1-5); found non-numeric values such as {bad.iloc[0]!r}",
                file=where, field=target,
            )  # fmt: skip
    rows = table[pd.to_numeric(values, errors="coerce").notna()].copy()
    rows[target] = pd.to_numeric(rows[target]).astype(float)
    if rows[target].nunique() < 2:
        found = rows[target].iloc[0] if len(rows) else "nothing"
        raise InputDataError(f"target '{target}' holds one value only ({found}); nothing to explain",
                             file=where, field=target)  # fmt: skip
    if len(rows) < MIN_SURVEYS:
        raise InputDataError(
            f"too few surveys: {len(rows)} rows with a '{target}', at least {MIN_SURVEYS} are needed "
            "for a driver analysis (load more days of surveys)", file=where, field=target,
        )  # fmt: skip
    rows["top_box"] = (rows[target] >= positive_threshold).astype(int)
    counts = rows["top_box"].value_counts()
    if counts.get(1, 0) < MIN_PER_CLASS or counts.get(0, 0) < MIN_PER_CLASS:
        raise InputDataError(
            f"top box ('{target}' >= {positive_threshold}) has {counts.get(1, 0)} rows and the rest "
            f"{counts.get(0, 0)}; each needs at least {MIN_PER_CLASS} (change --positive-threshold)",
            file=where, field=target,
        )  # fmt: skip
    return rows.reset_index(drop=True)
