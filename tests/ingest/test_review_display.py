"""ingest.review.display_table: the ingestion report's tables with readable headings in zh and en, data as is."""

import pandas as pd
from language_support import assert_tables_in_chinese

from workbench import i18n
from workbench.ingest.review import DISPLAY_LABELS, display_table

SUMMARY = pd.DataFrame({"file": ["acd_calls.csv", "<i>x</i>.csv"], "status": ["succeeded", "skipped"],
                        "rows_read": [12345, 0], "rows_loaded": [12000, 0], "rows_rejected": [300, 0],
                        "rows_duplicate": [45, 0], "blank_lines": [1, 0], "error": [None, None],
                        "warning": ["gb18030 looks doubtful", None]})
PROFILES = pd.DataFrame({"profile": ["sample_acd"], "table": ["calls"], "encoding": ["gb18030"],
                         "columns mapped": [14], "outcome codes": [6], "description": ["示例 ACD export"]})
BATCHES = pd.DataFrame({"batch_id": ["b-1"], "kind": ["calls"], "profile": ["sample_acd"], "status": ["failed"],
                        "rows_read": [1500], "rows_loaded": [0], "rows_rejected": [0], "rows_duplicate": [0],
                        "finished_at": pd.to_datetime(["2026-03-02 10:00"], utc=True)})
REASONS = pd.DataFrame({"reason_code": ["bad_timestamp"], "rows": [2048], "example": ["bad_timestamp: Call Start 'x'"]})
FLAGS = pd.DataFrame({"flag": ["misdial"], "calls": [1200]})
COUNTS = pd.DataFrame({"table": ["calls"], "rows": [98765]})
TABLES = (SUMMARY, PROFILES, BATCHES, REASONS, FLAGS, COUNTS)


def test_every_table_has_chinese_headings_and_no_english_text_left_in_zh():
    assert_tables_in_chinese(display_table, TABLES)
    assert display_table(SUMMARY, "zh")["状态"].tolist() == ["成功", "已跳过"]


def test_english_headings_counts_grouped_and_data_unchanged():
    summary = display_table(SUMMARY, "en")
    assert summary.columns.tolist() == ["File", "Status", "Rows read", "Rows loaded", "Rows rejected",
                                        "Rows already loaded", "Blank lines", "Error", "Warning"]
    assert summary.iloc[0].tolist() == ["acd_calls.csv", "succeeded", "12,345", "12,000", "300", "45", "1", "",
                                        "gb18030 looks doubtful"]
    assert summary.iloc[1].tolist()[:2] == ["<i>x</i>.csv", "skipped"]  # data as is; table() escapes it
    assert display_table(BATCHES, "en").iloc[0].tolist()[:5] == ["b-1", "calls", "sample_acd", "failed", "1,500"]
    assert display_table(PROFILES, "en").iloc[0].tolist() == ["sample_acd", "calls", "gb18030", "14", "6",
                                                              "示例 ACD export"]
    assert display_table(REASONS, "en").values.tolist() == [["bad_timestamp", "2,048", "bad_timestamp: Call Start 'x'"]]
    before = FLAGS.copy()
    assert display_table(FLAGS, "en").columns.tolist() == ["Cleaning flag", "Calls"]
    pd.testing.assert_frame_equal(FLAGS, before)


def test_labels_cover_every_column_shown():
    for frame in TABLES:
        assert all(c in DISPLAY_LABELS or c in i18n.COLUMN_LABELS for c in frame.columns), frame.columns
