"""The command-line interface, driven as a user would (typer's runner, real files)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from typer.testing import CliRunner

from workbench import __version__
from workbench.cli import app
from workbench.schemas import SCHEMA_VERSION

runner = CliRunner()


def _tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_version():
    result = runner.invoke(app, ["version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"workbench {__version__}"


def test_sample_data_twice_with_one_seed_gives_identical_files(tmp_path):
    arguments = ["sample-data", "--days", "2", "--seed", "11", "--transcript-calls", "40"]
    first = runner.invoke(app, arguments + ["--out", str(tmp_path / "a")])
    second = runner.invoke(app, arguments + ["--out", str(tmp_path / "b")])
    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    digest_a, digest_b = _tree_digest(tmp_path / "a"), _tree_digest(tmp_path / "b")
    assert "exports/acd_calls.csv" in digest_a and "truth/calls.csv" in digest_a
    assert digest_a == digest_b


def test_params_check_rejects_unknown_key_and_out_of_range_value_naming_file_and_field(tmp_path):
    folder = tmp_path / "parameters" / "sample_overview"
    folder.mkdir(parents=True)
    (folder / "good.yaml").write_text("interval_minutes: 30\n")
    (folder / "typo.yaml").write_text("interval_minutes: 30\nqueue_filter: billing_zh\n")
    (folder / "range.yaml").write_text("service_level_target: 1.7\n")
    result = runner.invoke(app, ["params", "check", str(tmp_path / "parameters")])
    assert result.exit_code == 1
    output = result.output
    assert "typo.yaml" in output and "queue_filter" in output
    assert "range.yaml" in output and "service_level_target" in output
    assert "good.yaml" not in output


def test_params_check_passes_on_the_shipped_parameter_sets():
    result = runner.invoke(app, ["params", "check"])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output


def test_store_init_then_info(tmp_path):
    store = tmp_path / "w.duckdb"
    assert runner.invoke(app, ["store", "info", "--store", str(store)]).exit_code == 1
    created = runner.invoke(app, ["store", "init", "--store", str(store)])
    assert created.exit_code == 0 and f"schema version {SCHEMA_VERSION}" in created.output
    info = runner.invoke(app, ["store", "info", "--store", str(store)])
    assert info.exit_code == 0
    assert "calls" in info.output and "transcript_segments" in info.output


def test_run_refuses_invalid_parameters_before_any_kernel(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_OUTPUTS_DIR", str(tmp_path / "outputs"))
    result = runner.invoke(app, ["run", "sample_overview", "-p", "interval_minutes=7"])
    assert result.exit_code == 2
    assert "interval_minutes" in result.output
    assert not (tmp_path / "outputs" / "sample_overview").exists()


def test_kpis_json_contract(tmp_path):
    import json

    import pandas as pd

    from workbench.store import Store

    store = tmp_path / "w.duckdb"
    calls = pd.DataFrame(
        {
            "call_id": ["a", "b", "c"],
            "queue_id": ["billing_zh", "billing_zh", "sales_en"],
            "arrived_at": pd.to_datetime(["2026-01-05 09:00", "2026-01-05 09:10", "2026-01-05 10:00"]),
            "answered_at": pd.to_datetime(["2026-01-05 09:00:10", None, "2026-01-05 10:00:30"]),
            "wait_seconds": [10.0, 60.0, 30.0],
            "talk_seconds": [100.0, None, 200.0],
            "outcome": ["answered", "abandoned", "answered"],
        }
    )
    with Store(store) as opened:
        opened.write_batch({"calls": calls}, batch_id="t")
    overall = runner.invoke(app, ["kpis", "--store", str(store), "--format", "json"])
    assert overall.exit_code == 0, overall.output
    records = json.loads(overall.output)
    assert len(records) == 1
    for key in ("offered", "answered", "abandoned", "abandonment_rate", "asa_seconds", "service_level",
                "aht_seconds", "transfer_rate", "fcr_rate", "csat_mean"):
        assert key in records[0]
    assert records[0]["offered"] == 3 and records[0]["answered"] == 2
    assert records[0]["csat_mean"] is None
    by_queue = json.loads(runner.invoke(app, ["kpis", "--store", str(store), "--by", "queue", "--format", "json"]).output)
    assert {r["queue_id"]: r["offered"] for r in by_queue} == {"billing_zh": 2, "sales_en": 1}
    bad = runner.invoke(app, ["kpis", "--store", str(store), "--by", "planet"])
    assert bad.exit_code == 2 and "planet" in bad.output


def _kpi_store(tmp_path: Path) -> Path:
    import pandas as pd

    from workbench.store import Store

    store = tmp_path / "w.duckdb"
    calls = pd.DataFrame({
        "call_id": ["a", "b", "c", "d"],
        "queue_id": ["billing_zh", "billing_en", "sales_en", "billing_zh"],
        "arrived_at": pd.to_datetime(["2026-01-05 09:00", "2026-01-05 09:10", "2026-01-05 10:00", "2026-01-06 23:59"]),
        "wait_seconds": [10.0, 30.0, 30.0, 5.0],
        "talk_seconds": [100.0, 100.0, 200.0, 50.0],
        "outcome": ["answered", "answered", "answered", "answered"],
    })
    with Store(store) as opened:
        opened.write_batch({"calls": calls}, batch_id="t")
    return store


def test_kpis_options_speak_the_vocabulary(tmp_path, monkeypatch):
    import json

    store = _kpi_store(tmp_path)
    monkeypatch.setenv("WORKBENCH_STORE", str(store))  # no --store: the configured store

    def kpis(*options: str) -> dict:
        result = runner.invoke(app, ["kpis", "--format", "json", *options])
        assert result.exit_code == 0, result.output
        [record] = json.loads(result.output)
        return record

    assert kpis()["offered"] == 4
    assert kpis("--date-from", "2026-01-06", "--date-to", "2026-01-06")["offered"] == 1  # 23:59 is that day
    assert kpis("--queues", "billing")["offered"] == 3  # a family: both billing queues
    assert kpis("--queues", "billing_en", "--queues", "sales_en")["offered"] == 2
    assert kpis("--target-answer-seconds", "20")["service_level"] == 0.5
    assert kpis("--target-answer-seconds", "30")["service_level"] == 1.0
    bad = runner.invoke(app, ["kpis", "--date-from", "2026-01-32"])
    assert bad.exit_code == 2 and "date_from" in bad.output


def test_retired_option_names_are_refused(tmp_path):
    for command in (["kpis", "--from", "2026-01-05"], ["kpis", "--queue", "billing"],
                    ["sample-data", "--out", str(tmp_path / "s"), "--start-date", "2026-01-05"],
                    ["forecast", "fit", "store", "--model", "profile"], ["transcribe", "x.wav", "--model", "tiny"],
                    ["topics", "assign", "x.csv", "--model", str(tmp_path)]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2 and "No such option" in result.output, (command, result.output)
    assert not (tmp_path / "s").exists()


def test_language_options_say_whose_language():
    transcribe = runner.invoke(app, ["transcribe", "--help"])
    assert transcribe.exit_code == 0 and "--spoken-language" in transcribe.output
    fit = runner.invoke(app, ["topics", "fit", "--help"])
    assert fit.exit_code == 0 and "--text-language" in fit.output
    for command in (["transcribe", "x.wav", "--language", "en"], ["topics", "fit", "x.csv", "--language", "zh"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2 and "No such option" in result.output, (command, result.output)


def test_sample_data_starts_on_date_from(tmp_path):
    import pandas as pd

    result = runner.invoke(app, ["sample-data", "--out", str(tmp_path / "s"), "--days", "1", "--seed", "3",
                                 "--transcript-calls", "0", "--date-from", "2026-02-02"])
    assert result.exit_code == 0, result.output
    days = pd.read_csv(tmp_path / "s" / "truth" / "calls.csv", usecols=["date_local"])["date_local"]
    assert set(days.astype(str)) == {"2026-02-02"}


def test_ingest_loads_rejects_and_is_idempotent(tmp_path):
    from workbench.sample.generate import generate_call_centre
    from workbench.store import Store

    sample = tmp_path / "sample"
    generate_call_centre(sample, days=1, seed=5, transcript_calls=0)
    store, rejects = tmp_path / "w.duckdb", tmp_path / "rejects"
    arguments = ["ingest", str(sample / "exports" / "acd_calls.csv"), "--profile", "sample_acd",
                 "--store", str(store), "--rejects-dir", str(rejects)]
    first = runner.invoke(app, arguments)
    assert first.exit_code == 0, first.output
    assert "succeeded" in first.output
    with Store(store, read_only=True) as opened:
        loaded = opened.table_counts()["calls"]
    assert loaded > 0 and list(rejects.glob("*.csv"))
    second = runner.invoke(app, arguments)
    assert second.exit_code == 0 and "skipped" in second.output
    with Store(store, read_only=True) as opened:
        assert opened.table_counts()["calls"] == loaded
    wrong = runner.invoke(app, ["ingest", str(sample / "exports" / "acd_calls.csv"), "--profile", "sample_acd_zh",
                                "--store", str(store), "--rejects-dir", str(rejects)])
    assert wrong.exit_code == 1
    assert "not found" in wrong.output


def test_export_writes_hive_partitioned_parquet(tmp_path):
    import duckdb
    import pandas as pd

    from workbench.store import Store

    store = tmp_path / "w.duckdb"
    calls = pd.DataFrame(
        {
            "call_id": ["a", "b"],
            "queue_id": ["billing_zh", "sales_en"],
            "arrived_at": pd.to_datetime(["2026-01-05 09:00", "2026-01-06 10:00"]),
            "wait_seconds": [10.0, 20.0],
            "outcome": ["answered", "abandoned"],
        }
    )
    with Store(store) as opened:
        opened.write_batch({"calls": calls}, batch_id="t")
    result = runner.invoke(app, ["export", str(tmp_path / "lake"), "--tables", "calls", "--store", str(store)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "lake" / "calls").iterdir()) == ["date=2026-01-05", "date=2026-01-06"]
    pattern = str(tmp_path / "lake" / "calls" / "*" / "*.parquet")
    count = duckdb.sql(f"SELECT count(*) FROM read_parquet('{pattern}', hive_partitioning=true)").fetchall()[0][0]
    assert count == 2
