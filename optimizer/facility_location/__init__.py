"""The capacitated facility-location core (``core``) and the OR-Library instances that test it
(``orlib``: reader, solver paths and the published optima)."""

from .core import FacilityLocation, add_facility_location, from_cost_matrix

__all__ = ["FacilityLocation", "add_facility_location", "from_cost_matrix"]
