"""Solve near-optimal plans part by part: the independent parts of the siting model apart.

The siting model falls into independent parts (``optimizer.model.components``: types that share
no mineral, market or labor-pool row; in the built-in data the shared labor pools make it one
part). A goal is a sum of terms, each on one part; only the one cost bound ties the parts
together. Parts that one goal spans are joined first (:func:`goal_linked`), so every goal
concerns exactly one (joined) part, and that part gets the whole slack,

    cost_p ≤ C*_p + ε·C*,

while the parts the goal does not concern keep their optimal plan (spending slack there cannot
move the goal). Every plan therefore costs at most (1 + ε)·C*, and it is the same problem as one
bound on the whole plan: the true maximum (or minimum) of the goal. Parts no goal spans stay
apart, each a smaller MILP than the whole.

Each part is held in its own HiGHS session (``optimizer.runs.highs_session``) and solved in two
stages (the goal, then the cheapest plan reaching it), as in ``optimizer.analyses.alternatives``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pulp

from ..model.components import independent_parts, sub_problem
from ..model.scenario import SolverOptions
from ..runs.highs_session import Outcome, Session, session_for
from ..status import SolveStatus

GOAL_TOLERANCE = 1e-6
"""Relative give on a part's goal level when stage two minimises its cost with the level held."""


@dataclass
class Part:
    """One independent part: its sub-problem and session, cost expression and optimal cost,
    cost-bound row and, per goal with terms here, the goal variable and sense."""

    problem: pulp.LpProblem
    session: Session
    cost: pulp.LpAffineExpression
    optimum: float
    bound: pulp.LpConstraint
    goals: dict[str, tuple[pulp.LpVariable, int]] = field(default_factory=dict)
    start: np.ndarray | None = None

    def restore(self, values: np.ndarray | None = None) -> None:
        """Put ``values`` (default: the optimum's) back into the part's variables."""
        values = self.start if values is None else values
        for var, value in zip(self.session.variables, values, strict=True):
            var.varValue = float(value)


