"""The planner's desk, round 2, in headless Chromium at 1,440 × 900 against ``clustersite app``:
bad values refused with the command line's message, edited scenarios named, renamed, saved and
back after a reload and a restart, phased scenarios solved as phased, three scenarios compared
with the report downloaded, every analysis with its report, a state excluded and a site forced
from the map, and a busy port as a one-line error.

Needs Debian's ``chromium`` and ``chromium-driver``, ``selenium`` and the ``app`` extra (dash);
skipped without them. Timeouts are generous guards only.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import optimizer
from outputs.cli import main
from outputs.formatting import fmt_num
from tests.app_process import start_app, stop_app
from tests.chromium import start as start_chromium

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
GUARD_S = 300.0
"""How long to wait for the app or a step before giving up (a guard, never the assertion)."""


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("saved-scenarios")


@pytest.fixture(scope="module")
def app(tmp_path_factory, scenarios):
    pytest.importorskip("dash")
    process, url = start_app(
        tmp_path_factory.mktemp("app") / "app.log", "--scenarios", str(scenarios)
    )
    yield url
    stop_app(process)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    pytest.importorskip("dash")
    profile = tmp_path_factory.mktemp("chromium-desk")
    driver = start_chromium(profile, "1440,900", {"browser": "ALL"})
    downloads = tmp_path_factory.mktemp("downloads")
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    driver.downloads = downloads
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def wait_for(driver, script: str, *args, timeout: float = GUARD_S):
    """Poll the JS expression ``script`` (``return …``) until it is truthy; return its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = driver.execute_script(script, *args)
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for: {script}"
        time.sleep(0.2)


def fresh(driver, url: str) -> None:
    """Open the app in a new session (the tab's session id is kept in session storage)."""
    driver.get(url)
    driver.execute_script("window.sessionStorage.clear();")
    driver.get(url)


def text_of(driver, element_id: str) -> str:
    return driver.execute_script(
        "var e = document.getElementById(arguments[0]); return e ? e.textContent : null;",
        element_id,
    )


def set_value(driver, element_id: str, value) -> None:
    """Set a Dash component's value as the user's choice would (multi-select dropdowns)."""
    driver.execute_script(
        "window.dash_clientside.set_props(arguments[0], {value: arguments[1]});", element_id, value
    )


def type_into(driver, element_id: str, text: str) -> None:
    box = driver.find_element("id", element_id)
    box.clear()
    box.send_keys(text, "\t")


def open_tab(driver, label: str) -> None:
    driver.execute_script(
        "Array.from(document.querySelectorAll('.tab')).find(t => t.textContent.trim() == "
        "arguments[0]).click();",
        label,
    )


CARD = "var c = document.querySelector('#card-new-battery .value'); return c && c.textContent;"
IDLE = "return document.getElementById('solve') && !document.getElementById('solve').disabled;"


def solved(driver, name: str) -> str:
    """Wait until the result shown is scenario ``name``; return the battery card's value."""
    wait_for(
        driver,
        "var f = document.getElementById('map'); var d = f && f.contentDocument;"
        "var t = d && d.querySelector('.cs-title'); return t && t.textContent.indexOf("
        "'Scenario: ' + arguments[0]) >= 0;",
        name,
    )
    wait_for(driver, IDLE)
    return driver.execute_script(CARD)


def cli_message(tmp_path: Path, section: str) -> str:
    """What ``clustersite validate`` says of a baseline edited by ``section``, after the file."""
    path = tmp_path / "edit.toml"
    path.write_text(f'extends = "baseline"\nname = "x"\n{section}', encoding="utf-8")
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert main(["validate", str(path)]) == 2
    return err.getvalue().strip().split(", field ", 1)[1]


def test_bad_values_are_refused_with_the_command_lines_message(app, browser, tmp_path):
    fresh(browser, app)
    before = solved(browser, "baseline")
    for typed, section in (
        ("-5", "[targets.battery]\nvalue = -5\n"),
        ("abc", '[targets.battery]\nvalue = "abc"\n'),
    ):
        type_into(browser, "target-battery", typed)
        browser.find_element("id", "solve").click()
        error = wait_for(
            browser,
            "var e = document.getElementById('error').textContent;"
            "return e.indexOf(arguments[0]) >= 0 && e;",
            typed,
        )
        assert error == f"baseline (edited), field {cli_message(tmp_path, section)}"
        assert browser.find_element("id", "target-battery").get_attribute("value") == typed
        assert browser.execute_script(CARD) == before  # nothing solved, nothing served
    type_into(browser, "target-battery", "1080")
    # a per-state value that is not a number
    set_value(browser, "state-where", "MI")
    type_into(browser, "state-value", "x")
    browser.find_element("id", "state-set").click()
    error = wait_for(
        browser,
        "var e = document.getElementById('error').textContent;"
        "return e.startsWith('per-state') && e;",
    )
    assert error == "per-state value: 'x' is not a number"
    type_into(browser, "state-value", "-0.5")  # a number out of range: the scenario's message
    browser.find_element("id", "state-set").click()
    error = wait_for(
        browser,
        "var e = document.getElementById('error').textContent;"
        "return e.indexOf('state_incentives') >= 0 && e;",
    )
    expected = cli_message(tmp_path, "[policy.state_incentives]\nMI = -0.5\n")
    assert error == f"baseline (edited), field {expected}"


