"""Chart builders: offline rendering, required columns, the row limit, both interface languages, Chinese glyphs."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zlib
from pathlib import Path

import altair as alt
import pandas as pd
import pytest

from workbench import charts, i18n
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

# Every other builder, with small frames; data values a reader must see as recorded
# (queue ids, topic labels, what callers said) include Chinese and English text.
REASONS = pd.DataFrame({"reason_code": ["bad_date", "unknown_queue"], "rows": [3, 1], "example": ["2026-13-01", "账单"]})
SEGMENTS = pd.DataFrame({"speaker_role": ["customer", "agent", "unknown"], "start_seconds": [2.0, 0.0, 5.0],
                         "end_seconds": [3.0, 1.5, 6.0], "text": ["我的号码是多少", "hello there", "hm"]})  # fmt: skip
HOURS = pd.date_range("2026-01-05 08:00", periods=6, freq="h")
HISTORY = pd.DataFrame({"ds": HOURS[:4], "y": [5.0, 7.0, 6.0, 8.0]})
FORECAST = pd.DataFrame({"ds": HOURS[4:], "yhat": [7.0, 6.5], "yhat_lower": [5.0, 4.5], "yhat_upper": [9.0, 8.5]})
STAFFING = pd.DataFrame({"interval_start": pd.date_range("2026-01-05 08:00", periods=4, freq="12h"),
                         "scheduled_agents": [3, 4, 2, 5], "raw_agents": [2, 3, 2, 4]})  # fmt: skip
BACKTEST = pd.DataFrame({"unique_id": ["billing_zh", "billing_zh"], "model": ["seasonal_naive", "mstl"],
                         "mase": [1.0, 0.8]})  # fmt: skip
PLAN = pd.DataFrame({"interval_start": HOURS[:3], "baseline": [3, 4, 5], "what_if": [4, 5, 6]})
TOPICS = pd.DataFrame({"topic": [0, 1], "label": ["账单 退款 发票", "password reset login"], "size": [12, 5],
                       "is_new": [False, True]})  # fmt: skip
SHARES = pd.DataFrame({"period": ["2026-01-05", "2026-01-05", "2026-01-12"], "topic": [0, 1, 0],
                       "label": ["账单 退款 发票", "password reset login", "账单 退款 发票"], "share": [0.6, 0.4, 1.0]})
PAIN = pd.DataFrame({"topic": [0, 1], "label": ["账单 退款 发票", "password reset login"], "share": [0.7, 0.3],
                     "harm": [1.2, 0.8], "pain": [0.84, 0.24]})  # fmt: skip
DRIVERS = pd.DataFrame({"model": ["ordinal", "ordinal"], "feature": ["wait_seconds", "transferred"],
                        "effect": [-0.4, -0.2], "ci_low": [-0.6, -0.5], "ci_high": [-0.2, 0.1], "rank": [1, 2]})
CURVES = pd.DataFrame({"model": ["ordinal"] * 2, "feature": ["wait_seconds"] * 2, "value": [0.0, 60.0],
                       "top_box": [0.6, 0.4], "ci_low": [0.55, 0.35], "ci_high": [0.65, 0.45]})  # fmt: skip
AGENTS = pd.DataFrame({"agent_id": ["A-001", "A-002"], "effect": [0.5, -0.3], "ci_low": [0.1, -0.6],
                       "ci_high": [0.9, 0.0], "surveys": [40, 25], "differs": [True, False]})  # fmt: skip

ALL_BUILDERS = {
    **BUILDERS,
    "daily_kpi_trend_pick": lambda: charts.daily_kpi_trend(DAY_KPIS, 20, pick="day"),
    "interval_heatmap_pick": lambda: charts.interval_heatmap(INTERVAL_KPIS, "abandonment_rate", pick="cell"),
    "reject_reasons": lambda: charts.reject_reasons(REASONS),
    "dialogue_timeline": lambda: charts.dialogue_timeline(SEGMENTS),
    "forecast_vs_history": lambda: charts.forecast_vs_history(HISTORY, FORECAST),
    "staffing_heatmap": lambda: charts.staffing_heatmap(STAFFING),
    "staffing_heatmap_raw": lambda: charts.staffing_heatmap(STAFFING, "raw_agents"),
    "backtest_comparison": lambda: charts.backtest_comparison(BACKTEST),
    "interval_profile": lambda: charts.interval_profile(INTERVAL_KPIS, 0.8, pick="interval"),
    "agents_what_if": lambda: charts.agents_what_if(PLAN),
    "topic_sizes": lambda: charts.topic_sizes(TOPICS),
    "topic_share_over_time": lambda: charts.topic_share_over_time(SHARES),
    "topic_pain": lambda: charts.topic_pain(PAIN),
    "driver_effects": lambda: charts.driver_effects(DRIVERS),
    "driver_curves": lambda: charts.driver_curves(CURVES),
    "agent_effects": lambda: charts.agent_effects(AGENTS),
}
#: Columns holding data: the same values whatever the reader's language.
DATA_COLUMNS = {"language", "queue", "queue_id", "outcome", "speaker_role", "text", "label", "name", "reason_code",
                "example", "unique_id", "model", "feature", "agent_id", "topic", "differs", "series", "plan"}


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


# ---------------------------------------------------------------------------------------- Chinese glyphs
def _cjk_fonts() -> list[str]:
    """Installed fonts that draw Chinese: fontconfig's answer, else font files in the folders charts registers."""
    if shutil.which("fc-list"):
        done = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=60)
        return [line for line in done.stdout.splitlines() if line.strip()]
    folders = [Path(d) for d in charts.register_chart_fonts()]
    return [str(f) for d in folders for f in d.rglob("*") if re.search(r"CJK|wqy|SourceHan", f.name, re.I)]


