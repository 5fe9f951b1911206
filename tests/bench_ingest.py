"""Benchmark: ingest + KPIs of a 1M-row ACD export vs DuckDB's plain read + GROUP BY.

Run by ``make bench`` (not part of ``make test``). Generates 1,000,000 call
records in the sample ACD export shape (profile ``sample_acd``: English vendor,
``YYYY/MM/DD HH:MM:SS`` times, ``H:MM:SS`` durations) with numpy and DuckDB,
then times, each in its own subprocess so peak memory is that path's alone:

* floor: DuckDB ``read_csv`` into a table plus a plain ``GROUP BY`` queue x
  30-minute interval (counts and means), no validation;
* ours: :func:`workbench.ingest.load.ingest_files` into a fresh store plus
  :func:`workbench.kpis.compute_kpis` by queue and interval.

Writes ``outputs/bench/ingest_kpis.json`` with rows per second, the ratio
ours / floor (goal: at most 3x), peak RSS of each subprocess and, for ours,
the time spent in each ingestion stage (hash, opening the export, DuckDB's
read plus the generated checks, rejects file, store write; KPIs separately).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from workbench import paths

ROWS = 1_000_000
GOAL_RATIO = 3.0
SKILLS = ["ZH_BILLING", "ZH_TECH_SUPPORT", "ZH_COMPLAINTS", "ZH_SALES",
          "EN_BILLING", "EN_TECH_SUPPORT", "EN_COMPLAINTS", "EN_SALES"]  # fmt: skip


def write_acd_csv(path: Path, rows: int = ROWS, seed: int = 11) -> None:
    """``rows`` clean ACD records in the ``sample_acd`` export shape, in Call Start order."""
    rng = np.random.default_rng(seed)
    skill = rng.integers(0, len(SKILLS), rows)
    disposition = rng.choice(["ANSWERED", "XFER", "ABANDON", "SHORT_ABANDON"], rows, p=[0.85, 0.05, 0.08, 0.02])
    answered = np.isin(disposition, ["ANSWERED", "XFER"])
    wait = np.minimum(rng.exponential(25, rows), 3000).astype(np.int64)
    wait[disposition == "SHORT_ABANDON"] = rng.integers(0, 5, int((disposition == "SHORT_ABANDON").sum()))
    talk = np.where(answered, np.minimum(rng.lognormal(5.4, 0.6, rows), 7000), 0).astype(np.int64)
    hold = np.where(answered & (rng.random(rows) < 0.2), rng.integers(5, 120, rows), 0)
    wrap = np.where(answered, rng.integers(5, 90, rows), 0)
    ring = np.where(answered, rng.integers(2, 12, rows), 0)
    start = np.sort(rng.integers(0, 86400 * 90, rows))  # 90 days from 2026-01-05
    frame = pd.DataFrame(
        {
            "n": np.arange(rows),
            "skill": np.array(SKILLS, dtype=object)[skill],
            "ani": np.where(rng.random(rows) < 0.02, "anonymous",
                            (13_000_000_000 + rng.integers(0, 300_000, rows)).astype(str)),  # repeat callers
            "start": start, "wait": wait, "ring": ring, "talk": talk, "hold": hold, "wrap": wrap,
            "disposition": disposition,
            "agent": np.where(answered, np.char.add("A", (1000 + rng.integers(0, 400, rows)).astype(str)), ""),
            "xfer": np.where(disposition == "XFER", np.array(SKILLS, dtype=object)[rng.integers(0, 8, rows)], ""),
        }
    )
    hms = "CAST({0} // 3600 AS VARCHAR) || ':' || lpad(CAST({0} // 60 % 60 AS VARCHAR), 2, '0') || ':' || lpad(CAST({0} % 60 AS VARCHAR), 2, '0')"
    stamp = "strftime(TIMESTAMP '2026-01-05 00:00:00' + to_seconds({0}), '%Y/%m/%d %H:%M:%S')"
    connection = duckdb.connect()
    connection.register("g", frame)
    connection.execute(
        f"""COPY (SELECT
            'C' || lpad(CAST(n AS VARCHAR), 9, '0') AS "Call ID",
            skill AS "Skill",
            CASE WHEN skill LIKE 'ZH_%' THEN 'Mandarin' ELSE 'English' END AS "Line",
            ani AS "ANI",
            CASE WHEN skill LIKE 'ZH_%' THEN '4008801000' ELSE '4008802000' END AS "DNIS",
            {stamp.format('start')} AS "Call Start",
            {stamp.format('start + wait + ring + talk + hold')} AS "Call End",
            {hms.format('wait')} AS "Queue Time", {hms.format('ring')} AS "Ring Time",
            {hms.format('talk')} AS "Talk Time", {hms.format('hold')} AS "Hold Time",
            {hms.format('wrap')} AS "Wrap Time",
            disposition AS "Disposition", NULLIF(agent, '') AS "Agent ID",
            NULLIF(xfer, '') AS "Transfer To"
          FROM g ORDER BY n) TO '{path}' (HEADER, DELIMITER ',')"""
    )
    connection.close()


def run_floor(csv: str, db: str) -> dict:
    """DuckDB read_csv into a table + GROUP BY queue x 30-minute interval, no validation."""
    started = time.perf_counter()
    connection = duckdb.connect(db)
    connection.execute(
        f"""CREATE TABLE calls AS SELECT * FROM read_csv('{csv}', header=true,
            timestampformat='%Y/%m/%d %H:%M:%S', all_varchar=false)"""
    )
    loaded = time.perf_counter()
    from workbench.glossary import interval_start_sql

    groups = connection.execute(
        f"""SELECT "Skill" AS queue_id,
                  {interval_start_sql('"Call Start"', 30)} AS interval_start,
                  count(*) AS offered,
                  count(*) FILTER (WHERE "Disposition" IN ('ANSWERED', 'XFER')) AS answered,
                  count(*) FILTER (WHERE "Disposition" = 'ABANDON') AS abandoned,
                  avg(extract(epoch FROM "Queue Time")) FILTER (WHERE "Disposition" IN ('ANSWERED', 'XFER')) AS asa,
                  avg(extract(epoch FROM "Talk Time") + extract(epoch FROM "Hold Time")
                          + extract(epoch FROM "Wrap Time"))
                      FILTER (WHERE "Disposition" IN ('ANSWERED', 'XFER')) AS aht
           FROM calls GROUP BY ALL"""
    ).df()
    done = time.perf_counter()
    rows = connection.execute("SELECT count(*) FROM calls").fetchone()[0]
    connection.close()
    return {"seconds": done - started, "load_seconds": loaded - started, "kpi_seconds": done - loaded,
            "rows_loaded": int(rows), "groups": len(groups)}


def time_ingest_stages() -> dict[str, float]:
    """Seconds per ingest stage, filled as ingestion runs in this (child) process.

    Wraps what ``load.py`` calls (the ingest code itself is untouched): open_export: byte checks and
    the lazy DuckDB view over the CSV; read_and_check_sql: DuckDB reads the CSV and runs the
    generated checks into a temp table (one pass); write_rejects; store_write_batch: the insert
    transaction (rows + batches row).
    """
    from workbench.ingest import load
    from workbench.store import Store

    stages: dict[str, float] = {}

    def timed(label, fn):
        def wrapper(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                stages[label] = stages.get(label, 0.0) + time.perf_counter() - t0
        return wrapper

    load.file_sha256 = timed("file_sha256", load.file_sha256)
    load.load_raw = timed("open_export", load.load_raw)
    load.check_export = timed("read_and_check_sql", load.check_export)
    load._write_rejects = timed("write_rejects", load._write_rejects)
    Store.write_batch = timed("store_write_batch", Store.write_batch)
    return stages


def run_ours(csv: str, db: str, rejects: str) -> dict:
    """ingest_files into a fresh store + compute_kpis by queue and interval, stage times recorded."""
    from workbench.ingest import load
    from workbench.kpis import compute_kpis
    from workbench.store import Store

    stages = time_ingest_stages()

    started = time.perf_counter()
    summary = load.ingest_files([csv], "sample_acd", store_path=db, rejects_dir=rejects)
    ingested = time.perf_counter()
    with Store(db, read_only=True) as store:
        kpis = compute_kpis(store, by=["queue", "interval"], interval_minutes=30)
    done = time.perf_counter()
    row = summary.iloc[0]
    stages["ingest_other"] = (ingested - started) - sum(stages.values())
    return {"seconds": done - started, "load_seconds": ingested - started, "kpi_seconds": done - ingested,
            "rows_loaded": int(row["rows_loaded"]), "rows_rejected": int(row["rows_rejected"]),
            "status": str(row["status"]), "groups": len(kpis), "stages_seconds": stages}


def _in_subprocess(function: str, *args: str, module: str = "bench_ingest") -> dict:
    """Run ``function(*args)`` of this module in a fresh interpreter; its result plus peak RSS."""
    # VmHWM of the child's own address space: ru_maxrss would also count the forked copy of this
    # pytest process (over 1 GB after generating the CSV), the same for both sides.
    code = (
        f"import json, sys; import {module} as b; "
        f"r = b.{function}(*sys.argv[1:]); "
        "r['peak_rss_megabytes'] = [int(l.split()[1]) for l in open('/proc/self/status') "
        "if l.startswith('VmHWM:')][0] / 1024; "
        "print('RESULT' + json.dumps(r))"
    )
    tests = str(Path(__file__).resolve().parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [tests, os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=False, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    # DuckDB's progress bar writes to stdout without a newline, so RESULT may share its line.
    payload = done.stdout[done.stdout.rindex("RESULT") + len("RESULT"):].splitlines()[0]
    return json.loads(payload)


def test_ingest_and_kpis_against_plain_duckdb(tmp_path):
    csv = tmp_path / "acd_calls_1m.csv"
    t0 = time.perf_counter()
    write_acd_csv(csv)
    generate_seconds = time.perf_counter() - t0

    floor = _in_subprocess("run_floor", str(csv), str(tmp_path / "floor.duckdb"))
    ours = _in_subprocess("run_ours", str(csv), str(tmp_path / "store.duckdb"), str(tmp_path / "rejects"))
    assert floor["rows_loaded"] == ROWS
    assert ours["status"] == "succeeded" and ours["rows_loaded"] == ROWS, ours
    assert ours["groups"] == floor["groups"]

    ratio = ours["seconds"] / floor["seconds"]
    result = {
        "benchmark": "ingest_kpis",
        "rows": ROWS,
        "csv_megabytes": csv.stat().st_size / 2**20,
        "generate_seconds": generate_seconds,
        "floor": "DuckDB read_csv into a table + GROUP BY queue x 30-min interval, no validation (own process)",
        "ours": "ingest_files(profile sample_acd) into a fresh store + compute_kpis(by=[queue, interval]) (own process)",
        "floor_seconds": floor["seconds"],
        "ours_seconds": ours["seconds"],
        "floor_rows_per_second": ROWS / floor["seconds"],
        "ours_rows_per_second": ROWS / ours["seconds"],
        "ratio_ours_to_floor": ratio,
        "goal_ratio": GOAL_RATIO,
        "meets_goal": ratio <= GOAL_RATIO,
        "floor_detail": floor,
        "ours_detail": ours,
    }
    out = paths.outputs_dir() / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "ingest_kpis.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
