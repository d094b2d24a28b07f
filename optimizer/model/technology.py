"""Technology and global model parameters, read from ``optimizer/data/*.csv`` with low/base/high ranges."""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from regions.errors import DataValidationError

DATA_DIR = Path(__file__).parent.parent / "data"
CLUSTER_TYPES = ("battery", "magnet", "solar")
CAPACITY_UNITS = {"battery": "GWh/yr", "magnet": "t/yr", "solar": "GW/yr"}
LEVELS = ("low", "base", "high")
TECH_COLUMNS = [
    "cluster_type",
    "parameter",
    "unit",
    "low",
    "base",
    "high",
    "kind",
    "citation",
    "url",
    "vintage",
    "note",
]
PARAM_COLUMNS = TECH_COLUMNS[1:]
REQUIRED_TECH = (
    "min_scale",
    "max_scale",
    "capex_usd_per_unit",
    "lifetime_yr",
    "discount_rate",
    "fixed_site_cost_usd_per_yr",
    "electricity_mwh_per_unit",
    "jobs_per_unit",
    "other_opex_usd_per_unit",
    "other_materials_usd_per_unit",
    "construction_months",
    "credit_45x_usd_per_unit",
    "agglomeration_discount",
    "expansion_share",
    "expansion_fixed_cost_fraction",
    "import_price_usd_per_unit",
    "import_tariff_pct",
)
RENAMED_TECH = {
    "landed_import_price_usd_per_unit": "import_price_usd_per_unit (the price before the product "
    "tariff; the model adds import_tariff_pct once)",
}
"""Parameter names that were renamed, with what to write instead (a clear error for old files)."""
REQUIRED_PARAMS = (
    "freight_usd_per_tkm",
    "circuity_factor",
    "delay_cost_fraction_per_month",
    "labor_share_cap",
    "utilization",
    "unsupplied_mineral_penalty_multiple",
    "shortfall_penalty_multiple",
)
SCHEDULE_COLUMNS = [
    "credit",
    "first_year",
    "last_year",
    "fraction",
    "kind",
    "citation",
    "url",
    "vintage",
    "note",
]
CREDIT_OF_TYPE = {"battery": "component", "magnet": "component", "solar": "component"}
"""Which 45X phase-out schedule a cluster type's credit follows (all three make components)."""
BOM_PREFIX, BOM_SUFFIX = "bom_", "_t_per_unit"


@dataclass(frozen=True)
class Figure:
    """One parameter with its range and provenance."""

    name: str
    unit: str
    low: float
    base: float
    high: float
    kind: str
    citation: str
    url: str = ""
    vintage: str = ""
    note: str = ""

    def at(self, level: str) -> float:
        """Value at ``level`` ('low', 'base' or 'high')."""
        return {"low": self.low, "base": self.base, "high": self.high}[level]


