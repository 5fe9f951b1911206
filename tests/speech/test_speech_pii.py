"""PII redaction: every known span of the sample transcripts, Whisper-style variants, false redactions."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from workbench import paths
from workbench.errors import InputDataError
from workbench.identifiers import EN_DIGIT_WORDS, ZH_DIGITS, resident_id_checksum, spoken_to_digits
from workbench.sample.transcripts import PII_TYPES as SAMPLE_PII_TYPES
from workbench.speech.pii import PII_TYPES, PiiSpan, find_pii, redact_segments, redact_text

from speech_corpus import sample_transcripts

# What each kind of the generator's truth must be labelled as.
EXPECTED_LABELS = {
    "cn_mobile": {"cn_mobile"},
    "cn_resident_id": {"resident_id"},
    "bank_card": {"bank_card"},
    "email": {"email"},
    "en_phone": {"phone"},
    "spoken_digits_en": {"phone", "bank_card"},  # a phone number or a card read out
    "spoken_digits_zh": {"cn_mobile", "bank_card"},
}


@pytest.fixture(scope="module")
def sample() -> dict[str, pd.DataFrame]:
    """Transcripts of 3000 answered calls on both lines (~3 s)."""
    return sample_transcripts(seed=7, prohibited_every=4)


@pytest.fixture(scope="module")
def found(sample) -> pd.DataFrame:
    segments = sample["segments"]
    rows = [
        (call_id, turn, span.start, span.end, span.pii_type, span.text)
        for call_id, turn, text, language in segments[["call_id", "turn_index", "text", "language"]].itertuples(
            index=False
        )
        for span in find_pii(text, language)
    ]
    return pd.DataFrame(rows, columns=["call_id", "turn_index", "start", "end", "found_type", "found_text"])


def _matched(truth: pd.DataFrame, found: pd.DataFrame) -> pd.DataFrame:
    """Each truth span with the found span covering it (found_type NaN when none does)."""
    pairs = truth.reset_index(names="truth_row").merge(found, on=["call_id", "turn_index"], how="inner")
    covering = pairs[(pairs["start"] <= pairs["char_start"]) & (pairs["end"] >= pairs["char_end"])]
    covering = covering.drop_duplicates("truth_row").set_index("truth_row")
    out = truth.copy()
    out["found_type"] = covering["found_type"].reindex(out.index)
    out["exact"] = (covering["start"] == covering["char_start"]) & (covering["end"] == covering["char_end"])
    out["exact"] = out["exact"].reindex(out.index).fillna(False).astype(bool)
    return out


def test_every_known_span_is_fully_redacted_per_kind(sample, found):
    matched = _matched(sample["pii_spans"], found)
    table = matched.groupby("pii_type").agg(
        spans=("text", "size"), redacted=("found_type", "count"), exact_bounds=("exact", "sum")
    )
    table["recall"] = table["redacted"] / table["spans"]
    print("\nPII recall on the sample transcripts\n" + table.to_string())
    labels = pd.crosstab(matched["pii_type"], matched["found_type"])
    print("\nlabels given (rows: generator kind)\n" + labels.to_string())
    assert set(table.index) == set(SAMPLE_PII_TYPES)
    assert (table["spans"] >= 150).all(), "every kind must be tested on many spans"
    missed = matched[matched["found_type"].isna()]
    assert missed.empty, missed.head(10).to_string()
    assert (table["recall"] == 1.0).all()
    # The spans are found with their exact bounds, not by swallowing the sentence.
    assert matched["exact"].all()
    for kind, labels in EXPECTED_LABELS.items():
        given = set(matched.loc[matched["pii_type"] == kind, "found_type"])
        assert given <= labels, (kind, given)


def test_false_redactions_are_counted_and_absent_on_the_sample(sample, found):
    truth = sample["pii_spans"]
    pairs = found.reset_index(names="found_row").merge(truth, on=["call_id", "turn_index"], how="left")
    overlaps = (pairs["start"] < pairs["char_end"]) & (pairs["end"] > pairs["char_start"])
    true_rows = set(pairs.loc[overlaps, "found_row"])
    found = found.assign(is_pii=found.index.isin(true_rows))
    table = found.groupby("found_type")["is_pii"].agg(redactions="size", true_pii="sum")
    table["false_redactions"] = table["redactions"] - table["true_pii"]
    print("\nRedactions on the sample transcripts by type\n" + table.to_string())
    false = found[~found["is_pii"]]
    print("false redactions:", len(false), "of", len(found), false["found_text"].head(10).tolist())
    # Amounts, agent work numbers, card tails, plan names, dates, router
    # addresses (192.168.1.1) all occur in the sample and none is redacted.
    assert len(false) == 0


def test_redacted_segments_leave_no_value_and_no_long_number(sample):
    segments = sample["segments"]
    redacted = redact_segments(segments)
    truth = sample["pii_spans"].merge(
        redacted[["call_id", "turn_index", "text"]], on=["call_id", "turn_index"], how="left"
    )
    leaks = [value for value, text in zip(truth["text_x"], truth["text_y"]) if value in text]
    assert not leaks, leaks[:5]
    # Redacting again finds nothing, and no run of 7 numerals is left anywhere.
    for text in redacted.loc[redacted["pii_count"] > 0, "text"]:
        assert find_pii(text) == [], text
    assert not redacted["text"].str.contains(r"\d[\d -]{5,}\d").any()
    counts = truth.groupby(["call_id", "turn_index"]).size()
    per_row = redacted.set_index(["call_id", "turn_index"])["pii_count"]
    assert (per_row.reindex(counts.index) == counts).all()
    assert per_row.sum() == len(sample["pii_spans"])


# --------------------------------------------------------------------------- Whisper-style variants

_EN_WORDS = dict(enumerate(EN_DIGIT_WORDS))


def _groups(digits: str, sizes: tuple[int, ...]) -> list[str]:
    out, i = [], 0
    for size in sizes:
        if i < len(digits):
            out.append(digits[i : i + size])
            i += size
    if i < len(digits):
        out.append(digits[i:])
    return out


def _variant(value: str, kind: str, language: str, rng: np.random.Generator) -> str:
    """The same value as a recogniser might write it, without the template's formatting."""
    if kind == "email":
        local, domain = value.split("@")
        if language == "zh" and rng.random() < 0.5:
            return f"{local}艾特{domain.replace('.', '点')}"
        return f"{local.replace('.', ' dot ')} at {domain.replace('.', ' dot ')}".upper()
    digits = spoken_to_digits(value)
    prefix = ""
    if kind == "en_phone" and len(digits) == 11:
        prefix, digits = "+1 ", digits[1:]
    check_x = value[-1:] in "Xx" and kind == "cn_resident_id"
    style = int(rng.integers(5))
    sizes = {11: (3, 4, 4), 10: (3, 3, 4)}.get(len(digits), (4, 4, 4, 4, 4))
    if style == 0:  # full-width numerals, as an input method writes them
        text = "".join(chr(0xFF10 + int(d)) for d in digits)
    elif style == 1:  # numerals grouped with spaces or hyphens
        text = rng.choice([" ", "-", " - "]).join(_groups(digits, sizes))
    elif style == 2:  # read out as words, in groups separated by commas
        if language == "zh":
            text = "，".join("".join(ZH_DIGITS[int(d)] for d in g) for g in _groups(digits, sizes))
        else:
            text = ", ".join(" ".join(_EN_WORDS[int(d)] for d in g) for g in _groups(digits, sizes))
    elif style == 3:  # half numerals, half words
        half = len(digits) // 2
        words = "".join(ZH_DIGITS[int(d)] for d in digits[half:]) if language == "zh" else " ".join(
            _EN_WORDS[int(d)] for d in digits[half:]
        )
        text = digits[:half] + " " + words
    else:  # one run of numerals
        text = digits
    if check_x:
        text += rng.choice(["X", "x", " X"])
    return prefix + text


