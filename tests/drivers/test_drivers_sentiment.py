"""Call sentiment as a satisfaction driver: the driver table's sentiment columns and a planted effect found."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.drivers import analyse_drivers, call_features, default_features, driver_table_from_store
from workbench.drivers.table import SENTIMENT_FEATURES


def _store_with_sentiment(path, seed: int = 7, n: int = 1500, scored_share: float = 0.85):
    """Answered calls whose CSAT the call's sentiment drives (and waiting); a sixth of the calls not transcribed.

    The sentiment's effect is 2.5 log-odds per unit (-1..1); the turnaround (end - start) has none of its own.
    """
    from workbench.store import Store

    rng = np.random.default_rng(seed)
    sentiment = np.clip(rng.normal(0.0, 0.45, n), -1, 1)
    wait = rng.exponential(40.0, n)
    latent = 0.4 + 2.5 * sentiment - wait / 90.0 + rng.logistic(size=n)
    csat = np.where(latent > 0, rng.choice([4, 5], n), rng.choice([1, 2, 3], n))
    surveyed = rng.random(n) < 0.5
    ids = [f"c{i:05d}" for i in range(n)]
    calls = pd.DataFrame({
        "call_id": ids, "queue_id": rng.choice(["billing_zh", "sales_en"], n),
        "customer_id": [f"K{i}" for i in range(n)], "agent_id": rng.choice(["A1", "A2", "A3"], n),
        "arrived_at": pd.Timestamp("2026-02-02 08:00") + pd.to_timedelta(rng.integers(0, 14 * 86400, n), unit="s"),
        "wait_seconds": wait.round(1), "talk_seconds": rng.normal(300, 60, n).round(), "hold_seconds": 0.0,
        "outcome": "answered",
    })  # fmt: skip
    calls["language"] = calls["queue_id"].str[-2:]
    scored = rng.random(n) < scored_share
    start = np.clip(sentiment + rng.normal(0, 0.2, n), -1, 1)
    metrics = pd.DataFrame({
        "call_id": ids, "silence_share": rng.uniform(0, 0.2, n), "overtalk_share": rng.uniform(0, 0.05, n),
        "call_sentiment": sentiment, "customer_sentiment": sentiment, "customer_sentiment_start": start,
        "customer_sentiment_end": np.clip(start + rng.normal(0, 0.3, n), -1, 1),
        "call_sentiment_label": np.where(sentiment < -0.2, "negative",
                                         np.where(sentiment > 0.2, "positive", "neutral")),
        "sentiment_model": "planted",
    })[scored]  # fmt: skip
    answers = calls.loc[surveyed, ["call_id"]].assign(survey_id=lambda d: "s" + d["call_id"], csat=csat[surveyed])
    with Store(path) as store:
        store.write_batch({"calls": calls, "surveys": answers, "speech_metrics": metrics}, batch_id="planted")
    return path


def test_the_driver_table_carries_sentiment_missing_where_not_transcribed(tmp_path):
    from workbench.store import Store

    with Store(_store_with_sentiment(tmp_path / "w.duckdb", n=400), read_only=True) as store:
        table = driver_table_from_store(store)
        metrics = store.read_table("speech_metrics").set_index("call_id")
    assert set(SENTIMENT_FEATURES) <= set(table.columns)
    rows = table.set_index("call_id")
    scored = rows.index.isin(metrics.index)
    assert rows.loc[~scored, list(SENTIMENT_FEATURES)].isna().all().all() and (~scored).sum() > 20
    some = metrics.index[0]
    assert rows.loc[some, "call_sentiment"] == pytest.approx(metrics.loc[some, "call_sentiment"])
    assert rows.loc[some, "sentiment_turnaround"] == pytest.approx(
        metrics.loc[some, "customer_sentiment_end"] - metrics.loc[some, "customer_sentiment_start"])
    negative = (metrics["call_sentiment_label"] == "negative").astype(float)
    assert rows.loc[metrics.index, "negative_call"].tolist() == negative.tolist()
    assert set(SENTIMENT_FEATURES) <= set(default_features(table))


def test_without_stored_sentiment_the_features_are_missing_and_left_out():
    t = pd.Timestamp("2026-01-05 09:00")
    calls = pd.DataFrame({"call_id": ["a", "b"], "queue_id": "billing_zh", "language": "zh",
                          "customer_id": ["K1", "K2"], "agent_id": "A1", "arrived_at": [t, t], "wait_seconds": 1.0,
                          "talk_seconds": 60.0, "hold_seconds": 0.0, "outcome": "answered"})  # fmt: skip
    surveys = pd.DataFrame({"call_id": ["a", "b"], "csat": [4, 2]})
    # a schema-v3 speech_metrics without any sentiment column, and none at all
    old = call_features(calls, surveys, speech_metrics=pd.DataFrame({"call_id": ["a"], "silence_share": [0.1],
                                                                     "overtalk_share": [0.0]}))
    none = call_features(calls, surveys)
    for table in (old, none):
        assert table[list(SENTIMENT_FEATURES)].isna().all().all()
        assert not set(SENTIMENT_FEATURES) & set(default_features(table))
    assert old.set_index("call_id").loc["a", "silence_share"] == pytest.approx(0.1)


@pytest.mark.slow
def test_a_planted_sentiment_effect_is_found_among_the_drivers(tmp_path):
    from workbench.store import Store

    with Store(_store_with_sentiment(tmp_path / "w.duckdb"), read_only=True) as store:
        table = driver_table_from_store(store)
    analysis = analyse_drivers(table, n_bootstrap=0, n_bootstrap_boosting=0, seed=7)
    assert analysis.kinds["call_sentiment"] == "numeric" and analysis.kinds["negative_call"] == "binary"
    for model in ("logistic", "boosting"):
        ranked = analysis.drivers[analysis.drivers["model"] == model].set_index("feature")
        sentiment_rank = ranked.loc[["call_sentiment", "negative_call"], "rank"].min()
        assert sentiment_rank == 1, ranked["rank"]
        # the turnaround carries no effect of its own: weaker than the sentiment itself
        assert abs(ranked.loc["sentiment_turnaround", "effect"]) < abs(ranked.loc["call_sentiment", "effect"])
    logistic = analysis.drivers[analysis.drivers["model"] == "logistic"].set_index("feature")
    assert logistic.loc["call_sentiment", "effect"] > 0  # more positive calls, more top scores
    assert any(note.startswith("call_sentiment unknown on") for note in analysis.notes)
