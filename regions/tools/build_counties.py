#!/usr/bin/env python3
"""Rebuild ``regions/data/counties.csv`` (candidate counties) from copies of the original files.

Usage (from the repository root)::

    python regions/tools/build_counties.py COUNTIES_FOLDER [--cbsa FILE] [--out FILE]

``COUNTIES_FOLDER`` holds the county extracts described in its README (Census cartographic
boundary county list 2016, CBP 2021 / ABS 2017 manufacturing employment, CBP state totals,
Census 2020 population and centres of population, EIA-861 2019 industrial sales by utility,
EIA-861 2018 service territory). ``--cbsa`` is the county → CBSA extract of the OMB March 2020
delineation (default ``regions/tools/sources/cbsa_delineation_2020.csv``). Rules (FORMAT.md,
"Counties"):

- one row per county of the 50 states + DC in the 2016 cartographic boundary file (3,142);
- representative point: the Census 2020 centre of population; 02261 (Valdez-Cordova, split in
  2019) has none, so its point is the centre of its two 2020 parts 02063 + 02066 by the Census
  formula (population-weighted latitude; longitude weighted by population x cos(latitude));
- manufacturing employment (NAICS 31-33) as published (CBP 2021; ABS 2017 where no CBP county
  file is available), then reconciled with the state figure of ``regions/data/regions.csv``:
  jobs = published x T / max(C, P) (:func:`state_scale`);
- labour shed: the county's CBSA (metro or micro area) where it has one, else the county itself;
- industrial power price: Σ revenue / Σ sales of the bundled (full-service) industrial sales of
  the utilities serving the county (2018 territory, utility number and state), else the state's
  EIA-861 2019 industrial price (``state_fallback``).
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from regions.atomic import write_text_atomic  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "regions" / "data" / "counties.csv"
CBSA_FILE = ROOT / "regions" / "tools" / "sources" / "cbsa_delineation_2020.csv"
REGIONS_FILE = ROOT / "regions" / "data" / "regions.csv"
HEADER = [
    "fips", "state", "county_name", "rep_lon", "rep_lat", "rep_point_basis", "population_2020",
    "mfg_employment_published", "mfg_employment_year", "mfg_employment_source",
    "mfg_employment_status", "mfg_state_scale", "mfg_employment_jobs", "cbsa_code", "cbsa_kind",
    "labor_shed_id", "power_price_usd_per_mwh", "power_price_basis", "power_utilities",
    "power_utilities_priced", "power_bundled_share",
]  # fmt: skip
SPLIT_COUNTIES = {"02261": ("02063", "02066")}
"""cb_2016 counties split before 2020: their 2020 parts (the centre is computed from them)."""
SCALE_DIGITS = 8
BUNDLED_MINORITY = 0.5
"""Below this share of bundled sales in the serving utilities' industrial sales the price is
flagged ``utility_bundled_minority`` (most industrial energy there is bought competitively)."""


def read(folder: Path, name: str) -> pd.DataFrame:
    """A staged CSV with FIPS-like columns kept as text."""
    text = {c: str for c in ("fips", "fips_cb2016", "statefp", "cbsa_code")}
    return pd.read_csv(folder / name, dtype=text, keep_default_na=True)


def rep_points(folder: Path, keys: pd.DataFrame) -> pd.DataFrame:
    """fips → rep_lon, rep_lat, basis, population_2020 (Census 2020 centres of population)."""
    pop = read(folder, "county_population_2020_and_centers.csv").set_index("fips")
    rows = []
    for fips in keys["fips"]:
        parts = SPLIT_COUNTIES.get(fips)
        if parts is None:
            rec = pop.loc[fips]
            rows.append(
                (fips, rec["cenpop2020_lon"], rec["cenpop2020_lat"], "census_2020",
                 rec["pop_census2020"])
            )  # fmt: skip
            continue
        sub = pop.loc[list(parts)]
        w = sub["pop_census2020"]
        cos = [math.cos(math.radians(v)) for v in sub["cenpop2020_lat"]]
        lat = float((w * sub["cenpop2020_lat"]).sum() / w.sum())
        lon = float(sum(a * c * b for a, c, b in zip(w, cos, sub["cenpop2020_lon"], strict=True)))
        lon /= float(sum(a * c for a, c in zip(w, cos, strict=True)))
        rows.append((fips, lon, lat, "derived_2020_parts", float(w.sum())))
    out = pd.DataFrame(rows, columns=["fips", "rep_lon", "rep_lat", "rep_point_basis", "pop"])
    return out.set_index("fips")


def state_scale(total: float, cbp_state: float | None, published_sum: float) -> float:
    """Factor turning a state's published county jobs into jobs on the basis of ``total``.

    jobs = published x total / max(cbp_state, published_sum): a county keeps its share of its
    state's CBP total of the source year (the rest is the withheld residual) and the shares are
    applied to the state figure the model uses. Where the county sum exceeds the CBP total (ABS
    counts more, e.g. CA) or no CBP total exists (DC), the counties share the whole figure.
    """
    base = published_sum if cbp_state is None else max(cbp_state, published_sum)
    return total / base


def employment(folder: Path, keys: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per county the published figure, year, source, status, state factor and reconciled jobs;
    per state the reconciliation (target, CBP total, published sum, factor, withheld residual)."""
    emp = read(folder, "manufacturing_employment.csv").set_index("fips")
    totals = read(folder, "cbp_state_totals_2017_2021.csv")
    totals = totals[totals["naics"] == "31-33"]
    cbp = {(r.state, int(r.year)): float(r.employment) for r in totals.itertuples()}
    target = pd.read_csv(REGIONS_FILE, dtype={"fips": str}).set_index("region_id")
    frame = keys[["fips", "state"]].set_index("fips").join(emp[["employment", "year", "source"]])
    is_cbp = frame["source"].str.startswith("Census CBP")
    frame["mfg_employment_source"] = ["cbp2021" if c else "abs2017" for c in is_cbp]
    frame["mfg_employment_year"] = [2021 if c else 2017 for c in is_cbp]
    published = frame["employment"].notna() & (frame["employment"] > 0)
    frame["mfg_employment_status"] = [
        "published" if p else ("cbp_no_row" if c else "abs_withheld_or_zero")
        for p, c in zip(published, is_cbp, strict=True)
    ]
    frame["mfg_employment_published"] = frame["employment"].where(published)
    states = []
    for state, group in frame.groupby("state"):
        years = set(group["mfg_employment_year"])
        if len(years) != 1:
            raise SystemExit(f"{state}: counties from more than one source year {sorted(years)}")
        year = years.pop()
        published_sum = float(group["mfg_employment_published"].sum())
        cbp_state = cbp.get((state, year))
        total = float(target.at[state, "mfg_employment_jobs"])
        # rounded as written, so that jobs = published x the written factor
        factor = round(state_scale(total, cbp_state, published_sum), SCALE_DIGITS)
        states.append(
            {
                "state": state, "source_year": year, "target_jobs": total,
                "cbp_state_total": cbp_state, "published_county_sum": published_sum,
                "scale": factor, "withheld_residual_jobs": total - factor * published_sum,
            }
        )  # fmt: skip
    recon = pd.DataFrame(states).set_index("state")
    frame["mfg_state_scale"] = frame["state"].map(recon["scale"])
    frame["mfg_employment_jobs"] = frame["mfg_employment_published"] * frame["mfg_state_scale"]
    return frame, recon


