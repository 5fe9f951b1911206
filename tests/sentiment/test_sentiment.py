"""Sentiment API: lexicon rules, language routing, labels, per-call figures, CLI. Models are the real packages."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from workbench.cli import app
from workbench.errors import InputDataError, MissingComponentError, ParameterError
from workbench.sentiment import (
    CALL_SENTIMENT_COLUMNS,
    SENTIMENT_LABEL_NAMES,
    SENTIMENT_LABELS,
    call_sentiment,
    get_sentiment_model,
    label_for,
    negative_share,
    score_frame,
    score_texts,
    segment_sentiment,
)
from workbench.sentiment.lexicon import lexicon_score
from workbench.sentiment.models import NgramModel, train_ngram_model

runner = CliRunner()


# -- lexicon -------------------------------------------------------------------------------------------------


def test_negation_flips_a_phrase_in_both_languages():
    assert lexicon_score("满意", "zh") > 0 > lexicon_score("不满意", "zh")
    assert lexicon_score("我对结果很满意", "zh") > 0 > lexicon_score("我对结果没有很满意", "zh")
    assert lexicon_score("helpful", "en") > 0 > lexicon_score("not helpful", "en")
    assert lexicon_score("it wasn't helpful", "en") < 0
    assert lexicon_score("never helpful", "en") < 0
    # a negated complaint is mildly positive, not as positive as praise
    assert 0 < lexicon_score("not bad", "en") < lexicon_score("good", "en")


def test_negation_stays_within_its_window_and_clause():
    assert lexicon_score("不，我很满意", "zh") > 0  # punctuation ends the negator's reach
    assert lexicon_score("特别满意", "zh") > lexicon_score("满意", "zh")  # 特别 contains 别 but intensifies


def test_intensity_raises_the_weight_and_weakens_under_negation():
    assert lexicon_score("非常满意", "zh") > lexicon_score("满意", "zh")
    assert lexicon_score("really helpful", "en") > lexicon_score("helpful", "en")
    assert lexicon_score("extremely rude", "en") < lexicon_score("rude", "en")
    assert lexicon_score("不太满意", "zh") < 0
    assert lexicon_score("不太满意", "zh") > lexicon_score("不满意", "zh")
    assert lexicon_score("not very helpful", "en") > lexicon_score("not helpful", "en")


def test_call_centre_phrases_score():
    for text in ("我要投诉", "一直打不通", "没人管", "你们就是骗子", "再也不用你们的了", "太慢了"):
        assert lexicon_score(text, "zh") < 0, text
    for text in ("谢谢", "问题解决了", "很满意"):
        assert lexicon_score(text, "zh") > 0, text
    for text in ("I want to escalate this", "cancel my account", "this is ridiculous", "still waiting", "nobody called"):
        assert lexicon_score(text, "en") < 0, text
    for text in ("thank you so much", "all sorted now"):
        assert lexicon_score(text, "en") > 0, text
    assert lexicon_score("差不多", "zh") == 0  # stop entries keep 差 from counting
    assert lexicon_score("房间不错，但是太吵了", "zh") < 0  # after 但是 counts


# -- models and routing --------------------------------------------------------------------------------------


def test_callcentre_routes_by_language_and_package_models_leave_other_languages_nan():
    texts = ["客服一直打不通，没人管，我要投诉", "Thank you so much, it's all sorted!", "   "]
    scored = score_texts(texts)
    assert list(scored.columns) == ["score", "label", "language"]
    assert scored["language"].tolist() == ["zh", "en", "en"]
    assert scored["label"].tolist()[:2] == ["negative", "positive"]
    assert math.isnan(scored["score"].iloc[2]) and scored["label"].iloc[2] is None
    snow = get_sentiment_model("snownlp").score(texts[:2])
    vader = get_sentiment_model("vader").score(texts[:2])
    assert not np.isnan(snow[0]) and np.isnan(snow[1])
    assert np.isnan(vader[0]) and not np.isnan(vader[1])
    forced = score_texts(["my refund never arrived"], language="zh", model="snownlp")
    assert forced["language"].tolist() == ["zh"] and not math.isnan(forced["score"].iloc[0])


def test_callcentre_beats_the_package_on_service_complaints():
    complaints = ["电话一直打不通，等了半天也没人管", "I have been on hold for two hours, still waiting"]
    ours = get_sentiment_model("callcentre").score(complaints)
    assert (ours < -0.45).all()
    assert get_sentiment_model("callcentre") is get_sentiment_model("callcentre")  # cached per process


def test_scores_are_in_range_and_neutral_text_is_neutral():
    texts = ["我想查一下我的账单", "I would like to check my bill", "好的", "ok"]
    scored = score_texts(texts)
    assert scored["score"].between(-1, 1).all()
    assert scored["label"].iloc[1] == "neutral"


def test_versions_name_the_packages_and_lexicon():
    version = get_sentiment_model("callcentre").version
    assert "snownlp0.12" in version and "vader" in version and "+lex" in version
    assert get_sentiment_model("pysenti").version.startswith("pysenti-")


def test_ngram_model_trains_saves_loads_and_names_missing_files(tmp_path):
    texts = ["服务很好", "非常满意", "太差了", "很失望", "good service", "terrible wait"] * 5
    labels = ["positive", "positive", "negative", "negative", "positive", "negative"] * 5
    trained = train_ngram_model(texts, labels, tmp_path / "model")
    loaded = NgramModel(model_path=tmp_path / "model")
    assert loaded.version == trained.version
    scores = loaded.score(["服务很好", "太差了", ""])
    assert scores[0] > 0 > scores[1] and math.isnan(scores[2])
    with pytest.raises(MissingComponentError, match="ngram_sentiment.npz"):
        (tmp_path / "model" / "ngram_sentiment.npz").unlink()
        NgramModel(model_path=tmp_path / "model")
    with pytest.raises(MissingComponentError, match="model_path"):
        get_sentiment_model("ngram")


def test_unknown_model_and_language_are_parameter_errors():
    with pytest.raises(ParameterError):
        get_sentiment_model("no-such-model")
    with pytest.raises(ParameterError):
        score_texts(["x"], language="fr")


# -- labels and frames ---------------------------------------------------------------------------------------


def test_labels_one_rule():
    assert SENTIMENT_LABELS == ("negative", "neutral", "positive")
    assert set(SENTIMENT_LABEL_NAMES) == set(SENTIMENT_LABELS)
    assert label_for([-0.9, -0.1, 0.0, 0.1, 0.9], neutral_band=0.2) == ["negative", "neutral", "neutral", "neutral", "positive"]
    assert label_for(-0.5, neutral_band=0.2) == "negative"
    assert label_for(pd.Series([0.9, np.nan]), neutral_band=0.2).tolist() == ["positive", None]


def test_score_frame_ids_hostile_text_and_missing_column():
    frame = pd.DataFrame({"ticket": ["t-1", "t-2", "t-3"],
                          "body": ["<script>alert('x')</script>", "=HYPERLINK(\"http://x\")", None]})
    before = frame.copy()
    out = score_frame(frame, "body", "ticket")
    assert list(out.columns) == ["id", "score", "label"]
    assert out["id"].tolist() == ["t-1", "t-2", "t-3"]
    assert out["score"].iloc[:2].between(-1, 1).all() and math.isnan(out["score"].iloc[2])
    pd.testing.assert_frame_equal(frame, before)
    assert score_frame(frame, "body")["id"].tolist() == [0, 1, 2]
    with pytest.raises(InputDataError) as caught:
        score_frame(frame, "text")
    assert caught.value.field == "text"
    with pytest.raises(InputDataError) as caught:
        score_frame(frame, "body", "case_id")
    assert caught.value.field == "case_id"


def test_empty_inputs_return_empty_frames_with_columns():
    assert list(score_texts([]).columns) == ["score", "label", "language"]
    assert score_frame(pd.DataFrame({"text": []}), "text").empty
    segments = pd.DataFrame({c: [] for c in ("call_id", "segment_index", "speaker_role", "start_seconds",
                                              "end_seconds", "text")})
    scored = segment_sentiment(segments)
    assert {"sentiment_score", "sentiment_label"} <= set(scored.columns) and scored.empty
    calls = call_sentiment(scored)
    assert list(calls.columns) == list(CALL_SENTIMENT_COLUMNS) and calls.empty
    share = negative_share(calls.assign(queue_id=pd.Series(dtype=object)), "queue_id")
    assert list(share.columns) == ["queue_id", "calls", "negative_calls", "negative_share"] and share.empty


# -- calls ---------------------------------------------------------------------------------------------------


def _turns(rows):
    return pd.DataFrame(rows, columns=["call_id", "segment_index", "speaker_role", "start_seconds", "end_seconds",
                                       "sentiment_score"])


def test_call_sentiment_turnaround_weights_and_most_negative_moment():
    turns = _turns([
        ("c1", 0, "agent", 0.0, 2.0, 0.5),
        ("c1", 1, "customer", 2.0, 12.0, -0.9),
        ("c1", 2, "agent", 12.0, 14.0, 0.2),
        ("c1", 3, "customer", 14.0, 16.0, -0.2),
        ("c1", 4, "agent", 16.0, 18.0, 0.4),
        ("c1", 5, "customer", 18.0, 20.0, 0.8),
    ])
    row = call_sentiment(turns).iloc[0]
    assert row["customer_sentiment_start"] == pytest.approx(-0.9)
    assert row["customer_sentiment_end"] == pytest.approx(0.8)
    # duration-weighted: the 10 s complaint outweighs two 2 s turns
    assert row["customer_sentiment"] == pytest.approx((-0.9 * 10 - 0.2 * 2 + 0.8 * 2) / 14)
    assert row["agent_sentiment"] == pytest.approx((0.5 + 0.2 + 0.4) / 3)
    assert row["call_sentiment"] == pytest.approx((3 * row["customer_sentiment"] + row["agent_sentiment"]) / 4)
    assert row["most_negative_seconds"] == 2.0 and row["most_negative_score"] == pytest.approx(-0.9)
    assert row["call_sentiment_label"] == label_for(row["call_sentiment"])


def test_call_without_customer_turns_uses_every_speaker_and_prefers_customer_for_the_worst_moment():
    turns = _turns([
        ("c2", 0, "speaker_1", 0.0, 4.0, -0.6),
        ("c2", 1, "speaker_2", 4.0, 8.0, 0.2),
        ("c3", 0, "agent", 0.0, 4.0, -0.95),
        ("c3", 1, "customer", 4.0, 8.0, -0.3),
        ("c3", 2, "customer", 8.0, 9.0, np.nan),
    ])
    out = call_sentiment(turns).set_index("call_id")
    assert out.loc["c2", "call_sentiment"] == pytest.approx(-0.2)
    assert math.isnan(out.loc["c2", "customer_sentiment"])
    assert out.loc["c2", "most_negative_seconds"] == 0.0
    assert out.loc["c3", "most_negative_seconds"] == 4.0  # the customer's, though the agent's was lower
    assert out.loc["c3", "customer_sentiment"] == pytest.approx(-0.3)  # the unscored turn is left out


def test_segment_sentiment_copies_and_uses_the_language_column():
    segments = pd.DataFrame({
        "call_id": ["c1", "c1"], "segment_index": [0, 1], "speaker_role": ["agent", "customer"],
        "start_seconds": [0.0, 3.0], "end_seconds": [3.0, 9.0],
        "text": ["您好，请问有什么可以帮您？", "我要投诉，电话一直打不通，没人管"], "confidence": [0.9, 0.8],
        "language": ["zh", "zh"],
    })
    before = segments.copy()
    out = segment_sentiment(segments)
    pd.testing.assert_frame_equal(segments, before)
    assert out["sentiment_label"].iloc[1] == "negative"
    assert "sentiment_score" not in segments.columns
    calls = call_sentiment(out)
    assert calls["call_sentiment_label"].iloc[0] == "negative"
    with pytest.raises(InputDataError) as caught:
        segment_sentiment(segments.drop(columns=["speaker_role"]))
    assert caught.value.field == "speaker_role"


def test_negative_share_per_group():
    calls = pd.DataFrame({"queue_id": ["billing", "billing", "billing", "tech", "tech"],
                          "call_sentiment_label": ["negative", "neutral", "negative", "positive", None]})
    out = negative_share(calls, "queue_id").set_index("queue_id")
    assert out.loc["billing", "calls"] == 3 and out.loc["billing", "negative_calls"] == 2
    assert out.loc["billing", "negative_share"] == pytest.approx(2 / 3)
    assert out.loc["tech", "calls"] == 1 and out.loc["tech", "negative_share"] == 0.0
    with pytest.raises(InputDataError) as caught:
        negative_share(calls, ["queue_id", "agent_id"])
    assert caught.value.field == "agent_id"


# -- CLI -----------------------------------------------------------------------------------------------------


def _cli_frame():
    return pd.DataFrame({"编号": ["a1", "a2", "a3"],
                         "内容": ["一直打不通，没人管，我要投诉", "问题解决了，非常感谢", "=cmd|' /C calc'!A0"]})


def test_cli_scores_a_gb18030_csv(tmp_path):
    source = tmp_path / "calls.csv"
    _cli_frame().to_csv(source, index=False, encoding="gb18030")
    result = runner.invoke(app, ["sentiment", str(source), "--text-column", "内容", "--id-column", "编号",
                                 "--output", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    written = (tmp_path / "out" / "sentiment.csv").read_bytes()
    assert not written.startswith(b"\xef\xbb\xbf")  # machine CSV: plain UTF-8
    out = pd.read_csv(tmp_path / "out" / "sentiment.csv")
    assert list(out.columns) == ["id", "score", "label"]
    assert out["id"].tolist() == ["a1", "a2", "a3"]
    assert out["label"].tolist()[:2] == ["negative", "positive"]


def test_cli_scores_parquet_and_utf16(tmp_path):
    _cli_frame().to_parquet(tmp_path / "calls.parquet")
    result = runner.invoke(app, ["sentiment", str(tmp_path / "calls.parquet"), "--text-column", "内容",
                                 "--language", "zh", "--output", str(tmp_path / "p")])
    assert result.exit_code == 0, result.output
    assert pd.read_csv(tmp_path / "p" / "sentiment.csv")["id"].tolist() == [0, 1, 2]
    (tmp_path / "calls16.csv").write_bytes(_cli_frame().to_csv(index=False).encode("utf-16"))
    result = runner.invoke(app, ["sentiment", str(tmp_path / "calls16.csv"), "--text-column", "内容",
                                 "--output", str(tmp_path / "u")])
    assert result.exit_code == 0, result.output
    assert pd.read_csv(tmp_path / "u" / "sentiment.csv")["label"].iloc[0] == "negative"


def test_cli_errors_name_file_and_column(tmp_path):
    source = tmp_path / "calls.csv"
    _cli_frame().to_csv(source, index=False)
    result = runner.invoke(app, ["sentiment", str(source), "--text-column", "text", "--output", str(tmp_path / "o")])
    assert result.exit_code != 0
    assert "calls.csv" in result.output and "'text'" in result.output
    result = runner.invoke(app, ["sentiment", str(tmp_path / "missing.csv"), "--text-column", "text",
                                 "--output", str(tmp_path / "o")])
    assert result.exit_code != 0 and "missing.csv" in result.output
    (tmp_path / "calls.xlsx").write_bytes(b"PK\x03\x04")
    result = runner.invoke(app, ["sentiment", str(tmp_path / "calls.xlsx"), "--text-column", "内容",
                                 "--output", str(tmp_path / "o")])
    assert result.exit_code != 0 and "calls.xlsx" in result.output
    assert not (tmp_path / "o").exists()
