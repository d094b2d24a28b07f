"""Compare report of phased scenarios (``templates/phased_report.html.j2``): a banner for goals
missed, what differs and why (present values, where and when each builds), the present-value
difference, each scenario's map with its year slider, and per scenario its present values, build
schedule (Gantt chart) and imports and money by year."""

from __future__ import annotations

import math
from pathlib import Path

from markupsafe import Markup

from optimizer import CAPACITY_UNITS, CLUSTER_TYPES
from optimizer.phased.result import PhasedResult

from ..atomic import atomic_write_text
from ..formatting import fmt_num, fmt_usd_short
from ..reports.charts import gantt_svg
from ..reports.sections import contents
from ..templating import render

PV_SCOPES = (
    ("system", "System cost"),
    ("investor", "Investor cost"),
    ("public_outlay", "Public outlay"),
)
TYPE_NOUNS = {"battery": "battery cells", "magnet": "NdFeB magnets", "solar": "solar modules"}


def _pv(result: PhasedResult, scope: str) -> float:
    try:
        return float(result.kpi("present_value", scope))
    except KeyError:
        return math.nan


def _signed(value: float) -> str:
    if not math.isfinite(value):
        return "n/a"
    if abs(value) < 0.5:
        return "0"
    return ("+" if value > 0 else "−") + fmt_usd_short(abs(value))


def _more_less(value: float) -> str:
    """``'USD 1.57 bn less'``, ``'the same'``."""
    if not math.isfinite(value):
        return "n/a"
    if abs(value) < 0.5:
        return "the same"
    return f"{fmt_usd_short(abs(value))} {'more' if value > 0 else 'less'}"


def goals_missed(result: PhasedResult) -> list[str]:
    """One sentence per type whose goal a phased scenario misses in some year from its horizon
    on (the shortfall is penalised in its cost)."""
    if not result.ok:
        return []
    rows = result.by_period[result.by_period["goal_shortfall"] > 1e-6]
    out = []
    for k, group in rows.groupby("cluster_type", sort=False):
        worst = group.loc[group["goal_shortfall"].idxmax()]
        out.append(
            f"{result.scenario.name} misses its {TYPE_NOUNS.get(k, k)} goal in "
            f"{', '.join(str(int(y)) for y in group['year'])}, by up to "
            f"{fmt_num(worst['goal_shortfall'])} {CAPACITY_UNITS.get(k, '')} in "
            f"{int(worst['year'])}; a penalty is in its cost (not money spent)"
        )
    return out


def _states(result: PhasedResult, k: str) -> str:
    rows = result.schedule[result.schedule["cluster_type"] == k]
    if rows.empty:
        return "nowhere"
    return ", ".join(f"{r.region_id} ({int(r.online_year)})" for r in rows.itertuples())


def phased_differences(a: PhasedResult, b: PhasedResult) -> list[str]:
    """What differs between two phased results (B relative to A), in plain sentences."""
    la, lb = a.scenario.name, b.scenario.name
    out = []
    system, investor, outlay = (_pv(b, s) - _pv(a, s) for s, _ in PV_SCOPES)
    if math.isfinite(system):
        word = "more" if system > 0 else "less"
        out.append(
            f"Over the periods, {lb} costs the country {fmt_usd_short(abs(system))} {word} than "
            f"{la} in present value of system cost ({fmt_usd_short(_pv(b, 'system'))} against "
            f"{fmt_usd_short(_pv(a, 'system'))}); investors pay {_more_less(investor)} and the "
            f"public's transfers to them change by {_signed(outlay)} (a transfer, not a saving)."
        )
    for k in CLUSTER_TYPES:
        sa, sb = _states(a, k), _states(b, k)
        if sa != sb:
            out.append(
                f"New {TYPE_NOUNS[k]} (state, first year producing): {la} in {sa}; {lb} in {sb}."
            )
    imports = []
    for k in CLUSTER_TYPES:
        try:
            ia, ib = a.kpi("imports_weighted", k), b.kpi("imports_weighted", k)
        except KeyError:
            continue
        if abs(ib - ia) >= 0.05:
            unit = CAPACITY_UNITS[k].replace("/yr", "")
            imports.append(
                f"{TYPE_NOUNS[k]} {'+' if ib > ia else '−'}{fmt_num(abs(ib - ia))} {unit}"
            )
    if imports:
        out.append(f"Imports while new plants are built, {lb} against {la}: {'; '.join(imports)}.")
    return out


def _pv_table(results: list[PhasedResult]) -> dict:
    names = [r.scenario.name for r in results]
    headers = ["Present value [USD]", *names, *(f"{n} − {names[0]}" for n in names[1:])]
    rows = []
    for scope, label in PV_SCOPES:
        values = [_pv(r, scope) for r in results]
        rows.append(
            [
                label,
                *(fmt_usd_short(v) for v in values),
                *(_signed(v - values[0]) for v in values[1:]),
            ]
        )
    return {"pv_headers": headers, "pv_rows": rows}


def phased_report(results: list[PhasedResult], map_folders: list[str] | None = None) -> str:
    """The HTML of the phased compare report; ``map_folders`` are the run folders (relative to
    the report) whose ``map.html`` the report embeds, in the order of ``results``."""
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
                "pv": [(label.lower(), fmt_usd_short(_pv(result, s))) for s, label in PV_SCOPES],
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
    banner = [s for r in results for s in goals_missed(r)]
    differs = phased_differences(results[0], results[1]) if len(results) > 1 else []
    for other in results[2:]:
        differs += phased_differences(results[0], other)
    maps = [
        {"name": r.scenario.name, "src": f"{folder}/map.html"}
        for r, folder in zip(results, map_folders or [], strict=False)
    ]
    sections = [("differs", "What differs and why"), ("present-values", "Present values")]
    sections += [("maps", "Maps")] if maps else []
    sections += [(f"scenario-{i}", r.scenario.name) for i, r in enumerate(results)]
    title = " vs ".join(r.scenario.name for r in results)
    return render(
        "phased_report.html.j2",
        title=f"Phased build-out: {title}",
        blocks=blocks,
        banner=banner,
        differences=differs,
        contents=contents(sections),
        maps=maps,
        **_pv_table(results),
    )


def write_phased_report(
    results: list[PhasedResult], folder: Path, map_folders: list[str] | None = None
) -> Path:
    """Write ``report.html`` into ``folder``."""
    path = Path(folder) / "report.html"
    atomic_write_text(path, phased_report(results, map_folders))
    return path
