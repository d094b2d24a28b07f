"""Zones: named groups of regions, given as a list of ids or as a buffered corridor line."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import shapely
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from .checks import check_number, read_text
from .errors import DataValidationError
from .geodesy import local_km_projection

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ZONE_KEYS = {
    "regions": {"description", "method", "regions"},
    "corridor": {"description", "method", "line", "buffer_km", "min_overlap_fraction"},
}
MAX_BUFFER_KM = 2000.0
"""Widest corridor buffer [km]: a buffer wider than this covers most of the country, not a corridor."""


@dataclass(frozen=True)
class Zone:
    """A named group of regions; ``geometry`` is the zone's outline (union or corridor) in lon/lat."""

    zone_id: str
    description: str
    method: str  # "regions" or "corridor"
    members: tuple[str, ...]
    geometry: BaseGeometry


def corridor_geometry(line: list[list[float]], buffer_km: float) -> BaseGeometry:
    """Buffer a lon/lat polyline by ``buffer_km`` [km] (equirectangular at the line's mid-latitude)."""
    lats = [pt[1] for pt in line]
    forward, inverse = local_km_projection((min(lats) + max(lats)) / 2)
    return shapely.transform(
        shapely.transform(LineString(line), forward).buffer(buffer_km), inverse
    )


def _check_line(line: object, where: dict) -> list[list[float]]:
    """A corridor line: a list of at least two [lon, lat] points of finite degrees."""
    if not isinstance(line, list) or len(line) < 2:
        raise DataValidationError(
            message="must be a list of at least two [lon, lat] points", field="line", **where
        )
    points = []
    for number, point in enumerate(line, start=1):
        if not isinstance(point, list) or len(point) != 2:
            raise DataValidationError(
                message=f"point {number} must be [lon, lat], got {point!r}", field="line", **where
            )
        lon = check_number(point[0], field=f"line point {number} lon", low=-180, high=180, **where)
        lat = check_number(point[1], field=f"line point {number} lat", low=-90, high=90, **where)
        points.append([lon, lat])
    return points


def read_zones(path: Path, geometries: dict[str, BaseGeometry]) -> dict[str, Zone]:
    """Read ``zones.toml`` and resolve each zone's member regions against ``geometries``."""
    label = str(path)
    try:
        doc = tomllib.loads(read_text(path, label))
    except tomllib.TOMLDecodeError as exc:
        raise DataValidationError(label, f"not valid TOML ({exc})") from None
    if not isinstance(doc.get("zones", {}), dict):
        raise DataValidationError(label, "must be a table of zones ([zones.<id>])", field="zones")
    unknown_top = set(doc) - {"zones"}
    if unknown_top:
        raise DataValidationError(
            label, f"unknown top-level key(s): {', '.join(sorted(unknown_top))}"
        )
    zones = {}
    for zone_id, spec in doc.get("zones", {}).items():
        where = {"file": label, "row_id": f"[zones.{zone_id}]"}
        if not isinstance(spec, dict):
            raise DataValidationError(message="must be a table", field=zone_id, **where)
        method = spec.get("method")
        if method not in ZONE_KEYS:
            raise DataValidationError(
                message=f"method must be 'regions' or 'corridor', got {method!r}",
                field="method",
                **where,
            )
        extra = set(spec) - ZONE_KEYS[method]
        missing = ZONE_KEYS[method] - set(spec) - {"min_overlap_fraction"}
        if extra:
            raise DataValidationError(
                message=f"unknown key(s) for method {method}",
                field=", ".join(sorted(extra)),
                **where,
            )
        if missing:
            raise DataValidationError(
                message="missing key(s)", field=", ".join(sorted(missing)), **where
            )
        if not isinstance(spec["description"], str):
            raise DataValidationError(message="must be a string", field="description", **where)
        if method == "regions":
            if not isinstance(spec["regions"], list):
                raise DataValidationError(
                    message="must be a list of region ids", field="regions", **where
                )
            members = tuple(spec["regions"])
            for region_id in members:
                if not isinstance(region_id, str) or region_id not in geometries:
                    raise DataValidationError(
                        message=f"unknown region id {region_id!r}", field="regions", **where
                    )
            outline = unary_union([geometries[r] for r in members])
        else:
            buffer_km = check_number(
                spec["buffer_km"],
                field="buffer_km",
                low=0,
                low_open=True,
                high=MAX_BUFFER_KM,
                **where,
            )
            share = check_number(
                spec.get("min_overlap_fraction", 0.0),
                field="min_overlap_fraction",
                low=0,
                high=1,
                **where,
            )
            if share >= 1:
                raise DataValidationError(
                    message="must be in [0, 1)", field="min_overlap_fraction", **where
                )
            outline = corridor_geometry(_check_line(spec["line"], where), buffer_km)
            members = tuple(
                sorted(
                    region_id
                    for region_id, geom in geometries.items()
                    if geom.intersects(outline)
                    and geom.intersection(outline).area > share * geom.area
                )
            )
            if not members:
                raise DataValidationError(
                    message="corridor touches no region", field="line", **where
                )
        zones[zone_id] = Zone(zone_id, str(spec["description"]), method, members, outline)
    return zones
