"""One PuLP problem held in HiGHS and solved many times (near-optimal alternatives, hindcast).

The problem is transferred to ``highspy.Highs`` once. Each :meth:`HighsSession.solve` writes
what may have changed since — the objective, its sense, every column and row bound, as they
stand in PuLP — starts HiGHS from a given solution (``setSolution``) when there is one, runs it
with the relative MIP gap asked for, and writes the values back to the PuLP variables and rows
(as PuLP's own HiGHS interface does), so ``var.value()`` and the result extraction work as after
``problem.solve``. Variables, rows and coefficients must not change after the session is made.

Without highspy, or when the scenario names another solver, :func:`session_for` returns a
:class:`PulpSession` with the same interface that re-solves through PuLP (no warm start).
"""

from __future__ import annotations

import time

import numpy as np
import pulp

from ..model.scenario import SolverOptions
from ..model.solve import (
    HIGHS_AVAILABLE,
    HIGHS_MIP_OPTIONS,
    classify,
    match_highs_threads,
    mip_gap,
    run_solver,
    silence_highs_banner,
)
from ..status import SolveStatus

if HIGHS_AVAILABLE:
    import highspy

RETRIES = 1
"""Fresh runs after a HiGHS solve error, before the error is reported."""
Outcome = tuple[SolveStatus, str, float, float | None, str]
"""What ``optimizer.model.solve.run_solver`` returns: (status, solver, seconds, gap, message)."""


class HighsSession:
    """``problem`` held in one HiGHS object (see the module docstring)."""

    def __init__(self, problem: pulp.LpProblem, options: SolverOptions) -> None:
        self.problem = problem
        self.options = options
        silence_highs_banner()
        match_highs_threads(options.threads)
        self.solver = pulp.HiGHS(
            mip=True,
            msg=False,
            gapRel=options.mip_gap,
            threads=options.threads,
            timeLimit=options.time_limit_s,
            **HIGHS_MIP_OPTIONS,  # no objective scale: the objective changes between stages
        )
        self.solver.createAndConfigureSolver(problem)
        self.solver.buildSolverModel(problem)
        self.highs = problem.solverModel
        self.variables = problem.variables()
        self.rows = list(problem._constraints.values())  # the order PuLP built the rows in
        self._cols = np.arange(len(self.variables), dtype=np.int32)
        self._row_idx = np.arange(len(self.rows), dtype=np.int32)

    def _write_model(self) -> None:
        """Objective, sense and all bounds from PuLP into HiGHS."""
        problem, inf = self.problem, highspy.kHighsInf
        if problem.numVariables() != len(self.variables) or problem.numConstraints() != len(
            self.rows
        ):
            raise RuntimeError("the problem gained variables or rows after the session was made")
        # PuLP keeps one column/row index per variable/row; another build may have moved it
        for i, var in enumerate(self.variables):
            var.index = i
        for i, row in enumerate(self.rows):
            row.index = i
        sign = -1.0 if problem.sense == pulp.LpMaximize else 1.0
        cost = np.zeros(len(self.variables))
        for var, coef in problem.objective.items():
            cost[var.index] = sign * coef
        lower = np.array([-inf if v.lowBound is None else v.lowBound for v in self.variables])
        upper = np.array([inf if v.upBound is None else v.upBound for v in self.variables])
        row_lower = np.array([-inf if (b := r.getLb()) is None else b for r in self.rows])
        row_upper = np.array([inf if (b := r.getUb()) is None else b for r in self.rows])
        n, m = len(self.variables), len(self.rows)
        self.highs.changeColsCost(n, self._cols, cost)
        self.highs.changeColsBounds(n, self._cols, lower, upper)
        self.highs.changeRowsBounds(m, self._row_idx, row_lower, row_upper)

    def solve(self, *, gap: float | None = None, start: np.ndarray | None = None) -> Outcome:
        """Solve the problem as PuLP now states it; ``gap`` overrides the relative MIP gap,
        ``start`` (column values, see :meth:`values`) is offered to HiGHS as a first incumbent."""
        self._write_model()
        highs = self.highs
        highs.setOptionValue("mip_rel_gap", float(self.options.mip_gap if gap is None else gap))
        begin = time.perf_counter()
        self._run(start)
        message = ""
        for _ in range(RETRIES):
            if highs.getModelStatus() != highspy.HighsModelStatus.kSolveError:
                break
            # HiGHS occasionally stops with a solve error after the model was changed in place
            # from a start; solving again from scratch works
            self._run(None)
            message = "solved again from scratch after a solver error"
        seconds = time.perf_counter() - begin
        status, sol_status = self.solver.findSolutionValues(self.problem)
        self.problem.assignStatus(status, sol_status)
        outcome = classify(self.problem)
        found_gap = mip_gap(self.problem, "highs") if outcome.has_solution else None
        return outcome, "highs", seconds, found_gap, message

    def relaxation(self) -> tuple[float | None, np.ndarray | None]:
        """The LP relaxation of the problem as PuLP now states it, solved in this HiGHS object
        with every integer column continuous for this run only: (its optimum in objective units,
        the objective's constant included; its column values), or (None, None) when HiGHS does
        not reach an optimum. The PuLP variables are left as they were."""
        self._write_model()
        highs = self.highs
        integer = np.array(
            [i for i, v in enumerate(self.variables) if v.cat == pulp.LpInteger], dtype=np.int32
        )
        kinds = highspy.HighsVarType
        highs.changeColsIntegrality(
            len(integer), integer, np.full(len(integer), kinds.kContinuous.value, dtype=np.uint8)
        )
        try:
            highs.clearSolver()
            highs.run()
            if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                return None, None
            sign = -1.0 if self.problem.sense == pulp.LpMaximize else 1.0
            value = sign * highs.getInfo().objective_function_value
            constant = float(self.problem.objective.constant) if self.problem.objective else 0.0
            return value + constant, np.array(highs.getSolution().col_value, dtype=float)
        finally:
            highs.changeColsIntegrality(
                len(integer), integer, np.full(len(integer), kinds.kInteger.value, dtype=np.uint8)
            )
            highs.clearSolver()

    def _run(self, start: np.ndarray | None) -> None:
        highs = self.highs
        highs.clearSolver()
        if start is not None:
            solution = highspy.HighsSolution()
            solution.col_value = list(start)
            solution.value_valid = True
            highs.setSolution(solution)
        highs.run()

    def values(self) -> np.ndarray:
        """Column values of the current PuLP solution (a start for a later solve)."""
        return np.array([v.varValue or 0.0 for v in self.variables], dtype=float)


class PulpSession:
    """The same interface through ``problem.solve`` (CBC, or HiGHS without warm starts)."""

    def __init__(self, problem: pulp.LpProblem, options: SolverOptions) -> None:
        self.problem = problem
        self.options = options
        self.variables = problem.variables()

    def solve(self, *, gap: float | None = None, start: np.ndarray | None = None) -> Outcome:
        """Solve through PuLP; ``start`` is ignored (no warm start on this path)."""
        options = self.options
        if gap is not None:
            options = SolverOptions(options.name, options.time_limit_s, gap, options.threads)
        return run_solver(self.problem, options)

    def values(self) -> np.ndarray:
        """Column values of the current PuLP solution."""
        return np.array([v.varValue or 0.0 for v in self.variables], dtype=float)


Session = HighsSession | PulpSession


def session_for(problem: pulp.LpProblem, options: SolverOptions) -> Session:
    """A HiGHS session when the scenario solves with HiGHS and highspy is installed."""
    if options.name == "highs" and HIGHS_AVAILABLE:
        return HighsSession(problem, options)
    return PulpSession(problem, options)
