"""Facilities through time: dated events give each plant's status and counted capacity at a date.

Rule (documented in ``regions/FORMAT.md``): a facility exists in the view at date ``d`` when its
``announced`` event is on or before ``d`` and no ``cancelled`` or ``closed`` event is. Its status
is the one set by its last event on or before ``d``; its counted capacity is the ``capacity_std``
of the last such event that gives one, else the nameplate from ``facilities.csv``.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from .errors import DataValidationError

STATUS_AFTER = {
    "announced": "announced",
    "construction_start": "under_construction",
    "first_production": "operating",
    "paused": "paused",
    "cancelled": "cancelled",
    "closed": "closed",
}
"""Status an event sets (``capacity_update`` keeps it; ``resumed`` restores the one before)."""

ENDED = ("cancelled", "closed")
VIEW_STATUSES = ("operating", "under_construction", "announced", "paused")
_ALLOWED_FROM = {
    "construction_start": ("announced",),
    "first_production": ("announced", "under_construction"),
    "capacity_update": ("announced", "under_construction", "operating", "paused"),
    "paused": ("announced", "under_construction", "operating"),
    "resumed": ("paused",),
    "cancelled": ("announced", "under_construction", "paused"),
    "closed": ("operating", "paused"),
}
_EVENT_FOR_STATUS = {
    "under_construction": "construction_start",
    "operating": "first_production",
    "paused": "paused",
    "cancelled": "cancelled",
    "closed": "closed",
}


def implied_events(facilities: pd.DataFrame) -> pd.DataFrame:
    """Events for facilities without any: announced, then the row's status, both at announced_date.

    Used for a user's ``facilities.csv`` given without ``facility_events.csv``; ``implied`` is True.
    """
    rows = []
    for facility_id, row in facilities.iterrows():
        common = {
            "facility_id": facility_id,
            "date": row["announced_date"],
            "capacity_std": np.nan,
            "basis": "",
            "citation": row["citation"],
            "url": row["url"],
            "vintage": row["announced_date"],
            "accessed": row["announced_date"],
            "note": "implied by facilities.csv (no dated events)",
            "_line": row["_line"],
            "implied": True,
        }
        rows.append({**common, "event": "announced"})
        if row["status"] in _EVENT_FOR_STATUS:
            rows.append({**common, "event": _EVENT_FOR_STATUS[row["status"]]})
    columns = ["facility_id", "event", "date", "capacity_std", "basis", "citation", "url"]
    columns += ["vintage", "accessed", "note", "_line", "implied"]
    return pd.DataFrame(rows, columns=columns)


def check_events(
    events: pd.DataFrame, facilities: pd.DataFrame, label: str, fac_label: str
) -> None:
    """Validate events against the facilities table; raise naming file, line and field.

    Rules: a known facility id; a basis with every capacity; dates not after the source was read
    and the source not read before it was published; per facility exactly one ``announced``
    event, first in date order, on ``announced_date``; each later event allowed from the status
    then in force (e.g. no ``first_production`` after ``closed``); the final status equal to the
    row's ``status`` in ``facilities.csv``.
    """
    for row in events.to_dict("records"):
        where = {"file": label, "line": int(row["_line"]), "row_id": row["facility_id"]}
        if row["facility_id"] not in facilities.index:
            raise DataValidationError(
                message=f"unknown id {row['facility_id']!r} (not in facilities.csv)",
                field="facility_id",
                **where,
            )
        if row.get("implied"):
            continue
        if not np.isnan(row["capacity_std"]) and not row["basis"]:
            raise DataValidationError(
                message="a capacity needs its basis (sourced, derived or assumption)",
                field="basis",
                **where,
            )
        if row["date"] > row["accessed"]:
            raise DataValidationError(
                message=f"event dated {row['date']} after its source was read ({row['accessed']})",
                field="date",
                **where,
            )
        if row["vintage"] > row["accessed"]:
            raise DataValidationError(
                message=f"source published {row['vintage']} after it was read ({row['accessed']})",
                field="vintage",
                **where,
            )
    for facility_id, group in events.groupby("facility_id", sort=False):
        status = _check_sequence(group, facilities.loc[facility_id], label)
        expected = facilities.at[facility_id, "status"]
        if status != expected:
            raise DataValidationError(
                fac_label,
                f"{expected!r} differs from the status after its last event ({status!r})",
                line=int(facilities.at[facility_id, "_line"]),
                field="status",
                row_id=facility_id,
            )
    missing = sorted(set(facilities.index) - set(events["facility_id"]))
    if missing:
        raise DataValidationError(
            label,
            f"no events for facility {missing[0]!r} (every facility needs its announced event)",
        )


def _check_sequence(group: pd.DataFrame, facility: pd.Series, label: str) -> str:
    """Walk one facility's events in date order; return the final status."""
    status: str | None = None
    before_pause: str | None = None
    previous = None
    for row in group.sort_values(["date", "_line"], kind="stable").to_dict("records"):
        where = {"file": label, "line": int(row["_line"]), "row_id": row["facility_id"]}
        event = row["event"]
        if event == "announced":
            if status is not None:
                raise DataValidationError(
                    message=f"announced on {row['date']} but an earlier event is dated "
                    f"{previous['date']} ({previous['event']}); announced must come first, once",
                    field="event" if previous["event"] == "announced" else "date",
                    **where,
                )
            if row["date"] != facility["announced_date"]:
                raise DataValidationError(
                    message=f"announced on {row['date']} but facilities.csv announced_date is "
                    f"{facility['announced_date']}",
                    field="date",
                    **where,
                )
            status = "announced"
        elif status is None:
            raise DataValidationError(
                message=f"{event} on {row['date']} comes before the facility's announced event",
                field="date",
                **where,
            )
        elif status not in _ALLOWED_FROM[event]:
            raise DataValidationError(
                message=f"{event} on {row['date']} cannot follow {previous['event']} on "
                f"{previous['date']} (status then {status})",
                field="event",
                **where,
            )
        elif event == "paused":
            before_pause, status = status, "paused"
        elif event == "resumed":
            status = before_pause or "under_construction"
        elif event != "capacity_update":
            status = STATUS_AFTER[event]
        previous = row
    return str(status)


