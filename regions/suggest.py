"""Did-you-mean hints for names a user mistyped: scenario, zone and region ids.

>>> did_you_mean("great-lake", ["baseline", "great-lakes", "south"])
'; did you mean great-lakes?'
>>> did_you_mean("xyz", ["baseline", "south"])
''
>>> names = {"MI": "Michigan", "MN": "Minnesota"}
>>> region_hint("Michigan", names), region_hint("mi", names)
('; use USPS codes: Michigan is MI', '; did you mean MI?')
>>> region_hint("Michgan", names)
'; use USPS codes: did you mean MI (Michigan)?'
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

CUTOFF = 0.6
"""Similarity (difflib ratio, 0-1) a known name needs to be suggested."""


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The known name closest to ``word`` (case-insensitive), or None when none is close."""
    options = [str(c) for c in choices]
    folded = {c.lower(): c for c in options}
    if str(word).lower() in folded:
        return folded[str(word).lower()]
    found = difflib.get_close_matches(str(word).lower(), list(folded), n=1, cutoff=CUTOFF)
    return folded[found[0]] if found else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``'; did you mean X?'`` for the closest known name, else ``''`` (appended to a message)."""
    match = closest(word, choices)
    return f"; did you mean {match}?" if match is not None and match != word else ""


def region_hint(word: str, names: Mapping[str, str]) -> str:
    """A hint for an unknown region id: the USPS code of a state written by name
    (``'; use USPS codes: Michigan is MI'``), else the closest id; ``names`` maps id → name."""
    by_name = {str(n).lower(): str(r) for r, n in names.items()}
    if str(word).strip().lower() in by_name:
        return f"; use USPS codes: {word} is {by_name[str(word).strip().lower()]}"
    hint = did_you_mean(word, names)
    if hint:
        return hint
    name = closest(word, by_name)
    if name is not None:
        return f"; use USPS codes: did you mean {by_name[name]} ({names[by_name[name]]})?"
    return ""


__all__ = ["closest", "did_you_mean", "region_hint"]
