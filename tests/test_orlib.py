"""OR-Library capacitated facility location: file reader and published optima.

The optimum tests need Beasley's instance files; they look in ``$CLUSTERSITE_ORLIB_DIR`` or in
``<repo>/../shared/benchmarks/orlib-cap`` and skip when neither exists.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from optimizer.facility_location.orlib import read_cap, read_optima, solve_cap

# Tiny instance: 2 warehouses, 3 customers (tokens wrapped oddly on purpose; breaks carry no meaning).
#   w1: capacity 7, fixed 30;  w2: capacity 8, fixed 20
#   demand c1 = 4, c2 = 6, c3 = 5 (total 15)
#   cost of ALL of a customer's demand:  c1: w1 8, w2 20;  c2: w1 12, w2 6;  c3: w1 10, w2 15
#   => per unit:                         c1: w1 2, w2 5;   c2: w1 2,  w2 1;  c3: w1 2,  w2 3
# Optimum by hand. Total demand 15 exceeds either capacity, so both open: fixed 30 + 20 = 50.
# Capacities 7 + 8 = 15 = demand, so w2 ships exactly 8 units. All-at-w1 would cost 2·15 = 30;
# moving a unit to w2 changes cost by c1 +3, c2 -1, c3 +1. Cheapest 8 units: all 6 of c2 (-6)
# and 2 of c3 (+2), so transport = 30 - 4 = 26 (c1 4·2 + c2 6·1 + c3 3·2 + 2·3), total 76.
TINY = """ 2 3
 7 30.
 8 20. 4 8.
 20.
 6 12. 6.
 5
 10.
 15.
"""
TINY_OPT = 76.0

# Same instance with the capacity placeholder (the capa/capb/capc layout).
#   capacity 20: one warehouse suffices. w1 alone 30 + 2·15 = 60; w2 alone 20 + (20+6+15) = 61;
#     both 50 + (8+6+10) = 74, so 60.
#   capacity 7.5: both full (15 = demand); w2 takes c2's 6 (-6) and 1.5 of c3 (+1.5):
#     50 + 30 - 4.5 = 75.5.
TINY_PLACEHOLDER = TINY.replace(" 7 30.", " capacity 30.").replace(" 8 20.", " capacity 20.")


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_read_tiny(tmp_path):
    inst = read_cap(_write(tmp_path, "tiny.txt", TINY))
    assert inst.name == "tiny"
    assert list(inst.fixed_cost.index) == ["w1", "w2"]
    assert list(inst.demand.index) == ["c1", "c2", "c3"]
    assert inst.fixed_cost.to_dict() == {"w1": 30.0, "w2": 20.0}
    assert inst.capacity.to_dict() == {"w1": 7.0, "w2": 8.0}
    assert inst.demand.to_dict() == {"c1": 4.0, "c2": 6.0, "c3": 5.0}
    assert inst.unit_cost.loc["w1"].to_dict() == {"c1": 2.0, "c2": 2.0, "c3": 2.0}
    assert inst.unit_cost.loc["w2"].to_dict() == {"c1": 5.0, "c2": 1.0, "c3": 3.0}


def test_solve_tiny(tmp_path):
    obj, seconds = solve_cap(read_cap(_write(tmp_path, "tiny.txt", TINY)))
    assert obj == pytest.approx(TINY_OPT, abs=1e-9)
    assert seconds >= 0


@pytest.mark.parametrize(("capacity", "expected"), [(20.0, 60.0), (7.5, 75.5)])
def test_placeholder_with_capacity(tmp_path, capacity, expected):
    inst = read_cap(_write(tmp_path, "tinyp.txt", TINY_PLACEHOLDER), capacity=capacity)
    assert inst.name == f"tinyp-{capacity:g}"
    assert (inst.capacity == capacity).all()
    assert solve_cap(inst)[0] == pytest.approx(expected, abs=1e-9)


def test_placeholder_without_capacity_raises(tmp_path):
    path = _write(tmp_path, "tinyp.txt", TINY_PLACEHOLDER)
    with pytest.raises(ValueError, match="capacity") as err:
        read_cap(path)
    assert str(path) in str(err.value)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (TINY.replace("12.", "1x2"), "token 11 (line 5)"),  # bad number
        (TINY.rsplit("15.", 1)[0], "file ends early"),  # truncated
        (TINY + " 99\n", "extra token"),  # trailing token
        (TINY.replace(" 2 3", " 2.5 3"), "positive integer"),  # bad m
        (TINY.replace(" 6 12.", " -6 12."), "negative demand"),
        ("", "file ends early"),
    ],
)
def test_malformed_raises_naming_file(tmp_path, text, fragment):
    path = _write(tmp_path, "bad.txt", text)
    with pytest.raises(ValueError) as err:
        read_cap(path)
    assert str(path) in str(err.value)
    assert fragment in str(err.value)


def test_read_optima(tmp_path):
    text = """Data file   Optimal solution value
cap41       1040444.375
capa        19240822.449 (capacity 8000)
            18438046.543 (capacity 10000)

Note here that different machines may give slightly different results.
"""
    assert read_optima(_write(tmp_path, "opt.txt", text)) == {
        "cap41": 1040444.375,
        "capa-8000": 19240822.449,
        "capa-10000": 18438046.543,
    }
    with pytest.raises(ValueError, match="line 2"):
        read_optima(_write(tmp_path, "bad.txt", "Data file\ncap41  1.0.0\n"))


# --- published optima (needs the benchmark files) -----------------------------------------------


def _orlib_dir() -> Path:
    env = os.environ.get("CLUSTERSITE_ORLIB_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "orlib-cap"


SMALL = [
    f"cap{k}"
    for k in (
        41,
        42,
        43,
        44,
        51,
        61,
        62,
        63,
        64,
        71,
        72,
        73,
        74,
        81,
        82,
        83,
        84,
        91,
        92,
        93,
        94,
        101,
        102,
        103,
        104,
        111,
        112,
        113,
        114,
        121,
        122,
        123,
        124,
        131,
        132,
        133,
        134,
    )
]


@pytest.fixture(scope="module")
def orlib() -> tuple[Path, dict[str, float]]:
    root = _orlib_dir()
    if not (root / "capopt.txt").is_file():
        pytest.skip(f"OR-Library CAP files not found at {root} (set CLUSTERSITE_ORLIB_DIR)")
    return root, read_optima(root / "capopt.txt")


def test_capopt_lists_all(orlib):
    _, optima = orlib
    assert set(SMALL) <= set(optima)
    assert {"capa-8000", "capb-5000", "capc-7250"} <= set(optima)
    assert len(optima) == 49


@pytest.mark.parametrize("name", SMALL)
def test_published_optimum(orlib, name):
    root, optima = orlib
    path = root / f"{name}.txt"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    inst = read_cap(path)
    obj, _ = solve_cap(inst, time_limit_s=120.0)
    opt = optima[name]
    assert abs(obj - opt) <= 1e-6 * opt, f"{name}: {obj} vs published {opt}"
