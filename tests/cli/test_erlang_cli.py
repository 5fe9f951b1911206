"""`workbench erlang`: the calculator, driven as a user would."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import workbench
from workbench.cli import app

runner = CliRunner()
VECTORS = Path(workbench.__file__).resolve().parents[2] / "shared" / "vectors" / "erlang_examples.csv"
STANDARD = ["erlang", "--calls", "100", "--interval-minutes", "30", "--aht-seconds", "180"]


def _json(arguments: list[str]) -> dict:
    result = runner.invoke(app, arguments + ["--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_standard_case_finds_14_agents_and_20_scheduled():
    out = _json(STANDARD + ["--target-service-level", "0.8", "--target-answer-seconds", "20",
                            "--max-occupancy", "0.85", "--shrinkage", "0.3"])
    assert list(out) == ["agents", "scheduled_agents", "service_level", "probability_of_waiting",
                         "asa_seconds", "occupancy"]
    assert (out["agents"], out["scheduled_agents"]) == (14, 20)
    assert round(out["service_level"], 4) == 0.8884
    assert out["probability_of_waiting"] == pytest.approx(0.174132, abs=1e-6)
    assert out["asa_seconds"] == pytest.approx(7.8359, abs=1e-4)
    assert out["occupancy"] == pytest.approx(0.714286, abs=1e-6)


def test_occupancy_cap_and_asa_target():
    assert _json(STANDARD + ["--target-service-level", "0.8", "--max-occupancy", "0.7"])["agents"] == 15
    out = _json(["erlang", "--calls", "200", "--interval-minutes", "60", "--aht-seconds", "180",
                 "--target-asa-seconds", "120"])
    assert out["agents"] == 12 and out["asa_seconds"] <= 120


def test_erlang_a_against_the_vectors():
    if not VECTORS.exists():
        pytest.skip(f"shared test vectors not found at {VECTORS}")
    vectors = pd.read_csv(VECTORS, dtype=str, keep_default_na=False)
    doc = vectors[vectors["example_id"] == "pwf_a_doc"].iloc[0]
    out = _json(STANDARD + ["--agents", doc["agents"], "--patience-seconds", doc["mean_patience_seconds"]])
    assert list(out)[-1] == "abandonment_probability"
    expected = [float(v) for v in doc["independent_value"].split("/")]  # waiting / abandonment / occupancy / ASA min
    ours = [out["probability_of_waiting"], out["abandonment_probability"], out["occupancy"], out["asa_seconds"] / 60]
    for o, e in zip(ours, expected):
        assert abs(o - e) <= 2e-3 * max(1.0, abs(e)), (ours, expected)
    for _, row in vectors[vectors["example_id"] == "pwf_a_1"].iterrows():
        key = row["metric"].split(" ")[0]
        if not row["independent_value"]:
            continue  # the source's own service-level definition, not checked independently
        out = _json(STANDARD + ["--agents", row["agents"], "--patience-seconds", row["mean_patience_seconds"]])
        ours = {"waiting_probability": out["probability_of_waiting"],
                "abandonment_probability": out["abandonment_probability"],
                "occupancy": out["occupancy"], "average_speed_of_answer": out["asa_seconds"] / 60}[key]
        assert abs(ours - float(row["independent_value"])) <= 2e-3, key
    # The documented plan: 13 agents (abandonment <= 5 %), 19 scheduled.
    out = _json(STANDARD + ["--target-service-level", "0.8", "--patience-seconds", "300",
                            "--max-abandonment", "0.05"])
    assert (out["agents"], out["scheduled_agents"]) == (13, 19)
    assert out["abandonment_probability"] <= 0.05 and out["service_level"] >= 0.8


def test_text_output_and_unstable_queue():
    result = runner.invoke(app, STANDARD + ["--agents", "14"])
    assert result.exit_code == 0, result.output
    assert "Erlang C" in result.stdout and "service_level" in result.stdout and "0.8884" in result.stdout
    assert "abandonment_probability" not in result.stdout
    out = _json(STANDARD + ["--agents", "9"])  # 10 Erlangs on 9 agents
    assert out["service_level"] == 0.0 and out["asa_seconds"] is None
    # With abandonment the same queue is stable: some callers give up instead.
    out = _json(STANDARD + ["--agents", "9", "--patience-seconds", "120"])
    assert math.isfinite(out["asa_seconds"]) and 0 < out["abandonment_probability"] < 1 and out["occupancy"] < 1


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--agents", "14", "--target-service-level", "0.8"], "not both"),
        ([], "--agents"),
        (["--target-service-level", "1.5"], "service_level_target"),
        (["--agents", "14", "--patience-seconds", "0"], "patience"),
        (["--agents", "14", "--shrinkage", "1.2"], "shrinkage"),
    ],
)
def test_bad_arguments_give_a_clear_error(extra, message):
    result = runner.invoke(app, STANDARD + extra)
    assert result.exit_code == 2, result.output
    assert "error:" in result.stderr and message in result.stderr
