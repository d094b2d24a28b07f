"""export_run: every file's content equals the Result it was written from."""

from __future__ import annotations

import hashlib
import json
import re
import sys
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import optimizer
import regions
from optimizer import Result, SolverReport, SolveStatus
from optimizer.model.technology import DATA_DIR as TECH_DATA_DIR
from outputs.exports.run import TABLE_COLUMNS, TABLES, export_run
from outputs.exports.tables import export_tables

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_csv(path: Path) -> pd.DataFrame:
    """Read an exported CSV: only empty cells are missing (ids such as 'NA' stay text)."""
    return pd.read_csv(path, keep_default_na=False, na_values=[""])


def as_written(table: pd.DataFrame) -> pd.DataFrame:
    """A result table as CSV represents it: empty text is a missing cell."""
    return table.replace({"": np.nan}) if len(table) else table


@pytest.fixture(scope="module")
def data():
    return regions.load()


@pytest.fixture(scope="module")
def result(data):
    return optimizer.solve("great-lakes", data)


@pytest.fixture(scope="module")
def folder(result, data, tmp_path_factory):
    return export_run(result, data, tmp_path_factory.mktemp("runs") / "great-lakes", map=False)


def test_folder_listing(folder):
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(
        [f"{t}.csv" for t in TABLES]
        + ["results.xlsx", "scenario.toml", "manifest.json"]
        + ["sites.geojson", "states.geojson", "flows.geojson"]
        + ["deliveries.geojson", "local_deliveries.geojson"]
    )
    assert not any(p.name.startswith(".") for p in folder.parent.iterdir())


@pytest.mark.parametrize("table", TABLES)
def test_csv_round_trip_is_exact(folder, result, data, table):
    expected = as_written(export_tables(result, data)[table])
    back = read_csv(folder / f"{table}.csv")
    assert list(back.columns) == TABLE_COLUMNS[table]
    pd.testing.assert_frame_equal(back, expected, check_dtype=False, check_exact=True)
    raw = as_written(getattr(result, table))  # rounding moves no value by more than a cent
    for column in raw.columns:
        if column == "jobs":  # people: whole numbers
            assert back[column].dtype.kind == "i"
            np.testing.assert_allclose(back[column], raw[column], atol=0.5)
        elif column == "value" and table == "kpis":
            whole = raw["unit"].isin(["jobs", "count"]).to_numpy()
            error = np.abs(back[column].to_numpy(float) - raw[column].to_numpy(float))
            allowed = 1e-6 * np.abs(raw[column].to_numpy(float)) + np.where(whole, 0.5, 0.005)
            assert (error <= allowed).all()
        elif pd.api.types.is_float_dtype(raw[column]):
            np.testing.assert_allclose(back[column], raw[column], rtol=1e-6, atol=0.005)
        else:
            same = back[column].fillna("").tolist() == raw[column].fillna("").tolist()
            assert same, column  # missing cells (NaN) compare equal


def test_exported_numbers_are_rounded_with_units(folder, result, data):
    text = "".join((folder / f"{t}.csv").read_text() for t in TABLES)
    assert not re.search(r"\d\.\d*(?:0000000|9999999)\d", text)  # no float noise
    assert not re.search(r"(?:^|,)-0(?:\.0+)?(?:,|$)", text, re.M)  # no negative zero
    sites = read_csv(folder / "sites.csv")
    units = dict(zip(sites["cluster_type"], sites["capacity_unit"], strict=False))
    assert units == {"battery": "GWh/yr", "magnet": "t/yr", "solar": "GW/yr"}
    flows = read_csv(folder / "flows.csv")
    dest = data.regions.loc[flows["region_id"], ["rep_lon", "rep_lat"]].to_numpy()
    np.testing.assert_allclose(flows[["dest_lon", "dest_lat"]].to_numpy(), dest, atol=1e-5)


