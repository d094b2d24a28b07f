"""The app's state and cache layer: same scenario → no re-solve; changed lever → re-solve; bad
upload → the command line's one-line error; tabs independent; cancel; downloads."""

from __future__ import annotations

import io
import sys
import threading
import time
import zipfile

import pytest

import optimizer
from optimizer.runs.parallel import SerialExecutor
from outputs.app.desk import Desk
from outputs.app.jobs import Cancelled, Job, start
from outputs.app.levers import apply_levers, levers_of, set_for_regions
from outputs.app.state import SolveCache, error_line, load_upload, scenario_key
from outputs.app.views import TYPE_NOUNS as TYPE_NOUN
from outputs.cli import main
from outputs.reports.labels import readable_units
from regions import DataValidationError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


class CountingSolver:
    """``optimizer.solve`` in this process, counting calls (the app's solver protocol)."""

    def __init__(self, data):
        self.data = data
        self.calls: list[str] = []

    def __call__(self, scenario, cancel: threading.Event):
        self.calls.append(scenario.name)
        return optimizer.solve(scenario, self.data, with_duals=False)


@pytest.fixture
def desk(data):
    solver = CountingSolver(data)
    desk = Desk(solver=solver, analysis_executor=SerialExecutor)
    desk.counting = solver
    return desk


GUARD_S = 600.0
"""A generous guard while a job runs on a loaded machine; never the assertion."""


def wait(job: Job, timeout: float = GUARD_S) -> Job:
    deadline = time.monotonic() + timeout
    while job.running:
        assert time.monotonic() < deadline, job.text()
        time.sleep(0.02)
    return job


def test_scenario_key_ignores_spelling_but_not_values():
    base = optimizer.load_scenario("baseline")
    same = apply_levers(base, levers_of(base))
    assert scenario_key(same) == scenario_key(base)
    retyped = levers_of(base)
    retyped["targets"]["battery"] = "1080"  # form text, int-valued
    assert scenario_key(apply_levers(base, retyped)) == scenario_key(base)
    changed = levers_of(base)
    changed["targets"]["battery"] = 1200
    assert scenario_key(apply_levers(base, changed)) != scenario_key(base)


def test_same_scenario_is_not_solved_twice_and_a_changed_lever_is(desk):
    session = desk.sessions.new()
    levers = levers_of(session.base)
    job = desk.solve(session, levers)
    assert job is not None and wait(job).status == "done"
    first_key = session.result_key
    assert desk.counting.calls == ["baseline"]
    assert desk.solve(session, dict(levers)) is None  # from the cache, at once
    assert desk.counting.calls == ["baseline"] and session.result_key == first_key

    levers["targets"]["battery"] = 1200.0
    job = desk.solve(session, levers)
    assert job is not None and wait(job).status == "done"
    assert desk.counting.calls == ["baseline", "baseline (edited)"]  # an edit is named so
    assert session.result_key != first_key
    before, after = desk.result(first_key), desk.result(session.result_key)
    assert after.kpi("new_capacity", "battery") == pytest.approx(
        before.kpi("new_capacity", "battery") + 120.0
    )
    # a second tab asking for the first scenario gets it from the shared cache, in its own state
    other = desk.sessions.new()
    assert desk.solve(other, levers_of(other.base)) is None
    assert other.result_key == first_key and session.result_key != first_key
    assert desk.cache.solves == 2


def test_cache_evicts_least_recently_used(results):
    cache = SolveCache(size=2)
    calls = []
    solver = lambda s: calls.append(s.name) or results[s.name]  # noqa: E731
    for name in ("baseline", "south", "baseline", "great-lakes", "baseline", "south"):
        cache.solve(optimizer.load_scenario(name), solver)
    assert calls == ["baseline", "south", "great-lakes", "south"]


