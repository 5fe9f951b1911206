"""Compliance rules: loading and validation, every rule kind on literal fixtures, agreement with the sample truth."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from workbench import paths, schemas
from workbench.errors import InputDataError, ParameterError
from workbench.sample.transcript_templates import DISCLOSURE, PROHIBITED
from workbench.speech.compliance import RESULT_COLUMNS, ComplianceRule, evaluate_compliance, load_rules
from workbench.speech.pii import redact_segments

from speech_corpus import sample_transcripts


@pytest.fixture(scope="module")
def sample() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(segments with speaker_role, compliance truth) of 3000 calls on both lines (~3 s)."""
    out = sample_transcripts(seed=11, prohibited_every=3)
    return out["segments"].rename(columns={"speaker": "speaker_role"}), out["compliance"]


@pytest.fixture(scope="module")
def shipped() -> list[ComplianceRule]:
    return load_rules()


@pytest.fixture(scope="module")
def sample_results(sample, shipped) -> pd.DataFrame:
    return evaluate_compliance(sample[0], shipped)


def _segments(*turns, call_id="c1", language="zh") -> pd.DataFrame:
    """Segments from (speaker_role, start_seconds, text) tuples, 3 s each."""
    return pd.DataFrame(
        {
            "call_id": call_id,
            "speaker_role": [t[0] for t in turns],
            "start_seconds": [float(t[1]) for t in turns],
            "end_seconds": [float(t[1]) + 3.0 for t in turns],
            "text": [t[2] for t in turns],
            "language": language,
        }
    )


def _passed(segments: pd.DataFrame, rule: ComplianceRule | dict) -> bool:
    rule = rule if isinstance(rule, ComplianceRule) else ComplianceRule(**rule)
    result = evaluate_compliance(segments, [rule])
    assert len(result) == 1
    return bool(result["passed"].iloc[0])


DISCLOSE = {
    "rule_id": "disclosure",
    "kind": "required_phrase",
    "speaker": "agent",
    "phrases": ["本次通话可能会被录音", "this call may be recorded"],
    "within_seconds": 30,
    "within_turns": 3,
    "severity": "high",
    "score": 20,
}


# --------------------------------------------------------------------------- the sample call centre


def test_shipped_rules_cover_every_kind_and_speaker(shipped):
    ids = [r.rule_id for r in shipped]
    assert len(ids) == len(set(ids))
    assert {r.kind for r in shipped} == {"required_phrase", "prohibited_phrase", "regex"}
    assert {r.speaker for r in shipped} >= {"agent", "customer"}
    assert any(r.exclusions for r in shipped if r.kind == "regex")
    disclosure = next(r for r in shipped if r.rule_id == "recording_disclosure")
    assert (disclosure.within_seconds, disclosure.within_turns, disclosure.severity) == (30, 3, "high")


def test_disclosure_and_prohibited_phrases_match_the_sample_truth_on_every_call(sample, sample_results):
    segments, truth = sample
    passed = sample_results.pivot(index="call_id", columns="rule_id", values="passed")
    truth = truth.set_index("call_id").loc[passed.index]
    disclosure_agree = passed["recording_disclosure"] == truth["disclosure_present"]
    prohibited_agree = ~passed["rude_language"] == truth["prohibited_phrase_used"]
    print(
        f"\n{len(truth)} sample calls: disclosure agreement {disclosure_agree.mean():.4f} "
        f"({(~truth['disclosure_present']).sum()} missing), prohibited-phrase agreement "
        f"{prohibited_agree.mean():.4f} ({truth['prohibited_phrase_used'].sum()} used)"
    )
    assert truth["disclosure_present"].sum() > 100 and (~truth["disclosure_present"]).sum() > 100
    assert truth["prohibited_phrase_used"].sum() > 100
    assert disclosure_agree.all(), truth[~disclosure_agree].head()
    assert prohibited_agree.all(), truth[~prohibited_agree].head()
    # The evidence of a breach is the sentence with the known phrase in it.
    evidence = sample_results[sample_results["rule_id"] == "rude_language"].set_index("call_id")["evidence"]
    used = truth[truth["prohibited_phrase_used"]]
    for call_id, phrase in used["prohibited_phrase"].items():
        assert phrase.lower() in evidence[call_id].lower(), (call_id, phrase, evidence[call_id])
    assert (evidence[~truth["prohibited_phrase_used"]] == "").all()


