"""Read sites, flows and unmet targets from a solved ClusterModel (only when a solution exists)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pulp

from .milp import ClusterModel
from .terms import COST_TERMS, SYSTEM_TERMS, TRANSFER_TERMS

VALUE_TOLERANCE = 1e-6
SITE_COLUMNS = [
    "region_id",
    "cluster_type",
    "mode",
    "mode_reason",
    "open",
    "new_capacity",
    "greenfield_capacity",
    "expansion_capacity",
    "existing_capacity",
    "total_capacity",
    "jobs",
    "in_designated_zone",
    "permitting_months",
    "cost_fixed_usd_per_yr",
    *[f"cost_{t}_usd_per_yr" for t in COST_TERMS],
    "cost_minerals_usd_per_yr",
    "cost_tariff_usd_per_yr",
    "cost_unsupplied_usd_per_yr",
    "cost_product_freight_usd_per_yr",
    "system_cost_usd_per_yr",
    "investor_cost_usd_per_yr",
    "public_outlay_usd_per_yr",
    "total_cost_usd_per_yr",
]
"""Sites table: ``cost_minerals`` is mineral price before tariff plus freight [USD/yr] for new and
existing capacity; ``cost_product_freight`` the outbound freight of the site's deliveries to market
nodes [USD/yr]; ``total_cost`` is the scenario's objective view (investor or system)."""


FLOW_COLUMNS = [
    "source_id",
    "mineral",
    "region_id",
    "source_name",
    "foreign",
    "tonnes_per_yr",
    "distance_km",
    "mineral_cost_usd_per_yr",
    "tariff_usd_per_yr",
    "freight_cost_usd_per_yr",
    "cost_usd_per_yr",
    "source_lon",
    "source_lat",
]
PRODUCT_FLOW_COLUMNS = [
    "cluster_type",
    "origin",
    "origin_kind",
    "node_id",
    "node_region_id",
    "units_per_yr",
    "unit",
    "distance_km",
    "freight_cost_usd_per_yr",
    "origin_lon",
    "origin_lat",
    "node_lon",
    "node_lat",
]
"""Product deliveries [type unit/yr] from a site (``origin_kind`` 'site', origin = region id) or
an import gateway ('import', origin = gateway id) to a market node, with outbound freight."""
KPI_COLUMNS = ["kpi", "scope", "value", "unit"]
SHADOW_PRICE_COLUMNS = ["constraint", "key", "value", "unit", "binding"]
UNMET_COLUMNS = ["item", "cluster_type", "region_id", "mineral", "amount", "unit", "binding"]


def clean_value(var: pulp.LpVariable) -> float:
    """A variable's solution value, with values within VALUE_TOLERANCE of zero read as 0."""
    value = var.value()
    return 0.0 if value is None or abs(value) < VALUE_TOLERANCE else float(value)


_value = clean_value


def _positive(variables: dict) -> tuple[list, list[float]]:
    """(keys, values) of the variables solved above zero, in the dict's order."""
    keys, values = [], []
    for key, var in variables.items():
        value = _value(var)
        if value > 0:
            keys.append(key)
            values.append(value)
    return keys, values


def flows_table(model: ClusterModel) -> pd.DataFrame:
    """Shipments with t/yr > 0: mineral (with tariff), tariff, freight and total cost [USD/yr]."""
    lanes = model.inputs.lanes
    supply = model.inputs.supply
    keys, amounts = _positive(model.ship)
    if not keys:
        return pd.DataFrame([], columns=FLOW_COLUMNS)
    # one indexed lookup for all shipped lanes and their sources, not one per row
    lane = lanes.loc[keys]
    source = supply.loc[[(s, m) for s, m, _r in keys]]
    tonnes = np.asarray(amounts, dtype=float)
    mineral_cost = tonnes * lane["mineral_cost_usd_per_t"].to_numpy(float)
    freight = tonnes * lane["freight_usd_per_t"].to_numpy(float)
    table = pd.DataFrame(
        {
            "source_id": [k[0] for k in keys],
            "mineral": [k[1] for k in keys],
            "region_id": [k[2] for k in keys],
            "source_name": list(source["name"]),
            "foreign": [bool(f) for f in lane["foreign"]],
            "tonnes_per_yr": tonnes,
            "distance_km": lane["distance_km"].to_numpy(float),
            "mineral_cost_usd_per_yr": mineral_cost,
            "tariff_usd_per_yr": tonnes * lane["tariff_usd_per_t"].to_numpy(float),
            "freight_cost_usd_per_yr": freight,
            "cost_usd_per_yr": mineral_cost + freight,
            "source_lon": source["lon"].to_numpy(float),
            "source_lat": source["lat"].to_numpy(float),
        },
        columns=FLOW_COLUMNS,
    )
    return table.sort_values(["mineral", "source_id", "region_id"], ignore_index=True)


