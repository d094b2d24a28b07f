"""clustersite outputs: what a planner sees.

Subpackages: ``cli`` (the command line), ``maps`` (folium maps, shading, self-contained pages),
``reports`` (comparison and analysis reports, summary sentences), ``exports`` (run folders: CSV,
workbook, GeoJSON, manifest). ``formatting``, ``atomic`` and ``progress`` are shared helpers.
The names below are imported on first use, so the command line starts without loading folium.

>>> import optimizer, regions                                   # doctest: +SKIP
>>> from outputs import scenario_map, save_map, write_report    # doctest: +SKIP
>>> data = regions.load()                                       # doctest: +SKIP
>>> results = [optimizer.solve(n, data) for n in ("great-lakes", "south")]  # doctest: +SKIP
>>> save_map(scenario_map(results[0], data), Path("great-lakes.html"))    # doctest: +SKIP
>>> write_report(results, data, Path("out"))                    # doctest: +SKIP
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

_EXPORTS = {
    "OfflineAssetError": ".maps.offline",
    "comparison_report": ".reports.compare",
    "dual_map": ".maps",
    "inline_assets": ".maps.offline",
    "kpi_table": ".reports.summary",
    "render_html": ".maps",
    "save_map": ".maps",
    "scenario_map": ".maps",
    "summary": ".reports.summary",
    "write_report": ".reports.compare",
}

if TYPE_CHECKING:  # pragma: no cover
    from .maps import dual_map, render_html, save_map, scenario_map
    from .maps.offline import OfflineAssetError, inline_assets
    from .reports.compare import comparison_report, write_report
    from .reports.summary import kpi_table, summary


def __getattr__(name: str) -> object:
    """Import a public name from its module on first use."""
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(_EXPORTS[name], __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "OfflineAssetError",
    "comparison_report",
    "dual_map",
    "inline_assets",
    "kpi_table",
    "render_html",
    "save_map",
    "scenario_map",
    "summary",
    "write_report",
]
