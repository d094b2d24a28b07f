"""County resolution: the candidate kernel, plants' home counties, commuting areas, shared
workers (hand-worked), the scenario setting and the refusal to solve it at state resolution."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import pandas as pd
import pulp
import pytest

from optimizer.model.county import (
    _translate,
    commuting_table,
    home_county,
    kernel,
)
from optimizer.model.markets import node_points
from optimizer.model.milp import ClusterModel, add_commuting_labor
from optimizer.model.scenario import load_scenario, with_resolution
from outputs.formatting import fmt_usd_short
from regions.errors import DataValidationError

KM_PER_DEG_LAT = 111.195  # great-circle km per degree of latitude (R = 6371.0088 km)


def _counties(rows: list[tuple]) -> pd.DataFrame:
    """fips, state, lat [deg] on the meridian 0, power [USD/MWh], employment [jobs]."""
    frame = pd.DataFrame(
        rows, columns=["fips", "state", "rep_lat", "power_price_usd_per_mwh", "mfg_employment_jobs"]
    ).set_index("fips")
    frame["rep_lon"] = 0.0
    frame["county_name"] = frame.index
    return frame


def test_kernel_keeps_the_cheapest_power_and_the_deepest_pool_per_state_and_type():
    counties = _counties(
        [
            ("00001", "XX", 0.0, 50.0, 1000),
            ("00002", "XX", 1.0, 40.0, 1000),  # cheapest power
            ("00003", "XX", 2.0, 60.0, 1000),
            ("00004", "XX", 3.0, 10.0, 1000),  # cheaper still, but fails the screen
            ("00005", "YY", 9.0, 70.0, 1000),
        ]
    )
    screened = pd.DataFrame(
        {
            "fips": ["00001", "00002", "00003", "00004", "00005"],
            "cluster_type": "battery",
            "pool_jobs": [900.0, 100.0, 500.0, 50.0, 10.0],  # 00001 deepest in XX
            "passes": [True, True, True, False, True],
        }
    )
    kept = kernel(screened, counties, per_state=1)
    assert sorted(kept["fips"]) == ["00001", "00002", "00005"]
    # two per state keeps the two cheapest (00002, 00001) and the two deepest (00001, 00003)
    assert sorted(kernel(screened, counties, per_state=2)["fips"]) == [
        "00001",
        "00002",
        "00003",
        "00005",
    ]


def test_a_plant_lives_in_the_nearest_county_of_its_own_state():
    counties = _counties(
        [
            ("00001", "XX", 0.0, 50.0, 10),
            ("00002", "XX", 2.0, 50.0, 10),
            ("00003", "YY", 1.1, 50.0, 10),
        ]
    )
    # 1.1 deg north: YY's 00003 is nearest, but the plant is in XX, and 00002 (0.9 deg) beats 00001
    assert home_county(0.0, 1.1, "XX", counties) == "00002"
    assert home_county(0.0, 0.2, "XX", counties) == "00001"
    with pytest.raises(KeyError, match="ZZ"):
        home_county(0.0, 0.0, "ZZ", counties)


def test_commuting_areas_reach_75_km_and_pool_a_share_of_each_county():
    km = 1 / KM_PER_DEG_LAT
    counties = _counties(
        [
            ("00001", "XX", 0.0, 50.0, 1000),
            ("00002", "XX", 50 * km, 50.0, 2000),  # 50 km from 00001
            ("00003", "XX", 120 * km, 50.0, 4000),  # 70 km from 00002, 120 from 00001
            ("00004", "XX", 10 * km, 50.0, float("nan")),  # no published employment: no pool
        ]
    )
    table = commuting_table(pd.Index(["00001", "00003"]), counties, labor_share_cap=0.1)
    assert sorted(table.index) == [
        ("00001", "00001"),
        ("00001", "00002"),
        ("00003", "00002"),
        ("00003", "00003"),
    ]
    assert table.loc[("00003", "00002"), "pool_jobs"] == pytest.approx(200.0)
    assert table.loc[("00001", "00001"), "pool_jobs"] == pytest.approx(100.0)


def _two_sites_one_shared_county() -> tuple[ClusterModel, dict]:
    """Sites A and B (1 job per unit); A reaches its own county (30 workers) and the shared
    county W (100); B reaches only W. Most capacity the workers allow: 130, not 230."""
    problem = pulp.LpProblem("shared", pulp.LpMaximize)
    cap = {r: pulp.LpVariable(f"cap_{r}", lowBound=0, upBound=1000) for r in ("A", "B")}
    problem += cap["A"] + cap["B"]
    sites = pd.DataFrame(
        {"jobs_per_unit": [1.0, 1.0]},
        index=pd.MultiIndex.from_tuples([("A", "battery"), ("B", "battery")]),
    )
    commuting = pd.DataFrame(
        {"pool_jobs": [30.0, 100.0, 100.0]},
        index=pd.MultiIndex.from_tuples(
            [("A", "A"), ("A", "W"), ("B", "W")], names=["region_id", "worker_fips"]
        ),
    )
    model = ClusterModel(problem=problem, inputs=SimpleNamespace(sites=sites, commuting=commuting))
    model.capacity = {("A", "battery"): cap["A"], ("B", "battery"): cap["B"]}
    add_commuting_labor(model)
    return model, cap


def test_workers_reachable_from_two_sites_are_counted_once():
    model, cap = _two_sites_one_shared_county()
    model.problem.solve(pulp.PULP_CBC_CMD(msg=False))
    assert pulp.value(model.problem.objective) == pytest.approx(130.0)
    # gaming it: B alone may use all of W, and then A only its own 30
    model.problem += cap["B"] >= 100
    model.problem.solve(pulp.PULP_CBC_CMD(msg=False))
    assert cap["A"].value() == pytest.approx(30.0)
    assert set(model.constraints["workers"]) == {"A", "W"}


def test_no_commuting_rows_at_state_resolution():
    model, _cap = _two_sites_one_shared_county()
    plain = ClusterModel(
        problem=pulp.LpProblem("p", pulp.LpMinimize),
        inputs=SimpleNamespace(sites=model.inputs.sites, commuting=None),
    )
    plain.capacity = dict(model.capacity)
    add_commuting_labor(plain)
    assert plain.problem.numConstraints() == 0


def test_resolution_is_checked_and_phased_stays_at_state():
    base = load_scenario("baseline")
    assert base.resolution == "state"
    assert with_resolution(base, "county").resolution == "county"
    assert with_resolution(base, "county").to_toml_dict()["resolution"] == "county"
    with pytest.raises(DataValidationError, match="county"):  # did you mean
        with_resolution(base, "counti")
    with pytest.raises(DataValidationError, match="phased"):
        with_resolution(load_scenario("south-phased"), "county")


def test_state_keyed_settings_reach_every_county_of_the_state():
    scenario = dataclasses.replace(
        load_scenario("baseline"),
        excluded_regions=("MI", "39001"),
        power_price_by_region={"OH": 1.2},
        state_incentives={"MI": 0.05},
    )
    states = pd.Series({"26001": "MI", "26003": "MI", "39001": "OH", "39003": "OH"})
    county = _translate(scenario, states)
    assert county.excluded_regions == ("26001", "26003", "39001")
    assert dict(county.power_price_by_region) == {"39001": 1.2, "39003": 1.2}
    assert dict(county.state_incentives) == {"26001": 0.05, "26003": 0.05}


def test_a_county_scenario_is_not_solved_on_state_data():
    import optimizer
    from optimizer.model.coefficients import model_inputs

    scenario = with_resolution(load_scenario("baseline"), "county")
    with pytest.raises(DataValidationError, match="county resolution"):
        model_inputs(optimizer.api._default_data(None), scenario, optimizer.load_technology())


def test_a_node_sits_at_the_weighted_centre_of_its_customer_points():
    rows = pd.DataFrame(
        {
            "region_id": ["X", "X", "Y"],
            "weight": [1.0, 3.0, 2.0],
            "lon": [0.0, 4.0, 9.0],
            "lat": [0.0, 0.0, 1.0],
        }
    )
    regions = pd.DataFrame({"rep_lon": [-50.0], "rep_lat": [40.0]}, index=["Y"])
    out = node_points(rows, pd.Index(["X", "Y"]), regions, own_points=True)
    assert out.loc["X"].tolist() == pytest.approx([3.0, 0.0])
    assert out.loc["Y"].tolist() == pytest.approx([9.0, 1.0])
    # state resolution: a region's own point wins
    assert node_points(rows, pd.Index(["Y"]), regions).loc["Y"].tolist() == [-50.0, 40.0]


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["compare", "great-lakes-county", "south"], "county scenarios with county ones only"),
        (["regret", "great-lakes-county", "--type", "battery"], "state resolution only"),
        (["why", "south-county"], "state resolution only"),
    ],
)
def test_commands_refuse_a_county_scenario_they_cannot_solve_before_solving(
    argv, says, tmp_path, capsys
):
    from outputs.cli import main

    code = main([*argv, "--out", str(tmp_path / "out")] if argv[0] != "why" else argv)
    err = capsys.readouterr().err
    assert code == 2
    assert says in err
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_great_lakes_by_county_builds_cells_only_in_zone_counties(tmp_path, capsys):
    import json

    from outputs.cli import main

    assert main(["run", "great-lakes-county", "--out", str(tmp_path / "gl"), "-q"]) == 0
    sites = pd.read_csv(tmp_path / "gl" / "sites.csv", dtype={"region_id": str})
    built = sites[(sites["cluster_type"] == "battery") & (sites["new_capacity"] > 1e-6)]
    zone = {"MN", "WI", "MI", "IL", "IN", "OH"}
    assert len(built) and all(len(r) == 5 for r in built["region_id"])  # county FIPS
    state_of = {"27": "MN", "55": "WI", "26": "MI", "17": "IL", "18": "IN", "39": "OH"}
    assert {state_of.get(r[:2]) for r in built["region_id"]} <= zone
    solver = json.loads((tmp_path / "gl" / "manifest.json").read_text())["solver"]
    assert solver["status"] == "optimal" and solver["mip_gap"] <= 1e-3 + 1e-12


def test_county_power_prices_are_brought_to_the_state_price_year_by_population_weights():
    from optimizer.model.county import power_level

    counties = pd.DataFrame(
        {
            "state": ["XX", "XX", "YY"],
            "population_2020": [1000, 3000, 500],
            "power_price_usd_per_mwh": [40.0, 60.0, float("nan")],
        },
        index=["00001", "00002", "00003"],
    )
    level = power_level(counties, pd.Series({"XX": 80.0, "YY": 70.0}))
    # population-weighted 2019 mean of XX: (1000·40 + 3000·60) / 4000 = 55 USD/MWh
    assert level["XX"] == pytest.approx(80.0 / 55.0)
    assert 40.0 * level["XX"] == pytest.approx(58.1818, abs=1e-4)
    assert level["YY"] == 1.0  # no county price: its counties take the state's


def test_the_bound_is_the_better_of_the_lp_and_the_full_solve():
    from types import SimpleNamespace as NS

    from optimizer.model.county_search import CountySolve
    from optimizer.status import SolverReport, SolveStatus

    model = NS(problem=NS(objective=NS(value=lambda: 100.0)))
    outcome = (SolveStatus.OPTIMAL, "highs", 1.0, 0.02, "")  # the full solve proves 98
    solved = CountySolve(None, None, model, outcome, 101.0, 3, {"battery": 3}, 0.0, lp_bound=97.0)
    assert solved.bound == pytest.approx(98.0)
    assert dataclasses.replace(solved, lp_bound=99.0).bound == 99.0  # the LP can be the better
    no_gap = dataclasses.replace(solved, outcome=(SolveStatus.OPTIMAL, "cbc", 1.0, None, ""))
    assert no_gap.bound == 97.0
    report = SolverReport(SolveStatus.OPTIMAL, "highs", 100.0, 1e-4, 0.0, 0.0, bound=99.5)
    assert report.bound_gap == pytest.approx(0.005)
    assert SolverReport(SolveStatus.OPTIMAL, "highs", 100.0, 1e-4, 0.0, 0.0).bound_gap is None


@pytest.mark.slow
def test_great_lakes_by_county_is_proven_within_its_gap_over_every_screened_county():
    import optimizer
    from optimizer.model.county import county_view

    data, tech = optimizer.api._default_data(None), optimizer.load_technology()
    scenario = load_scenario("great-lakes-county")
    result, view = optimizer.api.solve_county(scenario, data, tech, with_duals=False)
    report = result.report
    assert report.status.value == "optimal" and report.bound_candidates == 1603 + 2625 + 1727
    assert len(view.regions) == 2625  # every county that passes the screen for some type
    assert report.bound <= report.objective
    assert report.bound_gap <= scenario.solver.mip_gap + 1e-12
    # the kernel alone (no LP counties, no full search) can be no better beyond the gap
    kview, kscenario = county_view(data, scenario, tech)
    kernel = optimizer.solve(kscenario, kview, tech, with_duals=False)
    assert report.objective <= kernel.report.objective * (1 + scenario.solver.mip_gap)
    assert kernel.report.objective >= report.bound


def test_state_totals_add_up_the_county_sites_of_each_state():
    from outputs.exports.state_totals import state_totals

    sites = pd.DataFrame(
        {
            "region_id": ["26163", "26139", "39085", "39007"],
            "cluster_type": ["battery", "battery", "battery", "magnet"],
            "new_capacity": [40.0, 21.5, 0.0, 5300.0],
            "greenfield_capacity": [40.0, 0.0, 0.0, 5300.0],
            "expansion_capacity": [0.0, 21.5, 0.0, 0.0],
            "existing_capacity": [0.0, 5.0, 0.0, 0.0],
            "jobs": [2000.0, 1075.0, 0.0, 90.0],
        }
    )
    regions = pd.DataFrame({"state": ["MI", "MI", "OH", "OH"]}, index=list(sites["region_id"]))
    totals = state_totals(sites, regions).set_index(["state", "cluster_type"])
    mi = totals.loc[("MI", "battery")]
    assert (mi["counties_built"], mi["new_capacity"], mi["jobs"]) == (2, 61.5, 3075.0)
    assert mi["counties"] == "26163;26139"  # largest first
    assert mi["capacity_unit"] == "GWh/yr" and mi["existing_capacity"] == 5.0
    assert ("OH", "battery") not in totals.index  # nothing new or existing there
    assert totals.loc[("OH", "magnet"), "new_capacity"] == 5300.0


@pytest.mark.slow
def test_great_lakes_and_south_compared_by_county(tmp_path, capsys):
    from outputs.cli import main

    out = tmp_path / "cmp"
    assert main(["compare", "great-lakes-county", "south-county", "--out", str(out), "-q"]) == 0
    printed = capsys.readouterr().out
    # places named as counties, zones as their states; both runs carry their proof
    assert "Zone great-lakes (IL/IN/MI/MN/OH/WI)" in printed
    assert ", OH" in printed and "more counties" in printed
    import json

    for name in ("great-lakes-county", "south-county"):
        solver = json.loads((out / name / "manifest.json").read_text())["solver"]
        assert 0 <= solver["gap_to_every_screened_county"] <= 1e-3 + 1e-12
        assert solver["bound_usd_per_yr"] <= solver["objective_usd_per_yr"]
        # the state totals add up to the run's county sites, type by type
        sites = pd.read_csv(out / name / "sites.csv", dtype={"region_id": str})
        totals = pd.read_csv(out / name / "by_state.csv")
        for k in ("battery", "magnet", "solar"):
            assert totals.loc[totals["cluster_type"] == k, "new_capacity"].sum() == pytest.approx(
                sites.loc[sites["cluster_type"] == k, "new_capacity"].sum(), rel=1e-6
            )
    assert (out / "report.html").stat().st_size < 5e6
    # the two costs differ by less than their proven gaps leave open: said, with the amount
    objectives = [
        json.loads((out / n / "manifest.json").read_text())["solver"]
        for n in ("great-lakes-county", "south-county")
    ]
    open_by = sum(s["objective_usd_per_yr"] * s["mip_gap"] for s in objectives)
    assert "By cost the two are a toss-up" in printed
    assert f"together {fmt_usd_short(open_by)}/yr" in printed
    assert "By cost the two are a toss-up" in (out / "report.html").read_text(encoding="utf-8")


def _tie_inputs(monkeypatch, capacity_a: float, capacity_b: float):
    """Two tied plants of partner P in counties 00001 and 00002; P's assembly plants sit in the
    node counties 00010 (share 0.1) and 00011 (share 0.2) of a 100 GWh/yr target; a third plant
    (partner Q) has no assembly plant in the view."""
    import optimizer.model.jv_ties as jv

    view = pd.DataFrame({"customer_id": ["c1", "c2"], "county_fips": ["00010", "00011"]})
    plants = pd.DataFrame(
        {
            "facility_id": ["fa", "fb", "fb", "fq"],
            "partner_oem": ["P", "P", "P", "Q"],
            "customer_id": ["c1", "c1", "c2", "c9"],
        }
    )
    monkeypatch.setattr(jv, "customers_at", lambda customers, as_of: view)
    monkeypatch.setattr(jv, "partner_plants", lambda partners, view, as_of: plants)
    facilities = pd.DataFrame(
        {
            "status": ["operating", "under_construction", "operating"],
            "cluster_type": "battery",
            "product": "cell",
            "region_id": ["00001", "00002", "00003"],
            "capacity_std": [capacity_a, capacity_b, 50.0],
        },
        index=["fa", "fb", "fq"],
    )
    data = SimpleNamespace(facilities_as_of=lambda as_of: facilities)
    nodes = pd.DataFrame(
        {"cluster_type": "battery", "region_id": ["00010", "00011"], "share": [0.1, 0.2]},
        index=["battery@00010", "battery@00011"],
    )
    scenario = dataclasses.replace(
        load_scenario("baseline"),
        jv_ties=True,
        targets={"battery": SimpleNamespace(value=100.0)},
    )
    return jv.tie_table(data, scenario, nodes, partners=pd.DataFrame(), customers=pd.DataFrame())


def test_partner_ties_ask_each_plant_to_serve_its_partners_plants(monkeypatch):
    table = _tie_inputs(monkeypatch, 10.0, 15.0).set_index("region_id")
    assert table.loc["00001", "nodes"] == "battery@00010"
    assert table.loc["00002", "nodes"] == "battery@00010;battery@00011"
    assert table["required"].to_dict() == {"00001": 10.0, "00002": 15.0}  # 25 ≤ 30 reachable
    assert "00003" not in table.index  # Q has no assembly plant: no tie


def test_partner_ties_never_ask_more_than_the_partners_plants_take(monkeypatch):
    # 40 + 20 = 60 GWh/yr tied, P's nodes take 10 + 20 = 30: each scaled by 30/60
    table = _tie_inputs(monkeypatch, 40.0, 20.0).set_index("region_id")
    assert table["required"].to_dict() == pytest.approx({"00001": 20.0, "00002": 10.0})
    assert table["capacity"].to_dict() == {"00001": 40.0, "00002": 20.0}


def test_a_tie_row_makes_the_site_deliver_to_its_partner_not_the_cheaper_node():
    from optimizer.model.milp import add_partner_ties

    problem = pulp.LpProblem("tie", pulp.LpMinimize)
    near, partner = (pulp.LpVariable(n, lowBound=0) for n in ("near", "partner"))
    problem += 1.0 * near + 5.0 * partner  # freight: the partner's node is dearer
    problem += near + partner == 10  # the site's output
    ties = pd.DataFrame(
        [["00001", "P", "fa", "battery@B", 10.0, 6.0]],
        columns=["region_id", "partner_oem", "facilities", "nodes", "capacity", "required"],
    )
    model = ClusterModel(problem=problem, inputs=SimpleNamespace(ties=ties))
    model.deliver = {
        ("00001", "battery", "battery@A"): near,
        ("00001", "battery", "battery@B"): partner,
    }
    add_partner_ties(model)
    problem.solve(pulp.PULP_CBC_CMD(msg=False))
    assert (near.value(), partner.value()) == pytest.approx((4.0, 6.0))
    assert pulp.value(problem.objective) == pytest.approx(34.0)  # 4·1 + 6·5, by hand


def test_partner_ties_need_county_resolution():
    from optimizer.model.scenario import Scenario

    doc = dict(load_scenario("baseline").to_toml_dict())
    doc["markets"] = {**doc.get("markets", {}), "jv_ties": True}
    with pytest.raises(DataValidationError, match="county"):
        Scenario.from_dict(doc)
    doc["resolution"] = "county"
    assert Scenario.from_dict(doc).jv_ties
