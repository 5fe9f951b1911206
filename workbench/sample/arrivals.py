"""Who calls, when, why, and how long they will wait and talk.

Arrivals are a non-homogeneous Poisson process per queue with a rate that is
constant within each minute: the count in a minute is Poisson, the times are
uniform inside it. That is an exact draw from the process whose expected
counts :func:`arrival_rate_table` publishes as ground truth.

The intraday shape has a morning peak near 10:00 and an afternoon peak near
15:00 on weekdays, a later single hump at weekends and on holidays, and a
small burst at opening from callers who waited for 08:00. Nothing arrives
while the centre is closed (22:00-08:00 local).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.sample.calendar import CLOSE_HOUR, INTERVAL_MINUTES, OPEN_HOUR
from workbench.sample.catalog import (
    LANGUAGES,
    LINE_DAILY_CALLS,
    QUEUE_NAMES,
    QUEUE_SHARES,
    TOPIC_SHARES,
    queue_id,
    topics_for_queue,
)

MINUTES_PER_DAY = 1440

# (language, queue) in a fixed order; the index is the simulation's queue index.
QUEUES: tuple[tuple[str, str], ...] = tuple((lang, q) for lang in LANGUAGES for q in QUEUE_NAMES)
QUEUE_IDS: tuple[str, ...] = tuple(queue_id(q, lang) for lang, q in QUEUES)

# Caller behaviour. Patience is exponential; a few callers hang up within
# seconds whatever the wait (misdials, second thoughts).
MEAN_PATIENCE_SECONDS = {"zh": 150.0, "en": 190.0}
PATIENCE_QUEUE_FACTOR = {"billing": 1.0, "tech_support": 1.1, "complaints": 1.4, "sales": 0.8}
MISDIAL_SHARE = 0.015
PHANTOM_SHARE = 0.012  # answered, a few seconds of silence or "sorry, wrong number"

TALK_SIGMA = 0.5  # lognormal sigma of talk time around the topic median
ENGLISH_TALK_FACTOR = 1.08
HOLD_PROBABILITY = {"billing": 0.22, "tech_support": 0.35, "complaints": 0.25, "sales": 0.15}
HOLD_MEDIAN_SECONDS, HOLD_SIGMA = 50.0, 0.7
WRAP_MEDIAN_SECONDS, WRAP_SIGMA = 25.0, 0.45
RING_SECONDS_RANGE = (2.0, 8.0)
TRANSFER_PROBABILITY = {"billing": 0.05, "tech_support": 0.07, "complaints": 0.10, "sales": 0.04}
TRANSFER_TARGETS = {
    "billing": ("sales", "complaints", "tech_support"),
    "tech_support": ("billing", "sales", "complaints"),
    "complaints": ("billing", "tech_support", "sales"),
    "sales": ("billing", "tech_support", "complaints"),
}
TRANSFER_TARGET_WEIGHTS = (0.6, 0.25, 0.15)
TRANSFER_EXTRA_MEDIAN_SECONDS, TRANSFER_EXTRA_SIGMA = 45.0, 0.5


def _bump(hours: np.ndarray, centre: float, width: float) -> np.ndarray:
    return np.exp(-0.5 * ((hours - centre) / width) ** 2)


def intraday_profile(day_type: str, language: str, queue: str) -> np.ndarray:
    """Share of a day's calls arriving in each minute of the local day.

    Args:
        day_type: "weekday", "weekend" or "holiday".
        language: "zh" or "en".
        queue: base queue name.

    Returns:
        1440 non-negative weights summing to 1, zero outside opening hours.
    """
    hours = (np.arange(MINUTES_PER_DAY) + 0.5) / 60.0
    # The English line's customers call a little later in the day.
    shift = 0.4 if language == "en" else 0.0
    if day_type == "weekday":
        shape = (
            0.22
            + 1.00 * _bump(hours, 10.0 + shift, 1.1)
            + 0.80 * _bump(hours, 15.0 + shift, 1.4)
            + 0.25 * _bump(hours, 19.5, 1.0)
        )
    else:
        width = 2.6 if day_type == "holiday" else 2.1
        shape = 0.25 + 1.0 * _bump(hours, 11.8 + shift, width) + 0.45 * _bump(hours, 16.5, 1.6)
    if queue == "sales":
        shape = shape + 0.35 * _bump(hours, 19.8, 1.1)  # after-work shoppers
    elif queue == "tech_support":
        shape = shape + 0.20 * _bump(hours, 20.3, 0.9)  # home internet in the evening
    elif queue == "complaints":
        shape = shape * (1.0 - 0.35 * _bump(hours, 20.5, 1.2))
    shape = shape + 0.6 * _bump(hours, OPEN_HOUR + 0.08, 0.12)  # opening burst
    shape = np.where((hours >= OPEN_HOUR) & (hours < CLOSE_HOUR), shape, 0.0)
    return shape / shape.sum()


def minute_rates(calendar: pd.DataFrame) -> np.ndarray:
    """Expected calls in every minute of the window, per queue.

    Args:
        calendar: from :func:`workbench.sample.calendar.build_calendar`; needs
            ``day_type`` and one ``multiplier_<queue_id>`` column per queue.

    Returns:
        Array of shape (days, 1440, len(QUEUES)), in calls per minute.
    """
    days = len(calendar)
    rates = np.zeros((days, MINUTES_PER_DAY, len(QUEUES)))
    profiles: dict[tuple[str, str, str], np.ndarray] = {}
    for d, day_type in enumerate(calendar["day_type"].tolist()):
        for k, (lang, q) in enumerate(QUEUES):
            key = (day_type, lang, q)
            if key not in profiles:
                profiles[key] = intraday_profile(day_type, lang, q)
            daily = LINE_DAILY_CALLS[lang] * QUEUE_SHARES[q] * float(calendar[f"multiplier_{QUEUE_IDS[k]}"].iloc[d])
            rates[d, :, k] = daily * profiles[key]
    return rates


def arrival_rate_table(calendar: pd.DataFrame, rates: np.ndarray) -> pd.DataFrame:
    """True expected arrivals per queue per 30-minute interval (long format).

    Returns:
        Columns ``interval_start_local`` (``YYYY-MM-DD HH:MM:SS``, Asia/Shanghai),
        ``date``, ``queue_id``, ``language``, ``queue``, ``day_type``,
        ``is_open`` and ``expected_calls`` (the Poisson mean of the interval's
        count), sorted by queue then time; every interval of every day appears.
    """
    per_interval = MINUTES_PER_DAY // INTERVAL_MINUTES
    days = len(calendar)
    sums = rates.reshape(days, per_interval, INTERVAL_MINUTES, len(QUEUES)).sum(axis=2)
    starts = (
        pd.to_datetime(np.repeat(calendar["date"].to_numpy(), per_interval))
        + pd.to_timedelta(np.tile(np.arange(per_interval) * INTERVAL_MINUTES, days), unit="min")
    )
    hours = np.tile(np.arange(per_interval) * INTERVAL_MINUTES / 60.0, days)
    frames = []
    for k, (lang, q) in enumerate(QUEUES):
        frames.append(
            pd.DataFrame(
                {
                    "interval_start_local": starts.strftime("%Y-%m-%d %H:%M:%S"),
                    "date": np.repeat(calendar["date"].to_numpy(), per_interval),
                    "queue_id": QUEUE_IDS[k],
                    "language": lang,
                    "queue": q,
                    "day_type": np.repeat(calendar["day_type"].to_numpy(), per_interval),
                    "is_open": (hours >= OPEN_HOUR) & (hours < CLOSE_HOUR),
                    "expected_calls": np.round(sums[:, :, k].reshape(-1), 4),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def sample_calls(rates: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """Draw every call of the window with its caller and work attributes.

    Args:
        rates: expected calls per minute, from :func:`minute_rates`.
        rng: the arrivals stream.

    Returns:
        One row per call sorted by ``arrival_seconds`` (seconds since local
        midnight of the first day), with ``queue_index``, ``queue_id``,
        ``language``, ``queue``, ``topic_id``, ``is_phantom``,
        ``patience_seconds``, ``ring_seconds``, ``talk_base_seconds``
        (before the agent's speed factor, including any transfer consult),
        ``hold_base_seconds``, ``wrap_base_seconds``, ``transferred``,
        ``transfer_to_queue_id``.
    """
    counts = rng.poisson(rates)
    day_idx, minute_idx, queue_idx = np.nonzero(counts)
    reps = counts[day_idx, minute_idx, queue_idx]
    minute_start = np.repeat((day_idx * MINUTES_PER_DAY + minute_idx) * 60.0, reps)
    q_index = np.repeat(queue_idx, reps)
    arrival = minute_start + rng.uniform(0.0, 60.0, minute_start.size)
    order = np.lexsort((q_index, arrival))
    arrival, q_index = arrival[order], q_index[order]
    n = arrival.size

    lang = np.array([QUEUES[k][0] for k in range(len(QUEUES))])[q_index]
    base = np.array([QUEUES[k][1] for k in range(len(QUEUES))])[q_index]
    qid = np.array(QUEUE_IDS)[q_index]

    topic = np.empty(n, dtype=object)
    u_topic = rng.random(n)
    for q in QUEUE_NAMES:
        mask = base == q
        topics = topics_for_queue(q)
        edges = np.cumsum([TOPIC_SHARES[t.topic_id] for t in topics])
        pick = np.minimum(np.searchsorted(edges, u_topic[mask] * edges[-1], side="right"), len(topics) - 1)
        topic[mask] = np.array([t.topic_id for t in topics], dtype=object)[pick]
    median_talk = np.array([{t.topic_id: t.median_handle_seconds for q in QUEUE_NAMES
                             for t in topics_for_queue(q)}[x] for x in topic])

    mean_patience = np.array([MEAN_PATIENCE_SECONDS[x] for x in lang]) * np.array(
        [PATIENCE_QUEUE_FACTOR[x] for x in base]
    )
    patience = rng.exponential(1.0, n) * mean_patience
    misdial = rng.random(n) < MISDIAL_SHARE
    patience = np.where(misdial, rng.uniform(0.5, 5.0, n), patience)

    phantom = (rng.random(n) < PHANTOM_SHARE) & ~misdial
    talk = median_talk * np.exp(rng.normal(0.0, TALK_SIGMA, n)) * np.where(lang == "en", ENGLISH_TALK_FACTOR, 1.0)
    has_hold = rng.random(n) < np.array([HOLD_PROBABILITY[x] for x in base])
    hold = np.where(has_hold, HOLD_MEDIAN_SECONDS * np.exp(rng.normal(0.0, HOLD_SIGMA, n)), 0.0)
    wrap = WRAP_MEDIAN_SECONDS * np.exp(rng.normal(0.0, WRAP_SIGMA, n))
    ring = rng.uniform(*RING_SECONDS_RANGE, n)

    transferred = rng.random(n) < np.array([TRANSFER_PROBABILITY[x] for x in base])
    target_pick = rng.choice(3, size=n, p=TRANSFER_TARGET_WEIGHTS)
    extra = TRANSFER_EXTRA_MEDIAN_SECONDS * np.exp(rng.normal(0.0, TRANSFER_EXTRA_SIGMA, n))
    transferred &= ~phantom
    target = np.array([TRANSFER_TARGETS[b][p] for b, p in zip(base, target_pick)], dtype=object)
    transfer_to = np.where(transferred, np.char.add(np.char.add(target.astype(str), "_"), lang), "")

    phantom_talk = rng.uniform(2.0, 12.0, n)
    talk = np.where(phantom, phantom_talk, talk + np.where(transferred, extra, 0.0))
    hold = np.where(phantom, 0.0, hold)
    wrap = np.where(phantom, rng.uniform(3.0, 10.0, n), wrap)

    return pd.DataFrame(
        {
            "arrival_seconds": arrival,
            "queue_index": q_index,
            "queue_id": qid,
            "language": lang,
            "queue": base,
            "topic_id": topic.astype(str),
            "is_phantom": phantom,
            "is_misdial": misdial,
            "patience_seconds": patience,
            "ring_seconds": ring,
            "talk_base_seconds": talk,
            "hold_base_seconds": hold,
            "wrap_base_seconds": wrap,
            "transferred": transferred,
            "transfer_to_queue_id": transfer_to,
        }
    )
