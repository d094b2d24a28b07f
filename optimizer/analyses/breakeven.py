"""Break-even: the value of one parameter at which scenario A and B swap ranks.

:func:`break_even` evaluates both scenarios on a grid of the parameter (``optimizer.analyses.
parameters``), then bisects the first interval where the sign of their difference changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from regions import RegionData

from ..model.scenario import Scenario, load_scenario
from ..model.technology import TechnologyData
from ..runs.parallel import Context, Executor, SerialExecutor, run_all
from ..runs.specs import envelope_overrides
from .parameters import Parameter, merge_specs


@dataclass(frozen=True)
class BreakEven:
    """Where scenario A and B swap ranks along one parameter.

    Attributes:
        flips: True when the KPI difference A − B changes sign within ``bounds``.
        value: the parameter value of the first flip (midpoint of ``bracket``), else None.
        bracket: (low, high) around the flip, narrower than ``tol``; None without a flip.
        other_flips: further sign changes found on the grid (brackets), if any.
        evaluations: every value solved: ``value, kpi_a, kpi_b, difference`` (A − B),
            ``cheaper`` ('a', 'b' or 'tie'), ``status_a``, ``status_b`` ('optimal', or
            'feasible' when a run stopped at its time limit before proving its optimum).
        message: one sentence for a report (it says when some value was not solved to a
            proven optimum).
    """

    parameter: str
    scenario_a: str
    scenario_b: str
    kpi: str
    bounds: tuple[float, float]
    flips: bool
    value: float | None
    bracket: tuple[float, float] | None
    other_flips: tuple[tuple[float, float], ...]
    evaluations: pd.DataFrame
    message: str


def break_even(
    scenario_a: str | Path | Scenario,
    scenario_b: str | Path | Scenario,
    parameter: Parameter,
    data: RegionData | None = None,
    tech: TechnologyData | None = None,
    *,
    bounds: tuple[float, float] | None = None,
    tol: float | None = None,
    kpi: str = "total_annual_cost",
    grid: int = 5,
    max_iter: int = 60,
    executor: Executor | None = None,
    mip_gap: float | None = None,
) -> BreakEven:
    """Bisect ``parameter`` for the value where KPI(A) − KPI(B) changes sign.

    Args:
        parameter: applied identically to both scenarios (e.g.
            ``zone_multiplier(data, "power_price", "great-lakes", 0.5, 1.5)`` or
            ``zone_factor(data, "permitting_months", "south", 0.5, 3.0)``).
        bounds: search interval (default: the parameter's low, high).
        tol: stop when the bracket is narrower (default 1e-3 × the interval width).
        kpi: payload KPI to rank by (default total annual cost [USD/yr]; lower ranks first).
        grid: values solved evenly across the bounds before bisecting (≥ 2), so a sign change
            inside is found even when both ends agree; the first change is bisected.
        executor: where to solve (default: this process; each step needs only two solves).
    """
    scenario_a, scenario_b = load_scenario(scenario_a), load_scenario(scenario_b)
    context_a = Context.create(scenario_a, data, tech, mip_gap)
    context_b = Context.create(scenario_b, context_a.data, context_a.tech, mip_gap)
    lo, hi = bounds if bounds is not None else (parameter.low, parameter.high)
    if not lo < hi:
        raise ValueError(f"bounds must satisfy low < high, got {(lo, hi)}")
    tol = tol if tol is not None else 1e-3 * (hi - lo)
    executor = executor if executor is not None else SerialExecutor()
    envelope = (
        envelope_overrides(context_a.tech, [parameter.key]) if parameter.kind == "tech" else []
    )
    evaluations: list[dict] = []

    def difference(values: Sequence[float]) -> list[float]:
        runs_a, runs_b = [], []
        for v in values:
            spec = merge_specs(parameter.spec(v), {"envelope": envelope} if envelope else {})
            runs_a.append(context_a.run(spec, {"parameter": parameter.name, "value": v}))
            runs_b.append(context_b.run(spec, {"parameter": parameter.name, "value": v}))
        out_a = run_all(context_a, runs_a, executor=executor, progress=False)
        out_b = run_all(context_b, runs_b, executor=executor, progress=False)
        diffs = []
        for v, ra, rb in zip(values, runs_a, runs_b, strict=True):
            a, b = out_a[ra.key], out_b[rb.key]
            if not (a.ok and b.ok):
                failed = a if not a.ok else b
                raise RuntimeError(f"{parameter.name} = {v:g}: {failed.error}")
            ka, kb = a.payload["kpis"][kpi], b.payload["kpis"][kpi]
            diff = ka - kb
            evaluations.append(
                {
                    "value": v,
                    "kpi_a": ka,
                    "kpi_b": kb,
                    "difference": diff,
                    "cheaper": "a" if diff < 0 else ("b" if diff > 0 else "tie"),
                    "status_a": a.status,
                    "status_b": b.status,
                }
            )
            diffs.append(diff)
        return diffs

    points = list(np.linspace(lo, hi, max(grid, 2)))
    diffs = difference(points)
    changes = [
        (points[i], points[i + 1])
        for i in range(len(points) - 1)
        if np.sign(diffs[i]) != np.sign(diffs[i + 1])
    ]
    name_a, name_b = scenario_a.name, scenario_b.name
    if not changes:
        cheaper = name_a if diffs[0] < 0 else name_b
        message = (
            f"no flip within bounds [{lo:g}, {hi:g}] of {parameter.name}: "
            f"{cheaper} ranks first at every value tried"
        ) + _unproven(evaluations)
        return BreakEven(
            parameter.name,
            name_a,
            name_b,
            kpi,
            (lo, hi),
            False,
            None,
            None,
            (),
            _evaluations(evaluations),
            message,
        )
    a_lo, a_hi = changes[0]
    sign_lo = np.sign(diffs[points.index(a_lo)])
    for _ in range(max_iter):
        if a_hi - a_lo <= tol:
            break
        mid = 0.5 * (a_lo + a_hi)
        (d_mid,) = difference([mid])
        if np.sign(d_mid) == sign_lo:
            a_lo = mid
        else:
            a_hi = mid
    value = 0.5 * (a_lo + a_hi)
    below, above = (name_a, name_b) if sign_lo < 0 else (name_b, name_a)
    message = (
        f"{below} ranks first below {parameter.name} ≈ {value:.4g} and {above} above "
        f"(bracket [{a_lo:.6g}, {a_hi:.6g}])"
    )
    if len(changes) > 1:
        message += f"; {len(changes) - 1} further flip(s) on the grid"
    message += _unproven(evaluations)
    return BreakEven(
        parameter.name,
        name_a,
        name_b,
        kpi,
        (lo, hi),
        True,
        value,
        (a_lo, a_hi),
        tuple(changes[1:]),
        _evaluations(evaluations),
        message,
    )


EVALUATION_COLUMNS = ["value", "kpi_a", "kpi_b", "difference", "cheaper", "status_a", "status_b"]


def _evaluations(rows: list[dict]) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=EVALUATION_COLUMNS)
    return table.sort_values("value", ignore_index=True)


def _unproven(rows: list[dict]) -> str:
    """A warning when some run stopped before proving its optimum (a time limit): a sign
    change there may come from the solver, not from the parameter."""
    values = sorted(
        r["value"] for r in rows if r["status_a"] != "optimal" or r["status_b"] != "optimal"
    )
    if not values:
        return ""
    shown = ", ".join(f"{v:.4g}" for v in values[:5]) + (", …" if len(values) > 5 else "")
    return (
        f"; {len(values)} of {len(rows)} values were not solved to a proven optimum (time limit: "
        f"{shown}), so a flip near them may come from the solver: solve again with a longer "
        "solver.time_limit_s"
    )
