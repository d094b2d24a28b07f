"""Command-line numbers: argparse types that accept only finite numbers within a stated range.

A bad value ends the command with one line naming the flag, e.g.
``clustersite montecarlo: error: argument --runs: 1000000000000 is above the maximum 100000``.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from datetime import date

from regions.checks import check_number
from regions.errors import DataValidationError

MAX_RUNS = 100_000
"""Most Monte Carlo runs in one command (about 6 hours at 0.2 s a run on one core)."""
MAX_SEED = 2**32 - 1
"""Seeds are 32-bit unsigned integers, as numpy's legacy seeding accepts."""
MAX_WORKERS = 1024
MAX_GRID = 1000


def _checked(value: float, low: float | None, high: float | None, low_open: bool, integer: bool):
    try:
        return check_number(value, "", "", low=low, high=high, low_open=low_open, integer=integer)
    except DataValidationError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def int_flag(low: int | None = None, high: int | None = None) -> Callable[[str], int]:
    """An argparse ``type``: a whole number in [low, high].

    >>> int_flag(1, 10)("3")
    3
    >>> int_flag(0)("-1")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: -1 is below the minimum 0
    """

    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        return _checked(value, low, high, False, True)

    parse.__name__ = "whole number"
    return parse


def float_flag(
    low: float | None = None, high: float | None = None, *, low_open: bool = False
) -> Callable[[str], float]:
    """An argparse ``type``: a finite number in [low, high] (``low_open``: above ``low``).

    >>> float_flag(0, low_open=True)("nan")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: nan is not a finite number
    """

    def parse(text: str) -> float:
        try:
            value = float(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{text.strip()} is not a finite number")
        return _checked(value, low, high, low_open, False)

    parse.__name__ = "number"
    return parse


def iso_date(text: str) -> date:
    """``YYYY-MM-DD`` → date (argparse type)."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def slack_list(text: str) -> tuple[float, ...]:
    """``0.01,0.02,0.05`` → cost slacks, each in (0, 1] (argparse type).

    >>> slack_list("0.05, 0.01")
    (0.01, 0.05)
    """
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        raise argparse.ArgumentTypeError("expected slacks such as 0.01,0.02,0.05")
    one = float_flag(0, 1, low_open=True)
    return tuple(sorted(dict.fromkeys(one(p) for p in parts)))


def date_window(text: str) -> tuple[date, date]:
    """``2020-12-31,2024-12-31`` → (as_of, until), until after as_of (argparse type).

    >>> date_window("2020-12-31,2024-12-31")
    (datetime.date(2020, 12, 31), datetime.date(2024, 12, 31))
    """
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 2:
        raise argparse.ArgumentTypeError(f"expected AS_OF,UNTIL (two ISO dates), got {text!r}")
    as_of, until = (iso_date(p) for p in parts)
    if until <= as_of:
        raise argparse.ArgumentTypeError(f"UNTIL ({until}) must be after AS_OF ({as_of})")
    return as_of, until


__all__ = [
    "MAX_GRID",
    "MAX_RUNS",
    "MAX_SEED",
    "MAX_WORKERS",
    "date_window",
    "float_flag",
    "int_flag",
    "iso_date",
    "slack_list",
]
