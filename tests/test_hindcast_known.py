"""A hindcast knows only what was published by its as-of date (regions.known, hindcast_inputs)."""

from __future__ import annotations

import csv
from datetime import date

import pandas as pd
import pytest

import regions
from optimizer.analyses.hindcast import hindcast_scenario, rounded, spearman
from optimizer.analyses.hindcast_inputs import CREDIT_45X_ENACTED, credit_known, technology_leaks
from optimizer.api import _default_tech
from optimizer.model.minerals import supply_table
from optimizer.model.scenario import load_scenario
from regions.known import known_at, leak_summary
from tests import tiny

AS_OF = date(2020, 12, 31)


@pytest.fixture(scope="module")
def data() -> regions.RegionData:
    return regions.load()


@pytest.fixture(scope="module")
def view(data):
    return known_at(data, AS_OF)


def test_spearman_ties_survive_float_noise():
    # 134.99999999999997 and 135.0 are the same capacity: they tie (rank 2.5 each) as in y
    x = pd.Series([134.99999999999997, 135.0, 10.0], list("ABC"))
    y = pd.Series([5.0, 5.0, 1.0], list("ABC"))
    assert spearman(x, y) == pytest.approx(1.0)
    assert x.rank().tolist() == [2.0, 3.0, 1.0]  # what the unrounded ranks would have been
    assert rounded(x).rank().tolist() == [2.5, 2.5, 1.0]
    # a real difference still ranks
    assert spearman(pd.Series([134.0, 135.0, 10.0]), pd.Series([1.0, 2, 0])) == pytest.approx(1.0)


def test_a_2023_permit_record_is_unknown_in_2020(data, view):
    """NC's only evidence is the Toyota permit of 2023-02-01: in the 2020 world NC borrows, and
    no other state borrows from it."""
    assert data.permitting.at["NC", "basis"] == "evidence"
    assert view.data.permitting.at["NC", "basis"] == "regional_default"
    assert "nc-toyota (NC)" in set(view.withheld["item"])
    assert (view.data.permitting_evidence["evidence_id"] != "nc-toyota").all()
    for region_id, row in view.data.permitting.iterrows():
        if row["basis"] == "regional_default":
            assert "NC" not in row["derivation"].split(": ")[1].split(";")[0], region_id
    # the model reads regions.csv: the months follow the re-derived table
    assert (
        view.data.regions["permitting_months"] == view.data.permitting["permitting_months"]
    ).all()
    # evidence enacted long before 2020 stays: Oklahoma's 2001 rule
    assert view.data.permitting.at["OK", "permitting_months"] == 9.0


def test_sources_are_at_their_status_on_the_as_of_date(data, view):
    """aurubis-richmond (operating today, first production 2025) and the other later projects
    known only from later sources are absent in 2020; a mine producing since 1906 is there."""
    known = set(view.data.mineral_sources["source_id"])
    for source_id in ("aurubis-richmond", "tesla-robstown", "syrah-vidalia", "white-mesa"):
        assert source_id in set(data.mineral_sources["source_id"])
        assert source_id not in known, source_id
    assert "bingham-canyon" in known
    scenario = load_scenario("baseline")
    past, _ = hindcast_scenario(scenario, view.data, _default_tech(None), AS_OF, date(2024, 12, 31))
    supply = supply_table(view.data, past, _default_tech(None)).reset_index()
    available = supply[supply["available"]]
    assert "aurubis-richmond" not in set(available["source_id"])
    # without the as-of view the same hindcast ships from it (the leak this fixes)
    today = supply_table(data, past, _default_tech(None)).reset_index()
    assert "aurubis-richmond" in set(today[today["available"]]["source_id"])


def test_market_weights_by_publication_date(view):
    """CBP 2019 appeared 2021-04-22 and CBP 2020 later: a 2020 view uses CBP 2018."""
    demand = view.data.demand_as_of(AS_OF)
    battery = demand[demand["cluster_type"] == "battery"]
    assert set(battery["as_of"]) == {date(2018, 3, 12)}
    assert (battery["published"] <= AS_OF).all()
    # utility PV: no USPVDB release by then, so the earliest-published one is used and listed
    leak = view.leaks[view.leaks["item"] == "solar weights (MWac)"].iloc[0]
    assert leak["published"] == date(2025, 4, 30) and leak["later_by_days"] == 1581


