"""Checkpoints: one JSON line per finished run, so a killed sweep resumes where it stopped.

Each line is a record ``{"key", "context", "label", "spec", "payload", "error"}``. ``key`` is a
stable hash of the run's parameters and of the context it ran in (scenario, data, technology,
MIP gap), so one file can hold several analyses and a changed input never matches an old line.
Lines are flushed and fsync'ed as they are written; a line cut short by a kill is ignored on load.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO

import pandas as pd

from regions import RegionData

from ..model.technology import TechnologyData

KEY_LENGTH = 20
NOT_KEYED = ("label", "envelope")
"""Spec entries that describe or speed up a run without changing what it solves."""
FINAL_STATUSES = ("optimal", "feasible", "infeasible", "unbounded")
"""Payload statuses a resume keeps; errors and 'no_solution' (e.g. a time limit) run again."""


def stable_hash(value: object, length: int = KEY_LENGTH) -> str:
    """Hex SHA-256 of the canonical JSON of ``value`` (sorted keys), cut to ``length``."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def run_key(context_fingerprint: str, spec: Mapping) -> str:
    """Stable key of one run: its context and the entries of ``spec`` that change the solve."""
    keyed = {k: v for k, v in spec.items() if k not in NOT_KEYED}
    return stable_hash({"context": context_fingerprint, "spec": keyed})


def _frame_digest(frame: pd.DataFrame) -> str:
    return hashlib.sha256(frame.to_csv().encode("utf-8")).hexdigest()


def context_fingerprint(
    scenario_doc: Mapping, data: RegionData, tech: TechnologyData, mip_gap: float
) -> str:
    """Hash of everything a run's result depends on besides its spec."""
    tech_rows = [
        [k, name, f.low, f.base, f.high]
        for k, table in sorted(tech.tech.items())
        for name, f in sorted(table.items())
    ] + [[None, name, f.low, f.base, f.high] for name, f in sorted(tech.params.items())]
    overrides = sorted([[k or "", n, v] for (k, n), v in tech.overrides.items()])
    data_part = {
        name: _frame_digest(getattr(data, name))
        for name in ("regions", "mineral_sources", "mineral_prices", "facilities")
    }
    data_part["zones"] = {z: list(data.zone_members(z)) for z in sorted(data.zones)}
    return stable_hash(
        {
            "scenario": scenario_doc,
            "tech": tech_rows,
            "overrides": overrides,
            "data": data_part,
            "mip_gap": mip_gap,
        },
        length=32,
    )


class Checkpoint:
    """Append-only JSON-lines file of finished runs.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "runs.jsonl"
    >>> with Checkpoint(path) as ck:
    ...     ck.append({"key": "a", "payload": {"status": "optimal"}, "error": None})
    >>> sorted(Checkpoint(path).completed())
    ['a']
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._handle: IO[str] | None = None

    def records(self) -> Iterator[dict]:
        """Every readable record in file order (a torn last line is skipped)."""
        if not self.path.exists():
            return
        with self.path.open(encoding="utf-8") as fh:
            for line in fh:
                line = line.strip()
                if not line:
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(record, dict) and "key" in record:
                    yield record

    def completed(self) -> dict[str, dict]:
        """Records of runs that need not run again, by key (the last line of a key wins)."""
        out = {}
        for record in self.records():
            payload = record.get("payload")
            if (
                record.get("error") is None
                and isinstance(payload, dict)
                and payload.get("status") in FINAL_STATUSES
            ):
                out[record["key"]] = record
            else:
                out.pop(record["key"], None)
        return out

    def append(self, record: Mapping) -> None:
        """Write one record as a line, then flush and fsync."""
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            torn = False
            if self.path.exists() and self.path.stat().st_size > 0:
                with self.path.open("rb") as fh:
                    fh.seek(-1, os.SEEK_END)
                    torn = fh.read(1) != b"\n"
            self._handle = self.path.open("a", encoding="utf-8")
            if torn:  # end the line a kill cut short, so the next record starts clean
                self._handle.write("\n")
        self._handle.write(json.dumps(record, sort_keys=True, separators=(",", ":")) + "\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def close(self) -> None:
        """Close the file (appending again reopens it)."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def __enter__(self) -> Checkpoint:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def as_checkpoint(value: str | Path | Checkpoint | None) -> Checkpoint | None:
    """A Checkpoint from a path (or the object itself; None stays None)."""
    if value is None or isinstance(value, Checkpoint):
        return value
    return Checkpoint(value)


__all__ = ["Checkpoint", "as_checkpoint", "context_fingerprint", "run_key", "stable_hash"]
