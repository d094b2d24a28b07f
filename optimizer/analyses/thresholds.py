"""Exact break-evens of "why this state": the lever value at which the runner-up takes capacity.

The why table (``optimizer.model.why``) compares each opened site s = (r, k) with its runner-up
q and gives first-order estimates: the cut of one of q's cost terms, or the per-unit incentive,
that would close the gap with every other site keeping its plan. Re-solved, the answer can be
several times smaller or larger. Here both are found by re-solving the whole model:

- **the lever** the first-order sentence names (else q's largest movable term): q's power price
  (``multipliers.power_price_by_region``: every type there pays it), q's wages
  (``wage_by_region``), q's permitting months (a factor on ``permitting_months``), or the
  capital cost or fixed site cost of the site (q, k) (a site change, ``optimizer.runs.specs``);
  searched as a cut v ∈ (0, 60 %] of today's value;
- **a state incentive** at (q, k): a credit v [USD/yr per unit/yr] on its capacity, searched in
  (0, 60 % of q's cost per unit]; a transfer, so it is searched only when the scenario minimises
  investor cost (in the system view it cannot move the plan).

The predicate is P(v) = "q takes capacity of type k from s": q gets new capacity of type k and
s has less than in the plan (each by more than 1e-6 unit/yr), so a runner-up that first takes
capacity from a third site does not count yet. The search brackets
the smallest v with P(v): first P at the upper end (false: "no cut below 60 % does it") and at
the first-order estimate, then bisection until the bracket [lo, hi] is at most ``tolerance``
wide (0.5 percentage point of the lever; for the incentive 0.5 % of q's cost per unit). P(lo) is
false and P(hi) true, each proven by a solve; the sentence states the bracket and what q takes
at hi, all or part of the capacity. Each round solves the open searches' next points together
(parallel over sites; sites with the same runner-up and lever share their points), on one
compiled HiGHS model per worker with its costs patched, at a relative gap of 1e-9
(:data:`THRESHOLD_MIP_GAP`, so that the solver's gap cannot pick the plan near a break-even).
Types whose variables share no row with type k (independent parts of the model,
``optimizer.model.components``) cannot change k's plan, so each type is searched on the
scenario without their targets: exact, and a smaller model. Bisection assumes P is monotone in v
(a cheaper runner-up does not take less); the tests re-solve every stated bracket on both sides
from a fresh model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from regions import RegionData

from ..model.components import independent_parts
from ..model.milp import build_model
from ..model.result import Result
from ..model.scenario import Scenario
from ..model.technology import CAPACITY_UNITS, CLUSTER_TYPES, TechnologyData
from ..runs.checkpoint import Checkpoint
from ..runs.parallel import Context, Executor, run_all

THRESHOLD_MIP_GAP = 1e-9
"""Relative MIP gap of the break-even re-solves. Near a break-even the two plans differ by
slope × (v − v*); at the analyses' 1e-6 (about 33,000 USD/yr on baseline) the solver may return
either plan over a band of the lever as wide as 1e-6·|objective| / slope — more than a
percentage point for a lever worth 30,000 USD/yr per point (a magnet plant's permitting
months). At 1e-9 the band is a thousandth of that."""
MAX_CUT = 0.6
"""Largest lever cut searched [fraction of today's value]: beyond it the lever is not a lever."""
TOLERANCE_PP = 0.5
"""Width of a lever bracket at most [percentage points]."""
INCENTIVE_TOLERANCE = 0.005
"""Width of an incentive bracket at most [fraction of the runner-up's cost per unit]: the same
0.5 percentage point as a lever's, of the runner-up's whole cost per unit."""
TAKES_TOLERANCE = 1e-6
"""New capacity [type unit/yr] above which the runner-up counts as taking capacity."""
LEVER_OF_TERM = {
    "energy": "power price",
    "labor": "wages",
    "permitting_delay": "permitting time",
    "capex": "capital cost",
    "fixed": "fixed site cost",
}
"""Cost terms with a re-solvable lever, and the lever's name."""
FAILURE_COLUMNS = ["region_id", "cluster_type", "lever", "parameters", "error"]
"""Columns of :attr:`Thresholds.failures`: the searches a failed solve stopped."""
THRESHOLD_COLUMNS = [
    "region_id",
    "cluster_type",
    "runner_up",
    "lever",
    "first_order_cut_pct",
    "cut_low_pct",
    "cut_high_pct",
    "lever_status",
    "runner_up_takes",
    "site_keeps",
    "first_order_incentive",
    "incentive_low",
    "incentive_high",
    "incentive_status",
    "incentive_runner_up_takes",
    "sentence",
]
"""Columns of :attr:`Thresholds.table`: cuts in %, incentives in USD/yr per (type unit/yr),
capacities in type unit/yr. ``*_status``: 'flips', 'no flip' (not within the searched range),
'no lever' or 'not a cost' (incentive in the system view)."""


@dataclass
class _Search:
    """One bisection: the lever (or incentive) of one site, bracket [lo, hi] in lever units."""

    site: tuple[str, str]
    runner_up: str
    kind: str
    lo: float
    hi: float
    tolerance: float
    first_order: float
    capacity: float
    takes_hi: float = math.nan
    keeps_hi: float = math.nan
    status: str = "open"
    error: str = ""
    pending: list[float] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return self.status != "open"


@dataclass(frozen=True)
class Thresholds:
    """Exact break-evens of one solved scenario.

    Attributes:
        table: one row per opened site with a runner-up (:data:`THRESHOLD_COLUMNS`).
        why: the first-order why table they refine.
        runs: solves spent.
    """

    table: pd.DataFrame
    why: pd.DataFrame
    runs: int
    failures: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(
            columns=["region_id", "cluster_type", "lever", "error"]
        )
    )

    def sentences(self) -> list[str]:
        """One sentence per site."""
        return [f"{r.cluster_type} in {r.region_id}: {r.sentence}" for r in self.table.itertuples()]


