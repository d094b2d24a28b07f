#!/usr/bin/env python3
"""Build the embedded county-boundary file ``regions/data/counties.geojson``.

Usage (from the repository root)::

    python regions/tools/build_counties_geojson.py [--out PATH] [--tolerance DEG]

Source
    US Census Bureau, Cartographic Boundary File ``cb_2016_us_county_500k``
    (1:500,000), vintage 2016, public domain (US federal government work),
    https://www2.census.gov/geo/tiger/GENZ2016/shp/cb_2016_us_county_500k.zip .
    State postal codes and names are joined from ``cb_2016_us_state_500k`` (same vintage,
    https://www2.census.gov/geo/tiger/GENZ2016/shp/cb_2016_us_state_500k.zip). The script
    reads the copies shipped inside the ``plotly-geo`` PyPI package
    (``_plotly_geo/package_data/``), so no download is needed. Coordinates are NAD83
    longitude/latitude in degrees.

Build-time dependencies (NOT runtime dependencies of the project; install them in a
throw-away virtualenv; the script needs no other project module than ``regions/atomic.py``,
which it loads by path, so pandas is not needed)::

    python3 -m venv /tmp/geo-venv
    /tmp/geo-venv/bin/pip install plotly-geo pyshp shapely
    /tmp/geo-venv/bin/python regions/tools/build_counties_geojson.py

What it does
    1. Keeps the 3,142 counties (and county equivalents) of the 50 states + DC
       (STATEFP <= 56); drops PR, GU, VI, AS, MP.
    2. Alaska: positive longitudes (the western Aleutians) are shifted by -360, as in the
       state file, so the two files line up.
    3. Simplifies each geometry with shapely ``simplify(tolerance, preserve_topology=True)``
       and snaps it to a 1e-3 degree grid (3 decimals, about 110 m) with
       ``shapely.set_precision``, repairing with ``make_valid`` if needed. The default
       tolerance, 0.005 degrees (about 550 m north-south, 400 m east-west at 40 N), is about a
       hundredth of a typical county's width (30-60 km): outlines stay recognisable at the
       zoom a county map is read at (a county fills a few hundred pixels), while the file
       stays near 2.5 MB (0.002 degrees would make it about 4.6 MB, 0.01 degrees about
       1.5 MB with visibly cut corners). Counties are simplified one by one, so
       neighbouring outlines can differ by up to the tolerance (no shared topology); the
       maps draw only a run's chosen counties, so the slivers do not show.
    4. Checks each county: the simplified planar area (square degrees) is within 2 % of the
       original, and every original part with planar area >= 0.005 square degrees is still
       covered. A county that fails (small independent cities, mostly in Virginia) is rebuilt
       with half the tolerance, down to 1/64 of it; the tolerance per county that differs
       from the default is recorded in the file's metadata.
    5. Properties per feature: ``fips`` (5-digit GEOID, text), ``name`` (NAME), ``lsad`` (the
       legal/statistical area description of the LSAD code, e.g. ``County``, ``Parish``,
       ``city``; empty for DC and Carson City, whose code 00 has none), ``state`` (USPS code)
       and ``state_name``.
    6. Writes a GeoJSON FeatureCollection, features sorted by ``fips``, one feature per line,
       with a top-level ``metadata`` object, atomically (``regions/atomic.py``), then re-reads
       and checks it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapefile  # pyshp
import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.prepared import prep

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from polygons import (  # noqa: E402  (by path: the regions package needs pandas)
    as_polygonal,
    collection_text,
    load_by_path,
    polygon_parts,
    round_coords,
    shift_antimeridian,
)

COUNTY_STEM = "cb_2016_us_county_500k"
STATE_STEM = "cb_2016_us_state_500k"
SOURCE = (
    "US Census Bureau, Cartographic Boundary File cb_2016_us_county_500k "
    "(1:500,000), 2016, via the plotly-geo PyPI package"
)
SOURCE_URL = "https://www2.census.gov/geo/tiger/GENZ2016/shp/cb_2016_us_county_500k.zip"
STATE_SOURCE_URL = "https://www2.census.gov/geo/tiger/GENZ2016/shp/cb_2016_us_state_500k.zip"
LICENCE = "US federal government work, public domain"
VINTAGE = 2016
SCRIPT_PATH = "regions/tools/build_counties_geojson.py"

DEFAULT_TOLERANCE = 0.005  # degrees
GRID = 1e-3  # output coordinate grid, degrees (3 decimals)
DECIMALS = 3
MIN_PART_AREA = 0.005  # square degrees: parts at least this big must survive
MAX_AREA_DEV = 0.02  # relative, planar square degrees
MAX_HALVINGS = 6
EXPECTED_COUNT = 3142

# 50 states + DC, by 2-digit FIPS code: 01..56 less the unused codes 03, 07, 14, 43, 52.
STATE_FIPS: frozenset[str] = frozenset(
    f"{i:02d}" for i in range(1, 57) if i not in {3, 7, 14, 43, 52}
)

LSAD_NAMES: dict[str, str] = {
    "00": "",
    "03": "City and Borough",
    "04": "Borough",
    "05": "Census Area",
    "06": "County",
    "12": "Municipality",
    "15": "Parish",
    "25": "city",
}
"""Census LSAD code → description, for the codes of the 50 states + DC in the 2016 file
(https://www.census.gov/library/reference/code-lists/legal-status-codes.html)."""


def _write_text_atomic() -> Any:
    """``regions.atomic.write_text_atomic``, loaded by path (importing the ``regions`` package
    would need pandas, which the build environment does not have)."""
    return load_by_path(ROOT / "regions" / "atomic.py", "_atomic").write_text_atomic


@dataclass
class CountyResult:
    """Outcome of simplifying one county."""

    fips: str
    name: str
    lsad: str
    state: str
    state_name: str
    geometry: BaseGeometry
    tolerance: float
    orig_vertices: int
    vertices: int
    area_dev: float


# --------------------------------------------------------------------------
# geometry helpers (as in build_states_geojson.py, which imports the regions package)
# --------------------------------------------------------------------------


def simplify_once(orig: BaseGeometry, tol: float) -> BaseGeometry:
    """Simplify by ``tol`` [deg], snap to the output grid, repair into a polygonal geometry."""
    simp = orig.simplify(tol, preserve_topology=True)
    simp = shapely.set_precision(simp, GRID)
    return as_polygonal(simp)


def check(orig: BaseGeometry, simp: BaseGeometry) -> tuple[float, list[str]]:
    """(relative planar area deviation, big original parts no longer covered)."""
    dev = abs(simp.area - orig.area) / orig.area
    prepared = prep(simp)
    missing = []
    for part in polygon_parts(orig):
        if part.area < MIN_PART_AREA:
            continue
        rp = part.representative_point()
        if not (prepared.covers(rp) or prepared.contains(part.centroid)):
            missing.append(f"{rp.x:.3f},{rp.y:.3f}")
    return dev, missing


def build_county(rec: dict[str, Any], orig: BaseGeometry, base_tol: float) -> CountyResult:
    """Simplify one county, halving the tolerance until the checks pass."""
    tol = base_tol
    for _ in range(MAX_HALVINGS + 1):
        simp = simplify_once(orig, tol)
        if not simp.is_empty:
            dev, missing = check(orig, simp)
            if dev <= MAX_AREA_DEV and not missing:
                break
        tol /= 2.0
    else:  # pragma: no cover - only with absurd tolerances
        raise RuntimeError(f"{rec['GEOID']}: checks fail even at tolerance {tol * 2:g}")
    assert simp.is_valid and not simp.is_empty
    return CountyResult(
        fips=rec["GEOID"],
        name=rec["NAME"],
        lsad=LSAD_NAMES[rec["LSAD"]],
        state=rec["STUSPS"],
        state_name=rec["STATE_NAME"],
        geometry=simp,
        tolerance=tol,
        orig_vertices=int(shapely.get_num_coordinates(orig)),
        vertices=int(shapely.get_num_coordinates(simp)),
        area_dev=dev,
    )


# --------------------------------------------------------------------------
# input / output
# --------------------------------------------------------------------------


def default_shapefile(stem: str) -> Path:
    """Locate shapefile ``stem`` inside the installed plotly-geo package."""
    try:
        import _plotly_geo  # type: ignore[import-not-found]
    except ImportError as exc:  # pragma: no cover
        raise SystemExit("plotly-geo is not installed: pip install plotly-geo") from exc
    base = Path(_plotly_geo.__file__).resolve().parent
    hits = sorted(base.rglob(f"{stem}.shp"))
    if not hits:  # pragma: no cover
        raise SystemExit(f"{stem}.shp not found under {base}")
    return hits[0].with_suffix("")


def read_states(stem: Path) -> dict[str, tuple[str, str]]:
    """STATEFP → (USPS code, name) of the 50 states + DC."""
    with shapefile.Reader(str(stem)) as reader:
        records = [r.as_dict() for r in reader.iterRecords()]
    return {r["STATEFP"]: (r["STUSPS"], r["NAME"]) for r in records if r["STATEFP"] in STATE_FIPS}


def read_counties(
    stem: Path, states: dict[str, tuple[str, str]]
) -> Iterable[tuple[dict[str, Any], BaseGeometry]]:
    """Yield (record dict with STUSPS and STATE_NAME, valid geometry) per county."""
    with shapefile.Reader(str(stem)) as reader:
        for sr in reader.iterShapeRecords():
            rec = sr.record.as_dict()
            if rec["STATEFP"] not in STATE_FIPS:
                continue
            rec["STUSPS"], rec["STATE_NAME"] = states[rec["STATEFP"]]
            geom = shape(sr.shape.__geo_interface__)
            if rec["STATEFP"] == "02":
                geom = shift_antimeridian(geom)
            yield rec, as_polygonal(geom)


def feature_json(res: CountyResult) -> str:
    """One feature as compact JSON."""
    geo = mapping(res.geometry)
    feature = {
        "type": "Feature",
        "properties": {
            "fips": res.fips,
            "name": res.name,
            "lsad": res.lsad,
            "state": res.state,
            "state_name": res.state_name,
        },
        "geometry": {
            "type": geo["type"],
            "coordinates": round_coords(geo["coordinates"], DECIMALS),
        },
    }
    return json.dumps(feature, separators=(",", ":"), ensure_ascii=False)


def render(results: list[CountyResult], base_tol: float) -> str:
    """The whole file's text."""
    overrides = {r.fips: r.tolerance for r in sorted(results, key=lambda r: r.fips)}
    overrides = {k: v for k, v in overrides.items() if v != base_tol}
    metadata = {
        "source": SOURCE,
        "url": SOURCE_URL,
        "state_names_url": STATE_SOURCE_URL,
        "licence": LICENCE,
        "vintage": VINTAGE,
        "crs": "NAD83 longitude/latitude, degrees (EPSG:4269); Alaska longitudes shifted by -360 "
        "where positive (antimeridian)",
        "simplification_tolerance_deg": base_tol,
        "simplification_tolerance_overrides_deg": overrides,
        "simplification": "shapely simplify(tolerance, preserve_topology=True) per county (no "
        "shared topology), coordinates snapped to 3 decimals",
        "script": SCRIPT_PATH,
        "feature_count": len(results),
    }
    feats = [feature_json(r) for r in sorted(results, key=lambda r: r.fips)]
    return collection_text(metadata, feats)


def verify_output(path: Path) -> None:
    """Re-read the written file and check count, keys and geometry validity."""
    data = json.loads(path.read_text(encoding="utf-8"))
    feats = data["features"]
    assert data["type"] == "FeatureCollection"
    assert len(feats) == EXPECTED_COUNT, len(feats)
    ids = [f["properties"]["fips"] for f in feats]
    assert ids == sorted(ids) and len(set(ids)) == EXPECTED_COUNT
    for f in feats:
        g = shape(f["geometry"])
        p = f["properties"]
        assert g.geom_type in ("Polygon", "MultiPolygon"), (p["fips"], g.geom_type)
        assert g.is_valid and not g.is_empty, p["fips"]
        assert len(p["fips"]) == 5 and p["fips"].isdigit() and len(p["state"]) == 2


def main(argv: list[str] | None = None) -> int:
    default_out = ROOT / "regions" / "data" / "counties.geojson"
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=default_out, help="output GeoJSON path")
    ap.add_argument(
        "--tolerance", type=float, default=DEFAULT_TOLERANCE, help="simplification tolerance, deg"
    )
    ap.add_argument("--quiet", action="store_true", help="print nothing")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    states = read_states(default_shapefile(STATE_STEM))
    if len(states) != 51:
        raise SystemExit(f"expected 51 states + DC, got {len(states)}")
    counties = read_counties(default_shapefile(COUNTY_STEM), states)
    results = [build_county(rec, geom, args.tolerance) for rec, geom in counties]
    if len(results) != EXPECTED_COUNT:
        raise SystemExit(f"expected {EXPECTED_COUNT} counties, got {len(results)}")
    _write_text_atomic()(args.out, render(results, args.tolerance))
    verify_output(args.out)
    if not args.quiet:
        worst = max(results, key=lambda r: r.area_dev)
        n_out, n_orig = sum(r.vertices for r in results), sum(r.orig_vertices for r in results)
        finer = sum(1 for r in results if r.tolerance != args.tolerance)
        print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes), {len(results)} features")
        print(f"tolerance {args.tolerance:g} deg; {finer} counties with a finer tolerance")
        print(f"vertices {n_out:,} (original {n_orig:,})")
        print(f"max area deviation {100 * worst.area_dev:.3f}% ({worst.fips})")
        print(f"elapsed {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
