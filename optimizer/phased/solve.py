"""Solve the phased MILP of each type group in HiGHS and read the column values."""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np

from ..model.scenario import DEFAULT_MIP_GAP
from ..model.solve import SOLVER_LOG, highs_mip_options, match_highs_threads, silence_highs_banner
from ..runs.solution import Solution
from .lp import to_highs
from .model import PhasedModel

STATUS_OPTIMAL, STATUS_FEASIBLE = "optimal", "feasible"


RERUN_OPTIONS: dict[str, bool] = {"mip_heuristic_run_root_reduced_cost": False}
"""HiGHS options added for the re-solves of one phased scenario's variants (Monte Carlo,
sweeps, regret, break-even). The root's reduced-cost sub-MIP took about a third of a
Monte Carlo sample's solve and branching found as good an incumbent without it: 200 samples of
``great-lakes-phased`` (2 workers, gap 1e-4) took 89 s instead of 113 s, every objective within
the gap of the other's (median difference 0), and the phased break-even of docs/analyses.md 24 s
instead of 30 s, to the same flip. Single solves keep it: there it made ``south-phased`` 1.7x
slower while ``great-lakes-phased`` solved 1.4x faster."""


@dataclass(frozen=True)
class HighsOptions:
    """Relative MIP gap, time limit [s] and threads of a phased solve; ``rerun``: one of many
    re-solves of a scenario's variants (adds :data:`RERUN_OPTIONS`)."""

    mip_gap: float = DEFAULT_MIP_GAP
    time_limit_s: float = 120.0
    threads: int = 1
    rerun: bool = False


@dataclass
class GroupSolution(Solution):
    """One group's solve (a :class:`~optimizer.runs.solution.Solution` whose objective is a present
    value [USD]) and the model it solved."""

    model: PhasedModel | None = None


def configure(highs: highspy.Highs, options: HighsOptions) -> None:
    """Set gap, time limit, threads, log output and the siting MILP options
    (:data:`optimizer.model.solve.HIGHS_MIP_OPTIONS`, with the objective scale of the costs it holds;
    :data:`RERUN_OPTIONS` for re-solves) on a HiGHS object."""
    highs.setOptionValue("output_flag", bool(SOLVER_LOG["show"]))
    highs.setOptionValue("mip_rel_gap", float(options.mip_gap))
    highs.setOptionValue("time_limit", float(options.time_limit_s))
    highs.setOptionValue("threads", int(options.threads))
    costs = np.abs(np.asarray(highs.getLp().col_cost_, dtype=float))
    options_set = highs_mip_options(float(costs.max()) if costs.size else 0.0)
    if options.rerun:
        options_set.update(RERUN_OPTIONS)
    for name, value in options_set.items():
        highs.setOptionValue(name, value)


def status_of(highs: highspy.Highs) -> str:
    """Typed status of a finished run (a time-limited run with an incumbent is 'feasible')."""
    model_status = highs.getModelStatus()
    statuses = highspy.HighsModelStatus
    if model_status == statuses.kOptimal:
        return STATUS_OPTIMAL
    if model_status in (statuses.kInfeasible, statuses.kUnboundedOrInfeasible):
        return "infeasible"
    if model_status == statuses.kUnbounded:
        return "unbounded"
    return STATUS_FEASIBLE if highs.getInfo().primal_solution_status == 2 else "no_solution"


def run_highs(highs: highspy.Highs, model: PhasedModel) -> GroupSolution:
    """Run a configured HiGHS object holding ``model``; read the solution when there is one."""
    start = time.perf_counter()
    highs.run()
    seconds = time.perf_counter() - start
    status = status_of(highs)
    if status not in (STATUS_OPTIMAL, STATUS_FEASIBLE):
        return GroupSolution(status, None, None, None, seconds, model=model)
    info = highs.getInfo()
    x = np.asarray(highs.getSolution().col_value, dtype=float)
    gap = float(info.mip_gap) if np.isfinite(info.mip_gap) else 0.0
    return GroupSolution(status, float(info.objective_function_value), gap, x, seconds, model=model)


def set_start(highs: highspy.Highs, start: np.ndarray | None) -> None:
    """Give HiGHS a MIP start (a value per column; ignored by HiGHS when infeasible)."""
    if start is not None:
        solution = highspy.HighsSolution()
        solution.col_value = np.asarray(start, dtype=float)
        highs.setSolution(solution)


def solve_group(
    model: PhasedModel, options: HighsOptions, start: np.ndarray | None = None
) -> GroupSolution:
    """Pass one group's model to a fresh HiGHS object and solve it (``start``: a MIP start)."""
    if not model.lp.col_keys:  # nothing to decide or ship (e.g. a group without targets)
        return GroupSolution(STATUS_OPTIMAL, 0.0, 0.0, np.zeros(0), 0.0, model=model)
    silence_highs_banner()
    match_highs_threads(options.threads)
    highs = to_highs(model.lp.arrays())
    configure(highs, options)
    set_start(highs, start)
    return run_highs(highs, model)
