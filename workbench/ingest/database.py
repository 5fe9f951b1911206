"""Read an export from a database: the rows of a SQL query on a SQLAlchemy URL.

Some centres keep their call detail records in a reporting database rather
than in files. A query's rows enter the same path as a CSV export: every value
becomes text (:func:`cell_text`), the rows become a
:class:`~workbench.ingest.reading.RawExport` numbered from 1 (``row_number``
in rejects files), and the profile's mapping and checks decide what loads.

Safety:

* The URL comes from an environment variable (:func:`database_url`), never a
  command-line argument or a profile: it may carry a password, and command
  lines and profiles are seen by others. Only the URL without its password
  (:func:`shown_url`) is ever printed or stored (``batches.source_file``).
* Credentials and rows travel only over verified TLS (:func:`check_transport`):
  a PostgreSQL server that is not on this machine (loopback or a Unix
  socket) must be reached with ``sslmode=verify-full`` (or ``verify-ca``).
* The query runs in a read-only transaction that is rolled back: an ingest
  never changes the source.
* The query and its rows are read before the store is opened, so a refused
  connection, bad SQL or a missing column leaves the store unchanged.

A re-run is recognised by the hash of the query and of the rows it read
(:func:`rows_digest`, in any order): the same rows again are skipped; new rows
make a new batch in which the rows already stored count as duplicates.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import ipaddress
import json
import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from workbench.errors import InputDataError, ParameterError
from workbench.ingest.load import SUMMARY_COLUMNS, _ZERO_COUNTS, ingest_source
from workbench.ingest.profiles import IngestProfile, load_profile
from workbench.ingest.reading import RawExport, register_frame
from workbench.ingest.validate import check_export, check_headers

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

#: ``sslmode`` values under which libpq verifies the server's certificate.
VERIFIED_SSL_MODES = ("verify-full", "verify-ca")
#: Seconds a PostgreSQL connection attempt may take before it fails (unless the URL sets ``connect_timeout``).
CONNECT_TIMEOUT_SECONDS = 10
#: Rows fetched from the server at a time.
FETCH_ROWS = 10_000
#: Characters of the query shown in messages.
QUERY_SHOWN_CHARACTERS = 200


def database_url(variable: str) -> str:
    """The database URL held by environment variable ``variable``.

    Raises:
        ParameterError: the variable is unset or empty (its name given, never a value).
    """
    value = os.environ.get(variable, "").strip()
    if not value:
        raise ParameterError(f"environment variable {variable} is not set: put the database URL in it "
                             "(e.g. postgresql+psycopg://user:password@host/db?sslmode=verify-full)")
    return value


def parse_url(url: str) -> URL:
    """``url`` as a SQLAlchemy URL.

    Raises:
        ParameterError: not a URL SQLAlchemy reads (the text itself is not
            shown: it may hold a password).
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url)
    except ArgumentError:
        raise ParameterError("the database URL cannot be read; expected dialect+driver://user:password@host/db, "
                             "e.g. postgresql+psycopg://... or sqlite:///path/to/file.db") from None


def shown_url(url: str | URL) -> str:
    """The URL as it may be shown and stored: password replaced by ``***``, password-like options dropped.

    >>> shown_url("postgresql+psycopg://cc:s3cret@db.example.com/calls?sslmode=verify-full&password=x")
    'postgresql+psycopg://cc:***@db.example.com/calls?sslmode=verify-full'
    """
    parsed = parse_url(url) if isinstance(url, str) else url
    secret = [k for k in parsed.query if "password" in k.lower() or k.lower() in ("passfile", "sslkey")]
    return parsed.difference_update_query(secret).render_as_string(hide_password=True)


def _is_local(host: str | None) -> bool:
    """Whether ``host`` is this machine: none (the default Unix socket), a socket folder, localhost or loopback."""
    if not host or host.startswith(("/", "@")) or host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _query_values(parsed: URL, key: str) -> list[str]:
    value = parsed.query.get(key)
    values = [value] if isinstance(value, str) else list(value or ())
    return [part.strip() for item in values for part in item.split(",")]


