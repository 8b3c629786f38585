"""The XREF index frozen in sorted runs: the same answers as whole sorted lists, in flat memory."""

from __future__ import annotations

import random
import tracemalloc
from array import array
from collections import Counter

import pytest

from kpcheck.batch import xref
from kpcheck.batch.xref import XrefIndex, count_in, kth, repeated, sorted_runs


@pytest.mark.parametrize("size,spread", [(1, 5), (2, 1), (999, 50), (1000, 10**18), (4097, 3)])
def test_runs_answer_as_a_sorted_list_does(monkeypatch, size, spread):
    monkeypatch.setattr(xref, "RUN", 64)
    rng = random.Random(size)
    values = [rng.randint(-spread, spread) for _ in range(size)]
    runs = sorted_runs(array("q", values))
    assert all(len(run) <= 64 and list(run) == sorted(run) for run in runs)
    whole = sorted(values)
    assert [kth(runs, k) for k in range(0, size, max(1, size // 50))] == whole[::max(1, size // 50)]
    assert list(repeated(runs)) == sorted(v for v, n in Counter(values).items() if n > 1)
    for probe in values[:20] + [spread + 1, -spread - 1]:
        assert count_in(runs, probe) == values.count(probe)


def test_medians_and_repeats_of_the_index_are_exact(monkeypatch):
    monkeypatch.setattr(xref, "RUN", 16)
    index = XrefIndex()
    prices = [random.Random(7).randint(1, 10**9) for _ in range(301)] + [5, 5]
    index.prices["7102.10"].extend(prices)
    index.groups.extend([1, 2, 3, 2, 9, 9, 9])
    index.freeze()
    s = sorted(prices)
    assert index._medians["7102.10"] == (s[151] + s[150], 303)
    assert sorted(index._members) == [2, 9]


def test_freezing_a_large_index_holds_no_whole_batch_list():
    n = 400_000
    index = XrefIndex()
    index.groups.extend(random.Random(1).randrange(-2**62, 2**62) for _ in range(n))
    index.prices["7102.31"].extend(random.Random(2).randrange(1, 2**40) for _ in range(n))
    tracemalloc.start()
    index.freeze()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # sorted lists of Python integers (the way it was: 37 MB here) would take n x (8 + 32) bytes
    # each, 16 MB; the runs are arrays (3.2 MB for each of the two), one run sorted at a time
    # as Python integers about 2.6 MB, the array being cut into runs re-allocated as it shrinks
    assert peak < 12_000_000
