#!/usr/bin/env python3
"""Rebuild ``regions/data/demand.csv`` from copies of the original market files.

Usage (from the repository root)::

    python regions/tools/build_demand.py MARKETS_FOLDER PV_FOLDER

``MARKETS_FOLDER`` holds the Census County Business Patterns state extract
(``cbp_state_selected_naics_2017_2021.csv``) and the EIA small-scale PV figures
(``eia_small_scale_pv_2019_2020_partial_transcribed.csv``); ``PV_FOLDER`` the USGS/LBNL USPVDB
v3.0 additions by county and operating year (``utility_pv_additions_by_county_year.csv``).
Rules:

- Battery cells go where light vehicles are assembled. CBP publishes NAICS 3361 (motor vehicle
  manufacturing) for states where it withholds 336111 or 336112 (no TN, GA or MS light-truck
  cell in any year, KY's missing in 2021), so the weight is 3361 − 336120 (heavy trucks) = 336111
  + 336112 by the NAICS definition [jobs], one node per state; where 336120 is withheld the
  weight is 3361 itself, an upper bound, and the note says so. A state whose 3361 cell is
  withheld (absent, or 0 employees with 0 payroll while establishments > 0) gives no row for
  that year, and ``regions.demand.demand_at`` does not carry an older year forward. Production
  [vehicles] would be the better weight, but the cited figures in
  ``regions/data/vehicle_production.csv`` cover far less than the 80 % of a year's national total
  ``regions.vehicle_production.production_weights`` needs before a year switches, so jobs stay.
- Magnets: CBP 335312 (motors and generators) and 333611 (turbines), one node per (state, code).
- Solar modules go where utility PV is being *added*: weight = MWac of USPVDB facilities whose
  operating year falls in the three years to the row's year (``as_of`` 31 December), by the
  state of the facility's county. USPVDB v3.0 was published 2025-04-30 (``published``), so a
  view before then uses a later vintage (a hindcast lists it).
- EIA small-scale PV: one node per state named in the EIA article; GW converted to MW (a unit
  the markets leave out, kept for reference).
- ``published``: the Census release date of each CBP year (``CBP_PUBLISHED``; upper bounds
  where the release page was not found, so a view never knows a year too early), USPVDB's
  release date, the EIA article's date.
"""

from __future__ import annotations

import csv
import io
import os
import sys
import tempfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "regions" / "data" / "demand.csv"
HEADER = [
    "node_id", "cluster_type", "region_id", "name", "weight", "weight_unit", "as_of", "kind",
    "citation", "url", "vintage", "note", "published",
]  # fmt: skip
CBP_CODES = {  # NAICS 2017 code: (cluster type, slug, label)
    "335312": ("magnet", "motor-generator-mfg", "motor and generator manufacturing"),
    "333611": ("magnet", "turbine-mfg", "turbine and turbine generator set units manufacturing"),
}
CBP_CITATION = (
    "U.S. Census Bureau, County Business Patterns {year}, state totals by NAICS 2017 code"
)
CBP_URL = "https://www.census.gov/programs-surveys/cbp/data/datasets.html"
CBP_PUBLISHED = {
    # Census release dates (the date a view could first know the year's figures):
    2017: "2019-11-21",  # Census press release CB19-TPS.52, "2017 County Business Patterns Now
    # Available", https://www.census.gov/newsroom/press-releases/2019/2017-cbp.html
    2018: "2020-05-07",  # release page not found; catalog.data.gov "Economic Surveys: Business
    # Patterns: County Business Patterns" (api.census.gov/data/id/CBP2018) gives Data Last
    # Modified 2020-05-07: published on or before that date (an upper bound)
    2019: "2021-04-22",  # "Census Bureau: 2019 County Business Patterns Now Available", 2021-04-22
    # (Census release reposted at learncra.com/census-bureau-2019-county-business-patterns-now-
    # available/)
    2020: "2023-04-27",  # release page not found; it came after CBP 2019 (2021-04-22) and before
    # CBP 2021 (2023-04-27): the later bound is used, so no view knows it too early
    2021: "2023-04-27",  # "Census Bureau: 2021 County Business Patterns Now Available",
    # 2023-04-27 (Census release reposted at learncra.com/census-bureau-2021-county-business-
    # patterns-now-available/)
}
"""Publication date of each CBP year (upper bounds where the release page was not found)."""
PV_CITATION = (
    "USGS and LBNL, U.S. Large-Scale Solar Photovoltaic Database (USPVDB) v3.0, "
    "uspvdb_v3_0_20250430.csv (Fujita et al.)"
)
PV_PUBLISHED = "2025-04-30"
PV_WINDOW = 3
"""Years of additions summed per row (the row's year and the two before)."""
PV_URL = "https://eerscmap.usgs.gov/uspvdb/"
EIA_CITATION = (
    "U.S. EIA, Today in Energy, 'Texas and Florida had large small-scale solar capacity "
    "increases in 2020', 2021-03-04"
)
EIA_URL = "https://www.eia.gov/todayinenergy/detail.php?id=46996"
ECMAG_CITATION = (
    "Electrical Contractor (ecmag.com), 'Small-Scale Solar Growing in Multiple States', "
    "summarising EIA Electric Power Monthly small-scale PV estimates"
)
ECMAG_URL = "https://www.ecmag.com/section/green-building/small-scale-solar-growing-multiple-states"


