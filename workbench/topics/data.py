"""Texts in, results out: documents from the store or a file, topic runs into the store.

Only this module touches the store for topics; the model and the analyses take
and return DataFrames.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pandas as pd

from workbench.errors import InputDataError
from workbench.glossary import require_columns
from workbench.store import Store

DOCUMENT_COLUMNS = ["id", "call_id", "text", "language", "queue_id", "arrived_at"]


def store_documents(
    store: Store, *, unit: Literal["call", "turn"] = "call", speakers: tuple[str, ...] = ("customer",)
) -> pd.DataFrame:
    """Transcript texts from the store, joined to their calls.

    Args:
        store: an open store holding ``transcript_segments`` (and ``calls`` for the context columns).
        unit: ``call`` joins each call's turns into one document (id = call id);
            ``turn`` keeps every segment (id = ``<call_id>:<segment_index>``).
        speakers: speaker roles kept (default the customer's turns: they say why
            they call; pass ``("customer", "agent", "unknown")`` for the whole call).

    Returns:
        ``id, call_id, text, language, queue_id, arrived_at`` (queue and time null
        for a transcript whose call is not loaded), ordered by id.
    """
    from workbench.store import readers

    if unit not in ("call", "turn"):
        raise InputDataError(f"unit must be 'call' or 'turn', found '{unit}'", field="unit")
    return readers.transcript_documents(store, unit=unit, speakers=speakers)[DOCUMENT_COLUMNS]


def sample_documents(transcripts: pd.DataFrame, *, speakers: tuple[str, ...] = ("customer",)) -> pd.DataFrame:
    """Call documents from the generated sample's ``transcripts.csv`` (``call_id, turn_index, speaker, text, language``).

    Returns:
        ``id, call_id, text, language`` with one row per call (its ``speakers``' turns joined in order).
    """
    require_columns(transcripts, ["call_id", "turn_index", "speaker", "text", "language"], "sample_documents")
    kept = transcripts[transcripts["speaker"].isin(speakers)].sort_values(["call_id", "turn_index"], kind="stable")
    docs = kept.groupby("call_id", sort=True).agg(text=("text", " ".join), language=("language", "first")).reset_index()
    docs.insert(0, "id", docs["call_id"])
    return docs


def read_documents(path: str | Path, *, text_column: str = "text", id_column: str | None = None) -> pd.DataFrame:
    """A CSV or Parquet file of texts, read as strings.

    Raises:
        InputDataError: the file is missing, of another format, or lacks ``text_column``.
    """
    path = Path(path)
    if not path.is_file():
        raise InputDataError("file not found", file=path)
    if path.suffix.lower() == ".parquet":
        frame = pd.read_parquet(path)
    elif path.suffix.lower() in (".csv", ".txt"):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    else:
        raise InputDataError(f"expected a .csv or .parquet file, found '{path.suffix}'", file=path)
    require_columns(frame, [text_column] + ([id_column] if id_column else []), "read_documents", file=path)
    return frame


def write_run(store: Store, model_id: str, assignments: pd.DataFrame, topics: pd.DataFrame) -> dict[str, int]:
    """Record a run's topics and assignments under ``model_id``, replacing that model's earlier rows.

    Args:
        assignments: ``id, topic, probability``; ``call_id`` when known.
        topics: ``topic, label, size, top_words, is_new``.

    Returns:
        Rows written per table.
    """
    rows = pd.DataFrame(
        {
            "model_id": model_id,
            "document_id": assignments["id"].astype(str).to_numpy(),
            "call_id": (assignments["call_id"] if "call_id" in assignments else assignments["id"].str.split(":").str[0])
            .astype(str)
            .to_numpy(),
            "topic_id": assignments["topic"].astype(int).to_numpy(),
            "probability": assignments["probability"].astype(float).to_numpy(),
        }
    )
    table = pd.DataFrame(
        {
            "model_id": model_id,
            "topic_id": topics["topic"].astype(int).to_numpy(),
            "label": topics["label"].astype(str).to_numpy(),
            "size": topics["size"].astype(int).to_numpy(),
            "top_words": topics["top_words"].fillna("").astype(str).to_numpy(),
            "is_new": topics["is_new"].astype(bool).to_numpy(),
        }
    )
    # The run's own batch row: its finish time is what makes this run the latest one
    # (workbench.store.readers.latest_run_id), whatever its id looks like.
    now = pd.Timestamp.now(tz="UTC").tz_localize(None)
    batch = pd.DataFrame([{"batch_id": f"topics-{model_id}", "kind": "topics", "rows_read": len(rows),
                           "rows_loaded": len(rows), "rows_rejected": 0, "rows_duplicate": 0,
                           "started_at": now, "finished_at": now, "status": "succeeded"}])
    return store.write_batch(
        {"topics": table, "topic_assignments": rows, "batches": batch},
        delete_where={"topics": ("model_id", [model_id]), "topic_assignments": ("model_id", [model_id])},
    )
