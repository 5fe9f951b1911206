"""What-if staffing: the same intervals re-planned under changed assumptions.

The staffing app changes one or two knobs (service-level target, handle
time, volume, shrinkage) and shows what that does to the plan. The baseline
is a table from :func:`workbench.staffing.erlang.staffing_requirements`,
which records its settings on every row, so a what-if needs nothing but that
table and the changes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.errors import InputDataError
from workbench.glossary import require_columns
from workbench.staffing.erlang import (
    erlang_a,
    erlang_a_required_agents,
    required_agents,
    scheduled_agents,
)

__all__ = ["what_if", "WHAT_IF_COLUMNS"]

#: Columns :func:`what_if` adds, in order.
WHAT_IF_COLUMNS = (
    "what_if_calls",
    "what_if_aht_seconds",
    "what_if_service_level_target",
    "what_if_target_answer_seconds",
    "what_if_shrinkage",
    "what_if_raw_agents",
    "what_if_scheduled_agents",
    "what_if_service_level",
    "what_if_occupancy",
    "what_if_abandonment_probability",
    "raw_agents_change",
    "scheduled_agents_change",
)

_REQUIRED = (
    "calls",
    "aht_seconds",
    "raw_agents",
    "scheduled_agents",
    "interval_minutes",
    "service_level_target",
    "target_answer_seconds",
    "max_occupancy",
    "shrinkage",
)


def what_if(
    requirements: pd.DataFrame,
    service_level_target: float | None = None,
    target_answer_seconds: float | None = None,
    aht_multiplier: float = 1.0,
    volume_uplift: float = 0.0,
    shrinkage: float | None = None,
) -> pd.DataFrame:
    """Re-plan every interval with changed targets, handle time, volume or shrinkage.

    Unchanged settings (None) keep each row's baseline value. Rows with a
    finite ``mean_patience_seconds`` are re-planned with Erlang A under their
    ``max_abandonment`` cap, the others with Erlang C, exactly as
    :func:`workbench.staffing.erlang.staffing_requirements` planned them, so
    with no changes the what-if equals the baseline.

    Args:
        requirements: output of ``staffing_requirements``; needs columns
            ``calls``, ``aht_seconds``, ``raw_agents``, ``scheduled_agents``,
            ``interval_minutes``, ``service_level_target``,
            ``target_answer_seconds``, ``max_occupancy`` and ``shrinkage``
            (``mean_patience_seconds`` and ``max_abandonment`` when present).
        service_level_target: new fraction to answer within the target, or None.
        target_answer_seconds: new service-level threshold in seconds, or None.
        aht_multiplier: handle time factor (1.1 = 10 % longer calls).
        volume_uplift: extra share of calls (0.05 = 5 % more, -0.1 = 10 % fewer).
        shrinkage: new share of paid time off the phones, or None.

    Returns:
        A copy of ``requirements`` (baseline columns untouched) with
        ``what_if_calls``, ``what_if_aht_seconds``,
        ``what_if_service_level_target``, ``what_if_target_answer_seconds``,
        ``what_if_shrinkage`` (the assumptions used), ``what_if_raw_agents``,
        ``what_if_scheduled_agents``, ``what_if_service_level``,
        ``what_if_occupancy`` and ``what_if_abandonment_probability`` (at the
        what-if agents), and ``raw_agents_change`` / ``scheduled_agents_change``
        (what-if minus baseline).

    >>> from workbench.staffing.erlang import staffing_requirements
    >>> base = staffing_requirements(pd.DataFrame({"calls": [100.0], "aht_seconds": [180.0]}))
    >>> row = what_if(base, service_level_target=0.9, volume_uplift=0.1).iloc[0]
    >>> int(row["raw_agents"]), int(row["what_if_raw_agents"]), int(row["scheduled_agents_change"])
    (14, 16, 3)
    """
    require_columns(requirements, _REQUIRED, "what_if (a table from staffing_requirements)")
    if aht_multiplier <= 0:
        raise InputDataError(f"aht_multiplier must be positive, found {aht_multiplier!r}", field="aht_multiplier")
    if volume_uplift <= -1:
        raise InputDataError(f"volume_uplift must be above -1, found {volume_uplift!r}", field="volume_uplift")
    out = requirements.copy()
    rows = len(out)

    def setting(value: float | None, column: str) -> np.ndarray:
        if value is None:
            return out[column].to_numpy(dtype=float)
        return np.full(rows, float(value))

    calls = out["calls"].to_numpy(dtype=float) * (1.0 + volume_uplift)
    aht = out["aht_seconds"].to_numpy(dtype=float) * aht_multiplier
    minutes = out["interval_minutes"].to_numpy(dtype=float)
    sl_target = setting(service_level_target, "service_level_target")
    answer = setting(target_answer_seconds, "target_answer_seconds")
    shrink = setting(shrinkage, "shrinkage")
    occ_max = out["max_occupancy"].to_numpy(dtype=float)
    patience = (out["mean_patience_seconds"].to_numpy(dtype=float) if "mean_patience_seconds" in out.columns
                else np.full(rows, np.inf))
    ab_max = out["max_abandonment"].to_numpy(dtype=float) if "max_abandonment" in out.columns else np.ones(rows)

    raw = np.asarray(required_agents(calls, minutes, aht, sl_target, answer, occ_max), dtype=np.int64).reshape(rows)
    a_rows = np.isfinite(patience)
    if a_rows.any():
        raw[a_rows] = erlang_a_required_agents(
            calls[a_rows], minutes[a_rows], aht[a_rows], patience[a_rows], sl_target[a_rows], answer[a_rows],
            occ_max[a_rows], ab_max[a_rows],
        )
    no_load = calls * aht <= 0
    metrics = erlang_a(calls, minutes, np.where(aht > 0, aht, 1.0), raw, patience, answer)
    sched = np.asarray(scheduled_agents(raw, shrink), dtype=np.int64).reshape(rows)

    out["what_if_calls"] = calls
    out["what_if_aht_seconds"] = aht
    out["what_if_service_level_target"] = sl_target
    out["what_if_target_answer_seconds"] = answer
    out["what_if_shrinkage"] = shrink
    out["what_if_raw_agents"] = raw
    out["what_if_scheduled_agents"] = sched
    out["what_if_service_level"] = np.where(no_load, 1.0, metrics["service_level"])
    out["what_if_occupancy"] = np.where(no_load, 0.0, metrics["occupancy"])
    out["what_if_abandonment_probability"] = np.where(no_load, 0.0, metrics["abandonment_probability"])
    out["raw_agents_change"] = raw - out["raw_agents"].to_numpy(dtype=np.int64)
    out["scheduled_agents_change"] = sched - out["scheduled_agents"].to_numpy(dtype=np.int64)
    return out
