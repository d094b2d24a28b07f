"""The planner's desk: what the app's callbacks call. One object per app holds the region data,
the solve cache, the sessions (one per browser tab), the saved scenarios, the solver workers,
the map pages and the analysis run folders.

Every method is a thin step over the Python API the command line uses (``apply_levers`` →
``Scenario.from_dict``, ``optimizer.solve`` or ``solve_phased`` in a worker, the analyses and
their report writers, ``export_run``, ``write_report``); callbacks only translate widgets to
these calls.
"""

from __future__ import annotations

import functools
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import optimizer
import regions
from optimizer import Result, Scenario
from regions import RegionData

from .analyses import AnalysisRunner
from .comparing import Comparison, compare_results, report_download
from .jobs import Job, SolverPool, start
from .levers import apply_levers, edited_name, levers_of
from .library import ScenarioLibrary
from .render import MapPages, folder_name, run_zip, scenario_toml
from .solving import check_forced
from .state import (
    Session,
    SessionStore,
    SolveCache,
    check_scenario,
    desk_builtins,
    load_upload,
    run_key,
    scenario_key,
)

SolveFunction = Callable[..., Result]
"""``solver(scenario, cancel_event, forced) -> Result`` (or PhasedResult)."""


@functools.cache
def builtin_label(name: str) -> str:
    """A built-in's entry in the scenario list; one sited by county says so (it takes longer:
    about 30 s on one core against about 1 s by state)."""
    county = optimizer.load_scenario(name).resolution == "county"
    return f"{name} (by county, about 30 s)" if county else name