def test_whisper_style_variants_of_every_span_are_redacted(sample):
    rng = np.random.default_rng(3)
    segments = sample["segments"].set_index(["call_id", "turn_index"])
    misses, counts = [], {}
    for span in sample["pii_spans"].itertuples(index=False):
        row = segments.loc[(span.call_id, span.turn_index)]
        variant = _variant(span.text, span.pii_type, row["language"], rng)
        text = row["text"][: span.char_start] + variant + row["text"][span.char_end :]
        start, end = span.char_start, span.char_start + len(variant)
        counts[span.pii_type] = counts.get(span.pii_type, 0) + 1
        if not any(s.start <= start and s.end >= end for s in find_pii(text, row["language"])):
            misses.append((span.pii_type, text))
    print("\nvariant spans per kind:", counts, "missed:", len(misses))
    assert not misses, misses[:10]


# --------------------------------------------------------------------------- literal cases


@pytest.mark.parametrize(
    "text, expected",
    [
        ("我的手机号是13800138000。", [("cn_mobile", "13800138000")]),
        ("+86 138-0013-8000", [("cn_mobile", "+86 138-0013-8000")]),
        ("号码是 ００８６１３８００１３８０００", [("cn_mobile", "００８６１３８００１３８０００")]),
        ("幺三八，零零幺三，八零零零", [("cn_mobile", "幺三八，零零幺三，八零零零")]),
        ("138零零幺三八000", [("cn_mobile", "138零零幺三八000")]),
        ("身份证号是11010519491231002x。", [("resident_id", "11010519491231002x")]),
        ("身份证号 11010519491231002 X", [("resident_id", "11010519491231002 X")]),
        ("卡号6222 0212 3456 7894", [("bank_card", "6222 0212 3456 7894")]),
        ("It's six two two two, oh two one two, three four five six, seven eight nine four.",
         [("bank_card", "six two two two, oh two one two, three four five six, seven eight nine four")]),
        ("Call me at +1 (415) 555-0142 please", [("phone", "+1 (415) 555-0142")]),
        ("It's 415.555.0190.", [("phone", "415.555.0190")]),
        ("It's 415, 555, 0142.", [("phone", "415, 555, 0142")]),
        ("four one five, double five five, oh one four two",
         [("phone", "four one five, double five five, oh one four two")]),
        ("+44 20 7946 0958", [("phone", "+44 20 7946 0958")]),
        ("座机010-62345678", [("phone", "010-62345678")]),
        ("Email is James.Smith@Gmail.com.", [("email", "James.Smith@Gmail.com")]),
        ("james dot smith at gmail dot com", [("email", "james dot smith at gmail dot com")]),
        ("发到535759005@qq.com就行", [("email", "535759005@qq.com")]),
        ("发到zhangwei1985艾特163点com就行", [("email", "zhangwei1985艾特163点com")]),
        ("zhangwei1985 ＠ 163.com", [("email", "zhangwei1985 ＠ 163.com")]),
        ("one two three four five six seven", [("digits", "one two three four five six seven")]),
        ("13800138000 11010519491231002X", [("cn_mobile", "13800138000"), ("resident_id", "11010519491231002X")]),
        ("老身份证号110105491231002", [("resident_id", "110105491231002")]),
        ("幺幺零幺零五 四九幺二三幺 零零二", [("resident_id", "幺幺零幺零五 四九幺二三幺 零零二")]),
        ("old ID one one zero one zero five four nine one two three one zero zero two",
         [("resident_id", "one one zero one zero five four nine one two three one zero zero two")]),
        ("号码110105491331002", [("digits", "110105491331002")]),  # month 13: not an ID, still masked
    ],
)  # fmt: skip
def test_literal_pii(text, expected):
    spans = find_pii(text)
    assert [(s.pii_type, s.text) for s in spans] == expected
    assert all(text[s.start : s.end] == s.text for s in spans)


