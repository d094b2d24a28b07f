"""Region boundary polygons: read the GeoJSON, check geometry and representative points."""

from __future__ import annotations

import json
from pathlib import Path

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
    try:
        doc = json.loads(read_text(path, label))
    except json.JSONDecodeError as exc:
        raise DataValidationError(label, f"not valid JSON ({exc.msg})", line=exc.lineno) from None
    except RecursionError:
        raise DataValidationError(label, "not valid JSON (nested too deeply)") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise DataValidationError(label, "is not a GeoJSON FeatureCollection")
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
