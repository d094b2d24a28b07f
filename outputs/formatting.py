"""Small text helpers shared by maps, reports and the command line: HTML escaping and number
formatting for people (thousands separators, units, no float noise)."""

from __future__ import annotations

import html
import math

from optimizer import CAPACITY_UNITS


def esc(value: object) -> str:
    """HTML-escape any value for use in HTML text, attributes and JS template literals.

    Besides ``& < > " '`` this also encodes backtick, ``$`` and backslash, which folium places
    inside JavaScript template literals (tooltips, popups).
    """
    text = html.escape(str(value), quote=True)
    return text.replace("`", "&#96;").replace("$", "&#36;").replace("\\", "&#92;")


def fmt_num(value: float) -> str:
    """A number for people: thousands separators, few decimals ('1,234', '135', '8.4', '0.35').

    >>> fmt_num(27945567822.4), fmt_num(135.0), fmt_num(8.4), fmt_num(0.351)
    ('27,945,567,822', '135', '8.4', '0.351')
    >>> fmt_num(4.55e-13), fmt_num(-7.11e-15)  # float noise is no value: shown as 0
    ('0', '0')
    """
    if value is None or not math.isfinite(float(value)):
        return "n/a"
    value = float(value)
    size = abs(value)
    if size < NOISE:
        return "0"
    if size >= 100 or size == 0:
        text = f"{value:,.0f}"
    elif size >= 10:
        text = f"{value:,.1f}"
    elif size >= 1:
        text = f"{value:,.2f}"
    else:
        text = f"{value:.3g}"
    if "." in text and "e" not in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


NOISE = 1e-9
"""Magnitudes below this are float noise (a sum of terms that cancel), shown as 0."""


def fmt_usd(value: float) -> str:
    """Whole US dollars with separators: ``'USD 3,975,157,000'``."""
    if value is None or not math.isfinite(float(value)):
        return "n/a"
    text = f"{float(value):,.0f}"
    return "USD " + ("0" if text == "-0" else text)


def fmt_usd_short(value: float) -> str:
    """US dollars in millions or billions: ``'USD 27.95 bn'``, ``'USD 231 million'``."""
    if value is None or not math.isfinite(float(value)):
        return "n/a"
    size = abs(float(value))
    if size >= 1e9:
        return f"USD {value / 1e9:,.2f} bn"
    if size >= 1e6:
        return f"USD {fmt_num(value / 1e6)} million"
    return fmt_usd(value)


def fmt_pct(fraction: float) -> str:
    """A fraction as a percentage with one decimal: 0.4057 → ``'40.6%'``."""
    if fraction is None or not math.isfinite(float(fraction)):
        return "n/a"
    return f"{100 * float(fraction):.1f}%"


def fmt_kpi(value: float, unit: str) -> str:
    """A KPI value with its unit as shown in tables: fractions as %, money in whole USD."""
    if unit == "fraction":
        return fmt_pct(value)
    if unit.startswith("USD"):
        rest = unit[3:]
        return fmt_usd(value) + (rest if rest.startswith("/") else f" {rest}".rstrip())
    if unit == "count":
        return fmt_num(value)
    return f"{fmt_num(value)} {unit}"


def fmt_capacity(value: float, cluster_type: str) -> str:
    """New or existing capacity with the type's unit: ``'135 GWh/yr'``."""
    return f"{fmt_num(value)} {CAPACITY_UNITS[cluster_type]}"


def fmt_value(value: float, unit: str) -> str:
    """A KPI value with its unit for tables."""
    if value is None or not math.isfinite(float(value)):
        return "n/a"
    if unit == "fraction":
        return fmt_pct(value)
    if unit.startswith("USD"):
        return f"{fmt_usd(value)}{unit[3:]}"
    return f"{fmt_num(value)} {unit}".rstrip()


def fmt_signed(value: float, unit: str = "USD/yr", *, short: bool = False) -> str:
    """A signed change: ``+USD 1,250,000/yr``, ``−USD 2.5 million/yr``, ``0``, ``n/a``; a
    change below what it is shown to is 0 (``fmt_signed(4.55e-13, "km")`` is ``'0'``)."""
    if value is None or not math.isfinite(float(value)):
        return "n/a"
    value = float(value)
    size = abs(value)
    if value == 0 or (unit.startswith("USD") and size < 0.5) or fmt_num(size) == "0":
        return "0"
    sign = "+" if value > 0 else "−"
    if unit == "fraction":
        return f"{sign}{100 * size:.1f} pp"
    if unit.startswith("USD"):
        text = fmt_usd_short(size) if short else fmt_usd(size)
        return f"{sign}{text}{unit[3:]}"
    return f"{sign}{fmt_num(size)} {unit}".rstrip()
