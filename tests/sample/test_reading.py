"""Reading the generated sample back, and the small summaries the overview notebook shows."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.errors import InputDataError, ParameterError
from workbench.sample import reading


@pytest.fixture
def calls() -> pd.DataFrame:
    """Six calls on two days, two lines; one short abandon, one long abandon, one survey each line."""
    return pd.DataFrame(
        {
            "call_id": ["c1", "c2", "c3", "c4", "c5", "c6"],
            "language": ["zh", "zh", "en", "en", "zh", "en"],
            "queue": ["billing", "billing", "sales", "sales", "complaints", "billing"],
            "queue_id": ["billing_zh", "billing_zh", "sales_en", "sales_en", "complaints_zh", "billing_en"],
            "date_local": ["2026-01-05", "2026-01-05", "2026-01-05", "2026-01-06", "2026-01-06", "2026-01-06"],
            "arrived_at_local": pd.to_datetime(
                ["2026-01-05 08:01:00", "2026-01-05 08:20:00", "2026-01-05 08:40:00",
                 "2026-01-06 09:10:00", "2026-01-06 21:59:59", "2026-01-06 08:05:00"]
            ),
            "outcome": ["answered", "short_abandon", "answered", "abandoned", "answered", "transferred"],
            "answered": [True, False, True, False, True, True],
            "abandoned": [False, True, False, True, False, False],
            "short_abandon": [False, True, False, False, False, False],
            "wait_seconds": [0, 3, 25, 90, 10, 0],
            "handle_seconds": [300.0, None, 200.0, None, 400.0, 500.0],
            "survey_offered": [True, False, True, False, True, False],
            "survey_responded": [True, False, True, False, False, False],
            "csat": pd.array([5, None, 2, None, None, None], dtype="Int64"),
        }
    )  # fmt: skip


def test_read_generated_names_the_missing_file(tmp_path):
    (tmp_path / "truth").mkdir()
    with pytest.raises(InputDataError, match="truth/calls.csv") as caught:
        reading.read_generated(tmp_path)
    assert caught.value.file == str(tmp_path / "truth" / "calls.csv")
    with pytest.raises(InputDataError, match="sample folder not found"):
        reading.read_generated(tmp_path / "absent")


def test_read_generated_names_a_missing_column(tmp_path):
    (tmp_path / "truth").mkdir()
    (tmp_path / "truth" / "calls.csv").write_text("call_id,language\nc1,zh\n")
    with pytest.raises(InputDataError, match="missing") as caught:
        reading.read_generated(tmp_path, names=["calls"])
    assert caught.value.field == "queue"


def test_filter_calls_by_queue_language_and_period(calls):
    assert list(reading.filter_calls(calls, queues=["billing"])["call_id"]) == ["c1", "c2", "c6"]
    assert list(reading.filter_calls(calls, queues=["billing_en"])["call_id"]) == ["c6"]
    assert list(reading.filter_calls(calls, language="en", date_from="2026-01-06")["call_id"]) == ["c4", "c6"]
    assert list(reading.filter_calls(calls, queues=["all"], date_to="2026-01-05")["call_id"]) == ["c1", "c2", "c3"]
    assert calls["call_id"].tolist() == ["c1", "c2", "c3", "c4", "c5", "c6"]  # not mutated


def test_filter_calls_rejects_unknown_queue_and_empty_period(calls):
    with pytest.raises(ParameterError, match="unknown queue") as caught:
        reading.filter_calls(calls, queues=["biling"])
    assert caught.value.field == "queues"
    with pytest.raises(ParameterError, match="covers 2026-01-05 to 2026-01-06"):
        reading.filter_calls(calls, date_from="2027-01-01")
    with pytest.raises(ParameterError, match="before date_from"):
        reading.filter_calls(calls, date_from="2026-01-06", date_to="2026-01-05")


def test_headline_counts_calls_as_the_kpis_do(calls):
    row = reading.headline(calls, target_answer_seconds=20).iloc[0]
    # c2 is a short abandon: neither abandoned nor in the rates' denominators.
    assert row["offered"] == 6 and row["answered"] == 4 and row["abandoned"] == 1
    # counted: 5 calls (c2 short abandon left out); within 20 s: c1, c5, c6
    assert row["service_level"] == pytest.approx(3 / 5) and row["abandon_rate"] == pytest.approx(1 / 5)
    assert row["mean_csat"] == pytest.approx(3.5)
    phantom = pd.concat([calls, calls.iloc[[0]].assign(call_id="c7", outcome="phantom", wait_seconds=0)])
    again = reading.headline(phantom, target_answer_seconds=20).iloc[0]
    assert again["offered"] == 6 and again["answered"] == 4 and again["service_level"] == pytest.approx(3 / 5)


def test_summaries_agree_with_the_kpi_engine(calls, tmp_path):
    from workbench.kpis import compute_kpis
    from workbench.store import Store

    store_calls = calls.rename(columns={"arrived_at_local": "arrived_at"})[
        ["call_id", "queue_id", "language", "arrived_at", "wait_seconds", "outcome"]]
    with Store(tmp_path / "w.duckdb") as store:
        store.write_batch({"calls": store_calls}, batch_id="b")
        kpis = compute_kpis(store, by=["queue"]).set_index("queue_id")
    summary = reading.queue_summary(calls, 20).set_index("queue_id")
    for ours, theirs in (("offered", "offered"), ("answered", "answered"), ("abandoned", "abandoned"),
                         ("abandon_rate", "abandonment_rate"), ("service_level", "service_level")):
        assert summary[ours].to_dict() == pytest.approx(kpis[theirs].round(4).to_dict()), ours


def test_queue_summary_and_daily_volume(calls):
    summary = reading.queue_summary(calls, 20).set_index("queue_id")
    assert summary.loc["billing_zh", "abandon_rate"] == 0.0 and summary.loc["sales_en", "abandon_rate"] == 0.5
    assert summary.loc["billing_zh", "service_level"] == 1.0
    assert summary.loc["sales_en", "service_level"] == 0.0
    daily = reading.daily_volume_table(calls)
    assert daily["calls"].sum() == 6 and set(daily.columns) == {"date", "language", "calls", "answered", "abandoned"}


def test_interval_profile_floors_to_interval_and_averages_over_days(calls):
    profile = reading.interval_profile(calls, 60, 20).set_index(["interval_start", "language"])
    eight = pd.Timestamp("2026-01-05 08:00")  # times of day, on the first day of the calls
    assert profile.loc[(eight, "zh"), "calls"] == 2
    assert profile.loc[(eight, "zh"), "calls_per_day"] == 1.0
    assert profile.loc[(eight, "zh"), "service_level"] == 1.0  # c2 short abandon is not counted
    assert (pd.Timestamp("2026-01-05 21:00"), "zh") in profile.index
    half_hour = reading.interval_profile(calls, 30, 20)
    assert {"08:00", "08:30"} <= set(half_hour["interval_start"].dt.strftime("%H:%M"))
    with pytest.raises(ParameterError, match="divisor of 60"):
        reading.interval_profile(calls, 90, 20)


def test_wait_histogram_csat_and_surveys(calls):
    waits = reading.wait_histogram(calls, bin_seconds=15, max_seconds=60)
    assert waits.set_index(["wait_bin_seconds", "outcome"])["calls"].to_dict() == {
        (0, "abandoned"): 1, (0, "answered"): 1, (15, "answered"): 1, (60, "abandoned"): 1,
    }  # fmt: skip
    csat = reading.csat_distribution_table(calls)
    assert len(csat) == 10 and csat.groupby("language")["share"].sum().round(6).tolist() == [1.0, 1.0]
    surveys = reading.survey_summary(calls).set_index(["queue", "language"])
    assert surveys.loc[("billing", "zh"), "response_rate"] == 1.0
    assert pd.isna(surveys.loc[("billing", "en"), "response_rate"])


@pytest.mark.slow
def test_reads_a_real_generated_sample(tmp_path):
    from workbench.sample.generate import generate_call_centre

    summary = generate_call_centre(tmp_path, days=1, seed=3, transcript_calls=10)
    frames = reading.read_generated(tmp_path)
    assert len(frames["calls"]) == summary["calls"]
    assert frames["calls"].attrs["source_path"] == str((tmp_path / "truth" / "calls.csv").resolve())
    assert str(frames["calls"]["arrived_at_local"].dtype).startswith("datetime64")
    files = reading.truth_files(tmp_path)
    assert files.set_index("file").loc["truth/calls.csv", "rows"] == summary["calls"]
