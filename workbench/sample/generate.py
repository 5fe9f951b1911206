"""Generate the simulated call centre: vendor-shaped exports plus hidden truth.

:func:`generate_call_centre` is the one entry point (the CLI's
``workbench sample-data``). It chains the parts of :mod:`workbench.sample`:

calendar -> arrival rates -> calls -> agents and roster -> event-driven queue
simulation -> resolution and repeat callers -> CSAT and surveys -> exports
(with a few known defects) -> transcripts of a sample of answered calls.

Everything random comes from named streams of one seed
(:mod:`workbench.sample.randomness`), tables are written in a fixed order with
rounded floats, and nothing depends on the clock, so the same arguments give
byte-identical files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workbench.errors import InputDataError
from workbench.glossary import call_set_mask
from workbench.sample import agents as agents_mod
from workbench.sample import arrivals as arrivals_mod
from workbench.sample import contact_records as records_mod
from workbench.sample import dimensions as dims_mod
from workbench.sample import exports as exports_mod
from workbench.sample import outcomes as outcomes_mod
from workbench.sample import surveys as surveys_mod
from workbench.sample.calendar import (
    CLOSE_HOUR,
    INTERVAL_MINUTES,
    OPEN_HOUR,
    TIMEZONE,
    build_calendar,
    build_events,
    window_dates,
)
from workbench.sample.queue_sim import run_simulation
from workbench.sample.randomness import stream

SHORT_ABANDON_SECONDS = 5
TRANSCRIPT_MIN_TALK_SECONDS = 30

TRUTH_CALL_COLUMNS = [
    "call_id", "customer_id", "ani", "language", "queue", "queue_id", "topic_id",
    "date_local", "interval_start_local", "arrived_at_local", "answered_at_local", "ended_at_local",
    "arrival_offset_seconds", "outcome", "answered", "abandoned", "short_abandon", "is_phantom", "is_misdial",
    "patience_seconds", "wait_seconds", "ring_seconds", "talk_seconds", "hold_seconds", "wrap_seconds",
    "handle_seconds", "agent_id", "transferred", "transfer_to_queue_id",
    "resolution_probability", "resolved", "contact_sequence", "previous_call_id", "next_call_id",
    "csat_latent", "csat_potential", "survey_offered", "survey_response_probability", "survey_responded",
    "survey_id", "surveyed_at_local", "csat", "survey_comment",
]  # fmt: skip


def _stamp(origin: pd.Timestamp, seconds: np.ndarray) -> np.ndarray:
    """Local wall-clock strings for whole seconds after ``origin`` ("" where NaN)."""
    values = np.asarray(seconds, dtype=float)
    ok = np.isfinite(values)
    out = np.full(values.shape, "", dtype=object)
    if ok.any():
        times = origin + pd.to_timedelta(values[ok].astype(np.int64), unit="s")
        out[ok] = times.strftime("%Y-%m-%d %H:%M:%S").to_numpy()
    return out


def _simulate(
    calls: pd.DataFrame, agents: pd.DataFrame, blocks: list[list[tuple[float, float]]]
) -> pd.DataFrame:
    """Run the queue simulation and turn its output into whole-second records.

    Absolute event times are rounded to the second first and durations taken
    as their differences, so the records add up exactly and an agent's calls
    never overlap after rounding.
    """
    skills_by_agent = [
        [arrivals_mod.QUEUE_IDS.index(q) for q in s.split(";")] for s in agents["skills"]
    ]
    speed = agents["speed_factor"].to_numpy(dtype=float)
    ring = calls["ring_seconds"].to_numpy()
    talk, hold, wrap = (calls[c].to_numpy() for c in ("talk_base_seconds", "hold_base_seconds", "wrap_base_seconds"))
    result = run_simulation(
        arrival_seconds=calls["arrival_seconds"].to_numpy(),
        queue_index=calls["queue_index"].to_numpy(),
        patience_seconds=calls["patience_seconds"].to_numpy(),
        fixed_seconds=ring,
        scaled_seconds=talk + hold + wrap,
        agent_skills=skills_by_agent,
        agent_speed=speed,
        agent_blocks=blocks,
        n_queues=len(arrivals_mod.QUEUE_IDS),
        progress=True,
    )
    out = calls.copy()
    answered = result.answered
    abandoned = result.abandoned
    agent_speed = np.where(answered, speed[np.maximum(result.agent, 0)], np.nan)
    arrive = np.round(out["arrival_seconds"].to_numpy())
    assign = np.round(result.assigned_at)
    pickup = np.round(result.assigned_at + ring)
    hold_s = np.round(hold * agent_speed)
    hang_up = np.round(result.assigned_at + ring + (talk + hold) * agent_speed)
    free = np.round(result.assigned_at + result.busy_seconds)
    give_up = np.round(out["arrival_seconds"].to_numpy() + result.queue_seconds)

    out["arrival_offset_seconds"] = arrive.astype(np.int64)
    out["answered"] = answered
    out["abandoned"] = abandoned
    out["wait_seconds"] = np.where(answered, assign - arrive, np.where(abandoned, give_up - arrive, np.nan))
    out["ring_seconds"] = np.where(answered, pickup - assign, np.nan)
    out["hold_seconds"] = np.where(answered, hold_s, np.nan)
    out["talk_seconds"] = np.where(answered, hang_up - pickup - hold_s, np.nan)
    out["wrap_seconds"] = np.where(answered, free - hang_up, np.nan)
    out["handle_seconds"] = out["talk_seconds"] + out["hold_seconds"] + out["wrap_seconds"]
    out["answered_seconds"] = np.where(answered, pickup, np.nan)
    out["ended_seconds"] = np.where(answered, hang_up, np.where(abandoned, give_up, np.nan))
    out["agent_id"] = np.where(answered, agents["agent_id"].to_numpy()[np.maximum(result.agent, 0)], "")
    out["transferred"] = out["transferred"].to_numpy() & answered
    out["transfer_to_queue_id"] = np.where(out["transferred"], out["transfer_to_queue_id"], "")
    short = abandoned & (out["wait_seconds"].to_numpy() < SHORT_ABANDON_SECONDS)
    out["short_abandon"] = short
    out["outcome"] = np.select(
        [short, abandoned, answered & out["is_phantom"].to_numpy(), out["transferred"].to_numpy(), answered],
        ["short_abandon", "abandoned", "phantom", "transferred", "answered"],
        default="unserved",
    )
    return out


def _call_ids(arrival_offset: np.ndarray, origin: pd.Timestamp) -> list[str]:
    day = (arrival_offset // 86400).astype(np.int64)
    ids = []
    seq = 0
    last = -1
    for d in day:
        seq = seq + 1 if d == last else 1
        last = d
        ids.append(f"C{(origin + pd.Timedelta(days=int(d))).strftime('%Y%m%d')}-{seq:05d}")
    return ids


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _csv(frame: pd.DataFrame) -> bytes:
    return exports_mod.to_csv_bytes(frame)


def _transcripts(
    calls: pd.DataFrame, agents: pd.DataFrame, count: int, seed: int
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame] | None, str]:
    """Pick the calls to transcribe and, when the module is there, transcribe them."""
    eligible = calls[calls["outcome"].isin(["answered", "transferred"])
                     & (calls["talk_seconds"].fillna(0) >= TRANSCRIPT_MIN_TALK_SECONDS)]
    count = min(count, len(eligible))
    rng = stream(seed, "transcript-selection")
    picks = np.sort(rng.choice(len(eligible), size=count, replace=False)) if count else np.array([], dtype=int)
    chosen = eligible.iloc[picks].sort_values("call_id", kind="stable").copy()
    chosen["answered_at"] = pd.to_datetime(chosen["answered_at_local"])
    chosen["started_at"] = pd.to_datetime(chosen["arrived_at_local"])
    if count == 0:
        return chosen, None, "no transcripts requested"
    try:
        from workbench.sample.transcripts import generate_transcripts
    except ImportError as exc:
        return chosen, None, f"skipped: workbench.sample.transcripts is not available ({exc})"
    columns = ["call_id", "customer_id", "language", "queue", "queue_id", "topic_id", "agent_id",
               "arrived_at_local", "answered_at_local", "answered_at", "started_at", "talk_seconds"]
    frames = generate_transcripts(chosen[columns].reset_index(drop=True),
                                  agents[["agent_id", "name", "uses_prohibited_phrase"]], seed)
    return chosen, frames, "generated"


def _interval_report(calls: pd.DataFrame, out: Path) -> str:
    """Write the ACD interval report of the same calls and its truth when the module is there; say what happened.

    The report is another view of the calls in ``acd_calls.csv``: it loads into
    the store's ``interval_stats``, never into ``calls``.
    """
    try:
        from workbench.sample.interval_report import interval_report_table, write_interval_report
    except ImportError as exc:
        return f"skipped: workbench.sample.interval_report is not available ({exc})"
    # The ACD counts what it logged: a phantom call (a system artefact only the truth knows) is in its call
    # records as answered (exports.DISPOSITIONS), so its interval report counts it as answered too.
    answered_codes = {code for outcome, code in exports_mod.DISPOSITIONS.items() if outcome == "answered"}
    as_logged = calls.assign(outcome=[
        "answered" if exports_mod.DISPOSITIONS.get(outcome) in answered_codes else outcome
        for outcome in calls["outcome"]])
    write_interval_report(as_logged, out / exports_mod.INTERVAL_REPORT_FILE)
    truth = interval_report_table(as_logged)
    truth["interval_start"] = pd.to_datetime(truth["interval_start"]).dt.strftime("%Y-%m-%d %H:%M:%S")
    _write(out / "truth" / "interval_report.csv", _csv(truth.round(4)))
    return "generated"


def generate_call_centre(
    out_dir: Path,
    days: int = 28,
    seed: int = 7,
    date_from: str = "2026-01-05",
    transcript_calls: int = 1200,
) -> dict[str, Any]:
    """Simulate a two-line call centre and write its exports and hidden truth.

    Args:
        out_dir: folder to write into (created; existing files are overwritten).
        days: number of days to simulate, starting at ``date_from``.
        seed: the single seed of every random draw.
        date_from: first local date, ISO format.
        transcript_calls: answered calls to write transcripts for.

    Returns:
        Summary counts: ``calls``, ``answered``, ``abandoned``,
        ``short_abandons``, ``transferred``, ``phantom``, ``customers``,
        ``repeat_calls``, ``surveys``, ``agents``, ``transcripts`` (calls
        transcribed), ``transcripts_status``, ``export_defects``, the overall
        ``service_level_20s`` and ``abandon_rate`` (counted as in the KPIs: answered
        within 20 s, and abandoned after 5 s or more, over the offered calls that
        are not short abandons), and the window ``date_from``/``date_to``.

    The files and their columns are described in ``out_dir/README.md`` and
    ``out_dir/truth/README.md``.
    """
    out = Path(out_dir)
    if days < 1:
        raise InputDataError(f"days must be at least 1, found {days}", field="days")
    dates = window_dates(date_from, days)
    origin = pd.Timestamp(dates[0].isoformat())

    calendar = build_calendar(date_from, days, seed)
    events = build_events(date_from, days, seed)
    rates = arrivals_mod.minute_rates(calendar)
    rate_table = arrivals_mod.arrival_rate_table(calendar, rates)
    calls = arrivals_mod.sample_calls(rates, stream(seed, "arrivals"))

    trend = agents_mod.trend_for_plan(calendar)
    agents = agents_mod.build_agents(trend, stream(seed, "agents"))
    roster = agents_mod.build_roster(agents, calendar, stream(seed, "roster"))
    blocks = agents_mod.on_duty_blocks(agents, roster, calendar)
    staffing = agents_mod.staffing_table(agents, roster, calendar, trend)

    calls = _simulate(calls, agents, blocks)
    calls["call_id"] = _call_ids(calls["arrival_offset_seconds"].to_numpy(), origin)
    calls = outcomes_mod.resolve_calls(calls, agents, stream(seed, "resolution"))
    calls = outcomes_mod.link_customers(calls, stream(seed, "customers"))
    calls = surveys_mod.score_csat(calls, agents, stream(seed, "csat"))
    calls = surveys_mod.run_surveys(calls, stream(seed, "surveys"))

    calls["date_local"] = _stamp(origin, calls["arrival_offset_seconds"].to_numpy())
    calls["date_local"] = calls["date_local"].str[:10]
    interval = (calls["arrival_offset_seconds"].to_numpy() // (INTERVAL_MINUTES * 60)) * INTERVAL_MINUTES * 60
    calls["interval_start_local"] = _stamp(origin, interval)
    calls["arrived_at_local"] = _stamp(origin, calls["arrival_offset_seconds"].to_numpy())
    calls["answered_at_local"] = _stamp(origin, calls["answered_seconds"].to_numpy())
    calls["ended_at_local"] = _stamp(origin, calls["ended_seconds"].to_numpy())
    calls["surveyed_at_local"] = _stamp(origin, calls["survey_seconds"].to_numpy())
    survey_order = calls[calls["survey_responded"]].sort_values(["survey_seconds", "call_id"], kind="stable").index
    calls["survey_id"] = ""
    calls.loc[survey_order, "survey_id"] = [f"S{i + 1:07d}" for i in range(len(survey_order))]
    calls["patience_seconds"] = np.round(calls["patience_seconds"], 3)
    for column in ("wait_seconds", "ring_seconds", "talk_seconds", "hold_seconds", "wrap_seconds", "handle_seconds"):
        calls[column] = calls[column].round().astype("Int64")
    truth_calls = calls[TRUTH_CALL_COLUMNS].reset_index(drop=True)

    # Custom fields come from their own streams, after everything above: the calls are those of a run without them.
    custom = dims_mod.assign_dimensions(truth_calls, stream(seed, "dimensions"), stream(seed, "agent-marks"))
    acd = exports_mod.acd_table(truth_calls, custom)
    zh = exports_mod.zh_table(acd, truth_calls, custom)
    records = records_mod.contact_records(truth_calls, custom)
    survey_export = exports_mod.survey_table(truth_calls)
    acd, zh, survey_export, defects = exports_mod.inject_defects(acd, zh, survey_export, stream(seed, "defects"))

    chosen, transcript_frames, transcript_status = _transcripts(truth_calls, agents, transcript_calls, seed)

    # ------------------------------------------------------------------ write
    _write(out / "events.csv", _csv(events))
    _write(out / exports_mod.ACD_FILE, _csv(acd))
    _write(out / exports_mod.ZH_FILE, exports_mod.to_csv_bytes(zh, encoding="gb18030", line_end="\r\n"))
    _write(out / exports_mod.SURVEY_FILE, _csv(survey_export))
    _write(out / records_mod.CONTACT_RECORDS_FILE, records_mod.to_jsonl_bytes(records))
    _write(out / "exports/agents.csv", _csv(exports_mod.agent_table(agents)))
    _write(out / "exports/queues.csv", _csv(exports_mod.queue_table()))
    _write(out / exports_mod.AGENT_STATES_FILE, _csv(exports_mod.agent_state_table(agents["agent_id"], blocks, origin)))
    truth = out / "truth"
    _write(truth / "calls.csv", _csv(truth_calls))
    _write(truth / "agents.csv", _csv(agents))
    _write(truth / "roster.csv", _csv(roster))
    _write(truth / "arrival_rates.csv", _csv(rate_table))
    _write(truth / "staffing.csv", _csv(staffing))
    _write(truth / "calendar.csv", _csv(calendar))
    _write(truth / "export_defects.csv", _csv(defects))
    truth_custom = custom.drop(columns=["channel_as_exported"]).assign(
        **{c: custom[c].astype(object).where(custom[c].notna(), "") for c in ("vip", "resolved_mark")})
    _write(truth / "call_dimensions.csv", _csv(truth_custom))
    _write(truth / "dimension_effects.csv", _csv(dims_mod.dimension_effects(truth_calls, custom)))
    marks = dims_mod.resolution_marks(truth_calls, custom)
    _write(truth / "resolution_marks.json", (json.dumps(marks, indent=2, sort_keys=True) + "\n").encode("utf-8"))
    interval_status = _interval_report(truth_calls, out)
    _write(truth / "csat_model.json", (json.dumps(surveys_mod.CSAT_MODEL, indent=2, sort_keys=True,
                                                  ensure_ascii=False) + "\n").encode("utf-8"))
    transcribed = 0
    if transcript_frames is not None:
        segments = transcript_frames["segments"]
        transcribed = int(segments["call_id"].nunique()) if len(segments) else 0
        _write(out / "transcripts.csv", _csv(segments))
        _write(truth / "topics.csv", _csv(chosen[["call_id", "topic_id", "language", "queue_id"]]))
        _write(truth / "pii_spans.csv", _csv(transcript_frames["pii_spans"]))
        _write(truth / "compliance.csv", _csv(transcript_frames["compliance"]))
        if "topic_mentions" in transcript_frames:
            _write(truth / "topic_mentions.csv", _csv(transcript_frames["topic_mentions"]))

    answered = truth_calls["answered"].to_numpy()
    in_time = call_set_mask(truth_calls, "answered_in_time", target_answer_seconds=20)
    abandoned = call_set_mask(truth_calls, "abandoned")
    counted = int((call_set_mask(truth_calls, "offered") & ~call_set_mask(truth_calls, "short_abandoned")).sum())
    summary: dict[str, Any] = {
        "date_from": dates[0].isoformat(),
        "date_to": dates[-1].isoformat(),
        "days": days,
        "seed": seed,
        "calls": int(len(truth_calls)),
        "answered": int(answered.sum()),
        "abandoned": int(truth_calls["abandoned"].sum()),
        "short_abandons": int(truth_calls["short_abandon"].sum()),
        "transferred": int(truth_calls["transferred"].sum()),
        "phantom": int((truth_calls["outcome"] == "phantom").sum()),
        "customers": int(truth_calls["customer_id"].nunique()),
        "repeat_calls": int((truth_calls["contact_sequence"] > 1).sum()),
        "surveys": int(truth_calls["survey_responded"].sum()),
        "agents": int(len(agents)),
        "transcripts": transcribed,
        "transcripts_status": transcript_status,
        "export_defects": int(len(defects)),
        "service_level_20s": round(float(in_time.sum() / counted), 4) if counted else None,
        "abandon_rate": round(float(abandoned.sum() / counted), 4) if counted else None,
        "events": int(len(events)),
        "contact_records": len(records),
        "interval_report": interval_status,
    }
    _write(out / "README.md", _readme(summary).encode("utf-8"))
    _write(truth / "README.md", TRUTH_README.encode("utf-8"))
    return summary


def _readme(summary: dict[str, Any]) -> str:
    counts = "\n".join(f"| {k} | {v} |" for k, v in summary.items())
    return f"""# Simulated call centre

