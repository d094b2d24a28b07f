"""Atomic writes: a reader sees the old file (or folder) or the complete new one, never half of it.

Files are written to a temporary sibling, flushed to disk and renamed over the target. Folders are
built in a hidden temporary sibling and renamed into place once complete (``staged_folder``).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def atomic_write_bytes(path: Path | str, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; on error the old file is untouched and no temp is left."""
    path = Path(path)
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
    """A hidden, unused name next to ``path``."""
    return path.parent / f".{path.name}.{secrets.token_hex(6)}{suffix}"


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
    done). With ``overwrite`` the old folder is replaced only after the new one is complete: old
    renamed aside, new renamed in, old deleted. On any exception the temporary folder is removed
    and an existing ``final`` is left as it was.
    """
    final = Path(final)
    if final.exists() and not overwrite:
        raise FileExistsError(_exists_message(final))
    if final.exists() and not final.is_dir():
        raise FileExistsError(f"{final} exists and is not a folder")
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
    folder is replaced by an empty one. ``name`` must be a plain folder name (no path separators).
    """
    final = Path(base) / check_folder_name(name)
    with staged_folder(final, overwrite=overwrite):
        pass
    return final


__all__ = [
    "atomic_write_bytes",
    "atomic_write_text",
    "check_folder_name",
    "new_run_folder",
    "staged_folder",
]
