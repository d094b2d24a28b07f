"""The phased MILP: where and *when* to build, per group of cluster types that share a row.

Periods t (years y_t, factor f_t = weight × discount factor). For each eligible site s = (r,k),
decision periods d ∈ D_s are those whose capacity produces by the last period.

Decisions (cumulative, which makes the relaxation tight): ``open[s,d]`` ∈ {0,1} "site opened in
period d or before", ``capacity[s,d]`` ≥ 0 "greenfield capacity decided by period d"; likewise
``expand_open[s,d]`` and ``expansion[s,d]`` at operating clusters. Capacity decided by d
produces in period t when permitting + construction months fit between d's decision date and
the end of y_t; ``od(s,t)`` is the latest such d. Per period: ``import[k,t]`` ≥ 0 (demand met
abroad), ``shortfall[k,t]`` ≥ 0 (goal missed), ``ship[l,t]``, ``unsupplied[r,m,t]``,
``share_gap[m,t]``.

Objective Σ_t f_t · (fixed·open[s,od] + unit_cost_t·capacity[s,od] + the same for expansions +
lane cost·ship + unsupplied cost + landed import price·import + goal penalty·shortfall +
share-gap penalty). Capacity costs nothing before it produces: its annualised capex runs from
its first production year. Mineral costs are written relative to each region's marginal price
(:func:`add_minerals`): the same objective on every feasible point, solved faster. Types that
share no mineral and no region's labor pool share no row, so each group is its own MILP
(:func:`type_groups`); their optimal objectives add up to the joint optimum.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ..model.technology import CLUSTER_TYPES
from .inputs import PhasedInputs
from .lp import LpBuilder

Key = tuple


@dataclass
class PhasedModel:
    """One group's MILP as arrays, with maps from real ids to column and row positions."""

    types: tuple[str, ...]
    inputs: PhasedInputs
    lp: LpBuilder = field(default_factory=LpBuilder)
    open: dict[Key, int] = field(default_factory=dict)
    capacity: dict[Key, int] = field(default_factory=dict)
    expand_open: dict[Key, int] = field(default_factory=dict)
    expansion: dict[Key, int] = field(default_factory=dict)
    online: dict[Key, list[tuple[int, int, float]]] = field(default_factory=dict)
    """(region_id, cluster_type, t) → [(capacity column, open column, weight)]: the site makes
    Σ weight·capacity in period t [type unit/yr] (weight < 1 in the year it comes online)."""
    production: dict[Key, tuple[list[tuple[int, float]], float]] = field(default_factory=dict)
    """(region_id, cluster_type, t) → (terms, existing constant): what the site makes in t
    [type unit/yr of capacity], for rows that follow the product (e.g. markets)."""
    imports: dict[Key, int] = field(default_factory=dict)
    deliver: dict[Key, int] = field(default_factory=dict)
    """(region_id, cluster_type, node_id, t) → delivery column [type unit/yr]."""
    imported: dict[Key, int] = field(default_factory=dict)
    """(node_id, t) → imports into the node [type unit/yr]."""
    shortfall: dict[Key, int] = field(default_factory=dict)
    ship: dict[Key, int] = field(default_factory=dict)
    unsupplied: dict[Key, int] = field(default_factory=dict)
    share_gap: dict[Key, int] = field(default_factory=dict)
    rows: dict[str, dict[Key, int]] = field(default_factory=lambda: defaultdict(dict))


def type_groups(inputs: PhasedInputs) -> list[tuple[str, ...]]:
    """Cluster types joined when they share a row (in CLUSTER_TYPES order): a mineral, or a
    region's labor pool (both types can build in the same region).

    >>> # battery and solar both use copper; magnets join them where they share workers
    """
    need = {
        k: {m for m, t in inputs.base.demand_t_per_unit.get(k, {}).items() if t > 0}
        for k in CLUSTER_TYPES
    }
    sites = inputs.base.sites
    can_build = sites[sites["eligible"] | sites["expansion_eligible"]]
    where = {
        k: set(
            can_build.index[can_build.index.get_level_values("cluster_type") == k].get_level_values(
                0
            )
        )
        for k in CLUSTER_TYPES
    }
    targeted = set(inputs.demand.index)

    def shares(a: str, b: str) -> bool:
        pooled = a in targeted and b in targeted and bool(where[a] & where[b])
        return bool(need[a] & need[b]) or pooled

    groups: list[set[str]] = []
    for k in CLUSTER_TYPES:
        joined = [g for g in groups if any(shares(k, j) for j in g)]
        merged = {k}.union(*joined) if joined else {k}
        groups = [g for g in groups if g not in joined] + [merged]
    return sorted(
        (tuple(k for k in CLUSTER_TYPES if k in g) for g in groups),
        key=lambda g: CLUSTER_TYPES.index(g[0]),
    )


