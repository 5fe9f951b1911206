"""What a reader sees of a page or a table, for the tests that look for text left in the wrong language.

Not a test module (no ``test_`` prefix); tests import it by name (``pythonpath`` in pyproject.toml)::

    from language_support import assert_tables_in_chinese, table_text, visible_text
"""

from __future__ import annotations

import html
import re


def visible_text(page: str) -> str:
    """What a reader of ``page`` sees: tags, styles and scripts dropped, entities decoded (chart text included)."""
    body = re.sub(r"(?is)<(style|script|head)\b.*?</\1>", " ", page)
    return html.unescape(re.sub(r"(?s)<[^>]+>", " ", body))


def table_text(frame) -> str:
    """A shown table's headings and cells as one text."""
    return " ".join(map(str, frame.columns)) + " " + " ".join(map(str, frame.to_numpy().ravel()))


_CJK = re.compile(r"[\u4e00-\u9fff]")


def assert_tables_in_chinese(display_table, frames) -> None:
    """Each frame shown in Chinese by ``display_table(frame, "zh")``: every heading holds Chinese and no
    catalogue text is left in English."""
    from workbench import i18n

    for frame in frames:
        shown = display_table(frame, "zh")
        assert all(_CJK.search(str(column)) for column in shown.columns), shown.columns
        assert i18n.untranslated_texts(table_text(shown), "zh") == []
