"""Shadow prices: fix the binaries at their solution, re-solve the LP, read the duals."""

from __future__ import annotations

import time

import pandas as pd
import pulp

from .extract import SHADOW_PRICE_COLUMNS
from .model import ClusterModel
from .scenario import SolverOptions
from .solve import make_solver
from .status import SolveStatus
from .technology import CAPACITY_UNITS

DUAL_FAMILIES = {
    # family: (sign so that value = cost saved per unit the limit is relaxed, unit of the value)
    "target": (1.0, "USD/yr per {unit}"),
    "labor": (-1.0, "USD/yr per job"),
    "source_limit": (-1.0, "USD/yr per t/yr"),
    "domestic_share": (1.0, "USD/yr per t"),
    "max_scale": (-1.0, "USD/yr per {unit}"),
}
BINDING_TOLERANCE = 1e-6


def shadow_prices(model: ClusterModel, options: SolverOptions) -> tuple[pd.DataFrame, float]:
    """Duals of targets, labor, source and share limits [USD/yr per unit] with binaries fixed.

    The target dual is the marginal annual cost of one more unit of national target; a labor or
    source dual is what one more job / tonne of capacity at that limit would save. Returns the
    table and the seconds spent. Variable values of the MIP solution must be read before.
    """
    start = time.perf_counter()
    saved = {}
    for var in model.open.values():
        saved[var.name] = (var.cat, var.lowBound, var.upBound)
        fixed = round(var.value() or 0.0)
        var.cat, var.lowBound, var.upBound = pulp.LpContinuous, fixed, fixed
    columns = SHADOW_PRICE_COLUMNS
    try:
        solver, _ = make_solver(options, mip=False)
        model.problem.solve(solver)
        ok = model.problem.status == pulp.LpStatusOptimal
        rows = []
        if ok:
            for family, (sign, unit) in DUAL_FAMILIES.items():
                for key, row in model.constraints.get(family, {}).items():
                    k = key if family == "target" else (key[1] if family == "max_scale" else None)
                    if family == "max_scale" and row.pi == 0:
                        continue
                    slack = row.slack if row.slack is not None else 0.0
                    rows.append(
                        {
                            "constraint": family,
                            "key": "/".join(key) if isinstance(key, tuple) else str(key),
                            "value": sign * float(row.pi or 0.0),
                            "unit": unit.format(unit=CAPACITY_UNITS.get(k, "unit")),
                            "binding": abs(slack)
                            <= BINDING_TOLERANCE * max(1.0, abs(row.constant)),
                        }
                    )
    finally:
        for var in model.open.values():
            var.cat, var.lowBound, var.upBound = saved[var.name]
    table = pd.DataFrame(rows if ok else [], columns=columns)
    return table, time.perf_counter() - start


def dual_status(model: ClusterModel) -> SolveStatus:
    """Status of the last (LP) solve, for reporting."""
    return (
        SolveStatus.OPTIMAL
        if model.problem.status == pulp.LpStatusOptimal
        else SolveStatus.NO_SOLUTION
    )
