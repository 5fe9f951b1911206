"""The sample centre's data as its source systems would export it.

Two ACD exports of the same calls in two vendor shapes (an English one with
``H:MM:SS`` durations and ``YYYY/MM/DD HH:MM:SS`` times; a Chinese one for the
Mandarin line, GB18030, CRLF line ends, durations in seconds), a survey
platform export, and agent and queue lists. A handful of rows are broken on
purpose, each listed in ``truth/export_defects.csv`` with its line number, so
ingestion has something real to reject.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from workbench.sample import dimensions as dims_mod
from workbench.sample.catalog import LANGUAGE_LABELS, LINE_DNIS, QUEUE_LABELS_ZH, QUEUE_NAMES, LANGUAGES, queue_id

ACD_COLUMNS = [
    "Call ID", "Skill", "Line", "ANI", "DNIS", "Call Start", "Call End", "Queue Time", "Ring Time",
    "Talk Time", "Hold Time", "Wrap Time", "Disposition", "Agent ID", "Transfer To",
]  # fmt: skip
DISPOSITIONS = {"answered": "ANSWERED", "phantom": "ANSWERED", "transferred": "XFER",
                "abandoned": "ABANDON", "short_abandon": "SHORT_ABANDON"}  # fmt: skip

ZH_COLUMNS = [
    "通话编号", "技能组", "主叫号码", "被叫号码", "开始时间", "结束时间", "排队时长(秒)", "振铃时长(秒)",
    "通话时长(秒)", "保持时长(秒)", "话后处理时长(秒)", "处理结果", "坐席工号", "转接技能组",
]  # fmt: skip
ZH_DISPOSITIONS = {"ANSWERED": "已接听", "XFER": "已转接", "ABANDON": "放弃", "SHORT_ABANDON": "短时放弃"}

#: Custom fields after the ACD columns: the dimensions and the agent's wrap-up fields.
ACD_CUSTOM_COLUMNS = ["Region", "Brand", "MemberTier", "Channel", "VIP", "Order Value", "Resolved", "Wrap Code",
                      "Contact Reason"]  # fmt: skip
ZH_CUSTOM_COLUMNS = ["区域", "品牌", "会员等级", "渠道", "VIP客户", "客单价", "是否解决", "小结代码", "来电原因"]

SURVEY_COLUMNS = ["Survey ID", "Call ID", "Survey Time", "CSAT", "Comment", "Channel", "Survey Type"]
# A response within this many seconds of the call's end came from the IVR right after the call; later ones
# answered the SMS sent afterwards.
IVR_SURVEY_MAX_DELAY_SECONDS = 120
SURVEY_TYPES = {"IVR": "post_call", "SMS": "follow_up"}

ACD_FILE = "exports/acd_calls.csv"
ZH_FILE = "exports/acd_calls_zh_gb18030.csv"
SURVEY_FILE = "exports/surveys.csv"
AGENT_STATES_FILE = "exports/agent_states.csv"
# Written by workbench.sample.interval_report: the same calls summed per queue and 30-minute interval.
INTERVAL_REPORT_FILE = "exports/interval_report.csv"
AGENT_STATE_COLUMNS = ["Agent ID", "State", "State Start", "State End"]
# A gap between two on-duty blocks of one day shorter than this is that day's break.
_BREAK_GAP_MAX_SECONDS = 2 * 3600
DEFECT_COLUMNS = ["file", "line_number", "call_id", "defect_type", "column", "bad_value", "reason"]

MENTOR_TENURE_MONTHS = 24
SERVICE_LEVEL_TARGET = 0.8
TARGET_ANSWER_SECONDS = 20


def skill_name(qid: str) -> str:
    """Vendor skill name of a queue id: ``billing_zh`` -> ``ZH_BILLING``.

    >>> skill_name("tech_support_en")
    'EN_TECH_SUPPORT'
    """
    base, lang = qid.rsplit("_", 1)
    return f"{lang}_{base}".upper()


def hms(seconds: np.ndarray) -> np.ndarray:
    """Whole seconds as ``H:MM:SS`` strings (negative values keep a minus sign).

    >>> hms(np.array([0, 75, 3725, -83])).tolist()
    ['0:00:00', '0:01:15', '1:02:05', '-0:01:23']
    """
    s = np.asarray(seconds, dtype=np.int64)
    a = np.abs(s)
    sign = np.where(s < 0, "-", "")
    return np.array([f"{g}{x // 3600}:{x % 3600 // 60:02d}:{x % 60:02d}" for g, x in zip(sign, a)], dtype=object)


def _slash(stamps: pd.Series) -> pd.Series:
    """``2026-01-05 08:03:17`` -> ``2026/01/05 08:03:17``."""
    return stamps.str.replace("-", "/", n=2, regex=False)


def acd_table(calls: pd.DataFrame, custom: pd.DataFrame | None = None) -> pd.DataFrame:
    """Clean English-vendor ACD records, one per call, in ``Call Start`` order.

    Args:
        calls: truth calls; needs ``call_id``, ``queue_id``, ``language``,
            ``ani``, ``arrived_at_local``, ``ended_at_local``, ``wait_seconds``,
            ``ring_seconds``, ``talk_seconds``, ``hold_seconds``,
            ``wrap_seconds``, ``outcome``, ``agent_id``, ``transfer_to_queue_id``.
        custom: the calls' custom fields, row for row
            (:func:`workbench.sample.dimensions.assign_dimensions`); when given,
            :data:`ACD_CUSTOM_COLUMNS` follow the ACD columns.
    """
    answered = calls["agent_id"].fillna("").ne("")
    zero = np.zeros(len(calls), dtype=np.int64)

    def dur(column: str) -> np.ndarray:
        return hms(np.where(answered, calls[column].fillna(0).to_numpy(dtype=float), zero).astype(np.int64))

    out = pd.DataFrame(
        {
            "Call ID": calls["call_id"].to_numpy(),
            "Skill": [skill_name(q) for q in calls["queue_id"]],
            "Line": calls["language"].map(LANGUAGE_LABELS).to_numpy(),
            "ANI": calls["ani"].to_numpy(),
            "DNIS": calls["language"].map(LINE_DNIS).to_numpy(),
            "Call Start": _slash(calls["arrived_at_local"]).to_numpy(),
            "Call End": _slash(calls["ended_at_local"]).to_numpy(),
            "Queue Time": hms(calls["wait_seconds"].fillna(0).to_numpy(dtype=np.int64)),
            "Ring Time": dur("ring_seconds"),
            "Talk Time": dur("talk_seconds"),
            "Hold Time": dur("hold_seconds"),
            "Wrap Time": dur("wrap_seconds"),
            "Disposition": calls["outcome"].map(DISPOSITIONS).to_numpy(),
            "Agent ID": calls["agent_id"].fillna("").to_numpy(),
            "Transfer To": [skill_name(q) if q else "" for q in calls["transfer_to_queue_id"].fillna("")],
        }
    )
    if custom is not None:
        reasons = [dims_mod.contact_reason_label(r, "en") for r in custom["contact_reason"]]
        extra = _custom_fields(custom, dims_mod.REGION_LABELS_EN, dims_mod.BRAND_LABELS_EN, dims_mod.TIER_LABELS_EN,
                               custom["channel_as_exported"], ("Y", "N"), custom["disposition_code"], reasons)
        out[ACD_CUSTOM_COLUMNS] = extra
    return out


def _custom_fields(custom: pd.DataFrame, regions: dict[str, str], brands: dict[str, str], tiers: dict[str, str],
                   channels: pd.Series | list[str], yes_no: tuple[str, str], codes: pd.Series | list[str],
                   reasons: list[str]) -> np.ndarray:
    """The custom fields in one vendor's words, in the order of :data:`ACD_CUSTOM_COLUMNS`."""
    def flag(values: pd.Series) -> np.ndarray:
        marks = values.astype("boolean")
        return np.where(marks.isna().to_numpy(), "", np.where(marks.fillna(False).to_numpy(dtype=bool), *yes_no))

    return np.column_stack([
        custom["region"].map(regions).fillna("").to_numpy(),
        custom["brand"].map(brands).fillna("").to_numpy(),
        custom["member_tier"].map(tiers).fillna("").to_numpy(),
        np.asarray(channels, dtype=object),
        flag(custom["vip"]),
        ["" if v != v else f"{v:.2f}" for v in custom["order_value"]],
        flag(custom["resolved_mark"]),
        np.asarray(codes, dtype=object),
        np.asarray(reasons, dtype=object),
    ]).astype(object)


