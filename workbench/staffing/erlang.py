"""Erlang C (M/M/N) and Erlang A (M/M/N+M) queueing formulas, vectorised.

Every function takes scalars or numpy arrays (broadcast against each other)
and returns a numpy array, or a Python float for all-scalar input. Traffic is
given the way planners think about it: ``calls`` offered in an interval of
``interval_minutes`` with an average handle time ``aht_seconds``; the offered
load is ``calls * aht_seconds / (interval_minutes * 60)`` Erlangs.

Nothing evaluates a factorial. Erlang C runs the Erlang B recursion
``B(n) = A B(n-1) / (n + A B(n-1))``, whose terms stay in [0, 1], or for
large centres B's closed form through the incomplete gamma function in log
space. Erlang A (exponential patience) uses closed forms of the M/M/N+M
birth-death chain, derived above :func:`_erlang_a_arrays`: Erlang B plus
Kummer's function ``1F1(1; a + 1; x)`` for the queue, both as logarithms, so
tens of thousands of agents neither overflow nor lose precision and every
interval is computed at once. The state-by-state chain survives as the
yardstick in :mod:`workbench.staffing.reference`.

Required agents: :func:`required_agents` (Erlang C) and
:func:`erlang_a_required_agents` find the fewest agents for a service-level
or ASA target under an occupancy cap (and, for Erlang A, an abandonment
cap), for all intervals at once; :func:`staffing_requirements` does it for a
table of intervals and adds shrinkage.

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
from scipy.special import gammainc, gammaincc, gammaln, roots_laguerre

from workbench.errors import InputDataError
from workbench.glossary import require_columns

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
    "erlang_a_required_agents",
]

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
    """Erlang B blocking probability B(N, A).

    Up to 400 agents by the stable forward recursion, beyond that by the
    closed form in log space (see :func:`_erlang_b_start`), for every element
    at once.

    Args:
        agents: number of servers N (whole numbers).
        load_erlangs: offered load A in Erlangs.

    >>> erlang_b(1, 1.0), erlang_b(2, 1.0)
    (0.5, 0.2)
    """
    n_arr = _agents_array(agents)
    a_arr = np.asarray(load_erlangs, dtype=float)
    n_b, a_b = (x.ravel() for x in np.broadcast_arrays(n_arr, a_arr))
    # No servers block everything; no load blocks nothing.
    blocking = np.where(n_b == 0, 1.0, 0.0)
    busy = (n_b > 0) & (a_b > 0)
    if np.any(busy):
        blocking[busy] = _erlang_b_start(n_b[busy].astype(float), a_b[busy])
    shape = np.broadcast_shapes(np.shape(n_arr), np.shape(a_arr))
    return _out(blocking.reshape(shape), agents, load_erlangs)


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


def _check_targets(service_level_target: Any, target_asa_seconds: Any, max_occupancy: Any) -> None:
    if service_level_target is None and target_asa_seconds is None:
        raise InputDataError("give a service_level_target, a target_asa_seconds or both", field="service_level_target")
    if service_level_target is not None:
        sl = np.asarray(service_level_target, dtype=float)
        if np.any((sl < 0) | (sl >= 1)):
            raise InputDataError(f"service_level_target must be in [0, 1), found {service_level_target!r}",
                                 field="service_level_target")
    if target_asa_seconds is not None and np.any(np.asarray(target_asa_seconds, dtype=float) <= 0):
        raise InputDataError(f"target_asa_seconds must be positive, found {target_asa_seconds!r}",
                             field="target_asa_seconds")
    occ = np.asarray(max_occupancy, dtype=float)
    if np.any((occ <= 0) | (occ > 1)):
        raise InputDataError(f"max_occupancy must be in (0, 1], found {max_occupancy!r}", field="max_occupancy")


# Up to this many agents Erlang B comes from its recursion (cheap, and the
# very arithmetic of the plain loop); beyond it from the closed form.
_RECURSION_MAX_AGENTS = 400


def _erlang_b_start(agents: np.ndarray, load: np.ndarray) -> np.ndarray:
    """B(agents, load) for 1-d arrays (agents >= 1, load > 0).

    Small cases run the recursion ``B(k) = A B(k-1) / (k + A B(k-1))`` all at
    once, sorted by agents so step k touches only the cases still climbing
    (work = total agents, not count x maximum); large ones use
    :func:`_log_inv_erlang_b`.
    """
    out = np.empty(agents.size)
    small = agents <= _RECURSION_MAX_AGENTS
    if np.any(~small):
        out[~small] = np.exp(-_log_inv_erlang_b(agents[~small], load[~small]))
    if np.any(small):
        # int16 keys let numpy use its linear-time radix sort.
        order = np.argsort(-agents[small].astype(np.int16), kind="stable")
        steps, a = agents[small][order], load[small][order]
        blocking = np.ones(steps.size)
        # climbing[k-1] = how many cases need step k (steps sorted descending).
        climbing = np.searchsorted(-steps, -np.arange(1, int(steps[0]) + 1), side="right")
        product, denominator = np.empty(steps.size), np.empty(steps.size)
        for k, m in enumerate(climbing, start=1):
            # In place: this loop is most of the work for ordinary centres.
            ab, den = product[:m], denominator[:m]
            np.multiply(a[:m], blocking[:m], out=ab)
            np.add(ab, k, out=den)
            np.divide(ab, den, out=blocking[:m])
        picked = np.empty(steps.size)
        picked[order] = blocking
        out[small] = picked
    return out


def required_agents(
    calls: Any,
    interval_minutes: Any,
    aht_seconds: Any,
    service_level_target: Any,
    target_answer_seconds: Any,
    max_occupancy: Any = 1.0,
    target_asa_seconds: Any = None,
) -> Any:
    """Fewest agents on the phones meeting a service level (or ASA) target and an occupancy cap.

    The smallest N > A with ``service_level >= service_level_target``,
    ``asa_seconds <= target_asa_seconds`` (each when given) and ``A / N <=
    max_occupancy`` (Erlang C); 0 when no calls are offered.

    The search starts every interval at the first stable, occupancy-feasible
    N with Erlang B there in closed form (:func:`_log_inv_erlang_b`), then
    steps all unfinished intervals up together with the recursion, so the
    work is a few array passes however large the centre; the answers are
    those of the plain loop :func:`workbench.staffing.reference.erlang_c_required_agents_loop`.

    Args:
        calls: calls offered in the interval.
        interval_minutes: interval length in minutes.
        aht_seconds: average handle time in seconds.
        service_level_target: fraction (0..1) to answer within the target, or
            None for an ASA target only.
        target_answer_seconds: the service-level threshold in seconds.
        max_occupancy: upper bound on A/N, a fraction in (0, 1].
        target_asa_seconds: upper bound on the average speed of answer, or None.

    Returns:
        Whole numbers of agents (int for scalar input).

    >>> required_agents(100, 30, 180, 0.8, 20, max_occupancy=0.70)
    15
    >>> required_agents([0, 100, 200], 30, 180, 0.8, 20).tolist()
    [0, 14, 24]
    >>> required_agents(200, 60, 180, None, 20, target_asa_seconds=120)  # ASA <= 2 minutes
    12
    """
    _check_targets(service_level_target, target_asa_seconds, max_occupancy)
    inputs = (calls, interval_minutes, aht_seconds, service_level_target, target_answer_seconds,
              max_occupancy, target_asa_seconds)
    load = np.asarray(traffic_erlangs(calls, interval_minutes, aht_seconds), dtype=float)
    no_sl = service_level_target is None
    arrays = np.broadcast_arrays(
        load,
        np.asarray(aht_seconds, dtype=float),
        np.asarray(0.0 if no_sl else service_level_target, dtype=float),
        np.asarray(target_answer_seconds, dtype=float),
        np.asarray(max_occupancy, dtype=float),
        np.asarray(np.inf if target_asa_seconds is None else target_asa_seconds, dtype=float),
    )
    shape = arrays[0].shape
    load, aht, sl_target, target, occ_max, asa_max = (a.ravel() for a in arrays)
    result = np.zeros(load.size, dtype=np.int64)
    todo = np.flatnonzero(load > 0)
    # First candidate: above the load, and at most one below the occupancy bound.
    k = np.maximum(np.floor(load[todo]) + 1, np.floor(load[todo] / (occ_max[todo] + _CAP_SLACK)))
    blocking = _erlang_b_start(k, load[todo])
    safe_aht = np.where(aht > 0, aht, 1.0)
    check_asa = target_asa_seconds is not None
    while todo.size:
        a = load[todo]
        rho = a / k
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            pw = np.minimum(np.maximum(blocking / (1.0 - rho * (1.0 - blocking)), 0.0), 1.0)
            ok = (k > a) & (rho <= occ_max[todo] + _CAP_SLACK)
            if not no_sl:
                ok &= 1.0 - pw * np.exp(-(k - a) * target[todo] / safe_aht[todo]) >= sl_target[todo]
            if check_asa:
                ok &= pw * aht[todo] / (k - a) <= asa_max[todo]
        result[todo[ok]] = k[ok]
        keep = ~ok
        todo, k, blocking = todo[keep], k[keep] + 1, blocking[keep]
        a = load[todo] * blocking
        blocking = a / (k + a)
    if all(np.ndim(x) == 0 for x in inputs if x is not None):
        return int(result[0])
    return result.reshape(shape)


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
    mean_patience_seconds: float | None = None,
    max_abandonment: float = 1.0,
) -> pd.DataFrame:
    """Required and scheduled agents for every row of a table of intervals.

    Erlang C by default; Erlang A when callers' patience is known, from the
    ``mean_patience_seconds`` argument or, when that is None, from a
    ``mean_patience_seconds`` column (per queue, e.g. from
    :func:`workbench.staffing.patience.estimate_patience`; ``inf`` = Erlang C).

    Args:
        intervals: must have columns ``calls`` (offered in the interval) and
            ``aht_seconds``; other columns are passed through.
        interval_minutes: interval length in minutes.
        service_level_target: fraction to answer within ``target_answer_seconds``.
        target_answer_seconds: service-level threshold in seconds.
        max_occupancy: upper bound on occupancy, a fraction.
        shrinkage: share of paid time not on the phones, a fraction.
        mean_patience_seconds: mean exponential patience for Erlang A, or None.
        max_abandonment: Erlang A only: upper bound on the abandoned share.

    Returns:
        A copy of ``intervals`` with added columns ``load_erlangs``,
        ``raw_agents``, ``scheduled_agents``, ``service_level``,
        ``probability_of_waiting``, ``asa_seconds`` and ``occupancy`` (the
        last four at ``raw_agents``), ``abandonment_probability`` (0 under
        Erlang C), and the settings used, one value per row so the table is
        self-describing for :func:`workbench.staffing.what_if.what_if`:
        ``interval_minutes``, ``service_level_target``,
        ``target_answer_seconds``, ``max_occupancy``, ``shrinkage``,
        ``mean_patience_seconds`` (``inf`` under Erlang C) and ``max_abandonment``.

    >>> df = pd.DataFrame({"calls": [100.0], "aht_seconds": [180.0]})
    >>> staffing_requirements(df)[["raw_agents", "scheduled_agents"]].iloc[0].tolist()
    [14, 20]
    >>> staffing_requirements(df, mean_patience_seconds=300, max_abandonment=0.05)["raw_agents"].tolist()
    [13]
    """
    require_columns(intervals, ["calls", "aht_seconds"], "staffing_requirements")
    out = intervals.copy()
    calls = out["calls"].to_numpy(dtype=float)
    aht = out["aht_seconds"].to_numpy(dtype=float)
    if mean_patience_seconds is not None:
        patience = np.full(len(out), float(mean_patience_seconds))
    elif "mean_patience_seconds" in out.columns:
        patience = out["mean_patience_seconds"].to_numpy(dtype=float)
    else:
        patience = np.full(len(out), np.inf)
    if np.any(np.isnan(patience)):
        raise InputDataError("mean_patience_seconds has missing values (use inf for Erlang C)",
                             field="mean_patience_seconds")
    erlang_a_rows = np.isfinite(patience)
    # Erlang C wherever patience is infinite: identical answers, and the
    # published worked examples are Erlang C.
    raw = np.asarray(
        required_agents(calls, interval_minutes, aht, service_level_target, target_answer_seconds, max_occupancy)
    ).copy()
    if erlang_a_rows.any():
        raw[erlang_a_rows] = erlang_a_required_agents(
            calls[erlang_a_rows], interval_minutes, aht[erlang_a_rows], patience[erlang_a_rows],
            service_level_target, target_answer_seconds, max_occupancy, max_abandonment,
        )
    metrics = erlang_a(calls, interval_minutes, np.where(aht > 0, aht, 1.0), raw, patience, target_answer_seconds)
    no_load = calls * aht <= 0
    out["load_erlangs"] = np.asarray(traffic_erlangs(calls, interval_minutes, aht))
    out["raw_agents"] = raw
    out["scheduled_agents"] = np.asarray(scheduled_agents(raw, shrinkage))
    out["service_level"] = np.where(no_load, 1.0, metrics["service_level"])
    out["probability_of_waiting"] = np.where(no_load, 0.0, metrics["probability_of_waiting"])
    out["asa_seconds"] = np.where(no_load, 0.0, metrics["asa_seconds"])
    out["occupancy"] = np.where(no_load, 0.0, metrics["occupancy"])
    out["abandonment_probability"] = np.where(no_load, 0.0, metrics["abandonment_probability"])
    out["interval_minutes"] = float(interval_minutes)
    out["service_level_target"] = float(service_level_target)
    out["target_answer_seconds"] = float(target_answer_seconds)
    out["max_occupancy"] = float(max_occupancy)
    out["shrinkage"] = float(shrinkage)
    out["mean_patience_seconds"] = patience
    out["max_abandonment"] = float(max_abandonment)
    return out


# ---------------------------------------------------------------- Erlang A
#
# Closed forms for M/M/n+M (arrival rate lam, service rate mu, abandonment rate
# theta, n agents), derived from the birth-death chain:
#
#   pi_k = pi_0 A^k / k!                       k <= n,  A = lam / mu
#   pi_{n+j} = pi_n prod_{i=1..j} lam / (n mu + i theta)
#
# With a = n mu / theta and x = lam / theta the queue part sums to
# S = sum_j prod_i x / (a + i) = K(a, x), where K(nu, z) = 1F1(1; nu + 1; z)
# = e^z z^-nu Gamma(nu + 1) P(nu, z) (P: regularised lower incomplete gamma);
# S = 1 + x / (a + 1) K(a + 1, x). The states up to n sum to pi_n / B(n, A)
# (Erlang B). So pi_n = 1 / (1/B + S - 1), P(wait) = pi_n S, and from
# sum_j j t_j = a + (x - a) S:  P(abandon) = pi_n (1 - K(a + 1, x) (a - x) / (a + 1)).
# A tagged caller who finds j others waiting is answered after a sum of
# exponentials with rates n mu + i theta (i = 0..j); summing its density over
# j gives pi_n n mu exp(-n mu t + x (1 - e^-theta t)), so the share answered
# within T after waiting is
#   pi_n a / (a + 1) [K(a + 1, x) - e^E K(a + 1, x e^-theta T)],
#   E = x (1 - e^-theta T) - (a + 1) theta T.
# Everything is evaluated through logarithms of K and of 1/B, so nothing
# overflows however many agents there are.

# Gauss-Laguerre rule for the two integral forms below. Once the integrand's
# curvature (z / d^2) is at most 1/4, 32 nodes agree with exact series to
# about 1e-13 (measured from 3 to 1e7 agents).
_LAGUERRE_NODES, _LAGUERRE_WEIGHTS = roots_laguerre(32)

# Occupancy and abandonment caps are met up to this slack, so a cap hit
# exactly (85 % of 20 agents = 17 Erlangs) counts as met despite rounding.
_CAP_SLACK = 1e-12


def _log_gamma_prefix(nu: np.ndarray, z: np.ndarray) -> np.ndarray:
    """``log(e^z z^-nu Gamma(nu + 1))`` for z > 0, without cancelling huge terms.

    For large nu the direct sum of ``z``, ``nu log z`` and ``lgamma`` loses
    digits (each term ~1e9 at 1e8); Stirling's series keeps only the small
    difference ``-nu (log1p(t) - t)`` with ``t = z / nu - 1``.

    >>> float(_log_gamma_prefix(np.array([3.0]), np.array([2.0]))[0]) == float(2 - 3 * np.log(2) + np.log(6))
    True
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        # Below 100 the direct sum is exact enough and the series is not (1e-11 at 13).
        big = nu >= 100
        nu_big = np.where(big, nu, 100.0)
        t = z / nu_big - 1.0
        stirling = (
            0.5 * np.log(2 * np.pi * nu_big)
            + 1 / (12 * nu_big)
            - 1 / (360 * nu_big**3)
            + 1 / (1260 * nu_big**5)
            - nu_big * (np.log1p(t) - t)
        )
        direct = z - nu * np.log(z) + gammaln(nu + 1)
    return np.where(big, stirling, direct)


