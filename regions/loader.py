"""``load()``: read a data folder (default: the embedded US dataset), validate it, return RegionData."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .boundaries import read_boundaries
from .coordinates import check_coordinates
from .dataset import RegionData
from .errors import DataValidationError
from .geodesy import equal_area_km2
from .permitting import check_permitting
from .tables import check_refs, check_unique, read_table
from .zones import read_zones

DEFAULT_DATA_DIR = Path(__file__).with_name("data")
DATA_FILES = (
    "regions.geojson",
    "regions.csv",
    "permitting.csv",
    "permitting_evidence.csv",
    "mineral_prices.csv",
    "mineral_sources.csv",
    "import_gateways.csv",
    "facilities.csv",
    "zones.toml",
    "sources.csv",
)
PERMITTING_TOLERANCE_MONTHS = 1e-6
RENAMED_FILES = {"permitting_index.csv": "permitting.csv (with permitting_evidence.csv)"}


def resolve_files(data_dir: Path | str | None) -> dict[str, Path]:
    """Path of each data file: from ``data_dir`` when present there, else the embedded default."""
    folder = Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR
    if not folder.is_dir():
        raise DataValidationError(str(folder), "data folder does not exist")
    for old, new in RENAMED_FILES.items():
        if (folder / old).exists() and not (folder / new.split()[0]).exists():
            raise DataValidationError(
                str(folder / old), f"this file format is retired; supply {new} (see FORMAT.md)"
            )
    return {
        name: folder / name if (folder / name).exists() else DEFAULT_DATA_DIR / name
        for name in DATA_FILES
    }


def _read_regions(files: dict[str, Path]) -> tuple[pd.DataFrame, dict, dict]:
    """Join regions.csv attributes onto the boundary file; ids must match one to one."""
    shapes, geometry, metadata = read_boundaries(files["regions.geojson"])
    table = read_table(files["regions.csv"])
    label = str(files["regions.csv"])
    check_unique(table, ["region_id"], label)
    known = set(shapes["region_id"])
    check_refs(table, "region_id", known, label, files["regions.geojson"].name)
    missing = sorted(known - set(table["region_id"]))
    if missing:
        raise DataValidationError(
            label,
            f"no row for region(s) {', '.join(missing)} found in {files['regions.geojson'].name}",
            field="region_id",
        )
    merged = table.merge(shapes[["region_id", "rep_lon", "rep_lat"]], on="region_id", how="left")
    merged["area_km2"] = [equal_area_km2(geometry[r]) for r in merged["region_id"]]
    return merged.set_index("region_id"), geometry, metadata


def _read_permitting(
    files: dict[str, Path], regions: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Permitting figures and their evidence; figures must follow from the evidence
    (``regions.permitting``) and the base must equal regions.csv's permitting_months."""
    ev_label = str(files["permitting_evidence.csv"])
    evidence = read_table(files["permitting_evidence.csv"])
    check_unique(evidence, ["evidence_id"], ev_label)
    check_refs(evidence, "region_id", set(regions.index), ev_label, "regions.csv")
    label = str(files["permitting.csv"])
    table = read_table(files["permitting.csv"])
    check_unique(table, ["region_id"], label)
    check_refs(table, "region_id", set(regions.index), label, "regions.csv")
    missing = sorted(set(regions.index) - set(table["region_id"]))
    if missing:
        raise DataValidationError(
            label, f"no row for region(s) {', '.join(missing)}", field="region_id"
        )
    check_permitting(table, evidence, label)
    for row in table.to_dict("records"):
        region_id, total = row["region_id"], row["permitting_months"]
        listed = regions.at[region_id, "permitting_months"]
        if abs(listed - total) > PERMITTING_TOLERANCE_MONTHS:
            raise DataValidationError(
                str(files["regions.csv"]),
                f"{listed:g} differs from {files['permitting.csv'].name} ({total:g})",
                line=int(regions.at[region_id, "_line"]),
                field="permitting_months",
                row_id=region_id,
            )
    return table.set_index("region_id"), evidence


