"""Uncertainty: Monte Carlo over the parameter ranges with Latin hypercube sampling.

Every parameter is drawn uniformly between its low and high value; a Latin hypercube gives each
of the ``n`` equal-probability strata of every parameter exactly one sample. Samples come from
``numpy.random.default_rng(seed)`` in the calling process, before any solve, so the same seed
gives the same samples and — each run's model depending only on its own sample — the same
results, whatever the executor and the order in which runs finish.

Reported: the per-run KPI table, summary percentiles, and per (region, type) the probability that
a cluster is sited there (new capacity > 0), over the runs that solved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Integral
from pathlib import Path

import numpy as np
import pandas as pd

from regions import RegionData

from ..model.scenario import Scenario
from ..model.technology import CLUSTER_TYPES, TechnologyData
from ..runs.checkpoint import Checkpoint
from ..runs.parallel import Context, Executor, failures_table, run_all
from ..runs.specs import envelope_overrides
from .parameters import NOT_VARIED, SWEEP_KPIS, Parameter, kpi_column, merge_specs, tech_parameters

PERCENTILES = (5, 25, 50, 75, 95)


def latin_hypercube(n: int, d: int, rng: np.random.Generator) -> np.ndarray:
    """``n × d`` samples in [0, 1): column j holds one point in each of the n strata.

    >>> u = latin_hypercube(4, 2, np.random.default_rng(0))
    >>> sorted((u[:, 0] * 4).astype(int).tolist())
    [0, 1, 2, 3]
    """
    if n < 1 or d < 0:
        raise ValueError("need n >= 1 and d >= 0")
    out = np.empty((n, d))
    for j in range(d):
        out[:, j] = (rng.permutation(n) + rng.random(n)) / n
    return out


def default_uncertain_parameters(tech: TechnologyData) -> list[Parameter]:
    """Every technology figure with low != high except the NOT_VARIED modelling devices."""
    return tech_parameters(tech, exclude_prefixes=NOT_VARIED)


@dataclass(frozen=True)
class MonteCarloResult:
    """Monte Carlo outcome.

    Attributes:
        samples: ``run, run_key`` and one column per parameter (its sampled value).
        runs: samples plus ``status`` and every KPI of SWEEP_KPIS (NaN where a run failed).
        summary: per KPI: ``n, mean, std, min, p5, p25, p50, p75, p95, max``.
        probability: ``region_id, cluster_type, probability`` (share of solved runs with new
            capacity > 0), ``mean_new_capacity`` [type unit/yr, over solved runs], ``n_runs``.
        capacity: long table ``run, region_id, cluster_type, new_capacity`` (> 0 only).
        failures: runs that raised or found no solution, with their parameters.
        parameters: the parameters sampled. seed, n: as requested.
    """

    samples: pd.DataFrame
    runs: pd.DataFrame
    summary: pd.DataFrame
    probability: pd.DataFrame
    capacity: pd.DataFrame
    failures: pd.DataFrame
    parameters: tuple[Parameter, ...]
    seed: int
    n: int

    def layer(self, cluster_type: str) -> pd.Series:
        """Probability [0, 1] that a ``cluster_type`` cluster is sited, by region_id."""
        rows = self.probability[self.probability["cluster_type"] == cluster_type]
        series = rows.set_index("region_id")["probability"].astype(float)
        series.name = f"probability_{cluster_type}"
        return series

    to_layer = layer


def monte_carlo(
    scenario: str | Path | Scenario,
    n: int = 200,
    seed: int = 0,
    data: RegionData | None = None,
    tech: TechnologyData | None = None,
    *,
    parameters: Sequence[Parameter] | None = None,
    executor: Executor | None = None,
    checkpoint: str | Path | Checkpoint | None = None,
    progress: bool | None = None,
    mip_gap: float | None = None,
) -> MonteCarloResult:
    """Solve ``n`` Latin-hypercube samples of the parameter ranges.

    Args:
        parameters: default :func:`default_uncertain_parameters` (ranged technology figures);
            any :class:`~optimizer.analyses.parameters.Parameter` works (drawn in [low, high]).
        executor, checkpoint, progress, mip_gap: see ``optimizer.analyses.regret.regret``.
    """
    if isinstance(n, bool) or not isinstance(n, Integral) or n < 1:
        raise ValueError(f"n must be a whole number of runs >= 1, got {n!r}")
    if isinstance(seed, bool) or not isinstance(seed, Integral) or seed < 0:
        raise ValueError(f"seed must be a whole number >= 0, got {seed!r}")
    context = Context.create(scenario, data, tech, mip_gap)
    data, tech = context.data, context.tech
    params = (
        tuple(parameters) if parameters is not None else tuple(default_uncertain_parameters(tech))
    )
    names = [p.name for p in params]
    if len(set(names)) != len(names):
        raise ValueError("parameter names must be unique")
    rng = np.random.default_rng(seed)
    unit = latin_hypercube(n, len(params), rng)
    low = np.array([p.low for p in params], dtype=float)
    high = np.array([p.high for p in params], dtype=float)
    values = low + unit * (high - low)
    envelope = envelope_overrides(tech, [p.key for p in params if p.kind == "tech"])
    extra = {"envelope": envelope} if envelope else {}
    runs = []
    for i in range(n):
        spec = merge_specs(*(p.spec(v) for p, v in zip(params, values[i], strict=True)), extra)
        runs.append(context.run(spec, {"run": i}))
    outcomes = run_all(
        context,
        runs,
        executor=executor,
        checkpoint=checkpoint,
        progress=progress,
        label="monte carlo",
    )
    samples = pd.DataFrame(values, columns=names)
    samples.insert(0, "run_key", [r.key for r in runs])
    samples.insert(0, "run", np.arange(n))

    rows, capacity_rows = [], []
    for i, run in enumerate(runs):
        outcome = outcomes[run.key]
        row: dict = {"run": i, "status": outcome.status}
        payload = outcome.payload if outcome.ok else None
        for kpi in SWEEP_KPIS:
            v = payload["kpis"].get(kpi) if payload else None
            row[kpi_column(kpi)] = np.nan if v is None else v
        rows.append(row)
        if payload is not None:
            for r, k, v in payload["capacity"]:
                capacity_rows.append(
                    {"run": i, "region_id": r, "cluster_type": k, "new_capacity": v}
                )
    kpi_table = pd.DataFrame(rows)
    table = samples.merge(kpi_table, on="run")
    capacity = pd.DataFrame(
        capacity_rows, columns=["run", "region_id", "cluster_type", "new_capacity"]
    )
    solved = kpi_table.loc[kpi_table["status"].isin(("optimal", "feasible")), "run"]
    probability = _probability(capacity, list(data.regions.index), len(solved))
    summary = _summary(table[[kpi_column(k) for k in SWEEP_KPIS]])
    failures = failures_table(outcomes[r.key] for r in runs)
    return MonteCarloResult(
        samples, table, summary, probability, capacity, failures, params, seed, n
    )


def _probability(capacity: pd.DataFrame, region_ids: list[str], n_solved: int) -> pd.DataFrame:
    index = pd.MultiIndex.from_product(
        [region_ids, list(CLUSTER_TYPES)], names=["region_id", "cluster_type"]
    )
    built = capacity[capacity["new_capacity"] > 0]
    counts = built.groupby(["region_id", "cluster_type"])["run"].nunique()
    sums = built.groupby(["region_id", "cluster_type"])["new_capacity"].sum()
    table = pd.DataFrame(index=index)
    denominator = max(n_solved, 1)
    table["probability"] = counts.reindex(index).fillna(0).to_numpy() / denominator
    table["mean_new_capacity"] = sums.reindex(index).fillna(0.0).to_numpy() / denominator
    table["n_runs"] = n_solved
    if n_solved == 0:
        table[["probability", "mean_new_capacity"]] = np.nan
    return table.reset_index()


def _summary(kpis: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for column in kpis.columns:
        values = kpis[column].dropna().to_numpy(float)
        row = {"kpi": column, "n": len(values)}
        if len(values):
            row.update(mean=values.mean(), std=values.std(ddof=1) if len(values) > 1 else 0.0)
            row["min"] = values.min()
            for q, v in zip(PERCENTILES, np.percentile(values, PERCENTILES), strict=True):
                row[f"p{q}"] = v
            row["max"] = values.max()
        rows.append(row)
    columns = ["kpi", "n", "mean", "std", "min", *(f"p{q}" for q in PERCENTILES), "max"]
    return pd.DataFrame(rows, columns=columns).set_index("kpi")


__all__ = [
    "MonteCarloResult",
    "default_uncertain_parameters",
    "latin_hypercube",
    "monte_carlo",
]
