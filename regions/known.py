"""What a planner could have known on a date: every input as published by then.

``known_at(data, as_of)`` returns the dataset restricted to figures published on or before
``as_of`` and two tables, ``withheld`` (what was left out because it appeared later) and
``leaks`` (figures used although published later, because the data hold no earlier vintage).
The rule per input:

- **permitting evidence**: rows whose ``published`` date is after ``as_of`` are left out and the
  figures of every region re-derived by the usual rule (``regions.permitting``) from the rest,
  so a 2023 permit record does not set the months of a 2020 world (nor the default of the states
  that borrow from it). A row without a date is kept and listed as a leak of unknown size.
- **demand**: rows published after ``as_of`` are left out (a 2020 view of CBP uses the release
  out by then, not the 2020 data year); a series (cluster type, weight unit) with no row
  published by then keeps its earliest-published rows, listed as leaks.
- **mineral sources by their status on ``as_of``**: a source producing by then
  (``first_production_year`` <= the year of ``as_of``) is ``operating``; one first producing
  later is known only if its plant was announced by then (``facility_id``) or its source was
  published by then (``published``, else the end of the latest year in ``vintage``), and is then
  ``under_construction`` (it supplies in the model only if it produces by the horizon); unknown
  ones are left out. A source closed today but producing on ``as_of`` is kept as operating
  (its closure came later). Capacities from sources published later are leaks.
- **facility events** are dated already (``view_at``); an event on or before ``as_of`` reported
  only by a later source is used (the event itself was public when it happened) and listed.
- **prices, wages, employment, power, tariffs** (``mineral_prices.csv``, ``sources.csv``): one
  vintage each in the data; those published after ``as_of`` are listed as leaks with how much
  later they appeared (from ``published``, else at least from the first day of the latest year
  named in ``vintage``).

Leaks carry ``later_by_days`` (``published - as_of``; ``at_least`` True when the publication
date is a lower bound from the vintage text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import pandas as pd

from .dataset import RegionData
from .permitting import FIGURE_COLUMNS, derive_permitting, round_months

LEAK_COLUMNS = ["input", "item", "describes", "published", "at_least", "later_by_days", "handling"]
WITHHELD_COLUMNS = ["input", "item", "published", "why"]


@dataclass(frozen=True)
class KnownView:
    """The dataset as known on ``as_of`` and what that left out or could not leave out.

    Attributes:
        data: the restricted dataset (same files, rows published later left out or re-dated).
        leaks: ``input, item, describes, published, at_least, later_by_days, handling`` — figures
            used although published after ``as_of`` (no earlier vintage in the data).
        withheld: ``input, item, published, why`` — rows left out because they appeared later.
    """

    as_of: date
    data: RegionData
    leaks: pd.DataFrame
    withheld: pd.DataFrame


def year_end_of(vintage: object) -> date | None:
    """31 December of the latest year named in ``vintage`` (an upper bound of a source's
    publication when only years are given); None when it names none.

    >>> year_end_of("2022-2024")
    datetime.date(2024, 12, 31)
    """
    years = [int(y) for y in re.findall(r"\b(?:19|20)\d\d\b", str(vintage))]
    return date(max(years), 12, 31) if years else None


def not_before(vintage: object) -> date | None:
    """1 January of the latest year named in ``vintage``: a lower bound of its publication.

    >>> not_before("data year 2023 (released 2024-10-17)")
    datetime.date(2024, 1, 1)
    """
    end = year_end_of(vintage)
    return date(end.year, 1, 1) if end else None


def _as_date(value: object) -> date | None:
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, date):
        return value
    return None


def _leak(input_: str, item: str, describes: str, published: date | None, as_of: date,
          handling: str, at_least: bool = False) -> dict:  # fmt: skip
    later = (published - as_of).days if published else np.nan
    return {
        "input": input_, "item": item, "describes": describes, "published": published,
        "at_least": at_least, "later_by_days": later, "handling": handling,
    }  # fmt: skip


def known_permitting(
    data: RegionData, as_of: date
) -> tuple[pd.DataFrame, pd.DataFrame, list, list]:
    """(permitting table, regions table, withheld rows, leak rows) from the evidence known on
    ``as_of``; regions without any known evidence take the regional default of those with."""
    evidence = data.permitting_evidence
    if not len(evidence):
        return data.permitting, data.regions, [], []
    published = evidence.get("published", pd.Series("", index=evidence.index)).map(_as_date)
    later = published.map(lambda d: d is not None and d > as_of)
    withheld = [
        {"input": "permitting_evidence.csv", "item": f"{r.evidence_id} ({r.region_id or 'national'})",
         "published": published[i], "why": "published after the as-of date"}
        for i, r in evidence[later].iterrows()
    ]  # fmt: skip
    leaks = [
        _leak("permitting_evidence.csv", r.evidence_id, str(r.vintage), None, as_of,
              "kept: no publication date recorded")
        for i, r in evidence[published.isna()].iterrows()
    ]  # fmt: skip
    known = evidence[~later]
    if not withheld:
        return data.permitting, data.regions, withheld, leaks
    groups = data.permitting[["census_division", "census_region", "basis"]]
    if not (known["region_id"] != "").any():
        leaks.append(_leak("permitting_evidence.csv", "all regions", "every row",
                           min(d for d in published if d), as_of,
                           "kept today's figures: no evidence published by the as-of date"))  # fmt: skip
        return data.permitting, data.regions, withheld, leaks
    derived = derive_permitting(known, groups)
    table = data.permitting.copy()
    for column in FIGURE_COLUMNS:
        mask = table["basis"] != "assumption"
        table.loc[mask, column] = derived.loc[mask[mask].index, column].map(round_months)
    for column in ("evidence_count", "basis", "derivation"):
        mask = table["basis"] != "assumption"
        table.loc[mask, column] = derived.loc[mask[mask].index, column]
    regions = data.regions.copy()
    regions["permitting_months"] = table["permitting_months"].astype(float)
    return table, regions, withheld, leaks


def known_demand(data: RegionData, as_of: date) -> tuple[pd.DataFrame, list, list]:
    """(demand rows known on ``as_of``, withheld rows, leak rows); see the module rules."""
    demand = data.demand
    if not len(demand) or "published" not in demand.columns:
        return demand, [], []
    published = demand["published"].map(_as_date)
    describes = demand["as_of"] <= as_of
    keep = describes & published.map(lambda d: d is None or d <= as_of)
    leaks = []
    for (cluster_type, unit), index in demand.groupby(
        ["cluster_type", "weight_unit"]
    ).groups.items():
        if keep.loc[index].any() or not describes.loc[index].any():
            continue
        candidates = demand.loc[index][describes.loc[index]]
        first = published[candidates.index].dropna().min()
        chosen = candidates[published[candidates.index] == first]
        keep.loc[chosen.index] = True
        vintages = ", ".join(sorted(set(map(str, chosen["vintage"]))))
        leaks.append(_leak(
            "demand.csv", f"{cluster_type} weights ({unit})",
            f"{vintages}; {len(chosen)} rows up to {chosen['as_of'].max()}", first, as_of,
            "used: no release of this series published by the as-of date",
        ))  # fmt: skip
    for (cluster_type, unit), group in demand[keep & published.isna()].groupby(
        ["cluster_type", "weight_unit"]
    ):
        leaks.append(_leak("demand.csv", f"{cluster_type} weights ({unit})",
                           f"{len(group)} rows", None, as_of, "kept: no publication date recorded"))  # fmt: skip
    withheld = []
    dropped = demand[describes & ~keep]
    for (cluster_type, unit, vintage), group in dropped.groupby(
        ["cluster_type", "weight_unit", "vintage"]
    ):
        withheld.append({
            "input": "demand.csv",
            "item": f"{cluster_type} {unit} {vintage} ({len(group)} rows up to {group['as_of'].max()})",
            "published": published[group.index].max(), "why": "published after the as-of date",
        })  # fmt: skip
    return demand[keep], withheld, leaks


def known_mineral_sources(data: RegionData, as_of: date) -> tuple[pd.DataFrame, list, list]:
    """(mineral sources with their status on ``as_of``, withheld rows, leak rows)."""
    sources = data.mineral_sources.copy()
    announced = data.facilities["announced_date"] if len(data.facilities) else pd.Series()
    keep, withheld, leaks = [], [], []
    for i, row in sources.iterrows():
        if row["foreign"]:
            keep.append(True)
            continue
        published = _as_date(row.get("published")) or year_end_of(row["vintage"])
        year = row["first_production_year"]
        producing = not np.isnan(year) and year <= as_of.year
        label = f"{row['source_id']} {row['mineral']}"
        if producing:
            if row["status"] != "operating":
                sources.at[i, "status"] = "operating"
            if published is not None and published > as_of and row["capacity_t_per_yr"] > 0:
                leaks.append(_leak(
                    "mineral_sources.csv", f"{label} capacity", f"vintage {row['vintage']}",
                    not_before(row["vintage"]) if not _as_date(row.get("published")) else published,
                    as_of, "used: capacity as reported later", at_least=not row.get("published"),
                ))  # fmt: skip
            keep.append(True)
            continue
        facility = row.get("facility_id", "")
        known_from = announced.get(facility) if facility else published
        if known_from is None or known_from > as_of:
            withheld.append({"input": "mineral_sources.csv", "item": label, "published": known_from,
                             "why": "not producing on the as-of date and not known by then"})  # fmt: skip
            keep.append(False)
            continue
        sources.at[i, "status"] = "under_construction" if row["status"] != "closed" else "closed"
        if row["status"] == "operating" or not np.isnan(year):
            leaks.append(_leak(
                "mineral_sources.csv", f"{label} first production year",
                f"{year:.0f} as expected today" if not np.isnan(year) else "unknown",
                None, as_of, "used: today's expectation of a project known by then",
            ))  # fmt: skip
        keep.append(True)
    return sources[keep], withheld, leaks


def citation_leaks(data: RegionData, as_of: date) -> list:
    """Leak rows for region figures (``sources.csv``) and mineral prices published later."""
    leaks = []
    rows = data.sources
    skip = {"permitting.csv", "permitting_months", "regions.geojson"}
    for row in rows.itertuples():
        if row.table in skip or row.column in skip or row.table != "regions.csv":
            continue
        if row.column in ("region_id", "name", "fips"):
            continue
        exact = _as_date(getattr(row, "published", None))
        published = exact or not_before(row.vintage)
        if published is not None and published > as_of:
            item = f"{row.column}" + (f" [{row.region_id}]" if row.region_id else "")
            leaks.append(_leak("regions.csv", item, str(row.vintage), published, as_of,
                               "used: no earlier vintage in the data", at_least=exact is None))  # fmt: skip
    prices = data.mineral_prices
    for mineral, row in prices.iterrows():
        exact = _as_date(row.get("published"))
        published = exact or not_before(row.get("vintage", ""))
        if published is not None and published > as_of:
            leaks.append(_leak("mineral_prices.csv", f"{mineral} price and tariff",
                               str(row.get("vintage", "")), published, as_of,
                               "used: no earlier vintage in the data", at_least=exact is None))  # fmt: skip
    return leaks


def event_leaks(data: RegionData, as_of: date) -> list:
    """One leak row per facility event dated on or before ``as_of`` whose only source came
    later (the event is used: it was public when it happened, its report is later)."""
    events = data.facility_events
    if not len(events):
        return []
    late = events[(events["date"] <= as_of) & (events["vintage"] > as_of)]
    late = late[late["facility_id"].isin(data.facilities.index)]
    return [
        _leak("facility_events.csv", f"{r.facility_id} {r.event} {r.date}",
              "capacity " + (f"{r.capacity_std:g}" if not np.isnan(r.capacity_std) else "unchanged"),
              r.vintage, as_of, "used: event on or before the as-of date, reported later")
        for r in late.itertuples()
    ]  # fmt: skip


def known_at(data: RegionData, as_of: date) -> KnownView:
    """``data`` as known on ``as_of`` (see the module rules) with its leaks and withheld rows."""
    permitting, regions, withheld, leaks = known_permitting(data, as_of)
    demand, held, leaked = known_demand(data, as_of)
    withheld += held
    leaks += leaked
    sources, held, leaked = known_mineral_sources(data, as_of)
    withheld += held
    leaks += leaked
    leaks += citation_leaks(data, as_of)
    leaks += event_leaks(data, as_of)
    evidence = data.permitting_evidence
    if len(evidence) and "published" in evidence.columns:
        evidence = evidence[
            evidence["published"].map(lambda d: not _as_date(d) or _as_date(d) <= as_of)
        ]
    known = replace(
        data, regions=regions, permitting=permitting, permitting_evidence=evidence,
        demand=demand.reset_index(drop=True), mineral_sources=sources.reset_index(drop=True),
    )  # fmt: skip
    leak_table = pd.DataFrame(leaks, columns=LEAK_COLUMNS)
    leak_table = leak_table.sort_values(["input", "item"], ignore_index=True)
    return KnownView(as_of, known, leak_table, pd.DataFrame(withheld, columns=WITHHELD_COLUMNS))


def leak_summary(leaks: pd.DataFrame, shown: int = 4) -> list[str]:
    """One sentence per input: which figures are later than the as-of date and by how much
    (``leaks: …``), the largest gaps first; past ``shown`` items the rest are counted.

    >>> table = pd.DataFrame([_leak("regions.csv", "wage", "May 2023", date(2023, 1, 1),
    ...     date(2020, 12, 31), "used", at_least=True)], columns=LEAK_COLUMNS)
    >>> leak_summary(table)
    ['leaks: regions.csv: wage (≥ 2.0 yr later)']
    """
    lines = []
    for input_, group in leaks.groupby("input", sort=True):
        dated = group.dropna(subset=["later_by_days"])
        dated = dated.sort_values(["later_by_days", "item"], ascending=[False, True])
        parts = []
        for row in dated.head(shown).itertuples():
            bound = "≥ " if row.at_least else ""
            parts.append(f"{row.item} ({bound}{row.later_by_days / 365.25:.1f} yr later)")
        if len(dated) > shown:
            rest = dated.iloc[shown:]["later_by_days"] / 365.25
            parts.append(f"{len(rest)} more, {rest.min():.1f}–{rest.max():.1f} yr later")
        undated = len(group) - len(dated)
        if undated:
            parts.append(f"{undated} without a publication date")
        lines.append(f"leaks: {input_}: " + "; ".join(parts))
    return lines
