"""A cost difference smaller than what the two solves leave open is called a toss-up."""

from __future__ import annotations

import pandas as pd
import pytest

import optimizer
from outputs.reports.summary import cost_views_text, proven_within


def _result(name: str, system: float, gap: float | None) -> optimizer.Result:
    """A stand-in result: the cost KPIs the sentence reads, its objective (= system cost) and
    the gap its solver proved."""
    kpis = pd.DataFrame(
        [
            ("system_cost", "all", system, "USD/yr"),
            ("investor_cost", "all", 0.7 * system, "USD/yr"),
            ("public_outlay", "all", 1e10, "USD/yr"),
            ("decision_cost", "system", system, "USD/yr"),
        ],
        columns=["kpi", "scope", "value", "unit"],
    )
    report = optimizer.SolverReport(optimizer.SolveStatus.OPTIMAL, "highs", system, gap, 0.0, 0.0)
    empty = pd.DataFrame()
    inputs = optimizer.inputs_for("baseline")
    scenario = optimizer.load_scenario("baseline").replace(name=name)
    return optimizer.Result(scenario, empty, empty, kpis, empty, empty, report, inputs)


def test_a_difference_inside_both_gaps_is_a_toss_up_and_one_outside_is_not():
    # by hand: 48.00 bn proven to 0.1 % leaves 48.0 M open; 48.03 bn at 0.1 % 48.03 M; 96.03 M
    ref = _result("gl", 48.00e9, 1e-3)
    near = _result("south", 48.03e9, 1e-3)
    assert proven_within(ref) + proven_within(near) == pytest.approx(96.03e6)
    text = cost_views_text(near, ref, "gl")
    assert text.startswith("It costs the country USD 30 million/yr more (0.1% of the gl")
    assert text.endswith(
        "By cost the two are a toss-up: each plan is proven only to within its solver gap of "
        "its best plan, together USD 96 million/yr, more than the difference."
    )
    # 0.2 bn apart: more than the 96.2 M the gaps leave open, so a difference, not a toss-up
    far = _result("south", 48.20e9, 1e-3)
    assert "toss-up" not in cost_views_text(far, ref, "gl")
    # the state built-ins' gap (1e-6) leaves 0.1 M open: a 30 M difference stands
    assert "toss-up" not in cost_views_text(
        _result("s", 48.02e9, 1e-6), _result("g", 48e9, 1e-6), "g"
    )
    # no gap reported (another solver): nothing claimed either way
    assert proven_within(_result("s", 48.02e9, None)) == 0.0
