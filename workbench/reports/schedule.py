"""When report sets run: cron expressions with time zones, as crontab lines or a long-running loop.

``parameters/reports/schedule.yaml``::

    timezone: Asia/Shanghai
    entries:
      - {set: daily, cron: "30 6 * * *"}
      - {set: weekly, cron: "0 7 * * mon", timezone: Europe/London}

:class:`CronExpression` parses the five standard fields (minute, hour, day of
month, month, day of week; ``*``, lists, ranges, ``/`` steps, month and day
names, ``@daily``-style shortcuts; when both day fields are restricted either
may match, as in cron). :func:`next_fire` finds the next wall-clock match in a
time zone (a local time skipped by a daylight-saving change does not fire; a
repeated one fires once). :class:`Scheduler` fires due sets with an injectable
clock and sleep, so a test drives it through days in milliseconds.
"""

from __future__ import annotations

import logging
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from workbench import paths
from workbench.errors import ParameterError

log = logging.getLogger(__name__)

_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
_DAYS = {d: i for i, d in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])}
_SHORTCUTS = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
              "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"}
CRON_MARK_BEGIN = "# >>> workbench schedule >>>"
CRON_MARK_END = "# <<< workbench schedule <<<"


def _parse_field(text: str, low: int, high: int, names: dict[str, int], what: str) -> frozenset[int]:
    values: set[int] = set()

    def number(token: str) -> int:
        token = token.lower()
        if token in names:
            return names[token]
        if not token.isdigit():
            raise ValueError(f"{what}: {token!r} is not a number{' or name' if names else ''}")
        return int(token)

    for part in text.split(","):
        body, _, step_text = part.partition("/")
        step = int(step_text) if step_text.isdigit() and int(step_text) > 0 else None
        if step_text and step is None:
            raise ValueError(f"{what}: bad step {step_text!r}")
        if body == "*":
            start, end = low, high
        elif "-" in body:
            first, last = body.split("-", 1)
            start, end = number(first), number(last)
        else:
            start = end = number(body)
            if step:
                end = high  # "5/15" means from 5 to the end in steps of 15, as in cron
        if not (low <= start <= high and low <= end <= high) or start > end:
            raise ValueError(f"{what}: {part!r} is outside {low}-{high}")
        values.update(range(start, end + 1, step or 1))
    if what == "day of week" and 7 in values:  # 7 is Sunday too
        values = (values - {7}) | {0}
    return frozenset(values)


@dataclass(frozen=True)
class CronExpression:
    """A parsed five-field cron expression."""

    text: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    day_restricted: bool
    weekday_restricted: bool

    @classmethod
    def parse(cls, text: str) -> CronExpression:
        """Parse ``"30 6 * * mon-fri"``.

        Raises:
            ValueError: saying which field is wrong.

        >>> sorted(CronExpression.parse("*/20 6 * * mon-fri").minutes)
        [0, 20, 40]
        """
        expanded = _SHORTCUTS.get(text.strip().lower(), text)
        fields = expanded.split()
        if len(fields) != 5:
            raise ValueError(f"expected 5 fields (minute hour day month weekday), found {len(fields)} in {text!r}")
        minute, hour, day, month, weekday = fields
        return cls(
            text=text,
            minutes=_parse_field(minute, 0, 59, {}, "minute"),
            hours=_parse_field(hour, 0, 23, {}, "hour"),
            days=_parse_field(day, 1, 31, {}, "day of month"),
            months=_parse_field(month, 1, 12, _MONTHS, "month"),
            weekdays=_parse_field(weekday, 0, 7, _DAYS, "day of week"),
            day_restricted=not day.startswith("*"),
            weekday_restricted=not weekday.startswith("*"),
        )

    def matches_day(self, year: int, month: int, day: int) -> bool:
        """Whether the date matches the month and day fields (either day field when both are restricted)."""
        from datetime import date

        if month not in self.months:
            return False
        weekday = (date(year, month, day).weekday() + 1) % 7  # Python: Monday 0; cron: Sunday 0
        in_days, in_weekdays = day in self.days, weekday in self.weekdays
        if self.day_restricted and self.weekday_restricted:
            return in_days or in_weekdays
        return in_days and in_weekdays


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}") from None


