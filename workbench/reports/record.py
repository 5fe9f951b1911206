"""What a notebook read and wrote, recorded into its run folder for the manifest.

The runner tells the kernel its run folder through the ``WORKBENCH_RUN_DIR``
environment variable. Notebooks call :func:`record_frames` / :func:`record_input`
for what they read, and :func:`save_table` / :func:`save_chart` for what they
write; the runner turns those records into ``manifest.json``. Run
interactively (no run folder) the same calls still return their records but
write nothing, so a notebook behaves the same in Jupyter, Voilà and Papermill.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from workbench.paths import file_sha256 as sha256_file

RUN_DIR_ENV = "WORKBENCH_RUN_DIR"
INPUTS_FILE = "workbench_inputs.jsonl"
OUTPUTS_FILE = "workbench_outputs.jsonl"
SOURCE_ATTR = "source_path"  # DataFrame.attrs key set by readers: the file a frame was read from


def current_run_dir() -> Path | None:
    """The run folder of the Papermill run executing this code, or None when interactive."""
    value = os.environ.get(RUN_DIR_ENV)
    return Path(value) if value else None


def _append(file_name: str, record: Mapping[str, Any]) -> None:
    run_dir = current_run_dir()
    if run_dir is None:
        return
    with open(run_dir / file_name, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def record_input(path: str | Path, *, rows: int | None = None, name: str | None = None) -> dict[str, Any]:
    """Record one input file (absolute path, SHA-256, row count) for the run's manifest.

    Args:
        rows: number of records the notebook read from it, when it is a table.
        name: short label, e.g. ``"calls"``; defaults to the file name.
    """
    path = Path(path).resolve()
    record = {
        "name": name or path.name,
        "path": str(path),
        "sha256": sha256_file(path),
        "bytes": path.stat().st_size,
        "rows": rows,
    }
    _append(INPUTS_FILE, record)
    return record


def record_frames(frames: Mapping[str, Any]):
    """Record every DataFrame that carries ``attrs["source_path"]``; return the inputs as a table.

    Columns of the result: ``name, file, rows, bytes, sha256``.
    """
    import pandas as pd

    records = []
    for name, frame in frames.items():
        source = frame.attrs.get(SOURCE_ATTR)
        if source is None:
            raise ValueError(f"frame '{name}' has no attrs['{SOURCE_ATTR}']: record it with record_input(path)")
        records.append(record_input(source, rows=len(frame), name=name))
    table = pd.DataFrame(records, columns=["name", "path", "rows", "bytes", "sha256"])
    table["file"] = table["path"].map(lambda p: Path(p).name)
    table["sha256"] = table["sha256"].str.slice(0, 12)
    return table[["name", "file", "rows", "bytes", "sha256"]]


def save_table(frame, name: str) -> Path | None:
    """Write ``frame`` to ``<run>/tables/<name>.csv`` and record it; None when interactive.

    Text cells a spreadsheet would run as formulas are neutralised (:mod:`workbench.csvfiles`).
    """
    run_dir = current_run_dir()
    if run_dir is None:
        return None
    path = run_dir / "tables" / f"{name}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    from workbench.csvfiles import write_csv  # imports pandas, which importing workbench.reports must not

    write_csv(frame, path)
    _append(OUTPUTS_FILE, {"path": str(path.relative_to(run_dir)), "rows": len(frame)})
    return path


def save_chart(chart, name: str, fmt: str = "svg") -> Path | None:
    """Write an Altair chart to ``<run>/figures/<name>.<fmt>`` (svg, png or html, offline); None when interactive."""
    run_dir = current_run_dir()
    if run_dir is None:
        return None
    path = run_dir / "figures" / f"{name}.{fmt}"
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "html":
        chart.save(str(path), inline=True)
    else:
        chart.save(str(path))
    _append(OUTPUTS_FILE, {"path": str(path.relative_to(run_dir)), "rows": None})
    return path


def read_records(run_dir: str | Path, file_name: str) -> list[dict[str, Any]]:
    """The JSON-lines records a notebook appended to ``file_name`` in ``run_dir``."""
    path = Path(run_dir) / file_name
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
