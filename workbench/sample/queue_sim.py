"""Discrete-event simulation of a multi-skill call centre (heapq event loop).

One engine, :func:`run_simulation`, serves both the full sample call centre
(:mod:`workbench.sample.generate`) and the single-queue check against queueing
theory (:func:`simulate_single_queue`), so a test that matches Erlang A is a
test of the engine that produced the sample data.

Routing rules (what a common ACD does):
    * Each queue is FIFO.
    * An arriving call goes to the longest-idle on-duty agent who has its
      skill; if there is none it waits.
    * An agent who becomes free takes the longest-waiting call among all the
      queues of its skills.
    * A waiting caller hangs up when their patience runs out; once an agent is
      reserved for the call (ringing), the caller no longer abandons.
    * At the end of an on-duty block an agent finishes the current call,
      then leaves; calls still waiting can only abandon.

Times are float seconds from an arbitrary origin; nothing is rounded here.
"""

from __future__ import annotations

import heapq
from collections import deque
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from workbench.errors import InputDataError

# Event kinds, ordered so that at equal times capacity is released before it
# is used: an agent finishing or starting a block first, then abandonment;
# arrivals are streamed from the sorted input and come after all of these.
_FINISH, _SHIFT_START, _SHIFT_END, _ABANDON = 0, 1, 2, 3


@dataclass(frozen=True)
class SimulationResult:
    """Per-call outcome arrays of :func:`run_simulation` (aligned with the input calls).

    Attributes:
        agent: index of the serving agent, -1 if the call was not answered.
        answered: True when an agent took the call.
        abandoned: True when the caller hung up while waiting.
        queue_seconds: time from arrival to agent assignment or to hang-up
            (NaN for a call still waiting when the simulation ended).
        assigned_at: absolute time the agent was reserved (NaN if not answered).
        busy_seconds: time the agent was occupied by the call (fixed part plus
            speed-scaled part), NaN if not answered.
    """

    agent: np.ndarray
    answered: np.ndarray
    abandoned: np.ndarray
    queue_seconds: np.ndarray
    assigned_at: np.ndarray
    busy_seconds: np.ndarray


