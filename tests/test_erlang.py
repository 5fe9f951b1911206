"""Erlang C / Erlang A against published worked examples and independent values."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import workbench
from workbench.errors import InputDataError
from workbench.staffing import erlang

VECTORS = Path(workbench.__file__).resolve().parents[2] / "shared" / "vectors" / "erlang_examples.csv"


@pytest.fixture(scope="module")
def vectors() -> pd.DataFrame:
    if not VECTORS.exists():
        pytest.skip(f"shared test vectors not found at {VECTORS}")
    return pd.read_csv(VECTORS, dtype=str, keep_default_na=False)


def _f(value: str) -> float:
    return float(value) if value != "" else math.nan


def _required_for_asa(calls: float, minutes: float, aht: float, max_asa: float) -> int:
    agents = np.arange(1, 200)
    asa = erlang.asa_seconds(calls, minutes, aht, agents)
    return int(agents[np.argmax(asa <= max_asa)])


def _erlang_b_required(load: float, max_blocking: float) -> int:
    agents = np.arange(1, 200)
    return int(agents[np.argmax(erlang.erlang_b(agents, load) <= max_blocking)])


def _compute(row: pd.Series) -> list[float]:
    """Our value(s) for one vector row; a row without a rule fails the test."""
    ex, metric = row["example_id"], row["metric"]
    calls, minutes, aht = _f(row["calls_per_interval"]), _f(row["interval_minutes"]), _f(row["aht_seconds"])
    agents, target = _f(row["agents"]), _f(row["target_answer_seconds"])
    patience, shrinkage = _f(row["mean_patience_seconds"]), _f(row["shrinkage"])
    if ex in ("pwf_c_1", "pwf_c_doc", "pwf_c_2"):
        occ_cap = 0.70 if ex == "pwf_c_2" else 0.85
        raw = erlang.required_agents(calls, minutes, aht, 0.8, target, max_occupancy=occ_cap)
        if metric.startswith("raw_positions / positions"):
            return [raw, erlang.scheduled_agents(raw, shrinkage)]
        if metric.startswith("raw_positions"):
            return [raw]
        if metric.startswith("positions after shrinkage"):
            return [erlang.scheduled_agents(raw, shrinkage)]
        if metric.startswith("service_level"):
            return [erlang.service_level(calls, minutes, aht, int(agents), target)]
        if metric.startswith("occupancy"):
            return [erlang.occupancy(calls, minutes, aht, int(agents))]
        if metric.startswith("waiting_probability"):
            return [erlang.probability_of_waiting(calls, minutes, aht, int(agents))]
    if ex == "indep_asa":
        return [erlang.asa_seconds(calls, minutes, aht, int(agents))]
    if ex in ("pwf_b_1", "pwf_b_2"):
        return [erlang.erlang_b(int(agents), erlang.traffic_erlangs(calls, minutes, aht))]
    if ex == "pwf_b_3":
        raw = _erlang_b_required(erlang.traffic_erlangs(calls, minutes, aht), 0.02)
        return [raw] if metric.startswith("min N") else [erlang.scheduled_agents(raw, shrinkage)]
    if ex in ("pwf_a_1", "pwf_a_doc"):
        m = erlang.erlang_a(calls, minutes, aht, int(agents), patience, target)
        values = {
            "waiting_probability": m["probability_of_waiting"],
            "abandonment_probability": m["abandonment_probability"],
            "occupancy": m["occupancy"],
            "average_speed_of_answer": m["asa_seconds"] / 60.0,
            "service_level": m["service_level"],
        }
        if ex == "pwf_a_doc":
            return [m["probability_of_waiting"], m["abandonment_probability"], m["occupancy"],
                    m["asa_seconds"] / 60.0]
        return [values[metric.split(" ")[0]]]
    if ex == "prodyna_c":
        return [erlang.probability_of_waiting(20, 1, 60, int(agents))]  # A = 20 Erlang
    if ex == "prodyna_b":
        return [erlang.erlang_b(int(agents), 180.0)]
    if ex == "prodyna_awt":
        return [erlang.asa_seconds(calls, minutes, aht, int(agents))]
    if ex == "prodyna_sl":
        return [erlang.service_level(calls, minutes, aht, int(agents), target)]
    if ex == "prodyna_occ":
        return [erlang.occupancy(20, 1, 60, int(agents))]
    if ex == "prodyna_nsl":
        return [erlang.required_agents(calls, minutes, aht, 0.8, target)]
    if ex == "prodyna_nasa":
        return [_required_for_asa(calls, minutes, aht, 120.0)]
    raise AssertionError(f"no rule for vector {ex!r} / {metric!r}: extend _compute")


def _numbers(text: str) -> list[float]:
    """'0.888 (rounded 3dp)' -> [0.888]; '14 / 20' -> [14, 20]; '0.261 (unrounded 0.261379)' -> [0.261379]."""
    if "unrounded" in text:
        return [float(text.split("unrounded")[1].strip(" )"))]
    return [float(part.strip().split(" ")[0].rstrip(".")) for part in text.split("/") if part.strip()]


def _close(ours: float, expected: float, text: str) -> bool:
    if "..." in text or "rounded 3dp" in text:
        return abs(ours - expected) <= 6e-4
    return abs(ours - expected) <= max(2e-3 * abs(expected), 5e-7)


def test_every_vector_row_matches_the_independent_value(vectors: pd.DataFrame) -> None:
    for _, row in vectors.iterrows():
        expected_text = row["independent_value"] or row["published_value"]
        expected = _numbers(expected_text)
        ours = [float(v) for v in _compute(row)]
        assert len(ours) == len(expected), (row["example_id"], row["metric"])
        for o, e in zip(ours, expected):
            assert _close(o, e, expected_text), f"{row['example_id']} {row['metric']}: ours {o}, expected {e}"


def test_source_bug_rows_do_not_match_the_published_value(vectors: pd.DataFrame) -> None:
    buggy = vectors[vectors["status"].str.startswith("DISAGREES")]
    assert len(buggy) >= 4
    for _, row in buggy.iterrows():
        ours = float(_compute(row)[0])
        published = _numbers(row["published_value"])[0]
        independent = _numbers(row["independent_value"])[0]
        # Closer to the correct value than to the off-by-one one, every time.
        assert abs(ours - independent) < abs(ours - published), row["example_id"]
        assert abs(ours - independent) <= 1e-4 * max(1.0, abs(independent)), row["example_id"]


def test_central_case() -> None:
    raw = erlang.required_agents(100, 30, 180, 0.8, 20, max_occupancy=0.85)
    assert raw == 14
    assert erlang.scheduled_agents(raw, 0.3) == 20
    assert erlang.service_level(100, 30, 180, 14, 20) == pytest.approx(0.888350, abs=1e-6)
    assert erlang.probability_of_waiting(100, 30, 180, 14) == pytest.approx(0.174132, abs=1e-6)
    assert erlang.occupancy(100, 30, 180, 14) == pytest.approx(0.714286, abs=1e-6)
    # One fewer agent misses the target, so 14 really is the minimum.
    assert erlang.service_level(100, 30, 180, 13, 20) < 0.8


def test_matches_factorial_formula_on_small_cases() -> None:
    for load, n in [(0.5, 1), (3.0, 5), (10.0, 14), (7.3, 9)]:
        top = load**n / math.factorial(n) * n / (n - load)
        bottom = sum(load**k / math.factorial(k) for k in range(n)) + top
        assert erlang.probability_of_waiting(load, 1, 60, n) == pytest.approx(top / bottom, rel=1e-10)


def test_vectorised_and_broadcast() -> None:
    agents = np.array([[9], [10], [11], [14]])
    target = np.array([0, 20, 60])
    sl = erlang.service_level(100, 30, 180, agents, target)
    assert sl.shape == (4, 3)
    assert np.all(sl[:2] == 0.0)  # unstable: N <= A
    assert np.all(np.diff(sl[2:], axis=1) > 0)  # longer target, higher service level
    assert np.all(np.diff(sl[2:], axis=0) > 0)  # more agents, higher service level
    assert isinstance(erlang.service_level(100, 30, 180, 14, 20), float)
    pw = erlang.probability_of_waiting([0, 50, 100], 30, 180, 14)
    assert pw[0] == 0.0 and 0 < pw[1] < pw[2] < 1


def test_large_centre_has_no_overflow() -> None:
    calls = np.array([50_000.0, 100_000.0, 200_000.0])  # per 30 min: 5,000-20,000 Erlangs
    raw = erlang.required_agents(calls, 30, 180, 0.8, 20, max_occupancy=0.95)
    assert np.all(raw > erlang.traffic_erlangs(calls, 30, 180))
    sl = erlang.service_level(calls, 30, 180, raw, 20)
    pw = erlang.probability_of_waiting(calls, 30, 180, raw)
    asa = erlang.asa_seconds(calls, 30, 180, raw)
    for arr in (sl, pw, asa):
        assert np.all(np.isfinite(arr))
    assert np.all(sl >= 0.8)
    # Below the load the queue is unstable, above it waiting vanishes.
    assert erlang.probability_of_waiting(200_000, 30, 180, 19_999) == 1.0
    # Independent log-space check: B = Poisson pmf(N) / cdf(N), C = B / (1 - rho (1 - B)).
    from scipy.stats import poisson

    load, n = 20_000.0, 21_000
    blocking = math.exp(poisson.logpmf(n, load) - poisson.logcdf(n, load))
    expected = blocking / (1 - load / n * (1 - blocking))
    assert erlang.probability_of_waiting(200_000, 30, 180, n) == pytest.approx(expected, rel=1e-8)
    assert expected < 1e-11
    m = erlang.erlang_a(200_000, 30, 180, 19_900, 300, 20)
    assert all(np.isfinite(v) and 0 <= v <= 1 for k, v in m.items() if k != "asa_seconds")
    assert m["abandonment_probability"] > 0  # overloaded: somebody must give up


def test_erlang_a_limits() -> None:
    # Very patient callers: Erlang A tends to Erlang C.
    m = erlang.erlang_a(100, 30, 180, 12, 1e9, 20)
    assert m["probability_of_waiting"] == pytest.approx(erlang.probability_of_waiting(100, 30, 180, 12), rel=1e-4)
    assert m["asa_seconds"] == pytest.approx(erlang.asa_seconds(100, 30, 180, 12), rel=1e-3)
    # Infinite patience is Erlang C exactly, and an unstable queue stays unstable.
    c = erlang.erlang_a(100, 30, 180, 12, np.inf, 20)
    assert c["service_level"] == pytest.approx(erlang.service_level(100, 30, 180, 12, 20), rel=1e-12)
    assert erlang.erlang_a(100, 30, 180, 9, np.inf, 20)["probability_of_waiting"] == 1.0
    # With abandonment even an overloaded queue is stable, and impatience lowers the wait.
    over = erlang.erlang_a(100, 30, 180, 8, 120, 20)
    assert 0 < over["abandonment_probability"] < 1 and over["occupancy"] <= 1
    impatient = erlang.erlang_a(100, 30, 180, 11, 60, 20)
    patient = erlang.erlang_a(100, 30, 180, 11, 600, 20)
    assert impatient["asa_seconds"] < patient["asa_seconds"]
    assert impatient["abandonment_probability"] > patient["abandonment_probability"]
    # Flow balance: answered load = busy agents.
    assert over["occupancy"] * 8 == pytest.approx(10 * (1 - over["abandonment_probability"]), rel=1e-6)


def test_staffing_requirements_table_does_not_mutate() -> None:
    df = pd.DataFrame({"queue_id": ["billing_zh", "sales_en"], "calls": [100.0, 0.0], "aht_seconds": [180.0, 200.0]})
    before = df.copy()
    out = erlang.staffing_requirements(df)
    pd.testing.assert_frame_equal(df, before)
    assert out["raw_agents"].tolist() == [14, 0]
    assert out["scheduled_agents"].tolist() == [20, 0]
    with pytest.raises(InputDataError, match="aht_seconds"):
        erlang.staffing_requirements(df.drop(columns="aht_seconds"))


def test_bad_inputs_raise() -> None:
    with pytest.raises(InputDataError):
        erlang.service_level(100, 30, 180, 13.5, 20)
    with pytest.raises(InputDataError):
        erlang.required_agents(100, 30, 180, 1.2, 20)
    with pytest.raises(InputDataError):
        erlang.scheduled_agents(14, 1.0)
