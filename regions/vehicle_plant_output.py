"""Light-vehicle output by assembly plant [vehicles/yr] (``vehicle_plant_output.csv``): cited
production figures for a named year, or the annual capacity an automaker stated, each dated.

The battery-cell demand weights of ``customers.csv`` share a state's CBP light-vehicle jobs
equally among its plants. This table collects the public plant figures that could replace them
(automakers' releases, their reports in the press, state development bodies); it does not change
the weights. :func:`newest_as_of` gives each plant's newest figure a view on a date could know,
and :func:`coverage` how much of a year's national total the plants' production figures make up.

>>> table = read_vehicle_plant_output()
>>> sorted(set(table["measure"]))
['capacity', 'production']
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import DataValidationError
from .tables import check_unique, read_table

PLANT_OUTPUT_FILE = Path(__file__).with_name("data") / "vehicle_plant_output.csv"
TABLE = "vehicle_plant_output.csv"
MEASURES = ("production", "capacity")
NATIONAL = "US"


def _fail(label: str, row: dict, message: str, field: str) -> None:
    raise DataValidationError(
        label,
        message,
        line=int(row["_line"]),
        field=field,
        row_id=f"{row['plant_id']} {row['year']:g} {row['measure']}",
    )


def _check_row(row: dict, plants: dict[str, str] | None, label: str) -> None:
    value, low, high = row["vehicles"], row["vehicles_low"], row["vehicles_high"]
    for field, x in (("vehicles", value), ("vehicles_low", low), ("vehicles_high", high)):
        if not np.isnan(x) and x != int(x):
            _fail(label, row, f"{x:g} is not a whole number of vehicles", field)
    if not np.isnan(low) and low > value:
        _fail(label, row, f"vehicles_low {low:g} exceeds vehicles {value:g}", "vehicles_low")
    if not np.isnan(high) and high < value:
        _fail(label, row, f"vehicles_high {high:g} is below vehicles {value:g}", "vehicles_high")
    if row["measure"] == "production" and row["published"] <= date(int(row["year"]), 12, 31):
        _fail(label, row, f"published {row['published']} is not after the end of {row['year']:g} "
              "(a year's production is known only once the year is over)", "published")  # fmt: skip
    if row["measure"] == "capacity" and row["published"].year < int(row["year"]):
        _fail(label, row, f"published {row['published']} is before the year {row['year']:g} "
              "the capacity was stated in", "published")  # fmt: skip
    if plants is not None:
        if row["plant_id"] not in plants:
            _fail(label, row, f"{row['plant_id']!r} is not a known assembly plant", "plant_id")
        if plants[row["plant_id"]] and plants[row["plant_id"]] != row["state"]:
            _fail(label, row, f"state {row['state']} differs from the plant's "
                  f"{plants[row['plant_id']]}", "state")  # fmt: skip


def known_plants(path: Path | str | None = None) -> dict[str, str]:
    """Plant ids and their states: the staged plant list when given, else ``customers.csv``
    (its vehicle-assembly points carry the same plant ids)."""
    if path is not None:
        with Path(path).open(newline="", encoding="utf-8-sig") as fh:
            return {r["plant_id"]: r["state"] for r in csv.DictReader(fh)}
    customers = Path(__file__).with_name("data") / "customers.csv"
    with customers.open(newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    id_col = "customer_id" if rows and "customer_id" in rows[0] else next(iter(rows[0]))
    state_col = "state" if "state" in rows[0] else ("region_id" if "region_id" in rows[0] else "")
    return {r[id_col]: (r[state_col] if state_col else "") for r in rows}


def read_vehicle_plant_output(
    path: Path | str | None = None, plants: dict[str, str] | None = None
) -> pd.DataFrame:
    """Read and check ``vehicle_plant_output.csv`` (default: the embedded one): every cell
    against ``schema.csv``, then per row: whole numbers, vehicles_low <= vehicles <=
    vehicles_high, a production figure published after the end of its year (a capacity one not
    before the year it was stated in), a known plant in its own state (``plants``: id -> state,
    when given), one row per (plant_id, year, measure). Raises DataValidationError naming file,
    line and field."""
    path = Path(path) if path is not None else PLANT_OUTPUT_FILE
    label = str(path)
    table = read_table(path, TABLE)
    table["year"] = table["year"].astype(int)
    check_unique(table, ["plant_id", "year", "measure"], label)
    for row in table.to_dict("records"):
        _check_row(row, plants, label)
    return table


def newest_as_of(
    table: pd.DataFrame, as_of: date | str, measure: str | None = None
) -> pd.DataFrame:
    """Each plant's newest figure published on or before ``as_of`` (one row per plant).

    Newest means the latest described year; among figures of that year, the latest published
    (production before capacity when both describe the same year and date). ``measure`` limits
    the choice to one measure. Rows keep the table's columns, sorted by plant_id."""
    as_of = date.fromisoformat(as_of) if isinstance(as_of, str) else as_of
    if measure is not None and measure not in MEASURES:
        raise ValueError(f"measure must be one of {MEASURES}, not {measure!r}")
    known = table[table["published"] <= as_of]
    if measure is not None:
        known = known[known["measure"] == measure]
    if known.empty:
        return known.copy()
    order = known.assign(_rank=(known["measure"] == "production").astype(int))
    order = order.sort_values(["plant_id", "year", "published", "_rank"])
    newest = order.groupby("plant_id", sort=True).tail(1).drop(columns="_rank")
    return newest.sort_values("plant_id").reset_index(drop=True)


def national_total(national: pd.DataFrame, year: int) -> float:
    """The year's US total from ``vehicle_production.csv`` rows (state US; NaN without one)."""
    rows = national[(national["state"] == NATIONAL) & (national["year"] == year)]
    return float(rows["vehicles"].iloc[0]) if len(rows) else float("nan")


def coverage(table: pd.DataFrame, national: pd.DataFrame, year: int) -> float:
    """Sum of the plants' production figures for ``year`` / the national total of ``year``
    (``national``: ``vehicle_production.csv`` as read by ``read_vehicle_production``). Capacity
    rows do not count. NaN when the year has no national total."""
    total = national_total(national, year)
    if np.isnan(total):
        return float("nan")
    rows = table[(table["year"] == year) & (table["measure"] == "production")]
    return float(rows["vehicles"].sum() / total)


def coverage_by_year(table: pd.DataFrame, national: pd.DataFrame) -> pd.DataFrame:
    """Per year with any production figure or a national total: plants with a production
    figure, their sum, the national total and the share (``coverage``)."""
    years = sorted(
        set(table.loc[table["measure"] == "production", "year"].astype(int))
        | set(national.loc[national["state"] == NATIONAL, "year"].astype(int))
    )
    out = []
    for year in years:
        rows = table[(table["year"] == year) & (table["measure"] == "production")]
        out.append(
            (
                year,
                len(rows),
                float(rows["vehicles"].sum()),
                national_total(national, year),
                coverage(table, national, year),
            )  # fmt: skip
        )
    return pd.DataFrame(out, columns=["year", "plants", "vehicles", "national", "coverage"])
