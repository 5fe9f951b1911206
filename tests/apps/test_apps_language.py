"""The operations dashboard and the staffing planner in the reader's language, built in-process.

Each app is built in Chinese and in English on the sample store; the page's
text (header, notices, HTML views, control labels, option labels, tile
tooltips and the tables under the app) is collected as a person reads it and
checked: Chinese contact-centre terms in a zh page, no catalogue text left in
English there, English terms in an en page, data (queue ids, run ids,
dimension values) as stored and markup in it escaped. Chart axis texts are
drawn by :mod:`workbench.charts` inside SVGs and are not collected here.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import ipywidgets as widgets
import pytest

from workbench import i18n
from workbench.apps import OperationsApp, StaffingApp
from workbench.apps.operations import CALL_SET_CHOICES, WHOLE_DAY
from workbench.apps.staffing import ALL_DAYS
from workbench.params import OperationsAppParameters, StaffingAppParameters

CJK = re.compile(r"[\u4e00-\u9fff]")
MARKUP_REGION = "<i>Ost</i>"  # a region value of the dimension store (tests/apps/conftest.py)


@pytest.fixture(autouse=True)
def restore_language():
    """An app sets the process's interface language; put back what was there before the test."""
    with i18n.using_language("en"):
        yield


class _Text(HTMLParser):
    """The text a person reads in an HTML fragment: text nodes and tooltips, not SVG charts or styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("svg", "style", "script"):
            self._hidden += 1
        title = dict(attrs).get("title")
        if title and not self._hidden:
            self.parts.append(title)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("svg", "style", "script"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.parts.append(data.strip())


def html_text(html: str) -> str:
    """The readable text of ``html``, one piece per line."""
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.parts)


def _widgets(widget: widgets.Widget) -> list[widgets.Widget]:
    found = [widget]
    for child in getattr(widget, "children", ()):
        found.extend(_widgets(child))
    return found


def option_labels(control: widgets.Widget) -> list[str]:
    """The labels a list shows (the values behind them are the app's keys)."""
    return [str(option[0]) if isinstance(option, tuple) else str(option) for option in control.options]


def page_text(app) -> str:
    """Everything the app shows as text: header, notices, HTML views, labels of controls and lists, tables."""
    parts = []
    for widget in _widgets(app.container):
        if isinstance(widget, widgets.HTML):
            parts.append(html_text(widget.value))
        for name in ("description", "tooltip"):
            if getattr(widget, name, None):
                parts.append(str(getattr(widget, name)))
        if isinstance(widget, widgets.Dropdown):
            parts.extend(option_labels(widget))
    parts.extend(html_text(html) for _, html in app._output_tables())
    return "\n".join(parts)


def operations(store: Path, language: str, **values) -> OperationsApp:
    return OperationsApp(OperationsAppParameters(store_path=str(store), interface_language=language, **values))


def staffing(store: Path, language: str, **values) -> StaffingApp:
    return StaffingApp(StaffingAppParameters(store_path=str(store), interface_language=language, **values))


# --------------------------------------------------------------------------- operations


def test_operations_in_chinese(centre_app_store):
    app = operations(centre_app_store, "zh")
    text = page_text(app)
    assert app.params.reader_language() == "zh"
    for term in ("运营看板", "呼入量", "接通量", "放弃率", "服务水平", "平均应答速度", "平均处理时长", "满意度",
                 "热力图", "全天", "逐层查看"):
        assert term in text, term
    assert i18n.untranslated_texts(text, "zh") == []
    assert "Calls offered" not in text and "Drill down" not in text
    # Labels are Chinese, the values behind them stay the app's keys.
    assert dict(app.language.options)["中文"] == "zh" and app.language.value == "all"
    assert set(dict(app.call_set.options).values()) == set(CALL_SET_CHOICES.values())
    assert app.interval.value == WHOLE_DAY and app.interval.label == "全天"
    assert app.measure.label == "服务水平" and app.measure.value == "service_level"
    # Numbers and targets in the locale's words; queue ids as stored.
    assert "目标 ≤ 30秒" in app.tiles.value and "目标 ≥ 80%" in app.tiles.value
    assert "基于有等待时长记录的" in app.tiles.value
    assert {"billing_zh", "billing_en"} <= set(option_labels(app.queue))
    calls = app._output_tables()[0][1]
    assert "的来电：" in calls and all(heading in html_text(calls) for heading in ("队列", "来电时间", "结果"))
    assert not re.search(r"<th>[a-z_]+</th>", calls), "every heading of the calls list is for people"
    assert "<td>放弃</td>" in calls, "outcome codes are written in words"
    assert set(app.tables["calls"]["queue_id"]).pop() in calls, "the calls behind a number keep their queue ids"
    assert "queue_id" in app.tables["calls"].columns, "only the page's headings are translated"
    assert app.heatmap.chart.title.startswith("各日各时段服务水平")
    assert app.day_chart.chart.title.startswith(f"{app.day.value}：")


def test_operations_in_english(centre_app_store):
    app = operations(centre_app_store, "en")
    text = page_text(app)
    for term in ("Operations dashboard", "Calls offered", "Calls answered", "Abandonment rate", "Service level (20 s)",
                 "ASA", "AHT", "CSAT", "whole day", "Drill down"):
        assert term in text, term
    assert not CJK.search(text), CJK.search(text)
    assert "target ≤ 30 s" in app.tiles.value and "target ≥ 80%" in app.tiles.value


def test_operations_notices_follow_the_language(centre_app_store, tmp_path):
    app = operations(tmp_path / "nowhere.duckdb", "zh")
    assert any(n.startswith("数据库") and "没有来电记录" in n for n in app.notices)
    app = operations(centre_app_store, "zh")
    first = app.first_day
    app.date_from.value = app.date_to.value = first.replace(year=first.year - 1)
    notice = next(n for n in app.notices if "没有来电" in n)
    assert f"{first.year - 1}年" in notice, "dates in the notice are written the Chinese way"
    app.date_from.value = first
    assert any("请选择" in n for n in app.notices), "a start after the end says so in Chinese"


def test_operations_population_sentences_and_breakdown_in_chinese(dimension_store):
    app = operations(dimension_store, "zh", group_by="region")
    text = page_text(app)
    populations = html_text(app.populations.value)
    assert populations.startswith("平均应答速度基于有等待时长记录的") and "通未记录等待时长" in populations
    assert "平均处理时长基于有处理时长记录的" in populations
    assert i18n.untranslated_texts(text, "zh") == []
    breakdown = app.breakdown.value
    assert "按region的 KPI" in breakdown and "呼入量" in breakdown and "服务水平" in breakdown
    assert "&lt;i&gt;Ost&lt;/i&gt;" in breakdown and MARKUP_REGION not in breakdown, "a value's markup is text"
    assert set(app.tables["breakdown"]["region"]) == {"north", "south", MARKUP_REGION}, "values stay as stored"
    assert "<i>" not in app.tiles.value + app.populations.value


def test_operations_hostile_queue_name_stays_escaped_in_chinese(centre_app_store):
    hostile = "<b onmouseover=x>q</b>"
    app = operations(centre_app_store, "zh", queues=[hostile])
    assert app.queues == ["all"] and any(hostile in n for n in app.notices)
    assert hostile not in app.notice.value and "&lt;b onmouseover=x&gt;q&lt;/b&gt;" in app.notice.value


# --------------------------------------------------------------------------- staffing


def test_staffing_in_chinese(centre_app_store):
    app = staffing(centre_app_store, "zh")
    text = page_text(app)
    for term in ("排班规划", "服务水平目标", "应答时限（秒）", "平均处理时长倍数", "损耗率", "话务量增幅", "在线坐席工时",
                 "预计服务水平", "原计划", "导出 CSV", "未找到运行“sample-run”的设置"):
        assert term in text, term
    assert i18n.untranslated_texts(text, "zh") == []
    assert "sample-run" in html_text(app.body.children[0].value), "the run id is shown as stored"
    assert app.day.value != ALL_DAYS and dict(app.day.options)["全部日期"] == ALL_DAYS
    assert "各时段所需坐席数" in app.day_chart.value and "已保存的预测" in app.forecast_chart.value


def test_staffing_in_english(centre_app_store, tmp_path):
    app = staffing(centre_app_store, "en")
    text = page_text(app)
    for term in ("Staffing planner", "Service-level target", "Shrinkage", "Agent-hours on the phones",
                 "Expected service level", "stored plan", "Export CSV"):
        assert term in text, term
    assert not CJK.search(text), CJK.search(text)
    path = app.export_csv(folder=tmp_path)
    assert path.name in app.export_link.value and "Download" in app.export_link.value


def test_staffing_hostile_run_id_stays_escaped_in_chinese(centre_app_store):
    hostile = "<img src=x onerror=alert(1)>"
    app = staffing(centre_app_store, "zh", run_id=hostile)
    assert app.run_id == "sample-run"
    assert any(hostile in n and "数据库中没有排班运行" in n for n in app.notices)
    assert hostile not in app.notice.value and "&lt;img" in app.notice.value


def test_staffing_history_sources_follow_the_pipeline():
    from workbench.apps.staffing import HISTORY_SOURCES
    from workbench.pipelines.staffing import SOURCE_DESCRIPTIONS

    assert set(HISTORY_SOURCES) == set(SOURCE_DESCRIPTIONS)
    for source, text in HISTORY_SOURCES.items():
        assert text == "forecast from " + SOURCE_DESCRIPTIONS[source], source
        assert CJK.search(i18n.gettext(text, "zh")), source


# --------------------------------------------------------------------------- phone width


PHONE_PX = 360


def _fixed_px(value: str | None) -> int:
    match = re.fullmatch(r"(\d+)px", str(value or ""))
    return int(match.group(1)) if match else 0


@pytest.mark.parametrize("name", ["operations", "staffing"])
def test_controls_and_tables_fit_a_phone(name, centre_app_store):
    app = (operations if name == "operations" else staffing)(centre_app_store, "zh")
    for widget in _widgets(app.container):
        layout = getattr(widget, "layout", None)
        if layout is not None:
            for size in ("width", "min_width"):
                assert _fixed_px(getattr(layout, size)) <= PHONE_PX - 40, (name, type(widget).__name__, size)
        if isinstance(widget, widgets.HBox):
            assert "wrap" in (widget.layout.flex_flow or ""), f"{name}: a row of controls must wrap on a phone"
    if name == "operations":
        app.group_by.value = "" if not app.group_by.options else app.group_by.options[-1][1]
        for html in [html for _, html in app._output_tables()] + ([app.breakdown.value] if app.breakdown.value else []):
            assert "<div class='wb-table-wrap'><table" in html, "a wide table scrolls in its own box"
        assert ".wb-chart svg{max-width:100%;height:auto}" in app.body.children[0].value
        assert all("wb-chart" in chart._dom_classes for chart in (app.heatmap, app.trend, app.day_chart))
    else:
        for view in (app.heatmap, app.day_chart, app.forecast_chart):
            assert re.search(r"<svg [^>]*viewBox=", view.value), "a drawn chart scales to the screen, not crops"


def test_changes_outside_the_apps_cell_keep_its_language(centre_app_store, tmp_path):
    """In a kernel a list change or a click arrives outside the cell that set the language."""
    app = operations(centre_app_store, "zh")
    other = next(day for day in app.day.options if day != app.day.value)
    with i18n.using_language("en"):
        app.day.value = other  # the Day list's observer redraws the drill-down only
        assert app.day_chart.chart.title.startswith(f"{other}：各时段呼入量")
    planner = staffing(centre_app_store, "zh")
    with i18n.using_language("en"):
        path = planner.export_csv(folder=tmp_path)
    assert path.is_file() and "下载" in planner.export_link.value and "Download" not in planner.export_link.value
