"""Reproduce durable_rules' error 102 on demand (docs/decisions.md, docs/engine-notes.md): create the
shipped rulebook's rulesets after filling freed heap blocks with 0x09, the byte that makes
durable_rules' unset "right operand type" look like an identifier.

    python tools/durable_heap_check.py [--rounds 200]

It prints how many creations were refused. With kpcheck's encoding none are (before the
encoding ended every quantifier in a plain test, about 1 in 40 was).
"""

from __future__ import annotations

import argparse
import ctypes

from kpcheck.api import Checker
from kpcheck.engine import durable, in_force_node
from kpcheck.rulebook.conditions import Node


def definitions() -> list[str]:
    checker = Checker.load(engine="python")
    flags: dict[str, Node] = {}
    whole = [
        (c.rule.id, durable.durable_rule(c.condition, [n for n, _ in c.rule.applies], in_force_node(c.rule), flags))
        for c in checker.engine.compiled
    ]
    return [
        durable._dumps({rid: {"all": [{"m": {"$and": [durable.DISCRIMINATOR, durable.to_durable(node)]}}]} for rid, node in group})
        for group in durable.shard(whole)
    ]


def poison_heap(libc: ctypes.CDLL) -> None:
    blocks = []
    for size in range(64, 200_000, 97):
        block = libc.malloc(size)
        libc.memset(block, 0x09, size)
        blocks.append(block)
    for block in blocks:
        libc.free(block)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    rounds = parser.parse_args().rounds
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]
    libc.memset.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t]
    texts = definitions()
    refused = 0
    for n in range(rounds):
        poison_heap(libc)
        for i, text in enumerate(texts):
            try:
                durable._engine.create_ruleset(f"heapcheck{n}x{i}", text)
            except Exception as exc:
                refused += 1
                print(f"round {n}: {exc}")
    print(f"{refused} of {rounds * len(texts)} ruleset creations refused")


if __name__ == "__main__":
    main()