def test_bad_lever_gives_the_field_and_starts_nothing(desk):
    session = desk.sessions.new()
    levers = levers_of(session.base)
    levers["green_lane_factor"] = 1.5
    with pytest.raises(DataValidationError) as caught:
        desk.solve(session, levers)
    assert error_line(caught.value) == (
        "baseline (edited), field policy.green_lane_factor: 1.5 is outside [0, 1]"
    )
    assert session.solve_job is None and desk.counting.calls == []
    levers = levers_of(session.base)
    levers["excluded_regions"] = ["ZZ"]
    with pytest.raises(DataValidationError, match="limits.excluded_regions: unknown region 'ZZ'"):
        desk.solve(session, levers)


BAD_UPLOADS = {
    "unknown-key.toml": 'extends = "great-lakes"\nname = "x"\n[policy]\ngreen_lane = 0.2\n',
    "not-toml.toml": "name = \n",
    "bad-zone.toml": 'extends = "baseline"\nname = "x"\n[zones.battery]\nzone = "nowhere"\n'
    'mode = "restrict"\n',
    "bad-type.toml": 'extends = "baseline"\nname = "x"\n[policy]\napply_45x = "yes"\n',
}


@pytest.mark.parametrize("filename", sorted(BAD_UPLOADS))
def test_bad_upload_gets_the_cli_one_line_error(filename, data, tmp_path, monkeypatch, capsys):
    text = BAD_UPLOADS[filename]
    monkeypatch.chdir(tmp_path)
    (tmp_path / filename).write_text(text, encoding="utf-8")
    assert main(["validate", filename]) == 2
    cli_line = capsys.readouterr().err.strip()
    with pytest.raises(DataValidationError) as caught:
        load_upload(filename, text.encode(), data)
    assert f"clustersite: error: {error_line(caught.value)}" == cli_line
    assert "\n" not in error_line(caught.value) and filename in cli_line


def test_good_upload_becomes_the_tab_scenario(desk):
    session = desk.sessions.new()
    text = b'extends = "great-lakes"\nname = "fast-lane"\n[policy]\ngreen_lane_factor = 0.25\n'
    scenario = desk.upload(session, "fast-lane.toml", text)
    assert scenario.name == "fast-lane" and session.base is scenario
    assert session.levers["green_lane_factor"] == 0.25
    assert session.levers["zones"]["battery"] == {"zone": "great-lakes", "mode": "restrict"}
    assert "fast-lane" in session.scenarios() and "fast-lane" not in desk.sessions.new().scenarios()


def test_tabs_are_independent(desk):
    a, b = desk.sessions.new(), desk.sessions.new()
    desk.choose(a, "south")
    a.levers = set_for_regions(a.levers, "state_incentives", ["GA", "TN"], 0.1)
    assert b.base.name == "baseline" and b.levers["state_incentives"] == {}
    assert desk.scenario(a).state_incentives == {"GA": 0.1, "TN": 0.1}
    assert desk.sessions.get(a.id) is a and desk.sessions.get("unknown").base.name == "baseline"


def test_levers_replace_tables_and_zones():
    base = optimizer.load_scenario("south")
    levers = set_for_regions(levers_of(base), "wage_by_region", ["GA"], 0.9)
    edited = apply_levers(base, levers)
    assert dict(edited.wage_by_region) == {"GA": 0.9}
    levers = set_for_regions(levers, "wage_by_region", ["GA"], None)
    levers["zones"]["magnet"] = {"zone": "", "mode": "favour"}
    levers["apply_45x"] = False
    edited = apply_levers(base, levers)
    assert dict(edited.wage_by_region) == {} and edited.designated_zone("magnet") is None
    assert edited.designated_zone("battery").zone == "south" and edited.apply_45x is False
    with pytest.raises(ValueError, match="unknown per-state table"):
        set_for_regions(levers, "wages", ["GA"], 1.0)


def test_cancel_stops_a_job_and_keeps_nothing():
    started = threading.Event()

    def work(job):
        started.set()
        while True:
            job.check()
            time.sleep(0.01)

    job = start(Job("solve", "solving x"), work)
    assert started.wait(5)
    job.cancel()
    assert wait(job, 5).status == "cancelled" and job.result is None
    failing = wait(start(Job("solve", "solving y"), lambda job: 1 / 0), 5)
    assert failing.status == "failed" and failing.error == "division by zero"
    with pytest.raises(Cancelled):
        job.check()


