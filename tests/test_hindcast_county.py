"""The hindcast in kilometres: distances from real plants to the model's nearest county site,
worked by hand on points of one meridian (1 degree of latitude = 111.195 km), the CLI's
resolution rules, and one county hindcast end to end (slow)."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from optimizer.analyses.hindcast import announced_between
from optimizer.analyses.hindcast_county import (
    DISTANCE_COLUMNS,
    PLANT_COLUMNS,
    WITHIN_KM,
    announced_plants,
    distance_lines,
    distance_scores,
    model_sites,
    nearest_sites,
)
from regions.geodesy import EARTH_RADIUS_KM
from tests import tiny
from tests.test_hindcast import AS_OF, UNTIL, WINDOW

LON = -90.0
KM_PER_DEGREE = math.radians(1) * EARTH_RADIUS_KM  # 111.195 km


def _lat(km: float, lat0: float = 40.0) -> float:
    """The latitude ``km`` north of ``lat0`` on the meridian ``LON``."""
    return lat0 + km / KM_PER_DEGREE


def _sites() -> pd.DataFrame:
    """Two model battery sites on the meridian: county 00001 at 40° N, 00002 at 45° N."""
    sites = pd.DataFrame(
        {
            "region_id": ["00001", "00002", "00003"],
            "cluster_type": ["battery", "battery", "battery"],
            "new_capacity": [20.0, 30.0, 0.0],  # 00003 builds nothing: not a model site
        }
    )
    points = pd.DataFrame(
        {
            "name": ["North, XX", "South, XX", "Idle, XX"],
            "state": ["XX", "XX", "XX"],
            "rep_lon": [LON, LON, LON],
            "rep_lat": [40.0, 45.0, 50.0],
        },
        index=["00001", "00002", "00003"],
    )
    return model_sites(sites, points)


def _plants() -> pd.DataFrame:
    """Three battery plants at 55.6 km (0.5°), exactly 100 km and 222.4 km (2°) from the nearest
    site, capacities 10, 30, 60; one magnet plant (the model builds no magnet site)."""
    rows = [
        ("p-near", "XX", "battery", _lat(0.5 * KM_PER_DEGREE), 10.0),
        ("p-edge", "XX", "battery", _lat(WITHIN_KM), 30.0),
        ("p-far", "YY", "battery", 47.0, 60.0),
        ("m-1", "YY", "magnet", 41.0, 1000.0),
    ]
    return pd.DataFrame(
        [
            {
                "facility_id": f,
                "region_id": s,
                "cluster_type": k,
                "company": "Co",
                "city": "Town",
                "lat": lat,
                "lon": LON,
                "capacity": cap,
                "status": "announced",
            }
            for f, s, k, lat, cap in rows
        ],  # fmt: skip
        columns=PLANT_COLUMNS,
    )


def test_each_plant_gets_its_nearest_model_site_of_its_type_in_km():
    sites = _sites()
    assert list(sites["region_id"]) == ["00001", "00002"]  # a site without new capacity is none
    table = nearest_sites(_plants(), sites).set_index("facility_id")
    assert list(table.reset_index().columns) == DISTANCE_COLUMNS
    assert table.at["p-near", "km"] == pytest.approx(55.5975, abs=1e-3)
    assert table.at["p-near", "nearest_fips"] == "00001"
    assert table.at["p-edge", "km"] == pytest.approx(100.0, abs=1e-9)
    assert table.at["p-far", "km"] == pytest.approx(2 * KM_PER_DEGREE, abs=1e-6)  # 222.39 km
    assert table.at["p-far", "nearest_fips"] == "00002"
    assert table.at["p-far", "nearest_name"] == "South, XX"
    # the boundary is closed: a plant at exactly 100 km is within 100 km
    assert table["within_100km"].to_dict() == {
        "p-near": True,
        "p-edge": True,
        "p-far": False,
        "m-1": False,
    }


def test_a_plant_just_past_100_km_is_outside():
    plants = _plants().iloc[[1]].assign(lat=_lat(WITHIN_KM + 0.01))  # 100.01 km
    table = nearest_sites(plants, _sites())
    assert table.at[0, "km"] == pytest.approx(100.01, abs=1e-6)
    assert not table.at[0, "within_100km"]


def test_share_within_100_km_weights_plants_by_capacity_and_median_counts_plants():
    sites = _sites()
    distances = nearest_sites(_plants(), sites)
    scores = distance_scores(distances, sites, ["battery", "magnet", "solar"])
    battery = scores.loc["battery"]
    # within: 10 + 30 of 100 -> 0.4 (by plant count it would be 2/3)
    assert battery["share_within_100km"] == pytest.approx(0.4)
    assert battery["median_km"] == pytest.approx(100.0)  # median of 55.6, 100, 222.4
    assert (battery["n_plants"], battery["n_model_sites"]) == (2 + 1, 2)


def test_a_type_without_a_model_site_has_no_distance_and_a_share_of_zero():
    sites = _sites()
    distances = nearest_sites(_plants(), sites)
    magnet = distances[distances["cluster_type"] == "magnet"].iloc[0]
    assert np.isnan(magnet["km"]) and magnet["nearest_fips"] == "" and not magnet["within_100km"]
    scores = distance_scores(distances, sites, ["battery", "magnet", "solar"])
    assert scores.at["magnet", "share_within_100km"] == 0.0
    assert np.isnan(scores.at["magnet", "median_km"])
    assert scores.at["magnet", "n_model_sites"] == 0
    # a type without real plants has no share at all
    assert np.isnan(scores.at["solar", "share_within_100km"])
    # all: the median over every plant with a distance, the mean of the types' shares
    assert scores.at["all", "median_km"] == pytest.approx(100.0)
    assert scores.at["all", "share_within_100km"] == pytest.approx((0.4 + 0.0) / 2)
    lines = distance_lines(scores)
    assert any("no new magnet site" in line and "NaN" in line and "0% of" in line for line in lines)
    assert any(line.startswith("battery: the 3 real plants lie a median 100 km") for line in lines)


def test_announced_plants_are_the_hindcast_announcements_with_their_points(tmp_path):
    data, _ = tiny.load(tmp_path, facilities=WINDOW)
    plants = announced_plants(data, AS_OF, UNTIL).set_index("facility_id")
    real = announced_between(data, AS_OF, UNTIL)
    assert sorted(plants.index) == sorted(real.index) == ["new-a", "new-c"]
    pd.testing.assert_series_equal(
        plants["capacity"], real["capacity"], check_names=False, check_index_type=False
    )
    assert (plants.at["new-a", "lon"], plants.at["new-a", "lat"]) == tiny.rep_point("A")


@pytest.mark.parametrize(
    "argv",
    [
        ["alternatives", "great-lakes-county", "--slack", "0.01"],
        ["montecarlo", "south-county", "--runs", "2"],
    ],
)
def test_other_analyses_still_refuse_a_county_scenario(argv, tmp_path, capsys):
    from outputs.cli import main

    code = main([*argv, "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "county" in err and "state resolution only" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", ["alternatives", "montecarlo", "sweep"])
def test_other_analyses_refuse_the_resolution_flag(command, tmp_path, capsys):
    from outputs.cli import main

    code = main([command, "baseline", "--resolution", "county", "--out", str(tmp_path / "out")])
    assert code == 2
    assert "unrecognized arguments: --resolution county" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_county_hindcast_of_2020_lists_every_real_plant_once_with_its_distance(tmp_path, capsys):
    from outputs.cli import main
    from regions.cache import load_cached

    out = tmp_path / "hc"
    argv = ["hindcast", "--as-of", "2020-12-31", "--resolution", "county", "--out", str(out)]
    assert main([*argv, "-q", "--no-map"]) == 0, capsys.readouterr().err
    stdout = capsys.readouterr().out
    assert "median km" in stdout and "within 100 km" in stdout
    table = pd.read_csv(out / "distances.csv", dtype={"nearest_fips": str})
    assert list(table.columns) == DISTANCE_COLUMNS
    real = announced_between(load_cached(None), date(2020, 12, 31), date(2024, 12, 31))
    assert sorted(table["facility_id"]) == sorted(real.index)  # each real plant once
    assert table["facility_id"].is_unique
    assert (table["km"].dropna() >= 0).all()
    built = table.dropna(subset=["km"])
    assert built["nearest_fips"].str.fullmatch(r"\d{5}").all()
    scores = pd.read_csv(out / "scores.csv", index_col="cluster_type")
    share = scores["share_within_100km"].dropna()
    assert len(share) and ((share >= 0) & (share <= 1)).all()
    assert (scores["median_km"].dropna() >= 0).all()
    notes = (out / "notes.txt").read_text(encoding="utf-8")
    assert "leaks: counties.csv" in notes and "leaks: customers.csv" in notes
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "Distance to the model's sites" in page and "distances.csv" in page


def test_the_county_scenario_reads_customers_as_of_the_date_and_ends_on_a_county_gap():
    from optimizer.analyses.hindcast_county import COUNTY_MIP_GAP, county_scenario
    from optimizer.model.scenario import Scenario, load_scenario

    doc = load_scenario("baseline").to_toml_dict()
    doc["markets"] = {**doc.get("markets", {}), "as_of": "2024-06-30"}
    past, notes = county_scenario(Scenario.from_dict(doc, label="test"), date(2020, 12, 31))
    assert past.resolution == "county"
    assert past.markets_as_of == date(2020, 12, 31)
    assert past.solver.mip_gap == COUNTY_MIP_GAP
    assert len(notes) == 2 and all(n.startswith("by county:") for n in notes)
