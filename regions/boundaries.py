"""Region boundary polygons: read the GeoJSON, check geometry and representative points."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

import pandas as pd
import shapely
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from .checks import check_number, read_text
from .errors import DataValidationError
from .geodesy import local_km_projection

REQUIRED_PROPERTIES = ("region_id", "name", "fips", "rep_lon", "rep_lat")
COASTAL_TOLERANCE_KM = 25.0
"""How far [km] a point may lie outside its region's polygon and still count as in it: the
embedded polygons are simplified 1:500,000 coastlines, so a port, a coastal plant or a centre of
population (a population-weighted mean, which can fall in a bay) may sit just off them."""


def read_feature_collection(path: Path, label: str) -> dict:
    """A GeoJSON FeatureCollection read from ``path``; errors name ``label`` (and the line)."""
    try:
        doc = json.loads(read_text(path, label))
    except json.JSONDecodeError as exc:
        raise DataValidationError(label, f"not valid JSON ({exc.msg})", line=exc.lineno) from None
    except RecursionError:
        raise DataValidationError(label, "not valid JSON (nested too deeply)") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise DataValidationError(label, "is not a GeoJSON FeatureCollection")
    return doc


def km_outside(geometry: BaseGeometry, lon: float, lat: float) -> float:
    """Distance [km] from (lon, lat) [deg] to ``geometry``; 0 inside. Equirectangular projection
    about the point's latitude, accurate to a few percent within a few hundred km."""
    point = Point(lon, lat)
    if geometry.contains(point):
        return 0.0
    forward, _ = local_km_projection(lat)
    return float(shapely.transform(geometry, forward).distance(shapely.transform(point, forward)))


def read_boundaries(path: Path) -> tuple[pd.DataFrame, dict[str, BaseGeometry], dict]:
    """Read a FeatureCollection of region polygons.

    Returns (table with region_id, name, fips, rep_lon, rep_lat; geometry by region_id; metadata).
    Each feature must carry the REQUIRED_PROPERTIES, a valid non-empty (Multi)Polygon, and a
    representative point inside its polygon or within COASTAL_TOLERANCE_KM of it.
    """
    label = str(path)
    doc = read_feature_collection(path, label)
    features = doc.get("features", [])
    if not isinstance(features, list):
        raise DataValidationError(
            label, f"must be a list of features, got {type(features).__name__}", field="features"
        )
    metadata = doc.get("metadata", {})
    if not isinstance(metadata, dict):
        raise DataValidationError(
            label, f"must be an object, got {type(metadata).__name__}", field="metadata"
        )
    rows, geometries = [], {}
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict):
            raise DataValidationError(
                label,
                f"must be a GeoJSON Feature object, got {type(feature).__name__}",
                row_id=f"feature {number}",
            )
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            raise DataValidationError(
                label,
                f"must be an object, got {type(props).__name__}",
                field="properties",
                row_id=f"feature {number}",
            )
        region_id = str(props.get("region_id", "")).strip()
        where = {
            "file": label,
            "row_id": f"feature {number}" + (f" {region_id}" if region_id else ""),
        }
        for key in REQUIRED_PROPERTIES:
            if props.get(key) in (None, ""):
                raise DataValidationError(message="property is missing", field=key, **where)
        try:
            geometry = shape(feature["geometry"])
        except Exception as exc:  # noqa: BLE001 - any parse failure is a data error
            raise DataValidationError(
                message=f"unreadable geometry ({exc})", field="geometry", **where
            ) from None
        if geometry.is_empty or geometry.geom_type not in ("Polygon", "MultiPolygon"):
            raise DataValidationError(
                message=f"geometry must be a non-empty Polygon or MultiPolygon, got {geometry.geom_type}",
                field="geometry",
                **where,
            )
        if not geometry.is_valid:
            reason = shapely.is_valid_reason(geometry)
            raise DataValidationError(
                message=f"invalid geometry: {reason}", field="geometry", **where
            )
        rep_lon = check_number(props["rep_lon"], field="rep_lon", low=-180, high=180, **where)
        rep_lat = check_number(props["rep_lat"], field="rep_lat", low=-90, high=90, **where)
        gap = km_outside(geometry, rep_lon, rep_lat)
        if gap > COASTAL_TOLERANCE_KM:
            raise DataValidationError(
                message=f"representative point ({rep_lon}, {rep_lat}) lies {gap:.0f} km outside "
                f"the polygon (tolerance {COASTAL_TOLERANCE_KM:g} km)",
                field="rep_lon/rep_lat",
                **where,
            )
        if region_id in geometries:
            raise DataValidationError(message="duplicate region_id", field="region_id", **where)
        geometries[region_id] = geometry
        rows.append(
            {
                "region_id": region_id,
                "name": str(props["name"]),
                "fips": str(props["fips"]),
                "rep_lon": rep_lon,
                "rep_lat": rep_lat,
            }
        )
    if not rows:
        raise DataValidationError(label, "has no features")
    return pd.DataFrame(rows), geometries, metadata


