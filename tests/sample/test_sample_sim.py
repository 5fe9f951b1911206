"""The queue simulation engine against queueing theory and its own routing rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.errors import InputDataError
from workbench.sample.queue_sim import run_simulation, simulate_single_queue
from workbench.staffing import erlang

RATE = 100 / 1800  # 100 calls per 30 minutes
AHT = 180.0
WARM_UP_SECONDS = 3600.0
HOURS = 40
REPLICATIONS = 8


def _replicate(agents: int, patience: float | None, metric) -> tuple[float, float]:
    """Mean of ``metric`` over independent replications and its standard error."""
    values = []
    for rep in range(REPLICATIONS):
        df = simulate_single_queue(RATE, agents, AHT, patience, HOURS * 3600.0, seed=1000 + 17 * rep)
        values.append(metric(df[df["arrival_seconds"] >= WARM_UP_SECONDS]))
    arr = np.array(values)
    return float(arr.mean()), float(arr.std(ddof=1) / np.sqrt(len(arr)))


def _service_level(df: pd.DataFrame) -> float:
    return float((df["answered"] & (df["wait_seconds"] <= 20)).mean())


@pytest.mark.parametrize("agents, patience", [(11, 120.0), (13, 300.0)])
def test_matches_erlang_a(agents: int, patience: float) -> None:
    theory = erlang.erlang_a(100, 30, AHT, agents, patience, 20)
    for metric, key in (
        (_service_level, "service_level"),
        (lambda df: float(df["abandoned"].mean()), "abandonment_probability"),
        (lambda df: float((df["wait_seconds"] > 0).mean()), "probability_of_waiting"),
    ):
        mean, se = _replicate(agents, patience, metric)
        # Four standard errors of the replication mean: a false alarm about 1 in 15,000.
        assert abs(mean - theory[key]) <= 4 * se + 0.003, (key, mean, theory[key], se)


def test_infinite_patience_matches_erlang_c() -> None:
    agents = 12
    pw_mean, pw_se = _replicate(agents, None, lambda df: float((df["wait_seconds"] > 0).mean()))
    assert abs(pw_mean - erlang.probability_of_waiting(100, 30, AHT, agents)) <= 4 * pw_se + 0.003
    asa_mean, asa_se = _replicate(agents, None, lambda df: float(df["wait_seconds"].mean()))
    assert abs(asa_mean - erlang.asa_seconds(100, 30, AHT, agents)) <= 4 * asa_se + 0.3
    df = simulate_single_queue(RATE, agents, AHT, None, 4 * 3600.0, seed=5)
    assert not df["abandoned"].any() and df["answered"].all()


def test_theory_would_catch_a_wrong_engine() -> None:
    """The tolerance is tight enough to tell 11 agents from 12."""
    mean, se = _replicate(11, 120.0, _service_level)
    wrong = erlang.erlang_a(100, 30, AHT, 12, 120.0, 20)["service_level"]
    assert abs(mean - wrong) > 4 * se + 0.003


@pytest.fixture(scope="module")
def busy_queue() -> pd.DataFrame:
    return simulate_single_queue(RATE, 10, AHT, 150.0, 12 * 3600.0, seed=3, service_distribution="lognormal")


def test_invariants(busy_queue: pd.DataFrame) -> None:
    df = busy_queue
    assert len(df) > 1000
    assert (df["wait_seconds"] >= 0).all()
    assert (df["answered"] ^ df["abandoned"]).all()
    ab = df[df["abandoned"]]
    ans = df[df["answered"]]
    # A caller hangs up exactly when patience runs out, and never after being answered.
    np.testing.assert_allclose(ab["wait_seconds"], ab["patience_seconds"])
    assert (ans["wait_seconds"] <= ans["patience_seconds"] + 1e-9).all()
    assert (ab["agent"] == -1).all() and ans["agent"].between(0, 9).all()
    np.testing.assert_allclose(ans["ended_at_seconds"] - ans["answered_at_seconds"], ans["service_seconds"])


def test_no_agent_serves_two_calls_at_once(busy_queue: pd.DataFrame) -> None:
    ans = busy_queue[busy_queue["answered"]].sort_values(["agent", "answered_at_seconds"])
    same_agent = ans["agent"].to_numpy()[1:] == ans["agent"].to_numpy()[:-1]
    gap = ans["answered_at_seconds"].to_numpy()[1:] - ans["ended_at_seconds"].to_numpy()[:-1]
    assert (gap[same_agent] >= -1e-9).all()


def test_fifo_and_work_conserving(busy_queue: pd.DataFrame) -> None:
    ans = busy_queue[busy_queue["answered"]]
    # FIFO: calls are taken in the order they arrived.
    assert (np.diff(ans["answered_at_seconds"].to_numpy()) >= 0).all()
    # Nobody waits while an agent is free: at every queued call's arrival all 10 are busy.
    starts = np.sort(ans["answered_at_seconds"].to_numpy())
    ends = np.sort(ans["ended_at_seconds"].to_numpy())
    waited = busy_queue[busy_queue["wait_seconds"] > 0]["arrival_seconds"].to_numpy()
    busy = np.searchsorted(starts, waited, side="right") - np.searchsorted(ends, waited, side="right")
    assert (busy == 10).all()


def test_same_seed_same_result() -> None:
    a = simulate_single_queue(RATE, 8, AHT, 200.0, 3600.0, seed=11)
    b = simulate_single_queue(RATE, 8, AHT, 200.0, 3600.0, seed=11)
    c = simulate_single_queue(RATE, 8, AHT, 200.0, 3600.0, seed=12)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_multi_skill_routing_and_shifts() -> None:
    """One agent with two skills and one shift block; hand-checked timeline."""
    arrival = np.array([0.0, 10.0, 20.0, 95.0, 101.0])
    queue = np.array([0, 1, 0, 0, 0])
    service = np.array([50.0, 10.0, 10.0, 30.0, 10.0])
    res = run_simulation(
        arrival_seconds=arrival,
        queue_index=queue,
        patience_seconds=np.array([np.inf, np.inf, np.inf, np.inf, 50.0]),
        fixed_seconds=np.zeros(5),
        scaled_seconds=service,
        agent_skills=[(0, 1)],
        agent_speed=np.array([1.0]),
        agent_blocks=[[(0.0, 100.0)]],
        n_queues=2,
    )
    # Free at 50: call 1 (queue 1, waiting since 10) beats call 2 (queue 0, since 20).
    np.testing.assert_allclose(res.assigned_at[:4], [0.0, 50.0, 60.0, 95.0])
    # Call 3 runs past the end of the block; call 4 arrives after it and can only abandon.
    assert res.answered[:4].all() and res.abandoned[4]
    assert res.queue_seconds[4] == pytest.approx(50.0)


def test_speed_factor_and_off_duty_agents() -> None:
    res = run_simulation(
        arrival_seconds=np.array([5.0, 6.0]),
        queue_index=np.array([0, 0]),
        patience_seconds=np.array([np.inf, np.inf]),
        fixed_seconds=np.array([3.0, 3.0]),
        scaled_seconds=np.array([100.0, 100.0]),
        agent_skills=[(0,), (0,)],
        agent_speed=np.array([1.5, 1.0]),
        agent_blocks=[[(0.0, 1000.0)], [(50.0, 1000.0)]],
        n_queues=1,
    )
    # Agent 0 is on duty from 0 and 1.5x slower; agent 1 starts at 50 and takes the waiting call.
    assert res.agent.tolist() == [0, 1]
    np.testing.assert_allclose(res.busy_seconds, [3.0 + 150.0, 103.0])
    np.testing.assert_allclose(res.assigned_at, [5.0, 50.0])


def test_bad_input_raises() -> None:
    kwargs = dict(
        queue_index=np.array([0, 0]), patience_seconds=np.array([1.0, 1.0]), fixed_seconds=np.zeros(2),
        scaled_seconds=np.ones(2), agent_skills=[(0,)], agent_speed=np.ones(1), agent_blocks=[[(0.0, 10.0)]],
        n_queues=1,
    )
    with pytest.raises(InputDataError, match="sorted"):
        run_simulation(arrival_seconds=np.array([5.0, 1.0]), **kwargs)
    with pytest.raises(InputDataError, match="service_distribution"):
        simulate_single_queue(RATE, 5, AHT, 100.0, 600.0, seed=1, service_distribution="weibull")
