"""``clustersite regret | sweep | breakeven | montecarlo``: the planner analyses on the command line.

Run folder and resume
    Each command writes one run folder OUT (``--out``; default
    ``runs/<UTC YYYYmmdd-HHMMSS>-<command>``) with its tables, ``map.html``, ``report.html``,
    ``scenario.toml`` and ``manifest.json``. OUT is built in a hidden staging folder and renamed
    into place only when complete. Finished solves are saved as they arrive, one JSON line each,
    in ``OUT.partial/checkpoint.jsonl`` beside OUT — outside the staging area, so an interrupted
    or killed run keeps them. Running the same command again with the same ``--out`` loads them
    (``resuming: N finished runs loaded from …``) and solves only the rest. On success the
    checkpoint is moved into OUT as ``checkpoint.jsonl`` and ``OUT.partial`` is removed. An
    existing OUT is refused (exit 2) unless ``--overwrite`` (which replaces only a clustersite run
    folder), and so is an ``OUT.partial`` kept by another command (``OUT.partial/command`` names
    it) or not made by clustersite. A run that fails or is stopped before any run finished leaves
    no ``OUT.partial``. Each checkpoint line is keyed by the run's
    parameters and a hash of the scenario, data and technology, so changed inputs never reuse an
    old result. ``breakeven`` keeps no checkpoint (its bisection is sequential and short).

Where runs are solved
    Local worker processes by default (one per CPU; ``--workers N``), this process
    (``--serial``), or an existing Dask cluster (``--scheduler tcp://host:8786``; its workers
    need clustersite installed). ``breakeven`` solves in this process unless told otherwise:
    each bisection step needs only two solves.

Exit codes as ``outputs.cli``: 0 success, 1 unexpected failure, 2 bad input, 3 the scenario has
no solution, 130 interrupted (finished runs kept for resuming). Errors are one line on stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import hashlib
import json
import math
import os
import platform
import shutil
import sys
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import tomli_w

import optimizer
from optimizer import CLUSTER_TYPES, Result, Scenario, TechnologyData
from optimizer.checkpoint import Checkpoint
from optimizer.parallel import Context, DaskExecutor, Outcome, ProcessExecutor, SerialExecutor
from optimizer.reuse import ANALYSIS_MIP_GAP
from optimizer.sensitivity import (
    LEVER_ATTRIBUTES,
    Parameter,
    default_levers,
    default_sweep_parameters,
    scenario_lever,
    tech_parameters,
    zone_factor,
    zone_multiplier,
)
from optimizer.technology import DATA_DIR as TECH_DATA_DIR
from optimizer.uncertainty import default_uncertain_parameters
from regions import RegionData

from .atomic import staged_folder
from .cli import (
    EXIT_BAD_INPUT,
    EXIT_NO_SOLUTION,
    PROG,
    NoSolutionError,
    UsageError,
    _error_line,
    _fail,
    _load_data,
    _load_scenario,
    _no_solution_message,
    _refuse_existing,
)
from .compare import fmt_pct, fmt_usd_short
from .exports import TECH_FILES, sha256_file
from .flags import MAX_GRID, MAX_RUNS, MAX_SEED, MAX_WORKERS, float_flag, int_flag
from .terminal import printable

EXIT_OK, EXIT_INTERRUPTED = 0, 130
CHECKPOINT = "checkpoint.jsonl"
COMMAND_MARKER = "command"
PARTIAL_SUFFIX = ".partial"
MANIFEST = "manifest.json"
TYPE_CHOICES = (*CLUSTER_TYPES, "all")
DASK_CONNECT_TIMEOUT = "20s"

ZONE_LEVERS = {"power_price": "power_price", "power-price": "power_price", "wage": "wage"}
"""``KIND@ZONE`` kinds set through the scenario's by-region multipliers."""
ZONE_COLUMNS = {
    "permitting": "permitting_months",
    "permitting_months": "permitting_months",
    "employment": "mfg_employment_jobs",
    "mfg_employment_jobs": "mfg_employment_jobs",
    "grid_co2": "grid_co2_kg_per_mwh",
    "grid_co2_kg_per_mwh": "grid_co2_kg_per_mwh",
}
"""``KIND@ZONE`` kinds applied as a factor on a region-table column."""
SWEEP_RANGE = {"power_price": (0.8, 1.2), "wage": (0.8, 1.2), "permitting_months": (0.5, 2.0)}
WIDE_RANGE = {"power_price": (0.5, 1.5), "wage": (0.5, 1.5), "permitting_months": (0.5, 3.0)}
"""Default ranges of zone parameters: sweeps (and Monte Carlo) vs break-even bounds."""


# ---------------------------------------------------------------------------------------------
# argument parsing helpers
# ---------------------------------------------------------------------------------------------


