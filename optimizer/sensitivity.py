"""Sensitivity: one-at-a-time sweeps, tornado tables and break-even values.

A :class:`Parameter` is anything a run can vary, with a base, low and high value:

- a technology figure ``(type | None, name)`` (its low/high from ``optimizer/data``),
- a scenario lever, e.g. ``multipliers.power_price`` (×0.8 / ×1.2 by default),
- a factor on a ``RegionData.regions`` column for some regions (:func:`zone_factor`, e.g.
  permitting months in the South × 0.5 … × 2; applied to a copy of the data, no schema change),
- a by-region scenario multiplier for a zone's regions (:func:`zone_multiplier`, e.g. the power
  price in the great-lakes regions through ``multipliers.power_price_by_region``).

:func:`sweep` solves the base and every parameter at its low and high value, and reports the
change of the KPIs and of where clusters go; :func:`tornado` ranks parameters by swing;
:func:`break_even` bisects one parameter for the value at which scenario A and B swap ranks.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from regions import RegionData

from .checkpoint import Checkpoint
from .parallel import Context, Executor, SerialExecutor, failures_table, run_all
from .reuse import envelope_overrides
from .scenario import Scenario, load_scenario, merge_tables
from .technology import CLUSTER_TYPES, TechnologyData

PARAMETER_KINDS = ("tech", "scenario", "regions", "region_multiplier")
LEVER_ATTRIBUTES = {
    "multipliers.power_price": "power_price_multiplier",
    "multipliers.wage": "wage_multiplier",
    "multipliers.mineral_price": "mineral_price_multiplier",
    "policy.green_lane_factor": "green_lane_factor",
    "policy.co_investment_rate_reduction": "co_investment_rate_reduction",
    "limits.labor_share_cap": "labor_share_cap",
}
SWEEP_KPIS = (
    "total_annual_cost",
    "objective",
    "jobs",
    "domestic_mineral_share",
    *(f"levelized_cost:{k}" for k in CLUSTER_TYPES),
    *(f"new_capacity:{k}" for k in CLUSTER_TYPES),
)
"""KPIs reported per sweep run (column names replace ':' with '_')."""


def kpi_column(kpi: str) -> str:
    """Table column of a payload KPI name: ``levelized_cost:battery`` → ``levelized_cost_battery``."""
    return kpi.replace(":", "_").replace("@", "_at_")


@dataclass(frozen=True)
class Parameter:
    """One thing a run can vary.

    Attributes:
        name: display id (``battery.capex_usd_per_unit``, ``multipliers.power_price``,
            ``permitting_months@south`` …).
        kind: 'tech' (key ``(type | None, figure)``), 'scenario' (key: TOML path tuple),
            'regions' (key ``(column, region ids)``; the value is a factor on the column),
            'region_multiplier' (key ``(multiplier table, region ids)``, e.g.
            ``("power_price_by_region", ("MN", …))``; the value is set for those regions).
        base, low, high: values [unit].
    """

    name: str
    kind: str
    key: tuple
    base: float
    low: float
    high: float
    unit: str = ""

    def __post_init__(self) -> None:
        if self.kind not in PARAMETER_KINDS:
            raise ValueError(f"unknown parameter kind {self.kind!r} (expected {PARAMETER_KINDS})")

    def spec(self, value: float) -> dict:
        """The run-spec fragment setting this parameter to ``value``."""
        value = float(value)
        if self.kind == "tech":
            return {"tech": [[self.key[0], self.key[1], value]]}
        if self.kind == "scenario":
            doc: dict = {self.key[-1]: value}
            for part in reversed(self.key[:-1]):
                doc = {part: doc}
            return {"scenario": doc}
        if self.kind == "regions":
            return {"regions": [[self.key[0], list(self.key[1]), value]]}
        table, members = self.key
        return {"scenario": {"multipliers": {table: dict.fromkeys(members, value)}}}

    def levels(self) -> list[tuple[str, float]]:
        """``[("low", low), ("high", high)]``."""
        return [("low", self.low), ("high", self.high)]


def merge_specs(*specs: Mapping) -> dict:
    """One spec from several fragments (tech and regions lists concatenate, scenario merges)."""
    out: dict = {}
    for spec in specs:
        for key, value in spec.items():
            if key in ("tech", "regions"):
                out[key] = [*out.get(key, []), *value]
            elif key == "scenario":
                out[key] = merge_tables(out.get(key, {}), value)
            else:
                out[key] = copy.deepcopy(value)
    return out


# -- parameter constructors ------------------------------------------------------------------------
def tech_parameter(tech: TechnologyData, cluster_type: str | None, name: str) -> Parameter:
    """A technology figure with its low/base/high (``cluster_type`` None: a global parameter)."""
    figure = tech.params[name] if cluster_type is None else tech.tech[cluster_type][name]
    label = name if cluster_type is None else f"{cluster_type}.{name}"
    base = tech.param(name) if cluster_type is None else tech.value(cluster_type, name)
    return Parameter(
        label, "tech", (cluster_type, name), base, figure.low, figure.high, figure.unit
    )


def tech_parameters(
    tech: TechnologyData, *, ranged_only: bool = True, exclude_prefixes: Sequence[str] = ()
) -> list[Parameter]:
    """Every technology figure (only those with low != high when ``ranged_only``)."""
    out = []
    for k, figure in tech.figures():
        if ranged_only and figure.low == figure.high:
            continue
        if any(figure.name.startswith(prefix) for prefix in exclude_prefixes):
            continue
        out.append(tech_parameter(tech, k, figure.name))
    return out


def scenario_lever(
    scenario: Scenario,
    path: str,
    low: float,
    high: float,
    *,
    relative: bool = False,
    tech: TechnologyData | None = None,
) -> Parameter:
    """A scalar scenario lever by TOML path (``multipliers.power_price`` …).

    ``relative=True``: ``low``/``high`` are factors on the scenario's current value.
    """
    attribute = LEVER_ATTRIBUTES.get(path)
    if attribute is None:
        raise KeyError(f"unknown lever {path!r} (known: {', '.join(LEVER_ATTRIBUTES)})")
    base = getattr(scenario, attribute)
    if base is None and path == "limits.labor_share_cap":
        if tech is None:
            raise ValueError("limits.labor_share_cap is unset in the scenario: pass tech")
        base = tech.param("labor_share_cap")
    base = float(base)
    if relative:
        low, high = base * low, base * high
    return Parameter(path, "scenario", tuple(path.split(".")), base, float(low), float(high))


def default_levers(scenario: Scenario) -> list[Parameter]:
    """Power price, wage and mineral price multipliers ×0.8/×1.2; green lane 0.5–1;
    co-investment 0–0.02. Levers whose low and high equal the base are left out."""
    levers = [
        scenario_lever(scenario, "multipliers.power_price", 0.8, 1.2, relative=True),
        scenario_lever(scenario, "multipliers.wage", 0.8, 1.2, relative=True),
        scenario_lever(scenario, "multipliers.mineral_price", 0.8, 1.2, relative=True),
        scenario_lever(scenario, "policy.green_lane_factor", 0.5, 1.0),
        scenario_lever(scenario, "policy.co_investment_rate_reduction", 0.0, 0.02),
    ]
    return [p for p in levers if not (p.low == p.base == p.high)]


def zone_factor(
    data: RegionData,
    column: str,
    zone: str | Sequence[str],
    low: float,
    high: float,
) -> Parameter:
    """A factor on ``data.regions[column]`` in a zone's regions (or a list of region ids).

    >>> # permitting months in the South halved … doubled:
    >>> # zone_factor(data, "permitting_months", "south", 0.5, 2.0)
    """
    if column not in data.regions.columns:
        raise KeyError(f"regions has no column {column!r}")
    members, label = _members(data, zone)
    return Parameter(f"{column}@{label}", "regions", (column, members), 1.0, low, high, "factor")


def zone_multiplier(
    data: RegionData,
    lever: str,
    zone: str | Sequence[str],
    low: float,
    high: float,
) -> Parameter:
    """A by-region scenario multiplier (``lever`` 'power_price' or 'wage') for a zone's regions."""
    if lever not in ("power_price", "wage"):
        raise ValueError("lever must be 'power_price' or 'wage'")
    members, label = _members(data, zone)
    return Parameter(
        f"{lever}@{label}",
        "region_multiplier",
        (f"{lever}_by_region", members),
        1.0,
        low,
        high,
        "multiplier",
    )


