"""``clustersite hindcast | alternatives``: how far to trust an answer.

``hindcast`` solves with the world as of a past date and scores the new capacity it places against
the capacity really announced up to a later date; ``alternatives`` finds plans within a cost
slack of the optimum that differ from it as much as possible. Each writes one run folder OUT
(``--out``; default ``runs/<UTC YYYYmmdd-HHMMSS>-<command>``) with its tables, ``map.html``, the
scenario TOML and ``manifest.json``, staged and renamed into place when complete; an existing OUT
is refused (exit 2) unless ``--overwrite``. Exit codes and one-line errors as ``outputs.cli``.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from datetime import date

import optimizer
from optimizer.analyses.alternatives import OPTIMUM
from optimizer.analyses.hindcast import announced_between
from optimizer.runs.progress import Progress

from ..flags import date_window, iso_date, slack_list
from ..formatting import fmt_num, fmt_pct, fmt_usd_short
from ..terminal import printable, printable_lines
from .analysis import _handled
from .analysis_args import DEFAULT_GOALS, DEFAULT_ZONE_GOAL, EXIT_OK, resolve_goals
from .analysis_run import CountingExecutor, _finish, _start
from .common import (
    NoSolutionError,
    UsageError,
    _load_scenario,
    _load_state_scenario,
    page_options,
)

DEFAULT_AS_OF, DEFAULT_UNTIL = date(2020, 12, 31), date(2024, 12, 31)
DEFAULT_SLACKS = (0.01, 0.02, 0.05)
IN_PROCESS = "serial (this process)"


def _in_process(solves: int, seconds: float) -> CountingExecutor:
    """The manifest's run counts for solves made in this process."""
    counted = CountingExecutor(None)
    counted.solved, counted.seconds = solves, seconds
    return counted


def cmd_hindcast(args: argparse.Namespace) -> int:
    """Solve as of ``--as-of``; score the placed capacity against announcements to ``--until``."""
    from ..reports.analysis.trust import write_hindcast

    if args.until <= args.as_of:
        raise UsageError(f"--until ({args.until}) must be after --as-of ({args.as_of})")
    job = _start(args, "hindcast")
    scenario = _load_scenario(args.scenario, job.data)
    resolution = args.resolution or scenario.resolution
    job.check_out()
    progress = Progress(2, "hindcast", enabled=not args.quiet)
    try:
        h = job.timed(
            "analysis_seconds",
            optimizer.hindcast,
            scenario,
            args.as_of,
            args.until,
            job.data,
            job.tech,
            on_step=progress.step,
            resolution=resolution,
        )
    except RuntimeError as exc:
        raise NoSolutionError(f"hindcast of {scenario.name!r}: {exc}; nothing written") from None
    _finish(
        job,
        lambda folder: write_hindcast(
            folder, h, job.data, with_map=not args.no_map, offline=not args.cdn, tiles=args.tiles
        ),
        scenarios={"scenario": (args.scenario, scenario), "hindcast": ("", h.result.scenario)},
        parameters={
            "as_of": args.as_of.isoformat(),
            "until": args.until.isoformat(),
            **({"resolution": resolution} if resolution != "state" else {}),
        },
        executor=_in_process(1, job.timings["analysis_seconds"]),
        executor_text=IN_PROCESS,
        failures=0,
        keep_checkpoint=False,
    )
    print(printable_lines(h.summary()))
    print(printable_lines(score_table(h.scores)))
    if h.distances is not None:
        print(printable_lines(distance_table(h.scores)))
    if h.reality is not None:
        print(printable_lines(reality_table(h.reality.table)))
    print(printable(f"run folder: {job.out}"), flush=True)
    return EXIT_OK


