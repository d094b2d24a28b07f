"""Comparison tables and a computed plain-language summary of solved scenarios.

Nothing here solves anything: every number comes from the ``Result`` objects passed in.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from optimizer import CLUSTER_TYPES, Result
from regions import RegionData

from ..formatting import fmt_capacity, fmt_num, fmt_pct, fmt_usd_short
from ..missed import RULE_TERM_PREFIX, penalty_terms

KEY_COLUMNS = ["kpi", "scope", "unit"]

PRODUCT_NOUN = {"battery": "battery cells", "magnet": "NdFeB magnets", "solar": "solar cells"}
"""What a type's new capacity makes, for sentences (solar counts at the cell stage)."""


# ---------------------------------------------------------------------------------------------
# scenario helpers
# ---------------------------------------------------------------------------------------------


def scenario_labels(results: Sequence[Result]) -> list[str]:
    """Scenario names, made unique with ``#2``, ``#3`` … when two results share a name."""
    labels: list[str] = []
    for result in results:
        name = result.scenario.name
        label, n = name, 1
        while label in labels:
            n += 1
            label = f"{name} #{n}"
        labels.append(label)
    return labels


def new_sites(result: Result, cluster_type: str | None = None) -> pd.DataFrame:
    """Sites the run places (rows with new capacity > 0), largest first."""
    sites = result.sites
    if len(sites) == 0:
        return sites
    sites = sites[sites["new_capacity"] > 0]
    if cluster_type is not None:
        sites = sites[sites["cluster_type"] == cluster_type]
    return sites.sort_values(["cluster_type", "new_capacity"], ascending=[True, False])


# ---------------------------------------------------------------------------------------------
# KPI table
# ---------------------------------------------------------------------------------------------


def kpi_table(results: list[Result]) -> pd.DataFrame:
    """KPIs side by side: one row per (kpi, scope, unit), one value column per scenario, then a
    ``diff vs <first>`` column per later scenario (value minus the first scenario's value).

    Values are copied from each ``Result.kpis`` unchanged; a KPI a result lacks is NaN.
    """
    if not results:
        raise ValueError("kpi_table needs at least one Result")
    labels = scenario_labels(results)
    frames = [r.kpis[KEY_COLUMNS + ["value"]].drop_duplicates(KEY_COLUMNS) for r in results]
    table = pd.concat([f[KEY_COLUMNS] for f in frames]).drop_duplicates().reset_index(drop=True)
    for label, frame in zip(labels, frames, strict=True):
        table = table.merge(frame.rename(columns={"value": label}), on=KEY_COLUMNS, how="left")
    for index in range(1, len(results)):
        table[diff_column(results, index)] = table[labels[index]] - table[labels[0]]
    return table


def diff_column(results: list[Result], index: int) -> str:
    """Name of the ``kpi_table`` column holding result ``index`` minus the first result."""
    labels = scenario_labels(results)
    if index == 0:
        raise ValueError("the first scenario is the reference; it has no diff column")
    if len(labels) > 2:
        return f"{labels[index]} diff vs {labels[0]}"
    return f"diff vs {labels[0]}"


# ---------------------------------------------------------------------------------------------
# summary sentences
# ---------------------------------------------------------------------------------------------


def _kpi(result: Result, name: str, scope: str = "all") -> float:
    try:
        return result.kpi(name, scope)
    except KeyError:
        return math.nan


def _region_list(sites: pd.DataFrame, most: int = 4, names: dict | None = None) -> str:
    """Regions by new capacity, largest first; ``names`` (county runs) labels county FIPS codes
    ("Lake, OH") and joins them with "; " (their names hold commas)."""
    ids = list(dict.fromkeys(sites.sort_values("new_capacity", ascending=False)["region_id"]))
    labels = [names.get(i, i) for i in ids] if names else ids
    sep, noun = ("; ", "counties") if names else ("/", "regions")
    if len(labels) <= most:
        return sep.join(labels)
    return sep.join(labels[:most]) + f" and {len(labels) - most} more {noun}"


