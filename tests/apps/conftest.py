"""A store whose calls carry custom dimensions, for the app tests of filters and group-bys by dimension.

The two-day sample's ACD export gets four vendor columns, read through a
profile that is ``sample_acd`` plus ``dimensions``:

* ``Region`` -> ``region`` (category; ``N``/``S`` mapped to north/south, and
  ``<i>Ost</i>`` kept as exported, so markup in a value reaches the page);
* ``会员等级`` -> ``member_tier`` (category, Chinese values 金卡 / 银卡 / 普通);
* ``VIP`` -> ``vip`` (flag, 是/否);
* ``Order Value`` -> ``order_value`` (number: not offered as a filter).

Some answered calls lose their queue time, and some their talk, hold and
wrap times, so the KPIs have calls without a wait or a handle time to report.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from apps_browser_support import chromium, prepare_sample_data, require_chromium, serve_apps

#: Every WAIT_STEP-th answered call has no queue time, every HANDLE_STEP-th none of talk/hold/wrap time.
WAIT_STEP, HANDLE_STEP = 40, 55
MARKUP_REGION = "<i>Ost</i>"


def _dimension_export(sample: Path, folder: Path) -> Path:
    import pandas as pd

    calls = pd.read_csv(sample / "exports" / "acd_calls.csv", dtype=str, keep_default_na=False)
    row = pd.Series(range(len(calls)), index=calls.index)
    calls["Region"] = ["N", "S", "N", MARKUP_REGION, "S"] * (len(calls) // 5) + ["N"] * (len(calls) % 5)
    calls["会员等级"] = row.map(lambda n: ("金卡", "银卡", "普通", "普通")[(n // 3) % 4])
    calls["VIP"] = row.map(lambda n: "是" if n % 7 == 0 else "否")
    calls["Order Value"] = row.map(lambda n: f"{(n * 37) % 500}.5")
    answered = calls["Disposition"].isin(["ANSWERED", "XFER"])
    numbered = answered.cumsum()
    calls.loc[answered & (numbered % WAIT_STEP == 0), "Queue Time"] = ""
    calls.loc[answered & (numbered % HANDLE_STEP == 1), ["Talk Time", "Hold Time", "Wrap Time"]] = ""
    path = folder / "acd_calls_dimensions.csv"
    calls.to_csv(path, index=False, encoding="utf-8")
    return path


def _dimension_profile(folder: Path) -> Path:
    import yaml

    from workbench import paths

    profile = yaml.safe_load((paths.root_dir() / "parameters" / "ingest" / "sample_acd.yaml").read_text("utf-8"))
    profile["description"] = "sample ACD export with region, member tier, VIP and order value"
    profile["dimensions"] = {
        "region": {"column": "Region", "values": {"N": "north", "S": "south"}, "description": "sales region"},
        "member_tier": {"column": "会员等级", "description": "会员等级 (member tier)"},
        "vip": {"column": "VIP", "type": "flag", "description": "VIP customer"},
        "order_value": {"column": "Order Value", "type": "number", "description": "order value, CNY"},
    }
    path = folder / "sample_acd_dimensions.yaml"
    path.write_text(yaml.safe_dump(profile, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def build_dimension_store(sample: Path, folder: Path) -> Path:
    """``folder/warehouse.duckdb``: the sample's calls with custom dimensions, its surveys and agent states."""
    from sample_centre import ingest_sample

    from workbench.ingest import ingest_files

    folder.mkdir(parents=True, exist_ok=True)
    store = folder / "warehouse.duckdb"
    summary = ingest_files([_dimension_export(sample, folder)], _dimension_profile(folder), store_path=store,
                           rejects_dir=folder / "rejects")
    assert (summary["status"] == "succeeded").all(), summary.to_dict("records")  # the sample's few bad rows are rejected
    return ingest_sample(sample, store, exports=(("surveys.csv", "sample_surveys"),
                                                 ("agent_states.csv", "sample_agent_states")))


@pytest.fixture(scope="session")
def dimension_store(generated_centre: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The two-day sample with custom dimensions on its calls (see the module docstring). Read only."""
    return build_dimension_store(generated_centre, tmp_path_factory.mktemp("dimension_store"))


# The browser test modules' server and browser: one of each per module (their tests share a page's server).
@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Per browser test module: `workbench serve` on a free port against a freshly built two-day store, a topic run and satisfaction tables."""
    try:
        require_chromium()
    except RuntimeError as exc:
        pytest.fail(str(exc))
    folder = tmp_path_factory.mktemp("served")
    store, outputs = prepare_sample_data(folder)
    with serve_apps(folder, store, outputs) as served:
        yield served


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


@pytest.fixture()
def outputs(tmp_path, monkeypatch) -> Path:
    """Run folders of the test go under its own temporary directory."""
    monkeypatch.setenv("WORKBENCH_OUTPUTS_DIR", str(tmp_path / "outputs"))
    return tmp_path / "outputs"


@pytest.fixture()
def english_after():
    """Building an app sets the process's interface language; put English back after the test."""
    from workbench import i18n

    with i18n.using_language("en"):
        yield
