"""Check that sites lie where their rows say: in the stated region and, for domestic mineral
sources, in the United States (within ``COASTAL_TOLERANCE_KM`` of the polygons)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from shapely.geometry.base import BaseGeometry

from .boundaries import COASTAL_TOLERANCE_KM, km_outside
from .errors import DataValidationError


def check_coordinates(
    table: pd.DataFrame,
    geometry: Mapping[str, BaseGeometry],
    label: str,
    *,
    id_column: str,
    domestic: bool,
) -> None:
    """Raise unless every row's (lon, lat) lies in its ``region_id`` polygon (with tolerance).

    Args:
        table: rows with ``_line``, ``id_column``, ``region_id``, ``lat``, ``lon`` [deg].
        geometry: region polygon by id.
        label: file name for the error.
        id_column: the row id column (``facility_id``, ``source_id``, ``gateway_id``).
        domestic: also require the point to lie in the country (any region polygon); a point
            outside every region is reported as outside the United States.

    >>> from shapely.geometry import box
    >>> rows = pd.DataFrame({"_line": [2], "site_id": ["s1"], "region_id": ["A"],
    ...     "lat": [0.5], "lon": [3.0]})
    >>> check_coordinates(rows, {"A": box(0, 0, 1, 1)}, "sites.csv", id_column="site_id",
    ...     domestic=False)
    Traceback (most recent call last):
    ...
    regions.errors.DataValidationError: sites.csv, line 2 (s1), field lat/lon: (3, 0.5) lies 222 km outside region A (tolerance 25 km)
    """
    for row in table.to_dict("records"):
        region_id, lon, lat = row["region_id"], float(row["lon"]), float(row["lat"])
        shape = geometry.get(region_id)
        if shape is None:
            continue  # unknown ids are reported by check_refs
        gap = km_outside(shape, lon, lat)
        if gap <= COASTAL_TOLERANCE_KM:
            continue
        where = {"line": int(row["_line"]), "field": "lat/lon", "row_id": row[id_column]}
        if domestic:
            nearest, nearest_gap = min(
                ((r, km_outside(g, lon, lat)) for r, g in geometry.items()), key=lambda x: x[1]
            )
            if nearest_gap > COASTAL_TOLERANCE_KM:
                raise DataValidationError(
                    label,
                    f"({lon:g}, {lat:g}) lies outside the United States ({nearest_gap:.0f} km "
                    f"from the nearest region, {nearest}); a domestic source must be in the "
                    "country",
                    **where,
                )
            raise DataValidationError(
                label,
                f"({lon:g}, {lat:g}) lies {gap:.0f} km outside region {region_id} "
                f"(tolerance {COASTAL_TOLERANCE_KM:g} km); it lies in {nearest}",
                **where,
            )
        raise DataValidationError(
            label,
            f"({lon:g}, {lat:g}) lies {gap:.0f} km outside region {region_id} "
            f"(tolerance {COASTAL_TOLERANCE_KM:g} km)",
            **where,
        )
