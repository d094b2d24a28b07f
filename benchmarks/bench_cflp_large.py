"""Benchmark the large facility-location solver on OR-Library capa / capb / capc (100 × 1,000).

Each variant (capacity) is solved by ``optimizer.facility_location.large.solve_cflp``: Lagrangian
bound, transportation-LP heuristics, penalty fixing, then a search over the free sites with the gap
proven. One row per variant: published optimum, proven lower bound, incumbent, the incumbent's
distance from the published optimum, the gap proven, status, wall and CPU seconds (this process,
all threads), how the gap was closed, and the 1-minute load average when the solve ended (the
machine may be shared: compare CPU with wall).

    python benchmarks/bench_cflp_large.py                          # capa, capb, capc at 0.1 %
    python benchmarks/bench_cflp_large.py --instances capb-7000 --gap 1e-4 --proof mip
    python benchmarks/bench_cflp_large.py --out cflp.json
    python benchmarks/bench_cflp_large.py --synthetic 2000x80 --direct   # county-sized, random

``--synthetic MxN`` solves a random county-sized instance instead (see :func:`synthetic`);
``--direct`` also runs HiGHS on the full strong formulation with the same time limit.

Instance files: ``--data DIR``, else ``$CLUSTERSITE_ORLIB_DIR``, else
``<repo>/../shared/benchmarks/orlib-cap`` (read its README for where they come from).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

from optimizer.facility_location.data import CFLPData
from optimizer.facility_location.kernel import restricted_mip
from optimizer.facility_location.large import CFLPOptions, solve_cflp
from optimizer.facility_location.orlib import cap_data, read_cap, read_optima

DEFAULT_INSTANCES = "capa,capb,capc"


def default_data_dir() -> Path:
    """``$CLUSTERSITE_ORLIB_DIR`` or ``<repo>/../shared/benchmarks/orlib-cap``."""
    env = os.environ.get("CLUSTERSITE_ORLIB_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "orlib-cap"


def variants(names: list[str], optima: dict[str, float]) -> list[tuple[str, float | None]]:
    """(file stem, capacity or None) per name: ``capa`` → its four capacities, ``capa-8000`` → one."""
    out: list[tuple[str, float | None]] = []
    for name in names:
        if "-" in name:
            stem, cap = name.split("-", 1)
            out.append((stem, float(cap)))
            continue
        caps = sorted(float(k.split("-", 1)[1]) for k in optima if k.startswith(f"{name}-"))
        out.extend((name, c) for c in caps) if caps else out.append((name, None))
    return out


def run_variants(
    names: list[str], data_dir: Path, options: CFLPOptions, *, progress: bool = False
) -> list[dict]:
    """Solve every variant of ``names``; one dict per variant (costs in cost units, times in s)."""
    optima = read_optima(data_dir / "capopt.txt")
    rows = []
    for stem, capacity in variants(names, optima):
        inst = read_cap(data_dir / f"{stem}.txt", capacity)
        data = cap_data(inst)
        wall, cpu = time.perf_counter(), time.process_time()
        result = solve_cflp(data, options)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        published = optima.get(inst.name)
        row = {
            "variant": inst.name,
            "published": published,
            "bound": result.bound,
            "incumbent": result.objective,
            "to_published": None if published is None else result.objective / published - 1,
            "proven_gap": result.gap,
            "status": result.status.value,
            "wall_s": wall,
            "cpu_s": cpu,
            "method": result.method,
            "root_bound": result.root_bound,
            "fixed_open": len(result.fixed_open),
            "fixed_closed": len(result.fixed_closed),
            "nodes": result.nodes,
            "lps": result.lps,
            "load": os.getloadavg()[0],
        }
        rows.append(row)
        if progress:
            print(format_row(row), file=sys.stderr, flush=True)
    return rows


def synthetic(m: int, n: int, seed: int = 0, plants: int = 12) -> CFLPData:
    """A random county-sized instance: m sites and n customers uniform on a 4,000 km square,
    demand lognormal (total 100 units), every site's capacity 1.3 × 100 / ``plants``, fixed cost
    uniform 80–120, unit cost = production N(50, 4) at the site + 0.01 per unit and km."""
    rng = np.random.default_rng(seed)
    sites, customers = rng.uniform(0, 4000, (m, 2)), rng.uniform(0, 4000, (n, 2))
    demand = rng.lognormal(0, 0.7, n)
    demand *= 100.0 / demand.sum()
    production = rng.normal(50, 4, m)
    distance = np.linalg.norm(sites[:, None] - customers[None], axis=2)
    return CFLPData(
        rng.uniform(80, 120, m),
        np.full(m, 100.0 / plants * 1.3),
        demand,
        production[:, None] + 0.01 * distance,
    )


def run_synthetic(spec: str, options: CFLPOptions, direct: bool) -> list[str]:
    """Solve ``synthetic(M, N)`` for ``spec`` = "MxN"; lines to print."""
    m, n = (int(k) for k in spec.lower().split("x"))
    data = synthetic(m, n)
    result = solve_cflp(data, options)
    lines = [
        f"synthetic {m} x {n}: {result.status.value}, cost {result.objective:.3f}, bound "
        f"{result.bound:.3f}, proven gap {result.gap:.4%}, {result.seconds:.1f} s wall, "
        f"{result.cpu_seconds:.1f} s CPU, {result.method}, fixed {len(result.fixed_open)} open / "
        f"{len(result.fixed_closed)} closed, {len(result.open_sites)} sites open"
    ]
    if direct:
        every = np.ones(m, bool)
        out = restricted_mip(
            data,
            every,
            ~every,
            time_limit_s=options.time_limit_s,
            mip_gap=options.mip_gap,
            threads=options.threads,
        )
        gap = (out.objective - out.bound) / out.objective if np.isfinite(out.objective) else 1.0
        lines.append(
            f"HiGHS on the full model: {out.status}, cost {out.objective:.3f}, bound "
            f"{out.bound:.3f}, gap {gap:.4%}, {out.seconds:.1f} s, {out.nodes} nodes"
        )
    return lines


HEADER = (
    f"{'variant':<11} {'published':>14} {'bound':>14} {'incumbent':>14} {'vs publ.':>9} "
    f"{'proven':>8} {'status':<8} {'wall s':>6} {'CPU s':>6} {'method':<6} {'fixed':>6} "
    f"{'nodes':>5} {'load':>5}"
)


def format_row(row: dict) -> str:
    """One table line (see :data:`HEADER`)."""
    published = "-" if row["published"] is None else f"{row['published']:14.3f}"
    to_pub = "-" if row["to_published"] is None else f"{row['to_published']:+9.4%}"
    return (
        f"{row['variant']:<11} {published:>14} {row['bound']:14.3f} {row['incumbent']:14.3f} "
        f"{to_pub:>9} {row['proven_gap']:8.4%} {row['status']:<8} {row['wall_s']:6.1f} "
        f"{row['cpu_s']:6.1f} {row['method']:<6} {row['fixed_open']:>2}/{row['fixed_closed']:<3} "
        f"{row['nodes']:>5} {row['load']:5.1f}"
    )


def summary(rows: list[dict], gap: float) -> str:
    """How many variants are within ``gap`` of the published optimum and proven so."""
    within = sum(r["to_published"] is not None and r["to_published"] <= gap + 1e-12 for r in rows)
    proven = sum(r["proven_gap"] <= gap * (1 + 1e-9) for r in rows)
    slowest = max((r["wall_s"] for r in rows), default=0.0)
    cpu = max((r["cpu_s"] for r in rows), default=0.0)
    return (
        f"{len(rows)} variants, {within} within {gap:.2%} of the published optimum, "
        f"{proven} proven within {gap:.2%}; slowest {slowest:.1f} s wall, {cpu:.1f} s CPU"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", default=DEFAULT_INSTANCES, help="comma-separated names")
    parser.add_argument("--data", type=Path, default=None, help="directory of cap*.txt files")
    parser.add_argument("--gap", type=float, default=1e-3, help="relative gap to prove")
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per variant")
    parser.add_argument("--threads", type=int, default=1, help="HiGHS threads (default 1)")
    parser.add_argument("--proof", default="auto", choices=["auto", "branch", "mip"])
    parser.add_argument("--out", type=Path, default=None, help="write the rows as JSON")
    parser.add_argument("--synthetic", default=None, help="MxN: a random instance instead")
    parser.add_argument("--direct", action="store_true", help="with --synthetic: HiGHS too")
    args = parser.parse_args(argv)
    options = CFLPOptions(
        mip_gap=args.gap, time_limit_s=args.time_limit, threads=args.threads, proof=args.proof
    )
    if args.synthetic:
        print(f"# {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f} at the start", flush=True)
        for line in run_synthetic(args.synthetic, options, args.direct):
            print(line, flush=True)
        return 0
    data = args.data or default_data_dir()
    if not (data / "capopt.txt").is_file():
        parser.error(f"no capopt.txt in {data}; pass --data or set CLUSTERSITE_ORLIB_DIR")
    names = [s.strip() for s in args.instances.split(",") if s.strip()]
    print(f"# {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f} at the start", flush=True)
    rows = run_variants(names, data, options, progress=True)
    print(HEADER)
    print("-" * len(HEADER))
    for row in rows:
        print(format_row(row))
    print(summary(rows, args.gap))
    print(
        "vs publ.: incumbent / published optimum - 1; proven: (incumbent - bound) / incumbent; "
        "fixed: sites fixed open / closed by the root penalty tests; load: 1-minute load "
        "average when the variant ended."
    )
    if args.out:
        payload = {
            "options": {
                "gap": args.gap,
                "time_limit_s": args.time_limit,
                "threads": args.threads,
                "proof": args.proof,
            },
            "python": platform.python_version(),
            "machine": platform.platform(),
            "cpu_count": os.cpu_count(),
            "rows": rows,
        }
        args.out.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
