"""The large facility-location solver: Lagrangian bound, penalty fixing, search, proven gap.

Hand-worked instances check the pieces (knapsack values, forced bounds, which sites the penalty
tests fix); small random instances, solved by enumerating every open set, check that every bound
is a bound and every proof a proof; the OR-Library files (when present) check the proven optima
against the published ones and against HiGHS on the full model.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from optimizer.facility_location.allocation import Evaluator
from optimizer.facility_location.data import CFLPData, InfeasibleError
from optimizer.facility_location.lagrangian import (
    LagrangianState,
    choose_sites,
    evaluate,
    fixes,
    forced_bounds,
    knapsacks,
    volume,
)
from optimizer.facility_location.large import CFLPOptions, solve_cflp, solve_cost_matrix
from optimizer.facility_location.orlib import read_cap, read_optima, solve_cap
from optimizer.status import SolveStatus

NONE3 = np.zeros(3, bool)


def _state(data: CFLPData, u) -> LagrangianState:
    """The Lagrangian at fixed multipliers ``u`` (no subgradient steps)."""
    u = np.asarray(u, dtype=float)
    bound, v, choice, _ = evaluate(data, u, np.zeros(data.m, bool), np.zeros(data.m, bool))
    return LagrangianState(u, bound, v, choice, choice.y, choice.y)


def _brute_force(data: CFLPData) -> dict[tuple[int, ...], float]:
    """Cost of every non-empty open set (transportation LP each); +inf where infeasible."""
    evaluator = Evaluator(data)
    return {
        sites: evaluator(sites).cost
        for k in range(1, data.m + 1)
        for sites in itertools.combinations(range(data.m), k)
    }


# --- Example 1: fixing must fire ----------------------------------------------------------------
# Sites A, B, C with capacity 2 each (equal, so the cover row is Σ y ≥ ⌈2 / 2⌉ = 1) and fixed
# costs 1, 1, 10; customers 1 and 2 with demand 1; unit costs A (1, 1), B (2, 2), C (0, 0).
# Open sets: A 1 + 2 = 3, B 1 + 4 = 5, C 10, AB 4, AC 11, BC 11, ABC 12: the optimum is A, 3.
# At u = (2, 2): reduced costs A (−1, −1) → v_A = 1 − 2 = −1; B (0, 0) → v_B = 1; C (−2, −2) →
# v_C = 10 − 4 = 6. A is chosen (v < 0) and covers the row exactly, so π_low = 0 and π_high = the
# cheapest other ratio, 1. L = u·d + v_A = 4 − 1 = 3. Forced open: B 3 + 1 = 4 (true best with B
# open: AB = 4), C 3 + 6 = 9 (true: 10). Forced closed: A 3 + (1 − (−1)) = 5 (true: B = 5).
# With the incumbent A (3) and no gap, every site is fixed: B and C closed, A open.
EXAMPLE1 = CFLPData(
    fixed_cost=np.array([1.0, 1.0, 10.0]),
    capacity=np.array([2.0, 2.0, 2.0]),
    demand=np.array([1.0, 1.0]),
    unit_cost=np.array([[1.0, 1.0], [2.0, 2.0], [0.0, 0.0]]),
    sites=("A", "B", "C"),
)

# --- Example 2: fixing must not fire (an LP gap) ---------------------------------------------------
# One customer with demand 3; sites A, B (capacity 2, fixed cost 1) and C (capacity 3, fixed 1.8);
# unit costs 0. Capacities differ, so the cover row is 2 y_A + 2 y_B + 3 y_C ≥ 3. Open sets: C 1.8,
# AB 2, AC 2.8, BC 2.8, ABC 3.8: the optimum is C, 1.8. The LP opens A and half of B: 1.5.
# At u = 0.5: v_A = v_B = 1 − 2·0.5 = 0, v_C = 1.8 − 3·0.5 = 0.3; greedy by v / w takes A, then
# half of B (ratio 0), so π = 0 and L = 3·0.5 + 0 = 1.5. Forced open C: 1.5 + 0.3 = 1.8, which
# does not exceed the optimum 1.8; forced closed A: 1.5 + (0 − 0) = 1.5. Nothing may be fixed: C is
# the optimum, and A must stay free.
EXAMPLE2 = CFLPData(
    fixed_cost=np.array([1.0, 1.0, 1.8]),
    capacity=np.array([2.0, 2.0, 3.0]),
    demand=np.array([3.0]),
    unit_cost=np.zeros((3, 1)),
    sites=("A", "B", "C"),
)


def test_knapsack_values_by_hand():
    v, rows, cols, amounts = knapsacks(EXAMPLE1, np.array([2.0, 2.0]))
    assert v.tolist() == [-1.0, 1.0, 6.0]
    taken = {(int(i), int(j)): float(a) for i, j, a in zip(rows, cols, amounts, strict=True)}
    assert taken == {(0, 0): 1.0, (0, 1): 1.0, (2, 0): 1.0, (2, 1): 1.0}


def test_knapsack_stops_at_capacity_in_order_of_reduced_cost():
    # one site of capacity 3; customers with demand 2, 2, 2 and reduced costs −1, −3, −2 per unit
    data = CFLPData(np.array([5.0]), np.array([3.0]), np.full(3, 2.0), np.array([[1.0, 2.0, 3.0]]))
    v, _, cols, amounts = knapsacks(data, np.array([2.0, 5.0, 5.0]))
    # takes customer 2 (−3) fully, then 1 unit of customer 3 (−2): 5 − 6 − 2 = −3
    assert v.tolist() == [-3.0]
    assert dict(zip(cols.tolist(), amounts.tolist(), strict=True)) == {1: 2.0, 2: 1.0, 0: 0.0}


def test_choose_sites_duals():
    # cardinality cover Σ y ≥ 2, v = (−1, 3, 1, 2): takes site 0 (v < 0), then site 2 (v 1)
    choice = choose_sites(
        np.array([-1.0, 3.0, 1.0, 2.0]), np.ones(4), 2.0, *[np.zeros(4, bool)] * 2
    )
    assert choice.y.tolist() == [1.0, 0.0, 1.0, 0.0]
    assert (choice.value, choice.pi_low, choice.pi_high) == (0.0, 1.0, 2.0)
    # site 2 fixed closed: site 3 replaces it
    closed = np.array([False, False, True, False])
    choice = choose_sites(
        np.array([-1.0, 3.0, 1.0, 2.0]), np.ones(4), 2.0, np.zeros(4, bool), closed
    )
    assert choice.y.tolist() == [1.0, 0.0, 0.0, 1.0]
    # no cover left at all: +inf
    closed = np.array([False, True, True, True])
    assert choose_sites(np.zeros(4), np.ones(4), 2.0, np.zeros(4, bool), closed).value == np.inf


def test_fixing_fires_by_hand():
    state = _state(EXAMPLE1, [2.0, 2.0])
    assert state.bound == 3.0
    assert (state.choice.pi_low, state.choice.pi_high) == (0.0, 1.0)
    lo, lc = forced_bounds(EXAMPLE1, state, NONE3, NONE3)
    assert lo.tolist() == [3.0, 4.0, 9.0]
    assert lc.tolist() == [5.0, 3.0, 3.0]
    assert fixes(lo, 3.0).tolist() == [False, True, True]  # B and C closed
    assert fixes(lc, 3.0).tolist() == [True, False, False]  # A open
    # each forced bound is below the true best with the site forced (enumerated)
    costs = _brute_force(EXAMPLE1)
    for i in range(3):
        assert lo[i] <= min(c for s, c in costs.items() if i in s)
        assert lc[i] <= min(c for s, c in costs.items() if i not in s)


def test_fixing_must_not_fire_by_hand():
    state = _state(EXAMPLE2, [0.5])
    assert state.bound == pytest.approx(1.5)
    assert state.choice.y.tolist() == [1.0, 0.5, 0.0]
    lo, lc = forced_bounds(EXAMPLE2, state, NONE3, NONE3)
    assert lo.tolist() == pytest.approx([1.5, 1.5, 1.8])
    assert lc.tolist() == pytest.approx([1.5, 1.5, 1.5])
    assert not fixes(lo, 1.8).any()
    assert not fixes(lc, 1.8).any()


@pytest.mark.parametrize("proof", ["branch", "mip"])
def test_solver_closes_an_lp_gap(proof):
    result = solve_cflp(EXAMPLE2, CFLPOptions(mip_gap=0.0, proof=proof))
    assert result.status == SolveStatus.OPTIMAL
    assert result.objective == pytest.approx(1.8)
    assert result.bound == pytest.approx(1.8)
    assert result.open_sites == ("C",)
    assert result.root_bound <= 1.5 + 1e-9  # the Lagrangian bound is the LP's
    assert result.method == proof
    assert "A" not in result.fixed_open and "C" not in result.fixed_closed


def test_solver_stops_at_the_root_when_the_bound_meets_the_incumbent():
    result = solve_cflp(EXAMPLE1, CFLPOptions(mip_gap=0.0))
    assert (result.status, result.open_sites, result.method) == (
        SolveStatus.OPTIMAL,
        ("A",),
        "root",
    )
    assert result.objective == pytest.approx(3.0)
    assert result.bound == pytest.approx(3.0)
    flows = result.flows.set_index("customer")
    assert flows["site"].tolist() == ["A", "A"]
    assert flows["amount"].sum() == pytest.approx(2.0)


# --- random small instances against enumeration ------------------------------------------------
def _random_instance(seed: int, equal: bool) -> CFLPData:
    rng = np.random.default_rng(seed)
    m, n = 6, 8
    demand = rng.integers(1, 10, n).astype(float)
    total = demand.sum()
    if equal:
        capacity = np.full(m, np.ceil(total / rng.uniform(1.5, 3.5)))
    else:
        capacity = np.ceil(rng.uniform(0.2, 0.7, m) * total)
    sites_xy, cust_xy = rng.uniform(0, 10, (m, 2)), rng.uniform(0, 10, (n, 2))
    unit = np.linalg.norm(sites_xy[:, None] - cust_xy[None], axis=2)
    fixed = rng.uniform(5, 30, m).round(1)
    return CFLPData(fixed, capacity, demand, unit.round(2))


CASES = [(seed, equal) for seed in range(6) for equal in (True, False)]


@pytest.mark.parametrize(("seed", "equal"), CASES)
def test_bounds_are_bounds_on_random_instances(seed, equal):
    data = _random_instance(seed, equal)
    costs = _brute_force(data)
    optimum = min(costs.values())
    tol = 1e-7 * optimum
    rng = np.random.default_rng(100 + seed)
    none = np.zeros(data.m, bool)
    for _ in range(20):  # the Lagrangian bound holds at any multipliers
        u = rng.uniform(-2, 15, data.n)
        assert evaluate(data, u, none, none)[0] <= optimum + tol
    state = volume(data, rng.uniform(0, 5, data.n), optimum, iterations=300, stop_gap=0.0)
    assert state.bound <= optimum + tol
    lo, lc = forced_bounds(data, state, none, none)
    for i in range(data.m):
        assert lo[i] <= min(c for s, c in costs.items() if i in s) + tol
        assert lc[i] <= min((c for s, c in costs.items() if i not in s), default=np.inf) + tol
    # with the optimum as the incumbent and no gap, no fixing contradicts a unique optimum
    best = [s for s, c in costs.items() if c <= optimum + tol]
    if len(best) == 1:
        opened = set(best[0])
        assert not any(fixes(lo, optimum)[i] for i in opened)
        assert not any(fixes(lc, optimum)[i] for i in set(range(data.m)) - opened)


@pytest.mark.parametrize("proof", ["branch", "mip"])
@pytest.mark.parametrize(("seed", "equal"), CASES)
def test_proven_optimum_on_random_instances(seed, equal, proof):
    data = _random_instance(seed, equal)
    optimum = min(_brute_force(data).values())
    result = solve_cflp(data, CFLPOptions(mip_gap=0.0, proof=proof, root_iterations=150))
    assert result.status == SolveStatus.OPTIMAL
    assert result.objective == pytest.approx(optimum, rel=1e-7)
    assert result.bound <= optimum * (1 + 1e-7)
    assert result.root_bound <= optimum * (1 + 1e-7)
    for stage, _, lower, upper in result.trace:  # bound ≤ optimum ≤ incumbent at every stage
        assert lower <= optimum * (1 + 1e-7), stage
        assert upper >= optimum * (1 - 1e-7), stage
    served = result.flows.groupby("customer")["amount"].sum()
    assert np.allclose(served.sort_index().to_numpy(), data.demand)
    load = result.flows.groupby("site")["amount"].sum()
    assert (load <= data.capacity[list(load.index)] + 1e-6).all()


def test_a_gap_is_proven_not_assumed():
    # a 1 % target: the incumbent is within 1 % of the optimum, and the bound proves it
    data = _random_instance(3, True)
    optimum = min(_brute_force(data).values())
    result = solve_cflp(data, CFLPOptions(mip_gap=0.01))
    assert result.bound <= optimum * (1 + 1e-9) <= result.objective * (1 + 1e-9)
    assert result.gap <= 0.01
    assert result.objective <= optimum * 1.01 * (1 + 1e-9)


# --- failures on purpose --------------------------------------------------------------------------
def test_infeasible_total_capacity_fails_clearly():
    data = CFLPData(np.ones(2), np.array([3.0, 4.0]), np.array([5.0, 5.0]), np.ones((2, 2)))
    with pytest.raises(InfeasibleError, match="total capacity 7 is below total demand 10"):
        solve_cflp(data)


def test_infeasible_sparse_pairs_fail_clearly():
    # customer 1 may only use site 0, whose capacity 2 is below its demand 3
    cost = np.array([[1.0, 1.0], [np.inf, 1.0]])
    data = CFLPData(np.ones(2), np.array([2.0, 9.0]), np.array([3.0, 1.0]), cost)
    with pytest.raises(InfeasibleError, match="lack the capacity"):
        solve_cflp(data)
    # each customer alone fits, but not together: found by the all-open allocation LP
    cost = np.array([[1.0, 1.0], [np.inf, np.inf]])
    data = CFLPData(np.ones(2), np.array([3.0, 9.0]), np.array([2.0, 2.0]), cost)
    with pytest.raises(InfeasibleError, match="every site open"):
        solve_cflp(data)


def test_bad_inputs_fail_clearly():
    with pytest.raises(ValueError, match="shapes"):
        CFLPData(np.ones(2), np.ones(2), np.ones(3), np.ones((2, 2)))
    with pytest.raises(ValueError, match="unit_cost"):
        CFLPData(np.ones(1), np.ones(1), np.ones(1), np.array([[np.nan]]))
    with pytest.raises(ValueError, match="proof"):
        CFLPOptions(proof="guess")


def test_cost_matrix_interface_keeps_ids_and_skips_missing_pairs():
    fixed = pd.Series({"north": 10.0, "south": 12.0})
    capacity = pd.Series({"north": 5.0, "south": 5.0})
    demand = pd.Series({"a": 3.0, "b": 4.0})
    # north cannot serve b (NaN); so both open: 22 + a at north 3·1 + b at south 4·2 = 33
    unit = pd.DataFrame({"a": [1.0, 1.5], "b": [np.nan, 2.0]}, index=["north", "south"])
    result = solve_cost_matrix(fixed, capacity, demand, unit, CFLPOptions(mip_gap=0.0))
    assert result.objective == pytest.approx(33.0)
    assert set(result.open_sites) == {"north", "south"}
    assert not ((result.flows["site"] == "north") & (result.flows["customer"] == "b")).any()


def test_multipliers_warm_start_a_related_solve():
    data = _random_instance(1, True)
    first = solve_cflp(data, CFLPOptions(mip_gap=0.0))
    again = solve_cflp(data, CFLPOptions(mip_gap=0.0), multipliers=first.multipliers)
    assert again.objective == pytest.approx(first.objective)
    assert again.root_bound >= first.root_bound - 1e-6 * abs(first.root_bound)


# --- OR-Library (needs the benchmark files) ------------------------------------------------------
def _orlib_dir() -> Path:
    env = os.environ.get("CLUSTERSITE_ORLIB_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "orlib-cap"


SMALL = [
    *(f"cap{k}" for k in (41, 42, 43, 44, 51, 61, 62, 63, 64, 71, 72, 73, 74)),
    *(f"cap{k}" for k in (81, 82, 83, 84, 91, 92, 93, 94, 101, 102, 103, 104)),
    *(f"cap{k}" for k in (111, 112, 113, 114, 121, 122, 123, 124, 131, 132, 133, 134)),
]


@pytest.fixture(scope="module")
def orlib() -> tuple[Path, dict[str, float]]:
    root = _orlib_dir()
    if not (root / "capopt.txt").is_file():
        pytest.skip(f"OR-Library CAP files not found at {root} (set CLUSTERSITE_ORLIB_DIR)")
    return root, read_optima(root / "capopt.txt")


def _cap_data(path: Path, capacity: float | None = None) -> CFLPData:
    inst = read_cap(path, capacity)
    return CFLPData(
        inst.fixed_cost.to_numpy(),
        inst.capacity.to_numpy(),
        inst.demand.to_numpy(),
        inst.unit_cost.to_numpy(),
    )


@pytest.mark.parametrize("name", SMALL)
def test_orlib_proven_optimum_equals_published(orlib, name):
    root, optima = orlib
    result = solve_cflp(_cap_data(root / f"{name}.txt"), CFLPOptions(mip_gap=1e-7))
    opt = optima[name]
    assert result.status == SolveStatus.OPTIMAL
    assert abs(result.objective - opt) <= 1e-6 * opt, (name, result.objective, opt)
    assert result.bound <= opt * (1 + 1e-6)


@pytest.mark.parametrize("name", ["cap41", "cap64", "cap84", "cap104", "cap124", "cap134"])
def test_orlib_proven_optimum_equals_highs(orlib, name):
    root, _ = orlib
    path = root / f"{name}.txt"
    direct, _ = solve_cap(read_cap(path), time_limit_s=120.0)
    for proof in ("branch", "mip"):
        result = solve_cflp(_cap_data(path), CFLPOptions(mip_gap=1e-7, proof=proof))
        assert result.status == SolveStatus.OPTIMAL
        assert abs(result.objective - direct) <= 1e-6 * direct, (name, proof)


def test_no_demand_opens_nothing():
    data = CFLPData(np.array([3.0, 4.0]), np.array([5.0, 5.0]), np.zeros(2), np.ones((2, 2)))
    result = solve_cflp(data, CFLPOptions(mip_gap=0.0))
    assert (result.objective, result.bound, result.open_sites) == (0.0, 0.0, ())
    assert result.flows.empty


def test_time_limit_reports_what_is_proven():
    # a larger random instance stopped early (half a second): whatever it reports must still be
    # a bound and a solution, and the status must match the gap
    rng = np.random.default_rng(7)
    m, n = 60, 200
    xy_s, xy_c = rng.uniform(0, 100, (m, 2)), rng.uniform(0, 100, (n, 2))
    demand = rng.integers(5, 40, n).astype(float)
    data = CFLPData(
        rng.uniform(400, 900, m),
        np.full(m, demand.sum() / 6),
        demand,
        np.linalg.norm(xy_s[:, None] - xy_c[None], axis=2) / 10,
    )
    result = solve_cflp(data, CFLPOptions(mip_gap=0.0, time_limit_s=0.5, root_iterations=50_000))
    assert result.bound <= result.objective
    assert result.gap == pytest.approx((result.objective - result.bound) / result.objective)
    assert result.status == (SolveStatus.OPTIMAL if result.gap <= 1e-9 else SolveStatus.FEASIBLE)
    served = result.flows.groupby("customer")["amount"].sum().sort_index()
    assert np.allclose(served.to_numpy(), demand)
