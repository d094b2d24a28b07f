"""``results.xlsx``: a ``summary`` sheet first (the scenario and its figures with human labels and
units, rules missed), then one formatted sheet per table (headers for people with their unit,
number formats, column widths, filters, frozen header) and a ``units`` sheet mapping every
header to its CSV column and unit."""

from __future__ import annotations

import re
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


_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
"""Control characters a worksheet cannot hold (as openpyxl's ILLEGAL_CHARACTERS_RE)."""


def _plain(value: object) -> object:
    r"""A cell value the worksheet holds: numpy scalars unwrapped, missing values and empty text
    as an empty cell, control characters in text escaped (``\x1b``) as on the terminal.

    >>> _plain("a\x1b[2J"), _plain(""), _plain(float("nan"))
    ('a\\x1b[2J', None, None)
    """
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, str) and not value):
        return None
    if isinstance(value, str):
        return _ILLEGAL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value


def _write_sheet(book, name: str, table: pd.DataFrame, headers: list[str], widths: list[float],
                 formats: list[str | None], highlight=None) -> None:  # fmt: skip
    """One sheet, streamed row by row (XlsxWriter's constant-memory mode): frozen header,
    filter, column widths, number formats; ``highlight(row)`` True draws the row's first cell
    in ``highlight.font`` (a format's properties)."""
    sheet = book.add_worksheet(name)
    sheet.freeze_panes(1, 0)
    for i, width in enumerate(widths):
        sheet.set_column(i, i, width)
    if len(headers):
        sheet.autofilter(0, 0, len(table), len(headers) - 1)
    cell_formats = [book.add_format({"num_format": f}) if f else None for f in formats]
    bold = book.add_format(highlight.font) if highlight is not None else None
    sheet.write_row(0, 0, headers)
    for r, row in enumerate(table.itertuples(index=False, name=None), start=1):
        first = bold if highlight is not None and highlight(row) else None
        for c, (value, fmt) in enumerate(zip(row, cell_formats, strict=True)):
            value = _plain(value)
            style = first if c == 0 and first is not None else fmt
            if value is None:
                if style is not None and style is first:
                    sheet.write_blank(r, c, None, style)
            elif isinstance(value, bool):
                sheet.write_boolean(r, c, value, style)
            elif isinstance(value, (int, float)):
                sheet.write_number(r, c, value, style)
            else:
                sheet.write_string(r, c, str(value), style)


def write_workbook(
    tables: dict[str, pd.DataFrame], path: Path, summary: pd.DataFrame | None = None
) -> None:
    """Write ``summary`` (when given, first), ``tables`` with headers for people and the units
    sheet to ``path`` (XlsxWriter, rows streamed: about 2.5 times faster than openpyxl's
    write-only mode for these tables, which matters on ``compare``'s critical path)."""
    import xlsxwriter

    units = column_units(tables)
    units.insert(2, "header", [column_label(c) for c in units["column"]])
    for name, table in tables.items():  # the header each sheet really shows
        mask = units["table"] == name
        units.loc[mask, "header"] = _headers(table)
    book = xlsxwriter.Workbook(
        str(path), {"constant_memory": True, "strings_to_numbers": False,
                    "strings_to_formulas": False, "strings_to_urls": False}
    )  # fmt: skip
    try:
        if summary is not None:

            def rule(row: tuple) -> bool:
                return str(row[0]).startswith("Rule missed")

            rule.font = {"bold": True, "font_color": "#B3261E"}
            formats = [None, "#,##0.###", None]
            _write_sheet(book, SUMMARY_SHEET, summary, list(summary.columns), [48, 28, 18],
                         formats, rule)  # fmt: skip
        for name, table in {**tables, "units": units}.items():
            headers = _headers(table) if name in tables else list(table.columns)
            widths, formats = [], []
            for column, header in zip(table.columns, headers, strict=True):
                values = table[column]
                longest = max([len(str(header)), *(len(str(v)) for v in values.head(200))])
                widths.append(min(longest + 2, MAX_WIDTH))
                numeric = pd.api.types.is_numeric_dtype(values) and not (
                    pd.api.types.is_bool_dtype(values)
                )
                formats.append(number_format(str(column)) if numeric else None)
            _write_sheet(book, name, table, headers, widths, formats)
    finally:
        book.close()


__all__ = ["SUMMARY_SHEET", "column_label", "number_format", "write_workbook"]
