"""``clustersite why SCENARIO``: each site against its runner-up, with the break-evens re-solved.

Solves the scenario, then for every site that gets new capacity finds by bisection, each point a
re-solve of the whole model, the value of the runner-up's lever (power price, wages, permitting
months, capital or fixed cost) and the per-unit state incentive at which the runner-up takes
capacity from the site (``optimizer.analyses.thresholds``). Writes ``why.csv``, ``map.html`` and
``report.html`` into one run folder; options, resumption and exit codes as the other analyses.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from optimizer.analyses.thresholds import exact_thresholds

from ..terminal import printable
from .analysis import _common_options, _handled
from .analysis_args import EXIT_OK
from .analysis_run import _finish_analysis, _run_analysis, _start, _warn_failures
from .common import _load_state_scenario


def cmd_why(args: argparse.Namespace) -> int:
    """Each opened site against its runner-up: toss-ups and re-solved break-evens."""
    from ..reports.analysis.why import write_why

    job = _start(args, "why")
    scenario = _load_state_scenario(args.scenario, job.data)
    job.check_out()
    run = _run_analysis(args, job, scenario, exact_thresholds, job.data, job.tech)
    if isinstance(run, int):
        return run
    result = run.result
    _finish_analysis(job, args, scenario, run, write_why, {"re_solves": result.runs})
    why = result.why.set_index(["region_id", "cluster_type"])
    for row in result.table.itertuples(index=False):
        first = why.loc[(row.region_id, row.cluster_type)]
        label = "toss-up; " if bool(first["toss_up"]) else ""
        print(
            printable(
                f"{row.cluster_type} in {row.region_id} ({label}runner-up {row.runner_up}): {row.sentence}"
            )
        )
    _warn_failures(result.failures)
    print(printable(f"report: {job.out / 'report.html'}"), flush=True)
    return EXIT_OK


def register(add: Callable[[str, Callable, str], argparse.ArgumentParser]) -> None:
    """Add the ``why`` subcommand through ``add(name, handler, help)``."""
    why = add(
        "why",
        _handled(cmd_why),
        "why these states: each site against its runner-up, toss-ups and re-solved break-evens",
    )
    why.add_argument("scenario", metavar="SCENARIO", help="built-in name or TOML path")
    _common_options(why, "why", workers_help="local worker processes (default: one per CPU)")
