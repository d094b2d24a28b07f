"""``clustersite regret | sweep | breakeven | montecarlo`` on the tiny instance of ``test_regret``
(numbers by hand there), called in-process: values, seeding, resume after an interruption,
errors."""

from __future__ import annotations

import io
import json
import logging
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tomli_w

import optimizer
import regions
from optimizer.runs import parallel
from optimizer.runs.parallel import SerialExecutor
from outputs.cli.analysis_run import partial_folder
from outputs.formatting import esc
from outputs.reports.analysis import regret_layer_name
from tests.test_cli import assert_one_line_error, run
from tests.test_regret import FIXED, UNIT_COST, tiny_scenario, write_tiny

SWEPT = [
    "multipliers.power_price",
    "multipliers.wage",
    "battery.electricity_mwh_per_unit",
    "battery.capex_usd_per_unit",
]
SWEEP_RUNS = 1 + 2 * len(SWEPT)  # the base and every parameter at low and high


def write_scenario(path: Path, scenario: optimizer.Scenario) -> Path:
    path.write_bytes(tomli_w.dumps(scenario.to_toml_dict()).encode("utf-8"))
    return path


class Tiny:
    """The tiny instance on disk (data, technology, scenario TOML) and loaded."""

    def __init__(self, folder: Path, zones: dict[str, list[str]] | None = None) -> None:
        self.data_dir, self.tech_dir = write_tiny(folder, zones)
        self.scenario_path = write_scenario(folder / "tiny.toml", tiny_scenario())
        self.data = regions.load(self.data_dir)
        self.tech = optimizer.load_technology(self.tech_dir)
        self.scenario = tiny_scenario()

    def args(self, *argv: str) -> list[str]:
        """``argv`` followed by the tiny --data and --tech options."""
        return [*argv, "--data", str(self.data_dir), "--tech", str(self.tech_dir)]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Tiny:
    return Tiny(tmp_path_factory.mktemp("tiny_cli"))


def sweep_argv(tiny: Tiny, out: Path) -> list[str]:
    argv = ["sweep", str(tiny.scenario_path), "--out", str(out), "--serial", "-q"]
    for name in SWEPT:
        argv += ["--parameter", name]
    return tiny.args(*argv)


@pytest.fixture
def evaluations(monkeypatch):
    """Count the runs solved (``optimizer.runs.parallel.evaluate`` calls); ``stop_after`` raises
    KeyboardInterrupt instead of solving once that many runs have finished."""
    original = parallel.evaluate
    state = {"calls": 0, "stop_after": None}

    def counting(context, run, reuse=True, mip_start=True):
        if state["stop_after"] is not None and state["calls"] >= state["stop_after"]:
            raise KeyboardInterrupt
        state["calls"] += 1
        return original(context, run, reuse, mip_start)

    monkeypatch.setattr(parallel, "evaluate", counting)
    return state


# --- regret ------------------------------------------------------------------------------------


