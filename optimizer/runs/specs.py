"""Run specs of analyses: apply one JSON spec to (scenario, data, technology), the permissive
envelope a compiled model is built on, and coefficient tables that reuse lane geometry.

A spec is ``{"scenario": {...}, "tech": [[type, name, value]], "regions": [[column, [region
ids], factor]], "sites": [[region, type, kind, value]], "force": [region, type, min capacity],
"envelope": [...]}``. ``sites`` changes one site's costs after the coefficient tables are built
(:func:`apply_site_changes`): ``capex`` multiplies its capex-proportional terms, ``fixed`` its
fixed costs, ``incentive`` pays a credit [USD/yr per unit/yr] on its capacity (investor view).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import pandas as pd

from regions import RegionData

from ..model.coefficients import ModelInputs, assemble_inputs, check_scenario_ids
from ..model.minerals import lane_cost, lane_table, mineral_demand, supply_table
from ..model.scenario import Scenario
from ..model.sites import existing_tables, site_table
from ..model.technology import TechnologyData
from ..model.terms import CAPEX_TERMS, objective_terms

ELIGIBILITY_FIGURES = {
    # figure: the level at which it admits the most sites
    "construction_months": "low",
    "jobs_per_unit": "low",
    "min_scale": "low",
    "labor_share_cap": "high",
}


def apply_spec(
    scenario: Scenario, data: RegionData, tech: TechnologyData, spec: Mapping
) -> tuple[Scenario, RegionData, TechnologyData]:
    """The (scenario, data, tech) of one run spec (see the module docstring); inputs untouched."""
    if spec.get("scenario"):
        scenario = scenario.replace(**spec["scenario"])
    if spec.get("tech"):
        tech = tech.with_overrides({(k, name): float(v) for k, name, v in spec["tech"]})
    if spec.get("regions"):
        table = data.regions.copy()
        for column, region_ids, factor in spec["regions"]:
            if column not in table.columns:
                raise KeyError(f"regions has no column {column!r}")
            unknown = sorted(set(region_ids) - set(table.index))
            if unknown:
                raise KeyError(f"unknown region(s) {', '.join(unknown)}")
            table.loc[list(region_ids), column] = table.loc[list(region_ids), column] * float(
                factor
            )
        data = dataclasses.replace(data, regions=table)
    return scenario, data, tech


SITE_CHANGES = ("capex", "fixed", "incentive")
"""Kinds of a ``sites`` spec entry: a factor on the capex-proportional terms, a factor on the
fixed site cost (greenfield and expansion), or a per-unit credit [USD/yr per unit/yr]."""


def apply_site_changes(inputs: ModelInputs, changes: Sequence | None) -> ModelInputs:
    """``inputs`` with the site changes ``[[region_id, cluster_type, kind, value]]`` applied.

    ``capex``: ``cost_<t>`` and ``exp_cost_<t>`` × value for t in CAPEX_TERMS (capex,
    permitting delay, state incentive, co-investment: the capital cost of that site × value).
    ``fixed``: both fixed site costs × value. ``incentive``: a state credit of value USD/yr per
    unit/yr on both options, added to the ``state_incentive`` terms; a transfer, so it moves the
    investor view only. Unit costs are summed again in the inputs' objective view.

    >>> import pandas as pd
    >>> sites = pd.DataFrame({"cost_capex": [10.0], "exp_cost_capex": [9.0]},
    ...     index=pd.MultiIndex.from_tuples([("A", "battery")]))
    >>> scaled = _changed_sites(sites, [["A", "battery", "capex", 0.5]])
    >>> scaled[["cost_capex", "exp_cost_capex"]].iloc[0].tolist()
    [5.0, 4.5]
    """
    if not changes:
        return inputs
    sites = _changed_sites(inputs.sites, changes)
    view = objective_terms(inputs.objective)
    sites["unit_cost"] = sites[[f"cost_{t}" for t in view]].sum(axis=1)
    sites["expansion_unit_cost"] = sites[[f"exp_cost_{t}" for t in view]].sum(axis=1)
    return dataclasses.replace(inputs, sites=sites)


def _changed_sites(sites: pd.DataFrame, changes: Sequence) -> pd.DataFrame:
    out = sites.copy()
    for region_id, k, kind, value in changes:
        key = (region_id, k)
        if key not in out.index:
            raise KeyError(f"no site {region_id}/{k}")
        value = float(value)
        if kind == "capex":
            for term in CAPEX_TERMS:
                for column in (f"cost_{term}", f"exp_cost_{term}"):
                    if column in out.columns:
                        out.loc[key, column] = out.loc[key, column] * value
        elif kind == "fixed":
            for column in ("fixed_cost_usd_per_yr", "expansion_fixed_cost_usd_per_yr"):
                out.loc[key, column] = out.loc[key, column] * value
        elif kind == "incentive":
            for column in ("cost_state_incentive", "exp_cost_state_incentive"):
                out.loc[key, column] = out.loc[key, column] - value
        else:
            raise ValueError(f"unknown site change {kind!r} (known: {', '.join(SITE_CHANGES)})")
    return out


def changes_model(spec: Mapping) -> bool:
    """True when the spec changes scenario, data or technology (site changes and a forced site
    apply to the tables afterwards)."""
    return bool(spec.get("scenario") or spec.get("tech") or spec.get("regions"))


def envelope_overrides(tech: TechnologyData, names: Sequence[tuple[str | None, str]]) -> list[list]:
    """Overrides putting each eligibility figure among ``names`` at its most permissive level.

    A model compiled with them holds every site any value within the ranges could admit.
    """
    out = []
    for k, name in names:
        level = ELIGIBILITY_FIGURES.get(name)
        if level is None:
            continue
        figure = tech.params[name] if k is None else tech.tech[k][name]
        out.append([k, name, figure.at(level)])
    return sorted(out, key=lambda row: (row[0] or "", row[1]))


class InputsCache:
    """``model_inputs`` that keeps each lane geometry (source → region pairs and distances).

    Building lanes (a cross join and great-circle distances) is half the cost of
    ``model_inputs``; between variants of one scenario only their prices change. This computes
    the site and supply tables as ``model_inputs`` does, keeps the lanes from every available
    source to every region for every mineral (per set of available sources and representative
    points), selects the variant's (region, mineral) needs and recomputes the lane prices:
    mineral price from the supply table, freight = distance × freight_usd_per_tkm ×
    circuity_factor. Its output equals ``model_inputs`` (tested).
    """

    def __init__(self, max_entries: int = 16) -> None:
        self._lanes: dict = {}
        self._existing: tuple | None = None
        self.max_entries = max_entries

    def existing(self, data: RegionData, scenario: Scenario) -> pd.DataFrame:
        """``existing_tables(data, scenario)``, kept for the last (data, date, statuses): it reads
        no technology figure, so a run that changes none of those reuses it."""
        key = (scenario.facilities_as_of, tuple(scenario.existing_statuses))
        held = self._existing
        if held is None or held[0] is not data or held[1] != key:
            held = (data, key, existing_tables(data, scenario))
            self._existing = held
        return held[2]

    def __call__(self, data: RegionData, scenario: Scenario, tech: TechnologyData) -> ModelInputs:
        check_scenario_ids(scenario, data)
        demand = mineral_demand(data, tech)
        sites = site_table(data, scenario, tech, self.existing(data, scenario))
        supply = supply_table(data, scenario, tech)
        usable = sites[
            sites["eligible"] | sites["expansion_eligible"] | (sites["existing_capacity"] > 0)
        ]
        needs = {(m, r) for r, k in usable.index for m, t in demand[k].items() if t > 0}
        available = tuple(supply.index[supply["available"].to_numpy(bool)])
        points = data.regions[["rep_lon", "rep_lat"]].to_numpy(float).tobytes()
        key = (available, points, tuple(data.mineral_prices.index))
        geometry = self._lanes.get(key)
        if geometry is None:
            # every available source to every region for every mineral: a variant's lanes are
            # the rows of its (region, mineral) needs, in the order lane_table would give them
            everything = sites.assign(eligible=True, expansion_eligible=True)
            all_minerals = {k: dict.fromkeys(data.mineral_prices.index, 1.0) for k in demand}
            geometry = lane_table(supply, everything, data, all_minerals, tech)
            geometry = geometry[["foreign", "domestic_feed", "distance_km"]]
            if len(self._lanes) >= self.max_entries:
                self._lanes.pop(next(iter(self._lanes)))
            self._lanes[key] = geometry
        pairs = pd.MultiIndex.from_arrays(
            [geometry.index.get_level_values(1), geometry.index.get_level_values(2)]
        )
        lanes = geometry[pairs.isin(list(needs))].copy()
        sources = pd.MultiIndex.from_arrays(
            [lanes.index.get_level_values(0), lanes.index.get_level_values(1)]
        )
        lanes["mineral_cost_usd_per_t"] = supply["price_usd_per_t"].reindex(sources).to_numpy()
        lanes["tariff_usd_per_t"] = supply["tariff_usd_per_t"].reindex(sources).to_numpy()
        freight = tech.param("freight_usd_per_tkm") * tech.param("circuity_factor")
        lanes["freight_usd_per_t"] = lanes["distance_km"].to_numpy() * freight
        lanes["cost_usd_per_t"] = lane_cost(lanes, scenario.objective)
        return assemble_inputs(data, scenario, tech, sites, supply, lanes, demand)


__all__ = [
    "ELIGIBILITY_FIGURES",
    "SITE_CHANGES",
    "apply_site_changes",
    "InputsCache",
    "apply_spec",
    "changes_model",
    "envelope_overrides",
]
