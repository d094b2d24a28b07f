"""clustersite optimizer: scenarios, technology data, the siting MILP, solve and results.

>>> import optimizer
>>> sorted(optimizer.builtin_scenarios())
['baseline', 'great-lakes', 'south']
"""

from .api import inputs_for, solve
from .coefficients import COST_TERMS, ModelInputs, model_inputs
from .facility_location import add_facility_location, from_cost_matrix
from .model import ClusterModel, build_model
from .result import Result
from .scenario import Scenario, SolverOptions, builtin_scenarios, load_scenario
from .status import SolverReport, SolveStatus
from .technology import CAPACITY_UNITS, CLUSTER_TYPES, TechnologyData, load_technology

__all__ = [
    "CAPACITY_UNITS",
    "CLUSTER_TYPES",
    "COST_TERMS",
    "ClusterModel",
    "ModelInputs",
    "Result",
    "Scenario",
    "SolveStatus",
    "SolverOptions",
    "SolverReport",
    "TechnologyData",
    "add_facility_location",
    "build_model",
    "builtin_scenarios",
    "from_cost_matrix",
    "inputs_for",
    "load_scenario",
    "load_technology",
    "model_inputs",
    "solve",
]
