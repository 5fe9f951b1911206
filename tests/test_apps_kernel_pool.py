"""The warm kernel pool behind `workbench serve`, with real kernels (no server, no browser)."""

from __future__ import annotations

import asyncio

import pytest

from workbench.apps.kernel_pool import WarmKernelPool
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
