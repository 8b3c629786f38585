"""The XREF index in flat memory: number hashes frozen in sorted runs, medians from bucket counts;
the same answers as whole sorted lists."""

from __future__ import annotations

import json
import random
import statistics
import tracemalloc
from array import array
from collections import Counter

import pytest
from conftest import ENGINE_KINDS, base

from kpcheck.batch import xref
from kpcheck.batch.medians import Medians, bucket, bucket_range, count_buckets
from kpcheck.batch.xref import XrefIndex, count_in, repeated, sorted_runs


@pytest.mark.parametrize("size,spread", [(1, 5), (2, 1), (999, 50), (1000, 10**18), (4097, 3)])
def test_runs_answer_as_a_sorted_list_does(monkeypatch, size, spread):
    monkeypatch.setattr(xref, "RUN", 64)
    rng = random.Random(size)
    values = [rng.randint(-spread, spread) for _ in range(size)]
    runs = sorted_runs(array("q", values))
    assert all(len(run) <= 64 and list(run) == sorted(run) for run in runs)
    assert sorted(v for run in runs for v in run) == sorted(values)
    assert list(repeated(runs)) == sorted(v for v, n in Counter(values).items() if n > 1)
    for probe in [*values[:20], spread + 1, -spread - 1]:
        assert count_in(runs, probe) == values.count(probe)


def test_buckets_grow_with_the_value_and_cover_it():
    rng = random.Random(5)
    values = sorted({0, 1, 15, 16, 17, 31, 32, 2**62, -1, -16, -17, -(2**62)} | {rng.randint(-(10**15), 10**15) for _ in range(3000)})
    keys = [bucket(v) for v in values]
    assert keys == sorted(keys)
    for v, key in zip(values, keys):
        lo, hi = bucket_range(key)
        assert lo <= v <= hi and bucket(lo) == key == bucket(hi)
        assert bucket(lo - 1) < key < bucket(hi + 1)


