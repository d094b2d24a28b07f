"""Fan out independent solves: serial, local worker processes, or a Dask cluster.

An analysis describes its runs as :class:`Run` (a stable key, a JSON spec, a label naming its
parameters) and hands them with a :class:`Context` (scenario, region data, technology, MIP gap) to
:func:`run_all`, which

- loads runs already in the checkpoint instead of solving them again,
- passes the rest to an executor (:class:`SerialExecutor`, :class:`ProcessExecutor` — the default,
  one worker per CPU, each loading the context once through its initializer —, or
  :class:`DaskExecutor` for a ``dask.distributed`` scheduler address),
- writes each finished run to the checkpoint as it arrives and shows a progress line on stderr,
- returns one :class:`Outcome` per run; a run that raised, or whose solve found no solution, keeps
  its parameters and error (see :func:`failures_table`) and never loses the others' results.

Workers return small JSON payloads (``optimizer.runs.payload.summarize``), not Results. Results do not
depend on the executor or on the order in which runs complete.
"""

from __future__ import annotations

import os
import traceback
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pandas as pd

import regions
from regions import RegionData

from ..model.scenario import Scenario, load_scenario
from ..model.technology import TechnologyData, load_technology
from .checkpoint import Checkpoint, as_checkpoint, context_fingerprint, run_key
from .evaluator import Evaluator, evaluator_for
from .lifeline import exit_with_parent
from .progress import Progress
from .solution import ANALYSIS_MIP_GAP, SolveOptions

SOLVED = ("optimal", "feasible")


# -- context and runs ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Context:
    """What every run of an analysis shares; picklable (the scenario travels as its TOML dict)."""

    scenario_doc: dict
    data: RegionData
    tech: TechnologyData
    mip_gap: float
    fingerprint: str

    @classmethod
    def create(
        cls,
        scenario: str | Path | Scenario,
        data: RegionData | None = None,
        tech: TechnologyData | None = None,
        mip_gap: float | None = None,
    ) -> Context:
        """Resolve defaults (embedded data and technology) and fingerprint the inputs.

        ``mip_gap``: relative MIP gap of the runs; default min(scenario gap, 1e-6).
        """
        scenario = load_scenario(scenario)
        data = data if data is not None else regions.load()
        tech = tech if tech is not None else load_technology()
        gap = min(scenario.solver.mip_gap, ANALYSIS_MIP_GAP if mip_gap is None else mip_gap)
        doc = scenario.to_toml_dict()
        return cls(doc, data, tech, gap, context_fingerprint(doc, data, tech, gap))

    @property
    def scenario(self) -> Scenario:
        """The scenario, rebuilt from its TOML dict."""
        return Scenario.from_dict(self.scenario_doc, label=f"<{self.scenario_doc.get('name')}>")

    def run(self, spec: Mapping, label: Mapping | None = None) -> Run:
        """A Run of this context for ``spec``, keyed by its parameters."""
        return Run(run_key(self.fingerprint, spec), dict(spec), dict(label or {}))

    def evaluator(self, reuse: bool = True, mip_start: bool = True) -> Evaluator:
        """This thread's cached Evaluator for the context."""

        def factory() -> Evaluator:
            scenario = self.scenario
            solver = scenario.solver
            options = SolveOptions(self.mip_gap, solver.time_limit_s, solver.threads)
            if scenario.periods is not None:  # a phased build-out: same specs and payload keys
                from ..phased.reuse import PhasedEvaluator

                return PhasedEvaluator(scenario, self.data, self.tech, options, reuse)
            return Evaluator(scenario, self.data, self.tech, options, reuse, mip_start)

        return evaluator_for(f"{self.fingerprint}|{reuse}|{mip_start}", factory)


@dataclass(frozen=True)
class Run:
    """One independent solve: stable key, JSON spec (see ``optimizer.runs.specs``), label."""

    key: str
    spec: dict
    label: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """What came back for one run: the payload, or the error that prevented it."""

    key: str
    label: dict
    payload: dict | None
    error: str | None = None

    @property
    def status(self) -> str:
        """Solver status, or 'error'."""
        return self.payload["status"] if self.payload is not None else "error"

    @property
    def ok(self) -> bool:
        """True when the payload holds a solution."""
        return self.status in SOLVED

    def record(self, context: Context, spec: Mapping) -> dict:
        """The checkpoint line of this outcome."""
        return {
            "key": self.key,
            "context": context.fingerprint,
            "label": self.label,
            "spec": dict(spec),
            "payload": self.payload,
            "error": self.error,
        }


