"""Synthetic personal data for the sample transcripts, with valid checksums.

Every number is made up but shaped like the real thing, so a redaction
detector is tested against what it will meet in production: Chinese mobile
numbers with live prefixes, resident ID numbers whose GB 11643 check character
is right, UnionPay card numbers that pass the Luhn check, North American phone
numbers in the 555-01xx block reserved for fiction, and digit strings spoken as
words ("four one five ...", "幺三八 ...").

Generators take a :class:`numpy.random.Generator` so a seeded caller gets the
same values every time; they never touch global random state.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

# The validators live in the foundations so the redactor can use them without
# importing the generator; they stay importable from here for existing callers.
from workbench.identifiers import (  # noqa: F401
    EN_DIGIT_WORDS,
    ZH_DIGITS,
    is_valid_resident_id,
    luhn_check_digit,
    luhn_valid,
    resident_id_checksum,
    spoken_to_digits,
)

# Mobile number prefixes (first three digits) allocated to Chinese carriers.
CN_MOBILE_PREFIXES: tuple[str, ...] = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139",
    "145", "147", "150", "151", "152", "153", "155", "156", "157", "158", "159",
    "166", "170", "171", "173", "175", "176", "177", "178",
    "180", "181", "182", "183", "184", "185", "186", "187", "188", "189",
    "191", "193", "195", "196", "197", "198", "199",
)  # fmt: skip

# Real county-level administrative division codes (GB/T 2260), so the region
# prefix of a generated ID is one a validator would accept.
REGION_CODES: tuple[str, ...] = (
    "110101", "110105", "110108", "120101", "310101", "310104", "310115",
    "320102", "320506", "330106", "330108", "340104", "350203", "370202",
    "410105", "420106", "430104", "440103", "440106", "440305", "500103",
    "510107", "610113", "210102", "230103", "530102",
)  # fmt: skip

# Six-digit issuer prefixes of UnionPay debit cards issued by large Chinese banks.
UNIONPAY_BINS: tuple[str, ...] = (
    "622202", "622848", "621700", "622588", "621483", "622700",
    "621226", "623058", "622262", "621661", "622609", "625965",
)  # fmt: skip

_EMAIL_NAMES_ZH = (
    "zhangwei", "wangfang", "liuyang", "chenjing", "lina", "zhaolei", "huangmin",
    "zhouqiang", "wuxia", "xuhui", "sunli", "majun", "zhuyan", "hulin", "guojie",
)  # fmt: skip
_EMAIL_DOMAINS_ZH = ("qq.com", "163.com", "126.com", "sina.com", "foxmail.com", "139.com")
_EMAIL_FIRST_EN = (
    "james", "mary", "john", "linda", "david", "susan", "michael", "karen",
    "robert", "emma", "daniel", "olivia", "chris", "sophie", "alex", "grace",
)  # fmt: skip
_EMAIL_LAST_EN = (
    "smith", "johnson", "brown", "taylor", "miller", "wilson", "moore",
    "clark", "walker", "young", "king", "wright", "hill", "green",
)  # fmt: skip
_EMAIL_DOMAINS_EN = ("gmail.com", "outlook.com", "yahoo.com", "hotmail.com", "example.com", "icloud.com")

# Area codes of large US and Canadian cities; exchange 555 with line numbers
# 0100-0199 is the block reserved for fictional use, so no real person is called.
_NANP_AREA_CODES = ("212", "312", "415", "617", "646", "206", "213", "305", "404", "512", "416", "604")



def _digits(rng: np.random.Generator, n: int) -> str:
    return "".join(str(d) for d in rng.integers(0, 10, size=n))


def _pick(rng: np.random.Generator, options: tuple[str, ...] | list[str]) -> str:
    return options[int(rng.integers(len(options)))]


def cn_mobile(rng: np.random.Generator, grouped: bool = False) -> str:
    """An 11-digit Chinese mobile number with a carrier prefix.

    Args:
        rng: random generator.
        grouped: write it as ``138 0013 8000`` (3-4-4) instead of one run.
    """
    number = _pick(rng, CN_MOBILE_PREFIXES) + _digits(rng, 8)
    return f"{number[:3]} {number[3:7]} {number[7:]}" if grouped else number


def resident_id(rng: np.random.Generator) -> str:
    """An 18-character resident ID number with a valid region, birth date and check character.

    Birth dates fall between 1950 and 2005, so every holder is an adult caller.
    """
    region = _pick(rng, REGION_CODES)
    start = dt.date(1950, 1, 1).toordinal()
    end = dt.date(2005, 12, 31).toordinal()
    born = dt.date.fromordinal(int(rng.integers(start, end + 1)))
    sequence = f"{int(rng.integers(1, 1000)):03d}"
    first17 = f"{region}{born:%Y%m%d}{sequence}"
    return first17 + resident_id_checksum(first17)


def bank_card(rng: np.random.Generator, length: int | None = None, spaced: bool = False) -> str:
    """A UnionPay card number (starts with 62) whose last digit passes the Luhn check.

    Args:
        rng: random generator.
        length: 16 to 19 digits; drawn (mostly 16 or 19) when None.
        spaced: group the digits in fours, as printed on the card.

    Raises:
        ValueError: if ``length`` is outside 16-19.
    """
    if length is None:
        length = int(rng.choice([16, 17, 18, 19], p=[0.55, 0.05, 0.05, 0.35]))
    if not 16 <= length <= 19:
        raise ValueError(f"UnionPay card numbers have 16-19 digits, got length={length}")
    partial = _pick(rng, UNIONPAY_BINS) + _digits(rng, length - 7)
    number = partial + luhn_check_digit(partial)
    if spaced:
        return " ".join(number[i : i + 4] for i in range(0, len(number), 4))
    return number


def email(rng: np.random.Generator, language: str = "en") -> str:
    """A plausible personal e-mail address (pinyin names and Chinese providers for ``zh``)."""
    if language == "zh":
        style = int(rng.integers(3))
        if style == 0:
            # QQ mail addresses are often just the QQ number.
            return f"{int(rng.integers(10_000_000, 3_000_000_000))}@qq.com"
        name = _pick(rng, _EMAIL_NAMES_ZH)
        suffix = str(int(rng.integers(1970, 2006))) if style == 1 else _digits(rng, int(rng.integers(2, 4)))
        return f"{name}{suffix}@{_pick(rng, _EMAIL_DOMAINS_ZH)}"
    first, last = _pick(rng, _EMAIL_FIRST_EN), _pick(rng, _EMAIL_LAST_EN)
    style = int(rng.integers(4))
    local = (f"{first}.{last}", f"{first}{last}{int(rng.integers(1, 100))}", f"{first[0]}{last}", f"{first}_{last}")[
        style
    ]
    return f"{local}@{_pick(rng, _EMAIL_DOMAINS_EN)}"


def en_phone_digits(rng: np.random.Generator) -> str:
    """Ten digits of a fictional North American number: area code, 555, 01xx."""
    return f"{_pick(rng, _NANP_AREA_CODES)}5550{int(rng.integers(100, 200)):03d}"


def format_en_phone(digits: str, style: int) -> str:
    """Write ten NANP digits in one of four common styles (0-3).

    Examples:
        >>> [format_en_phone("4155550142", s) for s in range(4)]
        ['(415) 555-0142', '+1 415 555 0142', '415-555-0142', '415.555.0142']
    """
    a, b, c = digits[:3], digits[3:6], digits[6:]
    return (f"({a}) {b}-{c}", f"+1 {a} {b} {c}", f"{a}-{b}-{c}", f"{a}.{b}.{c}")[style % 4]


def en_phone(rng: np.random.Generator) -> str:
    """A fictional North American phone number in a random common format."""
    return format_en_phone(en_phone_digits(rng), int(rng.integers(4)))


def spoken_digits_en(digits: str, rng: np.random.Generator, groups: tuple[int, ...] | None = None) -> str:
    """Digits read out as English words, as a caller says them.

    Zero is read "oh" or "zero" (one choice per string); groups are separated
    by commas when ``groups`` gives their sizes.

    Args:
        digits: the digit string (non-digits are dropped).
        rng: random generator.
        groups: sizes of the digit groups, e.g. ``(3, 3, 4)`` for a phone number.

    Examples:
        >>> spoken_digits_en("4155550142", np.random.default_rng(0), groups=(3, 3, 4))
        'four one five, five five five, zero one four two'
    """
    digits = "".join(c for c in digits if c.isdigit())
    zero = "oh" if rng.random() < 0.4 else "zero"
    words = [zero if c == "0" else EN_DIGIT_WORDS[int(c)] for c in digits]
    if not groups:
        return " ".join(words)
    parts, i = [], 0
    for size in groups:
        parts.append(" ".join(words[i : i + size]))
        i += size
    if i < len(words):
        parts.append(" ".join(words[i:]))
    return ", ".join(p for p in parts if p)


def spoken_digits_zh(digits: str, rng: np.random.Generator) -> str:
    """Digits read out in Chinese characters, as a caller says a phone or card number.

    Callers usually say 幺 for 1 in phone numbers, so it cannot be confused
    with 七; the choice is made once per string.

    Examples:
        >>> spoken_digits_zh("13800138000", np.random.default_rng(1))
        '幺三八零零幺三八零零零'
    """
    digits = "".join(c for c in digits if c.isdigit())
    one = "幺" if rng.random() < 0.7 else "一"
    return "".join(one if c == "1" else ZH_DIGITS[int(c)] for c in digits)
