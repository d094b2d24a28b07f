"""What the comparison report draws and says, computed from solved results: cost by term, by
state and by zone, public outlay, headline cards and "what differs and why". Nothing solves."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from optimizer import CLUSTER_TYPES, Result
from regions import RegionData

from ..formatting import fmt_num, fmt_pct, fmt_usd_short
from ..missed import RULE_TERM_PREFIX, missed_rules, penalty_terms
from .labels import kpi_label, kpi_value, scope_label, term_label
from .summary import (
    PRODUCT_NOUN,
    new_sites,
    scenario_labels,
    scope_zone,
    toss_up_sentence,
    used_zones,
)

COST_PREFIX, COST_SUFFIX = "cost_", "_usd_per_yr"
TRANSFER_TERMS = ("credit_45x", "state_incentive", "co_investment")
"""Cost terms that are transfers from governments (shown as public outlay, never as savings)."""
NOT_RESOURCE = (*TRANSFER_TERMS, "tariff")
"""Site cost columns that are transfers (to or from the public), left out of system cost."""
TOP_STATES = 12
RULE_COLOURS = ("#c0392b", "#8e1b10", "#e8746a")
"""Colours of the penalties for rules missed in the charts."""


def cost_terms(result: Result) -> pd.Series:
    """Annual cost by term [USD/yr] (the ``cost_<term>_usd_per_yr`` columns of the sites)."""
    sites = result.sites
    columns = [c for c in sites.columns if c.startswith(COST_PREFIX) and c.endswith(COST_SUFFIX)]
    sums = sites[columns].sum() if len(sites) else pd.Series(0.0, index=columns)
    sums.index = [c[len(COST_PREFIX) : -len(COST_SUFFIX)] for c in columns]
    return sums.astype(float)


def system_terms(result: Result) -> pd.Series:
    """System (resource) cost by term [USD/yr]: the cost terms without transfers and tariffs."""
    terms = cost_terms(result)
    return terms.drop([t for t in NOT_RESOURCE if t in terms.index])


IMPORT_FREIGHT = "Import freight (port to market)"


def system_cost_terms(result: Result) -> pd.Series:
    """The system cost of ``result`` by term [USD/yr], labelled for people: the sites' resource
    terms, the freight of imports from their port to the markets and every penalty for a rule
    missed (``'Rule missed: …'``). The terms sum to the ``system_cost`` KPI."""
    terms = system_terms(result)
    terms.index = [term_label(t) for t in terms.index]
    extra = {IMPORT_FREIGHT: _kpi(result, "product_freight", "imports", 0.0)}
    extra.update(penalty_terms(result))
    return pd.concat([terms, pd.Series(extra, dtype=float)])


def cost_by_term(results: Sequence[Result]) -> tuple[list[str], dict[str, list[float]]]:
    """Scenarios × system-cost terms [USD/yr] for a stacked chart (transfers are drawn apart,
    as public outlay; terms that are zero everywhere are left out; penalties for rules missed
    are terms of their own and never left out)."""
    frame = pd.DataFrame(
        {
            label: system_cost_terms(r)
            for label, r in zip(scenario_labels(results), results, strict=True)
        }
    ).fillna(0.0)
    keep = (frame.abs() > 0.5).any(axis=1) | frame.index.str.startswith(RULE_TERM_PREFIX)
    frame = frame[keep]
    return list(frame.columns), {t: frame.loc[t].tolist() for t in frame.index}


def rule_colours(names: Sequence[str]) -> dict[str, str]:
    """Red shades for the ``'Rule missed: …'`` series of a chart (others keep the palette)."""
    rules = [n for n in names if str(n).startswith(RULE_TERM_PREFIX)]
    return {n: RULE_COLOURS[i % len(RULE_COLOURS)] for i, n in enumerate(rules)}


def cost_by_state(
    results: Sequence[Result], data: RegionData, most: int = TOP_STATES
) -> tuple[list[str], dict[str, list[float]]]:
    """States × scenarios: system cost of the sites in each state [USD/yr], the ``most``
    states with the largest cost in any scenario."""
    labels = scenario_labels(results)
    frame = pd.DataFrame(
        {
            label: r.sites.groupby("region_id")["system_cost_usd_per_yr"].sum()
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
    zones = used_zones(results)
    scopes: list[str] = []
    for r in results:
        for scope in r.kpis.loc[r.kpis["kpi"] == "jobs", "scope"]:
            if scope not in scopes and scope_zone(scope) in (None, *zones):
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
    ("system_cost", "all"),
    ("investor_cost", "all"),
    ("public_outlay", "all"),
    ("public_outlay_per_new_job", "all"),
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
        for term, value in penalty_terms(r).items():
            items.append((f"{term} (penalty in the cost)", f"{fmt_usd_short(value)}/yr"))
        out.append({"title": label, "items": items, "missed": bool(penalty_terms(r))})
    return out


def _signed_money(value: float) -> str:
    """``'+USD 186 million/yr'``; ``'0'`` below half a dollar (float noise, no change)."""
    if not math.isfinite(value) or abs(value) < 0.5:
        return "0" if math.isfinite(value) else "n/a"
    return ("+" if value > 0 else "−") + fmt_usd_short(abs(value)) + "/yr"


def differences(a: Result, b: Result, data: RegionData) -> list[str]:
    """ "What differs and why" between two results, in a few plain sentences (B relative to A):
    the cost gap and the terms behind it, where each builds, jobs by zone, public outlay."""
    la, lb = scenario_labels([a, b])
    out = []
    ca, cb = _kpi(a, "system_cost"), _kpi(b, "system_cost")
    gap = cb - ca
    if math.isfinite(gap):
        decided = _kpi(a, "decision_cost", "system")
        share = gap / decided if decided else math.nan
        direction = "more" if gap > 0 else "less"
        terms = system_cost_terms(b).sub(system_cost_terms(a), fill_value=0.0)
        terms = terms.sort_values(key=abs, ascending=False)
        drivers = [_driver(t, v) for t, v in terms.items() if abs(v) >= max(abs(gap) * 0.05, 1e5)][
            :3
        ]
        why = f", mostly {', '.join(drivers)}" if drivers else ""
        out.append(
            f"{lb} costs the country {fmt_usd_short(abs(gap))}/yr {direction} than {la} "
            f"in system cost ({fmt_pct(abs(share))} of the {la} decision cost){why}."
            + toss_up_sentence(gap, b, a)
        )
        for label, result in ((lb, b), (la, a)):
            for rule in missed_rules(result, label):
                out.append(
                    f"Rule missed: {rule.sentence()}; the penalty stands for a rule not met, "
                    "not for money spent."
                )
        ia, ib = _kpi(a, "investor_cost"), _kpi(b, "investor_cost")
        outlay = _kpi(b, "public_outlay") - _kpi(a, "public_outlay")
        if math.isfinite(ib - ia) and math.isfinite(outlay):
            transfers = (
                "the public's transfers to them do not change"
                if _signed_money(outlay) == "0"
                else f"the public's transfers to them by {_signed_money(outlay)} (a transfer, "
                "not a saving)"
            )
            out.append(
                f"Investors in {lb} pay {fmt_usd_short(abs(ib - ia))}/yr "
                f"{'more' if ib > ia else 'less'}: the country's cost changes by "
                f"{_signed_money(gap)} and {transfers}."
            )
    county = data.metadata.get("resolution") == "county"
    names = data.regions["name"].to_dict() if county else {}
    sep, none = ("; ", "no county") if county else (", ", "no state")
    for k in CLUSTER_TYPES:
        sa, sb = _states(new_sites(a, k)), _states(new_sites(b, k))
        if sa != sb and (sa or sb):
            wa, wb = ([names.get(r, r) for r in s] for s in (sa, sb))
            out.append(
                f"New {PRODUCT_NOUN[k]}: {la} builds in {sep.join(wa) or none}; "
                f"{lb} in {sep.join(wb) or none}."
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


def _driver(term: str, value: float) -> str:
    """One cost driver of a gap: ``'energy −USD 109 million/yr'``; a penalty says it is one."""
    if term.startswith(RULE_TERM_PREFIX):
        what = term[len(RULE_TERM_PREFIX) :]
        return f"the penalty for missing the {what} {_signed_money(value)}"
    return f"{term[:1].lower()}{term[1:]} {_signed_money(value)}"


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
