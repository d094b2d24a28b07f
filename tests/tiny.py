"""A tiny, hand-checkable instance: three square regions A, B, C and one mineral.

Per unit of battery capacity (utilization 1): capex 1e6 USD, rate 0, life 10 yr -> 1e5 USD/yr;
electricity 1,000 MWh x price (A 50, B 100, C 80 USD/MWh) -> A 5e4, B 1e5, C 8e4; labor
10 jobs x 50,000 USD -> 5e5. Unit cost without minerals: A 6.5e5, C 6.8e5, B 7.0e5 USD/yr.
Fixed site cost 1e6 USD/yr; lithium 1 t/unit at 10,000 USD/t; freight 1 USD/t-km, circuity 1.
The import gateway sits at A's representative point.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import regions
from optimizer import Scenario, load_technology

REGIONS = {  # id: (lon0, price USD/MWh, permitting months)
    "A": (-90.0, 50.0, 6.0),
    "B": (-88.0, 100.0, 6.0),
    "C": (-86.0, 80.0, 6.0),
}
LAT0 = 40.0
UNIT = {"A": 6.5e5, "B": 7.0e5, "C": 6.8e5}
FIXED = 1e6
LITHIUM_PRICE = 1e4


def rep_point(region_id: str) -> tuple[float, float]:
    lon0 = REGIONS[region_id][0]
    return lon0 + 0.5, LAT0 + 0.5


def distance_km(a: str, b: str) -> float:
    (lon1, lat1), (lon2, lat2) = rep_point(a), rep_point(b)
    return float(regions.haversine_km(lon1, lat1, lon2, lat2))


def _write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


def write_permitting(folder: Path, months: dict[str, float]) -> None:
    """permitting.csv with user figures (basis 'assumption', no evidence) and an empty
    permitting_evidence.csv, for a test dataset whose regions are not states."""
    _write_csv(
        folder / "permitting.csv",
        [s.column for s in regions.table_schema()["permitting.csv"]],
        [[r, "", "", m, m, m, 0, "assumption", "", "test"] for r, m in months.items()],
    )
    _write_csv(
        folder / "permitting_evidence.csv",
        [s.column for s in regions.table_schema()["permitting_evidence.csv"]],
        [],
    )


def write_data(
    folder: Path,
    *,
    permitting: dict[str, float] | None = None,
    domestic: list[list] | None = None,
    facilities: list[list] | None = None,
    names: dict[str, str] | None = None,
) -> Path:
    """Write the tiny region dataset; ``domestic`` rows follow mineral_sources.csv columns
    (trailing optional columns may be left off)."""
    folder.mkdir(parents=True, exist_ok=True)
    permitting = {**{r: v[2] for r, v in REGIONS.items()}, **(permitting or {})}
    names = names or {}
    features = []
    for region_id, (lon0, _price, _months) in REGIONS.items():
        lon, lat = rep_point(region_id)
        ring = [
            [lon0, LAT0],
            [lon0 + 1, LAT0],
            [lon0 + 1, LAT0 + 1],
            [lon0, LAT0 + 1],
            [lon0, LAT0],
        ]
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "region_id": region_id,
                    "name": names.get(region_id, f"Region {region_id}"),
                    "fips": f"9{len(features)}",
                    "rep_lon": lon,
                    "rep_lat": lat,
                },
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        )
    (folder / "regions.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features})
    )
    _write_csv(
        folder / "regions.csv",
        [s.column for s in regions.table_schema()["regions.csv"]],
        [
            [
                r,
                names.get(r, f"Region {r}"),
                f"9{i}",
                REGIONS[r][1],
                100_000,
                50_000,
                permitting[r],
                400,
            ]
            for i, r in enumerate(REGIONS)
        ],
    )
    write_permitting(folder, permitting)
    _write_csv(
        folder / "mineral_prices.csv",
        [s.column for s in regions.table_schema()["mineral_prices.csv"]],
        [["lithium", "t LCE", LITHIUM_PRICE, 0, "assumption", "test", "", "", ""]],
    )
    source_columns = [s.column for s in regions.table_schema()["mineral_sources.csv"]]
    _write_csv(
        folder / "mineral_sources.csv",
        source_columns,
        [row + [""] * (len(source_columns) - len(row)) for row in domestic or []],
    )
    lon, lat = rep_point("A")
    _write_csv(
        folder / "import_gateways.csv",
        [s.column for s in regions.table_schema()["import_gateways.csv"]],
        [["port-a", "Port A", "A", lat, lon, "test", "", ""]],
    )
    _write_csv(
        folder / "facilities.csv",
        [s.column for s in regions.table_schema()["facilities.csv"]],
        facilities or [],
    )
    (folder / "zones.toml").write_text(
        '[zones.west]\ndescription = "A only"\nmethod = "regions"\nregions = ["A"]\n'
        '[zones.east]\ndescription = "B and C"\nmethod = "regions"\nregions = ["B", "C"]\n'
    )
    columns = [s.column for s in regions.table_schema()["regions.csv"]]
    _write_csv(
        folder / "sources.csv",
        [s.column for s in regions.table_schema()["sources.csv"]],
        [["regions.csv", c, "", "assumption", "test", "", "2026", "", ""] for c in columns],
    )
    return folder


TECH_ROWS = {
    "min_scale": 10,
    "max_scale": 50,
    "capex_usd_per_unit": 1e6,
    "lifetime_yr": 10,
    "discount_rate": 0.0,
    "fixed_site_cost_usd_per_yr": FIXED,
    "electricity_mwh_per_unit": 1000,
    "jobs_per_unit": 10,
    "other_opex_usd_per_unit": 0,
    "other_materials_usd_per_unit": 0,
    "construction_months": 24,
    "credit_45x_usd_per_unit": 0,
    "agglomeration_discount": 0.8,
    "expansion_share": 1.0,
    "expansion_fixed_cost_fraction": 0.25,
    "import_price_usd_per_unit": 1e6,
    "import_tariff_pct": 0,
    "bom_lithium_t_per_unit": 1,
}
PARAM_ROWS = {
    "freight_usd_per_tkm": 1.0,
    "circuity_factor": 1.0,
    "delay_cost_fraction_per_month": 0.0,
    "labor_share_cap": 0.05,
    "utilization": 1.0,
    "unsupplied_mineral_penalty_multiple": 10,
    "shortfall_penalty_multiple": 10,
    "gateway_premium_pct": 0,
    "social_discount_rate": 0.02,
}
PENALTY = 1e7
"""Shortfall penalty: 10 × landed import price 1e6 × (1 + tariff 0) × utilization 1."""


def write_tech(folder: Path, **overrides: float) -> Path:
    """Tiny technology folder: every type gets TECH_ROWS (only battery gets a target in tests)."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for k in ("battery", "magnet", "solar"):
        for name, value in {**TECH_ROWS, **overrides}.items():
            rows.append([k, name, "test unit", value, value, value, "assumption", "", "", "", ""])
    _write_csv(
        folder / "technologies.csv",
        [
            "cluster_type",
            "parameter",
            "unit",
            "low",
            "base",
            "high",
            "kind",
            "citation",
            "url",
            "vintage",
            "note",
        ],
        rows,
    )
    _write_csv(
        folder / "parameters.csv",
        ["parameter", "unit", "low", "base", "high", "kind", "citation", "url", "vintage", "note"],
        [[n, "test unit", v, v, v, "assumption", "", "", "", ""] for n, v in PARAM_ROWS.items()],
    )
    return folder


def scenario(target: float = 30.0, **sections) -> Scenario:
    """A battery-only scenario on the tiny data (horizon 2030, facilities as of 2026-06-30)."""
    doc = {
        "name": "tiny",
        "horizon_year": 2030,
        "facilities_as_of": "2026-06-30",
        "targets": {"battery": {"value": target, "unit": "GWh/yr", "source": "test"}},
        "solver": {"mip_gap": 1e-9},
    }
    for key, value in sections.items():
        if isinstance(value, dict) and isinstance(doc.get(key), dict):
            doc[key] = {**doc[key], **value}
        else:
            doc[key] = value
    return Scenario.from_dict(doc)


def load(tmp_path: Path, **data_kwargs):
    """(RegionData, TechnologyData) for the tiny instance."""
    return regions.load(write_data(tmp_path / "data", **data_kwargs)), load_technology(
        write_tech(tmp_path / "tech")
    )