needs_cjk_font = pytest.mark.skipif(not _cjk_fonts(), reason="no CJK font installed (Debian: apt-get install "
                                    "fonts-noto-cjk, which `make setup` does): Chinese would be drawn as boxes")
TITLE_ROWS = 45  # the title band of _titled(): 32 px text and its padding
# Unassigned code points: no font maps them, so each is drawn as the font's missing-glyph box.
BOX, OTHER_BOX = "\u0378", "\u0379"


def _titled(title: str) -> alt.Chart:
    """A chart whose only text is ``title`` (32 px, top left); the plot below it is the same every time."""
    return (alt.Chart(pd.DataFrame({"x": [1]}), title=alt.Title(title, fontSize=32, anchor="start"))
            .mark_point().encode(x=alt.X("x:Q", axis=None)).properties(width=200, height=20))


def _title_band(title: str):
    pixels = _grey_pixels(charts.to_png(_titled(title)))
    return pixels[:TITLE_ROWS]


@needs_cjk_font
def test_chinese_title_is_drawn_with_glyphs_not_boxes():
    chinese, other_chinese = _title_band("接通率"), _title_band("放弃率")
    boxes, other_boxes, blank = _title_band(BOX * 3), _title_band(OTHER_BOX * 3), _title_band(" ")
    assert (boxes != other_boxes).sum() == 0, "the reference is not a box: a font has a glyph for U+0378/U+0379"
    assert (blank < 128).sum() == 0 and (boxes < 128).sum() > 100
    assert chinese.shape == boxes.shape == blank.shape
    assert (chinese < 128).sum() > 300, "nothing drawn for the Chinese title"
    assert (chinese != boxes).sum() > 300, "Chinese drawn as missing-glyph boxes: no CJK font for vl-convert"
    assert (chinese != other_chinese).sum() > 300, "two Chinese titles render alike: their characters are boxes"


def _pdf_fonts(pdf: bytes) -> list[str]:
    """The fonts a PDF embeds: ``pdffonts`` (poppler) when installed, else the /FontName entries."""
    if shutil.which("pdffonts"):
        import tempfile

        with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
            handle.write(pdf)
            handle.flush()
            listing = subprocess.run(["pdffonts", handle.name], capture_output=True, text=True, timeout=60).stdout
        return [line.split()[0] for line in listing.splitlines()[2:] if line.strip()]
    return sorted({name.decode() for name in re.findall(rb"/FontName\s*/([^\s/<>\[\]()]+)", pdf)})


def _pdf_unicode_text(pdf: bytes) -> str:
    """The characters the PDF's ToUnicode maps give for its glyphs (what a text extractor can recover)."""
    found = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            text = zlib.decompress(stream).decode("latin-1")
        except zlib.error:
            text = stream.decode("latin-1")
        if "begincmap" not in text:
            continue
        for target in re.findall(r"<[0-9A-Fa-f]+>\s*<([0-9A-Fa-f]+)>", text):
            found.append(bytes.fromhex(target).decode("utf-16-be", errors="ignore"))
    return "".join(found)