def check_transport(url: str | URL) -> None:
    """Refuse a connection that could send credentials or rows over the network unverified.

    SQLite is a local file. For PostgreSQL, every host the client may reach
    (``host``, and the ``host``/``hostaddr`` options, else ``PGHOST``/``PGHOSTADDR``)
    must be this machine, or the URL must ask libpq to verify the server's
    certificate (``sslmode=verify-full`` or ``verify-ca``, or ``PGSSLMODE``).
    This holds whether or not the URL carries a password: libpq may take one
    from ``PGPASSWORD`` or ``~/.pgpass``, and the rows are personal data.
    Other databases to another host are refused (their TLS settings are not checked here).

    Raises:
        ParameterError: the connection is not safe; what to change is named.
    """
    parsed = parse_url(url) if isinstance(url, str) else url
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return
    hosts = [parsed.host, *_query_values(parsed, "host"), *_query_values(parsed, "hostaddr")]
    if not any(hosts) and backend == "postgresql":
        hosts = [*os.environ.get("PGHOST", "").split(","), *os.environ.get("PGHOSTADDR", "").split(",")]
    remote = [h for h in hosts if h and not _is_local(h)]
    if not remote:
        return
    shown = shown_url(parsed)
    if backend == "postgresql":
        modes = _query_values(parsed, "sslmode") or [os.environ.get("PGSSLMODE", "")]
        if all(mode in VERIFIED_SSL_MODES for mode in modes):
            return
        found = ", ".join(m for m in modes if m) or "none"
        raise ParameterError(
            f"refusing to connect to {', '.join(remote)} without verified TLS (sslmode: {found}): credentials and "
            "call records would cross the network unverified; add sslmode=verify-full to the URL (with "
            "sslrootcert=<file of the CA that signed the server's certificate> unless it is in ~/.postgresql/root.crt)",
            file=shown,
        )
    raise ParameterError(
        f"refusing to connect to {', '.join(remote)} over {backend}: only PostgreSQL (sslmode=verify-full) is "
        "accepted for a database on another machine, or copy the data into a local SQLite file", file=shown,
    )


def cell_text(value: object) -> str | None:
    """A database value as the text a CSV export would hold (None stays None).

    Timestamps and dates in ISO form (``2026-01-05 09:00:00``), intervals as
    ``H:MM:SS`` (``durations: hms``), booleans ``true``/``false``, decimals
    without exponent, arrays and JSON as compact JSON text (as an array inside
    a JSON record is read), bytes as ``\\x`` + hex.

    >>> [cell_text(v) for v in (None, True, dt.timedelta(hours=25, seconds=5.5), decimal.Decimal("1E+2"))]
    [None, 'true', '25:00:05.5', '100']
    """
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        total = value.total_seconds()
        sign, total = ("-", -total) if total < 0 else ("", total)
        hours, rest = divmod(total, 3600)
        minutes, seconds = divmod(rest, 60)
        fraction = f"{seconds - int(seconds):.6f}"[1:].rstrip("0").rstrip(".")
        return f"{sign}{int(hours)}:{int(minutes):02d}:{int(seconds):02d}{fraction}"
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "\\x" + bytes(value).hex()
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    if isinstance(value, (int, float, uuid.UUID)):
        return str(value)
    return str(value)


def _short(query: str) -> str:
    flat = " ".join(query.split())
    return flat if len(flat) <= QUERY_SHOWN_CHARACTERS else flat[:QUERY_SHOWN_CHARACTERS] + "..."


def _driver_message(exc: Exception, password: str | None) -> str:
    """First line of the driver's own message (SQLAlchemy's wrapper adds the SQL and a link), password masked."""
    original = getattr(exc, "orig", None) or exc
    message = (str(original).strip().splitlines() or [type(original).__name__])[0]
    return message.replace(password, "***") if password else message


