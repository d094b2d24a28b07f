"""The README's and docs' pictures cannot go stale: every image they show is listed in
``docs/images.json`` with its sha256 and the figures it shows, and those figures are what the
current built-ins give. After a change that moves a figure, ``python -m
outputs.tools.docs_images`` regenerates every image and the record."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from outputs.tools.docs_images import IMAGES, RECORD, figures

ROOT = Path(__file__).resolve().parent.parent
IMAGE_LINK = re.compile(r"!\[[^\]]*\]\(([^)]+\.png)\)")
HOW = "regenerate them with `python -m outputs.tools.docs_images`"


@pytest.fixture(scope="module")
def record() -> dict:
    return json.loads(RECORD.read_text(encoding="utf-8"))


def shown_images() -> set[Path]:
    """Every PNG the README and the docs pages link to."""
    found = set()
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for link in IMAGE_LINK.findall(page.read_text(encoding="utf-8")):
            found.add((page.parent / link).resolve())
    return found


def test_every_shown_image_is_recorded_and_unchanged_since(record):
    docs = (ROOT / "docs").resolve()
    assert shown_images() == {docs / name for name in IMAGES}
    assert set(record) == set(IMAGES)
    for name in IMAGES:
        digest = hashlib.sha256((docs / name).read_bytes()).hexdigest()
        assert digest == record[name]["sha256"], f"docs/{name} changed by hand; {HOW}"


def test_each_image_shows_the_current_results(record, results):
    current = figures(results)
    for name in IMAGES:
        assert record[name]["shows"] == current[name], (
            f"docs/{name} shows figures the current built-ins no longer give; {HOW}"
        )
