"""kpi_table and kpi_figures: KPI columns formatted for the language, group columns as they are."""

import numpy as np
import pandas as pd

from workbench import kpis

KPIS = pd.DataFrame({"queue_id": ["billing", None], "offered": [12345.0, np.nan], "service_level": [0.8534, None],
                     "aht_seconds": [312.44, 5.0], "csat_mean": [4.123, 3.0], "vip": [True, False]})


def test_kpi_table_formats_kpis_and_keeps_groups():
    shown = kpis.kpi_table(KPIS, language="zh")
    assert list(shown.columns) == ["队列", "呼入量", "服务水平", "平均处理时长（秒）", "满意度（CSAT）", "vip"]
    # a group's True is data and stays as it is
    assert shown.values.tolist() == [["billing", "12,345", "85.3%", "312.4", "4.12", True],
                                     ["", "", "", "5.0", "3.00", False]]


def test_kpi_figures_leave_missing_kpis_out():
    shown = kpis.kpi_figures(KPIS.iloc[[1]], language="en")
    assert shown.values.tolist() == [["Average handle time (s)", "5.0"], ["Satisfaction (CSAT)", "3.00"]]
    assert kpis.kpi_figures(KPIS, language="en").iloc[:2].values.tolist() == [["Calls offered", "12,345"],
                                                                              ["Service level", "85.3%"]]
