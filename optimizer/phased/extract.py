"""Read a phased solution: build schedule, capacity by year, outcomes and cost views by period.

Cost views per period [USD/yr, undiscounted], as in the snapshot:
system = fixed + resource terms (capex, energy, labor, other opex and materials, permitting
delay with one period; a stage's online year pro-rated) + minerals before tariff + unsupplied
minerals + imports before tariff + outbound product freight (and from the gateways to the nodes
for imports) + penalties; public outlay = − (45X + state incentive + co-investment); tariff = mineral and
product tariffs paid; investor = system − public outlay + tariff. Present values multiply each
period by its factor (weight × discount factor); the objective view's present value is the
objective.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from ..model.technology import CAPACITY_UNITS, CLUSTER_TYPES
from ..model.terms import SYSTEM_TERMS, TRANSFER_TERMS
from .inputs import PhasedInputs
from .periods import online_fraction, online_year
from .solve import GroupSolution

TOLERANCE = 1e-6
SCHEDULE_COLUMNS = [
    "region_id",
    "cluster_type",
    "mode",
    "decision_year",
    "online_year",
    "first_year_share",
    "permitting_months",
    "construction_months",
    "capacity",
    "capacity_after",
    "unit",
    "in_designated_zone",
]
"""One row per build stage: ``mode`` greenfield or expansion; the stage's decision year, the
year it comes online and the share of that year it produces (``first_year_share``, fraction);
``capacity`` [type unit/yr] added by this stage, ``capacity_after`` the site's total (of this
mode) once it is built."""
CAPACITY_COLUMNS = ["region_id", "cluster_type", "mode", "year", "decided", "online", "producing"]
"""Per site, mode and period year [type unit/yr]: capacity ``decided`` by the year's decisions,
``online`` at the end of the year, and ``producing``: the year's output capacity (a stage that
comes online during the year counts with the share of the year left)."""
DELIVERY_COLUMNS = ["year", "cluster_type", "origin", "node_id", "amount", "distance_km",
                    "freight_usd"]  # fmt: skip
"""Deliveries to market nodes per period year: ``origin`` a region id or ``import`` (through
the node's gateway); ``amount`` [type unit/yr], ``freight_usd`` [USD/yr, undiscounted]."""
PERIOD_COLUMNS = [
    "year",
    "cluster_type",
    "demand",
    "existing_online",
    "new_online",
    "imports",
    "goal_shortfall",
    "domestic_share",
    "jobs",
    "unit",
]
"""Per period year and type [type unit/yr]: demand, existing and new capacity producing (a
plant's online year pro-rated), imports, goal shortfall; domestic share; jobs of the new
capacity producing (pro-rated likewise)."""
COST_COLUMNS = [
    "year",
    "weight",
    "discount_factor",
    "system_cost_usd",
    "investor_cost_usd",
    "public_outlay_usd",
    "tariff_paid_usd",
    "import_cost_usd",
    "product_freight_usd",
    "penalties_usd",
    "system_cost_pv_usd",
    "investor_cost_pv_usd",
    "public_outlay_pv_usd",
]
"""Per period: annual cost views [USD/yr] and their present values [USD, base-year dollars]."""


def _val(x: np.ndarray, col: int) -> float:
    v = float(x[col])
    return 0.0 if abs(v) < TOLERANCE else v


def _stages(opens: dict, caps: dict, x: np.ndarray) -> dict[tuple[str, str], list]:
    """Per site: ``[(d, cumulative capacity decided by d)]`` in period order (0 where closed)."""
    by_site: dict[tuple[str, str], list[tuple[int, float]]] = defaultdict(list)
    for (region_id, k, d), col in caps.items():
        amount = _val(x, col) if _val(x, opens[(region_id, k, d)]) > 0.5 else 0.0
        by_site[(region_id, k)].append((d, amount))
    for cols in by_site.values():
        cols.sort()
    return by_site


def schedule_tables(
    inputs: PhasedInputs, solutions: list[GroupSolution], zone_flags: pd.Series
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(schedule: one row per build stage, capacity by site and year) from the solved groups."""
    rows, cap_rows = [], []
    tech_construction = inputs.lag_months - inputs.base.sites["permitting_months"]
    for sol in solutions:
        model, x = sol.model, sol.x
        for mode, opens, caps in (
            ("greenfield", model.open, model.capacity),
            ("expansion", model.expand_open, model.expansion),
        ):
            for key, decided in _stages(opens, caps, x).items():
                if max(v for _d, v in decided) <= TOLERANCE:
                    continue
                lag = float(inputs.lag_months[key])
                before, online_by = 0.0, []
                for d, total in decided:
                    added = total - before
                    if added <= TOLERANCE:
                        continue
                    before = total
                    first = online_year(inputs.decision_month[d], lag)
                    online_by.append((first, added))
                    share = _first_year_share(inputs, d, lag, first)
                    rows.append(
                        {
                            "region_id": key[0],
                            "cluster_type": key[1],
                            "mode": mode,
                            "decision_year": inputs.decision_month[d] // 12,
                            "online_year": first,
                            "first_year_share": share,
                            "permitting_months": float(
                                inputs.base.sites.at[key, "permitting_months"]
                            ),
                            "construction_months": float(tech_construction[key]),
                            "capacity": added,
                            "capacity_after": total,
                            "unit": CAPACITY_UNITS[key[1]],
                            "in_designated_zone": bool(zone_flags.get(key, False)),
                        }
                    )
                weights = inputs.production_weights(lag)
                amounts = dict(decided)
                for t, year in enumerate(inputs.years):
                    cap_rows.append(
                        {
                            "region_id": key[0],
                            "cluster_type": key[1],
                            "mode": mode,
                            "year": year,
                            "decided": max((v for d, v in decided if d <= t), default=0.0),
                            "online": sum(a for y, a in online_by if y <= year),
                            "producing": sum(w * amounts[d] for d, w in weights[t]),
                        }
                    )
    schedule = pd.DataFrame(rows, columns=SCHEDULE_COLUMNS).sort_values(
        ["cluster_type", "decision_year", "region_id", "mode"], ignore_index=True
    )
    capacity = pd.DataFrame(cap_rows, columns=CAPACITY_COLUMNS)
    return schedule, capacity


def _first_year_share(inputs: PhasedInputs, d: int, lag: float, year: int) -> float:
    """Share of its online year a stage decided in period d produces [fraction]."""
    if inputs.whole_years:
        return 1.0
    return online_fraction(inputs.decision_month[d], lag, year)


def delivery_table(inputs: PhasedInputs, solutions: list[GroupSolution]) -> pd.DataFrame:
    """Deliveries to market nodes by period year (empty without markets)."""
    lanes = inputs.base.product_lanes
    nodes = inputs.base.nodes
    rows = []
    for sol in solutions:
        model, x = sol.model, sol.x
        for (region_id, k, node_id, t), col in model.deliver.items():
            amount = _val(x, col)
            if amount:
                lane = lanes.loc[(region_id, k, node_id)]
                rows.append((inputs.years[t], k, region_id, node_id, amount,
                             float(lane["distance_km"]),
                             amount * float(lane["freight_usd_per_unit"])))  # fmt: skip
        for (node_id, t), col in model.imported.items():
            amount = _val(x, col)
            if amount:
                node = nodes.loc[node_id]
                rows.append((inputs.years[t], node["cluster_type"], "import", node_id, amount,
                             float(node["import_distance_km"]),
                             amount * float(node["import_freight_usd_per_unit"])))  # fmt: skip
    table = pd.DataFrame(rows, columns=DELIVERY_COLUMNS)
    return table.sort_values(["year", "cluster_type", "origin", "node_id"], ignore_index=True)


def period_tables(
    inputs: PhasedInputs, solutions: list[GroupSolution]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(outcomes by period and type, cost views by period)."""
    n = inputs.n_periods
    terms = inputs.terms
    system = np.zeros(n)
    outlay = np.zeros(n)
    tariff = np.zeros(n)
    imports_cost = np.zeros(n)
    penalties = np.zeros(n)
    freight = np.zeros(n)
    outbound = inputs.base.product_lanes["freight_usd_per_unit"].to_dict()
    inbound = inputs.base.nodes["import_freight_usd_per_unit"].to_dict()
    new_online = defaultdict(float)
    jobs = defaultdict(float)
    imported = defaultdict(float)
    missed = defaultdict(float)
    sites = inputs.base.sites
    lanes = inputs.base.lanes
    resource = (
        lanes["mineral_cost_usd_per_t"] - lanes["tariff_usd_per_t"] + lanes["freight_usd_per_t"]
    ).to_dict()
    lane_tariff = lanes["tariff_usd_per_t"].to_dict()
    unsupplied_cost = inputs.base.unsupplied_cost_usd_per_t
    gap_penalty = inputs.base.mineral_penalty_usd_per_t
    for sol in solutions:
        model, x = sol.model, sol.x
        for (region_id, k, t), pairs in model.online.items():
            for cap_col, open_col, weight in pairs:
                cap, is_open = weight * _val(x, cap_col), weight * _val(x, open_col)
                if not cap and not is_open:  # nothing built here: every term below is 0
                    continue
                exp = model.lp.col_keys[cap_col][0].startswith("exp_")
                prefix = "exp_cost_" if exp else "cost_"
                fixed = sites.at[
                    (region_id, k),
                    "expansion_fixed_cost_usd_per_yr" if exp else "fixed_cost_usd_per_yr",
                ]
                row = terms.loc[(region_id, k, t)]
                system[t] += is_open * float(fixed) + cap * sum(
                    float(row[prefix + term]) for term in SYSTEM_TERMS
                )
                outlay[t] -= cap * sum(float(row[prefix + term]) for term in TRANSFER_TERMS)
                new_online[(k, t)] += cap
                jobs[(k, t)] += cap * float(sites.at[(region_id, k), "jobs_per_unit"])
        for (region_id, k, node_id, t), col in model.deliver.items():
            freight[t] += _val(x, col) * float(outbound[(region_id, k, node_id)])
        for (node_id, t), col in model.imported.items():
            freight[t] += _val(x, col) * float(inbound[node_id])
        for (source_id, mineral, region_id, t), col in model.ship.items():
            tonnes = _val(x, col)
            if tonnes:
                lane = (source_id, mineral, region_id)
                system[t] += tonnes * float(resource[lane])
                tariff[t] += tonnes * float(lane_tariff[lane])
        for (_r, mineral, t), col in model.unsupplied.items():
            system[t] += _val(x, col) * float(unsupplied_cost[mineral])
        for (k, t), col in model.imports.items():
            amount = _val(x, col)
            imported[(k, t)] += amount
            before = float(inputs.import_cost[k]) - (
                float(inputs.import_tariff[k]) if inputs.objective == "investor" else 0.0
            )
            imports_cost[t] += amount * before
            tariff[t] += amount * float(inputs.import_tariff[k])
        for (k, t), col in model.shortfall.items():
            amount = _val(x, col)
            missed[(k, t)] += amount
            penalties[t] += amount * float(inputs.goal_penalty[k])
        for (mineral, t), col in model.share_gap.items():
            penalties[t] += _val(x, col) * float(gap_penalty[mineral])
    system += imports_cost + freight + penalties
    investor = system - outlay + tariff
    factors = np.asarray(inputs.factors)
    weights = np.asarray(inputs.spec.weights)
    costs = pd.DataFrame(
        {
            "year": inputs.years,
            "weight": weights,
            "discount_factor": factors / weights,
            "system_cost_usd": system,
            "investor_cost_usd": investor,
            "public_outlay_usd": outlay,
            "tariff_paid_usd": tariff,
            "import_cost_usd": imports_cost,
            "product_freight_usd": freight,
            "penalties_usd": penalties,
            "system_cost_pv_usd": system * factors,
            "investor_cost_pv_usd": investor * factors,
            "public_outlay_pv_usd": outlay * factors,
        },
        columns=COST_COLUMNS,
    )
    rows = []
    existing = inputs.existing_online.groupby(level="cluster_type").sum()
    for k in CLUSTER_TYPES:
        if k not in inputs.demand.index:
            continue
        for t, year in enumerate(inputs.years):
            demand = float(inputs.demand.at[k, t])
            rows.append(
                {
                    "year": year,
                    "cluster_type": k,
                    "demand": demand,
                    "existing_online": float(existing.at[k, t]) if k in existing.index else 0.0,
                    "new_online": new_online[(k, t)],
                    "imports": imported[(k, t)],
                    "goal_shortfall": missed[(k, t)],
                    "domestic_share": 1.0 - imported[(k, t)] / demand if demand > 0 else 1.0,
                    "jobs": jobs[(k, t)],
                    "unit": CAPACITY_UNITS[k],
                }
            )
    return pd.DataFrame(rows, columns=PERIOD_COLUMNS), costs
