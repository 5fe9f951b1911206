"""Who may use `workbench serve`, and how much: kernel caps, the busy page, the access token, the Host check.

The slow tests start the real server on 127.0.0.1 and talk to it with real
HTTP requests (and a real kernel websocket where a test needs an open page);
clients with different addresses are 127.0.0.2 and 127.0.0.3, which are
loopback too. Kernels are counted as the server's ``ipykernel_launcher``
child processes.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from apps_browser_support import SERVER_START_SECONDS, free_port, stop_process

from workbench.apps.serve import (
    RETRY_AFTER_SECONDS,
    AccessPolicy,
    access_token,
    default_max_kernels,
    host_name,
    refusal_page,
    voila_arguments,
)

PAGE = "/voila/render/operations.ipynb"
POLL_SECONDS = 180  # a generous bound for a loaded machine; every wait below polls and returns as soon as it can
TOKEN = "s3cret-token-for-tests"


# --------------------------------------------------------------------------- fast: settings and policy


def test_binding_beyond_loopback_without_a_token_is_refused_before_anything_starts():
    from workbench.apps.serve import serve
    from workbench.errors import WorkbenchError

    for ip in ("0.0.0.0", "192.168.1.5", "::"):
        with pytest.raises(WorkbenchError, match="access token"):
            serve(port=free_port(), ip=ip)


def test_cli_generates_a_token_beyond_loopback_and_shows_it_once(monkeypatch):
    from typer.testing import CliRunner

    import workbench.apps.serve as serve_module
    from workbench.cli import app

    calls = []
    monkeypatch.setattr(serve_module, "serve", lambda **kwargs: calls.append(kwargs))
    monkeypatch.delenv("WORKBENCH_SERVE_TOKEN", raising=False)
    exposed = CliRunner().invoke(app, ["serve", "--ip", "0.0.0.0"])
    assert exposed.exit_code == 0, exposed.output
    token = calls[-1]["token"]
    assert token and len(token) >= 24
    assert exposed.output.count(token) == 1 and f"http://0.0.0.0:8866/?token={token}" in exposed.output
    again = CliRunner().invoke(app, ["serve", "--ip", "0.0.0.0"])
    assert calls[-1]["token"] != token, "a fresh random token each start"
    assert "TLS" in again.output


def test_a_given_token_is_required_even_on_loopback_and_never_printed(monkeypatch):
    from typer.testing import CliRunner

    import workbench.apps.serve as serve_module
    from workbench.cli import app

    calls = []
    monkeypatch.setattr(serve_module, "serve", lambda **kwargs: calls.append(kwargs))
    monkeypatch.delenv("WORKBENCH_SERVE_TOKEN", raising=False)
    given = CliRunner().invoke(app, ["serve", "--token", TOKEN])
    assert given.exit_code == 0 and calls[-1]["token"] == TOKEN and TOKEN not in given.output
    from_env = CliRunner().invoke(app, ["serve", "--ip", "0.0.0.0"], env={"WORKBENCH_SERVE_TOKEN": TOKEN})
    assert from_env.exit_code == 0 and calls[-1]["token"] == TOKEN and TOKEN not in from_env.output
    local = CliRunner().invoke(app, ["serve"])
    assert local.exit_code == 0 and "token" not in calls[-1], "loopback without a token: none required"
    assert access_token("127.0.0.1", None) == (None, False)
    assert access_token("::1", None) == (None, False)
    assert access_token("10.1.2.3", TOKEN) == (TOKEN, False)


def test_cli_passes_the_caps_and_names(monkeypatch):
    from typer.testing import CliRunner

    import workbench.apps.serve as serve_module
    from workbench.cli import app

    calls = []
    monkeypatch.setattr(serve_module, "serve", lambda **kwargs: calls.append(kwargs))
    result = CliRunner().invoke(app, ["serve", "--max-kernels", "2", "--max-kernels-per-client", "1",
                                      "--connect-timeout", "5", "--allow-host", "wfm.example.com",
                                      "--allow-host", "wfm"])
    assert result.exit_code == 0, result.output
    assert calls[-1] == {"port": 8866, "ip": "127.0.0.1", "spare_kernels": 1, "max_kernels": 2,
                         "max_kernels_per_client": 1, "connect_timeout": 5.0,
                         "allowed_hosts": ["wfm.example.com", "wfm"]}
    assert CliRunner().invoke(app, ["serve", "--max-kernels", "-1"]).exit_code == 2


def test_default_caps_are_sane_and_reach_the_kernel_pool():
    assert 1 <= default_max_kernels() <= 8
    arguments = voila_arguments(8866, "127.0.0.1")
    assert f"--WarmKernelPool.max_kernels={default_max_kernels()}" in arguments
    assert "--WarmKernelPool.max_kernels_per_client=3" in arguments
    assert "--WarmKernelPool.connect_timeout=60.0" in arguments
    chosen = voila_arguments(8866, "127.0.0.1", max_kernels=2, max_kernels_per_client=1, connect_timeout=0.5)
    assert {"--WarmKernelPool.max_kernels=2", "--WarmKernelPool.max_kernels_per_client=1",
            "--WarmKernelPool.connect_timeout=0.5"} <= set(chosen)


@pytest.mark.parametrize(("ip", "host", "allowed"), [
    ("127.0.0.1", "127.0.0.1:8866", True),
    ("127.0.0.1", "localhost:8866", True),
    ("127.0.0.1", "LOCALHOST.:8866", True),
    ("127.0.0.1", "[::1]:8866", True),
    ("127.0.0.1", "127.0.0.2", True),
    ("127.0.0.1", "evil.example:8866", False),  # DNS rebinding: a foreign name resolving to us
    ("127.0.0.1", "localhost.evil.example", False),
    ("127.0.0.1", "192.168.1.5:8866", False),
    ("127.0.0.1", "", False),
    ("127.0.0.1", "wfm.example.com:8866", True),  # given with allowed_hosts
    ("192.168.1.5", "192.168.1.5:8866", True),
    ("192.168.1.5", "192.168.1.6:8866", False),
    ("0.0.0.0", "192.168.1.6:8866", True),  # every interface: any address typed in a URL
    ("0.0.0.0", "[fe80::1]:8866", True),
    ("0.0.0.0", "evil.example", False),
])
def test_host_header_policy(ip, host, allowed):
    policy = AccessPolicy.for_binding(ip, 8866, allowed_hosts=["WFM.example.com"])
    assert policy.host_allowed(host) is allowed


def test_host_name_strips_port_brackets_and_dot():
    assert [host_name(h) for h in ("Example.COM:80", "[::1]:8866", "::1", "localhost.", "a.b")] == [
        "example.com", "::1", "::1", "localhost", "a.b"]


def test_refusal_pages_say_what_happened_in_english_and_chinese():
    busy = refusal_page(503)
    assert "Busy, try again" in busy and "服务器繁忙" in busy and f"{RETRY_AFTER_SECONDS} seconds" in busy
    assert "Too many pages" in refusal_page(503, per_client=True) and "上限" in refusal_page(503, per_client=True)
    assert "access token" in refusal_page(401) and "访问令牌" in refusal_page(401)
    assert "does not answer to the name" in refusal_page(403)


# --------------------------------------------------------------------------- slow: a real server


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: str

    def cookie(self, name: str) -> str | None:
        for value in self.headers.get_all("Set-Cookie") or []:
            if value.startswith(name + "="):
                return value
        return None


@dataclass
class Served:
    port: int
    process: subprocess.Popen
    log: Path

    def request(self, path: str, *, client: str = "127.0.0.1", method: str = "GET", body: str | None = None,
                headers: dict[str, str] | None = None) -> Reply:
        """One real HTTP request from the address ``client``."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=POLL_SECONDS,
                                                source_address=(client, 0))
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return Reply(response.status, response.headers, response.read().decode("utf-8", "replace"))
        finally:
            connection.close()

    def kernels(self) -> int:
        """Kernel processes the server has started and not yet ended."""
        import psutil

        count = 0
        for child in psutil.Process(self.process.pid).children(recursive=True):
            try:
                count += any("ipykernel_launcher" in part for part in child.cmdline())
            except psutil.NoSuchProcess:
                continue
        return count

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def _poll(condition: Callable[[], bool], what: str, served: Served) -> None:
    deadline = time.monotonic() + POLL_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}:\n{served.log_text()[-4000:]}")
        time.sleep(0.2)


