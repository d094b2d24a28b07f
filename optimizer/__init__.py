"""clustersite optimizer: scenarios, technology data, the siting MILP, solve and results.

>>> import optimizer
>>> sorted(optimizer.builtin_scenarios())
['baseline', 'great-lakes', 'great-lakes-phased', 'south', 'south-phased']
"""

from .analyses.alternatives import AlternativesResult, alternatives
from .analyses.breakeven import BreakEven, break_even
from .analyses.hindcast import HindcastResult, hindcast
from .analyses.montecarlo import MonteCarloResult, monte_carlo
from .analyses.reality import RealityGap, reality_gap
from .analyses.regret import RegretResult, regret
from .analyses.sweep import SweepResult, sweep, tornado
from .api import inputs_for, solve
from .facility_location.core import add_facility_location, from_cost_matrix
from .model.coefficients import ModelInputs, model_inputs
from .model.milp import ClusterModel, build_model
from .model.result import Result
from .model.scenario import Scenario, SolverOptions, builtin_scenarios, load_scenario
from .model.technology import CAPACITY_UNITS, CLUSTER_TYPES, TechnologyData, load_technology
from .model.terms import COST_TERMS
from .model.why import why_this_state
from .runs.parallel import make_executor
from .status import SolverReport, SolveStatus

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
