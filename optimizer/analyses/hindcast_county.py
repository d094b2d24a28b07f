"""The hindcast at county resolution: how far, in kilometres, the model's sites lie from the
plants really announced, and the county inputs that were published after the as-of date.

Distances (per cluster type):

- every counting-product plant announced in (``as_of``, ``until``] (:func:`announced_plants`,
  at its own ``lat``/``lon`` in ``facilities.csv``) is set against the model's sites of the
  same type that place new capacity (a site is its county's 2020 centre of population,
  ``rep_lon``/``rep_lat`` of the county regions table); ``km`` is the great-circle distance
  (``regions.geodesy.haversine_km``) to the nearest one;
- ``share_within_100km`` = announced capacity at most ``WITHIN_KM`` from a model site ÷ all
  announced capacity of the type (capacity-weighted). The boundary is closed: a plant exactly
  100 km away counts as within (``km <= WITHIN_KM + KM_TOLERANCE``, a tolerance of 1 mm);
- a type where the model builds no new site has ``km`` NaN for each of its plants, a share of 0
  (none of its capacity is near a model site) and a median of NaN;
- ``median_km`` is the median over the type's plants (each plant one count, not weighted).

A plant with no recorded capacity counts 0 in the share but still has its distance.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from regions import RegionData
from regions.customers import customers_at, load_customers
from regions.dataset import COUNTING_PRODUCT
from regions.geodesy import haversine_km
from regions.known import LEAK_COLUMNS, _as_date, _leak, not_before
from regions.timeline import view_at

from ..model.scenario import Scenario
from ..model.technology import CAPACITY_UNITS

WITHIN_KM = 100.0
"""Radius [km] of "near a model site" (closed: a plant at exactly 100 km is within)."""
KM_TOLERANCE = 1e-6
"""[km] (1 mm): a distance computed as 100.00000000000001 km for a plant placed at 100 km is
still within; rounding in the trigonometry must not decide the boundary."""
EPS = 1e-9
PLANT_COLUMNS = ["facility_id", "region_id", "cluster_type", "company", "city", "lat", "lon"]
PLANT_COLUMNS += ["capacity", "status"]
DISTANCE_COLUMNS = [
    "facility_id",
    "cluster_type",
    "state",
    "company",
    "city",
    "capacity",
    "unit",
    "status",
    "lat",
    "lon",
    "nearest_fips",
    "nearest_name",
    "km",
    "within_100km",
]
DISTANCE_SCORE_COLUMNS = ["n_plants", "n_model_sites", "median_km", "share_within_100km"]
CENSUS_2020_FIRST_RESULTS = date(2021, 4, 26)
"""The 2020 Census published its first results, the state apportionment counts, on 26 April
2021; county figures (population, centres of population) came later still."""
COUNTY_FIGURES = (
    "rep_lon/rep_lat",
    "population_2020",
    "mfg_employment_published",
    "mfg_state_scale",
    "mfg_employment_jobs",
    "power_price_usd_per_mwh",
)
"""The columns of ``counties.csv`` the county model reads (sites, weights, labour, power)."""


def announced_plants(data: RegionData, as_of: date, until: date) -> pd.DataFrame:
    """Counting-product plants announced in (``as_of``, ``until``], one row each
    (``PLANT_COLUMNS``): ``region_id`` (state), ``lat``/``lon`` [deg], ``capacity`` on ``until``
    [type unit/yr] (nameplate where none is recorded; 0 where neither is known), ``status`` on
    ``until`` (cancelled and paused ones kept)."""
    if not len(data.facilities) or not len(data.facility_events):
        return pd.DataFrame(columns=PLANT_COLUMNS)
    seen = view_at(data.facilities, data.facility_events, until, keep_ended=True)
    seen = seen[seen["product"] == seen["cluster_type"].map(COUNTING_PRODUCT)]
    seen = seen[(seen["announced_date"] > as_of) & (seen["announced_date"] <= until)]
    out = seen.reindex(columns=PLANT_COLUMNS[1:]).copy()
    out["capacity"] = seen["capacity_std"].fillna(0.0)
    out.insert(0, "facility_id", seen.index.astype(str))
    return out[PLANT_COLUMNS]


def model_sites(sites: pd.DataFrame, points: pd.DataFrame) -> pd.DataFrame:
    """The model's sites with new capacity: ``region_id`` (county FIPS), ``cluster_type``,
    ``new_capacity``, ``name``, ``state``, ``lon``/``lat`` [deg] (the county's ``rep_lon``/``rep_lat`` in
    ``points``, the county regions table)."""
    built = sites[sites["new_capacity"] > EPS]
    built = built.groupby(["region_id", "cluster_type"], as_index=False)["new_capacity"].sum()
    built["name"] = built["region_id"].map(points["name"]) if "name" in points else ""
    built["state"] = built["region_id"].map(points["state"]) if "state" in points else ""
    built["lon"] = built["region_id"].map(points["rep_lon"]).astype(float)
    built["lat"] = built["region_id"].map(points["rep_lat"]).astype(float)
    return built


def nearest_sites(plants: pd.DataFrame, sites: pd.DataFrame) -> pd.DataFrame:
    """Per real plant (``PLANT_COLUMNS``) the nearest model site of its type (``sites`` as from
    :func:`model_sites`): ``DISTANCE_COLUMNS``, ``km`` [km] great circle, NaN (and no nearest
    county) where the model builds no site of the type; ``within_100km`` is ``km <= 100``."""
    rows = []
    for plant in plants.to_dict("records"):
        k = plant["cluster_type"]
        mine = sites[sites["cluster_type"] == k]
        km, fips, name = float("nan"), "", ""
        if len(mine):
            d = haversine_km(plant["lon"], plant["lat"], mine["lon"].to_numpy(), mine["lat"])
            i = int(np.argmin(d))
            km, fips, name = float(d[i]), str(mine["region_id"].iloc[i]), str(mine["name"].iloc[i])
        rows.append({
            "facility_id": plant["facility_id"], "cluster_type": k, "state": plant["region_id"],
            "company": plant["company"], "city": plant["city"],
            "capacity": float(plant["capacity"]), "unit": CAPACITY_UNITS.get(k, ""),
            "status": plant["status"], "lat": float(plant["lat"]), "lon": float(plant["lon"]),
            "nearest_fips": fips, "nearest_name": name, "km": km,
            "within_100km": bool(km <= WITHIN_KM + KM_TOLERANCE),
        })  # fmt: skip
    table = pd.DataFrame(rows, columns=DISTANCE_COLUMNS)
    return table.sort_values(["cluster_type", "km", "facility_id"], ignore_index=True)


def distance_scores(distances: pd.DataFrame, sites: pd.DataFrame, types: list[str]) -> pd.DataFrame:
    """Per type in ``types`` and ``all``: ``n_plants`` (real), ``n_model_sites`` (with new
    capacity), ``median_km`` [km] and ``share_within_100km`` (capacity-weighted; see module doc).
    ``all``: the median over every plant of every type, and the mean of the types' shares
    (capacities of different types are in different units). A type without real capacity has
    share NaN."""
    rows = {}
    for k in types:
        mine = distances[distances["cluster_type"] == k]
        total = float(mine["capacity"].sum())
        near = float(mine.loc[mine["within_100km"], "capacity"].sum())
        rows[k] = {
            "n_plants": len(mine),
            "n_model_sites": int((sites["cluster_type"] == k).sum()),
            "median_km": float(mine["km"].median()) if mine["km"].notna().any() else np.nan,
            "share_within_100km": near / total if total > EPS else np.nan,
        }
    table = pd.DataFrame.from_dict(rows, orient="index", columns=DISTANCE_SCORE_COLUMNS)
    if rows:
        km = distances["km"].dropna()
        table.loc["all"] = {
            "n_plants": len(distances),
            "n_model_sites": len(sites),
            "median_km": float(km.median()) if len(km) else np.nan,
            "share_within_100km": float(table["share_within_100km"].mean()),
        }
    table["n_plants"] = table["n_plants"].astype(int)
    table["n_model_sites"] = table["n_model_sites"].astype(int)
    table.index.name = "cluster_type"
    return table


def distance_lines(scores: pd.DataFrame) -> list[str]:
    """One sentence per type: median distance and share of real capacity within 100 km."""
    lines = []
    for k, row in scores.iterrows():
        if k == "all":
            continue
        plants, built = int(row["n_plants"]), int(row["n_model_sites"])
        if plants == 0:
            lines.append(f"{k}: no plant announced in the window; the model builds {built} sites.")
            continue
        if built == 0:
            lines.append(
                f"{k}: the model builds no new {k} site, so no distance (NaN); 0% of the "
                f"capacity of the {plants} real plants is within {WITHIN_KM:.0f} km of one."
            )
            continue
        share = row["share_within_100km"]
        share_text = "n/a" if np.isnan(share) else f"{share:.0%}"
        median = row["median_km"]
        median_text = "n/a" if np.isnan(median) else f"{median:,.0f} km"
        lines.append(
            f"{k}: the {plants} real plants lie a median {median_text} from the nearest "
            f"of the model's {built} new sites; {share_text} of their capacity "
            f"within {WITHIN_KM:.0f} km of one."
        )
    return lines


def county_leaks(data: RegionData, customers: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Leak rows (``LEAK_COLUMNS``) of the county inputs published after ``as_of``:
    the ``counties.csv`` figures the model reads (``COUNTY_FIGURES``; by the ``sources.csv``
    publication date, else the first day of the vintage's year, ``at_least``), the 2020 Census
    figures (first 2020 results published ``CENSUS_2020_FIRST_RESULTS``), the county power
    prices' state level (the ``regions.csv`` price they are brought to), and the customer
    points used (``customers``, as ``customers_at`` returns them) per type and basis."""
    rows = []
    sources = data.sources[data.sources["table"] == "counties.csv"]
    for row in sources.itertuples():
        if row.column not in COUNTY_FIGURES:
            continue
        exact = _as_date(getattr(row, "published", None))
        published = exact or not_before(row.vintage)
        at_least = exact is None
        if row.column in ("rep_lon/rep_lat", "population_2020") and exact is None:
            published, at_least = CENSUS_2020_FIRST_RESULTS, True
        if published is not None and published > as_of:
            rows.append(_leak("counties.csv", row.column, str(row.vintage), published, as_of,
                              "used: no earlier vintage in the data", at_least=at_least))  # fmt: skip
    state_price = data.sources[
        (data.sources["table"] == "regions.csv")
        & (data.sources["column"] == "power_price_usd_per_mwh")
        & (data.sources["region_id"] == "")
    ]
    for row in state_price.itertuples():
        exact = _as_date(getattr(row, "published", None))
        published = exact or not_before(row.vintage)
        if published is not None and published > as_of:
            rows.append(_leak("counties.csv", "power_price_usd_per_mwh (state level)",
                              f"EIA-861 2019 utility prices brought to {row.vintage}", published,
                              as_of, "used: county prices scaled to the state price",
                              at_least=exact is None))  # fmt: skip
            break
    if len(customers) and "published" in customers.columns:
        for (k, basis), group in customers.groupby(["cluster_type", "basis"], sort=True):
            dates = [d for d in group["published"].map(_as_date) if d is not None and d > as_of]
            if dates:
                rows.append(_leak("customers.csv", f"{k} {basis} points ({len(dates)})",
                                  f"weights as of {group['as_of'].max()}", max(dates), as_of,
                                  "used: points of the as-of date, figures published later"))  # fmt: skip
    return pd.DataFrame(rows, columns=LEAK_COLUMNS)


