"""Summaries of what ingestion did: reject reasons and cleaning flags, for reports.

Rejected rows live in ``<rejects_dir>/<batch_id>.csv`` (one file per batch,
written by :mod:`workbench.ingest.load`); this module reads them back and
counts reasons, so a report can show why rows were refused without opening
each file.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from workbench.i18n import N_

REJECT_COLUMNS = ["batch_id", "line_number", "reject_reason"]


def read_batch_rejects(batch_ids: Iterable[str], rejects_dir: str | Path) -> pd.DataFrame:
    """The rejected rows of the given batches.

    Batches with no rejects file (nothing rejected) contribute nothing.

    Args:
        batch_ids: batch ids, e.g. the ``batch_id`` column of an ingestion summary.
        rejects_dir: the folder ingestion wrote ``<batch_id>.csv`` into.

    Returns:
        Columns ``batch_id, line_number, reject_reason`` (the vendor's columns
        differ between profiles, so they are left in the files).
    """
    frames = []
    for batch_id in dict.fromkeys(b for b in batch_ids if isinstance(b, str)):
        path = Path(rejects_dir) / f"{batch_id}.csv"
        if path.is_file():
            rejects = pd.read_csv(path, usecols=["line_number", "reject_reason"], encoding="utf-8-sig",
                                  dtype={"line_number": "Int64", "reject_reason": "string"})
            frames.append(rejects.assign(batch_id=batch_id)[REJECT_COLUMNS])
    if not frames:
        return pd.DataFrame({"batch_id": pd.Series(dtype="string"), "line_number": pd.Series(dtype="Int64"),
                             "reject_reason": pd.Series(dtype="string")})
    return pd.concat(frames, ignore_index=True)


def reject_reason_counts(rejects: pd.DataFrame) -> pd.DataFrame:
    """Rows per reason code; a row with several reasons counts under each.

    Args:
        rejects: needs ``reject_reason`` (``"<code>: <detail>"``, reasons joined by ``"; "``).

    Returns:
        Columns ``reason_code, rows, example``, most frequent first.

    >>> reject_reason_counts(pd.DataFrame({"reject_reason": [
    ...     "bad_timestamp: Call Start 'x' does not match", "negative_duration: Talk Time '-1' is negative; "
    ...     "bad_timestamp: Call End 'y' does not match"]}))[["reason_code", "rows"]].to_dict("list")
    {'reason_code': ['bad_timestamp', 'negative_duration'], 'rows': [2, 1]}
    """
    if "reject_reason" not in rejects:
        raise KeyError("reject_reason_counts needs column 'reject_reason'")
    reasons = rejects["reject_reason"].dropna().astype(str).str.split("; ").explode()
    reasons = reasons[reasons.str.len() > 0]
    frame = pd.DataFrame({"reason_code": reasons.str.split(":", n=1).str[0].str.strip(), "example": reasons})
    counts = (
        frame.groupby("reason_code", sort=False)
        .agg(rows=("example", "size"), example=("example", "first"))
        .reset_index()
        .sort_values(["rows", "reason_code"], ascending=[False, True], ignore_index=True)
    )
    return counts.astype({"rows": "int64"})


def cleaning_flag_counts(calls: pd.DataFrame) -> pd.DataFrame:
    """Calls per cleaning flag (misdial, test_number, internal, phantom, ...).

    Args:
        calls: needs ``flags`` (comma-separated, None when no flag applies).

    Returns:
        Columns ``flag, calls``, most frequent first; empty when nothing was flagged.

    >>> cleaning_flag_counts(pd.DataFrame({"flags": ["misdial", None, "phantom,internal", "misdial"]})).to_dict("list")
    {'flag': ['misdial', 'internal', 'phantom'], 'calls': [2, 1, 1]}
    """
    if "flags" not in calls:
        raise KeyError("cleaning_flag_counts needs column 'flags'")
    flags = calls["flags"].dropna().astype(str).str.split(",").explode().str.strip()
    flags = flags[flags.str.len() > 0]
    counts = flags.value_counts().rename_axis("flag").reset_index(name="calls")
    return counts.sort_values(["calls", "flag"], ascending=[False, True], ignore_index=True).astype({"calls": "int64"})


#: Headings of the ingestion report's tables (columns :data:`workbench.i18n.COLUMN_LABELS` lacks); translated
#: where shown with :func:`display_table`. Values stay as they are.
DISPLAY_LABELS: dict[str, str] = {
    "file": N_("File"),
    "status": N_("Status"),
    "rows_read": N_("Rows read"),
    "rows_loaded": N_("Rows loaded"),
    "rows_rejected": N_("Rows rejected"),
    "rows_duplicate": N_("Rows already loaded"),
    "blank_lines": N_("Blank lines"),
    "error": N_("Error"),
    "warning": N_("Warning"),
    "profile": N_("Profile"),
    "table": N_("Table"),
    "encoding": N_("Encoding"),
    "columns mapped": N_("Columns mapped"),
    "outcome codes": N_("Outcome codes"),
    "description": N_("Description"),
    "flag": N_("Cleaning flag"),
    "batch_id": N_("Batch"),
    "kind": N_("Kind"),
    "finished_at": N_("Finished"),
    "reason_code": N_("Reason"),
}

#: Batch and file statuses shown as words (translated where shown); other values as they are.
STATUS_WORDS: dict[str, str] = {
    "succeeded": N_("succeeded"),
    "skipped": N_("skipped"),
    "failed": N_("failed"),
}

_COUNT_COLUMNS = frozenset({"rows_read", "rows_loaded", "rows_rejected", "rows_duplicate", "blank_lines",
                            "columns mapped", "outcome codes", "rows", "calls"})
# Names, ids, codes and vendor texts are data: never reformatted or translated.
_DATA_COLUMNS = frozenset({"file", "error", "warning", "profile", "table", "encoding", "description", "flag",
                           "batch_id", "kind", "reason_code", "example"})


def _status_words(value: object, language: str | None = None) -> object:
    from workbench import i18n

    return i18n.gettext(STATUS_WORDS[value], language) if isinstance(value, str) and value in STATUS_WORDS else value


def display_table(frame: pd.DataFrame, language: str | None = None) -> pd.DataFrame:
    """A copy of an ingestion-report table for people: translated headings (:data:`DISPLAY_LABELS`), statuses
    in words, counts grouped for the interface language (:func:`workbench.i18n.people_table`). File names,
    profiles, batch ids, reason codes and vendor texts stay as they are. Does not change ``frame``."""
    from workbench import i18n

    return i18n.people_table(frame, language, labels=DISPLAY_LABELS, whole=_COUNT_COLUMNS,
                             special={"status": _status_words}, as_is=_DATA_COLUMNS)
