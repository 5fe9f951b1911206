"""Compliance rules for call transcripts, as quality-inspection suites define them.

Rules live in ``parameters/compliance/*.yaml`` (format and examples in
``parameters/compliance/README.md``) and come in three kinds:

* ``required_phrase``: one of several variants (Mandarin or English) must be
  said by the speaker, optionally inside a window at the start of the call:
  ``within_seconds`` (the segment holding it starts at or before that second
  of the recording) and/or ``within_turns`` (it is in one of the speaker's
  first N turns). With both set, either window is enough: a long silence
  before the greeting stretches the seconds but not the turns, a chatty
  caller adds turns but not seconds, and a reviewer would pass both calls.
* ``prohibited_phrase``: none of the variants may be said; ``exclusions`` are
  longer phrases inside which a variant is harmless.
* ``regex``: the regular expression ``pattern`` must not match, unless the
  match lies inside a match of one of the ``exclusions`` (also regular
  expressions), e.g. "guarantee" but not "money-back guarantee".

Phrases match case-insensitively and ignore whitespace and punctuation: text
and phrase are both cut into words (Latin letters and digits) and single
Chinese characters, full-width forms are folded and traditional characters
mapped to simplified ones, so "本次 通話，可能會被錄音" matches
"本次通话可能会被录音" and "THIS CALL - may be recorded" matches "this call may
be recorded". English phrases match whole words only ("no" is not in "know").

Speaker roles come from the transcript (agent | customer | unknown). A call
whose segments are all "unknown" (a mono recording without diarization) is
checked on all of its text, since no segment can be attributed.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from workbench import paths
from workbench.errors import InputDataError, ParameterError
from workbench.speech.pii import redact_text

RESULT_COLUMNS = ["call_id", "rule_id", "passed", "severity", "score", "evidence"]
SEGMENT_COLUMNS = ("call_id", "speaker_role", "start_seconds", "end_seconds", "text", "language")
EVIDENCE_MAX_CHARS = 400

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN_RE = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+")
_APOSTROPHES_RE = re.compile(r"['’`]")
_HAS_CJK_RE = re.compile(rf"[{_CJK}]")
_SEP = "\x1f"


class ComplianceRule(BaseModel):
    """One compliance rule; see the module docstring for the semantics of each kind.

    Attributes:
        rule_id: unique identifier, stored with each result.
        description: what the rule checks, for reviewers.
        kind: required_phrase | prohibited_phrase | regex.
        speaker: whose speech is checked: agent | customer | any.
        phrases: variants of the phrase (phrase kinds).
        pattern: regular expression (regex kind), matched case-insensitively.
        exclusions: phrases (prohibited_phrase) or regular expressions (regex)
            inside which a hit does not count.
        within_seconds: required phrase must be in a segment starting at or
            before this second of the recording.
        within_turns: required phrase must be in one of the speaker's first N
            turns (consecutive segments of one speaker are one turn).
        severity: low | medium | high.
        score: points deducted when the rule fails.
        languages: apply only to calls in these languages (zh, en); None for all.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    rule_id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    kind: Literal["required_phrase", "prohibited_phrase", "regex"]
    speaker: Literal["agent", "customer", "any"] = "agent"
    phrases: tuple[str, ...] = ()
    pattern: str | None = None
    exclusions: tuple[str, ...] = ()
    within_seconds: float | None = Field(default=None, gt=0)
    within_turns: int | None = Field(default=None, ge=1)
    severity: Literal["low", "medium", "high"] = "medium"
    score: float = Field(default=0.0, ge=0)
    languages: tuple[Literal["zh", "en"], ...] | None = None

    @field_validator("phrases", "exclusions", "languages", mode="before")
    @classmethod
    def _one_string_is_a_list_of_one(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("phrases", "exclusions")
    @classmethod
    def _no_blank_entries(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        for value in values:
            if not value.strip():
                raise ValueError("entries must not be blank")
        return values

    @model_validator(mode="after")
    def _fields_fit_kind(self) -> ComplianceRule:
        if self.kind == "regex":
            if not self.pattern:
                raise ValueError("pattern: a regex rule needs a pattern")
            if self.phrases:
                raise ValueError("phrases: a regex rule uses pattern, not phrases")
            for field, expr in [("pattern", self.pattern), *(("exclusions", e) for e in self.exclusions)]:
                try:
                    re.compile(expr)
                except re.error as exc:
                    raise ValueError(f"{field}: not a valid regular expression {expr!r}: {exc}") from None
        else:
            if not self.phrases:
                raise ValueError(f"phrases: a {self.kind} rule needs at least one phrase")
            if self.pattern is not None:
                raise ValueError(f"pattern: only regex rules take a pattern, this is {self.kind}")
            for field, values in (("phrases", self.phrases), ("exclusions", self.exclusions)):
                for phrase in values:
                    if not _phrase_tokens(phrase):
                        raise ValueError(f"{field}: {phrase!r} has no letters, digits or characters to match")
        for field in ("within_seconds", "within_turns"):
            if self.kind != "required_phrase" and getattr(self, field) is not None:
                raise ValueError(f"{field}: windows apply to required_phrase rules only")
        if self.kind == "required_phrase" and self.exclusions:
            raise ValueError("exclusions: apply to prohibited_phrase and regex rules only")
        return self

    def applies_to(self, language: str | None) -> bool:
        """Whether the rule checks a call in ``language`` (None: unknown, only unfiltered rules apply)."""
        return self.languages is None or language in self.languages


# --------------------------------------------------------------------------- text matching


@functools.lru_cache(maxsize=1)
def _t2s_table() -> dict[int, str]:
    """Traditional-to-simplified mapping of single CJK characters (OpenCC t2s).

    Built once by converting every character of the basic CJK block on its
    own line (0.2 s), then applied with ``str.translate``: converting each
    segment through OpenCC would cost more than all the matching.
    """
    from opencc import OpenCC

    chars = [chr(c) for c in range(0x4E00, 0xA000)]
    converted = OpenCC("t2s").convert("\n".join(chars)).split("\n")
    if len(converted) != len(chars):  # pragma: no cover - OpenCC merged lines
        return {}
    return {ord(a): b for a, b in zip(chars, converted) if a != b and len(b) == 1}


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    if _HAS_CJK_RE.search(text):
        text = text.translate(_t2s_table())
    return _APOSTROPHES_RE.sub("", text)


@functools.lru_cache(maxsize=4096)
def _phrase_tokens(phrase: str) -> tuple[str, ...]:
    return tuple(_TOKEN_RE.findall(_normalise(phrase)))


def _joined(tokens: Iterable[str]) -> str:
    return _SEP + _SEP.join(tokens) + _SEP


# Transcripts repeat themselves (greetings, disclosures, closings), so the
# normalised form of a text is cached.
@functools.lru_cache(maxsize=65536)
def _text_joined(text: str) -> str:
    return _joined(_TOKEN_RE.findall(_normalise(text)))


@functools.lru_cache(maxsize=1024)
def _phrases_regex(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """One regex finding every (possibly overlapping) occurrence of any phrase in a joined text."""
    needles = sorted({_joined(_phrase_tokens(p)) for p in phrases}, key=len, reverse=True)
    return re.compile("(?=(" + "|".join(re.escape(n) for n in needles) + "))")


def _occurrences(joined: str, phrases: tuple[str, ...]) -> list[tuple[int, int]]:
    return [(m.start(), m.start() + len(m.group(1))) for m in _phrases_regex(phrases).finditer(joined)]


def _inside(span: tuple[int, int], others: list[tuple[int, int]]) -> bool:
    return any(start <= span[0] and span[1] <= end for start, end in others)


def _phrase_hit(text: str, phrases: tuple[str, ...], exclusions: tuple[str, ...] = ()) -> bool:
    joined = _text_joined(text)
    if not exclusions:
        return _phrases_regex(phrases).search(joined) is not None
    excluded = _occurrences(joined, exclusions)
    return any(not _inside(span, excluded) for span in _occurrences(joined, phrases))


@functools.lru_cache(maxsize=256)
def _regex(expr: str) -> re.Pattern[str]:
    return re.compile(expr, re.IGNORECASE)


def _regex_hit(text: str, pattern: str, exclusions: tuple[str, ...]) -> bool:
    folded = unicodedata.normalize("NFKC", text)
    hits = [m.span() for m in _regex(pattern).finditer(folded) if m.end() > m.start()]
    if not hits or not exclusions:
        return bool(hits)
    excluded = [m.span() for e in exclusions for m in _regex(e).finditer(folded)]
    return any(not _inside(span, excluded) for span in hits)


# --------------------------------------------------------------------------- loading


def _rule_lines(text: str) -> list[int | None]:
    """1-based line of each rule item in a YAML list (or under a ``rules:`` key)."""
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return []
    if isinstance(node, yaml.MappingNode):
        node = next((v for k, v in node.value if k.value == "rules"), node)
    if isinstance(node, yaml.SequenceNode):
        return [item.start_mark.line + 1 for item in node.value]
    return [node.start_mark.line + 1] if node is not None else []


def _validate(item: Any, source: str | Path, row: int | None, index: int) -> ComplianceRule:
    if isinstance(item, ComplianceRule):
        return item
    if not isinstance(item, Mapping):
        raise ParameterError(f"rule {index + 1}: expected a mapping of rule fields, found {type(item).__name__}",
                             file=source, row=row)  # fmt: skip
    try:
        return ComplianceRule.model_validate(dict(item))
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or None
        message = "unknown field" if first["type"] == "extra_forbidden" else first["msg"]
        if field is None:  # model-level check: the message starts with the field it is about
            message = str(first["msg"]).removeprefix("Value error, ")
            field, _, message = message.partition(": ")
        elif first["type"] != "extra_forbidden":
            message = f"{message} (got {first['input']!r})"
        more = f" (and {len(exc.errors()) - 1} more problem(s))" if len(exc.errors()) > 1 else ""
        name = item.get("rule_id", f"#{index + 1}")
        raise ParameterError(f"rule {name!r}: {message}{more}", file=source, row=row, field=field) from None


def _read_file(path: Path) -> list[ComplianceRule]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ParameterError("compliance rule file not found", file=path) from None
    try:
        values = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ParameterError(f"not valid YAML: {getattr(exc, 'problem', exc)}", file=path,
                             row=mark.line + 1 if mark is not None else None) from None  # fmt: skip
    if values is None:
        return []
    if isinstance(values, Mapping):
        values = values["rules"] if set(values) == {"rules"} else [values]
    if not isinstance(values, list):
        raise ParameterError(f"expected a list of rules, found {type(values).__name__}", file=path, row=1)
    lines = _rule_lines(text)
    return [_validate(item, path, lines[i] if i < len(lines) else None, i) for i, item in enumerate(values)]


def load_rules(source: str | Path | Iterable[ComplianceRule | Mapping[str, Any]] | None = None) -> list[ComplianceRule]:
    """Read and validate compliance rules.

    Args:
        source: a YAML file, a folder of ``*.yaml`` / ``*.yml`` files (read in
            name order), an iterable of such paths, rules or mappings, or
            None for the folder ``<parameters_dir>/compliance``. A file holds
            a list of rules, a mapping with the single key ``rules`` holding
            that list, or one rule.

    Returns:
        The rules, in file and list order.

    Raises:
        ParameterError: a file is missing or not YAML, a rule is invalid
            (file, line of the rule and field named), or two rules share a
            ``rule_id`` (both places named).
    """
    where: dict[str, str] = {}
    rules: list[ComplianceRule] = []
    if source is None:
        source = paths.parameters_dir() / "compliance"
    items = [source] if isinstance(source, (str, Path, Mapping, ComplianceRule)) else list(source)
    batches: list[tuple[str, list[ComplianceRule]]] = []
    inline: list[ComplianceRule] = []
    for i, item in enumerate(items):
        if isinstance(item, (str, Path)):
            path = Path(item)
            files = sorted([*path.glob("*.yaml"), *path.glob("*.yml")]) if path.is_dir() else [path]
            batches.extend((str(f), _read_file(f)) for f in files)
        else:
            inline.append(_validate(item, "<rules>", None, i))
    if inline:
        batches.append(("<rules>", inline))
    for origin, batch in batches:
        for rule in batch:
            if rule.rule_id in where:
                raise ParameterError(
                    f"duplicate rule_id {rule.rule_id!r}, first defined in {where[rule.rule_id]}",
                    file=origin,
                    field="rule_id",
                )
            where[rule.rule_id] = origin
            rules.append(rule)
    return rules


# --------------------------------------------------------------------------- evaluation


def _evidence(texts: Iterable[str], language: str | None) -> str:
    joined = " … ".join(t for t in texts if t)
    redacted = redact_text(joined, language)
    return redacted if len(redacted) <= EVIDENCE_MAX_CHARS else redacted[: EVIDENCE_MAX_CHARS - 1] + "…"


def _call_language(languages: list) -> str | None:
    known = Counter(v for v in languages if isinstance(v, str) and v)
    return known.most_common(1)[0][0] if known else None


def _turn_numbers(roles: list[str]) -> tuple[list[int], list[int]]:
    """Overall and per-speaker turn number (1-based) of each segment.

    Consecutive segments of one speaker are one turn, so a greeting that the
    recogniser split into three segments is still the agent's first turn.
    """
    overall, own, counts = [], [], {}
    previous = None
    for role in roles:
        if role != previous:
            counts[role] = counts.get(role, 0) + 1
            counts["*"] = counts.get("*", 0) + 1
            previous = role
        overall.append(counts["*"])
        own.append(counts[role])
    return overall, own


def _evaluate_call(
    call_id: Any, roles: list[str], starts: list[float], raw: list[str], languages: list, rules: list[ComplianceRule]
) -> list[tuple]:
    language = _call_language(languages)
    attributed = any(r in ("agent", "customer") for r in roles)
    overall_turn, role_turn = _turn_numbers(roles)
    rows = []
    for rule in rules:
        if not rule.applies_to(language):
            continue
        use_all = rule.speaker == "any" or not attributed
        chosen = [i for i in range(len(raw)) if use_all or roles[i] == rule.speaker]
        turns = overall_turn if use_all else role_turn
        if rule.kind == "required_phrase":
            if rule.within_seconds is not None or rule.within_turns is not None:
                chosen = [
                    i
                    for i in chosen
                    if (rule.within_seconds is not None and starts[i] <= rule.within_seconds)
                    or (rule.within_turns is not None and turns[i] <= rule.within_turns)
                ]
            hit = next((i for i in chosen if _phrase_hit(raw[i], rule.phrases)), None)
            passed = hit is not None
            # A failed check shows what was said instead, so a reviewer can judge it.
            evidence = _evidence([raw[hit]] if passed else [raw[i] for i in chosen], language)
        else:
            if rule.kind == "prohibited_phrase":
                hits = [i for i in chosen if _phrase_hit(raw[i], rule.phrases, rule.exclusions)]
            else:
                hits = [i for i in chosen if _regex_hit(raw[i], rule.pattern or "", rule.exclusions)]
            passed = not hits
            evidence = _evidence([raw[i] for i in hits[:3]], language)
        rows.append((call_id, rule.rule_id, passed, rule.severity, 0.0 if passed else float(rule.score), evidence))
    return rows


def evaluate_compliance(segments: pd.DataFrame, rules: list[ComplianceRule]) -> pd.DataFrame:
    """Check every call's transcript against every applicable rule.

    Args:
        segments: transcript segments; needs ``call_id``, ``speaker_role``
            (agent | customer | unknown), ``start_seconds`` (from the start
            of the recording), ``end_seconds``, ``text`` and ``language``
            (zh | en | None). Segments are put in start order within each
            call (stable, so ties keep their order). Raw or already redacted
            text both work; evidence is always redacted.
        rules: from :func:`load_rules`.

    Returns:
        One row per call and applicable rule (a rule with ``languages``
        applies to calls whose most frequent segment language is listed),
        with the columns of the store table ``compliance_results``:
        ``call_id``, ``rule_id``, ``passed`` (bool), ``severity``, ``score``
        (points deducted: the rule's score when failed, 0.0 when passed) and
        ``evidence``: the redacted text that triggered the rule (up to three
        segments), that satisfied a required phrase, or, when a required
        phrase is missing, what the speaker said inside the window; "" when
        there is nothing to show. Calls keep their first-appearance order and
        rules their list order. The input is not mutated.

    Raises:
        InputDataError: a required column is missing.
    """
    for column in SEGMENT_COLUMNS:
        if column not in segments.columns:
            raise InputDataError(
                f"segments lacks required column '{column}' (has {list(segments.columns)})", field=column
            )
    rows: list[tuple] = []
    calls = segments["call_id"]
    if rules and len(segments):
        # One stable sort by (call in order of first appearance, start), then
        # plain lists: per-call pandas operations would dominate the run time.
        first_seen = pd.Series(pd.factorize(calls)[0], index=segments.index)
        starts = pd.to_numeric(segments["start_seconds"], errors="coerce")
        order = np.lexsort((starts.to_numpy(), first_seen.to_numpy()))
        keep = calls.notna().to_numpy()[order]
        order = order[keep]
        ids = calls.to_numpy()[order]
        roles = segments["speaker_role"].fillna("unknown").astype(str).to_numpy()[order].tolist()
        start_list = starts.to_numpy()[order].tolist()
        texts = [t if isinstance(t, str) else "" for t in segments["text"].to_numpy()[order].tolist()]
        languages = segments["language"].to_numpy()[order].tolist()
        bounds = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1], True]) if len(ids) else np.array([0])
        for lo, hi in zip(bounds[:-1], bounds[1:]):
            rows.extend(
                _evaluate_call(ids[lo], roles[lo:hi], start_list[lo:hi], texts[lo:hi], languages[lo:hi], rules)
            )
    out = pd.DataFrame(rows, columns=RESULT_COLUMNS)
    return out.astype({"passed": bool, "score": "float64", "evidence": object})
