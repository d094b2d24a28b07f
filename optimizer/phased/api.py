"""``solve_phased()``: build, solve and report a scenario with a ``[periods]`` table."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

from regions import RegionData

from ..model.scenario import Scenario, load_scenario
from ..model.technology import CAPACITY_UNITS, TechnologyData
from ..status import SolverReport, SolveStatus
from .costs import sites_opened
from .extract import (
    CAPACITY_COLUMNS,
    COST_COLUMNS,
    DELIVERY_COLUMNS,
    PERIOD_COLUMNS,
    SCHEDULE_COLUMNS,
    delivery_table,
    period_tables,
    schedule_tables,
)
from .groups import solve_groups
from .inputs import PhasedInputs, phased_inputs
from .result import PhasedResult
from .solve import HighsOptions

ORDER = {"optimal": 0, "feasible": 1, "no_solution": 2, "unbounded": 3, "infeasible": 4}


def _kpis(result_tables: dict, inputs: PhasedInputs, objective: float) -> pd.DataFrame:
    costs, by_period, schedule = (
        result_tables["costs"],
        result_tables["by_period"],
        result_tables["schedule"],
    )
    rows = [
        ("objective", "all", objective, "USD (present value)"),
        ("present_value", "system", float(costs["system_cost_pv_usd"].sum()), "USD"),
        ("present_value", "investor", float(costs["investor_cost_pv_usd"].sum()), "USD"),
        ("present_value", "public_outlay", float(costs["public_outlay_pv_usd"].sum()), "USD"),
        ("discount_rate", "all", inputs.discount_rate, "fraction/yr"),
    ]
    last = inputs.years[-1]
    for k in inputs.demand.index:
        of_type = by_period[by_period["cluster_type"] == k]
        unit = CAPACITY_UNITS[k]
        weights = pd.Series(inputs.spec.weights, index=inputs.years)
        built = schedule[schedule["cluster_type"] == k]
        rows += [
            ("new_capacity", k, float(built["capacity"].sum()), unit),
            ("sites_opened", k, float(sites_opened(schedule, k)), "count"),
            (
                "imports_weighted",
                k,
                float((of_type.set_index("year")["imports"] * weights).sum()),
                f"{unit} x years",
            ),
            (
                "domestic_share_last_period",
                k,
                float(of_type.loc[of_type["year"] == last, "domestic_share"].iloc[0]),
                "fraction",
            ),
            (
                "first_online_year",
                k,
                float(built["online_year"].min()) if len(built) else float("nan"),
                "year",
            ),
        ]
    jobs = by_period[by_period["year"] == last]["jobs"].sum()
    rows.append(("jobs", "all", float(jobs), "jobs"))
    return pd.DataFrame(rows, columns=["kpi", "scope", "value", "unit"])


def solve_phased(
    scenario: str | Path | Scenario,
    data: RegionData | None = None,
    tech: TechnologyData | None = None,
    *,
    inputs: PhasedInputs | None = None,
    mip_gap: float | None = None,
) -> PhasedResult:
    """Build, solve and report a phased scenario (one with a ``[periods]`` table).

    >>> result = solve_phased("great-lakes-phased")            # doctest: +SKIP
    >>> result.schedule[["region_id", "decision_year", "online_year"]]  # doctest: +SKIP
    """
    from ..api import _default_data, _default_tech

    scenario = load_scenario(scenario)
    if scenario.periods is None:
        raise ValueError(f"scenario {scenario.name!r} has no [periods] table; use solve()")
    data = data if data is not None else _default_data(None)
    tech = tech if tech is not None else _default_tech(None)
    start = time.perf_counter()
    inputs = inputs if inputs is not None else phased_inputs(data, scenario, tech)
    input_seconds = time.perf_counter() - start
    solver = scenario.solver
    options = HighsOptions(
        solver.mip_gap if mip_gap is None else mip_gap, solver.time_limit_s, solver.threads
    )
    solutions, build_seconds = solve_groups(inputs, options)
    status = max((s.status for s in solutions), key=ORDER.__getitem__)
    size = {
        "n_variables": sum(len(s.model.lp.col_keys) for s in solutions),
        "n_constraints": sum(len(s.model.lp.row_keys) for s in solutions),
        "n_binaries": sum(sum(s.model.lp.integer) for s in solutions),
    }
    solve_seconds = sum(s.seconds for s in solutions)
    groups = tuple(s.model.types for s in solutions)
    typed = SolveStatus(status)
    if not typed.has_solution:
        report = SolverReport(
            typed, "highs", None, None, input_seconds + build_seconds, solve_seconds,
            message=f"no solution: {status}", **size,
        )  # fmt: skip
        empty = {
            name: pd.DataFrame(columns=cols)
            for name, cols in (
                ("schedule", SCHEDULE_COLUMNS),
                ("capacity", CAPACITY_COLUMNS),
                ("by_period", PERIOD_COLUMNS),
                ("costs", COST_COLUMNS),
                ("deliveries", DELIVERY_COLUMNS),
            )
        }
        return PhasedResult(
            scenario, **empty, kpis=pd.DataFrame(columns=["kpi", "scope", "value", "unit"]),
            report=report, inputs=inputs, groups=groups,
        )  # fmt: skip
    objective = sum(s.objective for s in solutions)
    gap = max(s.mip_gap or 0.0 for s in solutions)
    zone_flags = inputs.base.sites["in_designated_zone"]
    schedule, capacity = schedule_tables(inputs, solutions, zone_flags)
    by_period, costs = period_tables(inputs, solutions)
    tables = {
        "schedule": schedule,
        "capacity": capacity,
        "by_period": by_period,
        "costs": costs,
        "deliveries": delivery_table(inputs, solutions),
    }
    report = SolverReport(
        typed, "highs", objective, gap, input_seconds + build_seconds, solve_seconds, **size
    )
    return PhasedResult(
        scenario, **tables, kpis=_kpis(tables, inputs, objective), report=report,
        inputs=inputs, groups=groups,
    )  # fmt: skip
