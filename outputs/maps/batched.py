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


def _bind(tooltip: int, popup: int, width: int) -> str:
    """The script that binds item ``d``'s tooltip and popup (its values at these positions)
    and adds the shape to the parent layer."""
    return f"""
      .bindTooltip("<div>" + d[{tooltip}] + "</div>", {{"sticky": true}})
      .bindPopup(L.popup({{"maxWidth": d[{width}]}}).setContent(
        '<div style="width: 100.0%; height: 100.0%;">' + d[{popup}] + "</div>"))
      .addTo({{{{ this._parent.get_name() }}}});
"""


_CLOSING = re.compile(r"</(script)", re.IGNORECASE)


def _guard(text: str) -> str:
    r"""``text`` that cannot end the page's script element: ``</script`` and ``<!--`` become
    ``<\/script`` and ``<\u0021--`` (the same characters once the script runs).

    >>> print(_guard("a</SCRIPT><!--"))
    a<\/SCRIPT><\u0021--
    """
    return _CLOSING.sub(r"<\\/\1", text).replace("<!--", "<\\u0021--")


def _literal(text: str) -> str:
    r"""``text`` as a JavaScript template literal (backslash, backtick and ``${`` escaped), so
    the page holds the HTML as it is, quotes and all, as folium writes tooltips and popups.

    >>> print(_literal('<b class="x">`${a}`</b>'))
    `<b class="x">\`\${a}\`</b>`
    """
    body = text.replace("\\", "\\\\").replace("`", "\\`").replace("${", "\\${")
    return "`" + body + "`"


def _js(items: list[list], n_html: int) -> str:
    """``items`` as a JavaScript array of arrays: the last ``n_html`` values of each (HTML) as
    template literals, the others as JSON (one ``json.dumps`` per item).

    >>> print(_js([["cs-a", 360, "<b>x</b>"]], 1))
    [["cs-a", 360, `<b>x</b>`]]
    """
    rows = []
    for item in items:
        plain = json.dumps(item[:-n_html], allow_nan=False)
        rows.append(plain[:-1] + ", " + ", ".join(_literal(v) for v in item[-n_html:]) + "]")
    return _guard("[" + ",\n".join(rows) + "]")


class _Batch(MacroElement):
    """Items of one kind drawn by the subclass's script; the last ``n_html`` values of each
    item are HTML."""

    n_html = 2

    def __init__(self) -> None:
        super().__init__()
        self._name = type(self).__name__
        self.items: list[list] = []

    def as_js(self) -> str:
        """The items as a JavaScript array (their HTML values as template literals)."""
        return _js(self.items, self.n_html)


class Lines(_Batch):
    """Straight lines (``folium.PolyLine``) with tooltip and popup, added to the parent layer.
    An item: [points, colour, weight, opacity, dash array, class, popup width, tooltip, popup]."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
    {{ this.as_js() }}.forEach(function (d) {
      L.polyline(d[0], {"bubblingMouseEvents": true, "className": d[5], "color": d[1],
        "dashArray": d[4], "dashOffset": null, "fill": false, "fillColor": d[1],
        "fillOpacity": 0.2, "fillRule": "evenodd", "lineCap": "round", "lineJoin": "round",
        "noClip": false, "opacity": d[3], "smoothFactor": 1.0, "stroke": true, "weight": d[2]})"""
        + _bind(tooltip=7, popup=8, width=6)
        + """    });
{% endmacro %}
"""
    )

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
             dash_array, class_name, int(popup_width), tooltip, popup]
        )  # fmt: skip


class Circles(_Batch):
    """Circle markers (``folium.CircleMarker``) with tooltip and popup, added to the parent.
    An item: [location, radius, colour, weight, fill, fill colour, fill opacity, dash array,
    class, popup width, tooltip, popup]."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
    {{ this.as_js() }}.forEach(function (d) {
      L.circleMarker(d[0], {"bubblingMouseEvents": true, "className": d[8], "color": d[2],
        "dashArray": d[7], "dashOffset": null, "fill": d[4], "fillColor": d[5],
        "fillOpacity": d[6], "fillRule": "evenodd", "lineCap": "round", "lineJoin": "round",
        "opacity": 1.0, "radius": d[1], "stroke": true, "weight": d[3]})"""
        + _bind(tooltip=10, popup=11, width=9)
        + """    });
{% endmacro %}
"""
    )

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
             int(popup_width), tooltip, popup]
        )  # fmt: skip


class Dots(_Batch):
    """Square dots of one colour (``folium.Marker`` with a ``folium.DivIcon``) with tooltip and
    popup, added to the parent (a layer or a marker cluster). An item: [location, size [px],
    class, popup width, icon HTML, tooltip, popup]."""

    n_html = 3

    _template = Template(
        """
{% macro script(this, kwargs) %}
    {{ this.as_js() }}.forEach(function (d) {
      L.marker(d[0], {}).setIcon(L.divIcon({"className": d[2], "html": d[4],
        "iconAnchor": [d[1] / 2, d[1] / 2], "iconSize": [d[1], d[1]]}))"""
        + _bind(tooltip=5, popup=6, width=3)
        + """    });
{% endmacro %}
"""
    )

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
            [[float(location[0]), float(location[1])], int(size), class_name, int(popup_width),
             html, tooltip, popup]
        )  # fmt: skip


__all__ = ["POPUP_WIDTH", "Circles", "Dots", "Lines"]
