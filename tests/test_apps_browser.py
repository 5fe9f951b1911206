"""The apps as a manager meets them: `workbench serve` driven by Debian's Chromium through Playwright.

Every request the page makes to anything but the server is aborted and
recorded, so a chart or stylesheet that needs a CDN fails the test.
Screenshots land in outputs/screenshots/.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest

from workbench import paths

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = paths.root_dir() / "outputs" / "screenshots"
LOAD_TIMEOUT_MS = 120_000  # first render is ~5-10 s; generous for a loaded 2-core CI machine


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`workbench serve` on a free port against a freshly built two-day store, a topic run and satisfaction tables."""
    from workbench.apps.sample_store import add_sample_topics, build_sample_store, write_sample_satisfaction_run

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (make setup does)")
    folder = tmp_path_factory.mktemp("served")
    store = add_sample_topics(build_sample_store(folder, days=2, seed=1))
    write_sample_satisfaction_run(folder / "outputs")
    port = free_port()
    env = {**os.environ, "WORKBENCH_STORE": str(store), "WORKBENCH_OUTPUTS_DIR": str(folder / "outputs")}
    workbench = Path(sys.executable).with_name("workbench")
    log = open(folder / "serve.log", "wb")
    process = subprocess.Popen([str(workbench), "serve", "--port", str(port)], env=env, stdout=log,
                               stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/", timeout=2)
            break
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if process.poll() is not None:
                pytest.fail((folder / "serve.log").read_text())
            time.sleep(0.3)
    else:
        process.terminate()
        pytest.fail("workbench serve did not answer within 60 s:\n" + (folder / "serve.log").read_text())
    yield {"base": base, "log": folder / "serve.log", "outputs": folder / "outputs"}
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM,
                                              args=["--headless", "--no-sandbox", "--disable-gpu"])
        yield chromium
        chromium.close()


