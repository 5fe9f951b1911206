"""Mail transport security: certificates and host names verified, no password over an unencrypted link.

A real SMTP server on 127.0.0.1 speaks STARTTLS and implicit TLS with AUTH PLAIN, with certificates
made for each test session by the ``openssl`` program: a CA the tests trust through
``WORKBENCH_SMTP_CA_FILE``, a certificate it signed for 127.0.0.1, one it signed for another host,
and a self-signed one for another host.
"""

from __future__ import annotations

import base64
import email
import shutil
import socketserver
import ssl
import subprocess
import threading
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from workbench.errors import MailError, WorkbenchError
from workbench.reports import mail

USER, PASSWORD = "reports", "s3cret-pw"


# --------------------------------------------------------------------------- certificates


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _leaf(folder: Path, name: str, subject: str, alt_names: str, *, signed_by_ca: bool) -> tuple[Path, Path]:
    """A server key and certificate for ``alt_names``, signed by the test CA or by itself."""
    extensions = folder / f"{name}.ext"
    extensions.write_text(f"subjectAltName={alt_names}\nbasicConstraints=critical,CA:FALSE\n"
                          "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n"
                          "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid,issuer\n", encoding="utf-8")
    key, cert = folder / f"{name}.key", folder / f"{name}.pem"
    _openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", key.name, "-out", f"{name}.csr", "-subj", f"/CN={subject}", cwd=folder)
    signer = ["-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial"] if signed_by_ca else ["-signkey", key.name]
    _openssl("x509", "-req", "-in", f"{name}.csr", *signer, "-days", "2", "-sha256",
             "-extfile", extensions.name, "-out", cert.name, cwd=folder)
    return cert, key


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> dict[str, Path | tuple[Path, Path]]:
    """``ca`` (the CA certificate to trust) and three (certificate, key) pairs: ``good``, ``wrong_host``, ``self_signed``."""
    if shutil.which("openssl") is None:
        pytest.fail("the openssl program is needed to make the test certificates (Debian package openssl)")
    folder = tmp_path_factory.mktemp("pki")
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-sha256", "-subj", "/CN=Workbench test CA",
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
             cwd=folder)
    return {
        "ca": folder / "ca.pem",
        "good": _leaf(folder, "good", "127.0.0.1", "IP:127.0.0.1,DNS:localhost", signed_by_ca=True),
        "wrong_host": _leaf(folder, "wrong_host", "mail.other.example", "DNS:mail.other.example", signed_by_ca=True),
        "self_signed": _leaf(folder, "self_signed", "mail.other.example", "DNS:mail.other.example",
                             signed_by_ca=False),
    }


# --------------------------------------------------------------------------- a real SMTP server with TLS


