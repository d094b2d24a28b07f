"""Shared fixtures: the embedded data, solved built-in scenarios (once per session) and a hostile
copy of the dataset whose region name is an HTML script tag."""

from __future__ import annotations

import csv
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

import optimizer
import regions

# Property-based tests: a bounded, reproducible budget in CI ("ci", the default) and a long,
# randomised search to run by hand: HYPOTHESIS_PROFILE=long python -m pytest tests/test_properties.py
_QUIET = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
settings.register_profile(
    "ci", max_examples=20, deadline=None, derandomize=True, suppress_health_check=_QUIET
)
settings.register_profile("long", max_examples=2000, deadline=None, suppress_health_check=_QUIET)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

HOSTILE_NAME = "<script>alert(1)</script>"
SCENARIOS = ("baseline", "great-lakes", "south")


@pytest.fixture(scope="session", autouse=True)
def _session_cache(tmp_path_factory):
    """The command line's region-data cache (``regions.cache``) in a folder of this session."""
    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    yield
    if old is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = old


@pytest.fixture(scope="session")
def data() -> regions.RegionData:
    """The embedded US dataset."""
    return regions.load()


@pytest.fixture(scope="session")
def results(data) -> dict[str, optimizer.Result]:
    """The built-in scenarios, each solved once per session, by name."""
    return {name: optimizer.solve(name, data) for name in SCENARIOS}


@dataclass(frozen=True)
class Hostile:
    """A dataset copy with one region renamed to ``HOSTILE_NAME``, and results solved on it."""

    folder: Path
    region_id: str
    name: str
    data: regions.RegionData
    results: dict[str, optimizer.Result]


def _rename_region(csv_path: Path, region_id: str, name: str) -> None:
    with csv_path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    id_col, name_col = header.index("region_id"), header.index("name")
    hits = 0
    for row in rows[1:]:
        if row[id_col] == region_id:
            row[name_col] = name
            hits += 1
    assert hits == 1, f"region {region_id} not found once in {csv_path}"
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


@pytest.fixture(scope="session")
def hostile(tmp_path_factory, results) -> Hostile:
    """``regions/data`` copied to tmp with the region of baseline's largest battery site renamed
    to ``<script>alert(1)</script>``; baseline and south solved on it."""
    folder = tmp_path_factory.mktemp("hostile") / "data"
    shutil.copytree(regions.DEFAULT_DATA_DIR, folder)
    sites = results["baseline"].sites
    battery = sites[(sites["cluster_type"] == "battery") & (sites["new_capacity"] > 0)]
    region_id = str(battery.sort_values("new_capacity", ascending=False)["region_id"].iloc[0])
    _rename_region(folder / "regions.csv", region_id, HOSTILE_NAME)
    data = regions.load(folder)
    assert data.regions.at[region_id, "name"] == HOSTILE_NAME
    solved = {name: optimizer.solve(name, data) for name in ("baseline", "south")}
    return Hostile(folder, region_id, HOSTILE_NAME, data, solved)