@contextmanager
def serving(folder: Path, *options: str, env: dict[str, str] | None = None) -> Iterator[Served]:
    """``workbench serve --port <free> <options>`` on 127.0.0.1 against a missing store (the apps say so quickly)."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    environment = {name: value for name, value in os.environ.items() if name != "WORKBENCH_SERVE_TOKEN"}
    environment.update({"WORKBENCH_STORE": str(folder / "no-store.duckdb"),
                        "WORKBENCH_OUTPUTS_DIR": str(folder / "outputs"), **(env or {})})
    command = [str(Path(sys.executable).with_name("workbench")), "serve", "--port", str(port), *options]
    log = folder / "serve.log"
    with open(log, "wb") as handle:
        process = subprocess.Popen(command, env=environment, stdout=handle, stderr=subprocess.STDOUT)
        served = Served(port, process, log)
        try:
            deadline = time.monotonic() + SERVER_START_SECONDS
            while True:  # any HTTP answer (a 401 too) means the server is up
                try:
                    served.request("/favicon.ico")
                    break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"workbench serve did not start:\n{served.log_text()}") from None
                    time.sleep(0.3)
            yield served
        finally:
            stop_process(process, timeout_seconds=30)


def _kernel_id(page: Reply) -> str:
    found = re.search(r'"kernelId": *"([0-9a-f-]{36})"', page.body)
    assert found, page.body[:2000]
    return found.group(1)


class OpenPage:
    """A kernel websocket held open from a background thread, as an open app page holds it."""

    def __init__(self, served: Served, kernel_id: str, headers: dict[str, str] | None = None) -> None:
        from tornado.httpclient import HTTPRequest
        from tornado.websocket import websocket_connect

        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        request = HTTPRequest(f"ws://127.0.0.1:{served.port}/api/kernels/{kernel_id}/channels",
                              headers=headers or {}, request_timeout=POLL_SECONDS)

        async def connect():  # the websocket client belongs to the loop it is created on
            return await websocket_connect(request)

        self._socket = asyncio.run_coroutine_threadsafe(connect(), self._loop).result(timeout=POLL_SECONDS)
        # The server counts the connection once the kernel answers on it.
        _poll(lambda: json.loads(served.request(f"/api/kernels/{kernel_id}", headers=headers).body)
              .get("connections", 0) > 0, f"a page connection on kernel {kernel_id}", served)

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._socket.close)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)


def _leave(served: Served, page: Reply, kernel_id: str, client: str) -> None:
    """What Voilà's page sends as it unloads: a shutdown request for its kernel, with the _xsrf cookie."""
    cookie = page.cookie("_xsrf")
    assert cookie, "the page response sets the _xsrf cookie its shutdown request needs"
    xsrf = cookie.split(";", 1)[0].split("=", 1)[1]
    reply = served.request(f"/voila/api/shutdown/{kernel_id}", client=client, method="POST",
                           body=urllib.parse.urlencode({"_xsrf": xsrf}),
                           headers={"Cookie": f"_xsrf={xsrf}", "Content-Type": "application/x-www-form-urlencoded"})
    assert reply.status < 300, (reply.status, reply.body)


