"""Numbers read out digit by digit, written as digits.

Whisper writes a spoken number the way it heard it: ``幺三八零零一三八零零零``,
``一五八，一二三四，五六七八``, ``one three eight double oh``, full-width
``１３８``. :func:`normalise_numbers` rewrites such runs as ASCII digits
(``13800138000``) so that whoever matches or reads the text sees one form
(the redaction finds spoken numbers itself, :mod:`workbench.speech.pii`). Only *digit-by-digit* readings are rewritten, and only runs of at
least :data:`MIN_RUN_DIGITS` digits: ``一个``, ``第三``, ``two of them`` and
amounts said with place values (``一百三十八``) are left as they are.

A caller pausing while reading a number says 嗯 / 呃 / um between the groups;
:data:`FILLER_GAP` is the gap pattern that lets a number run continue across
one such filler (used here and by :mod:`workbench.speech.pii`, so a mobile
number read as ``幺三八 呃 零零一三 八零零零`` is redacted whole).
"""

from __future__ import annotations

import re

from workbench.identifiers import SPOKEN_DIGITS

#: Shortest run (in digits) rewritten: shorter ones are words ("一个", "one of").
MIN_RUN_DIGITS = 3
#: Hesitation words that may sit between two groups of one number read out.
FILLERS = ("嗯", "呃", "啊", "额", "那个", "um", "uh", "er", "erm", "hmm")
#: Regex fragment: one filler word with its surrounding spaces/commas (no capture groups).
FILLER_GAP = (
    r"[\s,，、]{0,3}(?:"
    + "|".join(sorted((re.escape(f) for f in FILLERS), key=len, reverse=True))
    + r")(?![a-z])[\s,，、.。…]{0,3}"
)

_ZH_DIGITS = "零〇幺一二三四五六七八九两洞拐"
_EN_WORDS = "zero|oh|o|one|two|three|four|five|six|seven|eight|nine"
_REPEAT_WORDS = {"double": 2, "triple": 3}
_FULL_WIDTH = {0xFF10 + i: str(i) for i in range(10)}
# One digit unit: ASCII digits, a run of Chinese digit characters, or an English digit word
# optionally preceded by "double"/"triple".
_UNIT = (
    r"(?:[0-9]+"
    rf"|[{_ZH_DIGITS}]+"
    rf"|(?<![a-z'])(?:(?:double|triple)\s+)?(?:{_EN_WORDS})(?![a-z']))"
)
_SEP = rf"(?:\s{{0,2}}[-–—./·]?\s{{0,2}}|\s{{0,2}}[,，、]\s{{0,2}}|{FILLER_GAP})"
_RUN_RE = re.compile(rf"{_UNIT}(?:{_SEP}{_UNIT})*", re.IGNORECASE)
_TOKEN_RE = re.compile(rf"[0-9]|[{_ZH_DIGITS}]|(?<![a-z'])(?:double|triple|{_EN_WORDS})(?![a-z'])", re.IGNORECASE)
# Chinese digit characters that are also words on their own; a run made only of these
# (or of place-value context like 十/百 next to it) is not a number read out.
_PLACE_VALUE = "十百千万亿个只位次号"


def spoken_digits(run: str) -> str:
    """The digits of one run read out digit by digit (fillers and separators dropped).

    >>> spoken_digits("幺三八 呃 零零一三")
    '1380013'
    >>> spoken_digits("four one five, double five, triple oh")
    '41555000'
    """
    out, repeat = [], 1
    for token in _TOKEN_RE.findall(run):
        word = token.lower()
        if word in _REPEAT_WORDS:
            repeat = _REPEAT_WORDS[word]
            continue
        out.append((token if token.isdigit() and token.isascii() else SPOKEN_DIGITS[word]) * repeat)
        repeat = 1
    return "".join(out)


def normalise_numbers(text: str, language: str | None = None) -> str:
    """``text`` with numbers read digit by digit rewritten as ASCII digits.

    Rewrites full-width digits (``１３８`` → ``138``) everywhere, and every run
    of spoken or written digits of at least :data:`MIN_RUN_DIGITS` digits:
    Chinese digit characters including 幺 (1), 两 (2), 拐 (7), 洞 (0), 〇;
    English digit words with ``oh``/``o`` for 0 and ``double``/``triple``;
    numerals; in any mix, across spaces, hyphens, commas and one hesitation
    (:data:`FILLERS`) between groups. The rewritten run keeps no separators.

    Left alone: shorter runs, Chinese digits next to a place value (``一百三十八``,
    ``三个``, ``第一``), and numbers already written with numerals only
    (``1,234,567``, ``3.14159``, ``2024-01-15`` keep their separators).

    Args:
        text: any text (non-strings are returned as they are).
        language: ``"zh"``, ``"en"`` or None. Both scripts are normalised on
            every line, because callers code-switch; the argument is accepted
            so callers can pass a segment's language.

    Examples:
        >>> normalise_numbers("我的手机是幺三八，零零一三，八零零零。", "zh")
        '我的手机是13800138000。'
        >>> normalise_numbers("It's four one five, double five, oh one four two.", "en")
        "It's 415550142."
        >>> normalise_numbers("一百三十八个，第一次，１２３", "zh")
        '一百三十八个，第一次，123'
        >>> normalise_numbers("pi is 3.14159, paid on 2024-01-15", "en")
        'pi is 3.14159, paid on 2024-01-15'
    """
    if not isinstance(text, str) or not text:
        return text
    text = text.translate(_FULL_WIDTH)
    parts, cursor = [], 0
    for match in _RUN_RE.finditer(text):
        run = match.group()
        start, end = match.start(), match.end()
        # Trailing separators/fillers belong to the sentence, not the number.
        stripped = run.rstrip(" ,，、.。…-–—/·")
        end = start + len(stripped)
        digits = spoken_digits(stripped)
        if len(digits) < MIN_RUN_DIGITS or not _rewritable(text, start, end, stripped):
            continue
        parts.extend((text[cursor:start], digits))
        cursor = end
    parts.append(text[cursor:])
    return "".join(parts)


def _rewritable(text: str, start: int, end: int, run: str) -> bool:
    if re.fullmatch(r"[0-9\s\-–—./·,，、]+", run):
        return False  # already written as digits: a decimal, a date, a grouped or separated number stays as written
    has_chinese = any(c in _ZH_DIGITS for c in run)
    if has_chinese:
        before, after = text[start - 1 : start], text[end : end + 1]
        if (before and before in _PLACE_VALUE + "第") or (after and after in _PLACE_VALUE):
            return False
    return True
