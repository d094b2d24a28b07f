"""Markets in the phased model, worked by hand on the tiny instance (tests/tiny.py): each
period's demand goes to the market nodes, with outbound freight and node-level imports, as in
the snapshot (tests/test_markets.py)."""

from __future__ import annotations

import pytest

import optimizer
import regions
from optimizer.phased.api import solve_phased
from optimizer.phased.groups import clashes, merge, solve_groups
from optimizer.phased.inputs import phased_inputs
from optimizer.phased.model import type_groups
from optimizer.phased.solve import HighsOptions
from tests import tiny
from tests.test_phased import F2030
from tests.test_sound_model import plant

MASS = 1000.0
"""Product mass [t per unit]: with freight 1 USD/t-km and circuity 1, a unit delivered over
d km costs 1000·d USD/yr."""
NODE_C = {"add": [{"cluster_type": "battery", "region_id": "C", "weight": 1.0}]}


def load(tmp_path, **data_kwargs):
    data = regions.load(tiny.write_data(tmp_path / "data", **data_kwargs))
    tech = optimizer.load_technology(
        tiny.write_tech(tmp_path / "tech", product_mass_t_per_unit=MASS)
    )
    return data, tech


def two_periods(**sections):
    return tiny.scenario(
        30,
        periods={"years": [2028, 2030], "discount_rate": 0.02, "discount_rate_source": "test"},
        **sections,
    )


def test_a_market_node_pulls_the_plant_to_it_and_imports_pay_freight(tmp_path):
    """A is the cheapest site (6.5e5 + lithium 1e4 at the gateway), C dearer (6.8e5 + 1e4 +
    the lithium's freight from A) but it holds the only market: a unit made in A pays
    1000·d(A, C) ≈ 3.4e5 to get there. With the node, C wins; nothing produces in 2028 (6 + 24
    months from 1 July 2026 end on 1 January 2029), so the node imports its 30 units through the
    gateway in A, paying the import price and the freight from the port."""
    data, tech = load(tmp_path)
    d_ac = tiny.distance_km("A", "C")
    without = solve_phased(two_periods(markets={"enabled": False}), data, tech)
    assert set(without.schedule["region_id"]) == {"A"}
    result = solve_phased(two_periods(markets=NODE_C), data, tech)
    assert set(result.schedule["region_id"]) == {"C"}
    cost_c = 6.8e5 + 1e4 + d_ac  # unit cost + lithium shipped from the gateway in A
    expected = 30 * (1e6 + MASS * d_ac) + F2030 * (tiny.FIXED + 30 * cost_c)
    assert result.report.objective == pytest.approx(expected, rel=1e-9)
    deliveries = result.deliveries.set_index(["year", "origin"])
    assert deliveries.at[(2028, "import"), "amount"] == pytest.approx(30.0)
    assert deliveries.at[(2028, "import"), "freight_usd"] == pytest.approx(30 * MASS * d_ac)
    assert deliveries.at[(2030, "C"), "amount"] == pytest.approx(30.0)
    assert deliveries.at[(2030, "C"), "freight_usd"] == pytest.approx(0.0)
    costs = result.costs.set_index("year")["product_freight_usd"]
    assert costs.to_dict() == pytest.approx({2028: 30 * MASS * d_ac, 2030: 0.0})
    # one period is the snapshot, markets and all
    one = two_periods(markets=NODE_C).replace(periods={"years": [2030]})
    snapshot = optimizer.solve(tiny.scenario(30, markets=NODE_C), data, tech)
    assert solve_phased(one, data, tech).report.objective == pytest.approx(
        snapshot.report.objective, rel=1e-9
    )
    assert list(snapshot.new_capacity("battery").index) == ["C"]


def test_home_product_is_delivered_before_anything_is_imported(tmp_path):
    """Gaming attempt (as in the snapshot): an operating plant in B covers the target and the
    node sits at the gateway (A), where imports arrive without freight. The product made at
    home travels to A (1000·d(A, B) per unit); nothing is imported, nothing new is built."""
    data, tech = load(tmp_path, facilities=[plant("plant-b", "B", 30)])
    node_a = {"add": [{"cluster_type": "battery", "region_id": "A", "weight": 1.0}]}
    result = solve_phased(two_periods(markets=node_a), data, tech)
    assert result.schedule.empty
    assert result.by_period["imports"].abs().max() == pytest.approx(0.0, abs=1e-9)
    freight = 30 * MASS * tiny.distance_km("A", "B")
    assert result.costs["product_freight_usd"].to_list() == pytest.approx([freight, freight])
    lithium = 30 * (1e4 + tiny.distance_km("A", "B"))  # the plant's lithium, from the port in A
    assert result.report.objective == pytest.approx((1 + F2030) * (freight + lithium), rel=1e-9)


def test_delivery_columns_only_from_sites_that_can_produce(tmp_path):
    """In 2028 no site can produce yet (the earliest comes online on 1 January 2029) and no
    plant exists: the 2028 node is served by imports alone, with no delivery column at all;
    in 2030 every site may deliver."""
    from optimizer.phased.model import build_phased_model

    data, tech = load(tmp_path)
    inputs = phased_inputs(data, two_periods(markets=NODE_C), tech)
    model = build_phased_model(inputs, ("battery",))
    periods = {t for (_r, _k, _j, t) in model.deliver}
    assert periods == {1}
    assert {r for (r, _k, _j, t) in model.deliver} == {"A", "B", "C"}
    assert set(model.imported) == {("battery@C", 0), ("battery@C", 1)}


def test_groups_solved_apart_give_the_joint_optimum(tmp_path):
    """Battery and solar share each region's labor pool (200 jobs = 20 units). Started apart,
    each group alone would fill the cheapest region's pool; together they overfill it, so the
    groups merge, and the answer is the joint model's."""
    data, tech = tiny.load(tmp_path)
    solar = {"value": 20, "unit": "GW/yr", "source": "test"}
    scenario = tiny.scenario(
        20,
        limits={"labor_share_cap": 0.002},
        periods={"years": [2030], "discount_rate": 0.02, "discount_rate_source": "test"},
    ).replace(targets={"solar": solar})
    inputs = phased_inputs(data, scenario, tech)
    options = HighsOptions(mip_gap=1e-9)
    apart, _ = solve_groups(inputs, options, groups=[("battery",), ("solar",)])
    joint, _ = solve_groups(inputs, options, groups=type_groups(inputs))
    assert [s.model.types for s in apart] == [("battery", "solar")]  # merged on the clash
    assert sum(s.objective for s in apart) == pytest.approx(
        sum(s.objective for s in joint), rel=1e-9
    )
    assert merge([("battery",), ("magnet",), ("solar",)], [{"battery", "solar"}]) == [
        ("battery", "solar"),
        ("magnet",),
    ]
    assert clashes(inputs, joint) == []