def _members(data: RegionData, zone: str | Sequence[str]) -> tuple[tuple[str, ...], str]:
    if isinstance(zone, str):
        return tuple(data.zone_members(zone)), zone
    members = tuple(zone)
    return members, "+".join(members)


NOT_VARIED = ("shortfall_penalty_", "unsupplied_mineral_penalty_multiple", "national_target_")
"""Figures not varied by default: penalties are modelling devices, not uncertain quantities, and
national targets come from the scenario (the technology-file figures are not read by the model)."""


def default_sweep_parameters(scenario: Scenario, tech: TechnologyData) -> list[Parameter]:
    """Every technology figure with low != high except NOT_VARIED, and :func:`default_levers`."""
    return tech_parameters(tech, exclude_prefixes=NOT_VARIED) + default_levers(scenario)


# -- sweep -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SweepResult:
    """One-at-a-time sweep.

    Attributes:
        table: one row per (parameter, level): ``parameter, kind, level, value, base_value, unit,
            status``, every KPI of SWEEP_KPIS (columns via :func:`kpi_column`) and its change
            ``d_<kpi>`` from the base, ``sites_changed`` (bool), ``sites_added`` and
            ``sites_removed`` ('region/type; …'), ``run_key``.
        capacity: long table ``parameter, level, region_id, cluster_type, new_capacity,
            base_new_capacity, delta`` [type unit/yr] (rows where either is > 0).
        base: payload of the base run.
        failures: runs that raised or found no solution.
        parameters: the parameters swept.
    """

    table: pd.DataFrame
    capacity: pd.DataFrame
    base: dict
    failures: pd.DataFrame
    parameters: tuple[Parameter, ...]

    def capacity_change(self, parameter: str, level: str, cluster_type: str) -> pd.Series:
        """Change of new capacity [type unit/yr] by region_id for one run (map layer)."""
        rows = self.capacity[
            (self.capacity["parameter"] == parameter)
            & (self.capacity["level"] == level)
            & (self.capacity["cluster_type"] == cluster_type)
        ]
        series = rows.set_index("region_id")["delta"].astype(float)
        series.name = f"d_new_capacity_{cluster_type}"
        return series

    to_layer = capacity_change