def parse_types(text: str) -> tuple[str, ...]:
    """``battery``, ``battery,solar`` or ``all`` → cluster types."""
    wanted = [t.strip() for t in text.split(",") if t.strip()]
    if not wanted:
        raise UsageError("--type is empty (expected battery, magnet, solar or all)")
    for t in wanted:
        if t not in TYPE_CHOICES:
            raise UsageError(f"unknown --type {t!r} (expected battery, magnet, solar or all)")
    if "all" in wanted:
        return CLUSTER_TYPES
    return tuple(dict.fromkeys(wanted))


def parse_regions(text: str | None, data: RegionData) -> list[str] | None:
    """``MN,MI,…`` → region ids (checked against the data); None → all regions."""
    if text is None:
        return None
    ids = list(dict.fromkeys(r.strip() for r in text.split(",") if r.strip()))
    unknown = [r for r in ids if r not in data.regions.index]
    if unknown or not ids:
        raise UsageError(f"unknown region(s) in --regions: {', '.join(unknown) or '(none given)'}")
    return ids


def _zone_members(zone: str, data: RegionData, text: str) -> str | tuple[str, ...]:
    if zone in data.zones:
        return zone
    parts = tuple(p for p in zone.split("+") if p)
    if parts and all(p in data.regions.index for p in parts):
        return parts
    known = ", ".join(sorted(data.zones)) or "none"
    raise UsageError(
        f"unknown zone {zone!r} in --parameter {text!r} (zones: {known}; or region ids "
        "joined by '+', e.g. MN+MI)"
    )


def _lever(name: str, scenario: Scenario, tech: TechnologyData, wide: bool) -> Parameter:
    defaults = {p.name: p for p in default_levers(scenario)}
    if name in defaults and not (wide and name.startswith("multipliers.")):
        return defaults[name]
    if name.startswith("multipliers.") or name == "limits.labor_share_cap":
        low, high = (0.5, 1.5) if wide else (0.8, 1.2)
        return scenario_lever(scenario, name, low, high, relative=True, tech=tech)
    if name == "policy.green_lane_factor":
        return scenario_lever(scenario, name, 0.5, 1.0)
    return scenario_lever(scenario, name, 0.0, 0.02)


def resolve_parameter(
    text: str,
    scenario: Scenario,
    data: RegionData,
    tech: TechnologyData,
    *,
    wide: bool = False,
) -> Parameter:
    """A Parameter from its command-line name, optionally with a range ``NAME=LOW:HIGH``.

    Names: a technology figure (``battery.capex_usd_per_unit``, ``utilization``), a scenario
    lever (``multipliers.power_price`` …) or ``KIND@ZONE`` where KIND is ``power-price`` or
    ``wage`` (a by-region multiplier, base 1) or ``permitting`` / ``employment`` / ``grid_co2``
    (a factor on the region column, base 1) and ZONE a zone id or region ids joined by ``+``.
    ``wide`` picks the wider default range used as break-even bounds.
    """
    name, has_range, span = text.partition("=")
    name = name.strip()
    parameter: Parameter | None = None
    figures = {p.name: p for p in tech_parameters(tech, ranged_only=False)}
    if name in figures:
        parameter = figures[name]
    elif name in LEVER_ATTRIBUTES:
        parameter = _lever(name, scenario, tech, wide)
    elif "@" in name:
        kind, _, zone = name.partition("@")
        kind = kind.strip().lower()
        members = _zone_members(zone.strip(), data, text)
        if kind in ZONE_LEVERS:
            lever = ZONE_LEVERS[kind]
            low, high = (WIDE_RANGE if wide else SWEEP_RANGE)[lever]
            parameter = zone_multiplier(data, lever, members, low, high)
        elif kind.replace("-", "_") in ZONE_COLUMNS:
            column = ZONE_COLUMNS[kind.replace("-", "_")]
            default = (0.5, 2.0) if wide else (0.8, 1.2)
            low, high = (WIDE_RANGE if wide else SWEEP_RANGE).get(column, default)
            parameter = zone_factor(data, column, members, low, high)
    if parameter is None:
        raise UsageError(
            f"unknown --parameter {name!r}: expected a technology figure (e.g. "
            "battery.capex_usd_per_unit), a lever (multipliers.power_price, multipliers.wage, "
            "multipliers.mineral_price, policy.green_lane_factor, "
            "policy.co_investment_rate_reduction, limits.labor_share_cap) or KIND@ZONE with KIND "
            "power-price, wage, permitting, employment or grid_co2 (e.g. permitting@south); "
            f"`{PROG} sweep SCENARIO --list-parameters` lists them"
        )
    if has_range:
        low, high = _parse_range(span, text)
        parameter = dataclasses.replace(parameter, low=low, high=high)
    return parameter


def _parse_range(span: str, text: str) -> tuple[float, float]:
    try:
        low_text, high_text = span.split(":")
        low, high = float(low_text), float(high_text)
    except ValueError:
        raise UsageError(f"bad range in --parameter {text!r}: expected NAME=LOW:HIGH") from None
    if not (math.isfinite(low) and math.isfinite(high)) or low > high:
        raise UsageError(f"bad range in --parameter {text!r}: need finite LOW <= HIGH")
    return low, high


