"""The planner's levers: a flat, JSON-ready view of a Scenario that form controls edit.

``levers_of`` reads the levers of a resolved scenario; ``apply_levers`` writes edited levers back
into the scenario's TOML document and re-validates it with ``Scenario.from_dict`` (so a bad value
gets the same one-line ``DataValidationError`` as the command line). Unlike
``Scenario.replace``, per-state tables and zone designations are *replaced*, not merged, so a
planner can also remove an incentive or a designation.

>>> import optimizer
>>> base = optimizer.load_scenario("great-lakes")
>>> levers = levers_of(base)
>>> levers["green_lane_factor"], levers["zones"]["battery"]
(0.5, {'zone': 'great-lakes', 'mode': 'restrict'})
>>> levers["zones"]["battery"] = {"zone": "", "mode": "restrict"}
>>> edited = apply_levers(base, levers)
>>> edited.designated_zone("battery") is None, edited.name
(True, 'great-lakes')
>>> levers["targets"]["battery"] = "-5"
>>> apply_levers(base, levers)
Traceback (most recent call last):
...
regions.errors.DataValidationError: great-lakes (edited), field targets.battery.value: -5 is outside [0, 1000000000]
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping

from optimizer import CLUSTER_TYPES, Scenario
from optimizer.model.scenario import SCHEMA

OBJECTIVES = ("system", "investor")
"""Cost views a scenario may minimise (``objective`` key; system cost when absent)."""
REGION_TABLES = ("state_incentives", "power_price_by_region", "wage_by_region")


def objective_supported() -> bool:
    """True when this version's scenario schema knows the ``objective`` key."""
    return "objective" in SCHEMA


def levers_of(scenario: Scenario) -> dict:
    """The levers of ``scenario`` as plain JSON-ready values (floats, strings, lists, dicts)."""
    zones = {
        k: (
            {"zone": z.zone, "mode": z.mode}
            if (z := scenario.designated_zone(k))
            else {"zone": "", "mode": "restrict"}
        )
        for k in CLUSTER_TYPES
    }
    objective = getattr(scenario, "objective", None) or scenario.raw.get("objective", "system")
    return {
        "name": scenario.name,
        "targets": {k: float(t.value) for k, t in scenario.targets.items()},
        "zones": zones,
        "green_lane_factor": float(scenario.green_lane_factor),
        "co_investment_rate_reduction": float(scenario.co_investment_rate_reduction),
        "apply_45x": bool(scenario.apply_45x),
        "objective": str(objective),
        "power_price": float(scenario.power_price_multiplier),
        "wage": float(scenario.wage_multiplier),
        "state_incentives": {r: float(v) for r, v in sorted(scenario.state_incentives.items())},
        "power_price_by_region": {
            r: float(v) for r, v in sorted(scenario.power_price_by_region.items())
        },
        "wage_by_region": {r: float(v) for r, v in sorted(scenario.wage_by_region.items())},
        "excluded_regions": sorted(scenario.excluded_regions),
    }


def _number(value: object) -> object:
    """A form value as a number when it is numeric text (a whole number as int, as TOML reads
    it, so a bad value reads as in a file: ``-5 is outside …``); anything else is left for the
    validation to refuse with the command line's message.

    >>> _number(" -5 "), _number("0.25"), _number("abc"), _number(""), _number(3)
    (-5, 0.25, 'abc', '', 3.0)
    """
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            pass
        try:
            return float(text)
        except ValueError:
            return value
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


def apply_levers(base: Scenario, levers: Mapping) -> Scenario:
    """``base`` with ``levers`` written into its TOML document, validated.

    Raises ``DataValidationError`` naming the field of a bad value (label ``<name modified>``).
    Only levers present in ``levers`` are applied; ``objective`` is applied only when the
    scenario schema supports it.
    """
    doc = copy.deepcopy(base.to_toml_dict())
    if "name" in levers and str(levers["name"]).strip():
        doc["name"] = str(levers["name"]).strip()
    for k, value in levers.get("targets", {}).items():
        doc.setdefault("targets", {}).setdefault(k, {})["value"] = _number(value)
    if "zones" in levers:
        zones = {
            k: {"zone": spec["zone"], "mode": spec.get("mode") or "restrict"}
            for k, spec in levers["zones"].items()
            if spec and spec.get("zone")
        }
        doc["zones"] = zones
    policy = doc.setdefault("policy", {})
    for key in ("green_lane_factor", "co_investment_rate_reduction"):
        if key in levers:
            policy[key] = _number(levers[key])
    if "apply_45x" in levers:
        policy["apply_45x"] = bool(levers["apply_45x"])
    multipliers = doc.setdefault("multipliers", {})
    for key in ("power_price", "wage"):
        if key in levers:
            multipliers[key] = _number(levers[key])
    if "state_incentives" in levers:
        policy["state_incentives"] = _region_table(levers["state_incentives"])
    for key in ("power_price_by_region", "wage_by_region"):
        if key in levers:
            multipliers[key] = _region_table(levers[key])
    if "excluded_regions" in levers:
        doc.setdefault("limits", {})["excluded_regions"] = sorted(levers["excluded_regions"])
    if objective_supported() and levers.get("objective"):
        doc["objective"] = levers["objective"]
    return Scenario.from_dict(doc, label=edited_name(base.name))


EDITED = " (edited)"


def edited_name(name: str) -> str:
    """The name of an edited scenario that the planner has not renamed.

    >>> edited_name("great-lakes"), edited_name("great-lakes (edited)")
    ('great-lakes (edited)', 'great-lakes (edited)')
    """
    return name if name.endswith(EDITED) else name + EDITED


def _region_table(table: Mapping) -> dict:
    return {str(r): _number(v) for r, v in sorted(table.items()) if v is not None and v != ""}


def set_for_regions(
    levers: Mapping, table: str, regions: Iterable[str], value: float | None
) -> dict:
    """A copy of ``levers`` with ``table`` (``state_incentives``, ``power_price_by_region`` or
    ``wage_by_region``) set to ``value`` for each of ``regions`` (``None``: entries removed).

    Used to apply a zone-wide multiplier as per-state entries.

    >>> set_for_regions({"wage_by_region": {"MI": 0.9}}, "wage_by_region", ["MI", "OH"], 1.1)
    {'wage_by_region': {'MI': 1.1, 'OH': 1.1}}
    """
    if table not in REGION_TABLES:
        raise ValueError(f"unknown per-state table {table!r} (expected one of {REGION_TABLES})")
    out = copy.deepcopy(dict(levers))
    entries = dict(out.get(table, {}))
    for region_id in regions:
        if value is None:
            entries.pop(region_id, None)
        else:
            entries[region_id] = float(value)
    out[table] = dict(sorted(entries.items()))
    return out


__all__ = [
    "EDITED",
    "OBJECTIVES",
    "apply_levers",
    "edited_name",
    "levers_of",
    "objective_supported",
    "set_for_regions",
]
