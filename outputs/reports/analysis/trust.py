"""Run folders of the hindcast and the near-optimal alternatives: their tables as CSV, a map (the
scenario map with the comparison as extra shading) and ``report.html`` (``trust_pages``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from optimizer import CAPACITY_UNITS, AlternativesResult, HindcastResult
from optimizer.analyses.alternatives import OPTIMUM
from regions import RegionData

from ...atomic import atomic_write_text
from ...maps.scenario import save_map, scenario_map
from .common import MAP_NAME, REPORT_NAME, write_csv
from .trust_pages import alternatives_report, hindcast_report

HINDCAST_TABLES = ("by_state", "scores", "missed", "invented")
ALTERNATIVES_TABLES = ("plans", "sites", "frequency")
NOTES_NAME = "notes.txt"
DISTANCES_NAME = "distances.csv"
PLAN_SHARE_LAYER = "Share of near-optimal plans with new capacity [share of plans]"


def announced_layer_name(cluster_type: str, h: HindcastResult) -> str:
    """Map layer of a type's capacity announced in the hindcast window."""
    unit = CAPACITY_UNITS.get(cluster_type, "")
    return f"Announced {cluster_type} capacity {h.as_of} to {h.until} [{unit}]"


def gap_layer_name(cluster_type: str) -> str:
    """Map layer of a type's placed minus announced capacity."""
    return (
        f"Placed minus announced {cluster_type} capacity [{CAPACITY_UNITS.get(cluster_type, '')}]"
    )


def plan_count_layer_name(cluster_type: str) -> str:
    """Map layer of the number of near-optimal plans building a type in a state."""
    return f"Near-optimal plans building {cluster_type} [plans]"


def hindcast_layers(h: HindcastResult) -> dict[str, pd.Series]:
    """Per type: announced capacity and placed − announced capacity by region [type unit/yr]."""
    layers = {}
    for k, group in h.by_state.groupby(level="cluster_type", sort=False):
        group = group.droplevel("cluster_type")
        layers[announced_layer_name(k, h)] = group["announced_capacity"]
        layers[gap_layer_name(k)] = group["model_new_capacity"] - group["announced_capacity"]
    return layers


def alternatives_layers(alt: AlternativesResult, data: RegionData) -> dict[str, pd.Series]:
    """Share of plans with new capacity in each state, then the plan count per type."""
    frequency = alt.frequency.reindex(data.regions.index).fillna(0.0)
    layers = {PLAN_SHARE_LAYER: frequency["share"]}
    for k in alt.sites["cluster_type"].drop_duplicates():
        layers[plan_count_layer_name(k)] = frequency[k]
    return layers


def write_hindcast(
    folder: Path,
    h: HindcastResult,
    data: RegionData,
    *,
    with_map: bool = True,
    offline: bool = True,
    tiles: bool = False,
) -> list[str]:
    """Write ``by_state.csv``, ``scores.csv`` (indexed as in the result), ``missed.csv``,
    ``invented.csv``, ``reality.csv`` (reality vs optimum per type) and ``reality_sites.csv``
    (announced, placed and missed capacity per site) when the result has them, ``distances.csv``
    (by county: each announced plant's nearest model site [km]), ``notes.txt`` (one note a
    line), ``map.html`` and ``report.html``; return the names."""
    folder = Path(folder)
    write_csv(h.by_state, folder / "by_state.csv", index=True)
    write_csv(h.scores, folder / "scores.csv", index=True)
    write_csv(h.missed, folder / "missed.csv")
    write_csv(h.invented, folder / "invented.csv")
    atomic_write_text(folder / NOTES_NAME, "".join(f"{note}\n" for note in h.notes))
    written = [f"{name}.csv" for name in HINDCAST_TABLES] + [NOTES_NAME]
    if h.reality is not None:
        write_csv(h.reality.table, folder / "reality.csv", index=True)
        write_csv(h.reality.forced, folder / "reality_sites.csv")
        written += ["reality.csv", "reality_sites.csv"]
    if h.distances is not None:
        write_csv(h.distances, folder / DISTANCES_NAME)
        written.append(DISTANCES_NAME)
    # by county the map is the county plan; the state shadings do not fit its regions
    layers = hindcast_layers(h) if h.county_data is None else {}
    if with_map:
        map_data = h.county_data if h.county_data is not None else data
        m = scenario_map(h.result, map_data, offline=offline, tiles=tiles, extra_layers=layers)
        save_map(m, folder / MAP_NAME, offline=offline)
        written.append(MAP_NAME)
    layers = list(layers) if with_map else []
    atomic_write_text(folder / REPORT_NAME, hindcast_report(h, data, map_layers=layers))
    return [*written, REPORT_NAME]


def write_alternatives(
    folder: Path,
    alt: AlternativesResult,
    data: RegionData,
    *,
    with_map: bool = True,
    offline: bool = True,
    tiles: bool = False,
) -> list[str]:
    """Write ``plans.csv``, ``frequency.csv`` (indexed as in the result), ``sites.csv``,
    ``reality.csv`` and ``reality_sites.csv`` (with announced capacity), ``map.html`` (the
    optimum, shaded by how often each state appears) and ``report.html``; return the names."""
    folder = Path(folder)
    write_csv(alt.plans, folder / "plans.csv", index=True)
    write_csv(alt.sites, folder / "sites.csv")
    frequency = alt.frequency.rename_axis("region_id")
    write_csv(frequency, folder / "frequency.csv", index=True)
    written = [f"{name}.csv" for name in ALTERNATIVES_TABLES]
    if alt.reality is not None:
        write_csv(alt.reality.table, folder / "reality.csv", index=True)
        write_csv(alt.reality.forced, folder / "reality_sites.csv")
        written += ["reality.csv", "reality_sites.csv"]
    if with_map:
        layers = alternatives_layers(alt, data)
        m = scenario_map(
            alt.results[OPTIMUM], data, offline=offline, tiles=tiles, extra_layers=layers
        )
        save_map(m, folder / MAP_NAME, offline=offline)
        written.append(MAP_NAME)
    layers = list(alternatives_layers(alt, data)) if with_map else []
    atomic_write_text(folder / REPORT_NAME, alternatives_report(alt, data, map_layers=layers))
    return [*written, REPORT_NAME]
