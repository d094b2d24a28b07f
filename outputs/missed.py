"""Targets and rules a solved scenario missed, said loudly: one plain sentence per missed target
or rule (what, by how much, the penalty in its cost and what bound it), shared by the terminal,
the reports and the app. A missed rule is never just a higher cost.

Read from ``Result.unmet`` (every penalised slack above zero) and the penalty KPIs; nothing here
solves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from optimizer import CAPACITY_UNITS, Result

from .formatting import fmt_num, fmt_pct, fmt_usd_short

TYPE_TARGETS = {
    "battery": "battery-cell target",
    "magnet": "NdFeB-magnet target",
    "solar": "solar target",
}
MINERAL_NAMES = {"ndpr_oxide": "NdPr oxide", "high_purity_quartz": "high-purity quartz"}
RULE_TERM_PREFIX = "Rule missed: "
"""Label prefix of every penalty term in charts and cost tables."""


@dataclass(frozen=True)
class MissedRule:
    """One target or rule a scenario did not meet.

    ``rule``: what was missed (``'battery-cell target'``); ``shortfall``: by how much, with its
    unit; ``penalty``: the penalty [USD/yr] in the scenario's cost (NaN when not separable);
    ``binding``: the limits that stood in the way (model constraint names)."""

    scenario: str
    rule: str
    shortfall: str
    penalty: float
    binding: str

    def sentence(self) -> str:
        """``'great-lakes misses its battery-cell target by 324 GWh/yr (of 1,080 GWh/yr); a
        penalty of USD 336.04 bn/yr is in its cost (bound by: max_clusters[battery])'``."""
        cost = (
            f"; a penalty of {fmt_usd_short(self.penalty)}/yr is in its cost"
            if math.isfinite(self.penalty) and self.penalty > 0
            else ""
        )
        why = f" (bound by: {self.binding})" if self.binding else ""
        return f"{self.scenario} misses {self.rule} by {self.shortfall}{cost}{why}"


def mineral_name(mineral: str) -> str:
    """A mineral id for people: ``'ndpr_oxide'`` → ``'NdPr oxide'``."""
    return MINERAL_NAMES.get(mineral, str(mineral).replace("_", " "))


def _kpi(result: Result, name: str, scope: str) -> float:
    try:
        return float(result.kpi(name, scope))
    except KeyError:
        return math.nan


FIRST_REASONS = ("max_clusters", "domestic_share", "regions excluded", "labor")
"""Binding rules named first: the scenario's own limits before the sites' capacities."""


def _short_binding(text: str, most: int = 4) -> str:
    parts = _split_outside_brackets(str(text or ""))
    rank = {p: next((i for i, r in enumerate(FIRST_REASONS) if r in p), 9) for p in parts}
    parts.sort(key=rank.__getitem__)
    shown = "; ".join(parts[:most])
    return shown + (f"; … {len(parts) - most} more" if len(parts) > most else "")


def _split_outside_brackets(text: str) -> list[str]:
    """``'a; b (c; d); e'`` → ``['a', 'b (c; d)', 'e']``."""
    parts, depth, current = [], 0, []
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == ";" and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    parts.append("".join(current).strip())
    return [p for p in parts if p]


def missed_rules(result: Result, label: str | None = None) -> list[MissedRule]:
    """Every missed target or rule of ``result`` (none for a result without a solution: that
    is said elsewhere); ``label`` names the scenario (default its name)."""
    if not result.ok or result.unmet is None or result.unmet.empty:
        return []
    name = label or result.scenario.name
    out = []
    for row in result.unmet.to_dict("records"):
        amount = float(row["amount"])
        if row["cluster_type"]:
            k = str(row["cluster_type"])
            unit = CAPACITY_UNITS.get(k, str(row["unit"]))
            target = _kpi(result, "target", k)
            of = f" (of {fmt_num(target)} {unit})" if math.isfinite(target) else ""
            rule = f"its {TYPE_TARGETS.get(k, f'{k} target')}"
            shortfall = f"{fmt_num(amount)} {unit}{of}"
            penalty = _kpi(result, "shortfall_penalty", k)
        elif str(row["item"]).startswith("domestic share"):
            mineral = str(row["mineral"])
            share = result.scenario.min_domestic_share.get(mineral)
            rule = f"its domestic-share rule for {mineral_name(mineral)}" + (
                f" ({fmt_pct(share)} from domestic sources)" if share is not None else ""
            )
            shortfall = f"{fmt_num(amount)} t/yr of domestic {mineral_name(mineral)}"
            penalty = _kpi(result, "share_gap_penalty", mineral)
        else:
            mineral = str(row["mineral"])
            rule = f"the {mineral_name(mineral)} supply of {row['region_id']}"
            shortfall = f"{fmt_num(amount)} t/yr unsupplied"
            penalty = math.nan
        out.append(MissedRule(name, rule, shortfall, penalty, _short_binding(row["binding"])))
    return out


def penalty_terms(result: Result) -> dict[str, float]:
    """The penalties in ``result``'s cost by the rule missed [USD/yr], labelled for people
    (``'Rule missed: battery-cell target'``); empty when every rule was met."""
    if not result.ok:
        return {}
    terms = {}
    scopes = result.kpis[result.kpis["kpi"].isin(("shortfall_penalty", "share_gap_penalty"))]
    for row in scopes.to_dict("records"):
        if row["scope"] == "all" or not float(row["value"]) > 0.5:
            continue
        if row["kpi"] == "shortfall_penalty":
            what = TYPE_TARGETS.get(str(row["scope"]), f"{row['scope']} target")
        else:
            what = f"domestic share of {mineral_name(str(row['scope']))}"
        terms[RULE_TERM_PREFIX + what] = float(row["value"])
    for kpi, what in (("shortfall_penalty", "targets"), ("share_gap_penalty", "domestic shares")):
        total = _kpi(result, kpi, "all")
        scoped = sum(v for k, v in terms.items() if _is_kind(k, kpi))
        if math.isfinite(total) and total - scoped > 0.5:  # results without per-rule rows
            terms[RULE_TERM_PREFIX + what] = total - scoped
    return terms


def _is_kind(label: str, kpi: str) -> bool:
    return ("target" in label) == (kpi == "shortfall_penalty")


def details_hint(where: str) -> str:
    """``'; details: runs/x/unmet.csv'``."""
    return f"; details: {where}" if where else ""


__all__ = [
    "RULE_TERM_PREFIX",
    "MissedRule",
    "details_hint",
    "mineral_name",
    "missed_rules",
    "penalty_terms",
]
