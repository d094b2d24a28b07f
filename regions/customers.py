"""Customers as points: where each product is used, at a plant or a county rather than a state.

Three files in ``regions/data/`` (rule and sources in ``regions/FORMAT.md``, section Customers;
rebuilt by ``regions/tools/build_customers.py``):

- ``customers.csv``: one row per (customer point, date of its figure). Light-vehicle assembly
  plants (battery), CBP motor/generator and turbine employment by county or rest of state
  (magnet), utility-scale PV added by county and year (solar). ``lon``/``lat`` [deg, WGS84];
  ``weight`` in ``weight_unit`` (jobs, MWac).
- ``customer_events.csv``: dated opened/closed/idled/resumed events of the plants, so a view at a
  date follows the plant timeline the way ``RegionData.facilities_as_of`` does.
- ``jv_partners.csv``: battery cell plants of ``facilities.csv`` tied to an automaker group, so a
  scenario can send a JV's output to its partner's plants.

>>> from regions.customers import load_customers, customers_at
>>> view = customers_at(load_customers(), "2021-06-30")
>>> sorted(view["cluster_type"].unique())
['battery', 'magnet', 'solar']
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from .errors import DataValidationError
from .tables import check_unique, read_table

DATA_DIR = Path(__file__).with_name("data")
CUSTOMERS_FILE = DATA_DIR / "customers.csv"
EVENTS_FILE = DATA_DIR / "customer_events.csv"
JV_FILE = DATA_DIR / "jv_partners.csv"

KIND_TYPE = {
    "vehicle_assembly": "battery",
    "motor_generator_mfg": "magnet",
    "turbine_mfg": "magnet",
    "utility_pv_additions": "solar",
}
"""Cluster type each kind of customer belongs to."""

POINT_COLUMNS = (
    "cluster_type", "kind", "state", "county_fips", "lon", "lat", "coord_basis", "weight_unit",
    "weight_scope", "measure",
)  # fmt: skip
"""Columns a customer point keeps across its dated rows (its place and what it measures)."""

PV_WINDOW_YEARS = 3
"""Default years of additions a view sums (the newest known year and the two before), as the
state PV nodes of ``demand.csv`` do."""

STATUS_AFTER = {"opened": "operating", "closed": "closed", "idled": "idled", "resumed": "operating"}
_ALLOWED_FROM = {
    "opened": (None, "closed"),
    "closed": ("operating", "idled"),
    "idled": ("operating",),
    "resumed": ("idled",),
}

VIEW_COLUMNS = [
    "customer_id", "cluster_type", "kind", "name", "operator", "oem", "state", "county_fips",
    "lon", "lat", "coord_basis", "weight", "weight_unit", "weight_scope", "as_of", "window_start",
    "pool_weight", "pool_points", "basis", "citation", "published",
]  # fmt: skip


def _day(value: date | str) -> date:
    if isinstance(value, pd.Timestamp):
        return value.date()
    return date.fromisoformat(value) if isinstance(value, str) else value


def _region_fips(regions_csv: Path | None = None) -> dict[str, str]:
    """2-digit FIPS of each region id (embedded ``regions.csv`` by default)."""
    table = pd.read_csv(regions_csv or DATA_DIR / "regions.csv", dtype=str, keep_default_na=False)
    return dict(zip(table["region_id"], table["fips"].str.zfill(2), strict=True))


def _fail(label: str, row: dict, field: str, message: str, id_column: str) -> None:
    raise DataValidationError(
        label, message, line=int(row["_line"]), field=field, row_id=str(row[id_column])
    )


def _check_rows(table: pd.DataFrame, label: str, fips: dict[str, str]) -> None:
    """Per-row rules: known state, county in it, kind of its type, citation or ASSUMPTION."""
    for row in table.to_dict("records"):

        def fail(field: str, message: str, row: dict = row) -> None:
            _fail(label, row, field, message, "customer_id")

        if row["state"] not in fips:
            fail("state", f"unknown id {row['state']!r} (not in regions.csv)")
        county = row["county_fips"]
        if row["coord_basis"] == "state_centre_of_population":
            if county:
                fail("county_fips", "a state-level point has no county (leave it blank)")
        elif len(county) != 5 or not county.isdigit():
            fail("county_fips", f"{county!r} is not a 5-digit county FIPS code")
        elif county[:2] != fips[row["state"]]:
            fail(
                "county_fips",
                f"county {county} is not in {row['state']} (FIPS {fips[row['state']]})",
            )
        if KIND_TYPE[row["kind"]] != row["cluster_type"]:
            fail(
                "cluster_type",
                f"{row['cluster_type']!r} does not match kind {row['kind']!r} "
                f"({KIND_TYPE[row['kind']]})",
            )
        if row["weight_scope"] == "state_pool" and row["measure"] != "level":
            fail("measure", "a state pool shares a level, not additions")
        if row["basis"] in ("sourced", "derived") and not row["citation"]:
            fail("citation", f"a {row['basis']} row needs a citation")
        if row["basis"] == "assumption" and "ASSUMPTION" not in row["note"]:
            fail("note", "an assumption row must say ASSUMPTION and its reasoning in note")


def _check_points(table: pd.DataFrame, label: str) -> None:
    """A point keeps its place and measure; a state pool's rows agree on the state figure."""
    first: dict[str, dict] = {}
    for row in table.to_dict("records"):
        seen = first.setdefault(row["customer_id"], row)
        for column in POINT_COLUMNS:
            if row[column] != seen[column]:
                _fail(
                    label,
                    row,
                    column,
                    f"{row[column]!r} differs from {seen[column]!r} on line {seen['_line']} "
                    f"(a customer point keeps one {column})",
                    "customer_id",
                )
    pools: dict[tuple, dict] = {}
    for row in table[table["weight_scope"] == "state_pool"].to_dict("records"):
        seen = pools.setdefault((row["state"], row["kind"], row["as_of"]), row)
        if row["weight"] != seen["weight"]:
            _fail(
                label,
                row,
                "weight",
                f"{row['weight']:g} differs from {seen['weight']:g} on line {seen['_line']} "
                f"({row['state']} {row['kind']} pool on {row['as_of']}: one state figure)",
                "customer_id",
            )


