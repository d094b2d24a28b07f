"""Each validation rule, on a deliberately broken copy of the embedded data."""

from __future__ import annotations

import json

import pytest

import regions
from regions import DataValidationError
from tests.helpers import copy_data, edit_csv


@pytest.fixture
def folder(tmp_path):
    return copy_data(tmp_path)


def expect_error(folder, *fragments):
    with pytest.raises(DataValidationError) as info:
        regions.load(folder)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, message
    return info.value


def test_negative_price(folder):
    line = edit_csv(folder / "regions.csv", "TX", "power_price_usd_per_mwh", "-5")
    err = expect_error(
        folder, "regions.csv", f"line {line}", "field power_price_usd_per_mwh", "below the minimum"
    )
    assert (err.line, err.field, err.row_id) == (line, "power_price_usd_per_mwh", "TX")


def test_absurd_value(folder):
    line = edit_csv(folder / "regions.csv", "OH", "permitting_months", "9999")
    expect_error(
        folder, "regions.csv", f"line {line}", "permitting_months", "above the plausible maximum"
    )


def test_missing_required_value(folder):
    line = edit_csv(folder / "regions.csv", "GA", "mfg_wage_usd_per_yr", "")
    expect_error(
        folder, f"line {line} (GA)", "field mfg_wage_usd_per_yr", "required value is missing"
    )


def test_nan_text(folder):
    line = edit_csv(folder / "regions.csv", "GA", "grid_co2_kg_per_mwh", "NaN")
    expect_error(folder, f"line {line}", "grid_co2_kg_per_mwh", "missing")


def test_not_a_number(folder):
    line = edit_csv(folder / "regions.csv", "MI", "mfg_employment_jobs", "lots")
    expect_error(folder, f"line {line}", "mfg_employment_jobs", "'lots' is not a number")


def test_missing_column(folder):
    path = folder / "mineral_prices.csv"
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    drop = header.index("import_tariff_pct")
    rows = [",".join(c for i, c in enumerate(line.split(",")) if i != drop) for line in lines[:1]]
    path.write_text("\n".join(rows) + "\n")
    expect_error(folder, "mineral_prices.csv", "line 1", "missing column(s): import_tariff_pct")


def test_extra_column(folder):
    path = folder / "import_gateways.csv"
    lines = path.read_text().splitlines()
    path.write_text(
        "\n".join([lines[0] + ",depth_m"] + [line + ",12" for line in lines[1:]]) + "\n"
    )
    expect_error(folder, "import_gateways.csv", "unexpected column(s): depth_m")


def test_unknown_region_in_facilities(folder):
    facility = regions.load().facilities.index[0]
    line = edit_csv(folder / "facilities.csv", facility, "region_id", "XX")
    expect_error(folder, "facilities.csv", f"line {line}", "field region_id", "unknown id 'XX'")


def test_unknown_mineral_in_sources(folder):
    source = regions.load().mineral_sources.iloc[0]
    line = edit_csv(folder / "mineral_sources.csv", source["source_id"], "mineral", "unobtainium")
    expect_error(folder, "mineral_sources.csv", f"line {line}", "field mineral", "'unobtainium'")


def test_bad_enum_and_date(folder, tmp_path):
    facility = regions.load().facilities.index[1]
    line = edit_csv(folder / "facilities.csv", facility, "status", "rumoured")
    expect_error(folder, f"line {line}", "field status", "not one of")
    folder2 = copy_data(tmp_path / "second")
    line = edit_csv(folder2 / "facilities.csv", facility, "announced_date", "2024-13-01")
    expect_error(folder2, f"line {line}", "field announced_date", "not a date")


def test_duplicate_id(folder):
    path = folder / "regions.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines + [lines[1]]) + "\n")
    expect_error(folder, "regions.csv", f"line {len(lines) + 1}", "duplicate region_id")


def test_region_missing_from_attributes(folder):
    path = folder / "regions.csv"
    lines = [line for line in path.read_text().splitlines() if not line.startswith("VT,")]
    path.write_text("\n".join(lines) + "\n")
    expect_error(folder, "regions.csv", "no row for region(s) VT")


def test_permitting_must_follow_from_the_evidence(folder):
    line = edit_csv(folder / "permitting.csv", "CA", "permitting_months", "10")
    expect_error(
        folder, "permitting.csv", f"line {line} (CA)", "field permitting_months",
        "10 months but the evidence gives 9",
    )  # fmt: skip


def test_retired_permitting_index_is_named(folder):
    (folder / "permitting.csv").rename(folder / "permitting_index.csv")
    expect_error(folder, "permitting_index.csv", "retired", "permitting.csv")


def _edit_feature(folder, region_id, change):
    path = folder / "regions.geojson"
    doc = json.loads(path.read_text())
    for feature in doc["features"]:
        if feature["properties"]["region_id"] == region_id:
            change(feature)
    path.write_text(json.dumps(doc))


def test_invalid_geometry(folder):
    def bowtie(feature):
        feature["geometry"] = {
            "type": "Polygon",
            "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]],
        }
        feature["properties"]["rep_lon"], feature["properties"]["rep_lat"] = 0.5, 0.25

    _edit_feature(folder, "DE", bowtie)
    expect_error(
        folder, "regions.geojson", "DE", "field geometry", "invalid geometry: Self-intersection"
    )


def test_representative_point_outside(folder):
    def move(feature):
        feature["properties"]["rep_lon"] = 0.0

    _edit_feature(folder, "KS", move)
    expect_error(
        folder, "regions.geojson", "KS", "rep_lon/rep_lat", "km outside the polygon",
        "tolerance 25 km",
    )  # fmt: skip


def test_zone_with_unknown_region(folder):
    path = folder / "zones.toml"
    path.write_text(path.read_text().replace('"MN", "WI"', '"MN", "ZZ"', 1))
    expect_error(
        folder, "zones.toml", "[zones.great-lakes]", "field regions", "unknown region id 'ZZ'"
    )


def test_zone_with_unknown_key(folder):
    path = folder / "zones.toml"
    path.write_text(path.read_text().replace("[zones.south]", '[zones.south]\ncolour = "red"', 1))
    expect_error(folder, "zones.toml", "[zones.south]", "field colour", "unknown key")


def test_uncited_column(folder):
    path = folder / "sources.csv"
    lines = [
        line
        for line in path.read_text().splitlines()
        if not line.startswith("regions.csv,grid_co2_kg_per_mwh,,")
    ]
    path.write_text("\n".join(lines) + "\n")
    expect_error(folder, "sources.csv", "grid_co2_kg_per_mwh", "every figure needs a source")


def test_bring_your_own_file_overrides_only_that_file(tmp_path):
    own = tmp_path / "own"
    own.mkdir()
    base = copy_data(tmp_path)
    (own / "regions.csv").write_text((base / "regions.csv").read_text())
    edit_csv(own / "regions.csv", "MI", "power_price_usd_per_mwh", "55.5")
    data = regions.load(own)
    assert data.regions.loc["MI", "power_price_usd_per_mwh"] == 55.5
    assert data.files["regions.csv"] == own / "regions.csv"
    assert data.files["facilities.csv"] == regions.DEFAULT_DATA_DIR / "facilities.csv"
    assert len(data.facilities) == len(regions.load().facilities)


def test_missing_folder(tmp_path):
    with pytest.raises(DataValidationError, match="data folder does not exist"):
        regions.load(tmp_path / "nope")
