"""Topic tables as managers read them: readable translated headings, shares and numbers for the locale.

The topic, emerging-topic and pain tables keep their machine column names
where they are saved; :func:`display_table` turns a copy into what a report
shows, in the interface language (:mod:`workbench.i18n`). Topic labels, topic
words and example texts are data and are never translated.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.i18n import N_

if TYPE_CHECKING:
    import pandas as pd

#: Column -> heading people read (columns :data:`workbench.i18n.COLUMN_LABELS` lacks); translated where shown.
DISPLAY_LABELS: dict[str, str] = {
    "size": N_("Texts"),
    "is_new": N_("New since the last run"),
    "top_words": N_("Topic words"),
    "examples": N_("Examples"),
    "documents": N_("Texts"),
    "previous_documents": N_("Texts, period before"),
    "previous_share": N_("Share, period before"),
    "share_change": N_("Change in share"),
    "emerging": N_("Emerging"),
    "csat_mean": N_("Satisfaction (CSAT)"),
    "handle_seconds_mean": N_("Average handle time (s)"),
    "called_again_rate": N_("Called again"),
    "harm": N_("Harm"),
    "pain": N_("Pain"),
    "rank": N_("Rank"),
}

_SHARE_COLUMNS = frozenset({"share", "previous_share", "share_change", "called_again_rate", "abandonment_rate"})
_COUNT_COLUMNS = frozenset({"size", "documents", "previous_documents", "rank", "csat_responses"})


def _topic_id(value: object, language: str | None) -> object:
    """A topic id as written (``12``, ``-1``): an id, not a quantity, so never grouped."""
    return str(int(value)) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


def display_table(frame: pd.DataFrame, columns: list[str] | None = None, language: str | None = None) -> pd.DataFrame:
    """A copy of a topic table for people: ``columns`` of it (None: all), translated headings
    (:data:`DISPLAY_LABELS`), shares as percentages, yes/no in words, numbers for the interface
    language (:func:`workbench.i18n.people_table`). Labels, words and examples stay as they are.
    Does not change ``frame``."""
    from workbench import i18n

    shown = frame[[c for c in columns if c in frame.columns]] if columns else frame
    return i18n.people_table(shown, language, labels=DISPLAY_LABELS, percent=_SHARE_COLUMNS, whole=_COUNT_COLUMNS,
                             decimals={"harm": 2, "pain": 2, "csat_mean": 2}, special={"topic": _topic_id})