def view_at(
    facilities: pd.DataFrame, events: pd.DataFrame, as_of: date | None, *, keep_ended: bool = False
) -> pd.DataFrame:
    """Facilities as a planner saw them on ``as_of`` (None: after every recorded event).

    Returns one row per facility announced on or before ``as_of`` (cancelled and closed ones
    dropped unless ``keep_ended``), indexed by ``facility_id``, with the facilities.csv columns
    plus: ``status`` on that date; ``capacity_std`` counted on that date [type unit/yr];
    ``capacity_basis`` (basis of the event that set it, or ``nameplate``); ``nameplate_std``;
    ``announced_date``; ``first_production_date`` (NaT if none by then);
    ``status_since`` (date of the event that set the status); ``evidence_date`` (publication date
    of the newest source among the events so far); ``evidence_implied`` (True when the
    facility's events are implied by facilities.csv rather than recorded).
    """
    rows = []
    order = events.sort_values("date", kind="stable")  # file order breaks ties
    if as_of is not None:
        order = order[order["date"] <= as_of]
    state: dict[str, dict] = {}
    for row in order.to_dict("records"):
        fid, event = row["facility_id"], row["event"]
        s = state.setdefault(
            fid,
            {
                "status": None,
                "before_pause": None,
                "capacity": np.nan,
                "basis": "nameplate",
                "first": pd.NaT,
                "since": None,
                "evidence": row["vintage"],
                "implied": bool(row.get("implied", False)),
            },
        )
        if event == "paused":
            s["before_pause"] = s["status"]
            s["status"], s["since"] = "paused", row["date"]
        elif event == "resumed":
            s["status"], s["since"] = s["before_pause"] or "under_construction", row["date"]
        elif event != "capacity_update":
            s["status"], s["since"] = STATUS_AFTER[event], row["date"]
        if event == "first_production":
            s["first"] = pd.Timestamp(row["date"])
        if not np.isnan(row["capacity_std"]):
            s["capacity"], s["basis"] = row["capacity_std"], row["basis"] or "nameplate"
        s["evidence"] = max(s["evidence"], row["vintage"])
    for fid, s in state.items():
        if s["status"] is None or (s["status"] in ENDED and not keep_ended):
            continue
        rows.append(
            {
                "facility_id": fid,
                "status": s["status"],
                "counted": s["capacity"],
                "capacity_basis": s["basis"],
                "first_production_date": s["first"],
                "status_since": s["since"],
                "evidence_date": s["evidence"],
                "evidence_implied": s["implied"],
            }
        )
    columns = ["facility_id", "status", "counted", "capacity_basis", "first_production_date"]
    columns += ["status_since"]
    columns += ["evidence_date", "evidence_implied"]
    timeline = pd.DataFrame(rows, columns=columns).set_index("facility_id")
    derived = ["status", "capacity_std", *columns[3:]]
    base = facilities.drop(columns=derived, errors="ignore").join(timeline, how="inner")
    base = base.loc[[f for f in facilities.index if f in base.index]]
    counted = base.pop("counted")
    base["capacity_std"] = counted.where(counted.notna(), base["nameplate_std"]).astype(float)
    base["first_production_date"] = pd.to_datetime(base["first_production_date"])
    return base
