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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from html import escape
from pathlib import Path
from typing import Any

from workbench import i18n, paths
from workbench.errors import MailError, WorkbenchError
from workbench.i18n import N_, _, format_text, ngettext
from workbench.reports.alerts import SEVERITY_TEXTS


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


#: ``email.attach`` names -> MIME type of the file (the file name comes from the run's manifest).
ATTACHMENT_TYPES: dict[str, tuple[str, str]] = {
    "pdf": ("application", "pdf"),
    "workbook": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "html": ("text", "html"),
}
DEFAULT_ATTACH = ("html",)
DEFAULT_MAX_ATTACHMENT_BYTES = 10_000_000

_STATUS = {"succeeded": N_("succeeded"), "failed": N_("failed"), "running": N_("running")}


def report_link(run_dir: Path, outputs_dir: Path | None = None, file_name: str = "report.html") -> str:
    """A run file's URL under ``WORKBENCH_SITE_URL`` (folder names percent-encoded), else its ``file://`` path."""
    from workbench.reports.site import url_path

    target = run_dir / file_name
    base = os.environ.get("WORKBENCH_SITE_URL", "").rstrip("/")
    outputs = outputs_dir or run_dir.parent.parent
    if base:
        return f"{base}/{url_path(target, outputs)}"
    return target.resolve().as_uri()


def _alerts_of(run_dir: Path) -> dict[str, Any] | None:
    path = run_dir / "alerts.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _run_language(manifest: Mapping[str, Any], language: str | None) -> str:
    """``language``, else the run's ``interface_language`` parameter, else the current language."""
    chosen = language or (manifest.get("parameters") or {}).get("interface_language")
    return i18n.check_language(chosen) if chosen else i18n.current_language()


def _status_text(status: str) -> str:
    return _(_STATUS[status]) if status in _STATUS else status  # N_-marked constants


def _pair(name: str, value: str) -> str:
    return format_text("{name}: {value}", name=name, value=value)


