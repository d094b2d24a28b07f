"""Regret, sweeps, Monte Carlo and break-even on phased scenarios: every run re-solved on the
tiny instance against a direct solve, and the regret command that used to crash on the
built-in phased pair (KeyError 'fixed')."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from optimizer.analyses.montecarlo import monte_carlo
from optimizer.analyses.parameters import zone_multiplier
from optimizer.analyses.regret import regret
from optimizer.analyses.sweep import sweep
from optimizer.phased.api import solve_phased
from optimizer.runs.parallel import SerialExecutor
from optimizer.runs.payload import COST_KEYS, objective_keys
from outputs.cli import main
from tests import tiny

PERMITS = {"A": 18.0, "B": 0.0, "C": 30.5}
"""Decided on 1 July 2026, A (42 months) comes online on 1 January 2030 and B (24) on 1 July
2028; C (54.5 months) fits the snapshot's 55 months from the start of June 2026 to the end of
2030 but not the 54 from 1 July 2026: it cannot produce by the last period."""
F2030 = 2 / 1.02**2
COST_A = 6.5e5 + 1e4
COST_B = 7.0e5 + 1e4 + tiny.distance_km("A", "B")


def scenario(**sections):
    """Battery 30 units, periods 2028 and 2030 (2 % a year), every region allowed."""
    periods = {"years": [2028, 2030], "discount_rate": 0.02, "discount_rate_source": "test"}
    return tiny.scenario(30, periods=periods, **sections)


def plan_a() -> float:
    """A for all 30 units: 2028 imported, 2030 made [USD, present value]."""
    return 30 * 1e6 + F2030 * (tiny.FIXED + 30 * COST_A)


def plan_b(cost_b: float = COST_B) -> float:
    """B for all 30 units: half of 2028 made, the other half imported; 2030 made."""
    return (0.5 + F2030) * (tiny.FIXED + 30 * cost_b) + 0.5 * 30 * 1e6


def test_regret_on_a_phased_scenario(tmp_path):
    """B's earlier half year beats A's lower cost (see tests/test_phased.py); forcing a
    minimum-scale cluster into A makes A the cheaper plan for all 30 units (A 10 + B 20 pays
    two fixed costs), so A's regret is plan A − plan B, by hand."""
    data, tech = tiny.load(tmp_path, permitting=PERMITS)
    assert plan_b() < plan_a()
    result = regret(scenario(), "battery", data, tech, executor=SerialExecutor(), mip_gap=1e-9)
    table = result.table.set_index("region_id")
    assert result.base["objective"] == pytest.approx(plan_b(), rel=1e-9)
    assert table.at["B", "regret_usd_per_yr"] == pytest.approx(0.0, abs=1e-3)
    assert bool(table.at["B", "in_base_optimum"])
    assert math.isnan(table.at["C", "regret_usd_per_yr"])
    assert table.at["C", "reason"].startswith("cannot produce by the last period")
    row = table.loc["A"]
    assert row["status"] == "optimal" and row["forced_new_capacity"] == pytest.approx(30.0)
    assert row["regret_usd_per_yr"] == pytest.approx(plan_a() - plan_b(), rel=1e-7)
    # the objective terms of a phased payload add up to the regret (present values)
    keys = objective_keys("investor")
    assert "product_imports" in keys and set(keys) <= set(COST_KEYS)
    terms = sum(row[f"d_{k}_usd_per_yr"] for k in keys)
    assert terms == pytest.approx(row["regret_usd_per_yr"], rel=1e-6)
    assert row["d_product_imports_usd_per_yr"] == pytest.approx(15 * 1e6, rel=1e-9)


