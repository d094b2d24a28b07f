"""The ``summary`` sheet of a run's workbook: the scenario, every rule it missed, and each KPI
with its label and unit for people (per-unit costs per kWh, kg or W; shares in %)."""

from __future__ import annotations

import math

import pandas as pd

from optimizer import Result

from ..missed import missed_rules
from ..reports.labels import display_scale, kpi_label

COLUMNS = ["Figure", "Value", "Unit"]


def summary_frame(result: Result) -> pd.DataFrame:
    """One row per line of the summary sheet: ``Figure``, ``Value`` (a number where it is one),
    ``Unit``."""
    scenario = result.scenario
    rows: list[tuple[str, object, str]] = [
        ("Scenario", scenario.name, ""),
        ("Description", scenario.description, ""),
        ("Solver status", result.report.status.value, ""),
        ("Cost view minimised", f"{scenario.objective} cost", ""),
        ("Facilities as of", str(scenario.facilities_as_of), ""),
        ("Horizon year", int(scenario.horizon_year), ""),
    ]
    rules = missed_rules(result)
    rows += [("Rule missed", rule.sentence(), "") for rule in rules]
    if result.ok and not rules:
        rows.append(("Rules", "every target and rule met", ""))
    for row in result.kpis.to_dict("records") if result.ok else []:
        unit, factor = display_scale(str(row["unit"]))
        value = float(row["value"])
        if unit == "fraction":
            unit, factor = "%", 100.0
        shown: object = value * factor if math.isfinite(value) else None
        if unit in ("jobs", "count", "sites") and shown is not None:
            shown = int(round(shown))
        elif isinstance(shown, float):
            shown = round(shown, 2 if unit.startswith("USD") and abs(shown) >= 1 else 6)
        rows.append((kpi_label(str(row["kpi"]), str(row["scope"])), shown, unit))
    return pd.DataFrame(rows, columns=COLUMNS)


__all__ = ["summary_frame"]
