"""A tiny progress line for multi-step command-line work (no dependency).

>>> import io
>>> out = io.StringIO()
>>> progress = Progress(2, stream=out, clock=iter([0.0, 0.4, 1.0]).__next__)
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


def format_seconds(seconds: float) -> str:
    """``0.4 s``, ``12 s``, ``3 min 05 s``."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


class Progress:
    """Print ``[i/n] label: message in <step time> (ETA <time left>)`` per finished step.

    The ETA is the mean step time so far times the steps left; the last step shows the total.
    """

    def __init__(
        self,
        total: int,
        *,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.perf_counter,
        enabled: bool = True,
    ) -> None:
        self.total = total
        self.done = 0
        self.stream = stream
        self.clock = clock
        self.enabled = enabled
        self.start = self.last = clock()

    def step(self, label: str, message: str = "done") -> None:
        """Record one finished step and print its line."""
        now = self.clock()
        self.done += 1
        took, elapsed = now - self.last, now - self.start
        self.last = now
        left = self.total - self.done
        if left > 0:
            tail = f"ETA {format_seconds(elapsed / self.done * left)}"
        else:
            tail = f"total {format_seconds(elapsed)}"
        line = f"[{self.done}/{self.total}] {printable(label, 200)}: {message} in {format_seconds(took)} ({tail})"
        if self.enabled:
            stream = self.stream if self.stream is not None else sys.stderr
            print(line, file=stream, flush=True)


__all__ = ["Progress", "format_seconds"]
