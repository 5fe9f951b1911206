"""When report sets run: cron expressions with time zones, as crontab lines or a long-running loop.

``parameters/reports/schedule.yaml``::

    timezone: Asia/Shanghai
    entries:
      - {set: daily, cron: "30 6 * * *"}
      - {set: weekly, cron: "0 7 * * mon", timezone: Europe/London}

:class:`CronExpression` checks five-field cron expressions with croniter:
``*``, lists, ranges, ``/`` steps, month and day names, ``@daily``-style
shortcuts, and the extensions ``L`` (last day of the month; ``L5`` last
Friday), ``#`` (``fri#2``, the second Friday), ``W`` (nearest weekday) and
``?`` (any) in the day fields. When both day fields are restricted either may
match, as in cron. :func:`next_fire` finds the next wall-clock match in a time
zone. Around daylight-saving changes it behaves like cron (cron(8): "jobs which
would have run in the time that was skipped will be run soon after the change
... those jobs that fall into the repeated time will not be re-run"):

* a time skipped by a spring-forward jump fires at the first minute after the
  jump (``30 2 * * *`` in New York on 2026-03-08 fires at 03:00 EDT; ``30 1
  * * *`` in London on 2026-03-29 at 02:00 BST), which is what croniter returns;
* a time repeated by a fall-back fires once, on its first pass (01:30 EDT, not
  again at 01:30 EST);
* an expression with ``*`` in its minute or hour field (``0 * * * *``,
  ``@hourly``) follows real time instead: nothing is made up for a skipped
  hour, and a repeated hour fires again.

:class:`Scheduler` fires due sets with an injectable clock and sleep, so a test
drives it through days in milliseconds.
"""

from __future__ import annotations

import logging
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterBadDateError, CroniterError, croniter
from pydantic import BaseModel, ConfigDict, Field, field_validator

from workbench import paths
from workbench.errors import ParameterError
from workbench.params.base import InterfaceLanguage

log = logging.getLogger(__name__)

_SHORTCUTS = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
              "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"}
_FIELDS = "minute hour day-of-month month day-of-week"
# A fixed point far enough back that "never matches within croniter's search window" is a property of
# the expression, not of today's date.
_PROBE_START = datetime(2000, 1, 1, tzinfo=UTC)
CRON_MARK_BEGIN = "# >>> workbench schedule >>>"
CRON_MARK_END = "# <<< workbench schedule <<<"


@dataclass(frozen=True)
class CronExpression:
    """A checked five-field cron expression (croniter syntax).

    Attributes:
        text: the expression as written.
        fields: the five fields, ``@`` shortcuts expanded.
    """

    text: str
    fields: tuple[str, str, str, str, str]

    @classmethod
    def parse(cls, text: str) -> CronExpression:
        """Check ``"30 6 * * mon-fri"``, ``"0 9 L * *"``, ``"0 9 ? * fri#2"`` or ``"@daily"``.

        Raises:
            ValueError: saying what is wrong (field count, a field's value, a date that never comes).

        >>> CronExpression.parse("@daily").fields
        ('0', '0', '*', '*', '*')
        """
        stripped = text.strip()
        if stripped.startswith("@"):
            if stripped.lower() not in _SHORTCUTS:
                raise ValueError(f"unknown shortcut {stripped!r}: expected one of {', '.join(_SHORTCUTS)}")
            stripped = _SHORTCUTS[stripped.lower()]
        fields = stripped.split()
        # croniter also takes seconds and years (6 or 7 fields); crontab lines cannot carry them.
        if len(fields) != 5:
            raise ValueError(f"expected 5 fields ({_FIELDS}), found {len(fields)} in {text!r}")
        expanded = " ".join(fields)
        try:
            croniter(expanded, _PROBE_START).get_next(datetime)
        except CroniterBadDateError:
            raise ValueError(f"{text!r} never matches (a day that no month has?)") from None
        except CroniterError as exc:
            raise ValueError(f"{text!r} is not a valid cron expression: {exc}") from None
        return cls(text=text, fields=tuple(fields))  # type: ignore[arg-type]

    @property
    def expanded(self) -> str:
        """The five fields joined (``@daily`` becomes ``0 0 * * *``)."""
        return " ".join(self.fields)

    @property
    def follows_real_time(self) -> bool:
        """Whether the minute or hour field starts with ``*``: cron's rule for jobs that ignore DST adjustments."""
        return self.fields[0].startswith("*") or self.fields[1].startswith("*")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}") from None


def _repeated_pass(local: datetime) -> bool:
    """Whether ``local`` is the second occurrence of a wall-clock time repeated by a fall-back."""
    return local.fold == 1 and local.replace(fold=0).utcoffset() != local.utcoffset()


