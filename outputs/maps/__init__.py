"""Folium maps of solved scenarios: layers (``scenario``), state shading and legends
(``shading``), and pages that work without internet (``offline``)."""

from . import lazy_templates  # noqa: F401 - first: folium without compiling unused templates
from .scenario import dual_map, render_html, save_map, scenario_map

__all__ = ["dual_map", "render_html", "save_map", "scenario_map"]