def county_explain(
    by_state: pd.DataFrame, distances: pd.DataFrame, sites: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Missed and invented states at county resolution, in the columns of the state hindcast's
    tables; the cost terms are per county there, so ``why`` gives distances instead: for a
    missed state the nearest model site of its plants [km], for an invented one its sites."""
    base = ["region_id", "cluster_type", "option", "unit_cost_usd_per_unit", "gap_usd_per_unit"]
    missed_rows, invented_rows = [], []
    for (region_id, k), row in by_state.iterrows():
        real, model = row["announced_capacity"], row["model_new_capacity"]
        common = {"region_id": region_id, "cluster_type": k, "option": "",
                  "unit_cost_usd_per_unit": np.nan, "gap_usd_per_unit": np.nan}  # fmt: skip
        if real > EPS and model <= EPS:
            mine = distances[(distances["state"] == region_id) & (distances["cluster_type"] == k)]
            near = mine.dropna(subset=["km"]).sort_values("km")
            why = (
                f"nearest model {k} site to its plants: {near['nearest_name'].iloc[0]} "
                f"({near['km'].iloc[0]:,.0f} km)"
                if len(near)
                else f"the model builds no new {k} site"
            )
            missed_rows.append({**common, "announced_capacity": real, "why": why})
        elif real <= EPS and model > EPS:
            names = sites[(sites["cluster_type"] == k) & (sites["state"] == region_id)]["name"]
            why = f"model sites {'; '.join(names)}; nothing announced in the state"
            invented_rows.append({**common, "model_new_capacity": model, "why": why})

    def frame(rows: list[dict], amount: str) -> pd.DataFrame:
        columns = [*base[:2], amount, *base[2:], "why"]
        table = pd.DataFrame(rows, columns=columns)
        return table.sort_values(
            ["cluster_type", amount], ascending=[True, False], ignore_index=True
        )

    return frame(missed_rows, "announced_capacity"), frame(invented_rows, "model_new_capacity")


COUNTY_MIP_GAP = 1e-3
"""Relative MIP gap of the county hindcast at least (the county built-ins' 0.1 %): at the state
default of 1e-6 the county solve can stop at its time limit, and the plan would then depend on
the machine's speed."""


def county_scenario(past: Scenario, as_of: date) -> tuple[Scenario, list[str]]:
    """The hindcast scenario at county resolution, its customer points as of ``as_of`` (a
    ``markets.as_of`` later than that is brought back to it) and its MIP gap at least
    ``COUNTY_MIP_GAP``; with the notes that say so."""
    doc = past.to_toml_dict()
    doc["resolution"] = "county"
    notes = []
    if past.markets_as_of is not None and past.markets_as_of > as_of:
        doc.setdefault("markets", {})["as_of"] = as_of.isoformat()
        notes.append(f"by county: customer points as of {as_of}, not {past.markets_as_of}.")
    if past.solver.mip_gap < COUNTY_MIP_GAP:
        doc.setdefault("solver", {})["mip_gap"] = COUNTY_MIP_GAP
        notes.append(
            f"by county: MIP gap {COUNTY_MIP_GAP:g} (the county built-ins'), not "
            f"{past.solver.mip_gap:g}, so that the county solve ends on its gap, not its time limit."
        )
    return Scenario.from_dict(doc, label=f"<{past.name} by county>"), notes


def county_customers(past: Scenario) -> pd.DataFrame:
    """The customer points the county view of ``past`` reads (``customers_at`` on its markets
    date)."""
    return customers_at(load_customers(), past.markets_as_of or past.facilities_as_of)
