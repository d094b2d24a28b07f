"""The app's state: a cache of solved scenarios keyed by the resolved scenario, per-tab sessions,
and uploads checked exactly as the command line checks a scenario file.

Nothing here solves by itself: :class:`SolveCache` calls the solve function it is given (the
app passes a worker-process solve; tests pass ``optimizer.solve``) only for a scenario it has not
seen.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import tempfile
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path

import optimizer
from optimizer import Result, Scenario
from optimizer.model.coefficients import check_scenario_ids
from regions import DataValidationError, RegionData

from .levers import levers_of

MAX_UPLOAD_BYTES = 1_000_000
CACHE_SIZE = 32


@functools.cache
def desk_builtins() -> tuple[str, ...]:
    """The built-in scenarios the desk offers: every one (county ones solve in about 30 s)."""
    return tuple(optimizer.builtin_scenarios())


def _canonical(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _canonical(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.name != "raw"
        }
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in sorted(value.items())}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    return str(value)


def scenario_key(scenario: Scenario) -> str:
    """A hash of every resolved field of ``scenario`` (not its raw TOML spelling): equal keys
    mean the same model, so ``1080`` and ``1080.0`` or a key spelled in a parent file agree.

    >>> a = optimizer.load_scenario("south")
    >>> scenario_key(a) == scenario_key(a.replace(policy={"green_lane_factor": 0.5}))
    True
    >>> scenario_key(a) == scenario_key(a.replace(policy={"green_lane_factor": 0.4}))
    False
    """
    text = json.dumps(_canonical(scenario), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


Solver = Callable[[Scenario], Result]


class SolveCache:
    """Solved scenarios by :func:`scenario_key` (least recently used dropped beyond ``size``).

    Shared by all sessions: a result depends only on the scenario and the data, not on who asked.
    """

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[str, Result] = OrderedDict()
        self._lock = threading.Lock()
        self.solves = 0  # solves this cache has asked for (misses)

    def get(self, key: str) -> Result | None:
        """The cached result of ``key``, or None."""
        with self._lock:
            result = self._items.get(key)
            if result is not None:
                self._items.move_to_end(key)
            return result

    def put(self, key: str, result: Result) -> None:
        """Store ``result`` under ``key``."""
        with self._lock:
            self._items[key] = result
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def solve(
        self, scenario: Scenario, solver: Solver, key: str | None = None
    ) -> tuple[str, Result]:
        """(key, result): from the cache, or ``solver(scenario)`` stored under its key
        (``key``: default ``scenario_key(scenario)``)."""
        key = key or scenario_key(scenario)
        cached = self.get(key)
        if cached is not None:
            return key, cached
        with self._lock:
            self.solves += 1
        result = solver(scenario)
        self.put(key, result)
        return key, result

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._items


def run_key(scenario: Scenario, forced=()) -> str:
    """The cache key of a scenario solved with ``forced`` sites open (its scenario key alone
    when none is forced)."""
    key = scenario_key(scenario)
    if not forced:
        return key
    text = ",".join(sorted(f"{r}:{k}" for r, k in forced))
    return key[:12] + hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def check_scenario(scenario: Scenario, data: RegionData, label: str) -> Scenario:
    """Raise the command line's error if ``scenario`` names ids the data lacks (file ``label``)."""
    try:
        check_scenario_ids(scenario, data)
    except DataValidationError as exc:
        raise DataValidationError(label, exc.message, field=exc.field) from None
    return scenario


def load_upload(filename: str, content: bytes, data: RegionData) -> Scenario:
    """A scenario from an uploaded TOML file, checked as ``clustersite validate FILE`` checks it;
    errors name the uploaded file (``extends`` may name a built-in scenario)."""
    name = Path(filename or "upload.toml").name
    if len(content) > MAX_UPLOAD_BYTES:
        raise DataValidationError(name, f"larger than {MAX_UPLOAD_BYTES:,} bytes")
    with tempfile.TemporaryDirectory(prefix="clustersite-upload-") as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        try:
            scenario = optimizer.load_scenario(str(path))
        except DataValidationError as exc:
            raise DataValidationError(
                exc.file.replace(str(path), name).replace(folder + "/", ""),
                exc.message.replace(str(path), name),
                line=exc.line,
                field=exc.field,
                row_id=exc.row_id,
            ) from None
    return check_scenario(scenario, data, name)


def error_line(exc: BaseException) -> str:
    """The command line's one-line message of ``exc`` (as after ``clustersite: error:``)."""
    text = str(exc) or type(exc).__name__
    return " ".join(text.split())


@dataclasses.dataclass
class Session:
    """One browser tab: its chosen scenario (``choice``: ``builtin:NAME``, ``saved:STEM`` or
    ``upload:NAME``), edited levers (``levers["forced"]``: sites forced open), last result,
    compare choices and jobs."""

    id: str
    base: Scenario
    levers: dict
    choice: str = "builtin:baseline"
    uploads: dict[str, Scenario] = dataclasses.field(default_factory=dict)
    solved: OrderedDict[str, str] = dataclasses.field(default_factory=OrderedDict)
    result_key: str | None = None
    compare_choices: list = dataclasses.field(default_factory=list)
    solve_job: object | None = None
    analysis_job: object | None = None
    error: str = ""

    def scenarios(self) -> dict[str, Scenario]:
        """Scenarios this tab can pick: the built-ins, then its uploads."""
        out = {name: optimizer.load_scenario(name) for name in desk_builtins()}
        out.update(self.uploads)
        return out

    def choose(self, name: str) -> Scenario:
        """Make ``name`` (a built-in or an upload of this tab) the base; levers reset to it."""
        scenarios = self.scenarios()
        if name not in scenarios:
            raise DataValidationError(name, f"unknown scenario (have: {', '.join(scenarios)})")
        self.base = scenarios[name]
        self.levers = {**levers_of(self.base), "forced": []}
        self.choice = f"{'upload' if name in self.uploads else 'builtin'}:{name}"
        return self.base

    def remember(self, key: str, scenario: Scenario) -> None:
        """Record a solved scenario of this tab (for compare); labels are unique: a second,
        different scenario of the same name is ``name #2`` (never a hash)."""
        for old_label, old_key in list(self.solved.items()):
            if old_key == key:
                del self.solved[old_label]
        label, n = scenario.name, 1
        while label in self.solved:
            n += 1
            label = f"{scenario.name} #{n}"
        self.solved[label] = key


class SessionStore:
    """Sessions by id; an unknown id (e.g. after a server restart) gets a fresh session."""

    def __init__(self, default_scenario: str = "baseline") -> None:
        self.default_scenario = default_scenario
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def new(self) -> Session:
        """A fresh session on the default scenario."""
        base = optimizer.load_scenario(self.default_scenario)
        levers = {**levers_of(base), "forced": []}
        session = Session(uuid.uuid4().hex, base, levers, f"builtin:{self.default_scenario}")
        with self._lock:
            self._sessions[session.id] = session
        return session

    def get(self, session_id: str | None) -> Session:
        """The session ``session_id``, or a new one under that id."""
        with self._lock:
            session = self._sessions.get(session_id or "")
        if session is not None:
            return session
        session = self.new()
        if session_id:
            with self._lock:
                del self._sessions[session.id]
                session.id = session_id
                self._sessions[session_id] = session
        return session

    def __len__(self) -> int:
        with self._lock:
            return len(self._sessions)


__all__ = [
    "SolveCache",
    "run_key",
    "Session",
    "SessionStore",
    "check_scenario",
    "error_line",
    "load_upload",
    "scenario_key",
]
