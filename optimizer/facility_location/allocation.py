"""Upper bounds: the cost of an open set (a transportation LP) and a local search over open sets.

For a set S of open sites the best allocation is the transportation LP::

    min Σ_{i∈S, j} c_ij x_ij   s.t.  Σ_{i∈S} x_ij = d_j  (duals α_j),  Σ_j x_ij ≤ Q_i  (duals −β_i)

solved by HiGHS through highspy's array interface. The local search moves (drop a site, add one,
swap one for another) are ranked by estimates from the duals and only the most promising few are
solved exactly, so a round costs a handful of LPs whatever the neighbourhood's size.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

import highspy
import numpy as np

from ..model.solve import silence_highs_banner
from .data import CFLPData, InfeasibleError
from .lagrangian import knapsacks

INF = highspy.kHighsInf


@dataclass(frozen=True)
class Allocation:
    """An open set and its best allocation.

    Attributes:
        open: sorted indices of the open sites.
        cost: fixed + allocation cost [cost units]; +inf if the open sites cannot serve demand.
        alpha: (n,) demand-row duals [cost/unit]; beta: (m,) capacity prices ≥ 0 [cost/unit]
            (0 at closed sites).
        x: (len(open), n) amounts [demand units].
    """

    open: tuple[int, ...]
    cost: float
    alpha: np.ndarray
    beta: np.ndarray
    x: np.ndarray

    @property
    def feasible(self) -> bool:
        """True when the open sites can serve all demand."""
        return bool(np.isfinite(self.cost))

    def mask(self, m: int) -> np.ndarray:
        """(m,) bool of the open sites."""
        out = np.zeros(m, bool)
        out[list(self.open)] = True
        return out


class Evaluator:
    """Transportation LPs for open sets, cached by set; counts LPs and their seconds."""

    def __init__(self, data: CFLPData, *, threads: int = 1):
        self.data = data
        self.threads = threads
        self.cache: dict[tuple[int, ...], Allocation] = {}
        self.lps = 0
        self.seconds = 0.0

    def __call__(self, open_sites: Iterable[int]) -> Allocation:
        key = tuple(sorted(int(i) for i in open_sites))
        if key not in self.cache:
            begin = time.perf_counter()
            self.cache[key] = self._solve(key)
            self.seconds += time.perf_counter() - begin
            self.lps += 1
        return self.cache[key]

    def _infeasible(self, key: tuple[int, ...]) -> Allocation:
        data = self.data
        return Allocation(key, np.inf, np.zeros(data.n), np.zeros(data.m), np.zeros((0, data.n)))

    def _solve(self, key: tuple[int, ...]) -> Allocation:
        data = self.data
        sites = np.asarray(key, dtype=int)
        k, n = len(sites), data.n
        if k == 0 and data.total_demand == 0:
            return Allocation(key, 0.0, np.zeros(n), np.zeros(data.m), np.zeros((0, n)))
        if k == 0 or data.capacity[sites].sum() < data.total_demand * (1 - 1e-12):
            return self._infeasible(key)
        cost = data.unit_cost[sites]
        ok = np.isfinite(cost)
        rows, cols = np.nonzero(ok)  # row-major: column index = position in this order
        count = len(rows)
        h = new_highs(self.threads)
        h.addCols(count, cost[rows, cols], np.zeros(count), np.full(count, INF), 0, *_no_entries())
        col = np.arange(count, dtype=np.int32)
        by_customer = np.argsort(cols, kind="stable")
        starts = np.searchsorted(cols[by_customer], np.arange(n)).astype(np.int32)
        h.addRows(n, data.demand, data.demand, count, starts, col[by_customer], np.ones(count))
        starts = np.searchsorted(rows, np.arange(k)).astype(np.int32)
        h.addRows(k, np.full(k, -INF), data.capacity[sites], count, starts, col, np.ones(count))
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return self._infeasible(key)
        sol = h.getSolution()
        x = np.zeros((k, n))
        x[rows, cols] = np.asarray(sol.col_value)
        duals = np.asarray(sol.row_dual)
        beta = np.zeros(data.m)
        beta[sites] = np.maximum(-duals[n:], 0.0)
        total = float(h.getInfo().objective_function_value) + float(data.fixed_cost[sites].sum())
        return Allocation(key, total, duals[:n].copy(), beta, x)


def new_highs(threads: int = 1) -> highspy.Highs:
    """A silent HiGHS instance with ``threads`` threads (no banner either)."""
    silence_highs_banner()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", int(threads))
    return h


def _no_entries() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0)


def check_all_open(evaluator: Evaluator) -> Allocation:
    """The allocation with every site open; raise :class:`InfeasibleError` if there is none."""
    data = evaluator.data
    data.check_feasible()
    every = evaluator(range(data.m))
    if not every.feasible:
        raise InfeasibleError("infeasible: even with every site open the demand cannot be served")
    return every


def move_estimates(
    data: CFLPData, current: Allocation, width: int = 40
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """First-order estimates of the change in cost [cost units] of each move from ``current``.

    Returns (drop (k,), add (m,), swap (k, m)) for the k open sites: dropping sends a site's
    amounts to the cheapest other open site at unit cost + capacity price; adding is the knapsack
    value of the new site at the current duals; a swap is dropping i with its amounts also
    allowed to go to the new site, plus the new site's knapsack on the others (for the ``width``
    best sites to add; +inf for the rest).
    """
    sites = np.asarray(current.open, dtype=int)
    c = data.unit_cost
    price = c[sites] + current.beta[sites][:, None]  # (k, n)
    k = len(sites)
    if k > 1:
        order = np.argsort(price, axis=0)
        best, second = price[order[0], np.arange(data.n)], price[order[1], np.arange(data.n)]
        other = np.where(order[0][None, :] == np.arange(k)[:, None], second, best)  # (k, n)
    else:
        other = np.full((1, data.n), np.inf)
    alpha = current.alpha
    x = current.x
    with np.errstate(invalid="ignore"):
        moved = np.where(x > 0, x * (other - alpha), 0.0)
    drop = -data.fixed_cost[sites] + moved.sum(axis=1)
    add, _, _, _ = knapsacks(data, alpha)
    add = np.where(current.mask(data.m), np.inf, add)
    # swap i -> l (for the `width` best sites to add): the amounts of i go to min(other, c_l);
    # l also takes its knapsack elsewhere
    swap = np.full((k, data.m), np.inf)
    cand = np.argsort(add)[:width]
    cand = cand[np.isfinite(add[cand])]
    via_new = np.minimum(other[:, None, :], c[cand][None, :, :])  # (k, width, n)
    with np.errstate(invalid="ignore"):
        moved_new = np.where(x[:, None, :] > 0, x[:, None, :] * (via_new - alpha), 0.0)
    swap[:, cand] = -data.fixed_cost[sites][:, None] + moved_new.sum(axis=2) + add[cand][None, :]
    return drop, add, swap


def local_search(
    evaluator: Evaluator,
    start: Allocation,
    *,
    deadline: float,
    tries: int = 6,
    rounds: int = 50,
) -> Allocation:
    """Drop / add / swap moves from ``start`` until none of the ``tries`` best-estimated improves.

    Each round solves the transportation LP of the ``tries`` moves of each kind with the best
    estimates and takes the best improving one. Stops at ``deadline`` (``time.perf_counter()``).
    """
    data = evaluator.data
    current = start
    for _ in range(rounds):
        if time.perf_counter() >= deadline or not current.feasible:
            break
        sites = list(current.open)
        drop, add, swap = move_estimates(data, current)
        moves: list[tuple[int, ...]] = []
        for i in np.argsort(drop)[:tries]:
            moves.append(tuple(s for s in sites if s != sites[i]))
        for j in np.argsort(add)[:tries]:
            if np.isfinite(add[j]):
                moves.append((*sites, int(j)))
        flat = np.argsort(swap, axis=None)[: 2 * tries]
        for i, j in zip(*np.unravel_index(flat, swap.shape), strict=True):
            if np.isfinite(swap[i, j]):
                moves.append((*(s for s in sites if s != sites[i]), int(j)))
        best = current
        for move in moves:
            if time.perf_counter() >= deadline:
                break
            candidate = evaluator(move)
            if candidate.cost < best.cost - 1e-9 * abs(best.cost):
                best = candidate
        if best is current:
            break
        current = best
    return current
