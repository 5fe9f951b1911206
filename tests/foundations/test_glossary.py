"""The glossary: each pandas definition against a brute-force loop, and each SQL twin against its pandas twin."""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import numpy as np
import pandas as pd
import pytest

from workbench import glossary
from workbench.errors import InputDataError, ParameterError
from workbench.glossary import (
    CALL_SETS,
    Period,
    call_set_mask,
    call_set_sql,
    called_again_sql,
    check_interval_minutes,
    interval_start,
    interval_start_sql,
    is_all_queues,
    queue_family,
    queue_options,
    repeat_contact_flags,
    require_columns,
    select_queues,
)

OUTCOMES = ["answered", "transferred", "abandoned", "short_abandon", "phantom"]


def random_calls(seed: int, n: int = 400, *, nulls: bool = False) -> pd.DataFrame:
    """Calls of a few customers over three weeks, on whole hours so that ties and exact window edges occur."""
    rng = np.random.default_rng(seed)
    customers = rng.choice(["K1", "K2", "K3", "K4", "K5", None], size=n, p=[0.2, 0.2, 0.2, 0.15, 0.15, 0.1])
    hours = rng.integers(0, 21 * 24, size=n)
    arrived = pd.Timestamp("2026-01-05") + pd.to_timedelta(hours, unit="h")
    wait = rng.choice([0.0, 2.0, 4.999, 5.0, 7.0, 20.0, 20.5, 45.0], size=n)
    outcome = rng.choice(OUTCOMES, size=n, p=[0.5, 0.1, 0.15, 0.1, 0.15]).astype(object)
    calls = pd.DataFrame({
        "call_id": [f"c{i:04d}" for i in range(n)], "queue_id": rng.choice(["billing_zh", "sales_en"], size=n),
        "customer_id": customers, "arrived_at": arrived, "wait_seconds": wait, "outcome": outcome,
    })  # fmt: skip
    if nulls:
        calls.loc[rng.random(n) < 0.1, "wait_seconds"] = np.nan
        calls.loc[rng.random(n) < 0.05, "outcome"] = None
    return calls


def brute_force_flags(calls: pd.DataFrame, window_days: float) -> pd.DataFrame:
    """repeat_contact / called_again straight from the glossary's sentence, one pair of calls at a time."""
    window = pd.Timedelta(days=window_days)
    rows = list(calls.itertuples())
    back, forward = [], []
    for call in rows:
        before = after = False
        if call.customer_id is not None and not pd.isna(call.customer_id) and not pd.isna(call.arrived_at):
            for other in rows:
                if other.customer_id != call.customer_id or other.outcome == "phantom" or pd.isna(other.arrived_at):
                    continue
                gap = other.arrived_at - call.arrived_at
                before |= -window <= gap < pd.Timedelta(0)
                after |= pd.Timedelta(0) < gap <= window
        back.append(before)
        forward.append(after)
    return pd.DataFrame({"repeat_contact": back, "called_again": forward}, index=calls.index)


# --------------------------------------------------------------------------- repeat contact


@pytest.mark.parametrize(("seed", "window_days"), [(1, 7), (2, 1), (3, 2.5), (4, 14)])
def test_repeat_contact_flags_match_a_brute_force_loop(seed, window_days):
    calls = random_calls(seed, n=250)
    calls.loc[calls.index[:3], "arrived_at"] = pd.NaT  # no time: no repeat either way
    shuffled = calls.sample(frac=1.0, random_state=seed)  # order of the rows must not matter
    before = shuffled.copy()
    found = repeat_contact_flags(shuffled, repeat_window_days=window_days)
    pd.testing.assert_frame_equal(shuffled, before)
    expected = brute_force_flags(shuffled, window_days)
    pd.testing.assert_frame_equal(found, expected)
    assert found["repeat_contact"].any() and found["called_again"].any()


