"""The restricted MIP: HiGHS on the sites not fixed by the penalty tests (the kernel).

Columns: ``y_i`` (binary) for the free sites, ``x_ij`` [demand units] for the pairs given (free
and fixed-open sites only; fixed-closed sites are left out). Rows::

    Σ_i x_ij = d_j                          ∀j   (demand)
    Σ_j x_ij ≤ Q_i y_i   (Q_i if fixed open)  ∀i   (capacity)
    x_ij ≤ min(d_j, Q_i) y_i                 for the linked pairs of free sites (strong linking)
    Σ_free w_i y_i ≥ W − Σ_fixed-open w_i         (the cover row of :meth:`CFLPData.cover`)

Dropping pairs restricts the problem (its optimum is then only an upper bound); dropping linking
rows only relaxes it (its bound stays valid). The MIP starts from a given allocation.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np

from .allocation import Allocation, new_highs
from .data import CFLPData

INF = highspy.kHighsInf


@dataclass(frozen=True)
class MipOutcome:
    """What a restricted MIP proved.

    Attributes:
        status: "optimal" (within its gap), "time_limit", "infeasible" or HiGHS's status text.
        objective: best solution's cost [cost units] (+inf if none).
        bound: HiGHS's dual bound [cost units] (−inf if none).
        open: the best solution's open sites (None without one).
        seconds, nodes: wall time [s] and branch-and-bound nodes.
        columns, rows: model size.
    """

    status: str
    objective: float
    bound: float
    open: tuple[int, ...] | None
    seconds: float
    nodes: int
    columns: int
    rows: int


def restricted_mip(
    data: CFLPData,
    free: np.ndarray,
    fixed_open: np.ndarray,
    *,
    pairs: np.ndarray | None = None,
    linked: np.ndarray | None = None,
    start: Allocation | None = None,
    time_limit_s: float = 60.0,
    mip_gap: float = 1e-4,
    threads: int = 1,
    highs_options: dict | None = None,
) -> MipOutcome:
    """Build and solve the restricted MIP.

    Args:
        free, fixed_open: (m,) bool; every other site is closed.
        pairs: (m, n) bool, the x columns (default every allowed pair); the pairs the start uses
            are always added.
        linked: (m, n) bool, the pairs that get a strong-linking row (default all of ``pairs``).
        start: a feasible allocation to start from, if it respects the fixings.
        highs_options: further HiGHS options (name → value).
    """
    begin = time.perf_counter()
    m, n = data.m, data.n
    active = free | fixed_open
    use = data.allowed & active[:, None]
    if pairs is not None:
        use &= pairs
    usable_start = start is not None and start.feasible
    if usable_start:
        start_open = start.mask(m)
        usable_start = bool(np.all(active[start_open]) and np.all(start_open[fixed_open]))
    if usable_start:
        xs = np.zeros((m, n))
        xs[list(start.open)] = start.x
        use |= xs > 0
    link = use & free[:, None] if linked is None else (linked & use & free[:, None])

    free_idx = np.flatnonzero(free)
    n_y = len(free_idx)
    y_col = np.full(m, -1)
    y_col[free_idx] = np.arange(n_y)
    rows_i, cols_j = np.nonzero(use)
    n_x = len(rows_i)
    x_col = n_y + np.arange(n_x)
    act_idx = np.flatnonzero(active)
    cap_row = np.full(m, -1)
    cap_row[act_idx] = n + np.arange(len(act_idx))
    linked_x = link[rows_i, cols_j]
    n_link = int(linked_x.sum())
    link_row = n + len(act_idx) + np.arange(n_link)
    w, need = data.cover()
    cover_rhs = need - float(w[fixed_open].sum())
    has_cover = cover_rhs > 1e-9 * max(need, 1.0) and n_y > 0
    n_rows = n + len(act_idx) + n_link + int(has_cover)

    q = data.capacity
    lx = x_col[linked_x]
    li, lj = rows_i[linked_x], cols_j[linked_x]
    ent_col = [x_col, x_col, lx, y_col[free_idx], y_col[li]]
    ent_row = [cols_j, cap_row[rows_i], link_row, cap_row[free_idx], link_row]
    ent_val = [
        np.ones(n_x),
        np.ones(n_x),
        np.ones(n_link),
        -q[free_idx],
        -np.minimum(data.demand[lj], q[li]),
    ]
    if has_cover:
        ent_col.append(y_col[free_idx])
        ent_row.append(np.full(n_y, n_rows - 1))
        ent_val.append(w[free_idx].astype(float))
    col = np.concatenate(ent_col).astype(np.int64)
    row = np.concatenate(ent_row).astype(np.int64)
    val = np.concatenate(ent_val).astype(float)
    order = np.lexsort((row, col))
    col, row, val = col[order], row[order], val[order]
    n_cols = n_y + n_x

    row_lower = np.concatenate(
        [data.demand, np.full(len(act_idx) + n_link, -INF), [cover_rhs] if has_cover else []]
    )
    row_upper = np.concatenate(
        [
            data.demand,
            np.where(fixed_open[act_idx], q[act_idx], 0.0),
            np.zeros(n_link),
            [INF] if has_cover else [],
        ]
    )
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_cols, n_rows
    lp.offset_ = float(data.fixed_cost[fixed_open].sum())
    lp.col_cost_ = np.concatenate([data.fixed_cost[free_idx], data.unit_cost[rows_i, cols_j]])
    lp.col_lower_ = np.zeros(n_cols)
    lp.col_upper_ = np.concatenate([np.ones(n_y), np.full(n_x, INF)])
    lp.row_lower_ = row_lower
    lp.row_upper_ = row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.concatenate(
        [[0], np.cumsum(np.bincount(col, minlength=n_cols))]
    ).astype(np.int32)
    lp.a_matrix_.index_ = row.astype(np.int32)
    lp.a_matrix_.value_ = val
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n_y + [
        highspy.HighsVarType.kContinuous
    ] * n_x
    h = new_highs(threads)
    h.setOptionValue("time_limit", max(float(time_limit_s), 0.01))
    h.setOptionValue("mip_rel_gap", float(mip_gap))
    for name, value in (highs_options or {}).items():
        h.setOptionValue(name, value)
    h.passModel(lp)
    if usable_start:
        values = np.concatenate([start.mask(m)[free_idx].astype(float), xs[rows_i, cols_j]])
        h.setSolution(n_cols, np.arange(n_cols, dtype=np.int32), values)
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    has_solution = info.primal_solution_status == 2
    objective = float(info.objective_function_value) if has_solution else np.inf
    if status == highspy.HighsModelStatus.kInfeasible:
        text, bound = "infeasible", np.inf
    else:
        text = {
            highspy.HighsModelStatus.kOptimal: "optimal",
            highspy.HighsModelStatus.kTimeLimit: "time_limit",
        }.get(status, h.modelStatusToString(status))
        bound = float(info.mip_dual_bound)
        if not np.isfinite(bound) and text == "optimal":
            bound = objective
    opened = None
    if has_solution:
        y = np.asarray(h.getSolution().col_value)[:n_y]
        opened = tuple(sorted(np.flatnonzero(fixed_open).tolist() + free_idx[y > 0.5].tolist()))
    return MipOutcome(
        status=text,
        objective=objective,
        bound=bound,
        open=opened,
        seconds=time.perf_counter() - begin,
        nodes=int(info.mip_node_count),
        columns=n_cols,
        rows=n_rows,
    )


def nearest_pairs(data: CFLPData, sites: np.ndarray, per_customer: int) -> np.ndarray:
    """(m, n) bool: each customer's ``per_customer`` cheapest sites among ``sites`` (bool (m,))."""
    cost = np.where(sites[:, None] & data.allowed, data.unit_cost, np.inf)
    k = min(per_customer, data.m)
    out = np.zeros((data.m, data.n), bool)
    if k <= 0:
        return out
    idx = np.argpartition(cost, k - 1, axis=0)[:k] if k < data.m else np.arange(data.m)[:, None]
    idx = np.broadcast_to(idx, (k, data.n)) if idx.shape[1] == 1 else idx
    out[idx, np.arange(data.n)[None, :]] = True
    return out & np.isfinite(cost)