def _fetch(driver_connection: object, query: str, server_side: bool) -> tuple[list[str], list[list[str | None]]]:
    """Column names and rows (as text) of ``query``, run through the driver's own cursor.

    The query goes to the database exactly as written: SQLAlchemy's ``text()``
    would take ``:name`` as a parameter, and psycopg with parameters ``%``.
    PostgreSQL rows come through a named (server-side) cursor, a batch at a time.
    """
    cursor = driver_connection.cursor(name="workbench_export") if server_side else driver_connection.cursor()
    try:
        cursor.execute(query)
        if cursor.description is None:
            raise _NoRows()
        headers = [str(d[0]) for d in cursor.description]
        rows = []
        while batch := cursor.fetchmany(FETCH_ROWS):
            rows.extend([cell_text(v) for v in row] for row in batch)
    finally:
        cursor.close()
    return headers, rows


class _NoRows(Exception):
    """The statement returned no result set (it is not a query)."""


def read_query(url: str, query: str) -> RawExport:
    """The rows of ``query`` on the database at ``url``, every value as text (:func:`cell_text`).

    The frame is indexed by the row's position in the result, from 1
    (``row_label`` ``row_number``); ``lines`` is the number of rows. The query
    runs in a read-only transaction that is rolled back.

    Raises:
        ParameterError: an unreadable URL, or an unsafe connection (:func:`check_transport`).
        InputDataError: the connection fails, the driver is missing, the
            query fails or names a column twice; the message names the source
            (URL without password), the query and the driver's reason.
    """
    from sqlalchemy import create_engine, event
    from sqlalchemy.exc import NoSuchModuleError, SQLAlchemyError
    from sqlalchemy.pool import NullPool

    parsed = parse_url(url)
    check_transport(parsed)
    shown = shown_url(parsed)
    backend = parsed.get_backend_name()
    if backend == "sqlite" and parsed.database not in (None, "", ":memory:") and "mode=memory" not in str(parsed) \
            and not Path(parsed.database).is_file():
        # SQLite would create an empty database there and report a missing table instead.
        raise InputDataError("SQLite database file not found", file=parsed.database)
    connect_args = {}
    if backend == "postgresql" and "connect_timeout" not in parsed.query:
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
    try:
        engine = create_engine(parsed, poolclass=NullPool, connect_args=connect_args)
    except (NoSuchModuleError, ImportError) as exc:
        raise InputDataError(f"no driver for {parsed.drivername} ({exc}); PostgreSQL is read with "
                             "postgresql+psycopg://, SQLite with sqlite:///", file=shown) from None
    if backend == "sqlite":
        # SQLite has no read-only transactions; query_only refuses any write on this connection.
        event.listen(engine, "connect", lambda connection, _: connection.execute("PRAGMA query_only = ON"))
    stage = "connect"
    try:
        with engine.connect() as connection:
            if backend == "postgresql":
                connection = connection.execution_options(postgresql_readonly=True)
            stage = "query"
            with connection.begin() as transaction:
                headers, rows = _fetch(connection.connection.driver_connection, query, backend == "postgresql")
                transaction.rollback()
    except (SQLAlchemyError, engine.dialect.loaded_dbapi.Error) as exc:
        what = "cannot connect" if stage == "connect" else "the query failed"
        first = (query.split() or [""])[0].lower()
        hint = "" if stage == "connect" or first in ("select", "with", "values", "table", "(") else \
            " (an export is read with SELECT; the source is opened read-only)"
        raise InputDataError(f"{what}: {_driver_message(exc, parsed.password)}{hint}; query: {_short(query)}",
                             file=shown) from None
    except _NoRows:
        raise InputDataError(f"the statement returned no rows (an export is read with SELECT); query: {_short(query)}",
                             file=shown) from None
    finally:
        engine.dispose()
    seen: set[str] = set()
    for header in headers:
        if header in seen:
            raise InputDataError(f"column named twice in the query's result; give each an alias (AS ...); "
                                 f"query: {_short(query)}", file=shown, field=header)
        seen.add(header)
    frame = pd.DataFrame(rows, columns=headers, dtype=object)
    frame.index = pd.Index(range(1, len(frame) + 1), name="line_number")
    return RawExport(frame, lines=len(frame), row_label="row_number")


