"""Check digits and spoken-digit normalisation for personal identifiers.

Pure string functions with no third-party imports, shared by the sample
generator (which writes valid identifiers) and the redactor in
:mod:`workbench.speech.pii` (which recognises them):

* the GB 11643-1999 check character of 18-digit Chinese resident ID numbers,
  and a validator that also checks the province code and the birth date;
* the Luhn (mod 10) check digit of bank card numbers;
* digits spoken as English words or Chinese characters, and full-width
  digits, turned into ASCII digits.
"""

from __future__ import annotations

import datetime as dt
import re

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"

# Province-level codes of GB/T 2260 (first two digits of a resident ID):
# the mainland's 31 provinces, plus Taiwan (71), Hong Kong (81) and Macao (82)
# used on residence permits. Checking the province rather than a list of
# county codes keeps every real ID in scope while rejecting most random digits.
PROVINCE_CODES: frozenset[str] = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82".split()
)

EN_DIGIT_WORDS: tuple[str, ...] = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
ZH_DIGITS = "零一二三四五六七八九"

# Spoken forms of single digits: English words ("oh" and a lone "o" for zero),
# Chinese characters including the phone-number forms 幺 (1), 两 (2), 拐 (7),
# 洞 and 〇 (0), and full-width digits as an input method writes them.
SPOKEN_DIGITS: dict[str, str] = (
    {w: str(i) for i, w in enumerate(EN_DIGIT_WORDS)}
    | {"oh": "0", "o": "0"}
    | {c: str(i) for i, c in enumerate(ZH_DIGITS)}
    | {"幺": "1", "两": "2", "拐": "7", "洞": "0", "〇": "0"}
    | {chr(0xFF10 + i): str(i) for i in range(10)}
)
_REPEATS = {"double": 2, "triple": 3}
_TOKEN_RE = re.compile(r"[A-Za-z]+|[0-9]|[^\sA-Za-z0-9]")


def resident_id_checksum(first17: str) -> str:
    """Check character of an 18-digit resident ID number (GB 11643-1999).

    The first 17 digits are weighted by 2**(17-i) mod 11, summed, and the
    remainder mod 11 picks the check character from ``10X98765432``.

    Args:
        first17: the 17 leading digits (region, birth date, sequence).

    Returns:
        One character, ``0``-``9`` or ``X``.

    Raises:
        ValueError: if ``first17`` is not exactly 17 ASCII digits.

    Examples:
        >>> resident_id_checksum("11010519491231002")
        'X'
        >>> resident_id_checksum("44052418800101001")
        '4'
    """
    if len(first17) != 17 or not (first17.isascii() and first17.isdigit()):
        raise ValueError(f"expected 17 digits, got {first17!r}")
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS))
    return _ID_CHECK_CHARS[total % 11]


def is_valid_resident_id(number: str, today: dt.date | None = None) -> bool:
    """Whether a string is a well-formed 18-character resident ID number.

    Checks the length, a province code (:data:`PROVINCE_CODES`), a real
    birth date between 1900 and ``today``, and the check character (an upper-
    or lower-case ``X`` is accepted as the check character 10).

    Args:
        number: the 18 characters, without spaces.
        today: latest acceptable birth date (default: the current date).

    Examples:
        >>> is_valid_resident_id("11010519491231002X")
        True
        >>> is_valid_resident_id("11010519491231002x")
        True
        >>> is_valid_resident_id("110105194912310021")  # wrong check character
        False
        >>> is_valid_resident_id("99010519491231002X")  # no such province
        False
    """
    if len(number) != 18 or not (number[:17].isascii() and number[:17].isdigit()):
        return False
    if number[:2] not in PROVINCE_CODES:
        return False
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    if not dt.date(1900, 1, 1) <= born <= (today or dt.date.today()):
        return False
    return resident_id_checksum(number[:17]) == number[17].upper()


def is_valid_old_resident_id(number: str) -> bool:
    """Whether a string is a well-formed first-generation (15-digit) resident ID number.

    Cards of this kind were issued until 2004 and are no longer valid, but
    their numbers live on in old records and in what customers read out.
    Layout: a 6-digit area code (first two a province code,
    :data:`PROVINCE_CODES`), a birth date ``YYMMDD`` in the 1900s, and a
    3-digit sequence number; there is no check digit.

    Args:
        number: the 15 digits, without spaces.

    Examples:
        >>> is_valid_old_resident_id("110105491231002")
        True
        >>> is_valid_old_resident_id("110105491331002")  # month 13
        False
        >>> is_valid_old_resident_id("990105491231002")  # no such province
        False
    """
    if len(number) != 15 or not (number.isascii() and number.isdigit()) or number[:2] not in PROVINCE_CODES:
        return False
    try:
        dt.date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))
    except ValueError:
        return False
    return True


def luhn_check_digit(partial: str) -> str:
    """Digit that makes ``partial + digit`` pass the Luhn (mod 10) check.

    Args:
        partial: the card number without its last digit; spaces are ignored.

    Returns:
        One digit as a string.

    Raises:
        ValueError: if ``partial`` holds anything but digits and spaces.

    Examples:
        >>> luhn_check_digit("7992739871")
        '3'
        >>> luhn_check_digit("6222 0212 3456 789")
        '4'
    """
    digits = partial.replace(" ", "")
    if not digits or not (digits.isascii() and digits.isdigit()):
        raise ValueError(f"expected digits, got {partial!r}")
    total = 0
    # Doubling starts at the rightmost digit of the partial number, because the
    # check digit that is appended takes the undoubled position.
    for i, c in enumerate(reversed(digits)):
        d = int(c)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    """Whether a card number (spaces allowed) passes the Luhn check.

    Examples:
        >>> luhn_valid("79927398713")
        True
        >>> luhn_valid("6222 0212 3456 7890")
        False
    """
    digits = number.replace(" ", "")
    if len(digits) < 2 or not (digits.isascii() and digits.isdigit()):
        return False
    return luhn_check_digit(digits[:-1]) == digits[-1]


def spoken_to_digits(text: str) -> str:
    """Digits of a number spoken in English words or Chinese characters, or written as numerals.

    Anything that is not a digit, a digit word or a digit character
    (punctuation, spaces, other words) is skipped. "double" and "triple"
    repeat the digit that follows, as British callers say them.

    Examples:
        >>> spoken_to_digits("four one five, five five five, oh one four two")
        '4155550142'
        >>> spoken_to_digits("幺三八零零幺三八零零零")
        '13800138000'
        >>> spoken_to_digits("double seven 3, ０１２")
        '773012'
    """
    out: list[str] = []
    repeat = 1
    for token in _TOKEN_RE.findall(text):
        key = token.lower()
        if key in _REPEATS:
            repeat = _REPEATS[key]
            continue
        digit = token if token.isascii() and token.isdigit() else SPOKEN_DIGITS.get(key)
        if digit is not None:
            out.append(digit * repeat)
        repeat = 1
    return "".join(out)