def test_repeat_contact_edge_cases():
    t = pd.Timestamp("2026-01-05 09:00")
    calls = pd.DataFrame({
        "call_id": list("abcdefg"),
        "customer_id": ["K1", "K1", "K1", "K2", "K2", None, None],
        # b comes exactly 7 days after a (inside), c at the same moment as b (a tie: no repeat of each other)
        "arrived_at": [t, t + pd.Timedelta(days=7), t + pd.Timedelta(days=7), t, t + pd.Timedelta(hours=1), t, t],
        "outcome": ["answered", "answered", "answered", "answered", "phantom", "answered", "answered"],
    })  # fmt: skip
    flags = repeat_contact_flags(calls, repeat_window_days=7).set_index(calls["call_id"])
    # e, a phantom itself, still follows d: only the other call must be non-phantom.
    assert flags["repeat_contact"].to_dict() == {"a": False, "b": True, "c": True, "d": False, "e": True,
                                                 "f": False, "g": False}  # fmt: skip
    # d's only later call is a phantom; unknown customers are never repeats of each other.
    assert flags["called_again"].to_dict() == {"a": True, "b": False, "c": False, "d": False, "e": False,
                                               "f": False, "g": False}  # fmt: skip
    no_outcome = repeat_contact_flags(calls.drop(columns="outcome"), repeat_window_days=7)
    assert no_outcome["called_again"].iloc[3]  # without outcomes every call counts as the other call


@pytest.mark.parametrize("window", [0, -1, True, "7"])
def test_repeat_window_must_be_positive(window):
    with pytest.raises(ParameterError) as caught:
        repeat_contact_flags(random_calls(1, n=5), repeat_window_days=window)
    assert caught.value.field == "repeat_window_days"


def test_repeat_contact_names_a_missing_column():
    with pytest.raises(InputDataError) as caught:
        repeat_contact_flags(pd.DataFrame({"call_id": [], "arrived_at": []}))
    assert caught.value.field == "customer_id"


@pytest.mark.parametrize(("seed", "window_days"), [(5, 7), (6, 1), (7, 3)])
def test_called_again_sql_agrees_with_the_pandas_flags(tmp_path, seed, window_days):
    from workbench.store import Store

    calls = random_calls(seed, n=300)
    with Store(tmp_path / "w.duckdb") as store:
        store.write_batch({"calls": calls}, batch_id="random")
        found = set(store.query(called_again_sql("calls", repeat_window_days=window_days))["call_id"])
        answered = set(store.query(called_again_sql(
            "(SELECT * FROM calls WHERE outcome = 'answered')", repeat_window_days=window_days))["call_id"])
    flags = repeat_contact_flags(calls, repeat_window_days=window_days)
    expected = set(calls.loc[flags["called_again"], "call_id"])
    assert found == expected and found
    assert answered == expected & set(calls.loc[calls["outcome"] == "answered", "call_id"])


@pytest.mark.parametrize("window", [0, 1.5, True])
def test_called_again_sql_needs_whole_days(window):
    with pytest.raises(ParameterError):
        called_again_sql("calls", repeat_window_days=window)


# --------------------------------------------------------------------------- which calls count


def _sql_flags(calls: pd.DataFrame, condition: str) -> pd.Series:
    with duckdb.connect() as connection:
        connection.register("calls", calls.assign(_row=np.arange(len(calls))))
        rows = connection.execute(f"SELECT _row, CASE WHEN {condition} THEN TRUE ELSE FALSE END AS hit "
                                  "FROM calls ORDER BY _row").df()
    return pd.Series(rows["hit"].to_numpy(dtype=bool), index=calls.index)


@pytest.mark.parametrize("name", list(CALL_SETS))
@pytest.mark.parametrize(("target", "short"), [(20, 5), (0, 0), (20.5, 4.999)])
def test_call_set_sql_and_mask_agree_with_null_waits_and_outcomes(name, target, short):
    calls = random_calls(11, n=500, nulls=True)
    kwargs = {"target_answer_seconds": target, "short_abandon_seconds": short}
    mask = call_set_mask(calls, name, **kwargs)
    assert mask.dtype == bool and mask.name == name
    pd.testing.assert_series_equal(mask, _sql_flags(calls, call_set_sql(name, **kwargs)), check_names=False)


@pytest.mark.parametrize("name", list(CALL_SETS))
def test_call_set_sql_and_mask_agree_on_store_like_calls(name):
    calls = random_calls(12, n=500)
    pd.testing.assert_series_equal(call_set_mask(calls, name), _sql_flags(calls, call_set_sql(name)),
                                   check_names=False)  # fmt: skip


