"""Mandarin transcription helpers without model weights: numbers, prompts, hotwords, line languages, sherpa-onnx.

The real-model checks (the AISHELL clip through the base model with and
without the simplified-script prompt) are marked ``slow`` + ``asr`` and skip
when ``../shared`` is absent.
"""

from __future__ import annotations

import pytest

from workbench.speech.numbers import normalise_numbers, spoken_digits

# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("幺三八零零一三八零零零", "13800138000"),
        ("一三八零零一三八零零零", "13800138000"),
        ("号码是幺五八，两三四五，六七拐洞。", "号码是15823456770。"),
        ("手机１３８００１３８０００", "手机13800138000"),
        ("幺三八 呃 零零一三 八零零零", "13800138000"),
        ("call me on oh seven seven double oh, triple five", "call me on 07700555"),
        ("my card ends in four eight two one", "my card ends in 4821"),
    ],
)
def test_numbers_read_digit_by_digit_become_digits(text, expected):
    assert normalise_numbers(text, "zh" if any("\u4e00" <= c <= "\u9fff" for c in text) else "en") == expected


@pytest.mark.parametrize(
    "text",
    ["一百三十八个", "第一次来", "两个人", "三五个", "I need one or two", "double check it", "1,234,567", "十一二"],
)
def test_words_and_place_value_numbers_are_left_alone(text):
    assert normalise_numbers(text, "zh") == text


def test_normalise_numbers_passes_non_text_through():
    assert normalise_numbers("", "zh") == "" and normalise_numbers(None, "zh") is None


def test_spoken_digits_expands_repeats_and_drops_fillers():
    assert spoken_digits("double oh, um, triple nine") == "00999"
    assert spoken_digits("幺 嗯 两拐洞") == "1270"
