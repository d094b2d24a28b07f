"""Permitting months per state: derived from the evidence table, defaults labelled."""

from __future__ import annotations

import pandas as pd
import pytest

import regions
from regions import DataValidationError
from regions.permitting import derive_permitting, evidence_figure, round_months
from tests.helpers import copy_data, edit_csv


@pytest.fixture(scope="module")
def data() -> regions.RegionData:
    return regions.load()


def figure(data, region_id):
    row = data.permitting.loc[region_id]
    return (
        row["permitting_months_low"],
        row["permitting_months"],
        row["permitting_months_high"],
        int(row["evidence_count"]),
        row["basis"],
    )


def test_evidence_states_worked_by_hand(data):
    # OK: 365 d (12.0) and 180 d (5.9) deadlines -> median 8.95 -> 9.0; high: 12.0
    assert figure(data, "OK") == (5.9, 9.0, 12.0, 2, "evidence")
    # CA: permit path 5.9; CEQA path median(12.0, 5.9) = 8.95 -> base = max = 9.0
    assert figure(data, "CA") == (5.9, 9.0, 12.0, 3, "evidence")
    # IL: 90 d (3.0) and 180 d with hearing (5.9) -> 4.45 -> 4.5; federal PSD year as high
    assert figure(data, "IL") == (3.0, 4.5, 12.0, 2, "evidence")
    # NC: Toyota battery permit, 2022-07-21 to 2023-02-01 = 195 d = 6.4 months
    assert figure(data, "NC") == (6.4, 6.4, 12.0, 1, "evidence")
    # UT: 90 d to an order prohibiting construction (3.0), 180 d with three 30-day
    # extensions (5.9) -> 4.45 -> 4.5
    assert figure(data, "UT") == (3.0, 4.5, 12.0, 2, "evidence")
    # WV: W. Va. Code 22-5-11: 365 d major (12.0), 90 d other sources (3.0), 90 + 30 d with
    # public comment (3.9) -> median 3.9; high 12.0
    assert figure(data, "WV") == (3.0, 3.9, 12.0, 3, "evidence")
    # NE: NDEE stated norms 4.0, 6.0 (web page), 4.0, 6.0 (2016 form, lower bounds), 6.0, 15.0
    # (state construction permit), 15.0, 18.0 (federal construction permit) -> median of
    # 4, 4, 6, 6, 6, 15, 15, 18 = 6.0; high 18.0 above the federal year
    assert figure(data, "NE") == (4.0, 6.0, 18.0, 8, "evidence")


def test_state_without_evidence_borrows_with_a_wider_range(data):
    # WY: base = median of Mountain evidence states AZ 10.6, NM 4.45, NV 2.0, UT 4.45
    # -> 4.45 -> 4.5; range = lowest low of all evidenced states (NY 45 d = 1.5) to highest
    # high (NE: 18 months for a federal construction permit)
    assert figure(data, "WY") == (1.5, 4.5, 18.0, 0, "regional_default")
    derivation = data.permitting.at["WY", "derivation"]
    assert derivation.startswith("borrowed") and "Mountain" in derivation
    assert data.kind_of("regions.csv", "permitting_months", "WY") == "derived"
    # AR: West South Central OK 8.95 and TX 5.15 -> 7.05 -> 7.1, the same wide range
    assert figure(data, "AR") == (1.5, 7.1, 18.0, 0, "regional_default")
    # IA: West North Central KS 4.1, MN 4.9, MO 5.9, NE 6.0 -> (4.9 + 5.9) / 2 = 5.4
    assert figure(data, "IA") == (1.5, 5.4, 18.0, 0, "regional_default")
    # DE: South Atlantic FL 3.0, WV 3.9, GA 4.45, SC 5.5, VA 5.9, NC 6.4 -> (4.45 + 5.5) / 2
    # = 4.975 -> 5.0
    assert figure(data, "DE") == (1.5, 5.0, 18.0, 0, "regional_default")
    borrowed = data.permitting[data.permitting["basis"] == "regional_default"]
    evidenced = data.permitting[data.permitting["basis"] == "evidence"]
    assert (borrowed["permitting_months_low"] == evidenced["permitting_months_low"].min()).all()
    assert (borrowed["permitting_months_high"] == evidenced["permitting_months_high"].max()).all()
    # wider than the range of any state it borrows from
    width = borrowed["permitting_months_high"] - borrowed["permitting_months_low"]
    assert (
        width.min()
        > (evidenced["permitting_months_high"] - evidenced["permitting_months_low"]).max()
    )


def test_most_states_rest_on_their_own_evidence(data):
    basis = data.permitting["basis"]
    assert (basis == "evidence").sum() >= 30
    for region_id in basis[basis == "regional_default"].index:
        note = data.sources[
            (data.sources["column"] == "permitting_months")
            & (data.sources["region_id"] == region_id)
        ]["note"]
        assert note.str.contains("BORROWED").all() and len(note) == 1, region_id


def test_plant_records_follow_the_facility_events(data):
    """Each plant_record row is the months between its plant's announced and construction_start
    events (days / 30.44, one decimal), in the plant's state, published with the start's source."""
    ev = data.permitting_evidence
    records = ev[ev["kind"] == "plant_record"]
    assert len(records) >= 10
    events = data.facility_events
    for row in records.itertuples():
        facility_id = row.evidence_id.removeprefix("plant-")
        own = events[events["facility_id"] == facility_id].set_index("event")
        days = (own.at["construction_start", "date"] - own.at["announced", "date"]).days
        assert row.months == round_months(days / 30.44), row.evidence_id
        assert row.region_id == data.facilities.at[facility_id, "region_id"]
        assert row.published == own.at["construction_start", "vintage"]
        assert "late bound" not in own.at["construction_start", "note"], row.evidence_id


