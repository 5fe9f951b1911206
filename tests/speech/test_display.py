"""speech.display.display_table: the transcription report's tables with readable headings in zh and en, data as is."""

import numpy as np
import pandas as pd
from language_support import assert_tables_in_chinese

from workbench import i18n
from workbench.speech.display import DISPLAY_LABELS, display_table

SUMMARY = pd.DataFrame({"file": ["a/call_1.wav", "b.wav"], "call_id": ["call_1", "<b>x</b>"],
                        "status": ["succeeded", "skipped"], "error": [None, None], "audio_seconds": [63.25, np.nan],
                        "segments": [1234, 0], "language": ["zh", "en"], "model": ["tiny.en", "base"]})
METRICS = pd.DataFrame({"call_id": ["call_1"], "agent_talk_share": [0.4567], "silence_share": [0.05],
                        "longest_silence_seconds": [7.26], "overtalk_count": [3], "overtalk_share": [0.012],
                        "agent_words_per_minute": [151.4], "customer_words_per_minute": [98.6], "turn_count": [42]})
COMPLIANCE = pd.DataFrame({"call_id": ["call_1", "call_1"], "rule_id": ["recording_disclosure", "no_guarantee"],
                           "passed": [False, True], "severity": ["high", "low"], "score": [10.0, 0.0],
                           "evidence": ["我们保证 [PHONE]", None]})
TOTALS = pd.DataFrame({"call_id": ["call_1"], "rules": [2], "failed": [1], "points_deducted": [10.0]})
TABLES = (SUMMARY, METRICS, COMPLIANCE, TOTALS)


def test_every_table_has_chinese_headings_and_no_english_text_left_in_zh():
    assert_tables_in_chinese(display_table, TABLES)
    assert display_table(SUMMARY, "zh")["状态"].tolist() == ["成功", "已跳过"]
    assert display_table(COMPLIANCE, "zh")["严重程度"].tolist() == ["高", "低"]


def test_values_formatted_for_the_language_and_data_unchanged():
    zh = display_table(METRICS, "zh").iloc[0].tolist()
    assert zh == ["call_1", "45.7%", "5.0%", "7.3", "3", "1.2%", "151", "99", "42"]
    summary = display_table(SUMMARY, "en")
    assert summary.columns.tolist() == ["File", "Call", "Status", "Error", "Audio (s)", "Segments", "Language",
                                        "Model"]
    assert summary.iloc[0].tolist() == ["a/call_1.wav", "call_1", "succeeded", "", "63.2", "1,234", "zh", "tiny.en"]
    assert summary.iloc[1].tolist()[:5] == ["b.wav", "<b>x</b>", "skipped", "", ""]  # data as is; escaped by table()
    compliance = display_table(COMPLIANCE, "en")
    assert compliance["Passed"].tolist() == ["no", "yes"]
    assert compliance["Evidence (redacted)"].tolist() == ["我们保证 [PHONE]", ""]
    assert compliance["Rule"].tolist() == ["recording_disclosure", "no_guarantee"]
    assert display_table(TOTALS, "en").columns.tolist() == ["Call", "Rules checked", "Failed checks", "Points deducted"]


def test_labels_cover_every_column_shown_and_frame_untouched():
    before = COMPLIANCE.copy()
    display_table(COMPLIANCE, "zh")
    pd.testing.assert_frame_equal(COMPLIANCE, before)
    for frame in TABLES:
        assert all(c in DISPLAY_LABELS or c in i18n.COLUMN_LABELS for c in frame.columns)