def sheds(keys: pd.DataFrame, cbsa_file: Path) -> pd.DataFrame:
    """fips → cbsa_code, cbsa_kind (metro / micro / no_cbsa), labor_shed_id."""
    cbsa = pd.read_csv(cbsa_file, dtype=str).set_index("fips")
    out = keys[["fips"]].set_index("fips").join(cbsa[["cbsa_code", "cbsa_kind"]])
    out["cbsa_code"] = out["cbsa_code"].fillna("")
    out["cbsa_kind"] = out["cbsa_kind"].fillna("no_cbsa")
    out["labor_shed_id"] = [c or f for f, c in zip(out.index, out["cbsa_code"], strict=True)]
    return out


def prices(folder: Path, keys: pd.DataFrame) -> pd.DataFrame:
    """fips → industrial price [USD/MWh], basis, utilities serving, utilities priced, bundled
    share of the serving utilities' industrial sales."""
    sales = read(folder, "eia861_2019_sales_ult_cust_utility_industrial.csv")
    sales = sales[sales["utility_name"] != "Adjustment 2019"]
    sales["sales"] = sales["ind_sales_mwh"].fillna(0.0)
    sales["revenue"] = sales["ind_revenue_kusd"].fillna(0.0)
    bundled = sales[(sales["service_type"] == "Bundled") & (sales["sales"] > 0)]
    bundled = bundled.groupby(["utility_number", "state"])[["revenue", "sales"]].sum()
    delivery = sales[sales["service_type"] == "Delivery"]
    delivery = delivery.groupby(["utility_number", "state"])["sales"].sum()
    territory = read(folder, "eia861_2018_service_territory_county.csv")
    territory = territory[territory["fips_cb2016"].notna()]
    state_of = keys.set_index("fips")["state"]
    territory = territory.assign(state=territory["fips_cb2016"].map(state_of))
    territory = territory.drop_duplicates(["fips_cb2016", "utility_number"])
    state_price = read(folder, "eia861_2019_state_industrial_price_derived.csv")
    state_price = state_price.set_index("state")["ind_avg_price_cents_kwh_derived"] * 10.0
    rows = {}
    for fips, group in territory.groupby("fips_cb2016"):
        pairs = list(zip(group["utility_number"], group["state"], strict=True))
        priced = [p for p in pairs if p in bundled.index]
        rev = sum(bundled.at[p, "revenue"] for p in priced)
        mwh = sum(bundled.at[p, "sales"] for p in priced)
        wires = sum(delivery.get(p, 0.0) for p in pairs)
        rows[fips] = (len(pairs), len(priced), rev, mwh, wires)
    out = []
    for fips, state in zip(keys["fips"], keys["state"], strict=True):
        n, n_priced, rev, mwh, wires = rows.get(fips, (0, 0, 0.0, 0.0, 0.0))
        if mwh > 0:
            share = mwh / (mwh + wires)
            basis = "utility_bundled" if share >= BUNDLED_MINORITY else "utility_bundled_minority"
            # revenue k$ / sales MWh x 1000 = USD/MWh
            out.append((fips, rev / mwh * 1000.0, basis, n, n_priced, share))
        else:
            out.append((fips, float(state_price[state]), "state_fallback", n, n_priced, math.nan))
    columns = [
        "fips", "power_price_usd_per_mwh", "power_price_basis", "power_utilities",
        "power_utilities_priced", "power_bundled_share",
    ]  # fmt: skip
    return pd.DataFrame(out, columns=columns).set_index("fips")