def next_fire(cron: CronExpression, after: datetime, timezone: str = "UTC") -> datetime:
    """The first fire time strictly after ``after``, as an aware UTC datetime.

    Wall-clock times in ``timezone``; daylight-saving changes are handled as
    cron does (see the module docstring): a skipped time fires at the first
    minute after the jump, a repeated time fires once.

    >>> str(next_fire(CronExpression.parse("30 6 * * *"), datetime(2026, 3, 1, tzinfo=UTC), "Asia/Shanghai"))
    '2026-03-01 22:30:00+00:00'
    >>> str(next_fire(CronExpression.parse("30 2 * * *"), datetime(2026, 3, 7, 12, tzinfo=UTC), "America/New_York"))
    '2026-03-08 07:00:00+00:00'
    """
    if after.tzinfo is None:
        raise ValueError("after must be timezone-aware")
    times = croniter(cron.expanded, after.astimezone(_zone(timezone)))
    while True:
        local = times.get_next(datetime)
        if cron.follows_real_time:
            # croniter may move a minute of a skipped hour to the first minute after the jump; a job
            # that follows real time simply has no run in an hour that did not happen.
            if not croniter.match(cron.expanded, local.replace(tzinfo=None)):
                continue
        elif _repeated_pass(local):
            continue  # croniter returns both passes of a repeated time; cron runs a fixed-time job once
        return local.astimezone(UTC)


# --------------------------------------------------------------------------- the schedule file


class ScheduleEntry(BaseModel):
    """One line of the schedule: a report set, when, and in which time zone."""

    model_config = ConfigDict(extra="forbid")

    set: str = Field(..., min_length=1, description="report set name under parameters/reports/")
    cron: str = Field(..., min_length=1, description="five-field cron expression")
    timezone: str | None = Field(None, description="IANA time zone; default the file's")
    date: str | None = Field(None, description="--date passed to the set (default the set's own)")
    workers: int = Field(1, ge=1, le=64)
    interface_language: InterfaceLanguage = Field(
        None, description="--interface-language passed to the set: zh or en (default the set's own)")


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
    interface_language: str | None = None

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
        jobs.append(Job(entry.set, CronExpression.parse(entry.cron), zone, entry.date, entry.workers,
                        entry.interface_language))
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
    """The command that runs a job's report set.

    ``workbench report run SET [--date D] [--workers N] [--interface-language L]``.
    """
    command = [executable or str(Path(sys.executable).with_name("workbench")), "report", "run", job.set_name]
    if job.date:
        command += ["--date", job.date]
    if job.workers > 1:
        command += ["--workers", str(job.workers)]
    if job.interface_language:
        command += ["--interface-language", job.interface_language]
    return command


def crontab_lines(jobs: Sequence[Job], root: Path | None = None, executable: str | None = None) -> list[str]:
    """Crontab lines for the jobs, between marker comments.

    Each job is preceded by ``CRON_TZ=<zone>`` (honoured by cronie, busybox and
    systemd-cron; Debian's vixie cron ignores it and uses the machine's zone,
    so there keep entries in the machine's time zone). Output goes to
    ``outputs/schedule.log``.

    Raises:
        ParameterError: an expression uses ``L``, ``W`` or ``#``, which cron
            daemons do not understand (``?`` is written as ``*``).
    """
    root = root or paths.root_dir()
    log_file = paths.outputs_dir() / "schedule.log"
    lines = [CRON_MARK_BEGIN, f"# from {schedule_path()}; rewritten by `workbench schedule install`"]
    for job in jobs:
        command = " ".join(shlex.quote(part) for part in set_command(job, root, executable))
        lines += [f"CRON_TZ={job.timezone}",
                  f"{_crontab_when(job)} cd {shlex.quote(str(root))} && {command} >> {shlex.quote(str(log_file))} 2>&1"]
    lines.append(CRON_MARK_END)
    return lines


def _crontab_when(job: Job) -> str:
    """The job's five fields as a cron daemon reads them."""
    minute, hour, day, month, weekday = job.cron.fields
    # Day-of-month has no names, so any letter there is an extension; day names never start with L.
    if any(mark in day.upper() for mark in "LW") or any(
            "#" in part or part.upper().startswith("L") for part in weekday.split(",")):
        raise ParameterError(f"set {job.set_name!r}: cron {job.cron.text!r} uses L, W or #, which cron daemons do not "
                             "understand; use `workbench schedule run` for this entry, or plain fields")
    return " ".join([minute, hour, day.replace("?", "*"), month, weekday.replace("?", "*")])


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
