"""Monte Carlo on the tiny instance of ``test_regret``.

Sampled (the tiny technology's ranged figures): battery capex 0.8e6–1.2e6 (same in every region,
moves no site) and electricity e = 2,000–20,000 MWh per GWh/yr. A beats B when
50·e + 2,500,000 < 60·e + 2,450,000, i.e. e > 5,000. Uniform e: P(B) = 3,000 / 18,000 = 1/6. With
n = 12 Latin-hypercube strata of width 1,500 MWh, exactly the two lowest strata lie below 5,000,
so B is sited in exactly 2 of 12 runs and A in 10.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from optimizer.analyses.montecarlo import latin_hypercube, monte_carlo
from optimizer.runs.parallel import SerialExecutor
from tests.test_regret import tiny_case


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return tiny_case(tmp_path_factory.mktemp("tiny_mc"))


def test_latin_hypercube_strata():
    u = latin_hypercube(10, 3, np.random.default_rng(7))
    assert u.shape == (10, 3) and ((u >= 0) & (u < 1)).all()
    for j in range(3):
        assert sorted((u[:, j] * 10).astype(int)) == list(range(10))


def test_monte_carlo_probability_by_hand(tiny):
    scenario, data, tech = tiny
    result = monte_carlo(scenario, 12, 3, data, tech, executor=SerialExecutor())
    assert [p.name for p in result.parameters] == [
        "battery.capex_usd_per_unit",
        "battery.electricity_mwh_per_unit",
    ]
    assert result.failures.empty
    layer = result.layer("battery")
    assert layer["B"] == pytest.approx(2 / 12) and layer["A"] == pytest.approx(10 / 12)
    assert layer[["C", "D", "E"]].eq(0).all()
    # probability = share of runs with new capacity there
    built = result.capacity[result.capacity["cluster_type"] == "battery"]
    for region_id in "ABCDE":
        share = built.loc[built["region_id"] == region_id, "run"].nunique() / 12
        assert layer[region_id] == pytest.approx(share)
    prob = result.probability["probability"]
    assert ((prob >= 0) & (prob <= 1)).all()
    # where B wins, electricity is below 5,000 MWh/GWh
    b_runs = set(built.loc[built["region_id"] == "B", "run"])
    low_e = set(
        result.samples.loc[result.samples["battery.electricity_mwh_per_unit"] < 5000, "run"]
    )
    assert b_runs == low_e
    summary = result.summary.loc["total_annual_cost"]
    assert summary["n"] == 12 and summary["min"] <= summary["p50"] <= summary["max"]


def test_monte_carlo_reproducible(tiny):
    scenario, data, tech = tiny
    first = monte_carlo(scenario, 6, 11, data, tech, executor=SerialExecutor())
    again = monte_carlo(scenario, 6, 11, data, tech, executor=SerialExecutor(reuse=False))
    pd.testing.assert_frame_equal(first.samples, again.samples)
    pd.testing.assert_frame_equal(first.runs, again.runs, check_exact=False, rtol=1e-9)
    pd.testing.assert_frame_equal(first.probability, again.probability)
    other = monte_carlo(scenario, 6, 12, data, tech, executor=SerialExecutor())
    assert not np.allclose(
        first.samples["battery.capex_usd_per_unit"], other.samples["battery.capex_usd_per_unit"]
    )
