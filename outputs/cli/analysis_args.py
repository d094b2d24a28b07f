"""Command-line arguments of the analyses: cluster types, regions and the parameters to vary
(``NAME``, ``NAME=LOW:HIGH``, ``KIND@ZONE``)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import optimizer
from optimizer import CLUSTER_TYPES, Scenario, TechnologyData
from optimizer.analyses.alternatives import check_goal
from optimizer.analyses.parameters import (
    LEVER_ATTRIBUTES,
    Parameter,
    default_levers,
    scenario_lever,
    tech_parameters,
    zone_factor,
    zone_multiplier,
)
from regions import RegionData
from regions.suggest import closest, did_you_mean, region_hint

from .common import (
    PROG,
    UsageError,
)

DEFAULT_GOALS = ("min_overlap", "max_states")
DEFAULT_ZONE_GOAL = "max_zone:great-lakes"
"""Added to the default goals when the data has that zone (the embedded data does)."""
EXIT_OK, EXIT_INTERRUPTED = 0, 130
CHECKPOINT = "checkpoint.jsonl"
COMMAND_MARKER = "command"
PARTIAL_SUFFIX = ".partial"
MANIFEST = "manifest.json"
TYPE_CHOICES = (*CLUSTER_TYPES, "all")
DASK_CONNECT_TIMEOUT = "20s"

ZONE_LEVERS = {"power_price": "power_price", "power-price": "power_price", "wage": "wage"}
"""``KIND@ZONE`` kinds set through the scenario's by-region multipliers."""
ZONE_COLUMNS = {
    "permitting": "permitting_months",
    "permitting_months": "permitting_months",
    "employment": "mfg_employment_jobs",
    "mfg_employment_jobs": "mfg_employment_jobs",
    "grid_co2": "grid_co2_kg_per_mwh",
    "grid_co2_kg_per_mwh": "grid_co2_kg_per_mwh",
}
"""``KIND@ZONE`` kinds applied as a factor on a region-table column."""
SWEEP_RANGE = {"power_price": (0.8, 1.2), "wage": (0.8, 1.2), "permitting_months": (0.5, 2.0)}
WIDE_RANGE = {"power_price": (0.5, 1.5), "wage": (0.5, 1.5), "permitting_months": (0.5, 3.0)}
"""Default ranges of zone parameters: sweeps (and Monte Carlo) vs break-even bounds."""


def parse_types(text: str) -> tuple[str, ...]:
    """``battery``, ``battery,solar`` or ``all`` → cluster types."""
    wanted = [t.strip() for t in text.split(",") if t.strip()]
    if not wanted:
        raise UsageError("--type is empty (expected battery, magnet, solar or all)")
    for t in wanted:
        if t not in TYPE_CHOICES:
            raise UsageError(
                f"unknown --type {t!r} (expected battery, magnet, solar or all)"
                + did_you_mean(t, TYPE_CHOICES)
            )
    if "all" in wanted:
        return CLUSTER_TYPES
    return tuple(dict.fromkeys(wanted))


def parse_regions(text: str | None, data: RegionData) -> list[str] | None:
    """``MN,MI,…`` → region ids (checked against the data); None → all regions."""
    if text is None:
        return None
    ids = list(dict.fromkeys(r.strip() for r in text.split(",") if r.strip()))
    unknown = [r for r in ids if r not in data.regions.index]
    if unknown or not ids:
        hint = region_hint(unknown[0], data.regions["name"].to_dict()) if unknown else ""
        raise UsageError(
            f"unknown region(s) in --regions: {', '.join(unknown) or '(none given)'}{hint}"
        )
    return ids


def _zone_members(zone: str, data: RegionData, text: str) -> str | tuple[str, ...]:
    if zone in data.zones:
        return zone
    parts = tuple(p for p in zone.split("+") if p)
    if parts and all(p in data.regions.index for p in parts):
        return parts
    known = ", ".join(sorted(data.zones)) or "none"
    bad = next((p for p in parts if p not in data.regions.index), zone) if len(parts) > 1 else zone
    hint = did_you_mean(zone, data.zones) or region_hint(bad, data.regions["name"].to_dict())
    raise UsageError(
        f"unknown zone {zone!r} in --parameter {text!r} (zones: {known}; or region ids "
        f"joined by '+', e.g. MN+MI){hint}"
    )


def _lever(name: str, scenario: Scenario, tech: TechnologyData, wide: bool) -> Parameter:
    defaults = {p.name: p for p in default_levers(scenario)}
    if name in defaults and not (wide and name.startswith("multipliers.")):
        return defaults[name]
    if name.startswith("multipliers.") or name == "limits.labor_share_cap":
        low, high = (0.5, 1.5) if wide else (0.8, 1.2)
        return scenario_lever(scenario, name, low, high, relative=True, tech=tech)
    if name == "policy.green_lane_factor":
        return scenario_lever(scenario, name, 0.5, 1.0)
    return scenario_lever(scenario, name, 0.0, 0.02)