def test_call_sets_partition_the_offered_calls():
    calls = random_calls(13, n=500, nulls=True).dropna(subset=["outcome"])
    offered = call_set_mask(calls, "offered")
    parts = [call_set_mask(calls, name) for name in ("answered", "abandoned", "short_abandoned")]
    assert (sum(p.astype(int) for p in parts)[offered] == 1).all()
    answered = call_set_mask(calls, "answered")
    in_time, late = call_set_mask(calls, "answered_in_time"), call_set_mask(calls, "answered_late")
    assert not (in_time & late).any()
    assert ((in_time | late) == (answered & calls["wait_seconds"].notna())).all()
    # An abandon with no recorded wait is abandoned, never short.
    no_wait = (calls["outcome"] == "abandoned") & calls["wait_seconds"].isna()
    assert no_wait.any() and call_set_mask(calls, "abandoned")[no_wait].all()


def test_unknown_waits_stay_in_the_counts_and_out_of_the_service_level_base():
    calls = random_calls(14, n=500, nulls=True)
    offered, answered = call_set_mask(calls, "offered"), call_set_mask(calls, "answered")
    no_wait = calls["wait_seconds"].isna()
    assert (call_set_mask(calls, "wait_unknown") == (offered & no_wait)).all()
    base = call_set_mask(calls, "service_level_calls")
    # The base of a service level: offered, not short, and not answered with an unknown wait.
    assert (base == (offered & ~call_set_mask(calls, "short_abandoned") & ~(answered & no_wait))).all()
    assert (call_set_mask(calls, "answered_in_time") <= base).all()
    assert base[call_set_mask(calls, "abandoned") & no_wait].all()  # an abandon without a wait is a miss
    assert (answered & no_wait).any() and not base[answered & no_wait].any()


def test_call_set_parameters_are_checked():
    with pytest.raises(ParameterError, match="unknown call set"):
        call_set_sql("dropped")
    with pytest.raises(ParameterError) as caught:
        call_set_sql("answered_in_time", target_answer_seconds=-1)
    assert caught.value.field == "target_answer_seconds"
    with pytest.raises(InputDataError):
        call_set_mask(pd.DataFrame({"outcome": ["answered"]}), "answered")


# --------------------------------------------------------------------------- intervals


@pytest.mark.parametrize("minutes", [1, 5, 15, 20, 30, 60])
def test_interval_start_sql_and_pandas_agree(minutes):
    rng = np.random.default_rng(minutes)
    stamps = pd.Series(pd.Timestamp("2026-01-04 22:00") + pd.to_timedelta(rng.integers(0, 3 * 86400 * 10**6, 500),
                                                                           unit="us"))  # fmt: skip
    stamps.iloc[:3] = [pd.Timestamp("2026-01-05 00:00"), pd.Timestamp("2026-01-05 09:29:59.999999"),
                       pd.Timestamp("2026-03-29 02:30")]  # fmt: skip
    with duckdb.connect() as connection:
        connection.register("t", pd.DataFrame({"arrived_at": stamps}))
        found = connection.execute(f"SELECT {interval_start_sql('arrived_at', minutes)} AS s FROM t").df()["s"]
    expected = interval_start(stamps, minutes)
    assert (pd.to_datetime(found).to_numpy() == expected.to_numpy()).all()
    assert (expected.dt.minute % minutes == 0).all() and (expected.dt.second == 0).all()
    assert (expected <= stamps).all() and (stamps - expected < pd.Timedelta(minutes=minutes)).all()


@pytest.mark.parametrize("bad", [0, -30, 7, 45, 90, 120, 1440, 15.0, True, "30", None])
def test_interval_minutes_must_divide_an_hour(bad):
    with pytest.raises(ParameterError) as caught:
        check_interval_minutes(bad)
    assert caught.value.field == "interval_minutes"
    with pytest.raises(ParameterError):
        interval_start_sql("arrived_at", bad)


# --------------------------------------------------------------------------- period


def test_period_bounds_are_whole_inclusive_days():
    period = Period.of("2026-01-05", date(2026, 1, 6))
    assert period.start == datetime(2026, 1, 5) and period.end == datetime(2026, 1, 7)
    assert period.bounds() == ("2026-01-05T00:00:00", "2026-01-07T00:00:00")
    assert period.to_parameters() == {"date_from": "2026-01-05", "date_to": "2026-01-06"}
    assert Period.of(datetime(2026, 1, 5, 13, 30)).date_from == date(2026, 1, 5)
    assert Period.of("2026-01-05", "2026-01-05").end == datetime(2026, 1, 6)
    open_period = Period.of(None, "")
    assert not open_period.bounded and open_period.sql_condition() == ("TRUE", [])
    assert open_period.to_parameters() == {"date_from": None, "date_to": None}
    assert Period.of(date_to="2026-01-06").bounds()[0] < "2026-01-01"


