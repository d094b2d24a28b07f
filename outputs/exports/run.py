"""Export one solved scenario to its own folder: tables (CSV, Excel), GeoJSON, scenario, manifest, map.

The folder is built in a hidden staging folder and renamed into place when complete, so a failed or
interrupted export leaves nothing half-written. Numbers are written unrounded: a CSV read back
with pandas equals the result table. CSV has no distinction between an empty text cell and a
missing value: both are written as an empty cell.
"""

from __future__ import annotations

import hashlib
import json
import platform
from datetime import datetime, timezone
from importlib import metadata as importlib_metadata
from pathlib import Path

import tomli_w

from optimizer import Result, TechnologyData
from optimizer.model.technology import DATA_DIR as TECH_DATA_DIR
from regions import RegionData

from ..atomic import staged_folder
from .geo import (
    deliveries_geojson,
    flows_geojson,
    local_deliveries_geojson,
    plain,
    sites_geojson,
    states_geojson,
)
from .summary_sheet import summary_frame
from .tables import TABLE_COLUMNS, TABLES, export_tables
from .workbook import write_workbook

GEOJSON = {
    "sites.geojson": sites_geojson,
    "states.geojson": states_geojson,
    "flows.geojson": flows_geojson,
    "deliveries.geojson": deliveries_geojson,
    "local_deliveries.geojson": local_deliveries_geojson,
}
"""GeoJSON files of a run, one geometry type each: new sites (points), states with results
(valid polygons), inbound mineral flows (lines), product deliveries between places (lines) and
within one place (points)."""

TECH_FILES = ("technologies.csv", "parameters.csv")
WORKBOOK = "results.xlsx"
MANIFEST = "manifest.json"


def sha256_file(path: Path | str) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _data_vintages(data: RegionData) -> dict:
    """Vintage of the boundaries (geojson metadata) and of each regions.csv column."""
    sources = data.sources
    columns: dict[str, str] = {}
    by_region: dict[str, dict[str, str]] = {}
    if len(sources):
        rows = sources[sources["table"] == "regions.csv"]
        for row in rows.itertuples():
            vintage = str(row.vintage)
            if not row.region_id:
                columns.setdefault(row.column, vintage)
            else:
                by_region.setdefault(row.column, {})[row.region_id] = vintage
    by_region = {
        column: {r: v for r, v in regions.items() if v != columns.get(column)}
        for column, regions in by_region.items()
    }
    meta = data.metadata or {}
    return {
        "boundaries": {k: plain(meta.get(k)) for k in ("source", "url", "vintage") if k in meta},
        "regions.csv": columns,
        "regions.csv_by_region": {c: r for c, r in by_region.items() if r},
    }


def _version() -> str:
    try:
        return importlib_metadata.version("clustersite")
    except importlib_metadata.PackageNotFoundError:  # pragma: no cover - not installed
        return "unknown"


def _solver_section(result: Result) -> dict:
    report = result.report
    return {
        "name": report.solver,
        "status": report.status.value,
        "objective_usd_per_yr": plain(report.objective),
        "mip_gap": plain(report.mip_gap),
        "build_seconds": report.build_seconds,
        "solve_seconds": report.solve_seconds,
        "dual_seconds": report.dual_seconds,
        "message": report.message,
        "n_variables": report.n_variables,
        "n_constraints": report.n_constraints,
        "n_binaries": report.n_binaries,
        **(
            {
                "bound_usd_per_yr": plain(report.bound),
                "gap_to_every_screened_county": plain(report.bound_gap),
                "bound_covers_candidates": report.bound_candidates,
                "kernel_objective_usd_per_yr": plain(report.kernel_objective),
                "kernel_counties": report.kernel_counties,
            }
            if report.bound is not None
            else {}
        ),
    }


def build_manifest(
    result: Result,
    data: RegionData,
    folder: Path,
    *,
    tech: TechnologyData | None = None,
    scenario_toml: bytes,
) -> dict:
    """The manifest of an export folder: versions, solver report, inputs and outputs with sha256."""
    overrides = [
        {"cluster_type": k, "parameter": name, "value": value}
        for (k, name), value in (tech.overrides.items() if tech is not None else ())
    ]
    written = sorted(
        p for p in folder.rglob("*") if p.is_file() and p.relative_to(folder).as_posix() != MANIFEST
    )
    return {
        "clustersite_version": _version(),
        "created_utc": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "python": platform.python_version(),
        "scenario": {
            "name": result.scenario.name,
            "description": result.scenario.description,
            "file": "scenario.toml",
            "sha256": hashlib.sha256(scenario_toml).hexdigest(),
        },
        "solver": _solver_section(result),
        "data": {
            "vintages": _data_vintages(data),
            "files": {
                name: {"path": str(path), "sha256": sha256_file(path)}
                for name, path in sorted(data.files.items())
            },
        },
        "technology": {
            "files": {
                name: {
                    "path": str(TECH_DATA_DIR / name),
                    "sha256": sha256_file(TECH_DATA_DIR / name),
                }
                for name in TECH_FILES
            },
            "overrides": overrides,
        },
        "files": [
            {
                "path": p.relative_to(folder).as_posix(),
                "bytes": p.stat().st_size,
                "sha256": sha256_file(p),
            }
            for p in written
        ],
    }


