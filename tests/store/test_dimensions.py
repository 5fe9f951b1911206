"""Custom dimensions in the store: typed dim_<name> columns added in the batch's transaction."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.errors import StoreError
from workbench.store import Store, readers


def _calls(ids, **extra):
    frame = pd.DataFrame({"call_id": ids, "queue_id": "billing_zh",
                          "arrived_at": pd.Timestamp("2026-01-05 09:00"), "outcome": "answered"})
    return frame.assign(**extra)


def _catalogue(*rows):
    return pd.DataFrame([{"table_name": "calls", "dimension": d, "value_type": t, "column_name": f"dim_{d}",
                          "description": d, "profile": "p"} for d, t in rows])


def test_a_declared_dimension_becomes_a_typed_column_filled_by_the_batch(tmp_path):
    with Store(tmp_path / "w.duckdb") as store:
        store.write_batch({"dimensions": _catalogue(("region", "category"), ("order_value", "number")),
                           "calls": _calls(["a", "b"], dim_region=["north", None], dim_order_value=[1.5, 2.0])},
                          batch_id="b1")
        types = dict(store.query("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'calls'")
                     .itertuples(index=False))
        assert types["dim_region"] == "VARCHAR" and types["dim_order_value"] == "DOUBLE"
        assert store.dimension_columns("calls") == ["dim_region", "dim_order_value"]
        assert readers.dimension_names(store) == ["order_value", "region"]
        assert readers.dimension_values(store, "region") == ["north"]
        # Later batches may fill the column without declaring it again.
        store.write_batch({"calls": _calls(["c"], dim_region="south")}, batch_id="b2")
        assert sorted(readers.dimension_values(store, "region")) == ["north", "south"]


def test_a_failed_batch_leaves_no_dimension_column(tmp_path):
    with Store(tmp_path / "w.duckdb") as store:
        store.write_batch({"calls": _calls(["a"])}, batch_id="b0")
        with pytest.raises(StoreError, match="store unchanged"):
            # Rows of a query must be new: 'a' is stored, so the batch, new column included, is rolled back.
            store.write_batch({"dimensions": _catalogue(("region", "category"))}, batch_id="b1",
                              queries={"calls": "SELECT 'a' AS call_id, 'q' AS queue_id, TIMESTAMP '2026-01-05' "
                                                "AS arrived_at, 'answered' AS outcome, 'north' AS dim_region"})
        assert store.dimension_columns("calls") == []
        assert readers.dimension_names(store) == []


def test_a_dimension_cannot_change_its_type_and_an_undeclared_column_is_refused(tmp_path):
    with Store(tmp_path / "w.duckdb") as store:
        store.write_batch({"dimensions": _catalogue(("region", "category")), "calls": _calls(["a"])})
        with pytest.raises(StoreError, match="stored as category; it cannot be loaded as number"):
            store.write_batch({"dimensions": _catalogue(("region", "number"))})
        with pytest.raises(StoreError, match="unknown column"):
            store.write_batch({"calls": _calls(["b"], dim_brand="x")})
        with pytest.raises(Exception, match="not a dimension of calls; known: region"):
            readers.dimension_values(store, "brand")


def test_the_calls_behind_a_number_take_the_same_dimension_filter_as_the_kpis(tmp_path):
    from workbench.kpis import compute_kpis

    with Store(tmp_path / "w.duckdb") as store:
        store.write_batch({"dimensions": _catalogue(("region", "category")),
                           "agents": pd.DataFrame({"agent_id": ["a1", "a2"], "team": ["red", "blue"]}),
                           "calls": _calls(["a", "b", "c"], dim_region=["north", "south", "north"],
                                           agent_id=["a1", "a1", "a2"])}, batch_id="b1")
        north = readers.calls_in_set(store, "offered", dimension_filter={"region": "north"})
        assert sorted(north["call_id"]) == ["a", "c"]
        assert len(north) == int(compute_kpis(store, dimension_filter={"region": "north"})["offered"].iloc[0])
        red_north = readers.calls_in_set(store, "offered", dimension_filter={"region": ["north"], "team": "red"})
        assert list(red_north["call_id"]) == ["a"]
        # A hostile value is a parameter: it matches nothing instead of widening the selection.
        assert readers.calls_in_set(store, "offered", dimension_filter={"region": "north' OR '1'='1"}).empty
        with pytest.raises(Exception, match="not a dimension of this store"):
            readers.calls_in_set(store, "offered", dimension_filter={"brand": "x"})
