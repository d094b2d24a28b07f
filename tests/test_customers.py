"""Customer points (customers.csv, customer_events.csv, jv_partners.csv): a hand-worked tiny
instance, each validation rule, the embedded files against demand.csv, the staged sources and a
rebuild."""

from __future__ import annotations

import csv
import math
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

import regions
from regions import DataValidationError
from regions.boundaries import COASTAL_TOLERANCE_KM, km_outside
from regions.customers import (
    customers_at,
    jv_partners,
    load_customer_events,
    load_customers,
    load_jv_partners,
    partner_plants,
)
from regions.demand import demand_at
from regions.tools.build_customers import CUSTOMER_HEADER, EVENT_HEADER, JV_HEADER
from tests.helpers import SHARED

REFERENCE = SHARED / "reference-data"
PLANTS = REFERENCE / "customers" / "light_vehicle_assembly_plants.csv"
PV_ADDITIONS = REFERENCE / "pv" / "utility_pv_additions_by_county_year.csv"
CBP_COUNTY = REFERENCE / "markets" / "cbp_county_selected_naics_2017_2021_38states.csv"
needs_sources = pytest.mark.skipif(
    not (PLANTS.exists() and PV_ADDITIONS.exists() and CBP_COUNTY.exists()),
    reason="staged reference data (../shared/reference-data) not present",
)
DROPPED = {"ford_detroit_chassis", "honda_pmc", "karma_moreno_valley", "think_elkhart"}
"""Source rows the build leaves out on purpose (FORMAT.md, Customers)."""
_FACILITIES = pd.read_csv(regions.DEFAULT_DATA_DIR / "facilities.csv")
MAGNET_PLANT = _FACILITIES.loc[_FACILITIES["cluster_type"] == "magnet", "facility_id"].iloc[0]


# --- a tiny instance, worked by hand ------------------------------------------------------

CBP = "U.S. Census Bureau, County Business Patterns"


def plant(pid: str, oem: str, weight: float, as_of: str = "2020-03-12") -> dict:
    return {
        "customer_id": pid, "cluster_type": "battery", "kind": "vehicle_assembly",
        "name": pid, "operator": oem, "oem": oem, "state": "MI", "county_fips": "26163",
        "lon": "-83.1", "lat": "42.3", "coord_basis": "plant", "weight": weight,
        "weight_unit": "jobs", "weight_scope": "state_pool", "measure": "level",
        "as_of": as_of, "basis": "derived", "citation": CBP,
    }  # fmt: skip


def pv(fips: str, year: int, mwac: float) -> dict:
    return {
        "customer_id": f"{fips}-utility-pv", "cluster_type": "solar",
        "kind": "utility_pv_additions", "name": fips, "state": "MI", "county_fips": fips,
        "lon": "-84.5", "lat": "42.7", "coord_basis": "county_centre_of_population",
        "weight": mwac, "weight_unit": "MWac", "weight_scope": "point", "measure": "additions",
        "as_of": f"{year}-12-31", "basis": "derived", "citation": "USPVDB v3.0",
    }  # fmt: skip