def zh_table(acd: pd.DataFrame, calls: pd.DataFrame, custom: pd.DataFrame | None = None) -> pd.DataFrame:
    """The Mandarin line's records in the Chinese vendor's shape.

    This vendor leaves the queue time (排队时长) empty on abandoned calls, as
    many real exports do; the truth keeps the wait. ``custom`` (the calls'
    custom fields, row for row) adds :data:`ZH_CUSTOM_COLUMNS` in Chinese.
    """
    mask = (calls["language"] == "zh").to_numpy()
    sub = calls[mask]
    src = acd[mask]
    label = {skill_name(queue_id(q, "zh")): QUEUE_LABELS_ZH[q] for q in QUEUE_NAMES}

    def secs(column: str) -> np.ndarray:
        answered = sub["agent_id"].fillna("").ne("").to_numpy()
        return np.where(answered, sub[column].fillna(0).to_numpy(dtype=float), 0).astype(np.int64)

    waits = pd.array(sub["wait_seconds"].fillna(0).to_numpy(dtype=np.int64), dtype="Int64")
    waits[sub["outcome"].isin(["abandoned", "short_abandon"]).to_numpy()] = pd.NA
    out = pd.DataFrame(
        {
            "通话编号": sub["call_id"].to_numpy(),
            "技能组": [label[s] for s in src["Skill"]],
            "主叫号码": sub["ani"].replace("anonymous", "未知号码").to_numpy(),
            "被叫号码": sub["language"].map(LINE_DNIS).to_numpy(),
            "开始时间": sub["arrived_at_local"].to_numpy(),
            "结束时间": sub["ended_at_local"].to_numpy(),
            "排队时长(秒)": waits,
            "振铃时长(秒)": secs("ring_seconds"),
            "通话时长(秒)": secs("talk_seconds"),
            "保持时长(秒)": secs("hold_seconds"),
            "话后处理时长(秒)": secs("wrap_seconds"),
            "处理结果": src["Disposition"].map(ZH_DISPOSITIONS).to_numpy(),
            "坐席工号": sub["agent_id"].fillna("").to_numpy(),
            "转接技能组": [label.get(s, "") for s in src["Transfer To"]],
        }
    )
    if custom is not None:
        own = custom[mask]
        reasons = [dims_mod.contact_reason_label(r, "zh") for r in own["contact_reason"]]
        codes = [dims_mod.DISPOSITION_CODES_ZH.get(c, "") for c in own["disposition_code"]]
        channels = own["channel"].map(dims_mod.CHANNEL_LABELS_ZH)
        out[ZH_CUSTOM_COLUMNS] = _custom_fields(own, dims_mod.REGION_LABELS_ZH, dims_mod.BRAND_LABELS_ZH,
                                                dims_mod.TIER_LABELS_ZH, channels, ("是", "否"), codes, reasons)
    return out