def test_worker_process_solves_and_cancel_terminates_it(data):
    from outputs.app.jobs import SolverPool

    pool = SolverPool(keep=1)
    try:
        scenario = optimizer.load_scenario("south")
        result = pool.solve(scenario, threading.Event())
        assert result.scenario is scenario and result.ok
        assert result.kpi("objective") == pytest.approx(
            optimizer.solve(scenario, data).kpi("objective")
        )
        worker = pool._idle[0]
        cancel = threading.Event()
        cancel.set()
        with pytest.raises(Cancelled):
            pool.solve(scenario, cancel)
        assert not worker.alive and pool._idle == []
    finally:
        pool.close()


def test_regret_in_the_background_reports_progress_and_why(desk):
    session = desk.sessions.new()
    desk.choose(session, "great-lakes")
    wait(desk.solve(session, session.levers))
    # three states: the optimum's OH and two others (a few solves; no deadline but the guard)
    job = wait(
        desk.start_analysis(session, "regret", cluster_type="magnet", regions=["OH", "IL", "TX"])
    )
    assert job.status == "done", job.error
    found, key = job.result
    assert key == session.result_key and job.done == job.total > 1
    from outputs.app.views import why_rows

    why = why_rows(desk.result(key), found, desk.data)
    assert len(why) == 1 and why[0].startswith("NdFeB magnets: chosen ")
    page = desk.map_page(desk.analysis_map(job))
    assert "Siting regret, magnet [USD/yr]" in page


def test_why_panel_gives_each_new_site_its_runner_up_sentence(results, data):
    from outputs.app.views import why_rows

    result = results["great-lakes"]
    rows = why_rows(result, data=data)
    opened = result.sites[result.sites["new_capacity"] > 1e-6]
    assert len(rows) == len(opened) == len(result.why)
    # the first site that has a runner-up (in great-lakes every zone state may host batteries)
    position = next(i for i, r in enumerate(result.why["runner_up"]) if isinstance(r, str) and r)
    first = result.why.iloc[position]
    name = data.regions.at[first["region_id"], "name"]
    assert (
        rows[position]
        == f"{TYPE_NOUN[first['cluster_type']]} in {name} ({first['region_id']}): "
        + readable_units(first["break_even"])  # per-unit costs in USD/kWh, USD/kg, USD/W
    )
    assert "USD/yr per" not in " ".join(rows)
    assert f"{first['runner_up']} would take this " in first["break_even"]
    # a toss-up says so first, with the number behind it (the app shows the same sentence)
    assert first["break_even"].startswith("Toss-up: ") == bool(first["toss_up"])


def test_downloads(desk):
    session = desk.sessions.new()
    desk.choose(session, "great-lakes")
    levers = dict(session.levers, name="gl:edited", green_lane_factor=0.3)
    name, text = desk.toml(session, levers)
    doc = tomllib.loads(text)
    assert name == "gl-edited.toml" and doc["policy"]["green_lane_factor"] == 0.3
    assert optimizer.Scenario.from_dict(doc).zones["battery"].zone == "great-lakes"
    with pytest.raises(ValueError, match="solve a scenario first"):
        desk.zip(session)
    wait(desk.solve(session, levers))
    name, payload = desk.zip(session)
    files = zipfile.ZipFile(io.BytesIO(payload)).namelist()
    assert name == "gl-edited.zip"
    assert {"gl-edited/sites.csv", "gl-edited/scenario.toml", "gl-edited/map.html"} <= set(files)
    scenario = zipfile.ZipFile(io.BytesIO(payload)).read("gl-edited/scenario.toml").decode()
    assert tomllib.loads(scenario)["policy"]["green_lane_factor"] == 0.3


def test_a_county_upload_is_taken_as_sited_by_county(data):
    text = b'extends = "great-lakes-county"\nname = "gl-by-county"\n'
    scenario = load_upload("gl-by-county.toml", text, data)
    assert (scenario.name, scenario.resolution) == ("gl-by-county", "county")
