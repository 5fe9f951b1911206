"""Driver tables as managers read them: readable translated headings, words for the models and directions.

The tables of :mod:`workbench.drivers.models` keep their machine column names
and values (``model``, ``direction``, ``raises CSAT``) where they are saved;
:func:`display_table` turns a copy into what a report shows, in the interface
language (:mod:`workbench.i18n`). Driver names (``wait_seconds``), agent ids
and category values are data and stay as they are.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from workbench.i18n import N_

if TYPE_CHECKING:
    import pandas as pd

#: Column -> heading people read (columns :data:`workbench.i18n.COLUMN_LABELS` lacks); translated where shown.
DISPLAY_LABELS: dict[str, str] = {
    "model": N_("Model"),
    "feature": N_("Driver"),
    "effect": N_("Effect"),
    "ci_low": N_("Low end (95%)"),
    "ci_high": N_("High end (95%)"),
    "kind": N_("Kind"),
    "step": N_("Step"),
    "direction": N_("Direction"),
    "rank": N_("Rank"),
    "rank_logistic": N_("Rank (logistic)"),
    "rank_boosting": N_("Rank (boosting)"),
    "effect_logistic": N_("Effect (logistic)"),
    "effect_boosting": N_("Effect (boosting)"),
    "issue": N_("Disagreement"),
    "scenario": N_("Scenario"),
    "top_box_now": N_("Top-box share now"),
    "top_box_after": N_("Top-box share after"),
    "change": N_("Change"),
    "surveys": N_("Surveys"),
    "top_box_rate": N_("Satisfied share"),
    "expected_rate": N_("Expected satisfied share"),
    "raw_effect": N_("Raw effect"),
    "shrinkage": N_("Pull toward the average"),
    "differs": N_("Differs from average"),
    "weighting": N_("Weighting"),
    "calls": N_("Calls"),
    "surveyed": N_("Surveyed calls"),
    "response_rate": N_("Survey response rate"),
    "weight_min": N_("Smallest weight"),
    "weight_max": N_("Largest weight"),
    "effective_sample_size": N_("Effective sample size"),
    "top_box_unweighted": N_("Top-box share, unweighted"),
    "top_box_weighted": N_("Top-box share, weighted"),
    "weighted": N_("Weighted"),
    "effect_unweighted": N_("Effect, unweighted"),
    "effect_weighted": N_("Effect, weighted"),
    "importance": N_("Importance"),
    "importance_sd": N_("Importance, spread"),
    "unweighted": N_("Unweighted"),
}

#: Values of the model tables shown as words (translated where shown); other values are data.
VALUE_WORDS: dict[str, str] = {
    "logistic": N_("logistic regression"),
    "boosting": N_("gradient boosting"),
    "raises CSAT": N_("raises CSAT"),
    "lowers CSAT": N_("lowers CSAT"),
    "varies by level": N_("varies by level"),
    "none": N_("none"),
    "numeric": N_("number"),
    "binary": N_("yes/no"),
    "categorical": N_("category"),
    "opposite directions": N_("opposite directions"),
    "inverse probability of response": N_("inverse probability of response"),
    "off": N_("off"),
}

_SHARE_COLUMNS = frozenset({"top_box_now", "top_box_after", "change", "top_box_rate", "expected_rate",
                            "response_rate", "top_box_unweighted", "top_box_weighted"})
_COUNT_COLUMNS = frozenset({"rank", "rank_logistic", "rank_boosting", "surveys", "calls", "surveyed"})


def _issue(part: str, language: str | None) -> str:
    from workbench import i18n

    ranks = re.fullmatch(r"rank (\d+) vs (\d+)", part)
    if ranks:
        return i18n.format_text("rank {logistic} vs {boosting}", language, logistic=ranks[1], boosting=ranks[2])
    return i18n.gettext(VALUE_WORDS[part], language) if part in VALUE_WORDS else part


def _issues(value: object, language: str | None) -> object:
    """A disagreement's issues (``opposite directions; rank 5 vs 1``) in words, part by part."""
    return "; ".join(_issue(part, language) for part in value.split("; ")) if isinstance(value, str) else value


def display_table(frame: pd.DataFrame, language: str | None = None) -> pd.DataFrame:
    """A copy of a driver, disagreement, what-if, weighting or agent table for people.

    Headings readable and translated (:data:`DISPLAY_LABELS`), model names,
    directions and yes/no in words (:data:`VALUE_WORDS`), shares as
    percentages, ranks and counts as whole numbers and other numbers with three
    decimals, for the interface language (:func:`workbench.i18n.people_table`).
    Driver names and agent ids stay as they are. Does not change ``frame``.
    """
    from workbench import i18n

    # a what-if's interval is around a change in the share, so it is a share too
    shares = _SHARE_COLUMNS | {"ci_low", "ci_high"} if "scenario" in frame.columns else _SHARE_COLUMNS
    return i18n.people_table(frame, language, labels=DISPLAY_LABELS, percent=shares, whole=_COUNT_COLUMNS,
                             default_decimals=3, words=VALUE_WORDS, special={"issue": _issues})
