"""Wall time of the default ``clustersite compare`` end to end (solve 3 scenarios, export, report).

Runs ``outputs.cli.main(["compare", ...])`` in-process into a fresh temporary folder N times and
prints the first (cold) time and the min/median of all runs.

    python benchmarks/bench_compare.py            # 5 repeats, maps on
    python benchmarks/bench_compare.py -n 10 --no-map --offline
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

from outputs.cli import main


def time_compare(extra: list[str]) -> float:
    """Seconds for one ``clustersite compare`` into a new temporary folder."""
    with tempfile.TemporaryDirectory() as tmp:
        argv = ["compare", "--out", str(Path(tmp) / "compare"), "-q", *extra]
        out, err = io.StringIO(), io.StringIO()
        start = time.perf_counter()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
        seconds = time.perf_counter() - start
        if code != 0:
            raise SystemExit(f"clustersite {' '.join(argv)} failed ({code}): {err.getvalue()}")
    return seconds


def main_bench(argv: list[str] | None = None) -> int:
    """Parse options, time the runs, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--repeat", type=int, default=5, help="number of runs (default 5)")
    parser.add_argument("--no-map", action="store_true", help="skip the per-run maps")
    parser.add_argument("--offline", action="store_true", help="self-contained maps and report")
    args = parser.parse_args(argv)
    extra = [flag for flag, on in (("--no-map", args.no_map), ("--offline", args.offline)) if on]
    times = [time_compare(extra) for _ in range(args.repeat)]
    label = " ".join(["clustersite compare", *extra])
    print(
        f"{label}: {args.repeat} runs, first {times[0]:.2f} s, "
        f"min {min(times):.2f} s, median {statistics.median(times):.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main_bench())
