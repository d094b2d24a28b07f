"""The embedded dataset: transcribed values, geometry, zones, sources."""

from __future__ import annotations

import csv

import pandas as pd
import pytest
from shapely.geometry import Point

import regions
from regions.boundaries import COASTAL_TOLERANCE_KM, km_outside
from tests.helpers import SHARED

EIA_FILE = SHARED / "reference-data" / "eia_epa2023_avg_retail_price_by_state_sector.csv"
BLS_FILE = (
    SHARED / "reference-data" / "bls_ces_mfg_employment_by_state_apr2025_via_visualcapitalist.csv"
)


@pytest.fixture(scope="module")
def data() -> regions.RegionData:
    return regions.load()


def test_fifty_states_and_dc(data):
    assert len(data.regions) == 51
    assert {"DC", "AK", "HI", "TX", "MN"} <= set(data.regions.index)
    assert data.regions.loc["MN", "fips"] == "27"
    assert data.regions.loc["MN", "name"] == "Minnesota"


@pytest.mark.parametrize(
    ("state", "usd_per_mwh"),
    # EIA Electric Power Annual 2023, industrial cents/kWh x 10: TX 6.60, CA 18.64, TN 6.23, MI 8.16
    [("TX", 66.0), ("CA", 186.4), ("TN", 62.3), ("MI", 81.6)],
)
def test_transcribed_power_prices(data, state, usd_per_mwh):
    assert data.regions.loc[state, "power_price_usd_per_mwh"] == pytest.approx(usd_per_mwh)


def test_transcribed_employment(data):
    # BLS CES April 2025 (thousands): MI 597.6, OH 687.5, GA 426.5
    assert data.regions.loc["MI", "mfg_employment_jobs"] == 597_600
    assert data.regions.loc["OH", "mfg_employment_jobs"] == 687_500
    assert data.regions.loc["GA", "mfg_employment_jobs"] == 426_500


@pytest.mark.skipif(not EIA_FILE.exists(), reason="shared reference data not present")
def test_every_price_equals_the_cited_table(data):
    names = dict(zip(data.regions["name"], data.regions.index, strict=True))
    with EIA_FILE.open(newline="") as fh:
        checked = 0
        for row in csv.DictReader(fh):
            if not row["industrial_cents_kwh"]:
                continue  # Wyoming: taken from another EIA vintage (see sources.csv)
            state = names[row["state"]]
            assert data.regions.loc[state, "power_price_usd_per_mwh"] == pytest.approx(
                float(row["industrial_cents_kwh"]) * 10
            ), state
            checked += 1
    assert checked == 50


@pytest.mark.skipif(not BLS_FILE.exists(), reason="shared reference data not present")
def test_every_employment_figure_equals_the_cited_table(data):
    names = dict(zip(data.regions["name"], data.regions.index, strict=True))
    with BLS_FILE.open(newline="") as fh:
        for row in csv.DictReader(fh):
            if row["mfg_jobs_thousands_apr2025"]:
                expected = round(float(row["mfg_jobs_thousands_apr2025"]) * 1000)
                assert data.regions.loc[names[row["state"]], "mfg_employment_jobs"] == expected


def test_gap_filled_cells_name_their_own_source(data):
    assert data.kind_of("regions.csv", "power_price_usd_per_mwh", "WY") == "sourced"
    wy = data.sources[
        (data.sources["column"] == "power_price_usd_per_mwh") & (data.sources["region_id"] == "WY")
    ]
    assert "2024" in wy["vintage"].iloc[0]
    assert data.kind_of("regions.csv", "permitting_months") == "sourced"
    assert data.kind_of("regions.csv", "permitting_months", "NC") == "sourced"
    assert data.kind_of("regions.csv", "permitting_months", "WY") == "derived"  # borrowed


def test_areas_and_representative_points(data):
    area = data.regions["area_km2"]
    assert area["AK"] > area["TX"] > area["CA"] > area["MT"]
    # Census: TX land 676,633 km2, land + water 695,659 km2; the cartographic file lies between
    assert 676_000 < area["TX"] < 696_000
    outside = []
    for region_id, row in data.regions.iterrows():
        gap = km_outside(data.geometry[region_id], row["rep_lon"], row["rep_lat"])
        assert gap <= COASTAL_TOLERANCE_KM, region_id
        if gap > 0:
            outside.append(region_id)
        assert data.geometry[region_id].is_valid
    # Hawaii's centre of population falls in the Kaiwi Channel, 18 km off the simplified coast
    assert outside == ["HI"]


