"""The data-dictionary page of the report site: every canonical column with unit and meaning, the store's dimensions."""

from __future__ import annotations

import re
from pathlib import Path

from workbench.ingest import ingest_files
from workbench.ingest.profiles import IngestProfile
from workbench.reports.site import DICTIONARY_FILE, build_site, data_dictionary
from workbench.schemas import TABLES

CALLS = (
    "id,queue,start,outcome,Region,Spend,VIP,Hold\n"
    "c1,billing,2026-01-05 08:00:00,answered,华北,12.5,Y,10%\n"
    "c2,billing,2026-01-05 08:01:00,abandoned,华东,3,N,0.2\n"
)


def store_with_dimensions(folder: Path) -> Path:
    """A store holding two calls with four custom dimensions (one description carries markup)."""
    export = folder / "calls.csv"
    export.write_text(CALLS, encoding="utf-8")
    profile = IngestProfile(
        name="dict_test", table="calls",
        columns={"call_id": "id", "queue_id": "queue", "arrived_at": "start", "outcome": "outcome"},
        outcomes={"answered": "answered", "abandoned": "abandoned"},
        dimensions={"region": {"column": "Region", "description": "Sales <script>alert(1)</script> region"},
                    "spend": {"column": "Spend", "type": "number"}, "vip": {"column": "VIP", "type": "flag"},
                    "hold_share": {"column": "Hold", "type": "number"}},
    )
    store = folder / "warehouse.duckdb"
    summary = ingest_files([export], profile, store_path=store, rejects_dir=folder / "rejects")
    assert summary["rows_loaded"].tolist() == [2]
    return store


def test_dictionary_lists_every_canonical_column_with_unit_and_the_store_dimensions(tmp_path):
    frame, note = data_dictionary(store_with_dimensions(tmp_path))
    assert note is None
    canonical = frame[frame["dimension"] == ""]
    assert len(canonical) == sum(len(t.columns) for t in TABLES.values())
    unit = canonical.set_index(["table", "column"])["unit"]
    assert unit[("calls", "wait_seconds")] == "seconds"
    assert unit[("calls", "arrived_at")] == "timestamp (local)"
    assert unit[("batches", "started_at")] == "timestamp (UTC)"
    assert unit[("interval_stats", "service_level")] == "share 0..1"
    assert unit[("interval_stats", "offered")] == "count"
    required = canonical.set_index(["table", "column"])["required"]
    assert required[("calls", "call_id")] and not required[("calls", "wait_seconds")]
    dims = frame[frame["dimension"] != ""].set_index("column")
    assert sorted(dims.index) == ["dim_hold_share", "dim_region", "dim_spend", "dim_vip"]
    assert dims.loc["dim_spend", "type"] == "DOUBLE" and dims.loc["dim_vip", "type"] == "BOOLEAN"
    assert dims.loc["dim_vip", "unit"] == "true/false" and dims.loc["dim_hold_share", "unit"] == "share 0..1"
    assert set(dims["table"]) == {"calls"} and set(dims["profile"]) == {"dict_test"}
    # Dimensions are listed with their table, after its canonical columns.
    calls = frame[frame["table"] == "calls"]["column"].tolist()
    assert calls.index("dim_region") > calls.index("batch_id")


def test_dictionary_without_a_store_lists_the_canonical_tables_and_says_why_no_dimensions(tmp_path):
    frame, note = data_dictionary(tmp_path / "absent.duckdb")
    assert (frame["dimension"] == "").all() and set(frame["table"]) == set(TABLES)
    assert "no store" in note
    assert not (tmp_path / "absent.duckdb").exists()  # reading the dictionary never creates a store


def test_site_writes_an_escaped_dictionary_page_linked_from_the_index(tmp_path):
    store = store_with_dimensions(tmp_path)
    out = tmp_path / "outputs"
    index = build_site(out, store_path=store).read_text(encoding="utf-8")
    assert f'href="{DICTIONARY_FILE}"' in index
    page = (out / DICTIONARY_FILE).read_text(encoding="utf-8")
    assert "<script" not in page and "Sales &lt;script&gt;alert(1)&lt;/script&gt; region" in page
    for name in TABLES:
        assert f'<h2 id="{name}">{name}</h2>' in page
    assert "<code>dim_vip</code>" in page and "<code>wait_seconds</code>" in page
    assert re.search(r"<code>wait_seconds</code></td><td>DOUBLE</td><td></td><td>seconds</td>", page)
    assert 'href="index.html"' in page
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page)  # offline page
