"""Re-solve the siting MILP many times without rebuilding it (regret, sweeps, Monte Carlo).

A :class:`CompiledModel` transfers a :class:`~optimizer.model.ClusterModel` to HiGHS once, through
PuLP (which sets ``var.index`` = column and ``constraint.index`` = row), and keeps the maps from
real ids to columns and rows. One run is then a :class:`Patch` written into the same
``highspy.Highs`` object: all objective costs (``changeColsCost``), all column bounds
(``changeColsBounds``: forced sites, sites a variant excludes), all row bounds
(``changeRowsBounds``: targets, market nodes, labor limits, mineral balances, source limits) and
the matrix
coefficients that technology figures drive (``changeCoeff``: min/max scale, jobs per unit, bill of
materials). Every run writes every patchable value, so a run's model depends only on the run, not
on the runs the same object solved before; ``clearSolver`` drops the previous basis and incumbent.
Results therefore do not depend on which worker solved a run or in which order.

A variant whose structure the compiled model cannot express (a site or lane it lacks, another
cluster-count or domestic-share rule) is rebuilt from scratch; ``payload["mode"]`` says which.
Build the compiled model on an *envelope* (the permissive end of the eligibility figures, see
:func:`optimizer.run_specs.envelope_overrides`) so sampled variants rarely need a rebuild.

Runs are described by plain JSON specs (``optimizer.run_specs``) and return small JSON payloads
(``optimizer.payload.summarize``): KPIs, objective cost terms and new capacity by (region, type) —
never whole Results.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import highspy
import numpy as np
import pandas as pd
import pulp

from regions import RegionData

from .coefficients import (
    ModelInputs,
    model_inputs,
)
from .model import ClusterModel, build_model
from .payload import COST_KEYS, VALUE_TOLERANCE, objective_keys, summarize
from .run_specs import (
    ELIGIBILITY_FIGURES,
    InputsCache,
    apply_spec,
    changes_model,
    envelope_overrides,
)
from .scenario import Scenario
from .solve import highs_mip_options, max_objective_coefficient, silence_highs_banner
from .technology import TechnologyData

INF = highspy.kHighsInf
ANALYSIS_MIP_GAP = 1e-6
"""Relative MIP gap of analysis runs: regrets and deltas are differences of objectives, so the
default scenario gap (1e-4, i.e. millions of USD/yr) would swamp them."""
_KIND_MAX, _KIND_MIN, _KIND_JOBS, _KIND_BOM, _KIND_EXP = 0, 1, 2, 3, 4


@dataclass(frozen=True)
class SolveOptions:
    """HiGHS options for analysis runs: relative MIP gap, time limit [s], threads."""

    mip_gap: float = ANALYSIS_MIP_GAP
    time_limit_s: float = 120.0
    threads: int = 1

    @classmethod
    def for_scenario(cls, scenario: Scenario, mip_gap: float | None = None) -> SolveOptions:
        """The scenario's time limit and threads, with gap ``min(scenario gap, mip_gap)``."""
        gap = ANALYSIS_MIP_GAP if mip_gap is None else mip_gap
        return cls(
            min(scenario.solver.mip_gap, gap), scenario.solver.time_limit_s, scenario.solver.threads
        )


@dataclass
class Solution:
    """One HiGHS run: status ('optimal', 'feasible', 'infeasible', 'unbounded', 'no_solution'),
    objective [USD/yr], relative gap, column values (None without a solution), seconds."""

    status: str
    objective: float | None
    mip_gap: float | None
    x: np.ndarray | None
    seconds: float

    @property
    def has_solution(self) -> bool:
        """True when ``x`` may be read."""
        return self.status in ("optimal", "feasible")


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


def _status(highs: highspy.Highs) -> str:
    model_status = highs.getModelStatus()
    statuses = highspy.HighsModelStatus
    feasible = highs.getInfo().primal_solution_status == 2  # kSolutionStatusFeasible
    if model_status == statuses.kOptimal:
        return "optimal"
    if model_status in (statuses.kInfeasible, statuses.kUnboundedOrInfeasible):
        return "infeasible"
    if model_status == statuses.kUnbounded:
        return "unbounded"
    return "feasible" if feasible else "no_solution"


