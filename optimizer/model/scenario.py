"""Scenarios: a validated, frozen description of one planning case, read from TOML.

Unknown keys are errors. A scenario may ``extends = "<built-in name or path>"`` and override a few
fields; tables merge key by key, everything else replaces.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType

from regions.checks import check_number, read_text
from regions.errors import DataValidationError
from regions.suggest import did_you_mean

from ..phased.periods import SCHEMA as PERIODS_SCHEMA
from ..phased.periods import PeriodSpec, parse_periods
from .technology import CLUSTER_TYPES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

BUILTIN_DIR = Path(__file__).parent.parent / "scenarios"
ZONE_MODES = ("restrict", "favour")
SOLVERS = ("highs", "cbc")
FACILITY_STATUSES = ("operating", "under_construction", "announced")
OBJECTIVES = ("investor", "system")
RESOLUTIONS = ("state", "county")
"""Spatial resolution of the candidate sites: states, or counties (``optimizer.model.county``)."""
EARLIEST_AS_OF = date(2000, 1, 1)
"""Earliest ``facilities_as_of``: the facility list starts in 2002 and the region figures are
2016-2025 vintages, so an earlier date has no data to describe it."""
LATEST_HORIZON = 2100
NAME_MAX_CHARS = 200
MAX_THREADS = 1024
TARGET_MAX = 1e9
"""Upper bound of a national target [type unit/yr]: about a million times the built-in targets;
a larger figure is a typing slip, and would overflow the shortfall penalty."""

# The schema: section -> key -> expected type(s). "*" means any key (a map keyed by ids).
SCHEMA: dict[str, object] = {
    "name": str,
    "description": str,
    "extends": str,
    "objective": str,
    "resolution": str,
    "horizon_year": int,
    "facilities_as_of": (str, date),
    "existing_statuses": list,
    "targets": {"*": {"value": (int, float), "unit": str, "source": str}},
    "zones": {"*": {"zone": str, "mode": str}},
    "policy": {
        "green_lane_factor": (int, float),
        "co_investment_rate_reduction": (int, float),
        "apply_45x": bool,
        "state_incentives": {"*": (int, float)},
    },
    "minerals": {"min_domestic_share": {"*": (int, float)}, "allowed_gateways": list},
    "multipliers": {
        "power_price": (int, float),
        "wage": (int, float),
        "mineral_price": (int, float),
        "power_price_by_region": {"*": (int, float)},
        "wage_by_region": {"*": (int, float)},
    },
    "limits": {
        "labor_share_cap": (int, float),
        "max_clusters": {"*": int},
        "excluded_regions": list,
    },
    "solver": {"name": str, "time_limit_s": (int, float), "mip_gap": (int, float), "threads": int},
    "markets": {
        "enabled": bool,
        "as_of": (str, date),
        "scale": {"*": {"*": (int, float)}},
        "add": list,
        "jv_ties": bool,
    },
    "periods": PERIODS_SCHEMA,
}
MARKET_NODE_KEYS = {"cluster_type": str, "region_id": str, "weight": (int, float), "name": str}
"""Keys of one ``[[markets.add]]`` entry: a demand node the data do not have (e.g. a new
vehicle assembly plant), its weight in the unit of the type's other nodes."""


@dataclass(frozen=True)
class Target:
    """National capacity target of one cluster type [type unit/yr], with its source."""

    value: float
    unit: str
    source: str


@dataclass(frozen=True)
class ZoneDesignation:
    """A zone designated for a cluster type: 'restrict' (only there) or 'favour' (levers apply)."""

    zone: str
    mode: str


@dataclass(frozen=True)
class MarketNode:
    """A demand node a scenario adds: cluster type, region, weight (the unit of the type's
    demand weights, e.g. jobs for battery cells) and a name."""

    cluster_type: str
    region_id: str
    weight: float
    name: str


DEFAULT_MIP_GAP = 1e-6
"""Default relative MIP gap. At state resolution the cost surface is flat: the 20 cheapest
states for a type lie within about 0.75 % of each other, and a state-to-state difference the
reports name can be a few hundred thousand USD/yr. A gap of 1e-4 (about 3.3 M USD/yr on
``baseline``) let an unrelated input (Alabama's wage × 0.97) move solar from Idaho to Oregon at
a *higher* objective; at 1e-6 (about 33,000 USD/yr) the built-ins prove their optimum (gap 0)
in the same time."""