def resolve_parameters(
    texts: Sequence[str] | None,
    scenario: Scenario,
    data: RegionData,
    tech: TechnologyData,
) -> list[Parameter]:
    """Every ``--parameter`` (repeatable, comma-separated) as a Parameter; names must differ."""
    out: list[Parameter] = []
    for text in texts or ():
        for part in text.split(","):
            if part.strip():
                out.append(resolve_parameter(part.strip(), scenario, data, tech))
    names = [p.name for p in out]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise UsageError(f"--parameter given more than once: {', '.join(duplicates)}")
    return out


def _load_tech(folder: str | None) -> TechnologyData:
    return optimizer.load_technology(folder) if folder else optimizer.load_technology()


# ---------------------------------------------------------------------------------------------
# run folder, checkpoint, executor
# ---------------------------------------------------------------------------------------------


def partial_folder(out: Path) -> Path:
    """``OUT.partial``: where a command keeps its checkpoint until the run folder is complete."""
    return out.with_name(out.name + PARTIAL_SUFFIX)


def _default_out(command: str) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    return Path("runs") / f"{stamp}-{command}"


def _utc() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _note(args: argparse.Namespace, text: str) -> None:
    if not args.quiet:
        print(printable(text), file=sys.stderr, flush=True)


class CountingExecutor:
    """Wraps an executor; counts the runs it solves (and failures) and the time spent."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.solved = 0
        self.failed = 0
        self.seconds = 0.0

    def map(self, context: Context, runs, on_result: Callable[[Outcome], None]) -> None:
        """Delegate to the wrapped executor, counting each outcome."""
        start = time.perf_counter()

        def counted(outcome: Outcome) -> None:
            self.solved += 1
            self.failed += 0 if outcome.ok else 1
            on_result(outcome)

        try:
            self.inner.map(context, runs, counted)
        finally:
            self.seconds += time.perf_counter() - start


def _open_executor(
    args: argparse.Namespace, stack: contextlib.ExitStack, default_workers: int | None
) -> tuple[CountingExecutor, str]:
    """The executor the options ask for (closed by ``stack``) and a description of it."""
    if args.scheduler and args.serial:
        raise UsageError("--serial and --scheduler exclude each other")
    workers = args.workers if args.workers is not None else default_workers
    if workers is not None and workers < 1:
        raise UsageError(f"--workers must be at least 1, got {workers}")
    if args.scheduler:
        try:
            from distributed import Client
        except ImportError:
            raise UsageError(
                "--scheduler needs dask.distributed: pip install 'dask[distributed]'"
            ) from None
        try:
            client = Client(args.scheduler, timeout=DASK_CONNECT_TIMEOUT)
        except (OSError, TimeoutError, ValueError) as exc:
            raise UsageError(
                f"cannot connect to the Dask scheduler {args.scheduler}: {exc}"
            ) from None
        stack.callback(client.close)
        inner, text = DaskExecutor(client), f"dask {args.scheduler}"
    elif args.serial or workers == 1:
        inner, text = SerialExecutor(), "serial (this process)"
    else:
        inner = ProcessExecutor(workers)
        text = f"{workers or os.cpu_count() or 1} local processes"
    stack.enter_context(inner)
    return CountingExecutor(inner), text


@dataclasses.dataclass
class Job:
    """One analysis command: its inputs, run folder, checkpoint and timings."""

    command: str
    args: argparse.Namespace
    data: RegionData
    tech: TechnologyData
    out: Path
    started: float = dataclasses.field(default_factory=time.perf_counter)
    started_utc: str = dataclasses.field(default_factory=_utc)
    timings: dict[str, float] = dataclasses.field(default_factory=dict)
    loaded: int = 0

    @property
    def partial(self) -> Path:
        """``OUT.partial``."""
        return partial_folder(self.out)

    @property
    def checkpoint(self) -> Path:
        """``OUT.partial/checkpoint.jsonl``."""
        return self.partial / CHECKPOINT

    def check_out(self) -> None:
        """Refuse an existing OUT (unless --overwrite) and an ``OUT.partial`` of another command
        (``OUT.partial/command`` names the command that keeps it), before any work."""
        _refuse_existing(self.out, self.args.overwrite)
        marker = self.partial / COMMAND_MARKER
        if self.partial.exists() and not marker.is_file():
            raise UsageError(
                f"{self.partial} exists but was not made by {PROG} (no {COMMAND_MARKER} file "
                "in it); move it away or choose another --out"
            )
        if marker.exists():
            owner = marker.read_text(encoding="utf-8").strip()
            if owner != self.command:
                raise UsageError(
                    f"{self.partial} holds the unfinished runs of `{PROG} {owner}`; resume that "
                    f"command or choose another --out"
                )

    def resume(self, scenario: Scenario) -> Path:
        """Create ``OUT.partial``; report finished runs of these inputs found in its checkpoint."""
        self.partial.mkdir(parents=True, exist_ok=True)
        (self.partial / COMMAND_MARKER).write_text(self.command + "\n", encoding="utf-8")
        if self.checkpoint.exists():
            fingerprint = Context.create(scenario, self.data, self.tech).fingerprint
            completed = Checkpoint(self.checkpoint).completed()
            self.loaded = sum(1 for r in completed.values() if r.get("context") == fingerprint)
            other = len(completed) - self.loaded
            extra = f" ({other} finished runs of other inputs ignored)" if other else ""
            print(
                printable(
                    f"resuming: {self.loaded} finished runs loaded from {self.checkpoint}{extra}"
                ),
                file=sys.stderr,
                flush=True,
            )
        return self.checkpoint

    def finished_runs(self) -> int:
        """Finished runs kept in ``OUT.partial``'s checkpoint (0 without one)."""
        return len(Checkpoint(self.checkpoint).completed()) if self.checkpoint.exists() else 0

    def discard_if_empty(self) -> None:
        """Remove ``OUT.partial`` when it keeps no finished run (nothing to resume)."""
        marker = self.partial / COMMAND_MARKER
        if marker.is_file() and self.finished_runs() == 0:
            shutil.rmtree(self.partial, ignore_errors=True)

    def interrupted(self) -> int:
        """Say where the finished runs are kept; return exit code 130."""
        n = self.finished_runs()
        if n:
            _fail(
                f"interrupted; {n} finished runs kept in {self.checkpoint}; run the same "
                f"command with --out {self.out} to resume"
            )
        else:
            self.discard_if_empty()
            _fail("interrupted; nothing was written")
        return EXIT_INTERRUPTED

    def timed(self, key: str, func: Callable, *a, **kw):
        """Call ``func`` and record its wall time under ``key`` [s]."""
        start = time.perf_counter()
        try:
            return func(*a, **kw)
        finally:
            self.timings[key] = self.timings.get(key, 0.0) + time.perf_counter() - start