def run_simulation(
    arrival_seconds: np.ndarray,
    queue_index: np.ndarray,
    patience_seconds: np.ndarray,
    fixed_seconds: np.ndarray,
    scaled_seconds: np.ndarray,
    agent_skills: Sequence[Sequence[int]],
    agent_speed: np.ndarray,
    agent_blocks: Sequence[Sequence[tuple[float, float]]],
    n_queues: int,
    progress: bool = False,
) -> SimulationResult:
    """Run the event loop over a day-spanning stream of calls.

    Args:
        arrival_seconds: arrival time of every call, sorted ascending.
        queue_index: queue (skill) of every call, 0..n_queues-1.
        patience_seconds: how long each caller is willing to wait (``inf`` = forever).
        fixed_seconds: agent-busy time that does not depend on the agent (e.g. ring).
        scaled_seconds: agent-busy time multiplied by the agent's speed factor
            (talk, hold and wrap-up).
        agent_skills: for every agent, the queue indices it serves.
        agent_speed: speed factor of every agent (1 = average; 1.2 = 20 % slower).
        agent_blocks: for every agent, sorted non-overlapping on-duty
            ``(start, end)`` blocks; ``(0, inf)`` for always on duty.
        n_queues: number of queues.
        progress: show a tqdm bar over arrivals.

    Returns:
        A :class:`SimulationResult` whose arrays are aligned with the calls.
    """
    arrival = np.asarray(arrival_seconds, dtype=float)
    n_calls = arrival.size
    queue = np.asarray(queue_index, dtype=np.int64)
    patience = np.asarray(patience_seconds, dtype=float)
    fixed = np.asarray(fixed_seconds, dtype=float)
    scaled = np.asarray(scaled_seconds, dtype=float)
    speed = np.asarray(agent_speed, dtype=float)
    for name, arr in (("queue_index", queue), ("patience_seconds", patience), ("fixed_seconds", fixed),
                      ("scaled_seconds", scaled)):
        if arr.shape != arrival.shape:
            raise InputDataError(f"{name} has {arr.size} values, expected {n_calls} (one per call)", field=name)
    if n_calls and np.any(np.diff(arrival) < 0):
        raise InputDataError("arrival_seconds must be sorted ascending", field="arrival_seconds")
    if n_calls and (queue.min() < 0 or queue.max() >= n_queues):
        raise InputDataError(f"queue_index must lie in 0..{n_queues - 1}", field="queue_index")
    n_agents = len(agent_skills)
    if speed.size != n_agents or len(agent_blocks) != n_agents:
        raise InputDataError("agent_skills, agent_speed and agent_blocks must have one entry per agent")

    agent_of = np.full(n_calls, -1, dtype=np.int64)
    state = np.zeros(n_calls, dtype=np.int8)  # 0 waiting/not arrived, 1 answered, 2 abandoned
    queue_secs = np.full(n_calls, np.nan)
    assigned_at = np.full(n_calls, np.nan)
    busy_secs = np.full(n_calls, np.nan)

    skills = [tuple(int(q) for q in s) for s in agent_skills]
    on_duty = [False] * n_agents
    busy = [False] * n_agents
    token = [0] * n_agents  # bumps whenever an agent's idle entries go stale
    waiting: list[deque[int]] = [deque() for _ in range(n_queues)]
    idle: list[list[tuple[float, int, int, int]]] = [[] for _ in range(n_queues)]

    events: list[tuple[float, int, int, int]] = []
    seq = 0
    for a, blocks in enumerate(agent_blocks):
        for start, end in blocks:
            events.append((float(start), _SHIFT_START, seq, a))
            seq += 1
            if np.isfinite(end):
                events.append((float(end), _SHIFT_END, seq, a))
                seq += 1
    heapq.heapify(events)

    def assign(a: int, c: int, now: float) -> None:
        nonlocal seq
        state[c] = 1
        agent_of[c] = a
        queue_secs[c] = now - arrival[c]
        assigned_at[c] = now
        duration = fixed[c] + scaled[c] * speed[a]
        busy_secs[c] = duration
        busy[a] = True
        token[a] += 1
        heapq.heappush(events, (now + duration, _FINISH, seq, a))
        seq += 1

    def take_or_idle(a: int, now: float) -> None:
        nonlocal seq
        best_call, best_q = -1, -1
        for q in skills[a]:
            line = waiting[q]
            while line and state[line[0]] != 0:
                line.popleft()  # abandoned callers are removed lazily
            if line and (best_call < 0 or arrival[line[0]] < arrival[best_call]
                         or (arrival[line[0]] == arrival[best_call] and line[0] < best_call)):
                best_call, best_q = line[0], q
        if best_call >= 0:
            waiting[best_q].popleft()
            assign(a, best_call, now)
            return
        token[a] += 1
        for q in skills[a]:
            heapq.heappush(idle[q], (now, seq, a, token[a]))
        seq += 1

    def pop_idle(q: int) -> int:
        heap = idle[q]
        while heap:
            _, _, a, tok = heap[0]
            if on_duty[a] and not busy[a] and token[a] == tok:
                heapq.heappop(heap)
                return a
            heapq.heappop(heap)
        return -1

    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=n_calls, desc="simulating calls", unit="call", disable=None)

    next_call = 0
    while next_call < n_calls or events:
        # At equal times pending events go first, so freed capacity is visible.
        if next_call < n_calls and (not events or arrival[next_call] < events[0][0]):
            c = next_call
            next_call += 1
            now = float(arrival[c])
            q = int(queue[c])
            a = pop_idle(q)
            if a >= 0:
                assign(a, c, now)
            else:
                waiting[q].append(c)
                if np.isfinite(patience[c]):
                    heapq.heappush(events, (now + patience[c], _ABANDON, seq, c))
                    seq += 1
            if bar is not None and next_call % 4096 == 0:
                bar.update(4096)
            continue
        now, kind, _, who = heapq.heappop(events)
        if kind == _ABANDON:
            if state[who] == 0:
                state[who] = 2
                queue_secs[who] = now - arrival[who]
        elif kind == _FINISH:
            busy[who] = False
            if on_duty[who]:
                take_or_idle(who, now)
        elif kind == _SHIFT_START:
            on_duty[who] = True
            if not busy[who]:
                take_or_idle(who, now)
        elif kind == _SHIFT_END:
            on_duty[who] = False
            token[who] += 1
    if bar is not None:
        bar.update(n_calls - bar.n)
        bar.close()

    return SimulationResult(
        agent=agent_of,
        answered=state == 1,
        abandoned=state == 2,
        queue_seconds=queue_secs,
        assigned_at=assigned_at,
        busy_seconds=busy_secs,
    )


