"""Draft an ingestion profile from an export: ``workbench profile suggest FILE``.

A centre's first export should not need a hand-written profile to start with.
:func:`suggest_profile` reads a sample of the file with the ingest reader
(:func:`workbench.ingest.reading.read_export`: encoding detected as ingest does),
then decides, from the headers and the values:

* the table (when not given): interval statistics for a per-interval or per-day
  report (count columns such as offered/answered and no call id), surveys when a
  satisfaction score is present, agents, agent states, else calls; and says why;
* the header of each canonical column, by the synonyms of :data:`SYNONYMS`
  (English and Chinese);
* the separator, the ``strptime`` format of the timestamps (a clock time with a
  separate date column too), durations in seconds or ``H:MM:SS``, a decimal comma;
* the outcome codes found, mapped where the code says it (:data:`OUTCOME_WORDS`),
  listed for the user where it does not; yes/no marks, languages, agent states;
* caller numbers pseudonymised, with placeholder values (``anonymous``, ``0``)
  as missing; an id that repeats joined with another column (``id_columns``);
* every other column as a custom dimension (category, number or flag).

What it could not decide is returned as notes and written as comments in the
YAML, which :func:`workbench.ingest.profiles.load_profile` accepts as it is.
"""

from __future__ import annotations

import re
import tempfile
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from workbench.glossary import (
    FLAG_FALSE,
    FLAG_TRUE,
    RESERVED_DIMENSION_NAMES,
)
from workbench.ingest.profiles import DIMENSION_TABLES, IngestProfile
from workbench.ingest.reading import check_readable, decode, read_export
from workbench.ingest.validate import HMS_PATTERN
from workbench.schemas import TABLES

#: Tables a suggestion can be made for.
SUGGEST_TABLES = ("calls", "surveys", "agents", "agent_states", "interval_stats")
#: Bytes of a large CSV read for the sample (cut at a line end).
SAMPLE_BYTES = 4 * 2**20
#: Rows of the sample whose values decide formats and types.
SAMPLE_ROWS = 20_000

