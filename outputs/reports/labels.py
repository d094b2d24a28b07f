"""Human labels and units for KPIs, scopes and cost terms.

The KPI table is data (``data/kpi_labels.csv``: ``kpi, label, format, help``) so a new KPI needs
one row; a KPI without a row still reads well (``public_outlay_per_new_job`` → "Public outlay per
new job") and is formatted by its unit. Formats: ``money`` (USD per year in millions/billions),
``unit_cost`` (USD per unit shown per kWh, kg or W), ``quantity``, ``count``, ``percent``,
``ratio``, ``number``, ``money_per_job``.

>>> kpi_label("levelized_cost", "battery")
'Levelized cost, battery cells'
>>> kpi_label("some_new_kpi")
'Some new kpi'
>>> kpi_value(128_400_000.0, "USD/GWh", "levelized_cost")
'USD 128/kWh'
>>> kpi_value(245_000_000.0, "USD/GW", "levelized_cost"), kpi_value(62_500.0, "USD/t")
('USD 0.245/W', 'USD 62.50/kg')
>>> kpi_value(0.4057, "fraction", "domestic_mineral_share")
'40.6%'
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from ..formatting import fmt_num, fmt_pct, fmt_usd_short

if TYPE_CHECKING:
    import pandas as pd

LABELS_CSV = Path(__file__).with_name("data") / "kpi_labels.csv"

SCOPE_LABELS = {
    "all": "",
    "battery": "battery cells",
    "magnet": "NdFeB magnets",
    "solar": "solar modules",
    "credit_45x": "45X credit",
    "state_incentive": "state incentives",
    "co_investment": "federal co-investment",
}
"""Scopes shown by a name other than their id (others: the id with ``_`` → space)."""

TERM_LABELS = {
    "fixed": "Fixed site cost",
    "capex": "Capital (annualised)",
    "energy": "Energy",
    "labor": "Labour",
    "other_opex": "Other opex",
    "other_materials": "Other materials",
    "permitting_delay": "Permitting delay",
    "credit_45x": "45X credit",
    "state_incentive": "State incentive",
    "co_investment": "Co-investment",
    "minerals": "Minerals",
    "freight": "Mineral freight",
    "shortfall_penalty": "Target shortfall penalty",
    "unsupplied_penalty": "Unsupplied mineral penalty",
    "tariff": "Tariffs paid",
    "product_freight": "Product freight",
    "import_freight": "Import freight (port to market)",
    "share_gap_penalty": "Domestic-share gap penalty",
    "unsupplied": "Unsupplied need (landed price + penalty)",
}
"""Cost terms (``cost_<term>_usd_per_yr`` columns and result cost keys) for people."""

PER_UNIT = {
    "USD/GWh": ("USD/kWh", 1e-6),
    "USD/MWh": ("USD/kWh", 1e-3),
    "USD/t": ("USD/kg", 1e-3),
    "USD/GW": ("USD/W", 1e-9),
    "USD/MW": ("USD/W", 1e-6),
    "USD/yr per GWh/yr": ("USD/kWh", 1e-6),
    "USD/yr per t/yr": ("USD/kg", 1e-3),
    "USD/yr per GW/yr": ("USD/W", 1e-9),
}
"""Per-unit costs are shown per kWh of cells, kg of magnets and W of modules: unit → (shown
unit, factor)."""


@dataclass(frozen=True)
class KpiLabel:
    """How one KPI is shown."""

    kpi: str
    label: str
    format: str
    help: str = ""


def readable(name: str) -> str:
    """``public_outlay_per_new_job`` → ``'Public outlay per new job'``."""
    text = str(name).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


@lru_cache(maxsize=1)
def kpi_labels() -> dict[str, KpiLabel]:
    """The KPI label table by KPI name."""
    with LABELS_CSV.open(encoding="utf-8", newline="") as handle:
        return {
            row["kpi"]: KpiLabel(row["kpi"], row["label"], row["format"], row["help"])
            for row in csv.DictReader(handle)
        }


def kpi_info(kpi: str) -> KpiLabel:
    """The row of ``kpi``, or a readable fallback formatted by its unit."""
    return kpi_labels().get(kpi) or KpiLabel(kpi, readable(kpi), "auto")


def scope_label(scope: str) -> str:
    """``'battery'`` → ``'battery cells'``; ``'all'`` → ``''``; a zone id stays itself."""
    scope = str(scope)
    if scope.startswith("zone:"):
        return f"{scope[5:]} zone"
    if "@" in scope:  # type@zone
        kind, _, zone = scope.partition("@")
        return f"{scope_label(kind)} in the {zone} zone"
    return SCOPE_LABELS.get(scope, scope.replace("_", " "))


def kpi_label(kpi: str, scope: str = "all") -> str:
    """``'Levelized cost, battery cells'``; the scope is left out when it is ``all``."""
    where = scope_label(scope)
    label = kpi_info(kpi).label
    return f"{label}, {where}" if where else label


def term_label(term: str) -> str:
    """A cost term for people (``'labor'`` → ``'Labour'``)."""
    return TERM_LABELS.get(term, readable(term))


def display_unit(unit: str, kpi: str = "") -> str:
    """The unit a KPI is shown in (``USD/GWh`` → ``USD/kWh``; fractions as ``%``)."""
    if unit in PER_UNIT:
        return PER_UNIT[unit][0]
    if unit == "fraction":
        return "%"
    return unit


_PER_UNIT_TEXT = re.compile(
    r"(?P<sign>[+\-−]?)(?P<num>\d+(?:,\d{3})*(?:\.\d+)?(?:e[+-]?\d+)?) "
    r"(?P<unit>USD/yr per (?:GWh|t|GW)/yr|USD/(?:GWh|MWh|t|GW|MW))(?![\w/])"
)


_NUMBER = r"[+\-−]?\d+(?:,\d{3})*(?:\.\d+)?(?:e[+-]?\d+)?"
_PER_UNIT_LIST = re.compile(
    rf"(?P<items>(?:[a-z_]+ {_NUMBER}, )+[a-z_]+ {_NUMBER}) "
    r"(?P<unit>USD/yr per (?:GWh|t|GW)/yr)(?![\w/])"
)
_LISTED_NUMBER = re.compile(rf"(?P<term>[a-z_]+) (?P<num>{_NUMBER})")


FIPS_TOKEN = re.compile(r"(?<![\d,.])\d{5}(?![\d,.]\d)")
"""A five-digit county FIPS code standing alone in a sentence (not part of a longer number)."""


def county_names(regions: pd.DataFrame) -> dict[str, str] | None:
    """County FIPS → "Name, ST" of a county dataset's region table (a ``state`` column marks
    one); None for a state table, whose ids are the USPS codes a planner reads."""
    if "state" not in regions.columns or "name" not in regions.columns:
        return None
    return {str(k): str(v) for k, v in regions["name"].items()}


def place_names(text: str, names: Mapping[str, str] | None) -> str:
    """``text`` with each county FIPS code of ``names`` named: "39055 is 0.19 % dearer" →
    "Geauga, OH (39055) is 0.19 % dearer"; unchanged without ``names`` (state resolution).

    >>> place_names("39055 would take it from 39085; 10,000 t", {"39055": "Geauga, OH"})
    'Geauga, OH (39055) would take it from 39085; 10,000 t'
    """
    if not names:
        return text
    return FIPS_TOKEN.sub(lambda m: f"{names[m[0]]} ({m[0]})" if m[0] in names else m[0], text)


def readable_units(text: str) -> str:
    """Per-unit costs inside a sentence in the units a planner reads (USD/kWh, USD/kg, USD/W),
    whatever notation they came in.

    >>> readable_units("maximum scale (3.184e+05 USD/yr per GWh/yr); gap +1,250 USD/t")
    'maximum scale (USD 0.318/kWh); gap +USD 1.25/kg'
    >>> readable_units("capex +123,181, labor +74,320 USD/yr per GWh/yr vs the model's sites")
    "capex +USD 0.123/kWh, labor +USD 0.074/kWh vs the model's sites"
    """

    def convert(match: re.Match[str]) -> str:
        value = float(match["num"].replace(",", ""))
        sign = match["sign"]
        sign = "+" if sign == "+" else "−" if sign in ("-", "−") else ""
        return sign + kpi_value(value, match["unit"])

    def listed(match: re.Match[str]) -> str:  # "a +1, b +2 UNIT": the unit belongs to each
        unit = match["unit"]
        return _LISTED_NUMBER.sub(lambda m: f"{m['term']} {m['num']} {unit}", match["items"])

    return _PER_UNIT_TEXT.sub(convert, _PER_UNIT_LIST.sub(listed, str(text)))


def kpi_difference(a: float, b: float, unit: str, kpi: str = "") -> tuple[str, int]:
    """(text, sign) of ``b − a`` as the reader sees it: ``'0'`` and sign 0 when the two values
    look the same at their display precision (float noise such as 4.55e-13 km is no change),
    else the signed difference in the KPI's display unit, e.g. ``'+USD 186 million/yr'``.

    >>> kpi_difference(241.7, 241.7 + 4.55e-13, "km")
    ('0', 0)
    >>> kpi_difference(42.63e9, 42.83e9, "USD/yr")
    ('+USD 200 million/yr', 1)
    >>> kpi_difference(0.36, 0.361, "fraction")
    ('+0.1 pp', 1)
    """
    if not (math.isfinite(float(a)) and math.isfinite(float(b))):
        return "n/a", 0
    if kpi_value(a, unit, kpi) == kpi_value(b, unit, kpi):
        return "0", 0
    diff = float(b) - float(a)
    sign = 1 if diff > 0 else -1
    mark = "+" if sign > 0 else "−"
    if unit == "fraction":
        return f"{mark}{100 * abs(diff):.1f} pp", sign
    return mark + kpi_value(abs(diff), unit, kpi), sign


def kpi_value(value: float, unit: str, kpi: str = "") -> str:
    """A KPI value in the unit a planner reads (see the module docstring)."""
    if value is None or not math.isfinite(float(value)):
        return "n/a"
    value = float(value)
    fmt = kpi_info(kpi).format if kpi else "auto"
    if unit in PER_UNIT:
        shown, factor = PER_UNIT[unit]
        scaled = value * factor
        size = abs(scaled)
        digits = (
            f"{scaled:,.3f}" if size < 1 else f"{scaled:,.2f}" if size < 100 else f"{scaled:,.0f}"
        )
        return f"USD {digits}{shown[3:]}"
    if unit == "fraction" or fmt == "percent":
        return fmt_pct(value)
    if fmt == "ratio" or unit in ("ratio", "1"):
        return f"{value:.2f}×"
    if unit.startswith("USD") and " per " in unit:  # e.g. USD/yr per job
        rest = unit[3:].strip()
        return f"{fmt_usd_short(value)}{rest if rest.startswith('/') else ' ' + rest}"
    if unit.startswith("USD"):
        rest = unit[3:]
        return fmt_usd_short(value) + (rest if rest.startswith("/") else f" {rest}".rstrip())
    if unit in ("count", "jobs"):
        return fmt_num(value) + (" jobs" if unit == "jobs" else "")
    return f"{fmt_num(value)} {unit}".rstrip()


__all__ = [
    "ANALYSIS_KPIS",
    "KpiLabel",
    "analysis_kpi",
    "analysis_kpi_label",
    "display_scale",
    "kpi_difference",
    "parameter_label",
    "readable_units",
    "PER_UNIT",
    "SCOPE_LABELS",
    "TERM_LABELS",
    "display_unit",
    "kpi_info",
    "kpi_label",
    "kpi_labels",
    "kpi_value",
    "readable",
    "scope_label",
    "term_label",
]


# ---------------------------------------------------------------------------------------------
# analysis parameters and KPI columns
# ---------------------------------------------------------------------------------------------

LEVER_LABELS = {
    "multipliers.power_price": "Power price multiplier, all states",
    "multipliers.wage": "Wage multiplier, all states",
    "multipliers.mineral_price": "Mineral price multiplier, all minerals",
    "policy.green_lane_factor": "Green-lane factor (share of the usual permitting months)",
    "policy.co_investment_rate_reduction": "Co-investment: cut in the cost of capital",
    "limits.labor_share_cap": "Labour cap (share of a state's manufacturing jobs)",
}
ZONE_KINDS = {
    "power_price": "Power price multiplier",
    "power-price": "Power price multiplier",
    "wage": "Wage multiplier",
    "permitting_months": "Permitting months factor",
    "permitting": "Permitting months factor",
    "mfg_employment_jobs": "Manufacturing employment factor",
    "grid_co2_kg_per_mwh": "Grid CO2 factor",
}
FIGURE_LABELS = {
    "min_scale": "minimum plant scale",
    "max_scale": "maximum plant scale",
    "capex_usd_per_unit": "capital cost per unit of capacity",
    "lifetime_yr": "plant lifetime",
    "discount_rate": "investor discount rate",
    "fixed_site_cost_usd_per_yr": "fixed site cost",
    "electricity_mwh_per_unit": "electricity per unit",
    "jobs_per_unit": "jobs per unit of capacity",
    "other_opex_usd_per_unit": "other opex per unit",
    "other_materials_usd_per_unit": "other materials per unit",
    "construction_months": "construction months",
    "product_mass_t_per_unit": "product mass per unit",
    "credit_45x_usd_per_unit": "45X credit per unit",
    "landed_import_price_usd_per_unit": "landed import price",
    "import_tariff_pct": "import tariff",
    "agglomeration_discount": "agglomeration discount",
    "expansion_share": "expansion share of an operating plant",
    "expansion_fixed_cost_fraction": "expansion fixed cost (share of greenfield)",
    "freight_usd_per_tkm": "Freight rate",
    "circuity_factor": "Circuity (network / great-circle distance)",
    "shortfall_penalty_multiple": "Shortfall penalty (× landed import price)",
    "delay_cost_fraction_per_month": "Permitting delay cost per month",
    "labor_share_cap": "Labour cap (share of a state's manufacturing jobs)",
    "utilization": "Utilisation of nameplate",
    "gateway_premium_pct": "Import gateway premium",
    "unsupplied_mineral_penalty_multiple": "Unsupplied mineral penalty (× landed price)",
    "social_discount_rate": "Social discount rate",
}
TYPE_TITLES = {"battery": "Battery cells", "magnet": "NdFeB magnets", "solar": "Solar modules"}


def parameter_label(name: str) -> str:
    """A parameter of the analyses for people.

    >>> parameter_label("multipliers.mineral_price")
    'Mineral price multiplier, all minerals'
    >>> parameter_label("power_price@great-lakes"), parameter_label("wage@MN+MI")
    ('Power price multiplier, great-lakes zone', 'Wage multiplier in MN, MI')
    >>> parameter_label("battery.capex_usd_per_unit")
    'Battery cells: capital cost per unit of capacity'
    >>> parameter_label("bom_nickel_t_per_unit"), parameter_label("national_target_battery_gwh_per_yr")
    ('Nickel per unit (bill of materials)', 'National battery target')
    """
    name = str(name)
    if name in LEVER_LABELS:
        return LEVER_LABELS[name]
    if "@" in name:
        kind, _, where = name.partition("@")
        label = ZONE_KINDS.get(kind, readable(kind))
        return (
            f"{label} in {where.replace('+', ', ')}"
            if "+" in where or len(where) == 2
            else (f"{label}, {where} zone")
        )
    kind, dot, figure = name.partition(".")
    if dot and kind in TYPE_TITLES:
        return f"{TYPE_TITLES[kind]}: {_figure_label(figure)}"
    return _figure_label(name)[:1].upper() + _figure_label(name)[1:]


def _figure_label(figure: str) -> str:
    if figure in FIGURE_LABELS:
        return FIGURE_LABELS[figure]
    if figure.startswith("bom_") and figure.endswith("_t_per_unit"):
        mineral = figure[4 : -len("_t_per_unit")].replace("_", " ")
        return f"{mineral} per unit (bill of materials)"
    if figure.startswith("national_target_"):
        kind = figure[len("national_target_") :].split("_")[0]
        return f"national {kind} target"
    return readable(figure).lower()


ANALYSIS_KPIS = ("levelized_cost", "new_capacity", "total_annual_cost", "objective", "jobs")


def analysis_kpi(column: str) -> tuple[str, str]:
    """(kpi, scope) of an analysis KPI column: ``'levelized_cost_battery'`` →
    ``('levelized_cost', 'battery')``; ``'jobs'`` → ``('jobs', 'all')``."""
    for kpi in ("levelized_cost", "new_capacity"):
        if column.startswith(kpi + "_"):
            return kpi, column[len(kpi) + 1 :]
    return column, "all"


def analysis_kpi_label(column: str) -> str:
    """``'levelized_cost_battery'`` → ``'Levelized cost, battery cells'``;
    ``'total_annual_cost'`` → ``'Cost minimised (scenario view)'``."""
    kpi, scope = analysis_kpi(column)
    return kpi_label(kpi, scope)


def display_scale(unit: str) -> tuple[str, float]:
    """(shown unit, factor) of a unit: per-unit costs per kWh, kg or W, the rest unchanged.

    >>> display_scale("USD/GWh"), display_scale("USD/yr")
    (('USD/kWh', 1e-06), ('USD/yr', 1.0))
    """
    return PER_UNIT.get(unit, (unit, 1.0))
