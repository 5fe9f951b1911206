"""Benchmark: Erlang staffing for 100,000 intervals, vectorised vs a per-interval loop.

Run by ``make bench`` (not part of ``make test``). Writes
``outputs/bench/erlang.json`` with, for Erlang C required agents and for
Erlang A required agents, the time of the vectorised function and of the
straightforward loop in :mod:`workbench.staffing.reference`, measured in the
same run on the same intervals, their ratio, and whether the answers are
identical.

The Erlang C loop runs on all 100,000 intervals. The Erlang A loop (the exact
birth-death chain, one interval and one agent count at a time) needs about a
tenth of a second per interval, hours for all of them, so it runs on a random
subset and its time is extrapolated linearly (intervals are independent);
the JSON says so and records the subset size.
"""

from __future__ import annotations

import json
import resource
import statistics
import time

import numpy as np

from workbench import paths
from workbench.staffing import erlang, reference

INTERVALS = 100_000
ERLANG_A_LOOP_SUBSET = 200
SEED = 2026
SETTINGS = {"interval_minutes": 30, "service_level_target": 0.8, "target_answer_seconds": 20,
            "max_occupancy": 0.85, "max_abandonment": 0.05}


def _intervals(size: int, seed: int) -> dict[str, np.ndarray]:
    """Volumes like a mid-size centre's queues: gamma-distributed, 10 % closed intervals."""
    rng = np.random.default_rng(seed)
    calls = rng.gamma(2.0, 60.0, size)
    calls[rng.random(size) < 0.1] = 0.0
    return {"calls": calls, "aht_seconds": rng.uniform(120, 600, size),
            "mean_patience_seconds": rng.uniform(60, 600, size)}


def _timed(function, *args, repeats: int = 1, **kwargs) -> tuple[float, np.ndarray]:
    """Median wall time over ``repeats`` runs (other work shares this machine) and the value."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        value = function(*args, **kwargs)
        times.append(time.perf_counter() - started)
    return statistics.median(times), np.asarray(value)


def test_erlang_staffing_vectorised_against_loop():
    data = _intervals(INTERVALS, SEED)
    calls, aht, patience = data["calls"], data["aht_seconds"], data["mean_patience_seconds"]
    s = SETTINGS
    c_args = (calls, s["interval_minutes"], aht, s["service_level_target"], s["target_answer_seconds"],
              s["max_occupancy"])

    # Erlang C: both on every interval.
    c_vector_seconds, c_vector = _timed(erlang.required_agents, *c_args, repeats=3)
    c_loop_seconds, c_loop = _timed(reference.erlang_c_required_agents_loop, *c_args, repeats=3)
    assert np.array_equal(c_vector, c_loop)
    # A second, common kind of loop: the public function called one interval at a time.
    rows = np.random.default_rng(SEED + 1).choice(INTERVALS, 2_000, replace=False)
    started = time.perf_counter()
    per_row = [erlang.required_agents(float(calls[i]), 30, float(aht[i]), 0.8, 20, 0.85) for i in rows]
    c_per_row_seconds = (time.perf_counter() - started) * INTERVALS / rows.size
    assert per_row == c_vector[rows].tolist()

    # Erlang A: vectorised on every interval, the exact chain on a random subset.
    a_args = (calls, s["interval_minutes"], aht, patience, s["service_level_target"], s["target_answer_seconds"],
              s["max_occupancy"], s["max_abandonment"])
    a_vector_seconds, a_vector = _timed(erlang.erlang_a_required_agents, *a_args, repeats=3)
    subset = np.sort(np.random.default_rng(SEED + 2).choice(INTERVALS, ERLANG_A_LOOP_SUBSET, replace=False))
    a_sub_args = (calls[subset], s["interval_minutes"], aht[subset], patience[subset]) + a_args[4:]
    a_loop_subset_seconds, a_loop = _timed(reference.erlang_a_required_agents_loop, *a_sub_args)
    assert np.array_equal(a_vector[subset], a_loop)
    a_loop_seconds = a_loop_subset_seconds * INTERVALS / ERLANG_A_LOOP_SUBSET

    # Erlang A metrics at the planned agents (what a what-if recomputes).
    m_vector_seconds, _ = _timed(lambda: erlang.erlang_a(calls, 30, aht, a_vector, patience, 20)["service_level"],
                                 repeats=3)
    started = time.perf_counter()
    chain = reference.erlang_a_loop(calls[subset], 30, aht[subset], a_vector[subset], patience[subset], 20)
    m_loop_seconds = (time.perf_counter() - started) * INTERVALS / ERLANG_A_LOOP_SUBSET
    vector_sub = erlang.erlang_a(calls[subset], 30, aht[subset], a_vector[subset], patience[subset], 20)
    max_deviation = max(float(np.max(np.abs(vector_sub[k] - chain[k]))) for k in chain if k != "asa_seconds")

    result = {
        "benchmark": "erlang_staffing",
        "intervals": INTERVALS,
        "settings": SETTINGS,
        "data": "seeded: calls ~ gamma(2, 60) per 30 min (10 % zero), AHT U(120, 600) s, patience U(60, 600) s",
        "max_raw_agents": int(c_vector.max()),
        "erlang_c_required_agents": {
            "vectorised_seconds": c_vector_seconds,
            "loop": "reference.erlang_c_required_agents_loop: plain Python, Erlang B recursion from n = 1 "
                    "per interval, all 100,000 intervals",
            "loop_seconds": c_loop_seconds,
            "ratio_loop_to_vectorised": c_loop_seconds / c_vector_seconds,
            "identical_answers": True,
            "meets_100x_goal": c_loop_seconds / c_vector_seconds >= 100,
            "per_row_call_seconds_extrapolated": c_per_row_seconds,
            "per_row_call": "erlang.required_agents called once per interval, timed on 2,000 random intervals "
                            "and scaled to 100,000",
            "ratio_per_row_call_to_vectorised": c_per_row_seconds / c_vector_seconds,
        },
        "erlang_a_required_agents": {
            "vectorised_seconds": a_vector_seconds,
            "loop": "reference.erlang_a_required_agents_loop: exact birth-death chain, n = 0, 1, ... per interval",
            "loop_seconds_extrapolated": a_loop_seconds,
            "loop_measured_on_intervals": ERLANG_A_LOOP_SUBSET,
            "loop_measured_seconds": a_loop_subset_seconds,
            "extrapolation": f"loop timed on {ERLANG_A_LOOP_SUBSET} random intervals and scaled linearly "
                             f"to {INTERVALS}",
            "ratio_loop_to_vectorised": a_loop_seconds / a_vector_seconds,
            "identical_answers_on_subset": True,
            "meets_100x_goal": a_loop_seconds / a_vector_seconds >= 100,
        },
        "erlang_a_metrics": {
            "vectorised_seconds": m_vector_seconds,
            "loop_seconds_extrapolated": m_loop_seconds,
            "ratio_loop_to_vectorised": m_loop_seconds / m_vector_seconds,
            "max_abs_deviation_from_chain": max_deviation,
        },
        "goal": "vectorised at least 100x faster than the per-interval loop",
        "timing": "vectorised and Erlang C loop: median of 3 runs; Erlang A loops: one run on the subset",
        "peak_rss_megabytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    out = paths.outputs_dir() / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "erlang.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    assert max_deviation < 1e-8
