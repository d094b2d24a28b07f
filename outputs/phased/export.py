"""Export a phased run: CSV and XLSX by period, a map with one layer per period, a manifest.

Files: ``schedule.csv`` (one row per build stage: decision and online year, capacity added),
``capacity_by_year.csv``, ``by_period.csv`` (demand, imports, domestic share, jobs by year and
type), ``deliveries.csv`` (to the market nodes by year),
``costs_by_period.csv`` (three cost views and present values), ``kpis.csv``, ``results.xlsx``
(the same tables), ``map.html`` (one layer per period year: sites producing then) and
``manifest.json``. Written into a staged folder, renamed into place when complete.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from optimizer.phased.result import PhasedResult
from regions import RegionData

from ..atomic import MANIFEST, staged_folder
from ..exports.workbook import write_workbook

TYPE_COLOURS = {"battery": "green", "magnet": "purple", "solar": "orange"}


def phased_tables(result: PhasedResult) -> dict[str, pd.DataFrame]:
    """The tables of a phased run, by sheet name."""
    return {
        "schedule": result.schedule,
        "capacity_by_year": result.capacity,
        "by_period": result.by_period,
        "costs_by_period": result.costs,
        "deliveries": result.deliveries,
        "kpis": result.kpis,
    }


def period_map(result: PhasedResult, data: RegionData, path: Path) -> None:
    """``map.html``: one overlay per period year (radio buttons: the year's sites producing,
    circle area ∝ capacity online) over the state outlines. Self-contained: no tiles, the map
    scripts inlined, like every page the tool writes by default."""
    import folium

    from ..geometry import state_shapes
    from ..maps.scenario import CONUS_BOUNDS, US_CENTER, ZOOM_RANGE, save_map

    regions = data.regions
    m = folium.Map(location=US_CENTER, zoom_start=4, tiles=None)
    m.options.update(ZOOM_RANGE)
    m.fit_bounds(CONUS_BOUNDS)
    folium.GeoJson(
        state_shapes(data),
        name="States",
        control=False,
        style_function=lambda _f: {"color": "#777", "weight": 1, "fillColor": "#f4f4f4"},
    ).add_to(m)
    online = result.capacity[result.capacity["online"] > 0]
    years = list(result.inputs.years)
    for year in years:
        layer = folium.FeatureGroup(name=f"{year}", overlay=False, show=year == years[-1])
        now = online[online["year"] == year]
        for row in now.itertuples():
            top = result.capacity[
                (result.capacity["cluster_type"] == row.cluster_type)
                & (result.capacity["online"] > 0)
            ]["online"].max()
            folium.CircleMarker(
                location=[
                    regions.at[row.region_id, "rep_lat"],
                    regions.at[row.region_id, "rep_lon"],
                ],
                radius=4 + 14 * (row.online / top) ** 0.5,
                color=TYPE_COLOURS.get(row.cluster_type, "gray"),
                fill=True,
                fill_opacity=0.6,
                tooltip=f"{year}: {row.region_id} {row.cluster_type} ({row.mode}) "
                f"{row.online:,.4g} online",
            ).add_to(layer)
        layer.add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    save_map(m, path, offline=True)


def export_phased_run(
    result: PhasedResult, data: RegionData, folder: Path | str, *, overwrite: bool = False,
    map: bool = True,
) -> Path:  # fmt: skip
    """Write a phased run's folder (atomically); return its path."""
    folder = Path(folder)
    tables = phased_tables(result)
    with staged_folder(folder, overwrite=overwrite) as staging:
        for name, table in tables.items():
            table.to_csv(staging / f"{name}.csv", index=False)
        write_workbook(tables, staging / "results.xlsx")
        if map and result.ok:
            period_map(result, data, staging / "map.html")
        report = result.report
        manifest = {
            "command": "run",
            "clustersite_version": _version(),
            "created_utc": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "scenario": result.scenario.name,
            "periods": list(result.inputs.years),
            "status": report.status.value,
            "objective_present_value_usd": report.objective,
            "mip_gap": report.mip_gap,
            "files": sorted(p.name for p in staging.iterdir()),
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return folder


def _version() -> str:
    from ..exports.run import _version as version

    return version()
