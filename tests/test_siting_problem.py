"""The siting problem's variable list: kept between changes, the same as PuLP's after any."""

from __future__ import annotations

import pickle

import pulp

from optimizer.model.problem import SitingProblem


def _names(problem: pulp.LpProblem) -> list[str]:
    return [v.name for v in problem.variables()]


def _pair() -> tuple[SitingProblem, pulp.LpProblem, dict[str, pulp.LpVariable]]:
    """The same small model as a SitingProblem and as a plain PuLP problem."""
    v = {n: pulp.LpVariable(n, lowBound=0) for n in ("b", "a", "c", "d", "e")}
    ours, theirs = SitingProblem("ours", pulp.LpMinimize), pulp.LpProblem("theirs")
    for problem in (ours, theirs):
        problem.setObjective(2 * v["b"] + v["a"])
        problem.addConstraint(pulp.LpConstraint(v["a"] + v["b"], pulp.LpConstraintGE, "r1", 1))
    return ours, theirs, v


def test_the_list_is_kept_until_the_model_changes_and_then_matches_pulps():
    ours, theirs, v = _pair()
    first = ours.variables()
    assert [x.name for x in first] == _names(theirs) == ["a", "b"]
    assert ours.variables() is first  # kept: not walked again
    # a row with a new variable, through the problem
    for problem in (ours, theirs):
        problem.addConstraint(pulp.LpConstraint(v["c"] - v["a"], pulp.LpConstraintLE, "r2", 0))
    assert _names(ours) == _names(theirs) == ["a", "b", "c"]
    # a term added to a row already in the model (in place, not through the problem)
    for problem in (ours, theirs):
        problem.get_constraint_by_name("r1").addInPlace(v["d"])
    assert _names(ours) == _names(theirs) == ["a", "b", "c", "d"]
    # the objective grown in place, then replaced by assignment
    for problem in (ours, theirs):
        problem.objective.addInPlace(v["e"])
    assert _names(ours) == _names(theirs) == ["a", "b", "c", "d", "e"]
    ours.objective = pulp.LpAffineExpression([(v["b"], 1.0)])
    assert _names(ours) == ["a", "b", "c", "d", "e"]  # PuLP keeps variables it has seen


def test_a_pickled_problem_keeps_its_variables():
    ours, theirs, _v = _pair()
    ours.variables()
    copy = pickle.loads(pickle.dumps(ours))
    assert _names(copy) == _names(theirs) == ["a", "b"]
    # the copy's list holds the copy's own variables, the ones its rows hold
    assert set(map(id, copy.variables())) == set(map(id, copy.get_constraint_by_name("r1").keys()))
