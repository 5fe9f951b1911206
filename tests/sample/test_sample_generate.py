"""The generated sample call centre: determinism, realism checks and export defects."""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench.sample.exports import ACD_FILE, DISPOSITIONS, SURVEY_FILE, ZH_DISPOSITIONS, ZH_FILE
from workbench.sample.generate import generate_call_centre

HAS_TRANSCRIPTS = importlib.util.find_spec("workbench.sample.transcripts") is not None


def _hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _read(path: Path, **kwargs) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, **kwargs)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, dict]]:
    out = {}
    for name, seed in (("a", 7), ("b", 7), ("other", 8)):
        folder = tmp_path_factory.mktemp(f"sample_{name}")
        out[name] = (folder, generate_call_centre(folder, days=3, seed=seed, transcript_calls=40))
    return out


@pytest.fixture(scope="module")
def sample(runs) -> Path:
    return runs["a"][0]


@pytest.fixture(scope="module")
def calls(sample: Path) -> pd.DataFrame:
    return pd.read_csv(sample / "truth" / "calls.csv", keep_default_na=False, na_values=[""])


@pytest.fixture(scope="module")
def festival(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ten days around the 2026 Spring Festival, with a promotion on 13 February."""
    folder = tmp_path_factory.mktemp("festival")
    generate_call_centre(folder, days=10, seed=7, date_from="2026-02-09", transcript_calls=0)
    return folder


def test_same_seed_gives_identical_bytes(runs) -> None:
    (a, summary_a), (b, summary_b) = runs["a"], runs["b"]
    hashes_a, hashes_b = _hashes(a), _hashes(b)
    assert hashes_a == hashes_b
    assert summary_a == summary_b
    expected = {"README.md", "events.csv", ACD_FILE, ZH_FILE, SURVEY_FILE, "exports/agents.csv",
                "exports/queues.csv", "exports/agent_states.csv", "truth/calls.csv", "truth/agents.csv", "truth/arrival_rates.csv",
                "truth/staffing.csv", "truth/csat_model.json", "truth/export_defects.csv", "truth/README.md",
                "exports/contact_records.jsonl", "truth/call_dimensions.csv", "truth/dimension_effects.csv",
                "truth/resolution_marks.json"}
    assert expected <= set(hashes_a)


def test_other_seed_gives_other_data(runs) -> None:
    a, other = _hashes(runs["a"][0]), _hashes(runs["other"][0])
    for name in ("truth/calls.csv", ACD_FILE, "truth/agents.csv"):
        assert a[name] != other[name], name


def test_summary_matches_files(runs, calls: pd.DataFrame) -> None:
    summary = runs["a"][1]
    assert summary["calls"] == len(calls)
    assert summary["answered"] == int(calls["answered"].sum())
    assert summary["abandoned"] == int(calls["abandoned"].sum())
    assert summary["surveys"] == int(calls["survey_responded"].sum())
    assert summary["agents"] == len(_read(runs["a"][0] / "truth" / "agents.csv"))
    # A few thousand calls a weekday, and the dynamics give a plausible centre.
    assert 6000 < summary["calls"] < 10000
    assert 0.5 < summary["service_level_20s"] < 0.99
    assert 0.005 < summary["abandon_rate"] < 0.2
    assert (summary["date_from"], summary["date_to"]) == ("2026-01-05", "2026-01-07")
    # The rates count calls as the KPIs do: phantoms and short abandons are out of the denominator.
    counted = calls[(calls["outcome"] != "phantom") & ~calls["short_abandon"]]
    long_abandons = counted["abandoned"].sum()
    assert summary["abandon_rate"] == round(long_abandons / len(counted), 4)
    in_time = counted["outcome"].isin(["answered", "transferred"]) & (counted["wait_seconds"] <= 20)
    assert summary["service_level_20s"] == round(in_time.sum() / len(counted), 4)


def test_open_hours_only(calls: pd.DataFrame, sample: Path) -> None:
    hours = calls["arrived_at_local"].str[11:13].astype(int)
    assert hours.between(8, 21).all()
    rates = pd.read_csv(sample / "truth" / "arrival_rates.csv")
    assert (rates.loc[~rates["is_open"], "expected_calls"] == 0).all()
    assert (rates.loc[rates["is_open"], "expected_calls"] > 0).all()


def test_arrivals_follow_the_true_rates(calls: pd.DataFrame, sample: Path) -> None:
    rates = pd.read_csv(sample / "truth" / "arrival_rates.csv")
    expected = rates.groupby("queue_id")["expected_calls"].sum()
    observed = calls.groupby("queue_id").size().reindex(expected.index)
    # Poisson: each queue's total within 4 standard deviations of its mean.
    assert (np.abs(observed - expected) <= 4 * np.sqrt(expected)).all()
    # Two intraday peaks on weekdays: 10:00 and 15:00 both busier than 12:30.
    day = rates[rates["date"] == "2026-01-06"].groupby("interval_start_local")["expected_calls"].sum()
    assert day["2026-01-06 10:00:00"] > 1.5 * day["2026-01-06 12:30:00"]
    assert day["2026-01-06 15:00:00"] > 1.3 * day["2026-01-06 12:30:00"]
    # The Mandarin line is the bigger one.
    assert (calls["language"] == "zh").mean() > 0.55


def test_holidays_reduce_volume(festival: Path) -> None:
    calls = pd.read_csv(festival / "truth" / "calls.csv", usecols=["date_local", "queue_id"])
    events = pd.read_csv(festival / "events.csv")
    per_day = calls.groupby("date_local").size()
    special = set(events["date"])
    normal = [d for d in per_day.index if d not in special and pd.Timestamp(d).weekday() < 5]
    holidays = events.loc[events["event_type"].isin(["public_holiday", "holiday_period"]), "date"].unique()
    assert len(normal) >= 2 and len(holidays) >= 4  # 15-18 February
    assert any("Spring Festival" in name for name in events["name"])
    for day in holidays:
        assert per_day[day] < 0.7 * per_day[normal].mean(), day
    # The first working day after the holiday brings a backlog surge.
    post = events.loc[events["event_type"] == "post_holiday", "date"].tolist()
    assert all(per_day[d] > per_day[normal].mean() for d in post if d in per_day.index)


def test_promotion_days_spike(festival: Path) -> None:
    calls = pd.read_csv(festival / "truth" / "calls.csv", usecols=["date_local", "queue_id"])
    events = pd.read_csv(festival / "events.csv")
    counts = calls.groupby(["date_local", "queue_id"]).size()
    normal = [d for d in calls["date_local"].unique()
              if d not in set(events["date"]) and pd.Timestamp(d).weekday() < 5]
    promos = events[(events["event_type"] == "promotion") & (events["volume_multiplier"] >= 1.4)]
    assert len(promos) >= 1
    for _, promo in promos.iterrows():
        for queue in promo["queues_affected"].split(";"):
            baseline = np.mean([counts.get((d, queue), 0) for d in normal])
            assert counts[(promo["date"], queue)] > 1.2 * baseline, (promo["date"], queue)


def test_surveys_are_a_minority(calls: pd.DataFrame, sample: Path) -> None:
    answered = calls["outcome"].isin(["answered", "transferred"])
    share = calls.loc[answered, "survey_responded"].mean()
    assert 0.05 < share < 0.2
    surveys = _read(sample / SURVEY_FILE)
    assert abs(len(surveys) - int(calls["survey_responded"].sum())) == 0
    # Response depends on the experience: extreme scores are over-represented.
    responders = calls[calls["survey_responded"]]
    assert (responders["csat"] == 1).mean() > (calls.loc[answered, "csat_potential"] == 1).mean()


def test_repeat_calls_link_to_an_earlier_open_issue(calls: pd.DataFrame) -> None:
    repeats = calls[calls["contact_sequence"] > 1]
    assert len(repeats) > 0.05 * len(calls)
    by_id = calls.set_index("call_id")
    prev = by_id.loc[repeats["previous_call_id"]]
    assert (prev["customer_id"].to_numpy() == repeats["customer_id"].to_numpy()).all()
    assert (prev["queue_id"].to_numpy() == repeats["queue_id"].to_numpy()).all()
    assert (prev["topic_id"].to_numpy() == repeats["topic_id"].to_numpy()).all()
    assert (~prev["resolved"].astype(bool)).all()
    assert (prev["ended_at_local"].to_numpy() < repeats["arrived_at_local"].to_numpy()).all()
    first = calls[calls["contact_sequence"] == 1]
    assert 0.5 < first["resolved"].mean() < 0.95


def test_agents_never_overlap_and_waits_are_sane(calls: pd.DataFrame) -> None:
    ans = calls[calls["answered"]].copy()
    t0 = pd.to_datetime(ans["answered_at_local"]) - pd.to_timedelta(ans["ring_seconds"], unit="s")
    busy_until = pd.to_datetime(ans["ended_at_local"]) + pd.to_timedelta(ans["wrap_seconds"], unit="s")
    ans = ans.assign(t0=t0, t1=busy_until).sort_values(["agent_id", "t0"])
    same = ans["agent_id"].to_numpy()[1:] == ans["agent_id"].to_numpy()[:-1]
    assert (ans["t0"].to_numpy()[1:][same] >= ans["t1"].to_numpy()[:-1][same]).all()
    assert (calls["wait_seconds"] >= 0).all()
    short = calls[calls["outcome"] == "short_abandon"]
    assert len(short) > 0 and (short["wait_seconds"] < 5).all()
    assert calls["outcome"].isin(["answered", "transferred", "phantom", "abandoned", "short_abandon"]).all()


def test_agents_truth(sample: Path) -> None:
    agents = _read(sample / "truth" / "agents.csv")
    assert 50 <= len(agents) <= 120
    assert (agents["uses_prohibited_phrase"] == "True").sum() == 3
    assert agents["agent_id"].is_unique
    assert set(agents["line"]) == {"zh", "en"}


def test_gb18030_export(sample: Path, calls: pd.DataFrame) -> None:
    raw = (sample / ZH_FILE).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("gb18030")
    header = text.split("\r\n", 1)[0].split(",")
    assert header[:4] == ["通话编号", "技能组", "主叫号码", "被叫号码"]
    zh = pd.read_csv(sample / ZH_FILE, encoding="gb18030", dtype=str, keep_default_na=False)
    assert set(zh["处理结果"]) <= set(ZH_DISPOSITIONS.values())
    assert set(zh["通话编号"]) == set(calls.loc[calls["language"] == "zh", "call_id"])


def test_defects_listed_in_truth_match_the_exports(sample: Path, calls: pd.DataFrame) -> None:
    defects = _read(sample / "truth" / "export_defects.csv")
    acd_lines = (sample / ACD_FILE).read_text(encoding="utf-8").splitlines()
    acd = _read(sample / ACD_FILE)
    assert set(defects["defect_type"]) >= {"negative_duration", "end_before_start", "exact_duplicate",
                                           "unknown_disposition", "missing_call_id"}
    assert len(defects) <= 0.001 * len(calls) + 4
    listed = set()
    for _, d in defects[defects["file"] == ACD_FILE].iterrows():
        line = int(d["line_number"])
        row = acd.iloc[line - 2]
        listed.add(line)
        kind = d["defect_type"]
        if kind == "negative_duration":
            assert row[d["column"]].startswith("-")
        elif kind == "end_before_start":
            assert row["Call End"] < row["Call Start"]
        elif kind == "exact_duplicate":
            assert acd_lines[line - 1] == acd_lines[line - 2]
        elif kind == "unknown_disposition":
            assert row["Disposition"] not in set(DISPOSITIONS.values())
        elif kind == "missing_call_id":
            assert row["Call ID"] == ""
            assert d["call_id"] in set(calls["call_id"])
    # Every row not listed is clean and agrees with the truth.
    clean = acd.drop(index=[line - 2 for line in listed])
    assert clean["Call ID"].is_unique and (clean["Call ID"] != "").all()
    assert set(clean["Disposition"]) <= set(DISPOSITIONS.values())
    assert not clean["Talk Time"].str.startswith("-").any()
    assert (clean["Call End"] >= clean["Call Start"]).all()
    truth = calls.set_index("call_id").loc[clean["Call ID"]]
    talk = clean["Talk Time"].str.split(":", expand=True).astype(int)
    talk_seconds = talk[0] * 3600 + talk[1] * 60 + talk[2]
    np.testing.assert_array_equal(talk_seconds.to_numpy(), truth["talk_seconds"].fillna(0).to_numpy())
    assert len(acd) == len(calls) + (defects["defect_type"].eq("exact_duplicate") & defects["file"].eq(ACD_FILE)).sum()
    for _, d in defects[defects["file"] == ZH_FILE].iterrows():
        zh_lines = (sample / ZH_FILE).read_bytes().decode("gb18030").split("\r\n")
        line = int(d["line_number"])
        if d["defect_type"] == "exact_duplicate":
            assert zh_lines[line - 1] == zh_lines[line - 2]
        else:
            assert zh_lines[line - 1].split(",")[6].startswith("-")
    surveys = _read(sample / SURVEY_FILE)
    for _, d in defects[defects["file"] == SURVEY_FILE].iterrows():
        row = surveys.iloc[int(d["line_number"]) - 2]
        if d["defect_type"] == "csat_out_of_range":
            assert row["CSAT"] == "7"
        else:
            assert row["Call ID"] not in set(calls["call_id"])


@pytest.mark.skipif(not HAS_TRANSCRIPTS, reason="workbench.sample.transcripts is not installed")
def test_transcripts_written_for_answered_calls(runs, calls: pd.DataFrame, sample: Path) -> None:
    assert runs["a"][1]["transcripts"] == 40
    topics = pd.read_csv(sample / "truth" / "topics.csv")
    segments = pd.read_csv(sample / "transcripts.csv", encoding="utf-8")
    assert set(segments["call_id"]) == set(topics["call_id"])
    truth = calls.set_index("call_id").loc[topics["call_id"]]
    assert truth["outcome"].isin(["answered", "transferred"]).all()
    assert (truth["topic_id"].to_numpy() == topics["topic_id"].to_numpy()).all()
    for name in ("pii_spans.csv", "compliance.csv"):
        assert (sample / "truth" / name).exists()


def test_staffing_follows_demand(sample: Path) -> None:
    staffing = pd.read_csv(sample / "truth" / "staffing.csv")
    rates = pd.read_csv(sample / "truth" / "arrival_rates.csv")
    merged = staffing.merge(rates, on=["interval_start_local", "queue_id"])
    merged["line"] = merged["queue_id"].str[-2:]
    per_line = merged.groupby(["line", "interval_start_local"]).agg(
        calls=("expected_calls", "sum"), load=("planned_load_erlangs", "sum"), on_duty=("agents_on_duty", "sum")
    )
    for line, frame in per_line.groupby(level="line"):
        assert frame["calls"].corr(frame["on_duty"]) > 0.5, line
    # Absence means fewer on duty than scheduled, never more.
    assert (staffing["agents_on_duty"] <= staffing["scheduled_agents"]).all()
    assert (staffing["agents_on_duty"] < staffing["scheduled_agents"]).any()