def test_representative_points_are_census_centres_of_population(data):
    # US Census Bureau, CenPop2020_Mean_ST.txt (values typed from the published file)
    assert (data.regions.loc["MI", "rep_lat"], data.regions.loc["MI", "rep_lon"]) == (
        42.864675,
        -84.213172,
    )
    assert data.regions.loc["MI", "rep_lat"] < 45  # Lower Peninsula, not Upper (46.29 before)
    assert (data.regions.loc["TX", "rep_lat"], data.regions.loc["TX", "rep_lon"]) == (
        30.909581,
        -97.328656,
    )
    assert "centers of population" in data.metadata["rep_point_source"]


def test_representative_points_match_the_staged_census_file(data):
    path = SHARED / "reference-data" / "counties" / "state_centers_of_population_2020.csv"
    if not path.exists():
        pytest.skip("staged reference data not available")
    staged = pd.read_csv(path, dtype={"statefp": str}).set_index("state")
    for region_id, row in data.regions.iterrows():
        assert row["rep_lat"] == staged.at[region_id, "latitude"], region_id
        assert row["rep_lon"] == staged.at[region_id, "longitude"], region_id


def test_boundary_file_is_small():
    assert (regions.DEFAULT_DATA_DIR / "regions.geojson").stat().st_size < 2_000_000


def test_zones(data):
    great_lakes = data.zone_members("great-lakes")
    south = data.zone_members("south")
    assert "MI" in great_lakes and "MN" in great_lakes and "GA" not in great_lakes
    assert {"GA", "TN", "KY", "AL", "NC", "SC"} <= set(south)
    assert "TX" not in great_lakes and "TX" not in south
    corridor = data.zones["battery-belt-corridor"]
    assert corridor.method == "corridor"
    assert {"MN", "WI", "MI", "IL"} <= set(corridor.members)
    assert "GA" not in corridor.members
    with pytest.raises(KeyError, match="known zones"):
        data.zone_members("atlantis")


def test_lake_superior_sources_present(data):
    domestic = data.mineral_sources[~data.mineral_sources["foreign"]]
    assert (domestic["region_id"] == "MN").sum() >= 3  # Duluth Complex, Emily manganese
    eagle = domestic[domestic["name"].str.contains("Eagle", case=False)]
    assert set(eagle["mineral"]) >= {"nickel"} and set(eagle["region_id"]) == {"MI"}
    emily = domestic[domestic["name"].str.contains("Emily", case=False)]
    assert set(emily["mineral"]) == {"manganese"}


def test_gateways_supply_every_mineral_uncapped(data):
    gateways = data.mineral_sources[data.mineral_sources["foreign"]]
    n_ports = gateways["source_id"].nunique()
    assert len(gateways) == n_ports * len(data.mineral_prices)
    assert gateways["capacity_t_per_yr"].isna().all()


def test_facilities_as_of(data):
    early = data.facilities_as_of("2020-01-01")
    later = data.facilities_as_of("2025-01-01")
    assert len(early) < len(later)
    assert (later["announced_date"].map(lambda d: d.isoformat()) <= "2025-01-01").all()
    assert set(data.facilities["cluster_type"]) == {"battery", "magnet", "solar"}
    assert (data.facilities["cluster_type"] == "battery").sum() >= 20


def test_every_regions_column_is_cited(data):
    cited = set(
        data.sources.loc[
            (data.sources["table"] == "regions.csv") & (data.sources["region_id"] == ""), "column"
        ]
    )
    for column in regions.table_schema()["regions.csv"]:
        assert column.column in cited


def test_format_doc_lists_every_schema_column():
    text = (regions.DEFAULT_DATA_DIR.parent / "FORMAT.md").read_text()
    for table, specs in regions.table_schema().items():
        assert f"## `{table}`" in text
        for spec in specs:
            assert f"| `{spec.column}` | {spec.type} |" in text, (table, spec.column)


def test_sites_lie_in_the_state_they_name(data):
    # facilities and domestic sources inside their state's polygon; ports may sit on the water
    # just off the simplified coastline, within the loader's coastal tolerance
    for facility_id, row in data.facilities.iterrows():
        assert data.geometry[row["region_id"]].contains(Point(row["lon"], row["lat"])), facility_id
    for row in data.mineral_sources.drop_duplicates("source_id").itertuples():
        gap = km_outside(data.geometry[row.region_id], row.lon, row.lat)
        if row.foreign:
            assert gap < COASTAL_TOLERANCE_KM, row.source_id
        else:
            assert gap == 0.0, row.source_id


def test_format_doc_is_rendered_from_the_schema():
    from regions.tools.render_format import FORMAT_FILE, render

    text = FORMAT_FILE.read_text(encoding="utf-8")
    assert render(text) == text, "run python regions/tools/render_format.py"