def _status_text(result: Result) -> str:
    report = result.report
    lines = [
        f"Scenario {result.scenario.name!r} has no solution: status {report.status.value}.",
        f"Solver: {report.solver}. {report.message}".rstrip(),
        "",
        "The tables in this folder are empty (headers only). scenario.toml is the scenario as",
        "solved and manifest.json records the inputs, so the run can be reproduced and the",
        "scenario corrected (e.g. relax targets, zone restrictions or limits, or raise the",
        "solver time limit).",
    ]
    return "\n".join(lines) + "\n"


def resolved_toml(result: Result) -> bytes:
    """The resolved scenario of a run as ``scenario.toml`` bytes."""
    return tomli_w.dumps(result.scenario.to_toml_dict()).encode("utf-8")


def write_run_files(result: Result, data: RegionData, folder: Path) -> None:
    """Write a run's tables (CSV, workbook), GeoJSON, ``scenario.toml`` and, without a
    solution, ``status.txt`` into the existing ``folder`` (everything but map and manifest)."""
    tables = export_tables(result, data)
    for name, table in tables.items():
        table.to_csv(folder / f"{name}.csv", index=False, lineterminator="\n")
    write_workbook(tables, folder / WORKBOOK, summary_frame(result))
    for name, build in GEOJSON.items():
        (folder / name).write_text(
            json.dumps(build(result, data, tables), allow_nan=False) + "\n", encoding="utf-8"
        )
    (folder / "scenario.toml").write_bytes(resolved_toml(result))
    if not result.ok:
        (folder / "status.txt").write_text(_status_text(result), encoding="utf-8")


def write_run_map(
    result: Result, data: RegionData, folder: Path, *, offline: bool = True, tiles: bool = False
) -> None:
    """Write ``map.html`` of a run with a solution into the existing ``folder``."""
    if not result.ok:
        return
    from ..maps.scenario import save_map, scenario_map

    save_map(
        scenario_map(result, data, offline=offline, tiles=tiles),
        folder / "map.html",
        offline=offline,
    )


def write_run_manifest(
    result: Result, data: RegionData, folder: Path, *, tech: TechnologyData | None = None
) -> None:
    """Write ``manifest.json`` of a run folder whose other files are all written."""
    manifest = build_manifest(result, data, folder, tech=tech, scenario_toml=resolved_toml(result))
    (folder / MANIFEST).write_text(
        json.dumps(manifest, indent=2, allow_nan=False) + "\n", encoding="utf-8"
    )


def export_run(
    result: Result,
    data: RegionData,
    folder: Path | str,
    *,
    tech: TechnologyData | None = None,
    offline: bool = True,
    tiles: bool = False,
    map: bool = True,
    overwrite: bool = False,
) -> Path:
    """Write one run's outputs into ``folder`` (created; must not exist unless ``overwrite``).

    Files: ``sites.csv``, ``flows.csv``, ``kpis.csv``, ``shadow_prices.csv``, ``unmet.csv``
    (rounded, a unit for every column), ``results.xlsx`` (a formatted sheet per table and a
    ``units`` sheet), ``sites.geojson`` (new sites, points), ``states.geojson`` (state polygons
    with results), ``flows.geojson`` (mineral flows, lines), ``deliveries.geojson`` (product
    deliveries between places, lines), ``local_deliveries.geojson`` (within one place, points),
    ``scenario.toml`` (resolved),
    ``map.html`` (when ``map`` and the run has a solution), ``status.txt`` (when it has none) and
    ``manifest.json`` (versions, solver report, input and output sha256). Raises FileExistsError
    before any work if ``folder`` exists and ``overwrite`` is False.
    """
    folder = Path(folder)
    with staged_folder(folder, overwrite=overwrite) as staging:
        write_run_files(result, data, staging)
        if map:
            write_run_map(result, data, staging, offline=offline, tiles=tiles)
        write_run_manifest(result, data, staging, tech=tech)
    return folder


__all__ = [
    "TABLES",
    "TABLE_COLUMNS",
    "build_manifest",
    "export_run",
    "export_tables",
    "resolved_toml",
    "sha256_file",
    "sites_geojson",
    "write_run_files",
    "write_run_manifest",
    "write_run_map",
]
