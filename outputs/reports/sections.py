"""Report sections shared by the comparison and phased reports: the rule-missed banner, the
contents list, the rules-missed table and the difference (waterfall) charts."""

from __future__ import annotations

import math
from collections.abc import Sequence

from optimizer import Result

from ..formatting import fmt_usd_short
from ..missed import missed_rules
from ..templating import Markup
from .labels import readable_units
from .summary import scenario_labels, scope_zone, used_zones
from .waterfall import difference_steps, waterfall_svg

BANNER_CLASS = "cs-rule-missed"


def banner_context(results: Sequence[Result]) -> dict:
    """``banner``: one sentence per target or rule a scenario missed (empty when none)."""
    labels = scenario_labels(list(results))
    sentences = [
        readable_units(rule.sentence())
        for label, result in zip(labels, results, strict=True)
        for rule in missed_rules(result, label)
    ]
    return {"banner": sentences}


def rules_missed_context(results: Sequence[Result]) -> dict:
    """The rules-missed table: scenario, rule, short by, penalty in its cost, bound by."""
    labels = scenario_labels(list(results))
    rows = []
    for label, result in zip(labels, results, strict=True):
        for rule, unmet in zip(missed_rules(result, label), _unmet_rows(result), strict=True):
            penalty = (
                f"{fmt_usd_short(rule.penalty)}/yr" if math.isfinite(rule.penalty) else "see cost"
            )
            rows.append(
                [label, rule.rule, rule.shortfall, penalty, readable_units(unmet["binding"])]
            )
    return {
        "missed_headers": [
            "Scenario",
            "Target or rule",
            "Short by",
            "Penalty in its cost",
            "Bound by",
        ],
        "missed_rows": rows,
    }


def _unmet_rows(result: Result) -> list[dict]:
    if not result.ok or result.unmet is None:
        return []
    return result.unmet.to_dict("records")


def difference_charts(results: Sequence[Result], pairs: Sequence[tuple[int, int]]) -> list:
    """One waterfall per (reference, other) index pair: the change of each system-cost term from
    the reference to the other scenario (inline SVG)."""
    labels = scenario_labels(list(results))
    charts = []
    for a, b in pairs:
        if not (results[a].ok and results[b].ok):
            continue
        steps = difference_steps(results[a], results[b])
        charts.append(Markup(waterfall_svg(labels[a], labels[b], steps)))
    return charts


def contents(sections: Sequence[tuple[str, str]]) -> list[dict]:
    """The contents list: ``{"anchor", "title"}`` per (anchor, title)."""
    return [{"anchor": anchor, "title": title} for anchor, title in sections]


__all__ = [
    "BANNER_CLASS",
    "banner_context",
    "contents",
    "difference_charts",
    "rules_missed_context",
    "scope_zone",
    "used_zones",
]