def _log_kummer(nu: np.ndarray, z: np.ndarray) -> np.ndarray:
    """``log K(nu, z)``, ``K = 1F1(1; nu + 1; z) = sum_j z^j / ((nu + 1) ... (nu + j))``.

    Near or above the critical point (``(nu - z)^2 < 4 z``) through the
    incomplete gamma function, which is not small there; well below it, where
    that function underflows, through ``K = nu/d int_0^inf e^-v
    exp(-z h(v/d)) dv`` with ``d = nu - z`` and ``h(u) = u - 1 + e^-u``
    (Gauss-Laguerre).

    >>> round(float(np.exp(_log_kummer(np.array([2.0]), np.array([1.0]))[0])), 12)  # 1 + 1/3 + 1/12 + ...
    1.436563656918
    """
    nu, z = (np.array(v, dtype=float) for v in np.broadcast_arrays(nu, z))
    out = np.zeros(nu.shape)
    gap = nu - z
    far = (gap > 0) & (gap * gap >= 4 * z)
    near = ~far
    if np.any(near):
        with np.errstate(divide="ignore"):
            out[near] = np.log(gammainc(nu[near], z[near])) + _log_gamma_prefix(nu[near], z[near])
    if np.any(far):
        d, zf = gap[far][:, None], z[far][:, None]
        u = _LAGUERRE_NODES / d
        integral = np.exp(-zf * (u + np.expm1(-u))) @ _LAGUERRE_WEIGHTS
        out[far] = np.log(integral) + np.log(nu[far] / gap[far])
    return out


