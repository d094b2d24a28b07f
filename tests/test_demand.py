"""Demand nodes (demand.csv): transcribed values, the view at a date, each validation rule."""

from __future__ import annotations

import csv
from datetime import date

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

import regions
from regions import DataValidationError
from regions.demand import stale_nodes
from regions.vehicle_production import (
    COVERAGE_MIN,
    coverage,
    production_weights,
    read_vehicle_production,
)
from tests.helpers import SHARED, copy_data, edit_csv
from tests.tiny import write_data

MARKETS = SHARED / "reference-data" / "markets"
CBP_FILE = MARKETS / "cbp_state_selected_naics_2017_2021.csv"
PV_ADDITIONS = SHARED / "reference-data" / "pv" / "utility_pv_additions_by_county_year.csv"
HEADER = (
    "node_id,cluster_type,region_id,name,weight,weight_unit,as_of,kind,citation,url,vintage,note,"
    "published"
)


@pytest.fixture(scope="module")
def data():
    return regions.load()


def node(data, node_id: str, as_of: str) -> pd.Series:
    rows = data.demand[(data.demand["node_id"] == node_id)]
    return rows[rows["as_of"] == date.fromisoformat(as_of)].iloc[0]


def test_values_typed_from_the_published_tables(data):
    # CBP 2019 (staged extract): MI 3361 40,863 less 336120 482 = 40,381 = 336111 12,125 +
    # 336112 28,256; WI 4,332 in 335312
    assert node(data, "MI-light-vehicle-assembly", "2019-03-12")["weight"] == 40381 == 12125 + 28256
    assert node(data, "WI-motor-generator-mfg", "2019-03-12")["weight"] == 4332
    pv = node(data, "CA-utility-pv-additions", "2020-12-31")
    assert (pv["weight_unit"], pv["kind"], str(pv["published"])) == (
        "MWac",
        "derived",
        "2025-04-30",
    )


@pytest.mark.skipif(not CBP_FILE.exists(), reason="shared reference data not present")
def test_light_vehicle_weight_fills_the_cells_cbp_withholds(data):
    staged = pd.read_csv(CBP_FILE, dtype={"naics": str})
    staged = staged.set_index(["state", "naics", "year"])["employment"]
    # no TN, GA or MS light-truck cell in any year, KY's withheld in 2021: 3361 is published
    for state in ("TN", "GA", "MS"):
        assert (state, "336112", 2020) not in staged.index
        assert (
            node(data, f"{state}-light-vehicle-assembly", "2020-03-12")["weight"]
            == staged[(state, "3361", 2020)]
        )
    assert ("KY", "336112", 2021) not in staged.index
    ky = node(data, "KY-light-vehicle-assembly", "2021-03-12")
    assert ky["weight"] == staged[("KY", "3361", 2021)] - staged[("KY", "336120", 2021)]
    assert "upper bound" not in ky["note"]
    tn = node(data, "TN-light-vehicle-assembly", "2020-03-12")
    assert "upper bound" in tn["note"]  # TN's 336120 is withheld: heavy trucks not removed


@pytest.mark.skipif(not CBP_FILE.exists(), reason="shared reference data not present")
def test_withheld_cbp_cells_are_left_out(data):
    staged = pd.read_csv(CBP_FILE, dtype={"naics": str})
    cell = staged[(staged["state"] == "GA") & (staged["naics"] == "3361")]
    assert cell.set_index("year").at[2017, "employment"] == 0  # withheld in CBP 2017
    georgia = data.demand[data.demand["node_id"] == "GA-light-vehicle-assembly"]
    assert date(2017, 3, 12) not in set(georgia["as_of"])
    assert date(2018, 3, 12) in set(georgia["as_of"])


@pytest.mark.skipif(not PV_ADDITIONS.exists(), reason="shared reference data not present")
def test_pv_rows_are_three_years_of_additions(data):
    staged = pd.read_csv(PV_ADDITIONS, dtype={"county_fips": str})
    added = staged.groupby(["state", "year"])["capacity_mwac_added"].sum()
    for state in ("NC", "TX", "CA"):
        for year in (2020, 2024):
            expected = round(sum(added.get((state, y), 0.0) for y in range(year - 2, year + 1)), 1)
            weight = node(data, f"{state}-utility-pv-additions", f"{year}-12-31")["weight"]
            assert weight == pytest.approx(expected), (state, year)


def test_nodes_sit_at_their_region_representative_point(data):
    reps = data.regions.loc[data.demand["region_id"], ["rep_lat", "rep_lon"]].to_numpy()
    assert (data.demand[["lat", "lon"]].to_numpy() == reps).all()


