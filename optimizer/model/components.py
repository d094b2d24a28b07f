"""Split a PuLP problem into independent parts and solve each on its own.

Two variables belong to the same part when some constraint holds both. Parts share no
constraint, so the optimum of the whole is the optimum of each part put together, with
objective Σ parts. Solving the parts apart is exact, and faster where the siting MILP falls
apart (e.g. a scenario in which magnets can build only where no other type can: they share no
mineral or market row with batteries and solar, and then no labor pool), so branch-and-bound on
one part no longer explores the near-ties of another. In the built-in data the states' shared
labor pools join the three types into one part.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pulp


def _find(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def independent_parts(problem: pulp.LpProblem) -> list[tuple[list[pulp.LpVariable], list[str]]]:
    """(variables, constraint names) of each independent part, largest first.

    Variables that appear in no constraint form one-variable parts; an empty constraint goes
    with the first part.
    """
    variables = problem.variables()
    position = {v.name: i for i, v in enumerate(variables)}
    parent = list(range(len(variables)))
    first_var: dict[str, int | None] = {}
    for name, row in _rows(problem).items():
        members = [position[v.name] for v in row.keys()]  # noqa: SIM118 - not a dict
        first_var[name] = members[0] if members else None
        if not members:
            continue
        root = _find(parent, members[0])
        for j in members[1:]:
            other = _find(parent, j)
            if other != root:
                parent[other] = root
    groups: dict[int, list[int]] = {}
    for i in range(len(variables)):
        groups.setdefault(_find(parent, i), []).append(i)
    order = sorted(groups, key=lambda r: -len(groups[r]))
    part_of = {root: p for p, root in enumerate(order)}
    rows: list[list[str]] = [[] for _ in order]
    for name, j in first_var.items():
        rows[part_of[_find(parent, j)] if j is not None else 0].append(name)
    return [([variables[i] for i in groups[root]], rows[part_of[root]]) for root in order]


def sub_problem(
    problem: pulp.LpProblem, variables: list[pulp.LpVariable], rows: list[str], index: int
) -> pulp.LpProblem:
    """The part of ``problem`` on ``variables`` and ``rows``: the same constraint objects (so
    their duals and slacks land where the caller reads them) and the objective restricted to
    the part's variables (the objective's constant goes to part 0)."""
    sub = pulp.LpProblem(f"{problem.name}_part{index}", problem.sense)
    names = {v.name for v in variables}
    objective = pulp.LpAffineExpression(
        [(v, c) for v, c in problem.objective.items() if v.name in names],
        constant=problem.objective.constant if index == 0 else 0.0,
    )
    sub.setObjective(objective)
    source, target = _rows(problem), _rows(sub)
    for name in rows:
        target[name] = source[name]
    sub._variables = list(variables)  # keep variables that appear in no row or objective term
    sub._variable_ids = {id(v): v for v in variables}
    return sub


_RANK = {
    pulp.LpStatusInfeasible: 0,
    pulp.LpStatusUnbounded: 1,
    pulp.LpStatusNotSolved: 2,
    pulp.LpStatusUndefined: 2,
    pulp.LpStatusOptimal: 3,
}
_SOL_RANK = {
    pulp.LpSolutionInfeasible: 0,
    pulp.LpSolutionUnbounded: 1,
    pulp.LpSolutionNoSolutionFound: 2,
    pulp.LpSolutionIntegerFeasible: 3,
    pulp.LpSolutionOptimal: 4,
}


def solve_parts(
    problem: pulp.LpProblem,
    solve_one: Callable[[pulp.LpProblem, float], float | None],
    time_limit_s: float,
) -> tuple[int, float | None]:
    """Solve each independent part with ``solve_one(part, seconds_left)`` (which returns the
    part's relative MIP gap or None); set ``problem.status``/``sol_status`` to the worst part's.

    Returns (number of parts, overall relative gap = Σ |gap_i·obj_i| / |Σ obj_i|, None when a
    part's gap is unknown). One part is solved as the whole problem.
    """
    parts = independent_parts(problem)
    if len(parts) <= 1:
        gap = solve_one(problem, time_limit_s)
        return 1, gap
    start = time.perf_counter()
    status, sol_status = pulp.LpStatusOptimal, pulp.LpSolutionOptimal
    absolute, total, known = 0.0, 0.0, True
    for index, (variables, rows) in enumerate(parts):
        sub = sub_problem(problem, variables, rows, index)
        left = max(time_limit_s - (time.perf_counter() - start), 0.001)
        gap = solve_one(sub, left)
        if _RANK.get(sub.status, 2) < _RANK[status]:
            status = sub.status
        if _SOL_RANK.get(sub.sol_status, 2) < _SOL_RANK[sol_status]:
            sol_status = sub.sol_status
        value = sub.objective.value() if sub.objective is not None else 0.0
        value = float(value or 0.0)
        total += value
        if gap is None:
            known = known and not _is_mip(sub)
        else:
            absolute += abs(gap * value)
        if status != pulp.LpStatusOptimal:
            break
    problem.status, problem.sol_status = status, sol_status
    gap = absolute / abs(total) if known and total else (0.0 if known else None)
    return len(parts), gap


def _rows(problem: pulp.LpProblem) -> dict:
    """The problem's constraints by name (the dict PuLP keeps; its public mapping view is
    deprecated)."""
    rows = getattr(problem, "_constraints", None)
    return rows if isinstance(rows, dict) else problem.constraints


def _is_mip(problem: pulp.LpProblem) -> bool:
    return any(v.cat == pulp.LpInteger for v in problem.variables())
