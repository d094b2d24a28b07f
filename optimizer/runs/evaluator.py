"""Evaluate analysis runs: one JSON spec in, one small payload out.

An :class:`Evaluator` holds one (scenario, data, technology) and the compiled models of its
structures; :func:`evaluator_for` keeps a few per thread (HiGHS objects are not shared across
threads).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from regions import RegionData

from ..model.coefficients import ModelInputs, model_inputs
from ..model.milp import build_model
from ..model.scenario import Scenario
from ..model.technology import TechnologyData
from .compiled import CompiledModel, Patch
from .payload import summarize
from .solution import Solution, SolveOptions
from .specs import InputsCache, apply_site_changes, apply_spec, changes_model


@dataclass
class Evaluator:
    """Solves run specs for one (scenario, data, tech), compiling each model structure once.

    ``reuse=False`` rebuilds inputs, PuLP model and HiGHS model for every run (the reference).
    ``mip_start=True`` solves the unmodified scenario once per compiled model (the reference) and
    uses its optimum — always that solution, never the previous run's, so results stay
    independent of the order of runs:

    - a run of the unmodified scenario returns it (the same model solved again gives the same
      plan);
    - a run that only tightens column bounds of it (a forced site, ``force``) and whose bounds the
      optimum meets (the site is open at least at the forced capacity) returns it too: the run's
      plans are a subset of the unmodified ones and include that optimum, so it is optimal here
      within the same gap (payload ``shortcut``);
    - otherwise, when the run changes only objective costs or tightens column bounds, the
      optimum moved into the run's bounds is passed as MIP start (HiGHS ``setSolution``; where
      rows then fail, HiGHS fixes the integer values and completes the plan with an LP); a run
      that only tightens column bounds is then solved with
      :data:`~optimizer.runs.compiled.RESTRICTED_OPTIONS`.
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
            model = build_model(self.data, self.scenario, tech, inputs=inputs, all_labor_rows=True)
            self._compiled[key] = CompiledModel(model, self.scenario, self.options)
        return self._compiled[key]

    def reference(self, compiled: CompiledModel) -> tuple[Patch, Solution] | None:
        """(patch, solution) of the unmodified scenario on ``compiled``, solved on first use."""
        if compiled.reference is None:
            base = compiled.patch(self.base_inputs, self.scenario)
            solution = compiled.solve(base) if base is not None else None
            if solution is not None and solution.has_solution:
                compiled.reference = (base, solution)
        return compiled.reference

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
            inputs = apply_site_changes(inputs, spec.get("sites"))
            patch = compiled.patch(inputs, scenario, force)
            mode = "reuse" if patch is not None else "rebuild (structure changed)"
        if patch is None:
            inputs = apply_site_changes(model_inputs(data, scenario, tech), spec.get("sites"))
            model = build_model(data, scenario, tech, inputs=inputs)
            compiled = CompiledModel(model, scenario, self.options)
            patch = compiled.patch(inputs, scenario, force)
            if patch is None:  # pragma: no cover - a model always matches its own structure
                raise RuntimeError("a freshly built model does not match its own inputs")
        start = solution = None
        restricted = False
        shortcut = ""
        if self.mip_start and mode == "reuse":
            reference = self.reference(compiled)
            if reference is not None:
                base_patch, base = reference
                unforced = patch if force is None else compiled.patch(inputs, scenario)
                if patch.restricts(base_patch):
                    if patch.admits(base.x):
                        # the same model, or the unforced one with bounds the unforced optimum
                        # meets: that optimum is this run's, within the same gap
                        solution = base
                        shortcut = "unforced optimum" if force is None else "site in the optimum"
                    else:
                        start = np.clip(base.x, patch.col_lower, patch.col_upper)
                        restricted = True
                elif unforced.same_constraints(base_patch):
                    # feasible here (a cost-only change); a forced site is then set to its
                    # bounds and HiGHS completes the plan with an LP
                    start = np.clip(base.x, patch.col_lower, patch.col_upper)
        if solution is None:
            solution = compiled.solve(patch, mip_start=start, restricted=restricted)
        payload = summarize(compiled, inputs, tech, self.zones(data), solution)
        payload["mode"] = mode
        if shortcut:
            payload["shortcut"] = shortcut
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