def test_demand_as_of_takes_the_series_row_on_or_before_the_date(data):
    at = data.demand_as_of("2020-12-31").set_index("node_id")
    assert at.at["MI-light-vehicle-assembly", "as_of"] == date(2020, 3, 12)
    assert at.at["CA-utility-pv-additions", "as_of"] == date(2020, 12, 31)
    early = data.demand_as_of(date(2020, 3, 11)).set_index("node_id")
    assert early.at["MI-light-vehicle-assembly", "as_of"] == date(2019, 3, 12)
    assert early.at["CA-utility-pv-additions", "as_of"] == date(2019, 12, 31)
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
            "A-plant,battery,A,plant in A,100,jobs,2018-01-01,sourced,Source X,,2018,,",
            "A-plant,battery,A,plant in A,150,jobs,2020-01-01,sourced,Source X,,2020,,",
            "C-market,solar,C,market in C,7.5,MW,2019-06-30,assumption,,,,ASSUMPTION: one market,",
        ],
    )
    data = regions.load(folder)
    at = data.demand_as_of("2019-12-31").set_index("node_id")
    assert at.at["A-plant", "weight"] == 100
    assert at.at["C-market", "weight"] == 7.5
    assert (at.at["C-market", "lon"], at.at["C-market", "lat"]) == (-85.5, 40.5)
    assert data.demand_as_of("2020-01-01").set_index("node_id").at["A-plant", "weight"] == 150
    assert list(data.demand_as_of("2018-06-30")["node_id"]) == ["A-plant"]


def test_no_silent_carry_forward_of_a_withheld_year(tmp_path):
    """B's 2020 cell is withheld: the 2020 view must not give B its 2018 figure."""
    folder = write_data(tmp_path / "tiny")
    write_demand(
        folder,
        [
            "A-plant,battery,A,plant in A,100,jobs,2018-01-01,sourced,Source X,,2018,,",
            "B-plant,battery,B,plant in B,300,jobs,2018-01-01,sourced,Source X,,2018,,",
            "A-plant,battery,A,plant in A,150,jobs,2020-01-01,sourced,Source X,,2020,,",
        ],
    )
    data = regions.load(folder)
    view = data.demand_as_of("2020-06-30")
    assert list(view["node_id"]) == ["A-plant"]  # B is not carried forward from 2018
    stale = stale_nodes(data.demand, "2020-06-30")
    assert list(stale["node_id"]) == ["B-plant"]
    assert stale.at[0, "last_as_of"] == date(2018, 1, 1)
    assert stale.at[0, "series_as_of"] == date(2020, 1, 1)
    # in 2019 both rows are the series' newest: both nodes are in
    assert list(data.demand_as_of("2019-06-30")["node_id"]) == ["A-plant", "B-plant"]
    # an explicit, labelled row at the series date keeps B in (the gaming-proof way to fill it)
    write_demand(
        folder,
        [
            "A-plant,battery,A,plant in A,100,jobs,2018-01-01,sourced,Source X,,2018,,",
            "B-plant,battery,B,plant in B,300,jobs,2018-01-01,sourced,Source X,,2018,,",
            "A-plant,battery,A,plant in A,150,jobs,2020-01-01,sourced,Source X,,2020,,",
            "B-plant,battery,B,plant in B,280,jobs,2020-01-01,assumption,,,,"
            "ASSUMPTION: withheld; bounded by the 3-digit total,",
        ],
    )
    data = regions.load(folder)
    assert data.demand_as_of("2020-06-30").set_index("node_id").at["B-plant", "weight"] == 280


def test_builtin_views_carry_no_withheld_cell_forward(data):
    for when in ("2020-12-31", "2026-06-30"):
        view = data.demand_as_of(when)
        for (k, unit), rows in view.groupby(["cluster_type", "weight_unit"]):
            assert rows["as_of"].nunique() == 1, (when, k, unit)


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
    line = edit_csv(folder / "demand.csv", "WI-motor-generator-mfg", column, value)
    expect_error(folder, line, column, fragment)


def test_uncited_derived_row(folder):
    line = edit_csv(folder / "demand.csv", "CA-utility-pv-additions", "citation", "")
    expect_error(folder, line, "citation", "a derived row needs a citation")