@needs_cjk_font
def test_pdf_export_embeds_a_cjk_font_and_keeps_the_chinese_title_as_text():
    title = "接通率与放弃率"
    pdf = charts.to_pdf(_titled(title))
    assert pdf.startswith(b"%PDF")
    fonts = _pdf_fonts(pdf)
    assert any(re.search(r"CJK|SourceHan|WenQuanYi|Hei|Song", font, re.I) for font in fonts), fonts
    if any("Noto Sans CJK SC" in family for family in _cjk_fonts()):
        # the Simplified Chinese sans, not the first CJK face that has the glyph (Noto Serif CJK JP)
        assert any("NotoSansCJKsc" in font for font in fonts), fonts
    if shutil.which("pdftotext"):
        done = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, timeout=60)
        assert title in done.stdout.decode("utf-8"), done.stdout[:200]
    else:
        assert set(title) <= set(_pdf_unicode_text(pdf)), "the title's characters cannot be extracted from the PDF"


def test_pdf_export_of_a_builder_chart():
    pdf = charts.to_pdf(charts.kpi_queue_comparison(QUEUE_KPIS))
    assert pdf.startswith(b"%PDF") and pdf.rstrip().endswith(b"%%EOF")


@needs_cjk_font
def test_chart_with_chinese_labels_renders_to_png():
    assert charts.register_chart_fonts(), "no CJK font folder found"
    png = charts.to_png(charts.kpi_queue_comparison(QUEUE_KPIS.assign(queue_id=["账单_中文", "技术支持"])))
    assert png.startswith(b"\x89PNG")


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


# ---------------------------------------------------------------------------------------- languages
CJK = re.compile(r"[\u4e00-\u9fff]")


def _spec(name: str, language: str) -> dict:
    with i18n.using_language(language):
        return ALL_BUILDERS[name]().to_dict()


def _texts_for_readers(node, found=None) -> list[str]:
    """Every title in a spec (chart, axis, legend, tooltip titles), without the data."""
    found = [] if found is None else found
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("datasets", "data", "config"):
                continue
            if key == "title" and isinstance(value, str):
                found.append(value)
            elif key == "title" and isinstance(value, dict) and isinstance(value.get("text"), str):
                found.append(value["text"])
            else:
                _texts_for_readers(value, found)
    elif isinstance(node, list):
        for value in node:
            _texts_for_readers(value, found)
    return found


def _tooltips(node, found=None) -> list:
    found = [] if found is None else found
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "tooltip":
                found.extend(value if isinstance(value, list) else [value])
            else:
                _tooltips(value, found)
    elif isinstance(node, list):
        for value in node:
            _tooltips(value, found)
    return found


def _data_values(spec: dict) -> set[str]:
    return {str(value) for rows in spec.get("datasets", {}).values() for row in rows for value in row.values()}


def _without_data(spec: dict) -> str:
    """The spec as JSON with every data value and column name, as a JSON string, blanked."""
    text = json.dumps({k: v for k, v in spec.items() if k != "datasets"}, ensure_ascii=False)
    names = {str(column) for rows in spec.get("datasets", {}).values() for row in rows for column in row}
    for word in sorted(_data_values(spec) | names, key=len, reverse=True):
        text = text.replace(json.dumps(word, ensure_ascii=False), '""')
    return text


@pytest.mark.parametrize("name", ALL_BUILDERS)
def test_builders_in_chinese_have_chinese_titles_and_no_english_left(name):
    spec = _spec(name, "zh")
    data = _data_values(spec)
    titles = [t for t in _texts_for_readers(spec) if t not in data]  # a panel titled by a model name is data
    assert titles, "no titles"
    assert any(CJK.search(t) for t in titles), titles
    english = [t for t in titles if re.search("[A-Za-z]{2,}", t) and not CJK.search(t) and t != "MASE"]
    assert english == [], english
    # the catalogue's texts left in English anywhere in the spec, but for the data and its column names
    # ("language" is a column, not a missing translation of "language {line}")
    assert i18n.untranslated_texts(_without_data(spec), "zh") == []
    for tip in _tooltips(spec):
        if isinstance(tip, dict) and "field" in tip:
            assert CJK.search(tip.get("title", "")) or tip.get("title") == "MASE", tip


