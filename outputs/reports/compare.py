"""The comparison report: one self-contained HTML page comparing solved scenarios.

Contents (template ``templates/compare_report.html.j2``): title, "what differs and why" for the
pair, computed summary sentences, headline cards, charts (cost by term and scenario, cost by
state, jobs by zone, public outlay; inline SVG), a synchronised side-by-side map of two scenarios
(folium DualMap, embedded with ``<iframe srcdoc>`` so the page is a single file), the KPI table
with human labels and units (values and differences vs the first scenario), per-type site
tables, "why this state" (each site against the best state not chosen, ``reports/why.py``),
the evidence note and the solver reports. Nothing here solves.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import pandas as pd

from optimizer import CAPACITY_UNITS, CLUSTER_TYPES, Result, TechnologyData, load_technology
from regions import RegionData

from ..atomic import atomic_write_text
from ..formatting import esc, fmt_num, fmt_usd, fmt_usd_short
from ..maps.scenario import DualMap, dual_map, finish_dual_map, render_html, start_dual_map
from ..templating import TEMPLATE_DIR, Markup, render
from .bars import bar_chart_svg
from .figures import (
    cards,
    cost_by_state,
    cost_by_term,
    differences,
    jobs_by_zone,
    public_outlay,
    rule_colours,
)
from .labels import display_unit, kpi_difference, kpi_label, kpi_value
from .sections import (
    banner_context,
    contents,
    difference_charts,
    rules_missed_context,
    scope_zone,
    used_zones,
)
from .summary import kpi_table, new_sites, scenario_labels, summary
from .why import why_blocks

REPORT_NAME = "report.html"
SITE_ROW_CLASS = "cs-site-row"
KPI_ROW_CLASS = "cs-kpi-row"

_CSS = (TEMPLATE_DIR / "report.css").read_text(encoding="utf-8")
"""The report stylesheet (``templates/report.css``), shared with the analysis reports."""


# ---------------------------------------------------------------------------------------------
# formatting
# ---------------------------------------------------------------------------------------------


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
    return f'<div class="tablebox"><table class="data">{head}{body}</table></div>'


# ---------------------------------------------------------------------------------------------
# sections: data for the template
# ---------------------------------------------------------------------------------------------


def _diff_cell(reference: float, value: float, unit: str, kpi: str) -> dict:
    """A difference cell: ``0`` (no colour) when both values look the same as shown."""
    text, sign = kpi_difference(reference, value, unit, kpi)
    return {"text": text, "cls": "neg" if sign < 0 else "pos" if sign > 0 else ""}


def _kpi_context(results: list[Result]) -> dict:
    table = kpi_table(results)
    table = table[table["scope"].map(lambda s: scope_zone(s) in (None, *used_zones(results)))]
    labels = scenario_labels(results)
    diffs = [c for c in table.columns if c not in ("kpi", "scope", "unit", *labels)]
    rows, attrs = [], []
    for _, row in table.iterrows():
        unit, kpi = str(row["unit"]), str(row["kpi"])
        cells: list = [kpi_label(kpi, row["scope"]), display_unit(unit, kpi)]
        cells += [kpi_value(row[label], unit, kpi) for label in labels]
        cells += [
            _diff_cell(row[labels[0]], row[label], unit, kpi)
            for label, _column in zip(labels[1:], diffs, strict=True)
        ]
        rows.append(cells)
        attrs.append(
            {"class": KPI_ROW_CLASS, "data-kpi": kpi, "data-scope": row["scope"], "data-unit": unit}
        )
    return {
        "kpi_headers": ["Figure", "unit", *labels, *diffs],
        "kpi_rows": rows,
        "kpi_attrs": attrs,
    }


def _site_blocks(results: list[Result], data: RegionData) -> list[dict]:
    blocks = []
    for label, result in zip(scenario_labels(results), results, strict=True):
        if not result.ok:
            blocks.append({"label": label, "status": result.report.status.value, "types": []})
            continue
        types = []
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
                        f"{name} ({region_id})",
                        fmt_num(site["new_capacity"]),
                        fmt_num(site["jobs"]),
                        fmt_usd(site["total_cost_usd_per_yr"]),
                        "yes" if bool(site["in_designated_zone"]) else "no",
                    ]
                )
                attrs.append(
                    {
                        "class": SITE_ROW_CLASS,
                        "data-scenario": label,
                        "data-type": cluster_type,
                        "data-region": region_id,
                    }
                )
            types.append(
                {
                    "caption": f"{cluster_type}: {len(sites)} site{'s' if len(sites) != 1 else ''}",
                    "headers": [
                        "Region",
                        f"New capacity [{unit}]",
                        "Jobs",
                        "Total cost [USD/yr]",
                        "In zone",
                    ],
                    "rows": rows,
                    "attrs": attrs,
                }
            )
        blocks.append({"label": label, "status": "", "types": types})
    return blocks


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


def _evidence_context(data: RegionData, tech: TechnologyData) -> dict:
    counts = evidence_counts(data, tech)
    kinds = sorted({k for c in counts.values() for k in c})
    rows = [
        [name, *(fmt_num(c.get(k, 0)) for k in kinds), fmt_num(sum(c.values()))]
        for name, c in counts.items()
    ]
    assumptions = [
        f"{r['table']} / {r['column']}"
        + (f" ({r['region_id']})" if str(r["region_id"]) else "")
        + f": {r['note']}"
        for _, r in data.sources[data.sources["kind"] == "assumption"].iterrows()
    ]
    assumptions += [
        f"{kind or 'all types'} / {f.name} [{f.unit}]: {f.note}"
        for kind, f in tech.figures()
        if f.kind == "assumption"
    ]
    return {
        "evidence_headers": ["Inputs", *kinds, "total"],
        "evidence_rows": rows,
        "assumptions": assumptions,
    }


def _audit_context(data: RegionData, as_of) -> dict:
    """The data-health table (``clustersite regions --audit``): figures per table and mission
    factor by how they are known, and how many facility statuses rest on evidence older than
    12 months at ``as_of``."""
    from regions.audit import KINDS, figure_counts, stale_statuses

    counts = figure_counts(data, as_of)
    rows = [
        [str(r["table"]), str(r["factor"]), *(fmt_num(r[k]) for k in KINDS), fmt_num(r["total"])]
        for _, r in counts.iterrows()
    ]
    return {
        "audit_headers": ["Table", "Factor", *KINDS, "total"],
        "audit_rows": rows,
        "audit_as_of": str(as_of),
        "stale_statuses": len(stale_statuses(data, as_of)),
    }


def _solver_context(results: list[Result]) -> dict:
    labels = scenario_labels(results)
    rows = []
    for label, result in zip(labels, results, strict=True):
        rep = result.report
        gap = "n/a" if rep.mip_gap is None else f"{100 * float(rep.mip_gap):.3g}%"
        rows.append(
            [
                label,
                rep.status.value,
                rep.solver,
                fmt_usd(rep.objective) if rep.objective is not None else "n/a",
                gap,
                f"{rep.build_seconds:.2f} / {rep.solve_seconds:.2f} / {rep.dual_seconds:.2f}",
                f"{rep.n_variables:,} / {rep.n_constraints:,} / {rep.n_binaries:,}",
                rep.message or "",
            ]
        )
    return {
        "solver_headers": [
            "Scenario",
            "status",
            "solver",
            "objective [USD/yr]",
            "MIP gap",
            "build / solve / duals [s]",
            "variables / constraints / binaries",
            "message",
        ],
        "solver_rows": rows,
    }


def _scenario_context(results: list[Result]) -> dict:
    rows = []
    for label, result in zip(scenario_labels(results), results, strict=True):
        scenario = result.scenario
        zones = "; ".join(f"{t}: {d.zone} ({d.mode})" for t, d in scenario.zones.items())
        targets = "; ".join(
            f"{t} {fmt_num(target.value)} {target.unit}" for t, target in scenario.targets.items()
        )
        rows.append(
            [
                label,
                scenario.description,
                scenario.facilities_as_of,
                targets,
                zones or "none",
                f"{scenario.green_lane_factor:g}",
                f"{100 * scenario.co_investment_rate_reduction:g} pp",
            ]
        )
    return {
        "scenario_headers": [
            "Scenario",
            "description",
            "facilities as of",
            "targets",
            "zones",
            "green-lane factor",
            "co-investment rate cut",
        ],
        "scenario_rows": rows,
    }


def report_charts(results: list[Result], data: RegionData) -> list[Markup]:
    """The report's charts as inline SVG: cost by term and scenario, public outlay, cost by
    state, jobs by zone."""
    money = {"unit": "USD million/yr", "scale": 1e6, "fmt": lambda v: fmt_usd_short(v) + "/yr"}
    charts = []
    names, series = cost_by_term(results)
    charts.append(
        bar_chart_svg(
            names,
            series,
            title="Annual system cost by term (a rule missed in red)",
            stacked=True,
            colours=rule_colours(list(series)),
            **money,
        )
    )
    names, series = public_outlay(results)
    if series:
        charts.append(
            bar_chart_svg(
                names,
                series,
                title="Public outlay (transfers) by instrument",
                stacked=True,
                **money,
            )
        )
    names, series = cost_by_state(results, data)
    charts.append(bar_chart_svg(names, series, title="Annual cost by state", **money))
    names, series = jobs_by_zone(results)
    charts.append(bar_chart_svg(names, series, title="Jobs by zone", unit="jobs"))
    return [Markup(svg) for svg in charts]


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


@dataclass
class ReportDraft:
    """Parts of the comparison report worked out while scenarios are still being solved: the
    data's evidence and audit tables (``data_context``) and, once the pair's left scenario is
    solved, the left half of the side-by-side map (``start_map``). ``comparison_report`` uses
    what is there and works out the rest; the page is the same."""

    data: RegionData
    tech: TechnologyData
    as_of: date
    tiles: bool = False
    context: dict | None = None
    dual: DualMap | None = None
    left: Result | None = None

    def data_context(self) -> dict:
        """The evidence and audit tables of the data (worked out once)."""
        if self.context is None:
            self.context = {
                **_evidence_context(self.data, self.tech),
                **_audit_context(self.data, self.as_of),
            }
        return self.context

    def start_map(self, left: Result) -> None:
        """Draw ``left`` on the left half of the side-by-side map."""
        self.dual, self.left = start_dual_map(left, self.data, tiles=self.tiles), left


def dual_map_html(
    results: list[Result],
    data: RegionData,
    *,
    pair: tuple[int, int] = (0, 1),
    offline: bool = True,
    tiles: bool = False,
    draft: ReportDraft | None = None,
) -> str:
    """The report's synchronised side-by-side map of the ``pair`` of results, as HTML (the left
    half from ``draft`` when it was drawn there for the same result)."""
    a, b = _check(list(results), pair)
    if draft is not None and draft.dual is not None and draft.left is results[a]:
        dual = finish_dual_map(draft.dual, results[b], data, tiles=tiles)
    else:
        dual = dual_map(results[a], results[b], data, tiles=tiles)
    return render_html(dual, offline=offline)


def comparison_report(
    results: list[Result],
    data: RegionData,
    *,
    pair: tuple[int, int] = (0, 1),
    offline: bool = True,
    tiles: bool = False,
    tech: TechnologyData | None = None,
    draft: ReportDraft | None = None,
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
        draft: parts worked out earlier (``ReportDraft``) for the same data and technology.
    """
    results = list(results)
    a, b = _check(results, pair)
    if tech is None:
        tech = draft.tech if draft is not None else load_technology()
    as_of = results[0].scenario.facilities_as_of
    if not (draft and draft.data is data and draft.tech is tech and draft.as_of == as_of):
        draft = ReportDraft(data, tech, as_of, tiles)  # (a draft for other inputs is not used)
    elif draft.tiles != tiles:
        draft.dual = draft.left = None
    labels = scenario_labels(results)
    title = " vs ".join(labels)
    banner = banner_context(results)
    others = [(0, i) for i in range(1, len(results)) if {0, i} != {a, b}]
    context = dict(
        contents=contents(
            [
                ("differs", f"What differs and why: {labels[b]} vs {labels[a]}"),
                *([("rules-missed", "Rules missed")] if banner["banner"] else []),
                ("summary", "Summary"),
                ("headline", "Headline figures"),
                ("charts", "Charts"),
                ("map", "Map"),
                ("key-figures", "Key figures"),
                ("sites", "Sites placed"),
                ("why", "Why these states"),
                ("scenarios", "Scenarios"),
                ("evidence", "Evidence"),
                ("solver", "Solver reports"),
            ]
        ),
        **banner,
        **rules_missed_context(results),
        pair_chart=difference_charts(results, [(a, b)]),
        other_charts=difference_charts(results, others),
        title=f"{title}: clustersite comparison",
        heading=title,
        stamp=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        boundary_source=data.metadata.get("source", "unknown"),
        boundary_vintage=data.metadata.get("vintage", "unknown"),
        n_sources=len(data.sources),
        labels=labels,
        pair_labels=(labels[a], labels[b]),
        differences=differences(results[a], results[b], data),
        sentences=summary(results, data),
        cards=cards(results),
        charts=report_charts(results, data),
        site_blocks=_site_blocks(results, data),
        why_blocks=why_blocks(results, data),
        **_kpi_context(results),
        **_scenario_context(results),
        **draft.data_context(),
        **_solver_context(results),
    )
    context["dual_map"] = dual_map_html(
        results, data, pair=pair, offline=offline, tiles=tiles, draft=draft
    )
    return render("compare_report.html.j2", **context)


def write_report(
    results: list[Result],
    data: RegionData,
    folder: Path,
    *,
    pair: tuple[int, int] = (0, 1),
    offline: bool = True,
    tiles: bool = False,
    tech: TechnologyData | None = None,
    draft: ReportDraft | None = None,
) -> Path:
    """Write ``folder/report.html`` atomically (the map is embedded); return its path."""
    page = comparison_report(
        results, data, pair=pair, offline=offline, tiles=tiles, tech=tech, draft=draft
    )
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return atomic_write_text(folder / REPORT_NAME, page)


def site_table_frame(result: Result) -> pd.DataFrame:
    """The rows a report's site tables show for one result (new sites, largest first)."""
    return new_sites(result)[
        ["region_id", "cluster_type", "new_capacity", "jobs", "total_cost_usd_per_yr"]
    ].reset_index(drop=True)
