"""Render folium maps without compiling one Jinja template per map element.

folium renders each element's script to text and wraps that text in ``branca.element.Element``,
whose constructor compiles it as a Jinja template only to render the same text back: about 4,600
compilations for the comparison report's maps, most of the time ``compare`` takes. During
``fast_render`` text without Jinja syntax becomes a ``LiteralTemplate`` that returns the text
unchanged; text with ``{{``, ``{%`` or ``{#`` is still compiled. The page is byte-identical.

Every element's JavaScript name (``get_name``) converts its class name to snake case each time
it is asked for, over 11,000 times for the report's maps; this module makes that conversion, a
pure function of the class name, remember its answers (same names, a fraction of the time).

>>> LiteralTemplate("<b>x</b>").render(this=None, kwargs={})
'<b>x</b>'
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Iterator

import branca.element

_JINJA_MARKERS = ("{{", "{%", "{#")
_lock = threading.Lock()
_depth = 0
_original = branca.element.Template

if not hasattr(branca.element._camelify, "cache_info"):  # once per process
    branca.element._camelify = functools.lru_cache(maxsize=4096)(branca.element._camelify)


class LiteralTemplate:
    """A stand-in for a Jinja template whose source has no Jinja syntax: renders to its source."""

    __slots__ = ("source",)

    def __init__(self, source: str) -> None:
        self.source = source

    def render(self, *args: object, **kwargs: object) -> str:
        """The source text, unchanged."""
        return self.source


def _template(source: str, *args: object, **kwargs: object):
    plain = isinstance(source, str) and not any(m in source for m in _JINJA_MARKERS)
    if plain and not args and not kwargs:
        return LiteralTemplate(source)
    return _original(source, *args, **kwargs)


@contextlib.contextmanager
def fast_render() -> Iterator[None]:
    """Within the block, ``branca.element.Element(text)`` skips compiling plain text."""
    global _depth
    with _lock:
        _depth += 1
        branca.element.Template = _template
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                branca.element.Template = _original