def add_sites(model: PhasedModel) -> None:
    """∀ site s, d ∈ D_s: open[s,d] ≥ open[s,d−1]; capacity[s,d] ≥ capacity[s,d−1];
    min_scale·open[s,d] ≤ capacity[s,d] ≤ max_scale·open[s,d]; likewise expansions with
    expansion[s,d] ≤ expansion_limit·expand_open[s,d]. Costs: f_t·weight[d,t]·(fixed·open[s,d] +
    unit cost_t·capacity[s,d]), weight from :meth:`PhasedInputs.production_weights`: capacity
    costs what it produces, a share of the year it comes online, all of later years."""
    inputs, lp = model.inputs, model.lp
    sites = inputs.base.sites
    targeted = set(inputs.demand.index)
    green_cost, grown_cost = inputs.unit_cost.to_dict(), inputs.expansion_unit_cost.to_dict()
    lags = inputs.lag_months.to_dict()
    columns = [
        "labor_limit_jobs", "jobs_per_unit", "eligible", "expansion_eligible", "min_scale",
        "max_scale", "fixed_cost_usd_per_yr", "expansion_limit", "expansion_fixed_cost_usd_per_yr",
    ]  # fmt: skip
    for (region_id, k), row in sites[columns].to_dict("index").items():
        if k not in model.types or k not in targeted:
            continue
        lag = float(lags[(region_id, k)])
        periods = inputs.decision_periods(lag)
        if not periods:
            continue
        weights = inputs.production_weights(lag)
        # the labor cap bounds a site's capacity too: a tighter big-M (a valid inequality)
        hires = float(row["labor_limit_jobs"]) / max(float(row["jobs_per_unit"]), 1e-12)
        options = []
        if row["eligible"]:
            options.append(
                ("", model.open, model.capacity, row["min_scale"], row["max_scale"],
                 row["fixed_cost_usd_per_yr"], green_cost)
            )  # fmt: skip
        if row["expansion_eligible"]:
            options.append(
                ("exp_", model.expand_open, model.expansion, 0.0, row["expansion_limit"],
                 row["expansion_fixed_cost_usd_per_yr"], grown_cost)
            )  # fmt: skip
        for prefix, opens, caps, low, high, fixed, unit_cost in options:
            high = min(float(high), hires)
            for i, d in enumerate(periods):
                key = (region_id, k, d)
                opens[key] = lp.col((f"{prefix}open",) + key, binary=True)
                caps[key] = lp.col((f"{prefix}capacity",) + key, upper=float(high))
                y, x = opens[key], caps[key]
                lp.row((f"{prefix}max_scale",) + key, [(x, 1.0), (y, -float(high))], upper=0.0)
                if low > 0:
                    lp.row((f"{prefix}min_scale",) + key, [(x, 1.0), (y, -float(low))], lower=0.0)
                if i > 0:
                    before = (region_id, k, periods[i - 1])
                    lp.row((f"{prefix}open_stays",) + key, [(y, 1.0), (opens[before], -1.0)], 0.0)
                    lp.row((f"{prefix}built_stays",) + key, [(x, 1.0), (caps[before], -1.0)], 0.0)
            for t, pairs in enumerate(weights):
                factor = inputs.factors[t]
                for d, weight in pairs:
                    key = (region_id, k, d)
                    lp.add_cost(opens[key], factor * weight * float(fixed))
                    lp.add_cost(caps[key], factor * weight * float(unit_cost[(region_id, k, t)]))
                    model.online.setdefault((region_id, k, t), []).append(
                        (caps[key], opens[key], weight)
                    )


