"""``clustersite regret | sweep | breakeven | montecarlo``: the planner analyses on the command line.

Run folder and resume
    Each command writes one run folder OUT (``--out``; default
    ``runs/<UTC YYYYmmdd-HHMMSS>-<command>``) with its tables, ``map.html``, ``report.html``,
    ``scenario.toml`` and ``manifest.json``. OUT is built in a hidden staging folder and renamed
    into place only when complete. Finished solves are saved as they arrive, one JSON line each,
    in ``OUT.partial/checkpoint.jsonl`` beside OUT — outside the staging area, so an interrupted
    or killed run keeps them. Running the same command again with the same ``--out`` loads them
    (``resuming: N finished runs loaded from …``) and solves only the rest. On success the
    checkpoint is moved into OUT as ``checkpoint.jsonl`` and ``OUT.partial`` is removed. An
    existing OUT is refused (exit 2) unless ``--overwrite`` (which replaces only a clustersite run
    folder), and so is an ``OUT.partial`` kept by another command (``OUT.partial/command`` names
    it) or not made by clustersite. A run that fails or is stopped before any run finished leaves
    no ``OUT.partial``. Each checkpoint line is keyed by the run's
    parameters and a hash of the scenario, data and technology, so changed inputs never reuse an
    old result. ``breakeven`` keeps no checkpoint (its bisection is sequential and short).

Where runs are solved
    Local worker processes by default (one per CPU; ``--workers N``), this process
    (``--serial``), or an existing Dask cluster (``--scheduler tcp://host:8786``; its workers
    need clustersite installed). ``breakeven`` solves in this process unless told otherwise:
    each bisection step needs only two solves.

Exit codes as ``outputs.cli``: 0 success, 1 unexpected failure, 2 bad input, 3 the scenario has
no solution, 130 interrupted (finished runs kept for resuming). Errors are one line on stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import traceback
from collections.abc import Callable

import optimizer
from optimizer import CLUSTER_TYPES, Scenario, TechnologyData
from optimizer.analyses.montecarlo import default_uncertain_parameters
from optimizer.analyses.parameters import default_levers, default_sweep_parameters, tech_parameters
from optimizer.runs.progress import Progress
from regions import RegionData

from ..flags import MAX_GRID, MAX_RUNS, MAX_SEED, MAX_WORKERS, float_flag, int_flag
from ..formatting import fmt_pct, fmt_usd_short
from ..terminal import printable
from .analysis_args import (
    CHECKPOINT,
    EXIT_INTERRUPTED,
    EXIT_OK,
    parse_regions,
    parse_types,
    resolve_parameter,
    resolve_parameters,
)
from .analysis_run import (
    CountingExecutor,
    ProgressExecutor,
    _finish,
    _finish_analysis,
    _note,
    _open_executor,
    _parameter_record,
    _run_analysis,
    _start,
    _warn_failures,
    partial_folder,
)
from .common import (
    EXIT_BAD_INPUT,
    EXIT_NO_SOLUTION,
    NoSolutionError,
    UsageError,
    _error_line,
    _fail,
    _load_state_scenario,
    _refuse_existing,
    page_options,
)

BREAKEVEN_PROGRESS_S = 2.0
"""Least time between two plain progress lines of a break-even search [s]."""

# ---------------------------------------------------------------------------------------------
# commands
# ---------------------------------------------------------------------------------------------


def cmd_regret(args: argparse.Namespace) -> int:
    """Siting regret of each region for one or more cluster types."""
    from ..reports.analysis import fmt_signed, write_regret

    types = parse_types(args.type)
    job = _start(args, "regret")
    scenario = _load_state_scenario(args.scenario, job.data)
    region_ids = parse_regions(args.regions, job.data)
    job.check_out()
    run = _run_analysis(
        args, job, scenario, optimizer.regret, types, job.data, job.tech, regions=region_ids
    )
    if isinstance(run, int):
        return run
    result = run.result
    _finish_analysis(
        job,
        args,
        scenario,
        run,
        write_regret,
        {"types": list(types), "regions": region_ids or "all"},
    )
    unit = "USD" if scenario.periods is not None else "USD/yr"  # phased: present value
    for k in types:
        rows = result.table[result.table["cluster_type"] == k]
        valued = rows[rows["regret_usd_per_yr"].notna()]
        optimum = valued[valued["in_base_optimum"].astype(bool)]["region_id"].tolist()
        others = valued[~valued["in_base_optimum"].astype(bool)]
        text = f"{k}: base optimum {', '.join(optimum) or 'none'}"
        if len(others):
            first, last = others.iloc[0], others.iloc[-1]
            text += (
                f"; cheapest alternative {first['region_id']} "
                f"{fmt_signed(first['regret_usd_per_yr'], unit, short=True)}, costliest "
                f"{last['region_id']} {fmt_signed(last['regret_usd_per_yr'], unit, short=True)}"
            )
        text += f"; {len(rows) - len(valued)} of {len(rows)} regions cannot host"
        print(text)
    _warn_failures(result.failures)
    print(printable(f"report: {job.out / 'report.html'}"), flush=True)
    return EXIT_OK


def _per_year(scenario: Scenario, annual: str = "/yr") -> str:
    """Unit suffix of the money a run reports: ``annual``, or " (present value)" for a
    phased scenario (its runs report present values [USD])."""
    return " (present value)" if scenario.periods is not None else annual


def _list_parameters(scenario: Scenario, data: RegionData, tech: TechnologyData) -> int:
    rows = [(p.name, p.unit, p.low, p.base, p.high) for p in tech_parameters(tech)]
    rows += [(p.name, p.unit or "value", p.low, p.base, p.high) for p in default_levers(scenario)]
    for kind in ("power-price", "wage", "permitting"):
        for zone in data.zones:
            p = resolve_parameter(f"{kind}@{zone}", scenario, data, tech)
            rows.append((p.name, p.unit, p.low, p.base, p.high))
    width = max(len(r[0]) for r in rows)
    print(f"{'parameter':<{width}}  {'low':>12} {'base':>12} {'high':>12}  unit")
    for name, unit, low, base, high in rows:
        print(f"{name:<{width}}  {low:>12.6g} {base:>12.6g} {high:>12.6g}  {unit}")
    return EXIT_OK


def cmd_sweep(args: argparse.Namespace) -> int:
    """One-at-a-time sweep: each parameter at its low and high value; tornado tables."""
    from ..reports.analysis import tornado_tables, write_sweep

    job = _start(args, "sweep")
    scenario = _load_state_scenario(args.scenario, job.data)
    if args.list_parameters:
        return _list_parameters(scenario, job.data, job.tech)
    chosen = resolve_parameters(args.parameter, scenario, job.data, job.tech)
    if not chosen and not args.levers:
        parameters = default_sweep_parameters(scenario, job.tech)
    else:
        taken = {p.name for p in chosen}
        levers = [p for p in default_levers(scenario) if p.name not in taken] if args.levers else []
        parameters = chosen + levers
    if not parameters:
        raise UsageError("nothing to sweep: no parameter given and the scenario has no levers")
    job.check_out()
    run = _run_analysis(args, job, scenario, optimizer.sweep, parameters, job.data, job.tech)
    if isinstance(run, int):
        return run
    result = run.result
    _finish_analysis(
        job,
        args,
        scenario,
        run,
        write_sweep,
        {"parameters": [_parameter_record(p) for p in parameters]},
    )
    ranking = tornado_tables(result, ("total_annual_cost",))
    moved = int(result.table["sites_changed"].eq(True).sum())
    text = f"{len(parameters)} parameters swept, {len(result.table)} runs"
    if len(ranking):
        top = ranking.iloc[0]
        text += (
            f"; largest swing of total annual cost: {top['parameter']} "
            f"({fmt_usd_short(top['swing'])}{_per_year(scenario)})"
        )
    print(text + f"; sites moved in {moved} runs")
    _warn_failures(result.failures)
    print(printable(f"report: {job.out / 'report.html'}"), flush=True)
    return EXIT_OK


def cmd_breakeven(args: argparse.Namespace) -> int:
    """Where along one parameter scenarios A and B swap ranks (total annual cost)."""
    from ..reports.analysis import write_breakeven

    job = _start(args, "breakeven")
    scenario_a = _load_state_scenario(args.scenario_a, job.data)
    scenario_b = _load_state_scenario(args.scenario_b, job.data)
    parameter = resolve_parameter(args.parameter, scenario_a, job.data, job.tech, wide=True)
    bounds = tuple(args.bounds) if args.bounds else (parameter.low, parameter.high)
    if not (math.isfinite(bounds[0]) and math.isfinite(bounds[1]) and bounds[0] < bounds[1]):
        raise UsageError(f"--bounds must satisfy LOW < HIGH, got {bounds[0]:g} {bounds[1]:g}")
    if args.grid < 2:
        raise UsageError(f"--grid must be at least 2, got {args.grid}")
    _refuse_existing(job.out, args.overwrite)
    with contextlib.ExitStack() as stack:
        executor, executor_text = _open_executor(args, stack, 1)
        tol = args.tol if args.tol is not None else 1e-3 * (bounds[1] - bounds[0])
        steps = math.ceil(math.log2(max((bounds[1] - bounds[0]) / tol, 2.0)))
        progress = Progress(2 * (args.grid + steps), "break-even solves", enabled=not args.quiet)
        progress.min_interval = BREAKEVEN_PROGRESS_S
        stack.callback(progress.close)
        _note(
            args,
            f"break-even of {parameter.name} between {scenario_a.name} and {scenario_b.name}: "
            f"{args.grid} values across [{bounds[0]:g}, {bounds[1]:g}], then bisection to "
            f"{tol:g} (about {progress.total} solves)",
        )
        try:
            found = job.timed(
                "analysis_seconds",
                optimizer.break_even,
                scenario_a,
                scenario_b,
                parameter,
                job.data,
                job.tech,
                bounds=bounds,
                tol=args.tol,
                grid=args.grid,
                executor=ProgressExecutor(executor, progress),
            )
        except RuntimeError as exc:  # a run without a solution along the parameter
            raise NoSolutionError(
                f"break-even of {parameter.name}: {exc}; nothing written"
            ) from None
        except KeyboardInterrupt:
            _fail("interrupted; nothing was written")
            return EXIT_INTERRUPTED
    _finish(
        job,
        lambda folder: write_breakeven(folder, found, parameter, job.data, scenario_a),
        scenarios={
            "scenario_a": (args.scenario_a, scenario_a),
            "scenario_b": (args.scenario_b, scenario_b),
        },
        parameters={
            "parameter": _parameter_record(parameter),
            "bounds": list(bounds),
            "tol": args.tol,
            "grid": args.grid,
            "kpi": found.kpi,
            "flips": found.flips,
            "value": found.value,
            "bracket": list(found.bracket) if found.bracket else None,
        },
        executor=executor,
        executor_text=executor_text,
        failures=0,
        keep_checkpoint=False,
    )
    if found.flips:
        print(f"flip: {found.parameter} = {found.value:.6g}")
    else:
        print(f"no flip within bounds [{bounds[0]:g}, {bounds[1]:g}]")
    print(found.message)
    print(printable(f"report: {job.out / 'report.html'}"), flush=True)
    return EXIT_OK


def cmd_montecarlo(args: argparse.Namespace) -> int:
    """Latin-hypercube Monte Carlo over the parameter ranges: KPI distribution, P(site)."""
    from ..reports.analysis import write_montecarlo

    if args.runs < 1:
        raise UsageError(f"--runs must be at least 1, got {args.runs}")
    job = _start(args, "montecarlo")
    scenario = _load_state_scenario(args.scenario, job.data)
    chosen = resolve_parameters(args.parameter, scenario, job.data, job.tech)
    parameters = chosen or default_uncertain_parameters(job.tech)
    job.check_out()
    run = _run_analysis(
        args,
        job,
        scenario,
        optimizer.monte_carlo,
        args.runs,
        args.seed,
        job.data,
        job.tech,
        parameters=parameters,
    )
    if isinstance(run, int):
        return run
    result = run.result
    _finish_analysis(
        job,
        args,
        scenario,
        run,
        write_montecarlo,
        {
            "runs": args.runs,
            "seed": args.seed,
            "sampling": "latin hypercube, uniform in [low, high]",
            "parameters": [_parameter_record(p) for p in parameters],
        },
    )
    solved = int(result.runs["status"].isin(("optimal", "feasible")).sum())
    text = f"{args.runs} runs (seed {args.seed}): {solved} solved, {len(result.failures)} failed"
    if "total_annual_cost" in result.summary.index and solved:
        s = result.summary.loc["total_annual_cost"]
        text += (
            f"; total annual cost p5 {fmt_usd_short(s['p5'])}, p50 {fmt_usd_short(s['p50'])}, "
            f"p95 {fmt_usd_short(s['p95'])}{_per_year(scenario, ' per yr')}"
        )
    print(text)
    likely = result.probability[result.probability["probability"] > 0].sort_values(
        ["probability", "region_id"], ascending=[False, True]
    )
    for k in CLUSTER_TYPES:
        rows = likely[likely["cluster_type"] == k].head(5)
        if len(rows):
            sites = ", ".join(
                f"{r} {fmt_pct(p)}"
                for r, p in zip(rows["region_id"], rows["probability"], strict=True)
            )
            print(f"{k}: P(site) {sites}")
    _warn_failures(result.failures)
    print(printable(f"report: {job.out / 'report.html'}"), flush=True)
    return EXIT_OK


# ---------------------------------------------------------------------------------------------
# parser
# ---------------------------------------------------------------------------------------------


def _handled(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """``func`` reporting this package's usage and no-solution errors itself (one line, exit 2
    or 3), so they keep their exit codes also under ``python -m outputs.cli``, where the running
    ``main`` belongs to ``__main__`` and does not know ``outputs.cli``'s exception classes."""

    def handler(args: argparse.Namespace) -> int:
        try:
            return func(args)
        except (UsageError, NoSolutionError) as exc:
            if getattr(args, "debug", False):
                traceback.print_exc()
            _fail(_error_line(exc))
            return EXIT_NO_SOLUTION if isinstance(exc, NoSolutionError) else EXIT_BAD_INPUT

    handler.__doc__ = func.__doc__
    return handler