def state_names() -> dict[str, str]:
    """Region name by id from the embedded regions.csv."""
    table = pd.read_csv(ROOT / "regions" / "data" / "regions.csv", dtype=str)
    return dict(zip(table["region_id"], table["name"], strict=True))


def _withheld(rec: dict) -> bool:
    return rec["employment"] == 0 and rec["establishments"] > 0


def cbp_rows(path: Path, names: dict[str, str]) -> list[list]:
    """Magnet nodes: one row per published (state, NAICS code, year) employment cell."""
    table = pd.read_csv(path, dtype={"statefp": str, "naics": str})
    table = table[table["naics"].isin(CBP_CODES)]
    rows = []
    for rec in table.sort_values(["naics", "state", "year"]).to_dict("records"):
        if _withheld(rec):
            continue
        cluster_type, slug, label = CBP_CODES[rec["naics"]]
        state, year = rec["state"], int(rec["year"])
        rows.append([
            f"{state}-{slug}", cluster_type, state,
            f"{names[state]} {label} (NAICS {rec['naics']})",
            int(rec["employment"]), "jobs", f"{year}-03-12", "sourced",
            CBP_CITATION.format(year=year), CBP_URL, f"CBP {year}",
            f"CBP {year} paid employment (pay period incl. March 12), NAICS {rec['naics']}, "
            f"state total ({int(rec['establishments'])} establishments); read from the CBP API "
            "pull in ModelEarth/data-pipeline@7b1eee1",
            CBP_PUBLISHED[int(year)],
        ])  # fmt: skip
    return rows


def vehicle_rows(path: Path, names: dict[str, str]) -> list[list]:
    """Battery nodes: light-vehicle assembly jobs = CBP 3361 − 336120 per (state, year)."""
    table = pd.read_csv(path, dtype={"statefp": str, "naics": str})
    cells = {
        (rec["state"], int(rec["year"]), rec["naics"]): rec
        for rec in table[table["naics"].isin(["3361", "336111", "336112", "336120"])].to_dict(
            "records"
        )
    }
    rows = []
    for state, year in sorted({(s, y) for s, y, n in cells if n == "3361"}):
        total = cells[(state, year, "3361")]
        if _withheld(total):
            continue
        heavy = cells.get((state, year, "336120"))
        parts = [cells.get((state, year, c)) for c in ("336111", "336112")]
        published = [p for p in parts if p is not None and not _withheld(p)]
        if heavy is not None and not _withheld(heavy):
            weight = int(total["employment"]) - int(heavy["employment"])
            rule = f"3361 {int(total['employment'])} - 336120 {int(heavy['employment'])}"
        else:
            weight = int(total["employment"])
            rule = f"3361 {weight} (336120 withheld or none: heavy-truck jobs not removed, an upper bound)"
        known = sum(int(p["employment"]) for p in published)
        if len(published) == 2 and abs(known - weight) > 0:
            rule += f"; 336111 + 336112 published = {known}"
        elif published:
            rule += f"; at least {known} published in 336111/336112 (others withheld)"
        rows.append([
            f"{state}-light-vehicle-assembly", "battery", state,
            f"{names[state]} light-vehicle assembly (NAICS 3361 less 336120)",
            weight, "jobs", f"{year}-03-12", "derived",
            CBP_CITATION.format(year=year), CBP_URL, f"CBP {year}",
            f"DERIVED: CBP {year} paid employment (pay period incl. March 12), {rule}; NAICS "
            "3361 = 336111 + 336112 + 336120, so this is light-vehicle assembly where CBP "
            "withholds the 6-digit cells; employment stands in for production (no public "
            "plant-level production list was found); read from ModelEarth/data-pipeline@7b1eee1",
            CBP_PUBLISHED[int(year)],
        ])  # fmt: skip
    return rows


