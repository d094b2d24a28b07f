"""``compare`` in two processes writes what one process writes; errors in the helper process read
as they do in one process; the region-data cache is rebuilt when anything it depends on changes."""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import re
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pandas as pd
import pytest

import optimizer
import regions
from outputs import geometry
from outputs.cli import fork, main
from regions import cache
from regions.audit import _kinds_by_region
from tests.helpers import copy_data, edit_csv

ROOT = Path(__file__).resolve().parent.parent
FOLIUM_ID = re.compile(r"[0-9a-f]{32}")
needs_fork = pytest.mark.skipif(not fork.can_fork(), reason="no fork on this system")


def _ids_in_order(text: str) -> str:
    """Folium's random element ids replaced by their order of first appearance."""
    seen: dict[str, str] = {}
    return FOLIUM_ID.sub(lambda m: seen.setdefault(m.group(0), f"id{len(seen)}"), text)


def _normal_html(path: Path) -> str:
    text = _ids_in_order(path.read_text(encoding="utf-8"))
    text = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", "STAMP", text)  # report time stamp
    return re.sub(r"\d+\.\d\d / \d+\.\d\d / \d+\.\d\d", "TIMINGS", text)  # build/solve/duals


def _sheets(path: Path) -> dict:
    """Every sheet's cell values and number formats, column widths, filter and frozen pane."""
    from openpyxl import load_workbook

    book = load_workbook(path)
    out = {}
    for sheet in book.worksheets:
        cells = [[(c.value, c.number_format) for c in row] for row in sheet.iter_rows()]
        widths = {k: d.width for k, d in sheet.column_dimensions.items()}
        out[sheet.title] = (cells, widths, sheet.auto_filter.ref, sheet.freeze_panes)
    return out


