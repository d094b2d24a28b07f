"""The comparison report: one self-contained HTML page comparing solved scenarios.

Contents: title, computed summary sentences, a synchronised side-by-side map of two scenarios
(folium DualMap, embedded with ``<iframe srcdoc>`` so the page is a single file), the KPI table
(values and differences vs the first scenario), per-type site tables, the evidence note (sourced
inputs vs labelled assumptions) and the solver reports. Nothing here solves.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from optimizer import CAPACITY_UNITS, CLUSTER_TYPES, Result, TechnologyData, load_technology
from regions import RegionData

from ..atomic import atomic_write_text
from ..formatting import esc, fmt_kpi, fmt_num, fmt_usd
from ..maps.scenario import dual_map, render_html
from .summary import kpi_table, new_sites, scenario_labels, summary

REPORT_NAME = "report.html"
SITE_ROW_CLASS = "cs-site-row"

_CSS = """
body {font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d1d1f;
  margin: 0 auto; max-width: 1400px; padding: 12px 24px 48px;}
h1 {font-size: 24px; margin: 12px 0 4px;} h2 {font-size: 19px; margin: 28px 0 8px;
  border-bottom: 1px solid #ddd; padding-bottom: 3px;} h3 {font-size: 15px; margin: 16px 0 6px;}
.meta {color: #555; margin: 0 0 10px;}
ul.summary li {margin: 4px 0;}
iframe.dual {width: 100%; height: 640px; border: 1px solid #bbb; border-radius: 4px;}
table.data {border-collapse: collapse; font-size: 13px; margin: 4px 0 12px;}
table.data th, table.data td {border-bottom: 1px solid #e2e2e2; padding: 3px 10px 3px 4px;
  text-align: right; vertical-align: top;}
table.data th {background: #f4f4f6; font-weight: 600;}
table.data td.l, table.data th.l {text-align: left;}
table.data td:not(.l) {white-space: nowrap;}
td.neg {color: #0a6b2d;} td.pos {color: #a4260e;}
.grid {display: flex; flex-wrap: wrap; gap: 28px;}
.note {color: #555; font-size: 12px;}
details summary {cursor: pointer;}
"""


# ---------------------------------------------------------------------------------------------
# formatting
# ---------------------------------------------------------------------------------------------


def fmt_diff(value: float, unit: str) -> str:
    """A signed difference: ``'+1.2 pp'`` for fractions, ``'−USD 252,608,300/yr'``, ``'0'``."""
    if value is None or not math.isfinite(float(value)):
        return "n/a"
    if unit == "fraction":
        points = 100 * float(value)
        if round(points, 1) == 0:
            return "0 pp"
        return f"{'+' if points > 0 else '−'}{abs(points):.1f} pp"
    if float(value) == 0:
        return "0"
    return ("+" if value > 0 else "−") + fmt_kpi(abs(float(value)), unit)


def _table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    left: int = 1,
    row_attrs: Sequence[str] | None = None,
) -> str:
    """HTML table; cells (and ``row_attrs``, one attribute string per row) are escaped HTML
    already. The first ``left`` columns align left."""

    def cells(tag: str, values: Sequence[str]) -> str:
        return "".join(
            f"<{tag}{' class=l' if i < left else ''}>{v}</{tag}>" for i, v in enumerate(values)
        )

    head = f"<tr>{cells('th', [esc(h) for h in headers])}</tr>"
    attrs = list(row_attrs) if row_attrs is not None else [""] * len(rows)
    body = "".join(
        f"<tr{' ' + attr if attr else ''}>{cells('td', row)}</tr>"
        for attr, row in zip(attrs, rows, strict=True)
    )
    return f'<table class="data">{head}{body}</table>'


# ---------------------------------------------------------------------------------------------
# sections
# ---------------------------------------------------------------------------------------------


def _kpi_section(results: list[Result]) -> str:
    table = kpi_table(results)
    labels = scenario_labels(results)
    diffs = [c for c in table.columns if c not in ("kpi", "scope", "unit", *labels)]
    rows = []
    for _, row in table.iterrows():
        unit = str(row["unit"])
        cells = [esc(row["kpi"]), esc(row["scope"]), esc(unit)]
        cells += [esc(fmt_kpi(row[label], unit)) for label in labels]
        for column in diffs:
            value = row[column]
            css = "neg" if value < 0 else "pos" if value > 0 else ""
            text = esc(fmt_diff(value, unit))
            cells.append(f'<span class="{css}">{text}</span>' if css else text)
        rows.append(cells)
    return (
        "<h2>Key figures</h2>"
        '<p class="note">Every value is read from the solved results; differences are each '
        f"scenario minus {esc(labels[0])}. Costs are annual [USD/yr].</p>"
        + _table(["KPI", "scope", "unit", *labels, *diffs], rows, left=3)
    )


def _site_tables(results: list[Result], data: RegionData) -> str:
    parts = ["<h2>Sites placed by each scenario</h2>"]
    labels = scenario_labels(results)
    for label, result in zip(labels, results, strict=True):
        parts.append(f"<h3>{esc(label)}</h3>")
        if not result.ok:
            parts.append(f"<p>No solution ({esc(result.report.status.value)}).</p>")
            continue
        grid = []
        for cluster_type in CLUSTER_TYPES:
            sites = new_sites(result, cluster_type)
            unit = CAPACITY_UNITS[cluster_type]
            rows, attrs = [], []
            for _, site in sites.iterrows():
                region_id = str(site["region_id"])
                name = (
                    data.regions.at[region_id, "name"]
                    if region_id in data.regions.index
                    else region_id
                )
                rows.append(
                    [
                        f"{esc(name)} ({esc(region_id)})",
                        esc(fmt_num(site["new_capacity"])),
                        esc(fmt_num(site["jobs"])),
                        esc(fmt_usd(site["total_cost_usd_per_yr"])),
                        "yes" if bool(site["in_designated_zone"]) else "no",
                    ]
                )
                attrs.append(
                    f'class="{SITE_ROW_CLASS}" data-scenario="{esc(label)}" '
                    f'data-type="{esc(cluster_type)}" data-region="{esc(region_id)}"'
                )
            table = _table(
                ["Region", f"New capacity [{unit}]", "Jobs", "Total cost [USD/yr]", "In zone"],
                rows,
                row_attrs=attrs,
            )
            caption = f"{cluster_type}: {len(sites)} site{'s' if len(sites) != 1 else ''}"
            grid.append(f"<div><h3>{esc(caption)}</h3>{table if len(sites) else ''}</div>")
        parts.append(f'<div class="grid">{"".join(grid)}</div>')
    return "".join(parts)


def evidence_counts(data: RegionData, tech: TechnologyData) -> dict[str, Counter]:
    """How many inputs are sourced, constructed/derived or labelled assumptions, by input set."""
    counts = {
        "region dataset columns (sources table)": Counter(data.sources["kind"].astype(str)),
        "technology and cost figures": Counter(str(f.kind) for _, f in tech.figures()),
    }
    sources = data.mineral_sources
    if "capacity_basis" in sources.columns:
        counts["mineral source capacities"] = Counter(sources["capacity_basis"].astype(str))
    return counts


def _evidence_section(data: RegionData, tech: TechnologyData) -> str:
    counts = evidence_counts(data, tech)
    kinds = sorted({k for c in counts.values() for k in c})
    rows = [
        [esc(name)] + [esc(fmt_num(c.get(k, 0))) for k in kinds] + [esc(fmt_num(sum(c.values())))]
        for name, c in counts.items()
    ]
    assumptions = [
        f"<li>{esc(r['table'])} / {esc(r['column'])}"
        + (f" ({esc(r['region_id'])})" if str(r["region_id"]) else "")
        + f": {esc(r['note'])}</li>"
        for _, r in data.sources[data.sources["kind"] == "assumption"].iterrows()
    ]
    assumptions += [
        f"<li>{esc(kind or 'all types')} / {esc(f.name)} [{esc(f.unit)}]: {esc(f.note)}</li>"
        for kind, f in tech.figures()
        if f.kind == "assumption"
    ]
    return (
        "<h2>Evidence</h2>"
        "<p>Each input is either sourced (a citation with URL and vintage), constructed or "
        "derived from sourced figures by a documented rule, or a labelled assumption with its "
        "reasoning. Counts:</p>"
        + _table(["Inputs", *kinds, "total"], rows)
        + f"<details><summary>Labelled assumptions ({len(assumptions)})</summary>"
        f"<ul>{''.join(assumptions)}</ul></details>"
    )


def _solver_section(results: list[Result]) -> str:
    labels = scenario_labels(results)
    rows = []
    for label, result in zip(labels, results, strict=True):
        rep = result.report
        gap = "n/a" if rep.mip_gap is None else f"{100 * float(rep.mip_gap):.3g}%"
        rows.append(
            [
                esc(label),
                esc(rep.status.value),
                esc(rep.solver),
                esc(fmt_usd(rep.objective) if rep.objective is not None else "n/a"),
                esc(gap),
                esc(f"{rep.build_seconds:.2f} / {rep.solve_seconds:.2f} / {rep.dual_seconds:.2f}"),
                esc(f"{rep.n_variables:,} / {rep.n_constraints:,} / {rep.n_binaries:,}"),
                esc(rep.message or ""),
            ]
        )
    unmet = []
    for label, result in zip(labels, results, strict=True):
        for _, row in result.unmet.iterrows():
            unmet.append(
                f"<li>{esc(label)}: {esc(row['item'])} {esc(row['cluster_type'])} "
                f"{esc(row['region_id'])} {esc(row['mineral'])} "
                f"{esc(fmt_num(row['amount']))} {esc(row['unit'])} "
                f"(binding: {esc(row['binding'])})</li>"
            )
    return (
        "<h2>Solver reports</h2>"
        + _table(
            [
                "Scenario",
                "status",
                "solver",
                "objective [USD/yr]",
                "MIP gap",
                "build / solve / duals [s]",
                "variables / constraints / binaries",
                "message",
            ],
            rows,
            left=3,
        )
        + (
            f"<h3>Not met</h3><ul>{''.join(unmet)}</ul>"
            if unmet
            else "<p>Every scenario met its targets and mineral needs.</p>"
        )
    )


def _scenario_section(results: list[Result]) -> str:
    labels = scenario_labels(results)
    rows = []
    for label, result in zip(labels, results, strict=True):
        scenario = result.scenario
        zones = "; ".join(f"{t}: {d.zone} ({d.mode})" for t, d in scenario.zones.items())
        targets = "; ".join(
            f"{t} {fmt_num(target.value)} {target.unit}" for t, target in scenario.targets.items()
        )
        rows.append(
            [
                esc(label),
                esc(scenario.description),
                esc(scenario.facilities_as_of),
                esc(targets),
                esc(zones or "none"),
                esc(f"{scenario.green_lane_factor:g}"),
                esc(f"{100 * scenario.co_investment_rate_reduction:g} pp"),
            ]
        )
    return "<h2>Scenarios</h2>" + _table(
        [
            "Scenario",
            "description",
            "facilities as of",
            "targets",
            "zones",
            "green-lane factor",
            "co-investment rate cut",
        ],
        rows,
        left=5,
    )


# ---------------------------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------------------------


def _check(results: Sequence[Result], pair: tuple[int, int]) -> tuple[int, int]:
    if len(results) < 2:
        raise ValueError(f"a comparison report needs at least two results, got {len(results)}")
    n = len(results)
    a, b = pair
    if not (-n <= a < n and -n <= b < n) or a % n == b % n:
        raise ValueError(f"pair {pair} must name two different results out of {n}")
    return a % n, b % n


def comparison_report(
    results: list[Result],
    data: RegionData,
    *,
    pair: tuple[int, int] = (0, 1),
    offline: bool = True,
    tiles: bool = False,
    tech: TechnologyData | None = None,
) -> str:
    """The comparison report as one HTML string.

    Args:
        results: solved scenarios; the first is the reference for differences.
        data: the region data they were solved on.
        pair: indexes of the two results shown side by side on the synchronised map.
        offline: inline the map's JS/CSS (vendored) so the page needs no network; False links
            them from CDNs. tiles: add an online basemap under the state polygons.
        tech: technology data the results were solved with, for the evidence counts
            (default: the embedded table).
    """
    results = list(results)
    a, b = _check(results, pair)
    tech = tech if tech is not None else load_technology()
    labels = scenario_labels(results)
    dual = render_html(dual_map(results[a], results[b], data, tiles=tiles), offline=offline)
    sentences = summary(results, data)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    title = " vs ".join(labels)
    boundaries = data.metadata.get("vintage", "unknown")
    body = [
        f"<h1>Cluster siting: {esc(title)}</h1>",
        f'<p class="meta">Generated {esc(stamp)} by clustersite from solved results. '
        f"State boundaries: {esc(data.metadata.get('source', 'unknown'))} ({esc(boundaries)}). "
        f"{len(data.sources)} cited input columns; full citations in the region dataset.</p>",
        "<h2>Summary</h2>",
        '<ul class="summary">' + "".join(f"<li>{esc(s)}</li>" for s in sentences) + "</ul>",
        f"<h2>Map: {esc(labels[a])} (left) and {esc(labels[b])} (right)</h2>",
        '<p class="note">Pan or zoom one map and the other follows. Use the layer button '
        "(top right of each map) to switch the shading (new capacity per type, power price, "
        "employment, permitting) and to show facilities, mineral sources and flows.</p>",
        f'<iframe class="dual" title="{esc(labels[a])} and {esc(labels[b])} maps" '
        f'srcdoc="{esc(dual)}"></iframe>',
        _kpi_section(results),
        _site_tables(results, data),
        _scenario_section(results),
        _evidence_section(data, tech),
        _solver_section(results),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}: clustersite comparison</title><style>{_CSS}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )


def write_report(
    results: list[Result],
    data: RegionData,
    folder: Path,
    *,
    pair: tuple[int, int] = (0, 1),
    offline: bool = True,
    tiles: bool = False,
    tech: TechnologyData | None = None,
) -> Path:
    """Write ``folder/report.html`` atomically (the map is embedded); return its path."""
    page = comparison_report(results, data, pair=pair, offline=offline, tiles=tiles, tech=tech)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return atomic_write_text(folder / REPORT_NAME, page)


def site_table_frame(result: Result) -> pd.DataFrame:
    """The rows a report's site tables show for one result (new sites, largest first)."""
    return new_sites(result)[
        ["region_id", "cluster_type", "new_capacity", "jobs", "total_cost_usd_per_yr"]
    ].reset_index(drop=True)
