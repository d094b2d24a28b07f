"""The desk at county resolution: county built-ins offered and solved, their maps, downloads and
comparison drawn on the county dataset; what works by state only refused with one line."""

from __future__ import annotations

import dataclasses
import io
import zipfile

import pandas as pd
import pytest

import optimizer
from outputs.app.analyses import OptionError
from outputs.app.desk import Desk, builtin_label
from outputs.app.solving import check_forced
from outputs.app.state import error_line
from regions import DataValidationError
from tests.test_app_state import wait


@pytest.fixture
def desk(tmp_path):
    return Desk(
        solver=lambda scenario, cancel, forced=(): optimizer.solve(scenario),
        scenarios_dir=tmp_path / "saved",
    )


def _stand_in(desk: Desk, scenario: optimizer.Scenario, county_data=None) -> optimizer.Result:
    """A solved-looking result of ``scenario`` (its tables empty), for checks made before any
    solve: only ``ok``, ``scenario`` and ``county_data`` are read."""
    report = optimizer.SolverReport(optimizer.SolveStatus.OPTIMAL, "highs", 1.0, 0.0, 0.0, 0.0)
    empty = pd.DataFrame()
    inputs = optimizer.inputs_for("baseline", desk.data)
    return optimizer.Result(
        scenario, empty, empty, empty, empty, empty, report, inputs, county_data=county_data
    )


def test_county_builtins_are_offered_and_say_they_take_longer(desk):
    session = desk.sessions.new()
    labels = {o["value"]: o["label"] for o in desk.choices(session)}
    assert labels["builtin:great-lakes-county"] == "great-lakes-county (by county, about 30 s)"
    assert labels["builtin:south-county"] == builtin_label("south-county")
    assert labels["builtin:great-lakes"] == "great-lakes"
    assert desk.choose(session, "builtin:south-county").resolution == "county"


def test_what_works_by_state_only_is_refused_in_one_line(desk):
    scenario = optimizer.load_scenario("great-lakes-county")
    with pytest.raises(DataValidationError) as caught:
        check_forced(scenario, desk.data, [("OH", "battery")])
    assert error_line(caught.value) == (
        "great-lakes-county (forced sites), field forced: is sited by county; sites are forced "
        "at state resolution only (yet)"
    )
    session = desk.sessions.new()
    desk.cache.put("county-key", _stand_in(desk, scenario))
    session.result_key = "county-key"
    with pytest.raises(OptionError, match="sited by county; the analyses work at state"):
        desk.start_analysis(session, "regret", "battery")
    assert desk.analyses.jobs == {}  # refused before any job started


def test_county_results_compare_only_with_county_results_on_one_dataset(desk):
    state = _stand_in(desk, optimizer.load_scenario("great-lakes"))
    assert desk.common_data([state, state]) is desk.data
    assert desk.data_for(state) is desk.data
    view = dataclasses.replace(desk.data, metadata={**desk.data.metadata, "resolution": "county"})
    county = _stand_in(desk, optimizer.load_scenario("south-county"), county_data=view)
    assert desk.data_for(county) is view
    assert desk.common_data([county, county]) is view
    with pytest.raises(ValueError, match="compare county scenarios with county ones only"):
        desk.common_data([state, county])
    smaller = dataclasses.replace(view, regions=view.regions.iloc[:10])
    other = _stand_in(desk, optimizer.load_scenario("great-lakes-county"), county_data=smaller)
    with pytest.raises(ValueError, match="screened alike"):
        desk.common_data([county, other])


@pytest.mark.slow
def test_a_county_builtin_solves_maps_zips_and_compares_by_county(desk):
    session = desk.sessions.new()
    desk.choose(session, "builtin:great-lakes-county")
    job = wait(desk.solve(session, session.levers), 600)  # a guard against a hang only
    assert job.status == "done", job.text()
    key = session.result_key
    result = desk.result(key)
    assert result.ok and result.report.mip_gap <= 0.001 + 1e-9
    view = desk.data_for(result)
    assert view.metadata["resolution"] == "county"
    built = result.sites[
        (result.sites["new_capacity"] > 0) & (result.sites["cluster_type"] == "battery")
    ]
    states = set(view.regions.loc[built["region_id"], "state"])
    assert states and states <= {"MN", "WI", "MI", "IL", "IN", "OH"}  # cells restricted to the zone
    page = desk.map_page(key)
    assert page is not None and "Lake County, Ohio" in page  # a county named on its own map
    # a click on a state offers its exclusion (it reaches every county), not a forced site
    assert "Exclude from new sites" in page and "site here" not in page
    runner = result.why.loc[result.why["region_id"] == "39085", "runner_up"].iloc[0]
    named = f"{view.regions.at[runner, 'name']} ({runner})"  # the runner-up county, named
    assert named in page and "Why this county" in page and "Why this state" not in page
    name, payload = desk.zip(session)
    files = set(zipfile.ZipFile(io.BytesIO(payload)).namelist())
    assert name == "great-lakes-county.zip" and "great-lakes-county/by_state.csv" in files
    comparison = desk.compare(session, ["builtin:great-lakes-county", "builtin:south-county"])
    assert comparison.map_key is not None
    dual = desk.pages.get(comparison.map_key)
    assert "Lake County, Ohio" in dual
