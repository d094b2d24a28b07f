"""The MILP on the tiny instance (tests/tiny.py), with optima worked out by hand."""

from __future__ import annotations

import pandas as pd
import pytest

import optimizer
from optimizer import SolveStatus
from tests import tiny


@pytest.fixture
def inst(tmp_path):
    return tiny.load(tmp_path)


def site_capacity(result) -> dict[str, float]:
    return {
        row.region_id: round(row.new_capacity, 6)
        for row in result.new_capacity("battery").reset_index().itertuples()
    }


def test_cheapest_region_wins(inst):
    data, tech = inst
    result = optimizer.solve(tiny.scenario(30), data, tech)
    assert result.report.status is SolveStatus.OPTIMAL
    assert site_capacity(result) == {"A": 30.0}
    # fixed 1e6 + 30 x 6.5e5 + 30 t x 1e4 USD/t (the gateway sits in A: no freight)
    assert result.report.objective == pytest.approx(1e6 + 30 * 6.5e5 + 30 * 1e4, rel=1e-9)
    site = result.sites.iloc[0]
    assert site["cost_energy_usd_per_yr"] == pytest.approx(30 * 1000 * 50)
    assert site["cost_labor_usd_per_yr"] == pytest.approx(30 * 10 * 50_000)
    assert site["cost_capex_usd_per_yr"] == pytest.approx(30 * 1e6 / 10)
    assert site["jobs"] == pytest.approx(300)
    assert result.kpi("total_annual_cost") == pytest.approx(result.report.objective)
    assert result.kpi("levelized_cost", "battery") == pytest.approx(result.report.objective / 30)


def test_fixed_cost_versus_scale(inst):
    data, tech = inst
    # 70 > max scale 50: A at 50, the rest in C (6.8e5 < B 7.0e5), two fixed costs, C pays freight
    result = optimizer.solve(tiny.scenario(70), data, tech)
    assert site_capacity(result) == {"A": 50.0, "C": 20.0}
    expected = 2 * tiny.FIXED + 50 * 6.5e5 + 20 * 6.8e5 + 70 * 1e4 + 20 * tiny.distance_km("A", "C")
    assert result.report.objective == pytest.approx(expected, rel=1e-9)


def test_minimum_scale_forces_a_split(inst):
    data, tech = inst
    # 55: A 50 + C 5 breaks C's minimum scale of 10, so A 45 + C 10
    result = optimizer.solve(tiny.scenario(55), data, tech)
    assert site_capacity(result) == {"A": 45.0, "C": 10.0}


def test_labor_cap_binds(inst):
    data, tech = inst
    # cap 0.002 x 100,000 jobs = 200 jobs = 20 units per region: A 20, C 15
    result = optimizer.solve(tiny.scenario(35, limits={"labor_share_cap": 0.002}), data, tech)
    assert site_capacity(result) == {"A": 20.0, "C": 15.0}
    labor = result.shadow_prices.set_index(["constraint", "key"]).loc[("labor", "A")]
    # one more job in A moves 0.1 unit from C (above its minimum) to A:
    # saves 0.1 x (6.8e5 + d_AC [C's lithium freight] - 6.5e5)
    saving = 0.1 * (6.8e5 + tiny.distance_km("A", "C") - 6.5e5)
    assert labor["value"] == pytest.approx(saving, rel=1e-6)
    assert bool(labor["binding"])


def test_labor_cap_excludes_a_region_below_minimum_scale(inst):
    data, tech = inst
    # 0.0005 x 100,000 = 50 jobs < 10 units x 10 jobs: no region can host a minimum-scale site
    result = optimizer.solve(tiny.scenario(30, limits={"labor_share_cap": 0.0005}), data, tech)
    reasons = result.inputs.sites.xs("battery", level="cluster_type")["exclusion_reason"]
    assert reasons["A"] == "labor cap: minimum scale needs 100 jobs, 50 can still be hired"
    assert result.kpi("shortfall", "battery") == pytest.approx(30)


