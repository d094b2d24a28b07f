"""Headless Debian Chromium through selenium, shared by the real-browser tests.

Selenium is pointed at /usr/bin/chromedriver, so it never downloads a driver; a test that needs
the browser skips with its reason when chromium, chromedriver or selenium is missing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
"""No sandbox (root), and no background connections: this machine has no network."""


def start(profile: Path, size: str, logs: dict[str, str]):
    """A headless Chromium driver with a fresh ``profile`` folder, window ``size`` ("w,h")
    and the ``goog:loggingPrefs`` ``logs``; skips the calling test without the browser."""
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("needs /usr/bin/chromium and /usr/bin/chromedriver")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in (*FLAGS, f"--user-data-dir={profile}", f"--window-size={size}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", logs)
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.set_page_load_timeout(60)
    return driver
