"""Independent parts of a problem are solved apart, exactly (worked by hand)."""

from __future__ import annotations

import pulp
import pytest

from optimizer.model.components import independent_parts
from optimizer.model.scenario import SolverOptions
from optimizer.model.solve import run_solver
from optimizer.status import SolveStatus


def two_parts(second_rhs: float = 3.0) -> tuple[pulp.LpProblem, dict]:
    """Part 1: min 2x + 5y, x + y ≥ 4, x ≤ 3 (x = 3, y = 1: 11). Part 2: a fixed-charge choice,
    min 10·b + z, z ≥ second_rhs, z ≤ 5·b (b = 1, z = 3: 13). Constant 7 in the objective."""
    p = pulp.LpProblem("two_parts", pulp.LpMinimize)
    x = pulp.LpVariable("x", 0, 3)
    y = pulp.LpVariable("y", 0)
    b = pulp.LpVariable("b", cat=pulp.LpBinary)
    z = pulp.LpVariable("z", 0)
    p += 2 * x + 5 * y + 10 * b + z + 7
    p += x + y >= 4, "demand"
    p += z >= second_rhs, "need"
    p += z - 5 * b <= 0, "link"
    return p, {"x": x, "y": y, "b": b, "z": z}


def test_parts_follow_the_constraints():
    p, _ = two_parts()
    parts = independent_parts(p)
    names = sorted(sorted(v.name for v in variables) for variables, _rows in parts)
    assert names == [["b", "z"], ["x", "y"]]
    assert sorted(sorted(rows) for _v, rows in parts) == [["demand"], ["link", "need"]]


def test_solved_apart_equals_the_whole():
    p, v = two_parts()
    status, _name, _s, gap, _msg = run_solver(p, SolverOptions(mip_gap=1e-9))
    assert status is SolveStatus.OPTIMAL
    assert p.objective.value() == pytest.approx(11 + 13 + 7)
    assert {k: var.value() for k, var in v.items()} == pytest.approx(
        {"x": 3, "y": 1, "b": 1, "z": 3}
    )
    assert gap == pytest.approx(0.0, abs=1e-9)
    whole, _ = two_parts()
    whole.solve(pulp.HiGHS(msg=False))
    assert whole.objective.value() == pytest.approx(p.objective.value())


def test_an_infeasible_part_makes_the_whole_infeasible():
    p, _ = two_parts(second_rhs=6.0)  # z ≥ 6 but z ≤ 5·b ≤ 5
    status, *_ = run_solver(p, SolverOptions())
    assert status is SolveStatus.INFEASIBLE
