"""``solve()``: the one call a notebook needs."""

from __future__ import annotations

import dataclasses
import time
from functools import lru_cache
from pathlib import Path

import pandas as pd

import regions
from regions import RegionData

from .model.coefficients import ModelInputs, model_inputs
from .model.duals import shadow_prices
from .model.extract import (
    FLOW_COLUMNS,
    KPI_COLUMNS,
    PRODUCT_FLOW_COLUMNS,
    SHADOW_PRICE_COLUMNS,
    UNMET_COLUMNS,
    clean_value,
    explain_unmet,
    flows_table,
    products_table,
    sites_table,
    unmet_table,
)
from .model.kpis import compute_kpis
from .model.milp import ClusterModel, build_model, close_empty_sites
from .model.result import Result
from .model.scenario import Scenario, load_scenario
from .model.solve import run_solver
from .model.technology import CAPACITY_UNITS, TechnologyData, load_technology
from .status import SolverReport, SolveStatus


@lru_cache(maxsize=4)
def _default_data(data_dir: str | None) -> RegionData:
    return regions.load(data_dir)


@lru_cache(maxsize=4)
def _default_tech(tech_dir: str | None) -> TechnologyData:
    return load_technology(tech_dir)


def solve(
    scenario: str | Path | Scenario,
    data: RegionData | None = None,
    tech: TechnologyData | None = None,
    *,
    inputs: ModelInputs | None = None,
    with_duals: bool = True,
) -> Result:
    """Build, solve and report one scenario.

    Args:
        scenario: a built-in name ('baseline', 'great-lakes', 'south'), a TOML path, or a Scenario.
        data: region data (default: the embedded US dataset). tech: technology data (default:
            embedded). inputs: precomputed coefficient tables (for repeated solves).
        with_duals: re-solve the LP with binaries fixed to report shadow prices.

    >>> result = solve("baseline")                       # doctest: +SKIP
    >>> result.kpi("new_capacity", "battery")            # doctest: +SKIP
    """
    scenario = load_scenario(scenario)
    data = data if data is not None else _default_data(None)
    tech = tech if tech is not None else _default_tech(None)
    start = time.perf_counter()
    if scenario.resolution == "county" and data.metadata.get("resolution") != "county":
        return solve_county(scenario, data, tech, with_duals=with_duals)[0]
    model = build_model(data, scenario, tech, inputs=inputs)
    build_seconds = time.perf_counter() - start
    status, solver_name, solve_seconds, gap, message = run_solver(model.problem, scenario.solver)
    return result_from_model(
        model,
        scenario,
        data,
        tech,
        (status, solver_name, solve_seconds, gap, message),
        build_seconds,
        with_duals=with_duals,
    )


def solve_county(
    scenario: str | Path | Scenario,
    data: RegionData | None = None,
    tech: TechnologyData | None = None,
    *,
    with_duals: bool = True,
) -> tuple[Result, RegionData]:
    """Solve a scenario at county resolution over every screened county
    (``optimizer.model.county_search``: the kernel's plan first, then the full model from it).
    Returns the result and the county dataset it describes (for maps and exports); the report's
    ``mip_gap`` is proven over every screened county, ``bound`` is the lower bound [USD/yr].
    """
    from .model.county_search import county_search
    from .model.scenario import with_resolution

    scenario = load_scenario(scenario)
    if scenario.resolution != "county":
        scenario = with_resolution(scenario, "county")
    data = data if data is not None else _default_data(None)
    tech = tech if tech is not None else _default_tech(None)
    solved = county_search(data, scenario, tech)
    result = result_from_model(
        solved.model,
        solved.scenario,
        solved.view,
        tech,
        solved.outcome,
        solved.build_seconds,
        with_duals=with_duals,
    )
    report = dataclasses.replace(
        result.report,
        bound=solved.bound,
        bound_candidates=sum(solved.candidates.values()),
        kernel_objective=solved.kernel_objective,
        kernel_counties=solved.kernel_counties,
    )
    return dataclasses.replace(result, report=report, county_data=solved.view), solved.view


def result_from_model(
    model: ClusterModel,
    scenario: Scenario,
    data: RegionData,
    tech: TechnologyData,
    outcome: tuple[SolveStatus, str, float, float | None, str],
    build_seconds: float = 0.0,
    *,
    with_duals: bool = True,
) -> Result:
    """The Result of a model solved in place; ``outcome`` is what ``run_solver`` returned.

    Tables are read only when the status has a solution; otherwise they are empty.
    """
    status, solver_name, solve_seconds, gap, message = outcome
    size = {
        "n_variables": model.problem.numVariables(),
        "n_constraints": model.problem.numConstraints(),
        "n_binaries": len(model.open),
    }
    empty_sites = sites_table_empty()
    if not status.has_solution:
        report = SolverReport(
            status,
            solver_name,
            None,
            None,
            build_seconds,
            solve_seconds,
            message=message or f"no solution: {status.value}",
            **size,
        )
        return Result(
            scenario,
            empty_sites,
            pd.DataFrame(columns=FLOW_COLUMNS),
            pd.DataFrame(columns=KPI_COLUMNS),
            pd.DataFrame(columns=SHADOW_PRICE_COLUMNS),
            pd.DataFrame(columns=UNMET_COLUMNS),
            report,
            model.inputs,
            pd.DataFrame(columns=PRODUCT_FLOW_COLUMNS),
        )
    close_empty_sites(model)
    objective = float(model.problem.objective.value())
    flows = flows_table(model)
    products = products_table(model, CAPACITY_UNITS)
    sites = sites_table(model, flows, products)
    # values within the solver's tolerance of zero read as zero, as in the sites table
    shortfall = {k: clean_value(v) for k, v in model.shortfall.items()}
    share_gap = {m: float(v.value() or 0.0) for m, v in model.share_gap.items()}
    unsupplied: dict[str, float] = {}
    for (_r, m), var in model.unsupplied.items():
        unsupplied[m] = unsupplied.get(m, 0.0) + float(var.value() or 0.0)
    unmet = explain_unmet(unmet_table(model, CAPACITY_UNITS), model)
    kpis = compute_kpis(
        sites,
        flows,
        model.inputs,
        data,
        tech,
        objective,
        shortfall,
        share_gap,
        unsupplied,
        products=products,
    )
    duals, dual_seconds = (
        shadow_prices(model, scenario.solver)
        if with_duals
        else (pd.DataFrame(columns=SHADOW_PRICE_COLUMNS), 0.0)
    )
    report = SolverReport(
        status,
        solver_name,
        objective,
        gap,
        build_seconds,
        solve_seconds,
        dual_seconds,
        message,
        **size,
    )
    return Result(scenario, sites, flows, kpis, duals, unmet, report, model.inputs, products)


def sites_table_empty() -> pd.DataFrame:
    """An empty sites table with the usual columns (for runs without a solution)."""
    from .model.extract import SITE_COLUMNS

    return pd.DataFrame(columns=SITE_COLUMNS)


def inputs_for(
    scenario: str | Path | Scenario,
    data: RegionData | None = None,
    tech: TechnologyData | None = None,
) -> ModelInputs:
    """Coefficient tables of a scenario (to inspect eligibility and costs without solving)."""
    return model_inputs(
        data if data is not None else _default_data(None),
        load_scenario(scenario),
        tech if tech is not None else _default_tech(None),
    )


__all__ = ["SolveStatus", "solve", "solve_county", "inputs_for"]
