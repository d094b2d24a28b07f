"""Regenerate docs/app.png: the planner's desk after solving great-lakes, shot with headless
Chromium through selenium (Debian's chromium and chromedriver).

Usage: python outputs/tools/app_screenshot.py [--out docs/app.png] [--scenario great-lakes]
"""

from __future__ import annotations

import argparse
import threading
import time
from pathlib import Path

from outputs.app.desk import Desk
from outputs.app.server import make_server
from outputs.tools.headless import chrome_driver

ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    """Serve the app on a free loopback port, solve a scenario in it, screenshot [PNG]."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "app.png")
    parser.add_argument("--scenario", default="great-lakes")
    parser.add_argument("--size", default="1500,1150", help="window width,height [px]")
    args = parser.parse_args(argv)

    desk = Desk()
    server = make_server(desk, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    driver = chrome_driver(args.size)
    try:
        driver.get(f"http://127.0.0.1:{server.server_port}/")
        _wait(driver, "return document.querySelector('#card-new-battery .value')")
        # choose the scenario in the dropdown, then solve it
        driver.find_element("id", "scenario").click()
        _wait(driver, "return document.querySelector('.dash-dropdown-option')")
        driver.execute_script(
            "Array.from(document.querySelectorAll('.dash-dropdown-option'))"
            ".find(o => o.textContent.trim() == arguments[0]).click();",
            args.scenario,
        )
        _wait(driver, "return document.getElementById('name').value == arguments[0]", args.scenario)
        driver.find_element("id", "solve").click()
        _wait(
            driver,
            "var d = document.getElementById('map').contentDocument;"
            "var t = d && d.querySelector('.cs-title');"
            "return t && t.textContent.indexOf('Scenario: ' + arguments[0]) >= 0;",
            args.scenario,
        )
        driver.execute_script("document.querySelector('.levers').scrollTop = 0;")
        time.sleep(2.0)  # charts and map tiles settle
        args.out.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(args.out))
    finally:
        driver.quit()
        server.shutdown()
        desk.close()
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes)")
    return 0


def _wait(driver, script: str, *args, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not driver.execute_script(script, *args):
        if time.monotonic() > deadline:
            raise TimeoutError(script)
        time.sleep(0.1)


if __name__ == "__main__":
    raise SystemExit(main())
