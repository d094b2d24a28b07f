"""Atomic file writes and staged folders: failures leave the old state and no temporary files."""

from __future__ import annotations

import os

import pytest

from outputs import atomic
from outputs.atomic import atomic_write_bytes, atomic_write_text, new_run_folder, staged_folder


def listing(folder):
    """Every path under ``folder`` (hidden ones included), relative, sorted."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def earlier_output(final):
    """``final`` as a previous clustersite run left it: old.txt and a clustersite manifest."""
    final.mkdir()
    (final / "old.txt").write_text("first run")
    (final / "manifest.json").write_text('{"clustersite_version": "0.1.0"}')
    return final


def test_write_text_replaces_content(tmp_path):
    path = tmp_path / "a.txt"
    atomic_write_text(path, "old\n")
    atomic_write_text(path, "new ü\n")
    assert path.read_bytes() == "new ü\n".encode()
    assert listing(tmp_path) == ["a.txt"]


def test_failed_replace_keeps_old_file_and_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "a.txt"
    path.write_text("old")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_bytes(path, b"new")
    assert path.read_text() == "old"
    assert listing(tmp_path) == ["a.txt"]


def test_failure_while_writing_keeps_old_file(tmp_path, monkeypatch):
    path = tmp_path / "a.txt"
    path.write_text("old")

    def broken_fsync(fd):
        raise OSError("I/O error")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="I/O error"):
        atomic_write_text(path, "new")
    assert path.read_text() == "old"
    assert listing(tmp_path) == ["a.txt"]


def test_staged_folder_renames_into_place(tmp_path):
    final = tmp_path / "run"
    with staged_folder(final) as staging:
        assert staging.parent == tmp_path and staging.name.startswith(".run.")
        (staging / "x.csv").write_text("a\n1\n")
        assert not final.exists()  # nothing visible until complete
    assert (final / "x.csv").read_text() == "a\n1\n"
    assert listing(tmp_path) == ["run", "run/x.csv"]


def test_staged_folder_refuses_existing_before_work(tmp_path):
    final = tmp_path / "run"
    final.mkdir()
    (final / "keep.txt").write_text("first run")
    calls = []
    with pytest.raises(FileExistsError, match="already exists"), staged_folder(final):
        calls.append("work")  # must not run
    assert calls == []
    assert listing(tmp_path) == ["run", "run/keep.txt"]
    assert (final / "keep.txt").read_text() == "first run"


def test_overwrite_replaces_only_after_success(tmp_path):
    final = earlier_output(tmp_path / "run")
    with staged_folder(final, overwrite=True) as staging:
        (staging / "new.txt").write_text("second run")
        # while the new folder is being built, the old one is intact
        assert (final / "old.txt").read_text() == "first run"
    assert listing(tmp_path) == ["run", "run/new.txt"]
    assert (final / "new.txt").read_text() == "second run"


def test_exception_cleans_up_and_keeps_existing(tmp_path):
    final = earlier_output(tmp_path / "run")
    with (
        pytest.raises(RuntimeError, match="solver crashed"),
        staged_folder(final, overwrite=True) as staging,
    ):
        (staging / "half.csv").write_text("a\n")
        raise RuntimeError("solver crashed")
    assert listing(tmp_path) == ["run", "run/manifest.json", "run/old.txt"]
    assert (final / "old.txt").read_text() == "first run"


def test_exception_without_existing_leaves_nothing(tmp_path):
    with pytest.raises(KeyboardInterrupt), staged_folder(tmp_path / "run") as staging:
        (staging / "half.csv").write_text("a\n")
        raise KeyboardInterrupt
    assert listing(tmp_path) == []


def test_failed_swap_restores_old_folder(tmp_path, monkeypatch):
    final = earlier_output(tmp_path / "run")
    real_rename = os.rename

    def rename(src, dst):
        if str(src).endswith(".partial"):  # moving the new folder in fails
            raise OSError("rename failed")
        return real_rename(src, dst)

    monkeypatch.setattr(atomic.os, "rename", rename)
    with (
        pytest.raises(OSError, match="rename failed"),
        staged_folder(final, overwrite=True) as staging,
    ):
        (staging / "new.txt").write_text("second run")
    assert listing(tmp_path) == ["run", "run/manifest.json", "run/old.txt"]


def test_new_run_folder(tmp_path):
    folder = new_run_folder(tmp_path / "runs", "great-lakes")
    assert folder == tmp_path / "runs" / "great-lakes" and folder.is_dir()
    assert list(folder.iterdir()) == []
    (folder / "x.txt").write_text("x")
    with pytest.raises(FileExistsError, match="great-lakes already exists"):
        new_run_folder(tmp_path / "runs", "great-lakes")
    with pytest.raises(FileExistsError, match="not a clustersite output folder"):
        new_run_folder(tmp_path / "runs", "great-lakes", overwrite=True)
    assert (folder / "x.txt").read_text() == "x"
    (folder / "manifest.json").write_text('{"clustersite_version": "0.1.0"}')
    assert list(new_run_folder(tmp_path / "runs", "great-lakes", overwrite=True).iterdir()) == []
    with pytest.raises(ValueError, match="not a usable folder name"):
        new_run_folder(tmp_path, "../escape")