def _log_inv_erlang_b(n: np.ndarray, load: np.ndarray) -> np.ndarray:
    """``log(1 / B(n, A))`` for n >= 0 and A > 0, B the Erlang B blocking probability.

    ``1/B = sum_{k<=n} (A^k/k!) / (A^n/n!) = e^A A^-n n! Q(n + 1, A)``; far
    into overload, where the Poisson cdf Q underflows, through
    ``int_0^inf e^-t (1 + t/A)^n dt`` (Gauss-Laguerre).

    >>> float(np.exp(-_log_inv_erlang_b(np.array([2.0]), np.array([1.0]))[0]))  # B(2, 1) = 0.2
    0.2
    """
    n, load = (np.array(v, dtype=float) for v in np.broadcast_arrays(n, load))
    out = np.zeros(n.shape)
    excess = load - n
    far = (excess > 0) & (excess * excess >= 4 * n)
    near = ~far
    if np.any(near):
        nn, ln = n[near], load[near]
        with np.errstate(divide="ignore", invalid="ignore"):
            out[near] = np.log(gammaincc(nn + 1, ln)) + _log_gamma_prefix(nn + 1, ln) + np.log(ln / (nn + 1))
    if np.any(far):
        e, nf = excess[far][:, None], n[far][:, None]
        u = _LAGUERRE_NODES / e
        integral = np.exp(nf * (np.log1p(u) - u)) @ _LAGUERRE_WEIGHTS
        out[far] = np.log(integral) - np.log(excess[far] / load[far])
    return out


