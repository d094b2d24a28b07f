"""The input schema, itself data: ``schema.csv`` lists every column of every data file."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SCHEMA_FILE = Path(__file__).with_name("schema.csv")


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a data file: type, unit, whether required, allowed range."""

    table: str
    column: str
    type: str  # float | str | id | date | enum:a|b | ref:<table stem>
    unit: str
    required: bool
    min: float | None
    max: float | None
    description: str

    @property
    def enum_values(self) -> tuple[str, ...]:
        """Allowed values of an ``enum:`` column (empty for other types)."""
        return tuple(self.type[5:].split("|")) if self.type.startswith("enum:") else ()

    @property
    def ref_table(self) -> str | None:
        """Stem of the table a ``ref:`` column points into, else None."""
        return self.type[4:] if self.type.startswith("ref:") else None


def _num(text: str) -> float | None:
    return float(text) if text.strip() else None


@cache
def table_schema() -> dict[str, tuple[ColumnSpec, ...]]:
    """Column specs per data file name, in file order."""
    out: dict[str, list[ColumnSpec]] = {}
    with SCHEMA_FILE.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            spec = ColumnSpec(
                table=row["table"],
                column=row["column"],
                type=row["type"],
                unit=row["unit"],
                required=row["required"] == "yes",
                min=_num(row["min"]),
                max=_num(row["max"]),
                description=row["description"],
            )
            out.setdefault(spec.table, []).append(spec)
    return {table: tuple(specs) for table, specs in out.items()}