def score_table(scores) -> str:
    """The scores as a text table: Spearman, share in real states, missed, invented per type."""
    lines = [f"{'type':<8} {'Spearman':>9} {'in real states':>15} {'missed':>7} {'invented':>9}"]
    for k, row in scores.iterrows():
        rho = "n/a" if math.isnan(row["spearman"]) else f"{row['spearman']:.2f}"
        share = fmt_pct(row["share_in_real_states"])
        lines.append(
            f"{k:<8} {rho:>9} {share:>15} {int(row['n_missed']):>7} {int(row['n_invented']):>9}"
        )
    return "\n".join(lines)


def distance_table(scores) -> str:
    """By county: real plants, model sites, median distance [km] and share of real capacity
    within 100 km of a model site, per type."""
    lines = [f"{'type':<8} {'plants':>7} {'sites':>6} {'median km':>10} {'within 100 km':>14}"]
    for k, row in scores.iterrows():
        km = "n/a" if math.isnan(row["median_km"]) else f"{row['median_km']:,.0f}"
        lines.append(
            f"{k:<8} {int(row['n_plants']):>7} {int(row['n_model_sites']):>6} {km:>10} "
            f"{fmt_pct(row['share_within_100km']):>14}"
        )
    return "\n".join(lines)


def reality_table(table) -> str:
    """Reality vs the model's optimum per type and overall: gap and the slacks that hold it."""
    lines = [f"{'type':<8} {'reality vs optimum':>19} {'within 1 %':>11} {'2 %':>4} {'5 %':>4}"]
    for k, row in table.iterrows():
        flags = [("yes" if row[f"within_{p}pct"] else "no") for p in (1, 2, 5)]
        lines.append(f"{k:<8} {row['gap_pct']:>+18.2f}% {flags[0]:>11} {flags[1]:>4} {flags[2]:>4}")
    return "\n".join(lines)


def cmd_alternatives(args: argparse.Namespace) -> int:
    """Near-optimal plans that differ as much as possible from the optimum."""
    from ..reports.analysis.trust import write_alternatives

    job = _start(args, "alternatives")
    scenario = _load_state_scenario(args.scenario, job.data)
    goals = resolve_goals(args.goal, job.data)
    slacks = args.slack or DEFAULT_SLACKS
    job.check_out()
    progress = Progress(1 + len(goals) * len(slacks), "alternatives", enabled=not args.quiet)
    try:
        window = args.announced_between
        announced = (
            announced_between(job.data, window[0], window[1]) if window is not None else None
        )
        alt = job.timed(
            "analysis_seconds",
            optimizer.alternatives,
            scenario,
            slacks,
            goals,
            job.data,
            job.tech,
            announced=announced,
            on_step=progress.step,
        )
    except RuntimeError as exc:
        raise NoSolutionError(
            f"alternatives of {scenario.name!r}: {exc}; nothing written"
        ) from None
    _finish(
        job,
        lambda folder: write_alternatives(
            folder, alt, job.data, with_map=not args.no_map, offline=not args.cdn, tiles=args.tiles
        ),
        scenarios={"scenario": (args.scenario, scenario)},
        parameters={
            "slacks": list(slacks),
            "goals": list(goals),
            **({"announced_between": [d.isoformat() for d in window]} if window else {}),
        },
        executor=_in_process(len(alt.plans), job.timings["analysis_seconds"]),
        executor_text=IN_PROCESS,
        failures=int((~alt.plans["status"].isin(("optimal", "feasible"))).sum()),
        keep_checkpoint=False,
    )
    print(printable_lines(alt.summary()))
    print(printable_lines(plan_table(alt.plans)))
    print(printable(f"run folder: {job.out}"), flush=True)
    return EXIT_OK


