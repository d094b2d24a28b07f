"""The app's files: map pages, the scenario TOML and the run folder as a zip.

Thin wrappers over the same output functions as the command line (``outputs.maps``,
``outputs.exports.export_run``); map pages are cached by the scenario keys they draw.
"""

from __future__ import annotations

import io
import re
import tempfile
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import tomli_w

from optimizer import Result, Scenario
from regions import RegionData

from .. import maps
from ..exports import export_run
from .mapclick import add_state_actions

MAP_CACHE_SIZE = 16


class MapPages:
    """Self-contained map pages (vendored Leaflet inlined) by a caller-chosen key."""

    def __init__(self, size: int = MAP_CACHE_SIZE) -> None:
        self.size = size
        self._pages: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        """The page stored under ``key``, or None."""
        with self._lock:
            return self._pages.get(key)

    def put(self, key: str, page: str) -> str:
        """Store ``page`` under ``key``; return the key."""
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)
        return key

    def scenario(
        self,
        key: str,
        result: Result,
        data: RegionData,
        extra_layers: Mapping[str, pd.Series] | None = None,
        states: RegionData | None = None,
    ) -> str:
        """Key of the map page of one result (built on first use): a snapshot's scenario map,
        whose states a click can exclude or force a site in (a county map, ``data`` a county
        dataset: exclude only, the states named from ``states``), or a phased result's map with
        its year slider."""
        if self.get(key) is None:
            if is_phased(result):
                from ..phased.map import period_map

                m = period_map(result, data)
            else:
                m = maps.scenario_map(result, data, offline=True, extra_layers=extra_layers)
                county = data.metadata.get("resolution") == "county"
                if extra_layers is None and not (county and states is None):
                    add_state_actions(m, states if county else data, force=not county)
            self.put(key, maps.render_html(m, offline=True))
        return key

    def dual(self, key: str, left: Result, right: Result, data: RegionData) -> str:
        """Key of the side-by-side map page of two results (built on first use)."""
        if self.get(key) is None:
            self.put(key, maps.render_html(maps.dual_map(left, right, data, offline=True)))
        return key


def folder_name(scenario_name: str) -> str:
    """A safe file or folder name for a scenario, by the rule of the command line's run folders.

    >>> folder_name("great lakes / fast")
    'great-lakes-fast'
    """
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", scenario_name).strip("-.")
    return name or "scenario"


def scenario_toml(scenario: Scenario) -> str:
    """The resolved scenario as TOML text (as ``clustersite run`` writes ``scenario.toml``)."""
    return tomli_w.dumps(scenario.to_toml_dict())


def is_phased(result: object) -> bool:
    """True for the result of a phased scenario (``PhasedResult``)."""
    return hasattr(result, "schedule") and hasattr(result, "by_period")


def zip_folder(folder: Path, prefix: str) -> bytes:
    """Every file of ``folder`` zipped under ``prefix/``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file():
                archive.write(path, f"{prefix}/{path.relative_to(folder).as_posix()}")
    return buffer.getvalue()


def run_zip(result: Result, data: RegionData, folder_name: str) -> bytes:
    """The run folder ``clustersite run`` writes for ``result`` (a phased one's too), zipped
    under ``folder_name/``."""
    with tempfile.TemporaryDirectory(prefix="clustersite-zip-") as tmp:
        if is_phased(result):
            from ..phased.export import export_phased_run

            folder = export_phased_run(result, data, Path(tmp) / folder_name)
            return zip_folder(folder, folder_name)
        folder = export_run(result, data, Path(tmp) / folder_name, offline=True)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    archive.write(path, f"{folder_name}/{path.relative_to(folder).as_posix()}")
    return buffer.getvalue()


__all__ = ["MapPages", "folder_name", "run_zip", "scenario_toml"]
