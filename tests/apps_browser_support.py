"""Loading the Voilà apps in Debian's Chromium: shared by tests/apps/test_apps_browser.py and tests/bench_apps.py.

Not a test module (no ``test_`` prefix). Test modules and benchmarks import it
by name (pytest puts ``tests/`` on the path: ``pythonpath`` in pyproject.toml)::

    from apps_browser_support import ...

What lives here:

* :func:`prepare_sample_data`: the two-day sample store with a topic run, and
  satisfaction-driver tables in an outputs folder, so all four apps draw charts.
* :func:`serve_apps` / :func:`serve_bare`: ``workbench serve`` (or plain Voilà
  on a one-widget notebook) on a free port, waited for, stopped afterwards.
* :func:`chromium`: Debian's ``/usr/bin/chromium`` through Playwright's
  ``executable_path`` (never ``playwright install``).
* :class:`Visit`: one page, every request not to its server aborted and
  recorded, console errors collected, ready selectors waited for.
* :data:`APPS` and :data:`INTERACTIONS`: each app's ready selectors, charts,
  and the one widget change whose effect shows on the page.

Playwright is imported lazily, so importing this module (pytest's
``--doctest-modules`` does) needs no browser.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from workbench import paths

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu"]
SCREENSHOTS = paths.root_dir() / "outputs" / "screenshots"
APPS_DIR = paths.notebooks_dir() / "apps"
LOAD_TIMEOUT_MS = 120_000  # first render is ~5-10 s; generous for a loaded 2-core CI machine
#: The first attempt's wait: a page that has shown nothing by then has stalled (about one load in 15-20 on a
#: loaded machine, and a reload always recovers), so it is reloaded instead of waiting out LOAD_TIMEOUT_MS.
FIRST_LOAD_TIMEOUT_MS = 45_000
CHANGE_TIMEOUT_MS = 30_000  # a widget change until the page shows its effect
SERVER_START_SECONDS = 90
VIEWPORT = {"width": 1280, "height": 2200}


# -- data and servers ------------------------------------------------------------


def prepare_sample_data(folder: Path) -> tuple[Path, Path]:
    """A two-day sample store with a finished topic run, and satisfaction tables: (store, outputs folder).

    Enough for every app to draw its charts rather than a "missing results" notice.
    """
    from sample_centre import add_sample_topics, build_sample_store, write_sample_satisfaction_run

    folder = Path(folder)
    store = add_sample_topics(build_sample_store(folder, days=2, seed=1))
    outputs = folder / "outputs"
    write_sample_satisfaction_run(outputs)
    return store, outputs


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A running local server: its base URL and log; ``store`` and ``outputs`` for ``workbench serve``."""

    base: str
    log: Path
    process: subprocess.Popen
    store: Path | None = None
    outputs: Path | None = None


def stop_process(process: subprocess.Popen, timeout_seconds: float) -> None:
    """Terminate a server process, killing it if it does not end within ``timeout_seconds``."""
    process.terminate()
    try:
        process.wait(timeout=timeout_seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout_seconds)


@contextmanager
def running(command: list[str], env: dict[str, str], log: Path, port: int) -> Iterator[Server]:
    """Start ``command`` (a server on ``port``), wait until ``/`` answers, stop it on exit."""
    base = f"http://127.0.0.1:{port}"
    with open(log, "wb") as handle:
        process = subprocess.Popen(command, env=env, stdout=handle, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + SERVER_START_SECONDS
            while True:
                try:
                    urllib.request.urlopen(base + "/", timeout=2)
                    break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    if process.poll() is not None:
                        raise RuntimeError(f"{command[0]} exited ({process.returncode}):\n{log.read_text()}")
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{command[0]} did not answer on port {port} within "
                                           f"{SERVER_START_SECONDS} s:\n{log.read_text()}")
                    time.sleep(0.3)
            yield Server(base=base, log=log, process=process)
        finally:
            stop_process(process, timeout_seconds=15)


@contextmanager
def serve_apps(folder: Path, store: Path, outputs: Path, spare_kernels: int = 1) -> Iterator[Server]:
    """``workbench serve`` on a free port, reading ``store`` and ``outputs``; its log in ``folder``
    (``serve.log``, or ``serve-<spare_kernels>-spare.log`` when not the default)."""
    env = {**os.environ, "WORKBENCH_STORE": str(store), "WORKBENCH_OUTPUTS_DIR": str(outputs)}
    port = free_port()
    workbench = Path(sys.executable).with_name("workbench")
    command = [str(workbench), "serve", "--port", str(port), "--spare-kernels", str(spare_kernels)]
    log = Path(folder) / ("serve.log" if spare_kernels == 1 else f"serve-{spare_kernels}-spare.log")
    with running(command, env, log, port) as server:
        server.store, server.outputs = store, outputs
        yield server


