"""Transcription-report tables as people read them: readable translated headings, numbers for the locale.

The tables of the transcription report (the batch summary, speech metrics,
compliance results and their per-call totals) keep their machine column names
where they are saved; :func:`display_table` turns a copy into what a report
shows, in the interface language (:mod:`workbench.i18n`). Call ids, file
names, rule names, model names and transcript text are data and stay as they
are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workbench.i18n import N_

if TYPE_CHECKING:
    import pandas as pd

#: Column -> heading people read (columns :data:`workbench.i18n.COLUMN_LABELS` lacks); translated where shown.
DISPLAY_LABELS: dict[str, str] = {
    "file": N_("File"),
    "call_id": N_("Call"),
    "status": N_("Status"),
    "error": N_("Error"),
    "audio_seconds": N_("Audio (s)"),
    "segments": N_("Segments"),
    "model": N_("Model"),
    "agent_talk_share": N_("Agent's share of talking"),
    "silence_share": N_("Silence share (gaps over 5 s)"),
    "longest_silence_seconds": N_("Longest silence (s)"),
    "overtalk_count": N_("Overtalk (times)"),
    "overtalk_share": N_("Overtalk share"),
    "agent_words_per_minute": N_("Agent words a minute"),
    "customer_words_per_minute": N_("Customer words a minute"),
    "turn_count": N_("Turns"),
    "rule_id": N_("Rule"),
    "passed": N_("Passed"),
    "severity": N_("Severity"),
    "score": N_("Points deducted"),
    "evidence": N_("Evidence (redacted)"),
    "rules": N_("Rules checked"),
    "failed": N_("Failed checks"),
    "points_deducted": N_("Points deducted"),
}

#: Values of the ``status`` and ``severity`` columns shown as words (translated where shown); others as they are.
VALUE_WORDS: dict[str, str] = {
    "succeeded": N_("succeeded"),
    "skipped": N_("skipped"),
    "failed": N_("failed"),
    "low": N_("low"),
    "medium": N_("medium"),
    "high": N_("high"),
    "negative": N_("negative"),
    "neutral": N_("neutral"),
    "positive": N_("positive"),
    "channels": N_("stereo channels"),
    "diarized": N_("voices (diarized)"),
    "single": N_("not told apart"),
}

_SHARE_COLUMNS = frozenset({"agent_talk_share", "silence_share", "overtalk_share"})
_COUNT_COLUMNS = frozenset({"segments", "overtalk_count", "turn_count", "rules", "failed", "agitated_turns"})
_WORD_COLUMNS = ("status", "severity", "call_sentiment_label", "sentiment_label", "speaker_source")
_DECIMALS = {"score": 0, "points_deducted": 0, "agent_words_per_minute": 0, "customer_words_per_minute": 0,
             "customer_sentiment": 2, "customer_sentiment_start": 2, "customer_sentiment_end": 2,
             "agent_sentiment": 2, "call_sentiment": 2, "most_negative_score": 2, "sentiment_score": 2,
             "role_confidence": 2, "pitch_relative": 2, "loudness_relative_db": 1, "speaking_rate_relative": 2}


def value_words(value: Any, language: str | None = None) -> Any:
    """A status, severity, sentiment label or speaker source as people read it (:data:`VALUE_WORDS`,
    translated); other values as they are."""
    from workbench import i18n

    return i18n.gettext(VALUE_WORDS[value], language) if isinstance(value, str) and value in VALUE_WORDS else value


def display_table(frame: pd.DataFrame, language: str | None = None) -> pd.DataFrame:
    """A copy of a transcription-report table for people: translated headings (:data:`DISPLAY_LABELS`),
    status and severity in words, shares as percentages, counts grouped, seconds with one decimal, in the
    interface language (:func:`workbench.i18n.people_table`). Call ids, rule ids, file names and transcript
    text stay as they are. Does not change ``frame``."""
    from workbench import i18n

    return i18n.people_table(
        frame, language, labels=DISPLAY_LABELS, percent=_SHARE_COLUMNS, whole=_COUNT_COLUMNS, decimals=_DECIMALS,
        special={column: value_words for column in _WORD_COLUMNS},
        as_is={"file", "call_id", "rule_id", "evidence", "error", "model", "language", "sentiment_model"},
    )
