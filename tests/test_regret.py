"""Siting regret on a tiny hand-checkable instance, and model reuse against rebuilding.

The tiny instance (``tiny_case``; also used by the sensitivity, uncertainty and parallel tests):

    regions (1°×1° squares along 40°N)   A     B     C     D      E
    power price [USD/MWh]                50    60    80    50     55
    manufacturing wage [USD/yr]          50k   49k   50k   50k    50k
    manufacturing employment [jobs]      100k  100k  100k  1k     100k
    permitting [months]                  6     6     6     6      30

Only batteries have a target: 25 GWh/yr, no existing plants. Battery technology: min scale 10,
max scale 30 GWh/yr, capex 1e6 USD per GWh/yr over 20 years at 0 % (5e4 USD/yr per unit),
10,000 MWh and 50 jobs per GWh/yr, fixed site cost 1e6 USD/yr, no other costs, utilization 1,
0.5 t lithium per GWh at 1,000 USD/t from one gateway (freight 0, so minerals cost the same
everywhere). Unit cost [USD/yr per GWh/yr] = 5e4 + 1e4·price + 50·wage:

    A: 50,000 + 500,000 + 2,500,000 = 3,050,000
    B: 50,000 + 600,000 + 2,450,000 = 3,100,000
    C: 50,000 + 800,000 + 2,500,000 = 3,350,000

Optimum: one site, A with 25 GWh/yr (a second site costs 1e6 fixed for nothing).
D: labor cap 5 % × 1,000 = 50 jobs < 10 × 50 = 500 jobs of a minimum-scale plant -> excluded.
E: 30 months permitting + 30 construction > 55 months from 2026-06-30 to the end of 2030.

Regret (forced site at ≥ 10 GWh/yr, rest re-optimized):
    A: 0 (already chosen).
    B: min(all 25 in B: 25 × 50,000 = 1,250,000; B 10 + A 15: 1e6 + 10 × 50,000 = 1,500,000)
       = 1,250,000 USD/yr, A displaced by −25.
    C: min(all 25 in C: 25 × 300,000 = 7,500,000; C 10 + A 15: 1e6 + 10 × 300,000 = 4,000,000)
       = 4,000,000 USD/yr, A keeps 15 (displaced −10).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import optimizer
import regions
from optimizer.analyses.regret import regret
from optimizer.model.coefficients import model_inputs
from optimizer.runs.parallel import Context, SerialExecutor
from optimizer.runs.specs import InputsCache
from tests.tiny import write_permitting

REGIONS = {
    # id: (lon, power price, wage, employment, permitting months)
    "A": (-90.0, 50.0, 50000, 100000, 6),
    "B": (-88.0, 60.0, 49000, 100000, 6),
    "C": (-86.0, 80.0, 50000, 100000, 6),
    "D": (-84.0, 50.0, 50000, 1000, 6),
    "E": (-82.0, 55.0, 50000, 100000, 30),
}
TECH_COLUMNS = "cluster_type,parameter,unit,low,base,high,kind,citation,url,vintage,note"
BATTERY = {
    # parameter: (low, base, high)
    "min_scale": (10, 10, 10),
    "max_scale": (30, 30, 30),
    "capex_usd_per_unit": (0.8e6, 1e6, 1.2e6),
    "lifetime_yr": (20, 20, 20),
    "discount_rate": (0, 0, 0),
    "fixed_site_cost_usd_per_yr": (1e6, 1e6, 1e6),
    "electricity_mwh_per_unit": (2000, 10000, 20000),
    "jobs_per_unit": (50, 50, 50),
    "other_opex_usd_per_unit": (0, 0, 0),
    "other_materials_usd_per_unit": (0, 0, 0),
    "construction_months": (30, 30, 30),
    "credit_45x_usd_per_unit": (0, 0, 0),
    "agglomeration_discount": (0, 0, 0),
    "expansion_share": (1, 1, 1),
    "expansion_fixed_cost_fraction": (0.25, 0.25, 0.25),
    "import_price_usd_per_unit": (1e8, 1e8, 1e8),
    "import_tariff_pct": (0, 0, 0),
    "bom_lithium_t_per_unit": (0.5, 0.5, 0.5),
}
OTHER = {
    "min_scale": (1, 1, 1),
    "max_scale": (10, 10, 10),
    "capex_usd_per_unit": (1, 1, 1),
    "lifetime_yr": (20, 20, 20),
    "discount_rate": (0, 0, 0),
    "fixed_site_cost_usd_per_yr": (1, 1, 1),
    "electricity_mwh_per_unit": (0, 0, 0),
    "jobs_per_unit": (1, 1, 1),
    "other_opex_usd_per_unit": (0, 0, 0),
    "other_materials_usd_per_unit": (0, 0, 0),
    "construction_months": (12, 12, 12),
    "credit_45x_usd_per_unit": (0, 0, 0),
    "agglomeration_discount": (0, 0, 0),
    "expansion_share": (1, 1, 1),
    "expansion_fixed_cost_fraction": (0.25, 0.25, 0.25),
    "import_price_usd_per_unit": (1e5, 1e5, 1e5),
    "import_tariff_pct": (0, 0, 0),
}
PARAMETERS = {
    "freight_usd_per_tkm": (0, 0, 0),
    "circuity_factor": (1.2, 1.2, 1.2),
    "delay_cost_fraction_per_month": (0, 0, 0),
    "labor_share_cap": (0.05, 0.05, 0.05),
    "utilization": (1, 1, 1),
    "unsupplied_mineral_penalty_multiple": (10, 10, 10),
    "shortfall_penalty_multiple": (10, 10, 10),
}
"""Shortfall penalties: 10 × landed price × utilization 1 = 1e9 USD per GWh (battery)."""
UNIT_COST = {"A": 3_050_000.0, "B": 3_100_000.0, "C": 3_350_000.0}
FIXED = 1e6
MINERALS = 25 * 0.5 * 1000.0


def write_tiny(folder: Path, zones: dict[str, list[str]] | None = None) -> tuple[Path, Path]:
    """Write the tiny region dataset and technology folder; return (data dir, tech dir)."""
    data_dir, tech_dir = folder / "data", folder / "tech"
    data_dir.mkdir(parents=True, exist_ok=True)
    tech_dir.mkdir(parents=True, exist_ok=True)
    features, rows, permits = [], [], {}
    for i, (rid, (lon, price, wage, jobs, months)) in enumerate(REGIONS.items(), start=1):
        ring = [[lon - 0.5, 39.5], [lon + 0.5, 39.5], [lon + 0.5, 40.5], [lon - 0.5, 40.5]]
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "region_id": rid,
                    "name": f"Region {rid}",
                    "fips": f"{i:02d}",
                    "rep_lon": lon,
                    "rep_lat": 40.0,
                },
                "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
            }
        )
        rows.append(f"{rid},Region {rid},{i:02d},{price},{jobs},{wage},{months},400")
        permits[rid] = months
    (data_dir / "regions.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "metadata": {}, "features": features})
    )
    (data_dir / "regions.csv").write_text(
        "region_id,name,fips,power_price_usd_per_mwh,mfg_employment_jobs,mfg_wage_usd_per_yr,"
        "permitting_months,grid_co2_kg_per_mwh\n" + "\n".join(rows) + "\n"
    )
    write_permitting(data_dir, permits)
    (data_dir / "mineral_prices.csv").write_text(
        "mineral,basis,price_usd_per_t,import_tariff_pct,kind,citation,url,vintage,note\n"
        "lithium,t LCE,1000,0,assumption,test figure,,2026,\n"
    )
    (data_dir / "mineral_sources.csv").write_text(
        "source_id,name,operator,kind,mineral,region_id,lat,lon,capacity_t_per_yr,"
        "capacity_basis,status,first_production_year,citation,url,vintage,note,facility_id,"
        "feed_origin\n"
    )
    (data_dir / "import_gateways.csv").write_text(
        "gateway_id,name,region_id,lat,lon,citation,url,note\nport-a,Port A,A,40.0,-90.0,test,,\n"
    )
    (data_dir / "facilities.csv").write_text(
        "facility_id,company,cluster_type,product,city,region_id,lat,lon,coord_basis,capacity,"
        "capacity_unit,capacity_std,status,announced_date,citation,url,note\n"
    )
    zones = zones or {"lakes": ["A", "B"]}
    (data_dir / "zones.toml").write_text(
        "".join(
            f'[zones.{z}]\ndescription = "test zone {z}"\nmethod = "regions"\n'
            f"regions = {json.dumps(members)}\n\n"
            for z, members in zones.items()
        )
    )
    columns = [
        "name",
        "fips",
        "power_price_usd_per_mwh",
        "mfg_employment_jobs",
        "mfg_wage_usd_per_yr",
        "permitting_months",
        "grid_co2_kg_per_mwh",
    ]
    (data_dir / "sources.csv").write_text(
        "table,column,region_id,kind,citation,url,vintage,licence,note\n"
        + "".join(f"regions.csv,{c},,assumption,test figure,,2026,,\n" for c in columns)
    )
    tech_rows = [TECH_COLUMNS]
    for k, table in (("battery", BATTERY), ("magnet", OTHER), ("solar", OTHER)):
        for name, (low, base, high) in table.items():
            tech_rows.append(f"{k},{name},unit,{low},{base},{high},assumption,,,2026,test")
    (tech_dir / "technologies.csv").write_text("\n".join(tech_rows) + "\n")
    param_rows = [TECH_COLUMNS.split(",", 1)[1]]
    for name, (low, base, high) in PARAMETERS.items():
        param_rows.append(f"{name},unit,{low},{base},{high},assumption,,,2026,test")
    (tech_dir / "parameters.csv").write_text("\n".join(param_rows) + "\n")
    return data_dir, tech_dir


def tiny_scenario(**changes) -> optimizer.Scenario:
    """Battery target 25 GWh/yr, nothing else."""
    doc = {
        "name": "tiny",
        "horizon_year": 2030,
        "facilities_as_of": "2026-06-30",
        "targets": {
            "battery": {"value": 25.0, "unit": "GWh/yr", "source": "test"},
            "magnet": {"value": 0.0, "unit": "t/yr", "source": "test"},
            "solar": {"value": 0.0, "unit": "GW/yr", "source": "test"},
        },
    }
    doc.update(changes)
    return optimizer.Scenario.from_dict(doc)


def tiny_case(folder: Path, zones: dict[str, list[str]] | None = None):
    """(scenario, RegionData, TechnologyData) of the tiny instance."""
    data_dir, tech_dir = write_tiny(folder, zones)
    return tiny_scenario(), regions.load(data_dir), optimizer.load_technology(tech_dir)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return tiny_case(tmp_path_factory.mktemp("tiny"))


def test_tiny_optimum_by_hand(tiny):
    scenario, data, tech = tiny
    result = optimizer.solve(scenario, data, tech, with_duals=False)
    assert result.new_capacity("battery").to_dict() == {"A": 25.0}
    assert result.report.objective == pytest.approx(FIXED + 25 * UNIT_COST["A"] + MINERALS)


def test_regret_by_hand(tiny):
    scenario, data, tech = tiny
    result = regret(scenario, "battery", data, tech, executor=SerialExecutor())
    table = result.table.set_index("region_id")
    regret_ = table["regret_usd_per_yr"]
    assert regret_["A"] == 0.0
    assert regret_["B"] == pytest.approx(25 * (UNIT_COST["B"] - UNIT_COST["A"]), rel=1e-9)
    assert regret_["C"] == pytest.approx(FIXED + 10 * (UNIT_COST["C"] - UNIT_COST["A"]), rel=1e-9)
    assert table.loc["C", "forced_new_capacity"] == pytest.approx(10.0)
    assert table.loc["C", "displaced"] == "A -10"
    assert table.loc["B", "displaced"] == "A -25"
    assert bool(table.loc["A", "in_base_optimum"])
    # the explanation: B saves labor, pays more for power; C pays a second site and power
    assert table.loc["B", "d_energy_usd_per_yr"] == pytest.approx(25 * 100_000.0)
    assert table.loc["B", "d_labor_usd_per_yr"] == pytest.approx(-25 * 50_000.0)
    assert table.loc["C", "d_fixed_usd_per_yr"] == pytest.approx(FIXED)
    assert table.loc["C", "d_energy_usd_per_yr"] == pytest.approx(10 * 300_000.0)
    terms = table.filter(regex=r"^d_(?!total_annual_cost).*_usd_per_yr$").loc[["B", "C"]]
    assert terms.sum(axis=1).to_numpy() == pytest.approx(regret_[["B", "C"]].to_numpy())
    # excluded regions: NaN with the reason
    assert np.isnan(regret_["D"]) and "labor cap" in table.loc["D", "reason"]
    assert np.isnan(regret_["E"]) and "permitting" in table.loc["E", "reason"]
    assert not table.loc["D", "eligible"] and not table.loc["E", "eligible"]
    assert (regret_.dropna() >= 0).all()
    assert result.failures.empty
    layer = result.layer
    assert layer.name == "regret_battery_usd_per_yr" and set(layer.index) == set(REGIONS)


def test_regret_overshoot_and_infeasible(tmp_path):
    data_dir, tech_dir = write_tiny(tmp_path)
    data, tech = regions.load(data_dir), optimizer.load_technology(tech_dir)
    # target 4 < min scale 10: base pays the shortfall penalty (4 × 1e9); forcing A builds 10
    # and overshoots by 6 — the target row may exceed the target by exactly that much.
    scenario = tiny_scenario(
        targets={
            "battery": {"value": 4.0, "unit": "GWh/yr", "source": "test"},
            "magnet": {"value": 0.0, "unit": "t/yr", "source": "test"},
            "solar": {"value": 0.0, "unit": "GW/yr", "source": "test"},
        }
    )
    result = regret(scenario, "battery", data, tech, regions=["A"], executor=SerialExecutor())
    row = result.table.set_index("region_id").loc["A"]
    assert row["overshoot"] == pytest.approx(6.0)
    assert row["forced_new_capacity"] == pytest.approx(10.0)
    # forced: 1e6 + 10 × 3.05e6 + 10 × 0.5 × 1000 = 31.505e6; base: no site can be opened
    # (10 > 4), so it pays 4 × 1e9 shortfall penalty and needs no lithium. The regret is
    # negative — building past the target is cheaper than the penalty — kept and explained.
    assert row["regret_usd_per_yr"] == pytest.approx(
        FIXED + 10 * UNIT_COST["A"] + 10 * 0.5 * 1000 - 4 * 1e9
    )
    assert "overshoot" in row["reason"] and not row["clipped"]
    # no cluster allowed at all: every forced run is infeasible, explained, not a failure
    capped = tiny_scenario(limits={"max_clusters": {"battery": 0}})
    result = regret(capped, "battery", data, tech, regions=["A", "B"], executor=SerialExecutor())
    assert result.table["regret_usd_per_yr"].isna().all()
    assert result.table["reason"].str.contains("no feasible plan").all()
    assert result.failures.empty


def test_forced_site_in_the_optimum_matches_a_fresh_solve(tiny):
    """A forced site the unforced optimum already holds returns that optimum without a solve
    (its plans are a subset of the unforced ones and include it); a fresh solve agrees."""
    scenario, data, tech = tiny
    context = Context.create(scenario, data, tech)
    shortcut, fresh = context.evaluator(mip_start=True), context.evaluator(mip_start=False)
    base = fresh.run({})
    for spec in (
        {"force": ["A", "battery", 10.0]},  # A holds 25 >= 10: the shortcut
        {"force": ["A", "battery", 25.0]},  # exactly at its capacity: the shortcut
        {"force": ["A", "battery", 26.0]},  # above it: solved, with the optimum as a start
        {"force": ["B", "battery", 10.0]},  # not in the optimum: solved
    ):
        a, b = shortcut.run(spec), fresh.run(spec)
        assert a["objective"] == pytest.approx(b["objective"], rel=1e-9, abs=1e-6), spec
        assert ("shortcut" in a) == (spec["force"][0] == "A" and spec["force"][2] <= 25.0)
        assert "shortcut" not in b
    assert shortcut.run({})["shortcut"] == "unforced optimum"
    assert shortcut.run({})["objective"] == base["objective"]
    # over the target (min scale 10 > target 4): the target row changes, so no shortcut
    small = tiny_scenario(
        targets={
            "battery": {"value": 4.0, "unit": "GWh/yr", "source": "test"},
            "magnet": {"value": 0.0, "unit": "t/yr", "source": "test"},
            "solar": {"value": 0.0, "unit": "GW/yr", "source": "test"},
        }
    )
    over = (
        Context.create(small, data, tech)
        .evaluator(mip_start=True)
        .run({"force": ["A", "battery", 10.0]})
    )
    assert "shortcut" not in over and over["objective"] == pytest.approx(
        FIXED + 10 * UNIT_COST["A"] + 10 * 0.5 * 1000, rel=1e-9
    )
    # the whole table: with and without the shortcut and MIP starts
    tables = [
        regret(scenario, "battery", data, tech, executor=SerialExecutor(mip_start=flag)).table
        for flag in (True, False)
    ]
    pd.testing.assert_series_equal(
        tables[0]["regret_usd_per_yr"], tables[1]["regret_usd_per_yr"], rtol=1e-9, atol=1e-3
    )


def test_only_forced_runs_drop_the_heuristics(tiny):
    """A forced run started from the reference optimum is solved with RESTRICTED_OPTIONS (root
    reduced-cost sub-MIP and node heuristics off); any other run gets HiGHS's own values back,
    and both give the objective of a fresh solve."""
    from optimizer.runs.compiled import DEFAULT_OPTIONS, RESTRICTED_OPTIONS

    scenario, data, tech = tiny
    context = Context.create(scenario, data, tech)
    seeded, fresh = context.evaluator(mip_start=True), context.evaluator(mip_start=False)
    highs = seeded.compiled().highs

    def options() -> dict:
        return {name: highs.getOptionValue(name)[1] for name in RESTRICTED_OPTIONS}

    assert RESTRICTED_OPTIONS != DEFAULT_OPTIONS
    for spec, expected in (
        ({"force": ["B", "battery", 10.0]}, RESTRICTED_OPTIONS),  # solved from a start
        ({"scenario": {"multipliers": {"power_price": 1.2}}}, DEFAULT_OPTIONS),  # cost change
        ({"force": ["B", "battery", 12.0]}, RESTRICTED_OPTIONS),
        ({"tech": [["battery", "capex_usd_per_unit", 9.0e7]]}, DEFAULT_OPTIONS),
    ):
        payload = seeded.run(spec)
        assert options() == expected, spec
        assert payload["objective"] == pytest.approx(fresh.run(spec)["objective"], rel=1e-9)


def test_inputs_cache_equals_model_inputs(tiny):
    scenario, data, tech = tiny
    cache = InputsCache()
    variants = (
        {},
        {("battery", "electricity_mwh_per_unit"): 2000.0},
        {("battery", "jobs_per_unit"): 5.0},  # D becomes eligible: more lanes
        {("battery", "construction_months"): 20.0, (None, "utilization"): 0.5},  # and E
        {},
    )
    for overrides in variants:
        variant = tech.with_overrides(overrides)
        for scen in (scenario, scenario.replace(multipliers={"mineral_price": 1.5})):
            a, b = model_inputs(data, scen, variant), cache(data, scen, variant)
            pd.testing.assert_frame_equal(a.lanes, b.lanes, check_exact=True)
            pd.testing.assert_frame_equal(a.sites, b.sites, check_exact=True)
            pd.testing.assert_series_equal(a.labor_limit_jobs, b.labor_limit_jobs)


BASELINE_SPECS = [
    {},
    {"force": ["MN", "battery", 20.0]},
    {"force": ["AL", "battery", 20.0]},  # open in the optimum at 135: its shortcut
    {"force": ["OK", "magnet", 1000.0]},
    {"tech": [["battery", "capex_usd_per_unit", 9.0e7]]},
    {"tech": [["battery", "jobs_per_unit", 100.0], [None, "utilization", 0.7]]},
    {"scenario": {"multipliers": {"power_price": 1.2}}},
]


def test_reuse_matches_rebuild_on_baseline():
    context = Context.create("baseline")
    reuse, rebuild = context.evaluator(reuse=True), context.evaluator(reuse=False)
    for spec in BASELINE_SPECS:
        a, b = reuse.run(spec), rebuild.run(spec)
        assert a["mode"] == "reuse" and b["mode"] == "rebuild"
        assert a["objective"] == pytest.approx(b["objective"], rel=1e-9), spec
        terms = sum(a["costs"][key] for key in a["objective_keys"])
        assert terms == pytest.approx(a["objective"], rel=1e-9)
    # the payload's KPIs are the Result's, solved at the same gap (the analyses' 1e-6: at the
    # scenario's 1e-4 the two may stop at different plans within the gap)
    from optimizer.runs.solution import ANALYSIS_MIP_GAP

    exact = optimizer.load_scenario("baseline").replace(solver={"mip_gap": ANALYSIS_MIP_GAP})
    result = optimizer.solve(exact, with_duals=False)
    payload = reuse.run({})
    for name, scope in [
        ("total_annual_cost", "all"),
        ("system_cost", "all"),
        ("investor_cost", "all"),
        ("product_freight", "all"),
        ("jobs", "all"),
        ("domestic_mineral_share", "all"),
        ("levelized_cost", "battery"),
        ("new_capacity", "solar"),
        ("jobs", "zone:great-lakes"),
    ]:
        key = name if scope == "all" else f"{name}:{scope}"
        assert payload["kpis"][key] == pytest.approx(result.kpi(name, scope), rel=1e-9)
    # a run does not depend on what the same compiled model solved before
    again = reuse.run({})
    assert again["capacity"] == payload["capacity"] and again["objective"] == payload["objective"]


def test_rounding_noise_is_clipped_only_where_the_regret_is_zero_exactly():
    """A positive regret within the tolerance is rounding when the unforced optimum already holds
    the forced site at its minimum scale (the forced model then has the same optimum), and is
    reported as 0 there; elsewhere it stays as solved (a real, if tiny, cost)."""
    from types import SimpleNamespace

    from optimizer.analyses.regret import _table
    from optimizer.runs.parallel import Outcome
    from optimizer.runs.payload import COST_KEYS

    def payload(objective: float, capacity: list) -> dict:
        costs = dict.fromkeys(COST_KEYS, 0.0)
        return {"status": "optimal", "objective": objective, "capacity": capacity,
                "kpis": {"total_annual_cost": objective}, "costs": costs}  # fmt: skip

    # OH holds the site at its minimum scale; IN holds less than the minimum (forcing it costs
    # something, however little); MI holds none
    base = payload(1e9, [("OH", "magnet", 1000.0), ("IN", "magnet", 500.0)])
    noise = 1e9 + 60.0  # well within 1e-6 x 1e9 = 1,000 USD/yr
    cells, outcomes = [], {}
    for region in ("OH", "IN", "MI"):
        capacity = [(region, "magnet", 1000.0)]
        run = SimpleNamespace(key=region)
        cells.append({"region_id": region, "cluster_type": "magnet", "eligible": True,
                      "run": run, "reason": "", "min_capacity": 1000.0})  # fmt: skip
        outcomes[region] = Outcome(region, {}, payload(noise, capacity))
    inputs = SimpleNamespace(targets={"magnet": 1000.0}, existing={})
    table = _table(cells, outcomes, base, inputs).set_index("region_id")
    assert table.at["OH", "regret_usd_per_yr"] == 0.0 and table.at["OH", "clipped"]
    for region in ("IN", "MI"):
        assert table.at[region, "regret_usd_per_yr"] == pytest.approx(60.0)
        assert not table.at[region, "clipped"]
