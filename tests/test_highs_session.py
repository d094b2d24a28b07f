"""One HiGHS model solved many times: same answers as PuLP's own solve, warm starts, guards."""

from __future__ import annotations

import pulp
import pytest

from optimizer.model.milp import build_model
from optimizer.model.scenario import SolverOptions
from optimizer.runs.highs_session import HighsSession, PulpSession, session_for
from tests import tiny

OPTIMUM = 1e6 + 30 * (6.5e5 + 1e4)  # one site in A (see tests/tiny.py)


def test_session_matches_pulp_and_follows_bound_and_objective_changes(tmp_path):
    data, tech = tiny.load(tmp_path)
    scenario = tiny.scenario()
    model = build_model(data, scenario, tech)
    session = session_for(model.problem, scenario.solver)
    assert isinstance(session, HighsSession)
    status, solver, *_ = session.solve()
    assert (status.value, solver) == ("optimal", "highs")
    assert pulp.value(model.problem.objective) == pytest.approx(OPTIMUM)
    assert model.capacity["A", "battery"].value() == pytest.approx(30)
    start = session.values()
    # close A: C is next (unit cost 6.8e5 + lithium 1e4 + freight d(A,C) per GWh/yr)
    model.open["A", "battery"].upBound = 0
    session.solve(start=None)
    c_only = 1e6 + 30 * (6.8e5 + 1e4 + tiny.distance_km("A", "C"))
    assert pulp.value(model.problem.objective) == pytest.approx(c_only)
    # reopen A; maximise capacity in B under a cost bound. All 30 in B costs
    # 30 · (5e4 + d(A,B)) ≈ 1.505e6 more than the optimum; a split A/B pays a second fixed cost
    # 1e6 and B's minimum scale 10 more units at that premium (≈ 1.502e6), so B gets 30 under
    # a bound of optimum + 1.6e6 and nothing under optimum + 1.4e6.
    model.open["A", "battery"].upBound = 1
    assert 30 * (5e4 + tiny.distance_km("A", "B")) == pytest.approx(1.505e6, rel=1e-3)
    row = pulp.LpConstraint(model.problem.objective.copy(), pulp.LpConstraintLE, "b", 0.0)
    with pytest.raises(RuntimeError, match="gained variables or rows"):
        model.problem.addConstraint(row)
        session.solve(start=start)
    rebuilt = build_model(data, scenario, tech)
    cost = rebuilt.problem.objective
    bound = pulp.LpConstraint(cost.copy(), pulp.LpConstraintLE, "bound", OPTIMUM + 1.6e6)
    rebuilt.problem.addConstraint(bound)
    fresh = session_for(rebuilt.problem, scenario.solver)
    fresh.solve()
    start = fresh.values()
    rebuilt.problem.setObjective(pulp.lpSum([rebuilt.capacity["B", "battery"]]))
    rebuilt.problem.sense = pulp.LpMaximize
    fresh.solve(start=start, gap=0.0)
    assert rebuilt.capacity["B", "battery"].value() == pytest.approx(30)
    assert pulp.value(cost) <= OPTIMUM + 1.6e6
    bound.changeRHS(OPTIMUM + 1.4e6)
    fresh.solve(start=start, gap=0.0)
    assert rebuilt.capacity["B", "battery"].value() == pytest.approx(0, abs=1e-6)
    # the PuLP fallback gives the same answer
    cbc = PulpSession(rebuilt.problem, SolverOptions("cbc", 60, 1e-9, 1))
    bound.changeRHS(OPTIMUM + 1.6e6)
    cbc.solve()
    assert rebuilt.capacity["B", "battery"].value() == pytest.approx(30)
    column = next(i for i, v in enumerate(cbc.variables) if v is rebuilt.capacity["B", "battery"])
    assert cbc.values()[column] == pytest.approx(30)


def test_the_relaxation_is_solved_in_the_session_and_leaves_the_mip_as_it_was():
    """min 10y + x + 3 s.t. x + 4y ≥ 2, x ≤ 1, y binary. By hand: the LP takes x = 1 and
    y = 1/4 (6.5, the constant 3 included); the MIP must open y (x ≤ 1 cannot cover 2): 13."""
    y = pulp.LpVariable("y", cat=pulp.LpBinary)
    x = pulp.LpVariable("x", lowBound=0, upBound=1)
    problem = pulp.LpProblem("relax", pulp.LpMinimize)
    problem += 10 * y + x + 3
    problem += x + 4 * y >= 2
    session = HighsSession(problem, SolverOptions("highs", 60, 1e-9, 1))
    bound, values = session.relaxation()
    assert bound == pytest.approx(6.5)
    assert dict(zip([v.name for v in session.variables], values, strict=True)) == pytest.approx(
        {"x": 1.0, "y": 0.25}
    )
    assert y.varValue is None  # PuLP's variables untouched by the relaxation
    status, *_ = session.solve()
    assert status.value == "optimal"
    assert pulp.value(problem.objective) == pytest.approx(13.0)
    assert (y.value(), x.value()) == pytest.approx((1.0, 0.0))
    # infeasible once x + 4y ≥ 6: no bound, and the session still solves afterwards
    problem.get_constraint_by_name("_C1").changeRHS(6)
    assert session.relaxation() == (None, None)
    problem.get_constraint_by_name("_C1").changeRHS(2)
    assert session.relaxation()[0] == pytest.approx(6.5)
