"""``clustersite`` command line: a thin layer over the Python API.

Commands: ``run``, ``compare``, ``scenarios``, ``regions``, ``validate``. Exit codes: 0 success,
1 a bug in clustersite (the message says how to report it), 2 bad input (invalid data, scenario or
flag, missing or unreadable file, existing output folder, unknown scenario), 3 a scenario without
a solution. Errors are one line on stderr, with user text escaped; ``--debug`` adds the traceback.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import sys
import traceback
from collections.abc import Sequence
from datetime import date, datetime, timezone
from pathlib import Path

import pandas as pd

import optimizer
import regions
from optimizer import Result, Scenario
from optimizer.coefficients import check_scenario_ids
from regions import DataValidationError, RegionData
from regions.audit import figure_counts, stale_statuses

from .atomic import MANIFEST, check_replaceable, staged_folder
from .flags import int_flag
from .progress import Progress
from .terminal import printable, printable_lines

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
    return regions.load(folder)


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
    report = result.report
    if not result.ok:
        return report.status.value
    built = int((result.sites["new_capacity"] > 0).sum()) if len(result.sites) else 0
    return f"{report.status.value}, objective {report.objective:,.0f} USD/yr, {built} new sites"


def _no_solution_message(result: Result) -> str:
    report = result.report
    detail = f" ({report.message})" if report.message else ""
    return f"scenario {result.scenario.name!r} has no solution: {report.status.value}{detail}"


# --- commands ---------------------------------------------------------------------------------


def cmd_run(args: argparse.Namespace) -> int:
    """Solve each scenario and export it to ``OUT/<scenario-name>/``."""
    from .exports import export_run

    data = _load_data(args.data)
    scenarios = _load_scenarios(args.scenarios, data)
    out = Path(args.out) if args.out else _timestamp_folder()
    targets = [out / folder_name(s.name) for _, s in scenarios]
    for target in targets:
        _refuse_existing(target, args.overwrite)
    progress = Progress(len(scenarios), enabled=not args.quiet)
    code = EXIT_OK
    for (_, scenario), target in zip(scenarios, targets, strict=True):
        result = optimizer.solve(scenario, data)
        export_run(
            result,
            data,
            target,
            offline=args.offline,
            map=not args.no_map,
            overwrite=args.overwrite,
        )
        progress.step(scenario.name, f"{result.report.status.value}, exported")
        print(printable(f"{scenario.name}: {_describe(result)} -> {target}"), flush=True)
        if not result.ok:
            _fail(_no_solution_message(result) + f"; see {target / 'status.txt'}")
            code = EXIT_NO_SOLUTION
    return code


def _pair_indices(
    pair: Sequence[str] | None, scenarios: list[tuple[str, Scenario]], default_list: bool
) -> tuple[int, int]:
    """Indices of the two scenarios the report compares head to head."""
    if pair is None:
        if not default_list:
            return 0, 1
        pair = DEFAULT_PAIR
    indices = []
    for wanted in pair:
        matches = [i for i, (ref, s) in enumerate(scenarios) if wanted in (ref, s.name)]
        if not matches:
            names = ", ".join(s.name for _, s in scenarios)
            raise UsageError(f"--pair {wanted!r} is not among the compared scenarios ({names})")
        indices.append(matches[0])
    if indices[0] == indices[1]:
        raise UsageError("--pair needs two different scenarios")
    return indices[0], indices[1]


def cmd_compare(args: argparse.Namespace) -> int:
    """Solve several scenarios, export each, and write the comparison report (all staged)."""
    default_list = not args.scenarios
    refs = list(args.scenarios) or list(DEFAULT_COMPARE)
    if len(refs) < 2:
        raise UsageError("compare needs at least two scenarios")
    data = _load_data(args.data)
    scenarios = _load_scenarios(refs, data)
    pair = _pair_indices(args.pair, scenarios, default_list)
    out = Path(args.out) if args.out else _timestamp_folder()
    _refuse_existing(out, args.overwrite)
    from .compare import summary
    from .exports import export_run
    from .report import write_report

    progress = Progress(len(scenarios) + 1, enabled=not args.quiet)
    results: list[Result] = []
    with staged_folder(out, overwrite=args.overwrite) as staging:
        for _, scenario in scenarios:
            result = optimizer.solve(scenario, data)
            if not result.ok:
                raise NoSolutionError(
                    _no_solution_message(result)
                    + f"; nothing written (run `{PROG} run` on it for the diagnostics folder)"
                )
            export_run(
                result,
                data,
                staging / folder_name(scenario.name),
                offline=args.offline,
                map=not args.no_map,
            )
            results.append(result)
            progress.step(scenario.name, f"{result.report.status.value}, exported")
        write_report(results, data, staging, pair=pair, offline=args.offline)
        _write_compare_manifest(staging, scenarios, pair)
        progress.step("report", "written")
    for sentence in summary(results, data):
        print(printable(sentence))
    print(printable(f"report: {out / 'report.html'}"), flush=True)
    return EXIT_OK


def _write_compare_manifest(
    folder: Path, scenarios: list[tuple[str, Scenario]], pair: tuple[int, int]
) -> None:
    """``manifest.json`` of a comparison folder: version, scenarios and every file's sha256."""
    from .exports import _version, sha256_file

    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST)
    manifest = {
        "command": "compare",
        "clustersite_version": _version(),
        "created_utc": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "python": platform.python_version(),
        "scenarios": [
            {"ref": ref, "name": s.name, "folder": folder_name(s.name)} for ref, s in scenarios
        ],
        "pair": [scenarios[i][1].name for i in pair],
        "files": [
            {
                "path": p.relative_to(folder).as_posix(),
                "bytes": p.stat().st_size,
                "sha256": sha256_file(p),
            }
            for p in files
        ],
    }
    (folder / MANIFEST).write_text(
        json.dumps(manifest, indent=2, allow_nan=False) + "\n", encoding="utf-8"
    )