class Desk:
    """State and actions of one running app.

    Args:
        data_dir: region data folder (default: the embedded US dataset).
        solver: ``solver(scenario, cancel_event, forced)``; default: a pool of worker processes
            (Cancel terminates the worker).
        analysis_executor: ``factory() -> executor`` for the analyses' runs (default: one
            spawned worker process).
        scenarios_dir: the folder of saved scenarios (default ``library.default_folder()``).
    """

    def __init__(
        self,
        data_dir: str | None = None,
        *,
        solver: SolveFunction | None = None,
        analysis_executor: Callable[[], object] | None = None,
        scenarios_dir: str | Path | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.data = regions.load(data_dir)
        self.cache = SolveCache()
        self.sessions = SessionStore()
        self.pages = MapPages()
        self.library = ScenarioLibrary(scenarios_dir)
        self.pool = SolverPool(data_dir) if solver is None else None
        self._solver = solver or self.pool.solve
        self.runs_dir = Path(tempfile.mkdtemp(prefix="clustersite-app-runs-"))
        self.analyses = AnalysisRunner(self, analysis_executor)

    # -- scenarios ---------------------------------------------------------------------------
    def choices(self, session: Session) -> list[dict]:
        """Scenario dropdown options: built-ins, saved scenarios, this tab's uploads."""
        out = [{"label": builtin_label(n), "value": f"builtin:{n}"} for n in desk_builtins()]
        out += [{"label": f"{n} (saved)", "value": f"saved:{n}"} for n in self.library.names()]
        out += [{"label": f"{n} (uploaded)", "value": f"upload:{n}"} for n in session.uploads]
        return out

    def choose(self, session: Session, choice: str) -> Scenario:
        """Make a built-in (``builtin:NAME`` or NAME), saved (``saved:STEM``) or uploaded
        (``upload:NAME``) scenario the tab's base; levers (and forced sites) reset to it."""
        kind, _, name = choice.partition(":")
        if not name:
            kind, name = "builtin", choice
        if kind == "saved":
            scenario, forced = self.library.load(name)
            check_scenario(scenario, self.data, str(self.library.path(scenario.name)))
            session.base, session.choice = scenario, choice
            session.levers = {**levers_of(scenario), "forced": [list(f) for f in forced]}
            return scenario
        session.choose(name)
        return session.base

    def upload(self, session: Session, filename: str, content: bytes) -> Scenario:
        """Add an uploaded TOML to the tab's scenarios and choose it (CLI-identical errors)."""
        scenario = load_upload(filename, content, self.data)
        session.uploads[scenario.name] = scenario
        return session.choose(scenario.name)

    def scenario(self, session: Session, levers: Mapping | None = None) -> Scenario:
        """The tab's base scenario with ``levers`` (default: the tab's levers) applied, checked
        against the data; raises DataValidationError naming the field. An edited scenario the
        planner has not renamed is called ``<base> (edited)``."""
        levers = dict(levers if levers is not None else session.levers)
        base = session.base
        name = str(levers.get("name") or "").strip()
        edited = apply_levers(base, {**levers, "name": base.name})
        label = edited_name(base.name)
        edited = check_scenario(edited, self.data, label)
        check_forced(edited, self.data, levers.get("forced") or ())
        changed = scenario_key(edited) != scenario_key(base) or bool(levers.get("forced"))
        if name in ("", base.name):
            name = label if changed else base.name
        return edited if name == edited.name else edited.replace(name=name)

    def save(self, session: Session, levers: Mapping) -> Path:
        """Save the edited scenario into the scenarios folder; the tab's base becomes it."""
        scenario = self.scenario(session, levers)
        forced = list(levers.get("forced") or ())
        path = self.library.save(scenario, forced)
        session.base, session.choice = scenario, f"saved:{path.stem}"
        session.levers = {**levers_of(scenario), "forced": forced}
        return path

    # -- solving -----------------------------------------------------------------------------
    def solve(self, session: Session, levers: Mapping) -> Job | None:
        """Solve the edited scenario: None when the cache already has it (the tab's result is
        set at once), else the running job. Bad levers raise before any job starts."""
        scenario = self.scenario(session, levers)
        forced = [tuple(f) for f in levers.get("forced") or ()]
        session.levers = dict(levers)
        key = run_key(scenario, forced)
        if key in self.cache:
            self._show(session, key, self.cache.get(key))
            return None
        if session.solve_job is not None and session.solve_job.running:
            session.solve_job.cancel()

        def work(job: Job) -> str:
            key2, result = self.cache.solve(
                scenario, lambda s: self._solve(s, job.cancel_event, forced), key
            )
            job.check()
            self._show(session, key2, result)
            return key2

        what = "solving " + scenario.name + (" (phased)" if scenario.periods else "")
        session.solve_job = start(Job("solve", what), work)
        return session.solve_job

    def _solve(self, scenario: Scenario, cancel: threading.Event, forced: Sequence = ()):
        if forced:
            return self._solver(scenario, cancel, forced)
        return self._solver(scenario, cancel)

    def _show(self, session: Session, key: str, result: Result) -> None:
        session.result_key = key
        if result.ok:
            session.remember(key, result.scenario)

    def result(self, key: str | None) -> Result | None:
        """A cached result by key."""
        return self.cache.get(key) if key else None

    def solved(self, scenario: Scenario, forced: Sequence = ()) -> tuple[str, Result]:
        """(key, result) of ``scenario``, solving it now when not cached (no cancel)."""
        forced = [tuple(f) for f in forced]
        return self.cache.solve(
            scenario, lambda s: self._solve(s, threading.Event(), forced), run_key(scenario, forced)
        )

    def data_for(self, result: object) -> RegionData:
        """The region data a result's sites refer to: its county dataset at county resolution
        (``Result.county_data``), the desk's data otherwise."""
        county = getattr(result, "county_data", None)
        return county if county is not None else self.data

    def map_page(self, key: str) -> str | None:
        """The map page of a cached result (built on first use), or None."""
        result = self.result(key)
        if result is None:
            return self.pages.get(key)
        return self.pages.get(
            self.pages.scenario(key, result, self.data_for(result), states=self.data)
        )

    # -- compare -----------------------------------------------------------------------------
    def comparable(self, session: Session) -> dict[str, str]:
        """Scenarios a tab can compare: label → ``builtin:NAME`` / ``saved:STEM`` /
        ``upload:NAME`` / cache key of a result solved here."""
        out = {o["label"]: o["value"] for o in self.choices(session)}
        out.update({f"{label} (solved here)": key for label, key in session.solved.items()})
        return out

    def resolve(self, session: Session, choice: str) -> tuple[str, Result]:
        """(key, result) of a compare choice, solving a built-in, saved or upload when needed."""
        kind, _, name = choice.partition(":")
        if kind == "builtin":
            return self.solved(check_scenario(optimizer.load_scenario(name), self.data, name))
        if kind == "saved":
            scenario, forced = self.library.load(name)
            return self.solved(check_scenario(scenario, self.data, name), forced)
        if kind == "upload":
            return self.solved(session.uploads[name])
        result = self.result(choice)
        if result is None:
            raise KeyError(f"{choice!r} is no longer cached; solve it again")
        return choice, result

    def compare(self, session: Session, choices: Sequence[str]) -> Comparison:
        """Every chosen scenario solved (or from the cache), compared: delta table, difference
        charts and the side-by-side map of the first two."""
        if len(choices) < 2:
            raise ValueError("compare needs at least two scenarios")
        resolved = [self.resolve(session, c) for c in choices]
        data = self.common_data([r for _, r in resolved])
        comparison = compare_results([r for _, r in resolved], data)
        if not comparison.phased:
            (key_a, left), (key_b, right) = resolved[0], resolved[1]
            comparison.map_key = self.pages.dual(f"dual-{key_a}-{key_b}", left, right, data)
        session.compare_choices = list(choices)
        return comparison

    def compare_report(self, session: Session, choices: Sequence[str]) -> tuple[str, bytes]:
        """(file name, bytes) of the comparison report of ``choices``, as ``clustersite
        compare`` writes it (phased: a zip of the report and each scenario's map)."""
        results = [self.resolve(session, c)[1] for c in choices]
        return report_download(results, self.common_data(results))

    def common_data(self, results: Sequence) -> RegionData:
        """The region data results compared side by side share: the desk's (state resolution)
        or one county dataset; ValueError (the command line's message) for a mix."""
        county = [r.scenario.name for r in results if getattr(r, "county_data", None) is not None]
        if not county:
            return self.data
        data = results[0].county_data if len(county) == len(results) else None
        if data is None or any(
            not r.county_data.regions.index.equals(data.regions.index) for r in results
        ):
            raise ValueError(
                "compare county scenarios with county ones only, screened alike; "
                f"{', '.join(county)} is sited by county"
            )
        return data

    # -- analyses ----------------------------------------------------------------------------
    def start_analysis(self, session: Session, kind: str, *args, **options) -> Job:
        """Start an analysis (regret, montecarlo, sweep, breakeven, hindcast, alternatives) on
        the tab's current result scenario in the background (``analyses.AnalysisRunner``)."""
        return self.analyses.start(session, kind, *args, **options)

    def analysis_map(self, job: Job) -> str:
        """Key of the map page of a finished regret or Monte Carlo job."""
        return self.analyses.map_key(job)

    def run_file(self, job_id: str, name: str) -> Path | None:
        """A file of a finished analysis's run folder (report.html, map.html), or None."""
        return self.analyses.file(job_id, name)

    # -- downloads ---------------------------------------------------------------------------
    def toml(self, session: Session, levers: Mapping) -> tuple[str, str]:
        """(file name, TOML text) of the edited scenario (forced sites as a comment)."""
        from .library import FORCED_PREFIX, forced_text

        scenario = self.scenario(session, levers)
        text = scenario_toml(scenario)
        if levers.get("forced"):
            text = FORCED_PREFIX + forced_text(levers["forced"]) + "\n" + text
        return f"{folder_name(scenario.name)}.toml", text

    def zip(self, session: Session) -> tuple[str, bytes]:
        """(file name, zip bytes) of the tab's current run folder."""
        result = self.result(session.result_key)
        if result is None:
            raise ValueError(
                "solve a scenario first: the zip holds the current result's run folder"
            )
        name = folder_name(result.scenario.name)
        return f"{name}.zip", run_zip(result, self.data_for(result), name)

    def close(self) -> None:
        """Stop the worker processes."""
        if self.pool is not None:
            self.pool.close()


__all__ = ["Desk"]
