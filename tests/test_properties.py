"""Property-based tests: scenario fields, data-folder cells and command-line numbers drawn valid,
on the boundary and hostile. Each input either solves with a self-consistent result (the
objective is the sum of its reported terms) or is refused with exit 2 and one line naming the
file and field. Budget: the ``ci`` profile (tests/conftest.py); ``HYPOTHESIS_PROFILE=long`` for
a longer search by hand.
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
import shutil
import tempfile
from datetime import date, datetime
from pathlib import Path

import pytest
import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as st

import optimizer
import regions
from outputs.cli import build_parser, main
from outputs.flags import MAX_GRID, MAX_RUNS, MAX_SEED, MAX_WORKERS
from tests.helpers import assert_self_consistent, edit_csv

HOSTILE_VALUES = [
    math.nan,
    math.inf,
    -math.inf,
    1e308,
    -1e308,
    -1,
    -1e-12,
    2**70,
    True,
    "1",
    "",
    [],
    {},
    [1.0],
    date(2030, 1, 1),
    datetime(2030, 1, 1, 8, 0),
]

SCENARIO_FIELDS = {  # dotted key: (low, high, whole number)
    "multipliers.power_price": (0, 100, False),
    "multipliers.wage": (0, 100, False),
    "multipliers.mineral_price": (0, 100, False),
    "multipliers.power_price_by_region.TN": (0, 100, False),
    "policy.green_lane_factor": (0, 1, False),
    "policy.co_investment_rate_reduction": (0, 0.2, False),
    "policy.state_incentives.GA": (0, 1, False),
    "minerals.min_domestic_share.lithium": (0, 1, False),
    "limits.labor_share_cap": (0, 1, False),
    "limits.max_clusters.battery": (0, 60, True),
    "targets.battery.value": (0, 1e9, False),
    "targets.solar.value": (0, 1e9, False),
    "solver.mip_gap": (0, 1, False),
    "solver.time_limit_s": (5, 1e6, False),
    "solver.threads": (1, 2, True),
    "horizon_year": (2026, 2100, True),
}


def _number(low: float, high: float, whole: bool) -> st.SearchStrategy:
    """Valid values, the bounds themselves, and values just outside."""
    inside = (
        st.integers(int(low), int(high))
        if whole
        else st.floats(low, high, allow_nan=False, allow_infinity=False)
    )
    span = max(abs(high - low), 1.0)
    outside = st.sampled_from([low - 1, high + 1, low - span * 1e-9, high + span * 1e3])
    if whole:
        outside = outside.map(int)
    return st.one_of(inside, st.sampled_from([low, high]), outside)


@st.composite
def scenario_edits(draw) -> tuple[str, object]:
    key = draw(st.sampled_from(sorted(SCENARIO_FIELDS)))
    low, high, whole = SCENARIO_FIELDS[key]
    value = draw(st.one_of(_number(low, high, whole), st.sampled_from(HOSTILE_VALUES)))
    return key, value


def _nested(key: str, value: object) -> dict:
    doc: dict = {}
    node = doc
    parts = key.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
    return doc


def assert_one_line_naming(err: str, *fragments: str) -> None:
    """stderr is one ``clustersite: error:`` line that contains each fragment."""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("clustersite: error: "), err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, err)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("properties")


@given(edit=scenario_edits())
def test_scenario_field_solves_consistently_or_is_refused(data, workdir, edit):
    key, value = edit
    path = workdir / "edited.toml"
    doc = {"extends": "baseline", "name": "edited", **_nested(key, value)}
    path.write_text(tomli_w.dumps(doc), encoding="utf-8")
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(["validate", str(path)])
    if code == 2:
        assert_one_line_naming(stderr.getvalue(), str(path), f"field {key}")
        return
    assert code == 0, stderr.getvalue()
    result = optimizer.solve(optimizer.load_scenario(path), data, with_duals=False)
    if key == "solver.time_limit_s" and not result.ok:
        return  # a time limit may end a solve without a solution (exit 3, not a wrong answer)
    assert_self_consistent(result)


DATA_CELLS = [  # (file, column, a row id in its first column)
    ("regions.csv", "power_price_usd_per_mwh", "TN"),
    ("regions.csv", "mfg_employment_jobs", "MI"),
    ("regions.csv", "mfg_wage_usd_per_yr", "GA"),
    ("regions.csv", "grid_co2_kg_per_mwh", "OH"),
    ("regions.csv", "permitting_months", "KY"),
    ("mineral_prices.csv", "price_usd_per_t", "lithium"),
    ("mineral_prices.csv", "import_tariff_pct", "nickel"),
    ("mineral_sources.csv", "capacity_t_per_yr", None),
    ("mineral_sources.csv", "first_production_year", None),
]

CELL_TEXT = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**12), 10**12).map(str),
    st.sampled_from(
        ["", "nan", "NaN", "inf", "-inf", "1e400", "abc", "1,5", "0x10", "٣", " 7 ", "\x1b[2J"]
    ),
)


@st.composite
def cell_edits(draw) -> tuple[str, str, str | None, str]:
    file, column, row_id = draw(st.sampled_from(DATA_CELLS))
    spec = next(s for s in regions.table_schema()[file] if s.column == column)
    numbers = st.floats(spec.min or 0.0, spec.max or 1e6, allow_nan=False).map(repr)
    return file, column, row_id, draw(st.one_of(numbers, CELL_TEXT))


def _first_id(path: Path) -> str:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    return rows[1][0]


@given(edit=cell_edits())
def test_data_cell_solves_consistently_or_is_refused(edit):
    file, column, row_id, text = edit
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "data"
        shutil.copytree(regions.DEFAULT_DATA_DIR, folder)
        path = folder / file
        edit_csv(path, row_id or _first_id(path), column, text)
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = main(["validate", str(folder)])
        if code == 2:
            assert_one_line_naming(stderr.getvalue(), str(path), f"field {column}")
            return
        assert code == 0, stderr.getvalue()
        result = optimizer.solve("baseline", regions.load(folder), with_duals=False)
        assert_self_consistent(result)


FLAGS = {  # flag: (command prefix, low, high, whole number)
    "--runs": (["montecarlo", "baseline"], 1, MAX_RUNS, True),
    "--seed": (["montecarlo", "baseline"], 0, MAX_SEED, True),
    "--workers": (["regret", "baseline"], 1, MAX_WORKERS, True),
    "--grid": (["breakeven", "baseline", "south", "--parameter", "wage@south"], 2, MAX_GRID, True),
    "--tol": (["breakeven", "baseline", "south", "--parameter", "wage@south"], 0, None, False),
}

FLAG_TEXT = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", "nan", "inf", "1e3", "1_000", "0x10", "--", "٣", "\x1b[2J", "-0"]),
)


@settings(max_examples=settings().max_examples * 4)  # cheap: no solve
@given(flag=st.sampled_from(sorted(FLAGS)), text=FLAG_TEXT)
def test_flag_is_accepted_in_range_or_refused_in_one_line(flag, text):
    prefix, low, high, whole = FLAGS[flag]
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        try:
            args = build_parser().parse_args([*prefix, f"{flag}={text}"])
        except SystemExit as exc:
            assert exc.code == 2
            assert_one_line_naming(stderr.getvalue(), f"argument {flag}")
            assert "\x1b" not in stderr.getvalue()
            return
    value = getattr(args, flag[2:])
    assert math.isfinite(value) and value >= low and (high is None or value <= high)
    assert value > 0 if flag == "--tol" else True
    assert value == (int(text.strip()) if whole else float(text.strip()))
