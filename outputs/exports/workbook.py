"""``results.xlsx``: a ``summary`` sheet first (the scenario and its figures with human labels and
units, rules missed), then one formatted sheet per table (headers for people with their unit,
number formats, column widths, filters, frozen header) and a ``units`` sheet mapping every
header to its CSV column and unit."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..reports.labels import term_label
from .tables import column_unit, column_units

FORMATS = {"usd": "#,##0", "coordinate": "0.00000", "count": "#,##0", "number": "#,##0.###"}
MAX_WIDTH = 60
SUMMARY_SHEET = "summary"

COLUMN_LABELS = {
    "region_id": "State",
    "cluster_type": "Cluster type",
    "capacity_unit": "Capacity unit",
    "new_capacity": "New capacity",
    "existing_capacity": "Existing capacity",
    "total_capacity": "Total capacity",
    "expansion_capacity": "Expansion of operating plants",
    "in_designated_zone": "In designated zone",
    "permitting_months": "Permitting",
    "open": "Opened",
    "jobs": "New jobs",
    "kpi": "Figure",
    "scope": "Scope",
    "unit": "Unit",
    "value": "Value",
    "source_id": "Source",
    "source_name": "Source name",
    "foreign": "Imported",
    "mineral": "Mineral",
    "tonnes_per_yr": "Amount",
    "distance_km": "Distance",
    "units_per_yr": "Amount",
    "node_region_id": "Market state",
    "origin": "From",
    "origin_kind": "From (site or import)",
    "item": "Target or rule missed",
    "amount": "Short by",
    "binding": "Bound by",
    "constraint": "Constraint",
    "shadow_price": "Shadow price",
}
"""Sheet headers of CSV columns that a generic rule reads badly."""


def column_label(column: str) -> str:
    """The sheet header of a CSV column, with its unit: ``'total_cost_usd_per_yr'`` →
    ``'Total cost [USD/yr]'``, ``'new_capacity'`` → ``'New capacity [see capacity unit]'``.

    >>> column_label("cost_capex_usd_per_yr"), column_label("jobs"), column_label("source_lon")
    ('Capital (annualised) [USD/yr]', 'New jobs [jobs]', 'Source lon [degrees (WGS84)]')
    """
    name = COLUMN_LABELS.get(column)
    if name is None and column.startswith("cost_") and column.endswith("_usd_per_yr"):
        name = term_label(column[len("cost_") : -len("_usd_per_yr")])
    if name is None:
        name = column
        for suffix in ("_usd_per_yr", "_per_yr", "_km", "_months"):
            if name.endswith(suffix):
                name = name[: -len(suffix)]
                break
        name = name.replace("_", " ").strip()
        name = name[:1].upper() + name[1:]
    unit = column_unit(column)
    if unit.startswith("capacity_unit") or unit.startswith("the row's unit"):
        unit = "see unit column"
    if not unit or unit == "true/false":
        return name
    return f"{name} [{unit}]"


def number_format(column: str) -> str:
    """The Excel number format of a column."""
    if "usd" in column:
        return FORMATS["usd"]
    if column.endswith(("_lon", "_lat")):
        return FORMATS["coordinate"]
    if column in ("jobs",):
        return FORMATS["count"]
    return FORMATS["number"]


def _headers(table: pd.DataFrame) -> list[str]:
    """Unique sheet headers for a table's columns (a repeat gets its CSV name added)."""
    labels = [column_label(c) for c in table.columns]
    return [
        f"{label} ({column})" if labels.count(label) > 1 else label
        for label, column in zip(labels, table.columns, strict=True)
    ]


def write_workbook(
    tables: dict[str, pd.DataFrame], path: Path, summary: pd.DataFrame | None = None
) -> None:
    """Write ``summary`` (when given, first), ``tables`` with headers for people and the units
    sheet to ``path``."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    units = column_units(tables)
    units.insert(2, "header", [column_label(c) for c in units["column"]])
    for name, table in tables.items():  # the header each sheet really shows
        mask = units["table"] == name
        units.loc[mask, "header"] = _headers(table)
    sheets = {**tables, "units": units}
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        if summary is not None:
            summary.to_excel(writer, sheet_name=SUMMARY_SHEET, index=False)
            sheet = writer.sheets[SUMMARY_SHEET]
            for letter, width in zip("ABC", (48, 28, 18), strict=False):
                sheet.column_dimensions[letter].width = width
            for cell in sheet["A"][1:]:
                if str(cell.value).startswith("Rule missed"):
                    cell.font = Font(bold=True, color="B3261E")
        for name, table in sheets.items():
            shown = table.set_axis(_headers(table), axis=1) if name in tables else table
            shown.to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            sheet.freeze_panes = "A2"
            if len(table.columns):
                last = get_column_letter(len(table.columns))
                sheet.auto_filter.ref = f"A1:{last}{len(table) + 1}"
            for i, (column, header) in enumerate(zip(table.columns, shown.columns, strict=True), 1):
                letter = get_column_letter(i)
                values = table[column]
                longest = max([len(str(header)), *(len(str(v)) for v in values.head(200))])
                sheet.column_dimensions[letter].width = min(longest + 2, MAX_WIDTH)
                if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
                    fmt = number_format(str(column))
                    for cell in sheet[letter][1:]:
                        cell.number_format = fmt


__all__ = ["SUMMARY_SHEET", "column_label", "number_format", "write_workbook"]