def test_other_agent_rules_raise_no_false_alarm_on_the_sample(sample_results):
    rate = sample_results.groupby("rule_id")["passed"].mean()
    print("\npass rate per rule on the sample\n" + rate.to_string())
    # Every sample greeting names the company; no template guarantees, promises
    # or reads a card back ("为了保证服务质量" in a disclosure is an exclusion).
    for rule_id in ("greeting_company_name", "guarantee_outcome", "unauthorised_promise", "card_number_read_back"):
        assert rate[rule_id] == 1.0, rule_id
    # Callers of the sample do threaten complaints (the customer-side rule).
    assert 0.5 < rate["customer_complaint_threat"] < 1.0


def test_results_have_the_store_columns_and_scores(sample, sample_results, shipped):
    assert list(sample_results.columns) == RESULT_COLUMNS == schemas.table("compliance_results").column_names
    assert sample_results["passed"].dtype == bool
    assert len(sample_results) == sample[0]["call_id"].nunique() * len(shipped)
    assert not sample_results.duplicated(["call_id", "rule_id"]).any()
    score = {r.rule_id: r.score for r in shipped}
    expected = np.where(sample_results["passed"], 0.0, sample_results["rule_id"].map(score))
    assert np.allclose(sample_results["score"], expected)
    assert list(pd.unique(sample_results["call_id"])) == list(pd.unique(sample[0]["call_id"]))


def test_redacted_and_resegmented_transcripts_give_the_same_results(sample, sample_results, shipped):
    segments = sample[0]
    calls = pd.unique(segments["call_id"])[:400]
    part = segments[segments["call_id"].isin(calls)]
    expected = sample_results[sample_results["call_id"].isin(calls)].reset_index(drop=True)
    # Stored transcripts are redacted: the rules still work on them.
    redacted = redact_segments(part).drop(columns="pii_count")
    got = evaluate_compliance(redacted, shipped)
    pd.testing.assert_frame_equal(got[["call_id", "rule_id", "passed"]], expected[["call_id", "rule_id", "passed"]])
    # A recogniser splits turns into sentences and lists them out of order:
    # consecutive segments of one speaker stay one turn.
    rows = []
    for row in part.itertuples(index=False):
        pieces = [p for p in row.text.replace("。", "。\n").replace(". ", ".\n").split("\n") if p]
        step = (row.end_seconds - row.start_seconds) / len(pieces)
        for k, piece in enumerate(pieces):
            rows.append(row._replace(text=piece, start_seconds=row.start_seconds + k * step))
    split = pd.DataFrame(rows, columns=part.columns).sample(frac=1.0, random_state=0)
    assert len(split) > len(part)
    keys = ["call_id", "rule_id", "passed"]
    got = evaluate_compliance(split, shipped)[keys].sort_values(keys[:2]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected[keys].sort_values(keys[:2]).reset_index(drop=True))


def test_every_template_disclosure_and_prohibited_phrase_is_caught(shipped):
    rules = {r.rule_id: r for r in shipped}
    for language, sentences in DISCLOSURE.items():
        for sentence in sentences:
            segments = _segments(("agent", 2, sentence), language=language)
            assert _passed(segments, rules["recording_disclosure"]), sentence
    for language, phrases in PROHIBITED.items():
        for sentences in phrases.values():
            for sentence in sentences:
                segments = _segments(("agent", 40, sentence), language=language)
                assert not _passed(segments, rules["rude_language"]), sentence


# --------------------------------------------------------------------------- required phrase


