"""Alert rules: seeded breaches fire, missing data is said plainly, banner and alerts.json, e-mail to a local server."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from smtp_support import parse, smtp_environment, smtp_sink

from workbench.errors import ParameterError
from workbench.reports import alerts as alerts_module
from workbench.reports import mail
from workbench.reports.alerts import AlertRules, apply_alerts, evaluate_rules, insert_banner, load_rules

RULES = {
    "rules": [
        {"id": "abandonment_high", "kind": "abandonment_above", "threshold": 0.2, "min_offered": 10},
        {"id": "service_level_low", "kind": "service_level_below", "target": 0.5, "min_offered": 10},
        {"id": "topic_rising", "kind": "topic_share_up", "min_increase": 0.05, "min_z": 2.0, "min_documents": 20},
        {"id": "compliance_breaches", "kind": "compliance_breaches_above", "max_breaches": 1},
    ]
}


def calls_frame(day: str, queue_id: str, answered: int, abandoned: int, start: int = 0) -> pd.DataFrame:
    """Calls on one queue-day: answered within 5 s, abandoned after 60 s (deliberately a breach when many)."""
    base = datetime.fromisoformat(f"{day}T09:00:00")
    rows = []
    for i in range(answered + abandoned):
        gave_up = i >= answered
        rows.append({
            "call_id": f"{queue_id}-{day}-{start + i}", "queue_id": queue_id, "language": queue_id[-2:],
            "arrived_at": base + timedelta(minutes=i), "wait_seconds": 60.0 if gave_up else 5.0,
            "talk_seconds": None if gave_up else 120.0, "outcome": "abandoned" if gave_up else "answered",
        })
    return pd.DataFrame(rows)


@pytest.fixture
def seeded_store(tmp_path) -> Path:
    """Two queues over two days; billing_zh on 2026-03-02 loses 40 of 100 callers."""
    from workbench.store import Store

    path = tmp_path / "seeded.duckdb"
    calls = pd.concat([
        calls_frame("2026-03-01", "billing_zh", 50, 2),
        calls_frame("2026-03-01", "sales_en", 40, 1),
        calls_frame("2026-03-02", "billing_zh", 60, 40),
        calls_frame("2026-03-02", "sales_en", 45, 2),
    ], ignore_index=True)
    with Store(path) as store:
        store.write_batch({"calls": calls}, batch_id="seed")
    return path


def by_id(results: list[dict]) -> dict[str, dict]:
    return {r["id"]: r for r in results}


def test_seeded_abandonment_and_service_level_breach_fire(seeded_store):
    results = by_id(evaluate_rules(AlertRules.model_validate(RULES), seeded_store))
    abandonment = results["abandonment_high"]
    assert abandonment["status"] == "fired" and abandonment["count"] == 1
    assert abandonment["details"][0]["queue_id"] == "billing_zh" and abandonment["details"][0]["day"].startswith(
        "2026-03-02")
    assert "40.0% of 100 calls" in abandonment["message"]
    assert results["service_level_low"]["status"] == "ok"  # 60 of 100 answered within 20 s


def test_service_level_rule_uses_target_answer_seconds(seeded_store):
    """Every answered call waited 5 s: a 4 s threshold puts every queue-day below target."""
    strict = {"rules": [{"id": "sl", "kind": "service_level_below", "target": 0.5, "target_answer_seconds": 4,
                         "min_offered": 10}]}
    [result] = evaluate_rules(AlertRules.model_validate(strict), seeded_store)
    assert result["status"] == "fired" and result["count"] == 4 and "within 4 s" in result["message"]
    retired = {"rules": [{"id": "sl", "kind": "service_level_below", "target": 0.5, "service_level_seconds": 4}]}
    with pytest.raises(ValueError, match="service_level_seconds"):
        AlertRules.model_validate(retired)


def test_period_and_queue_filters_apply(seeded_store):
    rules = AlertRules.model_validate(RULES)
    assert by_id(evaluate_rules(rules, seeded_store, date_to="2026-03-01"))["abandonment_high"]["status"] == "ok"
    assert by_id(evaluate_rules(rules, seeded_store, queues=["sales_en"]))["abandonment_high"]["status"] == "ok"
    assert by_id(evaluate_rules(rules, seeded_store, queues=["billing"]))["abandonment_high"]["status"] == "fired"
    assert by_id(evaluate_rules(rules, seeded_store, language="zh"))["abandonment_high"]["status"] == "fired"


def test_missing_data_is_said_plainly(seeded_store, tmp_path):
    results = by_id(evaluate_rules(AlertRules.model_validate(RULES), seeded_store))
    assert results["topic_rising"]["status"] == "no_data"
    assert "topics table is empty" in results["topic_rising"]["message"]
    assert results["compliance_breaches"]["status"] == "no_data"
    assert "compliance_results is empty" in results["compliance_breaches"]["message"]
    empty = evaluate_rules(AlertRules.model_validate(RULES), seeded_store, date_from="2027-01-01")
    assert by_id(empty)["abandonment_high"]["status"] == "no_data"
    assert "no calls in the store" in by_id(empty)["abandonment_high"]["message"]
    absent = evaluate_rules(AlertRules.model_validate(RULES), tmp_path / "absent.duckdb")
    assert {r["status"] for r in absent} == {"no_data"} and "store not found" in absent[0]["message"]


def test_compliance_and_topic_rules_fire_on_seeded_rows(seeded_store):
    from workbench.store import Store

    # Week 1 (2026-02-16..22): topic 1 is 10 % of calls; week 2 (2026-02-23..03-01): 50 %.
    week1 = calls_frame("2026-02-20", "sales_en", 100, 0, start=1000)
    week2 = calls_frame("2026-03-01", "sales_en", 100, 0, start=2000)
    assignments = pd.DataFrame({
        "model_id": "m1",
        "document_id": list(week1["call_id"]) + list(week2["call_id"]),
        "call_id": list(week1["call_id"]) + list(week2["call_id"]),
        "topic_id": [1] * 10 + [0] * 90 + [1] * 50 + [0] * 50,
    })
    topics = pd.DataFrame({"model_id": "m1", "topic_id": [0, 1], "label": ["billing", "card blocked"]})
    compliance = pd.DataFrame({
        "call_id": ["billing_zh-2026-03-02-0", "billing_zh-2026-03-02-1", "rec_en_001"],
        "rule_id": ["greeting", "greeting", "disclosure"],
        "passed": [False, False, False], "severity": ["high", "high", "medium"],
    })
    with Store(seeded_store) as store:
        store.write_batch({"calls": pd.concat([week1, week2]), "topic_assignments": assignments, "topics": topics,
                           "compliance_results": compliance}, batch_id="seed2")
    results = by_id(evaluate_rules(AlertRules.model_validate(RULES), seeded_store, date_to="2026-03-01"))
    topic = results["topic_rising"]
    assert topic["status"] == "fired", topic
    assert topic["details"][0]["label"] == "card blocked" and topic["details"][0]["share"] == 0.5
    compliance_result = results["compliance_breaches"]
    # The window ends 03-01: the two breaches on 03-02 are out, the undated recording's one is in.
    assert compliance_result["status"] == "ok" and compliance_result["count"] == 1
    everything = by_id(evaluate_rules(AlertRules.model_validate(RULES), seeded_store))["compliance_breaches"]
    assert everything["status"] == "fired" and everything["count"] == 3 and "without a call record" in everything[
        "message"]


def topic_run_frames(model_id: str, calls: pd.DataFrame, topic_ids: list[int], finished_at: str) -> dict:
    """A topic run as the topic pipeline stores it: topics, assignments and the batch that wrote them."""
    return {
        "topics": pd.DataFrame({"model_id": model_id, "topic_id": [0, 1], "label": [f"{model_id} a", f"{model_id} b"]}),
        "topic_assignments": pd.DataFrame({"model_id": model_id, "document_id": list(calls["call_id"]),
                                           "call_id": list(calls["call_id"]), "topic_id": topic_ids}),
        "batches": pd.DataFrame({"batch_id": [f"topics-{model_id}"], "kind": ["topics"], "status": ["succeeded"],
                                 "finished_at": [pd.Timestamp(finished_at)]}),
    }


def test_topic_rule_reads_the_latest_run_of_the_store_readers(seeded_store):
    """The newest run is the one whose batch finished last, not the largest id: the apps' run."""
    from workbench.store import Store, readers

    week1 = calls_frame("2026-02-20", "sales_en", 100, 0, start=1000)
    week2 = calls_frame("2026-03-01", "sales_en", 100, 0, start=2000)
    calls = pd.concat([week1, week2], ignore_index=True)
    flat = [1] * 10 + [0] * 90 + [1] * 10 + [0] * 90  # "zz_old": no topic moves
    rising = [1] * 10 + [0] * 90 + [1] * 50 + [0] * 50  # "m_new": topic 1 from 10 % to 50 %
    with Store(seeded_store) as store:
        store.write_batch({"calls": calls}, batch_id="seed2")
        store.write_batch(topic_run_frames("zz_old", calls, flat, "2026-03-01T08:00:00"), batch_id="topics-zz_old")
        store.write_batch(topic_run_frames("m_new", calls, rising, "2026-03-02T08:00:00"), batch_id="topics-m_new")
        latest = readers.latest_run_id(store, "topics")
    assert latest == "m_new"
    topic = by_id(evaluate_rules(AlertRules.model_validate(RULES), seeded_store, date_to="2026-03-01"))["topic_rising"]
    assert topic["status"] == "fired" and f"topic model {latest}" in topic["message"]
    assert topic["details"][0]["label"] == "m_new b"