#: Table -> canonical column -> header synonyms (English and Chinese), compared after
#: :func:`normalise_header` (lower case; blanks, ``_ - . /`` and bracketed units removed).
SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "calls": {
        "call_id": ("call id", "callid", "call_id", "contact id", "session id", "call key", "call record id",
                    "通话编号", "通话id", "呼叫编号", "呼叫id", "通话流水号", "流水号", "会话id", "来电编号"),
        "queue_id": ("queue", "queue id", "queue name", "skill", "skill group", "skill id", "split", "type",
                     "call type", "技能组", "技能组名称", "队列", "队列名称", "技能队列", "技能"),
        "language": ("language", "line", "lang", "语种", "语言"),
        "customer_id": ("ani", "caller", "caller id", "caller number", "calling number", "customer id", "customer",
                        "phone", "phone number", "主叫号码", "主叫", "来电号码", "客户号码", "客户编号", "客户id",
                        "手机号", "电话号码"),
        "agent_id": ("agent id", "agent", "agent code", "server", "agent login", "坐席工号", "坐席", "座席工号",
                     "座席", "工号", "坐席id", "客服工号", "接听坐席"),
        "arrived_at": ("call start", "start time", "start", "arrival time", "arrived at", "call time", "vru entry",
                       "call start time", "来电时间", "开始时间", "呼入时间", "进线时间", "通话开始时间", "呼叫时间"),
        "answered_at": ("answer time", "answered at", "answered time", "ser start", "service start", "connect time",
                        "接听时间", "应答时间", "接通时间"),
        "ended_at": ("call end", "end time", "end", "ended at", "hangup time", "ser exit", "call end time",
                     "结束时间", "挂机时间", "通话结束时间"),
        "wait_seconds": ("queue time", "wait time", "wait", "q time", "queue duration", "wait seconds",
                         "time in queue", "排队时长", "排队时间", "等待时长", "等待时间", "排队等待时长"),
        "talk_seconds": ("talk time", "talk", "talk duration", "ser time", "service time", "conversation time",
                         "通话时长", "通话时间", "谈话时长"),
        "hold_seconds": ("hold time", "hold", "hold duration", "保持时长", "保持时间"),
        "wrap_seconds": ("wrap time", "wrap", "wrap up", "wrapup time", "wrap up time", "acw", "acw time",
                         "after call work", "话后处理时长", "话后时长", "整理时长", "话后处理时间", "事后处理时长"),
        "outcome": ("outcome", "result", "call result", "status", "call status", "disposition", "处理结果",
                    "呼叫结果", "通话结果", "结果", "接听状态", "呼叫状态", "挂机原因"),
        "transfer_to_queue_id": ("transfer to", "transfer queue", "transfer skill", "transfer target",
                                 "转接技能组", "转接队列", "转接至", "转接目标"),
        "resolved": ("resolved", "is resolved", "solved", "fcr", "是否解决", "解决情况", "问题是否解决"),
        "disposition_code": ("disposition code", "wrap up code", "wrapup code", "wrap code", "小结代码",
                             "处理代码", "话后小结", "通话小结"),
        "contact_reason": ("reason", "contact reason", "call reason", "topic", "来电原因", "咨询类型", "来电类型",
                           "诉求类型"),
    },
    "surveys": {
        "survey_id": ("survey id", "response id", "id", "问卷编号", "调查编号", "评价编号", "评价id", "回访编号"),
        "call_id": ("call id", "callid", "contact id", "通话编号", "通话id", "呼叫编号", "流水号", "通话流水号"),
        "surveyed_at": ("survey time", "response time", "surveyed at", "time", "date", "评价时间", "调查时间",
                        "回访时间"),
        "csat": ("csat", "satisfaction", "score", "rating", "satisfaction score", "满意度", "满意度评分", "评分",
                 "满意度得分"),
        "comment": ("comment", "comments", "feedback", "verbatim", "评论", "意见", "留言", "评价内容"),
        "channel": ("channel", "渠道"),
        "survey_type": ("survey type", "method", "调查方式", "评价方式"),
    },
    "agents": {
        "agent_id": ("agent id", "agent", "id", "employee id", "login", "工号", "坐席工号", "员工编号"),
        "agent_name": ("agent name", "name", "姓名", "坐席姓名", "员工姓名"),
        "languages": ("languages", "language", "语种", "语言"),
        "skills": ("skills", "skill", "queues", "技能组", "技能"),
        "team": ("team", "group", "supervisor", "班组", "组别", "团队"),
        "site": ("site", "location", "职场", "站点"),
        "hired_on": ("hire date", "hired on", "start date", "入职日期", "入职时间"),
        "skill_tags": ("skill tags", "tags", "标签"),
    },
    "agent_states": {
        "agent_id": ("agent id", "agent", "工号", "坐席工号"),
        "state": ("state", "status", "agent state", "状态", "坐席状态"),
        "started_at": ("state start", "start time", "start", "开始时间"),
        "ended_at": ("state end", "end time", "end", "结束时间"),
    },
    "interval_stats": {
        "queue_id": ("queue", "queue id", "queue name", "skill", "split", "skill group", "技能组", "队列",
                     "队列名称"),
        "interval_start": ("interval", "interval start", "time", "period", "date", "start time", "时段",
                           "时间段", "日期", "时间", "开始时间"),
        "offered": ("offered", "calls offered", "incoming", "inbound calls", "calls", "呼入量", "来电量", "进线量",
                    "呼入数", "来电数"),
        "answered": ("answered", "calls answered", "handled", "calls handled", "接通量", "接听量", "应答量",
                     "接通数", "接听数"),
        "abandoned": ("abandoned", "abandons", "calls abandoned", "放弃量", "放弃数", "呼损量"),
        "short_abandoned": ("short abandoned", "short abandons", "短时放弃", "短时放弃量"),
        "answered_in_target": ("answered in target", "answered within sl", "within sl", "及时接通量",
                               "目标时间内接通量"),
        "service_level": ("service level", "sl", "sl %", "service level %", "服务水平", "服务水平%"),
        "asa_seconds": ("asa", "average speed of answer", "avg speed of answer", "平均应答速度", "平均应答时长",
                        "平均等待时长"),
        "aht_seconds": ("aht", "average handle time", "avg handle time", "平均处理时长"),
        "average_talk_seconds": ("att", "average talk time", "avg talk time", "平均通话时长"),
        "average_wrap_seconds": ("average wrap time", "avg wrap time", "avg acw", "平均话后处理时长"),
    },
}

