"""Why this state: each opened site against the best state not chosen for its type.

For a site (r, k) that gets new capacity x [type unit/yr] in a solved plan:

- **Its cost per unit** = the per-unit terms of its option (greenfield or expansion, as
  ``optimizer.model.drivers.unit_terms``: capex, energy, labour, …, minerals at the cheapest lane)
  + its fixed cost / x + (with markets) the outbound freight to the market nodes it serves, per
  unit delivered  [USD/yr per (type unit/yr)]. Every candidate is costed serving the same nodes
  in the same mix, so the comparison asks "who else could serve these customers".
- **The runner-up** is the state that did not get new capacity of type k with the lowest cost
  per unit for the same capacity: each candidate is costed at s = min(x, the most it can host —
  max scale or expansion limit, and labor cap / jobs per unit), so its fixed cost is spread over
  as much of the site's capacity as it could take. A state that cannot host even a minimum-scale
  plant (or is excluded: permitting, zones) is not a candidate. This ranks states by the cost of
  moving this site's capacity there, all else equal; the regret analysis re-solves the whole
  model with a state forced open and is the exact (slower) check.
- **The gap** Δ = runner-up cost per unit − site cost per unit, with the term differences.
- **Break-even**: the runner-up would take the site's capacity when its cost per unit falls by Δ.
  The sentence names the term in which the runner-up is dearest and the relative cut of that term
  that closes Δ on its own (e.g. its power price 12 % lower), and the per-unit state incentive
  that would, as ``optimizer.analyses.breakeven.break_even`` names the value at which two options swap
  ranks. It is first-order: other sites keep their plan.
- **Binding constraints around the site**, from the published duals (``optimizer.model.duals``): its
  labor cap, maximum scale, expansion limit and room; the capped sources shipping it a mineral of
  its bill of materials; the domestic-share rule of those minerals; and the marginal cost of one
  more unit of the type's target.
"""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np
import pandas as pd

from ..status import SolverReport
from .coefficients import ModelInputs
from .drivers import MINERALS_TERM, unit_terms
from .technology import CAPACITY_UNITS
from .terms import objective_terms
from .tossup import Side, uncertainty


class SolvedPlan(Protocol):
    """What the why table reads of a solved scenario (an ``optimizer.Result``)."""

    @property
    def ok(self) -> bool: ...
    @property
    def inputs(self) -> ModelInputs: ...
    @property
    def sites(self) -> pd.DataFrame: ...
    @property
    def flows(self) -> pd.DataFrame: ...
    @property
    def products(self) -> pd.DataFrame: ...
    @property
    def shadow_prices(self) -> pd.DataFrame: ...
    @property
    def report(self) -> SolverReport: ...


OUTBOUND_TERM = "outbound"
"""Per-unit outbound product freight to the market nodes the site serves (with markets)."""
CAPACITY_TOLERANCE = 1e-6
"""New capacity [type unit/yr] below which a site counts as not built."""
LEVERS = {
    "energy": "power price",
    "labor": "wages",
    "capex": "capital cost",
    "permitting_delay": "permitting time",
    MINERALS_TERM: "mineral supply cost",
    # outbound freight is distance to customers, not a state lever: it is compared, not moved
    "other_opex": "other operating cost",
    "other_materials": "other materials cost",
    "fixed": "fixed site cost",
}
"""Per-unit terms a planner can move, and what moving them means in words."""
SITE_FAMILIES = {
    "labor": "labor pool (shared by all types)",
    "max_scale": "maximum scale",
    "expansion_limit": "expansion limit",
    "room": "room at the site",
}
ESTIMATE = "first-order estimate, every other site keeping its plan; clustersite why re-solves it"
"""How the break-even sentence labels its figures: they are not re-solved here
(``optimizer.analyses.thresholds`` is)."""
MAX_SOURCES = 3
"""Binding source limits named per site (the dearest first); the rest are counted."""
WHY_COLUMNS = [
    "region_id",
    "cluster_type",
    "option",
    "new_capacity",
    "cost_usd_per_unit",
    "runner_up",
    "runner_up_option",
    "runner_up_capacity",
    "runner_up_cost_usd_per_unit",
    "gap_usd_per_unit",
    "gap_pct",
    "lever",
    "lever_cut_pct",
    "uncertainty_usd_per_unit",
    "uncertainty_pct",
    "toss_up",
    "toss_up_note",
    "binding",
    "break_even",
]


