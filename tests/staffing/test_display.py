"""staffing.display.display_table: model names in words, WAPE as a percentage, counts grouped, dates written out."""

import numpy as np
import pandas as pd

from workbench.staffing.display import display_table

BACKTEST = pd.DataFrame({"unique_id": ["billing_zh", None], "model": ["prophet", "other"], "wape": [0.1234, np.nan],
                         "mase": [0.81234, 1.5], "calls": [12345.6, 2.0],
                         "week_start": pd.to_datetime(["2026-03-02", None]), "workload_hours": [12.345, 1000.0]})


def test_display_table_in_both_languages():
    assert display_table(BACKTEST, "zh").values.tolist() == [
        ["billing_zh", "Prophet（季节性模型）", "12.3%", "0.81", "12,346", "2026年3月2日", "12.3"],
        ["", "other", "", "1.50", "2", "", "1,000.0"]]
    en = display_table(BACKTEST, "en")
    assert en.columns[:3].tolist() == ["Queue", "Model", "Error as a share of calls (WAPE)"]
    assert en.iloc[0].tolist()[1:] == ["Prophet (seasonal model)", "12.3%", "0.81", "12,346", "2 Mar 2026", "12.3"]
