"""Map layers of what moves: mineral sources and import gateways, inbound mineral flows, and
outbound product deliveries to market nodes, with their legends."""

from __future__ import annotations

import math
from collections.abc import Mapping

import folium
import numpy as np

from optimizer import Result
from regions import RegionData

from ..formatting import esc, fmt_num, fmt_usd
from ..missed import mineral_name
from .batched import Circles, Lines
from .elements import _link, rep_points
from .info import TYPE_COLOURS, _table
from .shading import region_name, tick_label

SOURCE_CLASS = "cs-mineral-source"
GATEWAY_CLASS = "cs-gateway"
FLOW_CLASS = "cs-flow"
PRODUCT_CLASS = "cs-product"
FLOW_LAYER = "Flows: minerals in [t/yr], products out"
SOURCES_LAYER = "Mineral sources and import ports"

MINERAL_PALETTE = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
]  # fmt: skip


def _mineral_colours(data: RegionData) -> dict[str, str]:
    minerals = list(dict.fromkeys(list(data.minerals) + list(data.mineral_sources["mineral"])))
    return {m: MINERAL_PALETTE[i % len(MINERAL_PALETTE)] for i, m in enumerate(minerals)}


def _add_minerals(m: folium.Map, data: RegionData) -> None:
    """One layer of the domestic mineral sources (coloured by mineral) and the import ports."""
    colours = _mineral_colours(data)
    sources = data.mineral_sources
    domestic = sources[~sources["foreign"].astype(bool)]
    by_mineral: dict[str, list[dict]] = {}  # in order of first appearance, as groupby(sort=False)
    for row in domestic.to_dict("records"):
        by_mineral.setdefault(row["mineral"], []).append(row)
    group = folium.FeatureGroup(name=esc(SOURCES_LAYER), show=False)
    for mineral, rows in by_mineral.items():
        circles = Circles()
        for row in rows:
            if not (np.isfinite(row["lat"]) and np.isfinite(row["lon"])):
                continue
            table = [
                ("Mineral", esc(mineral)),
                ("Kind", esc(row.get("kind", ""))),
                ("Status", esc(row.get("status", ""))),
                ("Capacity [t/yr]", esc(fmt_num(row["capacity_t_per_yr"]))),
                ("Source", _link(row.get("citation", ""), row.get("url", ""))),
            ]
            circles.add(
                (float(row["lat"]), float(row["lon"])),
                radius=5,
                color="#222222",
                weight=1,
                fill_color=colours[mineral],
                fill_opacity=0.9,
                class_name=SOURCE_CLASS,
                tooltip=f"{esc(row['name'])}: {esc(mineral)}",
                popup=f"<b>{esc(row['name'])}</b>" + _table(table),
            )
        circles.add_to(group)
    gateways = sources[sources["foreign"].astype(bool)]
    if len(gateways):
        circles = Circles()
        for source_id, rows in gateways.groupby("source_id", sort=False):
            row = rows.iloc[0]
            minerals = ", ".join(esc(x) for x in rows["mineral"])
            html = f"<b>{esc(row['name'])}</b> ({esc(source_id)})<br>Import gateway for: {minerals}"
            circles.add(
                (float(row["lat"]), float(row["lon"])),
                radius=7,
                color="#000000",
                weight=3,
                fill_color="#ffffff",
                fill_opacity=0.9,
                class_name=GATEWAY_CLASS,
                tooltip=f"{esc(row['name'])} (import gateway)",
                popup=html,
            )
        circles.add_to(group)
    group.add_to(m)


def add_flows(m: folium.Map, result: Result, data: RegionData) -> str:
    """One layer (on from the start) of the inbound mineral flows and the outbound product
    deliveries; return its legend (escaped HTML, empty when nothing moves)."""
    group = folium.FeatureGroup(name=esc(FLOW_LAYER), show=True)
    legends = [_add_flows(group, result, data), _add_products(group, result, data)]
    group.add_to(m)
    return "".join(part for part in legends if part)


