"""One HiGHS run of an analysis: its options and what it returned."""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np

from ..model.scenario import Scenario

ANALYSIS_MIP_GAP = 1e-6
"""Relative MIP gap of analysis runs at most (``min(scenario gap, this)``): regrets and deltas
are differences of objectives, so a looser scenario gap would swamp them."""


@dataclass(frozen=True)
class SolveOptions:
    """HiGHS options for analysis runs: relative MIP gap, time limit [s], threads."""

    mip_gap: float = ANALYSIS_MIP_GAP
    time_limit_s: float = 120.0
    threads: int = 1

    @classmethod
    def for_scenario(cls, scenario: Scenario, mip_gap: float | None = None) -> SolveOptions:
        """The scenario's time limit and threads, with gap ``min(scenario gap, mip_gap)``."""
        gap = ANALYSIS_MIP_GAP if mip_gap is None else mip_gap
        return cls(
            min(scenario.solver.mip_gap, gap), scenario.solver.time_limit_s, scenario.solver.threads
        )


@dataclass
class Solution:
    """One HiGHS run: status ('optimal', 'feasible', 'infeasible', 'unbounded', 'no_solution'),
    objective [USD/yr], relative gap, column values (None without a solution), seconds."""

    status: str
    objective: float | None
    mip_gap: float | None
    x: np.ndarray | None
    seconds: float

    @property
    def has_solution(self) -> bool:
        """True when ``x`` may be read."""
        return self.status in ("optimal", "feasible")


def solution_status(highs: highspy.Highs) -> str:
    """'optimal', 'feasible', 'infeasible', 'unbounded' or 'no_solution' of a finished run."""
    model_status = highs.getModelStatus()
    statuses = highspy.HighsModelStatus
    feasible = highs.getInfo().primal_solution_status == 2  # kSolutionStatusFeasible
    if model_status == statuses.kOptimal:
        return "optimal"
    if model_status in (statuses.kInfeasible, statuses.kUnboundedOrInfeasible):
        return "infeasible"
    if model_status == statuses.kUnbounded:
        return "unbounded"
    return "feasible" if feasible else "no_solution"
