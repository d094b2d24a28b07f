#!/usr/bin/env python3
"""Set each state's representative point in ``regions/data/regions.geojson`` to its 2020 Census
center of population.

Usage (from the repository root)::

    python regions/tools/set_rep_points.py CENTERS_CSV

``CENTERS_CSV`` has columns ``state`` (USPS code), ``latitude``, ``longitude``: the US Census
Bureau's 2020 state centers of population, file ``CenPop2020_Mean_ST.txt``
(https://www2.census.gov/geo/docs/reference/cenpop2020/CenPop2020_Mean_ST.txt). Only the
``rep_lon``/``rep_lat`` properties and the file's metadata change; geometry is untouched. Each
point is checked to lie inside its state's polygon or within ``COASTAL_TOLERANCE_KM`` of it, and
every point outside the polygon is listed. The file is written atomically.
"""

from __future__ import annotations

import csv
import json
import os
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from regions.boundaries import COASTAL_TOLERANCE_KM, km_outside  # noqa: E402

GEOJSON = ROOT / "regions" / "data" / "regions.geojson"
SOURCE = (
    "US Census Bureau, 2020 Census centers of population by state (CenPop2020_Mean_ST.txt), "
    "population-weighted mean centre as of 2020-04-01"
)
SOURCE_URL = "https://www2.census.gov/geo/docs/reference/cenpop2020/CenPop2020_Mean_ST.txt"


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 2
    with open(argv[0], newline="", encoding="utf-8") as fh:
        centres = {
            r["state"]: (float(r["longitude"]), float(r["latitude"])) for r in csv.DictReader(fh)
        }
    lines = GEOJSON.read_text(encoding="utf-8").split("\n")
    out = []
    for line in lines:
        if line.startswith('"metadata":'):
            meta = json.loads(line[len('"metadata":') :].rstrip(","))
            meta["rep_point_source"] = SOURCE
            meta["rep_point_url"] = SOURCE_URL
            meta["rep_point_tolerance_km"] = COASTAL_TOLERANCE_KM
            line = '"metadata":' + json.dumps(meta, separators=(",", ":"), ensure_ascii=False) + ","
        elif line.startswith('{"type":"Feature"'):
            feature = json.loads(line.rstrip(","))
            region_id = feature["properties"]["region_id"]
            lon, lat = centres[region_id]
            from shapely.geometry import shape

            gap = km_outside(shape(feature["geometry"]), lon, lat)
            if gap > COASTAL_TOLERANCE_KM:
                raise SystemExit(f"{region_id}: centre {lon}, {lat} is {gap:.1f} km outside")
            if gap > 0:
                print(f"{region_id}: centre lies {gap:.1f} km outside the simplified polygon")
            line = re.sub(
                r'"rep_lon":[-0-9.]+,"rep_lat":[-0-9.]+',
                f'"rep_lon":{lon},"rep_lat":{lat}',
                line,
                count=1,
            )
        out.append(line)
    fd, tmp = tempfile.mkstemp(prefix=".regions.geojson.", dir=GEOJSON.parent)
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("\n".join(out))
    os.replace(tmp, GEOJSON)
    print(f"set {len(centres)} centres; wrote {GEOJSON}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
