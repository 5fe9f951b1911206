"""The sample centre's calendar: opening hours, day types, holidays, promotions.

Which days are public holidays, bridge days off and make-up working days
(调休) comes from :func:`workbench.workdays.day_kinds`, the same answer
forecasting uses, with holiday names in a fixed language so that the same
seed gives the same bytes under any locale. Make-up workdays are ordinary
weekdays. A run of three or more off days that contains a public holiday is
a holiday period; its weekend days are holidays too, and the first working
day after it has a backlog surge.

Promotion days are drawn per calendar month from the seed alone (not from the
generated window), so a date is a promotion day in every window that covers it.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from workbench.errors import InputDataError
from workbench.sample.catalog import LANGUAGES, QUEUE_NAMES, queue_id
from workbench.sample.randomness import stream
from workbench.workdays import day_kinds

TIMEZONE = "Asia/Shanghai"
COUNTRY = "CN"
OPEN_HOUR = 8
CLOSE_HOUR = 22
INTERVAL_MINUTES = 30

# Demand relative to an average weekday; Monday carries the weekend's backlog.
DAY_OF_WEEK_MULTIPLIER = (1.12, 1.03, 1.00, 0.98, 0.95, 0.62, 0.52)
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# Mild linear growth of the customer base, anchored on a fixed date so that
# overlapping windows see the same multiplier on the same day.
TREND_REFERENCE_DATE = dt.date(2026, 1, 1)
TREND_PER_DAY = 0.0008

HOLIDAY_MULTIPLIER = 0.50
BRIDGE_DAY_MULTIPLIER = 0.60
HOLIDAY_WEEKEND_MULTIPLIER = 0.55
SPRING_FESTIVAL_EVE_MULTIPLIER = 0.35
SPRING_FESTIVAL_MULTIPLIER = 0.30
MAKEUP_WORKDAY_MULTIPLIER = 0.92
POST_HOLIDAY_MULTIPLIER = 1.25

ALL_QUEUE_IDS = tuple(queue_id(q, lang) for lang in LANGUAGES for q in QUEUE_NAMES)

_PROMOTIONS = (
    ("Plan upgrade flash sale", "sales", 0.0),
    ("Double data bonus week launch", "sales", 0.25),
    ("Bill credit campaign", "billing", 0.0),
    ("New handset pre-order", "sales", 0.10),
)


def _parse_date(date_from: str) -> dt.date:
    try:
        return dt.date.fromisoformat(date_from)
    except (TypeError, ValueError) as exc:
        raise InputDataError(f"date_from must be an ISO date like 2026-01-05, found {date_from!r}",
                             field="date_from") from exc


def window_dates(date_from: str, days: int) -> list[dt.date]:
    """The ``days`` consecutive local dates starting at ``date_from``."""
    if days < 1:
        raise InputDataError(f"days must be at least 1, found {days}", field="days")
    start = _parse_date(date_from)
    return [start + dt.timedelta(days=i) for i in range(days)]


def _holiday_days(first: dt.date, last: dt.date) -> dict[dt.date, tuple[str, str, float]]:
    """Every special day near the window: date -> (event_type, name, multiplier)."""
    lo = first - dt.timedelta(days=40)
    hi = last + dt.timedelta(days=40)
    span = [lo + dt.timedelta(days=i) for i in range((hi - lo).days + 1)]
    kinds = day_kinds(span, COUNTRY)
    named = {d: name for d, name, kind in zip(span, kinds["holiday_name"], kinds["kind"]) if kind == "public_holiday"}
    bridge = {d for d, flag in zip(span, kinds["bridge"]) if flag}
    makeup = [d for d, kind in zip(span, kinds["kind"]) if kind == "makeup_workday"]
    off = {d: kind in ("weekend", "public_holiday") for d, kind in zip(span, kinds["kind"])}
    special: dict[dt.date, tuple[str, str, float]] = {}
    run: list[dt.date] = []
    for d in span + [hi + dt.timedelta(days=1)]:
        if off.get(d, False):
            run.append(d)
            continue
        if len(run) >= 3 and any(x in named for x in run):
            # Name the period after its most frequent holiday ("Chinese New Year").
            real = [re.sub(r"\s*\(.*\)$", "", named[x]) for x in run if x in named and x not in bridge]
            real = real or [re.sub(r"\s*\(.*\)$", "", named[x]) for x in run if x in named]
            main = max(real, key=lambda b: (real.count(b), -real.index(b)))
            for x in run:
                if x in named and "Chinese New Year's Eve" in named[x]:
                    special[x] = ("public_holiday", named[x], SPRING_FESTIVAL_EVE_MULTIPLIER)
                elif x in named and "Spring Festival" in named[x]:
                    special[x] = ("public_holiday", named[x], SPRING_FESTIVAL_MULTIPLIER)
                elif x in bridge:
                    special[x] = ("public_holiday", f"{main} bridge day off", BRIDGE_DAY_MULTIPLIER)
                elif x in named:
                    special[x] = ("public_holiday", named[x], HOLIDAY_MULTIPLIER)
                else:
                    special[x] = ("holiday_period", f"{main} holiday period (weekend)", HOLIDAY_WEEKEND_MULTIPLIER)
            if d <= hi:
                special[d] = ("post_holiday", f"First working day after {main}", POST_HOLIDAY_MULTIPLIER)
        else:
            for x in run:
                if x in named:
                    special[x] = ("public_holiday", named[x], HOLIDAY_MULTIPLIER)
        run = []
    for d in makeup:
        if d not in special:
            special[d] = ("makeup_workday", "Make-up working day (调休上班)", MAKEUP_WORKDAY_MULTIPLIER)
    return special


def _month_promotions(year: int, month: int, seed: int, blocked: set[dt.date]) -> list[dict[str, object]]:
    rng = stream(seed, f"promotions-{year:04d}-{month:02d}")
    first = dt.date(year, month, 1)
    days_in_month = ((first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - first).days
    candidates = [
        first + dt.timedelta(days=i)
        for i in range(days_in_month)
        if (first + dt.timedelta(days=i)).weekday() < 5 and (first + dt.timedelta(days=i)) not in blocked
    ]
    count = int(rng.integers(2, 4))
    picks = sorted(rng.choice(len(candidates), size=min(count, len(candidates)), replace=False).tolist())
    rows: list[dict[str, object]] = []
    for idx in picks:
        name, queue, billing_spill = _PROMOTIONS[int(rng.integers(len(_PROMOTIONS)))]
        multiplier = round(float(rng.uniform(1.4, 1.9)), 2)
        # A third of campaigns run on the Mandarin line only (e.g. a WeChat push).
        languages = ("zh",) if rng.random() < 1 / 3 else LANGUAGES
        affected = [queue_id(queue, lang) for lang in languages]
        rows.append(
            {"date": candidates[idx], "event_type": "promotion", "name": name,
             "volume_multiplier": multiplier, "queues_affected": ";".join(affected)}
        )
        if billing_spill > 0:
            rows.append(
                {"date": candidates[idx], "event_type": "promotion", "name": f"{name} (billing questions)",
                 "volume_multiplier": round(1.0 + billing_spill * (multiplier - 1.0) * 2, 2),
                 "queues_affected": ";".join(queue_id("billing", lang) for lang in languages)}
            )
    return rows


def build_events(date_from: str, days: int, seed: int) -> pd.DataFrame:
    """Special days in the window that change demand.

    Returns:
        One row per event with columns ``date`` (ISO), ``event_type``
        (public_holiday, holiday_period, post_holiday, makeup_workday,
        promotion), ``name``, ``volume_multiplier`` (applied to the normal
        demand of the listed queues) and ``queues_affected`` (``;``-separated
        queue ids). Sorted by date, event type and name.
    """
    dates = window_dates(date_from, days)
    first, last = dates[0], dates[-1]
    special = _holiday_days(first, last)
    rows: list[dict[str, object]] = []
    for d in dates:
        if d in special:
            kind, name, mult = special[d]
            rows.append({"date": d, "event_type": kind, "name": name, "volume_multiplier": mult,
                         "queues_affected": ";".join(ALL_QUEUE_IDS)})
    blocked = {d for d, (kind, _, _) in special.items() if kind != "makeup_workday"}
    months = sorted({(d.year, d.month) for d in dates})
    for year, month in months:
        for row in _month_promotions(year, month, seed, blocked):
            if first <= row["date"] <= last:  # type: ignore[operator]
                rows.append(row)
    events = pd.DataFrame(rows, columns=["date", "event_type", "name", "volume_multiplier", "queues_affected"])
    events["date"] = events["date"].astype(str)
    return events.sort_values(["date", "event_type", "name"], kind="stable").reset_index(drop=True)


def build_calendar(date_from: str, days: int, seed: int) -> pd.DataFrame:
    """One row per local date in the window with its day type and multipliers.

    Returns:
        Columns ``date`` (ISO), ``day_index`` (0-based), ``weekday`` (0=Mon),
        ``weekday_name``, ``day_type`` (weekday, weekend, holiday),
        ``holiday_name`` (empty if none), ``day_of_week_multiplier``,
        ``trend_multiplier``; plus one ``multiplier_<queue_id>`` column per
        queue: the product of the day-of-week, trend and event multipliers,
        i.e. the day's expected volume relative to an average weekday at the
        trend reference date.
    """
    dates = window_dates(date_from, days)
    events = build_events(date_from, days, seed)
    special = _holiday_days(dates[0], dates[-1])
    kinds = day_kinds(dates, COUNTRY)["kind"].tolist()
    rows = []
    for i, (d, day_kind) in enumerate(zip(dates, kinds)):
        makeup = day_kind == "makeup_workday"
        kind = special.get(d, ("", "", 1.0))[0]
        if kind in ("public_holiday", "holiday_period"):
            day_type = "holiday"
        elif makeup or day_kind == "workday":
            day_type = "weekday"
        else:
            day_type = "weekend"
        # A make-up Saturday is busy like a mid-week day, not like a weekend. Not
        # like the weekday it replaces either: Monday's level carries a weekend's
        # backlog that a make-up day after a working Friday does not have.
        dow = DAY_OF_WEEK_MULTIPLIER[2] if makeup else DAY_OF_WEEK_MULTIPLIER[d.weekday()]
        if day_type == "holiday":
            dow = 1.0  # the holiday multiplier already says how quiet it is
        rows.append(
            {
                "date": d.isoformat(),
                "day_index": i,
                "weekday": d.weekday(),
                "weekday_name": WEEKDAY_NAMES[d.weekday()],
                "day_type": day_type,
                "holiday_name": special[d][1] if kind in ("public_holiday", "holiday_period") else "",
                "day_of_week_multiplier": dow,
                "trend_multiplier": round(1.0 + TREND_PER_DAY * (d - TREND_REFERENCE_DATE).days, 6),
            }
        )
    cal = pd.DataFrame(rows)
    for qid in ALL_QUEUE_IDS:
        mult = (cal["day_of_week_multiplier"] * cal["trend_multiplier"]).to_numpy(dtype=float)
        for _, ev in events.iterrows():
            if qid in str(ev["queues_affected"]).split(";"):
                mult = np.where(cal["date"] == ev["date"], mult * float(ev["volume_multiplier"]), mult)
        cal[f"multiplier_{qid}"] = np.round(mult, 6)
    return cal
