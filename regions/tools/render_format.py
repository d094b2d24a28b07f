#!/usr/bin/env python3
"""Render the column tables of ``regions/FORMAT.md`` from ``regions/schema.csv``.

Usage (from the repository root)::

    python regions/tools/render_format.py          # rewrite FORMAT.md in place
    python regions/tools/render_format.py --check  # exit 1 if FORMAT.md is out of date

Everything between the ``schema:start`` and ``schema:end`` markers is generated; the prose around
them is written by hand.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from regions.schema import table_schema  # noqa: E402

FORMAT_FILE = Path(__file__).resolve().parents[1] / "FORMAT.md"
START, END = "<!-- schema:start -->", "<!-- schema:end -->"


def column_tables() -> str:
    """Markdown: one section per data file, one row per column."""
    parts = []
    for table, specs in table_schema().items():
        lines = [
            f"## `{table}`",
            "",
            "| column | type | unit | required | range | description |",
            "|---|---|---|---|---|---|",
        ]
        for s in specs:
            span = "" if s.min is None and s.max is None else f"{s.min:g} … {s.max:g}"
            required = "yes" if s.required else "no"
            lines.append(
                f"| `{s.column}` | {s.type} | {s.unit} | {required} | {span} | {s.description} |"
            )
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def render(text: str) -> str:
    """``text`` with its generated block replaced by the current schema."""
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n\n{column_tables()}\n\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check, do not write")
    args = parser.parse_args(argv)
    text = FORMAT_FILE.read_text(encoding="utf-8")
    new = render(text)
    if args.check:
        if new != text:
            print(f"{FORMAT_FILE} is out of date: run {Path(__file__).name}", file=sys.stderr)
            return 1
        return 0
    fd, tmp = tempfile.mkstemp(dir=FORMAT_FILE.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(new)
    os.replace(tmp, FORMAT_FILE)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
