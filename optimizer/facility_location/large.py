"""Capacitated facility location with thousands of sites: Lagrangian bound, heuristics, penalty
fixing and a search over what is left, with the gap proven.

1. **Bound.** The Lagrangian relaxation of the demand rows (:mod:`.lagrangian`), its multipliers
   improved by the volume algorithm.
2. **Upper bounds.** The site sets the Lagrangian subproblem opens, costed by the transportation
   LP, then improved by drop / add / swap local search (:mod:`.allocation`).
3. **Penalty fixing.** A site whose bound with it forced open (closed) reaches the incumbent's cost
   less the target gap is fixed closed (open): every solution that breaks the fixing costs at
   least that bound, and the smallest such bound (the *floor*) is part of the proof.
4. **Search over the rest**, either
   - ``"branch"``: Lagrangian branch-and-bound on the free sites (:mod:`.branch`), or
   - ``"mip"``: HiGHS on the free sites (the kernel, :mod:`.kernel`), started from the incumbent
     after a first restricted MIP on the free sites that the subgradient iterations opened.
   The proven lower bound is ``min(floor, the search's bound)``, so the gap holds for the whole
   problem.

:func:`solve_cflp` takes :class:`CFLPData`; :func:`solve_cost_matrix` takes the pandas inputs of
:func:`~optimizer.facility_location.from_cost_matrix`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..status import SolveStatus
from .allocation import Allocation, Evaluator, check_all_open, local_search
from .branch import branch_and_bound
from .data import CFLPData, from_frames
from .kernel import restricted_mip
from .lagrangian import evaluate, fixes, forced_bounds, initial_multipliers, volume

PROOFS = ("auto", "branch", "mip")
GAP_TOL = 1e-9
"""The smallest relative gap searched for: a target of 0 means this (rounding in the bounds)."""


@dataclass(frozen=True)
class CFLPOptions:
    """How :func:`solve_cflp` searches.

    Attributes:
        mip_gap: relative gap to prove, (upper − lower) / upper (at least :data:`GAP_TOL`).
        time_limit_s: wall-clock limit for the whole solve [s].
        threads: HiGHS threads (transportation LPs and restricted MIPs).
        proof: ``"branch"`` (Lagrangian branch-and-bound), ``"mip"`` (HiGHS restricted MIP) or
            ``"auto"`` (the MIP when the free sites have at most ``mip_max_columns`` pairs).
        root_iterations: volume iterations at the root (in two rounds, upper bounds between).
        node_iterations: volume iterations per branch-and-bound node.
        local_search_s: the longest one local search may run [s].
        mip_max_columns: ``"auto"`` limit on the restricted MIP's x columns.
        highs_options: further HiGHS options for the restricted MIPs.
    """

    mip_gap: float = 1e-4
    time_limit_s: float = 60.0
    threads: int = 1
    proof: str = "auto"
    root_iterations: int = 1000
    node_iterations: int = 100
    local_search_s: float = 5.0
    mip_max_columns: int = 20_000
    highs_options: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.proof not in PROOFS:
            raise ValueError(f"proof must be one of {PROOFS}, got {self.proof!r}")
        if not (0 <= self.mip_gap < 1) or self.time_limit_s <= 0:
            raise ValueError("need 0 <= mip_gap < 1 and time_limit_s > 0")


@dataclass(frozen=True)
class CFLPResult:
    """The outcome of :func:`solve_cflp`: the best solution and what is proven about it.

    Attributes:
        status: OPTIMAL when ``gap <= mip_gap`` was proven, else FEASIBLE.
        objective: the best solution's cost, the upper bound [cost units].
        bound: the proven lower bound on the optimum [cost units].
        gap: (objective − bound) / |objective|, proven.
        seconds, cpu_seconds: wall and process CPU time [s].
        open_sites: ids of the open sites; flows: site, customer, amount [demand units].
        method: how the gap was closed: "root" (bound and fixing alone), "branch" or "mip".
        root_bound: the Lagrangian bound before any search [cost units].
        fixed_open, fixed_closed: ids of the sites fixed by the root penalty tests.
        nodes: branch-and-bound nodes (or HiGHS nodes); lps: transportation LPs solved.
        multipliers: the best root multipliers u_j [cost/unit], to warm-start a related solve.
        phases: seconds per phase (root, fixing, search).
        trace: (stage, seconds, lower bound, upper bound) as the solve went; every lower bound
            is proven for the whole problem and every upper bound is a solution's cost.
    """

    status: SolveStatus
    objective: float
    bound: float
    gap: float
    seconds: float
    cpu_seconds: float
    open_sites: tuple
    flows: pd.DataFrame
    method: str
    root_bound: float
    fixed_open: tuple
    fixed_closed: tuple
    nodes: int
    lps: int
    multipliers: np.ndarray
    phases: dict[str, float]
    trace: tuple[tuple[str, float, float, float], ...] = ()


class _Run:
    """State shared by the phases of one solve."""

    def __init__(self, data: CFLPData, options: CFLPOptions):
        self.data = data
        self.options = options
        self.begin = time.perf_counter()
        self.cpu = time.process_time()
        self.deadline = self.begin + options.time_limit_s
        self.evaluator = Evaluator(data, threads=options.threads)
        self.best: Allocation | None = None
        self.phases: dict[str, float] = {}
        self.gap = max(options.mip_gap, GAP_TOL)
        self.trace: list[tuple[str, float, float, float]] = []

    def note(self, stage: str, lower: float) -> None:
        """Record a proven lower bound and the incumbent's cost at this point."""
        upper = self.best.cost
        self.trace.append((stage, time.perf_counter() - self.begin, min(lower, upper), upper))

    def offer(self, sites, *, search: bool = True) -> None:
        """Cost ``sites``; keep it (after local search) if it beats the incumbent."""
        found = self.evaluator(sites)
        if self.best is not None and found.cost >= self.best.cost * (1 - 1e-12):
            return
        if search and found.feasible:
            until = min(self.deadline, time.perf_counter() + self.options.local_search_s)
            found = local_search(self.evaluator, found, deadline=until)
        if self.best is None or found.cost < self.best.cost:
            self.best = found

    def threshold(self) -> float:
        return self.best.cost * (1 - self.gap)


