"""Analyses of topic assignments: share over time and by segment, emerging topics, the pain table.

Every function takes DataFrames, returns a new DataFrame and never mutates its inputs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.errors import InputDataError
from workbench.glossary import DEFAULT_REPEAT_WINDOW_DAYS, call_set_mask, repeat_contact_flags, require_columns


def topic_share(frame: pd.DataFrame, by: list[str] | None = None) -> pd.DataFrame:
    """Documents and share of each topic, overall or within groups (e.g. queue, language).

    Args:
        frame: needs ``topic`` and every column of ``by``.
        by: grouping columns; shares sum to 1 within each group.

    Returns:
        ``*by, topic, documents, share``.
    """
    by = list(by or [])
    require_columns(frame, ["topic", *by], "topic_share")
    counts = frame.groupby([*by, "topic"], dropna=False).size().rename("documents").reset_index()
    totals = counts.groupby(by, dropna=False)["documents"].transform("sum") if by else counts["documents"].sum()
    counts["share"] = (counts["documents"] / totals).round(4)
    return counts


def topic_share_over_time(frame: pd.DataFrame, *, freq: str = "W-MON", time_column: str = "arrived_at",
                          by: list[str] | None = None) -> pd.DataFrame:
    """Topic share per period (weeks starting Monday by default).

    Args:
        frame: needs ``topic`` and ``time_column`` (timestamps; rows without one are left out).
        freq: pandas period frequency, e.g. ``D``, ``W-MON``.
        by: further grouping columns (queue_id, language).

    Returns:
        ``period`` (period start timestamp), ``*by, topic, documents, share``.
    """
    require_columns(frame, ["topic", time_column], "topic_share_over_time")
    dated = frame[frame[time_column].notna()].copy()
    dated["period"] = pd.to_datetime(dated[time_column]).dt.to_period(freq).dt.start_time
    return topic_share(dated, ["period", *(by or [])])


def emerging_topics(frame: pd.DataFrame, *, freq: str = "W-MON", time_column: str = "arrived_at",
                    alpha: float = 0.05, min_documents: int = 5) -> pd.DataFrame:
    """Topics whose share grew from one period to the next, with a two-proportion z-test.

    A raw ratio calls 2 -> 4 mentions "doubling"; the test asks whether the
    share in the later period exceeds the earlier one by more than chance
    would (one-sided, pooled standard error).

    Args:
        frame: needs ``topic`` and ``time_column``.
        alpha: significance level of ``emerging``.
        min_documents: topics with fewer documents in the later period are never flagged.

    Returns:
        One row per topic and consecutive pair of periods: ``period, previous_period, topic,
        previous_documents, documents, previous_share, share, share_change, z, p_value, emerging``;
        newest period first.
    """
    from scipy.stats import norm

    shares = topic_share_over_time(frame, freq=freq, time_column=time_column)
    columns = ["period", "previous_period", "topic", "previous_documents", "documents", "previous_share", "share",
               "share_change", "z", "p_value", "emerging"]  # fmt: skip
    periods = sorted(shares["period"].unique())
    if len(periods) < 2:
        return pd.DataFrame(columns=columns)
    grid = shares.pivot_table(index="topic", columns="period", values="documents", fill_value=0, aggfunc="sum")
    totals = grid.sum(axis=0)
    rows = []
    for before, after in zip(periods[:-1], periods[1:]):
        n1, n2 = totals[before], totals[after]
        for topic in grid.index:
            x1, x2 = grid.at[topic, before], grid.at[topic, after]
            p1, p2 = x1 / n1 if n1 else 0.0, x2 / n2 if n2 else 0.0
            pooled = (x1 + x2) / (n1 + n2) if n1 + n2 else 0.0
            se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2)) if n1 and n2 else 0.0
            z = (p2 - p1) / se if se > 0 else 0.0
            p_value = float(norm.sf(z)) if se > 0 else 1.0
            rows.append((after, before, topic, int(x1), int(x2), round(p1, 4), round(p2, 4), round(p2 - p1, 4),
                         round(z, 3), round(p_value, 5), bool(p_value < alpha and x2 >= min_documents)))  # fmt: skip
    out = pd.DataFrame(rows, columns=columns)
    return out.sort_values(["period", "z"], ascending=[False, False], kind="stable").reset_index(drop=True)


HARM_COLUMNS = {
    "csat": "lower is worse (1-5)",
    "handle_seconds": "higher is worse",
    "called_again": "share of calls after which the customer called again within the window",
    "abandoned": "share of contacts abandoned (short abandons not counted, as in the KPIs)",
}


def pain_table(frame: pd.DataFrame, *, min_documents: int = 1) -> pd.DataFrame:
    """Rank topics by volume x harm.

    Each harm present is expressed relative to the whole (1.0 = average):
    ``(5 - csat) / (5 - overall csat)``, handle time over the overall mean,
    called-again and abandonment rates over the overall rates. ``harm`` is
    the mean of the ratios available; ``pain = share x harm``, so a large topic
    of average harm and a small, very harmful one can be compared.

    Args:
        frame: one row per document; needs ``topic`` and at least one of
            ``csat`` (nullable), ``handle_seconds``, ``called_again`` (bool),
            ``abandoned`` (bool). The outlier topic (-1) is left out.
        min_documents: topics with fewer documents are left out.

    Returns:
        ``rank, topic, documents, share, csat_mean, csat_responses, handle_seconds_mean,
        called_again_rate, abandonment_rate, harm, pain``, most painful first (metrics
        absent from ``frame`` are NaN and not in ``harm``).
    """
    require_columns(frame, ["topic"], "pain_table")
    present = [c for c in HARM_COLUMNS if c in frame.columns]
    if not present:
        raise InputDataError(f"pain_table needs at least one of {list(HARM_COLUMNS)}", field="csat")
    data = frame[frame["topic"] != -1]
    numeric = pd.DataFrame({"topic": data["topic"]})
    for column in present:
        numeric[column] = pd.to_numeric(data[column].astype("float64") if data[column].dtype == bool else data[column],
                                        errors="coerce")  # fmt: skip
    grouped = numeric.groupby("topic")
    out = pd.DataFrame({"documents": grouped.size()})
    out["share"] = out["documents"] / out["documents"].sum()
    nan = pd.Series(np.nan, index=out.index)
    out["csat_mean"] = grouped["csat"].mean() if "csat" in present else nan
    out["csat_responses"] = grouped["csat"].count() if "csat" in present else 0
    out["handle_seconds_mean"] = grouped["handle_seconds"].mean() if "handle_seconds" in present else nan
    out["called_again_rate"] = grouped["called_again"].mean() if "called_again" in present else nan
    out["abandonment_rate"] = grouped["abandoned"].mean() if "abandoned" in present else nan
    ratios = []
    if "csat" in present and numeric["csat"].notna().any():
        ratios.append((5 - out["csat_mean"]) / max(5 - numeric["csat"].mean(), 1e-9))
    for column, metric in (("handle_seconds", "handle_seconds_mean"), ("called_again", "called_again_rate"),
                           ("abandoned", "abandonment_rate")):  # fmt: skip
        overall = numeric[column].mean() if column in present else np.nan
        if column in present and overall > 0:
            ratios.append(out[metric] / overall)
    out["harm"] = pd.concat(ratios, axis=1).mean(axis=1, skipna=True) if ratios else np.nan
    out["pain"] = out["share"] * out["harm"]
    out = out[out["documents"] >= min_documents].reset_index()
    out = out.sort_values(["pain", "documents"], ascending=[False, False], kind="stable").reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    for column in ("share", "csat_mean", "handle_seconds_mean", "called_again_rate", "abandonment_rate", "harm",
                   "pain"):
        out[column] = out[column].astype(float).round(4)
    return out


def with_call_context(assignments: pd.DataFrame, calls: pd.DataFrame, surveys: pd.DataFrame | None = None,
                      *, repeat_window_days: float = DEFAULT_REPEAT_WINDOW_DAYS) -> pd.DataFrame:
    """Assignments joined to their calls' time, queue, language and harm measures.

    Args:
        assignments: needs ``call_id``, ``topic``.
        calls: needs ``call_id``; uses ``arrived_at``, ``queue_id``, ``language``, ``customer_id``,
            ``outcome``, ``wait_seconds``, ``talk_seconds``, ``hold_seconds``, ``wrap_seconds`` when present.
        surveys: ``call_id, csat`` (optional).
        repeat_window_days: the window of ``called_again``; a ``called_again``
            column already in ``calls`` (e.g. from the store reader, computed
            against every stored call) is used as it is.

    Returns:
        ``assignments`` columns plus ``arrived_at, queue_id, language, handle_seconds,
        called_again, abandoned, csat`` (where the inputs allow). ``called_again`` is
        :func:`workbench.glossary.repeat_contact_flags`' (the customer called again,
        non-phantom, within the window); ``abandoned`` the glossary's ``abandoned``
        call set (short abandons are not abandoned; without ``wait_seconds`` every
        ``abandoned`` outcome counts).
    """
    require_columns(assignments, ["call_id", "topic"], "with_call_context")
    require_columns(calls, ["call_id"], "with_call_context")
    context = calls[["call_id"]].copy()
    for column in ("arrived_at", "queue_id", "language"):
        if column in calls.columns:
            context[column] = calls[column]
    parts = [c for c in ("talk_seconds", "hold_seconds", "wrap_seconds") if c in calls.columns]
    if parts:
        context["handle_seconds"] = calls[parts].apply(pd.to_numeric, errors="coerce").sum(axis=1, min_count=1)
    if "called_again" in calls.columns:
        context["called_again"] = calls["called_again"].astype(bool)
    elif {"customer_id", "arrived_at"} <= set(calls.columns):
        context["called_again"] = repeat_contact_flags(calls, repeat_window_days=repeat_window_days)["called_again"]
    if "outcome" in calls.columns:
        waits = calls["wait_seconds"] if "wait_seconds" in calls.columns else np.nan
        context["abandoned"] = call_set_mask(pd.DataFrame({"outcome": calls["outcome"], "wait_seconds": waits}),
                                             "abandoned")
    out = assignments.drop(columns=[c for c in context.columns if c != "call_id" and c in assignments.columns])
    out = out.merge(context, on="call_id", how="left")
    if surveys is not None and len(surveys):
        require_columns(surveys, ["call_id", "csat"], "with_call_context")
        out = out.merge(surveys.groupby("call_id", as_index=False)["csat"].mean(), on="call_id", how="left")
    return out