def goal_linked(
    parts: list[tuple[list[pulp.LpVariable], list[str]]],
    goals: dict[str, tuple[pulp.LpAffineExpression, int]],
) -> list[tuple[list[pulp.LpVariable], list[str]]]:
    """The independent parts, with those that one goal spans joined into one part.

    A goal over several parts (every type's capacity in a zone, say) must share one slack: the
    most it can reach within (1 + ε)·C* may spend the whole slack in one part. Joined parts get
    one cost bound, so the plan is the true maximum; parts no goal spans stay apart (smaller
    MILPs, and a goal on one of them gets all the slack anyway)."""
    part_of = {v.name: i for i, (variables, _rows) in enumerate(parts) for v in variables}
    parent = list(range(len(parts)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for expr, _sense in goals.values():
        spanned = sorted({part_of[v.name] for v in expr if v.name in part_of})
        for i in spanned[1:]:
            parent[root(i)] = root(spanned[0])
    joined: dict[int, tuple[list, list]] = {}
    for i, (variables, rows) in enumerate(parts):
        group = joined.setdefault(root(i), ([], []))
        group[0].extend(variables)
        group[1].extend(rows)
    return [joined[r] for r in sorted(joined)]


def split(
    problem: pulp.LpProblem,
    cost: pulp.LpAffineExpression,
    goals: dict[str, tuple[pulp.LpAffineExpression, int]],
    options: SolverOptions,
) -> list[Part]:
    """Split ``problem`` (solved at its optimum, with ``cost`` its objective) into parts, add a
    cost-bound row and one goal row per goal with terms in each, and open a session per part
    started from the optimum."""
    parts = goal_linked(independent_parts(problem), goals)
    part_of = {v.name: i for i, (variables, _rows) in enumerate(parts) for v in variables}
    out = []
    for i, (variables, rows) in enumerate(parts):
        mine = pulp.LpAffineExpression([(v, c) for v, c in cost.items() if part_of[v.name] == i])
        optimum = float(mine.value() or 0.0)
        bound = pulp.LpConstraint(mine.copy(), pulp.LpConstraintLE, f"alt_cost_bound_{i}", optimum)
        problem.addConstraint(bound)
        extra_vars, extra_rows = [], [bound.name]
        part_goals = {}
        for g, (name, (expr, sense)) in enumerate(goals.items()):
            terms = [(v, c) for v, c in expr.items() if part_of.get(v.name) == i]
            if not terms:
                continue
            value = pulp.LpVariable(f"alt_goal_{g}_{i}")
            row = pulp.LpConstraint(
                pulp.LpAffineExpression([*terms, (value, -1.0)]),
                pulp.LpConstraintEQ,
                f"alt_goal_row_{g}_{i}",
                0.0,
            )
            problem.addConstraint(row)
            value.varValue = sum(c * float(v.value() or 0.0) for v, c in terms)
            extra_vars.append(value)
            extra_rows.append(row.name)
            part_goals[name] = (value, sense)
        sub = sub_problem(problem, [*variables, *extra_vars], [*rows, *extra_rows], i)
        sub.setObjective(mine)
        session = session_for(sub, options)
        part = Part(sub, session, mine, optimum, bound, part_goals)
        part.start = session.values()
        out.append(part)
    return out


def budgets(parts: Sequence[Part], goal: str, slack: float, optimum: float) -> dict[int, float]:
    """Cost budget [USD/yr] of each part the goal concerns (by position), summing to
    slack · optimum, in proportion to the parts' optimal costs."""
    concerned = [i for i, p in enumerate(parts) if goal in p.goals]
    weights = {i: max(parts[i].optimum, 0.0) for i in concerned}
    total = sum(weights.values())
    if total <= 0:
        weights, total = dict.fromkeys(concerned, 1.0), float(len(concerned) or 1)
    return {i: slack * optimum * weights[i] / total for i in concerned}


def fits(parts: Sequence[Part], spent: dict[int, float], room: dict[int, float]) -> bool:
    """True when every part's cost ``spent`` stays within its optimum plus ``room``."""
    return all(spent[i] <= parts[i].optimum + room[i] for i in room)


def solve_goal(
    parts: Sequence[Part], goal: str, room: dict[int, float], goal_gap: float, cost_gap: float
) -> tuple[Outcome, dict[int, float]]:
    """Both stages in every part the goal concerns (the others back at the optimum); the
    combined outcome and each concerned part's cost [USD/yr]."""
    outcomes, spent = [], {}
    for i, part in enumerate(parts):
        if i not in room:
            part.restore()
            continue
        value, sense = part.goals[goal]
        part.bound.changeRHS(part.optimum + room[i])
        found = _stage_one(part, value, sense, goal_gap)
        if found[0].has_solution:
            level = float(value.value() or 0.0)
            reached = part.session.values()
            cheapest = _stage_two(part, value, sense, level, cost_gap, reached)
            if cheapest[0].has_solution:
                found = cheapest
            else:  # keep stage one's plan: it reaches the level within the budget
                part.restore(reached)
                found = (*found[:4], f"cheapest plan not found ({cheapest[0].value})")
        outcomes.append(found)
        if not found[0].has_solution:
            break
        spent[i] = float(part.cost.value() or 0.0)
    return combine(outcomes), spent


def _stage_one(part: Part, value: pulp.LpVariable, sense: int, gap: float) -> Outcome:
    problem = part.problem
    problem.setObjective(pulp.LpAffineExpression([(value, 1.0)]))
    problem.sense = sense
    try:
        return part.session.solve(gap=max(gap, part.session.options.mip_gap), start=part.start)
    finally:
        problem.setObjective(part.cost)
        problem.sense = pulp.LpMinimize


def _stage_two(
    part: Part,
    value: pulp.LpVariable,
    sense: int,
    level: float,
    gap: float,
    start: np.ndarray | None,
) -> Outcome:
    give = GOAL_TOLERANCE * max(1.0, abs(level))
    if sense == pulp.LpMaximize:
        value.lowBound = level - give
    else:
        value.upBound = level + give
    try:
        return part.session.solve(gap=max(gap, part.session.options.mip_gap), start=start)
    finally:
        value.lowBound = value.upBound = None


def combine(outcomes: Sequence[Outcome]) -> Outcome:
    """One outcome for several parts: the worst status, total seconds, the largest gap."""
    if not outcomes:
        return SolveStatus.OPTIMAL, "highs", 0.0, 0.0, ""
    rank = [SolveStatus.OPTIMAL, SolveStatus.FEASIBLE]
    status = max((o[0] for o in outcomes), key=lambda s: rank.index(s) if s in rank else 9)
    gaps = [o[3] for o in outcomes]
    gap = None if any(g is None for g in gaps) else max(gaps)
    messages = "; ".join(o[4] for o in outcomes if o[4])
    return status, outcomes[-1][1], sum(o[2] for o in outcomes), gap, messages
