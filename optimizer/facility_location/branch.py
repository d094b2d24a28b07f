"""Lagrangian branch-and-bound over the sites the penalty tests leave free.

Each node fixes some sites open and some closed. Its bound is the Lagrangian bound on the sites
not closed, from the volume algorithm warm-started at the parent's multipliers; the penalty tests
fix more sites; the site whose averaged opening ``ȳ_i`` is nearest ½ is branched on. Nodes are
taken best bound first. A node (or a fixing) is pruned when its bound reaches the incumbent's cost
less the target gap; every prune records the bound that justified it, so the proven lower bound
is the smallest of those and of the bounds of the nodes still open. Every node's integral site
choice is costed by the transportation LP and improved by local search when it beats the incumbent.
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .allocation import Allocation, Evaluator, local_search
from .data import CFLPData
from .lagrangian import fixes, forced_bounds, volume


@dataclass(frozen=True)
class BranchOutcome:
    """What the search proved.

    Attributes:
        incumbent: best allocation found (cost = upper bound [cost units]).
        bound: proven lower bound on the region searched [cost units].
        nodes: nodes evaluated; open_nodes: nodes left when the search stopped.
        exhausted: True when no node was left (the bound then proves the gap).
    """

    incumbent: Allocation
    bound: float
    nodes: int
    open_nodes: int
    exhausted: bool


@dataclass
class _Node:
    bound: float
    fixed_open: np.ndarray
    fixed_closed: np.ndarray
    u: np.ndarray
    depth: int


def branch_and_bound(
    data: CFLPData,
    evaluator: Evaluator,
    incumbent: Allocation,
    u: np.ndarray,
    bound: float,
    fixed_open: np.ndarray,
    fixed_closed: np.ndarray,
    *,
    gap: float,
    deadline: float,
    node_iterations: int = 100,
    local_search_s: float = 3.0,
    report: Callable[[float, float], None] | None = None,
    report_every: int = 10,
) -> BranchOutcome:
    """Search the sites not fixed, from the root multipliers ``u`` and its ``bound``.

    Args:
        incumbent: a feasible allocation (its cost is the first upper bound).
        u, bound: the root's multipliers [cost/unit] and Lagrangian bound [cost units].
        fixed_open, fixed_closed: (m,) bool, fixed at the root; the solutions that break those
            fixings are the caller's to account for (its fixing floor).
        gap: relative gap to prove; nodes whose bound reaches ``cost · (1 − gap)`` are pruned.
        deadline: ``time.perf_counter()`` at which to stop.
        node_iterations: volume iterations per node.
        report: called every ``report_every`` nodes with (lower bound so far, incumbent cost).
    """
    best = incumbent
    floor = np.inf
    counter = itertools.count()
    heap: list[tuple[float, int, int, _Node]] = []

    def push(node: _Node) -> None:
        heapq.heappush(heap, (node.bound, -node.depth, next(counter), node))

    def consider(sites: tuple[int, ...]) -> None:
        nonlocal best
        found = evaluator(sites)
        if found.cost < best.cost * (1 - 1e-12):
            until = min(deadline, time.perf_counter() + local_search_s)
            best = local_search(evaluator, found, deadline=until)

    push(_Node(bound, fixed_open.copy(), fixed_closed.copy(), u, 0))
    nodes = 0
    while heap:
        if time.perf_counter() >= deadline:
            break
        _, _, _, node = heapq.heappop(heap)
        threshold = best.cost * (1 - gap)
        if node.bound >= threshold:
            floor = min(floor, node.bound)
            continue
        nodes += 1
        if report is not None and nodes % report_every == 0:
            lowest = min([entry[0] for entry in heap] + [node.bound, floor, best.cost])
            report(lowest, best.cost)
        fo, fc = node.fixed_open, node.fixed_closed
        active = np.flatnonzero(~fc)
        if len(active) == int(fo.sum()):
            leaf = evaluator(np.flatnonzero(fo))
            floor = min(floor, leaf.cost)
            if leaf.cost < best.cost:
                best = leaf
            continue
        sub = data.subset(active)
        state = volume(
            sub,
            node.u,
            best.cost,
            iterations=node_iterations,
            fixed_open=fo[active],
            fixed_closed=np.zeros(len(active), bool),
            step=0.05,
            stop_gap=gap,
            window=node_iterations,
            deadline=deadline,
        )
        for sites in state.open_sets[:1]:
            consider(tuple(int(active[i]) for i in sites))
        threshold = best.cost * (1 - gap)
        node_bound = max(node.bound, state.bound)  # the parent's bound holds here too
        if node_bound >= threshold:
            floor = min(floor, node_bound)
            continue
        lo, lc = forced_bounds(sub, state, fo[active], np.zeros(len(active), bool))
        close = np.zeros(data.m, bool)
        close[active] = fixes(lo, threshold)
        opened = np.zeros(data.m, bool)
        opened[active] = fixes(lc, threshold)
        if close.any():
            floor = min(floor, float(lo[fixes(lo, threshold)].min()))
        if opened.any():
            floor = min(floor, float(lc[fixes(lc, threshold)].min()))
        fo2, fc2 = fo | opened, fc | close
        if (fo2 & fc2).any():
            continue
        free = ~(fo2 | fc2)
        ybar = np.zeros(data.m)
        ybar[active] = state.ybar
        if not free.any():
            push(_Node(node_bound, fo2, fc2, state.u, node.depth + 1))
            continue
        i = int(np.argmax(np.where(free, -np.abs(ybar - 0.5), -np.inf)))
        lo_i = np.zeros(data.m)
        lo_i[active] = lo
        lc_i = np.zeros(data.m)
        lc_i[active] = lc
        up, down = fo2.copy(), fc2.copy()
        up[i], down[i] = True, True
        push(_Node(max(node_bound, lo_i[i]), up, fc2, state.u, node.depth + 1))
        push(_Node(max(node_bound, lc_i[i]), fo2, down, state.u, node.depth + 1))
    lowest = min((entry[0] for entry in heap), default=np.inf)
    proven = min(floor, lowest, best.cost)
    return BranchOutcome(
        incumbent=best,
        bound=float(proven),
        nodes=nodes,
        open_nodes=len(heap),
        exhausted=not heap,
    )