def _sites(payload: dict) -> set[tuple[str, str]]:
    return {(r, k) for r, k, v in payload.get("capacity", []) if v > 0}


def _fmt_sites(sites: set[tuple[str, str]]) -> str:
    return "; ".join(f"{r}/{k}" for r, k in sorted(sites))


def sweep(
    scenario: str | Path | Scenario,
    parameters: Sequence[Parameter] | None = None,
    data: RegionData | None = None,
    tech: TechnologyData | None = None,
    *,
    executor: Executor | None = None,
    checkpoint: str | Path | Checkpoint | None = None,
    progress: bool | None = None,
    mip_gap: float | None = None,
) -> SweepResult:
    """Solve the base and each parameter at its low and its high value (others at base).

    Args:
        parameters: default :func:`default_sweep_parameters` (all ranged technology figures and
            the default scenario levers).
        executor, checkpoint, progress, mip_gap: see ``optimizer.regret.regret``.

    A level equal to the base value reuses the base run.
    """
    context = Context.create(scenario, data, tech, mip_gap)
    scenario, data, tech = context.scenario, context.data, context.tech
    params = (
        tuple(parameters)
        if parameters is not None
        else tuple(default_sweep_parameters(scenario, tech))
    )
    names = [p.name for p in params]
    if len(set(names)) != len(names):
        raise ValueError("parameter names must be unique")
    envelope = envelope_overrides(tech, [p.key for p in params if p.kind == "tech"])
    extra = {"envelope": envelope} if envelope else {}
    base_run = context.run(dict(extra), {"run": "base"})
    runs = [base_run]
    cells = []
    for p in params:
        for level, value in p.levels():
            run = None
            if value != p.base:
                run = context.run(
                    merge_specs(p.spec(value), extra), {"parameter": p.name, "level": level}
                )
                runs.append(run)
            cells.append((p, level, value, run))
    outcomes = run_all(
        context, runs, executor=executor, checkpoint=checkpoint, progress=progress, label="sweep"
    )
    base = outcomes[base_run.key]
    if not base.ok:
        raise RuntimeError(f"the base run has no solution: {base.error}")
    base_payload = base.payload
    base_sites = _sites(base_payload)
    base_capacity = {(r, k): v for r, k, v in base_payload["capacity"]}
    rows, capacity_rows = [], []
    for p, level, value, run in cells:
        outcome = outcomes[run.key] if run is not None else base
        row = {
            "parameter": p.name,
            "kind": p.kind,
            "level": level,
            "value": value,
            "base_value": p.base,
            "unit": p.unit,
            "status": outcome.status,
        }
        payload = outcome.payload if outcome.ok else None
        for kpi in SWEEP_KPIS:
            column = kpi_column(kpi)
            v = payload["kpis"].get(kpi) if payload else None
            b = base_payload["kpis"].get(kpi)
            row[column] = np.nan if v is None else v
            row[f"d_{column}"] = np.nan if v is None or b is None else v - b
        if payload is not None:
            sites = _sites(payload)
            row["sites_changed"] = sites != base_sites
            row["sites_added"] = _fmt_sites(sites - base_sites)
            row["sites_removed"] = _fmt_sites(base_sites - sites)
            run_capacity = {(r, k): v for r, k, v in payload["capacity"]}
            for r, k in sorted(set(run_capacity) | set(base_capacity)):
                new, old = run_capacity.get((r, k), 0.0), base_capacity.get((r, k), 0.0)
                capacity_rows.append(
                    {
                        "parameter": p.name,
                        "level": level,
                        "region_id": r,
                        "cluster_type": k,
                        "new_capacity": new,
                        "base_new_capacity": old,
                        "delta": new - old,
                    }
                )
        else:
            row.update(sites_changed=np.nan, sites_added="", sites_removed="")
        row["run_key"] = run.key if run is not None else base_run.key
        rows.append(row)
    capacity = pd.DataFrame(
        capacity_rows,
        columns=[
            "parameter",
            "level",
            "region_id",
            "cluster_type",
            "new_capacity",
            "base_new_capacity",
            "delta",
        ],
    )
    failures = failures_table(o for o in outcomes.values())
    return SweepResult(pd.DataFrame(rows), capacity, base_payload, failures, params)


