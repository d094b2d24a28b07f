"""Payloads of analysis runs: the small JSON summary of one solved compiled model.

:func:`summarize` reads a :class:`~optimizer.runs.solution.Solution` of a
compiled model (:class:`~optimizer.runs.model_index.ModelIndex`) and returns KPIs (names as in ``Result.kpis``), the
objective's cost terms (:data:`COST_KEYS`) and new capacity by (region, type): never whole
Results, so workers send little back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..model.coefficients import ModelInputs
from ..model.technology import CLUSTER_TYPES, TechnologyData
from ..model.terms import COST_TERMS, SYSTEM_TERMS, TRANSFER_TERMS
from .model_index import ModelIndex
from .solution import Solution

VALUE_TOLERANCE = 1e-6
"""Values below this are read as zero, as in ``optimizer.model.extract``."""
COST_KEYS = (
    "fixed",
    *COST_TERMS,
    "minerals",
    "tariff",
    "freight",
    "product_freight",
    "product_imports",
    "shortfall_penalty",
    "unsupplied_penalty",
    "share_gap_penalty",
)
"""Cost terms of a payload [USD/yr]: ``minerals`` is the price before tariff, ``freight`` the inbound
mineral freight, ``product_freight`` the outbound freight to market nodes (and from gateways for
imports), ``product_imports`` product bought abroad at the landed price before tariff (phased
runs; the snapshot prices what it does not make as ``shortfall_penalty``),
``unsupplied_penalty`` the landed price plus penalty of unsupplied need. The terms of the objective view
(:func:`objective_keys`) sum to the objective."""


def objective_keys(objective: str) -> tuple[str, ...]:
    """The COST_KEYS the objective view sums: all of them for investors; the system view leaves
    out transfers (45X, state incentives, co-investment) and tariffs."""
    if objective == "investor":
        return COST_KEYS
    return tuple(k for k in COST_KEYS if k not in TRANSFER_TERMS and k != "tariff")


@dataclass
class _Arrays:
    """Everything ``summarize`` reads from one ModelInputs, aligned with a CompiledModel."""

    green_pos: np.ndarray  # per input site: position among compiled greenfield sites, or -1
    exp_pos: np.ndarray  # per input site: position among compiled expansions, or -1
    existing: np.ndarray
    fixed: np.ndarray
    exp_fixed: np.ndarray
    terms: np.ndarray  # sites × COST_TERMS
    exp_terms: np.ndarray  # sites × COST_TERMS
    jobs_per_unit: np.ndarray
    region_ids: np.ndarray
    types: np.ndarray
    mineral_links: list  # per site: [(t per unit, group index)]
    has_lane: np.ndarray
    lane_mineral: np.ndarray  # price before tariff [USD/t]
    lane_tariff: np.ndarray
    lane_freight: np.ndarray
    foreign: np.ndarray
    domestic_feed: np.ndarray
    unsupplied_group: np.ndarray  # per unsupplied column: its (region, mineral) group
    unsupplied_cost: np.ndarray
    penalties: np.ndarray
    gap_penalties: np.ndarray
    deliver_site: np.ndarray  # per compiled delivery column: its input site row, or -1
    deliver_freight: np.ndarray  # outbound freight [USD/yr per unit/yr]
    import_freight: np.ndarray  # per compiled node: gateway freight [USD/yr per unit/yr]


def _arrays(compiled: ModelIndex, inputs: ModelInputs) -> _Arrays:
    memo = compiled._summary_memo
    if memo is not None and memo[0] is inputs:
        return memo[1]
    sites = inputs.sites
    region_ids = sites.index.get_level_values("region_id").to_numpy()
    types = sites.index.get_level_values("cluster_type").to_numpy()
    links = [
        [
            (t, compiled.group_of[(r, m)])
            for m, t in inputs.demand_t_per_unit[k].items()
            if (r, m) in compiled.group_of
        ]
        for r, k in zip(region_ids, types, strict=True)
    ]
    lanes = inputs.lanes.reindex(compiled.ship_index)
    terms = [f"cost_{t}" for t in COST_TERMS]
    exp_terms = [f"exp_cost_{t}" for t in COST_TERMS]
    tariff = lanes["tariff_usd_per_t"].fillna(0.0).to_numpy(float)
    group_of = compiled.group_of
    arrays = _Arrays(
        green_pos=compiled.site_index.get_indexer(sites.index),
        exp_pos=compiled.exp_index.get_indexer(sites.index),
        existing=sites["existing_capacity"].to_numpy(float),
        fixed=sites["fixed_cost_usd_per_yr"].to_numpy(float),
        exp_fixed=sites["expansion_fixed_cost_usd_per_yr"].to_numpy(float),
        terms=sites[terms].to_numpy(float),
        exp_terms=sites[exp_terms].to_numpy(float),
        jobs_per_unit=sites["jobs_per_unit"].to_numpy(float),
        region_ids=region_ids,
        types=types,
        mineral_links=links,
        has_lane=lanes["cost_usd_per_t"].notna().to_numpy(),
        lane_mineral=lanes["mineral_cost_usd_per_t"].fillna(0.0).to_numpy(float) - tariff,
        lane_tariff=tariff,
        lane_freight=lanes["freight_usd_per_t"].fillna(0.0).to_numpy(float),
        foreign=lanes["foreign"].fillna(False).to_numpy(bool),
        domestic_feed=lanes["domestic_feed"].fillna(False).to_numpy(bool),
        unsupplied_group=np.array(
            [group_of.get(key, -1) for key in compiled.unsupplied_keys], dtype=np.int64
        ),
        unsupplied_cost=np.array(
            [float(inputs.unsupplied_cost_usd_per_t[m]) for _r, m in compiled.unsupplied_keys]
        ),
        penalties=np.array([float(inputs.penalty_usd_per_unit[k]) for k in compiled.types]),
        gap_penalties=np.array(
            [float(inputs.mineral_penalty_usd_per_t[m]) for m in compiled.gap_keys]
        ),
        deliver_site=sites.index.get_indexer(
            pd.MultiIndex.from_tuples([(r, k) for r, k, _j in compiled.deliver_keys])
            if compiled.deliver_keys
            else pd.MultiIndex.from_tuples([], names=["region_id", "cluster_type"])
        ),
        deliver_freight=inputs.product_lanes["freight_usd_per_unit"]
        .reindex(compiled.deliver_index)
        .fillna(0.0)
        .to_numpy(float),
        import_freight=inputs.nodes["import_freight_usd_per_unit"]
        .reindex(compiled.node_keys)
        .fillna(0.0)
        .to_numpy(float),
    )
    compiled._summary_memo = (inputs, arrays)
    return arrays


def _take(values: np.ndarray, idx: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """``values[idx[pos]]`` where ``pos`` ≥ 0, else 0."""
    if len(idx) == 0:
        return np.zeros(len(pos))
    return np.where(pos >= 0, values[idx[np.where(pos >= 0, pos, 0)]], 0.0)


def summarize(
    compiled: ModelIndex,
    inputs: ModelInputs,
    tech: TechnologyData,
    zones: Mapping[str, Sequence[str]],
    solution: Solution,
) -> dict:
    """The small JSON payload of one run.

    Keys: ``status``, ``objective`` [USD/yr], ``mip_gap``, ``kpis`` {name: value} (names as in
    ``Result.kpis``: ``total_annual_cost``, ``system_cost``, ``investor_cost``,
    ``public_outlay``, ``jobs``, ``domestic_mineral_share``, ``new_capacity:<type>``,
    ``levelized_cost:<type>`` [USD per unit produced, system view; None without new capacity],
    ``sites_opened:<type>``, ``shortfall:<type>``, ``jobs:zone:<zone>``,
    ``new_capacity_share:<type>@<zone>``), ``costs`` {term: USD/yr} (COST_KEYS; those of the
    objective view sum to the objective) and ``capacity`` [[region_id, type, new capacity]] for
    new capacity > 0. KPIs follow ``optimizer.model.kpis`` (values below 1e-6 read as zero).
    """
    if not solution.has_solution:
        return {"status": solution.status, "objective": None, "mip_gap": None}
    a = _arrays(compiled, inputs)
    x = solution.x
    clean = np.where(np.abs(x) < VALUE_TOLERANCE, 0.0, x)
    green = _take(clean, compiled.cap_idx, a.green_pos)
    grown = _take(clean, compiled.exp_cap_idx, a.exp_pos)
    green_open = (_take(clean, compiled.open_idx, a.green_pos) > 0.5) & (green > 0)
    grown_open = (_take(clean, compiled.exp_open_idx, a.exp_pos) > 0.5) & (grown > 0)
    new = green + grown
    produced = new + a.existing
    present = produced > 0
    fixed = a.fixed * green_open + a.exp_fixed * grown_open
    site_terms = green[:, None] * a.terms + grown[:, None] * a.exp_terms

    ship = np.where(a.has_lane, clean[compiled.ship_idx], 0.0)
    n_groups = len(compiled.groups)
    by_group = lambda w: np.bincount(compiled.ship_group, w, minlength=n_groups)  # noqa: E731
    group_resource = by_group(ship * (a.lane_mineral + a.lane_freight))
    group_tariff = by_group(ship * a.lane_tariff)
    unsupplied_t = clean[compiled.unsupplied_idx] if len(compiled.unsupplied_idx) else np.zeros(0)
    known = a.unsupplied_group >= 0
    group_unsupplied = np.bincount(
        a.unsupplied_group[known], (unsupplied_t * a.unsupplied_cost)[known], minlength=n_groups
    )
    need = np.zeros(n_groups)
    for i in np.flatnonzero(present):
        for t, g in a.mineral_links[i]:
            need[g] += t * produced[i]
    minerals = np.zeros((len(new), 3))  # resource, tariff, unsupplied
    for i in np.flatnonzero(present):
        for t, g in a.mineral_links[i]:
            if need[g] > 0:
                share = t * produced[i] / need[g]
                minerals[i] += share * np.array(
                    [group_resource[g], group_tariff[g], group_unsupplied[g]]
                )
    delivered = clean[compiled.deliver_idx] if len(compiled.deliver_idx) else np.zeros(0)
    known_site = a.deliver_site >= 0
    product_site = np.bincount(
        a.deliver_site[known_site],
        (delivered * a.deliver_freight)[known_site],
        minlength=len(new),
    )
    imported = clean[compiled.imported_idx] if len(compiled.imported_idx) else np.zeros(0)
    import_freight = float(imported @ a.import_freight) if len(imported) else 0.0
    transfer = [COST_TERMS.index(t) for t in TRANSFER_TERMS]
    resource = [COST_TERMS.index(t) for t in SYSTEM_TERMS]
    system_site = (
        fixed + site_terms[:, resource].sum(axis=1) + minerals[:, 0] + minerals[:, 2] + product_site
    )
    outlay_site = -site_terms[:, transfer].sum(axis=1)
    investor_site = system_site - outlay_site + minerals[:, 1]
    existing_share = np.divide(a.existing, produced, out=np.zeros(len(new)), where=present)

    shortfall = dict(zip(compiled.types, clean[compiled.shortfall_idx], strict=True))
    shortfall_cost = float(
        sum(shortfall[k] * p for k, p in zip(compiled.types, a.penalties, strict=True))
    )
    gap_cost = float(clean[compiled.gap_idx] @ a.gap_penalties) if len(compiled.gap_idx) else 0.0
    penalties = shortfall_cost + gap_cost + import_freight
    view_site = investor_site if inputs.objective == "investor" else system_site
    kpis: dict[str, float | None] = {
        "objective": solution.objective,
        "total_annual_cost": float(view_site[present].sum()) + penalties,
        "system_cost": float(system_site[present].sum()) + penalties,
        "investor_cost": float(investor_site[present].sum()) + penalties,
        "public_outlay": float(outlay_site.sum()),
        "shortfall_penalty": shortfall_cost,
        "product_freight": float(product_site.sum()) + import_freight,
    }
    utilization = tech.param("utilization")
    jobs = new * a.jobs_per_unit
    types, region_ids = a.types, a.region_ids
    for k in CLUSTER_TYPES:
        mask = (types == k) & (new > 0)
        kpis[f"new_capacity:{k}"] = float(new[mask].sum())
        kpis[f"sites_opened:{k}"] = float(((green_open | grown_open) & mask).sum())
        kpis[f"shortfall:{k}"] = float(shortfall.get(k, 0.0))
        made = new[mask].sum() * utilization
        mineral_all = minerals[mask, 0] + minerals[mask, 2] + product_site[mask]
        new_system = (system_site[mask] - mineral_all * existing_share[mask]).sum()
        kpis[f"levelized_cost:{k}"] = float(new_system / made) if made > 0 else None
    kpis["jobs"] = float(jobs[new > 0].sum())
    for zone_id, members in zones.items():
        in_zone = np.isin(region_ids, list(members))
        kpis[f"jobs:zone:{zone_id}"] = float(jobs[in_zone & present].sum())
        for k in CLUSTER_TYPES:
            of_type = types == k
            total_new = new[of_type].sum()
            kpis[f"new_capacity_share:{k}@{zone_id}"] = (
                float(new[of_type & in_zone].sum() / total_new) if total_new > 0 else 0.0
            )
    tonnes = ship.sum() + unsupplied_t.sum()
    # domestic = feed mined or recycled at home (a refinery of imported feed is not)
    home = float(ship[a.domestic_feed].sum())
    kpis["domestic_mineral_share"] = home / tonnes if tonnes > 0 else 0.0

    # cost terms on raw values (those of the objective view sum to the objective)
    raw = lambda idx: x[idx] if len(idx) else np.zeros(0)  # noqa: E731
    raw_ship = np.where(a.has_lane, x[compiled.ship_idx], 0.0)
    green_raw = _take(x, compiled.cap_idx, a.green_pos)
    grown_raw = _take(x, compiled.exp_cap_idx, a.exp_pos)
    costs = {
        "fixed": float(
            _take(x, compiled.open_idx, a.green_pos) @ a.fixed
            + _take(x, compiled.exp_open_idx, a.exp_pos) @ a.exp_fixed
        )
    }
    for j, term in enumerate(COST_TERMS):
        costs[term] = float(green_raw @ a.terms[:, j] + grown_raw @ a.exp_terms[:, j])
    costs["minerals"] = float(raw_ship @ a.lane_mineral)
    costs["tariff"] = float(raw_ship @ a.lane_tariff)
    costs["freight"] = float(raw_ship @ a.lane_freight)
    costs["product_freight"] = float(
        (raw(compiled.deliver_idx) @ a.deliver_freight if len(compiled.deliver_idx) else 0.0)
        + (raw(compiled.imported_idx) @ a.import_freight if len(compiled.imported_idx) else 0.0)
    )
    costs["product_imports"] = 0.0  # the snapshot prices imports as its shortfall penalty
    costs["shortfall_penalty"] = float(raw(compiled.shortfall_idx) @ a.penalties)
    costs["unsupplied_penalty"] = float(raw(compiled.unsupplied_idx) @ a.unsupplied_cost)
    costs["share_gap_penalty"] = float(raw(compiled.gap_idx) @ a.gap_penalties)
    kpis["unsupplied_penalty"] = costs["unsupplied_penalty"]
    capacity = [[str(region_ids[i]), str(types[i]), float(new[i])] for i in np.flatnonzero(new > 0)]
    return {
        "status": solution.status,
        "objective": solution.objective,
        "mip_gap": solution.mip_gap,
        "kpis": kpis,
        "costs": costs,
        "objective_keys": list(objective_keys(inputs.objective)),
        "capacity": capacity,
    }


__all__ = ["COST_KEYS", "VALUE_TOLERANCE", "objective_keys", "summarize"]
