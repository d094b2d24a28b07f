"""The capacitated facility-location core (``core``), the OR-Library instances that test it
(``orlib``: reader, solver paths and the published optima), and the solver for large instances
(``large``: Lagrangian bound, penalty fixing and a search over the free sites, gap proven).

The names below are imported on first use (PEP 562), so the siting model, which needs only
``core``, does not load the large-instance solver."""

from typing import TYPE_CHECKING

from ..lazy import lazy_names

_LAZY = {
    "FacilityLocation": ".core",
    "add_facility_location": ".core",
    "from_cost_matrix": ".core",
    "CFLPData": ".data",
    "InfeasibleError": ".data",
    "CFLPOptions": ".large",
    "CFLPResult": ".large",
    "solve_cflp": ".large",
    "solve_cost_matrix": ".large",
}

if TYPE_CHECKING:  # pragma: no cover - for type checkers and editors
    from .core import FacilityLocation, add_facility_location, from_cost_matrix
    from .data import CFLPData, InfeasibleError
    from .large import CFLPOptions, CFLPResult, solve_cflp, solve_cost_matrix


__getattr__ = lazy_names(__name__, globals(), _LAZY)


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
