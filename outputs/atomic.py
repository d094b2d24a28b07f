"""Atomic writes: a reader sees the old file (or folder) or the complete new one, never half of it.

Files are written to a temporary sibling, flushed to disk and renamed over the target. Folders are
built in a hidden temporary sibling and renamed into place once complete (``staged_folder``).

Temporary siblings are named ``.<target>.<pid>-<random>.<partial|old|tmp>``. A process killed
outright (``kill -9``, power loss) cannot remove its own, so the next ``staged_folder`` for the same
target removes those whose process is gone (and puts back an old folder that was set aside but not
replaced). ``overwrite`` replaces only a folder that carries a clustersite ``manifest.json``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
MANIFEST = "manifest.json"
MANIFEST_KEY = "clustersite_version"
"""Every clustersite output folder holds ``manifest.json``, a JSON object with this key."""


def atomic_write_bytes(path: Path | str, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; on error the old file is untouched and no temp is left."""
    path = Path(path)
    remove_stale(path)
    fd, tmp = _create_temp_file(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)
    return path


def atomic_write_text(path: Path | str, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (UTF-8, newlines as given)."""
    return atomic_write_bytes(path, text.encode(encoding))


def _temp_sibling(path: Path, suffix: str) -> Path:
    """A hidden, unused name next to ``path``, carrying this process's id."""
    return path.parent / f".{path.name}.{os.getpid()}-{secrets.token_hex(6)}{suffix}"


def _pid_alive(pid: int) -> bool:
    """True if process ``pid`` may still run (unknown counts as running)."""
    if pid == os.getpid():
        return False  # this process is not (yet) writing ``path``: whatever is left is stale
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError, ValueError, OverflowError):
        return True
    return True


def stale_siblings(path: Path | str) -> list[Path]:
    """Temporary siblings of ``path`` left by processes that no longer run."""
    path = Path(path)
    pattern = re.compile(
        rf"^\.{re.escape(path.name)}\.(\d+)-[0-9a-f]{{12}}(\.partial|\.old|\.tmp)$"
    )
    if not path.parent.is_dir():
        return []
    stale = []
    for sibling in path.parent.iterdir():
        match = pattern.match(sibling.name)
        if match and not _pid_alive(int(match.group(1))):
            stale.append(sibling)
    return sorted(stale)


def remove_stale(path: Path | str) -> list[Path]:
    """Remove the stale temporary siblings of ``path``; return them.

    An old folder set aside for replacement (``.old``) is renamed back to ``path`` when ``path``
    is missing (the replacement never arrived), so no finished output is lost.
    """
    path = Path(path)
    removed = []
    for sibling in stale_siblings(path):
        if sibling.name.endswith(".old"):
            if not path.exists():
                with contextlib.suppress(OSError):
                    os.rename(sibling, path)  # the old output comes back
            if sibling.exists() and path.exists() and is_clustersite_output(sibling):
                shutil.rmtree(sibling, ignore_errors=True)
                removed.append(sibling)
            continue
        if sibling.is_dir() and not sibling.is_symlink():
            shutil.rmtree(sibling, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                sibling.unlink()
        removed.append(sibling)
    return removed


def is_clustersite_output(folder: Path | str) -> bool:
    """True if ``folder`` holds a clustersite ``manifest.json`` (a JSON object with
    ``clustersite_version``)."""
    try:
        doc = json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(doc, dict) and MANIFEST_KEY in doc


def check_replaceable(final: Path | str) -> None:
    """Raise FileExistsError unless ``final`` is missing or a folder clustersite wrote."""
    final = Path(final)
    if not final.exists() and not final.is_symlink():
        return
    if final.is_symlink() or not final.is_dir():
        raise FileExistsError(
            f"{final} exists and is not a folder; --overwrite replaces folders only"
        )
    if not is_clustersite_output(final):
        raise FileExistsError(
            f"{final} is not a clustersite output folder (no clustersite {MANIFEST}); "
            "--overwrite replaces only folders clustersite wrote: choose another --out folder"
        )


def _create_temp_file(path: Path) -> tuple[int, Path]:
    """Create and open a new temp file next to ``path`` (mode 0o666 less the umask)."""
    while True:
        tmp = _temp_sibling(path, ".tmp")
        try:
            return os.open(
                tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666
            ), tmp
        except FileExistsError:  # pragma: no cover - 48 random bits
            continue


def _fsync_dir(folder: Path) -> None:
    """Flush a directory entry to disk where the platform allows it (POSIX)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. Windows
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def _exists_message(final: Path) -> str:
    return f"{final} already exists; choose another folder or pass overwrite (--overwrite) to replace it"


@contextlib.contextmanager
def staged_folder(final: Path | str, *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a hidden temporary folder next to ``final``; on success rename it to ``final``.

    If ``final`` exists and ``overwrite`` is False, raise FileExistsError before yielding (no work is
    done); with ``overwrite`` it must be a clustersite output folder (``check_replaceable``). The
    old folder is replaced only after the new one is complete: old renamed aside, new renamed in,
    old deleted. On any exception the temporary folder is removed and an existing ``final`` is left
    as it was. Stale temporary siblings of ``final`` from killed runs are removed first.
    """
    final = Path(final)
    remove_stale(final)
    if final.exists() and not overwrite:
        raise FileExistsError(_exists_message(final))
    if overwrite:
        check_replaceable(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = _temp_sibling(final, ".partial")
    staging.mkdir()
    try:
        yield staging
        _commit(staging, final, overwrite=overwrite)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _commit(staging: Path, final: Path, *, overwrite: bool) -> None:
    """Move the complete ``staging`` folder to ``final`` (replacing an old one if allowed)."""
    if not final.exists():
        os.rename(staging, final)
        _fsync_dir(final.parent)
        return
    if not overwrite:  # appeared while we were working
        raise FileExistsError(_exists_message(final))
    aside = _temp_sibling(final, ".old")
    os.rename(final, aside)
    try:
        os.rename(staging, final)
    except BaseException:
        os.rename(aside, final)
        raise
    _fsync_dir(final.parent)
    shutil.rmtree(aside, ignore_errors=True)


def check_folder_name(name: str) -> str:
    """Return ``name`` if it is a safe single folder name (letters, digits, ``._-``), else raise."""
    if not _SAFE_NAME.match(name) or name in (".", ".."):
        raise ValueError(
            f"{name!r} is not a usable folder name (use letters, digits, '.', '_' or '-')"
        )
    return name


def new_run_folder(base: Path | str, name: str, *, overwrite: bool = False) -> Path:
    """Create the empty run folder ``base/name`` atomically and return it.

    Raises FileExistsError if it exists and ``overwrite`` is False; with ``overwrite`` an existing
    clustersite output folder is replaced by an empty one. ``name`` must be a plain folder name (no path separators).
    """
    final = Path(base) / check_folder_name(name)
    with staged_folder(final, overwrite=overwrite):
        pass
    return final


__all__ = [
    "MANIFEST",
    "atomic_write_bytes",
    "atomic_write_text",
    "check_folder_name",
    "check_replaceable",
    "is_clustersite_output",
    "new_run_folder",
    "remove_stale",
    "stale_siblings",
    "staged_folder",
]
