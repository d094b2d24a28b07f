"""State and zone polygons as the maps and GeoJSON exports draw them: simplified, rounded, tiny
islands dropped, once per RegionData object. Needs shapely only (no folium), so writing a run's
GeoJSON does not load the map library."""

from __future__ import annotations

import contextlib
import weakref

import numpy as np
import shapely
from shapely.geometry import mapping

from regions import RegionData

SIMPLIFY_DEG = 0.03
ROUND_DECIMALS = 2
MIN_PART_DEG2 = 0.005  # polygon parts (islands) smaller than this are dropped from the map [deg²]


def _round(geometry: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(geometry, lambda xy: np.round(xy, ROUND_DECIMALS))


def display_geometry(geometry: shapely.Geometry) -> shapely.Geometry:
    """Simplified, rounded geometry for display; tiny islands dropped (the largest part stays).
    Rounding the vertices can make a ring touch or cross itself; such a shape is repaired
    (``valid_polygons``), so every shape a GIS reads is a valid (Multi)Polygon."""
    parts = list(getattr(geometry, "geoms", [geometry]))
    keep = [p for p in parts if p.area >= MIN_PART_DEG2] or [max(parts, key=lambda p: p.area)]
    simple = shapely.MultiPolygon(keep) if len(keep) > 1 else keep[0]
    simple = _round(simple.simplify(SIMPLIFY_DEG, preserve_topology=True))
    return valid_polygons(simple if not simple.is_empty else _round(geometry))


def valid_polygons(geometry: shapely.Geometry) -> shapely.Geometry:
    """``geometry`` itself when valid, else its repair (``shapely.make_valid``) reduced to its
    polygon parts (a self-touching ring also yields points and lines, which are dropped).

    >>> bow = shapely.Polygon([(0, 0), (2, 2), (2, 0), (0, 2), (0, 0)])
    >>> bow.is_valid, valid_polygons(bow).is_valid, valid_polygons(bow).geom_type
    (False, True, 'MultiPolygon')
    """
    if geometry.is_valid:
        return geometry
    repaired = shapely.make_valid(geometry)
    parts = shapely.get_parts(shapely.get_parts(repaired))  # collections, then multi-parts
    parts = [p for p in parts if p.geom_type == "Polygon" and not p.is_empty]
    return shapely.MultiPolygon(parts) if len(parts) > 1 else parts[0]


_SHAPES: dict[int, tuple[weakref.ref, dict]] = {}
_ZONES: dict[tuple[int, str], tuple[weakref.ref, shapely.Geometry]] = {}


def zone_shape(data: RegionData, zone_id: str) -> shapely.Geometry:
    """A zone's outline for display (``display_geometry``), simplified once per RegionData
    object (every map of a run draws it)."""
    cached = _ZONES.get((id(data), zone_id))
    if cached is not None and cached[0]() is data:
        return cached[1]
    shape = display_geometry(data.zones[zone_id].geometry)
    with contextlib.suppress(TypeError):
        _ZONES[(id(data), zone_id)] = (weakref.ref(data), shape)
    return shape


def state_shapes(data: RegionData) -> dict:
    """State polygons as a GeoJSON FeatureCollection for display (``display_geometry``),
    simplified once per RegionData object (several maps of one run share them)."""
    cached = _SHAPES.get(id(data))
    if cached is not None and cached[0]() is data:
        return cached[1]
    shapes = _state_shapes(data)
    with contextlib.suppress(TypeError):  # an object without weak references is not cached
        _SHAPES[id(data)] = (weakref.ref(data), shapes)
    return shapes


def _state_shapes(data: RegionData) -> dict:
    features = []
    for region_id in data.regions.index:
        geometry = data.geometry.get(region_id)
        if geometry is None or geometry.is_empty:
            continue
        features.append(
            {
                "type": "Feature",
                "id": region_id,
                "properties": {},
                "geometry": mapping(display_geometry(geometry)),
            }
        )
    return {"type": "FeatureCollection", "features": features}


__all__ = ["display_geometry", "state_shapes", "valid_polygons", "zone_shape"]
