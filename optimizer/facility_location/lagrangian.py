"""Lagrangian lower bound of the capacitated facility-location problem, and penalty fixing.

Relaxing the demand rows ``Σ_i x_ij = d_j`` with multipliers u_j [cost/unit] leaves, for every
site, a continuous knapsack::

    v_i(u) = f_i + min { Σ_j (c_ij − u_j) x_ij : Σ_j x_ij ≤ Q_i, 0 ≤ x_ij ≤ d_j }

(take customers in order of reduced cost while it is negative, up to the capacity), and a choice
of sites ``min Σ_i v_i y_i`` subject to a valid cover row ``Σ_i w_i y_i ≥ W`` (see
:meth:`CFLPData.cover`), solved as an LP (greedy by v_i / w_i; integral for the cardinality row).
``L(u) = Σ_j u_j d_j + Σ_i v_i y_i`` is a lower bound on every feasible solution, for every u.

The multipliers are improved by the volume algorithm (Barahona & Anbil 2000): a subgradient method
whose direction is the violation of an exponentially averaged primal solution, with Polyak steps
toward the best upper bound. Its averaged ``ȳ`` approximates the LP's site openings.

Penalty fixing: the LP duals π of the cover row give, for every free site, a lower bound on L with
the site forced open (``L + v_i − π w_i``) or closed (``L + π w_i − v_i``). A site whose bound
with it forced open reaches the best upper bound can be closed in the search for a better
solution; likewise open.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .data import CFLPData


def knapsacks(
    data: CFLPData, u: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every site's knapsack at multipliers ``u`` [cost/unit].

    Returns:
        v: (m,) f_i + the knapsack's value [cost units];
        rows, cols, amounts: the knapsack solutions, sparse (site, customer, x_ij [units]).
    """
    reduced = data.unit_cost - u[None, :]
    rows, cols = np.nonzero(reduced < 0)
    values = reduced[rows, cols]
    span = float(values.max() - values.min()) + 1.0 if len(values) else 1.0
    if data.m * span < 1e14:
        # sort by site, then by reduced cost: one argsort of a combined key, 3x faster than
        # lexsort (rows stay apart by at least 1, far more than the rounding below 1e14)
        order = np.argsort(rows * span + (values - values.min(initial=0.0)))
    else:
        order = np.lexsort((values, rows))
    rows, cols, values = rows[order], cols[order], values[order]
    want = data.demand[cols]
    total = np.cumsum(want)
    first = np.searchsorted(rows, np.arange(data.m))
    before = np.concatenate([[0.0], total])[first][rows]
    taken_before = total - want - before
    amounts = np.clip(data.capacity[rows] - taken_before, 0.0, want)
    v = data.fixed_cost + np.bincount(rows, weights=values * amounts, minlength=data.m)
    return v, rows, cols, amounts


@dataclass(frozen=True)
class SiteChoice:
    """The LP ``min Σ v_i y_i  s.t.  Σ w_i y_i ≥ W, 0 ≤ y ≤ 1`` with some sites fixed.

    Attributes:
        y: (m,) its solution (at most one fractional entry).
        value: Σ v_i y_i [cost units] (+inf if the fixings leave no cover).
        pi_low, pi_high: the ends of the interval of optimal duals of the cover row [cost/w].
    """

    y: np.ndarray
    value: float
    pi_low: float
    pi_high: float


