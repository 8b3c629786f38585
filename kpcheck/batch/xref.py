"""Checks across submissions: the compact index behind XREF-01, XREF-02 and XREF-03.

An audit reads every submission once. Each leaves an :class:`XrefKey` (what the checks
across submissions need of it) and the index keeps a few bytes of it: a 64-bit hash of its
direction and certificate number and the US$/ct of its lines in millionths (for the few
numbers that repeat, also hashes of its id, ``supersedes`` and duplicate ``original_number``). The checks themselves are derived facts (see
:mod:`kpcheck.rulebook.facts`) that the XREF rule files call with their thresholds.

Hash collisions between two different 64-bit hashes of numbers are possible in principle
(about one in 10^19 per pair) and are accepted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
from array import array
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import NamedTuple

from kpcheck.batch.medians import Medians, count_buckets
from kpcheck.input.models import Submission
from kpcheck.input.text import normalise_number

PRICE_SCALE = Decimal(10**6)
MAX_PRICE = 2**62  # US$/ct in millionths, capped so that it fits the index's 64-bit arrays
DIRECTIONS = ("export", "import")
RUN = 1 << 14  # values sorted at once by XrefIndex.freeze


def _h(text: str | None) -> int:
    if not text:
        return 0
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big", signed=True) or 1


class XrefKey(NamedTuple):
    """What the checks across submissions need of one readable submission. A named tuple (not a
    frozen dataclass): an audit makes one per submission, and a frozen dataclass's ``__init__``
    sets its 14 fields one ``object.__setattr__`` at a time (issue 26: a fifth of ``key_of``)."""

    direction: str
    presented_on: dt.date
    raw_number: str  # the certificate number as given, for messages
    number: str  # normalised certificate number
    id_hash: int
    supersedes_hash: int
    duplicate_request: bool
    original: str | None  # normalised original_number of a duplicate request
    raw_original: str | None = None  # as given, for messages
    prices: tuple[tuple[str, int, int], ...] = ()  # (hs_code, line index, US$/ct in millionths)
    hashes: tuple[int, int, int] = (0, 0, 0)  # of number, group, original: computed once, by key_of
    content_hash: int = 0  # of the submission's content: the same id and content is the same submission read twice
    submission_id: str = ""  # for XREF-01's message: who else carries the number
    source: str = ""  # where it was read: file, file:line, or the register's row and its last decision

    @property
    def group(self) -> int:
        return self.hashes[1] or _h(f"{self.direction}:{self.number}")

    @property
    def number_hash(self) -> int:
        return self.hashes[0] or _h(self.number)

    @property
    def original_hash(self) -> int:
        return self.hashes[2] if self.hashes[1] else _h(self.original)


def numbers_of(keys: Iterable[XrefKey | None]) -> set[str]:
    """The normalised numbers a history look-up needs for these keys: each certificate number
    (XREF-01) and each duplicate request's original (XREF-02)."""
    return {n for key in keys if key is not None for n in (key.number, key.original) if n}


def content_hash(sub: Submission) -> int:
    """A 64-bit hash of what the submission says (null and absent alike): two submissions with
    the same id and this hash are one submission read twice (XREF-01, rulebook 1.1)."""
    return _h(sub.model_dump_json(exclude_none=True))


def key_of(sub: Submission, source: str = "", content: bool = True) -> XrefKey:
    """What the checks across submissions need of ``sub``; without ``content``, its
    :func:`content_hash` is left 0 (an audit without a history asks for it later, for the few
    submissions that share a number and an id with another: :meth:`XrefIndex.lacking`)."""
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
    return XrefKey(
        sub.direction,
        sub.presented_on,
        cert.number,
        number,
        _h(sub.id),
        _h(sub.supersedes),
        dup is not None,
        original,
        raw_original=dup.original_number if dup else None,
        prices=tuple(prices),
        hashes=hashes,
        content_hash=content_hash(sub) if content else 0,
        submission_id=sub.id,
        source=source,
    )


@dataclass(frozen=True)
class Other:
    """Another submission carrying the same number, as XREF-01's message names it."""

    submission_id: str
    presented_on: dt.date | None
    source: str

    def __str__(self) -> str:
        when = self.presented_on.isoformat() if self.presented_on else "?"
        return f"{self.submission_id or '?'} ({when}, {self.source or '?'})"


