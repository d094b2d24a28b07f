"""The siting MILP held in HiGHS and re-solved many times without rebuilding it.

A :class:`CompiledModel` transfers a :class:`~optimizer.model.milp.ClusterModel` to HiGHS once,
through PuLP, and keeps the maps from real ids to columns and rows (``ModelIndex``). One run is
then a :class:`Patch` written into the same ``highspy.Highs`` object: all objective costs
(``changeColsCost``), all column bounds (``changeColsBounds``: forced sites, sites a variant
excludes), all row bounds (``changeRowsBounds``: targets, market nodes, labor limits, mineral
balances, source limits) and the matrix coefficients that technology figures drive
(``changeCoeff``: min/max scale, jobs per unit, bill of materials). Every run writes every
patchable value, so a run's model depends only on the run, not on the runs the same object
solved before; ``clearSolver`` drops the previous basis and incumbent. Results therefore do not
depend on which worker solved a run or in which order.

A variant whose structure the compiled model cannot express (a site or lane it lacks, another
cluster-count or domestic-share rule) returns no patch and is rebuilt from scratch
(``optimizer.runs.evaluator``). Build the compiled model on an *envelope* (the permissive end of
the eligibility figures, :func:`optimizer.runs.specs.envelope_overrides`) so sampled variants
rarely need a rebuild.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import highspy
import numpy as np
import pandas as pd
import pulp

from ..model.coefficients import ModelInputs
from ..model.milp import ClusterModel
from ..model.scenario import Scenario
from ..model.solve import highs_mip_options, max_objective_coefficient, silence_highs_banner
from .model_index import KIND_BOM, KIND_EXP, KIND_JOBS, KIND_MAX, KIND_MIN, ModelIndex
from .solution import Solution, SolveOptions, solution_status

INF = highspy.kHighsInf
FEASIBILITY_TOLERANCE = 1e-6
"""Absolute tolerance [column unit] within which a solution's value meets a column bound (HiGHS's
primal and MIP feasibility tolerances are 1e-7 and 1e-6)."""

RESTRICTED_OPTIONS: dict[str, bool | float] = {
    "mip_heuristic_run_root_reduced_cost": False,
    "mip_heuristic_effort": 0.0,
}
"""HiGHS options of a forced-site run (the reference with some column bounds tightened, started
from the reference optimum moved into those bounds). The start is within a fraction of a per cent
of the optimum; the root reduced-cost sub-MIP and the node heuristics found nothing better than
branching did. Regret over 51 states × 3 types on ``baseline``: 185 → 155 s CPU, the same
regrets (``docs/performance.md``). Not used for other variants: on Monte Carlo samples (mixed
starts) the same options cost 10 % more CPU."""
DEFAULT_OPTIONS: dict[str, bool | float] = {
    "mip_heuristic_run_root_reduced_cost": True,
    "mip_heuristic_effort": 0.05,
}
"""HiGHS's own values of the options :data:`RESTRICTED_OPTIONS` changes, for every other run."""


@dataclass
class Patch:
    """Every patchable value of one run, aligned with a CompiledModel's columns/rows/entries."""

    col_cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    coef: np.ndarray

    def same_constraints(self, other: Patch) -> bool:
        """True when bounds and coefficients equal ``other``'s (its solutions stay feasible)."""
        return (
            np.array_equal(self.col_lower, other.col_lower)
            and np.array_equal(self.col_upper, other.col_upper)
            and np.array_equal(self.row_lower, other.row_lower)
            and np.array_equal(self.row_upper, other.row_upper)
            and np.array_equal(self.coef, other.coef)
        )

    def restricts(self, other: Patch) -> bool:
        """True when this patch is ``other`` with some column bounds tightened, nothing else
        changed (a forced site on the unforced run): every solution of this run is one of
        ``other``'s, at the same cost."""
        return (
            np.array_equal(self.col_cost, other.col_cost)
            and np.array_equal(self.row_lower, other.row_lower)
            and np.array_equal(self.row_upper, other.row_upper)
            and np.array_equal(self.coef, other.coef)
            and bool(np.all(self.col_lower >= other.col_lower))
            and bool(np.all(self.col_upper <= other.col_upper))
        )

    def admits(self, x: np.ndarray, tolerance: float = FEASIBILITY_TOLERANCE) -> bool:
        """True when the column values ``x`` lie within this patch's column bounds."""
        return bool(
            np.all(x >= self.col_lower - tolerance) and np.all(x <= self.col_upper + tolerance)
        )