def test_the_2020_leaks_are_listed(data, view):
    """Every input the 2020 hindcast uses although it was published later. A new leak must be
    added here on purpose (or fixed with an earlier vintage)."""
    tech = technology_leaks(_default_tech(None), AS_OF)
    leaks = pd.concat([view.leaks, tech], ignore_index=True)
    counts = leaks.groupby("input").size().to_dict()
    assert counts == {
        "demand.csv": 2,
        "facility_events.csv": 2,
        "mineral_prices.csv": 8,
        "mineral_sources.csv": 14,
        "parameters.csv": 12,
        "permitting_evidence.csv": 23,  # + 3 WV and 6 NE rows from undated copies
        "regions.csv": 10,
        "technologies.csv": 54,
    }
    region_items = set(leaks.loc[leaks["input"] == "regions.csv", "item"])
    assert region_items == {
        "power_price_usd_per_mwh", "power_price_usd_per_mwh [WY]", "mfg_employment_jobs",
        "mfg_employment_jobs [AK]", "mfg_employment_jobs [DC]", "mfg_employment_jobs [WY]",
        "mfg_employment_jobs [MT]", "mfg_employment_jobs [HI]", "mfg_wage_usd_per_yr",
        "grid_co2_kg_per_mwh",
    }  # fmt: skip
    assert set(leaks.loc[leaks["input"] == "demand.csv", "item"]) == {
        "solar weights (MWac)", "solar weights (MW)"
    }  # fmt: skip
    # power prices: EIA 2023 data released 2024-10-17, 1,386 days after the as-of date
    power = leaks[leaks["item"] == "power_price_usd_per_mwh"].iloc[0]
    assert power["published"] == date(2024, 10, 17) and not power["at_least"]
    assert power["later_by_days"] == 1386
    # every dated leak is later than the as-of date
    dated = leaks.dropna(subset=["later_by_days"])
    assert (dated["later_by_days"] > 0).all()
    lines = leak_summary(leaks)
    assert lines[0].startswith("leaks: demand.csv: solar weights (MWac) (4.3 yr later)")


def test_45x_is_left_out_before_its_enactment(data):
    assert not credit_known(AS_OF) and credit_known(CREDIT_45X_ENACTED)
    scenario = load_scenario("baseline")
    assert scenario.apply_45x
    past, notes = hindcast_scenario(scenario, data, _default_tech(None), AS_OF, date(2024, 12, 31))
    assert not past.apply_45x
    assert any("45X left out: enacted 2022-08-16" in n for n in notes)
    later, _ = hindcast_scenario(
        scenario, data, _default_tech(None), date(2022, 12, 31), date(2024, 12, 31)
    )
    assert later.apply_45x


def _write_evidence(folder, rows):
    path = folder / "permitting_evidence.csv"
    columns = [s.column for s in regions.table_schema()["permitting_evidence.csv"]]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        writer.writerows(rows)


def test_tiny_world_forgets_what_came_later(tmp_path):
    """Hand-made: A has a 2001 deadline (3.0) and a 2023 permit record (9.0); B has none.
    Today A's base is the median 6.0 and B borrows it; on 2020-12-31 A is 3.0 and B borrows
    3.0. A lithium mine first producing in 2023 whose source dates from 2022 is unknown in 2020;
    one whose source dates from 2019 is known, under construction."""
    folder = tiny.write_data(
        tmp_path / "data",
        domestic=[
            ["mine-late", "Late mine", "", "mine", "lithium", "B", 40.5, -87.5, 100, "sourced",
             "operating", 2023, "test", "", "2022"],
            ["mine-known", "Known mine", "", "mine", "lithium", "C", 40.5, -85.5, 50, "sourced",
             "under_construction", 2023, "test", "", "2019"],
            ["mine-old", "Old mine", "", "mine", "lithium", "A", 40.5, -89.5, 10, "sourced",
             "operating", 1990, "test", "", "2024"],
        ],
    )  # fmt: skip
    _write_evidence(
        folder,
        [
            ["a-rule", "A", "statutory_deadline", 3.0, "test rule", "", "2001", "", "2001-06-11"],
            ["a-permit", "A", "permit_record", 9.0, "test permit", "", "2023", "", "2023-02-01"],
        ],
    )
    table = pd.read_csv(folder / "permitting.csv", dtype=str, keep_default_na=False)
    table["census_region"] = "R"
    table["census_division"] = "D"
    # today: A = median(3, 9) = 6.0 (low 3, high 9); B, C borrow base 6, range 3..9
    table["permitting_months_low"] = ["3.0", "3.0", "3.0"]
    table["permitting_months"] = ["6.0", "6.0", "6.0"]
    table["permitting_months_high"] = ["9.0", "9.0", "9.0"]
    table["evidence_count"] = ["2", "0", "0"]
    table["basis"] = ["evidence", "regional_default", "regional_default"]
    table.to_csv(folder / "permitting.csv", index=False)
    regions_csv = pd.read_csv(folder / "regions.csv", dtype=str, keep_default_na=False)
    regions_csv["permitting_months"] = "6.0"
    regions_csv.to_csv(folder / "regions.csv", index=False)
    data = regions.load(folder)
    view = known_at(data, AS_OF)
    months = view.data.permitting["permitting_months"]
    assert months.to_dict() == {"A": 3.0, "B": 3.0, "C": 3.0}
    assert view.data.permitting.at["A", "permitting_months_high"] == 3.0
    assert list(view.withheld["item"]) == ["a-permit (A)", "mine-late lithium"]
    sources = view.data.mineral_sources.set_index("source_id")
    assert sources.at["mine-known", "status"] == "under_construction"
    assert sources.at["mine-old", "status"] == "operating"
    # mine-old's capacity comes from a 2024 source: a leak of at least 3 years (from 2024-01-01)
    leak = view.leaks[view.leaks["item"] == "mine-old lithium capacity"].iloc[0]
    assert leak["at_least"] and leak["later_by_days"] == (date(2024, 1, 1) - AS_OF).days
