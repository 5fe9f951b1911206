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
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from traitlets import Integer, Unicode

#: Run in each spare kernel: the imports and one-time set-ups every app pays for.
WARM_UP_CODE = """
import altair as _alt, pandas as _pd, vl_convert as _vlc
import workbench.apps
from workbench.apps.base import _enable_offline_chart_widgets as _offline
_offline()
_vlc.vegalite_to_svg(_alt.Chart(_pd.DataFrame({"x": [1]})).mark_point().encode(x="x:Q").to_dict())
del _alt, _pd, _vlc, _offline
"""


class WarmKernelPool(AsyncMappingKernelManager):
    """Kernel manager keeping ``spare_kernels`` started, warmed kernels for the next visits."""

    spare_kernels = Integer(1, config=True, help="Kernels kept started and warmed for the next visits (0: none).")
    spare_kernel_name = Unicode("python3", config=True, help="Kernel spec of the spares (the apps' kernel).")
    spare_path = Unicode("", config=True, help="API path of the spares' working folder ('' = the served root).")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._spares: list[str] = []
        self._filling: asyncio.Task | None = None
        self.spares_handed_out = 0
        from tornado.ioloop import IOLoop

        IOLoop.current().add_callback(self.fill_spares)  # warm up before the first visit, once the server runs

    async def start_kernel(self, *, kernel_id: str | None = None, path: str | None = None, **kwargs: Any) -> str:
        """A spare when one fits the request (same kernel spec and folder), else a new kernel."""
        fits = (kernel_id is None and kwargs.get("kernel_name", self.spare_kernel_name) == self.spare_kernel_name
                and self._cwd(path) == self._cwd(self.spare_path))  # fmt: skip
        while fits and self._spares:
            spare = self._spares.pop(0)
            if spare in self:  # a culler may have taken it meanwhile
                self.spares_handed_out += 1
                self.log.info("Handing out warm kernel %s (%d left)", spare, len(self._spares))
                self.fill_spares()
                return spare
        started = await super().start_kernel(kernel_id=kernel_id, path=path, **kwargs)
        self.fill_spares()
        return started

    async def cull_kernel_if_idle(self, kernel_id: str) -> None:
        """Cull as configured, except the spares: idle is what they are for."""
        if kernel_id not in self._spares:
            await super().cull_kernel_if_idle(kernel_id)

    def fill_spares(self) -> None:
        """Start topping the pool up in the background (no-op while a top-up runs)."""
        if self.spare_kernels > 0 and (self._filling is None or self._filling.done()):
            self._filling = asyncio.ensure_future(self._fill())

    @property
    def spare_kernel_ids(self) -> list[str]:
        """Ids of the spares waiting for a visit."""
        return list(self._spares)

    def _cwd(self, path: str | None) -> str | None:
        return None if path is None else os.path.realpath(self.cwd_for_path(path))

    async def _fill(self) -> None:
        while len(self._spares) < self.spare_kernels:
            try:
                kernel_id = await super().start_kernel(path=self.spare_path, kernel_name=self.spare_kernel_name,
                                                       env=dict(os.environ))  # fmt: skip
                await self._warm(kernel_id)
            except Exception as exc:  # a pool that cannot fill must not take the server down
                self.log.warning("Could not start a warm kernel: %s", exc)
                return
            self._spares.append(kernel_id)

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
