"""Warm spare kernels for the apps, so a page does not wait for a kernel to start.

Every app visit runs its notebook in a fresh kernel. Starting one (a Python
process, ipykernel, then pandas, DuckDB, Altair, vl-convert and the apps) is
most of a first render, so :class:`WarmKernelPool` keeps ``spare_kernels``
kernels started *and* loaded, and hands one to the next visit:

* A spare serves one visit only and is then the visitor's, like any Voilà
  kernel (shut down when the page closes); nothing a visitor does reaches
  another visitor.
* A spare is refilled in the background as soon as one is taken; a visit that
  finds no spare starts a kernel as usual.
* Idle-kernel culling (``cull_idle_timeout``, set by ``workbench serve`` for
  kernels whose page is gone without saying so) never takes a spare.
* Unlike Voilà's preheated kernels, nothing of the notebook runs before the
  visit, so URL parameters are still validated and injected by the prelaunch
  hook (see :mod:`workbench.apps.serve`), and no result is stale.
* A spare starts in the apps folder with the server's environment; the
  per-request variables Voilà gives a kernel (``QUERY_STRING``, ...) are not
  in it. The apps read their parameters from the notebook, never from those.

Caps, because every page request costs a kernel (~330 MB) and the server may be
reachable by anyone on the network:

* ``max_kernels`` kernels serve pages at once (the spares come on top), and one
  client (the request's remote address; behind a reverse proxy that is the
  proxy) holds at most ``max_kernels_per_client`` of them. A request over either
  cap gets :class:`KernelCapReached` (HTTP 503) and no kernel starts.
* A page's kernel that no page has connected to ``connect_timeout`` seconds
  after it last did anything (its page was fetched by a script, or never
  loaded) is shut down; the hour-long idle culling is for pages that did connect.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from jupyter_server.base.call_context import CallContext
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado.ioloop import PeriodicCallback
from tornado.web import HTTPError
from traitlets import Float, Integer, Unicode

#: Run in each spare kernel: the imports and one-time set-ups every app pays for. The translation
#: catalogues and number/date formats of every interface language are loaded (half a second), but no
#: language is chosen: the visit's ``interface_language`` (URL, else the centre's default) does that
#: when its notebook runs.
WARM_UP_CODE = """
import altair as _alt, pandas as _pd, vl_convert as _vlc
import workbench.apps
from workbench import i18n as _i18n
from workbench.apps.base import _enable_offline_chart_widgets as _offline
_offline()
_vlc.vegalite_to_svg(_alt.Chart(_pd.DataFrame({"x": [1]})).mark_point().encode(x="x:Q").to_dict())
for _language in _i18n.LANGUAGES:
    _i18n.catalogue(_language), _i18n.format_percent(0.5, 1, _language), _i18n.format_date("2026-01-01", _language)
