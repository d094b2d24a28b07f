"""County resolution: the county view of a dataset and a scenario.

At ``resolution = "county"`` the model's regions are counties (by 5-digit FIPS), so the MILP,
the coefficient tables and the result tables are the state model's, keyed by county. What
changes is what a region *is*:

- **candidates**: counties whose commuting area can staff a minimum-scale plant
  (``regions.counties.screen``, 75 km radius), narrowed per (state, type) to a kernel of the
  ``KERNEL_PER_STATE`` cheapest-power and ``KERNEL_PER_STATE`` deepest-labour counties (see
  :data:`KERNEL_PER_STATE`), plus every county holding a counted plant;
- **inputs**: the county's utility power price (EIA-861 2019, brought to the state's price
  level by :func:`power_level`) and 2020 centre of population; wage, permitting,
  grid CO2, incentives and zone membership are its state's;
- **labour**: every new hire comes from a county within commuting distance, and each county's
  workers are shared by all the plants that can reach them (:func:`commuting_table`, the rows
  ``optimizer.model.milp.add_commuting_labor`` adds);
- **customers**: vehicle-assembly plants and magnet customers as points
  (``regions.customers``); utility-PV additions grouped by state at their MWac-weighted centre;
- **existing plants**: each in the county of its own point (the county whose centre of
  population is nearest within its state).

State-keyed scenario settings (excluded regions, multipliers, incentives) apply to every county
of the state; a county FIPS may also be named directly.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date

import numpy as np
import pandas as pd

from regions import RegionData
from regions.counties import COMMUTE_RADIUS_KM, EARTH_RADIUS_KM, load_counties, plant_jobs, screen
from regions.customers import customers_at, load_customers
from regions.errors import DataValidationError
from regions.zones import Zone

from .scenario import Scenario
from .technology import CLUSTER_TYPES, TechnologyData

KERNEL_PER_STATE = 3
"""ASSUMPTION (a restricted candidate set, not a proof): per state and type the county model
keeps the 3 screened counties with the cheapest industrial power and the 3 with the largest
commuting pool. Within a state every other cost term is the state's (wage, permitting,
incentives), so those two figures and the distance to customers and minerals are all that
tell its counties apart; the kernel keeps both ends. A county outside it can still be better
by its location alone; the full candidate set (every screened county) is the subject of the
large-instance solver (``optimizer.facility_location``), not yet wired to this model."""

STATE_KEYED = ("power_price_by_region", "wage_by_region", "state_incentives")


def _unit_vectors(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    lon, lat = np.radians(lon), np.radians(lat)
    return np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=1)


def kernel(screened: pd.DataFrame, counties: pd.DataFrame, per_state: int) -> pd.DataFrame:
    """Per (state, type) the ``per_state`` passing counties with the lowest power price and the
    ``per_state`` with the largest commuting pool (ties: FIPS order). Returns rows of
    ``screened`` that pass and are kept, with ``state`` and ``power_price_usd_per_mwh``."""
    passing = screened[screened["passes"]].copy()
    passing["state"] = passing["fips"].map(counties["state"])
    passing["power"] = passing["fips"].map(counties["power_price_usd_per_mwh"])
    kept = []
    for _key, group in passing.groupby(["state", "cluster_type"], sort=True):
        group = group.sort_values("fips")
        cheap = group.sort_values("power", kind="stable").head(per_state)
        deep = group.sort_values("pool_jobs", ascending=False, kind="stable").head(per_state)
        kept.append(group[group["fips"].isin(set(cheap["fips"]) | set(deep["fips"]))])
    if not kept:
        return passing.iloc[:0]
    return pd.concat(kept, ignore_index=True)


def pairs_of(frame: pd.DataFrame) -> list[tuple[str, str]]:
    """(fips, cluster_type) of each row."""
    return list(zip(frame["fips"], frame["cluster_type"], strict=True))


def home_county(lon: float, lat: float, state: str, counties: pd.DataFrame) -> str:
    """FIPS of the county of ``state`` whose 2020 centre of population is nearest the point."""
    members = counties[counties["state"] == state]
    if not len(members):
        raise KeyError(f"no county of state {state!r}")
    unit = _unit_vectors(members["rep_lon"].to_numpy(), members["rep_lat"].to_numpy())
    here = _unit_vectors(np.array([lon]), np.array([lat]))[0]
    return str(members.index[int(np.argmax(unit @ here))])


def commuting_table(
    sites: pd.Index,
    counties: pd.DataFrame,
    labor_share_cap: float,
    radius_km: float = COMMUTE_RADIUS_KM,
) -> pd.DataFrame:
    """Who may hire whom: one row per (site county, worker county) within ``radius_km`` [km]
    of each other (centres of population, great circle), with the worker county's pool
    ``pool_jobs`` = ``labor_share_cap`` × its manufacturing employment [jobs] (unpublished: 0).
    Index (region_id, worker_fips)."""
    workers = counties[counties["mfg_employment_jobs"].fillna(0.0) > 0]
    unit_w = _unit_vectors(workers["rep_lon"].to_numpy(), workers["rep_lat"].to_numpy())
    site_rows = counties.loc[list(sites)]
    unit_s = _unit_vectors(site_rows["rep_lon"].to_numpy(), site_rows["rep_lat"].to_numpy())
    within = np.cos(radius_km / EARTH_RADIUS_KM)
    near = (unit_s @ unit_w.T) >= within - 1e-12
    s_idx, w_idx = np.nonzero(near)
    pools = labor_share_cap * workers["mfg_employment_jobs"].to_numpy(float)
    return pd.DataFrame(
        {"pool_jobs": pools[w_idx]},
        index=pd.MultiIndex.from_arrays(
            [site_rows.index.to_numpy()[s_idx], workers.index.to_numpy()[w_idx]],
            names=["region_id", "worker_fips"],
        ),
    )


def _county_demand(as_of: date, customers: pd.DataFrame, states: pd.DataFrame) -> pd.DataFrame:
    """Demand rows in ``RegionData.demand``'s columns from the customer points on ``as_of``:
    battery and magnet points by their county; PV additions by state at the MWac-weighted
    centre of the state's additions."""
    view = customers_at(customers, as_of)
    rows = []
    for point in view.to_dict("records"):
        k = point["cluster_type"]
        solar = k == "solar"
        rows.append({
            "node_id": f"{point['state']}-pv" if solar else point["customer_id"],
            "cluster_type": k,
            "region_id": point["state"] if solar else point["county_fips"],
            "name": point["name"],
            "weight": float(point["weight"]),
            "weight_unit": point["weight_unit"],
            "as_of": point["as_of"],
            "kind": point["basis"],
            "citation": point["citation"],
            "url": "",
            "vintage": "",
            "note": "",
            "published": point["published"],
            "lon": float(point["lon"]),
            "lat": float(point["lat"]),
        })  # fmt: skip
    frame = pd.DataFrame(rows)
    if not len(frame):
        return frame
    solar = frame["cluster_type"] == "solar"
    if solar.any():  # one node per state: weighted centre, summed weight, newest date
        grouped = []
        for state, group in frame[solar].groupby("region_id", sort=True):
            w = group["weight"].to_numpy(float)
            lon = (
                float(np.average(group["lon"], weights=w))
                if w.sum() > 0
                else float(states.at[state, "rep_lon"])
            )
            lat = (
                float(np.average(group["lat"], weights=w))
                if w.sum() > 0
                else float(states.at[state, "rep_lat"])
            )
            first = group.iloc[0].to_dict()
            first.update(
                name=f"{state} utility PV additions ({len(group)} counties)",
                weight=float(w.sum()),
                as_of=group["as_of"].max(),
                published=group["published"].max(),
                lon=lon,
                lat=lat,
            )
            grouped.append(first)
        frame = pd.concat([frame[~solar], pd.DataFrame(grouped)], ignore_index=True)
    return frame


