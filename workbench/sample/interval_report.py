"""The sample centre's calls as an ACD interval report: counts and averages per queue and interval.

Many centres can export only such a report. :func:`interval_report_table`
adds call records up the way an ACD does (one row per queue and interval with
calls: offered, answered, abandoned, short abandons, answered within the
target, service level, ASA, AHT and average talk time) and
:func:`write_interval_report` writes it in a Chinese vendor's shape: ``;``
between fields, decimal commas, the service level as ``"94,01%"``, ASA and
AHT as ``H:MM:SS``, Chinese headers, and the day and the interval's start
time in two columns. ``parameters/ingest/sample_interval_report.yaml`` reads
it into the store's ``interval_stats`` table.

Which calls each count holds comes from :mod:`workbench.glossary`, as in
:func:`workbench.kpis.compute_kpis`, so the KPIs of the report and of the call
records agree up to the report's rounding (whole seconds, 0.01 %).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from workbench.glossary import (
    DEFAULT_SHORT_ABANDON_SECONDS,
    DEFAULT_TARGET_ANSWER_SECONDS,
    call_set_mask,
    interval_start,
    require_columns,
)
from workbench.sample.exports import hms, skill_name

if TYPE_CHECKING:
    import pandas as pd

#: Canonical column -> header of the report (the profile maps them back).
REPORT_HEADERS: dict[str, str] = {
    "day": "日期",
    "time": "时段",
    "queue_id": "技能组",
    "offered": "呼入量",
    "answered": "接通量",
    "abandoned": "放弃量",
    "short_abandoned": "短时放弃量",
    "answered_in_target": "目标时间内接通量",
    "service_level": "服务水平",
    "asa_seconds": "平均应答速度",
    "aht_seconds": "平均处理时长",
    "average_talk_seconds": "平均通话时长(秒)",
}
#: Excel counts days from 1899-12-30 (for every date after 1900-02-28).
EXCEL_EPOCH = "1899-12-30"


def interval_report_table(
    calls: pd.DataFrame,
    *,
    interval_minutes: int = 30,
    target_answer_seconds: float = DEFAULT_TARGET_ANSWER_SECONDS,
    short_abandon_seconds: float = DEFAULT_SHORT_ABANDON_SECONDS,
) -> pd.DataFrame:
    """Counts and averages per queue and interval of call records (numbers, not yet formatted).

    Args:
        calls: call records with ``queue_id``, ``outcome``, ``wait_seconds``,
            ``talk_seconds``, ``hold_seconds``, ``wrap_seconds`` and the arrival
            time as ``arrived_at`` (the store's ``calls``) or
            ``arrived_at_local`` (the generator's truth calls). Not mutated.
        interval_minutes: interval length, a divisor of 60.
        target_answer_seconds: T of ``answered_in_target`` and the service level.
        short_abandon_seconds: abandons quicker than this are short abandons.

    Returns:
        One row per queue and interval with an offered call, ordered by queue
        and time: ``queue_id``, ``interval_start``, ``offered``, ``answered``
        (transfers included), ``abandoned`` (short abandons not included),
        ``short_abandoned``, ``answered_in_target``, ``service_level``
        (answered_in_target / (offered - short_abandoned)), ``asa_seconds``
        (mean wait of answered calls with a wait), ``aht_seconds`` (mean talk +
        hold + wrap of answered calls with any of them) and
        ``average_talk_seconds``. Phantom calls are not offered, as in the KPIs.
    """
    import pandas as pd

    time_column = "arrived_at" if "arrived_at" in calls.columns else "arrived_at_local"
    require_columns(calls, ["queue_id", "outcome", "wait_seconds", "talk_seconds", "hold_seconds", "wrap_seconds",
                            time_column], "interval_report_table")
    thresholds = {"target_answer_seconds": target_answer_seconds, "short_abandon_seconds": short_abandon_seconds}
    sets = {name: call_set_mask(calls, name, **thresholds)
            for name in ("offered", "answered", "abandoned", "short_abandoned", "answered_in_time")}
    parts = calls[["talk_seconds", "hold_seconds", "wrap_seconds"]].apply(pd.to_numeric, errors="coerce")
    handle = parts.fillna(0).sum(axis=1).where(parts.notna().any(axis=1))
    answered = sets["answered"]
    wait = pd.to_numeric(calls["wait_seconds"], errors="coerce")
    frame = pd.DataFrame({
        "queue_id": calls["queue_id"].astype(str),
        "interval_start": interval_start(pd.to_datetime(calls[time_column]), interval_minutes),
        "offered": sets["offered"].astype(int),
        "answered": answered.astype(int),
        "abandoned": sets["abandoned"].astype(int),
        "short_abandoned": sets["short_abandoned"].astype(int),
        "answered_in_target": sets["answered_in_time"].astype(int),
        "asa_wait": wait.where(answered),
        "aht_handle": handle.where(answered),
        "talk": parts["talk_seconds"].where(answered),
    })[sets["offered"].to_numpy()]
    report = frame.groupby(["queue_id", "interval_start"], as_index=False, sort=True).agg(
        offered=("offered", "sum"), answered=("answered", "sum"), abandoned=("abandoned", "sum"),
        short_abandoned=("short_abandoned", "sum"), answered_in_target=("answered_in_target", "sum"),
        asa_seconds=("asa_wait", "mean"), aht_seconds=("aht_handle", "mean"), average_talk_seconds=("talk", "mean"))
    judged = report["offered"] - report["short_abandoned"]
    report["service_level"] = report["answered_in_target"] / judged.where(judged > 0)
    return report[["queue_id", "interval_start", "offered", "answered", "abandoned", "short_abandoned",
                   "answered_in_target", "service_level", "asa_seconds", "aht_seconds", "average_talk_seconds"]]


def write_interval_report(
    calls: pd.DataFrame,
    path: str | Path,
    *,
    interval_minutes: int = 30,
    target_answer_seconds: float = DEFAULT_TARGET_ANSWER_SECONDS,
    short_abandon_seconds: float = DEFAULT_SHORT_ABANDON_SECONDS,
    day_format: Literal["date", "excel_serial"] = "date",
    encoding: str = "utf-8-sig",
) -> Path:
    """Write the interval report of ``calls`` as a Chinese vendor's ACD export; returns ``path``.

    Fields are separated by ``;`` with decimal commas; the service level is a
    percentage string (``"94,01%"``, empty when every call was a short
    abandon), ASA and AHT ``H:MM:SS`` (``0:00:00`` in an interval without an
    answered call, as ACDs print it), average talk time seconds with one
    decimal (``"183,5"``). Headers are :data:`REPORT_HEADERS`; queues are
    vendor skill names (:func:`workbench.sample.exports.skill_name`, as in
    the sample's call export); the day column holds
    ``YYYY/MM/DD`` (``day_format="date"``) or Excel's serial day number
    (``"excel_serial"``, e.g. ``46027`` for 2026-01-05), the time column the
    interval's start ``HH:MM``.

    Args:
        calls: call records, see :func:`interval_report_table`.
        path: file to write (its folder is created).
        interval_minutes, target_answer_seconds, short_abandon_seconds: see
            :func:`interval_report_table`.
        day_format: how the day is written.
        encoding: text encoding of the file (default UTF-8 with a byte-order mark).
    """
    import pandas as pd

    report = interval_report_table(calls, interval_minutes=interval_minutes,
                                   target_answer_seconds=target_answer_seconds,
                                   short_abandon_seconds=short_abandon_seconds)
    starts = pd.to_datetime(report["interval_start"])
    if day_format == "excel_serial":
        days = ((starts.dt.normalize() - pd.Timestamp(EXCEL_EPOCH)).dt.days).astype(str)
    elif day_format == "date":
        days = starts.dt.strftime("%Y/%m/%d")
    else:
        raise ValueError(f"day_format must be 'date' or 'excel_serial', found {day_format!r}")
    level = report["service_level"]
    out = pd.DataFrame({
        REPORT_HEADERS["day"]: days,
        REPORT_HEADERS["time"]: starts.dt.strftime("%H:%M"),
        REPORT_HEADERS["queue_id"]: report["queue_id"].map(skill_name),
        **{REPORT_HEADERS[c]: report[c].astype(int).astype(str)
           for c in ("offered", "answered", "abandoned", "short_abandoned", "answered_in_target")},
        REPORT_HEADERS["service_level"]: [
            "" if v != v else f"{v * 100:.2f}%".replace(".", ",") for v in level],
        # ACDs print 0:00:00 for an average over no answered call; H:MM:SS holds whole seconds.
        REPORT_HEADERS["asa_seconds"]: hms(report["asa_seconds"].fillna(0.0).round().to_numpy()),
        REPORT_HEADERS["aht_seconds"]: hms(report["aht_seconds"].fillna(0.0).round().to_numpy()),
        REPORT_HEADERS["average_talk_seconds"]: [
            "" if v != v else f"{v:.1f}".replace(".", ",") for v in report["average_talk_seconds"].fillna(0.0)],
    })
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written by hand: every value is already text, and the file must be byte-identical for the same calls.
    lines = [";".join(out.columns), *(";".join(row) for row in out.itertuples(index=False, name=None))]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def day_serial(day: str) -> int:
    """Excel's serial number of an ISO day.

    >>> day_serial("2024-01-01")
    45292
    """
    import pandas as pd

    return int((pd.Timestamp(day) - pd.Timestamp(EXCEL_EPOCH)).days)


__all__ = ["REPORT_HEADERS", "day_serial", "interval_report_table", "write_interval_report"]
