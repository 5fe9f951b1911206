"""Which diarized speaker is the agent and which the customer, from what each says.

Diarization (:mod:`workbench.speech.diarization`) tells voices apart but not
who is who. Agents follow scripts that customers do not: the greeting with the
company name (``您好，这里是…`` / ``thank you for calling``), the recording
disclosure (``本次通话可能会被录音`` / ``this call may be recorded``), asking
for identity details (``请问您的手机号`` / ``can I have your account number``),
the closing (``还有什么可以帮您`` / ``is there anything else``), the polite
``您``. Customers say what they want and what is theirs (``我想`` / ``我的账户``
/ ``投诉`` / ``I want to`` / ``my bill`` / ``I've been waiting``).

Scoring. Each cue (:data:`ROLE_CUES`: role, regular expression, weight) counts
at most once per segment. A speaker's *evidence* is the sum of the agent cue
weights in their segments minus the customer ones, plus :data:`FIRST_VOICE_PRIOR`
for the first voice heard (calls are usually answered by the agent; kept weak
so that words decide). The agent is the speaker with the most evidence; the
*margin* is the agent's evidence minus another speaker's, and

    confidence = tanh(margin / CONFIDENCE_SCALE)        (0 = no evidence either way, -> 1 = clear)

so one scripted phrase (weight 2) gives 0.76 (0.85 with the first-voice
prior), the prior alone 0.24, the prior and one weak cue (weight 1) 0.64.
The agent's confidence is its margin over the runner-up; each other
speaker's is the agent's margin over them. A speaker whose confidence is
below :data:`MIN_CONFIDENCE`, and every speaker of a one-speaker call, keeps
its diarized label (``speaker_1``, ...): no guessing.

The cues are data: a centre adds its own scripts in
``parameters/speech_roles.yaml`` (``agent:`` / ``customer:`` lists of
``{pattern: <regex>, weight: <number>}``), appended to the built-in ones.
Patterns are matched on NFKC-normalised, lower-cased text; patterns holding
Chinese characters are matched with all spaces removed (transcripts of
Mandarin may put spaces between words).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workbench.errors import ParameterError
from workbench.glossary import require_columns
from workbench.paths import parameters_dir
from workbench.text_language import cjk_share

__all__ = [
    "ROLES_VERSION",
    "roles_fingerprint",
    "ROLE_CUES",
    "FIRST_VOICE_PRIOR",
    "CONFIDENCE_SCALE",
    "MIN_CONFIDENCE",
    "RoleCue",
    "role_cues",
    "cue_scores",
    "assign_roles",
    "apply_roles",
    "is_diarized_label",
]

#: Changes whenever the cues, weights or the rule change: part of what determines stored roles.
ROLES_VERSION = "script-cues-1"
#: Evidence for the first voice heard being the agent (a quarter of one scripted phrase).
FIRST_VOICE_PRIOR = 0.5
#: Margin that gives confidence tanh(1) = 0.76.
CONFIDENCE_SCALE = 2.0
#: Below this a speaker keeps its ``speaker_N`` label: it needs a margin of 1.73, more than the
#: prior plus one weak cue (1.5); one scripted phrase (2.0) is enough.
MIN_CONFIDENCE = 0.7
#: Longest text looked at per segment (characters): bounds the cost of hostile or runaway text.
MAX_TEXT_CHARS = 2000
_DIARIZED = re.compile(r"^speaker_\d+$")

# Weights: 2 = a scripted phrase only agents say; 1 = typical of one side; 0.5 = a weak hint.
#: Built-in cues ``(role, pattern, weight)``; extended by ``parameters/speech_roles.yaml``.
ROLE_CUES: tuple[tuple[str, str, float], ...] = (
    # --- agent, English: greeting, disclosure, identity checks, service phrases, closing
    ("agent", r"\bthank(s| you) for (calling|contacting|holding|waiting)\b", 2.0),
    ("agent", r"\b(welcome to|you've reached|you have reached)\b", 2.0),
    ("agent", r"\b(how|what) (can|may) i (help|assist|do for) you\b|\bhow can i help\b", 2.0),
    ("agent", r"\bmy name is \w+[^.?!]{0,40}\b(help|assist)", 2.0),
    ("agent", r"\bthis is \w+( \w+)?,? (from|at|with|speaking)\b|^\W*[\w ]{2,40}, this is \w+\b", 1.0),
    ("agent", r"\b(this |your )?call (may|will|might|is going to) be (recorded|monitored)\b"
              r"|\brecorded for (quality|training)\b|\b(quality|training) purposes\b", 2.0),
    ("agent", r"\b(can|could|may) i (have|get|take|confirm) (your|the) (full )?(account|phone|call ?back|date of birth|"
              r"post ?code|zip|name|number|address|email|card|customer|reference)", 2.0),
    ("agent", r"\b(verify|confirm) (your|the|some|a few) (identity|details|account|name|number|address|date of birth)"
              r"|\bfor (security|verification) (purposes|reasons)\b", 2.0),
    ("agent", r"\bwhat is (the|your) (phone|account|call ?back|reference|order) number\b", 1.5),
    ("agent", r"\b(is there )?anything else (i|we) can (help|do|assist)\b|\bis there anything else\b", 2.0),
    ("agent", r"\bthank you for (your patience|waiting|holding)\b|\bsorry (to hear|for the (inconvenience|wait))\b"
              r"|\bi apologi[sz]e\b", 1.0),
    ("agent", r"\b(let me|i('ll| will)) (check|look|pull up|transfer|escalate|raise|credit|refund|remove|reset|"
              r"book|send|waive|fix)\b|\bi can help( you)? with that\b", 1.0),
    ("agent", r"\b(have a|enjoy your) (great|nice|good|lovely) (day|evening|weekend)\b", 0.5),
    # --- agent, Mandarin
    ("agent", r"您好[,，]?(这里是|欢迎致电)|这里是.{0,12}(客服|服务|热线)|欢迎致电", 2.0),
    ("agent", r"很高兴为您服务|(客服|坐席|服务)?工号|我是.{0,8}(客服|专员|号)", 2.0),
    ("agent", r"(本次|您的)?通话(可能|将|会)?(会|将)?被?(全程)?录音|录音", 2.0),
    ("agent", r"请问(有什么|有啥|有哪些|还有什么)?(可以|需要|能)?(帮|为)(您|你)|有什么可以帮(您|你)", 2.0),
    ("agent", r"请问您的(身份证|手机|电话|姓名|账号|账户|卡号|订单|会员)|(核实|验证|确认)一下您的|身份证(号)?(码)?(后|的后)?(四|六|4|6)位",
     2.0),
    ("agent", r"还有(什么|其他|别的)(问题|事情|业务)?(可以|需要|要)?(帮|为)(您|你)|祝您(生活愉快|愉快|一切顺利)"
              r"|感谢(您的)?(来电|耐心|等待)", 2.0),
    ("agent", r"请(您)?稍等|(我|这边)(帮您|给您|为您|马上)(查|看|处理|核实|登记|反馈|申请|办理)|给您带来(的)?不便|非常抱歉", 1.0),
    ("agent", r"您", 0.5),
    # --- customer, English
    ("customer", r"\bi (want|wanna|need) to\b"
                 r"|\bi('d| would) like to (cancel|complain|know|change|speak|report|get)\b", 1.0),
    ("customer", r"\bmy (bill|statement|account|internet|phone|order|card|payment|package|service|connection|refund|"
                 r"contract|plan|router|parcel|delivery)\b", 1.0),
    ("customer", r"\bi('ve| have) been (waiting|charged|trying|on hold)\b"
                 r"|\bi (was|got|am being) (charged|billed)\b", 1.5),
    ("customer", r"\b(complain|complaint)\b|\b(ridiculous|unacceptable|not good enough)\b"
                 r"|\bnobody (showed|came|called)\b"
                 r"|\b(stopped|isn't|is not|not) working\b|\bi do not recognize\b|\bi don't recognize\b", 1.0),
    ("customer", r"\bcancel my\b|\bwhy (is|was|did|does|do) (my|i|you)\b"
                 r"|\bi (called|rang) (before|yesterday|last)\b", 1.0),
    # --- customer, Mandarin
    ("customer", r"我(想|要)(问|查|投诉|退|办|改|取消|咨询|反映|了解)?", 1.0),
    ("customer", r"我(的|家)(账户|账号|订单|卡|话费|快递|钱|手机|宽带|网|套餐|包裹|信用卡|银行卡)", 1.0),
    ("customer", r"投诉|怎么回事|为什么(我|还|一直|又|会)|一直(没|不|显示|失败)|等了|退款|扣(了|费|钱)|乱收费", 1.0),
    ("customer", r"我(打|来|问)过|帮我(查|看|处理|退)|你们(怎么|为什么|这)", 1.0),
)


@dataclass(frozen=True)
class RoleCue:
    """One compiled cue: ``role`` (agent|customer), ``pattern`` text, ``weight`` > 0."""

    role: str
    pattern: str
    weight: float
    regex: re.Pattern
    cjk: bool


def _compile(role: Any, pattern: Any, weight: Any, where: str) -> RoleCue:
    if role not in ("agent", "customer"):
        raise ParameterError(f"{where}: role must be 'agent' or 'customer', got {role!r}", field=where)
    if not isinstance(pattern, str) or not pattern.strip():
        raise ParameterError(f"{where}: pattern must be a non-empty regular expression, got {pattern!r}", field=where)
    try:
        value = float(weight)
    except (TypeError, ValueError):
        raise ParameterError(f"{where}: weight must be a number, got {weight!r}", field=where) from None
    if not (0 < value <= 10):
        raise ParameterError(f"{where}: weight must be in (0, 10], got {value}", field=where)
    text = unicodedata.normalize("NFKC", pattern).lower()
    try:
        regex = re.compile(text)
    except re.error as error:
        raise ParameterError(f"{where}: invalid regular expression {pattern!r} ({error})", field=where) from None
    return RoleCue(role, pattern, value, regex, cjk_share(text) > 0)


def _read_yaml(path: Path) -> list[RoleCue]:
    import yaml

    try:
        values = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise ParameterError(f"{path}: not valid YAML ({error})", field="speech_roles") from None
    if not isinstance(values, Mapping):
        raise ParameterError(f"{path}: expected a mapping with 'agent' and/or 'customer' lists", field="speech_roles")
    unknown = set(values) - {"agent", "customer"}
    if unknown:
        raise ParameterError(f"{path}: unknown keys {sorted(unknown)}; expected 'agent' and/or 'customer'",
                             field=sorted(unknown)[0])  # fmt: skip
    cues = []
    for role in ("agent", "customer"):
        for number, item in enumerate(values.get(role) or [], start=1):
            where = f"{role}[{number}]"
            if isinstance(item, str):
                item = {"pattern": item}
            if not isinstance(item, Mapping):
                raise ParameterError(f"{path}: {where} must be a pattern or {{pattern, weight}}", field=where)
            cues.append(_compile(role, item.get("pattern"), item.get("weight", 2.0), f"{path.name}:{where}"))
    return cues


@lru_cache(maxsize=8)
def _cues_cached(path: str | None, mtime: float | None) -> tuple[RoleCue, ...]:
    built_in = [_compile(role, pattern, weight, f"ROLE_CUES[{i}]")
                for i, (role, pattern, weight) in enumerate(ROLE_CUES)]
    return tuple(built_in + (_read_yaml(Path(path)) if path else []))


def role_cues(path: str | Path | None = None) -> tuple[RoleCue, ...]:
    """The built-in :data:`ROLE_CUES` plus the centre's own from ``path``.

    Args:
        path: a YAML file (``agent:`` / ``customer:`` lists of ``{pattern, weight}`` or plain
            patterns, weight 2 by default); default ``parameters/speech_roles.yaml`` when it exists.

    Raises:
        ParameterError: a bad role, pattern or weight (naming the entry).
    """
    file = Path(path) if path is not None else parameters_dir() / "speech_roles.yaml"
    if not file.exists():
        if path is not None:
            raise ParameterError(f"role cue file {file} does not exist", field="speech_roles")
        return _cues_cached(None, None)
    return _cues_cached(str(file.resolve()), file.stat().st_mtime)


def roles_fingerprint(path: str | Path | None = None) -> str:
    """:data:`ROLES_VERSION`, plus the first 12 hex digits of the centre's cue file's SHA-256 when there is one.

    What a resume key should hold: editing ``parameters/speech_roles.yaml`` changes the roles.
    """
    import hashlib

    file = Path(path) if path is not None else parameters_dir() / "speech_roles.yaml"
    if not file.exists():
        return ROLES_VERSION
    return f"{ROLES_VERSION}+{hashlib.sha256(file.read_bytes()).hexdigest()[:12]}"


def _normalise(text: Any) -> tuple[str, str]:
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return "", ""
    value = unicodedata.normalize("NFKC", str(text)[:MAX_TEXT_CHARS]).lower()
    value = " ".join(value.split())
    return value, re.sub(r"\s+", "", value)


def cue_scores(text: Any, cues: Sequence[RoleCue] | None = None) -> tuple[float, float]:
    """(agent weight, customer weight) of one text: each cue counted once.

    >>> cue_scores("Thank you for calling, how can I help you?")
    (4.0, 0.0)
    >>> cue_scores("我想查一下我的话费")
    (0.0, 2.0)
    """
    cues = role_cues() if cues is None else cues
    spaced, compact = _normalise(text)
    agent = customer = 0.0
    if not spaced:
        return agent, customer
    for cue in cues:
        if cue.regex.search(compact if cue.cjk else spaced):
            if cue.role == "agent":
                agent += cue.weight
            else:
                customer += cue.weight
    return agent, customer


def is_diarized_label(label: Any) -> bool:
    """True for diarized labels ``speaker_1``, ``speaker_2``, ... (not agent/customer/unknown)."""
    return isinstance(label, str) and bool(_DIARIZED.match(label))


def assign_roles(segments: pd.DataFrame, cues: Sequence[RoleCue] | None = None) -> pd.DataFrame:
    """Decide which diarized speaker is the agent and which the customer.

    Args:
        segments: transcript segments with columns ``speaker_role`` (diarized labels
            ``speaker_1``, ``speaker_2``, ...; other labels are ignored), ``text`` and
            ``start_seconds`` (``language`` is not needed: every cue is tried on every text).
            One call. Not modified.
        cues: compiled cues (default :func:`role_cues`).

    Returns:
        One row per diarized speaker, in order of first appearance: ``speaker``,
        ``role`` (``agent``, ``customer``, or the speaker's own label when not
        confident or alone), ``confidence`` (0..1, see the module docstring),
        ``agent_score``, ``customer_score`` (summed cue weights), ``evidence``.

    Raises:
        InputDataError: a needed column is missing.
    """
    require_columns(segments, ["speaker_role", "text", "start_seconds"], "assign_roles")
    cues = role_cues() if cues is None else cues
    columns = ["speaker", "role", "confidence", "agent_score", "customer_score", "evidence"]
    rows = segments.loc[segments["speaker_role"].map(is_diarized_label), ["speaker_role", "text", "start_seconds"]]
    if rows.empty:
        return pd.DataFrame(columns=columns).astype({"confidence": "float64"})
    rows = rows.assign(_start=pd.to_numeric(rows["start_seconds"], errors="coerce"))
    rows = rows.sort_values("_start", kind="stable")
    scores: dict[str, list[float]] = {}
    for speaker, text in zip(rows["speaker_role"], rows["text"]):
        agent, customer = cue_scores(text, cues)
        total = scores.setdefault(speaker, [0.0, 0.0])
        total[0] += agent
        total[1] += customer
    speakers = list(scores)  # order of first appearance
    evidence = {s: scores[s][0] - scores[s][1] for s in speakers}
    evidence[speakers[0]] += FIRST_VOICE_PRIOR
    out = pd.DataFrame({
        "speaker": speakers,
        "role": speakers,
        "confidence": 0.0,
        "agent_score": [scores[s][0] for s in speakers],
        "customer_score": [scores[s][1] for s in speakers],
        "evidence": [evidence[s] for s in speakers],
    })  # fmt: skip
    if len(speakers) < 2:
        return out[columns]
    ranked = sorted(speakers, key=lambda s: (-evidence[s], speakers.index(s)))
    agent = ranked[0]
    confidence = {agent: math.tanh((evidence[agent] - evidence[ranked[1]]) / CONFIDENCE_SCALE)}
    for other in ranked[1:]:
        confidence[other] = math.tanh((evidence[agent] - evidence[other]) / CONFIDENCE_SCALE)
    out["confidence"] = out["speaker"].map(confidence).astype("float64")
    if confidence[agent] >= MIN_CONFIDENCE:
        out.loc[out["speaker"] == agent, "role"] = "agent"
        others = (out["speaker"] != agent) & (out["confidence"] >= MIN_CONFIDENCE)
        out.loc[others, "role"] = "customer"
    return out[columns]


def apply_roles(segments: pd.DataFrame, roles: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``segments`` with diarized labels replaced by their roles.

    Args:
        segments: with ``speaker_role`` (not modified).
        roles: :func:`assign_roles` output (``speaker``, ``role``, ``confidence``).

    Returns:
        The same rows and columns, ``speaker_role`` mapped (``agent``/``customer``, or
        ``speaker_N`` where the role was not decided), plus ``role_confidence``: the
        speaker's confidence for diarized labels, NaN for labels that did not come from
        diarization (channel roles, ``unknown``).
    """
    require_columns(segments, ["speaker_role"], "apply_roles")
    require_columns(roles, ["speaker", "role", "confidence"], "apply_roles (roles)")
    role_of = dict(zip(roles["speaker"], roles["role"]))
    confidence_of = dict(zip(roles["speaker"], roles["confidence"]))
    out = segments.copy()
    labels = segments["speaker_role"]
    out["speaker_role"] = [role_of.get(label, label) if is_diarized_label(label) else label for label in labels]
    out["role_confidence"] = np.array(
        [float(confidence_of.get(label, 0.0)) if is_diarized_label(label) else np.nan for label in labels],
        dtype="float64",
    )
    return out
