"""E-mail of reports and alerts over SMTP configured from the environment.

Environment variables (nothing is sent unless ``WORKBENCH_SMTP_HOST`` is set):

    WORKBENCH_SMTP_HOST       SMTP server
    WORKBENCH_SMTP_PORT       default 25 (587 with STARTTLS, 465 with SSL)
    WORKBENCH_SMTP_USER       login, when the server needs one
    WORKBENCH_SMTP_PASSWORD   its password
    WORKBENCH_SMTP_FROM       sender (default ``workbench@<host name>``)
    WORKBENCH_SMTP_TO         recipients, comma-separated
    WORKBENCH_SMTP_SECURITY   none | starttls | ssl (default none)
    WORKBENCH_SITE_URL        base URL where outputs/ is served; links in mails point there
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from html import escape
from pathlib import Path
from typing import Any

from workbench.errors import WorkbenchError


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send mail."""

    host: str
    port: int
    sender: str
    recipients: tuple[str, ...]
    user: str | None = None
    password: str | None = None
    security: str = "none"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> SmtpSettings | None:
        """Settings from ``WORKBENCH_SMTP_*``; None when no host is configured.

        Raises:
            WorkbenchError: a host without recipients, or a bad port or security value.
        """
        env = os.environ if environ is None else environ
        host = env.get("WORKBENCH_SMTP_HOST", "").strip()
        if not host:
            return None
        security = env.get("WORKBENCH_SMTP_SECURITY", "none").strip().lower() or "none"
        if security not in {"none", "starttls", "ssl"}:
            raise WorkbenchError(f"WORKBENCH_SMTP_SECURITY: expected none, starttls or ssl, found {security!r}")
        default_port = {"none": 25, "starttls": 587, "ssl": 465}[security]
        try:
            port = int(env.get("WORKBENCH_SMTP_PORT") or default_port)
        except ValueError:
            raise WorkbenchError(f"WORKBENCH_SMTP_PORT: expected a number, found {env.get('WORKBENCH_SMTP_PORT')!r}") \
                from None
        recipients = tuple(r.strip() for r in env.get("WORKBENCH_SMTP_TO", "").split(",") if r.strip())
        if not recipients:
            raise WorkbenchError("WORKBENCH_SMTP_HOST is set but WORKBENCH_SMTP_TO names no recipient")
        return cls(
            host=host, port=port, recipients=recipients,
            sender=env.get("WORKBENCH_SMTP_FROM") or f"workbench@{socket.gethostname()}",
            user=env.get("WORKBENCH_SMTP_USER") or None, password=env.get("WORKBENCH_SMTP_PASSWORD") or None,
            security=security,
        )


def send_message(message: EmailMessage, settings: SmtpSettings, timeout_seconds: float = 30) -> None:
    """Deliver one message (From/To filled in from ``settings`` when absent)."""
    import smtplib

    if "From" not in message:
        message["From"] = settings.sender
    if "To" not in message:
        message["To"] = ", ".join(settings.recipients)
    smtp_class = smtplib.SMTP_SSL if settings.security == "ssl" else smtplib.SMTP
    with smtp_class(settings.host, settings.port, timeout=timeout_seconds) as smtp:
        if settings.security == "starttls":
            smtp.starttls()
        if settings.user:
            smtp.login(settings.user, settings.password or "")
        smtp.send_message(message)


def report_link(run_dir: Path, outputs_dir: Path | None = None) -> str:
    """The report's URL under ``WORKBENCH_SITE_URL``, else its ``file://`` path."""
    report = run_dir / "report.html"
    base = os.environ.get("WORKBENCH_SITE_URL", "").rstrip("/")
    outputs = outputs_dir or run_dir.parent.parent
    if base:
        return f"{base}/{report.relative_to(outputs).as_posix()}"
    return report.resolve().as_uri()