def power_level(counties: pd.DataFrame, state_price: pd.Series) -> pd.Series:
    """Per state, the factor that brings its counties' 2019 utility prices to the state's own
    price year: state price [USD/MWh] ÷ the population-weighted mean of its counties' 2019
    prices. DERIVED, with an ASSUMPTION: population stands in for industrial load (EIA-861
    gives sales by utility, not by county). Counties keep their differences within the state;
    states keep the figure the state model uses, so a 2019 price is never compared with a
    2023 one (the county prices are EIA-861 2019; the state prices EIA 2023). A state without
    county prices gets 1 (its counties take the state price)."""
    priced = counties.dropna(subset=["power_price_usd_per_mwh"])
    weight = priced["population_2020"].astype(float).clip(lower=1.0)
    mean = (priced["power_price_usd_per_mwh"] * weight).groupby(priced["state"]).sum() / (
        weight.groupby(priced["state"]).sum()
    )
    return (state_price / mean).reindex(state_price.index).fillna(1.0)


def _translate(scenario: Scenario, county_state: pd.Series) -> Scenario:
    """The scenario with state-keyed settings expanded to the counties of each state."""
    by_state: dict[str, list[str]] = {}
    for fips, state in county_state.items():
        by_state.setdefault(str(state), []).append(str(fips))

    def expand(mapping: Mapping[str, float]) -> dict[str, float]:
        out: dict[str, float] = {}
        for key, value in mapping.items():
            for fips in by_state.get(key, [key] if key in county_state.index else []):
                out[fips] = value
        return out

    excluded = []
    for key in scenario.excluded_regions:  # a county outside the candidates: nothing to exclude
        excluded += by_state.get(key, [key] if key in county_state.index else [])
    changes = {name: expand(getattr(scenario, name)) for name in STATE_KEYED}
    if scenario.market_scale or scenario.market_nodes:
        raise DataValidationError(
            scenario.name,
            "markets.scale and markets.add are keyed by state and not available at county "
            "resolution yet",
            field="resolution",
        )
    return dataclasses.replace(scenario, excluded_regions=tuple(excluded), **changes)


