#!/usr/bin/env python3
"""Build the embedded state-boundary file ``regions/data/regions.geojson``.

Usage (from the repository root)::

    python regions/tools/build_states_geojson.py [--out PATH] [--tolerance DEG]

Source
    US Census Bureau, Cartographic Boundary File ``cb_2016_us_state_500k``
    (1:500,000), vintage 2016, public domain (US federal government work),
    https://www2.census.gov/geo/tiger/GENZ2016/shp/cb_2016_us_state_500k.zip .
    The script reads the copy shipped inside the ``plotly-geo`` PyPI package
    (``_plotly_geo/package_data/``), so no download is needed. Coordinates are
    NAD83 longitude/latitude in degrees.

Build-time dependencies (NOT runtime dependencies of the project; install
them in a throw-away virtualenv)::

    python3 -m venv /tmp/geo-venv
    /tmp/geo-venv/bin/pip install plotly-geo pyshp shapely
    /tmp/geo-venv/bin/python regions/tools/build_states_geojson.py

What it does
    1. Keeps exactly the 50 states + DC (51 features); drops PR, GU, VI, AS, MP.
    2. Alaska: the western Aleutians lie east of the antimeridian (positive
       longitudes). Every positive longitude in Alaska is shifted by -360 so
       the state is one continuous shape for web maps; Alaska's output
       longitudes therefore run from about -187.5 to -130.0 (outside the usual
       [-180, 180] range, on purpose).
    3. Simplifies each geometry with shapely
       ``simplify(tolerance, preserve_topology=True)``, snaps coordinates to a
       1e-4 degree grid (4 decimals) with ``shapely.set_precision`` and repairs
       with ``make_valid`` if needed, keeping only polygonal parts, so every
       output geometry is a valid, non-empty Polygon or MultiPolygon (exterior
       rings counter-clockwise, RFC 7946).
    4. Checks, per state: (a) every original polygon part with planar area
       >= 0.005 square degrees still exists in the simplified geometry (its
       representative point is covered by the simplified geometry, or failing
       that its centroid is); (b) the simplified planar area (square degrees)
       is within 2 % of the original. A state that fails is rebuilt with half
       the tolerance, down to 1/64 of it; the final tolerance per state is
       recorded in the file's metadata.
    5. Properties per feature: ``region_id`` (USPS code), ``name``, ``fips``
       (2-digit string), ``rep_lon``/``rep_lat`` (shapely
       ``representative_point()`` of the simplified geometry, rounded to 4
       decimals and verified to lie inside it) and ``area_km2``. The embedded file then
       has its points replaced by the 2020 Census centers of population with
       ``regions/tools/set_rep_points.py``; run that after this script.
    6. ``area_km2`` is computed from the ORIGINAL (unsimplified) geometry by
       projecting every vertex with the ellipsoidal Albers equal-area conic
       projection (Snyder 1987, "Map Projections: A Working Manual", USGS
       Professional Paper 1395, eqs. 3-12, 14-3 to 14-6, 14-12 to 14-15) on
       the GRS80 ellipsoid (standard parallels 29.5 N and 45.5 N, central
       meridian 96 W, latitude of origin 23 N, as in the usual CONUS Albers),
       then taking the planar shoelace area in the projected plane. Because
       the projection is equal-area everywhere, the same parameters serve
       Alaska and Hawaii. The cartographic file is clipped to the shoreline,
       so the figure includes inland water but only part of coastal water;
       it lies between the Census ALAND and ALAND+AWATER figures.
    7. Writes a GeoJSON FeatureCollection, features sorted by ``region_id``,
       one feature per line, with a top-level ``metadata`` object, atomically
       (temporary file in the target folder, then ``os.replace``).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapefile  # pyshp
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.prepared import prep

sys.path.insert(0, str(Path(__file__).resolve().parent))
from polygons import (  # noqa: E402  (by path: the regions package needs pandas)
    as_polygonal,
    collection_text,
    load_by_path,
    polygon_parts,
    round_coords,
    shift_antimeridian,
)

write_text_atomic = load_by_path(
    Path(__file__).resolve().parents[2] / "regions" / "atomic.py", "_atomic"
).write_text_atomic

SHAPEFILE_STEM = "cb_2016_us_state_500k"
SOURCE = (
    "US Census Bureau, Cartographic Boundary File cb_2016_us_state_500k "
    "(1:500,000), 2016, via the plotly-geo PyPI package"
)
SOURCE_URL = "https://www2.census.gov/geo/tiger/GENZ2016/shp/cb_2016_us_state_500k.zip"
LICENCE = "US federal government work, public domain"
VINTAGE = 2016
SCRIPT_PATH = "regions/tools/build_states_geojson.py"

DEFAULT_TOLERANCE = 0.005  # degrees
GRID = 1e-4  # output coordinate grid, degrees (4 decimals)
DECIMALS = 4
MIN_PART_AREA = 0.005  # square degrees: parts at least this big must survive
MAX_AREA_DEV = 0.02  # relative, planar square degrees
MAX_HALVINGS = 6

# 50 states + DC, by 2-digit FIPS code: 01..56 less the unused codes 03, 07, 14, 43, 52.
STATE_FIPS: frozenset[str] = frozenset(
    f"{i:02d}" for i in range(1, 57) if i not in {3, 7, 14, 43, 52}
)

# GRS80 ellipsoid and Albers parameters.
GRS80_A = 6378137.0
GRS80_F = 1.0 / 298.257222101
ALBERS_LAT1 = 29.5
ALBERS_LAT2 = 45.5
ALBERS_LAT0 = 23.0
ALBERS_LON0 = -96.0


@dataclass
class StateResult:
    """Outcome of simplifying one state."""

    region_id: str
    name: str
    fips: str
    geometry: BaseGeometry
    tolerance: float
    area_km2: float
    rep_lon: float
    rep_lat: float
    orig_vertices: int
    vertices: int
    orig_parts: int
    parts: int
    area_dev: float
    big_parts: int
    big_parts_missing: list[str] = field(default_factory=list)
    small_parts_dropped: int = 0


# --------------------------------------------------------------------------
# Albers equal-area area
# --------------------------------------------------------------------------


def _albers_q(phi: np.ndarray, e: float) -> np.ndarray:
    """Snyder eq. 3-12: authalic ``q`` for geodetic latitude ``phi`` (radians)."""
    s = np.sin(phi)
    es = e * s
    log_term = np.log((1.0 - es) / (1.0 + es)) / (2.0 * e)
    return (1.0 - e * e) * (s / (1.0 - es * es) - log_term)


def _albers_m(phi: float, e: float) -> float:
    """Snyder eq. 14-15."""
    s = math.sin(phi)
    return math.cos(phi) / math.sqrt(1.0 - e * e * s * s)


def make_albers() -> Any:
    """Return a vectorised ``(N, 2) lon/lat deg -> (N, 2) metres`` Albers projector."""
    e = math.sqrt(GRS80_F * (2.0 - GRS80_F))
    phi1, phi2, phi0 = (math.radians(v) for v in (ALBERS_LAT1, ALBERS_LAT2, ALBERS_LAT0))
    m1, m2 = _albers_m(phi1, e), _albers_m(phi2, e)
    q0, q1, q2 = (float(_albers_q(np.array(p), e)) for p in (phi0, phi1, phi2))
    n = (m1 * m1 - m2 * m2) / (q2 - q1)
    c = m1 * m1 + n * q1
    rho0 = GRS80_A * math.sqrt(c - n * q0) / n
    lam0 = math.radians(ALBERS_LON0)

    def project(coords: np.ndarray) -> np.ndarray:
        lam = np.radians(coords[:, 0])
        phi = np.radians(coords[:, 1])
        rho = GRS80_A * np.sqrt(c - n * _albers_q(phi, e)) / n
        theta = n * (lam - lam0)
        return np.column_stack((rho * np.sin(theta), rho0 - rho * np.cos(theta)))

    return project


ALBERS = make_albers()


def equal_area_km2(geom: BaseGeometry) -> float:
    """Area in km2 of a lon/lat geometry via the Albers equal-area projection."""
    return float(shapely.transform(geom, ALBERS).area) / 1e6


# --------------------------------------------------------------------------
# geometry helpers
# --------------------------------------------------------------------------


def count_vertices(geom: BaseGeometry) -> int:
    return int(shapely.get_num_coordinates(geom))


def rounded_rep_point(geom: BaseGeometry) -> tuple[float, float]:
    """Representative point rounded to 4 decimals and checked to lie inside ``geom``."""
    candidates: list[Point] = [geom.representative_point()]
    parts = sorted(polygon_parts(geom), key=lambda p: p.area, reverse=True)
    candidates += [p.representative_point() for p in parts[:3]]
    step = 10.0**-DECIMALS
    for cand in candidates:
        lon0, lat0 = round(cand.x, DECIMALS), round(cand.y, DECIMALS)
        for dx in (0, -1, 1, -2, 2):
            for dy in (0, -1, 1, -2, 2):
                lon, lat = round(lon0 + dx * step, DECIMALS), round(lat0 + dy * step, DECIMALS)
                if geom.contains(Point(lon, lat)):
                    return lon, lat
    raise RuntimeError("no representative point inside the simplified geometry")


def simplify_once(orig: BaseGeometry, tol: float) -> BaseGeometry:
    """Simplify, snap to the output grid, and repair into a polygonal geometry."""
    simp = orig.simplify(tol, preserve_topology=True)
    simp = shapely.set_precision(simp, GRID)
    return as_polygonal(simp)


def check(orig: BaseGeometry, simp: BaseGeometry) -> tuple[float, int, list[str], int]:
    """Return (area deviation, big parts, missing big parts, small parts dropped)."""
    dev = abs(simp.area - orig.area) / orig.area
    prepared = prep(simp)
    big, missing, small_dropped = 0, [], 0
    for part in polygon_parts(orig):
        rp = part.representative_point()
        present = prepared.covers(rp) or prepared.contains(part.centroid)
        if part.area >= MIN_PART_AREA:
            big += 1
            if not present:
                missing.append(f"{rp.x:.3f},{rp.y:.3f} ({part.area:.4f} sq deg)")
        elif not simp.intersects(part):
            small_dropped += 1
    return dev, big, missing, small_dropped


def build_state(rec: dict[str, Any], orig: BaseGeometry, base_tol: float) -> StateResult:
    """Simplify one state, halving the tolerance until all checks pass."""
    tol = base_tol
    for _ in range(MAX_HALVINGS + 1):
        simp = simplify_once(orig, tol)
        if not simp.is_empty:
            dev, big, missing, small_dropped = check(orig, simp)
            if dev <= MAX_AREA_DEV and not missing:
                break
        tol /= 2.0
    else:  # pragma: no cover - only with absurd tolerances
        raise RuntimeError(f"{rec['STUSPS']}: checks fail even at tolerance {tol * 2:g}")
    assert simp.is_valid and not simp.is_empty
    assert isinstance(simp, (Polygon, MultiPolygon))
    rep_lon, rep_lat = rounded_rep_point(simp)
    return StateResult(
        region_id=rec["STUSPS"],
        name=rec["NAME"],
        fips=rec["STATEFP"],
        geometry=simp,
        tolerance=tol,
        area_km2=round(equal_area_km2(orig), 1),
        rep_lon=rep_lon,
        rep_lat=rep_lat,
        orig_vertices=count_vertices(orig),
        vertices=count_vertices(simp),
        orig_parts=len(polygon_parts(orig)),
        parts=len(polygon_parts(simp)),
        area_dev=dev,
        big_parts=big,
        big_parts_missing=missing,
        small_parts_dropped=small_dropped,
    )


# --------------------------------------------------------------------------
# input / output
# --------------------------------------------------------------------------


def default_shapefile() -> Path:
    """Locate ``cb_2016_us_state_500k`` inside the installed plotly-geo package."""
    try:
        import _plotly_geo  # type: ignore[import-not-found]
    except ImportError as exc:  # pragma: no cover
        raise SystemExit("plotly-geo is not installed: pip install plotly-geo") from exc
    base = Path(_plotly_geo.__file__).resolve().parent
    hits = sorted(base.rglob(f"{SHAPEFILE_STEM}.shp"))
    if not hits:  # pragma: no cover
        raise SystemExit(f"{SHAPEFILE_STEM}.shp not found under {base}")
    return hits[0].with_suffix("")


def read_states(stem: Path) -> Iterable[tuple[dict[str, Any], BaseGeometry]]:
    """Yield (record dict, valid shapely geometry) for the 50 states + DC."""
    with shapefile.Reader(str(stem)) as reader:
        for sr in reader.iterShapeRecords():
            rec = sr.record.as_dict()
            if rec["STATEFP"] not in STATE_FIPS:
                continue
            geom = shape(sr.shape.__geo_interface__)
            if rec["STUSPS"] == "AK":
                geom = shift_antimeridian(geom)
            geom = as_polygonal(geom)
            yield rec, geom


def feature_json(res: StateResult) -> str:
    geo = mapping(res.geometry)
    feature = {
        "type": "Feature",
        "properties": {
            "region_id": res.region_id,
            "name": res.name,
            "fips": res.fips,
            "rep_lon": res.rep_lon,
            "rep_lat": res.rep_lat,
            "area_km2": res.area_km2,
        },
        "geometry": {
            "type": geo["type"],
            "coordinates": round_coords(geo["coordinates"], DECIMALS),
        },
    }
    return json.dumps(feature, separators=(",", ":"), ensure_ascii=False)


def render(results: list[StateResult], base_tol: float) -> str:
    overrides = {r.region_id: r.tolerance for r in results if r.tolerance != base_tol}
    metadata = {
        "source": SOURCE,
        "url": SOURCE_URL,
        "licence": LICENCE,
        "vintage": VINTAGE,
        "crs": "NAD83 longitude/latitude, degrees (EPSG:4269); Alaska longitudes shifted by -360 "
        "where positive (antimeridian)",
        "simplification_tolerance_deg": base_tol,
        "simplification_tolerance_overrides_deg": overrides,
        "simplification": "shapely simplify(tolerance, preserve_topology=True), "
        "coordinates snapped to 4 decimals",
        "area_km2_method": "Albers equal-area conic on GRS80 (29.5N, 45.5N, lon0 -96, lat0 23) of "
        "the unsimplified geometry",
        "script": SCRIPT_PATH,
        "feature_count": len(results),
    }
    feats = [feature_json(r) for r in sorted(results, key=lambda r: r.region_id)]
    return collection_text(metadata, feats)


def verify_output(path: Path, results: list[StateResult]) -> None:
    """Re-read the written file and check geometry validity and rep points."""
    data = json.loads(path.read_text(encoding="utf-8"))
    feats = data["features"]
    assert data["type"] == "FeatureCollection"
    assert len(feats) == 51, len(feats)
    ids = [f["properties"]["region_id"] for f in feats]
    assert ids == sorted(ids) and len(set(ids)) == 51
    for f in feats:
        g = shape(f["geometry"])
        p = f["properties"]
        assert g.geom_type in ("Polygon", "MultiPolygon"), (p["region_id"], g.geom_type)
        assert g.is_valid and not g.is_empty, p["region_id"]
        assert g.contains(Point(p["rep_lon"], p["rep_lat"])), p["region_id"]
        assert len(p["fips"]) == 2 and len(p["region_id"]) == 2
    areas = {f["properties"]["region_id"]: f["properties"]["area_km2"] for f in feats}
    assert areas["TX"] > areas["CA"] > areas["MT"], areas


def main(argv: list[str] | None = None) -> int:
    default_out = Path(__file__).resolve().parents[1] / "data" / "regions.geojson"
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=default_out, help="output GeoJSON path")
    ap.add_argument(
        "--tolerance",
        type=float,
        default=DEFAULT_TOLERANCE,
        help="simplification tolerance, degrees",
    )
    ap.add_argument(
        "--shapefile", type=Path, default=None, help="shapefile stem (default: plotly-geo's)"
    )
    ap.add_argument("--quiet", action="store_true", help="print only the summary")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    stem = args.shapefile or default_shapefile()
    results = [build_state(rec, geom, args.tolerance) for rec, geom in read_states(stem)]
    if len(results) != 51:
        raise SystemExit(f"expected 51 states + DC, got {len(results)}")
    text = render(results, args.tolerance)
    write_text_atomic(args.out, text)
    verify_output(args.out, results)
    elapsed = time.perf_counter() - t0

    if not args.quiet:
        print(
            f"{'id':3} {'tol':>8} {'verts':>7} {'/orig':>7} {'parts':>5} {'/orig':>5} "
            f"{'big':>4} {'miss':>4} {'tiny-':>5} {'dA%':>6} {'area_km2':>11}  rep"
        )
        for r in sorted(results, key=lambda r: r.region_id):
            print(
                f"{r.region_id:3} {r.tolerance:8.5f} {r.vertices:7d} {r.orig_vertices:7d} "
                f"{r.parts:5d} {r.orig_parts:5d} {r.big_parts:4d} {len(r.big_parts_missing):4d} "
                f"{r.small_parts_dropped:5d} {100 * r.area_dev:6.3f} {r.area_km2:11.1f}  "
                f"{r.rep_lon:.4f},{r.rep_lat:.4f}"
            )
    worst = max(results, key=lambda r: r.area_dev)
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes), {len(results)} features")
    print(
        f"tolerance {args.tolerance:g} deg; overrides: "
        f"{ {r.region_id: r.tolerance for r in results if r.tolerance != args.tolerance} }"
    )
    n_out, n_orig = sum(r.vertices for r in results), sum(r.orig_vertices for r in results)
    print(f"vertices {n_out:,} (original {n_orig:,})")
    print(f"max area deviation {100 * worst.area_dev:.3f}% ({worst.region_id})")
    print(
        f"big parts (>= {MIN_PART_AREA} sq deg) checked {sum(r.big_parts for r in results)}, "
        f"missing {sum(len(r.big_parts_missing) for r in results)}"
    )
    p_orig, p_out = sum(r.orig_parts for r in results), sum(r.parts for r in results)
    p_gone = sum(r.small_parts_dropped for r in results)
    print(f"parts: original {p_orig}, output {p_out}, tiny parts with no overlap left {p_gone}")
    print(f"elapsed {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