def _common_options(sub: argparse.ArgumentParser, command: str, *, workers_help: str) -> None:
    sub.add_argument(
        "--out",
        metavar="DIR",
        help=f"run folder (default: runs/<UTC YYYYmmdd-HHMMSS>-{command}); finished runs are "
        "kept in DIR.partial/ until it is complete, and the same --out resumes",
    )
    sub.add_argument("--overwrite", action="store_true", help="replace an existing run folder")
    page_options(sub)
    sub.add_argument("--no-map", action="store_true", help="skip map.html")
    sub.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    sub.add_argument(
        "--data", metavar="DIR", help="region data folder (default: the embedded US dataset)"
    )
    sub.add_argument("--tech", metavar="DIR", help=argparse.SUPPRESS)
    sub.add_argument("--workers", type=int_flag(1, MAX_WORKERS), metavar="N", help=workers_help)
    sub.add_argument("--serial", action="store_true", help="solve in this process")
    sub.add_argument(
        "--scheduler",
        metavar="ADDR",
        help="solve on an existing Dask cluster, e.g. tcp://host:8786",
    )


def register(add: Callable[[str, Callable, str], argparse.ArgumentParser]) -> None:
    """Add the ``regret``, ``sweep``, ``breakeven`` and ``montecarlo`` subcommands through
    ``add(name, handler, help)`` (``outputs.cli.build_parser``'s helper)."""
    local = "local worker processes (default: one per CPU)"

    regret = add(
        "regret",
        _handled(cmd_regret),
        "siting regret: cost penalty of forcing a cluster into each region",
    )
    regret.add_argument("scenario", metavar="SCENARIO", help="built-in name or TOML path")
    regret.add_argument(
        "--type",
        default="all",
        metavar="TYPE",
        help="battery, magnet, solar, a comma list of them, or all (default)",
    )
    regret.add_argument("--regions", metavar="IDS", help="comma-separated region ids (default all)")
    _common_options(regret, "regret", workers_help=local)

    sweep = add("sweep", _handled(cmd_sweep), "one-at-a-time sensitivity sweep with tornado charts")
    sweep.add_argument("scenario", metavar="SCENARIO", help="built-in name or TOML path")
    sweep.add_argument(
        "--parameter",
        action="append",
        metavar="NAME[=LOW:HIGH]",
        help="parameter to sweep (repeatable): a technology figure, a lever or KIND@ZONE "
        "(power-price@great-lakes, permitting@south); default: every ranged technology "
        "figure and the default levers",
    )
    sweep.add_argument(
        "--levers",
        action="store_true",
        help="add the default scenario levers (power price, wage, mineral price, policy)",
    )
    sweep.add_argument(
        "--list-parameters", action="store_true", help="list parameter names and ranges, then exit"
    )
    _common_options(sweep, "sweep", workers_help=local)

    breakeven = add(
        "breakeven",
        _handled(cmd_breakeven),
        "by how much must a parameter move for scenarios A and B to swap ranks",
    )
    breakeven.add_argument("scenario_a", metavar="A", help="first scenario")
    breakeven.add_argument("scenario_b", metavar="B", help="second scenario")
    breakeven.add_argument(
        "--parameter",
        required=True,
        metavar="NAME",
        help="e.g. power-price@great-lakes, permitting@south, battery.capex_usd_per_unit",
    )
    breakeven.add_argument(
        "--bounds",
        nargs=2,
        type=float_flag(),
        metavar=("LOW", "HIGH"),
        help="search interval (default: power price/wage ×0.5–1.5, permitting ×0.5–3, a "
        "technology figure's low–high)",
    )
    breakeven.add_argument(
        "--tol",
        type=float_flag(0, low_open=True),
        help="bracket width to stop at (default 1e-3 × interval)",
    )
    breakeven.add_argument(
        "--grid",
        type=int_flag(2, MAX_GRID),
        default=5,
        help="values solved across the bounds first (default 5)",
    )
    _common_options(
        breakeven, "breakeven", workers_help="local worker processes (default: this process)"
    )

    montecarlo = add(
        "montecarlo",
        _handled(cmd_montecarlo),
        "Monte Carlo (Latin hypercube): KPI distribution and P(site) by region",
    )
    montecarlo.add_argument("scenario", metavar="SCENARIO", help="built-in name or TOML path")
    montecarlo.add_argument(
        "--runs",
        type=int_flag(1, MAX_RUNS),
        default=200,
        help=f"number of runs (default 200, at most {MAX_RUNS:,})",
    )
    montecarlo.add_argument(
        "--seed", type=int_flag(0, MAX_SEED), default=0, help="random seed (default 0)"
    )
    montecarlo.add_argument(
        "--parameter",
        action="append",
        metavar="NAME[=LOW:HIGH]",
        help="parameter to sample (repeatable; default: every ranged technology figure except "
        "penalties and national targets)",
    )
    _common_options(montecarlo, "montecarlo", workers_help=local)


__all__ = [
    "CHECKPOINT",
    "CountingExecutor",
    "cmd_breakeven",
    "cmd_montecarlo",
    "cmd_regret",
    "cmd_sweep",
    "parse_regions",
    "parse_types",
    "partial_folder",
    "register",
    "resolve_parameter",
    "resolve_parameters",
]