@dataclass(frozen=True)
class TechnologyData:
    """Per-type technology figures and global parameters; ``overrides`` replace base values.

    ``value(k, name)`` is what the model uses. ``with_overrides`` returns a copy for sensitivity
    runs: keys are ``(cluster_type, parameter)`` or ``(None, parameter)`` for a global parameter.
    """

    tech: Mapping[str, Mapping[str, Figure]]
    params: Mapping[str, Figure]
    overrides: Mapping[tuple[str | None, str], float] = field(default_factory=dict)
    credit_schedule: tuple[tuple[str, int, int, float], ...] = ()
    """45X phase-out steps ``(credit, first_year, last_year, fraction)``."""

    def value(self, cluster_type: str, name: str, default: float | None = None) -> float:
        """Value of technology parameter ``name`` for ``cluster_type`` (override, else base)."""
        key = (cluster_type, name)
        if key in self.overrides:
            return self.overrides[key]
        figure = self.tech[cluster_type].get(name)
        if figure is None:
            if default is not None:
                return default
            raise KeyError(f"technology parameter {name!r} missing for {cluster_type!r}")
        return figure.base

    def param(self, name: str) -> float:
        """Value of global parameter ``name`` (override, else base)."""
        if (None, name) in self.overrides:
            return self.overrides[(None, name)]
        return self.params[name].base

    def landed_import_price(self, cluster_type: str) -> float:
        """Landed import price [USD per unit produced]: the import price before the product
        tariff (``import_price_usd_per_unit``) × (1 + ``import_tariff_pct``/100). The tariff is
        added here and nowhere else, so the price row must not include it."""
        price = self.value(cluster_type, "import_price_usd_per_unit")
        return price * (1.0 + self.value(cluster_type, "import_tariff_pct") / 100.0)

    def shortfall_penalty(self, cluster_type: str) -> float:
        """Penalty [USD/yr per unit/yr] for unmet target: a multiple of the landed import price
        (with tariff) of the output a unit of capacity makes in a year (× utilization)."""
        return (
            self.param("shortfall_penalty_multiple")
            * self.landed_import_price(cluster_type)
            * self.param("utilization")
        )

    def credit_fraction(self, cluster_type: str, year: int) -> float:
        """Share of the full 45X credit paid for output sold in ``year`` (statutory phase-out)."""
        credit = CREDIT_OF_TYPE[cluster_type]
        for name, first, last, fraction in self.credit_schedule:
            if name == credit and first <= year <= last:
                return fraction
        raise KeyError(f"the 45X schedule has no {credit!r} step covering {year}")

    def bom(self, cluster_type: str) -> dict[str, float]:
        """Bill of materials of ``cluster_type``: tonnes of each mineral per unit produced."""
        return {
            name[len(BOM_PREFIX) : -len(BOM_SUFFIX)]: self.value(cluster_type, name)
            for name in self.tech[cluster_type]
            if name.startswith(BOM_PREFIX) and name.endswith(BOM_SUFFIX)
        }

    def annualized_capex(self, cluster_type: str, rate_reduction: float = 0.0) -> float:
        """Capex × capital recovery factor [USD/yr per unit/yr], rate lowered by ``rate_reduction``."""
        rate = max(self.value(cluster_type, "discount_rate") - rate_reduction, 0.0)
        life = self.value(cluster_type, "lifetime_yr")
        return self.value(cluster_type, "capex_usd_per_unit") * capital_recovery_factor(rate, life)

    def with_overrides(self, overrides: Mapping[tuple[str | None, str], float]) -> TechnologyData:
        """Copy with some values replaced (keys ``(type, name)``, ``(None, name)`` for globals)."""
        for cluster_type, name in overrides:
            table = self.params if cluster_type is None else self.tech.get(cluster_type, {})
            if name not in table:
                raise KeyError(f"unknown parameter {name!r} for {cluster_type or 'global'}")
        return TechnologyData(
            self.tech, self.params, {**self.overrides, **overrides}, self.credit_schedule
        )

    def figures(self) -> list[tuple[str | None, Figure]]:
        """Every figure with its cluster type (None for globals), for reports and sweeps."""
        rows: list[tuple[str | None, Figure]] = [
            (k, f) for k, table in self.tech.items() for f in table.values()
        ]
        return rows + [(None, f) for f in self.params.values()]


def capital_recovery_factor(rate: float, lifetime_yr: float) -> float:
    """CRF = r / (1 − (1 + r)^−n) [1/yr]; 1/n when r = 0.

    >>> round(capital_recovery_factor(0.08, 15), 6)
    0.11683
    """
    if rate == 0:
        return 1.0 / lifetime_yr
    return rate / (1.0 - (1.0 + rate) ** -lifetime_yr)


def _read_figures(path: Path, columns: list[str]) -> list[tuple[int, dict, Figure]]:
    label = str(path)
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        missing = [c for c in columns if c not in header]
        extra = [c for c in header if c not in columns]
        if missing or extra:
            raise DataValidationError(
                label,
                f"columns differ from {columns}: missing {missing}, unexpected {extra}",
                line=1,
            )
        out = []
        for line, row in enumerate(reader, start=2):
            if None in row or None in row.values():  # DictReader's restkey / restval
                count = len(header) + len(row.get(None) or []) - list(row.values()).count(None)
                raise DataValidationError(
                    label,
                    f"the row has {count} fields where the header has {len(header)} (a comma "
                    "in a text field that is not quoted?)",
                    line=line,
                    row_id=row.get("parameter") or "",
                )
            values = {}
            for level in LEVELS:
                try:
                    values[level] = float(row[level])
                except (TypeError, ValueError):
                    raise DataValidationError(
                        label,
                        f"{row[level]!r} is not a number",
                        line=line,
                        field=level,
                        row_id=row["parameter"],
                    ) from None
                if not math.isfinite(values[level]):
                    raise DataValidationError(label, "not finite", line=line, field=level)
            if not values["low"] <= values["base"] <= values["high"]:
                raise DataValidationError(
                    label,
                    f"needs low <= base <= high, got {values}",
                    line=line,
                    field="base",
                    row_id=row["parameter"],
                )
            if row["kind"] not in {"sourced", "assumption", "derived"}:
                raise DataValidationError(
                    label,
                    f"{row['kind']!r} is not one of sourced, assumption, derived",
                    line=line,
                    field="kind",
                    row_id=row["parameter"],
                )
            if not row["citation"].strip() and row["kind"] != "assumption":
                raise DataValidationError(
                    label,
                    "a sourced figure needs a citation",
                    line=line,
                    field="citation",
                    row_id=row["parameter"],
                )
            figure = Figure(
                name=row["parameter"],
                unit=row["unit"],
                kind=row["kind"],
                citation=row["citation"],
                url=row["url"],
                vintage=row["vintage"],
                note=row["note"],
                **values,
            )
            out.append((line, row, figure))
    return out


