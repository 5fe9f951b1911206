"""Erlang C (M/M/N) and Erlang A (M/M/N+M) queueing formulas, vectorised.

Every function takes scalars or numpy arrays (broadcast against each other)
and returns a numpy array, or a Python float for all-scalar input. Traffic is
given the way planners think about it: ``calls`` offered in an interval of
``interval_minutes`` with an average handle time ``aht_seconds``; the offered
load is ``calls * aht_seconds / (interval_minutes * 60)`` Erlangs.

Erlang C never evaluates a factorial: it runs the Erlang B recursion
``B(n) = A B(n-1) / (n + A B(n-1))``, whose terms stay in [0, 1], so a centre
with thousands of agents neither overflows nor loses precision. Erlang A
solves the exact birth-death chain of M/M/N+M (exponential patience) in log
space, truncated where the remaining probability is below 1e-20.

Conventions:
    * A queue with ``agents <= load`` is unstable under Erlang C: the
      probability of waiting is 1, the service level 0, ASA infinite and the
      occupancy 1.
    * Erlang A service level is the share of *all* offered calls that are
      answered within ``target_answer_seconds``; a caller who abandons counts
      as a miss whenever they hung up.
    * Erlang A ASA is E[number waiting] / arrival rate, i.e. the mean queue
      time over all arrivals, abandoned ones included (Little's law).

Example (the classic worked example: 100 calls in 30 minutes, 180 s AHT):

>>> round(float(probability_of_waiting(100, 30, 180, 14)), 4)
0.1741
>>> round(float(service_level(100, 30, 180, 14, 20)), 4)
0.8884
>>> required_agents(100, 30, 180, 0.8, 20, max_occupancy=0.85)
14
>>> scheduled_agents(14, shrinkage=0.3)
20
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from workbench.errors import InputDataError

__all__ = [
    "traffic_erlangs",
    "erlang_b",
    "probability_of_waiting",
    "service_level",
    "asa_seconds",
    "occupancy",
    "required_agents",
    "scheduled_agents",
    "staffing_requirements",
    "erlang_a",
    "erlang_a_probability_of_waiting",
    "erlang_a_abandonment_probability",
    "erlang_a_service_level",
    "erlang_a_asa_seconds",
    "erlang_a_occupancy",
]

# Erlang A truncation: states whose log-probability is this far below the
# largest one carry less than ~1e-20 of the mass in total.
_LOG_TAIL_CUTOFF = 46.0


def _out(value: np.ndarray, *inputs: Any) -> Any:
    """Return a float when every input was a scalar, else the array."""
    if all(np.ndim(x) == 0 for x in inputs):
        return float(np.asarray(value).reshape(-1)[0])
    return value


def _agents_array(agents: Any) -> np.ndarray:
    arr = np.asarray(agents, dtype=float)
    if np.any(arr < 0) or np.any(arr != np.floor(arr)):
        raise InputDataError(f"agents must be non-negative whole numbers, found {agents!r}", field="agents")
    return arr.astype(np.int64)


def traffic_erlangs(calls: Any, interval_minutes: Any, aht_seconds: Any) -> Any:
    """Offered load in Erlangs: ``calls * aht_seconds / (interval_minutes * 60)``.

    >>> traffic_erlangs(100, 30, 180)
    10.0
    """
    calls_arr = np.asarray(calls, dtype=float)
    minutes = np.asarray(interval_minutes, dtype=float)
    aht = np.asarray(aht_seconds, dtype=float)
    if np.any(calls_arr < 0) or np.any(minutes <= 0) or np.any(aht < 0):
        raise InputDataError(
            "expected calls >= 0, interval_minutes > 0 and aht_seconds >= 0, "
            f"found calls={calls!r}, interval_minutes={interval_minutes!r}, aht_seconds={aht_seconds!r}"
        )
    return _out(calls_arr * aht / (minutes * 60.0), calls, interval_minutes, aht_seconds)


def erlang_b(agents: Any, load_erlangs: Any) -> Any:
    """Erlang B blocking probability B(N, A) by the stable forward recursion.

    Args:
        agents: number of servers N (whole numbers).
        load_erlangs: offered load A in Erlangs.

    >>> erlang_b(1, 1.0), erlang_b(2, 1.0)
    (0.5, 0.2)
    """
    n_arr = _agents_array(agents)
    a_arr = np.asarray(load_erlangs, dtype=float)
    n_b, a_b = np.broadcast_arrays(n_arr, a_arr)
    blocking = np.ones(n_b.shape, dtype=float)
    n_max = int(n_b.max(initial=0))
    for k in range(1, n_max + 1):
        step = a_b * blocking / (k + a_b * blocking)
        blocking = np.where(k <= n_b, step, blocking)
    return _out(blocking, agents, load_erlangs)


def _erlang_c_core(load: np.ndarray, agents: np.ndarray) -> np.ndarray:
    """P(wait > 0) for broadcast arrays; 1 where the queue is unstable."""
    blocking = np.asarray(erlang_b(agents, load), dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = np.where(agents > 0, load / np.maximum(agents, 1), np.inf)
        pw = blocking / (1.0 - rho * (1.0 - blocking))
    pw = np.where(load <= 0, 0.0, pw)
    return np.where((agents <= load) & (load > 0), 1.0, np.clip(pw, 0.0, 1.0))


def probability_of_waiting(calls: Any, interval_minutes: Any, aht_seconds: Any, agents: Any) -> Any:
    """Erlang C probability that a call has to queue, P(wait > 0).

    Args:
        calls: calls offered in the interval.
        interval_minutes: interval length in minutes.
        aht_seconds: average handle time in seconds.
        agents: agents on the phones (whole numbers).

    >>> round(float(probability_of_waiting(100, 30, 180, 14)), 6)
    0.174132
    """
    load = np.asarray(traffic_erlangs(calls, interval_minutes, aht_seconds), dtype=float)
    n = _agents_array(agents)
    load, n = np.broadcast_arrays(load, n)
    return _out(_erlang_c_core(load, n), calls, interval_minutes, aht_seconds, agents)


def service_level(
    calls: Any, interval_minutes: Any, aht_seconds: Any, agents: Any, target_answer_seconds: Any
) -> Any:
    """Erlang C share of calls answered within ``target_answer_seconds``.

    ``SL = 1 - C(N, A) * exp(-(N - A) * target / AHT)``.

    >>> round(float(service_level(100, 30, 180, 14, 20)), 5)
    0.88835
    >>> service_level(100, 30, 180, [9, 10, 11], 20).round(3).tolist()
    [0.0, 0.0, 0.39]
    """
    load = np.asarray(traffic_erlangs(calls, interval_minutes, aht_seconds), dtype=float)
    n = _agents_array(agents)
    aht = np.asarray(aht_seconds, dtype=float)
    target = np.asarray(target_answer_seconds, dtype=float)
    load, n, aht, target = np.broadcast_arrays(load, n, aht, target)
    pw = _erlang_c_core(load, n)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        decay = np.exp(-(n - load) * target / np.where(aht > 0, aht, 1.0))
    sl = np.where(n > load, 1.0 - pw * decay, 0.0)
    sl = np.where(load <= 0, 1.0, sl)
    return _out(np.clip(sl, 0.0, 1.0), calls, interval_minutes, aht_seconds, agents, target_answer_seconds)


def asa_seconds(calls: Any, interval_minutes: Any, aht_seconds: Any, agents: Any) -> Any:
    """Erlang C average speed of answer (mean queue time over all calls), seconds.

    ``ASA = C(N, A) * AHT / (N - A)``; infinite when N <= A.

    >>> round(float(asa_seconds(100, 30, 180, 14)), 4)
    7.8359
    """
    load = np.asarray(traffic_erlangs(calls, interval_minutes, aht_seconds), dtype=float)
    n = _agents_array(agents)
    aht = np.asarray(aht_seconds, dtype=float)
    load, n, aht = np.broadcast_arrays(load, n, aht)
    pw = _erlang_c_core(load, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        asa = np.where(n > load, pw * aht / (n - load), np.inf)
    asa = np.where(load <= 0, 0.0, asa)
    return _out(asa, calls, interval_minutes, aht_seconds, agents)


def occupancy(calls: Any, interval_minutes: Any, aht_seconds: Any, agents: Any) -> Any:
    """Share of agent time spent handling calls, ``min(A / N, 1)``.

    >>> round(float(occupancy(100, 30, 180, 14)), 6)
    0.714286
    """
    load = np.asarray(traffic_erlangs(calls, interval_minutes, aht_seconds), dtype=float)
    n = _agents_array(agents)
    with np.errstate(divide="ignore", invalid="ignore"):
        occ = np.where(n > 0, np.minimum(load / np.maximum(n, 1), 1.0), np.where(load > 0, 1.0, 0.0))
    return _out(occ, calls, interval_minutes, aht_seconds, agents)


def required_agents(
    calls: Any,
    interval_minutes: Any,
    aht_seconds: Any,
    service_level_target: Any,
    target_answer_seconds: Any,
    max_occupancy: Any = 1.0,
) -> Any:
    """Fewest agents on the phones meeting a service level and an occupancy cap.

    The smallest N > A with ``service_level >= service_level_target`` and
    ``A / N <= max_occupancy`` (Erlang C); 0 when no calls are offered. One
    upward pass of the Erlang B recursion serves every element at once.

    Args:
        calls: calls offered in the interval.
        interval_minutes: interval length in minutes.
        aht_seconds: average handle time in seconds.
        service_level_target: fraction (0..1) to answer within the target.
        target_answer_seconds: the service-level threshold in seconds.
        max_occupancy: upper bound on A/N, a fraction in (0, 1].

    Returns:
        Whole numbers of agents (int for scalar input).

    >>> required_agents(100, 30, 180, 0.8, 20, max_occupancy=0.70)
    15
    >>> required_agents([0, 100, 200], 30, 180, 0.8, 20).tolist()
    [0, 14, 24]
    """
    load = np.asarray(traffic_erlangs(calls, interval_minutes, aht_seconds), dtype=float)
    aht = np.asarray(aht_seconds, dtype=float)
    sl_target = np.asarray(service_level_target, dtype=float)
    target = np.asarray(target_answer_seconds, dtype=float)
    occ_max = np.asarray(max_occupancy, dtype=float)
    if np.any((sl_target < 0) | (sl_target >= 1)):
        raise InputDataError(f"service_level_target must be in [0, 1), found {service_level_target!r}")
    if np.any((occ_max <= 0) | (occ_max > 1)):
        raise InputDataError(f"max_occupancy must be in (0, 1], found {max_occupancy!r}")
    load, aht, sl_target, target, occ_max = np.broadcast_arrays(load, aht, sl_target, target, occ_max)
    result = np.where(load <= 0, 0, -1).astype(np.int64)
    blocking = np.ones(load.shape, dtype=float)
    safe_aht = np.where(aht > 0, aht, 1.0)
    k = 0
    while np.any(result < 0):
        k += 1
        blocking = load * blocking / (k + load * blocking)
        rho = load / k
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            pw = np.clip(blocking / (1.0 - rho * (1.0 - blocking)), 0.0, 1.0)
            sl = 1.0 - pw * np.exp(-(k - load) * target / safe_aht)
        ok = (k > load) & (sl >= sl_target) & (rho <= occ_max + 1e-12) & (result < 0)
        result = np.where(ok, k, result)
    return int(result) if all(np.ndim(x) == 0 for x in (calls, aht_seconds, service_level_target)) else result


def scheduled_agents(raw_agents: Any, shrinkage: Any) -> Any:
    """Agents to schedule so ``raw_agents`` remain after shrinkage: ``ceil(raw / (1 - shrinkage))``.

    >>> scheduled_agents(np.array([14, 15]), 0.3).tolist()
    [20, 22]
    """
    raw = np.asarray(raw_agents, dtype=float)
    shrink = np.asarray(shrinkage, dtype=float)
    if np.any((shrink < 0) | (shrink >= 1)):
        raise InputDataError(f"shrinkage must be in [0, 1), found {shrinkage!r}", field="shrinkage")
    # The small epsilon stops 14 / 0.7 = 20.000000000000004 rounding up to 21.
    out = np.ceil(raw / (1.0 - shrink) - 1e-9).astype(np.int64)
    return int(out) if np.ndim(raw_agents) == 0 and np.ndim(shrinkage) == 0 else out


def staffing_requirements(
    intervals: pd.DataFrame,
    interval_minutes: float = 30,
    service_level_target: float = 0.8,
    target_answer_seconds: float = 20,
    max_occupancy: float = 0.85,
    shrinkage: float = 0.3,
) -> pd.DataFrame:
    """Erlang C requirements for every row of a table of intervals.

    Args:
        intervals: must have columns ``calls`` (offered in the interval) and
            ``aht_seconds``; other columns are passed through.
        interval_minutes: interval length in minutes.
        service_level_target: fraction to answer within ``target_answer_seconds``.
        target_answer_seconds: service-level threshold in seconds.
        max_occupancy: upper bound on occupancy, a fraction.
        shrinkage: share of paid time not on the phones, a fraction.

    Returns:
        A copy of ``intervals`` with added columns ``load_erlangs``,
        ``raw_agents``, ``scheduled_agents``, ``service_level``,
        ``probability_of_waiting``, ``asa_seconds`` and ``occupancy``
        (the last four at ``raw_agents``).

    >>> df = pd.DataFrame({"calls": [100.0], "aht_seconds": [180.0]})
    >>> staffing_requirements(df)[["raw_agents", "scheduled_agents"]].iloc[0].tolist()
    [14, 20]
    """
    for column in ("calls", "aht_seconds"):
        if column not in intervals.columns:
            raise InputDataError(f"missing required column '{column}'", field=column)
    out = intervals.copy()
    calls = out["calls"].to_numpy(dtype=float)
    aht = out["aht_seconds"].to_numpy(dtype=float)
    raw = np.asarray(
        required_agents(calls, interval_minutes, aht, service_level_target, target_answer_seconds, max_occupancy)
    )
    out["load_erlangs"] = np.asarray(traffic_erlangs(calls, interval_minutes, aht))
    out["raw_agents"] = raw
    out["scheduled_agents"] = np.asarray(scheduled_agents(raw, shrinkage))
    out["service_level"] = np.asarray(service_level(calls, interval_minutes, aht, raw, target_answer_seconds))
    out["probability_of_waiting"] = np.asarray(probability_of_waiting(calls, interval_minutes, aht, raw))
    out["asa_seconds"] = np.asarray(asa_seconds(calls, interval_minutes, aht, raw))
    out["occupancy"] = np.asarray(occupancy(calls, interval_minutes, aht, raw))
    return out


# ---------------------------------------------------------------- Erlang A


def _erlang_a_single(lam: float, mu: float, theta: float, n: int, target: float) -> tuple[float, ...]:
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


def erlang_a(
    calls: Any,
    interval_minutes: Any,
    aht_seconds: Any,
    agents: Any,
    mean_patience_seconds: Any,
    target_answer_seconds: Any = 20,
) -> dict[str, Any]:
    """Erlang A (M/M/N+M) metrics from the exact birth-death chain.

    Args:
        calls: calls offered in the interval.
        interval_minutes: interval length in minutes.
        aht_seconds: mean (exponential) handle time in seconds.
        agents: agents on the phones (whole numbers).
        mean_patience_seconds: mean of the exponential patience; ``np.inf``
            gives Erlang C.
        target_answer_seconds: service-level threshold in seconds.

    Returns:
        Dict with ``probability_of_waiting``, ``abandonment_probability``,
        ``asa_seconds`` (E[queue]/lambda over all arrivals), ``occupancy``
        and ``service_level`` (answered within target / all offered).

    >>> m = erlang_a(100, 30, 180, 14, 300, 20)
    >>> round(m["probability_of_waiting"], 5), round(m["abandonment_probability"], 6)
    (0.14526, 0.013984)
    >>> round(m["occupancy"], 6), round(m["asa_seconds"] / 60, 6)
    (0.704297, 0.069919)
    """
    inputs = (calls, interval_minutes, aht_seconds, agents, mean_patience_seconds, target_answer_seconds)
    calls_a = np.asarray(calls, dtype=float)
    minutes = np.asarray(interval_minutes, dtype=float)
    aht = np.asarray(aht_seconds, dtype=float)
    n = _agents_array(agents)
    patience = np.asarray(mean_patience_seconds, dtype=float)
    target = np.asarray(target_answer_seconds, dtype=float)
    if np.any(aht <= 0) or np.any(patience <= 0) or np.any(minutes <= 0) or np.any(calls_a < 0):
        raise InputDataError(
            "expected calls >= 0 and positive interval_minutes, aht_seconds and mean_patience_seconds"
        )
    arrays = np.broadcast_arrays(calls_a, minutes, aht, n, patience, target)
    shape = arrays[0].shape
    names = ("probability_of_waiting", "abandonment_probability", "asa_seconds", "occupancy", "service_level")
    results = {name: np.empty(shape, dtype=float) for name in names}
    # Each case has its own chain length, so this loops; cases are cheap.
    for idx in np.ndindex(shape):
        c, m, h, agents_i, p, t = (a[idx] for a in arrays)
        lam = c / (m * 60.0)
        theta = 0.0 if np.isinf(p) else 1.0 / p
        p_wait, p_ab, queue_mean, occ, sl = _erlang_a_single(lam, 1.0 / h, theta, int(agents_i), float(t))
        results["probability_of_waiting"][idx] = p_wait
        results["abandonment_probability"][idx] = p_ab
        results["asa_seconds"][idx] = queue_mean / lam if lam > 0 else 0.0
        results["occupancy"][idx] = occ
        results["service_level"][idx] = sl
    return {name: _out(value, *inputs) for name, value in results.items()}


def erlang_a_probability_of_waiting(
    calls: Any, interval_minutes: Any, aht_seconds: Any, agents: Any, mean_patience_seconds: Any
) -> Any:
    """Erlang A probability that an arriving call finds all agents busy.

    >>> round(erlang_a_probability_of_waiting(100, 30, 180, 13, 300), 6)
    0.225797
    """
    return erlang_a(calls, interval_minutes, aht_seconds, agents, mean_patience_seconds, 0)[
        "probability_of_waiting"
    ]


def erlang_a_abandonment_probability(
    calls: Any, interval_minutes: Any, aht_seconds: Any, agents: Any, mean_patience_seconds: Any
) -> Any:
    """Erlang A share of offered calls that abandon.

    >>> round(erlang_a_abandonment_probability(100, 30, 180, 13, 300), 6)
    0.024963
    """
    return erlang_a(calls, interval_minutes, aht_seconds, agents, mean_patience_seconds, 0)[
        "abandonment_probability"
    ]


def erlang_a_service_level(
    calls: Any,
    interval_minutes: Any,
    aht_seconds: Any,
    agents: Any,
    mean_patience_seconds: Any,
    target_answer_seconds: Any,
) -> Any:
    """Erlang A share of offered calls answered within ``target_answer_seconds``.

    With very long patience it approaches the Erlang C service level:

    >>> a = erlang_a_service_level(100, 30, 180, 14, 1e9, 20)
    >>> abs(a - service_level(100, 30, 180, 14, 20)) < 1e-5
    True
    """
    return erlang_a(calls, interval_minutes, aht_seconds, agents, mean_patience_seconds, target_answer_seconds)[
        "service_level"
    ]


def erlang_a_asa_seconds(
    calls: Any, interval_minutes: Any, aht_seconds: Any, agents: Any, mean_patience_seconds: Any
) -> Any:
    """Erlang A mean queue time over all arrivals (E[queue] / lambda), seconds.

    >>> round(erlang_a_asa_seconds(100, 30, 180, 13, 300) / 60, 6)
    0.124817
    """
    return erlang_a(calls, interval_minutes, aht_seconds, agents, mean_patience_seconds, 0)["asa_seconds"]


def erlang_a_occupancy(
    calls: Any, interval_minutes: Any, aht_seconds: Any, agents: Any, mean_patience_seconds: Any
) -> Any:
    """Erlang A occupancy: answered load over agents, ``lambda (1 - P_ab) AHT / N``.

    >>> round(erlang_a_occupancy(100, 30, 180, 13, 300), 6)
    0.750028
    """
    return erlang_a(calls, interval_minutes, aht_seconds, agents, mean_patience_seconds, 0)["occupancy"]
