"""Scheduling: cron parsing, next run times across time zones and DST, a fake-clock scheduler, crontab lines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from workbench.cli import app
from workbench.errors import ParameterError
from workbench.reports.schedule import (
    CRON_MARK_BEGIN,
    CRON_MARK_END,
    CronExpression,
    Job,
    Scheduler,
    crontab_lines,
    load_schedule,
    merge_crontab,
    next_fire,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def job(set_name: str, cron: str, timezone: str = "UTC") -> Job:
    return Job(set_name, CronExpression.parse(cron), timezone)


@pytest.mark.parametrize(
    ("text", "field", "expected"),
    [
        ("*/15 * * * *", "minutes", {0, 15, 30, 45}),
        ("0 8-10,14 * * *", "hours", {8, 9, 10, 14}),
        ("0 0 * jan,jul *", "months", {1, 7}),
        ("0 0 * * mon-fri", "weekdays", {1, 2, 3, 4, 5}),
        ("0 0 * * 7", "weekdays", {0}),
        ("5/20 * * * *", "minutes", {5, 25, 45}),
        ("@daily", "hours", {0}),
    ],
)
def test_cron_fields(text, field, expected):
    assert set(getattr(CronExpression.parse(text), field)) == expected


@pytest.mark.parametrize("text", ["* * * *", "60 * * * *", "* 24 * * *", "0 0 32 * *", "0 0 * * funday", "*/0 * * * *"])
def test_bad_cron_expressions_are_refused(text):
    with pytest.raises(ValueError):
        CronExpression.parse(text)


def test_next_fire_in_a_time_zone():
    daily = CronExpression.parse("30 6 * * *")
    # 06:30 in Shanghai (UTC+8) is 22:30 UTC the day before.
    assert next_fire(daily, utc(2026, 3, 1, 12, 0), "Asia/Shanghai") == utc(2026, 3, 1, 22, 30)
    assert next_fire(daily, utc(2026, 3, 1, 22, 30), "Asia/Shanghai") == utc(2026, 3, 2, 22, 30)  # strictly after


def test_next_fire_across_daylight_saving():
    cron = CronExpression.parse("30 2 * * *")
    # New York springs forward on 2026-03-08: 02:30 does not exist that day, so it is skipped.
    assert next_fire(cron, utc(2026, 3, 7, 12), "America/New_York") == utc(2026, 3, 9, 6, 30)
    nine = CronExpression.parse("0 9 * * *")
    assert next_fire(nine, utc(2026, 3, 7, 0), "America/New_York") == utc(2026, 3, 7, 14)  # EST, UTC-5
    assert next_fire(nine, utc(2026, 3, 8, 0), "America/New_York") == utc(2026, 3, 8, 13)  # EDT, UTC-4
    # Falling back on 2026-11-01, 01:30 happens twice but fires once.
    half_past_one = CronExpression.parse("30 1 * * *")
    first = next_fire(half_past_one, utc(2026, 11, 1, 0), "America/New_York")
    assert first == utc(2026, 11, 1, 5, 30)
    assert next_fire(half_past_one, first, "America/New_York") == utc(2026, 11, 2, 6, 30)


def test_day_of_month_or_weekday_when_both_restricted():
    cron = CronExpression.parse("0 9 13 * fri")
    assert next_fire(cron, utc(2026, 11, 23), "UTC") == utc(2026, 11, 27, 9)  # a Friday before the 13th
    assert next_fire(cron, utc(2026, 12, 11, 10), "UTC") == utc(2026, 12, 13, 9)  # the 13th, a Sunday


class FakeClock:
    """Time that only moves when the scheduler sleeps (or a fired set takes time)."""

    def __init__(self, start: datetime) -> None:
        self.now = start
        self.sleeps = 0

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps += 1
        self.now += timedelta(seconds=seconds)


def test_scheduler_fires_the_right_sets_at_the_right_times_with_a_fast_clock():
    clock = FakeClock(utc(2026, 11, 22, 12, 0))  # a Sunday
    fired: list[tuple[str, datetime, datetime]] = []

    def fire(j: Job, due: datetime) -> None:
        fired.append((j.set_name, due, clock.now))
        clock.now += timedelta(minutes=3)  # a set takes a while to run

    jobs = [job("daily", "30 6 * * *", "Asia/Shanghai"), job("weekly", "0 7 * * mon", "Europe/London"),
            job("hourly", "0 * * * *")]
    Scheduler(jobs, fire, clock=clock, sleep=clock.sleep).run(until=utc(2026, 11, 24, 12, 0))

    daily = [due for name, due, _ in fired if name == "daily"]
    weekly = [due for name, due, _ in fired if name == "weekly"]
    hourly = [due for name, due, _ in fired if name == "hourly"]
    assert daily == [utc(2026, 11, 22, 22, 30), utc(2026, 11, 23, 22, 30)]  # 06:30 Shanghai
    assert weekly == [utc(2026, 11, 23, 7, 0)]  # 07:00 London in winter is 07:00 UTC, on the Monday
    assert hourly == [utc(2026, 11, 22, 13) + timedelta(hours=h) for h in range(47)]  # until is exclusive
    for _, due, at in fired:  # never early, and late only by the sets that ran just before
        assert due <= at <= due + timedelta(minutes=10)
    assert clock.sleeps < 3 * 48 * 60  # slept in chunks, not minute by minute


def test_scheduler_coalesces_missed_runs_and_survives_a_failing_set():
    clock = FakeClock(utc(2026, 1, 1, 0, 0))
    calls = []

    def fire(j: Job, due: datetime) -> None:
        calls.append(due)
        if len(calls) == 1:
            clock.now += timedelta(hours=5)  # the first run takes five hours ...
            raise RuntimeError("set failed")  # ... and fails

    Scheduler([job("hourly", "0 * * * *")], fire, clock=clock, sleep=clock.sleep).run(until=utc(2026, 1, 1, 8, 0))
    # The 01:00 run lasted until 06:00: the hours it covered are not caught up one by one, the schedule
    # goes on with the next time after now, and the failure did not stop it.
    assert calls == [utc(2026, 1, 1, 1), utc(2026, 1, 1, 7)]


def test_shipped_schedule_loads_and_lists(tmp_path):
    jobs = load_schedule()
    assert {j.set_name for j in jobs} >= {"daily", "weekly"}
    result = CliRunner().invoke(app, ["schedule", "list"])
    assert result.exit_code == 0, result.output
    assert "daily" in result.output and "Asia/Shanghai" in result.output


def test_schedule_errors_name_file_and_field(tmp_path):
    bad = tmp_path / "schedule.yaml"
    bad.write_text("entries:\n  - {set: daily, cron: '61 * * * *'}\n", encoding="utf-8")
    with pytest.raises(ParameterError) as caught:
        load_schedule(bad)
    assert caught.value.file == str(bad) and caught.value.field == "entries[0].cron"
    bad.write_text("entries:\n  - {set: nightly, cron: '0 1 * * *'}\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="report set not found"):
        load_schedule(bad)
    bad.write_text("entries:\n  - {set: daily, cron: '0 1 * * *', timezone: Mars/Olympus}\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="unknown time zone"):
        load_schedule(bad)


def test_install_dry_run_prints_crontab_lines_and_touches_nothing(monkeypatch):
    import subprocess

    def refuse(*args, **kwargs):
        raise AssertionError("the real crontab must not be touched")

    monkeypatch.setattr(subprocess, "run", refuse)
    result = CliRunner().invoke(app, ["schedule", "install", "--dry-run"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == CRON_MARK_BEGIN and lines[-1] == CRON_MARK_END
    assert "CRON_TZ=Asia/Shanghai" in lines
    assert any(line.startswith("30 6 * * * cd ") and "report run daily" in line for line in lines)


def test_merge_crontab_replaces_only_its_own_block():
    lines = crontab_lines([job("daily", "30 6 * * *", "Asia/Shanghai")], root=Path("/srv/wb"), executable="wb")
    existing = "MAILTO=ops\n0 1 * * * backup\n"
    once = merge_crontab(existing, lines)
    assert once.startswith("MAILTO=ops\n0 1 * * * backup\n") and "cd /srv/wb && wb report run daily" in once
    twice = merge_crontab(once, lines)
    assert twice == once and twice.count(CRON_MARK_BEGIN) == 1