del _alt, _pd, _vlc, _offline, _i18n, _language
"""


class KernelCapReached(HTTPError):
    """HTTP 503: a page request found the kernel cap (``per_client``: the requesting client's own cap) reached."""

    def __init__(self, message: str, per_client: bool) -> None:
        super().__init__(503, message)
        self.per_client = per_client


class WarmKernelPool(AsyncMappingKernelManager):
    """Kernel manager keeping ``spare_kernels`` started, warmed kernels for the next visits, with caps."""

    spare_kernels = Integer(1, config=True, help="Kernels kept started and warmed for the next visits (0: none).")
    spare_kernel_name = Unicode("python3", config=True, help="Kernel spec of the spares (the apps' kernel).")
    spare_path = Unicode("", config=True, help="API path of the spares' working folder ('' = the served root).")
    max_kernels = Integer(0, config=True, help="Most kernels serving pages at once, spares not counted (0: no cap).")
    max_kernels_per_client = Integer(0, config=True, help="Most kernels one client address holds (0: no cap).")
    connect_timeout = Float(0.0, config=True, help="Seconds a page's kernel may sit idle with no page ever "
                                                   "connected before it is shut down (0: never).")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._spares: list[str] = []
        self._warming: set[str] = set()
        self._filling: asyncio.Task | None = None
        # Visits whose kernel is being started: the id it will get -> the client. Jupyter Server lists a
        # kernel before its start returns, so ids are chosen up front and such a kernel counts once.
        self._starting: dict[str, str | None] = {}
        self._clients: dict[str, str | None] = {}
        self._handed_at: dict[str, Any] = {}
        self._connected: set[str] = set()
        self._connect_checks: PeriodicCallback | None = None
        self._closing = False
        self.spares_handed_out = 0
        if not self.connection_dir:
            # jupyter_client's default '' writes kernel-*.json into the working folder (a checkout).
            from jupyter_core.paths import jupyter_runtime_dir

            self.connection_dir = jupyter_runtime_dir()
            os.makedirs(self.connection_dir, exist_ok=True)
        from tornado.ioloop import IOLoop

        IOLoop.current().add_callback(self.fill_spares)  # warm up before the first visit, once the server runs
        IOLoop.current().add_callback(self._start_connect_checks)

    async def start_kernel(self, *, kernel_id: str | None = None, path: str | None = None, **kwargs: Any) -> str:
        """A spare when one fits the request (same kernel spec and folder), else a new kernel.

        Raises:
            KernelCapReached: ``max_kernels`` pages are served already, or the
                requesting client holds ``max_kernels_per_client`` of them.
        """
        client = _requesting_client()
        self._admit(client)  # before any await: concurrent requests cannot both slip under a cap
        new_id = kernel_id or str(uuid.uuid4())
        self._starting[new_id] = client
        try:
            started = await self._spare_or_new(kernel_id=kernel_id, new_id=new_id, path=path, **kwargs)
        finally:
            self._starting.pop(new_id, None)
        self._clients[started] = client
        self._handed_at[started] = datetime.now(timezone.utc)
        return started

    async def _spare_or_new(self, *, kernel_id: str | None, new_id: str, path: str | None, **kwargs: Any) -> str:
        fits = (kernel_id is None and kwargs.get("kernel_name", self.spare_kernel_name) == self.spare_kernel_name
                and self._cwd(path) == self._cwd(self.spare_path))  # fmt: skip
        while fits and self._spares:
            spare = self._spares.pop(0)
            if spare in self:  # a culler may have taken it meanwhile
                self.spares_handed_out += 1
                self.log.info("Handing out warm kernel %s (%d left)", spare, len(self._spares))
                self.fill_spares()
                return spare
        started = await super().start_kernel(kernel_id=new_id, path=path, **kwargs)
        self.fill_spares()
        return started

    @property
    def visit_kernel_ids(self) -> list[str]:
        """Ids of the kernels serving pages (every kernel but the spares and those being started or warmed)."""
        return [k for k in self.list_kernel_ids()
                if k not in self._spares and k not in self._warming and k not in self._starting]

    def _admit(self, client: str | None) -> None:
        visits = self.visit_kernel_ids
        if self.max_kernels > 0 and len(visits) + len(self._starting) >= self.max_kernels:
            self.log.warning("Refusing a page for %s: %d kernels serve pages (the cap)", client, self.max_kernels)
            raise KernelCapReached(f"{self.max_kernels} pages are open (the server's cap)", per_client=False)
        if self.max_kernels_per_client > 0 and client is not None:
            held = sum(self._clients.get(k) == client for k in visits) + list(self._starting.values()).count(client)
            if held >= self.max_kernels_per_client:
                self.log.warning("Refusing a page for %s: it holds %d kernels (the cap per client)", client, held)
                raise KernelCapReached(f"{held} pages are open from {client} (the cap per client)", per_client=True)

    def notify_connect(self, kernel_id: str) -> None:
        """Count a page's connection, and remember that this kernel's page did connect."""
        self._connected.add(kernel_id)
        super().notify_connect(kernel_id)

    async def cull_unconnected(self) -> list[str]:
        """Shut down the page kernels no page ever connected to, idle for ``connect_timeout`` seconds; their ids.

        A busy kernel is never taken: its page is still being rendered.
        """
        if self.connect_timeout <= 0:
            return []
        now, culled = datetime.now(timezone.utc), []
        for kernel_id in self.visit_kernel_ids:
            kernel = self._kernels.get(kernel_id)
            if kernel is None or kernel_id in self._connected or getattr(kernel, "execution_state", None) == "busy":
                continue
            # A spare's last activity is its warm-up, long before the visit it now serves.
            since = max(getattr(kernel, "last_activity", now), self._handed_at.get(kernel_id, now))
            if now - since > timedelta(seconds=self.connect_timeout):
                self.log.warning("Culling kernel %s: no page connected to it within %s s", kernel_id, self.connect_timeout)
                try:
                    await self.shutdown_kernel(kernel_id)
                except Exception as exc:  # one kernel that cannot be shut down must not stop the others
                    self.log.warning("Could not cull kernel %s: %s", kernel_id, exc)
                    continue
                culled.append(kernel_id)
        self._forget_gone()
        return culled

    def _forget_gone(self) -> None:
        alive = set(self.list_kernel_ids())
        for record in (self._clients, self._handed_at):
            for kernel_id in [k for k in record if k not in alive]:
                del record[kernel_id]
        self._connected &= alive

    def _start_connect_checks(self) -> None:
        if self.connect_timeout > 0 and self._connect_checks is None:
            # Checked a few times per timeout, so a page is culled within ~1.25 timeouts.
            interval = min(5.0, max(0.2, self.connect_timeout / 4))
            self._connect_checks = PeriodicCallback(self.cull_unconnected, interval * 1000)
            self._connect_checks.start()

    async def cull_kernel_if_idle(self, kernel_id: str) -> None:
        """Cull as configured, except the spares: idle is what they are for."""
        if kernel_id not in self._spares:
            await super().cull_kernel_if_idle(kernel_id)

    def fill_spares(self) -> None:
        """Start topping the pool up in the background (no-op while a top-up runs)."""
        if self.spare_kernels > 0 and not self._closing and (self._filling is None or self._filling.done()):
            self._filling = asyncio.ensure_future(self._fill())

    @property
    def spare_kernel_ids(self) -> list[str]:
        """Ids of the spares waiting for a visit."""
        return list(self._spares)

    def _cwd(self, path: str | None) -> str | None:
        return None if path is None else os.path.realpath(self.cwd_for_path(path))

    async def _fill(self) -> None:
        while len(self._spares) < self.spare_kernels and not self._closing:
            kernel_id = str(uuid.uuid4())
            self._warming.add(kernel_id)  # before the start: Jupyter Server lists the kernel before it is ready
            try:
                await super().start_kernel(kernel_id=kernel_id, path=self.spare_path,
                                           kernel_name=self.spare_kernel_name, env=dict(os.environ))  # fmt: skip
                await self._warm(kernel_id)
            except Exception as exc:  # a pool that cannot fill must not take the server down
                self.log.warning("Could not start a warm kernel: %s", exc)
                return
            finally:
                self._warming.discard(kernel_id)
            self._spares.append(kernel_id)

    async def shutdown_all(self, now: bool = False) -> None:
        """Shut every kernel down, and stop the checks for pages that never connect."""
        self._closing = True  # no top-up may start a kernel after this
        if self._connect_checks is not None:
            self._connect_checks.stop()
        filling = self._filling
        if filling is not None and not filling.done():
            # A spare being started is only in the pool once its start returns: wait for it,
            # so it is shut down with the rest instead of outliving the server.
            await asyncio.gather(filling, return_exceptions=True)
        await super().shutdown_all(now=now)

    async def _warm(self, kernel_id: str) -> None:
        client = self.get_kernel(kernel_id).client()
        client.start_channels()
        try:
            await client.wait_for_ready(timeout=120)
            reply = await client.execute_interactive(WARM_UP_CODE, silent=True, store_history=False, timeout=180)
            if reply["content"]["status"] != "ok":
                self.log.warning("Warm-up of kernel %s failed: %s", kernel_id, reply["content"].get("evalue"))
        finally:
            client.stop_channels()


def _requesting_client() -> str | None:
    """The remote address of the HTTP request being handled (None outside one, e.g. a spare's start)."""
    # Jupyter Server records the handler of the request in progress in a context variable;
    # Voilà starts a page's kernel within that request.
    handler = CallContext.get(CallContext.JUPYTER_HANDLER)
    request = getattr(handler, "request", None)
    return getattr(request, "remote_ip", None)
