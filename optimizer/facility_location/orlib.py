"""Read Beasley's OR-Library capacitated warehouse-location instances and solve them with the core.

The files (``cap41.txt`` … ``cap134.txt``, ``capa.txt``, ``capb.txt``, ``capc.txt``) hold, as
whitespace-separated tokens in which line breaks carry no meaning::

    m n
    capacity_i fixed_cost_i                 (m records)
    demand_j c_1j … c_mj                    (n records)

``c_ij`` is the cost of allocating ALL of customer j's demand to warehouse i, so the per-unit cost
used by :func:`optimizer.facility_location.from_cost_matrix` is ``c_ij / demand_j``. In capa/capb/
capc every capacity token is the literal word ``capacity``; the value comes from the caller (four
variants per file, listed in ``capopt.txt``). Source: J.E. Beasley, OR-Library, "capinfo";
Beasley (1988), EJOR 33, 314-325.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pulp

from ..model.solve import classify
from ..status import SolveStatus
from .core import from_cost_matrix
from .data import CFLPData, from_frames

CAPACITY_PLACEHOLDER = "capacity"


@dataclass(frozen=True)
class CapInstance:
    """One OR-Library capacitated facility-location problem.

    Attributes:
        name: file stem, plus ``-<capacity>`` when the capacity was supplied (e.g. ``capa-8000``),
            which is also the key used by :func:`read_optima`.
        fixed_cost: cost of opening each warehouse ``w1…wm`` [cost units].
        capacity: capacity of each warehouse [demand units].
        demand: demand of each customer ``c1…cn`` [demand units].
        unit_cost: warehouses × customers, cost per unit of demand served [cost units/demand unit].
    """

    name: str
    fixed_cost: pd.Series
    capacity: pd.Series
    demand: pd.Series
    unit_cost: pd.DataFrame

    @property
    def n_sites(self) -> int:
        """Number of warehouses m."""
        return len(self.fixed_cost)

    @property
    def n_customers(self) -> int:
        """Number of customers n."""
        return len(self.demand)


def capacity_label(capacity: float) -> str:
    """The text used for a capacity in instance names and optima keys (8000.0 -> ``8000``)."""
    return f"{capacity:g}"


class _Tokens:
    """Whitespace-separated tokens of a file, each remembered with its 1-based line number."""

    def __init__(self, path: Path, text: str):
        self.path = path
        self.items: list[tuple[str, int]] = [
            (tok, lineno)
            for lineno, line in enumerate(text.splitlines(), 1)
            for tok in line.split()
        ]
        self.pos = 0

    def _where(self, pos: int) -> str:
        if pos < len(self.items):
            return f"token {pos + 1} (line {self.items[pos][1]})"
        return f"token {pos + 1} (past end of file, which has {len(self.items)} tokens)"

    def error(self, message: str, pos: int | None = None) -> ValueError:
        where = self._where(self.pos if pos is None else pos)
        return ValueError(f"{self.path}: {where}: {message}")

    def next(self, what: str, *, placeholder_ok: bool = False) -> float | None:
        """The next token as a finite float, or None for the ``capacity`` placeholder."""
        if self.pos >= len(self.items):
            raise self.error(f"file ends early: expected {what}")
        tok = self.items[self.pos][0]
        if placeholder_ok and tok.lower() == CAPACITY_PLACEHOLDER:
            self.pos += 1
            return None
        try:
            value = float(tok)
        except ValueError:
            raise self.error(f"expected {what}, got {tok!r}") from None
        if not math.isfinite(value):
            raise self.error(f"expected a finite {what}, got {tok!r}")
        self.pos += 1
        return value

    def count(self, what: str) -> int:
        """The next token as a positive integer."""
        value = self.next(what)
        assert value is not None
        if value != int(value) or value < 1:
            raise self.error(f"expected a positive integer {what}, got {value:g}", self.pos - 1)
        return int(value)


def read_cap(path: str | Path, capacity: float | None = None) -> CapInstance:
    """Read an OR-Library ``cap*.txt`` file.

    Args:
        path: the instance file.
        capacity: capacity of every warehouse [demand units]. Required when the file has the
            ``capacity`` placeholder (capa/capb/capc); if given for a file with numeric
            capacities it replaces them. Either way the instance name gets ``-<capacity>``.

    Raises:
        ValueError: naming the file and token position, on a malformed file, a negative value,
            or a placeholder capacity without ``capacity``.
    """
    path = Path(path)
    toks = _Tokens(path, path.read_text(encoding="utf-8"))
    m = toks.count("number of warehouses m")
    n = toks.count("number of customers n")
    if capacity is not None and not (math.isfinite(capacity) and capacity >= 0):
        raise ValueError(f"{path}: capacity argument must be finite and >= 0, got {capacity!r}")

    capacities: list[float] = []
    fixed: list[float] = []
    placeholder_at: int | None = None
    for i in range(m):
        pos = toks.pos
        cap = toks.next(f"capacity of warehouse {i + 1}", placeholder_ok=True)
        if cap is None:
            placeholder_at = pos if placeholder_at is None else placeholder_at
            cap = math.nan
        elif cap < 0:
            raise toks.error(f"negative capacity {cap:g} for warehouse {i + 1}", pos)
        capacities.append(cap)
        pos = toks.pos
        f = toks.next(f"fixed cost of warehouse {i + 1}")
        assert f is not None
        if f < 0:
            raise toks.error(f"negative fixed cost {f:g} for warehouse {i + 1}", pos)
        fixed.append(f)
    if placeholder_at is not None and capacity is None:
        raise ValueError(
            f"{path}: {toks._where(placeholder_at)}: capacity is the placeholder word "
            f"{CAPACITY_PLACEHOLDER!r}; pass capacity=... (e.g. one of the values in capopt.txt)"
        )

    demand: list[float] = []
    alloc: list[list[float]] = []  # alloc[j][i]: cost of ALL of j's demand at i
    for j in range(n):
        pos = toks.pos
        d = toks.next(f"demand of customer {j + 1}")
        assert d is not None
        if d < 0:
            raise toks.error(f"negative demand {d:g} for customer {j + 1}", pos)
        demand.append(d)
        row = []
        for i in range(m):
            pos = toks.pos
            c = toks.next(f"allocation cost of customer {j + 1} to warehouse {i + 1}")
            assert c is not None
            if c < 0:
                raise toks.error(f"negative allocation cost {c:g}", pos)
            row.append(c)
        alloc.append(row)

    if toks.pos < len(toks.items):
        raise toks.error(
            f"unexpected extra token {toks.items[toks.pos][0]!r}: m={m}, n={n} needs "
            f"2 + 2m + n(1+m) = {toks.pos} tokens, the file has {len(toks.items)}"
        )

    sites = [f"w{i + 1}" for i in range(m)]
    customers = [f"c{j + 1}" for j in range(n)]
    name = path.stem
    if capacity is not None:
        capacities = [float(capacity)] * m
        name = f"{name}-{capacity_label(capacity)}"
    d = np.asarray(demand, dtype=float)
    # Per unit of demand; a zero-demand customer needs nothing, so its unit cost is irrelevant: 0.
    per_unit = np.asarray(alloc, dtype=float).T / np.where(d > 0, d, 1.0)
    per_unit[:, d == 0] = 0.0
    unit_cost = pd.DataFrame(per_unit, index=sites, columns=customers)
    return CapInstance(
        name=name,
        fixed_cost=pd.Series(fixed, index=sites, name="fixed_cost", dtype=float),
        capacity=pd.Series(capacities, index=sites, name="capacity", dtype=float),
        demand=pd.Series(d, index=customers, name="demand"),
        unit_cost=unit_cost,
    )


_OPT_LINE = re.compile(
    r"^\s*(?P<name>cap\w*)?\s*(?P<value>\d+(?:\.\d*)?)\s*"
    r"(?:\(\s*capacity\s+(?P<cap>\d+(?:\.\d*)?)\s*\))?\s*$",
    re.IGNORECASE,
)


def read_optima(path: str | Path) -> dict[str, float]:
    """Published optima from OR-Library's ``capopt.txt`` [cost units].

    Keys are the instance names of :func:`read_cap`: ``cap41`` … ``cap134`` and, for the files
    with several capacities, ``<file>-<capacity>`` (e.g. ``capa-8000``). A line holding only a
    value and ``(capacity N)`` continues the file named on an earlier line. Header and note
    lines are ignored; a line that starts with ``cap`` but does not parse is an error.
    """
    path = Path(path)
    optima: dict[str, float] = {}
    current: str | None = None
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        match = _OPT_LINE.match(line)
        if match is None:
            first = line.split()[0] if line.split() else ""
            if first.lower().startswith("cap") and first.lower() != "capacity":
                raise ValueError(f"{path}: line {lineno}: cannot parse {line.strip()!r}")
            if line.strip() and current is not None and first[:1].isdigit():
                raise ValueError(f"{path}: line {lineno}: cannot parse {line.strip()!r}")
            continue
        name, value, cap = match["name"], float(match["value"]), match["cap"]
        if name is None:
            if current is None or cap is None:
                raise ValueError(f"{path}: line {lineno}: value {value:g} without an instance name")
        else:
            current = name.lower()
        key = current if cap is None else f"{current}-{capacity_label(float(cap))}"
        if key in optima:
            raise ValueError(f"{path}: line {lineno}: {key} listed twice")
        optima[key] = value
    if not optima:
        raise ValueError(f"{path}: no optimal values found")
    return optima


def build_cap(
    instance: CapInstance, *, strong_linking: bool = True
) -> tuple[pulp.LpProblem, pulp.LpAffineExpression]:
    """The PuLP model of ``instance`` (via ``from_cost_matrix``) and its objective [cost units]."""
    problem, fl = from_cost_matrix(
        instance.fixed_cost,
        instance.capacity,
        instance.demand,
        instance.unit_cost,
        strong_linking=strong_linking,
        name=re.sub(r"\W", "_", instance.name),
    )
    return problem, fl.cost


def solve_cap(
    instance: CapInstance,
    solver: str = "highs",
    time_limit_s: float = 300.0,
    mip_gap: float = 1e-9,
    *,
    strong_linking: bool = True,
    require_optimal: bool = True,
) -> tuple[float, float]:
    """Build and solve ``instance``; return (objective [cost units], solve seconds [s]).

    The seconds cover ``problem.solve`` only (model transfer to the solver plus the solve), not
    the PuLP model build. ``solver`` is ``"highs"`` (PuLP's highspy interface) or ``"cbc"``.

    Raises:
        RuntimeError: if no solution was found, or (with ``require_optimal``) the time limit
            stopped the search before ``mip_gap`` was proven.
    """
    problem, _ = build_cap(instance, strong_linking=strong_linking)
    if solver == "highs":
        engine = pulp.HiGHS(msg=False, gapRel=mip_gap, timeLimit=time_limit_s)
    elif solver == "cbc":
        engine = pulp.PULP_CBC_CMD(msg=False, gapRel=mip_gap, timeLimit=time_limit_s)
    else:
        raise ValueError(f"unknown solver {solver!r}; use 'highs' or 'cbc'")
    start = time.perf_counter()
    problem.solve(engine)
    seconds = time.perf_counter() - start
    status = classify(problem)
    if not status.has_solution or (require_optimal and status != SolveStatus.OPTIMAL):
        raise RuntimeError(
            f"{instance.name}: {solver} ended {status.value} after {seconds:.1f} s "
            f"(time limit {time_limit_s:g} s)"
        )
    return float(pulp.value(problem.objective)), seconds


def cap_data(instance: CapInstance) -> CFLPData:
    """The instance as arrays for :func:`optimizer.facility_location.large.solve_cflp`."""
    return from_frames(instance.fixed_cost, instance.capacity, instance.demand, instance.unit_cost)
