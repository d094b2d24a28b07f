"""Each corrected facility of the embedded data: its value and status at two dates."""

from __future__ import annotations

import pandas as pd
import pytest

import optimizer
import regions
from optimizer import load_technology
from optimizer.model.minerals import supply_table


@pytest.fixture(scope="module")
def data():
    return regions.load()


def at(data, facility_id, day):
    """(status, counted capacity) on ``day``, or None when not in that day's view."""
    view = data.facilities_as_of(day)
    if facility_id not in view.index:
        return None
    capacity = view.at[facility_id, "capacity_std"]
    return view.at[facility_id, "status"], None if pd.isna(capacity) else float(capacity)


@pytest.mark.parametrize(
    ("facility_id", "day", "expected"),
    [
        # 'could become >100 GWh' was counted as operating: ~5 GWh/yr of 4680 cells (Dec 2023)
        ("tesla-giga-texas-tx", "2021-06-30", ("under_construction", None)),
        ("tesla-giga-texas-tx", "2026-06-30", ("operating", 5.0)),
        # pilot line only, factory space given up in Sept 2025
        ("one-van-buren-mi", "2024-06-30", ("under_construction", 20.0)),
        ("one-van-buren-mi", "2026-06-30", ("paused", 20.0)),
        # work stopped Sept 2024
        ("aesc-bowling-green-ky", "2024-06-30", ("under_construction", 30.0)),
        ("aesc-bowling-green-ky", "2025-06-30", ("paused", 30.0)),
        # target 2,000 t, first shipment Dec 2025, 500 t counted (labelled assumption)
        ("evac-sumter-sc", "2025-06-30", ("under_construction", 2000.0)),
        ("evac-sumter-sc", "2026-06-30", ("operating", 500.0)),
        # first phase 1,200 t of the 4,800 t nameplate
        ("usa-rare-earth-stillwater-ok", "2023-06-30", ("announced", 1200.0)),
        ("usa-rare-earth-stillwater-ok", "2026-06-30", ("under_construction", 1200.0)),
        # 3 of 14 lines from Nov 2025
        ("toyota-liberty-nc", "2025-06-30", ("announced", 30.0)),
        ("toyota-liberty-nc", "2026-06-30", ("operating", 6.4)),
        # 1 GW at opening; 3 GW is a target
        ("es-foundry-greenwood-sc", "2024-12-31", ("announced", 3.0)),
        ("es-foundry-greenwood-sc", "2025-06-30", ("operating", 1.0)),
        # closed Dec 2024
        ("rec-silicon-moses-lake-wa", "2024-06-30", ("operating", 18000.0)),
        ("rec-silicon-moses-lake-wa", "2025-06-30", None),
        # Gotion Big Rapids: missing before; paused Apr 2025, abandoned Oct 2025
        ("gotion-big-rapids-mi", "2023-06-30", ("announced", None)),
        ("gotion-big-rapids-mi", "2025-06-30", ("paused", None)),
        ("gotion-big-rapids-mi", "2026-06-30", None),
    ],
)
def test_corrected_status_and_capacity(data, facility_id, day, expected):
    assert at(data, facility_id, day) == expected


def test_first_solar_counts_at_the_cell_stage(data):
    # integrated CdTe lines count toward solar's counting product; Ohio 0.7 + 1.2 in 2020,
    # 2.4 + 1.2 + 3.5 = 7.1 GW after the 2025 upgrades
    ohio = data.facilities[data.facilities["company"] == "First Solar"]
    assert set(ohio.loc[ohio["region_id"] != "SC", "product"]) == {"cell"}
    assert data.facilities.at["first-solar-gaffney-sc", "product"] == "module"  # finishing only

    def ohio_cells(day):
        table = data.existing_capacity(day, statuses=("operating",))
        row = table[(table["region_id"] == "OH") & (table["cluster_type"] == "solar")]
        return float(row["capacity"].sum())

    assert ohio_cells("2020-06-30") == pytest.approx(1.9)
    assert ohio_cells("2026-06-30") == pytest.approx(7.1)


def test_rec_silicon_is_one_closed_plant_in_both_files(data):
    source = data.mineral_sources.set_index("source_id").loc["rec-silicon-moses-lake"]
    assert source["facility_id"] == "rec-silicon-moses-lake-wa"
    assert source["status"] == "closed"
    assert data.facilities.at["rec-silicon-moses-lake-wa", "status"] == "closed"
    scenario = optimizer.load_scenario("baseline")
    supply = supply_table(data, scenario, load_technology())
    row = supply.loc[("rec-silicon-moses-lake", "polysilicon")]
    assert not row["available"] and row["unavailable_reason"] == "closed"


def test_lithium_refinery_uses_the_models_bill_of_materials(data):
    # ~50 GWh/yr worth of lithium at the model's own t LCE per GWh (was 0.88 kg/kWh: 44,024 t)
    bom = load_technology().value("battery", "bom_lithium_t_per_unit")
    sources = data.mineral_sources.set_index(["source_id", "mineral"])["capacity_t_per_yr"]
    assert sources[("tesla-robstown", "lithium")] == pytest.approx(50 * bom)
    assert sources[("exxonmobil-arkansas", "lithium")] == pytest.approx(50 * bom)


def test_westwin_counts_the_pilot_not_the_2030_target(data):
    sources = data.mineral_sources.set_index(["source_id", "mineral"])
    row = sources.loc[("westwin-elements", "nickel")]
    assert row["capacity_t_per_yr"] == 200
    assert row["capacity_basis"] == "assumption"


def test_every_embedded_facility_has_recorded_events(data):
    assert not data.facility_events["implied"].any()
    assert set(data.facility_events["facility_id"]) == set(data.facilities.index)
    assert (
        data.facility_events["accessed"].max() <= pd.Timestamp.today().date()
    )  # not read in the future


def test_magnet_capacity_counted_in_the_baseline_view(data):
    # operating + under construction on 2026-06-30: USA Rare Earth 1,200 (phase 1), e-VAC 500,
    # Noveon 2,000, MP Independence 1,000 (was 9,800 t counting targets and nameplates)
    table = data.existing_capacity("2026-06-30", statuses=("operating", "under_construction"))
    assert table.loc[table["cluster_type"] == "magnet", "capacity"].sum() == pytest.approx(4700)
