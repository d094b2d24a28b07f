"""County candidates (regions/counties.py, regions/data/counties.csv): labour sheds, the
minimum-scale labor screen, the reconciliation and price rules of the build tool, validation."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import pandas as pd
import pytest

import regions
from optimizer.model.technology import CLUSTER_TYPES, load_technology
from regions import DataValidationError
from regions.counties import (
    COMMUTE_RADIUS_KM,
    COUNTIES_FILE,
    commuting_pools,
    labor_sheds,
    load_counties,
    passing_counts,
    plant_jobs,
    screen,
)
from tests.helpers import SHARED

STAGED = SHARED / "reference-data" / "counties"
TOOL = Path(regions.__file__).parent / "tools" / "build_counties.py"
SCREEN_COUNTS = {"battery": 660, "magnet": 1384, "solar": 707}
"""Counties passing the metropolitan-area screen in the embedded data (FORMAT.md, "Counties")."""
RADIUS_COUNTS = {"battery": 1603, "magnet": 2625, "solar": 1727}
"""Counties passing the default 75 km commuting-radius screen in the embedded data."""


def build_tool():
    spec = importlib.util.spec_from_file_location("build_counties", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tech():
    return load_technology()


@pytest.fixture(scope="module")
def figures(tech):
    """(labor_share_cap, hires of one minimum-scale plant per type) from the parameter tables."""
    cap = tech.param("labor_share_cap")
    needed = plant_jobs(
        {k: tech.value(k, "min_scale") for k in CLUSTER_TYPES},
        {k: tech.value(k, "jobs_per_unit") for k in CLUSTER_TYPES},
    )
    return cap, needed


# ---------------------------------------------------------------- a hand-worked tiny instance
HEADER = [s.column for s in regions.table_schema()["counties.csv"]]
BASE = {
    "state": "MI", "rep_lon": "-84.5", "rep_lat": "42.7", "rep_point_basis": "census_2020",
    "population_2020": "100000", "mfg_employment_year": "2021",
    "mfg_employment_source": "cbp2021", "mfg_employment_status": "published",
    "mfg_state_scale": "1", "cbsa_code": "", "cbsa_kind": "no_cbsa",
    "power_price_usd_per_mwh": "70", "power_price_basis": "utility_bundled",
    "power_utilities": "1", "power_utilities_priced": "1", "power_bundled_share": "1",
}  # fmt: skip
# Shed 11111 (a metro area) is shared by A and B; B's figure is withheld (counts 0).
# C and D lie in no CBSA: each is its own shed.
TINY = [
    {"fips": "26001", "county_name": "A", "jobs": "20000", "cbsa_code": "11111"},
    {"fips": "26003", "county_name": "B", "jobs": "", "cbsa_code": "11111"},
    {"fips": "26005", "county_name": "C", "jobs": "19980", "cbsa_code": ""},
    {"fips": "26007", "county_name": "D", "jobs": "3180", "cbsa_code": ""},
]


def tiny_rows() -> list[dict]:
    rows = []
    for spec in TINY:
        row = {**BASE, "fips": spec["fips"], "county_name": spec["county_name"]}
        row["mfg_employment_published"] = row["mfg_employment_jobs"] = spec["jobs"]
        if not spec["jobs"]:
            row["mfg_employment_status"] = "cbp_no_row"
        row["cbsa_code"] = spec["cbsa_code"]
        row["cbsa_kind"] = "metro" if spec["cbsa_code"] else "no_cbsa"
        row["labor_shed_id"] = spec["cbsa_code"] or spec["fips"]
        rows.append(row)
    return rows


def write_counties(path: Path, rows: list[dict]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=HEADER, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def tiny(tmp_path):
    return load_counties(write_counties(tmp_path / "counties.csv", tiny_rows()))


def test_the_figures_come_from_the_parameter_tables(figures):
    cap, needed = figures
    # labor_share_cap 5 %; battery 20 GWh/yr x 50 jobs per GWh/yr = 1,000 hires;
    # magnet 1,000 t/yr x 0.16 jobs per t/yr = 160; solar 2 GW/yr x 432 jobs per GW/yr = 864
    assert cap == pytest.approx(0.05)
    assert needed == pytest.approx({"battery": 1000.0, "magnet": 160.0, "solar": 864.0})


def test_sheds_pool_their_members(tiny, figures):
    cap, _ = figures
    sheds = labor_sheds(tiny, cap)
    # 11111: A 20,000 + B withheld (0) = 20,000 jobs, pool 5 % = 1,000 hires
    assert sheds.loc["11111", "members"] == ("26001", "26003")
    assert sheds.loc["11111", "employment_jobs"] == 20000
    assert sheds.loc["11111", "withheld"] == 1
    assert sheds.loc["11111", "pool_jobs"] == pytest.approx(1000.0)
    # C alone: 19,980 x 5 % = 999; D alone: 3,180 x 5 % = 159
    assert sheds.loc["26005", "pool_jobs"] == pytest.approx(999.0)
    assert sheds.loc["26007", "pool_jobs"] == pytest.approx(159.0)
    assert sorted(sheds.index) == ["11111", "26005", "26007"]


def test_screen_pass_and_fail_by_type(tiny, figures):
    cap, needed = figures
    result = screen(tiny, cap, needed, shed="cbsa").set_index(["fips", "cluster_type"])["passes"]
    expected = {
        # pool 1,000: battery needs 1,000 (passes, exactly), magnet 160, solar 864
        "26001": {"battery": True, "magnet": True, "solar": True},
        # B has no published jobs of its own but hires from its shed: passes like A
        "26003": {"battery": True, "magnet": True, "solar": True},
        # pool 999: battery fails by one job, solar (864) and magnet pass
        "26005": {"battery": False, "magnet": True, "solar": True},
        # pool 159: magnet fails by one job (160), the others too
        "26007": {"battery": False, "magnet": False, "solar": False},
    }
    for fips, by_type in expected.items():
        for kind, passes in by_type.items():
            assert bool(result[(fips, kind)]) is passes, (fips, kind)
    assert passing_counts(screen(tiny, cap, needed, shed="cbsa")) == {
        "battery": 2,
        "magnet": 3,
        "solar": 3,
    }


def test_screen_gives_the_reason(tiny, figures):
    cap, needed = figures
    rows = screen(tiny, cap, needed, shed="cbsa").set_index(["fips", "cluster_type"])
    assert rows.loc[("26005", "battery"), "reason"] == (
        "only 999 jobs (< 1,000 needed) in shed 26005 (1 county)"
    )
    assert rows.loc[("26003", "battery"), "reason"] == (
        "pool 1,000 jobs (≥ 1,000 needed) in shed 11111 (2 counties)"
    )


def test_a_bigger_share_cap_lets_the_one_job_short_shed_pass(tiny, figures):
    _, needed = figures
    # 19,980 x 5.01 % = 1,001 >= 1,000
    result = screen(tiny, 0.0501, needed, shed="cbsa").set_index(["fips", "cluster_type"])
    assert bool(result.loc[("26005", "battery"), "passes"])
    with pytest.raises(ValueError, match="labor_share_cap"):
        labor_sheds(tiny, 5.0)  # a percentage by mistake


# ------------------------------------------------------------- rules of the build tool
def test_reconciliation_scales_to_the_state_figure():
    tool = build_tool()
    # CBP state: T = 110,000 (regions.csv), CBP state total 100,000, published counties 96,000
    # (4,000 withheld): factor 110,000 / 100,000 = 1.1; a county of 12,000 -> 13,200; the
    # counties sum to 105,600 and the withheld residual is 110,000 - 105,600 = 4,400
    assert tool.state_scale(110_000, 100_000, 96_000) == pytest.approx(1.1)
    assert 12_000 * tool.state_scale(110_000, 100_000, 96_000) == pytest.approx(13_200)
    # ABS counties summing to more than the CBP total (CA): they share the whole figure,
    # 110,000 / 104,000 = 1.057692..., no residual
    assert tool.state_scale(110_000, 100_000, 104_000) == pytest.approx(110_000 / 104_000)
    # no CBP total (DC): 1,200 / 1,092 = 1.098901...
    assert tool.state_scale(1_200, None, 1_092) == pytest.approx(1.0989011)


def test_multi_utility_price_is_sales_weighted(tmp_path):
    tool = build_tool()
    sales_header = (
        "data_year,utility_number,utility_name,part,service_type,data_type,state,ownership,"
        "ba_code,ind_revenue_kusd,ind_sales_mwh,ind_customers,total_revenue_kusd,"
        "total_sales_mwh,total_customers,ind_avg_price_cents_per_kwh_derived"
    )
    sales = [
        # utility 1: 6,000 k$ / 100,000 MWh = 60 USD/MWh; utility 2: 2,400 / 20,000 = 120
        "2019,1,Big IOU,A,Bundled,O,MI,Investor Owned,MISO,6000,100000,10,,,,6.0",
        "2019,2,Small Muni,A,Bundled,O,MI,Municipal,MISO,2400,20000,2,,,,12.0",
        # utility 3: delivery only (retail choice): 50,000 MWh of wires service
        "2019,3,Wires Co,C,Delivery,O,MI,Investor Owned,MISO,500,50000,5,,,,",
        # utility 1 also sells in OH; a county in MI must not pick that row
        "2019,1,Big IOU,A,Bundled,O,OH,Investor Owned,PJM,1000,1000,1,,,,100.0",
    ]
    (tmp_path / "eia861_2019_sales_ult_cust_utility_industrial.csv").write_text(
        "\n".join([sales_header, *sales]) + "\n"
    )
    territory = [
        "data_year,utility_number,utility_name,fips,county_name,state_name,fips_cb2016",
        "2018,1,Big IOU,26001,A,Michigan,26001",
        "2018,2,Small Muni,26001,A,Michigan,26001",
        "2018,2,Small Muni,26003,B,Michigan,26003",
        "2018,3,Wires Co,26003,B,Michigan,26003",
        "2018,4,No Sales Coop,26005,C,Michigan,26005",
    ]
    (tmp_path / "eia861_2018_service_territory_county.csv").write_text("\n".join(territory))
    (tmp_path / "eia861_2019_state_industrial_price_derived.csv").write_text(
        "state,ind_revenue_kusd_parts_ABCD,ind_sales_mwh_parts_ABD,ind_avg_price_cents_kwh_derived\n"
        "MI,1,1,7.07\n"
    )
    keys = pd.DataFrame({"fips": ["26001", "26003", "26005"], "state": ["MI"] * 3})
    out = tool.prices(tmp_path, keys)
    # A: (6,000 + 2,400) k$ / (100,000 + 20,000) MWh x 1000 = 70 USD/MWh (not the simple mean
    # 90, not the larger utility's 60)
    assert out.loc["26001", "power_price_usd_per_mwh"] == pytest.approx(70.0)
    assert out.loc["26001", "power_price_basis"] == "utility_bundled"
    assert tuple(out.loc["26001", ["power_utilities", "power_utilities_priced"]]) == (2, 2)
    # B: only the muni sells bundled (120 USD/MWh); bundled share 20,000 / (20,000 + 50,000)
    # = 0.2857 < 0.5: flagged as a retail-choice county
    assert out.loc["26003", "power_price_usd_per_mwh"] == pytest.approx(120.0)
    assert out.loc["26003", "power_bundled_share"] == pytest.approx(2 / 7)
    assert out.loc["26003", "power_price_basis"] == "utility_bundled_minority"
    # C: its utility sells no bundled industrial power: the state price 7.07 c/kWh = 70.7
    assert out.loc["26005", "power_price_usd_per_mwh"] == pytest.approx(70.7)
    assert out.loc["26005", "power_price_basis"] == "state_fallback"


# ------------------------------------------------------------------------------ validation
@pytest.mark.parametrize(
    ("fips", "column", "value", "field", "message"),
    [
        ("26005", "fips", "2600X", "fips", "not a 5-digit county FIPS"),
        ("26005", "state", "OH", "fips", "does not lie in OH"),
        ("26005", "state", "XX", "state", "unknown state 'XX'"),
        ("26003", "mfg_employment_status", "published", "mfg_employment_published", "a figure"),
        ("26005", "mfg_employment_jobs", "25000", "mfg_employment_jobs", "not mfg_employment"),
        ("26005", "labor_shed_id", "11111", "labor_shed_id", "must be the CBSA code"),
        ("26005", "rep_lat", "95", "rep_lat", "above the plausible maximum 90"),
        ("26005", "cbsa_kind", "metro", "cbsa_kind", "disagrees with cbsa_code"),
        ("26005", "power_price_basis", "cheap", "power_price_basis", "not one of"),
        ("26005", "power_utilities_priced", "2", "power_utilities_priced", "exceeds"),
    ],
)
def test_errors_name_file_line_and_field(tmp_path, fips, column, value, field, message):
    rows = tiny_rows()
    line = next(n for n, row in enumerate(rows, start=2) if row["fips"] == fips)
    rows[line - 2][column] = value
    path = write_counties(tmp_path / "counties.csv", rows)
    with pytest.raises(DataValidationError) as err:
        load_counties(path)
    assert (err.value.file, err.value.line, err.value.field) == (str(path), line, field)
    assert message in err.value.message
    assert f"{path}, line {line}" in str(err.value)


def test_duplicate_fips_is_named(tmp_path):
    rows = tiny_rows()
    rows.append(dict(rows[0]))
    path = write_counties(tmp_path / "counties.csv", rows)
    with pytest.raises(DataValidationError, match=r"line 6.*duplicate fips=26001"):
        load_counties(path)


def test_a_data_folder_may_carry_a_counties_file(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    write_counties(folder / "counties.csv", tiny_rows())
    assert regions.loader.resolve_files(folder)["regions.csv"] == (
        regions.DEFAULT_DATA_DIR / "regions.csv"
    )


# ----------------------------------------------------------------------- the embedded file
@pytest.fixture(scope="module")
def embedded():
    return load_counties()


def test_embedded_file_has_every_county_once(embedded):
    assert len(embedded) == 3142 and embedded.index.is_unique
    assert embedded.index.str.fullmatch(r"\d{5}").all()
    assert embedded["state"].nunique() == 51
    # the sheds: 927 CBSAs of the 50 states + DC, and 1,301 counties outside any
    assert (embedded["cbsa_kind"] == "no_cbsa").sum() == 1301
    assert embedded["labor_shed_id"].nunique() == 927 + 1301


def test_embedded_screen_counts_recomputed_from_the_columns(embedded, figures):
    cap, needed = figures
    # independent of regions.counties: sum the reconciled jobs per shed from the raw file
    shed_jobs: dict[str, float] = {}
    with COUNTIES_FILE.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        jobs = float(row["mfg_employment_jobs"] or 0.0)
        shed_jobs[row["labor_shed_id"]] = shed_jobs.get(row["labor_shed_id"], 0.0) + jobs
    by_hand = {
        kind: sum(1 for row in rows if cap * shed_jobs[row["labor_shed_id"]] >= need)
        for kind, need in needed.items()
    }
    assert passing_counts(screen(embedded, cap, needed, shed="cbsa")) == by_hand == SCREEN_COUNTS


def test_embedded_employment_sums_to_the_state_figures(embedded):
    states = regions.load().regions["mfg_employment_jobs"]
    summed = embedded.groupby("state")["mfg_employment_jobs"].sum()
    # the counties never exceed the state figure; the gap is the withheld residual: under 4 %
    # in the CBP states, up to 17 % in the ABS states (GA 16.5 %, VA 17.4 %: many small
    # counties withheld)
    target = states.reindex(summed.index)
    assert (summed <= target + 1).all()
    assert (summed >= 0.82 * target).all()
    cbp = embedded.groupby("state")["mfg_employment_source"].first() == "cbp2021"
    assert (summed[cbp] >= 0.96 * target[cbp]).all()


def test_every_county_column_is_cited():
    sources = regions.load().sources
    cited = set(sources.loc[sources["table"] == "counties.csv", "column"])
    # every column has a whole-column citation; the point is cited as one pair
    assert set(HEADER) - {"rep_lon", "rep_lat"} <= cited
    assert "rep_lon/rep_lat" in cited


@pytest.mark.skipif(not STAGED.is_dir(), reason="shared reference data not present")
def test_embedded_file_matches_a_rebuild(tmp_path):
    tool = build_tool()
    out = tmp_path / "counties.csv"
    assert tool.main([str(STAGED), "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == COUNTIES_FILE.read_text(encoding="utf-8")


# ------------------------------------------------------------- the commuting-radius screen
def _line_of_counties() -> pd.DataFrame:
    """Three counties on the equator, 0.5 degrees (55.6 km) apart: A - B - C."""
    return pd.DataFrame(
        {
            "rep_lon": [0.0, 0.5, 1.0],
            "rep_lat": [0.0, 0.0, 0.0],
            "mfg_employment_jobs": [10_000.0, 8_000.0, 12_000.0],
            "labor_shed_id": ["00001", "00003", "00005"],
        },
        index=pd.Index(["00001", "00003", "00005"], name="fips"),
    )


def test_commuting_areas_overlap_and_are_worked_by_hand():
    # 75 km: A sees A, B (55.6 km); B sees all three; C sees B, C (A is 111.2 km away)
    # pools at 5 %: A (10,000 + 8,000) = 900; B 30,000 -> 1,500; C (8,000 + 12,000) = 1,000
    pools = commuting_pools(_line_of_counties(), 0.05, 75.0)
    assert pools["counties"].tolist() == [2, 3, 2]
    assert pools["pool_jobs"].tolist() == pytest.approx([900.0, 1500.0, 1000.0])
    rows = screen(_line_of_counties(), 0.05, {"battery": 1000.0}).set_index("fips")
    assert rows["passes"].tolist() == [False, True, True]  # C passes exactly at 1,000
    assert rows.loc["00001", "reason"] == (
        "only 900 jobs (< 1,000 needed) within 75 km (2 counties)"
    )
    assert rows.loc["00001", "labor_shed_id"] == "00001+75km"
    # each county alone (the metropolitan-area rule here): nobody reaches 1,000
    alone = screen(_line_of_counties(), 0.05, {"battery": 1000.0}, shed="cbsa")
    assert alone["passes"].tolist() == [False, False, False]
    # a radius just short of A-B (55.6 km) leaves every county on its own
    assert commuting_pools(_line_of_counties(), 0.05, 55.0)["counties"].tolist() == [1, 1, 1]
    with pytest.raises(ValueError, match="radius_km"):
        commuting_pools(_line_of_counties(), 0.05, float("nan"))
    with pytest.raises(ValueError, match="shed"):
        screen(_line_of_counties(), 0.05, {"battery": 1000.0}, shed="metro")


REVEALED_MEGASITES = {"21093": "Hardin KY", "47075": "Haywood TN", "13029": "Bryan GA"}
"""Rural counties really chosen for battery megasites (BlueOval SK Kentucky, BlueOval City,
Hyundai Metaplant/HL-GA): the labour screen must not rule them out."""


def test_the_radius_screen_keeps_the_megasites_really_chosen(embedded, figures):
    cap, needed = figures
    radius = screen(embedded, cap, needed).set_index(["fips", "cluster_type"])
    metro = screen(embedded, cap, needed, shed="cbsa").set_index(["fips", "cluster_type"])
    for fips in REVEALED_MEGASITES:
        assert bool(radius.loc[(fips, "battery"), "passes"]), REVEALED_MEGASITES[fips]
        assert not bool(metro.loc[(fips, "battery"), "passes"]), REVEALED_MEGASITES[fips]
    # each pool recomputed independently: haversine over every county of the file
    from regions.geodesy import haversine_km

    jobs = embedded["mfg_employment_jobs"].fillna(0.0)
    for fips in REVEALED_MEGASITES:
        here = embedded.loc[fips]
        near = [
            other
            for other, row in embedded.iterrows()
            if haversine_km(here["rep_lon"], here["rep_lat"], row["rep_lon"], row["rep_lat"])
            <= COMMUTE_RADIUS_KM
        ]
        assert radius.loc[(fips, "battery"), "pool_jobs"] == pytest.approx(
            cap * jobs[near].sum(), rel=1e-9
        )
    assert passing_counts(screen(embedded, cap, needed)) == RADIUS_COUNTS
