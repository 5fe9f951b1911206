"""sample.reading.display_table and key_figures_table: the sample's tables for people."""

import pandas as pd

from workbench.sample import reading

HEADLINE = pd.DataFrame({"days": [30], "first_day": ["2026-03-01"], "offered": [12345], "abandon_rate": [0.05],
                         "mean_wait_seconds": [20.5], "mean_csat": [4.1]})


def test_key_figures_and_display_table_agree():
    figures = reading.key_figures_table(HEADLINE, "en")
    assert figures.values.tolist() == [["Days", "30"], ["First day", "1 Mar 2026"], ["Calls offered", "12,345"],
                                       ["Abandonment rate", "5.0%"], ["Average wait (s)", "20.5"],
                                       ["Satisfaction (CSAT)", "4.10"]]
    shown = reading.display_table(HEADLINE, "zh")
    assert shown.iloc[0].tolist() == ["30", "2026年3月1日", "12,345", "5.0%", "20.5", "4.10"]


def test_truth_descriptions_are_translated_and_counts_grouped():
    what = reading.TRUTH_DESCRIPTIONS["calls.csv"]
    files = pd.DataFrame({"file": ["truth/calls.csv"], "rows": [20000], "what": [what]})
    shown = reading.display_table(files.astype({"rows": "Int64"}), "zh")
    assert shown.iloc[0].tolist() == ["truth/calls.csv", "20,000", "每个呼入来电一行，无错误（标准真值）"]
