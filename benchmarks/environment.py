"""The environment of a benchmarked process: this checkout first on ``PYTHONPATH``, and the
project's modules byte-compiled once, as an installed package has them.

``pip install`` byte-compiles a package's modules, and Python caches the bytecode of a checkout
(``__pycache__``) on its first import, so a planner's second and later runs do not compile
clustersite's ~170 modules again (about 0.2 s of a ``compare``). A machine with
``PYTHONDONTWRITEBYTECODE`` set would compile them on every start; the benchmarks therefore keep
the bytecode in a cache folder of their own (``PYTHONPYCACHEPREFIX``, outside the checkout),
compiled before the first timed run, and say so in their header. ``cold=True`` measures the other
case: the project's modules compiled on every start (the libraries' bytecode cached as usual).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("optimizer", "regions", "outputs", "benchmarks")
"""The project's packages, byte-compiled before timing."""
_compiled: dict[str, str] = {}


def _warm_prefix() -> str:
    """This checkout's bytecode cache folder, with the project compiled (libraries and the
    standard library are cached there by the first timed run, as on any machine)."""
    tag = hashlib.sha256(str(REPO).encode()).hexdigest()[:12]
    return str(Path(tempfile.gettempdir()) / f"clustersite-bench-bytecode-{tag}")


def _cold_prefix(env: dict[str, str]) -> str:
    """A copy of the warm cache without the project's bytecode: the libraries load from bytecode
    as usual, the project's modules are compiled on every start (nothing is written)."""
    warm = _warm_prefix()
    subprocess.run(  # fill the warm cache with the libraries' bytecode (untimed)
        [sys.executable, "-c", "import outputs.cli, optimizer, regions, folium.plugins, xlsxwriter"],
        cwd=REPO, check=True, env={**env, "PYTHONPYCACHEPREFIX": warm},
    )  # fmt: skip
    cold = tempfile.mkdtemp(prefix="clustersite-cold-bytecode-")
    project = Path(warm + str(REPO))  # the prefix mirrors absolute source paths
    shutil.copytree(
        warm, cold, dirs_exist_ok=True, ignore=lambda d, names: names if Path(d) == project else []
    )
    return cold


def child_env(*, cold: bool = False) -> dict[str, str]:
    """Environment for a timed child process (see the module docstring)."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if "warm" not in _compiled:  # compile now, untimed; stale files are compiled again (mtime)
        _compiled["warm"] = _warm_prefix()
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", *PACKAGES],
            cwd=REPO, check=True, stdout=subprocess.DEVNULL,
            env={**env, "PYTHONPYCACHEPREFIX": _compiled["warm"]},
        )  # fmt: skip
    if cold and "cold" not in _compiled:
        _compiled["cold"] = _cold_prefix(env)
    env["PYTHONPYCACHEPREFIX"] = _compiled["cold" if cold else "warm"]
    if cold:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def describe(cold: bool) -> str:
    """The header note of a benchmark run."""
    if cold:
        return "project modules compiled on every start (--cold-bytecode)"
    return "project bytecode cached, as after an install"


__all__ = ["child_env", "describe"]
