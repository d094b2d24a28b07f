"""Exact break-evens of why-this-state (re-solved by bisection) and the toss-up rule.

The tiny instance (tests/tiny.py), target 30: A (unit cost 6.5e5) wins; its runner-up C is
dearer by the energy difference 3e4 plus the lithium freight d(A,C) per GWh/yr. C takes the
capacity once its power price falls by (3e4 + d) / 8e4 ≈ 37.9 %, or with an incentive of
3e4 + d USD/yr per GWh/yr: the tiny model is linear enough that the first-order figure is exact,
so the re-solved bracket must contain it.
"""

from __future__ import annotations

import csv
import dataclasses
import math

import pytest

import optimizer
import regions
from optimizer.analyses.thresholds import (
    TOLERANCE_PP,
    exact_thresholds,
    lever_spec,
    restricted,
    type_groups,
)
from optimizer.model.coefficients import model_inputs
from optimizer.model.milp import build_model
from optimizer.model.why import why_this_state
from optimizer.runs.compiled import CompiledModel
from optimizer.runs.evaluator import Evaluator
from optimizer.runs.parallel import ProcessExecutor, SerialExecutor
from optimizer.runs.solution import SolveOptions
from optimizer.runs.specs import apply_site_changes
from tests import tiny


def test_tiny_bracket_contains_the_hand_worked_break_even(tmp_path):
    data, tech = tiny.load(tmp_path)
    found = exact_thresholds(
        tiny.scenario(30), data, tech, executor=SerialExecutor(), progress=False
    )
    row = found.table.iloc[0]
    d_ac = tiny.distance_km("A", "C")
    cut = 100 * (3e4 + d_ac) / 8e4
    assert (row["region_id"], row["runner_up"], row["lever"]) == ("A", "C", "power price")
    assert row["lever_status"] == "flips"
    # at the break-even itself the two plans tie, so either side may hold it
    assert row["cut_low_pct"] - 1e-6 <= cut <= row["cut_high_pct"] + 1e-6
    assert row["cut_high_pct"] - row["cut_low_pct"] <= TOLERANCE_PP + 1e-9
    # above the break-even C takes all of it: C is cheaper per unit everywhere
    assert row["runner_up_takes"] == pytest.approx(30.0)
    assert row["site_keeps"] == pytest.approx(0.0)
    assert row["incentive_low"] - 1e-3 <= 3e4 + d_ac <= row["incentive_high"] + 1e-3
    assert "C takes 30 GWh/yr of this battery capacity" in row["sentence"]
    assert found.failures.empty


def test_lever_spec_composes_with_the_scenarios_own_multiplier():
    scenario = optimizer.load_scenario("baseline").replace(
        multipliers={"power_price_by_region": {"AZ": 0.9}}
    )
    spec = lever_spec(scenario, "power price", "AZ", "solar", 0.5)
    assert spec == {"scenario": {"multipliers": {"power_price_by_region": {"AZ": 0.45}}}}
    spec = lever_spec(scenario, "permitting time", "AZ", "solar", 0.25)
    assert spec == {"regions": [["permitting_months", ["AZ"], 0.75]]}


def test_site_changes_move_one_site_and_respect_the_cost_view(tmp_path):
    data, tech = tiny.load(tmp_path)
    inputs = model_inputs(data, tiny.scenario(30), tech)
    changed = apply_site_changes(inputs, [["C", "battery", "incentive", 1000.0]])
    before, after = inputs.sites.loc[("C", "battery")], changed.sites.loc[("C", "battery")]
    assert after["unit_cost"] == pytest.approx(before["unit_cost"] - 1000.0)
    assert after["expansion_unit_cost"] == pytest.approx(before["expansion_unit_cost"] - 1000.0)
    assert changed.sites.loc[("A", "battery"), "unit_cost"] == before["unit_cost"] - 3e4
    # a transfer does not move the system view
    system = model_inputs(data, tiny.scenario(30, objective="system"), tech)
    moved = apply_site_changes(system, [["C", "battery", "incentive", 1000.0]])
    assert (
        moved.sites.loc[("C", "battery"), "unit_cost"]
        == system.sites.loc[("C", "battery"), "unit_cost"]
    )
    halved = apply_site_changes(inputs, [["C", "battery", "capex", 0.5]])
    assert halved.sites.loc[("C", "battery"), "cost_capex"] == pytest.approx(0.5 * 1e5)
    with pytest.raises(KeyError, match="no site Z/battery"):
        apply_site_changes(inputs, [["Z", "battery", "fixed", 0.5]])


def test_a_scenario_without_a_target_for_a_type_is_patched_not_rebuilt():
    """The compiled model of a battery+solar scenario holds no magnet sites; patching it must
    not ask for them (before: every run fell back to a rebuild, then failed)."""
    data, tech = regions.load(), optimizer.load_technology()
    scenario = restricted(optimizer.load_scenario("baseline"), ("magnet",))
    assert list(scenario.targets) == ["magnet"]
    inputs = model_inputs(data, scenario, tech)
    compiled = CompiledModel(
        build_model(data, scenario, tech, inputs=inputs), scenario, SolveOptions()
    )
    assert compiled.patch(inputs, scenario) is not None
    evaluator = Evaluator(scenario, data, tech, SolveOptions())
    assert evaluator.run({"sites": [["GA", "magnet", "capex", 0.9]]})["mode"] == "reuse"


