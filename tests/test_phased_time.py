"""The phased model's clock, worked by hand on the tiny instance (see tests/tiny.py): decisions
never before the as-of date, production pro-rated in the online year, one schedule row per
build stage, one definition of a site opened."""

from __future__ import annotations

import pytest

import optimizer
from optimizer.phased.api import solve_phased
from optimizer.phased.inputs import phased_inputs
from tests import tiny
from tests.test_phased import COST_B, F2030, plant_b_and_mine_c

ONLY_B = {"excluded_regions": ["A", "C"]}


def only_b(as_of: str, **sections):
    """Only B may build, decided for 2028 and 2030 (rate 2 %), facilities as of ``as_of``."""
    return tiny.scenario(
        30,
        facilities_as_of=as_of,
        limits=ONLY_B,
        periods={"years": [2028, 2030], "discount_rate": 0.02, "discount_rate_source": "test"},
        **sections,
    )


def test_no_decision_before_the_as_of_date(tmp_path):
    """B waits 5 + 24 = 29 months. Known on 30 June 2026 or on 1 July 2026, the first decision
    is dated 1 July: B comes online on 1 December 2028 and makes 1/12 of its 30 units that year
    (the rest imported at 1e6 USD per unit). Known on 1 June, it may be decided on 1 June and
    makes 2/12. Before, 30 June dated the decision on 1 June, so the two July dates disagreed."""
    data, tech = tiny.load(tmp_path, permitting={"B": 5.0})
    plan = {}
    for as_of in ("2026-06-01", "2026-06-30", "2026-07-01"):
        result = solve_phased(only_b(as_of), data, tech)
        by_year = result.by_period.set_index("year")
        plan[as_of] = (
            round(result.report.objective, 3),
            tuple(result.schedule[["decision_year", "online_year", "capacity"]].itertuples(False)),
            by_year.at[2028, "new_online"],
        )
    assert plan["2026-06-30"] == plan["2026-07-01"]
    assert plan["2026-06-30"][2] == pytest.approx(30 / 12)
    assert plan["2026-06-01"][2] == pytest.approx(2 * 30 / 12)

    def by_hand(share: float) -> float:
        return (share + F2030) * (tiny.FIXED + 30 * COST_B) + (1 - share) * 30 * 1e6

    assert plan["2026-07-01"][0] == pytest.approx(by_hand(1 / 12), rel=1e-9)
    assert plan["2026-06-01"][0] == pytest.approx(by_hand(2 / 12), rel=1e-9)


def test_production_weights_of_cumulative_columns_by_hand(tmp_path):
    """Lag 27 months, periods 2027-2030. Decided 1 July 2026: online 1 October 2028 (shares of
    the years 0, 1/4, 1, 1); decided 1 January 2028: online 1 April 2030 (0, 0, 0, 3/4); later
    decisions produce nothing by 2030. Capacity decided by d is cumulative, so the increment of
    the second decision produces 3/4 in 2030 and the first's 1: 2030 = 1/4·x0 + 3/4·x1."""
    data, tech = tiny.load(tmp_path)
    inputs = phased_inputs(
        data, tiny.scenario(30, periods={"years": [2027, 2028, 2029, 2030]}), tech
    )
    assert inputs.decision_periods(27.0) == [0, 1]
    weights = inputs.production_weights(27.0)
    rounded = [[(d, round(w, 12)) for d, w in pairs] for pairs in weights]
    assert rounded == [[], [(0, 0.25)], [(0, 1.0)], [(0, 0.25), (1, 0.75)]]
    # gaming attempt: whatever is decided when, no year makes more than the capacity decided
    # (x0 ≤ x1, weights ≥ 0 summing to at most 1) and the earlier decision never makes less
    for pairs in weights:
        assert all(w > 0 for _d, w in pairs) and sum(w for _d, w in pairs) <= 1 + 1e-12
    assert inputs.online_share(27.0, 0, 1) == pytest.approx(0.25)