@pytest.mark.parametrize("name", ALL_BUILDERS)
def test_builders_in_english_have_english_titles_and_the_same_data(name):
    english, chinese = _spec(name, "en"), _spec(name, "zh")
    titles = [t for t in _texts_for_readers(english) if t not in _data_values(english)]
    assert titles and not any(CJK.search(t) for t in titles), titles
    assert "locale" not in english.get("config", {})
    for (key, rows_en), rows_zh in zip(english.get("datasets", {}).items(), chinese.get("datasets", {}).values()):
        for column in DATA_COLUMNS & set(rows_en[0] if rows_en else {}):
            assert [r[column] for r in rows_en] == [r[column] for r in rows_zh], (key, column)


def test_product_words_are_translated_and_the_data_keeps_its_codes():
    spec = _spec("wait_distribution", "zh")
    rows = next(iter(spec["datasets"].values()))
    assert [r["outcome"] for r in rows] == ["answered", "abandoned"]
    assert [r["outcome_label"] for r in rows] == ["接通", "放弃"]
    assert spec["encoding"]["color"]["field"] == "outcome_label"
    timeline = _spec("dialogue_timeline", "zh")
    rows = next(iter(timeline["datasets"].values()))
    assert [r["speaker"] for r in rows] == ["客户", "坐席", "未知"]
    assert [r["text"] for r in rows] == list(SEGMENTS["text"])  # what was said is never translated
    volume = _spec("daily_volume", "zh")
    assert volume["encoding"]["color"]["scale"]["domain"] == ["中文", "英文"]
    assert {r["language"] for r in next(iter(volume["datasets"].values()))} == {"zh", "en"}
    assert _spec("daily_volume", "en")["encoding"]["color"]["scale"]["domain"] == ["Chinese", "English"]


def test_kpi_names_follow_chinese_contact_centre_terms():
    spec = json.dumps(_spec("kpi_queue_comparison", "zh"), ensure_ascii=False)
    assert all(term in spec for term in ("呼入量", "服务水平", "放弃率"))
    assert "平均处理时长" in i18n.column_label("aht_seconds", "zh")


def test_dialogue_table_headings_follow_the_language_and_the_text_does_not():
    with i18n.using_language("zh"):
        shown = charts.dialogue_table(SEGMENTS).data
    assert shown.columns.tolist() == ["时间", "坐席", "客户"]
    assert shown["坐席"].tolist() == ["hello there", "", "(未知) hm"]
    assert shown["客户"].tolist() == ["", "我的号码是多少", ""]
    assert shown["时间"].iloc[0].endswith("秒")


def test_heatmap_measure_names_keep_their_keys_and_translate_where_shown():
    assert list(charts.HEATMAP_MEASURES) == ["service_level", "offered", "abandonment_rate"]
    assert charts.HEATMAP_MEASURES["service_level"] == "Service level"  # the constant holds the source text
    spec = _spec("interval_heatmap", "zh")
    assert spec["encoding"]["color"]["title"] == "服务水平" and spec["title"] == "各日各时段服务水平"


def test_staffing_heatmap_days_carry_the_weekday_in_the_language():
    days = lambda language: sorted({r["day"] for r in next(iter(_spec("staffing_heatmap", language)["datasets"].values()))})
    assert days("zh") == ["周一 2026-01-05", "周二 2026-01-06"]
    assert days("en") == ["Mon 2026-01-05", "Tue 2026-01-06"]


# ---------------------------------------------------------------------------------------- locale
MONTHS = pd.DataFrame({"t": pd.date_range("2026-01-01", periods=60, freq="D"), "y": range(60)})
HOURLY = pd.DataFrame({"t": pd.date_range("2026-01-05", periods=60, freq="h"), "y": range(60)})


def _svg_texts(svg: str) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


def _plain_time_chart(frame: pd.DataFrame) -> alt.Chart:
    """A time axis with Vega's own label formats (no builder formats): only the locale can make them Chinese."""
    charts.enable_chart_language()
    return alt.Chart(frame).mark_line().encode(x="t:T", y="y:Q")