def build(folder: Path, cbsa_file: Path = CBSA_FILE) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The counties table (columns ``HEADER``) and the state reconciliation table."""
    keys = read(folder, "county_list_cb2016.csv")
    keys = keys[keys["statefp"].astype(int) <= 56].sort_values("fips").reset_index(drop=True)
    points = rep_points(folder, keys)
    emp, recon = employment(folder, keys)
    table = keys[["fips", "state", "county_name"]].set_index("fips")
    table = table.join(points).join(emp.drop(columns=["state", "employment", "year", "source"]))
    table = table.join(sheds(keys, cbsa_file)).join(prices(folder, keys))
    table = table.rename(columns={"pop": "population_2020"}).reset_index()
    return table[HEADER], recon


def fmt(value: object, digits: int | None = None) -> str:
    """A cell: blank for NaN; ``digits`` decimals (trailing zeros dropped) when given, else a
    whole number as an integer; text as it is."""
    if isinstance(value, float | int) and not isinstance(value, bool):
        value = float(value)
        if math.isnan(value):
            return ""
        if digits is not None:
            return f"{value:.{digits}f}".rstrip("0").rstrip(".")
        return f"{value:.0f}" if value.is_integer() else repr(value)
    return str(value)


DIGITS = {
    "rep_lon": 6, "rep_lat": 6, "mfg_state_scale": SCALE_DIGITS, "mfg_employment_jobs": 1,
    "power_price_usd_per_mwh": 2, "power_bundled_share": 3,
}  # fmt: skip


def to_csv(table: pd.DataFrame) -> str:
    """The table as CSV text with the fixed number formats of ``DIGITS``."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(HEADER)
    for row in table.itertuples(index=False):
        writer.writerow([fmt(getattr(row, c), DIGITS.get(c)) for c in HEADER])
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="staged county extracts (see its README)")
    parser.add_argument("--cbsa", type=Path, default=CBSA_FILE, help="county → CBSA extract")
    parser.add_argument("--out", type=Path, default=OUT, help="file to write")
    parser.add_argument("--report", action="store_true", help="print the state reconciliation")
    args = parser.parse_args(argv)
    table, recon = build(args.folder, args.cbsa)
    write_text_atomic(args.out, to_csv(table))
    print(f"wrote {len(table)} counties to {args.out}")
    if args.report:
        print(recon.to_string(float_format=lambda v: f"{v:,.4f}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
