"""County resolution, solved with a proof: a bound over every screened county, then the MIP
over a kernel of them.

1. **Bound.** The LP relaxation of the county model over *every* county that passes the labour
   screen (1,603 battery, 2,625 magnet and 1,727 solar counties on the embedded data) is a
   lower bound on the cost of any county plan [USD/yr].
2. **Kernel.** The MIP is solved over the kernel of ``optimizer.model.county.kernel`` (per
   state and type the cheapest-power and deepest-labour counties) plus every (county, type)
   the LP builds in: where the relaxation puts capacity is where the integer plan is likely to.
3. **Gap.** (kernel optimum − LP bound) ÷ kernel optimum is proven: no county plan, with any
   candidate counties, is cheaper than the bound. The kernel MIP's own gap (HiGHS) is reported
   beside it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pulp

from regions import RegionData

from .county import county_view
from .milp import build_model
from .scenario import Scenario
from .solve import make_solver, match_highs_threads, max_objective_coefficient
from .technology import TechnologyData


@dataclass(frozen=True)
class CountyBound:
    """The LP bound over every screened county and where the LP builds.

    Attributes:
        bound_usd_per_yr: LP relaxation optimum [USD/yr] (None if the LP did not solve).
        support: (county FIPS, type) pairs with greenfield capacity in the LP solution.
        candidates: screened (county, type) candidate pairs by type.
        n_variables: size of the full model.
        seconds: build + LP wall time [s].
    """

    bound_usd_per_yr: float | None
    support: frozenset[tuple[str, str]]
    candidates: dict[str, int]
    n_variables: int
    seconds: float

    def gap(self, objective: float | None) -> float | None:
        """(objective − bound) ÷ |objective|, at least 0; None without both."""
        if objective is None or self.bound_usd_per_yr is None or objective == 0:
            return None
        return max(objective - self.bound_usd_per_yr, 0.0) / abs(objective)


def lp_bound(data: RegionData, scenario: Scenario, tech: TechnologyData) -> CountyBound:
    """Solve the LP relaxation of ``scenario`` over every screened county (see module doc)."""
    start = time.perf_counter()
    full, full_scenario = county_view(data, scenario, tech, per_state=None)
    model = build_model(full, full_scenario, tech)
    for var in model.problem.variables():
        if var.cat == pulp.LpInteger:
            var.cat = pulp.LpContinuous
    solver, name = make_solver(
        scenario.solver, mip=False, max_cost=max_objective_coefficient(model.problem)
    )
    if name == "highs":
        match_highs_threads(scenario.solver.threads)
    model.problem.solve(solver)
    solved = model.problem.status == pulp.LpStatusOptimal
    support = frozenset(
        key for key, var in model.capacity.items() if solved and (var.value() or 0.0) > 1e-6
    )
    screened = full.metadata["screen"]
    candidates = {
        str(k): int(n)
        for k, n in screened[screened["passes"]].groupby("cluster_type").size().items()
    }
    return CountyBound(
        float(model.problem.objective.value()) if solved else None,
        support,
        candidates,
        model.problem.numVariables(),
        time.perf_counter() - start,
    )


def county_search(
    data: RegionData, scenario: Scenario, tech: TechnologyData
) -> tuple[RegionData, Scenario, CountyBound]:
    """The kernel view to solve (kernel + the LP's support) and the bound that proves its gap."""
    bound = lp_bound(data, scenario, tech)
    view, county_scenario = county_view(data, scenario, tech, include=bound.support)
    return view, county_scenario, bound