def cmd_scenarios(args: argparse.Namespace) -> int:
    """List the built-in scenarios with their descriptions."""
    names = list(optimizer.builtin_scenarios())
    width = max(map(len, names), default=0)
    for name in names:
        print(printable(f"{name:<{width}}  {optimizer.load_scenario(name).description}"))
    return EXIT_OK


def cmd_regions(args: argparse.Namespace) -> int:
    """Print the region table (with --sources the citations; with --audit the data health)."""
    data = _load_data(args.data)
    with pd.option_context(
        "display.width", 10_000, "display.max_columns", None, "display.max_rows", None
    ):
        if args.audit:
            as_of = args.as_of or date.today()
            print(f"Figures by how they are known (facilities as of {as_of}):")
            print(printable_lines(figure_counts(data, as_of).to_string(index=False), None))
            stale = stale_statuses(data, as_of)
            print(
                f"\nFacility statuses with evidence older than 12 months at {as_of}: {len(stale)}"
            )
            if len(stale):
                print(printable_lines(stale.to_string(index=False), None))
            return EXIT_OK
        print(printable_lines(data.regions.to_string(), limit=None))
        if args.sources:
            print()
            print(printable_lines(data.sources.to_string(index=False, max_colwidth=None), None))
    return EXIT_OK


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate a scenario TOML file or a data folder."""
    path = Path(args.file)
    data_file = path.name in regions.DATA_FILES or path.suffix.lower() in (".csv", ".geojson")
    if path.is_dir() or (data_file and path.is_file()):
        folder = path if path.is_dir() else path.parent
        data = regions.load(folder)
        print(printable(f"ok: data folder {folder}: {data!r}"))
        return EXIT_OK
    if not path.exists() and args.file not in optimizer.builtin_scenarios():
        raise FileNotFoundError(f"{path}: no such scenario file or data folder")
    data = _load_data(args.data)
    scenario = _load_scenario(args.file, data)
    print(printable(f"ok: scenario {scenario.name!r} ({args.file}): {scenario.description}"))
    return EXIT_OK


def cmd_app(args: argparse.Namespace) -> int:
    """Start the local web app (needs the ``app`` extra)."""
    try:
        import dash  # noqa: F401

        from .app import serve
    except ImportError:
        raise UsageError('the app needs its extra: pip install -e ".[app]"') from None
    serve(port=args.port, data_dir=args.data, open_browser=not args.no_browser)
    return EXIT_OK


# --- parser -----------------------------------------------------------------------------------


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("clustersite")
    except metadata.PackageNotFoundError:  # pragma: no cover
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of ``clustersite``."""
    common = OneLineParser(add_help=False)
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show the traceback of an error",
    )
    parser = OneLineParser(
        prog=PROG,
        description="Place battery-cell, NdFeB-magnet and solar-module clusters across US states.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    parser.set_defaults(debug=False)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, func, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text, parents=[common])
        sub.set_defaults(func=func)
        return sub

    def data_option(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--data", metavar="DIR", help="region data folder (default: the embedded US dataset)"
        )

    def output_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--out", metavar="DIR", help="output folder (default: runs/<UTC YYYYmmdd-HHMMSS>)"
        )
        sub.add_argument("--overwrite", action="store_true", help="replace existing output folders")
        sub.add_argument(
            "--offline", action="store_true", help="maps and report work without internet"
        )
        sub.add_argument("--no-map", action="store_true", help="skip the per-run map.html")
        sub.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")
        data_option(sub)

    run = add("run", cmd_run, "solve scenarios and export each to OUT/<scenario-name>/")
    run.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="built-in name or TOML path")
    output_options(run)

    compare = add("compare", cmd_compare, "solve scenarios, export each, write a comparison report")
    compare.add_argument(
        "scenarios",
        nargs="*",
        metavar="SCENARIO",
        help=f"built-in names or TOML paths (default: {' '.join(DEFAULT_COMPARE)})",
    )
    compare.add_argument(
        "--pair",
        nargs=2,
        metavar=("A", "B"),
        help="the two scenarios compared head to head (default: the first two given, or "
        f"{' '.join(DEFAULT_PAIR)} with the default list)",
    )
    output_options(compare)

    add("scenarios", cmd_scenarios, "list the built-in scenarios")

    region_cmd = add("regions", cmd_regions, "print the region table")
    region_cmd.add_argument("--sources", action="store_true", help="also print the citations")
    region_cmd.add_argument(
        "--audit",
        action="store_true",
        help="print figure counts (sourced/derived/constructed/assumed) and stale facility evidence",
    )
    region_cmd.add_argument(
        "--as-of", metavar="YYYY-MM-DD", type=_iso_date, help="date of the audit (default today)"
    )
    data_option(region_cmd)

    validate = add("validate", cmd_validate, "check a scenario TOML file or a data folder")
    validate.add_argument("file", metavar="FILE", help="scenario .toml file or data folder")
    data_option(validate)

    app = add("app", cmd_app, "start the planner's desk, a local web app, and print its address")
    app.add_argument(
        "--port",
        type=int_flag(0, 65535),
        default=8050,
        help="port on 127.0.0.1 (0: any free port)",
    )
    app.add_argument("--no-browser", action="store_true", help="do not open a browser")
    data_option(app)

    from .analysis_cli import register

    register(add)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``clustersite`` with ``argv`` (default: sys.argv[1:]); return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse printed usage/help or its error line
        return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT
    if args.command is None:
        parser.print_usage(sys.stderr)
        _fail(
            "choose a command: run, compare, scenarios, regions, validate, regret, sweep, "
            "breakeven, montecarlo, app"
        )
        return EXIT_BAD_INPUT
    try:
        return args.func(args)
    except NoSolutionError as exc:
        _debug(args)
        _fail(_error_line(exc))
        return EXIT_NO_SOLUTION
    except BAD_INPUT as exc:
        _debug(args)
        _fail(_error_line(exc))
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # e.g. `clustersite regions | head`: stop quietly
        _silence_stdout()
        return 141
    except KeyboardInterrupt:
        _debug(args)
        _fail("interrupted; output folders being written were removed")
        return 130
    except OSError as exc:  # a path the system cannot use (disk full, name too long …)
        if exc.filename is None:
            return _internal_error(args, exc)
        _debug(args)
        _fail(_error_line(exc))
        return EXIT_BAD_INPUT
    except Exception as exc:
        return _internal_error(args, exc)


def _internal_error(args: argparse.Namespace, exc: BaseException) -> int:
    """Report a bug (exit 1): no ordinary bad input reaches here."""
    _debug(args)
    how = (
        "the traceback above"
        if getattr(args, "debug", False)
        else "the output of the same command run with --debug"
    )
    _fail(
        f"internal error, a bug in {PROG} (not a problem with your input): "
        f"{type(exc).__name__}: {_error_line(exc)}; please report it to the project with {how}"
    )
    return EXIT_FAILURE


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # pragma: no cover - captured stdout
        pass


def _debug(args: argparse.Namespace) -> None:
    if getattr(args, "debug", False):
        traceback.print_exc()


if __name__ == "__main__":
    sys.exit(main())