def encoded_size(size_bytes: int) -> int:
    """Bytes a file of ``size_bytes`` takes in a message: base64, lines of 76 characters and CRLF.

    >>> encoded_size(3_000_000)
    4105264
    """
    encoded = 4 * -(-size_bytes // 3)
    return encoded + 2 * -(-encoded // 76)


def format_bytes(size_bytes: int, language: str | None = None) -> str:
    """``950 bytes``, ``12.3 KB``, ``4.1 MB`` (decimal units, as mail servers state their limits)."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if size_bytes >= scale:
            return f"{i18n.format_number(size_bytes / scale, 1, language)} {unit}"
    return format_text("{count} bytes", language, count=i18n.format_number(size_bytes, 0, language))


# --------------------------------------------------------------------------- headline KPIs


def headline_kpis(parameters: Mapping[str, Any], language: str | None = None) -> list[tuple[str, str]] | None:
    """The headline KPIs of a report's period as ``(label, value)`` texts, or None for a report without a period.

    Computed by :func:`workbench.kpis.compute_kpis` on the store the report
    read (its ``store_path``, else the configured store) over its
    ``date_from``/``date_to``, ``queues``, ``language`` and
    ``dimension_filter``, the same window its alert rules were checked on, so
    the figures are the same whichever notebook wrote the report. Calls
    offered, answer rate, abandonment rate, service level (within the
    report's ``target_answer_seconds``), ASA, AHT and, when surveys were
    answered, CSAT; a KPI without data shows a dash.

    Raises:
        StoreError: the store cannot be opened; WorkbenchError: its tables cannot be read.
    """
    from workbench.glossary import DEFAULT_TARGET_ANSWER_SECONDS
    from workbench.kpis import compute_kpis
    from workbench.reports.alerts import window_from_parameters
    from workbench.store import Store

    if "date_from" not in parameters and "date_to" not in parameters:
        return None
    window = window_from_parameters(parameters)
    store_path = window.pop("store_path") or paths.store_path()
    seconds = int(parameters.get("target_answer_seconds") or DEFAULT_TARGET_ANSWER_SECONDS)
    if not Path(store_path).exists():
        raise WorkbenchError(f"store not found: {store_path}")
    with Store(store_path, read_only=True) as store:
        table = compute_kpis(store, by=["language"] if window["language"] else [],
                             date_from=window["date_from"], date_to=window["date_to"],
                             target_answer_seconds=seconds, queues=window["queues"] or None,
                             dimension_filter=window["dimension_filter"] or None)
    if window["language"]:
        table = table[table["language"] == window["language"]]
    offered = int(table["offered"].sum()) if len(table) else 0
    label = i18n.column_label
    if not offered:
        return [(label("offered", language), i18n.format_number(0, 0, language))]
    row = table.iloc[0]
    figures = [
        (label("offered", language), i18n.format_number(offered, 0, language)),
        (label("answer_rate", language), i18n.format_percent(row.get("answer_rate"), 1, language)),
        (label("abandonment_rate", language), i18n.format_percent(row.get("abandonment_rate"), 1, language)),
        (format_text("Service level (answered within {seconds} s)", language, seconds=seconds),
         i18n.format_percent(row.get("service_level"), 1, language)),
        (_("Average speed of answer", language), i18n.format_duration(row.get("asa_seconds"), language)),
        (_("Average handle time", language), i18n.format_duration(row.get("aht_seconds"), language)),
    ]
    responses = row.get("csat_responses")
    if responses is not None and responses == responses and int(responses) > 0:
        figures.append((label("csat_mean", language),
                        format_text("{score} of 5 ({responses} responses)", language,
                                    score=i18n.format_number(row["csat_mean"], 2, language),
                                    responses=i18n.format_number(responses, 0, language))))
    return figures


def _period_text(parameters: Mapping[str, Any], language: str) -> str:
    first, last = parameters.get("date_from"), parameters.get("date_to")
    from workbench.reports.alerts import date_text

    return format_text("{first} to {last}", language,
                       first=date_text(first, language) if first else _("first day", language),
                       last=date_text(last, language) if last else _("last day", language))


# --------------------------------------------------------------------------- attachments


@dataclass(frozen=True)
class Attachment:
    """A file of a run chosen for a mail: attached, or left out with the reason said in the body."""

    kind: str
    path: Path
    size_bytes: int | None
    attached: bool
    reason: str | None = None  # why it was left out, in the mail's language


def _run_file(run_dir: Path, manifest: Mapping[str, Any], kind: str) -> Path:
    """The file behind an ``email.attach`` name: the manifest's ``report``/``pdf``/``workbook`` entry, else the
    runner's default name."""
    from workbench.reports.record import REPORT_PDF, WORKBOOK_FILE

    key, default = {"html": ("report", "report.html"), "pdf": ("pdf", REPORT_PDF),
                    "workbook": ("workbook", WORKBOOK_FILE)}[kind]
    named = manifest.get(key)
    if isinstance(named, Mapping):
        named = named.get("path")
    return run_dir / Path(str(named or default)).name  # a name only: never a path outside the run folder


def choose_attachments(
    run_dir: Path,
    manifest: Mapping[str, Any],
    attach: Sequence[str],
    max_attachment_bytes: int,
    language: str,
) -> list[Attachment]:
    """The files of ``attach`` in that order; each is attached while the total stays within the limit.

    The limit counts the bytes as sent (:func:`encoded_size`). A file that is
    missing, over the limit, or (``report.html``) carries executable markup
    is left out with a reason in ``language`` that names the file, its size,
    the limit and a link to the file instead.
    """
    chosen: list[Attachment] = []
    used = 0
    for kind in dict.fromkeys(attach):
        if kind not in ATTACHMENT_TYPES:
            raise WorkbenchError(f"email.attach: unknown attachment {kind!r}; known: {', '.join(ATTACHMENT_TYPES)}")
        path = _run_file(run_dir, manifest, kind)
        if not path.is_file():
            reason = {
                "pdf": _("the run wrote no PDF (outputs.pdf of the report set turns it on)", language),
                "workbook": _("the run saved no tables, so it has no workbook", language),
            }.get(kind, _("the run has no report.html", language))
            chosen.append(Attachment(kind, path, None, False, reason))
            continue
        size = path.stat().st_size
        if kind == "html" and _attachable_report(path) is None:
            chosen.append(Attachment(kind, path, size, False,
                                     _("the file carries script or other executable markup", language)))
            continue
        sent = encoded_size(size)
        if used + sent > max_attachment_bytes:
            chosen.append(Attachment(kind, path, size, False, format_text(
                "too large: {size} ({sent} as sent), and the attachments of one message may take at most {limit} "
                "(email.max_attachment_bytes); open it from the link instead", language,
                size=format_bytes(size, language), sent=format_bytes(sent, language),
                limit=format_bytes(max_attachment_bytes, language))))
            continue
        used += sent
        chosen.append(Attachment(kind, path, size, True))
    return chosen


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


# --------------------------------------------------------------------------- messages


def report_subject(report: str, status: str, fired: int, language: str | None = None) -> str:
    """``[workbench] kpi_daily succeeded, 1 alert`` / ``[workbench] kpi_daily 成功，1 条告警``."""
    subject = format_text("[workbench] {report} {status}", language, report=report,
                          status=i18n.gettext(_STATUS.get(status, status), language))
    if fired:
        subject += format_text(", {alerts}", language, alerts=ngettext(
            "{count} alert", "{count} alerts", fired, language).format(count=i18n.format_number(fired, 0, language)))
    return subject


def alerts_subject(count: int, set_name: str, report_date: Any, language: str | None = None) -> str:
    """``[workbench] 2 alerts in daily, 1 Mar 2026`` in ``language``."""
    alerts = ngettext("{count} alert", "{count} alerts", count, language).format(
        count=i18n.format_number(count, 0, language))
    from workbench.reports.alerts import date_text

    return format_text("[workbench] {alerts} in {set}, {date}", language, alerts=alerts, set=set_name,
                       date=date_text(report_date, language))


def _alert_lines(alerts: Mapping[str, Any], language: str) -> list[str]:
    return [format_text("ALERT {id} [{severity}]: {message}", language, id=a["id"],
                        severity=i18n.gettext(SEVERITY_TEXTS.get(a["severity"], a["severity"]), language),
                        message=a["message"]) for a in alerts["alerts"]]


def build_report_message(
    run_dir: str | Path,
    *,
    attach: bool | Sequence[str] = DEFAULT_ATTACH,
    max_attachment_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES,
    language: str | None = None,
) -> EmailMessage:
    """A mail for one run, in the run's interface language (or ``language``).

    The body (plain text and HTML, every value escaped in the HTML) holds the
    report's name and status, the headline KPIs of its period
    (:func:`headline_kpis`; a report without a period gets its name and status
    only), the alerts that fired, the link to the report, and which files are
    attached; a file left out (too large, missing, or a report with executable
    markup) is named with the reason and a link to it.

    Args:
        attach: ``email.attach`` names (``pdf``, ``workbook``, ``html``) in order; ``True`` = ``[html]``,
            ``False`` = none (link only).
        max_attachment_bytes: most bytes the attachments may take as sent.
    """
    from workbench.reports.alerts import banner_html

    run_dir = Path(run_dir)
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    kinds = list(DEFAULT_ATTACH) if attach is True else [] if attach is False else list(attach)
    lang = _run_language(manifest, language)
    alerts = _alerts_of(run_dir)
    report = (manifest.get("context") or {}).get("report") or manifest["notebook"]
    fired = len(alerts["alerts"]) if alerts else 0
    status = manifest.get("status", "")
    link = report_link(run_dir)
    parameters = manifest.get("parameters") or {}

    with i18n.using_language(lang):
        kpis: list[tuple[str, str]] | None = None
        kpi_note = None
        if status == "succeeded":
            try:
                kpis = headline_kpis(parameters, lang)
            except Exception as exc:  # the mail still goes out, saying why the figures are missing
                kpi_note = format_text("Headline KPIs unavailable: {reason}", lang,
                                       reason=f"{type(exc).__name__}: {exc}")
        files = choose_attachments(run_dir, manifest, kinds, max_attachment_bytes, lang)

        message = EmailMessage()
        message["Subject"] = report_subject(report, status, fired, lang)
        heading = format_text("{report}: {status} (run {run_id})", lang, report=report,
                              status=_status_text(status), run_id=manifest.get("run_id", ""))
        text = [heading]
        html_parts = [f"<p><b>{escape(heading)}</b></p>"]
        if kpis is not None:
            period = format_text("Period: {period}", lang, period=_period_text(parameters, lang))
            kpi_heading = _("Headline KPIs")
            text += ["", period, kpi_heading]
            text += [f"  {_pair(name, value)}" for name, value in kpis]
            rows = "".join(f"<tr><th style=\"text-align:left;padding:2px 12px 2px 0\">{escape(name)}</th>"
                           f"<td style=\"text-align:right\">{escape(value)}</td></tr>" for name, value in kpis)
            html_parts.append(f"<p>{escape(period)}</p><h3>{escape(kpi_heading)}</h3><table>{rows}</table>")
            if manifest.get("empty_period"):
                empty = _("No calls in this period.")
                text.append(empty)
                html_parts.append(f"<p>{escape(empty)}</p>")
        if kpi_note:
            text += ["", kpi_note]
            html_parts.append(f"<p>{escape(kpi_note)}</p>")
        if alerts:
            text += ["", _alerts_heading(fired, lang)] + [f"  {line}" for line in _alert_lines(alerts, lang)]
            html_parts.insert(0, banner_html(alerts, lang))
        text += ["", format_text("Report: {link}", lang, link=link)]
        open_text = _("Open the report")
        html_parts.append(f"<p><a href=\"{escape(link)}\">{escape(open_text)}</a></p>")
        attached = [f for f in files if f.attached]
        left_out = [f for f in files if not f.attached]
        if attached:
            line = format_text("Attached: {files}", lang, files=("，" if lang == "zh" else ", ").join(
                f.path.name for f in attached))
            text.append(line)
            html_parts.append(f"<p>{escape(line)}</p>")
        for item in left_out:
            file_link = report_link(run_dir, file_name=item.path.name)
            line = format_text("{file} not attached: {reason}", lang, file=item.path.name, reason=item.reason)
            text.append(line + (f" {file_link}" if item.size_bytes is not None else ""))
            html_parts.append(f"<p>{escape(line)}" + (f" <a href=\"{escape(file_link)}\">{escape(item.path.name)}</a>"
                                                     if item.size_bytes is not None else "") + "</p>")
        message.set_content("\n".join(text) + "\n")
        html_lang = i18n.HTML_LANG[lang]
        message.add_alternative(
            f"<html lang=\"{html_lang}\"><body style=\"font-family:system-ui,sans-serif\">{''.join(html_parts)}"
            "</body></html>", subtype="html")
    for item in attached:
        maintype, subtype = ATTACHMENT_TYPES[item.kind]
        filename = f"{report}-{manifest.get('run_id', '')}-{item.path.name}" if item.kind == "html" else \
            f"{report}-{item.path.name}"
        message.add_attachment(item.path.read_bytes(), maintype=maintype, subtype=subtype,
                               filename=_safe_filename(filename))
    return message


def _alerts_heading(count: int, language: str) -> str:
    return ngettext("{count} alert fired:", "{count} alerts fired:", count, language).format(
        count=i18n.format_number(count, 0, language))


def _safe_filename(name: str) -> str:
    """A file name a mail client saves where it is told: no folders, no control characters."""
    cleaned = "".join("_" if ch in '/\\:*?"<>|' or ord(ch) < 32 else ch for ch in name).strip(" .")
    return cleaned or "attachment"


def send_report(
    run_dir: str | Path,
    settings: SmtpSettings | None = None,
    *,
    attach: bool | Sequence[str] = DEFAULT_ATTACH,
    max_attachment_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES,
    language: str | None = None,
) -> EmailMessage:
    """E-mail one run's report (:func:`build_report_message`); returns the message sent.

    Raises:
        WorkbenchError: SMTP is not configured.
    """
    settings = settings or SmtpSettings.from_env()
    if settings is None:
        raise WorkbenchError("e-mail is not configured: set WORKBENCH_SMTP_HOST and WORKBENCH_SMTP_TO")
    message = build_report_message(run_dir, attach=attach, max_attachment_bytes=max_attachment_bytes,
                                   language=language)
    send_message(message, settings)
    return message


def build_alerts_message(run_dirs: Sequence[str | Path], subject: str | None = None,
                         language: str | None = None) -> EmailMessage:
    """One mail listing the fired alerts of several runs, each with a link to its report, in ``language``."""
    from workbench.reports.alerts import banner_html

    lang = i18n.resolve(language)
    parts_text, parts_html, total = [], [], 0
    with i18n.using_language(lang):
        for run_dir in map(Path, run_dirs):
            alerts = _alerts_of(run_dir)
            if not alerts:
                continue
            total += len(alerts["alerts"])
            link = report_link(run_dir)
            parts_text.append(format_text("{report} ({link}):", lang, report=alerts["report"], link=link))
            parts_text += [f"  {line}" for line in _alert_lines(alerts, lang)]
            parts_html.append(f"<h3><a href=\"{escape(link)}\">{escape(alerts['report'])}</a></h3>"
                              f"{banner_html(alerts, lang)}")
        message = EmailMessage()
        message["Subject"] = subject or format_text("[workbench] {alerts}", lang, alerts=ngettext(
            "{count} alert", "{count} alerts", total, lang).format(count=i18n.format_number(total, 0, lang)))
        message.set_content("\n".join(parts_text) + "\n")
        message.add_alternative(f"<html lang=\"{i18n.HTML_LANG[lang]}\"><body>{''.join(parts_html)}</body></html>",
                                subtype="html")
    return message


def send_alerts(run_dirs: Sequence[str | Path], settings: SmtpSettings | None = None,
                subject: str | None = None, language: str | None = None) -> EmailMessage:
    """E-mail the alerts of ``run_dirs`` (:func:`build_alerts_message`); returns the message sent.

    Raises:
        WorkbenchError: SMTP is not configured.
    """
    settings = settings or SmtpSettings.from_env()
    if settings is None:
        raise WorkbenchError("e-mail is not configured: set WORKBENCH_SMTP_HOST and WORKBENCH_SMTP_TO")
    message = build_alerts_message(run_dirs, subject, language)
    send_message(message, settings)
    return message


__all__ = ["SmtpSettings", "alerts_subject", "build_alerts_message", "build_report_message", "choose_attachments",
           "headline_kpis", "report_subject", "send_alerts", "send_message", "send_report", "tls_context"]
