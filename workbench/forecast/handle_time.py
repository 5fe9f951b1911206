"""Handle-time forecasts from the interval-of-week profile, and workload.

Average handle time moves slowly and mostly with the time of day and week
(night calls are longer, Monday mornings busier), so its forecast is the
median (or mean) AHT of the same slot of the week over the history; slots
never seen fall back to the same time of day, then to the series' overall
answered-call-weighted AHT. Workload is volume x AHT.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.forecast.models import SlotProfile
from workbench.glossary import require_columns
from workbench.forecast.series import infer_interval_minutes

__all__ = ["forecast_handle_time", "workload"]


def forecast_handle_time(
    aht: pd.DataFrame,
    future: pd.DataFrame,
    statistic: str = "median",
    interval_minutes: int | None = None,
) -> pd.DataFrame:
    """AHT per series for the timestamps of ``future``, from the slot-of-week profile.

    Args:
        aht: history with columns ``unique_id``, ``ds``, ``y`` (AHT seconds,
            NaN where nothing was answered) and optionally ``answered``
            (weights of the overall fallback), as from
            :func:`workbench.forecast.series.interval_handle_times`.
        future: columns ``unique_id`` and ``ds`` to forecast.
        statistic: ``median`` or ``mean`` of the slot's interval AHTs.
        interval_minutes: interval length; None = inferred from ``aht``.

    Returns:
        Columns ``unique_id``, ``ds``, ``aht_seconds`` (NaN only for a series
        without any answered call in the history).
    """
    for frame, columns, name in ((aht, ("unique_id", "ds", "y"), "aht"), (future, ("unique_id", "ds"), "future")):
        require_columns(frame, columns, f"forecast_handle_time: {name}")
    minutes = interval_minutes or infer_interval_minutes(aht)
    parts = []
    for uid, target in future.groupby("unique_id", sort=True):
        history = aht[aht["unique_id"] == uid]
        known = history.dropna(subset=["y"])
        ds = pd.to_datetime(target["ds"])
        if known.empty:
            parts.append(pd.DataFrame({"unique_id": uid, "ds": ds.to_numpy(), "aht_seconds": np.nan}))
            continue
        predicted = SlotProfile(statistic=statistic).fit(known, minutes).predict(ds)
        if "answered" in known.columns and known["answered"].sum() > 0:
            overall = float(np.average(known["y"], weights=known["answered"]))
            predicted["yhat"] = predicted["yhat"].fillna(overall)
        parts.append(pd.DataFrame({"unique_id": uid, "ds": ds.to_numpy(), "aht_seconds": predicted["yhat"].to_numpy()}))
    if not parts:
        return pd.DataFrame({"unique_id": pd.Series(dtype=str), "ds": pd.Series(dtype="datetime64[ns]"),
                             "aht_seconds": pd.Series(dtype=float)})
    return pd.concat(parts, ignore_index=True)


def workload(volume: pd.DataFrame, handle_time: pd.DataFrame, interval_minutes: int) -> pd.DataFrame:
    """Forecast volume and AHT side by side, with the workload they make.

    Args:
        volume: columns ``unique_id``, ``ds``, ``yhat`` (forecast calls).
        handle_time: columns ``unique_id``, ``ds``, ``aht_seconds``.
        interval_minutes: interval length in minutes.

    Returns:
        Columns ``queue_id`` (the series id), ``interval_start``, ``calls``,
        ``aht_seconds`` (0 where the series never answered a call),
        ``workload_hours`` (calls x AHT) and ``load_erlangs`` (workload per
        interval length), ready for
        :func:`workbench.staffing.erlang.staffing_requirements`.
    """
    for frame, columns in ((volume, ("unique_id", "ds", "yhat")), (handle_time, ("unique_id", "ds", "aht_seconds"))):
        require_columns(frame, columns, "workload")
    merged = volume[["unique_id", "ds", "yhat"]].merge(handle_time[["unique_id", "ds", "aht_seconds"]],
                                                       on=["unique_id", "ds"], how="left")
    aht = merged["aht_seconds"].fillna(0.0).to_numpy(dtype=float)
    calls = merged["yhat"].to_numpy(dtype=float)
    return pd.DataFrame({
        "queue_id": merged["unique_id"].to_numpy(),
        "interval_start": pd.to_datetime(merged["ds"]).to_numpy(),
        "calls": calls,
        "aht_seconds": aht,
        "workload_hours": calls * aht / 3600.0,
        "load_erlangs": calls * aht / (interval_minutes * 60.0),
    })
