"""RegionData: the one typed object that ``regions.load()`` returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
from shapely.geometry.base import BaseGeometry

from .demand import demand_at
from .timeline import VIEW_STATUSES, view_at
from .zones import Zone

COUNTING_PRODUCT = {"battery": "cell", "magnet": "magnet", "solar": "cell"}
"""The product whose capacity counts toward a type's national target. Solar clusters are integrated
cell+module plants, counted at the cell stage (the scarce US stage); module-only plants do not count."""

ACTIVE_STATUSES = ("operating", "under_construction", "announced")


@dataclass(frozen=True)
class RegionData:
    """Regions with geometry, mineral sources, facilities, zones and the citations table.

    Attributes:
        regions: one row per region, indexed by ``region_id``; attribute columns carry units in
            their names (``power_price_usd_per_mwh`` …) plus ``rep_lon``/``rep_lat`` [deg] and
            ``area_km2`` [km²].
        geometry: region polygon (lon/lat) by ``region_id``.
        mineral_sources: one row per (source, mineral), domestic sources and import gateways;
            ``foreign`` is True for gateways, whose ``capacity_t_per_yr`` is NaN (uncapped).
        mineral_prices: indexed by mineral id; ``price_usd_per_t``, ``import_tariff_pct``, ``basis``.
        facilities: every plant, indexed by ``facility_id``, as of its last recorded event:
            ``status`` and ``capacity_std`` (counted) after all events, ``nameplate_std``,
            ``announced_date``, ``first_production_date``, ``evidence_date`` (see
            ``facilities_as_of`` for the view at a date).
        zones: zone by id.
        sources: the citations table (``table, column, region_id, kind, citation, url, vintage``).
        permitting: permitting months per region (low, base, high [months], evidence count,
            basis), indexed by ``region_id``; see ``regions.permitting``.
        permitting_evidence: one row per piece of permitting evidence (``region_id`` blank for
            national evidence), with ``kind``, ``months`` and the citation.
        files: path of every file read, by file name.
        facility_events: dated events per facility (``facility_events.csv``, or events implied
            by ``facilities.csv`` when a user's facilities come without one; ``implied`` True).
        demand: demand nodes, one row per (node, ``as_of`` date): ``node_id, cluster_type,
            region_id, name, weight`` [``weight_unit``], ``kind``, citation, and ``lon``/``lat``
            [deg] (the region's representative point); empty when the dataset has none.
    """

    regions: pd.DataFrame
    geometry: dict[str, BaseGeometry]
    mineral_sources: pd.DataFrame
    mineral_prices: pd.DataFrame
    facilities: pd.DataFrame
    zones: dict[str, Zone]
    sources: pd.DataFrame
    permitting: pd.DataFrame
    permitting_evidence: pd.DataFrame = field(default_factory=pd.DataFrame)
    files: dict[str, Path] = field(default_factory=dict)
    metadata: dict = field(default_factory=dict)
    facility_events: pd.DataFrame = field(default_factory=pd.DataFrame)
    demand: pd.DataFrame = field(default_factory=pd.DataFrame)

    def __getstate__(self) -> dict:
        """Pickled without the cached facility views (worked out again where needed) and the
        cache key it was loaded under (``regions.cache.data_key``)."""
        return {k: v for k, v in self.__dict__.items() if k not in ("_views", "_cache_key")}

    @property
    def region_ids(self) -> list[str]:
        """Region ids in table order."""
        return list(self.regions.index)

    @property
    def minerals(self) -> list[str]:
        """Mineral ids in table order."""
        return list(self.mineral_prices.index)

    def zone_members(self, zone_id: str) -> tuple[str, ...]:
        """Region ids of zone ``zone_id``; KeyError names the known zones."""
        try:
            return self.zones[zone_id].members
        except KeyError:
            raise KeyError(
                f"unknown zone {zone_id!r}; known zones: {', '.join(self.zones)}"
            ) from None

    def facilities_as_of(self, as_of: date | str | None) -> pd.DataFrame:
        """The facilities a planner saw on ``as_of`` (None: after every recorded event).

        One row per facility announced on or before ``as_of`` and not cancelled or closed by
        then, indexed by ``facility_id``: ``status`` on that date (operating,
        under_construction, announced or paused), ``capacity_std`` counted on that date
        [GWh/yr, t/yr or GW/yr] (operating capacity where known, else the phase being built,
        else nameplate), ``nameplate_std``, ``announced_date``, ``first_production_date`` (NaT
        if none by then), ``status_since`` and ``evidence_date`` (newest source so far).

        >>> import regions
        >>> data = regions.load()
        >>> data.facilities_as_of("2023-06-30").at["freyr-giga-america-coweta-ga", "status"]
        'announced'
        >>> "freyr-giga-america-coweta-ga" in data.facilities_as_of("2025-06-30").index
        False
        """
        cutoff = date.fromisoformat(as_of) if isinstance(as_of, str) else as_of
        views = self.__dict__.get("_views")
        if views is None:  # worked out once per dataset object (not a field: not compared,
            views = {}  # not copied by dataclasses.replace)
            object.__setattr__(self, "_views", views)
        if cutoff not in views:
            views[cutoff] = self._view(cutoff)
        return views[cutoff].copy()  # a caller may change its copy; the cached view stays

    def _view(self, cutoff: date | None) -> pd.DataFrame:
        """``facilities_as_of`` worked out (not cached)."""
        if not len(self.facility_events):
            frame = self.facilities[self.facilities["status"].isin(VIEW_STATUSES)]
            return frame if cutoff is None else frame[frame["announced_date"] <= cutoff]
        return view_at(self.facilities, self.facility_events, cutoff)

    def demand_as_of(self, as_of: date | str) -> pd.DataFrame:
        """Demand a planner saw on ``as_of``: per (node_id, cluster_type) the row at its series'
        newest date on or before that date; a node the source withheld that year is left out,
        not carried forward (``regions.demand.demand_at``).

        >>> import regions
        >>> data = regions.load()
        >>> row = data.demand_as_of("2020-12-31").set_index("node_id").loc["CA-utility-pv-additions"]
        >>> (row["as_of"].isoformat(), row["weight_unit"])
        ('2020-12-31', 'MWac')
        """
        return demand_at(self.demand, as_of)

    def existing_capacity(
        self, as_of: date | str | None, statuses: tuple[str, ...] = ACTIVE_STATUSES
    ) -> pd.DataFrame:
        """Counted capacity [type unit/yr] of counting-product facilities with one of ``statuses``
        on ``as_of``, by (region_id, cluster_type)."""
        frame = self.facilities_as_of(as_of)
        frame = frame[frame["status"].isin(statuses)]
        counting = frame[frame["product"] == frame["cluster_type"].map(COUNTING_PRODUCT)]
        return (
            counting.groupby(["region_id", "cluster_type"])["capacity_std"]
            .sum(min_count=0)
            .rename("capacity")
            .reset_index()
        )

    def kind_of(self, table: str, column: str, region_id: str | None = None) -> str:
        """'sourced', 'assumption', 'constructed' or 'derived' for a column (or one region's cell)."""
        rows = self.sources[(self.sources["table"] == table) & (self.sources["column"] == column)]
        if region_id is not None:
            cell = rows[rows["region_id"] == region_id]
            if len(cell):
                return str(cell["kind"].iloc[0])
        whole = rows[rows["region_id"] == ""]
        return str(whole["kind"].iloc[0]) if len(whole) else "unknown"

    def __repr__(self) -> str:
        by_type = self.facilities["cluster_type"].value_counts().to_dict()
        domestic = self.mineral_sources[~self.mineral_sources["foreign"]]
        return (
            f"RegionData({len(self.regions)} regions, "
            f"{domestic['source_id'].nunique()} domestic mineral sources, "
            f"{self.mineral_sources[self.mineral_sources['foreign']]['source_id'].nunique()} import gateways, "
            f"{len(self.mineral_prices)} minerals, "
            f"{len(self.facilities)} facilities {by_type}, "
            f"zones {sorted(self.zones)}, {len(self.sources)} source rows)"
        )