@pytest.mark.parametrize(
    "text, language",
    [
        ("您好，本次通话可能会被录音。", "zh"),
        ("本次 通话 可能 会被 录音", "zh"),  # Whisper puts spaces between words
        ("本次通話，可能會被錄音！", "zh"),  # traditional characters, punctuation inside
        ("ＴＨＩＳ ＣＡＬＬ may be recorded", "en"),  # full-width letters
        ("Hi! This call - may be RECORDED, okay?", "en"),
    ],
)
def test_required_phrase_tolerates_case_whitespace_punctuation_and_script(text, language):
    assert _passed(_segments(("agent", 1, text), language=language), DISCLOSE)


def test_required_phrase_missing_or_altered_fails_with_the_window_as_evidence():
    segments = _segments(("agent", 1, "您好，我的手机号13800138000。"), ("customer", 5, "本次通话可能会被录音"))
    result = evaluate_compliance(segments, [ComplianceRule(**DISCLOSE)])
    assert not result["passed"].iloc[0]
    assert result["score"].iloc[0] == 20.0 and result["severity"].iloc[0] == "high"
    # What the agent said instead, redacted; the customer's line does not count.
    assert result["evidence"].iloc[0] == "您好，我的手机号[CN_MOBILE]。"
    assert not _passed(_segments(("agent", 1, "this call may not be recorded"), language="en"), DISCLOSE)
    assert not _passed(_segments(("agent", 1, "this call may be recorder"), language="en"), DISCLOSE)


def test_required_phrase_window_in_seconds_and_turns():
    late = _segments(
        ("agent", 1, "您好"),
        ("customer", 4, "喂"),
        ("agent", 8, "请讲"),
        ("customer", 12, "我想问一下"),
        ("agent", 20, "好的"),
        ("customer", 25, "嗯"),
        ("agent", 35, "本次通话可能会被录音"),  # the agent's 4th turn, at 35 s
    )
    assert not _passed(late, DISCLOSE)
    assert _passed(late, DISCLOSE | {"within_turns": 4})  # either window is enough
    assert _passed(late, DISCLOSE | {"within_seconds": 40})
    assert _passed(late, DISCLOSE | {"within_seconds": None, "within_turns": None})  # anywhere
    assert not _passed(late, DISCLOSE | {"within_seconds": 34.9, "within_turns": None})
    assert _passed(late, DISCLOSE | {"within_seconds": 35, "within_turns": None})  # the segment's start counts
    # Customer turns do not use up the agent's turns, and consecutive agent
    # segments (one turn split by the recogniser) are one turn.
    split = _segments(
        ("agent", 1, "您好"),
        ("agent", 3, "欢迎致电"),
        ("agent", 5, "云桥通信"),
        ("customer", 8, "喂"),
        ("customer", 9, "你好"),
        ("agent", 40, "本次通话可能会被录音"),
    )
    assert _passed(split, DISCLOSE | {"within_turns": 2, "within_seconds": None})
    assert not _passed(split, DISCLOSE | {"within_turns": 1, "within_seconds": None})
    # Segments given out of order are put in start order first.
    assert _passed(split.iloc[::-1], DISCLOSE | {"within_turns": 2, "within_seconds": None})


# --------------------------------------------------------------------------- speaker filter


def test_speaker_filter():
    customer_says = _segments(("agent", 1, "您好"), ("customer", 3, "本次通话可能会被录音吗？"))
    assert not _passed(customer_says, DISCLOSE)
    assert _passed(customer_says, DISCLOSE | {"speaker": "any"})
    assert _passed(customer_says, DISCLOSE | {"speaker": "customer"})
    rude = {"rule_id": "rude", "kind": "prohibited_phrase", "speaker": "agent", "phrases": ["calm down"]}
    said_by_customer = _segments(
        ("agent", 1, "How can I help?"), ("customer", 3, "Calm down? You calm down!"), language="en"
    )
    assert _passed(said_by_customer, rude)
    assert not _passed(said_by_customer, rude | {"speaker": "any"})
    # A mono recording without diarization: nothing is attributed, so all text is checked.
    mono = _segments(("unknown", 1, "您好，本次通话可能会被录音"), ("unknown", 4, "喂"))
    assert _passed(mono, DISCLOSE)
    assert not _passed(mono.assign(speaker_role=None), DISCLOSE | {"phrases": ["不存在的话"]})
    assert _passed(mono.assign(speaker_role=None), DISCLOSE)


