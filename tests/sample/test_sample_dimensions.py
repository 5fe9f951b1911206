"""The sample centre's custom fields: dimensions with known effects, the agent's resolved mark, the
callback contact records (nested JSON), the survey channel, agent sites, and their truth files."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench.ingest import load_profile
from workbench.sample import dimensions as dims_mod
from workbench.sample.contact_records import CALLBACK_CHANNELS, CONTACT_RECORDS_FILE, QUEUE_DISPLAY_NAMES
from workbench.sample.exports import (
    ACD_CUSTOM_COLUMNS,
    ACD_FILE,
    INTERVAL_REPORT_FILE,
    IVR_SURVEY_MAX_DELAY_SECONDS,
    SURVEY_FILE,
    ZH_CUSTOM_COLUMNS,
    ZH_FILE,
)
from workbench.sample.generate import generate_call_centre


def _read(path: Path, **kwargs) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, **kwargs)


def _seconds(hms: pd.Series) -> pd.Series:
    parts = hms.str.split(":", expand=True).astype(int)
    return parts[0] * 3600 + parts[1] * 60 + parts[2]


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """A week (about 16,000 calls): enough for the effects to show beyond noise."""
    folder = tmp_path_factory.mktemp("week")
    return folder, generate_call_centre(folder, days=7, seed=7, transcript_calls=0)


@pytest.fixture(scope="module")
def sample(week) -> Path:
    return week[0]


@pytest.fixture(scope="module")
def calls(sample: Path) -> pd.DataFrame:
    return pd.read_csv(sample / "truth" / "calls.csv", keep_default_na=False, na_values=[""])


@pytest.fixture(scope="module")
def custom(sample: Path) -> pd.DataFrame:
    return pd.read_csv(sample / "truth" / "call_dimensions.csv", keep_default_na=False, na_values=[""])


@pytest.fixture(scope="module")
def acd(sample: Path, calls: pd.DataFrame) -> pd.DataFrame:
    """The English export without the rows broken on purpose, in truth order."""
    defects = _read(sample / "truth" / "export_defects.csv")
    broken = defects.loc[defects["file"] == ACD_FILE, "line_number"].astype(int) - 2
    frame = _read(sample / ACD_FILE).drop(index=broken)
    return frame.set_index("Call ID").loc[calls["call_id"].drop(
        calls.index[~calls["call_id"].isin(frame["Call ID"])])].reset_index()


def test_custom_fields_use_their_own_random_streams(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Changing how the custom fields are drawn changes them, and nothing else the generator writes."""
    generate_call_centre(tmp_path / "plain", days=2, seed=5, transcript_calls=0)
    monkeypatch.setattr(dims_mod, "TIER_TILT", {t: {"handle": 3.0, "csat": -3.0} for t in dims_mod.MEMBER_TIERS})
    monkeypatch.setattr(dims_mod, "MARK_RESOLVED_IF_UNRESOLVED", 0.0)
    generate_call_centre(tmp_path / "tilted", days=2, seed=5, transcript_calls=0)

    def digest(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()

    for name in ("truth/calls.csv", "truth/agents.csv", "truth/export_defects.csv", "exports/agent_states.csv",
                 "exports/interval_report.csv", SURVEY_FILE):
        if (tmp_path / "plain" / name).exists():
            assert digest(tmp_path / "plain" / name) == digest(tmp_path / "tilted" / name), name
    plain, tilted = _read(tmp_path / "plain" / ACD_FILE), _read(tmp_path / "tilted" / ACD_FILE)
    core = [c for c in plain.columns if c not in ACD_CUSTOM_COLUMNS]
    pd.testing.assert_frame_equal(plain[core], tilted[core])
    assert (plain["MemberTier"] != tilted["MemberTier"]).any()
    assert (plain["Resolved"] != tilted["Resolved"]).any()


def test_exports_carry_the_truth_in_each_vendors_words(sample: Path, calls: pd.DataFrame, custom: pd.DataFrame,
                                                       acd: pd.DataFrame) -> None:
    assert list(_read(sample / ACD_FILE).columns[-len(ACD_CUSTOM_COLUMNS):]) == ACD_CUSTOM_COLUMNS
    truth = custom.set_index("call_id").loc[acd["Call ID"]]
    profile = load_profile("sample_acd_full")
    for dimension in ("region", "brand", "member_tier", "channel"):
        values = profile.dimensions[dimension].values
        header = profile.dimensions[dimension].column
        exported = acd[header].map(values).fillna("").to_numpy()
        assert (exported == truth[dimension].fillna("").to_numpy()).all(), dimension
    assert (acd["VIP"].to_numpy() == truth["vip"].map({True: "Y", False: "N"}).fillna("").to_numpy()).all()
    np.testing.assert_allclose(acd["Order Value"].replace("", np.nan).astype(float), truth["order_value"])
    # A withheld number cannot be matched to a customer record: the customer's fields are empty.
    unmatched = (acd["ANI"] == "anonymous").to_numpy()
    assert unmatched.sum() > 0
    assert (acd.loc[unmatched, ["Region", "Brand", "MemberTier", "VIP", "Order Value"]] == "").all().all()
    assert (acd.loc[~unmatched, ["Region", "Brand", "MemberTier", "VIP", "Order Value"]] != "").all().all()
    marks = truth["resolved_mark"].map({True: "Y", False: "N"}).fillna("")
    assert (acd["Resolved"].to_numpy() == marks.to_numpy()).all()
    assert (acd["Wrap Code"].to_numpy() == truth["disposition_code"].fillna("").to_numpy()).all()
    reasons = profile.value_maps["contact_reason"]
    picked = acd["Contact Reason"].map(reasons).fillna("").to_numpy()
    assert (picked == truth["contact_reason"].fillna("").to_numpy()).all()

    zh = _read(sample / ZH_FILE, encoding="gb18030").drop_duplicates()
    assert list(zh.columns[-len(ZH_CUSTOM_COLUMNS):]) == ZH_CUSTOM_COLUMNS
    zh_truth = custom.set_index("call_id").loc[zh["通话编号"]]
    zh_profile = load_profile("sample_acd_zh_full")
    for dimension in ("region", "brand", "member_tier", "channel"):
        spec = zh_profile.dimensions[dimension]
        exported = zh[spec.column].map(spec.values).fillna("").to_numpy()
        assert (exported == zh_truth[dimension].fillna("").to_numpy()).all(), dimension
    codes = zh["小结代码"].map(zh_profile.value_maps["disposition_code"]).fillna("")
    assert (codes.to_numpy() == zh_truth["disposition_code"].fillna("").to_numpy()).all()


def test_customer_fields_belong_to_the_customer(calls: pd.DataFrame, custom: pd.DataFrame) -> None:
    joined = custom.assign(customer_id=calls["customer_id"].to_numpy())
    per_customer = joined.groupby("customer_id")[["region", "brand", "member_tier", "vip", "order_value"]].nunique()
    assert (per_customer <= 1).all().all()  # none at all for a caller who withheld the number
    assert (per_customer == 1).all(axis=1).mean() > 0.95
    assert (joined.groupby("customer_id")["channel"].nunique() > 1).any()  # the channel is the contact's


def test_region_south_brings_about_1_3_times_the_north(acd: pd.DataFrame) -> None:
    assert 0.005 < (acd["Region"] == "").mean() < 0.04  # withheld numbers
    volume = acd["Region"].value_counts()
    assert 1.15 < volume["South"] / volume["North"] < 1.45
    assert 0.55 < volume["West"] / volume["North"] < 0.85
    assert 0.85 < volume["East"] / volume["North"] < 1.15


def test_gold_and_platinum_take_longer_and_score_higher(sample: Path, acd: pd.DataFrame,
                                                        calls: pd.DataFrame, custom: pd.DataFrame) -> None:
    answered = acd[acd["Disposition"].isin(["ANSWERED", "XFER"])]
    answered = answered[calls.set_index("call_id").loc[answered["Call ID"], "outcome"].ne("phantom").to_numpy()]
    handle = sum(_seconds(answered[c]) for c in ("Talk Time", "Hold Time", "Wrap Time"))
    premium = answered["MemberTier"].isin(["Gold", "Platinum"]).to_numpy()
    standard = answered["MemberTier"].eq("Standard").to_numpy()
    assert 1.1 < handle[premium].mean() / handle[standard].mean() < 1.45
    # Every answered caller's score (no survey bias) and the survey responses, as an analysis sees them.
    real = calls["outcome"].isin(["answered", "transferred"])
    tier = custom["member_tier"]
    potential = calls["csat_potential"]
    lift = potential[real & tier.isin(["gold", "platinum"])].mean() - potential[real & tier.eq("standard")].mean()
    assert 0.15 < lift < 0.5
    surveys = _read(sample / SURVEY_FILE)
    surveys = surveys[surveys["Call ID"].isin(acd["Call ID"]) & surveys["CSAT"].isin(list("12345"))]
    rated = surveys.merge(acd[["Call ID", "MemberTier", "Brand"]], on="Call ID")
    score = rated["CSAT"].astype(int)
    premium_rated = rated["MemberTier"].isin(["Gold", "Platinum"])
    observed = score[premium_rated].mean() - score[rated["MemberTier"].eq("Standard")].mean()
    assert 0.1 < observed < 0.7
    brand_gap = score[rated["Brand"].eq("Nimbus")].mean() - score[rated["Brand"].eq("Orbit")].mean()
    assert -0.6 < brand_gap < -0.1


def test_agent_marks_are_optimistic_and_resolved_marks_repeat_less(sample: Path, calls: pd.DataFrame,
                                                                   acd: pd.DataFrame) -> None:
    truth = calls.set_index("call_id").loc[acd["Call ID"]]
    real = truth["outcome"].isin(["answered", "transferred"]).to_numpy()
    marked = acd["Resolved"].isin(["Y", "N"]).to_numpy()
    assert not marked[~real].any()  # no agent, no mark
    assert 0.01 < 1 - marked[real].mean() < 0.06  # a few marks left empty
    marked_fcr = (acd["Resolved"].to_numpy()[marked] == "Y").mean()
    true_rate = truth["resolved"].to_numpy(dtype=bool)[real].mean()
    assert marked_fcr > true_rate + 0.05
    repeat = truth["next_call_id"].fillna("").ne("").to_numpy()
    after_yes = repeat[acd["Resolved"].eq("Y").to_numpy()].mean()
    after_no = repeat[acd["Resolved"].eq("N").to_numpy()].mean()
    assert after_yes < 0.2 and after_no > 0.4 and after_no > 2.5 * after_yes

    stated = json.loads((sample / "truth" / "resolution_marks.json").read_text(encoding="utf-8"))
    assert stated["agent_marked_fcr"] == pytest.approx(marked_fcr, abs=0.002)  # the export lacks a few broken rows
    assert stated["true_resolution_rate"] == pytest.approx(true_rate, abs=0.002)
    assert stated["repeat_based_fcr"] < stated["agent_marked_fcr"] - 0.03  # agents mark optimistically
    assert stated["repeat_after_marked_resolved"] < stated["repeat_after_marked_unresolved"]


def test_resolution_truth_counts_repeats_as_the_kpis_do(calls: pd.DataFrame, custom: pd.DataFrame) -> None:
    """The repeat-based FCR of the truth, recounted by hand: known caller numbers, 7 days, phantoms aside."""
    stated = dims_mod.resolution_marks(calls, custom)
    frame = calls.assign(at=pd.to_datetime(calls["arrived_at_local"]))
    known = frame[frame["ani"] != "anonymous"]
    others = known[known["outcome"] != "phantom"].groupby("ani")["at"].apply(list).to_dict()
    eligible = known[known["outcome"].isin(["answered", "transferred"])]
    again = [any(t < later <= t + pd.Timedelta(days=7) for later in others.get(ani, []))
             for ani, t in zip(eligible["ani"], eligible["at"])]
    assert stated["repeat_based_fcr"] == round(1 - np.mean(again), 4)


def test_effects_truth_agrees_with_the_generated_calls(sample: Path, calls: pd.DataFrame,
                                                       custom: pd.DataFrame) -> None:
    effects = pd.read_csv(sample / "truth" / "dimension_effects.csv", dtype={"value": str})
    assert set(effects["dimension"]) == set(dims_mod.EFFECT_DIMENSIONS)
    for dimension, rows in effects.groupby("dimension"):
        assert rows["calls"].sum() == len(calls), dimension
    unknown = effects[effects["value"] == dims_mod.UNKNOWN_VALUE]
    assert set(unknown["dimension"]) == {"region", "brand", "member_tier", "vip"}
    assert (unknown["calls"] == (calls["ani"] == "anonymous").sum()).all()
    tiers = effects[effects["dimension"] == "member_tier"].set_index("value")
    real = calls["outcome"].isin(["answered", "transferred"])
    gold = real & custom["member_tier"].eq("gold")
    assert tiers.loc["gold", "answered"] == gold.sum()
    assert tiers.loc["gold", "aht_seconds"] == pytest.approx(calls.loc[gold, "handle_seconds"].mean(), abs=1e-3)
    assert tiers.loc["gold", "csat_mean"] == pytest.approx(calls.loc[gold, "csat"].mean(), abs=1e-3)
    assert tiers.loc["gold", "aht_ratio"] > 1.1 and tiers.loc["platinum", "aht_ratio"] > 1.1
    brands = effects[effects["dimension"] == "brand"].set_index("value")
    assert brands.loc["nimbus", "csat_potential_mean"] < brands.loc["orbit", "csat_potential_mean"] - 0.15
    regions = effects[effects["dimension"] == "region"].set_index("value")
    assert 1.15 < regions.loc["south", "volume_share"] / regions.loc["north", "volume_share"] < 1.45


def test_channels_come_in_near_duplicate_spellings(acd: pd.DataFrame, custom: pd.DataFrame) -> None:
    spellings = set(acd["Channel"])
    folded = load_profile("sample_acd_full").dimensions["channel"].values
    assert len(spellings) > len(dims_mod.CHANNEL_SHARES) and spellings <= set(folded)
    assert set(folded.values()) == set(dims_mod.CHANNEL_SHARES)
    shares = custom["channel"].value_counts(normalize=True)
    for channel, share in dims_mod.CHANNEL_SHARES.items():
        assert abs(shares[channel] - share) < 0.02, channel


def test_chinese_vendor_leaves_the_wait_of_abandoned_calls_empty(sample: Path, calls: pd.DataFrame) -> None:
    zh = _read(sample / ZH_FILE, encoding="gb18030")
    abandoned = zh["处理结果"].isin(["放弃", "短时放弃"])
    assert abandoned.sum() > 0
    assert (zh.loc[abandoned, "排队时长(秒)"] == "").all()
    assert (zh.loc[~abandoned, "排队时长(秒)"] != "").all()
    # The truth keeps their wait.
    assert calls.set_index("call_id").loc[zh.loc[abandoned, "通话编号"], "wait_seconds"].notna().all()


def test_contact_records_are_valid_nested_json_of_the_callbacks(sample: Path, calls: pd.DataFrame,
                                                                custom: pd.DataFrame) -> None:
    lines = (sample / CONTACT_RECORDS_FILE).read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    callbacks = custom["channel"].isin(CALLBACK_CHANNELS)
    assert [r["ContactId"] for r in records] == calls.loc[callbacks, "call_id"].tolist()
    truth = calls.set_index("call_id")
    seen_abandoned = seen_answered = 0
    for record in records:
        call = truth.loc[record["ContactId"]]
        assert set(record["Queue"]) == {"Name", "EnqueueTimestamp", "DequeueTimestamp", "Duration"}
        assert QUEUE_DISPLAY_NAMES[record["Queue"]["Name"]] == call["queue_id"]
        assert record["Queue"]["Duration"] == call["wait_seconds"]
        started = pd.Timestamp(record["InitiationTimestamp"])
        assert started.utcoffset() == pd.Timedelta(0)
        assert started.tz_convert("Asia/Shanghai").tz_localize(None) == pd.Timestamp(call["arrived_at_local"])
        assert set(record["Attributes"]) >= {"region", "member_tier", "brand", "call_result"}
        if isinstance(call["agent_id"], str):
            seen_answered += 1
            agent = record["Agent"]
            assert agent["Username"] == call["agent_id"]
            assert (agent["AgentInteractionDuration"], agent["CustomerHoldDuration"],
                    agent["AfterContactWorkDuration"]) == (call["talk_seconds"], call["hold_seconds"],
                                                           call["wrap_seconds"])
        else:
            seen_abandoned += 1
            assert record["Agent"] is None and record["DisconnectReason"] == "CUSTOMER_DISCONNECT"
    assert seen_answered > 1000 and seen_abandoned > 10


def test_survey_channel_follows_the_response_delay(sample: Path, calls: pd.DataFrame) -> None:
    surveys = _read(sample / SURVEY_FILE)
    assert set(surveys["Channel"]) == {"IVR", "SMS"}
    assert ((surveys["Channel"] == "IVR") == (surveys["Survey Type"] == "post_call")).all()
    clean = surveys[surveys["Call ID"].isin(calls["call_id"])]
    truth = calls.set_index("call_id").loc[clean["Call ID"]]
    delay = (pd.to_datetime(truth["surveyed_at_local"]) - pd.to_datetime(truth["ended_at_local"])).dt.total_seconds()
    assert ((delay.to_numpy() <= IVR_SURVEY_MAX_DELAY_SECONDS) == (clean["Channel"] == "IVR").to_numpy()).all()


def test_agents_export_has_site_and_skill_tags(sample: Path) -> None:
    agents = _read(sample / "exports" / "agents.csv")
    truth = _read(sample / "truth" / "agents.csv").set_index("agent_id").loc[agents["Agent ID"]]
    assert set(agents.loc[truth["line"].eq("en").to_numpy(), "Site"]) == {"Shenzhen"}
    assert set(agents.loc[truth["line"].eq("zh").to_numpy(), "Site"]) == {"Chengdu", "Guangzhou"}
    tags = agents["Skill Tags"].str.split(";")
    assert (tags.map(lambda t: "bilingual" in t).to_numpy() == truth["languages"].str.contains(";").to_numpy()).all()
    assert (tags.map(lambda t: "mentor" in t).to_numpy() == (truth["tenure_months"].astype(int) >= 24).to_numpy()).all()


def test_interval_report_truth_adds_up_to_the_calls(week, sample: Path, calls: pd.DataFrame) -> None:
    if week[1]["interval_report"] != "generated":
        pytest.skip(week[1]["interval_report"])
    assert (sample / INTERVAL_REPORT_FILE).exists()
    report = pd.read_csv(sample / "truth" / "interval_report.csv")
    # The ACD counts every call it logged: a phantom is in its records (and so its report) as answered.
    offered = calls
    assert report["offered"].sum() == len(offered)
    assert report["answered"].sum() == offered["outcome"].isin(["answered", "transferred", "phantom"]).sum()
    per_queue = report.groupby("queue_id")["offered"].sum()
    assert per_queue.to_dict() == offered.groupby("queue_id").size().to_dict()
