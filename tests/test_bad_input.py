"""Every class of bad input gets one clear line (exit 2) and loses or leaves no file.

One test per class: NaN and infinity, types the parser allows but the model does not, misnamed
data files, ``--overwrite`` on a folder clustersite did not write, debris after a kill or an early
failure, hostile and overlong names, numbers out of reach, and the catch-all kept for bugs.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import optimizer
import regions
from outputs import atomic
from outputs.cli.analysis_run import partial_folder
from outputs.cli.common import folder_name
from tests.helpers import copy_data
from tests.test_analysis_cli import Tiny
from tests.test_cli import assert_one_line_error, run

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Tiny:
    return Tiny(tmp_path_factory.mktemp("tiny_bad_input"))


def scenario_file(folder: Path, body: str, name: str = "mine.toml") -> Path:
    """A scenario that extends the baseline with ``body``."""
    path = folder / name
    path.write_text(f'extends = "baseline"\nname = "mine"\n{body}\n', encoding="utf-8")
    return path


def validate_error(capsys, path: Path) -> str:
    """``clustersite validate PATH``: must exit 2 with nothing on stdout; the error line."""
    code, out, err = run(capsys, "validate", str(path))
    assert code == 2 and out == "", (code, out, err)
    return err


# --- NaN and infinity --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ("[multipliers]\npower_price = nan", "multipliers.power_price", "nan is not a finite"),
        ("[policy]\ngreen_lane_factor = nan", "policy.green_lane_factor", "nan is not a finite"),
        ("[solver]\nmip_gap = nan", "solver.mip_gap", "nan is not a finite"),
        ("[solver]\ntime_limit_s = inf", "solver.time_limit_s", "inf is not a finite"),
        ("[targets.battery]\nvalue = nan", "targets.battery.value", "nan is not a finite"),
        ("[targets.battery]\nvalue = -inf", "targets.battery.value", "-inf is not a finite"),
        ("[solver]\nthreads = -4", "solver.threads", "-4 is outside [1, 1024]"),
        ("[limits]\nlabor_share_cap = nan", "limits.labor_share_cap", "nan is not a finite"),
    ],
)
def test_nan_infinity_and_negative_threads_are_refused(capsys, tmp_path, body, field, message):
    path = scenario_file(tmp_path, body)
    assert_one_line_error(validate_error(capsys, path), str(path), f"field {field}", message)


def test_nan_never_reaches_the_solver_through_the_api():
    scenario = optimizer.load_scenario("baseline")
    with pytest.raises(regions.DataValidationError, match="multipliers.wage: nan is not a finite"):
        scenario.replace(multipliers={"wage": float("nan")})


# --- types the parser allows but the model does not ------------------------------------------


def test_toml_datetime_where_a_date_is_expected(capsys, tmp_path):
    path = scenario_file(tmp_path, "facilities_as_of = 2025-01-01T08:00:00")
    assert_one_line_error(
        validate_error(capsys, path),
        str(path),
        "field facilities_as_of",
        "2025-01-01T08:00:00 has a time of day; write a date (YYYY-MM-DD)",
    )


def test_non_utf8_scenario_file(capsys, tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes('extends = "baseline"\nname = "café"\n'.encode("latin-1"))
    assert_one_line_error(
        validate_error(capsys, path), str(path), "line 2", "not UTF-8 text (byte 0xe9"
    )


def _edit_geojson(folder: Path, edit) -> Path:
    path = folder / "regions.geojson"
    doc = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps(edit(doc)), encoding="utf-8")
    return path


def _properties_list(doc):
    doc["features"][0]["properties"] = ["AK", "Alaska"]
    return doc


@pytest.mark.parametrize(
    ("edit", "fragments"),
    [
        (lambda doc: [doc], ["is not a GeoJSON FeatureCollection"]),
        (lambda doc: {**doc, "features": {"AK": 1}}, ["field features", "got dict"]),
        (_properties_list, ["feature 1", "field properties", "must be an object, got list"]),
    ],
    ids=["top-level-list", "features-object", "properties-list"],
)
def test_geojson_of_the_wrong_shape(capsys, tmp_path, edit, fragments):
    folder = copy_data(tmp_path)
    path = _edit_geojson(folder, edit)
    assert_one_line_error(validate_error(capsys, folder), str(path), *fragments)


@pytest.mark.parametrize("value", ["inf", "nan", "-inf"])
def test_non_finite_buffer_distance(capsys, tmp_path, value):
    folder = copy_data(tmp_path)
    zones = folder / "zones.toml"
    text = zones.read_text(encoding="utf-8")
    assert "buffer_km = 150" in text
    zones.write_text(text.replace("buffer_km = 150", f"buffer_km = {value}"), encoding="utf-8")
    assert_one_line_error(
        validate_error(capsys, folder),
        str(zones),
        "[zones.battery-belt-corridor]",
        "field buffer_km",
        f"{value} is not a finite number",
    )


# --- files silently ignored -------------------------------------------------------------------


def test_misnamed_data_file_lists_the_expected_names(capsys, tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "Regions.csv").write_bytes((regions.DEFAULT_DATA_DIR / "regions.csv").read_bytes())
    (folder / "README.md").write_text("my notes")  # notes are allowed
    err = validate_error(capsys, folder)
    assert_one_line_error(
        err, str(folder / "Regions.csv"), "did you mean regions.csv?", *regions.DATA_FILES
    )


# --- --overwrite ------------------------------------------------------------------------------


def test_overwrite_refuses_a_folder_clustersite_did_not_write(capsys, tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(optimizer, "solve", lambda *a, **k: calls.append(a))
    mine = tmp_path / "baseline"
    mine.mkdir()
    (mine / "thesis.docx").write_bytes(b"years of work")
    code, out, err = run(capsys, "run", "baseline", "--out", str(mine), "--overwrite", "-q")
    assert code == 2 and out == ""
    assert_one_line_error(err, str(mine), "not a clustersite output folder", "manifest.json")
    code, _, err = run(capsys, "compare", "--out", str(mine), "--overwrite", "-q")
    assert code == 2
    assert_one_line_error(err, str(mine), "not a clustersite output folder")
    assert calls == []  # refused before any solve
    assert (mine / "thesis.docx").read_bytes() == b"years of work"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["baseline"]


# --- debris after interruption and early failures ----------------------------------------------


KILLED_DURING_STAGING = """
import os, signal, sys
from pathlib import Path
from outputs.atomic import staged_folder
with staged_folder(Path(sys.argv[1])) as staging:
    (staging / "half.csv").write_text("a\\n")
    os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_next_run_removes_staging_left_by_kill_9(tmp_path):
    out = tmp_path / "cmp"
    done = subprocess.run(
        [sys.executable, "-c", KILLED_DURING_STAGING, str(out)], cwd=ROOT, timeout=120
    )
    assert done.returncode == -signal.SIGKILL
    left = [p.name for p in tmp_path.iterdir()]
    assert len(left) == 1 and left[0].startswith(".cmp.") and left[0].endswith(".partial")
    with atomic.staged_folder(out) as staging:
        (staging / "report.html").write_text("done")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cmp"]


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_old_folder_set_aside_by_a_killed_run_comes_back(tmp_path):
    final = tmp_path / "run"
    final.mkdir()
    (final / "manifest.json").write_text('{"clustersite_version": "0.1.0"}')
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    aside = tmp_path / f".run.{child.pid}-0123456789ab.old"  # killed between the two renames
    os.rename(final, aside)
    assert atomic.remove_stale(final) == []
    assert (final / "manifest.json").exists() and not aside.exists()


