"""Near-optimal alternatives (modelling to generate alternatives).

Solve the optimum C*; then for each slack ε and goal, bound the cost (the scenario's
objective, penalties included) so that it stays within ``(1 + ε)·C*`` and replace the objective
by the goal:

- ``min_overlap``: minimise Σ_k Σ_{(r,k) ∈ optimum's sites} new[r,k] / need[k] (move capacity
  out of the optimum's (state, type) sites),
- ``max_states``: maximise Σ_{r,k} u[r,k] with 0 ≤ u ≤ 1, u ≤ new[r,k] / min_scale[k] and
  u ≤ open[r,k] + expand_open[r,k] (the number of (state, type) sites holding at least a
  minimum-scale plant's worth of new capacity),
- ``max_zone:<zone>[:<type>]`` / ``max_state:<id>[:<type>]``: maximise Σ_k new capacity in the
  zone's states (or one state) / need[k], for every type or one,

where new = greenfield + expansion capacity and need[k] = target − existing. Each type's
shortfall stays at most the optimum's, so every alternative meets the same targets.

The model may fall into independent parts (types that share no row); parts one goal spans are
joined, so the goal's part gets the whole slack and every other part keeps its optimal plan
(``optimizer.analyses.alternatives_parts``): the true optimum of the goal within (1 + ε)·C*.

Two stages per plan and part (lexicographic): first the goal is optimised within the budget (to
a relative MIP gap of ``GOAL_MIP_GAP``); then, with the goal held at what stage one reached,
cost is minimised (to ``COST_MIP_GAP``), so each plan is the cheapest one reaching its goal (its
shipments the cheapest for it) rather than any plan inside the slack. The plan is read with the
normal extraction (cost views, jobs, sites).

Speed: each part goes to HiGHS once (``optimizer.runs.highs_session``); each solve changes only the
objective and bounds and starts from a known feasible plan (stage one from the optimum, stage
two from stage one's plan). Slacks are taken widest first: when the plan found at a wider slack
fits a narrower slack's budgets, it is that slack's plan too (no plan within the narrower
budgets reaches further, and it is the cheapest reaching that level), so a flat cost surface
needs two solves per goal and part, not two per goal, part and slack.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pulp

from regions import RegionData
from regions.suggest import did_you_mean, region_hint

from ..api import _default_data, _default_tech, result_from_model
from ..model.milp import ClusterModel, build_model
from ..model.result import Result
from ..model.scenario import Scenario, load_scenario
from ..model.solve import run_solver
from ..model.technology import CLUSTER_TYPES, TechnologyData
from .alternatives_parts import budgets, fits, solve_goal, split
from .reality import RealityGap, reality_gap

OPTIMUM = "optimum"
CAPACITY_TOLERANCE = 1e-6
"""New capacity [type unit/yr] below which a site counts as not built."""
GOAL_MIP_GAP = 0.05
"""Relative MIP gap of stage one (the goal, not the cost): each plan reaches at least 95 % of
the best goal level within its budget. The cost bound is a constraint and holds exactly whatever
this gap; stage two minimises cost to COST_MIP_GAP."""
COST_MIP_GAP = 1e-3
"""Relative MIP gap of stage two (cost with the goal held): each plan costs within 0.1 % of the
cheapest plan reaching its goal level. Its reported cost is its own, exact; the bound holds."""
GOALS = ("min_overlap", "max_states", "max_zone", "max_state")


@dataclass(frozen=True)
class AlternativesResult:
    """The optimum and its near-optimal alternatives.

    Attributes:
        plans: one row per plan (``optimum`` first, then ``<goal>@<slack>``): ``goal``,
            ``slack``, ``status``, ``cost_usd_per_yr`` (the scenario's objective view),
            ``cost_increase_pct`` (over the optimum), ``system_cost_usd_per_yr``,
            ``investor_cost_usd_per_yr``, ``public_outlay_usd_per_yr``, ``jobs``, ``n_sites``,
            ``overlap`` (share of new capacity in the optimum's sites, mean over types),
            ``states`` (where it builds).
        sites: new capacity by plan, state and type, with mode, jobs and the three cost views.
        frequency: per state, in how many plans it gets new capacity of each type and of any
            type (``any``), and ``share`` = any / number of plans.
        results: the full Result of each solved plan.
        reality: with ``announced``, the announced plan costed against the optimum
            (``optimizer.analyses.reality``): is what really happened within a slack?
    """

    plans: pd.DataFrame
    sites: pd.DataFrame
    frequency: pd.DataFrame
    results: dict[str, Result]
    reality: RealityGap | None = None

    @property
    def optimum_usd_per_yr(self) -> float:
        """Objective of the optimum [USD/yr]."""
        return float(self.plans.at[OPTIMUM, "cost_usd_per_yr"])

    def summary(self) -> str:
        """One sentence per plan: goal, slack, cost over the optimum, states, overlap."""
        lines = [f"Optimum: {self.optimum_usd_per_yr:,.0f} USD/yr; {self._where(OPTIMUM)}."]
        for plan_id, row in self.plans.drop(OPTIMUM).iterrows():
            if row["status"] not in ("optimal", "feasible"):
                lines.append(f"{plan_id}: no plan ({row['status']}).")
                continue
            lines.append(
                f"{plan_id}: +{row['cost_increase_pct']:.2f} % cost "
                f"(slack {row['slack']:.0%}), {row['overlap']:.0%} of new capacity in the "
                f"optimum's sites; {self._where(plan_id)}."
            )
        top = self.frequency[self.frequency["any"] > 0].head(8)
        lines.append(
            "States in most plans: "
            + ", ".join(f"{r} {int(row['any'])}/{len(self.results)}" for r, row in top.iterrows())
            + "."
        )
        if self.reality is not None:
            lines.append(self.reality_sentence())
        return "\n".join(lines)

    def reality_sentence(self) -> str:
        """Whether the announced plan lies within each slack of this run."""
        gap = float(self.reality.table.at["all", "gap_pct"])
        slacks = sorted(set(self.plans["slack"]) - {0.0})
        inside = [f"{s:.0%}" for s in slacks if gap <= 100 * s + 1e-9]
        where = (
            f"within the {', '.join(inside)} slack{'s' if len(inside) > 1 else ''}: it is one of "
            "the near-optimal plans there"
            if inside
            else "beyond every slack of this run"
        )
        return f"What really happened (the announced plan) costs {gap:+.2f} % over the optimum, {where}."

    def _where(self, plan_id: str) -> str:
        built = self.sites[self.sites["plan_id"] == plan_id]
        parts = []
        for k, group in built.groupby("cluster_type", sort=False):
            items = ", ".join(
                f"{r} {c:,.4g}" for r, c in zip(group.region_id, group.new_capacity, strict=True)
            )
            parts.append(f"{k}: {items}")
        return "; ".join(parts) or "nothing new"


def alternatives(
    scenario: str | Path | Scenario,
    slacks: Sequence[float] = (0.01, 0.02, 0.05),
    objectives: Sequence[str] = ("min_overlap", "max_states", "max_zone:great-lakes"),
    data: RegionData | None = None,
    tech: TechnologyData | None = None,
    *,
    announced: pd.DataFrame | None = None,
    on_step: Callable[[str, str], None] | None = None,
) -> AlternativesResult:
    """Plans within each cost slack that differ as much as possible from the optimum.

    Args:
        scenario: built-in name, TOML path or Scenario.
        slacks: cost slacks ε ≥ 0 (fractions of the optimum: 0.02 = 2 %).
        objectives: goals (see the module docstring), e.g. ``"max_zone:south:battery"``.
        data, tech: region and technology data (default: embedded).
        announced: capacity really announced (``region_id``, ``cluster_type``, ``capacity``, e.g.
            ``optimizer.analyses.hindcast.announced_between``), to say whether it lies within each slack;
            meaningful for a scenario whose targets are that capacity (a hindcast scenario).
        on_step: called with (plan id, status) after the optimum and after each plan, for a
            caller's progress display (one call per goal and slack).

    >>> alt = alternatives("baseline", slacks=(0.02,))       # doctest: +SKIP
    >>> print(alt.summary())                                 # doctest: +SKIP
    """
    scenario = load_scenario(scenario)
    data = data if data is not None else _default_data(None)
    tech = tech if tech is not None else _default_tech(None)
    for slack in slacks:
        if not (isinstance(slack, (int, float)) and math.isfinite(slack) and slack >= 0):
            raise ValueError(f"slack must be a finite number ≥ 0, got {slack!r}")
    for goal in objectives:
        check_goal(goal, data)
    model = build_model(data, scenario, tech)
    cost = model.problem.objective
    outcome = run_solver(model.problem, scenario.solver)
    if not outcome[0].has_solution:
        raise RuntimeError(f"the optimum has no solution: {outcome[0].value}")
    results = {OPTIMUM: result_from_model(model, scenario, data, tech, outcome, with_duals=False)}
    step = on_step or (lambda plan, status: None)
    step(OPTIMUM, outcome[0].value)
    reality = (
        reality_gap(scenario, data, tech, announced, results[OPTIMUM])
        if announced is not None
        else None
    )
    optimum = float(cost.value())
    base_sites = new_by_site(model)
    shortfall = {k: max(float(v.value() or 0.0), 0.0) for k, v in model.shortfall.items()}
    need = {
        k: max(float(model.inputs.targets[k] - model.inputs.existing.get(k, 0.0)), 0.0)
        for k in model.inputs.targets.index
    }
    statuses = {OPTIMUM: outcome[0].value}
    uses_counters = any(goal.split(":")[0] == "max_states" for goal in objectives)
    counters = add_site_counters(model) if uses_counters else {}
    align_counters(model, counters)
    exprs = {
        goal: goal_expression(model, goal, base_sites, need, data, counters) for goal in objectives
    }
    parts = split(model.problem, cost, exprs, scenario.solver)
    slacks = sorted({float(s) for s in slacks}, reverse=True)
    meta = {OPTIMUM: ("optimum", 0.0)}
    for slack in sorted(slacks):
        meta.update({f"{goal}@{slack:g}": (goal, slack) for goal in exprs})
    for goal in exprs:
        widest: tuple[dict[int, float], str] | None = None  # part costs, plan id at a wider slack
        for slack in slacks:  # widest first
            plan_id = f"{goal}@{slack:g}"
            room = budgets(parts, goal, slack, optimum)
            if widest is not None and fits(parts, widest[0], room):
                # the cheapest plan reaching the goal's best level at a wider slack fits this
                # slack's budgets, and no plan within them can reach further: it is this
                # slack's plan too
                results[plan_id], statuses[plan_id] = results[widest[1]], statuses[widest[1]]
                step(plan_id, f"{statuses[plan_id]} (the plan of slack {widest[1]})")
                continue
            with shortfall_cap(model, shortfall):
                found, spent = solve_goal(parts, goal, room, GOAL_MIP_GAP, COST_MIP_GAP)
            statuses[plan_id] = found[0].value
            if found[0].has_solution:
                results[plan_id] = result_from_model(
                    model, scenario, data, tech, found, with_duals=False
                )
                widest = (spent, plan_id)
            step(plan_id, statuses[plan_id])
    found = summarise(results, statuses, meta, optimum, base_sites)
    return dataclasses.replace(found, reality=reality)


def check_goal(goal: str, data: RegionData) -> None:
    """Raise ValueError naming the problem when ``goal`` is not a known goal with valid ids."""
    name, *args = goal.split(":")
    if name not in GOALS:
        raise ValueError(f"unknown goal {goal!r}; known: {', '.join(GOALS)}")
    needs_place = name in ("max_zone", "max_state")
    if (needs_place and not 1 <= len(args) <= 2) or (not needs_place and args):
        raise ValueError(f"goal {goal!r}: write {name}" + (":<id>[:<type>]" if needs_place else ""))
    if name == "max_zone" and args[0] not in data.zones:
        raise ValueError(
            f"goal {goal!r}: unknown zone {args[0]!r}; known: {', '.join(data.zones)}"
            + did_you_mean(args[0], data.zones)
        )
    if name == "max_state" and args[0] not in data.regions.index:
        hint = region_hint(args[0], data.regions["name"].to_dict())
        raise ValueError(f"goal {goal!r}: unknown region {args[0]!r}{hint}")
    if needs_place and len(args) == 2 and args[1] not in CLUSTER_TYPES:
        raise ValueError(f"goal {goal!r}: unknown cluster type {args[1]!r}")


def new_by_site(model: ClusterModel) -> dict[tuple[str, str], tuple[float, float]]:
    """(greenfield, expansion) new capacity of every site in the current solution."""
    out = {}
    for key in dict.fromkeys([*model.capacity, *model.expansion]):
        values = [
            max(float(v[key].value() or 0.0), 0.0) if key in v else 0.0
            for v in (model.capacity, model.expansion)
        ]
        out[key] = (values[0], values[1])
    return out


def _new(model: ClusterModel, key: tuple[str, str]) -> pulp.LpAffineExpression:
    return pulp.LpAffineExpression(model.new_capacity_terms(key))


def goal_expression(
    model: ClusterModel,
    goal: str,
    base: dict[tuple[str, str], tuple[float, float]],
    need: dict[str, float],
    data: RegionData,
    counters: dict[tuple[str, str], pulp.LpVariable],
) -> tuple[pulp.LpAffineExpression, int]:
    """(expression, sense) of a goal; sense is pulp.LpMinimize or LpMaximize."""
    name, *args = goal.split(":")
    keys = list(dict.fromkeys([*model.capacity, *model.expansion]))
    weight = {k: 1.0 / need[k] for k in need if need[k] > 0}
    if name == "min_overlap":
        chosen = [key for key in keys if sum(base.get(key, (0, 0))) > CAPACITY_TOLERANCE]
        expr = pulp.lpSum(_new(model, key) * weight.get(key[1], 0.0) for key in chosen)
        return expr, pulp.LpMinimize
    if name == "max_states":
        return pulp.lpSum(counters.values()), pulp.LpMaximize
    members = set(data.zone_members(args[0])) if name == "max_zone" else {args[0]}
    types = {args[1]} if len(args) == 2 else set(weight)
    expr = pulp.lpSum(
        _new(model, key) * weight.get(key[1], 0.0)
        for key in keys
        if key[0] in members and key[1] in types
    )
    return expr, pulp.LpMaximize


def align_counters(model: ClusterModel, counters: dict[tuple[str, str], pulp.LpVariable]) -> None:
    """Give each counter its value at the optimum, min(1, new / min_scale), so the optimum's
    column values are a feasible start for every goal."""
    sites = model.inputs.sites
    for key, u in counters.items():
        scale = max(float(sites.at[key, "min_scale"]), CAPACITY_TOLERANCE)
        new = sum(max(float(v.value() or 0.0), 0.0) for v, _ in model.new_capacity_terms(key))
        u.varValue = min(1.0, new / scale)


def add_site_counters(model: ClusterModel) -> dict[tuple[str, str], pulp.LpVariable]:
    """u[r,k] ∈ [0, 1] with min_scale[k]·u[r,k] ≤ new[r,k]: a site's count toward max_states;
    and u[r,k] ≤ open[r,k] + expand_open[r,k], which any plan meets (no new capacity without a
    binary at 1) but which makes the LP bound pay a site's full fixed cost for each count, so
    HiGHS proves the count far sooner.

    Added once; outside the max_states objective they only bound free helper variables, so
    they change no other solve.
    """
    sites = model.inputs.sites
    counters = {}
    for key in dict.fromkeys([*model.capacity, *model.expansion]):
        u = pulp.LpVariable(f"alt_site_{key[1]}_{key[0]}", lowBound=0, upBound=1)
        scale = max(float(sites.at[key, "min_scale"]), CAPACITY_TOLERANCE)
        model.problem.addConstraint(
            u * scale - _new(model, key) <= 0, f"alt_site_{key[1]}_{key[0]}"
        )
        binaries = [v[key] for v in (model.open, model.expand_open) if key in v]
        model.problem.addConstraint(
            pulp.LpAffineExpression([(u, 1.0), *((b, -1.0) for b in binaries)]) <= 0,
            f"alt_site_open_{key[1]}_{key[0]}",
        )
        counters[key] = u
    return counters


@contextmanager
def shortfall_cap(model: ClusterModel, shortfall: dict[str, float]) -> Iterator[None]:
    """Cap each type's shortfall at the optimum's, so an alternative meets the same targets."""
    saved = {k: var.upBound for k, var in model.shortfall.items()}
    for k, var in model.shortfall.items():
        var.upBound = shortfall.get(k, 0.0)
    try:
        yield
    finally:
        for k, var in model.shortfall.items():
            var.upBound = saved[k]


def summarise(
    results: dict[str, Result],
    statuses: dict[str, str],
    meta: dict[str, tuple[str, float]],
    optimum: float,
    base: dict[tuple[str, str], tuple[float, float]],
) -> AlternativesResult:
    """Plans, sites and frequency tables from the solved plans."""
    base_keys = {key for key, v in base.items() if sum(v) > CAPACITY_TOLERANCE}
    rows, site_frames = {}, []
    for plan_id, (goal, slack) in meta.items():
        row = {"goal": goal, "slack": slack, "status": statuses[plan_id]}
        result = results.get(plan_id)
        if result is not None:
            built = result.sites[result.sites["new_capacity"] > CAPACITY_TOLERANCE]
            cost = float(result.report.objective)
            overlaps = []
            for _k, group in built.groupby("cluster_type"):
                keys = list(zip(group.region_id, group.cluster_type, strict=True))
                inside = group["new_capacity"][[key in base_keys for key in keys]].sum()
                overlaps.append(inside / group["new_capacity"].sum())
            row |= {
                "cost_usd_per_yr": cost,
                "cost_increase_pct": (cost / optimum - 1) * 100 if optimum else float("nan"),
                "system_cost_usd_per_yr": result.kpi("system_cost"),
                "investor_cost_usd_per_yr": result.kpi("investor_cost"),
                "public_outlay_usd_per_yr": result.kpi("public_outlay"),
                "jobs": result.kpi("jobs"),
                "n_sites": len(built),
                "overlap": sum(overlaps) / len(overlaps) if overlaps else float("nan"),
                "states": ", ".join(sorted(set(built["region_id"]))),
            }
            columns = ["region_id", "cluster_type", "mode", "new_capacity", "jobs"]
            columns += [f"{v}_usd_per_yr" for v in ("system_cost", "investor_cost")]
            columns += ["public_outlay_usd_per_yr"]
            site_frames.append(built[columns].assign(plan_id=plan_id))
        rows[plan_id] = row
    plans = pd.DataFrame.from_dict(rows, orient="index")
    plans.index.name = "plan_id"
    sites = pd.concat(site_frames, ignore_index=True)
    sites = sites[["plan_id", *[c for c in sites.columns if c != "plan_id"]]]
    counts = sites.pivot_table(
        index="region_id", columns="cluster_type", values="plan_id", aggfunc="nunique"
    ).fillna(0)
    counts = counts.astype(int)
    counts["any"] = sites.groupby("region_id")["plan_id"].nunique()
    counts["share"] = counts["any"] / len(results)
    counts.columns.name = None
    frequency = counts.sort_values(["any"], ascending=False, kind="stable")
    return AlternativesResult(plans, sites, frequency, results)
