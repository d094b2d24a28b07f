"""Facilities through time: the view at a date, event validation, and the audit, on tiny folders."""

from __future__ import annotations

import csv
import shutil
from datetime import date

import pandas as pd
import pytest

import regions
from outputs.cli import main
from regions import DataValidationError
from regions.audit import figure_counts, stale_statuses
from tests import tiny
from tests.helpers import copy_data

EVENT_COLUMNS = [s.column for s in regions.table_schema()["facility_events.csv"]]


def plant(facility_id: str, status: str, announced: str, nameplate: float = 10.0) -> list:
    """A battery cell plant in region B (facilities.csv columns)."""
    lon, lat = tiny.rep_point("B")
    row = [facility_id, "Co", "battery", "cell", "Bee", "B", lat, lon, "city", nameplate]
    return row + ["GWh/yr", nameplate, status, announced, "test", "", ""]


def event(facility_id, kind, day, capacity="", basis="", vintage=None, accessed="2026-11-30"):
    return [facility_id, kind, day, capacity, basis, "test", "", vintage or day, accessed, ""]


def write_events(folder, rows) -> None:
    with (folder / "facility_events.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(EVENT_COLUMNS)
        writer.writerows(rows)


@pytest.fixture
def timeline(tmp_path):
    """Three plants: cancelled in 2024; announced 2022 producing 2025 (ramp 4 GWh); paused."""
    folder = tiny.write_data(
        tmp_path / "data",
        facilities=[
            plant("gone", "cancelled", "2021-03-01"),
            plant("late", "operating", "2022-05-01", nameplate=20.0),
            plant("held", "paused", "2023-01-01"),
        ],
    )
    write_events(
        folder,
        [
            event("gone", "announced", "2021-03-01"),
            event("gone", "construction_start", "2022-01-01"),
            event("gone", "cancelled", "2024-06-15"),
            event("late", "announced", "2022-05-01"),
            event("late", "construction_start", "2023-02-01"),
            event("late", "first_production", "2025-03-01", 4, "sourced", vintage="2025-04-01"),
            event("held", "announced", "2023-01-01"),
            event("held", "construction_start", "2023-06-01"),
            event("held", "paused", "2024-02-01"),
        ],
    )
    return folder


def test_cancelled_plant_is_in_the_2022_view_and_gone_from_the_2025_view(timeline):
    data = regions.load(timeline)
    early, later = data.facilities_as_of("2022-06-30"), data.facilities_as_of("2025-06-30")
    assert early.at["gone", "status"] == "under_construction"
    assert early.at["gone", "capacity_std"] == 10.0
    assert "gone" not in later.index
    assert data.facilities.at["gone", "status"] == "cancelled"  # kept in the full table


def test_plant_producing_from_2025_is_operating_only_from_then(timeline):
    data = regions.load(timeline)
    view_2022 = data.facilities_as_of(date(2022, 6, 30))
    view_2023 = data.facilities_as_of("2023-06-30")
    view_2025 = data.facilities_as_of("2025-06-30")
    assert view_2022.at["late", "status"] == "announced"
    assert view_2023.at["late", "status"] == "under_construction"
    assert view_2023.at["late", "capacity_std"] == 20.0  # nameplate while being built
    assert pd.isna(view_2023.at["late", "first_production_date"])
    assert view_2025.at["late", "status"] == "operating"
    assert view_2025.at["late", "capacity_std"] == 4.0  # operating output, not nameplate
    assert view_2025.at["late", "nameplate_std"] == 20.0
    assert view_2025.at["late", "first_production_date"] == pd.Timestamp("2025-03-01")
    assert "late" not in data.facilities_as_of("2022-04-30").index
    # paused plants stay in the view with their status; existing_capacity counts by status
    assert view_2025.at["held", "status"] == "paused"
    table = data.existing_capacity("2025-06-30", statuses=("operating", "under_construction"))
    assert table["capacity"].sum() == 4.0


def test_user_facilities_without_events_hold_their_status_from_announcement(tmp_path):
    data, _ = tiny.load(tmp_path, facilities=[plant("p", "operating", "2024-01-01")])
    assert "p" not in data.facilities_as_of("2023-12-31").index
    assert data.facilities_as_of("2024-01-01").at["p", "status"] == "operating"
    assert bool(data.facility_events["implied"].all())


# --- validation of broken event files: file, line and field in the message ---------------------


def _set(path, line: int, column: str, value: str) -> None:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    rows[line - 1][rows[0].index(column)] = value
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)


def _expect(folder, *fragments):
    with pytest.raises(DataValidationError) as info:
        regions.load(folder)
    for fragment in fragments:
        assert fragment in str(info.value), str(info.value)


