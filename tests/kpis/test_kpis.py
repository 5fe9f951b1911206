"""KPI engine: every KPI checked against hand-computed values on a messy fixture."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from workbench.errors import ParameterError, WorkbenchError
from workbench.kpis import BY_KEYS, KPI_COLUMNS, KPI_DEFINITIONS, compute_kpis, csat_distribution
from workbench.store import Store

NAN = float("nan")

# Two queues, two days plus a far-away repeat. Messy rows on purpose:
# c03 is outcome "abandoned" but below the 5 s short-abandon threshold,
# c04 a coded short abandon, c06 a phantom inside c07's FCR window (ignored),
# c08 transferred with no customer_id (out of FCR), c11 abandons at exactly 5 s
# (not short), c09 answers at exactly 20 s (inside the service level) and is
# K2's repeat 15 days after c02 (outside the 7-day window), c05 is K1's
# transferred repeat of c01 the next day (inside the window).
CALLS = pd.DataFrame(
    [
        # call_id, queue_id, language, customer_id, agent_id, arrived_at, wait, talk, hold, wrap, outcome
        ("c01", "billing_zh", "zh", "K1", "A1", "2026-01-05 09:05:00", 10, 100, 20, 30, "answered"),
        ("c02", "billing_zh", "zh", "K2", "A2", "2026-01-05 09:20:00", 25, 200, None, 40, "answered"),
        ("c03", "billing_zh", "zh", "K3", None, "2026-01-05 09:35:00", 3, None, None, None, "abandoned"),
        ("c04", "billing_zh", "zh", "K4", None, "2026-01-05 09:40:00", 2, None, None, None, "short_abandon"),
        ("c05", "billing_zh", "zh", "K1", "A1", "2026-01-06 10:10:00", 15, 60, 0, 10, "transferred"),
        ("c06", "tech_en", "en", "K6", None, "2026-01-05 10:30:00", 0, None, None, None, "phantom"),
        ("c07", "tech_en", "en", "K6", "A3", "2026-01-05 10:00:00", 30, 300, 60, None, "answered"),
        ("c08", "tech_en", "en", None, "A3", "2026-01-05 10:20:00", 5, 120, None, 30, "transferred"),
        ("c09", "billing_zh", "zh", "K2", "A2", "2026-01-20 09:00:00", 20, 90, 0, 0, "answered"),
        ("c10", "tech_en", "en", "K7", None, "2026-01-05 10:40:00", 45, None, None, None, "abandoned"),
        ("c11", "tech_en", "en", "K8", None, "2026-01-05 10:45:00", 5, None, None, None, "abandoned"),
    ],
    columns=[
        "call_id", "queue_id", "language", "customer_id", "agent_id", "arrived_at",
        "wait_seconds", "talk_seconds", "hold_seconds", "wrap_seconds", "outcome",
    ],
).assign(arrived_at=lambda d: pd.to_datetime(d["arrived_at"]))  # fmt: skip

SURVEYS = pd.DataFrame({"survey_id": ["s1", "s2", "s3"], "call_id": ["c01", "c07", "c08"], "csat": [5, 3, 4]})

# Hand-computed (see the comments in each dict for the arithmetic).
OVERALL = {
    "offered": 10,  # 11 rows minus phantom c06
    "answered": 6,  # c01 c02 c05 c07 c08 c09
    "abandoned": 2,  # c10 c11
    "short_abandoned": 2,  # c03 c04
    "answer_rate": 6 / 8,  # 接通率: answered of the 8 genuine calls
    "abandonment_rate": 2 / 8,
    "asa_seconds": (10 + 25 + 15 + 30 + 5 + 20) / 6,
    "service_level": 4 / 8,  # c01 c05 c08 c09 within 20 s
    "aht_seconds": (150 + 240 + 70 + 360 + 150 + 90) / 6,
    "transfer_rate": 2 / 6,
    "fcr_rate": 4 / 5,  # eligible c01 c02 c05 c07 c09; c01 repeated by c05
    "survey_response_rate": 3 / 6,
    "csat_mean": 4.0,
    "csat_top_box_rate": 1 / 3,
    "csat_responses": 3,
    "occupancy": NAN,  # no agent states in this store
    "service_level_calls": 8,  # offered - short_abandoned: every answered call has a wait
    "wait_unknown": 0,
    "handle_unknown": 0,
}
BILLING = {
    "queue_id": "billing_zh",
    "offered": 6,
    "answered": 4,
    "abandoned": 0,
    "short_abandoned": 2,
    "abandonment_rate": 0.0,
    "asa_seconds": (10 + 25 + 15 + 20) / 4,
    "service_level": 3 / 4,
    "aht_seconds": (150 + 240 + 70 + 90) / 4,
    "transfer_rate": 1 / 4,
    "fcr_rate": 3 / 4,
    "survey_response_rate": 1 / 4,
    "csat_mean": 5.0,
    "csat_top_box_rate": 1.0,
    "csat_responses": 1,
    "occupancy": NAN,  # never by queue
    "service_level_calls": 4,
    "wait_unknown": 0,
    "handle_unknown": 0,
}
TECH = {
    "queue_id": "tech_en",
    "offered": 4,
    "answered": 2,
    "abandoned": 2,
    "short_abandoned": 0,
    "abandonment_rate": 2 / 4,
    "asa_seconds": (30 + 5) / 2,
    "service_level": 1 / 4,
    "aht_seconds": (360 + 150) / 2,
    "transfer_rate": 1 / 2,
    "fcr_rate": 1.0,  # c07 only (phantom c06 is no repeat; c08 has no customer)
    "survey_response_rate": 1.0,
    "csat_mean": 3.5,
    "csat_top_box_rate": 0.0,
    "csat_responses": 2,
    "occupancy": NAN,
    "service_level_calls": 4,
    "wait_unknown": 0,
    "handle_unknown": 0,
}


@pytest.fixture()
def store(tmp_path):
    with Store(tmp_path / "kpis.duckdb") as opened:
        opened.write_batch({"calls": CALLS, "surveys": SURVEYS}, batch_id="fixture")
        yield opened


def _assert_row(row: pd.Series, expected: dict) -> None:
    for column, value in expected.items():
        found = row[column]
        if isinstance(value, float) and math.isnan(value):
            assert pd.isna(found), column
        elif isinstance(value, str):
            assert found == value, column
        else:
            assert found == pytest.approx(value, abs=1e-12), column


def test_overall_row_matches_every_hand_computed_kpi(store):
    result = compute_kpis(store)
    assert list(result.columns) == KPI_COLUMNS
    assert len(result) == 1
    _assert_row(result.iloc[0], OVERALL)


def test_every_kpi_column_has_a_definition_with_a_formula():
    assert set(KPI_DEFINITIONS) == set(KPI_COLUMNS)
    assert all("Formula:" in text for text in KPI_DEFINITIONS.values())


def test_by_queue(store):
    result = compute_kpis(store, by=["queue"])
    assert list(result.columns) == ["queue_id", *KPI_COLUMNS]
    assert list(result["queue_id"]) == ["billing_zh", "tech_en"]
    _assert_row(result.iloc[0], BILLING)
    _assert_row(result.iloc[1], TECH)


def test_by_agent_puts_unanswered_calls_in_the_null_group(store):
    result = compute_kpis(store, by=["agent"]).set_index("agent_id", drop=False)
    assert result["offered"].sum() == 10
    a1 = result.loc["A1"]
    _assert_row(a1, {"offered": 2, "answered": 2, "transfer_rate": 0.5, "fcr_rate": 0.5, "aht_seconds": 110.0})
    unanswered = result[result["agent_id"].isna()].iloc[0]
    _assert_row(unanswered, {"offered": 4, "answered": 0, "abandoned": 2, "asa_seconds": NAN, "csat_mean": NAN})


def test_by_day(store):
    result = compute_kpis(store, by=["day"])
    assert list(pd.to_datetime(result["day"]).dt.strftime("%Y-%m-%d")) == ["2026-01-05", "2026-01-06", "2026-01-20"]
    assert list(result["offered"]) == [8, 1, 1]
    assert list(result["answered"]) == [4, 1, 1]
    _assert_row(result.iloc[0], {"abandoned": 2, "short_abandoned": 2, "fcr_rate": 2 / 3, "service_level": 2 / 6})


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        (
            15,
            {
                "2026-01-05 09:00": 1, "2026-01-05 09:15": 1, "2026-01-05 09:30": 2, "2026-01-05 10:00": 1,
                "2026-01-05 10:15": 1, "2026-01-05 10:30": 1, "2026-01-05 10:45": 1,
                "2026-01-06 10:00": 1, "2026-01-20 09:00": 1,
            },
        ),
        (
            30,
            {
                "2026-01-05 09:00": 2, "2026-01-05 09:30": 2, "2026-01-05 10:00": 2, "2026-01-05 10:30": 2,
                "2026-01-06 10:00": 1, "2026-01-20 09:00": 1,
            },
        ),
        (60, {"2026-01-05 09:00": 4, "2026-01-05 10:00": 4, "2026-01-06 10:00": 1, "2026-01-20 09:00": 1}),
    ],
)  # fmt: skip
def test_by_interval_floors_arrivals(store, minutes, expected):
    result = compute_kpis(store, by=["interval"], interval_minutes=minutes)
    found = dict(zip(pd.to_datetime(result["interval_start"]).dt.strftime("%Y-%m-%d %H:%M"), result["offered"]))
    assert found == expected


def test_by_queue_and_interval_combines_keys(store):
    result = compute_kpis(store, by=["queue", "interval"], interval_minutes=60)
    assert list(result.columns[:2]) == ["queue_id", "interval_start"]
    assert len(result) == 4
    tech = result[result["queue_id"] == "tech_en"].iloc[0]
    _assert_row(tech, {"offered": 4, "answered": 2, "abandonment_rate": 0.5})


def test_date_filters_are_inclusive_days_and_fcr_looks_beyond_them(store):
    first_day = compute_kpis(store, date_from="2026-01-05", date_to="2026-01-05").iloc[0]
    # c01's repeat c05 lies after date_to but still counts against FCR.
    _assert_row(first_day, {"offered": 8, "answered": 4, "fcr_rate": 2 / 3, "survey_response_rate": 3 / 4})
    assert compute_kpis(store, date_from="2026-01-06").iloc[0]["offered"] == 2
    assert compute_kpis(store, date_to="2026-01-06").iloc[0]["offered"] == 9


def test_no_calls_gives_one_overall_row_of_zeros_and_nulls(store):
    row = compute_kpis(store, date_from="2027-01-01").iloc[0]
    _assert_row(row, {"offered": 0, "answered": 0, "abandonment_rate": NAN, "csat_mean": NAN})
    assert compute_kpis(store, by=["queue"], date_from="2027-01-01").empty


def test_thresholds_are_parameters(store):
    row = compute_kpis(store, target_answer_seconds=30, short_abandon_seconds=10, repeat_window_days=30).iloc[0]
    # c11 (5 s) becomes short; c02 (25 s) and c07 (30 s) now meet the target;
    # c02 is now repeated by c09 within 30 days.
    _assert_row(row, {"abandoned": 1, "short_abandoned": 3, "abandonment_rate": 1 / 7, "service_level": 6 / 7,
                      "fcr_rate": 3 / 5})  # fmt: skip


def test_unknown_by_key_names_it_and_lists_valid_keys(store):
    # team is a key now (the agents' team); shoe_size is nothing this store holds
    with pytest.raises(WorkbenchError) as excinfo:
        compute_kpis(store, by=["queue", "shoe_size"])
    message = str(excinfo.value)
    assert "shoe_size" in message
    assert all(key in message for key in (*BY_KEYS, "team", "site"))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"interval_minutes": 7},
        {"interval_minutes": 90},
        {"interval_minutes": 0},
        {"date_from": "05/01/2026"},
        {"date_from": "2026-01-06", "date_to": "2026-01-05"},
        {"repeat_window_days": 0},
        {"target_answer_seconds": -1},
    ],
)
def test_invalid_parameters_raise(store, kwargs):
    with pytest.raises(ParameterError):
        compute_kpis(store, **kwargs)


def test_compute_kpis_does_not_write_to_the_store(store):
    before = store.table_counts()
    compute_kpis(store, by=["queue", "day"])
    assert store.table_counts() == before


# -- generated sample ---------------------------------------------------------

TRUTH_TO_CALLS = {
    "call_id": "call_id",
    "queue_id": "queue_id",
    "language": "language",
    "customer_id": "customer_id",
    "agent_id": "agent_id",
    "arrived_at_local": "arrived_at",
    "answered_at_local": "answered_at",
    "ended_at_local": "ended_at",
    "wait_seconds": "wait_seconds",
    "talk_seconds": "talk_seconds",
    "hold_seconds": "hold_seconds",
    "wrap_seconds": "wrap_seconds",
    "outcome": "outcome",
    "transfer_to_queue_id": "transfer_to_queue_id",
}


@pytest.fixture(scope="module")
def sample(generated_centre_seed3, tmp_path_factory):
    folder = tmp_path_factory.mktemp("kpi_sample")
    truth = pd.read_csv(generated_centre_seed3 / "truth" / "calls.csv")
    calls = truth[list(TRUTH_TO_CALLS)].rename(columns=TRUTH_TO_CALLS)
    for column in ("arrived_at", "answered_at", "ended_at"):
        calls[column] = pd.to_datetime(calls[column])
    with Store(folder / "sample.duckdb") as opened:
        opened.write_batch({"calls": calls}, batch_id="sample")
        yield opened, truth


def test_sample_counts_match_the_truth_file(sample):
    store, truth = sample
    real = truth[truth["outcome"] != "phantom"]
    row = compute_kpis(store).iloc[0]
    assert row["offered"] == len(real)
    assert row["answered"] == int(real["answered"].sum())
    assert row["abandoned"] == int((real["abandoned"] & ~real["short_abandon"]).sum())
    assert row["short_abandoned"] == int(real["short_abandon"].sum())
    assert row["offered"] == row["answered"] + row["abandoned"] + row["short_abandoned"]
    by_queue = compute_kpis(store, by=["queue"]).set_index("queue_id")["offered"]
    assert by_queue.to_dict() == real.groupby("queue_id").size().to_dict()


def test_queue_filter_limits_the_calls_counted(store):
    expected = {k: v for k, v in BILLING.items() if k != "queue_id"}
    _assert_row(compute_kpis(store, queues=["billing_zh"]).iloc[0], expected)
    by_queue = compute_kpis(store, by=["queue"], queues=["tech_en", "nope"])
    assert list(by_queue["queue_id"]) == ["tech_en"]
    assert compute_kpis(store, queues=[])["offered"].iloc[0] == OVERALL["offered"]


def test_definitions_table_splits_every_definition_and_formula():
    from workbench.kpis import kpi_definitions_table

    table = kpi_definitions_table()
    assert list(table["kpi"]) == KPI_COLUMNS
    assert table["definition"].str.len().gt(0).all() and table["formula"].str.len().gt(0).all()
    assert not table["definition"].str.contains("Formula:").any()


def test_format_kpi_values_shows_rates_as_percentages_and_nulls_as_blank(store):
    from workbench.kpis import format_kpi_values

    raw = compute_kpis(store, by=["queue"])
    raw.loc[1, "csat_top_box_rate"] = float("nan")
    shown = format_kpi_values(raw)
    assert shown.loc[0, "service_level"] == "75.0%" and shown.loc[0, "offered"] == "6"
    assert shown.loc[1, "csat_top_box_rate"] == "" and shown.loc[0, "queue_id"] == "billing_zh"
    assert raw.loc[0, "service_level"] == pytest.approx(0.75)


# Agent states for occupancy: A1 has two staffed periods and a break (not
# staffed), A3 one period crossing 10:00, A2 none (its calls stay out).
AGENT_STATES = pd.DataFrame(
    [
        ("A1-1", "A1", "available", "2026-01-05 09:00:00", "2026-01-05 09:45:00"),  # 2700 s
        ("A1-2", "A1", "not_ready", "2026-01-05 09:45:00", "2026-01-05 10:00:00"),  # break: not staffed
        ("A1-3", "A1", "available", "2026-01-06 10:00:00", "2026-01-06 10:30:00"),  # 1800 s
        ("A3-1", "A3", "available", "2026-01-05 09:50:00", "2026-01-05 10:50:00"),  # 600 s + 3000 s
    ],
    columns=["state_id", "agent_id", "state", "started_at", "ended_at"],
).assign(started_at=lambda d: pd.to_datetime(d["started_at"]), ended_at=lambda d: pd.to_datetime(d["ended_at"]))
# Handle seconds of agents with states: A1 c01 150 + c05 70; A3 c07 360 + c08 150.


@pytest.fixture()
def staffed_store(store):
    store.write_batch({"agent_states": AGENT_STATES}, batch_id="states")
    return store


def test_occupancy_overall_and_by_agent(staffed_store):
    assert compute_kpis(staffed_store)["occupancy"].iloc[0] == pytest.approx((220 + 510) / (2700 + 1800 + 3600))
    by_agent = compute_kpis(staffed_store, by=["agent"]).set_index("agent_id")["occupancy"]
    assert by_agent["A1"] == pytest.approx(220 / 4500)
    assert by_agent["A3"] == pytest.approx(510 / 3600)
    assert pd.isna(by_agent["A2"])  # no agent states: unknown, not zero


def test_occupancy_by_day_and_interval_cuts_periods_at_boundaries(staffed_store):
    by_day = compute_kpis(staffed_store, by=["day"]).set_index("day")["occupancy"]
    assert by_day[pd.Timestamp("2026-01-05")] == pytest.approx(660 / 6300)
    assert by_day[pd.Timestamp("2026-01-06")] == pytest.approx(70 / 1800)
    assert pd.isna(by_day[pd.Timestamp("2026-01-20")])
    hourly = compute_kpis(staffed_store, by=["interval"], interval_minutes=60).set_index("interval_start")["occupancy"]
    assert hourly[pd.Timestamp("2026-01-05 09:00")] == pytest.approx(150 / 3300)  # A1 2700 s + A3 600 s
    assert hourly[pd.Timestamp("2026-01-05 10:00")] == pytest.approx(510 / 3000)
    later = compute_kpis(staffed_store, date_from="2026-01-06")
    assert later["occupancy"].iloc[0] == pytest.approx(70 / 1800)  # state time clipped to the period too


def test_occupancy_is_null_by_queue_or_with_a_queue_filter(staffed_store):
    assert compute_kpis(staffed_store, by=["queue"])["occupancy"].isna().all()
    assert compute_kpis(staffed_store, queues=["tech_en"])["occupancy"].isna().all()


def test_csat_distribution_overall_and_by_queue(store):
    overall = csat_distribution(store)
    assert overall["csat"].tolist() == [1, 2, 3, 4, 5]
    assert overall["responses"].tolist() == [0, 0, 1, 1, 1]
    assert overall["share"].tolist() == pytest.approx([0, 0, 1 / 3, 1 / 3, 1 / 3])
    by_queue = csat_distribution(store, by=["queue"]).set_index(["queue_id", "csat"])["responses"]
    assert by_queue[("billing_zh", 5)] == 1 and by_queue.loc["billing_zh"].sum() == 1
    assert by_queue[("tech_en", 3)] == 1 and by_queue[("tech_en", 4)] == 1 and by_queue.loc["tech_en"].sum() == 2
    assert csat_distribution(store, date_from="2026-01-06")["responses"].sum() == 0


def test_occupancy_on_the_sample_matches_its_truth(generated_centre_seed3, tmp_path):
    """Agent states and calls of the generated centre, ingested, give the occupancy its truth implies."""
    from workbench.ingest import ingest_files

    exports = generated_centre_seed3 / "exports"
    for export, profile in [("acd_calls.csv", "sample_acd"), ("agent_states.csv", "sample_agent_states")]:
        summary = ingest_files([exports / export], profile, store_path=tmp_path / "w.duckdb", rejects_dir=tmp_path / "r")
        assert summary["status"].tolist() == ["succeeded"]
    truth = pd.read_csv(generated_centre_seed3 / "truth" / "calls.csv")
    states = pd.read_csv(exports / "agent_states.csv", parse_dates=["State Start", "State End"])
    ready = states[states["State"] == "READY"]
    staffed_seconds = (ready["State End"] - ready["State Start"]).dt.total_seconds().sum()
    # Phantom calls leave the ACD as ANSWERED, so the store counts them as handled too.
    handled = truth[truth["outcome"].isin(["answered", "transferred", "phantom"]) & truth["agent_id"].notna()]
    with Store(tmp_path / "w.duckdb", read_only=True) as store:
        occupancy = compute_kpis(store)["occupancy"].iloc[0]
    assert 0.3 < occupancy < 1.0
    # A few calls are rejected on purpose (export defects), hence the tolerance.
    assert occupancy == pytest.approx(handled["handle_seconds"].sum() / staffed_seconds, rel=0.01)


def test_an_abandon_without_a_recorded_wait_counts_as_abandoned(store):
    """The glossary's call sets: no wait is a genuine abandon, neither short nor lost.

    The store itself requires a wait, so the constraint is lifted here to stand
    for a ``calls`` relation of another engine, which the SQL also runs on.
    """
    store.connection.execute("ALTER TABLE calls ALTER COLUMN wait_seconds DROP NOT NULL")
    store.connection.execute(
        "INSERT INTO calls (call_id, queue_id, language, customer_id, arrived_at, wait_seconds, outcome)"
        " VALUES ('c12', 'tech_en', 'en', 'K9', TIMESTAMP '2026-01-05 11:00:00', NULL, 'abandoned')"
    )
    row = compute_kpis(store).iloc[0]
    _assert_row(row, {"offered": 11, "abandoned": 3, "short_abandoned": 2, "abandonment_rate": 3 / 9,
                      "answer_rate": 6 / 9, "service_level": 4 / 9})  # fmt: skip
    assert row["offered"] == row["answered"] + row["abandoned"] + row["short_abandoned"]


def test_queue_filter_takes_families_and_all(store):
    assert compute_kpis(store, queues=["billing"])["offered"].iloc[0] == BILLING["offered"]
    assert compute_kpis(store, queues=["all"])["offered"].iloc[0] == OVERALL["offered"]
    assert compute_kpis(store, queues=["nope"])["offered"].iloc[0] == 0
    assert csat_distribution(store, queues=["tech"])["responses"].sum() == 2


# -- measures the export did not give ---------------------------------------------------

# The fixture plus calls of a public export that left measures out: c12 abandons with no
# wait, c13 is answered with no wait (talk known), c14 answered within 20 s with no talk,
# hold or wrap, c15 a coded short abandon with no wait.
UNKNOWN_MEASURES = pd.DataFrame(
    [
        ("c12", "billing_zh", "zh", "K9", None, "2026-01-05 11:00:00", None, None, None, None, "abandoned"),
        ("c13", "billing_zh", "zh", "K10", "A1", "2026-01-05 11:05:00", None, 100, None, None, "answered"),
        ("c14", "tech_en", "en", "K11", "A3", "2026-01-05 11:10:00", 8, None, None, None, "answered"),
        ("c15", "tech_en", "en", "K12", None, "2026-01-05 11:15:00", None, None, None, None, "short_abandon"),
    ],
    columns=CALLS.columns,
).assign(arrived_at=lambda d: pd.to_datetime(d["arrived_at"])).astype(
    {c: float for c in ("wait_seconds", "talk_seconds", "hold_seconds", "wrap_seconds")})  # fmt: skip


@pytest.fixture()
def unknown_store(tmp_path):
    with Store(tmp_path / "unknown.duckdb") as opened:
        opened.write_batch({"calls": pd.concat([CALLS, UNKNOWN_MEASURES], ignore_index=True), "surveys": SURVEYS},
                           batch_id="fixture")
        yield opened


def test_unknown_waits_count_as_calls_but_not_in_the_wait_averages(unknown_store):
    row = compute_kpis(unknown_store).iloc[0]
    _assert_row(row, {
        "offered": 14,
        "answered": 8,  # c13 and c14 answered, known wait or not
        "abandoned": 3,  # c12: no wait, a genuine abandon
        "short_abandoned": 3,  # c15 by its outcome
        "abandonment_rate": 3 / 11,
        "asa_seconds": (10 + 25 + 15 + 30 + 5 + 20 + 8) / 7,  # c13 left out, not counted as 0
        "service_level_calls": 14 - 3 - 1,  # c13 cannot be shown in time or late
        "service_level": 5 / 10,  # c14 in time; c12 a miss
        "aht_seconds": (150 + 240 + 70 + 360 + 150 + 90 + 100) / 7,  # c14 left out, c13 counts its talk
        "wait_unknown": 3,  # c12 c13 c15
        "handle_unknown": 1,  # c14
    })  # fmt: skip


def test_unknown_measures_by_queue(unknown_store):
    result = compute_kpis(unknown_store, by=["queue"]).set_index("queue_id")
    columns = ["abandonment_rate", "asa_seconds", "service_level_calls", "wait_unknown", "handle_unknown"]
    billing, tech = result.loc["billing_zh", columns].tolist(), result.loc["tech_en", columns].tolist()
    assert billing == pytest.approx([1 / 6, 70 / 4, 5, 2, 0])
    assert tech == pytest.approx([2 / 5, 43 / 3, 5, 1, 1])


def test_a_queue_whose_export_gives_no_measures_still_has_its_rates(tmp_path):
    calls = UNKNOWN_MEASURES.iloc[[0, 1]].assign(wait_seconds=None, talk_seconds=None)
    with Store(tmp_path / "bare.duckdb") as store:
        store.write_batch({"calls": calls}, batch_id="bare")
        row = compute_kpis(store).iloc[0]
    _assert_row(row, {"offered": 2, "answered": 1, "abandoned": 1, "abandonment_rate": 0.5, "asa_seconds": NAN,
                      "service_level_calls": 1, "service_level": 0.0, "aht_seconds": NAN, "wait_unknown": 2,
                      "handle_unknown": 1})  # fmt: skip


def test_formatted_values_show_the_unknown_counts(unknown_store):
    from workbench.kpis import format_kpi_values

    shown = format_kpi_values(compute_kpis(unknown_store)).iloc[0]
    assert (shown["wait_unknown"], shown["handle_unknown"], shown["service_level_calls"]) == ("3", "1", "10")


# --------------------------------------------------------------------------- custom dimensions, FCR both ways

# The fixture's calls with three custom dimensions (a category, a flag, a number), the agent-marked
# outcome fields, agents with teams and sites, and surveys with a type. Hand counts next to each test.
REGION = {"c01": "north", "c02": "south", "c03": "north", "c04": None, "c05": "north", "c06": "north",
          "c07": "south", "c08": "south", "c09": "north", "c10": "south", "c11": "north"}
VIP = {"c01": True, "c07": True, "c02": False}
PRIORITY = {"c01": 1.0, "c02": 2.0}
# c10 is abandoned: its mark must not count (only answered calls are in the marked population)
RESOLVED = {"c01": True, "c02": False, "c05": True, "c08": True, "c10": True}
REASON = {"c01": "billing", "c02": "billing", "c05": "refund", "c08": "billing", "c09": "refund"}
CATALOGUE = pd.DataFrame({
    "table_name": ["calls", "calls", "calls"], "dimension": ["region", "vip", "priority"],
    "value_type": ["category", "flag", "number"], "column_name": ["dim_region", "dim_vip", "dim_priority"],
    "description": ["sales region", "VIP caller", "routing priority"], "profile": "test",
})  # fmt: skip
AGENTS = pd.DataFrame({"agent_id": ["A1", "A2", "A3"], "team": ["red", "red", "blue"], "site": ["sh", "bj", "sh"]})


@pytest.fixture()
def dimension_store(tmp_path):
    calls = CALLS.assign(
        dim_region=CALLS["call_id"].map(REGION), dim_vip=CALLS["call_id"].map(VIP).astype("boolean"),
        dim_priority=CALLS["call_id"].map(PRIORITY), resolved=CALLS["call_id"].map(RESOLVED).astype("boolean"),
        contact_reason=CALLS["call_id"].map(REASON),
    )  # fmt: skip
    surveys = SURVEYS.assign(survey_type=["ivr", "sms", "sms"], channel=["phone", "phone", "chat"])
    with Store(tmp_path / "dimensions.duckdb") as opened:
        opened.write_batch({"dimensions": CATALOGUE, "calls": calls, "surveys": surveys, "agents": AGENTS},
                           batch_id="fixture")  # fmt: skip
        yield opened


def test_by_a_custom_dimension_is_one_more_group_column(dimension_store):
    result = compute_kpis(dimension_store, by=["region"])
    assert list(result.columns) == ["region", *KPI_COLUMNS]
    rows = result.set_index("region", drop=False)
    # north: c01 c03 c05 c09 c11 (c06 phantom); south: c02 c07 c08 c10; no region: c04
    _assert_row(rows.loc["north"], {"offered": 5, "answered": 3, "short_abandoned": 1, "abandoned": 1,
                                    "fcr_rate": 2 / 3, "fcr_calls": 3, "customer_unknown": 0})  # fmt: skip
    _assert_row(rows.loc["south"], {"offered": 4, "answered": 3, "abandoned": 1, "fcr_rate": 1.0, "fcr_calls": 2,
                                    "customer_unknown": 1})  # fmt: skip
    assert result.loc[result["region"].isna(), "offered"].tolist() == [1]
    assert result["offered"].sum() == OVERALL["offered"]
    by_both = compute_kpis(dimension_store, by=["queue", "region"])
    assert list(by_both.columns[:2]) == ["queue_id", "region"]
    north_billing = by_both[(by_both["queue_id"] == "billing_zh") & (by_both["region"] == "north")].iloc[0]
    assert north_billing["offered"] == 4  # c01 c03 c05 c09


def test_fcr_both_ways_side_by_side_with_their_populations(dimension_store):
    row = compute_kpis(dimension_store).iloc[0]
    # answered: c01 c02 c05 c07 c08 c09; marked: c01 (T) c02 (F) c05 (T) c08 (T); c10's mark is not an answered call's
    _assert_row(row, {"fcr_rate": 4 / 5, "fcr_calls": 5, "customer_unknown": 1,
                      "fcr_marked_rate": 3 / 4, "fcr_marked_calls": 4, "resolved_unknown": 2})  # fmt: skip
    columns = list(compute_kpis(dimension_store).columns)
    assert columns.index("fcr_marked_rate") == columns.index("fcr_rate") + 1
    by_region = compute_kpis(dimension_store, by=["region"]).set_index("region")
    assert by_region.loc["north", "fcr_marked_rate"] == 1.0 and by_region.loc["north", "resolved_unknown"] == 1
    assert by_region.loc["south", "fcr_marked_rate"] == 0.5


def test_a_store_without_marks_has_no_marked_rate_and_says_why(store):
    row = compute_kpis(store).iloc[0]
    assert pd.isna(row["fcr_marked_rate"])
    assert (row["fcr_marked_calls"], row["resolved_unknown"]) == (0, OVERALL["answered"])


def test_dimension_filter_keeps_the_calls_with_those_values(dimension_store):
    north = compute_kpis(dimension_store, dimension_filter={"region": "north"}).iloc[0]
    assert (north["offered"], north["answered"]) == (5, 3)
    both = compute_kpis(dimension_store, dimension_filter={"region": ["north", "south"]}).iloc[0]
    assert both["offered"] == 9  # c04 has no region
    assert compute_kpis(dimension_store, dimension_filter={"vip": "yes"}).iloc[0]["offered"] == 2  # c01 c07
    assert compute_kpis(dimension_store, dimension_filter={"vip": "false"}).iloc[0]["offered"] == 1  # c02
    assert compute_kpis(dimension_store, dimension_filter={"priority": "2"}).iloc[0]["offered"] == 1  # c02
    combined = compute_kpis(dimension_store, dimension_filter={"region": "north", "vip": True}).iloc[0]
    assert combined["offered"] == 1  # c01
    by_queue = compute_kpis(dimension_store, by=["queue"], dimension_filter={"region": "south"})
    assert by_queue.set_index("queue_id")["offered"].to_dict() == {"billing_zh": 1, "tech_en": 3}


def test_dimension_filter_values_are_parameters_not_sql(dimension_store):
    row = compute_kpis(dimension_store, dimension_filter={"region": "north' OR '1'='1"}).iloc[0]
    assert row["offered"] == 0


@pytest.mark.parametrize(
    ("dimension_filter", "words"),
    [
        ({"colour": "red"}, ["colour", "region", "vip", "priority", "team"]),
        ({"priority": "high"}, ["priority", "number"]),
        ({"vip": "maybe"}, ["vip", "flag"]),
        ({"region": []}, ["region"]),
    ],
)
def test_a_bad_dimension_filter_says_what_is_wrong(dimension_store, dimension_filter, words):
    with pytest.raises(ParameterError) as excinfo:
        compute_kpis(dimension_store, dimension_filter=dimension_filter)
    assert all(word in str(excinfo.value) for word in words)


def test_unknown_key_lists_the_stores_dimensions(dimension_store):
    with pytest.raises(WorkbenchError) as excinfo:
        compute_kpis(dimension_store, by=["member_tier"])
    assert all(word in str(excinfo.value) for word in ("member_tier", "queue", "region", "vip", "priority"))


def test_by_the_agents_team_and_site(dimension_store):
    by_team = compute_kpis(dimension_store, by=["team"])
    offered = {(k if isinstance(k, str) else None): v for k, v in zip(by_team["team"], by_team["offered"])}
    # red: A1 (c01 c05), A2 (c02 c09); blue: A3 (c07 c08); no agent: c03 c04 c10 c11
    assert offered == {"blue": 2, "red": 4, None: 4}
    assert by_team.set_index("team").loc["red", "answered"] == 4
    by_site = compute_kpis(dimension_store, by=["site", "queue"], dimension_filter={"team": "red"})
    assert by_site.set_index("site")["offered"].to_dict() == {"bj": 2, "sh": 2}
    assert by_team["occupancy"].isna().all()  # not by team: agent states are not joined per team


def test_csat_distribution_by_survey_type_and_dimension(dimension_store):
    by_type = csat_distribution(dimension_store, by=["survey_type"]).set_index(["survey_type", "csat"])
    assert by_type.loc[("ivr", 5), "responses"] == 1 and by_type.loc[("ivr", 5), "share"] == 1.0
    assert by_type.loc[("sms", 3), "share"] == 0.5 and by_type.loc[("sms", 4), "share"] == 0.5
    north = csat_distribution(dimension_store, dimension_filter={"region": "north"})
    assert north.set_index("csat")["responses"].to_dict() == {1: 0, 2: 0, 3: 0, 4: 0, 5: 1}  # c01
    by_channel = csat_distribution(dimension_store, by=["survey_channel"]).groupby("survey_channel")["responses"].sum()
    assert by_channel.to_dict() == {"chat": 1, "phone": 2}
    with pytest.raises(WorkbenchError):
        compute_kpis(dimension_store, by=["survey_type"])  # a call has no survey type


def test_contact_reason_counts_add_up_to_answered(dimension_store):
    from workbench.kpis import contact_reason_counts

    table = contact_reason_counts(dimension_store)
    assert table["calls"].sum() == OVERALL["answered"]
    rows = table.set_index("code", drop=False)
    # billing: c01 (T) c02 (F) c08 (T); refund: c05 (T) c09 (no mark); none: c07
    assert list(table["code"].iloc[:2]) == ["billing", "refund"] and pd.isna(table["code"].iloc[2])
    assert rows.loc["billing", "calls"] == 3 and rows.loc["billing", "share"] == 0.5
    assert rows.loc["billing", "fcr_marked_rate"] == pytest.approx(2 / 3)
    assert (rows.loc["refund", "fcr_marked_calls"], rows.loc["refund", "fcr_marked_rate"]) == (1, 1.0)
    by_region = contact_reason_counts(dimension_store, by=["region"])
    assert by_region.groupby("region")["share"].sum().round(12).eq(1.0).all()
    assert contact_reason_counts(dimension_store, code="disposition_code")["code"].isna().all()
    with pytest.raises(ParameterError):
        contact_reason_counts(dimension_store, code="outcome")


def test_every_rate_states_its_population_and_what_it_lacks():
    from workbench.kpis import KPI_POPULATIONS, kpi_definitions_table

    rates = [name for name in KPI_COLUMNS if name.endswith(("_rate", "_seconds", "_mean")) or name in
             ("service_level", "occupancy")]  # fmt: skip
    assert sorted(KPI_POPULATIONS) == sorted(rates)
    for population, lacking in KPI_POPULATIONS.values():
        assert population
        assert lacking == "" or lacking in KPI_COLUMNS
    table = kpi_definitions_table().set_index("kpi")
    assert table.loc["fcr_marked_rate", "population"] == "fcr_marked_calls"
    assert table.loc["fcr_rate", "lacking"] == "customer_unknown"


def test_cli_kpis_by_and_filtered_on_a_custom_dimension(dimension_store):
    import json

    from typer.testing import CliRunner

    from workbench.cli import app

    path = str(dimension_store.path)
    dimension_store.close()  # the command opens the file itself
    runner = CliRunner()
    result = runner.invoke(app, ["kpis", "--store", path, "--by", "queue,region", "--format", "json"])
    assert result.exit_code == 0, result.output
    records = json.loads(result.output)
    assert {(r["queue_id"], r["region"]): r["offered"] for r in records}[("billing_zh", "north")] == 4
    filtered = runner.invoke(app, ["kpis", "--store", path, "--dimension-filter", "region=north,south",
                                   "--dimension-filter", "vip=yes", "--format", "json"])  # fmt: skip
    assert filtered.exit_code == 0, filtered.output
    assert json.loads(filtered.output)[0]["offered"] == 2  # c01 c07
    bad = runner.invoke(app, ["kpis", "--store", path, "--dimension-filter", "planet=mars"])
    assert bad.exit_code == 2 and "planet" in bad.output and "region" in bad.output
    malformed = runner.invoke(app, ["kpis", "--store", path, "--dimension-filter", "region"])
    assert malformed.exit_code == 2 and "NAME=VALUE" in malformed.output
