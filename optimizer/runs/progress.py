"""Progress of multi-step work on stderr, one implementation for the command line and the
analysis runner: a tqdm bar on a terminal, plain lines (no ``\\r``) when stderr is a file or pipe.

>>> import io
>>> out = io.StringIO()
>>> progress = Progress(2, enabled=True, stream=out, clock=iter([0.0, 0.4, 1.0]).__next__)
>>> progress.step("baseline", "solved")
>>> out.getvalue()
'[1/2] baseline: solved in 0.4 s (ETA 0.4 s)\\n'
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

from .terminal import printable

LABEL_CHARS = 200
"""Longest step name shown in a progress line (a scenario name may be far longer)."""
PLAIN_INTERVAL_S = 5.0
"""Least time between two plain progress lines of anonymous runs [s] (the last is always shown)."""


def format_seconds(seconds: float) -> str:
    """``0.4 s``, ``12 s``, ``3 min 05 s``, ``2 h 05 min``."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes >= 60:
        return f"{minutes // 60} h {minutes % 60:02d} min"
    return f"{minutes} min {rest:02d} s"


class Progress:
    """``total`` steps (``step``, named) or runs (``update``, anonymous) on ``stream``.

    On a terminal a tqdm bar; otherwise one line per named step (``[i/n] name: message in 0.4 s
    (ETA 0.4 s)``) or, for runs, ``label: i/n (p%) k failed, r runs/s, ETA t`` at most every
    ``min_interval`` seconds and at the end. ``enabled=None`` shows progress only on a terminal.
    """

    def __init__(
        self,
        total: int,
        label: str = "runs",
        *,
        enabled: bool | None = None,
        stream: TextIO | None = None,
        min_interval: float = PLAIN_INTERVAL_S,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.enabled = (tty if enabled is None else enabled) and total > 0
        self.total, self.label = total, label
        self.done = self.failed = 0
        self.clock, self.min_interval = clock, min_interval
        self.start = self.last = self.shown = clock()
        self._pending = False
        self._bar = None
        if self.enabled and tty:
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=label, file=self.stream, dynamic_ncols=True)

    def step(self, name: str, message: str = "done") -> None:
        """One named step finished."""
        now = self.clock()
        self.done += 1
        took, elapsed = now - self.last, now - self.start
        self.last = now
        name = printable(name, LABEL_CHARS)
        if self._bar is not None:
            self._bar.set_postfix_str(f"{name}: {message}", refresh=False)
            self._bar.update(1)
            return
        left = self.total - self.done
        tail = (
            f"ETA {format_seconds(elapsed / self.done * left)}"
            if left > 0
            else f"total {format_seconds(elapsed)}"
        )
        self._print(
            f"[{self.done}/{self.total}] {name}: {message} in {format_seconds(took)} ({tail})"
        )

    def update(self, ok: bool = True) -> None:
        """One anonymous run finished (``ok`` False counts a failure)."""
        self.done += 1
        self.failed += 0 if ok else 1
        if self._bar is not None:
            if self.failed:
                self._bar.set_postfix_str(f"{self.failed} failed", refresh=False)
            self._bar.update(1)
            return
        now = self.clock()
        self._pending = True
        if now - self.shown >= self.min_interval or self.done == self.total:
            self.shown = now
            self._print(self.text(now))

    def text(self, now: float | None = None) -> str:
        """The plain line of the runs so far."""
        now = self.clock() if now is None else now
        elapsed = max(now - self.start, 1e-9)
        rate = self.done / elapsed
        left = self.total - self.done
        eta = format_seconds(left / rate) if rate > 0 and left else "-"
        failed = f" {self.failed} failed," if self.failed else ""
        pct = 100 * self.done / self.total if self.total else 100
        return (
            f"{self.label}: {self.done}/{self.total} ({pct:.0f}%){failed} "
            f"{rate:.1f} runs/s, ETA {eta}"
        )

    def close(self) -> None:
        """Finish the bar (or print the last line of runs not shown yet)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif self._pending:
            self._print(self.text())
        self.enabled = False

    def _print(self, line: str) -> None:
        if self.enabled:
            print(line, file=self.stream, flush=True)
            self._pending = False


__all__ = ["PLAIN_INTERVAL_S", "Progress", "format_seconds"]
