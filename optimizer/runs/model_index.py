"""Where each variable and constraint of a compiled siting model sits in HiGHS.

PuLP numbers the columns (``var.index``) and rows (``constraint.index``) when it transfers a
:class:`~optimizer.model.milp.ClusterModel` to HiGHS; :class:`ModelIndex` keeps the maps from
real ids (sites, lanes, nodes, minerals) to those positions, the starting costs and bounds, and
the matrix entries a run may change (scale limits, jobs per unit, bill of materials, expansion
limits), so that runs can be patched in and read back without PuLP.
"""

from __future__ import annotations

import highspy
import numpy as np
import pandas as pd

from ..model.milp import ClusterModel

KIND_MAX, KIND_MIN, KIND_JOBS, KIND_BOM, KIND_EXP = 0, 1, 2, 3, 4
"""Kinds of patchable matrix entries: max scale, min scale, jobs per unit, bill of materials,
expansion limit."""


class ModelIndex:
    """Column, row and entry positions of a ClusterModel transferred to HiGHS.

    Args:
        model: the built PuLP model, after PuLP has numbered its columns and rows.
        lp: the HiGHS LP it was transferred to.
    """

    def __init__(self, model: ClusterModel, lp: highspy.HighsLp) -> None:
        self.inputs = model.inputs
        self.n_col, self.n_row = int(lp.num_col_), int(lp.num_row_)
        self.col_cost0 = np.asarray(lp.col_cost_, dtype=float)
        self.col_lower0 = np.asarray(lp.col_lower_, dtype=float)
        self.col_upper0 = np.asarray(lp.col_upper_, dtype=float)
        self.row_lower0 = np.asarray(lp.row_lower_, dtype=float)
        self.row_upper0 = np.asarray(lp.row_upper_, dtype=float)
        self._cols = np.arange(self.n_col, dtype=np.int32)
        self._rows = np.arange(self.n_row, dtype=np.int32)
        self._summary_memo: tuple | None = None
        """The last (solution, summary arrays) of ``optimizer.runs.payload.summarize``."""

        self.sites: list[tuple[str, str]] = list(model.open)
        self.site_index = pd.MultiIndex.from_tuples(self.sites, names=["region_id", "cluster_type"])
        self.site_set = set(self.sites)
        self.site_pos = {key: i for i, key in enumerate(self.sites)}
        self.open_idx = np.array([model.open[s].index for s in self.sites], dtype=np.int64)
        self.cap_idx = np.array([model.capacity[s].index for s in self.sites], dtype=np.int64)
        self.exp_sites: list[tuple[str, str]] = list(model.expansion)
        self.exp_index = pd.MultiIndex.from_tuples(
            self.exp_sites, names=["region_id", "cluster_type"]
        )
        self.exp_set = set(self.exp_sites)
        self.exp_open_idx = np.array(
            [model.expand_open[s].index for s in self.exp_sites], dtype=np.int64
        )
        self.exp_cap_idx = np.array(
            [model.expansion[s].index for s in self.exp_sites], dtype=np.int64
        )
        self.exp_row = np.array(
            [model.constraints["expansion_limit"][s].index for s in self.exp_sites], dtype=np.int64
        )
        self.room_keys = list(model.constraints.get("room", {}))
        self.room_set = set(self.room_keys)
        self.room_row = np.array(
            [model.constraints["room"][s].index for s in self.room_keys], dtype=np.int64
        )
        self.ship_keys = list(model.ship)
        self.ship_index = pd.MultiIndex.from_tuples(
            self.ship_keys, names=["source_id", "mineral", "region_id"]
        )
        self.ship_set = set(self.ship_keys)
        self.ship_idx = np.array([model.ship[s].index for s in self.ship_keys], dtype=np.int64)
        self.groups = sorted({(r, m) for _s, m, r in self.ship_keys})
        group_of = {g: i for i, g in enumerate(self.groups)}
        self.group_of = group_of
        self.ship_group = np.array(
            [group_of[(r, m)] for _s, m, r in self.ship_keys], dtype=np.int64
        )
        self.types = list(model.shortfall)
        self.shortfall_idx = np.array(
            [model.shortfall[k].index for k in self.types], dtype=np.int64
        )
        self.target_row = np.array(
            [model.constraints["target"][k].index for k in self.types], dtype=np.int64
        )
        self.unsupplied_keys = list(model.unsupplied)
        self.unsupplied_idx = np.array(
            [model.unsupplied[key].index for key in self.unsupplied_keys], dtype=np.int64
        )
        self.balance_row = np.array(
            [model.constraints["mineral_balance"][key].index for key in self.unsupplied_keys],
            dtype=np.int64,
        )
        self.balance_set = set(self.unsupplied_keys)
        self.source_keys = list(model.constraints.get("source_limit", {}))
        self.source_row = np.array(
            [model.constraints["source_limit"][key].index for key in self.source_keys],
            dtype=np.int64,
        )
        self.labor_keys = list(model.constraints.get("labor", {}))
        self.labor_index = pd.Index(self.labor_keys, name="region_id")  # one pool per region
        self.labor_row = np.array(
            [model.constraints["labor"][key].index for key in self.labor_keys], dtype=np.int64
        )
        self.gap_keys = list(model.share_gap)
        self.gap_idx = np.array([model.share_gap[m].index for m in self.gap_keys], dtype=np.int64)
        self.max_row = np.array(
            [model.constraints["max_scale"][s].index for s in self.sites], dtype=np.int64
        )
        min_rows = model.constraints.get("min_scale", {})
        self.min_row = np.array(
            [min_rows[s].index if s in min_rows else -1 for s in self.sites], dtype=np.int64
        )
        self.deliver_keys = list(model.deliver)
        self.deliver_index = pd.MultiIndex.from_tuples(
            self.deliver_keys, names=["region_id", "cluster_type", "node_id"]
        )
        self.deliver_set = set(self.deliver_keys)
        self.deliver_idx = np.array([model.deliver[k].index for k in self.deliver_keys], dtype=int)
        self.node_keys = list(model.imported)
        self.imported_idx = np.array([model.imported[j].index for j in self.node_keys], dtype=int)
        self.market_row = np.array(
            [model.constraints["market"][j].index for j in self.node_keys], dtype=np.int64
        )
        self.output_keys = list(model.constraints.get("output", {}))
        self.output_index = pd.MultiIndex.from_tuples(
            self.output_keys, names=["region_id", "cluster_type"]
        )
        self.output_row = np.array(
            [model.constraints["output"][k].index for k in self.output_keys], dtype=np.int64
        )
        self.import_types = list(model.constraints.get("imports", {}))
        self.imports_row = np.array(
            [model.constraints["imports"][k].index for k in self.import_types], dtype=np.int64
        )
        self.cluster_rows = {
            k: row.index for k, row in model.constraints.get("max_clusters", {}).items()
        }
        self.share_rows = [
            row.index for row in model.constraints.get("domestic_share", {}).values()
        ]
        self._build_entries(lp)

    def _build_entries(self, lp: highspy.HighsLp) -> None:
        """Matrix entries a variant may change: (row, col, kind, site, mineral)."""
        matrix = lp.a_matrix_
        start = np.asarray(matrix.start_)
        index = np.asarray(matrix.index_)
        value = np.asarray(matrix.value_)
        major = np.repeat(np.arange(len(start) - 1), np.diff(start))
        if matrix.format_ == highspy.MatrixFormat.kRowwise:
            entries = dict(
                zip(zip(major.tolist(), index.tolist(), strict=True), value, strict=True)
            )
        else:
            entries = dict(
                zip(zip(index.tolist(), major.tolist(), strict=True), value, strict=True)
            )
        rows, cols, kinds, sites, minerals = [], [], [], [], []
        labor_row = dict(zip(self.labor_keys, self.labor_row.tolist(), strict=True))
        balance_row = dict(zip(self.unsupplied_keys, self.balance_row.tolist(), strict=True))
        self.minerals = sorted({m for _r, m in self.unsupplied_keys})
        mineral_pos = {m: i for i, m in enumerate(self.minerals)}

        def add(row: int, col: int, kind: int, site: int, mineral: int = -1) -> None:
            rows.append(row)
            cols.append(col)
            kinds.append(kind)
            sites.append(site)
            minerals.append(mineral)

        n = len(self.sites)
        for i in range(len(self.sites)):
            add(self.max_row[i], self.open_idx[i], KIND_MAX, i)
            if self.min_row[i] >= 0:
                add(self.min_row[i], self.open_idx[i], KIND_MIN, i)
        # capacity columns: greenfield sites are 0..n-1, expansions n..n+len(exp_sites)-1
        columns = [
            *zip(self.sites, self.cap_idx, strict=True),
            *zip(self.exp_sites, self.exp_cap_idx, strict=True),
        ]
        for i, (key, col) in enumerate(columns):
            if key[0] in labor_row:  # a region whose pool cannot bind may have no row
                add(labor_row[key[0]], col, KIND_JOBS, i)
            for mineral in self.minerals:
                row = balance_row.get((key[0], mineral))
                if row is not None and (row, col) in entries:
                    add(row, col, KIND_BOM, i, mineral_pos[mineral])
        for j, _key in enumerate(self.exp_sites):
            add(self.exp_row[j], self.exp_open_idx[j], KIND_EXP, n + j)
        self.coef_row = np.array(rows, dtype=np.int64)
        self.coef_col = np.array(cols, dtype=np.int64)
        self.coef_kind = np.array(kinds, dtype=np.int64)
        self.coef_site = np.array(sites, dtype=np.int64)
        self.coef_mineral = np.array(minerals, dtype=np.int64)
        self.coef0 = np.array(
            [entries[(r, c)] for r, c in zip(rows, cols, strict=True)], dtype=float
        )
        self.coef_current = self.coef0.copy()
        self.bom_entries = {
            (int(s), self.minerals[m])
            for s, m, k in zip(self.coef_site, self.coef_mineral, self.coef_kind, strict=True)
            if k == KIND_BOM
        }
        self.column_keys = [*self.sites, *self.exp_sites]
        """Keys of the capacity columns that ``coef_site`` numbers (greenfield, then expansion)."""
