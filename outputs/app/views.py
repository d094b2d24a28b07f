"""What the app shows of a Result, as plain data: KPI cards, chart figures, comparison rows and
"why this state". Pure functions of solved results (nothing here solves); the layout turns them
into components. Figures are plotly figure dicts (drawn by the plotly.js that Dash serves)."""

from __future__ import annotations

import math
import re

import pandas as pd

from optimizer import CAPACITY_UNITS, CLUSTER_TYPES, Result
from regions import RegionData

from ..formatting import fmt_num, fmt_pct, fmt_usd_short
from ..missed import RULE_TERM_PREFIX, missed_rules, penalty_terms
from ..reports.figures import system_cost_terms
from ..reports.labels import county_names, place_names, readable_units
from .render import is_phased

TYPE_COLOURS = {"battery": "#1b7837", "magnet": "#762a83", "solar": "#e66101"}
TYPE_NOUNS = {"battery": "Battery cells", "magnet": "NdFeB magnets", "solar": "Solar modules"}
NEW_NOUNS = {"battery": "battery cells", "magnet": "NdFeB magnets", "solar": "solar modules"}
# levelized cost in the unit a planner reads: (label, divisor of USD per type unit)
UNIT_COST = {
    "battery": ("USD/kWh", 1e6),  # USD/GWh → USD/kWh
    "magnet": ("USD/kg", 1e3),  # USD/t → USD/kg
    "solar": ("USD/W", 1e9),  # USD/GW → USD/W
}
COST_COLUMN = re.compile(r"^cost_(?P<term>.+)_usd_per_yr$")
RULE = "#b3261e"
"""The colour of a rule missed, everywhere in the app."""


def _kpi(result: Result, name: str, scope: str = "all") -> float:
    try:
        return result.kpi(name, scope)
    except KeyError:
        return math.nan


def unit_cost(value: float, cluster_type: str) -> str:
    """A levelized cost per type unit shown per kWh, kg or W.

    >>> unit_cost(32_185_552.0, "battery"), unit_cost(73_903.0, "magnet")
    ('USD 32.19/kWh', 'USD 73.90/kg')
    """
    if not math.isfinite(value):
        return "n/a"
    label, divisor = UNIT_COST[cluster_type]
    return f"USD {value / divisor:,.2f}/{label.split('/')[1]}"


def kpi_cards(result: Result) -> list[dict]:
    """Headline cards: ``{"id", "label", "value", "note"}`` (values formatted for people); a
    result that missed a rule gets a ``rule`` card first, with the penalty in its cost."""
    if is_phased(result):
        from .phased_views import phased_cards

        return phased_cards(result)
    if not result.ok:
        return [
            {
                "id": "status",
                "label": "No solution",
                "value": result.report.status.value,
                "note": result.report.message,
            }
        ]
    penalties = sum(penalty_terms(result).values())
    cards = (
        [
            {
                "id": "rule",
                "label": "Rule missed",
                "value": f"{fmt_usd_short(penalties)}/yr of penalty",
                "note": "in the costs below: a rule not met, not money spent",
            }
        ]
        if penalties > 0
        else []
    )
    cards += [
        {
            "id": "cost",
            "label": "System cost",
            "value": f"{fmt_usd_short(_kpi(result, 'system_cost'))}/yr",
            "note": (
                f"investor cost {fmt_usd_short(_kpi(result, 'investor_cost'))}/yr; "
                f"minimised: {result.scenario.objective} view"
            ),
        },
        {
            "id": "outlay",
            "label": "Public outlay",
            "value": f"{fmt_usd_short(_kpi(result, 'public_outlay'))}/yr",
            "note": (
                f"{fmt_usd_short(_kpi(result, 'public_outlay_per_new_job'))}/yr per new job; "
                "a transfer, not a saving"
            ),
        },
    ]
    for k in CLUSTER_TYPES:
        new = _kpi(result, "new_capacity", k)
        if math.isnan(new):
            continue
        levelized = _kpi(result, "levelized_cost", k)
        landed = _kpi(result, "landed_import_price", k)
        note = f"{fmt_num(_kpi(result, 'sites_opened', k))} new sites"
        if math.isfinite(levelized):
            note += f"; {unit_cost(levelized, k)}"
            if math.isfinite(landed):
                note += f" vs import {unit_cost(landed, k)}"
        cards.append(
            {
                "id": f"new-{k}",
                "label": f"New {NEW_NOUNS[k]}",
                "value": f"{fmt_num(new)} {CAPACITY_UNITS[k]}",
                "note": note,
            }
        )
    cards.append(
        {
            "id": "jobs",
            "label": "New jobs",
            "value": fmt_num(_kpi(result, "jobs")),
            "note": f"permits {fmt_num(_kpi(result, 'mean_permitting_months'))} months on average",
        }
    )
    cards.append(
        {
            "id": "domestic",
            "label": "Domestic mineral share",
            "value": fmt_pct(_kpi(result, "domestic_mineral_share")),
            "note": "of mineral tonnes shipped",
        }
    )
    return cards


def cost_terms(result: Result) -> pd.Series:
    """Annual system cost [USD/yr] by term, labelled for people; the penalties for rules missed
    are terms of their own (``'Rule missed: …'``) and the terms sum to the system cost."""
    return system_cost_terms(result)


def _layout(title: str, **extra) -> dict:
    layout = {
        "title": {"text": title, "font": {"size": 14}},
        "margin": {"l": 150, "r": 20, "t": 40, "b": 40},
        "height": 300,
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "font": {"family": "system-ui, sans-serif", "size": 12},
    }
    layout.update(extra)
    return layout