@pytest.mark.parametrize(
    "text",
    [
        "I paid $1,234,567.89 on 2024-03-15.",
        "本月扣了1234567元。",
        "订单号20231115001234，请查收。",
        "Your order number is 20231115001.",
        "Ticket 88422139 is open.",
        "您好，欢迎致电云桥通信，工号1234为您服务。",
        "I have a few numbers available ending in 4821.",
        "Open 192.168.1.1 in your browser.",
        "Call 1-800-555-0199 or 400-123-4567 any time.",
        "It's on the 99元5G畅享套餐, 500 meg fiber.",
        "Oh, and one more thing, it took two days.",
        "Ten o'clock, 5 o'clock, 12.5 dollars.",
        "我一个一个念三遍，两天后再说。",
        "The 15th, 16th and 17th of May.",
    ],
)
def test_not_personal_numbers_are_kept(text):
    assert find_pii(text) == []
    assert redact_text(text) == text


def test_identifier_shaped_numbers_are_redacted_whatever_the_context():
    # A reference number that is also a valid phone number or card cannot be
    # told apart from one, so the context exemption covers unvalidated runs only.
    assert redact_text("Ticket 8842213977 is open.") == "Ticket [PHONE] is open."
    assert redact_text("订单号6222021234567894") == "订单号[BANK_CARD]"
    assert redact_text("扣了13800138000元") == "扣了[CN_MOBILE]元"


def test_invalid_checksums_are_not_ids_or_cards_but_still_masked_as_digits(sample):
    ids = sample["pii_spans"].query("pii_type == 'cn_resident_id'")["text"].head(100)
    cards = sample["pii_spans"].query("pii_type == 'bank_card'")["text"].head(100)
    for number in ids:
        wrong = number[:17] + ("0" if resident_id_checksum(number[:17]) != "0" else "1")
        spans = find_pii(f"身份证号是{wrong}。")
        assert [(s.pii_type, s.text) for s in spans] == [("digits", wrong)]
    for number in cards:
        last = number[-1]
        wrong = number[:-1] + str((int(last) + 5) % 10)
        spans = find_pii(f"卡号{wrong}。")
        assert [s.pii_type for s in spans] == ["digits"], wrong
        assert spans[0].text == wrong
    assert redact_text("身份证110105194912310021") == "身份证[DIGITS]"


def test_committed_recordings_scripts(tmp_path):
    scripts = sorted((paths.sample_dir() / "recordings").glob("*.json"))
    assert scripts
    n = 0
    for path in scripts:
        data = json.loads(path.read_text(encoding="utf-8"))
        for seg in data["segments"]:
            truth = [(p["char_start"], p["char_end"]) for p in seg.get("pii", [])]
            got = [(s.start, s.end) for s in find_pii(seg["text"], data["language"])]
            assert got == truth, (path.name, seg["text"])
            n += len(truth)
    assert n >= 3


