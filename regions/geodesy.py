"""Distances and simple projections on the sphere (no projection library needed)."""

from __future__ import annotations

import math

import numpy as np
import shapely

EARTH_RADIUS_KM = 6371.0088  # IUGG mean Earth radius [km]


def haversine_km(lon1, lat1, lon2, lat2):
    """Great-circle distance [km] between points given in degrees; works on arrays (broadcasts).

    >>> round(float(haversine_km(-92.1005, 46.7867, -83.0458, 42.3314)))  # Duluth to Detroit
    871
    """
    lon1, lat1, lon2, lat2 = (
        np.radians(np.asarray(v, dtype=float)) for v in (lon1, lat1, lon2, lat2)
    )
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def local_km_projection(lat0_deg: float):
    """Return (forward, inverse) functions mapping an (N, 2) lon/lat array <-> equirectangular km.

    Distances are true to within a few percent inside ~1,000 km of latitude ``lat0_deg``;
    used to buffer corridors by a distance in km. Use with ``shapely.transform``.
    """
    scale = np.array(
        [
            math.radians(1) * EARTH_RADIUS_KM * math.cos(math.radians(lat0_deg)),
            math.radians(1) * EARTH_RADIUS_KM,
        ]
    )

    def forward(coords: np.ndarray) -> np.ndarray:
        return coords * scale

    def inverse(coords: np.ndarray) -> np.ndarray:
        return coords / scale

    return forward, inverse


def equal_area_km2(geometry) -> float:
    """Area [km²] of a lon/lat geometry (Lambert cylindrical equal-area, exact on the sphere)."""
    k = math.radians(1) * EARTH_RADIUS_KM

    def forward(coords: np.ndarray) -> np.ndarray:
        return np.column_stack(
            [coords[:, 0] * k, np.sin(np.radians(coords[:, 1])) * EARTH_RADIUS_KM]
        )

    return float(shapely.transform(geometry, forward).area)
