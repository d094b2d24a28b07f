"""The candidate sites of each cluster type: eligibility, per-unit cost terms, labor limits.

One row per (region, type) with the greenfield option (a new cluster) and the expansion option
(growing an operating cluster of the counting product), why each is or is not eligible, and the
hires left for new capacity under the labor rule. Pure functions of (region data, scenario,
technology); costs are annual [USD/yr per (type unit/yr)].
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from regions import RegionData
from regions.dataset import COUNTING_PRODUCT
from regions.errors import DataValidationError

from .scenario import Scenario
from .technology import CLUSTER_TYPES, TechnologyData, capital_recovery_factor
from .terms import CAPEX_TERMS, objective_terms


def months_to_horizon(as_of: date, horizon_year: int) -> int:
    """Whole months from the start of ``as_of``'s month to the end of ``horizon_year``.

    >>> months_to_horizon(date(2025, 7, 1), 2030)
    66
    """
    return (horizon_year - as_of.year) * 12 + (12 - as_of.month + 1)


MONTHS = {
    m: i
    for i, m in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ),
        start=1,
    )
}


def vintage_date(vintage: str) -> date | None:
    """The last day a vintage like 'April 2025' covers; '2025' reads as its mid-year (1 July).

    >>> vintage_date("April 2025"), vintage_date("2026")
    (datetime.date(2025, 4, 30), datetime.date(2026, 7, 1))
    """
    words = str(vintage).replace(",", " ").split()
    if len(words) == 1 and words[0].isdigit() and len(words[0]) == 4:
        return date(int(words[0]), 7, 1)
    if len(words) == 2 and words[0].lower() in MONTHS and words[1].isdigit():
        year, month = int(words[1]), MONTHS[words[0].lower()]
        following = date(year + month // 12, month % 12 + 1, 1)
        return date.fromordinal(following.toordinal() - 1)
    return None


def employment_dates(data: RegionData) -> pd.Series:
    """Date of each region's manufacturing-employment figure (from the citations table)."""
    rows = data.sources[
        (data.sources["table"] == "regions.csv") & (data.sources["column"] == "mfg_employment_jobs")
    ]
    first = rows.drop_duplicates("region_id")  # each region's first citation, as before
    vintages = dict(zip(first["region_id"], first["vintage"], strict=True))
    default = vintages.get("")
    fallback = vintage_date(default) if default is not None else None
    dates = {v: vintage_date(v) for v in set(vintages.values())}
    out = {}
    for region_id in data.regions.index:
        own = vintages.get(region_id)
        when = dates[own] if own is not None else fallback
        if when is None:
            raise DataValidationError(
                "sources.csv",
                "the vintage of regions.csv mfg_employment_jobs must read 'Month YYYY' or 'YYYY'",
                field="vintage",
                row_id=region_id,
            )
        out[region_id] = when
    return pd.Series(out)


def _counting(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["product"] == frame["cluster_type"].map(COUNTING_PRODUCT)]


def existing_tables(data: RegionData, scenario: Scenario) -> pd.DataFrame:
    """By (region_id, cluster_type): counted and operating capacity of the counting product as of
    ``facilities_as_of`` [type unit/yr], the share of it not yet operating at the date of the
    region's employment figure (its hires are not in that figure), and a host description."""
    seen = _counting(data.facilities_as_of(scenario.facilities_as_of))
    seen = seen.assign(capacity_std=seen["capacity_std"].fillna(0.0))
    counted = seen[seen["status"].isin(scenario.existing_statuses)]
    operating = seen[seen["status"] == "operating"]
    emp_dates = employment_dates(data)
    hiring = []
    for when, group in counted.groupby(counted["region_id"].map(emp_dates)):
        then = data.facilities_as_of(when)
        running_then = set(then.index[then["status"] == "operating"])
        hiring.append(group[~group.index.isin(running_then)])
    hiring = pd.concat(hiring) if hiring else counted.iloc[:0]
    keys = ["region_id", "cluster_type"]
    table = pd.DataFrame(
        {
            "existing_capacity": counted.groupby(keys)["capacity_std"].sum(),
            "operating_capacity": operating.groupby(keys)["capacity_std"].sum(),
            "hiring_capacity": hiring.groupby(keys)["capacity_std"].sum(),
        }
    ).fillna(0.0)
    names: dict = {}
    for facility_id, row in operating.iterrows():
        key = (row["region_id"], row["cluster_type"])
        names.setdefault(key, []).append(f"{facility_id} ({row['capacity_std']:g})")
    table["host_plants"] = [", ".join(names.get(key, [])) for key in table.index]
    return table


