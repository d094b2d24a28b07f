#!/usr/bin/env python3
"""Rebuild ``regions/data/customers.csv``, ``customer_events.csv`` and ``jv_partners.csv``.

Usage (from the repository root)::

    python regions/tools/build_customers.py REFERENCE_FOLDER [--out FOLDER]

``REFERENCE_FOLDER`` holds copies of the original files in four subfolders:

- ``customers/light_vehicle_assembly_plants.csv``: US light-vehicle assembly sites 2010-2024
  (identity from the automakers' and Wikipedia plant lists, coordinates from the replication
  package of Weng et al. 2024, github.com/wengandrew/ev-jobs @556a9a5, Car_Plants_2022.xlsx);
- ``markets/cbp_county_selected_naics_2017_2021_38states.csv``: Census County Business Patterns
  2017-2021 county cells for NAICS 335312 and 333611 (38 states whose county files survive);
- ``pv/utility_pv_additions_by_county_year.csv``: USGS/LBNL USPVDB v3.0 facilities summed by
  county and operating year;
- ``counties/county_population_2020_and_centers.csv``: Census 2020 county centres of population.

The state figures come from the embedded ``regions/data/demand.csv`` (built by
``build_demand.py`` from the CBP state file), so points and state nodes agree.

Rules (also in ``regions/FORMAT.md``, section "Customers"):

- Vehicle assembly (battery): one point per plant site. No public plant-level production figure
  exists, so the weight is the state's light-vehicle assembly jobs of ``demand.csv`` (CBP 3361
  less 336120) as a **state pool** shared equally by the state's listed plants operating on the
  view date (``regions.customers.customers_at``). A plant gets a row for each CBP year of its
  state unless it closed for good before that year's reference date. Dropped: the unidentified
  ``ford_detroit_chassis`` row (same site as Dearborn Truck: a second point would double the
  Rouge site's share) and three sites the source calls very low volume or tiny (Honda PMC, Karma
  Moreno Valley, Th!nk Elkhart), which an equal share would hugely overstate. Louisville Assembly
  has no coordinate: it sits at Jefferson County's centre of population.
- Magnets: CBP employment of 335312 (motors and generators) and 333611 (turbines). A published
  county cell is a point at the county's 2020 centre of population; the rest of the state (the
  state figure less its published county cells; the whole state figure in the 12 states with no
  county file) is a point at the state's centre of population. Each year's points sum to the
  state figure of ``demand.csv``. A cell of 0 employees with establishments is withheld.
- Solar: USPVDB v3.0 MWac added per county and operating year, at the county's centre of
  population, ``as_of`` 31 December of the year.
- Plant events: opening year known → the first of that year; unknown → 2010-01-01, the start of
  the source's coverage (the plant opened earlier; the date only says it was there then); a
  closure known only to the year → the first day of the next year (a late bound); dates the
  source gives to the month or day are used (``EVENTS``).
- JV partners: ``JV_PARTNERS``, each citing the facility row of ``facilities.csv`` that names
  the partner.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from regions.atomic import write_text_atomic  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "regions" / "data"

CUSTOMER_HEADER = [
    "customer_id", "cluster_type", "kind", "name", "operator", "oem", "state", "county_fips",
    "lon", "lat", "coord_basis", "weight", "weight_unit", "weight_scope", "measure", "as_of",
    "basis", "citation", "url", "vintage", "published", "note",
]  # fmt: skip
EVENT_HEADER = ["customer_id", "event", "date", "operator", "oem", "citation", "url", "note"]
JV_HEADER = [
    "facility_id", "partner_oem", "relation", "valid_from", "valid_to", "citation", "url", "note",
]  # fmt: skip

COVERAGE_START = "2010-01-01"
"""The plant list covers sites that assembled light vehicles at some time in 2010-2024."""

COORD_CITATION = (
    "Weng et al. (2024), EV assembly labor replication package, Car_Plants_2022.xlsx "
    "(github.com/wengandrew/ev-jobs, commit 556a9a5)"
)
CENPOP_COUNTY = (
    "US Census Bureau, 2020 Census centers of population by county (CenPop2020_Mean_CO.txt)"
)
CENPOP_STATE = (
    "US Census Bureau, 2020 Census centers of population by state (CenPop2020_Mean_ST.txt)"
)
CENPOP_URL = "https://www2.census.gov/geo/docs/reference/cenpop2020/"
CBP_COUNTY_CITATION = (
    "U.S. Census Bureau, County Business Patterns {year}, county cells by NAICS 2017 code"
)
PV_CITATION = "USGS/LBNL USPVDB v3.0"
PV_URL = "https://eerscmap.usgs.gov/uspvdb/"
PV_VINTAGE = "v3.0"
PV_PUBLISHED = "2025-04-30"

DROPPED = {
    "ford_detroit_chassis": (
        "plant not identified (a 'Detroit' F-series chassis label) and placed about 20 m from "
        "Dearborn Truck: merged into that point, since a second point at the same site would "
        "double its equal share of the Michigan pool"
    ),
    "honda_pmc": "Acura NSX only, hundreds a year (source): an equal share would overstate it",
    "karma_moreno_valley": "very low volume (source): an equal share would overstate it",
    "think_elkhart": "tiny EV assembly, closed 2011 (source)",
}
"""Source rows left out of customers.csv, with the reason (FORMAT.md, Customers)."""

MAGNET_CODES = {  # NAICS: (kind, slug as in demand.csv node ids, label)
    "335312": ("motor_generator_mfg", "motor-generator-mfg", "motor and generator manufacturing"),
    "333611": ("turbine_mfg", "turbine-mfg", "turbine and turbine generator set manufacturing"),
}

OEM_GROUPS = [  # (start of the source's oem text, operator, automaker group(s))
    ("General Motors", "General Motors", "General Motors"),
    ("Ford", "Ford", "Ford"),
    ("Stellantis", "Stellantis (FCA)", "Stellantis"),
    ("Mazda Toyota", "Mazda Toyota Manufacturing (JV)", "Mazda;Toyota"),
    ("Toyota", "Toyota", "Toyota"),
    ("Tesla", "Tesla", "Tesla"),
    ("Subaru", "Subaru", "Subaru"),
    ("Honda", "Honda", "Honda"),
    ("Nissan", "Nissan", "Nissan"),
    ("Hyundai Motor Group", "Hyundai Motor Group", "Hyundai Motor Group"),
    ("Hyundai", "Hyundai", "Hyundai Motor Group"),
    ("Kia", "Kia", "Hyundai Motor Group"),
    ("BMW", "BMW", "BMW"),
    ("Mercedes-Benz", "Mercedes-Benz", "Mercedes-Benz"),
    ("Volkswagen", "Volkswagen", "Volkswagen"),
    ("Volvo Cars", "Volvo Cars", "Volvo Cars"),
    ("Rivian", "Rivian", "Rivian"),
    ("Lucid", "Lucid", "Lucid"),
    ("AM General", "AM General", "AM General"),
]

# Plants whose history the generic rule cannot give: (event, date, operator, oem, note).
EVENTS: dict[str, list[tuple[str, str, str, str, str]]] = {
    "gm_factory_zero": [
        (
            "opened",
            "1985-01-01",
            "General Motors",
            "General Motors",
            "opening year 1985; first of the year",
        ),
        (
            "idled",
            "2020-02-01",
            "",
            "",
            "source: 'operating until Feb 2020, then idled for EV retooling'; first of the month",
        ),
        (
            "resumed",
            "2021-12-01",
            "",
            "",
            "source: 'EV production from late 2021'; dated 1 Dec 2021, the latest month 'late 2021' can mean (a late bound)",
        ),
    ],
    "gm_lordstown": [
        (
            "opened",
            "1966-01-01",
            "General Motors",
            "General Motors",
            "opening year 1966; first of the year",
        ),
        (
            "closed",
            "2020-01-01",
            "",
            "",
            "closed by GM in 2019 (month not in the source): first day of the next year, a late bound",
        ),
        (
            "opened",
            "2022-01-01",
            "Lordstown Motors",
            "Lordstown Motors",
            "source: Endurance EV pickup built 2022-2023; first of the year",
        ),
        (
            "closed",
            "2024-01-01",
            "",
            "",
            "source: built 2022-2023 (end date not in the source): first day after 2023, a late bound",
        ),
    ],
    "gm_orion": [
        (
            "opened",
            "1983-01-01",
            "General Motors",
            "General Motors",
            "opening year 1983; first of the year",
        ),
        (
            "idled",
            COVERAGE_START,
            "",
            "",
            "source: idled 2009-2011; idle at the start of the source's coverage",
        ),
        (
            "resumed",
            "2012-01-01",
            "",
            "",
            "idled through 2011 (source): first day of 2012, a late bound",
        ),
    ],
    "gm_spring_hill": [
        (
            "opened",
            "2013-01-01",
            "General Motors",
            "General Motors",
            "opening year not in the source; vehicle assembly idled 2009-2012 (source): counted from the first day after 2012, a late bound",
        ),
    ],
    "gm_shreveport": [
        (
            "opened",
            "1981-01-01",
            "General Motors",
            "General Motors",
            "opening year 1981; first of the year",
        ),
        ("closed", "2012-08-01", "", "", "source: last truck Aug 2012; first of the month"),
    ],
    "ford_twin_cities": [
        ("opened", "1925-01-01", "Ford", "Ford", "opening year 1925; first of the year"),
        ("closed", "2011-12-16", "", "", "source: last truck 2011-12-16"),
    ],
    "fca_conner_avenue": [
        (
            "opened",
            "1995-01-01",
            "Stellantis (FCA)",
            "Stellantis",
            "start of Viper production there, 1995 (source); first of the year",
        ),
        ("closed", "2017-08-31", "", "", "source: closed 2017-08-31"),
    ],
    "nummi_fremont_tesla": [
        (
            "opened",
            COVERAGE_START,
            "NUMMI (Toyota-GM JV)",
            "Toyota;General Motors",
            "NUMMI produced in 2010 (source); opening year not in the source: coverage start",
        ),
        (
            "closed",
            "2011-01-01",
            "",
            "",
            "NUMMI closed after its 2010 production (source): first day of 2011, a late bound",
        ),
        (
            "opened",
            "2012-01-01",
            "Tesla",
            "Tesla",
            "source: Tesla production from 2012; first of the year",
        ),
    ],
    "rivian_normal": [
        (
            "opened",
            COVERAGE_START,
            "Mitsubishi Motors Manufacturing America",
            "Mitsubishi",
            "opening year not in the source: coverage start",
        ),
        (
            "closed",
            "2016-01-01",
            "",
            "",
            "source: Mitsubishi closed 2015; first day of the next year, a late bound",
        ),
        (
            "opened",
            "2021-01-01",
            "Rivian",
            "Rivian",
            "source: Rivian production from 2021; first of the year",
        ),
    ],
    "amgeneral_mishawaka": [
        (
            "opened",
            "2011-01-01",
            "AM General",
            "AM General",
            "source: MV-1 contract assembly from 2011; first of the year",
        ),
        (
            "closed",
            "2018-01-01",
            "",
            "",
            "source: light-vehicle output ended with the R-class contract in 2017 (the plant goes on building military vehicles): first day of 2018, a late bound",
        ),
    ],
    "hmgma_ellabell": [
        (
            "opened",
            "2024-10-01",
            "Hyundai Motor Group",
            "Hyundai Motor Group",
            "source: first vehicle Oct 2024; first of the month (official opening 2025-03-26)",
        ),
    ],
}

JV_PARTNERS = [  # (facility_id, partner, relation, valid_from, valid_to, where the row names it)
    ("ultium-warren-oh", "General Motors", "jv", "", "", "company: Ultium Cells LLC (GM / LG Energy Solution)"),
    ("ultium-spring-hill-tn", "General Motors", "jv", "", "", "company: Ultium Cells LLC (GM / LG Energy Solution)"),
    ("ultium-lansing-mi", "General Motors", "jv", "", "2025-01-01", "citation: 'GM and LG Energy Solution announce $2.6B Ultium Cells plant in Lansing'; the row's note: GM sold its stake to LGES, closing Q1 2025 (CBT News), so the tie ends on the first day of that quarter (an early bound)"),
    ("starplus-new-carlisle-in", "General Motors", "jv", "", "", "company: Samsung SDI / General Motors JV"),
    ("starplus-kokomo-in-1", "Stellantis", "jv", "", "", "company: StarPlus Energy (Stellantis / Samsung SDI)"),
    ("starplus-kokomo-in-2", "Stellantis", "jv", "", "", "company: StarPlus Energy (Stellantis / Samsung SDI)"),
    ("blueoval-sk-kentucky-1", "Ford", "jv", "", "", "company: BlueOval SK (Ford / SK On); Ford sole owner announced Dec 2025 (the tie holds)"),
    ("blueoval-sk-kentucky-2", "Ford", "jv", "", "", "company: BlueOval SK (Ford / SK On); Ford sole owner announced Dec 2025 (the tie holds)"),
    ("blueoval-sk-tennessee", "Ford", "jv", "", "2025-12-15", "company: BlueOval SK (Ford / SK On); SK On sole owner announced Dec 2025: the tie ends on the date of the report the row's note names (WCLU 2025-12-15); the transfer date itself is not in the project's sources"),
    ("ford-blueoval-battery-park-marshall-mi", "Ford", "owned", "", "", "company: Ford Motor Co. (BlueOval Battery Michigan LLC; CATL licensed LFP)"),
    ("hyundai-lges-bryan-county-ga", "Hyundai Motor Group", "jv", "", "", "company: Hyundai Motor Group / LG Energy Solution JV"),
    ("hyundai-sk-bartow-ga", "Hyundai Motor Group", "jv", "", "", "company: Hyundai Motor Group / SK On JV"),
    ("honda-lges-jeffersonville-oh", "Honda", "jv", "", "", "company: L-H Battery Company (Honda / LG Energy Solution JV)"),
    ("toyota-liberty-nc", "Toyota", "owned", "", "", "company: Toyota Battery Manufacturing North Carolina"),
    ("panasonic-tesla-giga-nevada", "Tesla", "on_site_supplier", "", "", "company: Panasonic Energy of North America (at Tesla Gigafactory Nevada)"),
    ("tesla-4680-giga-nevada", "Tesla", "owned", "", "", "company: Tesla"),
    ("tesla-giga-texas-tx", "Tesla", "owned", "", "", "company: Tesla (4680 cells at the Austin vehicle plant)"),
    ("aesc-florence-sc", "BMW", "supply_agreement", "", "", "the row's note: BMW cylindrical cells; BMW-AESC partnership Oct 2022"),
    ("amplify-cell-marshall-county-ms", "Daimler Truck", "jv", "", "", "company: Amplify Cell Technologies (Accelera by Cummins / Daimler Truck / PACCAR); heavy trucks: no light-vehicle customer point"),
    ("amplify-cell-marshall-county-ms", "PACCAR", "jv", "", "", "company: Amplify Cell Technologies (Accelera by Cummins / Daimler Truck / PACCAR); heavy trucks: no light-vehicle customer point"),
]  # fmt: skip
"""Battery cell plants tied to an automaker. Not tied (no automaker named in the row): SK
Battery Commerce 1-2, LGES Holland and Queen Creek, AESC Bowling Green and Smyrna (the row names
it the former Nissan plant, not when that ended), Panasonic De Soto, Gotion, ONE, FREYR, KORE,
ABF, Microvast, Natron; Tesla's Nevada LFP plant makes stationary-storage cells."""


