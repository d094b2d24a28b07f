"""Solve a PuLP problem with HiGHS (default) or CBC, and classify the outcome."""

from __future__ import annotations

import math
import os
import sys
import threading
import time

import pulp

from ..status import SolveStatus
from .components import solve_parts
from .scenario import SolverOptions

try:  # highspy is a dependency, but keep CBC usable if its wheel is missing on a platform
    import highspy

    HIGHS_AVAILABLE = True
except ImportError:  # pragma: no cover
    HIGHS_AVAILABLE = False

_highs_threads: int | None = None
"""Thread count of this process's HiGHS scheduler (HiGHS keeps one per process)."""


def match_highs_threads(threads: int) -> None:
    """Restart HiGHS's process-wide scheduler when a solve asks for another thread count.

    HiGHS sizes its scheduler at the first solve; a later solve with a different ``threads``
    otherwise ends without a solution (e.g. two scenarios with different solver.threads).
    """
    global _highs_threads
    if _highs_threads is not None and _highs_threads != threads:
        highspy.Highs.resetGlobalScheduler(True)
    _highs_threads = threads


HIGHS_MIP_OPTIONS: dict[str, bool] = {
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
    "mip_allow_restart": False,
    "mip_heuristic_run_feasibility_jump": False,
}
"""HiGHS options of every siting MILP (snapshot, compiled and phased). The RINS and RENS
sub-MIP heuristics took most of the solve time on these models and found no incumbent that
branching did not; without them the built-ins solve 1.5-2.5x faster (CPU) to the same optimum.
Restarting the root after presolve fixed a few binaries (``mip_allow_restart``) repeated the
root's cut loop for little gain: without it the snapshot built-ins and phased Monte Carlo
samples solve 10-25 % faster (CPU) to the same optima. The feasibility-jump heuristic found no
incumbent the root's rounding did not; without it they solve another 10-15 % faster, again to
the same optima. These change how an optimum is searched for, not the gap it is proven to
(``benchmarks/``)."""
OBJECTIVE_TOP_LOG2 = 11
"""The largest objective coefficient is scaled into [2^11, 2^12) for HiGHS (see
``objective_scale``)."""


def objective_scale(max_cost: float) -> int:
    """HiGHS ``user_objective_scale`` (a power of two) for a MILP whose largest objective
    coefficient is ``max_cost`` [USD/yr per unit]: it brings that coefficient into
    [2^11, 2^12). Annual costs of 1e9-1e10 USD/yr against HiGHS's dual tolerance of 1e-7 make it
    warn that the model is badly scaled; scaled, the snapshot built-ins solve 1.3-2x faster to
    the same optima. HiGHS reports the objective, bounds and gap unscaled. 0 (no scaling) when
    the coefficients are small already (hand-worked test instances).

    >>> objective_scale(3.1e9), objective_scale(2048.0), objective_scale(50.0)
    (-20, 0, 0)
    """
    if not (max_cost > 0 and math.isfinite(max_cost)):
        return 0
    return -max(0, math.floor(math.log2(max_cost)) - OBJECTIVE_TOP_LOG2)


def highs_mip_options(max_cost: float) -> dict[str, bool | int]:
    """:data:`HIGHS_MIP_OPTIONS` with the objective scale of ``objective_scale(max_cost)``."""
    return {**HIGHS_MIP_OPTIONS, "user_objective_scale": objective_scale(max_cost)}


def max_objective_coefficient(problem: pulp.LpProblem) -> float:
    """Largest |objective coefficient| of a PuLP problem (0 for an empty objective)."""
    objective = problem.objective
    return max((abs(float(c)) for c in objective.values()), default=0.0) if objective else 0.0


SOLVER_LOG = {"show": False}
"""Whether solves in this process print the solver's own log (``clustersite --verbose``)."""
_banner_lock = threading.Lock()
_banner = {"silenced": False}


def show_solver_log(show: bool = True) -> None:
    """Print the solver's own log (and the HiGHS banner) for solves in this process."""
    SOLVER_LOG["show"] = show


def silence_highs_banner() -> None:
    """Create the process's first HiGHS instance with the C-level stdout pointed at /dev/null.

    HiGHS prints its banner to stdout when the first instance is created, whatever the
    ``output_flag``; later instances print nothing. A no-op after the first call, when the
    solver log is wanted, or without highspy.
    """
    if not HIGHS_AVAILABLE or SOLVER_LOG["show"]:
        return
    with _banner_lock:
        if _banner["silenced"]:
            return
        _banner["silenced"] = True
        try:
            sys.stdout.flush()
            saved = os.dup(1)
        except (OSError, ValueError, AttributeError):  # pragma: no cover - no real stdout
            return
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 1)
            highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(devnull)