def lever_spec(scenario: Scenario, kind: str, region_id: str, cluster_type: str, v: float) -> dict:
    """The run spec moving ``kind`` at ``region_id`` by ``v`` (a cut, or USD/yr per unit).

    >>> from optimizer import load_scenario
    >>> s = load_scenario("baseline")
    >>> lever_spec(s, "power price", "AZ", "solar", 0.25)
    {'scenario': {'multipliers': {'power_price_by_region': {'AZ': 0.75}}}}
    >>> lever_spec(s, "incentive", "AZ", "solar", 1000.0)
    {'sites': [['AZ', 'solar', 'incentive', 1000.0]]}
    """
    if kind == "power price":
        now = scenario.power_price_by_region.get(region_id, 1.0)
        return {"scenario": {"multipliers": {"power_price_by_region": {region_id: now * (1 - v)}}}}
    if kind == "wages":
        now = scenario.wage_by_region.get(region_id, 1.0)
        return {"scenario": {"multipliers": {"wage_by_region": {region_id: now * (1 - v)}}}}
    if kind == "permitting time":
        return {"regions": [["permitting_months", [region_id], 1 - v]]}
    if kind == "capital cost":
        return {"sites": [[region_id, cluster_type, "capex", 1 - v]]}
    if kind == "fixed site cost":
        return {"sites": [[region_id, cluster_type, "fixed", 1 - v]]}
    if kind == "incentive":
        return {"sites": [[region_id, cluster_type, "incentive", float(v)]]}
    raise ValueError(f"unknown lever {kind!r}")


def choose_lever(row: pd.Series) -> str:
    """The lever of a why row: the first-order closing term if it has a re-solvable lever, else
    q's movable term with the largest positive difference; '' when none."""
    term = str(row.get("lever") or "")
    if term in LEVER_OF_TERM:
        return LEVER_OF_TERM[term]
    diffs = {t: float(row.get(f"d_{t}_usd_per_unit", math.nan)) for t in LEVER_OF_TERM}
    diffs = {t: d for t, d in diffs.items() if d > 0}
    return LEVER_OF_TERM[max(diffs, key=diffs.get)] if diffs else ""


