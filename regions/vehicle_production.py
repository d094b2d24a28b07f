"""Light-vehicle production by state [vehicles/yr] (``vehicle_production.csv``): cited figures,
bounds and ranks, and the rule that would turn them into battery-cell demand weights.

The battery nodes of ``demand.csv`` are weighted by CBP light-vehicle assembly jobs. Production is
the better measure (jobs count headquarters and R&D staff, and CBP withholds single-plant
cells), but public production figures by state are scattered: this table keeps each one with its
source and publication date, and :func:`production_weights` says when a year has enough of them.

>>> table = read_vehicle_production()
>>> sorted(set(table["basis"]))
['bounds', 'national', 'plants', 'rank', 'state_total']
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import DataValidationError
from .tables import check_unique, read_table

PRODUCTION_FILE = Path(__file__).with_name("data") / "vehicle_production.csv"
TABLE = "vehicle_production.csv"
NATIONAL = "US"
COVERAGE_MIN = 0.8
"""Share of the national total the published state totals of a year must reach before that
year's battery weights may come from production rather than CBP jobs."""


def _fail(label: str, row: dict, message: str, field: str) -> None:
    raise DataValidationError(
        label,
        message,
        line=int(row["_line"]),
        field=field,
        row_id=f"{row['state']} {row['year']:g}",
    )


def _check_row(row: dict, states: set[str] | None, label: str) -> None:
    basis, state = row["basis"], row["state"]
    value, low, high = row["vehicles"], row["vehicles_low"], row["vehicles_high"]
    if (basis == "national") != (state == NATIONAL):
        _fail(label, row, f"basis national goes with state {NATIONAL} and only with it", "basis")
    if states is not None and state != NATIONAL and state not in states:
        _fail(label, row, f"{state!r} is not a region_id of regions.csv", "state")
    if basis in ("state_total", "national") and np.isnan(value):
        _fail(label, row, f"a {basis} row needs vehicles", "vehicles")
    if basis == "plants" and (np.isnan(low) or not np.isnan(value)):
        _fail(label, row, "a plants row gives the plants' sum as vehicles_low (not vehicles)",
              "vehicles_low")  # fmt: skip
    if basis == "bounds" and (not np.isnan(value) or (np.isnan(low) and np.isnan(high))):
        _fail(label, row, "a bounds row gives vehicles_low and/or vehicles_high only", "vehicles")
    if (basis == "rank") == np.isnan(row["rank"]):
        _fail(label, row, "rank is given on rank rows and only there", "rank")
    if not np.isnan(low) and not np.isnan(high) and low > high:
        _fail(label, row, f"vehicles_low {low:g} exceeds vehicles_high {high:g}", "vehicles_low")
    if not np.isnan(value) and (value < low or value > high):
        _fail(label, row, f"vehicles {value:g} lies outside its bounds", "vehicles")
    if row["published"] <= date(int(row["year"]), 12, 31):
        _fail(label, row, f"published {row['published']} is not after the end of {row['year']:g} "
              "(a year's production is known only once the year is over)", "published")  # fmt: skip


def read_vehicle_production(
    path: Path | str | None = None, regions: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Read and check ``vehicle_production.csv`` (default: the embedded one): every cell against
    ``schema.csv``, then per row: the figures its ``basis`` needs, low <= vehicles <= high,
    published after the year it describes, a known state (``regions``: its index, when given),
    one row per (state, year, basis). Raises DataValidationError naming file, line and field."""
    path = Path(path) if path is not None else PRODUCTION_FILE
    label = str(path)
    table = read_table(path, TABLE)
    table["year"] = table["year"].astype(int)
    check_unique(table, ["state", "year", "basis"], label)
    states = set(regions.index) if regions is not None else None
    for row in table.to_dict("records"):
        _check_row(row, states, label)
    return table


def coverage(table: pd.DataFrame, year: int) -> float:
    """Published state totals of ``year`` / the national total of ``year`` (NaN without one)."""
    rows = table[table["year"] == year]
    national = rows.loc[rows["basis"] == "national", "vehicles"]
    if not len(national):
        return float("nan")
    return float(rows.loc[rows["basis"] == "state_total", "vehicles"].sum() / national.iloc[0])


def production_weights(
    table: pd.DataFrame, year: int, jobs: pd.Series, coverage_min: float = COVERAGE_MIN
) -> pd.DataFrame | None:
    """Battery-cell demand weights [vehicles/yr] by state for ``year``, or None when the year's
    published state totals cover less than ``coverage_min`` of its national total (then the
    caller keeps the CBP jobs weights for every state: one unit per type and date).

    Only rows of ``year`` are used (no carry-forward of an older year). Per state: a published
    total is the weight (``production``); else published bounds give the midpoint, or the lower
    bound when no upper one is known (``bounds``; a plants row counts as a lower bound); the
    rest of the national total is shared by the other states with jobs in ``jobs`` [jobs, by
    state] in proportion to them (``residual``). Columns: ``state, weight, low, high, basis``.
    Raises ValueError if the year's figures exceed the national total.
    """
    share = coverage(table, year)
    if not share >= coverage_min:  # NaN (no national total) fails too
        return None
    rows = table[(table["year"] == year) & (table["state"] != NATIONAL)]
    national = float(table.loc[(table["year"] == year) & (table["basis"] == "national"),
                               "vehicles"].iloc[0])  # fmt: skip
    out = {}
    for state, group in rows.groupby("state"):
        total = group[group["basis"] == "state_total"]
        if len(total):
            v = float(total["vehicles"].iloc[0])
            out[state] = (v, v, v, "production")
            continue
        low = group["vehicles_low"].max()
        high = group["vehicles_high"].min()
        if np.isnan(low) and np.isnan(high):
            continue  # a rank only: the state shares the residual
        low = 0.0 if np.isnan(low) else float(low)
        weight = low if np.isnan(high) else (low + float(high)) / 2
        out[state] = (weight, low, float(high), "bounds")
    residual = national - sum(w for w, *_ in out.values())
    if residual < 0:
        raise ValueError(f"{year}: state figures sum to more than the national {national:g}")
    rest = jobs[[s for s in jobs.index if s not in out and jobs[s] > 0]]
    for state, n in rest.items():
        w = residual * float(n) / float(rest.sum())
        out[state] = (w, np.nan, np.nan, "residual")
    frame = pd.DataFrame(
        [(s, *v) for s, v in sorted(out.items())],
        columns=["state", "weight", "low", "high", "basis"],
    )
    return frame
