"""The fit and assign jobs behind ``workbench topics`` and the topic notebook.

A fit writes a run folder (see :mod:`workbench.topics.model`), matches its
topics to the previous run named by ``<runs>/LATEST`` so ids and labels carry
over, and records topics and assignments in the store.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from workbench import paths
from workbench.csvfiles import write_csv
from workbench.errors import InputDataError
from workbench.i18n import _, format_text
from workbench.store import Store
from workbench.topics.data import read_documents, store_documents, write_run
from workbench.topics.model import TopicRun, assign_topics, fit_topics, load_run, prepare_documents, read_labels, save_run


def runs_dir() -> Path:
    """Where topic runs go by default: ``outputs/topics``."""
    return paths.outputs_dir() / "topics"


def labels_path() -> Path:
    """Human topic labels: ``parameters/topic_labels.yaml``."""
    return paths.parameters_dir() / "topic_labels.yaml"


def new_run_id() -> str:
    """UTC timestamp id, sortable: ``20260105T083000Z``."""
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")


def load_texts(
    source: str | Path,
    *,
    text_column: str = "text",
    id_column: str | None = None,
    store_path: str | Path | None = None,
    whole_call: bool = False,
    unit: str = "call",
) -> pd.DataFrame:
    """Documents ``id, text`` (plus ``call_id, language, queue_id, arrived_at`` from the store) to model.

    Args:
        source: ``store`` for the store's transcripts, else a CSV/Parquet path.
        text_column / id_column: columns of a file (the row number is the id when no id column).
        whole_call: from the store, every speaker's turns instead of the customer's only.
        unit: from the store, ``call`` (one document per call) or ``turn``.

    Raises:
        InputDataError: missing file or column, or no text at all.
    """
    if str(source) == "store":
        speakers = ("customer", "agent", "unknown") if whole_call else ("customer",)
        with Store(store_path, read_only=True) as store:
            docs = store_documents(store, unit=unit, speakers=speakers)
        if docs.empty:
            raise InputDataError("the store holds no transcript text; run `workbench transcribe` first",
                                 file=store_path or paths.store_path(), field="transcript_segments")  # fmt: skip
        return docs
    frame = read_documents(source, text_column=text_column, id_column=id_column)
    docs = prepare_documents(frame, text_column, id_column)
    if docs.empty:
        raise InputDataError("no non-blank text", file=source, field=text_column)
    return docs


def previous_run_dir(parent: Path) -> Path | None:
    """The run ``parent/LATEST`` names, when there is one."""
    latest = parent / "LATEST"
    if latest.is_file():
        folder = parent / latest.read_text(encoding="utf-8").strip()
        if (folder / "run.json").is_file():
            return folder
    return None


def fit_job(
    docs: pd.DataFrame,
    *,
    output: str | Path | None = None,
    previous: str | Path | None | bool = True,
    labels_file: str | Path | None = None,
    store_path: str | Path | None = None,
    record: bool = False,
    **fit_options: Any,
) -> tuple[TopicRun, Path]:
    """Fit, save the run folder, match to the previous run, optionally record in the store.

    Args:
        docs: ``id, text`` (``call_id`` used for the store when present).
        output: run folder (default ``outputs/topics/<run id>``); its parent's ``LATEST`` is updated.
        previous: a run folder to match, True for the parent's ``LATEST``, False/None for none.
        labels_file: YAML of human labels (default ``parameters/topic_labels.yaml``).
        store_path: store to record into (with ``record``).
        record: write ``topics`` and ``topic_assignments`` rows under the run id.
        **fit_options: passed to :func:`workbench.topics.model.fit_topics`.

    Returns:
        The run and its folder.
    """
    folder = Path(output) if output is not None else runs_dir() / new_run_id()
    parent = folder.parent
    if previous is True:
        previous_dir = previous_run_dir(parent)
    else:
        previous_dir = Path(previous) if previous else None
    before = load_run(previous_dir) if previous_dir is not None and previous_dir.resolve() != folder.resolve() else None
    labels = read_labels(labels_file if labels_file is not None else labels_path())
    run = fit_topics(docs, previous=before, labels=labels, model_id=folder.name, **fit_options)
    if "call_id" in docs.columns:
        run.assignments["call_id"] = docs["call_id"].astype(str).to_numpy()
    save_run(run, folder)
    (parent / "LATEST").write_text(folder.name + "\n", encoding="utf-8")
    if record:
        with Store(store_path) as store:
            write_run(store, folder.name, run.assignments, run.topics)
    return run, folder


def assign_job(model_dir: str | Path, docs: pd.DataFrame, *, output: str | Path | None = None) -> pd.DataFrame:
    """Assign ``docs`` to a saved run's topics; writes ``output/assignments.csv`` when given.

    Returns:
        ``id, topic, label, probability``.
    """
    run = load_run(model_dir)
    assigned = assign_topics(run, docs)
    labels = dict(zip(run.topics["topic"], run.topics["label"]))
    assigned.insert(2, "label", assigned["topic"].map(labels))
    if output is not None:
        Path(output).mkdir(parents=True, exist_ok=True)
        write_csv(assigned, Path(output) / "assignments.csv")
    return assigned


def choose_documents(
    store_path: str | Path,
    sample_dir: str | Path,
    *,
    source: str = "auto",
    whole_call: bool = False,
    min_documents: int = 20,
) -> tuple[pd.DataFrame, str, Path | None]:
    """Documents for the topic notebook: the store's transcripts, or the generated sample's ``transcripts.csv``.

    Returns:
        (``id, call_id, text, language`` documents, a sentence saying where they
        came from or what is missing, the file read). The documents are empty
        when neither source has ``min_documents``.
    """
    from workbench.topics.data import sample_documents

    speakers = ("customer", "agent", "unknown") if whole_call else ("customer",)
    notes = []
    store_file = Path(store_path)
    if source in ("auto", "store"):
        docs = pd.DataFrame(columns=["id", "call_id", "text", "language"])
        if store_file.is_file():
            with Store(store_file, read_only=True) as store:
                docs = store_documents(store, speakers=speakers)
        if len(docs) >= min_documents or source == "store":
            note = format_text("{count} calls' transcripts from the centre's data.", count=len(docs))
            if len(docs) < min_documents:
                note += " " + format_text("Fewer than {minimum}: nothing to model; transcribe recordings first.",
                                          minimum=min_documents)
            return docs, note, store_file
        notes.append(format_text("the centre's data holds {count} transcribed call(s), fewer than {minimum}",
                                 count=len(docs), minimum=min_documents))
    transcripts = Path(sample_dir) / "transcripts.csv"
    if not transcripts.is_file():  # where it looked stays in the run's parameters: managers read what is missing
        notes.append(_("no transcripts of the simulated sample centre"))
        return (pd.DataFrame(columns=["id", "call_id", "text", "language"]),
                format_text("Nothing to model: {reasons}.", reasons="; ".join(notes)), None)
    docs = sample_documents(pd.read_csv(transcripts, dtype={"call_id": str}), speakers=speakers)
    note = (format_text("{count} calls' transcripts from the simulated sample centre ({reasons}).", count=len(docs),
                        reasons="; ".join(notes)) if notes
            else format_text("{count} calls' transcripts from the simulated sample centre.", count=len(docs)))
    if len(docs) < min_documents:
        note += " " + format_text("Fewer than {minimum}: nothing to model.", minimum=min_documents)
    return docs, note, transcripts
