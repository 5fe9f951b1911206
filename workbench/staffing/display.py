"""Staffing-forecast tables as managers read them: readable translated headings, numbers for the locale.

The tables of the staffing forecast (the backtest summary, workload,
callers' patience, weekly totals) keep their machine column names where they
are saved; :func:`display_table` turns a copy into what a report shows, in
the interface language (:mod:`workbench.i18n`). Queue and series ids are data
and stay as they are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workbench.i18n import N_

if TYPE_CHECKING:
    import pandas as pd

#: Column -> heading people read (columns :data:`workbench.i18n.COLUMN_LABELS` lacks); translated where shown.
DISPLAY_LABELS: dict[str, str] = {
    "unique_id": N_("Queue"),
    "model": N_("Model"),
    "folds": N_("Test weeks"),
    "mase": N_("Error against last week's pattern (MASE)"),
    "wape": N_("Error as a share of calls (WAPE)"),
    "mase_vs_baseline": N_("Error against the simple baseline"),
    "workload_hours": N_("Workload (hours)"),
    "abandoned": N_("Calls abandoned"),
    "mean_patience_seconds": N_("Average patience (s)"),
    "week_start": N_("Week starting"),
    "raw_agent_hours": N_("Agent hours on the phones"),
    "scheduled_agent_hours": N_("Agent hours paid"),
    "peak_scheduled_agents": N_("Most agents at once"),
    "calls": N_("Forecast calls"),
    "table": N_("Saved as"),
    "rows": N_("Rows"),
    "run_id": N_("Run"),
}

#: Model names shown as words (translated where shown); unknown names stay as they are.
MODEL_WORDS: dict[str, str] = {
    "prophet": N_("Prophet (seasonal model)"),
    "seasonal_naive": N_("last week's pattern (baseline)"),
    "profile": N_("average week profile"),
    "mstl": N_("MSTL (seasonal model)"),
}

_INTEGER_COLUMNS = frozenset({"folds", "abandoned", "rows", "peak_scheduled_agents"})


def model_words(name: str, language: str | None = None) -> str:
    """A forecast model's name as people read it (:data:`MODEL_WORDS`, translated); unknown names as they are."""
    from workbench import i18n

    return i18n.gettext(MODEL_WORDS[name], language) if name in MODEL_WORDS else name


def _shown(column: str, value: Any, language: str | None) -> Any:
    from workbench import i18n

    if column == "model" and isinstance(value, str):
        return model_words(value, language)
    if column == "week_start" and value is not None and value == value:
        return i18n.format_date(value, language)
    if isinstance(value, bool) or not isinstance(value, (int, float)) and not hasattr(value, "dtype"):
        return value
    if value != value:
        return ""
    if column == "wape":
        return i18n.format_percent(value, 1, language)
    if column in _INTEGER_COLUMNS or column == "calls":
        return i18n.format_number(value, 0, language)
    if column in ("mase", "mase_vs_baseline"):
        return i18n.format_number(value, 2, language)
    return i18n.format_number(value, 1, language)


def display_table(frame: pd.DataFrame, language: str | None = None) -> pd.DataFrame:
    """A copy of a staffing-forecast table for people: translated headings (:data:`DISPLAY_LABELS`), model
    names in words, counts grouped, hours and seconds with one decimal, WAPE as a percentage, in the
    interface language. Does not change ``frame``."""
    from workbench import i18n

    shown = frame.copy()
    for column in shown.columns:
        shown[column] = [_shown(column, value, language) for value in frame[column]]
    return i18n.labelled_columns(shown, language, labels=DISPLAY_LABELS)
