"""Read sites, flows and unmet targets from a solved ClusterModel (only when a solution exists)."""

from __future__ import annotations

import pandas as pd
import pulp

from .coefficients import COST_TERMS
from .model import ClusterModel

VALUE_TOLERANCE = 1e-6
SITE_COLUMNS = [
    "region_id",
    "cluster_type",
    "open",
    "new_capacity",
    "existing_capacity",
    "total_capacity",
    "jobs",
    "in_designated_zone",
    "permitting_months",
    "cost_fixed_usd_per_yr",
    *[f"cost_{t}_usd_per_yr" for t in COST_TERMS],
    "cost_minerals_usd_per_yr",
    "total_cost_usd_per_yr",
]


FLOW_COLUMNS = [
    "source_id",
    "mineral",
    "region_id",
    "source_name",
    "foreign",
    "tonnes_per_yr",
    "distance_km",
    "mineral_cost_usd_per_yr",
    "freight_cost_usd_per_yr",
    "cost_usd_per_yr",
    "source_lon",
    "source_lat",
]
KPI_COLUMNS = ["kpi", "scope", "value", "unit"]
SHADOW_PRICE_COLUMNS = ["constraint", "key", "value", "unit", "binding"]
UNMET_COLUMNS = ["item", "cluster_type", "region_id", "mineral", "amount", "unit", "binding"]


def _value(var: pulp.LpVariable) -> float:
    value = var.value()
    return 0.0 if value is None or abs(value) < VALUE_TOLERANCE else float(value)


def flows_table(model: ClusterModel) -> pd.DataFrame:
    """Shipments with t/yr > 0: mineral, freight and total cost [USD/yr]."""
    lanes = model.inputs.lanes
    supply = model.inputs.supply
    rows = []
    for key, var in model.ship.items():
        tonnes = _value(var)
        if tonnes <= 0:
            continue
        lane = lanes.loc[key]
        source_id, mineral, region_id = key
        rows.append(
            {
                "source_id": source_id,
                "mineral": mineral,
                "region_id": region_id,
                "source_name": supply.at[(source_id, mineral), "name"],
                "foreign": bool(lane["foreign"]),
                "tonnes_per_yr": tonnes,
                "distance_km": float(lane["distance_km"]),
                "mineral_cost_usd_per_yr": tonnes * float(lane["mineral_cost_usd_per_t"]),
                "freight_cost_usd_per_yr": tonnes * float(lane["freight_usd_per_t"]),
                "cost_usd_per_yr": tonnes * float(lane["cost_usd_per_t"]),
                "source_lon": float(supply.at[(source_id, mineral), "lon"]),
                "source_lat": float(supply.at[(source_id, mineral), "lat"]),
            }
        )
    return pd.DataFrame(rows, columns=FLOW_COLUMNS).sort_values(
        ["mineral", "source_id", "region_id"], ignore_index=True
    )


def mineral_cost_by_site(model: ClusterModel, flows: pd.DataFrame) -> dict[tuple[str, str], float]:
    """Mineral cost [USD/yr] of each (region, type), splitting a region's inflow by tonnes needed."""
    inputs = model.inputs
    avg = (
        flows.groupby(["region_id", "mineral"])["cost_usd_per_yr"].sum()
        / flows.groupby(["region_id", "mineral"])["tonnes_per_yr"].sum()
    )
    out = {}
    for (region_id, k), row in inputs.sites.iterrows():
        new = _value(model.capacity[region_id, k]) if (region_id, k) in model.capacity else 0.0
        produced = new + row["existing_capacity"]
        if produced <= 0:
            continue
        out[region_id, k] = sum(
            t * produced * float(avg.get((region_id, m), 0.0))
            for m, t in inputs.demand_t_per_unit[k].items()
        )
    return out


def sites_table(model: ClusterModel, flows: pd.DataFrame) -> pd.DataFrame:
    """Rows for (region, type) with new or existing capacity; cost terms for the new capacity."""
    sites = model.inputs.sites
    minerals = mineral_cost_by_site(model, flows)
    rows = []
    for (region_id, k), row in sites.iterrows():
        new = _value(model.capacity[region_id, k]) if (region_id, k) in model.capacity else 0.0
        is_open = (
            new > 0 and (region_id, k) in model.open and _value(model.open[region_id, k]) > 0.5
        )
        if new <= 0 and row["existing_capacity"] <= 0:
            continue
        record = {
            "region_id": region_id,
            "cluster_type": k,
            "open": is_open,
            "new_capacity": new,
            "existing_capacity": float(row["existing_capacity"]),
            "total_capacity": new + float(row["existing_capacity"]),
            "jobs": new * float(row["jobs_per_unit"]),
            "in_designated_zone": bool(row["in_designated_zone"]),
            "permitting_months": float(row["permitting_months"]),
            "cost_fixed_usd_per_yr": float(row["fixed_cost_usd_per_yr"]) if is_open else 0.0,
        }
        for term in COST_TERMS:
            record[f"cost_{term}_usd_per_yr"] = new * float(row[f"cost_{term}"])
        record["cost_minerals_usd_per_yr"] = minerals.get((region_id, k), 0.0)
        record["total_cost_usd_per_yr"] = sum(v for c, v in record.items() if c.startswith("cost_"))
        rows.append(record)
    return pd.DataFrame(rows, columns=SITE_COLUMNS).sort_values(
        ["cluster_type", "new_capacity", "region_id"],
        ascending=[True, False, True],
        ignore_index=True,
    )


def unmet_table(model: ClusterModel, units: dict[str, str]) -> pd.DataFrame:
    """Every penalised slack above zero: product shortfalls and unsupplied mineral needs."""
    rows = []
    for k, var in model.shortfall.items():
        amount = _value(var)
        if amount > 0:
            rows.append(
                {
                    "item": f"target {k}",
                    "cluster_type": k,
                    "region_id": "",
                    "mineral": "",
                    "amount": amount,
                    "unit": units.get(k, ""),
                    "binding": "",
                }
            )
    for (region_id, mineral), var in model.unsupplied.items():
        amount = _value(var)
        if amount > 0:
            rows.append(
                {
                    "item": f"mineral supply {mineral} to {region_id}",
                    "cluster_type": "",
                    "region_id": region_id,
                    "mineral": mineral,
                    "amount": amount,
                    "unit": "t/yr",
                    "binding": "",
                }
            )
    return pd.DataFrame(rows, columns=UNMET_COLUMNS)


def binding_constraints(model: ClusterModel, tolerance: float = 1e-6) -> list[tuple[str, object]]:
    """(family, key) of every inequality constraint at its bound in the current solution."""
    out = []
    for family, rows in model.constraints.items():
        if family in ("target", "mineral_balance"):
            continue
        for key, row in rows.items():
            slack = row.slack if row.slack is not None else row.value() - (-row.constant)
            if slack is not None and abs(slack) <= tolerance * max(1.0, abs(row.constant)):
                out.append((family, key))
    return out
