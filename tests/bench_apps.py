"""Benchmark: first render of each Voilà app against a bare Voilà notebook with one widget, same run.

Run by ``make bench`` (not part of ``make test``). Writes
``outputs/bench/apps.json`` with:

* ``first_render_seconds``: from navigation until the app's first view is
  drawn (operations, staffing: KPI tiles and heatmap; topics: sizes chart and
  redacted examples; satisfaction: drivers chart and what-if result; the bare
  notebook: its slider), in Debian's Chromium, each page opened ``REPEATS``
  times, pages interleaved; median, min and max. Every app is measured twice:
  served as ``workbench serve`` serves it (one warm spare kernel, handed to
  the next visit and refilled behind it) and with ``--spare-kernels 0`` (a
  kernel started per visit, as plain Voilà does with a prelaunch hook).
  ``first_render_over_bare``: each app's median over the bare notebook's.
* ``warm_kernels_handed_out``: visits that got a spare (from the server log),
  out of the visits made; a visit arriving before the refill finished starts
  its own kernel.
* ``browser_interaction_seconds``: a widget change until the page shows its
  effect (operations: the queue filter, the offered tile; staffing: the
  service-level slider, the agent-hours tile; topics: the queue filter, the
  sizes chart redrawn; satisfaction: the what-if driver, its result), and
  ``interactions_under_one_second``, the issue's goal, read off the maxima.
* ``kernel_update_seconds``: each app's own update time per interaction,
  in-process, on the two-day sample store (and for operations and staffing
  the demo store ``data/warehouse.duckdb`` when present).
* ``load_average``: ``os.getloadavg()`` before and after the browser part
  (2 cores shared with other work: read the timings with it).

The apps read the same data as the browser tests (the two-day sample store
with a topic run, and satisfaction tables), and each visit asserts the app
drew its charts rather than a "missing results" notice. Requests to anything
but the local servers are aborted, as in the browser tests
(``tests/apps_browser_support.py`` loads the pages for both).
"""

from __future__ import annotations

import json
import os
import statistics
from contextlib import ExitStack
from pathlib import Path

import pytest

from workbench import paths

from apps_browser_support import (
    APPS,
    BARE_READY,
    INTERACTIONS,
    Visit,
    chromium,
    prepare_sample_data,
    serve_apps,
    serve_bare,
)

REPEATS = 3
BARE = "bare_voila_one_widget"
COLD = "_no_spare_kernel"  # suffix of the apps measured with --spare-kernels 0
INTERACTION_GOAL_SECONDS = 1.0


def _summary(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 3), "min": round(min(values), 3),
            "max": round(max(values), 3), "runs": [round(v, 3) for v in values]}


def _results_timings(store_path: Path, outputs: Path) -> dict[str, dict[str, float]]:
    """Update times of the apps that read finished results: topics (queue filter), satisfaction (what-if)."""
    from workbench.apps import SatisfactionApp, TopicsApp
    from workbench.params import SatisfactionAppParameters, TopicsAppParameters

    before = os.environ.get("WORKBENCH_OUTPUTS_DIR")
    os.environ["WORKBENCH_OUTPUTS_DIR"] = str(outputs)
    try:
        topics = TopicsApp(TopicsAppParameters(store_path=str(store_path)))
        timings: dict[str, list[float]] = {"topics_filter": [], "satisfaction_what_if": []}
        for queue in [*topics.queue.options[1:6], "all"]:
            topics.queue.value = queue
            timings["topics_filter"].append(topics.last_update_seconds)
        topics.close()
        satisfaction = SatisfactionApp(SatisfactionAppParameters())
        for feature in [*satisfaction.feature.options, satisfaction.feature.options[0]]:
            satisfaction.feature.value = feature
            timings["satisfaction_what_if"].append(satisfaction.last_update_seconds)
        for change in (-60.0, -120.0, 30.0):
            satisfaction.change.value = change
            timings["satisfaction_what_if"].append(satisfaction.last_update_seconds)
    finally:
        if before is None:
            os.environ.pop("WORKBENCH_OUTPUTS_DIR", None)
        else:
            os.environ["WORKBENCH_OUTPUTS_DIR"] = before
    return {name: _summary(values) for name, values in timings.items() if values}


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


def _load() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()]


@pytest.mark.slow
@pytest.mark.browser
def test_bench_apps(tmp_path):
    store, outputs = prepare_sample_data(tmp_path / "store")
    renders: dict[str, list[float]] = {name: [] for name in (BARE, *APPS, *(name + COLD for name in APPS))}
    reloads: dict[str, int] = {name: 0 for name in renders}
    interactions: dict[str, list[float]] = {label: [] for label, _ in INTERACTIONS.values()}
    load_before = _load()
    with ExitStack() as stack:
        warm = stack.enter_context(serve_apps(tmp_path, store, outputs))
        cold = stack.enter_context(serve_apps(tmp_path, store, outputs, spare_kernels=0))
        bare = stack.enter_context(serve_bare(tmp_path / "bare"))
        browser = stack.enter_context(chromium())
        for _ in range(REPEATS):
            visit = Visit(browser, bare.base)
            renders[BARE].append(visit.open("/", ready=BARE_READY))
            reloads[BARE] += visit.reloads
            visit.close()
            for name in APPS:
                for server, key in ((warm, name), (cold, name + COLD)):
                    visit = Visit(browser, server.base)
                    renders[key].append(visit.open_app(name))
                    reloads[key] += visit.reloads
                    visit.assert_drawn(name)  # charts, not the "missing results" notice
                    if server is warm:
                        label, interact = INTERACTIONS[name]
                        interactions[label].append(interact(visit).seconds)
                    assert visit.external == [], f"{name}: requests left the server: {visit.external}"
                    assert visit.errors == [], f"{name}: JavaScript console errors: {visit.errors}"
                    visit.close()
        handed_out = warm.log.read_text(encoding="utf-8", errors="replace").count("Handing out warm kernel")
        assert "Handing out warm kernel" not in cold.log.read_text(encoding="utf-8", errors="replace")
    load_after = _load()

    kernel = {"sample_2_days": {**_kernel_timings(store), **_results_timings(store, outputs)}}
    demo = paths.store_path()
    if demo.exists():
        try:
            kernel["demo_store"] = _kernel_timings(demo)
        except Exception as exc:  # the demo store may be mid-write by make demo
            kernel["demo_store"] = {"error": str(exc)}
    bare_median = statistics.median(renders[BARE])
    result = {
        "benchmark": "apps",
        "repeats": REPEATS,
        "first_render_seconds": {name: _summary(values) for name, values in renders.items()},
        "first_render_over_bare": {name: round(statistics.median(renders[name]) / bare_median, 2)
                                   for name in renders if name != BARE},
        "warm_kernels_handed_out": {"visits": REPEATS * len(APPS), "handed_out": handed_out},
        "browser_interaction_seconds": {name: _summary(values) for name, values in interactions.items()},
        "interactions_under_one_second": all(max(v) < INTERACTION_GOAL_SECONDS for v in interactions.values()),
        "kernel_update_seconds": kernel,
        "stalled_page_reloads": reloads,
        "load_average": {"before": load_before, "after": load_after, "cores": os.cpu_count()},
        "notes": "apps: one warm spare kernel (workbench serve's default); <app>_no_spare_kernel: a kernel "
                 "started per visit; pages interleaved; 2 cores shared with other work",
    }
    out = paths.outputs_dir() / "bench" / "apps.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps(result, indent=2))
    assert handed_out > 0, "no visit got a warm kernel"
