"""Generated transcripts: timings, exact PII offsets, compliance truth, topic variety."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from workbench.errors import InputDataError
from workbench.sample import pii
from workbench.sample import transcript_templates as tpl
from workbench.sample.catalog import LANGUAGES, TOPICS, queue_id
from workbench.sample.transcripts import (
    DISCLOSURE_MISSING_SHARE,
    MIN_TALK_SECONDS,
    PII_TYPES,
    PROHIBITED_CALL_SHARE,
    generate_transcripts,
)

N_CALLS = 1200
AGENT_IDS = [f"A{1001 + i}" for i in range(24)]
FLAGGED = {"A1001", "A1002", "A1013"}


def _calls(n: int = N_CALLS, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    topics = [TOPICS[i] for i in np.arange(n) % len(TOPICS)]
    languages = [LANGUAGES[(i // len(TOPICS)) % 2] for i in range(n)]
    calls = pd.DataFrame(
        {
            "call_id": [f"C{i:06d}" for i in range(n)],
            "customer_id": [f"K{int(rng.integers(10_000))}" for _ in range(n)],
            "language": languages,
            "queue": [t.queue for t in topics],
            "queue_id": [queue_id(t.queue, lang) for t, lang in zip(topics, languages)],
            "topic_id": [t.topic_id for t in topics],
            "agent_id": rng.choice(AGENT_IDS, size=n),
            "talk_seconds": np.round(rng.lognormal(np.log(280), 0.55, size=n), 1),
            "abandoned": False,
        },
        index=np.arange(n) * 3 + 7,  # a non-default index must not matter
    )
    # Messy rows: unanswered calls, a very short one, a very long one.
    calls.loc[calls.index[0], "talk_seconds"] = np.nan
    calls.loc[calls.index[1], ["talk_seconds", "abandoned"]] = [0.0, True]
    calls.loc[calls.index[2], "talk_seconds"] = 22.0
    calls.loc[calls.index[3], "talk_seconds"] = 1800.0
    return calls


def _agents() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "agent_id": AGENT_IDS,
            "name": ["王芳" if i % 2 else "Emma Wong" for i in range(len(AGENT_IDS))],
            "uses_prohibited_phrase": [a in FLAGGED for a in AGENT_IDS],
        }
    )


@pytest.fixture(scope="module")
def inputs() -> tuple[pd.DataFrame, pd.DataFrame]:
    return _calls(), _agents()


@pytest.fixture(scope="module")
def out(inputs) -> dict[str, pd.DataFrame]:
    calls, agents = inputs
    return generate_transcripts(calls, agents, seed=42)


@pytest.fixture(scope="module")
def answered(inputs) -> pd.DataFrame:
    calls = inputs[0]
    return calls[calls["talk_seconds"] >= MIN_TALK_SECONDS].set_index("call_id")


def test_frames_have_the_documented_columns(out):
    assert list(out["segments"].columns) == [
        "call_id", "turn_index", "speaker", "start_seconds", "end_seconds", "text", "language",
    ]  # fmt: skip
    assert list(out["pii_spans"].columns) == ["call_id", "turn_index", "char_start", "char_end", "pii_type", "text"]
    assert list(out["compliance"].columns) == [
        "call_id", "agent_id", "disclosure_present", "prohibited_phrase_used",
        "prohibited_phrase", "disclosure_turn_index",
    ]  # fmt: skip
    assert str(out["compliance"]["disclosure_turn_index"].dtype) == "Int64"
    assert out["compliance"]["disclosure_present"].dtype == bool
    assert set(out["segments"]["speaker"]) == {"agent", "customer"}


def test_inputs_are_not_mutated():
    calls, agents = _calls(60), _agents()
    before_calls, before_agents = calls.copy(deep=True), agents.copy(deep=True)
    generate_transcripts(calls, agents, seed=1)
    pd.testing.assert_frame_equal(calls, before_calls)
    pd.testing.assert_frame_equal(agents, before_agents)


def test_same_seed_same_frames_and_calls_are_independent(out, inputs):
    calls, agents = inputs
    again = generate_transcripts(calls, agents, seed=42)
    for key in out:
        pd.testing.assert_frame_equal(out[key], again[key])
    other = generate_transcripts(calls.head(40), agents, seed=43)
    assert not other["segments"]["text"].equals(out["segments"]["text"].head(len(other["segments"])))
    # A call's transcript does not depend on the other rows.
    subset = calls.iloc[[50, 10, 30]]
    part = generate_transcripts(subset, agents, seed=42)["segments"]
    full = out["segments"][out["segments"]["call_id"].isin(subset["call_id"])]
    key = ["call_id", "turn_index"]
    pd.testing.assert_frame_equal(
        part.sort_values(key).reset_index(drop=True), full.sort_values(key).reset_index(drop=True)
    )


def test_only_answered_calls_get_transcripts(out, answered):
    assert set(out["segments"]["call_id"]) == set(answered.index)
    assert set(out["compliance"]["call_id"]) == set(answered.index)
    assert not {"C000000", "C000001"} & set(out["segments"]["call_id"])


def test_turns_fill_the_talk_time(out, answered):
    seg = out["segments"].join(answered["talk_seconds"], on="call_id")
    assert (seg["end_seconds"] > seg["start_seconds"]).all()
    assert (seg["start_seconds"] >= 0).all()
    assert (seg["end_seconds"] <= seg["talk_seconds"] + 1e-9).all()
    last_end = seg.groupby("call_id")["end_seconds"].max()
    assert ((answered.loc[last_end.index, "talk_seconds"] - last_end) < 1.5).all()
    grouped = seg.groupby("call_id")
    assert grouped["turn_index"].apply(lambda s: list(s) == list(range(len(s)))).all()
    assert grouped["start_seconds"].apply(lambda s: s.is_monotonic_increasing).all()
    assert (seg["language"] == answered.loc[seg["call_id"], "language"].to_numpy()).all()


def test_overtalk_and_long_silences_occur_but_not_everywhere(out):
    seg = out["segments"]
    prev_end = seg.groupby("call_id")["end_seconds"].shift()
    gap = seg["start_seconds"] - prev_end
    overlap_share = (gap < 0).mean()
    long_silence_calls = seg.loc[gap > 5, "call_id"].nunique() / seg["call_id"].nunique()
    assert 0.01 < overlap_share < 0.12
    assert long_silence_calls > 0.3
    # Most gaps stay short; long silences are the exception.
    assert (gap.dropna() > 5).mean() < 0.1
    # Speech fills most of the talk time overall.
    speech = (seg["end_seconds"] - seg["start_seconds"]).sum()
    talk = seg.groupby("call_id")["end_seconds"].max().sum()
    assert 0.6 < speech / talk < 0.95


def test_pii_spans_are_exact_and_valid(out):
    spans = out["pii_spans"]
    seg = out["segments"].set_index(["call_id", "turn_index"])
    merged = spans.join(seg[["text", "speaker", "language"]], on=["call_id", "turn_index"], rsuffix="_turn")
    for row in merged.itertuples():
        assert row.text_turn[row.char_start : row.char_end] == row.text
    assert (merged["speaker"] == "customer").all()
    assert set(spans["pii_type"]) <= set(PII_TYPES)
    for value, kind in zip(spans["text"], spans["pii_type"]):
        if kind == "bank_card":
            assert pii.luhn_valid(value), value
        elif kind == "cn_resident_id":
            assert pii.is_valid_resident_id(value), value
        elif kind == "cn_mobile":
            assert re.fullmatch(r"1[3-9]\d{9}", value.replace(" ", "")), value


def test_every_pii_kind_appears_many_times_in_each_language_where_it_fits(out):
    spans = out["pii_spans"].merge(out["segments"][["call_id", "language"]].drop_duplicates(), on="call_id")
    counts = spans.groupby(["language", "pii_type"]).size()
    expected = {
        "zh": ("cn_mobile", "cn_resident_id", "bank_card", "email", "spoken_digits_zh"),
        "en": ("en_phone", "spoken_digits_en", "bank_card", "email", "cn_mobile"),
    }
    for lang, kinds in expected.items():
        for kind in kinds:
            assert counts.get((lang, kind), 0) >= 15, (lang, kind, counts.get((lang, kind), 0))
    share_with_pii = spans["call_id"].nunique() / out["compliance"].shape[0]
    assert 0.45 < share_with_pii < 0.75


def test_disclosure_truth_matches_text(out):
    comp = out["compliance"].set_index("call_id")
    seg = out["segments"]
    missing_share = 1 - comp["disclosure_present"].mean()
    assert abs(missing_share - DISCLOSURE_MISSING_SHARE) < 0.035
    marker = seg["text"].str.contains("录音") | seg["text"].str.contains("recorded")
    has_marker = marker.groupby(seg["call_id"]).any()
    pd.testing.assert_series_equal(has_marker.reindex(comp.index), comp["disclosure_present"], check_names=False)
    first = seg[marker].groupby("call_id")["turn_index"].min()
    assert (first == comp.loc[first.index, "disclosure_turn_index"].astype(int)).all()
    assert comp.loc[~comp["disclosure_present"], "disclosure_turn_index"].isna().all()
    assert set(first.unique()) <= {0, 2}
    disclosure_turns = seg.set_index(["call_id", "turn_index"]).loc[list(zip(first.index, first))]
    assert (disclosure_turns["speaker"] == "agent").all()


def test_prohibited_phrases_only_from_flagged_agents_at_the_known_share(out):
    comp = out["compliance"]
    seg = out["segments"]
    used = comp[comp["prohibited_phrase_used"]]
    assert set(used["agent_id"]) <= FLAGGED
    flagged_calls = comp[comp["agent_id"].isin(FLAGGED)]
    share = flagged_calls["prohibited_phrase_used"].mean()
    assert abs(share - PROHIBITED_CALL_SHARE) < 0.12
    assert (comp["prohibited_phrase"] != "").eq(comp["prohibited_phrase_used"]).all()
    agent_text = seg[seg["speaker"] == "agent"].groupby("call_id")["text"].apply(" ".join).str.lower()
    all_phrases = [p.lower() for lang in tpl.PROHIBITED for p in tpl.PROHIBITED[lang]]
    for row in comp.itertuples():
        text = agent_text[row.call_id]
        if row.prohibited_phrase_used:
            assert row.prohibited_phrase.lower() in text
        else:
            assert not any(p in text for p in all_phrases), row.call_id
    assert used.merge(seg[["call_id", "language"]].drop_duplicates())["language"].nunique() == 2


def test_every_topic_and_language_has_varied_openings(out, answered):
    mentions = out["topic_mentions"]
    primary = mentions[mentions["is_primary"]]
    assert primary["call_id"].is_unique and len(primary) == len(answered)
    assert (primary.set_index("call_id")["topic_id"] == answered.loc[primary["call_id"], "topic_id"].to_numpy()).all()
    seg = out["segments"].set_index(["call_id", "turn_index"])
    openings = seg.loc[list(zip(primary["call_id"], primary["turn_index"])), "text"].to_numpy()
    frame = pd.DataFrame({"topic_id": primary["topic_id"].to_numpy(), "text": openings})
    frame["language"] = answered.loc[primary["call_id"], "language"].to_numpy()
    distinct = frame.groupby(["topic_id", "language"])["text"].nunique()
    assert len(distinct) == len(TOPICS) * 2
    assert (distinct >= 6).all()


def test_off_topic_asides_name_another_topic(out):
    mentions = out["topic_mentions"]
    asides = mentions[~mentions["is_primary"]]
    primary = mentions[mentions["is_primary"]].set_index("call_id")["topic_id"]
    assert 0.15 < asides["call_id"].nunique() / len(primary) < 0.35
    assert (asides["topic_id"].to_numpy() != primary.loc[asides["call_id"]].to_numpy()).all()


def test_no_single_keyword_separates_a_topic(out, answered):
    """Topic mining must be a real task: no one word (or character pair) finds a topic alone."""
    docs = out["segments"].groupby("call_id")["text"].apply(" ".join)
    meta = answered.loc[docs.index]
    for lang in LANGUAGES:
        texts = docs[meta["language"] == lang]
        topics = meta.loc[texts.index, "topic_id"].to_numpy()
        if lang == "en":
            token_sets = [set(re.findall(r"[a-z']+", t.lower())) for t in texts]
        else:
            cjk = [re.sub(r"[^\u4e00-\u9fff]", "", t) for t in texts]
            token_sets = [{c[i : i + 2] for i in range(len(c) - 1)} for c in cjk]
        for topic in set(topics):
            is_topic = topics == topic
            tokens = set().union(*(s for s, y in zip(token_sets, is_topic) if y))
            for token in tokens:
                has = np.array([token in s for s in token_sets])
                tp = (has & is_topic).sum()
                precision, recall = tp / has.sum(), tp / is_topic.sum()
                assert not (precision > 0.98 and recall > 0.98), (lang, topic, token)


def test_chinese_text_is_written_without_spaces_and_mixes_some_english(out):
    seg = out["segments"]
    zh = seg.loc[seg["language"] == "zh", "text"]
    assert not zh.str.contains(r"[\u4e00-\u9fff] +[\u4e00-\u9fff]").any()
    # Everything is Chinese but the odd code-mixed "OK。".
    assert zh[~zh.str.contains(r"[\u4e00-\u9fff]")].isin(["OK。"]).all()
    assert zh.str.contains(r"WiFi|app|APP").sum() > 50
    en = seg.loc[seg["language"] == "en", "text"]
    assert not en.str.contains(r"[\u4e00-\u9fff]").any()


def test_agent_greets_first_and_customers_use_fillers(out):
    seg = out["segments"]
    first = seg[seg["turn_index"] == 0]
    assert (first["speaker"] == "agent").all()
    cust = seg[seg["speaker"] == "customer"]["text"]
    for filler in ("喂", "您好", "请问", "嗯", "Hello", "Um"):
        assert cust.str.contains(filler).sum() > 20, filler


def test_missing_column_and_unknown_values_raise():
    calls, agents = _calls(20), _agents()
    with pytest.raises(InputDataError, match="talk_seconds"):
        generate_transcripts(calls.drop(columns="talk_seconds"), agents, seed=0)
    with pytest.raises(InputDataError, match="uses_prohibited_phrase"):
        generate_transcripts(calls, agents.drop(columns="uses_prohibited_phrase"), seed=0)
    with pytest.raises(InputDataError, match="agent_id"):
        generate_transcripts(calls, agents.iloc[:1], seed=0)
    bad = calls.copy()
    bad.loc[bad.index[5], "topic_id"] = "weather"
    with pytest.raises(InputDataError, match="weather"):
        generate_transcripts(bad, agents, seed=0)
    bad = calls.copy()
    bad.loc[bad.index[5], "language"] = "fr"
    with pytest.raises(InputDataError, match="fr"):
        generate_transcripts(bad, agents, seed=0)


def test_no_answered_calls_gives_empty_frames_with_the_columns():
    calls = _calls(5)
    calls["talk_seconds"] = [np.nan, 0.0, 1.0, 2.0, 4.9]
    out = generate_transcripts(calls, _agents(), seed=0)
    for frame in out.values():
        assert frame.empty
    assert list(out["segments"].columns)[:3] == ["call_id", "turn_index", "speaker"]
    assert out["segments"]["text"].dtype == object
