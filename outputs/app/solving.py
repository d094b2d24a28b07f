"""What the app's solver worker runs: a snapshot scenario (``optimizer.solve``), a phased one
(``optimizer.phased.solve_phased``, as the command line does for a ``[periods]`` table), or a
snapshot with sites forced open (a planner clicked "force a site" on the map).

A forced site is the regret analysis's question asked of one state: the site is opened (its
``open`` variable fixed to 1, so at least the type's minimum scale is built there) and
everything else re-optimised. It is not a scenario key; the app keeps it beside the scenario.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import optimizer
from optimizer import Result, Scenario, TechnologyData
from optimizer.api import result_from_model
from optimizer.model.milp import build_model
from optimizer.model.solve import run_solver
from regions import DataValidationError, RegionData

Forced = Sequence[Sequence[str]]
"""Sites forced open: ``[(region_id, cluster_type), …]``."""


def check_forced(scenario: Scenario, data: RegionData, forced: Forced) -> None:
    """Raise DataValidationError when a forced site cannot host its type in this scenario
    (unknown region or type, excluded, outside a restricting zone, labour cap …)."""
    if not forced:
        return
    if scenario.resolution == "county":
        raise DataValidationError(
            f"{scenario.name} (forced sites)",
            "is sited by county; sites are forced at state resolution only (yet)",
            field="forced",
        )
    inputs = optimizer.inputs_for(scenario, data)
    sites = inputs.sites
    label = f"{scenario.name} (forced sites)"
    for region_id, k in forced:
        if (region_id, k) not in sites.index:
            raise DataValidationError(label, f"{region_id} has no {k} site", field="forced")
        row = sites.loc[(region_id, k)]
        if not bool(row["eligible"]):
            reason = str(row.get("exclusion_reason", "") or "not eligible")
            raise DataValidationError(
                label, f"{region_id} cannot host a new {k} cluster: {reason}", field="forced"
            )


def solve_forced(
    scenario: Scenario,
    data: RegionData,
    forced: Forced,
    tech: TechnologyData | None = None,
) -> Result:
    """``scenario`` solved with each forced site open (a snapshot scenario only)."""
    tech = tech if tech is not None else optimizer.load_technology()
    check_forced(scenario, data, forced)
    start = time.perf_counter()
    model = build_model(data, scenario, tech)
    for region_id, k in forced:
        model.open[(region_id, k)].lowBound = 1
    build_seconds = time.perf_counter() - start
    outcome = run_solver(model.problem, scenario.solver)
    return result_from_model(model, scenario, data, tech, outcome, build_seconds)


def solve_any(scenario: Scenario, data: RegionData, forced: Forced = ()):
    """The Result (snapshot) or PhasedResult (a scenario with ``[periods]``) of ``scenario``."""
    if scenario.periods is not None:
        if forced:
            raise DataValidationError(
                scenario.name, "sites cannot be forced in a phased scenario", field="forced"
            )
        from optimizer.phased.api import solve_phased

        return solve_phased(scenario, data)
    if forced:
        return solve_forced(scenario, data, forced)
    return optimizer.solve(scenario, data)


__all__ = ["Forced", "check_forced", "solve_any", "solve_forced"]
