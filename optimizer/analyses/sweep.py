"""One-at-a-time sweeps and tornado tables.

:func:`sweep` solves the base and every parameter (``optimizer.analyses.parameters``) at its low
and high value, and reports the change of the KPIs and of where clusters go; :func:`tornado`
ranks parameters by swing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from regions import RegionData

from ..model.scenario import Scenario
from ..model.technology import TechnologyData
from ..runs.checkpoint import Checkpoint
from ..runs.parallel import Context, Executor, failures_table, run_all
from ..runs.specs import envelope_overrides
from .parameters import SWEEP_KPIS, Parameter, default_sweep_parameters, kpi_column, merge_specs


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
        executor, checkpoint, progress, mip_gap: see ``optimizer.analyses.regret.regret``.

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
