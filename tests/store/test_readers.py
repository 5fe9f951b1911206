"""The named store readers: what apps, reports and notebooks read, each query in one place."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from workbench import glossary
from workbench.errors import ParameterError
from workbench.store import Store, readers


def _calls() -> pd.DataFrame:
    return pd.DataFrame({
        "call_id": ["a", "b", "c", "d", "e", "f"],
        "queue_id": ["billing_zh", "billing_en", "sales_en", "billing_zh", "billing_zh", "sales_en"],
        "language": ["zh", "en", "en", "zh", "zh", "en"],
        "customer_id": ["k1", "k1", "k2", None, "k3", "k3"],
        "arrived_at": pd.to_datetime(["2026-01-05 09:01", "2026-01-05 09:20", "2026-01-06 10:00",
                                      "2026-01-06 10:05", "2026-01-07 11:00", "2026-01-08 23:59"]),
        "wait_seconds": [10.0, 40.0, 2.0, 7.0, 30.0, 5.0],
        "outcome": ["answered", "abandoned", "short_abandon", "abandoned", "transferred", "phantom"],
    })


@pytest.fixture()
def store(tmp_path):
    with Store(tmp_path / "w.duckdb") as opened:
        opened.write_batch({"calls": _calls(), "surveys": pd.DataFrame({"survey_id": ["s1", "s2"], "call_id": ["a", "e"], "csat": [5, 2]})})
        yield opened


def test_call_day_range_leaves_phantom_calls_out(store):
    assert readers.call_day_range(store) == (date(2026, 1, 5), date(2026, 1, 7))


def test_call_day_range_of_an_empty_store_is_open(tmp_path):
    with Store(tmp_path / "empty.duckdb") as empty:
        assert readers.call_day_range(empty) == (None, None)


def test_calls_in_set_uses_the_glossary_definitions(store):
    abandoned = readers.calls_in_set(store, "abandoned", short_abandon_seconds=5)
    # b and d waited 5 s or more: genuine abandons; c is a short abandon
    assert abandoned["call_id"].tolist() == ["b", "d"]
    late = readers.calls_in_set(store, "answered_late", target_answer_seconds=20)
    assert late["call_id"].tolist() == ["e"]
    window = readers.calls_in_set(store, "offered", start="2026-01-06T00:00:00", end="2026-01-07T00:00:00",
                                  queues=["billing_zh"])
    assert window["call_id"].tolist() == ["d"]
    assert list(window.columns) == list(readers.CALL_COLUMNS)


def test_calls_in_set_agrees_with_the_pandas_twin(store):
    calls = _calls()
    for name in glossary.CALL_SETS:
        expected = calls.loc[glossary.call_set_mask(calls, name), "call_id"].tolist()
        assert readers.calls_in_set(store, name)["call_id"].tolist() == expected, name


def test_an_unknown_call_set_is_a_parameter_error(store):
    with pytest.raises(ParameterError, match="unknown call set"):
        readers.calls_in_set(store, "lost")


def test_queue_languages_and_context_readers(store):
    assert readers.queue_languages(store).values.tolist() == [
        ["billing_en", "en"], ["billing_zh", "zh"], ["sales_en", "en"]]
    context = readers.calls_with_context(store, call_ids=["e", "a"])
    assert context["call_id"].tolist() == ["a", "e"]
    assert list(context.columns) == list(readers.CONTEXT_COLUMNS)
    assert readers.surveys_of_calls(store, call_ids=["e"])["csat"].tolist() == [2]
    assert readers.table_row_count(store, "calls") == 6
    with pytest.raises(ParameterError):
        readers.table_row_count(store, "calls; DROP TABLE calls")


def test_latest_run_is_the_one_whose_batch_finished_last(store):
    rows = pd.DataFrame({"queue_id": "billing_zh", "interval_start": pd.Timestamp("2026-01-09 09:00"),
                         "interval_minutes": 30, "calls": 10.0, "aht_seconds": 300.0, "required_agents": 3,
                         "scheduled_agents": 4}, index=[0])
    for run, finished in (("zzz-older", "2026-01-01 08:00"), ("aaa-newer", "2026-01-02 08:00")):
        store.write_batch({"staffing": rows.assign(run_id=run),
                           "batches": pd.DataFrame({"batch_id": [f"staffing_forecast-{run}"], "kind": ["staffing"],
                                                    "status": ["succeeded"],
                                                    "finished_at": [pd.Timestamp(finished)]})})
    assert readers.latest_run_id(store, "staffing") == "aaa-newer"
    assert readers.run_ids(store, "staffing") == ["aaa-newer", "zzz-older"]
    assert len(readers.staffing_plan(store, "aaa-newer")) == 1
    assert readers.latest_run_id(store, "forecasts") is None


def test_latest_topic_run_without_batches_prefers_timestamp_ids(store):
    for model_id in ("manual-run", "20260101T000000Z", "20260102T000000Z"):
        store.write_batch({
            "topics": pd.DataFrame({"model_id": [model_id], "topic_id": [0], "label": ["billing"], "size": [1],
                                    "top_words": ["bill"], "is_new": [False]}),
            "topic_assignments": pd.DataFrame({"model_id": [model_id], "document_id": ["a"], "call_id": ["a"],
                                               "topic_id": [0], "probability": [0.9]}),
        })
    assert readers.latest_run_id(store, "topics") == "20260102T000000Z"
    topics, assignments = readers.topic_run(store, "manual-run")
    assert topics["label"].tolist() == ["billing"] and assignments["call_id"].tolist() == ["a"]
    assert readers.topic_days(store, "manual-run").values.tolist() == [[0, "2026-01-05"]]
    assert readers.calls_with_context(store, topic_model_id="manual-run")["call_id"].tolist() == ["a"]
    with pytest.raises(ParameterError, match="unknown run kind"):
        readers.latest_run_id(store, "surveys")


def test_a_topic_run_written_later_is_the_latest_whatever_its_id(store):
    from workbench.topics.data import write_run

    topics = pd.DataFrame({"topic": [0], "label": ["billing"], "size": [1], "top_words": ["bill"], "is_new": [False]})
    assignments = pd.DataFrame({"id": ["a"], "call_id": ["a"], "topic": [0], "probability": [0.9]})
    write_run(store, "20991231T000000Z", assignments, topics)
    write_run(store, "a-manual-run", assignments, topics)
    # Without batch rows the timestamp-like id would win; the later write is what counts.
    assert readers.latest_run_id(store, "topics") == "a-manual-run"
    assert readers.run_ids(store, "topics") == ["a-manual-run", "20991231T000000Z"]


def test_selected_queue_ids_resolve_families(store):
    assert readers.selected_queue_ids(store, None) is None
    assert readers.selected_queue_ids(store, ["all"]) is None
    assert readers.selected_queue_ids(store, ["billing"]) == ["billing_en", "billing_zh"]
    assert readers.selected_queue_ids(store, ["nope"]) == []


def test_called_again_from_the_store_agrees_with_the_glossary_on_a_subset(store):
    # k1 calls at 09:01 (a) and again at 09:20 (b); k3's later call (f) is a phantom and does not count.
    every = _calls()
    expected = dict(zip(every["call_id"], glossary.repeat_contact_flags(every, repeat_window_days=7)["called_again"]))
    subset = readers.calls_with_context(store, call_ids=["a", "e", "d"], repeat_window_days=7)
    assert subset["call_id"].tolist() == ["a", "d", "e"]
    assert subset["called_again"].tolist() == [expected["a"], expected["d"], expected["e"]] == [True, False, False]
    # Looked up against every stored call, not only the subset read.
    assert readers.calls_with_context(store, call_ids=["a"], repeat_window_days=7)["called_again"].tolist() == [True]
    assert "called_again" not in readers.calls_with_context(store, call_ids=["a"]).columns
