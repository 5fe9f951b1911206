"""What became of each contact: resolution, repeat calls and caller identity.

Repeat calls are not extra arrivals. When a contact leaves the caller's issue
open (unresolved, or abandoned), the caller *intends* to call again after a
random delay; the next arrival on the same queue with the same topic after
that moment is that caller's repeat call. The total arrival stream therefore
stays exactly the Poisson process published in ``truth/arrival_rates.csv``,
while first-contact resolution and repeat rates are measurable from
``customer_id``.
"""

from __future__ import annotations

import heapq

import numpy as np
import pandas as pd

from workbench.sample.catalog import TOPIC_BY_ID

# Log-odds change of resolving the issue on a call that had to be transferred.
TRANSFER_RESOLUTION_LOGIT = -0.5
# Chance that a caller whose issue is still open calls again, by how the call ended.
RETRY_PROBABILITY = {"unresolved": 0.8, "abandoned": 0.6, "short_abandon": 0.25}
# Median and log-sd of the delay before the repeat call, in seconds.
RETRY_DELAY = {"unresolved": (20 * 3600.0, 1.0), "abandoned": (15 * 60.0, 1.0), "short_abandon": (5 * 60.0, 0.8)}
MIN_RETRY_DELAY_SECONDS = 60.0
REPEAT_WINDOW_SECONDS = 7 * 86400.0
ANONYMOUS_ANI_SHARE = 0.02

_CN_MOBILE_PREFIXES = ("133", "135", "136", "138", "139", "150", "151", "158", "159", "166",
                       "177", "180", "182", "186", "187", "188", "189", "199")  # fmt: skip


def _logit(p: np.ndarray) -> np.ndarray:
    return np.log(p / (1.0 - p))


def resolve_calls(calls: pd.DataFrame, agents: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Whether each contact resolved the caller's issue.

    Args:
        calls: needs ``topic_id``, ``outcome``, ``agent_id``, ``transferred``.
        agents: needs ``agent_id`` and ``resolution_logit_effect``.
        rng: the outcomes stream.

    Returns:
        A copy of ``calls`` with ``resolution_probability`` (true chance for
        an answered, non-phantom call; NaN otherwise) and ``resolved``.
        Abandoned calls are unresolved; phantom calls count as resolved (there
        was no issue to call back about).
    """
    out = calls.copy()
    base = np.array([TOPIC_BY_ID[t].resolution_probability for t in out["topic_id"]])
    effect = out["agent_id"].map(dict(zip(agents["agent_id"], agents["resolution_logit_effect"]))).fillna(0.0)
    logit = _logit(base) + effect.to_numpy(dtype=float) + TRANSFER_RESOLUTION_LOGIT * out["transferred"].to_numpy()
    prob = 1.0 / (1.0 + np.exp(-logit))
    real_answer = out["outcome"].isin(["answered", "transferred"]).to_numpy()
    draw = rng.random(len(out))
    out["resolution_probability"] = np.where(real_answer, np.round(prob, 4), np.nan)
    out["resolved"] = np.where(real_answer, draw < prob, out["outcome"].to_numpy() == "phantom")
    return out


def _ani(language: str, rng: np.random.Generator) -> str:
    if rng.random() < ANONYMOUS_ANI_SHARE:
        return "anonymous"
    u = rng.random()
    if language == "en" and u < 0.2:
        return "+852" + str(int(rng.choice([5, 6, 9]))) + f"{int(rng.integers(0, 10_000_000)):07d}"
    if language == "en" and u < 0.35:
        # 555-01xx numbers are reserved for fiction.
        return f"+1{int(rng.integers(201, 990))}55501{int(rng.integers(0, 100)):02d}"
    prefix = _CN_MOBILE_PREFIXES[int(rng.integers(len(_CN_MOBILE_PREFIXES)))]
    return prefix + f"{int(rng.integers(0, 100_000_000)):08d}"


def link_customers(calls: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Give every call a caller, turning open issues into repeat calls.

    Args:
        calls: sorted by arrival; needs ``call_id``, ``arrival_seconds``,
            ``queue_id``, ``language``, ``topic_id``, ``outcome``,
            ``resolved`` and ``ended_seconds`` (when the caller hung up:
            end of talk, or the abandon time).
        rng: the customers stream.

    Returns:
        A copy with ``customer_id``, ``ani`` (caller number as the switch
        sees it; ``anonymous`` when withheld), ``contact_sequence`` (1 for a
        first contact about an issue, 2 for the first repeat, ...),
        ``previous_call_id`` and ``next_call_id`` (the same issue's earlier
        and later contacts, empty when none), ``retry_intended``.
    """
    out = calls.copy()
    n = len(out)
    outcome = out["outcome"].to_numpy()
    resolved = out["resolved"].to_numpy(dtype=bool)
    reason = np.where(
        outcome == "short_abandon", "short_abandon",
        np.where(outcome == "abandoned", "abandoned", np.where(~resolved, "unresolved", "")),
    )
    u_retry = rng.random(n)
    z_delay = rng.normal(0.0, 1.0, n)
    retry = np.zeros(n, dtype=bool)
    delay = np.zeros(n)
    for kind, p in RETRY_PROBABILITY.items():
        mask = reason == kind
        median, sigma = RETRY_DELAY[kind]
        retry[mask] = u_retry[mask] < p
        delay[mask] = np.maximum(median * np.exp(sigma * z_delay[mask]), MIN_RETRY_DELAY_SECONDS)
    # A misdialled number is not a customer with an issue.
    retry &= outcome != "phantom"

    arrival = out["arrival_seconds"].to_numpy(dtype=float)
    ended = out["ended_seconds"].to_numpy(dtype=float)
    keys = (out["queue_id"] + "|" + out["topic_id"]).to_numpy()
    call_ids = out["call_id"].to_numpy()
    phantom = outcome == "phantom"
    pending: dict[str, list[tuple[float, int]]] = {}
    customer = np.full(n, -1, dtype=np.int64)
    sequence = np.ones(n, dtype=np.int64)
    previous = np.full(n, -1, dtype=np.int64)
    next_call = np.full(n, -1, dtype=np.int64)
    n_customers = 0
    for i in range(n):
        heap = pending.get(keys[i])
        claimed = -1
        if heap and not phantom[i]:
            while heap and arrival[i] - heap[0][0] > REPEAT_WINDOW_SECONDS:
                heapq.heappop(heap)  # the caller gave up on us
            if heap and heap[0][0] <= arrival[i]:
                claimed = heapq.heappop(heap)[1]
        if claimed >= 0:
            customer[i] = customer[claimed]
            sequence[i] = sequence[claimed] + 1
            previous[i] = claimed
            next_call[claimed] = i
        else:
            customer[i] = n_customers
            n_customers += 1
        if retry[i]:
            heapq.heappush(pending.setdefault(keys[i], []), (ended[i] + delay[i], i))

    first_call = np.full(n_customers, -1, dtype=np.int64)
    for i in range(n):
        if first_call[customer[i]] < 0:
            first_call[customer[i]] = i
    language = out["language"].to_numpy()
    anis = [_ani(language[first_call[c]], rng) for c in range(n_customers)]
    out["customer_id"] = [f"K{c + 1:07d}" for c in customer]
    out["ani"] = [anis[c] for c in customer]
    out["contact_sequence"] = sequence
    out["previous_call_id"] = np.where(previous >= 0, call_ids[np.maximum(previous, 0)], "")
    out["next_call_id"] = np.where(next_call >= 0, call_ids[np.maximum(next_call, 0)], "")
    out["retry_intended"] = retry
    return out
