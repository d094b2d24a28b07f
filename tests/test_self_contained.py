"""Every HTML page the commands write opens without a network unless ``--cdn`` or ``--tiles``
asks otherwise: no script, stylesheet, image, frame, CSS ``url()`` or map tile from the internet.
Hyperlinks (``<a href>``, e.g. citations) are navigation, not loads, and are allowed."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from tests.test_analysis_cli import SWEPT, Tiny, write_scenario
from tests.test_cli import run
from tests.test_regret import tiny_scenario

_LOADS = [
    re.compile(
        r"<(?:script|img|iframe|source|audio|video|embed)\b[^>]*?\bsrc\s*=\s*[\"']([^\"']+)", re.I
    ),
    re.compile(r"<link\b[^>]*?\bhref\s*=\s*[\"']([^\"']+)", re.I),
    re.compile(r"url\(\s*[\"']?([^\"')]+)", re.I),
    re.compile(r"L\.tileLayer\(\s*[\"']([^\"']+)", re.I),
]
_EXTERNAL = re.compile(r"^\s*(?:https?:|ftp:|//)", re.I)


def external_loads(page: str) -> list[str]:
    """Network URLs a page would load, including those of pages embedded with ``srcdoc``."""
    found = []
    for text in (page, html.unescape(page)):
        for pattern in _LOADS:
            found += [u for u in pattern.findall(text) if _EXTERNAL.match(u)]
    return sorted(set(found))


def pages(folder: Path) -> dict[str, list[str]]:
    """External loads of every ``.html`` file under ``folder``, by relative path."""
    written = sorted(folder.rglob("*.html"))
    assert written, f"no HTML written under {folder}"
    return {p.relative_to(folder).as_posix(): external_loads(p.read_text("utf-8")) for p in written}


def test_scanner_finds_what_a_page_loads():
    page = (
        '<script src="https://cdn.example/leaflet.js"></script><a href="https://cite.example">x</a>'
        '<link rel="stylesheet" href="//cdn.example/a.css"><div style="background:url(data:,x)">'
        '<iframe srcdoc="&lt;script src=&quot;http://x.example/y.js&quot;&gt;"></iframe>'
        'L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", {})'
    )
    assert external_loads(page) == [
        "//cdn.example/a.css",
        "http://x.example/y.js",
        "https://cdn.example/leaflet.js",
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    ]


@pytest.mark.slow
def test_run_and_compare_pages_are_self_contained(capsys, tmp_path):
    code, _, err = run(capsys, "run", "great-lakes", "--out", str(tmp_path / "run"), "-q")
    assert code == 0, err
    code, _, err = run(
        capsys, "compare", "great-lakes", "south", "--out", str(tmp_path / "cmp"), "-q"
    )
    assert code == 0, err
    for folder in ("run", "cmp"):
        found = pages(tmp_path / folder)
        assert found and all(v == [] for v in found.values()), found
    assert {"report.html", "great-lakes/map.html", "south/map.html"} <= set(pages(tmp_path / "cmp"))


@pytest.mark.slow
def test_cdn_and_tiles_are_opt_in(capsys, tmp_path):
    code, _, err = run(
        capsys, "run", "south", "--out", str(tmp_path / "cdn"), "-q", "--cdn", "--tiles"
    )
    assert code == 0, err
    loads = pages(tmp_path / "cdn")["map.html"]
    assert any("leaflet" in u for u in loads), loads
    assert any("tile.openstreetmap.org" in u for u in loads), loads


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Tiny:
    return Tiny(tmp_path_factory.mktemp("tiny_pages"))


def test_analysis_pages_are_self_contained(capsys, tmp_path, tiny):
    scenario = str(tiny.scenario_path)
    sweep = ["sweep", scenario, "--serial", "-q"]
    for name in SWEPT:
        sweep += ["--parameter", name]
    west = write_scenario(tmp_path / "west.toml", tiny_scenario(name="west"))
    east = write_scenario(
        tmp_path / "east.toml",
        tiny_scenario(name="east", limits={"max_clusters": {"battery": 2}}),
    )
    commands = {
        "regret": ["regret", scenario, "--type", "battery", "--serial", "-q"],
        "sweep": sweep,
        "montecarlo": ["montecarlo", scenario, "--runs", "4", "--seed", "1", "--serial", "-q"],
        "breakeven": [
            "breakeven",
            str(west),
            str(east),
            "--parameter",
            "multipliers.power_price",
            "-q",
        ],
    }
    for name, argv in commands.items():
        code, _, err = run(capsys, *tiny.args(*argv, "--out", str(tmp_path / name)))
        assert code == 0, f"{name}: {err}"
        found = pages(tmp_path / name)
        assert "report.html" in found, name
        assert all(v == [] for v in found.values()), (name, found)
