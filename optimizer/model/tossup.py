"""Toss-ups: a site whose runner-up is closer than what separates them is worth.

For an opened site s against its runner-up q (``optimizer.model.why``), with per-unit cost gap
Δ = cost_q − cost_s [USD/yr per (type unit/yr)], the **uncertainty** U is the sum of

- the solver's proven gap on this site: relative MIP gap × |objective| / the site's new capacity
  (the plan is proven only that close to the optimum);
- for each figure that makes the two places differ and has a documented low/high range, the
  amount by which Δ shrinks when that figure alone moves to the end of its range that favours q:

  * the permitting months of s and q (``permitting.csv`` low/high per state): q at its low, s at
    its high, each month worth that place's permitting-delay term per month;
  * technology figures that scale a difference linearly (``technologies.csv``,
    ``parameters.csv`` low/base/high): electricity use (energy), jobs per unit (labor), capex
    (the capex-proportional terms), the delay cost per month (permitting delay), the fixed site
    cost (fixed), product mass, freight rate and circuity (outbound freight): a difference d
    shrinks by max(d·(1 − low/base), d·(1 − high/base), 0);
  * when one of the two is an expansion of an operating plant and the other a greenfield
    cluster, the expansion's capex discount and its share of the fixed cost, moved against it.

The swings of the figures are combined in quadrature (independent figures: the square root of
the sum of their squares), the solver gap is added on top (it is a bound, not an error):

    U = solver gap + sqrt(Σ_f shrink_f²).

The site is a **toss-up** when Δ ≤ U: within what the evidence can tell apart, the two places are
equal, and the choice is the model's, not the data's. (The sum of the swings, every figure at its
least favourable end at once, would call nearly every state-level choice a toss-up.) Figures
measured as single values
— power prices, wages, mineral distances — carry no range in the data and add nothing; the rule
says so by naming only what it counted.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from .terms import CAPEX_TERMS

LINEAR_FIGURES = (
    # (figure, per type?, the per-unit terms it scales, words)
    ("electricity_mwh_per_unit", True, ("energy",), "electricity use"),
    ("jobs_per_unit", True, ("labor",), "jobs per unit"),
    ("capex_usd_per_unit", True, CAPEX_TERMS, "capital cost"),
    ("delay_cost_fraction_per_month", False, ("permitting_delay",), "delay cost per month"),
    ("fixed_site_cost_usd_per_yr", True, ("fixed",), "fixed site cost"),
    ("product_mass_t_per_unit", True, ("outbound",), "product mass"),
    ("freight_usd_per_tkm", False, ("outbound",), "freight rate"),
    ("circuity_factor", False, ("outbound",), "circuity"),
)
"""Figures whose documented range scales a per-unit difference between two places."""


@dataclass(frozen=True)
class Side:
    """One place of the comparison: its per-unit terms (with ``fixed``), option and permitting
    months (base, low, high) after the green lane."""

    terms: pd.Series
    option: str
    months: tuple[float, float, float]


def uncertainty(
    own: Side,
    other: Side,
    cluster_type: str,
    ranges: Mapping[tuple[str | None, str], tuple[float, float, float]],
    solver_gap_per_unit: float,
) -> tuple[float, list[tuple[str, float]]]:
    """U [USD/yr per unit] and its parts (label, swing), largest first (module docstring).

    >>> own = Side(pd.Series({"labor": 500_000.0}), "greenfield", (6.0, 6.0, 6.0))
    >>> other = Side(pd.Series({"labor": 500_500.0}), "greenfield", (6.0, 6.0, 6.0))
    >>> uncertainty(own, other, "battery", {("battery", "jobs_per_unit"): (5.0, 10.0, 10.0)}, 0.0)
    (250.0, [('jobs per unit', 250.0)])
    >>> ranges = {("battery", "jobs_per_unit"): (5.0, 10.0, 10.0), ("battery", "electricity_mwh_per_unit"): (500.0, 1000.0, 1000.0)}
    >>> own = Side(pd.Series({"labor": 500_000.0, "energy": 50_000.0}), "greenfield", (6.0, 6.0, 6.0))
    >>> other = Side(pd.Series({"labor": 500_500.0, "energy": 50_400.0}), "greenfield", (6.0, 6.0, 6.0))
    >>> uncertainty(own, other, "battery", ranges, 10.0)[0]  # 10 + sqrt(250² + 200²)
    330.1562118716424
    """
    parts: list[tuple[str, float]] = []
    if solver_gap_per_unit > 0:
        parts.append(("solver gap", solver_gap_per_unit))
    diff = other.terms.subtract(own.terms, fill_value=0.0)
    for figure, per_type, terms, words in LINEAR_FIGURES:
        found = ranges.get((cluster_type if per_type else None, figure))
        if found is None or not found[1]:
            continue
        low, base, high = found
        d = float(sum(diff.get(t, 0.0) for t in terms if not math.isnan(diff.get(t, 0.0))))
        shrink = max(d * (1 - low / base), d * (1 - high / base), 0.0)
        if shrink > 0:
            parts.append((words, shrink))
    months = _months_shrink(own, other)
    if months > 0:
        parts.append(("permitting months", months))
    parts += _expansion_shrink(own, other, cluster_type, ranges)
    parts.sort(key=lambda p: -p[1])
    spread = math.sqrt(sum(amount**2 for label, amount in parts if label != "solver gap"))
    return max(solver_gap_per_unit, 0.0) + spread, parts


def _per_month(side: Side) -> float:
    months = side.months[0]
    delay = float(side.terms.get("permitting_delay", 0.0))
    return delay / months if months > 0 else 0.0


def _months_shrink(own: Side, other: Side) -> float:
    """q's months at their low, s's at their high, each month at that place's delay cost."""
    down = _per_month(other) * max(other.months[0] - other.months[1], 0.0)
    up = _per_month(own) * max(own.months[2] - own.months[0], 0.0)
    return down + up


def _expansion_shrink(
    own: Side,
    other: Side,
    cluster_type: str,
    ranges: Mapping[tuple[str | None, str], tuple[float, float, float]],
) -> list[tuple[str, float]]:
    """Where exactly one side expands an operating plant: its capex discount and fixed-cost
    share at the end of their ranges that works against it."""
    if (own.option == "expansion") == (other.option == "expansion"):
        return []
    out = []
    discount = ranges.get((cluster_type, "agglomeration_discount"))
    share = ranges.get((cluster_type, "expansion_fixed_cost_fraction"))
    side, against_own = (own, True) if own.option == "expansion" else (other, False)
    capex = float(sum(side.terms.get(t, 0.0) for t in CAPEX_TERMS))
    fixed = float(side.terms.get("fixed", 0.0))
    if discount is not None and discount[1] < 1:
        low, base, high = discount
        # capex-proportional terms scale with (1 − discount)
        if against_own:
            shrink = capex * ((1 - low) / (1 - base) - 1)
        else:
            shrink = capex * (1 - (1 - high) / (1 - base))
        if shrink > 0:
            out.append(("expansion capex discount", shrink))
    if share is not None and share[1] > 0 and not math.isinf(fixed):
        low, base, high = share
        shrink = fixed * (high / base - 1) if against_own else fixed * (1 - low / base)
        if shrink > 0:
            out.append(("expansion share of the fixed cost", shrink))
    return out


__all__ = ["LINEAR_FIGURES", "Side", "uncertainty"]
