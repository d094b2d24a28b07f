"""What the terminal says: the cost view beside the objective and the map path, one warning line
per missed target or rule (what, by how much, where the details are), and did-you-mean for
mistyped scenario, zone and region names ("use USPS codes" for a state written by name)."""

from __future__ import annotations

import pytest
import tomli_w

import optimizer
import regions
from tests import tiny
from tests.test_cli import assert_one_line_error, run


@pytest.fixture
def capped(tmp_path):
    """The tiny regions (embedded technology: 135 GWh/yr at most per site) asked for
    400 GWh/yr of battery cells with one cluster allowed: the target is missed."""
    data_dir = tiny.write_data(tmp_path / "data")
    scenario = tiny.scenario(400.0, limits={"max_clusters": {"battery": 1}})
    path = tmp_path / "capped.toml"
    path.write_bytes(tomli_w.dumps(scenario.to_toml_dict()).encode("utf-8"))
    return path, data_dir


def test_run_names_the_cost_view_prints_the_map_and_warns_of_the_missed_target(
    capsys, tmp_path, capped
):
    path, data_dir = capped
    out = tmp_path / "out"
    code, stdout, err = run(capsys, "run", str(path), "--out", str(out), "--data", str(data_dir))
    assert code == 0, err
    result = optimizer.solve(optimizer.load_scenario(path), regions.load(data_dir))
    first, second = stdout.strip().splitlines()
    objective, system = result.report.objective / 1e9, result.kpi("system_cost") / 1e9
    assert first == (
        f"tiny: optimal; objective USD {objective:,.2f} bn/yr of investor cost (the cost view "
        f"it minimises; system cost USD {system:,.2f} bn/yr); 1 new site -> {out}"
    )
    assert second == f"tiny: map {out / 'map.html'}"
    assert (out / "map.html").is_file()
    warnings = [line for line in err.splitlines() if "warning" in line]
    short, penalty = result.kpi("shortfall", "battery"), result.kpi("shortfall_penalty", "battery")
    assert short > 0 and penalty > 0
    (warning,) = warnings  # one line per missed target: what, by how much, where the details are
    assert warning.startswith(
        f"clustersite: warning: tiny misses its battery-cell target by {short:,.0f} GWh/yr (of "
        f"400 GWh/yr); a penalty of USD {penalty / 1e9:,.2f} bn/yr is in its cost (bound by: "
        "max_clusters[battery]; "  # the scenario's own limit named first
    )
    assert warning.endswith(f"); details: {out / 'unmet.csv'}")


@pytest.mark.parametrize(
    ("argv", "fragments"),
    [
        (["run", "great-lake"], ["great-lake: no such scenario file", "did you mean great-lakes?"]),
        (
            ["regret", "baseline", "--regions", "MI,Michigan"],
            ["unknown region(s) in --regions: Michigan", "use USPS codes: Michigan is MI"],
        ),
        (
            ["sweep", "baseline", "--parameter", "power-price@great-lake"],
            ["unknown zone 'great-lake'", "did you mean great-lakes?"],
        ),
        (
            ["sweep", "baseline", "--parameter", "wage@MI+Ohio"],
            ["unknown zone 'MI+Ohio'", "use USPS codes: Ohio is OH"],
        ),
        (
            ["alternatives", "baseline", "--goal", "max_state:Texas"],
            ["unknown region 'Texas'", "use USPS codes: Texas is TX"],
        ),
        (
            ["alternatives", "baseline", "--goal", "max_zone:sout"],
            ["unknown zone 'sout'", "did you mean south?"],
        ),
        (["regret", "baseline", "--type", "battry"], ["unknown --type 'battry'", "battery?"]),
        (
            ["sweep", "baseline", "--parameter", "multipliers.wages"],
            ["unknown --parameter 'multipliers.wages' (did you mean multipliers.wage?)"],
        ),
    ],
)
def test_mistyped_names_get_a_did_you_mean(capsys, argv, fragments):
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert_one_line_error(err, *fragments)


@pytest.mark.parametrize(
    ("section", "fragments"),
    [
        (
            '[limits]\nexcluded_regions = ["Michigan"]\n',
            ["field limits.excluded_regions", "unknown region 'Michigan'", "Michigan is MI"],
        ),
        (
            '[zones.battery]\nzone = "great-lake"\nmode = "restrict"\n',
            ["field zones.battery.zone", "unknown zone 'great-lake'", "did you mean great-lakes?"],
        ),
        (
            "[policy.state_incentives]\nMN = 0.1\nWisconsn = 0.1\n",
            ["field policy.state_incentives", "'Wisconsn'", "did you mean WI (Wisconsin)?"],
        ),
    ],
)
def test_scenario_files_get_a_did_you_mean(capsys, tmp_path, section, fragments):
    path = tmp_path / "mine.toml"
    path.write_text(f'extends = "great-lakes"\nname = "mine"\n{section}', encoding="utf-8")
    code, _, err = run(capsys, "validate", str(path))
    assert code == 2
    assert_one_line_error(err, "mine.toml", *fragments)
