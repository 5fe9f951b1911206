"""Benchmark: first render of each Voilà app against a bare Voilà notebook with one widget, same run.

Run by ``make bench`` (not part of ``make test``). Writes
``outputs/bench/apps.json`` with:

* ``first_render_seconds``: from navigation to the app's KPI tiles and first
  chart drawn (the bare notebook: to its slider), in Debian's Chromium, each
  page opened ``REPEATS`` times (every visit starts a fresh kernel: the apps
  use a prelaunch hook, so no preheated kernels); median, min and max.
* ``browser_interaction_seconds``: a widget change until the page shows the
  new number (operations: the queue filter; staffing: the service-level slider).
* ``kernel_update_seconds``: the apps' own update time per interaction,
  in-process, on the two-day sample store and (when present) the demo store
  ``data/warehouse.duckdb``.

Requests to anything but the local servers are aborted, as in the browser tests.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from workbench import paths

REPEATS = 3
CHROMIUM = "/usr/bin/chromium"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(command: list[str], env: dict[str, str], log: Path, port: int) -> subprocess.Popen:
    process = subprocess.Popen(command, env=env, stdout=open(log, "wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
            return process
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if process.poll() is not None:
                raise RuntimeError(log.read_text())
            time.sleep(0.3)
    process.terminate()
    raise RuntimeError(f"server on port {port} did not start:\n{log.read_text()}")


def _summary(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 3), "min": round(min(values), 3),
            "max": round(max(values), 3), "runs": [round(v, 3) for v in values]}


def _kernel_timings(store_path: Path) -> dict[str, dict[str, float]]:
    from workbench.apps import OperationsApp, StaffingApp
    from workbench.params import OperationsAppParameters, StaffingAppParameters

    ops = OperationsApp(OperationsAppParameters(store_path=str(store_path)))
    timings: dict[str, list[float]] = {"operations_filter": [], "operations_drill": [], "staffing_slider": []}
    for queue in [*ops.queue.options[1:6], "all"]:
        ops.queue.value = queue
        timings["operations_filter"].append(ops.last_update_seconds)
    for call_set in ("offered", "answered", "abandoned"):
        ops.call_set.value = call_set
        timings["operations_drill"].append(ops.last_update_seconds)
    ops.close()
    staffing = StaffingApp(StaffingAppParameters(store_path=str(store_path)))
    for value in (0.85, 0.9, 0.95, 0.8):
        staffing.service_level_target.value = value
        timings["staffing_slider"].append(staffing.last_update_seconds)
    for value in (0.1, 0.2, 0.0):
        staffing.volume_uplift.value = value
        timings["staffing_slider"].append(staffing.last_update_seconds)
    staffing.close()
    return {name: _summary(values) for name, values in timings.items()}


@pytest.mark.slow
@pytest.mark.browser
def test_bench_apps(tmp_path):
    from playwright.sync_api import sync_playwright

    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    from workbench.apps.sample_store import build_sample_store

    store = build_sample_store(tmp_path / "store", days=2, seed=1)
    bare = tmp_path / "bare" / "bare.ipynb"
    bare.parent.mkdir()
    nbformat.write(new_notebook(cells=[new_code_cell("import ipywidgets\nipywidgets.IntSlider(description='bare')")],
                                metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                         "language": "python"}}), bare)
    env = {**os.environ, "WORKBENCH_STORE": str(store), "WORKBENCH_OUTPUTS_DIR": str(tmp_path / "outputs")}
    apps_port, bare_port = _free_port(), _free_port()
    bin_dir = Path(sys.executable).parent
    apps = _start([str(bin_dir / "workbench"), "serve", "--port", str(apps_port)], env, tmp_path / "apps.log",
                  apps_port)
    plain = _start([str(bin_dir / "voila"), str(bare), "--no-browser", f"--port={bare_port}",
                    "--Voila.ip=127.0.0.1"], env, tmp_path / "bare.log", bare_port)
    pages = {
        "bare_voila_one_widget": (f"http://127.0.0.1:{bare_port}/", ".widget-slider"),
        "operations": (f"http://127.0.0.1:{apps_port}/voila/render/operations.ipynb", ".wb-heatmap svg"),
        "staffing": (f"http://127.0.0.1:{apps_port}/voila/render/staffing.ipynb", ".wb-heatmap svg"),
    }
    renders: dict[str, list[float]] = {name: [] for name in pages}
    interactions: dict[str, list[float]] = {"operations_queue_filter": [], "staffing_service_level_slider": []}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                                 args=["--headless", "--no-sandbox", "--disable-gpu"])
            for _ in range(REPEATS):
                for name, (url, selector) in pages.items():
                    page = browser.new_page(viewport={"width": 1280, "height": 1600})
                    page.route("**/*", lambda route: route.continue_()
                               if route.request.url.startswith("http://127.0.0.1:") else route.abort())
                    started = time.perf_counter()
                    page.goto(url, timeout=180_000)
                    page.wait_for_selector(selector, timeout=180_000)
                    renders[name].append(time.perf_counter() - started)
                    if name == "operations":
                        tile = ".wb-tile[data-kpi='offered'] .wb-value"
                        before = page.inner_text(tile)
                        started = time.perf_counter()
                        page.select_option(".wb-queue select", "billing")
                        page.wait_for_function(f"() => document.querySelector(\"{tile}\").innerText !== {before!r}",
                                               timeout=30_000)
                        interactions["operations_queue_filter"].append(time.perf_counter() - started)
                    if name == "staffing":
                        tile = ".wb-tile[data-kpi='required_agent_hours'] .wb-value"
                        before = page.inner_text(tile)
                        page.locator(".wb-sl-target .noUi-handle").focus()
                        started = time.perf_counter()
                        page.keyboard.press("ArrowRight")
                        page.wait_for_function(f"() => document.querySelector(\"{tile}\").innerText !== {before!r}",
                                               timeout=30_000)
                        interactions["staffing_service_level_slider"].append(time.perf_counter() - started)
                    page.close()
            browser.close()
    finally:
        for process in (apps, plain):
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()

    kernel = {"sample_2_days": _kernel_timings(store)}
    demo = paths.store_path()
    if demo.exists():
        try:
            kernel["demo_store"] = _kernel_timings(demo)
        except Exception as exc:  # the demo store may be mid-write by make demo
            kernel["demo_store"] = {"error": str(exc)}
    result = {
        "benchmark": "apps",
        "repeats": REPEATS,
        "first_render_seconds": {name: _summary(values) for name, values in renders.items()},
        "first_render_over_bare": {
            name: round(statistics.median(renders[name]) / statistics.median(renders["bare_voila_one_widget"]), 2)
            for name in ("operations", "staffing")
        },
        "browser_interaction_seconds": {name: _summary(values) for name, values in interactions.items()},
        "kernel_update_seconds": kernel,
        "notes": "fresh kernel per visit (prelaunch hook, no preheated kernels); 2 cores shared with other work",
    }
    out = paths.outputs_dir() / "bench" / "apps.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps(result, indent=2))
    assert max(v["max"] for v in result["browser_interaction_seconds"].values()) < 2.0