def test_assumption_row_must_say_so(folder):
    line = edit_csv(folder / "demand.csv", "WI-motor-generator-mfg", "kind", "assumption")
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
    second = [n for n, t in enumerate(lines, start=1) if t.startswith("WI-motor-generator-mfg,")][1]
    lines[second - 1] = lines[second - 1].replace(",WI,", ",OH,", 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    expect_error(folder, second, "region_id", "a node keeps one region_id")


# --- light-vehicle production by state (vehicle_production.csv) -----------------------------

PRODUCTION_HEADER = (
    "state,year,vehicles,vehicles_low,vehicles_high,rank,basis,source,url,vintage,published,note"
)


@pytest.fixture(scope="module")
def production(data):
    return read_vehicle_production(regions=data.regions)


def production_row(table, state: str, year: int, basis: str) -> pd.Series:
    rows = table[(table["state"] == state) & (table["year"] == year) & (table["basis"] == basis)]
    assert len(rows) == 1, (state, year, basis)
    return rows.iloc[0]


def cbp_jobs(data, year: int) -> pd.Series:
    rows = data.demand[
        data.demand["node_id"].str.endswith("-light-vehicle-assembly")
        & (data.demand["as_of"] == date(year, 3, 12))
    ]
    return rows.set_index("region_id")["weight"]


def test_production_rows_are_cited_and_dated_after_their_year(production):
    assert len(production) >= 15
    for row in production.to_dict("records"):
        assert row["source"] and row["url"].startswith("http") and row["note"], row
        assert row["published"] > date(row["year"], 12, 31), row
        assert "stored" in row["note"] or "DERIVED" in row["note"], row  # where it was read


def test_production_figures_tie_to_their_sources(production):
    # BMW Spartanburg 2019: the plant total is the sum of its published model figures
    bmw = production_row(production, "SC", 2019, "plants")
    assert bmw["vehicles_low"] == 115088 + 65557 + 161096 + 17260 + 52619 == 411620
    # CA 2018 (Tesla Fremont) was published as a 2.3% share of "about 11 million"
    ca = production_row(production, "CA", 2018, "state_total")["vehicles"]
    us_2018 = production_row(production, "US", 2018, "national")["vehicles"]
    assert 0.0225 <= ca / us_2018 < 0.0235
    # 2017: DOE's bounds for MI (> 2 M) and IN, KY, OH (1-2 M each) fit in the G.17 total
    us_2017 = production_row(production, "US", 2017, "national")
    lows = sum(production_row(production, s, 2017, "bounds")["vehicles_low"]
               for s in ("MI", "IN", "KY", "OH"))  # fmt: skip
    assert lows == 5_000_000 <= us_2017["vehicles_low"]
    assert us_2017["vehicles"] == 10_910_000  # 10.91 million units, the 2017 average
    # MI: 1.8 million in 2021 (rounded), "an increase of over 17.6% over 2020"
    mi21 = production_row(production, "MI", 2021, "state_total")
    assert (mi21["vehicles_low"], mi21["vehicles_high"]) == (1_750_000, 1_850_000)
    mi20 = production_row(production, "MI", 2020, "bounds")
    assert mi20["vehicles_high"] == int(1_850_000 / 1.176)
    assert np.isnan(mi20["vehicles_low"])
    # 2019 ranks: 1-5, one state each
    ranks = production[production["basis"] == "rank"]
    assert sorted(ranks["rank"]) == [1, 2, 3, 4, 5] and set(ranks["year"]) == {2019}


def test_published_totals_cover_too_little_to_switch_the_battery_weights(data, production):
    """No year reaches COVERAGE_MIN of its national total with published state totals, so the
    battery nodes stay CBP jobs (one unit for the type at every date)."""
    for year in sorted(set(production["year"])):
        share = coverage(production, year)
        assert np.isnan(share) or share < COVERAGE_MIN, year
        assert production_weights(production, year, cbp_jobs(data, 2021)) is None
    battery = data.demand[data.demand["cluster_type"] == "battery"]
    assert set(battery["weight_unit"]) == {"jobs"}


def test_production_compared_with_cbp_jobs(data, production):
    # 2019: the published top five by production against CBP 2019 light-vehicle jobs
    ranks = production[production["basis"] == "rank"].set_index("state")["rank"]
    jobs = cbp_jobs(data, 2019)
    rho = spearmanr(-ranks.to_numpy(), jobs[ranks.index].to_numpy()).statistic
    assert rho == pytest.approx(0.9)  # only IN and OH swap
    # but CBP's own top five holds California (HQ, R&D), which the production top five lacks
    cbp_top5 = set(jobs.sort_values(ascending=False).index[:5])
    assert "CA" in cbp_top5 and "CA" not in set(ranks.index)
    # jobs per vehicle: CA 2018 (254,530 vehicles) against the 2017 bounds of MI, IN, KY, OH
    ca = (
        cbp_jobs(data, 2018)["CA"]
        / production_row(production, "CA", 2018, "state_total")["vehicles"]
    )
    jobs_2017 = cbp_jobs(data, 2017)
    worst = max(
        jobs_2017[s] / production_row(production, s, 2017, "bounds")["vehicles_low"]
        for s in ("MI", "IN", "KY", "OH")
    )
    assert ca > 2 * worst  # CA's CBP weight overstates its assembly at least twofold


def write_production(path, rows: list[str]):
    path.write_text("\n".join([PRODUCTION_HEADER, *rows]) + "\n", encoding="utf-8")
    return read_vehicle_production(path)


def test_production_weight_rule_by_hand(tmp_path):
    src = "Source X,https://example.org/x"
    table = write_production(
        tmp_path / "vehicle_production.csv",
        [
            f"US,2019,100,,,,national,{src},2019,2020-02-01,total",
            f"A,2019,60,,,,state_total,{src},2019,2020-02-01,published total",
            f"B,2019,25,,,,state_total,{src},2019,2020-02-01,published total",
            f"C,2019,,5,15,,bounds,{src},2019,2020-02-01,withheld: bounds",
            f"F,2019,,,,1,rank,{src},2019,2020-02-01,a rank only",
            f"US,2020,100,,,,national,{src},2020,2021-02-01,total",
            f"A,2020,60,,,,state_total,{src},2020,2021-02-01,published total",
        ],
    )
    jobs = pd.Series({"A": 500.0, "B": 100.0, "C": 50.0, "D": 10.0, "E": 30.0})
    w = production_weights(table, 2019, jobs).set_index("state")
    assert coverage(table, 2019) == 0.85
    assert w.loc["A", "weight"] == 60 and w.loc["A", "basis"] == "production"
    assert w.loc["B", "weight"] == 25
    # withheld -> the cited bounds (midpoint), kept between them
    assert (w.loc["C", "weight"], w.loc["C", "low"], w.loc["C", "high"]) == (10, 5, 15)
    # the rest of the national total goes to the states without a figure, by their jobs
    assert w.loc["D", "weight"] == pytest.approx(5 * 10 / 40)
    assert w.loc["E", "weight"] == pytest.approx(5 * 30 / 40)
    assert "F" not in w.index  # a rank alone gives no figure; F has no jobs either
    assert w["weight"].sum() == pytest.approx(100)
    # 2020: B's total is not published; its 2019 figure is not carried forward, and A alone
    # covers 60 % < 80 %: the year keeps its CBP weights
    assert production_weights(table, 2020, jobs) is None
    lenient = production_weights(table, 2020, jobs, coverage_min=0.5).set_index("state")
    assert lenient.loc["B", "basis"] == "residual"
    assert lenient.loc["B", "weight"] == pytest.approx(40 * 100 / 190)
    # a year without a national total cannot be checked, so it never switches
    assert production_weights(table, 2021, jobs) is None


def test_production_weight_rule_rejects_figures_above_the_national_total(tmp_path):
    src = "Source X,https://example.org/x"
    table = write_production(
        tmp_path / "vehicle_production.csv",
        [
            f"US,2019,100,,,,national,{src},2019,2020-02-01,total",
            f"A,2019,90,,,,state_total,{src},2019,2020-02-01,published total",
            f"B,2019,,20,,,plants,{src},2019,2020-02-01,one plant",
        ],
    )
    with pytest.raises(ValueError, match="more than the national"):
        production_weights(table, 2019, pd.Series({"A": 1.0}))


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ("A,2019,10,,,,state_total,S,https://x,2019,2019-06-30,too early", "published"),
        ("A,2019,,,,,state_total,S,https://x,2019,2020-06-30,no figure", "vehicles"),
        ("A,2019,10,,,,plants,S,https://x,2019,2020-06-30,sum as vehicles", "vehicles_low"),
        ("A,2019,,20,10,,bounds,S,https://x,2019,2020-06-30,crossed", "vehicles_low"),
        ("A,2019,30,5,15,,state_total,S,https://x,2019,2020-06-30,outside", "vehicles"),
        ("US,2019,10,,,,state_total,S,https://x,2019,2020-06-30,national?", "basis"),
        ("A,2019,,,,,rank,S,https://x,2019,2020-06-30,rank missing", "rank"),
    ],
)
def test_production_file_checks(tmp_path, row, field):
    path = tmp_path / "vehicle_production.csv"
    path.write_text(PRODUCTION_HEADER + "\n" + row + "\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as err:
        read_vehicle_production(path)
    assert err.value.field == field
