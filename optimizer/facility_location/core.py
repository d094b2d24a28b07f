"""The capacitated facility-location core, usable on a plain cost matrix.

Formulation (sites i, customers j)::

    min  Σ_i f_i·y_i + Σ_ij c_ij·x_ij + Σ_j p_j·u_j
    s.t. Σ_i x_ij + u_j = d_j                  ∀j   (demand; u_j ≥ 0 only if a penalty p_j is given)
         Σ_j x_ij ≤ Q_i·y_i                    ∀i   (capacity)
         Σ_j x_ij ≥ q_i·y_i                    ∀i   (minimum scale, where q_i > 0)
         x_ij ≤ min(d_j, Q_i)·y_i               ∀ij  (optional strong linking)
         y_i ∈ {0, 1}, x_ij ≥ 0

``x_ij`` is an amount (units of demand), ``c_ij`` a cost per unit. The cluster-siting model calls
``add_facility_location`` once per cluster type; ``from_cost_matrix`` builds a stand-alone problem.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd
import pulp


@dataclass
class FacilityLocation:
    """Variables and constraints added by the core, keyed by site and customer ids."""

    open: dict = field(default_factory=dict)
    assign: dict = field(default_factory=dict)
    shortfall: dict = field(default_factory=dict)
    demand_rows: dict = field(default_factory=dict)
    capacity_rows: dict = field(default_factory=dict)
    min_scale_rows: dict = field(default_factory=dict)
    cost: pulp.LpAffineExpression = field(default_factory=pulp.LpAffineExpression)


def add_facility_location(
    problem: pulp.LpProblem,
    sites: pd.DataFrame,
    demand: pd.Series,
    unit_cost: pd.Series,
    *,
    shortfall_penalty: pd.Series | None = None,
    strong_linking: bool = False,
    prefix: str = "",
    extra_supply: Mapping[object, list[tuple[pulp.LpVariable, float]]] | None = None,
) -> FacilityLocation:
    """Add the core to ``problem`` and return its parts; the caller adds ``.cost`` to the objective.

    Args:
        sites: index site id; columns ``fixed_cost`` [USD], ``max_capacity`` and optionally
            ``min_capacity`` [demand units].
        demand: demand by customer id [demand units].
        unit_cost: cost per unit [USD/unit], index (site, customer); absent pairs cannot be served.
        shortfall_penalty: cost per unit of unmet demand by customer; None makes demand hard.
        extra_supply: further ``(variable, coefficient)`` terms on a customer's demand row
            (supply the caller models outside the core, e.g. expansions of existing plants).
    """
    fl = FacilityLocation()
    cost_terms = []
    min_capacity = (
        sites["min_capacity"] if "min_capacity" in sites else pd.Series(0.0, index=sites.index)
    )
    for site, fixed_cost in sites["fixed_cost"].items():
        var = pulp.LpVariable(f"{prefix}open_{site}", cat=pulp.LpBinary)
        fl.open[site] = var
        if fixed_cost:
            cost_terms.append((var, float(fixed_cost)))
    by_site: dict = {site: [] for site in sites.index}
    by_customer: dict = {customer: [] for customer in demand.index}
    for (site, customer), cost in unit_cost.items():
        var = pulp.LpVariable(f"{prefix}x_{site}_{customer}", lowBound=0)
        fl.assign[site, customer] = var
        by_site[site].append(var)
        by_customer[customer].append(var)
        if cost:
            cost_terms.append((var, float(cost)))
    for customer, amount in demand.items():
        terms = [(v, 1.0) for v in by_customer[customer]]
        terms += list((extra_supply or {}).get(customer, []))
        if shortfall_penalty is not None:
            slack = pulp.LpVariable(f"{prefix}shortfall_{customer}", lowBound=0)
            fl.shortfall[customer] = slack
            terms.append((slack, 1.0))
            cost_terms.append((slack, float(shortfall_penalty[customer])))
        row = pulp.LpConstraint(
            pulp.LpAffineExpression(terms),
            pulp.LpConstraintEQ,
            f"{prefix}demand_{customer}",
            float(amount),
        )
        problem.addConstraint(row)
        fl.demand_rows[customer] = row
    max_capacity = sites["max_capacity"].to_dict()
    min_capacity = min_capacity.to_dict()
    for site, assigned in by_site.items():
        y = fl.open[site]
        row = pulp.LpConstraint(
            pulp.LpAffineExpression(
                [(v, 1.0) for v in assigned] + [(y, -float(max_capacity[site]))]
            ),
            pulp.LpConstraintLE,
            f"{prefix}capacity_{site}",
            0.0,
        )
        problem.addConstraint(row)
        fl.capacity_rows[site] = row
        if min_capacity[site] > 0:
            row = pulp.LpConstraint(
                pulp.LpAffineExpression(
                    [(v, 1.0) for v in assigned] + [(y, -float(min_capacity[site]))]
                ),
                pulp.LpConstraintGE,
                f"{prefix}min_scale_{site}",
                0.0,
            )
            problem.addConstraint(row)
            fl.min_scale_rows[site] = row
    if strong_linking:
        capacity = sites["max_capacity"].astype(float).to_dict()
        for (site, customer), var in fl.assign.items():
            problem.addConstraint(
                pulp.LpConstraint(
                    pulp.LpAffineExpression(
                        [(var, 1.0), (fl.open[site], -min(float(demand[customer]), capacity[site]))]
                    ),
                    pulp.LpConstraintLE,
                    f"{prefix}link_{site}_{customer}",
                    0.0,
                )
            )
    fl.cost = pulp.LpAffineExpression(cost_terms)
    return fl


def from_cost_matrix(
    fixed_cost: pd.Series,
    capacity: pd.Series,
    demand: pd.Series,
    unit_cost: pd.DataFrame,
    *,
    strong_linking: bool = True,
    name: str = "facility_location",
) -> tuple[pulp.LpProblem, FacilityLocation]:
    """A stand-alone capacitated facility-location problem from plain arrays.

    Args:
        fixed_cost, capacity: by site id. demand: by customer id.
        unit_cost: DataFrame sites × customers of cost per unit of demand served.

    >>> import pandas as pd
    >>> prob, fl = from_cost_matrix(pd.Series({"a": 10.0, "b": 1.0}), pd.Series({"a": 5.0, "b": 5.0}),
    ...                             pd.Series({"c": 4.0}), pd.DataFrame({"c": [1.0, 2.0]}, index=["a", "b"]))
    >>> _ = prob.solve(pulp.HiGHS(msg=False)); round(pulp.value(prob.objective), 6)  # b: 1 + 4·2
    9.0
    """
    problem = pulp.LpProblem(name, pulp.LpMinimize)
    sites = pd.DataFrame({"fixed_cost": fixed_cost, "max_capacity": capacity})
    fl = add_facility_location(
        problem, sites, demand, unit_cost.stack(), strong_linking=strong_linking
    )
    problem.setObjective(fl.cost)
    return problem, fl
