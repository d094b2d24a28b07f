"""Hindcast: solve with the world as of a past date and compare with what was really announced.

Rules (they set what the comparison means):

- **The world as of ``as_of``, as it was known then.** ``facilities_as_of = as_of``: only plants
  announced by then exist, each with its status and counted capacity on that day. Every other
  input is taken as published by then (``regions.known.known_at``): permitting evidence
  published later is left out and the months re-derived; demand from the releases out by then
  (CBP 2020 appeared after 2020); mineral sources by their status on that date (a source first
  producing later supplies only if it was known by then, and then only from its first
  production); 45X only once enacted (``hindcast_inputs``). Inputs with no vintage published by
  then (power prices, wages, employment, mineral prices, technology figures) are used as they
  are and listed in ``leaks`` with how much later they appeared, and in ``notes`` ("leaks: …").
- **Horizon** ``until.year`` by default: the plants announced by ``until`` are what the market
  decided in that window, and a window of about four years matches the built-in scenarios'.
- **Targets** per type = capacity counted on ``as_of`` + capacity announced in
  (``as_of``, ``until``]. The model then places exactly as much new capacity as the market
  announced, so the comparison is about *where*, not *how much*; the scenario's forward targets
  (e.g. 2030 demand) would place several times more and blur every score.
- **Announced** = counting-product plants whose announcement falls in (``as_of``, ``until``],
  counted at their capacity on ``until`` (nameplate where none is recorded), *including* plants
  cancelled or paused by then: an announcement is the siting decision the model stands in for;
  a later cancellation is about demand and finance, not place (``by_state`` shows that capacity
  apart).
- **No cluster-count limits**: ``max_clusters`` is a planning choice of forward scenarios; the
  market of the window had none. Everything else in the scenario (cost view, zones, levers) stays.
- **No fitting**: no per-state factor is estimated; the scores say how far to trust the model.

Scores per type, over every region of the data: Spearman rank correlation of model new capacity
with announced capacity (average ranks for ties, after rounding to ``RANK_DIGITS`` significant
digits so that float noise such as 134.99999999999997 against 135 is a tie), and the share of the model's new capacity that
lands in states that really received plants. ``all`` pools (state, type) pairs with capacity as a
share of its type's national total (Spearman), and averages the per-type shares.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from regions import RegionData
from regions.dataset import COUNTING_PRODUCT
from regions.known import LEAK_COLUMNS, WITHHELD_COLUMNS, known_at, leak_summary
from regions.timeline import view_at

from ..api import _default_data, _default_tech, solve, solve_county
from ..model.drivers import describe_gaps, reference, term_gaps, unit_terms
from ..model.result import Result
from ..model.scenario import Scenario, load_scenario, with_resolution
from ..model.technology import CAPACITY_UNITS, TechnologyData
from .hindcast_county import (
    WITHIN_KM,
    announced_plants,
    county_customers,
    county_explain,
    county_leaks,
    county_scenario,
    distance_lines,
    distance_scores,
    model_sites,
    nearest_sites,
)
from .hindcast_inputs import CREDIT_45X_ENACTED, credit_known, technology_leaks
from .reality import RealityGap, reality_gap

ENDED_BY_UNTIL = ("cancelled", "paused")
EPS = 1e-9
RANK_DIGITS = 9
"""Significant digits kept before ranking: ties are ties whatever the float noise."""


@dataclass(frozen=True)
class HindcastResult:
    """A hindcast from ``as_of`` against announcements up to ``until``.

    Attributes:
        by_state: one row per (region_id, cluster_type): ``model_new_capacity``,
            ``announced_capacity``, ``announced_plants``, ``ended_capacity`` (of the announced,
            cancelled or paused by ``until``), ``existing_capacity`` (counted on ``as_of``)
            [type unit/yr], and the ranks used by Spearman.
        scores: one row per cluster type and ``all``: ``spearman``, ``share_in_real_states``,
            ``model_new_capacity``, ``announced_capacity``, ``unit``, ``n_real_states``,
            ``n_model_states``, ``n_both``, ``n_missed``, ``n_invented``, ``shortfall``.
        missed: states with announced capacity where the model placed none, with the state's
            option, per-unit cost and the terms that made it dearer than the model's sites.
        invented: states where the model placed capacity and nothing was announced, with the
            terms that made them cheaper than the states that really received plants.
        result: the hindcast solve. notes: rules and data caveats, in sentences.
        reality: the announced plan costed in the same model against its optimum
            (``optimizer.analyses.reality``): is what really happened within 1, 2 or 5 % of optimal?
        leaks: inputs used although published after ``as_of`` (no earlier vintage in the data):
            ``input, item, describes, published, at_least, later_by_days, handling``
            (``regions.known.LEAK_COLUMNS``); empty when the hindcast ran on today's data.
        withheld: rows left out because they were published after ``as_of``
            (``input, item, published, why``).
        resolution: 'state' or 'county' (the sites of the hindcast solve).
        distances: at county resolution, one row per plant announced in the window with the
            nearest model site of its type [km] (``hindcast_county.DISTANCE_COLUMNS``); the
            scores then also carry ``n_plants``, ``n_model_sites``, ``median_km`` and
            ``share_within_100km``. None at state resolution.
        county_data: at county resolution, the county dataset the result describes.
    """

    as_of: date
    until: date
    by_state: pd.DataFrame
    scores: pd.DataFrame
    missed: pd.DataFrame
    invented: pd.DataFrame
    result: Result
    notes: list[str] = field(default_factory=list)
    reality: RealityGap | None = None
    leaks: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=LEAK_COLUMNS))
    withheld: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=WITHHELD_COLUMNS))
    resolution: str = "state"
    distances: pd.DataFrame | None = None
    county_data: RegionData | None = None

    def summary(self) -> str:
        """Plain sentences: the scores per type, the states missed and invented, the notes."""
        lines = [
            f"Hindcast from {self.as_of} against capacity announced up to {self.until} "
            f"(scenario {self.result.scenario.name!r}, status {self.result.report.status.value})."
        ]
        for k, row in self.scores.iterrows():
            if k == "all":
                continue
            unit = row["unit"]
            rho = "undefined" if np.isnan(row["spearman"]) else f"{row['spearman']:.2f}"
            share = row["share_in_real_states"]
            share_text = "—" if np.isnan(share) else f"{share:.0%}"
            lines.append(
                f"{k}: Spearman {rho}; {share_text} of the {row['model_new_capacity']:,.4g} "
                f"{unit} the model placed lands in the {row['n_real_states']} states that "
                f"received {row['announced_capacity']:,.4g} {unit} of announcements "
                f"({row['n_both']} states in common)."
            )
            for label, table in (("missed", self.missed), ("invented", self.invented)):
                rows = table[table["cluster_type"] == k]
                if len(rows):
                    items = "; ".join(f"{r.region_id} ({r.why})" for r in rows.itertuples())
                    lines.append(f"  {label}: {items}.")
        if "all" in self.scores.index:
            row = self.scores.loc["all"]
            rho = "undefined" if np.isnan(row["spearman"]) else f"{row['spearman']:.2f}"
            share = row["share_in_real_states"]
            lines.append(
                f"All types: Spearman {rho} over (state, type) shares; "
                f"{'—' if np.isnan(share) else f'{share:.0%}'} of placed capacity "
                "(mean over types) in states that received plants."
            )
        if self.distances is not None:
            lines.append(
                f"By county: distance from each plant announced after {self.as_of} to the "
                f"model's nearest new site of its type, and capacity within {WITHIN_KM:.0f} km."
            )
            lines += distance_lines(self.scores)
        if self.reality is not None:
            lines.append(self.reality.summary())
        lines += [f"Note: {n}" for n in self.notes]
        return "\n".join(lines)


def spearman(x: pd.Series, y: pd.Series) -> float:
    """Spearman rank correlation: Pearson correlation of average ranks (ties share their mean
    rank); NaN when either side is constant or fewer than two pairs.

    >>> round(spearman(pd.Series([3.0, 0, 0]), pd.Series([1.0, 3, 2])), 4)
    -0.866
    """
    x, y = x.align(y, join="inner")
    if len(x) < 2:
        return float("nan")
    rx, ry = rounded(x).rank(method="average"), rounded(y).rank(method="average")
    if rx.std(ddof=0) <= EPS or ry.std(ddof=0) <= EPS:
        return float("nan")
    return float(np.corrcoef(rx.to_numpy(float), ry.to_numpy(float))[0, 1])


def rounded(values: pd.Series, digits: int = RANK_DIGITS) -> pd.Series:
    """``values`` rounded to ``digits`` significant digits (ranks compare these).

    >>> rounded(pd.Series([134.99999999999997, 135.0])).tolist()
    [135.0, 135.0]
    """
    return values.astype(float).map(lambda v: float(f"{v:.{digits}g}"))


def announced_between(data: RegionData, as_of: date, until: date) -> pd.DataFrame:
    """Counting-product plants announced in (``as_of``, ``until``]: ``region_id``,
    ``cluster_type``, ``capacity`` on ``until`` [type unit/yr] (nameplate where none is
    recorded; 0 where neither is known), ``status`` on ``until`` (cancelled ones kept)."""
    columns = ["region_id", "cluster_type", "capacity", "status"]
    if not len(data.facilities) or not len(data.facility_events):
        return pd.DataFrame(columns=columns)
    seen = view_at(data.facilities, data.facility_events, until, keep_ended=True)
    seen = seen[seen["product"] == seen["cluster_type"].map(COUNTING_PRODUCT)]
    seen = seen[(seen["announced_date"] > as_of) & (seen["announced_date"] <= until)]
    out = seen[["region_id", "cluster_type", "status"]].copy()
    out["capacity"] = seen["capacity_std"].fillna(0.0)
    return out[columns]


def hindcast_scenario(
    scenario: Scenario,
    data: RegionData,
    tech: TechnologyData,
    as_of: date,
    until: date,
    horizon_year: int | None = None,
) -> tuple[Scenario, list[str]]:
    """The scenario re-dated to ``as_of`` with targets = counted + announced (see module rules),
    and the notes that go with it."""
    horizon = horizon_year if horizon_year is not None else until.year
    announced = announced_between(data, as_of, until).groupby("cluster_type")["capacity"].sum()
    existing = data.existing_capacity(as_of, scenario.existing_statuses)
    existing = existing.groupby("cluster_type")["capacity"].sum()
    doc = scenario.to_toml_dict()
    doc["name"] = f"{scenario.name}-hindcast-{as_of.isoformat()}"
    doc["facilities_as_of"] = as_of.isoformat()
    doc["horizon_year"] = horizon
    doc.setdefault("limits", {}).pop("max_clusters", None)
    notes = [
        f"targets = capacity counted on {as_of} + capacity announced after {as_of} up to "
        f"{until}; "
        f"horizon {horizon}; no cluster-count limits; plants later cancelled or paused count "
        "as announced."
    ]
    for k, target in scenario.targets.items():
        doc["targets"][k] = {
            "value": float(existing.get(k, 0.0) + announced.get(k, 0.0)),
            "unit": target.unit,
            "source": f"hindcast: counted on {as_of} plus announced to {until} (facilities.csv)",
        }
    if scenario.apply_45x and not credit_known(as_of):
        doc.setdefault("policy", {})["apply_45x"] = False
        notes.append(f"45X left out: enacted {CREDIT_45X_ENACTED} (P.L. 117-169), after {as_of}.")
    elif scenario.apply_45x:
        try:
            for k in scenario.targets:
                tech.credit_fraction(k, horizon)
            notes.append(
                f"45X applied as in the scenario although enacted after {as_of}; it is the same "
                "per unit in every state, so it moves costs, not places."
            )
        except KeyError:
            doc.setdefault("policy", {})["apply_45x"] = False
            notes.append(f"45X left out: the credit schedule does not cover {horizon}.")
    return Scenario.from_dict(doc, label=f"<{scenario.name} hindcast>"), notes


def vintage_notes(data: RegionData, as_of: date) -> list[str]:
    """One note listing the inputs whose only vintage starts after ``as_of``."""
    later = []
    rows = data.sources[data.sources["region_id"] == ""].drop_duplicates(["table", "column"])
    for row in rows.itertuples():
        year = _first_year(row.vintage)
        if year is not None and year > as_of.year and row.table != "facilities.csv":
            later.append(f"{row.table} {row.column} ({row.vintage})")
    for mineral, vintage in data.mineral_prices.get("vintage", pd.Series(dtype=str)).items():
        year = _first_year(vintage)
        if year is not None and year > as_of.year:
            later.append(f"mineral_prices.csv {mineral} ({vintage})")
    if not later:
        return []
    return [
        f"no vintage on or before {as_of} in the data for: {', '.join(later)}; "
        "these figures are used as they are."
    ]


def _first_year(vintage: object) -> int | None:
    found = re.search(r"\b(19|20)\d\d\b", str(vintage))
    return int(found.group(0)) if found else None


def hindcast(
    scenario: str | Path | Scenario = "baseline",
    as_of: date = date(2020, 12, 31),
    until: date = date(2024, 12, 31),
    data: RegionData | None = None,
    tech: TechnologyData | None = None,
    *,
    horizon_year: int | None = None,
    only_known: bool = True,
    on_step: Callable[[str, str], None] | None = None,
    resolution: str | None = None,
) -> HindcastResult:
    """Solve ``scenario`` as of ``as_of`` and compare its new capacity with announcements.

    Args:
        scenario: built-in name, TOML path or Scenario (its cost view, zones and levers stay).
        as_of, until: the window; announcements in (as_of, until] are the reality.
        data, tech: region and technology data (default: embedded).
        horizon_year: model horizon (default ``until.year``).
        only_known: use the inputs as known on ``as_of`` (default); False solves with today's
            data as it is (the older behaviour, kept to measure what the leaks did).
        on_step: called with (step, status) after the hindcast solve and after costing the
            announced plan (by county: after measuring the distances), for a caller's progress
            display.
        resolution: 'state' or 'county' (default: the scenario's). By county the past scenario
            is solved through ``optimizer.api.solve_county`` (customer points as of ``as_of``),
            the model's county sites are summed by state for the scores, and the distances of
            ``hindcast_county`` are added; the announced plan is not costed (``reality`` None).

    >>> h = hindcast("baseline")                          # doctest: +SKIP
    >>> print(h.summary())                                # doctest: +SKIP
    """
    if until <= as_of:
        raise ValueError(f"until ({until}) must be after as_of ({as_of})")
    scenario = load_scenario(scenario)
    data = data if data is not None else _default_data(None)
    tech = tech if tech is not None else _default_tech(None)
    if only_known:
        view = known_at(data, as_of)
        model_data, withheld = view.data, view.withheld
        leaks = pd.concat([view.leaks, technology_leaks(tech, as_of)], ignore_index=True)
    else:
        model_data, withheld = data, pd.DataFrame(columns=WITHHELD_COLUMNS)
        leaks = pd.DataFrame(columns=LEAK_COLUMNS)
    past, notes = hindcast_scenario(scenario, model_data, tech, as_of, until, horizon_year)
    step = on_step or (lambda name, status: None)
    resolution = resolution or scenario.resolution
    if resolution not in ("state", "county"):
        raise ValueError(f"resolution {resolution!r} is not 'state' or 'county'")
    if resolution == "state" and past.resolution != "state":
        past = with_resolution(past, "state")
    if resolution == "county":
        past, county_notes = county_scenario(past, as_of)
        notes += county_notes
        if only_known:
            leaks = pd.concat([leaks, county_leaks(data, county_customers(past), as_of)])
            leaks = leaks.reset_index(drop=True)
    if only_known:
        notes.append(known_note(withheld, as_of))
        notes += leak_summary(leaks)
    else:
        notes += vintage_notes(data, as_of)
    if resolution == "county":
        return county_hindcast(past, data, model_data, tech, (as_of, until), notes, leaks,
                               withheld, step)  # fmt: skip
    result = solve(past, model_data, tech, with_duals=False)
    step(f"solved as of {as_of}", result.report.status.value)
    if not result.ok:
        raise RuntimeError(f"hindcast solve found no solution: {result.report.status.value}")
    by_state = compare_by_state(result, data, as_of, until)
    scores = score(by_state, result)
    missed, invented = explain(by_state, result)
    reality = reality_gap(past, model_data, tech, announced_between(data, as_of, until), result)
    step(f"announced to {until} costed", "done")
    return HindcastResult(
        as_of, until, by_state, scores, missed, invented, result, notes, reality, leaks, withheld
    )


def county_hindcast(
    past: Scenario,
    data: RegionData,
    model_data: RegionData,
    tech: TechnologyData,
    window: tuple[date, date],
    notes: list[str],
    leaks: pd.DataFrame,
    withheld: pd.DataFrame,
    step: Callable[[str, str], None],
) -> HindcastResult:
    """:func:`hindcast` by county: solve ``past`` through ``solve_county``, score its sites
    summed by state, and measure the distances of ``hindcast_county`` [km]."""
    as_of, until = window
    result, county_data = solve_county(past, model_data, tech, with_duals=False)
    step(f"solved by county as of {as_of}", result.report.status.value)
    if not result.ok:
        raise RuntimeError(f"hindcast solve found no solution: {result.report.status.value}")
    state_of = county_data.regions["state"]
    by_state = compare_by_state(
        dataclasses.replace(result, sites=result.sites.assign(
            region_id=result.sites["region_id"].map(state_of))),
        data, as_of, until,
    )  # fmt: skip
    sites = model_sites(result.sites, county_data.regions)
    distances = nearest_sites(announced_plants(data, as_of, until), sites)
    types = list(result.scenario.targets)
    scores = score(by_state, result).join(distance_scores(distances, sites, types))
    missed, invented = county_explain(by_state, distances, sites)
    step(f"distances to {until} measured", "done")
    notes = [
        *notes,
        "by county: the model's county sites are summed by state for the scores; the announced "
        "plan is not costed against the optimum at county resolution (yet).",
    ]
    return HindcastResult(
        as_of, until, by_state, scores, missed, invented, result, notes, None, leaks, withheld,
        resolution="county", distances=distances, county_data=county_data,
    )  # fmt: skip


def known_note(withheld: pd.DataFrame, as_of: date) -> str:
    """One sentence: what the as-of view left out because it was published later."""
    if not len(withheld):
        return f"inputs as known on {as_of}: nothing published later had to be left out."
    parts = [f"{len(group)} from {name}" for name, group in withheld.groupby("input", sort=True)]
    return (
        f"inputs as known on {as_of}: left out as published later: {'; '.join(parts)} "
        "(the withheld table lists them; demand counts releases, not rows)."
    )


def compare_by_state(result: Result, data: RegionData, as_of: date, until: date) -> pd.DataFrame:
    """Model new capacity beside announced capacity for every (region, type) of the scenario."""
    types = list(result.scenario.targets)
    index = pd.MultiIndex.from_product(
        [list(data.regions.index), types], names=["region_id", "cluster_type"]
    )
    sites = result.sites.groupby(["region_id", "cluster_type"])
    real = announced_between(data, as_of, until)
    keys = ["region_id", "cluster_type"]
    ended = real[real["status"].isin(ENDED_BY_UNTIL)]
    existing = data.existing_capacity(as_of, result.scenario.existing_statuses)
    table = pd.DataFrame(
        {
            "model_new_capacity": sites["new_capacity"].sum(),
            "announced_capacity": real.groupby(keys)["capacity"].sum(),
            "announced_plants": real.groupby(keys).size(),
            "ended_capacity": ended.groupby(keys)["capacity"].sum(),
            "existing_capacity": existing.set_index(keys)["capacity"],
        }
    )
    table = table.reindex(index).fillna(0.0)
    table["announced_plants"] = table["announced_plants"].astype(int)
    table[table.select_dtypes(float).columns] = table.select_dtypes(float).clip(lower=0.0)
    for side in ("model_new_capacity", "announced_capacity"):
        rank = rounded(table[side]).groupby(level="cluster_type").rank(method="average")
        table[side.split("_")[0] + "_rank"] = rank
    return table


def score(by_state: pd.DataFrame, result: Result) -> pd.DataFrame:
    """Scores per type and pooled (``all``); see the module docstring."""
    rows = {}
    shares = []
    pooled = []
    for k, group in by_state.groupby(level="cluster_type", sort=False):
        model = group["model_new_capacity"].droplevel("cluster_type")
        real = group["announced_capacity"].droplevel("cluster_type")
        placed = float(model.sum())
        in_real = float(model[real > EPS].sum())
        share = in_real / placed if placed > EPS else float("nan")
        if placed > EPS:
            shares.append(share)
        rows[k] = {
            "spearman": spearman(model, real),
            "share_in_real_states": share,
            "model_new_capacity": placed,
            "announced_capacity": float(real.sum()),
            "unit": CAPACITY_UNITS.get(k, ""),
            "n_real_states": int((real > EPS).sum()),
            "n_model_states": int((model > EPS).sum()),
            "n_both": int(((real > EPS) & (model > EPS)).sum()),
            "n_missed": int(((real > EPS) & (model <= EPS)).sum()),
            "n_invented": int(((real <= EPS) & (model > EPS)).sum()),
            "shortfall": float(result.kpi("shortfall", k)) if len(result.kpis) else 0.0,
        }
        normal = lambda s: s / s.sum() if s.sum() > EPS else s  # noqa: E731
        pooled.append(pd.DataFrame({"model": normal(model), "real": normal(real)}))
    table = pd.DataFrame.from_dict(rows, orient="index")
    if rows:
        both = pd.concat(pooled, ignore_index=True)
        total = table[["n_real_states", "n_model_states", "n_both", "n_missed", "n_invented"]]
        table.loc["all"] = {
            "spearman": spearman(both["model"], both["real"]),
            "share_in_real_states": float(np.mean(shares)) if shares else float("nan"),
            "model_new_capacity": float("nan"),
            "announced_capacity": float("nan"),
            "unit": "share of type",
            **total.sum().astype(int).to_dict(),
            "shortfall": float("nan"),
        }
    table.index.name = "cluster_type"
    return table


def explain(by_state: pd.DataFrame, result: Result) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Missed and invented states, each with its option, per-unit cost and the terms that drove it.

    Missed states are set against the model's sites of the type (weighted by placed capacity);
    invented states against the states that really received plants (weighted by announced).
    """
    missed_rows, invented_rows = [], []
    for k, group in by_state.groupby(level="cluster_type", sort=False):
        group = group.droplevel("cluster_type")
        terms = unit_terms(result.inputs, k)
        unit = CAPACITY_UNITS.get(k, "unit/yr")
        model_ref = reference(terms, group["model_new_capacity"])
        real_ref = reference(terms, group["announced_capacity"])
        missed = group[(group["announced_capacity"] > EPS) & (group["model_new_capacity"] <= EPS)]
        for region_id, row in missed.iterrows():
            gaps = term_gaps(terms, region_id, model_ref)
            if terms.at[region_id, "option"] == "none":
                why = f"excluded: {terms.at[region_id, 'reason']}"
            else:
                why = describe_gaps(gaps, +1, unit, "the model's sites") or (
                    "per-unit cost no higher than the model's sites; left out by fixed cost, "
                    "scale or limits"
                )
            missed_rows.append(
                _row(k, region_id, terms, gaps, why, announced_capacity=row["announced_capacity"])
            )
        invented = group[(group["announced_capacity"] <= EPS) & (group["model_new_capacity"] > EPS)]
        for region_id, row in invented.iterrows():
            gaps = term_gaps(terms, region_id, real_ref)
            why = describe_gaps(gaps, -1, unit, "the states that received plants") or (
                "no cheaper per unit than the states that received plants; chosen for scale, "
                "fixed cost or limits"
            )
            invented_rows.append(
                _row(k, region_id, terms, gaps, why, model_new_capacity=row["model_new_capacity"])
            )
    return _frame(missed_rows, "announced_capacity"), _frame(invented_rows, "model_new_capacity")


def _row(k: str, region_id: str, terms: pd.DataFrame, gaps: pd.Series, why: str, **amount) -> dict:
    record = {
        "region_id": region_id,
        "cluster_type": k,
        **amount,
        "option": terms.at[region_id, "option"],
        "unit_cost_usd_per_unit": float(terms.at[region_id, "unit_cost"]),
        "gap_usd_per_unit": float(gaps.get("unit_cost", np.nan)),
        "why": why,
    }
    for term, value in gaps.drop("unit_cost", errors="ignore").items():
        record[f"d_{term}_usd_per_unit"] = float(value)
    return record


def _frame(rows: list[dict], amount: str) -> pd.DataFrame:
    base = ["region_id", "cluster_type", amount, "option", "unit_cost_usd_per_unit"]
    base += ["gap_usd_per_unit", "why"]
    table = pd.DataFrame(rows)
    if table.empty:
        return pd.DataFrame(columns=base)
    return table.sort_values(["cluster_type", amount], ascending=[True, False], ignore_index=True)
