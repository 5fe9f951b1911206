"""Which language one text is in: the one rule every analysis uses (topics, sentiment, speech).

The centre's texts are Chinese or English, often mixed within a corpus (and
Chinese texts carry English product names), so the rule is a share of Chinese
characters among the letters rather than a general language identifier.
"""

from __future__ import annotations

import re

_CJK = re.compile(r"[\u3400-\u9fff]")
# Letters counted for the share: CJK ideographs and Latin letters (digits and punctuation say nothing).
_LETTERS = re.compile(r"[\u3400-\u9fffA-Za-z]")


def cjk_share(text: str) -> float:
    """Share of the letters of ``text`` that are Chinese characters (0 when it has none).

    >>> cjk_share("我的iPhone")
    0.25
    """
    letters = _LETTERS.findall(text)
    return sum(1 for ch in letters if _CJK.match(ch)) / len(letters) if letters else 0.0


def text_language(text: str, zh_share: float = 0.3) -> str:
    """``zh`` when at least ``zh_share`` (0..1) of the letters of one text are Chinese characters, else ``en``.

    Per document, unlike a per-corpus detection: a mixed corpus is split by it so each
    language gets its own treatment. A text without letters counts as ``en``.

    >>> text_language("我的iPhone屏幕坏了"), text_language("when will my refund arrive")
    ('zh', 'en')
    """
    return "zh" if cjk_share(text) >= zh_share and _CJK.search(text) else "en"
