"""A small store for trying, testing and timing the apps without running ``make demo``.

Generates a short sample call centre, ingests its calls, surveys and agent
states, and stores a one-day staffing run the way the staffing notebook does
(forecast = the last day's volumes a day later; Erlang C with the notebook's
default settings). Takes a few seconds for two days. :func:`add_sample_topics`
adds a finished topic run to such a store and :func:`write_sample_satisfaction_run`
writes satisfaction-driver tables the way the notebook saves them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

SAMPLE_RUN_ID = "sample-run"


def build_sample_store(folder: str | Path, *, days: int = 2, seed: int = 1, run_id: str = SAMPLE_RUN_ID) -> Path:
    """Create ``folder/warehouse.duckdb`` holding a ``days``-day sample and a staffing run; return its path."""
    from workbench.forecast.backtest import forecast_store_rows
    from workbench.forecast.series import interval_handle_times, interval_volumes
    from workbench.ingest import ingest_files
    from workbench.params import StaffingForecastParameters
    from workbench.sample.generate import generate_call_centre
    from workbench.staffing.erlang import staffing_requirements, staffing_store_rows
    from workbench.store import Store

    folder = Path(folder)
    sample = folder / "sample"
    generate_call_centre(sample, days=days, seed=seed, transcript_calls=0)
    store_path = folder / "warehouse.duckdb"
    exports = sample / "exports"
    for export, profile in [("acd_calls.csv", "sample_acd"), ("surveys.csv", "sample_surveys"),
                            ("agent_states.csv", "sample_agent_states")]:
        ingest_files([exports / export], profile, store_path=store_path, rejects_dir=folder / "rejects")
    defaults = StaffingForecastParameters()
    with Store(store_path) as store:
        volumes = interval_volumes(store, defaults.interval_minutes)
        handle = interval_handle_times(store, defaults.interval_minutes)
        last_day = volumes["ds"].max().normalize()
        forecast = volumes[volumes["ds"] >= last_day].assign(ds=lambda f: f["ds"] + pd.Timedelta(days=1))
        forecast = forecast.rename(columns={"y": "yhat"}).assign(
            yhat_lower=lambda f: f["yhat"] * 0.8, yhat_upper=lambda f: f["yhat"] * 1.2)
        aht = handle.groupby("unique_id")["y"].median() if len(handle) else pd.Series(dtype=float)
        load = pd.DataFrame({
            "queue_id": forecast["unique_id"], "interval_start": forecast["ds"], "calls": forecast["yhat"],
            "aht_seconds": forecast["unique_id"].map(aht).fillna(240.0).clip(lower=30.0),
        })
        arguments = defaults.staffing_arguments()
        staffing = staffing_requirements(load, **arguments)
        store.write_batch({"forecasts": forecast_store_rows(forecast, run_id, "seasonal_naive"),
                           "staffing": staffing_store_rows(staffing, run_id)},
                          batch_id=f"staffing_forecast-{run_id}")
    return store_path


SAMPLE_TOPIC_MODEL = "20260101T000000Z"
SAMPLE_TOPICS = {0: ("billing_question", "bill, charge, invoice"), 1: ("password_reset", "password, login, reset"),
                 2: ("cancel_contract", "cancel, contract, end")}


def add_sample_topics(store_path: str | Path, *, model_id: str = SAMPLE_TOPIC_MODEL, calls: int = 300,
                      seed: int = 1) -> Path:
    """Record a small finished topic run in ``store_path``: topics, assignments and customer transcript turns.

    The assigned calls are answered calls of the store; one topic grows over the
    days so it can be flagged as emerging. Each transcript turn carries a
    phone number, so a test can check that only redacted text is shown.
    """
    import numpy as np

    from workbench.store import Store
    from workbench.topics.data import write_run

    rng = np.random.default_rng(seed)
    with Store(store_path) as store:
        answered = store.query("SELECT call_id, arrived_at FROM calls WHERE outcome = 'answered' ORDER BY call_id")
        chosen = answered.sample(n=min(calls, len(answered)), random_state=seed).sort_values("arrived_at")
        late = np.linspace(0, 1, len(chosen))  # later calls lean to topic 2
        topic = np.where(rng.random(len(chosen)) < 0.15 + 0.5 * late, 2, rng.integers(0, 2, len(chosen)))
        assignments = pd.DataFrame({"id": chosen["call_id"].to_numpy(), "call_id": chosen["call_id"].to_numpy(),
                                    "topic": topic, "probability": rng.uniform(0.4, 1.0, len(chosen))})
        sizes = assignments["topic"].value_counts()
        topics = pd.DataFrame({"topic": list(SAMPLE_TOPICS), "label": [v[0] for v in SAMPLE_TOPICS.values()],
                               "size": [int(sizes.get(t, 0)) for t in SAMPLE_TOPICS],
                               "top_words": [v[1] for v in SAMPLE_TOPICS.values()], "is_new": [False, False, True]})
        write_run(store, model_id, assignments, topics)
        words = {t: v[1].split(", ")[0] for t, v in SAMPLE_TOPICS.items()}
        segments = pd.DataFrame({
            "call_id": assignments["call_id"], "segment_index": 0, "speaker_role": "customer", "start_seconds": 0.0,
            "end_seconds": 5.0, "language": "en",
            "text": [f"my {words[t]} problem ({i}), call me on [redacted] or 13812345678"
                     for i, t in enumerate(assignments["topic"])],
        })
        store.write_batch({"transcript_segments": segments})
    return Path(store_path)


SAMPLE_SATISFACTION_RUN = "20260102-000000"


def write_sample_satisfaction_run(outputs: str | Path, run_id: str = SAMPLE_SATISFACTION_RUN, *, latest: bool = True,
                                  agents: bool = True) -> Path:
    """Small tables shaped like those ``notebooks/satisfaction_drivers.ipynb`` saves, under ``outputs``; their folder.

    Known numbers for tests: waiting's curve falls from 80 % top box at 0 s to
    60 % at 120 s on both models; a transfer takes it from 70 % to 50 %.
    """
    outputs = Path(outputs)
    tables = outputs / "satisfaction_drivers" / run_id / "tables"
    tables.mkdir(parents=True, exist_ok=True)
    rows = []
    for model in ("logistic", "boosting"):
        for rank, (feature, kind, effect) in enumerate([("wait_seconds", "numeric", -0.4), ("transferred", "binary", -0.3),
                                                        ("hold_seconds", "numeric", -0.1)], start=1):
            rows.append({"model": model, "feature": feature, "effect": effect, "ci_low": effect - 0.1,
                         "ci_high": effect + 0.1, "kind": kind, "step": 60.0 if kind == "numeric" else None,
                         "direction": "lowers CSAT", "rank": rank})
    pd.DataFrame(rows).to_csv(tables / "drivers_detail.csv", index=False)
    pd.DataFrame(rows)[["model", "feature", "effect", "ci_low", "ci_high", "rank"]].to_csv(tables / "drivers.csv",
                                                                                          index=False)
    curves = []
    for model in ("logistic", "boosting"):
        for value in (0.0, 60.0, 120.0):
            top = 0.8 - value / 600  # 0.8 at 0 s, 0.6 at 120 s
            curves.append({"model": model, "feature": "wait_seconds", "value": value, "top_box": top,
                           "ci_low": top - 0.05, "ci_high": top + 0.05})
        for value, top in ((0.0, 0.7), (1.0, 0.5)):
            curves.append({"model": model, "feature": "transferred", "value": value, "top_box": top,
                           "ci_low": top - 0.05, "ci_high": top + 0.05})
    pd.DataFrame(curves).to_csv(tables / "effect_curves.csv", index=False)
    pd.DataFrame([{"model": "logistic", "feature": "wait_seconds", "scenario": "wait_seconds -30", "top_box_now": 0.7,
                   "top_box_after": 0.74, "change": 0.04, "ci_low": 0.02, "ci_high": 0.06}]).to_csv(
        tables / "what_if.csv", index=False)
    if agents:
        pd.DataFrame({"agent_id": ["A1", "A2", "A3"], "surveys": [30, 12, 4], "top_box_rate": [0.9, 0.5, 0.7],
                      "expected_rate": [0.7, 0.7, 0.7], "raw_effect": [1.2, -0.9, 0.1], "effect": [0.8, -0.5, 0.02],
                      "ci_low": [0.3, -0.9, -0.6], "ci_high": [1.3, -0.1, 0.6], "shrinkage": [0.3, 0.45, 0.8],
                      "differs": [True, True, False]}).to_csv(tables / "agent_effects.csv", index=False)
    if latest:
        (outputs / "satisfaction_drivers" / "LATEST").write_text(run_id + "\n", encoding="utf-8")
    return tables