def choose_sites(
    v: np.ndarray,
    w: np.ndarray,
    need: float,
    fixed_open: np.ndarray,
    fixed_closed: np.ndarray,
) -> SiteChoice:
    """Solve the site-choice LP (greedy by v_i / w_i after the sites with v_i < 0)."""
    free = ~(fixed_open | fixed_closed)
    y = np.where(fixed_open | (free & (v < 0)), 1.0, 0.0)
    rest = need - float(w @ y)
    tol = 1e-9 * max(need, 1.0)
    candidates = np.flatnonzero(free & (y == 0) & (w > 0))
    ratios = v[candidates] / w[candidates]
    order = np.argsort(ratios, kind="stable")
    candidates, ratios = candidates[order], ratios[order]
    if rest < -tol:
        return SiteChoice(y, float(v @ y), 0.0, 0.0)
    if rest <= tol:
        nxt = float(ratios[0]) if len(ratios) else np.inf
        return SiteChoice(y, float(v @ y), 0.0, max(nxt, 0.0))
    weights = w[candidates]
    cum = np.cumsum(weights)
    last = int(np.searchsorted(cum, rest - tol))
    if last >= len(candidates):
        return SiteChoice(y, np.inf, np.inf, np.inf)
    y[candidates[:last]] = 1.0
    filled = float(cum[last - 1]) if last else 0.0
    frac = min((rest - filled) / float(weights[last]), 1.0)
    y[candidates[last]] = frac
    pi_low = float(ratios[last])
    if frac < 1.0 - 1e-12:
        pi_high = pi_low
    else:
        y[candidates[last]] = 1.0
        pi_high = float(ratios[last + 1]) if last + 1 < len(ratios) else np.inf
    return SiteChoice(y, float(v @ y), pi_low, pi_high)


@dataclass
class LagrangianState:
    """The best multipliers found and what they give.

    Attributes:
        u: (n,) multipliers [cost/unit]; bound: L(u) [cost units].
        v: (m,) knapsack values at u; choice: the site-choice LP at u.
        ybar: (m,) the volume algorithm's averaged site openings (approximates the LP's y).
        recent: how often each site was open in the last iterations (m,), for the kernel.
        open_sets: distinct integral site sets seen in the last iterations (for upper bounds).
        iterations: subgradient iterations run in total.
    """

    u: np.ndarray
    bound: float
    v: np.ndarray
    choice: SiteChoice
    ybar: np.ndarray
    recent: np.ndarray
    open_sets: list[tuple[int, ...]] = field(default_factory=list)
    iterations: int = 0


def evaluate(
    data: CFLPData,
    u: np.ndarray,
    fixed_open: np.ndarray,
    fixed_closed: np.ndarray,
) -> tuple[float, np.ndarray, SiteChoice, np.ndarray]:
    """L(u), v, the site choice and the subgradient ``d − Σ_i y_i x_ij`` [units]."""
    w, need = data.cover()
    v, rows, cols, amounts = knapsacks(data, u)
    choice = choose_sites(v, w, need, fixed_open, fixed_closed)
    bound = float(u @ data.demand) + choice.value
    supplied = np.bincount(cols, weights=amounts * choice.y[rows], minlength=data.n)
    return bound, v, choice, data.demand - supplied


def initial_multipliers(data: CFLPData) -> np.ndarray:
    """A start for u: each customer's unit cost at its second-cheapest site [cost/unit]."""
    cost = np.where(data.allowed, data.unit_cost, np.nan)
    if data.m == 1:
        return np.nan_to_num(cost[0], nan=0.0)
    part = np.sort(np.where(np.isnan(cost), np.inf, cost), axis=0)[: min(2, data.m)]
    u = np.where(np.isfinite(part[-1]), part[-1], part[0])
    return np.where(np.isfinite(u), u, 0.0)


