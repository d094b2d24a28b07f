"""The regret report: what it costs to force each region to host a cluster type."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd

from optimizer import CAPACITY_UNITS, Result, Scenario
from optimizer.analyses.regret import RegretResult
from optimizer.runs.payload import COST_KEYS
from regions import RegionData

from ...atomic import atomic_write_text
from ...formatting import esc, fmt_num, fmt_signed, fmt_usd
from ...maps.scenario import save_map, scenario_map
from ..compare import _table
from .common import (
    BREAKDOWN_REGIONS,
    EXCLUDED_ROW_CLASS,
    MAP_NAME,
    REGRET_ROW_CLASS,
    REPORT_NAME,
    TERM_LABELS,
    _failures_section,
    _header,
    _map_section,
    add_reason_overlay,
    html_page,
    region_label,
    regret_layer_name,
    write_csv,
)


def regret_layers(result: RegretResult) -> dict[str, pd.Series]:
    """Map layers: regret [USD/yr] by region for each analysed type (NaN: cannot host)."""
    return {regret_layer_name(k): result.to_layer(k) for k in result.cluster_types}


def cannot_host(result: RegretResult, cluster_type: str) -> dict[str, str]:
    """Regions without a regret value for ``cluster_type`` and why (region_id → reason)."""
    rows = result.table[
        (result.table["cluster_type"] == cluster_type) & result.table["regret_usd_per_yr"].isna()
    ]
    return {str(r["region_id"]): str(r["reason"]) for _, r in rows.iterrows()}


def _regret_type_section(
    result: RegretResult, cluster_type: str, data: RegionData, base_objective: float
) -> str:
    unit = CAPACITY_UNITS[cluster_type]
    rows = result.table[result.table["cluster_type"] == cluster_type]
    valued = rows[rows["regret_usd_per_yr"].notna()]
    excluded = rows[rows["regret_usd_per_yr"].isna()]
    minimum = rows["min_capacity"].iloc[0] if len(rows) else math.nan
    optimum = ", ".join(valued.loc[valued["in_base_optimum"], "region_id"].astype(str))
    parts = [
        f"<h2>{esc(cluster_type)}: siting regret</h2>",
        f'<p class="lead">{len(rows)} regions analysed; {len(valued)} can host a '
        f"minimum-scale {esc(cluster_type)} cluster ({esc(fmt_num(minimum))} {esc(unit)}), "
        f"{len(excluded)} cannot. Base optimum sites: {esc(optimum or 'none')}.</p>",
    ]
    table_rows, attrs = [], []
    for rank, (_, r) in enumerate(valued.iterrows(), start=1):
        notes = [str(r["reason"])] if str(r["reason"]) not in ("", "nan") else []
        if bool(r["clipped"]):
            notes.append("solver noise clipped to 0")
        if math.isfinite(r["overshoot"]) and r["overshoot"] > 0:
            notes.append(
                f"the minimum scale exceeds the remaining target: {fmt_num(r['overshoot'])} "
                f"{unit} built beyond it, paid in the regret"
            )
        note = "; ".join(notes)
        table_rows.append(
            [
                esc(rank),
                region_label(data, str(r["region_id"])),
                esc(fmt_usd(r["regret_usd_per_yr"])),
                esc(f"{r['regret_pct']:.3f}%") if math.isfinite(r["regret_pct"]) else "n/a",
                "yes" if bool(r["in_base_optimum"]) else "no",
                esc(fmt_num(r["forced_new_capacity"])),
                esc(fmt_num(r["overshoot"])),
                esc(_displaced_text(r["displaced"])),
                esc(note),
            ]
        )
        attrs.append(
            f'class="{REGRET_ROW_CLASS}" data-type="{esc(cluster_type)}" '
            f'data-region="{esc(r["region_id"])}"'
        )
    parts.append(
        "<h3>Regions that can host, cheapest first</h3>"
        + _table(
            [
                "#",
                "Region",
                "Regret [USD/yr]",
                "Regret [% of base]",
                "In base optimum",
                f"Forced new capacity [{unit}]",
                f"Overshoot [{unit}]",
                f"Displaced elsewhere [{unit}]",
                "Note",
            ],
            table_rows,
            left=2,
            row_attrs=attrs,
        )
    )
    if len(excluded):
        ex_rows, ex_attrs = [], []
        for reason, group in excluded.groupby("reason", sort=False):
            ids = [str(r) for r in group["region_id"]]
            ex_rows.append(
                [esc(reason), esc(len(ids)), ", ".join(region_label(data, r) for r in ids)]
            )
            ex_attrs.append(
                f'class="{EXCLUDED_ROW_CLASS}" data-type="{esc(cluster_type)}" '
                f'data-regions="{esc(" ".join(ids))}"'
            )
        parts.append(
            f"<h3>Regions that cannot host a {esc(cluster_type)} cluster ({len(excluded)})</h3>"
            + _table(["Reason", "count", "Regions"], ex_rows, left=3, row_attrs=ex_attrs)
        )
    parts.append(_breakdown(valued, data))
    return "".join(parts)


def _displaced_text(text: str) -> str:
    """``'MN -12.0914; WI -28.9086'`` → ``'MN −12.1; WI −28.9'`` (``'—'`` when empty)."""
    if not str(text or "").strip() or str(text) == "nan":
        return "—"

    def number(match: re.Match[str]) -> str:
        value = float(match.group(0))
        return ("−" if value < 0 else "+" if value > 0 else "") + fmt_num(abs(value))

    return re.sub(r"[+-]?\d+(?:\.\d+)?(?:e[+-]?\d+)?", number, str(text))


def _breakdown(valued: pd.DataFrame, data: RegionData) -> str:
    """Objective-term differences of the cheapest alternatives and the most costly regions."""
    ranked = valued.reset_index(drop=True)
    others = ranked[~ranked["in_base_optimum"].astype(bool)]
    if others.empty:
        return ""
    cheap = others.head(BREAKDOWN_REGIONS)
    costly = others.tail(BREAKDOWN_REGIONS)
    shown = pd.concat([cheap, costly[~costly.index.isin(cheap.index)]])
    terms = [
        t
        for t in COST_KEYS
        if f"d_{t}_usd_per_yr" in shown and shown[f"d_{t}_usd_per_yr"].abs().max() >= 0.5
    ]
    names = data.regions["name"] if "name" in data.regions else pd.Series(dtype=str)
    headers = ["Objective term [USD/yr]"] + [
        f"{names.get(r, r)} ({r}), #{i + 1} of {len(ranked)}"
        for i, r in zip(shown.index, shown["region_id"].astype(str), strict=True)
    ]
    rows = [
        [esc(TERM_LABELS.get(t, t))]
        + [esc(fmt_signed(v)) for v in shown[f"d_{t}_usd_per_yr"].to_numpy(float)]
        for t in terms
    ]
    rows.append(
        ["<b>Regret (sum)</b>"]
        + [f"<b>{esc(fmt_signed(v))}</b>" for v in shown["regret_usd_per_yr"].to_numpy(float)]
    )
    return (
        "<h3>Why: cost-term changes of the cheapest alternatives and the most costly regions</h3>"
        '<p class="note">Each column is the forced run minus the unforced optimum, by objective '
        "term; the terms sum to the regret. Negative = saved.</p>" + _table(headers, rows)
    )


def regret_report(
    result: RegretResult,
    data: RegionData,
    scenario: Scenario,
    *,
    with_map: bool = True,
) -> str:
    """The regret report page (HTML)."""
    base_objective = float(result.base.get("objective") or math.nan)
    types = ", ".join(result.cluster_types)
    body = _header(
        f"Siting regret: {scenario.name} ({types})",
        scenario,
        data,
        f"Unforced optimum: {esc(fmt_usd(base_objective))}/yr.",
    )
    body.append(
        '<p class="lead">The <b>siting regret</b> of a region is the extra total system cost per '
        "year of forcing a minimum-scale cluster there, everything else re-optimized, compared "
        "with the unforced optimum: the cost penalty of siting here. Regions in the optimum have "
        "0. Regions that cannot host the type get no value, and the reason.</p>"
    )
    for k in result.cluster_types:
        body.append(_regret_type_section(result, k, data, base_objective))
    if with_map:
        body.append(
            _map_section(
                "The map shows the unforced optimum; the layers "
                + ", ".join(f"<i>{esc(regret_layer_name(k))}</i>" for k in result.cluster_types)
                + " shade each region by its regret (no data: cannot host), and the overlays "
                "<i>Cannot host …</i> give the reason in their tooltips."
            )
        )
    body.append(_failures_section(result.failures))
    body.append(
        '<p class="note">Method: every forced run is solved with a relative MIP gap of at most '
        "1e-6; regrets within 1e-6 of the base objective below zero are solver noise and shown "
        "as 0. Tables: regret.csv (one row per region and type, with every cost-term change), "
        "failures.csv.</p>"
    )
    return html_page(f"Siting regret: {scenario.name}", body)


def write_regret(
    folder: Path,
    result: RegretResult,
    data: RegionData,
    scenario: Scenario,
    *,
    base: Result | None = None,
    offline: bool = True,
    tiles: bool = False,
) -> list[str]:
    """Write ``regret.csv``, ``failures.csv``, ``map.html`` (with ``base``) and ``report.html``
    into ``folder``; return the file names written."""
    folder = Path(folder)
    write_csv(result.table, folder / "regret.csv")
    write_csv(result.failures, folder / "failures.csv")
    written = ["regret.csv", "failures.csv"]
    if base is not None and base.ok:
        m = scenario_map(
            base, data, offline=offline, tiles=tiles, extra_layers=regret_layers(result)
        )
        for k in result.cluster_types:
            add_reason_overlay(m, data, cannot_host(result, k), f"Cannot host {k} (reason)")
        save_map(m, folder / MAP_NAME, offline=offline)
        written.append(MAP_NAME)
    page = regret_report(result, data, scenario, with_map=MAP_NAME in written)
    atomic_write_text(folder / REPORT_NAME, page)
    return [*written, REPORT_NAME]