def rows_digest(query: str, raw: RawExport) -> str:
    """SHA-256 hex of the query text, the column names and the rows (in any order): the batch's identity.

    The rows are hashed one by one and the hashes sorted, so a query without
    ``ORDER BY`` that returns the same rows in another order is the same batch.
    """
    rows = sorted(
        hashlib.sha256(json.dumps(row, ensure_ascii=False).encode()).digest()
        for row in raw.frame.itertuples(index=False, name=None)
    )
    digest = hashlib.sha256()
    digest.update(json.dumps([query, list(raw.frame.columns)], ensure_ascii=False).encode())
    for row in rows:
        digest.update(row)
    return digest.hexdigest()


def ingest_query(
    url: str,
    query: str | None,
    profile: str | Path | IngestProfile,
    store_path: str | Path | None = None,
    rejects_dir: str | Path | None = None,
) -> dict:
    """Load the rows of ``query`` (None: the profile's ``query``) on ``url`` through ``profile``: one batch.

    The rows are read (:func:`read_query`) and the profile's columns checked
    against the result before the store is opened, so a failure there leaves
    the store as it was. Then the batch runs as a file's does
    (:func:`~workbench.ingest.load.ingest_source`): checks, rejects file
    (rows named by ``row_number``), rows and ``batches`` row in one transaction;
    ``batches.source_file`` holds the URL without its password.

    Returns:
        The summary of :func:`~workbench.ingest.load.ingest_file` (``file`` is the shown URL).

    Raises:
        ParameterError: an unreadable or unsafe URL, or an invalid profile.
        InputDataError: the connection or query failed, or a mapped column is
            not in the result (source, query and column named).
        StoreError: the store write failed; the store is unchanged.
    """
    profile = load_profile(profile)
    query = _query_of(query, profile)
    raw = read_query(url, query)
    shown = shown_url(url)
    try:
        check_headers(list(raw.frame.columns), profile, shown)
    except InputDataError as exc:
        raise InputDataError(f"{exc.reason}; query: {_short(query)}", file=shown, field=exc.field) from None

    def read_and_check(store):
        table = register_frame(store.connection, raw, "raw_export")
        return table, check_export(store.connection, table, profile, shown)

    return ingest_source(shown, rows_digest(query, raw), profile, read_and_check, store_path, rejects_dir)


def _query_of(query: str | None, profile: IngestProfile) -> str:
    if query is not None and query.strip():
        return query
    if profile.query:
        return profile.query
    raise ParameterError(f"no query: give one (--query or --query-file) or set query: in profile '{profile.name}'")


def ingest_database(
    url_variable: str,
    query: str | None,
    profile: str | Path | IngestProfile,
    store_path: str | Path | None = None,
    rejects_dir: str | Path | None = None,
) -> pd.DataFrame:
    """:func:`ingest_query` with the URL from environment variable ``url_variable``, as a one-row summary.

    Like :func:`~workbench.ingest.load.ingest_files`, a source that cannot be
    read is a row with status ``failed`` and the error; an unset variable or
    an unsafe URL raises (nothing was tried).

    Raises:
        ParameterError: the variable is unset, the URL unreadable or unsafe, the profile invalid.
    """
    url = database_url(url_variable)
    profile = load_profile(profile)
    query = _query_of(query, profile)
    check_transport(url)
    try:
        row = ingest_query(url, query, profile, store_path, rejects_dir)
    except ParameterError:
        raise
    except InputDataError as exc:
        row = dict.fromkeys(SUMMARY_COLUMNS)
        row.update(file=shown_url(url), **_ZERO_COUNTS, status="failed", error=str(exc),
                   batch_id=getattr(exc, "batch_id", None))
    return pd.DataFrame([row], columns=SUMMARY_COLUMNS)
