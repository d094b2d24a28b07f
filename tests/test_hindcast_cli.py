"""``clustersite hindcast`` end to end on the tiny dataset of ``test_hindcast`` (scores worked
by hand there): the files equal the API's tables, the printed scores, the map, bad flags."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
import tomli_w

from optimizer.analyses.hindcast import hindcast
from outputs.reports.analysis.trust import gap_layer_name
from tests import tiny
from tests.test_cli import assert_one_line_error, run
from tests.test_hindcast import AS_OF, UNTIL, WINDOW


@pytest.fixture(scope="module")
def setup(tmp_path_factory) -> tuple[Path, list[str]]:
    """(folder, trailing argv): the tiny data, technology and scenario on disk."""
    folder = tmp_path_factory.mktemp("hindcast_cli")
    data_dir = tiny.write_data(folder / "data", facilities=WINDOW)
    tech_dir = tiny.write_tech(folder / "tech")
    scenario = folder / "tiny.toml"
    scenario.write_bytes(tomli_w.dumps(tiny.scenario(999).to_toml_dict()).encode("utf-8"))
    return folder, [str(scenario), "--data", str(data_dir), "--tech", str(tech_dir)]


def test_hindcast_writes_the_api_tables_and_prints_the_scores(capsys, tmp_path, setup):
    folder, argv = setup
    out = tmp_path / "hindcast"
    code, stdout, err = run(capsys, "hindcast", *argv, "--out", str(out))
    assert code == 0, err
    steps = re.findall(r"^\[(\d)/2\] (.*?): ", err, re.M)  # progress of its two steps
    assert steps == [("1", "solved as of 2020-12-31"), ("2", "announced to 2024-12-31 costed")]
    assert "report.html" in {p.name for p in out.iterdir()}
    page = (out / "report.html").read_text(encoding="utf-8")
    assert (
        '<tr class="cs-score-row" data-type="battery"><td class=l>Battery cells</td><td>0.87</td><td>100.0%</td>'
        in page
    )
    assert "States the model missed (1)" in page and "Region C (C)" in page
    data, tech = tiny.load(folder / "again", facilities=WINDOW)
    h = hindcast(tiny.scenario(999), AS_OF, UNTIL, data, tech)
    by_state = pd.read_csv(out / "by_state.csv", index_col=["region_id", "cluster_type"])
    pd.testing.assert_frame_equal(by_state, h.by_state, check_dtype=False)
    scores = pd.read_csv(out / "scores.csv", index_col="cluster_type")
    pd.testing.assert_frame_equal(scores, h.scores, check_dtype=False)
    missed = pd.read_csv(out / "missed.csv")
    pd.testing.assert_frame_equal(missed, h.missed, check_dtype=False)
    assert list(missed["region_id"]) == ["C"]
    assert pd.read_csv(out / "invented.csv").empty and h.invented.empty
    assert (out / "notes.txt").read_text(encoding="utf-8") == "".join(f"{n}\n" for n in h.notes)
    # by hand (test_hindcast): model (40, 0, 0) vs reality (30, 0, 10) -> 1.5/sqrt(3) = 0.866;
    # all 40 placed in A, which got a plant; C missed; nothing invented
    lines = stdout.splitlines()
    assert "type      Spearman  in real states  missed  invented" in lines
    assert "battery       0.87          100.0%       1         0" in lines
    assert any(line.startswith("battery: Spearman 0.87; 100% of the 40 GWh/yr") for line in lines)
    assert "  missed: C (energy +30,000, minerals +" in stdout
    assert lines[-1] == f"run folder: {out}"
    # the map shades placed minus announced: A +10, C -10 GWh/yr
    page = (out / "map.html").read_text(encoding="utf-8")
    assert (
        f"{gap_layer_name('battery')}: -10" in page and f"{gap_layer_name('battery')}: 10" in page
    )
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["command"] == "hindcast"
    assert manifest["parameters"] == {"as_of": "2020-12-31", "until": "2024-12-31"}
    assert manifest["hindcast"]["name"] == "tiny-hindcast-2020-12-31"
    # an existing run folder is refused, --overwrite replaces it
    code, _, err = run(capsys, "hindcast", *argv, "--out", str(out), "--no-map")
    assert code == 2
    assert_one_line_error(err, str(out), "already exists", "--overwrite")
    code, _, err = run(capsys, "hindcast", *argv, "--out", str(out), "--no-map", "--overwrite")
    assert code == 0, err
    assert not (out / "map.html").exists()


@pytest.mark.parametrize(
    "flags, fragments",
    [
        (["--as-of", "2020-13-01"], ["argument --as-of", "'2020-13-01' is not a date"]),
        (["--until", "2020-06-30"], ["--until (2020-06-30) must be after --as-of (2020-12-31)"]),
        (["--as-of", "2024-12-31"], ["--until (2024-12-31) must be after --as-of (2024-12-31)"]),
    ],
)
def test_bad_dates_are_one_line_errors(capsys, tmp_path, setup, flags, fragments):
    _, argv = setup
    out = tmp_path / "never"
    code, stdout, err = run(capsys, "hindcast", *argv, *flags, "--out", str(out))
    assert code == 2 and stdout == ""
    assert_one_line_error(err, *fragments)
    assert not out.exists()
