"""Periods of a phased scenario: years, weights, target ramps, discounting, decision dates.

A scenario with a ``[periods]`` table is solved as a multi-period build-out. Each period ``t``
stands for its year ``years[t]`` and carries a weight ``weights[t]`` [years it represents;
default: 1 for the first period, the gap to the previous year for the others]. Money in period
``t`` is discounted to ``base_year`` at ``discount_rate`` [real, fraction/yr]:
``factor[t] = weights[t] / (1 + rate) ** (years[t] - base_year)``.

Decisions of the first period are dated at the first month that starts on or after
``facilities_as_of`` (the planner decides now, and never before the date the facts are known: an
as-of date of 30 June and one of 1 July both give decisions on 1 July); those of a later period
on 1 January of its year (not before the first period's). A site decided at the start of month
``d`` comes online ``lag`` = permitting + construction months later, at month ``d + lag``
(fractional months allowed). In the year it comes online it produces the share of the year that
is left (:func:`online_fraction`: online on 1 October, it produces and costs 3/12 of that year);
in later years all of it.

This module reads the scenario only; it imports nothing from the rest of ``optimizer``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType

from regions.checks import check_number
from regions.errors import DataValidationError

DISCOUNT_RATE_MAX = 0.2
"""Upper bound of a real discount rate [fraction/yr]; a larger figure is a typing slip."""
PERIOD_COUNT_MAX = 100
MONTH_EPS = 1e-7
"""Months below which a plant's share of a year is rounding noise [months]."""
SCHEMA = {
    "years": list,
    "weights": list,
    "base_year": int,
    "discount_rate": (int, float),
    "discount_rate_source": str,
    "targets": {"*": {"years": list, "values": list, "unit": str, "source": str}},
}
"""The ``[periods]`` table of a scenario (merged into the scenario schema)."""


@dataclass(frozen=True)
class TargetRamp:
    """A national target by year [type unit/yr]: linear between the given years, flat outside."""

    years: tuple[int, ...]
    values: tuple[float, ...]
    unit: str
    source: str

    def at(self, year: int) -> float:
        """The target in ``year`` (linear interpolation; the end values hold outside).

        >>> TargetRamp((2026, 2030), (500.0, 1000.0), "GWh/yr", "x").at(2028)
        750.0
        """
        if year <= self.years[0]:
            return self.values[0]
        if year >= self.years[-1]:
            return self.values[-1]
        for (y0, v0), (y1, v1) in zip(
            zip(self.years, self.values, strict=True),
            zip(self.years[1:], self.values[1:], strict=True),
            strict=True,
        ):
            if y0 <= year <= y1:
                return v0 + (v1 - v0) * (year - y0) / (y1 - y0)
        raise AssertionError("unreachable")  # pragma: no cover


@dataclass(frozen=True)
class PeriodSpec:
    """The validated ``[periods]`` table of a scenario.

    Attributes:
        years: the year each period stands for, increasing.
        weights: years each period represents (its money is counted this many times).
        base_year: year costs are discounted to.
        discount_rate: real discount rate [fraction/yr]; None: ``social_discount_rate`` from
            ``optimizer/data/parameters.csv``.
        discount_rate_source: where a scenario's own rate comes from.
        ramps: target ramp per cluster type; types without one keep their horizon target.
    """

    years: tuple[int, ...]
    weights: tuple[float, ...]
    base_year: int
    discount_rate: float | None = None
    discount_rate_source: str = ""
    ramps: Mapping[str, TargetRamp] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.years)


def _fail(label: str, message: str, where: str) -> DataValidationError:
    return DataValidationError(label, message, field=f"periods.{where}")


def _years(values: list, label: str, where: str, low: int, high: int) -> tuple[int, ...]:
    if not values:
        raise _fail(label, "needs at least one year", where)
    if len(values) > PERIOD_COUNT_MAX:
        raise _fail(label, f"at most {PERIOD_COUNT_MAX} years, got {len(values)}", where)
    years = tuple(
        int(check_number(v, label, f"periods.{where}", low=low, high=high, integer=True))
        for v in values
    )
    for a, b in zip(years, years[1:], strict=False):
        if b <= a:
            raise _fail(label, f"years must increase, got {a} then {b}", where)
    return years


