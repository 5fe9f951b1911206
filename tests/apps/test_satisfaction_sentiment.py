"""The satisfaction app's negative calls by queue, agent and day and its sentiment-driver line, in both languages."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from language_support import visible_text

from workbench import i18n
from workbench.apps import SatisfactionApp
from workbench.params import SatisfactionAppParameters

HOSTILE_QUEUE = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def sentiment_store(tmp_path_factory) -> Path:
    """Three queues over three days: billing_zh 40 % negative, sales_en 10 %, a markup-named queue 0 %; agent A2
    takes the negative billing calls; one scored recording has no call record."""
    from workbench.store import Store

    rows = []
    for day in ("2026-03-01", "2026-03-02", "2026-03-03"):
        for queue, negative in (("billing_zh", 4), ("sales_en", 1), (HOSTILE_QUEUE, 0)):
            for i in range(10):
                rows.append({"call_id": f"{queue[:6]}-{day}-{i}", "queue_id": queue, "language": "zh",
                             "agent_id": "A2" if i < negative else "A1", "outcome": "answered",
                             "arrived_at": pd.Timestamp(f"{day} 09:00") + pd.Timedelta(minutes=i),
                             "label": "negative" if i < negative else "neutral"})
    calls = pd.DataFrame(rows)
    metrics = calls[["call_id", "label"]].rename(columns={"label": "call_sentiment_label"})
    metrics = pd.concat([metrics, pd.DataFrame({"call_id": ["recording-only"], "call_sentiment_label": ["negative"]})])
    metrics["call_sentiment"] = np.where(metrics["call_sentiment_label"] == "negative", -0.5, 0.0)
    path = tmp_path_factory.mktemp("satisfaction_sentiment") / "warehouse.duckdb"
    with Store(path) as store:
        store.write_batch({"calls": calls.drop(columns="label"), "speech_metrics": metrics}, batch_id="seed")
    return path


@pytest.fixture(scope="module")
def plain_store(tmp_path_factory) -> Path:
    from workbench.store import Store

    path = tmp_path_factory.mktemp("satisfaction_plain") / "warehouse.duckdb"
    with Store(path):
        pass
    return path


def run_with_sentiment_driver(outputs: Path) -> Path:
    """The sample run's tables with call_sentiment ranked first on both models (effect 0.9, interval 0.5 to 1.3)."""
    from sample_centre import write_sample_satisfaction_run

    tables = write_sample_satisfaction_run(outputs)
    detail = pd.read_csv(tables / "drivers_detail.csv")
    detail["rank"] += 1
    sentiment = pd.DataFrame([{"model": model, "feature": "call_sentiment", "effect": 0.9, "ci_low": 0.5,
                               "ci_high": 1.3, "kind": "numeric", "step": 0.4, "direction": "raises CSAT", "rank": 1}
                              for model in ("logistic", "boosting")])
    pd.concat([detail, sentiment]).to_csv(tables / "drivers_detail.csv", index=False)
    return tables


def satisfaction(store_path: Path, **values) -> SatisfactionApp:
    return SatisfactionApp(SatisfactionAppParameters(store_path=str(store_path), **values))


def test_negative_share_by_queue_agent_and_day(sentiment_store, outputs):
    from sample_centre import write_sample_satisfaction_run

    write_sample_satisfaction_run(outputs)
    app = satisfaction(sentiment_store)
    by_queue = app.tables["negative"].set_index("queue_id")
    assert by_queue.loc["billing_zh", "negative_share"] == pytest.approx(0.4)
    assert by_queue.loc["sales_en", ["calls", "negative_calls"]].tolist() == [30, 3]
    assert app.tables["negative"]["queue_id"].iloc[0] != "sales_en"  # most negative first
    html = app.negative_table.value
    assert HOSTILE_QUEUE not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "40.0%" in html and "Negative share" in html and "no value" in html  # the recording without a call
    app.negative_by.value = "agent_id"
    by_agent = app.tables["negative"].set_index("agent_id")
    assert by_agent.loc["A2", "negative_share"] == 1.0 and by_agent.loc["A1", "negative_calls"] == 0
    app.negative_by.value = "day"
    days = app.tables["negative"]
    assert days["day"].dropna().tolist() == ["2026-03-01", "2026-03-02", "2026-03-03"]
    assert days["negative_share"].dropna().iloc[0] == pytest.approx(5 / 30)
    assert "2026" in app.negative_table.value


def test_the_sentiment_driver_line_follows_the_run_and_the_model(sentiment_store, outputs):
    from sample_centre import write_sample_satisfaction_run

    write_sample_satisfaction_run(outputs)
    without = satisfaction(sentiment_store)
    assert "no sentiment driver" in without.sentiment_driver.value
    run_with_sentiment_driver(outputs)
    app = satisfaction(sentiment_store)
    text = visible_text(app.sentiment_driver.value)
    assert "Call sentiment ranks 1 of 4, effect 0.90" in text and "0.50 to 1.30" in text
    assert "logistic regression" in text
    app.driver_model.value = "boosting"
    assert "gradient boosting" in visible_text(app.sentiment_driver.value)


def test_without_call_sentiment_or_store_the_section_says_so(plain_store, outputs, tmp_path):
    from sample_centre import write_sample_satisfaction_run

    write_sample_satisfaction_run(outputs)
    for path in (plain_store, tmp_path / "nowhere.duckdb"):
        app = satisfaction(path)
        assert "negative" not in app.tables and app.negative_by.layout.display == "none"
        assert "No call sentiment in the store yet" in app.negative_table.value
        assert "<svg" in app.drivers_chart.value  # the run's drivers are shown as before


def test_negative_shares_and_sentiment_driver_in_chinese(sentiment_store, plain_store, outputs, english_after):
    run_with_sentiment_driver(outputs)
    app = satisfaction(sentiment_store, interface_language="zh")
    text = visible_text(app.negative_table.value + app.sentiment_driver.value)
    for term in ("负面通话", "负面通话占比", "队列", "情绪"):
        assert term in text, term
    assert HOSTILE_QUEUE in text and HOSTILE_QUEUE not in app.negative_table.value
    assert i18n.untranslated_texts(text, "zh") == []
    assert "队列" in app.negative_by.description + "".join(app.negative_by._options_labels)
    app.negative_by.value = "day"  # a widget change redraws in the page's language too
    assert "2026年" in app.negative_table.value and i18n.untranslated_texts(
        visible_text(app.negative_table.value), "zh") == []
    plain = satisfaction(plain_store, interface_language="zh")
    plain_text = visible_text(plain.negative_table.value + plain.sentiment_driver.value)
    assert i18n.untranslated_texts(plain_text, "zh") == []