@dataclass(frozen=True)
class SolverOptions:
    """Solver name ('highs' or 'cbc'), time limit [s], relative MIP gap, threads."""

    name: str = "highs"
    time_limit_s: float = 120.0
    mip_gap: float = DEFAULT_MIP_GAP
    threads: int = 1


@dataclass(frozen=True)
class Scenario:
    """One validated planning case. Build with ``Scenario.from_dict`` or ``load_scenario``."""

    name: str
    description: str
    horizon_year: int
    facilities_as_of: date
    targets: Mapping[str, Target]
    objective: str = "investor"
    existing_statuses: tuple[str, ...] = ("operating", "under_construction")
    zones: Mapping[str, ZoneDesignation] = field(default_factory=dict)
    green_lane_factor: float = 1.0
    co_investment_rate_reduction: float = 0.0
    apply_45x: bool = True
    state_incentives: Mapping[str, float] = field(default_factory=dict)
    min_domestic_share: Mapping[str, float] = field(default_factory=dict)
    allowed_gateways: tuple[str, ...] | None = None
    power_price_multiplier: float = 1.0
    wage_multiplier: float = 1.0
    mineral_price_multiplier: float = 1.0
    power_price_by_region: Mapping[str, float] = field(default_factory=dict)
    wage_by_region: Mapping[str, float] = field(default_factory=dict)
    labor_share_cap: float | None = None
    max_clusters: Mapping[str, int] = field(default_factory=dict)
    excluded_regions: tuple[str, ...] = ()
    solver: SolverOptions = field(default_factory=SolverOptions)
    markets: bool = True
    markets_as_of: date | None = None
    market_scale: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    market_nodes: tuple[MarketNode, ...] = ()
    periods: PeriodSpec | None = None
    """Multi-period build-out (``optimizer.phased``); None: the one-year snapshot."""
    resolution: str = "state"
    jv_ties: bool = False
    """County resolution: tie each partner-built cell plant's output to its partner automaker's
    assembly plants (``optimizer.model.jv_ties``)."""
    """'state' (default) or 'county' (``optimizer.model.county``: county sites, customer points,
    shared commuting areas)."""
    raw: Mapping = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_dict(cls, doc: Mapping, label: str = "<scenario>") -> Scenario:
        """Validate a scenario mapping (already merged with its parent) and freeze it."""
        _check_keys(doc, SCHEMA, label, "")
        for key in ("name", "horizon_year", "facilities_as_of", "targets"):
            if key not in doc:
                raise DataValidationError(label, "required key is missing", field=key)
        get = lambda section, key, default=None: doc.get(section, {}).get(key, default)  # noqa: E731
        name = doc["name"]
        if not name.strip() or len(name) > NAME_MAX_CHARS:
            raise DataValidationError(
                label,
                f"must be 1 to {NAME_MAX_CHARS} characters (not blank), got {len(name)}",
                field="name",
            )
        as_of = doc["facilities_as_of"]
        if isinstance(as_of, datetime):
            raise DataValidationError(
                label,
                f"{as_of.isoformat()} has a time of day; write a date (YYYY-MM-DD)",
                field="facilities_as_of",
            )
        if isinstance(as_of, str):
            try:
                as_of = date.fromisoformat(as_of)
            except ValueError:
                raise DataValidationError(
                    label, f"{as_of!r} is not a date (YYYY-MM-DD)", field="facilities_as_of"
                ) from None
        if as_of < EARLIEST_AS_OF:
            raise DataValidationError(
                label,
                f"{as_of.isoformat()} is before {EARLIEST_AS_OF.isoformat()}, the earliest date "
                "the data describe",
                field="facilities_as_of",
            )
        horizon = doc["horizon_year"]
        if not as_of.year <= horizon <= LATEST_HORIZON:
            raise DataValidationError(
                label,
                f"{horizon} must lie between the facilities_as_of year ({as_of.year}) and "
                f"{LATEST_HORIZON}",
                field="horizon_year",
            )
        targets = {}
        for k, spec in doc["targets"].items():
            _check_type_key(k, label, "targets")
            for key in ("value", "unit", "source"):
                if key not in spec:
                    raise DataValidationError(
                        label, "required key is missing", field=f"targets.{k}.{key}"
                    )
            value = _check_range(spec["value"], 0, TARGET_MAX, label, f"targets.{k}.value")
            targets[k] = Target(value, spec["unit"], spec["source"])
        zones = {}
        for k, spec in doc.get("zones", {}).items():
            _check_type_key(k, label, "zones")
            if spec.get("mode") not in ZONE_MODES:
                raise DataValidationError(
                    label,
                    f"mode must be one of {ZONE_MODES}, got {spec.get('mode')!r}",
                    field=f"zones.{k}.mode",
                )
            if "zone" not in spec:
                raise DataValidationError(label, "required key is missing", field=f"zones.{k}.zone")
            zones[k] = ZoneDesignation(spec["zone"], spec["mode"])
        statuses = tuple(doc.get("existing_statuses", ("operating", "under_construction")))
        _check_strings(statuses, label, "existing_statuses")
        for status in statuses:
            if status not in FACILITY_STATUSES:
                raise DataValidationError(
                    label,
                    f"{status!r} is not one of {FACILITY_STATUSES}",
                    field="existing_statuses",
                )
        green = _check_range(
            get("policy", "green_lane_factor", 1.0), 0, 1, label, "policy.green_lane_factor"
        )
        co_invest = _check_range(
            get("policy", "co_investment_rate_reduction", 0.0),
            0,
            0.2,
            label,
            "policy.co_investment_rate_reduction",
        )
        incentives = dict(get("policy", "state_incentives", {}))
        for region, share in incentives.items():
            _check_range(share, 0, 1, label, f"policy.state_incentives.{region}")
        shares = dict(get("minerals", "min_domestic_share", {}))
        for mineral, share in shares.items():
            _check_range(share, 0, 1, label, f"minerals.min_domestic_share.{mineral}")
        gateways = get("minerals", "allowed_gateways")
        if gateways is not None:
            _check_strings(gateways, label, "minerals.allowed_gateways")
        _check_strings(get("limits", "excluded_regions", ()), label, "limits.excluded_regions")
        multipliers = doc.get("multipliers", {})
        for key in ("power_price", "wage", "mineral_price"):
            _check_range(multipliers.get(key, 1.0), 0, 100, label, f"multipliers.{key}")
        for table in ("power_price_by_region", "wage_by_region"):
            for region, value in multipliers.get(table, {}).items():
                _check_range(value, 0, 100, label, f"multipliers.{table}.{region}")
        cap = get("limits", "labor_share_cap")
        if cap is not None:
            _check_range(cap, 0, 1, label, "limits.labor_share_cap")
        max_clusters = dict(get("limits", "max_clusters", {}))
        for k, n in max_clusters.items():
            _check_type_key(k, label, "limits.max_clusters")
            _check_range(n, 0, None, label, f"limits.max_clusters.{k}", integer=True)
        resolution = doc.get("resolution", "state")
        if resolution not in RESOLUTIONS:
            raise DataValidationError(
                label,
                f"{resolution!r} is not one of {', '.join(RESOLUTIONS)}"
                + did_you_mean(resolution, RESOLUTIONS),
                field="resolution",
            )
        if resolution == "county" and "periods" in doc:
            raise DataValidationError(
                label,
                "a phased build-out is solved at state resolution only (county: not yet)",
                field="resolution",
            )
        objective = doc.get("objective", "investor")
        if objective not in OBJECTIVES:
            raise DataValidationError(
                label, f"{objective!r} is not one of {OBJECTIVES}", field="objective"
            )
        solver_doc = doc.get("solver", {})
        solver = SolverOptions(
            name=solver_doc.get("name", "highs"),
            time_limit_s=_check_range(
                solver_doc.get("time_limit_s", 120.0), 0.001, None, label, "solver.time_limit_s"
            ),
            mip_gap=_check_range(
                solver_doc.get("mip_gap", DEFAULT_MIP_GAP), 0, 1, label, "solver.mip_gap"
            ),
            threads=_check_range(
                solver_doc.get("threads", 1), 1, MAX_THREADS, label, "solver.threads", integer=True
            ),
        )
        if solver.name not in SOLVERS:
            raise DataValidationError(
                label, f"{solver.name!r} is not one of {SOLVERS}", field="solver.name"
            )
        markets_doc = doc.get("markets", {})
        if markets_doc.get("jv_ties") and resolution != "county":
            raise DataValidationError(
                label,
                'partner ties need customer plants as points: set resolution = "county"',
                field="markets.jv_ties",
            )
        markets_as_of = _read_date(markets_doc.get("as_of"), label, "markets.as_of")
        market_scale = {}
        for k, by_region in markets_doc.get("scale", {}).items():
            _check_type_key(k, label, "markets.scale")
            for region, factor in by_region.items():
                _check_range(factor, 0, 1000, label, f"markets.scale.{k}.{region}")
            market_scale[k] = MappingProxyType({r: float(v) for r, v in by_region.items()})
        market_nodes = tuple(
            _read_market_node(entry, label, f"markets.add[{i}]")
            for i, entry in enumerate(markets_doc.get("add", []))
        )
        periods = (
            parse_periods(
                doc["periods"],
                label,
                as_of=as_of,
                horizon_year=int(horizon),
                target_types=tuple(targets),
                latest_year=LATEST_HORIZON,
            )
            if "periods" in doc
            else None
        )
        frozen = MappingProxyType
        return cls(
            name=doc["name"],
            description=doc.get("description", ""),
            horizon_year=int(horizon),
            facilities_as_of=as_of,
            targets=frozen(targets),
            objective=objective,
            existing_statuses=statuses,
            zones=frozen(zones),
            green_lane_factor=green,
            co_investment_rate_reduction=co_invest,
            apply_45x=bool(get("policy", "apply_45x", True)),
            state_incentives=frozen({r: float(v) for r, v in incentives.items()}),
            min_domestic_share=frozen({m: float(v) for m, v in shares.items()}),
            allowed_gateways=tuple(gateways) if gateways is not None else None,
            power_price_multiplier=float(multipliers.get("power_price", 1.0)),
            wage_multiplier=float(multipliers.get("wage", 1.0)),
            mineral_price_multiplier=float(multipliers.get("mineral_price", 1.0)),
            power_price_by_region=frozen(dict(multipliers.get("power_price_by_region", {}))),
            wage_by_region=frozen(dict(multipliers.get("wage_by_region", {}))),
            labor_share_cap=float(cap) if cap is not None else None,
            max_clusters=frozen({k: int(v) for k, v in max_clusters.items()}),
            excluded_regions=tuple(get("limits", "excluded_regions", ())),
            solver=solver,
            markets=bool(markets_doc.get("enabled", True)),
            jv_ties=bool(markets_doc.get("jv_ties", False)),
            markets_as_of=markets_as_of,
            market_scale=frozen(market_scale),
            market_nodes=market_nodes,
            periods=periods,
            resolution=resolution,
            raw=frozen(copy.deepcopy(dict(doc))),
        )

    def designated_zone(self, cluster_type: str) -> ZoneDesignation | None:
        """The zone designated for ``cluster_type``, if any."""
        return self.zones.get(cluster_type)

    def to_toml_dict(self) -> dict:
        """The resolved scenario as a TOML-ready mapping (``extends`` already applied)."""
        doc = _plain(self.raw)
        doc.pop("extends", None)
        doc["facilities_as_of"] = self.facilities_as_of.isoformat()
        doc["solver"] = asdict(self.solver)
        return doc

    def replace(self, **changes) -> Scenario:
        """A copy with top-level TOML sections/keys replaced, re-validated (e.g. for sweeps)."""
        doc = merge_tables(_plain(self.raw), changes)
        doc.pop("extends", None)
        return Scenario.from_dict(doc, label=f"<{self.name} modified>")


