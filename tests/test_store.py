"""The DuckDB store: schema, atomic idempotent batches, read-only access."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from workbench.errors import StoreError
from workbench.schemas import SCHEMA_VERSION, TABLES
from workbench.store import Store


def _calls(ids: list[str], wait: float = 12.0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "call_id": ids,
            "queue_id": "billing_zh",
            "arrived_at": pd.Timestamp("2026-01-05 09:00:00"),
            "wait_seconds": wait,
            "outcome": "answered",
        }
    )


def test_new_store_has_every_canonical_table_and_the_schema_version(tmp_path):
    with Store(tmp_path / "w.duckdb") as store:
        assert store.schema_version == SCHEMA_VERSION
        assert set(store.table_counts()) == set(TABLES)
        assert all(count == 0 for count in store.table_counts().values())


def test_write_batch_is_idempotent_and_records_the_batch(tmp_path):
    with Store(tmp_path / "w.duckdb") as store:
        store.write_batch({"calls": _calls(["a", "b"])}, batch_id="b1")
        store.write_batch({"calls": _calls(["a", "b"], wait=30.0)}, batch_id="b2")
        calls = store.read_table("calls")
    assert list(calls["call_id"]) == ["a", "b"]
    assert list(calls["wait_seconds"]) == [30.0, 30.0]
    assert set(calls["batch_id"]) == {"b2"}


def test_failure_mid_batch_leaves_previous_state(tmp_path):
    with Store(tmp_path / "w.duckdb") as store:
        store.write_batch({"calls": _calls(["a"])}, batch_id="b1")
        bad_surveys = pd.DataFrame({"survey_id": ["s1"], "call_id": ["a"], "csat": ["not a number"]})
        with pytest.raises(StoreError, match="store unchanged"):
            store.write_batch({"calls": _calls(["b", "c"]), "surveys": bad_surveys}, batch_id="b2")
        assert list(store.read_table("calls")["call_id"]) == ["a"]
        assert store.table_counts()["surveys"] == 0


def test_store_survives_a_killed_writer(tmp_path):
    """A process killed inside a transaction leaves the committed state readable."""
    import subprocess
    import sys

    path = tmp_path / "w.duckdb"
    with Store(path) as store:
        store.write_batch({"calls": _calls(["a"])}, batch_id="b1")
    script = (
        "import os, pandas as pd; from workbench.store import Store; s=Store(r'%s');"
        "c=s.connection; c.execute('BEGIN TRANSACTION');"
        "c.execute(\"INSERT INTO calls (call_id, queue_id, arrived_at, wait_seconds, outcome) "
        "VALUES ('zz', 'q', TIMESTAMP '2026-01-01 00:00:00', 1, 'answered')\");"
        "os._exit(9)" % path
    )
    assert subprocess.run([sys.executable, "-c", script]).returncode == 9
    with Store(path, read_only=True) as store:
        assert list(store.read_table("calls")["call_id"]) == ["a"]


def test_missing_required_column_is_named(tmp_path):
    with Store(tmp_path / "w.duckdb") as store:
        with pytest.raises(StoreError, match="wait_seconds"):
            store.write_batch({"calls": _calls(["a"]).drop(columns="wait_seconds")})


def test_unknown_table_and_column_are_named(tmp_path):
    with Store(tmp_path / "w.duckdb") as store:
        with pytest.raises(StoreError, match="unknown table 'callz'"):
            store.write_batch({"callz": _calls(["a"])})
        with pytest.raises(StoreError, match="colour"):
            store.write_batch({"calls": _calls(["a"]).assign(colour="red")})


def test_null_in_required_column_is_refused(tmp_path):
    frame = _calls(["a", "b"])
    frame.loc[1, "outcome"] = None
    with Store(tmp_path / "w.duckdb") as store:
        with pytest.raises(StoreError, match="'outcome' is empty in 1 row"):
            store.write_batch({"calls": frame})


def test_inputs_are_not_mutated(tmp_path):
    frame = _calls(["a"])
    before = frame.copy()
    with Store(tmp_path / "w.duckdb") as store:
        store.write_batch({"calls": frame}, batch_id="b1")
    pd.testing.assert_frame_equal(frame, before)


def test_read_only_store_refuses_writes_and_missing_file(tmp_path):
    with pytest.raises(StoreError, match="does not exist"):
        Store(tmp_path / "absent.duckdb", read_only=True).connection
    path = tmp_path / "w.duckdb"
    with Store(path) as store:
        store.schema_version
    with Store(path, read_only=True) as store:
        with pytest.raises(StoreError, match="read-only"):
            store.write_batch({"calls": _calls(["a"])})


def test_other_schema_version_is_refused(tmp_path):
    path = tmp_path / "w.duckdb"
    with Store(path) as store:
        store.schema_version
    connection = duckdb.connect(str(path))
    connection.execute("UPDATE schema_info SET schema_version = 999")
    connection.close()
    with pytest.raises(StoreError, match="schema version 999"):
        Store(path).connection