def make_solver(
    options: SolverOptions, *, mip: bool = True, max_cost: float = 0.0
) -> tuple[pulp.LpSolver, str]:
    """The PuLP solver object for ``options`` and its name; falls back to CBC without highspy.
    ``max_cost``: the problem's largest objective coefficient, for HiGHS's objective scale."""
    silence_highs_banner()
    common = {
        "msg": SOLVER_LOG["show"],
        "timeLimit": options.time_limit_s,
        "gapRel": options.mip_gap,
        "threads": options.threads,
    }
    if options.name == "highs" and HIGHS_AVAILABLE:
        return pulp.HiGHS(
            mip=mip, **common, **(highs_mip_options(max_cost) if mip else {})
        ), "highs"
    name = "cbc" if options.name == "cbc" else "cbc (fallback: highspy not installed)"
    return pulp.PULP_CBC_CMD(mip=mip, **common), name


def classify(problem: pulp.LpProblem) -> SolveStatus:
    """Typed status from PuLP's status and sol_status.

    PuLP reports a time-limited HiGHS run that holds an incumbent as ``LpStatusOptimal``; only
    ``sol_status`` (IntegerFeasible vs Optimal) tells them apart.
    """
    status, sol = problem.status, problem.sol_status
    if status == pulp.LpStatusInfeasible or sol == pulp.LpSolutionInfeasible:
        return SolveStatus.INFEASIBLE
    if status == pulp.LpStatusUnbounded or sol == pulp.LpSolutionUnbounded:
        return SolveStatus.UNBOUNDED
    if status == pulp.LpStatusOptimal and sol == pulp.LpSolutionOptimal:
        return SolveStatus.OPTIMAL
    if status == pulp.LpStatusOptimal and sol == pulp.LpSolutionIntegerFeasible:
        return SolveStatus.FEASIBLE
    return SolveStatus.NO_SOLUTION


def mip_gap(problem: pulp.LpProblem, solver_name: str) -> float | None:
    """Relative MIP gap reported by HiGHS (None for other solvers or pure LPs)."""
    model = getattr(problem, "solverModel", None)
    if solver_name != "highs" or model is None:
        return None
    try:
        gap = float(model.getInfo().mip_gap)
    except Exception:  # noqa: BLE001 - solver info is best effort
        return None
    return gap if gap < float("inf") else None


def run_solver(
    problem: pulp.LpProblem, options: SolverOptions
) -> tuple[SolveStatus, str, float, float | None, str]:
    """Solve in place, each independent part on its own (``optimizer.model.components``); return
    (status, solver name, seconds, gap, message)."""
    notes: list[str] = []
    names: list[str] = []

    def solve_one(part: pulp.LpProblem, seconds_left: float) -> float | None:
        part_options = SolverOptions(
            options.name, min(options.time_limit_s, seconds_left), options.mip_gap, options.threads
        )
        name, note = _solve_whole(part, part_options)
        names.append(name)
        if note:
            notes.append(note)
        return mip_gap(part, name) if classify(part).has_solution else None

    start = time.perf_counter()
    parts, gap = solve_parts(problem, solve_one, options.time_limit_s)
    seconds = time.perf_counter() - start
    status = classify(problem)
    name = names[-1] if names else make_solver(options)[1]
    whole = parts == 1 and names == ["highs"] and status.has_solution
    setattr(problem, MIP_HIGHS_ATTR, getattr(problem, "solverModel", None) if whole else None)
    # a gap the solver did not report (CBC through PuLP) stays None: unknown, not 0
    return status, name, seconds, gap if status.has_solution else None, "; ".join(notes)


MIP_HIGHS_ATTR = "_clustersite_mip_highs"
"""Attribute of a problem ``run_solver`` solved in one piece with HiGHS: that HiGHS object, whose
columns and rows are the problem's (``take_mip_highs``)."""


def take_mip_highs(problem: pulp.LpProblem) -> highspy.Highs | None:
    """The HiGHS object of the last ``run_solver`` MIP solve of ``problem`` if it solved the
    whole problem and nothing took it since (None otherwise); the caller may change it."""
    highs = getattr(problem, MIP_HIGHS_ATTR, None)
    if highs is not None:
        setattr(problem, MIP_HIGHS_ATTR, None)
    return highs


def _solve_whole(problem: pulp.LpProblem, options: SolverOptions) -> tuple[str, str]:
    """Solve one problem in place with the scenario's solver (CBC once if HiGHS errs)."""
    solver, name = make_solver(options, max_cost=max_objective_coefficient(problem))
    if name == "highs":
        match_highs_threads(options.threads)
    message = ""
    try:
        problem.solve(solver)
    except pulp.PulpSolverError as exc:
        message = f"solver error: {exc}"
        if name == "highs":  # fall back to CBC once
            solver, name = make_solver(
                SolverOptions("cbc", options.time_limit_s, options.mip_gap, options.threads)
            )
            message += "; retried with cbc"
            problem.solve(solver)
    return name, message
