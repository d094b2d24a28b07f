"""Permitting months per region from cited evidence: the derivation rule and its check.

Each row of ``permitting_evidence.csv`` is one piece of evidence [months from a complete
application to the permit decision]: a statutory or regulatory deadline, an agency goal, a record
of a real permit (application and issue dates), or the review time a state environmental-policy
act sets. The rule, applied to every region with evidence:

- permit path: the deadlines, goals and records (``PERMIT_KINDS``); state-act path: the
  ``state_env_review`` rows. Both run at once, and the permit cannot issue before the act's
  review ends, so base = the larger of the two paths' medians, low = the larger of their minima;
- high = the largest figure of the region, or the federal deadline (``federal_deadline`` rows,
  blank ``region_id``: the Clean Air Act's one-year PSD limit) if larger.

The permit path holds deadlines, agency goals, permit records (application to issue) and plant
records (``plant_record``: a plant's announcement to its construction start in
``facility_events.csv``, a measured time to build that includes the permits needed first).

A region without evidence **borrows**: its base is the median base of the evidenced regions of its
Census division; if there are none, of its Census region; if none, of all evidenced regions. Its
range is wider than any one peer's, because nothing about the region itself narrows it: low = the
smallest low and high = the largest high of *all* evidenced regions (``borrowed_range``). Monte
Carlo and the toss-up rule use that range. A region marked ``assumption`` carries a user's own
figure, not derived.

>>> import pandas as pd
>>> ev = pd.DataFrame({"region_id": ["A", "A", ""], "kind": ["statutory_deadline",
...     "permit_record", "federal_deadline"], "months": [4.0, 7.0, 12.0]})
>>> evidence_figure(ev[ev.region_id == "A"], national_high=12.0)
(4.0, 5.5, 12.0)
"""

from __future__ import annotations

import pandas as pd

from .errors import DataValidationError

PERMIT_KINDS = ("statutory_deadline", "agency_goal", "permit_record", "plant_record")
ENV_REVIEW_KIND = "state_env_review"
FEDERAL_KIND = "federal_deadline"
DECIMALS = 1  # permitting.csv carries months to one decimal
TOLERANCE_MONTHS = 0.05 + 1e-9  # half the last digit
FIGURE_COLUMNS = ("permitting_months_low", "permitting_months", "permitting_months_high")


def round_months(value: float) -> float:
    """Months rounded half up to ``DECIMALS`` (4.45 -> 4.5)."""
    return round(value + 1e-9, DECIMALS)


def evidence_figure(rows: pd.DataFrame, national_high: float | None) -> tuple[float, float, float]:
    """(low, base, high) [months] of one region from its evidence rows (see module docstring)."""
    paths = [
        rows.loc[rows["kind"].isin(PERMIT_KINDS), "months"],
        rows.loc[rows["kind"] == ENV_REVIEW_KIND, "months"],
    ]
    paths = [p.astype(float) for p in paths if len(p)]
    low = max(float(p.min()) for p in paths)
    base = max(float(p.median()) for p in paths)
    high = float(rows["months"].max())
    if national_high is not None:
        high = max(high, national_high)
    return low, base, high


