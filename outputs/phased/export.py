"""Export a phased run: CSV and XLSX by period, a map with one layer per period, a manifest.

Files: ``schedule.csv`` (one row per build stage: decision and online year, capacity added),
``capacity_by_year.csv``, ``by_period.csv`` (demand, imports, domestic share, jobs by year and
type), ``deliveries.csv`` (to the market nodes by year),
``costs_by_period.csv`` (three cost views and present values), ``kpis.csv``, ``results.xlsx``
(the same tables), ``map.html`` (the sites of each period year behind a year slider) and
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


def write_period_map(result: PhasedResult, data: RegionData, path: Path) -> None:
    """``map.html``: the sites of each period year behind a year slider, with a title panel and
    a legend (``outputs.phased.map``); self-contained like every page the tool writes."""
    from ..maps.scenario import save_map
    from .map import period_map

    save_map(period_map(result, data), path, offline=True)


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
            write_period_map(result, data, staging / "map.html")
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
