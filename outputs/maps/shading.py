"""State shading for folium maps: polygons stored once, switchable choropleths, legends.

The state polygons are written into the page once (``Shapes``) and every choropleth layer
(``GeoLayer``) fills them by region id, which keeps a map with many shadings small. Tooltip and
legend HTML passed in must already be escaped.
"""

from __future__ import annotations

import contextlib
import math
import weakref
from collections.abc import Mapping

import branca.colormap as cm
import folium
import numpy as np
import pandas as pd
from branca.element import MacroElement
from folium.template import Template

from regions import RegionData
from regions.boundaries import county_labels

from ..formatting import esc, fmt_num

CHOROPLETH_CLASS = "cs-choropleth"


_NAMES: dict[int, tuple[weakref.ref, dict[str, str]]] = {}


def region_name(data: RegionData, region_id: str) -> str:
    """The region's name (its id when unknown), looked up in a dict made once per RegionData
    (a map asks for over a thousand names). At county resolution a county is named with its
    kind and state from the county outlines (``'Lake County, Ohio'``, not ``'Lake, OH'``)."""
    cached = _NAMES.get(id(data))
    if cached is None or cached[0]() is not data:
        names = {str(k): str(v) for k, v in data.regions["name"].items()}
        if data.metadata.get("resolution") == "county":
            names.update(county_labels(names))
        with contextlib.suppress(TypeError):  # an object without weak references is not cached
            _NAMES[id(data)] = (weakref.ref(data), names)
    else:
        names = cached[1]
    return names.get(region_id, region_id)


# ---------------------------------------------------------------------------------------------
# custom Leaflet elements
# ---------------------------------------------------------------------------------------------


class Shapes(MacroElement):
    """A GeoJSON FeatureCollection stored once in a JS variable (feature id = region id)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = {{ this.collection|tojson }};
        {% endmacro %}
        """
    )

    def __init__(self, collection: dict):
        super().__init__()
        self._name = "Shapes"
        self.collection = collection


class GeoLayer(MacroElement):
    """Polygons of a ``Shapes`` variable drawn into the parent layer, filled by id.

    ``colours``/``tips`` map feature id → fill colour / tooltip HTML (already escaped).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var colours = {{ this.colours|tojson }};
            var tips = {{ this.tips|tojson }};
            var style = {{ this.style|tojson }};
            L.geoJSON({{ this.shapes.get_name() }}, {
                className: {{ this.class_name|tojson }},
                interactive: {{ this.interactive|tojson }},
                filter: function (f) { return {{ this.only|tojson }} === null
                    || {{ this.only|tojson }}.indexOf(f.id) >= 0; },
                style: function (f) {
                    var s = Object.assign({}, style);
                    if (colours[f.id]) { s.fillColor = colours[f.id]; }
                    else if (style.fill) { s.fillOpacity = 0.0; }
                    return s;
                },
                onEachFeature: function (f, layer) {
                    if (tips[f.id]) { layer.bindTooltip(tips[f.id], {sticky: true}); }
                }
            }).addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        shapes: Shapes,
        *,
        colours: Mapping[str, str] | None = None,
        tips: Mapping[str, str] | None = None,
        style: Mapping[str, object] | None = None,
        class_name: str = CHOROPLETH_CLASS,
        interactive: bool = True,
        only: list[str] | None = None,
    ):
        super().__init__()
        self._name = "GeoLayer"
        self.shapes = shapes
        self.colours = dict(colours or {})
        self.tips = dict(tips or {})
        self.style = {
            "color": "#555555",
            "weight": 0.6,
            "fill": True,
            "fillOpacity": 0.7,
            **(style or {}),
        }
        self.class_name = class_name
        self.interactive = interactive
        self.only = only


class HtmlControl(MacroElement):
    """A Leaflet control whose content is fixed HTML (already escaped). With ``toggle_with``
    it shows only while the overlay of that (escaped) name is on."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var control = L.control({position: {{ this.position|tojson }}});
            control.onAdd = function () {
                var div = L.DomUtil.create('div', {{ this.class_name|tojson }});
                div.innerHTML = {{ this.html|tojson }};
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            control.addTo(map);
            {% if this.toggle_with %}
            var name = {{ this.toggle_with|tojson }};
            control.getContainer().style.display = 'none';
            map.on('overlayadd', function (e) {
                if (e.name === name) { control.getContainer().style.display = 'block'; }
            });
            map.on('overlayremove', function (e) {
                if (e.name === name) { control.getContainer().style.display = 'none'; }
            });
            {% endif %}
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        html: str,
        *,
        position: str = "topleft",
        class_name: str = "cs-title",
        toggle_with: str | None = None,
    ):
        super().__init__()
        self._name = "Control"
        self.html = html
        self.position = position
        self.class_name = class_name
        self.toggle_with = toggle_with


