"""Speech metrics on hand-computed fixtures, and the transcript error rates."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from workbench.errors import InputDataError
from workbench.schemas import table
from workbench.speech.metrics import (
    character_error_rate,
    count_spoken_units,
    normalise_words,
    speech_metrics,
    word_error_rate,
)


def segments(*rows, call_id="c1", language="en") -> pd.DataFrame:
    return pd.DataFrame(
        [{"call_id": call_id, "speaker_role": r, "start_seconds": s, "end_seconds": e, "text": t, "language": language}
         for r, s, e, t in rows]  # fmt: skip
    )


# agent 0-4 (5 words), customer 3-6 (2 words, starts 1 s early), agent 12-14 (4 words); 30 s call.
#   agent speech 6 s, customer 3 s              -> talk share 6/9
#   nobody speaks 6-12 (6 s) and 14-30 (16 s)   -> silence (22 s) / 30 s; longest 16 s
#   both speak 3-4                              -> 1 overtalk, 1/30 of the call
#   agent 9 words in 0.1 min = 90 wpm; customer 2 words in 0.05 min = 40 wpm; turns A C A = 3
CALL = segments(
    ("agent", 0.0, 4.0, "Hello there, how are you?"),
    ("customer", 3.0, 6.0, "Fine, thanks."),
    ("agent", 12.0, 14.0, "One two three four."),
)


def test_hand_computed_call_with_known_duration():
    row = speech_metrics(CALL, durations_seconds={"c1": 30.0}).iloc[0]
    assert row["call_id"] == "c1"
    assert row["agent_talk_share"] == pytest.approx(6 / 9)
    assert row["silence_share"] == pytest.approx(22 / 30)
    assert row["longest_silence_seconds"] == pytest.approx(16.0)
    assert row["overtalk_count"] == 1
    assert row["overtalk_share"] == pytest.approx(1 / 30)
    assert row["agent_words_per_minute"] == pytest.approx(90.0)
    assert row["customer_words_per_minute"] == pytest.approx(40.0)
    assert row["turn_count"] == 3


def test_without_duration_the_call_ends_with_the_last_word():
    row = speech_metrics(CALL).iloc[0]
    assert row["silence_share"] == pytest.approx(6 / 14)
    assert row["longest_silence_seconds"] == pytest.approx(6.0)
    assert row["overtalk_share"] == pytest.approx(1 / 14)


def test_columns_are_the_store_table_and_input_is_untouched():
    before = CALL.copy()
    out = speech_metrics(CALL)
    assert list(out.columns) == table("speech_metrics").column_names
    assert str(out["overtalk_count"].dtype) == "Int64" and str(out["turn_count"].dtype) == "Int64"
    pd.testing.assert_frame_equal(CALL, before)


def test_a_gap_of_exactly_five_seconds_is_not_silence():
    call = segments(("agent", 0.0, 2.0, "a b"), ("customer", 7.0, 9.0, "c d"), ("agent", 15.0, 16.0, "e"))
    row = speech_metrics(call).iloc[0]
    # gaps 5.0 (not longer than 5) and 6.0 (counted)
    assert row["silence_share"] == pytest.approx(6 / 16)
    assert row["longest_silence_seconds"] == pytest.approx(6.0)
    assert speech_metrics(call, silence_gap_seconds=4.0).iloc[0]["silence_share"] == pytest.approx(11 / 16)


def test_lead_in_silence_counts():
    row = speech_metrics(segments(("agent", 8.0, 10.0, "hello"))).iloc[0]
    assert row["silence_share"] == pytest.approx(0.8) and row["longest_silence_seconds"] == pytest.approx(8.0)


def test_overlapping_segments_of_one_party_count_once():
    # The agent's two segments overlap (2-4): 5 s of agent speech, not 7.
    call = segments(("agent", 0.0, 4.0, "a b c"), ("agent", 2.0, 5.0, "d e"), ("customer", 6.0, 11.0, "f"))
    row = speech_metrics(call).iloc[0]
    assert row["agent_talk_share"] == pytest.approx(0.5)
    assert row["overtalk_count"] == 0 and row["overtalk_share"] == 0
    assert row["agent_words_per_minute"] == pytest.approx(5 / (5 / 60))
    assert row["turn_count"] == 2


def test_two_separate_overtalks_and_turns():
    call = segments(
        ("agent", 0.0, 3.0, "a"), ("customer", 2.5, 5.0, "b"), ("agent", 4.0, 6.0, "c"), ("customer", 7.0, 8.0, "d")
    )
    row = speech_metrics(call).iloc[0]
    assert row["overtalk_count"] == 2
    assert row["overtalk_share"] == pytest.approx((0.5 + 1.0) / 8)
    assert row["turn_count"] == 4


def test_mandarin_rate_is_characters_per_minute():
    call = segments(
        ("agent", 0.0, 3.0, "您好，请问有什么可以帮您？"),  # 11 characters in 3 s
        ("customer", 3.5, 5.5, "我的卡被扣费了"),  # 7 characters in 2 s
        language="zh",
    )
    row = speech_metrics(call).iloc[0]
    assert row["agent_words_per_minute"] == pytest.approx(11 / 3 * 60)
    assert row["customer_words_per_minute"] == pytest.approx(7 / 2 * 60)


def test_mono_unknown_speaker_keeps_silence_but_no_party_metrics():
    call = segments(("unknown", 1.0, 4.0, "hello there"), ("unknown", 10.0, 12.0, "bye"))
    row = speech_metrics(call).iloc[0]
    assert row["silence_share"] == pytest.approx(6 / 12)
    assert row["longest_silence_seconds"] == pytest.approx(6.0)
    assert math.isnan(row["agent_talk_share"]) and math.isnan(row["overtalk_share"])
    assert math.isnan(row["agent_words_per_minute"]) and math.isnan(row["customer_words_per_minute"])
    assert pd.isna(row["overtalk_count"]) and pd.isna(row["turn_count"])


def test_one_party_only():
    row = speech_metrics(segments(("customer", 0.0, 6.0, "is anyone there"))).iloc[0]
    assert row["agent_talk_share"] == 0.0 and math.isnan(row["agent_words_per_minute"])
    assert row["customer_words_per_minute"] == pytest.approx(30.0) and row["turn_count"] == 1


def test_one_row_per_call_sorted_by_call_id():
    calls = pd.concat([segments(("agent", 0.0, 1.0, "x"), call_id="b"), segments(("agent", 0.0, 2.0, "y z"),
                                                                                 call_id="a")])  # fmt: skip
    out = speech_metrics(calls)
    assert out["call_id"].tolist() == ["a", "b"]
    assert out["agent_words_per_minute"].tolist() == pytest.approx([60.0, 60.0])


def test_missing_column_is_named():
    with pytest.raises(InputDataError, match="speaker_role"):
        speech_metrics(CALL.drop(columns="speaker_role"))


def test_spoken_units():
    assert count_spoken_units("It's 9 o'clock, isn't it?") == 5
    assert count_spoken_units("我要办 VIP 卡。") == 5
    assert count_spoken_units("") == 0 and count_spoken_units("...") == 0


def test_word_error_rate_normalises_case_punctuation_and_digits():
    assert normalise_words("617-555-0198") == "six one seven five five five zero one nine eight".split()
    assert word_error_rate("It is four one five, five five five.", "it is 415-555") == 0.0
    assert word_error_rate("There's nothing I can do.", "there's nothing i can do") == 0.0
    assert word_error_rate("a b c d", "a c d e") == pytest.approx(0.5)
    assert word_error_rate("", "anything") == pytest.approx(1.0)


def test_character_error_rate_ignores_spaces_and_punctuation():
    assert character_error_rate("广州市房地产中介协会分析", "广州市 房地产，中介协会分析。") == 0.0
    assert character_error_rate("广州市房地产中介协会分析", "广州市佛地产中间协会分析") == pytest.approx(2 / 12)
