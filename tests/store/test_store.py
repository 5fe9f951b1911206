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
        with pytest.raises(StoreError, match="outcome"):
            store.write_batch({"calls": _calls(["a"]).drop(columns="outcome")})


def test_a_call_without_a_wait_is_stored_with_an_unknown_wait(tmp_path):
    frame = _calls(["a", "b"]).drop(columns="wait_seconds").assign(outcome=["abandoned", "answered"])
    with Store(tmp_path / "w.duckdb") as store:
        store.write_batch({"calls": frame}, batch_id="b1")
        store.write_batch({"calls": _calls(["c"]).assign(wait_seconds=None)}, batch_id="b2")
        calls = store.read_table("calls")
    assert list(calls["call_id"]) == ["a", "b", "c"]
    assert calls["wait_seconds"].isna().all()


# The calls table as schema version 1 created it: wait_seconds NOT NULL.
_CALLS_V1 = """CREATE TABLE calls (
    call_id VARCHAR NOT NULL, source_call_id VARCHAR, queue_id VARCHAR NOT NULL, language VARCHAR,
    customer_id VARCHAR, agent_id VARCHAR, arrived_at TIMESTAMP NOT NULL, answered_at TIMESTAMP,
    ended_at TIMESTAMP, wait_seconds DOUBLE NOT NULL, talk_seconds DOUBLE, hold_seconds DOUBLE,
    wrap_seconds DOUBLE, outcome VARCHAR NOT NULL, transfer_to_queue_id VARCHAR, flags VARCHAR,
    batch_id VARCHAR, PRIMARY KEY (call_id)
)"""


def _version_1_store(path) -> None:
    connection = duckdb.connect(str(path))
    connection.execute("CREATE TABLE schema_info (schema_version INTEGER NOT NULL, applied_at TIMESTAMP NOT NULL)")
    connection.execute("INSERT INTO schema_info VALUES (1, TIMESTAMP '2026-01-01 00:00:00')")
    connection.execute(_CALLS_V1)
    connection.execute("INSERT INTO calls (call_id, queue_id, arrived_at, wait_seconds, outcome, batch_id) "
                       "VALUES ('old', 'billing_zh', TIMESTAMP '2026-01-05 08:00:00', 12, 'answered', 'b0')")
    with pytest.raises(duckdb.ConstraintException):
        connection.execute("INSERT INTO calls (call_id, queue_id, arrived_at, outcome) "
                           "VALUES ('x', 'billing_zh', TIMESTAMP '2026-01-05 08:00:00', 'abandoned')")
    connection.close()


def test_version_1_store_is_migrated_keeps_its_rows_and_takes_a_call_without_a_wait(tmp_path):
    path = tmp_path / "v1.duckdb"
    _version_1_store(path)
    with Store(path) as store:
        assert store.schema_version == SCHEMA_VERSION == 4
        assert list(store.query("SELECT schema_version FROM schema_info ORDER BY 1")["schema_version"]) == [1, 2, 3, 4]
        # Version 3's columns were added to the old table.
        assert {"resolved", "disposition_code", "contact_reason"} <= set(store.read_table("calls").columns)
        store.write_batch({"calls": _calls(["new"]).drop(columns="wait_seconds").assign(outcome="abandoned")},
                          batch_id="b1")
        calls = store.read_table("calls")
        assert set(store.table_counts()) == set(TABLES)
    assert list(calls["call_id"]) == ["new", "old"]
    assert calls["wait_seconds"].isna().tolist() == [True, False]
    assert calls.loc[calls["call_id"] == "old", ["wait_seconds", "batch_id"]].values.tolist() == [[12.0, "b0"]]
    with Store(path) as again:  # migrated once
        assert list(again.query("SELECT schema_version FROM schema_info ORDER BY 1")["schema_version"]) == [1, 2, 3, 4]


def test_version_3_store_gains_the_speech_intelligence_columns_and_keeps_its_transcripts(tmp_path):
    path = tmp_path / "v3.duckdb"
    connection = duckdb.connect(str(path))
    connection.execute("CREATE TABLE schema_info (schema_version INTEGER NOT NULL, applied_at TIMESTAMP NOT NULL)")
    connection.execute("INSERT INTO schema_info VALUES (3, TIMESTAMP '2026-01-01 00:00:00')")
    connection.execute("CREATE TABLE transcript_segments (call_id VARCHAR NOT NULL, segment_index INTEGER NOT NULL, "
                       "speaker_role VARCHAR NOT NULL, start_seconds DOUBLE NOT NULL, end_seconds DOUBLE NOT NULL, "
                       "text VARCHAR NOT NULL, confidence DOUBLE, language VARCHAR, model VARCHAR, "
                       "parameters_hash VARCHAR, audio_sha256 VARCHAR, PRIMARY KEY (call_id, segment_index))")
    connection.execute("INSERT INTO transcript_segments (call_id, segment_index, speaker_role, start_seconds, "
                       "end_seconds, text) VALUES ('c1', 0, 'agent', 0.0, 1.5, 'hello')")
    connection.close()
    with Store(path) as store:
        assert store.schema_version == 4
        segments = store.read_table("transcript_segments")
        assert {"sentiment_score", "sentiment_label", "agitated", "role_confidence"} <= set(segments.columns)
        assert segments[["call_id", "text"]].values.tolist() == [["c1", "hello"]]
        assert segments["sentiment_score"].isna().all()
        assert {"call_sentiment", "speaker_source", "sentiment_model"} <= set(store.read_table("speech_metrics").columns)