#: Canonical outcome -> vendor codes that say it (compared lower case, blanks and ``_ -`` removed).
OUTCOME_WORDS: dict[str, tuple[str, ...]] = {
    "answered": ("answered", "answer", "handled", "connected", "agent", "served", "completed", "接通", "已接听",
                 "已接通", "接听", "应答", "人工接听", "已应答"),
    "transferred": ("transferred", "transfer", "xfer", "转接", "已转接"),
    "abandoned": ("abandoned", "abandon", "hang", "hangup", "queueabandon", "放弃", "排队放弃", "未接", "未接通",
                  "呼损", "客户放弃", "已放弃"),
    "short_abandon": ("shortabandon", "shortabandoned", "短时放弃", "短放弃"),
    "phantom": ("phantom", "ghost", "幽灵"),
}
#: Line language as exported -> canonical ``zh``/``en``.
LANGUAGE_WORDS: dict[str, tuple[str, ...]] = {
    "zh": ("zh", "mandarin", "chinese", "中文", "普通话", "汉语", "zhcn"),
    "en": ("en", "english", "英文", "英语", "enus"),
}
#: Agent state as exported -> canonical state.
STATE_WORDS: dict[str, tuple[str, ...]] = {
    "available": ("ready", "available", "idle", "空闲", "就绪", "示闲"),
    "on_call": ("oncall", "talking", "incall", "busy", "通话", "通话中"),
    "wrap": ("wrap", "acw", "wrapup", "话后", "整理"),
    "not_ready": ("notready", "break", "lunch", "meeting", "aux", "training", "小休", "示忙", "休息", "会议", "培训"),
    "logged_out": ("loggedout", "logout", "logoff", "签出", "登出"),
}
#: Headers of the time a call joined the queue (for ``cleaning.queue_entry_column``), normalised.
QUEUE_ENTRY_HEADERS = frozenset({"qstart", "queuestart", "queueentry", "入队时间", "排队开始时间"})
#: Satisfaction written in words -> score 1..5.
CSAT_WORDS: dict[str, tuple[str, ...]] = {
    "5": ("very satisfied", "extremely satisfied", "excellent", "非常满意", "很满意", "十分满意"),
    "4": ("satisfied", "good", "满意", "比较满意", "较满意"),
    "3": ("neutral", "average", "ok", "一般", "基本满意"),
    "2": ("dissatisfied", "unsatisfied", "poor", "不满意", "不太满意"),
    "1": ("very dissatisfied", "very unsatisfied", "very poor", "非常不满意", "很不满意"),
}
#: Values meaning "nobody" or "unknown" in an id or caller column.
MISSING_PATTERN = re.compile(r"^(no[ _-]?(agent|server|one|caller)|none|null|nil|n/?a|unknown|anonymous|private|"
                             r"withheld|-+|0+|无|未知|空|匿名|未知号码|隐藏号码)$", re.IGNORECASE)
#: ``strptime`` formats tried on timestamp values, most common first.
TIMESTAMP_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%d/%m/%Y %H:%M:%S", "%m/%d/%Y %H:%M:%S", "%d.%m.%Y %H:%M:%S",
    "%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M", "%Y%m%d%H%M%S", "%Y%m%d %H:%M:%S", "%Y年%m月%d日 %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S%z", "%Y-%m-%d", "%Y/%m/%d", "%d/%m/%Y", "%m/%d/%Y", "%Y%m%d",
    "%Y年%m月%d日",
)
#: Formats of a date column next to clock times.
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%y%m%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%Y年%m月%d日")
_CLOCK = re.compile(r"^\d{1,2}:\d{2}(:\d{2})?$")
_HMS = re.compile(HMS_PATTERN)
_NUMBER_DOT = re.compile(r"^[-+]?\d*(\.\d+)?%?$")  # no thousands commas: they do not load with "."
_NUMBER_COMMA = re.compile(r"^[-+]?(\d{1,3}([. ]\d{3})+|\d+)?(,\d+)?%?$")
_PHONE = re.compile(r"^\+?\d{7,15}$")
_SEPARATORS = (",", "\t", ";", "|")


def normalise_header(header: str) -> str:
    """A header as synonyms are compared: lower case, bracketed units and ``blank _ - . /`` removed.

    >>> normalise_header("排队时长(秒)"), normalise_header("Call_ID"), normalise_header("Queue Time (s)")
    ('排队时长', 'callid', 'queuetime')
    """
    text = re.sub(r"[(（\[【].*?[)）\]】]", "", str(header)).lower()
    return re.sub(r"[\s_\-./:：]+", "", text)


def _word(value: str) -> str:
    return re.sub(r"[\s_\-]+", "", str(value).lower())


