"""Acting on a state from the app's map: a click on a state opens a popup with "Exclude" and
"Force a … site" buttons; a button posts ``{source: "clustersite-map", action, region, type}``
to the page around the map (the app), which applies it to the tab's levers and solves again.

The map page is served by the app itself (same origin), so the message reaches the app's page
only; a map opened on its own has no parent and the buttons do nothing.
"""

from __future__ import annotations

import folium
from branca.element import MacroElement
from folium.template import Template

from optimizer import CLUSTER_TYPES
from regions import RegionData

from ..formatting import esc

MESSAGE_SOURCE = "clustersite-map"
ACTION_CLASS = "cs-state-action"
TYPE_NOUNS = {"battery": "battery-cell", "magnet": "magnet", "solar": "solar"}


class StateActions(MacroElement):
    """Makes every state polygon (feature id = region id) open the action popup on click."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var names = {{ this.names|tojson }};
            var buttons = {{ this.buttons|tojson }};
            function open(id, latlng) {
                var html = '<div class="cs-actions"><b>' + names[id] + ' (' + id + ')</b><br>' +
                    buttons.map(function (b) {
                        return '<button class="{{ this.css }}" data-action="' + b[0] +
                            '" data-type="' + b[1] + '" data-region="' + id + '">' + b[2] +
                            '</button>';
                    }).join('<br>') + '</div>';
                var popup = L.popup({maxWidth: 260}).setLatLng(latlng).setContent(html).openOn(map);
                popup.getElement().querySelectorAll('button').forEach(function (button) {
                    button.addEventListener('click', function () {
                        if (window.parent && window.parent !== window) {
                            window.parent.postMessage({
                                source: {{ this.source|tojson }},
                                action: button.dataset.action,
                                region: button.dataset.region,
                                type: button.dataset.type
                            }, window.location.origin);
                        }
                        map.closePopup();
                    });
                });
            }
            function hook(layer) {
                var id = layer.feature && layer.feature.id;
                if (id && names[id] && !layer._csActions) {
                    layer._csActions = true;
                    layer.on('click', function (e) { open(id, e.latlng); });
                }
            }
            map.on('layeradd', function (e) { hook(e.layer); });
            map.eachLayer(hook);
        })();
        {% endmacro %}
        """
    )

    def __init__(self, names: dict[str, str], force: bool = True):
        super().__init__()
        self._name = "StateActions"
        self.names = names
        self.buttons = [["exclude", "", "Exclude from new sites"]] + [
            ["force", k, f"Force a {TYPE_NOUNS[k]} site here"] for k in CLUSTER_TYPES if force
        ]
        self.css = ACTION_CLASS
        self.source = MESSAGE_SOURCE


ACTION_STYLE = """
<style>
.cs-actions button {margin: 3px 0; padding: 3px 8px; border: 1px solid #1f3a5f;
  border-radius: 4px; background: #fff; color: #1f3a5f; cursor: pointer; font: 12px system-ui;}
.cs-actions button:hover {background: #1f3a5f; color: #fff;}
</style>
"""


def add_state_actions(m: folium.Map, data: RegionData, *, force: bool = True) -> folium.Map:
    """Let a click on a state of ``m`` (``data``: the state dataset) offer to exclude it or,
    with ``force``, force a site there (app maps; a county map offers the exclusion only, which
    reaches every county of the state)."""
    names = {str(r): esc(n) for r, n in data.regions["name"].items()}
    m.get_root().header.add_child(folium.Element(ACTION_STYLE), name="cs_actions_style")
    m.add_child(StateActions(names, force))
    return m


__all__ = ["ACTION_CLASS", "MESSAGE_SOURCE", "StateActions", "add_state_actions"]
