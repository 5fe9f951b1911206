"""The DuckDB store: one file holding the canonical tables.

All reads and writes of the canonical tables go through :class:`Store`, so the
schema check, the atomic batch write and the locking story live in one place.
A batch is written in one transaction: a crash part-way leaves the previous
state intact, and writing the same rows again replaces them (idempotent).

Layer: under the analysis modules, above :mod:`workbench.schemas` and the
foundations, with :mod:`workbench.glossary` deciding which calls count and how
a period is bounded. Apps, reports, notebooks and the CLI read through the
named readers of :mod:`workbench.store.readers`; what they need that no
reader offers becomes a new reader there. A new table is defined in
:mod:`workbench.schemas`.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from workbench import paths
from workbench.errors import StoreError
from workbench.glossary import DIMENSION_PREFIX, DIMENSION_TYPES, dimension_column
from workbench.schemas import ADDED_COLUMNS, SCHEMA_VERSION, TABLES, table

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

def _add_columns(version: int) -> tuple[str, ...]:
    """Statements adding the columns :data:`ADDED_COLUMNS` lists for ``version``."""
    return tuple(
        f'ALTER TABLE "{name}" ADD COLUMN IF NOT EXISTS "{column}" '
        + next(c.sql_type for c in TABLES[name].columns if c.name == column)
        for name, columns in ADDED_COLUMNS[version].items()
        for column in columns
    )


#: Schema version -> statements that bring a store of that version to the next one,
#: run in one transaction with the version recorded, when a store is opened for writing.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: ('ALTER TABLE "calls" ALTER COLUMN "wait_seconds" DROP NOT NULL',),
    2: _add_columns(3),
    3: _add_columns(4),
}

#: Table -> timestamp column whose date partitions its Parquet export
#: (``<table>/date=YYYY-MM-DD/*.parquet``); other tables are exported unpartitioned.
PARTITION_DATE_COLUMNS: dict[str, str] = {"calls": "arrived_at", "surveys": "surveyed_at"}


class Store:
    """Connection to the workbench's DuckDB file.

    Use as a context manager::

        with Store() as store:
            store.write_batch({"calls": calls_df}, batch_id="b1")
            offered = store.query("SELECT count(*) AS n FROM calls")

    Args:
        path: DuckDB file; default :func:`workbench.paths.store_path`.
        read_only: open without write access (apps and reports use this so
            several readers can share the file).
    """

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else paths.store_path()
        self.read_only = read_only
        self._connection: duckdb.DuckDBPyConnection | None = None

    # -- connection -------------------------------------------------------
    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The open DuckDB connection (opened, and the schema created, on first use)."""
        if self._connection is None:
            self._connection = self._open()
        return self._connection

    def _open(self) -> duckdb.DuckDBPyConnection:
        import duckdb

        if self.read_only and not self.path.exists():
            raise StoreError(f"{self.path}: store does not exist; load data first (e.g. `workbench store init`)")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            connection = duckdb.connect(str(self.path), read_only=self.read_only)
        except duckdb.IOException as exc:
            raise StoreError(f"{self.path}: cannot open the store ({exc}); is another process writing to it?") from exc
        # DuckDB's progress bar writes to the terminal mid-line, garbling CLI tables and JSON.
        connection.execute("SET enable_progress_bar = false")
        if not self.read_only:
            self._ensure_schema(connection)
        else:
            self._check_version(connection)
        return connection

    def _ensure_schema(self, connection: duckdb.DuckDBPyConnection) -> None:
        """Create missing tables and migrate an older store to :data:`SCHEMA_VERSION`, in one transaction."""
        connection.execute("BEGIN TRANSACTION")
        try:
            connection.execute(
                "CREATE TABLE IF NOT EXISTS schema_info (schema_version INTEGER NOT NULL, applied_at TIMESTAMP NOT NULL)"
            )
            found = connection.execute("SELECT max(schema_version) FROM schema_info").fetchone()[0]
            if found is not None and found > SCHEMA_VERSION:
                raise StoreError(self._version_message(found))
            for definition in TABLES.values():
                connection.execute(definition.ddl())
            for version in range(found or SCHEMA_VERSION, SCHEMA_VERSION):
                if version not in MIGRATIONS:
                    raise StoreError(self._version_message(found))
                for statement in MIGRATIONS[version]:
                    connection.execute(statement)
                self._record_version(connection, version + 1)
            if found is None:
                self._record_version(connection, SCHEMA_VERSION)
            connection.execute("COMMIT")
        except Exception:
            connection.execute("ROLLBACK")
            raise
        self._check_version(connection)

    @staticmethod
    def _record_version(connection: duckdb.DuckDBPyConnection, version: int) -> None:
        connection.execute(
            "INSERT INTO schema_info VALUES (?, ?)", [version, datetime.now(timezone.utc).replace(tzinfo=None)]
        )

    def _version_message(self, found: int | None) -> str:
        if found is not None and found < SCHEMA_VERSION and all(v in MIGRATIONS for v in range(found, SCHEMA_VERSION)):
            remedy = "open it for writing once (e.g. `workbench store init --store FILE`) to migrate it"
        else:
            remedy = "rebuild the store from the raw exports"
        return f"{self.path}: schema version {found} found, this workbench expects {SCHEMA_VERSION}; {remedy}"

    def _check_version(self, connection: duckdb.DuckDBPyConnection) -> None:
        try:
            found = connection.execute("SELECT max(schema_version) FROM schema_info").fetchone()[0]
        except Exception as exc:
            raise StoreError(f"{self.path}: not a workbench store (no schema_info table)") from exc
        if found != SCHEMA_VERSION:
            raise StoreError(self._version_message(found))

    def close(self) -> None:
        """Close the connection (safe to call twice)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- reads ------------------------------------------------------------
    @property
    def schema_version(self) -> int:
        """Schema version recorded in the file."""
        return int(self.connection.execute("SELECT max(schema_version) FROM schema_info").fetchone()[0])

    def query(self, sql: str, parameters: list[Any] | None = None) -> pd.DataFrame:
        """Run a SQL query and return its result as a DataFrame."""
        return self.connection.execute(sql, parameters or []).df()

    def read_table(self, name: str) -> pd.DataFrame:
        """All rows of canonical table ``name``, ordered by its primary key."""
        definition = table(name)
        order = ", ".join(f'"{k}"' for k in definition.primary_key) or "1"
        return self.query(f'SELECT * FROM "{name}" ORDER BY {order}')

    def count_calls(
        self,
        date_from: date | str | None = None,
        date_to: date | str | None = None,
        *,
        queues: Sequence[str] = (),
        language: str | None = None,
    ) -> int:
        """Calls (phantom records left out) that arrived in a period of local dates, the one test of "no calls".

        The period is the same as the KPIs' (:func:`workbench.kpis.compute_kpis`):
        ``arrived_at`` from the start of ``date_from`` to the end of
        ``date_to``; either end may be open.

        Args:
            date_from: first day included (ISO date), or no lower bound.
            date_to: last day included (whole day), or no upper bound.
            queues: ``queue_id`` values to keep; empty = every queue.
            language: ``language`` to keep; None or ``all`` = every language.

        Returns:
            The number of non-phantom calls in the period and selection (0 for an empty store).
        """
        from workbench import glossary

        period_sql, parameters = glossary.Period.of(date_from, date_to).sql_condition("arrived_at")
        where = [glossary.call_set_sql("offered"), period_sql]
        if queues:
            where.append("queue_id = ANY(?)")
            parameters.append([str(q) for q in queues])
        if language not in (None, "all"):
            where.append("language = ?")
            parameters.append(language)
        sql = f"SELECT count(*) FROM calls WHERE {' AND '.join(where)}"
        return int(self.connection.execute(sql, parameters).fetchone()[0])

    def table_counts(self) -> dict[str, int]:
        """Row count of every canonical table."""
        return {
            name: int(self.connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]) for name in TABLES
        }

    # -- export -----------------------------------------------------------
    def export_parquet(self, out_dir: str | Path, tables: list[str] | None = None) -> dict[str, int]:
        """Write canonical tables as Parquet datasets under ``out_dir``.

        ``calls`` and ``surveys`` are partitioned hive-style by the local date of
        ``arrived_at`` / ``surveyed_at`` (``calls/date=2026-01-05/data_0.parquet``;
        a survey without ``surveyed_at`` lands in ``date=NULL``); other tables go
        to ``<table>/data_0.parquet``. The ``date`` column lives in the folder
        names only: read with ``read_parquet(..., hive_partitioning=true)``,
        ``pyarrow.dataset.dataset(..., partitioning="hive")`` or
        ``dask.dataframe.read_parquet``.

        A re-export replaces the table's folder as a whole (written next to it,
        then swapped in), so partitions of dates no longer stored disappear. A
        table with no rows gets no folder (an earlier export of it is removed).

        Args:
            out_dir: folder receiving one sub-folder per table.
            tables: canonical table names; default every canonical table.

        Returns:
            Rows exported per table.

        Raises:
            StoreError: a name is not a canonical table, or the export failed.
        """
        names = list(TABLES) if tables is None else list(tables)
        for name in names:
            try:
                table(name)
            except KeyError as exc:
                raise StoreError(str(exc.args[0])) from None
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        counts: dict[str, int] = {}
        for name in names:
            target = out / name
            rows = int(self.connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0])
            counts[name] = rows
            if rows == 0:
                if target.exists():
                    shutil.rmtree(target)
                continue
            staging = out / f".{name}.{uuid.uuid4().hex[:8]}.tmp"
            order = ", ".join(f'"{k}"' for k in table(name).primary_key) or "1"
            date_column = PARTITION_DATE_COLUMNS.get(name)
            try:
                if date_column is None:
                    staging.mkdir()
                    sql = (
                        f'COPY (SELECT * FROM "{name}" ORDER BY {order}) '
                        f"TO '{_sql_path(staging / 'data_0.parquet')}' (FORMAT PARQUET)"
                    )
                else:
                    sql = (
                        f'COPY (SELECT *, CAST("{date_column}" AS DATE) AS "date" FROM "{name}" '
                        f'ORDER BY "date", {order}) '
                        f"TO '{_sql_path(staging)}' (FORMAT PARQUET, PARTITION_BY (\"date\"), OVERWRITE_OR_IGNORE)"
                    )
                self.connection.execute(sql)
                if target.exists():
                    shutil.rmtree(target)
                staging.rename(target)
            except Exception as exc:
                if staging.exists():
                    shutil.rmtree(staging, ignore_errors=True)
                raise StoreError(f"{self.path}: export of table '{name}' to {target} failed: {exc}") from exc
        return counts

    # -- writes -----------------------------------------------------------
    def write_batch(
        self,
        frames: Mapping[str, pd.DataFrame],
        *,
        batch_id: str | None = None,
        queries: Mapping[str, str] | None = None,
        delete_where: Mapping[str, tuple[str, Sequence[Any]]] | None = None,
    ) -> dict[str, int]:
        """Write several tables in one transaction: all rows land, or none do.

        Rows whose primary key is already stored are replaced, so writing the
        same batch twice leaves one copy. ``delete_where`` first removes rows
        that a new set replaces as a whole (e.g. a call's transcript re-done with
        fewer segments), in the same transaction, so no stale row is left over.

        Args:
            frames: table name -> DataFrame holding that table's columns. Columns
                the table has but the frame lacks are stored as NULL; required
                columns must be present and non-null.
            batch_id: recorded in the ``batch_id`` column of tables that have one.
            queries: table name -> a SELECT run on this store's connection (e.g.
                over a temp table of checked rows), for rows too many to pass
                through pandas; same column rules as ``frames``. Its rows must
                be new: they are inserted, not replaced, so a key already
                stored (or a NULL in a required column) fails the whole batch.
                Written in the same transaction as ``frames``.
            delete_where: table -> (column, values): rows of that table whose
                column holds one of the values are deleted before anything is
                written (the table need not be in ``frames``).

        Custom dimensions: a ``dimensions`` frame (catalogue rows: ``table_name``,
        ``dimension``, ``value_type``, ``column_name``, ...) adds each new
        dimension's typed column ``dim_<dimension>`` to its table in the same
        transaction, so the other frames and queries may fill it. A frame or
        query may also fill any dimension column the table already has.

        Returns:
            Rows written per table.

        Raises:
            StoreError: the store is read-only, a frame names an unknown table
                or column, or misses a required column (named in the message),
                or a dimension is declared again with another value type.
        """
        if self.read_only:
            raise StoreError(f"{self.path}: opened read-only; cannot write")
        connection = self.connection
        added = self._planned_dimensions(connection, frames.get("dimensions"))
        prepared = {
            name: self._conform(name, frame, batch_id, self._dimension_columns(connection, name, added))
            for name, frame in frames.items()
        }
        selects = {
            name: self._conform_query(connection, name, sql, batch_id, self._dimension_columns(connection, name, added))
            for name, sql in (queries or {}).items()
        }
        deletions = self._deletions(delete_where or {})
        written: dict[str, int] = {}
        connection.execute("BEGIN TRANSACTION")
        try:
            # Inside the transaction: a failed batch leaves no new column behind.
            for name, column, sql_type in added:
                connection.execute(f'ALTER TABLE "{name}" ADD COLUMN IF NOT EXISTS "{column}" {sql_type}')
            for sql, values in deletions:
                connection.execute(sql, [values])
            for name, (sql, columns) in selects.items():
                written[name] = self._insert_query(connection, name, sql, columns)
            for name, frame in prepared.items():
                self._upsert(connection, name, frame)
                written[name] = len(frame)
            connection.execute("COMMIT")
        except Exception as exc:
            connection.execute("ROLLBACK")
            if isinstance(exc, StoreError):
                raise
            raise StoreError(f"{self.path}: batch {batch_id or ''} not written, store unchanged: {exc}") from exc
        return written

    def _planned_dimensions(
        self, connection: duckdb.DuckDBPyConnection, catalogue: pd.DataFrame | None
    ) -> list[tuple[str, str, str]]:
        """(table, column, SQL type) of the dimension columns a ``dimensions`` frame adds."""
        if catalogue is None or catalogue.empty:
            return []
        stored = {
            (row.table_name, row.dimension): row.value_type
            for row in connection.execute("SELECT table_name, dimension, value_type FROM dimensions").df().itertuples()
        }
        added = []
        for row in catalogue.itertuples():
            if row.table_name not in TABLES or row.value_type not in DIMENSION_TYPES:
                raise StoreError(f"dimension '{row.dimension}': table '{row.table_name}' or value type "
                                 f"'{row.value_type}' unknown (types: {', '.join(DIMENSION_TYPES)})")
            if row.column_name != dimension_column(row.dimension):
                raise StoreError(f"dimension '{row.dimension}': its column must be {dimension_column(row.dimension)}")
            before = stored.get((row.table_name, row.dimension))
            if before is not None and before != row.value_type:
                raise StoreError(f"dimension '{row.dimension}' of table '{row.table_name}' is stored as {before}; "
                                 f"it cannot be loaded as {row.value_type} (rename it in the profile)")
            added.append((row.table_name, row.column_name, DIMENSION_TYPES[row.value_type]))
        return added

    @staticmethod
    def _dimension_columns(
        connection: duckdb.DuckDBPyConnection, name: str, added: Sequence[tuple[str, str, str]] = ()
    ) -> list[str]:
        """Dimension columns ``dim_*`` table ``name`` has, plus those this batch adds to it."""
        found = connection.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = ? AND starts_with(column_name, ?) "
            "ORDER BY column_index",
            [name, DIMENSION_PREFIX],
        ).fetchall()
        columns = [c[0] for c in found]
        return columns + [c for t, c, _ in added if t == name and c not in columns]

    def dimension_columns(self, name: str) -> list[str]:
        """The dimension columns (``dim_<dimension>``) table ``name`` holds, in the order they were added."""
        return self._dimension_columns(self.connection, name)

    @staticmethod
    def _conform_query(
        connection: duckdb.DuckDBPyConnection, name: str, sql: str, batch_id: str | None, dimensions: Sequence[str] = ()
    ) -> tuple[str, list[str]]:
        """``sql`` wrapped to select exactly the table's columns (missing ones NULL, ``batch_id`` set), and those columns."""
        try:
            definition = table(name)
        except KeyError as exc:
            raise StoreError(str(exc.args[0])) from None
        found = [d[0] for d in connection.execute(f"SELECT * FROM ({sql}) LIMIT 0").description]
        unknown = [c for c in found if c not in definition.column_names and c not in dimensions]
        if unknown:
            raise StoreError(f"table '{name}': unknown column(s) {unknown}; expected a subset of {definition.column_names}")
        missing = [c for c in definition.required_columns if c not in found and not (c == "batch_id" and batch_id)]
        if missing:
            raise StoreError(f"table '{name}': required column(s) {missing} missing")
        columns = []
        for column in definition.column_names:
            if column == "batch_id" and batch_id is not None:
                columns.append(f"'{_sql_path(batch_id)}' AS batch_id")
            elif column in found:
                columns.append(f'"{column}"')
            else:
                columns.append(f'NULL AS "{column}"')
        filled = [c for c in dimensions if c in found]
        columns += [f'"{c}"' for c in filled]
        return f"SELECT {', '.join(columns)} FROM ({sql})", definition.column_names + filled

    @staticmethod
    def _insert_query(connection: duckdb.DuckDBPyConnection, name: str, select: str, names: Sequence[str]) -> int:
        columns = ", ".join(f'"{c}"' for c in names)
        # Plain INSERT: rows of a query are new by contract, and OR REPLACE costs twice the time.
        return int(connection.execute(f'INSERT INTO "{name}" ({columns}) {select}').fetchone()[0])

    @staticmethod
    def _deletions(delete_where: Mapping[str, tuple[str, Sequence[Any]]]) -> list[tuple[str, list[Any]]]:
        statements = []
        for name, (column, values) in delete_where.items():
            try:
                definition = table(name)
            except KeyError as exc:
                raise StoreError(str(exc.args[0])) from None
            if column not in definition.column_names:
                raise StoreError(f"table '{name}': unknown column '{column}' in delete_where")
            values = list(values)
            if values:
                statements.append((f'DELETE FROM "{name}" WHERE "{column}" = ANY(?)', values))
        return statements

    def _conform(self, name: str, frame: pd.DataFrame, batch_id: str | None, dimensions: Sequence[str] = ()) -> pd.DataFrame:
        try:
            definition = table(name)
        except KeyError as exc:
            raise StoreError(str(exc.args[0])) from None
        unknown = [c for c in frame.columns if c not in definition.column_names and c not in dimensions]
        if unknown:
            raise StoreError(f"table '{name}': unknown column(s) {unknown}; expected a subset of {definition.column_names}")
        missing = [c for c in definition.required_columns if c not in frame.columns]
        if missing:
            raise StoreError(f"table '{name}': required column(s) {missing} missing")
        conformed = frame.copy()
        if "batch_id" in definition.column_names and batch_id is not None:
            conformed["batch_id"] = batch_id
        for column in definition.column_names:
            if column not in conformed.columns:
                conformed[column] = None
        for column in definition.required_columns:
            null_rows = conformed.index[conformed[column].isna()]
            if len(null_rows):
                raise StoreError(f"table '{name}': required column '{column}' is empty in {len(null_rows)} row(s)")
        return conformed[definition.column_names + [c for c in dimensions if c in frame.columns]]

    @staticmethod
    def _upsert(connection: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame) -> None:
        if frame.empty:
            return
        connection.register("_incoming", frame)
        try:
            columns = ", ".join(f'"{c}"' for c in frame.columns)
            connection.execute(f'INSERT OR REPLACE INTO "{name}" ({columns}) SELECT {columns} FROM _incoming')
        finally:
            connection.unregister("_incoming")


def _sql_path(path: Path | str) -> str:
    """A path (or any text) as a single-quoted SQL string literal body."""
    return str(path).replace("'", "''")