def add_site_limits(model: PhasedModel) -> None:
    """∀ site: capacity[s,last] + expansion[s,last] ≤ room (when both exist); ∀ region r:
    Σ_k jobs_per_unit[k]·(capacity[r,k,last] + expansion[r,k,last]) ≤ labor_pool[r] (one pool
    shared by every type); ∀k with N_k: Σ_r open[r,k,last] ≤ N_k (built capacity stays, so the
    last decision bounds every period)."""
    sites, lp = model.inputs.base.sites, model.lp
    last: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for name, table in (("capacity", model.capacity), ("expansion", model.expansion)):
        for (region_id, k, d), col in table.items():
            seen = last[(region_id, k)].get(name)
            if seen is None or model.lp.col_keys[seen][3] < d:
                last[(region_id, k)][name] = col
    pooled: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for key, cols in last.items():
        terms = list(cols.values())
        if len(terms) == 2:
            lp.row(("room",) + key, [(c, 1.0) for c in terms], upper=float(sites.at[key, "room"]))
        jobs = float(sites.at[key, "jobs_per_unit"])
        pooled[key[0]].extend((c, jobs) for c in terms)
    pools = model.inputs.base.labor_pool_jobs.to_dict()
    for region_id, terms in pooled.items():
        model.rows["labor"][region_id] = lp.row(
            ("labor", region_id), terms, upper=float(pools[region_id])
        )
    for k, limit in model.inputs.max_clusters.items():
        if k not in model.types:
            continue
        latest: dict[str, int] = {}
        for (region_id, kk, d), col in model.open.items():
            if kk == k and (region_id not in latest or lp.col_keys[latest[region_id]][3] < d):
                latest[region_id] = col
        model.rows["max_clusters"][k] = lp.row(
            ("max_clusters", k), [(c, 1.0) for c in latest.values()], upper=float(limit)
        )


def add_production(model: PhasedModel) -> None:
    """production[r,k,t] = Σ_d weight[d,t]·capacity[r,k,d] (likewise expansions) +
    existing_online[r,k,t] [type unit/yr]: an expression, no row."""
    existing = model.inputs.existing_online
    for (region_id, k), row in existing.iterrows():
        if k not in model.types:
            continue
        for t in range(model.inputs.n_periods):
            terms = [(c, w) for c, _o, w in model.online.get((region_id, k, t), [])]
            if terms or row[t] > 0:
                model.production[(region_id, k, t)] = (terms, float(row[t]))


def has_markets(model: PhasedModel, k: str) -> bool:
    """True when type ``k`` is delivered to market nodes (the scenario's markets, nodes of k)."""
    nodes = model.inputs.base.nodes
    return bool(len(nodes)) and bool((nodes["cluster_type"] == k).any())


def add_demand(model: PhasedModel) -> None:
    """∀k,t: import[k,t] ≥ 0 at f_t·landed import price × utilization; without market nodes
    Σ_s production_new[s,t] + import[k,t] ≥ demand[k,t] − existing_online[k,t] (with nodes
    :func:`add_markets` bounds the imports instead); in goal periods also Σ_s production_new +
    shortfall[k,t] ≥ the same, a unit of goal missed costing f_t·(snapshot penalty − import
    price) on top, so one period reproduces the snapshot's shortfall penalty."""
    inputs, lp = model.inputs, model.lp
    online: dict[tuple[str, int], tuple[list, float]] = {}
    for (_r, k, t), (terms, constant) in model.production.items():
        new, existing = online.get((k, t), ([], 0.0))
        online[(k, t)] = (new + terms, existing + constant)
    for k in model.types:
        if k not in inputs.demand.index:
            continue
        nodes = has_markets(model, k)
        for t in range(inputs.n_periods):
            new, existing = online.get((k, t), ([], 0.0))
            need = max(float(inputs.demand.at[k, t]) - existing, 0.0)
            factor = inputs.factors[t]
            imp = lp.col(("import", k, t), factor * float(inputs.import_cost[k]))
            model.imports[(k, t)] = imp
            if not nodes:
                model.rows["demand"][(k, t)] = lp.row(("demand", k, t), [*new, (imp, 1.0)], need)
            if inputs.goal[t]:
                gap = lp.col(("shortfall", k, t), factor * float(inputs.goal_penalty[k]))
                model.shortfall[(k, t)] = gap
                model.rows["goal"][(k, t)] = lp.row(("goal", k, t), [*new, (gap, 1.0)], need)


