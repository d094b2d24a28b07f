"""Many lines, circle markers or dots drawn by one script per layer, not one folium element each.

The sites, facilities, mineral flows, product deliveries and mineral sources of a map are
hundreds of items, each of which folium would render as three elements (shape, tooltip, popup)
through three templates: most of the time a side-by-side map took. Here a layer's items travel
as one JavaScript array and one loop adds them to their parent layer with the Leaflet options,
sticky tooltip and popup ``maxWidth`` that ``folium.PolyLine`` / ``folium.CircleMarker`` /
``folium.Marker`` with ``folium.Tooltip`` and ``folium.Popup`` would give. Tooltip and popup
texts are HTML the caller has escaped already; the page holds them as they are.

>>> lines = Lines()
>>> lines.add([(40.0, -90.0), (41.0, -88.5)], color="#1f77b4", weight=3.0, tooltip="a", popup="b")
>>> lines.items[0][:3]
[[[40.0, -90.0], [41.0, -88.5]], '#1f77b4', 3.0]
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from branca.element import MacroElement
from jinja2 import Template

POPUP_WIDTH = 360
"""Largest popup width [px] unless an item asks for another."""

_BIND = """
      .bindTooltip("<div>" + d.t + "</div>", {"sticky": true})
      .bindPopup(L.popup({"maxWidth": d.w}).setContent(
        '<div style="width: 100.0%; height: 100.0%;">' + d.p + "</div>"))
      .addTo({{ this._parent.get_name() }});
