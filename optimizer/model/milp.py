"""Build the cluster-siting MILP: a pure function of (region data, scenario, technology data).

Sets: regions r, cluster types k, minerals m, mineral sources s (domestic rows and gateways).
Decisions: open[r,k] ∈ {0,1} and capacity[r,k] ≥ 0 (a greenfield cluster, type unit/yr);
expand_open[r,k] ∈ {0,1} and expansion[r,k] ≥ 0 (growing an operating cluster, hosts only);
ship[s,m,r] ≥ 0 [t/yr]; deliver[r,k,j] ≥ 0 and imported[j] ≥ 0 to market nodes j [unit/yr];
penalised slacks shortfall[k], unsupplied[r,m], share_gap[m] ≥ 0.
Objective (the scenario's cost view, investor or system): fixed·open + unit_cost·capacity +
expansion fixed·expand_open + expansion unit_cost·expansion + lane_cost·ship + outbound
freight·deliver + gateway freight·imported + penalties.
Each ``add_*`` function adds one group of constraints; its docstring states the math.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

import pandas as pd
import pulp

from regions import RegionData

from ..facility_location.core import FacilityLocation, add_facility_location
from .coefficients import ModelInputs, model_inputs
from .problem import SitingProblem
from .scenario import Scenario
from .technology import CLUSTER_TYPES, TechnologyData


@dataclass
class ClusterModel:
    """The PuLP problem and its variable and constraint maps, keyed by real ids."""

    problem: pulp.LpProblem
    inputs: ModelInputs
    open: dict[tuple[str, str], pulp.LpVariable] = field(default_factory=dict)
    capacity: dict[tuple[str, str], pulp.LpVariable] = field(default_factory=dict)
    ship: dict[tuple[str, str, str], pulp.LpVariable] = field(default_factory=dict)
    expand_open: dict[tuple[str, str], pulp.LpVariable] = field(default_factory=dict)
    expansion: dict[tuple[str, str], pulp.LpVariable] = field(default_factory=dict)
    shortfall: dict[str, pulp.LpVariable] = field(default_factory=dict)
    unsupplied: dict[tuple[str, str], pulp.LpVariable] = field(default_factory=dict)
    share_gap: dict[str, pulp.LpVariable] = field(default_factory=dict)
    deliver: dict[tuple[str, str, str], pulp.LpVariable] = field(default_factory=dict)
    imported: dict[str, pulp.LpVariable] = field(default_factory=dict)

    def new_capacity_terms(self, key: tuple[str, str]) -> list[tuple[pulp.LpVariable, float]]:
        """``(variable, 1)`` for the greenfield and expansion capacity of site ``key``."""
        return [(v[key], 1.0) for v in (self.capacity, self.expansion) if key in v]

    constraints: dict[str, dict] = field(default_factory=lambda: defaultdict(dict))


def add_siting(model: ClusterModel) -> None:
    """Per type k: Σ_r (capacity[r,k] + expansion[r,k]) + shortfall[k] = target[k] − existing[k];
    min_scale·open ≤ capacity ≤ max_scale·open (facility-location core, one customer per type)."""
    inputs = model.inputs
    sites = inputs.sites[inputs.sites["eligible"]]
    expansions = add_expansions(model)
    cost = pulp.LpAffineExpression()
    for k in CLUSTER_TYPES:
        if k not in inputs.targets.index:
            continue
        of_type = sites[sites.index.get_level_values("cluster_type") == k].droplevel("cluster_type")
        demand = pd.Series({k: max(inputs.targets[k] - inputs.existing.get(k, 0.0), 0.0)})
        table = pd.DataFrame(
            {
                "fixed_cost": of_type["fixed_cost_usd_per_yr"],
                "min_capacity": of_type["min_scale"],
                "max_capacity": of_type["max_scale"],
            }
        )
        unit_cost = pd.Series(
            of_type["unit_cost"].to_numpy(),
            index=pd.MultiIndex.from_arrays([of_type.index, [k] * len(of_type)]),
        )
        fl: FacilityLocation = add_facility_location(
            model.problem,
            table,
            demand,
            unit_cost,
            shortfall_penalty=inputs.penalty_usd_per_unit,
            prefix=f"{k}_",
            extra_supply={k: [(v, 1.0) for (_r, kk), v in model.expansion.items() if kk == k]},
        )
        for region_id in of_type.index:
            model.open[region_id, k] = fl.open[region_id]
            model.capacity[region_id, k] = fl.assign[region_id, k]
            model.constraints["max_scale"][region_id, k] = fl.capacity_rows[region_id]
            if region_id in fl.min_scale_rows:
                model.constraints["min_scale"][region_id, k] = fl.min_scale_rows[region_id]
        model.shortfall[k] = fl.shortfall[k]
        model.constraints["target"][k] = fl.demand_rows[k]
        cost += fl.cost
    add_cluster_room(model)
    model.constraints["_cost"]["siting"] = cost + expansions


def add_expansions(model: ClusterModel) -> pulp.LpAffineExpression:
    """∀ host site (r,k): expansion[r,k] ≤ expansion_limit·expand_open[r,k]; returns its cost
    (expansion fixed cost·expand_open + expansion unit cost·expansion)."""
    sites = model.inputs.sites
    terms = []
    for (region_id, k), row in sites[sites["expansion_eligible"]].iterrows():
        y = pulp.LpVariable(f"{k}_expand_open_{region_id}", cat=pulp.LpBinary)
        x = pulp.LpVariable(f"{k}_expansion_{region_id}", lowBound=0)
        model.expand_open[region_id, k], model.expansion[region_id, k] = y, x
        row_ = pulp.LpConstraint(
            pulp.LpAffineExpression([(x, 1.0), (y, -float(row["expansion_limit"]))]),
            pulp.LpConstraintLE,
            f"{k}_expansion_limit_{region_id}",
            0.0,
        )
        model.problem.addConstraint(row_)
        model.constraints["expansion_limit"][region_id, k] = row_
        terms += [
            (y, float(row["expansion_fixed_cost_usd_per_yr"])),
            (x, float(row["expansion_unit_cost"])),
        ]
    return pulp.LpAffineExpression(terms)


def add_cluster_room(model: ClusterModel) -> None:
    """∀ site with both options: capacity[r,k] + expansion[r,k] ≤ max_scale − existing[r,k]."""
    room = model.inputs.sites["room"]
    for key in model.expansion:
        if key not in model.capacity:
            continue
        row = pulp.LpConstraint(
            pulp.LpAffineExpression(model.new_capacity_terms(key)),
            pulp.LpConstraintLE,
            f"{key[1]}_room_{key[0]}",
            float(room[key]),
        )
        model.problem.addConstraint(row)
        model.constraints["room"][key] = row


def add_markets(model: ClusterModel) -> None:
    """Deliver each type's target to its market nodes (types without nodes are skipped).

    ∀ site (r,k) that can produce: Σ_j deliver[r,k,j] − capacity[r,k] − expansion[r,k] ≤
    existing[r,k] (output); ∀ node j of type k: Σ_r deliver[r,k,j] + imported[j] =
    share_j·target_k (market); ∀k: Σ_j imported[j] ≤ shortfall[k] (imports replace only what is
    not made at home, so made product cannot idle while imports serve a node). Costs:
    outbound freight·deliver + gateway freight·imported [USD/yr].
    """
    inputs = model.inputs
    nodes, lanes = inputs.nodes, inputs.product_lanes
    if not len(nodes):
        return
    by_site: dict = defaultdict(list)
    by_node: dict = defaultdict(list)
    cost = []
    for (region_id, k, node_id), freight in lanes["freight_usd_per_unit"].items():
        var = pulp.LpVariable(f"deliver_{k}_{region_id}_{node_id.split('@')[-1]}", lowBound=0)
        model.deliver[region_id, k, node_id] = var
        by_site[region_id, k].append((var, 1.0))
        by_node[node_id].append((var, 1.0))
        cost.append((var, float(freight)))
    existing = inputs.sites["existing_capacity"]
    for key, terms in by_site.items():
        made = [(v, -1.0) for v, _one in model.new_capacity_terms(key)]
        row = pulp.LpConstraint(
            pulp.LpAffineExpression(terms + made),
            pulp.LpConstraintLE,
            f"output_{key[1]}_{key[0]}",
            float(existing.get(key, 0.0)),
        )
        model.problem.addConstraint(row)
        model.constraints["output"][key] = row
    imports_by_type: dict = defaultdict(list)
    for node_id, node in nodes.iterrows():
        k = node["cluster_type"]
        var = pulp.LpVariable(f"imported_{k}_{node['region_id']}", lowBound=0)
        model.imported[node_id] = var
        imports_by_type[k].append((var, 1.0))
        cost.append((var, float(node["import_freight_usd_per_unit"])))
        row = pulp.LpConstraint(
            pulp.LpAffineExpression([*by_node.get(node_id, []), (var, 1.0)]),
            pulp.LpConstraintEQ,
            f"market_{k}_{node['region_id']}",
            float(node["share"]) * float(inputs.targets[k]),
        )
        model.problem.addConstraint(row)
        model.constraints["market"][node_id] = row
    for k, terms in imports_by_type.items():
        row = pulp.LpConstraint(
            pulp.LpAffineExpression([*terms, (model.shortfall[k], -1.0)]),
            pulp.LpConstraintLE,
            f"imports_{k}",
            0.0,
        )
        model.problem.addConstraint(row)
        model.constraints["imports"][k] = row
    model.constraints["_cost"]["markets"] = pulp.LpAffineExpression(cost)


def add_shipments(model: ClusterModel) -> None:
    """ship[s,m,r] ≥ 0 on every lane, costed at (price + freight) [USD/t]."""
    terms = []
    for (source_id, mineral, region_id), cost in model.inputs.lanes["cost_usd_per_t"].items():
        var = pulp.LpVariable(f"ship_{source_id}_{mineral}_{region_id}", lowBound=0)
        model.ship[source_id, mineral, region_id] = var
        terms.append((var, float(cost)))
    model.constraints["_cost"]["shipping"] = pulp.LpAffineExpression(terms)


def add_mineral_balance(model: ClusterModel) -> None:
    """∀r,m: Σ_s ship[s,m,r] + unsupplied[r,m] =
    Σ_k bom[k,m]·utilization·(capacity[r,k] + expansion[r,k] + existing[r,k]).

    Every unit produced needs its bill of materials. ``unsupplied`` is emergency supply from
    outside the modelled lanes, costed at the landed import price plus a penalty, so a scenario
    whose mineral rules cannot be met still solves and says so.
    """
    inputs = model.inputs
    inflow = defaultdict(list)
    for (_s, mineral, region_id), var in model.ship.items():
        inflow[region_id, mineral].append((var, 1.0))
    need = defaultdict(list)
    constant = defaultdict(float)
    existing = inputs.sites["existing_capacity"].to_dict()
    for (region_id, k), existing_capacity in existing.items():
        for mineral, t in inputs.demand_t_per_unit[k].items():
            if t <= 0:
                continue
            for var, _one in model.new_capacity_terms((region_id, k)):
                need[region_id, mineral].append((var, -t))
            if existing_capacity > 0:
                constant[region_id, mineral] += t * existing_capacity
    penalty = inputs.unsupplied_cost_usd_per_t
    unsupplied_cost = []
    for key in sorted(set(need) | set(constant)):
        region_id, mineral = key
        slack = pulp.LpVariable(f"unsupplied_{mineral}_{region_id}", lowBound=0)
        model.unsupplied[key] = slack
        unsupplied_cost.append((slack, float(penalty[mineral])))
        expr = pulp.LpAffineExpression(inflow.get(key, []) + need.get(key, []) + [(slack, 1.0)])
        row = pulp.LpConstraint(
            expr, pulp.LpConstraintEQ, f"balance_{mineral}_{region_id}", constant[key]
        )
        model.problem.addConstraint(row)
        model.constraints["mineral_balance"][key] = row
    model.constraints["_cost"]["unsupplied"] = pulp.LpAffineExpression(unsupplied_cost)


def add_source_limits(model: ClusterModel) -> None:
    """∀ capped domestic source s, mineral m: Σ_r ship[s,m,r] ≤ capacity[s,m] [t/yr]."""
    limits = model.inputs.supply["capacity_t_per_yr"].dropna().to_dict()
    outflow = defaultdict(list)
    for (source_id, mineral, _r), var in model.ship.items():
        if (source_id, mineral) in limits:
            outflow[source_id, mineral].append((var, 1.0))
    for key, terms in outflow.items():
        limit = limits[key]
        row = pulp.LpConstraint(
            pulp.LpAffineExpression(terms),
            pulp.LpConstraintLE,
            f"source_{key[0]}_{key[1]}",
            float(limit),
        )
        model.problem.addConstraint(row)
        model.constraints["source_limit"][key] = row


def add_labor_limits(model: ClusterModel, keep_idle: bool = False) -> None:
    """∀r: Σ_k jobs_per_unit[k]·(capacity[r,k] + expansion[r,k]) ≤ labor_pool[r], one row per
    region shared by every type, where labor_pool = labor_share_cap·manufacturing_employment[r]
    − hires of plants of any type counted as existing that were not yet operating at the date
    of the employment figure (``optimizer.model.sites.labor_pools``). Keyed by region_id.

    A region whose sites cannot exhaust its pool even at their largest (Σ jobs × max scale or
    expansion limit ≤ pool) gets no row unless ``keep_idle``: the row could never bind, and
    leaving it out keeps types that share nothing else in independent parts. A compiled model
    that is re-solved with other labor figures keeps every row (``keep_idle=True``)."""
    sites = model.inputs.sites
    jobs_per_unit = sites["jobs_per_unit"].to_dict()
    max_scale, expansion_limit = sites["max_scale"].to_dict(), sites["expansion_limit"].to_dict()
    by_region: dict[str, list[tuple[pulp.LpVariable, float]]] = {}
    most: dict[str, float] = {}
    for key in dict.fromkeys([*model.capacity, *model.expansion]):
        jobs = float(jobs_per_unit[key])
        by_region.setdefault(key[0], []).extend((v, jobs) for v, _ in model.new_capacity_terms(key))
        largest = float(max_scale[key]) if key in model.capacity else 0.0
        if key in model.expansion:
            largest += float(expansion_limit[key])
        most[key[0]] = most.get(key[0], 0.0) + jobs * largest
    pools = model.inputs.labor_pool_jobs.to_dict()
    for region_id, terms in by_region.items():
        pool = float(pools[region_id])
        if not keep_idle and most[region_id] <= pool * (1 - 1e-9):
            continue
        row = pulp.LpConstraint(
            pulp.LpAffineExpression(terms), pulp.LpConstraintLE, f"labor_{region_id}", pool
        )
        model.problem.addConstraint(row)
        model.constraints["labor"][region_id] = row


def add_commuting_labor(model: ClusterModel) -> None:
    """County resolution: hires travel, workers are shared.

    hire[r,w] ≥ 0 for each site county r and worker county w within commuting distance;
    ∀r: Σ_w hire[r,w] = Σ_k jobs_per_unit[k]·(capacity[r,k] + expansion[r,k]) (every new job is
    filled from the commuting area); ∀w: Σ_r hire[r,w] ≤ pool[w] = labor_share_cap ·
    manufacturing employment[w] (a county's workers are counted once, however many plants can
    reach them). Skipped at state resolution (``inputs.commuting`` is None)."""
    table = model.inputs.commuting
    if table is None or not len(table):
        return
    jobs_per_unit = model.inputs.sites["jobs_per_unit"].to_dict()
    jobs_by_region: dict[str, list[tuple[pulp.LpVariable, float]]] = defaultdict(list)
    for key in dict.fromkeys([*model.capacity, *model.expansion]):
        jobs = float(jobs_per_unit[key])
        jobs_by_region[key[0]].extend((v, -jobs) for v, _ in model.new_capacity_terms(key))
    by_worker: dict[str, list[tuple[pulp.LpVariable, float]]] = defaultdict(list)
    hires: dict[str, list[tuple[pulp.LpVariable, float]]] = defaultdict(list)
    pools: dict[str, float] = {}
    for (region_id, worker), pool in table["pool_jobs"].items():
        if region_id not in jobs_by_region:
            continue
        var = pulp.LpVariable(f"hire_{region_id}_{worker}", lowBound=0)
        hires[region_id].append((var, 1.0))
        by_worker[worker].append((var, 1.0))
        pools[worker] = float(pool)
    for region_id, terms in jobs_by_region.items():
        row = pulp.LpConstraint(
            pulp.LpAffineExpression(hires.get(region_id, []) + terms),
            pulp.LpConstraintEQ,
            f"hires_{region_id}",
            0.0,
        )
        model.problem.addConstraint(row)
        model.constraints["hires"][region_id] = row
    for worker, terms in by_worker.items():
        row = pulp.LpConstraint(
            pulp.LpAffineExpression(terms), pulp.LpConstraintLE, f"workers_{worker}", pools[worker]
        )
        model.problem.addConstraint(row)
        model.constraints["workers"][worker] = row


def add_partner_ties(model: ClusterModel) -> None:
    """County resolution with ``markets.jv_ties``: ∀ (county r, partner o) with tied plants:
    Σ_{j ∈ N(o)} deliver[r,battery,j] ≥ required[r,o] [GWh/yr], N(o) the nodes holding the
    partner's assembly plants (``optimizer.model.jv_ties``). Skipped otherwise."""
    ties = model.inputs.ties
    if ties is None or not len(ties):
        return
    for row in ties.itertuples(index=False):
        terms = [
            (model.deliver[key], 1.0)
            for node in row.nodes.split(";")
            if (key := (row.region_id, "battery", node)) in model.deliver
        ]
        name = f"tie_{row.region_id}_{re.sub(r'[^A-Za-z0-9]+', '_', row.partner_oem)}"
        constraint = pulp.LpConstraint(
            pulp.LpAffineExpression(terms), pulp.LpConstraintGE, name, float(row.required)
        )
        model.problem.addConstraint(constraint)
        model.constraints["partner_tie"][row.region_id, row.partner_oem] = constraint


