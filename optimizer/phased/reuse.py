"""Re-solve phased scenarios many times (Monte Carlo, sweeps, regret) on compiled HiGHS models.

A :class:`PhasedEvaluator` keeps one HiGHS object per type group. A run rebuilds the group's
arrays from its own inputs (a fraction of a second) and, when the columns, rows and matrix
pattern are those of the compiled model, writes every cost, bound and changed coefficient into
it (``changeColsCost``, ``changeColsBounds``, ``changeRowsBounds``, ``changeCoeff``) and clears
the previous basis and incumbent (``clearSolver``); otherwise it passes the new model. Every run
writes every value, so its result depends only on its own spec. Runs take the JSON specs of
:mod:`optimizer.runs.evaluator` (``scenario``, ``tech``, ``regions``, ``sites``, ``force``; an
``envelope`` is not needed: a run whose structure differs is passed as a new model) and return
the same payload keys.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import highspy
import numpy as np

from regions import RegionData

from ..model.scenario import Scenario
from ..model.solve import match_highs_threads, silence_highs_banner
from ..model.technology import CLUSTER_TYPES, TechnologyData
from ..runs.solution import SolveOptions
from ..runs.specs import InputsCache, apply_site_changes, apply_spec
from .api import ORDER
from .costs import cost_terms, objective_keys, sites_opened
from .extract import period_tables, schedule_tables
from .groups import solve_groups
from .inputs import PhasedInputs, phased_inputs_from, phased_scenario_base
from .lp import to_highs
from .model import PhasedModel, force_site
from .solve import GroupSolution, HighsOptions, configure, run_highs, set_start


@dataclass
class Compiled:
    """One group's model held in HiGHS with the structure it was passed with."""

    highs: highspy.Highs
    col_keys: list
    row_keys: list
    entry_row: np.ndarray
    entry_col: np.ndarray
    entry_value: np.ndarray
    start: np.ndarray | None = None
    """Solution of the first run on this model, passed as MIP start to later runs."""

    def matches(self, arrays: dict, model: PhasedModel) -> bool:
        """True when ``model`` has this structure (same columns, rows and matrix pattern)."""
        return (
            model.lp.col_keys == self.col_keys
            and model.lp.row_keys == self.row_keys
            and np.array_equal(arrays["entry_row"], self.entry_row)
            and np.array_equal(arrays["entry_col"], self.entry_col)
        )

    def patch(self, arrays: dict) -> None:
        """Write every cost (and the objective offset) and bound, and the coefficients that
        changed."""
        h = self.highs
        n_col, n_row = len(arrays["col_cost"]), len(arrays["row_lower"])
        cols = np.arange(n_col, dtype=np.int32)
        h.changeColsCost(n_col, cols, arrays["col_cost"])
        h.changeObjectiveOffset(float(arrays["offset"]))
        h.changeColsBounds(n_col, cols, arrays["col_lower"], arrays["col_upper"])
        rows = np.arange(n_row, dtype=np.int32)
        h.changeRowsBounds(n_row, rows, arrays["row_lower"], arrays["row_upper"])
        for i in np.flatnonzero(arrays["entry_value"] != self.entry_value):
            h.changeCoeff(int(arrays["entry_row"][i]), int(arrays["entry_col"][i]),
                          float(arrays["entry_value"][i]))  # fmt: skip
        self.entry_value = arrays["entry_value"].copy()
        h.clearSolver()


