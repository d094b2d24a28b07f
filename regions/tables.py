"""Read one CSV data file and check it against its schema (columns, types, ranges, enums)."""

from __future__ import annotations

import csv
import io
import math
from datetime import date
from pathlib import Path

import pandas as pd

from .checks import read_text
from .errors import DataValidationError
from .schema import ColumnSpec, table_schema

FIRST_DATA_LINE = 2  # line 1 is the header
MAY_BE_ABSENT = ("published",)
"""Optional columns a file may leave out altogether (read as blank in every row): the publication
date was added after files in the older format were written."""


def _parse_float(text: str, spec: ColumnSpec, where: dict) -> float:
    try:
        value = float(text)
    except ValueError:
        raise DataValidationError(message=f"{text!r} is not a number", **where) from None
    if not math.isfinite(value):
        raise DataValidationError(message=f"{text!r} is not a finite number", **where)
    if spec.min is not None and value < spec.min:
        raise DataValidationError(
            message=f"{value:g} {spec.unit} is below the minimum {spec.min:g}", **where
        )
    if spec.max is not None and value > spec.max:
        raise DataValidationError(
            message=f"{value:g} {spec.unit} is above the plausible maximum {spec.max:g}", **where
        )
    return value


def _parse_cell(text: str, spec: ColumnSpec, where: dict) -> object:
    text = text.strip()
    if text == "" or text.lower() in {"nan", "na", "n/a", "null", "none"}:
        if spec.required:
            raise DataValidationError(message="required value is missing", **where)
        return math.nan if spec.type == "float" else ""
    if spec.type == "float":
        return _parse_float(text, spec, where)
    if spec.type == "date":
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise DataValidationError(
                message=f"{text!r} is not a date (YYYY-MM-DD)", **where
            ) from None
    if spec.enum_values and text not in spec.enum_values:
        allowed = ", ".join(spec.enum_values)
        raise DataValidationError(message=f"{text!r} is not one of: {allowed}", **where)
    return text


def read_table(path: Path, table: str | None = None) -> pd.DataFrame:
    """Read ``path`` as data file ``table`` (default: its file name), checking every cell.

    Returns a DataFrame with the schema's columns in order, plus ``_line`` (file line of the row).
    Raises DataValidationError naming file, line and field on any problem.
    """
    table = table or path.name
    specs = table_schema()[table]
    label = str(path)
    reader = csv.reader(io.StringIO(read_text(path, label), newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise DataValidationError(label, "file is empty (no header row)") from None
    except csv.Error as exc:
        raise DataValidationError(label, f"not readable as CSV ({exc})", line=1) from None
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise DataValidationError(
            label, f"not readable as CSV ({exc})", line=reader.line_num
        ) from None
    expected = [s.column for s in specs]
    absent = [s.column for s in specs if s.column in MAY_BE_ABSENT and not s.required]
    absent = [c for c in absent if c not in header]
    missing = [c for c in expected if c not in header and c not in absent]
    extra = [c for c in header if c not in expected]
    if missing:
        raise DataValidationError(label, f"missing column(s): {', '.join(missing)}", line=1)
    if extra:
        raise DataValidationError(
            label,
            f"unexpected column(s): {', '.join(extra)} (expected: {', '.join(expected)})",
            line=1,
        )
    position = {c: header.index(c) for c in expected if c not in absent}
    id_column = expected[0] if specs[0].type == "id" else None
    records = []
    for offset, raw in enumerate(rows):
        line = FIRST_DATA_LINE + offset
        if not any(cell.strip() for cell in raw):
            continue  # blank line
        if len(raw) != len(header):
            raise DataValidationError(
                label, f"has {len(raw)} fields, header has {len(header)}", line=line
            )
        row_id = raw[position[id_column]].strip() if id_column else None
        record: dict[str, object] = {"_line": line}
        for spec in specs:
            where = {"file": label, "line": line, "field": spec.column, "row_id": row_id}
            text = raw[position[spec.column]] if spec.column in position else ""
            record[spec.column] = _parse_cell(text, spec, where)
        records.append(record)
    frame = pd.DataFrame.from_records(records, columns=["_line", *expected])
    for spec in specs:
        if spec.type == "float":
            frame[spec.column] = frame[spec.column].astype(float)
    return frame


def check_unique(frame: pd.DataFrame, columns: list[str], label: str) -> None:
    """Raise if the combination of ``columns`` repeats; names the second occurrence."""
    dup = frame.duplicated(subset=columns, keep="first")
    if dup.any():
        row = frame[dup].iloc[0]
        key = ", ".join(f"{c}={row[c]}" for c in columns)
        raise DataValidationError(
            label, f"duplicate {key}", line=int(row["_line"]), field=columns[-1]
        )


def check_refs(frame: pd.DataFrame, column: str, known: set[str], label: str, target: str) -> None:
    """Raise if a non-blank value of ``column`` is not among ``known`` ids of ``target``."""
    for line, value in zip(frame["_line"], frame[column], strict=True):
        if value and value not in known:
            raise DataValidationError(
                label, f"unknown id {value!r} (not in {target})", line=int(line), field=column
            )
