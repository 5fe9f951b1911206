"""Profiles map custom dimensions and agent-marked outcome fields; wrong values are named reasons."""

from __future__ import annotations

import pytest

from workbench.errors import InputDataError, ParameterError
from workbench.ingest.load import ingest_file
from workbench.ingest.profiles import load_profile
from workbench.store import Store, readers

PROFILE = """
table: calls
columns: {call_id: id, queue_id: q, arrived_at: t, outcome: o, resolved: res, contact_reason: reason,
          disposition_code: wrap}
outcomes: {A: answered, H: abandoned}
decimal_separator: ","
separator: ";"
dimensions:
  region: {column: Region, values: {N: north}, description: Sales region}
  order_value: {column: Amount, type: number}
  vip: {column: VIP, type: flag}
"""

EXPORT = (
    "id;q;t;o;res;reason;wrap;Region;Amount;VIP\n"
    "1;b;2026-01-05 09:00:00;A;Y;退款;W1;N;1.234,5;是\n"
    "2;b;2026-01-05 09:01:00;H;;;;S;12%;no\n"
    "3;b;2026-01-05 09:02:00;A;maybe;;;S;x;perhaps\n"
)


def test_dimensions_and_marks_load_typed_and_bad_values_are_rejected_by_field(tmp_path):
    (tmp_path / "p.yaml").write_text(PROFILE, encoding="utf-8")
    (tmp_path / "x.csv").write_text(EXPORT, encoding="utf-8")
    summary = ingest_file(tmp_path / "x.csv", tmp_path / "p.yaml", store_path=tmp_path / "s.duckdb",
                          rejects_dir=tmp_path / "rejects")
    assert (summary["rows_loaded"], summary["rows_rejected"]) == (2, 1)
    with Store(tmp_path / "s.duckdb") as store:
        calls = store.query("SELECT call_id, resolved, contact_reason, disposition_code, dim_region, "
                            "dim_order_value, dim_vip FROM calls ORDER BY call_id")
        catalogue = readers.dimensions(store)
    first, second = calls.iloc[0], calls.iloc[1]
    assert (bool(first["resolved"]), first["contact_reason"], first["disposition_code"]) == (True, "退款", "W1")
    assert (first["dim_region"], first["dim_order_value"], bool(first["dim_vip"])) == ("north", 1234.5, True)
    # Unmapped categories are kept as exported; a percentage is a share; an empty mark is unknown.
    assert (second["dim_region"], second["dim_order_value"], bool(second["dim_vip"])) == ("S", 0.12, False)
    assert second["resolved"] is None or str(second["resolved"]) == "<NA>"
    assert catalogue.set_index("dimension").loc["region", "description"] == "Sales region"
    rejects = (tmp_path / "rejects" / f"{summary['batch_id']}.csv").read_text(encoding="utf-8-sig")
    assert "bad_flag: res 'maybe' is not yes or no" in rejects
    assert "bad_number: Amount 'x' is not a number (dimension order_value)" in rejects
    assert "bad_flag: VIP 'perhaps' is not yes or no (dimension vip)" in rejects


@pytest.mark.parametrize(
    ("dimensions", "message"),
    [
        ("{queue: {column: Q}}", "built-in grouping key"),
        ("{Region: {column: R}}", "cannot name a dimension"),
        ("{amount: {column: A, type: number, values: {x: y}}}", "value maps are for categories"),
        ("{tier: {column: T, type: colour}}", "type"),
    ],
)
def test_bad_dimension_declarations_fail_before_any_row(tmp_path, dimensions, message):
    path = tmp_path / "p.yaml"
    path.write_text("table: calls\ncolumns: {call_id: id, queue_id: q, arrived_at: t, outcome: o}\n"
                    f"outcomes: {{A: answered}}\ndimensions: {dimensions}\n", encoding="utf-8")
    with pytest.raises(ParameterError, match=message):
        load_profile(path)


def test_a_missing_dimension_header_is_named_on_line_1(tmp_path):
    (tmp_path / "p.yaml").write_text(PROFILE, encoding="utf-8")
    (tmp_path / "x.csv").write_text(EXPORT.replace("Region", "Area"), encoding="utf-8")
    with pytest.raises(InputDataError, match=r"x.csv, row 1, field 'Region'.*dimensions.region") as error:
        ingest_file(tmp_path / "x.csv", tmp_path / "p.yaml", store_path=tmp_path / "s.duckdb")
    assert error.value.row == 1


def test_utc_times_written_with_z_convert_like_an_offset(tmp_path):
    (tmp_path / "p.yaml").write_text(
        "table: calls\ncolumns: {call_id: id, queue_id: q, arrived_at: t, outcome: o}\noutcomes: {A: answered}\n"
        'timestamp_format: "%Y-%m-%dT%H:%M:%S%z"\ntimezone: Asia/Shanghai\n', encoding="utf-8")
    (tmp_path / "x.csv").write_text("id,q,t,o\n1,b,2026-01-05T01:00:00Z,A\n2,b,2026-01-05T01:00:00+00:00,A\n"
                                    "3,b,2026-01-05T01:00:00Q,A\n", encoding="utf-8")
    summary = ingest_file(tmp_path / "x.csv", tmp_path / "p.yaml", store_path=tmp_path / "s.duckdb",
                          rejects_dir=tmp_path / "rejects")
    assert (summary["rows_loaded"], summary["rows_rejected"]) == (2, 1)
    with Store(tmp_path / "s.duckdb") as store:
        arrived = store.query("SELECT CAST(arrived_at AS VARCHAR) AS t FROM calls ORDER BY call_id")["t"].tolist()
    assert arrived == ["2026-01-05 09:00:00", "2026-01-05 09:00:00"]