@dataclass(frozen=True)
class XrefView:
    """One submission's key beside the batch's index: what the XREF facts read."""

    key: XrefKey
    index: XrefIndex
    fields: dict[str, object] = field(init=False, repr=False, compare=False)  # the fields as given

    def __post_init__(self) -> None:  # made at once: functools.cached_property locks on every read (3.11)
        object.__setattr__(
            self,
            "fields",
            {
                "presented_on": self.key.presented_on,
                "certificate.number": self.key.raw_number,
                "direction": self.key.direction,
                "duplicate.original_number": self.key.raw_original,
            },
        )


@dataclass
class _Member:
    id_hash: int
    supersedes_hash: int
    original: int  # hash of the normalised original number, 0 when none
    number: int
    content: int
    who: int  # its place in XrefIndex._who, -1 when not known


@dataclass(frozen=True)
class IndexPart:
    """What one unit of an audit adds to the index, made by the worker that checked it: its
    number hashes packed (the main process extends its array with them, in C) and its prices
    counted per HS code and bucket (:mod:`kpcheck.batch.medians`)."""

    groups: bytes = b""
    price_counts: tuple[tuple[str, dict[int, int]], ...] = ()


MEMBER_WIDTH = 8  # values per key packed by pack_members
MEMBER_FIELDS = 6  # values per member of a repeated group (_Member)


def original_groups(key: XrefKey) -> tuple[int, int]:
    """The group hashes a duplicate request's original number has in either direction (XREF-02
    looks for them); zeros for any other submission."""
    if not key.duplicate_request or not key.original:
        return 0, 0
    return _h(f"{DIRECTIONS[0]}:{key.original}"), _h(f"{DIRECTIONS[1]}:{key.original}")


def pack_members(keys: Iterable[XrefKey | None]) -> bytes:
    """The keys as the second look reads them (group, id, supersedes, original, number and
    content hashes, :func:`original_groups`), packed: read back without a Python object per key."""
    values = array("q")
    for key in keys:
        if key is not None:
            values.extend(
                (key.group, key.id_hash, key.supersedes_hash, key.original_hash, key.number_hash, key.content_hash, *original_groups(key))
            )
    return values.tobytes()


def pack_prices(keys: Iterable[XrefKey | None]) -> tuple[tuple[str, bytes], ...]:
    """The keys' US$/ct per HS code, packed, for the second look."""
    prices: dict[str, array[int]] = defaultdict(lambda: array("q"))
    for key in keys:
        if key is not None:
            for hs, _, price in key.prices:
                prices[hs].append(price)
    return tuple((hs, values.tobytes()) for hs, values in prices.items())


def index_part(keys: list[XrefKey | None], prices: tuple[tuple[str, bytes], ...]) -> IndexPart:
    """What ``keys`` add to an index before its :meth:`~XrefIndex.freeze`; ``prices`` are their
    :func:`pack_prices`."""
    groups = array("q", (key.group for key in keys if key is not None))
    return IndexPart(groups.tobytes(), tuple((hs, count_buckets(array("q", packed))) for hs, packed in prices))


