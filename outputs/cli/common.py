"""What every ``clustersite`` command shares: exit codes, error types and one-line messages, and
loading the region data and scenarios the user names."""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

import optimizer
from optimizer import Result, Scenario
from optimizer.model.coefficients import check_scenario_ids
from regions import DataValidationError, RegionData

from ..atomic import check_replaceable
from ..formatting import fmt_usd_short
from ..missed import details_hint, missed_rules
from ..terminal import printable

PROG = "clustersite"
EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT, EXIT_NO_SOLUTION = 0, 1, 2, 3
DEFAULT_COMPARE = ("baseline", "great-lakes", "south")
DEFAULT_PAIR = ("great-lakes", "south")
MAX_FOLDER_CHARS = 80
"""Longest output folder name made from a scenario name (file systems allow 255 bytes)."""


class UsageError(Exception):
    """Bad command-line input (exit code 2)."""


class NoSolutionError(Exception):
    """A scenario solved without a solution (exit code 3)."""


BAD_INPUT = (
    DataValidationError,
    FileNotFoundError,
    FileExistsError,
    PermissionError,
    IsADirectoryError,
    NotADirectoryError,
    UsageError,
)


class OneLineParser(argparse.ArgumentParser):
    """argparse, with a usage error reported as one line (exit 2) that points to ``--help``."""

    def _get_values(self, action, arg_strings):
        # argparse (before Python 3.13) turns ``--opt=--`` into an empty list instead of a value
        if action.option_strings and action.nargs is None and arg_strings == ["--"]:
            self.error(f"argument {'/'.join(action.option_strings)}: expected one argument")
        return super()._get_values(action, arg_strings)

    def error(self, message: str):  # noqa: D102 - argparse's hook
        self.exit(
            EXIT_BAD_INPUT,
            f"{PROG}: error: {printable(message)} (see `{self.prog} --help`)\n",
        )


def _error_line(exc: BaseException) -> str:
    """One line describing ``exc`` (no traceback)."""
    if isinstance(exc, OSError) and exc.filename is not None and exc.strerror:
        text = f"{exc.filename}: {exc.strerror}"
    else:
        text = str(exc) or type(exc).__name__
    return " ".join(text.split())


def _fail(message: str) -> None:
    print(f"{PROG}: error: {printable(message)}", file=sys.stderr)


def folder_name(scenario_name: str) -> str:
    """A safe folder name for a scenario: runs of characters other than letters, digits, ``._-``
    become ``-``; a name longer than MAX_FOLDER_CHARS is cut and ends in a hash of the whole name.

    >>> folder_name("Battery Belt (2030)")
    'Battery-Belt-2030'
    >>> len(folder_name("x" * 5000)), folder_name("x" * 5000)[-9:]
    (80, '-c59d3c04')
    """
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", scenario_name).strip("-.")
    if len(name) > MAX_FOLDER_CHARS:
        digest = hashlib.sha256(scenario_name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        name = name[: MAX_FOLDER_CHARS - 9].rstrip("-.") + "-" + digest
    return name or "scenario"


def _timestamp_folder() -> Path:
    return Path("runs") / datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")


def _load_data(folder: str | None) -> RegionData:
    """The region data, from the on-disk cache when the files are unchanged (``regions.cache``)."""
    from regions.cache import load_cached

    return load_cached(folder)


def _load_scenario(ref: str, data: RegionData) -> Scenario:
    """Load and validate a scenario against the data; errors name the scenario file and field."""
    scenario = optimizer.load_scenario(ref)
    try:
        check_scenario_ids(scenario, data)
    except DataValidationError as exc:
        builtins = optimizer.builtin_scenarios()
        label = str(builtins.get(ref, ref))
        raise DataValidationError(label, exc.message, field=exc.field) from None
    return scenario


def _load_state_scenario(ref: str, data: RegionData) -> Scenario:
    """:func:`_load_scenario` for the analyses, which work at state resolution only (yet; the
    hindcast, which reads a county scenario, is the exception): a county scenario is refused
    before anything is solved."""
    scenario = _load_scenario(ref, data)
    if scenario.resolution == "county":
        raise UsageError(
            f"{scenario.name} is sited by county; this analysis works at state resolution only "
            "(yet): run it with `clustersite run` or `clustersite hindcast`, or analyse its "
            "state-resolution parent"
        )
    return scenario


def _load_scenarios(refs: Sequence[str], data: RegionData) -> list[tuple[str, Scenario]]:
    """(ref, Scenario) for each ref; folder names must be distinct."""
    loaded = [(ref, _load_scenario(ref, data)) for ref in refs]
    seen: dict[str, str] = {}
    for ref, scenario in loaded:
        name = folder_name(scenario.name)
        if name in seen:
            raise UsageError(
                f"scenarios {seen[name]!r} and {ref!r} have the same name {scenario.name!r}; "
                "give each a distinct name"
            )
        seen[name] = ref
    return loaded


def _refuse_existing(folder: Path, overwrite: bool) -> None:
    """Raise FileExistsError for an existing output folder (before any work) unless overwriting;
    ``--overwrite`` replaces only a folder clustersite wrote (it carries a clustersite manifest)."""
    if folder.exists() and not overwrite:
        raise FileExistsError(
            f"{folder} already exists; choose another --out folder or pass --overwrite"
        )
    if overwrite:
        check_replaceable(folder)


def _describe(result: Result) -> str:
    """``'optimal; objective USD 32.99 bn/yr of investor cost (the cost view it minimises;
    system cost USD 42.83 bn/yr); 8 new sites'``."""
    report = result.report
    if not result.ok:
        return report.status.value
    built = int((result.sites["new_capacity"] > 0).sum()) if len(result.sites) else 0
    view = result.scenario.objective
    other = "investor" if view == "system" else "system"
    try:
        also = f"; {other} cost {fmt_usd_short(result.kpi(f'{other}_cost'))}/yr"
    except KeyError:
        also = ""
    proof = ""
    if report.bound_gap is not None:
        proof = (
            f"; by county: at most {100 * report.bound_gap:.2f} % above the best plan over all "
            f"{report.bound_candidates:,} screened county candidates (proven bound)"
        )
    return (
        f"{report.status.value}; objective {fmt_usd_short(report.objective)}/yr of {view} cost "
        f"(the cost view it minimises{also}); {built} new site{'s' if built != 1 else ''}{proof}"
    )


def warn_missed(result: Result, details: str, label: str | None = None) -> int:
    """One ``clustersite: warning:`` line on stderr per target or rule ``result`` missed (what,
    by how much, its penalty, where ``details`` are); return how many."""
    rules = missed_rules(result, label)
    for rule in rules:
        print(
            printable(f"{PROG}: warning: {rule.sentence()}{details_hint(details)}", limit=None),
            file=sys.stderr,
            flush=True,
        )
    return len(rules)


def _no_solution_message(result: Result) -> str:
    report = result.report
    detail = f" ({report.message})" if report.message else ""
    return f"scenario {result.scenario.name!r} has no solution: {report.status.value}{detail}"


def page_options(sub: argparse.ArgumentParser) -> None:
    """``--cdn`` and ``--tiles``: what the written HTML pages may load from the internet."""
    sub.add_argument(
        "--cdn",
        action="store_true",
        help="link Leaflet/Bootstrap from their CDNs: smaller HTML files that need internet "
        "(default: self-contained pages that open without a network)",
    )
    sub.add_argument(
        "--tiles",
        action="store_true",
        help="add an online OpenStreetMap basemap under the state polygons (needs internet)",
    )
    sub.add_argument("--offline", action="store_true", help=argparse.SUPPRESS)  # the default now
