"""topics.display.display_table: chosen columns, topic ids as written, shares, counts and yes/no for people."""

import pandas as pd

from workbench.topics.display import display_table

TOPICS = pd.DataFrame({"topic": [1012, -1], "label": ["billing", None], "size": [1234, 5], "is_new": [True, False],
                       "share": [0.5, None], "pain": [1.2345, 2.0], "handle_seconds_mean": [300.55, None]})


def test_display_table_in_both_languages():
    columns = ["topic", "label", "size", "is_new", "share", "pain", "handle_seconds_mean", "not_there"]
    assert display_table(TOPICS, columns, "zh").values.tolist() == [
        ["1012", "billing", "1,234", "是", "50.0%", "1.23", "300.6"], ["-1", "", "5", "否", "", "2.00", ""]]
    en = display_table(TOPICS, language="en")
    assert list(en.columns) == ["Topic", "Label", "Texts", "New since the last run", "Share", "Pain",
                                "Average handle time (s)"]
    assert en.iloc[1].tolist() == ["-1", "", "5", "no", "", "2.00", ""]
