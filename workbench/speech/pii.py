"""Find and redact personal data in transcript text, in Mandarin and English.

What is recognised, and the token each span becomes:

=============== ================= ===============================================
``pii_type``    token             what
=============== ================= ===============================================
``cn_mobile``   ``[CN_MOBILE]``   11-digit Chinese mobile number ``1[3-9]...``,
                                  optionally with ``+86`` / ``0086``
``resident_id`` ``[RESIDENT_ID]`` 18-character resident ID with a valid province,
                                  birth date and GB 11643 check character; or a
                                  first-generation 15-digit ID (province, birth
                                  date ``YYMMDD``, no check digit)
``bank_card``   ``[BANK_CARD]``   13-19 digit card number that passes Luhn
``email``       ``[EMAIL]``       e-mail address, also spelled out ("james dot
                                  smith at gmail dot com", "艾特", "点")
``phone``       ``[PHONE]``       North American number (10 digits, or 11 with
                                  the country code 1), any number written with a
                                  ``+`` country code, a landline with a leading 0
``digits``      ``[DIGITS]``      any other run of 7 or more digits
=============== ================= ===============================================

Digits may be written as numerals, full-width numerals (``０-９``), English
words ("four one five", "oh", "double seven") or Chinese characters
("幺三八", "两", "拐", "洞"), in any mix, with spaces, hyphens, dots,
brackets or (between spoken digits, or followed by a space) commas between
groups, and across one hesitation between groups ("幺三八 呃 零零一三", "um";
:data:`workbench.speech.spoken_numbers.FILLER_GAP`): Whisper writes the same spoken
number in all of these ways, and the redaction finds each of them where it stands
(:func:`workbench.speech.spoken_numbers.normalise_numbers` is the separate rewrite of
such readings into digits).

Decisions worth knowing:

* A number that fails its checksum (resident ID, Luhn) is not labelled a
  resident ID or a card, but it is still masked as ``[DIGITS]`` when it has 7
  or more digits: one mis-heard digit must not leak the other seventeen. An
  18-digit number with an ID's province and birth date but a wrong check
  character is never labelled a card, even when it happens to pass Luhn.
* Runs of 7 or more digits that match no identifier are left alone when they
  are clearly not about a person: an amount (a currency sign or a unit such as
  元, dollars, GB, % next to it), a date (``2024-03-15``), a number right
  after "order number", "订单号", "ticket", "reference" and the like, or a
  toll-free service number (400/800, 1-800). Validated identifiers are
  redacted whatever their context.
* Numbers under 7 digits are kept: amounts, the last four digits of a card
  ("ending in 4821", the form PCI DSS allows to display), agent work numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from workbench.errors import InputDataError
from workbench.identifiers import (
    SPOKEN_DIGITS,
    is_valid_old_resident_id,
    is_valid_resident_id,
    luhn_valid,
    resident_id_checksum,
)
from workbench.speech.spoken_numbers import FILLER_GAP

#: Bump when a change alters what gets redacted: stored transcripts made with an
#: older version are then redone on the next batch (it is part of the resume key).
REDACTION_VERSION = "4"
PII_TYPES: tuple[str, ...] = ("cn_mobile", "resident_id", "bank_card", "email", "phone", "digits")
MIN_DIGITS = 7
# Longest run (in digit groups or words) searched for two numbers said back to back.
_MAX_SPLIT_UNITS = 48


@dataclass(frozen=True)
class PiiSpan:
    """One piece of personal data: ``text == source[start:end]``."""

    start: int
    end: int
    pii_type: str
    text: str

    @property
    def token(self) -> str:
        """The replacement written into redacted text, e.g. ``[CN_MOBILE]``."""
        return token_for(self.pii_type)


def token_for(pii_type: str) -> str:
    """Redaction token of a PII type.

    >>> token_for("resident_id")
    '[RESIDENT_ID]'
    """
    return f"[{pii_type.upper()}]"


# Full-width ASCII forms and the ideographic space mapped one character to one
# character, so offsets found in the folded text are offsets in the original.
_FOLD = {0x3000: " "} | {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}

# --------------------------------------------------------------------------- e-mail

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_EMAIL_RE = re.compile(
    r"(?<![a-z0-9._%+-])[a-z0-9](?:[a-z0-9._%+-]{0,62}[a-z0-9_])?"
    rf"\s?@\s?{_LABEL}(?:\.{_LABEL})*\.[a-z]{{2,24}}(?![a-z0-9])",
    re.IGNORECASE,
)
_TLDS = "com|net|org|edu|gov|cn|io|co|uk|info|biz|me|us|ca|hk|tw|de|fr|jp|au|sg|nz|ie|in"
_SPOKEN_DOT = r"(?:\s*\.\s*|\s+dot\s+|\s*点\s*)"
_SPOKEN_LOCAL_SEP = r"(?:[._-]|\s+(?:dot|underscore|dash|hyphen)\s+|\s*(?:点|下划线)\s*)"
_SPOKEN_AT = r"(?:\s*[@]\s*|\s+at\s+|\s*艾特\s*)"
# A spelled-out address needs a spoken "at" and a known top-level domain after
# a spoken or written dot; the written form with both symbols is _EMAIL_RE.
# Repetitions are bounded so that a long run of "dot" words costs linear time.
_SPOKEN_EMAIL_RE = re.compile(
    rf"(?<![a-z0-9])[a-z0-9]{{1,40}}(?:{_SPOKEN_LOCAL_SEP}[a-z0-9]{{1,40}}){{0,5}}{_SPOKEN_AT}"
    rf"[a-z0-9]{{1,40}}(?:-[a-z0-9]{{1,40}}){{0,3}}(?:{_SPOKEN_DOT}[a-z0-9]{{1,40}}){{0,3}}"
    rf"{_SPOKEN_DOT}(?:{_TLDS})(?![a-z0-9])",
    re.IGNORECASE,
)

# --------------------------------------------------------------------------- digit runs

_EN_UNIT = "zero|oh|o|one|two|three|four|five|six|seven|eight|nine|double|triple"
_UNIT_RE = re.compile(
    r"(?P<num>[0-9]+)"
    r"|(?P<zh>[零〇幺一二三四五六七八九两洞拐]+)"
    rf"|(?<![a-z'])(?P<en>{_EN_UNIT})(?![a-z'])",
    re.IGNORECASE,
)
# Between two digit groups: spaces, and at most two of - – — . / · ( ) 杠.
_GAP_RE = re.compile(r"\s{0,3}(?:[-–—./·()杠]\s{0,3}){0,2}")
_COMMA_GAP_RE = re.compile(r"\s{0,2}[,，、]\s{0,3}")
_FILLER_GAP_RE = re.compile(FILLER_GAP, re.IGNORECASE)
_REPEATS = {"double": 2, "triple": 3}
_CHECK_X_RE = re.compile(r"\s?(?:[xX](?![a-zA-Z])|叉|艾克斯)")

_AMOUNT_BEFORE_RE = re.compile(r"(?:[$¥￥€£]|rmb|usd|cny|hkd)\s?$", re.IGNORECASE)
_AMOUNT_AFTER_RE = re.compile(
    r"^\s?(?:元|块|角|万|亿|美元|美金|港币|%|％|percent|dollars?|bucks|yuan|rmb|usd|"
    r"gb|mb|兆|个g|(?:g|k)(?![a-z]))",
    re.IGNORECASE,
)
_DATE_RE = re.compile(r"(?:19|20)\d\d[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./](?:19|20)\d\d")
_IPV4_RE = re.compile(r"(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)")
_REFERENCE_BEFORE_RE = re.compile(
    r"(?:订单号|订单编号|订单|单号|工单号|工单|流水号|编号|"
    r"order|ticket|reference|case|confirmation|tracking|invoice|booking)"
    r"(?:\s*(?:number|no\.?|#|id|code))?\s*(?:是|为|:|：|is)?\s*$",
    re.IGNORECASE,
)
_CN_MOBILE_RE = re.compile(r"1[3-9]\d{9}")
_TOLL_FREE_NANP = ("800", "833", "844", "855", "866", "877", "888")


@dataclass
class _Unit:
    start: int
    end: int
    digits: str
    kind: str  # num | zh | en | rep


def _units(text: str) -> list[_Unit]:
    out = []
    for m in _UNIT_RE.finditer(text):
        word = m.group()
        if m.lastgroup == "num":
            out.append(_Unit(m.start(), m.end(), word, "num"))
        elif m.lastgroup == "zh":
            out.append(_Unit(m.start(), m.end(), "".join(SPOKEN_DIGITS[c] for c in word), "zh"))
        elif word.lower() in _REPEATS:
            out.append(_Unit(m.start(), m.end(), "", "rep"))
        else:
            out.append(_Unit(m.start(), m.end(), SPOKEN_DIGITS[word.lower()], "en"))
    return out


def _joins(gap: str, left: _Unit, right: _Unit) -> bool:
    if _GAP_RE.fullmatch(gap):
        return True
    if _COMMA_GAP_RE.fullmatch(gap):
        # "1,234,567" is a thousands separator; "415, 555, 0142" and spoken
        # digits with commas are one number read out in groups.
        return left.kind != "num" or right.kind != "num" or gap.strip() != "," or gap[-1:].isspace()
    # A caller hesitating between groups of one number ("幺三八 呃 零零一三"): one filler joins.
    return bool(_FILLER_GAP_RE.fullmatch(gap))


def _runs(text: str) -> list[list[_Unit]]:
    runs: list[list[_Unit]] = []
    for unit in _units(text):
        if runs and _joins(text[runs[-1][-1].end : unit.start], runs[-1][-1], unit):
            runs[-1].append(unit)
        else:
            runs.append([unit])
    trimmed = []
    for run in runs:
        # "double" / "triple" only count in front of a digit.
        while run and run[-1].kind == "rep":
            run = run[:-1]
        if run:
            trimmed.append(run)
    return trimmed


def _nanp(d: str) -> bool:
    return len(d) == 10 and d[0] in "23456789" and d[3] in "23456789"


def _classify(digits: str, check_x: bool, plus: bool, first_group: str) -> str | None:
    """Specific PII type of a normalised digit string, or None."""
    n = len(digits)
    if n == 0:
        return None
    if (n == 17 and check_x) or n == 18:
        if is_valid_resident_id(digits + ("X" if check_x else "")):
            return "resident_id"
        if is_valid_resident_id(digits[:17] + resident_id_checksum(digits[:17])):
            return None  # shaped like an ID with a wrong check character: never a card
    if check_x:
        return None
    if 13 <= n <= 19 and digits[0] in "23456" and luhn_valid(digits):
        return "bank_card"  # before old IDs: a card's checksum is stronger evidence than an ID's layout
    if n == 15 and not plus and is_valid_old_resident_id(digits):
        return "resident_id"
    if n == 11 and first_group == "1" and _nanp(digits[1:]):
        return "phone"  # "1 415 555 0142", "+1 (415) ...": the country code said apart
    country = {11: "", 13: "86", 15: "0086"}.get(n)
    if country is not None and digits.startswith(country) and _CN_MOBILE_RE.fullmatch(digits[n - 11 :]):
        return "cn_mobile"
    if _nanp(digits) or (n == 11 and digits[0] == "1" and _nanp(digits[1:])):
        return "phone"
    if plus and 8 <= n <= 15:
        return "phone"
    if digits[0] == "0" and 10 <= n <= 12:
        return "phone"
    return None


def _is_service_number(digits: str) -> bool:
    """Toll-free lines of companies (400/800 in China, 1-8xx in North America) are not personal."""
    if len(digits) == 10 and digits[:3] in ("400", "800"):
        return True
    core = digits[1:] if len(digits) == 11 and digits[0] == "1" else digits
    return len(core) == 10 and core[:3] in _TOLL_FREE_NANP


def _not_personal(text: str, start: int, end: int) -> bool:
    """Context showing an unvalidated long number is an amount, a date or a reference."""
    if _AMOUNT_BEFORE_RE.search(text[max(0, start - 5) : start]) or _AMOUNT_AFTER_RE.match(text[end : end + 10]):
        return True
    if _DATE_RE.fullmatch(text[start:end]) or _IPV4_RE.fullmatch(text[start:end]):
        return True
    return bool(_REFERENCE_BEFORE_RE.search(text[max(0, start - 24) : start]))


class _Run:
    """A run of digit units with the context needed to classify it."""

    def __init__(self, text: str, units: list[_Unit]) -> None:
        self.text = text
        self.units = units

    def digits(self, i: int, j: int) -> str:
        out, repeat = [], 1
        for unit in self.units[i:j]:
            if unit.kind == "rep":
                repeat = _REPEATS[self.text[unit.start : unit.end].lower()]
                continue
            out.append(unit.digits[0] * repeat + unit.digits[1:] if unit.digits else "")
            repeat = 1
        return "".join(out)

    def span(self, i: int, j: int) -> tuple[int, int]:
        start, end = self.units[i].start, self.units[j - 1].end
        # A leading "+" or "(" belongs to the number ("+86 ...", "(415) ...").
        while start > 0 and self.text[start - 1] in "+(":
            start -= 1
        return start, end

    def classify(self, i: int, j: int) -> tuple[str | None, int]:
        """(type, end) of units i..j; end grows when a check character X follows."""
        digits = self.digits(i, j)
        start, end = self.span(i, j)
        check_x = False
        if len(digits) == 17:
            m = _CHECK_X_RE.match(self.text, end)
            if m and is_valid_resident_id(digits + "X"):
                check_x, end = True, m.end()
        plus = self.text[start] == "+"
        first = self.units[i].digits if self.units[i].kind == "num" else ""
        kind = _classify(digits, check_x, plus, first)
        if kind is None and len(digits) >= MIN_DIGITS:
            kind = "digits"
        if kind in ("phone", "digits") and _is_service_number(digits):
            return None, end
        if kind == "digits" and _not_personal(self.text, start, end):
            return None, end
        return kind, end


def _digit_spans(text: str) -> list[tuple[int, int, str]]:
    spans = []
    for units in _runs(text):
        run = _Run(text, units)
        n = len(units)
        kind, end = run.classify(0, n)
        if kind == "digits" and 1 < n <= _MAX_SPLIT_UNITS:
            # A long run that is no identifier may be two said back to back
            # ("13800138000 11010519491231002X"). Split it only when the pieces
            # cover it entirely, fewest pieces first; otherwise the run stays
            # one [DIGITS], so a mis-heard card never leaves digits in clear.
            best: dict[int, list[tuple[int, int, str, int]]] = {n: []}
            for i in range(n - 1, -1, -1):
                for j in range(n, i, -1):
                    if j not in best:
                        continue
                    sub_kind, sub_end = run.classify(i, j)
                    if sub_kind in (None, "digits") or (j < n and sub_end > units[j].start):
                        continue
                    pieces = [(i, j, sub_kind, sub_end), *best[j]]
                    if i not in best or len(pieces) < len(best[i]):
                        best[i] = pieces
            if len(best.get(0, ())) > 1:
                spans.extend((run.span(i, j)[0], sub_end, sub_kind) for i, j, sub_kind, sub_end in best[0])
                continue
        if kind is not None:
            spans.append((run.span(0, n)[0], end, kind))
    return spans


def find_pii(text: str, language: str | None = None) -> list[PiiSpan]:
    """Every piece of personal data in ``text``, in order, without overlaps.

    Args:
        text: one utterance or a whole transcript (any length).
        language: "zh", "en" or None, accepted so callers can pass a
            segment's language. Detection is deliberately the same on both
            lines: callers code-switch (English lines get Chinese mobile
            numbers), and Whisper writes digits as numerals or words either way.

    Returns:
        :class:`PiiSpan` objects with ``text[span.start:span.end] == span.text``.

    Examples:
        >>> [(s.pii_type, s.text) for s in find_pii("我的手机号是138 0013 8000。")]
        [('cn_mobile', '138 0013 8000')]
        >>> [(s.pii_type, s.text) for s in find_pii("It's four one five, five five five, oh one four two.")]
        [('phone', 'four one five, five five five, oh one four two')]
    """
    if not isinstance(text, str) or not text:
        return []
    folded = text.translate(_FOLD)
    spans: list[tuple[int, int, str]] = []
    masked = folded
    for regex in (_EMAIL_RE, _SPOKEN_EMAIL_RE):
        for m in regex.finditer(masked):
            spans.append((m.start(), m.end(), "email"))
            # Mask the address so its digits (QQ numbers) are not found again.
            masked = masked[: m.start()] + "#" * (m.end() - m.start()) + masked[m.end() :]
    spans.extend(_digit_spans(masked))
    spans.sort()
    out: list[PiiSpan] = []
    for start, end, kind in spans:
        if out and start < out[-1].end:
            continue
        out.append(PiiSpan(start, end, kind, text[start:end]))
    return out


def redact_text(text: str, language: str | None = None) -> str:
    """``text`` with every span of :func:`find_pii` replaced by its token.

    Examples:
        >>> redact_text("卡号是6222 0212 3456 7894，手机13800138000。")
        '卡号是[BANK_CARD]，手机[CN_MOBILE]。'
        >>> redact_text("Mail james dot smith at gmail dot com, order number 20231115001.")
        'Mail [EMAIL], order number 20231115001.'
    """
    if not isinstance(text, str):
        return text
    parts, cursor = [], 0
    for span in find_pii(text, language):
        parts.append(text[cursor : span.start])
        parts.append(span.token)
        cursor = span.end
    parts.append(text[cursor:])
    return "".join(parts)


def _speaker_runs(segments: pd.DataFrame) -> list[list]:
    """Row labels grouped per call and speaker, each group in time order."""
    keys = [c for c in ("call_id", "speaker_role") if c in segments.columns]
    order = segments.sort_values("start_seconds", kind="stable") if "start_seconds" in segments.columns else segments
    if not keys:
        return [list(order.index)]
    return [list(group.index) for _, group in order.groupby(keys, sort=False, dropna=False)]


def redact_segments(segments: pd.DataFrame) -> pd.DataFrame:
    """Redact the text of transcript segments, including PII split across segments.

    Speech recognisers cut turns at pauses, so a caller reading a number can
    end one segment with "415-55" and start the next with "zero one four
    two". Each speaker's segments of a call are therefore searched as one
    text (joined in time order with a space), and a span crossing a segment
    boundary is replaced by its token in every segment it touches.

    Args:
        segments: needs column ``text`` (missing values stay missing);
            ``language`` ("zh", "en" or None) is used when present, and
            ``call_id``, ``speaker_role`` and ``start_seconds`` to join a
            speaker's segments when present. Other columns are carried
            through unchanged.

    Returns:
        A copy with ``text`` redacted and an int64 column ``pii_count`` (spans
        touching the row). The input is not mutated.

    Raises:
        InputDataError: ``text`` is missing.

    >>> frame = pd.DataFrame({"call_id": ["c", "c"], "speaker_role": ["customer"] * 2,
    ...     "start_seconds": [0.0, 4.0], "text": ["It is 415-55", "5-0142 thanks"], "language": ["en", "en"]})
    >>> redact_segments(frame)["text"].tolist()
    ['It is [PHONE]', '[PHONE] thanks']
    """
    if "text" not in segments.columns:
        raise InputDataError(f"segments lacks required column 'text' (has {list(segments.columns)})", field="text")
    out = segments.copy()
    texts = dict(zip(out.index, out["text"].tolist()))
    languages = dict(zip(out.index, out["language"].tolist())) if "language" in out.columns else {}
    replaced: dict = {label: [] for label in out.index}
    for run in _speaker_runs(out):
        labels = [label for label in run if isinstance(texts[label], str)]
        if not labels:
            continue
        language = next((languages.get(label) for label in labels if isinstance(languages.get(label), str)), None)
        offsets, cursor = [], 0
        for label in labels:
            offsets.append(cursor)
            cursor += len(texts[label]) + 1
        joined = " ".join(texts[label] for label in labels)
        for span in find_pii(joined, language):
            for label, offset in zip(labels, offsets):
                start, end = max(span.start, offset), min(span.end, offset + len(texts[label]))
                if start < end:
                    replaced[label].append((start - offset, end - offset, span.token))
    redacted, counts = [], []
    for label in out.index:
        text, spans = texts[label], sorted(replaced[label])
        counts.append(len(spans))
        if spans:
            parts, cursor = [], 0
            for start, end, token in spans:
                parts.extend((text[cursor:start], token))
                cursor = end
            parts.append(text[cursor:])
            text = "".join(parts)
        redacted.append(text)
    out["text"] = pd.Series(redacted, index=out.index, dtype=segments["text"].dtype if len(redacted) else object)
    out["pii_count"] = pd.Series(counts, index=out.index, dtype="int64")
    return out
