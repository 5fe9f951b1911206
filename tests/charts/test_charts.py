"""Chart builders: offline rendering, required columns, the row limit."""

from __future__ import annotations

import altair as alt
import pandas as pd
import pytest

from workbench import charts
from workbench.errors import InputDataError

DAILY = pd.DataFrame({"date": ["2026-01-05", "2026-01-05", "2026-01-06"], "language": ["zh", "en", "zh"],
                      "calls": [10, 7, 12]})  # fmt: skip
PROFILE = pd.DataFrame({"interval_start": pd.to_datetime(["2026-01-05 08:00", "2026-01-05 08:30", "2026-01-05 08:00"]),
                        "language": ["zh", "zh", "en"],
                        "calls_per_day": [3.5, 4.0, 2.0], "service_level": [0.9, 0.7, None]})  # fmt: skip
SUMMARY = pd.DataFrame({"queue": ["billing", "billing"], "language": ["zh", "en"], "offered": [20, 9],
                        "abandon_rate": [0.05, 0.0]})  # fmt: skip
WAITS = pd.DataFrame({"wait_bin_seconds": [0, 15], "outcome": ["answered", "abandoned"], "calls": [4, 1]})
CSAT = pd.DataFrame({"csat": [1, 5], "language": ["zh", "zh"], "share": [0.25, 0.75]})
QUEUE_KPIS = pd.DataFrame({"queue_id": ["billing_zh", "tech_en"], "offered": [20, 9], "service_level": [0.8, None],
                           "abandonment_rate": [0.05, 0.0]})  # fmt: skip
DAY_KPIS = pd.DataFrame({"day": pd.to_datetime(["2026-01-05", "2026-01-06"]).date, "offered": [120, 98],
                         "service_level": [0.81, 0.66]})  # fmt: skip
INTERVAL_KPIS = pd.DataFrame({"interval_start": pd.to_datetime(["2026-01-05 08:00", "2026-01-05 08:30",
                              "2026-01-06 08:00"]), "offered": [5, 7, 4], "service_level": [0.8, None, 0.5],
                              "abandonment_rate": [0.0, 0.1, 0.2]})  # fmt: skip

BUILDERS = {
    "daily_volume": lambda: charts.daily_volume(DAILY),
    "calls_by_interval": lambda: charts.calls_by_interval(PROFILE, 30),
    "queue_comparison": lambda: charts.queue_comparison(SUMMARY),
    "service_level_by_interval": lambda: charts.service_level_by_interval(PROFILE, 0.8, 20),
    "wait_distribution": lambda: charts.wait_distribution(WAITS),
    "csat_distribution": lambda: charts.csat_distribution(CSAT),
    "kpi_queue_comparison": lambda: charts.kpi_queue_comparison(QUEUE_KPIS),
    "daily_kpi_trend": lambda: charts.daily_kpi_trend(DAY_KPIS, 20),
    "interval_heatmap": lambda: charts.interval_heatmap(INTERVAL_KPIS),
    "interval_heatmap_offered": lambda: charts.interval_heatmap(INTERVAL_KPIS, "offered"),
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


def test_interval_heatmap_is_a_day_by_time_rect_chart():
    spec = charts.interval_heatmap(INTERVAL_KPIS).to_dict()
    assert spec["mark"]["type"] == "rect"
    assert spec["encoding"]["x"]["field"] == "time" and spec["encoding"]["y"]["field"] == "day"
    rows = pd.DataFrame(next(iter(spec["datasets"].values())))
    assert sorted(rows["day"].unique()) == ["2026-01-05", "2026-01-06"]
    assert sorted(rows["time"].unique()) == ["08:00", "08:30"]


def test_interval_heatmap_rejects_an_unknown_measure():
    with pytest.raises(ValueError, match="service_level"):
        charts.interval_heatmap(INTERVAL_KPIS, "aht_seconds")


def test_kpi_builders_name_missing_columns():
    with pytest.raises(InputDataError) as caught:
        charts.daily_kpi_trend(DAY_KPIS.drop(columns="service_level"), 20)
    assert caught.value.field == "service_level"
    with pytest.raises(InputDataError) as caught:
        charts.kpi_queue_comparison(QUEUE_KPIS.drop(columns="queue_id"))
    assert caught.value.field == "queue_id"


def test_kpi_builders_do_not_mutate_their_input():
    before_days, before_intervals = DAY_KPIS.copy(), INTERVAL_KPIS.copy()
    charts.daily_kpi_trend(DAY_KPIS, 20)
    charts.interval_heatmap(INTERVAL_KPIS)
    pd.testing.assert_frame_equal(DAY_KPIS, before_days)
    pd.testing.assert_frame_equal(INTERVAL_KPIS, before_intervals)


def _grey_pixels(png: bytes):
    import io

    import numpy as np
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("L"))