def test_type_groups_follow_the_rows_the_types_share():
    data, tech = regions.load(), optimizer.load_technology()
    baseline = optimizer.load_scenario("baseline")
    # one labor pool per state: where it can bind, all three types share a row
    assert type_groups(baseline, data, tech) == [("battery", "magnet", "solar")]
    # with pools no site can exhaust (1,000× the workers), only copper links battery and solar
    table = data.regions.copy()
    table["mfg_employment_jobs"] *= 1000
    roomy = dataclasses.replace(data, regions=table)
    assert type_groups(baseline, roomy, tech) == [("battery", "solar"), ("magnet",)]


# -- toss-ups on a hand-made tie ----------------------------------------------------------------
def _tie(tmp_path, jobs_low: float):
    """C's power price lowered to A's (energy 5e4 both), A's wage +0.1 %: C wins, A is the
    runner-up, dearer by 500 (labor) − d(A,C) (C pays lithium freight) per GWh/yr."""
    data = regions.load(tiny.write_data(tmp_path / "data"))
    folder = tiny.write_tech(tmp_path / "tech")
    path = folder / "technologies.csv"
    rows = list(csv.reader(path.open(encoding="utf-8")))
    for row in rows[1:]:
        if row[0] == "battery" and row[1] == "jobs_per_unit":
            row[3] = str(jobs_low)
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    tech = optimizer.load_technology(folder)
    scenario = tiny.scenario(
        30, multipliers={"power_price_by_region": {"C": 50 / 80}, "wage_by_region": {"A": 1.001}}
    )
    return why_this_state(optimizer.solve(scenario, data, tech)).iloc[0]


def test_a_close_runner_up_is_a_toss_up_when_the_ranges_cover_the_gap(tmp_path):
    row = _tie(tmp_path, jobs_low=5.0)
    d_ac = tiny.distance_km("A", "C")
    assert (row["region_id"], row["runner_up"]) == ("C", "A")
    assert row["gap_usd_per_unit"] == pytest.approx(500 - d_ac)
    # jobs per unit 5-10: A's extra labor (10 jobs × 50 USD) halves at 5 jobs → 250 per unit
    assert row["uncertainty_usd_per_unit"] == pytest.approx(250.0, abs=1.0)
    assert bool(row["toss_up"])
    assert row["break_even"].startswith("Toss-up: A is 0.02 % dearer per unit, within the 0.04 %")
    assert "jobs per unit ±0.04 %" in row["toss_up_note"]


def test_the_same_gap_is_no_toss_up_without_a_documented_range(tmp_path):
    row = _tie(tmp_path, jobs_low=10.0)
    assert row["uncertainty_usd_per_unit"] == pytest.approx(0.0, abs=1e-6)
    assert not bool(row["toss_up"]) and row["toss_up_note"] == ""
    assert not row["break_even"].startswith("Toss-up")


# -- every stated threshold on the built-ins, re-solved on both sides ---------------------------
def _fresh(scenario, data, tech, spec) -> dict:
    """One run from a fresh model of the whole scenario (no compiled model, no restriction)."""
    evaluator = Evaluator(scenario, data, tech, SolveOptions(mip_gap=1e-6), reuse=False)
    return evaluator.run(spec)


def _new(payload: dict, region_id: str, k: str) -> float:
    return sum(c for r, kk, c in payload["capacity"] if r == region_id and kk == k)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["baseline", "great-lakes", "south"])
def test_every_stated_threshold_flips_on_both_sides(name):
    data, tech = regions.load(), optimizer.load_technology()
    scenario = optimizer.load_scenario(name)
    with ProcessExecutor(workers=2) as executor:
        found = exact_thresholds(scenario, data, tech, executor=executor, progress=False)
    assert found.failures.empty
    why = found.why.set_index(["region_id", "cluster_type"])
    checked = 0
    for row in found.table.itertuples(index=False):
        site = (row.region_id, row.cluster_type)
        capacity = float(why.loc[site, "new_capacity"])
        for kind, status, low, high in (
            (row.lever, row.lever_status, row.cut_low_pct / 100, row.cut_high_pct / 100),
            ("incentive", row.incentive_status, row.incentive_low, row.incentive_high),
        ):
            if status != "flips":
                continue
            below = _fresh(
                scenario, data, tech, lever_spec(scenario, kind, row.runner_up, site[1], low)
            )
            above = _fresh(
                scenario, data, tech, lever_spec(scenario, kind, row.runner_up, site[1], high)
            )
            took_below = (
                _new(below, row.runner_up, site[1]) > 1e-6 and _new(below, *site) < capacity - 1e-6
            )
            assert not (low > 0 and took_below), (name, site, kind, low)
            assert _new(above, row.runner_up, site[1]) > 1e-6, (name, site, kind, high)
            assert _new(above, *site) < capacity - 1e-6, (name, site, kind, high)
            checked += 1
    assert checked >= 5
    # every site is either a stated bracket or says plainly that no cut below 60 % does it
    assert set(found.table["lever_status"]) <= {"flips", "no flip", "no lever"}
    assert all(isinstance(s, str) and s.endswith("(re-solved).") for s in found.table["sentence"])
    assert not any(
        math.isnan(x) for x in found.table.loc[found.table.lever_status == "flips", "cut_high_pct"]
    )
