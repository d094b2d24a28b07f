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


def _series_latest(known: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """(each node's latest row, each row's series vintage): a series is (cluster_type,
    weight_unit), and its vintage the newest ``as_of`` any of its rows has by the cutoff."""
    latest = known.sort_values("as_of").groupby(["node_id", "cluster_type"], sort=False).tail(1)
    vintage = known.groupby(["cluster_type", "weight_unit"])["as_of"].max()
    keys = list(zip(latest["cluster_type"], latest["weight_unit"], strict=True))
    return latest, pd.Series([vintage[k] for k in keys], index=latest.index)


def demand_at(demand: pd.DataFrame, as_of: date | str) -> pd.DataFrame:
    """For each (node_id, cluster_type), its row dated at its series' newest date on or before
    ``as_of``; a series is (cluster_type, weight_unit), e.g. CBP jobs of battery nodes.

    No silent carry-forward: a node with no row at its series' newest date (a cell the source
    withheld that year) is left out, not given an older year's figure; :func:`stale_nodes` lists
    such nodes, and a cited alternative or a labelled assumption row at that date keeps one in.
    Nodes with no row by then are left out. Sorted by cluster_type and node_id, fresh index.
    """
    known = _known(demand, as_of)
    if not len(known):
        return known.reset_index(drop=True)
    latest, vintage = _series_latest(known)
    current = latest[latest["as_of"] == vintage]
    return current.sort_values(["cluster_type", "node_id"]).reset_index(drop=True)


def stale_nodes(demand: pd.DataFrame, as_of: date | str) -> pd.DataFrame:
    """Nodes :func:`demand_at` leaves out because their newest row by ``as_of`` is older than
    their series' newest date: ``node_id, cluster_type, region_id, last_as_of, series_as_of``."""
    columns = ["node_id", "cluster_type", "region_id", "last_as_of", "series_as_of"]
    known = _known(demand, as_of)
    if not len(known):
        return pd.DataFrame(columns=columns)
    latest, vintage = _series_latest(known)
    old = latest[latest["as_of"] < vintage]
    return pd.DataFrame(
        {
            "node_id": old["node_id"].to_numpy(),
            "cluster_type": old["cluster_type"].to_numpy(),
            "region_id": old["region_id"].to_numpy(),
            "last_as_of": old["as_of"].to_numpy(),
            "series_as_of": vintage[old.index].to_numpy(),
        },
        columns=columns,
    ).sort_values(["cluster_type", "node_id"], ignore_index=True)


def _known(demand: pd.DataFrame, as_of: date | str) -> pd.DataFrame:
    cutoff = date.fromisoformat(as_of) if isinstance(as_of, str) else as_of
    if isinstance(cutoff, pd.Timestamp):
        cutoff = cutoff.date()
    return demand[demand["as_of"] <= cutoff] if len(demand) else demand
