"""Exact medians of the US$/ct per HS code (XREF-03) without holding every price of a batch.

The first pass only counts prices per HS code in log-scale buckets (16 per doubling, a few
hundred per code): workers count their unit's, the main process adds the counts. Then
:meth:`Medians.plan` knows which one or two buckets hold each median, and the second look
offers the prices again (from the spool, packed) keeping only those inside them; a sort of
that handful gives the exact median. Memory: a few kilobytes per HS code, whatever the batch.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


def bucket(value: int) -> int:
    """The bucket of a value: increases with it; 16 buckets per doubling, exact below 16."""
    if value < 0:
        return -bucket(-value) - 1
    length = value.bit_length()
    return (length << 4) | ((value >> max(0, length - 5)) & 15)


def bucket_range(key: int) -> tuple[int, int]:
    """The smallest and largest value of a bucket."""
    if key < 0:
        lo, hi = bucket_range(-key - 1)
        return -hi, -lo
    length, top = key >> 4, key & 15
    if length < 5:
        return top, top
    shift = length - 5
    return (16 + top) << shift, ((17 + top) << shift) - 1


def count_buckets(values: Iterable[int]) -> dict[int, int]:
    return dict(Counter(bucket(v) for v in values))


@dataclass
class Medians:
    """Bucket counts per HS code, then the prices inside the median's buckets, then the medians."""

    counts: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    _wanted: dict[str, tuple[int, list[tuple[int, int]]]] = field(default_factory=dict)  # n, (bucket, rank in it)
    _kept: dict[tuple[str, int], list[int]] = field(default_factory=lambda: defaultdict(list))

    def add_counts(self, hs: str, counts: dict[int, int]) -> None:
        self.counts[hs].update(counts)

    def plan(self) -> None:
        """Once every count is in: which buckets hold the middle value(s) of each code."""
        for hs, counts in self.counts.items():
            n = sum(counts.values())
            middle = [n // 2] if n % 2 else [n // 2 - 1, n // 2]
            found: list[tuple[int, int]] = []
            before = 0
            for key in sorted(counts):
                found.extend((key, k - before) for k in middle if before <= k < before + counts[key])
                before += counts[key]
            self._wanted[hs] = (n, found)
        self.counts = defaultdict(Counter)

    def offer(self, hs: str, values: Sequence[int]) -> None:
        """Prices of a code seen again: those inside a median's bucket are kept."""
        wanted = self._wanted.get(hs)
        if wanted is None:
            return
        for key in {key for key, _ in wanted[1]}:
            lo, hi = bucket_range(key)
            self._kept[(hs, key)].extend(v for v in values if lo <= v <= hi)

    def settle(self) -> dict[str, tuple[int, int]]:
        """HS code -> (twice the median, number of prices), once every price was offered."""
        out = {}
        for hs, (n, found) in self._wanted.items():
            picks = [sorted(self._kept[(hs, key)])[rank] for key, rank in found]
            out[hs] = (2 * picks[0] if len(picks) == 1 else picks[0] + picks[1], n)
        self._wanted, self._kept = {}, defaultdict(list)
        return out
