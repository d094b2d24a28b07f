"""The exported tables: result tables with a unit for every column, rounded for people.

Rounding: money [USD…] to cents, coordinates to 5 decimals (about 1 m), jobs to whole numbers,
everything else to 6 significant decimals, and ``-0.0`` written as ``0``; so a CSV holds ``4.4``, not
``4.399999999999998``. Mixed-unit columns (a site's capacity is GWh/yr, t/yr or GW/yr by type)
get a unit column beside them (``capacity_unit``); every column's unit is listed by
``column_units`` (the workbook's ``units`` sheet).

>>> round_column(pd.Series([4.399999999999998, -0.0, 1e-12]), "new_capacity").tolist()
[4.4, 0.0, 0.0]
>>> round_column(pd.Series([1234.5678]), "cost_usd_per_yr").tolist()
[1234.57]
"""

from __future__ import annotations

import pandas as pd

from optimizer import CAPACITY_UNITS, Result
from optimizer.model.extract import (
    FLOW_COLUMNS,
    KPI_COLUMNS,
    PRODUCT_FLOW_COLUMNS,
    SHADOW_PRICE_COLUMNS,
    SITE_COLUMNS,
    UNMET_COLUMNS,
)
from regions import RegionData

TABLES = ("sites", "flows", "products", "kpis", "shadow_prices", "unmet")
"""Result tables exported, in order; each becomes ``<name>.csv`` and a sheet of ``results.xlsx``:
``flows`` holds inbound mineral shipments, ``products`` outbound deliveries to market nodes."""

SITE_EXPORT_COLUMNS = [*SITE_COLUMNS[:2], "capacity_unit", *SITE_COLUMNS[2:]]
FLOW_EXPORT_COLUMNS = [*FLOW_COLUMNS, "dest_lon", "dest_lat"]

TABLE_COLUMNS: dict[str, list[str]] = {
    "sites": SITE_EXPORT_COLUMNS,
    "flows": FLOW_EXPORT_COLUMNS,
    "products": list(PRODUCT_FLOW_COLUMNS),
    "kpis": list(KPI_COLUMNS),
    "shadow_prices": list(SHADOW_PRICE_COLUMNS),
    "unmet": list(UNMET_COLUMNS),
}
"""Header of each exported table (also of the empty tables of a run without a solution)."""

UNITS = {
    "new_capacity": "capacity_unit (GWh/yr, t/yr or GW/yr by cluster type)",
    "existing_capacity": "capacity_unit",
    "total_capacity": "capacity_unit",
    "jobs": "jobs",
    "open": "true/false",
    "in_designated_zone": "true/false",
    "foreign": "true/false",
    "permitting_months": "months",
    "distance_km": "km",
    "tonnes_per_yr": "t/yr",
    "units_per_yr": "the row's unit column (GWh/yr, t/yr or GW/yr by cluster type)",
    "origin_lon": "degrees (WGS84)",
    "origin_lat": "degrees (WGS84)",
    "node_lon": "degrees (WGS84)",
    "node_lat": "degrees (WGS84)",
    "source_lon": "degrees (WGS84)",
    "source_lat": "degrees (WGS84)",
    "dest_lon": "degrees (WGS84)",
    "dest_lat": "degrees (WGS84)",
    "value": "the row's unit column",
    "amount": "the row's unit column",
    "counties_built": "count",
    "counties": "county FIPS codes, ';'-separated",
}
"""Units of columns whose name does not end in one (``*_usd_per_yr`` → USD/yr and so on)."""

SUFFIX_UNITS = {
    "_usd_per_yr": "USD/yr",
    "_km": "km",
    "_months": "months",
    "_per_yr": "per year",
    "_lon": "degrees (WGS84)",
    "_lat": "degrees (WGS84)",
}


def column_unit(column: str) -> str:
    """The unit of an exported column ('' for ids and text)."""
    if column in UNITS:
        return UNITS[column]
    if column.endswith("_capacity"):
        return "capacity_unit"
    for suffix, unit in SUFFIX_UNITS.items():
        if column.endswith(suffix):
            return unit
    return ""


def column_units(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """``table, column, unit`` for every exported column (the workbook's units sheet)."""
    rows = [
        {"table": name, "column": column, "unit": column_unit(column)}
        for name, table in tables.items()
        for column in table.columns
    ]
    return pd.DataFrame(rows, columns=["table", "column", "unit"])


def decimals(column: str) -> int:
    """Decimals kept in an exported column."""
    if "usd" in column:
        return 2
    if column.endswith(("_lon", "_lat")):
        return 5
    return 6


WHOLE_COLUMNS = ("jobs",)
"""Columns of whole numbers (people): exported as integers."""
WHOLE_UNITS = ("jobs", "count", "sites")
"""KPI units whose values are whole numbers."""


def round_column(values: pd.Series, column: str) -> pd.Series:
    """``values`` rounded for export (floats only; ``-0.0`` becomes ``0.0``; jobs as whole
    numbers)."""
    if not pd.api.types.is_float_dtype(values):
        return values
    if column in WHOLE_COLUMNS:
        return values.round(0).astype("Int64")
    return values.round(decimals(column)) + 0.0


def rounded(table: pd.DataFrame) -> pd.DataFrame:
    """Every float column rounded (``round_column``); KPI and shadow-price values by their
    unit (money to cents, others to 6 decimals)."""
    out = table.copy()
    for column in out.columns:
        if column == "value" and "unit" in out.columns and len(out):
            money = out["unit"].astype(str).str.startswith("USD")
            whole = out["unit"].astype(str).isin(WHOLE_UNITS)
            values = out[column].astype(float)
            rounded_values = values.where(~money, values.round(2)).where(money, values.round(6))
            rounded_values = rounded_values.where(~whole, values.round(0)) + 0.0
            out[column] = pd.Series(  # whole numbers as integers: a CSV shows 27688
                [int(v) if w and v == v else v for v, w in zip(rounded_values, whole, strict=True)],
                index=out.index,
                dtype=object,
            )
        else:
            out[column] = round_column(out[column], column)
    return out


def export_tables(result: Result, data: RegionData | None = None) -> dict[str, pd.DataFrame]:
    """The exported tables of ``result`` by name (``TABLE_COLUMNS`` order), rounded; an empty
    table keeps its column headers. ``data`` supplies the flows' destination coordinates."""
    tables = {}
    for name in TABLES:
        table = getattr(result, name, None)
        if table is None or len(table) == 0:
            tables[name] = pd.DataFrame(columns=TABLE_COLUMNS[name])
            continue
        table = table.reset_index(drop=True).copy()
        if name == "sites":
            table.insert(2, "capacity_unit", table["cluster_type"].map(CAPACITY_UNITS))
        elif name == "flows":
            points = data.regions[["rep_lon", "rep_lat"]] if data is not None else None
            ids = table["region_id"]
            table["dest_lon"] = ids.map(points["rep_lon"]) if points is not None else float("nan")
            table["dest_lat"] = ids.map(points["rep_lat"]) if points is not None else float("nan")
        tables[name] = rounded(table)
    if data is not None and data.metadata.get("resolution") == "county" and len(result.sites):
        from .state_totals import state_totals  # county runs only

        tables["by_state"] = rounded(state_totals(result.sites, data.regions))
    return tables


__all__ = [
    "TABLES",
    "TABLE_COLUMNS",
    "column_unit",
    "column_units",
    "export_tables",
    "round_column",
    "rounded",
]