def _plain(value):
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _check_type_key(k: str, label: str, where: str) -> None:
    if k not in CLUSTER_TYPES:
        raise DataValidationError(
            label,
            f"unknown cluster type {k!r} (expected one of {CLUSTER_TYPES})",
            field=f"{where}.{k}",
        )


def _check_range(value, low, high, label: str, where: str, *, integer: bool = False):
    """``value`` (float, or int with ``integer``) if a finite number in [low, high]; else raise."""
    return check_number(value, label, where, low=low, high=high, integer=integer)


def _read_date(value, label: str, where: str) -> date | None:
    """``value`` as a date (a TOML date or 'YYYY-MM-DD'), None when absent; else raise."""
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise DataValidationError(label, f"{value!r} is not a date (YYYY-MM-DD)", field=where)


def _read_market_node(entry, label: str, where: str) -> MarketNode:
    """One ``[[markets.add]]`` entry, checked key by key."""
    if not isinstance(entry, Mapping):
        raise DataValidationError(label, "must be a table", field=where)
    _check_keys(entry, MARKET_NODE_KEYS, label, where + ".")
    for key in ("cluster_type", "region_id", "weight"):
        if key not in entry:
            raise DataValidationError(label, "required key is missing", field=f"{where}.{key}")
    _check_type_key(entry["cluster_type"], label, f"{where}.cluster_type")
    weight = _check_range(entry["weight"], 0, 1e12, label, f"{where}.weight")
    name = entry.get("name") or f"{entry['region_id']} {entry['cluster_type']} (scenario)"
    return MarketNode(entry["cluster_type"], entry["region_id"], weight, name)