@pytest.mark.parametrize(
    ("flags", "fragments"),
    [
        (["--seed", "-1"], ["argument --seed", "-1 is outside [0, 4294967295]"]),
        (["--runs", str(10**12)], ["argument --runs", "1000000000000 is outside [1, 100000]"]),
        (["--runs", "1e3"], ["argument --runs", "'1e3' is not a whole number"]),
    ],
    ids=["negative-seed", "huge-runs", "runs-not-whole"],
)
def test_bad_run_counts_and_seeds_leave_nothing(capsys, tmp_path, tiny, flags, fragments):
    out = tmp_path / "mc"
    argv = tiny.args("montecarlo", str(tiny.scenario_path), "--out", str(out), "--serial", *flags)
    code, stdout, err = run(capsys, *argv)
    assert code == 2 and stdout == ""
    assert_one_line_error(err, *fragments)
    assert list(tmp_path.iterdir()) == []


def test_failure_before_the_first_run_leaves_no_partial_folder(capsys, tmp_path, tiny, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("sampler broke")

    monkeypatch.setattr(optimizer, "monte_carlo", broken)
    out = tmp_path / "mc"
    argv = tiny.args("montecarlo", str(tiny.scenario_path), "--out", str(out), "--serial", "-q")
    code, _, err = run(capsys, *argv)
    assert code == 1 and "sampler broke" in err
    assert not partial_folder(out).exists() and list(tmp_path.iterdir()) == []


def test_a_foreign_partial_folder_is_not_taken_over(capsys, tmp_path, tiny):
    out = tmp_path / "mc"
    foreign = partial_folder(out)
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    argv = tiny.args("montecarlo", str(tiny.scenario_path), "--out", str(out), "--runs", "2")
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert_one_line_error(err, str(foreign), "not made by clustersite")
    assert (foreign / "notes.txt").read_text() == "mine"


# --- names ------------------------------------------------------------------------------------


def test_overlong_scenario_name_is_refused_before_solving(capsys, tmp_path):
    path = scenario_file(tmp_path, "")
    path.write_text(f'extends = "baseline"\nname = "{"x" * 5000}"\n', encoding="utf-8")
    err = validate_error(capsys, path)
    assert_one_line_error(err, str(path), "field name", "1 to 200 characters", "got 5000")
    assert len(err) < 400


def test_folder_names_are_safe_and_bounded():
    name = folder_name("Battery Belt / ../../etc " + "é" * 300 + "x" * 300)
    assert len(name) == 80 and "/" not in name and not name.startswith(".")
    assert folder_name("a" * 200) != folder_name("a" * 199 + "b")  # the hash keeps them apart


def test_control_characters_in_names_are_escaped(capsys, tmp_path, monkeypatch):
    hostile = "\x1b]0;pwned\x07\x1b[2J evil \u202e"
    path = tmp_path / "hostile.toml"
    path.write_text(
        'extends = "baseline"\n'
        f"name = {json.dumps(hostile)}\n"
        f'description = "clears \\u001b[2J the screen"\n',
        encoding="utf-8",
    )
    code, out, err = run(capsys, "validate", str(path))
    assert code == 0, err
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "\\x1b]0;pwned\\x07\\x1b[2J evil \\u202e" in out and "\\x1b[2J the screen" in out
    monkeypatch.chdir(tmp_path)  # without --out the run folder is runs/<timestamp>/<name>
    code, out, err = run(capsys, "run", str(path), "--no-map")
    assert code == 0, err
    assert "\x1b" not in out + err and "\\x1b]0;pwned" in out and "\\x1b]0;pwned" in err
    assert [p.name for p in (tmp_path / "runs").glob("*/*")] == ["0-pwned-2J-evil"]


# --- numbers out of reach ---------------------------------------------------------------------


def test_facilities_as_of_before_any_data(capsys, tmp_path):
    path = scenario_file(tmp_path, 'facilities_as_of = "1850-01-01"')
    assert_one_line_error(
        validate_error(capsys, path),
        str(path),
        "field facilities_as_of",
        "1850-01-01 is before 2000-01-01, the earliest date the data describe",
    )


def test_monte_carlo_api_rejects_a_negative_seed():
    with pytest.raises(ValueError, match="seed must be a whole number >= 0, got -1"):
        optimizer.monte_carlo("baseline", 2, -1)


# --- the catch-all is for bugs -----------------------------------------------------------------


def test_catch_all_says_it_is_a_bug_and_how_to_report(capsys, tmp_path, monkeypatch):
    def crash(*args, **kwargs):
        raise KeyError("sites")

    monkeypatch.setattr(optimizer, "solve", crash)
    code, _, err = run(capsys, "run", "baseline", "--out", str(tmp_path / "o"))
    assert code == 1
    assert_one_line_error(
        err, "internal error, a bug in clustersite", "KeyError", "report it", "--debug"
    )


def test_unusable_output_path_is_bad_input_not_a_bug(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = run(capsys, "run", "baseline", "--out", str(blocker / "sub"), "--no-map", "-q")
    assert code == 2
    assert_one_line_error(err, str(blocker))
    assert "bug" not in err


def test_a_technology_row_with_an_unquoted_comma_names_its_line(tmp_path):
    """A note holding a comma outside quotes splits into an extra field: the loader says which
    line has too many fields instead of reading the note cut short."""
    import shutil

    from optimizer.model.technology import DATA_DIR, load_technology
    from regions.errors import DataValidationError

    folder = tmp_path / "tech"
    shutil.copytree(DATA_DIR, folder)
    path = folder / "parameters.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = lines[2].rstrip("\n") + ",a stray field\n"  # line 3 of the file
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(DataValidationError) as error:
        load_technology(folder)
    text = str(error.value)
    assert "parameters.csv" in text and "line 3" in text
    assert "fields where the header has" in text
    # too few fields: the row is refused the same way
    lines[2] = ",".join(lines[2].split(",")[:4]) + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(DataValidationError, match="line 3"):
        load_technology(folder)


def test_a_data_build_that_fails_while_writing_leaves_the_old_file_whole(tmp_path, monkeypatch):
    """The build tools write through ``regions.atomic``: a failure at the rename keeps the old
    file as it was and leaves no temporary file behind."""
    from regions import atomic

    path = tmp_path / "permitting.csv"
    atomic.write_text_atomic(path, "a,b\n1,2\n")
    assert path.read_text(encoding="utf-8") == "a,b\n1,2\n"

    def broken(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        atomic.write_text_atomic(path, "a,b\n3,4\n")
    assert path.read_text(encoding="utf-8") == "a,b\n1,2\n"
    assert [p.name for p in tmp_path.iterdir()] == ["permitting.csv"]
