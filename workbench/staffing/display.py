"""Staffing-forecast tables as managers read them: readable translated headings, numbers for the locale.

The tables of the staffing forecast (the backtest summary, workload,
callers' patience, weekly totals) keep their machine column names where they
are saved; :func:`display_table` turns a copy into what a report shows, in
the interface language (:mod:`workbench.i18n`). Queue and series ids are data
and stay as they are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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

_INTEGER_COLUMNS = frozenset({"folds", "abandoned", "rows", "peak_scheduled_agents", "calls"})


def model_words(name: str, language: str | None = None) -> str:
    """A forecast model's name as people read it (:data:`MODEL_WORDS`, translated); unknown names as they are."""
    from workbench import i18n

    return i18n.gettext(MODEL_WORDS[name], language) if name in MODEL_WORDS else name


def display_table(frame: pd.DataFrame, language: str | None = None) -> pd.DataFrame:
    """A copy of a staffing-forecast table for people: translated headings (:data:`DISPLAY_LABELS`), model
    names in words, counts grouped, hours and seconds with one decimal, WAPE as a percentage, in the
    interface language (:func:`workbench.i18n.people_table`). Does not change ``frame``."""
    from workbench import i18n

    return i18n.people_table(frame, language, labels=DISPLAY_LABELS, percent={"wape"}, whole=_INTEGER_COLUMNS,
                             decimals={"mase": 2, "mase_vs_baseline": 2}, dates={"week_start"},
                             special={"model": model_words})
