"""Is what really happened within a few per cent of optimal? The cost of the announced plan.

The plan that really happened is put into the model: every (state, type) that received
announcements in the hindcast window gets at least its announced capacity,

    Σ new[r,k] + miss[r,k] ≥ announced[r,k],   miss ≥ 0 at the type's shortfall penalty per unit,

and the rest is optimised as usual (mineral shipments; the target is the same, so the announced
capacity is all the new capacity there is unless part of it cannot be placed). ``miss`` is the
part of an announcement the model cannot represent — a state it excludes (permitting beyond the
horizon, zones), or more than its labor cap or maximum scale allow; it is placed wherever the
model finds cheapest and reported apart. Announcements with no recorded capacity force nothing.

The **cost of reality** is that solve's objective without the ``miss`` penalty; the gap is
``reality / optimum − 1`` in the scenario's cost view, overall (the alternatives' slack:
reality lies within slack ε when its cost ≤ (1 + ε)·optimum) and per type, where a type's cost
is the cost of its sites (``total_cost_usd_per_yr``) plus its shortfall penalty.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pulp

from regions import RegionData

from ..api import result_from_model
from ..model.milp import ClusterModel, build_model
from ..model.result import Result
from ..model.scenario import Scenario
from ..model.solve import run_solver
from ..model.technology import TechnologyData

SLACKS = (0.01, 0.02, 0.05)
"""Slacks the gap is checked against (fractions of the optimum)."""
EPS = 1e-9
REALITY_COLUMNS = [
    "optimum_usd_per_yr",
    "reality_usd_per_yr",
    "gap_usd_per_yr",
    "gap_pct",
    *(f"within_{round(s * 100)}pct" for s in SLACKS),
]


@dataclass(frozen=True)
class RealityGap:
    """The announced plan costed in the model against the model's optimum.

    Attributes:
        table: one row per cluster type and ``all``: ``optimum_usd_per_yr``,
            ``reality_usd_per_yr``, ``gap_usd_per_yr``, ``gap_pct`` (of the optimum) and
            ``within_1pct``, ``within_2pct``, ``within_5pct``.
        forced: one row per announced (region_id, cluster_type): ``announced_capacity``,
            ``placed_capacity`` (new capacity there in the reality plan), ``missed_capacity``
            (not representable) [type unit/yr] and ``reason`` for a miss.
        result: the reality solve.
    """

    table: pd.DataFrame
    forced: pd.DataFrame
    result: Result

    def verdict(self, scope: str = "all") -> str:
        """``'within 1 %'`` … ``'within 5 %'`` (the smallest slack that holds it) or
        ``'beyond 5 %'``."""
        gap = float(self.table.at[scope, "gap_pct"])
        for slack in SLACKS:
            if gap <= slack * 100 + EPS:
                return f"within {slack:.0%}".replace("%", " %")
        return f"beyond {SLACKS[-1]:.0%}".replace("%", " %")

    def summary(self) -> str:
        """One sentence overall, one per type, one on what could not be represented."""
        row = self.table.loc["all"]
        lines = [
            f"What really happened costs {row['reality_usd_per_yr']:,.0f} USD/yr in the model, "
            f"{row['gap_pct']:+.2f} % against its optimum ({self.verdict()} of optimal)."
        ]
        for k, r in self.table.drop("all").iterrows():
            lines.append(f"  {k}: {r['gap_pct']:+.2f} % ({self.verdict(str(k))}).")
        missed = self.forced[self.forced["missed_capacity"] > EPS]
        if len(missed):
            items = "; ".join(
                f"{r.region_id} {r.cluster_type} {r.missed_capacity:,.4g} ({r.reason})"
                for r in missed.itertuples()
            )
            lines.append(f"  Not representable, placed by the model instead: {items}.")
        return "\n".join(lines)


def reality_gap(
    scenario: Scenario,
    data: RegionData,
    tech: TechnologyData,
    announced: pd.DataFrame,
    optimum: Result,
) -> RealityGap:
    """Solve ``scenario`` with the ``announced`` capacity forced (see the module docstring).

    Args:
        scenario: the scenario ``optimum`` was solved for (e.g. a hindcast scenario).
        announced: ``region_id``, ``cluster_type``, ``capacity`` [type unit/yr] (summed by
            state and type here).
        optimum: the unforced solve of ``scenario``.
    """
    if not optimum.ok:
        raise RuntimeError("the optimum has no solution to compare with")
    wanted = (
        announced[announced["cluster_type"].isin(list(scenario.targets))]
        .groupby(["region_id", "cluster_type"])["capacity"]
        .sum()
    )
    wanted = wanted[wanted > EPS]
    model = build_model(data, scenario, tech)
    misses, reasons = force_announced(model, wanted)
    outcome = run_solver(model.problem, scenario.solver)
    if not outcome[0].has_solution:
        raise RuntimeError(f"the announced plan has no solution in the model: {outcome[0].value}")
    penalty = sum(cost * float(var.value() or 0.0) for var, cost in misses.values())
    result = result_from_model(model, scenario, data, tech, outcome, with_duals=False)
    forced = forced_table(wanted, misses, reasons, result)
    forced["reason"] = [
        miss_reason(model.inputs.sites, (r.region_id, r.cluster_type), r.announced_capacity)
        if r.missed_capacity > EPS and not r.reason
        else r.reason
        for r in forced.itertuples()
    ]
    table = gap_table(optimum, result, penalty)
    return RealityGap(table, forced, result)


def force_announced(
    model: ClusterModel, wanted: pd.Series
) -> tuple[dict[tuple[str, str], tuple[pulp.LpVariable, float]], dict[tuple[str, str], str]]:
    """Add ``Σ new[r,k] + miss[r,k] ≥ announced[r,k]`` for every announced site the model has;
    return the miss variables with their penalty per unit, and the reason of every site the
    model cannot host at all."""
    inputs = model.inputs
    misses, reasons = {}, {}
    objective = model.problem.objective
    for (region_id, k), capacity in wanted.items():
        key = (region_id, k)
        terms = model.new_capacity_terms(key)
        if not terms:
            site = inputs.sites.loc[key] if key in inputs.sites.index else None
            reasons[key] = (
                str(site["exclusion_reason"]) if site is not None else "not a region of the data"
            ) or "no site in the model"
            continue
        miss = pulp.LpVariable(f"reality_miss_{k}_{region_id}", lowBound=0)
        penalty = float(inputs.penalty_usd_per_unit[k])
        model.problem.addConstraint(
            pulp.LpAffineExpression([*terms, (miss, 1.0)]) >= float(capacity),
            f"reality_{k}_{region_id}",
        )
        objective += penalty * miss
        misses[key] = (miss, penalty)
    model.problem.setObjective(objective)
    return misses, reasons


def forced_table(
    wanted: pd.Series,
    misses: dict[tuple[str, str], tuple[pulp.LpVariable, float]],
    reasons: dict[tuple[str, str], str],
    result: Result,
) -> pd.DataFrame:
    """Announced, placed and missed capacity per announced site, with the reason of a miss."""
    placed = result.sites.groupby(["region_id", "cluster_type"])["new_capacity"].sum()
    rows = []
    for key, capacity in wanted.items():
        if key in misses:
            missed = max(float(misses[key][0].value() or 0.0), 0.0)
            reason = ""
        else:
            missed, reason = float(capacity), f"the model excludes the site: {reasons[key]}"
        rows.append(
            {
                "region_id": key[0],
                "cluster_type": key[1],
                "announced_capacity": float(capacity),
                "placed_capacity": float(placed.get(key, 0.0)),
                "missed_capacity": missed if missed > EPS else 0.0,
                "reason": reason if missed > EPS else "",
            }
        )
    columns = ["region_id", "cluster_type", "announced_capacity", "placed_capacity"]
    return pd.DataFrame(rows, columns=[*columns, "missed_capacity", "reason"])


def miss_reason(sites: pd.DataFrame, key: tuple[str, str], capacity: float) -> str:
    """Why part of an announcement at a site the model has could not be placed there."""
    site = sites.loc[key]
    scale = float(site["max_scale"]) * bool(site["eligible"])
    scale += float(site["expansion_limit"]) * bool(site["expansion_eligible"])
    limits = {"its maximum scale and room allow": min(scale, float(site["room"]))}
    if float(site["jobs_per_unit"]) > 0:
        limits["its labor cap allows"] = float(site["labor_limit_jobs"]) / float(
            site["jobs_per_unit"]
        )
    words, most = min(limits.items(), key=lambda item: item[1])
    if capacity > most + EPS:
        return f"{words} at most {most:,.4g}"
    if bool(site["eligible"]) and float(site["min_scale"]) > capacity:
        return (
            f"a minimum-scale plant ({float(site['min_scale']):,.4g}) exceeds the "
            f"{capacity:,.4g} announced and the target has no room for the rest"
        )
    return "the announced capacities of the type exceed its target with minimum scales"


def _type_costs(result: Result) -> pd.Series:
    costs = result.sites.groupby("cluster_type")["total_cost_usd_per_yr"].sum()
    for k in result.scenario.targets:
        try:
            shortfall = result.kpi("shortfall", k) * float(result.inputs.penalty_usd_per_unit[k])
        except KeyError:
            shortfall = 0.0
        costs[k] = float(costs.get(k, 0.0)) + shortfall
    return costs


def gap_table(optimum: Result, reality: Result, penalty: float) -> pd.DataFrame:
    """Per type and ``all``: optimum and reality cost, gap and the slacks that hold it."""
    base, real = _type_costs(optimum), _type_costs(reality)
    rows = {}
    for k in optimum.scenario.targets:
        rows[k] = (float(base.get(k, 0.0)), float(real.get(k, 0.0)))
    rows["all"] = (float(optimum.report.objective), float(reality.report.objective) - penalty)
    out = {}
    for scope, (c_opt, c_real) in rows.items():
        gap = c_real - c_opt
        pct = 100.0 * gap / c_opt if abs(c_opt) > EPS else np.nan
        out[scope] = {
            "optimum_usd_per_yr": c_opt,
            "reality_usd_per_yr": c_real,
            "gap_usd_per_yr": gap,
            "gap_pct": pct,
            **{f"within_{round(s * 100)}pct": bool(pct <= s * 100 + EPS) for s in SLACKS},
        }
    table = pd.DataFrame.from_dict(out, orient="index")[REALITY_COLUMNS]
    table.index.name = "cluster_type"
    return table


__all__ = ["REALITY_COLUMNS", "RealityGap", "SLACKS", "reality_gap"]
