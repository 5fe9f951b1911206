"""What kind of day is this: working day, weekend, public holiday or make-up working day (调休).

The sample generator and forecasting both need the answer; they are
independent analysis modules, so it lives here, below both of them.

Public holidays come from the ``holidays`` package (pure data, offline). It
names days in the machine's language unless told otherwise (it reads
``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES`` and ``LANG`` through ``gettext``):
the same Chinese bridge day is "Day off (substituted from 01/04/2026)" under
``C.UTF-8`` and "休息日（由 2026-01-04 调休）" under ``zh_CN.UTF-8`` or plain
``C``. Every table here asks for :data:`HOLIDAY_LANGUAGE`, so names, and
anything derived from them, are the same on every machine.

A make-up working day is a weekend day worked to pay for a bridge day off:
in 2026 China works Saturday 14 February to take Friday 20 February off. The
package lists make-up days in ``weekend_workdays`` and labels the day off
with the make-up date it was substituted from. Rule used here: a make-up day
works as the weekday of the day off it pays for (14 February works as a
Friday, 28 February, paying for Monday 23 February, as a Monday). When the
package records no such day off, it works as the nearest weekday that is
not a weekend day (a Saturday as a Friday, a Sunday as a Monday).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from typing import Any

import pandas as pd

from workbench.errors import InputDataError

__all__ = ["HOLIDAY_LANGUAGE", "DAY_KINDS", "public_holidays", "makeup_workdays", "day_kinds"]

#: Language of holiday names, whatever the machine's locale.
HOLIDAY_LANGUAGE = "en_US"
#: Values of ``kind`` in :func:`day_kinds`.
DAY_KINDS = ("workday", "weekend", "public_holiday", "makeup_workday")
_DEFAULT_WEEKEND = frozenset({5, 6})


@functools.lru_cache(maxsize=32)
def _table(country: str, years: tuple[int, ...]) -> Any:
    """The package's holiday table in a fixed language (cached: callers only read it)."""
    import holidays

    try:
        probe = holidays.country_holidays(country)
    except NotImplementedError:
        raise InputDataError(f"the holidays package knows no country '{country}'", field="country") from None
    # A language the entity does not ship makes the package fall back on the
    # environment; its own default language is fixed, so take that instead.
    language = HOLIDAY_LANGUAGE if HOLIDAY_LANGUAGE in probe.supported_languages else probe.default_language
    return holidays.country_holidays(country, years=list(years), language=language)


def _years(years: Iterable[int]) -> tuple[int, ...]:
    return tuple(sorted({int(y) for y in years}))


def _bridge_days(table: Any, makeup: Iterable[dt.date]) -> dict[dt.date, dt.date]:
    """Make-up day -> the day off it pays for, read from the package's substitution labels."""
    label, date_format = getattr(table, "substituted_label", None), getattr(table, "substituted_date_format", None)
    if not label or not date_format:
        return {}
    by_name = {name: day for day in sorted(table) for name in table.get_list(day)}
    found = {}
    for day in makeup:
        # Rebuild the label exactly as the package writes it, in the table's language.
        name = table.tr(label) % day.strftime(table.tr(date_format))
        if name in by_name:
            found[day] = by_name[name]
    return found


def public_holidays(country: str | None, years: Iterable[int]) -> pd.DataFrame:
    """Public holidays of ``country`` in ``years``, named in :data:`HOLIDAY_LANGUAGE`.

    Args:
        country: ISO code known to the ``holidays`` package (``CN``, ``IL``,
            ...); None = no holidays.
        years: calendar years to cover.

    Returns:
        One row per day: ``date`` (datetime64, midnight), ``name`` (several
        holidays on one day joined by ``"; "``) and ``bridge`` (True for a
        day off paid for by a make-up working day). Sorted by date.

    Raises:
        InputDataError: a country the package does not know.

    >>> cn = public_holidays("CN", [2026])
    >>> cn.loc[cn["date"] == "2026-01-02", ["name", "bridge"]].values.tolist()
    [['Day off (substituted from 01/04/2026)', True]]
    """
    empty = pd.DataFrame({"date": pd.Series(dtype="datetime64[ns]"), "name": pd.Series(dtype=str),
                          "bridge": pd.Series(dtype=bool)})
    if not country:
        return empty
    table = _table(country, _years(years))
    bridges = set(_bridge_days(table, table.weekend_workdays).values())
    rows = [(pd.Timestamp(day), "; ".join(table.get_list(day)), day in bridges) for day in sorted(table)]
    if not rows:
        return empty
    return pd.DataFrame(rows, columns=["date", "name", "bridge"])


def _nearest_working_weekday(day: dt.date, weekend: frozenset[int]) -> int:
    for distance in range(1, 7):
        for candidate in ((day.weekday() - distance) % 7, (day.weekday() + distance) % 7):
            if candidate not in weekend:
                return candidate
    return day.weekday()


