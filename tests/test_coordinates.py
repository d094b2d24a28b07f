"""Coordinate validation: sites must lie in the region their row names (and the country)."""

from __future__ import annotations

import pytest

import regions
from regions import DataValidationError
from regions.boundaries import COASTAL_TOLERANCE_KM, km_outside
from tests.helpers import copy_data, edit_csv


@pytest.fixture
def folder(tmp_path):
    return copy_data(tmp_path)


def load_error(folder) -> DataValidationError:
    with pytest.raises(DataValidationError) as info:
        regions.load(folder)
    return info.value


def test_embedded_data_passes():
    data = regions.load()
    assert len(data.facilities) > 50


def test_source_moved_abroad(folder):
    path = folder / "mineral_sources.csv"
    line = edit_csv(path, "twin-metals", "lat", "-12.05")  # Lima, Peru
    edit_csv(path, "twin-metals", "lon", "-77.04")
    err = load_error(folder)
    assert (err.file, err.line, err.row_id, err.field) == (
        str(path),
        line,
        "twin-metals",
        "lat/lon",
    )
    assert "outside the United States" in err.message
    assert "a domestic source must be in the country" in err.message


def test_source_in_the_wrong_state(folder):
    path = folder / "mineral_sources.csv"
    line = edit_csv(path, "twin-metals", "region_id", "WI")
    err = load_error(folder)
    assert (err.line, err.row_id, err.field) == (line, "twin-metals", "lat/lon")
    assert "outside region WI" in err.message and "it lies in MN" in err.message


def test_facility_in_the_wrong_state(folder):
    path = folder / "facilities.csv"
    line = edit_csv(path, "ultium-lansing-mi", "region_id", "OH")
    err = load_error(folder)
    text = str(err)
    assert text.startswith(
        f"{path}, line {line} (ultium-lansing-mi), field lat/lon: (-84.5555, 42.7325) lies "
    )
    assert text.endswith(" km outside region OH (tolerance 25 km)")
    # Ohio's northern border (41.70 N near 84.6 W) lies 1.03 deg of latitude, ~115 km, south
    assert 105 < float(err.message.split(" lies ")[1].split(" km")[0]) < 125


def test_gateway_far_offshore(folder):
    path = folder / "import_gateways.csv"
    line = edit_csv(path, "port-houston", "lon", "-90.27")  # 5 degrees east: Gulf of Mexico
    err = load_error(folder)
    assert (err.line, err.row_id, err.field) == (line, "port-houston", "lat/lon")
    assert "outside region TX" in err.message


def test_gateway_just_off_the_coast_is_accepted(folder):
    data = regions.load()
    texas = data.geometry["TX"]
    # Port of Houston moved 0.15 deg east (about 14 km): on the water, within the tolerance
    edit_csv(folder / "import_gateways.csv", "port-houston", "lon", "-95.12")
    gap = km_outside(texas, -95.12, 29.73)
    assert gap < COASTAL_TOLERANCE_KM
    assert "port-houston" in set(regions.load(folder).mineral_sources["source_id"])


def test_km_outside_by_hand():
    from shapely.geometry import box

    square = box(0.0, 0.0, 1.0, 1.0)
    assert km_outside(square, 0.5, 0.5) == 0.0
    # one degree of longitude at the equator is 111.2 km on the 6,371 km sphere
    assert km_outside(square, 2.0, 0.5) == pytest.approx(111.2, abs=0.1)
