"""Spoken language per line: which calls are forced to which language before transcription.

Language detection on short or noisy Mandarin can go wrong (free detection
picked Thai on a real AISHELL clip; detection among English and Mandarin
only is better, but costs a pass and still errs on 8 kHz lines). A centre
knows which lines are Mandarin: the parameter ``language_rules`` maps
queue names and call-id patterns to a language, and
:func:`language_for_call` picks one per call.

Parameter shape (YAML / JSON)::

    language_rules:
      - {queue: "cn_*", language: zh}          # queue id, shell-style pattern
      - {call_id: "SH-*", language: zh}        # call id pattern
      - {queue: "us_billing", language: en}

Rules are tried in order; the first whose every given key matches wins
(patterns are :func:`fnmatch.fnmatchcase`: ``*``, ``?``, ``[...]``, case-sensitive).
A call matched by no rule gets the default (the engine's ``language``,
usually ``"auto"``). A plain mapping ``{"cn_*": "zh"}`` is accepted as
shorthand for call-id patterns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from fnmatch import fnmatchcase
from typing import Any

from workbench.errors import ParameterError

_LANGUAGE_RE = re.compile(r"^(?:auto|[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?)$")
_RULE_KEYS = ("queue", "call_id")


def check_language_rules(rules: Any) -> list[dict[str, str]]:
    """Validated rules as a list of dicts with ``language`` and ``queue`` and/or ``call_id``.

    Raises:
        ParameterError: (field ``language_rules``) a rule that is not a mapping,
            has no ``queue``/``call_id`` pattern, an unknown key, or a language
            that is not ``auto`` or a language code; the message names the rule's position.

    >>> check_language_rules({"SH-*": "zh"})
    [{'call_id': 'SH-*', 'language': 'zh'}]
    """
    if rules is None:
        return []
    if isinstance(rules, Mapping):
        rules = [{"call_id": pattern, "language": language} for pattern, language in rules.items()]
    if isinstance(rules, (str, bytes)) or not isinstance(rules, Iterable):
        raise ParameterError(f"language_rules must be a list of rules, got {rules!r}", field="language_rules")
    out = []
    for position, rule in enumerate(rules, start=1):
        where = f"language_rules rule {position}"
        if not isinstance(rule, Mapping):
            raise ParameterError(f"{where} must be a mapping, got {rule!r}", field="language_rules")
        unknown = set(rule) - {*_RULE_KEYS, "language"}
        if unknown:
            raise ParameterError(f"{where} has unknown keys {sorted(unknown)}; expected queue, call_id, language",
                                 field="language_rules")  # fmt: skip
        if not any(isinstance(rule.get(k), str) and rule.get(k) for k in _RULE_KEYS):
            raise ParameterError(f"{where} needs a queue or call_id pattern: {dict(rule)!r}", field="language_rules")
        language = rule.get("language")
        if not isinstance(language, str) or not _LANGUAGE_RE.match(language):
            raise ParameterError(f"{where} has language {language!r}; expected 'auto' or a code such as 'zh', 'en'",
                                 field="language_rules")  # fmt: skip
        out.append({k: str(rule[k]) for k in (*_RULE_KEYS, "language") if rule.get(k) is not None})
    return out


def language_for_call(call_id: str, rules: Any, default: str = "auto", queue: str | None = None) -> str:
    """The language to transcribe one call in: the first matching rule's, else ``default``.

    Args:
        call_id: the call's id.
        rules: see the module docstring (validated with :func:`check_language_rules`).
        default: the language when no rule matches (``"auto"`` detects).
        queue: the call's queue id, when known; a rule with a ``queue``
            pattern never matches a call without one.

    >>> rules = [{"queue": "cn_*", "language": "zh"}, {"call_id": "US-*", "language": "en"}]
    >>> language_for_call("c1", rules, queue="cn_billing"), language_for_call("US-7", rules)
    ('zh', 'en')
    >>> language_for_call("c2", rules, default="auto", queue="uk_sales")
    'auto'
    """
    for rule in check_language_rules(rules):
        if "queue" in rule and (queue is None or not fnmatchcase(str(queue), rule["queue"])):
            continue
        if "call_id" in rule and not fnmatchcase(str(call_id), rule["call_id"]):
            continue
        return rule["language"]
    return default