def _manifest(path: Path) -> dict:
    """A manifest without what differs between two runs of the same inputs: creation time,
    solver timings, and the digests of the files that hold random ids or zip time stamps."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc.pop("created_utc")
    for key in ("build_seconds", "solve_seconds", "dual_seconds"):
        doc.get("solver", {}).pop(key, None)
    for entry in doc["files"]:
        if entry["path"].endswith((".html", ".xlsx", "manifest.json")):
            entry.pop("sha256"), entry.pop("bytes")
    return doc


def _content(folder: Path) -> dict[str, object]:
    """Every file of a compare folder, as content comparable between two runs."""
    out: dict[str, object] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        if path.suffix == ".html":
            out[name] = _normal_html(path)
        elif path.suffix == ".xlsx":
            out[name] = _sheets(path)
        elif path.name == "manifest.json":
            out[name] = _manifest(path)
        else:
            out[name] = path.read_bytes()
    return out


@needs_fork
def test_two_process_compare_writes_what_one_process_writes(tmp_path, monkeypatch, capsys):
    helpers = []
    real_call = fork.Pending.__init__

    def counting(self, func, args, kwargs, fork):  # noqa: ANN001 - test spy
        real_call(self, func, args, kwargs, fork)
        helpers.append(self.forked)

    monkeypatch.setattr(fork.Pending, "__init__", counting)
    argv = ["compare", "great-lakes", "south", "-q", "--out"]
    assert main([*argv, str(tmp_path / "two")]) == 0
    two_out = capsys.readouterr().out
    assert helpers == [True, True]  # the solves and the exports each had a helper

    monkeypatch.setenv(fork.SERIAL_ENV, "1")
    assert main([*argv, str(tmp_path / "one")]) == 0
    one_out = capsys.readouterr().out
    assert helpers[2:] == [False, False]

    assert two_out.replace(str(tmp_path / "two"), str(tmp_path / "one")) == one_out
    two, one = _content(tmp_path / "two"), _content(tmp_path / "one")
    assert sorted(two) == sorted(one)
    assert len(two) >= 26  # 12 files per run folder, report.html and manifest.json
    for name in one:
        assert two[name] == one[name], name
    report = (tmp_path / "two" / "report.html").read_text(encoding="utf-8")
    assert "great-lakes vs south" in report and "Annual system cost by term" in report
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


# --- errors raised in the helper -----------------------------------------------------------------


@needs_fork
def test_bad_input_in_the_helper_is_the_same_one_line_error(tmp_path, monkeypatch, capsys):
    real_solve = optimizer.solve

    def south_is_bad(scenario, *args, **kwargs):
        if scenario.name == "south":  # second scenario: solved in the helper
            raise regions.DataValidationError("south.toml", "no such region", field="zones")
        return real_solve(scenario, *args, **kwargs)

    monkeypatch.setattr(optimizer, "solve", south_is_bad)
    for serial in ("0", "1"):
        monkeypatch.setenv(fork.SERIAL_ENV, serial)
        code = main(["compare", "great-lakes", "south", "-q", "--out", str(tmp_path / "c")])
        err = capsys.readouterr().err
        assert code == 2
        assert err == "clustersite: error: south.toml, field zones: no such region\n"
        assert list(tmp_path.iterdir()) == []


@needs_fork
def test_failed_export_in_the_helper_leaves_nothing(tmp_path, monkeypatch, capsys):
    from outputs.exports import run as run_module

    real_map = run_module.write_run_map

    def disk_full(result, data, folder, **options):
        if result.scenario.name == "south":  # drawn in the helper, after great-lakes' map
            (folder / "map.html").write_text("<html><body>half a ma")
            raise OSError(28, "No space left on device", str(folder / "map.html"))
        return real_map(result, data, folder, **options)

    monkeypatch.setattr(run_module, "write_run_map", disk_full)
    code = main(["compare", "great-lakes", "south", "-q", "--out", str(tmp_path / "c")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("clustersite: error: ") and err.count("\n") == 1
    assert "map.html: No space left on device" in err
    assert list(tmp_path.iterdir()) == []  # the staged folder went with the error


@needs_fork
def test_helper_errors_keep_type_message_and_traceback():
    pending = fork.fork_call(int, "twelve")
    with pytest.raises(ValueError, match="invalid literal for int") as caught:
        pending.result()
    assert isinstance(caught.value.__cause__, fork.RemoteTraceback)
    assert "Traceback" in str(caught.value.__cause__)
    error = regions.DataValidationError("regions.csv", "not a number", line=4, field="fips")
    assert str(pickle.loads(pickle.dumps(error))) == "regions.csv, line 4, field fips: not a number"


@needs_fork
def test_a_helper_that_dies_is_reported_not_awaited():
    pending = fork.fork_call(os._exit, 7)
    with pytest.raises(fork.HelperFailed, match="exit code 7"):
        pending.result()


def test_without_fork_the_call_runs_here(monkeypatch):
    monkeypatch.setenv(fork.SERIAL_ENV, "1")
    pending = fork.fork_call(os.getpid)
    assert not pending.forked and pending.result() == os.getpid()


# --- maps: templates compiled on first use ----------------------------------------------------

_MAP_SCRIPT = """
import hashlib, re, sys
if sys.argv[1] == "eager":
    import folium, folium.plugins  # every template compiled at import, as folium does