def _solve_base(job: Job, scenario: Scenario) -> Result:
    """The unforced optimum (solved at the analyses' MIP gap, so the map matches the runs)."""
    gap = min(scenario.solver.mip_gap, ANALYSIS_MIP_GAP)
    tight = (
        scenario if gap == scenario.solver.mip_gap else scenario.replace(solver={"mip_gap": gap})
    )
    result = job.timed(
        "base_solve_seconds", optimizer.solve, tight, job.data, job.tech, with_duals=False
    )
    if not result.ok:
        raise NoSolutionError(_no_solution_message(result) + "; nothing written")
    _note(
        job.args,
        f"base optimum: {result.report.status.value}, objective "
        f"{fmt_usd_short(result.report.objective)}/yr "
        f"({job.timings['base_solve_seconds']:.1f} s)",
    )
    return result


@dataclasses.dataclass
class AnalysisRun:
    """What ``_run_analysis`` hands back: the analysis result, the base optimum, the executor."""

    result: object
    base: Result
    executor: object
    executor_text: str


def _run_analysis(
    args: argparse.Namespace, job: Job, scenario: Scenario, analysis, *positional, **keywords
) -> AnalysisRun | int:
    """Open the executor, solve the base, resume the checkpoint and run ``analysis``.

    Returns the exit code of an interruption (finished runs stay in the checkpoint) instead of
    an AnalysisRun when the user stops it.
    """
    with contextlib.ExitStack() as stack:
        executor, executor_text = _open_executor(args, stack, None)
        base = _solve_base(job, scenario)
        checkpoint = job.resume(scenario)
        try:
            result = job.timed(
                "analysis_seconds",
                analysis,
                scenario,
                *positional,
                executor=executor,
                checkpoint=checkpoint,
                progress=not args.quiet,
                **keywords,
            )
        except KeyboardInterrupt:
            return job.interrupted()
        except BaseException:
            job.discard_if_empty()
            raise
    return AnalysisRun(result, base, executor, executor_text)


def _finish_analysis(
    job: Job,
    args: argparse.Namespace,
    scenario: Scenario,
    run: AnalysisRun,
    writer,
    parameters: dict,
) -> None:
    """``_finish`` for regret, sweep and Monte Carlo: ``writer(folder, result, data, scenario, ...)``."""
    _finish(
        job,
        lambda folder: writer(
            folder,
            run.result,
            job.data,
            scenario,
            base=None if args.no_map else run.base,
            offline=args.offline,
        ),
        scenarios={"scenario": (args.scenario, scenario)},
        parameters=parameters,
        executor=run.executor,
        executor_text=run.executor_text,
        failures=len(run.result.failures),
    )


def _parameter_record(p: Parameter) -> dict:
    record = {
        "name": p.name,
        "kind": p.kind,
        "base": p.base,
        "low": p.low,
        "high": p.high,
        "unit": p.unit,
    }
    if p.kind in ("regions", "region_multiplier"):
        record["regions"] = list(p.key[1])
    return record