class _TlsSmtpHandler(socketserver.StreamRequestHandler):
    """EHLO, STARTTLS, AUTH PLAIN, MAIL, RCPT, DATA, QUIT; records every line it reads."""

    def handle(self) -> None:
        server: TlsSmtpServer = self.server  # type: ignore[assignment]
        server.connections += 1
        self.encrypted = False
        try:
            if server.implicit_tls and not self._start_tls():
                return
            self._serve()
        finally:
            if self.encrypted:
                self.connection.close()

    def _reply(self, text: str) -> None:
        self.connection.sendall(text.encode() + b"\r\n")

    def _read(self) -> bytes:
        line = self.rfile.readline()
        self.server.received += line
        return line

    def _start_tls(self) -> bool:
        try:
            self.connection = self.server.context.wrap_socket(self.connection, server_side=True)
        except (ssl.SSLError, OSError) as exc:  # the client refused the certificate and hung up
            self.server.tls_failures.append(str(exc))
            return False
        self.rfile = self.connection.makefile("rb")
        self.encrypted = True
        return True

    def _serve(self) -> None:
        server: TlsSmtpServer = self.server  # type: ignore[assignment]
        self._reply("220 test.example ESMTP ready")
        sender, recipients = None, []
        while line := self._read():
            verb = line.split(b" ", 1)[0].strip().upper()
            if verb == b"EHLO":
                starttls = server.offer_starttls and not self.encrypted
                self._reply("250-test.example\r\n" + ("250-STARTTLS\r\n" if starttls else "")
                            + "250-AUTH PLAIN\r\n250 8BITMIME")
            elif verb == b"STARTTLS":
                self._reply("220 go ahead")
                if not self._start_tls():
                    return
            elif verb == b"AUTH":
                parts = line.split()
                answer = parts[2] if len(parts) > 2 else None
                if answer is None:
                    self._reply("334 ")
                    answer = self._read().strip()
                _, user, password = base64.b64decode(answer).split(b"\0")
                server.logins.append((user.decode(), password.decode(), self.encrypted))
                self._reply("235 authenticated")
            elif verb == b"MAIL":
                sender, recipients = line.decode().split(":", 1)[1].strip(), []
                self._reply("250 ok")
            elif verb == b"RCPT":
                recipients.append(line.decode().split(":", 1)[1].strip())
                self._reply("250 ok")
            elif verb == b"DATA":
                self._reply("354 end with .")
                data = []
                while (chunk := self._read()) not in (b".\r\n", b""):
                    data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                server.messages.append({"from": sender, "to": recipients, "data": b"".join(data),
                                        "encrypted": self.encrypted})
                self._reply("250 queued")
            elif verb == b"QUIT":
                self._reply("221 bye")
                return
            else:
                self._reply("250 ok")


class TlsSmtpServer(socketserver.ThreadingTCPServer):
    """An SMTP server on a free port of 127.0.0.1 presenting ``certificate``."""

    daemon_threads = True

    def __init__(self, certificate: tuple[Path, Path], *, implicit_tls: bool = False, offer_starttls: bool = True):
        super().__init__(("127.0.0.1", 0), _TlsSmtpHandler)
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(*map(str, certificate))
        self.implicit_tls, self.offer_starttls = implicit_tls, offer_starttls
        self.connections, self.tls_failures = 0, []
        self.logins: list[tuple[str, str, bool]] = []
        self.messages: list[dict] = []
        self.received = b""

    @property
    def port(self) -> int:
        return self.server_address[1]

    def password_seen(self) -> bool:
        """Whether the password reached this server in any form it could read."""
        secret = PASSWORD.encode()
        return bool(self.logins) or secret in self.received or base64.b64encode(secret)[:8] in self.received


@pytest.fixture
def start_server():
    """``start_server(certificate, implicit_tls=..., offer_starttls=...)``; every server is stopped afterwards."""
    servers = []

    def start(certificate, **options) -> TlsSmtpServer:
        server = TlsSmtpServer(certificate, **options)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def settings_for(server: TlsSmtpServer, security: str, ca_file: Path | None = None) -> mail.SmtpSettings:
    return mail.SmtpSettings(host="127.0.0.1", port=server.port, sender="reports@example.test",
                             recipients=("lead@example.test",), user=USER, password=PASSWORD, security=security,
                             ca_file=str(ca_file) if ca_file else None)


def a_message(subject: str = "[workbench] test") -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject
    message.set_content("hello\n")
    return message


