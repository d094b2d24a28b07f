"""Demand nodes (demand.csv): transcribed values, the view at a date, each validation rule."""

from __future__ import annotations

import csv
from datetime import date

import pandas as pd
import pytest

import regions
from regions import DataValidationError
from tests.helpers import SHARED, copy_data, edit_csv
from tests.tiny import write_data

MARKETS = SHARED / "reference-data" / "markets"
CBP_FILE = MARKETS / "cbp_state_selected_naics_2017_2021.csv"
PV_FILE = MARKETS / "uspvdb_state_utility_scale_pv_2019_2020.csv"
HEADER = (
    "node_id,cluster_type,region_id,name,weight,weight_unit,as_of,kind,citation,url,vintage,note"
)


@pytest.fixture(scope="module")
def data():
    return regions.load()


def node(data, node_id: str, as_of: str) -> pd.Series:
    rows = data.demand[(data.demand["node_id"] == node_id)]
    return rows[rows["as_of"] == date.fromisoformat(as_of)].iloc[0]


def test_values_typed_from_the_published_tables(data):
    # CBP 2019 state totals (as quoted in the market files' notes): MI 12,125 jobs in NAICS
    # 336111 and 28,256 in 336112; WI 4,332 in 335312; USPVDB end-2020 CA 12,256 MWac.
    assert node(data, "MI-auto-assembly", "2019-03-12")["weight"] == 12125
    assert node(data, "MI-light-truck-assembly", "2019-03-12")["weight"] == 28256
    assert node(data, "WI-motor-generator-mfg", "2019-03-12")["weight"] == 4332
    pv = node(data, "CA-utility-pv", "2020-12-31")
    assert (pv["weight"], pv["weight_unit"], pv["kind"]) == (12256.1, "MWac", "derived")


@pytest.mark.skipif(not CBP_FILE.exists(), reason="shared reference data not present")
def test_cbp_rows_match_the_staged_extract(data):
    staged = pd.read_csv(CBP_FILE, dtype={"naics": str})
    staged = staged.set_index(["state", "naics", "year"])["employment"]
    for node_id, code, year in [
        ("KY-light-truck-assembly", "336112", 2020),
        ("CA-turbine-mfg", "333611", 2019),
        ("TN-auto-assembly", "336111", 2018),
    ]:
        expected = staged[(node_id[:2], code, year)]
        assert node(data, node_id, f"{year}-03-12")["weight"] == expected, node_id


@pytest.mark.skipif(not CBP_FILE.exists(), reason="shared reference data not present")
def test_withheld_cbp_cells_are_left_out(data):
    staged = pd.read_csv(CBP_FILE, dtype={"naics": str})
    cell = staged[(staged["state"] == "OH") & (staged["naics"] == "336111")]
    assert cell.set_index("year").at[2017, "employment"] == 0  # withheld in CBP 2017
    ohio = data.demand[data.demand["node_id"] == "OH-auto-assembly"]
    assert date(2017, 3, 12) not in set(ohio["as_of"])
    assert date(2018, 3, 12) in set(ohio["as_of"])


@pytest.mark.skipif(not PV_FILE.exists(), reason="shared reference data not present")
def test_pv_rows_match_the_staged_state_sums(data):
    staged = pd.read_csv(PV_FILE).set_index("state")
    for state in ("NC", "TX", "AL"):
        for year in (2019, 2020):
            weight = node(data, f"{state}-utility-pv", f"{year}-12-31")["weight"]
            assert weight == staged.at[state, f"mwac_cum_through_{year}"], (state, year)


def test_nodes_sit_at_their_region_representative_point(data):
    reps = data.regions.loc[data.demand["region_id"], ["rep_lat", "rep_lon"]].to_numpy()
    assert (data.demand[["lat", "lon"]].to_numpy() == reps).all()


