"""Markets: products go to demand nodes, outbound freight is flows × rate × distance, and the
rules cannot be gamed (worked by hand on the tiny instance; see tests/tiny.py).

Set-up used below: lithium need 0 (no mineral freight), product mass 2 t per unit, freight
1 USD/t-km and circuity 1, so a unit delivered over d km costs 2·d USD/yr. Region A is excluded
and B's power price is scaled by 0.8, so B and C have the same unit cost 6.8e5 USD/yr.
"""

from __future__ import annotations

import pytest

import optimizer
import regions
from optimizer.model.markets import market_nodes
from optimizer.model.scenario import Scenario
from regions.errors import DataValidationError
from tests import tiny
from tests.helpers import assert_self_consistent
from tests.test_sound_model import plant

MASS = 2.0


def load(tmp_path, **data_kwargs):
    data = regions.load(tiny.write_data(tmp_path / "data", **data_kwargs))
    tech = optimizer.load_technology(
        tiny.write_tech(tmp_path / "tech", bom_lithium_t_per_unit=0, product_mass_t_per_unit=MASS)
    )
    return data, tech


def even(nodes: list[tuple[str, float]], target: float = 30.0, **sections) -> Scenario:
    """B and C tie on unit cost (A excluded); market nodes ``(region, weight)``."""
    added = [{"cluster_type": "battery", "region_id": r, "weight": w} for r, w in nodes]
    doc = {
        "limits": {"excluded_regions": ["A"]},
        "multipliers": {"power_price_by_region": {"B": 0.8}},
        "markets": {"add": added},
    }
    for key, value in sections.items():
        doc[key] = {**doc.get(key, {}), **value}
    return tiny.scenario(target, **doc)


@pytest.mark.parametrize("node, winner", [("C", "C"), ("B", "B")])
def test_a_market_node_flips_the_choice_between_equal_regions(tmp_path, node, winner):
    data, tech = load(tmp_path)
    inputs = optimizer.inputs_for(even([(node, 1.0)]), data, tech)
    unit = inputs.sites["unit_cost"]
    assert unit[("B", "battery")] == pytest.approx(unit[("C", "battery")]) == pytest.approx(6.8e5)
    result = optimizer.solve(even([(node, 1.0)]), data, tech)
    assert list(result.new_capacity("battery").index) == [winner]
    # built where the market is: no outbound freight at all
    assert result.report.objective == pytest.approx(tiny.FIXED + 30 * 6.8e5, rel=1e-9)
    assert result.kpi("product_freight") == pytest.approx(0.0, abs=1e-6)
    assert_self_consistent(result)


def test_outbound_freight_is_flows_times_rate_times_distance(tmp_path):
    data, tech = load(tmp_path)
    # only C can build; nodes B (weight 1) and C (weight 3) take 7.5 and 22.5 of the 30 units
    scenario = even([("B", 1.0), ("C", 3.0)], limits={"excluded_regions": ["A", "B"]})
    result = optimizer.solve(scenario, data, tech)
    products = result.products.set_index("node_id")
    assert products.loc["battery@B", "units_per_yr"] == pytest.approx(7.5)
    assert products.loc["battery@C", "units_per_yr"] == pytest.approx(22.5)
    d_bc = tiny.distance_km("B", "C")
    assert products.loc["battery@B", "distance_km"] == pytest.approx(d_bc)
    freight = 7.5 * MASS * 1.0 * d_bc
    assert products.loc["battery@B", "freight_cost_usd_per_yr"] == pytest.approx(freight)
    assert result.kpi("product_freight") == pytest.approx(freight)
    assert result.kpi("product_freight", "battery") == pytest.approx(freight)
    site = result.sites.set_index("region_id").loc["C"]
    assert site["cost_product_freight_usd_per_yr"] == pytest.approx(freight)
    assert result.report.objective == pytest.approx(tiny.FIXED + 30 * 6.8e5 + freight, rel=1e-9)
    assert result.kpi("mean_delivery_km", "battery") == pytest.approx(7.5 * d_bc / 30)
    assert_self_consistent(result)


