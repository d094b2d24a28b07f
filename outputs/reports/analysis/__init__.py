"""Reports of the planner analyses: regret, sweeps and break-even, Monte Carlo. Each ``write_*``
writes ``report.html`` (and ``map.html``) into a run folder."""

from ...formatting import fmt_signed, fmt_usd_short
from ..charts import break_even_svg, histogram_svg, tornado_svg
from .common import (
    MAP_NAME,
    REPORT_NAME,
    add_reason_overlay,
    capacity_change_layer_name,
    kpi_unit,
    probability_layer_name,
    regret_layer_name,
)
from .montecarlo import montecarlo_report, probability_layers, write_montecarlo
from .regret import cannot_host, regret_layers, regret_report, write_regret
from .sweep import (
    breakeven_report,
    breakeven_table,
    sweep_layers,
    sweep_report,
    top_moving_parameter,
    tornado_tables,
    write_breakeven,
    write_sweep,
)

__all__ = [
    "MAP_NAME",
    "REPORT_NAME",
    "add_reason_overlay",
    "break_even_svg",
    "breakeven_report",
    "breakeven_table",
    "cannot_host",
    "capacity_change_layer_name",
    "fmt_signed",
    "fmt_usd_short",
    "histogram_svg",
    "kpi_unit",
    "montecarlo_report",
    "probability_layer_name",
    "probability_layers",
    "regret_layer_name",
    "regret_layers",
    "regret_report",
    "sweep_layers",
    "sweep_report",
    "top_moving_parameter",
    "tornado_svg",
    "tornado_tables",
    "write_breakeven",
    "write_montecarlo",
    "write_regret",
    "write_sweep",
]
