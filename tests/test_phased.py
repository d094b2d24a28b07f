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

SLOW_A = {"A": 30.0, "B": 6.0}
"""Permitting months: A (cheapest) waits 30, B (dearer by 5e4 USD/yr per unit) only 6."""


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
    return {
        r.region_id: round(r.capacity, 6) for r in result.schedule.itertuples() if r.capacity > 0
    }


def test_faster_permit_wins_despite_higher_unit_cost(tmp_path):
    data, tech = tiny.load(tmp_path, permitting=SLOW_A)
    # Decisions now (June 2026). Lag A = 30 + 24 = 54 months, B = 6 + 24 = 30. Months from
    # June 2026 to the end of 2028: 31, to the end of 2030: 55. So B produces from 2028, A only
    # from 2030. Factors (weights 1 and 2, rate 2 %): 1 and 2 / 1.02^2.
    f2030 = 2 / 1.02**2
    lithium_b = 1e4 + tiny.distance_km("A", "B")  # the gateway sits in A
    plan_b = (1 + f2030) * (tiny.FIXED + 30 * (7.0e5 + lithium_b))
    plan_a = 30 * 1e6 + f2030 * (tiny.FIXED + 30 * (6.5e5 + 1e4))  # import 30 units in 2028
    assert plan_b < plan_a
    result = solve_phased(two_periods(), data, tech)
    assert result.report.status.value == "optimal"
    assert capacities(result) == {"B": 30.0}
    assert result.report.objective == pytest.approx(plan_b, rel=1e-9)
    row = result.schedule.iloc[0]
    assert (row["decision_year"], row["online_year"]) == (2026, 2028)
    imports = result.by_period.set_index("year")["imports"]
    assert imports.to_dict() == pytest.approx({2028: 0.0, 2030: 0.0})
    # the snapshot (one year, 2030) takes the cheaper, slower A: time is what moves the choice
    snapshot = optimizer.solve(tiny.scenario(30, limits={"excluded_regions": ["C"]}), data, tech)
    assert set(snapshot.new_capacity("battery").index) == {"A"}


def test_slow_site_imports_meanwhile_when_it_is_much_cheaper(tmp_path):
    data, tech = tiny.load(tmp_path, permitting=SLOW_A)
    # B's power price x3 (1e5 -> 3e5 USD/yr per unit): B costs 9e5 > A 6.5e5 + the 2028 imports
    scenario = two_periods(multipliers={"power_price_by_region": {"B": 3.0}})
    result = solve_phased(scenario, data, tech)
    assert capacities(result) == {"A": 30.0}
    f2030 = 2 / 1.02**2
    expected = 30 * 1e6 + f2030 * (tiny.FIXED + 30 * (6.5e5 + 1e4))
    assert result.report.objective == pytest.approx(expected, rel=1e-9)
    by_year = result.by_period.set_index("year")
    assert by_year.at[2028, "imports"] == pytest.approx(30.0)
    assert by_year.at[2028, "domestic_share"] == pytest.approx(0.0)
    assert by_year.at[2030, "new_online"] == pytest.approx(30.0)
    assert result.schedule.iloc[0]["online_year"] == 2030


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
    # decided in June 2026 (the as-of month): + 28.5 months -> late 2028
    assert row["decision_year"] == 2026
    assert row["online_year"] == 2028
    assert online_year(month_index(date(2026, 6, 1)), 28.5) == 2028
    # decided on 1 Jan 2027: + 28.5 months = mid-May 2029; 36 months would still be 2029
    assert online_year(month_index(date(2027, 1, 1)), 28.5) == 2029
    assert online_year(month_index(date(2027, 1, 1)), 36.0) == 2029
    assert online_year(month_index(date(2027, 1, 1)), 36.5) == 2030
    online = result.capacity.set_index("year")["online"]
    assert online.to_dict() == pytest.approx({2027: 0, 2028: 30, 2029: 30, 2030: 30, 2031: 30})


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
    assert len(balance) == 4  # A and B, 2028 and 2030: only B's (10 t) needs lithium here
    assert activity[balance] == pytest.approx(np.asarray(lp.row_lower)[balance])
    for point in (solved["plain"].x, nothing):
        assert value(margin, point) == pytest.approx(value(plain, point), rel=1e-12)
    assert value(plain, nothing) > solved["plain"].objective


@pytest.mark.parametrize("name", ["great-lakes", "south"])
def test_one_period_is_the_snapshot(name):
    # phased runs meet targets nationally (no market nodes yet): compare with markets off
    base = load_scenario(name).replace(solver={"mip_gap": 1e-9}, markets={"enabled": False})
    snapshot = optimizer.solve(base, with_duals=False)
    phased = solve_phased(base.replace(periods={"years": [base.horizon_year]}))
    assert phased.report.objective == pytest.approx(snapshot.report.objective, rel=1e-7)
    built = snapshot.sites[snapshot.sites["new_capacity"] > 1e-6]
    expected = {(r.region_id, r.cluster_type): round(r.new_capacity, 4) for r in built.itertuples()}
    got = phased.schedule.groupby(["region_id", "cluster_type"])["capacity"].sum().round(4)
    assert got.to_dict() == expected


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
    """Only-A (cheaper, 30-month permits) against only-B (6 months): A's 24 construction months
    plus 30·f permitting months must fit in the 31 months from June 2026 to the end of 2028 for
    A to produce in 2028, i.e. f ≤ 7/30; then A is the cheaper plan, above it B is."""
    from optimizer.analyses.breakeven import break_even
    from optimizer.analyses.parameters import zone_factor

    data, tech = tiny.load(tmp_path, permitting=SLOW_A)
    base = two_periods()
    only_a = base.replace(name="only-a", limits={"excluded_regions": ["B", "C"]})
    only_b = base.replace(name="only-b", limits={"excluded_regions": ["A", "C"]})
    parameter = zone_factor(data, "permitting_months", ["A"], 0.1, 1.0)
    found = break_even(only_a, only_b, parameter, data, tech, tol=0.005)
    assert found.flips
    low, high = found.bracket
    assert low <= 7 / 30 <= high and high - low <= 0.005
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