def test_workbook_is_formatted_with_a_units_sheet(folder):
    import openpyxl

    book = openpyxl.load_workbook(folder / "results.xlsx")
    sites = book["sites"]
    assert sites.freeze_panes == "A2"
    assert sites.auto_filter.ref.startswith("A1:")
    header = [c.value for c in sites[1]]
    cost = header.index("Total cost [USD/yr]") + 1  # headers for people, with the unit
    assert sites.cell(row=2, column=cost).number_format == "#,##0"
    assert header[:2] == ["State", "Cluster type"] and "New jobs [jobs]" in header
    assert not [h for h in header if "_" in h]  # no snake_case
    assert sites.column_dimensions["A"].width >= len("State")
    units = pd.read_excel(folder / "results.xlsx", sheet_name="units", keep_default_na=False)
    got = {(r.table, r.column): r.unit for r in units.itertuples()}
    shown = {(r.table, r.column): r.header for r in units.itertuples()}
    assert shown[("sites", "total_cost_usd_per_yr")] == "Total cost [USD/yr]"
    assert got[("sites", "new_capacity")].startswith("capacity_unit")
    assert got[("flows", "tonnes_per_yr")] == "t/yr"
    assert got[("sites", "total_cost_usd_per_yr")] == "USD/yr"
    for table in TABLES:  # every numeric column has a unit
        frame = read_csv(folder / f"{table}.csv")
        for column in frame.select_dtypes("number").columns:
            if frame[column].isna().all():
                continue  # an all-blank text column (e.g. unmet region_id) reads back as float
            assert got[(table, column)], (table, column)


def test_states_and_flows_geojson(folder, result, data):
    states = json.loads((folder / "states.geojson").read_text())
    by_id = {f["properties"]["region_id"]: f for f in states["features"]}
    assert len(by_id) == len(data.regions)
    built = result.sites[
        (result.sites["cluster_type"] == "battery") & (result.sites["new_capacity"] > 0)
    ]
    for _, site in built.iterrows():
        props = by_id[site["region_id"]]["properties"]
        assert props["new_battery_gwh_per_yr"] == pytest.approx(site["new_capacity"], abs=1e-3)
        assert by_id[site["region_id"]]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert by_id["WY"]["properties"]["name"] == "Wyoming"
    from shapely.geometry import shape

    assert all(shape(f["geometry"]).is_valid for f in states["features"])  # repaired shapes
    assert all(isinstance(f["properties"]["jobs"], int) for f in states["features"])
    flows = json.loads((folder / "flows.geojson").read_text())
    moving = result.flows[result.flows["tonnes_per_yr"] > 0]
    kinds = [f["properties"]["flow"] for f in flows["features"]]
    assert kinds == ["mineral"] * len(kinds)  # minerals only: products have their own files
    assert len(kinds) + flows["left_out_within_place"] == len(moving) > 0
    delivered = result.products[result.products["units_per_yr"] > 0]
    lines = json.loads((folder / "deliveries.geojson").read_text())["features"]
    points = json.loads((folder / "local_deliveries.geojson").read_text())["features"]
    assert len(lines) + len(points) == len(delivered) > 0 and len(points) > 0
    assert {f["geometry"]["type"] for f in lines} == {"LineString"}
    assert {f["geometry"]["type"] for f in points} == {"Point"}
    for feature in lines:  # no line of zero length
        (a, b) = feature["geometry"]["coordinates"]
        assert a != b
    for feature in points:  # a point where the plant (or port) and the market are one place
        props = feature["properties"]
        assert [props["origin_lon"], props["origin_lat"]] == [props["node_lon"], props["node_lat"]]
        assert feature["geometry"]["coordinates"] == [props["node_lon"], props["node_lat"]]
    product = lines[0]
    assert product["geometry"]["coordinates"][-1] == pytest.approx(
        [product["properties"]["node_lon"], product["properties"]["node_lat"]]
    )
    first = flows["features"][0]
    assert first["geometry"]["type"] == "LineString"
    (lon0, lat0), (lon1, lat1) = first["geometry"]["coordinates"]
    props = first["properties"]
    assert (lon0, lat0) == (props["source_lon"], props["source_lat"])
    rep = data.regions.loc[props["region_id"], ["rep_lon", "rep_lat"]].tolist()
    assert [lon1, lat1] == pytest.approx(rep, abs=1e-5)  # 5 decimals


def test_csv_round_trip_with_unmet_rows(data, tmp_path):
    # no new battery cluster and no expansion can be permitted by the end of 2027: a shortfall
    scenario = optimizer.load_scenario("baseline").replace(name="capped", horizon_year=2027)
    capped = optimizer.solve(scenario, data, with_duals=False)
    assert len(capped.unmet) == 3 and (capped.unmet["region_id"] == "").all()
    out = export_run(capped, data, tmp_path / "capped", map=False)
    back = read_csv(out / "unmet.csv")
    pd.testing.assert_frame_equal(
        back, as_written(export_tables(capped, data)["unmet"]), check_dtype=False
    )
    assert back["amount"].iloc[0] == capped.unmet["amount"].iloc[0]
    assert back["item"].iloc[0] == "target battery"