def pv_rows(path: Path, names: dict[str, str]) -> list[list]:
    """Utility-scale PV added by state in the three years to each year [MWac]."""
    table = pd.read_csv(path, dtype={"county_fips": str})
    added = table.groupby(["state", "year"])["capacity_mwac_added"].sum()
    rows = []
    for state in sorted(set(table["state"]) & set(names)):
        for year in range(2017, int(table["year"].max()) + 1):
            window = range(year - PV_WINDOW + 1, year + 1)
            mwac = round(sum(float(added.get((state, y), 0.0)) for y in window), 1)
            if mwac <= 0:
                continue
            rows.append([
                f"{state}-utility-pv-additions", "solar", state,
                f"{names[state]} utility-scale PV added {window[0]}-{year} (>= 1 MW)",
                mwac, "MWac", f"{year}-12-31", "derived",
                PV_CITATION, PV_URL, "v3.0 (2025-04-30)",
                f"DERIVED: USPVDB v3.0 p_cap_ac summed over facilities with operating year "
                f"{window[0]}-{year} in the state's counties (additions, not the installed "
                "base); published 2025-04-30, so facilities and years reflect that later view",
                PV_PUBLISHED,
            ])  # fmt: skip
    return rows


def small_pv_rows(path: Path, names: dict[str, str]) -> list[list]:
    """Small-scale PV capacity for the states the EIA article names."""
    table = pd.read_csv(path)
    table = table[(table["metric"] == "small_scale_pv_capacity") & (table["state"] != "US")]
    rows = []
    for rec in table.sort_values(["state", "as_of"]).to_dict("records"):
        state, year = rec["state"], str(rec["as_of"])[:4]
        mw = rec["value"] * 1000 if rec["unit"] == "GW" else rec["value"]
        primary = "eia.gov" in rec["source_url"]
        shown = f"{rec['value']:g} {rec['unit']}"
        rows.append([
            f"{state}-small-pv", "solar", state,
            f"{names[state]} small-scale PV installed (< 1 MW)",
            round(mw, 3), "MW", f"{year}-12-31", "sourced",
            EIA_CITATION if primary else ECMAG_CITATION, EIA_URL if primary else ECMAG_URL,
            "2021-03-04" if primary else "2021",
            f"EIA small-scale PV capacity, December {year}, as published ({shown})"
            + ("" if primary else "; secondary summary of the same EIA estimates"),
            "2021-03-04",
        ])  # fmt: skip
    return rows


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print(__doc__)
        return 2
    folder, pv_folder = Path(args[0]), Path(args[1])
    names = state_names()
    cbp = folder / "cbp_state_selected_naics_2017_2021.csv"
    rows = (
        vehicle_rows(cbp, names)
        + cbp_rows(cbp, names)
        + pv_rows(pv_folder / "utility_pv_additions_by_county_year.csv", names)
        + small_pv_rows(folder / "eia_small_scale_pv_2019_2020_partial_transcribed.csv", names)
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    fd, tmp = tempfile.mkstemp(dir=OUT.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        fh.write(buffer.getvalue())
    os.replace(tmp, OUT)
    print(f"wrote {len(rows)} rows to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