def cost_figure(results: dict[str, Result]) -> dict:
    """Horizontal bars of annual system cost by term [USD bn/yr], one series per scenario; a
    penalty for a rule missed is a red bar of its own (never left out)."""
    if any(is_phased(r) for r in results.values()):
        from .phased_views import cost_by_year_figure

        return cost_by_year_figure(results)
    data = []
    for label, result in results.items():
        terms = cost_terms(result) if result.ok else pd.Series(dtype=float)
        terms = terms[(terms.abs() > 0.5) | terms.index.str.startswith(RULE_TERM_PREFIX)]
        rules = [t.startswith(RULE_TERM_PREFIX) for t in terms.index]
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": label,
                "y": list(terms.index),
                "x": [round(v / 1e9, 3) for v in terms.to_numpy()],
                "marker": {"line": {"color": [RULE if r else "rgba(0,0,0,0)" for r in rules],
                                    "width": [3 if r else 0 for r in rules]}},
                "hovertemplate": "%{y}: USD %{x:.2f} bn/yr<extra>" + label + "</extra>",
            }
        )  # fmt: skip
    return {
        "data": data,
        "layout": _layout(
            "Annual system cost by term [USD bn/yr]; a rule missed outlined in red",
            barmode="group",
            legend={"orientation": "h", "y": -0.15},
        ),
    }


def jobs_figure(result: Result, data: RegionData) -> dict:
    """Stacked bars of the jobs of new capacity by state, one series per cluster type (for a
    phased result: the capacity producing in each year)."""
    if is_phased(result):
        from .phased_views import capacity_by_year_figure

        return capacity_by_year_figure(result)
    sites = result.sites if result.ok and len(result.sites) else None
    traces = []
    if sites is not None:
        new = sites[sites["new_capacity"] > 0]
        order = new.groupby("region_id")["jobs"].sum().sort_values(ascending=False).index
        for k in CLUSTER_TYPES:
            of_type = new[new["cluster_type"] == k].groupby("region_id")["jobs"].sum()
            of_type = of_type.reindex(order, fill_value=0.0)
            if not (of_type > 0).any():
                continue
            traces.append(
                {
                    "type": "bar",
                    "name": TYPE_NOUNS[k],
                    "x": [str(r) for r in order],
                    "y": [round(float(v)) for v in of_type.to_numpy()],
                    "marker": {"color": TYPE_COLOURS[k]},
                    "hovertext": [str(data.regions["name"].get(r, r)) for r in order],
                    "hovertemplate": "%{hovertext}: %{y:,} jobs<extra>"
                    + TYPE_NOUNS[k]
                    + "</extra>",
                }
            )
    return {
        "data": traces,
        "layout": _layout(
            "Jobs at new sites by state [jobs]",
            margin={"l": 60, "r": 20, "t": 40, "b": 40},
            barmode="stack",
            legend={"orientation": "h", "y": -0.2},
        ),
    }


def why_rows(result: Result, regret=None, data: RegionData | None = None) -> list[str]:
    """Sentences on why the optimum chose its states: with a regret run on it, its cheapest
    alternative per type; otherwise each new site against its runner-up state
    (``Result.why``: what would have to change for the runner-up to take it)."""
    names = data.regions["name"] if data is not None else pd.Series(dtype=str)
    if regret is None:
        if is_phased(result):
            from .phased_views import schedule_rows

            return schedule_rows(result, data)
        if not result.ok:
            return []
        counties = county_names(data.regions) if data is not None else None
        return [
            f"{TYPE_NOUNS.get(w.cluster_type, w.cluster_type)} in "
            f"{names.get(w.region_id, w.region_id)} ({w.region_id}): "
            + readable_units(place_names(w.break_even, counties))
            for w in result.why.itertuples()
        ]
    sentences = []
    for k in regret.cluster_types:
        rows = regret.table[regret.table["cluster_type"] == k]
        chosen = rows[rows["in_base_optimum"].astype(bool)]["region_id"].astype(str).tolist()
        others = rows[~rows["in_base_optimum"].astype(bool) & rows["regret_usd_per_yr"].notna()]
        others = others.sort_values("regret_usd_per_yr")
        if others.empty:
            continue
        best = others.iloc[0]
        terms = {
            c[2:-11].replace("_", " "): float(best[c])
            for c in others.columns
            if c.startswith("d_")
            and c.endswith("_usd_per_yr")
            and c != "d_total_annual_cost_usd_per_yr"
        }
        costly = sorted(((v, t) for t, v in terms.items() if v > 0.5), reverse=True)[:3]
        runner = f"{names.get(best['region_id'], best['region_id'])} ({best['region_id']})"
        because = ", ".join(f"{t} +{fmt_usd_short(v)}" for v, t in costly) or "no single term"
        sentences.append(
            f"{TYPE_NOUNS[k]}: chosen {', '.join(chosen) or 'none'}; the runner-up {runner} "
            f"would cost {fmt_usd_short(float(best['regret_usd_per_yr']))}/yr more "
            f"(mostly {because})."
        )
    return sentences


def banner(result) -> list[str]:
    """The red banner's sentences: every target or rule ``result`` missed (a phased result:
    every goal it missed in a year)."""
    if result is None:
        return []
    if is_phased(result):
        from ..phased.report import goals_missed

        return goals_missed(result)
    return [readable_units(rule.sentence()) for rule in missed_rules(result)]


__all__ = [
    "banner",
    "jobs_figure",
    "cost_figure",
    "cost_terms",
    "kpi_cards",
    "unit_cost",
    "why_rows",
]
