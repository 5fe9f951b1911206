"""Exports read from a database (issue 16): a SQL query on a SQLAlchemy URL, through a profile.

SQLite (a file the test writes) and a real PostgreSQL server the tests start (``postgres_url`` in
conftest.py). Every row read is loaded or rejected with its reason, a re-run of the same rows is
skipped, new rows load, a failing connection or query leaves the store unchanged, and credentials
only travel over verified TLS.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from workbench.errors import InputDataError, ParameterError
from workbench.ingest import IngestProfile
from workbench.ingest.database import check_transport, ingest_query, read_query, shown_url
from workbench.store import Store

#: A call id that would break a query built by pasting values into SQL; it must load as plain text.
HOSTILE_ID = "x'); DROP TABLE calls; --"
#: A result a spreadsheet would run as a formula; the outcome map rejects it.
HOSTILE_RESULT = "=HYPERLINK(\"http://example.invalid\",\"ok\")"

ROWS = [
    ("q1", "billing", dt.datetime(2026, 1, 5, 9, 0), 12.5, dt.timedelta(minutes=3, seconds=20), "ok", "A1"),
    ("q2", "billing", dt.datetime(2026, 1, 5, 9, 1), 3.0, dt.timedelta(seconds=45), "ok", "A2"),
    (HOSTILE_ID, "tech", dt.datetime(2026, 1, 5, 9, 2), 7.0, dt.timedelta(minutes=1), "ok", "A2"),
    ("q4", "tech", dt.datetime(2026, 1, 5, 9, 3), 4.0, dt.timedelta(0), HOSTILE_RESULT, "A1"),
    ("q5", "tech", dt.datetime(2026, 1, 5, 9, 4), 9.0, None, "gone", None),
]
QUERY = "SELECT call_id, skill, started, wait, talk, result, agent FROM acd_calls ORDER BY call_id"


def _profile(**changes) -> IngestProfile:
    values = {
        "name": "reporting_db", "table": "calls",
        "columns": {"call_id": "call_id", "queue_id": "skill", "arrived_at": "started", "wait_seconds": "wait",
                    "talk_seconds": "talk", "outcome": "result", "agent_id": "agent"},
        "durations": {"talk_seconds": "hms"},
        "outcomes": {"ok": "answered", "gone": "abandoned"},
    }
    values.update(changes)
    return IngestProfile.model_validate(values)


@pytest.fixture
def where(tmp_path) -> dict:
    return {"store_path": tmp_path / "w.duckdb", "rejects_dir": tmp_path / "rejects"}


def _sqlite_row(row: tuple) -> tuple:
    """A row as a reporting database without interval types keeps it: times and durations as text."""
    call_id, skill, started, wait, talk, result, agent = row
    talk_text = None if talk is None else f"{int(talk.total_seconds()) // 3600}:" \
        f"{int(talk.total_seconds()) % 3600 // 60:02d}:{int(talk.total_seconds()) % 60:02d}"
    return call_id, skill, started.isoformat(sep=" "), wait, talk_text, result, agent


@pytest.fixture
def sqlite_source(tmp_path) -> Path:
    path = tmp_path / "reporting.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE acd_calls (call_id TEXT, skill TEXT, started TEXT, wait REAL, talk TEXT, "
                           "result TEXT, agent TEXT)")
        connection.executemany("INSERT INTO acd_calls VALUES (?, ?, ?, ?, ?, ?, ?)", [_sqlite_row(r) for r in ROWS])
    connection.close()
    return path


def _state(where: dict) -> tuple[dict, pd.DataFrame]:
    with Store(where["store_path"]) as store:
        return store.table_counts(), store.query("SELECT * FROM batches ORDER BY batch_id")


def _check_first_load(summary: dict, where: dict) -> None:
    assert summary["status"] == "succeeded"
    assert (summary["rows_read"], summary["rows_loaded"], summary["rows_rejected"]) == (5, 4, 1)
    with Store(where["store_path"], read_only=True) as store:
        calls = store.query("SELECT * FROM calls").set_index("call_id")
    assert sorted(calls.index) == sorted(["q1", "q2", HOSTILE_ID, "q5"])
    assert calls.loc["q1", "arrived_at"] == pd.Timestamp("2026-01-05 09:00:00")
    assert calls.loc["q1", ["wait_seconds", "talk_seconds"]].tolist() == [12.5, 200.0]
    assert calls.loc["q5", "outcome"] == "abandoned" and pd.isna(calls.loc["q5", "talk_seconds"])
    rejects = pd.read_csv(summary["rejects_file"], dtype=str, encoding="utf-8-sig")
    assert rejects.columns[0] == "row_number"  # rows of a query result, not lines of a file
    assert rejects["call_id"].tolist() == ["q4"]
    reason = rejects.loc[0, "reject_reason"]
    assert "result" in reason and "HYPERLINK" in reason
    assert not rejects.loc[0, "result"].startswith("=")  # neutralised for spreadsheets


def test_sqlite_query_loads_through_a_profile_and_a_rerun_is_skipped(sqlite_source, where):
    url = f"sqlite:///{sqlite_source}"
    summary = ingest_query(url, QUERY, _profile(), **where)
    _check_first_load(summary, where)
    counts, batches = _state(where)
    assert batches["source_file"].tolist() == [url]
    again = ingest_query(url, QUERY, _profile(), **where)
    assert again["status"] == "skipped" and again["batch_id"] == summary["batch_id"]
    assert _state(where)[0] == counts



def test_the_same_rows_in_another_order_are_the_same_batch(sqlite_source, where):
    url, unordered = f"sqlite:///{sqlite_source}", QUERY.replace(" ORDER BY call_id", "")
    first = ingest_query(url, unordered, _profile(), **where)
    with sqlite3.connect(sqlite_source) as connection:
        connection.execute("CREATE TABLE reversed AS SELECT * FROM acd_calls ORDER BY rowid DESC")
        connection.execute("DROP TABLE acd_calls")
        connection.execute("ALTER TABLE reversed RENAME TO acd_calls")
    connection.close()
    assert read_query(url, unordered).frame["call_id"].iloc[0] == "q5"  # really another order
    again = ingest_query(url, unordered, _profile(), **where)
    assert again["status"] == "skipped" and again["batch_id"] == first["batch_id"]


def test_new_rows_in_the_source_make_a_new_batch_and_stored_rows_count_as_duplicates(sqlite_source, where):
    url = f"sqlite:///{sqlite_source}"
    ingest_query(url, QUERY, _profile(), **where)
    with sqlite3.connect(sqlite_source) as connection:
        connection.execute("INSERT INTO acd_calls VALUES ('q6', 'billing', '2026-01-05 10:00:00', 1, '0:01:00', "
                           "'ok', 'A1')")
    connection.close()
    summary = ingest_query(url, QUERY, _profile(), **where)
    assert summary["status"] == "succeeded"
    assert (summary["rows_read"], summary["rows_loaded"], summary["rows_duplicate"], summary["rows_rejected"]) == \
        (6, 1, 4, 1)
    assert _state(where)[0]["calls"] == 5


@pytest.mark.parametrize(("query", "message"), [
    ("SELECT call_id, skil FROM acd_calls", "the query failed: no such column: skil; query: SELECT call_id, skil"),
    ("DELETE FROM acd_calls", "the query failed: attempt to write a readonly database"),
    ("SELECT call_id, skill, started, wait, talk, result FROM acd_calls",
     r"header 'agent' \(mapped to agent_id .*\) not found.*; query: SELECT call_id"),
    ("SELECT call_id, call_id FROM acd_calls", "column named twice"),
])
def test_a_failing_query_names_source_and_query_and_leaves_the_store_unchanged(sqlite_source, where, query, message):
    url = f"sqlite:///{sqlite_source}"
    ingest_query(url, QUERY, _profile(), **where)
    before = _state(where)
    with pytest.raises(InputDataError, match=message) as caught:
        ingest_query(url, query, _profile(), **where)
    assert caught.value.file == url
    after = _state(where)
    assert after[0] == before[0]
    pd.testing.assert_frame_equal(after[1], before[1])
    assert len(read_query(url, QUERY).frame) == len(ROWS)  # the source is unchanged too


#: Written as it reaches the database: ':x' is no parameter, '%' no placeholder.
VERBATIM = "SELECT call_id, ':x' AS colon, '100%' AS percent FROM acd_calls WHERE skill LIKE 'bill%' ORDER BY call_id"


def test_the_query_reaches_the_database_verbatim(sqlite_source):
    frame = read_query(f"sqlite:///{sqlite_source}", VERBATIM).frame
    assert frame.values.tolist() == [["q1", ":x", "100%"], ["q2", ":x", "100%"]]


def test_a_missing_sqlite_file_is_named_not_created(tmp_path, where):
    missing = tmp_path / "nope.db"
    with pytest.raises(InputDataError, match="SQLite database file not found"):
        ingest_query(f"sqlite:///{missing}", QUERY, _profile(), **where)
    assert not missing.exists()


@pytest.mark.parametrize("url", [
    "postgresql+psycopg://cc:s3cret@db.example.com/calls",
    "postgresql+psycopg://cc:s3cret@db.example.com/calls?sslmode=require",
    "postgresql+psycopg://cc:s3cret@db.example.com/calls?sslmode=prefer",
    "postgresql+psycopg://cc:s3cret@10.0.0.5:5432/calls?sslmode=disable",
    "postgresql+psycopg://cc:s3cret@localhost/calls?hostaddr=10.0.0.5",  # hostaddr is where libpq connects
    "postgresql+psycopg://cc@db.example.com/calls",  # a password may come from PGPASSWORD or ~/.pgpass
    "mysql+pymysql://cc:s3cret@db.example.com/calls",
])
def test_credentials_to_another_machine_without_verified_tls_are_refused(url, where):
    with pytest.raises(ParameterError, match="refusing to connect to .* (without verified TLS|over mysql)") as caught:
        ingest_query(url, QUERY, _profile(), **where)
    assert "s3cret" not in str(caught.value)
    assert not Path(where["store_path"]).exists()


@pytest.mark.parametrize("url", [
    "postgresql+psycopg://cc:s3cret@db.example.com/calls?sslmode=verify-full&sslrootcert=/etc/ca.pem",
    "postgresql+psycopg://cc:s3cret@db.example.com/calls?sslmode=verify-ca",
    "postgresql+psycopg://cc:s3cret@127.0.0.1:5432/calls",
    "postgresql+psycopg://cc:s3cret@[::1]:5432/calls",
    "postgresql+psycopg://cc:s3cret@localhost/calls",
    "postgresql+psycopg://cc:s3cret@/calls?host=/var/run/postgresql",
    "sqlite:////srv/reporting.db",
])
def test_verified_tls_loopback_and_sockets_are_accepted(url, monkeypatch):
    monkeypatch.delenv("PGHOST", raising=False)
    monkeypatch.delenv("PGHOSTADDR", raising=False)
    check_transport(url)  # raises when refused


def test_a_remote_pghost_counts_when_the_url_names_no_host(monkeypatch):
    monkeypatch.setenv("PGHOST", "db.example.com")
    monkeypatch.delenv("PGSSLMODE", raising=False)
    with pytest.raises(ParameterError, match="db.example.com"):
        check_transport("postgresql+psycopg:///calls")
    monkeypatch.setenv("PGSSLMODE", "verify-full")
    check_transport("postgresql+psycopg:///calls")


def test_the_shown_url_carries_no_password():
    shown = shown_url("postgresql+psycopg://cc:s3cr%40t@db.example.com/calls?sslmode=verify-full&password=other")
    assert shown == "postgresql+psycopg://cc:***@db.example.com/calls?sslmode=verify-full"


def test_cli_reads_the_url_from_an_environment_variable(sqlite_source, where, monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from workbench.cli import app

    runner = CliRunner()
    profile = tmp_path / "reporting_db.yaml"
    import yaml

    profile.write_text(yaml.safe_dump(_profile().model_dump(exclude={"name"}, exclude_defaults=True)),
                       encoding="utf-8")
    query_file = tmp_path / "calls.sql"
    query_file.write_text(QUERY, encoding="utf-8")
    common = ["ingest", "--profile", str(profile), "--store", str(where["store_path"]),
              "--rejects-dir", str(where["rejects_dir"])]
    monkeypatch.delenv("WB_TEST_SOURCE", raising=False)
    unset = runner.invoke(app, [*common, "--database-url-env", "WB_TEST_SOURCE", "--query", QUERY])
    assert unset.exit_code == 2 and "WB_TEST_SOURCE is not set" in unset.output
    monkeypatch.setenv("WB_TEST_SOURCE", f"sqlite:///{sqlite_source}")
    loaded = runner.invoke(app, [*common, "--database-url-env", "WB_TEST_SOURCE", "--query-file", str(query_file)])
    assert loaded.exit_code == 0, loaded.output
    assert "succeeded" in loaded.output
    assert _state(where)[0]["calls"] == 4
    failed = runner.invoke(app, [*common, "--database-url-env", "WB_TEST_SOURCE", "--query", "SELECT nope"])
    assert failed.exit_code == 1 and "no such column: nope" in failed.output
    neither = runner.invoke(app, [*common, "--database-url-env", "WB_TEST_SOURCE"])
    assert neither.exit_code == 2 and "no query: give one (--query or --query-file) or set query:" in neither.output
    both = runner.invoke(app, [*common, "--database-url-env", "WB_TEST_SOURCE", "--query", QUERY,
                               "--query-file", str(query_file)])
    assert both.exit_code == 2 and "not both" in both.output
    # A profile may name the query; the URL never goes into a profile.
    with_query = tmp_path / "reporting_db_query.yaml"
    with_query.write_text(yaml.safe_dump({**yaml.safe_load(profile.read_text(encoding="utf-8")),
                                          "query": QUERY.replace(" ORDER BY call_id", "")}), encoding="utf-8")
    named = runner.invoke(app, [*common[:2], str(with_query), *common[3:], "--database-url-env", "WB_TEST_SOURCE"])
    assert named.exit_code == 0, named.output
    assert "succeeded" in named.output  # another profile name: a batch of its own, every row a duplicate
    counts, batches = _state(where)
    assert counts["calls"] == 4 and len(batches) == 2


# -- a real PostgreSQL server ------------------------------------------------------------------


@pytest.fixture(scope="module")
def postgres_source(postgres_url: str) -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(postgres_url)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS acd_calls"))
        connection.execute(text("DROP SEQUENCE IF EXISTS export_runs"))
        connection.execute(text("CREATE SEQUENCE export_runs"))
        connection.execute(text("CREATE TABLE acd_calls (call_id TEXT PRIMARY KEY, skill TEXT, started TIMESTAMP, "
                                "wait NUMERIC(8, 2), talk INTERVAL, result TEXT, agent TEXT)"))
        connection.execute(
            text("INSERT INTO acd_calls VALUES (:c, :s, :st, :w, :t, :r, :a)"),
            [dict(zip(["c", "s", "st", "w", "t", "r", "a"], row)) for row in ROWS],
        )
    engine.dispose()
    return postgres_url


@pytest.mark.slow
def test_postgres_query_loads_through_a_profile_and_a_rerun_is_skipped(postgres_source, where):
    # A password in the URL (the server trusts loopback and ignores it) must not reach the store.
    url = postgres_source.replace("workbench@", "workbench:pa55word@")
    summary = ingest_query(url, QUERY, _profile(), **where)
    _check_first_load(summary, where)
    counts, batches = _state(where)
    assert batches["source_file"].tolist() == [url.replace("pa55word", "***")]
    assert not any("pa55word" in str(v) for v in batches.iloc[0].tolist())
    assert ingest_query(url, QUERY, _profile(), **where)["status"] == "skipped"
    assert _state(where)[0] == counts


@pytest.mark.slow
def test_postgres_values_read_as_csv_text(postgres_source):
    raw = read_query(postgres_source, QUERY)
    assert raw.frame.loc[1, ["started", "wait", "talk"]].tolist() == ["2026-01-05 09:00:00", "12.50", "0:03:20"]
    assert raw.row_label == "row_number" and raw.frame.index.tolist() == [1, 2, 3, 4, 5]
    verbatim = read_query(postgres_source, VERBATIM).frame
    assert verbatim.values.tolist() == [["q1", ":x", "100%"], ["q2", ":x", "100%"]]


@pytest.mark.slow
def test_postgres_errors_leave_store_and_source_unchanged(postgres_source, where):
    ingest_query(postgres_source, QUERY, _profile(), **where)
    before = _state(where)
    with pytest.raises(InputDataError, match='the query failed: .*relation "acd_call" does not exist.*query: SELECT'):
        ingest_query(postgres_source, QUERY.replace("acd_calls", "acd_call"), _profile(), **where)
    with pytest.raises(InputDataError, match="cannot execute nextval\\(\\) in a read-only transaction"):
        ingest_query(postgres_source, "SELECT *, nextval('export_runs') AS run FROM acd_calls", _profile(), **where)
    with pytest.raises(InputDataError, match="an export is read with SELECT"):
        ingest_query(postgres_source, "DELETE FROM acd_calls", _profile(), **where)
    import socket

    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    refused = postgres_source.rsplit(":", 1)[0] + f":{closed}/postgres"
    with pytest.raises(InputDataError, match="cannot connect: .*(refused|failed)"):
        ingest_query(refused, QUERY, _profile(), **where)
    after = _state(where)
    assert after[0] == before[0]
    pd.testing.assert_frame_equal(after[1], before[1])
    assert len(read_query(postgres_source, QUERY).frame) == len(ROWS)
