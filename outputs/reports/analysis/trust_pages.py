"""``report.html`` of the hindcast and of the near-optimal alternatives: what the command printed,
as tables with human labels, the notes, and the map."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from optimizer import CAPACITY_UNITS, AlternativesResult, HindcastResult
from optimizer.analyses.alternatives import OPTIMUM
from regions import RegionData

from ...formatting import esc, fmt_num, fmt_pct, fmt_usd_short
from ..compare import _table
from ..labels import TYPE_TITLES, readable_units
from .common import _header, _map_section, html_page, region_label

SCORE_ROW_CLASS = "cs-score-row"
PLAN_ROW_CLASS = "cs-plan-row"


def _share(value: float) -> str:
    return "n/a" if value is None or not math.isfinite(float(value)) else fmt_pct(value)


def _type(k: str) -> str:
    return TYPE_TITLES.get(str(k), "All types" if str(k) == "all" else str(k))


def _lines(text: str) -> str:
    return "<ul>" + "".join(f"<li>{esc(t)}</li>" for t in str(text).splitlines() if t) + "</ul>"


def _map_note(layers: Sequence[str]) -> list[str]:
    if not layers:
        return []
    names = ", ".join(f"<i>{esc(name)}</i>" for name in layers)
    return [_map_section(f"The map shows the solved plan; the shadings {names} compare it.")]


def _reality_section(reality) -> list[str]:
    if reality is None:
        return []
    rows = [
        [
            esc(_type(k)),
            esc(fmt_usd_short(r["optimum_usd_per_yr"]) + "/yr"),
            esc(fmt_usd_short(r["reality_usd_per_yr"]) + "/yr"),
            esc(f"{r['gap_pct']:+.2f} %"),
            *("yes" if bool(r[f"within_{p}pct"]) else "no" for p in (1, 2, 5)),
        ]
        for k, r in reality.table.iterrows()
    ]
    return [
        "<h2>Reality against the optimum</h2>"
        '<p class="note">The capacity really announced, forced into the same model and costed, '
        "against the model's own optimum for the same targets.</p>"
        + _table(
            ["Type", "Optimum", "Announced plan", "Gap", "within 1 %", "within 2 %", "within 5 %"],
            rows,
        )
    ]


def _distance_section(h: HindcastResult) -> list[str]:
    """By county: per type the real plants, model sites, median distance [km], share of real
    capacity within 100 km of a model site, and the nearest and farthest plant."""
    if h.distances is None:
        return []
    rows = []
    for k, r in h.scores.iterrows():
        if k == "all":
            continue
        mine = h.distances[(h.distances["cluster_type"] == k)].dropna(subset=["km"])
        ends = ["", ""]
        if len(mine):
            ordered = mine.sort_values("km")
            ends = [
                f"{p['facility_id']} ({p['state']}, {p['km']:,.0f} km to {p['nearest_name']})"
                for p in (ordered.iloc[0], ordered.iloc[-1])
            ]
        km = r["median_km"]
        rows.append(
            [
                esc(_type(k)),
                esc(fmt_num(r["n_plants"])),
                esc(fmt_num(r["n_model_sites"])),
                esc("n/a" if not math.isfinite(float(km)) else f"{km:,.0f} km"),
                esc(_share(r["share_within_100km"])),
                *(esc(e) for e in ends),
            ]
        )
    return [
        "<h2>Distance to the model's sites</h2>"
        '<p class="note">By county: for each plant really announced in the window, the '
        "great-circle distance to the model's nearest new site of its type (the county's centre "
        "of population); the share of the real capacity at most 100 km from one (a plant at "
        "exactly 100 km counts as within). A type where the model builds no new site has no "
        "distance and a share of 0. Table: distances.csv.</p>"
        + _table(
            [
                "Type",
                "Real plants",
                "Model sites",
                "Median",
                "Within 100 km",
                "Nearest",
                "Farthest",
            ],
            rows,
        )
    ]


def _state_rows(frame: pd.DataFrame, data: RegionData, amount: str) -> list[list[str]]:
    rows = []
    for r in frame.to_dict("records"):
        unit = CAPACITY_UNITS.get(str(r["cluster_type"]), "")
        rows.append(
            [
                region_label(data, str(r["region_id"])),
                esc(_type(r["cluster_type"])),
                esc(f"{fmt_num(r[amount])} {unit}"),
                esc(readable_units(r.get("why", ""))),
            ]
        )
    return rows


def hindcast_report(h: HindcastResult, data: RegionData, *, map_layers: Sequence[str] = ()) -> str:
    """The hindcast page: scores per type, reality against the optimum, the states the model
    missed and invented with why, the notes and the map."""
    body = _header(
        f"Hindcast: solved as of {h.as_of}, scored against announcements to {h.until}",
        h.result.scenario,
        data,
    )
    body.append('<p class="lead">' + esc(str(h.summary()).splitlines()[0]) + "</p>")
    rows, attrs = [], []
    for k, r in h.scores.iterrows():
        rows.append(
            [
                esc(_type(k)),
                esc("n/a" if math.isnan(r["spearman"]) else f"{r['spearman']:.2f}"),
                esc(_share(r["share_in_real_states"])),
                esc(fmt_num(r["n_real_states"])),
                esc(fmt_num(r["n_model_states"])),
                esc(fmt_num(r["n_both"])),
                esc(fmt_num(r["n_missed"])),
                esc(fmt_num(r["n_invented"])),
            ]
        )
        attrs.append(f'class="{SCORE_ROW_CLASS}" data-type="{esc(k)}"')
    body.append(
        "<h2>Scores</h2>"
        '<p class="note">Spearman: rank correlation of the capacity the model placed with the '
        "capacity really announced, by state (1 = same order). Share in real states: of the "
        "capacity the model placed, the share in states that really got plants.</p>"
        + _table(
            [
                "Type",
                "Spearman",
                "Share in real states",
                "Real states",
                "Model states",
                "Both",
                "Missed",
                "Invented",
            ],
            rows,
            row_attrs=attrs,
        )
    )
    body += _distance_section(h)
    body += _reality_section(h.reality)
    headers = ["State", "Type", "Announced", "Why the model went elsewhere"]
    body.append(
        f"<h2>States the model missed ({len(h.missed)})</h2>"
        + _table(headers, _state_rows(h.missed, data, "announced_capacity"), left=4)
    )
    headers = ["State", "Type", "Placed by the model", "Why the model chose it"]
    body.append(
        f"<h2>States the model invented ({len(h.invented)})</h2>"
        + _table(headers, _state_rows(h.invented, data, "model_new_capacity"), left=4)
    )
    body.append("<h2>Notes</h2>" + _lines("\n".join(h.notes)))
    body += _map_note(map_layers)
    body.append(
        '<p class="note">Tables: by_state.csv, scores.csv, missed.csv, invented.csv, notes.txt'
        + (", reality.csv, reality_sites.csv" if h.reality is not None else "")
        + (", distances.csv" if h.distances is not None else "")
        + ".</p>"
    )
    return html_page(f"Hindcast from {h.as_of}", body)


def alternatives_report(
    alt: AlternativesResult, data: RegionData, *, map_layers: Sequence[str] = ()
) -> str:
    """The alternatives page: each near-optimal plan (goal, slack, cost over the optimum, the
    three cost views, jobs, overlap, states), how often each state appears, the map."""
    scenario = alt.results[OPTIMUM].scenario
    body = _header(f"Near-optimal alternatives: {scenario.name}", scenario, data)
    body.append(
        '<p class="lead">Plans that cost at most a slack more than the optimum and differ from '
        "it as much as a goal asks: which states are needed, and which are one choice among "
        "several of similar cost.</p>"
    )
    body.append(_lines(alt.summary()))
    rows, attrs = [], []
    for plan_id, r in alt.plans.iterrows():
        solved = r["status"] in ("optimal", "feasible")
        money = (
            [
                esc(fmt_usd_short(r[c]) + "/yr")
                for c in (
                    "system_cost_usd_per_yr",
                    "investor_cost_usd_per_yr",
                    "public_outlay_usd_per_yr",
                )
            ]
            if solved
            else ["—"] * 3
        )
        rows.append(
            [
                esc("optimum" if plan_id == OPTIMUM else str(r["goal"]).replace("_", " ")),
                esc("—" if plan_id == OPTIMUM else f"{float(r['slack']):.0%}"),
                esc(r["status"]),
                esc(f"+{r['cost_increase_pct']:.2f} %" if solved else "—"),
                *money,
                esc(fmt_num(r["jobs"]) if solved else "—"),
                esc(_share(r["overlap"]) if solved else "—"),
                esc(r["states"] if solved else ""),
            ]
        )
        attrs.append(f'class="{PLAN_ROW_CLASS}" data-plan="{esc(plan_id)}"')
    body.append(
        "<h2>Plans</h2>"
        + _table(
            [
                "Goal",
                "Slack",
                "Status",
                "Cost over the optimum",
                "System cost",
                "Investor cost",
                "Public outlay",
                "Jobs",
                "Overlap with the optimum",
                "States",
            ],
            rows,
            left=3,
            row_attrs=attrs,
        )
    )
    frequency = alt.frequency[alt.frequency["any"] > 0].sort_values("any", ascending=False)
    types = [k for k in CAPACITY_UNITS if k in frequency.columns]
    rows = [
        [region_label(data, str(region_id)), esc(_share(r["share"]))]
        + [esc(fmt_num(r[k])) for k in types]
        for region_id, r in frequency.iterrows()
    ]
    body.append(
        "<h2>How often each state gets new capacity</h2>"
        + _table(
            ["State", "Share of plans", *(f"plans with {_type(k).lower()}" for k in types)], rows
        )
    )
    body += _reality_section(alt.reality)
    body += _map_note(map_layers)
    body.append(
        '<p class="note">Tables: plans.csv, sites.csv, frequency.csv'
        + (", reality.csv, reality_sites.csv" if alt.reality is not None else "")
        + ".</p>"
    )
    return html_page(f"Alternatives: {scenario.name}", body)


__all__ = ["alternatives_report", "hindcast_report"]
