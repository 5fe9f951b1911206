"""Generated call transcripts with known topic, personal-data and compliance truth.

Each answered call gets a two-party conversation (agent and customer turns
with start and end times inside its talk time) written from the templates in
:mod:`workbench.sample.transcript_templates`. Alongside the text the
generator returns what a perfect speech-analytics pipeline would find: where
every piece of personal data sits (character offsets), whether the recording
disclosure was read, whether a prohibited phrase was used, and which topics
were talked about.

A call's transcript depends only on the seed and that call's row, so adding
calls to the input never changes the transcripts of the others.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from workbench.errors import InputDataError
from workbench.glossary import require_columns
from workbench.sample import pii as pii_gen
from workbench.sample import transcript_templates as tpl
from workbench.sample.catalog import LANGUAGES, TOPIC_BY_ID, TOPICS

CALL_COLUMNS = ("call_id", "language", "topic_id", "agent_id", "talk_seconds")
AGENT_COLUMNS = ("agent_id", "uses_prohibited_phrase")

# Known rates of the truth, so evaluations can state what they should find.
DISCLOSURE_MISSING_SHARE = 0.08
PROHIBITED_CALL_SHARE = 0.35  # of the calls handled by agents flagged uses_prohibited_phrase
PII_CALL_SHARE = 0.6
OFF_TOPIC_CALL_SHARE = 0.25

# Talk time excludes the ACD's hold time, so silences inside it stay short of a real hold.
_MAX_HOLD_SECONDS = 90.0

# Calls shorter than this (abandoned, dropped at pickup) get no transcript.
MIN_TALK_SECONDS = 5.0

# Nominal speaking rates: syllables (Chinese characters, digits) and words per second.
_UNITS_PER_SECOND = {"zh": 4.6, "en": 2.7}

# Which kinds of personal data callers give on each line, and how often.
_PII_WEIGHTS = {
    "zh": {"cn_mobile": 0.33, "spoken_digits_zh": 0.2, "cn_resident_id": 0.2, "bank_card": 0.15, "email": 0.12},
    "en": {"en_phone": 0.3, "spoken_digits_en": 0.27, "bank_card": 0.17, "email": 0.2, "cn_mobile": 0.06},
}
_PII_GROUP = {
    "cn_mobile": "phone", "en_phone": "phone", "spoken_digits_zh": "phone", "spoken_digits_en": "phone",
    "cn_resident_id": "id", "bank_card": "card", "email": "email",
}  # fmt: skip
PII_TYPES = ("cn_mobile", "cn_resident_id", "bank_card", "email", "en_phone", "spoken_digits_en", "spoken_digits_zh")

_MOVES = ("detail_action", "shared", "generic", "backchannel")
_MOVE_WEIGHTS = (0.45, 0.25, 0.2, 0.1)

SEGMENT_COLUMNS = ["call_id", "turn_index", "speaker", "start_seconds", "end_seconds", "text", "language"]
PII_COLUMNS = ["call_id", "turn_index", "char_start", "char_end", "pii_type", "text"]
COMPLIANCE_COLUMNS = [
    "call_id", "agent_id", "disclosure_present", "prohibited_phrase_used", "prohibited_phrase", "disclosure_turn_index",
]  # fmt: skip
TOPIC_MENTION_COLUMNS = ["call_id", "turn_index", "topic_id", "is_primary"]

_UNIT_RE = re.compile(r"[\u4e00-\u9fff]|[0-9]|[A-Za-z]+")


@dataclass
class _Turn:
    """One speaker turn: sentences, each a list of (text, pii_type or None) pieces."""

    speaker: str
    sentences: list[list[tuple[str, str | None]]] = field(default_factory=list)
    silence_after_seconds: float = 0.0
    kind: str = "talk"
    topic_id: str | None = None


class _Slots(dict):
    """Template slot values drawn on first use, so a call repeats the same amount or device."""

    def __init__(self, rng: np.random.Generator, language: str, fixed: dict[str, str]) -> None:
        super().__init__(fixed)
        self.rng = rng
        self.language = language

    def __missing__(self, key: str) -> str:
        value = tpl.fill_slot(key, self.rng, self.language)
        self[key] = value
        return value


class _Writer:
    """Writes one call's turns; holds the call's random generator, language and slots."""

    def __init__(self, rng: np.random.Generator, language: str, slots: _Slots) -> None:
        self.rng = rng
        self.language = language
        self.slots = slots
        self.turns: list[_Turn] = []
        self.used: set[str] = set()

    def pick(self, options):
        return options[int(self.rng.integers(len(options)))]

    def fresh(self, *pools: tuple[str, ...]) -> str:
        """A sentence not yet used in this call, from the first pool that has one.

        When every pool is used up, repeats one of the last pool: real callers
        do repeat themselves, but only once the call has run out of news.
        """
        for options in pools:
            unused = [o for o in options if o not in self.used]
            if unused:
                choice = unused[int(self.rng.integers(len(unused)))]
                self.used.add(choice)
                return choice
        return self.pick(pools[-1])

    def fill(self, template: str) -> str:
        return template.format_map(self.slots)

    def say(self, speaker: str, *templates: str, kind: str = "talk", topic_id: str | None = None) -> _Turn:
        sentences = [[(self.fill(t), None)] for t in templates if t]
        prev = self.turns[-1] if self.turns else None
        if (
            prev is not None
            and prev.speaker == speaker
            and kind == "talk"
            and topic_id is None
            and prev.kind in ("talk", "pii")
            and prev.silence_after_seconds == 0
        ):
            # One speaker saying two things in a row is one turn, as a diarizer would see it.
            prev.sentences.extend(sentences)
            return prev
        turn = _Turn(speaker, sentences, kind=kind, topic_id=topic_id)
        self.turns.append(turn)
        return turn

    def say_pii(self, speaker: str, template: str, value: str, pii_type: str) -> _Turn:
        before, after = self.fill(template.replace("{pii}", "\x00")).split("\x00")
        turn = _Turn(speaker, [[(before, None), (value, pii_type), (after, None)]], kind="pii")
        self.turns.append(turn)
        return turn


def _call_rng(seed: int, call_id) -> np.random.Generator:
    # crc32 is stable across processes (unlike hash()), so a call's transcript
    # depends only on the seed and its own identifier.
    return np.random.default_rng([int(seed), zlib.crc32(str(call_id).encode("utf-8"))])


def _agent_number(agent_id) -> int:
    digits = "".join(c for c in str(agent_id) if c.isdigit())
    return int(digits) if digits else zlib.crc32(str(agent_id).encode("utf-8"))


def _pii_value(kind: str, w: _Writer) -> tuple[str, str, str]:
    """(value text, pii_type, verification question key) for one piece of personal data."""
    rng = w.rng
    if kind == "cn_mobile":
        return pii_gen.cn_mobile(rng, grouped=rng.random() < 0.25), kind, "phone"
    if kind == "spoken_digits_zh":
        if rng.random() < 0.8:
            return pii_gen.spoken_digits_zh(pii_gen.cn_mobile(rng), rng), kind, "phone"
        return pii_gen.spoken_digits_zh(pii_gen.bank_card(rng, length=16), rng), kind, "bank_card"
    if kind == "cn_resident_id":
        return pii_gen.resident_id(rng), kind, "cn_resident_id"
    if kind == "bank_card":
        return pii_gen.bank_card(rng, spaced=rng.random() < 0.4), kind, "bank_card"
    if kind == "email":
        return pii_gen.email(rng, w.language), kind, "email"
    if kind == "en_phone":
        return pii_gen.en_phone(rng), kind, "phone"
    if kind == "spoken_digits_en":
        if rng.random() < 0.75:
            return pii_gen.spoken_digits_en(pii_gen.en_phone_digits(rng), rng, groups=(3, 3, 4)), kind, "phone"
        card = pii_gen.bank_card(rng, length=16)
        return pii_gen.spoken_digits_en(card, rng, groups=(4, 4, 4, 4)), kind, "bank_card"
    raise ValueError(kind)


def _write_verification(w: _Writer, queue: str) -> None:
    lang = w.language
    weights = dict(_PII_WEIGHTS[lang])
    if queue == "billing":
        # Billing agents verify payments against the card more often.
        weights["bank_card"] *= 2.0
    n_items = 1 if w.rng.random() < 0.7 else 2
    chosen: list[str] = []
    for _ in range(n_items):
        # A second item verifies something else: nobody is asked for two phone numbers.
        kinds = [k for k in weights if _PII_GROUP[k] not in {_PII_GROUP[c] for c in chosen}]
        p = np.array([weights[k] for k in kinds])
        chosen.append(str(w.rng.choice(kinds, p=p / p.sum())))
    for kind in chosen:
        value, pii_type, question = _pii_value(kind, w)
        w.say("agent", w.pick(tpl.VERIFY_ASK[lang][question]))
        if question == "bank_card" and w.rng.random() < 0.3:
            # The caller goes to find the card: a natural long silence.
            w.say("customer", w.pick(tpl.CUSTOMER_SEARCHING[lang])).silence_after_seconds = float(
                w.rng.uniform(5.5, 14.0)
            )
        w.say_pii("customer", w.pick(tpl.VERIFY_ANSWER[lang][question]), value, pii_type)
        w.say("agent", w.fresh(tpl.VERIFY_CONFIRM[lang]))


def _subset(
    rng: np.random.Generator, options: tuple[str, ...], low: int, high: int, exclude: str | None = None
) -> list[str]:
    """Between ``low`` and ``high`` distinct options (never ``exclude``), in random order."""
    pool = [o for o in options if o != exclude]
    k = min(len(pool), int(rng.integers(low, high + 1)))
    return [pool[i] for i in rng.permutation(len(pool))[:k]]


def _customer_line(w: _Writer, template: str) -> str:
    filler = w.pick(tpl.CUSTOMER_FILLER[w.language]) if w.rng.random() < 0.5 else ""
    text = w.fill(template)
    if w.language == "en" and filler:
        text = text[0].lower() + text[1:] if not text.startswith("I ") and not text.startswith("I'") else text
    return filler + text


def _identity(agent_id, agent_name: str | None) -> dict[str, str]:
    """Slots naming the agent: the roster name when there is one that fits the line."""
    identity = tpl.agent_identity(_agent_number(agent_id))
    if isinstance(agent_name, str) and agent_name.strip():
        if "\u4e00" <= agent_name[0] <= "\u9fff":
            identity["agent_surname"] = agent_name[0]
        elif agent_name.isascii():
            identity["agent_name"] = agent_name.split()[0]
    return identity


def _write_call(
    call, rng: np.random.Generator, flagged_agent: bool, agent_name: str | None
) -> tuple[list[_Turn], dict]:
    """Write the turns of one call and return them with the compliance truth."""
    lang = call.language
    topic = TOPIC_BY_ID[call.topic_id]
    templates = tpl.TOPIC_TEMPLATES[topic.topic_id][lang]
    fixed = {"company": tpl.COMPANY[lang]} | _identity(call.agent_id, agent_name)
    w = _Writer(rng, lang, _Slots(rng, lang, fixed))
    talk = float(call.talk_seconds)

    disclosure = rng.random() >= DISCLOSURE_MISSING_SHARE
    prohibited = bool(flagged_agent and rng.random() < PROHIBITED_CALL_SHARE)
    with_pii = rng.random() < PII_CALL_SHARE
    off_topic = rng.random() < OFF_TOPIC_CALL_SHARE and talk >= 60
    disclosure_turn = None

    # Opening: the disclosure goes in the greeting, or right after the caller's hello.
    greeting = w.pick(tpl.GREETING[lang])
    help_line = w.pick(tpl.HOW_CAN_I_HELP[lang])
    if disclosure and rng.random() < 0.3:
        w.say("agent", greeting)
        w.say("customer", w.pick(tpl.CUSTOMER_HELLO[lang]))
        w.say("agent", w.pick(tpl.DISCLOSURE[lang]), help_line)
        disclosure_turn = 2
    elif disclosure:
        w.say("agent", greeting, w.pick(tpl.DISCLOSURE[lang]), help_line)
        disclosure_turn = 0
    else:
        w.say("agent", greeting, help_line)

    if talk >= 60 and rng.random() < 0.3:
        # Some callers start vaguely and name the problem only when asked.
        w.say("customer", _customer_line(w, w.pick(tpl.VAGUE_OPENING[lang])))
        w.say("agent", w.pick(tpl.ASK_SPECIFICS[lang]))
    w.say("customer", _customer_line(w, w.pick(templates["opening"])), topic_id=topic.topic_id)
    if talk < 40:
        # A short call: one answer and goodbye.
        w.say("agent", w.pick(templates["resolution"]))
        w.say("customer", w.pick(tpl.BACKCHANNEL[lang]), w.pick(tpl.CLOSING_CUSTOMER[lang]))
        w.say("agent", w.pick(tpl.GOODBYE[lang]))
        return w.turns, {"disclosure_turn": disclosure_turn, "prohibited_phrase": ""}

    first_probe = w.pick(templates["probe"])
    first_detail = w.pick(templates["detail"])
    w.say("agent", first_probe)
    w.say("customer", _customer_line(w, first_detail))
    if with_pii:
        _write_verification(w, topic.queue)

    # Middle exchanges scale with the talk time; what speech does not fill
    # becomes pauses and holds when the turns are timed.
    n_exchanges = int(np.clip(round((0.8 * talk - 40) / 10 + rng.normal(0, 1.5)), 1, 32))
    moves = [str(m) for m in rng.choice(_MOVES, size=n_exchanges, p=_MOVE_WEIGHTS)]
    n_holds = 0 if talk < 150 else int(min(3, 1 + talk // 500))
    for _ in range(n_holds):
        moves.insert(int(rng.integers(0, len(moves) + 1)), "hold")
    if off_topic:
        moves.insert(int(rng.integers(0, len(moves) + 1)), "off_topic")
    prohibited_phrase = ""
    if prohibited:
        moves.insert(int(rng.integers(1, len(moves) + 1)), "prohibited")

    # Each call uses only a few of its topic's sentences, once each; the rest of
    # the talk is queue-level and generic, as in real calls.
    details = _subset(rng, templates["detail"], 1, 3, exclude=first_detail)
    actions = _subset(rng, templates["action"], 1, 3)
    probes = _subset(rng, templates["probe"], 0, 2, exclude=first_probe)
    shared = tpl.QUEUE_SHARED[topic.queue][lang]
    customer_pools = (shared["customer"], tpl.GENERIC_CUSTOMER[lang])
    agent_pools = (shared["agent"], tpl.GENERIC_AGENT[lang])
    long_call = talk > 300
    for move in moves:
        if move == "detail_action":
            line = details.pop() if details else w.fresh(*customer_pools)
            w.say("customer", _customer_line(w, line) if rng.random() < 0.3 else line)
            extra = w.fresh(*agent_pools) if rng.random() < (0.6 if long_call else 0.3) else ""
            w.say("agent", actions.pop() if actions else w.fresh(*agent_pools), extra)
        elif move == "shared":
            w.say("agent", w.fresh(*agent_pools), w.fresh(*agent_pools) if long_call else "")
            w.say("customer", w.fresh(*customer_pools))
        elif move == "generic":
            w.say("agent", w.fresh(*reversed(agent_pools)))
            w.say("customer", w.fresh(*reversed(customer_pools)))
        elif move == "backchannel":
            w.say("agent", probes.pop() if probes else w.fresh(*agent_pools))
            w.say("customer", w.pick(tpl.BACKCHANNEL[lang]), w.fresh(*customer_pools))
        elif move == "hold":
            w.say("agent", w.pick(tpl.HOLD[lang]), kind="hold")
            w.say("agent", w.pick(tpl.AFTER_HOLD[lang]), actions.pop() if actions else w.fresh(*agent_pools))
        elif move == "off_topic":
            others = [t for t in TOPICS if t.topic_id != topic.topic_id]
            # Asides are mostly about a neighbouring topic of the same queue.
            same_queue = [t for t in others if t.queue == topic.queue]
            pool = same_queue if same_queue and rng.random() < 0.6 else others
            other = pool[int(rng.integers(len(pool)))]
            mention = w.pick(tpl.TOPIC_TEMPLATES[other.topic_id][lang]["mention"])
            text = w.pick(tpl.OFF_TOPIC_PREFIX[lang]) + mention + w.pick(tpl.OFF_TOPIC_SUFFIX[lang])
            w.say("customer", text, kind="off_topic", topic_id=other.topic_id)
            w.say("agent", w.pick(tpl.OFF_TOPIC_AGENT[lang]))
        elif move == "prohibited":
            prohibited_phrase = w.pick(sorted(tpl.PROHIBITED[lang]))
            sentence = w.pick(tpl.PROHIBITED[lang][prohibited_phrase])
            w.say("customer", w.fresh(*customer_pools))
            w.say("agent", sentence, kind="prohibited")
            w.say("customer", w.pick(tpl.PROHIBITED_REACTION[lang]), kind="heated")

    w.say("agent", w.pick(templates["resolution"]))
    w.say("customer", w.pick(tpl.BACKCHANNEL[lang]))
    w.say("agent", w.pick(tpl.CLOSING_AGENT[lang]))
    w.say("customer", w.pick(tpl.CLOSING_CUSTOMER[lang]))
    w.say("agent", w.pick(tpl.GOODBYE[lang]))
    return w.turns, {"disclosure_turn": disclosure_turn, "prohibited_phrase": prohibited_phrase}


def _render(turn: _Turn, language: str) -> tuple[str, list[tuple[int, int, str, str]]]:
    """Text of a turn and its PII spans as (start, end, type, text)."""
    sep = "" if language == "zh" else " "
    text, spans = "", []
    for k, sentence in enumerate(turn.sentences):
        if k and text:
            text += sep
        for piece, pii_type in sentence:
            if pii_type is not None:
                spans.append((len(text), len(text) + len(piece), pii_type, piece))
            text += piece
    return text, spans


def _speech_seconds(text: str, language: str, rng: np.random.Generator) -> float:
    units = len(_UNIT_RE.findall(text))
    return max(0.6, units / _UNITS_PER_SECOND[language] * rng.uniform(0.85, 1.15) + 0.25)


def _time_turns(
    turns: list[_Turn], texts: list[str], language: str, talk: float, rng: np.random.Generator, heated: bool
):
    """Start and end seconds of each turn, filling ``talk`` seconds.

    Speech is stretched or squeezed (within human speaking rates) towards a
    random share of the talk time; the rest becomes gaps, with holds and
    searches absorbing the bulk so most gaps stay short.
    """
    n = len(turns)
    speech = np.array([_speech_seconds(t, language, rng) for t in texts])
    share = rng.uniform(0.7, 0.88)
    rate = np.clip(share * talk / speech.sum(), 0.8, 1.3)
    durations = speech * rate

    gaps = rng.uniform(0.15, 1.1, size=n)  # gap before turn i
    gaps[0] = rng.uniform(0.2, 1.0)
    long_slots = []
    for i in range(1, n):
        prev = turns[i - 1]
        if prev.kind == "hold" or prev.silence_after_seconds > 0:
            gaps[i] = max(prev.silence_after_seconds, rng.uniform(6.0, 12.0))
            long_slots.append(i)
        elif turns[i].speaker != prev.speaker and rng.random() < (0.15 if heated else 0.04):
            # Overtalk: the next speaker starts before the previous one ends.
            gaps[i] = -rng.uniform(0.3, max(0.35, min(1.5, 0.4 * durations[i - 1])))
        elif rng.random() < 0.015:
            gaps[i] = rng.uniform(5.5, 9.0)  # dead air while someone looks something up
    tail = rng.uniform(0.1, 0.8)
    slack = talk - tail - durations.sum() - gaps.sum()
    if slack > 0:
        hold_slots = [i for i in long_slots if turns[i - 1].kind == "hold"]
        if hold_slots:
            # Holds take most of the spare time, up to a realistic length each.
            room = np.maximum(0.0, _MAX_HOLD_SECONDS - gaps[hold_slots])
            added = np.minimum(room, slack * rng.dirichlet(np.ones(len(hold_slots))))
            gaps[hold_slots] += added
            slack -= added.sum()
        positive = np.flatnonzero(gaps > 0)
        gaps[positive] += slack * gaps[positive] / gaps[positive].sum()
    starts = np.empty(n)
    ends = np.empty(n)
    t = 0.0
    for i in range(n):
        start = t + gaps[i]
        if i:
            # An overlap never starts the turn before the previous turn started.
            start = max(start, starts[i - 1] + 0.3)
        starts[i] = start
        ends[i] = start + durations[i]
        t = max(t, ends[i])
    end_target = talk - tail
    if t > end_target:
        scale = end_target / t
        starts *= scale
        ends *= scale
    return np.round(starts, 2), np.round(ends, 2)


def _frame(rows: dict[str, list], dtypes: dict[str, str]) -> pd.DataFrame:
    """A frame from column lists; columns without a numeric dtype stay object, even when empty."""
    return pd.DataFrame({c: pd.Series(v, dtype=dtypes.get(c, object)) for c, v in rows.items()})


def generate_transcripts(calls: pd.DataFrame, agents: pd.DataFrame, seed: int) -> dict[str, pd.DataFrame]:
    """Write a transcript for every answered call, with its PII and compliance truth.

    Args:
        calls: one row per call; needs ``call_id``, ``language`` ("zh"/"en"),
            ``topic_id`` (from :data:`catalog.TOPICS`), ``agent_id`` and
            ``talk_seconds``; ``queue`` is used when present. Calls with a
            missing talk time or one under ``MIN_TALK_SECONDS`` get no
            transcript.
        agents: needs ``agent_id`` and ``uses_prohibited_phrase`` (bool);
            ``name`` is used in greetings when present. Every agent of an
            answered call must be listed.
        seed: random seed; the same seed and rows give identical frames, and a
            call's transcript does not depend on the other rows.

    Returns:
        A dict of DataFrames:

        * ``segments``: call_id, turn_index, speaker ("agent"/"customer"),
          start_seconds, end_seconds, text, language. Turns are ordered by
          start; a turn may start before the previous one ends (overtalk).
        * ``pii_spans``: call_id, turn_index, char_start, char_end, pii_type,
          text, with ``segments.text[char_start:char_end] == text``.
        * ``compliance``: call_id, agent_id, disclosure_present,
          prohibited_phrase_used, prohibited_phrase ("" when none; English
          phrases lower case, matched case-insensitively),
          disclosure_turn_index (nullable Int64).
        * ``topic_mentions``: call_id, turn_index, topic_id, is_primary: the
          turn where the caller states the call's topic, and any aside about
          another topic.

    Raises:
        InputDataError: a required column is missing, or a row has an unknown
            language, topic or agent.

    This function does not mutate its inputs.
    """
    require_columns(calls, CALL_COLUMNS, "calls")
    require_columns(agents, AGENT_COLUMNS, "agents")
    flagged = dict(zip(agents["agent_id"], agents["uses_prohibited_phrase"].fillna(False).astype(bool)))
    names = dict(zip(agents["agent_id"], agents["name"])) if "name" in agents.columns else {}
    talk_all = pd.to_numeric(calls["talk_seconds"], errors="coerce")
    answered = calls.loc[talk_all.notna() & (talk_all >= MIN_TALK_SECONDS)]

    bad_lang = answered.loc[~answered["language"].isin(LANGUAGES), "language"]
    if len(bad_lang):
        raise InputDataError(f"unknown language {bad_lang.iloc[0]!r}, expected one of {LANGUAGES}", field="language")
    bad_topic = answered.loc[~answered["topic_id"].isin(list(TOPIC_BY_ID)), "topic_id"]
    if len(bad_topic):
        raise InputDataError(
            f"unknown topic_id {bad_topic.iloc[0]!r}, expected one of {sorted(TOPIC_BY_ID)}", field="topic_id"
        )
    missing_agents = sorted(set(answered["agent_id"]) - set(flagged), key=str)
    if missing_agents:
        raise InputDataError(f"agents lacks agent_id {missing_agents[:5]} used by answered calls", field="agent_id")

    seg_rows: dict[str, list] = {c: [] for c in SEGMENT_COLUMNS}
    pii_rows: dict[str, list] = {c: [] for c in PII_COLUMNS}
    comp_rows: dict[str, list] = {c: [] for c in COMPLIANCE_COLUMNS}
    topic_rows: dict[str, list] = {c: [] for c in TOPIC_MENTION_COLUMNS}
    for call in answered.itertuples(index=False):
        rng = _call_rng(seed, call.call_id)
        turns, truth = _write_call(call, rng, flagged[call.agent_id], names.get(call.agent_id))
        rendered = [_render(t, call.language) for t in turns]
        texts = [r[0] for r in rendered]
        heated = truth["prohibited_phrase"] != "" or TOPIC_BY_ID[call.topic_id].queue == "complaints"
        starts, ends = _time_turns(turns, texts, call.language, float(call.talk_seconds), rng, heated)
        for i, (turn, (text, spans)) in enumerate(zip(turns, rendered)):
            seg_rows["call_id"].append(call.call_id)
            seg_rows["turn_index"].append(i)
            seg_rows["speaker"].append(turn.speaker)
            seg_rows["start_seconds"].append(starts[i])
            seg_rows["end_seconds"].append(ends[i])
            seg_rows["text"].append(text)
            seg_rows["language"].append(call.language)
            for start, end, pii_type, value in spans:
                for column, v in zip(PII_COLUMNS, (call.call_id, i, start, end, pii_type, value)):
                    pii_rows[column].append(v)
            if turn.topic_id is not None:
                for column, v in zip(TOPIC_MENTION_COLUMNS, (call.call_id, i, turn.topic_id, turn.kind != "off_topic")):
                    topic_rows[column].append(v)
        values = (
            call.call_id,
            call.agent_id,
            truth["disclosure_turn"] is not None,
            truth["prohibited_phrase"] != "",
            truth["prohibited_phrase"],
            truth["disclosure_turn"],
        )
        for column, v in zip(COMPLIANCE_COLUMNS, values):
            comp_rows[column].append(v)

    segments = _frame(seg_rows, {"turn_index": "int64", "start_seconds": "float64", "end_seconds": "float64"})
    pii_spans = _frame(pii_rows, {"turn_index": "int64", "char_start": "int64", "char_end": "int64"})
    compliance = _frame(
        comp_rows, {"disclosure_present": "bool", "prohibited_phrase_used": "bool", "disclosure_turn_index": "Int64"}
    )
    topic_mentions = _frame(topic_rows, {"turn_index": "int64", "is_primary": "bool"})
    return {"segments": segments, "pii_spans": pii_spans, "compliance": compliance, "topic_mentions": topic_mentions}