@dataclass
class XrefIndex:
    """All keys of a batch, compactly; answers the XREF questions for one key.

    Until :meth:`freeze`, one 64-bit hash of (direction, number) per submission and the counts
    of US$/ct per HS code and bucket; after it, the hashes as sorted runs (XREF-02 looks numbers
    up in them) and the groups that repeat; the second look (:meth:`add_reused_packed`) adds their
    members (XREF-01) and the prices the medians need (XREF-03), :meth:`settle` ends it. Nothing
    is ever held as a Python list of the whole batch (memory stays flat, docs/decisions.md).
    """

    groups: array[int] = field(default_factory=lambda: array("q"))  # hash of (direction, number)
    prices: Medians = field(default_factory=Medians)
    _runs: list[array[int]] = field(default_factory=list)  # the groups, sorted, after freeze
    _members: dict[int, array[int]] = field(default_factory=dict)  # repeated group -> its members, 4 hashes each
    _originals: dict[int, int] = field(default_factory=dict)  # a duplicate's original's group -> its count
    _dropped: bool = False  # the runs were let go (audits, after settle)
    _medians: dict[str, tuple[int, int]] = field(default_factory=dict)  # hs -> (2 x median, count)
    _who: list[Other] = field(default_factory=list)  # the members of repeated groups, for messages
    _places: list[int] = field(default_factory=list)  # beside _who: the place its keys were given from (-1: none)
    _contents: dict[tuple[str, int], int] = field(default_factory=dict)  # (source, id hash) -> content hash made late
    frozen: bool = False
    searched: tuple[str, ...] = ()  # where the other submissions were read, for XREF-02's message

    def add_part(self, part: IndexPart) -> None:
        self.groups.frombytes(part.groups)
        for hs, counts in part.price_counts:
            self.prices.add_counts(hs, counts)

    def add_keys(self, parts: Packed) -> None:
        """:meth:`add_part` of keys (:func:`packed`)."""
        for keys, prices in parts:
            self.add_part(index_part(keys, prices))

    def add_reused_keys(self, parts: Packed) -> None:
        """:meth:`add_reused_packed` of keys (:func:`packed`), after :meth:`freeze`."""
        for keys, prices in parts:
            present = [key for key in keys if key is not None]
            self.add_reused_packed(pack_members(present), prices, lambda present=present: present)  # type: ignore[misc]

    def add_reused_packed(
        self,
        packed: bytes,
        prices: tuple[tuple[str, bytes], ...],
        keys: Callable[[], Sequence[XrefKey]] | None = None,
        place: int = -1,
    ) -> None:
        """The second look at keys, once :meth:`freeze` knows which groups repeat: those that
        :func:`pack_members` and :func:`pack_prices` packed. ``keys`` gives the packed keys
        themselves (those not None, in order), asked for only when one of them is in a group that
        repeats: XREF-01's message names them. ``place`` says where they came from (an audit's
        unit), for :meth:`lacking`."""
        for hs, packed_prices in prices:
            self.prices.offer(hs, array("q", packed_prices))
        values = array("q", packed)
        members, originals = self._members, self._originals
        given: Sequence[XrefKey] | None = None
        for i in range(0, len(values), MEMBER_WIDTH):
            group = values[i]
            if group in members:
                who = -1
                if keys is not None:
                    given = keys() if given is None else given
                    key = given[i // MEMBER_WIDTH]
                    who = len(self._who)
                    self._who.append(Other(key.submission_id, key.presented_on, key.source))
                    self._places.append(place)
                members[group].extend((*values[i + 1 : i + 6], who))
            if values[i + 6]:
                originals[values[i + 6]] = originals[values[i + 7]] = 0

    def freeze(self) -> None:
        """Sort for look-ups and plan the medians; call once after every :meth:`add_part`, then
        give the second look (:meth:`add_reused_packed`) and :meth:`settle`."""
        self._runs = sorted_runs(self.groups)
        self._members = {g: array("q") for g in repeated(self._runs)}
        self.prices.plan()

    def lacking(self) -> Iterator[tuple[int, str, int]]:
        """The members of repeated groups whose content hash is wanted and was not made (keys of
        :func:`key_of` without ``content``), as (place, source, id hash): those that share an id
        with another member of their group (XREF-01's "same id, same content"; elsewhere the
        content is never compared). Give each its hash with :meth:`set_content`."""
        for packed in self._members.values():
            ids = [packed[i] for i in range(0, len(packed), MEMBER_FIELDS)]
            if len(ids) == len(set(ids)):
                continue
            for i in range(0, len(packed), MEMBER_FIELDS):
                who = packed[i + 5]
                if packed[i + 4] == 0 and who >= 0 and ids.count(packed[i]) > 1 and self._places[who] >= 0:
                    yield self._places[who], self._who[who].source, packed[i]

    def set_content(self, source: str, id_hash: int, content: int) -> None:
        """The content hash of a member :meth:`lacking` named (read again from its source)."""
        self._contents[(source, id_hash)] = content
        for packed in self._members.values():
            for i in range(0, len(packed), MEMBER_FIELDS):
                who = packed[i + 5]
                if packed[i] == id_hash and packed[i + 4] == 0 and who >= 0 and self._who[who].source == source:
                    packed[i + 4] = content

    def settle(self, drop_runs: bool = False) -> None:
        """The end of the second look: the medians computed, the originals of the duplicate
        requests seen counted; the index answers from now on. ``drop_runs`` lets the number
        hashes go (8 bytes a submission): then only keys given to the second look are asked about."""
        self._medians = self.prices.settle()
        for group in self._originals:
            self._originals[group] = count_in(self._runs, group)
        if drop_runs:
            self._runs, self._dropped = [], True
        self.frozen = True

    def repeats(self, key: XrefKey) -> bool:
        """The key's direction and number are another submission's too (before exemptions)."""
        return key.group in self._members

    def same_number_others(self, key: XrefKey) -> int:
        """XREF-01: how many other submissions of the same direction and number there are,
        exempt pairs left out."""
        return len(self._others(key))

    def same_number_who(self, key: XrefKey) -> list[Other]:
        """XREF-01: the other submissions of the same direction and number (id, date, where read)."""
        return [self._who[m.who] if m.who >= 0 else Other("", None, "") for m in self._others(key)]

    def _others(self, key: XrefKey) -> list[_Member]:
        packed = self._members.get(key.group)
        if not packed:
            return []
        content = key.content_hash or self._contents.get((key.source, key.id_hash), 0)
        me = _Member(key.id_hash, key.supersedes_hash, key.original_hash, key.number_hash, content, -1)
        seen = {(me.id_hash, me.content)}
        out = []
        for i in range(0, len(packed), MEMBER_FIELDS):
            other = _Member(*packed[i : i + MEMBER_FIELDS])
            # the same submission read twice (same id, same content: a register that holds the
            # checked file) is one submission; the same id with other content is another (1.1)
            if (other.id_hash, other.content) in seen or _exempt(me, other):
                continue
            seen.add((other.id_hash, other.content))
            out.append(other)
        return out

    def original_known(self, key: XrefKey) -> bool | None:
        """XREF-02: a duplicate request's original number is another audited submission's number
        (of either direction)."""
        if not key.duplicate_request or not key.original:
            return None
        hits = 0
        for group in original_groups(key):
            if group in self._originals:
                hits += self._originals[group]
            else:
                assert not self._dropped, "a key the second look did not see"
                hits += count_in(self._runs, group)
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


def sorted_runs(values: array[int]) -> list[array[int]]:
    """The values as sorted runs of at most RUN each; ``values`` is emptied from its end as it
    goes, so that no more than RUN of them are ever Python integers at once."""
    runs = []
    while values:
        runs.append(array("q", sorted(values[-RUN:])))
        del values[-RUN:]
    return runs


def count_in(runs: list[array[int]], value: int) -> int:
    """How many times ``value`` occurs in the sorted runs."""
    return sum(bisect_right(run, value) - bisect_left(run, value) for run in runs)


def repeated(runs: list[array[int]]) -> Iterator[int]:
    """Every value that occurs more than once in the sorted runs, once, in order."""
    previous = last = None
    for value in heapq.merge(*runs):
        if value == previous and value != last:
            last = value
            yield value
        previous = value


def _exempt(a: _Member, b: _Member) -> bool:
    """A duplicate request naming the other's number, or one superseding the other."""
    return bool(
        (a.original and a.original == b.number)
        or (b.original and b.original == a.number)
        or (a.supersedes_hash and a.supersedes_hash == b.id_hash)
        or (b.supersedes_hash and b.supersedes_hash == a.id_hash)
    )


Packed = list[tuple[list[XrefKey | None], tuple[tuple[str, bytes], ...]]]


def packed(keys: Sequence[XrefKey | None], chunk: int = 10_000) -> Packed:
    """Keys ``chunk`` at a time, each chunk with its :func:`pack_prices`: how keys that are not an
    audit's units (a history, a desk check's) join an index, a register's millions included."""
    parts = [list(keys[i : i + chunk]) for i in range(0, len(keys), chunk)]
    return [(part, pack_prices(part)) for part in parts]


def build_index(keys: list[XrefKey]) -> XrefIndex:
    """An index of ``keys``, built as an audit builds it."""
    index, parts = XrefIndex(), packed(keys)
    index.add_keys(parts)
    index.freeze()
    index.add_reused_keys(parts)
    index.settle()
    return index
