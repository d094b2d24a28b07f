"""Per-unit cost terms of every candidate site, and the terms that set one site apart from others.

Used to say *why* a state was or was not chosen: its per-unit terms against a reference (the
capacity-weighted mean of a set of sites), keeping the terms that differ most.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .coefficients import ModelInputs
from .terms import objective_terms

MINERALS_TERM = "minerals"
"""Per-unit mineral supply cost: Σ_m t/unit × the cheapest lane to the region [USD/t] (a region
without a lane for a mineral pays the unsupplied cost)."""


def unit_terms(inputs: ModelInputs, cluster_type: str) -> pd.DataFrame:
    """Per region, the per-unit terms [USD/yr per (type unit/yr)] of its cheaper open option.

    Columns: ``option`` ('greenfield', 'expansion' or 'none'), ``reason`` (why no option, else
    ''), one column per objective-view term plus ``minerals``, and ``unit_cost`` (their sum).
    An expansion of an operating cluster is taken when eligible and cheaper per unit.
    """
    sites = inputs.sites.xs(cluster_type, level="cluster_type")
    terms = list(objective_terms(inputs.objective))
    green = sites[[f"cost_{t}" for t in terms]].set_axis(terms, axis=1)
    grown = sites[[f"exp_cost_{t}" for t in terms]].set_axis(terms, axis=1)
    use_expansion = sites["expansion_eligible"] & (
        ~sites["eligible"] | (sites["expansion_unit_cost"] < sites["unit_cost"])
    )
    table = green.where(~use_expansion, grown)
    table[MINERALS_TERM] = mineral_cost_per_unit(inputs, cluster_type).reindex(sites.index)
    table["unit_cost"] = table[[*terms, MINERALS_TERM]].sum(axis=1)
    option = np.where(use_expansion, "expansion", np.where(sites["eligible"], "greenfield", "none"))
    table.insert(0, "option", option)
    table.insert(1, "reason", np.where(option == "none", sites["exclusion_reason"], ""))
    return table


def mineral_cost_per_unit(inputs: ModelInputs, cluster_type: str) -> pd.Series:
    """Σ_m tonnes per unit × cheapest lane cost to each region [USD/yr per (type unit/yr)]."""
    regions = inputs.sites.index.get_level_values("region_id").unique()
    total = pd.Series(0.0, index=regions)
    if len(inputs.lanes):
        cheapest = inputs.lanes["cost_usd_per_t"].groupby(level=["mineral", "region_id"]).min()
    else:
        cheapest = pd.Series(dtype=float)
    for mineral, t in inputs.demand_t_per_unit.get(cluster_type, {}).items():
        if t <= 0:
            continue
        fallback = float(inputs.unsupplied_cost_usd_per_t.get(mineral, 0.0))
        lane = (
            cheapest.xs(mineral, level="mineral") if mineral in cheapest.index.levels[0] else None
        )
        per_t = (lane.reindex(regions) if lane is not None else pd.Series(np.nan, regions)).fillna(
            fallback
        )
        total += t * per_t
    return total


def reference(terms: pd.DataFrame, weights: pd.Series) -> pd.Series | None:
    """Weighted mean of the numeric term columns over regions with weight > 0 (None if none)."""
    weights = weights[weights > 0].reindex(terms.index).dropna()
    weights = weights[terms.loc[weights.index, "option"] != "none"]
    if weights.sum() <= 0:
        return None
    numeric = terms.loc[weights.index].drop(columns=["option", "reason"])
    return numeric.mul(weights, axis=0).sum() / weights.sum()


def term_gaps(terms: pd.DataFrame, region_id: str, ref: pd.Series | None) -> pd.Series:
    """Per-unit term differences of ``region_id`` from ``ref`` (empty without a reference)."""
    if ref is None or terms.at[region_id, "option"] == "none":
        return pd.Series(dtype=float)
    return terms.loc[region_id, ref.index].astype(float) - ref


def describe_gaps(gaps: pd.Series, sign: int, unit: str, against: str, n: int = 2) -> str:
    """The ``n`` terms with the largest gaps of ``sign`` (+1 dearer, −1 cheaper), in words."""
    parts = gaps.drop("unit_cost", errors="ignore") * sign
    parts = parts[parts > 0].sort_values(ascending=False).head(n)
    if parts.empty:
        return ""
    words = ", ".join(f"{term} {sign * value:+,.0f}" for term, value in parts.items())
    return f"{words} USD/yr per {unit} vs {against}"