@pytest.mark.slow
def test_kernel_caps_busy_page_and_unconnected_pages_culled(tmp_path):
    """Max 2 kernels, 1 per client: refused requests get the 503 page and start nothing; slots come back."""
    options = ("--spare-kernels", "0", "--max-kernels", "2", "--max-kernels-per-client", "1",
               "--connect-timeout", "10")
    with serving(tmp_path / "caps", *options) as served:
        first = served.request(PAGE, client="127.0.0.1")
        assert first.status == 200, first.body[-2000:]
        first_kernel = _kernel_id(first)
        first_open = OpenPage(served, first_kernel)
        assert served.kernels() == 1

        second_from_same_client = served.request(PAGE, client="127.0.0.1")
        assert second_from_same_client.status == 503
        assert second_from_same_client.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
        assert "Too many pages open" in second_from_same_client.body and "上限" in second_from_same_client.body
        assert served.kernels() == 1, "a refused request starts no kernel"

        other = served.request(PAGE, client="127.0.0.2")
        assert other.status == 200, "another client still gets a page"
        other_kernel = _kernel_id(other)
        other_open = OpenPage(served, other_kernel)
        assert served.kernels() == 2

        third = served.request(PAGE, client="127.0.0.3")
        assert third.status == 503 and third.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
        assert third.headers["Content-Type"].startswith("text/html")
        assert "Busy, try again" in third.body and "服务器繁忙" in third.body
        assert served.kernels() == 2, "no third kernel started"

        # The first page is left: its kernel goes, and its client may open a page again.
        first_open.close()
        _leave(served, first, first_kernel, "127.0.0.1")
        _poll(lambda: served.request(f"/api/kernels/{first_kernel}").status == 404, "the left page's kernel to end",
              served)
        assert served.kernels() == 1
        again = served.request(PAGE, client="127.0.0.1")
        assert again.status == 200
        assert served.request(PAGE, client="127.0.0.3").status == 503, "the cap is full again"

        # Nothing ever connects to that page: it is culled, and its slot serves the next client.
        again_kernel = _kernel_id(again)
        _poll(lambda: served.request(f"/api/kernels/{again_kernel}").status == 404,
              "the never-connected page's kernel to be culled", served)
        assert served.kernels() == 1
        log = served.log_text()
        assert f"Culling kernel {again_kernel}: no page connected" in log
        assert f"Culling kernel {other_kernel}" not in log, "a connected page is never culled for that"
        assert served.request(f"/api/kernels/{other_kernel}").status == 200
        assert served.request(PAGE, client="127.0.0.3").status == 200
        other_open.close()