def test_regret_writes_the_table_map_and_report(capsys, tmp_path, tiny, evaluations):
    out = tmp_path / "regret"
    code, stdout, err = run(
        capsys,
        *tiny.args("regret", str(tiny.scenario_path), "--type", "battery", "--out", str(out)),
        "--serial",
    )
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == [
        "checkpoint.jsonl",
        "failures.csv",
        "manifest.json",
        "map.html",
        "regret.csv",
        "report.html",
        "scenario.toml",
    ]
    assert not partial_folder(out).exists()
    assert evaluations["calls"] == 4  # the base and forced runs in A, B, C (D, E cannot host)
    assert "regret battery: 4/4 (100%)" in err  # progress with counts
    assert stdout.splitlines() == [
        "battery: base optimum A; cheapest alternative B +USD 1.25 million/yr, costliest C "
        "+USD 4 million/yr; 2 of 5 regions cannot host",
        f"report: {out / 'report.html'}",
    ]
    # the table is optimizer.regret's, and its values are the hand-computed ones
    table = pd.read_csv(out / "regret.csv", keep_default_na=False, na_values=[""])
    direct = optimizer.regret(
        tiny.scenario, "battery", tiny.data, tiny.tech, executor=SerialExecutor()
    ).table
    expected = pd.read_csv(
        io.StringIO(direct.to_csv(index=False)), keep_default_na=False, na_values=[""]
    )
    pd.testing.assert_frame_equal(table, expected, check_exact=False, rtol=1e-9)
    value = table.set_index("region_id")["regret_usd_per_yr"]
    assert value["A"] == 0.0
    assert value["B"] == pytest.approx(25 * (UNIT_COST["B"] - UNIT_COST["A"]), rel=1e-9)
    assert value["C"] == pytest.approx(FIXED + 10 * (UNIT_COST["C"] - UNIT_COST["A"]), rel=1e-9)
    reasons = table.set_index("region_id")["reason"]
    assert np.isnan(value["D"]) and "labor cap" in reasons["D"]
    assert np.isnan(value["E"]) and "permitting" in reasons["E"]
    # report: sorted by regret, excluded regions with their reasons
    page = (out / "report.html").read_text(encoding="utf-8")
    ranked = re.findall(r'class="cs-regret-row" data-type="battery" data-region="(\w)"', page)
    assert ranked == ["A", "B", "C"]
    for region_id in ("D", "E"):
        assert esc(reasons[region_id]) in page
    assert "USD 1,250,000" in page and "USD 4,000,000" in page
    # map: the regret layer, the values in its tooltips, and the reasons on the overlay
    html = (out / "map.html").read_text(encoding="utf-8")
    layer = regret_layer_name("battery")
    assert layer in html
    for text in ("1,250,000", "4,000,000", "0", "no data"):
        assert f"{layer}: {text}" in html
    assert "Cannot host battery (reason)" in html and esc(reasons["D"]) in html
    # manifest: timings, runs and failures
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["command"] == "regret" and manifest["scenario"]["name"] == "tiny"
    assert manifest["parameters"] == {"types": ["battery"], "regions": "all"}
    assert manifest["runs"]["solved_now"] == 4
    assert manifest["runs"]["solves_per_second"] > 0 and manifest["failures"] == 0
    assert manifest["timings"]["analysis_seconds"] > 0
    assert len((out / "checkpoint.jsonl").read_text().splitlines()) == 4
    # an existing run folder is refused before any solve
    evaluations["calls"] = 0
    code, stdout, err = run(
        capsys,
        *tiny.args("regret", str(tiny.scenario_path), "--type", "battery", "--out", str(out)),
    )
    assert code == 2 and stdout == "" and evaluations["calls"] == 0
    assert_one_line_error(err, str(out), "exists", "--overwrite")


def test_regret_regions_subset(capsys, tmp_path, tiny):
    out = tmp_path / "subset"
    code, _, err = run(
        capsys,
        *tiny.args("regret", str(tiny.scenario_path), "--regions", "B,D", "--type", "battery"),
        "--out",
        str(out),
        "--serial",
        "-q",
        "--no-map",
    )
    assert code == 0 and err == "", err
    table = pd.read_csv(out / "regret.csv")
    assert sorted(table["region_id"]) == ["B", "D"]
    assert not (out / "map.html").exists()


# --- Monte Carlo -------------------------------------------------------------------------------


def montecarlo(capsys, tiny: Tiny, out: Path, seed: int, *extra: str) -> str:
    code, stdout, err = run(
        capsys,
        *tiny.args(
            "montecarlo", str(tiny.scenario_path), "--runs", "12", "--seed", str(seed), "-q"
        ),
        "--out",
        str(out),
        *extra,
    )
    assert code == 0, err
    return stdout


def test_montecarlo_seeded_and_probability(capsys, tmp_path, tiny):
    first = tmp_path / "mc1"
    stdout = montecarlo(capsys, tiny, first, 3, "--serial")
    montecarlo(capsys, tiny, tmp_path / "mc2", 3, "--serial")
    montecarlo(capsys, tiny, tmp_path / "mc3", 4, "--serial")
    files = ["samples.csv", "runs.csv", "summary.csv", "probability.csv", "failures.csv"]
    for name in files:
        assert (first / name).read_bytes() == (tmp_path / "mc2" / name).read_bytes(), name
    samples = pd.read_csv(first / "samples.csv")
    other = pd.read_csv(tmp_path / "mc3" / "samples.csv")
    assert not np.allclose(samples.iloc[:, 2:], other.iloc[:, 2:])
    # P(site) = share of solved runs with new capacity there (by hand: B in 2 of 12, A in 10)
    runs = pd.read_csv(first / "runs.csv")
    capacity = pd.read_csv(first / "capacity.csv")
    probability = pd.read_csv(first / "probability.csv").set_index(["region_id", "cluster_type"])
    solved = runs["status"].isin(["optimal", "feasible"]).sum()
    assert solved == 12
    built = capacity[capacity["new_capacity"] > 0]
    for (region_id, k), row in probability.iterrows():
        share = built[(built["region_id"] == region_id) & (built["cluster_type"] == k)]
        assert row["probability"] == pytest.approx(share["run"].nunique() / solved)
    assert probability.loc[("B", "battery"), "probability"] == pytest.approx(2 / 12)
    assert probability.loc[("A", "battery"), "probability"] == pytest.approx(10 / 12)
    assert "battery: P(site) A 83.3%, B 16.7%" in stdout
    html = (first / "map.html").read_text(encoding="utf-8")
    assert "P(site) battery: 0.833" in html and "P(site) battery: 0.167" in html
    page = (first / "report.html").read_text(encoding="utf-8")
    assert page.count('class="cs-hist-bar"') >= 5
    assert sum(map(int, re.findall(r'data-count="(\d+)"', page))) == 12
    manifest = json.loads((first / "manifest.json").read_text())
    assert manifest["parameters"]["seed"] == 3 and manifest["runs"]["total"] == 12