def _lookup(words: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {_word(w): canonical for canonical, ws in words.items() for w in ws}


# -- reading a sample ----------------------------------------------------------


def _sample_bytes(path: Path) -> tuple[bytes, bool]:
    with path.open("rb") as handle:
        data = handle.read(SAMPLE_BYTES + 1)
    if len(data) <= SAMPLE_BYTES or data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return (data if len(data) <= SAMPLE_BYTES else path.read_bytes()), False
    return data[: data.rfind(b"\n") + 1], True


def detect_separator(first_lines: list[str]) -> str:
    """Field separator of CSV text: the candidate found the same number of times (> 0) on the most lines.

    >>> detect_separator(["a;b;c", "1;2,5;3"])
    ';'
    """
    best, best_score = ",", (-1, -1)
    for candidate in _SEPARATORS:
        counts = [line.count(candidate) for line in first_lines if line.strip()]
        if not counts or counts[0] == 0:
            continue
        score = (sum(c == counts[0] for c in counts), counts[0])
        if score > best_score:
            best, best_score = candidate, score
    return best


def read_sample(path: str | Path) -> tuple[Any, str, list[str]]:
    """A sample of ``path`` as :class:`~workbench.ingest.reading.RawExport`, its separator, and notes.

    CSV/TXT files larger than :data:`SAMPLE_BYTES` are cut at a line end and
    read from a temporary copy; other formats are read whole by the reader.
    """
    path = check_readable(path)
    notes: list[str] = []
    if path.suffix.lower() not in (".csv", ".txt"):
        return read_export(path), ",", notes
    data, cut = _sample_bytes(path)
    text, _used = decode(data, "auto", path)
    separator = detect_separator(text.splitlines()[:20])
    if not cut:
        return read_export(path, "auto", separator), separator, notes
    notes.append(f"decided from the first {len(data) / 2**20:.1f} MB of the file; values further on may differ")
    with tempfile.TemporaryDirectory(prefix="workbench-suggest-") as folder:
        copy = Path(folder) / f"sample{path.suffix.lower()}"
        copy.write_bytes(data)
        return read_export(copy, "auto", separator), separator, notes


# -- value tests -----------------------------------------------------------------


def _values(frame: Any, header: str) -> list[str]:
    return [str(v).strip() for v in frame[header].head(SAMPLE_ROWS).tolist() if v is not None and str(v).strip()]


def _parses(values: list[str], fmt: str) -> bool:
    try:
        for value in values:
            datetime.strptime(value, fmt)
    except ValueError:
        return False
    return True


def timestamp_formats(values: list[str]) -> list[str]:
    """Formats of :data:`TIMESTAMP_FORMATS` that parse every value (empty list: none does).

    >>> timestamp_formats(["2026/01/05 08:00:06", "2026/01/05 18:30:00"])
    ['%Y/%m/%d %H:%M:%S']
    """
    distinct = list(dict.fromkeys(values))[:2000]
    # strptime takes "4008801000" as %Y%m%d%H%M%S with one-digit fields: compact forms need their full length.
    compact = {"%Y%m%d%H%M%S": 14, "%Y%m%d": 8}
    return [f for f in TIMESTAMP_FORMATS if distinct and _parses(distinct, f)
            and (f not in compact or all(len(v) == compact[f] for v in distinct))]


def number_style(values: list[str]) -> str | None:
    """``"."`` or ``","`` when every value is a number in that decimal style (``"."`` when both fit), else None."""
    if not values:
        return None
    if all(_NUMBER_DOT.match(v) and any(ch.isdigit() for ch in v) for v in values):
        return "."
    if all(_NUMBER_COMMA.match(v) and any(ch.isdigit() for ch in v) for v in values):
        return ","
    return None


def _is_flag(values: list[str]) -> bool:
    known = {w.lower() for w in FLAG_TRUE + FLAG_FALSE}
    return bool(values) and all(v.lower() in known for v in values)


def _map_words(values: list[str], words: dict[str, tuple[str, ...]]) -> tuple[dict[str, str], list[str]]:
    lookup = _lookup(words)
    mapped, unknown = {}, []
    for value in dict.fromkeys(values):
        canonical = lookup.get(_word(value))
        if canonical is None:
            unknown.append(value)
        else:
            mapped[value] = canonical
    return mapped, unknown


# -- the suggestion --------------------------------------------------------------


def match_headers(headers: list[str], table: str) -> dict[str, str]:
    """Canonical column -> vendor header for the headers one of :data:`SYNONYMS` names (each header used once)."""
    normalised = {h: normalise_header(h) for h in headers}
    found: dict[str, str] = {}
    used: set[str] = set()
    # A column's synonyms in their order: the first synonym any header matches wins.
    for canonical, synonyms in SYNONYMS[table].items():
        for synonym in synonyms:
            header = next((h for h in headers if h not in used and normalised[h] == normalise_header(synonym)), None)
            if header is not None:
                found[canonical] = header
                used.add(header)
                break
    return found


def choose_table(headers: list[str]) -> tuple[str, str]:
    """The most likely table for an export and why (see the module docstring)."""
    matches = {t: match_headers(headers, t) for t in SUGGEST_TABLES}
    counts = [c for c in ("offered", "answered", "abandoned") if c in matches["interval_stats"]]
    has_call_id = "call_id" in matches["calls"]
    if counts and not has_call_id and "interval_start" in matches["interval_stats"]:
        return "interval_stats", (f"count columns {[matches['interval_stats'][c] for c in counts]} per "
                                  f"'{matches['interval_stats']['interval_start']}' and no call id: an interval report")
    if "csat" in matches["surveys"] and ("survey_id" in matches["surveys"] or has_call_id):
        return "surveys", f"a satisfaction score column '{matches['surveys']['csat']}'"
    states = matches["agent_states"]
    if {"state", "started_at", "ended_at"} <= set(states) and "outcome" not in matches["calls"]:
        return "agent_states", f"agent state periods ('{states['state']}' from '{states['started_at']}')"
    agents = matches["agents"]
    if "agent_id" in agents and len(set(agents) - {"agent_id"}) >= 2 and not has_call_id \
            and "arrived_at" not in matches["calls"]:
        return "agents", f"one row per agent ({', '.join(repr(agents[c]) for c in agents if c != 'agent_id')})"
    reason = "call records" + (f": call id '{matches['calls']['call_id']}'" if has_call_id else
                               " (no count, survey or agent columns found)")
    return "calls", reason


def _snake(header: str) -> str:
    """``MemberTier`` / ``Order Value`` -> ``member_tier`` / ``order_value`` (ASCII only; else empty)."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", str(header))
    return re.sub(r"[^a-z0-9]+", "_", spaced.lower()).strip("_")


def _dimension_name(header: str, position: int, taken: set[str]) -> str:
    base = _snake(header)
    if not base or not base[0].isalpha():
        base = f"column_{position + 1}"
    base = base[:36]
    if base in RESERVED_DIMENSION_NAMES:
        base = f"{base}_code"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name)
    return name


def _interval_minutes(values: list[datetime]) -> int | None:
    distinct = sorted(set(values))
    steps = [int((b - a).total_seconds() // 60) for a, b in zip(distinct, distinct[1:])]
    steps = [s for s in steps if s > 0]
    if not steps:
        return None
    step = min(steps)
    return step if step in (15, 30, 60, 1440) else None


def _suggest(path: Path, table: str | None) -> tuple[dict[str, Any], dict[str, list[str]], list[str]]:
    """Profile values, comments per top-level key, and notes."""
    raw, separator, notes = read_sample(path)
    frame = raw.frame
    headers = [str(h) for h in frame.columns]
    if not len(frame):
        notes.append("the sample has no data rows: formats and codes could not be read from values")
    for warning in raw.warnings:
        notes.append(f"encoding: {warning}")
    if table is None:
        table, reason = choose_table(headers)
        notes.insert(0, f"table: {table}, because of {reason}")
    elif table not in SUGGEST_TABLES:
        raise ValueError(f"table '{table}' not one of {list(SUGGEST_TABLES)}")
    comments: dict[str, list[str]] = {}
    types = {c.name: c.sql_type for c in TABLES[table].columns}
    columns = match_headers(headers, table)
    values: dict[str, Any] = {"description": f"Draft suggested from {path.name}; check every line marked CHECK.",
                              "table": table, "encoding": "auto"}
    if raw.encoding:
        comments["encoding"] = [f"detected: {raw.encoding} (auto reads it the same way)"]
    if separator != ",":
        values["separator"] = separator
    profile: dict[str, Any] = {}  # the keys written after `columns` (outcomes, durations, maps, ...)

    # Outcome: only a column whose values are outcome codes; otherwise it may be a disposition code.
    if "outcome" in columns:
        found = _values(frame, columns["outcome"])
        mapped, unknown = _map_words(found, OUTCOME_WORDS)
        if found and not mapped and table == "calls" and "disposition_code" not in columns:
            header = columns.pop("outcome")
            columns["disposition_code"] = header
            notes.append(f"'{header}' holds no outcome codes I know ({', '.join(list(dict.fromkeys(found))[:8])}): "
                         "mapped as disposition_code; map the outcome yourself")
        else:
            counts = Counter(found)
            profile["outcomes"] = mapped
            comments["outcomes"] = [f"codes found in '{columns['outcome']}' (rows in the sample): "
                                    + ", ".join(f"{code} ({n})" for code, n in counts.most_common(30))]
            if unknown:
                note = (f"outcome codes I could not map: {', '.join(unknown[:20])}; add each to outcomes as "
                        "answered, abandoned, short_abandon, transferred or phantom (unmapped codes reject the row)")
                notes.append(note)
                comments["outcomes"].append("CHECK: " + note)
            if not mapped:
                # The profile needs at least one code; the user maps the others.
                code = unknown[0] if unknown else "ANSWERED"
                profile["outcomes"] = {code: "answered"}
                comments["outcomes"].append(f"CHECK: '{code}: answered' is a placeholder")
    if table == "calls" and "language" not in columns:
        notes.append("no language column: when the export is one line's, set constants.language (zh or en)")
    if table == "calls" and "outcome" not in columns:
        notes.append("no outcome column found: map one in columns.outcome and list its codes in outcomes")

    # Timestamps: one format for every timestamp column (the profile has one), or clock times + a date column.
    stamp_columns = [c for c in columns if types.get(c) == "TIMESTAMP"]
    null_times: set[str] = set()
    stamp_values: list[str] = []
    for canonical in stamp_columns:
        found = _values(frame, columns[canonical])
        if canonical != "arrived_at" and canonical != "interval_start" and canonical != "started_at":
            # A zero clock time in an optional time means "no time" (never answered, never queued).
            zeros = {v for v in found if re.fullmatch(r"0{1,2}:00(:00)?", v)}
            null_times |= zeros
            found = [v for v in found if v not in zeros]
        stamp_values += found
    if stamp_values:
        formats = timestamp_formats(stamp_values)
        if formats:
            values["timestamp_format"] = formats[0]
            if len(formats) > 1 and {"%d/%m", "%m/%d"} & {f[:5] for f in formats}:
                note = (f"day/month order is ambiguous in the sample ({formats[0]!r} or {formats[1]!r}); "
                        f"{formats[0]!r} chosen")
                notes.append(note)
                comments["timestamp_format"] = ["CHECK: " + note]
        elif all(_CLOCK.match(v) for v in stamp_values):
            date_header, date_format = _date_column(frame, headers, set(columns.values()))
            if date_header:
                values["date_column"] = date_header
                clock = "%H:%M:%S" if all(v.count(":") == 2 for v in stamp_values) else "%H:%M"
                values["timestamp_format"] = f"{date_format} {clock}"
                comments["date_column"] = [f"times are clock times; the date is in '{date_header}'"]
            else:
                notes.append("timestamps are clock times without a date column I could find: set date_column")
        else:
            example = stamp_values[0]
            note = f"timestamp format not recognised (e.g. {example!r}): set timestamp_format (strptime)"
            notes.append(note)
            comments["timestamp_format"] = ["CHECK: " + note]
    if null_times:
        values["null_times"] = sorted(null_times)
    values["timezone"] = "Asia/Shanghai"
    comments["timezone"] = ["CHECK: the centre's IANA time zone cannot be read from the file"]
    if stamp_columns:
        notes.append("timezone: the file does not say; Asia/Shanghai assumed")
    if "queue_id" in columns and len(frame):
        queues = list(dict.fromkeys(_values(frame, columns["queue_id"])))
        notes.append(f"queue ids kept as exported ({', '.join(queues[:6])}{', ...' if len(queues) > 6 else ''}); "
                     "rename them with value_maps.queue_id if you want other ids")

    # Durations and other numbers.
    durations: dict[str, str] = {}
    decimal = None
    for canonical in list(columns):
        kind = types.get(canonical)
        if kind not in ("DOUBLE", "INTEGER", "BIGINT"):
            continue
        found = _values(frame, columns[canonical])
        if not found:
            continue
        if canonical.endswith("_seconds") and all(_HMS.match(v) for v in found):
            durations[canonical] = "hms"
            continue
        style = number_style(found)
        if style is None:
            notes.append(f"'{columns[canonical]}' ({canonical}) is neither a number nor H:MM:SS "
                         f"(e.g. {found[0]!r}); rows would be rejected as bad_number")
            continue
        if canonical.endswith("_seconds"):
            durations[canonical] = "seconds"
            if re.search(r"分|min", columns[canonical], re.IGNORECASE):
                notes.append(f"'{columns[canonical]}' may be in minutes; the profile reads seconds")
        if style == "," and any("," in v for v in found):
            decimal = ","
    if durations:
        profile["durations"] = durations
    if decimal == "," and separator != ",":
        values["decimal_separator"] = ","
        comments["decimal_separator"] = ["numbers are written with a decimal comma"]
    elif decimal == ",":
        notes.append("numbers hold commas in a comma-separated file (thousands or decimal?): they would be "
                     "rejected as bad_number; export them without grouping, or with another field separator")

    # Value maps: language, agent states, yes/no marks.
    value_maps: dict[str, dict[str, str]] = {}
    for canonical, words in (("language", LANGUAGE_WORDS), ("state", STATE_WORDS)):
        if canonical in columns:
            found = _values(frame, columns[canonical])
            mapped, unknown = _map_words(found, words)
            if unknown:
                notes.append(f"{canonical} values kept as exported (not all known: {', '.join(unknown[:10])}); "
                             f"add value_maps.{canonical} to map them")
            elif any(k != v for k, v in mapped.items()):
                value_maps[canonical] = mapped
    if "csat" in columns:
        _csat(_values(frame, columns["csat"]), columns["csat"], value_maps, notes)
    if "resolved" in columns:
        found = _values(frame, columns["resolved"])
        if not _is_flag(found):
            bad = [v for v in dict.fromkeys(found) if v.lower() not in {w.lower() for w in FLAG_TRUE + FLAG_FALSE}]
            notes.append(f"'{columns['resolved']}' has values that are not yes/no ({', '.join(bad[:10])}): "
                         "add value_maps.resolved to true/false")
    if value_maps:
        profile["value_maps"] = value_maps

    # Ids: caller numbers pseudonymised; placeholder values missing; a repeating key joined with another column.
    missing: dict[str, list[str]] = {}
    for canonical in ("customer_id", "agent_id"):
        if canonical in columns:
            found = _values(frame, columns[canonical])
            placeholders = sorted({v for v in found if MISSING_PATTERN.match(v)})
            if placeholders:
                missing[canonical] = placeholders
    if missing:
        profile["missing_values"] = missing
        comments["missing_values"] = ["placeholders found in the sample, stored as unknown (NULL)"]
    if "customer_id" in columns:
        profile["pseudonymise"] = ["customer_id"]
        comments["pseudonymise"] = ["caller numbers are personal data: stored only as keyed pseudonyms"]
    key = TABLES[table].primary_key[0]
    if key == "state_id" and "agent_id" in columns and "started_at" in columns:
        columns["state_id"] = columns["agent_id"]
        values["id_columns"] = [columns["agent_id"], columns["started_at"]]
        comments["id_columns"] = ["one agent has many periods: agent + start is the key"]
    elif len(TABLES[table].primary_key) > 1:
        # A row of an interval report is a queue and an interval (with its date when apart).
        keys = [columns[k] for k in TABLES[table].primary_key if k in columns] + \
            ([values["date_column"]] if values.get("date_column") else [])
        repeats = int(frame.duplicated(keys).sum()) if len(frame) and keys else 0
        if repeats:
            notes.append(f"{repeats} row(s) of the sample repeat the key {keys}: they will be rejected as "
                         "duplicate_in_file")
    elif key in columns and len(frame):
        repeats = int(frame[columns[key]].dropna().duplicated().sum())
        partner = _partner(frame, headers, columns[key]) if repeats > max(1, 0.01 * len(frame)) else None
        if partner:
            values["id_columns"] = [partner, columns[key]]
            comments["id_columns"] = [f"'{columns[key]}' repeats in the sample; with '{partner}' it is unique"]
            notes.append(f"'{columns[key]}' repeats ({repeats} rows of {len(frame)}): the key joins '{partner}' "
                         f"and '{columns[key]}'")
        elif repeats:
            notes.append(f"'{columns[key]}' repeats on {repeats} row(s) of the sample: they will be rejected as "
                         "duplicate_in_file (set id_columns if the id is only unique with another column)")
    if table == "surveys" and "call_id" in columns:
        values["require_known_calls"] = True
        comments["require_known_calls"] = ["surveys of calls not in the store are rejected: load the calls first"]
    if table == "interval_stats" and "interval_start" in columns:
        _interval_constants(frame, columns, values, profile, notes)
    missing_required = [c for c in TABLES[table].required_columns
                        if c not in columns and c not in profile.get("constants", {}) and c != "batch_id"]
    for column in missing_required:
        notes.append(f"required column {column} not found: map it in columns (or set it in constants)")
        columns[column] = f"CHECK {column}"
        if column == "outcome":
            profile["outcomes"] = {"ANSWERED": "answered"}
            comments["outcomes"] = ["CHECK: a placeholder; list the export's outcome codes"]
    values["columns"] = {c: columns[c] for c in TABLES[table].column_names if c in columns}
    values.update(profile)

    # Everything else becomes a custom dimension, when the table takes them.
    used = set(columns.values()) | set(values.get("id_columns", [])) | {values.get("date_column")}
    rest = [h for h in headers if h not in used]
    entry = next((h for h in rest if normalise_header(h) in QUEUE_ENTRY_HEADERS), None)
    if table == "calls" and entry:
        notes.append(f"'{entry}' looks like the time a call joined the queue: cleaning.queue_entry_column: {entry} "
                     "would flag abandoned calls without it as ivr_abandon (hung up before the queue)")
    if rest and table in DIMENSION_TABLES:
        dimensions, skipped = _dimensions(frame, headers, rest, values.get("decimal_separator", "."))
        if dimensions:
            values["dimensions"] = dimensions
            comments["dimensions"] = ["columns no canonical column names: kept as custom dimensions; "
                                      "rename, retype or delete as you see fit"]
        for header, why in skipped:
            notes.append(f"'{header}' not proposed as a dimension: {why}")
    elif rest:
        notes.append(f"columns not loaded (table {table} takes no dimensions): {', '.join(rest)}")
    return values, comments, notes


def _csat(found: list[str], header: str, value_maps: dict[str, dict[str, str]], notes: list[str]) -> None:
    """Scores as numbers (checked against 1..5), or satisfaction words mapped to scores in ``value_maps``."""
    if found and all(re.fullmatch(r"\d+", v) for v in found):
        scores = {int(v) for v in found}
        if min(scores) < 1 or max(scores) > 5:
            notes.append(f"'{header}' holds scores {min(scores)}..{max(scores)}: csat is 1..5, other scores are "
                         "rejected as out_of_range; map them with value_maps.csat")
        return
    mapped, unknown = _map_words(found, CSAT_WORDS)
    if mapped:
        value_maps["csat"] = mapped
    if unknown:
        notes.append(f"'{header}' values not read as a 1..5 score: {', '.join(unknown[:10])}; add them to "
                     "value_maps.csat")


def _date_column(frame: Any, headers: list[str], used: set[str]) -> tuple[str | None, str]:
    for header in headers:
        if header in used:
            continue
        found = list(dict.fromkeys(_values(frame, header)))[:500]
        for fmt in DATE_FORMATS:
            if found and _parses(found, fmt):
                return header, fmt
    return None, ""


def _partner(frame: Any, headers: list[str], key: str) -> str | None:
    """The column that, joined with ``key``, is unique in the sample; line-like columns first."""
    def rank(header: str) -> tuple[int, int]:
        return (0 if re.search(r"line|vru|site|source|trunk|node|线路|来源", header, re.IGNORECASE) else 1,
                int(frame[header].nunique()))
    for header in sorted((h for h in headers if h != key), key=rank):
        if not frame.duplicated([header, key]).any():
            return header
    return None


def _interval_constants(frame: Any, columns: dict[str, str], values: dict[str, Any], profile: dict[str, Any],
                        notes: list[str]) -> None:
    fmt = values.get("timestamp_format")
    if not fmt:
        return
    texts = frame[columns["interval_start"]].head(SAMPLE_ROWS)
    if values.get("date_column"):
        texts = frame[values["date_column"]].head(SAMPLE_ROWS) + " " + texts
    try:
        stamps = [datetime.strptime(str(v).strip(), fmt) for v in texts.dropna()]
    except ValueError:
        return
    if "interval_minutes" not in columns:
        dates_only = all(s.hour == 0 and s.minute == 0 for s in stamps)
        minutes = 1440 if dates_only else _interval_minutes(stamps)
        if minutes is None:
            notes.append("interval length not clear from the times: set constants.interval_minutes")
            minutes = 30
        profile.setdefault("constants", {})["interval_minutes"] = str(minutes)
    if "service_level" in columns and "target_answer_seconds" not in columns:
        notes.append("the report's service-level threshold is not in the file: set constants.target_answer_seconds")


def _dimensions(frame: Any, headers: list[str], rest: list[str], decimal: str
                ) -> tuple[dict[str, dict[str, Any]], list[tuple[str, str]]]:
    dimensions: dict[str, dict[str, Any]] = {}
    skipped: list[tuple[str, str]] = []
    taken: set[str] = set()
    for header in rest:
        found = _values(frame, header)
        distinct = set(found)
        if not found:
            skipped.append((header, "empty in the sample"))
            continue
        if all(_HMS.match(v) for v in found) or timestamp_formats(found):
            skipped.append((header, "times or H:MM:SS durations; a number dimension takes plain numbers"))
            continue
        if all(_PHONE.match(v) for v in found) and len(distinct) > 20:
            skipped.append((header, "looks like phone numbers (personal data); map it to customer_id to "
                                    "pseudonymise it"))
            continue
        entry: dict[str, Any] = {"column": header}
        if _is_flag(found) and (len(distinct) > 1 or not found[0].isdigit()):
            entry["type"] = "flag"
        elif number_style(found) == (decimal if decimal == "," else ".") and not all(
                _PHONE.match(v) for v in found) and not any(v.startswith("0") and len(v) > 1 and v.isdigit()
                                                            for v in found):
            entry["type"] = "number"
        elif len(distinct) > 1000 and len(distinct) > 0.5 * len(found):
            skipped.append((header, f"{len(distinct)} distinct values in {len(found)} rows: an id or free text"))
            continue
        name = _dimension_name(header, headers.index(header), taken)
        if name != _snake(header):
            entry["description"] = header
        dimensions[name] = entry
    return dimensions, skipped


def _yaml(values: dict[str, Any], comments: dict[str, list[str]], notes: list[str], path: Path) -> str:
    text = yaml.safe_dump(values, allow_unicode=True, sort_keys=False, width=120)
    lines = []
    for line in text.splitlines():
        key = line.split(":", 1)[0] if line and not line.startswith((" ", "-")) else None
        for comment in comments.get(key or "", []):
            lines.append(f"# {comment}")
        lines.append(line)
    head = [f"# Draft ingestion profile suggested from {path.name} by `workbench profile suggest`.",
            "# Review it before loading: lines marked CHECK are guesses, the notes say what was not decided."]
    head += [f"# NOTE: {n}" for n in notes]
    return "\n".join(head + lines) + "\n"


def suggest_profile(path: str | Path, table: str | None = None) -> tuple[str, list[str]]:
    """A draft profile for the export ``path`` as YAML text, and notes on what it could not decide.

    Args:
        path: a vendor export (CSV/TXT in any encoding the ingest reader
            detects, or a format :func:`~workbench.ingest.reading.read_export` reads).
        table: ``calls``, ``surveys``, ``agents``, ``agent_states`` or
            ``interval_stats``; None chooses one and says why in the first note.

    Returns:
        ``(yaml_text, notes)``: the text validates as an
        :class:`~workbench.ingest.profiles.IngestProfile` (load it with
        :func:`~workbench.ingest.profiles.load_profile` after saving it as
        ``<name>.yaml``); notes are also written in it as comments.

    Raises:
        InputDataError: the file cannot be read (see ``read_export``).
        ValueError: ``table`` is not one a suggestion is made for.
    """
    path = Path(path)
    values, comments, notes = _suggest(path, table)
    IngestProfile.model_validate({"name": "suggested", **values})  # the draft must load as it is
    return _yaml(values, comments, notes, path), notes