def derive_permitting(evidence: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    """Derived figures per region.

    Args:
        evidence: ``region_id, kind, months`` (blank region_id: national evidence).
        groups: indexed by region_id with ``census_division``, ``census_region`` and ``basis``
            (regions whose basis is ``assumption`` are neither derived nor used for defaults).

    Returns:
        indexed by region_id: ``permitting_months_low, permitting_months,
        permitting_months_high`` [months, unrounded], ``evidence_count``, ``basis``
        ('evidence' | 'regional_default' | 'assumption') and ``derivation`` (text).
    """
    federal = evidence.loc[evidence["kind"] == FEDERAL_KIND, "months"]
    national_high = float(federal.max()) if len(federal) else None
    by_region = evidence[evidence["region_id"] != ""]
    counts = by_region.groupby("region_id").size()
    out: dict[str, dict] = {}
    for region_id in groups.index:
        rows = by_region[by_region["region_id"] == region_id]
        if groups.at[region_id, "basis"] == "assumption" or not len(rows):
            continue
        low, base, high = evidence_figure(rows, national_high)
        out[region_id] = _record(low, base, high, len(rows), "evidence", "own evidence")
    evidenced = list(out)
    for region_id in groups.index:
        if region_id in out:
            continue
        if groups.at[region_id, "basis"] == "assumption":
            out[region_id] = _record(
                float("nan"), float("nan"), float("nan"), int(counts.get(region_id, 0)),
                "assumption", "user figure, not derived",
            )  # fmt: skip
            continue
        peers, scope = _peers(region_id, groups, evidenced)
        if not peers:
            raise DataValidationError(
                "permitting_evidence.csv",
                f"no evidence for any region, so no regional default for {region_id}",
                field="region_id",
            )
        frame = pd.DataFrame([out[p] for p in peers])
        low, high = borrowed_range([out[r] for r in evidenced])
        out[region_id] = _record(
            low,
            float(frame["permitting_months"].median()),
            high,
            0,
            "regional_default",
            f"borrowed: base = median of {scope}: {', '.join(sorted(peers))}; "
            f"range = lowest low to highest high of all {len(evidenced)} evidenced states",
        )
    return pd.DataFrame.from_dict(out, orient="index").reindex(groups.index)


def borrowed_range(records: list[dict]) -> tuple[float, float]:
    """(low, high) [months] of a region without evidence: the smallest low and the largest high
    of all evidenced regions (``records`` as derived for them).

    >>> borrowed_range([{"permitting_months_low": 3.0, "permitting_months_high": 12.0},
    ...                 {"permitting_months_low": 5.9, "permitting_months_high": 14.1}])
    (3.0, 14.1)
    """
    return (
        min(float(r["permitting_months_low"]) for r in records),
        max(float(r["permitting_months_high"]) for r in records),
    )


def _record(low, base, high, count, basis, derivation) -> dict:
    return {
        "permitting_months_low": low,
        "permitting_months": base,
        "permitting_months_high": high,
        "evidence_count": count,
        "basis": basis,
        "derivation": derivation,
    }


def _peers(region_id: str, groups: pd.DataFrame, evidenced: list[str]) -> tuple[list[str], str]:
    """Evidenced regions of the same Census division, else region, else all; and the label."""
    for column, label in (("census_division", "division"), ("census_region", "region")):
        name = groups.at[region_id, column]
        peers = [r for r in evidenced if name and groups.at[r, column] == name]
        if peers:
            return peers, f"evidenced states of Census {label} {name}"
    return list(evidenced), "all evidenced states"


def check_permitting(table: pd.DataFrame, evidence: pd.DataFrame, label: str) -> None:
    """Raise unless ``table`` (permitting.csv with ``_line``) matches the derivation.

    Checks per row: ``evidence_count`` equals the evidence rows of the region; ``basis`` is
    'evidence' exactly when there is evidence (or 'assumption'); low <= base <= high; and for
    derived rows each figure equals :func:`derive_permitting` rounded to one decimal.
    """
    groups = table.set_index("region_id")
    derived = derive_permitting(evidence, groups)
    for row in table.to_dict("records"):
        region_id, where = row["region_id"], {"line": row["_line"], "row_id": row["region_id"]}
        want = derived.loc[region_id]
        if int(row["evidence_count"]) != int(want["evidence_count"]):
            raise DataValidationError(
                label,
                f"{row['evidence_count']:g} but permitting_evidence.csv has "
                f"{int(want['evidence_count'])} row(s) for {region_id}",
                field="evidence_count",
                **where,
            )
        if row["basis"] != want["basis"]:
            raise DataValidationError(
                label, f"{row['basis']!r}; the evidence gives {want['basis']!r}", field="basis",
                **where,
            )  # fmt: skip
        low, base, high = (row[c] for c in FIGURE_COLUMNS)
        if not low <= base <= high:
            raise DataValidationError(
                label, f"low {low:g} <= base {base:g} <= high {high:g} does not hold",
                field="permitting_months", **where,
            )  # fmt: skip
        if row["basis"] == "assumption":
            continue
        for column in FIGURE_COLUMNS:
            expected = round_months(float(want[column]))
            if abs(row[column] - expected) > TOLERANCE_MONTHS:
                raise DataValidationError(
                    label,
                    f"{row[column]:g} months but the evidence gives {expected:g} "
                    f"({want['derivation']})",
                    field=column,
                    **where,
                )
