"""The planner's desk in headless Chromium: start ``clustersite app`` on a free loopback port,
load it, change a lever, solve, and check that the map and the KPI cards changed; every request
the page makes stays on the loopback address (no CDN).

Needs Debian's ``chromium`` and ``chromium-driver``, ``selenium`` and the ``app`` extra (dash);
skipped without them.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.app_process import start_app, stop_app
from tests.chromium import start as start_chromium

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
STEP_TIMEOUT = 60.0
"""How long one step may take [s]: a guard against a hang, not a speed test (on a loaded 2-core
machine the first page once took over 30 s)."""


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    pytest.importorskip("dash")
    profile = tmp_path_factory.mktemp("chromium-app-profile")
    driver = start_chromium(profile, "1500,1000", {"browser": "ALL", "performance": "ALL"})
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def wait_for(driver, script: str, timeout: float = STEP_TIMEOUT, *args):
    """Poll the JS expression ``script`` (``return …``) until it is truthy; return its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = driver.execute_script(script, *args)
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for: {script}"
        time.sleep(0.1)


CARD = "var c = document.querySelector('#card-new-battery .value'); return c && c.textContent;"
MAP_SRC = "var f = document.getElementById('map'); return f && f.getAttribute('src');"
MAP_TITLE = (
    "var f = document.getElementById('map'); var d = f && f.contentDocument;"
    "var t = d && d.querySelector('.cs-title');"
    "return t && d.querySelectorAll('path.cs-site').length > 0 ? t.textContent : null;"
)


def requested_hosts(driver) -> set[str]:
    """Hosts of every network request in the performance log since the last call."""
    hosts = set()
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            url = message["params"]["request"]["url"]
            if url.startswith(("http:", "https:", "ws:", "wss:")):
                hosts.add(urlparse(url).hostname)
    return hosts


def test_change_a_lever_solve_and_see_the_map_and_kpis_change(chromium, tmp_path):
    process, url = start_app(tmp_path / "app.log")
    try:
        chromium.get(url)
        before_card = wait_for(chromium, CARD, 300)  # the first solve; a generous guard
        before_src = wait_for(chromium, MAP_SRC)
        before_title = wait_for(chromium, MAP_TITLE)
        assert "Scenario: baseline" in before_title
        assert before_card.endswith("GWh/yr")

        # the lever: a larger national battery-cell target
        target = chromium.find_element("id", "target-battery")
        old_target = float(target.get_attribute("value"))
        target.clear()
        target.send_keys(str(int(old_target + 600)), "\t")
        chromium.find_element("id", "solve").click()

        after_card = wait_for(
            chromium,
            "var c = document.querySelector('#card-new-battery .value');"
            "return c && c.textContent != arguments[0] && c.textContent;",
            STEP_TIMEOUT,
            before_card,
        )
        assert after_card.endswith("GWh/yr")
        new_before = float(before_card.split()[0].replace(",", ""))
        new_after = float(after_card.split()[0].replace(",", ""))
        assert new_after == pytest.approx(new_before + 600, abs=1.0)  # all of it is new capacity

        after_src = wait_for(
            chromium,
            "var f = document.getElementById('map'); var s = f.getAttribute('src');"
            "return s != arguments[0] && s;",
            STEP_TIMEOUT,
            before_src,
        )
        assert after_src.startswith("/desk/map/") and after_src != before_src
        after_title = wait_for(
            chromium,
            "var f = document.getElementById('map'); var d = f.contentDocument;"
            "var t = d && d.querySelector('.cs-title');"
            "return t && t.textContent != arguments[0] && t.textContent;",
            STEP_TIMEOUT,
            before_title,
        )
        assert re.sub(r"\s", "", after_card.split()[0]) in after_title.replace(" ", "")

        hosts = requested_hosts(chromium)
        assert hosts and hosts <= {"127.0.0.1"} | tile_hosts(hosts)
        severe = [e for e in chromium.get_log("browser") if e["level"] == "SEVERE"]
        assert [e for e in severe if "127.0.0.1" in e["message"]] == []
    finally:
        stop_app(process)


def tile_hosts(hosts: set[str]) -> set[str]:
    """Basemap tile servers (the scenario map's optional background; the page works without)."""
    return {h for h in hosts if h and "tile" in h}
