"""Shadow prices: fix the binaries at their solution, re-solve the LP, read the duals.

The LP is solved in the HiGHS object of the MIP solve when there is one (``take_mip_highs``):
its binaries made continuous and fixed, its solver data cleared and its options reset to those
of a fresh LP, so the LP and its duals are those of a model built again (about 0.04 s less per
scenario); otherwise PuLP builds the LP anew.

Only duals that mean something at the solution are published: national targets (with markets,
the target row plus each market node's row weighted by its share), source limits,
domestic-share rows, and the labor, scale, expansion and room limits of sites that are open.
A limit of a closed site has no marginal value (its capacity is zero whatever the limit), so its
dual is not reported. ``finite_difference`` re-solves with one limit moved, to check a dual.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd
import pulp

from ..status import SolveStatus
from .extract import SHADOW_PRICE_COLUMNS
from .milp import ClusterModel
from .scenario import SolverOptions
from .solve import HIGHS_AVAILABLE, make_solver, take_mip_highs
from .technology import CAPACITY_UNITS

DUAL_FAMILIES = {
    # family: (sign so that value = cost saved per unit the limit is relaxed — for targets, the
    # cost of one more unit —, unit of the value, published only for open sites)
    "target": (1.0, "USD/yr per {unit}", False),
    "labor": (-1.0, "USD/yr per job", True),
    "source_limit": (-1.0, "USD/yr per t/yr", False),
    "domestic_share": (1.0, "USD/yr per t/yr", False),
    "max_scale": (-1.0, "USD/yr per {unit}", True),
    "expansion_limit": (-1.0, "USD/yr per {unit}", True),
    "room": (-1.0, "USD/yr per {unit}", True),
}
BINDING_TOLERANCE = 1e-6


def open_sites(model: ClusterModel) -> set[tuple[str, str]]:
    """(region, type) of every site whose greenfield or expansion binary is 1."""
    found = {key for key, var in model.open.items() if (var.value() or 0.0) > 0.5}
    return found | {key for key, var in model.expand_open.items() if (var.value() or 0.0) > 0.5}


@contextmanager
def binaries_fixed(model: ClusterModel) -> Iterator[None]:
    """Within the block every binary is a continuous variable fixed at its solution value."""
    saved = {}
    for var in [*model.open.values(), *model.expand_open.values()]:
        saved[var.name] = (var, var.cat, var.lowBound, var.upBound)
        fixed = round(var.value() or 0.0)
        var.cat, var.lowBound, var.upBound = pulp.LpContinuous, fixed, fixed
    try:
        yield
    finally:
        for var, cat, low, up in saved.values():
            var.cat, var.lowBound, var.upBound = cat, low, up


def target_rows(model: ClusterModel, k: str) -> list[tuple[pulp.LpConstraint, float]]:
    """The rows a national target of type k sets, each with its right-hand side per unit of
    target: the target row (1) and, with markets, each market node of type k (its share)."""
    rows = [(model.constraints["target"][k], 1.0)]
    nodes = model.inputs.nodes
    for node_id, row in model.constraints.get("market", {}).items():
        if nodes.at[node_id, "cluster_type"] == k:
            rows.append((row, float(nodes.at[node_id, "share"])))
    return rows


def published_rows(model: ClusterModel) -> Iterator[tuple[str, object, pulp.LpConstraint]]:
    """(family, key, row) of every constraint whose dual is published."""
    opened = open_sites(model)
    for family, (_sign, _unit, sites_only) in DUAL_FAMILIES.items():
        for key, row in model.constraints.get(family, {}).items():
            # a labor row is one region's pool shared by its types (keyed by region_id)
            pooled = family == "labor" and any(r == key for r, _k in opened)
            if sites_only and key not in opened and not pooled:
                continue
            if family == "max_scale" and (model.open[key].value() or 0.0) < 0.5:
                continue
            if family == "expansion_limit" and (model.expand_open[key].value() or 0.0) < 0.5:
                continue
            yield family, key, row


def shadow_prices(model: ClusterModel, options: SolverOptions) -> tuple[pd.DataFrame, float]:
    """Published duals [USD/yr per unit] with binaries fixed, and the seconds spent.

    The target dual is the marginal annual cost of one more unit of national target; a labor,
    source or scale dual is what one more job / tonne / unit at that limit would save. Variable
    values of the MIP solution must be read before.
    """
    start = time.perf_counter()
    rows = []
    published = list(published_rows(model))
    highs = take_mip_highs(model.problem)
    with binaries_fixed(model):
        solver, _ = make_solver(options, mip=False)
        if highs is None or not _solve_lp_in_place(model, highs, solver):
            model.problem.solve(solver)
        ok = model.problem.status == pulp.LpStatusOptimal
        if ok:
            for family, key, row in published:
                sign, unit, _ = DUAL_FAMILIES[family]
                k = key if family == "target" else (key[1] if isinstance(key, tuple) else None)
                slack = row.slack if row.slack is not None else 0.0
                pi = (
                    sum(float(r.pi or 0.0) * w for r, w in target_rows(model, key))
                    if family == "target"
                    else float(row.pi or 0.0)
                )
                rows.append(
                    {
                        "constraint": family,
                        "key": "/".join(key) if isinstance(key, tuple) else str(key),
                        "value": sign * pi,
                        "unit": unit.format(unit=CAPACITY_UNITS.get(k, "unit")),
                        "binding": abs(slack) <= BINDING_TOLERANCE * max(1.0, abs(row.constant)),
                    }
                )
    table = pd.DataFrame(rows if ok else [], columns=SHADOW_PRICE_COLUMNS)
    return table, time.perf_counter() - start


def _solve_lp_in_place(model: ClusterModel, highs: object, solver: pulp.LpSolver) -> bool:
    """Solve the LP with binaries fixed (``binaries_fixed`` holds) in ``highs``, the HiGHS object
    of the model's MIP solve, as PuLP would in a new one: same columns, rows, bounds and
    options, no basis or solution kept. Values, duals, slacks and status land as from
    ``problem.solve``. False (nothing changed) when ``highs`` does not hold this problem."""
    problem = model.problem
    variables = problem.variables()
    if (
        not HIGHS_AVAILABLE
        or not isinstance(solver, pulp.HiGHS)
        or highs.getNumCol() != len(variables)
        or highs.getNumRow() != len(problem._constraints)
        or any(getattr(v, "index", None) != i for i, v in enumerate(variables))
    ):
        return False
    import highspy

    highs.clearSolver()
    highs.resetOptions()
    if not solver.msg:
        highs.setOptionValue("output_flag", False)
    for option, value in (
        ("mip_rel_gap", solver.gapRel),
        ("mip_abs_gap", solver.gapAbs),
        ("threads", solver.threads),
        ("time_limit", None if solver.timeLimit is None else float(solver.timeLimit)),
        *solver.optionsDict.items(),
    ):
        if value is not None:
            highs.setOptionValue(option, value)
    for var in [*model.open.values(), *model.expand_open.values()]:
        highs.changeColIntegrality(var.index, highspy.HighsVarType.kContinuous)
        highs.changeColBounds(var.index, var.lowBound, var.upBound)
    solver.callSolver(problem)
    problem.assignStatus(*solver.findSolutionValues(problem))
    return True


def finite_difference(
    model: ClusterModel, options: SolverOptions, family: str, key: object, delta: float
) -> tuple[float, float]:
    """Bounds ``(low, high)`` on the published dual of ``family[key]`` from two LP re-solves
    (binaries fixed) with the limit moved by ±``delta`` [its unit].

    For a limit, ``low`` is the cost saved per unit relaxed and ``high`` the cost added per unit
    tightened; for a target, the cost per unit removed and per unit added. The LP value is
    piecewise linear and convex in a limit, so a correct dual lies between them, and equals both
    where the limit is not at a kink (a degenerate solution). A side whose LP is infeasible
    (a limit tightened below what existing plants need) is infinite.
    """
    row = model.constraints[family][key]
    solver, _ = make_solver(options, mip=False)
    # a target moves every row it sets (the target row and its market nodes' shares)
    moved = target_rows(model, key) if family == "target" else [(row, 1.0)]
    original = [r.constant for r, _w in moved]
    # rhs = −constant; "relax by step": ≤ rows and targets raise rhs, ≥ rows lower it
    shift = 1.0 if row.sense == pulp.LpConstraintGE else -1.0
    values = {}
    with binaries_fixed(model):
        try:
            # the unmoved LP last, so the variables hold its solution afterwards
            for step in (delta, -delta, 0.0):
                for (r, weight), constant in zip(moved, original, strict=True):
                    r.constant = constant + shift * step * weight
                model.problem.solve(solver)
                if model.problem.status == pulp.LpStatusOptimal:
                    values[step] = float(model.problem.objective.value())
                elif step == 0.0:  # pragma: no cover - the LP of a MIP solution is feasible
                    raise RuntimeError(f"the LP with binaries fixed is not optimal ({family})")
                else:
                    values[step] = math.inf
        finally:
            for (r, _w), constant in zip(moved, original, strict=True):
                r.constant = constant
    if family == "target":
        return (values[0.0] - values[-delta]) / delta, (values[delta] - values[0.0]) / delta
    return (values[0.0] - values[delta]) / delta, (values[-delta] - values[0.0]) / delta


def dual_status(model: ClusterModel) -> SolveStatus:
    """Status of the last (LP) solve, for reporting."""
    return (
        SolveStatus.OPTIMAL
        if model.problem.status == pulp.LpStatusOptimal
        else SolveStatus.NO_SOLUTION
    )
