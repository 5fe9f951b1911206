"""drivers.display.display_table: model names, directions, issues and yes/no in words; shares as percentages."""

import numpy as np
import pandas as pd

from workbench.drivers.display import display_table

DRIVERS = pd.DataFrame({"model": ["logistic", None], "effect": [0.12345, np.nan], "rank": [1, 2],
                        "top_box_rate": [0.5, None], "issue": ["opposite directions; rank 5 vs 1", None],
                        "differs": [True, False]})


def test_display_table_in_both_languages():
    zh = display_table(DRIVERS, "zh")
    assert zh.values.tolist() == [["逻辑回归", "0.123", "1", "50.0%", "方向相反; 排名 5 对 1", "是"],
                                  ["", "", "2", "", "", "否"]]
    en = display_table(DRIVERS, "en")
    assert list(en.columns) == ["Model", "Effect", "Rank", "Satisfied share", "Disagreement", "Differs from average"]
    assert en.iloc[0].tolist() == ["logistic regression", "0.123", "1", "50.0%", "opposite directions; rank 5 vs 1",
                                   "yes"]
    assert DRIVERS.loc[0, "model"] == "logistic"  # the input is untouched


def test_a_what_if_interval_is_a_share():
    shown = display_table(DRIVERS.assign(scenario=["s", "t"], ci_low=[0.01, 0.02]), "en")
    assert shown["Low end (95%)"].tolist() == ["1.0%", "2.0%"]
    assert display_table(DRIVERS.assign(ci_low=[0.01, 0.02]), "en")["Low end (95%)"].tolist() == ["0.010", "0.020"]
