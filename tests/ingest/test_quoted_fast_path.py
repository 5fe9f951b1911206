"""Quoted CSVs whose quotes wrap whole fields are read by DuckDB, with the careful reader's exact result."""

from __future__ import annotations

import duckdb
import pytest

from workbench.ingest.reading import load_raw, read_export

QUOTED = {
    "every field quoted": '"id","queue","note"\n"1","billing_zh","a b"\n"2","billing_en",""\n',
    "some fields quoted, CRLF": 'id,queue,note\r\n1,"billing_zh",x\r\n2,billing_en,"  "\r\n3,"q",\r\n',
    "Chinese in quotes": 'id,queue,note\n1,"账单_zh","退款 太慢了"\n',
    "formula-looking text": 'id,queue,note\n1,q,"=HYPERLINK(1)"\n',
}
CAREFUL = {
    "separator inside quotes": 'id,queue,note\n1,q,"a,b"\n2,q,c\n',
    "line end inside quotes": 'id,queue,note\n1,q,"a\nb"\n2,q,c\n',
    "doubled quote inside": 'id,queue,note\n1,q,"say ""hi"""\n',
    "quote inside a value": 'id,queue,note\n1,q,5" screen\n',
    "blank before a quote": 'id,queue,note\n1,q, "x"\n',
}


def _lazy(path):
    connection = duckdb.connect()
    raw = load_raw(path, connection)
    frame = connection.execute(f"SELECT * FROM {raw.name} ORDER BY line_number").df()
    return raw, frame


@pytest.mark.parametrize("text", QUOTED.values(), ids=QUOTED.keys())
def test_edge_quoted_file_is_read_lazily_with_the_careful_readers_values(tmp_path, text):
    path = tmp_path / "x.csv"
    path.write_bytes(text.encode("utf-8"))
    raw, frame = _lazy(path)
    careful = read_export(path)
    assert raw.records is not None, "expected DuckDB's own reader (a lazy view)"
    assert list(raw.headers) == list(careful.frame.columns)
    assert frame["line_number"].tolist() == list(careful.frame.index)
    for position, header in enumerate(raw.headers):
        lazy_values = [None if v is None or v != v else v for v in frame[f"c{position}"]]
        careful_values = [None if v is None or (isinstance(v, str) and not v.strip()) else v
                          for v in careful.frame[header]]
        assert lazy_values == careful_values, header


@pytest.mark.parametrize("text", CAREFUL.values(), ids=CAREFUL.keys())
def test_other_quoting_goes_to_the_careful_reader(tmp_path, text):
    path = tmp_path / "x.csv"
    path.write_bytes(text.encode("utf-8"))
    raw, _ = _lazy(path)
    assert raw.records is None