BARE_READY = (".widget-slider",)


@contextmanager
def serve_bare(folder: Path) -> Iterator[Server]:
    """Plain Voilà (default template and settings) on a notebook holding one slider, opened at ``/``:
    the baseline the apps' first render is compared with."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    notebook = folder / "bare.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("import ipywidgets\nipywidgets.IntSlider(description='bare')")],
                                metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                         "language": "python"}}), notebook)
    port = free_port()
    voila = Path(sys.executable).with_name("voila")
    command = [str(voila), str(notebook), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1"]
    with running(command, dict(os.environ), folder / "bare.log", port) as server:
        yield server


# -- the browser -------------------------------------------------------------------


def require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} not found: install Debian's chromium (make setup does)")


@contextmanager
def chromium() -> Iterator[object]:
    """Debian's Chromium, headless, through Playwright (a ``playwright.sync_api.Browser``)."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Change:
    """A widget change: seconds until the page showed it, the watched content before and after."""

    seconds: float
    before: str
    after: str


_CHANGED = """([selector, before, html]) => {
    const element = document.querySelector(selector);
    return element !== null && (html ? element.innerHTML : element.innerText) !== before;
}"""


class Visit:
    """One page with its console errors and any request that left the server (aborted)."""

    def __init__(self, browser, base: str, viewport: dict[str, int] | None = None):
        self.base = base
        self.page = browser.new_page(viewport=viewport or VIEWPORT)
        self.errors: list[str] = []
        self.external: list[str] = []
        self.failed: list[str] = []
        self.reloads = 0
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

    def open(self, path: str, ready: tuple[str, ...] = (".wb-tiles .wb-tile", ".wb-heatmap svg")) -> float:
        """Navigate and wait for every ``ready`` selector; seconds from navigation. One reload if the page stalls."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        started = time.perf_counter()
        for attempt in (1, 2):
            try:
                self.page.goto(self.base + path, timeout=LOAD_TIMEOUT_MS, wait_until="commit")
                self.page.wait_for_selector(ready[0], timeout=FIRST_LOAD_TIMEOUT_MS if attempt == 1 else LOAD_TIMEOUT_MS)
                for selector in ready[1:]:
                    self.page.wait_for_selector(selector, timeout=LOAD_TIMEOUT_MS)
                return time.perf_counter() - started
            except PlaywrightTimeout as exc:
                if attempt == 2:
                    raise AssertionError(f"{path}: {ready} not shown after {time.perf_counter() - started:.0f} s; "
                                         f"notices {self.notices()}; errors {self.errors}") from exc
                print(f"{path} stalled after {time.perf_counter() - started:.0f} s; reloading once")
                self.reloads += 1
                self.errors.clear()
                self.failed.clear()
        raise AssertionError("unreachable")

    def open_app(self, name: str) -> float:
        """Open app ``name`` of :data:`APPS` at its ready selectors; seconds from navigation."""
        return self.open(APPS[name].path, ready=APPS[name].ready)

    def notices(self) -> list[str]:
        return self.page.locator(".wb-notice").all_inner_texts()

    def tile(self, key: str) -> str:
        return self.page.locator(tile_selector(key)).inner_text()

    def content(self, selector: str, html: bool = False) -> str:
        return self.page.inner_html(selector) if html else self.page.inner_text(selector)

    def timed_change(self, watch: str, action: Callable[[], None], *, html: bool = False,
                     timeout_ms: int = CHANGE_TIMEOUT_MS) -> Change:
        """Do ``action`` and wait until ``watch``'s text (``html``: markup) differs from before."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        before = self.content(watch, html)
        started = time.perf_counter()
        action()
        try:
            self.page.wait_for_function(_CHANGED, arg=[watch, before, html], timeout=timeout_ms)
        except PlaywrightTimeout as exc:
            raise AssertionError(f"{watch} did not change within {timeout_ms / 1000:.0f} s; "
                                 f"notices {self.notices()}; errors {self.errors}") from exc
        seconds = time.perf_counter() - started
        return Change(seconds, before, self.content(watch, html))

    def assert_drawn(self, name: str) -> None:
        """App ``name``'s charts are drawn (one SVG each) and, unless the app always shows one on the sample
        data, no notice is shown (e.g. "missing results")."""
        for selector in APPS[name].charts:
            assert self.page.locator(selector).count() == 1, f"{name}: {selector} not drawn; notices {self.notices()}"
        if not APPS[name].notices:
            assert self.notices() == [], f"{name} shows notices: {self.notices()}"

    def check_clean(self, notebook: Path) -> None:
        """No request left the server, no JavaScript error, and none of ``notebook``'s code is on the page."""
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
        """Leave the page as a closing tab does, then close it.

        Playwright's ``page.close()`` skips the page's unload handlers, where
        Voilà asks the server to shut the kernel down; without them every
        visit's kernel would outlive its page and count against the server's
        kernel caps (per client, and every visit here comes from 127.0.0.1).
        """
        try:
            self.page.unroute("**/*")  # the shutdown request goes out while the page unloads, past any route handler
            self.page.goto("about:blank")
        finally:
            self.page.close()


