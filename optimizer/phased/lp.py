"""A small sparse-matrix builder for MILPs held directly in HiGHS.

The phased model has ten times the snapshot's columns; building it as arrays (rather than PuLP
expressions) keeps the build well under a second and gives the column and row positions that
re-solves patch (costs, bounds, coefficients) without rebuilding.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

import highspy
import numpy as np

INF = highspy.kHighsInf


@dataclass
class LpBuilder:
    """Columns and rows keyed by hashable ids; entries collected as (row, col, value) triples."""

    col_keys: list[Hashable] = field(default_factory=list)
    col_cost: list[float] = field(default_factory=list)
    col_lower: list[float] = field(default_factory=list)
    col_upper: list[float] = field(default_factory=list)
    integer: list[bool] = field(default_factory=list)
    row_keys: list[Hashable] = field(default_factory=list)
    row_lower: list[float] = field(default_factory=list)
    row_upper: list[float] = field(default_factory=list)
    entry_row: list[int] = field(default_factory=list)
    entry_col: list[int] = field(default_factory=list)
    entry_value: list[float] = field(default_factory=list)
    offset: float = 0.0
    """Constant added to the objective."""

    def col(
        self,
        key: Hashable,
        cost: float = 0.0,
        lower: float = 0.0,
        upper: float = INF,
        *,
        binary: bool = False,
    ) -> int:
        """Add a column; return its position."""
        self.col_keys.append(key)
        self.col_cost.append(float(cost))
        self.col_lower.append(float(lower))
        self.col_upper.append(1.0 if binary else float(upper))
        self.integer.append(binary)
        return len(self.col_keys) - 1

    def cols(self, keys: Sequence[Hashable], costs: Sequence[float]) -> range:
        """Add continuous columns in [0, ∞) with these costs; return their positions."""
        start, n = len(self.col_keys), len(keys)
        self.col_keys.extend(keys)
        self.col_cost.extend(float(c) for c in costs)
        self.col_lower.extend([0.0] * n)
        self.col_upper.extend([INF] * n)
        self.integer.extend([False] * n)
        return range(start, start + n)

    def row(
        self,
        key: Hashable,
        terms: Sequence[tuple[int, float]],
        lower: float = -INF,
        upper: float = INF,
    ) -> int:
        """Add ``lower <= Σ value·x[col] <= upper``; return its position."""
        i = len(self.row_keys)
        self.row_keys.append(key)
        self.row_lower.append(float(lower))
        self.row_upper.append(float(upper))
        for col, value in terms:
            if value != 0.0:
                self.entry_row.append(i)
                self.entry_col.append(col)
                self.entry_value.append(float(value))
        return i

    def add_cost(self, col: int, cost: float) -> None:
        """Add ``cost`` to a column's objective coefficient."""
        self.col_cost[col] += float(cost)

    def arrays(self) -> dict[str, np.ndarray]:
        """The model as numpy arrays (entries sorted column-major; ``offset`` a 0-d array)."""
        rows = np.asarray(self.entry_row, dtype=np.int32)
        cols = np.asarray(self.entry_col, dtype=np.int32)
        values = np.asarray(self.entry_value, dtype=float)
        order = np.lexsort((rows, cols))
        return {
            "col_cost": np.asarray(self.col_cost, dtype=float),
            "col_lower": np.asarray(self.col_lower, dtype=float),
            "col_upper": np.asarray(self.col_upper, dtype=float),
            "integer": np.asarray(self.integer, dtype=bool),
            "row_lower": np.asarray(self.row_lower, dtype=float),
            "row_upper": np.asarray(self.row_upper, dtype=float),
            "entry_row": rows[order],
            "entry_col": cols[order],
            "entry_value": values[order],
            "offset": np.asarray(self.offset, dtype=float),
        }


def to_highs(arrays: dict[str, np.ndarray], highs: highspy.Highs | None = None) -> highspy.Highs:
    """Pass the model to a (new) HiGHS object, minimising."""
    highs = highs or highspy.Highs()
    lp = highspy.HighsLp()
    n_col, n_row = len(arrays["col_cost"]), len(arrays["row_lower"])
    lp.num_col_, lp.num_row_ = n_col, n_row
    lp.offset_ = float(arrays["offset"])
    lp.col_cost_ = arrays["col_cost"]
    lp.col_lower_ = arrays["col_lower"]
    lp.col_upper_ = arrays["col_upper"]
    lp.row_lower_ = arrays["row_lower"]
    lp.row_upper_ = arrays["row_upper"]
    counts = np.bincount(arrays["entry_col"], minlength=n_col)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    lp.a_matrix_.index_ = arrays["entry_row"]
    lp.a_matrix_.value_ = arrays["entry_value"]
    lp.integrality_ = [
        highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
        for i in arrays["integer"]
    ]
    highs.passModel(lp)
    return highs