def products_table(model: ClusterModel, units: dict[str, str]) -> pd.DataFrame:
    """Deliveries > 0 from sites and gateways to market nodes, with freight [USD/yr]."""
    inputs = model.inputs
    nodes, lanes = inputs.nodes, inputs.product_lanes
    rows = []
    keys, amounts = _positive(model.deliver)
    if keys:  # one indexed lookup for all delivered lanes and their nodes, not one per row
        lane = lanes.loc[keys]
        node = nodes.loc[[k[2] for k in keys]]
        for (region_id, k, node_id), amount, lrow, nrow in zip(
            keys,
            amounts,
            lane[["distance_km", "freight_usd_per_unit", "origin_lon", "origin_lat"]].to_numpy(
                float
            ),
            zip(node["region_id"], node["lon"], node["lat"], strict=True),
            strict=True,
        ):
            rows.append(
                {
                    "cluster_type": k,
                    "origin": region_id,
                    "origin_kind": "site",
                    "node_id": node_id,
                    "node_region_id": nrow[0],
                    "units_per_yr": amount,
                    "unit": units.get(k, ""),
                    "distance_km": float(lrow[0]),
                    "freight_cost_usd_per_yr": amount * float(lrow[1]),
                    "origin_lon": float(lrow[2]),
                    "origin_lat": float(lrow[3]),
                    "node_lon": float(nrow[1]),
                    "node_lat": float(nrow[2]),
                }
            )
    for node_id, var in model.imported.items():
        amount = _value(var)
        if amount <= 0:
            continue
        node = nodes.loc[node_id]
        rows.append(
            {
                "cluster_type": node["cluster_type"],
                "origin": node["gateway"],
                "origin_kind": "import",
                "node_id": node_id,
                "node_region_id": node["region_id"],
                "units_per_yr": amount,
                "unit": units.get(node["cluster_type"], ""),
                "distance_km": float(node["import_distance_km"]),
                "freight_cost_usd_per_yr": amount * float(node["import_freight_usd_per_unit"]),
                "origin_lon": float(node["gateway_lon"]),
                "origin_lat": float(node["gateway_lat"]),
                "node_lon": float(node["lon"]),
                "node_lat": float(node["lat"]),
            }
        )
    table = pd.DataFrame(rows, columns=PRODUCT_FLOW_COLUMNS)
    return table.sort_values(
        ["cluster_type", "origin_kind", "origin", "node_id"], ignore_index=True
    )


def new_capacity(model: ClusterModel, key: tuple[str, str]) -> tuple[float, float]:
    """(greenfield, expansion) capacity of site ``key`` in the solution [type unit/yr]."""
    green = _value(model.capacity[key]) if key in model.capacity else 0.0
    grown = _value(model.expansion[key]) if key in model.expansion else 0.0
    return green, grown


def mineral_costs_by_site(
    model: ClusterModel, flows: pd.DataFrame
) -> dict[tuple[str, str], dict[str, float]]:
    """Per (region, type): ``minerals`` (price before tariff + freight), ``tariff`` and
    ``unsupplied`` [USD/yr], each region's (region, mineral) cost split by tonnes needed."""
    inputs = model.inputs
    keys = ["region_id", "mineral"]
    resource = (
        (flows["cost_usd_per_yr"] - flows["tariff_usd_per_yr"])
        .groupby([flows[c] for c in keys])
        .sum()
    )
    tariff = flows.groupby(keys)["tariff_usd_per_yr"].sum()
    unit_unsupplied = inputs.unsupplied_cost_usd_per_t
    unsupplied = {
        key: _value(var) * float(unit_unsupplied[key[1]]) for key, var in model.unsupplied.items()
    }
    produced = {}
    need: dict[tuple[str, str], float] = {}
    for (region_id, k), row in inputs.sites.iterrows():
        amount = sum(new_capacity(model, (region_id, k))) + float(row["existing_capacity"])
        if amount <= 0:
            continue
        produced[region_id, k] = amount
        for m, t in inputs.demand_t_per_unit[k].items():
            need[region_id, m] = need.get((region_id, m), 0.0) + t * amount
    out = {}
    for (region_id, k), amount in produced.items():
        costs = {"minerals": 0.0, "tariff": 0.0, "unsupplied": 0.0}
        for m, t in inputs.demand_t_per_unit[k].items():
            total = need.get((region_id, m), 0.0)
            if t <= 0 or total <= 0:
                continue
            share = t * amount / total
            costs["minerals"] += share * float(resource.get((region_id, m), 0.0))
            costs["tariff"] += share * float(tariff.get((region_id, m), 0.0))
            costs["unsupplied"] += share * unsupplied.get((region_id, m), 0.0)
        out[region_id, k] = costs
    return out


