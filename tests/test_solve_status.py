"""Typed solver status: proven optimum vs time-limited incumbent vs nothing to read."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pulp
import pytest

import optimizer
from optimizer import SolverOptions, SolveStatus
from optimizer.facility_location.core import from_cost_matrix
from optimizer.model.solve import classify, run_solver
from tests import tiny


@pytest.mark.parametrize(
    ("status", "sol_status", "expected"),
    [
        (pulp.LpStatusOptimal, pulp.LpSolutionOptimal, SolveStatus.OPTIMAL),
        # PuLP calls a time-limited HiGHS run with an incumbent "Optimal"; sol_status tells
        (pulp.LpStatusOptimal, pulp.LpSolutionIntegerFeasible, SolveStatus.FEASIBLE),
        (pulp.LpStatusNotSolved, pulp.LpSolutionNoSolutionFound, SolveStatus.NO_SOLUTION),
        (pulp.LpStatusInfeasible, pulp.LpSolutionInfeasible, SolveStatus.INFEASIBLE),
        (pulp.LpStatusUnbounded, pulp.LpSolutionUnbounded, SolveStatus.UNBOUNDED),
    ],
)
def test_classify(status, sol_status, expected):
    assert classify(SimpleNamespace(status=status, sol_status=sol_status)) is expected
    assert expected.has_solution == (expected in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE))


def random_cflp(n_sites: int, n_customers: int, seed: int = 7):
    rng = np.random.default_rng(seed)
    sites = [f"s{i}" for i in range(n_sites)]
    customers = [f"c{j}" for j in range(n_customers)]
    demand = pd.Series(rng.uniform(5, 35, n_customers), index=customers)
    capacity = pd.Series(rng.uniform(0.04, 0.08, n_sites) * demand.sum(), index=sites)
    fixed = pd.Series(rng.uniform(5_000, 15_000, n_sites), index=sites)
    cost = pd.DataFrame(rng.uniform(1, 100, (n_sites, n_customers)), index=sites, columns=customers)
    return from_cost_matrix(fixed, capacity, demand, cost)


def test_time_limit_is_honoured_and_never_called_optimal_without_proof():
    problem, _ = random_cflp(60, 250)
    status, solver, seconds, gap, _ = run_solver(
        problem, SolverOptions("highs", time_limit_s=0.2, mip_gap=0.0)
    )
    assert solver == "highs"
    assert seconds < 120.0  # a guard only: a limit not honoured at all runs for minutes
    if status is SolveStatus.OPTIMAL:  # only if HiGHS really closed the gap in time
        assert gap is not None and gap <= 1e-9
    else:
        assert status in (SolveStatus.FEASIBLE, SolveStatus.NO_SOLUTION)
        if status is SolveStatus.FEASIBLE:
            assert gap is None or gap > 0


def test_no_values_are_read_without_a_solution(tmp_path, monkeypatch):
    data, tech = tiny.load(tmp_path)
    monkeypatch.setattr(
        optimizer.api,
        "run_solver",
        lambda problem, options: (SolveStatus.NO_SOLUTION, "highs", 0.1, None, ""),
    )
    result = optimizer.solve(tiny.scenario(30), data, tech)
    assert not result.ok
    assert result.report.objective is None
    assert result.sites.empty and result.flows.empty and result.kpis.empty
    assert "no solution" in result.report.message
