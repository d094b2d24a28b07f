"""Compare report of phased scenarios: present values, imports meanwhile, and a Gantt chart of
each build schedule (``templates/phased_report.html.j2``)."""

from __future__ import annotations

from pathlib import Path

from markupsafe import Markup

from optimizer.phased.result import PhasedResult

from ..atomic import atomic_write_text
from ..formatting import fmt_num, fmt_usd_short
from ..reports.charts import gantt_svg
from ..templating import render


def phased_report(results: list[PhasedResult]) -> str:
    """The HTML of the phased compare report."""
    blocks = []
    for result in results:
        by_period = result.by_period
        years = list(result.inputs.years)
        imports = {
            k: [fmt_num(v) for v in group.set_index("year").reindex(years)["imports"]]
            for k, group in by_period.groupby("cluster_type")
        }
        costs = result.costs
        blocks.append(
            {
                "name": result.scenario.name,
                "description": result.scenario.description,
                "status": result.report.status.value,
                "pv": [
                    ("system cost", fmt_usd_short(result.kpi("present_value", "system"))),
                    ("investor cost", fmt_usd_short(result.kpi("present_value", "investor"))),
                    ("public outlay", fmt_usd_short(result.kpi("present_value", "public_outlay"))),
                ],
                "rate": f"{result.inputs.discount_rate:.1%}",
                "base_year": result.inputs.spec.base_year,
                "years": years,
                "imports": imports,
                "units": dict(zip(by_period["cluster_type"], by_period["unit"], strict=False)),
                "outlay": [fmt_usd_short(v) for v in costs["public_outlay_usd"]],
                "system": [fmt_usd_short(v) for v in costs["system_cost_usd"]],
                "gantt": Markup(
                    gantt_svg(
                        result.schedule, years, title=f"{result.scenario.name}: build schedule"
                    )
                ),
            }
        )
    return render("phased_report.html.j2", title="Phased build-out comparison", blocks=blocks)


def write_phased_report(results: list[PhasedResult], folder: Path) -> Path:
    """Write ``report.html`` into ``folder``."""
    path = Path(folder) / "report.html"
    atomic_write_text(path, phased_report(results))
    return path
