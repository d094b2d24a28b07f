"""The scenario commands: ``run``, ``compare``, ``scenarios``, ``regions``, ``validate``."""

from __future__ import annotations

import argparse
import json
import platform
import sys
import textwrap
from collections.abc import Sequence
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import pandas as pd

import optimizer
import regions
from optimizer import Result, Scenario
from optimizer.model.scenario import with_resolution
from optimizer.runs.progress import Progress
from regions import RegionData
from regions.audit import borrowed_permitting, figure_counts, stale_statuses
from regions.suggest import did_you_mean

from ..atomic import MANIFEST, staged_folder
from ..terminal import printable, printable_lines
from .common import (
    DEFAULT_COMPARE,
    DEFAULT_PAIR,
    EXIT_NO_SOLUTION,
    EXIT_OK,
    PROG,
    NoSolutionError,
    UsageError,
    _describe,
    _fail,
    _load_data,
    _load_scenario,
    _load_scenarios,
    _no_solution_message,
    _refuse_existing,
    _timestamp_folder,
    folder_name,
    warn_missed,
)
from .fork import fork_call

if TYPE_CHECKING:
    from ..reports.compare import ReportDraft


def cmd_run(args: argparse.Namespace) -> int:
    """Solve each scenario and export it: one scenario to ``OUT/``, several to
    ``OUT/<scenario-name>/`` (without ``--out``: ``runs/<UTC timestamp>/<scenario-name>/``)."""
    from ..exports.run import export_run

    data = _load_data(args.data)
    scenarios = _load_scenarios(args.scenarios, data)
    if args.resolution:
        scenarios = [(ref, with_resolution(s, args.resolution)) for ref, s in scenarios]
    out = Path(args.out) if args.out else None
    if out is not None and len(scenarios) == 1:
        targets = [out]  # one scenario: OUT is its run folder
    else:
        out = out or _timestamp_folder()
        targets = [out / folder_name(s.name) for _, s in scenarios]
    for target in targets:
        _refuse_existing(target, args.overwrite)
    progress = Progress(len(scenarios), "run", enabled=not args.quiet)
    code = EXIT_OK
    for (_, scenario), target in zip(scenarios, targets, strict=True):
        if scenario.periods is not None:  # a phased build-out
            from ..phased.cli import run_phased

            phased = run_phased(
                scenario, data, target, overwrite=args.overwrite, map=not args.no_map
            )
            progress.step(scenario.name, f"{phased.report.status.value}, exported")
            if not phased.ok:
                code = EXIT_NO_SOLUTION
            continue
        if scenario.resolution == "county":  # the county view is what the run's files describe
            result, run_data = optimizer.api.solve_county(scenario, data)
        else:
            result, run_data = optimizer.solve(scenario, data), data
        export_run(
            result,
            run_data,
            target,
            offline=not args.cdn,
            tiles=args.tiles,
            map=not args.no_map,
            overwrite=args.overwrite,
        )
        progress.step(scenario.name, f"{result.report.status.value}, exported")
        print(printable(f"{scenario.name}: {_describe(result)} -> {target}"), flush=True)
        if result.ok and not args.no_map:
            print(printable(f"{scenario.name}: map {target / 'map.html'}"), flush=True)
        warn_missed(result, str(target / "unmet.csv"))
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
            names = [s.name for _, s in scenarios]
            raise UsageError(
                f"--pair {wanted!r} is not among the compared scenarios ({', '.join(names)})"
                + did_you_mean(wanted, names)
            )
        indices.append(matches[0])
    if indices[0] == indices[1]:
        raise UsageError("--pair needs two different scenarios")
    return indices[0], indices[1]


