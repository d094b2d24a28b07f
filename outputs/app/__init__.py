"""The planner's desk: a local web app (``clustersite app``) over the same Python API as the CLI.

Modules: ``levers`` (scenario ↔ form values), ``state`` (solve cache keyed by the resolved
scenario, per-tab sessions, uploads), ``jobs`` (background solves and analyses with progress and
cancel), ``views`` (KPI cards, charts, comparison rows), ``render`` (map pages, TOML, run zip),
``desk`` (the actions callbacks call), ``layout`` and ``callbacks`` (Dash), ``server``.
Needs the ``app`` extra (``pip install -e ".[app]"``).
"""

from __future__ import annotations

from .desk import Desk
from .state import SolveCache, scenario_key


def serve(**kwargs) -> None:
    """Start the app (see ``outputs.app.server.serve``)."""
    from .server import serve as _serve

    _serve(**kwargs)


__all__ = ["Desk", "SolveCache", "scenario_key", "serve"]