def _add_flows(group: folium.FeatureGroup, result: Result, data: RegionData) -> str:
    flows = result.flows
    if len(flows) == 0:
        return ""
    flows = flows[flows["tonnes_per_yr"] > 0]
    colours = _mineral_colours(data)
    largest = float(flows["tonnes_per_yr"].max()) if len(flows) else 0.0
    lines = Lines()
    points = rep_points(data)
    for row in flows.to_dict("records"):
        if row["region_id"] not in points:
            continue
        end = points[row["region_id"]]
        start = (float(row["source_lat"]), float(row["source_lon"]))
        tonnes = float(row["tonnes_per_yr"])
        text = (
            f"{esc(row['mineral'])}: {esc(fmt_num(tonnes))} t/yr, "
            f"{esc(fmt_usd(row['cost_usd_per_yr']))}/yr"
        )
        table = [
            ("From", esc(row["source_name"]) + (" (import)" if bool(row["foreign"]) else "")),
            ("To", esc(region_name(data, row["region_id"]))),
            ("Mineral", esc(row["mineral"])),
            ("Tonnes [t/yr]", esc(fmt_num(tonnes))),
            ("Distance [km]", esc(fmt_num(row["distance_km"]))),
            ("Mineral cost [USD/yr]", esc(fmt_usd(row["mineral_cost_usd_per_yr"]))),
            ("Freight cost [USD/yr]", esc(fmt_usd(row["freight_cost_usd_per_yr"]))),
            ("Total cost [USD/yr]", esc(fmt_usd(row["cost_usd_per_yr"]))),
        ]
        lines.add(
            [start, end],
            color=colours.get(row["mineral"], "#555555"),
            weight=flow_width(tonnes, largest),
            opacity=0.55,
            dash_array="6 4" if bool(row["foreign"]) else None,
            class_name=FLOW_CLASS,
            tooltip=text,
            popup=_table(table),
        )
    lines.add_to(group)
    minerals = sorted(set(flows["mineral"]))
    return flow_legend_html(largest, {k: colours.get(k, "#555555") for k in minerals})


def _add_products(group: folium.FeatureGroup, result: Result, data: RegionData) -> str:
    """Outbound deliveries (site or gateway → market node), coloured by type, width by the
    square root of the amount relative to the type's largest, imports dashed; return their
    legend."""
    products = getattr(result, "products", None)
    if products is None or len(products) == 0:
        return ""
    products = products[products["units_per_yr"] > 0]
    largest = products.groupby("cluster_type")["units_per_yr"].max().to_dict()
    lines = Lines()
    for row in products.to_dict("records"):
        k, amount, imported = row["cluster_type"], float(row["units_per_yr"]), row["origin_kind"]
        origin = (
            f"import via {row['origin']}"
            if imported == "import"
            else region_name(data, row["origin"])
        )
        table = [
            ("From", esc(origin)),
            ("To market", esc(region_name(data, row["node_region_id"]))),
            ("Product", esc(k)),
            (f"Amount [{esc(row['unit'])}]", esc(fmt_num(amount))),
            ("Distance [km]", esc(fmt_num(row["distance_km"]))),
            ("Freight [USD/yr]", esc(fmt_usd(row["freight_cost_usd_per_yr"]))),
        ]
        lines.add(
            [
                (float(row["origin_lat"]), float(row["origin_lon"])),
                (float(row["node_lat"]), float(row["node_lon"])),
            ],
            color=TYPE_COLOURS.get(k, "#333333"),
            weight=flow_width(amount, float(largest[k])),
            opacity=0.55,
            dash_array="6 4" if imported == "import" else None,
            class_name=PRODUCT_CLASS,
            tooltip=(
                f"{esc(k)}: {esc(fmt_num(amount))} {esc(row['unit'])} to "
                f"{esc(row['node_region_id'])}"
            ),
            popup=_table(table),
        )
    lines.add_to(group)
    swatches = " ".join(
        f'<span style="color:{TYPE_COLOURS.get(k, "#333333")}">&#9632;</span> {esc(k)}'
        for k in sorted(largest)
    )
    return (
        '<div class="cs-legend-sub"><b>Products out</b> (to markets)<br>width: share of the '
        "type's largest delivery; dashed: from an import port"
        f"<br>{swatches}</div>"
    )


def flow_width(tonnes: float, largest: float) -> float:
    """Line width of a flow [px]: 1 to 8 by the square root of its tonnes (area-like).

    >>> flow_width(100.0, 100.0), flow_width(25.0, 100.0), flow_width(0.0, 0.0)
    (8.0, 4.5, 1.0)
    """
    return round(1.0 + 7.0 * math.sqrt(tonnes / largest), 2) if largest > 0 else 1.0


def flow_legend_html(largest: float, colours: Mapping[str, str]) -> str:
    """Legend of the mineral flows: widths for three tonnages, dashed imports, mineral colours."""
    rows = []
    for share in (1.0, 0.25, 0.01):
        tonnes = largest * share
        width = flow_width(tonnes, largest)
        rows.append(
            f'<svg width="30" height="10"><line x1="1" y1="5" x2="29" y2="5" stroke="#555" '
            f'stroke-width="{width}"/></svg> {esc(tick_label(tonnes))}'
        )
    rows.append(
        '<svg width="30" height="10"><line x1="1" y1="5" x2="29" y2="5" stroke="#555" '
        'stroke-width="2" stroke-dasharray="6 4"/></svg> imported'
    )
    swatches = " ".join(
        f'<span style="color:{c}">&#9632;</span> {esc(mineral_name(k))}' for k, c in colours.items()
    )
    return (
        '<div class="cs-legend-sub"><b>Minerals in [t/yr]</b><br>'
        + " ".join(rows)
        + f"<br>{swatches}</div>"
    )
