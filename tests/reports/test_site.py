"""The shared site (outputs/index.html) and a rendered report drawing its charts offline in headless Chromium."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from workbench.cli import app
from workbench.reports.site import build_site, collect_runs

CHROMIUM = Path("/usr/bin/chromium")
NETWORK = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.IGNORECASE)


def fake_run(outputs: Path, notebook: str, run_id: str, status: str, *, report: str | None = None,
             alerts: int | None = None, latest: bool = False, empty_period: bool = False) -> Path:
    run_dir = outputs / notebook / run_id
    run_dir.mkdir(parents=True)
    started = datetime.strptime(run_id[:16], "%Y%m%dT%H%M%SZ").isoformat() + "+00:00"
    manifest = {"run_id": run_id, "notebook": notebook, "status": status, "started_at": started,
                "duration_seconds": 4.2, "executed_notebook": f"{notebook}.ipynb",
                "context": {"report": report, "set": "daily"} if report else None,
                "error": {"ename": "ValueError", "evalue": "bad <input>"} if status == "failed" else None,
                "empty_period": empty_period}
    (run_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (run_dir / "report.html").write_text("<html><body>r</body></html>", encoding="utf-8")
    (run_dir / f"{notebook}.ipynb").write_text("{}", encoding="utf-8")
    if alerts is not None:
        (run_dir / "alerts.json").write_text(json.dumps({"alerts": [{}] * alerts}), encoding="utf-8")
    if latest:
        (outputs / notebook / "LATEST").write_text(run_id + "\n", encoding="utf-8")
    return run_dir


def test_index_lists_runs_by_report_latest_first_with_relative_links(tmp_path):
    out = tmp_path / "outputs"
    fake_run(out, "kpi_overview", "20260301T063000Z-aaaaaaaa", "succeeded", report="kpi_daily", alerts=2)
    fake_run(out, "kpi_overview", "20260302T063000Z-bbbbbbbb", "succeeded", report="kpi_daily", alerts=0,
             latest=True)
    fake_run(out, "sample_overview", "20260302T063100Z-cccccccc", "failed", report="overview_by_language[zh]")
    (out / "bench").mkdir()
    (out / "bench" / "x.json").write_text("{}")  # not a run folder: ignored
    (out / "_batches").mkdir()
    (out / "_batches" / "daily-1.json").write_text(json.dumps(
        {"set": "daily", "date": "2026-03-01", "started_at": "2026-03-02T06:30:00", "exit_code": 1, "succeeded": 2,
         "reports": [{}, {}, {}], "alerts": 2}))

    entries = collect_runs(out)
    assert [e.run_id[:8] for e in entries] == ["20260302", "20260302", "20260301"]
    assert entries[0].notebook == "sample_overview"  # 06:31 before 06:30
    assert entries[1].latest and not entries[2].latest

    index = build_site(out)
    assert index == out / "index.html"
    html = index.read_text(encoding="utf-8")
    assert NETWORK.search(html) is None and "<script" not in html
    assert 'href="kpi_overview/20260302T063000Z-bbbbbbbb/report.html"' in html
    assert 'href="kpi_overview/20260302T063000Z-bbbbbbbb/kpi_overview.ipynb"' in html
    assert html.index("20260302T063000Z-bbbbbbbb") < html.index("20260301T063000Z-aaaaaaaa")
    assert '<h2 id="kpi_daily">' in html and '<h2 id="overview_by_language[zh]">' in html
    assert "ValueError: bad &lt;input&gt;" in html  # the failure shown, escaped
    assert '<span class="alerts">2</span>' in html and "2 of 3 succeeded" in html
    for link in re.findall(r'href="([^"]+)"', html):
        assert (out / link).is_file(), link


def test_index_marks_a_report_of_a_period_without_calls(tmp_path):
    out = tmp_path / "outputs"
    fake_run(out, "kpi_overview", "20260301T063000Z-aaaaaaaa", "succeeded", report="kpi_daily", empty_period=True)
    fake_run(out, "kpi_overview", "20260302T063000Z-bbbbbbbb", "succeeded", report="kpi_daily", latest=True)
    html = build_site(out).read_text(encoding="utf-8")
    assert html.count("no calls in this period") == 1
    assert [e.empty_period for e in collect_runs(out)] == [False, True]


def test_stray_json_of_another_shape_is_skipped_not_fatal(tmp_path):
    out = tmp_path / "outputs"
    run_dir = fake_run(out, "kpi_overview", "20260301T063000Z-aaaaaaaa", "succeeded")
    (run_dir / "alerts.json").write_text('["alerts"]', encoding="utf-8")
    (out / "kpi_overview" / "20260302T063000Z-bbbbbbbb").mkdir()
    (out / "kpi_overview" / "20260302T063000Z-bbbbbbbb" / "manifest.json").write_text('"run_id"', encoding="utf-8")
    (out / "_batches").mkdir()
    (out / "_batches" / "stray.json").write_text('["set"]', encoding="utf-8")
    index = build_site(out).read_text(encoding="utf-8")
    assert [e.run_id for e in collect_runs(out)] == ["20260301T063000Z-aaaaaaaa"]
    assert "20260301T063000Z-aaaaaaaa" in index


def test_report_site_command_rebuilds_the_index(tmp_path):
    out = tmp_path / "outputs"
    fake_run(out, "kpi_overview", "20260301T063000Z-aaaaaaaa", "succeeded")
    result = CliRunner().invoke(app, ["report", "site", "--outputs", str(out)])
    assert result.exit_code == 0, result.output
    assert "kpi_overview/20260301T063000Z-aaaaaaaa/report.html" in (out / "index.html").read_text()


def test_empty_outputs_give_a_page_too(tmp_path):
    assert "No runs yet" in build_site(tmp_path / "nothing").read_text()


# --------------------------------------------------------------------------- a real report, offline


@pytest.fixture(scope="module")
def rendered_report(tmp_path_factory) -> Path:
    """kpi_overview run (smoke set) on a small seeded store, through the runner: a real report.html."""
    from workbench.reports.runner import run_notebook
    from workbench.store import Store

    folder = tmp_path_factory.mktemp("offline")
    store = folder / "store.duckdb"
    rows = []
    for day in range(3):
        for queue in ("billing_zh", "sales_en"):
            for i in range(40):
                arrived = datetime(2026, 3, 1 + day, 9) + timedelta(minutes=7 * i)
                gave_up = i % 6 == 0
                rows.append({"call_id": f"{queue}-{day}-{i}", "queue_id": queue, "language": queue[-2:],
                             "arrived_at": arrived, "wait_seconds": 45.0 if gave_up else 8.0 + i % 30,
                             "talk_seconds": None if gave_up else 200.0 + i,
                             "outcome": "abandoned" if gave_up else "answered"})
    with Store(store) as opened:
        opened.write_batch({"calls": pd.DataFrame(rows)}, batch_id="seed")
    result = run_notebook("kpi_overview", {"store_path": str(store)}, parameter_set="smoke",
                          outputs_dir=folder / "outputs")
    return result.report_html


@pytest.mark.browser
@pytest.mark.notebook
@pytest.mark.slow
def test_rendered_report_draws_its_charts_offline_in_chromium(rendered_report):
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: `make setup` installs the Debian chromium package"
    from playwright.sync_api import sync_playwright

    requested: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox",
                                                                          "--disable-gpu"])
        try:
            context = browser.new_context(offline=True)

            def block(route):
                requested.append(route.request.url)
                route.abort()

            context.route(re.compile(r"^(https?|wss?)://"), block)  # the network is off: any request is a failure
            page = context.new_page()
            page.goto(rendered_report.as_uri(), wait_until="load")
            page.wait_for_timeout(500)
            charts = page.evaluate(
                """() => {
                  const out = [];
                  const images = [...document.images].filter(i => i.src.startsWith('data:image/'));
                  for (const img of images) {
                    const c = document.createElement('canvas');
                    c.width = img.naturalWidth; c.height = img.naturalHeight;
                    let inked = 0;
                    if (c.width && c.height) {
                      const g = c.getContext('2d');
                      g.drawImage(img, 0, 0);
                      const d = g.getImageData(0, 0, c.width, c.height).data;
                      for (let k = 0; k < d.length; k += 4) {
                        if (d[k + 3] > 0 && (d[k] < 240 || d[k + 1] < 240 || d[k + 2] < 240)) inked++;
                      }
                    }
                    out.push({complete: img.complete, width: img.naturalWidth, height: img.naturalHeight,
                              shown: img.getBoundingClientRect().width, inked});
                  }
                  for (const svg of document.querySelectorAll('svg')) {
                    const box = svg.getBoundingClientRect();
                    out.push({complete: true, width: box.width, height: box.height, shown: box.width,
                              inked: svg.querySelectorAll('path, rect, circle, line, text').length});
                  }
                  return out;
                }"""
            )
            banner_ok = page.locator("body").inner_text()
        finally:
            browser.close()
    assert requested == [], f"the report asked the network for {requested}"
    assert len(charts) >= 4, charts  # queue comparison, daily trend, two heatmaps, CSAT
    for chart in charts:
        assert chart["complete"] and chart["width"] > 50 and chart["height"] > 50 and chart["shown"] > 0, chart
        assert chart["inked"] > 100, f"a chart drew nothing: {chart}"
    assert "Contact-centre KPIs" in banner_ok


def test_index_links_each_runs_pdf_and_workbook_when_present(tmp_path):
    out = tmp_path / "outputs"
    shared = fake_run(out, "kpi_overview", "20260301T063000Z-aaaaaaaa", "succeeded", report="kpi_daily")
    (shared / "report.pdf").write_bytes(b"%PDF-1.4\n")
    (shared / "tables.xlsx").write_bytes(b"PK")
    fake_run(out, "kpi_overview", "20260302T063000Z-bbbbbbbb", "succeeded", report="kpi_daily", latest=True)
    html = build_site(out).read_text(encoding="utf-8")
    assert 'href="kpi_overview/20260301T063000Z-aaaaaaaa/report.pdf">PDF</a>' in html
    assert 'href="kpi_overview/20260301T063000Z-aaaaaaaa/tables.xlsx">workbook</a>' in html
    assert "20260302T063000Z-bbbbbbbb/report.pdf" not in html and "20260302T063000Z-bbbbbbbb/tables.xlsx" not in html
    entries = {e.run_id[:8]: e for e in collect_runs(out)}
    assert entries["20260302"].pdf_link is None and entries["20260302"].workbook_link is None


def visible_text(html: str) -> str:
    """What a reader sees: no style sheet, no tags (a CSS class such as "succeeded" is not text)."""
    return re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", "", html, flags=re.DOTALL))


def test_site_in_chinese_translates_its_texts_and_keeps_data_as_recorded(tmp_path):
    from workbench import i18n

    out = tmp_path / "outputs"
    fake_run(out, "kpi_overview", "20260301T063000Z-aaaaaaaa", "failed", report="kpi <daily>")
    fake_run(out, "kpi_overview", "20260302T063000Z-bbbbbbbb", "succeeded", report="kpi <daily>", latest=True,
             empty_period=True)
    (out / "_batches").mkdir()
    (out / "_batches" / "daily-1.json").write_text(json.dumps(
        {"set": "daily", "date": "2026-03-01", "started_at": "2026-03-02T06:30:00", "exit_code": 1, "succeeded": 2,
         "reports": [{}, {}, {}], "alerts": 0}))
    index = build_site(out, store_path=tmp_path / "none.duckdb", language="zh")
    html = index.read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in html and "<title>工作台报告</title>" in html
    assert "成功（最新）" in html and "失败" in html and "本期间没有来电" in html and "3 个中 2 个成功" in html
    assert "kpi &lt;daily&gt;" in html and "ValueError: bad &lt;input&gt;" in html  # data as recorded, escaped
    assert i18n.untranslated_texts(visible_text(html), "zh") == []
    dictionary = (out / "data_dictionary.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in dictionary and "<h1>数据字典</h1>" in dictionary and "<th>单位</th>" in dictionary
    assert "没有数据库" in dictionary and "数据库中的每张标准表及其列" in dictionary  # the page's own texts
    # Column meanings, units and table descriptions are the schema's marked texts, in the page's language;
    # table, column and type names stay as the store spells them.
    assert "来电进入队列的本地时间。" in dictionary and "<td>秒</td>" in dictionary and "<td>比例 0..1</td>" in dictionary
    assert "Local time the call entered the queue." not in dictionary and "<code>arrived_at</code>" in dictionary
    assert i18n.untranslated_texts(visible_text(dictionary), "zh") == []
    # English stays the default of the centre settings, and the English dictionary is the schema's own texts.
    assert '<html lang="en">' in build_site(out, store_path=tmp_path / "none.duckdb").read_text(encoding="utf-8")
    english = (out / "data_dictionary.html").read_text(encoding="utf-8")
    assert "Local time the call entered the queue." in english and "<td>seconds</td>" in english
    assert "来电进入队列" not in english