def test_bad_period_names_the_field(seeded_store):
    with pytest.raises(ParameterError) as caught:
        evaluate_rules(AlertRules.model_validate(RULES), seeded_store, date_from="2026-02-30")
    assert caught.value.field == "date_from"
    with pytest.raises(ParameterError) as caught:
        alerts_module.window_from_parameters({"date_from": "2026-03-02", "date_to": "2026-03-01"})
    assert caught.value.field == "date_to"


def test_rules_file_errors_name_file_and_field(tmp_path):
    bad = tmp_path / "alerts.yaml"
    bad.write_text("rules:\n  - {id: a, kind: abandonment_above, threshold: 1.5}\n", encoding="utf-8")
    with pytest.raises(ParameterError) as caught:
        load_rules(bad)
    assert caught.value.file == str(bad) and caught.value.field == "rules[0].abandonment_above.threshold"


def test_shipped_rules_are_valid():
    rules = load_rules()
    assert {r.kind for r in rules.rules} == {"abandonment_above", "service_level_below", "topic_share_up",
                                             "compliance_breaches_above", "negative_sentiment_above"}


def fake_run(tmp_path: Path, parameters: dict) -> Path:
    run_dir = tmp_path / "outputs" / "kpi_overview" / "20260302T000000Z-00000000"
    run_dir.mkdir(parents=True)
    manifest = {"run_id": run_dir.name, "notebook": "kpi_overview", "status": "succeeded", "parameters": parameters,
                "outputs": [], "context": {"report": "kpi_daily", "set": "daily"}}
    (run_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (run_dir / "report.html").write_text("<html><head></head><body class='x'><h1>KPIs</h1></body></html>",
                                         encoding="utf-8")
    return run_dir


def test_apply_alerts_writes_json_banner_and_manifest(seeded_store, tmp_path):
    run_dir = fake_run(tmp_path, {"store_path": str(seeded_store), "date_from": None, "date_to": "2026-03-02"})
    result = apply_alerts(run_dir, rules=AlertRules.model_validate(RULES))
    saved = json.loads((run_dir / "alerts.json").read_text(encoding="utf-8"))
    assert [a["id"] for a in saved["alerts"]] == ["abandonment_high"] == [a["id"] for a in result["alerts"]]
    assert saved["window"]["date_to"] == "2026-03-02" and saved["store"] == str(seeded_store)
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    assert html.index("workbench-alerts") < html.index("<h1>KPIs")
    assert html.index("<body class='x'>") < html.index("workbench-alerts")
    assert "1 alert" in html and "abandonment_high" in html
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["alerts"]["fired"] == 1 and any(o["path"] == "alerts.json" for o in manifest["outputs"])

    apply_alerts(run_dir, rules=AlertRules.model_validate(RULES))  # evaluated again: one banner, not two
    assert (run_dir / "report.html").read_text(encoding="utf-8").count('id="workbench-alerts"') == 1


def test_insert_banner_without_body_prepends():
    assert insert_banner("<p>x</p>", "<div>b</div>").endswith("<div>b</div><!-- /workbench-alerts --><p>x</p>")


# --------------------------------------------------------------------------- e-mail


@pytest.fixture
def smtp_server(monkeypatch):
    """A local SMTP sink on a free port, with WORKBENCH_SMTP_* pointing at it; never a real server."""
    with smtp_sink() as server:
        for name, value in smtp_environment(server).items():
            monkeypatch.setenv(name, value)
        yield server


def test_smtp_settings_from_environment(monkeypatch):
    assert mail.SmtpSettings.from_env({}) is None
    settings = mail.SmtpSettings.from_env({"WORKBENCH_SMTP_HOST": "mx", "WORKBENCH_SMTP_TO": "a@x, b@x",
                                           "WORKBENCH_SMTP_SECURITY": "starttls", "WORKBENCH_SMTP_USER": "u"})
    assert (settings.port, settings.recipients, settings.user) == (587, ("a@x", "b@x"), "u")
    with pytest.raises(Exception, match="WORKBENCH_SMTP_TO"):
        mail.SmtpSettings.from_env({"WORKBENCH_SMTP_HOST": "mx"})


def test_report_and_alerts_mail_arrive_at_local_server(seeded_store, tmp_path, smtp_server):
    run_dir = fake_run(tmp_path, {"store_path": str(seeded_store)})
    apply_alerts(run_dir, rules=AlertRules.model_validate(RULES))

    mail.send_report(run_dir)
    mail.send_alerts([run_dir], subject="[workbench] 1 alerts in daily")
    assert len(smtp_server.messages) == 2
    report_mail, alerts_mail = (parse(m) for m in smtp_server.messages)
    assert smtp_server.messages[0]["to"] == ["<lead@example.test>", "<ops@example.test>"]
    assert report_mail["Subject"] == "[workbench] kpi_daily succeeded, 1 alert"
    html_body = report_mail.get_body(("html",)).get_content()
    assert "abandonment_high" in html_body and "report.html" in html_body
    [attachment] = list(report_mail.iter_attachments())
    assert attachment.get_filename().endswith(".html") and "<h1>KPIs" in attachment.get_content()
    assert alerts_mail["Subject"] == "[workbench] 1 alerts in daily"
    assert "ALERT abandonment_high" in alerts_mail.get_body(("plain",)).get_content()


@pytest.mark.notebook
@pytest.mark.slow
def test_set_run_fires_alert_on_seeded_breach_and_mails_it(seeded_store, tmp_path, smtp_server, monkeypatch):
    """The whole path: a report set runs kpi_overview on the seeded store, the alert fires and is mailed."""
    from workbench.reports.sets import plan_report_set, run_report_set

    rules = tmp_path / "alerts.yaml"
    rules.write_text(json.dumps(RULES), encoding="utf-8")  # JSON is YAML
    set_file = tmp_path / "seeded.yaml"
    set_file.write_text(
        f"alerts: {rules}\nemail: {{reports: true, alerts: true, attach: false}}\n"
        f"reports:\n  - notebook: kpi_overview\n    parameter_set: smoke\n"
        f"    parameters: {{store_path: {seeded_store}, date_from: '{{date-1}}', date_to: '{{date}}'}}\n",
        encoding="utf-8",
    )
    out = tmp_path / "outputs"
    batch = run_report_set(plan_report_set(set_file, "2026-03-02"), outputs_dir=out)
    assert batch.exit_code == 0, batch.table()
    [outcome] = batch.reports
    assert outcome["alerts"] == 1
    run_dir = Path(outcome["run_dir"])
    assert json.loads((run_dir / "alerts.json").read_text())["alerts"][0]["id"] == "abandonment_high"
    assert "abandonment_high" in (run_dir / "report.html").read_text(encoding="utf-8")
    subjects = sorted(parse(m)["Subject"] for m in smtp_server.messages)
    assert subjects == ["[workbench] 1 alert in seeded, 2 Mar 2026", "[workbench] kpi_overview succeeded, 1 alert"]
    assert [m["status"] for m in batch.mail] == ["sent", "sent"]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert f"kpi_overview/{run_dir.name}/report.html" in index and '<span class="alerts">1</span>' in index
    assert alerts_module.ALERTS_FILE == "alerts.json"


def test_single_run_evaluates_alerts_when_asked(seeded_store, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from workbench.cli import app

    monkeypatch.setenv("WORKBENCH_OUTPUTS_DIR", str(tmp_path / "outputs"))
    rules = tmp_path / "alerts.yaml"
    rules.write_text(json.dumps(RULES), encoding="utf-8")
    window = ["-p", f"store_path={seeded_store}", "-p", "date_from=2026-03-01", "-p", "date_to=2026-03-02"]
    broken = tmp_path / "broken.yaml"
    broken.write_text("rules:\n  - {id: x, kind: abandonment_above, threshold: 2}\n", encoding="utf-8")
    refused = CliRunner().invoke(app, ["run", "kpi_overview", "--params", "smoke", *window,
                                       "--alerts", "--alert-rules", str(broken)])
    assert refused.exit_code == 2 and "broken.yaml" in refused.output
    assert not (tmp_path / "outputs").exists(), "a broken rules file is refused before the notebook runs"

    result = CliRunner().invoke(app, ["run", "kpi_overview", "--params", "smoke", *window,
                                      "--alerts", "--alert-rules", str(rules)])
    assert result.exit_code == 0, result.output
    assert "alert abandonment_high:" in result.output and "1 of 4 alert rules fired" in result.output
    [run_dir] = (tmp_path / "outputs" / "kpi_overview").glob("*/alerts.json")
    assert json.loads(run_dir.read_text(encoding="utf-8"))["alerts"][0]["id"] == "abandonment_high"
    assert "abandonment_high" in (run_dir.parent / "report.html").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- report mail contents


def test_report_mail_summarises_the_period_in_the_reports_language(seeded_store, tmp_path):
    """Headline KPIs of the report's window (240 calls, 45 abandoned) and the alert, in en and in zh."""
    window = {"store_path": str(seeded_store), "date_from": "2026-03-01", "date_to": "2026-03-02"}
    english = fake_run(tmp_path / "en", {**window, "interface_language": "en"})
    apply_alerts(english, rules=AlertRules.model_validate(RULES))
    text = mail.build_report_message(english).get_body(("plain",)).get_content()
    for line in ("Period: 1 Mar 2026 to 2 Mar 2026", "Calls offered: 240", "Answer rate: 81.2%",
                 "Abandonment rate: 18.8%", "Service level (answered within 20 s): 81.2%",
                 "Average speed of answer: 5 s", "Average handle time: 2 min 00 s", "1 alert fired:",
                 "ALERT abandonment_high [medium]: 1 queue-day with"):
        assert line in text, line
    assert "Satisfaction" not in text  # no survey answered: no CSAT line

    chinese = fake_run(tmp_path / "zh", {**window, "interface_language": "zh"})
    alerts = apply_alerts(chinese, rules=AlertRules.model_validate(RULES))
    assert alerts["language"] == "zh" and "放弃率高于 20%" in alerts["alerts"][0]["message"]
    message = mail.build_report_message(chinese)
    assert message["Subject"] == "[workbench] kpi_daily 成功，1 条告警"
    text = message.get_body(("plain",)).get_content()
    assert "呼入量：240" in text and "服务水平（20秒内接通）：81.2%" in text and "期间：2026年3月1日至2026年3月2日" in text
    html = (chinese / "report.html").read_text(encoding="utf-8")
    assert "1 条告警" in html and "（中）：" in html and 'lang="zh-CN"' in html


def test_report_mail_without_a_period_gives_name_and_status_only(seeded_store, tmp_path):
    run_dir = fake_run(tmp_path, {"store_path": str(seeded_store), "interface_language": "en"})
    text = mail.build_report_message(run_dir, attach=[]).get_body(("plain",)).get_content()
    assert text.startswith("kpi_daily: succeeded (run 20260302T000000Z-00000000)")
    assert "Headline KPIs" not in text and "Calls offered" not in text and "Attached" not in text


def test_attachments_follow_the_order_and_the_limit(tmp_path):
    run_dir = fake_run(tmp_path, {"interface_language": "en"})
    (run_dir / "report.pdf").write_bytes(b"%PDF-1.7 " + b"x" * 3000)
    (run_dir / "tables.xlsx").write_bytes(b"PK" + b"y" * 300)
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    (run_dir / "manifest.json").write_text(json.dumps({**manifest, "pdf": "report.pdf", "workbook": "tables.xlsx"}))
    limit = mail.encoded_size(302) + mail.encoded_size(3009) - 1
    message = mail.build_report_message(run_dir, attach=["workbook", "pdf", "html"], max_attachment_bytes=limit)
    assert [p.get_content_type() for p in message.iter_attachments()] == [
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "text/html"]
    text = message.get_body(("plain",)).get_content()
    [line] = [x for x in text.splitlines() if x.startswith("report.pdf not attached")]
    assert "3.0 KB" in line and mail.format_bytes(limit) in line and line.endswith("/report.pdf")
    assert "Attached: tables.xlsx, report.html" in text

    everything = mail.build_report_message(run_dir, attach=["pdf", "workbook"], max_attachment_bytes=10_000_000)
    assert [p.get_filename() for p in everything.iter_attachments()] == ["kpi_daily-report.pdf",
                                                                         "kpi_daily-tables.xlsx"]
    (run_dir / "report.pdf").unlink()
    text = mail.build_report_message(run_dir, attach=["pdf"]).get_body(("plain",)).get_content()
    assert "report.pdf not attached: the run wrote no PDF (outputs.pdf of the report set turns it on)" in text
