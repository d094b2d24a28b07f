"""The map of a phased build-out: the sites of each period year, chosen with a year slider, with a
title panel (scenario, present values, schedule) and one legend, over the state outlines.

Each year is one layer group of circle markers, ``cs-phase-site`` with the type and
``data-year``: a solid circle (area ∝ capacity producing that year) for a site producing, a
dashed ring for capacity decided but not yet producing (permitting and construction). The slider
(``input.cs-year-slider``) shows one year at a time; the page is self-contained.
"""

from __future__ import annotations

from ..maps import lazy_templates  # noqa: F401 - before folium: its templates compiled on first use

# isort: split
import math

import folium
from branca.element import MacroElement
from folium.template import Template

from optimizer import CAPACITY_UNITS, CLUSTER_TYPES
from optimizer.phased.result import PhasedResult
from regions import RegionData

from ..formatting import esc, fmt_num, fmt_usd_short
from ..geometry import state_shapes
from ..maps.batched import Circles
from ..maps.info import TYPE_COLOURS
from ..maps.legend import LEGEND_STYLE, LegendBox, fit_between_bands
from ..maps.scenario import CONUS_BOUNDS, US_CENTER, ZOOM_RANGE
from ..maps.shading import MAP_STYLE, GeoLayer, HtmlControl, Shapes, region_name

SITE_CLASS = "cs-phase-site"
SLIDER_CLASS = "cs-year-slider"
TYPE_OFFSETS = {"battery": (0.35, -0.45), "magnet": (0.35, 0.45), "solar": (-0.4, 0.0)}


class YearSlider(MacroElement):
    """A control with a range input over the period years: shows the layer group of the chosen
    year and hides the others (``groups``: year → folium layer, added to the map beforehand)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var years = {{ this.years|tojson }};
            var groups = [{% for g in this.groups %}{{ g.get_name() }}{% if not loop.last %}, {% endif %}{% endfor %}];
            var row = map.getContainer().querySelector('.cs-legend-row');
            var box = L.DomUtil.create('div', 'cs-legend-part cs-year-box');
            box.innerHTML = '<b>Year <span class="cs-year-label"></span></b><br>' +
                '<input type="range" class="{{ this.css }}" min="0" step="1" max="' +
                (years.length - 1) + '" value="' + (years.length - 1) + '">' +
                '<div class="cs-year-ends"><span>' + years[0] + '</span><span>' +
                years[years.length - 1] + '</span></div>';
            if (row) { row.insertBefore(box, row.firstChild); }
            else {
                var control = L.control({position: 'bottomleft'});
                control.onAdd = function () { return box; };
                control.addTo(map);
            }
            L.DomEvent.disableClickPropagation(box);
            var input = box.querySelector('input');
            function show(i) {
                groups.forEach(function (g, j) {
                    if (j === i) { if (!map.hasLayer(g)) { map.addLayer(g); } }
                    else if (map.hasLayer(g)) { map.removeLayer(g); }
                });
                box.querySelector('.cs-year-label').textContent = years[i];
                input.value = i;
                map.getContainer().setAttribute('data-year', years[i]);
            }
            input.addEventListener('input', function () { show(parseInt(input.value, 10)); });
            show(years.length - 1);
        })();
        {% endmacro %}
        """
    )

    def __init__(self, years: list[int], groups: list[folium.FeatureGroup]):
        super().__init__()
        self._name = "YearSlider"
        self.years = [int(y) for y in years]
        self.groups = groups
        self.css = SLIDER_CLASS


SLIDER_STYLE = """
<style>
.cs-year-box {width: 200px;}
.cs-year-box input {width: 100%;}
.cs-year-ends {display: flex; justify-content: space-between; color: #555;}
</style>
"""


