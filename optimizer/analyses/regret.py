"""Siting regret: what it would cost to put a cluster in a region the optimum did not choose.

For each region r and cluster type k, the model is re-solved with ``open[r,k] = 1`` and
``capacity[r,k] ≥ min_scale[k]`` (the technology's minimum scale, also in regions whose existing
plants give the site a minimum of 0), everything else re-optimized. The regret is

    regret[r,k] = objective(forced) − objective(base)            [USD/yr]

On a phased scenario (a ``[periods]`` table) the forced site is open by the last period, the
model choosing when (``optimizer.phased.model.force_site``), and every money figure of the
table is a present value [USD] rather than USD/yr; ``product_imports`` is then one of the terms
(the snapshot prices what it does not make as its shortfall penalty).

with the objective-term differences that explain it (capex, energy, labor, …, minerals, freight,
penalties; they sum to the regret). If the forced minimum exceeds the type's remaining target
(target − existing), the target row may exceed the target by exactly that much (``overshoot``)
so the run stays feasible; the extra capacity is paid for in the regret.

Regions that cannot host the type (``eligible`` False in the model inputs, or a labor cap below
the jobs of a minimum-scale cluster) get NaN and the reason. Runs are solved with a relative MIP
gap of at most 1e-6 (see ``optimizer.runs.solution.ANALYSIS_MIP_GAP``); a regret in
[−1e-6·|base objective|, 0) is solver noise and is clipped to 0 (column ``clipped``); a larger
negative value is kept and explained in ``reason``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from regions import RegionData

from ..model.coefficients import model_inputs
from ..model.scenario import Scenario
from ..model.technology import CLUSTER_TYPES, TechnologyData
from ..runs.checkpoint import Checkpoint
from ..runs.parallel import Context, Executor, Outcome, failures_table, run_all
from ..runs.payload import COST_KEYS

CLIP_TOLERANCE = 1e-6
"""Relative tolerance (of |base objective|) within which a regret is clipped to 0: a negative one
always, a positive one where the unforced optimum already holds the forced site at its minimum
scale (its regret is 0 exactly; what is left is the two solves' rounding)."""
CAPACITY_TOLERANCE = 1e-6


@dataclass(frozen=True)
class RegretResult:
    """Regret table for one or more cluster types.

    Attributes:
        table: one row per (region_id, cluster_type): ``regret_usd_per_yr`` (NaN where the region
            cannot host the type), ``regret_pct`` (of the base objective), ``reason``,
            ``clipped``, ``in_base_optimum``, ``base_new_capacity``, ``forced_new_capacity``,
            ``min_capacity``, ``overshoot`` [type unit/yr], ``displaced`` (changes of the type's
            new capacity elsewhere), ``status``, and ``d_<term>_usd_per_yr`` for every objective
            term (COST_KEYS) plus ``d_total_annual_cost_usd_per_yr``.
        base: payload of the unforced optimum (``objective``, ``kpis``, ``costs``, ``capacity``).
        failures: runs that raised or found no solution (``run_key, parameters, status, error``).
        cluster_types: the types analysed.
    """

    table: pd.DataFrame
    base: dict
    failures: pd.DataFrame
    cluster_types: tuple[str, ...]

    @property
    def layer(self) -> pd.Series:
        """Regret [USD/yr] by region_id for the (first) cluster type, for map layers."""
        return self.to_layer()

    def to_layer(self, cluster_type: str | None = None) -> pd.Series:
        """Regret [USD/yr] by region_id for ``cluster_type`` (default: the first analysed)."""
        k = cluster_type or self.cluster_types[0]
        rows = self.table[self.table["cluster_type"] == k]
        series = rows.set_index("region_id")["regret_usd_per_yr"].astype(float)
        series.name = f"regret_{k}_usd_per_yr"
        return series


def _capacity(payload: dict) -> dict[tuple[str, str], float]:
    return {(r, k): v for r, k, v in payload.get("capacity", [])}


def _displaced(base: dict, forced: dict, k: str, region_id: str) -> str:
    regions = sorted({r for r, kk in base if kk == k} | {r for r, kk in forced if kk == k})
    parts = []
    for r in regions:
        if r == region_id:
            continue
        delta = forced.get((r, k), 0.0) - base.get((r, k), 0.0)
        if abs(delta) > CAPACITY_TOLERANCE:
            parts.append(f"{r} {delta:+.6g}")
    return "; ".join(parts)


def regret(
    scenario: str | Path | Scenario,
    cluster_type: str | Sequence[str],
    data: RegionData | None = None,
    tech: TechnologyData | None = None,
    *,
    regions: Sequence[str] | None = None,
    executor: Executor | None = None,
    checkpoint: str | Path | Checkpoint | None = None,
    progress: bool | None = None,
    mip_gap: float | None = None,
) -> RegretResult:
    """Extra annual system cost [USD/yr] of forcing a minimum-scale cluster into each region.

    Args:
        scenario: built-in name, TOML path or Scenario.
        cluster_type: 'battery', 'magnet', 'solar', or several of them.
        data, tech: region and technology data (default: embedded).
        regions: region ids to analyse (default: all).
        executor: where to solve (default: local processes, see ``optimizer.runs.parallel``).
        checkpoint: JSON-lines file; finished runs found there are not solved again.
        progress: progress line on stderr (default: when stderr is a terminal).
        mip_gap: relative MIP gap (default min(scenario gap, 1e-6)).

    >>> result = regret("baseline", "battery")                 # doctest: +SKIP
    >>> result.layer["MN"]                                      # doctest: +SKIP
    """
    types = (cluster_type,) if isinstance(cluster_type, str) else tuple(cluster_type)
    for k in types:
        if k not in CLUSTER_TYPES:
            raise ValueError(f"unknown cluster type {k!r} (expected one of {CLUSTER_TYPES})")
    context = Context.create(scenario, data, tech, mip_gap)
    scenario, data, tech = context.scenario, context.data, context.tech
    producible = None
    if scenario.periods is not None:  # phased: sites that can produce by the last period
        from ..phased.inputs import phased_inputs

        phased = phased_inputs(data, scenario, tech)
        inputs = phased.base
        producible = {
            key: bool(phased.decision_periods(lag)) for key, lag in phased.lag_months.items()
        }
    else:
        inputs = model_inputs(data, scenario, tech)
    region_ids = list(regions) if regions is not None else list(data.regions.index)
    unknown = sorted(set(region_ids) - set(data.regions.index))
    if unknown:
        raise KeyError(f"unknown region(s): {', '.join(unknown)}")

    base_run = context.run({}, {"run": "base"})
    cells: list[dict] = []
    runs = [base_run]
    for k in types:
        minimum = float(tech.value(k, "min_scale"))
        for region_id in region_ids:
            site = inputs.sites.loc[(region_id, k)]
            cell = {
                "region_id": region_id,
                "cluster_type": k,
                "eligible": bool(site["eligible"]),
                "min_capacity": minimum,
                "reason": str(site["exclusion_reason"]),
                "run": None,
            }
            jobs = float(site["jobs_per_unit"]) * minimum
            limit = float(inputs.labor_limit_jobs[region_id, k])
            if cell["eligible"] and producible is not None and not producible[(region_id, k)]:
                cell["reason"] = "cannot produce by the last period (permitting + construction)"
            elif cell["eligible"] and jobs > limit + 1e-9:
                cell["reason"] = (
                    f"labor cap: a minimum-scale cluster needs {jobs:,.0f} jobs, cap is {limit:,.0f}"
                )
            elif cell["eligible"]:
                cell["run"] = context.run(
                    {"force": [region_id, k, minimum]}, {"region_id": region_id, "cluster_type": k}
                )
                runs.append(cell["run"])
            cells.append(cell)

    outcomes = run_all(
        context,
        runs,
        executor=executor,
        checkpoint=checkpoint,
        progress=progress,
        label=f"regret {'/'.join(types)}",
    )
    base = outcomes[base_run.key]
    if not base.ok:
        raise RuntimeError(f"the unforced scenario has no solution: {base.error}")
    table = _table(cells, outcomes, base.payload, inputs)
    failures = failures_table(
        o
        for o in outcomes.values()
        if not o.ok and not (o.status == "infeasible" and "region_id" in o.label)
    )
    return RegretResult(table, base.payload, failures, types)


def _table(cells: list[dict], outcomes: dict[str, Outcome], base: dict, inputs) -> pd.DataFrame:
    base_objective = float(base["objective"])
    tolerance = CLIP_TOLERANCE * max(abs(base_objective), 1.0)
    base_capacity = _capacity(base)
    remaining = {
        k: max(float(inputs.targets.get(k, 0.0)) - float(inputs.existing.get(k, 0.0)), 0.0)
        for k in CLUSTER_TYPES
    }
    rows = []
    for cell in cells:
        region_id, k = cell["region_id"], cell["cluster_type"]
        row = {
            "region_id": region_id,
            "cluster_type": k,
            "eligible": cell["eligible"],
            "can_host": cell["run"] is not None,
            "regret_usd_per_yr": np.nan,
            "regret_pct": np.nan,
            "clipped": False,
            "reason": cell["reason"],
            "status": "not solved",
            "in_base_optimum": base_capacity.get((region_id, k), 0.0) > 0,
            "base_new_capacity": base_capacity.get((region_id, k), 0.0),
            "forced_new_capacity": np.nan,
            "min_capacity": cell["min_capacity"],
            "overshoot": np.nan,
            "displaced": "",
            "d_total_annual_cost_usd_per_yr": np.nan,
            **{f"d_{term}_usd_per_yr": np.nan for term in COST_KEYS},
            "run_key": cell["run"].key if cell["run"] is not None else "",
        }
        outcome = outcomes.get(row["run_key"]) if cell["run"] is not None else None
        if outcome is not None:
            row["status"] = outcome.status
            if outcome.status == "infeasible":
                row["reason"] = (
                    f"no feasible plan with a {cell['min_capacity']:g} minimum-scale {k} "
                    f"cluster here (solver: infeasible)"
                )
            elif not outcome.ok:
                row["reason"] = f"run failed: {outcome.error}"
            else:
                payload = outcome.payload
                forced_capacity = _capacity(payload)
                value = float(payload["objective"]) - base_objective
                holds = row["base_new_capacity"] >= cell["min_capacity"] - CAPACITY_TOLERANCE
                if -tolerance <= value < 0 or (holds and 0 < value <= tolerance):
                    value, row["clipped"] = 0.0, True
                elif value < -tolerance:
                    row["reason"] = (
                        "below the unforced optimum by more than the tolerance: the unforced "
                        "solve stopped within its MIP gap"
                    )
                    if remaining[k] < cell["min_capacity"]:
                        row["reason"] += ", or the overshoot allowed here avoided a shortfall"
                row["regret_usd_per_yr"] = value
                row["regret_pct"] = 100.0 * value / base_objective if base_objective else np.nan
                row["forced_new_capacity"] = forced_capacity.get((region_id, k), 0.0)
                total_new = sum(v for (_r, kk), v in forced_capacity.items() if kk == k)
                row["overshoot"] = max(total_new - remaining[k], 0.0)
                if row["overshoot"] <= CAPACITY_TOLERANCE:
                    row["overshoot"] = 0.0
                row["displaced"] = _displaced(base_capacity, forced_capacity, k, region_id)
                row["d_total_annual_cost_usd_per_yr"] = (
                    payload["kpis"]["total_annual_cost"] - base["kpis"]["total_annual_cost"]
                )
                for term in COST_KEYS:
                    row[f"d_{term}_usd_per_yr"] = payload["costs"][term] - base["costs"][term]
        rows.append(row)
    table = pd.DataFrame(rows)
    table["_missing"] = table["regret_usd_per_yr"].isna()
    table = table.sort_values(
        ["cluster_type", "_missing", "regret_usd_per_yr", "region_id"], ignore_index=True
    ).drop(columns="_missing")
    return table


__all__ = ["CLIP_TOLERANCE", "RegretResult", "regret"]
