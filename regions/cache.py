"""An on-disk cache of loaded region data, so a command does not parse and validate the same
files again (``load`` takes about 0.25 s; reading the cache about 0.01 s).

The cache key is a sha256 of everything ``load`` depends on: the bytes of every data file it
reads (and which files are missing), the source of the ``regions`` package (its code and
``schema.csv``), and the Python, pandas, numpy and shapely versions. Any change gives a new key,
so a stale entry is never read. An entry that cannot be read (truncated, corrupt, another format)
is ignored and rebuilt; a cache folder that cannot be written is skipped silently. Entries live in
``$XDG_CACHE_HOME/clustersite`` (default ``~/.cache/clustersite``); the newest ``MAX_ENTRIES``
are kept. ``CLUSTERSITE_NO_CACHE=1`` turns the cache off.

Values worked out from a loaded dataset (the simplified outlines the maps draw) are cached next to
it (``derived``): under a sha256 of the dataset's key, the value's name and a salt (the source of
the code that works it out), so they are invalidated with the dataset; the same rules apply.

>>> data = load_cached()                          # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import platform
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from .dataset import RegionData
from .loader import load, resolve_files

NO_CACHE_ENV = "CLUSTERSITE_NO_CACHE"
"""Set to 1 to read the data files every time."""
FORMAT = 1
"""Bumped when the layout of an entry changes."""
MAX_ENTRIES = 8
"""Entries kept (newest first); older ones are removed when a new one is written."""
PACKAGE_DIR = Path(__file__).resolve().parent
_PREFIX = "regions-"
_SUFFIX = ".pickle"
_KEY_ATTR = "_cache_key"
"""Attribute of a RegionData read through ``load_cached``: its entry's key (not a field)."""
T = TypeVar("T")


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/clustersite``, or ``~/.cache/clustersite``."""
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".cache"
    return root / "clustersite"


def cache_enabled() -> bool:
    """False when ``CLUSTERSITE_NO_CACHE`` is set to anything but ``0`` or empty."""
    return os.environ.get(NO_CACHE_ENV, "").strip() in ("", "0")


def _versions() -> str:
    import numpy
    import pandas
    import shapely

    found = [f"{m.__name__}={m.__version__}" for m in (pandas, numpy, shapely)]
    return f"python={platform.python_version()};" + ";".join(found)


def cache_key(data_dir: Path | str | None = None) -> str:
    """The sha256 (hex) naming the cache entry of ``load(data_dir)``; raises what ``load``
    raises for a missing folder or an unknown file name."""
    files = resolve_files(data_dir)
    digest = hashlib.sha256(f"format={FORMAT};{_versions()}".encode())
    for path in sorted(PACKAGE_DIR.glob("*.py")) + sorted(PACKAGE_DIR.glob("*.csv")):
        digest.update(f"\0code:{path.name}\0".encode())
        digest.update(path.read_bytes())
    for name, path in sorted(files.items()):
        digest.update(f"\0data:{name}:{path}:{path.resolve()}\0".encode())
        try:
            digest.update(path.read_bytes())
        except FileNotFoundError:
            digest.update(b"\0missing\0")
    return digest.hexdigest()


def _read(path: Path, kind: type = RegionData) -> object | None:
    """The entry at ``path`` if it is a ``kind``, or None when it is missing or unreadable."""
    try:
        with open(path, "rb") as handle:
            data = pickle.load(handle)
    except Exception:  # noqa: BLE001 - any unreadable entry is rebuilt
        return None
    return data if isinstance(data, kind) else None


def _write(path: Path, data: object, prefix: str = _PREFIX) -> None:
    """Write the entry atomically (temp file, then rename); give up quietly on any error."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(6)}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(tmp, "wb") as handle:
            pickle.dump(data, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except Exception:  # noqa: BLE001 - a cache that cannot be written is skipped
        with contextlib.suppress(OSError):
            tmp.unlink()
        return
    _prune(path.parent, prefix)


def _prune(folder: Path, prefix: str = _PREFIX) -> None:
    """Keep the newest ``MAX_ENTRIES`` entries whose names start with ``prefix``."""
    try:
        entries = sorted(
            folder.glob(f"{prefix}*{_SUFFIX}"), key=lambda p: p.stat().st_mtime, reverse=True
        )
    except OSError:
        return
    for old in entries[MAX_ENTRIES:]:
        with contextlib.suppress(OSError):
            old.unlink()


def load_cached(data_dir: Path | str | None = None) -> RegionData:
    """``regions.load(data_dir)``, read from the cache when its inputs are unchanged."""
    if not cache_enabled():
        return load(data_dir)
    key = cache_key(data_dir)
    path = cache_dir() / f"{_PREFIX}{key}{_SUFFIX}"
    data = _read(path)
    if data is None:
        data = load(data_dir)
        if cache_key(data_dir) == key:  # no file changed while it was read
            _write(path, data)
        else:
            return data  # not the files the key names: nothing derived from it is cached
    object.__setattr__(data, _KEY_ATTR, key)  # not a field: not pickled, compared or replaced
    return data


def data_key(data: RegionData) -> str | None:
    """The cache key ``data`` was loaded under (``load_cached``), or None: loaded otherwise, or
    a copy (``dataclasses.replace``), so nothing derived from it is cached on disk."""
    return data.__dict__.get(_KEY_ATTR)


def derived(data: RegionData, name: str, salt: bytes, build: Callable[[], T], kind: type) -> T:
    """A value worked out from ``data`` by ``build()``, read from the cache when ``data`` came
    from it (``data_key``) and an entry for the same ``name`` (letters, digits, dashes) and
    ``salt`` (the source of the code that works it out) is there and is a ``kind``; else built
    and written (atomically; an unwritable cache is skipped)."""
    key = data_key(data)
    if key is None or not cache_enabled():
        return build()
    digest = hashlib.sha256(f"{key}\0{name}\0".encode() + salt).hexdigest()
    path = cache_dir() / f"{name}-{digest}{_SUFFIX}"
    value = _read(path, kind)
    if value is None:
        value = build()
        _write(path, value, prefix=f"{name}-")
    return value


__all__ = [
    "NO_CACHE_ENV",
    "cache_dir",
    "cache_enabled",
    "cache_key",
    "data_key",
    "derived",
    "load_cached",
]
