"""``load()``: read a data folder (default: the embedded US dataset), validate it, return RegionData."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .boundaries import read_boundaries
from .coordinates import check_coordinates
from .dataset import RegionData
from .demand import empty_demand, read_demand
from .errors import DataValidationError
from .geodesy import equal_area_km2
from .permitting import check_permitting
from .tables import check_refs, check_unique, read_table
from .timeline import check_events, implied_events, view_at
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
    "facility_events.csv",
    "zones.toml",
    "sources.csv",
    "demand.csv",
)
CUSTOMER_FILES = ("customers.csv", "customer_events.csv", "jv_partners.csv")
"""Files a data folder may hold that ``load`` does not read: customer points, read by
``regions.customers`` (FORMAT.md, Customers); the model does not use them yet."""
PERMITTING_TOLERANCE_MONTHS = 1e-6
RENAMED_FILES = {"permitting_index.csv": "permitting.csv (with permitting_evidence.csv)"}
EXTRA_FILES = (
    "counties.csv",
    "counties.geojson",
    *CUSTOMER_FILES,
    "vehicle_production.csv",
    "vehicle_plant_output.csv",
)
"""Data files a folder may hold that ``load()`` does not read: county candidates
(``regions.counties.load_counties``), county outlines (``regions.boundaries.load_county_outlines``,
read by county-resolution maps only), the customer files, cited light-vehicle production by
state (``regions.vehicle_production.read_vehicle_production``) and by assembly plant
(``regions.vehicle_plant_output.read_vehicle_plant_output``)."""
NOTE_SUFFIXES = (".md", ".txt", ".rst")
"""Files a data folder may hold besides the data files: notes for people (and hidden files)."""


def check_file_names(folder: Path) -> None:
    """Raise if ``folder`` holds a file that is neither a data file nor a note (``*.md``, ``*.txt``,
    ``*.rst``, hidden files); the message lists the expected names. Sub-folders are not read."""
    expected = ", ".join(DATA_FILES)
    for path in sorted(folder.iterdir()):
        name = path.name
        if name in DATA_FILES or name in EXTRA_FILES or name.startswith(".") or path.is_dir():
            continue
        if path.suffix.lower() in NOTE_SUFFIXES and name.lower() not in DATA_FILES:
            continue
        hint = next((f"; did you mean {n}?" for n in DATA_FILES if n.lower() == name.lower()), "")
        raise DataValidationError(
            str(path),
            f"not a data file name{hint} (expected: {expected}; a file not given is taken from "
            "the embedded US dataset)",
        )


def resolve_files(data_dir: Path | str | None) -> dict[str, Path]:
    """Path of each data file: from ``data_dir`` when present there, else the embedded default.

    Raises DataValidationError if the folder does not exist or holds an unknown file name.
    """
    folder = Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR
    if not folder.is_dir():
        raise DataValidationError(str(folder), "data folder does not exist")
    for old, new in RENAMED_FILES.items():
        if (folder / old).exists() and not (folder / new.split()[0]).exists():
            raise DataValidationError(
                str(folder / old), f"this file format is retired; supply {new} (see FORMAT.md)"
            )
    check_file_names(folder)
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
    domestic["feed_origin"] = check_feed_origin(domestic, label)
    domestic["domestic_feed"] = domestic["feed_origin"].isin(DOMESTIC_FEED)

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
        published="",
        facility_id="",
        foreign=True,
        feed_origin="imported",
        domestic_feed=False,
    )
    sources = pd.concat([domestic, imported[domestic.columns]], ignore_index=True)
    return prices.set_index("mineral"), sources


DOMESTIC_FEED = ("domestic", "recycled")
"""Feed origins that count as domestic for a domestic-share rule: mined or recycled at home."""
MINED = ("mine", "brine")


def check_feed_origin(sources: pd.DataFrame, label: str) -> pd.Series:
    """Each source's feed origin: a mine or brine mines at home (blank reads as ``domestic``,
    anything else is an error); a refinery, processor or recycler must say where its feed comes
    from (blank is an error naming the line and field)."""
    out = []
    for row in sources.to_dict("records"):
        origin = str(row.get("feed_origin", "") or "")
        where = {"line": int(row["_line"]), "row_id": row["source_id"], "field": "feed_origin"}
        if row["kind"] in MINED:
            if origin not in ("", "domestic"):
                raise DataValidationError(
                    label, f"a {row['kind']} mines at home: {origin!r} must be domestic", **where
                )
            out.append("domestic")
        elif origin == "":
            raise DataValidationError(
                label,
                f"a {row['kind']} needs its feed origin (domestic, recycled, imported or unknown): "
                "only feed mined or recycled at home counts as domestic",
                **where,
            )
        else:
            out.append(origin)
    return pd.Series(out, index=sources.index, dtype=object)


SOURCE_STATUS_FOR_FACILITY = {
    "operating": ("operating",),
    "under_construction": ("under_construction",),
    "announced": ("proposed",),
    "paused": ("proposed", "under_construction"),
    "cancelled": ("closed",),
    "closed": ("closed",),
}
"""Mineral-source statuses that agree with the status of the facility they name."""


def _read_facilities(files: dict[str, Path], geometry: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Facilities (status and counted capacity after their last event) and their events.

    Events come from ``facility_events.csv``; when a user's ``facilities.csv`` comes without
    one, a row equal to the embedded one keeps its embedded events and any other row implies its
    own (its status from ``announced_date`` on).
    """
    label = str(files["facilities.csv"])
    table = read_table(files["facilities.csv"])
    check_unique(table, ["facility_id"], label)
    check_refs(table, "region_id", set(geometry), label, "regions.csv")
    check_coordinates(table, geometry, label, id_column="facility_id", domestic=False)
    table = table.rename(columns={"capacity_std": "nameplate_std"}).set_index("facility_id")
    events_path = files["facility_events.csv"]
    user_facilities = files["facilities.csv"] != DEFAULT_DATA_DIR / "facilities.csv"
    if user_facilities and events_path == DEFAULT_DATA_DIR / "facility_events.csv":
        events = _events_for_user_facilities(table)
    else:
        events = read_table(events_path)
        events["implied"] = False
        check_events(events, table, str(events_path), label)
    facilities = view_at(table, events, None, keep_ended=True)
    return facilities, events.drop(columns="_line")