# --------------------------------------------------------------------------- tests


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_self_signed_certificate_for_another_host_is_refused_before_the_password(pki, start_server, security):
    server = start_server(pki["self_signed"], implicit_tls=security == "ssl")
    with pytest.raises(MailError, match="certificate could not be verified") as caught:
        mail.send_message(a_message(), settings_for(server, security))
    assert f"127.0.0.1:{server.port}" in str(caught.value) and "WORKBENCH_SMTP_CA_FILE" in str(caught.value)
    assert server.connections == 1 and not server.password_seen() and server.messages == []


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_certificate_from_the_trusted_ca_for_another_host_is_refused(pki, start_server, security):
    """The CA is trusted, but the certificate names mail.other.example, not 127.0.0.1: host names are checked."""
    server = start_server(pki["wrong_host"], implicit_tls=security == "ssl")
    with pytest.raises(MailError, match="certificate could not be verified.*mismatch.*another host name"):
        mail.send_message(a_message(), settings_for(server, security, ca_file=pki["ca"]))
    assert not server.password_seen() and server.messages == []


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_certificate_signed_by_the_configured_ca_is_accepted_and_the_mail_delivered(pki, start_server, monkeypatch,
                                                                                    security):
    server = start_server(pki["good"], implicit_tls=security == "ssl")
    for name, value in {"HOST": "127.0.0.1", "PORT": str(server.port), "USER": USER, "PASSWORD": PASSWORD,
                        "SECURITY": security, "CA_FILE": str(pki["ca"]), "FROM": "reports@example.test",
                        "TO": "lead@example.test"}.items():
        monkeypatch.setenv(f"WORKBENCH_SMTP_{name}", value)
    mail.send_message(a_message("[workbench] delivered"), mail.SmtpSettings.from_env())
    assert server.logins == [(USER, PASSWORD, True)]  # the password went only over the encrypted connection
    [delivered] = server.messages
    assert delivered["encrypted"] and delivered["to"] == ["<lead@example.test>"]
    assert email.message_from_bytes(delivered["data"], policy=policy.default)["Subject"] == "[workbench] delivered"


def test_without_the_ca_file_a_private_ca_is_not_trusted(pki, start_server):
    server = start_server(pki["good"])
    with pytest.raises(MailError, match="certificate could not be verified"):
        mail.send_message(a_message(), settings_for(server, "starttls"))
    assert not server.password_seen()


def test_credentials_without_encryption_are_refused_before_connecting(pki, start_server):
    server = start_server(pki["good"])  # it offers STARTTLS; security 'none' would never use it
    with pytest.raises(MailError, match="WORKBENCH_SMTP_SECURITY is 'none'.*clear text"):
        mail.send_message(a_message(), settings_for(server, "none", ca_file=pki["ca"]))
    assert server.connections == 0


def test_server_without_starttls_gets_no_password(pki, start_server):
    server = start_server(pki["good"], offer_starttls=False)
    with pytest.raises(MailError, match="does not offer STARTTLS"):
        mail.send_message(a_message(), settings_for(server, "starttls", ca_file=pki["ca"]))
    assert server.connections == 1 and not server.password_seen() and server.messages == []


def test_a_missing_ca_file_is_a_clear_error(tmp_path, pki, start_server):
    server = start_server(pki["good"])
    with pytest.raises(MailError, match="WORKBENCH_SMTP_CA_FILE .*missing.pem"):
        mail.send_message(a_message(), settings_for(server, "starttls", ca_file=tmp_path / "missing.pem"))
    assert server.connections == 0


def test_security_defaults_to_starttls_when_a_user_is_set():
    base = {"WORKBENCH_SMTP_HOST": "mx.example", "WORKBENCH_SMTP_TO": "a@example.test"}
    with_user = mail.SmtpSettings.from_env({**base, "WORKBENCH_SMTP_USER": "u", "WORKBENCH_SMTP_PASSWORD": "p",
                                            "WORKBENCH_SMTP_CA_FILE": "/etc/ssl/private-ca.pem"})
    assert (with_user.security, with_user.port, with_user.ca_file) == ("starttls", 587, "/etc/ssl/private-ca.pem")
    relay = mail.SmtpSettings.from_env(base)  # an unauthenticated relay: nothing secret to protect
    assert (relay.security, relay.port, relay.ca_file) == ("none", 25, None)
    assert issubclass(MailError, WorkbenchError)


def test_report_link_percent_encodes_folder_names_as_the_site_does(tmp_path, monkeypatch):
    run_dir = tmp_path / "kpi_overview" / "2026-03 #1?x"
    run_dir.mkdir(parents=True)
    monkeypatch.setenv("WORKBENCH_SITE_URL", "https://reports.example/outputs/")
    assert mail.report_link(run_dir, tmp_path) == "https://reports.example/outputs/kpi_overview/2026-03%20%231%3Fx/report.html"
