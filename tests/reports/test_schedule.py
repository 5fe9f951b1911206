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


def fires(cron: str, after: datetime, timezone: str = "UTC", count: int = 3) -> list[datetime]:
    """The next ``count`` fire times (UTC) of ``cron`` after ``after``."""
    expression, out = CronExpression.parse(cron), []
    for _ in range(count):
        after = next_fire(expression, after, timezone)
        out.append(after)
    return out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("*/15 9 * * *", [utc(2026, 1, 1, 9, m) for m in (0, 15, 30)]),
        ("0 8-10,14 * * *", [utc(2026, 1, 1, h) for h in (8, 9, 10)]),
        ("0 0 1 jan,jul *", [utc(2026, 7, 1), utc(2027, 1, 1), utc(2027, 7, 1)]),
        ("0 0 * * sat-sun", [utc(2026, 1, 3), utc(2026, 1, 4), utc(2026, 1, 10)]),
        ("0 0 * * 7", [utc(2026, 1, 4), utc(2026, 1, 11), utc(2026, 1, 18)]),  # 7 is Sunday too
        ("5/20 9 * * *", [utc(2026, 1, 1, 9, m) for m in (5, 25, 45)]),
        ("@monthly", [utc(2026, 2, 1), utc(2026, 3, 1), utc(2026, 4, 1)]),
    ],
)
def test_standard_cron_fields(text, expected):
    assert fires(text, utc(2026, 1, 1)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0 9 L * *", [utc(2026, 1, 31, 9), utc(2026, 2, 28, 9), utc(2026, 3, 31, 9)]),  # last day of the month
        ("0 9 * * fri#2", [utc(2026, 1, 9, 9), utc(2026, 2, 13, 9), utc(2026, 3, 13, 9)]),  # second Friday
        ("0 9 ? * L5", [utc(2026, 1, 30, 9), utc(2026, 2, 27, 9), utc(2026, 3, 27, 9)]),  # last Friday
        ("0 9 ? * mon", [utc(2026, 1, 5, 9), utc(2026, 1, 12, 9), utc(2026, 1, 19, 9)]),
        ("0 9 15 * ?", [utc(2026, 1, 15, 9), utc(2026, 2, 15, 9), utc(2026, 3, 15, 9)]),
    ],
)
def test_cron_extensions_last_nth_and_question_mark(text, expected):
    assert fires(text, utc(2026, 1, 1)) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("* * * *", "expected 5 fields"),
        ("0 * * * * 2026", "expected 5 fields"),  # croniter's seconds/years fields cannot go into a crontab
        ("60 * * * *", "out of range"),
        ("* 24 * * *", "out of range"),
        ("0 0 32 * *", "out of range"),
        ("0 0 * * funday", "not a valid cron expression"),
        ("*/0 * * * *", "not a valid cron expression"),
        ("0 9 * * fri#6", "not a valid cron expression"),
        ("0 0 30 2 *", "never matches"),
        ("@reboot", "unknown shortcut"),
    ],
)
def test_bad_cron_expressions_are_refused(text, reason):
    with pytest.raises(ValueError, match=reason):
        CronExpression.parse(text)


def test_next_fire_in_a_time_zone():
    daily = CronExpression.parse("30 6 * * *")
    # 06:30 in Shanghai (UTC+8) is 22:30 UTC the day before.
    assert next_fire(daily, utc(2026, 3, 1, 12, 0), "Asia/Shanghai") == utc(2026, 3, 1, 22, 30)
    assert next_fire(daily, utc(2026, 3, 1, 22, 30), "Asia/Shanghai") == utc(2026, 3, 2, 22, 30)  # strictly after


@pytest.mark.parametrize(
    ("cron", "timezone", "after", "expected"),
    [
        # New York springs forward at 02:00 on 2026-03-08: 02:30 never happens and runs at 03:00 EDT.
        ("30 2 * * *", "America/New_York", utc(2026, 3, 7, 12), [utc(2026, 3, 8, 7), utc(2026, 3, 9, 6, 30)]),
        # Berlin springs forward at 02:00 on 2026-03-29: 02:30 runs at 03:00 CEST.
        ("30 2 * * *", "Europe/Berlin", utc(2026, 3, 28, 12), [utc(2026, 3, 29, 1), utc(2026, 3, 30, 0, 30)]),
        # London springs forward at 01:00 on 2026-03-29: a 01:30 job runs at 02:00 BST.
        ("30 1 * * *", "Europe/London", utc(2026, 3, 28, 12), [utc(2026, 3, 29, 1), utc(2026, 3, 30, 0, 30)]),
        # 01:30 exists in New York that day (the gap is 02:00-03:00): it runs as usual, EST then EDT.
        ("30 1 * * *", "America/New_York", utc(2026, 3, 7, 12), [utc(2026, 3, 8, 6, 30), utc(2026, 3, 9, 5, 30)]),
    ],
)
def test_spring_forward_runs_a_skipped_time_right_after_the_jump(cron, timezone, after, expected):
    assert fires(cron, after, timezone, count=2) == expected


@pytest.mark.parametrize(
    ("cron", "timezone", "after", "expected"),
    [
        # New York falls back on 2026-11-01: 01:30 happens at 05:30 and 06:30 UTC; the job runs on the first only.
        ("30 1 * * *", "America/New_York", utc(2026, 10, 31, 12), [utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30)]),
        # Berlin falls back on 2026-10-25: 02:30 CEST (00:30 UTC) runs, 02:30 CET (01:30 UTC) does not.
        ("30 2 * * *", "Europe/Berlin", utc(2026, 10, 24, 12), [utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)]),
    ],
)
def test_fall_back_runs_a_fixed_time_once(cron, timezone, after, expected):
    assert fires(cron, after, timezone, count=2) == expected


