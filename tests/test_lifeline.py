"""Helper processes end with their parent, however it ends: a ``compare`` helper blocked writing
to a pipe nobody reads is gone after its parent is killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from outputs.cli import fork

ROOT = Path(__file__).resolve().parent.parent
GUARD_S = 60.0
"""A generous guard only: the helper polls its parent every 0.2 s."""

PARENT = """
import os, sys, time
from outputs.cli.fork import fork_call

def big():
    return b"x" * 20_000_000  # far more than a pipe holds: the helper blocks writing it

pending = fork_call(big)
print(pending._process.pid, flush=True)
time.sleep(float(sys.argv[1]))
os.kill(os.getpid(), 9)
"""


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting to be reaped counts as ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state != "Z"


@pytest.mark.skipif(not fork.can_fork() or not Path("/proc").is_dir(), reason="needs fork, /proc")
def test_a_forked_helper_blocked_on_its_pipe_ends_when_its_parent_is_killed(tmp_path):
    out, err = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    with out.open("w") as stdout, err.open("w") as stderr:  # files: the run ends with the parent
        done = subprocess.run(
            [sys.executable, "-c", PARENT, "1.0"],
            cwd=ROOT,
            stdout=stdout,
            stderr=stderr,
            timeout=GUARD_S,
            env={**os.environ, "CLUSTERSITE_SERIAL": "0"},
        )
    assert done.returncode == -signal.SIGKILL, err.read_text()
    helper = int(out.read_text().split()[0])
    deadline = time.monotonic() + GUARD_S
    while _alive(helper) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(helper)


def test_a_helper_whose_parent_is_alive_keeps_running_and_returns_its_value():
    with fork.fork_call(sum, list(range(1000))) as pending:
        assert pending.result() == 499500