def load_customers(path: Path | str | None = None, regions_csv: Path | None = None) -> pd.DataFrame:
    """Read and check ``customers.csv`` (default: the embedded file).

    Returns one row per (customer_id, as_of) with the schema's columns: ``lon``/``lat`` [deg],
    ``weight`` [``weight_unit``: jobs or MWac], ``as_of`` and ``published`` as dates. Raises
    :class:`DataValidationError` naming file, line and field: schema (types, ranges, enums),
    duplicate (customer_id, as_of), unknown state, a county outside its state, a kind of another
    cluster type, a point changing place or measure between rows, a state pool whose rows
    disagree on the state figure, a sourced/derived row without citation.
    """
    path = Path(path) if path is not None else CUSTOMERS_FILE
    label = str(path)
    table = read_table(path, "customers.csv")
    check_unique(table, ["customer_id", "as_of"], label)
    _check_rows(table, label, _region_fips(regions_csv))
    _check_points(table, label)
    return table.drop(columns="_line")


def load_customer_events(
    path: Path | str | None = None, customers: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Read and check ``customer_events.csv`` (default: the embedded file).

    Rules: a known customer (when ``customers`` is given; then every vehicle assembly plant needs
    events); per customer the first event is ``opened`` and each later one is possible from the
    status then in force (opened from nothing or closed; closed from operating or idled; idled
    from operating; resumed from idled); no two events of a customer on one day. Raises
    :class:`DataValidationError` naming file, line and field.
    """
    path = Path(path) if path is not None else EVENTS_FILE
    label = str(path)
    events = read_table(path, "customer_events.csv")
    check_unique(events, ["customer_id", "date"], label)
    if customers is not None:
        known = set(customers["customer_id"])
        for row in events.to_dict("records"):
            if row["customer_id"] not in known:
                _fail(
                    label,
                    row,
                    "customer_id",
                    f"unknown id {row['customer_id']!r} (not in customers.csv)",
                    "customer_id",
                )
        plants = set(customers.loc[customers["kind"] == "vehicle_assembly", "customer_id"])
        missing = sorted(plants - set(events["customer_id"]))
        if missing:
            raise DataValidationError(
                label, f"no events for plant(s) {', '.join(missing)}", field="customer_id"
            )
    for _, group in events.sort_values(["customer_id", "date"], kind="stable").groupby(
        "customer_id", sort=False
    ):
        status = None
        for row in group.to_dict("records"):
            if status not in _ALLOWED_FROM[row["event"]]:
                shown = status or "not yet opened"
                _fail(
                    label,
                    row,
                    "event",
                    f"{row['event']!r} on {row['date']} is not possible from status {shown!r}",
                    "customer_id",
                )
            status = STATUS_AFTER[row["event"]]
    return events.drop(columns="_line")


def status_at(events: pd.DataFrame, as_of: date | str) -> pd.DataFrame:
    """Each evented customer's ``status`` (operating, idled, closed or not_open), ``operator``
    and ``oem`` on ``as_of``, from its events on or before that date. Index: customer_id."""
    cutoff = _day(as_of)
    out = {}
    for customer_id, group in events.sort_values("date", kind="stable").groupby("customer_id"):
        status, operator, oem = "not_open", "", ""
        for row in group[group["date"] <= cutoff].to_dict("records"):
            status = STATUS_AFTER[row["event"]]
            operator = row["operator"] or operator
            oem = row["oem"] or oem
        out[customer_id] = {"status": status, "operator": operator, "oem": oem}
    return pd.DataFrame.from_dict(out, orient="index", columns=["status", "operator", "oem"])


def _levels(known: pd.DataFrame, status: pd.DataFrame) -> pd.DataFrame:
    """Each level point's row at its series' newest date (no carry-forward of older years),
    plants only while operating, state pools split over their operating points."""
    if known.empty:
        return pd.DataFrame(columns=VIEW_COLUMNS)
    series = ["cluster_type", "kind", "weight_unit"]
    newest = known.groupby(series)["as_of"].transform("max")
    current = known[known["as_of"] == newest].copy()
    tracked = current["customer_id"].isin(status.index)
    operating = current["customer_id"].map(status["status"]).eq("operating")
    current = current[~tracked | operating].copy()
    for column in ("operator", "oem"):
        evented = current["customer_id"].map(status[column]).fillna("")
        current[column] = evented.where(evented != "", current[column])
    pooled = current["weight_scope"] == "state_pool"
    points = current[pooled].groupby(["state", "kind", "as_of"])["customer_id"].transform("size")
    current["pool_weight"] = current["weight"].where(pooled)
    current["pool_points"] = points.reindex(current.index)
    current.loc[pooled, "weight"] = current.loc[pooled, "weight"] / points
    current["window_start"] = current["as_of"]
    return current


def _additions(known: pd.DataFrame, window_years: int | None) -> pd.DataFrame:
    """Per point, the additions of the series' newest ``window_years`` years summed (all years
    when None); ``as_of`` = the newest year's date, ``window_start`` = the first date summed."""
    parts = []
    for _, group in known.groupby(["cluster_type", "kind", "weight_unit"]):
        newest = group["as_of"].max()
        if window_years is None:
            inside = group
        else:
            start = newest.replace(year=newest.year - window_years)
            inside = group[group["as_of"] > start]
        summed = inside.sort_values("as_of").groupby("customer_id", sort=True)
        frame = summed.last()
        frame["weight"] = summed["weight"].sum()
        frame["window_start"] = summed["as_of"].min()
        frame["published"] = summed["published"].max()
        frame["as_of"] = newest
        parts.append(frame.reset_index())
    if not parts:
        return pd.DataFrame(columns=VIEW_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    out["pool_weight"] = float("nan")
    out["pool_points"] = float("nan")
    return out


def customers_at(
    customers: pd.DataFrame,
    as_of: date | str,
    events: pd.DataFrame | None = None,
    pv_window_years: int | None = PV_WINDOW_YEARS,
) -> pd.DataFrame:
    """The customer points active on ``as_of``, one row each, with the weight they carry then.

    - ``level`` points (employment): each point's row at its series' newest ``as_of`` on or
      before the date, a series being (cluster_type, kind, weight_unit); a point with no row at
      that date (its cell withheld that year) is left out, not given an older figure.
    - Plants (points with events, ``events`` defaulting to the embedded file): only while
      operating (opened or resumed, not idled or closed); ``operator``/``oem`` as on the date.
    - ``state_pool`` rows: ``weight`` [jobs] = the state figure (``pool_weight``) divided by the
      number of the pool's points in the view (``pool_points``), so a plant opening or closing
      changes its neighbours' shares and the pool still sums to the state figure.
    - ``additions`` points (PV MWac): the sum of the additions of the ``pv_window_years`` newest
      years known by then (years ending on or before the date; all years when None);
      ``window_start`` is the first year-end summed, ``as_of`` the last.

    ``published`` is kept so a caller can list figures published after ``as_of`` (USPVDB v3.0 and
    CBP releases came later than the years they describe). Sorted by cluster_type and
    customer_id; fresh index.
    """
    cutoff = _day(as_of)
    if events is None:
        events = load_customer_events()
    known = customers[customers["as_of"] <= cutoff]
    status = status_at(events, cutoff)
    levels = _levels(known[known["measure"] == "level"], status)
    additions = _additions(known[known["measure"] == "additions"], pv_window_years)
    parts = [part[VIEW_COLUMNS] for part in (levels, additions) if len(part)]
    if not parts:
        return pd.DataFrame(columns=VIEW_COLUMNS)
    view = pd.concat(parts, ignore_index=True)
    return view.sort_values(["cluster_type", "customer_id"], ignore_index=True)


def load_jv_partners(
    path: Path | str | None = None, facilities_csv: Path | None = None
) -> pd.DataFrame:
    """Read and check ``jv_partners.csv`` (default: the embedded file): each row ties a battery
    cell plant of ``facilities.csv`` to an automaker group from ``valid_from`` (blank: always) to
    ``valid_to`` (exclusive; blank: still). Raises :class:`DataValidationError` naming file, line
    and field for an unknown facility, a non-battery facility, a duplicate tie, or an end before
    its start."""
    path = Path(path) if path is not None else JV_FILE
    label = str(path)
    table = read_table(path, "jv_partners.csv")
    check_unique(table, ["facility_id", "partner_oem", "valid_from"], label)
    facilities = pd.read_csv(
        facilities_csv or DATA_DIR / "facilities.csv", dtype=str, keep_default_na=False
    ).set_index("facility_id")
    for row in table.to_dict("records"):
        if row["facility_id"] not in facilities.index:
            _fail(
                label,
                row,
                "facility_id",
                f"unknown id {row['facility_id']!r} (not in facilities.csv)",
                "facility_id",
            )
        if facilities.at[row["facility_id"], "cluster_type"] != "battery":
            _fail(label, row, "facility_id", "not a battery facility", "facility_id")
        if row["valid_from"] and row["valid_to"] and row["valid_to"] <= row["valid_from"]:
            _fail(
                label,
                row,
                "valid_to",
                f"{row['valid_to']} is not after valid_from {row['valid_from']}",
                "facility_id",
            )
    return table.drop(columns="_line")


def jv_partners(path: Path | str | None = None) -> pd.DataFrame:
    """The embedded (or given) ``jv_partners.csv``, checked; see :func:`load_jv_partners`."""
    return load_jv_partners(path)


def partner_plants(partners: pd.DataFrame, view: pd.DataFrame, as_of: date | str) -> pd.DataFrame:
    """The partner automaker's plants each cell plant is tied to on ``as_of``.

    ``partners``: rows of ``jv_partners.csv``; ``view``: ``customers_at(..., as_of)``. A tie holds
    when ``valid_from`` (blank: always) is on or before the date and ``valid_to`` (blank: never)
    after it; it reaches the vehicle assembly points of the view whose ``oem`` (';'-separated)
    names the partner. Columns: facility_id, partner_oem, relation, customer_id, state, weight
    [jobs]. A tie with no plant in the view (e.g. a heavy-truck partner) gives no row.
    """
    cutoff = _day(as_of)
    start_ok = partners["valid_from"].map(lambda d: d == "" or d <= cutoff)
    end_ok = partners["valid_to"].map(lambda d: d == "" or d > cutoff)
    ties = partners[start_ok & end_ok]
    plants = view[view["kind"] == "vehicle_assembly"]
    rows = []
    for tie in ties.to_dict("records"):
        for plant in plants.to_dict("records"):
            if tie["partner_oem"] in plant["oem"].split(";"):
                rows.append({
                    "facility_id": tie["facility_id"],
                    "partner_oem": tie["partner_oem"],
                    "relation": tie["relation"],
                    "customer_id": plant["customer_id"],
                    "state": plant["state"],
                    "weight": plant["weight"],
                })  # fmt: skip
    columns = ["facility_id", "partner_oem", "relation", "customer_id", "state", "weight"]
    return pd.DataFrame(rows, columns=columns)
