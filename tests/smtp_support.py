"""A local SMTP sink for mail tests: a real server on 127.0.0.1 that keeps what it receives; never a real relay.

``with smtp_sink() as server:`` starts it on a free port; ``server.messages`` holds
``{"from", "to", "data"}`` per message received and ``server.server_address[1]`` is its port.
:func:`smtp_environment` gives the ``WORKBENCH_SMTP_*`` variables that point the workbench at it.
"""

from __future__ import annotations

import contextlib
import email
import socketserver
import threading
from collections.abc import Iterator
from email import policy


class SmtpSink(socketserver.StreamRequestHandler):
    """Just enough SMTP to receive messages: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

    def handle(self) -> None:
        self.wfile.write(b"220 sink ready\r\n")
        sender, recipients = None, []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.wfile.write(b"250-sink\r\n250 8BITMIME\r\n" if verb == b"EHLO" else b"250 sink\r\n")
            elif verb == b"MAIL":
                sender, recipients = line.decode().split(":", 1)[1].strip(), []
                self.wfile.write(b"250 ok\r\n")
            elif verb == b"RCPT":
                recipients.append(line.decode().split(":", 1)[1].strip())
                self.wfile.write(b"250 ok\r\n")
            elif verb == b"DATA":
                self.wfile.write(b"354 end with .\r\n")
                data = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                self.server.messages.append({"from": sender, "to": recipients, "data": b"".join(data)})
                self.wfile.write(b"250 queued\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@contextlib.contextmanager
def smtp_sink() -> Iterator[socketserver.ThreadingTCPServer]:
    """A running :class:`SmtpSink` server on a free port of 127.0.0.1, shut down on exit."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SmtpSink)
    server.daemon_threads = True
    server.messages = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def smtp_environment(server: socketserver.TCPServer) -> dict[str, str]:
    """``WORKBENCH_SMTP_*`` pointing at ``server`` (plain SMTP, two recipients)."""
    return {"WORKBENCH_SMTP_HOST": "127.0.0.1", "WORKBENCH_SMTP_PORT": str(server.server_address[1]),
            "WORKBENCH_SMTP_FROM": "reports@example.test", "WORKBENCH_SMTP_TO": "lead@example.test, ops@example.test"}


def parse(message: dict) -> email.message.EmailMessage:
    """A received message as an :class:`email.message.EmailMessage`."""
    return email.message_from_bytes(message["data"], policy=policy.default)
