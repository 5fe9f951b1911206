"""Straightforward per-interval Erlang implementations: the yardstick.

Nothing here is fast. Each function handles one interval at a time in plain
Python, the way the formulas are written in a textbook, so the vectorised
functions of :mod:`workbench.staffing.erlang` can be checked against them (tests)
and timed against them (``tests/bench_erlang.py``).

* :func:`erlang_a_single` solves the M/M/n+M birth-death chain state by state
  (truncated where the remaining mass is below ~1e-20) and integrates the
  tagged caller's progress through the queue with a matrix exponential.
* :func:`erlang_c_required_agents_loop` and :func:`erlang_a_required_agents_loop`
  try n = 0, 1, 2, ... for each interval until every constraint holds.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["erlang_a_single", "erlang_a_loop", "erlang_c_required_agents_loop", "erlang_a_required_agents_loop"]

# Chain truncation: states whose log-probability is this far below the
# largest one carry less than ~1e-20 of the mass in total.
_LOG_TAIL_CUTOFF = 46.0

# The same slack the vectorised search allows on the caps, so both agree.
_CAP_SLACK = 1e-12


def erlang_a_single(lam: float, mu: float, theta: float, n: int, target: float) -> tuple[float, ...]:
    """Exact M/M/n+M metrics for one case (rates per second).

    Returns (P(wait), P(abandon), E[queue], occupancy, service level).
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.linalg import expm_multiply
    from scipy.special import gammaln, logsumexp

    if lam <= 0:
        return 0.0, 0.0, 0.0, 0.0, 1.0
    if n == 0 and theta == 0:
        return 1.0, 0.0, np.inf, 0.0, 0.0
    if theta == 0 and lam >= n * mu:
        return 1.0, 0.0, np.inf, 1.0, 0.0
    load = lam / mu
    k = np.arange(n + 1)
    log_low = k * np.log(load) - gammaln(k + 1)
    if theta > 0:
        # Queue lengths j = 1, 2, ...: the chain's drift turns negative after
        # j0 and the tail then falls off like a Poisson with variance lam/theta.
        j0 = max(0.0, (lam - n * mu) / theta)
        j_max = int(j0 + 15.0 * np.sqrt(lam / theta) + 60)
        while True:
            j = np.arange(1, j_max + 1)
            log_high = log_low[-1] + np.cumsum(np.log(lam) - np.log(n * mu + j * theta))
            peak = max(log_low.max(), log_high.max())
            if log_high[-1] < peak - _LOG_TAIL_CUTOFF or j_max > 50_000_000:
                break
            j_max *= 2
    else:
        # Erlang C: geometric tail with ratio rho < 1, summed in closed form below.
        log_high = np.empty(0)
    log_all = np.concatenate([log_low, log_high])
    if theta == 0:
        rho = lam / (n * mu)
        log_tail_mass = log_low[-1] + np.log(rho) - np.log1p(-rho)
        log_norm = logsumexp(np.append(log_all, log_tail_mass))
        p_n = np.exp(log_low[-1] - log_norm)
        p_wait = p_n / (1.0 - rho)
        queue_mean = p_n * rho / (1.0 - rho) ** 2
        occ = load / n
        sl = 1.0 - p_wait * np.exp(-(n * mu - lam) * target)
        return p_wait, 0.0, queue_mean, occ, sl
    pi = np.exp(log_all - logsumexp(log_all))
    busy = np.minimum(np.arange(pi.size), n)
    p_wait = float(pi[n:].sum())
    queue_mean = float(np.dot(pi[n + 1 :], np.arange(1, pi.size - n)))
    p_abandon = theta * queue_mean / lam
    occ = float(np.dot(pi, busy)) / n if n > 0 else 0.0
    sl = float(pi[:n].sum())
    if target > 0 and n > 0:
        # A tagged arrival finding j callers ahead moves up at rate n*mu + j*theta
        # and gives up at rate theta; integrate the absorbed-into-service mass.
        ahead = np.arange(pi.size - n)
        size = ahead.size + 1  # the extra last state collects "answered"
        # Column convention p' = G p: G[j-1, j] is the move-up rate out of j.
        rows = np.concatenate([np.arange(size), ahead[:-1], [size - 1]])
        cols = np.concatenate([np.arange(size), ahead[1:], [0]])
        vals = np.concatenate([-(n * mu + ahead * theta + theta), [0.0], n * mu + ahead[1:] * theta, [n * mu]])
        generator = coo_matrix((vals, (rows, cols)), shape=(size, size)).tocsr()
        end = expm_multiply(generator * target, np.append(pi[n:], 0.0))
        sl += float(end[-1])
    return p_wait, p_abandon, queue_mean, occ, min(max(sl, 0.0), 1.0)