def test_chinese_locale_reaches_the_spec_and_english_has_none():
    with i18n.using_language("zh"):
        config = charts.daily_volume(DAILY).to_dict()["config"]
        assert config["locale"]["time"]["months"][0] == "一月" and config["locale"]["time"]["periods"] == ["上午", "下午"]
        assert config["locale"]["time"]["shortDays"][1] == "周一" and config["locale"]["number"]["thousands"] == ","
        assert config["timeFormat"] == "%Y年%-m月%-d日"
        assert "Noto Sans CJK SC" in config["font"] and config["font"].endswith("sans-serif")
    with i18n.using_language("en"):
        assert "locale" not in charts.daily_volume(DAILY).to_dict()["config"]


def test_vl_convert_draws_chinese_month_and_day_names():
    import vl_convert as vlc

    with i18n.using_language("zh"):
        months = _svg_texts(charts.to_svg(_plain_time_chart(MONTHS)))
        hours = _svg_texts(charts.to_svg(_plain_time_chart(HOURLY)))
        # what Altair's renderers and save() hand vl-convert: the spec with the theme's config
        rendered = _svg_texts(vlc.vegalite_to_svg(_plain_time_chart(MONTHS).to_dict()))
    assert "二月" in months and "February" not in months, months
    assert any(re.fullmatch(r"周[一二三四五六日] \d\d", t) for t in hours), hours
    assert "二月" in rendered, rendered
    with i18n.using_language("en"):
        assert "February" in _svg_texts(charts.to_svg(_plain_time_chart(MONTHS)))


def test_builder_time_axes_read_as_chinese_dates():
    with i18n.using_language("zh"):
        days_of_history = HOURLY.rename(columns={"t": "ds"})
        forecast = _svg_texts(charts.to_svg(charts.forecast_vs_history(days_of_history, FORECAST.assign(
            ds=days_of_history["ds"].max() + pd.Timedelta(hours=1)).head(1))))
        days = _svg_texts(charts.to_svg(charts.daily_kpi_trend(DAY_KPIS, 20)))
        periods = _svg_texts(charts.to_svg(charts.topic_share_over_time(SHARES)))
    assert "1月6日" in forecast and "12:00" in forecast, forecast
    assert "1月5日" in days and "1月6日" in days, days
    assert "2026年1月5日" in periods, periods


def test_offline_renderer_and_chart_widget_get_the_locale():
    pytest.importorskip("anywidget")
    try:
        charts.enable_offline_rendering("svg")
        with i18n.using_language("zh"):
            chart = charts.daily_volume(DAILY)
            bundle = str(alt.renderers.get()(chart.to_dict()))
            widget_spec = alt.JupyterChart(_plain_time_chart(MONTHS)).spec
        assert "日期" in bundle
        assert widget_spec["config"]["locale"]["time"]["months"][1] == "二月"
    finally:
        alt.renderers.enable("default")


def test_the_language_theme_keeps_the_theme_it_replaced():
    previous = alt.theme.active
    if "grey_background" not in alt.theme.names():
        alt.theme.register("grey_background", enable=False)(lambda: {"config": {"background": "#eeeeee"}})
    try:
        alt.theme.enable("grey_background")
        with i18n.using_language("zh"):
            config = charts.daily_volume(DAILY).to_dict()["config"]
        assert alt.theme.active == charts.THEME
        assert config["background"] == "#eeeeee" and config["locale"]["time"]["days"][0] == "星期日"
    finally:
        alt.theme.enable("default")
        charts.enable_chart_language()
        if previous != charts.THEME:
            alt.theme.enable(previous)


def test_a_day_axis_labels_each_day_once_with_few_days():
    """Two days of data once showed "1月5日" twice: Vega ticked at noon too, and the day format hid the hour."""
    import re

    from workbench import i18n

    days = pd.DataFrame({"day": pd.to_datetime(["2026-01-05", "2026-01-06"]), "offered": [2500, 2400],
                         "answered": [2400, 2300], "service_level": [0.8, 0.85], "abandonment_rate": [0.02, 0.03],
                         "asa_seconds": [7.0, 8.0]})
    with i18n.using_language("zh"):
        svg = charts.to_svg(charts.daily_kpi_trend(days, 20))
    # the SVG holds the bars' axis, then the line's: each must name every day once
    labels = re.findall(r">(\d+月\d+日)<", svg)
    first_axis = labels[: labels.index("1月5日", 1)]
    assert len(first_axis) == len(set(first_axis)) >= 2, labels
