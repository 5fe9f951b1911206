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

Which type a given date takes is :func:`assign_day_types`: that of the weekday
it works as (:func:`workbench.workdays.day_kinds`), so a make-up working day
(调休) takes the type of the weekday it replaces, not a Saturday's; public
holidays and their eves can be moved to another weekday's type.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.errors import InputDataError
from workbench.glossary import require_columns
from workbench.workdays import day_kinds

__all__ = ["WEEKDAY_NAMES", "weekday_day_types", "learn_day_types", "assign_day_types", "profile_distance",
           "noise_distance"]

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
    require_columns(df, ["ds", "y"], "learn_day_types")
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


def assign_day_types(
    ds: pd.Series | pd.DatetimeIndex,
    day_types: dict[int, str],
    country: str | None = "CN",
    holidays_like: int | None = None,
    eves_like: int | None = None,
) -> np.ndarray:
    """The day type of each timestamp, from the weekday its day works as.

    Args:
        ds: timestamps (any time of day).
        day_types: weekday (0 = Monday) -> type name, for all seven weekdays.
        country: public holidays and make-up working days of this country
            (:func:`workbench.workdays.day_kinds`); None = weekdays only.
        holidays_like: weekday whose type public holidays take; None = the
            type of their own weekday.
        eves_like: weekday whose type the day before a public holiday (not
            a holiday itself) takes; None = its own.

    Returns:
        Type names, one per timestamp. A make-up working day takes the type
        of the weekday it replaces (Saturday 2026-02-14 pays for Friday
        2026-02-20, so it is a Friday); an eve that is a make-up day takes
        ``eves_like``'s type when that is set.

    >>> types = {d: "weekend" if d >= 5 else "weekday" for d in range(7)}
    >>> assign_day_types(pd.to_datetime(["2026-02-07", "2026-02-14", "2026-02-17"]), types, holidays_like=6).tolist()
    ['weekend', 'weekday', 'weekend']
    """
    missing = sorted(set(range(7)) - set(day_types))
    if missing:
        raise InputDataError(f"day_types must map every weekday 0-6, missing {missing}", field="day_types")
    days = pd.DatetimeIndex(pd.to_datetime(ds)).normalize()
    if len(days) == 0:
        return np.array([], dtype=object)
    unique = days.unique()
    kinds = day_kinds(unique.union(unique + pd.Timedelta(days=1)), country).set_index("date")
    weekday = kinds["works_as"].reindex(days).to_numpy(dtype=np.int64).copy()
    holiday = (kinds["kind"] == "public_holiday").reindex(days).to_numpy(dtype=bool)
    if eves_like is not None:
        eve = (kinds["kind"] == "public_holiday").reindex(days + pd.Timedelta(days=1)).to_numpy(dtype=bool)
        weekday[eve & ~holiday] = eves_like
    if holidays_like is not None:
        weekday[holiday] = holidays_like
    return np.array([day_types[d] for d in weekday], dtype=object)