@pytest.mark.parametrize(
    ("date_from", "date_to", "field"),
    [("05/01/2026", None, "date_from"), (None, "2026-13-01", "date_to"), ("2026-01-06", "2026-01-05", "date_to")],
)
def test_period_names_the_bad_field(date_from, date_to, field):
    with pytest.raises(ParameterError) as caught:
        Period.of(date_from, date_to)
    assert caught.value.field == field


@pytest.mark.parametrize(("date_from", "date_to"), [("2026-01-06", "2026-01-08"), (None, "2026-01-06"),
                                                    ("2026-01-20", None), (None, None)])  # fmt: skip
def test_period_sql_condition_and_mask_agree(date_from, date_to):
    calls = random_calls(21, n=400)
    calls.loc[0, "arrived_at"] = pd.Timestamp("2026-01-08 23:59:59.999")
    calls.loc[1, "arrived_at"] = pd.Timestamp("2026-01-09 00:00:00")
    period = Period.of(date_from, date_to)
    condition, parameters = period.sql_condition("arrived_at")
    with duckdb.connect() as connection:
        # A TIMESTAMP column, as in the store (pandas registers nanoseconds).
        connection.register("frame", calls)
        connection.execute("CREATE VIEW calls AS SELECT call_id, CAST(arrived_at AS TIMESTAMP) AS arrived_at"
                           " FROM frame")
        found = set(connection.execute(f"SELECT call_id FROM calls WHERE {condition}", parameters).df()["call_id"])
    assert found == set(calls.loc[period.mask(calls["arrived_at"]), "call_id"])
    if date_to == "2026-01-08":
        assert "c0000" in found and "c0001" not in found


# --------------------------------------------------------------------------- queues

QUEUE_IDS = ["billing_zh", "billing_en", "tech_support_zh", "sales_en", "sales"]


def test_queue_family_and_options():
    assert [queue_family(q) for q in QUEUE_IDS] == ["billing", "billing", "tech_support", "sales", "sales"]
    assert queue_options(QUEUE_IDS) == ["all", "billing", "tech_support", "billing_en", "billing_zh", "sales",
                                        "sales_en", "tech_support_zh"]  # fmt: skip


@pytest.mark.parametrize(
    ("queues", "expected"),
    [
        (None, sorted(QUEUE_IDS)),
        ([], sorted(QUEUE_IDS)),
        (["all"], sorted(QUEUE_IDS)),
        ("all", sorted(QUEUE_IDS)),
        (["billing"], ["billing_en", "billing_zh"]),
        ("billing", ["billing_en", "billing_zh"]),
        (["billing_zh"], ["billing_zh"]),
        (["billing_zh", "tech_support"], ["billing_zh", "tech_support_zh"]),
        (["sales"], ["sales", "sales_en"]),  # a family that is also a queue id
        (["all", "sales_en"], ["sales_en"]),
        (["nope"], []),
    ],
)  # fmt: skip
def test_select_queues(queues, expected):
    assert select_queues(QUEUE_IDS, queues) == expected
    assert is_all_queues(queues) == (expected == sorted(QUEUE_IDS) and queues in (None, [], ["all"], "all"))


# --------------------------------------------------------------------------- names and contracts


def test_require_columns_names_the_first_missing_column_and_file(tmp_path):
    frame = pd.DataFrame({"call_id": ["c1"], "queue_id": ["q"]})
    require_columns(frame, ["call_id"], "example")
    with pytest.raises(InputDataError, match=r"example needs columns .*missing \['csat', 'outcome'\]") as caught:
        require_columns(frame, ["call_id", "csat", "outcome"], "example", file=tmp_path / "x.csv")
    assert caught.value.field == "csat" and caught.value.file == str(tmp_path / "x.csv")


def test_retired_names_are_not_canonical_and_defaults_are_consistent():
    assert not set(glossary.RETIRED_NAMES) & set(glossary.PARAMETER_NAMES)
    assert {"date_from", "date_to", "queues", "target_answer_seconds", "repeat_window_days",
            "short_abandon_seconds", "store_path"} <= set(glossary.PARAMETER_NAMES)  # fmt: skip
    assert check_interval_minutes(glossary.DEFAULT_INTERVAL_MINUTES) == glossary.DEFAULT_INTERVAL_MINUTES
    assert "5.0" in call_set_sql("abandoned") and "20.0" in call_set_sql("answered_in_time")