def test_edit_rename_save_then_reload_and_restart(app, browser, scenarios, tmp_path):
    fresh(browser, app)
    solved(browser, "baseline")
    type_into(browser, "target-battery", "1200")
    browser.find_element("id", "solve").click()
    solved(browser, "baseline (edited)")
    assert browser.find_element("id", "name").get_attribute("value") == "baseline (edited)"
    type_into(browser, "name", "my plan")
    browser.find_element("id", "save").click()
    saved = scenarios / "my-plan.toml"
    status = wait_for(
        browser,
        "var s = document.getElementById('status').textContent;return s.startsWith('saved') && s;",
    )
    assert status == f"saved: {saved}"
    assert optimizer.load_scenario(saved).targets["battery"].value == 1200
    assert main(["validate", str(saved)]) == 0  # the command line runs what the app saved
    # a reload comes back to the same scenario and levers
    browser.refresh()
    wait_for(browser, "var n = document.getElementById('name'); return n && n.value == 'my plan';")
    assert browser.find_element("id", "target-battery").get_attribute("value") == "1200"
    # a second app on the same folder (a restart) lists the saved scenario
    process, url = start_app(tmp_path / "second.log", "--scenarios", str(scenarios))
    try:
        browser.get(url)
        wait_for(browser, "var n = document.getElementById('name'); return n && n.value;")
        browser.find_element("id", "scenario").click()  # open the dropdown: its options show
        options = wait_for(
            browser,
            "var items = Array.from(document.querySelectorAll('.dash-dropdown-option'))"
            ".map(e => e.textContent.trim()); return items.length && items;",
        )
        assert "my-plan (saved)" in options
    finally:
        stop_app(process)


def test_phased_scenario_is_solved_as_phased(app, browser):
    from optimizer.phased.api import solve_phased

    fresh(browser, app)
    solved(browser, "baseline")
    set_value(browser, "scenario", "builtin:south-phased")
    wait_for(
        browser, "var n = document.getElementById('name'); return n && n.value == 'south-phased';"
    )
    browser.find_element("id", "solve").click()
    wait_for(
        browser,
        "var c = document.querySelector('#card-cost .label');"
        "return c && c.textContent == 'System cost, present value';",
    )
    expected = solve_phased("south-phased").kpi("present_value", "system")
    value = browser.execute_script("return document.querySelector('#card-cost .value').textContent")
    assert value == f"USD {expected / 1e9:,.2f} bn"
    slider = wait_for(
        browser,
        "var f = document.getElementById('map'); var d = f && f.contentDocument;"
        "var s = d && d.querySelector('input.cs-year-slider'); return s && [s.min, s.max];",
    )
    assert slider == ["0", "9"]  # ten years, 2026-2035
    schedule = browser.execute_script(
        "return Array.from(document.querySelectorAll('#why li')).map(l => l.textContent);"
    )
    assert schedule and all("producing from 20" in line for line in schedule)


