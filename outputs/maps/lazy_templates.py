"""Import folium with its templates compiled on first use instead of at import.

Every folium class compiles its Jinja template when folium is imported: about 85 templates,
0.15-0.2 s of each command that draws a map, although a scenario map renders about 20 of them.
Here folium is imported while ``jinja2.Template(source)`` returns a ``LazyTemplate`` that
compiles the same source the first time it is rendered or read; afterwards ``jinja2.Template``
is restored. Pages are byte-identical. When folium was imported before, nothing changes.

>>> t = LazyTemplate(jinja2.Template, "{{ x }}!")
>>> t.render(x=1)
'1!'
"""

from __future__ import annotations

import sys
import threading

import jinja2

_EAGER_NEW = jinja2.Template.__new__
_lock = threading.Lock()


class LazyTemplate:
    """A template of class ``cls`` compiled from ``source`` when first used."""

    __slots__ = ("_cls", "_source", "_template")

    def __init__(self, cls: type, source: str) -> None:
        self._cls = cls
        self._source = source
        self._template: jinja2.Template | None = None

    def compiled(self) -> jinja2.Template:
        """The compiled template (compiled now if it was not yet)."""
        if self._template is None:
            self._template = _EAGER_NEW(self._cls, self._source)
        return self._template

    def render(self, *args: object, **kwargs: object) -> str:
        """Render like ``jinja2.Template.render``."""
        return self.compiled().render(*args, **kwargs)

    def __getattr__(self, name: str) -> object:
        return getattr(self.compiled(), name)


def _lazy_new(cls: type, source: object, *args: object, **kwargs: object) -> object:
    if args or kwargs or not isinstance(source, str):
        return _EAGER_NEW(cls, source, *args, **kwargs)
    return LazyTemplate(cls, source)


def import_folium() -> None:
    """Import ``folium`` and ``folium.plugins`` with lazily compiled class templates."""
    if "folium" in sys.modules:
        return
    with _lock:
        original = jinja2.Template.__dict__["__new__"]
        jinja2.Template.__new__ = staticmethod(_lazy_new)
        try:
            import folium  # noqa: F401
            import folium.plugins  # noqa: F401
        finally:
            jinja2.Template.__new__ = original


import_folium()

__all__ = ["LazyTemplate", "import_folium"]
