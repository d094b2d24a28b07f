"""The workloads of ``python -m benchmarks``: one function each, run in a fresh process.

``python -m benchmarks.workloads NAME [--quick]`` runs one and prints a JSON line
``{"merit": ..., "inner_s": ...}``: its figure of merit and the seconds of the workload itself
(without interpreter start-up and imports). ``--quick`` is a shorter variant of the same code path.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LIBRARIES = ("pandas", "numpy", "pulp", "highspy", "shapely", "folium")
"""What the bare-import baseline imports: the libraries every clustersite command loads."""


@dataclass(frozen=True)
class Workload:
    """One benchmark workload: what it measures, its target, and the function that runs it."""

    name: str
    description: str
    target: str
    run: Callable[[bool], str]


def _import_baseline(quick: bool) -> str:
    for name in LIBRARIES:
        __import__(name)
    return "import " + ", ".join(LIBRARIES)


def _solve(name: str) -> Callable[[bool], str]:
    def run(quick: bool) -> str:
        import optimizer

        result = optimizer.solve(name)
        report = result.report
        gap = "" if report.mip_gap is None else f", gap {report.mip_gap:.1e}"
        return f"{report.status.value}{gap}, {report.objective / 1e9:.3f} bn USD/yr"

    return run


def _county(name: str) -> Callable[[bool], str]:
    def run(quick: bool) -> str:
        import optimizer

        result, view = optimizer.api.solve_county(name, with_duals=False)
        report = result.report
        return (
            f"{report.status.value}, {100 * report.bound_gap:.3f} % above the bound over "
            f"{report.bound_candidates:,} county candidates ({len(view.regions):,} counties, "
            f"{report.n_variables:,} variables, {report.n_binaries:,} binaries; kernel "
            f"{report.kernel_counties} counties); LP + kernel + builds "
            f"{report.build_seconds:.1f} s, full MIP {report.solve_seconds:.1f} s"
        )

    return run


def _compare_shell(quick: bool) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cmp"
        # this process's environment, bytecode settings included (benchmarks.environment)
        env = {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
        begin = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "outputs.cli", "compare", "great-lakes", "south",
             "--out", str(out), "-q"],
            check=True, env=env, stdout=subprocess.DEVNULL, cwd=tmp,
        )  # fmt: skip
        seconds = time.perf_counter() - begin
        size = (out / "report.html").stat().st_size
    return f"the compare process {seconds:.2f} s; report.html {size / 1e6:.1f} MB"


def _regret(every_type: bool) -> Callable[[bool], str]:
    def run(quick: bool) -> str:
        import optimizer

        types = optimizer.CLUSTER_TYPES if every_type or not quick else ("battery",)
        return _regret_types(types)

    return run


def _regret_types(types: tuple[str, ...]) -> str:
    import optimizer
    from optimizer.analyses.regret import regret
    from optimizer.runs.parallel import ProcessExecutor

    scenario = optimizer.load_scenario("baseline")
    with ProcessExecutor(workers=2) as executor:
        result = regret(scenario, types, executor=executor, progress=False)
    runs = int(result.table["can_host"].sum()) + 1
    kinds = f"{len(types)} type" + ("s" if len(types) > 1 else "")
    return f"{kinds} × 51 states, {runs} runs, {len(result.failures)} failed"


def _montecarlo(name: str, gap: float | None) -> Callable[[bool], str]:
    def run(quick: bool) -> str:
        from optimizer.analyses.montecarlo import monte_carlo
        from optimizer.runs.parallel import ProcessExecutor

        n = 20 if quick else 200
        begin = time.perf_counter()
        with ProcessExecutor(workers=2) as executor:
            result = monte_carlo(name, n=n, seed=0, executor=executor, progress=False, mip_gap=gap)
        wall = time.perf_counter() - begin
        return f"{n} samples, {n / wall:.2f} runs/s, {len(result.failures)} failed"

    return run


def _alternatives(quick: bool) -> str:
    from optimizer.analyses.alternatives import OPTIMUM, alternatives

    slacks = (0.01,) if quick else (0.01, 0.02, 0.05)
    result = alternatives("baseline", slacks=slacks)
    plans = result.plans.drop(OPTIMUM, errors="ignore")
    bound = (1 + plans["slack"]) * result.optimum_usd_per_yr * (1 + 1e-9)
    within = int((plans["cost_usd_per_yr"] <= bound).sum())
    return f"{len(plans)} plans, {within} within their cost bound"


def _hindcast(quick: bool) -> str:
    from optimizer.analyses.hindcast import hindcast

    result = hindcast("baseline", date(2020, 12, 31), date(2024, 12, 31))
    spearman = result.scores["spearman"].drop("all", errors="ignore")
    return "Spearman " + ", ".join(f"{k} {v:.2f}" for k, v in spearman.items())


def _phased(name: str) -> Callable[[bool], str]:
    def run(quick: bool) -> str:
        from optimizer.phased.api import solve_phased

        report = solve_phased(name).report
        return f"{report.status.value}, gap {report.mip_gap:.1e}, {report.n_binaries} binaries"

    return run


def _orlib(quick: bool) -> str:
    from optimizer.facility_location.orlib import read_cap, read_optima, solve_cap

    folder = Path(
        os.environ.get("CLUSTERSITE_ORLIB_DIR", REPO.parent / "shared/benchmarks/orlib-cap")
    )
    if not (folder / "capopt.txt").exists():
        return f"skipped: no OR-Library files in {folder}"
    optima = read_optima(folder / "capopt.txt")
    names = ("cap41", "cap131") if quick else ("cap41", "cap71", "cap101", "cap131", "cap134")
    worst = 0.0
    for name in names:
        objective, _seconds = solve_cap(read_cap(folder / f"{name}.txt"), time_limit_s=120)
        worst = max(worst, abs(objective - optima[name]) / optima[name])
    return f"{len(names)} instances, worst {worst:.1e} from the published optimum"


def _cflp_large(quick: bool) -> str:
    """OR-Library capa/capb/capc with the large facility-location solver, one row per variant
    printed before the figure of merit (``python -m benchmarks`` shows them under its row)."""
    from optimizer.facility_location.large import CFLPOptions

    from .bench_cflp_large import HEADER, default_data_dir, format_row, run_variants, summary

    folder = default_data_dir()
    if not (folder / "capopt.txt").exists():
        return f"skipped: no OR-Library files in {folder} (set CLUSTERSITE_ORLIB_DIR)"
    names = ["capb-7000", "capc-7250"] if quick else ["capa", "capb", "capc"]
    gap = 1e-3
    rows = run_variants(names, folder, CFLPOptions(mip_gap=gap, time_limit_s=60.0))
    print(HEADER)
    for row in rows:
        print(format_row(row))
    return summary(rows, gap)


WORKLOADS = {
    w.name: w
    for w in (
        Workload("import", "bare import of " + ", ".join(LIBRARIES), "baseline", _import_baseline),
        Workload(
            "solve-baseline", "optimizer.solve('baseline') with duals", "", _solve("baseline")
        ),
        Workload("solve-great-lakes", "optimizer.solve('great-lakes')", "", _solve("great-lakes")),
        Workload("solve-south", "optimizer.solve('south')", "", _solve("south")),
        Workload("compare", "clustersite compare great-lakes south (shell)", "2 s", _compare_shell),
        Workload(
            "regret", "regret, baseline, 51 states × 3 types, 2 workers", "30 s", _regret(False)
        ),
        Workload(
            "regret-3",
            "regret, baseline, 51 states × 3 types, 2 workers (also with --quick)",
            "30 s",
            _regret(True),
        ),
        Workload(
            "montecarlo",
            "Monte Carlo, baseline, 200 samples, 2 workers",
            "",
            _montecarlo("baseline", None),
        ),  # fmt: skip
        Workload("alternatives", "alternatives, baseline, slacks 1/2/5 %", "20 s", _alternatives),
        Workload("hindcast", "hindcast 2020-12-31 → 2024-12-31", "30 s", _hindcast),
        Workload(
            "phased-great-lakes",
            "solve_phased('great-lakes-phased')",
            "",
            _phased("great-lakes-phased"),
        ),
        Workload("phased-south", "solve_phased('south-phased')", "", _phased("south-phased")),
        Workload(
            "phased-montecarlo",
            "Monte Carlo, great-lakes-phased, 200 samples, gap 1e-4",
            "120 s",
            _montecarlo("great-lakes-phased", 1e-4),
        ),  # fmt: skip
        Workload(
            "county-great-lakes",
            "great-lakes-county: proven over every screened county",
            "60 s, gap 0.1 %",
            _county("great-lakes-county"),
        ),
        Workload(
            "county-south",
            "south-county: proven over every screened county",
            "60 s, gap 0.1 %",
            _county("south-county"),
        ),
        Workload("orlib", "OR-Library cap41/71/101/131/134 (facility-location core)", "", _orlib),
        Workload(
            "cflp-large",
            "OR-Library capa/capb/capc, Lagrangian + fixing + search, gap 0.1 %",
            "60 s a variant",
            _cflp_large,
        ),
    )
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run one benchmark workload; print its result.")
    parser.add_argument("name", choices=sorted(WORKLOADS))
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    begin = time.perf_counter()
    merit = WORKLOADS[args.name].run(args.quick)
    print(json.dumps({"merit": merit, "inner_s": time.perf_counter() - begin}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