def parse_periods(
    doc: Mapping,
    label: str,
    *,
    as_of: date,
    horizon_year: int,
    target_types: tuple[str, ...],
    latest_year: int,
) -> PeriodSpec:
    """Validate a ``[periods]`` table; raise ``DataValidationError`` naming ``periods.<key>``.

    Rules: years increase, the first is not before the ``facilities_as_of`` year and the last is
    not before ``horizon_year`` (the year the targets become goals); one positive weight per
    year; ``base_year`` not after the first year; a ramp per targeted type with increasing years
    and non-negative values, one per year, and a source.
    """
    years = _years(list(doc.get("years", [])), label, "years", as_of.year, latest_year)
    if years[-1] < horizon_year:
        raise _fail(
            label,
            f"the last period {years[-1]} is before horizon_year {horizon_year}, the year the "
            "targets must be met",
            "years",
        )
    default_weights = [1.0] + [float(b - a) for a, b in zip(years, years[1:], strict=False)]
    raw_weights = doc.get("weights", default_weights)
    if len(raw_weights) != len(years):
        raise _fail(
            label, f"needs one weight per year ({len(years)}), got {len(raw_weights)}", "weights"
        )
    weights = tuple(
        float(check_number(w, label, "periods.weights", low=0, low_open=True, high=100))
        for w in raw_weights
    )
    base_year = int(
        check_number(
            doc.get("base_year", years[0]),
            label,
            "periods.base_year",
            low=as_of.year,
            high=years[0],
            integer=True,
        )
    )
    rate = doc.get("discount_rate")
    source = str(doc.get("discount_rate_source", ""))
    if rate is not None:
        rate = float(
            check_number(rate, label, "periods.discount_rate", low=0, high=DISCOUNT_RATE_MAX)
        )
        if not source.strip():
            raise _fail(
                label, "a scenario's own discount rate needs its source", "discount_rate_source"
            )
    ramps = {}
    for k, spec in doc.get("targets", {}).items():
        where = f"targets.{k}"
        if k not in target_types:
            raise _fail(
                label,
                f"a ramp for {k!r}, which has no target (targeted: {', '.join(target_types)})",
                where,
            )
        for key in ("years", "values", "unit", "source"):
            if key not in spec:
                raise _fail(label, "required key is missing", f"{where}.{key}")
        ramp_years = _years(list(spec["years"]), label, f"{where}.years", 1900, latest_year)
        if len(spec["values"]) != len(ramp_years):
            raise _fail(
                label,
                f"needs one value per year ({len(ramp_years)}), got {len(spec['values'])}",
                f"{where}.values",
            )
        values = tuple(
            float(check_number(v, label, f"periods.{where}.values", low=0, high=1e9))
            for v in spec["values"]
        )
        if not str(spec["source"]).strip():
            raise _fail(label, "a ramp needs its source (or an ASSUMPTION note)", f"{where}.source")
        ramps[k] = TargetRamp(ramp_years, values, str(spec["unit"]), str(spec["source"]))
    return PeriodSpec(years, weights, base_year, rate, source, MappingProxyType(ramps))


# -- time arithmetic -------------------------------------------------------------------------------
def month_index(when: date) -> int:
    """Months since year 0 of the start of ``when``'s month.

    >>> month_index(date(2026, 1, 15)) - month_index(date(2025, 12, 1))
    1
    """
    return when.year * 12 + when.month - 1


def first_decision_month(as_of: date) -> int:
    """Month index of the first month that starts on or after ``as_of``: no decision is dated
    before the as-of date.

    >>> first_decision_month(date(2026, 6, 30)) == first_decision_month(date(2026, 7, 1))
    True
    >>> first_decision_month(date(2026, 7, 1)) - month_index(date(2026, 7, 1))
    0
    """
    return month_index(as_of) + (0 if as_of.day == 1 else 1)


def decision_months(spec: PeriodSpec, as_of: date) -> tuple[int, ...]:
    """Month index of each period's decisions: the first month starting on or after the as-of
    date, then 1 January of each later period's year (never before the first)."""
    first = first_decision_month(as_of)
    return (first,) + tuple(max(month_index(date(y, 1, 1)), first) for y in spec.years[1:])


def months_to_year_end(decision_month: int, year: int) -> int:
    """Whole months from the start of ``decision_month`` to the end of ``year``.

    >>> months_to_year_end(month_index(date(2026, 6, 30)), 2030)
    55
    """
    return (year + 1) * 12 - decision_month


def online_year(decision_month: int, lag_months: float) -> int:
    """Calendar year a plant decided at the start of ``decision_month`` starts producing: the
    year of the month it comes online, ``lag_months`` (permitting + construction) later — the
    first year of which it makes a positive share (online on 1 January 2030: 2030, not 2029).

    >>> online_year(month_index(date(2027, 1, 1)), 30.0)   # online on 1 July 2029
    2029
    >>> online_year(month_index(date(2027, 1, 1)), 36.0)   # online on 1 January 2030
    2030
    """
    return max(decision_month // 12, math.floor((decision_month + lag_months + MONTH_EPS) / 12))


def online_fraction(decision_month: int, lag_months: float, year: int) -> float:
    """Share of ``year`` a plant decided at the start of ``decision_month`` produces: 0 before
    its online year, the months left after it comes online (``lag_months`` after the decision)
    over 12 in that year, 1 after [fraction of the year].

    >>> d = month_index(date(2026, 7, 1))
    >>> online_fraction(d, 27.0, 2028), online_fraction(d, 27.0, 2029)   # online 1 Oct 2028
    (0.25, 1.0)
    >>> online_fraction(d, 30.0, 2028)                                     # online 1 Jan 2029
    0.0
    """
    left = months_to_year_end(decision_month, year) - lag_months
    return 0.0 if left < MONTH_EPS else min(left / 12.0, 1.0)


def discount_factors(spec: PeriodSpec, rate: float) -> tuple[float, ...]:
    """Weight × discount factor of each period: ``w[t] / (1 + rate) ** (years[t] − base_year)``.

    >>> s = PeriodSpec((2026, 2028), (1.0, 2.0), 2026)
    >>> [round(f, 6) for f in discount_factors(s, 0.02)]
    [1.0, 1.922338]
    """
    return tuple(
        w / (1.0 + rate) ** (y - spec.base_year)
        for y, w in zip(spec.years, spec.weights, strict=True)
    )