def add_markets(model: PhasedModel) -> None:
    """Deliver each period's demand to the market nodes, as the snapshot does (types without
    nodes are skipped; :func:`add_demand` then keeps one national row).

    ∀ site (r,k), t where it can produce (new capacity decided by then, or existing plants
    online): Σ_j deliver[r,k,j,t] ≤ production[r,k,t] (output); ∀ node j of k, t:
    Σ_r deliver[r,k,j,t] + imported[j,t] = share_j·demand[k,t] (market); ∀k,t:
    Σ_j imported[j,t] ≤ import[k,t] (the nodes' imports are the national imports, paid at the
    landed price there). Costs f_t·(outbound freight·deliver + gateway freight·imported).
    Delivery columns exist only from sites that can produce in t: the others' output row would
    hold them at 0, so leaving them out changes no feasible plan."""
    inputs, lp = model.inputs, model.lp
    nodes, lanes = inputs.base.nodes, inputs.base.product_lanes
    if not len(nodes):
        return
    by_site: dict[tuple[str, str], list[tuple[str, float]]] = defaultdict(list)
    for (region_id, k, node_id), freight in lanes["freight_usd_per_unit"].items():
        by_site[(region_id, k)].append((node_id, float(freight)))
    of_type = {
        k: list(zip(group.index, group["share"].astype(float), group["import_freight_usd_per_unit"]
                    .astype(float), strict=True))
        for k, group in nodes.groupby("cluster_type", sort=False)
    }  # fmt: skip
    producing: dict[tuple[str, int], list] = defaultdict(list)
    for (region_id, k, t), (terms, constant) in model.production.items():
        if terms or constant > 0:
            producing[(k, t)].append((region_id, terms, constant))
    for k in model.types:
        if k not in inputs.demand.index or k not in of_type:
            continue
        for t in range(inputs.n_periods):
            factor = inputs.factors[t]
            into: dict[str, list[tuple[int, float]]] = defaultdict(list)
            for region_id, terms, constant in producing.get((k, t), []):
                routes = by_site.get((region_id, k), [])
                keys = [(region_id, k, node_id, t) for node_id, _f in routes]
                cols = lp.cols([("deliver", *key) for key in keys],
                               [factor * f for _j, f in routes])  # fmt: skip
                model.deliver.update(zip(keys, cols, strict=True))
                for col, (node_id, _f) in zip(cols, routes, strict=True):
                    into[node_id].append((col, 1.0))
                model.rows["output"][(region_id, k, t)] = lp.row(
                    ("output", region_id, k, t),
                    [*((c, 1.0) for c in cols), *((c, -w) for c, w in terms)],
                    upper=constant,
                )
            demand = float(inputs.demand.at[k, t])
            imported = []
            for node_id, share, freight in of_type[k]:
                col = lp.col(("imported", node_id, t), factor * freight)
                model.imported[(node_id, t)] = col
                imported.append((col, 1.0))
                model.rows["market"][(node_id, t)] = lp.row(
                    ("market", node_id, t), [*into.get(node_id, []), (col, 1.0)],
                    share * demand, share * demand,
                )  # fmt: skip
            model.rows["imports"][(k, t)] = lp.row(
                ("imports", k, t), [*imported, (model.imports[(k, t)], -1.0)], upper=0.0
            )