def next_fire(cron: CronExpression, after: datetime, timezone: str = "UTC") -> datetime:
    """The first matching wall-clock minute in ``timezone`` strictly after ``after``, as an aware UTC datetime.

    >>> str(next_fire(CronExpression.parse("30 6 * * *"), datetime(2026, 3, 1, tzinfo=UTC), "Asia/Shanghai"))
    '2026-03-01 22:30:00+00:00'
    """
    if after.tzinfo is None:
        raise ValueError("after must be timezone-aware")
    zone = _zone(timezone)
    local = after.astimezone(zone)
    day = local.date()
    for _ in range(366 * 5):  # a valid expression matches within a few years (Feb 29 on a weekday)
        if cron.matches_day(day.year, day.month, day.day):
            for hour in sorted(cron.hours):
                for minute in sorted(cron.minutes):
                    wall = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
                    moment = wall.astimezone(UTC)
                    if moment.astimezone(zone).replace(tzinfo=None) != wall.replace(tzinfo=None):
                        continue  # skipped by a daylight-saving jump: this wall time never happens
                    if moment > after:
                        return moment
        day += timedelta(days=1)
    raise ValueError(f"{cron.text!r} never matches")


# --------------------------------------------------------------------------- the schedule file


class ScheduleEntry(BaseModel):
    """One line of the schedule: a report set, when, and in which time zone."""

    model_config = ConfigDict(extra="forbid")

    set: str = Field(..., min_length=1, description="report set name under parameters/reports/")
    cron: str = Field(..., min_length=1, description="five-field cron expression")
    timezone: str | None = Field(None, description="IANA time zone; default the file's")
    date: str | None = Field(None, description="--date passed to the set (default the set's own)")
    workers: int = Field(1, ge=1, le=64)

    @field_validator("cron")
    @classmethod
    def _cron_parses(cls, value: str) -> str:
        CronExpression.parse(value)
        return value


class ScheduleFile(BaseModel):
    """``parameters/reports/schedule.yaml``."""

    model_config = ConfigDict(extra="forbid")

    timezone: str = "UTC"
    entries: list[ScheduleEntry] = Field(default_factory=list)


@dataclass(frozen=True)
class Job:
    """A schedule entry ready to fire."""

    set_name: str
    cron: CronExpression
    timezone: str
    date: str | None = None
    workers: int = 1

    def next_after(self, moment: datetime) -> datetime:
        """Next fire time after ``moment`` (UTC)."""
        return next_fire(self.cron, moment, self.timezone)


def schedule_path() -> Path:
    """``parameters/reports/schedule.yaml``."""
    return paths.parameters_dir() / "reports" / "schedule.yaml"


def load_schedule(path: str | Path | None = None) -> list[Job]:
    """The jobs of a schedule file, each report set checked to exist.

    Raises:
        ParameterError: naming the file and the field (``entries[1].cron``).
    """
    from workbench.params import load_model_file
    from workbench.reports.sets import set_path

    path = Path(path) if path is not None else schedule_path()
    parsed = load_model_file(path, ScheduleFile)
    jobs = []
    for i, entry in enumerate(parsed.entries):
        zone = entry.timezone or parsed.timezone
        try:
            _zone(zone)
        except ValueError as exc:
            raise ParameterError(str(exc), file=path, field=f"entries[{i}].timezone") from None
        if not set_path(entry.set).exists():
            raise ParameterError(f"report set not found: {set_path(entry.set)}", file=path, field=f"entries[{i}].set")
        jobs.append(Job(entry.set, CronExpression.parse(entry.cron), zone, entry.date, entry.workers))
    return jobs


def upcoming(jobs: Sequence[Job], now: datetime, count: int = 3) -> list[dict[str, Any]]:
    """The next ``count`` fire times of each job: ``set, cron, timezone, next (local), next_utc``."""
    rows = []
    for job in jobs:
        moment = now
        for _ in range(count):
            moment = job.next_after(moment)
            rows.append({"set": job.set_name, "cron": job.cron.text, "timezone": job.timezone,
                         "next": moment.astimezone(_zone(job.timezone)).isoformat(), "next_utc": moment.isoformat()})
    return rows


# --------------------------------------------------------------------------- crontab


def set_command(job: Job, root: Path | None = None, executable: str | None = None) -> list[str]:
    """The command that runs a job's report set: ``workbench report run SET [--date D] [--workers N]``."""
    command = [executable or str(Path(sys.executable).with_name("workbench")), "report", "run", job.set_name]
    if job.date:
        command += ["--date", job.date]
    if job.workers > 1:
        command += ["--workers", str(job.workers)]
    return command


