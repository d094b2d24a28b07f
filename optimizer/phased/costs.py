"""Present values of a phased solution's cost terms, and the KPIs both run kinds share.

:func:`cost_terms` splits the objective into the payload terms of an analysis run
(``optimizer.runs.payload.COST_KEYS``), each a present value [USD, base-year dollars]: the fixed
cost and every per-unit term of the capacity producing (pro-rated in its online year), the
minerals (price before tariff, tariff, inbound freight), outbound product freight, product
imports at the landed price before tariff (their tariff in ``tariff``), the goal penalty
(``shortfall_penalty``), unsupplied minerals and the domestic-share gap. The terms of the
objective view (:func:`objective_keys`) sum to the objective.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from ..model.terms import COST_TERMS
from ..runs.payload import COST_KEYS
from ..runs.payload import objective_keys as snapshot_objective_keys
from .inputs import PhasedInputs
from .solve import GroupSolution


def objective_keys(objective: str) -> tuple[str, ...]:
    """The cost terms the objective view sums (as the snapshot's; product imports included)."""
    return snapshot_objective_keys(objective)


def sites_opened(schedule: pd.DataFrame, cluster_type: str) -> int:
    """Sites of ``cluster_type`` that get new capacity, greenfield or expansion, each (region,
    type) counted once however many stages it has: the snapshot's definition
    (``optimizer.model.kpis``: a site with new capacity, either option)."""
    rows = schedule[(schedule["cluster_type"] == cluster_type) & (schedule["capacity"] > 0)]
    return int(rows["region_id"].nunique())


def cost_terms(inputs: PhasedInputs, solutions: list[GroupSolution]) -> dict[str, float]:
    """Present value of every payload cost term [USD] (see the module docstring)."""
    pv: dict[str, float] = defaultdict(float)
    factors = inputs.factors
    terms = inputs.terms
    sites = inputs.base.sites
    lanes = inputs.base.lanes
    lane_values = lanes[["mineral_cost_usd_per_t", "tariff_usd_per_t", "freight_usd_per_t"]]
    lane_map = dict(zip(lanes.index, lane_values.to_numpy(float).tolist(), strict=True))
    outbound = inputs.base.product_lanes["freight_usd_per_unit"].to_dict()
    inbound = inputs.base.nodes["import_freight_usd_per_unit"].to_dict()
    unsupplied = inputs.base.unsupplied_cost_usd_per_t
    gap_penalty = inputs.base.mineral_penalty_usd_per_t
    investor = inputs.objective == "investor"
    for sol in solutions:
        model, x = sol.model, np.asarray(sol.x, dtype=float)
        for (region_id, k, t), pairs in model.online.items():
            row = terms.loc[(region_id, k, t)]
            for cap_col, open_col, weight in pairs:
                exp = model.lp.col_keys[cap_col][0].startswith("exp_")
                fixed = sites.at[
                    (region_id, k),
                    "expansion_fixed_cost_usd_per_yr" if exp else "fixed_cost_usd_per_yr",
                ]
                scale = factors[t] * weight
                pv["fixed"] += scale * float(x[open_col]) * float(fixed)
                prefix = "exp_cost_" if exp else "cost_"
                for term in COST_TERMS:
                    pv[term] += scale * float(x[cap_col]) * float(row[prefix + term])
        for (source_id, mineral, region_id, t), col in model.ship.items():
            price, tariff, freight = lane_map[(source_id, mineral, region_id)]
            tonnes = factors[t] * float(x[col])
            pv["minerals"] += tonnes * (price - tariff)
            pv["tariff"] += tonnes * tariff
            pv["freight"] += tonnes * freight
        for (region_id, k, node_id, t), col in model.deliver.items():
            pv["product_freight"] += (
                factors[t] * float(x[col]) * float(outbound[(region_id, k, node_id)])
            )
        for (node_id, t), col in model.imported.items():
            pv["product_freight"] += factors[t] * float(x[col]) * float(inbound[node_id])
        for (k, t), col in model.imports.items():
            tariff = float(inputs.import_tariff[k])
            before = float(inputs.import_cost[k]) - (tariff if investor else 0.0)
            pv["product_imports"] += factors[t] * float(x[col]) * before
            pv["tariff"] += factors[t] * float(x[col]) * tariff
        for (k, t), col in model.shortfall.items():
            pv["shortfall_penalty"] += factors[t] * float(x[col]) * float(inputs.goal_penalty[k])
        for (_r, mineral, t), col in model.unsupplied.items():
            pv["unsupplied_penalty"] += factors[t] * float(x[col]) * float(unsupplied[mineral])
        for (mineral, t), col in model.share_gap.items():
            pv["share_gap_penalty"] += factors[t] * float(x[col]) * float(gap_penalty[mineral])
    return {key: float(pv.get(key, 0.0)) for key in COST_KEYS}


__all__ = ["cost_terms", "objective_keys", "sites_opened"]
