"""The capacitated facility-location core (``core``), the OR-Library instances that test it
(``orlib``: reader, solver paths and the published optima), and the solver for large instances
(``large``: Lagrangian bound, penalty fixing and a search over the free sites, gap proven)."""

from .core import FacilityLocation, add_facility_location, from_cost_matrix
from .data import CFLPData, InfeasibleError
from .large import CFLPOptions, CFLPResult, solve_cflp, solve_cost_matrix

__all__ = [
    "CFLPData",
    "CFLPOptions",
    "CFLPResult",
    "FacilityLocation",
    "InfeasibleError",
    "add_facility_location",
    "from_cost_matrix",
    "solve_cflp",
    "solve_cost_matrix",
]