def tornado(result: SweepResult, kpi: str = "total_annual_cost") -> pd.DataFrame:
    """Per parameter: KPI change at low and at high, ``swing`` = |Δhigh − Δlow|; largest first.

    Columns: ``parameter, unit, base_value, low_value, high_value, base_kpi, delta_low,
    delta_high, swing, sites_changed_low, sites_changed_high``. Parameters whose runs failed
    (NaN swing) come last.
    """
    column = kpi_column(kpi)
    if column not in result.table.columns:
        raise KeyError(f"no KPI {kpi!r} in the sweep (have {', '.join(SWEEP_KPIS)})")
    base_kpi = result.base["kpis"].get(kpi)
    rows = []
    for name, group in result.table.groupby("parameter", sort=False):
        low = group[group["level"] == "low"].iloc[0]
        high = group[group["level"] == "high"].iloc[0]
        rows.append(
            {
                "parameter": name,
                "unit": low["unit"],
                "base_value": low["base_value"],
                "low_value": low["value"],
                "high_value": high["value"],
                "base_kpi": base_kpi,
                "delta_low": low[f"d_{column}"],
                "delta_high": high[f"d_{column}"],
                "swing": abs(high[f"d_{column}"] - low[f"d_{column}"]),
                "sites_changed_low": low["sites_changed"],
                "sites_changed_high": high["sites_changed"],
            }
        )
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    table["_reach"] = table[["delta_low", "delta_high"]].abs().max(axis=1)
    return (
        table.sort_values(
            ["swing", "_reach", "parameter"], ascending=[False, False, True], na_position="last"
        )
        .drop(columns="_reach")
        .reset_index(drop=True)
    )


# -- break-even ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BreakEven:
    """Where scenario A and B swap ranks along one parameter.

    Attributes:
        flips: True when the KPI difference A − B changes sign within ``bounds``.
        value: the parameter value of the first flip (midpoint of ``bracket``), else None.
        bracket: (low, high) around the flip, narrower than ``tol``; None without a flip.
        other_flips: further sign changes found on the grid (brackets), if any.
        evaluations: every value solved: ``value, kpi_a, kpi_b, difference`` (A − B),
            ``cheaper`` ('a', 'b' or 'tie').
        message: one sentence for a report.
    """

    parameter: str
    scenario_a: str
    scenario_b: str
    kpi: str
    bounds: tuple[float, float]
    flips: bool
    value: float | None
    bracket: tuple[float, float] | None
    other_flips: tuple[tuple[float, float], ...]
    evaluations: pd.DataFrame
    message: str


