"""One check for every number a user supplies, and one way to read a user's text file.

Scenario files, data folders and command-line flags all pass their numbers through
``check_number``: of the right type (a bool is not a number), finite (NaN and infinity are
rejected, as linopy does), within range. A failure is a ``DataValidationError`` naming the file
(or flag), line and field.
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from pathlib import Path

from .errors import DataValidationError


def _fmt(bound: float) -> str:
    """A bound as written: whole numbers in full (4294967295, not 4.29497e+09)."""
    return str(int(bound)) if float(bound).is_integer() and abs(bound) < 1e16 else f"{bound:g}"


def _bounds_text(low: float | None, high: float | None, low_open: bool) -> str:
    """``outside [0, 1]``, ``outside (0, 1]``, ``below the minimum 0``, ``above the maximum 1``."""
    if low is not None and high is not None:
        return f"outside {'(' if low_open else '['}{_fmt(low)}, {_fmt(high)}]"
    if low is not None:
        return f"not above {_fmt(low)}" if low_open else f"below the minimum {_fmt(low)}"
    return f"above the maximum {_fmt(high)}"


def check_number(
    value: object,
    file: str,
    field: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    integer: bool = False,
    line: int | None = None,
    row_id: str | None = None,
) -> float | int:
    """``value`` as a float (an int with ``integer``) if it is a finite number within range.

    Args:
        value: the number as read (int or float; a bool, a string or None is rejected).
        file, field, line, row_id: where it came from, for the error message.
        low, high: inclusive bounds (``low_open``: ``low`` itself is excluded).
        integer: require a whole number (an int, or a float like 3.0).

    Raises:
        DataValidationError: naming the file, line and field, e.g. ``nan is not a finite number``.

    >>> check_number(0.5, "s.toml", "policy.green_lane_factor", low=0, high=1)
    0.5
    >>> check_number(float("nan"), "s.toml", "multipliers.wage", low=0)
    Traceback (most recent call last):
    ...
    regions.errors.DataValidationError: s.toml, field multipliers.wage: nan is not a finite number
    """
    where = {"file": file, "field": field, "line": line, "row_id": row_id}
    if isinstance(value, bool) or not isinstance(value, Real):
        kind = "a whole number" if integer else "a number"
        raise DataValidationError(message=f"{_short(value)} is not {kind}", **where)
    try:
        number = float(value)
    except OverflowError:  # an int beyond float range
        number = None
    if number is None or (integer and math.isinf(number)):
        raise DataValidationError(message=f"{_short(value)} is far out of range", **where)
    if not math.isfinite(number):
        raise DataValidationError(message=f"{value!r} is not a finite number", **where)
    if integer and not float(number).is_integer():
        raise DataValidationError(message=f"{value!r} is not a whole number", **where)
    too_low = low is not None and (number <= low if low_open else number < low)
    too_high = high is not None and number > high
    if too_low or too_high:
        raise DataValidationError(
            message=f"{_short(value)} is {_bounds_text(low, high, low_open)}", **where
        )
    if integer:
        return int(value) if isinstance(value, Integral) else int(number)
    return number


def _short(value: object, limit: int = 60) -> str:
    """``repr(value)``, shortened to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def read_text(path: Path, label: str | None = None) -> str:
    """The UTF-8 text of a user's file; DataValidationError if it cannot be read or decoded."""
    label = label or str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DataValidationError(label, "file not found") from None
    except IsADirectoryError:
        raise DataValidationError(label, "is a folder, expected a file") from None
    except OSError as exc:
        raise DataValidationError(label, f"cannot be read ({exc.strerror or exc})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataValidationError(
            label,
            f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save the file as UTF-8",
            line=line,
        ) from None


__all__ = ["check_number", "read_text"]
