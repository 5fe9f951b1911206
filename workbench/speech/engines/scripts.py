"""Writing scripts of transcribed text: Mandarin is stored in simplified characters.

Whisper writes traditional characters now and then; every Mandarin segment is
mapped to simplified ones (OpenCC ``t2s``) so that searches, redaction rules
and topic models see one script.
"""

from __future__ import annotations

from typing import Any

_T2S: Any = None


def to_simplified(text: str) -> str:
    """Traditional Chinese characters mapped to simplified ones (OpenCC ``t2s``).

    >>> to_simplified("廣州市房地產")
    '广州市房地产'
    """
    global _T2S
    if _T2S is None:
        from opencc import OpenCC

        _T2S = OpenCC("t2s")
    return _T2S.convert(text)


def finish_text(text: str, language: str) -> str:
    """A segment's text as stored: whitespace normalised, simplified characters for Mandarin (``zh*``).

    >>> finish_text("  hello   there ", "en")
    'hello there'
    """
    text = " ".join(text.split())
    return to_simplified(text) if language.startswith("zh") else text