def erlang_a_loop(
    calls: Any,
    interval_minutes: Any,
    aht_seconds: Any,
    agents: Any,
    mean_patience_seconds: Any,
    target_answer_seconds: Any = 20,
) -> dict[str, np.ndarray]:
    """Erlang A metrics interval by interval with :func:`erlang_a_single`.

    Same arguments and keys as :func:`workbench.staffing.erlang.erlang_a`
    (always arrays). ``np.inf`` patience gives Erlang C.

    >>> m = erlang_a_loop(100, 30, 180, 14, 300, 20)
    >>> round(float(m["abandonment_probability"][0]), 6)
    0.013984
    """
    arrays = [np.atleast_1d(np.asarray(v, dtype=float)) for v in
              (calls, interval_minutes, aht_seconds, agents, mean_patience_seconds, target_answer_seconds)]
    arrays = [a.ravel() for a in np.broadcast_arrays(*arrays)]
    names = ("probability_of_waiting", "abandonment_probability", "asa_seconds", "occupancy", "service_level")
    out = {name: np.empty(arrays[0].size) for name in names}
    for i, (c, m, h, n, p, t) in enumerate(zip(*arrays)):
        lam = c / (m * 60.0)
        theta = 0.0 if math.isinf(p) else 1.0 / p
        p_wait, p_ab, queue_mean, occ, sl = erlang_a_single(lam, 1.0 / h, theta, int(n), float(t))
        for name, value in zip(names, (p_wait, p_ab, queue_mean / lam if lam > 0 else 0.0, occ, sl)):
            out[name][i] = value
    return out


def erlang_c_required_agents_loop(
    calls: Any,
    interval_minutes: Any,
    aht_seconds: Any,
    service_level_target: Any,
    target_answer_seconds: Any,
    max_occupancy: Any = 1.0,
    target_asa_seconds: Any = None,
) -> np.ndarray:
    """Erlang C required agents, one interval at a time, n = 1, 2, ... upwards.

    The rule of :func:`workbench.staffing.erlang.required_agents`: the smallest
    n above the load with the service level (and ASA) target met and occupancy
    at most ``max_occupancy``; 0 when no calls are offered. Erlang B runs its
    recursion ``B(n) = A B(n-1) / (n + A B(n-1))`` from ``B(0) = 1``.

    >>> erlang_c_required_agents_loop([100, 0], 30, 180, 0.8, 20, 0.85).tolist()
    [14, 0]
    """
    no_sl = service_level_target is None
    no_asa = target_asa_seconds is None
    arrays = [np.atleast_1d(np.asarray(v, dtype=float)) for v in (
        calls, interval_minutes, aht_seconds, 0.0 if no_sl else service_level_target, target_answer_seconds,
        max_occupancy, np.inf if no_asa else target_asa_seconds)]
    arrays = [a.ravel() for a in np.broadcast_arrays(*arrays)]
    result = np.zeros(arrays[0].size, dtype=np.int64)
    for i, (c, m, h, sl_target, t, occ_max, asa_max) in enumerate(zip(*arrays)):
        load = c * h / (m * 60.0)
        if load <= 0:
            continue
        blocking, k = 1.0, 0
        while True:
            k += 1
            blocking = load * blocking / (k + load * blocking)
            if k <= load:
                continue
            rho = load / k
            p_wait = min(max(blocking / (1.0 - rho * (1.0 - blocking)), 0.0), 1.0)
            sl = 1.0 - p_wait * math.exp(-(k - load) * t / h)
            asa = p_wait * h / (k - load)
            if (no_sl or sl >= sl_target) and asa <= asa_max and rho <= occ_max + _CAP_SLACK:
                result[i] = k
                break
    return result


def erlang_a_required_agents_loop(
    calls: Any,
    interval_minutes: Any,
    aht_seconds: Any,
    mean_patience_seconds: Any,
    service_level_target: Any = None,
    target_answer_seconds: Any = 20,
    max_occupancy: Any = 1.0,
    max_abandonment: Any = 1.0,
    target_asa_seconds: Any = None,
) -> np.ndarray:
    """Erlang A required agents, one interval at a time, n = 0, 1, 2, ... upwards.

    The rule of :func:`workbench.staffing.erlang.erlang_a_required_agents`,
    evaluated with the exact chain of :func:`erlang_a_single`.

    >>> erlang_a_required_agents_loop(100, 30, 180, 300, 0.8, 20, 0.85, 0.05).tolist()
    [13]
    """
    no_sl = service_level_target is None
    no_asa = target_asa_seconds is None
    arrays = [np.atleast_1d(np.asarray(v, dtype=float)) for v in (
        calls, interval_minutes, aht_seconds, mean_patience_seconds, 0.0 if no_sl else service_level_target,
        target_answer_seconds, max_occupancy, max_abandonment, np.inf if no_asa else target_asa_seconds)]
    arrays = [a.ravel() for a in np.broadcast_arrays(*arrays)]
    result = np.zeros(arrays[0].size, dtype=np.int64)
    for i, (c, m, h, p, sl_target, t, occ_max, ab_max, asa_max) in enumerate(zip(*arrays)):
        lam = c / (m * 60.0)
        if lam <= 0:
            continue
        theta = 0.0 if math.isinf(p) else 1.0 / p
        n = 0
        while True:
            p_wait, p_ab, queue_mean, occ, sl = erlang_a_single(lam, 1.0 / h, theta, n, float(t))
            stable = theta > 0 or n * (1.0 / h) > lam
            if (stable and (no_sl or sl >= sl_target) and queue_mean / lam <= asa_max
                    and occ <= occ_max + _CAP_SLACK and p_ab <= ab_max + _CAP_SLACK):
                result[i] = n
                break
            n += 1
    return result
