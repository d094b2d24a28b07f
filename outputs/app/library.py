"""The planner's saved scenarios: a folder of TOML files, one per scenario, that survives a
reload of the page and a restart of the app, and that the command line runs as they are
(``clustersite run FOLDER/great-lakes-edited.toml``).

Each file is the resolved scenario (``Scenario.to_toml_dict``, no ``extends``), written to a
temporary file and renamed into place, named after the scenario (``folder_name``). Sites forced
in the app are not a scenario key: they are listed in a comment at the top of the file and
read back from it by the app (the command line ignores comments).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Sequence
from pathlib import Path

import tomli_w

import optimizer
from optimizer import Scenario
from regions import DataValidationError

from ..atomic import atomic_write_text
from .render import folder_name

FORCED_PREFIX = "# forced in the app (not a scenario key): "
_FORCED = re.compile(r"^# forced in the app \(not a scenario key\): (?P<sites>.*)$", re.M)
ENV_FOLDER = "CLUSTERSITE_SCENARIOS"
"""Environment variable naming the folder (else ``--scenarios``, else the default below)."""


def default_folder() -> Path:
    """``$CLUSTERSITE_SCENARIOS``, else ``$XDG_DATA_HOME/clustersite/scenarios`` (default
    ``~/.local/share/clustersite/scenarios``)."""
    if os.environ.get(ENV_FOLDER):
        return Path(os.environ[ENV_FOLDER])
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "clustersite" / "scenarios"


def forced_text(forced: Sequence[Sequence[str]]) -> str:
    """``'MI battery, TX solar'`` of forced sites ``[(region_id, cluster_type), …]``."""
    return ", ".join(f"{r} {k}" for r, k in forced)


def parse_forced(text: str) -> list[tuple[str, str]]:
    """The forced sites listed in a saved file's comment (none when there is no such line).

    >>> parse_forced("# forced in the app (not a scenario key): MI battery, TX solar\\nname = 'x'")
    [('MI', 'battery'), ('TX', 'solar')]
    """
    found = _FORCED.search(text)
    if not found:
        return []
    pairs = [p.split() for p in found["sites"].split(",") if p.strip()]
    return [(p[0], p[1]) for p in pairs if len(p) == 2]


class ScenarioLibrary:
    """Saved scenarios in ``folder`` (created on the first save)."""

    def __init__(self, folder: Path | str | None = None) -> None:
        self.folder = Path(folder) if folder is not None else default_folder()
        self._lock = threading.Lock()

    def path(self, name: str) -> Path:
        """The file a scenario named ``name`` is saved in."""
        return self.folder / f"{folder_name(name)}.toml"

    def names(self) -> list[str]:
        """File stems of the saved scenarios, sorted (a missing folder holds none)."""
        if not self.folder.is_dir():
            return []
        return sorted(p.stem for p in self.folder.glob("*.toml") if p.is_file())

    def load(self, stem: str) -> tuple[Scenario, list[tuple[str, str]]]:
        """(scenario, forced sites) of the saved file ``stem``; errors name the file."""
        path = self.folder / f"{stem}.toml"
        if not path.is_file():
            raise DataValidationError(str(path), "no such saved scenario")
        scenario = optimizer.load_scenario(str(path))
        return scenario, parse_forced(path.read_text(encoding="utf-8"))

    def save(self, scenario: Scenario, forced: Sequence[Sequence[str]] = ()) -> Path:
        """Write ``scenario`` (and its forced sites, as a comment) atomically; return the path.
        A file of the same name is replaced."""
        text = tomli_w.dumps(scenario.to_toml_dict())
        if forced:
            text = FORCED_PREFIX + forced_text(forced) + "\n" + text
        with self._lock:
            self.folder.mkdir(parents=True, exist_ok=True)
            return atomic_write_text(self.path(scenario.name), text)

    def delete(self, stem: str) -> None:
        """Remove the saved file ``stem`` (nothing when it is gone already)."""
        (self.folder / f"{stem}.toml").unlink(missing_ok=True)


__all__ = [
    "ENV_FOLDER",
    "FORCED_PREFIX",
    "ScenarioLibrary",
    "default_folder",
    "forced_text",
    "parse_forced",
]
