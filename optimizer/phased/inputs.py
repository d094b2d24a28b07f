"""Coefficients of a phased scenario: the snapshot's tables, plus what changes by period.

The snapshot's :func:`~optimizer.model.coefficients.model_inputs` is called once, with the horizon set
to the last period's year, so its site table admits every site that can produce by then and its
supply table every source producing by then. What changes by period is computed here:

- the 45X credit of each period's production year (``credit_fraction(k, year)``);
- the permitting-delay charge: kept with one period (there are no years of waiting to model, so
  the snapshot's charge stands in for them), dropped with several (the waiting is modelled: the
  site produces later and the demand meanwhile is imported);
- existing plants online by period: an operating plant from its first production; a plant under
  construction at the as-of date from construction start + the type's construction months (not
  before the as-of month); an announced plant (when counted) from the as-of month + the site's
  permitting and construction months;
- domestic sources: producing from their first-production year;
- demand by period (the target ramp, else the horizon target), and which periods are goals (year
  on or after ``horizon_year``: a unit missed there is penalised as in the snapshot).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from regions import RegionData
from regions.dataset import COUNTING_PRODUCT
from regions.errors import DataValidationError

from ..model.coefficients import ModelInputs, model_inputs
from ..model.scenario import Scenario
from ..model.technology import CLUSTER_TYPES, TechnologyData
from ..model.terms import COST_TERMS, SYSTEM_TERMS, objective_terms
from .periods import (
    MONTH_EPS,
    PeriodSpec,
    decision_months,
    discount_factors,
    first_decision_month,
    month_index,
    months_to_year_end,
    online_fraction,
    online_year,
)


@dataclass(frozen=True)
class PhasedInputs:
    """Everything the phased model needs, keyed by real ids and period position.

    Attributes:
        base: the snapshot's tables with the horizon at the last period's year.
        spec: the periods; years: their years; factors: weight × discount factor per period;
        discount_rate: the real rate used [fraction/yr]; decision_month: month index of each
        period's decisions.
        lag_months: permitting + construction months of each site (region_id, cluster_type).
        terms: per-unit cost terms of greenfield (``cost_<term>``) and expansion
            (``exp_cost_<term>``) capacity by period [USD/yr per unit/yr]: index (region_id,
            cluster_type, period); the credit follows the production year.
        unit_cost, expansion_unit_cost: the objective view of ``terms`` (same index).
        existing_online: counted capacity producing by period, index (region_id, cluster_type),
            one column per period position [type unit/yr].
        facilities: counted plants with their ``online_year``.
        source_available: index (source_id, mineral), one bool column per period position.
        demand: national demand by type (rows) and period position (columns) [type unit/yr].
        goal: per period position, True when its demand is a goal (year >= horizon_year).
        import_cost: landed import cost in the objective view [USD/yr per unit/yr] by type;
        import_tariff: its tariff part [USD/yr per unit/yr]; goal_penalty: extra cost of a unit
            of goal missed [USD/yr per unit/yr], so that import + penalty = snapshot penalty.
        max_clusters, min_domestic_share: the scenario's rules, as in the snapshot.
    """

    base: ModelInputs
    spec: PeriodSpec
    years: tuple[int, ...]
    factors: tuple[float, ...]
    discount_rate: float
    decision_month: tuple[int, ...]
    lag_months: pd.Series
    terms: pd.DataFrame
    unit_cost: pd.Series
    expansion_unit_cost: pd.Series
    existing_online: pd.DataFrame
    facilities: pd.DataFrame
    source_available: pd.DataFrame
    demand: pd.DataFrame
    goal: tuple[bool, ...]
    import_cost: pd.Series
    import_tariff: pd.Series
    goal_penalty: pd.Series
    objective: str
    max_clusters: Mapping[str, int]
    min_domestic_share: Mapping[str, float]

    @property
    def n_periods(self) -> int:
        """Number of periods."""
        return len(self.years)

    @property
    def whole_years(self) -> bool:
        """True with one period: the snapshot's rule, a site that produces by the end of the
        year counts the whole year (its wait is charged by the permitting-delay term)."""
        return self.n_periods == 1

    def decision_periods(self, lag: float) -> list[int]:
        """Periods whose decisions produce by the last period. Of decision periods whose
        capacity produces the same share of every period year only the latest is kept:
        deciding earlier changes nothing but the date on paper."""
        return list(self._timing(lag)[0])

    def production_weights(self, lag: float) -> tuple[tuple[tuple[int, float], ...], ...]:
        """Per period t, ``(d, weight)`` pairs: what cumulative capacity decided by period d
        (the column of :meth:`decision_periods`) produces in t, per unit, is
        ``Σ weight · capacity[d]`` [fraction of a year]. With ``share[d][t]`` the share of
        year t that capacity decided in d produces (:func:`online_fraction`), weight =
        share[d][t] − share[d'][t], d' the next decision period: the increment decided in d
        produces share[d][t], and the cumulative columns telescope."""
        return self._timing(lag)[1]

    def online_share(self, lag: float, d: int, t: int) -> float:
        """Share of period t's year that capacity decided in period d produces [fraction]."""
        return _share(self.decision_month[d], float(lag), self.years[t], self.whole_years)

    def _timing(self, lag: float):
        return _timing(self.decision_month, self.years, float(lag), self.whole_years)


def _share(decision_month: int, lag: float, year: int, whole_years: bool) -> float:
    """Share of ``year`` produced; with ``whole_years`` the snapshot's rule: the whole year once
    permitting + construction fit in the months to its end."""
    if whole_years:
        return 1.0 if months_to_year_end(decision_month, year) >= lag - MONTH_EPS else 0.0
    return online_fraction(decision_month, lag, year)


@lru_cache(maxsize=4096)
def _timing(
    decision_month: tuple[int, ...], years: tuple[int, ...], lag: float, whole_years: bool
) -> tuple[tuple[int, ...], tuple[tuple[tuple[int, float], ...], ...]]:
    """(decision periods, per period the (d, weight) pairs of the cumulative columns) for one
    lag [months]; see :meth:`PhasedInputs.production_weights`."""
    shares = [[_share(m, lag, y, whole_years) for y in years] for m in decision_month]
    kept: list[int] = []
    for d in reversed(range(len(decision_month))):
        if shares[d][-1] <= 0.0 or (kept and shares[d] == shares[kept[-1]]):
            continue
        kept.append(d)
    periods = tuple(reversed(kept))
    weights = []
    for t in range(len(years)):
        pairs = []
        for i, d in enumerate(periods):
            after = shares[periods[i + 1]][t] if i + 1 < len(periods) else 0.0
            weight = shares[d][t] - after
            if weight > 1e-12:
                pairs.append((d, weight))
        weights.append(tuple(pairs))
    return periods, tuple(weights)


def phased_scenario_base(scenario: Scenario) -> Scenario:
    """The scenario with its horizon at the last period's year (for the snapshot's tables: its
    site table then admits every site that can produce by the last period). Markets stay as the
    scenario has them: the phased model delivers each period's demand to the same nodes."""
    last = scenario.periods.years[-1]
    return scenario.replace(horizon_year=last) if last != scenario.horizon_year else scenario


def plant_online_years(
    data: RegionData, scenario: Scenario, tech: TechnologyData, sites: pd.DataFrame
) -> pd.DataFrame:
    """Counted plants of the counting product as of the scenario date, with the month index
    they produce from (``online_month``, fractional; −inf: before any period) and its year.

    Operating: from the start of the month of first production (unknown: already producing).
    Under construction: construction start + the type's construction months, not before the
    first decision month (the first month starting on or after the as-of date). Announced (when
    counted): that month + the site's permitting and construction months."""
    seen = data.facilities_as_of(scenario.facilities_as_of)
    seen = seen[seen["product"] == seen["cluster_type"].map(COUNTING_PRODUCT)]
    counted = seen[seen["status"].isin(scenario.existing_statuses)].copy()
    counted["capacity_std"] = counted["capacity_std"].fillna(0.0)
    now = first_decision_month(scenario.facilities_as_of)
    months = []
    for _fid, row in counted.iterrows():
        k = row["cluster_type"]
        construction = tech.value(k, "construction_months")
        if row["status"] == "operating":
            first = row["first_production_date"]
            months.append(float(month_index(first.date())) if pd.notna(first) else -np.inf)
        elif row["status"] == "under_construction":
            start = month_index(pd.Timestamp(row["status_since"]).date())
            months.append(max(start + float(construction), float(now)))
        else:
            permit = float(sites.at[(row["region_id"], k), "permitting_months"])
            months.append(now + permit + float(construction))
    counted["online_month"] = months
    counted["online_year"] = [
        scenario.facilities_as_of.year if m == -np.inf else online_year(0, m) for m in months
    ]
    columns = ["cluster_type", "region_id", "status", "capacity_std", "online_month", "online_year"]
    return counted[columns]


def phased_inputs(data: RegionData, scenario: Scenario, tech: TechnologyData) -> PhasedInputs:
    """All coefficient tables of a phased scenario (``scenario.periods`` must be set)."""
    spec = scenario.periods
    if spec is None:
        raise ValueError(f"scenario {scenario.name!r} has no [periods] table")
    base = model_inputs(data, phased_scenario_base(scenario), tech)
    return phased_inputs_from(base, data, scenario, tech)


def phased_inputs_from(
    base: ModelInputs, data: RegionData, scenario: Scenario, tech: TechnologyData
) -> PhasedInputs:
    """PhasedInputs from the snapshot tables ``base`` (built with the last period as horizon)."""
    spec = scenario.periods
    years = spec.years
    n = len(years)
    if spec.discount_rate is None and "social_discount_rate" not in tech.params:
        raise DataValidationError(
            "parameters.csv",
            "missing parameter social_discount_rate (a phased scenario needs it, or its own "
            "periods.discount_rate)",
            field="parameter",
        )
    rate = (
        spec.discount_rate if spec.discount_rate is not None else tech.param("social_discount_rate")
    )
    sites = base.sites
    construction = pd.Series(
        [tech.value(k, "construction_months") for k in sites.index.get_level_values(1)],
        index=sites.index,
    )
    lag = sites["permitting_months"] + construction
    utilization = tech.param("utilization")
    view = objective_terms(scenario.objective)
    columns = [f"cost_{x}" for x in COST_TERMS] + [f"exp_cost_{x}" for x in COST_TERMS]
    credit_at = [columns.index("cost_credit_45x"), columns.index("exp_cost_credit_45x")]
    delay_at = [columns.index("cost_permitting_delay"), columns.index("exp_cost_permitting_delay")]
    site_types = sites.index.get_level_values(1).to_numpy()
    values = np.repeat(sites[columns].to_numpy(float)[:, None, :], n, axis=1)  # site, period, term
    for t, year in enumerate(years):
        for k in CLUSTER_TYPES:
            credit = (
                tech.value(k, "credit_45x_usd_per_unit")
                * utilization
                * tech.credit_fraction(k, year)
                if scenario.apply_45x
                else 0.0
            )
            values[np.ix_(site_types == k, [t], credit_at)] = -credit
        if n > 1:
            values[:, t, delay_at] = 0.0
    index = pd.MultiIndex.from_arrays(
        [
            np.repeat(sites.index.get_level_values(0).to_numpy(), n),
            np.repeat(site_types, n),
            np.tile(np.arange(n), len(sites)),
        ],
        names=[*sites.index.names, "period"],
    )
    terms = pd.DataFrame(
        np.asfortranarray(values.reshape(-1, len(columns))), index=index, columns=columns
    )
    terms = terms.sort_index()
    unit_cost = terms[[f"cost_{x}" for x in view]].sum(axis=1)
    expansion_unit_cost = terms[[f"exp_cost_{x}" for x in view]].sum(axis=1)

    plants = plant_online_years(data, scenario, tech, sites)
    online = pd.DataFrame(0.0, index=sites.index, columns=range(n))
    for t, year in enumerate(years):
        if n == 1:  # the snapshot's rule: producing by the end of the year counts it whole
            share = (plants["online_year"] <= year).astype(float)
        else:
            share = plants["online_month"].map(
                lambda m, y=year: 1.0 if m == -np.inf else online_fraction(0, m, y)
            )
        now = (plants["capacity_std"] * share)[share > 0]
        sums = now.groupby([plants["region_id"], plants["cluster_type"]]).sum()
        online.loc[sums.index, t] = sums.to_numpy()

    supply = base.supply
    first = (
        data.mineral_sources.set_index(["source_id", "mineral"])["first_production_year"]
        .reindex(supply.index)
        .to_numpy(dtype=float)
    )
    producing = supply["foreign"].to_numpy(bool) | (supply["status"] == "operating").to_numpy()
    available = pd.DataFrame(
        {
            t: supply["available"].to_numpy(bool)
            & (producing | (np.nan_to_num(first, nan=np.inf) <= year))
            for t, year in enumerate(years)
        },
        index=supply.index,
    )

    targeted = list(base.targets.index)
    demand = pd.DataFrame(
        [
            [spec.ramps[k].at(y) if k in spec.ramps else float(base.targets[k]) for y in years]
            for k in targeted
        ],
        index=targeted,
        columns=range(n),
        dtype=float,
    )
    with_tariff = pd.Series({k: tech.landed_import_price(k) * utilization for k in CLUSTER_TYPES})
    before = pd.Series(
        {k: tech.value(k, "import_price_usd_per_unit") * utilization for k in CLUSTER_TYPES}
    )
    import_cost = with_tariff if scenario.objective == "investor" else before
    penalty = base.penalty_usd_per_unit.reindex(CLUSTER_TYPES)
    return PhasedInputs(
        base=base,
        spec=spec,
        years=years,
        factors=discount_factors(spec, rate),
        discount_rate=float(rate),
        decision_month=decision_months(spec, scenario.facilities_as_of),
        lag_months=lag,
        terms=terms,
        unit_cost=unit_cost,
        expansion_unit_cost=expansion_unit_cost,
        existing_online=online,
        facilities=plants,
        source_available=available,
        demand=demand,
        goal=tuple(y >= scenario.horizon_year for y in years),
        import_cost=import_cost,
        import_tariff=with_tariff - before,
        goal_penalty=(penalty - import_cost).clip(lower=0.0),
        objective=scenario.objective,
        max_clusters=dict(scenario.max_clusters),
        min_domestic_share=dict(scenario.min_domestic_share),
    )


__all__ = ["PhasedInputs", "SYSTEM_TERMS", "phased_inputs", "phased_inputs_from"]
