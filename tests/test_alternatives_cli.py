"""``clustersite alternatives`` end to end on the tiny instance of ``test_alternatives`` (plans
worked by hand there): the files equal the API's tables, the printed plans, the map, bad flags."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
import tomli_w

from optimizer.analyses.alternatives import alternatives
from outputs.reports.analysis.trust import PLAN_SHARE_LAYER
from tests import tiny
from tests.test_alternatives import OPTIMUM
from tests.test_cli import assert_one_line_error, run

SLACKS = (0.01, 0.05, 0.1)
GOALS = ("min_overlap", "max_states", "max_zone:east")


@pytest.fixture(scope="module")
def setup(tmp_path_factory) -> tuple[Path, list[str]]:
    """(folder, trailing argv): the tiny data, technology and scenario on disk."""
    folder = tmp_path_factory.mktemp("alternatives_cli")
    data_dir = tiny.write_data(folder / "data")
    tech_dir = tiny.write_tech(folder / "tech")
    scenario = folder / "tiny.toml"
    scenario.write_bytes(tomli_w.dumps(tiny.scenario().to_toml_dict()).encode("utf-8"))
    return folder, [str(scenario), "--data", str(data_dir), "--tech", str(tech_dir)]


def test_alternatives_write_the_api_tables_and_print_the_plans(capsys, tmp_path, setup):
    folder, argv = setup
    out = tmp_path / "alternatives"
    goals = ["--goal", "min_overlap", "--goal", "max_states,max_zone:east"]
    code, stdout, err = run(
        capsys, "alternatives", *argv, "--slack", "0.05,0.01,0.1", *goals, "--out", str(out)
    )
    assert code == 0, err
    plans_done = re.findall(r"^\[(\d+)/(\d+)\] (\S+): ", err, re.M)  # one line per plan
    assert len(plans_done) == 1 + len(SLACKS) * len(GOALS) == int(plans_done[0][1])
    assert plans_done[0][2] == "optimum"
    data, tech = tiny.load(folder / "again")
    alt = alternatives(tiny.scenario(), SLACKS, GOALS, data, tech)
    plans = pd.read_csv(out / "plans.csv", index_col="plan_id")
    pd.testing.assert_frame_equal(plans, alt.plans, check_dtype=False)
    pd.testing.assert_frame_equal(pd.read_csv(out / "sites.csv"), alt.sites, check_dtype=False)
    frequency = pd.read_csv(out / "frequency.csv", index_col="region_id")
    pd.testing.assert_frame_equal(frequency, alt.frequency, check_dtype=False)
    # by hand (test_alternatives): all 30 in A is the optimum; all in C costs +4.4 %
    assert plans.at["optimum", "cost_usd_per_yr"] == pytest.approx(OPTIMUM)
    assert plans.at["min_overlap@0.05", "states"] == "C"
    lines = stdout.splitlines()
    assert lines[0] == f"Optimum: {OPTIMUM:,.0f} USD/yr; battery: A 30."
    assert "min_overlap@0.05: +4.38 % cost" in stdout
    header = next(i for i, line in enumerate(lines) if line.lstrip().startswith("slack"))
    rows = [line.split() for line in lines[header + 1 : -1]]
    assert len(rows) == 1 + len(SLACKS) * len(GOALS)
    assert rows[0][:2] == ["—", "optimum"] and rows[0][-1] == "A"
    assert rows[4][:2] == ["5%", "min_overlap"] and rows[4][-1] == "C"
    assert rows[4][-2] == "300"  # jobs of the C plan (test_alternatives)
    assert rows[-2][:2] == ["10%", "max_states"] and rows[-2][-2:] == ["A,", "C"]
    assert lines[-1] == f"run folder: {out}"
    # the map shades how often each state appears: C in 5 of the 10 plans
    page = (out / "map.html").read_text(encoding="utf-8")
    assert f"{PLAN_SHARE_LAYER}: 0.5" in page and f"{PLAN_SHARE_LAYER}: 0.6" in page
    page = (out / "report.html").read_text(encoding="utf-8")
    rows = re.findall(r'<tr class="cs-plan-row" data-plan="([^"]+)">', page)
    assert rows == list(alt.plans.index)
    assert "+4.38 %" in page and "How often each state gets new capacity" in page
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["command"] == "alternatives"
    assert manifest["parameters"] == {"slacks": list(SLACKS), "goals": list(GOALS)}


@pytest.mark.parametrize(
    "flags, fragments",
    [
        (["--slack", "0"], ["argument --slack", "0 is outside (0, 1]"]),
        (["--slack", "0.01,1.5"], ["argument --slack", "1.5 is outside (0, 1]"]),
        (["--slack", "0.01,x"], ["argument --slack", "'x' is not a number"]),
        (["--goal", "cheapest"], ["--goal: unknown goal 'cheapest'; known: min_overlap"]),
        (["--goal", "max_zone:nowhere"], ["unknown zone 'nowhere'; known: west, east"]),
        (
            ["--announced-between", "2024-12-31,2020-12-31"],
            ["argument --announced-between", "UNTIL (2020-12-31) must be after AS_OF (2024-12-31)"],
        ),
        (["--announced-between", "2020-12-31"], ["expected AS_OF,UNTIL (two ISO dates)"]),
    ],
)
def test_bad_flags_are_one_line_errors(capsys, tmp_path, setup, flags, fragments):
    _, argv = setup
    out = tmp_path / "never"
    code, stdout, err = run(capsys, "alternatives", *argv, *flags, "--out", str(out))
    assert code == 2 and stdout == ""
    assert_one_line_error(err, *fragments)
    assert not out.exists()
