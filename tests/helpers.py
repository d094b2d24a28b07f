"""Shared test helpers: copy the embedded dataset and break one cell."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import regions

SHARED = Path(__file__).resolve().parents[2] / "shared"


def copy_data(tmp_path: Path) -> Path:
    """A writable copy of the embedded region data folder."""
    target = tmp_path / "data"
    shutil.copytree(regions.DEFAULT_DATA_DIR, target)
    return target


def edit_csv(path: Path, row_id: str, column: str, value: str, id_column: str | None = None) -> int:
    """Set one cell (row found by its id in the first column); returns the file line edited."""
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    id_index = header.index(id_column) if id_column else 0
    lines = [n for n, row in enumerate(rows[1:], start=2) if row[id_index] == row_id]
    if not lines:
        raise KeyError(row_id)
    line = lines[0]
    rows[line - 1][header.index(column)] = value
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return line
