"""Open the offline map and report in headless Chromium: no JS errors, Leaflet loaded, one SVG
path per site, hostile text rendered as text (no alert).

Needs Debian's ``chromium`` and ``chromium-driver`` and the ``selenium`` package; skipped
without them. Selenium is pointed at /usr/bin/chromedriver, so it never downloads a driver.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from outputs.maps import scenario as maps
from outputs.reports import compare as report
from tests import chromium

pytestmark = pytest.mark.browser

ALERT_TRAP = (
    "window.__alerts = []; window.alert = function (m) { window.__alerts.push(String(m)); };"
)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    profile = tmp_path_factory.mktemp("chromium-profile")
    driver = chromium.start(profile, "1400,900", {"browser": "ALL"})
    # record alert() calls in every document and frame instead of opening dialogs
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": ALERT_TRAP})
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def open_page(driver, path: Path, ready: str, timeout: float = 20.0) -> list[dict]:
    """Load ``path``, wait until the JS expression ``ready`` is true; return console entries."""
    driver.get_log("browser")  # drop entries of earlier pages
    driver.get(path.as_uri())
    deadline = time.monotonic() + timeout
    while not driver.execute_script(f"return Boolean({ready});"):
        assert time.monotonic() < deadline, f"page not ready: {ready}"
        time.sleep(0.1)
    time.sleep(0.3)  # let late errors reach the log
    return driver.get_log("browser")


def js_errors(entries: list[dict]) -> list[dict]:
    """SEVERE console entries other than failed network loads (map tiles while offline)."""
    return [
        e
        for e in entries
        if e["level"] == "SEVERE"
        and e.get("source") != "network"
        and "Failed to load resource" not in e["message"]
    ]


def assert_no_alert(driver) -> None:
    from selenium.common.exceptions import NoAlertPresentException

    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018
    assert driver.execute_script("return window.__alerts;") == []


def test_offline_map_runs_without_errors(browser, results, data, tmp_path):
    result = results["south"]
    path = maps.save_map(maps.scenario_map(result, data, offline=True), tmp_path / "south.html")
    entries = open_page(browser, path, "window.L && document.querySelector('.cs-title')")
    assert js_errors(entries) == []
    assert browser.execute_script("return typeof window.L;") == "object"
    assert browser.execute_script("return L.version;") == "1.9.3"
    count = browser.execute_script("return document.querySelectorAll('path.cs-site').length;")
    assert count == maps.site_count(result) > 0
    assert browser.execute_script("return document.querySelectorAll('.cs-zone-south').length;") == 1
    title = browser.execute_script("return document.querySelector('.cs-title').textContent;")
    assert "Scenario: south" in title

    # switch every overlay on and every shading (base layer) in turn: legends follow, no errors
    browser.execute_script(
        "document.querySelectorAll('.leaflet-control-layers-overlays input')"
        ".forEach(i => { if (!i.checked) i.click(); });"
    )
    facilities = browser.execute_script(
        "return document.querySelectorAll('.cs-facility, .marker-cluster').length;"
    )
    assert facilities > 0
    assert browser.execute_script("return document.querySelectorAll('path.cs-flow').length;") == (
        int((result.flows["tonnes_per_yr"] > 0).sum())
    )
    assert (
        browser.execute_script("return document.querySelectorAll('path.cs-product').length;")
        == int((result.products["units_per_yr"] > 0).sum())
        > 0
    )
    names = browser.execute_script(
        "return Array.from(document.querySelectorAll('.leaflet-control-layers-base label'))"
        ".map(l => l.textContent.trim());"
    )
    assert "Power price [USD/MWh]" in names and "Permitting [months]" in names
    for index, name in enumerate(names):
        legend = browser.execute_script(
            "document.querySelectorAll('.leaflet-control-layers-base input')[arguments[0]].click();"
            "var l = document.querySelector('.cs-legend');"
            "return l.style.display == 'none' ? '' : l.textContent;",
            index,
        )
        if name == maps.NO_SHADING:
            assert legend == ""
        else:
            assert legend.startswith(name)
    assert js_errors(browser.get_log("browser")) == []
    assert_no_alert(browser)


def test_hostile_name_renders_as_text(browser, hostile, tmp_path):
    result = hostile.results["baseline"]
    path = maps.save_map(maps.scenario_map(result, hostile.data, offline=True), tmp_path / "h.html")
    entries = open_page(browser, path, "window.L && document.querySelector('.cs-title')")
    assert js_errors(entries) == []
    title = browser.execute_script("return document.querySelector('.cs-title').textContent;")
    assert hostile.name in title  # shown as text in the "New sites" list
    marker = f"path.cs-site.cs-region-{hostile.region_id}"
    browser.execute_script(
        "document.querySelector(arguments[0])"
        ".dispatchEvent(new MouseEvent('click', {bubbles: true}));",
        marker,
    )
    deadline = time.monotonic() + 5
    popup = None
    while popup is None and time.monotonic() < deadline:
        popup = browser.execute_script(
            "var p = document.querySelector('.leaflet-popup-content'); return p && p.textContent;"
        )
        time.sleep(0.05)
    assert popup is not None and hostile.name in popup
    scripts = browser.execute_script(
        "return Array.from(document.querySelectorAll('.cs-title script, .leaflet-popup script'))"
        ".length;"
    )
    assert scripts == 0
    assert_no_alert(browser)


def test_report_dual_map(browser, results, hostile, data, tmp_path):
    left, right = results["great-lakes"], results["south"]
    path = report.write_report([left, right], data, tmp_path, offline=True)
    entries = open_page(browser, path, "document.querySelector('iframe.dual')")
    frame = browser.find_element("css selector", "iframe.dual")
    browser.switch_to.frame(frame)
    try:
        deadline = time.monotonic() + 20
        while not browser.execute_script(
            "return Boolean(window.L && document.querySelectorAll('.cs-title').length == 2);"
        ):
            assert time.monotonic() < deadline, "dual map not ready"
            time.sleep(0.1)
        time.sleep(0.3)
        counts = browser.execute_script(
            "return Array.from(document.querySelectorAll('.leaflet-container'))"
            ".map(c => c.querySelectorAll('path.cs-site').length);"
        )
        assert counts == [maps.site_count(left), maps.site_count(right)]
    finally:
        browser.switch_to.default_content()
    assert js_errors(entries + browser.get_log("browser")) == []
    assert_no_alert(browser)

    # hostile report: the name shows as text in the site table, nothing runs
    pair = [hostile.results["baseline"], hostile.results["south"]]
    path = report.write_report(pair, hostile.data, tmp_path / "hostile", offline=True)
    entries = open_page(browser, path, "document.querySelector('iframe.dual')")
    cells = browser.execute_script(
        "return Array.from(document.querySelectorAll('tr.cs-site-row td:first-child'))"
        ".map(td => td.textContent);"
    )
    assert f"{hostile.name} ({hostile.region_id})" in cells
    assert js_errors(entries) == []
    assert_no_alert(browser)