def crontab_lines(jobs: Sequence[Job], root: Path | None = None, executable: str | None = None) -> list[str]:
    """Crontab lines for the jobs, between marker comments.

    Each job is preceded by ``CRON_TZ=<zone>`` (honoured by cronie, busybox and
    systemd-cron; Debian's vixie cron ignores it and uses the machine's zone,
    so there keep entries in the machine's time zone). Output goes to
    ``outputs/schedule.log``.
    """
    root = root or paths.root_dir()
    log_file = paths.outputs_dir() / "schedule.log"
    lines = [CRON_MARK_BEGIN, f"# from {schedule_path()}; rewritten by `workbench schedule install`"]
    for job in jobs:
        command = " ".join(shlex.quote(part) for part in set_command(job, root, executable))
        lines += [f"CRON_TZ={job.timezone}",
                  f"{job.cron.text} cd {shlex.quote(str(root))} && {command} >> {shlex.quote(str(log_file))} 2>&1"]
    lines.append(CRON_MARK_END)
    return lines


def merge_crontab(existing: str, lines: Sequence[str]) -> str:
    """``existing`` crontab text with the workbench block replaced by ``lines`` (other lines untouched)."""
    kept, inside = [], False
    for line in existing.splitlines():
        if line.strip() == CRON_MARK_BEGIN:
            inside = True
        elif line.strip() == CRON_MARK_END:
            inside = False
        elif not inside:
            kept.append(line)
    while kept and not kept[-1].strip():
        kept.pop()
    return "\n".join([*kept, *([""] if kept else []), *lines]) + "\n"


def install_crontab(lines: Sequence[str], crontab: str = "crontab") -> str:
    """Install the lines into the user's crontab (replacing an earlier block); return the new crontab.

    Raises:
        ParameterError: no ``crontab`` program.
    """
    import shutil

    if shutil.which(crontab) is None:
        raise ParameterError(f"no '{crontab}' program on this machine: install cron, or run `workbench schedule run`")
    current = subprocess.run([crontab, "-l"], capture_output=True, text=True)
    text = merge_crontab(current.stdout if current.returncode == 0 else "", lines)
    subprocess.run([crontab, "-"], input=text, text=True, check=True)
    return text


# --------------------------------------------------------------------------- the loop


class Scheduler:
    """Fires jobs when due; clock and sleep are injectable so tests run days in milliseconds.

    Args:
        jobs: what to fire.
        fire: called as ``fire(job, due)`` for each due job, one at a time (a
            set never overlaps itself or another).
        clock: returns the current aware datetime (default: ``datetime.now(UTC)``).
        sleep: sleeps that many seconds (default :func:`time.sleep`).
        max_sleep_seconds: wake at least this often, so a changed clock (or
            a laptop waking up) is noticed.

    A job that was due several times while the process was busy or asleep fires
    once (coalesced), then waits for its next time after now.
    """

    def __init__(
        self,
        jobs: Sequence[Job],
        fire: Callable[[Job, datetime], Any],
        *,
        clock: Callable[[], datetime] | None = None,
        sleep: Callable[[float], Any] | None = None,
        max_sleep_seconds: float = 60.0,
    ) -> None:
        self.jobs = list(jobs)
        self.fire = fire
        self.clock = clock or (lambda: datetime.now(UTC))
        self.sleep = sleep or time.sleep
        self.max_sleep_seconds = max_sleep_seconds

    def run(self, until: datetime | None = None, max_fires: int | None = None) -> list[tuple[str, datetime]]:
        """Loop until ``until`` (or for ever) / ``max_fires``; return ``(set, due time)`` of each fire."""
        if not self.jobs:
            return []
        now = self.clock()
        due = {i: job.next_after(now) for i, job in enumerate(self.jobs)}
        fired: list[tuple[str, datetime]] = []
        while True:
            now = self.clock()
            if until is not None and now >= until:
                return fired
            ready = sorted((when, i) for i, when in due.items() if when <= now)
            for when, i in ready:
                job = self.jobs[i]
                log.info("firing %s (due %s)", job.set_name, when.isoformat())
                try:
                    self.fire(job, when)
                except Exception as exc:  # a failing set must not stop the schedule
                    log.error("%s failed: %s", job.set_name, exc)
                fired.append((job.set_name, when))
                due[i] = job.next_after(max(when, self.clock()))
                if max_fires is not None and len(fired) >= max_fires:
                    return fired
            if ready:
                continue
            wait = (min(due.values()) - now).total_seconds()
            if until is not None:
                wait = min(wait, (until - now).total_seconds())
            self.sleep(max(0.0, min(wait, self.max_sleep_seconds)))


def run_set_subprocess(job: Job, due: datetime) -> int:
    """Run the job's set as ``python -m workbench.cli report run ...``; a crash stays in that process."""
    command = [sys.executable, "-m", "workbench.cli", *set_command(job)[1:]]
    log.info("%s", " ".join(command))
    return subprocess.run(command, cwd=paths.root_dir()).returncode
