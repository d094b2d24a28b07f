"""HiGHS keeps one thread scheduler per process: solves with different solver.threads in one
process (two scenarios of a comparison, a long-running app) must each still find the optimum."""

from __future__ import annotations

import pytest

import optimizer


def test_thread_count_may_change_between_solves(data):
    base = optimizer.load_scenario("baseline")
    objectives = []
    for threads in (1, 2, 1):
        result = optimizer.solve(base.replace(solver={"threads": threads}), data, with_duals=False)
        assert result.ok, (threads, result.report)
        objectives.append(result.report.objective)
    assert objectives[1] == pytest.approx(objectives[0], rel=1e-4)
    assert objectives[2] == pytest.approx(objectives[0], rel=1e-4)
