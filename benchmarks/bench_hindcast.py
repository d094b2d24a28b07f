"""Benchmark the hindcast as of 2020-12-31 against announcements to 2024-12-31, embedded data.

Target: under 30 s wall on 2 cores. Prints the time and the scores per type::

    python benchmarks/bench_hindcast.py [--scenario baseline] [--as-of 2020-12-31]
"""

from __future__ import annotations

import argparse
import time
from datetime import date

from optimizer.analyses.hindcast import hindcast

TARGET_S = 30.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="baseline")
    parser.add_argument("--as-of", default="2020-12-31")
    parser.add_argument("--until", default="2024-12-31")
    args = parser.parse_args()
    wall, cpu = time.perf_counter(), time.process_time()
    result = hindcast(args.scenario, date.fromisoformat(args.as_of), date.fromisoformat(args.until))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(result.scores.round(3).to_string())
    print(result.summary())
    verdict = "within" if wall < TARGET_S else "over"
    print(
        f"hindcast {args.scenario} as of {args.as_of}: wall {wall:.1f} s, cpu {cpu:.1f} s "
        f"({verdict} the {TARGET_S:.0f} s target)"
    )


if __name__ == "__main__":
    main()
