"""One legend area per map and where the controls sit, so that nothing covers a site.

The legend is one control at the bottom left, a row of parts (the sites' key, the legend of the
shading shown, and the flows' legend while the flows are on) that the reader can fold. The zoom
buttons and the scale bar sit at the bottom right, the info panel (folded) at the top left, the
layer button at the top right; the map fits the lower 48 states into the space between the top
and bottom bands (``fit_between_bands``), with fractional zoom so it fills the window.
"""

from __future__ import annotations

from collections.abc import Mapping

import folium
from branca.element import MacroElement
from folium.template import Template

LEGEND_CLASS = "cs-legend-box"
TOP_BAND_PX = 56
"""Height kept free of the states at the top: the folded info panel and the layer button [px]."""
BOTTOM_BAND_PX = 118
"""Height kept free of the states at the bottom: the legend, zoom buttons and scale [px]."""
ZOOM_SNAP = 0.25


class LegendBox(MacroElement):
    """The map's one legend: ``fixed`` HTML (always shown), the legend of the shading shown
    (``shading``: layer name → HTML, ``initial`` shown first) and ``toggled`` parts shown while
    their overlay (layer name → HTML) is on; ``folded`` starts it folded (side-by-side maps).
    HTML passed in must be escaped already."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var shading = {{ this.shading|tojson }};
            var toggled = {{ this.toggled|tojson }};
            var control = L.control({position: 'bottomleft'});
            control.onAdd = function () {
                var div = L.DomUtil.create('div', {{ this.css|tojson }});
                div.innerHTML = '<details{{ "" if this.folded else " open" }}><summary>Legend</summary>'
                    + '<div class="cs-legend-row">'
                    + '<div class="cs-legend-part cs-legend-fixed">' + {{ this.fixed|tojson }}
                    + '</div><div class="cs-legend-part cs-legend"></div></div></details>';
                div.style.maxWidth = Math.max(map.getSize().x - 130, 160) + 'px';
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            control.addTo(map);
            var box = control.getContainer();
            var row = box.querySelector('.cs-legend-row');
            var shown = box.querySelector('.cs-legend');
            var parts = {};
            Object.keys(toggled).forEach(function (name) {
                var div = L.DomUtil.create('div', 'cs-legend-part cs-flow-legend', row);
                div.innerHTML = toggled[name];
                parts[name] = div;
            });
            function show(name) {
                shown.innerHTML = shading[name] || '';
                shown.style.display = shading[name] ? 'block' : 'none';
            }
            function toggle(name, on) {
                if (parts[name]) { parts[name].style.display = on ? 'flex' : 'none'; }
            }
            map.on('baselayerchange', function (e) { show(e.name); });
            map.on('overlayadd', function (e) { toggle(e.name, true); });
            map.on('overlayremove', function (e) { toggle(e.name, false); });
            show({{ this.initial|tojson }});
            {% for name in this.initially_on %}toggle({{ name|tojson }}, true);
            {% endfor %}
            Object.keys(parts).forEach(function (name) {
                if ({{ this.initially_on|tojson }}.indexOf(name) < 0) { toggle(name, false); }
            });
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        fixed: str,
        shading: Mapping[str, str],
        initial: str,
        toggled: Mapping[str, str] | None = None,
        initially_on: list[str] | None = None,
        folded: bool = False,
    ):
        super().__init__()
        self._name = "LegendBox"
        self.fixed = fixed
        self.shading = dict(shading)
        self.initial = initial
        self.toggled = dict(toggled or {})
        self.initially_on = list(initially_on or [])
        self.folded = folded
        self.css = LEGEND_CLASS


class ControlCorners(MacroElement):
    """Zoom buttons and a metric/imperial scale bar at the bottom right (the top and the bottom
    left hold the info panel, the layer button and the legend)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            if (map.zoomControl) { map.zoomControl.setPosition('bottomright'); }
            L.control.scale({position: 'bottomright'}).addTo(map);
        })();
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "ControlCorners"


def fit_between_bands(m: folium.Map, bounds: list[list[float]]) -> None:
    """Fit ``bounds`` into the map between the top and bottom bands, with fractional zoom."""
    m.options.update({"zoomSnap": ZOOM_SNAP, "zoomDelta": 0.5})
    m.fit_bounds(
        bounds, padding_top_left=(8, TOP_BAND_PX), padding_bottom_right=(8, BOTTOM_BAND_PX)
    )
    m.add_child(ControlCorners())


LEGEND_STYLE = """
<style>
.cs-legend-box {background: rgba(255,255,255,0.94); padding: 4px 8px; border-radius: 5px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.35); font: 11px/1.3 system-ui, sans-serif; color: #222;
}
.cs-legend-box summary {cursor: pointer; font-weight: 600;}
.cs-legend-row {display: flex; flex-wrap: nowrap; gap: 14px; align-items: flex-start;
  max-height: 92px; overflow-y: auto;}
.cs-legend-part {min-width: 0;}
.cs-legend-part.cs-legend {background: none; box-shadow: none; padding: 0;}
.cs-legend-box .cs-bar {width: 180px; height: 10px; border: 1px solid #999;}
.cs-legend-box .cs-ticks {display: flex; justify-content: space-between; width: 182px;}
.cs-legend-box .cs-unit {color: #555; text-align: center; width: 182px;}
.cs-legend-box svg {vertical-align: middle; display: inline;}
.cs-legend-box .cs-flow-legend {background: none; box-shadow: none; padding: 0; display: flex;
  gap: 12px;}
.cs-legend-sub {max-width: 300px;}
</style>
"""


__all__ = [
    "BOTTOM_BAND_PX",
    "LEGEND_CLASS",
    "LEGEND_STYLE",
    "TOP_BAND_PX",
    "ControlCorners",
    "LegendBox",
    "fit_between_bands",
]
