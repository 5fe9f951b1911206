"""The agents: who they are, what they can take, when they work.

Shifts are planned the way a small workforce team would: from the expected
demand of a plain weekday (no promotions, no holidays) per queue, a
square-root staffing rule ``N = A + beta * sqrt(A)`` gives the agents needed
per half hour; shift templates are added greedily until every half hour is
covered, allowing for days off and absence; then the head count is nudged up
or down at random, as budgets are. Each agent keeps one fixed pattern (start,
30-minute break, end, two days off a week) for the whole window, so peaks the
plan did not foresee (promotions, the day after a holiday, make-up Saturdays)
are under-staffed and quiet days over-staffed.

The square-root rule stands in for Erlang C here because the import
contract keeps :mod:`workbench.sample` independent of :mod:`workbench.staffing`;
for these loads it lands within an agent or two of an 80/20 Erlang C plan.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.sample.arrivals import (
    HOLD_MEDIAN_SECONDS,
    HOLD_PROBABILITY,
    HOLD_SIGMA,
    MINUTES_PER_DAY,
    QUEUE_IDS,
    QUEUES,
    TALK_SIGMA,
    WRAP_MEDIAN_SECONDS,
    WRAP_SIGMA,
    intraday_profile,
)
from workbench.sample.calendar import CLOSE_HOUR, INTERVAL_MINUTES, OPEN_HOUR, WEEKDAY_NAMES
from workbench.sample.catalog import (
    LANGUAGES,
    LINE_DAILY_CALLS,
    QUEUE_NAMES,
    QUEUE_SHARES,
    TOPIC_SHARES,
    queue_id,
    topics_for_queue,
)

SQRT_STAFFING_BETA = 0.8
ABSENCE_PROBABILITY = 0.05
SHIFT_WORK_HOURS = 8.0
PART_TIME_HOURS = 4.0
PART_TIME_COST_FACTOR = 1.5
BREAK_MINUTES = 30
SKILL_FRAGMENTATION_AGENTS = 1
# Agents on the closing shift stay a quarter of an hour to clear the queue.
CLOSING_OVERTIME_MINUTES = 15
BILINGUAL_SHARE = 0.12
PROHIBITED_PHRASE_AGENTS = {"zh": 2, "en": 1}

# Pairs of days off and how often they are used: weekends are wanted, and the
# lower weekend demand lets most agents have at least one weekend day off.
DAYS_OFF_PATTERNS = (
    ((5, 6), 0.36), ((6, 0), 0.12), ((4, 5), 0.12), ((0, 1), 0.08),
    ((1, 2), 0.11), ((2, 3), 0.11), ((3, 4), 0.10),
)  # fmt: skip
# Queues whose work is close enough that a second skill there is twice as likely.
RELATED_SKILLS = {
    "billing": ("sales", "complaints"),
    "tech_support": ("billing",),
    "complaints": ("billing",),
    "sales": ("billing",),
}
SECOND_SKILL_PROBABILITY = 0.8
THIRD_SKILL_PROBABILITY = 0.3
# Break start, hours after shift start, rotating through agents. At weekends
# the midday rush comes later, so lunch moves out of it.
BREAK_OFFSETS_HOURS = {"weekday": (3.5, 4.0, 4.5), "weekend": (2.0, 2.5, 6.0)}

_ZH_SURNAMES = ("王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "高")
_ZH_GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "秀英", "华", "慧", "婷", "宇", "浩", "佳怡", "子涵", "欣然", "晨", "雪")  # noqa: E501
_EN_FIRST = ("James", "Mary", "Daniel", "Olivia", "Chris", "Sophie", "Alex", "Grace", "Ryan", "Emily", "Kevin", "Hannah", "Jason", "Chloe", "Mark", "Lucy", "Tom", "Amy", "Sam", "Ella")  # noqa: E501
_EN_LAST = ("Smith", "Wong", "Taylor", "Chan", "Brown", "Lee", "Walker", "Liu", "Clark", "Evans", "Hughes", "Ng", "Green", "Hall", "Young", "King")  # noqa: E501


def planning_aht_seconds(queue: str, language: str) -> float:
    """Mean agent-busy seconds per call the planners assume for a queue.

    Mean of lognormal talk per topic (weighted by topic share), plus expected
    hold and wrap-up and 5 s of ringing.
    """
    talk = sum(TOPIC_SHARES[t.topic_id] * t.median_handle_seconds for t in topics_for_queue(queue))
    talk *= np.exp(TALK_SIGMA**2 / 2) * (1.08 if language == "en" else 1.0)
    hold = HOLD_PROBABILITY[queue] * HOLD_MEDIAN_SECONDS * np.exp(HOLD_SIGMA**2 / 2)
    wrap = WRAP_MEDIAN_SECONDS * np.exp(WRAP_SIGMA**2 / 2)
    return float(talk + hold + wrap + 5.0)


def planned_requirement(trend_multiplier: float) -> pd.DataFrame:
    """The workforce plan for a plain weekday, per queue and per line.

    Agents are pooled across their skills, so the plan sizes each language
    line as one pool, ``N = A + beta * sqrt(A)`` with A the line's load, plus
    ``SKILL_FRAGMENTATION_AGENTS`` because no agent has every skill.

    Returns:
        Columns ``interval_index`` (0..47), ``queue_id``, ``language``,
        ``expected_calls``, ``load_erlangs`` (with the planning AHT) and
        ``line_required_agents`` (repeated on each queue row of the line).
    """
    per_interval = MINUTES_PER_DAY // INTERVAL_MINUTES
    frames = []
    for lang, q in QUEUES:
        profile = intraday_profile("weekday", lang, q).reshape(per_interval, INTERVAL_MINUTES).sum(axis=1)
        calls = LINE_DAILY_CALLS[lang] * QUEUE_SHARES[q] * trend_multiplier * profile
        frames.append(
            pd.DataFrame(
                {
                    "interval_index": np.arange(per_interval),
                    "queue_id": queue_id(q, lang),
                    "language": lang,
                    "expected_calls": calls,
                    "load_erlangs": calls * planning_aht_seconds(q, lang) / (INTERVAL_MINUTES * 60.0),
                }
            )
        )
    plan = pd.concat(frames, ignore_index=True)
    line_load = plan.groupby(["language", "interval_index"])["load_erlangs"].transform("sum").to_numpy()
    need = np.ceil(line_load + SQRT_STAFFING_BETA * np.sqrt(line_load) + SKILL_FRAGMENTATION_AGENTS)
    plan["line_required_agents"] = np.where(line_load > 0, need, 0).astype(int)
    return plan


@dataclass(frozen=True)
class ShiftTemplate:
    """A shift: start and paid hours on the phones, with or without a break."""

    start_hour: float
    work_hours: float
    has_break: bool

    def cover(self) -> np.ndarray:
        """Expected presence per half hour; breaks are staggered over three slots."""
        per_interval = MINUTES_PER_DAY // INTERVAL_MINUTES
        cover = np.zeros(per_interval)
        first = int(self.start_hour * 2)
        slots = int(self.work_hours * 2) + (1 if self.has_break else 0)
        cover[first : first + slots] = 1.0
        if self.has_break:
            cover[first + 7 : first + 10] -= 1.0 / 3.0
        return cover


SHIFT_TEMPLATES = tuple(
    [ShiftTemplate(float(h), SHIFT_WORK_HOURS, True) for h in np.arange(OPEN_HOUR, CLOSE_HOUR - 8.5 + 0.01, 0.5)]
    + [ShiftTemplate(float(h), PART_TIME_HOURS, False)
       for h in np.arange(OPEN_HOUR, CLOSE_HOUR - PART_TIME_HOURS + 0.01, 0.5)]
)


def _greedy_shifts(requirement: np.ndarray, attendance: float) -> list[ShiftTemplate]:
    """Shift templates whose expected attendance covers ``requirement``.

    Each step adds the template that removes the most uncovered agent-half-hours
    per unit of cost, until no half hour is short by half an agent or more.
    Part-time hours cost more (``PART_TIME_COST_FACTOR``): they are harder to
    recruit for, so the plan only uses them where full shifts would waste time.
    """
    covers = [t.cover() * attendance for t in SHIFT_TEMPLATES]
    costs = [t.work_hours * (1.0 if t.has_break else PART_TIME_COST_FACTOR) for t in SHIFT_TEMPLATES]
    chosen: list[ShiftTemplate] = []
    coverage = np.zeros_like(requirement, dtype=float)
    while np.any(requirement - coverage >= 0.5):
        deficit = np.clip(requirement - coverage, 0.0, None)
        gains = [float(np.minimum(deficit, c).sum()) / cost for c, cost in zip(covers, costs)]
        best = int(np.argmax(gains))  # first maximum: deterministic
        chosen.append(SHIFT_TEMPLATES[best])
        coverage = coverage + covers[best]
    return chosen


def _hhmm(hours: float) -> str:
    return f"{int(hours):02d}:{int(round((hours % 1) * 60)):02d}"


def _primary_queues(weights: np.ndarray, count: int, rng: np.random.Generator) -> list[str]:
    """Primary queue of ``count`` agents, in proportion to ``weights``, in random order.

    Head counts follow the largest-remainder rule so every queue gets its share
    of agents; only who gets which queue is random.
    """
    share = weights / weights.sum() * count
    heads = np.floor(share).astype(int)
    for i in np.argsort(-(share - heads), kind="stable")[: count - heads.sum()]:
        heads[i] += 1
    names = [q for q, h in zip(QUEUE_NAMES, heads) for _ in range(h)]
    return [names[i] for i in rng.permutation(count)]


def build_agents(trend_multiplier: float, rng: np.random.Generator) -> pd.DataFrame:
    """The roster of agents with their skills, shift pattern and hidden traits.

    Args:
        trend_multiplier: demand level the plan is made for.
        rng: the agents stream.

    Returns:
        One row per agent, columns ``agent_id``, ``name``, ``line``
        (home language line), ``languages`` and ``skills`` (``;``-separated
        language codes and queue ids), ``primary_queue_id``, ``contract``
        (full_time, part_time), ``shift_start``, ``break_start`` and
        ``weekend_break_start`` (empty for part-timers; the weekend one also
        applies on holidays), ``shift_end`` (``HH:MM`` local), ``days_off``
        (``;``-separated weekday names), ``tenure_months``, ``speed_factor``
        (multiplies talk, hold and wrap-up), ``csat_effect`` (additive on the
        latent CSAT), ``resolution_logit_effect`` (additive on the log-odds of
        resolving), ``uses_prohibited_phrase``.
    """
    plan = planned_requirement(trend_multiplier)
    off_prob = np.zeros(7)
    for days, weight in DAYS_OFF_PATTERNS:
        off_prob[list(days)] += weight
    attendance = float((1.0 - off_prob[:5].mean()) * (1.0 - ABSENCE_PROBABILITY))
    rows = []
    for lang in LANGUAGES:
        line_plan = plan[plan["language"] == lang]
        requirement = line_plan.groupby("interval_index")["line_required_agents"].first().to_numpy(dtype=float)
        shifts = _greedy_shifts(requirement, attendance)
        # Budgets never match the plan exactly.
        target = int(round(len(shifts) * rng.uniform(0.88, 1.04)))
        if target < len(shifts):
            keep = np.sort(rng.choice(len(shifts), size=target, replace=False))
            shifts = [shifts[i] for i in keep]
        else:
            shifts = shifts + [shifts[i] for i in rng.choice(len(shifts), size=target - len(shifts))]
        shifts = sorted(shifts, key=lambda t: (t.start_hour, t.work_hours))
        load = line_plan.groupby("queue_id", sort=False)["load_erlangs"].sum()
        weights = np.array([load[queue_id(q, lang)] for q in QUEUE_NAMES], dtype=float)
        primaries = _primary_queues(weights, len(shifts), rng)
        for k, shift in enumerate(shifts):
            # Breaks rotate through three slots so the floor never empties at once.
            rows.append({"line": lang, "shift": shift, "slot": k % 3, "primary": primaries[k], "weights": weights})
    agents = []
    for i, row in enumerate(rows):
        lang, shift, primary = row["line"], row["shift"], row["primary"]
        skills = [primary]
        for extra_probability in (SECOND_SKILL_PROBABILITY, THIRD_SKILL_PROBABILITY):
            # Extra skills follow the queues' load, favouring related work.
            affinity = np.array([
                0.0 if q in skills else (2.0 if q in RELATED_SKILLS[primary] else 1.0) for q in QUEUE_NAMES
            ]) * row["weights"]
            if rng.random() < extra_probability:
                skills.append(QUEUE_NAMES[int(rng.choice(4, p=affinity / affinity.sum()))])
        languages = [lang]
        if lang == "zh" and rng.random() < BILINGUAL_SHARE:
            languages.append("en")
        skill_ids = [queue_id(q, lg) for lg in languages for q in QUEUE_NAMES if q in skills]
        pattern = int(rng.choice(len(DAYS_OFF_PATTERNS), p=[w for _, w in DAYS_OFF_PATTERNS]))
        days_off = DAYS_OFF_PATTERNS[pattern][0]
        tenure = int(rng.integers(1, 73))
        # New starters are slower; everyone varies a little.
        speed = float(np.exp(rng.normal(0.0, 0.12))) * (1.18 if tenure < 6 else 1.0)
        csat_effect = float(rng.normal(0.0, 0.35))
        resolution_effect = 0.6 * csat_effect + float(rng.normal(0.0, 0.15))
        if lang == "zh":
            name = _ZH_SURNAMES[int(rng.integers(len(_ZH_SURNAMES)))] + _ZH_GIVEN[int(rng.integers(len(_ZH_GIVEN)))]
        else:
            name = f"{_EN_FIRST[int(rng.integers(len(_EN_FIRST)))]} {_EN_LAST[int(rng.integers(len(_EN_LAST)))]}"
        start = shift.start_hour
        end = start + shift.work_hours + (BREAK_MINUTES / 60 if shift.has_break else 0.0)
        agents.append(
            {
                "agent_id": f"A{1001 + i}",
                "name": name,
                "line": lang,
                "languages": ";".join(languages),
                "skills": ";".join(skill_ids),
                "primary_queue_id": queue_id(primary, lang),
                "contract": "full_time" if shift.has_break else "part_time",
                "shift_start": _hhmm(start),
                "break_start": _hhmm(start + BREAK_OFFSETS_HOURS["weekday"][row["slot"]]) if shift.has_break else "",
                "weekend_break_start": (
                    _hhmm(start + BREAK_OFFSETS_HOURS["weekend"][row["slot"]]) if shift.has_break else ""
                ),
                "shift_end": _hhmm(end),
                "days_off": ";".join(WEEKDAY_NAMES[d] for d in sorted(days_off)),
                "tenure_months": tenure,
                "speed_factor": round(speed, 3),
                "csat_effect": round(csat_effect, 3),
                "resolution_logit_effect": round(resolution_effect, 3),
                "uses_prohibited_phrase": False,
            }
        )
    out = pd.DataFrame(agents)
    for lang, count in PROHIBITED_PHRASE_AGENTS.items():
        pool = np.flatnonzero(out["line"].to_numpy() == lang)
        picks = rng.choice(pool, size=min(count, pool.size), replace=False)
        out.loc[np.sort(picks), "uses_prohibited_phrase"] = True
    return out


def _hours(hhmm: str) -> float:
    h, m = hhmm.split(":")
    return int(h) + int(m) / 60.0


def working_spans_hours(shift_start: str, break_start: str, shift_end: str) -> list[tuple[float, float]]:
    """On-the-phones spans of a shift in local hours, the break left out.

    >>> working_spans_hours("08:00", "12:00", "16:30")
    [(8.0, 12.0), (12.5, 16.5)]
    >>> working_spans_hours("18:00", "", "22:00")
    [(18.0, 22.0)]
    """
    start, end = _hours(shift_start), _hours(shift_end)
    if not break_start:
        return [(start, end)]
    brk = _hours(break_start)
    return [(start, brk), (brk + BREAK_MINUTES / 60.0, end)]


def build_roster(agents: pd.DataFrame, calendar: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Who works which day, after days off, holidays and absence.

    On public holidays an agent due to work comes in with a probability that
    follows the day's expected demand (the rest take holiday leave); on any
    working day an agent is off sick with probability ``ABSENCE_PROBABILITY``.

    Args:
        agents: from :func:`build_agents`.
        calendar: needs ``date``, ``weekday``, ``day_type`` and the
            ``multiplier_<queue_id>`` columns.
        rng: the roster stream.

    Returns:
        One row per agent and date: ``date``, ``agent_id``, ``scheduled``
        (the pattern says work), ``worked``, ``absence_reason`` (``""``,
        ``day_off``, ``holiday_leave``, ``sick``), ``shift_start_local``,
        ``break_start_local``, ``shift_end_local`` (the planned shift on
        scheduled days, worked or not; empty on days off; no break for
        part-timers). Full-timers take the weekend break slot at weekends and
        on holidays.
    """
    mult_cols = [f"multiplier_{q}" for q in QUEUE_IDS]
    columns = ["agent_id", "days_off", "shift_start", "break_start", "weekend_break_start", "shift_end"]
    records = agents[columns].to_dict("records")
    rows = []
    for day in calendar.to_dict("records"):
        holiday_level = float(np.mean([day[c] for c in mult_cols]))
        date = str(day["date"])
        for agent in records:
            scheduled = WEEKDAY_NAMES[int(day["weekday"])] not in agent["days_off"].split(";")
            u_holiday, u_sick = rng.random(), rng.random()
            reason = ""
            if not scheduled:
                reason = "day_off"
            elif day["day_type"] == "holiday" and u_holiday > min(1.0, 1.2 * holiday_level):
                reason = "holiday_leave"
            elif u_sick < ABSENCE_PROBABILITY:
                reason = "sick"
            worked = reason == ""
            brk = agent["break_start"] if day["day_type"] == "weekday" else agent["weekend_break_start"]
            rows.append(
                {
                    "date": date,
                    "agent_id": agent["agent_id"],
                    "scheduled": scheduled,
                    "worked": worked,
                    "absence_reason": reason,
                    "shift_start_local": f"{date} {agent['shift_start']}:00" if scheduled else "",
                    "break_start_local": f"{date} {brk}:00" if scheduled and brk else "",
                    "shift_end_local": f"{date} {agent['shift_end']}:00" if scheduled else "",
                }
            )
    return pd.DataFrame(rows)


