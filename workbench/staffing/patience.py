"""Callers' patience per queue, estimated from call records for Erlang A.

With exponential patience the abandonment hazard ``theta`` is constant, and
its maximum-likelihood estimate from queued callers is

    theta = abandoned calls / total time queued callers spent waiting,

counting the waiting of every caller, whether they abandoned or were
answered (an answered caller's wait is a censored patience). Mean patience is
``1 / theta``.

Which calls count (the same population rules as :mod:`workbench.kpis`):

* ``answered`` and ``transferred`` calls: waiting time only (censored).
* ``abandoned`` calls: waiting time, and one abandonment each.
* ``short_abandon`` calls, and ``abandoned`` ones with ``wait_seconds`` below
  ``short_abandon_seconds``: excluded. These are mostly misdials and second
  thoughts, callers whose "patience" is a few seconds whatever the queue;
  counting them would make everyone look impatient.
* ``phantom`` calls (system artefacts): excluded.
* calls with no recorded wait (the export did not give one): skipped, and
  counted in ``wait_unknown``. Their time in queue is unknown, so they can
  add neither exposure nor an abandonment; an unknown wait is never taken as
  0 s. When an export leaves the wait out mostly on abandoned calls, the
  estimate from the rest comes out too patient: ``wait_unknown`` says how
  many calls it could not use.

Dropping short abandons alone would bias the estimate (a genuinely impatient
caller can give up within the first seconds too). So time is counted from the
short-abandon threshold on: exposure is ``max(wait - short_abandon_seconds, 0)``
and only abandons after the threshold count. By memorylessness this is again
the exact estimate of ``theta`` for exponential patience, and with
``short_abandon_seconds=0`` it is the plain formula above (calls the source
already flagged ``short_abandon`` stay out either way).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.errors import InputDataError
from workbench.glossary import ANSWERED_OUTCOMES, call_set_mask, require_columns

__all__ = ["estimate_patience", "SERVED_OUTCOMES", "ABANDONED_OUTCOMES", "EXCLUDED_OUTCOMES"]

SERVED_OUTCOMES = ANSWERED_OUTCOMES
ABANDONED_OUTCOMES = ("abandoned", "short_abandon")
EXCLUDED_OUTCOMES = ("phantom",)


def estimate_patience(calls: pd.DataFrame, short_abandon_seconds: float = 5.0) -> pd.DataFrame:
    """Mean exponential patience per queue from call records.

    Args:
        calls: one row per offered call with columns ``queue_id``, ``outcome``
            (answered, transferred, abandoned, short_abandon or phantom) and
            ``wait_seconds`` (queue time until answer or hang-up).
        short_abandon_seconds: abandons before this many seconds of waiting
            are short abandons, and waiting is counted from here on (see the
            module docstring); 0 gives the plain estimate.

    Returns:
        One row per queue, sorted by ``queue_id``, with ``queue_id``,
        ``calls`` (rows counted: served and abandoned after the threshold),
        ``abandoned`` (abandons counted), ``short_abandoned`` (excluded),
        ``wait_unknown`` (non-phantom calls skipped for want of a wait; a
        coded short abandon among them is also in ``short_abandoned``),
        ``total_wait_seconds`` (waiting beyond the threshold, all callers
        counted), ``abandonment_rate_per_second`` and
        ``mean_patience_seconds`` (``total_wait_seconds / abandoned``;
        ``inf`` when nobody abandoned, NaN when nobody waited).

    >>> calls = pd.DataFrame({"queue_id": ["q"] * 4,
    ...                       "outcome": ["answered", "abandoned", "abandoned", "short_abandon"],
    ...                       "wait_seconds": [60.0, 40.0, 20.0, 2.0]})
    >>> row = estimate_patience(calls, short_abandon_seconds=0).iloc[0]
    >>> float(row["total_wait_seconds"]), int(row["abandoned"]), float(row["mean_patience_seconds"])
    (120.0, 2, 60.0)
    >>> float(estimate_patience(calls).iloc[0]["mean_patience_seconds"])  # (55 + 35 + 15) / 2
    52.5
    """
    require_columns(calls, ["queue_id", "outcome", "wait_seconds"], "estimate_patience")
    if short_abandon_seconds < 0:
        raise InputDataError(f"short_abandon_seconds must be >= 0, found {short_abandon_seconds!r}",
                             field="short_abandon_seconds")
    outcome = calls["outcome"].astype("string").str.strip().str.lower()
    known = SERVED_OUTCOMES + ABANDONED_OUTCOMES + EXCLUDED_OUTCOMES
    unknown = sorted(set(outcome.dropna().unique()) - set(known))
    if unknown or outcome.isna().any():
        found = ", ".join(repr(u) for u in unknown) or "missing values"
        raise InputDataError(f"outcome must be one of {', '.join(known)}; found {found}", field="outcome")
    wait = pd.to_numeric(calls["wait_seconds"], errors="coerce").to_numpy(dtype=float)
    if np.any(wait < 0):
        row = int(np.flatnonzero(wait < 0)[0])
        raise InputDataError(f"wait_seconds must be >= 0, found {wait[row]}", row=row + 1, field="wait_seconds")
    outcome_arr = outcome.to_numpy(dtype=object)
    has_wait = ~np.isnan(wait)
    short = (outcome_arr == "short_abandon") | (
        (outcome_arr == "abandoned") & has_wait & (wait < short_abandon_seconds)
    )
    abandoned = (outcome_arr == "abandoned") & has_wait & ~short
    served = np.isin(outcome_arr, SERVED_OUTCOMES) & has_wait
    counted = served | abandoned
    exposure = np.where(counted, np.maximum(np.nan_to_num(wait) - short_abandon_seconds, 0.0), 0.0)

    frame = pd.DataFrame(
        {
            "queue_id": calls["queue_id"].to_numpy(),
            "calls": counted.astype(np.int64),
            "abandoned": abandoned.astype(np.int64),
            "short_abandoned": short.astype(np.int64),
            "wait_unknown": call_set_mask(pd.DataFrame({"outcome": outcome, "wait_seconds": wait}), "wait_unknown")
            .to_numpy(dtype=np.int64),
            "total_wait_seconds": exposure,
        }
    )
    out = frame.groupby("queue_id", sort=True, dropna=False).sum().reset_index()
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = out["abandoned"].to_numpy(dtype=float) / out["total_wait_seconds"].to_numpy(dtype=float)
        out["abandonment_rate_per_second"] = np.where(out["total_wait_seconds"] > 0, rate, np.nan)
        out["mean_patience_seconds"] = np.where(
            out["total_wait_seconds"] > 0, out["total_wait_seconds"] / out["abandoned"].to_numpy(dtype=float), np.nan
        )
    return out