def test_a_county_builtin_is_solved_by_county_with_its_county_map(app, browser):
    fresh(browser, app)
    solved(browser, "baseline")
    set_value(browser, "scenario", "builtin:great-lakes-county")
    wait_for(
        browser,
        "var n = document.getElementById('name'); return n && n.value == 'great-lakes-county';",
    )
    browser.find_element("id", "solve").click()
    card = solved(browser, "great-lakes-county")  # about 30 s of solving; the guard is 300 s
    expected = optimizer.solve("great-lakes-county", with_duals=False)
    assert card == f"{fmt_num(expected.kpi('new_capacity', 'battery'))} GWh/yr"
    # the map names counties and outlines the chosen ones
    assert wait_for(
        browser,
        "var f = document.getElementById('map'); var d = f && f.contentDocument;"
        "return d && d.documentElement.innerHTML.indexOf('Lake County, Ohio') >= 0;",
    )
    why = browser.execute_script(
        "return Array.from(document.querySelectorAll('#why li')).map(l => l.textContent);"
    )
    assert any(line.startswith("Battery cells in Lake, OH (39085): ") for line in why), why
    # every county in a sentence is named, its FIPS code only in brackets after the name
    assert not [line for line in why if re.search(r"(?<![(\d])\d{5}(?![\d)])", line)], why
    # a click on Ohio offers its exclusion only; taken, the cells leave Ohio's counties (FIPS 39…)
    ohio = [s for s in site_classes(browser) if "cs-site-battery" in s and "cs-region-39" in s]
    assert ohio
    labels = click_state(browser, "OH", "Exclude from new sites")
    assert labels == ["Exclude from new sites"]
    solved(browser, "great-lakes-county (edited)")
    cells = [s for s in site_classes(browser) if "cs-site-battery" in s]
    assert cells and not [s for s in cells if "cs-region-39" in s]


def test_compare_three_scenarios_and_download_the_report(app, browser):
    fresh(browser, app)
    solved(browser, "baseline")
    open_tab(browser, "Compare")
    set_value(browser, "cmp-choices", ["builtin:baseline", "builtin:great-lakes", "builtin:south"])
    browser.find_element("id", "cmp-go").click()
    headers = wait_for(
        browser,
        "var t = document.getElementById('cmp-delta');"
        "return t && Array.from(t.querySelectorAll('th')).map(h => h.textContent);",
    )
    assert headers == [
        "Figure",
        "baseline",
        "great-lakes",
        "south",
        "great-lakes − baseline",
        "south − baseline",
    ]
    row = browser.execute_script(
        "return Array.from(document.querySelectorAll('#cmp-delta tr[data-kpi=system_cost] td'))"
        ".map(c => c.textContent);"
    )
    costs = [optimizer.solve(n).kpi("system_cost") for n in ("baseline", "great-lakes", "south")]
    assert row[1:4] == [f"USD {c / 1e9:,.2f} bn/yr" for c in costs]
    waterfalls = wait_for(
        browser, "return document.querySelectorAll('#cmp-waterfalls .js-plotly-plot').length;"
    )
    assert waterfalls == 2  # one difference chart per scenario against the reference
    browser.find_element("id", "cmp-report").click()
    deadline = time.monotonic() + GUARD_S
    while not list(browser.downloads.glob("*.html")):
        assert time.monotonic() < deadline, "the report was not downloaded"
        time.sleep(0.2)
    (page,) = list(browser.downloads.glob("*.html"))
    text = page.read_text(encoding="utf-8")
    assert page.name == "baseline-vs-great-lakes-vs-south.html"
    assert "<h1>Cluster siting: baseline vs great-lakes vs south</h1>" in text


def choose_kind(driver, kind: str) -> None:
    """Click the analysis's radio button; wait until its options show."""
    driver.execute_script(
        "document.querySelector('#an-kind input[value=\"' + arguments[0] + '\"]').click();", kind
    )
    wait_for(
        driver,
        "var o = document.getElementById('an-opts-' + arguments[0]);"
        "return o && o.style.display == 'block';",
        kind,
    )


ANALYSES = [
    ("regret", {"an-regions": ["OH", "IL"]}, {}, "Siting regret: great-lakes (battery)"),
    ("montecarlo", {}, {"an-runs": "2"}, "Monte Carlo: great-lakes"),
    ("sweep", {"an-params": ["multipliers.wage"]}, {}, "One-at-a-time sensitivity: great-lakes"),
    (
        "breakeven",
        {"an-other": "builtin:south", "an-parameter": "power-price@great-lakes"},
        {"an-grid": "2"},
        "Break-even: great-lakes vs south along Power price multiplier, great-lakes zone",
    ),
    ("hindcast", {}, {}, "Hindcast: solved as of 2020-12-31, scored against announcements to"),
    (
        "alternatives",
        {"an-goals": ["min_overlap"]},
        {"an-slacks": "0.02"},
        "Near-optimal alternatives: great-lakes",
    ),
]


