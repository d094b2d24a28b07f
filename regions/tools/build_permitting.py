#!/usr/bin/env python3
"""Rebuild ``regions/data/permitting.csv`` from ``permitting_evidence.csv`` and copy the base
months into ``regions.csv``'s ``permitting_months``.

Usage (from the repository root)::

    python regions/tools/build_permitting.py

The rule is ``regions.permitting.derive_permitting`` (documented in ``regions/FORMAT.md``).
Census regions and divisions: US Census Bureau, "Census Regions and Divisions of the United
States" (https://www2.census.gov/geo/pdfs/maps-data/maps/reference/us_regdiv.pdf).
State environmental-policy act names are carried over from the earlier index (CEQ list of states
with NEPA-like requirements); they are names only, no months are attached to them.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from regions.atomic import write_text_atomic  # noqa: E402
from regions.permitting import derive_permitting, round_months  # noqa: E402
from regions.tables import read_table  # noqa: E402

DATA = ROOT / "regions" / "data"
DIVISIONS = {
    ("Northeast", "New England"): "CT ME MA NH RI VT",
    ("Northeast", "Middle Atlantic"): "NJ NY PA",
    ("Midwest", "East North Central"): "IL IN MI OH WI",
    ("Midwest", "West North Central"): "IA KS MN MO NE ND SD",
    ("South", "South Atlantic"): "DE DC FL GA MD NC SC VA WV",
    ("South", "East South Central"): "AL KY MS TN",
    ("South", "West South Central"): "AR LA OK TX",
    ("West", "Mountain"): "AZ CO ID MT NV NM UT WY",
    ("West", "Pacific"): "AK CA HI OR WA",
}
ACTS = {
    "CA": "California Environmental Quality Act (CEQA)",
    "CT": "Connecticut Environmental Policy Act (CEPA)",
    "DC": "District of Columbia Environmental Policy Act of 1989 (DCEPA)",
    "GA": "Georgia Environmental Policy Act (GEPA)",
    "HI": "Hawaii Environmental Policy Act (HEPA)",
    "IN": "Indiana Environmental Policy Act (IEPA)",
    "MA": "Massachusetts Environmental Policy Act (MEPA)",
    "MD": "Maryland Environmental Policy Act (MEPA)",
    "MN": "Minnesota Environmental Policy Act (MEPA)",
    "MT": "Montana Environmental Policy Act (MEPA)",
    "NC": "North Carolina Environmental Policy Act (SEPA)",
    "NJ": "New Jersey state-agency environmental assessment requirement (executive order)",
    "NY": "New York State Environmental Quality Review Act (SEQRA)",
    "SD": "South Dakota Environmental Policy Act",
    "VA": "Virginia state-agency environmental impact reports (Va. Code 10.1-1200 et seq.)",
    "WA": "Washington State Environmental Policy Act (SEPA)",
    "WI": "Wisconsin Environmental Policy Act (WEPA)",
}
HEADER = [
    "region_id", "census_region", "census_division", "permitting_months_low",
    "permitting_months", "permitting_months_high", "evidence_count", "basis",
    "state_env_review_act", "derivation",
]  # fmt: skip


def main() -> int:
    import pandas as pd

    groups = (
        pd.DataFrame(
            [
                {"region_id": s, "census_region": r, "census_division": d, "basis": ""}
                for (r, d), states in DIVISIONS.items()
                for s in states.split()
            ]
        )
        .set_index("region_id")
        .sort_index()
    )
    evidence = read_table(DATA / "permitting_evidence.csv")
    derived = derive_permitting(evidence, groups)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for region_id, row in derived.iterrows():
        act = ACTS.get(region_id, "")
        derivation = row["derivation"]
        if (
            act
            and not (
                evidence["region_id"].eq(region_id) & evidence["kind"].eq("state_env_review")
            ).any()
        ):
            derivation += "; the state act has no evidence row of its own (no cited review time)"
        writer.writerow(
            [
                region_id,
                groups.at[region_id, "census_region"],
                groups.at[region_id, "census_division"],
                *(
                    f"{round_months(row[c]):.1f}"
                    for c in (
                        "permitting_months_low",
                        "permitting_months",
                        "permitting_months_high",
                    )
                ),
                int(row["evidence_count"]),
                row["basis"],
                act,
                derivation,
            ]
        )
    write_text_atomic(DATA / "permitting.csv", out.getvalue())
    base = {r: f"{round_months(v):g}" for r, v in derived["permitting_months"].items()}
    lines = (DATA / "regions.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    rows = list(csv.reader(lines))
    column = rows[0].index("permitting_months")
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(rows[0])
    for row in rows[1:]:
        row[column] = base[row[0]]
        writer.writerow(row)
    write_text_atomic(DATA / "regions.csv", text.getvalue())
    print(f"wrote permitting.csv ({len(derived)} regions) and regions.csv permitting_months")
    return 0


if __name__ == "__main__":
    sys.exit(main())
