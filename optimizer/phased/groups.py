"""Solve a phased scenario as separate MILPs per group of cluster types, exactly.

Types are coupled only through rows they share: a region's labor pool (one per region, shared by
every type that can build there), a domestic mineral source's limit (types that use the same
mineral) and a mineral's domestic-share rule. :func:`solve_groups` starts from groups that keep
the types sharing a mineral together (:func:`relaxed_groups`): each group is solved with the
labor pools applied to its own types alone, which relaxes them (each group may use a whole
pool), so the sum of the groups' optima bounds the joint optimum from below. When the groups' plans together keep every shared row (:func:`clashes`), the combined
plan is feasible for the joint model at that bound: it is the joint optimum (within the groups'
MIP gaps). When they do not, the clashing groups are merged and solved again, until none clash;
at worst all types are solved together, as :func:`~optimizer.phased.model.type_groups` joins
them.
"""

from __future__ import annotations

import time
from collections import defaultdict

import numpy as np

from ..model.technology import CLUSTER_TYPES
from .inputs import PhasedInputs
from .model import build_phased_model, type_groups
from .solve import GroupSolution, HighsOptions, solve_group

CLASH_TOLERANCE = 1e-7
"""Relative tolerance of a shared row [fraction of its limit] (plus 1e-6 absolute)."""


def _sorted(groups) -> list[tuple[str, ...]]:
    return sorted(
        (tuple(k for k in CLUSTER_TYPES if k in g) for g in groups),
        key=lambda g: CLUSTER_TYPES.index(g[0]),
    )


def relaxed_groups(inputs: PhasedInputs) -> list[tuple[str, ...]]:
    """Type groups joined only by the minerals they share (a mineral's source limits and its
    domestic-share rule bind the types that use it alike), not by the labor pools: those are
    checked after the solves (:func:`clashes`), since a region's pool rarely binds for two
    groups at once."""
    need = {
        k: {m for m, t in inputs.base.demand_t_per_unit.get(k, {}).items() if t > 0}
        for k in CLUSTER_TYPES
    }
    groups: list[set[str]] = []
    for k in CLUSTER_TYPES:
        joined = [g for g in groups if any(need[k] & need[j] for j in g)]
        groups = [g for g in groups if g not in joined] + [{k}.union(*joined)]
    return _sorted(groups)


def _over(use: float, limit: float) -> bool:
    return use > limit * (1 + CLASH_TOLERANCE) + 1e-6


def clashes(inputs: PhasedInputs, solutions: list[GroupSolution]) -> list[set[str]]:
    """Sets of types whose groups' plans together break a shared row: a domestic source's
    limit in some period [t/yr], or a region's labor pool [jobs] (hires of the capacity built
    by the last period, of every type). Rows within one group hold by construction."""
    found: list[set[str]] = []
    limits = inputs.base.supply["capacity_t_per_yr"].dropna().astype(float).to_dict()
    shipped: dict[tuple, float] = defaultdict(float)
    shippers: dict[tuple, set[str]] = defaultdict(set)
    jobs: dict[str, float] = defaultdict(float)
    hirers: dict[str, set[str]] = defaultdict(set)
    for sol in solutions:
        model, x = sol.model, sol.x
        for (source_id, mineral, _r, t), col in model.ship.items():
            if (source_id, mineral) in limits and x[col] > 1e-9:
                shipped[(source_id, mineral, t)] += float(x[col])
                shippers[(source_id, mineral, t)].update(model.types)
        for region_id, hired in _last_hires(model, x).items():
            if hired > 1e-9:
                jobs[region_id] += hired
                hirers[region_id].update(model.types)
    found += [shippers[key] for key, tonnes in shipped.items() if _over(tonnes, limits[key[:2]])]
    pools = inputs.base.labor_pool_jobs.to_dict()
    found += [hirers[r] for r, used in jobs.items() if _over(used, float(pools[r]))]
    return found


