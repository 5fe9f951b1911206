"""The negative-sentiment alert rule: seeded negative queue-days and topics fire, missing sentiment is said plainly."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from workbench import i18n
from workbench.errors import ParameterError
from workbench.reports.alerts import AlertRules, banner_html, evaluate_rules, load_rules

HOSTILE = "<script>alert(1)</script>"


def rules(**rule) -> AlertRules:
    return AlertRules.model_validate({"rules": [{"id": "negative_high", "kind": "negative_sentiment_above",
                                                 "threshold": 0.3, "min_calls": 10, **rule}]})


def scored_calls(day: str, queue_id: str, calls: int, negative: int, topic: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``calls`` answered calls on one queue-day and their sentiment, the first ``negative`` labelled negative."""
    base = datetime.fromisoformat(f"{day}T09:00:00")
    ids = [f"{queue_id}-{day}-{topic}-{i}" for i in range(calls)]
    frame = pd.DataFrame({"call_id": ids, "queue_id": queue_id, "language": queue_id[-2:], "agent_id": "A1",
                          "arrived_at": [base + timedelta(minutes=i) for i in range(calls)], "wait_seconds": 5.0,
                          "talk_seconds": 120.0, "outcome": "answered"})
    labels = ["negative"] * negative + ["neutral"] * (calls - negative)
    metrics = pd.DataFrame({"call_id": ids, "call_sentiment": [-0.6 if l == "negative" else 0.1 for l in labels],
                            "call_sentiment_label": labels, "topic": topic})
    return frame, metrics


@pytest.fixture(scope="module")
def sentiment_store(tmp_path_factory) -> Path:
    """billing_zh on 2026-03-02: 15 of 30 calls negative (topic 0, a hostile label); the rest 1 in 10; sales_en on
    2026-03-01 has 5 calls, all negative (below min_calls)."""
    from workbench.store import Store
    from workbench.topics.data import write_run

    parts = [scored_calls("2026-03-01", "billing_zh", 20, 2, 1), scored_calls("2026-03-02", "billing_zh", 30, 15, 0),
             scored_calls("2026-03-01", "sales_en", 5, 5, 1), scored_calls("2026-03-02", "sales_en", 20, 2, 1)]
    calls = pd.concat([c for c, _ in parts], ignore_index=True)
    metrics = pd.concat([m for _, m in parts], ignore_index=True)
    path = tmp_path_factory.mktemp("sentiment_alerts") / "w.duckdb"
    with Store(path) as store:
        store.write_batch({"calls": calls, "speech_metrics": metrics.drop(columns="topic")}, batch_id="seed")
        assignments = pd.DataFrame({"id": metrics["call_id"], "call_id": metrics["call_id"], "topic": metrics["topic"],
                                    "probability": 0.9})
        topics = pd.DataFrame({"topic": [0, 1], "label": [HOSTILE, "billing_question"], "size": [30, 65],
                               "top_words": ["a, b", "c, d"], "is_new": [False, False]})
        write_run(store, "20260303T000000Z", assignments, topics)
    return path


def test_a_negative_queue_day_fires_and_small_ones_are_ignored(sentiment_store):
    result = evaluate_rules(rules(), sentiment_store)[0]
    assert result["status"] == "fired" and result["count"] == 1
    worst = result["details"][0]
    assert (worst["queue_id"], worst["day"], worst["calls"], worst["negative_calls"]) == ("billing_zh", "2026-03-02",
                                                                                         30, 15)
    assert worst["negative_share"] == pytest.approx(0.5)
    assert "billing_zh" in result["message"] and "50.0%" in result["message"] and "30" in result["message"]
    small = evaluate_rules(rules(min_calls=3), sentiment_store)[0]  # sales_en's 5 negative calls now count
    assert small["count"] == 2 and small["details"][0]["queue_id"] == "sales_en"


def test_period_queues_and_language_limit_the_calls_checked(sentiment_store):
    first_day = evaluate_rules(rules(), sentiment_store, date_to="2026-03-01")[0]
    assert first_day["status"] == "ok" and "no queue-day" in first_day["message"]
    sales = evaluate_rules(rules(), sentiment_store, queues=["sales"])[0]
    assert sales["status"] == "ok"
    english = evaluate_rules(rules(), sentiment_store, language="en")[0]
    assert english["status"] == "ok"
    later = evaluate_rules(rules(), sentiment_store, date_from="2027-01-01")[0]
    assert later["status"] == "no_data" and "no calls with a stored sentiment" in later["message"]


def test_a_negative_topic_fires_over_the_window_with_its_label_escaped_in_the_banner(sentiment_store):
    result = evaluate_rules(rules(by="topic"), sentiment_store)[0]
    assert result["status"] == "fired" and [d["topic_id"] for d in result["details"]] == [0]
    assert HOSTILE in result["message"] and "50.0%" in result["message"]
    banner = banner_html({"rules": [result], "window": {}}, "en")
    assert HOSTILE not in banner and "&lt;script&gt;" in banner
    quiet = evaluate_rules(rules(by="topic", threshold=0.6), sentiment_store)[0]
    assert quiet["status"] == "ok" and "no topic with more than 60%" in quiet["message"]


def test_no_stored_sentiment_is_no_data_in_either_language(tmp_path):
    from workbench.store import Store

    path = tmp_path / "w.duckdb"
    calls, _ = scored_calls("2026-03-01", "billing_zh", 20, 2, 1)
    with Store(path) as store:
        store.write_batch({"calls": calls}, batch_id="seed")
    english = evaluate_rules(rules(), path)[0]
    assert english["status"] == "no_data" and "no call sentiment in the store" in english["message"]
    with i18n.using_language("zh"):
        chinese = evaluate_rules(rules(by="topic"), path)[0]
    assert chinese["status"] == "no_data" and "情绪" in chinese["message"]
    assert i18n.untranslated_texts(chinese["message"], "zh") == []


def test_messages_in_chinese(sentiment_store):
    with i18n.using_language("zh"):
        by_day, by_topic = evaluate_rules(AlertRules.model_validate({"rules": [
            {"id": "a", "kind": "negative_sentiment_above", "threshold": 0.3, "min_calls": 10},
            {"id": "b", "kind": "negative_sentiment_above", "threshold": 0.3, "min_calls": 10, "by": "topic"},
        ]}), sentiment_store)
    for result in (by_day, by_topic):
        assert result["status"] == "fired" and "负面" in result["message"], result["message"]
        assert i18n.untranslated_texts(result["message"].replace(HOSTILE, ""), "zh") == []
    assert "2026年3月2日" in by_day["message"] or "2026年03月02日" in by_day["message"], by_day["message"]


def test_rule_values_are_checked_naming_the_field(tmp_path):
    bad = tmp_path / "alerts.yaml"
    bad.write_text("rules:\n  - {id: a, kind: negative_sentiment_above, threshold: 1.5}\n", encoding="utf-8")
    with pytest.raises(ParameterError) as caught:
        load_rules(bad)
    assert caught.value.field == "rules[0].negative_sentiment_above.threshold"
    shipped = [r for r in load_rules().rules if r.kind == "negative_sentiment_above"]
    assert shipped and 0 < shipped[0].threshold < 1