Generated by `workbench.sample.generate.generate_call_centre` (seed {summary['seed']},
{summary['days']} days from {summary['date_from']} to {summary['date_to']}). Same arguments, same bytes.

A two-line (zh: Mandarin, en: English) centre with queues billing, tech_support, complaints and sales,
open {OPEN_HOUR:02d}:00-{CLOSE_HOUR:02d}:00 local time ({TIMEZONE}), simulated call by call with a
discrete-event queue model. Everything an analysis should find is in `truth/` (see `truth/README.md`);
the files outside `truth/` are what an analyst would receive.

| file | what |
| --- | --- |
| `exports/acd_calls.csv` | ACD call detail records, UTF-8, English vendor shape (`Call ID, Skill, Line, ANI, DNIS, Call Start, Call End, Queue Time, Ring Time, Talk Time, Hold Time, Wrap Time, Disposition, Agent ID, Transfer To`); local times `YYYY/MM/DD HH:MM:SS`, durations `H:MM:SS`; dispositions ANSWERED, XFER, ABANDON, SHORT_ABANDON (< {SHORT_ABANDON_SECONDS} s in queue). Custom fields follow: `Region, Brand, MemberTier, Channel` (typed by hand: `Phone`/`phone`/`PHONE`, `App Callback`/`App-Callback`/..., near duplicates of three channels), `VIP` (Y/N), `Order Value` (these are empty when the number was withheld), and the agent's wrap-up `Resolved` (Y/N, sometimes empty), `Wrap Code`, `Contact Reason`. Contains a few deliberate defects. |
| `exports/acd_calls_zh_gb18030.csv` | The Mandarin line's records from a Chinese vendor: GB18030, CRLF, headers 通话编号, 技能组, 主叫号码, 被叫号码, 开始时间, 结束时间, 排队时长(秒), 振铃时长(秒), 通话时长(秒), 保持时长(秒), 话后处理时长(秒), 处理结果 (已接听/已转接/放弃/短时放弃), 坐席工号, 转接技能组; times `YYYY-MM-DD HH:MM:SS`, durations in whole seconds, skills by Chinese queue name. This vendor leaves 排队时长 empty on abandoned calls. Custom fields in Chinese: 区域, 品牌, 会员等级, 渠道, VIP客户 (是/否), 客单价, 是否解决 (是/否), 小结代码, 来电原因. |
| `exports/surveys.csv` | Post-call survey responses: `Survey ID, Call ID, Survey Time, CSAT, Comment, Channel` (IVR within 2 minutes of the call's end, else SMS), `Survey Type` (post_call, follow_up). |
| `exports/agents.csv` | Agent list: `Agent ID, Agent Name, Team, Languages, Skills` (vendor skill names joined by `|`), `Contract, Shift, Days Off, Hire Date, Site` (Chengdu, Guangzhou, Shenzhen), `Skill Tags` (`;`-separated queue families, `bilingual`, `mentor`). |
| `exports/contact_records.jsonl` | The app and web callbacks as a cloud contact centre's contact records: JSON Lines, one nested object per contact (`ContactId` = the call id, `InitiationTimestamp`, `DisconnectTimestamp` in UTC with offset, `Queue {{Name, EnqueueTimestamp, DequeueTimestamp, Duration}}`, `Agent {{Username, ConnectedToAgentTimestamp, AgentInteractionDuration, CustomerHoldDuration, AfterContactWorkDuration}}` or `null` when no agent took it, `CustomerEndpoint`, `DisconnectReason`, `Attributes {{call_result, callback_source, region, brand, member_tier, vip, resolved, wrap_code, contact_reason}}`). |
| `exports/interval_report.csv` | The same calls as an ACD interval report (when `workbench.sample.interval_report` is installed): per queue and 30-minute interval, `;`-separated, decimal commas, service level as `94,01%`, ASA and AHT as `H:MM:SS`, Chinese headers. A summary of the calls, not more calls: it loads into `interval_stats`. |
| `exports/agent_states.csv` | Agent states from the workforce system: `Agent ID, State, State Start, State End`; READY while logged in and taking calls (including talk and wrap), BREAK for the break between a day's two blocks; local times `YYYY/MM/DD HH:MM:SS`. Occupancy is handle time over READY time. |
| `exports/queues.csv` | Skills/queues: `Skill, Queue ID, Queue Name, Queue Name ZH, Language, Line, DNIS, Service Level Target, Target Answer Seconds`. |
| `events.csv` | Calendar of special days: `date, event_type, name, volume_multiplier, queues_affected` (public holidays, holiday-period weekends, make-up workdays, the first working day after a holiday, promotions). |
| `transcripts.csv` | Transcript segments of a sample of answered calls (when the transcript generator is installed): `call_id, turn_index, speaker, start_seconds, end_seconds, text, language`. |

Transfers are modelled as a flag plus extra talk time on the answering agent (a warm-transfer consult);
the receiving leg is not simulated as a separate queued call, so every row is one offered call and the
queue arrivals equal `truth/arrival_rates.csv`.

## Summary

| count | value |
| --- | --- |
{counts}
"""


TRUTH_README = f"""# Ground truth of the simulated call centre

Every analysis of the generated data is scored against these files. Local times are wall-clock
{TIMEZONE} (UTC+8, no daylight saving), written `YYYY-MM-DD HH:MM:SS`; durations are whole seconds
unless a column says otherwise. Booleans are `True`/`False`; empty cells are missing values.

## calls.csv: one row per offered call (clean, no defects)
- `call_id`: id used in every export (`C<yyyymmdd>-<n>`, numbered by arrival within the day).
- `customer_id`, `ani`: the caller and the number the switch saw (`anonymous` when withheld). Repeat
  calls of one issue share the customer id.
- `language` (zh, en), `queue` (base name), `queue_id` (e.g. billing_zh), `topic_id` (catalog topic).
- `date_local`, `interval_start_local` (30-minute interval of arrival), `arrived_at_local`,
  `answered_at_local` (agent picked up, after ringing), `ended_at_local` (caller hung up: end of talk
  and hold, or the moment of abandoning; wrap-up not included); `arrival_offset_seconds`: seconds since
  local midnight of the first day.
- `outcome`: answered, transferred, phantom (answered misdial/silent call of a few seconds),
  abandoned, short_abandon (hung up after less than {SHORT_ABANDON_SECONDS} s in queue); flags
  `answered`, `abandoned`, `short_abandon`, `is_phantom` (a phantom caller may also have abandoned),
  `is_misdial` (patience of a few seconds by construction).
- `patience_seconds`: how long the caller was willing to wait (exponential; misdials 0.5-5 s).
- `wait_seconds`: queue time until an agent was reserved or until the caller hung up.
- `ring_seconds`, `talk_seconds` (excluding hold, including any transfer consult), `hold_seconds`,
  `wrap_seconds`, `handle_seconds` = talk + hold + wrap. Ring, talk, hold and wrap are empty when not
  answered. An agent's calls never overlap: next ring starts at or after the previous wrap ends.
- `agent_id`, `transferred`, `transfer_to_queue_id`: transfers are a flag plus extra talk time on the
  answering agent; the receiving leg is not a separate record.
- `resolution_probability`: true chance this contact resolves the issue
  (logit(topic resolution_probability) + agent resolution_logit_effect
  {outcomes_mod.TRANSFER_RESOLUTION_LOGIT:+} if transferred); `resolved`: whether it did (abandoned:
  False; phantom: True).
- `contact_sequence`: 1 for the first contact about an issue, 2 for the first repeat, ...;
  `previous_call_id` / `next_call_id` link the contacts of one issue. Open issues lead to a repeat call
  with probability {outcomes_mod.RETRY_PROBABILITY} (delays: lognormal, medians
  20 h / 15 min / 5 min); the repeat is the next arrival on the same queue and topic after the delay,
  within 7 days, so repeats do not add to the arrival process. True first-contact resolution is
  `resolved` on rows with `contact_sequence == 1`.
- `csat_latent`, `csat_potential`: latent score and the 1-5 CSAT the caller would give (answered and
  transferred calls only; see csat_model.json); `survey_offered`, `survey_response_probability` (true
  propensity if offered), `survey_responded`, `survey_id`, `surveyed_at_local`, `csat` (observed score),
  `survey_comment`.

## agents.csv: one row per agent
`agent_id, name, line, languages, skills` (queue ids, `;`-separated), `primary_queue_id, contract`
(full_time 8 h + 30 min break; part_time 4 h), `shift_start, break_start, shift_end` (HH:MM local),
`days_off, tenure_months`, and the hidden traits: `speed_factor` (multiplies talk, hold and wrap-up),
`csat_effect` (added to the latent CSAT), `resolution_logit_effect` (added to the log-odds of resolving),
`uses_prohibited_phrase` (the transcript generator makes these agents use a prohibited phrase).

## roster.csv: one row per agent and date
`date, agent_id, scheduled` (the pattern says work), `worked, absence_reason` (day_off, holiday_leave,
sick), `shift_start_local, break_start_local, shift_end_local`. Shifts ending at
{CLOSE_HOUR:02d}:00 run {agents_mod.CLOSING_OVERTIME_MINUTES} minutes over to clear the queue.

## arrival_rates.csv: the true arrival process
`interval_start_local, date, queue_id, language, queue, day_type, is_open, expected_calls`: the Poisson
mean of the number of calls arriving in each 30-minute interval (every interval of every day; zero while
closed). Arrivals are a non-homogeneous Poisson process, constant within each minute.

## staffing.csv: agents on duty per queue and open interval
`interval_start_local, date, queue_id, planned_load_erlangs` (the workforce plan's load for a plain
weekday), `line_required_agents` (the plan for the language line: square-root staffing
A + {agents_mod.SQRT_STAFFING_BETA} sqrt(A) + {agents_mod.SKILL_FRAGMENTATION_AGENTS}), `scheduled_agents`
(pattern says on duty) and `agents_on_duty` (after absence and holiday leave): mean head count with the
queue's skill over the interval, breaks excluded. A multi-skilled agent counts in every queue it serves.

## calendar.csv: one row per date
`date, day_index, weekday, weekday_name, day_type` (weekday, weekend, holiday; a make-up Saturday is a
weekday), `holiday_name, day_of_week_multiplier, trend_multiplier` and `multiplier_<queue_id>`: the
day's expected volume relative to an average weekday, events included.

## csat_model.json
The ordered-logit CSAT model (coefficients, feature definitions, cut points) and the survey offer and
response model (the response depends on the score itself, so observed CSAT is a biased sample).

## export_defects.csv: rows broken on purpose
`file, line_number` (physical line, header = 1), `call_id` (the true id of the affected call),
`defect_type` (negative_duration, end_before_start, exact_duplicate, unknown_disposition,
missing_call_id, csat_out_of_range, unknown_call_id), `column, bad_value, reason`. Every other row of
the exports is consistent with calls.csv.

## call_dimensions.csv: the custom fields of every call (clean, no export spelling)
`call_id, region` (north, south, east, west), `brand` (orbit, nimbus), `member_tier` (standard, silver,
gold, platinum), `vip`, `order_value` (these five belong to the customer: every contact of one customer
has the same; they are empty for a caller who withheld the number, whom no customer record matches, and
so are the exports' fields), `channel` (phone, app_callback, web_callback), and what the agent typed at wrap-up:
`resolved_mark` (the agent's resolved mark; empty when no agent wrapped up or the agent left it),
`disposition_code` (INFO_GIVEN, FIXED, FOLLOW_UP, ESCALATED, NO_CONTACT; empty when not handled) and
`contact_reason` (the topic id the agent picked, `other`; right {dims_mod.REASON_RIGHT_SHARE:.0%} of the
time). They are drawn after the simulation from their own random streams, so calls.csv and the other
truth files are as they would be without them. Customers' regions are weighted
{", ".join(f"{k} {v:g}" for k, v in dims_mod.REGION_WEIGHTS.items())} (the south brings 1.3 times the north's calls). Tier and brand are drawn with odds tilted by the customer's experience: gold and platinum members'
calls are longer and better rated, nimbus customers rate lower (`workbench/sample/dimensions.py`).

## dimension_effects.csv: what an analysis by dimension should find
`dimension, value, calls, volume_share, answered, aht_seconds, csat_potential_mean, csat_responses,
csat_mean, aht_ratio, csat_difference`, counted as the KPIs count (answered = answered + transferred; AHT
over answered calls; CSAT over survey responses); the ratio and difference are against the first value
of the dimension (north, orbit, standard, False, phone). Calls without a value form `(unknown)`.

## resolution_marks.json: the agent's resolved mark against repeat calls
An agent marks {dims_mod.MARK_RESOLVED_IF_RESOLVED:.0%} of resolved and {dims_mod.MARK_RESOLVED_IF_UNRESOLVED:.0%}
of unresolved contacts resolved ({dims_mod.MARK_MISSING_SHARE:.0%} left empty), so the agent-marked FCR
(`agent_marked_fcr`) is optimistic against the true rate (`true_resolution_rate`) and against the
repeat-based FCR the KPIs compute (`repeat_based_fcr`: answered calls from a known caller number not
followed by another non-phantom call from it within `repeat_window_days`). A call marked resolved is
followed by a repeat far less often (`repeat_after_marked_resolved`) than one marked unresolved
(`repeat_after_marked_unresolved`).

## interval_report.csv: what the interval report holds (when it was written)
The numbers behind `exports/interval_report.csv`, unrounded: `queue_id, interval_start, offered,
answered, abandoned, short_abandoned, answered_in_target, service_level, asa_seconds, aht_seconds,
average_talk_seconds` per queue and 30-minute interval, counted as the KPIs count.

## Transcript truth (present when transcripts were generated)
- `topics.csv`: `call_id, topic_id, language, queue_id` of every transcribed call.
- `pii_spans.csv`: `call_id, turn_index, char_start, char_end, pii_type, text` of personal data in
  `transcripts.csv`.
- `compliance.csv`: `call_id, agent_id, disclosure_present, prohibited_phrase_used, prohibited_phrase,
  disclosure_turn_index`.
- `topic_mentions.csv`: `call_id, turn_index, topic_id, is_primary`.
"""
