"""Result: a dataclass of DataFrames keyed by real ids, plus the solver report."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

from regions import RegionData

from ..status import SolverReport
from .coefficients import ModelInputs
from .scenario import Scenario
from .why import why_this_state


def kpi_value(kpis: pd.DataFrame, name: str, scope: str = "all") -> float:
    """One value of a long KPI table (``kpi, scope, value, unit``); KeyError names the KPIs."""
    rows = kpis[(kpis["kpi"] == name) & (kpis["scope"] == scope)]
    if rows.empty:
        raise KeyError(f"no KPI {name!r} for scope {scope!r}; have {sorted(set(kpis['kpi']))}")
    return float(rows["value"].iloc[0])


@dataclass(frozen=True)
class Result:
    """One solved scenario.

    Attributes:
        sites: one row per (region_id, cluster_type) with new or existing capacity: capacity
            [type unit/yr], jobs, and every annual cost term [USD/yr].
        flows: source → region mineral shipments [t/yr] with their cost [USD/yr].
        kpis: long table ``kpi, scope, value, unit``.
        shadow_prices: LP duals with binaries fixed: ``constraint, key, value, unit, binding``.
        unmet: what the scenario could not meet and the constraints that bound it.
        report: solver status, objective, gap, timings.
        inputs: the coefficient tables the model was built from (eligibility, costs).
        products: deliveries of product to market nodes [type unit/yr] from sites and import
            gateways, with outbound freight [USD/yr] (empty without markets).
        county_data: at county resolution, the county dataset the sites' ``region_id`` (county
            FIPS) refer to, for maps and exports (``optimizer.solve_county``); None at state
            resolution, where the data the scenario was solved on describe the sites.
    """

    scenario: Scenario
    sites: pd.DataFrame
    flows: pd.DataFrame
    kpis: pd.DataFrame
    shadow_prices: pd.DataFrame
    unmet: pd.DataFrame
    report: SolverReport
    inputs: ModelInputs
    products: pd.DataFrame = field(default_factory=pd.DataFrame)
    county_data: RegionData | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        """True when the tables hold a solution (optimal or time-limited feasible)."""
        return self.report.status.has_solution

    def kpi(self, name: str, scope: str = "all") -> float:
        """One KPI value; KeyError names the available KPIs."""
        value = self._kpi_lookup.get((name, scope))
        return kpi_value(self.kpis, name, scope) if value is None else value

    @cached_property
    def _kpi_lookup(self) -> dict[tuple[str, str], float]:
        """(kpi, scope) → value, the first row of each pair (as ``kpi_value`` reads it)."""
        lookup: dict[tuple[str, str], float] = {}
        for kpi, scope, value in zip(
            self.kpis["kpi"], self.kpis["scope"], self.kpis["value"], strict=True
        ):
            lookup.setdefault((kpi, scope), float(value))
        return lookup

    @cached_property
    def why(self) -> pd.DataFrame:
        """Each opened site against its runner-up state (``optimizer.model.why.why_this_state``),
        worked out once per result: the report, the maps and a helper process that returns
        the result (pickled with it) share the table. Read it, do not change it."""
        return why_this_state(self)

    def new_capacity(self, cluster_type: str) -> pd.Series:
        """New capacity [type unit/yr] by region for one type (regions with capacity only)."""
        of_type = self.sites[self.sites["cluster_type"] == cluster_type]
        of_type = of_type[of_type["new_capacity"] > 0]
        return of_type.set_index("region_id")["new_capacity"]

    def __repr__(self) -> str:
        built = self.sites[self.sites["new_capacity"] > 0] if len(self.sites) else self.sites
        return (
            f"Result({self.scenario.name!r}, {self.report.status.value}, "
            f"objective={self.report.objective}, {len(built)} new sites)"
        )