def cmd_compare(args: argparse.Namespace) -> int:
    """Solve several scenarios, export each, and write the comparison report (all staged).

    Two processes share the work where the system can fork (see ``fork``): a helper solves
    every other scenario while this process solves the rest and, while it waits for the helper,
    draws its own runs' maps and writes their tables, workbook and GeoJSON, then starts the
    report; then a second helper writes the runs' files not yet written while this process writes
    the report and half the maps not yet drawn, the helper the other half; the manifests come
    last. The files are the same as from one process."""
    default_list = not args.scenarios
    refs = list(args.scenarios) or list(DEFAULT_COMPARE)
    if len(refs) < 2:
        raise UsageError("compare needs at least two scenarios")
    data = _load_data(args.data)
    scenarios = _load_scenarios(refs, data)
    county = [s.name for _, s in scenarios if s.resolution == "county"]
    solved = None
    if county:
        if len(county) != len(scenarios) or any(s.periods is not None for _, s in scenarios):
            raise UsageError(
                f"compare county scenarios with county ones only; {', '.join(county)} is sited "
                "by county, the others by state"
            )
        data, solved = _solve_counties(data, scenarios)
        scenarios = [(ref, r.scenario) for (ref, _s), r in zip(scenarios, solved, strict=True)]
    pair = _pair_indices(args.pair, scenarios, default_list)
    out = Path(args.out) if args.out else _timestamp_folder()
    _refuse_existing(out, args.overwrite)
    phased = [s.periods is not None for _, s in scenarios]
    if any(phased):
        if not all(phased):
            raise UsageError("compare phased scenarios with phased ones only (a [periods] table)")
        from ..phased.cli import compare_phased

        compare_phased(
            [s for _, s in scenarios], data, out, overwrite=args.overwrite, map=not args.no_map
        )
        return EXIT_OK
    progress = Progress(len(scenarios) + 1, "compare", enabled=not args.quiet)
    page = {"offline": not args.cdn, "tiles": args.tiles}
    with staged_folder(out, overwrite=args.overwrite) as staging:
        runs = [_Run(s, staging / folder_name(s.name)) for _, s in scenarios]
        maps = None if args.no_map else page
        if solved is None:
            results, written, draft = _solve_all(runs, data, maps, pair[0], args.tiles)
        else:  # county scenarios: solved already, every file written below
            results, written, draft = solved, {}, None
        for result in results:
            if not result.ok:
                raise NoSolutionError(
                    _no_solution_message(result)
                    + f"; nothing written (run `{PROG} run` on it for the diagnostics folder)"
                )
            progress.step(result.scenario.name, f"{result.report.status.value}, exported")
        from ..reports.compare import write_report

        finished = [(r, run.folder) for r, run in zip(results, runs, strict=True)]
        rest = [finished[i] for i in range(len(finished)) if i not in written]
        undrawn = [] if maps is None else [i for i in range(len(finished)) if not written.get(i)]
        theirs = undrawn[len(undrawn) // 2 :]  # the helper draws the larger half of the maps left
        their_maps = [finished[i] for i in theirs]
        with fork_call(_write_files, rest, data, their_maps, maps) as writing:
            write_report(results, data, staging, pair=pair, draft=draft, **page)
            if maps is not None:
                mine = [i for i in range(len(finished)) if i not in theirs]
                _write_maps([finished[i] for i in mine], data, maps, [written.get(i) for i in mine])
            writing.result()
        _write_manifests(finished, data)
        _write_compare_manifest(staging, scenarios, pair)
        progress.step("report", "written")
    from ..reports.summary import summary

    for sentence in summary(results, data):
        print(printable(sentence))
    for result in results:
        details = f"{out / 'report.html'} (Rules missed), {out / folder_name(result.scenario.name) / 'unmet.csv'}"
        warn_missed(result, details)
    print(printable(f"report: {out / 'report.html'}"), flush=True)
    return EXIT_OK


def _solve_counties(
    data: RegionData, scenarios: list[tuple[str, Scenario]]
) -> tuple[RegionData, list[Result]]:
    """Each county scenario solved over every screened county (``optimizer.solve_county``),
    and the county dataset they share (the same screened counties; refused otherwise). A helper
    process (see ``fork``) solves every other scenario while this one solves the rest: each
    solve runs on one core, so two scenarios take about the time of one on two cores."""
    with fork_call(_solve_county_list, [s for _, s in scenarios[1::2]], data) as odd:
        even = _solve_county_list([s for _, s in scenarios[0::2]], data)
        odd_solved = odd.result()
    solved = [even[i // 2] if i % 2 == 0 else odd_solved[i // 2] for i in range(len(scenarios))]
    view = solved[0][1]
    for result, other in solved[1:]:
        if not other.regions.index.equals(view.regions.index):
            raise UsageError(
                f"{result.scenario.name} screens other counties than {solved[0][0].scenario.name} "
                "(another labor cap or target types): compare them with `clustersite run` each"
            )
    return view, [result for result, _view in solved]


def _solve_county_list(
    scenarios: list[Scenario], data: RegionData
) -> list[tuple[Result, RegionData]]:
    """``optimizer.solve_county`` of each scenario, in order."""
    return [optimizer.api.solve_county(scenario, data) for scenario in scenarios]


class _Run(NamedTuple):
    """A scenario and its run folder (made when its first file is written)."""

    scenario: Scenario
    folder: Path


def _solve(runs: list[_Run], data: RegionData) -> list[Result]:
    """Solve each scenario and work out its "why this state" table (``Result.why``, returned
    with the result so the report and maps share it)."""
    results = []
    for scenario, _folder in runs:
        result = optimizer.solve(scenario, data)
        results.append(result)
        if result.ok:
            result.why  # noqa: B018 - fills the cached table
    return results


def _solve_all(
    runs: list[_Run],
    data: RegionData,
    page: dict[str, bool] | None,
    left: int = 0,
    tiles: bool = False,
) -> tuple[list[Result], dict[int, str | None], ReportDraft | None]:
    """Every scenario solved, in order, and some runs exported meanwhile: a helper takes the odd
    positions; while it works, this process gets the maps and report ready (a later helper
    inherits what it loaded), then, run by run, draws its own runs' maps (``page`` None: no
    maps) and writes their files, until the helper is done. Then, still while it waits, it
    starts the report (``ReportDraft``: its data tables and, when the run at position ``left``
    is its own, the left half of the side-by-side map, ``tiles`` as the report's).

    Returns the results; by position, the runs whose files are written, with their map's HTML,
    drawn but not yet written (None without a map); and the report's draft (None when there was
    no time for one). A run whose scenario has no solution is left alone: the command stops
    with nothing written."""
    written: dict[int, str | None] = {}
    draft = None
    for as_of in {run.scenario.facilities_as_of for run in runs}:
        data.facilities_as_of(as_of)  # the facility views, worked out once for both processes
    with fork_call(_solve, runs[1::2], data) as odd:
        even = _solve(runs[0::2], data)
        if odd.forked:
            _ready_for_maps(data)
            for position, result in zip(range(0, len(runs), 2), even, strict=True):
                if odd.ready() or not result.ok:
                    break
                html = None if page is None else _map_html(result, data, page)
                if odd.ready():
                    break
                _write_files([(result, runs[position].folder)], data)
                written[position] = html
            if not odd.ready():
                draft = _report_draft(data, runs[0].scenario.facilities_as_of, tiles)
                if left % 2 == 0 and even[left // 2].ok and not odd.ready():
                    draft.start_map(even[left // 2])
        odd_results = odd.result()
    results = [even[i // 2] if i % 2 == 0 else odd_results[i // 2] for i in range(len(runs))]
    return results, written, draft


def _report_draft(data: RegionData, as_of: date, tiles: bool) -> ReportDraft:
    """A comparison report's draft with its data tables worked out."""
    from ..reports.compare import ReportDraft

    draft = ReportDraft(data, optimizer.load_technology(), as_of, tiles)
    draft.data_context()
    return draft


def _map_html(result: Result, data: RegionData, page: dict[str, bool]) -> str:
    """A run's ``map.html`` page."""
    from ..maps.scenario import render_html, scenario_map

    return render_html(scenario_map(result, data, **page), offline=page["offline"])


def _write_map_html(folder: Path, html: str) -> None:
    """Write a drawn ``map.html`` into a run folder."""
    from ..atomic import atomic_write_text

    atomic_write_text(folder / "map.html", html)


def _ready_for_maps(data: RegionData) -> None:
    """Import the map and report modules and simplify the state polygons the maps draw."""
    from ..geometry import state_shapes
    from ..reports import compare  # noqa: F401

    state_shapes(data)


def _write_files(
    finished: list[tuple[Result, Path]],
    data: RegionData,
    maps: Sequence[tuple[Result, Path]] = (),
    page: dict[str, bool] | None = None,
) -> None:
    """Each run folder's tables, workbook, GeoJSON and ``scenario.toml`` (the folder is made),
    then the ``map.html`` of each run in ``maps`` (drawn with ``page``'s options)."""
    from ..exports.run import write_run_files

    for result, folder in finished:
        folder.mkdir(exist_ok=True)
        write_run_files(result, data, folder)
    if maps and page is not None:
        _write_maps(list(maps), data, page, [None] * len(maps))


def _write_maps(
    finished: list[tuple[Result, Path]],
    data: RegionData,
    page: dict[str, bool],
    drawn: Sequence[str | None],
) -> None:
    """Each run's ``map.html``: the HTML ``drawn`` already (by position in ``finished``) as it
    is, the others (None) drawn now (each run folder is made)."""
    from ..exports.run import write_run_map

    for (result, folder), html in zip(finished, drawn, strict=True):
        folder.mkdir(exist_ok=True)
        if html is not None:
            _write_map_html(folder, html)
        else:
            write_run_map(result, data, folder, **page)


def _write_manifests(finished: list[tuple[Result, Path]], data: RegionData) -> None:
    """Each run's ``manifest.json``, once every other file of the run is written."""
    from ..exports.run import write_run_manifest

    for result, folder in finished:
        write_run_manifest(result, data, folder)


def _write_compare_manifest(
    folder: Path, scenarios: list[tuple[str, Scenario]], pair: tuple[int, int]
) -> None:
    """``manifest.json`` of a comparison folder: version, scenarios and every file's sha256."""
    from ..exports.run import _version, sha256_file

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
    """Print the region table, or with --sources the citations; --csv prints CSV for a
    spreadsheet (``clustersite regions --sources --csv > sources.csv``)."""
    data = _load_data(args.data)
    if args.audit:
        return _audit(data, args.as_of or date.today())
    if args.csv:
        table = data.sources if args.sources else data.regions
        text = table.to_csv(index=not args.sources, lineterminator="\n")
        tty = bool(getattr(sys.stdout, "isatty", lambda: False)())
        sys.stdout.write(printable_lines(text, limit=None) if tty else text)
        return EXIT_OK
    with pd.option_context(
        "display.width", 10_000, "display.max_columns", None, "display.max_rows", None
    ):
        print(printable_lines(data.regions.to_string(), limit=None))
    if args.sources:
        print()
        for line in source_lines(data.sources):
            print(printable(line, limit=None))
    return EXIT_OK


def _audit(data: RegionData, as_of: date) -> int:
    """Print figure counts by how they are known and facility statuses with stale evidence."""
    with pd.option_context("display.width", 10_000, "display.max_columns", None):
        print(f"Figures by how they are known (facilities as of {as_of}):")
        print(printable_lines(figure_counts(data, as_of).to_string(index=False), None))
        stale = stale_statuses(data, as_of)
        print(f"\nFacility statuses with evidence older than 12 months at {as_of}: {len(stale)}")
        if len(stale):
            print(printable_lines(stale.to_string(index=False), None))
        borrowed = borrowed_permitting(data)
        evidenced = int((data.permitting.get("basis", pd.Series(dtype=str)) == "evidence").sum())
        print(
            f"\nPermitting months borrowed from other states (no evidence of their own): "
            f"{len(borrowed)}; {evidenced} regions rest on their own evidence"
        )
        if len(borrowed):
            print(printable_lines(borrowed.to_string(index=False), None))
    return EXIT_OK


def source_lines(sources: pd.DataFrame, width: int = 100) -> list[str]:
    """The citations as short blocks: ``table / column [region] (kind, vintage)`` then the
    citation, URL, licence and note indented, wrapped at ``width`` (URLs are never broken)."""
    lines: list[str] = []
    for _, row in sources.iterrows():
        region = f" [{row['region_id']}]" if str(row["region_id"]) else ""
        lines.append(
            f"{row['table']} / {row['column']}{region} ({row['kind']}, vintage {row['vintage']})"
        )
        for label in ("citation", "url", "licence", "note"):
            text = str(row[label]).strip()
            if not text:
                continue
            if label == "url":
                lines.append(f"    url: {text}")
                continue
            lines += textwrap.wrap(
                f"{label}: {text}", width, initial_indent="    ", subsequent_indent="      "
            )
    return lines


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

        from ..app import serve
        from ..app.server import PortInUse
    except ImportError:
        raise UsageError('the app needs its extra: pip install -e ".[app]"') from None
    try:
        serve(
            port=args.port,
            data_dir=args.data,
            open_browser=not args.no_browser,
            scenarios_dir=args.scenarios,
        )
    except PortInUse:
        raise UsageError(
            f"argument --port: port {args.port} on 127.0.0.1 is in use (another clustersite "
            "app?); stop it, choose another --port, or use --port 0 for any free port"
        ) from None
    return EXIT_OK