def add_cluster_count_limits(model: ClusterModel, scenario: Scenario) -> None:
    """∀k with a limit N_k: Σ_r open[r,k] ≤ N_k."""
    for k, limit in scenario.max_clusters.items():
        terms = [(var, 1.0) for (_r, kk), var in model.open.items() if kk == k]
        row = pulp.LpConstraint(
            pulp.LpAffineExpression(terms), pulp.LpConstraintLE, f"max_clusters_{k}", float(limit)
        )
        model.problem.addConstraint(row)
        model.constraints["max_clusters"][k] = row


def add_domestic_share(model: ClusterModel, scenario: Scenario) -> None:
    """∀m with share σ_m: Σ_domestic-feed ship[·,m,·] + share_gap[m] ≥
    σ_m·(Σ_all ship[·,m,·] + Σ_r unsupplied[r,m]), i.e. σ_m of everything plants use.

    Domestic means mined or recycled at home (``domestic_feed``): a US refinery converting
    imported ore or concentrate ships domestic tonnes of nothing.

    Unsupplied tonnes count as non-domestic, so leaving need unsupplied cannot meet the rule.
    ``share_gap`` [t/yr] is a penalised slack: when domestic sources cannot reach the share it
    says by how much, instead of making the model infeasible.
    """
    home_feed = model.inputs.lanes["domestic_feed"].to_dict()
    penalty = model.inputs.mineral_penalty_usd_per_t
    gap_cost = []
    for mineral, share in scenario.min_domestic_share.items():
        terms = []
        for key, var in model.ship.items():
            if key[1] != mineral:
                continue
            domestic = bool(home_feed[key])
            terms.append((var, (1.0 if domestic else 0.0) - share))
        for (_r, m), var in model.unsupplied.items():
            if m == mineral:
                terms.append((var, -share))
        gap = pulp.LpVariable(f"share_gap_{mineral}", lowBound=0)
        model.share_gap[mineral] = gap
        gap_cost.append((gap, float(penalty[mineral])))
        row = pulp.LpConstraint(
            pulp.LpAffineExpression([*terms, (gap, 1.0)]),
            pulp.LpConstraintGE,
            f"domestic_share_{mineral}",
            0.0,
        )
        model.problem.addConstraint(row)
        model.constraints["domestic_share"][mineral] = row
    model.constraints["_cost"]["share_gap"] = pulp.LpAffineExpression(gap_cost)