def plan_table(plans) -> str:
    """The plans as a text table: slack, goal, the three cost views, jobs, states."""
    header = (
        f"{'slack':>6}  {'goal':<22} {'system':>14} {'investor':>14} {'public':>14} "
        f"{'jobs':>9}  states"
    )
    lines = [header]
    for plan_id, row in plans.iterrows():
        slack = "—" if plan_id == OPTIMUM else f"{row['slack']:.0%}"
        if row["status"] not in ("optimal", "feasible"):
            lines.append(f"{slack:>6}  {row['goal']:<22} no plan ({row['status']})")
            continue
        costs = " ".join(
            f"{fmt_usd_short(row[c]):>14}"
            for c in ("system_cost_usd_per_yr", "investor_cost_usd_per_yr")
        )
        public = fmt_usd_short(row["public_outlay_usd_per_yr"])
        lines.append(
            f"{slack:>6}  {row['goal']:<22} {costs} {public:>14} {fmt_num(row['jobs']):>9}  "
            f"{row['states']}"
        )
    return "\n".join(lines)


def _options(sub: argparse.ArgumentParser, command: str) -> None:
    sub.add_argument(
        "--out", metavar="DIR", help=f"run folder (default: runs/<UTC YYYYmmdd-HHMMSS>-{command})"
    )
    sub.add_argument("--overwrite", action="store_true", help="replace an existing run folder")
    page_options(sub)
    sub.add_argument("--no-map", action="store_true", help="skip map.html")
    sub.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    sub.add_argument(
        "--data", metavar="DIR", help="region data folder (default: the embedded US dataset)"
    )
    sub.add_argument("--tech", metavar="DIR", help=argparse.SUPPRESS)


def register(add: Callable[[str, Callable, str], argparse.ArgumentParser]) -> None:
    """Add the ``hindcast`` and ``alternatives`` subcommands through ``add(name, handler, help)``."""
    hindcast = add(
        "hindcast",
        _handled(cmd_hindcast),
        "solve as of a past date and score the placed capacity against what was announced",
    )
    hindcast.add_argument(
        "scenario",
        nargs="?",
        default="baseline",
        metavar="SCENARIO",
        help="built-in name or TOML path (default: baseline)",
    )
    hindcast.add_argument(
        "--as-of",
        type=iso_date,
        default=DEFAULT_AS_OF,
        metavar="YYYY-MM-DD",
        help=f"the world the model sees (default {DEFAULT_AS_OF})",
    )
    hindcast.add_argument(
        "--until",
        type=iso_date,
        default=DEFAULT_UNTIL,
        metavar="YYYY-MM-DD",
        help=f"announcements up to this date are the reality (default {DEFAULT_UNTIL})",
    )
    hindcast.add_argument(
        "--resolution",
        choices=("state", "county"),
        help="candidate sites: states (default) or counties (overrides the scenario's setting; "
        "by county the run also measures the distance [km] from each announced plant to the "
        "model's nearest site of its type, distances.csv)",
    )
    _options(hindcast, "hindcast")

    alternatives = add(
        "alternatives",
        _handled(cmd_alternatives),
        "near-optimal plans: within each cost slack, plans as different from the optimum as can be",
    )
    alternatives.add_argument("scenario", metavar="SCENARIO", help="built-in name or TOML path")
    alternatives.add_argument(
        "--slack",
        type=slack_list,
        metavar="LIST",
        help="cost slacks as fractions of the optimum, each in (0, 1] (default 0.01,0.02,0.05)",
    )
    alternatives.add_argument(
        "--goal",
        action="append",
        metavar="GOAL",
        help="min_overlap, max_states, max_zone:ZONE[:TYPE] or max_state:ID[:TYPE] (repeatable; "
        f"default {', '.join(DEFAULT_GOALS)} and {DEFAULT_ZONE_GOAL} where that zone exists)",
    )
    alternatives.add_argument(
        "--announced-between",
        type=date_window,
        metavar="AS_OF,UNTIL",
        help="also cost the capacity announced in (AS_OF, UNTIL] and say whether it lies within "
        "each slack (for a hindcast scenario, e.g. the hindcast.toml of a hindcast run)",
    )
    _options(alternatives, "alternatives")