# -- the apps ------------------------------------------------------------------------


def tile_selector(key: str) -> str:
    return f".wb-tile[data-kpi='{key}'] .wb-value"


@dataclass(frozen=True)
class AppPage:
    """An app as the browser meets it: what to wait for on first render, and its charts.

    ``notices``: whether the app shows a notice on the sample data anyway (the
    staffing app: the sample store's staffing run saved no settings file).
    """

    name: str
    ready: tuple[str, ...]
    charts: tuple[str, ...]
    notices: bool = False

    @property
    def path(self) -> str:
        return f"/voila/render/{self.name}.ipynb"

    @property
    def notebook(self) -> Path:
        return APPS_DIR / f"{self.name}.ipynb"


APPS = {
    "operations": AppPage("operations", ready=(".wb-tiles .wb-tile", ".wb-heatmap svg"),
                          charts=(".wb-heatmap svg", ".wb-trend svg", ".wb-day-chart svg")),
    "staffing": AppPage("staffing", ready=(".wb-tiles .wb-tile", ".wb-heatmap svg"),
                        charts=(".wb-heatmap svg", ".wb-day-chart svg"), notices=True),
    "topics": AppPage("topics", ready=(".wb-sizes-chart svg", ".wb-examples li"),
                      charts=(".wb-sizes-chart svg", ".wb-share-chart svg", ".wb-pain-chart svg")),
    "satisfaction": AppPage("satisfaction", ready=(".wb-drivers-chart svg", ".wb-what-if-result"),
                            charts=(".wb-drivers-chart svg", ".wb-curves-chart svg", ".wb-agents-chart svg")),
}


def operations_queue_filter(visit: Visit, queue: str = "billing") -> Change:
    """Pick a queue: the 'offered' tile shows the new number."""
    return visit.timed_change(tile_selector("offered"), lambda: visit.page.select_option(".wb-queue select", queue))


def staffing_service_level_slider(visit: Visit, presses: int = 1) -> Change:
    """Raise the service-level target by keyboard: the required agent hours tile shows the new number."""
    visit.page.locator(".wb-sl-target .noUi-handle").focus()

    def press() -> None:
        for _ in range(presses):
            visit.page.keyboard.press("ArrowRight")

    return visit.timed_change(tile_selector("required_agent_hours"), press)


def topics_queue_filter(visit: Visit, queue: str = "billing") -> Change:
    """Pick a queue: the topic sizes chart is redrawn (its SVG markup changes)."""
    return visit.timed_change(".wb-sizes-chart", lambda: visit.page.select_option(".wb-queue select", queue),
                              html=True)


def satisfaction_what_if_feature(visit: Visit, feature: str = "transferred") -> Change:
    """Pick another driver for the what-if: the change in the top-box share shows the new number."""
    return visit.timed_change(".wb-what-if-result .wb-value",
                              lambda: visit.page.select_option(".wb-feature select", feature))


#: App name -> (benchmark name, the widget change timed in the browser).
INTERACTIONS: dict[str, tuple[str, Callable[[Visit], Change]]] = {
    "operations": ("operations_queue_filter", operations_queue_filter),
    "staffing": ("staffing_service_level_slider", staffing_service_level_slider),
    "topics": ("topics_queue_filter", topics_queue_filter),
    "satisfaction": ("satisfaction_what_if_feature", satisfaction_what_if_feature),
}