def close_empty_sites(model: ClusterModel, tolerance: float = 1e-6) -> list[tuple[str, str, str]]:
    """Set to 0 every greenfield or expansion binary that is 1 at zero capacity [type unit/yr].

    Such a binary pays its fixed cost for nothing; a MIP solve may leave it open inside its gap
    (three empty solar expansions cost 7.5 M USD/yr on ``south`` with no battery cluster allowed,
    carried by no site row). Closing it keeps every row satisfied (capacity ≤ max·open,
    capacity ≥ min·open, the cluster count) and only lowers the objective. Returns the closed
    (region_id, cluster_type, option) triples.
    """
    closed = []
    for option, binaries, amounts in (
        ("greenfield", model.open, model.capacity),
        ("expansion", model.expand_open, model.expansion),
    ):
        for key, binary in binaries.items():
            if (binary.value() or 0.0) > 0.5 and abs(amounts[key].value() or 0.0) <= tolerance:
                binary.varValue = 0.0
                closed.append((*key, option))
    return closed


def problem_name(scenario_name: str) -> str:
    """A solver-safe problem name: letters, digits and ``_`` only, at most 64 characters.

    >>> problem_name("great lakes (fast)")
    'clustersite_great_lakes_fast_'
    """
    return ("clustersite_" + re.sub(r"[^A-Za-z0-9_]+", "_", scenario_name))[:64]


