"""The capacitated facility-location core (``core``), the OR-Library instances that test it
(``orlib``: reader, solver paths and the published optima), and the solver for large instances
(``large``: Lagrangian bound, penalty fixing and a search over the free sites, gap proven).

The names below are imported on first use (PEP 562), so the siting model, which needs only
``core``, does not load the large-instance solver."""

from typing import TYPE_CHECKING

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


def __getattr__(name: str) -> object:
    """Import a lazily loaded name (see ``_LAZY``) on first use."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


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