def _roster_spans(roster: pd.DataFrame) -> list[list[tuple[float, float]]]:
    """Working spans (local hours) of every roster row."""
    spans = []
    for start, brk, end in zip(roster["shift_start_local"], roster["break_start_local"], roster["shift_end_local"]):
        if not start:
            spans.append([])
            continue
        spans.append(working_spans_hours(start[11:16], brk[11:16] if brk else "", end[11:16]))
    return spans


def on_duty_blocks(
    agents: pd.DataFrame, roster: pd.DataFrame, calendar: pd.DataFrame
) -> list[list[tuple[float, float]]]:
    """On-duty ``(start, end)`` seconds since the window's first midnight, per agent.

    A worked full-time day gives two blocks split by the break; a shift that
    ends at closing time runs ``CLOSING_OVERTIME_MINUTES`` longer.
    """
    day_index = dict(zip(calendar["date"], calendar["day_index"]))
    by_agent: dict[str, list[tuple[float, float]]] = {a: [] for a in agents["agent_id"]}
    worked = roster["worked"].to_numpy()
    for row, spans in enumerate(_roster_spans(roster)):
        if not worked[row]:
            continue
        base = day_index[roster["date"].iat[row]] * 86400.0
        for lo, hi in spans:
            if hi >= CLOSE_HOUR:
                hi += CLOSING_OVERTIME_MINUTES / 60.0
            by_agent[roster["agent_id"].iat[row]].append((base + lo * 3600.0, base + hi * 3600.0))
    return [sorted(by_agent[a]) for a in agents["agent_id"]]


