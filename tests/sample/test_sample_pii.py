"""Synthetic personal data: valid checksums, plausible shapes, reproducible draws."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pytest

from workbench.sample import pii


def _draws(seed: int, n: int = 1000) -> dict[str, list[str]]:
    rng = np.random.default_rng(seed)
    out: dict[str, list[str]] = {
        k: [] for k in ("mobile", "id", "card", "email_zh", "email_en", "phone", "en_words", "zh_words")
    }
    for _ in range(n):
        out["mobile"].append(pii.cn_mobile(rng, grouped=bool(rng.random() < 0.3)))
        out["id"].append(pii.resident_id(rng))
        out["card"].append(pii.bank_card(rng, spaced=bool(rng.random() < 0.4)))
        out["email_zh"].append(pii.email(rng, "zh"))
        out["email_en"].append(pii.email(rng, "en"))
        out["phone"].append(pii.en_phone(rng))
        out["en_words"].append(pii.spoken_digits_en(pii.en_phone_digits(rng), rng, groups=(3, 3, 4)))
        out["zh_words"].append(pii.spoken_digits_zh(pii.cn_mobile(rng), rng))
    return out


@pytest.fixture(scope="module")
def draws() -> dict[str, list[str]]:
    return _draws(11)


def test_every_resident_id_validates(draws):
    for number in draws["id"]:
        assert len(number) == 18
        assert pii.is_valid_resident_id(number), number
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        assert dt.date(1950, 1, 1) <= born <= dt.date(2005, 12, 31)


def test_resident_id_validator_rejects_bad_check_character_region_and_date():
    good = "11010519491231002X"
    assert pii.is_valid_resident_id(good)
    assert not pii.is_valid_resident_id(good[:-1] + "1")
    assert not pii.is_valid_resident_id("99" + good[2:])  # no such region
    bad_date = "110105" + "19490230" + "002"
    assert not pii.is_valid_resident_id(bad_date + pii.resident_id_checksum(bad_date))


def test_resident_id_checksum_rejects_malformed_input():
    with pytest.raises(ValueError, match="17 digits"):
        pii.resident_id_checksum("1234")
    with pytest.raises(ValueError):
        pii.resident_id_checksum("1101051949123100X")


def test_every_bank_card_is_unionpay_and_passes_luhn(draws):
    for card in draws["card"]:
        digits = card.replace(" ", "")
        assert digits.startswith("62") and 16 <= len(digits) <= 19, card
        assert pii.luhn_valid(card), card
    assert any(" " in c for c in draws["card"]) and any(" " not in c for c in draws["card"])
    assert {len(c.replace(" ", "")) for c in draws["card"]} >= {16, 19}


def test_luhn_detects_every_single_digit_error():
    card = pii.bank_card(np.random.default_rng(3), length=16)
    for i in range(len(card)):
        for d in "0123456789":
            if d != card[i]:
                assert not pii.luhn_valid(card[:i] + d + card[i + 1 :])


def test_bank_card_rejects_impossible_length():
    with pytest.raises(ValueError, match="16-19"):
        pii.bank_card(np.random.default_rng(0), length=15)


def test_mobile_numbers_have_carrier_prefixes(draws):
    for number in draws["mobile"]:
        digits = number.replace(" ", "")
        assert re.fullmatch(r"1[3-9]\d{9}", digits), number
        assert digits[:3] in pii.CN_MOBILE_PREFIXES


def test_english_phone_numbers_are_fictional_555_01xx(draws):
    for number in draws["phone"]:
        digits = re.sub(r"\D", "", number)
        digits = digits[1:] if len(digits) == 11 else digits
        assert len(digits) == 10 and digits[3:7] == "5550" and digits[7] == "1", number
    assert len({re.sub(r"\d", "9", p) for p in draws["phone"]}) == 4  # all four formats occur


def test_emails_look_like_addresses(draws):
    for address in draws["email_zh"] + draws["email_en"]:
        assert re.fullmatch(r"[a-z0-9._]+@[a-z0-9]+\.[a-z]+", address), address
    assert any(a.endswith("@qq.com") for a in draws["email_zh"])


def test_spoken_digits_round_trip(draws):
    for words in draws["en_words"]:
        assert re.fullmatch(r"[a-z ,]+", words)
        assert len(pii.spoken_to_digits(words)) == 10
    for words in draws["zh_words"]:
        assert re.fullmatch(r"[零幺一二三四五六七八九]{11}", words), words
        assert pii.spoken_to_digits(words)[0] == "1"
    rng = np.random.default_rng(5)
    for _ in range(100):
        digits = pii.en_phone_digits(rng)
        assert pii.spoken_to_digits(pii.spoken_digits_en(digits, rng)) == digits
        mobile = pii.cn_mobile(rng)
        assert pii.spoken_to_digits(pii.spoken_digits_zh(mobile, rng)) == mobile


def test_thousand_draws_are_deterministic(draws):
    assert _draws(11) == draws
    assert _draws(12) != draws