def test_sweep_and_monte_carlo_on_a_phased_scenario_match_direct_solves(tmp_path):
    """B's power price × 0.5 … 1.5 (its energy is 1e5 USD/yr per unit): at 1.5 A wins (plan A),
    below B (plan B at its cost). Every run equals a direct solve of the same variant."""
    data, tech = tiny.load(tmp_path, permitting=PERMITS)
    power = zone_multiplier(data, "power_price", ["B"], 0.5, 1.5)
    swept = sweep(scenario(), [power], data, tech, executor=SerialExecutor(), mip_gap=1e-9)
    table = swept.table.set_index("level")
    assert set(table["status"]) == {"optimal"}
    assert table.at["low", "total_annual_cost"] == pytest.approx(plan_b(COST_B - 5e4), rel=1e-9)
    assert table.at["high", "total_annual_cost"] == pytest.approx(plan_a(), rel=1e-9)
    assert table.at["high", "sites_added"] == "A/battery"
    assert table.at["low", "d_total_annual_cost"] < 0 < table.at["high", "d_total_annual_cost"]

    mc = monte_carlo(
        scenario(), 3, 1, data, tech, parameters=[power], executor=SerialExecutor(), mip_gap=1e-9
    )
    assert (mc.runs["status"] == "optimal").all()
    factors = mc.samples.set_index("run")[power.name]
    for run in mc.runs.itertuples():
        variant = scenario(multipliers={"power_price_by_region": {"B": float(factors[run.run])}})
        direct = solve_phased(variant, data, tech)
        assert run.total_annual_cost == pytest.approx(direct.report.objective, rel=1e-7)


def test_regret_command_on_the_builtin_phased_scenario(tmp_path, capsys):
    """``clustersite regret great-lakes-phased --type magnet --regions MI,IN,OH`` crashed with
    KeyError 'fixed' (the phased payload had no cost terms)."""
    out = tmp_path / "regret"
    argv = ["regret", "great-lakes-phased", "--type", "magnet", "--regions", "MI,IN,OH"]
    assert main([*argv, "--out", str(out), "--serial", "--quiet"]) == 0
    table = pd.read_csv(out / "regret.csv").set_index("region_id")
    assert set(table.index) == {"MI", "IN", "OH"}
    assert bool(table.at["OH", "in_base_optimum"]) and table.at["OH", "regret_usd_per_yr"] == 0
    for r in ("MI", "IN"):
        row = table.loc[r]
        assert row["regret_usd_per_yr"] > 0 and row["forced_new_capacity"] >= row["min_capacity"]
        terms = sum(row[f"d_{k}_usd_per_yr"] for k in objective_keys("investor"))
        assert terms == pytest.approx(row["regret_usd_per_yr"], rel=1e-6)
    stdout = capsys.readouterr().out
    assert "magnet: base optimum OH" in stdout and "million/yr" not in stdout


def test_break_even_says_when_a_run_stopped_before_its_optimum(tmp_path):
    """A run that hit its time limit is 'feasible', not 'optimal': its objective may be far
    from the optimum (on the built-in phased pair, one such run made south-phased 46 bn USD
    dearer), so a flip next to it may be the solver's. The break-even keeps each run's status
    and says so."""
    from optimizer.analyses.breakeven import break_even
    from optimizer.analyses.parameters import zone_factor

    data, tech = tiny.load(tmp_path, permitting={"A": 30.0, "B": 0.0})
    base = scenario()
    only_a = base.replace(name="only-a", limits={"excluded_regions": ["B", "C"]})
    only_b = base.replace(name="only-b", limits={"excluded_regions": ["A", "C"]})

    class StoppedAtOneValue(SerialExecutor):
        def map(self, context, runs, on_result):
            def mark(outcome):
                if outcome.label.get("value") == 0.5 and context.scenario.name == "only-b":
                    outcome.payload["status"] = "feasible"
                on_result(outcome)

            super().map(context, runs, mark)

    parameter = zone_factor(data, "permitting_months", ["A"], 0.05, 0.5)
    found = break_even(
        only_a, only_b, parameter, data, tech, tol=0.01, executor=StoppedAtOneValue()
    )
    statuses = found.evaluations.set_index("value")[["status_a", "status_b"]]
    assert tuple(statuses.loc[0.5]) == ("optimal", "feasible")
    assert (statuses.drop(index=0.5) == "optimal").all().all()
    assert (
        "1 of" in found.message
        and "not solved to a proven optimum (time limit: 0.5)" in found.message
    )
    clean = break_even(only_a, only_b, parameter, data, tech, tol=0.01)
    assert "proven optimum" not in clean.message and clean.value == pytest.approx(found.value)
