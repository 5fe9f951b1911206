"""The operations app opened with a custom-dimension filter and breakdown in its URL, in Debian's Chromium.

`workbench serve` reads :func:`conftest.dimension_store` (calls with region,
member tier, VIP and order value); the expected numbers are counted in the
store itself. Serving and the browser come from tests/apps_browser_support.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest

from apps_browser_support import APPS, Visit, chromium, require_chromium, serve_apps, tile_selector
from workbench.store import Store

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def offered_calls(store_path: Path, where: str = "TRUE") -> int:
    with Store(store_path, read_only=True) as store:
        return int(store.query(f"SELECT count(*) AS n FROM calls WHERE outcome <> 'phantom' AND {where}")["n"].iloc[0])


def test_operations_app_filtered_and_broken_down_by_dimensions_from_the_url(dimension_store, tmp_path_factory):
    try:
        require_chromium()
    except RuntimeError as exc:
        pytest.fail(str(exc))
    south = offered_calls(dimension_store, "dim_region = 'south'")
    everything = offered_calls(dimension_store)
    folder = tmp_path_factory.mktemp("served_dimensions")
    query = f"?dimension_filter={quote(json.dumps({'region': 'south'}))}&group_by=member_tier"
    with serve_apps(folder, dimension_store, folder / "outputs") as server, chromium() as browser:
        visit = Visit(browser, server.base)
        seconds = visit.open(APPS["operations"].path + query,
                             ready=(".wb-tiles .wb-tile", ".wb-heatmap svg", ".wb-breakdown table"))
        print(f"operations first render with a dimension filter and breakdown {seconds:.1f} s")
        page = visit.page
        assert visit.notices() == []
        assert int(visit.tile("offered").replace(",", "")) == south, "the tiles show the region's calls only"
        chosen = page.eval_on_selector(".wb-dimension-region select", "s => s.options[s.selectedIndex].text")
        assert chosen == "south"
        regions = page.eval_on_selector(".wb-dimension-region select", "s => [...s.options].map(o => o.text)")
        assert "<i>Ost</i>" in regions and page.locator(".wb-dimensions i").count() == 0, "a value's markup is text"
        breakdown = visit.content(".wb-breakdown")
        assert "KPIs by member tier" in breakdown and "(region south)" in breakdown
        assert all(tier in breakdown for tier in ("金卡", "银卡", "普通"))
        assert "ASA over" in visit.content(".wb-populations") and "answered calls with a known wait" in visit.content(".wb-populations")
        assert page.locator(".wb-heatmap svg").count() == 1 and page.locator(".wb-trend svg").count() == 1
        visit.check_clean(APPS["operations"].notebook)
        visit.screenshot("operations_dimensions")

        change = visit.timed_change(tile_selector("offered"),
                                    lambda: page.select_option(".wb-dimension-region select", label="all"))
        print(f"operations dimension change shown after {change.seconds:.2f} s")
        assert int(change.after.replace(",", "")) == everything
        visit.check_clean(APPS["operations"].notebook)
        visit.close()
