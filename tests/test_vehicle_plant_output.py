"""Light-vehicle output by assembly plant (``vehicle_plant_output.csv``): the loader's checks,
the newest-figure-known-on-a-date choice and the coverage of a year's national total, on tiny
hand-worked tables; and the embedded table's plants and dates."""

from __future__ import annotations

from datetime import date

import pytest

from regions.errors import DataValidationError
from regions.vehicle_plant_output import (
    PLANT_OUTPUT_FILE,
    coverage,
    coverage_by_year,
    known_plants,
    newest_as_of,
    read_vehicle_plant_output,
)
from regions.vehicle_production import read_vehicle_production

HEADER = (
    "plant_id,oem,state,year,measure,vehicles,vehicles_low,vehicles_high,citation,url,vintage,"
    "published,note"
)
PRODUCTION_HEADER = (
    "state,year,vehicles,vehicles_low,vehicles_high,rank,basis,source,url,vintage,published,note"
)
SRC = "Source X,https://example.org/x,v"
PLANTS = {"p1": "AA", "p2": "BB", "p3": "CC"}


def write(path, rows: list[str]):
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def read(path, rows: list[str]):
    return read_vehicle_plant_output(write(path, rows), plants=PLANTS)


def national(tmp_path, rows: list[str]):
    path = tmp_path / "vehicle_production.csv"
    path.write_text("\n".join([PRODUCTION_HEADER, *rows]) + "\n", encoding="utf-8")
    return read_vehicle_production(path)


def test_newest_published_on_or_before_the_date(tmp_path):
    table = read(
        tmp_path / "vehicle_plant_output.csv",
        [
            f"p1,O,AA,2015,capacity,300,,,{SRC},2015-03-01,stated 2015",
            f"p1,O,AA,2018,production,250,,,{SRC},2019-01-20,made in 2018",
            f"p1,O,AA,2019,production,260,,,{SRC},2020-01-20,made in 2019",
            f"p2,O,BB,2017,production,100,,,{SRC},2018-02-01,made in 2017",
            f"p2,O,BB,2018,capacity,150,,,{SRC},2018-06-01,stated 2018",
            f"p3,O,CC,2020,capacity,90,,,{SRC},2020-05-01,stated 2020",
        ],
    )
    # 2019-06-30: p1's 2019 production is not yet published -> its 2018 one; p2's 2018
    # capacity (a later year than its 2017 production) is; p3 has nothing yet
    got = newest_as_of(table, date(2019, 6, 30)).set_index("plant_id")
    assert list(got.index) == ["p1", "p2"]
    assert (got.loc["p1", "year"], got.loc["p1", "vehicles"]) == (2018, 250)
    assert (got.loc["p2", "measure"], got.loc["p2", "vehicles"]) == ("capacity", 150)
    # on the publication day itself the figure counts
    assert newest_as_of(table, "2020-01-20").set_index("plant_id").loc["p1", "vehicles"] == 260
    assert newest_as_of(table, "2020-01-19").set_index("plant_id").loc["p1", "vehicles"] == 250
    # one measure only
    only = newest_as_of(table, "2021-01-01", measure="production").set_index("plant_id")
    assert dict(only["vehicles"]) == {"p1": 260, "p2": 100}
    assert newest_as_of(table, "2014-12-31").empty
    with pytest.raises(ValueError, match="measure"):
        newest_as_of(table, "2021-01-01", measure="output")


def test_coverage_arithmetic(tmp_path):
    table = read(
        tmp_path / "vehicle_plant_output.csv",
        [
            f"p1,O,AA,2018,production,250,,,{SRC},2019-01-20,made",
            f"p2,O,BB,2018,production,150,,,{SRC},2019-02-01,made",
            f"p3,O,CC,2018,capacity,500,,,{SRC},2018-05-01,capacity does not count",
            f"p1,O,AA,2019,production,260,,,{SRC},2020-01-20,made",
        ],
    )
    us = national(
        tmp_path,
        [
            "US,2018,1000,,,,national,S,https://example.org/n,v,2019-02-15,total",
            "AA,2018,400,,,,state_total,S,https://example.org/n,v,2019-02-15,a state",
        ],
    )
    assert coverage(table, us, 2018) == pytest.approx(0.4)  # (250 + 150) / 1000
    assert coverage(table, us, 2019) != coverage(table, us, 2019)  # NaN: no national total
    by_year = coverage_by_year(table, us).set_index("year")
    assert by_year.loc[2018, "plants"] == 2 and by_year.loc[2018, "vehicles"] == 400
    assert by_year.loc[2019, "plants"] == 1