import optimizer, regions
from outputs.maps import render_html, scenario_map
from outputs.maps.lazy_templates import LazyTemplate
import folium.map
assert isinstance(folium.map.Marker._template, LazyTemplate) == (sys.argv[1] == "lazy")
data = regions.load()
page = render_html(scenario_map(optimizer.solve("great-lakes", data), data))
seen = {}
page = re.sub(r"[0-9a-f]{32}", lambda m: seen.setdefault(m.group(0), f"id{len(seen)}"), page)
print(len(page), hashlib.sha256(page.encode()).hexdigest())
"""


def test_lazily_compiled_templates_draw_the_same_map():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    pages = []
    for mode in ("eager", "lazy"):
        done = subprocess.run(
            [sys.executable, "-c", _MAP_SCRIPT, mode],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        pages.append(done.stdout.split())
    assert pages[0] == pages[1]
    assert int(pages[0][0]) > 100_000  # a whole page, vendored scripts inlined


_FIRST_IMPORT = """
import importlib, sys
importlib.import_module(sys.argv[1])
assert "folium" in sys.modules, "the module no longer draws maps: pick another"
import folium.map
from outputs.maps.lazy_templates import LazyTemplate
print(type(folium.map.Marker._template).__name__, isinstance(folium.map.Marker._template, LazyTemplate))
"""


@pytest.mark.parametrize(
    "module",
    ["outputs.reports.compare", "outputs.reports.analysis", "outputs.phased.map", "outputs.maps"],
)
def test_folium_templates_stay_lazy_whichever_module_imports_folium_first(module):
    # a module that imports folium before ``outputs.maps`` would compile all its templates
    done = subprocess.run(
        [sys.executable, "-c", _FIRST_IMPORT, module],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["LazyTemplate", "True"]


# --- the region-data cache ----------------------------------------------------------------------


@pytest.fixture
def cache_home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv(cache.NO_CACHE_ENV, raising=False)
    return tmp_path / "cache" / "clustersite"


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("regions-*.pickle")) if folder.is_dir() else []


def _assert_same_data(a: regions.RegionData, b: regions.RegionData) -> None:
    for field in fields(regions.RegionData):
        left, right = getattr(a, field.name), getattr(b, field.name)
        if isinstance(left, pd.DataFrame):
            pd.testing.assert_frame_equal(left, right)
        elif field.name == "geometry":
            assert sorted(left) == sorted(right)
            assert all(left[k].equals(right[k]) for k in left)
        else:
            assert left == right, field.name


def test_cache_is_read_the_second_time_and_equals_a_fresh_load(cache_home, monkeypatch, data):
    first = cache.load_cached()
    assert len(_entries(cache_home)) == 1
    _assert_same_data(first, data)

    def no_parsing(*args, **kwargs):
        raise AssertionError("the data files were parsed again")

    monkeypatch.setattr(cache, "load", no_parsing)
    _assert_same_data(cache.load_cached(), data)


def test_a_changed_data_file_is_parsed_again(cache_home, tmp_path):
    folder = copy_data(tmp_path / "data")
    before = cache.load_cached(folder)
    assert float(before.regions.loc["TX", "power_price_usd_per_mwh"]) != 99.5
    edit_csv(folder / "regions.csv", "TX", "power_price_usd_per_mwh", "99.5")
    after = cache.load_cached(folder)
    assert float(after.regions.loc["TX", "power_price_usd_per_mwh"]) == 99.5
    assert len(_entries(cache_home)) == 2


def test_code_and_versions_are_in_the_key(cache_home, monkeypatch):
    key = cache.cache_key()
    monkeypatch.setattr(cache, "FORMAT", cache.FORMAT + 1)
    assert cache.cache_key() != key
    monkeypatch.setattr(cache, "FORMAT", cache.FORMAT - 1)
    monkeypatch.setattr(cache, "_versions", lambda: "pandas=0.0")
    assert cache.cache_key() != key


def test_an_unreadable_entry_is_rebuilt(cache_home, data):
    cache.load_cached()
    (entry,) = _entries(cache_home)
    entry.write_bytes(entry.read_bytes()[:1000])  # truncated
    _assert_same_data(cache.load_cached(), data)
    assert pickle.loads(entry.read_bytes()).region_ids == data.region_ids  # written again
    entry.write_bytes(pickle.dumps({"not": "region data"}))
    _assert_same_data(cache.load_cached(), data)


def test_cache_off_and_unwritable_cache(cache_home, monkeypatch, data, tmp_path):
    monkeypatch.setenv(cache.NO_CACHE_ENV, "1")
    _assert_same_data(cache.load_cached(), data)
    assert _entries(cache_home) == []
    monkeypatch.delenv(cache.NO_CACHE_ENV)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # a file where the folder would go
    _assert_same_data(cache.load_cached(), data)


def test_bad_data_is_reported_and_not_cached(cache_home, tmp_path):
    folder = copy_data(tmp_path / "data")
    edit_csv(folder / "regions.csv", "TX", "power_price_usd_per_mwh", "cheap")
    with pytest.raises(regions.DataValidationError, match="power_price_usd_per_mwh"):
        cache.load_cached(folder)
    assert _entries(cache_home) == []


# --- the display outlines, cached next to the region data -------------------------------------


def _outline_entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("outlines-*.pickle")) if folder.is_dir() else []


def _assert_same_outlines(a: dict, b: dict) -> None:
    assert a["states"] == b["states"]  # GeoJSON: plain lists and floats
    assert sorted(a["zones"]) == sorted(b["zones"])
    assert all(a["zones"][z].equals_exact(b["zones"][z], 0) for z in a["zones"])


def test_outlines_are_cached_on_disk_and_equal_fresh_ones(cache_home, monkeypatch):
    fresh = geometry._outlines(regions.load())
    first = geometry.outlines(cache.load_cached())
    (entry,) = _outline_entries(cache_home)
    _assert_same_outlines(first, fresh)

    def no_simplifying(data):
        raise AssertionError("the outlines were simplified again")

    monkeypatch.setattr(geometry, "_outlines", no_simplifying)
    again = cache.load_cached()  # a new object: read from disk
    _assert_same_outlines(geometry.outlines(again), fresh)
    assert geometry.state_shapes(again) == fresh["states"]
    assert geometry.zone_shape(again, "south").equals_exact(fresh["zones"]["south"], 0)
    assert _outline_entries(cache_home) == [entry]


def test_a_corrupt_outlines_entry_is_ignored_and_rewritten(cache_home):
    fresh = geometry._outlines(regions.load())
    geometry.outlines(cache.load_cached())
    (entry,) = _outline_entries(cache_home)
    for junk in (entry.read_bytes()[:500], pickle.dumps({"states": "not outlines"})):
        entry.write_bytes(junk)
        _assert_same_outlines(geometry.outlines(cache.load_cached()), fresh)
        _assert_same_outlines(pickle.loads(entry.read_bytes()), fresh)  # written again


def test_outlines_entry_follows_the_data_and_the_code(cache_home, monkeypatch, tmp_path):
    geometry.outlines(regions.load())  # not from the cache: nothing on disk
    assert _outline_entries(cache_home) == []
    geometry.outlines(cache.load_cached())
    monkeypatch.setattr(geometry, "_SOURCE", geometry._SOURCE + b"# changed")
    geometry.outlines(cache.load_cached())  # new code of the module: a new entry
    assert len(_outline_entries(cache_home)) == 2
    folder = copy_data(tmp_path / "data")
    edit_csv(folder / "regions.csv", "TX", "power_price_usd_per_mwh", "99.5")
    geometry.outlines(cache.load_cached(folder))  # other data: a new entry
    assert len(_outline_entries(cache_home)) == 3
    copy = dataclasses.replace(cache.load_cached(), zones={})
    assert cache.data_key(copy) is None and geometry.outlines(copy)["zones"] == {}


def test_unwritable_outlines_cache_is_skipped(cache_home, monkeypatch, tmp_path):
    fresh = geometry._outlines(regions.load())
    data = cache.load_cached()
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # a file where the folder would go
    _assert_same_outlines(geometry.outlines(data), fresh)


# --- shadow prices from the MIP's HiGHS object -------------------------------------------------


@pytest.mark.parametrize("name", ["great-lakes", "south"])
def test_duals_solved_in_place_equal_duals_of_a_new_lp(name, data, monkeypatch):
    from optimizer.model import duals

    used = []
    in_place = duals._solve_lp_in_place
    monkeypatch.setattr(
        duals, "_solve_lp_in_place", lambda *a: used.append(in_place(*a)) or used[-1]
    )
    fast = optimizer.solve(name, data)
    assert used == [True]  # the LP was solved in the MIP's HiGHS object
    monkeypatch.setattr(duals, "take_mip_highs", lambda problem: None)  # PuLP builds a new LP
    fresh = optimizer.solve(name, data)
    assert used == [True]
    assert len(fast.shadow_prices) > 20
    pd.testing.assert_frame_equal(fast.shadow_prices, fresh.shadow_prices, check_exact=True)
    pd.testing.assert_frame_equal(fast.sites, fresh.sites, check_exact=True)


# --- the audit's kinds ---------------------------------------------------------------------------


def test_audit_reads_each_cell_kind_as_kind_of_does(data):
    sources = data.sources
    extra = pd.DataFrame(
        [
            {**sources.iloc[0].to_dict(), "table": "regions.csv", "column": "mfg_wage_usd_per_yr"}
            | {"region_id": "TX", "kind": "assumption"},
            {**sources.iloc[0].to_dict(), "table": "regions.csv", "column": "mfg_wage_usd_per_yr"}
            | {"region_id": "TX", "kind": "derived"},  # a second row: the first one counts
        ]
    )
    hostile = regions.RegionData(
        **{f.name: getattr(data, f.name) for f in fields(regions.RegionData)}
        | {"sources": pd.concat([extra, sources], ignore_index=True)}
    )
    for column in ("power_price_usd_per_mwh", "mfg_wage_usd_per_yr", "permitting_months", "x"):
        by_region, whole = _kinds_by_region(hostile, "regions.csv", column)
        for region_id in hostile.region_ids:
            expected = hostile.kind_of("regions.csv", column, region_id)
            assert by_region.get(region_id, whole) == expected, (column, region_id)
    assert _kinds_by_region(hostile, "regions.csv", "mfg_wage_usd_per_yr")[0]["TX"] == "assumption"


def test_a_report_draft_gives_the_same_page_and_is_not_used_for_other_inputs(data, results):
    """The report drawn with the left map and data tables prepared earlier (``ReportDraft``,
    filled while the other scenario is still solving) is the page drawn in one go; a draft made
    for another left scenario or other tiles is not used for the map."""
    from outputs.reports.compare import ReportDraft, comparison_report

    gl, south = results["great-lakes"], results["south"]
    tech = optimizer.load_technology()
    plain = comparison_report([gl, south], data, tech=tech)
    draft = ReportDraft(data, tech, gl.scenario.facilities_as_of)
    draft.data_context()
    draft.start_map(gl)
    drafted = comparison_report([gl, south], data, tech=tech, draft=draft)
    stamp = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC")

    def normal(page: str) -> str:
        return stamp.sub("STAMP", _ids_in_order(page))

    assert normal(drafted) == normal(plain)
    # a left half drawn for south is not used for a report whose left scenario is great-lakes
    wrong = ReportDraft(data, tech, gl.scenario.facilities_as_of)
    wrong.start_map(south)
    assert normal(comparison_report([gl, south], data, tech=tech, draft=wrong)) == normal(plain)
    # nor a left half drawn without tiles for a page with tiles
    tiled = comparison_report([gl, south], data, tech=tech, tiles=True)
    assert "tile.openstreetmap.org" in tiled and "tile.openstreetmap.org" not in plain
    assert normal(comparison_report([gl, south], data, tech=tech, tiles=True, draft=draft)) == (
        normal(tiled)
    )


def test_run_and_compare_do_not_load_the_analyses_until_asked():
    """``import optimizer`` (and the command line) leaves the analyses, the process pool and the
    large facility-location solver unloaded; the names still work, loaded on first use."""
    code = (
        "import sys, optimizer, outputs.cli\n"
        "lazy = ['optimizer.analyses.regret', 'optimizer.runs.parallel',"
        " 'optimizer.facility_location.large']\n"
        "print([m for m in lazy if m in sys.modules])\n"
        "print(optimizer.regret.__module__, optimizer.facility_location.solve_cflp.__module__)\n"
        "print('regret' in dir(optimizer))\n"
        "try:\n    optimizer.no_such_name\nexcept AttributeError as e:\n    print(e)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "[]",
        "optimizer.analyses.regret optimizer.facility_location.large",
        "True",
        "module 'optimizer' has no attribute 'no_such_name'",
    ]
