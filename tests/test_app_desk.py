"""The planner's desk behind the page: saved scenarios, naming of edits, forced sites, the
comparison of several scenarios, map actions and a busy port (no browser; see
``test_app_desk_browser`` for the page)."""

from __future__ import annotations

import socket

import pytest

import optimizer
from outputs.app.callbacks import apply_action
from outputs.app.comparing import compare_results
from outputs.app.desk import Desk
from outputs.app.library import ScenarioLibrary, parse_forced
from outputs.app.server import PortInUse, check_port
from outputs.app.solving import check_forced, solve_forced
from outputs.cli import main
from outputs.reports.waterfall import difference_steps
from regions import DataValidationError


def test_saved_scenarios_round_trip_and_run_on_the_command_line(tmp_path, capsys):
    library = ScenarioLibrary(tmp_path / "saved")
    assert library.names() == []  # no folder yet: nothing saved
    scenario = optimizer.load_scenario("south").replace(
        name="south (edited)", policy={"green_lane_factor": 0.3}
    )
    path = library.save(scenario, [("TN", "solar")])
    assert path == tmp_path / "saved" / "south-edited.toml"
    assert library.names() == ["south-edited"]
    loaded, forced = library.load("south-edited")
    assert loaded == scenario and forced == [("TN", "solar")]
    assert path.read_text(encoding="utf-8").startswith(
        "# forced in the app (not a scenario key): TN solar\n"
    )
    assert main(["validate", str(path)]) == 0  # the comment is only a comment to the CLI
    assert "ok: scenario 'south (edited)'" in capsys.readouterr().out
    assert parse_forced("name = 'x'\n") == []
    with pytest.raises(DataValidationError, match="no such saved scenario"):
        library.load("nothing")


@pytest.fixture
def desk(tmp_path, results):
    solved = {}

    def solver(scenario, cancel, forced=()):
        key = (scenario.name, tuple(map(tuple, forced)))
        if key not in solved:
            solved[key] = optimizer.solve(scenario, with_duals=False)
        return solved[key]

    return Desk(solver=solver, scenarios_dir=tmp_path / "saved")


def test_an_edit_is_named_until_the_planner_renames_it(desk):
    session = desk.sessions.new()
    desk.choose(session, "builtin:great-lakes")
    levers = dict(session.levers)
    assert desk.scenario(session, levers).name == "great-lakes"  # unchanged: its own name
    levers["green_lane_factor"] = 0.3
    assert desk.scenario(session, levers).name == "great-lakes (edited)"
    assert desk.scenario(session, dict(levers, name="gl fast")).name == "gl fast"
    forced = dict(session.levers, forced=[["IN", "battery"]])
    assert desk.scenario(session, forced).name == "great-lakes (edited)"  # a forced site too
    path = desk.save(session, dict(levers, name="gl fast"))
    assert session.choice == "saved:gl-fast" and path.stem == "gl-fast"
    assert {"label": "gl-fast (saved)", "value": "saved:gl-fast"} in desk.choices(session)
    other = desk.sessions.new()  # another tab (or the app after a restart) can open it
    assert desk.choose(other, "saved:gl-fast").green_lane_factor == 0.3


def test_a_forced_site_is_open_and_costs_at_least_the_optimum(data, results):
    scenario = optimizer.load_scenario("great-lakes")
    forced = solve_forced(scenario, data, [("IN", "battery")])
    sites = forced.sites.set_index(["region_id", "cluster_type"])
    minimum = optimizer.inputs_for(scenario, data).sites.at[("IN", "battery"), "min_scale"]
    assert sites.at[("IN", "battery"), "new_capacity"] >= minimum - 1e-6
    optimum = results["great-lakes"].report.objective
    assert forced.report.objective >= optimum * (1 - 1e-4)  # the regret is never negative
    with pytest.raises(DataValidationError) as caught:
        check_forced(scenario, data, [("TX", "battery")])
    assert str(caught.value) == (
        "great-lakes (forced sites), field forced: TX cannot host a new battery cluster: "
        "outside designated zone great-lakes"
    )