def why_this_state(result: SolvedPlan) -> pd.DataFrame:
    """One row per opened site (new capacity > 0): the site against its runner-up.

    Columns (costs per unit in USD/yr per (type unit/yr)): ``region_id``, ``cluster_type``,
    ``option``, ``new_capacity``, ``cost_usd_per_unit``, ``runner_up`` (region id, '' when no
    state could take it), ``runner_up_option``, ``runner_up_capacity`` (what it could host of
    the site's capacity), ``runner_up_cost_usd_per_unit``, ``gap_usd_per_unit`` (runner-up −
    site), ``gap_pct`` (of the site's cost), ``lever`` and ``lever_cut_pct`` (the term that closes
    the gap alone and by how much, '' / NaN when none does), ``binding`` (constraints around the
    site, in words), ``break_even`` (one sentence), and ``d_<term>_usd_per_unit`` (runner-up −
    site) for every term and ``fixed``. ``Result.why`` keeps this table once worked out.

    >>> why = why_this_state(optimizer.solve("baseline"))     # doctest: +SKIP
    """
    if not result.ok or result.sites.empty:
        return pd.DataFrame(columns=WHY_COLUMNS)
    sites = result.sites[result.sites["new_capacity"] > CAPACITY_TOLERANCE]
    around = _Around(result)
    rows = []
    for k, group in sites.groupby("cluster_type", sort=False):
        costs = candidate_costs(result, str(k))
        chosen = set(group["region_id"])
        for site in group.itertuples():
            rows.append(_row(result, costs, site, chosen, around))
    table = pd.DataFrame(rows)
    if table.empty:
        return pd.DataFrame(columns=WHY_COLUMNS)
    extra = [c for c in table.columns if c not in WHY_COLUMNS]
    return table[WHY_COLUMNS + extra].reset_index(drop=True)


def candidate_costs(result: SolvedPlan, cluster_type: str) -> pd.DataFrame:
    """Per region: option, per-unit terms, ``fixed_cost`` [USD/yr] of that option and
    ``max_capacity`` [type unit/yr] it could host (0 for regions that cannot host)."""
    inputs = result.inputs
    terms = unit_terms(inputs, cluster_type)
    sites = inputs.sites.xs(cluster_type, level="cluster_type").reindex(terms.index)
    expansion = terms["option"] == "expansion"
    fixed = np.where(
        expansion, sites["expansion_fixed_cost_usd_per_yr"], sites["fixed_cost_usd_per_yr"]
    )
    scale = np.where(expansion, sites["expansion_limit"], sites["max_scale"])
    jobs = sites["jobs_per_unit"].to_numpy(float)
    labor = np.where(jobs > 0, sites["labor_limit_jobs"] / np.where(jobs > 0, jobs, 1), np.inf)
    most = np.minimum(np.minimum(scale, sites["room"].fillna(np.inf)), labor)
    minimum = np.where(expansion, 0.0, sites["min_scale"])
    can_host = (terms["option"] != "none") & (most > CAPACITY_TOLERANCE) & (most >= minimum)
    table = terms.copy()
    table["fixed_cost"] = fixed
    table["max_capacity"] = np.where(can_host, most, 0.0)
    table["min_capacity"] = minimum
    return table


