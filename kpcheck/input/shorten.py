"""Values shown in messages, cut to a readable length (a bad value can be a megabyte)."""

from __future__ import annotations

import re
from typing import Any

# Characters a terminal (or a spreadsheet, or an editor) takes as commands or as a change of
# direction, never shown raw (issue 25): C0 controls and DEL, C1 controls, the bidirectional
# marks, embeddings, overrides and isolates, the zero-width and line/paragraph separators,
# the byte-order mark.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
_UNSAFE_BUT_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe(text: str, lines: bool = False) -> str:
    """``text`` with every control and bidirectional character escaped as JSON would show it
    in spirit (``\\x1b``, ``\\u202e``): the one escaping of what a submission, a file name, a
    register or a caller gave, wherever it is shown as text. ``lines``: newlines and tabs are
    kept (a text made of lines of kpcheck's own)."""
    return (_UNSAFE_BUT_LINES if lines else _UNSAFE).sub(_escaped, text)


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
