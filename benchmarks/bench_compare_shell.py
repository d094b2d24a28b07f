"""Wall time of ``clustersite compare great-lakes south`` from the shell (a new Python process each
time, so imports and start-up count), median of N runs into fresh temporary folders.

    python benchmarks/bench_compare_shell.py          # 5 runs
    python benchmarks/bench_compare_shell.py -n 9 -- --offline

Runs ``python -m outputs.cli`` with this checkout first on PYTHONPATH, so it measures the working
tree whether or not clustersite is installed, with the project's bytecode cached as after an
install (``--cold-bytecode``: compiled on every start; see ``benchmarks/environment.py``).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.environment import child_env, describe  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ("great-lakes", "south")


def time_once(extra: list[str], cold: bool = False) -> tuple[float, float]:
    """(wall, CPU) seconds of one ``compare`` in a new process into a new temporary folder;
    CPU (user + system of the child) is less sensitive to other load on the machine."""
    env = child_env(cold=cold)
    with tempfile.TemporaryDirectory() as tmp:
        argv = [sys.executable, "-m", "outputs.cli", "compare", *SCENARIOS]
        argv += ["--out", str(Path(tmp) / "compare"), "-q", *extra]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=tmp)
        seconds = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.strip()}")
    return seconds, cpu


def main(argv: list[str] | None = None) -> int:
    """Parse options, time the runs, print one line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--repeat", type=int, default=5, help="number of runs (default 5)")
    parser.add_argument(
        "--cold-bytecode",
        action="store_true",
        help="compile the project's modules on every start (default: bytecode cached)",
    )
    parser.add_argument("extra", nargs="*", help="more compare options (after --)")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    runs = [time_once(args.extra, args.cold_bytecode) for _ in range(args.repeat)]
    times, cpus = [r[0] for r in runs], [r[1] for r in runs]
    label = " ".join(["clustersite compare", *SCENARIOS, *args.extra])
    print(
        f"{label}: {args.repeat} runs, median {statistics.median(times):.2f} s wall "
        f"(min {min(times):.2f} s, max {max(times):.2f} s), median "
        f"{statistics.median(cpus):.2f} s CPU; load average {load_before:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after (other work on the machine slows the wall time); "
        f"{describe(args.cold_bytecode)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