@dataclass
class PhasedEvaluator:
    """Solves run specs for one phased (scenario, data, tech), reusing compiled HiGHS models."""

    scenario: Scenario
    data: RegionData
    tech: TechnologyData
    options: SolveOptions
    reuse: bool = True
    _compiled: dict = field(default_factory=dict, repr=False)
    _inputs: InputsCache = field(default_factory=InputsCache, repr=False)
    modes: list = field(default_factory=list, repr=False)
    _groups: list | None = field(default=None, repr=False)
    _force: tuple[str, str, float] | None = field(default=None, repr=False)

    def inputs(
        self,
        scenario: Scenario,
        data: RegionData,
        tech: TechnologyData,
        site_changes: Sequence | None = None,
    ) -> PhasedInputs:
        """Phased inputs of a variant (lane geometry cached), with a spec's site changes
        (``optimizer.runs.specs.apply_site_changes``: capex, fixed cost, incentive of a site)
        applied to the snapshot tables every period's terms are taken from."""
        base = self._inputs(data, phased_scenario_base(scenario), tech)
        base = apply_site_changes(base, site_changes)
        return phased_inputs_from(base, data, scenario, tech)

    def _solve(
        self, model: PhasedModel, options: HighsOptions, start: np.ndarray | None = None
    ) -> GroupSolution:
        if self._force is not None and not force_site(model, *self._force):
            return GroupSolution("infeasible", None, None, None, 0.0, model=model)
        arrays = model.lp.arrays()
        if not model.lp.col_keys:
            return GroupSolution("optimal", 0.0, 0.0, np.zeros(0), 0.0, model=model)
        silence_highs_banner()
        match_highs_threads(options.threads)
        compiled = self._compiled.get(model.types) if self.reuse else None
        if compiled is not None and compiled.matches(arrays, model):
            compiled.patch(arrays)
            # the first run's optimum, whatever ran since (or the merge's start)
            set_start(compiled.highs, start if start is not None else compiled.start)
            self.modes.append("reuse")
        else:
            highs = to_highs(arrays)
            configure(highs, options)
            compiled = Compiled(
                highs, list(model.lp.col_keys), list(model.lp.row_keys),
                arrays["entry_row"], arrays["entry_col"], arrays["entry_value"].copy(),
            )  # fmt: skip
            if self.reuse:
                self._compiled[model.types] = compiled
            set_start(highs, start)
            self.modes.append("rebuild")
        solved = run_highs(compiled.highs, model)
        if compiled.start is None and solved.has_solution:
            compiled.start = solved.x
        return solved

    def run(self, spec: Mapping) -> dict:
        """Solve one run spec; return its payload (with ``mode`` and ``seconds``)."""
        begin = time.perf_counter()
        self.modes = []
        scenario, data, tech = apply_spec(self.scenario, self.data, self.tech, spec)
        inputs = self.inputs(scenario, data, tech, spec.get("sites"))
        force = spec.get("force")
        self._force = (str(force[0]), str(force[1]), float(force[2])) if force else None
        options = HighsOptions(
            self.options.mip_gap, self.options.time_limit_s, self.options.threads, rerun=True
        )
        # start from the groups the last run ended with: merged groups are exact too, and a
        # variant of the same scenario usually needs the same merge
        solutions, _build = solve_groups(inputs, options, self._solve, self._groups)
        self._groups = [s.model.types for s in solutions]
        payload = summarize(inputs, solutions)
        payload["mode"] = "reuse" if set(self.modes) == {"reuse"} else "rebuild"
        payload["seconds"] = time.perf_counter() - begin
        return payload


def summarize(inputs: PhasedInputs, solutions: list[GroupSolution]) -> dict:
    """A small JSON payload of a phased run, with the snapshot payload's keys
    (``optimizer.runs.payload.summarize``): status, objective (present value), KPIs, ``costs``
    (every COST_KEYS term as a present value, :func:`optimizer.phased.costs.cost_terms`; those
    of ``objective_keys`` sum to the objective), new capacity by (region, type) built by the
    last period. Money is in USD of present value where the snapshot's is USD/yr:
    ``total_annual_cost`` holds the present value of the objective view."""
    status = max((s.status for s in solutions), key=ORDER.__getitem__)
    if status not in ("optimal", "feasible"):
        return {"status": status, "objective": None, "mip_gap": None, "kpis": {}, "costs": {},
                "objective_keys": [], "capacity": []}  # fmt: skip
    objective = float(sum(s.objective for s in solutions))
    terms = cost_terms(inputs, solutions)
    schedule, _capacity = schedule_tables(
        inputs, solutions, inputs.base.sites["in_designated_zone"]
    )
    by_period, costs = period_tables(inputs, solutions)
    last = by_period[by_period["year"] == inputs.years[-1]]
    kpis: dict[str, float | None] = {
        "objective": objective,
        "total_annual_cost": objective,
        "system_cost": float(costs["system_cost_pv_usd"].sum()),
        "investor_cost": float(costs["investor_cost_pv_usd"].sum()),
        "public_outlay": float(costs["public_outlay_pv_usd"].sum()),
        "jobs": float(last["jobs"].sum()),
        "domestic_mineral_share": None,
    }
    weights = dict(zip(inputs.years, inputs.spec.weights, strict=True))
    for k in CLUSTER_TYPES:
        built = schedule[schedule["cluster_type"] == k]
        of_type = by_period[by_period["cluster_type"] == k]
        kpis[f"new_capacity:{k}"] = float(built["capacity"].sum())
        kpis[f"sites_opened:{k}"] = float(sites_opened(schedule, k))
        kpis[f"levelized_cost:{k}"] = None
        kpis[f"imports_weighted:{k}"] = float(
            (of_type["imports"] * of_type["year"].map(weights)).sum()
        )
        kpis[f"first_online_year:{k}"] = float(built["online_year"].min()) if len(built) else None
    grouped = schedule.groupby(["region_id", "cluster_type"])["capacity"].sum()
    return {
        "status": status,
        "objective": objective,
        "mip_gap": max(s.mip_gap or 0.0 for s in solutions),
        "kpis": kpis,
        "costs": terms,
        "objective_keys": list(objective_keys(inputs.objective)),
        "capacity": [[r, k, float(v)] for (r, k), v in grouped.items() if v > 0],
    }
