"""The analyses in the app: regret, Monte Carlo, sweep, break-even, hindcast and alternatives on
the scenario of the tab's current result, each in the background with progress and Cancel, each
ending in the run folder the command line writes (tables, ``map.html``, ``report.html``), which
the app shows and serves (``/desk/run/<job>/<file>``).

Options are checked by the command line's own parsers, so a bad value gets its one-line
message (``argument --runs: 0 is outside [1, 200]``).
"""

from __future__ import annotations

import argparse
import multiprocessing
from collections.abc import Callable, Sequence
from pathlib import Path

import optimizer
from optimizer import CLUSTER_TYPES
from optimizer.analyses.parameters import default_levers
from optimizer.runs.parallel import ProcessExecutor

from ..cli.analysis_args import (
    parse_regions,
    parse_types,
    resolve_goals,
    resolve_parameter,
    resolve_parameters,
)
from ..flags import MAX_SEED, int_flag, iso_date, slack_list
from .jobs import Job, TrackingExecutor, start
from .render import is_phased

KINDS = ("regret", "montecarlo", "sweep", "breakeven", "hindcast", "alternatives")
KIND_LABELS = {
    "regret": "Regret",
    "montecarlo": "Monte Carlo",
    "sweep": "Sweep",
    "breakeven": "Break-even",
    "hindcast": "Hindcast",
    "alternatives": "Alternatives",
}
MONTE_CARLO_MAX_RUNS = 200
ANALYSIS_WORKERS = 1  # leaves a core for the app itself on small machines
SNAPSHOT_ONLY = ("breakeven", "hindcast", "alternatives")


class OptionError(ValueError):
    """An analysis option the command line would refuse; the message is its one line."""


def _flag(flag: str, parse: Callable[[str], object], text: object):
    """``parse(text)`` or OptionError ``argument --flag: message`` (the command line's line)."""
    try:
        return parse(str(text if text is not None else "").strip())
    except (argparse.ArgumentTypeError, ValueError) as exc:
        raise OptionError(f"argument {flag}: {exc}") from None


def _usage(call: Callable, *args, **kwargs):
    """``call(...)`` with the command line's usage errors as OptionError."""
    from ..cli.common import UsageError

    try:
        return call(*args, **kwargs)
    except UsageError as exc:
        raise OptionError(str(exc)) from None


