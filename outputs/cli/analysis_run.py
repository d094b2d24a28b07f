"""The run folder of an analysis command: executor, base solve, checkpoint and resume, manifest,
and writing the folder atomically (see ``outputs.cli.analysis`` for the user-facing contract)."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import hashlib
import json
import os
import platform
import shutil
import sys
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import tomli_w

import optimizer
from optimizer import Result, Scenario, TechnologyData
from optimizer.analyses.parameters import Parameter
from optimizer.model.technology import DATA_DIR as TECH_DATA_DIR
from optimizer.runs.checkpoint import Checkpoint
from optimizer.runs.parallel import Context, DaskExecutor, Outcome, ProcessExecutor, SerialExecutor
from optimizer.runs.progress import Progress
from optimizer.runs.solution import ANALYSIS_MIP_GAP
from regions import RegionData

from ..atomic import staged_folder
from ..exports.run import TECH_FILES, sha256_file
from ..formatting import fmt_usd_short
from ..terminal import printable
from .analysis_args import (
    CHECKPOINT,
    COMMAND_MARKER,
    DASK_CONNECT_TIMEOUT,
    EXIT_INTERRUPTED,
    MANIFEST,
    PARTIAL_SUFFIX,
    _load_tech,
)
from .common import (
    PROG,
    NoSolutionError,
    UsageError,
    _fail,
    _load_data,
    _no_solution_message,
    _refuse_existing,
)


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


class ProgressExecutor:
    """Wraps an executor: one progress update per finished run (a bar on a terminal, a plain
    line at most every few seconds otherwise), for analyses that solve in steps."""

    def __init__(self, inner, progress: Progress) -> None:
        self.inner = inner
        self.progress = progress

    def map(self, context: Context, runs, on_result: Callable[[Outcome], None]) -> None:
        """Delegate to the wrapped executor, updating the progress per outcome."""

        def shown(outcome: Outcome) -> None:
            self.progress.update(outcome.ok)
            on_result(outcome)

        self.inner.map(context, runs, shown)


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


def _solve_base(job: Job, scenario: Scenario) -> Result | None:
    """The unforced optimum (solved at the analyses' MIP gap, so the map matches the runs).

    None for a phased scenario (a ``[periods]`` table): its analysis solves its own base run
    (a present value), and the snapshot map would show another model's answer."""
    if scenario.periods is not None:
        _note(job.args, "phased scenario: money is present value [USD]; no base map")
        return None
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
    base: Result | None
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
            offline=not args.cdn,
            tiles=args.tiles,
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
