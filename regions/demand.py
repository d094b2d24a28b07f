"""Demand nodes: where each product is used and how much, as of a date (``demand.csv``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from .errors import DataValidationError
from .schema import table_schema
from .tables import check_refs, check_unique, read_table

CITED_KINDS = ("sourced", "derived")
"""Kinds of row whose figure must name its source."""


def empty_demand() -> pd.DataFrame:
    """A demand table with no rows (a dataset without ``demand.csv``)."""
    columns = [s.column for s in table_schema()["demand.csv"]] + ["lon", "lat"]
    return pd.DataFrame(columns=columns)


def _check_nodes(table: pd.DataFrame, label: str) -> None:
    """A node keeps one region and one cluster type across its dated rows."""
    first: dict[str, dict] = {}
    for row in table.to_dict("records"):
        seen = first.setdefault(row["node_id"], row)
        for column in ("region_id", "cluster_type"):
            if row[column] != seen[column]:
                raise DataValidationError(
                    label,
                    f"{row[column]!r} differs from {seen[column]!r} on line {seen['_line']} "
                    f"for node {row['node_id']!r} (a node keeps one {column})",
                    line=int(row["_line"]),
                    field=column,
                    row_id=row["node_id"],
                )


def _check_citations(table: pd.DataFrame, label: str) -> None:
    """Sourced and derived rows cite their source; assumption rows say ASSUMPTION in note."""
    for row in table.to_dict("records"):
        where = {"line": int(row["_line"]), "row_id": row["node_id"]}
        if row["kind"] in CITED_KINDS and not row["citation"]:
            raise DataValidationError(
                label, f"a {row['kind']} row needs a citation", field="citation", **where
            )
        if row["kind"] == "assumption" and "ASSUMPTION" not in row["note"]:
            raise DataValidationError(
                label,
                "an assumption row must say ASSUMPTION and its reasoning in note",
                field="note",
                **where,
            )


def read_demand(path: Path, regions: pd.DataFrame) -> pd.DataFrame:
    """Read and check ``demand.csv``; add each node's ``lon``/``lat`` [deg] (its region's
    representative point). Keeps ``_line``. Raises DataValidationError naming file, line, field."""
    label = str(path)
    table = read_table(path, "demand.csv")
    check_refs(table, "region_id", set(regions.index), label, "regions.csv")
    check_unique(table, ["node_id", "as_of"], label)
    _check_nodes(table, label)
    _check_citations(table, label)
    table["lon"] = table["region_id"].map(regions["rep_lon"]).astype(float)
    table["lat"] = table["region_id"].map(regions["rep_lat"]).astype(float)
    return table


def demand_at(demand: pd.DataFrame, as_of: date | str) -> pd.DataFrame:
    """For each (node_id, cluster_type), the row with the latest ``as_of`` on or before ``as_of``.

    Nodes with no row by then are left out. Sorted by cluster_type and node_id, fresh index.
    """
    cutoff = date.fromisoformat(as_of) if isinstance(as_of, str) else as_of
    if isinstance(cutoff, pd.Timestamp):
        cutoff = cutoff.date()
    known = demand[demand["as_of"] <= cutoff] if len(demand) else demand
    if not len(known):
        return known.reset_index(drop=True)
    latest = known.sort_values("as_of").groupby(["node_id", "cluster_type"], sort=False).tail(1)
    return latest.sort_values(["cluster_type", "node_id"]).reset_index(drop=True)
