"""The apps as a manager meets them: `workbench serve` driven by Debian's Chromium through Playwright.

Every request the page makes to anything but the server is aborted and
recorded, so a chart or stylesheet that needs a CDN fails the test.
Screenshots land in outputs/screenshots/. Serving, the browser and the page
steps are shared with tests/bench_apps.py through tests/apps_browser_support.py.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest

from apps_browser_support import (
    APPS,
    Visit,
    chromium,
    free_port,
    operations_queue_filter,
    running,
    satisfaction_what_if_feature,
    staffing_service_level_slider,
    topics_queue_filter,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_operations_app_in_a_browser(server, browser):
    visit = Visit(browser, server.base)
    seconds = visit.open_app("operations")
    print(f"operations first render {seconds:.1f} s")
    visit.check_clean(APPS["operations"].notebook)
    visit.assert_drawn("operations")  # heatmap, trend and day chart; no notice
    visit.screenshot("operations")

    change = operations_queue_filter(visit, "billing")
    print(f"operations queue change shown after {change.seconds:.2f} s")
    assert int(change.after.replace(",", "")) < int(change.before.replace(",", ""))

    visit.page.select_option(".wb-call-set select", "offered")
    visit.page.wait_for_function(
        "() => [...document.querySelectorAll('.jp-OutputArea-output strong')].some(e => e.innerText.includes('calls offered'))",
        timeout=15_000)
    assert visit.page.locator("table.wb-table").count() >= 1, "the calls behind the number are listed"
    visit.check_clean(APPS["operations"].notebook)
    visit.close()


CLICK_TIMEOUT_MS = 30_000  # a click's effect on a loaded 2-core CI machine; seconds here when idle


def click_mark(page, mark) -> None:
    """Click the middle of a chart mark as a person would (Vega listens on the SVG, not on the mark's path)."""
    mark.wait_for(state="visible", timeout=CLICK_TIMEOUT_MS)
    mark.scroll_into_view_if_needed()
    box = mark.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def wait_for_calls_caption(page, text: str) -> None:
    page.wait_for_function(
        "text => [...document.querySelectorAll('.jp-OutputArea-output strong')].some(e => e.innerText.includes(text))",
        arg=text, timeout=CLICK_TIMEOUT_MS)


def test_operations_drill_down_by_clicking_the_charts(server, browser):
    visit = Visit(browser, server.base)
    visit.open_app("operations")
    page = visit.page
    page.wait_for_selector(".wb-trend svg .mark-rect path")
    first_day = page.locator(".wb-day select option").first.inner_text()
    assert page.input_value(".wb-day select") != first_day, "the drill starts on the last day"

    # A day on the trend -> that day's intervals.
    click_mark(page, page.locator(".wb-trend svg .mark-rect path").first)
    page.wait_for_function(f"() => document.querySelector('.wb-day select').value === '{first_day}'", timeout=CLICK_TIMEOUT_MS)
    page.wait_for_function("day => document.querySelector('.wb-day-chart svg').textContent.includes(day)",
                           arg=first_day, timeout=CLICK_TIMEOUT_MS)  # the day chart is redrawn for the clicked day

    # A heatmap cell -> its day and interval.
    cells = page.locator(".wb-heatmap svg .mark-rect path")
    click_mark(page, cells.nth(cells.count() - 2))  # a late interval of the last day
    page.wait_for_function("() => document.querySelector('.wb-interval select').value !== 'whole day' && "
                           "document.querySelectorAll('.wb-interval select option').length > 2", timeout=CLICK_TIMEOUT_MS)
    picked_day, picked_interval = page.input_value(".wb-day select"), page.input_value(".wb-interval select")
    assert picked_day != first_day and picked_interval[2] == ":"
    wait_for_calls_caption(page, f"abandoned, {picked_day} {picked_interval}")
    page.wait_for_function("day => document.querySelector('.wb-day-chart svg').textContent.includes(day)",
                           arg=picked_day, timeout=CLICK_TIMEOUT_MS)

    # An interval of the day chart -> the calls behind it.
    page.select_option(".wb-call-set select", "offered")
    wait_for_calls_caption(page, f"offered, {picked_day} {picked_interval}")
    first_interval = page.locator(".wb-interval select option").nth(1).inner_text()
    assert first_interval != picked_interval
    click_mark(page, page.locator(".wb-day-chart svg .mark-rect path").first)
    wait_for_calls_caption(page, f"calls offered, {picked_day} {first_interval}")
    assert page.input_value(".wb-interval select") == first_interval
    assert page.locator("table.wb-table").count() >= 1, "the calls behind the number are listed"
    visit.check_clean(APPS["operations"].notebook)
    visit.screenshot("operations-drill-down")
    visit.close()


def test_staffing_app_in_a_browser(server, browser):
    visit = Visit(browser, server.base)
    seconds = visit.open_app("staffing")
    print(f"staffing first render {seconds:.1f} s")
    visit.check_clean(APPS["staffing"].notebook)
    visit.assert_drawn("staffing")  # heatmap and day chart
    visit.screenshot("staffing")

    change = staffing_service_level_slider(visit, presses=15)
    print(f"staffing slider change shown after {change.seconds:.2f} s")
    assert float(change.after.replace(",", "")) > float(change.before.replace(",", "")), change

    visit.page.click(".wb-export button") if visit.page.locator(".wb-export button").count() else visit.page.click(
        ".wb-export")
    visit.page.wait_for_selector("a.wb-download", timeout=15_000)
    assert list((server.outputs / "apps" / "staffing").glob("*.csv"))
    visit.check_clean(APPS["staffing"].notebook)
    visit.screenshot("staffing_what_if")
    visit.close()


def test_topics_app_in_a_browser(server, browser):
    visit = Visit(browser, server.base)
    seconds = visit.open_app("topics")  # sizes chart and examples
    print(f"topics first render {seconds:.1f} s")
    visit.check_clean(APPS["topics"].notebook)
    visit.assert_drawn("topics")  # sizes, share and pain charts; no notice
    text = visit.page.inner_text("body")
    assert "Emerging topics" in text and "[redacted]" in text and "13812345678" not in text
    visit.screenshot("topics")

    change = topics_queue_filter(visit, "billing")  # the sizes chart is redrawn
    print(f"topics queue change shown after {change.seconds:.2f} s")
    visit.check_clean(APPS["topics"].notebook)
    visit.close()


def test_satisfaction_app_in_a_browser(server, browser):
    visit = Visit(browser, server.base)
    seconds = visit.open_app("satisfaction")  # drivers chart and what-if result
    print(f"satisfaction first render {seconds:.1f} s")
    visit.check_clean(APPS["satisfaction"].notebook)
    visit.assert_drawn("satisfaction")  # drivers, curves and agents charts; no notice
    assert visit.page.locator(".wb-what-if-result .wb-value").inner_text() == "+5.0%"
    visit.screenshot("satisfaction")

    change = satisfaction_what_if_feature(visit, "transferred")
    print(f"satisfaction what-if change shown after {change.seconds:.2f} s")
    assert (change.before, change.after) == ("+5.0%", "+20.0%")
    visit.check_clean(APPS["satisfaction"].notebook)
    visit.close()


@pytest.mark.parametrize(
    ("name", "path", "expected", "queue"),
    [
        ("operations", "/voila/render/operations.ipynb?service_level_target=7&queues=billing", "service_level_target",
         "billing"),
        ("operations", "/voila/render/operations.ipynb?queue=billing&queues=sales", "'queue'", "sales"),
        ("staffing", "/voila/render/staffing.ipynb?parameters=" + quote(json.dumps({"shrinkage": "lots"})),
         "shrinkage", None),
    ],
    ids=["operations-per-name", "operations-retired-name", "staffing-json"],
)
def test_bad_url_parameter_shows_a_notice(server, browser, name, path, expected, queue):
    visit = Visit(browser, server.base)
    visit.open(path, ready=APPS[name].ready)
    notices = visit.notices()
    assert any(expected in n and ("default" in n or "ignored" in n) for n in notices), notices
    visit.check_clean(APPS[name].notebook)
    if queue is not None:
        assert visit.page.locator(".wb-queue select").input_value() == queue, "valid values are kept"
    if expected == "service_level_target":
        visit.screenshot("operations_bad_parameter")
    visit.close()


@pytest.mark.parametrize(
    "path",
    [
        "/voila/render/kpi_overview.ipynb",
        "/voila/render/%2E%2E/kpi_overview.ipynb",
        "/voila/render/..%2Fkpi_overview.ipynb",
        "/voila/files/operations.ipynb",
        "/voila/files/%2E%2E/%2E%2E/README.md",
        "/voila/static/%2E%2E/%2E%2E/README.md",
        "/voila/tree/%2E%2E",
        "/api/contents/operations.ipynb",
        "/api/contents",
        "/files/README.md",
        "/README.md",
    ],
)
def test_nothing_but_the_apps_is_reachable(server, path):
    try:
        with urllib.request.urlopen(server.base + path, timeout=30) as response:
            status, body = response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        status, body = exc.code, ""
    assert status in (403, 404), f"{path} answered {status}"
    assert "Call-centre analytics workbench" not in body


def test_the_index_lists_only_the_apps(server):
    with urllib.request.urlopen(server.base + "/", timeout=30) as response:
        page = response.read().decode("utf-8")
    linked = set(re.findall(r"([\w-]+)\.ipynb", page))
    assert linked == {"operations", "staffing", "topics", "satisfaction"}, linked


def test_a_page_stuck_loading_offers_a_reload(tmp_path, browser):
    """Our template's stall notice: a page whose loading text has not moved for 45 s says so and offers a reload."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    from workbench.apps.serve import SHARE_DIR

    notebook = tmp_path / "slow.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("import time\ntime.sleep(20)")],
                                metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                         "language": "python"}}), notebook)
    port = free_port()
    env = {**os.environ, "JUPYTER_PATH": os.pathsep.join(p for p in (str(SHARE_DIR), os.environ.get("JUPYTER_PATH")) if p)}
    command = [str(Path(sys.executable).with_name("voila")), str(notebook), "--no-browser", f"--port={port}",
               "--Voila.ip=127.0.0.1", "--template=workbench"]
    with running(command, env, tmp_path / "slow.log", port) as slow:
        visit = Visit(browser, slow.base)
        visit.page.clock.install()
        visit.page.goto(slow.base + "/", wait_until="commit")
        visit.page.wait_for_function("() => (document.getElementById('loading_text') || {}).textContent === "
                                     "'Executing 1 of 1'", timeout=60_000)
        visit.page.clock.run_for(30_000)
        assert visit.page.locator("#wb-stalled").count() == 0, "no notice before 45 s"
        visit.page.clock.run_for(30_000)
        notice = visit.page.locator("#wb-stalled")
        notice.wait_for(state="visible", timeout=10_000)
        assert "Reload the page" in notice.inner_text()
        assert visit.external == []
        visit.close()


def test_leaving_an_app_shuts_its_kernel_down(server, browser):
    """Voilà's page asks for its kernel's shutdown on leaving; the server must accept it (voila#1458)."""
    visit = Visit(browser, server.base)
    visit.open_app("staffing")
    before = server.log.read_text(encoding="utf-8", errors="replace").count("Kernel shutdown:")
    visit.page.unroute("**/*")  # the shutdown request goes out while the page unloads, past any route handler
    visit.page.goto("about:blank")
    visit.close()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        log = server.log.read_text(encoding="utf-8", errors="replace")
        if log.count("Kernel shutdown:") > before:
            break
        time.sleep(0.2)
    assert log.count("Kernel shutdown:") > before, "the kernel outlived its page"
    assert "_xsrf' argument missing" not in log