class CompiledModel(ModelIndex):
    """A ClusterModel held in HiGHS, with the index maps needed to patch and read it.

    Args:
        model: the built PuLP model (its ``inputs`` define the structure: sites, lanes, rows).
        scenario: the scenario it was built for (cluster-count and domestic-share rules).
        options: HiGHS options.
    """

    def __init__(self, model: ClusterModel, scenario: Scenario, options: SolveOptions) -> None:
        silence_highs_banner()
        solver = pulp.HiGHS(
            mip=True,
            msg=False,
            gapRel=options.mip_gap,
            threads=options.threads,
            timeLimit=options.time_limit_s,
            **highs_mip_options(max_objective_coefficient(model.problem)),
        )
        problem = model.problem
        solver.createAndConfigureSolver(problem)
        solver.buildSolverModel(problem)
        self.highs: highspy.Highs = problem.solverModel
        self.structure = (dict(scenario.max_clusters), dict(scenario.min_domestic_share))
        self.reference: tuple[Patch, Solution] | None = None
        """(patch, solution) of the unmodified scenario, for MIP starts and forced sites it
        already holds (``optimizer.runs.evaluator``)."""
        self._memo: tuple | None = None
        super().__init__(model, self.highs.getLp())

    # -- patches -------------------------------------------------------------------------------
    def patch(
        self,
        inputs: ModelInputs,
        scenario: Scenario,
        force: Sequence | None = None,
    ) -> Patch | None:
        """Every patchable value for ``inputs`` (a variant of the compiled structure), or None.

        Args:
            inputs: the variant's coefficient tables.
            scenario: the variant's scenario (only its structural rules are compared).
            force: ``(region_id, cluster_type, min_capacity)``: open the site and give it at least
                ``min_capacity`` [type unit/yr]; the target row may then exceed the remaining
                target by up to ``min_capacity`` − remaining (overshoot), never more.

        Returns None when the variant needs a site, lane, balance row, source limit or rule the
        compiled model lacks (the caller rebuilds). The unforced patch of the last (inputs,
        scenario) pair is memoized, so forcing site after site costs only the copies.
        """
        memo = self._memo
        if memo is not None and memo[0] is inputs and memo[1] is scenario:
            base, eligible, remaining = memo[2]
        else:
            found = self._unforced(inputs, scenario)
            self._memo = (inputs, scenario, found)
            base, eligible, remaining = found
        if base is None:
            return None
        if force is None:
            return base
        region_id, k, minimum = force[0], force[1], float(force[2])
        i = self.site_pos.get((region_id, k))
        if i is None or not eligible[i]:
            raise ValueError(f"{region_id} cannot host a {k} cluster in this run")
        lower, upper, row_upper = (
            base.col_lower.copy(),
            base.col_upper.copy(),
            base.row_upper.copy(),
        )
        lower[self.open_idx[i]] = upper[self.open_idx[i]] = 1.0
        lower[self.cap_idx[i]] = minimum
        row_upper[self.target_row[self.types.index(k)]] = max(remaining[k], minimum)
        return Patch(base.col_cost, lower, upper, base.row_lower, row_upper, base.coef)

    def _unforced(self, inputs: ModelInputs, scenario: Scenario) -> tuple:
        """(Patch or None, eligible mask over compiled sites, remaining target by type)."""
        if (dict(scenario.max_clusters), dict(scenario.min_domestic_share)) != self.structure:
            return None, None, None
        sites = inputs.sites
        # a type without a target has no sites in the model (add_siting skips it)
        targeted = sites.index.get_level_values("cluster_type").isin(list(inputs.targets.index))
        eligible_keys = sites.index[sites["eligible"].to_numpy(bool) & targeted]
        if not set(eligible_keys) <= self.site_set:
            return None, None, None
        expandable = set(sites.index[sites["expansion_eligible"].to_numpy(bool) & targeted])
        if not expandable <= self.exp_set:
            return None, None, None
        if not (expandable & set(eligible_keys)) <= self.room_set:
            return None, None, None
        if not set(inputs.lanes.index) <= self.ship_set:
            return None, None, None
        if set(inputs.targets.index) != set(self.types):
            return None, None, None
        if list(inputs.nodes.index) != self.node_keys:
            return None, None, None
        if not set(inputs.product_lanes.index) <= self.deliver_set:
            return None, None, None
        aligned = sites.reindex(self.site_index)
        eligible = aligned["eligible"].fillna(False).to_numpy(bool)
        grown = sites.reindex(self.exp_index)
        can_grow = grown["expansion_eligible"].fillna(False).to_numpy(bool)

        # objective
        cost = self.col_cost0.copy()
        cost[self.open_idx] = np.where(eligible, aligned["fixed_cost_usd_per_yr"].fillna(0.0), 0.0)
        cost[self.cap_idx] = np.where(eligible, aligned["unit_cost"].fillna(0.0), 0.0)
        cost[self.exp_open_idx] = np.where(
            can_grow, grown["expansion_fixed_cost_usd_per_yr"].fillna(0.0), 0.0
        )
        cost[self.exp_cap_idx] = np.where(can_grow, grown["expansion_unit_cost"].fillna(0.0), 0.0)
        lane_cost = inputs.lanes["cost_usd_per_t"].reindex(self.ship_index).to_numpy(float)
        has_lane = ~np.isnan(lane_cost)
        cost[self.ship_idx] = np.where(has_lane, lane_cost, 0.0)
        cost[self.shortfall_idx] = [float(inputs.penalty_usd_per_unit[k]) for k in self.types]
        unsupplied = inputs.unsupplied_cost_usd_per_t
        cost[self.unsupplied_idx] = [float(unsupplied[m]) for _r, m in self.unsupplied_keys]
        cost[self.gap_idx] = [float(inputs.mineral_penalty_usd_per_t[m]) for m in self.gap_keys]
        freight = (
            inputs.product_lanes["freight_usd_per_unit"].reindex(self.deliver_index).to_numpy(float)
        )
        has_product_lane = ~np.isnan(freight)
        cost[self.deliver_idx] = np.where(has_product_lane, freight, 0.0)
        if self.node_keys:
            cost[self.imported_idx] = inputs.nodes["import_freight_usd_per_unit"].to_numpy(float)

        # column bounds
        lower, upper = self.col_lower0.copy(), self.col_upper0.copy()
        lower[self.open_idx] = 0.0
        upper[self.open_idx] = np.where(eligible, 1.0, 0.0)
        lower[self.cap_idx] = 0.0
        upper[self.cap_idx] = np.where(eligible, INF, 0.0)
        lower[self.exp_open_idx] = 0.0
        upper[self.exp_open_idx] = np.where(can_grow, 1.0, 0.0)
        lower[self.exp_cap_idx] = 0.0
        upper[self.exp_cap_idx] = np.where(can_grow, INF, 0.0)
        lower[self.ship_idx] = 0.0
        upper[self.ship_idx] = np.where(has_lane, INF, 0.0)
        lower[self.deliver_idx] = 0.0
        upper[self.deliver_idx] = np.where(has_product_lane, INF, 0.0)

        # row bounds
        row_lower, row_upper = self.row_lower0.copy(), self.row_upper0.copy()
        remaining = {
            k: max(float(inputs.targets[k]) - float(inputs.existing.get(k, 0.0)), 0.0)
            for k in self.types
        }
        row_lower[self.target_row] = [remaining[k] for k in self.types]
        row_upper[self.target_row] = [remaining[k] for k in self.types]
        row_upper[self.labor_row] = (
            inputs.labor_pool_jobs.reindex(self.labor_index).fillna(0.0).to_numpy(float)
        )
        constant: dict[tuple[str, str], float] = {}
        existing = sites.loc[sites["existing_capacity"] > 0, "existing_capacity"]
        for (region_id, k), amount in existing.items():
            for mineral, t in inputs.demand_t_per_unit[k].items():
                if t > 0:
                    constant[region_id, mineral] = (
                        constant.get((region_id, mineral), 0.0) + t * amount
                    )
        if not set(constant) <= self.balance_set:
            return None, None, None
        if self.node_keys:
            with_nodes = sites.index.get_level_values("cluster_type").isin(
                list(inputs.nodes["cluster_type"].unique())
            )
            producing = sites[
                (sites["eligible"] | sites["expansion_eligible"] | (sites["existing_capacity"] > 0))
                & with_nodes
            ]
            if not set(producing.index) <= set(self.output_keys):
                return None, None, None
            share = inputs.nodes["share"].to_numpy(float)
            target = inputs.targets.reindex(inputs.nodes["cluster_type"]).to_numpy(float)
            row_lower[self.market_row] = row_upper[self.market_row] = share * target
            row_lower[self.output_row] = -INF
            row_upper[self.output_row] = (
                sites["existing_capacity"].reindex(self.output_index).fillna(0.0).to_numpy(float)
            )
            row_lower[self.imports_row], row_upper[self.imports_row] = -INF, 0.0
        balance = [constant.get(key, 0.0) for key in self.unsupplied_keys]
        row_lower[self.balance_row] = balance
        row_upper[self.balance_row] = balance
        if len(self.source_keys):
            capacity = inputs.supply["capacity_t_per_yr"].reindex(self.source_keys).to_numpy(float)
            row_upper[self.source_row] = np.where(np.isnan(capacity), INF, capacity)
        shipped = set(zip(*(inputs.lanes.index.get_level_values(i) for i in (0, 1)), strict=True))
        capped = inputs.supply.index[inputs.supply["capacity_t_per_yr"].notna().to_numpy()]
        if not (shipped & set(capped)) <= set(self.source_keys):
            return None, None, None
        site_min = aligned["min_scale"].fillna(0.0).to_numpy(float)
        has_min = self.min_row >= 0
        if np.any(eligible & (site_min > 0) & ~has_min):
            return None, None, None
        row_lower[self.max_row], row_upper[self.max_row] = -INF, 0.0
        row_lower[self.min_row[has_min]] = np.where(site_min[has_min] > 0, 0.0, -INF)
        row_upper[self.min_row[has_min]] = INF
        row_lower[self.exp_row], row_upper[self.exp_row] = -INF, 0.0
        if self.room_keys:
            room = sites["room"].reindex(pd.MultiIndex.from_tuples(self.room_keys))
            row_lower[self.room_row] = -INF
            row_upper[self.room_row] = room.fillna(0.0).to_numpy(float)
        for k, row in self.cluster_rows.items():
            row_upper[row] = float(scenario.max_clusters[k])

        # coefficients
        coef = self.coef0.copy()
        site = self.coef_site
        columns = pd.MultiIndex.from_tuples(self.column_keys)
        per_column = sites.reindex(columns)
        usable = np.concatenate([eligible, can_grow])
        use = usable[site]
        kind = self.coef_kind
        value = np.empty(len(coef))
        value[kind == KIND_MAX] = -aligned["max_scale"].to_numpy(float)[site[kind == KIND_MAX]]
        value[kind == KIND_MIN] = -site_min[site[kind == KIND_MIN]]
        value[kind == KIND_JOBS] = per_column["jobs_per_unit"].to_numpy(float)[
            site[kind == KIND_JOBS]
        ]
        value[kind == KIND_EXP] = -per_column["expansion_limit"].to_numpy(float)[
            site[kind == KIND_EXP]
        ]
        bom = np.flatnonzero(kind == KIND_BOM)
        for j in bom:
            k = self.column_keys[site[j]][1]
            value[j] = -float(
                inputs.demand_t_per_unit[k].get(self.minerals[self.coef_mineral[j]], 0.0)
            )
        # a coefficient of a usable site may not vanish (the entry would move in HiGHS)
        keep_min = (kind == KIND_MIN) & (value == 0)
        use = use & ~keep_min
        if np.any(use & (value == 0)):
            return None, None, None
        for i in np.flatnonzero(usable):
            k = self.column_keys[i][1]
            for mineral, t in inputs.demand_t_per_unit[k].items():
                if t > 0 and (int(i), mineral) not in self.bom_entries:
                    return None, None, None
        coef[use] = value[use]

        return Patch(cost, lower, upper, row_lower, row_upper, coef), eligible, remaining

    # -- solving -------------------------------------------------------------------------------
    def solve(
        self, patch: Patch, mip_start: np.ndarray | None = None, restricted: bool = False
    ) -> Solution:
        """Write ``patch`` into the HiGHS model, run it from scratch, read the outcome.

        ``mip_start``: column values of a solution feasible under ``patch`` (e.g. the unpatched
        optimum for a cost-only change), passed to HiGHS with ``setSolution``.
        ``restricted``: the run only tightens column bounds of the reference and starts from
        its optimum (a forced site): solved with :data:`RESTRICTED_OPTIONS`.
        """
        highs = self.highs
        for option, value in (RESTRICTED_OPTIONS if restricted else DEFAULT_OPTIONS).items():
            highs.setOptionValue(option, value)
        highs.changeColsCost(self.n_col, self._cols, patch.col_cost)
        highs.changeColsBounds(self.n_col, self._cols, patch.col_lower, patch.col_upper)
        highs.changeRowsBounds(self.n_row, self._rows, patch.row_lower, patch.row_upper)
        changed = np.flatnonzero(patch.coef != self.coef_current)
        for j in changed:
            highs.changeCoeff(int(self.coef_row[j]), int(self.coef_col[j]), float(patch.coef[j]))
        self.coef_current[changed] = patch.coef[changed]
        highs.clearSolver()
        if mip_start is not None:
            start = highspy.HighsSolution()
            start.col_value = list(mip_start)
            start.value_valid = True
            highs.setSolution(start)
        begin = time.perf_counter()
        highs.run()
        seconds = time.perf_counter() - begin
        status = solution_status(highs)
        info = highs.getInfo()
        if status not in ("optimal", "feasible"):
            return Solution(status, None, None, None, seconds)
        x = np.asarray(highs.getSolution().col_value, dtype=float)
        gap = float(info.mip_gap) if np.isfinite(info.mip_gap) else None
        return Solution(status, float(info.objective_function_value), gap, x, seconds)