def test_demand_as_of_takes_the_latest_row_on_or_before_the_date(data):
    at = data.demand_as_of("2020-12-31").set_index("node_id")
    assert at.at["MI-auto-assembly", "as_of"] == date(2020, 3, 12)
    assert at.at["CA-utility-pv", "as_of"] == date(2020, 12, 31)
    early = data.demand_as_of(date(2020, 3, 11)).set_index("node_id")
    assert early.at["MI-auto-assembly", "as_of"] == date(2019, 3, 12)
    assert early.at["CA-utility-pv", "as_of"] == date(2019, 12, 31)
    assert early.at["CA-utility-pv", "weight"] == 10854.5
    assert "NJ-small-pv" not in early.index  # first figure is December 2020
    assert len(data.demand_as_of("2016-12-31")) == 0
    assert not at.index.duplicated().any()


def write_demand(folder, rows: list[str]) -> None:
    (folder / "demand.csv").write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")


def test_tiny_demand_by_hand(tmp_path):
    folder = write_data(tmp_path / "tiny")
    write_demand(
        folder,
        [
            "A-plant,battery,A,plant in A,100,jobs,2018-01-01,sourced,Source X,,2018,",
            "A-plant,battery,A,plant in A,150,jobs,2020-01-01,sourced,Source X,,2020,",
            "C-market,solar,C,market in C,7.5,MW,2019-06-30,assumption,,,,ASSUMPTION: one market",
        ],
    )
    data = regions.load(folder)
    at = data.demand_as_of("2019-12-31").set_index("node_id")
    assert at.at["A-plant", "weight"] == 100
    assert at.at["C-market", "weight"] == 7.5
    assert (at.at["C-market", "lon"], at.at["C-market", "lat"]) == (-85.5, 40.5)
    assert data.demand_as_of("2020-01-01").set_index("node_id").at["A-plant", "weight"] == 150
    assert list(data.demand_as_of("2018-06-30")["node_id"]) == ["A-plant"]


def test_folder_without_demand_loads_with_no_nodes(tmp_path):
    tiny = regions.load(write_data(tmp_path / "tiny"))
    assert tiny.demand.empty and "demand.csv" not in tiny.files
    assert tiny.demand_as_of("2020-12-31").empty
    folder = copy_data(tmp_path)
    (folder / "demand.csv").unlink()
    copied = regions.load(folder)
    assert copied.demand.empty and len(copied.facilities) > 0


@pytest.fixture
def folder(tmp_path):
    return copy_data(tmp_path)


def expect_error(folder, line, field, fragment):
    with pytest.raises(DataValidationError) as info:
        regions.load(folder)
    err = info.value
    assert (err.file, err.line, err.field) == (str(folder / "demand.csv"), line, field), str(err)
    assert fragment in str(err), str(err)


@pytest.mark.parametrize(
    "column, value, fragment",
    [
        ("region_id", "ZZ", "unknown id 'ZZ' (not in regions.csv)"),
        ("cluster_type", "steel", "'steel' is not one of: battery, magnet, solar"),
        ("weight", "-3", "below the minimum"),
        ("weight", "nan", "required value is missing"),
        ("weight", "inf", "not a finite number"),
        ("as_of", "2020-13-01", "is not a date"),
        ("citation", "", "a sourced row needs a citation"),
    ],
)
def test_each_broken_cell_is_named(folder, column, value, fragment):
    line = edit_csv(folder / "demand.csv", "MI-auto-assembly", column, value)
    expect_error(folder, line, column, fragment)


def test_uncited_derived_row(folder):
    line = edit_csv(folder / "demand.csv", "CA-utility-pv", "citation", "")
    expect_error(folder, line, "citation", "a derived row needs a citation")


def test_assumption_row_must_say_so(folder):
    line = edit_csv(folder / "demand.csv", "MI-auto-assembly", "kind", "assumption")
    expect_error(folder, line, "note", "must say ASSUMPTION")


def test_duplicate_node_date(folder):
    path = folder / "demand.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    rows.append(rows[1])
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    expect_error(folder, len(rows), "as_of", "duplicate node_id=")


def test_node_keeps_one_region(folder):
    path = folder / "demand.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    second = [n for n, t in enumerate(lines, start=1) if t.startswith("MI-auto-assembly,")][1]
    lines[second - 1] = lines[second - 1].replace(",MI,", ",OH,", 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    expect_error(folder, second, "region_id", "a node keeps one region_id")
