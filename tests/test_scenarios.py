"""Scenario files: schema validation, extends, built-ins on the embedded data."""

from __future__ import annotations

import pytest

import optimizer
import regions
from optimizer import load_scenario
from optimizer.model.coefficients import check_scenario_ids
from regions import DataValidationError


def write(tmp_path, text, name="user.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_builtins_listed_and_described():
    names = optimizer.builtin_scenarios()
    assert set(names) == {
        "baseline",
        "great-lakes",
        "south",
        "great-lakes-phased",
        "south-phased",
        "great-lakes-county",
        "south-county",
    }
    for name in names:
        scenario = load_scenario(name)
        assert scenario.name == name and scenario.description


def test_extends_overrides_a_few_fields(tmp_path):
    path = write(
        tmp_path, 'extends = "great-lakes"\nname = "gl-fast"\n[policy]\ngreen_lane_factor = 0.25\n'
    )
    scenario = load_scenario(path)
    parent = load_scenario("great-lakes")
    assert scenario.name == "gl-fast"
    assert scenario.green_lane_factor == 0.25
    assert (
        scenario.co_investment_rate_reduction == parent.co_investment_rate_reduction
    )  # merged, not replaced
    assert scenario.zones == parent.zones and scenario.targets == parent.targets


def test_extends_relative_path_and_cycle(tmp_path):
    write(tmp_path, 'extends = "b.toml"\nname = "a"\n', "a.toml")
    write(tmp_path, 'extends = "a.toml"\nname = "b"\n', "b.toml")
    with pytest.raises(DataValidationError, match="extends forms a cycle"):
        load_scenario(tmp_path / "a.toml")


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        (
            'extends = "baseline"\n[policy]\ngreen_lane = 0.5\n',
            ("field policy.green_lane", "unknown key"),
        ),
        ('extends = "baseline"\nhorizon = 2030\n', ("field horizon", "unknown key")),
        (
            'extends = "baseline"\nhorizon_year = "soon"\n',
            ("field horizon_year", "'soon' should be int"),
        ),
        (
            'extends = "baseline"\n[policy]\ngreen_lane_factor = 1.5\n',
            ("policy.green_lane_factor", "outside [0, 1]"),
        ),
        (
            'extends = "baseline"\n[zones.battery]\nzone = "south"\nmode = "prefer"\n',
            ("zones.battery.mode", "mode must be one of"),
        ),
        (
            'extends = "baseline"\n[targets.steel]\nvalue = 1\nunit = "t"\nsource = "x"\n',
            ("targets.steel", "unknown cluster type"),
        ),
        (
            'extends = "baseline"\nfacilities_as_of = "2026-02-30"\n',
            ("facilities_as_of", "is not a date"),
        ),
        (
            'extends = "baseline"\n[solver]\nname = "gurobi"\n',
            ("solver.name", "'gurobi' is not one of"),
        ),
        (
            'name = "x"\nhorizon_year = 2030\nfacilities_as_of = "2026-01-01"\n',
            ("field targets", "required key is missing"),
        ),
        ("name = [\n", ("not valid TOML",)),
    ],
)
def test_bad_scenario_files(tmp_path, text, fragments):
    path = write(tmp_path, text)
    with pytest.raises(DataValidationError) as info:
        load_scenario(path)
    message = str(info.value)
    assert "user.toml" in message
    for fragment in fragments:
        assert fragment in message, message


def test_unknown_ids_checked_against_the_data(tmp_path):
    data = regions.load()
    path = write(
        tmp_path, 'extends = "baseline"\n[zones.battery]\nzone = "atlantis"\nmode = "restrict"\n'
    )
    with pytest.raises(DataValidationError, match="unknown zone 'atlantis'"):
        check_scenario_ids(load_scenario(path), data)
    path = write(tmp_path, 'extends = "baseline"\n[policy.state_incentives]\nZZ = 0.1\n', "b.toml")
    with pytest.raises(
        DataValidationError, match="field policy.state_incentives: unknown region 'ZZ'"
    ):
        check_scenario_ids(load_scenario(path), data)


def test_unknown_scenario_name():
    with pytest.raises(DataValidationError, match="not a built-in"):
        load_scenario("nowhere")


def test_resolved_scenario_round_trips(tmp_path):
    import tomli_w

    scenario = load_scenario("south")
    path = tmp_path / "resolved.toml"
    path.write_bytes(tomli_w.dumps(scenario.to_toml_dict()).encode())
    again = load_scenario(path)
    assert again == scenario
