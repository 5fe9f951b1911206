"""Load vendor exports into the store: one atomic, idempotent batch per file.

A batch id is the profile name plus the file's SHA-256, so the same file
through the same profile is recognised (and skipped) on a re-run. The rows of
a file and its ``batches`` row are written in one ``Store.write_batch`` call:
either both land or neither does. Every input row is loaded, or written to
``<rejects_dir>/<batch_id>.csv`` with its line number and the reason. The
rows never pass through pandas: reading, checks and the insert all run in the
store's DuckDB connection; only the rejects are fetched.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from workbench import paths
from workbench.csvfiles import write_csv
from workbench.paths import file_sha256
from workbench.pseudonyms import ANY_PATTERN, current_key
from workbench.errors import InputDataError, ParameterError, StoreError
from workbench.glossary import dimension_column
from workbench.ingest.profiles import IngestProfile, load_profile
from workbench.ingest.reading import RawTable, check_readable, drop_raw, load_raw, sql_string
from workbench.ingest.validate import check_export, interval_warnings, masked_headers
from workbench.schemas import TABLES
from workbench.store import Store

SUMMARY_COLUMNS = [
    "file", "rows_read", "rows_loaded", "rows_rejected", "rows_duplicate",
    "physical_lines", "blank_lines", "continuation_lines",
    "batch_id", "status", "rejects_file", "error", "warning",
]
_ZERO_COUNTS = dict.fromkeys(
    ["rows_read", "rows_loaded", "rows_rejected", "rows_duplicate", "physical_lines", "blank_lines", "continuation_lines"],
    0,
)


def batch_id_for(sha256: str, profile_name: str) -> str:
    """Batch id of a file hash read through a profile: ``<profile>-<16 hex>``.

    >>> batch_id_for("ab" * 32, "sample_acd")
    'sample_acd-81f825c35a7a92f1'
    """
    return f"{profile_name}-{hashlib.sha256(f'{profile_name}:{sha256}'.encode()).hexdigest()[:16]}"


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _batch_row(batch_id: str, profile: IngestProfile, source: str | Path, sha: str, summary: dict,
               started: datetime, status: str) -> pd.DataFrame:
    return pd.DataFrame([{
        "batch_id": batch_id, "kind": profile.table, "source_file": str(source), "file_sha256": sha,
        "profile": profile.name, "rows_read": summary["rows_read"], "rows_loaded": summary["rows_loaded"],
        "rows_rejected": summary["rows_rejected"], "rows_duplicate": summary["rows_duplicate"],
        "started_at": started, "finished_at": _now(), "status": status,
    }])


def _write_rejects(store: Store, checked: str, raw: RawTable, profile: IngestProfile, path: Path) -> int:
    """Write rejected and already-stored rows to ``path``; returns the count.

    Columns: ``line_number``, the vendor headers, ``reject_reason`` (the
    reasons joined by ``"; "``). A rejected row carries its original values,
    except columns the profile pseudonymises, which carry the canonical value
    (pseudonym, or empty for a withheld number) as the store would. A row
    skipped as already loaded carries only its line number and id. Nothing is
    written when every row loads. The vendor values come from ``checked``
    (kept there for rows known to fail); only rows that fail as in-file
    duplicates alone are looked up in ``raw``. Cells a spreadsheet would run
    as formulas are neutralised (:mod:`workbench.csvfiles`).
    """
    key_header = profile.columns.get(profile.key, f"constants.{profile.key}")
    already = sql_string(f"already_in_store: {key_header} already loaded by an earlier batch")
    names = [f'"{h.replace(chr(34), chr(34) * 2)}"' for h in raw.headers]
    reason = "array_to_string(reasons, '; ') AS reject_reason"
    kept = ", ".join(f"raw_c{i} AS {n}" for i, n in enumerate(names))
    rejects = store.query(f"SELECT line_number, {kept}, {reason} FROM {checked} WHERE len(reasons) > 0 AND raw_kept")
    # raw_c<key> is the only value kept for these rows (see canonical_query).
    stored = store.query(
        f"SELECT line_number, {kept}, {already} AS reject_reason FROM {checked} WHERE len(reasons) = 0 AND in_store"
    )
    masked = masked_headers(profile)
    canonical = [f'"{masked[h]}" AS _masked_{i}' for i, h in enumerate(raw.headers) if h in masked]
    missing = store.query(
        f"SELECT {', '.join(['line_number', *canonical, reason])} FROM {checked} WHERE len(reasons) > 0 AND NOT raw_kept"
    )
    parts = [rejects, stored]
    if len(missing):
        values = [f"m._masked_{i}" if h in masked else f"r.c{i}" for i, h in enumerate(raw.headers)]
        store.connection.register("_reject_lines", missing)
        try:
            looked_up = store.query(
                f"""SELECT m.line_number, {", ".join(f"{v} AS {n}" for v, n in zip(values, names))}, m.reject_reason
                    FROM _reject_lines m JOIN {raw.name} r USING (line_number)"""
            )
        finally:
            store.connection.unregister("_reject_lines")
        parts.append(looked_up)
    parts = [part for part in parts if len(part)]
    if not parts:
        return 0
    rejects = pd.concat(parts, ignore_index=True).sort_values("line_number")
    # A JSON array's rows are records, a query's rows are result rows: the column says which.
    rejects = rejects.rename(columns={"line_number": raw.row_label})
    path.parent.mkdir(parents=True, exist_ok=True)
    write_csv(rejects.astype(object).where(rejects.notna(), None), path, encoding="utf-8-sig")
    return len(rejects)


def rejects_path(rejects_dir: str | Path | None, batch_id: str) -> Path:
    """``<rejects_dir>/<batch_id>.csv`` (default folder ``<data>/rejects``).

    Raises:
        ParameterError: the file would lie outside the folder (a batch id is
            built from the profile name, which the profile model already
            restricts; this is the second line of defence).
    """
    folder = (Path(rejects_dir) if rejects_dir is not None else paths.data_dir() / "rejects").resolve()
    path = (folder / f"{batch_id}.csv").resolve()
    if path.parent != folder:
        raise ParameterError(f"rejects file '{batch_id}.csv' would be written outside the rejects folder; "
                             "check the profile's name", file=folder, field="name")
    return path


def check_pseudonym_key(store: Store, profile: IngestProfile) -> None:
    """Refuse to add pseudonyms of the current key to a table holding pseudonyms of another key.

    Pseudonyms of two keys (or of the earlier unkeyed ``h`` + SHA-256 scheme)
    never match, so repeat callers would silently stop linking across the two
    loads; each pseudonym starts with its key's fingerprint, which tells them apart.

    Raises:
        StoreError: the profile's table already holds such pseudonyms (how many, and what to do, named).
    """
    if not profile.pseudonymise:
        return
    prefix = current_key().prefix
    for column in profile.pseudonymise:
        found = store.query(
            f"""SELECT count(*) AS n FROM "{profile.table}"
                WHERE NOT starts_with("{column}", {sql_string(prefix)})
                  AND regexp_matches("{column}", {sql_string(ANY_PATTERN)})"""
        )["n"].iloc[0]
        if found:
            raise StoreError(
                f"{store.path}: {found} {profile.table}.{column} value(s) are pseudonyms made under another key "
                f"(or the earlier unkeyed scheme); pseudonyms of key {prefix[1:]} would not link to them. "
                "Load into a new store, or set WORKBENCH_PSEUDONYM_KEY (or WORKBENCH_PSEUDONYM_KEY_FILE) "
                "to the key this store was loaded with."
            )


def _read_and_check(store: Store, path: Path, profile: IngestProfile) -> tuple[RawTable, str]:
    """Load the export and run every check into temp table ``checked``; see :func:`check_export`.

    A lazy view over a plain CSV is tried first; when DuckDB refuses a record
    or reads another number of records than the file has lines, the file is
    read again with the careful reader, which names bad lines.
    """
    import duckdb

    connection = store.connection
    shape = {"format": profile.format, "record_path": profile.record_path, "sheet": profile.sheet,
             "expected": profile.vendor_headers}
    raw = load_raw(path, connection, profile.encoding, profile.separator, **shape)
    if raw.records is None:
        return raw, check_export(connection, raw, profile, path)
    try:
        checked = check_export(connection, raw, profile, path)
        if connection.execute(f"SELECT count(*) FROM {checked}").fetchone()[0] == raw.records:
            return raw, checked
    except duckdb.Error:
        pass
    _drop_temp(store, raw)
    raw = load_raw(path, connection, profile.encoding, profile.separator, lazy=False, **shape)
    return raw, check_export(connection, raw, profile, path)


def _drop_temp(store: Store, raw: RawTable | None) -> None:
    # Temp tables live in memory until the connection closes; free them as soon as the batch is done.
    connection = store.connection
    connection.execute("DROP TABLE IF EXISTS checked")
    if raw is not None:
        drop_raw(connection, raw)


def ingest_file(
    path: str | Path,
    profile: str | Path | IngestProfile,
    store_path: str | Path | None = None,
    rejects_dir: str | Path | None = None,
) -> dict:
    """Ingest one export; see :func:`ingest_files` for the summary keys.

    The export becomes a temp view of the store's DuckDB connection
    (:func:`~workbench.ingest.reading.load_raw`), one generated query checks
    it into a temp table (:func:`~workbench.ingest.validate.check_export`),
    and the loadable rows are inserted with the ``batches`` row in one
    transaction. Only the rejects pass through pandas.

    Raises:
        InputDataError: the file cannot be decoded or lacks a mapped header
            (file, line and column named); nothing but a ``batches`` row with
            status ``failed`` is written.
        ParameterError: the profile is invalid.
        StoreError: the store write failed, or the profile's table holds
            pseudonyms of another key (:func:`check_pseudonym_key`); the store
            is unchanged.
    """
    profile = load_profile(profile)
    path = Path(path)
    started = _now()
    check_readable(path)  # a missing file or a folder fails as this file's row, not the whole batch
    sha = file_sha256(path)
    return ingest_source(path, sha, profile, lambda store: _read_and_check(store, path, profile),
                         store_path, rejects_dir, started)


def ingest_source(
    source: str | Path,
    digest: str,
    profile: IngestProfile,
    read_and_check: Callable[[Store], tuple[RawTable, str]],
    store_path: str | Path | None = None,
    rejects_dir: str | Path | None = None,
    started: datetime | None = None,
) -> dict:
    """One atomic, idempotent batch of rows from any source (a file, a database query).

    Args:
        source: what ``batches.source_file`` and the summary name (a path, or
            a database URL without its password).
        digest: SHA-256 hex of the source's content; with the profile name it
            makes the batch id, so the same content is skipped on a re-run.
        read_and_check: given the open store, puts the rows in a temp view
            (a :class:`RawTable`) and runs :func:`check_export` on it.

    Returns:
        The summary of :func:`ingest_file`. Raises as it does.
    """
    started = started or _now()
    batch_id = batch_id_for(digest, profile.name)
    rejects_file = rejects_path(rejects_dir, batch_id)
    summary = dict.fromkeys(SUMMARY_COLUMNS)
    summary.update(file=str(source), batch_id=batch_id, **_ZERO_COUNTS)
    with Store(store_path) as store:
        done = store.query("SELECT status FROM batches WHERE batch_id = ? AND status = 'succeeded'", [batch_id])
        if len(done):
            summary["status"] = "skipped"
            return summary
        check_pseudonym_key(store, profile)
        raw = None
        try:
            try:
                raw, checked = read_and_check(store)
            except InputDataError as exc:
                # Recorded, so the store shows what was tried; a 'failed' row never counts as loaded.
                store.write_batch({"batches": _batch_row(batch_id, profile, source, digest, summary, started, "failed")})
                exc.batch_id = batch_id  # for the summary row of ingest_files
                raise
            counts = store.query(
                f"""SELECT count(*) AS n,
                           count(*) FILTER (WHERE len(reasons) > 0) AS rejected,
                           count(*) FILTER (WHERE len(reasons) = 0 AND in_store) AS duplicate
                    FROM {checked}"""
            ).iloc[0]
            written = _write_rejects(store, checked, raw, profile, rejects_file)
            summary.update(
                rows_read=int(counts["n"]),
                rows_loaded=int(counts["n"] - counts["rejected"] - counts["duplicate"]),
                rows_rejected=int(counts["rejected"]),
                rows_duplicate=int(counts["duplicate"]),
                status="succeeded",
                rejects_file=str(rejects_file) if written else None,
                warning="; ".join([*raw.warnings, *interval_warnings(store.connection, checked, profile)]) or None,
            )
            if raw.lines is not None:
                summary.update(physical_lines=raw.lines, blank_lines=raw.blank_lines,
                               continuation_lines=raw.lines - summary["rows_read"] - raw.blank_lines)
            stored = set(TABLES[profile.table].column_names) | {dimension_column(n) for n in profile.dimensions}
            columns = ", ".join(f'"{c}"' for c in _checked_columns(store, checked) if c in stored)
            # The rows carry their line numbers; the table needs no file order, and letting
            # DuckDB write in any order saves a fifth of the insert's CPU.
            store.connection.execute("SET preserve_insertion_order = false")
            store.write_batch(
                {"batches": _batch_row(batch_id, profile, source, digest, summary, started, "succeeded"),
                 **dimension_catalogue(profile)},
                batch_id=batch_id,
                queries={profile.table: f"SELECT {columns} FROM {checked} WHERE len(reasons) = 0 AND NOT in_store"},
            )
        finally:
            _drop_temp(store, raw)
            store.connection.execute("RESET preserve_insertion_order")
    return summary


def dimension_catalogue(profile: IngestProfile) -> dict[str, pd.DataFrame]:
    """``{"dimensions": rows}`` declaring the profile's custom dimensions to the store (empty without any)."""
    if not profile.dimensions:
        return {}
    rows = [
        {"table_name": profile.table, "dimension": name, "value_type": d.type, "column_name": dimension_column(name),
         "description": d.description or f"{d.column} ({profile.name})", "profile": profile.name}
        for name, d in profile.dimensions.items()
    ]
    return {"dimensions": pd.DataFrame(rows)}


