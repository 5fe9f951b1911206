"""What kind of day is this: public holidays and make-up working days from the holidays package, in a fixed language."""

from __future__ import annotations

import holidays
import pandas as pd
import pytest

from workbench import workdays
from workbench.errors import InputDataError
from workbench.workdays import day_kinds, makeup_workdays, public_holidays

#: The 2026 make-up working days (调休), the bridge day off each pays for and so the weekday it works as.
MAKEUP_2026 = {
    "2026-01-04": ("2026-01-02", 4),  # Sunday works as Friday 2 January
    "2026-02-14": ("2026-02-20", 4),  # Saturday works as Friday 20 February
    "2026-02-28": ("2026-02-23", 0),  # Saturday works as Monday 23 February
    "2026-05-09": ("2026-05-05", 1),  # Saturday works as Tuesday 5 May
    "2026-09-20": ("2026-10-06", 1),  # Sunday works as Tuesday 6 October
    "2026-10-10": ("2026-10-07", 2),  # Saturday works as Wednesday 7 October
}


def test_makeup_days_of_2026_and_the_weekday_each_replaces() -> None:
    table = makeup_workdays("CN", [2026])
    found = {d.date().isoformat(): (r.date().isoformat(), int(w))
             for d, r, w in table[["date", "replaces", "works_as"]].itertuples(index=False)}
    assert found == MAKEUP_2026
    package = holidays.country_holidays("CN", years=2026, language="en_US")
    assert {d.isoformat() for d in package.weekend_workdays if d.year == 2026} == set(MAKEUP_2026)


def test_day_kinds_agree_with_the_package_on_every_day_of_2026() -> None:
    days = pd.date_range("2026-01-01", "2026-12-31")
    kinds = day_kinds(days, "CN")
    package = holidays.country_holidays("CN", years=2026, language="en_US")
    working = kinds["kind"].isin(["workday", "makeup_workday"]).tolist()
    assert working == [package.is_working_day(d.date()) for d in days]
    assert set(kinds.loc[kinds["kind"] == "public_holiday", "date"].dt.date) == set(package)
    makeup = kinds[kinds["kind"] == "makeup_workday"]
    assert dict(zip(makeup["date"].dt.date.astype(str), makeup["works_as"])) == {
        d: w for d, (_, w) in MAKEUP_2026.items()}
    others = kinds[kinds["kind"] != "makeup_workday"]
    assert (others["works_as"] == others["weekday"]).all()
    spring = kinds[kinds["date"] == "2026-02-17"].iloc[0]
    assert spring["kind"] == "public_holiday" and spring["holiday_name"] == "Chinese New Year (Spring Festival)"
    assert kinds.loc[kinds["date"] == "2026-02-20", "bridge"].item()


def test_names_stay_english_under_a_chinese_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"LANG": "zh_CN.UTF-8", "LC_ALL": "zh_CN.UTF-8", "LANGUAGE": "zh_CN"}.items():
        monkeypatch.setenv(name, value)
    workdays._table.cache_clear()  # tables are cached; build them again under these variables
    try:
        assert holidays.country_holidays("CN", years=2026)[pd.Timestamp("2026-01-01").date()] == "元旦"
        table = public_holidays("CN", [2026])
        makeup = makeup_workdays("CN", [2026])
    finally:
        workdays._table.cache_clear()
    assert table.loc[table["date"] == "2026-01-01", "name"].item() == "New Year's Day"
    assert len(makeup) == len(MAKEUP_2026) and makeup["replaces"].notna().all()


def test_other_countries_and_none() -> None:
    israel = day_kinds(["2026-05-08", "2026-05-09", "2026-05-10"], "IL")
    assert israel["kind"].tolist() == ["weekend", "weekend", "workday"]  # Friday and Saturday
    plain = day_kinds(["2026-02-14", "2026-02-17"], None)
    assert plain["kind"].tolist() == ["weekend", "workday"]
    assert public_holidays(None, [2026]).empty and makeup_workdays(None, [2026]).empty
    with pytest.raises(InputDataError, match="XX"):
        day_kinds(["2026-01-01"], "XX")