def _files_record(paths: Mapping[str, Path]) -> dict:
    return {
        name: {"path": str(path), "sha256": sha256_file(path)}
        for name, path in sorted(paths.items())
        if Path(path).is_file()
    }


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("clustersite")
    except metadata.PackageNotFoundError:  # pragma: no cover
        return "unknown"


def _manifest(
    job: Job,
    folder: Path,
    *,
    scenarios: Mapping[str, tuple[str, Scenario, bytes]],
    parameters: dict,
    executor: CountingExecutor,
    executor_text: str,
    failures: int,
) -> dict:
    tech_dir = Path(job.args.tech) if job.args.tech else TECH_DATA_DIR
    total = time.perf_counter() - job.started
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST)
    return {
        "command": job.command,
        "clustersite_version": _version(),
        "created_utc": _utc(),
        "python": platform.python_version(),
        **{
            role: {
                "ref": ref,
                "name": scenario.name,
                "description": scenario.description,
                "file": f"{role}.toml",
                "sha256": hashlib.sha256(toml).hexdigest(),
            }
            for role, (ref, scenario, toml) in scenarios.items()
        },
        "parameters": parameters,
        "executor": executor_text,
        "timings": {
            "started_utc": job.started_utc,
            **{k: round(v, 3) for k, v in job.timings.items()},
            "total_seconds": round(total, 3),
        },
        "runs": {
            "solved_now": executor.solved,
            "loaded_from_checkpoint": job.loaded,
            "total": executor.solved + job.loaded,
            "failed_now": executor.failed,
            "solve_seconds": round(executor.seconds, 3),
            "solves_per_second": round(executor.solved / executor.seconds, 3)
            if executor.seconds > 0
            else None,
        },
        "failures": failures,
        "checkpoint": CHECKPOINT if (folder / CHECKPOINT).exists() else None,
        "data": {
            "folder": str(job.args.data) if job.args.data else "embedded",
            "files": _files_record(job.data.files),
        },
        "technology": {
            "folder": str(tech_dir),
            "files": _files_record({n: tech_dir / n for n in TECH_FILES}),
        },
        "files": [
            {
                "path": p.relative_to(folder).as_posix(),
                "bytes": p.stat().st_size,
                "sha256": sha256_file(p),
            }
            for p in files
        ],
    }


def _finish(
    job: Job,
    write: Callable[[Path], list[str]],
    *,
    scenarios: Mapping[str, tuple[str, Scenario]],
    parameters: dict,
    executor: CountingExecutor,
    executor_text: str,
    failures: int,
    keep_checkpoint: bool = True,
) -> None:
    """Write the run folder (staged), move the checkpoint into it, remove ``OUT.partial``."""
    start = time.perf_counter()
    with staged_folder(job.out, overwrite=job.args.overwrite) as staging:
        write(staging)
        tomls = {}
        for role, (ref, scenario) in scenarios.items():
            text = tomli_w.dumps(scenario.to_toml_dict()).encode("utf-8")
            (staging / f"{role}.toml").write_bytes(text)
            tomls[role] = (ref, scenario, text)
        if keep_checkpoint and job.checkpoint.exists():
            shutil.copy2(job.checkpoint, staging / CHECKPOINT)
        job.timings["writing_seconds"] = time.perf_counter() - start
        manifest = _manifest(
            job,
            staging,
            scenarios=tomls,
            parameters=parameters,
            executor=executor,
            executor_text=executor_text,
            failures=failures,
        )
        (staging / MANIFEST).write_text(
            json.dumps(manifest, indent=2, allow_nan=False) + "\n", encoding="utf-8"
        )
    if job.partial.exists():
        shutil.rmtree(job.partial, ignore_errors=True)


def _warn_failures(failures: pd.DataFrame, most: int = 5) -> None:
    if failures is None or failures.empty:
        return
    n = len(failures)
    print(
        f"{PROG}: warning: {n} run{'s' if n != 1 else ''} failed (listed in failures.csv):",
        file=sys.stderr,
    )
    for _, row in failures.head(most).iterrows():
        print(printable(f"  {row['parameters']}: {row['error']}"), file=sys.stderr)
    if len(failures) > most:
        print(f"  … and {len(failures) - most} more", file=sys.stderr)


def _start(args: argparse.Namespace, command: str) -> Job:
    data = _load_data(args.data)
    tech = _load_tech(args.tech)
    out = Path(args.out) if args.out else _default_out(command)
    return Job(command, args, data, tech, out)


# ---------------------------------------------------------------------------------------------
# commands
# ---------------------------------------------------------------------------------------------