def test_map_actions_exclude_or_force_and_undo_each_other():
    levers = {"excluded_regions": ["MI"], "forced": []}
    excluded = apply_action(levers, {"action": "exclude", "region": "TX"})
    assert excluded["excluded_regions"] == ["MI", "TX"] and excluded["forced"] == []
    forced = apply_action(excluded, {"action": "force", "region": "TX", "type": "solar"})
    assert forced["forced"] == [["TX", "solar"]] and forced["excluded_regions"] == ["MI"]
    again = apply_action(forced, {"action": "force", "region": "TX", "type": "solar"})
    assert again["forced"] == [["TX", "solar"]]  # no duplicate
    assert apply_action(forced, {"action": "force", "region": "TX", "type": "x"}) == forced


def test_three_scenarios_compared_with_deltas_and_difference_charts(results, data):
    ordered = [results["baseline"], results["great-lakes"], results["south"]]
    comparison = compare_results(ordered, data)
    assert comparison.headers == [
        "Figure",
        "baseline",
        "great-lakes",
        "south",
        "great-lakes − baseline",
        "south − baseline",
    ]
    row = next(r for r in comparison.rows if r["kpi"] == "system_cost")
    texts = [c["text"] for c in row["cells"]]
    gap = results["south"].kpi("system_cost") - results["baseline"].kpi("system_cost")
    assert texts[4] == ("+" if gap > 0 else "−") + f"USD {abs(gap) / 1e6:,.1f} million/yr"
    assert row["cells"][4]["cls"] == ("pos" if gap > 0 else "neg")
    solar = next(r for r in comparison.rows if r["kpi"] == "new_capacity" and r["scope"] == "solar")
    assert [c["text"] for c in solar["cells"][3:]] == ["0", "0"]  # the same solar plan
    assert len(comparison.waterfalls) == 2
    chart = comparison.waterfalls[1]["data"][0]
    assert chart["measure"][-1] == "total"
    assert chart["x"][-1] == pytest.approx(gap / 1e6, abs=1e-3)
    steps = difference_steps(ordered[0], ordered[2])
    assert sum(v for _, v in steps) == pytest.approx(gap, rel=1e-9)
    # great-lakes' zone cannot host the last 0.1 GWh/yr (its states at their largest scale): the
    # banner names that rule and only that one, with the amount from the run's unmet table
    missed = [r.scenario.name for r in ordered if len(r.unmet)]
    assert missed == ["great-lakes"] and len(comparison.banner) == len(results["great-lakes"].unmet)
    amount = results["great-lakes"].unmet["amount"].iloc[0]
    assert comparison.banner[0].startswith(
        f"great-lakes misses its battery-cell target by {amount:,.1f} GWh/yr"
    )


def test_phased_and_snapshot_are_not_compared(results, data):
    from optimizer.phased.api import solve_phased

    phased = solve_phased("south-phased", data)
    with pytest.raises(ValueError, match="compare phased scenarios with phased ones only"):
        compare_results([results["south"], phased], data)


def test_a_busy_port_is_refused_before_anything_loads():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(PortInUse, match=f"port {port} on 127.0.0.1 is in use"):
            check_port("127.0.0.1", port)
    check_port("127.0.0.1", 0)  # any free port: nothing to check


def test_variants_of_one_name_are_numbered_not_hashed(desk):
    session = desk.sessions.new()
    desk.choose(session, "builtin:great-lakes")
    for factor in (0.3, 0.4, 0.3):  # the third is the first again: no new entry
        session.remember(
            f"key-{factor}", desk.scenario(session, dict(session.levers, green_lane_factor=factor))
        )
    assert list(session.solved) == ["great-lakes (edited) #2", "great-lakes (edited)"]
    assert session.solved["great-lakes (edited)"] == "key-0.3"
