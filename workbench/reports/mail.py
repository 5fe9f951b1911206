"""E-mail of reports and alerts over SMTP configured from the environment.

Environment variables (nothing is sent unless ``WORKBENCH_SMTP_HOST`` is set):

    WORKBENCH_SMTP_HOST       SMTP server
    WORKBENCH_SMTP_PORT       default 25 (587 with STARTTLS, 465 with SSL)
    WORKBENCH_SMTP_USER       login, when the server needs one
    WORKBENCH_SMTP_PASSWORD   its password
    WORKBENCH_SMTP_FROM       sender (default ``workbench@<host name>``)
    WORKBENCH_SMTP_TO         recipients, comma-separated
    WORKBENCH_SMTP_SECURITY   none | starttls | ssl (default starttls when a user is set, else none)
    WORKBENCH_SMTP_CA_FILE    PEM file of the CA certificates to trust instead of the system's
                              (for a server whose certificate a private CA signed)
    WORKBENCH_SITE_URL        base URL where outputs/ is served; links in mails point there

With ``starttls`` and ``ssl`` the server's certificate and host name are
verified. A user and password are never sent over an unencrypted connection:
security ``none`` with a user is refused before connecting, and so is a server
that does not offer STARTTLS.
"""

from __future__ import annotations

import json
import os
import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from html import escape
from pathlib import Path
from typing import Any

from workbench.errors import MailError, WorkbenchError


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
    ca_file: str | None = None

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
        user = env.get("WORKBENCH_SMTP_USER") or None
        # A password must never travel in clear text, so with a login the default is STARTTLS.
        security = env.get("WORKBENCH_SMTP_SECURITY", "").strip().lower() or ("starttls" if user else "none")
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
            user=user, password=env.get("WORKBENCH_SMTP_PASSWORD") or None,
            security=security, ca_file=env.get("WORKBENCH_SMTP_CA_FILE") or None,
        )


_NAME_MISMATCH = {62, 64}  # OpenSSL's X509_V_ERR_HOSTNAME_MISMATCH and X509_V_ERR_IP_ADDRESS_MISMATCH


def tls_context(settings: SmtpSettings) -> ssl.SSLContext:
    """A client context that verifies the server's certificate and host name.

    Trusts ``settings.ca_file`` when set, else the system's CA certificates.

    Raises:
        MailError: the CA file is missing or holds no usable certificate.
    """
    try:
        context = ssl.create_default_context(cafile=settings.ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise MailError(f"WORKBENCH_SMTP_CA_FILE {settings.ca_file}: expected a PEM file of CA certificates, "
                        f"could not load it ({exc})") from None
    # create_default_context() sets both already; said again so no later edit can silently drop them
    # (smtplib without a context verifies nothing).
    context.verify_mode = ssl.CERT_REQUIRED
    context.check_hostname = True
    return context


def send_message(message: EmailMessage, settings: SmtpSettings, timeout_seconds: float = 30) -> None:
    """Deliver one message (From/To filled in from ``settings`` when absent).

    With security ``starttls`` or ``ssl`` the server's certificate and host
    name are verified (:func:`tls_context`) before anything else is sent.

    Raises:
        MailError: a user with security ``none`` (refused before connecting), a
            server without STARTTLS, a certificate that cannot be verified, or
            any other failure to deliver; the message names the server.
    """
    import smtplib

    where = f"SMTP server {settings.host}:{settings.port}"
    if settings.user and settings.security not in {"starttls", "ssl"}:
        raise MailError(f"WORKBENCH_SMTP_USER is set but WORKBENCH_SMTP_SECURITY is {settings.security!r}: the "
                        f"password would cross the network in clear text; set it to starttls or ssl")
    context = tls_context(settings) if settings.security in {"starttls", "ssl"} else None
    if "From" not in message:
        message["From"] = settings.sender
    if "To" not in message:
        message["To"] = ", ".join(settings.recipients)
    try:
        if settings.security == "ssl":
            smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout_seconds, context=context)
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=timeout_seconds)
        with smtp:
            if settings.security == "starttls":
                smtp.ehlo()
                if not smtp.has_extn("starttls"):
                    raise MailError(f"{where} does not offer STARTTLS, and WORKBENCH_SMTP_SECURITY=starttls "
                                    f"forbids going on without encryption")
                smtp.starttls(context=context)
            if settings.user:
                smtp.login(settings.user, settings.password or "")
            smtp.send_message(message)
    except ssl.SSLCertVerificationError as exc:
        hint = ("it was issued for another host name: set WORKBENCH_SMTP_HOST to a name the certificate lists"
                if exc.verify_code in _NAME_MISMATCH else
                "if a private CA signed it, set WORKBENCH_SMTP_CA_FILE to that CA's certificate")
        raise MailError(f"{where}: its certificate could not be verified ({exc.verify_message}); nothing was sent; "
                        f"{hint}") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(f"{where}: {type(exc).__name__}: {exc}") from exc


def report_link(run_dir: Path, outputs_dir: Path | None = None) -> str:
    """The report's URL under ``WORKBENCH_SITE_URL`` (folder names percent-encoded), else its ``file://`` path."""
    from workbench.reports.site import url_path

    report = run_dir / "report.html"
    base = os.environ.get("WORKBENCH_SITE_URL", "").rstrip("/")
    outputs = outputs_dir or run_dir.parent.parent
    if base:
        return f"{base}/{url_path(report, outputs)}"
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
    attachment = _attachable_report(run_dir / "report.html") if attach else None
    note = " (also attached)" if attachment is not None else (
        " (not attached: the file carries script or other executable markup)"
        if attach and (run_dir / "report.html").exists() else "")
    message.add_alternative(
        f"<html><body>{banner}<p><b>{escape(report)}</b>: {escape(manifest['status'])} "
        f"(run {escape(manifest['run_id'])})</p><p><a href=\"{escape(link)}\">Open the report</a>"
        f"{note}</p></body></html>",
        subtype="html",
    )
    if attachment is not None:
        message.add_attachment(attachment, maintype="text", subtype="html",
                               filename=f"{report}-{manifest['run_id']}.html")
    return message


def _attachable_report(path: Path) -> bytes | None:
    """The report's bytes, or None when it is missing or carries executable markup.

    Reports rendered by the runner are sanitised and free of script; one
    rendered by an older version may not be, and a mail client would open it
    from the attachment with no site policy around it.
    """
    from workbench.safe_display import executable_markup

    if not path.exists():
        return None
    data = path.read_bytes()
    return None if executable_markup(data.decode("utf-8", errors="replace")) else data


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
           "send_report", "tls_context"]