@pytest.mark.parametrize(
    ("line", "column", "value", "fragments"),
    [
        (2, "facility_id", "nowhere", ("line 2", "field facility_id", "unknown id 'nowhere'")),
        (4, "date", "2020-01-01", ("line 4", "field date", "comes before")),
        (3, "date", "2025-01-01", ("line 3", "field event", "cannot follow")),
        (6, "capacity_std", "5", ("line 6", "field basis", "needs its basis")),
        (7, "accessed", "2025-01-01", ("line 7", "field date", "after its source was read")),
        (5, "date", "2022-05-02", ("line 5", "field date", "announced_date is 2022-05-01")),
        (10, "event", "closed", ("line 10", "field event", "cannot follow")),
    ],
)
def test_broken_event_file(timeline, line, column, value, fragments):
    _set(timeline / "facility_events.csv", line, column, value)
    _expect(timeline, "facility_events.csv", *fragments)


def test_status_must_agree_with_the_last_event(timeline):
    _set(timeline / "facilities.csv", 3, "status", "under_construction")
    _expect(timeline, "facilities.csv", "line 3 (late)", "field status", "'operating'")


def test_mineral_source_must_agree_with_its_facility(tmp_path):
    folder = copy_data(tmp_path)
    path = folder / "mineral_sources.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    line = next(n for n, r in enumerate(rows, 1) if r[0] == "rec-silicon-moses-lake")
    _set(path, line, "status", "proposed")
    _expect(folder, "mineral_sources.csv", f"line {line}", "field status", "'closed'")
    _set(path, line, "status", "closed")
    _set(path, line, "first_production_year", "2030")
    _expect(folder, f"line {line}", "field first_production_year", "first production 2024-01-01")


# --- audit ---------------------------------------------------------------------------------------


def test_audit_counts_on_a_tiny_folder(timeline):
    data = regions.load(timeline)
    counts = figure_counts(data, date(2025, 6, 30)).set_index(["table", "factor"])
    # tiny sources.csv labels every regions.csv column an assumption: 3 regions x 2 columns each
    assert counts.loc[("regions.csv", "power"), "assumed"] == 6
    assert counts.loc[("regions.csv", "labor"), "assumed"] == 6
    assert counts.loc[("regions.csv", "permitting"), "assumed"] == 3
    # the tiny permitting.csv rows have basis 'assumption': 3 regions x low/base/high
    assert counts.loc[("permitting.csv", "permitting"), "assumed"] == 9
    assert counts.loc[("mineral_prices.csv", "minerals"), "assumed"] == 1
    plants = counts.loc[("facilities + facility_events", "existing plants")]
    assert (plants["sourced"], plants["total"]) == (2, 2)  # late (event, sourced), held (nameplate)


def test_stale_statuses(timeline):
    data = regions.load(timeline)
    stale = stale_statuses(data, date(2026, 3, 1))
    # late's newest source is 2025-04-01 (11 months): fresh; held's is 2024-02-01 (25 months)
    assert list(stale["facility_id"]) == ["held"]
    assert stale.loc[0, "age_months"] == pytest.approx(
        (date(2026, 3, 1) - date(2024, 2, 1)).days / 30.44, abs=0.05
    )


def test_cli_audit(timeline, capsys):
    code = main(["regions", "--audit", "--as-of", "2026-03-01", "--data", str(timeline)])
    out = capsys.readouterr().out
    assert code == 0
    assert "Facility statuses with evidence older than 12 months at 2026-03-01: 1" in out
    assert "existing plants" in out and "held" in out


def test_unchanged_copy_of_the_embedded_facilities_loads_as_the_embedded_data(tmp_path):
    """A data folder holding only a copy of the embedded facilities.csv: each kept row gets its
    embedded dated events, so the mineral sources that name facilities still agree with them."""
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(regions.DEFAULT_DATA_DIR / "facilities.csv", folder / "facilities.csv")
    data, embedded = regions.load(folder), regions.load()
    assert not bool(data.facility_events["implied"].any())
    assert len(data.facility_events) == len(embedded.facility_events)
    for day in ("2020-12-31", "2026-06-30"):
        mine, theirs = data.facilities_as_of(day), embedded.facilities_as_of(day)
        assert list(mine.index) == list(theirs.index)
        assert mine["status"].tolist() == theirs["status"].tolist()
        pd.testing.assert_series_equal(mine["capacity_std"], theirs["capacity_std"])


def test_a_changed_facility_row_implies_its_events_and_the_others_keep_theirs(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    with (regions.DEFAULT_DATA_DIR / "facilities.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    status = header.index("status")
    changed = next(r for r in rows[1:] if r[status] == "announced")
    changed[header.index("capacity_std")] = "1.5"
    with (folder / "facilities.csv").open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    data = regions.load(folder)
    events = data.facility_events
    mine = events[events["facility_id"] == changed[0]]
    assert mine["implied"].all() and list(mine["event"]) == ["announced"]
    assert not events[events["facility_id"] != changed[0]]["implied"].any()
    assert data.facilities.at[changed[0], "capacity_std"] == 1.5