def _mode(row: pd.Series, green: float, grown: float) -> tuple[str, str]:
    """Site mode and why: greenfield, expansion (of an operating cluster), both, or existing."""
    if green > 0 and grown > 0:
        return "greenfield+expansion", f"{row['host_reason']}; a new cluster beside them"
    if grown > 0:
        return "expansion", row["host_reason"]
    if green > 0:
        reason = (
            "expansion limit reached; a new cluster beside " + row["host_reason"].split(": ", 1)[-1]
            if row["host"]
            else "no operating plant of the counting product here"
        )
        return "greenfield", reason
    return "existing", "no new capacity"


def sites_table(
    model: ClusterModel, flows: pd.DataFrame, products: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Rows for (region, type) with new or existing capacity: mode, capacity, every cost term,
    and the three cost views [USD/yr]. Unit terms apply to new capacity only."""
    sites = model.inputs.sites
    minerals = mineral_costs_by_site(model, flows)
    outbound = (
        products[products["origin_kind"] == "site"]
        .groupby(["origin", "cluster_type"])["freight_cost_usd_per_yr"]
        .sum()
        .to_dict()
        if products is not None and len(products)
        else {}
    )
    rows = []
    for key, row in sites.iterrows():
        green, grown = new_capacity(model, key)
        new = green + grown
        existing = float(row["existing_capacity"])
        if new <= 0 and existing <= 0:
            continue
        green_open = green > 0 and key in model.open and _value(model.open[key]) > 0.5
        grown_open = grown > 0 and key in model.expand_open and _value(model.expand_open[key]) > 0.5
        mode, reason = _mode(row, green, grown)
        record = {
            "region_id": key[0],
            "cluster_type": key[1],
            "mode": mode,
            "mode_reason": reason,
            "open": green_open or grown_open,
            "new_capacity": new,
            "greenfield_capacity": green,
            "expansion_capacity": grown,
            "existing_capacity": existing,
            "total_capacity": new + existing,
            "jobs": new * float(row["jobs_per_unit"]),
            "in_designated_zone": bool(row["in_designated_zone"]),
            "permitting_months": float(row["permitting_months"]),
            "cost_fixed_usd_per_yr": (
                float(row["fixed_cost_usd_per_yr"]) * green_open
                + float(row["expansion_fixed_cost_usd_per_yr"]) * grown_open
            ),
        }
        for term in COST_TERMS:
            record[f"cost_{term}_usd_per_yr"] = green * float(row[f"cost_{term}"]) + grown * float(
                row[f"exp_cost_{term}"]
            )
        mineral = minerals.get(key, {"minerals": 0.0, "tariff": 0.0, "unsupplied": 0.0})
        record["cost_minerals_usd_per_yr"] = mineral["minerals"]
        record["cost_tariff_usd_per_yr"] = mineral["tariff"]
        record["cost_unsupplied_usd_per_yr"] = mineral["unsupplied"]
        record["cost_product_freight_usd_per_yr"] = float(outbound.get(key, 0.0))
        rows.append(record)
    table = pd.DataFrame(rows, columns=SITE_COLUMNS)
    fill_cost_views(table, model.inputs.objective)
    return table.sort_values(
        ["cluster_type", "new_capacity", "region_id"],
        ascending=[True, False, True],
        ignore_index=True,
    )


def fill_cost_views(table: pd.DataFrame, objective: str) -> None:
    """Fill system, investor, public-outlay and objective-view cost columns of a sites table.

    system = fixed + resource terms + minerals + unsupplied + product freight; public outlay =
    − transfer terms;
    investor = system − public outlay + tariff; total = the objective view.
    """
    col = lambda term: table[f"cost_{term}_usd_per_yr"]  # noqa: E731
    system = (
        col("fixed")
        + sum(col(t) for t in SYSTEM_TERMS)
        + col("minerals")
        + col("unsupplied")
        + col("product_freight")
    )
    outlay = -sum(col(t) for t in TRANSFER_TERMS)
    table["system_cost_usd_per_yr"] = system
    table["public_outlay_usd_per_yr"] = outlay
    table["investor_cost_usd_per_yr"] = system - outlay + col("tariff")
    view = "investor" if objective == "investor" else "system"
    table["total_cost_usd_per_yr"] = table[f"{view}_cost_usd_per_yr"]


def unmet_table(model: ClusterModel, units: dict[str, str]) -> pd.DataFrame:
    """Every penalised slack above zero: product shortfalls, unsupplied mineral needs and
    domestic-share gaps (``binding`` is filled by ``explain_unmet``)."""
    rows = []

    def add(item: str, k: str, region_id: str, mineral: str, amount: float, unit: str) -> None:
        rows.append(
            {
                "item": item,
                "cluster_type": k,
                "region_id": region_id,
                "mineral": mineral,
                "amount": amount,
                "unit": unit,
                "binding": "",
            }
        )

    for k, var in model.shortfall.items():
        if (amount := _value(var)) > 0:
            add(f"target {k}", k, "", "", amount, units.get(k, ""))
    for (region_id, mineral), var in model.unsupplied.items():
        if (amount := _value(var)) > 0:
            add(f"mineral supply {mineral} to {region_id}", "", region_id, mineral, amount, "t/yr")
    for mineral, var in model.share_gap.items():
        if (amount := _value(var)) > 0:
            add(f"domestic share of {mineral}", "", "", mineral, amount, "t/yr domestic")
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


def explain_unmet(unmet: pd.DataFrame, model: ClusterModel) -> pd.DataFrame:
    """Fill ``binding``: the rules that caused each unmet item, only those that concern it."""
    if unmet.empty:
        return unmet
    binding = binding_constraints(model)
    explanations = []
    for row in unmet.itertuples():
        if row.cluster_type:
            reasons = _explain_shortfall(row.cluster_type, binding, model)
        elif row.item.startswith("domestic share"):
            reasons = _explain_share_gap(row.mineral, binding, model)
        else:
            reasons = _explain_unsupplied(row.region_id, row.mineral, binding, model)
        explanations.append("; ".join(dict.fromkeys(reasons)))
    unmet = unmet.copy()
    unmet["binding"] = explanations
    return unmet


def _explain_shortfall(k: str, binding: list, model: ClusterModel) -> list[str]:
    reasons = []
    open_sites = {key for key, var in model.open.items() if _value(var) > 0.5}
    open_sites |= {key for key, var in model.expand_open.items() if _value(var) > 0.5}
    of_type = model.inputs.sites.xs(k, level="cluster_type")
    # a full labor pool explains a shortfall of k only where k could be built at all
    usable = set(of_type.index[of_type["eligible"] | of_type["expansion_eligible"]])
    for family, key in binding:
        if family == "max_clusters" and key == k:
            reasons.append(f"max_clusters[{k}]")
        elif family in ("max_scale", "expansion_limit", "room") and key[1] == k:
            if key in open_sites:
                reasons.append(f"{family}[{key[0]}]")
        elif family == "labor" and key in usable:
            reasons.append(f"labor[{key}]")
    excluded = of_type[~of_type["eligible"] & ~of_type["expansion_eligible"]]
    if len(excluded):
        reasons.append(
            f"{len(excluded)} regions excluded (e.g. {excluded.index[0]}: "
            f"{excluded['exclusion_reason'].iloc[0]})"
        )
    return reasons or ["the shortfall penalty is cheaper than any site"]


def _explain_unsupplied(region_id: str, mineral: str, binding: list, model: ClusterModel) -> list:
    lanes = model.inputs.lanes
    has_lane = any(m == mineral and r == region_id for _s, m, r in lanes.index)
    if not has_lane:
        supply = model.inputs.supply.xs(mineral, level="mineral")
        blocked = supply[~supply["available"]]
        why = sorted(set(blocked["unavailable_reason"]))
        return [f"no allowed source can ship {mineral} to {region_id}"] + [
            f"sources unavailable: {w}" for w in why
        ]
    reasons = [
        f"source_limit[{key[0]}]"
        for family, key in binding
        if family == "source_limit" and key[1] == mineral
    ]
    if any(family == "domestic_share" and key == mineral for family, key in binding):
        reasons.append(f"domestic_share[{mineral}]")
    return reasons or ["the penalty is cheaper than every allowed lane"]


def _explain_share_gap(mineral: str, binding: list, model: ClusterModel) -> list[str]:
    supply = model.inputs.supply.xs(mineral, level="mineral")
    domestic = supply[supply["domestic_feed"] & supply["available"]]
    capacity = float(domestic["capacity_t_per_yr"].sum())
    full = [
        f"source_limit[{key[0]}]"
        for family, key in binding
        if family == "source_limit" and key[1] == mineral
    ]
    return [
        f"domestic_share[{mineral}]: available sources of domestic feed offer {capacity:,.0f} t/yr",
        *full,
    ]