def survey_table(calls: pd.DataFrame) -> pd.DataFrame:
    """Survey platform export: one row per response, in response-time order.

    Args:
        calls: truth calls; needs ``survey_id``, ``call_id``,
            ``surveyed_at_local``, ``ended_at_local``, ``csat``, ``survey_comment``.

    ``Channel`` is IVR for a response within
    :data:`IVR_SURVEY_MAX_DELAY_SECONDS` of the call's end, else SMS;
    ``Survey Type`` follows it (:data:`SURVEY_TYPES`).
    """
    resp = calls[calls["survey_id"].fillna("") != ""].sort_values(["surveyed_at_local", "survey_id"], kind="stable")
    delay = (pd.to_datetime(resp["surveyed_at_local"]) - pd.to_datetime(resp["ended_at_local"])).dt.total_seconds()
    channel = np.where(delay.to_numpy() <= IVR_SURVEY_MAX_DELAY_SECONDS, "IVR", "SMS")
    return pd.DataFrame(
        {
            "Survey ID": resp["survey_id"].to_numpy(),
            "Call ID": resp["call_id"].to_numpy(),
            "Survey Time": _slash(resp["surveyed_at_local"]).to_numpy(),
            "CSAT": resp["csat"].astype("Int64").to_numpy(),
            "Comment": resp["survey_comment"].to_numpy(),
            "Channel": channel,
            "Survey Type": [SURVEY_TYPES[c] for c in channel],
        }
    )


