"""Check digits and spoken-digit normalisation in the foundations."""

from __future__ import annotations

import datetime as dt

import pytest

from workbench import identifiers as ids
from workbench.sample import pii as sample_pii


def test_sample_module_reexports_the_same_functions():
    # The generator and the redactor must agree on what a valid number is.
    for name in ("resident_id_checksum", "is_valid_resident_id", "luhn_check_digit", "luhn_valid", "spoken_to_digits"):
        assert getattr(sample_pii, name) is getattr(ids, name)


@pytest.mark.parametrize(
    "number, valid",
    [
        ("11010519491231002X", True),
        ("11010519491231002x", True),  # a lower-case check character is the same ID
        ("110105194912310021", False),  # wrong check character
        ("99010519491231002X", False),  # no province 99
        ("1101051949123100", False),  # too short
        ("11010519491231002XX", False),  # too long
        ("1101051949123100XX", False),  # letter inside the digits
    ],
)
def test_resident_id_validator(number, valid):
    assert ids.is_valid_resident_id(number) is valid


def test_resident_id_accepts_any_province_not_just_the_sample_counties():
    # 650102 (Urumqi, Tianshan) is not one of the generator's county codes.
    first17 = "65010219800101123"
    assert ids.is_valid_resident_id(first17 + ids.resident_id_checksum(first17))


def test_resident_id_rejects_impossible_and_future_birth_dates():
    for birth in ("19490230", "18991231", "20991231"):
        first17 = "110105" + birth + "002"
        assert not ids.is_valid_resident_id(first17 + ids.resident_id_checksum(first17)), birth
    first17 = "110105" + "20240101" + "002"
    number = first17 + ids.resident_id_checksum(first17)
    assert ids.is_valid_resident_id(number, today=dt.date(2024, 6, 1))
    assert not ids.is_valid_resident_id(number, today=dt.date(2023, 12, 31))


def test_every_check_character_occurs_and_validates():
    seen = set()
    for seq in range(200):
        first17 = f"44030519900101{seq:03d}"
        check = ids.resident_id_checksum(first17)
        seen.add(check)
        assert ids.is_valid_resident_id(first17 + check)
    assert seen == set("0123456789X")


def test_checksum_rejects_malformed_input():
    with pytest.raises(ValueError, match="17 digits"):
        ids.resident_id_checksum("１１０１０５１９４９１２３１００２")  # full-width digits are not ASCII
    with pytest.raises(ValueError):
        ids.luhn_check_digit("6222-0212")


def test_luhn_known_numbers_and_every_single_digit_error():
    assert ids.luhn_valid("4111 1111 1111 1111")
    assert ids.luhn_valid("6222021234567894")
    assert not ids.luhn_valid("6")
    assert not ids.luhn_valid("6222-0212-3456-7894")  # only spaces are ignored
    card = "6222021234567894"
    for i in range(len(card)):
        for d in "0123456789":
            if d != card[i]:
                assert not ids.luhn_valid(card[:i] + d + card[i + 1 :])


@pytest.mark.parametrize(
    "spoken, digits",
    [
        ("four one five, five five five, oh one four two", "4155550142"),
        ("Four One Five", "415"),
        ("幺三八零零幺三八零零零", "13800138000"),
        ("一三八 两零 洞拐", "1382007"),
        ("〇一〇", "010"),
        ("double seven, triple oh", "77000"),
        ("１３８ 0013 8000", "13800138000"),
        ("it's 415-555-0142", "4155550142"),
        ("someone phoned", ""),  # digit words inside other words do not count
        ("", ""),
    ],
)
def test_spoken_to_digits(spoken, digits):
    assert ids.spoken_to_digits(spoken) == digits