@pytest.mark.parametrize(
    ("row", "field"),
    [
        (f"p1,O,AA,2019,production,10,,,{SRC},2019-06-30,too early", "published"),
        (f"p1,O,AA,2019,capacity,10,,,{SRC},2018-06-30,before its year", "published"),
        (f"p1,O,AA,2019,production,10,20,,{SRC},2020-06-30,low above", "vehicles_low"),
        (f"p1,O,AA,2019,production,10,,5,{SRC},2020-06-30,high below", "vehicles_high"),
        (f"p1,O,AA,2019,production,10.5,,,{SRC},2020-06-30,fraction", "vehicles"),
        (f"p1,O,AA,2019,output,10,,,{SRC},2020-06-30,bad measure", "measure"),
        (f"px,O,AA,2019,production,10,,,{SRC},2020-06-30,unknown plant", "plant_id"),
        (f"p1,O,BB,2019,production,10,,,{SRC},2020-06-30,wrong state", "state"),
        (f"p1,O,AA,2019,production,ten,,,{SRC},2020-06-30,not a number", "vehicles"),
    ],
)
def test_bad_row_names_file_line_and_field(tmp_path, row, field):
    path = write(
        tmp_path / "vehicle_plant_output.csv",
        [f"p2,O,BB,2018,production,100,,,{SRC},2019-02-01,fine", row],
    )
    with pytest.raises(DataValidationError) as err:
        read_vehicle_plant_output(path, plants=PLANTS)
    assert err.value.field == field
    assert err.value.line == 3  # header is line 1, the good row line 2
    assert str(path) in str(err.value) and f"field {field}" in str(err.value)


def test_duplicate_plant_year_measure(tmp_path):
    path = write(
        tmp_path / "vehicle_plant_output.csv",
        [
            f"p1,O,AA,2018,production,100,,,{SRC},2019-02-01,one",
            f"p1,O,AA,2018,production,101,,,{SRC},2019-03-01,again",
        ],
    )
    with pytest.raises(DataValidationError, match="duplicate") as err:
        read_vehicle_plant_output(path, plants=PLANTS)
    assert err.value.line == 3


# --- the embedded table ----------------------------------------------------------------


@pytest.fixture(scope="module")
def embedded():
    return read_vehicle_plant_output(plants=known_plants())


def test_embedded_rows_name_known_plants(embedded):
    plants = known_plants()
    assert len(embedded) > 0
    assert set(embedded["plant_id"]) <= set(plants)
    for row in embedded.itertuples():
        assert plants[row.plant_id] == row.state, row.plant_id


def test_embedded_published_dates_sane(embedded):
    for row in embedded.itertuples():
        assert date(2000, 1, 1) <= row.published <= date(2026, 12, 31), row
        if row.measure == "production":
            assert row.published > date(row.year, 12, 31), row
        else:
            assert row.published.year >= row.year, row


def test_embedded_figures_are_plausible_plant_volumes(embedded):
    # no single US light-vehicle plant builds a million vehicles a year or fewer than 1,000
    assert embedded["vehicles"].between(1_000, 1_000_000).all()
    assert set(embedded["measure"]) <= {"production", "capacity"}


def test_embedded_table_cites_no_subscriber_data_centre(embedded):
    text = PLANT_OUTPUT_FILE.read_text(encoding="utf-8").lower()
    assert "autonews.com" not in text and "data center" not in text


def test_embedded_coverage_is_a_share(embedded):
    us = read_vehicle_production()
    by_year = coverage_by_year(embedded, us).dropna(subset=["coverage"])
    assert ((by_year["coverage"] >= 0) & (by_year["coverage"] < 1)).all()
