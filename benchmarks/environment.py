"""The environment of a benchmarked process: this checkout first on ``PYTHONPATH``, and the
project's modules byte-compiled once, as an installed package has them.

``pip install`` byte-compiles a package's modules, and Python caches the bytecode of a checkout
(``__pycache__``) on its first import, so a planner's second and later runs do not compile
clustersite's ~170 modules again (about 0.2 s of a ``compare``). A machine with
``PYTHONDONTWRITEBYTECODE`` set would compile them on every start; the benchmarks therefore keep
the bytecode in a cache folder of their own (``PYTHONPYCACHEPREFIX``, outside the checkout),
compiled before the first timed run, and say so in their header. ``cold=True`` measures the other
case: every module compiled on every start (an empty cache that is never written).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("optimizer", "regions", "outputs", "benchmarks")
"""The project's packages, byte-compiled before timing."""
_compiled: dict[str, str] = {}


def _prefix(cold: bool) -> str:
    """The bytecode cache folder of this checkout (a fresh empty one when ``cold``)."""
    if cold:
        return tempfile.mkdtemp(prefix="clustersite-cold-bytecode-")
    tag = hashlib.sha256(str(REPO).encode()).hexdigest()[:12]
    return str(Path(tempfile.gettempdir()) / f"clustersite-bench-bytecode-{tag}")


def child_env(*, cold: bool = False) -> dict[str, str]:
    """Environment for a timed child process (see the module docstring)."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    key = "cold" if cold else "warm"
    if key not in _compiled:
        _compiled[key] = _prefix(cold)
        if not cold:  # compile now, untimed; stale files are compiled again (mtime check)
            subprocess.run(
                [sys.executable, "-m", "compileall", "-q", *PACKAGES],
                cwd=REPO, check=True, stdout=subprocess.DEVNULL,
                env={**env, "PYTHONPYCACHEPREFIX": _compiled[key]},
            )  # fmt: skip
    env["PYTHONPYCACHEPREFIX"] = _compiled[key]
    if cold:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def describe(cold: bool) -> str:
    """The header note of a benchmark run."""
    if cold:
        return "project modules compiled on every start (--cold-bytecode)"
    return "project bytecode cached, as after an install"


__all__ = ["child_env", "describe"]
