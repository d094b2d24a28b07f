"""Typed solver outcomes: never a raw integer."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class SolveStatus(str, Enum):
    """What a solve proved.

    OPTIMAL: proven optimal within the MIP gap. FEASIBLE: a solution exists but the time limit
    stopped the search before the gap closed. INFEASIBLE, UNBOUNDED: proven so. NO_SOLUTION: the
    solver stopped (time limit, error) without any solution; nothing may be read from it.
    """

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    NO_SOLUTION = "no_solution"

    @property
    def has_solution(self) -> bool:
        """True when variable values may be read."""
        return self in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)


@dataclass(frozen=True)
class SolverReport:
    """How the solve went: status, solver, objective [USD/yr], relative gap, timings [s]."""

    status: SolveStatus
    solver: str
    objective: float | None
    mip_gap: float | None
    build_seconds: float
    solve_seconds: float
    dual_seconds: float = 0.0
    message: str = ""
    n_variables: int = 0
    n_constraints: int = 0
    n_binaries: int = 0
    bound: float | None = None
    """County resolution: the proven lower bound over every screened county [USD/yr]
    (``optimizer.model.county_search``); None elsewhere."""
    bound_candidates: int = 0
    """County resolution: screened (county, type) candidates the bound covers."""
    kernel_objective: float | None = None
    """County resolution: the kernel MIP's optimum [USD/yr], the full solve's first incumbent."""
    kernel_counties: int = 0
    """County resolution: counties in the kernel."""

    @property
    def bound_gap(self) -> float | None:
        """(objective − bound) ÷ objective: how far, at most, the plan is from the best plan over
        every screened county; None without a bound."""
        if self.bound is None or not self.objective:
            return None
        return max(self.objective - self.bound, 0.0) / abs(self.objective)