def build_model(
    data: RegionData,
    scenario: Scenario,
    tech: TechnologyData,
    inputs: ModelInputs | None = None,
    *,
    all_labor_rows: bool = False,
) -> ClusterModel:
    """The PuLP problem for ``scenario`` with its variable maps. Reads no files, prints nothing.

    ``all_labor_rows``: keep the labor row of every region, also where it cannot bind (a model
    re-solved with other labor figures needs them; see :func:`add_labor_limits`)."""
    inputs = inputs if inputs is not None else model_inputs(data, scenario, tech)
    model = ClusterModel(
        problem=SitingProblem(problem_name(scenario.name), pulp.LpMinimize), inputs=inputs
    )
    add_siting(model)
    add_markets(model)
    add_shipments(model)
    add_mineral_balance(model)
    add_source_limits(model)
    add_labor_limits(model, keep_idle=all_labor_rows)
    add_commuting_labor(model)
    add_partner_ties(model)
    add_cluster_count_limits(model, scenario)
    add_domestic_share(model, scenario)
    costs = model.constraints.pop("_cost")
    model.problem.setObjective(
        costs["siting"]
        + costs["shipping"]
        + costs.get("unsupplied", 0)
        + costs.get("share_gap", 0)
        + costs.get("markets", 0)
    )
    return model
