"""``results.xlsx``: one formatted sheet per table (number formats, column widths, filters,
frozen header) and a ``units`` sheet naming every column's unit."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .tables import column_units

FORMATS = {"usd": "#,##0", "coordinate": "0.00000", "count": "#,##0", "number": "#,##0.###"}
MAX_WIDTH = 60


def number_format(column: str) -> str:
    """The Excel number format of a column."""
    if "usd" in column:
        return FORMATS["usd"]
    if column.endswith(("_lon", "_lat")):
        return FORMATS["coordinate"]
    if column in ("jobs",):
        return FORMATS["count"]
    return FORMATS["number"]


def write_workbook(tables: dict[str, pd.DataFrame], path: Path) -> None:
    """Write ``tables`` (and the units sheet) to ``path``."""
    from openpyxl.utils import get_column_letter

    sheets = {**tables, "units": column_units(tables)}
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, table in sheets.items():
            table.to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            sheet.freeze_panes = "A2"
            if len(table.columns):
                last = get_column_letter(len(table.columns))
                sheet.auto_filter.ref = f"A1:{last}{len(table) + 1}"
            for i, column in enumerate(table.columns, start=1):
                letter = get_column_letter(i)
                values = table[column]
                longest = max([len(str(column)), *(len(str(v)) for v in values.head(200))])
                sheet.column_dimensions[letter].width = min(longest + 2, MAX_WIDTH)
                if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
                    fmt = number_format(str(column))
                    for cell in sheet[letter][1:]:
                        cell.number_format = fmt


__all__ = ["number_format", "write_workbook"]
