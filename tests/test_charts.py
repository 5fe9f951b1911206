"""Chart builders: offline rendering, required columns, the row limit."""

from __future__ import annotations

import altair as alt
import pandas as pd
import pytest

from workbench import charts
from workbench.errors import InputDataError

DAILY = pd.DataFrame({"date": ["2026-01-05", "2026-01-05", "2026-01-06"], "language": ["zh", "en", "zh"],
                      "calls": [10, 7, 12]})  # fmt: skip
PROFILE = pd.DataFrame({"interval_start": ["08:00", "08:30", "08:00"], "language": ["zh", "zh", "en"],
                        "calls_per_day": [3.5, 4.0, 2.0], "service_level": [0.9, 0.7, None]})  # fmt: skip
SUMMARY = pd.DataFrame({"queue": ["billing", "billing"], "language": ["zh", "en"], "offered": [20, 9],
                        "abandon_rate": [0.05, 0.0]})  # fmt: skip
WAITS = pd.DataFrame({"wait_bin_seconds": [0, 15], "outcome": ["answered", "abandoned"], "calls": [4, 1]})
CSAT = pd.DataFrame({"csat": [1, 5], "language": ["zh", "zh"], "share": [0.25, 0.75]})

BUILDERS = {
    "daily_volume": lambda: charts.daily_volume(DAILY),
    "calls_by_interval": lambda: charts.calls_by_interval(PROFILE, 30),
    "queue_comparison": lambda: charts.queue_comparison(SUMMARY),
    "service_level_by_interval": lambda: charts.service_level_by_interval(PROFILE, 0.8, 20),
    "wait_distribution": lambda: charts.wait_distribution(WAITS),
    "csat_distribution": lambda: charts.csat_distribution(CSAT),
}


@pytest.mark.parametrize("name", BUILDERS)
def test_builders_return_charts_that_render_offline_to_svg(name):
    import vl_convert as vlc

    chart = BUILDERS[name]()
    assert isinstance(chart, alt.TopLevelMixin)
    svg = vlc.vegalite_to_svg(chart.to_dict())
    assert svg.lstrip().startswith("<svg") and "<path" in svg


def test_builders_do_not_mutate_their_input():
    before = PROFILE.copy()
    charts.calls_by_interval(PROFILE, 30)
    pd.testing.assert_frame_equal(PROFILE, before)


def test_missing_column_is_named():
    with pytest.raises(InputDataError, match="missing") as caught:
        charts.daily_volume(DAILY.drop(columns="calls"))
    assert caught.value.field == "calls"


def test_too_many_rows_asks_for_aggregation():
    big = pd.DataFrame({"date": ["2026-01-05"] * 5001, "language": "zh", "calls": 1})
    with pytest.raises(InputDataError, match="aggregate before charting"):
        charts.daily_volume(big)


@pytest.mark.parametrize(("kind", "renderer"), [("svg", "svg"), ("png", "png"), ("html", "html")])
def test_enable_offline_rendering(kind, renderer):
    try:
        assert charts.enable_offline_rendering(kind) == kind
        assert alt.renderers.active == renderer
        bundle = alt.renderers.get()(charts.daily_volume(DAILY).to_dict())
        text = str(bundle)
        assert "cdn.jsdelivr" not in text and "https://cdn" not in text
    finally:
        alt.renderers.enable("default")


def test_unknown_kind_is_rejected():
    with pytest.raises(ValueError, match="svg"):
        charts.enable_offline_rendering("default")
