"""Benchmark near-optimal alternatives: three slacks × the default goals on a built-in.

Target: under 20 s wall on 2 cores. Prints wall and CPU time, the plans and their costs::

    python benchmarks/bench_alternatives.py                 # great-lakes, slacks 1, 2, 5 %
    python benchmarks/bench_alternatives.py --scenario baseline
"""

from __future__ import annotations

import argparse
import time

from optimizer.alternatives import alternatives

TARGET_S = 20.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="great-lakes")
    parser.add_argument("--slacks", default="0.01,0.02,0.05")
    args = parser.parse_args()
    slacks = tuple(float(s) for s in args.slacks.split(","))
    wall, cpu = time.perf_counter(), time.process_time()
    result = alternatives(args.scenario, slacks=slacks)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    columns = ["cost_increase_pct", "n_sites", "overlap", "jobs", "status"]
    print(result.plans[columns].round(3).to_string())
    print(result.summary())
    verdict = "within" if wall < TARGET_S else "over"
    print(
        f"alternatives {args.scenario} slacks {args.slacks}: {len(result.plans)} plans, "
        f"wall {wall:.1f} s, cpu {cpu:.1f} s ({verdict} the {TARGET_S:.0f} s target)"
    )


if __name__ == "__main__":
    main()
