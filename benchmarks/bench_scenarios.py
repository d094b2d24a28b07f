"""Benchmark: build and solve time of the built-in scenarios on the embedded data.

Usage: python benchmarks/bench_scenarios.py [--repeat 5]

Prints, per scenario, the median over repeats of: coefficient tables + PuLP model build [s],
HiGHS solve through PuLP [s], LP re-solve for shadow prices [s], wall and CPU time of the whole
call [s] (CPU, all threads of this process, is less sensitive to other load on a shared machine),
and the model size. The build share shows whether model construction is a small fraction of the
total.
"""

from __future__ import annotations

import argparse
import statistics
import time

import optimizer
import regions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--scenarios", default="baseline,great-lakes,south")
    args = parser.parse_args()
    start = time.perf_counter()
    data = regions.load()
    tech = optimizer.load_technology()
    print(f"data + technology load: {time.perf_counter() - start:.3f} s")
    header = f"{'scenario':<12} {'vars':>6} {'rows':>5} {'bins':>5} {'build s':>8} {'solve s':>8} {'duals s':>8} {'total s':>8} {'cpu s':>6} {'build %':>7}"
    print(header)
    for name in args.scenarios.split(","):
        runs = []
        for _ in range(args.repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            result = optimizer.solve(name, data, tech)
            runs.append((result.report, time.perf_counter() - t0, time.process_time() - c0))
        report = runs[-1][0]
        build = statistics.median(r.build_seconds for r, _, _ in runs)
        solve = statistics.median(r.solve_seconds for r, _, _ in runs)
        duals = statistics.median(r.dual_seconds for r, _, _ in runs)
        total = statistics.median(t for _, t, _ in runs)
        cpu = statistics.median(c for _, _, c in runs)
        print(
            f"{name:<12} {report.n_variables:>6} {report.n_constraints:>5} {report.n_binaries:>5} "
            f"{build:>8.3f} {solve:>8.3f} {duals:>8.3f} {total:>8.3f} {cpu:>6.2f} "
            f"{100 * build / total:>6.0f}%  "
            f"[{report.status.value}, objective {report.objective:,.0f} USD/yr]"
        )


if __name__ == "__main__":
    main()
