"""Headless Chromium for the documentation screenshots: one set of flags, one driver."""

from __future__ import annotations

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
)
"""Flags for a quiet, offline, headless browser (no background requests, no scrollbars)."""


def chrome_driver(window_size: str):
    """A Selenium driver for Debian's headless Chromium; ``window_size`` is 'width,height' [px]."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (*CHROMIUM_FLAGS, f"--window-size={window_size}"):
        options.add_argument(arg)
    return webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
