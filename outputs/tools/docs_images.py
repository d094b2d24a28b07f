"""Regenerate every README and docs image from the current built-in scenarios, and record the
figures each image shows in ``docs/images.json`` (with each image's sha256), so that the tests
fail when an image no longer shows what the model says (``tests/test_docs_images.py``).

Usage: python -m outputs.tools.docs_images [--only NAME,...]

Images (headless Debian Chromium through selenium, 1,440 px wide unless said otherwise):
``comparison-map.png`` (the report's side-by-side map, great-lakes and south),
``compare-report.png`` (the top of the comparison report), ``compare-charts.png`` (its charts),
``app.png`` (the planner's desk after solving great-lakes).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
import threading
import time
from pathlib import Path

import optimizer
import regions

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
RECORD = DOCS / "images.json"
PAIR = ("great-lakes", "south")
IMAGES = ("comparison-map.png", "compare-report.png", "compare-charts.png", "app.png")


def _bn(value: float) -> str:
    return f"{value / 1e9:,.2f}"


def scenario_figures(result) -> dict:
    """What the images show of one solved scenario, as the pages print it."""
    sites = result.sites[result.sites["new_capacity"] > 0]
    battery = sites[sites["cluster_type"] == "battery"]
    return {
        "system_cost_bn_usd_per_yr": _bn(result.kpi("system_cost")),
        "investor_cost_bn_usd_per_yr": _bn(result.kpi("investor_cost")),
        "public_outlay_bn_usd_per_yr": _bn(result.kpi("public_outlay")),
        "new_battery_gwh_per_yr": f"{result.kpi('new_capacity', 'battery'):,.0f}",
        "battery_states": sorted(battery["region_id"].astype(str)),
        "jobs": f"{result.kpi('jobs'):,.0f}",
    }


def figures(results: dict | None = None) -> dict:
    """Per image, the figures it shows, from the current built-ins (``results``: solved
    results by name; default: solved now)."""
    if results is None:
        data = regions.load()
        results = {name: optimizer.solve(name, data) for name in PAIR}
    solved = {name: scenario_figures(results[name]) for name in PAIR}
    pair = {name: solved[name] for name in PAIR}
    return {
        "comparison-map.png": pair,
        "compare-report.png": pair,
        "compare-charts.png": pair,
        "app.png": {"great-lakes": solved["great-lakes"]},
    }


def _driver(size: str):
    from outputs.tools.headless import chrome_driver

    return chrome_driver(size)


def _wait(driver, script: str, *args, timeout: float = 300.0):
    deadline = time.monotonic() + timeout
    while not driver.execute_script(script, *args):
        if time.monotonic() > deadline:
            raise TimeoutError(script)
        time.sleep(0.2)


def shoot_reports(out: Path, wanted: set[str]) -> None:
    """The dual map, the top of the comparison report and its charts."""
    from outputs.maps import dual_map, save_map
    from outputs.reports.compare import write_report

    data = regions.load()
    results = [optimizer.solve(name, data) for name in PAIR]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if "comparison-map.png" in wanted:
            page = save_map(dual_map(*results, data), folder / "dual.html", offline=True)
            driver = _driver("1400,760")
            try:
                driver.get(page.as_uri())
                _wait(driver, "return document.querySelectorAll('.cs-title').length == 2")
                time.sleep(1.5)
                driver.save_screenshot(str(out / "comparison-map.png"))
            finally:
                driver.quit()
        if wanted & {"compare-report.png", "compare-charts.png"}:
            page = write_report(results, data, folder)
            driver = _driver("1440,900")
            try:
                driver.get(page.as_uri())
                _wait(driver, "return document.querySelector('nav.contents')")
                time.sleep(1.0)
                if "compare-report.png" in wanted:
                    driver.save_screenshot(str(out / "compare-report.png"))
                if "compare-charts.png" in wanted:
                    from selenium.webdriver.common.by import By

                    driver.set_window_size(1440, 4200)
                    time.sleep(0.5)
                    element = driver.find_element(By.CSS_SELECTOR, ".charts")
                    element.screenshot(str(out / "compare-charts.png"))
            finally:
                driver.quit()


def shoot_app(out: Path) -> None:
    """The planner's desk after solving great-lakes."""
    from outputs.app.desk import Desk
    from outputs.app.server import make_server

    with tempfile.TemporaryDirectory() as saved:
        desk = Desk(scenarios_dir=saved)
        server = make_server(desk, "127.0.0.1", 0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        driver = _driver("1440,1000")
        try:
            driver.get(f"http://127.0.0.1:{server.server_port}/")
            _wait(driver, "return document.querySelector('#card-new-battery .value')")
            driver.execute_script(
                "window.dash_clientside.set_props('scenario', {value: 'builtin:great-lakes'});"
            )
            _wait(
                driver,
                "var n = document.getElementById('name'); return n && n.value == 'great-lakes'",
            )
            driver.find_element("id", "solve").click()
            _wait(
                driver,
                "var d = document.getElementById('map').contentDocument;"
                "var t = d && d.querySelector('.cs-title');"
                "return t && t.textContent.indexOf('Scenario: great-lakes') >= 0;",
            )
            driver.execute_script("document.querySelector('.levers').scrollTop = 0;")
            time.sleep(2.0)
            driver.save_screenshot(str(out / "app.png"))
        finally:
            driver.quit()
            server.shutdown()
            desk.close()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    """Shoot the images (all, or ``--only``) and rewrite ``docs/images.json``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help=f"comma list of {', '.join(IMAGES)}")
    args = parser.parse_args(argv)
    wanted = set(args.only.split(",")) if args.only else set(IMAGES)
    unknown = wanted - set(IMAGES)
    if unknown:
        parser.error(f"unknown image(s): {', '.join(sorted(unknown))}")
    shoot_reports(DOCS, wanted)
    if "app.png" in wanted:
        shoot_app(DOCS)
    record = json.loads(RECORD.read_text(encoding="utf-8")) if RECORD.exists() else {}
    current = figures()
    for name in IMAGES:
        if name in wanted or name not in record:
            record[name] = {"sha256": sha256(DOCS / name), "shows": current[name]}
    RECORD.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    for name in sorted(wanted):
        print(f"wrote docs/{name} ({(DOCS / name).stat().st_size:,} bytes)")
    print(f"recorded the figures of each image in {RECORD.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
