"""Checks across submissions: the compact index behind XREF-01, XREF-02 and XREF-03.

An audit reads every submission once. Each leaves an :class:`XrefKey` (what the checks
across submissions need of it) and the index keeps a few dozen bytes of it: 64-bit hashes
of its certificate number, id, ``supersedes`` and duplicate ``original_number``, and the
US$/ct of its lines in millionths. The checks themselves are derived facts (see
:mod:`kpcheck.rulebook.facts`) that the XREF rule files call with their thresholds.

Hash collisions between two different 64-bit hashes of numbers are possible in principle
(about one in 10^19 per pair) and are accepted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from array import array
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

from kpcheck.input.text import normalise_number
from kpcheck.input.models import Submission

PRICE_SCALE = Decimal(10**6)
MAX_PRICE = 2**62       # US$/ct in millionths, capped so that it fits the index's 64-bit arrays


def _h(text: str | None) -> int:
    if not text:
        return 0
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big", signed=True) or 1


@dataclass(frozen=True)
class XrefKey:
    """What the checks across submissions need of one readable submission."""

    direction: str
    presented_on: dt.date
    raw_number: str                   # the certificate number as given, for messages
    number: str                       # normalised certificate number
    id_hash: int
    supersedes_hash: int
    duplicate_request: bool
    original: str | None              # normalised original_number of a duplicate request
    raw_original: str | None = None   # as given, for messages
    prices: tuple[tuple[str, int, int], ...] = ()   # (hs_code, line index, US$/ct in millionths)
    hashes: tuple[int, int, int] = (0, 0, 0)         # of number, group, original: computed once, by key_of

    @property
    def group(self) -> int:
        return self.hashes[1] or _h(f"{self.direction}:{self.number}")

    @property
    def number_hash(self) -> int:
        return self.hashes[0] or _h(self.number)

    @property
    def original_hash(self) -> int:
        return self.hashes[2] if self.hashes[1] else _h(self.original)


def key_of(sub: Submission) -> XrefKey:
    cert = sub.certificate
    prices = []
    for i, line in enumerate(cert.lines or []):
        if line.hs_code and line.carats is not None and line.carats > 0 and line.value_usd is not None:
            per_carat = (line.value_usd / line.carats * PRICE_SCALE).to_integral_value(ROUND_HALF_EVEN)
            prices.append((line.hs_code, i, min(int(per_carat), MAX_PRICE)))
    dup = sub.duplicate
    number = normalise_number(cert.number) or ""
    original = normalise_number(dup.original_number) if dup else None
    hashes = (_h(number), _h(f"{sub.direction}:{number}"), _h(original))
    return XrefKey(sub.direction, sub.presented_on, cert.number, number, _h(sub.id), _h(sub.supersedes),
                   dup is not None, original, raw_original=dup.original_number if dup else None,
                   prices=tuple(prices), hashes=hashes)


@dataclass(frozen=True)
class XrefView:
    """One submission's key beside the batch's index: what the XREF facts read."""

    key: XrefKey
    index: "XrefIndex"

    @property
    def fields(self) -> dict[str, object]:
        return {"presented_on": self.key.presented_on, "certificate.number": self.key.raw_number,
                "direction": self.key.direction, "duplicate.original_number": self.key.raw_original}


@dataclass
class _Member:
    id_hash: int
    supersedes_hash: int
    original: int          # hash of the normalised original number, 0 when none
    number: int


@dataclass
class XrefIndex:
    """All keys of a batch, compactly; answers the XREF questions for one key."""

    numbers: array = field(default_factory=lambda: array("q"))      # hash of every certificate number
    groups: array = field(default_factory=lambda: array("q"))       # hash of (direction, number)
    prices: dict[str, array] = field(default_factory=lambda: defaultdict(lambda: array("q")))
    _members: dict[int, list[_Member]] = field(default_factory=dict)
    _medians: dict[str, tuple[int, int]] = field(default_factory=dict)   # hs -> (2 x median, count)
    frozen: bool = False

    def add(self, key: XrefKey) -> None:
        self.numbers.append(key.number_hash)
        self.groups.append(key.group)
        for hs, _, price in key.prices:
            self.prices[hs].append(price)

    def add_reused(self, key: XrefKey) -> None:
        """Second look at a key once :meth:`freeze` knows which groups repeat."""
        if key.group in self._members:
            self._members[key.group].append(
                _Member(key.id_hash, key.supersedes_hash, key.original_hash, key.number_hash))

    def freeze(self) -> None:
        """Sort for look-ups and compute the medians; returns nothing, call once after every add."""
        self.numbers = array("q", sorted(self.numbers))
        ordered = sorted(self.groups)
        self._members = {g: [] for i, g in enumerate(ordered) if i and ordered[i - 1] == g}
        self.groups = array("q")
        for hs, values in self.prices.items():
            s = sorted(values)
            n = len(s)
            twice = 2 * s[n // 2] if n % 2 else s[n // 2 - 1] + s[n // 2]
            self._medians[hs] = (twice, n)
        self.prices = defaultdict(lambda: array("q"))
        self.frozen = True

    @property
    def needs_second_look(self) -> bool:
        return bool(self._members)

    def same_number_others(self, key: XrefKey) -> int:
        """XREF-01: other submissions of the same direction and number, exempt pairs left out."""
        members = self._members.get(key.group)
        if not members:
            return 0
        me = _Member(key.id_hash, key.supersedes_hash, key.original_hash, key.number_hash)
        # the same submission id seen twice (a register that holds the checked file) is not a reuse
        return sum(1 for other in members if other.id_hash != me.id_hash and not _exempt(me, other))

    def original_known(self, key: XrefKey) -> bool | None:
        """XREF-02: a duplicate request's original number is another audited submission's number."""
        if not key.duplicate_request or not key.original:
            return None
        wanted = key.original_hash
        i = bisect_left(self.numbers, wanted)
        hits = 0
        while i < len(self.numbers) and self.numbers[i] == wanted:
            hits += 1
            i += 1
        own = 1 if key.original == key.number else 0
        return hits - own > 0

    def price_outliers(self, key: XrefKey, ratio: Decimal, min_lines: int) -> list[tuple[int, int, Decimal]]:
        """XREF-03: (line index, US$/ct x 10^6, median) of lines beyond ratio x or 1/ratio x the median."""
        out = []
        for hs, index, price in key.prices:
            twice, count = self._medians.get(hs, (0, 0))
            if count < min_lines or twice <= 0:
                continue
            if 2 * price > ratio * twice or 2 * price * ratio < twice:
                out.append((index, price, Decimal(twice) / 2))
        return out


def _exempt(a: _Member, b: _Member) -> bool:
    """A duplicate request naming the other's number, or one superseding the other."""
    return bool((a.original and a.original == b.number) or (b.original and b.original == a.number)
                or (a.supersedes_hash and a.supersedes_hash == b.id_hash)
                or (b.supersedes_hash and b.supersedes_hash == a.id_hash))


def build_index(keys: list[XrefKey]) -> XrefIndex:
    """An index of keys held in memory (small batches, rule examples, check --against)."""
    index = XrefIndex()
    for key in keys:
        index.add(key)
    index.freeze()
    for key in keys:
        index.add_reused(key)
    return index
