"""The phased build-out, worked by hand on the tiny instance, and one period = the snapshot."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

import optimizer
from optimizer.model.scenario import load_scenario
from optimizer.phased.api import solve_phased
from optimizer.phased.inputs import phased_inputs
from optimizer.phased.model import build_phased_model
from optimizer.phased.periods import PeriodSpec, discount_factors, month_index, online_year
from optimizer.phased.reuse import PhasedEvaluator
from optimizer.phased.solve import HighsOptions, solve_group
from optimizer.runs.solution import SolveOptions
from regions.errors import DataValidationError
from tests import tiny

SLOW_A = {"A": 18.0, "B": 0.0}
"""Permitting months: A (cheapest) waits 18, B (dearer by 5e4 USD/yr per unit) none."""


def two_periods(rate: float = 0.02, **sections):
    return tiny.scenario(
        30,
        limits={"excluded_regions": ["C"]},
        periods={
            "years": [2028, 2030],
            "discount_rate": rate,
            "discount_rate_source": "test",
            **sections.pop("periods", {}),
        },
        **sections,
    )


def capacities(result) -> dict[str, float]:
    built = result.schedule.groupby("region_id")["capacity"].sum()
    return {r: round(v, 6) for r, v in built.items() if v > 0}


F2030 = 2 / 1.02**2
"""Factor of the 2030 period of :func:`two_periods` (weight 2, 2 % a year from 2028)."""
COST_A = 6.5e5 + 1e4  # unit cost + lithium at the gateway in A [USD/yr per unit]
COST_B = 7.0e5 + 1e4 + tiny.distance_km("A", "B")


def test_faster_permit_wins_despite_higher_unit_cost(tmp_path):
    data, tech = tiny.load(tmp_path, permitting=SLOW_A)
    # Decisions on 1 July 2026 (the first month starting on or after the as-of date 30 June).
    # Lag A = 18 + 24 = 42 months: online 1 January 2030, nothing in 2028. Lag B = 0 + 24: online
    # 1 July 2028, so B makes (and costs) half of 2028 and the other half is imported.
    plan_b = (0.5 + F2030) * (tiny.FIXED + 30 * COST_B) + 0.5 * 30 * 1e6
    plan_a = 30 * 1e6 + F2030 * (tiny.FIXED + 30 * COST_A)  # import 30 units in 2028
    assert plan_b < plan_a
    result = solve_phased(two_periods(), data, tech)
    assert result.report.status.value == "optimal"
    assert capacities(result) == {"B": 30.0}
    assert result.report.objective == pytest.approx(plan_b, rel=1e-9)
    row = result.schedule.iloc[0]
    assert (row["decision_year"], row["online_year"]) == (2026, 2028)
    assert row["first_year_share"] == pytest.approx(0.5)
    by_year = result.by_period.set_index("year")
    assert by_year["imports"].to_dict() == pytest.approx({2028: 15.0, 2030: 0.0})
    assert by_year["new_online"].to_dict() == pytest.approx({2028: 15.0, 2030: 30.0})
    # the snapshot (one year, 2030) takes the cheaper, slower A: time is what moves the choice
    snapshot = optimizer.solve(tiny.scenario(30, limits={"excluded_regions": ["C"]}), data, tech)
    assert set(snapshot.new_capacity("battery").index) == {"A"}


def test_slow_site_imports_meanwhile_when_it_is_much_cheaper(tmp_path):
    data, tech = tiny.load(tmp_path, permitting=SLOW_A)
    # B's power price x3 (1e5 -> 3e5 USD/yr per unit): B costs 9.1e5 > A 6.6e5 + the 2028 imports
    scenario = two_periods(multipliers={"power_price_by_region": {"B": 3.0}})
    result = solve_phased(scenario, data, tech)
    assert capacities(result) == {"A": 30.0}
    expected = 30 * 1e6 + F2030 * (tiny.FIXED + 30 * COST_A)
    assert result.report.objective == pytest.approx(expected, rel=1e-9)
    by_year = result.by_period.set_index("year")
    assert by_year.at[2028, "imports"] == pytest.approx(30.0)
    assert by_year.at[2028, "domestic_share"] == pytest.approx(0.0)
    assert by_year.at[2030, "new_online"] == pytest.approx(30.0)
    assert result.schedule.iloc[0]["online_year"] == 2030
    assert result.schedule.iloc[0]["first_year_share"] == pytest.approx(1.0)


def test_online_year_is_decision_plus_permitting_plus_construction(tmp_path):
    data, tech = tiny.load(tmp_path, permitting={"A": 9.0, "B": 9.0, "C": 9.0})
    # a green lane in zone east (B, C) halves their permits: 4.5 + 24 = 28.5 months
    scenario = tiny.scenario(
        30,
        limits={"excluded_regions": ["A"]},
        zones={"battery": {"zone": "east", "mode": "favour"}},
        policy={"green_lane_factor": 0.5},
        periods={"years": [2027, 2028, 2029, 2030, 2031]},
    )
    result = solve_phased(scenario, data, tech)
    row = result.schedule.iloc[0]
    assert row["permitting_months"] == pytest.approx(4.5)
    assert row["construction_months"] == pytest.approx(24.0)
    # decided on 1 July 2026 (as of 30 June): + 28.5 months = mid-November 2028, which leaves
    # 1.5 months of 2028: the plant makes 1.5/12 of its capacity that year
    assert row["decision_year"] == 2026
    assert row["online_year"] == 2028
    assert row["first_year_share"] == pytest.approx(1.5 / 12)
    assert online_year(month_index(date(2026, 7, 1)), 28.5) == 2028
    # decided on 1 Jan 2027: + 28.5 months = mid-May 2029; + 35.5 still 2029 (from mid-December);
    # + 36 months = 1 January 2030: a plant that makes nothing in 2029 is online in 2030
    assert online_year(month_index(date(2027, 1, 1)), 28.5) == 2029
    assert online_year(month_index(date(2027, 1, 1)), 35.5) == 2029
    assert online_year(month_index(date(2027, 1, 1)), 36.0) == 2030
    by_year = result.capacity.set_index("year")
    assert by_year["online"].to_dict() == pytest.approx(
        {2027: 0, 2028: 30, 2029: 30, 2030: 30, 2031: 30}
    )
    assert by_year["producing"].to_dict() == pytest.approx(
        {2027: 0, 2028: 30 * 1.5 / 12, 2029: 30, 2030: 30, 2031: 30}
    )


def test_discount_factors_by_hand():
    spec = PeriodSpec((2026, 2028, 2030), (1.0, 2.0, 2.0), 2026)
    assert discount_factors(spec, 0.02) == pytest.approx([1.0, 2 / 1.02**2, 2 / 1.02**4])
    assert discount_factors(spec, 0.0) == pytest.approx([1.0, 2.0, 2.0])


def test_credit_follows_the_production_year(tmp_path):
    data = tiny.load(tmp_path)[0]
    tech = optimizer.load_technology(tiny.write_tech(tmp_path / "t2", credit_45x_usd_per_unit=1e3))
    years = [2029, 2030, 2031, 2032, 2033]
    scenario = tiny.scenario(30, periods={"years": years})
    inputs = phased_inputs(data, scenario, tech)
    credit = inputs.terms.xs(("A", "battery"))["cost_credit_45x"]
    # 26 U.S.C. 45X(b)(3): 100 % through 2029, 75 % 2030, 50 % 2031, 25 % 2032, 0 after
    assert credit.to_list() == pytest.approx([-1e3, -750.0, -500.0, -250.0, 0.0])
    # the default rate is OMB Circular A-4 (2023): 2 % real, base year = first period
    assert inputs.discount_rate == pytest.approx(0.02)
    assert inputs.factors == pytest.approx([1.0] + [1 / 1.02**i for i in range(1, 5)])
    # several periods: the waiting is modelled, so the snapshot's delay charge is dropped
    assert (inputs.terms["cost_permitting_delay"] == 0).all()


def test_present_value_adds_up(tmp_path):
    data, tech = tiny.load(tmp_path, permitting=SLOW_A)
    result = solve_phased(two_periods(), data, tech)
    costs = result.costs
    assert costs["investor_cost_pv_usd"].sum() == pytest.approx(result.report.objective)
    assert costs["investor_cost_usd"].to_list() == pytest.approx(
        (costs["system_cost_usd"] - costs["public_outlay_usd"] + costs["tariff_paid_usd"]).to_list()
    )
    assert result.kpi("present_value", "investor") == pytest.approx(result.report.objective)


def plant_b_and_mine_c(tmp_path):
    """The tiny instance with an operating 10-unit plant in B (a lithium need that no decision
    changes) and a 10 t/yr lithium mine in C."""
    mine = ["mine-c", "Mine", "", "mine", "lithium", "C", *tiny.rep_point("C")[::-1], 10,
            "sourced", "operating", 2020, "test", "", "", ""]  # fmt: skip
    lon, lat = tiny.rep_point("B")
    plant = ["old-b", "Co", "battery", "cell", "Town", "B", lat, lon, "city", 10, "GWh/yr", 10,
             "operating", "2024-01-01", "test", "", ""]  # fmt: skip
    return tiny.load(tmp_path, domestic=[mine], facilities=[plant])


def test_patched_rerun_matches_a_fresh_model(tmp_path):
    # re-solves write costs, bounds and the objective offset into the compiled HiGHS model; the
    # specs below move the margin price (mineral price, freight), hence the offset
    data, tech = plant_b_and_mine_c(tmp_path)
    scenario = two_periods()
    specs = [
        {},
        {"scenario": {"multipliers": {"mineral_price": 1.5}}},
        {"tech": [[None, "freight_usd_per_tkm", 3.0]]},
        {"scenario": {"multipliers": {"power_price": 1.3}}},
    ]
    patched = PhasedEvaluator(scenario, data, tech, SolveOptions(1e-9))
    fresh = PhasedEvaluator(scenario, data, tech, SolveOptions(1e-9), reuse=False)
    offsets = set()
    for i, spec in enumerate(specs):
        a, b = patched.run(spec), fresh.run(spec)
        assert (a["mode"], b["mode"]) == ("rebuild" if i == 0 else "reuse", "rebuild")
        assert a["objective"] == pytest.approx(b["objective"], rel=1e-9), spec
        assert a["kpis"]["investor_cost"] == pytest.approx(a["objective"], rel=1e-9)
        (compiled,) = patched._compiled.values()
        offsets.add(round(compiled.highs.getLp().offset_, 3))
    assert len(offsets) == 3  # the power price leaves the minerals' margin alone


@pytest.mark.parametrize("share", [None, 0.5])
def test_minerals_at_the_margin_change_no_plan_s_cost(tmp_path, share):
    # The model writes its objective less p·(each mineral balance), p = the cheapest uncapped
    # option there (the import lane from the gateway in A: 1e4 + freight). Every plan must keep
    # its cost.
    data, tech = plant_b_and_mine_c(tmp_path)
    shares = {"minerals": {"min_domestic_share": {"lithium": share}}} if share else {}
    inputs = phased_inputs(data, two_periods(**shares), tech)
    plain = build_phased_model(inputs, ("battery",), minerals_at_margin=False)
    margin = build_phased_model(inputs, ("battery",))
    assert margin.lp.col_keys == plain.lp.col_keys and margin.lp.row_keys == plain.lp.row_keys
    assert margin.lp.entry_value == plain.lp.entry_value
    # the offset by hand: B's 10 t a year priced at B's import price, in both periods
    f2030 = 2 / 1.02**2
    assert margin.lp.offset == pytest.approx((1 + f2030) * 10 * (1e4 + tiny.distance_km("A", "B")))
    options = HighsOptions(mip_gap=1e-9)
    solved = {name: solve_group(m, options) for name, m in (("plain", plain), ("margin", margin))}
    assert solved["margin"].objective == pytest.approx(solved["plain"].objective, rel=1e-9)
    assert solved["margin"].x == pytest.approx(solved["plain"].x, abs=1e-6)

    def value(model, x):
        return float(np.dot(model.lp.col_cost, x)) + model.lp.offset

    # any point meeting the balance rows keeps its value: the optimum, and a plan that builds
    # nothing and imports every unit and tonne
    nothing = np.zeros(len(plain.lp.col_keys))
    for (k, t), col in plain.imports.items():
        nothing[col] = float(inputs.demand.at[k, t]) - 10.0
    for (source_id, _m, region_id, _t), col in plain.ship.items():
        nothing[col] = 10.0 if (source_id, region_id) == ("port-a", "B") else 0.0
    lp = plain.lp
    activity = np.zeros(len(lp.row_keys))
    np.add.at(activity, lp.entry_row, np.asarray(lp.entry_value) * nothing[lp.entry_col])
    balance = list(plain.rows["mineral_balance"].values())
    # B in 2028 and 2030, A in 2030 only (decided 1 July 2026, A's 6 + 24 months end on 1 January
    # 2029): only B's existing 10 t needs lithium in this plan
    assert len(balance) == 3
    assert activity[balance] == pytest.approx(np.asarray(lp.row_lower)[balance])
    for point in (solved["plain"].x, nothing):
        assert value(margin, point) == pytest.approx(value(plain, point), rel=1e-12)
    assert value(plain, nothing) > solved["plain"].objective


@pytest.mark.parametrize("markets", [True, False])
@pytest.mark.parametrize("name", ["great-lakes", "south"])
def test_one_period_is_the_snapshot(name, markets):
    # the phased model delivers to the same market nodes as the snapshot (and meets the
    # target nationally when the scenario turns markets off)
    base = load_scenario(name).replace(solver={"mip_gap": 1e-9}, markets={"enabled": markets})
    snapshot = optimizer.solve(base, with_duals=False)
    phased = solve_phased(base.replace(periods={"years": [base.horizon_year]}))
    assert phased.report.objective == pytest.approx(snapshot.report.objective, rel=1e-7)
    built = snapshot.sites[snapshot.sites["new_capacity"] > 1e-6]
    expected = {(r.region_id, r.cluster_type): round(r.new_capacity, 4) for r in built.itertuples()}
    got = phased.schedule.groupby(["region_id", "cluster_type"])["capacity"].sum().round(4)
    assert got.to_dict() == expected
    # one definition of a site opened: greenfield or expansion, each site once
    for k in ("battery", "magnet", "solar"):
        assert phased.kpi("sites_opened", k) == snapshot.kpi("sites_opened", k), k
    if markets:
        freight = snapshot.kpi("product_freight")
        assert float(phased.costs["product_freight_usd"].sum()) == pytest.approx(freight, rel=1e-6)


@pytest.mark.parametrize(
    ("periods", "field", "words"),
    [
        ({"years": [2030, 2028]}, "periods.years", "years must increase"),
        ({"years": [2028, 2029]}, "periods.years", "before horizon_year 2030"),
        ({"years": [2025, 2030]}, "periods.years", "outside [2026"),
        ({"years": [2028, 2030], "weights": [1.0]}, "periods.weights", "one weight per year"),
        ({"years": [2030], "discount_rate": 0.03}, "periods.discount_rate_source", "source"),
        (
            {
                "years": [2030],
                "targets": {
                    "solar": {"years": [2030], "values": [1.0], "unit": "GW/yr", "source": "x"}
                },
            },
            "periods.targets.solar",
            "has no target",
        ),  # fmt: skip
    ],
)
def test_bad_periods_name_the_field(periods, field, words):
    with pytest.raises(DataValidationError) as err:
        tiny.scenario(30, periods=periods)
    assert err.value.field == field
    assert words in str(err.value)


def test_builtin_phased_pair_loads():
    for name in ("great-lakes-phased", "south-phased"):
        scenario = load_scenario(name)
        assert scenario.periods.years == tuple(range(2026, 2036))
        assert scenario.periods.ramps["battery"].at(2028) == pytest.approx(810.0)
        assert scenario.horizon_year == 2030


def test_break_even_on_permitting_months_of_a_phased_pair(tmp_path):
    """Only-A (cheaper, 30·f permitting months) against only-B (none). Decided on 1 July 2026,
    A comes online 24 + 30·f months later and makes the share s = (6 − 30·f)/12 of 2028 (B
    half of it); a unit made instead of imported in 2028 saves 1e6 less its cost. Only-A is
    the cheaper plan while s·G_A > ½·G_B − F2030·30·(cost B − cost A), G = 30·1e6 − F − 30·cost:
    a break-even in f that moves continuously with the months, not a step at a year's end."""
    from optimizer.analyses.breakeven import break_even
    from optimizer.analyses.parameters import zone_factor

    data, tech = tiny.load(tmp_path, permitting={"A": 30.0, "B": 0.0})
    base = two_periods()
    only_a = base.replace(name="only-a", limits={"excluded_regions": ["B", "C"]})
    only_b = base.replace(name="only-b", limits={"excluded_regions": ["A", "C"]})
    gain_a = 30 * 1e6 - tiny.FIXED - 30 * COST_A
    gain_b = 30 * 1e6 - tiny.FIXED - 30 * COST_B
    share = (0.5 * gain_b - F2030 * 30 * (COST_B - COST_A)) / gain_a
    flip = (6 - 12 * share) / 30
    assert 0.1 < flip < 0.2
    parameter = zone_factor(data, "permitting_months", ["A"], 0.05, 0.5)
    found = break_even(only_a, only_b, parameter, data, tech, tol=0.002)
    assert found.flips
    low, high = found.bracket
    assert low <= flip <= high and high - low <= 0.002
    assert found.message.startswith("only-a ranks first below permitting_months")


def test_phased_labor_pool_is_shared_by_types(tmp_path):
    """Battery and solar in one phased model share each region's pool: 200 jobs = 20 units."""
    data, tech = tiny.load(tmp_path)
    solar = {"value": 20, "unit": "GW/yr", "source": "test"}
    scenario = tiny.scenario(
        20,
        limits={"labor_share_cap": 0.002},
        periods={"years": [2030], "discount_rate": 0.02, "discount_rate_source": "test"},
    ).replace(targets={"solar": solar})
    inputs = phased_inputs(data, scenario, tech)
    model = build_phased_model(inputs, ("battery", "solar"))
    assert set(model.rows["labor"]) == {"A", "B", "C"}
    result = solve_phased(scenario, data, tech)
    built = result.schedule.groupby("region_id")["capacity"].sum()
    assert (built <= 20 + 1e-6).all()
    assert built.sum() == pytest.approx(40)