def merge(groups: list[tuple[str, ...]], found: list[set[str]]) -> list[tuple[str, ...]]:
    """``groups`` with every group that shares a clash with another merged into it."""
    merged = [set(g) for g in groups]
    for clash in found:
        touched = [g for g in merged if g & clash]
        if len(touched) > 1:
            merged = [g for g in merged if not g & clash] + [set().union(*touched)]
    return _sorted(merged)


def _last_hires(model, x: np.ndarray) -> dict[str, float]:
    """Hires of the capacity a group's plan builds by the last period, by region [jobs]."""
    per_unit = model.inputs.base.sites["jobs_per_unit"].to_dict()
    hires: dict[str, float] = defaultdict(float)
    for table in (model.capacity, model.expansion):
        last: dict[tuple[str, str], tuple[int, int]] = {}
        for (region_id, k, d), col in table.items():
            if (region_id, k) not in last or d > last[(region_id, k)][0]:
                last[(region_id, k)] = (d, col)
        for (region_id, k), (_d, col) in last.items():
            hires[region_id] += max(float(x[col]), 0.0) * float(per_unit[(region_id, k)])
    return hires


def repaired_start(
    inputs: PhasedInputs,
    parts: list[GroupSolution],
    model,
    options: HighsOptions,
    solver,
) -> np.ndarray | None:
    """A MIP start for ``model``, the merge of ``parts``: the plan of the part that took
    longest to solve, and every other part solved again with the labor pools less the hires of
    the parts before it (so the plans together keep every pool). Only a start: the merged model
    is solved to its gap whatever the start is worth (HiGHS ignores an infeasible one)."""
    order = sorted(parts, key=lambda s: -s.seconds)
    taken: dict[str, float] = defaultdict(float)
    plans = []
    for i, part in enumerate(order):
        if i > 0:
            again = build_phased_model(inputs, part.model.types)
            lp = again.lp
            for region_id, row in again.rows["labor"].items():
                lp.row_upper[row] = max(lp.row_upper[row] - taken[region_id], 0.0)
            part = solver(again, options)
            if not part.has_solution:
                return None
        plans.append(part)
        for region_id, jobs in _last_hires(part.model, part.x).items():
            taken[region_id] += jobs
    index = {key: i for i, key in enumerate(model.lp.col_keys)}
    start = np.zeros(len(index))
    for part in plans:
        for key, value in zip(part.model.lp.col_keys, part.x, strict=True):
            if key not in index:
                return None
            start[index[key]] = value
    return start


def solve_groups(
    inputs: PhasedInputs,
    options: HighsOptions,
    solver=None,
    groups: list[tuple[str, ...]] | None = None,
) -> tuple[list[GroupSolution], float]:
    """Solve each group; merge groups whose plans together break a shared row and solve again,
    until none does (see the module docstring). Returns the solutions and the build time [s].

    ``solver(model, options, start=None)`` solves one group (default :func:`solve_group`;
    re-solves pass one that patches a compiled HiGHS model). ``groups``: where to start
    (default :func:`relaxed_groups`; a re-solve of a variant passes the groups its last run
    ended with). A merged group starts from :func:`repaired_start`.
    """
    solver = solver or solve_group
    groups = groups or relaxed_groups(inputs)
    exact = type_groups(inputs)
    # types that share no row at all are always solved apart
    groups = _sorted(set(g) & set(e) for g in groups for e in exact if set(g) & set(e))
    build = 0.0
    solved: dict[tuple[str, ...], GroupSolution] = {}
    starts: dict[tuple[str, ...], list[GroupSolution]] = {}
    while True:
        for group in groups:
            if group not in solved:
                begin = time.perf_counter()
                model = build_phased_model(inputs, group)
                build += time.perf_counter() - begin
                start = None
                if group in starts:
                    start = repaired_start(inputs, starts[group], model, options, solver)
                solved[group] = solver(model, options, start)
        current = [solved[g] for g in groups]
        if any(not s.has_solution for s in current):
            return current, build
        merged = merge(groups, clashes(inputs, current))
        if merged == groups:
            return current, build
        for group in merged:
            if group not in solved:
                starts[group] = [solved[g] for g in groups if set(g) <= set(group)]
        groups = merged


__all__ = ["clashes", "merge", "relaxed_groups", "solve_groups"]
