"""clustersite outputs: what a planner sees.

Subpackages: ``cli`` (the command line), ``maps`` (folium maps, shading, self-contained pages),
``reports`` (comparison and analysis reports, summary sentences), ``exports`` (run folders: CSV,
workbook, GeoJSON, manifest). ``formatting``, ``atomic`` and ``progress`` are shared helpers.

>>> import optimizer, regions                                   # doctest: +SKIP
>>> from outputs import scenario_map, save_map, write_report    # doctest: +SKIP
>>> data = regions.load()                                       # doctest: +SKIP
>>> results = [optimizer.solve(n, data) for n in ("great-lakes", "south")]  # doctest: +SKIP
>>> save_map(scenario_map(results[0], data), Path("great-lakes.html"))    # doctest: +SKIP
>>> write_report(results, data, Path("out"))                    # doctest: +SKIP
"""

from .maps import dual_map, render_html, save_map, scenario_map
from .maps.offline import OfflineAssetError, inline_assets
from .reports.compare import comparison_report, write_report
from .reports.summary import kpi_table, summary

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