"""


_CLOSING = re.compile(r"</(script)", re.IGNORECASE)
HTML_KEYS = frozenset({"t", "p", "h"})
"""Keys whose values are HTML: written as template literals, so the page holds the HTML as it
is (quotes and all), as folium writes its tooltips and popups."""


def _guard(text: str) -> str:
    r"""``text`` that cannot end the page's script element: ``</script`` and ``<!--`` become
    ``<\/script`` and ``<\u0021--`` (the same characters once the script runs).

    >>> print(_guard("a</SCRIPT><!--"))
    a<\/SCRIPT><\u0021--
    """
    return _CLOSING.sub(r"<\\/\1", text).replace("<!--", "<\\u0021--")


def _literal(text: str) -> str:
    r"""``text`` as a JavaScript template literal (backslash, backtick and ``${`` escaped).

    >>> print(_literal('<b class="x">`${a}`</b>'))
    `<b class="x">\`\${a}\`</b>`
    """
    body = text.replace("\\", "\\\\").replace("`", "\\`").replace("${", "\\${")
    return "`" + body + "`"


def _js(keys: Sequence[str], items: list[list]) -> str:
    """``items`` as a JavaScript array of objects with ``keys``: HTML values (``HTML_KEYS``) as
    template literals, the rest as JSON."""
    rows = []
    for item in items:
        fields = (
            f"{key}: {_literal(value) if key in HTML_KEYS else json.dumps(value, allow_nan=False)}"
            for key, value in zip(keys, item, strict=True)
        )
        rows.append("{" + ", ".join(fields) + "}")
    return _guard("[" + ",\n".join(rows) + "]")


class Lines(MacroElement):
    """Straight lines (``folium.PolyLine``) with tooltip and popup, added to the parent layer."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
    {{ this.as_js() }}.forEach(function (d) {
      L.polyline(d.ll, {"bubblingMouseEvents": true, "className": d.c, "color": d.k,
        "dashArray": d.a, "dashOffset": null, "fill": false, "fillColor": d.k,
        "fillOpacity": 0.2, "fillRule": "evenodd", "lineCap": "round", "lineJoin": "round",
        "noClip": false, "opacity": d.o, "smoothFactor": 1.0, "stroke": true, "weight": d.x})"""
        + _BIND
        + """    });
{% endmacro %}
"""
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "Lines"
        self.items: list[list] = []

    def add(
        self,
        points: Sequence[tuple[float, float]],
        *,
        color: str,
        weight: float,
        tooltip: str,
        popup: str,
        opacity: float = 0.75,
        dash_array: str | None = None,
        class_name: str = "",
        popup_width: int = POPUP_WIDTH,
    ) -> None:
        """One line through ``points`` (lat, lon) [deg]; ``weight`` [px]; texts are HTML."""
        self.items.append(
            [[[float(a), float(b)] for a, b in points], color, float(weight), float(opacity),
             dash_array, class_name, tooltip, popup, int(popup_width)]
        )  # fmt: skip

    def as_js(self) -> str:
        """The items as a JavaScript array of objects (short keys keep the page small)."""
        return _js(("ll", "k", "x", "o", "a", "c", "t", "p", "w"), self.items)


class Circles(MacroElement):
    """Circle markers (``folium.CircleMarker``) with tooltip and popup, added to the parent."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
    {{ this.as_js() }}.forEach(function (d) {
      L.circleMarker(d.ll, {"bubblingMouseEvents": true, "className": d.c, "color": d.k,
        "dashArray": d.a, "dashOffset": null, "fill": d.fl, "fillColor": d.f,
        "fillOpacity": d.fo, "fillRule": "evenodd", "lineCap": "round", "lineJoin": "round",
        "opacity": 1.0, "radius": d.r, "stroke": true, "weight": d.x})"""
        + _BIND
        + """    });
{% endmacro %}
"""
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "Circles"
        self.items: list[list] = []

    def add(
        self,
        location: tuple[float, float],
        *,
        radius: float,
        color: str,
        weight: float,
        tooltip: str,
        popup: str,
        fill: bool = True,
        fill_color: str | None = None,
        fill_opacity: float = 0.2,
        dash_array: str | None = None,
        class_name: str = "",
        popup_width: int = POPUP_WIDTH,
    ) -> None:
        """One circle marker at ``location`` (lat, lon) [deg], ``radius`` [px]; texts are HTML;
        the fill colour defaults to ``color``, as folium's does."""
        self.items.append(
            [[float(location[0]), float(location[1])], float(radius), color, float(weight),
             bool(fill), fill_color or color, float(fill_opacity), dash_array, class_name,
             tooltip, popup, int(popup_width)]
        )  # fmt: skip

    def as_js(self) -> str:
        """The items as a JavaScript array of objects (short keys keep the page small)."""
        return _js(("ll", "r", "k", "x", "fl", "f", "fo", "a", "c", "t", "p", "w"), self.items)


class Dots(MacroElement):
    """Square dots of one colour (``folium.Marker`` with a ``folium.DivIcon``) with tooltip and
    popup, added to the parent (a layer or a marker cluster)."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
    {{ this.as_js() }}.forEach(function (d) {
      L.marker(d.ll, {}).setIcon(L.divIcon({"className": d.c, "html": d.h,
        "iconAnchor": [d.s / 2, d.s / 2], "iconSize": [d.s, d.s]}))"""
        + _BIND
        + """    });
{% endmacro %}
"""
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "Dots"
        self.items: list[list] = []

    def add(
        self,
        location: tuple[float, float],
        *,
        colour: str,
        tooltip: str,
        popup: str,
        size: int = 10,
        class_name: str = "",
        popup_width: int = POPUP_WIDTH,
    ) -> None:
        """One dot of ``size`` [px] at ``location`` (lat, lon) [deg]; texts are HTML."""
        html = (
            f'<div class="cs-dot" style="width:{size}px;height:{size}px;background:{colour}"></div>'
        )
        self.items.append(
            [[float(location[0]), float(location[1])], html, int(size), class_name, tooltip,
             popup, int(popup_width)]
        )  # fmt: skip

    def as_js(self) -> str:
        """The items as a JavaScript array of objects (short keys keep the page small)."""
        return _js(("ll", "h", "s", "c", "t", "p", "w"), self.items)


__all__ = ["POPUP_WIDTH", "Circles", "Dots", "Lines"]
