"""Data health: how each figure is known, by table and mission factor, and stale facility evidence."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from .dataset import RegionData
from .schema import table_schema

KINDS = ("sourced", "derived", "constructed", "assumed", "unknown")
STALE_AFTER = timedelta(days=365)
"""Evidence older than this (12 months) is listed by ``stale_statuses``."""

FACTOR_OF_COLUMN = {
    "power_price_usd_per_mwh": "power",
    "grid_co2_kg_per_mwh": "power",
    "mfg_employment_jobs": "labor",
    "mfg_wage_usd_per_yr": "labor",
    "permitting_months": "permitting",
}
"""Mission factor of each ``regions.csv`` figure; every number in a permitting table is
``permitting``, every mineral figure ``minerals``, facility capacity ``existing plants``."""

_KIND = {"assumption": "assumed", "nameplate": "sourced", "": "unknown"}


def _kind(label: str) -> str:
    label = str(label)
    return _KIND.get(label, label if label in KINDS else "unknown")


def _kinds_by_region(data: RegionData, table: str, column: str) -> tuple[dict[str, str], str]:
    """The ``sources.csv`` kind of each region's cell of ``table``/``column`` (first row wins)
    and the column's own kind (a row with a blank ``region_id``; 'unknown' without one), as
    ``RegionData.kind_of`` reads them, found in one pass."""
    sources = data.sources
    rows = sources[(sources["table"] == table) & (sources["column"] == column)]
    first: dict[str, str] = {}
    for region_id, kind in zip(rows["region_id"], rows["kind"], strict=True):
        first.setdefault(region_id, str(kind))
    return first, first.get("", "unknown")


def _region_figures(data: RegionData, table: str, frame: pd.DataFrame, factor: str | None) -> list:
    """(table, factor, kind) per numeric cell of a per-region table, kind from sources.csv."""
    numeric = [s.column for s in table_schema().get(table, ()) if s.type == "float"]
    out = []
    for column in numeric:
        if column not in frame.columns:
            continue
        by_region, whole = _kinds_by_region(data, table, column)
        group = factor or FACTOR_OF_COLUMN.get(column, "other")
        for region_id in frame.index:
            out.append((table, group, _kind(by_region.get(region_id, whole))))
    return out


PERMITTING_BASIS = {"evidence": "sourced", "regional_default": "derived", "assumption": "assumed"}
"""How a permitting.csv row's ``basis`` reads as a kind of figure."""


def _permitting_figures(data: RegionData) -> list:
    """(table, factor, kind) per low/base/high month figure of permitting.csv, kind from its
    row's ``basis`` (evidence, regional default, assumption)."""
    columns = ("permitting_months_low", "permitting_months", "permitting_months_high")
    out = []
    for basis in data.permitting["basis"]:
        kind = PERMITTING_BASIS.get(str(basis), "unknown")
        out += [("permitting.csv", "permitting", kind)] * len(columns)
    return out


def _nameplate_kind(note: str) -> str:
    """Basis of a facilities.csv nameplate, from its note's labels (ASSUMPTION, derived)."""
    text = str(note)
    if "ASSUMPTION" in text:
        return "assumed"
    if "derived" in text.lower():
        return "derived"
    return "sourced"


def figure_counts(data: RegionData, as_of: date | None = None) -> pd.DataFrame:
    """Count of figures per (table, factor) by how they are known.

    Regions and permitting cells take their kind from ``sources.csv``; mineral prices from their
    ``kind``; mineral source capacities from ``capacity_basis``; the capacity counted for each
    facility in the view at ``as_of`` from the basis of the event that set it (a nameplate is
    sourced unless its note labels it ASSUMPTION or derived; a blank capacity is unknown).
    Returns columns ``table, factor`` and one per kind (sourced, derived, constructed, assumed,
    unknown) plus ``total``.
    """
    rows = _region_figures(data, "regions.csv", data.regions, None)
    rows += _permitting_figures(data)
    for kind in data.mineral_prices["kind"]:
        rows.append(("mineral_prices.csv", "minerals", _kind(kind)))
    domestic = data.mineral_sources[~data.mineral_sources["foreign"].astype(bool)]
    for basis in domestic["capacity_basis"]:
        rows.append(("mineral_sources.csv", "minerals", _kind(basis)))
    view = data.facilities_as_of(as_of)
    for _, row in view.iterrows():
        if pd.isna(row["capacity_std"]):
            kind = "unknown"
        elif row.get("capacity_basis", "nameplate") == "nameplate":
            kind = _nameplate_kind(row["note"])
        else:
            kind = _kind(row["capacity_basis"])
        rows.append(("facilities + facility_events", "existing plants", kind))
    frame = pd.DataFrame(rows, columns=["table", "factor", "kind"])
    counts = frame.groupby(["table", "factor", "kind"], sort=False).size().unstack(fill_value=0)
    counts = counts.reindex(columns=list(KINDS), fill_value=0)
    counts["total"] = counts.sum(axis=1)
    return counts.reset_index()


def stale_statuses(data: RegionData, as_of: date) -> pd.DataFrame:
    """Facilities in the view at ``as_of`` whose newest evidence is older than 12 months.

    Returns ``facility_id, status, status_since, evidence_date, age_months, implied`` sorted by
    age (oldest first); ``implied`` marks statuses with no dated event behind them.
    """
    view = data.facilities_as_of(as_of)
    cutoff = as_of - STALE_AFTER
    stale = view[view["evidence_date"] < cutoff]
    age = [(as_of - d).days / 30.44 for d in stale["evidence_date"]]
    out = pd.DataFrame(
        {
            "facility_id": stale.index,
            "status": stale["status"].to_numpy(),
            "status_since": stale["status_since"].to_numpy(),
            "evidence_date": stale["evidence_date"].to_numpy(),
            "age_months": [round(a, 1) for a in age],
            "implied": stale["evidence_implied"].to_numpy(),
        }
    )
    return out.sort_values(["age_months", "facility_id"], ascending=[False, True]).reset_index(
        drop=True
    )


def borrowed_permitting(data: RegionData) -> pd.DataFrame:
    """Regions whose permitting months are borrowed (no evidence of their own): ``region_id,
    permitting_months, permitting_months_low, permitting_months_high`` [months] and
    ``derivation`` (the peers the base comes from and the range rule), in table order."""
    table = data.permitting
    columns = ["permitting_months", "permitting_months_low", "permitting_months_high"]
    if not len(table) or "basis" not in table.columns:
        return pd.DataFrame(columns=["region_id", *columns, "derivation"])
    borrowed = table[table["basis"] == "regional_default"]
    out = borrowed[columns + ["derivation"]].reset_index()
    return out.rename(columns={out.columns[0]: "region_id"})