def break_even(
    scenario_a: str | Path | Scenario,
    scenario_b: str | Path | Scenario,
    parameter: Parameter,
    data: RegionData | None = None,
    tech: TechnologyData | None = None,
    *,
    bounds: tuple[float, float] | None = None,
    tol: float | None = None,
    kpi: str = "total_annual_cost",
    grid: int = 5,
    max_iter: int = 60,
    executor: Executor | None = None,
    mip_gap: float | None = None,
) -> BreakEven:
    """Bisect ``parameter`` for the value where KPI(A) − KPI(B) changes sign.

    Args:
        parameter: applied identically to both scenarios (e.g.
            ``zone_multiplier(data, "power_price", "great-lakes", 0.5, 1.5)`` or
            ``zone_factor(data, "permitting_months", "south", 0.5, 3.0)``).
        bounds: search interval (default: the parameter's low, high).
        tol: stop when the bracket is narrower (default 1e-3 × the interval width).
        kpi: payload KPI to rank by (default total annual cost [USD/yr]; lower ranks first).
        grid: values solved evenly across the bounds before bisecting (≥ 2), so a sign change
            inside is found even when both ends agree; the first change is bisected.
        executor: where to solve (default: this process; each step needs only two solves).
    """
    scenario_a, scenario_b = load_scenario(scenario_a), load_scenario(scenario_b)
    context_a = Context.create(scenario_a, data, tech, mip_gap)
    context_b = Context.create(scenario_b, context_a.data, context_a.tech, mip_gap)
    lo, hi = bounds if bounds is not None else (parameter.low, parameter.high)
    if not lo < hi:
        raise ValueError(f"bounds must satisfy low < high, got {(lo, hi)}")
    tol = tol if tol is not None else 1e-3 * (hi - lo)
    executor = executor if executor is not None else SerialExecutor()
    envelope = (
        envelope_overrides(context_a.tech, [parameter.key]) if parameter.kind == "tech" else []
    )
    evaluations: list[dict] = []

    def difference(values: Sequence[float]) -> list[float]:
        runs_a, runs_b = [], []
        for v in values:
            spec = merge_specs(parameter.spec(v), {"envelope": envelope} if envelope else {})
            runs_a.append(context_a.run(spec, {"parameter": parameter.name, "value": v}))
            runs_b.append(context_b.run(spec, {"parameter": parameter.name, "value": v}))
        out_a = run_all(context_a, runs_a, executor=executor, progress=False)
        out_b = run_all(context_b, runs_b, executor=executor, progress=False)
        diffs = []
        for v, ra, rb in zip(values, runs_a, runs_b, strict=True):
            a, b = out_a[ra.key], out_b[rb.key]
            if not (a.ok and b.ok):
                failed = a if not a.ok else b
                raise RuntimeError(f"{parameter.name} = {v:g}: {failed.error}")
            ka, kb = a.payload["kpis"][kpi], b.payload["kpis"][kpi]
            diff = ka - kb
            evaluations.append(
                {
                    "value": v,
                    "kpi_a": ka,
                    "kpi_b": kb,
                    "difference": diff,
                    "cheaper": "a" if diff < 0 else ("b" if diff > 0 else "tie"),
                }
            )
            diffs.append(diff)
        return diffs

    points = list(np.linspace(lo, hi, max(grid, 2)))
    diffs = difference(points)
    changes = [
        (points[i], points[i + 1])
        for i in range(len(points) - 1)
        if np.sign(diffs[i]) != np.sign(diffs[i + 1])
    ]
    name_a, name_b = scenario_a.name, scenario_b.name
    if not changes:
        cheaper = name_a if diffs[0] < 0 else name_b
        message = (
            f"no flip within bounds [{lo:g}, {hi:g}] of {parameter.name}: "
            f"{cheaper} ranks first at every value tried"
        )
        return BreakEven(
            parameter.name,
            name_a,
            name_b,
            kpi,
            (lo, hi),
            False,
            None,
            None,
            (),
            _evaluations(evaluations),
            message,
        )
    a_lo, a_hi = changes[0]
    sign_lo = np.sign(diffs[points.index(a_lo)])
    for _ in range(max_iter):
        if a_hi - a_lo <= tol:
            break
        mid = 0.5 * (a_lo + a_hi)
        (d_mid,) = difference([mid])
        if np.sign(d_mid) == sign_lo:
            a_lo = mid
        else:
            a_hi = mid
    value = 0.5 * (a_lo + a_hi)
    below, above = (name_a, name_b) if sign_lo < 0 else (name_b, name_a)
    message = (
        f"{below} ranks first below {parameter.name} ≈ {value:.4g} and {above} above "
        f"(bracket [{a_lo:.6g}, {a_hi:.6g}])"
    )
    if len(changes) > 1:
        message += f"; {len(changes) - 1} further flip(s) on the grid"
    return BreakEven(
        parameter.name,
        name_a,
        name_b,
        kpi,
        (lo, hi),
        True,
        value,
        (a_lo, a_hi),
        tuple(changes[1:]),
        _evaluations(evaluations),
        message,
    )


def _evaluations(rows: list[dict]) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=["value", "kpi_a", "kpi_b", "difference", "cheaper"])
    return table.sort_values("value", ignore_index=True)


__all__ = [
    "BreakEven",
    "Parameter",
    "SWEEP_KPIS",
    "SweepResult",
    "break_even",
    "default_levers",
    "default_sweep_parameters",
    "kpi_column",
    "merge_specs",
    "scenario_lever",
    "sweep",
    "tech_parameter",
    "tech_parameters",
    "tornado",
    "zone_factor",
    "zone_multiplier",
]
