"""The report of ``clustersite why``: each site against its runner-up, re-solved."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from optimizer import CAPACITY_UNITS, Result, Scenario
from optimizer.analyses.thresholds import Thresholds
from regions import RegionData

from ...atomic import atomic_write_text
from ...formatting import esc
from ...maps.scenario import save_map, scenario_map
from .common import (
    MAP_NAME,
    REPORT_NAME,
    _failures_section,
    _header,
    _map_section,
    html_page,
    region_label,
    write_csv,
)

WHY_CSV = "why.csv"


def why_rows(thresholds: Thresholds) -> pd.DataFrame:
    """One row per opened site: the first-order table joined with the re-solved thresholds."""
    keys = ["region_id", "cluster_type"]
    exact = thresholds.table.drop(columns=["runner_up"], errors="ignore").rename(
        columns={"sentence": "re_solved", "lever": "re_solved_lever"}
    )
    return thresholds.why.merge(exact, on=keys, how="left")


def _bracket(low: float, high: float, unit: str, digits: int = 1) -> str:
    if math.isnan(high):
        return "—"
    if low <= 0:
        return f"at most {high:,.{digits}f}{unit}"
    return f"{low:,.{digits}f}–{high:,.{digits}f}{unit}"


def why_report(
    thresholds: Thresholds, data: RegionData, scenario: Scenario, *, with_map: bool
) -> str:
    """The why report page (HTML)."""
    rows = why_rows(thresholds)
    body = _header(
        f"Why these states: {scenario.name}", scenario, data, f"{thresholds.runs} re-solves."
    )
    body.append(
        '<p class="lead">Each site that gets new capacity is compared with its <b>runner-up</b>, '
        "the state not chosen for the type with the lowest cost per unit for the same capacity. "
        "The <b>re-solved</b> columns give the lever value at which the runner-up takes capacity "
        "from the site in a re-solve of the whole model (a bracket: below it the runner-up takes "
        "nothing from the site, above it it does), and the per-unit state incentive that does the "
        "same; the first-order estimate, with every other site keeping its plan, is shown beside "
        "it. A <b>toss-up</b> is a site whose runner-up is closer than what the solver gap and the "
        "documented ranges of the figures that differ between the two places allow.</p>"
    )
    head = (
        "<tr><th>site</th><th>runner-up</th><th>gap per unit</th><th>toss-up</th>"
        "<th>lever</th><th>first-order cut</th><th>re-solved cut</th>"
        "<th>re-solved incentive</th><th>re-solved</th></tr>"
    )
    lines = []
    for r in rows.itertuples(index=False):
        unit = CAPACITY_UNITS.get(r.cluster_type, "unit/yr")
        toss = (
            f"yes (±{r.uncertainty_pct:.2f} %)"
            if bool(r.toss_up)
            else ("no" if not pd.isna(r.uncertainty_pct) else "—")
        )
        gap = "—" if pd.isna(r.gap_pct) else f"{r.gap_pct:+.2f} %"
        first = "—" if pd.isna(r.first_order_cut_pct) else f"{r.first_order_cut_pct:.1f} %"
        cut = (
            _bracket(r.cut_low_pct, r.cut_high_pct, " %")
            if r.lever_status == "flips"
            else ("none below 60 %" if r.lever_status == "no flip" else "—")
        )
        incentive = (
            _bracket(r.incentive_low, r.incentive_high, f" USD/yr per {unit}", 0)
            if r.incentive_status == "flips"
            else ("none below 60 % of cost" if r.incentive_status == "no flip" else "—")
        )
        lines.append(
            f"<tr><td>{esc(r.cluster_type)} in {region_label(data, r.region_id)} "
            f"({r.new_capacity:,.4g} {esc(unit)})</td>"
            f"<td>{esc(r.runner_up or '—')}</td><td>{esc(gap)}</td><td>{esc(toss)}</td>"
            f"<td>{esc(r.re_solved_lever if isinstance(r.re_solved_lever, str) else '')}</td>"
            f"<td>{esc(first)}</td>"
            f"<td>{esc(cut)}</td><td>{esc(incentive)}</td>"
            f"<td>{esc(r.re_solved if isinstance(r.re_solved, str) else r.break_even)}</td></tr>"
        )
    body.append(f'<h2>Sites</h2><div class="scroll"><table>{head}{"".join(lines)}</table></div>')
    if with_map:
        body.append(_map_section("The map shows the plan; each site's popup gives its runner-up."))
    body.append(_failures_section(thresholds.failures))
    body.append(
        '<p class="note">Method: bisection on the lever, each point a re-solve of the whole '
        "model (types that share no row with the site's type left out, which changes nothing for "
        "it) at a relative MIP gap of at most 1e-6; a bracket is at most 0.5 percentage point wide "
        "(incentives: 0.5 % of the runner-up's cost per unit). Table: why.csv.</p>"
    )
    return html_page(f"Why these states: {scenario.name}", body)


def write_why(
    folder: Path,
    thresholds: Thresholds,
    data: RegionData,
    scenario: Scenario,
    *,
    base: Result | None = None,
    offline: bool = True,
    tiles: bool = False,
) -> list[str]:
    """Write ``why.csv``, ``failures.csv``, ``map.html`` (with ``base``) and ``report.html``."""
    folder = Path(folder)
    write_csv(why_rows(thresholds), folder / WHY_CSV)
    write_csv(thresholds.failures, folder / "failures.csv")
    written = [WHY_CSV, "failures.csv"]
    if base is not None and base.ok:
        save_map(
            scenario_map(base, data, offline=offline, tiles=tiles),
            folder / MAP_NAME,
            offline=offline,
        )
        written.append(MAP_NAME)
    page = why_report(thresholds, data, scenario, with_map=MAP_NAME in written)
    atomic_write_text(folder / REPORT_NAME, page)
    return [*written, REPORT_NAME]