def cmd_regret(args: argparse.Namespace) -> int:
    """Siting regret of each region for one or more cluster types."""
    from .analysis_report import fmt_signed, write_regret

    types = parse_types(args.type)
    job = _start(args, "regret")
    scenario = _load_scenario(args.scenario, job.data)
    region_ids = parse_regions(args.regions, job.data)
    job.check_out()
    run = _run_analysis(
        args, job, scenario, optimizer.regret, types, job.data, job.tech, regions=region_ids
    )
    if isinstance(run, int):
        return run
    result = run.result
    _finish_analysis(
        job,
        args,
        scenario,
        run,
        write_regret,
        {"types": list(types), "regions": region_ids or "all"},
    )
    for k in types:
        rows = result.table[result.table["cluster_type"] == k]
        valued = rows[rows["regret_usd_per_yr"].notna()]
        optimum = valued[valued["in_base_optimum"].astype(bool)]["region_id"].tolist()
        others = valued[~valued["in_base_optimum"].astype(bool)]
        text = f"{k}: base optimum {', '.join(optimum) or 'none'}"
        if len(others):
            first, last = others.iloc[0], others.iloc[-1]
            text += (
                f"; cheapest alternative {first['region_id']} "
                f"{fmt_signed(first['regret_usd_per_yr'], short=True)}, costliest "
                f"{last['region_id']} {fmt_signed(last['regret_usd_per_yr'], short=True)}"
            )
        text += f"; {len(rows) - len(valued)} of {len(rows)} regions cannot host"
        print(text)
    _warn_failures(result.failures)
    print(printable(f"report: {job.out / 'report.html'}"), flush=True)
    return EXIT_OK


def _list_parameters(scenario: Scenario, data: RegionData, tech: TechnologyData) -> int:
    rows = [(p.name, p.unit, p.low, p.base, p.high) for p in tech_parameters(tech)]
    rows += [(p.name, p.unit or "value", p.low, p.base, p.high) for p in default_levers(scenario)]
    for kind in ("power-price", "wage", "permitting"):
        for zone in data.zones:
            p = resolve_parameter(f"{kind}@{zone}", scenario, data, tech)
            rows.append((p.name, p.unit, p.low, p.base, p.high))
    width = max(len(r[0]) for r in rows)
    print(f"{'parameter':<{width}}  {'low':>12} {'base':>12} {'high':>12}  unit")
    for name, unit, low, base, high in rows:
        print(f"{name:<{width}}  {low:>12.6g} {base:>12.6g} {high:>12.6g}  {unit}")
    return EXIT_OK


def cmd_sweep(args: argparse.Namespace) -> int:
    """One-at-a-time sweep: each parameter at its low and high value; tornado tables."""
    from .analysis_report import tornado_tables, write_sweep

    job = _start(args, "sweep")
    scenario = _load_scenario(args.scenario, job.data)
    if args.list_parameters:
        return _list_parameters(scenario, job.data, job.tech)
    chosen = resolve_parameters(args.parameter, scenario, job.data, job.tech)
    if not chosen and not args.levers:
        parameters = default_sweep_parameters(scenario, job.tech)
    else:
        taken = {p.name for p in chosen}
        levers = [p for p in default_levers(scenario) if p.name not in taken] if args.levers else []
        parameters = chosen + levers
    if not parameters:
        raise UsageError("nothing to sweep: no parameter given and the scenario has no levers")
    job.check_out()
    run = _run_analysis(args, job, scenario, optimizer.sweep, parameters, job.data, job.tech)
    if isinstance(run, int):
        return run
    result = run.result
    _finish_analysis(
        job,
        args,
        scenario,
        run,
        write_sweep,
        {"parameters": [_parameter_record(p) for p in parameters]},
    )
    ranking = tornado_tables(result, ("total_annual_cost",))
    moved = int(result.table["sites_changed"].eq(True).sum())
    text = f"{len(parameters)} parameters swept, {len(result.table)} runs"
    if len(ranking):
        top = ranking.iloc[0]
        text += (
            f"; largest swing of total annual cost: {top['parameter']} "
            f"({fmt_usd_short(top['swing'])}/yr)"
        )
    print(text + f"; sites moved in {moved} runs")
    _warn_failures(result.failures)
    print(printable(f"report: {job.out / 'report.html'}"), flush=True)
    return EXIT_OK


