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


def objective_terms(result) -> dict[str, float]:
    """The terms of a solved result's objective [USD/yr], as the Result reports them: the sites'
    total cost in the scenario's cost view (system or investor) and the penalties."""
    return {
        "sites_total_cost": float(result.sites["total_cost_usd_per_yr"].sum()),
        "shortfall_penalty": result.kpi("shortfall_penalty"),
        "share_gap_penalty": result.kpi("share_gap_penalty"),
        "import_freight": _kpi_or_zero(result, "product_freight", "imports"),
    }


def _kpi_or_zero(result, name: str, scope: str) -> float:
    try:
        return result.kpi(name, scope)
    except KeyError:
        return 0.0


def assert_self_consistent(result, rel: float = 1e-6) -> None:
    """A solved result agrees with itself: every KPI is finite, the objective KPI and the
    total-cost KPI of the scenario's view are the solver's objective, and the objective equals
    the sum of its reported terms (within ``rel``).

    The one place that knows how the objective decomposes; adapt it when the cost terms change.
    """
    import math

    assert result.ok, result.report
    objective = result.report.objective
    assert objective is not None and math.isfinite(objective), result.report
    bad = result.kpis[~result.kpis["value"].map(math.isfinite)]
    assert bad.empty, bad
    tolerance = rel * max(1.0, abs(objective))
    assert result.kpi("objective") == objective
    for kpi in ("total_annual_cost", f"{result.scenario.objective}_cost"):
        assert abs(result.kpi(kpi) - objective) <= tolerance, (kpi, result.kpi(kpi), objective)
    terms = objective_terms(result)
    assert abs(sum(terms.values()) - objective) <= tolerance, (objective, terms)