def agent_table(agents: pd.DataFrame) -> pd.DataFrame:
    """Workforce-management agent list (no hidden traits).

    Args:
        agents: truth agents; needs ``agent_id``, ``name``, ``line``,
            ``languages``, ``skills``, ``contract``, ``shift_start``,
            ``shift_end``, ``days_off``, ``tenure_months``.

    ``Site`` is :func:`agent_sites`; ``Skill Tags`` lists the queue families
    the agent serves, ``bilingual`` and ``mentor`` (tenure of
    :data:`MENTOR_TENURE_MONTHS` months or more), ``;``-separated.
    """
    team = [
        f"{line.upper()}-{'Early' if start < '11:00' else 'Late'}"
        for line, start in zip(agents["line"], agents["shift_start"])
    ]
    hired = (pd.Timestamp("2026-01-01") - pd.to_timedelta(agents["tenure_months"] * 30, unit="D")).dt.strftime(
        "%Y-%m-%d"
    )
    return pd.DataFrame(
        {
            "Agent ID": agents["agent_id"].to_numpy(),
            "Agent Name": agents["name"].to_numpy(),
            "Team": team,
            "Languages": agents["languages"].str.replace(";", ",").to_numpy(),
            "Skills": ["|".join(skill_name(q) for q in s.split(";")) for s in agents["skills"]],
            "Contract": agents["contract"].to_numpy(),
            "Shift": (agents["shift_start"] + "-" + agents["shift_end"]).to_numpy(),
            "Days Off": agents["days_off"].str.replace(";", ",").to_numpy(),
            "Hire Date": hired.to_numpy(),
            "Site": agent_sites(agents),
            "Skill Tags": [_skill_tags(skills, languages, months) for skills, languages, months
                           in zip(agents["skills"], agents["languages"], agents["tenure_months"])],
        }
    )


def _skill_tags(skills: str, languages: str, tenure_months: float) -> str:
    """``billing;sales;bilingual;mentor``: the queue families served, then the two tags that apply.

    >>> _skill_tags("billing_zh;billing_en;sales_zh", "zh;en", 30)
    'billing;sales;bilingual;mentor'
    """
    families = list(dict.fromkeys(q.rsplit("_", 1)[0] for q in skills.split(";")))
    extra = (["bilingual"] if ";" in languages else []) + (["mentor"] if tenure_months >= MENTOR_TENURE_MONTHS else [])
    return ";".join(families + extra)


def agent_sites(agents: pd.DataFrame) -> np.ndarray:
    """Where each agent sits: the English line in Shenzhen, the Mandarin line in Chengdu, every third in Guangzhou.

    Args:
        agents: truth agents; needs ``agent_id`` and ``line``.
    """
    order = agents.groupby("line").cumcount().to_numpy()
    zh_site = np.where(order % 3 == 2, "Guangzhou", "Chengdu")
    return np.where(agents["line"].to_numpy() == "en", "Shenzhen", zh_site)


def agent_state_table(
    agent_ids: list[str] | pd.Series, on_duty_blocks: list[list[tuple[float, float]]], origin: pd.Timestamp
) -> pd.DataFrame:
    """Agent state export of a workforce system: READY while on duty, BREAK between a day's blocks.

    Args:
        agent_ids: agents, in the order of ``on_duty_blocks``.
        on_duty_blocks: per agent, sorted ``(start, end)`` seconds since ``origin``
            (as :func:`workbench.sample.agents.on_duty_blocks` returns).
        origin: local midnight of the first simulated day.

    Returns:
        Columns ``Agent ID, State, State Start, State End`` (``YYYY/MM/DD
        HH:MM:SS`` local times), ordered by start then agent.

    >>> agent_state_table(["A1"], [[(28800.0, 41400.0), (43200.0, 61200.0)]], pd.Timestamp("2026-01-05")).values.tolist()
    [['A1', 'READY', '2026/01/05 08:00:00', '2026/01/05 11:30:00'], ['A1', 'BREAK', '2026/01/05 11:30:00', '2026/01/05 12:00:00'], ['A1', 'READY', '2026/01/05 12:00:00', '2026/01/05 17:00:00']]
    """
    rows: list[tuple[str, str, float, float]] = []
    for agent, blocks in zip(list(agent_ids), on_duty_blocks):
        for index, (start, end) in enumerate(blocks):
            if index and 0 < start - blocks[index - 1][1] <= _BREAK_GAP_MAX_SECONDS:
                rows.append((agent, "BREAK", blocks[index - 1][1], start))
            rows.append((agent, "READY", start, end))
    frame = pd.DataFrame(rows, columns=["agent", "state", "start", "end"]).sort_values(["start", "agent"], kind="stable")

    def stamp(seconds: pd.Series) -> np.ndarray:
        return (origin + pd.to_timedelta(seconds.round(), unit="s")).dt.strftime("%Y/%m/%d %H:%M:%S").to_numpy()

    return pd.DataFrame(
        {
            "Agent ID": frame["agent"].to_numpy(),
            "State": frame["state"].to_numpy(),
            "State Start": stamp(frame["start"]),
            "State End": stamp(frame["end"]),
        },
        columns=AGENT_STATE_COLUMNS,
    )


