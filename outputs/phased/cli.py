"""``run`` and ``compare`` for phased scenarios (those with a ``[periods]`` table)."""

from __future__ import annotations

import json
from pathlib import Path

from optimizer.model.scenario import Scenario
from optimizer.phased.api import solve_phased
from optimizer.phased.result import PhasedResult
from regions import RegionData

from ..atomic import MANIFEST, staged_folder
from ..terminal import printable
from .export import export_phased_run
from .report import write_phased_report


def describe(result: PhasedResult) -> str:
    """One line: status, present value of the objective, sites and first production years."""
    if not result.ok:
        return f"{result.report.status.value}: no solution"
    schedule = result.schedule
    first = ", ".join(
        f"{k} from {int(g['online_year'].min())}" for k, g in schedule.groupby("cluster_type")
    )
    return (
        f"{result.report.status.value}, present value {result.report.objective / 1e9:,.1f} "
        f"bn USD ({result.scenario.objective} view), "
        f"{schedule.groupby(['region_id', 'cluster_type']).ngroups} sites built; {first}"
    )


def run_phased(scenario: Scenario, data: RegionData, target: Path, *, overwrite: bool,
               map: bool) -> PhasedResult:  # fmt: skip
    """Solve and export one phased scenario into ``target``."""
    result = solve_phased(scenario, data)
    export_phased_run(result, data, target, overwrite=overwrite, map=map)
    print(printable(f"{scenario.name}: {describe(result)} -> {target}"), flush=True)
    return result


def compare_phased(scenarios: list[Scenario], data: RegionData, out: Path, *, overwrite: bool,
                   map: bool) -> list[PhasedResult]:  # fmt: skip
    """Solve each phased scenario, export it into ``out/<name>/`` and write ``report.html``."""
    from ..cli.common import folder_name

    results = []
    with staged_folder(out, overwrite=overwrite) as staging:
        for scenario in scenarios:
            result = solve_phased(scenario, data)
            export_phased_run(result, data, staging / folder_name(scenario.name), map=map)
            results.append(result)
            print(printable(f"{scenario.name}: {describe(result)}"), flush=True)
        write_phased_report(
            results, staging, [folder_name(s.name) for s in scenarios] if map else None
        )
        (staging / MANIFEST).write_text(
            json.dumps(
                {"command": "compare", "clustersite_version": _version(),
                 "scenarios": [s.name for s in scenarios]},
                indent=2,
            ) + "\n",
            encoding="utf-8",
        )  # fmt: skip
    print(printable(f"report: {out / 'report.html'}"), flush=True)
    return results


def _version() -> str:
    from ..exports.run import _version as version

    return version()