def test_montecarlo_with_worker_processes_equals_serial(capsys, tmp_path, tiny):
    serial, local = tmp_path / "serial", tmp_path / "local"
    montecarlo(capsys, tiny, serial, 5, "--serial", "--no-map")
    montecarlo(capsys, tiny, local, 5, "--workers", "2", "--no-map")
    assert (serial / "samples.csv").read_bytes() == (local / "samples.csv").read_bytes()
    pd.testing.assert_frame_equal(
        pd.read_csv(serial / "runs.csv"), pd.read_csv(local / "runs.csv"), rtol=1e-9
    )
    manifest = json.loads((local / "manifest.json").read_text())
    assert manifest["executor"] == "2 local processes"


def test_montecarlo_on_a_dask_scheduler(capsys, tmp_path, tiny):
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=False,
        protocol="tcp://",
        dashboard_address=":0",
        silence_logs=logging.ERROR,
    )
    try:
        out = tmp_path / "dask"
        montecarlo(capsys, tiny, out, 5, "--scheduler", cluster.scheduler_address, "--no-map")
        montecarlo(capsys, tiny, tmp_path / "serial", 5, "--serial", "--no-map")
    finally:
        cluster.close()
    pd.testing.assert_frame_equal(
        pd.read_csv(out / "runs.csv"), pd.read_csv(tmp_path / "serial" / "runs.csv"), rtol=1e-9
    )
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["executor"] == f"dask {cluster.scheduler_address}"


# --- sweep -------------------------------------------------------------------------------------


def test_sweep_tornado_order_and_chart(capsys, tmp_path, tiny):
    out = tmp_path / "sweep"
    code, stdout, err = run(capsys, *sweep_argv(tiny, out))
    assert code == 0, err
    tornado = pd.read_csv(out / "tornado.csv")
    total = tornado[tornado["kpi"] == "total_annual_cost"]
    # by hand (test_sensitivity): wage 25.0e6 > electricity 23.25e6 > power 5.0e6 > capex 0.5e6
    assert list(total["parameter"]) == [
        "multipliers.wage",
        "battery.electricity_mwh_per_unit",
        "multipliers.power_price",
        "battery.capex_usd_per_unit",
    ]
    assert total["swing"].tolist() == pytest.approx([25e6, 23.25e6, 5e6, 5e5], rel=1e-9)
    for _, group in tornado.groupby("kpi"):
        swings = group["swing"].dropna().to_numpy()
        assert (np.diff(swings) <= 0).all()
    assert set(tornado["kpi"]) == {"total_annual_cost", "levelized_cost:battery"}
    page = (out / "report.html").read_text(encoding="utf-8")
    chart = page[page.index("<h2>Tornado: Cost minimised (scenario view) [USD/yr]") :]
    chart = chart[: chart.index("</svg>")]
    bars = re.findall(r'<g class="cs-tornado-bar" data-parameter="([^"]+)"', chart)
    assert bars == list(total["parameter"])  # ids in the data, labels for people in the text
    assert ">Wage multiplier, all states</text>" in chart and "multipliers.wage</text>" not in chart
    deltas = [float(x) for x in re.findall(r'data-delta="([^"]+)"', chart)]
    expected = total[["delta_low", "delta_high"]].to_numpy().ravel()
    assert deltas == pytest.approx(expected, rel=1e-12)
    # the run that moved a site (electricity 2,000 MWh/GWh: A -> B) and its map layer
    assert "Runs where sites moved (1)" in page and "B/battery" in page
    html = (out / "map.html").read_text(encoding="utf-8")
    layer = "Change in new battery capacity [GWh/yr]: battery.electricity_mwh_per_unit low (2,000)"
    assert f"{layer}: -25" in html and f"{layer}: 25" in html
    assert "largest swing of total annual cost: multipliers.wage (USD 25 million/yr)" in stdout


