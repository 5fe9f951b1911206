"""``workbench schema``: the data dictionary on the command line."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from workbench.cli import app
from workbench.schemas import TABLES

runner = CliRunner()


def test_schema_json_lists_every_table_and_the_store_dimensions(tmp_path):
    from reports.test_site_dictionary import store_with_dimensions

    store = store_with_dimensions(tmp_path)
    result = runner.invoke(app, ["schema", "--store", str(store), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    rows = data["tables"]
    assert {r["table"] for r in rows} == set(TABLES)
    wait = next(r for r in rows if r["table"] == "calls" and r["column"] == "wait_seconds")
    assert wait["unit"] == "seconds" and wait["type"] == "DOUBLE" and wait["meaning"].startswith("Seconds in queue")
    dims = {r["column"]: r for r in rows if r["dimension"]}
    assert set(dims) == {"dim_hold_share", "dim_region", "dim_spend", "dim_vip"} and dims["dim_vip"]["type"] == "BOOLEAN"
    assert data["note"] is None


def test_schema_text_and_markdown(tmp_path):
    text = runner.invoke(app, ["schema", "--store", str(tmp_path / "none.duckdb")])
    assert text.exit_code == 0
    assert "interval_stats" in text.stdout and "[share 0..1]" in text.stdout
    assert "no store" in text.stderr
    markdown = runner.invoke(app, ["schema", "--store", str(tmp_path / "none.duckdb"), "--format", "markdown"])
    assert "## calls" in markdown.stdout
    assert "| `wait_seconds` | DOUBLE |  | seconds |" in markdown.stdout
    assert runner.invoke(app, ["schema", "--format", "yaml"]).exit_code == 2
