"""Start and stop ``clustersite app`` as a subprocess, shared by the app's browser tests."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GUARD_S = 300.0
"""How long to wait for the app to print its address (a guard, never the assertion)."""


def start_app(log_path: Path, *args: str) -> tuple[subprocess.Popen, str]:
    """``python -m outputs.cli app --no-browser --port 0 ARGS``, its output in ``log_path``;
    returns (process, its address), or fails the test with the log's tail."""
    log = log_path.open("w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "outputs.cli", "app", "--no-browser", "--port", "0", *args],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
        start_new_session=True,
    )
    deadline = time.monotonic() + GUARD_S
    while time.monotonic() < deadline:
        log.seek(0)
        found = re.search(r"clustersite app: (http://127\.0\.0\.1:\d+/)", log.read())
        if found:
            return process, found.group(1)
        if process.poll() is not None:
            break
        time.sleep(0.1)
    stop_app(process)
    log.seek(0)
    pytest.fail(f"the app did not print its address:\n{log.read()[-2000:]}")


def stop_app(process: subprocess.Popen) -> None:
    """End the app and its worker processes (its own process group)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