def _erlang_a_arrays(
    lam: np.ndarray, mu: np.ndarray, theta: np.ndarray, n: np.ndarray, target: np.ndarray
) -> tuple[np.ndarray, ...]:
    """M/M/n+M metrics for 1-d arrays of equal length (rates per second).

    Returns (P(wait), P(abandon), E[queue], occupancy, service level); theta
    = 0 is Erlang C (unstable when lam >= n mu).
    """
    size = lam.size
    p_wait, p_ab, queue, occ, sl = np.zeros(size), np.zeros(size), np.zeros(size), np.zeros(size), np.ones(size)
    offered = lam > 0
    n_f = n.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = np.where(n > 0, lam / (np.maximum(n_f, 1) * mu), np.inf)

    # No abandonment: Erlang C, closed form of B instead of its recursion.
    c_all = offered & (theta == 0)
    unstable = c_all & (rho >= 1)
    p_wait[unstable], queue[unstable], sl[unstable] = 1.0, np.inf, 0.0
    occ[unstable] = np.where(n[unstable] > 0, 1.0, 0.0)
    c = c_all & (rho < 1)
    if np.any(c):
        blocking = np.exp(-_log_inv_erlang_b(n_f[c], lam[c] / mu[c]))
        pw = blocking / (1.0 - rho[c] * (1.0 - blocking))
        p_wait[c], queue[c], occ[c] = pw, pw * rho[c] / (1.0 - rho[c]), rho[c]
        sl[c] = 1.0 - pw * np.exp(-(n_f[c] * mu[c] - lam[c]) * target[c])

    # Nobody to answer: every caller waits until they give up.
    nobody = offered & (theta > 0) & (n == 0)
    p_wait[nobody], p_ab[nobody], sl[nobody] = 1.0, 1.0, 0.0
    queue[nobody] = lam[nobody] / theta[nobody]

    g = offered & (theta > 0) & (n > 0)
    if np.any(g):
        lam_g, th, t, nn = lam[g], theta[g], target[g], n_f[g]
        a, x = nn * mu[g] / th, lam_g / th
        log_inv_b = _log_inv_erlang_b(nn, lam_g / mu[g])
        log_k_x = _log_kummer(a + 1, x)
        log_tail = np.log(x) - np.log(a + 1) + log_k_x  # S - 1
        log_pi_n = -np.logaddexp(log_inv_b, log_tail)
        pw = np.exp(np.logaddexp(0.0, log_tail) + log_pi_n)
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            over = np.log(np.maximum(x - a, 0)) - np.log(a + 1) + log_k_x
            ab_over = np.exp(log_pi_n + np.logaddexp(0.0, over))
            ab_under = np.exp(log_pi_n) * (1.0 - np.exp(log_k_x) * (a - x) / (a + 1))
        ab = np.clip(np.where(x >= a, ab_over, ab_under), 0.0, 1.0)
        decay = th * t
        y = x * np.exp(-decay)
        with np.errstate(invalid="ignore"):
            exponent = np.where(t > 0, x * -np.expm1(-decay) - (a + 1) * decay, 0.0)
            answered_after_wait = np.exp(log_pi_n + np.log(a / (a + 1)) + log_k_x) * -np.expm1(
                np.where(t > 0, exponent + _log_kummer(a + 1, y) - log_k_x, 0.0)
            )
        p_wait[g], p_ab[g] = np.minimum(pw, 1.0), ab
        queue[g] = ab * x
        occ[g] = np.minimum(rho[g] * (1.0 - ab), 1.0)
        sl[g] = np.clip(1.0 - pw + np.maximum(answered_after_wait, 0.0), 0.0, 1.0)
    return p_wait, p_ab, queue, occ, sl


