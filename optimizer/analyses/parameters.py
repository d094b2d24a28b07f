"""What an analysis run can vary: parameters with a base, low and high value.

A :class:`Parameter` is one of:

- a technology figure ``(type | None, name)`` (its low/high from ``optimizer/data``),
- a scenario lever, e.g. ``multipliers.power_price`` (×0.8 / ×1.2 by default),
- a factor on a ``RegionData.regions`` column for some regions (:func:`zone_factor`, e.g.
  permitting months in the South × 0.5 … × 2; applied to a copy of the data, no schema change),
- a by-region scenario multiplier for a zone's regions (:func:`zone_multiplier`, e.g. the power
  price in the great-lakes regions through ``multipliers.power_price_by_region``).

Sweeps (``optimizer.analyses.sweep``), break-even (``optimizer.analyses.breakeven``) and Monte
Carlo (``optimizer.analyses.montecarlo``) all vary these.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from regions import RegionData

from ..model.scenario import Scenario, merge_tables
from ..model.technology import CLUSTER_TYPES, TechnologyData

PARAMETER_KINDS = ("tech", "scenario", "regions", "region_multiplier")
LEVER_ATTRIBUTES = {
    "multipliers.power_price": "power_price_multiplier",
    "multipliers.wage": "wage_multiplier",
    "multipliers.mineral_price": "mineral_price_multiplier",
    "policy.green_lane_factor": "green_lane_factor",
    "policy.co_investment_rate_reduction": "co_investment_rate_reduction",
    "limits.labor_share_cap": "labor_share_cap",
}
SWEEP_KPIS = (
    "total_annual_cost",
    "objective",
    "jobs",
    "domestic_mineral_share",
    *(f"levelized_cost:{k}" for k in CLUSTER_TYPES),
    *(f"new_capacity:{k}" for k in CLUSTER_TYPES),
)
"""KPIs reported per sweep run (column names replace ':' with '_')."""


def kpi_column(kpi: str) -> str:
    """Table column of a payload KPI name: ``levelized_cost:battery`` → ``levelized_cost_battery``."""
    return kpi.replace(":", "_").replace("@", "_at_")


@dataclass(frozen=True)
class Parameter:
    """One thing a run can vary.

    Attributes:
        name: display id (``battery.capex_usd_per_unit``, ``multipliers.power_price``,
            ``permitting_months@south`` …).
        kind: 'tech' (key ``(type | None, figure)``), 'scenario' (key: TOML path tuple),
            'regions' (key ``(column, region ids)``; the value is a factor on the column),
            'region_multiplier' (key ``(multiplier table, region ids)``, e.g.
            ``("power_price_by_region", ("MN", …))``; the value is set for those regions).
        base, low, high: values [unit].
    """

    name: str
    kind: str
    key: tuple
    base: float
    low: float
    high: float
    unit: str = ""

    def __post_init__(self) -> None:
        if self.kind not in PARAMETER_KINDS:
            raise ValueError(f"unknown parameter kind {self.kind!r} (expected {PARAMETER_KINDS})")

    def spec(self, value: float) -> dict:
        """The run-spec fragment setting this parameter to ``value``."""
        value = float(value)
        if self.kind == "tech":
            return {"tech": [[self.key[0], self.key[1], value]]}
        if self.kind == "scenario":
            doc: dict = {self.key[-1]: value}
            for part in reversed(self.key[:-1]):
                doc = {part: doc}
            return {"scenario": doc}
        if self.kind == "regions":
            return {"regions": [[self.key[0], list(self.key[1]), value]]}
        table, members = self.key
        return {"scenario": {"multipliers": {table: dict.fromkeys(members, value)}}}

    def levels(self) -> list[tuple[str, float]]:
        """``[("low", low), ("high", high)]``."""
        return [("low", self.low), ("high", self.high)]


def merge_specs(*specs: Mapping) -> dict:
    """One spec from several fragments (tech and regions lists concatenate, scenario merges)."""
    out: dict = {}
    for spec in specs:
        for key, value in spec.items():
            if key in ("tech", "regions"):
                out[key] = [*out.get(key, []), *value]
            elif key == "scenario":
                out[key] = merge_tables(out.get(key, {}), value)
            else:
                out[key] = copy.deepcopy(value)
    return out


# -- parameter constructors ------------------------------------------------------------------------
def tech_parameter(tech: TechnologyData, cluster_type: str | None, name: str) -> Parameter:
    """A technology figure with its low/base/high (``cluster_type`` None: a global parameter)."""
    figure = tech.params[name] if cluster_type is None else tech.tech[cluster_type][name]
    label = name if cluster_type is None else f"{cluster_type}.{name}"
    base = tech.param(name) if cluster_type is None else tech.value(cluster_type, name)
    return Parameter(
        label, "tech", (cluster_type, name), base, figure.low, figure.high, figure.unit
    )


def tech_parameters(
    tech: TechnologyData, *, ranged_only: bool = True, exclude_prefixes: Sequence[str] = ()
) -> list[Parameter]:
    """Every technology figure (only those with low != high when ``ranged_only``)."""
    out = []
    for k, figure in tech.figures():
        if ranged_only and figure.low == figure.high:
            continue
        if any(figure.name.startswith(prefix) for prefix in exclude_prefixes):
            continue
        out.append(tech_parameter(tech, k, figure.name))
    return out


def scenario_lever(
    scenario: Scenario,
    path: str,
    low: float,
    high: float,
    *,
    relative: bool = False,
    tech: TechnologyData | None = None,
) -> Parameter:
    """A scalar scenario lever by TOML path (``multipliers.power_price`` …).

    ``relative=True``: ``low``/``high`` are factors on the scenario's current value.
    """
    attribute = LEVER_ATTRIBUTES.get(path)
    if attribute is None:
        raise KeyError(f"unknown lever {path!r} (known: {', '.join(LEVER_ATTRIBUTES)})")
    base = getattr(scenario, attribute)
    if base is None and path == "limits.labor_share_cap":
        if tech is None:
            raise ValueError("limits.labor_share_cap is unset in the scenario: pass tech")
        base = tech.param("labor_share_cap")
    base = float(base)
    if relative:
        low, high = base * low, base * high
    return Parameter(path, "scenario", tuple(path.split(".")), base, float(low), float(high))


def default_levers(scenario: Scenario) -> list[Parameter]:
    """Power price, wage and mineral price multipliers ×0.8/×1.2; green lane 0.5–1;
    co-investment 0–0.02. Levers whose low and high equal the base are left out."""
    levers = [
        scenario_lever(scenario, "multipliers.power_price", 0.8, 1.2, relative=True),
        scenario_lever(scenario, "multipliers.wage", 0.8, 1.2, relative=True),
        scenario_lever(scenario, "multipliers.mineral_price", 0.8, 1.2, relative=True),
        scenario_lever(scenario, "policy.green_lane_factor", 0.5, 1.0),
        scenario_lever(scenario, "policy.co_investment_rate_reduction", 0.0, 0.02),
    ]
    return [p for p in levers if not (p.low == p.base == p.high)]


def zone_factor(
    data: RegionData,
    column: str,
    zone: str | Sequence[str],
    low: float,
    high: float,
) -> Parameter:
    """A factor on ``data.regions[column]`` in a zone's regions (or a list of region ids).

    >>> # permitting months in the South halved … doubled:
    >>> # zone_factor(data, "permitting_months", "south", 0.5, 2.0)
    """
    if column not in data.regions.columns:
        raise KeyError(f"regions has no column {column!r}")
    members, label = _members(data, zone)
    return Parameter(f"{column}@{label}", "regions", (column, members), 1.0, low, high, "factor")


def zone_multiplier(
    data: RegionData,
    lever: str,
    zone: str | Sequence[str],
    low: float,
    high: float,
) -> Parameter:
    """A by-region scenario multiplier (``lever`` 'power_price' or 'wage') for a zone's regions."""
    if lever not in ("power_price", "wage"):
        raise ValueError("lever must be 'power_price' or 'wage'")
    members, label = _members(data, zone)
    return Parameter(
        f"{lever}@{label}",
        "region_multiplier",
        (f"{lever}_by_region", members),
        1.0,
        low,
        high,
        "multiplier",
    )


def _members(data: RegionData, zone: str | Sequence[str]) -> tuple[tuple[str, ...], str]:
    if isinstance(zone, str):
        return tuple(data.zone_members(zone)), zone
    members = tuple(zone)
    return members, "+".join(members)


NOT_VARIED = ("shortfall_penalty_", "unsupplied_mineral_penalty_multiple", "national_target_")
"""Figures not varied by default: penalties are modelling devices, not uncertain quantities, and
national targets come from the scenario (the technology-file figures are not read by the model)."""


def default_sweep_parameters(scenario: Scenario, tech: TechnologyData) -> list[Parameter]:
    """Every technology figure with low != high except NOT_VARIED, and :func:`default_levers`."""
    return tech_parameters(tech, exclude_prefixes=NOT_VARIED) + default_levers(scenario)


# -- sweep -----------------------------------------------------------------------------------------