def exact_thresholds(
    scenario: str | Path | Scenario,
    data: RegionData | None = None,
    tech: TechnologyData | None = None,
    *,
    result: Result | None = None,
    executor: Executor | None = None,
    checkpoint: str | Path | Checkpoint | None = None,
    progress: bool | None = None,
    mip_gap: float | None = None,
    max_cut: float = MAX_CUT,
    tolerance_pp: float = TOLERANCE_PP,
) -> Thresholds:
    """Re-solve the break-even of every opened site against its runner-up (module docstring).

    Args:
        scenario: built-in name, TOML path or Scenario. data, tech: default embedded.
        result: the scenario's solved Result (solved here when None); its why table is refined.
        executor, checkpoint, progress: as in ``optimizer.analyses.regret.regret``.
        mip_gap: relative MIP gap of the re-solves (default :data:`THRESHOLD_MIP_GAP`).
        max_cut: largest lever cut searched [fraction]. tolerance_pp: bracket width [pp].
    """
    context = Context.create(
        scenario, data, tech, THRESHOLD_MIP_GAP if mip_gap is None else mip_gap
    )
    scenario = context.scenario
    if result is None:
        from ..api import solve

        result = solve(scenario, context.data, context.tech)
    why = result.why
    searches = _searches(why, scenario, max_cut, tolerance_pp)
    runs = 0
    for types in type_groups(scenario, context.data, context.tech):
        mine = [x for x in searches if x.site[1] in types]
        if not mine:
            continue
        part = Context.create(
            restricted(scenario, types), context.data, context.tech, context.mip_gap
        )
        runs += _bisect(part, mine, executor, checkpoint, progress)
    failures = pd.DataFrame(
        [
            [
                *x.site,
                x.kind,
                f"{x.kind} of {x.runner_up} against {x.site[1]} in {x.site[0]}",
                x.error,
            ]
            for x in searches
            if x.status == "error"
        ],
        columns=FAILURE_COLUMNS,
    )
    return Thresholds(_table(why, searches, max_cut), why, runs, failures)


def _searches(
    why: pd.DataFrame, scenario: Scenario, max_cut: float, tolerance_pp: float
) -> list[_Search]:
    """The lever and incentive searches of every why row with a runner-up."""
    searches: list[_Search] = []
    for row in why.itertuples(index=False):
        if not row.runner_up:
            continue
        site, q = (str(row.region_id), str(row.cluster_type)), str(row.runner_up)
        capacity = float(row.new_capacity)
        lever = choose_lever(pd.Series(row._asdict()))
        if lever:
            first = float(row.lever_cut_pct) / 100 if row.lever == _term(lever) else math.nan
            searches.append(
                _Search(site, q, lever, 0.0, max_cut, tolerance_pp / 100, first, capacity)
            )
        if scenario.objective == "investor":
            cost = float(row.runner_up_cost_usd_per_unit)
            gap = max(float(row.gap_usd_per_unit), 0.0)
            searches.append(
                _Search(
                    site, q, "incentive", 0.0, max_cut * cost, INCENTIVE_TOLERANCE * cost, gap,
                    capacity,
                )
            )  # fmt: skip
    return searches


def _bisect(
    context: Context,
    searches: list[_Search],
    executor: Executor | None,
    checkpoint: str | Path | Checkpoint | None,
    progress: bool | None,
) -> int:
    """Run the searches of one type group to the end; return the solves spent.

    Searches of the same lever at the same runner-up (several sites with one runner-up) share
    their solves: a point tells every such site whether the runner-up takes from it, so each
    round solves, per lever, the midpoint of the widest bracket still open and updates them all.
    """
    scenario = context.scenario
    groups: dict[tuple[str, str, str], list[_Search]] = {}
    for search in searches:
        groups.setdefault((search.runner_up, search.kind, search.site[1]), []).append(search)
        # first round: the upper end and the first-order estimate
        search.pending = [search.hi]
        if 0 < search.first_order < search.hi:
            search.pending.append(search.first_order)
    runs = rounds = 0
    while True:
        batch = []
        for (q, kind, k), members in groups.items():
            points: list[float] = []
            for search in members:
                if search.done:
                    continue
                if not search.pending:
                    if math.isnan(search.takes_hi):
                        search.status = "no flip"  # the upper end did not flip
                        continue
                    if search.hi - search.lo <= search.tolerance:
                        search.status = "flips"
                        continue
                points += search.pending
            open_ = [x for x in members if not x.done]
            if not points and open_:
                widest = max(open_, key=lambda x: x.hi - x.lo)
                points = [(widest.lo + widest.hi) / 2]
            for v in sorted(set(points)):
                spec = lever_spec(scenario, kind, q, k, v)
                batch.append((members, v, context.run(spec, {"why": [q, kind, k], "v": v})))
        if not batch:
            return runs
        rounds += 1
        outcomes = run_all(
            context,
            [run for _m, _v, run in batch],
            executor=executor,
            checkpoint=checkpoint,
            progress=progress,
            label=f"why: round {rounds}",
        )
        runs += len({run.key for _m, _v, run in batch})
        for members, _v, _run in batch:
            for search in members:
                search.pending = []
        for members, v, run in batch:
            outcome = outcomes[run.key]
            for search in members:
                if search.done:
                    continue
                _update(search, v, outcome)


