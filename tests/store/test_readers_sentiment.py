"""Store readers of call sentiment and of the centre's own words (speech-recognition hotwords)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from workbench.store import Store, readers


@pytest.fixture()
def store_path(tmp_path) -> Path:
    """Three calls with a sentiment (one in a period of its own, one on another queue), one without, one recording
    without a call record, and two topic runs (the later-finished one is the latest)."""
    t = pd.Timestamp("2026-03-02 09:00")
    calls = pd.DataFrame({"call_id": ["a", "b", "c", "d"],
                          "queue_id": ["billing_zh", "billing_en", "sales_en", "sales_en"],
                          "language": ["zh", "en", "en", "en"], "agent_id": ["A1", "A2", "A1", "A2"],
                          "arrived_at": [t, t + pd.Timedelta(days=1), t, t], "outcome": "answered",
                          "dim_product": ["金卡会员", "金卡会员", "Orbit Pro", None], "dim_region": "north"})  # fmt: skip
    catalogue = pd.DataFrame({"table_name": "calls", "dimension": ["product", "region"], "value_type": "category",
                              "column_name": ["dim_product", "dim_region"], "profile": "test"})
    metrics = pd.DataFrame({"call_id": ["a", "b", "c", "d", "x"], "call_sentiment": [-0.7, 0.1, 0.5, None, -0.4],
                            "call_sentiment_label": ["negative", "neutral", "positive", None, "negative"],
                            "customer_sentiment_start": [-0.8, 0.0, 0.2, None, None],
                            "customer_sentiment_end": [-0.2, 0.2, 0.6, None, None], "sentiment_model": "test"})
    path = tmp_path / "w.duckdb"
    with Store(path) as store:
        store.write_batch({"dimensions": catalogue, "calls": calls, "speech_metrics": metrics,
                           "queues": pd.DataFrame({"queue_id": ["billing_zh"], "queue_name": ["账单查询"]})},
                          batch_id="seed")
        for hour, (run, labels) in enumerate((("old", ["old_a", "old_b"]), ("new", ["退款 refund", "login"]))):
            store.write_batch({
                "topics": pd.DataFrame({"model_id": run, "topic_id": [0, 1], "label": labels, "size": [2, 1],
                                        "top_words": ["退款, refund, money", "password, Login"]}),
                # call a has two turns: the more probable topic is its topic
                "topic_assignments": pd.DataFrame({"model_id": run, "document_id": ["a:0", "a:1", "b:0"],
                                                   "call_id": ["a", "a", "b"], "topic_id": [1, 0, 1],
                                                   "probability": [0.3, 0.9, 0.8]}),
                "batches": pd.DataFrame({"batch_id": [f"topics-{run}"], "kind": "topics", "status": "succeeded",
                                         "finished_at": t + pd.Timedelta(hours=hour)}),
            }, batch_id=f"topics-{run}")  # fmt: skip
    return path


def test_call_sentiment_one_row_per_scored_call_with_its_latest_topic(store_path):
    with Store(store_path, read_only=True) as store:
        found = readers.call_sentiment(store)
    assert found.attrs["topic_model_id"] == "new"
    rows = found.set_index("call_id")
    assert list(rows.index) == ["a", "b", "c", "x"]  # d has no sentiment; x has no call record
    assert rows.loc["a", ["queue_id", "agent_id", "day", "topic_id", "topic_label"]].tolist() == [
        "billing_zh", "A1", "2026-03-02", 0, "退款 refund"]
    assert rows.loc["b", "topic_label"] == "login" and pd.isna(rows.loc["c", "topic_id"])
    assert pd.isna(rows.loc["x", "queue_id"]) and rows.loc["x", "call_sentiment_label"] == "negative"
    assert set(readers.SENTIMENT_COLUMNS) <= set(found.columns)
    assert rows.loc["a", "customer_sentiment_end"] == pytest.approx(-0.2)


def test_call_sentiment_period_and_queue_selection_as_the_kpis(store_path):
    with Store(store_path, read_only=True) as store:
        day = readers.call_sentiment(store, "2026-03-02", "2026-03-02")
        billing = readers.call_sentiment(store, queues=["billing"])
        one = readers.call_sentiment(store, date_from="2026-03-03", queues="billing_en")
        nothing = readers.call_sentiment(store, queues=["nowhere"])
        everything = readers.call_sentiment(store, queues=["all"])
        assert readers.sentiment_call_count(store) == 4
    assert day["call_id"].tolist() == ["a", "c"]  # a bounded period leaves out the recording without a call
    assert billing["call_id"].tolist() == ["a", "b"]
    assert one["call_id"].tolist() == ["b"] and nothing.empty and len(everything) == 4


def test_call_sentiment_without_a_topic_run(tmp_path):
    with Store(tmp_path / "w.duckdb") as store:
        store.write_batch({"speech_metrics": pd.DataFrame({"call_id": ["a"], "call_sentiment": [0.3],
                                                           "call_sentiment_label": ["positive"]})}, batch_id="s")
        found = readers.call_sentiment(store)
        assert readers.centre_vocabulary(store) == []
    assert found.attrs["topic_model_id"] is None and found["topic_id"].isna().all() and len(found) == 1


def test_centre_vocabulary_queues_names_and_latest_topic_words_once(store_path):
    with Store(store_path, read_only=True) as store:
        words = readers.centre_vocabulary(store)
        assert len(readers.centre_vocabulary(store, limit=3)) == 3
    assert words[:4] == ["billing_en", "billing_zh", "sales_en", "账单查询"]
    assert {"退款 refund", "login", "退款", "refund", "money", "password", "金卡会员", "Orbit Pro"} <= set(words)
    assert "north" not in words  # a region names no product
    assert "Login" not in words and "old_a" not in words  # once, first spelling; the latest run only
    assert len(words) == len(set(w.casefold() for w in words))