def solve_cflp(
    data: CFLPData, options: CFLPOptions | None = None, *, multipliers: np.ndarray | None = None
) -> CFLPResult:
    """Solve ``data`` to the gap of ``options`` (or until its time limit) and report the proof.

    Args:
        multipliers: start for the Lagrangian multipliers u [cost/unit] (e.g. a previous
            result's ``multipliers`` for a re-solve with changed costs); default: each customer's
            second-cheapest unit cost.

    Raises:
        InfeasibleError: total capacity below demand, or demand no open set can serve.
    """
    options = options or CFLPOptions()
    run = _Run(data, options)
    data.check_feasible()
    if not data.allowed.all():
        check_all_open(run.evaluator)
    m = data.m
    none = np.zeros(m, bool)
    u = initial_multipliers(data) if multipliers is None else np.asarray(multipliers, float)
    if u.shape != (data.n,):
        raise ValueError(f"multipliers must have shape ({data.n},), got {u.shape}")
    _, _, choice, _ = evaluate(data, u, none, none)
    run.offer(np.flatnonzero(choice.y > 0), search=False)
    if not run.best.feasible:
        run.offer(range(m))

    # 1-2: bound and upper bounds, in two rounds
    first = max(options.root_iterations // 3, 1)
    state = volume(
        data, u, run.best.cost, iterations=first, stop_gap=run.gap / 2, deadline=run.deadline
    )
    for sites in state.open_sets[:5]:
        run.offer(sites, search=False)
    run.note("root, first round", state.bound)
    run.best = local_search(
        run.evaluator,
        run.best,
        deadline=min(run.deadline, time.perf_counter() + options.local_search_s),
    )
    state = volume(
        data,
        state.u,
        run.best.cost,
        iterations=options.root_iterations - first,
        stop_gap=run.gap / 2,
        deadline=run.deadline,
    )
    run.note("local search", state.bound)
    for sites in state.open_sets[:5]:
        run.offer(sites)
    root_bound = state.bound
    run.note("root", root_bound)
    run.phases["root"] = time.perf_counter() - run.begin

    # 3: penalty fixing
    mark = time.perf_counter()
    lower = min(root_bound, run.best.cost)
    method, nodes = "root", 0
    fixed_open, fixed_closed = none.copy(), none.copy()
    floor = np.inf
    if lower < run.threshold():
        lo, lc = forced_bounds(data, state, none, none)
        fixed_closed, fixed_open = fixes(lo, run.threshold()), fixes(lc, run.threshold())
        if fixed_closed.any():
            floor = min(floor, float(lo[fixed_closed].min()))
        if fixed_open.any():
            floor = min(floor, float(lc[fixed_open].min()))
        if (fixed_open & fixed_closed).any():
            lower = min(floor, run.best.cost)
        run.note("fixing", min(lower, floor))
    run.phases["fixing"] = time.perf_counter() - mark

    # 4: search over the free sites
    mark = time.perf_counter()
    free = ~(fixed_open | fixed_closed)
    if lower < run.threshold() and free.any():
        proof = options.proof
        if proof == "auto":
            columns = int(data.allowed[free | fixed_open].sum())
            proof = "mip" if columns <= options.mip_max_columns else "branch"
        if proof == "branch":
            outcome = branch_and_bound(
                data,
                run.evaluator,
                run.best,
                state.u,
                root_bound,
                fixed_open,
                fixed_closed,
                gap=run.gap,
                deadline=run.deadline,
                node_iterations=options.node_iterations,
                local_search_s=options.local_search_s,
                report=lambda low, best: run.trace.append(
                    ("branch", time.perf_counter() - run.begin, min(low, floor), best)
                ),
            )
            run.best, nodes = outcome.incumbent, outcome.nodes
            search_bound = outcome.bound
        else:
            search_bound, nodes = _mip_search(run, state, fixed_open, free)
        # both hold: the root bound, and the search's bound with the fixing floor
        lower = max(root_bound, min(floor, search_bound))
        method = proof
    elif not free.any() and lower < run.threshold():
        leaf = run.evaluator(np.flatnonzero(fixed_open))
        if leaf.cost < run.best.cost:
            run.best = leaf
        lower = max(root_bound, min(floor, leaf.cost))
    run.phases["search"] = time.perf_counter() - mark
    run.note("end", lower)
    return _result(run, lower, method, root_bound, fixed_open, fixed_closed, nodes, state.u)


def _mip_search(run: _Run, state, fixed_open: np.ndarray, free: np.ndarray) -> tuple[float, int]:
    """Kernel search then the proof: HiGHS first on the free sites that the subgradient
    iterations opened (and the incumbent's), for an upper bound, then on every free site."""
    options, data = run.options, run.data
    kernel = free & ((state.recent > 0) | run.best.mask(data.m))
    nodes = 0
    if kernel.sum() < free.sum():
        left = run.deadline - time.perf_counter()
        first = restricted_mip(
            data,
            kernel,
            fixed_open,
            start=run.best,
            time_limit_s=left / 3,
            mip_gap=run.gap,
            threads=options.threads,
            highs_options=options.highs_options,
        )
        nodes += first.nodes
        if first.open is not None:
            run.offer(first.open)
    left = run.deadline - time.perf_counter()
    final = restricted_mip(
        data,
        free,
        fixed_open,
        start=run.best,
        time_limit_s=max(left, 0.01),
        mip_gap=run.gap,
        threads=options.threads,
        highs_options=options.highs_options,
    )
    if final.open is not None:
        run.offer(final.open, search=False)
    return final.bound, nodes + final.nodes


def _result(
    run: _Run,
    lower: float,
    method: str,
    root_bound: float,
    fixed_open: np.ndarray,
    fixed_closed: np.ndarray,
    nodes: int,
    u: np.ndarray,
) -> CFLPResult:
    data, best = run.data, run.best
    upper = best.cost
    lower = min(lower, upper)
    gap = (upper - lower) / max(abs(upper), 1e-12)
    rows, cols = np.nonzero(best.x > 0)
    sites = [data.sites[best.open[i]] for i in rows]
    flows = pd.DataFrame(
        {
            "site": sites,
            "customer": [data.customers[j] for j in cols],
            "amount": best.x[rows, cols],
        }
    )
    status = SolveStatus.OPTIMAL if gap <= run.gap * (1 + 1e-9) else SolveStatus.FEASIBLE
    return CFLPResult(
        status=status,
        objective=float(upper),
        bound=float(lower),
        gap=float(gap),
        seconds=time.perf_counter() - run.begin,
        cpu_seconds=time.process_time() - run.cpu,
        open_sites=tuple(data.sites[i] for i in best.open),
        flows=flows,
        method=method,
        root_bound=float(root_bound),
        fixed_open=tuple(data.sites[i] for i in np.flatnonzero(fixed_open)),
        fixed_closed=tuple(data.sites[i] for i in np.flatnonzero(fixed_closed)),
        nodes=nodes,
        lps=run.evaluator.lps,
        multipliers=u,
        phases=dict(run.phases),
        trace=tuple(run.trace),
    )


def solve_cost_matrix(
    fixed_cost: pd.Series,
    capacity: pd.Series,
    demand: pd.Series,
    unit_cost: pd.DataFrame,
    options: CFLPOptions | None = None,
    *,
    multipliers: np.ndarray | None = None,
) -> CFLPResult:
    """:func:`solve_cflp` on the inputs of :func:`~optimizer.facility_location.from_cost_matrix`
    (sites × customers unit costs; NaN or inf = pair not allowed)."""
    return solve_cflp(
        from_frames(fixed_cost, capacity, demand, unit_cost), options, multipliers=multipliers
    )
