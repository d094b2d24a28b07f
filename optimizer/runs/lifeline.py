"""Helper processes that end when their parent does, however the parent ends (SIGKILL included).

A helper blocked on a pipe nobody reads, or waiting for work that will never come, would otherwise
live on after its parent was killed. ``exit_with_parent`` starts a daemon thread in the helper
that checks every ``POLL_SECONDS`` whether the process that started it is still its parent (a
process whose parent dies is re-parented, so its parent id changes) and ends the helper at once
when it is not. The thread runs while the helper's main thread is blocked in a system call.

>>> import os
>>> exit_with_parent(os.getppid())  # in a process whose parent lives: nothing happens
"""

from __future__ import annotations

import os
import threading
import time

POLL_SECONDS = 0.2
"""How often a helper checks its parent [s]."""
EXIT_ORPHANED = 70
"""Exit code of a helper whose parent died."""

_watching = False
_lock = threading.Lock()


def exit_with_parent(parent_pid: int | None = None) -> None:
    """End this process (``os._exit``, no clean-up of inherited state) as soon as
    ``parent_pid`` (default: the current parent) is no longer its parent. Call it first thing
    in a helper process; a second call in the same process does nothing."""
    global _watching
    parent = os.getppid() if parent_pid is None else int(parent_pid)
    if os.getppid() != parent:  # the parent died before the helper got here
        os._exit(EXIT_ORPHANED)
    with _lock:
        if _watching:
            return
        _watching = True

    def watch() -> None:
        while True:
            time.sleep(POLL_SECONDS)
            if os.getppid() != parent:
                os._exit(EXIT_ORPHANED)

    threading.Thread(target=watch, name="clustersite-lifeline", daemon=True).start()


def _reset_after_fork() -> None:
    """A forked child has no watcher thread even if its parent had one."""
    global _watching, _lock
    _watching = False
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


__all__ = ["EXIT_ORPHANED", "POLL_SECONDS", "exit_with_parent"]
