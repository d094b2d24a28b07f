"""Why this state on the tiny instance, worked by hand (see tests/tiny.py).

Per unit without minerals: A 6.5e5, C 6.8e5, B 7.0e5 USD/yr per GWh/yr (energy A 5e4, C 8e4,
B 1e5); lithium 1 t/unit at 1e4 USD/t landed at A plus 1 USD/t-km freight; fixed 1e6 USD/yr.

Target 30: one site, A 30. Runner-up C at the same size: the gap per unit is the energy
difference 3e4 plus the freight d(A,C) ≈ 339 USD/yr per GWh/yr (fixed cost 1e6/30 on both sides).
Energy is the term C is dearest in; cutting C's energy (power price) by gap / 8e4 ≈ 37.9 % closes
it, which a re-solve with C's power price 1 % either side of that confirms.

Target 70: A is full at its maximum scale 50 and C takes 20 (above its minimum scale 10, so
the duals are not degenerate). A's runner-up is B (C is chosen):
gap 5e4 + d(A,B) at size 50; A's maximum-scale dual is what one more unit in A would save,
C's marginal unit minus A's: 3e4 + d(A,C).
"""

from __future__ import annotations

import pytest

import optimizer
import regions
from optimizer.model.why import ESTIMATE, why_this_state
from tests import tiny


def test_runner_up_gap_and_break_even_by_hand(tmp_path):
    data, tech = tiny.load(tmp_path)
    why = why_this_state(optimizer.solve(tiny.scenario(30), data, tech))
    assert len(why) == 1
    row = why.iloc[0]
    d_ac = tiny.distance_km("A", "C")
    assert (row["region_id"], row["runner_up"], row["runner_up_capacity"]) == ("A", "C", 30)
    assert row["cost_usd_per_unit"] == pytest.approx(6.5e5 + 1e4 + 1e6 / 30)
    assert row["gap_usd_per_unit"] == pytest.approx(3e4 + d_ac)
    assert row["d_energy_usd_per_unit"] == pytest.approx(3e4)
    assert row["d_minerals_usd_per_unit"] == pytest.approx(d_ac)
    assert row["lever"] == "energy"
    cut = 100 * (3e4 + d_ac) / 8e4
    assert row["lever_cut_pct"] == pytest.approx(cut)
    assert round(cut, 1) == 37.9
    assert row["break_even"] == (
        "C would take this battery capacity from A if its power price were 37.9 % lower, or a "
        f"state incentive paid {3e4 + d_ac:,.0f} USD/yr per GWh/yr there, all else equal "
        f"({ESTIMATE})."
    )
    # the gap is 4.6 % of A's cost; the tiny data document no ranges and the gap is proven 0
    assert not row["toss_up"] and row["uncertainty_usd_per_unit"] == pytest.approx(0.0)
    assert row["binding"].startswith("national battery target (6.6")


@pytest.mark.parametrize(("cut_pct", "winner"), [(37.0, "A"), (39.0, "C")])
def test_break_even_holds_in_a_re_solve(tmp_path, monkeypatch, cut_pct, winner):
    lon0, price, months = tiny.REGIONS["C"]
    monkeypatch.setitem(tiny.REGIONS, "C", (lon0, price * (1 - cut_pct / 100), months))
    data = regions.load(tiny.write_data(tmp_path / "data"))
    tech = optimizer.load_technology(tiny.write_tech(tmp_path / "tech"))
    result = optimizer.solve(tiny.scenario(30), data, tech, with_duals=False)
    assert list(result.new_capacity("battery").index) == [winner]


def test_full_site_names_its_maximum_scale_and_a_chosen_state_is_no_runner_up(tmp_path):
    data, tech = tiny.load(tmp_path)
    result = optimizer.solve(tiny.scenario(70), data, tech)
    why = why_this_state(result).set_index("region_id")
    assert why["new_capacity"].to_dict() == pytest.approx({"A": 50, "C": 20})
    a = why.loc["A"]
    assert a["runner_up"] == "B"
    assert a["gap_usd_per_unit"] == pytest.approx(5e4 + tiny.distance_km("A", "B"))
    dual = 3e4 + tiny.distance_km("A", "C")
    assert a["binding"] == (
        f"maximum scale ({dual:,.4g} USD/yr per GWh/yr); "
        f"national battery target ({6.9e5 + tiny.distance_km('A', 'C'):,.4g} USD/yr per GWh/yr)"
    )
    # C's runner-up is B too, at C's size 20 (both spread the fixed cost over 20 units)
    assert why.at["C", "runner_up"] == "B"
    gap_c = 2e4 + tiny.distance_km("A", "B") - tiny.distance_km("A", "C")
    assert why.at["C", "gap_usd_per_unit"] == pytest.approx(gap_c)


def test_report_and_popup_show_the_runner_up_and_the_sentence(tmp_path):
    import html
    import re

    from outputs.maps.scenario import scenario_map
    from outputs.reports.compare import comparison_report

    data, tech = tiny.load(tmp_path)
    results = [
        optimizer.solve(tiny.scenario(target), data, tech, with_duals=True) for target in (30, 70)
    ]
    page = comparison_report(results, data, tech=tech)
    rows = re.findall(r'<tr class="cs-why-row"([^>]*)>(.*?)</tr>', page, flags=re.S)
    assert [re.search(r'data-region="(\w+)"', a)[1] for a, _ in rows] == ["A", "A", "C"]
    assert [re.search(r'data-runner-up="(\w+)"', a)[1] for a, _ in rows] == ["C", "B", "B"]
    first = html.unescape(rows[0][1])
    assert "C would take this battery capacity from A if its power price were 37.9 % lower" in first
    assert (
        "Region C (C), " in first
        and f"(+{100 * (3e4 + tiny.distance_km('A', 'C')) / (6.6e5 + 1e6 / 30):.2f} %)" in first
    )
    popup = html.unescape(scenario_map(results[1], data, offline=False).get_root().render())
    assert "Why this state" in popup
    # the shadow price of 3.034e+04 USD/yr per GWh/yr, in the unit every page uses
    assert "maximum scale (USD 0.030/kWh)" in popup and "USD/yr per GWh/yr" not in popup


def test_with_markets_the_runner_up_is_costed_serving_the_same_customers(tmp_path):
    """tests/test_markets.py set-up: B and C tie on unit cost, the only market node is C (product
    mass 2 t per unit, 1 USD/t-km): C builds 30; B serving C's customer pays 2·d(B,C) more per
    unit, and that outbound freight is the whole gap."""
    from tests.test_markets import even
    from tests.test_markets import load as load_markets

    data, tech = load_markets(tmp_path)
    result = optimizer.solve(even([("C", 1.0)]), data, tech)
    row = why_this_state(result).iloc[0]
    gap = 2.0 * tiny.distance_km("B", "C")
    assert (row["region_id"], row["runner_up"]) == ("C", "B")
    assert row["d_outbound_usd_per_unit"] == pytest.approx(gap)
    assert row["gap_usd_per_unit"] == pytest.approx(gap)
    assert row["lever"] == ""
    assert row["break_even"] == (
        f"B would take this battery capacity from C if a state incentive paid {gap:,.0f} USD/yr "
        "per GWh/yr there (most of the gap is outbound freight: its customers are farther away; "
        f"no single cost term of it closes the gap alone), all else equal ({ESTIMATE})."
    )
