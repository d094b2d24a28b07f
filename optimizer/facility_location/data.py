"""A capacitated facility-location problem as plain arrays, checked once, for the large solver.

Sites i (m of them), customers j (n). ``x_ij`` is an amount [demand units] and ``unit_cost`` a
cost per unit [cost/unit], as in :mod:`optimizer.facility_location.core`; ``inf`` marks a pair that
cannot be served.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd


class InfeasibleError(ValueError):
    """The problem has no feasible solution (e.g. total capacity below total demand)."""


@dataclass(frozen=True)
class CFLPData:
    """min Σ_i f_i y_i + Σ_ij c_ij x_ij  s.t.  Σ_i x_ij = d_j,  Σ_j x_ij ≤ Q_i y_i,  y binary.

    Attributes:
        fixed_cost: f_i, cost of opening site i [cost units], shape (m,).
        capacity: Q_i [demand units], shape (m,).
        demand: d_j [demand units], shape (n,).
        unit_cost: c_ij [cost units per demand unit], shape (m, n); ``inf`` = not allowed.
        sites, customers: ids for the result (default ``0..m-1``, ``0..n-1``).
    """

    fixed_cost: np.ndarray
    capacity: np.ndarray
    demand: np.ndarray
    unit_cost: np.ndarray
    sites: tuple[Hashable, ...] = ()
    customers: tuple[Hashable, ...] = ()

    def __post_init__(self) -> None:
        f = np.asarray(self.fixed_cost, dtype=float)
        q = np.asarray(self.capacity, dtype=float)
        d = np.asarray(self.demand, dtype=float)
        c = np.asarray(self.unit_cost, dtype=float)
        if f.ndim != 1 or q.shape != f.shape or d.ndim != 1 or c.shape != (len(f), len(d)):
            raise ValueError(
                f"shapes do not match: fixed_cost {f.shape}, capacity {q.shape}, "
                f"demand {d.shape}, unit_cost {c.shape} (expected (m,), (m,), (n,), (m, n))"
            )
        if len(f) == 0:
            raise ValueError("no sites")
        for name, arr in (("fixed_cost", f), ("capacity", q), ("demand", d)):
            if not np.isfinite(arr).all():
                raise ValueError(f"{name} must be finite")
        if (q < 0).any() or (d < 0).any():
            raise ValueError("capacity and demand must be >= 0")
        if np.isnan(c).any() or (c == -np.inf).any():
            raise ValueError("unit_cost must be a number or +inf (not allowed) everywhere")
        for name, arr in (("fixed_cost", f), ("capacity", q), ("demand", d), ("unit_cost", c)):
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        object.__setattr__(self, "sites", tuple(self.sites) or tuple(range(len(f))))
        object.__setattr__(self, "customers", tuple(self.customers) or tuple(range(len(d))))
        if len(self.sites) != len(f) or len(self.customers) != len(d):
            raise ValueError("sites / customers ids do not match the array shapes")

    @property
    def m(self) -> int:
        """Number of sites."""
        return len(self.fixed_cost)

    @property
    def n(self) -> int:
        """Number of customers."""
        return len(self.demand)

    @property
    def allowed(self) -> np.ndarray:
        """(m, n) bool: pairs that may be served (finite unit cost)."""
        return np.isfinite(self.unit_cost)

    @property
    def total_demand(self) -> float:
        """Σ_j d_j [demand units]."""
        return float(self.demand.sum())

    def subset(self, sites: np.ndarray) -> CFLPData:
        """The same problem on the sites ``sites`` (indices) only; the customers are unchanged."""
        sites = np.asarray(sites, dtype=int)
        return CFLPData(
            fixed_cost=self.fixed_cost[sites],
            capacity=self.capacity[sites],
            demand=self.demand,
            unit_cost=self.unit_cost[sites],
            sites=tuple(self.sites[i] for i in sites),
            customers=self.customers,
        )

    @cached_property
    def _cover(self) -> tuple[np.ndarray, float]:
        q = self.capacity
        total = self.total_demand
        if np.all(q == q[0]) and q[0] > 0:
            k = math.ceil(total / q[0] * (1 - 1e-12))
            return np.ones(self.m), float(k)
        return q.astype(float), total

    def cover(self) -> tuple[np.ndarray, float]:
        """A valid cover row ``Σ_i w_i y_i ≥ W`` for every feasible solution.

        With equal capacities Q it is the cardinality row ``Σ y ≥ ⌈D / Q⌉`` (w = 1), which is
        integral and stronger; otherwise the aggregate capacity row ``Σ Q_i y_i ≥ D``.
        """
        return self._cover

    def check_feasible(self) -> None:
        """Raise :class:`InfeasibleError` on the simple reasons for infeasibility.

        Total capacity below total demand, or a customer with demand that no site may serve.
        (Other capacity shortfalls on sparse pairs are found by the allocation LP.)
        """
        total_q = float(self.capacity.sum())
        if total_q < self.total_demand * (1 - 1e-12):
            raise InfeasibleError(
                f"infeasible: total capacity {total_q:g} is below total demand "
                f"{self.total_demand:g}"
            )
        stranded = (self.demand > 0) & ~self.allowed.any(axis=0)
        if stranded.any():
            names = [self.customers[j] for j in np.flatnonzero(stranded)[:5]]
            raise InfeasibleError(f"infeasible: no site may serve customers {names}")
        reach = np.where(self.allowed, self.capacity[:, None], 0.0).sum(axis=0)
        short = self.demand > reach * (1 + 1e-12)
        if short.any():
            names = [self.customers[j] for j in np.flatnonzero(short)[:5]]
            raise InfeasibleError(
                f"infeasible: the sites that may serve customers {names} lack the capacity"
            )


def from_frames(
    fixed_cost: pd.Series,
    capacity: pd.Series,
    demand: pd.Series,
    unit_cost: pd.DataFrame,
) -> CFLPData:
    """:class:`CFLPData` from the inputs of :func:`~optimizer.facility_location.from_cost_matrix`.

    Args:
        fixed_cost, capacity: by site id. demand: by customer id.
        unit_cost: DataFrame sites × customers [cost/unit]; NaN or inf = not allowed.
    """
    sites: Sequence = list(fixed_cost.index)
    customers: Sequence = list(demand.index)
    cost = unit_cost.reindex(index=sites, columns=customers).to_numpy(dtype=float)
    cost = np.where(np.isnan(cost), np.inf, cost)
    return CFLPData(
        fixed_cost=fixed_cost.to_numpy(dtype=float),
        capacity=capacity.reindex(sites).to_numpy(dtype=float),
        demand=demand.to_numpy(dtype=float),
        unit_cost=cost,
        sites=tuple(sites),
        customers=tuple(customers),
    )
