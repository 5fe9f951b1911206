"""The sample centre's calendar: make-up working days and bytes that do not depend on the machine's language."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from workbench import workdays
from workbench.sample.calendar import build_calendar, build_events

REPO = Path(__file__).resolve().parents[2]
#: The 2026 make-up working days (调休) as the holidays package lists them (weekend_workdays).
MAKEUP_2026 = ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]

#: Builds the 2026 calendar and a two-day sample around the 14 February make-up Saturday; prints what it saw.
_SCRIPT = """
import hashlib, json, sys
from pathlib import Path
from workbench.sample.calendar import build_calendar, build_events
from workbench.sample.generate import generate_call_centre

def sha(data):
    return hashlib.sha256(data).hexdigest()

events = build_events("2026-01-01", 365, 7)
calendar = build_calendar("2026-01-01", 365, 7)
out = Path(sys.argv[1])
generate_call_centre(out, days=2, seed=7, date_from="2026-02-13", transcript_calls=0)
print(json.dumps({
    "makeup": events.loc[events["event_type"] == "makeup_workday", "date"].tolist(),
    "weekday_weekends": calendar.loc[(calendar["weekday"] >= 5) & (calendar["day_type"] == "weekday"), "date"].tolist(),
    "events": sha(events.to_csv(index=False).encode()),
    "calendar": sha(calendar.to_csv(index=False).encode()),
    "files": {str(p.relative_to(out)): sha(p.read_bytes()) for p in sorted(out.rglob("*")) if p.is_file()},
}))
"""

#: The holidays package picks its language through gettext (LANGUAGE, LC_ALL, LC_MESSAGES, LANG), so the
#: variables are enough: the zh_CN locale need not be installed. C.UTF-8 reads as English, plain C as
#: the package's own Chinese names.
_LOCALES = {
    "zh_CN": {"LANG": "zh_CN.UTF-8", "LC_ALL": "zh_CN.UTF-8", "LANGUAGE": "zh_CN"},
    "C.UTF-8": {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"},
    "C": {"LANG": "C", "LC_ALL": "C"},
}


def _run_under(variables: dict[str, str], out: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    env.update(variables)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    done = subprocess.run([sys.executable, "-c", _SCRIPT, str(out)], env=env, cwd=REPO, capture_output=True,
                          text=True, encoding="utf-8", timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_makeup_workdays_are_the_packages_and_ordinary_weekdays() -> None:
    events = build_events("2026-01-01", 365, 7)
    calendar = build_calendar("2026-01-01", 365, 7)
    worked_weekends = calendar.loc[(calendar["weekday"] >= 5) & (calendar["day_type"] == "weekday"), "date"]
    assert worked_weekends.tolist() == MAKEUP_2026
    # Sunday 4 January is also the first working day after New Year, so its backlog surge is the event there.
    kinds = events[events["date"].isin(MAKEUP_2026)].groupby("date")["event_type"].agg(set)
    assert kinds.to_dict() == {day: {"makeup_workday"} for day in MAKEUP_2026[1:]} | {"2026-01-04": {"post_holiday"}}
    # Bridge days off keep the English names the period names are built from.
    assert "Chinese New Year bridge day off" in events["name"].tolist()


def test_events_do_not_depend_on_the_language_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in _LOCALES["C.UTF-8"].items():
        monkeypatch.setenv(name, value)
    workdays._table.cache_clear()  # holiday tables are cached; build them again under each language
    try:
        english = build_events("2026-01-01", 365, 7)
        for name, value in _LOCALES["zh_CN"].items():
            monkeypatch.setenv(name, value)
        workdays._table.cache_clear()
        chinese = build_events("2026-01-01", 365, 7)
    finally:
        workdays._table.cache_clear()
    pd.testing.assert_frame_equal(chinese, english)


@pytest.mark.slow
def test_same_seed_same_bytes_under_any_language(tmp_path: Path) -> None:
    seen = {name: _run_under(variables, tmp_path / name) for name, variables in _LOCALES.items()}
    for name, result in seen.items():
        assert result["makeup"] == MAKEUP_2026[1:], name
        assert result["weekday_weekends"] == MAKEUP_2026, name
        assert result["files"], name
    reference = seen["C.UTF-8"]
    for name, result in seen.items():
        assert result == reference, f"{name} differs from C.UTF-8"
