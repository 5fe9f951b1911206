"""A small sample call centre for trying, testing and timing the apps without running ``make demo``.

Not a test module (no ``test_`` prefix). :func:`build_sample_store` generates a
short sample call centre, ingests its calls, surveys and agent states, and
stores a staffing run through :func:`workbench.pipelines.staffing.run_staffing_forecast`
(the staffing notebook's pipeline, without a backtest). Takes a few seconds for
two days. :func:`add_sample_topics` adds a finished topic run to such a store
and :func:`write_sample_satisfaction_run` writes satisfaction-driver tables the
way the notebook saves them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

SAMPLE_RUN_ID = "sample-run"
#: Exports of a generated sample and the ingest profile of each.
SAMPLE_EXPORTS = (("acd_calls.csv", "sample_acd"), ("surveys.csv", "sample_surveys"),
                  ("agent_states.csv", "sample_agent_states"))
#: Every export of a generated sample through the profile mapping all its fields (custom dimensions, the
#: agent's wrap-up fields, survey channel, agent site), in the load order of ``make demo``: the Mandarin
#: line from its own vendor (abandoned calls without a wait), the English export (its Mandarin rows are
#: duplicates), then surveys, agents, agent states and the callback contact records (all duplicates).
SAMPLE_EXPORTS_FULL = (("acd_calls_zh_gb18030.csv", "sample_acd_zh_full"), ("acd_calls.csv", "sample_acd_full"),
                       ("surveys.csv", "sample_surveys_full"), ("agents.csv", "sample_agents"),
                       ("agent_states.csv", "sample_agent_states"),
                       ("contact_records.jsonl", "sample_contact_records"))


def generate_sample(folder: str | Path, *, days: int = 2, seed: int = 1, transcript_calls: int = 0) -> Path:
    """Generate a ``days``-day sample call centre into ``folder``; return the folder."""
    from workbench.sample.generate import generate_call_centre

    generate_call_centre(folder, days=days, seed=seed, transcript_calls=transcript_calls)
    return Path(folder)


def ingest_sample(sample: str | Path, store_path: str | Path, *,
                  exports: tuple[tuple[str, str], ...] = SAMPLE_EXPORTS) -> Path:
    """Ingest a generated sample's ``exports`` into ``store_path``; every file must load. Returns the store path."""
    from workbench.ingest import ingest_files

    store_path = Path(store_path)
    for export, profile in exports:
        summary = ingest_files([Path(sample) / "exports" / export], profile, store_path=store_path,
                               rejects_dir=store_path.parent / "rejects")
        assert (summary["status"] == "succeeded").all(), summary.to_dict("records")
    return store_path


def interval_report_store(calls_store: str | Path, folder: str | Path) -> Path:
    """A store holding only the ACD interval report of ``calls_store``'s calls (no call records); its path.

    The report is written by :func:`workbench.sample.interval_report.write_interval_report` and loaded
    through the ``sample_interval_report`` profile; every row must load.
    """
    from workbench.ingest import ingest_files
    from workbench.sample.interval_report import write_interval_report
    from workbench.store import Store

    folder = Path(folder)
    with Store(calls_store, read_only=True) as store:
        calls = store.read_table("calls")
    report = write_interval_report(calls, folder / "interval_report.csv")
    summary = ingest_files([report], "sample_interval_report", store_path=folder / "intervals.duckdb",
                           rejects_dir=folder / "rejects")
    assert summary.iloc[0]["rows_rejected"] == 0, summary.to_dict("records")
    return folder / "intervals.duckdb"


def copy_store(store_path: str | Path, folder: str | Path) -> Path:
    """A copy of the store file in ``folder`` (created), for a test that writes to a shared store; its path."""
    import shutil

    source, folder = Path(store_path), Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for path in (source, source.with_name(source.name + ".wal")):
        if path.exists():
            shutil.copy2(path, folder / path.name)
    return folder / source.name


def build_sample_store(folder: str | Path, *, days: int = 2, seed: int = 1, run_id: str = SAMPLE_RUN_ID,
                       sample: str | Path | None = None,
                       exports: tuple[tuple[str, str], ...] = SAMPLE_EXPORTS) -> Path:
    """Create ``folder/warehouse.duckdb`` holding a ``days``-day sample and a staffing run; return its path.

    ``sample`` is an already generated sample folder to use instead of
    generating one (``days`` and ``seed`` are then that sample's);
    ``exports`` the exports to load (:data:`SAMPLE_EXPORTS_FULL` for the
    custom dimensions and wrap-up fields too).
    """
    from workbench.pipelines.staffing import run_staffing_forecast

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if sample is None:
        sample = generate_sample(folder / "sample", days=days, seed=seed)
    store_path = ingest_sample(sample, folder / "warehouse.duckdb", exports=exports)
    # A two-day history is too short for Prophet: the plan falls back to the slot-of-week profile.
    run_staffing_forecast(store_path=str(store_path), run_id=run_id, backtest_folds=0, horizon_days=1)
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
    from workbench.store.readers import calls_in_set
    from workbench.topics.data import write_run

    rng = np.random.default_rng(seed)
    with Store(store_path) as store:
        answered = calls_in_set(store, "answered")
        answered = answered[answered["outcome"] == "answered"].sort_values("call_id", ignore_index=True)
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
