"""The sample centre's exports loaded through the profiles that map every field: every row accounted
for, custom dimensions and wrap-up fields stored as the truth says, the nested JSON contact records,
and the interval report kept in a store of its own."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from sample_centre import SAMPLE_EXPORTS_FULL
from workbench.ingest import ingest_files
from workbench.kpis import compute_kpis
from workbench.sample.contact_records import CONTACT_RECORDS_FILE
from workbench.sample.exports import ACD_FILE, INTERVAL_REPORT_FILE, ZH_FILE
from workbench.store import Store


@pytest.fixture(scope="module")
def truth(generated_centre: Path) -> pd.DataFrame:
    """Truth calls with their custom fields, indexed by call id."""
    calls = pd.read_csv(generated_centre / "truth" / "calls.csv", keep_default_na=False, na_values=[""])
    custom = pd.read_csv(generated_centre / "truth" / "call_dimensions.csv", keep_default_na=False, na_values=[""])
    return calls.merge(custom, on="call_id", validate="one_to_one").set_index("call_id")


@pytest.fixture(scope="module")
def loaded(generated_centre: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    """A fresh store loaded as ``make demo`` loads it, with the summary of every file."""
    folder = tmp_path_factory.mktemp("sample_exports")
    summaries = [ingest_files([generated_centre / "exports" / export], profile, store_path=folder / "w.duckdb",
                              rejects_dir=folder / "rejects").assign(profile=profile)
                 for export, profile in SAMPLE_EXPORTS_FULL]
    return folder / "w.duckdb", pd.concat(summaries, ignore_index=True)


@pytest.fixture(scope="module")
def stored_calls(loaded) -> pd.DataFrame:
    with Store(loaded[0], read_only=True) as store:
        return store.read_table("calls").set_index("call_id")


def _expected_call_ids(sample: Path, truth: pd.DataFrame) -> set[str]:
    """Truth calls minus those broken in every export that carries them (export_defects.csv says which)."""
    defects = pd.read_csv(sample / "truth" / "export_defects.csv", dtype=str)
    broken = defects[defects["defect_type"] != "exact_duplicate"]
    zh_broken = set(broken.loc[broken["file"] == ZH_FILE, "call_id"])
    acd_broken = set(broken.loc[broken["file"] == ACD_FILE, "call_id"])
    mandarin = set(truth.index[truth["language"] == "zh"])
    lost = (acd_broken - (mandarin - zh_broken)) | (zh_broken & acd_broken)
    return set(truth.index) - lost


def test_every_row_of_every_export_is_accounted_for(loaded, generated_centre: Path, truth: pd.DataFrame,
                                                    stored_calls: pd.DataFrame) -> None:
    _, summary = loaded
    assert (summary["status"] == "succeeded").all(), summary[["file", "error"]].to_dict("records")
    assert (summary["rows_read"] == summary["rows_loaded"] + summary["rows_rejected"] + summary["rows_duplicate"]).all()
    assert (summary["physical_lines"]
            == summary["rows_read"] + summary["blank_lines"] + summary["continuation_lines"]).all()
    by_profile = summary.set_index("profile")
    defects = pd.read_csv(generated_centre / "truth" / "export_defects.csv", dtype=str)
    assert by_profile.loc["sample_acd_zh_full", "rows_rejected"] == (defects["file"] == ZH_FILE).sum()
    # The English export's defects on Mandarin calls that loaded from the Chinese file count as duplicates
    # or rejects; every one of its broken lines is one of the two.
    assert by_profile.loc["sample_acd_full", "rows_rejected"] <= (defects["file"] == ACD_FILE).sum()
    records = (generated_centre / CONTACT_RECORDS_FILE).read_text(encoding="utf-8").count("\n")
    assert by_profile.loc["sample_contact_records", "rows_read"] == records
    assert by_profile.loc["sample_contact_records", "rows_duplicate"] == records  # the same calls again
    assert set(stored_calls.index) == _expected_call_ids(generated_centre, truth)


def test_dimensions_and_wrap_up_fields_load_as_the_truth_says(stored_calls: pd.DataFrame,
                                                              truth: pd.DataFrame) -> None:
    expected = truth.loc[stored_calls.index]
    for dimension in ("region", "brand", "member_tier", "channel"):
        assert (stored_calls[f"dim_{dimension}"].fillna("") == expected[dimension].fillna("")).all(), dimension
    unmatched = expected["region"].isna()
    assert unmatched.sum() > 0  # withheld numbers: no customer record, the dimensions are unknown
    assert stored_calls.loc[unmatched, ["dim_vip", "dim_order_value"]].isna().all().all()
    vip = stored_calls["dim_vip"].astype("boolean")
    assert (vip.isna() == expected["vip"].isna()).all()
    assert (vip.dropna() == expected["vip"].dropna().astype(bool)).all()
    assert (stored_calls["dim_order_value"] - expected["order_value"]).abs().max() < 1e-9
    marks = stored_calls["resolved"].astype("boolean")
    truth_marks = expected["resolved_mark"].astype("boolean")
    assert (marks.isna() == truth_marks.isna()).all()
    assert (marks.dropna() == truth_marks.dropna()).all()
    assert (stored_calls["disposition_code"].fillna("") == expected["disposition_code"].fillna("")).all()
    assert (stored_calls["contact_reason"].fillna("") == expected["contact_reason"].fillna("")).all()


def test_the_chinese_vendors_abandoned_calls_have_no_wait(stored_calls: pd.DataFrame, truth: pd.DataFrame) -> None:
    abandoned = stored_calls["outcome"].isin(["abandoned", "short_abandon"])
    mandarin = stored_calls["language"] == "zh"
    assert (abandoned & mandarin).sum() > 0 and (abandoned & ~mandarin).sum() > 0
    assert stored_calls.loc[abandoned & mandarin, "wait_seconds"].isna().all()
    english = stored_calls[abandoned & ~mandarin]
    assert (english["wait_seconds"] == truth.loc[english.index, "wait_seconds"]).all()


def test_kpis_by_custom_dimension_match_the_truth(loaded, stored_calls: pd.DataFrame, truth: pd.DataFrame) -> None:
    expected = truth.loc[stored_calls.index]
    # The ACD writes a phantom call as answered: the store cannot tell them apart, so neither does this.
    answered = expected["outcome"].isin(["answered", "transferred", "phantom"])
    # Callers who withheld their number have no region or tier: a group of their own.
    expected = expected.fillna({"region": "?", "member_tier": "?"})
    with Store(loaded[0], read_only=True) as store:
        by_tier = compute_kpis(store, by=["member_tier"]).fillna({"member_tier": "?"}).set_index("member_tier")
        by_region = (compute_kpis(store, by=["queue", "region"]).fillna({"region": "?"})
                     .set_index(["queue_id", "region"]))
    assert "?" in by_tier.index
    offered = expected.groupby(["queue_id", "region"]).size()
    assert by_region["offered"].sort_index().to_dict() == offered.sort_index().to_dict()
    for tier, row in by_tier.iterrows():
        mine = expected[answered & (expected["member_tier"] == tier)]
        assert row["aht_seconds"] == pytest.approx(mine["handle_seconds"].mean(), rel=1e-9), tier
        marked = mine["resolved_mark"].dropna().astype(bool)
        assert row["fcr_marked_rate"] == pytest.approx(marked.mean(), rel=1e-9), tier
    assert by_tier.loc["gold", "aht_seconds"] > by_tier.loc["standard", "aht_seconds"]


def test_surveys_and_agents_carry_their_new_fields(loaded, generated_centre: Path) -> None:
    with Store(loaded[0], read_only=True) as store:
        surveys = store.read_table("surveys")
        agents = store.read_table("agents").set_index("agent_id")
    assert set(surveys["channel"]) == {"IVR", "SMS"}
    assert set(surveys["survey_type"]) == {"post_call", "follow_up"}
    export = pd.read_csv(generated_centre / "exports" / "agents.csv", dtype=str).set_index("Agent ID")
    assert set(agents.index) == set(export.index)
    assert (agents["site"] == export.loc[agents.index, "Site"]).all()
    assert (pd.to_datetime(agents["hired_on"]) == pd.to_datetime(export.loc[agents.index, "Hire Date"])).all()
    assert (agents["skill_tags"] == export.loc[agents.index, "Skill Tags"]).all()
    assert set(agents["dim_contract"]) == {"full_time", "part_time"}


def test_contact_records_alone_load_nested_fields(generated_centre: Path, truth: pd.DataFrame, tmp_path: Path) -> None:
    path = generated_centre / CONTACT_RECORDS_FILE
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    summary = ingest_files([path], "sample_contact_records", store_path=tmp_path / "w.duckdb",
                           rejects_dir=tmp_path / "rejects").iloc[0]
    assert summary.status == "succeeded" and summary.rows_loaded == len(records) == summary.rows_read
    with Store(tmp_path / "w.duckdb", read_only=True) as store:
        calls = store.read_table("calls").set_index("call_id")
    expected = truth.loc[calls.index]
    assert (calls["queue_id"] == expected["queue_id"]).all()
    assert (calls["arrived_at"] == pd.to_datetime(expected["arrived_at_local"])).all()
    assert (calls["wait_seconds"] == expected["wait_seconds"]).all()
    taken = expected["agent_id"].notna()
    assert (calls.loc[taken, "talk_seconds"] == expected.loc[taken, "talk_seconds"]).all()
    assert calls.loc[~taken, ["agent_id", "talk_seconds", "wrap_seconds"]].isna().all().all()
    assert (calls["dim_region"].fillna("") == expected["region"].fillna("")).all()
    assert (calls["dim_channel"] == expected["channel"]).all()
    assert set(calls["dim_channel"]) == {"app_callback", "web_callback"}


def test_interval_report_loads_into_a_store_of_its_own(generated_centre: Path, tmp_path: Path) -> None:
    report = generated_centre / INTERVAL_REPORT_FILE
    if not report.exists():
        pytest.skip("the interval report module was not available when the sample was generated")
    summary = ingest_files([report], "sample_interval_report", store_path=tmp_path / "intervals.duckdb",
                           rejects_dir=tmp_path / "rejects").iloc[0]
    assert summary.status == "succeeded" and summary.rows_rejected == 0
    expected = pd.read_csv(generated_centre / "truth" / "interval_report.csv")
    with Store(tmp_path / "intervals.duckdb", read_only=True) as store:
        stats = store.read_table("interval_stats")
        counts = store.table_counts()
    assert counts["calls"] == 0  # summaries of calls, never more calls
    assert len(stats) == len(expected) == summary.rows_loaded
    assert stats["offered"].sum() == expected["offered"].sum()
    assert stats["answered"].sum() == expected["answered"].sum()


def test_make_demo_loads_what_the_generator_writes_through_these_profiles(generated_centre: Path) -> None:
    """The demo's parameter sets name the exports the generator writes, in this module's order and profiles."""
    from workbench.params.base import load_parameter_set

    demo = load_parameter_set("ingest_overview", "demo")
    assert [(e.path, e.profile) for e in demo.exports] == list(SAMPLE_EXPORTS_FULL)
    intervals = load_parameter_set("ingest_overview", "demo_intervals")
    assert [e.profile for e in intervals.exports] == ["sample_interval_report"]
    # Its own store: never the store the call records go to.
    assert intervals.store_path and Path(intervals.store_path).name != "warehouse.duckdb"
    for export in [*demo.exports, *intervals.exports]:
        if export.profile != "sample_interval_report" or (generated_centre / INTERVAL_REPORT_FILE).exists():
            assert (generated_centre / "exports" / export.path).is_file(), export.path


def test_kpis_from_the_interval_report_match_the_same_centres_call_records(
    generated_centre: Path, centre_dimensions_store: Path, tmp_path: Path
) -> None:
    """As make demo shows them: the ACD's interval report and its call records give the same KPIs per queue.

    The call records lose the few rows the export garbled (rejected with their reasons, see
    truth/export_defects.csv), and the report prints ASA and AHT in whole seconds; nothing else may differ.
    """
    from workbench.interval_kpis import compute_interval_kpis
    from workbench.kpis import compute_kpis

    report = generated_centre / INTERVAL_REPORT_FILE
    if not report.exists():
        pytest.skip("the interval report module was not available when the sample was generated")
    ingest_files([report], "sample_interval_report", store_path=tmp_path / "intervals.duckdb",
                 rejects_dir=tmp_path / "rejects")
    with Store(tmp_path / "intervals.duckdb", read_only=True) as store:
        from_intervals = compute_interval_kpis(store, by=["queue"]).set_index("queue_id")
    with Store(centre_dimensions_store, read_only=True) as store:
        from_calls = compute_kpis(store, by=["queue"]).set_index("queue_id")
        rejected = int(store.query("SELECT coalesce(sum(rows_rejected), 0) AS n FROM batches "
                                   "WHERE profile LIKE 'sample_acd%'")["n"].iloc[0])
    assert list(from_intervals.index) == list(from_calls.index)
    for column in ("offered", "answered", "abandoned", "short_abandoned"):
        difference = (from_intervals[column] - from_calls[column]).abs()
        assert difference.sum() <= rejected, (column, difference.to_dict(), rejected)
    assert (from_intervals["abandonment_rate"] - from_calls["abandonment_rate"]).abs().max() < 0.002
    assert (from_intervals["service_level"] - from_calls["service_level"]).abs().max() < 0.005
    # The Mandarin export leaves abandoned calls' waits empty; ASA is over answered calls either way.
    assert (from_intervals["asa_seconds"] - from_calls["asa_seconds"]).abs().max() < 1.0
    assert (from_intervals["aht_seconds"] / from_calls["aht_seconds"] - 1).abs().max() < 0.01