def test_borrowed_range_is_the_envelope_of_the_evidenced():
    groups = pd.DataFrame(
        {"census_region": ["R", "R", "R"], "census_division": ["D", "D", "E"], "basis": [""] * 3},
        index=["A", "B", "C"],
    )  # fmt: skip
    evidence = pd.DataFrame(
        {"region_id": ["A", "A", "B", ""], "kind": ["statutory_deadline", "plant_record",
         "agency_goal", "federal_deadline"], "months": [2.0, 14.0, 6.0, 12.0]}
    )  # fmt: skip
    out = derive_permitting(evidence, groups)
    # A: low 2, base 8, high 14; B: 6, 6, 12; C borrows from region R (A, B): base median 7,
    # low 2 (A's), high 14 (A's), not the medians (4, 13) of the older rule
    assert tuple(out.loc["C", ["permitting_months_low", "permitting_months",
                               "permitting_months_high"]]) == (2.0, 7.0, 14.0)  # fmt: skip
    assert out.at["C", "basis"] == "regional_default"


def test_evidence_count_matches_the_evidence_table(data):
    counts = data.permitting_evidence.groupby("region_id").size()
    for region_id, row in data.permitting.iterrows():
        assert row["evidence_count"] == counts.get(region_id, 0), region_id
        assert (row["basis"] == "evidence") == (row["evidence_count"] > 0), region_id
    # the national row (federal PSD deadline) is not any state's evidence
    assert (data.permitting_evidence["region_id"] == "").sum() == 1


def test_model_reads_the_base_months(data):
    assert (data.regions["permitting_months"] == data.permitting["permitting_months"]).all()


def test_months_differ_where_the_evidence_differs(data):
    base = data.permitting["permitting_months"]
    assert base["IL"] < base["NC"] < base["OK"] < base["WA"]
    assert base.nunique() >= 6


def test_every_evidence_row_is_cited(data):
    ev = data.permitting_evidence
    assert (ev["citation"].str.len() > 20).all()
    assert ev["url"].str.startswith("http").all()


def test_round_half_up():
    assert round_months(4.45) == 4.5
    assert round_months(7.675) == 7.7


def test_evidence_figure_takes_the_longer_path():
    rows = pd.DataFrame(
        {"kind": ["statutory_deadline", "state_env_review", "state_env_review"],
         "months": [3.0, 12.0, 6.0]}
    )  # fmt: skip
    assert evidence_figure(rows, national_high=None) == (6.0, 9.0, 12.0)
    assert evidence_figure(rows.iloc[:1], national_high=12.0) == (3.0, 3.0, 12.0)


def test_default_falls_back_from_division_to_region_to_all():
    groups = pd.DataFrame(
        {"census_region": ["R1", "R1", "R2", "R3"], "census_division": ["D1", "D2", "D3", "D4"],
         "basis": ["", "", "", ""]},
        index=["A", "B", "C", "D"],
    )  # fmt: skip
    evidence = pd.DataFrame(
        {"region_id": ["A", "C"], "kind": ["statutory_deadline", "permit_record"],
         "months": [4.0, 10.0]}
    )  # fmt: skip
    out = derive_permitting(evidence, groups)
    assert out.at["B", "permitting_months"] == 4.0  # same region R1 as A
    assert "region R1" in out.at["B", "derivation"]
    assert out.at["D", "permitting_months"] == 7.0  # no peer in R3: median of A and C
    assert out.at["D", "basis"] == "regional_default"


@pytest.fixture
def folder(tmp_path):
    return copy_data(tmp_path)


def test_wrong_evidence_count_is_rejected(folder):
    line = edit_csv(folder / "permitting.csv", "OK", "evidence_count", "3")
    with pytest.raises(DataValidationError) as info:
        regions.load(folder)
    assert (info.value.line, info.value.field, info.value.row_id) == (line, "evidence_count", "OK")
    assert "permitting_evidence.csv has 2 row(s) for OK" in str(info.value)


def test_new_evidence_makes_the_default_stale(folder):
    path = folder / "permitting_evidence.csv"
    with path.open("a", encoding="utf-8") as fh:
        fh.write(
            "tx-test,TX,agency_goal,3.0,Test citation for a Texas goal,https://x.test,2026,,\n"
        )
    with pytest.raises(DataValidationError) as info:
        regions.load(folder)
    # the first stale row is Arkansas, which borrows from its division (OK and TX): TX's permit
    # path becomes 3.0, 4.4, 5.9 -> median 4.4, so AR's base median(8.95, 4.4) = 6.675 -> 6.7
    assert (info.value.row_id, info.value.field) == ("AR", "permitting_months")
    assert "7.1 months but the evidence gives 6.7" in str(info.value)


def test_base_must_match_regions_csv(folder):
    line = edit_csv(folder / "regions.csv", "MI", "permitting_months", "6.5")
    with pytest.raises(DataValidationError) as info:
        regions.load(folder)
    assert (info.value.line, info.value.field) == (line, "permitting_months")
    assert "differs from permitting.csv (6.7)" in str(info.value)
