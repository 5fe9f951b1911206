"""Sharing a report set: one run in Chinese with a PDF and a workbook, e-mailed to a local SMTP server.

The acceptance case of bilingual sharing: a report set with ``interface_language: zh``,
``outputs: {pdf: true}`` and ``email.attach: [pdf, workbook]`` runs one quick notebook
(``kpi_overview`` smoke on the two-day sample store) once for the whole module; the
message must arrive with a Chinese subject and summary (headline KPIs, the fired
alert), the PDF must render with pdftoppm and the workbook must open with openpyxl
with its sheets headed in Chinese. The same run then shows a tiny
``max_attachment_bytes`` leaving the PDF out, with the reason in the body.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from smtp_support import parse, smtp_environment, smtp_sink

pytestmark = [pytest.mark.slow, pytest.mark.notebook]

SITE_URL = "https://reports.example.test/outputs"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RULES = {"rules": [{"id": "abandonment_high", "kind": "abandonment_above", "threshold": 0.0, "min_offered": 1,
                    "severity": "high"}]}  # any abandon fires, so the summary has an alert to show


@pytest.fixture(scope="module")
def shared(centre_calls_store, tmp_path_factory) -> dict:
    """The set run once: its batch, its report's run folder and the messages the SMTP server received."""
    from sample_centre import copy_store

    from workbench.reports.sets import plan_report_set, resolve_date, run_report_set

    folder = tmp_path_factory.mktemp("sharing")
    store = copy_store(centre_calls_store, folder / "store")
    rules = folder / "alerts.yaml"
    rules.write_text(json.dumps(RULES), encoding="utf-8")  # JSON is YAML
    set_file = folder / "shared.yaml"
    set_file.write_text(
        "interface_language: zh\n"
        "outputs: {pdf: true}\n"
        f"alerts: {rules}\n"
        "email: {reports: true, alerts: true, attach: [pdf, workbook]}\n"
        "reports:\n"
        "  - notebook: kpi_overview\n"
        "    name: kpi_daily\n"
        "    parameter_set: smoke\n"
        f"    parameters: {{store_path: {store}, date_from: '{{date-1}}', date_to: '{{date}}'}}\n",
        encoding="utf-8",
    )
    with smtp_sink() as server, pytest.MonkeyPatch.context() as patch:
        for name, value in smtp_environment(server).items():
            patch.setenv(name, value)
        patch.setenv("WORKBENCH_SITE_URL", SITE_URL)
        plan = plan_report_set(set_file, resolve_date("latest", store_path=store))
        batch = run_report_set(plan, outputs_dir=folder / "outputs")
        messages = [parse(m) for m in server.messages]
    assert batch.exit_code == 0, batch.table()
    [outcome] = batch.reports
    return {"batch": batch, "run_dir": Path(outcome["run_dir"]), "messages": messages, "store": store}


def report_message(shared: dict):
    [message] = [m for m in shared["messages"] if "kpi_daily" in m["Subject"] and "成功" in m["Subject"]]
    return message


def attachment(message, content_type: str):
    [part] = [p for p in message.iter_attachments() if p.get_content_type() == content_type]
    return part


def test_report_message_arrives_in_chinese_with_headline_kpis_and_alert(shared):
    message = report_message(shared)
    assert message["Subject"] == "[workbench] kpi_daily 成功，1 条告警"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for body in (text, html):
        for label in ("主要指标", "呼入量", "接通率", "放弃率", "服务水平", "平均应答速度", "平均处理时长", "满意度"):
            assert label in body, label
        assert "abandonment_high" in body and "放弃率高于" in body  # the fired alert, its message translated
        assert f"{SITE_URL}/kpi_overview/{shared['run_dir'].name}/report.html" in body
    assert "告警 abandonment_high [高]" in text
    assert 'lang="zh-CN"' in html and "<script" not in html
    assert "附件：report.pdf，tables.xlsx" in text
    assert [p.get_content_type() for p in message.iter_attachments()] == ["application/pdf", XLSX]
    assert [m["status"] for m in shared["batch"].mail] == ["sent", "sent"]