def load_technology(data_dir: Path | str | None = None) -> TechnologyData:
    """Read ``technologies.csv`` and ``parameters.csv`` from ``data_dir`` (default: embedded)."""
    folder = Path(data_dir) if data_dir else DATA_DIR
    tech_path, param_path = folder / "technologies.csv", folder / "parameters.csv"
    tech: dict[str, dict[str, Figure]] = {k: {} for k in CLUSTER_TYPES}
    for line, row, figure in _read_figures(tech_path, TECH_COLUMNS):
        k = row["cluster_type"]
        if k not in tech:
            raise DataValidationError(
                str(tech_path), f"unknown cluster type {k!r}", line=line, field="cluster_type"
            )
        if figure.name in tech[k]:
            raise DataValidationError(
                str(tech_path),
                f"duplicate parameter {figure.name!r}",
                line=line,
                field="parameter",
                row_id=k,
            )
        tech[k][figure.name] = figure
    for k, table in tech.items():
        for old, new in RENAMED_TECH.items():
            if old in table:
                raise DataValidationError(
                    str(tech_path), f"{k}: parameter {old!r} is now {new}", field="parameter"
                )
        missing = [p for p in REQUIRED_TECH if p not in table]
        if missing:
            raise DataValidationError(
                str(tech_path), f"{k}: missing parameter(s) {missing}", field="parameter"
            )
        if table["min_scale"].base > table["max_scale"].base:
            raise DataValidationError(
                str(tech_path), f"{k}: min_scale exceeds max_scale", field="min_scale"
            )
    params = {}
    for line, _row, figure in _read_figures(param_path, PARAM_COLUMNS):
        if figure.name in params:
            raise DataValidationError(
                str(param_path),
                f"duplicate parameter {figure.name!r}",
                line=line,
                field="parameter",
            )
        params[figure.name] = figure
    missing = [p for p in REQUIRED_PARAMS if p not in params]
    if missing:
        raise DataValidationError(
            str(param_path), f"missing parameter(s) {missing}", field="parameter"
        )
    schedule_path = folder / "credit_45x_schedule.csv"
    if not schedule_path.exists():
        schedule_path = DATA_DIR / "credit_45x_schedule.csv"
    return TechnologyData(tech, params, credit_schedule=read_credit_schedule(schedule_path))


def read_credit_schedule(path: Path) -> tuple[tuple[str, int, int, float], ...]:
    """The 45X phase-out table: steps ``(credit, first_year, last_year, fraction)``, validated."""
    label = str(path)
    steps = []
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        if header != SCHEDULE_COLUMNS:
            raise DataValidationError(label, f"columns must be {SCHEDULE_COLUMNS}", line=1)
        for line, row in enumerate(reader, start=2):
            try:
                first, last = int(row["first_year"]), int(row["last_year"])
            except ValueError:
                raise DataValidationError(
                    label, "years must be integers", line=line, field="first_year"
                ) from None
            try:
                fraction = float(row["fraction"])
            except ValueError:
                fraction = math.nan
            if not 0.0 <= fraction <= 1.0:
                raise DataValidationError(
                    label, f"{row['fraction']!r} is not in [0, 1]", line=line, field="fraction"
                )
            if first > last:
                raise DataValidationError(
                    label,
                    f"first_year {first} after last_year {last}",
                    line=line,
                    field="last_year",
                )
            if not row["citation"].strip():
                raise DataValidationError(
                    label, "a schedule step needs a citation", line=line, field="citation"
                )
            for name, a, b, _f in steps:
                if name == row["credit"] and a <= last and first <= b:
                    raise DataValidationError(
                        label, f"years overlap another {name!r} step", line=line, field="first_year"
                    )
            steps.append((row["credit"], first, last, fraction))
    return tuple(steps)
