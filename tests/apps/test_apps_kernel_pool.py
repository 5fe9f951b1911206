"""The warm kernel pool behind `workbench serve`, with real kernels (no server, no browser)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from workbench.apps.kernel_pool import KernelCapReached, WarmKernelPool
from workbench.apps.serve import apps_dir

pytestmark = pytest.mark.slow


async def _run(code: str, pool: WarmKernelPool, kernel_id: str) -> str:
    client = pool.get_kernel(kernel_id).client()
    client.start_channels()
    printed: list[str] = []
    try:
        await client.wait_for_ready(timeout=60)
        await client.execute_interactive(
            code, timeout=60,
            output_hook=lambda msg: printed.append(msg["content"].get("text", "")) if msg["msg_type"] == "stream" else None)
    finally:
        client.stop_channels()
    return "".join(printed).strip()


async def _exercise() -> dict[str, object]:
    pool = WarmKernelPool(root_dir=str(apps_dir()), spare_kernels=1)
    try:
        while not pool.spare_kernel_ids:  # the constructor schedules the first fill
            await asyncio.sleep(0.2)
        await pool._filling  # started and warmed
        spare = pool.spare_kernel_ids[0]
        warmed = await _run("import sys; print('workbench.apps' in sys.modules, 'altair' in sys.modules)", pool, spare)
        handed = await pool.start_kernel(path="", kernel_name="python3")
        refilling = pool._filling
        other_folder = await pool.start_kernel(path="..", kernel_name="python3")  # not the spares' folder
        await refilling
        pool.cull_idle_timeout = 1  # seconds; neither kernel has a page connected
        await asyncio.sleep(1.5)
        await pool.cull_kernel_if_idle(pool.spare_kernel_ids[0])
        await pool.cull_kernel_if_idle(other_folder)
        culled = {"spare": pool.spare_kernel_ids[0] not in pool, "other": other_folder not in pool}
        result = {
            "warmed": warmed, "spare": spare, "handed": handed, "handed_out": pool.spares_handed_out,
            "other_folder": other_folder, "refilled": pool.spare_kernel_ids, "kernels": set(pool.list_kernel_ids()), "culled": culled,
        }
    finally:
        await pool.shutdown_all()
    result["left_running"] = pool.list_kernel_ids()
    return result


def test_a_visit_gets_the_warm_spare_and_the_pool_refills_with_a_new_kernel():
    result = asyncio.run(_exercise())
    assert result["warmed"] == "True True", "the spare has the apps imported before any visit"
    assert result["handed"] == result["spare"] and result["handed_out"] == 1
    assert result["other_folder"] != result["spare"] and result["other_folder"] not in result["refilled"]
    assert len(result["refilled"]) == 1 and result["refilled"][0] != result["spare"], "a spare serves one visit"
    assert result["kernels"] == {result["spare"], *result["refilled"]}, "the idle visit kernel was culled"
    assert result["culled"] == {"spare": False, "other": True}, "culling never takes a spare"
    assert result["left_running"] == []


async def _caps_and_unconnected_culling() -> dict[str, object]:
    pool = WarmKernelPool(root_dir=str(apps_dir()), spare_kernels=1, max_kernels=1, connect_timeout=0.5)
    try:
        while not pool.spare_kernel_ids:
            await asyncio.sleep(0.2)
        await pool._filling
        spare = pool.spare_kernel_ids[0]
        await asyncio.sleep(1)  # the spare's last activity, its warm-up, is now older than connect_timeout
        spare_culled = await pool.cull_unconnected()
        handed = await pool.start_kernel(path="", kernel_name="python3")
        culled_at_hand_out = await pool.cull_unconnected()
        try:
            await pool.start_kernel(path="", kernel_name="python3")
            refused = None
        except KernelCapReached as exc:
            refused = (exc.status_code, exc.per_client)
        await pool._filling  # the refill, which the cap does not count
        for _ in range(600):  # polled: the pool's own periodic check culls it once idle for connect_timeout
            if handed not in pool:
                break
            await asyncio.sleep(0.1)
        culled = handed not in pool
        after_cull = await pool.start_kernel(path="", kernel_name="python3")
        result = {"spare": spare, "spare_culled": spare_culled, "handed": handed, "culled_at_hand_out": culled_at_hand_out,
                  "refused": refused, "culled": culled, "after_cull": after_cull, "visits": pool.visit_kernel_ids}
    finally:
        await pool.shutdown_all()
    result["left_running"] = pool.list_kernel_ids()
    result["connection_dir"] = pool.connection_dir
    return result


def test_the_cap_refuses_a_visit_and_a_kernel_no_page_connects_to_is_culled_but_not_at_hand_out():
    result = asyncio.run(_caps_and_unconnected_culling())
    assert result["spare_culled"] == [], "a spare waits for its visit, however long"
    assert result["handed"] == result["spare"]
    assert result["culled_at_hand_out"] == [], "a spare's old warm-up activity does not count against its visit"
    assert result["refused"] == (503, False), "max_kernels=1: the second visit is refused although a spare waits"
    assert result["culled"], "no page ever connected to the visit's kernel"
    assert result["visits"] == [result["after_cull"]], "the culled visit's slot serves the next one"
    # The refill started by the last visit is shut down too, not left running past the pool.
    assert result["left_running"] == []
    assert result["connection_dir"] and os.path.realpath(result["connection_dir"]) != os.getcwd()
    assert not list(Path.cwd().glob("kernel-*.json")), "connection files belong in the runtime folder"


def test_a_kernel_still_starting_counts_once_against_the_cap(monkeypatch):
    """Jupyter Server lists a kernel before its start returns (it waits for the kernel to be ready):
    neither a spare being started nor a visit's own kernel may count twice or as a page meanwhile."""
    import uuid

    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

    async def exercise() -> tuple[list[str], set[str]]:
        release = asyncio.Event()

        async def listed_before_ready(self, *, kernel_id=None, path=None, **kwargs):
            kernel_id = kernel_id or str(uuid.uuid4())
            self._kernels[kernel_id] = object()  # listed now, as Jupyter Server does, ready later
            await release.wait()
            return kernel_id

        monkeypatch.setattr(AsyncMappingKernelManager, "start_kernel", listed_before_ready)
        pool = WarmKernelPool(root_dir=str(apps_dir()), spare_kernels=1, max_kernels=2)
        await asyncio.sleep(0.05)  # the constructor's top-up: a spare is being started
        first = asyncio.ensure_future(pool.start_kernel(path="..", kernel_name="python3"))
        await asyncio.sleep(0.05)  # the first visit's kernel is listed, not yet ready
        second = asyncio.ensure_future(pool.start_kernel(path="..", kernel_name="python3"))
        await asyncio.sleep(0.05)
        release.set()
        visits = await asyncio.gather(first, second)
        filling = pool._filling
        if filling is not None:
            await asyncio.gather(filling, return_exceptions=True)  # the fake spare cannot warm: dropped
        return visits, set(pool.list_kernel_ids())

    visits, listed = asyncio.run(exercise())
    assert len(set(visits)) == 2 and set(visits) <= listed
