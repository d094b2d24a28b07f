"""The "why this state" tables of a report: each opened site against its runner-up state."""

from __future__ import annotations

from collections.abc import Sequence

from optimizer import CAPACITY_UNITS, Result
from regions import RegionData

from ..formatting import fmt_num
from .labels import county_names, kpi_value, place_names, readable_units
from .summary import PRODUCT_NOUN, scenario_labels

WHY_ROW_CLASS = "cs-why-row"


def _name(data: RegionData, region_id: str) -> str:
    if region_id in data.regions.index and "name" in data.regions:
        return f"{data.regions.at[region_id, 'name']} ({region_id})"
    return region_id


def why_blocks(results: Sequence[Result], data: RegionData) -> list[dict]:
    """Per solved scenario: label and table (headers, rows, row attributes) of its opened sites
    against their runner-ups, with the binding constraints and the break-even sentence."""
    blocks = []
    counties = county_names(data.regions)
    for label, result in zip(scenario_labels(list(results)), results, strict=True):
        if not result.ok:
            continue
        rows, attrs = [], []
        for w in result.why.to_dict("records"):
            unit = CAPACITY_UNITS.get(w["cluster_type"], "unit/yr")
            per_unit = f"USD/yr per {unit}"
            runner = (
                f"{_name(data, w['runner_up'])}, "
                f"{kpi_value(w['runner_up_cost_usd_per_unit'], per_unit)} "
                f"({w['gap_pct']:+.2f} %)"
                if w["runner_up"]
                else "none"
            )
            rows.append(
                [
                    f"{_name(data, w['region_id'])}: {PRODUCT_NOUN.get(w['cluster_type'], '')}",
                    f"{fmt_num(w['new_capacity'])} {unit}",
                    kpi_value(w["cost_usd_per_unit"], per_unit),
                    runner,
                    readable_units(w["binding"] or "none"),
                    readable_units(place_names(w["break_even"], counties)),
                ]
            )
            attrs.append(
                {
                    "class": WHY_ROW_CLASS,
                    "data-scenario": label,
                    "data-type": w["cluster_type"],
                    "data-region": w["region_id"],
                    "data-runner-up": w["runner_up"],
                }
            )
        headers = [
            "Site",
            "New capacity",
            "Cost per unit here",
            "Runner-up: cost per unit (gap)",
            "Binding here (dual)",
            "What would have to change",
        ]
        blocks.append({"label": label, "headers": headers, "rows": rows, "attrs": attrs, "left": 6})
    return blocks