def county_view(
    data: RegionData,
    scenario: Scenario,
    tech: TechnologyData,
    *,
    counties: pd.DataFrame | None = None,
    customers: pd.DataFrame | None = None,
    per_state: int | None = KERNEL_PER_STATE,
    include: frozenset[tuple[str, str]] = frozenset(),
) -> tuple[RegionData, Scenario]:
    """The county dataset and scenario the state model solves at county resolution.

    ``counties`` (default: the embedded table, ``regions.counties.load_counties``) and
    ``customers`` (default: ``regions.customers.load_customers``) can be given for tests.
    ``metadata["commuting"]`` carries :func:`commuting_table` of the candidates;
    ``metadata["screen"]`` the screen of every county and type.
    """
    counties = counties if counties is not None else load_counties()
    customers = customers if customers is not None else load_customers()
    states = data.regions
    labor_cap = (
        scenario.labor_share_cap
        if scenario.labor_share_cap is not None
        else tech.param("labor_share_cap")
    )
    types = [k for k in CLUSTER_TYPES if k in scenario.targets]
    needed = plant_jobs(
        {k: tech.value(k, "min_scale") for k in types},
        {k: tech.value(k, "jobs_per_unit") for k in types},
    )
    screened = screen(counties, labor_cap, needed)
    kept = (
        kernel(screened, counties, per_state)
        if per_state is not None
        else screened[screened["passes"]]
    )
    if include:  # (fips, type) pairs added to the kernel (they must pass the screen)
        extra = screened[
            screened["passes"]
            & pd.Series([p in include for p in pairs_of(screened)], index=screened.index)
        ]
        kept = pd.concat([kept, extra]).drop_duplicates(["fips", "cluster_type"])
    facilities = data.facilities.copy()
    homes = [
        home_county(lon, lat, state, counties)
        for lon, lat, state in zip(
            facilities["lon"], facilities["lat"], facilities["region_id"], strict=True
        )
    ]
    facilities["state"] = facilities["region_id"]
    facilities["region_id"] = homes
    chosen = sorted(set(kept["fips"]) | set(homes))
    rows = counties.loc[chosen]
    table = states.loc[rows["state"]].copy()
    table.index = pd.Index(chosen, name=states.index.name)
    table["name"] = [f"{n}, {s}" for n, s in zip(rows["county_name"], rows["state"], strict=True)]
    table["state"] = rows["state"].to_numpy()
    level = power_level(counties, states["power_price_usd_per_mwh"])
    county_power = (rows["power_price_usd_per_mwh"] * rows["state"].map(level)).to_numpy(float)
    table["power_price_usd_per_mwh"] = np.where(
        np.isnan(county_power), table["power_price_usd_per_mwh"].to_numpy(float), county_power
    )
    table["rep_lon"] = rows["rep_lon"].to_numpy(float)
    table["rep_lat"] = rows["rep_lat"].to_numpy(float)
    pools = screened.drop_duplicates("fips").set_index("fips")["pool_jobs"]
    table["mfg_employment_jobs"] = pools.reindex(chosen).to_numpy(float) / max(labor_cap, 1e-12)
    passing = set(zip(kept["fips"], kept["cluster_type"], strict=True))
    for k in CLUSTER_TYPES:  # a county outside the kernel of a type hosts only its plants
        table[f"screen_{k}"] = [
            "" if (fips, k) in passing else "not a county-model candidate for this type"
            for fips in chosen
        ]
    permitting = data.permitting.reindex(table["state"]) if data.permitting is not None else None
    if permitting is not None:
        permitting.index = table.index
    state_of = table["state"].to_dict()
    zones = {
        zid: Zone(
            zid,
            zone.description,
            zone.method,
            tuple(f for f in chosen if state_of[f] in set(zone.members)),
            zone.geometry,
        )
        for zid, zone in data.zones.items()
    }
    as_of = scenario.markets_as_of or scenario.facilities_as_of
    demand = _county_demand(as_of, customers, states) if scenario.markets else data.demand.iloc[:0]
    metadata = {
        **data.metadata,
        "resolution": "county",
        "commuting": commuting_table(table.index, counties, labor_cap),
        "screen": screened,
    }
    view = dataclasses.replace(
        data,
        regions=table,
        geometry={f: data.geometry[state_of[f]] for f in chosen},
        facilities=facilities,
        facility_events=_rehome_events(
            data.facility_events, dict(zip(facilities.index, homes, strict=True))
        ),
        zones=zones,
        permitting=permitting,
        demand=demand,
        metadata=metadata,
    )
    return view, _translate(scenario, table["state"])


def _rehome_events(events: pd.DataFrame, homes: dict[str, str]) -> pd.DataFrame:
    """Facility events with ``region_id`` (where present) set to the facility's county."""
    if not len(events) or "region_id" not in events.columns:
        return events
    out = events.copy()
    out["region_id"] = out["facility_id"].map(homes).fillna(out["region_id"])
    return out
