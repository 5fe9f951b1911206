"""Benchmark: call sentiment in the managers' analyses, against the plain query and the driver table without it.

Run: ``python tests/bench_sentiment_analytics.py --output outputs/bench/speech_intelligence/sentiment_analytics.json``
(about a minute on 2 cores; not part of ``make test``; generated data only). Two measurements:

* cost: on a store of :data:`CALLS` generated calls, half of them scored for sentiment and assigned to a topic,
  the negative share by queue and day as the apps and the alert rule get it
  (:func:`workbench.store.readers.call_sentiment` + :func:`workbench.sentiment.negative_share`) and the
  ``negative_sentiment_above`` rule (by queue-day and by topic), against the floor: one plain DuckDB
  ``GROUP BY`` computing the same counts, and the existing ``abandonment_above`` rule on the same store;
* value: CSAT generated with a known sentiment effect (:data:`TRUE_LOG_ODDS` per unit of call sentiment);
  the driver analysis on the store's driver table with the sentiment drivers and without them (the baseline: the
  table as it was before), reporting the recovered effect per unit, the sentiment drivers' rank and the models'
  held-out accuracy of the top-box prediction both ways.

Each timed side runs :data:`REPEATS` times in turn; the fastest is kept. The JSON fragment holds seconds, ratios
and the driver figures.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

CALLS = 200_000
REPEATS = 3
TRUE_LOG_ODDS = 2.5
DRIVER_CALLS = 3000


def _calls_store(path: Path, n: int = CALLS, seed: int = 19) -> Path:
    from workbench.store import Store
    from workbench.topics.data import write_run

    rng = np.random.default_rng(seed)
    ids = np.array([f"c{i:07d}" for i in range(n)])
    queues = rng.choice(["billing_zh", "billing_en", "sales_zh", "sales_en", "tech_zh", "tech_en"], n)
    abandoned = rng.random(n) < 0.08
    calls = pd.DataFrame({
        "call_id": ids, "queue_id": queues, "language": pd.Series(queues).str[-2:], "agent_id": rng.choice(
            [f"A{i:03d}" for i in range(120)], n),
        "arrived_at": pd.Timestamp("2026-01-01 08:00") + pd.to_timedelta(rng.integers(0, 60 * 86400, n), unit="s"),
        "wait_seconds": rng.exponential(30, n).round(1), "talk_seconds": np.where(abandoned, np.nan, 240.0),
        "outcome": np.where(abandoned, "abandoned", "answered"),
    })  # fmt: skip
    scored = ~abandoned & (rng.random(n) < 0.55)
    sentiment = np.clip(rng.normal(0, 0.4, scored.sum()), -1, 1)
    metrics = pd.DataFrame({"call_id": ids[scored], "call_sentiment": sentiment,
                            "call_sentiment_label": np.where(sentiment < -0.2, "negative",
                                                             np.where(sentiment > 0.2, "positive", "neutral"))})
    topic = rng.integers(0, 12, scored.sum())
    assignments = pd.DataFrame({"id": ids[scored], "call_id": ids[scored], "topic": topic, "probability": 0.9})
    topics = pd.DataFrame({"topic": range(12), "label": [f"topic {t}" for t in range(12)],
                           "size": np.bincount(topic, minlength=12), "top_words": "a, b", "is_new": False})
    with Store(path) as store:
        store.write_batch({"calls": calls, "speech_metrics": metrics}, batch_id="bench")
        write_run(store, "bench-topics", assignments, topics)
    return path


def _fastest(function, repeats: int = REPEATS) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def measure_cost(folder: Path) -> dict:
    """Seconds of the negative share by queue-day (reader + negative_share), the rule, and their floors."""
    from workbench.reports.alerts import AlertRules, evaluate_rules
    from workbench.sentiment import negative_share
    from workbench.store import Store, readers

    path = _calls_store(folder / "cost.duckdb")

    def rules(*specs: dict) -> AlertRules:
        return AlertRules.model_validate({"rules": list(specs)})

    with Store(path, read_only=True) as store:
        def ours():
            return negative_share(readers.call_sentiment(store), ["queue_id", "day"])

        def floor():
            return store.query(
                "SELECT c.queue_id, CAST(CAST(c.arrived_at AS DATE) AS VARCHAR) AS day, count(*) AS calls, "
                "count(*) FILTER (WHERE m.call_sentiment_label = 'negative') AS negative_calls "
                "FROM speech_metrics m JOIN calls c USING (call_id) WHERE m.call_sentiment_label IS NOT NULL "
                "GROUP BY ALL ORDER BY 1, 2")

        ours_seconds, shares = _fastest(ours)
        floor_seconds, plain = _fastest(floor)
    same = bool((shares["calls"].to_numpy() == plain["calls"].to_numpy()).all()
                and (shares["negative_calls"].to_numpy() == plain["negative_calls"].to_numpy()).all())
    sentiment_rule = rules({"id": "s", "kind": "negative_sentiment_above", "threshold": 0.3, "min_calls": 20})
    topic_rule = rules({"id": "t", "kind": "negative_sentiment_above", "threshold": 0.3, "min_calls": 20,
                        "by": "topic"})
    abandonment_rule = rules({"id": "a", "kind": "abandonment_above", "threshold": 0.15, "min_offered": 20})
    rule_seconds = {name: _fastest(lambda r=r: evaluate_rules(r, path))[0]
                    for name, r in (("negative_sentiment_above_queue_day", sentiment_rule),
                                    ("negative_sentiment_above_topic", topic_rule),
                                    ("abandonment_above_baseline", abandonment_rule))}
    return {
        "calls": CALLS, "scored_calls": int(shares["calls"].sum()), "queue_days": len(shares),
        "same_counts_as_floor": same,
        "negative_share_by_queue_day_seconds": round(ours_seconds, 3),
        "floor_plain_group_by_seconds": round(floor_seconds, 3),
        "ratio_ours_over_floor": round(ours_seconds / floor_seconds, 2),
        "rule_seconds": {k: round(v, 3) for k, v in rule_seconds.items()},
        "ratio_sentiment_rule_over_abandonment_rule": round(
            rule_seconds["negative_sentiment_above_queue_day"] / rule_seconds["abandonment_above_baseline"], 2),
    }


def _driver_store(path: Path, n: int = DRIVER_CALLS, seed: int = 23) -> Path:
    from workbench.store import Store

    rng = np.random.default_rng(seed)
    sentiment = np.clip(rng.normal(0.0, 0.45, n), -1, 1)
    wait = rng.exponential(40.0, n)
    latent = 0.4 + TRUE_LOG_ODDS * sentiment - wait / 90.0 + rng.logistic(size=n)
    csat = np.where(latent > 0, rng.choice([4, 5], n), rng.choice([1, 2, 3], n))
    surveyed = rng.random(n) < 0.5
    ids = [f"c{i:05d}" for i in range(n)]
    calls = pd.DataFrame({
        "call_id": ids, "queue_id": rng.choice(["billing_zh", "sales_en"], n), "customer_id": ids,
        "agent_id": rng.choice(["A1", "A2", "A3"], n),
        "arrived_at": pd.Timestamp("2026-02-02 08:00") + pd.to_timedelta(rng.integers(0, 14 * 86400, n), unit="s"),
        "wait_seconds": wait.round(1), "talk_seconds": 300.0, "hold_seconds": 0.0, "outcome": "answered",
    })  # fmt: skip
    calls["language"] = calls["queue_id"].str[-2:]
    scored = rng.random(n) < 0.85
    start = np.clip(sentiment + rng.normal(0, 0.2, n), -1, 1)
    metrics = pd.DataFrame({
        "call_id": ids, "call_sentiment": sentiment, "customer_sentiment_start": start,
        "customer_sentiment_end": np.clip(start + rng.normal(0, 0.3, n), -1, 1),
        "call_sentiment_label": np.where(sentiment < -0.2, "negative",
                                         np.where(sentiment > 0.2, "positive", "neutral")),
    })[scored]  # fmt: skip
    answers = calls.loc[surveyed, ["call_id"]].assign(survey_id=lambda d: "s" + d["call_id"], csat=csat[surveyed])
    with Store(path) as store:
        store.write_batch({"calls": calls, "surveys": answers, "speech_metrics": metrics}, batch_id="drivers")
    return path


def _held_out_accuracy(table: pd.DataFrame, features: list[str], seed: int = 0) -> float:
    """Top-box accuracy of the logistic driver model on a held-out third of the surveyed calls."""
    from workbench.drivers import analyse_drivers

    rows = table[table["surveyed"]].sample(frac=1.0, random_state=seed)
    cut = len(rows) * 2 // 3
    train, test = rows.iloc[:cut], rows.iloc[cut:]
    analysis = analyse_drivers(train, features=features, n_bootstrap=0, n_bootstrap_boosting=0, seed=seed,
                               weighting=False)
    model = analysis.fits["logistic"][0]
    predicted = model.predict_proba(test[features])[:, 1] >= 0.5
    return float(np.mean(predicted == (test["csat"] >= 4).to_numpy()))


def measure_drivers(folder: Path) -> dict:
    """The planted sentiment effect recovered, and held-out accuracy with and without the sentiment drivers."""
    from workbench.drivers import analyse_drivers, driver_table_from_store
    from workbench.drivers.table import SENTIMENT_FEATURES
    from workbench.store import Store

    with Store(_driver_store(folder / "drivers.duckdb"), read_only=True) as store:
        table = driver_table_from_store(store)
    analysis = analyse_drivers(table, n_bootstrap=0, n_bootstrap_boosting=0, seed=23)
    ranked = analysis.drivers.set_index(["model", "feature"])
    sentiment_only = analyse_drivers(table, features=["wait_seconds", "call_sentiment"], n_bootstrap=0,
                                     n_bootstrap_boosting=0, seed=23).drivers.set_index(["model", "feature"])
    per_unit = float(sentiment_only.loc[("logistic", "call_sentiment"), "effect"]
                     / sentiment_only.loc[("logistic", "call_sentiment"), "step"])
    without = [f for f in ("wait_seconds", "talk_seconds", "queue_id", "language", "hour", "weekday")
               if f in analysis.kinds]
    return {
        "calls": DRIVER_CALLS, "true_log_odds_per_unit": TRUE_LOG_ODDS,
        "recovered_log_odds_per_unit": round(per_unit, 3),
        "difference": round(per_unit - TRUE_LOG_ODDS, 3),
        "sentiment_driver_ranks": {model: {f: int(ranked.loc[(model, f), "rank"]) for f in SENTIMENT_FEATURES
                                           if (model, f) in ranked.index} for model in ("logistic", "boosting")},
        "held_out_top_box_accuracy": {
            "baseline_without_sentiment": round(_held_out_accuracy(table, without), 3),
            "with_call_sentiment": round(_held_out_accuracy(table, [*without, "call_sentiment"]), 3),
        },
    }


def main(output: Path) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        result = {"area": "sentiment_analytics", "cost": measure_cost(Path(tmp)), "drivers": measure_drivers(Path(tmp))}
    accuracy = result["drivers"]["held_out_top_box_accuracy"]
    accuracy["difference"] = round(accuracy["with_call_sentiment"] - accuracy["baseline_without_sentiment"], 3)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


def test_sentiment_analytics_benchmark(tmp_path):
    """The benchmark runs and its counts agree with the plain query; times are reported, never asserted."""
    result = main(tmp_path / "sentiment_analytics.json")
    assert result["cost"]["same_counts_as_floor"]
    assert result["drivers"]["sentiment_driver_ranks"]["logistic"]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path,
                        default=Path("outputs/bench/speech_intelligence/sentiment_analytics.json"))
    print(json.dumps(main(parser.parse_args().output), indent=2))