def test_sweep_resumes_after_interrupt(capsys, tmp_path, tiny, evaluations):
    reference = tmp_path / "reference"
    code, _, err = run(capsys, *sweep_argv(tiny, reference))
    assert code == 0, err
    assert evaluations["calls"] == SWEEP_RUNS

    out = tmp_path / "sweep"
    checkpoint = partial_folder(out) / "checkpoint.jsonl"
    evaluations.update(calls=0, stop_after=4)
    code, stdout, err = run(capsys, *sweep_argv(tiny, out))
    assert code == 130 and stdout == ""
    assert_one_line_error(err, "interrupted", "4 finished runs", str(checkpoint), "resume")
    assert len(checkpoint.read_text().splitlines()) == 4
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []

    # another command does not take over the unfinished runs
    code, _, err = run(
        capsys, *tiny.args("montecarlo", str(tiny.scenario_path), "--runs", "2", "--out", str(out))
    )
    assert code == 2
    assert_one_line_error(err, str(partial_folder(out)), "clustersite sweep")

    evaluations.update(calls=0, stop_after=None)
    code, _, err = run(capsys, *sweep_argv(tiny, out))
    assert code == 0, err
    assert f"resuming: 4 finished runs loaded from {checkpoint}" in err
    assert evaluations["calls"] == SWEEP_RUNS - 4
    pd.testing.assert_frame_equal(
        pd.read_csv(out / "sweep.csv"), pd.read_csv(reference / "sweep.csv"), rtol=1e-9
    )
    assert (out / "tornado.csv").read_bytes() == (reference / "tornado.csv").read_bytes()
    assert not partial_folder(out).exists()
    assert len((out / "checkpoint.jsonl").read_text().splitlines()) == SWEEP_RUNS
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["runs"]["loaded_from_checkpoint"] == 4
    assert manifest["runs"]["solved_now"] == SWEEP_RUNS - 4


def test_failed_run_is_reported_and_the_others_kept(capsys, tmp_path, tiny, monkeypatch):
    original = parallel.evaluate

    def failing(context, run, reuse=True, mip_start=True):
        if run.label == {"parameter": "multipliers.wage", "level": "high"}:
            return parallel.Outcome(run.key, run.label, None, "RuntimeError: solver crashed")
        return original(context, run, reuse, mip_start)

    monkeypatch.setattr(parallel, "evaluate", failing)
    out = tmp_path / "sweep"
    code, _, err = run(capsys, *sweep_argv(tiny, out))
    assert code == 0, err
    assert "warning: 1 run failed" in err
    assert "parameter=multipliers.wage, level=high: RuntimeError: solver crashed" in err
    failures = pd.read_csv(out / "failures.csv")
    assert failures[["parameters", "status", "error"]].values.tolist() == [
        ["parameter=multipliers.wage, level=high", "error", "RuntimeError: solver crashed"]
    ]
    table = pd.read_csv(out / "sweep.csv").set_index(["parameter", "level"])
    assert table.loc[("multipliers.wage", "high"), "status"] == "error"
    assert (table.drop(index=[("multipliers.wage", "high")])["status"] == "optimal").all()
    assert table.loc[("multipliers.wage", "low"), "d_total_annual_cost"] == pytest.approx(-12.5e6)
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "Failed runs (1)" in page and "RuntimeError: solver crashed" in page
    assert json.loads((out / "manifest.json").read_text())["failures"] == 1
    # the failure is not kept as finished: a new run with the same --out would retry it
    lines = [json.loads(line) for line in (out / "checkpoint.jsonl").read_text().splitlines()]
    assert [r["error"] for r in lines].count("RuntimeError: solver crashed") == 1


# --- break-even --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def split(tmp_path_factory) -> tuple[Tiny, Path, Path]:
    """The tiny instance with zones west {A} and east {B, C}; scenarios restricted to each."""
    folder = tmp_path_factory.mktemp("tiny_split")
    tiny = Tiny(folder, zones={"west": ["A"], "east": ["B", "C"]})
    west = tiny_scenario(name="west", zones={"battery": {"zone": "west", "mode": "restrict"}})
    east = tiny_scenario(name="east", zones={"battery": {"zone": "east", "mode": "restrict"}})
    return (
        tiny,
        write_scenario(folder / "west.toml", west),
        write_scenario(folder / "east.toml", east),
    )