def test_schedule_has_one_row_per_build_stage(tmp_path):
    """Demand ramps 10 → 30 over 2026-2030 (20 in 2028, 25 in 2029); only B (0 + 24 months)
    may build. B decided on 1 July 2026 makes half of 2028 and all of 2029, so 25 units then;
    5 more decided on 1 January 2028 come online on 1 January 2030. Deciding the 5 a year
    earlier would leave them idle in 2029 (cost 7.1e5 each, no saving); building more than 25
    early saves ½·(1e6 − 7.1e5) in 2028 but idles in 2029. Before, schedule.csv said
    "B, decided 2026, online 2028, 30" for both stages."""
    data, tech = tiny.load(tmp_path, permitting={"B": 0.0})
    ramp = {"years": [2026, 2030], "values": [10.0, 30.0], "unit": "GWh/yr", "source": "test"}
    years = [2026, 2027, 2028, 2029, 2030]
    scenario = tiny.scenario(
        30,
        limits=ONLY_B,
        periods={"years": years, "targets": {"battery": ramp}},
    )
    result = solve_phased(scenario, data, tech)
    stages = result.schedule[
        ["decision_year", "online_year", "first_year_share", "capacity", "capacity_after"]
    ]
    rows = [tuple(round(float(v), 6) for v in r) for r in stages.itertuples(False)]
    assert rows == [(2026, 2028, 0.5, 25.0, 25.0), (2028, 2030, 1.0, 5.0, 30.0)]
    capacity = result.capacity.set_index("year")
    assert capacity["decided"].to_dict() == pytest.approx(
        {2026: 25, 2027: 25, 2028: 30, 2029: 30, 2030: 30}
    )
    assert capacity["online"].to_dict() == pytest.approx(
        {2026: 0, 2027: 0, 2028: 25, 2029: 25, 2030: 30}
    )
    assert capacity["producing"].to_dict() == pytest.approx(
        {2026: 0, 2027: 0, 2028: 12.5, 2029: 25, 2030: 30}
    )
    f = {y: 1 / 1.02 ** (y - 2026) for y in years}
    cost_b = COST_B  # unit cost + lithium shipped from the gateway in A [USD/yr per unit]
    expected = (
        f[2026] * 10 * 1e6
        + f[2027] * 15 * 1e6
        + f[2028] * (0.5 * (tiny.FIXED + 25 * cost_b) + 7.5 * 1e6)
        + f[2029] * (tiny.FIXED + 25 * cost_b)
        + f[2030] * (tiny.FIXED + 30 * cost_b)
    )
    assert result.report.objective == pytest.approx(expected, rel=1e-9)
    assert result.kpi("new_capacity", "battery") == pytest.approx(30.0)
    assert result.kpi("sites_opened", "battery") == 1  # one site, two stages


def test_sites_opened_counts_expansions_as_the_snapshot_does(tmp_path):
    """An operating 10-unit plant in B may double (expansion) for a fifth of a new plant's
    capex; the rest of the target goes to a greenfield site. Both count as sites opened, in
    the phased run as in the snapshot (before, phased runs counted greenfield sites only)."""
    data, tech = plant_b_and_mine_c(tmp_path)
    scenario = tiny.scenario(40, limits={"excluded_regions": ["C"]})
    snapshot = optimizer.solve(scenario, data, tech)
    built = snapshot.sites[snapshot.sites["new_capacity"] > 0]
    assert set(built["region_id"]) == {"A", "B"}
    assert built.set_index("region_id").at["B", "expansion_capacity"] > 0
    assert snapshot.kpi("sites_opened", "battery") == 2
    one = solve_phased(scenario.replace(periods={"years": [2030]}), data, tech)
    assert one.kpi("sites_opened", "battery") == 2
    assert set(one.schedule["mode"]) == {"greenfield", "expansion"}
    several = solve_phased(scenario.replace(periods={"years": [2028, 2030]}), data, tech)
    opened = several.schedule.groupby(["region_id", "cluster_type"]).ngroups
    assert several.kpi("sites_opened", "battery") == opened == 2
