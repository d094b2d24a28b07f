"""``clustersite`` command line: a thin layer over the Python API.

Commands: ``run``, ``compare``, ``scenarios``, ``regions``, ``validate``, ``app``, the analyses
``regret``, ``sweep``, ``breakeven``, ``montecarlo`` and ``hindcast``, ``alternatives``. Exit codes: 0 success,
1 a bug in clustersite (the message says how to report it), 2 bad input (invalid data, scenario or
flag, missing or unreadable file, existing output folder, unknown scenario), 3 a scenario without
a solution. Errors are one line on stderr, with user text escaped; ``--debug`` adds the traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence

from optimizer.model.solve import show_solver_log

from ..flags import int_flag, iso_date
from .commands import (
    cmd_app,
    cmd_compare,
    cmd_regions,
    cmd_run,
    cmd_scenarios,
    cmd_validate,
)
from .common import (
    BAD_INPUT,
    DEFAULT_COMPARE,
    DEFAULT_PAIR,
    EXIT_BAD_INPUT,
    EXIT_FAILURE,
    EXIT_NO_SOLUTION,
    PROG,
    NoSolutionError,
    OneLineParser,
    _error_line,
    _fail,
    page_options,
)


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
    common.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show the solver's own log (HiGHS banner and progress) for solves in this process",
    )
    parser = OneLineParser(
        prog=PROG,
        description="Place battery-cell, NdFeB-magnet and solar-module clusters across US states.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    parser.set_defaults(debug=False, verbose=False)
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
        page_options(sub)
        sub.add_argument("--no-map", action="store_true", help="skip the per-run map.html")
        sub.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")
        data_option(sub)

    run = add(
        "run",
        cmd_run,
        "solve scenarios and export them: one scenario into OUT, several into OUT/<scenario-name>/",
    )
    run.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="built-in name or TOML path")
    run.add_argument(
        "--resolution",
        choices=("state", "county"),
        help="candidate sites: states (default) or counties (overrides the scenario's setting)",
    )
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
        "--as-of", metavar="YYYY-MM-DD", type=iso_date, help="date of the audit (default today)"
    )
    region_cmd.add_argument(
        "--csv",
        action="store_true",
        help="print CSV instead of a text table (with --sources: the citations only)",
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
    app.add_argument(
        "--scenarios",
        metavar="DIR",
        help="folder of saved scenarios (default: $CLUSTERSITE_SCENARIOS, else "
        "~/.local/share/clustersite/scenarios)",
    )
    data_option(app)

    from .analysis import register

    register(add)
    from .trust import register as register_trust

    register_trust(add)
    from .why import register as register_why

    register_why(add)
    return parser


def console() -> None:
    """The ``clustersite`` command (and ``python -m outputs.cli``): run ``main`` on sys.argv,
    flush what it printed and leave at once with its exit code.

    Every file a command writes is closed, and every helper process joined, before ``main``
    returns; skipping the interpreter's teardown of the loaded libraries saves 0.1-0.3 s per
    command. ``app`` (a server with worker processes) exits the ordinary way."""
    code = main()
    if "app" in sys.argv[1:]:
        sys.exit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: nothing more can be shown
        pass
    import logging

    logging.shutdown()
    os._exit(code)


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
            "breakeven, montecarlo, hindcast, alternatives, app"
        )
        return EXIT_BAD_INPUT
    show_solver_log(bool(args.verbose))
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
