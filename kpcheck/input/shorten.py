"""Values shown in messages, cut to a readable length (a bad value can be a megabyte)."""

from __future__ import annotations

from typing import Any

SHOWN_CHARS = 60
MESSAGE_CHARS = 1000


def shorten(text: str, limit: int = SHOWN_CHARS) -> str:
    """``text`` as is when short, else its start and how long it was."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters)"


def shown(value: Any, limit: int = SHOWN_CHARS) -> str:
    """A value as a message quotes it: its ``repr``, cut to ``limit`` characters."""
    return shorten(repr(value), limit)


def internal_error(stage: str, exc: BaseException) -> str:
    """The message of an unexpected failure: said to be kpcheck's own, with what it was."""
    return f"internal error while {stage} this submission ({type(exc).__name__}: {shorten(str(exc), 200)}); please report it with the input"