def _service_times(rng: np.random.Generator, n: int, mean_seconds: float, distribution: str) -> np.ndarray:
    if distribution == "exponential":
        return rng.exponential(mean_seconds, n)
    if distribution == "lognormal":
        # Coefficient of variation 1, like the exponential, but with a real mode.
        sigma = np.sqrt(np.log(2.0))
        return rng.lognormal(np.log(mean_seconds) - sigma**2 / 2, sigma, n)
    if distribution == "deterministic":
        return np.full(n, float(mean_seconds))
    raise InputDataError(
        f"service_distribution must be 'exponential', 'lognormal' or 'deterministic', found {distribution!r}",
        field="service_distribution",
    )


def simulate_single_queue(
    arrival_rate_per_second: float,
    agents: int,
    mean_service_seconds: float,
    mean_patience_seconds: float | None,
    duration_seconds: float,
    seed: int,
    service_distribution: str = "exponential",
) -> pd.DataFrame:
    """Simulate one queue with constant staffing through :func:`run_simulation`.

    Poisson arrivals over ``[0, duration_seconds)``, ``agents`` always on duty,
    exponential patience (``None`` or ``inf`` = callers never hang up). Calls
    still queued at the end are served to completion, so every call has an
    outcome. Meant for checking the engine against Erlang A / Erlang C.

    Args:
        arrival_rate_per_second: Poisson arrival rate.
        agents: agents on duty the whole time.
        mean_service_seconds: mean handle time.
        mean_patience_seconds: mean of the exponential patience, or None.
        duration_seconds: length of the arrival window.
        seed: seed of the numpy Generator.
        service_distribution: "exponential", "lognormal" (CV 1) or "deterministic".

    Returns:
        One row per call with columns ``call_index``, ``arrival_seconds``,
        ``patience_seconds``, ``service_seconds``, ``answered``,
        ``abandoned``, ``wait_seconds`` (queue time until answer or hang-up),
        ``agent`` (-1 if abandoned), ``answered_at_seconds`` and
        ``ended_at_seconds``.

    >>> df = simulate_single_queue(0.05, 10, 180, 300, 3600, seed=1)
    >>> bool((df["wait_seconds"] >= 0).all()), bool((df["answered"] ^ df["abandoned"]).all())
    (True, True)
    """
    if arrival_rate_per_second <= 0 or duration_seconds <= 0 or mean_service_seconds <= 0 or agents < 1:
        raise InputDataError("expected positive arrival rate, duration, service time and at least one agent")
    rng = np.random.default_rng(seed)
    n = int(rng.poisson(arrival_rate_per_second * duration_seconds))
    arrival = np.sort(rng.uniform(0.0, duration_seconds, n))
    if mean_patience_seconds is None or not np.isfinite(mean_patience_seconds):
        patience = np.full(n, np.inf)
    else:
        patience = rng.exponential(mean_patience_seconds, n)
    service = _service_times(rng, n, mean_service_seconds, service_distribution)
    result = run_simulation(
        arrival_seconds=arrival,
        queue_index=np.zeros(n, dtype=np.int64),
        patience_seconds=patience,
        fixed_seconds=np.zeros(n),
        scaled_seconds=service,
        agent_skills=[(0,)] * agents,
        agent_speed=np.ones(agents),
        agent_blocks=[((0.0, np.inf),)] * agents,
        n_queues=1,
    )
    answered_at = np.where(result.answered, result.assigned_at, np.nan)
    return pd.DataFrame(
        {
            "call_index": np.arange(n),
            "arrival_seconds": arrival,
            "patience_seconds": patience,
            "service_seconds": service,
            "answered": result.answered,
            "abandoned": result.abandoned,
            "wait_seconds": result.queue_seconds,
            "agent": result.agent,
            "answered_at_seconds": answered_at,
            "ended_at_seconds": answered_at + np.where(result.answered, result.busy_seconds, np.nan),
        }
    )