# --------------------------------------------------------------------------- prohibited phrase


def test_prohibited_phrase_variants_word_boundaries_and_exclusions():
    rule = {
        "rule_id": "rude",
        "kind": "prohibited_phrase",
        "phrases": ["calm down", "这不归我管", "that's not my problem"],
        "exclusions": ["calm down the router fan"],
        "severity": "high",
        "score": 15,
    }
    assert not _passed(_segments(("agent", 1, "你这个，这 不归 我管！")), rule)
    assert not _passed(_segments(("agent", 1, "Thats NOT my problem."), language="en"), rule)
    assert not _passed(_segments(("agent", 1, "That’s not my problem."), language="en"), rule)
    assert _passed(_segments(("agent", 1, "That is not a problem."), language="en"), rule)
    assert _passed(_segments(("agent", 1, "I'll calmdown later."), language="en"), rule)  # whole words only
    # Inside an exclusion the phrase is harmless; elsewhere in the segment it is not.
    assert _passed(_segments(("agent", 1, "Let's calm down the router fan first."), language="en"), rule)
    assert not _passed(
        _segments(("agent", 1, "Calm down. Let's calm down the router fan first."), language="en"), rule
    )
    result = evaluate_compliance(
        _segments(("agent", 1, "这不归我管，你打13800138000问吧。"), ("agent", 9, "好的")), [ComplianceRule(**rule)]
    )
    assert result[["passed", "severity", "score"]].iloc[0].tolist() == [False, "high", 15.0]
    assert result["evidence"].iloc[0] == "这不归我管，你打[CN_MOBILE]问吧。"


# --------------------------------------------------------------------------- regex


GUARANTEE = {
    "rule_id": "guarantee",
    "kind": "regex",
    "pattern": r"\bguarantee(?:d|s)?\b|保证",
    "exclusions": [r"money[- ]?back guarantee(?:\s+policy)?", "保证金", "保证服务质量"],
}


@pytest.mark.parametrize(
    "text, passed",
    [
        ("I guarantee it will be fixed tomorrow.", False),
        ("It's GUARANTEED to work.", False),
        ("我保证明天给您修好。", False),
        ("Our money-back guarantee policy covers this.", True),
        ("You're covered by the moneyback guarantee.", True),
        ("需要交五百元保证金。", True),
        ("为了保证服务质量，本次通话可能会被录音。", True),
        ("Money-back guarantee policy applies, and I guarantee a refund.", False),  # one match is outside
        ("There is no guaranteeing anything.", True),  # "guaranteeing" is not in the pattern
    ],
)
def test_regex_rule_with_exclusions(text, passed):
    assert _passed(_segments(("agent", 1, text)), GUARANTEE) is passed


def test_regex_rule_works_on_redacted_tokens(shipped):
    rule = next(r for r in shipped if r.rule_id == "card_number_read_back")
    raw = _segments(("agent", 1, "我跟您核对一下，卡号6222 0212 3456 7894对吗？"))
    assert not _passed(raw, rule)
    assert not _passed(redact_segments(raw).drop(columns="pii_count"), rule)
    assert _passed(_segments(("agent", 1, "尾号7894的卡对吗？")), rule)


# --------------------------------------------------------------------------- languages, inputs