@pytest.mark.parametrize("table", TABLES)
def test_workbook_sheet_equals_csv(folder, table):
    sheet = pd.read_excel(
        folder / "results.xlsx", sheet_name=table, keep_default_na=False, na_values=[""]
    )
    csv = read_csv(folder / f"{table}.csv")
    units = pd.read_excel(folder / "results.xlsx", sheet_name="units", keep_default_na=False)
    mapping = units[units["table"] == table]
    assert list(sheet.columns) == list(mapping["header"])  # the units sheet maps each header
    sheet.columns = list(mapping["column"])
    assert list(sheet.columns) == list(csv.columns)
    # the xlsx writer stores 16 significant digits; the CSVs hold the exact values
    pd.testing.assert_frame_equal(sheet, csv, check_dtype=False, rtol=1e-15, atol=0)


def test_workbook_has_a_summary_then_one_sheet_per_table(folder, result):
    assert pd.ExcelFile(folder / "results.xlsx").sheet_names == ["summary", *TABLES, "units"]
    summary = pd.read_excel(folder / "results.xlsx", sheet_name="summary", keep_default_na=False)
    rows = dict(
        zip(summary["Figure"], zip(summary["Value"], summary["Unit"], strict=True), strict=True)
    )
    assert (
        rows["Scenario"][0] == "great-lakes" and rows["Cost view minimised"][0] == "investor cost"
    )
    assert rows["System cost"] == (pytest.approx(result.kpi("system_cost"), abs=0.01), "USD/yr")
    lcoe = result.kpi("levelized_cost", "battery") / 1e6  # USD/GWh → USD/kWh
    assert rows["Levelized cost, battery cells"] == (pytest.approx(lcoe, abs=0.005), "USD/kWh")
    assert rows["Jobs"] == (round(result.kpi("jobs")), "jobs")
    assert rows["Domestic share of mineral supply"][1] == "%"
    # great-lakes misses its battery target by the 0.1 GWh/yr its zone cannot host: one red row
    assert "Rules" not in rows and len(result.unmet) == 1
    amount = result.unmet["amount"].iloc[0]
    assert rows["Rule missed"][0].startswith(
        f"great-lakes misses its battery-cell target by {amount:,.1f} GWh/yr"
    )
    import openpyxl  # the missed rule's row is drawn in bold red, the others are not

    sheet = openpyxl.load_workbook(folder / "results.xlsx")["summary"]
    fonts = {row[0].value: row[0].font for row in sheet.iter_rows(min_row=2)}
    assert fonts["Rule missed"].b and fonts["Rule missed"].color.rgb.endswith("B3261E")
    assert not fonts["Scenario"].b


def test_geojson_points_are_new_sites(folder, result, data):
    doc = json.loads((folder / "sites.geojson").read_text())
    assert doc["type"] == "FeatureCollection"
    built = result.sites[result.sites["new_capacity"] > 0]
    assert len(doc["features"]) == len(built) > 0
    for feature, row in zip(doc["features"], built.to_dict("records"), strict=True):
        assert feature["type"] == "Feature"
        assert feature["geometry"]["type"] == "Point"
        rep = data.regions.loc[row["region_id"], ["rep_lon", "rep_lat"]].tolist()
        assert feature["geometry"]["coordinates"] == rep
        props = feature["properties"]
        assert set(props) == set(result.sites.columns) | {"capacity_unit"}
        assert props["region_id"] == row["region_id"]
        assert props["cluster_type"] == row["cluster_type"]
        assert props["new_capacity"] == round(row["new_capacity"], 6)  # a number, rounded
        assert isinstance(props["total_cost_usd_per_yr"], float)
        assert props["open"] is True and isinstance(props["in_designated_zone"], bool)


def test_scenario_toml_is_the_resolved_scenario(folder, result):
    doc = tomllib.loads((folder / "scenario.toml").read_text())
    assert doc == result.scenario.to_toml_dict()
    assert "extends" not in doc  # great-lakes extends baseline; the export is self-contained
    assert doc["zones"]["battery"] == {"zone": "great-lakes", "mode": "restrict"}
    reloaded = optimizer.load_scenario(folder / "scenario.toml")
    assert reloaded == result.scenario  # every field (dataclass equality)


