"""The siting MILPs run without HiGHS's RINS, RENS and feasibility-jump heuristics and root
restarts (``optimizer.model.solve.HIGHS_MIP_OPTIONS``), with the objective scaled for HiGHS
(``objective_scale``): every solve path passes the options to HiGHS, and the answer is the one
found with HiGHS's defaults (same sites, objective within the gap). Re-solves of a phased
scenario's variants also drop the root's reduced-cost heuristic (``RERUN_OPTIONS``)."""

from __future__ import annotations

import sys

import highspy
import pytest

import optimizer
from optimizer.model.milp import build_model
from optimizer.model.scenario import SolverOptions
from optimizer.model.solve import (
    HIGHS_MIP_OPTIONS,
    make_solver,
    max_objective_coefficient,
    objective_scale,
    run_solver,
)
from optimizer.phased.reuse import PhasedEvaluator
from optimizer.phased.solve import RERUN_OPTIONS, HighsOptions, configure
from optimizer.runs.compiled import CompiledModel
from optimizer.runs.solution import SolveOptions
from tests import tiny

solve_module = sys.modules["optimizer.model.solve"]  # the package exports a function of that name

OFF = {
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
    "mip_allow_restart": False,
    "mip_heuristic_run_feasibility_jump": False,
}


def option(highs: highspy.Highs, name: str):
    """An option's value (highspy returns (status, value))."""
    status, value = highs.getOptionValue(name)
    assert status == highspy.HighsStatus.kOk
    return value


def test_options_turn_off_rins_rens_restarts_and_feasibility_jump():
    assert HIGHS_MIP_OPTIONS == OFF


@pytest.mark.parametrize(
    ("max_cost", "scale"),
    [
        (3.1e9, -20),  # 3.1e9 = 2^31.53: floor 31, 31 - 11 = 20
        (2.0e9, -19),  # 2^30.9
        (4096.0, -1),  # 2^12 exactly: into [2^11, 2^12) by one halving
        (4095.0, 0),
        (50.0, 0),  # small costs are left alone, never scaled up
        (0.0, 0),
        (float("inf"), 0),
        (float("nan"), 0),
    ],
)
def test_objective_scale_brings_the_largest_cost_below_2_to_the_12(max_cost, scale):
    assert objective_scale(max_cost) == scale
    if scale:
        assert 2.0**11 <= max_cost * 2.0**scale < 2.0**12


def test_snapshot_solver_carries_the_options_for_mips_only():
    solver, name = make_solver(SolverOptions("highs", 10.0, 1e-4, 1), max_cost=3.1e9)
    assert name == "highs"
    assert {k: solver.optionsDict[k] for k in OFF} == OFF
    assert solver.optionsDict["user_objective_scale"] == -20
    lp_solver, _ = make_solver(SolverOptions("highs", 10.0, 1e-4, 1), mip=False)
    assert not (set(OFF) | {"user_objective_scale"}) & set(lp_solver.optionsDict)


def test_solved_snapshot_model_ran_with_the_options(tmp_path):
    data, tech = tiny.load(tmp_path)
    scenario = tiny.scenario(30)
    model = build_model(data, scenario, tech)
    status, name, _s, _gap, _msg = run_solver(model.problem, scenario.solver)
    assert status.has_solution and name == "highs"
    highs = model.problem.solverModel
    assert {k: option(highs, k) for k in OFF} == OFF
    largest = max_objective_coefficient(model.problem)
    assert largest > 0
    assert option(highs, "user_objective_scale") == objective_scale(largest)


def test_compiled_and_phased_highs_carry_the_options(tmp_path):
    data, tech = tiny.load(tmp_path)
    scenario = tiny.scenario(30)
    compiled = CompiledModel(build_model(data, scenario, tech), scenario, SolveOptions(1e-4))
    phased = highspy.Highs()
    phased.addVars(2, [0.0, 0.0], [1.0, 1.0])
    phased.changeColsCost(2, [0, 1], [3.1e9, -1.0])
    configure(phased, HighsOptions())
    for highs in (compiled.highs, phased):
        assert {k: option(highs, k) for k in OFF} == OFF
    assert option(phased, "user_objective_scale") == -20
    largest = max_objective_coefficient(build_model(data, scenario, tech).problem)
    assert option(compiled.highs, "user_objective_scale") == objective_scale(largest)


def test_phased_reruns_also_drop_the_root_reduced_cost_heuristic(tmp_path):
    data, tech = tiny.load(tmp_path)
    scenario = tiny.scenario(30, periods={"years": [2028, 2030]})
    evaluator = PhasedEvaluator(scenario, data, tech, SolveOptions(1e-4))
    payload = evaluator.run({})
    assert payload["status"] == "optimal"
    (compiled,) = evaluator._compiled.values()
    single = highspy.Highs()
    configure(single, HighsOptions())
    name = "mip_heuristic_run_root_reduced_cost"
    assert {name: False} == RERUN_OPTIONS
    assert option(compiled.highs, name) is False
    assert option(single, name) is True  # one-off solves keep HiGHS's default
    assert {k: option(compiled.highs, k) for k in OFF} == OFF


def highs_defaults(monkeypatch) -> None:
    """Solve with HiGHS's own defaults: no options of ours, no objective scale."""
    monkeypatch.setattr(solve_module, "highs_mip_options", lambda _max_cost: {})


@pytest.mark.parametrize("target", [30.0, 55.0, 70.0])
def test_tiny_answer_is_the_one_found_with_highs_defaults(tmp_path, monkeypatch, target):
    data, tech = tiny.load(tmp_path)
    without = optimizer.solve(tiny.scenario(target), data, tech, with_duals=False)
    highs_defaults(monkeypatch)
    with_heuristics = optimizer.solve(tiny.scenario(target), data, tech, with_duals=False)
    assert without.ok and with_heuristics.ok
    assert without.report.objective == pytest.approx(with_heuristics.report.objective, rel=1e-9)
    assert sorted(without.sites["region_id"]) == sorted(with_heuristics.sites["region_id"])


@pytest.mark.parametrize("name", ["great-lakes", "south"])
def test_builtin_answer_is_the_one_found_with_highs_defaults(data, monkeypatch, name):
    without = optimizer.solve(name, data, with_duals=False)
    highs_defaults(monkeypatch)
    with_heuristics = optimizer.solve(name, data, with_duals=False)
    gap = without.scenario.solver.mip_gap
    assert without.report.objective == pytest.approx(with_heuristics.report.objective, rel=gap)
    opened = [sorted(map(tuple, r.sites[["region_id", "cluster_type"]].values)) for r in
              (without, with_heuristics)]  # fmt: skip
    assert opened[0] == opened[1]
