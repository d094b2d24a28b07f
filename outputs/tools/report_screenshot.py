"""Regenerate docs/compare-charts.png: the charts of the comparison report (great-lakes vs
south: cost by term, public outlay, cost by state, jobs by zone), shot with headless Chromium
through selenium (Debian's chromium and chromedriver).

Usage: python outputs/tools/report_screenshot.py [--out docs/compare-charts.png]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from selenium.webdriver.common.by import By

import optimizer
import regions
from outputs.reports.compare import write_report
from outputs.tools.headless import chrome_driver

ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    """Solve the two built-in strategies, write their report and shoot its charts [PNG]."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "compare-charts.png")
    parser.add_argument("--width", type=int, default=1100, help="window width [px]")
    args = parser.parse_args(argv)

    data = regions.load()
    results = [optimizer.solve(name, data) for name in ("great-lakes", "south")]

    with tempfile.TemporaryDirectory() as tmp:
        page = write_report(results, data, Path(tmp))
        driver = chrome_driver(f"{args.width},4000")
        try:
            driver.get(page.as_uri())
            time.sleep(1.0)  # fonts settle
            args.out.parent.mkdir(parents=True, exist_ok=True)
            driver.find_element(By.CSS_SELECTOR, ".charts").screenshot(str(args.out))
        finally:
            driver.quit()
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
