"""Agent/customer roles of diarized speakers from what they say (workbench.speech.roles)."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.errors import InputDataError, ParameterError
from workbench.speech.roles import (
    MIN_CONFIDENCE,
    ROLES_VERSION,
    apply_roles,
    assign_roles,
    cue_scores,
    role_cues,
)


def _segments(rows: list[tuple[str, str]], language: str = "en") -> pd.DataFrame:
    return pd.DataFrame({
        "speaker_role": [speaker for speaker, _ in rows],
        "text": [text for _, text in rows],
        "start_seconds": [3.0 * i for i in range(len(rows))],
        "end_seconds": [3.0 * i + 2.5 for i in range(len(rows))],
        "language": language,
    })  # fmt: skip


def _roles(frame: pd.DataFrame) -> dict[str, str]:
    return dict(zip(frame["speaker"], frame["role"]))


def test_english_script_finds_agent_even_when_customer_speaks_first() -> None:
    segments = _segments([
        ("speaker_1", "Hello? Hi, I want to ask about my bill, I've been waiting for ages."),
        ("speaker_2", "Thank you for calling Skybridge, my name is Ann, how can I help you? "
                      "This call may be recorded."),
        ("speaker_1", "There is a charge on my statement I do not recognize."),
        ("speaker_2", "Can I have your account number to verify your identity? "
                      "Is there anything else I can help with?"),
    ])  # fmt: skip
    roles = assign_roles(segments)
    assert _roles(roles) == {"speaker_1": "customer", "speaker_2": "agent"}
    assert (roles["confidence"] >= MIN_CONFIDENCE).all() and (roles["confidence"] <= 1).all()


def test_mandarin_script() -> None:
    segments = _segments([
        ("speaker_1", "您好，这里是云桥通信，工号一二三，很高兴为您服务，本次通话可能会被录音。"),
        ("speaker_2", "喂，你好，我想投诉，我的账户一直扣费。"),
        ("speaker_1", "请问您的身份证后四位是多少？"),
        ("speaker_2", "幺五八二。"),
        ("speaker_1", "好的，请问还有什么可以帮您？"),
    ], language="zh")  # fmt: skip
    roles = assign_roles(segments)
    assert _roles(roles) == {"speaker_1": "agent", "speaker_2": "customer"}
    assert roles["confidence"].min() > 0.9


def test_mandarin_with_spaces_and_full_width_text_still_matches() -> None:
    assert cue_scores("本次 通话 可能 会被 录音")[0] >= 2.0
    assert cue_scores("ＴＨＡＮＫ ＹＯＵ ＦＯＲ ＣＡＬＬＩＮＧ")[0] >= 2.0


def test_ambiguous_or_single_speaker_keeps_diarized_labels() -> None:
    chatter = _segments([("speaker_1", "okay"), ("speaker_2", "yes"), ("speaker_1", "right"), ("speaker_2", "sure")])
    roles = assign_roles(chatter)
    # Only the weak first-voice prior: no guessing.
    assert _roles(roles) == {"speaker_1": "speaker_1", "speaker_2": "speaker_2"}
    assert roles["confidence"].max() < MIN_CONFIDENCE
    alone = assign_roles(_segments([("speaker_1", "Thank you for calling, how can I help?")]))
    assert _roles(alone) == {"speaker_1": "speaker_1"} and alone["confidence"].tolist() == [0.0]


def test_confidence_grows_with_evidence() -> None:
    weak = assign_roles(_segments([("speaker_1", "let me check that"), ("speaker_2", "fine")]))
    strong = assign_roles(_segments([
        ("speaker_1", "Thank you for calling, this call may be recorded. How can I help you?"),
        ("speaker_2", "I want to cancel my contract, I've been charged twice."),
    ]))  # fmt: skip
    assert weak["confidence"].max() < strong["confidence"].min()
    assert weak["confidence"].max() < MIN_CONFIDENCE <= strong["confidence"].min()


def test_hostile_text_is_handled() -> None:
    segments = _segments([
        ("speaker_1", "<script>alert('x')</script> (((.*)+)+$ \\x00 \u202e"),
        ("speaker_2", None),
        ("speaker_1", float("nan")),
        ("speaker_2", "thank you for calling " * 10_000),
        ("unknown", "my bill is wrong"),
    ])  # fmt: skip
    roles = assign_roles(segments)
    assert set(roles["speaker"]) == {"speaker_1", "speaker_2"}  # 'unknown' is not a diarized speaker
    assert roles["confidence"].between(0, 1).all()
    assert cue_scores(None) == (0.0, 0.0)


def test_apply_roles_maps_labels_and_never_mutates() -> None:
    segments = _segments([
        ("speaker_1", "您好，很高兴为您服务，请问有什么可以帮您？"),
        ("speaker_2", "我想查一下我的话费。"),
        ("speaker_3", "嗯"),
        ("agent", "left as is"),
    ])  # fmt: skip
    before = segments.copy()
    roles = assign_roles(segments)
    out = apply_roles(segments, roles)
    pd.testing.assert_frame_equal(segments, before)
    assert out["speaker_role"].tolist()[:2] == ["agent", "customer"]
    assert out["speaker_role"].iloc[3] == "agent" and pd.isna(out["role_confidence"].iloc[3])
    assert out["role_confidence"].iloc[:3].between(0, 1).all()
    assert list(out.columns) == [*segments.columns, "role_confidence"]


def test_missing_column_is_named() -> None:
    with pytest.raises(InputDataError, match="text"):
        assign_roles(pd.DataFrame({"speaker_role": ["speaker_1"], "start_seconds": [0.0]}))


def test_centre_cues_from_yaml(tmp_path) -> None:
    path = tmp_path / "speech_roles.yaml"
    path.write_text("agent:\n  - pattern: 'acme rocks'\n    weight: 3\ncustomer:\n  - 'wile e'\n", encoding="utf-8")
    cues = role_cues(path)
    assert len(cues) == len(role_cues()) + 2
    assert cue_scores("ACME rocks, wile E here", cues) == (3.0, 2.0)
    path.write_text("agent:\n  - pattern: '(unclosed'\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="agent\\[1\\]"):
        role_cues(path)
    path.write_text("caller: []\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="caller"):
        role_cues(path)


def test_version_and_fingerprint_follow_the_cue_file(tmp_path) -> None:
    from workbench.speech.roles import roles_fingerprint

    assert isinstance(ROLES_VERSION, str) and ROLES_VERSION
    assert roles_fingerprint(tmp_path / "absent.yaml") == ROLES_VERSION
    path = tmp_path / "speech_roles.yaml"
    path.write_text("agent: ['acme']\n", encoding="utf-8")
    first = roles_fingerprint(path)
    path.write_text("agent: ['acme corp']\n", encoding="utf-8")
    assert first.startswith(ROLES_VERSION + "+") and roles_fingerprint(path) != first
