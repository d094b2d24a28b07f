"""Regenerate docs/comparison-map.png: the comparison report's synchronised dual map
(great-lakes left, south right), rendered offline and shot with headless Chromium.

Usage: python outputs/tools/screenshot.py [--out docs/comparison-map.png] [--chromium PATH]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import optimizer
import regions
from outputs.maps import dual_map, save_map
from outputs.tools.headless import CHROMIUM_FLAGS

ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    """Solve the two built-in strategies, write the dual map and screenshot it [PNG]."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "comparison-map.png")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--size", default="1400,700", help="window width,height [px]")
    args = parser.parse_args(argv)

    data = regions.load()
    left, right = (optimizer.solve(name, data) for name in ("great-lakes", "south"))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        page = save_map(dual_map(left, right, data), Path(tmp) / "dual_map.html", offline=True)
        command = [
            args.chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={Path(tmp) / 'profile'}",
            f"--window-size={args.size}",
            "--virtual-time-budget=8000",
            f"--screenshot={args.out.resolve()}",
            page.as_uri(),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if done.returncode != 0 or not args.out.exists():
        sys.stderr.write(done.stderr)
        return 1
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