@pytest.mark.slow
def test_host_header_is_checked_on_loopback(tmp_path):
    with serving(tmp_path / "hosts", "--spare-kernels", "0", "--allow-host", "wfm.example.com") as served:
        assert served.request("/").status == 200
        assert served.request("/", headers={"Host": f"localhost:{served.port}"}).status == 200
        assert served.request("/", headers={"Host": f"wfm.example.com:{served.port}"}).status == 200
        for host in (f"evil.example:{served.port}", "attacker.test"):
            refused = served.request("/", headers={"Host": host})
            assert refused.status == 403 and "does not answer to the name" in refused.body, host
            assert served.request(PAGE, headers={"Host": host}).status == 403
        assert served.kernels() == 0, "a refused page starts no kernel"


@pytest.fixture(scope="module")
def token_server(tmp_path_factory):
    """The server on 127.0.0.1 with a token (from WORKBENCH_SERVE_TOKEN): the mode binding beyond loopback forces."""
    folder = tmp_path_factory.mktemp("token")
    with serving(folder, "--spare-kernels", "0", env={"WORKBENCH_SERVE_TOKEN": TOKEN}) as served:
        yield served


@pytest.mark.slow
def test_token_is_required_then_kept_in_a_strict_http_only_cookie(token_server):
    served = token_server
    for path in ("/", "/?token=wrong", PAGE, "/api/kernels/00000000-0000-0000-0000-000000000000"):
        refused = served.request(path)
        assert refused.status == 401, path
        assert "访问令牌" in refused.body and refused.headers["WWW-Authenticate"]
    assert served.kernels() == 0, "no kernel for a request without the token"
    assert served.request("/", headers={"Authorization": "token wrong"}).status == 401

    first = served.request(f"/?token={TOKEN}")
    assert first.status == 200
    cookie = first.cookie(f"workbench-serve-token-{served.port}")
    assert cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie and TOKEN not in cookie
    pair = cookie.split(";", 1)[0]
    assert served.request("/", headers={"Cookie": pair}).status == 200
    assert served.request("/", headers={"Cookie": pair.split("=")[0] + "=forged"}).status == 401
    assert served.request("/", headers={"Authorization": f"token {TOKEN}"}).status == 200
    assert served.request("/", headers={"Authorization": f"Bearer {TOKEN}"}).status == 200
    assert served.request("/api/kernels/00000000-0000-0000-0000-000000000000",
                          headers={"Authorization": f"token {TOKEN}"}).status == 404, "past the guard"
    wrong_host = served.request(f"/?token={TOKEN}", headers={"Host": "evil.example"})
    assert wrong_host.status == 403, "the right token does not make a foreign Host acceptable"
    assert TOKEN not in served.log_text(), "the token never reaches the server's log"


@pytest.mark.slow
@pytest.mark.browser
def test_an_app_works_in_a_browser_with_the_token_link(token_server):
    """?token= once: the page, its kernel websocket and its shutdown on leaving all pass with the cookie."""
    from apps_browser_support import chromium

    served = token_server
    with chromium() as browser:
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{served.port}{PAGE}?token={TOKEN}", wait_until="commit")
        # The notice is a widget: it shows only once the page's websocket reached the kernel.
        page.wait_for_selector(".wb-notice", timeout=POLL_SECONDS * 1000)
        assert served.kernels() == 1
        page.goto("about:blank")  # leaving: the page asks the server to shut its kernel down
        _poll(lambda: served.kernels() == 0, "the left page's kernel to end", served)
        page.close()
    log = served.log_text()
    assert "_xsrf' argument missing" not in log and "no page connected" not in log
