"""Recognising counted loops in the region tree.

Example: ``for i in range(a, n): ...`` builds a loop whose header
``bb1(i, s)`` tests ``t = lt i n`` and whose body ends with
``i_2 = add i 1``; ``counted_loop`` returns ``CountedLoop(i, init=a,
stop=n, step=1, increment=<that add>)``.  The reverse pass uses it to get
the trip count without a counter and to recompute ``i`` instead of
stacking it; the emitter prints such loops as ``for i in range(...)``.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass

from .nodes import Const, Jump, Var, region_labels
from .ops import comment
from .walk import loop_blocks, use_counts  # noqa: F401 (use_counts: re-exported)

__all__ = ["CountedLoop", "counted_loop", "region_labels"]


@dataclass(frozen=True)
class CountedLoop:
    var: Var
    init: object            # operand passed in by the entry edge (None if unknown)
    stop: object
    step: Const
    increment: object       # the Call computing the next value


def counted_loop(blocks, r, uses):
    """``blocks``: label -> block; ``uses``: Var -> number of uses."""
    if len(r.test.items) != 1 or not isinstance(r.body.items[-1], str):
        return None
    tb = blocks[r.test.items[0]]
    test = [ins for ins in tb.instrs if ins.fn is not comment]
    if len(test) != 1 or tb.term.cond != test[0].out:
        return None
    if uses.get(test[0].out, 0) > 1:       # the body reads the test (CSE shared ``i < n``):
        return None                        # a ``for`` would not compute it
    cmp = test[0].fn
    if cmp not in (operator.lt, operator.gt):
        return None
    i, stop = test[0].args
    if i not in tb.params or i in tb.term.else_args:
        return None
    k = tb.params.index(i)
    latch = blocks[r.body.items[-1]]
    if not isinstance(latch.term, Jump) or latch.term.target != r.header:
        return None
    nxt = latch.term.args[k]
    every_trip = [blocks[it] for it in r.body.items if isinstance(it, str)]
    inc = [ins for b in every_trip for ins in b.instrs if ins.out == nxt]   # CSE may share
    #                                                    # i + 1 with the body
    if not inc or inc[0].fn is not operator.add or inc[0].args[0] != i:
        return None
    step = inc[0].args[1]
    if not (isinstance(step, Const) and type(step.value) is int and step.value != 0
            and (step.value > 0) == (cmp is operator.lt)):
        return None
    inside = set()
    for label in loop_blocks(r):
        b = blocks[label]
        inside.update(b.params)
        inside.update(ins.out for ins in b.instrs)
    if isinstance(stop, Var) and stop in inside:
        return None
    init = None
    for b in blocks.values():
        if isinstance(b.term, Jump) and b.term.target == r.header and b is not latch:
            init = b.term.args[k]
    return CountedLoop(i, init, stop, step, inc[0])