def write(path: Path, header: list[str], rows: list[dict]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


def event(pid: str, kind: str, day: str, oem: str = "") -> dict:
    return {"customer_id": pid, "event": kind, "date": day, "oem": oem, "citation": "test"}


@pytest.fixture
def tiny(tmp_path):
    """MI pool of 120 jobs (CBP 2020) and 90 (CBP 2021) over four plants: A open throughout, B
    opens 2021-01-01, C closed 2019-06-01, D idled 2020-02-01 and resumed 2021-02-01; one county
    with PV added 10, 20, 30, 40 MWac in 2017-2020."""
    rows = [
        plant(p, oem, 120)
        for p, oem in [("A", "General Motors"), ("B", "Ford"), ("C", "Ford"), ("D", "Ford")]
    ]
    rows += [
        plant(p, oem, 90, "2021-03-12")
        for p, oem in [("A", "General Motors"), ("B", "Ford"), ("D", "Ford")]
    ]
    rows += [pv("26065", y, w) for y, w in [(2017, 10), (2018, 20), (2019, 30), (2020, 40)]]
    events = [
        event("A", "opened", "2010-01-01", "General Motors"),
        event("B", "opened", "2021-01-01", "Ford"),
        event("C", "opened", "2010-01-01", "Ford"),
        event("C", "closed", "2019-06-01"),
        event("D", "opened", "2010-01-01", "Ford"),
        event("D", "idled", "2020-02-01"),
        event("D", "resumed", "2021-02-01"),
    ]  # fmt: skip
    customers = load_customers(write(tmp_path / "customers.csv", CUSTOMER_HEADER, rows))
    events = load_customer_events(
        write(tmp_path / "customer_events.csv", EVENT_HEADER, events), customers
    )
    return customers, events


def weights(view: pd.DataFrame) -> dict[str, float]:
    return dict(zip(view["customer_id"], view["weight"], strict=True))


def test_plant_opening_after_the_date_closed_or_idled_is_left_out(tiny):
    customers, events = tiny
    view = customers_at(customers, "2020-06-30", events)
    # B opens 2021, C closed 2019, D idled: A alone carries MI's 120 jobs
    assert weights(view[view["kind"] == "vehicle_assembly"]) == {"A": 120.0}
    # before the first figure (CBP 2020, 12 March) nothing is known
    assert customers_at(customers, "2020-03-11", events).query("kind == 'vehicle_assembly'").empty


def test_state_pool_is_shared_by_the_plants_operating_then(tiny):
    customers, events = tiny
    view = customers_at(customers, "2021-06-30", events)
    plants = view[view["kind"] == "vehicle_assembly"]
    # CBP 2021: 90 jobs over A, B (opened 2021-01-01) and D (resumed 2021-02-01)
    assert weights(plants) == {"A": 30.0, "B": 30.0, "D": 30.0}
    assert set(plants["pool_points"]) == {3} and set(plants["pool_weight"]) == {90}
    # between B's opening and D's resumption, with the 2020 figure still the newest
    early = customers_at(customers, "2021-01-15", events).query("kind == 'vehicle_assembly'")
    assert weights(early) == {"A": 60.0, "B": 60.0}


def test_pv_additions_summed_over_the_years_known_by_the_date(tiny):
    customers, events = tiny
    row = customers_at(customers, "2020-06-30", events).query("kind == 'utility_pv_additions'")
    # newest year known on 2020-06-30 is 2019: 2017 + 2018 + 2019 = 10 + 20 + 30
    assert row["weight"].tolist() == [60.0]
    assert row["as_of"].tolist() == [date(2019, 12, 31)]
    assert row["window_start"].tolist() == [date(2017, 12, 31)]
    later = customers_at(customers, "2021-01-01", events)
    assert later.query("kind == 'utility_pv_additions'")["weight"].tolist() == [90.0]  # 20+30+40
    every = customers_at(customers, "2021-01-01", events, pv_window_years=None)
    assert every.query("kind == 'utility_pv_additions'")["weight"].tolist() == [100.0]
    one = customers_at(customers, "2018-12-31", events, pv_window_years=1)
    assert one.query("kind == 'utility_pv_additions'")["weight"].tolist() == [20.0]
    assert customers_at(customers, "2017-12-30", events).empty  # nothing known yet


def test_jv_is_tied_to_its_partners_plants(tiny, tmp_path):
    customers, events = tiny
    ties = [
        {"facility_id": "ultium-warren-oh", "partner_oem": "General Motors", "relation": "jv", "citation": "row"},
        {"facility_id": "blueoval-sk-tennessee", "partner_oem": "Ford", "relation": "jv", "valid_to": "2021-03-01", "citation": "row"},
    ]  # fmt: skip
    partners = load_jv_partners(write(tmp_path / "jv_partners.csv", JV_HEADER, ties))
    view = customers_at(customers, "2021-02-15", events)
    tied = partner_plants(partners, view, "2021-02-15")
    pairs = set(zip(tied["facility_id"], tied["customer_id"], strict=True))
    assert pairs == {("ultium-warren-oh", "A"), ("blueoval-sk-tennessee", "B"), ("blueoval-sk-tennessee", "D")}  # fmt: skip
    after = partner_plants(partners, customers_at(customers, "2021-06-30", events), "2021-06-30")
    assert set(after["facility_id"]) == {"ultium-warren-oh"}  # the Ford tie ended 2021-03-01


# --- validation: each error names file, line and field -------------------------------------


def expect(exc: pytest.ExceptionInfo, path: Path, *parts: str) -> None:
    text = str(exc.value)
    assert text.startswith(str(path)), text
    for part in parts:
        assert part in text, (part, text)


@pytest.mark.parametrize(
    ("change", "line", "field", "message"),
    [
        ({"county_fips": "39155"}, 2, "county_fips", "not in MI"),
        ({"county_fips": "2616"}, 2, "county_fips", "not a 5-digit"),
        ({"state": "XX"}, 2, "state", "unknown id 'XX'"),
        ({"cluster_type": "solar"}, 2, "cluster_type", "does not match kind"),
        ({"citation": ""}, 2, "citation", "needs a citation"),
        ({"weight": "-1"}, 2, "weight", "below the minimum"),
        ({"coord_basis": "town"}, 2, "coord_basis", "'town' is not one of"),
        ({"lat": "95"}, 2, "lat", "above the plausible maximum"),
    ],
)
def test_bad_customer_row_names_file_line_field(tmp_path, change, line, field, message):
    rows = [{**plant("A", "Ford", 120), **change}, plant("B", "Ford", 120)]
    path = write(tmp_path / "customers.csv", CUSTOMER_HEADER, rows)
    with pytest.raises(DataValidationError) as exc:
        load_customers(path)
    expect(exc, path, f"line {line}", f"field {field}", message)


def test_point_moving_and_pool_disagreeing_are_errors(tmp_path):
    moved = [plant("A", "Ford", 120), {**plant("A", "Ford", 90, "2021-03-12"), "lat": "42.9"}]
    path = write(tmp_path / "customers.csv", CUSTOMER_HEADER, moved)
    with pytest.raises(DataValidationError) as exc:
        load_customers(path)
    expect(exc, path, "line 3 (A)", "field lat", "keeps one lat")
    split = [plant("A", "Ford", 120), plant("B", "Ford", 121)]
    path = write(tmp_path / "customers.csv", CUSTOMER_HEADER, split)
    with pytest.raises(DataValidationError) as exc:
        load_customers(path)
    expect(exc, path, "line 3 (B)", "field weight", "one state figure")
    twice = [plant("A", "Ford", 120), plant("A", "Ford", 120)]
    path = write(tmp_path / "customers.csv", CUSTOMER_HEADER, twice)
    with pytest.raises(DataValidationError) as exc:
        load_customers(path)
    expect(exc, path, "line 3", "field as_of", "duplicate")


@pytest.mark.parametrize(
    ("events", "line", "field", "message"),
    [
        ([event("A", "resumed", "2011-01-01")], 2, "event", "not possible from status 'not yet opened'"),
        ([event("A", "opened", "2010-01-01"), event("A", "resumed", "2012-01-01")], 3, "event", "from status 'operating'"),
        ([event("A", "opened", "2010-01-01"), event("A", "opened", "2012-01-01")], 3, "event", "'opened' on 2012-01-01"),
        ([event("Z", "opened", "2010-01-01")], 2, "customer_id", "unknown id 'Z'"),
        ([event("A", "opened", "2010-13-01")], 2, "date", "not a date"),
    ],
)  # fmt: skip
def test_bad_event_names_file_line_field(tmp_path, events, line, field, message):
    customers = load_customers(
        write(tmp_path / "customers.csv", CUSTOMER_HEADER, [plant("A", "Ford", 1)])
    )
    path = write(tmp_path / "customer_events.csv", EVENT_HEADER, events)
    with pytest.raises(DataValidationError) as exc:
        load_customer_events(path, customers)
    expect(exc, path, f"line {line}", f"field {field}", message)


def test_plant_without_events_is_an_error(tmp_path):
    customers = load_customers(
        write(tmp_path / "customers.csv", CUSTOMER_HEADER, [plant("A", "Ford", 1), plant("B", "Ford", 1)])
    )  # fmt: skip
    path = write(
        tmp_path / "customer_events.csv", EVENT_HEADER, [event("A", "opened", "2010-01-01")]
    )
    with pytest.raises(DataValidationError) as exc:
        load_customer_events(path, customers)
    expect(exc, path, "field customer_id", "no events for plant(s) B")


@pytest.mark.parametrize(
    ("tie", "field", "message"),
    [
        ({"facility_id": "no-such-plant"}, "facility_id", "unknown id 'no-such-plant'"),
        ({"facility_id": MAGNET_PLANT}, "facility_id", "not a battery facility"),
        (
            {"valid_from": "2024-01-01", "valid_to": "2023-01-01"},
            "valid_to",
            "not after valid_from",
        ),
        ({"relation": "friend"}, "relation", "'friend' is not one of"),
    ],
)
def test_bad_jv_row_names_file_line_field(tmp_path, tie, field, message):
    row = {"facility_id": "ultium-warren-oh", "partner_oem": "General Motors", "relation": "jv", "citation": "row"}  # fmt: skip
    path = write(tmp_path / "jv_partners.csv", JV_HEADER, [{**row, **tie}])
    with pytest.raises(DataValidationError) as exc:
        load_jv_partners(path)
    expect(exc, path, "line 2", f"field {field}", message)


# --- the embedded files ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def embedded():
    customers = load_customers()
    return customers, load_customer_events(customers=customers), jv_partners()


@pytest.fixture(scope="module")
def demand():
    return regions.load().demand


@pytest.mark.parametrize("as_of", ["2018-06-30", "2020-07-01", "2021-06-30"])
def test_vehicle_pools_sum_to_the_state_nodes(embedded, demand, as_of):
    customers, events, _ = embedded
    view = customers_at(customers, as_of, events)
    plants = view[view["kind"] == "vehicle_assembly"]
    nodes = demand_at(demand, as_of)
    nodes = nodes[nodes["node_id"].str.endswith("-light-vehicle-assembly")].set_index("region_id")
    for state, total in plants.groupby("state")["weight"].sum().items():
        assert math.isclose(total, nodes.at[state, "weight"], rel_tol=1e-9), state


@pytest.mark.parametrize("as_of", ["2017-06-30", "2019-06-30", "2021-06-30"])
def test_magnet_points_sum_to_the_state_nodes(embedded, demand, as_of):
    customers, events, _ = embedded
    view = customers_at(customers, as_of, events)
    nodes = demand_at(demand, as_of)
    for kind, slug in [
        ("motor_generator_mfg", "motor-generator-mfg"),
        ("turbine_mfg", "turbine-mfg"),
    ]:
        points = view[view["kind"] == kind].groupby("state")["weight"].sum()
        states = nodes[nodes["node_id"].str.endswith(f"-{slug}")].set_index("region_id")["weight"]
        pd.testing.assert_series_equal(points.sort_index(), states.sort_index(), check_names=False)


@pytest.mark.parametrize("as_of", ["2019-06-30", "2021-01-01", "2025-06-30"])
def test_pv_points_sum_to_the_state_nodes(embedded, demand, as_of):
    # demand.csv's state rows sum the same USPVDB additions over the same three years
    customers, events, _ = embedded
    view = customers_at(customers, as_of, events)
    points = view[view["kind"] == "utility_pv_additions"].groupby("state")["weight"].sum()
    nodes = demand_at(demand, as_of)
    states = nodes[nodes["node_id"].str.endswith("-utility-pv-additions")].set_index("region_id")
    for state, total in points.items():
        assert abs(total - states.at[state, "weight"]) < 0.06, state  # state rows: 0.1 MWac


def test_points_lie_in_their_state(embedded):
    customers = embedded[0].drop_duplicates("customer_id")
    data = regions.load()
    for row in customers.itertuples():
        gap = km_outside(data.geometry[row.state], row.lon, row.lat)
        assert gap <= COASTAL_TOLERANCE_KM, (row.customer_id, gap)


def test_embedded_jv_table_names_battery_plants_with_plants_to_serve(embedded):
    customers, events, partners = embedded
    view = customers_at(customers, "2025-06-30", events)
    tied = partner_plants(partners, view, "2025-06-30")
    assert {"ultium-warren-oh", "blueoval-sk-kentucky-1", "starplus-kokomo-in-1", "toyota-liberty-nc",
            "honda-lges-jeffersonville-oh", "hyundai-sk-bartow-ga"} <= set(tied["facility_id"])  # fmt: skip
    gm = set(tied.loc[tied["facility_id"] == "ultium-warren-oh", "customer_id"])
    assert "gm_factory_zero" in gm and "ford_chicago" not in gm
    facilities = regions.load().facilities
    cited = facilities.loc[partners["facility_id"], "citation"].tolist()
    assert partners["citation"].tolist() == cited  # each tie cites its facility row


def test_operator_follows_the_events(embedded):
    customers, events, _ = embedded
    fremont = lambda d: customers_at(customers, d, events).set_index("customer_id")  # noqa: E731
    assert fremont("2021-06-30").at["nummi_fremont_tesla", "oem"] == "Tesla"
    assert "gm_lordstown" not in fremont("2021-06-30").index  # closed by GM, not yet reopened
    assert fremont("2019-06-30").at["gm_lordstown", "operator"] == "General Motors"
    assert fremont("2023-06-30").at["gm_lordstown", "operator"] == "Lordstown Motors"


# --- against the staged sources (skipped when absent) -------------------------------------


@needs_sources
def test_plants_operating_in_2020_match_the_source(embedded):
    customers, events, _ = embedded
    source = pd.read_csv(PLANTS, dtype=str, keep_default_na=False)
    # status_2020 starting "operating" (incl. Factory ZERO, idled from Feb 2020), less the drops
    operating = source[source["status_2020"].str.startswith("operating")]
    expected = set(operating["plant_id"]) - DROPPED
    view = customers_at(customers, "2020-01-01", events)
    assert set(view.loc[view["kind"] == "vehicle_assembly", "customer_id"]) == expected
    assert len(expected) == 44
    not_operating = set(source["plant_id"]) - set(operating["plant_id"])
    later = customers_at(customers, "2020-07-01", events)
    assert not (set(later["customer_id"]) & not_operating)
    assert "gm_factory_zero" not in set(later["customer_id"])  # idled for retooling


@needs_sources
def test_pv_additions_match_the_source(embedded):
    customers = embedded[0]
    source = pd.read_csv(PV_ADDITIONS, dtype={"county_fips": str})
    pv = customers[customers["kind"] == "utility_pv_additions"]
    assert len(pv) == len(source)
    assert math.isclose(pv["weight"].sum(), source["capacity_mwac_added"].sum(), rel_tol=1e-9)
    assert math.isclose(pv["weight"].sum(), 99146.0, abs_tol=0.05)  # README total
    mine = pv.assign(year=pv["as_of"].map(lambda d: d.year)).set_index(["county_fips", "year"])
    theirs = source.set_index(["county_fips", "year"])["capacity_mwac_added"]
    assert (mine["weight"] - theirs.reindex(mine.index)).abs().max() < 1e-6


@needs_sources
def test_magnet_county_cells_match_the_source(embedded):
    customers = embedded[0]
    source = pd.read_csv(CBP_COUNTY, dtype={"fips": str, "naics": str})
    published = source[
        source["naics"].isin(["335312", "333611"])
        & ~((source["employment"] == 0) & (source["establishments"] > 0))
    ]
    county = customers[
        customers["kind"].isin(["motor_generator_mfg", "turbine_mfg"])
        & (customers["coord_basis"] == "county_centre_of_population")
    ]
    assert len(county) == len(published)
    assert county["weight"].sum() == published["employment"].sum()


@needs_sources
def test_embedded_files_match_a_rebuild(tmp_path):
    from regions.tools.build_customers import main

    assert main([str(REFERENCE), "--out", str(tmp_path)]) == 0
    for name in ("customers.csv", "customer_events.csv", "jv_partners.csv"):
        built = (tmp_path / name).read_text(encoding="utf-8")
        assert built == (regions.DEFAULT_DATA_DIR / name).read_text(encoding="utf-8"), name