class _Around:
    """What the rows of one result share, grouped once: the binding duals by (constraint, key),
    the (source, mineral) pairs shipped to each region, and each site's deliveries."""

    def __init__(self, result: SolvedPlan) -> None:
        duals = result.shadow_prices
        self.duals: dict[tuple[str, str], list[tuple[str, float, str]]] = {}
        self.shares: list[tuple[str, float, str]] = []
        if not duals.empty:
            duals = duals[duals["binding"].astype(bool) & (duals["value"].abs() > 1e-9)]
            for c, key, value, unit in zip(
                duals["constraint"], duals["key"], duals["value"], duals["unit"], strict=True
            ):
                entry = (str(key), float(value), unit)
                self.duals.setdefault((str(c), str(key)), []).append(entry)
                if c == "domestic_share":
                    self.shares.append(entry)
        self.empty = duals.empty
        self.shipped: dict[str, set[tuple[str, str]]] = {}
        flows = result.flows
        if len(flows):
            for r, src, m in zip(
                flows["region_id"], flows["source_id"], flows["mineral"], strict=True
            ):
                self.shipped.setdefault(str(r), set()).add((str(src), str(m)))
        self.delivered: dict[tuple[str, str], pd.Series] = {}
        products = result.products
        if products is not None and len(products):
            mine = products[products["origin_kind"] == "site"]
            grouped = mine.groupby(["origin", "cluster_type", "node_id"], sort=True)
            for (origin, k), units in grouped["units_per_yr"].sum().groupby(level=[0, 1]):
                self.delivered[(str(origin), str(k))] = units.droplevel([0, 1])
        self._freight: dict[str, pd.DataFrame] = {}
        self._lanes = result.inputs.product_lanes

    def freight(self, cluster_type: str) -> pd.DataFrame:
        """Outbound freight [USD/yr per unit] by region (rows) and market node (columns)."""
        if cluster_type not in self._freight:
            lanes = self._lanes["freight_usd_per_unit"].xs(cluster_type, level="cluster_type")
            self._freight[cluster_type] = lanes.unstack("node_id")
        return self._freight[cluster_type]


def _row(result: SolvedPlan, costs: pd.DataFrame, site, chosen: set[str], around: _Around) -> dict:
    k, region_id, x = str(site.cluster_type), str(site.region_id), float(site.new_capacity)
    unit = CAPACITY_UNITS.get(k, "unit/yr")
    terms = [*objective_terms(result.inputs.objective), MINERALS_TERM]
    outbound = outbound_per_unit(result, region_id, k, around)
    if outbound is not None:
        costs = costs.assign(**{OUTBOUND_TERM: outbound.reindex(costs.index)})
        terms.append(OUTBOUND_TERM)
    values = costs[terms].to_numpy(float)
    fixed_cost = costs["fixed_cost"].to_numpy(float)
    position = {r: i for i, r in enumerate(costs.index)}

    def per_unit(region: str, size: float) -> pd.Series:
        """Per-unit terms of ``region`` at ``size``, ``fixed`` spread over it, and ``total``."""
        i = position[region]
        fixed = fixed_cost[i] / size if size > 0 else math.inf
        out = [*values[i], fixed]
        return pd.Series([*out, np.nansum(out)], index=[*terms, "fixed", "total"], dtype=float)

    own = per_unit(region_id, x)
    record = {
        "region_id": region_id,
        "cluster_type": k,
        "option": str(site.mode),
        "new_capacity": x,
        "cost_usd_per_unit": float(own["total"]),
    }
    keep = (costs["max_capacity"].to_numpy(float) > 0) & ~costs.index.isin(list(chosen))
    keep &= ~np.isnan(values).any(axis=1)
    binding = binding_around(result, region_id, k, around)
    record["binding"] = "; ".join(binding)
    if not keep.any():
        record.update(
            runner_up="",
            runner_up_option="",
            runner_up_capacity=np.nan,
            runner_up_cost_usd_per_unit=np.nan,
            gap_usd_per_unit=np.nan,
            gap_pct=np.nan,
            lever="",
            lever_cut_pct=np.nan,
            uncertainty_usd_per_unit=np.nan,
            uncertainty_pct=np.nan,
            toss_up=False,
            toss_up_note="",
            break_even=f"No other state can host a {k} plant: {region_id} has no runner-up.",
        )
        return record
    names = costs.index.to_numpy(str)[keep]
    sizes = np.minimum(costs["max_capacity"].to_numpy(float)[keep], x)
    sizes = np.maximum(sizes, costs["min_capacity"].to_numpy(float)[keep])
    totals = values[keep].sum(axis=1) + fixed_cost[keep] / sizes
    order = np.lexsort((names, totals))
    best = str(names[order[0]])
    size = float(sizes[order[0]])
    other = per_unit(best, size)
    gap = float(other["total"] - own["total"])
    diffs = (other - own).drop("total")
    record.update(
        runner_up=best,
        runner_up_option=str(costs.at[best, "option"]),
        runner_up_capacity=size,
        runner_up_cost_usd_per_unit=float(other["total"]),
        gap_usd_per_unit=gap,
        gap_pct=100.0 * gap / float(own["total"]) if own["total"] else np.nan,
    )
    lever, cut = closing_lever(other, diffs, gap)
    record["lever"], record["lever_cut_pct"] = lever, cut
    dominant = str(diffs.idxmax()) if len(diffs) and diffs.max() > 0 else ""
    sentence = break_even_sentence(
        region_id, best, k, unit, gap, lever, cut, size, x, binding, dominant
    )
    spread, parts = uncertainty(
        _side(result, region_id, k, own, str(site.mode)),
        _side(result, best, k, other, str(costs.at[best, "option"])),
        k,
        result.inputs.ranges,
        _solver_gap_per_unit(result, x),
    )
    toss_up = not gap > spread
    record.update(
        uncertainty_usd_per_unit=spread,
        uncertainty_pct=100.0 * spread / float(own["total"]) if own["total"] else np.nan,
        toss_up=toss_up,
        toss_up_note=toss_up_note(best, gap, own["total"], spread, parts) if toss_up else "",
    )
    record["break_even"] = f"{record['toss_up_note']} {sentence}" if toss_up else sentence
    for term, value in diffs.items():
        record[f"d_{term}_usd_per_unit"] = float(value)
    return record


