"""Background work of the app: jobs with progress and cancel, and solver worker processes.

A single solve runs in a :class:`SolverProcess` (a spawned worker that loads the data once), so
Cancel really stops HiGHS: the worker is terminated and a fresh one replaces it. The worker
solves a phased scenario as phased and opens the sites a planner forced (``solving``). Regret and
Monte Carlo run through ``optimizer.regret`` / ``optimizer.monte_carlo`` with a
:class:`TrackingExecutor` that counts finished runs for the progress bar and stops at the next
finished run after Cancel.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import pickle
import threading
import time
import uuid
from collections.abc import Callable, Sequence

from optimizer import Result, Scenario
from optimizer.runs.parallel import Context, Outcome, ProcessExecutor, Run

from ..cli.fork import dumps
from .solving import Forced
from .state import error_line

POLL_SECONDS = 0.05


class Cancelled(Exception):
    """The planner cancelled the job."""


@dataclasses.dataclass
class Job:
    """One background job: status ``running`` | ``done`` | ``failed`` | ``cancelled``."""

    kind: str
    label: str
    id: str = dataclasses.field(default_factory=lambda: uuid.uuid4().hex[:12])
    status: str = "running"
    done: int = 0
    total: int | None = None
    result: object = None
    error: str = ""
    started: float = dataclasses.field(default_factory=time.monotonic)
    finished: float | None = None
    cancel_event: threading.Event = dataclasses.field(default_factory=threading.Event)
    meta: dict = dataclasses.field(default_factory=dict)

    @property
    def running(self) -> bool:
        """True until the job has finished, failed or been cancelled."""
        return self.status == "running"

    @property
    def elapsed(self) -> float:
        """Seconds since the start (until the end once finished)."""
        return (self.finished or time.monotonic()) - self.started

    def cancel(self) -> None:
        """Ask the job to stop (a solve stops at once, an analysis after its current run)."""
        self.cancel_event.set()

    def check(self) -> None:
        """Raise Cancelled when Cancel was pressed."""
        if self.cancel_event.is_set():
            raise Cancelled

    def text(self) -> str:
        """One status line, e.g. ``regret battery: 12/48 runs, 4 s``."""
        seconds = f"{self.elapsed:.0f} s" if self.elapsed >= 1 else f"{self.elapsed:.1f} s"
        runs = f"{self.done}/{self.total} runs, " if self.total else ""
        if self.status == "running":
            return f"{self.label}: {runs}{seconds}"
        if self.status == "failed":
            return f"{self.label}: {self.error}"
        return f"{self.label}: {self.status} after {seconds}"

    @property
    def fraction(self) -> float | None:
        """Share of runs finished, or None when unknown (a single solve)."""
        if self.status != "running":
            return 1.0
        return self.done / self.total if self.total else None


def start(job: Job, work: Callable[[Job], object]) -> Job:
    """Run ``work(job)`` in a daemon thread; its return value becomes ``job.result``."""

    def target() -> None:
        try:
            job.result = work(job)
            job.status = "cancelled" if job.cancel_event.is_set() else "done"
        except Cancelled:
            job.status = "cancelled"
        except Exception as exc:  # noqa: BLE001 - reported to the planner as one line
            job.error = error_line(exc)
            job.status = "failed"
        finally:
            job.finished = time.monotonic()

    threading.Thread(target=target, name=f"job-{job.kind}-{job.id}", daemon=True).start()
    return job


# -- solver worker processes -----------------------------------------------------------------
def _worker_main(conn, data_dir: str | None) -> None:  # pragma: no cover - runs in the worker
    from optimizer.runs.lifeline import exit_with_parent

    exit_with_parent()  # a killed app leaves no solver behind
    import regions

    from .solving import solve_any

    data = regions.load(data_dir)
    conn.send_bytes(dumps(("ready", None)))
    while True:
        try:
            doc, forced = conn.recv()
        except EOFError:
            return
        try:
            scenario = Scenario.from_dict(doc, label=f"<{doc.get('name')}>")
            result = solve_any(scenario, data, forced)
            # read-only mappings (a phased result's inputs hold some) travel too
            conn.send_bytes(dumps(("ok", dataclasses.replace(result, scenario=None))))
        except Exception as exc:  # noqa: BLE001 - sent back as one line
            conn.send_bytes(dumps(("error", error_line(exc))))


class SolverProcess:
    """A spawned worker process that solves scenarios with ``optimizer.solve``."""

    def __init__(self, data_dir: str | None = None) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=_worker_main, args=(child, data_dir), daemon=True, name="clustersite-solver"
        )
        self.process.start()
        child.close()
        self.ready = False

    def solve(self, scenario: Scenario, cancel: threading.Event, forced: Forced = ()) -> Result:
        """Solve ``scenario`` (phased when it has periods; with the ``forced`` sites open) in
        the worker; on ``cancel`` terminate it and raise Cancelled."""
        self.conn.send((scenario.to_toml_dict(), [list(f) for f in forced]))
        while True:
            if cancel.is_set():
                self.close()
                raise Cancelled
            if not self.process.is_alive() and not self.conn.poll():
                raise RuntimeError("the solver process ended unexpectedly")
            if self.conn.poll(POLL_SECONDS):
                kind, payload = pickle.loads(self.conn.recv_bytes())
                if kind == "ready":
                    self.ready = True
                    continue
                if kind == "error":
                    raise RuntimeError(payload)
                return dataclasses.replace(payload, scenario=scenario)

    @property
    def alive(self) -> bool:
        """True while the worker process runs."""
        return self.process.is_alive()

    def close(self) -> None:
        """Terminate the worker (it holds no files)."""
        if self.process.is_alive():
            self.process.terminate()
        self.process.join(timeout=5)
        self.conn.close()


class SolverPool:
    """Worker processes for single solves: an idle one is reused, a cancelled one replaced."""

    def __init__(self, data_dir: str | None = None, keep: int = 2) -> None:
        self.data_dir = data_dir
        self.keep = keep
        self._idle: list[SolverProcess] = []
        self._lock = threading.Lock()

    def warm(self) -> None:
        """Start one worker now so the first solve does not wait for its imports."""
        with self._lock:
            if not self._idle:
                self._idle.append(SolverProcess(self.data_dir))

    def solve(self, scenario: Scenario, cancel: threading.Event, forced: Forced = ()) -> Result:
        """Solve in an idle (or new) worker; it goes back to the pool unless cancelled."""
        with self._lock:
            worker = self._idle.pop() if self._idle else None
        if worker is None or not worker.alive:
            worker = SolverProcess(self.data_dir)
        try:
            result = worker.solve(scenario, cancel, forced)
        except BaseException:
            worker.close()
            raise
        with self._lock:
            if len(self._idle) < self.keep:
                self._idle.append(worker)
                worker = None
        if worker is not None:
            worker.close()
        return result

    def close(self) -> None:
        """Terminate every idle worker."""
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.close()


# -- analyses ----------------------------------------------------------------------------------
class TrackingExecutor:
    """Wraps an executor: counts finished runs into ``job`` and stops after Cancel."""

    def __init__(self, job: Job, inner=None) -> None:
        self.job = job
        self.inner = inner if inner is not None else ProcessExecutor(workers=1)

    def map(
        self, context: Context, runs: Sequence[Run], on_result: Callable[[Outcome], None]
    ) -> None:
        self.job.total = (self.job.total or 0) + len(runs)
        self.job.check()

        def counted(outcome: Outcome) -> None:
            on_result(outcome)
            self.job.done += 1
            self.job.check()

        self.inner.map(context, runs, counted)


__all__ = ["Cancelled", "Job", "SolverPool", "SolverProcess", "TrackingExecutor", "start"]