def staffing_table(
    agents: pd.DataFrame, roster: pd.DataFrame, calendar: pd.DataFrame, trend_multiplier: float
) -> pd.DataFrame:
    """Agents on duty per queue per half hour (an agent counts in every queue it serves).

    Returns:
        Columns ``interval_start_local``, ``date``, ``queue_id``,
        ``planned_load_erlangs`` (the plan's expected load for a plain
        weekday), ``line_required_agents`` (the plan for the whole language
        line), ``scheduled_agents`` (pattern says on duty, before absence) and
        ``agents_on_duty`` (after absence and holiday leave), both the mean
        head count with that skill over the interval, break excluded; open
        hours only.
    """
    per_interval = MINUTES_PER_DAY // INTERVAL_MINUTES
    days = len(calendar)
    skills = dict(zip(agents["agent_id"], agents["skills"]))
    skill_matrix = np.array([[q in skills[a].split(";") for q in QUEUE_IDS] for a in agents["agent_id"]], dtype=float)
    agent_pos = {a: i for i, a in enumerate(agents["agent_id"])}
    day_index = dict(zip(calendar["date"], calendar["day_index"]))
    lo = np.arange(per_interval) * INTERVAL_MINUTES / 60.0
    hi = lo + INTERVAL_MINUTES / 60.0
    sched = np.zeros((days, per_interval, len(agents)))
    duty = np.zeros_like(sched)
    worked = roster["worked"].to_numpy()
    for row, spans in enumerate(_roster_spans(roster)):
        if not spans:
            continue
        share = sum(np.clip(np.minimum(hi, e) - np.maximum(lo, s), 0.0, None) for s, e in spans)
        share = share / (INTERVAL_MINUTES / 60.0)
        d, k = day_index[roster["date"].iat[row]], agent_pos[roster["agent_id"].iat[row]]
        sched[d, :, k] = share
        if worked[row]:
            duty[d, :, k] = share
    sched_q = sched @ skill_matrix
    duty_q = duty @ skill_matrix
    plan = planned_requirement(trend_multiplier)
    open_mask = (lo >= OPEN_HOUR) & (lo < CLOSE_HOUR)
    clock = [f"{int(h):02d}:{int(round((h % 1) * 60)):02d}:00" for h in lo[open_mask]]
    frames = []
    for k, qid in enumerate(QUEUE_IDS):
        qplan = plan[plan["queue_id"] == qid].sort_values("interval_index")
        load = qplan["load_erlangs"].to_numpy()[open_mask]
        need = qplan["line_required_agents"].to_numpy()[open_mask]
        for d, date in enumerate(calendar["date"]):
            frames.append(
                pd.DataFrame(
                    {
                        "interval_start_local": [f"{date} {c}" for c in clock],
                        "date": date,
                        "queue_id": qid,
                        "planned_load_erlangs": np.round(load, 3),
                        "line_required_agents": need,
                        "scheduled_agents": np.round(sched_q[d, open_mask, k], 3),
                        "agents_on_duty": np.round(duty_q[d, open_mask, k], 3),
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def trend_for_plan(calendar: pd.DataFrame) -> float:
    """The demand level the workforce plan is made for: the window's mean trend."""
    return float(calendar["trend_multiplier"].mean())


__all__ = [
    "build_agents",
    "build_roster",
    "on_duty_blocks",
    "staffing_table",
    "planned_requirement",
    "planning_aht_seconds",
    "trend_for_plan",
]