def makeup_workdays(country: str | None, years: Iterable[int]) -> pd.DataFrame:
    """Weekend days worked to make up for a bridge day off (调休), with the weekday each works as.

    Args:
        country: ISO code known to the ``holidays`` package; None = none.
        years: calendar years to cover. A make-up day may pay for a day off
            in the next year (late December for early January), so ask for
            one year more than needed when the edge matters.

    Returns:
        ``date`` (datetime64, midnight), ``replaces`` (the day off it pays
        for; NaT when the package records none) and ``works_as`` (weekday,
        0 = Monday: that of ``replaces``, or the nearest weekday that is not a
        weekend day). Sorted by date.

    >>> print(makeup_workdays("CN", [2026]).head(3).to_string(index=False))
          date   replaces  works_as
    2026-01-04 2026-01-02         4
    2026-02-14 2026-02-20         4
    2026-02-28 2026-02-23         0
    """
    columns = {"date": pd.Series(dtype="datetime64[ns]"), "replaces": pd.Series(dtype="datetime64[ns]"),
               "works_as": pd.Series(dtype="int64")}
    if not country:
        return pd.DataFrame(columns)
    wanted = _years(years)
    table = _table(country, wanted)
    weekend = frozenset(getattr(table, "weekend", _DEFAULT_WEEKEND))
    # weekend_workdays can hold days of other years than those asked for.
    days = sorted(d for d in table.weekend_workdays if d.year in wanted and table.is_working_day(d))
    if not days:
        return pd.DataFrame(columns)
    replaces = _bridge_days(table, days)
    return pd.DataFrame({
        "date": pd.to_datetime(days),
        "replaces": pd.to_datetime([replaces.get(d) for d in days]),
        "works_as": [replaces[d].weekday() if d in replaces else _nearest_working_weekday(d, weekend)
                     for d in days],
    }).astype({"works_as": "int64"})


def day_kinds(dates: Iterable[Any], country: str | None = "CN") -> pd.DataFrame:
    """Each date's kind: ``workday``, ``weekend``, ``public_holiday`` or ``makeup_workday``.

    A public holiday on a weekend is a public holiday; a make-up working day
    is never a weekend. The weekend is the country's own (Saturday and Sunday
    when none is known).

    Args:
        dates: anything ``pd.to_datetime`` reads; times of day are ignored.
        country: ISO code known to the ``holidays`` package; None = weekends only.

    Returns:
        One row per input date, in input order: ``date`` (datetime64,
        midnight), ``weekday`` (0 = Monday), ``kind``, ``holiday_name`` (in
        :data:`HOLIDAY_LANGUAGE`; empty unless a public holiday), ``bridge``
        (a bridge day off) and ``works_as`` (the weekday whose schedule the
        day follows: a make-up day's per :func:`makeup_workdays`, otherwise
        its own weekday).

    >>> day_kinds(["2026-02-13", "2026-02-14", "2026-02-15", "2026-02-16"])[["kind", "works_as"]].values.tolist()
    [['workday', 4], ['makeup_workday', 4], ['weekend', 6], ['public_holiday', 0]]
    """
    days = pd.DatetimeIndex(pd.to_datetime(list(dates))).normalize()
    out = pd.DataFrame({"date": days, "weekday": days.dayofweek.astype("int64")})
    weekend = _DEFAULT_WEEKEND
    if country and len(days):
        years = range(days.year.min() - 1, days.year.max() + 2)
        weekend = frozenset(getattr(_table(country, _years(years)), "weekend", _DEFAULT_WEEKEND))
        holidays_ = public_holidays(country, years).set_index("date")
        makeup = makeup_workdays(country, years).set_index("date")["works_as"]
    else:
        holidays_ = public_holidays(None, []).set_index("date")
        makeup = pd.Series(dtype="int64")
    is_holiday = days.isin(holidays_.index)
    is_makeup = days.isin(makeup.index) & ~is_holiday
    is_weekend = out["weekday"].isin(sorted(weekend)).to_numpy()
    out["kind"] = "workday"
    out.loc[is_weekend, "kind"] = "weekend"
    out.loc[is_makeup, "kind"] = "makeup_workday"
    out.loc[is_holiday, "kind"] = "public_holiday"
    out["holiday_name"] = holidays_["name"].reindex(days).fillna("").to_numpy()
    out["bridge"] = days.isin(holidays_.index[holidays_["bridge"].to_numpy(dtype=bool)])
    works_as = out["weekday"].to_numpy().copy()
    works_as[is_makeup] = makeup.reindex(days[is_makeup]).to_numpy(dtype="int64")
    out["works_as"] = works_as
    return out
