"""Read a phased solution: build schedule, capacity by year, outcomes and cost views by period.

Cost views per period [USD/yr, undiscounted], as in the snapshot:
system = fixed + resource terms (capex, energy, labor, other opex and materials, permitting
delay with one period) + minerals before tariff + unsupplied minerals + imports before tariff +
penalties; public outlay = − (45X + state incentive + co-investment); tariff = mineral and
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
from .periods import online_year
from .solve import GroupSolution

TOLERANCE = 1e-6
SCHEDULE_COLUMNS = [
    "region_id",
    "cluster_type",
    "mode",
    "decision_year",
    "online_year",
    "permitting_months",
    "construction_months",
    "capacity",
    "unit",
    "in_designated_zone",
]
"""One row per site built: ``mode`` greenfield or expansion; ``capacity`` [type unit/yr] built
by the last period; decision and online year of its first capacity."""
CAPACITY_COLUMNS = ["region_id", "cluster_type", "mode", "year", "decided", "online"]
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
COST_COLUMNS = [
    "year",
    "weight",
    "discount_factor",
    "system_cost_usd",
    "investor_cost_usd",
    "public_outlay_usd",
    "tariff_paid_usd",
    "import_cost_usd",
    "penalties_usd",
    "system_cost_pv_usd",
    "investor_cost_pv_usd",
    "public_outlay_pv_usd",
]
"""Per period: annual cost views [USD/yr] and their present values [USD, base-year dollars]."""


def _val(x: np.ndarray, col: int) -> float:
    v = float(x[col])
    return 0.0 if abs(v) < TOLERANCE else v


def schedule_tables(
    inputs: PhasedInputs, solutions: list[GroupSolution], zone_flags: pd.Series
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(schedule, capacity by year) from the solved groups."""
    rows, cap_rows = [], []
    tech_construction = inputs.lag_months - inputs.base.sites["permitting_months"]
    for sol in solutions:
        model, x = sol.model, sol.x
        for mode, opens, caps in (
            ("greenfield", model.open, model.capacity),
            ("expansion", model.expand_open, model.expansion),
        ):
            by_site: dict[tuple[str, str], list[tuple[int, int, int]]] = defaultdict(list)
            for (region_id, k, d), col in caps.items():
                by_site[(region_id, k)].append((d, col, opens[(region_id, k, d)]))
            for key, cols in by_site.items():
                cols.sort()
                decided = [(_val(x, c) if _val(x, o) > 0.5 else 0.0) for _d, c, o in cols]
                if max(decided) <= TOLERANCE:
                    continue
                first = next(i for i, v in enumerate(decided) if v > TOLERANCE)
                d0 = cols[first][0]
                lag = float(inputs.lag_months[key])
                rows.append(
                    {
                        "region_id": key[0],
                        "cluster_type": key[1],
                        "mode": mode,
                        "decision_year": inputs.decision_month[d0] // 12,
                        "online_year": online_year(inputs.decision_month[d0], lag),
                        "permitting_months": float(inputs.base.sites.at[key, "permitting_months"]),
                        "construction_months": float(tech_construction[key]),
                        "capacity": decided[-1],
                        "unit": CAPACITY_UNITS[key[1]],
                        "in_designated_zone": bool(zone_flags.get(key, False)),
                    }
                )
                by_decision = {d: v for (d, _c, _o), v in zip(cols, decided, strict=True)}
                for t, year in enumerate(inputs.years):
                    od = inputs.online_decision(lag, t)
                    cap_rows.append(
                        {
                            "region_id": key[0],
                            "cluster_type": key[1],
                            "mode": mode,
                            "year": year,
                            "decided": max(
                                (v for d, v in by_decision.items() if d <= t), default=0.0
                            ),
                            "online": by_decision.get(od, 0.0) if od is not None else 0.0,
                        }
                    )
    schedule = pd.DataFrame(rows, columns=SCHEDULE_COLUMNS).sort_values(
        ["cluster_type", "decision_year", "region_id"], ignore_index=True
    )
    capacity = pd.DataFrame(cap_rows, columns=CAPACITY_COLUMNS)
    return schedule, capacity


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
            for cap_col, open_col in pairs:
                cap, is_open = _val(x, cap_col), _val(x, open_col)
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
    system += imports_cost + penalties
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