def add_minerals(model: PhasedModel, at_margin: bool = True) -> None:
    """∀r,m,t with need: Σ_s ship[s,m,r,t] + unsupplied[r,m,t] = Σ_k bom[k,m]·production[r,k,t];
    ∀ capped source: Σ_r ship[s,m,r,t] ≤ capacity[s,m] (only sources producing by y_t);
    ∀m with share σ_m: Σ_dom ship + share_gap ≥ σ_m·(Σ ship + Σ unsupplied) per period.

    ``at_margin``: write the objective less p·(each balance row), p = the region's marginal
    price of the mineral (the cheapest uncapped option: import lane or unsupplied) [USD/t]:
    production then carries bom·p, a lane costs (lane cost − p) and the existing plants' share
    goes to the objective offset. The rows hold with equality, so every feasible point keeps
    its objective value; HiGHS proves these optima about a third faster (Monte Carlo samples).
    """
    inputs, lp = model.inputs, model.lp
    base = inputs.base
    bom = base.demand_t_per_unit
    need: dict[tuple[str, str, int], tuple[list, float]] = {}
    for (region_id, k, t), (terms, constant) in model.production.items():
        for mineral, tonnes in bom[k].items():
            if tonnes <= 0:
                continue
            cur_terms, cur_const = need.get((region_id, mineral, t), ([], 0.0))
            need[(region_id, mineral, t)] = (
                cur_terms + [(c, -tonnes * v) for c, v in terms],
                cur_const + tonnes * constant,
            )
    lanes = base.lanes
    by_group: dict[tuple[str, str], list] = defaultdict(list)
    for (source_id, mineral, region_id), lane in zip(
        lanes.index,
        lanes[["cost_usd_per_t", "foreign", "domestic_feed"]].itertuples(index=False),
        strict=True,
    ):
        by_group[(region_id, mineral)].append(
            (source_id, float(lane[0]), bool(lane[1]), bool(lane[2]))
        )
    available = dict(
        zip(
            inputs.source_available.index,
            inputs.source_available.to_numpy(bool).tolist(),
            strict=True,
        )
    )
    unsupplied_cost = base.unsupplied_cost_usd_per_t.astype(float).to_dict()
    outflow: dict[tuple[str, str, int], list[int]] = defaultdict(list)
    share_terms: dict[tuple[str, int], list[tuple[int, float]]] = defaultdict(list)
    shares = inputs.min_domestic_share
    for (region_id, mineral, t), (terms, constant) in sorted(need.items()):
        factor = inputs.factors[t]
        inflow = []
        sigma = shares.get(mineral)
        lanes_in = [
            lane
            for lane in by_group.get((region_id, mineral), [])
            if available[(lane[0], mineral)][t]
        ]
        margin = 0.0
        if at_margin:
            margin = min(
                [cost for _s, cost, foreign, _h in lanes_in if foreign] + [unsupplied_cost[mineral]]
            )
            for col, value in terms:  # value = −bom·(capacity online): production costs bom·p
                lp.add_cost(col, -value * factor * margin)
            lp.offset += factor * margin * constant
        keys = [(source_id, mineral, region_id, t) for source_id, _c, _f, _h in lanes_in]
        cols = lp.cols(
            [("ship", *key) for key in keys],
            [factor * (cost - margin) for _s, cost, _f, _h in lanes_in],
        )
        model.ship.update(zip(keys, cols, strict=True))
        for col, (source_id, _cost, _foreign, home) in zip(cols, lanes_in, strict=True):
            inflow.append((col, 1.0))
            outflow[(source_id, mineral, t)].append(col)
            if sigma is not None:
                # only feed mined or recycled at home counts (a refinery of imported ore: no)
                share_terms[(mineral, t)].append((col, (1.0 if home else 0.0) - sigma))
        slack = lp.col(
            ("unsupplied", mineral, region_id, t), factor * (unsupplied_cost[mineral] - margin)
        )
        model.unsupplied[(region_id, mineral, t)] = slack
        if sigma is not None:
            share_terms[(mineral, t)].append((slack, -sigma))
        model.rows["mineral_balance"][(region_id, mineral, t)] = lp.row(
            ("balance", mineral, region_id, t),
            [*inflow, *terms, (slack, 1.0)],
            constant,
            constant,
        )
    limits = base.supply["capacity_t_per_yr"].dropna().astype(float).to_dict()
    for (source_id, mineral, t), cols in outflow.items():
        if (source_id, mineral) in limits:
            model.rows["source_limit"][(source_id, mineral, t)] = lp.row(
                ("source", source_id, mineral, t),
                [(c, 1.0) for c in cols],
                upper=limits[(source_id, mineral)],
            )
    penalty = base.mineral_penalty_usd_per_t
    for (mineral, t), terms in share_terms.items():
        gap = lp.col(("share_gap", mineral, t), inputs.factors[t] * float(penalty[mineral]))
        model.share_gap[(mineral, t)] = gap
        model.rows["domestic_share"][(mineral, t)] = lp.row(
            ("domestic_share", mineral, t), [*terms, (gap, 1.0)], 0.0
        )


def force_site(model: PhasedModel, region_id: str, cluster_type: str, minimum: float) -> bool:
    """Regret's forced site: open[r,k,d*] = 1 and capacity[r,k,d*] ≥ ``minimum`` [type
    unit/yr] on the last decision period d* of the greenfield option (bounds, no row: the site
    is built by the last period, the model choosing when). Returns False when the model has no
    such column although it holds the type (the site cannot produce by the last period) or the
    column cannot hold the minimum; True when it set the bounds or the type is not in this
    group."""
    if cluster_type not in model.types:
        return True
    decided = [d for (r, k, d) in model.open if (r, k) == (region_id, cluster_type)]
    if not decided:
        return False
    key = (region_id, cluster_type, max(decided))
    lp = model.lp
    cap = model.capacity[key]
    if float(minimum) > lp.col_upper[cap] + 1e-9:  # room or labor cannot hold the minimum
        return False
    lp.col_lower[model.open[key]] = 1.0
    lp.col_lower[cap] = float(minimum)
    return True


def build_phased_model(
    inputs: PhasedInputs, types: tuple[str, ...], minerals_at_margin: bool = True
) -> PhasedModel:
    """The MILP of one type group. Reads no files, prints nothing.

    ``minerals_at_margin``: see :func:`add_minerals` (same optimum and objective either way).
    """
    model = PhasedModel(types=types, inputs=inputs)
    add_sites(model)
    add_site_limits(model)
    add_production(model)
    add_demand(model)
    add_markets(model)
    add_minerals(model, minerals_at_margin)
    return model
