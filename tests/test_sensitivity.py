"""Sweeps, tornado and break-even on the tiny instance of ``test_regret`` (numbers by hand).

Base optimum: A builds 25 GWh/yr at 3,050,000 USD/yr per GWh/yr (capex 50,000 + energy 10,000
MWh × 50 USD/MWh + labor 50 jobs × 50,000 USD).

- power price × 1.2: A stays; energy +20 % = +100,000 per unit → +2,500,000 USD/yr (× 0.8: −).
- wage × 1.2: labor +500,000 per unit → +12,500,000 (A stays: B's 1,000 USD wage edge grows to
  60,000 per unit but its power costs 100,000 more).
- electricity 20,000 MWh/GWh: A, energy +500,000 per unit → +12,500,000. 2,000 MWh/GWh: B wins
  (B 50,000 + 120,000 + 2,450,000 = 2,620,000 vs A 2,650,000) → 25 × (2,620,000 − 3,050,000)
  = −10,750,000 and the site moves A → B.
- capex 0.8e6 / 1.2e6: ±25 × 10,000 = ±250,000.
Tornado swing: wage 25.0e6 > electricity 23.25e6 > power 5.0e6 > capex 0.5e6.
"""

from __future__ import annotations

import pandas as pd
import pytest

from optimizer.analyses.breakeven import break_even
from optimizer.analyses.parameters import (
    Parameter,
    scenario_lever,
    tech_parameter,
    zone_factor,
    zone_multiplier,
)
from optimizer.analyses.sweep import sweep, tornado
from optimizer.runs.parallel import SerialExecutor
from tests.test_regret import tiny_case, tiny_scenario


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return tiny_case(
        tmp_path_factory.mktemp("tiny_sens"), zones={"west": ["A"], "east": ["B", "C"]}
    )


def params(scenario, tech):
    return [
        scenario_lever(scenario, "multipliers.power_price", 0.8, 1.2, relative=True),
        scenario_lever(scenario, "multipliers.wage", 0.8, 1.2, relative=True),
        tech_parameter(tech, "battery", "electricity_mwh_per_unit"),
        tech_parameter(tech, "battery", "capex_usd_per_unit"),
    ]


def test_sweep_and_tornado_by_hand(tiny):
    scenario, data, tech = tiny
    result = sweep(scenario, params(scenario, tech), data, tech, executor=SerialExecutor())
    table = result.table.set_index(["parameter", "level"])
    delta = table["d_total_annual_cost"]
    assert delta["multipliers.power_price", "high"] == pytest.approx(2.5e6, rel=1e-9)
    assert delta["multipliers.power_price", "low"] == pytest.approx(-2.5e6, rel=1e-9)
    assert delta["multipliers.wage", "high"] == pytest.approx(12.5e6, rel=1e-9)
    assert delta["battery.electricity_mwh_per_unit", "high"] == pytest.approx(12.5e6, rel=1e-9)
    assert delta["battery.electricity_mwh_per_unit", "low"] == pytest.approx(-10.75e6, rel=1e-9)
    assert delta["battery.capex_usd_per_unit", "low"] == pytest.approx(-2.5e5, rel=1e-9)
    low = table.loc[("battery.electricity_mwh_per_unit", "low")]
    assert low["sites_changed"] and low["sites_added"] == "B/battery"
    assert low["sites_removed"] == "A/battery"
    assert not table.loc[("multipliers.wage", "high"), "sites_changed"]
    # levelized cost follows: (1e6 fixed + 25 × unit cost + minerals) / 25 GWh
    assert table.loc[("multipliers.power_price", "high"), "d_levelized_cost_battery"] == (
        pytest.approx(100_000.0, rel=1e-9)
    )
    layer = result.capacity_change("battery.electricity_mwh_per_unit", "low", "battery")
    assert layer.to_dict() == pytest.approx({"A": -25.0, "B": 25.0})
    ranking = tornado(result)
    assert list(ranking["parameter"]) == [
        "multipliers.wage",
        "battery.electricity_mwh_per_unit",
        "multipliers.power_price",
        "battery.capex_usd_per_unit",
    ]
    assert ranking["swing"].tolist() == pytest.approx([25e6, 23.25e6, 5e6, 5e5], rel=1e-9)
    assert result.failures.empty
    # the MIP start from the base optimum (cost-only runs, on by default) changes only speed
    started = sweep(
        scenario, params(scenario, tech), data, tech, executor=SerialExecutor(mip_start=False)
    )
    pd.testing.assert_frame_equal(started.table, result.table, check_exact=False, rtol=1e-9)


def test_sweep_region_factor_and_level_equal_to_base(tiny):
    scenario, data, tech = tiny
    # E's permitting × 0.5 = 15 months: E becomes eligible (a structure the compiled model lacks,
    # so the run is rebuilt) but at 55 USD/MWh it is not chosen; × 1 reuses the base run.
    permits = zone_factor(data, "permitting_months", ["E"], 0.5, 1.0)
    result = sweep(scenario, [permits], data, tech, executor=SerialExecutor())
    table = result.table.set_index("level")
    assert table.loc["low", "status"] == "optimal"
    assert table.loc["low", "d_total_annual_cost"] == 0.0
    assert table.loc["high", "value"] == 1.0 and table.loc["high", "d_total_annual_cost"] == 0.0
    assert not table["sites_changed"].any()


def test_break_even_power_price_in_west(tiny):
    scenario, data, tech = tiny
    # A restricted to the west zone {A}, B to the east zone {B, C}. Scaling A's power price by v:
    # 50,000 + 500,000·v + 2,500,000 = 3,100,000 (B's unit cost)  ->  v = 1.1.
    west = tiny_scenario(name="west", zones={"battery": {"zone": "west", "mode": "restrict"}})
    east = tiny_scenario(name="east", zones={"battery": {"zone": "east", "mode": "restrict"}})
    price = zone_multiplier(data, "power_price", "west", 0.5, 2.0)
    found = break_even(west, east, price, data, tech, tol=1e-5)
    assert found.flips
    assert found.value == pytest.approx(1.1, abs=1e-5)
    assert "west ranks first below" in found.message
    assert (found.evaluations["cheaper"].iloc[[0, -1]] == ["a", "b"]).all()
    none = break_even(west, east, price, data, tech, bounds=(0.5, 1.0))
    assert not none.flips and none.value is None
    assert none.message.startswith("no flip within bounds")


def test_parameter_specs():
    p = Parameter("x", "scenario", ("multipliers", "power_price"), 1.0, 0.8, 1.2)
    assert p.spec(1.2) == {"scenario": {"multipliers": {"power_price": 1.2}}}
    with pytest.raises(ValueError):
        Parameter("x", "nonsense", (), 1.0, 0.0, 2.0)