def test_target_marginal_cost(inst):
    data, tech = inst
    result = optimizer.solve(tiny.scenario(30), data, tech)
    target = result.shadow_prices.set_index(["constraint", "key"]).loc[("target", "battery")]
    assert target["value"] == pytest.approx(6.5e5 + 1e4)  # one more unit at A, with its lithium


def test_domestic_share_rule(tmp_path):
    lon, lat = tiny.rep_point("C")
    mine = [
        "mine-c",
        "Mine C",
        "",
        "mine",
        "lithium",
        "C",
        lat,
        lon,
        10,
        "sourced",
        "operating",
        2020,
        "test",
        "",
        "",
        "",
    ]
    data, tech = tiny.load(tmp_path, domestic=[mine])
    base = optimizer.solve(tiny.scenario(30), data, tech)
    assert base.kpi("domestic_mineral_share") == 0.0  # the mine is farther than the port
    ruled = optimizer.solve(
        tiny.scenario(30, minerals={"min_domestic_share": {"lithium": 0.25}}), data, tech
    )
    flows = ruled.flows.set_index("source_id")
    assert flows.loc["mine-c", "tonnes_per_yr"] == pytest.approx(7.5)
    assert ruled.kpi("domestic_mineral_share") == pytest.approx(0.25)
    assert ruled.report.objective - base.report.objective == pytest.approx(
        7.5 * tiny.distance_km("A", "C")
    )


def test_permitting_horizon_excludes_a_site(tmp_path):
    data, tech = tiny.load(tmp_path, permitting={"A": 12.0})
    # as of 2026-06-30 to the end of 2028: 31 months; A needs 12 + 24 = 36, B and C 6 + 24 = 30
    result = optimizer.solve(tiny.scenario(30, horizon_year=2028), data, tech)
    reasons = result.inputs.sites.xs("battery", level="cluster_type")["exclusion_reason"]
    assert (
        reasons["A"]
        == "permitting 12.0 + construction 24 months exceed the 31 months to the end of 2028"
    )
    assert reasons["C"] == ""
    assert site_capacity(result) == {"C": 30.0}
    # a green lane in A's zone halves its permits to 6 months: eligible again
    green = tiny.scenario(
        30,
        horizon_year=2028,
        zones={"battery": {"zone": "west", "mode": "favour"}},
        policy={"green_lane_factor": 0.5},
    )
    assert site_capacity(optimizer.solve(green, data, tech)) == {"A": 30.0}


def test_mine_that_cannot_produce_by_the_horizon_supplies_nothing(tmp_path):
    lon, lat = tiny.rep_point("A")
    mine = [
        "mine-a",
        "Mine A",
        "",
        "mine",
        "lithium",
        "A",
        lat,
        lon,
        100,
        "sourced",
        "proposed",
        2031,
        "test",
        "",
        "",
        "",
    ]
    data, tech = tiny.load(tmp_path, domestic=[mine])
    late = optimizer.solve(
        tiny.scenario(30, minerals={"min_domestic_share": {"lithium": 0.5}}), data, tech
    )
    supply = late.inputs.supply.loc[("mine-a", "lithium")]
    assert (
        not supply["available"]
        and supply["unavailable_reason"] == "first production 2031 is after the horizon 2030"
    )
    # nothing domestic can ship, and leaving need unsupplied does not help (it counts as
    # non-domestic): the 30 t are imported and the rule is missed by 0.5 x 30 = 15 t, penalised
    # at 10 x the landed price 1e4 USD/t
    unmet = late.unmet.set_index("item").loc["domestic share of lithium"]
    assert unmet["amount"] == pytest.approx(15.0)
    assert (
        "domestic_share[lithium]: available sources of domestic feed offer 0 t/yr"
        in unmet["binding"]
    )
    assert late.flows["tonnes_per_yr"].sum() == pytest.approx(30.0)
    assert late.kpi("share_gap_penalty") == pytest.approx(15 * 10 * 1e4)
    in_time = optimizer.solve(
        tiny.scenario(30, horizon_year=2031, minerals={"min_domestic_share": {"lithium": 0.5}}),
        data,
        tech,
    )
    assert in_time.unmet.empty
    assert in_time.kpi("domestic_mineral_share") == pytest.approx(
        1.0
    )  # same point, same price: all domestic is optimal too