def _placements(result: Result, names: dict | None = None) -> list[str]:
    parts = []
    for cluster_type in CLUSTER_TYPES:
        sites = new_sites(result, cluster_type)
        if len(sites) == 0:
            continue
        amount = fmt_capacity(sites["new_capacity"].sum(), cluster_type)
        where = _region_list(sites, names=names)
        parts.append(f"{amount} of new {PRODUCT_NOUN[cluster_type]} in {where}")
    return parts


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _more_fewer(delta: float, noun: str, where: str) -> str:
    if round(delta) == 0:
        return f"the same number of {noun} {where}"
    word = "more" if delta > 0 else "fewer"
    return f"{fmt_num(abs(delta))} {word} {noun} {where}"


def used_zones(results: Sequence[Result]) -> list[str]:
    """Zones some scenario of ``results`` designates, in order of first use (the only zones a
    comparison shows)."""
    return _designated_zones(results)


def scope_zone(scope: str) -> str | None:
    """The zone a KPI scope is about (``'zone:south'``, ``'battery@south'``), else None."""
    scope = str(scope)
    if scope.startswith("zone:"):
        return scope[5:]
    if "@" in scope:
        return scope.partition("@")[2]
    return None


def _designated_zones(results: Sequence[Result]) -> list[str]:
    zones: list[str] = []
    for result in results:
        for designation in result.scenario.zones.values():
            if designation.zone not in zones:
                zones.append(designation.zone)
    return zones


def _delta_text(delta: float, base: float, base_label: str) -> str:
    """``USD 187 million/yr more (0.7% of the baseline decision cost)``; ``about the same``
    within 0.05% of ``base`` (the reference's decision cost)."""
    if not math.isfinite(delta):
        return "n/a"
    share = abs(delta) / abs(base) if base else math.nan
    if math.isfinite(share) and share < 0.0005:
        return "about the same (within 0.05%)"
    word = "more" if delta > 0 else "less"
    pct = f" ({100 * share:.1f}% of the {base_label} decision cost)" if math.isfinite(share) else ""
    return f"{fmt_usd_short(abs(delta))}/yr {word}{pct}"


def _penalty_cause(result: Result, ref: Result) -> str:
    """``' (USD 19.61 bn/yr of it the penalty for missing the domestic share of nickel)'`` when
    penalties for rules missed change by more than USD 0.5 million/yr, else ``''``."""
    mine, theirs = penalty_terms(result), penalty_terms(ref)
    changes = {
        term[len(RULE_TERM_PREFIX) :]: mine.get(term, 0.0) - theirs.get(term, 0.0)
        for term in dict.fromkeys([*mine, *theirs])
    }
    parts = [
        f"{'+' if v > 0 else '−'}{fmt_usd_short(abs(v))}/yr of it the penalty for missing the {what}"
        for what, v in changes.items()
        if abs(v) >= 0.5e6
    ]
    return f" ({'; '.join(parts)}: a rule not met, not money spent)" if parts else ""


def proven_within(result: Result) -> float:
    """How far above the best plan of its model ``result``'s plan can be [USD/yr]: its decision
    cost × the relative gap the solver proved (0 when no gap is reported)."""
    report = result.report
    if report.objective is None or report.mip_gap is None or not math.isfinite(report.mip_gap):
        return 0.0
    return abs(float(report.objective)) * max(float(report.mip_gap), 0.0)


def toss_up_sentence(delta: float, result: Result, ref: Result) -> str:
    """``' By cost the two are a toss-up: …'`` when the system-cost difference ``delta`` is
    no larger than what the two solves leave open (each plan is proven only to within its gap
    of its model's best plan), else ``''``."""
    open_by = proven_within(result) + proven_within(ref)
    if not (math.isfinite(delta) and open_by >= 0.5e6 and abs(delta) <= open_by):
        return ""
    return (
        " By cost the two are a toss-up: each plan is proven only to within its solver gap of "
        f"its best plan, together {fmt_usd_short(open_by)}/yr, more than the difference."
    )