class Visit:
    """One page with its console errors and any request that left the server."""

    def __init__(self, browser, base: str):
        self.base = base
        self.page = browser.new_page(viewport={"width": 1280, "height": 2200})
        self.errors: list[str] = []
        self.external: list[str] = []
        self.failed: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.on("response", lambda r: self.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        self.page.route("**/*", self._route)

    def _route(self, route):
        if route.request.url.startswith(self.base):
            route.continue_()
        else:
            self.external.append(route.request.url)
            route.abort()

    def open(self, path: str, ready: tuple[str, str] = (".wb-tiles .wb-tile", ".wb-heatmap svg")) -> float:
        """Navigate and wait for the ``ready`` selectors (tiles and first chart); one reload if the page stalls."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        started = time.perf_counter()
        for attempt in (1, 2):
            try:
                self.page.goto(self.base + path, timeout=LOAD_TIMEOUT_MS, wait_until="commit")
                self.page.wait_for_selector(ready[0], timeout=LOAD_TIMEOUT_MS // attempt)
                self.page.wait_for_selector(ready[1], timeout=LOAD_TIMEOUT_MS)
                return time.perf_counter() - started
            except PlaywrightTimeout:
                if attempt == 2:
                    raise
                print(f"{path} stalled after {time.perf_counter() - started:.0f} s; reloading once")
                self.errors.clear()
                self.failed.clear()
        raise AssertionError("unreachable")

    def tile(self, key: str) -> str:
        return self.page.locator(f".wb-tile[data-kpi='{key}'] .wb-value").inner_text()

    def wait_for_tile_change(self, key: str, before: str, timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            now = self.tile(key)
            if now != before:
                return now
            self.page.wait_for_timeout(100)
        return self.tile(key)

    def check_clean(self, notebook: Path) -> None:
        assert self.external == [], f"requests left the server (CDN?): {self.external}"
        assert self.errors == [], f"JavaScript console errors: {self.errors}; failed responses: {self.failed}"
        code = ".jp-CodeCell .jp-InputArea:visible, .jp-InputPrompt:visible, .jp-CodeMirrorEditor:visible, .highlight:visible"
        assert self.page.locator(code).count() == 0, "code is visible"
        text = self.page.inner_text("body")
        import nbformat

        for cell in nbformat.read(notebook, as_version=4).cells:
            if cell.cell_type == "code":
                for line in cell.source.splitlines():
                    if line.strip() and len(line.strip()) > 12:
                        assert line.strip() not in text, f"notebook code shown on the page: {line!r}"

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        self.page.close()


APPS = paths.notebooks_dir() / "apps"


def test_operations_app_in_a_browser(server, browser):
    visit = Visit(browser, server["base"])
    seconds = visit.open("/voila/render/operations.ipynb")
    print(f"operations first render {seconds:.1f} s")
    visit.check_clean(APPS / "operations.ipynb")
    assert visit.page.locator(".wb-trend svg").count() == 1 and visit.page.locator(".wb-day-chart svg").count() == 1
    assert visit.page.locator(".wb-notice").count() == 0
    visit.screenshot("operations")

    offered = visit.tile("offered")
    started = time.perf_counter()
    visit.page.select_option(".wb-queue select", "billing")
    changed = visit.wait_for_tile_change("offered", offered)
    print(f"operations queue change shown after {time.perf_counter() - started:.2f} s")
    assert changed != offered
    assert int(changed.replace(",", "")) < int(offered.replace(",", ""))

    visit.page.select_option(".wb-call-set select", "offered")
    visit.page.wait_for_function(
        "() => [...document.querySelectorAll('.jp-OutputArea-output strong')].some(e => e.innerText.includes('calls offered'))",
        timeout=15_000)
    assert visit.page.locator("table.wb-table").count() >= 1, "the calls behind the number are listed"
    visit.check_clean(APPS / "operations.ipynb")
    visit.close()


def test_staffing_app_in_a_browser(server, browser):
    visit = Visit(browser, server["base"])
    seconds = visit.open("/voila/render/staffing.ipynb")
    print(f"staffing first render {seconds:.1f} s")
    visit.check_clean(APPS / "staffing.ipynb")
    assert visit.page.locator(".wb-day-chart svg").count() == 1
    visit.screenshot("staffing")

    hours = visit.tile("required_agent_hours")
    handle = visit.page.locator(".wb-sl-target .noUi-handle")
    handle.focus()
    started = time.perf_counter()
    for _ in range(15):
        visit.page.keyboard.press("ArrowRight")
    raised = visit.wait_for_tile_change("required_agent_hours", hours)
    print(f"staffing slider change shown after {time.perf_counter() - started:.2f} s")
    assert float(raised.replace(",", "")) > float(hours.replace(",", "")), (hours, raised)

    visit.page.click(".wb-export button") if visit.page.locator(".wb-export button").count() else visit.page.click(
        ".wb-export")
    visit.page.wait_for_selector("a.wb-download", timeout=15_000)
    assert list((server["outputs"] / "apps" / "staffing").glob("*.csv"))
    visit.check_clean(APPS / "staffing.ipynb")
    visit.screenshot("staffing_what_if")
    visit.close()


def test_topics_app_in_a_browser(server, browser):
    visit = Visit(browser, server["base"])
    seconds = visit.open("/voila/render/topics.ipynb", ready=(".wb-sizes-chart svg", ".wb-examples li"))
    print(f"topics first render {seconds:.1f} s")
    visit.check_clean(APPS / "topics.ipynb")
    assert visit.page.locator(".wb-share-chart svg").count() == 1 and visit.page.locator(".wb-pain-chart svg").count() == 1
    assert visit.page.locator(".wb-notice").count() == 0
    text = visit.page.inner_text("body")
    assert "Emerging topics" in text and "[redacted]" in text and "13812345678" not in text
    visit.screenshot("topics")

    before = visit.page.inner_html(".wb-sizes-chart")
    visit.page.select_option(".wb-queue select", "billing")
    visit.page.wait_for_function(
        "(before) => document.querySelector('.wb-sizes-chart').innerHTML !== before", arg=before, timeout=15_000)
    visit.check_clean(APPS / "topics.ipynb")
    visit.close()


def test_satisfaction_app_in_a_browser(server, browser):
    visit = Visit(browser, server["base"])
    seconds = visit.open("/voila/render/satisfaction.ipynb", ready=(".wb-drivers-chart svg", ".wb-what-if-result"))
    print(f"satisfaction first render {seconds:.1f} s")
    visit.check_clean(APPS / "satisfaction.ipynb")
    assert visit.page.locator(".wb-curves-chart svg").count() == 1 and visit.page.locator(".wb-agents-chart svg").count() == 1
    assert visit.page.locator(".wb-notice").count() == 0
    assert visit.page.locator(".wb-what-if-result .wb-value").inner_text() == "+5.0%"
    visit.screenshot("satisfaction")

    visit.page.select_option(".wb-feature select", "transferred")
    visit.page.wait_for_function(
        "() => document.querySelector('.wb-what-if-result .wb-value').innerText === '+20.0%'", timeout=15_000)
    visit.check_clean(APPS / "satisfaction.ipynb")
    visit.close()


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/voila/render/operations.ipynb?service_level_target=7&queue=billing", "service_level_target"),
        ("/voila/render/staffing.ipynb?parameters=" + quote(json.dumps({"shrinkage": "lots"})), "shrinkage"),
    ],
    ids=["operations-per-name", "staffing-json"],
)
def test_bad_url_parameter_shows_a_notice(server, browser, path, expected):
    visit = Visit(browser, server["base"])
    visit.open(path)
    notices = visit.page.locator(".wb-notice").all_inner_texts()
    assert any(expected in n and "default" in n for n in notices), notices
    visit.check_clean(APPS / path.split("/")[-1].split("?")[0])
    if expected == "service_level_target":
        assert visit.page.locator(".wb-queue select").input_value() == "billing", "valid values are kept"
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
        with urllib.request.urlopen(server["base"] + path, timeout=30) as response:
            status, body = response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        status, body = exc.code, ""
    assert status in (403, 404), f"{path} answered {status}"
    assert "Call-centre analytics workbench" not in body


def test_the_index_lists_only_the_apps(server):
    with urllib.request.urlopen(server["base"] + "/", timeout=30) as response:
        page = response.read().decode("utf-8")
    linked = set(re.findall(r"([\w-]+)\.ipynb", page))
    assert linked == {"operations", "staffing", "topics", "satisfaction"}, linked
