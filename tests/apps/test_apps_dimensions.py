"""The apps' filters and breakdowns by the store's custom dimensions, and the populations the KPIs state.

Built on :func:`conftest.dimension_store`: the two-day sample whose calls carry
``region`` (with a value holding markup), ``member_tier`` (Chinese values),
``vip`` (a flag) and ``order_value`` (a number), and some calls without a wait
or a handle time. Expected numbers are counted straight from the store's
calls table, not through the KPI code.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from workbench.apps import OperationsApp, SatisfactionApp
from workbench.apps.operations import population_sentences
from workbench.apps.serve import query_parameters, validated_url_parameters
from workbench.params import OperationsAppParameters, SatisfactionAppParameters
from workbench.store import Store

MARKUP = "<i>Ost</i>"


def operations(store_path: Path, **values) -> OperationsApp:
    return OperationsApp(OperationsAppParameters(store_path=str(store_path), **values))


def count(store_path: Path, where: str = "TRUE") -> int:
    """Offered (non-phantom) calls matching ``where``, counted in the store itself."""
    with Store(store_path, read_only=True) as store:
        return int(store.query(f"SELECT count(*) AS n FROM calls WHERE outcome <> 'phantom' AND {where}")["n"].iloc[0])


def offered(app: OperationsApp) -> int:
    return int(app.tables["total"]["offered"].iloc[0])


@pytest.fixture(scope="module")
def plain_store(centre_app_store, tmp_path_factory) -> Path:
    from sample_centre import copy_store

    return copy_store(centre_app_store, tmp_path_factory.mktemp("plain"))


# --------------------------------------------------------------------------- operations: filters


def test_operations_offers_the_category_and_flag_dimensions_with_their_values(dimension_store):
    app = operations(dimension_store)
    assert app.notices == []
    assert list(app.dimension_pickers) == ["member_tier", "region", "vip"]  # order_value is a number: not offered
    labels = {name: [label for label, _ in picker.options] for name, picker in app.dimension_pickers.items()}
    assert labels["region"][0] == "all" and set(labels["region"][1:]) == {"north", "south", MARKUP}
    assert set(labels["member_tier"][1:]) == {"金卡", "银卡", "普通"}
    assert labels["vip"][1:] == ["no", "yes"]  # most frequent first; a flag reads yes/no
    assert [label for label, _ in app.group_by.options] == ["none", "member tier", "region", "vip"]
    assert app.dimension_filter == {} and app.tables["total"]["offered"].iloc[0] == count(dimension_store)


def test_operations_dimension_filter_recomputes_every_figure_for_the_slice(dimension_store):
    app = operations(dimension_store)
    everything = offered(app)
    app.measure.value = "offered"
    app.dimension_filter = {"region": "south"}
    south = count(dimension_store, "dim_region = 'south'")
    assert offered(app) == south and 0 < south < everything
    assert app.tables["daily"]["offered"].sum() == south and app.tables["intervals"]["offered"].sum() == south
    heatmap_rows = app.heatmap.spec["datasets"][app.heatmap.spec["data"]["name"]]
    assert sum(row["offered"] for row in heatmap_rows) == south, "the heatmap draws the slice"
    app.dimension_pickers["vip"].value = [i for label, i in app.dimension_pickers["vip"].options if label == "yes"][0]
    assert app.dimension_filter == {"region": ["south"], "vip": ["true"]}
    assert offered(app) == count(dimension_store, "dim_region = 'south' AND dim_vip")
    app.queues = ["billing"]  # the queue filter and the dimension filter both apply
    assert offered(app) == count(dimension_store, "dim_region = 'south' AND dim_vip AND queue_id LIKE 'billing%'")
    app.dimension_filter = {}
    app.queues = ["all"]
    assert offered(app) == everything


def test_operations_dimension_filter_from_the_parameters(dimension_store):
    app = operations(dimension_store, dimension_filter={"member_tier": "金卡", "vip": "是"})
    assert app.notices == [] and app.dimension_filter == {"member_tier": ["金卡"], "vip": ["true"]}
    assert offered(app) == count(dimension_store, "dim_member_tier = '金卡' AND dim_vip")
    several = operations(dimension_store, dimension_filter={"region": ["north", "south"]})
    assert several.dimension_pickers["region"].label == "north + south"
    assert offered(several) == count(dimension_store, "dim_region IN ('north', 'south')")
    assert "region north + south" in several.dimension_filter_label()


def test_operations_values_and_dimensions_the_store_lacks_are_notices(dimension_store):
    everything = count(dimension_store)
    app = operations(dimension_store, dimension_filter={"region": ["<script>alert(1)</script>", "north"],
                                                        "brand": "x"}, group_by="order_value")
    assert app.dimension_filter == {"region": ["north"]} and offered(app) == count(dimension_store, "dim_region = 'north'")
    notices = " ".join(app.notices)
    assert "'brand': not a dimension" in notices and "known: member_tier, region, vip" in notices
    assert "'<script>alert(1)</script>': not in the store" in notices and "showing north" in notices
    assert "'order_value': not a dimension" in notices and app.group_by.value == ""
    assert "<script>" not in app.notice.value and "&lt;script&gt;alert(1)&lt;/script&gt;" in app.notice.value
    injected = operations(dimension_store, dimension_filter={"region": "north' OR '1'='1"})
    assert injected.dimension_filter == {} and offered(injected) == everything
    assert any("not in the store" in n for n in injected.notices)
    assert count(dimension_store) == everything


def test_operations_without_dimensions_shows_no_dimension_controls(plain_store):
    app = operations(plain_store)
    assert app.notices == [] and app.dimension_pickers == {} and list(app.group_by.options) == [("none", "")]
    asked = operations(plain_store, dimension_filter={"region": "north"}, group_by="region")
    assert offered(asked) == offered(app)
    assert any("'region': not a dimension" in n and "none loaded" in n for n in asked.notices), asked.notices


# --------------------------------------------------------------------------- operations: breakdown


def test_operations_breakdown_lists_every_value_with_the_filters_applied(dimension_store):
    app = operations(dimension_store, group_by="region")
    breakdown = app.tables["breakdown"]
    assert set(breakdown["region"]) == {"north", "south", MARKUP}
    assert breakdown["offered"].sum() == offered(app)
    for value in ("north", "south"):
        assert breakdown.set_index("region").loc[value, "offered"] == count(dimension_store, f"dim_region = '{value}'")
    assert "KPIs by region" in app.breakdown.value and "&lt;i&gt;Ost&lt;/i&gt;" in app.breakdown.value
    assert MARKUP not in app.breakdown.value, "markup in a dimension value is shown as text"
    app.group_by.value = "member_tier"
    app.dimension_filter = {"region": MARKUP}
    breakdown = app.tables["breakdown"]
    assert set(breakdown["member_tier"]) == {"金卡", "银卡", "普通"}
    assert breakdown["offered"].sum() == count(dimension_store, f"dim_region = '{MARKUP}'")
    assert "region &lt;i&gt;Ost&lt;/i&gt;" in app.breakdown.value and MARKUP not in app.breakdown.value
    assert "金卡" in app.breakdown.value
    app.group_by.value = ""
    assert app.breakdown.value == "" and "breakdown" not in app.tables


def test_operations_calls_list_is_narrowed_by_the_dimension_filter_like_the_numbers(dimension_store):
    app = operations(dimension_store, dimension_filter={"region": "south"})
    start, end = pd.Timestamp("2000-01-01"), pd.Timestamp("2100-01-01")
    listed = app.calls_behind("offered", start, end)
    # The list explains the filtered number: as many calls as the offered tile, all of them from the south.
    assert len(listed) == offered(app) == count(dimension_store, "dim_region = 'south'")
    everyone = operations(dimension_store).calls_behind("offered", start, end)
    assert len(everyone) > len(listed)
    app.tables["calls"] = listed
    [(_, html)] = app._output_tables() if app.day.value is not None else [(None, "region south")]
    assert "region south" in html


# --------------------------------------------------------------------------- operations: populations


def test_operations_states_the_calls_without_a_wait_or_a_handle_time(dimension_store):
    with Store(dimension_store, read_only=True) as store:
        found = store.query(
            "SELECT count(*) FILTER (WHERE wait_seconds IS NULL) AS no_wait, "
            "count(*) FILTER (WHERE wait_seconds IS NOT NULL) AS with_wait, "
            "count(*) FILTER (WHERE COALESCE(talk_seconds, hold_seconds, wrap_seconds) IS NULL) AS no_handle "
            "FROM calls WHERE outcome IN ('answered', 'transferred')").iloc[0]
    assert found["no_wait"] > 0 and found["no_handle"] > 0
    app = operations(dimension_store)
    text = app.populations.value
    assert (f"ASA over {found['with_wait']:,d} answered calls with a known wait; {found['no_wait']:,d} had none "
            "recorded") in text
    assert f"{found['no_handle']:,d} had none recorded." in text and "AHT over" in text
    asa_tile = app.tiles.value.split("data-kpi='asa_seconds'")[1].split(">")[0]
    assert f"title='over {found['with_wait']:,d} answered calls with a known wait'" in asa_tile


def test_operations_states_no_population_when_every_call_has_its_measures(plain_store):
    app = operations(plain_store)
    assert app.tables["total"]["wait_unknown"].iloc[0] == 0 and app.populations.value == ""


def test_population_sentences_in_plain_words():
    row = pd.Series({"offered": 6000, "answered": 5432, "short_abandoned": 40, "service_level_calls": 5648,
                     "wait_unknown": 320, "handle_unknown": 1})
    first, second, third = population_sentences(row)
    assert first.startswith("ASA over 5,120 answered calls with a known wait; 312 had none recorded")
    assert "it is over 5,648 calls" in first
    assert second.startswith("8 unanswered calls had no wait recorded")
    assert third == "AHT over 5,431 answered calls with a known handle time; 1 had none recorded."
    complete = pd.Series({**row, "wait_unknown": 0, "handle_unknown": 0, "service_level_calls": 5960})
    assert population_sentences(complete) == []


# --------------------------------------------------------------------------- satisfaction


def test_satisfaction_shows_csat_by_member_tier(dimension_store, outputs):
    from sample_centre import write_sample_satisfaction_run

    write_sample_satisfaction_run(outputs)
    app = SatisfactionApp(SatisfactionAppParameters(store_path=str(dimension_store), group_by="member_tier"))
    assert app.notices == []
    by_tier = app.tables["csat_by"]
    with Store(dimension_store, read_only=True) as store:
        expected = store.query(
            "SELECT c.dim_member_tier AS member_tier, count(*) AS responses, avg(s.csat) AS csat_mean "
            "FROM surveys s JOIN calls c USING (call_id) WHERE c.outcome IN ('answered', 'transferred') "
            "GROUP BY 1").set_index("member_tier")
    assert set(by_tier["member_tier"]) == set(expected.index) == {"金卡", "银卡", "普通"}
    for row in by_tier.itertuples():
        assert row.csat_responses == expected.loc[row.member_tier, "responses"]
        assert row.csat_mean == pytest.approx(expected.loc[row.member_tier, "csat_mean"])
    assert "CSAT by member tier" in app.csat_by_table.value and "金卡" in app.csat_by_table.value
    app.csat_by.value = "region"
    assert set(app.tables["csat_by"]["region"]) == {"north", "south", MARKUP}
    assert "&lt;i&gt;Ost&lt;/i&gt;" in app.csat_by_table.value and MARKUP not in app.csat_by_table.value
    app.csat_by.value = ""
    assert app.csat_by_table.value == "" and "csat_by" not in app.tables


def test_satisfaction_group_by_the_store_lacks_is_a_notice(plain_store, outputs):
    app = SatisfactionApp(SatisfactionAppParameters(store_path=str(plain_store), group_by="member_tier"))
    assert any("CSAT by 'member_tier': not a dimension" in n for n in app.notices), app.notices
    assert list(app.csat_by.options) == [("none", "")] and app.csat_by_table.value == ""


# --------------------------------------------------------------------------- URL parameters


def test_url_dimension_parameters_are_validated():
    values, notices = query_parameters(
        {"dimension_filter": ['{"region": "north", "vip": true}'.encode()], "group_by": [b"member_tier"]},
        OperationsAppParameters)
    kept, more = validated_url_parameters("operations", values)
    assert notices == more == []
    assert kept == {"dimension_filter": {"region": ["north"], "vip": ["true"]}, "group_by": "member_tier"}
    kept, _ = validated_url_parameters("satisfaction", {"group_by": "member_tier"})
    assert kept == {"group_by": "member_tier"}


@pytest.mark.parametrize("name, raw", [
    ("dimension_filter", b'{"region\'; DROP TABLE calls; --": "north"}'),
    ("dimension_filter", b'{"Region": "north"}'),
    ("dimension_filter", b'{"queue": "billing"}'),
    ("dimension_filter", b'{"region": []}'),
    ("dimension_filter", b"region=north"),
    ("group_by", b"member_tier; DROP TABLE calls"),
    ("group_by", b"<script>alert(1)</script>"),
    ("group_by", b"day"),
])
def test_hostile_url_dimension_parameters_are_refused(name, raw):
    values, _ = query_parameters({name: [raw]}, OperationsAppParameters)
    kept, notices = validated_url_parameters("operations", values)
    assert kept == {} and len(notices) == 1 and f"URL parameter '{name}'" in notices[0] and "default is used" in notices[0]


# --------------------------------------------------------------------------- the make demo store


def test_apps_on_the_store_make_demo_loads(centre_dimensions_store, generated_centre, outputs):
    """The demo's dimensions are offered, a breakdown covers every call, and CSAT by tier is the sample's truth."""
    app = operations(centre_dimensions_store, group_by="region")
    assert app.notices == [] and list(app.dimension_pickers) == ["brand", "channel", "member_tier", "region", "vip"]
    breakdown = app.tables["breakdown"]
    # Callers who withheld their number carry no customer fields: their calls form the unknown group.
    assert set(breakdown["region"].dropna()) == {"north", "south", "east", "west"}
    assert breakdown["region"].isna().sum() == 1 and breakdown["offered"].sum() == offered(app)
    app.dimension_filter = {"member_tier": "platinum"}
    assert offered(app) == count(centre_dimensions_store, "dim_member_tier = 'platinum'") < breakdown["offered"].sum()
    truth = pd.read_csv(generated_centre / "truth" / "dimension_effects.csv")
    truth = truth[truth["dimension"] == "member_tier"].set_index("value")
    satisfaction = SatisfactionApp(SatisfactionAppParameters(store_path=str(centre_dimensions_store),
                                                             group_by="member_tier"))
    by_tier = satisfaction.tables["csat_by"].set_index("member_tier")
    # The truth names the withheld callers' group "(unknown)"; the store keeps their tier unknown (NULL).
    by_tier.index = by_tier.index.fillna("(unknown)")
    assert set(by_tier.index) == set(truth.index) == {"standard", "silver", "gold", "platinum", "(unknown)"}
    for tier, row in by_tier.iterrows():  # a few defective export rows are rejected, so not to the last response
        assert row["csat_responses"] == pytest.approx(truth.loc[tier, "csat_responses"], rel=0.02), tier
        assert row["csat_mean"] == pytest.approx(truth.loc[tier, "csat_mean"], abs=0.02), tier
    assert by_tier.loc["platinum", "csat_mean"] > by_tier.loc["standard", "csat_mean"]