def labor_pools(
    employment: dict[str, float],
    labor_cap: float,
    hiring_by: dict[tuple[str, str], float],
    tech: TechnologyData,
) -> dict[str, tuple[float, float]]:
    """Per region: (hires left for new capacity of *all* types together [jobs], jobs already
    taken by counted plants of any type not yet in the employment figure [jobs]).

    One pool per state, shared by every cluster type: pool = max(λ·E_r − Σ_k h_k·X^hire_rk, 0),
    with λ the labor share cap, E_r manufacturing employment, h_k jobs per unit and X^hire the
    counted capacity not yet operating at the date of E_r. A battery plant and a solar plant in
    the same state draw on the same workers.
    """
    hired: dict[str, float] = {}
    for (region_id, k), capacity in hiring_by.items():
        hired[region_id] = hired.get(region_id, 0.0) + tech.value(k, "jobs_per_unit") * capacity
    return {
        region_id: (
            max(labor_cap * jobs - hired.get(region_id, 0.0), 0.0),
            hired.get(region_id, 0.0),
        )
        for region_id, jobs in employment.items()
    }


def site_table(
    data: RegionData,
    scenario: Scenario,
    tech: TechnologyData,
    existing: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per (region, type): greenfield and expansion options, eligibility with reasons,
    per-unit cost terms of each option, hires left for new capacity (``labor_limit_jobs``: the
    region's shared pool, the same for every type of the region, :func:`labor_pools`).

    ``existing``: :func:`existing_tables` of (data, scenario) when the caller holds it."""
    regions = data.regions
    existing = existing if existing is not None else existing_tables(data, scenario)
    months_available = months_to_horizon(scenario.facilities_as_of, scenario.horizon_year)
    labor_cap = (
        scenario.labor_share_cap
        if scenario.labor_share_cap is not None
        else tech.param("labor_share_cap")
    )
    utilization = tech.param("utilization")
    delay_fraction = tech.param("delay_cost_fraction_per_month")
    power = regions["power_price_usd_per_mwh"] * scenario.power_price_multiplier
    power = power * pd.Series(scenario.power_price_by_region, dtype=float).reindex(
        regions.index
    ).fillna(1.0)
    wage = regions["mfg_wage_usd_per_yr"] * scenario.wage_multiplier
    wage = wage * pd.Series(scenario.wage_by_region, dtype=float).reindex(regions.index).fillna(1.0)
    incentive = pd.Series(scenario.state_incentives, dtype=float).reindex(regions.index).fillna(0.0)
    # plain dicts: one lookup per (region, type) row below, not a pandas index lookup each
    power, wage, incentive = power.to_dict(), wage.to_dict(), incentive.to_dict()
    permitting = regions["permitting_months"].astype(float).to_dict()
    # documented low/high months where the data has them (permitting.csv), else the base figure
    ranges = data.permitting.reindex(regions.index) if data.permitting is not None else None
    permit_low = _range_column(ranges, "permitting_months_low", permitting)
    permit_high = _range_column(ranges, "permitting_months_high", permitting)
    employment = regions["mfg_employment_jobs"].astype(float).to_dict()
    counted_by, operating_by, hiring_by, hosts_by = (
        existing[c].to_dict()
        for c in ("existing_capacity", "operating_capacity", "hiring_capacity", "host_plants")
    )
    pool = labor_pools(employment, labor_cap, hiring_by, tech)
    screen = {
        (region_id, k): reason
        for k in CLUSTER_TYPES
        if f"screen_{k}" in regions.columns
        for region_id, reason in regions[f"screen_{k}"].items()
    }
    rows = []
    for k in CLUSTER_TYPES:
        designation = scenario.designated_zone(k)
        zone_members = set(data.zone_members(designation.zone)) if designation else set()
        capex = tech.value(k, "capex_usd_per_unit")
        lifetime = tech.value(k, "lifetime_yr")
        rate = tech.value(k, "discount_rate")
        construction = tech.value(k, "construction_months")
        jobs = tech.value(k, "jobs_per_unit")
        min_scale, max_scale = tech.value(k, "min_scale"), tech.value(k, "max_scale")
        discount = tech.value(k, "agglomeration_discount")
        fixed = tech.value(k, "fixed_site_cost_usd_per_yr")
        credit = (
            tech.value(k, "credit_45x_usd_per_unit")
            * utilization
            * tech.credit_fraction(k, scenario.horizon_year)
            if scenario.apply_45x
            else 0.0
        )
        crf_base = capital_recovery_factor(rate, lifetime)
        for region_id in regions.index:
            in_zone = region_id in zone_members
            key = (region_id, k)
            counted = float(counted_by.get(key, 0.0))
            operating = float(operating_by.get(key, 0.0))
            host = operating > 0
            green = scenario.green_lane_factor if in_zone else 1.0
            permit_months = permitting[region_id] * green
            crf_investor = capital_recovery_factor(
                max(rate - (scenario.co_investment_rate_reduction if in_zone else 0.0), 0.0),
                lifetime,
            )
            labor_limit, hired = pool[region_id]
            room = max(max_scale - counted, 0.0)
            common = []
            if region_id in scenario.excluded_regions:
                common.append("excluded by the scenario")
            if designation and designation.mode == "restrict" and not in_zone:
                common.append(f"outside designated zone {designation.zone}")
            if permit_months + construction > months_available:
                common.append(
                    f"permitting {permit_months:.1f} + construction {construction:.0f} months "
                    f"exceed the {months_available} months to the end of {scenario.horizon_year}"
                )
            if labor_limit <= 1e-9:
                common.append(
                    f"labor cap: plants since the employment figure already hire "
                    f"{hired:,.0f} of {labor_cap * employment[region_id]:,.0f} jobs"
                )
            green_reasons = list(common)
            if screen.get(key):  # county resolution: outside the type's candidate counties
                green_reasons.append(screen[key])
            if room < min_scale - 1e-9:
                green_reasons.append(
                    f"cluster maximum: {counted:,.4g} of {max_scale:,.4g} already counted, "
                    f"no room for the {min_scale:,.4g} minimum scale"
                )
            elif jobs * min_scale > labor_limit + 1e-9 and labor_limit > 1e-9:
                green_reasons.append(
                    f"labor cap: minimum scale needs {jobs * min_scale:,.0f} jobs, "
                    f"{labor_limit:,.0f} can still be hired"
                )
            limit = min(tech.value(k, "expansion_share") * operating, room) if host else 0.0
            exp_reasons = list(common)
            if not host:
                exp_reasons.append("no operating plant of the counting product")
            elif limit <= 1e-9:
                exp_reasons.append(
                    f"cluster maximum reached ({counted:,.4g} of {max_scale:,.4g} counted)"
                )
            terms = {
                "capex": capex * crf_base,
                "energy": tech.value(k, "electricity_mwh_per_unit")
                * utilization
                * power[region_id],
                "labor": jobs * wage[region_id],
                "other_opex": tech.value(k, "other_opex_usd_per_unit") * utilization,
                "other_materials": tech.value(k, "other_materials_usd_per_unit") * utilization,
                "permitting_delay": permit_months * delay_fraction * capex * crf_base,
                "credit_45x": -credit,
                "state_incentive": -incentive[region_id] * capex * crf_investor,
                "co_investment": -capex * (crf_base - crf_investor),
            }
            row = {
                "region_id": region_id,
                "cluster_type": k,
                "eligible": not green_reasons,
                "exclusion_reason": "; ".join(green_reasons),
                "in_designated_zone": in_zone,
                "host": host,
                "host_reason": (
                    f"operating {COUNTING_PRODUCT[k]} plants as of "
                    f"{scenario.facilities_as_of}: {hosts_by.get(key, '')}"
                    if host
                    else ""
                ),
                "existing_capacity": counted,
                "operating_capacity": operating,
                "room": room,
                "permitting_months": permit_months,
                "permitting_months_low": permit_low[region_id] * green,
                "permitting_months_high": permit_high[region_id] * green,
                "min_scale": min_scale,
                "max_scale": min(max_scale, room),
                "jobs_per_unit": jobs,
                "labor_limit_jobs": labor_limit,
                "fixed_cost_usd_per_yr": fixed,
                "expansion_eligible": not exp_reasons,
                "expansion_reason": "; ".join(exp_reasons),
                "expansion_limit": limit,
                "expansion_fixed_cost_usd_per_yr": fixed
                * tech.value(k, "expansion_fixed_cost_fraction"),
            }
            for term, value in terms.items():
                row[f"cost_{term}"] = value
                row[f"exp_cost_{term}"] = value * (1.0 - discount) if term in CAPEX_TERMS else value
            rows.append(row)
    sites = pd.DataFrame(rows).set_index(["region_id", "cluster_type"])
    view = objective_terms(scenario.objective)
    sites["unit_cost"] = sites[[f"cost_{t}" for t in view]].sum(axis=1)
    sites["expansion_unit_cost"] = sites[[f"exp_cost_{t}" for t in view]].sum(axis=1)
    return sites


def _range_column(table: pd.DataFrame | None, column: str, base: dict) -> dict:
    """``column`` of ``table`` by region, falling back to ``base`` where absent or blank."""
    if table is None or column not in table.columns:
        return dict(base)
    values = pd.to_numeric(table[column], errors="coerce").to_dict()
    return {r: (values.get(r) if pd.notna(values.get(r)) else b) for r, b in base.items()}