def test_shortfall_names_the_binding_limit(inst):
    data, tech = inst
    result = optimizer.solve(tiny.scenario(70, limits={"max_clusters": {"battery": 1}}), data, tech)
    assert result.report.status is SolveStatus.OPTIMAL
    assert site_capacity(result) == {"A": 50.0}
    unmet = result.unmet.set_index("item").loc["target battery"]
    assert unmet["amount"] == pytest.approx(20.0)
    assert "max_clusters[battery]" in unmet["binding"]
    assert result.report.objective == pytest.approx(
        tiny.FIXED + 50 * 6.5e5 + 50 * 1e4 + 20 * tiny.PENALTY
    )


def test_existing_facility_counts_and_makes_expansion_cheaper(tmp_path):
    lon, lat = tiny.rep_point("B")
    plant = [
        "plant-b",
        "Co",
        "battery",
        "cell",
        "Bee",
        "B",
        lat,
        lon,
        "city",
        10,
        "GWh/yr",
        10,
        "operating",
        "2024-01-01",
        "test",
        "",
        "",
    ]
    later = [
        "plant-b2",
        "Co",
        "battery",
        "cell",
        "Bee",
        "B",
        lat,
        lon,
        "city",
        5,
        "GWh/yr",
        5,
        "operating",
        "2027-01-01",
        "test",
        "",
        "",
    ]
    data, tech = tiny.load(tmp_path, facilities=[plant, later])
    result = optimizer.solve(tiny.scenario(30), data, tech)
    # 10 existing count (the 2027 plant is after the as-of date). B hosts an operating cell plant,
    # so it may expand by at most 1.0 x 10 = 10 units at a quarter of the fixed cost (2.5e5) with
    # an 80% capex discount: 0.2e5 + 1e5 + 5e5 = 6.2e5 per unit. The other 10 go to a greenfield
    # cluster in A (6.5e5 + 1e6 fixed) rather than B (7.0e5) or C (6.8e5):
    # A 10 + B 10 costs 1e6 + 6.5e6 + 2.5e5 + 6.2e6 = 13.95e6 (+ B's extra freight 10 x d_AB),
    # A 20 costs 1e6 + 13e6 = 14e6.
    assert result.kpi("existing_capacity", "battery") == pytest.approx(10)
    assert site_capacity(result) == {"A": 10.0, "B": 10.0}
    modes = result.sites.set_index("region_id")["mode"]
    assert modes["A"] == "greenfield" and modes["B"] == "expansion"
    assert "plant-b (10)" in result.sites.set_index("region_id").at["B", "mode_reason"]
    lithium = 10 * 1e4 + 20 * (1e4 + tiny.distance_km("A", "B"))  # B: existing plant + expansion
    expected = 1e6 + 10 * 6.5e5 + 2.5e5 + 10 * 6.2e5 + lithium
    assert result.report.objective == pytest.approx(expected, rel=1e-9)


def test_zone_restriction(inst):
    data, tech = inst
    east = tiny.scenario(30, zones={"battery": {"zone": "east", "mode": "restrict"}})
    result = optimizer.solve(east, data, tech)
    assert site_capacity(result) == {"C": 30.0}
    assert (
        "outside designated zone east"
        in result.inputs.sites.loc[("A", "battery"), "exclusion_reason"]
    )


def test_same_inputs_same_answer(inst):
    data, tech = inst
    first = optimizer.solve(tiny.scenario(55), data, tech)
    second = optimizer.solve(tiny.scenario(55), data, tech)
    pd.testing.assert_frame_equal(first.sites, second.sites)
    pd.testing.assert_frame_equal(first.flows, second.flows)
    pd.testing.assert_frame_equal(first.kpis, second.kpis)


def test_cbc_fallback_agrees(inst):
    data, tech = inst
    scenario = tiny.scenario(70, solver={"name": "cbc"})
    result = optimizer.solve(scenario, data, tech, with_duals=False)
    assert result.report.solver == "cbc"
    assert site_capacity(result) == {"A": 50.0, "C": 20.0}
