"""Day types: which days of the week share an intraday profile.

Prophet's single daily seasonality gives every day the same shape (Prophet
issue #524); a conditional daily seasonality per day type fixes that. Centres
differ in which days are alike (the real 1999 bank's weekend is Friday and
Saturday), so the types can be learned: the mean intraday profile of each
weekday is compared with the others, and weekdays whose profiles differ by
less than ``tolerance`` share a type (complete linkage).

The distance is the relative L1 distance of the two mean profiles minus the
part Poisson noise alone would give: two weekdays with the same arrival rates,
averaged over a few weeks each, still differ by chance, and a short history
must not split them for that. For counts with mean ``lam`` per slot averaged
over ``n_a`` and ``n_b`` days the expected absolute difference is
``sqrt(2 / pi) * sqrt(lam / n_a + lam / n_b)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.errors import InputDataError

__all__ = ["WEEKDAY_NAMES", "weekday_day_types", "learn_day_types", "profile_distance", "noise_distance"]

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def weekday_day_types() -> dict[int, str]:
    """Every weekday its own type (0 = Monday ... 6 = Sunday)."""
    return {day: WEEKDAY_NAMES[day].lower() for day in range(7)}


def profile_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Relative L1 distance of two intraday profiles: sum |a - b| / mean total; 0 = identical, 2 = disjoint.

    >>> profile_distance(np.array([1.0, 3.0]), np.array([1.0, 3.0]))
    0.0
    >>> profile_distance(np.array([2.0, 0.0]), np.array([0.0, 2.0]))
    2.0
    """
    scale = 0.5 * (np.sum(a) + np.sum(b))
    return float(np.sum(np.abs(a - b)) / scale) if scale > 0 else 0.0


def noise_distance(a: np.ndarray, b: np.ndarray, days_a: int, days_b: int) -> float:
    """Expected :func:`profile_distance` of two mean count profiles with equal rates, from Poisson noise alone.

    >>> round(noise_distance(np.array([100.0]), np.array([100.0]), 4, 4), 3)
    0.056
    """
    scale = 0.5 * (np.sum(a) + np.sum(b))
    if scale <= 0 or days_a < 1 or days_b < 1:
        return 0.0
    rate = np.maximum(0.5 * (a + b), 0.0)
    return float(np.sqrt(2 / np.pi) * np.sum(np.sqrt(rate / days_a + rate / days_b)) / scale)


def learn_day_types(
    df: pd.DataFrame,
    tolerance: float = 0.08,
    exclude_dates: list | None = None,
) -> dict[int, str]:
    """Group weekdays whose mean intraday profiles are alike.

    Args:
        df: one series, columns ``ds`` and ``y`` (regular intervals).
        tolerance: largest profile distance (:func:`profile_distance` less
            :func:`noise_distance`) between any two weekdays of one type.
        exclude_dates: days left out of the profiles (holidays).

    Returns:
        Weekday (0 = Monday) -> type name: the weekday names of the group
        joined with ``_`` (e.g. ``friday_saturday``). Weekdays absent from
        the history join the type of the nearest seen weekday by name order,
        or ``other`` when nothing was seen.

    >>> ds = pd.date_range("2026-01-05", periods=14 * 24, freq="h")
    >>> y = np.where(ds.dayofweek.isin([4, 5]), 1.0, 10.0) * (ds.hour >= 8)
    >>> sorted(set(learn_day_types(pd.DataFrame({"ds": ds, "y": y})).values()))
    ['friday_saturday', 'sunday_monday_tuesday_wednesday_thursday']
    """
    for column in ("ds", "y"):
        if column not in df.columns:
            raise InputDataError(f"learn_day_types needs column '{column}'", field=column)
    ds = pd.to_datetime(df["ds"])
    frame = pd.DataFrame({"date": ds.dt.normalize(), "weekday": ds.dt.dayofweek,
                          "minute": ds.dt.hour * 60 + ds.dt.minute, "y": df["y"].to_numpy(dtype=float)})
    if exclude_dates:
        frame = frame[~frame["date"].isin(pd.to_datetime(list(exclude_dates)))]
    profiles = frame.pivot_table(index="weekday", columns="minute", values="y", aggfunc="mean").fillna(0.0)
    days_seen = frame.groupby("weekday")["date"].nunique()
    seen = list(profiles.index)
    if not seen:
        return {day: "other" for day in range(7)}
    # Complete linkage: merge the closest pair of groups while every pair of
    # weekdays across them stays within tolerance; deterministic and small (7 items).
    groups: list[list[int]] = [[day] for day in seen]
    matrix = {}
    for a in seen:
        for b in seen:
            pa, pb = profiles.loc[a].to_numpy(), profiles.loc[b].to_numpy()
            matrix[(a, b)] = profile_distance(pa, pb) - noise_distance(pa, pb, days_seen[a], days_seen[b])
    while True:
        best = None
        for i in range(len(groups)):
            for j in range(i + 1, len(groups)):
                worst = max(matrix[(a, b)] for a in groups[i] for b in groups[j])
                if worst <= tolerance and (best is None or worst < best[0]):
                    best = (worst, i, j)
        if best is None:
            break
        _, i, j = best
        groups[i] = sorted(groups[i] + groups[j])
        del groups[j]
    # Name types in a week that starts on Sunday (days 6, 0, 1, ...), which reads naturally for either weekend.
    order = [6, 0, 1, 2, 3, 4, 5]
    mapping: dict[int, str] = {}
    for group in groups:
        name = "_".join(WEEKDAY_NAMES[d].lower() for d in sorted(group, key=order.index))
        mapping.update({day: name for day in group})
    for day in range(7):
        if day not in mapping:
            nearest = min(seen, key=lambda s: (min((day - s) % 7, (s - day) % 7), s))
            mapping[day] = mapping[nearest]
    return mapping
