"""Topic tables as managers read them: readable translated headings, shares and numbers for the locale.

The topic, emerging-topic and pain tables keep their machine column names
where they are saved; :func:`display_table` turns a copy into what a report
shows, in the interface language (:mod:`workbench.i18n`). Topic labels, topic
words and example texts are data and are never translated.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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


def _shown(column: str, value: Any, language: str | None) -> Any:
    from workbench import i18n

    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return i18n.gettext(N_("yes") if value else N_("no"), language)
    if isinstance(value, str) or not isinstance(value, (int, float)) and not hasattr(value, "dtype"):
        return value
    if value != value:
        return ""
    if column in _SHARE_COLUMNS:
        return i18n.format_percent(value, 1, language)
    if column in ("size", "documents", "previous_documents", "rank", "topic", "csat_responses"):
        return i18n.format_number(value, 0, language) if column != "topic" else str(int(value))
    if column in ("harm", "pain", "csat_mean"):
        return i18n.format_number(value, 2, language)
    return i18n.format_number(value, 1, language)


def display_table(frame: pd.DataFrame, columns: list[str] | None = None, language: str | None = None) -> pd.DataFrame:
    """A copy of a topic table for people: ``columns`` of it (None: all), translated headings
    (:data:`DISPLAY_LABELS`), shares as percentages, yes/no in words, numbers for the interface
    language. Labels, words and examples stay as they are. Does not change ``frame``."""
    from workbench import i18n

    shown = frame[[c for c in columns if c in frame.columns]].copy() if columns else frame.copy()
    for column in shown.columns:
        shown[column] = [_shown(column, value, language) for value in shown[column]]
    return i18n.labelled_columns(shown, language, labels=DISPLAY_LABELS)
