#!/usr/bin/env python3
"""Rebuild ``regions/data/demand.csv`` from copies of the original market files.

Usage (from the repository root)::

    python regions/tools/build_demand.py MARKETS_FOLDER

``MARKETS_FOLDER`` holds the Census County Business Patterns state extract
(``cbp_state_selected_naics_2017_2021.csv``), the state sums of the USGS/LBNL USPVDB v1.0
(``uspvdb_state_utility_scale_pv_2019_2020.csv``) and the EIA small-scale PV figures
(``eia_small_scale_pv_2019_2020_partial_transcribed.csv``). Rules:

- CBP: one node per (state, NAICS code), weight = paid employment in the pay period including
  March 12 of the CBP year [jobs]; ``as_of`` is that March 12. A cell CBP withheld (absent, or
  published as 0 employees with 0 payroll while establishments > 0) gives no row.
- USPVDB: one node per state, weight = cumulative utility-scale PV [MWac] of facilities with
  operating year <= the year; ``as_of`` is 31 December of that year.
- EIA small-scale PV: one node per state named in the EIA article; GW converted to MW.
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
    "citation", "url", "vintage", "note",
]  # fmt: skip
CBP_CODES = {  # NAICS 2017 code: (cluster type, slug, label)
    "336111": ("battery", "auto-assembly", "automobile manufacturing"),
    "336112": ("battery", "light-truck-assembly", "light truck and utility vehicle manufacturing"),
    "335312": ("magnet", "motor-generator-mfg", "motor and generator manufacturing"),
    "333611": ("magnet", "turbine-mfg", "turbine and turbine generator set units manufacturing"),
}
CBP_CITATION = (
    "U.S. Census Bureau, County Business Patterns {year}, state totals by NAICS 2017 code"
)
CBP_URL = "https://www.census.gov/programs-surveys/cbp/data/datasets.html"
PV_CITATION = (
    "USGS and LBNL, U.S. Large-Scale Solar Photovoltaic Database (USPVDB) v1.0, "
    "uspvdb_v1_0_20231108.csv"
)
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


def cbp_rows(path: Path, names: dict[str, str]) -> list[list]:
    """One row per published (state, NAICS code, year) employment cell."""
    table = pd.read_csv(path, dtype={"statefp": str, "naics": str})
    table = table[table["naics"].isin(CBP_CODES)]
    withheld = (table["employment"] == 0) & (table["establishments"] > 0)
    rows = []
    for rec in table[~withheld].sort_values(["naics", "state", "year"]).to_dict("records"):
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
        ])  # fmt: skip
    return rows


def pv_rows(path: Path, names: dict[str, str]) -> list[list]:
    """Cumulative utility-scale PV by state at the end of 2019 and 2020."""
    table = pd.read_csv(path)
    rows = []
    for rec in table.sort_values("state").to_dict("records"):
        state = rec["state"]
        for year in (2019, 2020):
            rows.append([
                f"{state}-utility-pv", "solar", state,
                f"{names[state]} utility-scale PV installed (>= 1 MW)",
                rec[f"mwac_cum_through_{year}"], "MWac", f"{year}-12-31", "derived",
                PV_CITATION, PV_URL, "v1.0 (2023-11-08)",
                f"USPVDB v1.0 p_cap_ac summed by p_state over facilities with p_year <= {year}; "
                "facilities retired before the 2023 imagery are missing (a lower bound)",
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
        ])  # fmt: skip
    return rows


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print(__doc__)
        return 2
    folder = Path(args[0])
    names = state_names()
    rows = (
        cbp_rows(folder / "cbp_state_selected_naics_2017_2021.csv", names)
        + pv_rows(folder / "uspvdb_state_utility_scale_pv_2019_2020.csv", names)
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
