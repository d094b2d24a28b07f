"""clustersite optimizer: scenarios, technology data, the siting MILP, solve and results.

>>> import optimizer
>>> sorted(optimizer.builtin_scenarios())
['baseline', 'great-lakes', 'great-lakes-phased', 'south', 'south-phased']
"""

from .alternatives import AlternativesResult, alternatives
from .api import inputs_for, solve
from .coefficients import COST_TERMS, ModelInputs, model_inputs
from .facility_location import add_facility_location, from_cost_matrix
from .hindcast import HindcastResult, hindcast
from .model import ClusterModel, build_model
from .parallel import make_executor
from .regret import RegretResult, regret
from .result import Result
from .scenario import Scenario, SolverOptions, builtin_scenarios, load_scenario
from .sensitivity import BreakEven, SweepResult, break_even, sweep, tornado
from .status import SolverReport, SolveStatus
from .technology import CAPACITY_UNITS, CLUSTER_TYPES, TechnologyData, load_technology
from .uncertainty import MonteCarloResult, monte_carlo

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
    "regret",
    "solve",
    "sweep",
    "tornado",
]