def test_breakeven_flip_by_hand(capsys, tmp_path, split):
    tiny, west, east = split
    out = tmp_path / "be"
    argv = ["breakeven", str(west), str(east), "--parameter", "power-price@west"]
    code, stdout, err = run(
        capsys, *tiny.args(*argv, "--bounds", "0.5", "2", "--tol", "1e-5", "--out", str(out))
    )
    assert code == 0, err
    # progress on stderr from the start: what it will do, then the solves counted to the end
    first = err.splitlines()[0]
    assert first.startswith("break-even of power_price@west between west and east: 5 values")
    total = 2 * (5 + math.ceil(math.log2(1.5 / 1e-5)))
    assert f"(about {total} solves)" in first
    counts = [int(m) for m in re.findall(r"break-even solves: (\d+)/", err)]
    assert counts and counts == sorted(counts) and counts[-1] >= 2 * 5
    lines = stdout.splitlines()
    # A's unit cost 50,000 + 500,000 v + 2,500,000 equals B's 3,100,000 at v = 1.1
    match = re.fullmatch(r"flip: power_price@west = ([\d.]+)", lines[0])
    flip = float(match.group(1))
    assert 0.5 < flip < 2 and flip == pytest.approx(1.1, abs=1e-4)
    assert lines[1].startswith("west ranks first below power_price@west")
    evaluations = pd.read_csv(out / "breakeven.csv")
    assert (evaluations.loc[evaluations["value"] < flip - 1e-4, "difference"] < 0).all()
    assert (evaluations.loc[evaluations["value"] > flip + 1e-4, "difference"] > 0).all()
    # difference = 25 GWh × 500,000 USD × (v − 1.1) exactly (only A's power price moves)
    expected = 25 * 500_000 * (evaluations["value"] - 1.1)
    np.testing.assert_allclose(evaluations["difference"], expected, rtol=1e-6, atol=1.0)
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "multiplier on the power price in A" in page and 'class="cs-flip"' in page
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["parameters"]["flips"] and manifest["parameters"]["bounds"] == [0.5, 2.0]
    assert manifest["scenario_a"]["name"] == "west" and manifest["scenario_b"]["name"] == "east"

    code, stdout, err = run(
        capsys, *tiny.args(*argv, "--bounds", "0.5", "1", "--out", str(tmp_path / "none"))
    )
    assert code == 0, err
    assert stdout.splitlines()[0] == "no flip within bounds [0.5, 1]"


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "fragments"),
    [
        (["regret", "SCEN", "--type", "cement"], ["--type 'cement'", "battery, magnet, solar"]),
        (["regret", "SCEN", "--regions", "A,ZZ"], ["--regions", "ZZ"]),
        (["sweep", "SCEN", "--parameter", "battery.nonsense"], ["'battery.nonsense'"]),
        (["sweep", "SCEN", "--parameter", "permitting@atlantis"], ["zone 'atlantis'"]),
        (["sweep", "SCEN", "--parameter", "multipliers.wage=2:1"], ["multipliers.wage=2:1"]),
        (["montecarlo", "SCEN", "--parameter", "gravity"], ["'gravity'"]),
        (["montecarlo", "SCEN", "--runs", "0"], ["--runs", "0 is outside [1, 100000]"]),
        (["breakeven", "SCEN", "SCEN", "--parameter", "wage@nowhere"], ["'nowhere'"]),
        (["sweep", "SCEN", "--serial", "--scheduler", "tcp://x:1"], ["--serial", "--scheduler"]),
    ],
    ids=[
        "type",
        "region",
        "parameter",
        "zone",
        "range",
        "mc-parameter",
        "runs",
        "be-zone",
        "executors",
    ],
)
def test_bad_input_is_one_line_exit_2(capsys, tmp_path, tiny, argv, fragments):
    argv = [str(tiny.scenario_path) if a == "SCEN" else a for a in argv]
    out = tmp_path / "out"
    code, stdout, err = run(capsys, *tiny.args(*argv, "--out", str(out)))
    assert code == 2 and stdout == ""
    assert_one_line_error(err, *fragments)
    assert list(tmp_path.iterdir()) == []


def test_choose_a_command_lists_the_analyses(capsys):
    code, _, err = run(capsys)
    assert code == 2
    assert "regret, sweep, breakeven, montecarlo" in err


def test_python_dash_m_keeps_exit_codes(tmp_path):
    # under ``python -m outputs.cli`` the running main is ``__main__``'s, not ``outputs.cli``'s
    done = subprocess.run(
        [sys.executable, "-m", "outputs.cli", "regret", "baseline", "--type", "cement"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )
    assert done.returncode == 2
    assert_one_line_error(done.stderr, "--type 'cement'")
