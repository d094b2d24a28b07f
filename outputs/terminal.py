"""Text for a terminal: user text echoed with its control characters escaped and its length bounded.

The helpers live in ``optimizer.runs.terminal`` (the progress lines of the analysis runner use them
too); the command line imports them from here.
"""

from __future__ import annotations

from optimizer.runs.terminal import MAX_ECHO_CHARS, printable, printable_lines

__all__ = ["MAX_ECHO_CHARS", "printable", "printable_lines"]