def _update(search: _Search, v: float, outcome) -> None:
    """Narrow one search's bracket with the run at lever value ``v``."""
    if outcome.error:
        search.status, search.error = "error", outcome.error
        return
    payload = outcome.payload
    takes = _new(payload, search.runner_up, search.site[1])
    keeps = _new(payload, *search.site)
    if math.isnan(takes):
        search.status, search.error = "error", f"no solution: {payload.get('status')}"
    elif takes > TAKES_TOLERANCE and keeps < search.capacity - TAKES_TOLERANCE:
        if v <= search.hi:
            search.hi, search.takes_hi, search.keeps_hi = v, takes, keeps
    elif v > search.lo:
        search.lo = v


def type_groups(
    scenario: Scenario, data: RegionData, tech: TechnologyData
) -> list[tuple[str, ...]]:
    """Cluster types whose variables share a row (independent parts of the built model).

    >>> import optimizer
    >>> type_groups(optimizer.load_scenario("baseline"), *_embedded())  # one labor pool per state
    [('battery', 'magnet', 'solar')]
    """
    model = build_model(data, scenario, tech)
    groups = []
    for variables, _rows in independent_parts(model.problem):
        names = {v.name for v in variables}
        types = tuple(
            k
            for k in CLUSTER_TYPES
            if any(var.name in names for (_r, kk), var in model.open.items() if kk == k)
        )
        if types:
            groups.append(types)
    return sorted(groups, key=lambda g: CLUSTER_TYPES.index(g[0]))


def restricted(scenario: Scenario, types: tuple[str, ...]) -> Scenario:
    """The scenario with targets for ``types`` only (the other types' sites disappear)."""
    doc = scenario.to_toml_dict()
    doc["targets"] = {k: v for k, v in doc["targets"].items() if k in types}
    doc.pop("extends", None)
    return Scenario.from_dict(doc, label=f"<{scenario.name} {'+'.join(types)}>")


def _embedded() -> tuple[RegionData, TechnologyData]:
    import regions

    from ..model.technology import load_technology

    return regions.load(), load_technology()


def _new(payload: dict | None, region_id: str, cluster_type: str) -> float:
    """New capacity of (region, type) in a run's payload [type unit/yr]; NaN without a solution."""
    if payload is None or payload.get("objective") is None:
        return math.nan
    return sum(c for r, k, c in payload["capacity"] if r == region_id and k == cluster_type)


def _term(lever: str) -> str:
    return {name: term for term, name in LEVER_OF_TERM.items()}.get(lever, "")


def _table(why: pd.DataFrame, searches: list[_Search], max_cut: float) -> pd.DataFrame:
    by_site: dict[tuple[str, str], dict[str, _Search]] = {}
    for search in searches:
        by_site.setdefault(search.site, {})[
            "incentive" if search.kind == "incentive" else "lever"
        ] = search
    rows = []
    for row in why.itertuples(index=False):
        if not row.runner_up:
            continue
        site = (str(row.region_id), str(row.cluster_type))
        found = by_site.get(site, {})
        lever, incentive = found.get("lever"), found.get("incentive")
        record = {
            "region_id": site[0],
            "cluster_type": site[1],
            "runner_up": str(row.runner_up),
            "lever": lever.kind if lever else "",
            "first_order_cut_pct": float(row.lever_cut_pct),
            "cut_low_pct": 100 * lever.lo if lever and lever.status == "flips" else math.nan,
            "cut_high_pct": 100 * lever.hi if lever and lever.status == "flips" else math.nan,
            "lever_status": lever.status if lever else "no lever",
            "runner_up_takes": lever.takes_hi if lever else math.nan,
            "site_keeps": lever.keeps_hi if lever else math.nan,
            "first_order_incentive": max(float(row.gap_usd_per_unit), 0.0),
            "incentive_low": incentive.lo
            if incentive and incentive.status == "flips"
            else math.nan,
            "incentive_high": incentive.hi
            if incentive and incentive.status == "flips"
            else math.nan,
            "incentive_status": incentive.status if incentive else "not a cost",
            "incentive_runner_up_takes": incentive.takes_hi if incentive else math.nan,
        }
        record["sentence"] = threshold_sentence(record, float(row.new_capacity), max_cut)
        rows.append(record)
    return pd.DataFrame(rows, columns=THRESHOLD_COLUMNS)


