"""Benchmark the planner analyses: siting regret and Monte Carlo, four ways.

Workloads (built-in ``baseline`` scenario, embedded data):

- regret: every region × every cluster type (one forced solve per region that can host the type,
  plus the unforced base),
- Monte Carlo: ``--n`` Latin-hypercube samples (default 200) of the ranged technology figures.

Modes:

- naive serial rebuild: coefficient tables, PuLP model and HiGHS model rebuilt for every run,
- reuse serial: one compiled HiGHS model per worker, patched per run (``optimizer.runs.compiled``),
- parallel rebuild / parallel + reuse: the same in ``--workers`` local processes.

For each it prints wall time, solves and solves per second, the speed-up over the naive loop, and
checks that every mode gives the same regrets and Monte Carlo objectives (relative 1e-6). CPU
time (this process and its worker processes) is printed too: on a shared machine wall time
depends on what else runs. Run from the repository with the package installed::

    python benchmarks/bench_analyses.py               # full (several minutes on 2 cores)
    python benchmarks/bench_analyses.py --quick       # 10 regions × battery, 20 samples
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from dataclasses import asdict, dataclass

import numpy as np

import optimizer
import regions
from optimizer.analyses.montecarlo import monte_carlo
from optimizer.analyses.regret import regret
from optimizer.runs.parallel import ProcessExecutor, SerialExecutor

REL_TOL = 1e-6


@dataclass
class Row:
    """One (workload, mode) measurement; times in seconds."""

    workload: str
    mode: str
    wall_s: float
    cpu_s: float
    solves: int
    solves_per_s: float
    speedup: float
    failures: int
    max_rel_diff: float


def _cpu_seconds() -> float:
    """User + system CPU time of this process and its finished children [s]."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _executor(mode: str, workers: int):
    reuse = "reuse" in mode
    if mode.startswith("parallel"):
        return ProcessExecutor(workers=workers, reuse=reuse)
    return SerialExecutor(reuse=reuse)


MODES = ("naive serial rebuild", "reuse serial", "parallel rebuild", "parallel + reuse")


def run(args: argparse.Namespace) -> list[Row]:
    data, tech = regions.load(), optimizer.load_technology()
    scenario = optimizer.load_scenario(args.scenario)
    region_ids = list(data.regions.index)[: args.regions] if args.regions else None
    types = tuple(args.types.split(","))
    rows: list[Row] = []
    reference: dict[str, np.ndarray] = {}
    naive_wall: dict[str, float] = {}
    for workload in ("regret", "monte carlo"):
        for mode in args.modes:
            executor = _executor(mode, args.workers)
            cpu_start = _cpu_seconds()
            start = time.perf_counter()
            if workload == "regret":
                result = regret(
                    scenario,
                    types,
                    data,
                    tech,
                    regions=region_ids,
                    executor=executor,
                    progress=args.progress,
                )
                values = result.table["regret_usd_per_yr"].to_numpy(float)
                solves = int(result.table["can_host"].sum()) + 1
                failures = len(result.failures)
                scale = abs(result.base["objective"])
            else:
                result = monte_carlo(
                    scenario,
                    args.n,
                    args.seed,
                    data,
                    tech,
                    executor=executor,
                    progress=args.progress,
                )
                values = result.runs["objective"].to_numpy(float)
                solves = args.n
                failures = len(result.failures)
                scale = np.nanmax(np.abs(values))
            wall = time.perf_counter() - start
            cpu = _cpu_seconds() - cpu_start
            if workload not in reference:
                reference[workload] = values
                naive_wall[workload] = wall
            diff = np.nanmax(np.abs(values - reference[workload])) / scale if len(values) else 0.0
            row = Row(
                workload,
                mode,
                wall,
                cpu,
                solves,
                solves / wall,
                naive_wall[workload] / wall,
                failures,
                float(diff),
            )
            rows.append(row)
            print(
                f"  {workload:12s} {mode:22s} {wall:7.1f} s  {solves:4d} solves  "
                f"{solves / wall:6.2f}/s",
                file=sys.stderr,
                flush=True,
            )
    return rows


def print_table(rows: list[Row]) -> None:
    header = (
        f"{'workload':12s} {'mode':22s} {'wall [s]':>9s} {'cpu [s]':>8s} {'solves':>7s} "
        f"{'solves/s':>9s} "
        f"{'speed-up':>9s} {'failures':>8s} {'max rel diff':>12s}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r.workload:12s} {r.mode:22s} {r.wall_s:9.1f} {r.cpu_s:8.1f} {r.solves:7d} "
            f"{r.solves_per_s:9.2f} "
            f"{r.speedup:8.2f}x {r.failures:8d} {r.max_rel_diff:12.1e}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 regions × battery, 20 samples")
    parser.add_argument("--scenario", default="baseline")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--n", type=int, default=200, help="Monte Carlo samples")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--types", default=",".join(optimizer.CLUSTER_TYPES))
    parser.add_argument("--regions", type=int, default=0, help="first N regions only (0: all)")
    parser.add_argument("--modes", default=",".join(MODES), help="comma-separated subset")
    parser.add_argument("--progress", action="store_true", help="progress lines on stderr")
    parser.add_argument("--out", help="write the rows as JSON here")
    args = parser.parse_args(argv)
    if args.quick:
        args.n, args.types, args.regions = 20, "battery", 10
    args.modes = [m.strip() for m in args.modes.split(",")]
    unknown = [m for m in args.modes if m not in MODES]
    if unknown:
        parser.error(f"unknown mode(s) {unknown}; choose from {MODES}")
    print(
        f"python {platform.python_version()}, {os.cpu_count()} CPUs, workers {args.workers}, "
        f"scenario {args.scenario}",
        file=sys.stderr,
    )
    rows = run(args)
    print_table(rows)
    bad = [r for r in rows if r.max_rel_diff > REL_TOL]
    if bad:
        print(f"results differ between modes beyond {REL_TOL:g}: {bad}", file=sys.stderr)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            json.dump([asdict(r) for r in rows], fh, indent=2)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