def _check_strings(values, label: str, where: str) -> None:
    """Raise unless ``values`` is a list of strings."""
    for value in values:
        if not isinstance(value, str):
            raise DataValidationError(label, f"{value!r} should be str", field=where)


def _check_keys(doc: Mapping, schema: Mapping, label: str, prefix: str) -> None:
    """Raise on unknown keys or wrong types anywhere in ``doc``, naming the dotted key."""
    for key, value in doc.items():
        dotted = f"{prefix}{key}"
        expected = schema.get(key, schema.get("*"))
        if expected is None:
            known = ", ".join(k for k in schema if k != "*")
            raise DataValidationError(label, f"unknown key (known: {known})", field=dotted)
        if isinstance(expected, dict):
            if not isinstance(value, Mapping):
                raise DataValidationError(label, "must be a table", field=dotted)
            _check_keys(value, expected, label, dotted + ".")
        elif not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
            names = (
                expected.__name__
                if isinstance(expected, type)
                else "/".join(t.__name__ for t in expected)
            )
            raise DataValidationError(label, f"{value!r} should be {names}", field=dotted)


def merge_tables(base: Mapping, override: Mapping) -> dict:
    """Merge ``override`` into a copy of ``base``: tables merge key by key, other values replace."""
    out = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge_tables(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def builtin_scenarios() -> dict[str, Path]:
    """Built-in scenario files by name."""
    return {p.stem: p for p in sorted(BUILTIN_DIR.glob("*.toml"))}


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(read_text(path))
    except tomllib.TOMLDecodeError as exc:
        raise DataValidationError(str(path), f"not valid TOML ({exc})") from None


def _resolve(ref: str, relative_to: Path | None, seen: tuple[str, ...]) -> tuple[dict, str]:
    builtins = builtin_scenarios()
    if ref in builtins:
        path = builtins[ref]
    else:
        path = Path(ref)
        if not path.is_absolute() and relative_to is not None:
            path = relative_to / path
        if not path.exists():
            raise DataValidationError(
                ref,
                f"no such scenario file, and not a built-in ({', '.join(builtins)})"
                + did_you_mean(ref, builtins),
            )
    key = str(path.resolve())
    if key in seen:
        raise DataValidationError(str(path), "extends forms a cycle", field="extends")
    doc = _read_toml(path)
    parent = doc.get("extends")
    if parent is not None:
        if not isinstance(parent, str):
            raise DataValidationError(str(path), "must be a scenario name or path", field="extends")
        base, _ = _resolve(parent, path.parent, (*seen, key))
        doc = merge_tables(base, {k: v for k, v in doc.items() if k != "extends"})
    return doc, str(path)


def load_scenario(ref: str | Path | Scenario) -> Scenario:
    """A Scenario from a built-in name, a TOML path, or a Scenario (returned as is).

    >>> load_scenario("great-lakes").zones["battery"].zone
    'great-lakes'
    """
    if isinstance(ref, Scenario):
        return ref
    doc, label = _resolve(str(ref), None, ())
    return Scenario.from_dict(doc, label=label)


def with_resolution(scenario: Scenario, resolution: str) -> Scenario:
    """``scenario`` at another spatial resolution ('state' or 'county'), validated again (a
    phased scenario refuses 'county'); its TOML says the new resolution."""
    doc = _plain(scenario.raw)
    doc["resolution"] = resolution
    return Scenario.from_dict(doc, f"scenario {scenario.name!r}")