def _one_character(text: str) -> alt.Chart:
    return alt.Chart(pd.DataFrame({"x": [1]})).mark_text(text=text, fontSize=40).properties(width=80, height=60)


def test_chinese_text_is_drawn_with_glyphs_not_boxes():
    # Without a CJK font every Chinese character is drawn as the same .notdef box, so two
    # different characters give identical images; with one, they differ.
    first, second = (_grey_pixels(charts.to_png(_one_character(c))) for c in ("接", "通"))
    assert (first < 128).sum() > 100, "nothing drawn"
    assert (first != second).sum() > 100, "two Chinese characters render alike: no CJK font (apt-get install fonts-noto-cjk)"


def test_chart_with_chinese_labels_renders_to_png():
    png = charts.to_png(charts.kpi_queue_comparison(QUEUE_KPIS.assign(queue_id=["账单_中文", "技术支持"])))
    assert png.startswith(b"\x89PNG")
    assert charts.register_chart_fonts(), "no CJK font folder found"


HOSTILE_LABELS = ["bad\uffffqueue", "ctl\x01\x08", "ok_队列"]


def test_xml_safe_text_replaces_characters_xml_forbids_and_keeps_the_input():
    frame = pd.DataFrame({"queue_id": HOSTILE_LABELS, "offered": [1, 2, 3]})
    cleaned = charts.xml_safe_text(frame)
    assert list(cleaned["queue_id"]) == ["bad\ufffdqueue", "ctl\ufffd\ufffd", "ok_队列"]
    assert frame["queue_id"][0] == "bad\uffffqueue"  # not mutated
    assert list(cleaned["offered"]) == [1, 2, 3]


@pytest.mark.parametrize("renderer", ["svg", "png"])
def test_a_label_with_a_non_xml_character_does_not_kill_the_process(renderer, tmp_path):
    # vl-convert aborts the process on such a character (a Rust panic), so render in a child.
    import subprocess
    import sys

    script = (
        "import pandas as pd\nfrom workbench import charts\n"
        f"kpis = pd.DataFrame({{'queue_id': {HOSTILE_LABELS!r}, 'offered': [1, 2, 3],"
        " 'service_level': [0.8, 0.5, None], 'abandonment_rate': [0.1, 0.0, 0.2]})\n"
        "chart = charts.kpi_queue_comparison(kpis)\n"
        f"out = charts.to_{renderer}(chart)\nprint(len(out) > 100)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "True"


@pytest.mark.browser
@pytest.mark.slow
def test_chromium_draws_chinese_in_screenshots():
    # Screenshots of apps and reports (and Chromium's print to PDF) draw text through
    # fontconfig: without a CJK font, different characters become the same box.
    from apps_browser_support import chromium

    with chromium() as browser:
        page = browser.new_page(viewport={"width": 120, "height": 80})
        shots = []
        for character in ("接", "通"):
            page.set_content(f"<html><body style='margin:0;font-size:48px;background:#fff'>{character}</body></html>")
            shots.append(_grey_pixels(page.screenshot()))
        page.close()
    assert (shots[0] < 128).sum() > 100, "nothing drawn"
    assert (shots[0] != shots[1]).sum() > 100, "two Chinese characters look alike: no CJK font for Chromium"