def queue_table() -> pd.DataFrame:
    """Queue (skill) list with the vendor skill names and service targets."""
    rows = []
    for lang in LANGUAGES:
        for q in QUEUE_NAMES:
            qid = queue_id(q, lang)
            rows.append(
                {
                    "Skill": skill_name(qid),
                    "Queue ID": qid,
                    "Queue Name": q.replace("_", " ").title(),
                    "Queue Name ZH": QUEUE_LABELS_ZH[q],
                    "Language": lang,
                    "Line": LANGUAGE_LABELS[lang],
                    "DNIS": LINE_DNIS[lang],
                    "Service Level Target": SERVICE_LEVEL_TARGET,
                    "Target Answer Seconds": TARGET_ANSWER_SECONDS,
                }
            )
    return pd.DataFrame(rows)


def _pick(rng: np.random.Generator, candidates: np.ndarray, used: set[int]) -> int:
    pool = np.array([c for c in candidates if c not in used])
    choice = int(pool[int(rng.integers(pool.size))])
    used.add(choice)
    return choice


def inject_defects(
    acd: pd.DataFrame, zh: pd.DataFrame, surveys: pd.DataFrame, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Break a few rows on purpose and say exactly where.

    ``acd_calls.csv`` gets ``max(1, rows // 20000)`` rows of each kind:
    negative duration, end before start, exact duplicate, unknown disposition
    and missing call id. The GB18030 file gets one duplicate and one negative
    queue time; the survey file one out-of-range score and one response for a
    call id that does not exist.

    Returns:
        The three tables with the defects in place and the defect list
        (columns :data:`DEFECT_COLUMNS`; ``line_number`` counts the header as
        line 1).
    """
    acd = acd.copy()
    zh = zh.copy()
    surveys = surveys.copy()
    per_kind = max(1, len(acd) // 20000)
    answered = np.flatnonzero(acd["Disposition"].isin(["ANSWERED", "XFER"]).to_numpy())
    used: set[int] = set()
    notes: dict[int, list[tuple[str, str, str, str]]] = {}
    duplicates: list[int] = []
    for _ in range(per_kind):
        i = _pick(rng, answered, used)
        acd.loc[i, "Talk Time"] = "-" + acd.loc[i, "Talk Time"]
        notes.setdefault(i, []).append(("negative_duration", "Talk Time", acd.loc[i, "Talk Time"],
                                        "talk time is negative"))
        i = _pick(rng, answered, used)
        start = pd.Timestamp(acd.loc[i, "Call Start"].replace("/", "-"))
        end = pd.Timestamp(acd.loc[i, "Call End"].replace("/", "-"))
        # A clock-skewed switch: the end lands as far before the start as it was after.
        acd.loc[i, "Call End"] = (start - (end - start)).strftime("%Y/%m/%d %H:%M:%S")
        notes.setdefault(i, []).append(("end_before_start", "Call End", acd.loc[i, "Call End"],
                                        "call ends before it starts"))
        duplicates.append(_pick(rng, answered, used))
        i = _pick(rng, np.arange(len(acd)), used)
        acd.loc[i, "Disposition"] = "CALLBACK_REQ"
        notes.setdefault(i, []).append(("unknown_disposition", "Disposition", "CALLBACK_REQ",
                                        "disposition code not in the vendor's code list"))
        i = _pick(rng, np.arange(len(acd)), used)
        notes.setdefault(i, []).append(("missing_call_id", "Call ID", "", "call id is empty"))
    missing_ids = {i: acd.loc[i, "Call ID"] for i, n in notes.items() if n[0][0] == "missing_call_id"}
    for i in missing_ids:
        acd.loc[i, "Call ID"] = ""

    defects: list[dict[str, object]] = []
    # Each duplicate goes right after its original, as a double-posted batch would.
    order = []
    for i in range(len(acd)):
        order.append((i, False))
        if i in duplicates:
            order.append((i, True))
    acd_out = acd.iloc[[i for i, _ in order]].reset_index(drop=True)
    for line_index, (i, is_copy) in enumerate(order):
        line = line_index + 2
        call_id = missing_ids.get(i, acd.loc[i, "Call ID"])
        if is_copy:
            defects.append({"file": ACD_FILE, "line_number": line, "call_id": call_id,
                            "defect_type": "exact_duplicate", "column": "", "bad_value": "",
                            "reason": f"exact copy of line {line - 1}"})
        elif i in notes:
            for kind, column, value, reason in notes[i]:
                defects.append({"file": ACD_FILE, "line_number": line, "call_id": call_id, "defect_type": kind,
                                "column": column, "bad_value": value, "reason": reason})

    if len(zh) >= 2:
        zh_answered = np.flatnonzero(zh["处理结果"].isin(["已接听", "已转接"]).to_numpy())
        zh_used: set[int] = set()
        neg = _pick(rng, zh_answered, zh_used)
        dup = _pick(rng, zh_answered, zh_used)
        zh["排队时长(秒)"] = zh["排队时长(秒)"].astype("Int64")
        zh.loc[zh.index[neg], "排队时长(秒)"] = -int(zh.loc[zh.index[neg], "排队时长(秒)"]) - 12
        positions = list(range(len(zh)))
        positions.insert(dup + 1, dup)
        zh = zh.iloc[positions].reset_index(drop=True)
        neg_line = neg + 2 + (1 if neg > dup else 0)
        defects.append({"file": ZH_FILE, "line_number": neg_line, "call_id": zh.loc[neg_line - 2, "通话编号"],
                        "defect_type": "negative_duration", "column": "排队时长(秒)",
                        "bad_value": str(zh.loc[neg_line - 2, "排队时长(秒)"]),
                        "reason": "queue time is negative"})
        defects.append({"file": ZH_FILE, "line_number": dup + 3, "call_id": zh.loc[dup + 1, "通话编号"],
                        "defect_type": "exact_duplicate", "column": "", "bad_value": "",
                        "reason": f"exact copy of line {dup + 2}"})

    if len(surveys) >= 2:
        s_used: set[int] = set()
        bad = _pick(rng, np.arange(len(surveys)), s_used)
        orphan = _pick(rng, np.arange(len(surveys)), s_used)
        surveys["CSAT"] = surveys["CSAT"].astype("Int64")
        surveys.loc[bad, "CSAT"] = 7
        true_orphan_call = surveys.loc[orphan, "Call ID"]
        surveys.loc[orphan, "Call ID"] = "C19990101-99999"
        defects.append({"file": SURVEY_FILE, "line_number": bad + 2, "call_id": surveys.loc[bad, "Call ID"],
                        "defect_type": "csat_out_of_range", "column": "CSAT", "bad_value": "7",
                        "reason": "CSAT must be 1 to 5"})
        defects.append({"file": SURVEY_FILE, "line_number": orphan + 2, "call_id": true_orphan_call,
                        "defect_type": "unknown_call_id", "column": "Call ID", "bad_value": "C19990101-99999",
                        "reason": "survey refers to a call id that is not in the call records"})

    defect_table = pd.DataFrame(defects, columns=DEFECT_COLUMNS).sort_values(
        ["file", "line_number", "defect_type"], kind="stable"
    )
    return acd_out, zh, surveys, defect_table.reset_index(drop=True)


def to_csv_bytes(frame: pd.DataFrame, encoding: str = "utf-8", line_end: str = "\n") -> bytes:
    """Deterministic CSV bytes (no index, fixed line ends)."""
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator=line_end)
    return buffer.getvalue().encode(encoding)