def _g(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _oem(text: str) -> tuple[str, str]:
    for start, operator, group in OEM_GROUPS:
        if text.startswith(start):
            return operator, group
    raise ValueError(f"no automaker group for {text!r}")


def _sources(text: str) -> tuple[str, str]:
    """(citation, url) of a plant row: its identity sources, leaving out the production files
    of the plant-list package (subscriber data the project must not use), and the coordinate
    source."""
    identity = text.split("| coords:")[0]
    kept = [s.strip() for s in identity.split(";") if s.strip() and "Production" not in s]
    urls = [s for s in kept if s.startswith("http")]
    names = [COORD_CITATION if s.startswith("github:wengandrew") else s for s in kept]
    return "; ".join(dict.fromkeys(names)), (urls[0] if urls else "")


def plant_events(plant: dict) -> list[list[str]]:
    """Dated opened/closed/idled/resumed events of one source plant row."""
    citation, url = _sources(plant["source"])
    operator, oem = _oem(plant["oem"])
    if plant["plant_id"] in EVENTS:
        spec = EVENTS[plant["plant_id"]]
    else:
        year = plant["opened_year"]
        spec = [
            ("opened", f"{year}-01-01", operator, oem, f"opening year {year}; first of the year")
            if year
            else ("opened", COVERAGE_START, operator, oem, "opening year not in the source: "
                  "dated at the start of the source's 2010-2024 coverage (it opened earlier)")
        ]  # fmt: skip
        if plant["closed_year"]:
            nxt = int(plant["closed_year"]) + 1
            spec.append((
                "closed", f"{nxt}-01-01", "", "",
                f"closed {plant['closed_year']} (source): first day of the next year, a late bound",
            ))  # fmt: skip
    return [[plant["plant_id"], e, d, op, g, citation, url, n] for e, d, op, g, n in spec]


def _final_closure(events: list[list[str]]) -> str | None:
    """Date of the last event if it is a closure (closed for good then), else None."""
    last = max(events, key=lambda e: e[2])
    return last[2] if last[1] == "closed" else None


def read_demand() -> pd.DataFrame:
    return pd.read_csv(DATA / "demand.csv", dtype=str, keep_default_na=False)


def state_points() -> dict[str, tuple[float, float, str]]:
    """(lon, lat, fips) of each region's representative point (its 2020 centre of population)."""
    doc = json.loads((DATA / "regions.geojson").read_text(encoding="utf-8"))
    return {
        f["properties"]["region_id"]: (
            float(f["properties"]["rep_lon"]), float(f["properties"]["rep_lat"]),
            str(f["properties"]["fips"]).zfill(2),
        )
        for f in doc["features"]
    }  # fmt: skip


def county_centres(path: Path) -> pd.DataFrame:
    table = pd.read_csv(path, dtype={"fips": str})
    return table.dropna(subset=["cenpop2020_lat"]).set_index("fips")


def vehicle_rows(plants: pd.DataFrame, demand: pd.DataFrame, centres: pd.DataFrame):
    """(customer rows, event rows) of the vehicle assembly plants."""
    rows, events = [], []
    pools = demand[demand["node_id"].str.endswith("-light-vehicle-assembly")]
    for plant in plants.to_dict("records"):
        if plant["plant_id"] in DROPPED:
            continue
        history = plant_events(plant)
        events += history
        closed_for_good = _final_closure(history)
        operator, oem = "", ""
        for event in history:  # the latest operator and automaker group
            if event[3]:
                operator, oem = event[3], event[4]
        if plant["lat"]:
            lon, lat = float(plant["lon"]), float(plant["lat"])
            basis = "plant" if plant["coord_basis"] == "exact" else "city"
            place = f"{basis} point, ev-jobs Car_Plants_2022"
        else:
            centre = centres.loc[plant["county_fips"]]
            lon, lat = float(centre["cenpop2020_lon"]), float(centre["cenpop2020_lat"])
            basis = "county_centre_of_population"
            place = (
                "no plant coordinate in the source (its point was another plant's): the "
                f"county's 2020 centre of population ({CENPOP_COUNTY})"
            )
        state = plant["state"]
        for pool in pools[pools["region_id"] == state].to_dict("records"):
            if closed_for_good and closed_for_good <= pool["as_of"]:
                continue
            rows.append([
                plant["plant_id"], "battery", "vehicle_assembly", plant["plant_name"], operator,
                oem, state, plant["county_fips"], _g(lon), _g(lat), basis, pool["weight"],
                "jobs", "state_pool", "level", pool["as_of"], "derived", pool["citation"],
                pool["url"], pool["vintage"], pool["published"],
                f"pool: demand.csv {pool['node_id']}; place: {place}",
            ])  # fmt: skip
    with_rows = {row[0] for row in rows}  # plants closed before the first pool date: no point
    return rows, [event for event in events if event[0] in with_rows]


def magnet_rows(cbp_county: Path, demand: pd.DataFrame, centres: pd.DataFrame) -> list[list]:
    """County points where CBP publishes the cell; the rest of each state at its centre."""
    reps = state_points()
    county = pd.read_csv(cbp_county, dtype={"fips": str, "naics": str})
    county = county[county["naics"].isin(MAGNET_CODES)]
    county_states = set(county["state"])
    published = county[~((county["employment"] == 0) & (county["establishments"] > 0))]
    rows = []
    for code, (kind, slug, label) in MAGNET_CODES.items():
        nodes = demand[demand["node_id"].str.endswith(f"-{slug}")]
        for node in nodes.to_dict("records"):
            state, as_of = node["region_id"], node["as_of"]
            year = int(as_of[:4])
            cells = published[
                (published["naics"] == code) & (published["state"] == state)
                & (published["year"] == year)
            ]  # fmt: skip
            for cell in cells.sort_values("fips").to_dict("records"):
                centre = centres.loc[cell["fips"]]
                rows.append([
                    f"{cell['fips']}-{slug}", "magnet", kind,
                    f"{cell['county_name']}, {state} {label} (NAICS {code})", "", "", state,
                    cell["fips"], _g(float(centre["cenpop2020_lon"])),
                    _g(float(centre["cenpop2020_lat"])), "county_centre_of_population",
                    str(int(cell["employment"])), "jobs", "point", "level", as_of, "sourced",
                    CBP_COUNTY_CITATION.format(year=year), node["url"], node["vintage"],
                    node["published"],
                    f"{int(cell['establishments'])} establishments",
                ])  # fmt: skip
            rest = int(node["weight"]) - int(cells["employment"].sum())
            if rest < 0:
                raise ValueError(f"{state} {code} {year}: county cells exceed the state figure")
            if state in county_states:
                what = (
                    f"state figure {node['weight']} less {len(cells)} published county cell(s) "
                    f"({int(cells['employment'].sum())} jobs): counties CBP withholds"
                )
                name, basis = f"{node['name']}, rest of state (withheld counties)", "derived"
            else:
                what = "no county file for this state in the project's sources: whole state"
                name, basis = node["name"], "sourced"
            lon, lat, _ = reps[state]
            rows.append([
                f"{state}-{slug}", "magnet", kind, name, "", "", state, "", _g(lon), _g(lat),
                "state_centre_of_population", str(rest), "jobs", "point", "level", as_of,
                basis, node["citation"], node["url"], node["vintage"], node["published"],
                f"{what}; demand.csv {node['node_id']}",
            ])  # fmt: skip
    return rows


def pv_rows(path: Path, centres: pd.DataFrame) -> list[list]:
    """Utility-scale PV added per county and operating year [MWac]."""
    reps = state_points()
    table = pd.read_csv(path, dtype={"county_fips": str})
    rows = []
    for rec in table.sort_values(["county_fips", "year"]).to_dict("records"):
        fips, state, year = rec["county_fips"], rec["state"], int(rec["year"])
        if reps[state][2] != fips[:2]:
            raise ValueError(f"{fips}: not in {state}")
        centre = centres.loc[fips]
        rows.append([
            f"{fips}-utility-pv", "solar", "utility_pv_additions",
            f"{centre['county_name']}, {state} utility-scale PV added", "", "", state, fips,
            _g(float(centre["cenpop2020_lon"])), _g(float(centre["cenpop2020_lat"])),
            "county_centre_of_population", _g(round(float(rec["capacity_mwac_added"]), 3)),
            "MWac", "point", "additions", f"{year}-12-31", "derived", PV_CITATION, PV_URL,
            PV_VINTAGE, PV_PUBLISHED,
            f"facilities: {int(rec['facilities'])}",
        ])  # fmt: skip
    return rows


def jv_rows() -> list[list[str]]:
    """jv_partners.csv rows, citing each facility row's own source."""
    facilities = pd.read_csv(DATA / "facilities.csv", dtype=str, keep_default_na=False)
    facilities = facilities.set_index("facility_id")
    rows = []
    for facility_id, partner, relation, start, end, where in JV_PARTNERS:
        row = facilities.loc[facility_id]
        rows.append([
            facility_id, partner, relation, start, end, row["citation"], row["url"],
            f"source = the facilities.csv row's own citation; partner named in the row's {where}",
        ])  # fmt: skip
    return rows


def _write(path: Path, header: list[str], rows: list[list]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    write_text_atomic(path, buffer.getvalue())


def build(reference: Path) -> dict[str, tuple[list[str], list[list]]]:
    """The three tables, keyed by file name: (header, rows)."""
    plants = pd.read_csv(
        reference / "customers" / "light_vehicle_assembly_plants.csv", dtype=str,
        keep_default_na=False,
    )  # fmt: skip
    centres = county_centres(reference / "counties" / "county_population_2020_and_centers.csv")
    demand = read_demand()
    vehicles, events = vehicle_rows(plants, demand, centres)
    magnets = magnet_rows(
        reference / "markets" / "cbp_county_selected_naics_2017_2021_38states.csv", demand,
        centres,
    )  # fmt: skip
    solar = pv_rows(reference / "pv" / "utility_pv_additions_by_county_year.csv", centres)
    return {
        "customers.csv": (CUSTOMER_HEADER, vehicles + magnets + solar),
        "customer_events.csv": (EVENT_HEADER, events),
        "jv_partners.csv": (JV_HEADER, jv_rows()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reference", type=Path, help="folder with the copied source files")
    parser.add_argument(
        "--out", type=Path, default=DATA, help="folder to write (default: embedded data)"
    )
    args = parser.parse_args(argv)
    for name, (header, rows) in build(args.reference).items():
        _write(args.out / name, header, rows)
        print(f"wrote {len(rows)} rows to {args.out / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
