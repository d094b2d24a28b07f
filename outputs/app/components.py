"""Small page components the callbacks share."""

from __future__ import annotations

from dash import html


def banner_block(sentences: list[str]) -> list:
    """The red banner of rules missed (nothing when every rule was met)."""
    if not sentences:
        return []
    return [
        html.Div(
            [
                html.B("Rule missed. "),
                "The cost includes a penalty for it, not money spent:",
                html.Ul([html.Li(s) for s in sentences]),
            ],
            className="banner",
            role="alert",
        )
    ]


__all__ = ["banner_block"]
