"""Alert rules over KPIs and analyses, evaluated after each report run.

Rules live in ``parameters/alerts.yaml`` (format documented in that file)::

    rules:
      - {id: abandonment_high, kind: abandonment_above, threshold: 0.15, min_offered: 20}
      - {id: service_level_low, kind: service_level_below, target: 0.8, target_answer_seconds: 20}
      - {id: topic_rising, kind: topic_share_up, min_increase: 0.05, min_z: 3.0}
      - {id: compliance_breaches, kind: compliance_breaches_above, max_breaches: 5}
      - {id: negative_calls_high, kind: negative_sentiment_above, threshold: 0.3, min_calls: 20}

:func:`evaluate_rules` reads the store (KPIs through
:func:`workbench.kpis.compute_kpis`, everything else through the named readers
of :mod:`workbench.store.readers`) over a report's period and queues and
returns one result per rule: ``fired``, ``ok`` or ``no_data`` (with a plain
sentence saying which data is missing). :func:`apply_alerts` does that for a
run folder: it writes ``alerts.json``, puts a banner at the top of
``report.html`` and records both in ``manifest.json``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from html import escape
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from workbench import i18n, paths
from workbench.errors import StoreError
from workbench.glossary import DEFAULT_TARGET_ANSWER_SECONDS, Period
from workbench.i18n import N_, _, format_text, ngettext

ALERTS_FILE = "alerts.json"
BANNER_ID = "workbench-alerts"
MAX_DETAILS = 50  # rows kept per rule in alerts.json; the count is always complete

Severity = Literal["low", "medium", "high"]
#: Severity -> the word people read (translated where shown).
SEVERITY_TEXTS: dict[str, str] = {"low": N_("low"), "medium": N_("medium"), "high": N_("high")}


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(..., min_length=1, pattern=r"^[A-Za-z0-9_.-]+$", description="rule id shown in alerts")
    severity: Severity = "medium"
    description: str = ""


class AbandonmentAbove(_Rule):
    """Fires for every queue-day whose abandonment rate is above ``threshold``."""

    kind: Literal["abandonment_above"]
    threshold: float = Field(..., ge=0.0, le=1.0, description="abandonment rate (0..1) not to exceed")
    min_offered: int = Field(20, ge=0, description="queue-days with fewer offered calls are ignored")


class ServiceLevelBelow(_Rule):
    """Fires for every queue-day whose service level is below ``target``."""

    kind: Literal["service_level_below"]
    target: float = Field(..., ge=0.0, le=1.0, description="share answered within target_answer_seconds")
    target_answer_seconds: int = Field(DEFAULT_TARGET_ANSWER_SECONDS, ge=1, le=600,
                                       description="service-level threshold: answered within this wait counts")
    min_offered: int = Field(20, ge=0, description="queue-days with fewer offered calls are ignored")


class TopicShareUp(_Rule):
    """Fires for a topic whose share of calls rose significantly in the last 7 days against the 7 before.

    Read from the latest topic run (:func:`workbench.store.readers.latest_run_id`), the same run the apps show.
    """

    kind: Literal["topic_share_up"]
    min_increase: float = Field(0.05, gt=0.0, le=1.0, description="rise in share (0..1 points) at least")
    min_z: float = Field(3.0, ge=0.0, description="two-proportion z statistic at least")
    min_documents: int = Field(30, ge=1, description="calls with a topic needed in each week")


class ComplianceBreachesAbove(_Rule):
    """Fires when more than ``max_breaches`` compliance checks failed."""

    kind: Literal["compliance_breaches_above"]
    max_breaches: int = Field(..., ge=0)
    severities: list[Severity] = Field(default_factory=lambda: ["low", "medium", "high"],
                                       description="rule severities counted")


class NegativeSentimentAbove(_Rule):
    """Fires for every queue-day (or topic, over the whole window) whose share of negative calls is above ``threshold``.

    Counts the calls with a stored sentiment (``speech_metrics.call_sentiment_label``, read by
    :func:`workbench.store.readers.call_sentiment`); topics are those of the latest topic run.
    """

    kind: Literal["negative_sentiment_above"]
    threshold: float = Field(..., ge=0.0, le=1.0, description="share of calls labelled negative (0..1) not to exceed")
    min_calls: int = Field(20, ge=1, description="queue-days or topics with fewer scored calls are ignored")
    by: Literal["queue_day", "topic"] = Field("queue_day", description="queue_day: each queue on each day; "
                                              "topic: each topic of the latest topic run over the window")


Rule = Annotated[AbandonmentAbove | ServiceLevelBelow | TopicShareUp | ComplianceBreachesAbove | NegativeSentimentAbove,
                 Field(discriminator="kind")]


class AlertRules(BaseModel):
    """The contents of ``parameters/alerts.yaml``."""

    model_config = ConfigDict(extra="forbid")

    rules: list[Rule] = Field(default_factory=list)


def rules_path() -> Path:
    """``parameters/alerts.yaml``."""
    return paths.parameters_dir() / "alerts.yaml"


def load_rules(path: str | Path | None = None) -> AlertRules:
    """Read and validate alert rules.

    Raises:
        ParameterError: naming the file and the field (``rules[1].threshold``).
    """
    from workbench.params import load_model_file

    return load_model_file(path if path is not None else rules_path(), AlertRules)


# --------------------------------------------------------------------------- evaluation


def _window_text(date_from: Any, date_to: Any) -> str:
    """``1 Mar 2026 to 7 Mar 2026`` in the current language; an open end is the first or last day."""
    return format_text("{first} to {last}", first=date_text(date_from) if date_from else _("first day"),
                       last=date_text(date_to) if date_to else _("last day"))


def date_text(value: Any, language: str | None = None) -> str:
    """A date for people (:func:`workbench.i18n.format_date`); a value that is no date is shown as it is."""
    try:
        return i18n.format_date(value, language)
    except (TypeError, ValueError, AttributeError):
        return str(value)


def _pct(share: float, decimals: int = 0) -> str:
    return i18n.format_percent(share, decimals)


def _result(rule: _Rule, status: str, message: str, details: list[dict[str, Any]] | None = None,
            count: int = 0) -> dict[str, Any]:
    return {"id": rule.id, "kind": getattr(rule, "kind"), "severity": rule.severity, "status": status,
            "message": message, "count": count, "details": (details or [])[:MAX_DETAILS]}


def _records(frame) -> list[dict[str, Any]]:
    return json.loads(frame.to_json(orient="records", date_format="iso"))


def _queue_days(store, window: Mapping[str, Any], target_answer_seconds: int = DEFAULT_TARGET_ANSWER_SECONDS):
    from workbench.kpis import compute_kpis

    by = ["queue", "language", "day"] if window.get("language") else ["queue", "day"]
    table = compute_kpis(store, by=by, **window["period"].to_parameters(),
                         target_answer_seconds=target_answer_seconds, queues=window.get("queues") or None,
                         dimension_filter=window.get("dimension_filter") or None)
    if window.get("language"):
        table = table[table["language"] == window["language"]]
    return table


def _kpi_rule(store, rule: AbandonmentAbove | ServiceLevelBelow, window: Mapping[str, Any]) -> dict[str, Any]:
    seconds = rule.target_answer_seconds if isinstance(rule, ServiceLevelBelow) else DEFAULT_TARGET_ANSWER_SECONDS
    table = _queue_days(store, window, seconds)
    period = _window_text(window["period"].date_from, window["period"].date_to)
    if table.empty or table["offered"].sum() == 0:
        return _result(rule, "no_data", format_text(
            "no calls in the store for {period}: abandonment and service level cannot be checked "
            "(ingest call records first)", period=period))
    table = table[table["offered"] >= rule.min_offered]
    if isinstance(rule, AbandonmentAbove):
        column, bad = "abandonment_rate", table["abandonment_rate"] > rule.threshold
        what = format_text("abandonment above {threshold}", threshold=_pct(rule.threshold))
    else:
        column, bad = "service_level", table["service_level"] < rule.target
        what = format_text("service level (within {seconds} s) below {target}",
                           seconds=rule.target_answer_seconds, target=_pct(rule.target))
    hits = table[bad.fillna(False)].sort_values(column, ascending=isinstance(rule, ServiceLevelBelow))
    details = _records(hits[["queue_id", "day", "offered", column]].assign(day=hits["day"].astype(str)))
    if hits.empty:
        return _result(rule, "ok", format_text("no queue-day with {what} ({count} queue-days checked, {period})",
                                               what=what, count=i18n.format_number(len(table)), period=period))
    worst = details[0]
    return _result(
        rule, "fired",
        ngettext("{count} queue-day with {what}; worst {queue} on {day}: {value} of {offered} calls",
                 "{count} queue-days with {what}; worst {queue} on {day}: {value} of {offered} calls",
                 len(hits)).format(count=i18n.format_number(len(hits)), what=what, queue=worst["queue_id"],
                                   day=date_text(worst["day"]), value=_pct(worst[column], 1),
                                   offered=i18n.format_number(worst["offered"])),
        details, len(hits),
    )


def _topic_rule(store, rule: TopicShareUp, window: Mapping[str, Any]) -> dict[str, Any]:
    from workbench.store import readers

    model_id = readers.latest_run_id(store, "topics")
    if model_id is None:
        return _result(rule, "no_data", _("no topic model in the store (the topics table is empty): "
                                          "topic shares cannot be compared week over week"))
    days = readers.topic_days(store, model_id)
    if days.empty:
        return _result(rule, "no_data", format_text("topic model {model}: none of its calls is in the calls "
                                                    "table, so their dates (and weekly shares) are unknown",
                                                    model=model_id))
    end = window["period"].date_to or date.fromisoformat(days["day"].max())
    current = days[Period.of(end - timedelta(days=6), end).mask(days["day"])]
    previous = days[Period.of(end - timedelta(days=13), end - timedelta(days=7)).mask(days["day"])]
    if len(current) < rule.min_documents or len(previous) < rule.min_documents:
        return _result(rule, "no_data", format_text(
            "topic model {model}: {current} calls in the week to {end} and {previous} the week before; "
            "{needed} needed in each", model=model_id, current=i18n.format_number(len(current)),
            end=i18n.format_date(end), previous=i18n.format_number(len(previous)),
            needed=i18n.format_number(rule.min_documents)))
    topics, _runs = readers.topic_run(store, model_id)
    label_of = dict(zip(topics["topic"], topics["label"]))
    n1, n0 = len(current), len(previous)
    hits = []
    for topic in sorted(set(current["topic_id"]) - {-1}):
        x1 = int((current["topic_id"] == topic).sum())
        x0 = int((previous["topic_id"] == topic).sum())
        p1, p0, pooled = x1 / n1, x0 / n0, (x1 + x0) / (n1 + n0)
        spread = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0)) if 0 < pooled < 1 else 0.0
        z = (p1 - p0) / spread if spread else 0.0
        if p1 - p0 >= rule.min_increase and z >= rule.min_z:
            hits.append({"topic_id": int(topic), "label": label_of.get(topic), "share": round(p1, 4),
                         "share_previous_week": round(p0, 4), "z": round(z, 2)})
    hits.sort(key=lambda h: h["share"] - h["share_previous_week"], reverse=True)
    if not hits:
        return _result(rule, "ok", format_text(
            "topic model {model}: no topic's share rose by {increase} or more (z >= {z}) in the week to {end}",
            model=model_id, increase=_pct(rule.min_increase), z=i18n.format_number(rule.min_z, 1),
            end=i18n.format_date(end)))
    top = hits[0]
    return _result(rule, "fired", format_text(
        "topic model {model}: {count} topics up week over week; most: {topic} {before} -> {after}",
        model=model_id, count=i18n.format_number(len(hits)), topic=top["label"] or top["topic_id"],
        before=_pct(top["share_previous_week"]), after=_pct(top["share"])), hits, len(hits))


def _compliance_rule(store, rule: ComplianceBreachesAbove, window: Mapping[str, Any]) -> dict[str, Any]:
    from workbench.store import readers

    if not readers.table_row_count(store, "compliance_results"):
        return _result(rule, "no_data", _("no compliance results in the store (compliance_results is empty): "
                                          "transcribe recordings to check calls against the compliance rules"))
    breaches = readers.compliance_breach_days(store)
    breaches = breaches[breaches["severity"].isin(rule.severities) | breaches["severity"].isna()]
    undated = breaches["day"].isna()
    in_window = undated | window["period"].mask(breaches["day"])
    breaches = breaches[in_window]
    count = len(breaches)
    note = format_text(" ({count} of them on recordings without a call record, so undated)",
                       count=i18n.format_number(int(undated[in_window].sum()))) if undated[in_window].any() else ""
    details = _records(breaches.groupby(["rule_id", "severity"], dropna=False).size().rename("breaches")
                       .reset_index().sort_values("breaches", ascending=False)) if count else []
    if count <= rule.max_breaches:
        return _result(rule, "ok", format_text("{count} compliance breaches, at most {allowed} allowed{note}",
                                               count=i18n.format_number(count),
                                               allowed=i18n.format_number(rule.max_breaches), note=note),
                       details, count)
    return _result(rule, "fired", format_text("{count} compliance breaches, more than {allowed}{note}",
                                              count=i18n.format_number(count),
                                              allowed=i18n.format_number(rule.max_breaches), note=note),
                   details, count)


def _sentiment_rule(store, rule: NegativeSentimentAbove, window: Mapping[str, Any]) -> dict[str, Any]:
    from workbench.sentiment import negative_share
    from workbench.store import readers

    if not readers.sentiment_call_count(store):
        return _result(rule, "no_data", _("no call sentiment in the store (speech_metrics holds none): the share "
                                          "of negative calls cannot be checked (transcribe recordings with "
                                          "sentiment scoring first)"))
    period = _window_text(window["period"].date_from, window["period"].date_to)
    calls = readers.call_sentiment(store, **window["period"].to_parameters(), queues=window.get("queues") or None,
                                   dimension_filter=window.get("dimension_filter") or None)
    if window.get("language"):
        calls = calls[calls["language"] == window["language"]]
    calls = calls[calls["call_sentiment_label"].notna()]
    if calls.empty:
        return _result(rule, "no_data", format_text(
            "no calls with a stored sentiment in {period}: the share of negative calls cannot be checked",
            period=period))
    threshold = _pct(rule.threshold)
    if rule.by == "topic":
        if calls["topic_id"].isna().all():
            return _result(rule, "no_data", _("no topic of the latest topic model matches a call with a sentiment "
                                              "(or there is no topic model): the share of negative calls by topic "
                                              "cannot be checked"))
        calls = calls[calls["topic_id"].notna() & (calls["topic_id"] != -1)]  # outliers are no topic
        calls = calls.assign(topic_id=calls["topic_id"].astype(int),
                             topic_label=calls["topic_label"].fillna(calls["topic_id"].astype(int).astype(str)))
        keys = ["topic_id", "topic_label"]
    else:
        calls = calls[calls["queue_id"].notna()]  # a recording without its call record has no queue or day
        keys = ["queue_id", "day"]
    shares = negative_share(calls, keys)
    checked = shares[shares["calls"] >= rule.min_calls]
    hits = checked[checked["negative_share"] > rule.threshold].sort_values(["negative_share", "calls"],
                                                                          ascending=False)
    details = _records(hits[[*keys, "calls", "negative_calls", "negative_share"]])
    count = i18n.format_number(len(hits))
    if rule.by == "topic":
        if hits.empty:
            return _result(rule, "ok", format_text(
                "no topic with more than {threshold} negative calls ({count} topics checked, {period})",
                threshold=threshold, count=i18n.format_number(len(checked)), period=period))
        worst = details[0]
        message = ngettext(
            "{count} topic with more than {threshold} negative calls over {period}; worst {topic}: {value} of "
            "{calls} calls",
            "{count} topics with more than {threshold} negative calls over {period}; worst {topic}: {value} of "
            "{calls} calls", len(hits)).format(count=count, threshold=threshold, period=period,
                                               topic=worst["topic_label"], value=_pct(worst["negative_share"], 1),
                                               calls=i18n.format_number(worst["calls"]))
        return _result(rule, "fired", message, details, len(hits))
    if hits.empty:
        return _result(rule, "ok", format_text(
            "no queue-day with more than {threshold} negative calls ({count} queue-days checked, {period})",
            threshold=threshold, count=i18n.format_number(len(checked)), period=period))
    worst = details[0]
    message = ngettext(
        "{count} queue-day with more than {threshold} negative calls; worst {queue} on {day}: {value} of "
        "{calls} calls",
        "{count} queue-days with more than {threshold} negative calls; worst {queue} on {day}: {value} of "
        "{calls} calls", len(hits)).format(count=count, threshold=threshold, queue=worst["queue_id"],
                                           day=date_text(worst["day"]), value=_pct(worst["negative_share"], 1),
                                           calls=i18n.format_number(worst["calls"]))
    return _result(rule, "fired", message, details, len(hits))


_EVALUATORS = {
    "abandonment_above": _kpi_rule,
    "service_level_below": _kpi_rule,
    "topic_share_up": _topic_rule,
    "compliance_breaches_above": _compliance_rule,
    "negative_sentiment_above": _sentiment_rule,
}


def evaluate_rules(
    rules: AlertRules,
    store_path: str | Path | None = None,
    *,
    date_from: str | date | None = None,
    date_to: str | date | None = None,
    queues: Sequence[str] | None = None,
    language: str | None = None,
    dimension_filter: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """One result per rule (``id, kind, severity, status, message, count, details``) over a period.

    The KPI rules count only the calls of ``queues`` and ``dimension_filter``
    (a report fanned out over a dimension is alerted on its own calls).

    ``status`` is ``fired``, ``ok``, ``no_data`` (the message says which data is
    missing) or ``error`` (the message says what went wrong); one rule's
    problem never hides the others.

    Raises:
        ParameterError: ``date_from`` or ``date_to`` is not an ISO date, or the period is inverted.
    """
    from workbench.store import Store

    window = {"period": Period.of(date_from, date_to), "queues": list(queues or []), "language": language,
              "dimension_filter": dict(dimension_filter or {})}
    path = Path(store_path) if store_path is not None else paths.store_path()
    if not path.exists():
        return [_result(rule, "no_data", format_text("store not found: {path}", path=path)) for rule in rules.rules]
    results = []
    try:
        with Store(path, read_only=True) as store:
            for rule in rules.rules:
                try:
                    results.append(_EVALUATORS[rule.kind](store, rule, window))
                except Exception as exc:  # report it on that rule, keep checking the others
                    results.append(_result(rule, "error", f"{type(exc).__name__}: {exc}"))
    except StoreError as exc:
        return [_result(rule, "error", format_text("store could not be opened: {error}", error=exc))
                for rule in rules.rules]
    return results


def window_from_parameters(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """Store, period, queues, language and dimension filter of a report, from its resolved notebook parameters."""
    from workbench.params import resolve_repo_path

    store = parameters.get("store_path")
    language = parameters.get("language")
    return {
        "store_path": resolve_repo_path(store) if store else None,
        **Period.of(parameters.get("date_from"), parameters.get("date_to")).to_parameters(),
        "queues": list(parameters.get("queues") or []),
        "language": language if language in {"zh", "en"} else None,
        "dimension_filter": dict(parameters.get("dimension_filter") or {}),
    }


# --------------------------------------------------------------------------- run folder


def banner_html(alerts: Mapping[str, Any], language: str | None = None) -> str:
    """A self-styled banner: the fired alerts in red, or a green line; rules without data are named.

    In ``language``, else the language the alerts were evaluated in (``alerts["language"]``), else the
    current one. Rule messages are shown as evaluated; every value is escaped.
    """
    lang = i18n.check_language(language or alerts.get("language") or i18n.current_language())
    fired = [r for r in alerts["rules"] if r["status"] == "fired"]
    missing = [r for r in alerts["rules"] if r["status"] in {"no_data", "error"}]
    colour, border = ("#fdecea", "#c62828") if fired else ("#e8f5e9", "#2e7d32")

    def severity(value: str) -> str:
        return i18n.gettext(SEVERITY_TEXTS[value], lang) if value in SEVERITY_TEXTS else value

    def fired_item(rule: Mapping[str, Any]) -> str:
        text = format_text("({severity}): {message}", lang, severity=severity(rule["severity"]),
                           message=rule["message"])
        return f"<li><b>{escape(rule['id'])}</b> {escape(text)}</li>"

    def missing_item(rule: Mapping[str, Any]) -> str:
        text = format_text("{name}: {value}", lang, name=rule["id"], value=rule["message"])
        return f"<li>{escape(text)}</li>"

    items = "".join(fired_item(r) for r in fired)
    missing_text = "".join(missing_item(r) for r in missing)
    count = i18n.format_number(len(fired), 0, lang)
    heading = ngettext("{count} alert", "{count} alerts", len(fired), lang).format(count=count) if fired \
        else _("No alerts", lang)
    with i18n.using_language(lang):
        window = alerts.get("window") or {}
        checked = format_text("({count} rules checked over {period})", lang,
                              count=i18n.format_number(len(alerts["rules"]), 0, lang),
                              period=_window_text(window.get("date_from"), window.get("date_to")))
    summary = ngettext("{count} rule could not be checked", "{count} rules could not be checked", len(missing),
                       lang).format(count=i18n.format_number(len(missing), 0, lang))
    return (
        f'<div id="{BANNER_ID}" lang="{i18n.HTML_LANG[lang]}" style="background:{colour};border-left:6px solid '
        f'{border};padding:.8em 1.2em;margin:0 0 1em 0;font-family:system-ui,sans-serif;font-size:14px;color:#222">'
        f"<div style=\"font-size:16px;font-weight:600\">{escape(heading)} "
        f"<span style=\"font-weight:400;color:#555\">{escape(checked)}</span></div>"
        f"{f'<ul>{items}</ul>' if items else ''}"
        f"{f'<details><summary>{escape(summary)}</summary><ul>{missing_text}</ul></details>' if missing else ''}"
        "</div>"
    )


def insert_banner(html: str, banner: str) -> str:
    """``html`` with ``banner`` right after ``<body>`` (an earlier banner replaced); a new string."""
    html = re.sub(rf"<!-- {BANNER_ID} -->.*?<!-- /{BANNER_ID} -->", "", html, count=1, flags=re.S)
    banner = f"<!-- {BANNER_ID} -->{banner}<!-- /{BANNER_ID} -->"
    match = re.search(r"<body[^>]*>", html)
    if match is None:
        return banner + html
    return html[: match.end()] + banner + html[match.end():]


def _reprint(report: Path, pdf: Path) -> bool:
    """Print ``report`` (now with its banner) to ``pdf`` again; False, keeping the old PDF, when that fails."""
    import logging

    from workbench.reports.runner import write_pdf

    try:
        write_pdf(report, pdf)
        return True
    except Exception as exc:  # the PDF without the banner is still the report; say so in the log
        logging.getLogger(__name__).warning("%s keeps no alert banner: printing it again failed: %s", pdf, exc)
        return False


def apply_alerts(
    run_dir: str | Path,
    parameters: Mapping[str, Any] | None = None,
    *,
    rules_path: str | Path | None = None,
    rules: AlertRules | None = None,
) -> dict[str, Any]:
    """Evaluate the rules for one run; write ``alerts.json``, the banner and the manifest entry.

    Messages and banner are in the run's ``interface_language`` (else the
    current language). A run with a ``report.pdf`` gets it printed again, so
    the PDF carries the banner too; the manifest's hashes are updated.

    Args:
        run_dir: a run folder written by :func:`workbench.reports.runner.run_notebook`.
        parameters: the run's resolved parameters; default its ``manifest.json`` ones.
        rules_path / rules: the rules; default ``parameters/alerts.yaml``.

    Returns:
        The contents of ``alerts.json``: ``run_id, notebook, evaluated_at, store, window, rules, alerts``
        (``alerts`` = the fired rules).
    """
    from workbench.paths import file_sha256

    run_dir = Path(run_dir)
    manifest_path = run_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    parameters = dict(parameters if parameters is not None else manifest.get("parameters") or {})
    rules = rules or load_rules(rules_path)
    window = window_from_parameters(parameters)
    store = window.pop("store_path") or paths.store_path()
    language = i18n.check_language(parameters["interface_language"]) if parameters.get("interface_language") \
        else i18n.current_language()
    with i18n.using_language(language):  # messages in the language the report is written in
        results = evaluate_rules(rules, store, **window)
    alerts = {
        "run_id": manifest.get("run_id"), "notebook": manifest.get("notebook"), "language": language,
        "report": (manifest.get("context") or {}).get("report") or manifest.get("notebook"),
        "report_html": str(run_dir / "report.html"),
        "evaluated_at": datetime.now(UTC).isoformat(), "store": str(store), "window": window,
        "rules": results, "alerts": [r for r in results if r["status"] == "fired"],
    }
    alerts_path = run_dir / ALERTS_FILE
    alerts_path.write_text(json.dumps(alerts, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    report = run_dir / "report.html"
    changed = [ALERTS_FILE]
    if report.exists():
        report.write_text(insert_banner(report.read_text(encoding="utf-8"), banner_html(alerts, language)),
                          encoding="utf-8")
        pdf = run_dir / Path(str(manifest.get("pdf") or "")).name if manifest.get("pdf") else None
        if pdf is not None and pdf.exists() and _reprint(report, pdf):
            changed.append(pdf.name)
    manifest["alerts"] = {"file": ALERTS_FILE, "fired": len(alerts["alerts"]), "rules": len(results),
                          "no_data": sum(r["status"] == "no_data" for r in results)}
    rows = {o.get("path"): o.get("rows") for o in manifest.get("outputs") or []}
    rows[ALERTS_FILE] = len(results)
    outputs = [o for o in manifest.get("outputs") or [] if o.get("path") not in changed]
    for name in changed:  # the manifest's hashes describe the files as they now are (report.html is not listed)
        path = run_dir / name
        outputs.append({"path": name, "sha256": file_sha256(path), "bytes": path.stat().st_size,
                        "rows": rows.get(name)})
    manifest["outputs"] = outputs
    tmp = manifest_path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    tmp.replace(manifest_path)
    return alerts
