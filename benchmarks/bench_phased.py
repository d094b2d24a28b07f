"""Benchmark the phased build-out: one solve of each built-in phased scenario, and Monte Carlo.

Workloads (embedded data, all states, three cluster types, yearly periods 2026-2035):

- solve: ``great-lakes-phased``, ``south-phased`` and ``baseline`` with the same yearly periods
  (no zone restriction: the hardest case), each to the scenario's gap (1e-4); prints inputs,
  build and solve seconds, CPU seconds of the call (all threads of this process: less
  sensitive to other load), size, status and the gap proved;
- Monte Carlo: ``--n`` Latin-hypercube samples (default 200) of the ranged technology figures on
  ``great-lakes-phased``, re-solving compiled HiGHS models (``optimizer.phased.reuse``) in
  ``--workers`` processes, at ``--mc-gap`` (default: the scenario's 1e-4).

Run from the repository::

    python benchmarks/bench_phased.py               # full
    python benchmarks/bench_phased.py --n 20        # shorter Monte Carlo
"""

from __future__ import annotations

import argparse
import os
import time

import optimizer
import regions
from optimizer.analyses.montecarlo import monte_carlo
from optimizer.model.scenario import load_scenario
from optimizer.phased.api import solve_phased
from optimizer.runs.parallel import ProcessExecutor, SerialExecutor

YEARS = list(range(2026, 2036))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--mc-gap", type=float, default=1e-4)
    parser.add_argument("--skip-mc", action="store_true")
    args = parser.parse_args()
    data, tech = regions.load(), optimizer.load_technology()
    print(f"cpus: {os.cpu_count()}, load average: {os.getloadavg()}")
    scenarios = [
        load_scenario("great-lakes-phased"),
        load_scenario("south-phased"),
        load_scenario("baseline").replace(name="baseline-phased", periods={"years": YEARS}),
    ]
    for scenario in scenarios:
        start, cpu_start = time.perf_counter(), time.process_time()
        result = solve_phased(scenario, data, tech)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        r = result.report
        print(
            f"{scenario.name:20s} wall {wall:6.2f} s  cpu {cpu:6.2f} s  inputs+build {r.build_seconds:5.2f} s  "
            f"solve {r.solve_seconds:6.2f} s  {r.status.value}  gap {r.mip_gap:.2e}  "
            f"cols {r.n_variables} rows {r.n_constraints} binaries {r.n_binaries}  "
            f"groups {result.groups}"
        )
    if args.skip_mc:
        return
    executor = ProcessExecutor(args.workers) if args.workers > 1 else SerialExecutor()
    start = time.perf_counter()
    with executor:
        mc = monte_carlo(
            "great-lakes-phased", n=args.n, data=data, tech=tech, executor=executor,
            progress=False, mip_gap=args.mc_gap,
        )  # fmt: skip
    wall = time.perf_counter() - start
    solved = mc.runs["status"].isin(("optimal", "feasible")).sum()
    print(
        f"monte carlo n={args.n} workers={args.workers} gap={args.mc_gap:g}: wall {wall:.1f} s, "
        f"{solved} solved, {len(mc.failures)} failed, {args.n / wall:.2f} runs/s"
    )


if __name__ == "__main__":
    main()
