"""County candidates: the embedded county table, labour sheds and the minimum-scale labor screen.

A county's new plants hire from its labour shed, the commuting area it shares with its
neighbours: its core-based statistical area (CBSA), else the county alone. The screen asks, per
county and cluster type, whether the shed's pool (``labor_share_cap`` × the shed's manufacturing
employment) can staff one minimum-scale plant (``min_scale`` × ``jobs_per_unit`` hires). The
figures come from the optimizer's parameter tables (``optimizer/data``); they are passed in, as
``regions`` does not import ``optimizer``.

>>> counties = load_counties()
>>> len(counties), counties.loc["26163", "state"]
(3142, 'MI')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import DataValidationError
from .tables import check_unique, read_table

COUNTIES_FILE = Path(__file__).with_name("data") / "counties.csv"
REGIONS_FILE = Path(__file__).with_name("data") / "regions.csv"
TABLE = "counties.csv"
FIPS = re.compile(r"\d{5}")
PUBLISHED = "published"
EARTH_RADIUS_KM = 6371.0088
COMMUTE_RADIUS_KM = 75.0
"""ASSUMPTION: a county's new plants hire within 75 km (about 47 miles) of its 2020 centre of
population. Evidence: the Memphis Regional Megasite in Haywood County TN (BlueOval City, about
5,800 jobs) is staffed from Jackson and Memphis, "both about 45 miles" (72 km) away (Tennessee
Lookout, 2022-02-22, https://tennesseelookout.com/2022/02/22/scramble-to-house-ford-megasite-workers-begins/),
and its county of about 17,000 people "cannot begin to support the massive project by itself"
(Automotive News, https://www.autonews.com/manufacturing/fords-blue-oval-city-project-recruit-thousands-workers-rural-tenn).
The metropolitan-area rule (``labor_shed_id``, OMB's 25 % commuting tie) is narrower: it fails
the three rural battery megasites that were really chosen (Hardin KY, Haywood TN, Bryan GA), so
the screen uses the radius by default (FORMAT.md, Counties)."""


def _fail(label: str, row: dict, field: str, message: str) -> DataValidationError:
    return DataValidationError(
        label, message, line=int(row["_line"]), field=field, row_id=str(row["fips"])
    )


def _state_fips(regions_path: Path) -> dict[str, str]:
    """State postal code → 2-digit FIPS, from a regions.csv."""
    table = read_table(regions_path, "regions.csv")
    return dict(zip(table["region_id"], table["fips"], strict=True))


def _check_rows(table: pd.DataFrame, label: str, states: dict[str, str]) -> None:
    """Cross-field rules: FIPS form and state, status ↔ figures, shed id ↔ CBSA, price basis."""
    for row in table.to_dict("records"):
        fips = row["fips"]
        if not FIPS.fullmatch(fips):
            raise _fail(label, row, "fips", f"{fips!r} is not a 5-digit county FIPS code")
        state = row["state"]
        if state not in states:
            raise _fail(label, row, "state", f"unknown state {state!r} (not in regions.csv)")
        if fips[:2] != states[state]:
            raise _fail(
                label, row, "fips", f"{fips} does not lie in {state} (state FIPS {states[state]})"
            )
        published = not np.isnan(row["mfg_employment_published"])
        if (row["mfg_employment_status"] == PUBLISHED) != published:
            raise _fail(
                label,
                row,
                "mfg_employment_published",
                f"status {row['mfg_employment_status']!r} needs "
                + ("a figure" if not published else "a blank figure"),
            )
        jobs = row["mfg_employment_jobs"]
        if published:
            expected = row["mfg_employment_published"] * row["mfg_state_scale"]
            if np.isnan(jobs) or abs(jobs - expected) > 0.051:
                raise _fail(
                    label,
                    row,
                    "mfg_employment_jobs",
                    f"{jobs:g} jobs is not mfg_employment_published x mfg_state_scale "
                    f"({expected:.1f})",
                )
        elif not np.isnan(jobs):
            raise _fail(label, row, "mfg_employment_jobs", "must be blank when not published")
        cbsa, shed = row["cbsa_code"], row["labor_shed_id"]
        if (cbsa == "") != (row["cbsa_kind"] == "no_cbsa"):
            raise _fail(label, row, "cbsa_kind", f"{row['cbsa_kind']!r} disagrees with cbsa_code")
        if shed != (cbsa or fips):
            raise _fail(
                label,
                row,
                "labor_shed_id",
                f"{shed!r} must be the CBSA code, or the county's FIPS where it has none "
                f"({cbsa or fips})",
            )
        if row["power_utilities_priced"] > row["power_utilities"]:
            raise _fail(label, row, "power_utilities_priced", "exceeds power_utilities")
        fallback = row["power_price_basis"] == "state_fallback"
        if fallback != np.isnan(row["power_bundled_share"]):
            raise _fail(
                label, row, "power_bundled_share", "blank exactly when the basis is state_fallback"
            )


def load_counties(
    path: Path | str | None = None, regions_path: Path | str | None = None
) -> pd.DataFrame:
    """Read and validate a counties file (default: the embedded one), indexed by FIPS (text).

    Checks every cell against ``schema.csv`` (table ``counties.csv``) and the cross-field rules;
    ``regions_path`` (default: the embedded ``regions.csv``) gives the states.

    Raises:
        DataValidationError: naming the file, line and field of the first problem found.
    """
    path = Path(path) if path is not None else COUNTIES_FILE
    label = str(path)
    table = read_table(path, TABLE)
    check_unique(table, ["fips"], label)
    states = _state_fips(Path(regions_path) if regions_path is not None else REGIONS_FILE)
    _check_rows(table, label, states)
    return table.drop(columns="_line").set_index("fips")


def labor_sheds(counties: pd.DataFrame, labor_share_cap: float) -> pd.DataFrame:
    """One row per labour shed: ``members`` (FIPS codes), ``counties``, ``employment_jobs``
    (sum of the members' reconciled manufacturing employment; a county not published counts 0,
    so the figure is a lower bound), ``withheld`` (members without a figure) and ``pool_jobs`` =
    ``labor_share_cap`` × employment [jobs], the hires all new plants of the shed may make."""
    if not 0 <= labor_share_cap <= 1:
        raise ValueError(f"labor_share_cap {labor_share_cap!r} must lie in [0, 1]")
    frame = counties.assign(_jobs=counties["mfg_employment_jobs"].fillna(0.0))
    frame = frame.assign(_withheld=counties["mfg_employment_jobs"].isna().astype(int))
    grouped = frame.reset_index().groupby("labor_shed_id", sort=True)
    out = pd.DataFrame(
        {
            "members": grouped["fips"].agg(lambda s: tuple(sorted(s))),
            "counties": grouped["fips"].size(),
            "employment_jobs": grouped["_jobs"].sum(),
            "withheld": grouped["_withheld"].sum(),
        }
    )
    out["pool_jobs"] = labor_share_cap * out["employment_jobs"]
    return out


def commuting_pools(
    counties: pd.DataFrame, labor_share_cap: float, radius_km: float = COMMUTE_RADIUS_KM
) -> pd.DataFrame:
    """Per county, its commuting area: the counties whose 2020 centre of population lies within
    ``radius_km`` of its own (itself included; great-circle distance), indexed by FIPS:
    ``counties``, ``employment_jobs`` (their reconciled manufacturing employment; unpublished
    counts 0, a lower bound), ``withheld`` and ``pool_jobs`` = ``labor_share_cap`` × employment
    [jobs]. Neighbouring counties' areas overlap: a plant in one draws on workers its neighbour's
    plants could also hire, so a model must cap each area's hires, not each county's."""
    if not 0 <= labor_share_cap <= 1:
        raise ValueError(f"labor_share_cap {labor_share_cap!r} must lie in [0, 1]")
    if not (radius_km > 0 and np.isfinite(radius_km)):
        raise ValueError(f"radius_km {radius_km!r} must be a positive number")
    lon, lat = (
        np.radians(counties["rep_lon"].to_numpy()),
        np.radians(counties["rep_lat"].to_numpy()),
    )
    unit = np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=1)
    jobs = counties["mfg_employment_jobs"].to_numpy(dtype=float)
    withheld = np.isnan(jobs).astype(float)
    jobs = np.nan_to_num(jobs)
    within = np.cos(radius_km / EARTH_RADIUS_KM)  # cos of the central angle at the radius
    n_within, employment, n_withheld = (np.empty(len(counties)) for _ in range(3))
    for start in range(0, len(counties), 512):  # 512 rows at a time: memory stays small
        near = (unit[start : start + 512] @ unit.T) >= within - 1e-12
        n_within[start : start + 512] = near.sum(axis=1)
        employment[start : start + 512] = near @ jobs
        n_withheld[start : start + 512] = near @ withheld
    out = pd.DataFrame(
        {
            "counties": n_within.astype(int),
            "employment_jobs": employment,
            "withheld": n_withheld.astype(int),
        },
        index=counties.index,
    )
    out["pool_jobs"] = labor_share_cap * out["employment_jobs"]
    return out


def plant_jobs(
    min_scale: Mapping[str, float], jobs_per_unit: Mapping[str, float]
) -> dict[str, float]:
    """Hires of one minimum-scale plant per type [jobs] = min_scale × jobs_per_unit."""
    return {k: float(min_scale[k]) * float(jobs_per_unit[k]) for k in min_scale}


def screen(
    counties: pd.DataFrame,
    labor_share_cap: float,
    needed_jobs: Mapping[str, float],
    *,
    shed: str = "radius",
    radius_km: float = COMMUTE_RADIUS_KM,
) -> pd.DataFrame:
    """Per county and type whether its labour shed can staff a minimum-scale plant.

    Args:
        counties: :func:`load_counties`.
        labor_share_cap: share of the shed's manufacturing employment new plants may hire
            (parameter ``labor_share_cap``).
        needed_jobs: hires of one minimum-scale plant per type [jobs] (:func:`plant_jobs`).
        shed: ``"radius"`` (default): the counties within ``radius_km`` [km] of the county's
            centre (:func:`commuting_pools`, see ``COMMUTE_RADIUS_KM``); ``"cbsa"``: its
            metropolitan or micropolitan area (``labor_shed_id``, :func:`labor_sheds`).

    Returns one row per (fips, cluster_type): ``labor_shed_id`` (the CBSA, or
    ``"<fips>+<radius>km"``), ``pool_jobs``, ``needed_jobs``, ``passes`` (needed ≤ pool) and
    ``reason``.
    """
    if shed == "radius":
        pools = commuting_pools(counties, labor_share_cap, radius_km)
        pool, size = pools["pool_jobs"], pools["counties"]
        shed_ids = [f"{fips}+{radius_km:g}km" for fips in counties.index]
        where = [f"within {radius_km:g} km" for _ in shed_ids]
    elif shed == "cbsa":
        sheds = labor_sheds(counties, labor_share_cap)
        pool = counties["labor_shed_id"].map(sheds["pool_jobs"])
        size = counties["labor_shed_id"].map(sheds["counties"])
        shed_ids = list(counties["labor_shed_id"])
        where = [f"in shed {s}" for s in shed_ids]
    else:
        raise ValueError(f"shed {shed!r} must be 'radius' or 'cbsa'")
    parts = []
    for kind, need in needed_jobs.items():
        passes = pool >= need
        reason = [
            f"{'pool' if ok else 'only'} {p:,.0f} jobs ({'≥' if ok else '<'} {need:,.0f} needed) "
            f"{w} ({n} {'county' if n == 1 else 'counties'})"
            for ok, p, w, n in zip(passes, pool, where, size, strict=True)
        ]
        parts.append(
            pd.DataFrame(
                {
                    "fips": counties.index,
                    "cluster_type": kind,
                    "labor_shed_id": shed_ids,
                    "pool_jobs": pool.to_numpy(),
                    "needed_jobs": float(need),
                    "passes": passes.to_numpy(),
                    "reason": reason,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def passing_counts(screened: pd.DataFrame) -> dict[str, int]:
    """Counties that pass the screen, per type."""
    return {k: int(g["passes"].sum()) for k, g in screened.groupby("cluster_type", sort=False)}