def _checked_columns(store: Store, checked: str) -> list[str]:
    return [d[0] for d in store.connection.execute(f"SELECT * FROM {checked} LIMIT 0").description]


def ingest_files(
    paths_: Iterable[str | Path] | str | Path,
    profile: str | Path | IngestProfile,
    store_path: str | Path | None = None,
    rejects_dir: str | Path | None = None,
) -> pd.DataFrame:
    """Ingest several exports through one profile, one batch per file.

    A file that cannot be used (missing, a folder, not a text export,
    undecodable, missing a mapped header) is reported in its summary row
    (``status`` failed, ``error`` naming file, line and column) and the other
    files continue. Store failures propagate.

    Args:
        paths_: export files (CSV, Parquet or Excel).
        profile: profile name, YAML path or :class:`IngestProfile`.
        store_path: DuckDB file; default :func:`workbench.paths.store_path`.
        rejects_dir: where ``<batch_id>.csv`` rejects go; default ``data/rejects``.

    Returns:
        One row per file: ``file, rows_read, rows_loaded, rows_rejected,
        rows_duplicate, physical_lines, blank_lines, continuation_lines,
        batch_id, status`` (succeeded | skipped | failed), ``rejects_file,
        error, warning``; ``rows_read == rows_loaded + rows_rejected +
        rows_duplicate`` and every line after the header is accounted for:
        ``physical_lines == rows_read + blank_lines + continuation_lines``
        (lines a quoted value runs on to; for Excel and Parquet, data rows).
        ``warning`` says what loaded but may be wrong (an encoding the
        detector doubts). A skipped file (same hash and profile already
        loaded) shows zero rows. A failed file that could be read also gets a
        ``batches`` row with status ``failed`` (the batches table has no error
        column; the error is in this summary), which never makes it count as
        loaded.
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
            row.update(file=str(path), **_ZERO_COUNTS,
                       status="failed", error=str(exc), batch_id=getattr(exc, "batch_id", None))
            rows.append(row)
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