# ---------------------------------------------------------------------------------------------
# county outlines (read only by county-resolution maps)
# ---------------------------------------------------------------------------------------------

COUNTIES_GEOJSON = Path(__file__).with_name("data") / "counties.geojson"
"""The embedded county outlines (``regions/tools/build_counties_geojson.py`` writes them)."""
FIPS_PATTERN = re.compile(r"\d{5}")


class CountyOutline(NamedTuple):
    """One county of the county-outline file: 5-digit ``fips``, ``name`` (e.g. ``Lake``),
    ``lsad`` (``County``, ``Parish``, ``city`` … or empty), ``state`` (USPS code),
    ``state_name`` and ``geometry`` (a GeoJSON Polygon/MultiPolygon, lon/lat [deg])."""

    fips: str
    name: str
    lsad: str
    state: str
    state_name: str
    geometry: dict

    @property
    def label(self) -> str:
        """``'Lake County, Ohio'`` (``'District of Columbia'`` for DC)."""
        county = " ".join(p for p in (self.name, self.lsad) if p)
        return county if county == self.state_name else f"{county}, {self.state_name}"


def load_county_outlines(path: Path | str | None = None) -> dict[str, CountyOutline]:
    """County outlines by FIPS from ``path`` (default: the embedded ``counties.geojson``),
    read once per path. DataValidationError naming the file if it is missing or malformed.
    Checks structure only (the build tool checked validity); about 0.1 s for 3,142 counties."""
    return dict(_county_outlines(str(Path(path) if path is not None else COUNTIES_GEOJSON)))


@functools.lru_cache(maxsize=4)
def _county_outlines(name: str) -> tuple[tuple[str, CountyOutline], ...]:
    path = Path(name)
    label = str(path)
    doc = read_feature_collection(path, label)
    features = doc.get("features")
    if not isinstance(features, list) or not features:
        raise DataValidationError(label, "has no list of features", field="features")
    found: dict[str, CountyOutline] = {}
    for number, feature in enumerate(features, start=1):
        props = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(props, dict):
            raise DataValidationError(
                label, "not a Feature with properties", row_id=f"feature {number}"
            )
        fips = str(props.get("fips", ""))
        where = {"file": label, "row_id": f"feature {number}" + (f" {fips}" if fips else "")}
        if not FIPS_PATTERN.fullmatch(fips):
            raise DataValidationError(message="must be a 5-digit FIPS code", field="fips", **where)
        if fips in found:
            raise DataValidationError(message="duplicate FIPS code", field="fips", **where)
        for key in ("name", "state", "state_name"):
            if not isinstance(props.get(key), str) or not props[key]:
                raise DataValidationError(message="property is missing", field=key, **where)
        geometry = feature.get("geometry")
        if (
            not isinstance(geometry, dict)
            or geometry.get("type") not in ("Polygon", "MultiPolygon")
            or not isinstance(geometry.get("coordinates"), list)
            or not geometry["coordinates"]
        ):
            raise DataValidationError(
                message="must be a non-empty GeoJSON Polygon or MultiPolygon",
                field="geometry",
                **where,
            )
        found[fips] = CountyOutline(
            fips,
            props["name"],
            str(props.get("lsad") or ""),
            props["state"],
            props["state_name"],
            geometry,
        )
    return tuple(found.items())


def county_labels(fips: Iterable[str], path: Path | str | None = None) -> dict[str, str]:
    """FIPS → ``'Lake County, Ohio'`` for the given codes found in the county-outline file."""
    outlines = load_county_outlines(path)
    return {f: outlines[f].label for f in fips if f in outlines}