def cost_views_text(result: Result, ref: Result, ref_label: str) -> str:
    """One sentence on the three cost views of ``result`` against ``ref``: what the country, the
    investors and the public pay more or less. A transfer is never called a saving."""
    system = _kpi(result, "system_cost") - _kpi(ref, "system_cost")
    investor = _kpi(result, "investor_cost") - _kpi(ref, "investor_cost")
    outlay = _kpi(result, "public_outlay") - _kpi(ref, "public_outlay")
    decided = _kpi(ref, "decision_cost", "system")
    delta = _delta_text(system, decided, ref_label)
    compared = (
        f"about the same as {ref_label} (within 0.05%)"
        if delta.startswith("about the same")
        else f"{delta} than {ref_label}"
    )
    parts = [f"It costs the country {compared}" + _penalty_cause(result, ref)]
    if math.isfinite(investor) and abs(investor) >= 0.5e6:
        parts.append(
            f"investors {fmt_usd_short(abs(investor))}/yr {'more' if investor > 0 else 'less'}"
        )
    if math.isfinite(outlay) and abs(outlay) >= 0.5e6:
        parts.append(
            f"and the public {fmt_usd_short(abs(outlay))}/yr {'more' if outlay > 0 else 'less'} "
            "in transfers (45X, incentives, co-investment; not a saving)"
        )
    return ", ".join(parts) + "." + toss_up_sentence(system, result, ref)


def summary(results: list[Result], data: RegionData) -> list[str]:
    """Plain-language sentences comparing ``results[1:]`` with ``results[0]`` (the reference).

    Every number is read from the Results' sites and KPIs; ``data`` supplies zone descriptions.
    Sentences are plain text (escape them before putting them into HTML).
    """
    if not results:
        return []
    labels = scenario_labels(results)
    ref, ref_label = results[0], labels[0]
    county = data.metadata.get("resolution") == "county"
    names = data.regions["name"].to_dict() if county else None
    sentences: list[str] = []
    for label, result in zip(labels, results, strict=True):
        if not result.ok:
            sentences.append(
                f"{label} has no solution (solver status {result.report.status.value}"
                + (f": {result.report.message}" if result.report.message else "")
                + "), so it is left out of the comparison."
            )
            continue
        placed = _join(_placements(result, names)) or "no new capacity"
        jobs = _kpi(result, "jobs")
        if result is ref or not ref.ok:
            sentences.append(
                f"{label} places {placed} at a system cost of "
                f"{fmt_usd_short(_kpi(result, 'system_cost'))}/yr (investor cost "
                f"{fmt_usd_short(_kpi(result, 'investor_cost'))}/yr, public outlay "
                f"{fmt_usd_short(_kpi(result, 'public_outlay'))}/yr), "
                f"with {fmt_num(jobs)} new jobs."
            )
        else:
            cost_text = cost_views_text(result, ref, ref_label)
            zone_parts = [
                _more_fewer(
                    _kpi(result, "jobs", f"zone:{zone}") - _kpi(ref, "jobs", f"zone:{zone}"),
                    "new jobs",
                    f"in the {zone} zone",
                )
                for zone in _designated_zones(results)
                if math.isfinite(_kpi(result, "jobs", f"zone:{zone}"))
            ]
            if not zone_parts:
                zone_parts = [_more_fewer(jobs - _kpi(ref, "jobs"), "new jobs", "in total")]
            sentences.append(f"{label} places {placed}, with {_join(zone_parts)}. {cost_text}")
        for cluster_type in CLUSTER_TYPES:
            short = _kpi(result, "shortfall", cluster_type)
            if math.isfinite(short) and short > 0:
                target = _kpi(result, "target", cluster_type)
                sentences.append(
                    f"{label} leaves {fmt_capacity(short, cluster_type)} of the "
                    f"{fmt_capacity(target, cluster_type)} {cluster_type} target unmet."
                )
    shares = [
        (label, _kpi(r, "domestic_mineral_share"))
        for label, r in zip(labels, results, strict=True)
        if r.ok
    ]
    if len(shares) > 1:
        sentences.append(
            "Domestic share of mineral supply: "
            + ", ".join(f"{label} {fmt_pct(share)}" for label, share in shares)
            + "."
        )
    for zone in _designated_zones(results):
        if zone in data.zones:
            members = data.zone_members(zone)
            if county:  # the zone's states, not its hundreds of counties
                members = dict.fromkeys(data.regions.loc[list(members), "state"])
            members = "/".join(members)
            sentences.append(f"Zone {zone} ({members}): {data.zones[zone].description}.")
    return sentences
