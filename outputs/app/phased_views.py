"""What the app shows of a phased result (a scenario with ``[periods]``): present-value cards,
cost by year, capacity producing by year and the build schedule, as plain data."""

from __future__ import annotations

import math

from optimizer import CAPACITY_UNITS, CLUSTER_TYPES
from regions import RegionData

from ..formatting import fmt_num, fmt_usd_short

TYPE_COLOURS = {"battery": "#1b7837", "magnet": "#762a83", "solar": "#e66101"}
TYPE_NOUNS = {"battery": "Battery cells", "magnet": "NdFeB magnets", "solar": "Solar modules"}
NEW_NOUNS = {"battery": "battery cells", "magnet": "NdFeB magnets", "solar": "solar modules"}


def _kpi(result, name: str, scope: str = "all") -> float:
    try:
        return float(result.kpi(name, scope))
    except KeyError:
        return math.nan


def phased_cards(result) -> list[dict]:
    """Cards of a phased result: present values of the three cost views, then per type the
    capacity built, its sites and the first year it produces."""
    if not result.ok:
        return [
            {
                "id": "status",
                "label": "No solution",
                "value": result.report.status.value,
                "note": result.report.message,
            }
        ]
    rate, base = result.inputs.discount_rate, result.inputs.spec.base_year
    cards = [
        {
            "id": "cost",
            "label": "System cost, present value",
            "value": fmt_usd_short(_kpi(result, "present_value", "system")),
            "note": (
                f"investor cost {fmt_usd_short(_kpi(result, 'present_value', 'investor'))}; "
                f"{base} dollars at {rate:.1%}; minimised: {result.scenario.objective} view"
            ),
        },
        {
            "id": "outlay",
            "label": "Public outlay, present value",
            "value": fmt_usd_short(_kpi(result, "present_value", "public_outlay")),
            "note": "a transfer, not a saving",
        },
    ]
    for k in CLUSTER_TYPES:
        built = _kpi(result, "new_capacity", k)
        if not math.isfinite(built):
            continue
        first = _kpi(result, "first_online_year", k)
        sites = _kpi(result, "sites_opened", k)
        cards.append(
            {
                "id": f"new-{k}",
                "label": f"New {NEW_NOUNS[k]}",
                "value": f"{fmt_num(built)} {CAPACITY_UNITS[k]}",
                "note": f"{fmt_num(sites)} site{'' if sites == 1 else 's'}; producing from "
                + (f"{first:.0f}" if math.isfinite(first) else "—"),
            }
        )
    cards.append(
        {
            "id": "jobs",
            "label": "New jobs",
            "value": fmt_num(_kpi(result, "jobs")),
            "note": f"{len(result.inputs.years)} periods, {min(result.inputs.years)}–"
            f"{max(result.inputs.years)}",
        }
    )
    return cards


def _layout(title: str, **extra) -> dict:
    layout = {
        "title": {"text": title, "font": {"size": 14}},
        "margin": {"l": 70, "r": 20, "t": 40, "b": 40},
        "height": 300,
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "font": {"family": "system-ui, sans-serif", "size": 12},
        "legend": {"orientation": "h", "y": -0.2},
    }
    layout.update(extra)
    return layout


def cost_by_year_figure(results: dict) -> dict:
    """System cost by period year [USD bn/yr], one line per phased scenario."""
    data = []
    for label, result in results.items():
        if not result.ok:
            continue
        costs = result.costs
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": label,
                "x": [int(y) for y in costs["year"]],
                "y": [round(v / 1e9, 3) for v in costs["system_cost_usd"]],
                "hovertemplate": "%{x}: USD %{y:.2f} bn<extra>" + label + "</extra>",
            }
        )
    return {"data": data, "layout": _layout("System cost by year [USD bn/yr]")}


def capacity_by_year_figure(result) -> dict:
    """New capacity producing in each period year, one bar series per type [type unit/yr]
    (each type on its own scale: the unit is in the series name)."""
    traces = []
    if result.ok:
        online = result.capacity.groupby(["cluster_type", "year"])["online"].sum()
        for k in CLUSTER_TYPES:
            if k not in online.index.get_level_values(0):
                continue
            series = online.loc[k]
            top = float(series.max()) or 1.0
            traces.append(
                {
                    "type": "bar",
                    "name": f"{TYPE_NOUNS[k]} [{CAPACITY_UNITS[k]}]",
                    "x": [int(y) for y in series.index],
                    "y": [round(100 * float(v) / top, 1) for v in series.to_numpy()],
                    "customdata": [round(float(v), 2) for v in series.to_numpy()],
                    "marker": {"color": TYPE_COLOURS[k]},
                    "hovertemplate": "%{x}: %{customdata:,} "
                    + CAPACITY_UNITS[k]
                    + "<extra>"
                    + TYPE_NOUNS[k]
                    + "</extra>",
                }
            )
    return {
        "data": traces,
        "layout": _layout(
            "New capacity producing by year [% of each type's last year]", barmode="group"
        ),
    }


def schedule_rows(result, data: RegionData | None = None) -> list[str]:
    """One sentence per site built: where, what, when decided and producing, how much."""
    if not result.ok:
        return []
    names = data.regions["name"] if data is not None else {}
    return [
        f"{TYPE_NOUNS.get(r.cluster_type, r.cluster_type)} in "
        f"{names.get(r.region_id, r.region_id)} ({r.region_id}), {r.mode}: decided "
        f"{int(r.decision_year)}, producing from {int(r.online_year)} "
        f"({fmt_num(r.permitting_months)} permitting + {fmt_num(r.construction_months)} "
        f"construction months), {fmt_num(r.capacity)} {r.unit}"
        for r in result.schedule.itertuples()
    ]


__all__ = ["capacity_by_year_figure", "cost_by_year_figure", "phased_cards", "schedule_rows"]
