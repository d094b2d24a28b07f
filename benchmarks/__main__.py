"""``python -m benchmarks``: run the workloads and print one table.

    python -m benchmarks                      # every workload (about 10 minutes on 2 cores)
    python -m benchmarks --quick              # shorter variants of the same code paths
    python -m benchmarks --only compare,regret --repeat 5
    python -m benchmarks --list               # the workloads and their targets
    python -m benchmarks --json out.json      # the rows as JSON too

Columns: wall time and CPU time of the workload's process (user + system, its worker processes
included) [s], the median over ``--repeat`` runs; "× import", the wall time as a multiple of the
bare import of the project's libraries timed in the same run; the workload's figure of merit;
and its target where one is set. Lines a workload prints before its result (``cflp-large``: one
row per OR-Library variant) are shown indented under its row.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from .environment import child_env, describe
from .workloads import REPO, WORKLOADS


def run_once(name: str, quick: bool, cold: bool = False) -> tuple[float, float, dict]:
    """(wall s, CPU s, the workload's JSON line) of one fresh process running ``name``."""
    env = child_env(cold=cold)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    begin = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.workloads", name, *(["--quick"] if quick else [])],
        capture_output=True, text=True, env=env, cwd=REPO,
    )  # fmt: skip
    wall = time.perf_counter() - begin
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return wall, cpu, {"merit": f"FAILED: {tail}", "inner_s": float("nan")}
    *detail, last = done.stdout.strip().splitlines()
    return wall, cpu, json.loads(last) | {"detail": detail}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--only", help="comma-separated workload names (see --list)")
    parser.add_argument("--quick", action="store_true", help="shorter variants")
    parser.add_argument("--repeat", type=int, default=1, help="runs per workload (median)")
    parser.add_argument("--list", action="store_true", help="list the workloads and exit")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    parser.add_argument(
        "--cold-bytecode",
        action="store_true",
        help="compile the project's modules on every start (default: bytecode cached)",
    )
    args = parser.parse_args(argv)
    if args.list:
        for w in WORKLOADS.values():
            print(f"{w.name:20s} {w.description}" + (f"  [target {w.target}]" if w.target else ""))
        return 0
    names = [n for n in WORKLOADS if n != "import"]
    if args.only:
        wanted = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = [n for n in wanted if n not in WORKLOADS]
        if unknown:
            parser.error(f"unknown workload {', '.join(unknown)} (see --list)")
        names = [n for n in wanted if n != "import"]
    print(
        f"# {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}, "
        f"{'quick' if args.quick else 'full'}, median of {args.repeat}; "
        f"{describe(args.cold_bytecode)}",
        flush=True,
    )
    header = f"{'workload':20s} {'wall s':>8s} {'CPU s':>8s} {'× import':>9s}  figure of merit"
    print(header)
    print("-" * len(header))
    rows = []
    baseline = None
    for name in ["import", *names]:
        runs = [run_once(name, args.quick, args.cold_bytecode) for _ in range(max(args.repeat, 1))]
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        merit = runs[-1][2]["merit"]
        baseline = wall if baseline is None else baseline
        target = WORKLOADS[name].target
        row = {"workload": name, "wall_s": wall, "cpu_s": cpu, "x_import": wall / baseline,
               "merit": merit, "target": target,
               "detail": runs[-1][2].get("detail", [])}  # fmt: skip
        rows.append(row)
        suffix = f"  [target {target}]" if target and target != "baseline" else ""
        print(
            f"{name:20s} {wall:8.2f} {cpu:8.2f} {wall / baseline:9.1f}  {merit}{suffix}", flush=True
        )
        for line in runs[-1][2].get("detail", []):  # a workload's own table, if it prints one
            print(f"    {line}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 1 if any(r["merit"].startswith("FAILED") for r in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
