"""Maps of county-resolution runs: county outlines, shading by state, customers, names, size,
and the county-outline file (regions/data/counties.geojson) and its build tool."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import optimizer
from optimizer.model.county import county_view
from optimizer.model.scenario import with_resolution
from outputs.formatting import fmt_num
from outputs.maps import county as county_maps
from outputs.maps import scenario as maps
from outputs.maps.shading import region_name
from regions import boundaries
from regions.errors import DataValidationError

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "regions" / "tools" / "build_counties_geojson.py"
COUNTIES_GEOJSON = ROOT / "regions" / "data" / "counties.geojson"
SHAPES = re.compile(r"var (shapes_\w+) = (\{.*?\});\n", re.S)
MAX_PAGE_BYTES = 5_000_000


@pytest.fixture(scope="module")
def county_run(data):
    """great-lakes at county resolution on a small kernel (1 county per state and type, a few
    seconds): the result and the county view it was solved on."""
    tech = optimizer.load_technology()
    scenario = with_resolution(optimizer.load_scenario("great-lakes"), "county")
    view, county_scenario = county_view(data, scenario, tech, per_state=1)
    result = optimizer.solve(county_scenario, view, tech, with_duals=False)
    assert result.ok
    return result, view


@pytest.fixture(scope="module")
def page(county_run) -> str:
    result, view = county_run
    return maps.render_html(maps.scenario_map(result, view))


def collections(page: str) -> dict[str, dict]:
    """Every ``Shapes`` FeatureCollection of a page, by variable name."""
    return {name: json.loads(text) for name, text in SHAPES.findall(page)}


def tojson(text: str) -> str:
    """``text`` as the page's JSON holds it (HTML-safe: ``<``, ``>``, ``&``, ``'`` escaped)."""
    for char in "&<>'":
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text


def ids_of(collection: dict) -> list[str]:
    return [f["id"] for f in collection["features"]]


def test_outlines_of_chosen_counties_only(county_run, page):
    result, view = county_run
    chosen = county_maps.chosen_counties(result)
    sites = result.sites
    held = sites[(sites["new_capacity"] > 0) | (sites["existing_capacity"] > 0)]
    assert chosen == sorted(set(held["region_id"])) and len(chosen) >= 5
    found = collections(page)
    county_sets = [c for c in found.values() if all(re.fullmatch(r"\d{5}", i) for i in ids_of(c))]
    assert len(county_sets) == 1
    outlines = boundaries.load_county_outlines()
    features = county_sets[0]["features"]
    assert [f["id"] for f in features] == chosen
    for feature in features:
        assert feature["geometry"] == outlines[feature["id"]].geometry
    unchosen = set(view.regions.index) - set(chosen)
    assert unchosen, "the view has candidate counties without capacity"
    every_id = {i for c in found.values() for i in ids_of(c)}
    assert not unchosen & every_id  # no polygon of an unchosen county anywhere
    assert f'className: "{county_maps.COUNTY_CLASS}"' in page
    assert maps.esc(county_maps.COUNTIES_LAYER) in page


def test_shading_one_feature_per_state_with_summed_jobs(county_run, page):
    result, view = county_run
    found = collections(page)
    states = [c for c in found.values() if len(c["features"]) == 51]
    assert len(states) == 1
    ids = ids_of(states[0])
    assert len(set(ids)) == 51 and "OH" in ids and "DC" in ids
    # hand check: Ohio's new jobs are the sum over its counties' new sites (FIPS 39xxx)
    sites = result.sites
    ohio = sites[(sites["new_capacity"] > 0) & sites["region_id"].str.startswith("39")]
    assert len(ohio) >= 1
    expected = float(ohio["jobs"].sum())
    shading = county_maps.state_shading(view)
    assert county_maps.jobs_by_state(result, shading)["OH"] == pytest.approx(expected)
    assert tojson(f"<b>Ohio</b> (OH)<br>New jobs [jobs]: {fmt_num(expected)}") in page
    total = float(sites.loc[sites["new_capacity"] > 0, "jobs"].sum())
    assert county_maps.jobs_by_state(result, shading).sum() == pytest.approx(total)
    # the county figures are not drawn as state shadings
    assert "Power price [USD/MWh]: " not in page.split(maps.esc(county_maps.COUNTIES_LAYER))[0]


def test_customers_layer_one_marker_per_node(county_run, page):
    result, _ = county_run
    nodes = result.inputs.nodes
    assert len(nodes) > 10
    markers = re.findall(
        rf'"{county_maps.CUSTOMER_CLASS} {county_maps.CUSTOMER_CLASS}-(\w+)"', page
    )
    assert len(markers) == len(nodes)
    assert sorted(markers) == sorted(nodes["cluster_type"])
    row = nodes.iloc[0]
    weight = f"{fmt_num(float(row['weight']))} {row['weight_unit']}"
    assert f"<b>{maps.esc(row['name'])}</b> ({maps.esc(nodes.index[0])})" in page
    assert f"<th>Weight</th><td>{maps.esc(weight)}</td>" in page
    assert json.dumps(maps.esc(county_maps.CUSTOMERS_LAYER)) in page  # its own layer + legend


def test_site_popups_name_county_and_state(county_run, page):
    result, view = county_run
    outlines = boundaries.load_county_outlines()
    placed = result.sites[result.sites["new_capacity"] > 0]
    for row in placed.to_dict("records"):
        fips = row["region_id"]
        label = outlines[fips].label
        assert label.endswith(", " + outlines[fips].state_name)
        assert region_name(view, fips) == label
        assert f"<b>{maps.esc(label)}</b> ({fips}): new {row['cluster_type']} cluster" in page
    assert boundaries.load_county_outlines()["39085"].label == "Lake County, Ohio"
    assert boundaries.load_county_outlines()["22071"].label == "Orleans Parish, Louisiana"


def test_page_small_and_self_contained(page):
    assert len(page.encode("utf-8")) < MAX_PAGE_BYTES
    assert not re.search(r'<(script|link)[^>]+(src|href)="https?://', page)


def test_state_maps_do_not_read_the_county_file(results, data, monkeypatch):
    def refuse(name: str):
        raise AssertionError(f"a state map read {name}")

    monkeypatch.setattr(boundaries, "_county_outlines", refuse)
    page = maps.render_html(maps.scenario_map(results["great-lakes"], data))
    assert county_maps.CUSTOMER_CLASS not in page and county_maps.COUNTY_CLASS not in page


def test_county_file_small_and_complete():
    assert COUNTIES_GEOJSON.stat().st_size < 3_000_000
    outlines = boundaries.load_county_outlines()
    assert len(outlines) == 3142
    assert {o.state for o in outlines.values()} >= {"AK", "HI", "DC", "OH"}
    meta = json.loads(COUNTIES_GEOJSON.read_text(encoding="utf-8"))["metadata"]
    assert meta["url"].endswith("cb_2016_us_county_500k.zip") and meta["vintage"] == 2016


def test_missing_or_corrupt_county_file_names_it(tmp_path):
    missing = tmp_path / "counties.geojson"
    with pytest.raises(DataValidationError, match=re.escape(str(missing)) + ".*file not found"):
        boundaries.load_county_outlines(missing)
    corrupt = tmp_path / "corrupt.geojson"
    corrupt.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    with pytest.raises(DataValidationError, match=re.escape(str(corrupt)) + ".*not valid JSON"):
        boundaries.load_county_outlines(corrupt)
    bad = tmp_path / "bad.geojson"
    feature = {"type": "Feature", "properties": {"fips": "123", "name": "X"}, "geometry": None}
    bad.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    with pytest.raises(DataValidationError, match=re.escape(str(bad)) + ".*field fips"):
        boundaries.load_county_outlines(bad)


def _geo_python() -> list[str] | None:
    """How to run the build tool: this interpreter when it has plotly-geo, pyshp and shapely,
    else the interpreter named by CLUSTERSITE_GEO_PYTHON; None when neither is available."""
    if all(importlib.util.find_spec(m) for m in ("_plotly_geo", "shapefile", "shapely")):
        return [sys.executable]
    named = os.environ.get("CLUSTERSITE_GEO_PYTHON")
    return [named] if named else None


def test_build_tool_reproduces_the_county_file(tmp_path):
    command = _geo_python()
    if command is None:
        pytest.skip(
            "plotly-geo, pyshp and shapely are not importable here and CLUSTERSITE_GEO_PYTHON "
            "names no interpreter that has them (build-time dependencies only)"
        )
    out = tmp_path / "counties.geojson"
    subprocess.run([*command, str(TOOL), "--out", str(out), "--quiet"], check=True, cwd=ROOT)
    assert out.read_bytes() == COUNTIES_GEOJSON.read_bytes()


def test_state_shading_without_a_state_file_uses_the_views_states(county_run):
    result, view = county_run
    bare = dataclasses.replace(view, files={})
    shading = county_maps.state_shading(bare)
    states = sorted(set(view.regions["state"]))
    assert [f["id"] for f in shading.shapes["features"]] == states
    assert county_maps.jobs_by_state(result, shading).sum() == pytest.approx(
        float(result.sites.loc[result.sites["new_capacity"] > 0, "jobs"].sum())
    )


def test_a_county_runs_states_geojson_holds_each_state_once_with_its_counties_summed(
    county_run,
):
    from outputs.exports.geo import states_geojson

    result, data = county_run
    collection = states_geojson(result, data)
    ids = [f["properties"]["region_id"] for f in collection["features"]]
    assert len(ids) == len(set(ids)) == 51
    built = result.sites[result.sites["new_capacity"] > 0]
    by_state = built.groupby(built["region_id"].map(data.regions["state"]))["jobs"].sum()
    props = {f["properties"]["region_id"]: f["properties"] for f in collection["features"]}
    for state, jobs in by_state.items():
        assert props[state]["jobs"] == round(jobs)
    # whole jobs per state: their sum is the total up to half a job per state
    total = sum(p["jobs"] for p in props.values())
    assert abs(total - by_state.sum()) <= len(by_state) / 2