def test_imports_cannot_serve_a_market_while_home_product_idles(tmp_path):
    """Gaming attempt: an operating plant in B covers the whole target; the node sits at the
    import gateway (A), where imported product would arrive with no freight at all. Imports
    may only replace what is not made at home, so B's 30 units travel to A."""
    data, tech = load(tmp_path, facilities=[plant("plant-b", "B", 30)])
    scenario = tiny.scenario(
        30,
        markets={"add": [{"cluster_type": "battery", "region_id": "A", "weight": 1.0}]},
    )
    result = optimizer.solve(scenario, data, tech)
    products = result.products
    assert set(products["origin_kind"]) == {"site"}
    assert products["units_per_yr"].sum() == pytest.approx(30.0)
    freight = 30 * MASS * tiny.distance_km("A", "B")
    assert result.kpi("product_freight") == pytest.approx(freight)
    assert result.report.objective == pytest.approx(freight, rel=1e-9)


def test_a_shortfall_is_imported_through_the_nearest_gateway(tmp_path):
    data, tech = load(tmp_path)
    # nothing may be built: the node in C is served by imports from the port in A
    scenario = tiny.scenario(
        30,
        limits={"excluded_regions": ["A", "B", "C"]},
        markets={"add": [{"cluster_type": "battery", "region_id": "C", "weight": 1.0}]},
    )
    result = optimizer.solve(scenario, data, tech)
    row = result.products.iloc[0]
    assert (row["origin_kind"], row["origin"], row["units_per_yr"]) == ("import", "port-a", 30)
    freight = 30 * MASS * tiny.distance_km("A", "C")
    assert result.kpi("product_freight", "imports") == pytest.approx(freight)
    assert result.report.objective == pytest.approx(30 * tiny.PENALTY + freight, rel=1e-9)
    assert result.kpi("system_cost") == pytest.approx(result.report.objective, rel=1e-9)


def test_markets_off_or_without_nodes_is_the_national_model(tmp_path):
    data, tech = load(tmp_path)
    national = optimizer.solve(tiny.scenario(30), data, tech)
    off = optimizer.solve(
        even([("C", 1.0)], markets={"enabled": False}).replace(
            limits={"excluded_regions": []}, multipliers={"power_price_by_region": {}}
        ),
        data,
        tech,
    )
    assert national.report.objective == pytest.approx(off.report.objective, rel=1e-12)
    assert national.products.empty and off.products.empty


def test_scenario_scale_and_added_nodes_set_the_shares(tmp_path):
    data, tech = load(tmp_path)
    scenario = even(
        [("B", 1.0), ("C", 1.0), ("C", 2.0)], markets={"scale": {"battery": {"B": 3.0}}}
    )
    nodes = market_nodes(data, scenario, tech)
    # B: 1 × 3 = 3; C: 1 + 2 = 3 -> half each
    assert nodes["share"].to_dict() == {"battery@B": 0.5, "battery@C": 0.5}
    assert nodes.at["battery@C", "gateway"] == "port-a"


def test_a_market_in_an_unknown_region_is_a_clear_error(tmp_path):
    data, tech = load(tmp_path)
    scenario = even([("ZZ", 1.0)])
    with pytest.raises(DataValidationError, match="markets.add.*unknown region 'ZZ'"):
        optimizer.solve(scenario, data, tech)


def test_a_market_node_needs_a_weight(tmp_path):
    with pytest.raises(DataValidationError, match=r"markets.add\[0\].weight.*required"):
        tiny.scenario(30, markets={"add": [{"cluster_type": "battery", "region_id": "B"}]})


def test_builtin_markets_cover_every_type_and_sum_to_one():
    data = regions.load()
    tech = optimizer.load_technology()
    nodes = market_nodes(data, optimizer.load_scenario("baseline"), tech)
    shares = nodes.groupby("cluster_type")["share"].sum()
    assert shares.to_dict() == pytest.approx({"battery": 1.0, "magnet": 1.0, "solar": 1.0})
    # one unit per type: battery and magnets in jobs (CBP), solar in MWac (USPVDB)
    assert nodes.groupby("cluster_type")["weight_unit"].unique().map(list).to_dict() == {
        "battery": ["jobs"],
        "magnet": ["jobs"],
        "solar": ["MWac"],
    }