def _side(
    result: SolvedPlan, region_id: str, cluster_type: str, terms: pd.Series, option: str
) -> Side:
    """One place of a toss-up comparison: per-unit terms, option, permitting months."""
    row = result.inputs.sites.loc[(region_id, cluster_type)]
    base = float(row["permitting_months"])
    months = (
        base,
        float(row.get("permitting_months_low", base)),
        float(row.get("permitting_months_high", base)),
    )
    return Side(
        terms.drop("total", errors="ignore"),
        "expansion" if option.startswith("expansion") else "greenfield",
        months,
    )


def _solver_gap_per_unit(result: SolvedPlan, capacity: float) -> float:
    """The solver's proven gap [USD/yr] spread over the site's new capacity."""
    report = getattr(result, "report", None)
    if report is None or report.mip_gap is None or report.objective is None or capacity <= 0:
        return 0.0
    return float(report.mip_gap) * abs(float(report.objective)) / capacity


def toss_up_note(
    runner_up: str, gap: float, cost: float, spread: float, parts: list[tuple[str, float]]
) -> str:
    """'Toss-up: …' with the number behind it.

    >>> toss_up_note("AZ", 100.0, 10_000.0, 250.0, [("jobs per unit", 250.0)])
    'Toss-up: AZ is 1.00 % dearer per unit, within the 2.50 % that the documented ranges and the solver gap allow (jobs per unit ±2.50 %).'
    """
    pct = lambda v: 100.0 * v / cost if cost else math.nan  # noqa: E731
    named = ", ".join(f"{label} ±{pct(v):.2f} %" for label, v in parts[:3])
    more = f" and {len(parts) - 3} more" if len(parts) > 3 else ""
    if not gap > 0:
        return f"Toss-up: {runner_up} is no dearer per unit ({pct(gap):+.2f} %)."
    return (
        f"Toss-up: {runner_up} is {pct(gap):.2f} % dearer per unit, within the "
        f"{pct(spread):.2f} % that the documented ranges and the solver gap allow"
        + (f" ({named}{more})." if named else ".")
    )


def outbound_per_unit(
    result: SolvedPlan, region_id: str, cluster_type: str, around: _Around | None = None
) -> pd.Series | None:
    """Per region, the outbound freight [USD/yr per unit] of serving the market nodes this site
    serves, in the same mix: Σ_j units_j · freight[region, j] / Σ_j units_j. None without
    markets or deliveries from the site."""
    around = around if around is not None else _Around(result)
    units = around.delivered.get((region_id, cluster_type))
    if units is None or not len(result.inputs.product_lanes):
        return None
    if units.sum() <= CAPACITY_TOLERANCE:
        return None
    table = around.freight(cluster_type).reindex(columns=units.index)
    return table.mul(units / units.sum(), axis=1).sum(axis=1, min_count=len(units))