def volume(
    data: CFLPData,
    u0: np.ndarray,
    target: float,
    *,
    iterations: int = 1000,
    fixed_open: np.ndarray | None = None,
    fixed_closed: np.ndarray | None = None,
    step: float = 0.1,
    alpha_max: float = 0.1,
    stop_gap: float = 1e-6,
    window: int = 50,
    deadline: float | None = None,
) -> LagrangianState:
    """Improve the multipliers by the volume algorithm, from ``u0`` toward ``target`` [cost].

    Args:
        target: the best known upper bound (Polyak steps aim at it).
        iterations: at most this many subgradient iterations.
        fixed_open, fixed_closed: (m,) bool, sites fixed by penalty tests or branching.
        step: initial step factor λ (grows by 10 % on improving steps that keep the direction,
            shrinks by a third after 20 steps without improvement).
        alpha_max: the largest weight of the newest solution in the primal average.
        stop_gap: stop once (target − bound) / |target| is below this.
        window: iterations whose open sets and counts are kept for the kernel.
        deadline: ``time.perf_counter()`` at which to stop (checked every 10 iterations).
    """
    m = data.m
    fo = np.zeros(m, bool) if fixed_open is None else fixed_open
    fc = np.zeros(m, bool) if fixed_closed is None else fixed_closed
    best_u = np.asarray(u0, dtype=float).copy()
    best, v, choice, g_bar = evaluate(data, best_u, fo, fc)
    ybar = choice.y.copy()
    best_v, best_choice = v, choice
    lam, red = step, 0
    recent = np.zeros(m)
    seen: dict[tuple[int, ...], int] = {}
    scale = max(abs(target), 1.0)
    it = 0
    for it in range(1, iterations + 1):
        if not np.isfinite(best) or (target - best) / scale <= stop_gap:
            break
        if deadline is not None and it % 10 == 0 and time.perf_counter() >= deadline:
            break
        norm = float(g_bar @ g_bar)
        if norm <= 1e-12:
            break
        u = best_u + lam * (target - best) / norm * g_bar
        bound, v, choice, g = evaluate(data, u, fo, fc)
        diff = g - g_bar
        dd = float(diff @ diff)
        a = -float(g_bar @ diff) / dd if dd > 0 else alpha_max
        a = min(max(a, alpha_max / 10), alpha_max)
        g_bar = a * g + (1 - a) * g_bar
        ybar = a * choice.y + (1 - a) * ybar
        if iterations - it < window:
            recent += choice.y
            if np.all((choice.y == 0) | (choice.y == 1)):
                seen[tuple(np.flatnonzero(choice.y).tolist())] = it
        if bound > best:
            if float(g @ g_bar) >= 0:
                lam = min(lam * 1.1, 2.0)
            best, best_u, best_v, best_choice, red = bound, u, v, choice, 0
        else:
            red += 1
            if red >= 20:
                lam, red = lam * 0.66, 0
                if lam < 1e-8:
                    break
    open_sets = sorted(seen, key=seen.get, reverse=True)
    return LagrangianState(
        u=best_u,
        bound=best,
        v=best_v,
        choice=best_choice,
        ybar=ybar,
        recent=recent,
        open_sets=open_sets,
        iterations=it,
    )


def forced_bounds(
    data: CFLPData, state: LagrangianState, fixed_open: np.ndarray, fixed_closed: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Lower bounds [cost units] with each free site forced open, and forced closed.

    From the LP duals of the cover row: forcing a site that the choice leaves closed raises the
    bound by at least ``v_i − π_low w_i``; closing an open one by at least ``π_high w_i − v_i``.
    Fixed sites get the bound itself. A site whose closure leaves no cover gets +inf.
    """
    w, _ = data.cover()
    v, y, bound = state.v, state.choice.y, state.bound
    free = ~(fixed_open | fixed_closed)
    open_pen = np.where(free & (y < 1), np.maximum(v - state.choice.pi_low * w, 0.0), 0.0)
    with np.errstate(invalid="ignore"):
        close = np.where(w > 0, state.choice.pi_high * w - v, -v)
    close_pen = np.where(free & (y > 0), np.maximum(close, 0.0), 0.0)
    return bound + open_pen, bound + close_pen


def fixes(forced: np.ndarray, threshold: float) -> np.ndarray:
    """(m,) bool: the sites whose forced bound exceeds ``threshold`` [cost units].

    Strictly, with a margin of 1e-9 relative, so that rounding never fixes a site of a solution
    that reaches the threshold exactly.
    """
    return forced > threshold + 1e-9 * max(abs(threshold), 1.0)
