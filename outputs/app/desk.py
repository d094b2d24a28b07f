"""The planner's desk: what the app's callbacks call. One object per app holds the region data,
the solve cache, the sessions (one per browser tab), the solver workers and the map pages.

Every method is a thin step over the Python API the command line uses (``apply_levers`` →
``Scenario.from_dict``, ``optimizer.solve`` in a worker, ``optimizer.regret``,
``optimizer.monte_carlo``, ``export_run``); callbacks only translate widgets to these calls.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable, Mapping

import optimizer
import regions
from optimizer import Result, Scenario
from optimizer.runs.parallel import ProcessExecutor

from .jobs import Job, SolverPool, TrackingExecutor, start
from .levers import apply_levers
from .render import MapPages, folder_name, run_zip, scenario_toml
from .state import Session, SessionStore, SolveCache, check_scenario, load_upload, scenario_key

MONTE_CARLO_MAX_RUNS = 200
ANALYSIS_WORKERS = 1  # leaves a core for the app itself on small machines

SolveFunction = Callable[[Scenario, threading.Event], Result]


class Desk:
    """State and actions of one running app.

    Args:
        data_dir: region data folder (default: the embedded US dataset).
        solver: ``solver(scenario, cancel_event) -> Result``; default: a pool of worker
            processes running ``optimizer.solve`` (Cancel terminates the worker).
        analysis_executor: ``factory() -> executor`` for regret and Monte Carlo runs
            (default: one spawned worker process).
    """

    def __init__(
        self,
        data_dir: str | None = None,
        *,
        solver: SolveFunction | None = None,
        analysis_executor: Callable[[], object] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.data = regions.load(data_dir)
        self.cache = SolveCache()
        self.sessions = SessionStore()
        self.pages = MapPages()
        self.pool = SolverPool(data_dir) if solver is None else None
        self._solver = solver or self.pool.solve
        self._analysis_executor = analysis_executor or (
            lambda: ProcessExecutor(
                workers=ANALYSIS_WORKERS, mp_context=multiprocessing.get_context("spawn")
            )
        )

    # -- scenarios ---------------------------------------------------------------------------
    def choose(self, session: Session, name: str) -> Scenario:
        """Make a built-in or uploaded scenario the tab's base; levers reset to it."""
        return session.choose(name)

    def upload(self, session: Session, filename: str, content: bytes) -> Scenario:
        """Add an uploaded TOML to the tab's scenarios and choose it (CLI-identical errors)."""
        scenario = load_upload(filename, content, self.data)
        session.uploads[scenario.name] = scenario
        return session.choose(scenario.name)

    def scenario(self, session: Session, levers: Mapping | None = None) -> Scenario:
        """The tab's base scenario with ``levers`` (default: the tab's levers) applied, checked
        against the data; raises DataValidationError naming the field."""
        edited = apply_levers(session.base, levers if levers is not None else session.levers)
        return check_scenario(edited, self.data, f"<{session.base.name} modified>")

    # -- solving -----------------------------------------------------------------------------
    def solve(self, session: Session, levers: Mapping) -> Job | None:
        """Solve the edited scenario: None when the cache already has it (the tab's result is
        set at once), else the running job. Bad levers raise before any job starts."""
        scenario = self.scenario(session, levers)
        session.levers = dict(levers)
        key = scenario_key(scenario)
        if key in self.cache:
            self._show(session, key, self.cache.get(key))
            return None
        if session.solve_job is not None and session.solve_job.running:
            session.solve_job.cancel()

        def work(job: Job) -> str:
            key, result = self.cache.solve(scenario, lambda s: self._solver(s, job.cancel_event))
            job.check()
            self._show(session, key, result)
            return key

        session.solve_job = start(Job("solve", f"solving {scenario.name}"), work)
        return session.solve_job

    def _show(self, session: Session, key: str, result: Result) -> None:
        session.result_key = key
        if result.ok:
            session.remember(key, result.scenario)

    def result(self, key: str | None) -> Result | None:
        """A cached result by key."""
        return self.cache.get(key) if key else None

    def solved(self, scenario: Scenario) -> tuple[str, Result]:
        """(key, result) of ``scenario``, solving it now when not cached (no cancel)."""
        return self.cache.solve(scenario, lambda s: self._solver(s, threading.Event()))

    def map_page(self, key: str) -> str | None:
        """The map page of a cached result (built on first use), or None."""
        result = self.result(key)
        if result is None:
            return self.pages.get(key)
        return self.pages.get(self.pages.scenario(key, result, self.data))

    # -- compare -----------------------------------------------------------------------------
    def comparable(self, session: Session) -> dict[str, str]:
        """Scenarios a tab can compare: label → ``builtin:NAME`` / ``upload:NAME`` / cache key."""
        out = {name: f"builtin:{name}" for name in optimizer.builtin_scenarios()}
        out.update({f"{name} (uploaded)": f"upload:{name}" for name in session.uploads})
        out.update({f"{label} (solved here)": key for label, key in session.solved.items()})
        return out

    def resolve(self, session: Session, choice: str) -> tuple[str, Result]:
        """(key, result) of a compare choice, solving a built-in or upload when needed."""
        kind, _, name = choice.partition(":")
        if kind == "builtin":
            return self.solved(check_scenario(optimizer.load_scenario(name), self.data, name))
        if kind == "upload":
            return self.solved(session.uploads[name])
        result = self.result(choice)
        if result is None:
            raise KeyError(f"{choice!r} is no longer cached; solve it again")
        return choice, result

    def compare(self, session: Session, a: str, b: str) -> tuple[Result, Result, str]:
        """Both results of two compare choices and the key of their side-by-side map page."""
        key_a, left = self.resolve(session, a)
        key_b, right = self.resolve(session, b)
        page = self.pages.dual(f"dual-{key_a}-{key_b}", left, right, self.data)
        return left, right, page

    # -- analyses ----------------------------------------------------------------------------
    def start_analysis(
        self,
        session: Session,
        kind: str,
        cluster_type: str = "battery",
        runs: int = 20,
        seed: int = 0,
    ) -> Job:
        """Start regret (of ``cluster_type``) or a small Monte Carlo (``runs``, ``seed``) on the
        tab's current result scenario; the job's result is ``(analysis result, base key)``."""
        key = session.result_key
        base = self.result(key)
        if base is None or not base.ok:
            raise ValueError("solve a scenario first: the analysis runs on the current result")
        if session.analysis_job is not None and session.analysis_job.running:
            raise ValueError("an analysis is already running in this tab; cancel it first")
        scenario = base.scenario
        if kind == "regret":
            label = f"regret {cluster_type} on {scenario.name}"

            def work(job: Job):
                with self._analysis_executor() as inner:
                    executor = TrackingExecutor(job, inner)
                    found = optimizer.regret(
                        scenario, cluster_type, self.data, executor=executor, progress=False
                    )
                return found, key
        elif kind == "montecarlo":
            runs = int(runs)
            if not 1 <= runs <= MONTE_CARLO_MAX_RUNS:
                raise ValueError(f"runs must be between 1 and {MONTE_CARLO_MAX_RUNS}, got {runs}")
            label = f"Monte Carlo {runs} runs on {scenario.name}"

            def work(job: Job):
                with self._analysis_executor() as inner:
                    executor = TrackingExecutor(job, inner)
                    found = optimizer.monte_carlo(
                        scenario, runs, int(seed), self.data, executor=executor, progress=False
                    )
                return found, key
        else:
            raise ValueError(f"unknown analysis {kind!r} (regret or montecarlo)")
        session.analysis_job = start(Job(kind, label), work)
        return session.analysis_job

    def analysis_map(self, job: Job) -> str:
        """Key of the map page of a finished analysis: the base result with its layers."""
        found, key = job.result
        base = self.result(key)
        if job.kind == "regret":
            layers = {
                f"Siting regret, {k} [USD/yr]": found.to_layer(k) for k in found.cluster_types
            }
        else:
            layers = {f"P(cluster sited), {k}": found.layer(k) for k in optimizer.CLUSTER_TYPES}
        return self.pages.scenario(f"{job.kind}-{job.id}", base, self.data, layers)

    # -- downloads ---------------------------------------------------------------------------
    def toml(self, session: Session, levers: Mapping) -> tuple[str, str]:
        """(file name, TOML text) of the edited scenario."""
        scenario = self.scenario(session, levers)
        return f"{folder_name(scenario.name)}.toml", scenario_toml(scenario)

    def zip(self, session: Session) -> tuple[str, bytes]:
        """(file name, zip bytes) of the tab's current run folder."""
        result = self.result(session.result_key)
        if result is None:
            raise ValueError(
                "solve a scenario first: the zip holds the current result's run folder"
            )
        name = folder_name(result.scenario.name)
        return f"{name}.zip", run_zip(result, self.data, name)

    def close(self) -> None:
        """Stop the worker processes."""
        if self.pool is not None:
            self.pool.close()


__all__ = ["Desk"]