def closing_lever(other: pd.Series, diffs: pd.Series, gap: float) -> tuple[str, float]:
    """The term in which the runner-up is dearest that closes ``gap`` on its own, and the cut
    of the runner-up's value of that term that does it [%]; ('', NaN) when none does."""
    if not gap > 0:
        return "", math.nan
    movable = diffs[[t for t in diffs.index if t in LEVERS]]
    for term in movable[movable > 0].sort_values(ascending=False).index:
        value = float(other[term])
        if value > 0 and gap <= value:
            return term, 100.0 * gap / value
    return "", math.nan


def break_even_sentence(
    region_id: str,
    runner_up: str,
    cluster_type: str,
    unit: str,
    gap: float,
    lever: str,
    cut: float,
    size: float,
    capacity: float,
    binding: list[str],
    dominant: str = "",
) -> str:
    """What would have to change for ``runner_up`` to take the site, in one sentence
    (``dominant``: the term in which the runner-up is dearest)."""
    partial = (
        f" (it could host {size:,.4g} of the {capacity:,.4g} {unit})"
        if size < capacity - CAPACITY_TOLERANCE
        else ""
    )
    if not gap > 0:
        held = f"binding here: {binding[0]}" if binding else "limits elsewhere in the plan"
        return (
            f"{runner_up} is no dearer per unit than {region_id} for this {cluster_type} "
            f"capacity{partial} ({gap:+,.0f} USD/yr per {unit}); the plan keeps {region_id} for "
            f"its constraints ({held}) or to avoid a second fixed cost."
        )
    incentive = f"a state incentive paid {gap:,.0f} USD/yr per {unit} there"
    how = (
        f"its {LEVERS[lever]} were {cut:.1f} % lower, or {incentive}"
        if lever
        else f"{incentive} ({_largest(dominant)}; no single cost term of it closes the gap alone)"
    )
    return (
        f"{runner_up} would take this {cluster_type} capacity from {region_id}{partial} if "
        f"{how}, all else equal ({ESTIMATE})."
    )


def _largest(term: str) -> str:
    if term == OUTBOUND_TERM:
        return "most of the gap is outbound freight: its customers are farther away"
    return f"most of the gap is {LEVERS.get(term, term.replace('_', ' '))}"


def binding_around(
    result: SolvedPlan, region_id: str, cluster_type: str, around: _Around | None = None
) -> list[str]:
    """Binding constraints around site (region_id, cluster_type), in words, with their duals."""
    around = around if around is not None else _Around(result)
    if around.empty:
        return []
    out = []
    key = f"{region_id}/{cluster_type}"
    for family, words in SITE_FAMILIES.items():
        # the labor row is the region's pool shared by all types: keyed by region alone
        for _key, value, unit in around.duals.get(
            (family, region_id if family == "labor" else key), []
        ):
            out.append(f"{words} ({value:,.4g} {unit})")
    minerals = set(result.inputs.demand_t_per_unit.get(cluster_type, {}))
    shipped = around.shipped.get(region_id, set())
    limits = [
        entry
        for source, mineral in sorted(shipped)
        if mineral in minerals
        for entry in around.duals.get(("source_limit", f"{source}/{mineral}"), [])
    ]
    if shipped:
        order = {entry: i for i, entry in enumerate(_in_table_order(around, limits))}
        limits.sort(key=lambda e: (-e[1], order[e]))
        for limit_key, value, unit in limits[:MAX_SOURCES]:
            out.append(f"source limit {limit_key} ({value:,.4g} {unit})")
        if len(limits) > MAX_SOURCES:
            out.append(f"{len(limits) - MAX_SOURCES} more source limits")
    for share_key, value, unit in around.shares:
        if share_key in minerals and value > 0:
            out.append(f"domestic share of {share_key} ({value:,.4g} {unit})")
    for _key, value, unit in around.duals.get(("target", cluster_type), []):
        out.append(f"national {cluster_type} target ({value:,.4g} {unit})")
    return out


def _in_table_order(around: _Around, entries: list) -> list:
    """``entries`` in the order of the shadow-price table (ties keep that order, as a stable
    sort of the table would)."""
    wanted = set(entries)
    ordered = [e for (c, _k), listed in around.duals.items() if c == "source_limit" for e in listed]
    return [e for e in ordered if e in wanted]


__all__ = ["WHY_COLUMNS", "binding_around", "candidate_costs", "why_this_state"]