class Legends(MacroElement):
    """One legend per choropleth layer; shows the legend of the base layer on display."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var legends = {{ this.legends|tojson }};
            var control = L.control({position: 'bottomright'});
            control.onAdd = function () {
                var div = L.DomUtil.create('div', 'cs-legend');
                L.DomEvent.disableClickPropagation(div);
                return div;
            };
            control.addTo(map);
            function show(name) {
                var div = control.getContainer();
                div.innerHTML = legends[name] || '';
                div.style.display = legends[name] ? 'block' : 'none';
            }
            map.on('baselayerchange', function (e) { show(e.name); });
            show({{ this.initial|tojson }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, legends: Mapping[str, str], initial: str):
        super().__init__()
        self._name = "Legends"
        self.legends = dict(legends)
        self.initial = initial


MAP_STYLE = """
<style>
.cs-title, .cs-legend {background: rgba(255,255,255,0.93); padding: 6px 9px; border-radius: 5px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.35); font: 12px/1.35 system-ui, sans-serif; color: #222;}
.cs-title {max-width: 330px; max-height: 60vh; overflow-y: auto;}
.cs-title h4 {margin: 0 0 3px 0; font-size: 14px;}
.cs-title p {margin: 2px 0;}
.cs-legend .cs-bar {width: 220px; height: 11px; border: 1px solid #999;}
.cs-legend .cs-ticks {display: flex; justify-content: space-between; width: 222px;}
.cs-legend .cs-unit {color: #555; text-align: center; width: 222px;}
.leaflet-container {background: #eef2f5;}
.cs-title {padding: 4px 8px;} .cs-info summary {cursor: pointer;}
.cs-info[open] summary {margin-bottom: 3px;}
.cs-flow-legend {background: rgba(255,255,255,0.93); padding: 6px 9px; border-radius: 5px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.35); font: 12px/1.35 system-ui, sans-serif;}
.cs-flow-legend svg {display: block;}
.leaflet-control-layers-base::before {content: "Shading"; font-weight: 600; display: block;}
.leaflet-control-layers-overlays::before {content: "Layers"; font-weight: 600; display: block;}
.cs-dot {border-radius: 50%; border: 1px solid #222;}
table.cs-t {font-size: 12px; border-collapse: collapse;}
table.cs-t th {text-align: left; padding-right: 8px; font-weight: normal;}
table.cs-t td {text-align: right;}
</style>
"""


# ---------------------------------------------------------------------------------------------
# choropleths and legends
# ---------------------------------------------------------------------------------------------


def colormap_for(
    values: pd.Series, palette: str | list[str], caption: str, *, from_zero: bool = False
) -> cm.LinearColormap:
    finite = values[np.isfinite(values.astype(float))]
    vmin = float(finite.min()) if len(finite) else 0.0
    if from_zero:
        vmin = min(vmin, 0.0)
    vmax = float(finite.max()) if len(finite) else 1.0
    if vmax <= vmin:
        vmax = vmin + 1.0
    if isinstance(palette, str):
        colormap = getattr(cm.linear, palette).scale(vmin, vmax)
        colormap.caption = caption
        return colormap
    return cm.LinearColormap(palette, vmin=vmin, vmax=vmax, caption=caption)


def tick_label(value: float) -> str:
    """A rounded legend tick: three significant digits, thousands as k, M, bn.

    >>> tick_label(88_364_839), tick_label(0.0), tick_label(1234.5), tick_label(0.351)
    ('88.4 M', '0', '1.23 k', '0.351')
    """
    if not math.isfinite(value):
        return "n/a"
    size = abs(value)
    for scale, suffix in ((1e9, " bn"), (1e6, " M"), (1e3, " k")):
        if size >= scale:
            return f"{value / scale:.3g}{suffix}"
    return "0" if size == 0 else f"{value:.3g}"


def split_unit(title: str) -> tuple[str, str]:
    """``'Power price [USD/MWh]'`` → ``('Power price', 'USD/MWh')``."""
    if title.endswith("]") and " [" in title:
        name, _, unit = title[:-1].rpartition(" [")
        return name, unit
    return title, ""


def legend_html(colormap: cm.LinearColormap, title: str) -> str:
    """A legend: the layer name, a colour bar, three rounded ticks with the unit."""
    stops = np.linspace(colormap.vmin, colormap.vmax, 7)
    gradient = ", ".join(colormap.rgb_hex_str(float(v)) for v in stops)
    ticks = [colormap.vmin, (colormap.vmin + colormap.vmax) / 2, colormap.vmax]
    _, unit = split_unit(title)
    unit_html = f'<div class="cs-unit">{esc(unit)}</div>' if unit else ""
    return (
        f"<b>{esc(title)}</b>"
        f'<div class="cs-bar" style="background: linear-gradient(to right, {gradient})"></div>'
        '<div class="cs-ticks">'
        + "".join(f"<span>{esc(tick_label(float(t)))}</span>" for t in ticks)
        + "</div>"
        + unit_html
    )


def permitting_notes(data: RegionData) -> dict[str, str]:
    """Tooltip line per region for the permitting layer: range and the evidence behind it.

    >>> import regions
    >>> permitting_notes(regions.load())["NC"]
    'range 6.4–12 months; evidence: 1 piece'
    """
    table = data.permitting
    if not len(table) or "evidence_count" not in table.columns:
        return {}
    notes = {}
    for region_id, row in table.iterrows():
        count = int(row["evidence_count"])
        span = (
            f"range {fmt_num(row['permitting_months_low'])}–"
            f"{fmt_num(row['permitting_months_high'])} months; "
        )
        if row["basis"] == "evidence":
            what = f"evidence: {count} piece{'s' if count != 1 else ''}"
        elif row["basis"] == "regional_default":
            what = "evidence: none, borrowed (regional default of other states)"
        else:
            what = "evidence: none (user figure)"
        notes[str(region_id)] = esc(span + what)
    return notes


def add_choropleth(
    m: folium.Map,
    shapes: Shapes,
    data: RegionData,
    name: str,
    values: pd.Series,
    palette: str | list[str],
    *,
    show: bool,
    zero_is_blank: bool = False,
    notes: Mapping[str, str] | None = None,
    names: Mapping[str, str] | None = None,
) -> tuple[str, str]:
    """Add one base-like (radio) choropleth group; return its (escaped) name and legend HTML.

    ``notes`` maps region id → an extra tooltip line (escaped HTML), e.g. the evidence behind it.
    ``names`` (shape id → name) shades shapes other than the regions (the states of a county
    run); by default the shapes are ``data``'s regions.
    """
    ids = data.regions.index if names is None else pd.Index(list(names))
    values = pd.to_numeric(values, errors="coerce")
    values = values[values.index.isin(ids)]
    shown = values[np.isfinite(values)]
    if zero_is_blank:
        shown = shown[shown > 0]
    colormap = colormap_for(
        shown if len(shown) else values.fillna(0.0), palette, name, from_zero=zero_is_blank
    )
    colours = {str(r): colormap.rgb_hex_str(float(v)) for r, v in shown.items()}
    tips = {}
    for region_id in ids:
        value = values.get(region_id, math.nan)
        text = fmt_num(value) if np.isfinite(value) else "no data"
        title = region_name(data, region_id) if names is None else names[region_id]
        tips[str(region_id)] = f"<b>{esc(title)}</b> ({esc(region_id)})<br>{esc(name)}: {esc(text)}"
        if notes and notes.get(region_id):
            tips[str(region_id)] += f"<br>{notes[region_id]}"
    label = esc(name)
    group = folium.FeatureGroup(name=label, overlay=False, show=show)
    group.add_child(GeoLayer(shapes, colours=colours, tips=tips))
    group.add_to(m)
    return label, legend_html(colormap, name)


# ---------------------------------------------------------------------------------------------
# markers
# ---------------------------------------------------------------------------------------------
