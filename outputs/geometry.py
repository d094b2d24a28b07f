"""State and zone polygons as the maps and GeoJSON exports draw them: simplified, rounded, tiny
islands dropped, once per RegionData object, and kept on disk next to the region-data cache
(``regions.cache.derived``: a new dataset, new code of this module or new library versions work
them out again). Needs shapely only (no folium), so writing a run's GeoJSON does not load the map
library."""

from __future__ import annotations

import contextlib
import weakref
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import mapping

from regions import RegionData
from regions.cache import derived

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


_OUTLINES: dict[int, tuple[weakref.ref, Outlines]] = {}
_SOURCE = Path(__file__).read_bytes()
"""This module's code: the salt of the outlines' disk cache entry."""


class Outlines(dict):
    """A dataset's display outlines: ``states`` (GeoJSON FeatureCollection, ``state_shapes``)
    and ``zones`` (zone id → shapely geometry, ``zone_shape``)."""


def outlines(data: RegionData) -> Outlines:
    """Every display outline of ``data``, worked out once per RegionData object and read from
    the disk cache when ``data`` came from the region-data cache (``regions.cache.derived``)."""
    cached = _OUTLINES.get(id(data))
    if cached is not None and cached[0]() is data:
        return cached[1]
    found = derived(data, "outlines", _SOURCE, lambda: _outlines(data), Outlines)
    with contextlib.suppress(TypeError):  # an object without weak references is not cached
        _OUTLINES[id(data)] = (weakref.ref(data), found)
    return found


def _outlines(data: RegionData) -> Outlines:
    """``outlines`` worked out (about 0.13 s CPU for the built-in data)."""
    zones = {zone_id: display_geometry(zone.geometry) for zone_id, zone in data.zones.items()}
    return Outlines(states=_state_shapes(data), zones=zones)


def zone_shape(data: RegionData, zone_id: str) -> shapely.Geometry:
    """A zone's outline for display (``display_geometry``), simplified once per dataset (every
    map of a run draws it); KeyError for an unknown zone."""
    return outlines(data)["zones"][zone_id]


def state_shapes(data: RegionData) -> dict:
    """State polygons as a GeoJSON FeatureCollection for display (``display_geometry``),
    simplified once per dataset (several maps of one run share them)."""
    return outlines(data)["states"]


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


__all__ = [
    "Outlines",
    "display_geometry",
    "outlines",
    "state_shapes",
    "valid_polygons",
    "zone_shape",
]