def test_redact_text_and_tokens():
    assert redact_text("手机13800138000，邮箱a.b@qq.com。") == "手机[CN_MOBILE]，邮箱[EMAIL]。"
    assert PiiSpan(0, 1, "bank_card", "6").token == "[BANK_CARD]"
    assert {f"[{t.upper()}]" for t in PII_TYPES} == {
        "[CN_MOBILE]", "[RESIDENT_ID]", "[BANK_CARD]", "[EMAIL]", "[PHONE]", "[DIGITS]",
    }  # fmt: skip
    assert redact_text("") == ""
    # "double" with nothing after it is a word, not a digit.
    assert redact_text("one two double three four five six seven double") == "[DIGITS] double"
    assert find_pii(None) == []  # type: ignore[arg-type]


def test_redact_segments_copies_counts_and_keeps_missing_text():
    segments = pd.DataFrame(
        {
            "call_id": ["c1", "c1", "c2", "c2"],
            "text": ["我的手机号是13800138000，卡号6222021234567894。", None, "It's 415-555-0142.", "Okay."],
            "language": ["zh", "zh", None, "en"],
            "speaker": ["customer", "agent", "customer", "agent"],
        },
        index=[10, 11, 20, 21],
    )
    before = segments.copy()
    out = redact_segments(segments)
    pd.testing.assert_frame_equal(segments, before)
    assert list(out.index) == [10, 11, 20, 21]
    assert out["text"].tolist()[0] == "我的手机号是[CN_MOBILE]，卡号[BANK_CARD]。"
    assert pd.isna(out.loc[11, "text"])
    assert out["pii_count"].tolist() == [2, 0, 1, 0]
    assert out["pii_count"].dtype == "int64"
    assert list(out.columns) == [*segments.columns, "pii_count"]
    # The language column is optional.
    assert redact_segments(segments.drop(columns="language"))["pii_count"].sum() == 3
    assert len(redact_segments(segments.iloc[:0])) == 0


def test_redact_segments_names_a_missing_text_column():
    with pytest.raises(InputDataError, match="'text'"):
        redact_segments(pd.DataFrame({"transcript": ["x"]}))


def test_pii_split_across_a_speakers_segments_is_redacted_in_every_part():
    """Recognisers cut turns at pauses: a number read in two segments must not leak in halves."""
    segments = pd.DataFrame(
        {
            "call_id": ["c1"] * 4,
            "speaker_role": ["customer", "agent", "customer", "agent"],
            "start_seconds": [0.0, 3.0, 4.0, 8.0],
            "text": ["我的手机号是1380013", "好的", "8000，谢谢", "工号1024为您服务"],
            "language": ["zh"] * 4,
        }
    )
    redacted = redact_segments(segments)
    assert "1380013" not in redacted["text"].iloc[0] and "8000" not in redacted["text"].iloc[2]
    assert redacted["pii_count"].tolist() == [1, 0, 1, 0]
    assert redacted["text"].iloc[1] == "好的" and redacted["text"].iloc[3] == "工号1024为您服务"
    # Halves in different calls are not joined: the 4-digit tail stays, the 7-digit head is masked on its own.
    other_call = redact_segments(segments.assign(call_id=["c1", "c1", "c2", "c2"]))
    assert other_call["pii_count"].tolist() == [1, 0, 0, 0] and other_call["text"].iloc[2] == "8000，谢谢"


@pytest.mark.parametrize(
    "text",
    [
        "我的手机是幺五八幺二三四五六七八",
        "号码是幺三八 呃 零零一三 八零零零",
        "嗯，一三八，嗯，零零一三，八零零零",
        "手机是13800 嗯 138000",
        "my number is one three eight, um, double oh one three, eight triple oh",
    ],
)
def test_mobile_number_read_as_words_with_hesitations_is_redacted_whole(text):
    """A caller hesitating between groups (嗯/呃/um) must not leave the first group in clear."""
    redacted = redact_text(text, "zh")
    assert "[CN_MOBILE]" in redacted
    assert not re.search(r"[0-9幺一二三五八零]{3}", redacted.replace("[CN_MOBILE]", ""))


def test_one_hesitation_does_not_join_unrelated_small_numbers():
    assert redact_text("我要三个 嗯 四个，订单1024 嗯 2048", "zh") == "我要三个 嗯 四个，订单1024 嗯 2048"


def test_resident_id_read_as_words_is_redacted():
    assert redact_text("身份证号码是一一零一零五一九四九一二三一零零二叉", "zh") == "身份证号码是[RESIDENT_ID]"
