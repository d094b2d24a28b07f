"""Polygon helpers of the boundary build tools (``build_states_geojson.py``,
``build_counties_geojson.py``): shapely and numpy only, so the tools run in an environment
without the ``regions`` package's dependencies. The tools load this file by path
(:func:`load_by_path`)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient


def load_by_path(path: Path, name: str) -> ModuleType:
    """Import one module from its file (no package import: ``regions/__init__`` needs pandas)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def polygon_parts(geom: BaseGeometry) -> list[Polygon]:
    """Polygons of a (Multi)Polygon or GeometryCollection, non-empty only."""
    if geom.is_empty:
        return []
    if isinstance(geom, Polygon):
        return [geom]
    if isinstance(geom, MultiPolygon):
        return [p for p in geom.geoms if not p.is_empty]
    if hasattr(geom, "geoms"):
        out: list[Polygon] = []
        for g in geom.geoms:
            out.extend(polygon_parts(g))
        return out
    return []


def as_polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Valid Polygon/MultiPolygon with counter-clockwise exteriors from any geometry."""
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    parts = polygon_parts(geom)
    if not parts:
        return Polygon()
    out: BaseGeometry = parts[0] if len(parts) == 1 else MultiPolygon(parts)
    if not out.is_valid:
        out = out.buffer(0)
        parts = polygon_parts(out)
        out = parts[0] if len(parts) == 1 else MultiPolygon(parts)
    if isinstance(out, Polygon):
        return orient(out, 1.0)
    return MultiPolygon([orient(p, 1.0) for p in out.geoms])


def shift_antimeridian(geom: BaseGeometry) -> BaseGeometry:
    """Shift positive longitudes by -360 (Alaska's western Aleutians)."""

    def f(c: np.ndarray) -> np.ndarray:
        c = c.copy()
        c[:, 0] = np.where(c[:, 0] > 0.0, c[:, 0] - 360.0, c[:, 0])
        return c

    return shapely.transform(geom, f)


def round_coords(obj: Any, decimals: int) -> Any:
    """Nested coordinate lists with every number rounded to ``decimals`` [deg]."""
    if isinstance(obj, (list, tuple)):
        if obj and isinstance(obj[0], (int, float)):
            return [round(float(v), decimals) for v in obj]
        return [round_coords(o, decimals) for o in obj]
    return obj


def collection_text(metadata: dict, features: list[str]) -> str:
    """A FeatureCollection as the boundary files store it: the metadata on one line, then one
    feature (already serialized) per line."""
    meta = json.dumps(metadata, separators=(",", ":"), ensure_ascii=False)
    return "\n".join(
        ['{"type":"FeatureCollection",', '"metadata":' + meta + ",", '"features":[',
         ",\n".join(features), "]}"]
    ) + "\n"  # fmt: skip
