"""The cost terms of a site and the two objective views that sum them.

Per-unit terms are annual [USD/yr per (type unit/yr)]. The system view is what the country
spends; transfers move money between the public and the investor and are never a saving to the
country; the investor view adds them (they are stored negative).
"""

from __future__ import annotations

SYSTEM_TERMS = (
    "capex",
    "energy",
    "labor",
    "other_opex",
    "other_materials",
    "permitting_delay",
)
"""Per-unit resource-cost terms of a site [USD/yr per unit/yr]: what the country spends."""
TRANSFER_TERMS = ("credit_45x", "state_incentive", "co_investment")
"""Per-unit transfers from the public to the investor [USD/yr per unit/yr], stored negative:
investor cost = system cost + these terms; public outlay = − these terms."""
COST_TERMS = SYSTEM_TERMS + TRANSFER_TERMS
"""Every per-unit term of a site, in report order."""
OBJECTIVES = ("investor", "system")
"""What the siting decision minimises: investor cost (firms under today's incentives) or system
(resource) cost (the country's least-cost plan)."""
CAPEX_TERMS = ("capex", "permitting_delay", "state_incentive", "co_investment")
"""Terms proportional to capex; an expansion's agglomeration discount scales exactly these."""


def objective_terms(objective: str) -> tuple[str, ...]:
    """The per-unit terms the objective view sums: system terms, plus transfers for investors."""
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {OBJECTIVES}, got {objective!r}")
    return COST_TERMS if objective == "investor" else SYSTEM_TERMS
