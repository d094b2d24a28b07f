"""State totals of a county-resolution run: what its county sites add up to per state."""

from __future__ import annotations

import pandas as pd

from optimizer import CAPACITY_UNITS

STATE_TOTAL_COLUMNS = [
    "state",
    "cluster_type",
    "capacity_unit",
    "counties_built",
    "new_capacity",
    "greenfield_capacity",
    "expansion_capacity",
    "existing_capacity",
    "jobs",
    "counties",
]
"""Header of ``by_state.csv`` (capacities in the row's ``capacity_unit``, jobs in jobs)."""


def state_totals(sites: pd.DataFrame, regions: pd.DataFrame) -> pd.DataFrame:
    """Per (state, type): the counties with new capacity (count and FIPS list, ';'-separated,
    largest first) and the sum of their capacities [type unit/yr] and jobs. ``sites``: the
    run's sites table (region_id = county FIPS); ``regions``: the county regions table (with
    its ``state`` column). Rows with no new or existing capacity are left out."""
    frame = sites.assign(state=sites["region_id"].map(regions["state"]))
    frame = frame[(frame["new_capacity"] > 0) | (frame["existing_capacity"] > 0)]
    rows = []
    for (state, k), group in frame.groupby(["state", "cluster_type"], sort=True):
        built = group[group["new_capacity"] > 0].sort_values("new_capacity", ascending=False)
        rows.append({
            "state": state,
            "cluster_type": k,
            "capacity_unit": CAPACITY_UNITS[k],
            "counties_built": len(built),
            "new_capacity": float(group["new_capacity"].sum()),
            "greenfield_capacity": float(group["greenfield_capacity"].sum()),
            "expansion_capacity": float(group["expansion_capacity"].sum()),
            "existing_capacity": float(group["existing_capacity"].sum()),
            "jobs": float(group["jobs"].sum()),
            "counties": ";".join(built["region_id"].astype(str)),
        })  # fmt: skip
    return pd.DataFrame(rows, columns=STATE_TOTAL_COLUMNS)