@pytest.mark.parametrize("size", [1, 2, 3, 20, 1001, 5000])
def test_medians_from_bucket_counts_are_exact(size):
    rng = random.Random(size)
    prices = [int(10 ** rng.uniform(5, 12)) for _ in range(size)] + [123_456] * (size // 3)
    medians = Medians()
    for part in (prices[: size // 2], prices[size // 2 :]):  # counted by two workers
        medians.add_counts("7102.10", count_buckets(part))
    medians.plan()
    medians.offer("7102.10", array("q", prices[:7]))
    medians.offer("7102.10", array("q", prices[7:]))
    assert medians.settle() == {"7102.10": (int(2 * statistics.median(prices)), len(prices))}


def test_a_large_index_holds_numbers_in_runs_and_no_price_at_all():
    n = 400_000
    rng = random.Random(1)
    tracemalloc.start()
    index = XrefIndex()
    index.groups.extend(rng.randrange(-(2**62), 2**62) for _ in range(n))
    for _unit in range(0, n, 500):  # one unit's counts at a time, as workers send them
        index.prices.add_counts("7102.31", count_buckets(int(10 ** rng.uniform(5, 12)) for _ in range(500)))
    index.freeze()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # the hashes themselves are 3.2 MB (an array, then its sorted runs); a sorted list of them as
    # Python integers (the way it was: 37 MB with the prices) would be n x (8 + 32) bytes, 16 MB;
    # one run sorted at a time is about 2.6 MB; the prices are a few hundred bucket counts
    assert peak < 9_000_000


def _as_an_audit_builds_it(keys):
    """Packed unit by unit, the second look from the packed arrays, the runs let go."""
    from kpcheck.batch.xref import index_part, pack_members, pack_prices

    index = XrefIndex()
    units = [keys[i : i + 97] for i in range(0, len(keys), 97)]
    for unit in units:
        index.add_part(index_part(unit, pack_prices(unit)))
    index.freeze()
    for unit in units:
        index.add_reused_packed(pack_members(unit), pack_prices(unit), lambda unit=unit: unit)
    index.settle(drop_runs=True)
    assert index._runs == []
    return index


@pytest.mark.parametrize("built", ["in memory", "as an audit"])
def test_the_index_answers_as_a_search_of_every_key_does(monkeypatch, built):

    from kpcheck.batch.xref import build_index, key_of
    from kpcheck.input.models import Submission

    monkeypatch.setattr(xref, "RUN", 50)
    from tools import generate as gen

    keys = [key_of(Submission.model_validate_json(json.dumps(doc))) for doc in gen.generate(800, 0.3, 9)]
    originals = [k.number for k in keys[::40]] + ["NOWHERE-1"]
    keys += [xref.XrefKey("export", keys[0].presented_on, o, o + "-D", 7, 0, True, o) for o in originals]
    index = build_index(keys) if built == "in memory" else _as_an_audit_builds_it(keys)
    for key in keys:
        others = {
            (k.id_hash, k.content_hash): k
            for k in keys
            if k.group == key.group
            and (k.id_hash, k.content_hash) != (key.id_hash, key.content_hash)
            and not (key.original and key.original == k.number)
            and not (k.original and k.original == key.number)
            and not (key.supersedes_hash and key.supersedes_hash == k.id_hash)
            and not (k.supersedes_hash and k.supersedes_hash == key.id_hash)
        }
        assert index.same_number_others(key) == len(others)
        assert sorted(o.submission_id for o in index.same_number_who(key)) == sorted(k.submission_id for k in others.values())
        if key.duplicate_request:
            assert index.original_known(key) == any(k.number == key.original for k in keys if k is not key)
    assert sum(index.same_number_others(k) > 0 for k in keys) > 10
    assert sum(bool(index.original_known(k)) for k in keys) > 10
    assert index._medians == build_index(keys)._medians != {}


@pytest.mark.parametrize("kind", ENGINE_KINDS)
def test_memoised_decisions_across_submissions_hold_for_every_day(kind):
    """Pass 2 memoises the decisions of the rules across submissions by the period of their
    dates in force, not by the day: the results equal those of a fresh engine for each
    submission, before, across and after the days a rule's force starts (wording included)."""
    import datetime as dt
    from dataclasses import replace

    from kpcheck.api import Checker, Result
    from kpcheck.batch.audit import BatchChecks
    from kpcheck.batch.xref import build_index, key_of
    from kpcheck.input.models import Submission

    checker = Checker.load(engine=kind)
    batch = BatchChecks(checker)
    periods = batch.engine.periods
    assert periods.usable and periods.cuts
    days = [dt.date.fromordinal(cut + shift) for cut in periods.cuts for shift in (-1, 0, 1)] + [
        dt.date(2025, 3, 3),
        dt.date(2025, 3, 4),
        dt.date(2026, 1, 2),
    ]
    subs = []
    for n, day in enumerate(days * 2):
        doc = base()
        doc["id"], doc["presented_on"] = f"S-{n}", day.isoformat()
        doc["certificate"]["number"] = f"KZ{n % 5:06d}"  # numbers that repeat: XREF-01 fires
        subs.append(Submission.model_validate_json(json.dumps(doc)))
    keys = [key_of(sub) for sub in subs]
    index = build_index(keys)
    for sub, key in zip(subs, keys):
        empty = Result(sub.id, "x", "compliant")
        memoised = batch.apply(empty, key, index)
        fresh = BatchChecks(checker).apply(replace(empty), key, index)
        assert (memoised.findings, memoised.not_applicable) == (fresh.findings, fresh.not_applicable), sub.presented_on
    assert periods.of(days[-1]) is not None and periods.of(dt.date.fromordinal(periods.cuts[0] - 1)) is None


def test_findings_across_submissions_join_a_result_in_rule_order():
    """Pass 2 joins the findings across submissions to a result's without sorting when they
    come after them, and sorts when they do not: the result is in rule id order either way."""
    from kpcheck.batch.audit import _merged
    from kpcheck.engine import NotApplicable

    def items(*ids):
        return [NotApplicable(rule, "") for rule in ids]

    for first, then in (
        (items("COND-01", "EAEU-02"), items("XREF-01", "XREF-02")),
        (items("COND-01", "ZZZ-01"), items("XREF-01")),
        (items("XREF-01"), items("AAA-01", "XREF-02")),
        ([], items("XREF-01")),
        (items("XREF-01"), items("XREF-01")),
    ):
        merged = _merged(first, then)
        assert [n.rule for n in merged] == sorted(n.rule for n in [*first, *then])
        assert len(merged) == len(first) + len(then)
