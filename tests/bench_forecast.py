"""Benchmark: Prophet fit time per series, and 20 series in parallel vs one after another.

Run by ``make bench`` (not part of ``make test``). Writes
``outputs/bench/forecast.json`` with, in one run on the same synthetic
call-centre series (30-minute intervals, closed nights, a quiet weekend,
Poisson noise): the fit-and-predict time of one series of 8 weeks and of one
year, and the wall time of 20 series of 8 weeks fitted sequentially and in a
process pool of ``os.cpu_count()`` workers, with the speed-up. Forecasts of
the two runs must be identical. The machine is shared, so times are wall
times of whatever else runs alongside; ``control_busy_loop_speedup`` is the
speed-up a pure-Python busy loop gets from the same pool at the same time,
i.e. how many cores were actually free.
"""

from __future__ import annotations

import json
import os
import statistics
import time

import numpy as np
import pandas as pd

from workbench import paths
from workbench.forecast.backtest import forecast

SERIES = 20
HISTORY_DAYS = 56
HORIZON_DAYS = 7
OPTIONS = {"country": "CN"}  # the default configuration: learned day types, holidays, prediction intervals


def _series(uid: str, days: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ds = pd.date_range("2025-01-05", periods=days * 48, freq="30min")
    hour = ds.hour + ds.minute / 60
    peaks = np.exp(-((hour - 10) ** 2) / 3) + 0.8 * np.exp(-((hour - 15) ** 2) / 4) + 0.2
    rate = rng.uniform(5, 60) * np.where(ds.dayofweek >= 5, 0.3, 1.0) * peaks * ((hour >= 7) & (hour < 22))
    return pd.DataFrame({"unique_id": uid, "ds": ds, "y": rng.poisson(rate).astype(float)})


def _burn(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def _control_speedup(workers: int) -> float:
    """Speed-up of a pure-Python busy loop in the same pool size: what the machine can give right now."""
    from concurrent.futures import ProcessPoolExecutor

    started = time.perf_counter()
    for _ in range(2 * workers):
        _burn(3_000_000)
    sequential = time.perf_counter() - started
    started = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_burn, [3_000_000] * (2 * workers)))
    return sequential / (time.perf_counter() - started)


def _wall(function, *args, **kwargs) -> tuple[float, pd.DataFrame]:
    started = time.perf_counter()
    value = function(*args, **kwargs)
    return time.perf_counter() - started, value


def test_prophet_fit_times_parallel_vs_sequential():
    many = pd.concat([_series(f"queue_{i:02d}", HISTORY_DAYS, i) for i in range(SERIES)], ignore_index=True)
    one = many[many["unique_id"] == "queue_00"]
    year = _series("year", 364, 99)

    forecast(one, "prophet", 1, options=OPTIONS)  # warm-up: imports and the Stan model load once
    single = [_wall(forecast, one, "prophet", HORIZON_DAYS, options=OPTIONS)[0] for _ in range(3)]
    year_seconds, _ = _wall(forecast, year, "prophet", HORIZON_DAYS, options=OPTIONS)
    workers = os.cpu_count() or 1
    sequential_seconds, sequential = _wall(forecast, many, "prophet", HORIZON_DAYS, options=OPTIONS, progress=True)
    parallel_seconds, parallel = _wall(forecast, many, "prophet", HORIZON_DAYS, options=OPTIONS, workers=workers,
                                       progress=True)
    same = bool(np.allclose(sequential["yhat"], parallel["yhat"]))
    control = _control_speedup(workers)
    assert same and len(parallel) == SERIES * HORIZON_DAYS * 48

    result = {
        "model": "prophet",
        "options": OPTIONS,
        "interval_minutes": 30,
        "horizon_days": HORIZON_DAYS,
        "one_series_8_weeks_seconds": round(statistics.median(single), 2),
        "one_series_1_year_seconds": round(year_seconds, 2),
        "series": SERIES,
        "history_days": HISTORY_DAYS,
        "sequential_seconds": round(sequential_seconds, 2),
        "parallel_seconds": round(parallel_seconds, 2),
        "workers": workers,
        "speedup": round(sequential_seconds / parallel_seconds, 2),
        "control_busy_loop_speedup": round(control, 2),
        "identical_forecasts": same,
        "cpu_count": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    out = paths.outputs_dir() / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "forecast.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