def test_language_filter_and_unknown_language():
    zh_only = ComplianceRule(**(DISCLOSE | {"rule_id": "zh_only", "languages": ["zh"]}))
    everyone = ComplianceRule(**DISCLOSE)
    segments = pd.concat(
        [
            _segments(("agent", 1, "本次通话可能会被录音"), call_id="zh1", language="zh"),
            _segments(("agent", 1, "this call may be recorded"), call_id="en1", language="en"),
            _segments(("agent", 1, "hello"), call_id="xx1", language=None),
        ]
    )
    result = evaluate_compliance(segments, [zh_only, everyone])
    assert result[["call_id", "rule_id", "passed"]].values.tolist() == [
        ["zh1", "zh_only", True],
        ["zh1", "disclosure", True],
        ["en1", "disclosure", True],
        ["xx1", "disclosure", False],
    ]


def test_inputs_are_not_mutated_and_missing_columns_are_named():
    segments = _segments(("agent", 5, "本次通话可能会被录音"), ("agent", 1, "您好"))
    before = segments.copy()
    evaluate_compliance(segments, [ComplianceRule(**DISCLOSE)])
    pd.testing.assert_frame_equal(segments, before)
    with pytest.raises(InputDataError, match="'speaker_role'"):
        evaluate_compliance(segments.drop(columns="speaker_role"), [ComplianceRule(**DISCLOSE)])
    empty = evaluate_compliance(segments.iloc[:0], [ComplianceRule(**DISCLOSE)])
    assert list(empty.columns) == RESULT_COLUMNS and len(empty) == 0
    assert len(evaluate_compliance(segments, [])) == 0


# --------------------------------------------------------------------------- loading rules


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_load_rules_from_file_folder_mapping_and_iterable(tmp_path, monkeypatch):
    one = _write(tmp_path / "a.yaml", "rule_id: one\nkind: prohibited_phrase\nphrases: [calm down]\n")
    _write(tmp_path / "b.yml", "rules:\n  - rule_id: two\n    kind: regex\n    pattern: 'x+'\n")
    _write(tmp_path / "notes.txt", "not a rule file")
    assert [r.rule_id for r in load_rules(one)] == ["one"]
    assert [r.rule_id for r in load_rules(tmp_path)] == ["one", "two"]
    assert [r.rule_id for r in load_rules(str(tmp_path))] == ["one", "two"]
    assert [r.rule_id for r in load_rules([tmp_path / "b.yml", str(one)])] == ["two", "one"]
    rules = load_rules([{"rule_id": "three", "kind": "regex", "pattern": "y"}, ComplianceRule(**DISCLOSE)])
    assert [r.rule_id for r in rules] == ["three", "disclosure"]
    assert isinstance(rules[0].phrases, tuple)  # frozen rules, lists become tuples
    single = ComplianceRule(rule_id="s", kind="prohibited_phrase", phrases="calm down", languages="en")
    assert single.phrases == ("calm down",) and single.languages == ("en",)
    (tmp_path / "compliance").mkdir()
    _write(tmp_path / "compliance" / "x.yaml", "- rule_id: four\n  kind: regex\n  pattern: z\n")
    monkeypatch.setenv("WORKBENCH_PARAMETERS_DIR", str(tmp_path))
    assert [r.rule_id for r in load_rules()] == ["four"]
    _write(tmp_path / "compliance" / "empty.yaml", "")
    assert [r.rule_id for r in load_rules()] == ["four"]


