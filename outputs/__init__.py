"""clustersite outputs: scenario maps, comparison tables and summary, comparison report.

>>> import optimizer, regions                                   # doctest: +SKIP
>>> from outputs import scenario_map, save_map, write_report    # doctest: +SKIP
>>> data = regions.load()                                       # doctest: +SKIP
>>> results = [optimizer.solve(n, data) for n in ("great-lakes", "south")]  # doctest: +SKIP
>>> save_map(scenario_map(results[0], data), Path("great-lakes.html"))    # doctest: +SKIP
>>> write_report(results, data, Path("out"), offline=True)      # doctest: +SKIP
"""

from .compare import kpi_table, summary
from .maps import dual_map, render_html, save_map, scenario_map
from .offline import OfflineAssetError, inline_assets
from .report import comparison_report, write_report

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
