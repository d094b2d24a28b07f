"""What the comparison report draws and says, computed from solved results: cost by term, by
state and by zone, public outlay, headline cards and "what differs and why". Nothing solves."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from optimizer import CLUSTER_TYPES, Result
from regions import RegionData

from ..formatting import fmt_num, fmt_pct, fmt_usd_short
from .labels import kpi_label, kpi_value, scope_label, term_label
from .summary import PRODUCT_NOUN, new_sites, scenario_labels

COST_PREFIX, COST_SUFFIX = "cost_", "_usd_per_yr"
TRANSFER_TERMS = ("credit_45x", "state_incentive", "co_investment")
"""Cost terms that are transfers from governments (shown as public outlay, never as savings)."""
TOP_STATES = 12


def cost_terms(result: Result) -> pd.Series:
    """Annual cost by term [USD/yr] (the ``cost_<term>_usd_per_yr`` columns of the sites)."""
    sites = result.sites
    columns = [c for c in sites.columns if c.startswith(COST_PREFIX) and c.endswith(COST_SUFFIX)]
    sums = sites[columns].sum() if len(sites) else pd.Series(0.0, index=columns)
    sums.index = [c[len(COST_PREFIX) : -len(COST_SUFFIX)] for c in columns]
    return sums.astype(float)


def cost_by_term(results: Sequence[Result]) -> tuple[list[str], dict[str, list[float]]]:
    """Scenarios × cost terms [USD/yr] for a stacked chart (terms that are zero everywhere
    are left out)."""
    frame = pd.DataFrame(
        {label: cost_terms(r) for label, r in zip(scenario_labels(results), results, strict=True)}
    ).fillna(0.0)
    frame = frame[(frame.abs() > 0.5).any(axis=1)]
    return list(frame.columns), {term_label(t): frame.loc[t].tolist() for t in frame.index}


def cost_by_state(
    results: Sequence[Result], data: RegionData, most: int = TOP_STATES
) -> tuple[list[str], dict[str, list[float]]]:
    """States × scenarios: total annual cost of the sites in each state [USD/yr], the ``most``
    states with the largest cost in any scenario."""
    labels = scenario_labels(results)
    frame = pd.DataFrame(
        {
            label: r.sites.groupby("region_id")["total_cost_usd_per_yr"].sum()
            if len(r.sites)
            else pd.Series(dtype=float)
            for label, r in zip(labels, results, strict=True)
        }
    ).fillna(0.0)
    order = frame.abs().max(axis=1).sort_values(ascending=False).index[:most]
    frame = frame.loc[order]
    names = [
        f"{data.regions.at[r, 'name']} ({r})" if r in data.regions.index else r for r in frame.index
    ]
    return names, {label: frame[label].tolist() for label in labels}


def jobs_by_zone(results: Sequence[Result]) -> tuple[list[str], dict[str, list[float]]]:
    """Zones (and all) × scenarios: jobs [jobs] from the ``jobs`` KPI by scope."""
    labels = scenario_labels(results)
    scopes: list[str] = []
    for r in results:
        for scope in r.kpis.loc[r.kpis["kpi"] == "jobs", "scope"]:
            if scope not in scopes:
                scopes.append(str(scope))
    values = {
        label: [_kpi(r, "jobs", s, 0.0) for s in scopes]
        for label, r in zip(labels, results, strict=True)
    }
    names = ["all states" if s == "all" else scope_label(s) for s in scopes]
    return names, values


def public_outlay(results: Sequence[Result]) -> tuple[list[str], dict[str, list[float]]]:
    """Scenarios × instruments: public outlay [USD/yr], from the ``public_outlay`` KPI by scope
    when the results carry it, else the transfer cost terms (credits are negative costs)."""
    labels = scenario_labels(results)
    series: dict[str, list[float]] = {}
    for scope in TRANSFER_TERMS:
        row = []
        for r in results:
            value = _kpi(r, "public_outlay", scope, math.nan)
            if math.isnan(value):
                value = -float(cost_terms(r).get(scope, 0.0))
            row.append(value)
        if any(abs(v) > 0.5 for v in row):
            series[scope_label(scope)] = row
    return labels, series


def _kpi(result: Result, name: str, scope: str = "all", default: float = math.nan) -> float:
    try:
        return result.kpi(name, scope)
    except KeyError:
        return default


# --- cards and sentences ----------------------------------------------------------------------

CARD_KPIS = [
    ("total_annual_cost", "all"),
    ("public_outlay", "all"),
    ("jobs", "all"),
    ("domestic_mineral_share", "all"),
    *[("levelized_cost", k) for k in CLUSTER_TYPES],
    *[("landed_import_price", k) for k in CLUSTER_TYPES],
]


def cards(results: Sequence[Result]) -> list[dict]:
    """Headline figures per scenario: ``{"title", "items": [(label, value), …]}``."""
    out = []
    for label, r in zip(scenario_labels(results), results, strict=True):
        items = []
        for name, scope in CARD_KPIS:
            rows = r.kpis[(r.kpis["kpi"] == name) & (r.kpis["scope"] == scope)]
            if rows.empty:
                continue
            row = rows.iloc[0]
            items.append((kpi_label(name, scope), kpi_value(row["value"], str(row["unit"]), name)))
        out.append({"title": label, "items": items})
    return out


def _signed_money(value: float) -> str:
    return ("+" if value > 0 else "−" if value < 0 else "") + fmt_usd_short(abs(value)) + "/yr"


def differences(a: Result, b: Result, data: RegionData) -> list[str]:
    """ "What differs and why" between two results, in a few plain sentences (B relative to A):
    the cost gap and the terms behind it, where each builds, jobs by zone, public outlay."""
    la, lb = scenario_labels([a, b])
    out = []
    ca, cb = _kpi(a, "total_annual_cost"), _kpi(b, "total_annual_cost")
    gap = cb - ca
    if math.isfinite(gap):
        share = gap / ca if ca else math.nan
        direction = "more" if gap > 0 else "less"
        terms = (cost_terms(b).sub(cost_terms(a), fill_value=0.0)).sort_values(
            key=abs, ascending=False
        )
        drivers = [
            f"{term_label(t).lower()} {_signed_money(v)}"
            for t, v in terms.items()
            if abs(v) >= max(abs(gap) * 0.05, 1e5)
        ][:3]
        why = f", mostly {', '.join(drivers)}" if drivers else ""
        out.append(
            f"{lb} costs {fmt_usd_short(abs(gap))}/yr {direction} than {la} "
            f"({fmt_pct(abs(share))}){why}."
        )
    for k in CLUSTER_TYPES:
        sa, sb = _states(new_sites(a, k)), _states(new_sites(b, k))
        if sa != sb and (sa or sb):
            out.append(
                f"New {PRODUCT_NOUN[k]}: {la} builds in {', '.join(sa) or 'no state'}; "
                f"{lb} in {', '.join(sb) or 'no state'}."
            )
    zones, jobs = jobs_by_zone([a, b])
    shifts = [
        f"{zone} {'+' if vb - va > 0 else '−'}{fmt_num(abs(vb - va))}"
        for zone, va, vb in zip(zones, *jobs.values(), strict=True)
        if zone != "all states" and abs(vb - va) >= 1
    ]
    if shifts:
        out.append(f"New jobs in {lb} relative to {la}: {'; '.join(shifts)}.")
    _, outlay = public_outlay([a, b])
    if outlay:
        pa = sum(v[0] for v in outlay.values())
        pb = sum(v[1] for v in outlay.values())
        out.append(
            f"Public outlay (transfers, not savings): {la} {fmt_usd_short(pa)}/yr, "
            f"{lb} {fmt_usd_short(pb)}/yr."
        )
    return out


def _states(sites: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(sites["region_id"].astype(str))) if len(sites) else []


__all__ = [
    "cards",
    "cost_by_state",
    "cost_by_term",
    "cost_terms",
    "differences",
    "jobs_by_zone",
    "public_outlay",
]