def _title(result: PhasedResult, data: RegionData) -> str:
    scenario = result.scenario
    rows = []
    for label, scope in (
        ("System cost", "system"),
        ("Investor cost", "investor"),
        ("Public outlay", "public_outlay"),
    ):
        try:
            rows.append((label, f"{fmt_usd_short(result.kpi('present_value', scope))}"))
        except KeyError:
            continue
    table = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
    first = ", ".join(
        f"{k} from {int(g['online_year'].min())}"
        for k, g in result.schedule.groupby("cluster_type")
    )
    return (
        f'<details class="cs-info"><summary><b>Scenario: {esc(scenario.name)}</b> '
        f"(phased, {esc(result.report.status.value)})</summary>"
        f"<p>{esc(scenario.description)}</p>"
        f"<p>Present values [USD, {esc(result.inputs.spec.base_year)}], discounted at "
        f"{esc(f'{result.inputs.discount_rate:.1%}')}:</p>"
        f'<table class="cs-t">{table}</table>'
        f"<p>{len(result.schedule)} sites built; new capacity produces {esc(first or 'never')}"
        ".</p></details>"
    )


def _legend(result: PhasedResult) -> str:
    types = sorted(set(result.schedule["cluster_type"]), key=CLUSTER_TYPES.index)
    swatches = "<br>".join(
        f'<span style="color:{TYPE_COLOURS[k]}">&#9679;</span> {esc(k)} [{esc(CAPACITY_UNITS[k])}]'
        for k in types
    )
    return (
        "<b>Sites by year</b><br>"
        '<svg width="16" height="12"><circle cx="8" cy="6" r="5" fill="#555"/></svg> producing '
        "(area: capacity online)<br>"
        '<svg width="16" height="12"><circle cx="8" cy="6" r="5" fill="none" stroke="#555" '
        'stroke-dasharray="2 2"/></svg> decided, not yet producing<br>' + swatches
    )


def period_map(result: PhasedResult, data: RegionData) -> folium.Map:
    """The map of ``result``: one layer group per period year, a year slider, title, legend."""
    m = folium.Map(location=US_CENTER, zoom_start=4, tiles=None)
    m.options.update(ZOOM_RANGE)
    fit_between_bands(m, CONUS_BOUNDS)
    style = MAP_STYLE + LEGEND_STYLE + SLIDER_STYLE
    m.get_root().header.add_child(folium.Element(style), name="cs_style")
    shapes = Shapes(state_shapes(data))
    m.add_child(shapes)
    states = folium.FeatureGroup(name="States", control=False)
    states.add_child(
        GeoLayer(
            shapes, style={"color": "#777777", "weight": 0.8, "fillOpacity": 0.0}, interactive=False
        )
    )
    states.add_to(m)
    capacity = result.capacity
    top = capacity.groupby("cluster_type")[["decided", "online"]].max().max(axis=1).to_dict()
    years = list(result.inputs.years)
    groups = []
    for year in years:
        group = folium.FeatureGroup(name=str(year), control=False, show=year == years[-1])
        circles = Circles()
        now = capacity[(capacity["year"] == year) & (capacity["decided"] > 0)]
        for row in now.to_dict("records"):
            k, region_id = str(row["cluster_type"]), str(row["region_id"])
            online, decided = float(row["online"]), float(row["decided"])
            lat = float(data.regions.at[region_id, "rep_lat"]) + TYPE_OFFSETS[k][0]
            lon = float(data.regions.at[region_id, "rep_lon"]) + TYPE_OFFSETS[k][1]
            largest = float(top.get(k) or 1.0)
            producing = online > 0
            amount = online if producing else decided
            unit = CAPACITY_UNITS[k]
            text = (
                f"<b>{esc(region_name(data, region_id))}</b> {year}: {esc(k)} "
                f"({esc(row['mode'])}) {esc(fmt_num(online))} of {esc(fmt_num(decided))} "
                f"{esc(unit)} producing"
            )
            circles.add(
                (lat, lon),
                radius=4 + 14 * math.sqrt(max(amount, 0.0) / largest),
                color=TYPE_COLOURS[k] if producing else "#555555",
                weight=1.5,
                fill=producing,
                fill_color=TYPE_COLOURS[k],
                fill_opacity=0.75,
                dash_array=None if producing else "3 3",
                class_name=f"{SITE_CLASS} {SITE_CLASS}-{k} cs-year-{year}",
                tooltip=text,
                popup=text,
            )
        circles.add_to(group)
        group.add_to(m)
        groups.append(group)
    m.add_child(HtmlControl(_title(result, data), position="topleft", class_name="cs-title"))
    m.add_child(LegendBox(_legend(result), {}, ""))
    m.add_child(YearSlider(years, groups))
    return m


__all__ = ["SITE_CLASS", "SLIDER_CLASS", "YearSlider", "period_map"]
