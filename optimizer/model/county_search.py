"""County resolution, solved with a proof over every screened county.

1. **LP.** The LP relaxation of the model over every screened county: a first bound, and the
   counties where it builds.
2. **Kernel.** The MIP over the kernel of ``optimizer.model.county.kernel`` (per state and type
   the cheapest-power and deepest-labour counties) plus the LP's counties (about 370 counties)
   gives a good plan fast.
3. **Every county.** The model over *every* county that passes the labour screen (1,603
   battery, 2,625 magnet and 1,727 solar candidates on the embedded data; about 240,000 columns)
   is handed to HiGHS with the kernel plan as its first incumbent (extended by zeros, it is
   feasible there). HiGHS's root cuts raise the bound quickly; it stops at the scenario's gap
   or time limit. Its answer is the plan, its gap is proven over every screened county.

An earlier version proved the gap with the LP relaxation over every county alone: 0.25-0.42 %
on the county built-ins, because the relaxation pays a fraction of a cluster's fixed cost for a
fraction of its capacity. The root cuts close most of that.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pulp

from regions import RegionData

from .county import county_view
from .milp import ClusterModel, build_model
from .scenario import Scenario
from .solve import (
    MIP_HIGHS_ATTR,
    make_solver,
    match_highs_threads,
    max_objective_coefficient,
    objective_scale,
    run_solver,
)
from .technology import TechnologyData

FULL_MODEL_HEURISTICS = ("mip_heuristic_run_rins", "mip_heuristic_run_rens")
"""HiGHS heuristics switched back on for the model over every county (off for the state
models, ``optimizer.model.solve.HIGHS_MIP_OPTIONS``): around the kernel's plan and the root LP
they find the better plans the kernel misses (``great-lakes-county``: 34.753 → 34.703 bn
USD/yr within the first 100 s on a loaded machine)."""


@dataclass(frozen=True)
class CountySolve:
    """The solved model over every screened county and how it was reached.

    Attributes:
        view, scenario: the county dataset (every screened county) and the scenario on it.
        model: the solved model (variable values read as after ``problem.solve``).
        outcome: (status, solver, seconds, gap, message) of the full solve.
        kernel_objective: the kernel MIP's optimum [USD/yr] (None without a solution).
        kernel_counties: counties in the kernel.
        candidates: screened (county, type) candidate pairs by type.
        build_seconds: everything but the full solve: views, builds, LP, kernel MIP [s].
        lp_bound: the LP relaxation over every county [USD/yr] (a bound; the root cuts of the
            full solve usually raise it).
    """

    view: RegionData
    scenario: Scenario
    model: ClusterModel
    outcome: tuple
    kernel_objective: float | None
    kernel_counties: int
    candidates: dict[str, int]
    build_seconds: float
    lp_bound: float | None = None

    @property
    def bound(self) -> float | None:
        """Proven lower bound on any county plan [USD/yr]: the larger of the LP bound and the
        full solve's (objective × (1 − gap))."""
        status, _name, _seconds, gap, _message = self.outcome
        objective = self.model.problem.objective.value() if status.has_solution else None
        found = None if objective is None or gap is None else float(objective) * (1 - gap)
        bounds = [b for b in (found, self.lp_bound) if b is not None]
        return max(bounds) if bounds else None


def start_values(kernel: ClusterModel, full: ClusterModel) -> np.ndarray:
    """The kernel plan as column values of the full model, matched by variable name (columns
    the kernel does not have are 0: closed sites, no flow)."""
    values = {v.name: v.varValue or 0.0 for v in kernel.problem.variables()}
    return np.array([values.get(v.name, 0.0) for v in full.problem.variables()], dtype=float)


def relaxation(model: ClusterModel, session) -> tuple[float | None, frozenset[tuple[str, str]]]:
    """Solve ``model``'s LP relaxation (in the HiGHS object of ``session`` when it has one, so
    the model is handed to HiGHS once; through PuLP otherwise) and keep its binaries: the LP
    optimum [USD/yr] (a lower bound on every plan of the model; None if it did not solve) and the
    (region, type) pairs with greenfield capacity in it."""
    from ..runs.highs_session import HighsSession

    if isinstance(session, HighsSession):
        bound, values = session.relaxation()
        if bound is None or values is None:
            return None, frozenset()
        column = {id(v): i for i, v in enumerate(session.variables)}
        support = frozenset(k for k, v in model.capacity.items() if values[column[id(v)]] > 1e-6)
        return bound, support
    binaries = [v for v in model.problem.variables() if v.cat == pulp.LpInteger]
    for var in binaries:
        var.cat = pulp.LpContinuous
    try:
        options = session.options
        solver, name = make_solver(
            options, mip=False, max_cost=max_objective_coefficient(model.problem)
        )
        if name == "highs":
            match_highs_threads(options.threads)
        model.problem.solve(solver)
    finally:
        for var in binaries:
            var.cat = pulp.LpInteger
    if model.problem.status != pulp.LpStatusOptimal:
        return None, frozenset()
    support = frozenset(k for k, v in model.capacity.items() if (v.value() or 0.0) > 1e-6)
    return float(model.problem.objective.value()), support


def county_search(data: RegionData, scenario: Scenario, tech: TechnologyData) -> CountySolve:
    """Solve ``scenario`` at county resolution (see the module doc): the LP over every county,
    the kernel plus the LP's counties, then every county from that plan."""
    from ..runs.highs_session import HighsSession, session_for

    begin = time.perf_counter()
    view, full_scenario = county_view(data, scenario, tech, per_state=None)
    model = build_model(view, full_scenario, tech)
    session = session_for(model.problem, full_scenario.solver)
    if isinstance(session, HighsSession):  # scaled: the LP takes about 30 % less time
        scale = objective_scale(max_objective_coefficient(model.problem))
        session.highs.setOptionValue("user_objective_scale", scale)
    lp_bound, support = relaxation(model, session)
    kernel_view, kernel_scenario = county_view(data, scenario, tech, include=support)
    kernel = build_model(kernel_view, kernel_scenario, tech)
    kernel_status, *_ = run_solver(kernel.problem, kernel_scenario.solver)
    kernel_objective = (
        float(kernel.problem.objective.value()) if kernel_status.has_solution else None
    )
    start = start_values(kernel, model) if kernel_objective is not None else None
    if isinstance(session, HighsSession):
        for option in FULL_MODEL_HEURISTICS:
            session.highs.setOptionValue(option, True)
    build_seconds = time.perf_counter() - begin
    outcome = session.solve(start=start)
    if isinstance(session, HighsSession) and outcome[0].has_solution:
        setattr(model.problem, MIP_HIGHS_ATTR, session.highs)  # duals from it, in place
    screened = view.metadata["screen"]
    passing = screened[screened["passes"]].groupby("cluster_type").size()
    return CountySolve(
        view,
        full_scenario,
        model,
        outcome,
        kernel_objective,
        len(kernel_view.regions),
        {str(k): int(n) for k, n in passing.items()},
        build_seconds,
        lp_bound,
    )
