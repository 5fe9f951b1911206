"""Load vendor exports into the store: one atomic, idempotent batch per file.

A batch id is the profile name plus the file's SHA-256, so the same file
through the same profile is recognised (and skipped) on a re-run. The rows of
a file and its ``batches`` row are written in one ``Store.write_batch`` call:
either both land or neither does. Every input row is loaded, or written to
``<rejects_dir>/<batch_id>.csv`` with its line number and the reason.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from workbench import paths
from workbench.paths import file_sha256
from workbench.errors import InputDataError
from workbench.ingest.profiles import IngestProfile, load_profile
from workbench.ingest.reading import read_export
from workbench.ingest.validate import to_canonical
from workbench.store import Store

SUMMARY_COLUMNS = [
    "file", "rows_read", "rows_loaded", "rows_rejected", "rows_duplicate",
    "batch_id", "status", "rejects_file", "error",
]


def batch_id_for(sha256: str, profile_name: str) -> str:
    """Batch id of a file hash read through a profile: ``<profile>-<16 hex>``.

    >>> batch_id_for("ab" * 32, "sample_acd")
    'sample_acd-81f825c35a7a92f1'
    """
    return f"{profile_name}-{hashlib.sha256(f'{profile_name}:{sha256}'.encode()).hexdigest()[:16]}"


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _stored_ids(store: Store, table_name: str, key: str, ids: pd.Series) -> set[str]:
    wanted = [str(i) for i in ids.dropna().unique()]
    if not wanted:
        return set()
    if store.query(f'SELECT count(*) AS n FROM "{table_name}"')["n"].iloc[0] == 0:
        return set()
    # A join against the registered frame; a million-element list parameter is far slower.
    connection = store.connection
    connection.register("_wanted_ids", pd.DataFrame({"k": wanted}))
    try:
        found = connection.execute(
            f'SELECT t."{key}" AS k FROM "{table_name}" t JOIN _wanted_ids w ON t."{key}" = w.k'
        ).df()
    finally:
        connection.unregister("_wanted_ids")
    return set(found["k"])


def ingest_file(
    path: str | Path,
    profile: str | Path | IngestProfile,
    store_path: str | Path | None = None,
    rejects_dir: str | Path | None = None,
) -> dict:
    """Ingest one export; see :func:`ingest_files` for the summary keys.

    Raises:
        InputDataError: the file cannot be decoded or lacks a mapped header
            (file, line and column named); nothing is written.
        ParameterError: the profile is invalid.
        StoreError: the store write failed; the store is unchanged.
    """
    profile = load_profile(profile)
    path = Path(path)
    started = _now()
    sha = file_sha256(path)
    batch_id = batch_id_for(sha, profile.name)
    summary = dict.fromkeys(SUMMARY_COLUMNS)
    summary.update(file=str(path), batch_id=batch_id, rows_read=0, rows_loaded=0, rows_rejected=0, rows_duplicate=0)
    with Store(store_path) as store:
        done = store.query("SELECT status FROM batches WHERE batch_id = ? AND status = 'succeeded'", [batch_id])
        if len(done):
            summary["status"] = "skipped"
            return summary

        raw = read_export(path, profile.encoding, profile.separator)
        canonical, reasons = to_canonical(raw.frame, profile, path)
        for line, problem in raw.problems.items():
            reasons[line].insert(0, problem)
        if profile.require_known_calls:
            ids = canonical["call_id"]
            unknown = ids.notna() & ~ids.isin(_stored_ids(store, "calls", "call_id", ids))
            for line in unknown.index[unknown]:
                reasons[line].append(
                    f"unknown_call_id: {profile.columns['call_id']} '{ids[line]}' is not in the store's calls"
                )
        rejected = reasons.map(bool).astype(bool)
        key = profile.key
        in_store = _stored_ids(store, profile.table, key, canonical.loc[~rejected, key])
        duplicate = ~rejected & canonical[key].isin(in_store)

        rejects = raw.frame.loc[rejected | duplicate].copy()
        rejects.insert(0, "line_number", rejects.index)
        rejects["reject_reason"] = reasons[rejects.index].map("; ".join)
        rejects.loc[duplicate[rejects.index], "reject_reason"] = (
            f"already_in_store: {profile.columns[key]} already loaded by an earlier batch"
        )
        rejects_file = None
        if len(rejects):
            folder = Path(rejects_dir) if rejects_dir is not None else paths.data_dir() / "rejects"
            folder.mkdir(parents=True, exist_ok=True)
            rejects_file = folder / f"{batch_id}.csv"
            rejects.to_csv(rejects_file, index=False, encoding="utf-8-sig")

        loaded = canonical.loc[~rejected & ~duplicate].reset_index(drop=True)
        summary.update(
            rows_read=len(raw.frame),
            rows_loaded=len(loaded),
            rows_rejected=int(rejected.sum()),
            rows_duplicate=int(duplicate.sum()),
            status="succeeded",
            rejects_file=str(rejects_file) if rejects_file else None,
        )
        batch_row = pd.DataFrame([{
            "batch_id": batch_id, "kind": profile.table, "source_file": str(path), "file_sha256": sha,
            "profile": profile.name, "rows_read": summary["rows_read"], "rows_loaded": summary["rows_loaded"],
            "rows_rejected": summary["rows_rejected"], "rows_duplicate": summary["rows_duplicate"],
            "started_at": started, "finished_at": _now(), "status": "succeeded",
        }])
        store.write_batch({profile.table: loaded, "batches": batch_row}, batch_id=batch_id)
    return summary


def ingest_files(
    paths_: Iterable[str | Path] | str | Path,
    profile: str | Path | IngestProfile,
    store_path: str | Path | None = None,
    rejects_dir: str | Path | None = None,
) -> pd.DataFrame:
    """Ingest several exports through one profile, one batch per file.

    A malformed file (undecodable, missing a mapped header) is reported in
    its summary row (``status`` failed, ``error`` naming file, line and
    column) and the other files continue. Store failures propagate.

    Args:
        paths_: export files (CSV, Parquet or Excel).
        profile: profile name, YAML path or :class:`IngestProfile`.
        store_path: DuckDB file; default :func:`workbench.paths.store_path`.
        rejects_dir: where ``<batch_id>.csv`` rejects go; default ``data/rejects``.

    Returns:
        One row per file: ``file, rows_read, rows_loaded, rows_rejected,
        rows_duplicate, batch_id, status`` (succeeded | skipped | failed),
        ``rejects_file, error``; ``rows_read == rows_loaded + rows_rejected +
        rows_duplicate``. A skipped file (same hash and profile already
        loaded) shows zero rows.
    """
    profile = load_profile(profile)
    if isinstance(paths_, (str, Path)):
        paths_ = [paths_]
    rows = []
    for path in paths_:
        try:
            rows.append(ingest_file(path, profile, store_path, rejects_dir))
        except InputDataError as exc:
            row = dict.fromkeys(SUMMARY_COLUMNS)
            row.update(file=str(path), rows_read=0, rows_loaded=0, rows_rejected=0, rows_duplicate=0,
                       status="failed", error=str(exc))
            rows.append(row)
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
