"""Executors, failures, checkpoints and resume, on the tiny instance of ``test_regret``."""

from __future__ import annotations

import io
import logging

import pandas as pd
import pytest

from optimizer.analyses.montecarlo import monte_carlo
from optimizer.analyses.parameters import Parameter, scenario_lever, tech_parameter
from optimizer.analyses.regret import regret
from optimizer.analyses.sweep import sweep
from optimizer.runs import compiled as reuse
from optimizer.runs import evaluator
from optimizer.runs.checkpoint import Checkpoint
from optimizer.runs.parallel import Context, DaskExecutor, ProcessExecutor, SerialExecutor, run_all
from optimizer.runs.progress import Progress
from tests.test_regret import tiny_case


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return tiny_case(tmp_path_factory.mktemp("tiny_parallel"))


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=logging.ERROR,
    )
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def sweep_parameters(scenario, tech):
    return [
        scenario_lever(scenario, "multipliers.power_price", 0.8, 1.2, relative=True),
        scenario_lever(scenario, "multipliers.wage", 0.8, 1.2, relative=True),
        tech_parameter(tech, "battery", "electricity_mwh_per_unit"),
        tech_parameter(tech, "battery", "capex_usd_per_unit"),
    ]


BROKEN = Parameter("broken", "tech", ("battery", "no_such_figure"), 1.0, 0.0, 2.0)


def test_dask_matches_serial(tiny, dask_client):
    scenario, data, tech = tiny
    serial = monte_carlo(scenario, 8, 5, data, tech, executor=SerialExecutor())
    dask = monte_carlo(scenario, 8, 5, data, tech, executor=DaskExecutor(dask_client))
    pd.testing.assert_frame_equal(serial.runs, dask.runs)
    pd.testing.assert_frame_equal(serial.probability, dask.probability)
    # a run that raises on a worker is reported with its parameters; the others complete
    params = [*sweep_parameters(scenario, tech)[:2], BROKEN]
    result = sweep(scenario, params, data, tech, executor=DaskExecutor(dask_client))
    assert sorted(result.failures["parameters"]) == [
        "parameter=broken, level=high",
        "parameter=broken, level=low",
    ]
    assert result.failures["error"].str.contains("no_such_figure").all()
    solved = result.table[result.table["parameter"] != "broken"]
    assert (solved["status"] == "optimal").all()


def test_processes_match_serial(tiny):
    scenario, data, tech = tiny
    serial = regret(scenario, "battery", data, tech, executor=SerialExecutor())
    local = regret(scenario, "battery", data, tech, executor=ProcessExecutor(workers=2))
    pd.testing.assert_frame_equal(serial.table, local.table)


def test_failed_run_keeps_others(tiny):
    scenario, data, tech = tiny
    params = [*sweep_parameters(scenario, tech), BROKEN]
    result = sweep(scenario, params, data, tech, executor=SerialExecutor())
    assert len(result.failures) == 2
    broken = result.table[result.table["parameter"] == "broken"]
    assert (broken["status"] == "error").all() and broken["d_total_annual_cost"].isna().all()
    assert (result.table.loc[result.table["parameter"] != "broken", "status"] == "optimal").all()


class StopAfter:
    """Serial executor that is 'killed' (KeyboardInterrupt) after ``k`` finished runs."""

    def __init__(self, k: int) -> None:
        self.k = k

    def map(self, context, runs, on_result):
        done = 0

        def finish(outcome):
            nonlocal done
            on_result(outcome)
            done += 1
            if done >= self.k:
                raise KeyboardInterrupt

        SerialExecutor().map(context, runs, finish)


@pytest.fixture
def solve_counter(monkeypatch):
    calls = []
    original = reuse.CompiledModel.solve

    def counting(self, patch, mip_start=None, **options):
        calls.append(1)
        return original(self, patch, mip_start, **options)

    monkeypatch.setattr(reuse.CompiledModel, "solve", counting)
    return calls


def test_resume_after_kill(tiny, tmp_path, solve_counter):
    scenario, data, tech = tiny
    # this thread's evaluators may hold the unforced optimum from an earlier test (then the
    # base run solves nothing); start without them so every solve is counted
    evaluator._LOCAL.__dict__.clear()
    params = sweep_parameters(scenario, tech)
    full = sweep(scenario, params, data, tech, executor=SerialExecutor())
    total = len(solve_counter)
    assert total == 1 + 2 * len(params)
    path = tmp_path / "sweep.jsonl"
    with pytest.raises(KeyboardInterrupt):
        sweep(scenario, params, data, tech, executor=StopAfter(4), checkpoint=path)
    assert len(path.read_text().splitlines()) == 4
    with path.open("a") as fh:  # a line torn by the kill is ignored
        fh.write('{"key": "abc", "payl')
    solve_counter.clear()
    resumed = sweep(scenario, params, data, tech, executor=SerialExecutor(), checkpoint=path)
    assert len(solve_counter) == total - 4
    pd.testing.assert_frame_equal(resumed.table, full.table)
    pd.testing.assert_frame_equal(resumed.capacity, full.capacity)
    solve_counter.clear()
    again = sweep(scenario, params, data, tech, executor=SerialExecutor(), checkpoint=path)
    assert solve_counter == []
    pd.testing.assert_frame_equal(again.table, full.table)


def test_checkpoint_keys_depend_on_context(tiny, tmp_path):
    scenario, data, tech = tiny
    a = Context.create(scenario, data, tech)
    b = Context.create(scenario.replace(multipliers={"wage": 1.1}), data, tech)
    spec = {"force": ["A", "battery", 10.0]}
    assert a.run(spec).key == a.run({**spec, "label": "x", "envelope": [1]}).key
    assert a.run(spec).key != b.run(spec).key
    path = tmp_path / "ck.jsonl"
    out = run_all(a, [a.run(spec)], executor=SerialExecutor(), checkpoint=path)
    assert list(Checkpoint(path).completed()) == list(out)


def test_progress_bar_line():
    stream = io.StringIO()
    clock = iter([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).__next__
    bar = Progress(2, "runs", enabled=True, stream=stream, min_interval=0.0, clock=clock)
    bar.update()
    bar.update(ok=False)
    bar.close()
    assert "runs: 2/2 (100%) 1 failed" in stream.getvalue()
    quiet = io.StringIO()
    Progress(2, stream=quiet).update()  # not a terminal and not asked for: nothing written
    assert quiet.getvalue() == ""
    assert "\r" not in stream.getvalue()  # a file or pipe gets plain lines
    assert stream.getvalue().splitlines() == [
        "runs: 1/2 (50%) 1.0 runs/s, ETA 1.0 s",
        "runs: 2/2 (100%) 1 failed, 1.0 runs/s, ETA -",
    ]