def resolve_parameter(
    text: str,
    scenario: Scenario,
    data: RegionData,
    tech: TechnologyData,
    *,
    wide: bool = False,
) -> Parameter:
    """A Parameter from its command-line name, optionally with a range ``NAME=LOW:HIGH``.

    Names: a technology figure (``battery.capex_usd_per_unit``, ``utilization``), a scenario
    lever (``multipliers.power_price`` …) or ``KIND@ZONE`` where KIND is ``power-price`` or
    ``wage`` (a by-region multiplier, base 1) or ``permitting`` / ``employment`` / ``grid_co2``
    (a factor on the region column, base 1) and ZONE a zone id or region ids joined by ``+``.
    ``wide`` picks the wider default range used as break-even bounds.
    """
    name, has_range, span = text.partition("=")
    name = name.strip()
    parameter: Parameter | None = None
    figures = {p.name: p for p in tech_parameters(tech, ranged_only=False)}
    if name in figures:
        parameter = figures[name]
    elif name in LEVER_ATTRIBUTES:
        parameter = _lever(name, scenario, tech, wide)
    elif "@" in name:
        kind, _, zone = name.partition("@")
        kind = kind.strip().lower()
        members = _zone_members(zone.strip(), data, text)
        if kind in ZONE_LEVERS:
            lever = ZONE_LEVERS[kind]
            low, high = (WIDE_RANGE if wide else SWEEP_RANGE)[lever]
            parameter = zone_multiplier(data, lever, members, low, high)
        elif kind.replace("-", "_") in ZONE_COLUMNS:
            column = ZONE_COLUMNS[kind.replace("-", "_")]
            default = (0.5, 2.0) if wide else (0.8, 1.2)
            low, high = (WIDE_RANGE if wide else SWEEP_RANGE).get(column, default)
            parameter = zone_factor(data, column, members, low, high)
    if parameter is None:
        known = [*figures, *LEVER_ATTRIBUTES]
        match = closest(name, known)
        hint = f" (did you mean {match}?)" if match else ""
        raise UsageError(
            f"unknown --parameter {name!r}{hint}: expected a technology figure (e.g. "
            "battery.capex_usd_per_unit), a lever (multipliers.power_price, multipliers.wage, "
            "multipliers.mineral_price, policy.green_lane_factor, "
            "policy.co_investment_rate_reduction, limits.labor_share_cap) or KIND@ZONE with KIND "
            "power-price, wage, permitting, employment or grid_co2 (e.g. permitting@south); "
            f"`{PROG} sweep SCENARIO --list-parameters` lists them"
        )
    if has_range:
        low, high = _parse_range(span, text)
        parameter = dataclasses.replace(parameter, low=low, high=high)
    return parameter


def _parse_range(span: str, text: str) -> tuple[float, float]:
    try:
        low_text, high_text = span.split(":")
        low, high = float(low_text), float(high_text)
    except ValueError:
        raise UsageError(f"bad range in --parameter {text!r}: expected NAME=LOW:HIGH") from None
    if not (math.isfinite(low) and math.isfinite(high)) or low > high:
        raise UsageError(f"bad range in --parameter {text!r}: need finite LOW <= HIGH")
    return low, high


def resolve_parameters(
    texts: Sequence[str] | None,
    scenario: Scenario,
    data: RegionData,
    tech: TechnologyData,
) -> list[Parameter]:
    """Every ``--parameter`` (repeatable, comma-separated) as a Parameter; names must differ."""
    out: list[Parameter] = []
    for text in texts or ():
        for part in text.split(","):
            if part.strip():
                out.append(resolve_parameter(part.strip(), scenario, data, tech))
    names = [p.name for p in out]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise UsageError(f"--parameter given more than once: {', '.join(duplicates)}")
    return out


def _load_tech(folder: str | None) -> TechnologyData:
    return optimizer.load_technology(folder) if folder else optimizer.load_technology()


def resolve_goals(texts: Sequence[str] | None, data: RegionData) -> tuple[str, ...]:
    """Every ``--goal`` (repeatable, comma-separated), checked against the data; the default
    goals without any."""
    goals = [g.strip() for text in texts or () for g in text.split(",") if g.strip()]
    if not goals:
        zone = DEFAULT_ZONE_GOAL.split(":")[1]
        return DEFAULT_GOALS + ((DEFAULT_ZONE_GOAL,) if zone in data.zones else ())
    for goal in goals:
        try:
            check_goal(goal, data)
        except ValueError as exc:
            raise UsageError(f"--goal: {exc}") from None
    return tuple(dict.fromkeys(goals))