class AnalysisRunner:
    """Starts analysis jobs for a ``Desk`` and keeps their run folders (under its runs_dir)."""

    def __init__(self, desk, executor_factory: Callable[[], object] | None = None) -> None:
        self.desk = desk
        self.factory = executor_factory or (
            lambda: ProcessExecutor(
                workers=ANALYSIS_WORKERS, mp_context=multiprocessing.get_context("spawn")
            )
        )
        self.jobs: dict[str, Job] = {}

    # -- options -------------------------------------------------------------------------
    def parameter_choices(self, scenario) -> list[str]:
        """Names the sweep and break-even accept here: the levers, then power price, wage and
        permitting of each zone."""
        names = [p.name for p in default_levers(scenario)]
        for zone in self.desk.data.zones:
            names += [f"power-price@{zone}", f"wage@{zone}", f"permitting@{zone}"]
        return list(dict.fromkeys(names))

    def _plan(self, session, kind: str, args: Sequence, options: dict):
        """Validate the options of ``kind``; return (label, work(job) → found, total or None)."""
        data, desk = self.desk.data, self.desk
        key = session.result_key
        base = desk.result(key)
        if base is None or not base.ok:
            raise OptionError("solve a scenario first: the analysis runs on the current result")
        scenario = base.scenario
        if kind not in KINDS:
            raise OptionError(f"unknown analysis {kind!r} (one of {', '.join(KINDS)})")
        if kind in SNAPSHOT_ONLY and scenario.periods is not None:
            raise OptionError(f"{KIND_LABELS[kind]} runs on snapshot scenarios, not phased ones")
        if scenario.resolution == "county":
            raise OptionError(
                f"{scenario.name} is sited by county; the analyses work at state resolution "
                'only (yet): analyse its state-resolution parent (resolution "state")'
            )
        name = scenario.name
        if kind == "regret":
            text = options.get("cluster_type", args[0] if args else "battery")
            types = _usage(parse_types, str(text or ""))
            regions = options.get("regions")
            if isinstance(regions, (list, tuple)):
                regions = ",".join(regions) if regions else None
            ids = _usage(parse_regions, regions, data) if regions else None

            def work(job):
                return self._executed(
                    job, optimizer.regret, scenario, types, data, regions=ids, progress=False
                )

            return f"regret {', '.join(types)} on {name}", work
        if kind == "montecarlo":
            runs = _flag("--runs", int_flag(1, MONTE_CARLO_MAX_RUNS), options.get("runs", 20))
            seed = _flag("--seed", int_flag(0, MAX_SEED), options.get("seed", 0))

            def work(job):
                return self._executed(
                    job, optimizer.monte_carlo, scenario, runs, seed, data, progress=False
                )

            return f"Monte Carlo, {runs} runs on {name}", work
        if kind == "sweep":
            chosen = options.get("parameters") or [p.name for p in default_levers(scenario)]
            parameters = _usage(resolve_parameters, list(chosen), scenario, data, desk_tech())
            if not parameters:
                raise OptionError("nothing to sweep: choose at least one parameter")

            def work(job):
                return self._executed(
                    job, optimizer.sweep, scenario, parameters, data, progress=False
                )

            return f"sweep of {len(parameters)} parameters on {name}", work
        if kind == "breakeven":
            other = options.get("other")
            if not other:
                raise OptionError("choose the scenario B to break even with")
            parameter = _usage(
                resolve_parameter, str(options.get("parameter") or ""), scenario, data,
                desk_tech(), wide=True,
            )  # fmt: skip
            grid = _flag("--grid", int_flag(2, 50), options.get("grid", 5))

            def work(job):
                _, right = desk.resolve(session, other)
                with self.factory() as inner:
                    found = optimizer.break_even(
                        scenario, right.scenario, parameter, data, grid=grid,
                        executor=TrackingExecutor(job, inner),
                    )  # fmt: skip
                return found, key, parameter

            return f"break-even along {parameter.name} on {name}", work
        if kind == "hindcast":
            as_of = _flag("--as-of", iso_date, options.get("as_of") or "2020-12-31")
            until = _flag("--until", iso_date, options.get("until") or "2024-12-31")
            if until <= as_of:
                raise OptionError(f"--until ({until}) must be after --as-of ({as_of})")

            def work(job):
                job.total = 2
                found = optimizer.hindcast(
                    scenario, as_of, until, data, on_step=lambda *_: _count(job)
                )
                return found, key

            return f"hindcast of {name} from {as_of}", work
        slacks = _flag("--slack", slack_list, options.get("slacks") or "0.01,0.02,0.05")
        goals = options.get("goals") or None
        try:
            goals = resolve_goals(list(goals) if goals else None, data)
        except Exception as exc:  # noqa: BLE001 - a UsageError carries the CLI's line
            raise OptionError(str(exc)) from None

        def work(job):
            job.total = 1 + len(goals) * len(slacks)
            found = optimizer.alternatives(
                scenario, slacks, goals, data, on_step=lambda *_: _count(job)
            )
            return found, key

        return f"alternatives of {name} ({len(goals)} goals × {len(slacks)} slacks)", work

    def _executed(self, job: Job, analysis, *args, **kwargs):
        with self.factory() as inner:
            found = analysis(*args, executor=TrackingExecutor(job, inner), **kwargs)
        return found, job.meta["key"]

    # -- jobs ----------------------------------------------------------------------------
    def start(self, session, kind: str, *args, **options) -> Job:
        """Validate and start ``kind`` on the tab's current result; the job's result is
        ``(analysis result, base key[, parameter])`` and its run folder ``folder(job)``."""
        if session.analysis_job is not None and session.analysis_job.running:
            raise OptionError("an analysis is already running in this tab; cancel it first")
        label, work = self._plan(session, kind, args, options)
        job = Job(kind, label)
        job.meta = {"key": session.result_key, "options": dict(options)}

        def run(job: Job):
            found = work(job)
            job.check()
            self._write(job, found)
            return found

        self.jobs[job.id] = job
        session.analysis_job = start(job, run)
        return session.analysis_job

    def folder(self, job: Job) -> Path:
        """The run folder of ``job`` (written when it finished)."""
        return self.desk.runs_dir / job.id

    def _write(self, job: Job, found: tuple) -> None:
        """Write the job's run folder with the command line's writers."""
        from ..reports.analysis import write_breakeven, write_montecarlo, write_regret, write_sweep
        from ..reports.analysis.trust import write_alternatives, write_hindcast

        folder = self.folder(job)
        folder.mkdir(parents=True, exist_ok=True)
        result, key = found[0], found[1]
        base = self.desk.result(key)
        snapshot = base if base is not None and not is_phased(base) else None
        data = self.desk.data
        if job.kind in ("regret", "montecarlo", "sweep"):
            writer = {"regret": write_regret, "montecarlo": write_montecarlo, "sweep": write_sweep}
            writer[job.kind](folder, result, data, base.scenario, base=snapshot)
        elif job.kind == "breakeven":
            write_breakeven(folder, result, found[2], data, base.scenario)
        elif job.kind == "hindcast":
            write_hindcast(folder, result, data)
        else:
            write_alternatives(folder, result, data)

    def file(self, job_id: str, name: str) -> Path | None:
        """A file of a finished job's run folder (no path outside it), or None."""
        job = self.jobs.get(job_id)
        if job is None or job.status != "done" or "/" in name or name.startswith("."):
            return None
        path = self.folder(job) / name
        return path if path.is_file() else None

    def map_key(self, job: Job) -> str:
        """Key of the map page of a finished regret or Monte Carlo job: the base result with
        the analysis as shading."""
        found, key = job.result[0], job.result[1]
        base = self.desk.result(key)
        if job.kind == "regret":
            layers = {
                f"Siting regret, {k} [USD/yr]": found.to_layer(k) for k in found.cluster_types
            }
        else:
            layers = {f"P(cluster sited), {k}": found.layer(k) for k in CLUSTER_TYPES}
        return self.desk.pages.scenario(f"{job.kind}-{job.id}", base, self.desk.data, layers)


def _count(job: Job) -> None:
    job.done += 1
    job.check()


def desk_tech():
    """The embedded technology data (the app solves with it)."""
    return optimizer.load_technology()


__all__ = ["KINDS", "KIND_LABELS", "AnalysisRunner", "OptionError"]