def test_alerts_message_and_report_banner_are_in_chinese(shared):
    [alerts] = [m for m in shared["messages"] if "告警" in m["Subject"] and "成功" not in m["Subject"]]
    assert alerts["Subject"].startswith("[workbench] shared，") and alerts["Subject"].endswith("1 条告警")
    assert "告警 abandonment_high [高]" in alerts.get_body(("plain",)).get_content()
    page = (shared["run_dir"] / "report.html").read_text(encoding="utf-8")
    banner = page[page.index('id="workbench-alerts"'):page.index("<!-- /workbench-alerts -->")]
    assert "1 条告警" in banner and "已检查 1 条规则" in banner and "（高）：" in banner
    manifest = json.loads((shared["run_dir"] / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["parameters"]["interface_language"] == "zh" and manifest["pdf"] == "report.pdf"
    listed = {o["path"]: o["sha256"] for o in manifest["outputs"]}
    from workbench.paths import file_sha256

    assert listed["report.pdf"] == file_sha256(shared["run_dir"] / "report.pdf"), "the PDF was printed again"


def test_attached_pdf_renders_with_pdftoppm(shared, tmp_path):
    pdf = attachment(report_message(shared), "application/pdf").get_content()
    assert pdf.startswith(b"%PDF-")
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm is not installed (poppler-utils; `make system-deps` installs it)")
    (tmp_path / "report.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(tmp_path / "report.pdf"), str(tmp_path / "page")],
                   check=True, capture_output=True, timeout=120)
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages and all(p.stat().st_size > 1000 for p in pages)
    if shutil.which("pdftotext"):  # the alert banner was printed into the PDF, in Chinese
        text = subprocess.run(["pdftotext", str(tmp_path / "report.pdf"), "-"], check=True, capture_output=True,
                              text=True, timeout=120).stdout
        assert "abandonment_high" in text and "告警" in text


def test_attached_workbook_opens_with_chinese_headings(shared):
    import openpyxl

    data = attachment(report_message(shared), XLSX).get_content()
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    assert {"kpis_overall", "kpis_by_queue", "kpis_by_day"} <= set(workbook.sheetnames)
    headings = [cell.value for cell in next(workbook["kpis_by_queue"].iter_rows(max_row=1))]
    assert "队列" in headings and "呼入量" in headings and "服务水平" in headings
    assert "offered" not in headings


def test_a_tiny_attachment_limit_leaves_the_pdf_out_and_says_why(shared, monkeypatch):
    from workbench.reports import mail

    run_dir = shared["run_dir"]
    workbook, pdf = (run_dir / "tables.xlsx").stat().st_size, (run_dir / "report.pdf").stat().st_size
    limit = mail.encoded_size(workbook) + mail.encoded_size(pdf) - 1  # room for the workbook, not both
    monkeypatch.setenv("WORKBENCH_SITE_URL", SITE_URL)
    with smtp_sink() as server:
        settings = mail.SmtpSettings.from_env(smtp_environment(server))
        mail.send_report(run_dir, settings, attach=["workbook", "pdf"], max_attachment_bytes=limit)
        [received] = [parse(m) for m in server.messages]
    assert [p.get_content_type() for p in received.iter_attachments()] == [XLSX]
    text = received.get_body(("plain",)).get_content()
    [line] = [x for x in text.splitlines() if x.startswith("report.pdf 未附上")]
    assert mail.format_bytes(pdf, "zh") in line and mail.format_bytes(limit, "zh") in line
    assert "max_attachment_bytes" in line and f"{SITE_URL}/kpi_overview/{run_dir.name}/report.pdf" in line
    html = received.get_body(("html",)).get_content()
    assert "report.pdf 未附上" in html and f'href="{SITE_URL}/kpi_overview/{run_dir.name}/report.pdf"' in html
