"""Jinja2 templates of the HTML pages (``outputs/templates/``), autoescaped: Python prepares the
data, the template lays it out. ``Markup`` marks the few fragments that are HTML already (inline
SVG charts drawn by ``reports.bars``/``reports.charts``, whose text is escaped there)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2
from markupsafe import Markup

TEMPLATE_DIR = Path(__file__).with_name("templates")


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The shared environment (templates compiled once per process)."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def render(name: str, **context: object) -> str:
    """Render ``templates/<name>`` with ``context``."""
    return environment().get_template(name).render(**context)


__all__ = ["Markup", "TEMPLATE_DIR", "environment", "render"]