def test_every_analysis_runs_in_the_app_and_shows_its_report(app, browser):
    fresh(browser, app)
    solved(browser, "baseline")
    set_value(browser, "scenario", "builtin:great-lakes")
    wait_for(
        browser, "var n = document.getElementById('name'); return n && n.value == 'great-lakes';"
    )
    browser.find_element("id", "solve").click()
    solved(browser, "great-lakes")
    open_tab(browser, "Analyses")
    # a bad option gets the command line's message and starts nothing
    choose_kind(browser, "montecarlo")
    type_into(browser, "an-runs", "0")
    browser.find_element("id", "an-go").click()
    error = wait_for(browser, "return document.getElementById('an-error').textContent;")
    assert error == "argument --runs: 0 is outside [1, 200]"
    for kind, choices, typed, heading in ANALYSES:
        choose_kind(browser, kind)
        for element_id, value in choices.items():
            set_value(browser, element_id, value)
        for element_id, value in typed.items():
            type_into(browser, element_id, value)
        before = browser.execute_script(
            "return document.getElementById('an-report').getAttribute('src');"
        )
        old_error = text_of(browser, "an-error")
        browser.find_element("id", "an-go").click()
        src = wait_for(
            browser,
            "var s = document.getElementById('an-report').getAttribute('src');"
            "var e = document.getElementById('an-error').textContent;"
            "return (e && e != arguments[1]) ? 'error: ' + e : (s && s != arguments[0] && s);",
            before,
            old_error,
        )
        assert src.startswith("/desk/run/") and src.endswith("/report.html"), src
        title = wait_for(
            browser,
            "var d = document.getElementById('an-report').contentDocument;"
            "var h = d && d.location.pathname == arguments[0] && d.querySelector('h1');"
            "return h && h.textContent;",
            src,
        )
        assert title.startswith(heading), (kind, title, text_of(browser, "an-status"))


CLICK = (
    "var id = arguments[0], label = arguments[1];"
    "var f = document.getElementById('map').contentWindow;"
    "var map = f[Object.keys(f).find(k => k.startsWith('map_') && f[k].eachLayer)];"
    "var hit = null; map.eachLayer(function (l) { if (l.feature && l.feature.id == id "
    "&& l.getBounds) { hit = l; } });"
    "hit.fire('click', {latlng: hit.getBounds().getCenter()});"
    "var offered = Array.from(f.document.querySelectorAll('button.cs-state-action'));"
    "offered.find(b => b.textContent == label).click();"
    "return offered.map(b => b.textContent);"
)
"""Click state ``id`` on the app's map, then the popup's button ``label``; returns the labels
of every button the popup offered."""


def click_state(driver, region_id: str, label: str) -> list[str]:
    return driver.execute_script(CLICK, region_id, label)


def site_classes(driver) -> list[str]:
    """The class attribute of every site marker on the app's map."""
    return driver.execute_script(
        "var d = document.getElementById('map').contentDocument;"
        "return Array.from(d.querySelectorAll('path.cs-site')).map(p => p.getAttribute('class'));"
    )


def test_a_click_on_a_state_excludes_it_or_forces_a_site(app, browser):
    fresh(browser, app)
    solved(browser, "baseline")
    baseline = optimizer.solve("baseline")
    assert "TX" in set(baseline.sites.loc[baseline.sites["new_capacity"] > 0, "region_id"])
    offered = click_state(browser, "TX", "Exclude from new sites")
    assert offered[0] == "Exclude from new sites" and "Force a battery-cell site here" in offered
    wait_for(
        browser,
        "var d = document.getElementById('map').contentDocument;"
        "return d && d.querySelector('.cs-title') && d.querySelector('.cs-title').textContent"
        ".indexOf('baseline (edited)') >= 0;",
    )
    solved(browser, "baseline (edited)")
    sites = site_classes(browser)
    assert sites and not [s for s in sites if "cs-region-TX" in s]
    excluded = browser.execute_script("return document.querySelector('#excluded').textContent;")
    assert "TX" in excluded
    click_state(browser, "MT", "Force a battery-cell site here")
    wait_for(
        browser,
        "var d = document.getElementById('map').contentDocument;"
        "return Boolean(d && d.querySelector('path.cs-site-battery.cs-region-MT'));",
    )
    assert text_of(browser, "forced").startswith("MT: a battery site")


def test_a_busy_port_is_a_one_line_error_with_the_port_0_hint(app, tmp_path):
    port = int(re.search(r":(\d+)/$", app).group(1))
    done = subprocess.run(
        [sys.executable, "-m", "outputs.cli", "app", "--no-browser", "--port", str(port)],
        cwd=ROOT, capture_output=True, text=True, timeout=GUARD_S,
    )  # fmt: skip
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line == (
        f"clustersite: error: argument --port: port {port} on 127.0.0.1 is in use (another "
        "clustersite app?); stop it, choose another --port, or use --port 0 for any free port"
    )
    assert done.stdout == ""