def _events_for_user_facilities(table: pd.DataFrame) -> pd.DataFrame:
    """Events of a user's ``facilities.csv`` given without ``facility_events.csv``: a row equal
    to its embedded row (every field) keeps the embedded dated events; any other row implies its
    own (its status from ``announced_date`` on, ``implied`` True)."""
    embedded = read_table(DEFAULT_DATA_DIR / "facilities.csv")
    embedded = embedded.rename(columns={"capacity_std": "nameplate_std"}).set_index("facility_id")
    columns = [c for c in table.columns if c != "_line"]
    kept = [
        fid
        for fid in table.index
        if fid in embedded.index
        and _same_row(table.loc[fid, columns].tolist(), embedded.loc[fid, columns].tolist())
    ]
    recorded = read_table(DEFAULT_DATA_DIR / "facility_events.csv")
    recorded = recorded[recorded["facility_id"].isin(kept)].assign(implied=False)
    others = implied_events(table.drop(index=kept))
    return pd.concat([recorded, others[recorded.columns]], ignore_index=True)


def _same_row(a: list, b: list) -> bool:
    """True when two rows hold the same values (NaN equal to NaN)."""
    return all(x == y or (pd.isna(x) and pd.isna(y)) for x, y in zip(a, b, strict=True))


def _check_source_facilities(
    files: dict[str, Path], sources: pd.DataFrame, facilities: pd.DataFrame
) -> None:
    """A mineral source naming a facility agrees with it on status and first production year."""
    label = str(files["mineral_sources.csv"])
    domestic = sources[~sources["foreign"]]
    check_refs(domestic, "facility_id", set(facilities.index), label, "facilities.csv")
    for row in domestic[domestic["facility_id"] != ""].to_dict("records"):
        facility = facilities.loc[row["facility_id"]]
        where = {"line": int(row["_line"]), "row_id": row["source_id"]}
        allowed = SOURCE_STATUS_FOR_FACILITY[facility["status"]]
        if row["status"] not in allowed:
            raise DataValidationError(
                label,
                f"{row['status']!r} disagrees with facility {row['facility_id']!r}, which is "
                f"{facility['status']!r} (expected {' or '.join(allowed)})",
                field="status",
                **where,
            )
        first = facility["first_production_date"]
        year = row["first_production_year"]
        if not pd.isna(first) and not np.isnan(year) and int(year) != first.year:
            raise DataValidationError(
                label,
                f"{year:.0f} disagrees with facility {row['facility_id']!r}, first production "
                f"{first.date()}",
                field="first_production_year",
                **where,
            )


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


def _read_demand(files: dict[str, Path], regions: pd.DataFrame) -> pd.DataFrame:
    """Demand nodes; none when a folder brings its own regions but no ``demand.csv`` (the
    embedded nodes name the embedded regions). Drops ``demand.csv`` from ``files`` then."""
    path = files["demand.csv"]
    own_regions = files["regions.geojson"] != DEFAULT_DATA_DIR / "regions.geojson"
    if (own_regions and path == DEFAULT_DATA_DIR / "demand.csv") or not path.exists():
        del files["demand.csv"]
        return empty_demand()
    return read_demand(path, regions).drop(columns="_line")


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
    facilities, facility_events = _read_facilities(files, geometry)
    _check_source_facilities(files, mineral_sources, facilities)
    zones = read_zones(files["zones.toml"], geometry)
    sources = _read_sources(files, regions)
    demand = _read_demand(files, regions)
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
        facility_events=facility_events,
        demand=demand,
    )