class CompiledModel:
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
        self.inputs = model.inputs
        lp = self.highs.getLp()
        self.n_col, self.n_row = int(lp.num_col_), int(lp.num_row_)
        self.col_cost0 = np.asarray(lp.col_cost_, dtype=float)
        self.col_lower0 = np.asarray(lp.col_lower_, dtype=float)
        self.col_upper0 = np.asarray(lp.col_upper_, dtype=float)
        self.row_lower0 = np.asarray(lp.row_lower_, dtype=float)
        self.row_upper0 = np.asarray(lp.row_upper_, dtype=float)
        self._cols = np.arange(self.n_col, dtype=np.int32)
        self._rows = np.arange(self.n_row, dtype=np.int32)
        self.structure = (dict(scenario.max_clusters), dict(scenario.min_domestic_share))
        self.reference: tuple[Patch, np.ndarray] | None = None
        """(patch, solution) of the unmodified scenario, for MIP starts."""
        self._memo: tuple | None = None
        self._summary_memo: tuple | None = None

        self.sites: list[tuple[str, str]] = list(model.open)
        self.site_index = pd.MultiIndex.from_tuples(self.sites, names=["region_id", "cluster_type"])
        self.site_set = set(self.sites)
        self.site_pos = {key: i for i, key in enumerate(self.sites)}
        self.open_idx = np.array([model.open[s].index for s in self.sites], dtype=np.int64)
        self.cap_idx = np.array([model.capacity[s].index for s in self.sites], dtype=np.int64)
        self.exp_sites: list[tuple[str, str]] = list(model.expansion)
        self.exp_index = pd.MultiIndex.from_tuples(
            self.exp_sites, names=["region_id", "cluster_type"]
        )
        self.exp_set = set(self.exp_sites)
        self.exp_open_idx = np.array(
            [model.expand_open[s].index for s in self.exp_sites], dtype=np.int64
        )
        self.exp_cap_idx = np.array(
            [model.expansion[s].index for s in self.exp_sites], dtype=np.int64
        )
        self.exp_row = np.array(
            [model.constraints["expansion_limit"][s].index for s in self.exp_sites], dtype=np.int64
        )
        self.room_keys = list(model.constraints.get("room", {}))
        self.room_set = set(self.room_keys)
        self.room_row = np.array(
            [model.constraints["room"][s].index for s in self.room_keys], dtype=np.int64
        )
        self.ship_keys = list(model.ship)
        self.ship_index = pd.MultiIndex.from_tuples(
            self.ship_keys, names=["source_id", "mineral", "region_id"]
        )
        self.ship_set = set(self.ship_keys)
        self.ship_idx = np.array([model.ship[s].index for s in self.ship_keys], dtype=np.int64)
        self.groups = sorted({(r, m) for _s, m, r in self.ship_keys})
        group_of = {g: i for i, g in enumerate(self.groups)}
        self.group_of = group_of
        self.ship_group = np.array(
            [group_of[(r, m)] for _s, m, r in self.ship_keys], dtype=np.int64
        )
        self.types = list(model.shortfall)
        self.shortfall_idx = np.array(
            [model.shortfall[k].index for k in self.types], dtype=np.int64
        )
        self.target_row = np.array(
            [model.constraints["target"][k].index for k in self.types], dtype=np.int64
        )
        self.unsupplied_keys = list(model.unsupplied)
        self.unsupplied_idx = np.array(
            [model.unsupplied[key].index for key in self.unsupplied_keys], dtype=np.int64
        )
        self.balance_row = np.array(
            [model.constraints["mineral_balance"][key].index for key in self.unsupplied_keys],
            dtype=np.int64,
        )
        self.balance_set = set(self.unsupplied_keys)
        self.source_keys = list(model.constraints.get("source_limit", {}))
        self.source_row = np.array(
            [model.constraints["source_limit"][key].index for key in self.source_keys],
            dtype=np.int64,
        )
        self.labor_keys = list(model.constraints.get("labor", {}))
        self.labor_index = pd.MultiIndex.from_tuples(
            self.labor_keys, names=["region_id", "cluster_type"]
        )
        self.labor_row = np.array(
            [model.constraints["labor"][key].index for key in self.labor_keys], dtype=np.int64
        )
        self.gap_keys = list(model.share_gap)
        self.gap_idx = np.array([model.share_gap[m].index for m in self.gap_keys], dtype=np.int64)
        self.max_row = np.array(
            [model.constraints["max_scale"][s].index for s in self.sites], dtype=np.int64
        )
        min_rows = model.constraints.get("min_scale", {})
        self.min_row = np.array(
            [min_rows[s].index if s in min_rows else -1 for s in self.sites], dtype=np.int64
        )
        self.deliver_keys = list(model.deliver)
        self.deliver_index = pd.MultiIndex.from_tuples(
            self.deliver_keys, names=["region_id", "cluster_type", "node_id"]
        )
        self.deliver_set = set(self.deliver_keys)
        self.deliver_idx = np.array([model.deliver[k].index for k in self.deliver_keys], dtype=int)
        self.node_keys = list(model.imported)
        self.imported_idx = np.array([model.imported[j].index for j in self.node_keys], dtype=int)
        self.market_row = np.array(
            [model.constraints["market"][j].index for j in self.node_keys], dtype=np.int64
        )
        self.output_keys = list(model.constraints.get("output", {}))
        self.output_index = pd.MultiIndex.from_tuples(
            self.output_keys, names=["region_id", "cluster_type"]
        )
        self.output_row = np.array(
            [model.constraints["output"][k].index for k in self.output_keys], dtype=np.int64
        )
        self.import_types = list(model.constraints.get("imports", {}))
        self.imports_row = np.array(
            [model.constraints["imports"][k].index for k in self.import_types], dtype=np.int64
        )
        self.cluster_rows = {
            k: row.index for k, row in model.constraints.get("max_clusters", {}).items()
        }
        self.share_rows = [
            row.index for row in model.constraints.get("domestic_share", {}).values()
        ]
        self._build_entries(lp)

    def _build_entries(self, lp: highspy.HighsLp) -> None:
        """Matrix entries a variant may change: (row, col, kind, site, mineral)."""
        matrix = lp.a_matrix_
        start = np.asarray(matrix.start_)
        index = np.asarray(matrix.index_)
        value = np.asarray(matrix.value_)
        major = np.repeat(np.arange(len(start) - 1), np.diff(start))
        if matrix.format_ == highspy.MatrixFormat.kRowwise:
            entries = dict(
                zip(zip(major.tolist(), index.tolist(), strict=True), value, strict=True)
            )
        else:
            entries = dict(
                zip(zip(index.tolist(), major.tolist(), strict=True), value, strict=True)
            )
        rows, cols, kinds, sites, minerals = [], [], [], [], []
        labor_row = dict(zip(self.labor_keys, self.labor_row.tolist(), strict=True))
        balance_row = dict(zip(self.unsupplied_keys, self.balance_row.tolist(), strict=True))
        self.minerals = sorted({m for _r, m in self.unsupplied_keys})
        mineral_pos = {m: i for i, m in enumerate(self.minerals)}

        def add(row: int, col: int, kind: int, site: int, mineral: int = -1) -> None:
            rows.append(row)
            cols.append(col)
            kinds.append(kind)
            sites.append(site)
            minerals.append(mineral)

        n = len(self.sites)
        for i in range(len(self.sites)):
            add(self.max_row[i], self.open_idx[i], _KIND_MAX, i)
            if self.min_row[i] >= 0:
                add(self.min_row[i], self.open_idx[i], _KIND_MIN, i)
        # capacity columns: greenfield sites are 0..n-1, expansions n..n+len(exp_sites)-1
        columns = [
            *zip(self.sites, self.cap_idx, strict=True),
            *zip(self.exp_sites, self.exp_cap_idx, strict=True),
        ]
        for i, (key, col) in enumerate(columns):
            add(labor_row[key], col, _KIND_JOBS, i)
            for mineral in self.minerals:
                row = balance_row.get((key[0], mineral))
                if row is not None and (row, col) in entries:
                    add(row, col, _KIND_BOM, i, mineral_pos[mineral])
        for j, _key in enumerate(self.exp_sites):
            add(self.exp_row[j], self.exp_open_idx[j], _KIND_EXP, n + j)
        self.coef_row = np.array(rows, dtype=np.int64)
        self.coef_col = np.array(cols, dtype=np.int64)
        self.coef_kind = np.array(kinds, dtype=np.int64)
        self.coef_site = np.array(sites, dtype=np.int64)
        self.coef_mineral = np.array(minerals, dtype=np.int64)
        self.coef0 = np.array(
            [entries[(r, c)] for r, c in zip(rows, cols, strict=True)], dtype=float
        )
        self.coef_current = self.coef0.copy()
        self.bom_entries = {
            (int(s), self.minerals[m])
            for s, m, k in zip(self.coef_site, self.coef_mineral, self.coef_kind, strict=True)
            if k == _KIND_BOM
        }
        self.column_keys = [*self.sites, *self.exp_sites]
        """Keys of the capacity columns that ``coef_site`` numbers (greenfield, then expansion)."""

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
        eligible_keys = sites.index[sites["eligible"].to_numpy(bool)]
        if not set(eligible_keys) <= self.site_set:
            return None, None, None
        expandable = set(sites.index[sites["expansion_eligible"].to_numpy(bool)])
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
            inputs.labor_limit_jobs.reindex(self.labor_index).fillna(0.0).to_numpy(float)
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
            producing = sites[
                sites["eligible"] | sites["expansion_eligible"] | (sites["existing_capacity"] > 0)
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
        value[kind == _KIND_MAX] = -aligned["max_scale"].to_numpy(float)[site[kind == _KIND_MAX]]
        value[kind == _KIND_MIN] = -site_min[site[kind == _KIND_MIN]]
        value[kind == _KIND_JOBS] = per_column["jobs_per_unit"].to_numpy(float)[
            site[kind == _KIND_JOBS]
        ]
        value[kind == _KIND_EXP] = -per_column["expansion_limit"].to_numpy(float)[
            site[kind == _KIND_EXP]
        ]
        bom = np.flatnonzero(kind == _KIND_BOM)
        for j in bom:
            k = self.column_keys[site[j]][1]
            value[j] = -float(
                inputs.demand_t_per_unit[k].get(self.minerals[self.coef_mineral[j]], 0.0)
            )
        # a coefficient of a usable site may not vanish (the entry would move in HiGHS)
        keep_min = (kind == _KIND_MIN) & (value == 0)
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
    def solve(self, patch: Patch, mip_start: np.ndarray | None = None) -> Solution:
        """Write ``patch`` into the HiGHS model, run it from scratch, read the outcome.

        ``mip_start``: column values of a solution feasible under ``patch`` (e.g. the unpatched
        optimum for a cost-only change), passed to HiGHS with ``setSolution``.
        """
        highs = self.highs
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
        status = _status(highs)
        info = highs.getInfo()
        if status not in ("optimal", "feasible"):
            return Solution(status, None, None, None, seconds)
        x = np.asarray(highs.getSolution().col_value, dtype=float)
        gap = float(info.mip_gap) if np.isfinite(info.mip_gap) else None
        return Solution(status, float(info.objective_function_value), gap, x, seconds)


@dataclass
class Evaluator:
    """Solves run specs for one (scenario, data, tech), compiling each model structure once.

    ``reuse=False`` rebuilds inputs, PuLP model and HiGHS model for every run (the reference).
    ``mip_start=True`` passes the optimum of the unmodified scenario as MIP start (HiGHS
    ``setSolution``) to runs that change only objective costs — always that solution, never the
    previous run's, so results stay independent of the order of runs.
    """

    scenario: Scenario
    data: RegionData
    tech: TechnologyData
    options: SolveOptions
    reuse: bool = True
    mip_start: bool = False
    _compiled: dict = field(default_factory=dict, repr=False)
    _inputs: ModelInputs | None = field(default=None, repr=False)
    _zones: dict | None = field(default=None, repr=False)
    _fast_inputs: InputsCache = field(default_factory=InputsCache, repr=False)

    @property
    def base_inputs(self) -> ModelInputs:
        """Coefficient tables of the unmodified scenario."""
        if self._inputs is None:
            self._inputs = model_inputs(self.data, self.scenario, self.tech)
        return self._inputs

    def zones(self, data: RegionData) -> dict[str, tuple[str, ...]]:
        """Zone members by zone id."""
        if data is self.data:
            if self._zones is None:
                self._zones = {z: tuple(data.zone_members(z)) for z in data.zones}
            return self._zones
        return {z: tuple(data.zone_members(z)) for z in data.zones}

    def compiled(self, envelope: Sequence | None = None) -> CompiledModel:
        """The compiled model of the base scenario (with ``envelope`` tech overrides), cached."""
        key = repr(envelope or [])
        if key not in self._compiled:
            if envelope:
                tech = self.tech.with_overrides({(k, n): float(v) for k, n, v in envelope})
                inputs = model_inputs(self.data, self.scenario, tech)
            else:
                tech, inputs = self.tech, self.base_inputs
            model = build_model(self.data, self.scenario, tech, inputs=inputs)
            self._compiled[key] = CompiledModel(model, self.scenario, self.options)
        return self._compiled[key]

    def run(self, spec: Mapping) -> dict:
        """Solve one run spec; return its payload (with ``mode`` and ``seconds``)."""
        begin = time.perf_counter()
        scenario, data, tech = apply_spec(self.scenario, self.data, self.tech, spec)
        force = spec.get("force")
        mode = "rebuild"
        patch = compiled = None
        if self.reuse:
            compiled = self.compiled(spec.get("envelope"))
            inputs = (
                self._fast_inputs(data, scenario, tech) if changes_model(spec) else self.base_inputs
            )
            patch = compiled.patch(inputs, scenario, force)
            mode = "reuse" if patch is not None else "rebuild (structure changed)"
        if patch is None:
            inputs = model_inputs(data, scenario, tech)
            model = build_model(data, scenario, tech, inputs=inputs)
            compiled = CompiledModel(model, scenario, self.options)
            patch = compiled.patch(inputs, scenario, force)
            if patch is None:  # pragma: no cover - a model always matches its own structure
                raise RuntimeError("a freshly built model does not match its own inputs")
        start = None
        if self.mip_start and mode == "reuse" and force is None:
            if compiled.reference is None:
                base = compiled.patch(self.base_inputs, self.scenario)
                reference = compiled.solve(base) if base is not None else None
                if reference is not None and reference.has_solution:
                    compiled.reference = (base, reference.x)
            if compiled.reference is not None and patch.same_constraints(compiled.reference[0]):
                start = compiled.reference[1]
        solution = compiled.solve(patch, mip_start=start)
        payload = summarize(compiled, inputs, tech, self.zones(data), solution)
        payload["mode"] = mode
        payload["seconds"] = time.perf_counter() - begin
        return payload


_LOCAL = threading.local()
EVALUATORS_PER_THREAD = 4


def evaluator_for(key: str, factory) -> Evaluator:
    """The calling thread's Evaluator for ``key``, made by ``factory()`` on first use.

    Each thread keeps the few most recently used (HiGHS objects are not shared across threads).
    """
    cache = getattr(_LOCAL, "cache", None)
    if cache is None:
        cache = _LOCAL.cache = {}
    if key in cache:
        cache[key] = cache.pop(key)  # most recently used last
    else:
        while len(cache) >= EVALUATORS_PER_THREAD:
            cache.pop(next(iter(cache)))
        cache[key] = factory()
    return cache[key]


__all__ = [
    "ANALYSIS_MIP_GAP",
    "COST_KEYS",
    "ELIGIBILITY_FIGURES",
    "VALUE_TOLERANCE",
    "changes_model",
    "objective_keys",
    "CompiledModel",
    "Evaluator",
    "InputsCache",
    "Patch",
    "Solution",
    "SolveOptions",
    "apply_spec",
    "envelope_overrides",
    "evaluator_for",
    "summarize",
]
