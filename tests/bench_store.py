"""Benchmark: an atomic, validated batch write into the store vs DuckDB's plain insert.

Run by ``make bench`` (not part of ``make test``). Writes
``outputs/bench/store_write.json`` with rows per second for both paths and
their ratio, measured in the same run, plus peak memory of the process.
"""

from __future__ import annotations

import json
import resource
import statistics
import time

import duckdb
import numpy as np
import pandas as pd

from workbench import paths
from workbench.schemas import table
from workbench.store import Store

ROWS = 1_000_000
REPEATS = 3


def _calls(rows: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    arrived = pd.Timestamp("2026-01-05 08:00:00") + pd.to_timedelta(rng.integers(0, 86400 * 28, rows), unit="s")
    return pd.DataFrame(
        {
            "call_id": [f"c{i:08d}" for i in range(rows)],
            "queue_id": rng.choice(["billing_zh", "billing_en", "sales_zh", "tech_support_en"], rows),
            "language": rng.choice(["zh", "en"], rows),
            "arrived_at": arrived,
            "wait_seconds": rng.exponential(20, rows).round(1),
            "talk_seconds": rng.lognormal(5.6, 0.5, rows).round(1),
            "outcome": rng.choice(["answered", "abandoned"], rows, p=[0.93, 0.07]),
        }
    )


def _floor_seconds(frame: pd.DataFrame, path) -> float:
    connection = duckdb.connect(str(path))
    connection.execute(table("calls").ddl())
    started = time.perf_counter()
    connection.execute("BEGIN TRANSACTION")
    connection.register("incoming", frame)
    columns = ", ".join(frame.columns)
    connection.execute(f"INSERT INTO calls ({columns}) SELECT {columns} FROM incoming")
    connection.execute("COMMIT")
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


def _store_seconds(frame: pd.DataFrame, path) -> float:
    with Store(path) as store:
        store.schema_version  # open and create the schema outside the timing
        started = time.perf_counter()
        store.write_batch({"calls": frame}, batch_id="bench")
        return time.perf_counter() - started


def test_store_write_against_plain_duckdb_insert(tmp_path):
    frame = _calls(ROWS)
    floor, ours = [], []
    for repeat in range(REPEATS):
        floor.append(_floor_seconds(frame, tmp_path / f"floor{repeat}.duckdb"))
        ours.append(_store_seconds(frame, tmp_path / f"store{repeat}.duckdb"))
    with Store(tmp_path / "store0.duckdb", read_only=True) as store:
        assert store.table_counts()["calls"] == ROWS
    result = {
        "benchmark": "store_write",
        "rows": ROWS,
        "repeats": REPEATS,
        "floor": "DuckDB INSERT ... SELECT from the DataFrame in one transaction, no validation",
        "floor_seconds_median": statistics.median(floor),
        "store_seconds_median": statistics.median(ours),
        "floor_rows_per_second": ROWS / statistics.median(floor),
        "store_rows_per_second": ROWS / statistics.median(ours),
        "ratio_store_to_floor": statistics.median(o / f for o, f in zip(ours, floor)),
        "peak_rss_megabytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    out = paths.outputs_dir() / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "store_write.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