def test_manifest(folder, result, data):
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["clustersite_version"] == metadata.version("clustersite")
    assert manifest["python"] == ".".join(map(str, sys.version_info[:3]))
    assert manifest["created_utc"].endswith("Z")
    report = result.report
    solver = manifest["solver"]
    assert solver["name"] == report.solver and solver["status"] == "optimal"
    assert solver["objective_usd_per_yr"] == report.objective
    assert solver["mip_gap"] == report.mip_gap
    assert solver["solve_seconds"] == report.solve_seconds
    assert solver["n_variables"] == report.n_variables and solver["n_binaries"] == report.n_binaries
    # outputs: every file but the manifest, with its hash
    listed = {f["path"]: f["sha256"] for f in manifest["files"]}
    on_disk = {p.name for p in folder.iterdir()} - {"manifest.json"}
    assert set(listed) == on_disk
    for name, digest in listed.items():
        assert digest == sha256(folder / name), name
    # inputs
    assert set(manifest["data"]["files"]) == set(data.files) == set(regions.DATA_FILES)
    for name, entry in manifest["data"]["files"].items():
        assert entry["sha256"] == sha256(data.files[name]), name
    for name in ("technologies.csv", "parameters.csv"):
        assert manifest["technology"]["files"][name]["sha256"] == sha256(TECH_DATA_DIR / name)
    assert manifest["scenario"]["sha256"] == sha256(folder / "scenario.toml")
    vintages = manifest["data"]["vintages"]
    assert vintages["boundaries"]["vintage"] == data.metadata["vintage"]
    whole = data.sources[
        (data.sources["table"] == "regions.csv") & (data.sources["region_id"] == "")
    ]
    for row in whole.itertuples():
        assert vintages["regions.csv"][row.column] == row.vintage


def test_refuses_existing_folder_and_overwrites_on_request(folder, result, data):
    before = {p.name: sha256(p) for p in folder.iterdir()}
    with pytest.raises(FileExistsError, match="already exists"):
        export_run(result, data, folder, map=False)
    assert {p.name: sha256(p) for p in folder.iterdir()} == before
    (folder / "stray.txt").write_text("from an older run")
    export_run(result, data, folder, map=False, overwrite=True)
    after = {p.name: sha256(p) for p in folder.iterdir()}
    assert "stray.txt" not in after
    assert after["sites.csv"] == before["sites.csv"]  # same result, same table bytes
    assert not any(p.name.startswith(".") for p in folder.parent.iterdir())


def test_failed_export_leaves_nothing(result, data, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("outputs.exports.run.write_workbook", broken)
    with pytest.raises(OSError, match="disk full"):
        export_run(result, data, tmp_path / "run", map=False)
    assert list(tmp_path.iterdir()) == []


def test_run_without_solution(data, tmp_path):
    scenario = optimizer.load_scenario("south")
    report = SolverReport(
        SolveStatus.INFEASIBLE, "highs", None, None, 0.1, 0.2, message="proven infeasible"
    )
    empty = pd.DataFrame()
    failed = Result(
        scenario,
        pd.DataFrame(columns=TABLE_COLUMNS["sites"]),
        empty,
        pd.DataFrame(columns=["kpi", "scope", "value", "unit"]),
        empty,
        empty,
        report,
        optimizer.inputs_for(scenario, data),
    )
    out = export_run(failed, data, tmp_path / "south", map=True)  # no map without a solution
    assert "map.html" not in {p.name for p in out.iterdir()}
    status = (out / "status.txt").read_text()
    assert "'south'" in status and "infeasible" in status and "proven infeasible" in status
    for table in TABLES:
        back = pd.read_csv(out / f"{table}.csv")
        assert back.empty and list(back.columns) == TABLE_COLUMNS[table]
        units = pd.read_excel(out / "results.xlsx", sheet_name="units")
        header = units.loc[units["table"] == table, "header"].tolist()
        assert list(pd.read_excel(out / "results.xlsx", sheet_name=table).columns) == header
        assert units.loc[units["table"] == table, "column"].tolist() == TABLE_COLUMNS[table]
    assert json.loads((out / "sites.geojson").read_text())["features"] == []
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["solver"]["status"] == "infeasible"
    assert manifest["solver"]["objective_usd_per_yr"] is None
    assert "status.txt" in {f["path"] for f in manifest["files"]}
    assert optimizer.load_scenario(out / "scenario.toml") == scenario


def test_map_is_written_and_listed(result, data, tmp_path):
    pytest.importorskip("outputs.maps")
    out = export_run(result, data, tmp_path / "with-map", map=True)
    html = (out / "map.html").read_text(encoding="utf-8")
    assert "leaflet" in html.lower()
    for region_id in result.new_capacity("battery").index:  # placed sites appear on the map
        assert region_id in html
    manifest = json.loads((out / "manifest.json").read_text())
    listed = {f["path"]: f["sha256"] for f in manifest["files"]}
    assert listed["map.html"] == sha256(out / "map.html")