@pytest.mark.parametrize(
    "body, field, row, message",
    [
        ("- rule_id: a\n  kind: regex\n  pattern: x\n- rule_id: b\n  kind: prohibited_phrase\n  phrase: [x]\n",
         "phrase", 4, "unknown field"),
        ("- rule_id: a\n  kind: required_phrase\n", "phrases", 1, "at least one phrase"),
        ("- rule_id: a\n  kind: regex\n  pattern: '(unclosed'\n", "pattern", 1, "not a valid regular expression"),
        ("- rule_id: a\n  kind: regex\n  pattern: x\n  exclusions: ['[']\n", "exclusions", 1, "not a valid"),
        ("- rule_id: a\n  kind: prohibited_phrase\n  phrases: [x]\n  within_turns: 2\n", "within_turns", 1,
         "required_phrase rules only"),
        ("- rule_id: a\n  kind: prohibited_phrase\n  phrases: [x]\n  exclusions: ['!']\n", "exclusions", 1,
         "no letters"),
        ("- rule_id: a\n  kind: regex\n  pattern: x\n  phrases: [y]\n", "phrases", 1, "not phrases"),
        ("- rule_id: a\n  kind: required_phrase\n  phrases: [x]\n  severity: urgent\n", "severity", 1, "urgent"),
        ("- rule_id: a\n  kind: required_phrase\n  phrases: [x]\n  score: -5\n", "score", 1, "greater than"),
        ("- rule_id: a\n  kind: required_phrase\n  phrases: ['，。!']\n", "phrases", 1, "nothing|no letters"),
        ("- rule_id: a\n  kind: shout\n  phrases: [x]\n", "kind", 1, "shout"),
        ("- rule_id: a b\n  kind: regex\n  pattern: x\n", "rule_id", 1, "pattern"),
        ("- rule_id: a\n  kind: regex\n  pattern: x\n  languages: [fr]\n", "languages.0", 1, "fr"),
    ],
)  # fmt: skip
def test_invalid_rules_name_the_file_line_and_field(tmp_path, body, field, row, message):
    path = _write(tmp_path / "rules.yaml", body)
    with pytest.raises(ParameterError, match=message) as info:
        load_rules(path)
    error = info.value
    assert error.file == str(path) and error.field == field and error.row == row
    assert str(path) in str(error) and field in str(error)


def test_duplicate_rule_ids_and_broken_files_are_errors(tmp_path):
    _write(tmp_path / "a.yaml", "- rule_id: same\n  kind: regex\n  pattern: x\n")
    _write(tmp_path / "b.yaml", "- rule_id: same\n  kind: regex\n  pattern: y\n")
    with pytest.raises(ParameterError, match="duplicate rule_id 'same'.*a.yaml") as info:
        load_rules(tmp_path)
    assert info.value.file.endswith("b.yaml")
    with pytest.raises(ParameterError, match="duplicate"):
        load_rules([{"rule_id": "d", "kind": "regex", "pattern": "x"}] * 2)
    with pytest.raises(ParameterError, match="not valid YAML"):
        load_rules(_write(tmp_path / "bad.yaml", "- rule_id: [unclosed\n"))
    with pytest.raises(ParameterError, match="expected a list of rules"):
        load_rules(_write(tmp_path / "scalar.yaml", "just text\n"))
    with pytest.raises(ParameterError, match="expected a mapping"):
        load_rules(_write(tmp_path / "items.yaml", "- just text\n"))
    with pytest.raises(ParameterError, match="not found"):
        load_rules(tmp_path / "missing.yaml")


def test_committed_recording_scripts_match_their_truth(shipped):
    scripts = sorted((paths.sample_dir() / "recordings").glob("*.json"))
    assert scripts
    for path in scripts:
        data = json.loads(path.read_text(encoding="utf-8"))
        segments = pd.DataFrame(
            {
                "call_id": data["call_id"],
                "speaker_role": [s["speaker"] for s in data["segments"]],
                "start_seconds": [s["start"] for s in data["segments"]],
                "end_seconds": [s["end"] for s in data["segments"]],
                "text": [s["text"] for s in data["segments"]],
                "language": data["language"],
            }
        )
        passed = evaluate_compliance(segments, shipped).set_index("rule_id")["passed"]
        assert passed["recording_disclosure"] == data["disclosure_present"], path.name
        assert passed["rude_language"] == (data["prohibited_phrase"] == ""), path.name


def test_readme_example_loads(tmp_path):
    readme = (paths.parameters_dir() / "compliance" / "README.md").read_text(encoding="utf-8")
    example = readme.split("```yaml\n", 1)[1].split("```", 1)[0]
    rules = load_rules(_write(tmp_path / "example.yaml", example))
    assert [r.kind for r in rules] == ["required_phrase", "regex", "prohibited_phrase"]
