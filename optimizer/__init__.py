"""clustersite optimizer: scenarios, technology data, the siting MILP, solve and results.

>>> import optimizer
>>> sorted(optimizer.builtin_scenarios())
['baseline', 'great-lakes', 'great-lakes-county', 'great-lakes-phased', 'south', 'south-county', 'south-phased']
"""

from typing import TYPE_CHECKING

from .api import inputs_for, solve
from .lazy import lazy_names
from .model.coefficients import ModelInputs, model_inputs
from .model.milp import ClusterModel, build_model
from .model.result import Result
from .model.scenario import Scenario, SolverOptions, builtin_scenarios, load_scenario
from .model.technology import CAPACITY_UNITS, CLUSTER_TYPES, TechnologyData, load_technology
from .model.terms import COST_TERMS
from .model.why import why_this_state
from .status import SolverReport, SolveStatus

_LAZY = {
    "AlternativesResult": ".analyses.alternatives",
    "alternatives": ".analyses.alternatives",
    "BreakEven": ".analyses.breakeven",
    "break_even": ".analyses.breakeven",
    "HindcastResult": ".analyses.hindcast",
    "hindcast": ".analyses.hindcast",
    "MonteCarloResult": ".analyses.montecarlo",
    "monte_carlo": ".analyses.montecarlo",
    "RealityGap": ".analyses.reality",
    "reality_gap": ".analyses.reality",
    "RegretResult": ".analyses.regret",
    "regret": ".analyses.regret",
    "SweepResult": ".analyses.sweep",
    "sweep": ".analyses.sweep",
    "tornado": ".analyses.sweep",
    "add_facility_location": ".facility_location.core",
    "from_cost_matrix": ".facility_location.core",
    "make_executor": ".runs.parallel",
}
"""Names imported on first use (PEP 562): the analyses, the large facility-location solver and
the process pool are not needed to solve one scenario, so ``clustersite run`` and ``compare``
start without loading them."""

if TYPE_CHECKING:  # pragma: no cover - for type checkers and editors
    from .analyses.alternatives import AlternativesResult, alternatives
    from .analyses.breakeven import BreakEven, break_even
    from .analyses.hindcast import HindcastResult, hindcast
    from .analyses.montecarlo import MonteCarloResult, monte_carlo
    from .analyses.reality import RealityGap, reality_gap
    from .analyses.regret import RegretResult, regret
    from .analyses.sweep import SweepResult, sweep, tornado
    from .facility_location.core import add_facility_location, from_cost_matrix
    from .runs.parallel import make_executor


__getattr__ = lazy_names(__name__, globals(), _LAZY)


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "AlternativesResult",
    "CAPACITY_UNITS",
    "CLUSTER_TYPES",
    "COST_TERMS",
    "BreakEven",
    "ClusterModel",
    "HindcastResult",
    "ModelInputs",
    "MonteCarloResult",
    "RealityGap",
    "RegretResult",
    "Result",
    "Scenario",
    "SolveStatus",
    "SolverOptions",
    "SolverReport",
    "SweepResult",
    "TechnologyData",
    "add_facility_location",
    "alternatives",
    "break_even",
    "build_model",
    "builtin_scenarios",
    "from_cost_matrix",
    "hindcast",
    "inputs_for",
    "load_scenario",
    "load_technology",
    "make_executor",
    "model_inputs",
    "monte_carlo",
    "reality_gap",
    "regret",
    "solve",
    "sweep",
    "tornado",
    "why_this_state",
]