def _span(low: float, high: float, unit: str, digits: int) -> str:
    """'7.5-8.0 %', or 'at most 0.5 %' when the bracket starts at 0."""
    if low <= 0:
        return f"at most {high:,.{digits}f}{unit}"
    return f"{low:,.{digits}f}-{high:,.{digits}f}{unit}"


def _moved(q: str, r: str, k: str, unit: str, capacity: float, record: dict) -> str:
    """What moves at the flip: the runner-up takes this site's capacity, or it gains capacity
    mostly from other sites while this one gives up less than half of what the runner-up gains.

    >>> _moved("MS", "AL", "battery", "GWh/yr", 135.0,
    ...        {"runner_up_takes": 105.4, "site_keeps": 134.7})
    'MS gains 105 GWh/yr of battery capacity, AL giving up only 0.3 of its 135 (the rest comes from other sites)'
    >>> _moved("KS", "TX", "battery", "GWh/yr", 5.0, {"runner_up_takes": 106.0, "site_keeps": 0.0})
    'KS gains 106 GWh/yr of battery capacity, TX giving up all its 5 (the rest comes from other sites)'
    """
    takes, keeps = record["runner_up_takes"], max(record["site_keeps"], 0.0)
    lost = max(capacity - keeps, 0.0)
    if lost >= 0.5 * takes:
        kept = f" ({r} keeps {keeps:,.3g} of {capacity:,.3g})" if keeps > TAKES_TOLERANCE else ""
        return f"{q} takes {takes:,.3g} {unit} of this {k} capacity{kept}"
    given = (
        f"all its {capacity:,.3g}"
        if keeps <= TAKES_TOLERANCE
        else (f"only {lost:,.2g} of its {capacity:,.3g}")
    )
    return (
        f"{q} gains {takes:,.3g} {unit} of {k} capacity, {r} giving up {given} "
        "(the rest comes from other sites)"
    )


def threshold_sentence(record: dict, capacity: float, max_cut: float = MAX_CUT) -> str:
    """What it takes for the runner-up to take capacity, as re-solved, in one sentence.

    >>> rec = {"region_id": "UT", "cluster_type": "solar", "runner_up": "AZ",
    ...        "lever": "power price", "lever_status": "flips", "cut_low_pct": 7.5,
    ...        "cut_high_pct": 8.0, "runner_up_takes": 5.0, "site_keeps": 2.7,
    ...        "incentive_status": "flips", "incentive_low": 12000.0, "incentive_high": 12500.0,
    ...        "incentive_runner_up_takes": 7.7}
    >>> threshold_sentence(rec, 7.7)
    'AZ takes 5 GW/yr of this solar capacity (UT keeps 2.7 of 7.7) once its power price is 7.5-8.0 % lower, or 7.7 GW/yr with a state incentive of 12,000-12,500 USD/yr per GW/yr there (re-solved).'
    """
    q, r, k = record["runner_up"], record["region_id"], record["cluster_type"]
    unit = CAPACITY_UNITS.get(k, "unit/yr")
    parts = []
    if record["lever_status"] == "flips":
        parts.append(
            f"{_moved(q, r, k, unit, capacity, record)} once its {record['lever']} is "
            f"{_span(record['cut_low_pct'], record['cut_high_pct'], ' %', 1)} lower"
        )
    elif record["lever_status"] == "no flip":
        parts.append(
            f"no cut of {q}'s {record['lever']} below {100 * max_cut:.0f} % moves this {k} capacity there"
        )
    elif record["lever_status"] == "no lever":
        parts.append(f"{q} is not dearer in any cost a state can move")
    else:
        parts.append(f"the search for {q}'s {record['lever']} failed")
    if record["incentive_status"] == "flips":
        parts.append(
            f"{record['incentive_runner_up_takes']:,.3g} {unit} with a state incentive of "
            f"{_span(record['incentive_low'], record['incentive_high'], '', 0)} USD/yr per {unit} "
            "there"
        )
    elif record["incentive_status"] == "no flip":
        parts.append(f"no incentive below {100 * max_cut:.0f} % of its cost per unit does it")
    sentence = parts[0][0].upper() + parts[0][1:]
    if len(parts) > 1:
        sentence += ", or " + parts[1]
    return sentence + " (re-solved)."


__all__ = [
    "THRESHOLD_COLUMNS",
    "Thresholds",
    "exact_thresholds",
    "lever_spec",
    "threshold_sentence",
]
