"""The limits within which documents from strangers are read (YAML and JSON alike)."""

from __future__ import annotations

import math
import os
import re

from kpcheck.problems import KpcheckError

MAX_DEPTH = 64  # levels of nesting
MAX_INT_DIGITS = 50  # digits of one integer
MAX_NODES = 100_000  # values of one document once its aliases are expanded
SIZE_ENV = "KPCHECK_MAX_SIZE"
DEFAULT_MAX_SIZE = 64 << 20  # bytes of one file, of standard input, of one JSON Lines line
_SIZE = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?\s*$", re.IGNORECASE)
_UNIT = {"": 1, "b": 1, "k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10, "m": 1 << 20, "mb": 1 << 20, "mib": 1 << 20}
_UNIT.update({"g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30})


class SizeSettingError(KpcheckError):
    """``KPCHECK_MAX_SIZE`` is not a size."""

    code = "CFG003"


def max_size() -> int:
    """The most bytes one file, standard input or one JSON Lines line may hold (``KPCHECK_MAX_SIZE``:
    bytes, or with K, M, G (binary), a decimal comma allowed; default 64 MiB)."""
    raw = os.environ.get(SIZE_ENV)
    if not raw:
        return DEFAULT_MAX_SIZE
    found = _SIZE.match(raw)
    value = float(found.group(1).replace(",", ".")) * _UNIT[(found.group(2) or "").lower()] if found else math.nan
    if not math.isfinite(value) or value < 1 or value > 1 << 40:
        raise SizeSettingError(SIZE_ENV, f"{raw!r} is not a size from 1 byte to 1 TiB (for example 64M, 512K or 1000000)")
    return int(value)


def size_text(size: int) -> str:
    """A size as people read it: 64 MiB, 1.5 KiB, 12 bytes."""
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= factor:
            return f"{size / factor:.1f}".rstrip("0").rstrip(".") + f" {unit}"
    return f"{size} bytes"