def _read_minerals(files: dict[str, Path], geometry: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Mineral prices and all sources (domestic rows plus every gateway × mineral); every site
    lies in its region (domestic sources also in the country)."""
    region_ids = set(geometry)
    prices_label = str(files["mineral_prices.csv"])
    prices = read_table(files["mineral_prices.csv"])
    check_unique(prices, ["mineral"], prices_label)
    minerals = list(prices["mineral"])

    label = str(files["mineral_sources.csv"])
    domestic = read_table(files["mineral_sources.csv"])
    check_unique(domestic, ["source_id", "mineral"], label)
    check_refs(domestic, "region_id", region_ids, label, "regions.csv")
    check_refs(domestic, "mineral", set(minerals), label, files["mineral_prices.csv"].name)
    check_coordinates(domestic, geometry, label, id_column="source_id", domestic=True)
    domestic["foreign"] = False

    gw_label = str(files["import_gateways.csv"])
    gateways = read_table(files["import_gateways.csv"])
    check_unique(gateways, ["gateway_id"], gw_label)
    check_refs(gateways, "region_id", region_ids, gw_label, "regions.csv")
    check_coordinates(gateways, geometry, gw_label, id_column="gateway_id", domestic=False)
    clash = set(gateways["gateway_id"]) & set(domestic["source_id"])
    if clash:
        raise DataValidationError(
            gw_label, f"gateway id(s) also used as source_id: {', '.join(sorted(clash))}"
        )
    imported = gateways.rename(columns={"gateway_id": "source_id"}).merge(
        pd.DataFrame({"mineral": minerals}), how="cross"
    )
    imported = imported.assign(
        operator="",
        kind="gateway",
        capacity_t_per_yr=np.nan,
        capacity_basis="uncapped",
        status="operating",
        first_production_year=np.nan,
        vintage="",
        foreign=True,
    )
    sources = pd.concat([domestic, imported[domestic.columns]], ignore_index=True)
    return prices.set_index("mineral"), sources


def _read_facilities(files: dict[str, Path], geometry: dict) -> pd.DataFrame:
    label = str(files["facilities.csv"])
    table = read_table(files["facilities.csv"])
    check_unique(table, ["facility_id"], label)
    check_refs(table, "region_id", set(geometry), label, "regions.csv")
    check_coordinates(table, geometry, label, id_column="facility_id", domestic=False)
    return table.set_index("facility_id")


def _read_sources(files: dict[str, Path], regions: pd.DataFrame) -> pd.DataFrame:
    """The citations table; every attribute column of regions.csv must have a whole-column row."""
    label = str(files["sources.csv"])
    table = read_table(files["sources.csv"])
    check_unique(table, ["table", "column", "region_id", "citation"], label)
    check_refs(table, "region_id", set(regions.index), label, "regions.csv")
    documented = set(
        table.loc[(table["table"] == "regions.csv") & (table["region_id"] == ""), "column"]
    )
    for column in regions.columns:
        if column.startswith("_") or column in {"rep_lon", "rep_lat", "area_km2"}:
            continue
        if column not in documented:
            raise DataValidationError(
                label,
                f"no source row for regions.csv column {column!r} (every figure needs a source)",
                field="column",
            )
    return table


def load(data_dir: Path | str | None = None) -> RegionData:
    """Load and validate a region dataset.

    Args:
        data_dir: folder holding files in the embedded format (see ``regions/FORMAT.md``); a file
            missing there is taken from the embedded US dataset. None: the embedded dataset.

    Raises:
        DataValidationError: naming the file, line and field of the first problem found.

    >>> data = load()
    >>> float(data.regions.loc["TX", "power_price_usd_per_mwh"])
    66.0
    """
    files = resolve_files(data_dir)
    regions, geometry, metadata = _read_regions(files)
    permitting, evidence = _read_permitting(files, regions)
    prices, mineral_sources = _read_minerals(files, geometry)
    facilities = _read_facilities(files, geometry)
    zones = read_zones(files["zones.toml"], geometry)
    sources = _read_sources(files, regions)
    return RegionData(
        regions=regions.drop(columns="_line"),
        geometry=geometry,
        mineral_sources=mineral_sources.drop(columns="_line"),
        mineral_prices=prices.drop(columns="_line"),
        facilities=facilities.drop(columns="_line"),
        zones=zones,
        sources=sources.drop(columns="_line"),
        permitting=permitting.drop(columns="_line"),
        permitting_evidence=evidence.drop(columns="_line"),
        files=files,
        metadata=metadata,
    )
