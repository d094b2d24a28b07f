"""The siting MILPs run without HiGHS's RINS and RENS sub-MIP heuristics
(``optimizer.solve.HIGHS_MIP_OPTIONS``): every solve path passes the options to HiGHS, and
the answer is the one found with the heuristics on (same sites, objective within the gap)."""

from __future__ import annotations

import sys

import highspy
import pytest

import optimizer
from optimizer.model import build_model
from optimizer.phased.solve import HighsOptions, configure
from optimizer.reuse import CompiledModel, SolveOptions
from optimizer.scenario import SolverOptions
from optimizer.solve import HIGHS_MIP_OPTIONS, make_solver, run_solver
from tests import tiny

solve_module = sys.modules["optimizer.solve"]  # the package exports a function of that name

OFF = {"mip_heuristic_run_rins": False, "mip_heuristic_run_rens": False}


def option(highs: highspy.Highs, name: str):
    """An option's value (highspy returns (status, value))."""
    status, value = highs.getOptionValue(name)
    assert status == highspy.HighsStatus.kOk
    return value


def test_options_turn_off_rins_and_rens():
    assert HIGHS_MIP_OPTIONS == OFF


def test_snapshot_solver_carries_the_options_for_mips_only():
    solver, name = make_solver(SolverOptions("highs", 10.0, 1e-4, 1))
    assert name == "highs"
    assert {k: solver.optionsDict[k] for k in OFF} == OFF
    lp_solver, _ = make_solver(SolverOptions("highs", 10.0, 1e-4, 1), mip=False)
    assert not set(OFF) & set(lp_solver.optionsDict)


def test_solved_snapshot_model_ran_with_the_options(tmp_path):
    data, tech = tiny.load(tmp_path)
    scenario = tiny.scenario(30)
    model = build_model(data, scenario, tech)
    status, name, _s, _gap, _msg = run_solver(model.problem, scenario.solver)
    assert status.has_solution and name == "highs"
    highs = model.problem.solverModel
    assert {k: option(highs, k) for k in OFF} == OFF


def test_compiled_and_phased_highs_carry_the_options(tmp_path):
    data, tech = tiny.load(tmp_path)
    scenario = tiny.scenario(30)
    compiled = CompiledModel(build_model(data, scenario, tech), scenario, SolveOptions(1e-4))
    phased = highspy.Highs()
    configure(phased, HighsOptions())
    for highs in (compiled.highs, phased):
        assert {k: option(highs, k) for k in OFF} == OFF


@pytest.mark.parametrize("target", [30.0, 55.0, 70.0])
def test_tiny_answer_is_the_one_found_with_the_heuristics_on(tmp_path, monkeypatch, target):
    data, tech = tiny.load(tmp_path)
    without = optimizer.solve(tiny.scenario(target), data, tech, with_duals=False)
    monkeypatch.setattr(solve_module, "HIGHS_MIP_OPTIONS", {})
    with_heuristics = optimizer.solve(tiny.scenario(target), data, tech, with_duals=False)
    assert without.ok and with_heuristics.ok
    assert without.report.objective == pytest.approx(with_heuristics.report.objective, rel=1e-9)
    assert sorted(without.sites["region_id"]) == sorted(with_heuristics.sites["region_id"])


def test_builtin_answer_is_the_one_found_with_the_heuristics_on(data, monkeypatch):
    without = optimizer.solve("south", data, with_duals=False)
    monkeypatch.setattr(solve_module, "HIGHS_MIP_OPTIONS", {})
    with_heuristics = optimizer.solve("south", data, with_duals=False)
    gap = without.scenario.solver.mip_gap
    assert without.report.objective == pytest.approx(with_heuristics.report.objective, rel=gap)
    opened = [sorted(map(tuple, r.sites[["region_id", "cluster_type"]].values)) for r in
              (without, with_heuristics)]  # fmt: skip
    assert opened[0] == opened[1]
