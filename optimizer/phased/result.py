"""PhasedResult: the tables of a solved phased scenario, keyed by real ids and years."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..model.result import kpi_value
from ..model.scenario import Scenario
from ..status import SolverReport
from .inputs import PhasedInputs


@dataclass(frozen=True)
class PhasedResult:
    """One solved phased scenario.

    Attributes:
        schedule: one row per build stage: region, type, mode, decision year, online year, the
            share of that year it produces, permitting and construction months, capacity added
            by the stage and the site's capacity after it [type unit/yr].
        capacity: long table ``region_id, cluster_type, mode, year, decided, online,
            producing`` [type unit/yr]: capacity decided by each period year, online at its end
            and producing in it (the online year pro-rated).
        by_period: per (year, type): demand, existing and new capacity online, imports, goal
            shortfall [type unit/yr], domestic share, jobs of new capacity.
        costs: per period year: the three cost views [USD/yr] and their present values [USD].
        deliveries: per period year, deliveries to market nodes (from a region or imported)
            [type unit/yr] with distance [km] and freight [USD/yr]; empty without markets.
        kpis: long table ``kpi, scope, value, unit``.
        report: solver status, objective (present value of the objective view) [USD], gap,
            timings, size (summed over the type groups solved).
        inputs: the coefficient tables.
        groups: the type groups solved as separate MILPs.
    """

    scenario: Scenario
    schedule: pd.DataFrame
    capacity: pd.DataFrame
    by_period: pd.DataFrame
    costs: pd.DataFrame
    deliveries: pd.DataFrame
    kpis: pd.DataFrame
    report: SolverReport
    inputs: PhasedInputs
    groups: tuple[tuple[str, ...], ...] = ()

    @property
    def ok(self) -> bool:
        """True when the tables hold a solution."""
        return self.report.status.has_solution

    def kpi(self, name: str, scope: str = "all") -> float:
        """One KPI value; KeyError names the available KPIs."""
        return kpi_value(self.kpis, name, scope)

    def __repr__(self) -> str:
        return (
            f"PhasedResult({self.scenario.name!r}, {self.report.status.value}, "
            f"objective={self.report.objective}, "
            f"{self.schedule.groupby(['region_id', 'cluster_type']).ngroups} sites built)"
        )