def test_wildcard_hour_jobs_follow_real_time_across_daylight_saving():
    # Spring forward: nothing at 02:00 or 02:30 EST, which never happen, and nothing made up for them:
    # 01:00 and 01:30 EST, then 03:00 and 03:30 EDT.
    assert fires("*/30 * * * *", utc(2026, 3, 8, 5, 45), "America/New_York", 4) == [
        utc(2026, 3, 8, 6), utc(2026, 3, 8, 6, 30), utc(2026, 3, 8, 7), utc(2026, 3, 8, 7, 30)]
    assert fires("* 2 * * *", utc(2026, 3, 8, 5), "America/New_York", 1) == [utc(2026, 3, 9, 6)]
    # Fall back: the repeated hour runs again, as real time goes on.
    assert fires("0 * * * *", utc(2026, 11, 1, 4, 30), "America/New_York", 3) == [
        utc(2026, 11, 1, 5), utc(2026, 11, 1, 6), utc(2026, 11, 1, 7)]  # 01:00 EDT, 01:00 EST, 02:00 EST


def test_next_fire_across_daylight_saving_keeps_local_time():
    nine = CronExpression.parse("0 9 * * *")
    assert next_fire(nine, utc(2026, 3, 7, 0), "America/New_York") == utc(2026, 3, 7, 14)  # EST, UTC-5
    assert next_fire(nine, utc(2026, 3, 8, 0), "America/New_York") == utc(2026, 3, 8, 13)  # EDT, UTC-4


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


def test_scheduler_runs_a_daily_job_once_a_day_through_both_daylight_saving_changes():
    fired: list[tuple[str, datetime]] = []
    for start, end in [(utc(2026, 3, 7), utc(2026, 3, 10)), (utc(2026, 10, 31), utc(2026, 11, 3))]:
        clock = FakeClock(start)
        Scheduler([job("night", "30 1 * * *", "America/New_York"), job("late", "30 2 * * *", "America/New_York")],
                  lambda j, due: fired.append((j.set_name, due)), clock=clock, sleep=clock.sleep).run(until=end)
    assert [due for name, due in fired if name == "night"] == [
        utc(2026, 3, 7, 6, 30), utc(2026, 3, 8, 6, 30), utc(2026, 3, 9, 5, 30),  # EST, EST, then EDT
        utc(2026, 10, 31, 5, 30), utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30),  # 01:30 EDT once, then EST
    ]
    assert [due for name, due in fired if name == "late"] == [
        utc(2026, 3, 7, 7, 30), utc(2026, 3, 8, 7), utc(2026, 3, 9, 6, 30),  # 02:30 did not exist: 03:00 EDT
        utc(2026, 10, 31, 6, 30), utc(2026, 11, 1, 7, 30), utc(2026, 11, 2, 7, 30),
    ]


def test_invalid_expression_names_the_schedule_file_and_entry(tmp_path):
    bad = tmp_path / "schedule.yaml"
    bad.write_text("entries:\n  - {set: daily, cron: '0 6 * * *'}\n  - {set: weekly, cron: '0 7 * * fri#6'}\n",
                   encoding="utf-8")
    with pytest.raises(ParameterError) as caught:
        load_schedule(bad)
    message = str(caught.value)
    assert caught.value.field == "entries[1].cron"
    assert message.startswith(str(bad)) and "entries[1].cron" in message and "'0 7 * * fri#6'" in message
    bad.write_text("entries:\n  - {set: daily, cron: '0 0 31 2 *'}\n", encoding="utf-8")
    with pytest.raises(ParameterError, match=r"entries\[0\]\.cron.*never matches"):
        load_schedule(bad)


def test_extensions_load_from_a_schedule_file_and_crontab_lines_refuse_what_cron_cannot_read(tmp_path):
    schedule = tmp_path / "schedule.yaml"
    schedule.write_text("timezone: Europe/Berlin\nentries:\n  - {set: daily, cron: '0 6 ? * mon-fri'}\n"
                        "  - {set: weekly, cron: '0 7 L * *'}\n", encoding="utf-8")
    daily, weekly = load_schedule(schedule)
    assert weekly.next_after(utc(2026, 2, 1)) == utc(2026, 2, 28, 6)  # 07:00 CET on the last day of February
    [line] = [line for line in crontab_lines([daily], root=Path("/srv/wb"), executable="wb") if "report run" in line]
    assert line.startswith("0 6 * * mon-fri cd /srv/wb")  # '?' means '*' to a cron daemon
    for text in ("0 7 L * *", "0 7 15W * *", "0 7 * * fri#2", "0 7 * * L5"):
        with pytest.raises(ParameterError, match="schedule run"):
            crontab_lines([job("weekly", text)])
    assert any("jul" in line for line in crontab_lines([job("summer", "0 7 * jul wed")]))  # names are not extensions


def test_an_entry_may_run_its_set_in_another_interface_language(tmp_path):
    from workbench.reports.schedule import set_command

    path = tmp_path / "schedule.yaml"
    path.write_text("entries:\n  - {set: daily, cron: '30 6 * * *'}\n"
                    "  - {set: daily, cron: '35 6 * * *', interface_language: zh-CN}\n", encoding="utf-8")
    plain, chinese = load_schedule(path)
    assert "--interface-language" not in set_command(plain, executable="wb")
    assert set_command(chinese, executable="wb")[-2:] == ["--interface-language", "zh"]
    path.write_text("entries:\n  - {set: daily, cron: '30 6 * * *', interface_language: fr}\n", encoding="utf-8")
    with pytest.raises(ParameterError) as caught:
        load_schedule(path)
    assert caught.value.field == "entries[0].interface_language" and "fr" in caught.value.reason