def cmd_breakeven(args: argparse.Namespace) -> int:
    """Where along one parameter scenarios A and B swap ranks (total annual cost)."""
    from .analysis_report import write_breakeven

    job = _start(args, "breakeven")
    scenario_a = _load_scenario(args.scenario_a, job.data)
    scenario_b = _load_scenario(args.scenario_b, job.data)
    parameter = resolve_parameter(args.parameter, scenario_a, job.data, job.tech, wide=True)
    bounds = tuple(args.bounds) if args.bounds else (parameter.low, parameter.high)
    if not (math.isfinite(bounds[0]) and math.isfinite(bounds[1]) and bounds[0] < bounds[1]):
        raise UsageError(f"--bounds must satisfy LOW < HIGH, got {bounds[0]:g} {bounds[1]:g}")
    if args.grid < 2:
        raise UsageError(f"--grid must be at least 2, got {args.grid}")
    _refuse_existing(job.out, args.overwrite)
    with contextlib.ExitStack() as stack:
        executor, executor_text = _open_executor(args, stack, 1)
        try:
            found = job.timed(
                "analysis_seconds",
                optimizer.break_even,
                scenario_a,
                scenario_b,
                parameter,
                job.data,
                job.tech,
                bounds=bounds,
                tol=args.tol,
                grid=args.grid,
                executor=executor,
            )
        except RuntimeError as exc:  # a run without a solution along the parameter
            raise NoSolutionError(
                f"break-even of {parameter.name}: {exc}; nothing written"
            ) from None
        except KeyboardInterrupt:
            _fail("interrupted; nothing was written")
            return EXIT_INTERRUPTED
    _finish(
        job,
        lambda folder: write_breakeven(folder, found, parameter, job.data, scenario_a),
        scenarios={
            "scenario_a": (args.scenario_a, scenario_a),
            "scenario_b": (args.scenario_b, scenario_b),
        },
        parameters={
            "parameter": _parameter_record(parameter),
            "bounds": list(bounds),
            "tol": args.tol,
            "grid": args.grid,
            "kpi": found.kpi,
            "flips": found.flips,
            "value": found.value,
            "bracket": list(found.bracket) if found.bracket else None,
        },
        executor=executor,
        executor_text=executor_text,
        failures=0,
        keep_checkpoint=False,
    )
    if found.flips:
        print(f"flip: {found.parameter} = {found.value:.6g}")
    else:
        print(f"no flip within bounds [{bounds[0]:g}, {bounds[1]:g}]")
    print(found.message)
    print(printable(f"report: {job.out / 'report.html'}"), flush=True)
    return EXIT_OK


def cmd_montecarlo(args: argparse.Namespace) -> int:
    """Latin-hypercube Monte Carlo over the parameter ranges: KPI distribution, P(site)."""
    from .analysis_report import write_montecarlo

    if args.runs < 1:
        raise UsageError(f"--runs must be at least 1, got {args.runs}")
    job = _start(args, "montecarlo")
    scenario = _load_scenario(args.scenario, job.data)
    chosen = resolve_parameters(args.parameter, scenario, job.data, job.tech)
    parameters = chosen or default_uncertain_parameters(job.tech)
    job.check_out()
    run = _run_analysis(
        args,
        job,
        scenario,
        optimizer.monte_carlo,
        args.runs,
        args.seed,
        job.data,
        job.tech,
        parameters=parameters,
    )
    if isinstance(run, int):
        return run
    result = run.result
    _finish_analysis(
        job,
        args,
        scenario,
        run,
        write_montecarlo,
        {
            "runs": args.runs,
            "seed": args.seed,
            "sampling": "latin hypercube, uniform in [low, high]",
            "parameters": [_parameter_record(p) for p in parameters],
        },
    )
    solved = int(result.runs["status"].isin(("optimal", "feasible")).sum())
    text = f"{args.runs} runs (seed {args.seed}): {solved} solved, {len(result.failures)} failed"
    if "total_annual_cost" in result.summary.index and solved:
        s = result.summary.loc["total_annual_cost"]
        text += (
            f"; total annual cost p5 {fmt_usd_short(s['p5'])}, p50 {fmt_usd_short(s['p50'])}, "
            f"p95 {fmt_usd_short(s['p95'])} per yr"
        )
    print(text)
    likely = result.probability[result.probability["probability"] > 0].sort_values(
        ["probability", "region_id"], ascending=[False, True]
    )
    for k in CLUSTER_TYPES:
        rows = likely[likely["cluster_type"] == k].head(5)
        if len(rows):
            sites = ", ".join(
                f"{r} {fmt_pct(p)}"
                for r, p in zip(rows["region_id"], rows["probability"], strict=True)
            )
            print(f"{k}: P(site) {sites}")
    _warn_failures(result.failures)
    print(printable(f"report: {job.out / 'report.html'}"), flush=True)
    return EXIT_OK


# ---------------------------------------------------------------------------------------------
# parser
# ---------------------------------------------------------------------------------------------


