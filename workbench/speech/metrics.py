"""Call-level speech analytics from transcript timing, and transcript error rates.

Everything here is computed from segment times and texts, so it works the
same for any engine. Time intervals of one party are merged first (a party
who speaks in two overlapping segments is speaking once).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from workbench.glossary import require_columns
from workbench.schemas import table

REQUIRED_COLUMNS = ["call_id", "speaker_role", "start_seconds", "end_seconds", "text"]
METRIC_COLUMNS = table("speech_metrics").column_names
# CJK ideographs (and compatibility forms): one character is one unit of speech.
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_UNIT = re.compile(rf"[{_CJK}]|[^\W{_CJK}_]+(?:'[^\W{_CJK}_]+)*")
_DIGIT_WORDS = "zero one two three four five six seven eight nine".split()


def count_spoken_units(text: str) -> int:
    """Words in a text, counting each Chinese character as one unit.

    Latin words (apostrophes kept inside, ``don't`` is one) and digit runs
    count one each; punctuation counts nothing. This is words for English
    and characters for Mandarin, the usual speaking-rate units of each.

    >>> count_spoken_units("I don't know, 415 times."), count_spoken_units("您好，请问 VIP 卡")
    (5, 6)
    """
    return len(_UNIT.findall(text or ""))


def _union(intervals: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[list[float]] = []
    for start, end in sorted((s, e) for s, e in intervals if e > s):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]


def _length(intervals: Sequence[tuple[float, float]]) -> float:
    return float(sum(b - a for a, b in intervals))


def _intersection(left: list[tuple[float, float]], right: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out, i, j = [], 0, 0
    while i < len(left) and j < len(right):
        start, end = max(left[i][0], right[j][0]), min(left[i][1], right[j][1])
        if end > start:
            out.append((start, end))
        if left[i][1] < right[j][1]:
            i += 1
        else:
            j += 1
    return out


def _call_metrics(call: pd.DataFrame, duration_seconds: float | None, silence_gap_seconds: float) -> dict:
    spans = {role: _union(list(zip(group["start_seconds"], group["end_seconds"])))
             for role, group in call.groupby("speaker_role")}  # fmt: skip
    speech = _union([span for role_spans in spans.values() for span in role_spans])
    length = max([duration_seconds or 0.0, float(call["end_seconds"].max())])
    edges = [0.0] + [x for span in speech for x in span] + [length]
    gaps = [max(0.0, b - a) for a, b in zip(edges[::2], edges[1::2])]
    agent, customer = spans.get("agent", []), spans.get("customer", [])
    agent_seconds, customer_seconds = _length(agent), _length(customer)
    attributed = agent_seconds + customer_seconds > 0
    overtalk = _intersection(agent, customer)

    def rate(role: str, seconds: float) -> float:
        if seconds <= 0:
            return np.nan
        units = sum(count_spoken_units(t) for t in call.loc[call["speaker_role"] == role, "text"])
        return units / (seconds / 60.0)

    roles = call.loc[call["speaker_role"].isin(["agent", "customer"])].sort_values(
        ["start_seconds", "end_seconds"], kind="stable"
    )["speaker_role"]
    turns = int((roles != roles.shift()).sum()) if len(roles) else None
    return {
        "agent_talk_share": agent_seconds / (agent_seconds + customer_seconds) if attributed else np.nan,
        "silence_share": sum(g for g in gaps if g > silence_gap_seconds) / length if length > 0 else np.nan,
        "longest_silence_seconds": max(gaps) if gaps else 0.0,
        "overtalk_count": len(overtalk) if attributed else None,
        "overtalk_share": (_length(overtalk) / length if length > 0 else np.nan) if attributed else np.nan,
        "agent_words_per_minute": rate("agent", agent_seconds),
        "customer_words_per_minute": rate("customer", customer_seconds),
        "turn_count": turns,
    }


def speech_metrics(
    segments: pd.DataFrame,
    silence_gap_seconds: float = 5.0,
    durations_seconds: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """One row of speech analytics per call, from its transcript segments.

    Definitions (per call; a party's *speech* is the union of its segments'
    ``[start_seconds, end_seconds]`` intervals, and the *call length* is the
    recording's duration when ``durations_seconds`` gives it, else the end
    of the last segment; time runs from 0, the start of the recording):

    * ``agent_talk_share``: agent speech seconds / (agent + customer speech
      seconds). NaN when no segment is attributed to agent or customer.
    * ``silence_share``: total length of the gaps in which nobody speaks that
      are longer than ``silence_gap_seconds`` (strictly), over the call length
      (the commercial suites' "silence": short pauses between turns are not
      silence). Gaps include the lead-in before the first word and, when the
      duration is known, the tail after the last.
    * ``longest_silence_seconds``: the longest such gap of any length (0 if none).
    * ``overtalk_count``: number of separate intervals in which agent and
      customer speech overlap; ``overtalk_share``: their total length over the
      call length. NA when no segment is attributed to agent or customer.
    * ``agent_words_per_minute`` / ``customer_words_per_minute``: spoken units
      (:func:`count_spoken_units`: words, or characters for Chinese) of the
      party's segments per minute of the party's speech. NaN when it did not speak.
    * ``turn_count``: runs of consecutive agent/customer segments in start
      order (agent, agent, customer, agent is 3 turns); ``unknown``
      segments are ignored. NA when nothing is attributed.

    Args:
        segments: columns ``call_id``, ``speaker_role`` (agent | customer |
            unknown), ``start_seconds``, ``end_seconds``, ``text``; others
            (``language``, ``confidence``...) are ignored. Not modified.
        silence_gap_seconds: gaps longer than this count as silence (5 s).
        durations_seconds: optional recording length per ``call_id``.

    Returns:
        One row per call: ``call_id`` and the columns of the store table
        ``speech_metrics`` (``agent_talk_share``, ``silence_share``,
        ``longest_silence_seconds``, ``overtalk_count``, ``overtalk_share``,
        ``agent_words_per_minute``, ``customer_words_per_minute``,
        ``turn_count``); counts are nullable integers.

    Raises:
        InputDataError: a required column is missing (it is named).
    """
    require_columns(segments, REQUIRED_COLUMNS, "speech_metrics")
    durations = dict(durations_seconds or {})
    rows = []
    for call_id, call in segments.groupby("call_id", sort=True):
        row = {"call_id": call_id}
        row.update(_call_metrics(call, durations.get(call_id), silence_gap_seconds))
        rows.append(row)
    frame = pd.DataFrame(rows, columns=METRIC_COLUMNS)
    floats = [c for c in METRIC_COLUMNS if c not in ("call_id", "overtalk_count", "turn_count")]
    return frame.astype({**{c: "float64" for c in floats}, "overtalk_count": "Int64", "turn_count": "Int64"})


# --------------------------------------------------------------------------- error rates


def normalise_words(text: str) -> list[str]:
    """Words for scoring: lower case, no punctuation, each digit spelt out.

    Whisper writes "415" where a caller says "four one five"; spelling digits
    out one by one makes both read the same. Apostrophes are dropped
    (``there's`` -> ``theres``) and hyphens split words.

    >>> normalise_words("It is 415-555-0142, isn't it?")
    ['it', 'is', 'four', 'one', 'five', 'five', 'five', 'five', 'zero', 'one', 'four', 'two', 'isnt', 'it']
    """
    out: list[str] = []
    for token in re.findall(r"[^\W_]+", text.lower().replace("'", "").replace("\u2019", "")):
        if token.isdigit():
            out.extend(_DIGIT_WORDS[int(d)] for d in token)
        else:
            out.extend(re.findall(r"\d|\D+", token) if any(ch.isdigit() for ch in token) else [token])
    return [_DIGIT_WORDS[int(t)] if t.isdigit() else t for t in out]


def _edit_distance(reference: Sequence[str], hypothesis: Sequence[str]) -> int:
    previous = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, 1):
        current = [i]
        for j, hyp in enumerate(hypothesis, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref != hyp)))
        previous = current
    return previous[-1]


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Word edit distance (substitutions, insertions, deletions) over reference words, after :func:`normalise_words`.

    >>> word_error_rate("It is four one five.", "it is 415")
    0.0
    >>> round(word_error_rate("a b c", "a x c d"), 3)
    0.667
    """
    ref, hyp = normalise_words(reference), normalise_words(hypothesis)
    return _edit_distance(ref, hyp) / max(1, len(ref))


def _characters(text: str) -> list[str]:
    return [ch for ch in unicodedata.normalize("NFKC", text.lower())
            if not ch.isspace() and not unicodedata.category(ch).startswith(("P", "S"))]  # fmt: skip


def character_error_rate(reference: str, hypothesis: str) -> float:
    """Character edit distance over reference characters, ignoring spaces and punctuation (for Chinese).

    >>> character_error_rate("广州市房地产", "广州市，房地")
    0.16666666666666666
    """
    ref, hyp = _characters(reference), _characters(hypothesis)
    return _edit_distance(ref, hyp) / max(1, len(ref))