def evaluate(context: Context, run: Run, reuse: bool = True, mip_start: bool = True) -> Outcome:
    """Solve one run in this process; never raises (the error is returned in the Outcome)."""
    try:
        payload = context.evaluator(reuse, mip_start).run(run.spec)
    except Exception as exc:  # noqa: BLE001 - a failed run is reported, not fatal
        last = traceback.format_exception_only(type(exc), exc)[-1].strip()
        return Outcome(run.key, run.label, None, last)
    error = None if payload["status"] in SOLVED else f"no solution: {payload['status']}"
    return Outcome(run.key, run.label, payload, error)


# -- executors -------------------------------------------------------------------------------------
class Executor(Protocol):
    """Runs a batch of runs and calls ``on_result`` in the calling process as each finishes."""

    def map(
        self, context: Context, runs: Sequence[Run], on_result: Callable[[Outcome], None]
    ) -> None:
        """Solve ``runs``; call ``on_result`` once per run, in completion order."""


class _Closeable:
    """``close()`` and context-manager support (nothing to release by default)."""

    def close(self) -> None:
        """Release resources (no-op)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class SerialExecutor(_Closeable):
    """Solve in this process, one run after the other (tests, debugging, small batches).

    ``reuse``: patch one compiled model per structure instead of rebuilding (see ``optimizer.runs.compiled``).
    ``mip_start``: give runs that change only objective costs the unmodified optimum as MIP start
    (with ``reuse``; about 20 % faster on cost-only sweeps of the baseline).
    """

    reuse: bool = True
    mip_start: bool = True

    def map(
        self, context: Context, runs: Sequence[Run], on_result: Callable[[Outcome], None]
    ) -> None:
        for run in runs:
            on_result(evaluate(context, run, self.reuse, self.mip_start))


_WORKER: dict = {}


def _init_worker(context: Context, reuse: bool, mip_start: bool) -> None:
    exit_with_parent()  # ends the worker once its parent is gone (e.g. after ``kill -9``)
    _WORKER.update(context=context, reuse=reuse, mip_start=mip_start)


def _worker_evaluate(run: Run) -> Outcome:
    return evaluate(_WORKER["context"], run, _WORKER["reuse"], _WORKER["mip_start"])


@dataclass
class ProcessExecutor(_Closeable):
    """Local worker processes (``concurrent.futures``); each loads the context once.

    Args:
        workers: number of processes (default ``os.cpu_count()``).
        reuse, mip_start: as for SerialExecutor.
        mp_context: a ``multiprocessing`` context (default: the platform's).
    """

    workers: int | None = None
    reuse: bool = True
    mip_start: bool = True
    mp_context: object | None = None

    def map(
        self, context: Context, runs: Sequence[Run], on_result: Callable[[Outcome], None]
    ) -> None:
        if not runs:
            return
        workers = max(1, min(self.workers or os.cpu_count() or 1, len(runs)))
        pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=self.mp_context,
            initializer=_init_worker,
            initargs=(context, self.reuse, self.mip_start),
        )
        futures = {pool.submit(_worker_evaluate, run): run for run in runs}
        try:
            for future in as_completed(futures):
                run = futures[future]
                try:
                    outcome = future.result()
                except Exception as exc:  # noqa: BLE001 - e.g. a worker process died
                    outcome = Outcome(run.key, run.label, None, f"worker failed: {exc!r}")
                on_result(outcome)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)


def _dask_evaluate(context: Context, run: Run, reuse: bool, mip_start: bool) -> Outcome:
    return evaluate(context, run, reuse, mip_start)


class DaskExecutor:
    """Runs on a ``dask.distributed`` cluster (imported only here).

    Args:
        scheduler: scheduler address (``"tcp://host:8786"``) or an existing ``Client``.
        reuse, mip_start: as for SerialExecutor. Each worker thread keeps its own compiled model;
            use ``threads_per_worker=1`` (HiGHS runs single-threaded per solve).
    """

    def __init__(self, scheduler: str | object, reuse: bool = True, mip_start: bool = True):
        self.scheduler = scheduler
        self.reuse = reuse
        self.mip_start = mip_start
        self._client = None
        self._own_client = False

    @property
    def client(self):
        """The ``distributed.Client`` (connected on first use)."""
        if self._client is None:
            if isinstance(self.scheduler, str):
                from distributed import Client

                self._client = Client(self.scheduler)
                self._own_client = True
            else:
                self._client = self.scheduler
        return self._client

    def map(
        self, context: Context, runs: Sequence[Run], on_result: Callable[[Outcome], None]
    ) -> None:
        if not runs:
            return
        from distributed import as_completed as dask_as_completed

        client = self.client
        shared = client.scatter(context, broadcast=True, hash=False)
        batch = uuid.uuid4().hex[:8]
        futures = {
            client.submit(
                _dask_evaluate,
                shared,
                run,
                self.reuse,
                self.mip_start,
                key=f"clustersite-{batch}-{run.key}",
                pure=False,
            ): run
            for run in runs
        }
        try:
            for future in dask_as_completed(list(futures)):
                run = futures[future]
                try:
                    outcome = future.result()
                except Exception as exc:  # noqa: BLE001 - a worker died or the task was lost
                    outcome = Outcome(run.key, run.label, None, f"worker failed: {exc!r}")
                future.release()
                on_result(outcome)
        except BaseException:
            client.cancel(list(futures))
            raise

    def close(self) -> None:
        """Close the client if this executor opened it."""
        if self._own_client and self._client is not None:
            self._client.close()
        self._client = None

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def make_executor(
    scheduler: str | None = None, workers: int | None = None, *, reuse: bool = True
) -> SerialExecutor | ProcessExecutor | DaskExecutor:
    """Dask when a scheduler address is given, else local processes (``workers`` of them; 1:
    in this process). Every executor supports ``with make_executor(...) as executor:``."""
    if scheduler:
        return DaskExecutor(scheduler, reuse=reuse)
    if workers == 1:
        return SerialExecutor(reuse=reuse)
    return ProcessExecutor(workers, reuse=reuse)


# -- orchestration ---------------------------------------------------------------------------------
def run_all(
    context: Context,
    runs: Iterable[Run],
    *,
    executor: Executor | None = None,
    checkpoint: str | Path | Checkpoint | None = None,
    progress: bool | None = None,
    label: str = "runs",
) -> dict[str, Outcome]:
    """Solve every run once; return outcomes by run key.

    Runs already finished in ``checkpoint`` are loaded, not solved; each new outcome is appended
    to it as it arrives. ``executor`` defaults to :class:`ProcessExecutor` (all CPUs).
    """
    unique: dict[str, Run] = {}
    for run in runs:
        unique.setdefault(run.key, run)
    outcomes: dict[str, Outcome] = {}
    ckpt = as_checkpoint(checkpoint)
    if ckpt is not None:
        for key, record in ckpt.completed().items():
            if key in unique:
                error = record.get("error")
                outcomes[key] = Outcome(key, unique[key].label, record["payload"], error)
    pending = [run for key, run in unique.items() if key not in outcomes]
    if not pending:
        return outcomes
    executor = executor if executor is not None else ProcessExecutor()
    bar = Progress(len(pending), label, enabled=progress)
    specs = {run.key: run.spec for run in pending}

    def on_result(outcome: Outcome) -> None:
        outcomes[outcome.key] = outcome
        if ckpt is not None:
            ckpt.append(outcome.record(context, specs[outcome.key]))
        bar.update(outcome.ok)

    try:
        executor.map(context, pending, on_result)
    finally:
        bar.close()
        if ckpt is not None:
            ckpt.close()
    return outcomes


def failures_table(outcomes: Iterable[Outcome]) -> pd.DataFrame:
    """Runs without a solution: ``run_key, parameters, status, error`` (parameters = the label)."""
    rows = [
        {
            "run_key": o.key,
            "parameters": ", ".join(f"{k}={v}" for k, v in o.label.items()),
            "status": o.status,
            "error": o.error or f"no solution: {o.status}",
        }
        for o in outcomes
        if not o.ok
    ]
    return pd.DataFrame(rows, columns=["run_key", "parameters", "status", "error"])


__all__ = [
    "Context",
    "DaskExecutor",
    "Executor",
    "Outcome",
    "ProcessExecutor",
    "Run",
    "SerialExecutor",
    "evaluate",
    "failures_table",
    "make_executor",
    "run_all",
]