def erlang_a(
    calls: Any,
    interval_minutes: Any,
    aht_seconds: Any,
    agents: Any,
    mean_patience_seconds: Any,
    target_answer_seconds: Any = 20,
) -> dict[str, Any]:
    """Erlang A (M/M/N+M) metrics, vectorised, from closed forms of the birth-death chain.

    Every argument may be a scalar or an array (broadcast against each other);
    the values agree with the state-by-state chain of
    :func:`workbench.staffing.reference.erlang_a_single` to ~1e-9 and nothing
    overflows with tens of thousands of agents.

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
    arrays = [a.ravel() for a in np.broadcast_arrays(calls_a, minutes, aht, n, patience, target)]
    shape = np.broadcast_shapes(*(np.shape(x) for x in (calls_a, minutes, aht, n, patience, target)))
    c, m, h, agents_n, p, t = arrays
    lam = c / (m * 60.0)
    with np.errstate(divide="ignore"):
        theta = np.where(np.isinf(p), 0.0, 1.0 / p)
    p_wait, p_ab, queue_mean, occ, sl = _erlang_a_arrays(lam, 1.0 / h, theta, agents_n, t)
    with np.errstate(divide="ignore", invalid="ignore"):
        asa = np.where(lam > 0, queue_mean / np.where(lam > 0, lam, 1.0), 0.0)
    results = {
        "probability_of_waiting": p_wait,
        "abandonment_probability": p_ab,
        "asa_seconds": asa,
        "occupancy": occ,
        "service_level": sl,
    }
    return {name: _out(value.reshape(shape), *inputs) for name, value in results.items()}


def _erlang_a_meets(
    n: np.ndarray, lam: np.ndarray, mu: np.ndarray, theta: np.ndarray, target: np.ndarray,
    sl_target: np.ndarray, asa_max: np.ndarray, occ_max: np.ndarray, ab_max: np.ndarray,
) -> np.ndarray:
    """Whether n agents meet every constraint (1-d arrays, rates per second)."""
    _, p_ab, queue_mean, occ, sl = _erlang_a_arrays(lam, mu, theta, n, target)
    stable = (theta > 0) | (n * mu > lam)
    with np.errstate(invalid="ignore"):
        return (
            stable
            & (sl >= sl_target)
            & (queue_mean / lam <= asa_max)
            & (occ <= occ_max + _CAP_SLACK)
            & (p_ab <= ab_max + _CAP_SLACK)
        )


def erlang_a_required_agents(
    calls: Any,
    interval_minutes: Any,
    aht_seconds: Any,
    mean_patience_seconds: Any,
    service_level_target: Any = None,
    target_answer_seconds: Any = 20,
    max_occupancy: Any = 1.0,
    max_abandonment: Any = 1.0,
    target_asa_seconds: Any = None,
) -> Any:
    """Fewest agents meeting an Erlang A service level or ASA target under caps.

    The smallest N with ``service_level >= service_level_target`` (answered
    within ``target_answer_seconds`` over all offered calls),
    ``asa_seconds <= target_asa_seconds`` (each when given), occupancy at most
    ``max_occupancy`` and abandonment share at most ``max_abandonment``; 0 when
    no calls are offered. Infinite patience is Erlang C (N must exceed the load).

    Every constraint is monotone in N, so all intervals are searched at once:
    a step up from the load until feasible, then bisection; each probe is one
    vectorised evaluation of :func:`erlang_a` on the unfinished intervals.
    The answers are those of the plain loop
    :func:`workbench.staffing.reference.erlang_a_required_agents_loop`.

    Args:
        calls: calls offered in the interval.
        interval_minutes: interval length in minutes.
        aht_seconds: mean handle time in seconds.
        mean_patience_seconds: mean exponential patience in seconds (``np.inf``: Erlang C).
        service_level_target: fraction (0..1) to answer within the target, or None.
        target_answer_seconds: the service-level threshold in seconds.
        max_occupancy: upper bound on occupancy, a fraction in (0, 1].
        max_abandonment: upper bound on the share of offered calls that abandon.
        target_asa_seconds: upper bound on the mean queue time over all arrivals, or None.

    Returns:
        Whole numbers of agents (int for scalar input).

    >>> erlang_a_required_agents(100, 30, 180, 300, 0.8, 20, max_occupancy=0.85, max_abandonment=0.05)
    13
    >>> erlang_a_required_agents([0, 100, 100], 30, 180, [300, 300, np.inf], 0.8, 20).tolist()
    [0, 13, 14]
    """
    _check_targets(service_level_target, target_asa_seconds, max_occupancy)
    ab = np.asarray(max_abandonment, dtype=float)
    if np.any((ab < 0) | (ab > 1)):
        raise InputDataError(f"max_abandonment must be in [0, 1], found {max_abandonment!r}", field="max_abandonment")
    inputs = (calls, interval_minutes, aht_seconds, mean_patience_seconds, service_level_target,
              target_answer_seconds, max_occupancy, max_abandonment, target_asa_seconds)
    load = np.asarray(traffic_erlangs(calls, interval_minutes, aht_seconds), dtype=float)
    patience = np.asarray(mean_patience_seconds, dtype=float)
    aht = np.asarray(aht_seconds, dtype=float)
    if np.any(patience <= 0) or np.any(aht <= 0):
        raise InputDataError("expected positive aht_seconds and mean_patience_seconds", field="mean_patience_seconds")
    arrays = np.broadcast_arrays(
        np.asarray(calls, dtype=float) / (np.asarray(interval_minutes, dtype=float) * 60.0),
        aht,
        patience,
        np.asarray(target_answer_seconds, dtype=float),
        np.asarray(-np.inf if service_level_target is None else service_level_target, dtype=float),
        np.asarray(np.inf if target_asa_seconds is None else target_asa_seconds, dtype=float),
        np.asarray(max_occupancy, dtype=float),
        ab,
        load,
    )
    shape = arrays[0].shape
    lam, aht, patience, target, sl_t, asa_t, occ_t, ab_t, load = (a.ravel() for a in arrays)
    mu = 1.0 / aht
    with np.errstate(divide="ignore"):
        theta = np.where(np.isinf(patience), 0.0, 1.0 / patience)
    result = np.zeros(lam.size, dtype=np.int64)

    def meets(idx: np.ndarray, n: np.ndarray) -> np.ndarray:
        return _erlang_a_meets(n, lam[idx], mu[idx], theta[idx], target[idx], sl_t[idx], asa_t[idx],
                               occ_t[idx], ab_t[idx])

    todo = np.flatnonzero(lam > 0)
    # No agents is its own case (occupancy 0, everyone abandons): with loose
    # caps it can pass, and above it the constraints are monotone in N.
    todo = todo[~meets(todo, np.zeros(todo.size))]
    # Bracket: lo infeasible, hi feasible. Start just above the load and step
    # up by sqrt(load)-sized, doubling strides; then bisect.
    guess = np.floor(load[todo]) + 1
    ok = meets(todo, guess)
    hi = np.where(ok, guess, 0.0)
    lo = np.where(ok, 0.0, guess)
    stride = np.ceil(np.sqrt(load[todo])) + 1
    open_ = ~ok
    while np.any(open_):
        idx = np.flatnonzero(open_)
        probe = lo[idx] + stride[idx]
        good = meets(todo[idx], probe)
        hi[idx[good]] = probe[good]
        lo[idx[~good]] = probe[~good]
        stride[idx[~good]] *= 2
        open_[idx[good]] = False
    while True:
        idx = np.flatnonzero(hi - lo > 1)
        if not idx.size:
            break
        mid = np.floor((lo[idx] + hi[idx]) / 2)
        good = meets(todo[idx], mid)
        hi[idx[good]] = mid[good]
        lo[idx[~good]] = mid[~good]
    result[todo] = hi.astype(np.int64)
    if all(np.ndim(x) == 0 for x in inputs if x is not None):
        return int(result[0])
    return result.reshape(shape)


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


def staffing_store_rows(staffing: pd.DataFrame, run_id: str) -> pd.DataFrame:
    """Staffing requirements in the shape of the store's ``staffing`` table.

    Args:
        staffing: a :func:`staffing_requirements` result; needs ``queue_id,
            interval_start, interval_minutes, calls, aht_seconds, raw_agents,
            scheduled_agents, service_level``.
        run_id: id of the run that made it.

    Returns:
        Columns ``run_id, queue_id, interval_start, interval_minutes, calls,
        aht_seconds, required_agents, scheduled_agents, service_level``
        (``required_agents`` is ``raw_agents``); the input is not mutated.
    """
    needed = ["queue_id", "interval_start", "interval_minutes", "calls", "aht_seconds", "raw_agents",
              "scheduled_agents", "service_level"]  # fmt: skip
    require_columns(staffing, needed, "staffing_store_rows")
    rows = staffing[needed].rename(columns={"raw_agents": "required_agents"}).copy()
    rows.insert(0, "run_id", run_id)
    rows["interval_start"] = pd.to_datetime(rows["interval_start"])
    rows["interval_minutes"] = rows["interval_minutes"].astype(int)
    return rows.reset_index(drop=True)