def test_version_1_store_read_only_is_refused_with_the_way_to_migrate(tmp_path):
    path = tmp_path / "v1.duckdb"
    _version_1_store(path)
    with pytest.raises(StoreError, match="schema version 1 found.*to migrate it"):
        Store(path, read_only=True).connection


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
    with pytest.raises(StoreError, match="schema version 999.*rebuild"):
        Store(path).connection
    with pytest.raises(StoreError, match="schema version 999"):
        Store(path, read_only=True).connection


def _export_fixture(store: Store) -> None:
    calls = pd.DataFrame(
        {
            "call_id": ["a", "b", "c", "d"],
            "queue_id": ["billing_zh", "billing_zh", "sales_en", "sales_en"],
            "arrived_at": pd.to_datetime(
                ["2026-01-05 09:00:00", "2026-01-05 23:59:59", "2026-01-06 00:00:00", "2026-01-07 12:30:00"]
            ),
            "wait_seconds": [1.0, 2.0, 3.0, 4.0],
            "outcome": "answered",
        }
    )
    surveys = pd.DataFrame(
        {
            "survey_id": ["s1", "s2"],
            "call_id": ["a", "c"],
            "surveyed_at": pd.to_datetime(["2026-01-05 10:00:00", "2026-01-06 08:00:00"]),
            "csat": [5, 3],
        }
    )
    queues = pd.DataFrame({"queue_id": ["billing_zh", "sales_en"], "service_level_target": [0.8, 0.8]})
    store.write_batch({"calls": calls, "surveys": surveys, "queues": queues}, batch_id="b1")


def test_export_parquet_round_trips_partitioned_by_date(tmp_path):
    out = tmp_path / "parquet"
    with Store(tmp_path / "w.duckdb") as store:
        _export_fixture(store)
        counts = store.export_parquet(out)
        expected = {name: store.read_table(name) for name in ("calls", "surveys", "queues")}
    assert counts["calls"] == 4 and counts["surveys"] == 2 and counts["queues"] == 2 and counts["agents"] == 0
    assert sorted(p.name for p in (out / "calls").iterdir()) == ["date=2026-01-05", "date=2026-01-06", "date=2026-01-07"]
    assert sorted(p.name for p in (out / "surveys").iterdir()) == ["date=2026-01-05", "date=2026-01-06"]
    assert not (out / "agents").exists() and (out / "queues" / "data_0.parquet").exists()
    assert not list(out.glob(".*"))  # no staging folders left behind

    connection = duckdb.connect()
    for name, key in (("calls", "call_id"), ("surveys", "survey_id")):
        back = connection.execute(
            f"SELECT * FROM read_parquet('{out / name}/*/*.parquet', hive_partitioning=true) ORDER BY {key}"
        ).df()
        date_source = "arrived_at" if name == "calls" else "surveyed_at"
        assert (pd.to_datetime(back["date"]) == back[date_source].dt.normalize()).all()
        pd.testing.assert_frame_equal(back.drop(columns="date"), expected[name], check_dtype=False)
    queues = connection.execute(f"SELECT * FROM read_parquet('{out / 'queues'}/*.parquet') ORDER BY queue_id").df()
    pd.testing.assert_frame_equal(queues, expected["queues"], check_dtype=False)


def test_export_parquet_is_readable_by_pyarrow_pandas_and_dask(tmp_path):
    import pyarrow.dataset as ds

    dd = pytest.importorskip("dask.dataframe")
    out = tmp_path / "parquet"
    with Store(tmp_path / "w.duckdb") as store:
        _export_fixture(store)
        store.export_parquet(out, tables=["calls"])
    assert not (out / "surveys").exists()

    arrow = ds.dataset(out / "calls", format="parquet", partitioning="hive").to_table().to_pandas()
    assert sorted(arrow["call_id"]) == ["a", "b", "c", "d"]
    assert arrow.groupby(arrow["date"].astype(str))["call_id"].count().to_dict() == {
        "2026-01-05": 2, "2026-01-06": 1, "2026-01-07": 1,
    }
    frame = pd.read_parquet(out / "calls")
    assert len(frame) == 4 and {"call_id", "arrived_at", "date"} <= set(frame.columns)

    lazy = dd.read_parquet(str(out / "calls"))
    computed = lazy.compute()
    assert sorted(computed["call_id"]) == ["a", "b", "c", "d"]
    assert "date" in computed.columns


def test_export_parquet_rerun_replaces_previous_export(tmp_path):
    out = tmp_path / "parquet"
    with Store(tmp_path / "w.duckdb") as store:
        _export_fixture(store)
        store.export_parquet(out, tables=["calls"])
        first = sorted(str(p.relative_to(out)) for p in out.rglob("*.parquet"))
        store.export_parquet(out, tables=["calls"])
        assert sorted(str(p.relative_to(out)) for p in out.rglob("*.parquet")) == first
        store.connection.execute("DELETE FROM calls WHERE call_id = 'd'")
        assert store.export_parquet(out, tables=["calls"]) == {"calls": 3}
    assert not (out / "calls" / "date=2026-01-07").exists()
    back = duckdb.connect().execute(
        f"SELECT count(*) FROM read_parquet('{out / 'calls'}/*/*.parquet', hive_partitioning=true)"
    ).fetchone()[0]
    assert back == 3


def test_export_parquet_from_read_only_store_and_unknown_table(tmp_path):
    with Store(tmp_path / "w.duckdb") as store:
        _export_fixture(store)
    with Store(tmp_path / "w.duckdb", read_only=True) as store:
        assert store.export_parquet(tmp_path / "out", tables=["queues"]) == {"queues": 2}
        with pytest.raises(StoreError, match="unknown table 'nope'"):
            store.export_parquet(tmp_path / "out", tables=["nope"])