def _handled(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """``func`` reporting this package's usage and no-solution errors itself (one line, exit 2
    or 3), so they keep their exit codes also under ``python -m outputs.cli``, where the running
    ``main`` belongs to ``__main__`` and does not know ``outputs.cli``'s exception classes."""

    def handler(args: argparse.Namespace) -> int:
        try:
            return func(args)
        except (UsageError, NoSolutionError) as exc:
            if getattr(args, "debug", False):
                traceback.print_exc()
            _fail(_error_line(exc))
            return EXIT_NO_SOLUTION if isinstance(exc, NoSolutionError) else EXIT_BAD_INPUT

    handler.__doc__ = func.__doc__
    return handler


def _common_options(sub: argparse.ArgumentParser, command: str, *, workers_help: str) -> None:
    sub.add_argument(
        "--out",
        metavar="DIR",
        help=f"run folder (default: runs/<UTC YYYYmmdd-HHMMSS>-{command}); finished runs are "
        "kept in DIR.partial/ until it is complete, and the same --out resumes",
    )
    sub.add_argument("--overwrite", action="store_true", help="replace an existing run folder")
    sub.add_argument("--offline", action="store_true", help="map works without internet")
    sub.add_argument("--no-map", action="store_true", help="skip map.html")
    sub.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    sub.add_argument(
        "--data", metavar="DIR", help="region data folder (default: the embedded US dataset)"
    )
    sub.add_argument("--tech", metavar="DIR", help=argparse.SUPPRESS)
    sub.add_argument("--workers", type=int_flag(1, MAX_WORKERS), metavar="N", help=workers_help)
    sub.add_argument("--serial", action="store_true", help="solve in this process")
    sub.add_argument(
        "--scheduler",
        metavar="ADDR",
        help="solve on an existing Dask cluster, e.g. tcp://host:8786",
    )


def register(add: Callable[[str, Callable, str], argparse.ArgumentParser]) -> None:
    """Add the ``regret``, ``sweep``, ``breakeven`` and ``montecarlo`` subcommands through
    ``add(name, handler, help)`` (``outputs.cli.build_parser``'s helper)."""
    local = "local worker processes (default: one per CPU)"

    regret = add(
        "regret",
        _handled(cmd_regret),
        "siting regret: cost penalty of forcing a cluster into each region",
    )
    regret.add_argument("scenario", metavar="SCENARIO", help="built-in name or TOML path")
    regret.add_argument(
        "--type",
        default="all",
        metavar="TYPE",
        help="battery, magnet, solar, a comma list of them, or all (default)",
    )
    regret.add_argument("--regions", metavar="IDS", help="comma-separated region ids (default all)")
    _common_options(regret, "regret", workers_help=local)

    sweep = add("sweep", _handled(cmd_sweep), "one-at-a-time sensitivity sweep with tornado charts")
    sweep.add_argument("scenario", metavar="SCENARIO", help="built-in name or TOML path")
    sweep.add_argument(
        "--parameter",
        action="append",
        metavar="NAME[=LOW:HIGH]",
        help="parameter to sweep (repeatable): a technology figure, a lever or KIND@ZONE "
        "(power-price@great-lakes, permitting@south); default: every ranged technology "
        "figure and the default levers",
    )
    sweep.add_argument(
        "--levers",
        action="store_true",
        help="add the default scenario levers (power price, wage, mineral price, policy)",
    )
    sweep.add_argument(
        "--list-parameters", action="store_true", help="list parameter names and ranges, then exit"
    )
    _common_options(sweep, "sweep", workers_help=local)

    breakeven = add(
        "breakeven",
        _handled(cmd_breakeven),
        "by how much must a parameter move for scenarios A and B to swap ranks",
    )
    breakeven.add_argument("scenario_a", metavar="A", help="first scenario")
    breakeven.add_argument("scenario_b", metavar="B", help="second scenario")
    breakeven.add_argument(
        "--parameter",
        required=True,
        metavar="NAME",
        help="e.g. power-price@great-lakes, permitting@south, battery.capex_usd_per_unit",
    )
    breakeven.add_argument(
        "--bounds",
        nargs=2,
        type=float_flag(),
        metavar=("LOW", "HIGH"),
        help="search interval (default: power price/wage ×0.5–1.5, permitting ×0.5–3, a "
        "technology figure's low–high)",
    )
    breakeven.add_argument(
        "--tol",
        type=float_flag(0, low_open=True),
        help="bracket width to stop at (default 1e-3 × interval)",
    )
    breakeven.add_argument(
        "--grid",
        type=int_flag(2, MAX_GRID),
        default=5,
        help="values solved across the bounds first (default 5)",
    )
    _common_options(
        breakeven, "breakeven", workers_help="local worker processes (default: this process)"
    )

    montecarlo = add(
        "montecarlo",
        _handled(cmd_montecarlo),
        "Monte Carlo (Latin hypercube): KPI distribution and P(site) by region",
    )
    montecarlo.add_argument("scenario", metavar="SCENARIO", help="built-in name or TOML path")
    montecarlo.add_argument(
        "--runs",
        type=int_flag(1, MAX_RUNS),
        default=200,
        help=f"number of runs (default 200, at most {MAX_RUNS:,})",
    )
    montecarlo.add_argument(
        "--seed", type=int_flag(0, MAX_SEED), default=0, help="random seed (default 0)"
    )
    montecarlo.add_argument(
        "--parameter",
        action="append",
        metavar="NAME[=LOW:HIGH]",
        help="parameter to sample (repeatable; default: every ranged technology figure except "
        "penalties and national targets)",
    )
    _common_options(montecarlo, "montecarlo", workers_help=local)


__all__ = [
    "CHECKPOINT",
    "CountingExecutor",
    "cmd_breakeven",
    "cmd_montecarlo",
    "cmd_regret",
    "cmd_sweep",
    "parse_regions",
    "parse_types",
    "partial_folder",
    "register",
    "resolve_parameter",
    "resolve_parameters",
]
