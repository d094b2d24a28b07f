"""Small pieces shared by the map layers: safe links and representative points."""

from __future__ import annotations

import contextlib
import re
import weakref

from regions import RegionData

from ..formatting import esc


def _safe_href(url: object) -> str | None:
    text = str(url or "").strip()
    return esc(text) if re.match(r"https?://", text, re.IGNORECASE) else None


def _link(label: object, url: object) -> str:
    href = _safe_href(url)
    if href is None:
        return esc(label)
    return f'<a href="{href}" target="_blank" rel="noopener noreferrer">{esc(label)}</a>'


_POINTS: dict[int, tuple[weakref.ref, dict[str, tuple[float, float]]]] = {}


def rep_points(data: RegionData) -> dict[str, tuple[float, float]]:
    """Region id → representative point (lat, lon) [deg], made once per RegionData object (a
    map asks for hundreds)."""
    cached = _POINTS.get(id(data))
    if cached is not None and cached[0]() is data:
        return cached[1]
    regions = data.regions
    points = {
        str(r): (float(lat), float(lon))
        for r, lat, lon in zip(regions.index, regions["rep_lat"], regions["rep_lon"], strict=True)
    }
    with contextlib.suppress(TypeError):  # an object without weak references is not cached
        _POINTS[id(data)] = (weakref.ref(data), points)
    return points


def _rep_point(data: RegionData, region_id: str) -> tuple[float, float]:
    return rep_points(data)[region_id]
