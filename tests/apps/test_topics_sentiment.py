"""The topics app's negative calls by topic: shares from the store's call sentiment, in both languages, escaped."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from language_support import visible_text

from workbench import i18n
from workbench.apps import TopicsApp
from workbench.params import TopicsAppParameters

HOSTILE = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def plain_topics_store(tmp_path_factory) -> Path:
    """The sample topic run (three days), no call sentiment."""
    from sample_centre import add_sample_topics, build_sample_store

    return add_sample_topics(build_sample_store(tmp_path_factory.mktemp("topics_plain"), days=3, seed=1))


@pytest.fixture(scope="module")
def sentiment_store(plain_topics_store, tmp_path_factory) -> Path:
    """A copy whose topic 2 is labelled with markup; its calls 60 % negative, the other topics' 10 %; one call of
    each topic in ten has no sentiment (not transcribed)."""
    from sample_centre import SAMPLE_TOPIC_MODEL, copy_store

    from workbench.store import Store, readers
    from workbench.topics.data import write_run

    path = copy_store(plain_topics_store, tmp_path_factory.mktemp("topics_sentiment"))
    rng = np.random.default_rng(3)
    with Store(path) as store:
        topics, assignments = readers.topic_run(store, SAMPLE_TOPIC_MODEL)
        write_run(store, SAMPLE_TOPIC_MODEL, assignments, topics.assign(label=topics["label"].mask(topics["topic"] == 2,
                                                                                               HOSTILE)))
        scored = assignments[np.arange(len(assignments)) % 10 != 0]
        negative = rng.random(len(scored)) < np.where(scored["topic"] == 2, 0.6, 0.1)
        store.write_batch({"speech_metrics": pd.DataFrame({
            "call_id": scored["call_id"], "call_sentiment": np.where(negative, -0.6, 0.2),
            "call_sentiment_label": np.where(negative, "negative", "positive"), "sentiment_model": "test"})},
            batch_id="sentiment")  # fmt: skip
    return path


def topics(store_path: Path, **values) -> TopicsApp:
    return TopicsApp(TopicsAppParameters(store_path=str(store_path), **values))


def test_each_topic_shows_its_negative_share_most_negative_first_escaped(sentiment_store, outputs):
    app = topics(sentiment_store)
    shares = app.tables["negative"]
    assert list(shares.columns) == ["topic", "label", "calls", "negative_calls", "negative_share"]
    assert shares["topic"].iloc[0] == 2 and shares["label"].iloc[0] == HOSTILE
    assert 0.45 < shares["negative_share"].iloc[0] < 0.75 and (shares["negative_share"].iloc[1:] < 0.25).all()
    assert shares["calls"].sum() == 270  # 300 calls with a topic, one in ten not scored
    html = app.negative.value
    assert HOSTILE not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Negative calls by topic" in html and "Negative share" in html and "Calls with a sentiment" in html
    assert "%" in html


def test_the_queue_choice_changes_the_negative_shares(sentiment_store, outputs):
    app = topics(sentiment_store)
    everything = int(app.tables["negative"]["calls"].sum())
    app.queues = ["billing"]
    billing = int(app.tables["negative"]["calls"].sum())
    assert 0 < billing < everything


def test_without_call_sentiment_the_section_says_what_is_missing(plain_topics_store, outputs):
    app = topics(plain_topics_store)
    assert app.notices == [] and "negative" not in app.tables
    assert "No call sentiment in the store yet" in app.negative.value


def test_negative_shares_in_chinese(sentiment_store, plain_topics_store, outputs, english_after):
    app = topics(sentiment_store, interface_language="zh")
    text = visible_text(app.negative.value)
    for term in ("负面通话", "负面通话占比"):
        assert term in text, term
    assert HOSTILE in text and "&lt;script&gt;" in app.negative.value  # the label is data, shown as stored
    assert i18n.untranslated_texts(text, "zh") == []
    plain = visible_text(topics(plain_topics_store, interface_language="zh").negative.value)
    assert "情绪" in plain and i18n.untranslated_texts(plain, "zh") == []