def _alerts_of(run_dir: Path) -> dict[str, Any] | None:
    path = run_dir / "alerts.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def build_report_message(run_dir: str | Path, *, attach: bool = True) -> EmailMessage:
    """A mail for one run: subject with status and alerts, HTML body (alert banner, link), report attached."""
    run_dir = Path(run_dir)
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    alerts = _alerts_of(run_dir)
    report = (manifest.get("context") or {}).get("report") or manifest["notebook"]
    fired = len(alerts["alerts"]) if alerts else 0
    link = report_link(run_dir)
    message = EmailMessage()
    message["Subject"] = f"[workbench] {report} {manifest['status']}" + (f", {fired} alerts" if fired else "")
    lines = [f"{report}: {manifest['status']} ({manifest['run_id']})", f"Report: {link}"]
    if alerts:
        lines += [f"ALERT {a['id']}: {a['message']}" for a in alerts["alerts"]]
    message.set_content("\n".join(lines) + "\n")
    from workbench.reports.alerts import banner_html

    banner = banner_html(alerts) if alerts else ""
    message.add_alternative(
        f"<html><body>{banner}<p><b>{escape(report)}</b>: {escape(manifest['status'])} "
        f"(run {escape(manifest['run_id'])})</p><p><a href=\"{escape(link)}\">Open the report</a>"
        f"{' (also attached)' if attach else ''}</p></body></html>",
        subtype="html",
    )
    if attach and (run_dir / "report.html").exists():
        message.add_attachment((run_dir / "report.html").read_bytes(), maintype="text", subtype="html",
                               filename=f"{report}-{manifest['run_id']}.html")
    return message


def send_report(run_dir: str | Path, settings: SmtpSettings | None = None, *, attach: bool = True) -> EmailMessage:
    """E-mail one run's report; returns the message sent.

    Raises:
        WorkbenchError: SMTP is not configured.
    """
    settings = settings or SmtpSettings.from_env()
    if settings is None:
        raise WorkbenchError("e-mail is not configured: set WORKBENCH_SMTP_HOST and WORKBENCH_SMTP_TO")
    message = build_report_message(run_dir, attach=attach)
    send_message(message, settings)
    return message


def build_alerts_message(run_dirs: Sequence[str | Path], subject: str | None = None) -> EmailMessage:
    """One mail listing the fired alerts of several runs, each with a link to its report."""
    from workbench.reports.alerts import banner_html

    parts_text, parts_html, total = [], [], 0
    for run_dir in map(Path, run_dirs):
        alerts = _alerts_of(run_dir)
        if not alerts:
            continue
        total += len(alerts["alerts"])
        link = report_link(run_dir)
        parts_text.append(f"{alerts['report']} ({link}):")
        parts_text += [f"  ALERT {a['id']} [{a['severity']}]: {a['message']}" for a in alerts["alerts"]]
        parts_html.append(f"<h3><a href=\"{escape(link)}\">{escape(alerts['report'])}</a></h3>{banner_html(alerts)}")
    message = EmailMessage()
    message["Subject"] = subject or f"[workbench] {total} alerts"
    message.set_content("\n".join(parts_text) + "\n")
    message.add_alternative(f"<html><body>{''.join(parts_html)}</body></html>", subtype="html")
    return message


def send_alerts(run_dirs: Sequence[str | Path], settings: SmtpSettings | None = None,
                subject: str | None = None) -> EmailMessage:
    """E-mail the alerts of ``run_dirs``; returns the message sent.

    Raises:
        WorkbenchError: SMTP is not configured.
    """
    settings = settings or SmtpSettings.from_env()
    if settings is None:
        raise WorkbenchError("e-mail is not configured: set WORKBENCH_SMTP_HOST and WORKBENCH_SMTP_TO")
    message = build_alerts_message(run_dirs, subject)
    send_message(message, settings)
    return message


__all__ = ["SmtpSettings", "build_alerts_message", "build_report_message", "send_alerts", "send_message",
           "send_report"]
