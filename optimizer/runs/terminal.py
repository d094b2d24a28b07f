"""Text for a terminal: user text echoed with its control characters escaped and its length bounded.

A scenario name, a file path or a cell of a user's data may hold escape sequences that retitle or
clear a terminal, or thousands of characters. Everything the command line echoes from the user
passes through ``printable`` first.
"""

from __future__ import annotations

MAX_ECHO_CHARS = 2000
"""Longest line echoed to the terminal; longer text keeps its start and end around ``…``."""


def _escape(char: str) -> str:
    if char == " " or char.isprintable():
        return char
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def printable(text: object, limit: int | None = MAX_ECHO_CHARS) -> str:
    """``text`` with control, format and separator characters (other than space) escaped as
    ``\\x1b``, ``\\u202e`` …, shortened to ``limit`` characters (start … end) when longer.

    >>> printable("\\x1b]0;pwned\\x07name")
    '\\\\x1b]0;pwned\\\\x07name'
    >>> printable("a" * 10, limit=7)
    'aaa…aaa'
    """
    text = "".join(_escape(c) for c in str(text))
    if limit is not None and len(text) > limit:
        head = (limit - 1) // 2
        tail = limit - 1 - head
        text = text[:head] + "…" + (text[-tail:] if tail else "")
    return text


def printable_lines(text: str, limit: int | None = MAX_ECHO_CHARS) -> str:
    """``printable`` applied to each line of a multi-line text (tables), newlines kept."""
    return "\n".join(printable(line, limit) for line in str(text).split("\n"))


__all__ = ["MAX_ECHO_CHARS", "printable", "printable_lines"]
