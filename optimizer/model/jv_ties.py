"""Partner ties (county resolution, ``markets.jv_ties = true``): a cell plant built for an
automaker — a joint venture, its own plant, an on-site or contracted supplier
(``regions/data/jv_partners.csv``) — delivers its counted output to that automaker's assembly
plants, not wherever freight is cheapest.

One row per (county, partner): the counted capacity of the county's tied plants [GWh/yr] and
the market nodes holding the partner's assembly plants on the as-of date. Where several
counties' tied plants together exceed what the partner's nodes take (the node's share of the
national target), every requirement of that partner is scaled down by the same factor, so the
rule asks only what the partner's plants can take and never makes the model infeasible.
"""

from __future__ import annotations

import pandas as pd

from regions import RegionData
from regions.customers import customers_at, jv_partners, load_customers, partner_plants

from .scenario import Scenario

TIE_COLUMNS = ["region_id", "partner_oem", "facilities", "nodes", "capacity", "required"]
"""``facilities`` and ``nodes`` are ';'-separated ids; ``capacity`` and ``required`` [GWh/yr]."""


def tie_table(
    data: RegionData,
    scenario: Scenario,
    nodes: pd.DataFrame,
    *,
    partners: pd.DataFrame | None = None,
    customers: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The partner-tie requirements of a county dataset (see module doc); empty when the
    scenario does not ask for them. ``nodes``: the model's market nodes (index node_id,
    ``cluster_type``, ``region_id``, ``share``); ``partners``/``customers`` default to the
    embedded tables."""
    if not scenario.jv_ties or not len(nodes):
        return pd.DataFrame(columns=TIE_COLUMNS)
    as_of = scenario.markets_as_of or scenario.facilities_as_of
    partners = partners if partners is not None else jv_partners()
    customers = customers if customers is not None else load_customers()
    view = customers_at(customers, as_of)
    plants = partner_plants(partners, view, as_of)
    fips = view.set_index("customer_id")["county_fips"].to_dict()
    battery = nodes[nodes["cluster_type"] == "battery"]
    node_of = {str(r): n for n, r in zip(battery.index, battery["region_id"], strict=True)}
    demand = (battery["share"] * float(scenario.targets["battery"].value)).to_dict()
    facilities = data.facilities_as_of(scenario.facilities_as_of)
    counted = facilities[
        facilities["status"].isin(scenario.existing_statuses)
        & (facilities["cluster_type"] == "battery")
        & (facilities["product"] == "cell")
    ]
    rows = []
    for (region_id, oem), group in (
        plants[plants["facility_id"].isin(counted.index)]
        .assign(region_id=lambda f: f["facility_id"].map(counted["region_id"]))
        .groupby(["region_id", "partner_oem"], sort=True)
    ):
        ids = sorted(set(group["facility_id"]))
        targets = sorted(
            {node_of[f] for c in group["customer_id"] if (f := fips.get(c)) in node_of}
        )
        if not targets:
            continue
        capacity = float(counted.loc[ids, "capacity_std"].fillna(0.0).sum())
        rows.append([region_id, oem, ";".join(ids), ";".join(targets), capacity, capacity])
    table = pd.DataFrame(rows, columns=TIE_COLUMNS)
    for _oem, group in table.groupby("partner_oem"):
        reachable = sum(demand[n] for n in set(";".join(group["nodes"]).split(";")))
        asked = float(group["capacity"].sum())
        if asked > reachable > 0:
            table.loc[group.index, "required"] = group["capacity"] * reachable / asked
    return table
