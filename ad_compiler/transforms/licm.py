"""Loop-invariant code motion.

Example::

    for e in range(epochs):              t11 = np.transpose(X)     # hoisted
        g = lr * X.T @ (p - y)    ->      t12 = lr * t11           # hoisted
                                          for e in range(epochs):
                                              g = t12 @ (p - y)

An instruction moves to the block that enters the loop when its operands
are all defined outside the loop, it sits in a block every trip runs (not
in an ``if`` arm), and it is arithmetic, a ufunc, a transpose or a shape
query — operations that do not raise on values the loop could have used,
so running them once even when the loop runs zero times changes nothing.
Values that are later assigned into (``t[i] = v``) stay where they are.
Besides the work saved, the reverse pass then reads a hoisted value directly
instead of stacking a copy per trip.
"""
from __future__ import annotations

import operator
from dataclasses import replace

import numpy as np

from ..ir import ops
from ..ir.nodes import Attr, Block, IfRegion, Jump, LoopRegion, Var, region_labels

__all__ = ["hoist_invariants"]

_SAFE = {operator.add, operator.sub, operator.mul, operator.neg, operator.pos, operator.not_,
         np.transpose, np.ndarray.transpose, len}
_SAFE_ATTRS = {"T", "shape", "ndim", "size", "dtype"}


def _hoistable(ins):
    fn = ins.fn
    if ins.out is None:
        return False
    if isinstance(fn, Attr):
        return fn.name in _SAFE_ATTRS
    return fn in _SAFE or (isinstance(fn, np.ufunc) and fn.nout == 1)


def _loops(seq):
    for item in seq.items:
        if isinstance(item, LoopRegion):
            yield from _loops(item.test)
            yield from _loops(item.body)
            yield item
        elif isinstance(item, IfRegion):
            yield from _loops(item.then)
            yield from _loops(item.orelse)


def hoist_invariants(g):
    mutated = {i.args[0] for i in g.instructions()
               if i.fn in (ops.setitem, ops.list_append) and isinstance(i.args[0], Var)}
    blocks = {b.label: [b.params, list(b.instrs), b.term] for b in g.blocks}
    changed = False
    for r in _loops(g.structure):          # inner loops first: hoisted code may move again
        labels = region_labels(r.test) + region_labels(r.body)
        inside = set()
        for lb in labels:
            inside.update(blocks[lb][0])
            inside.update(i.out for i in blocks[lb][1] if i.out is not None)
        latch = r.body.items[-1] if r.body.items and isinstance(r.body.items[-1], str) else None
        pre = [lb for lb, (_, _, t) in blocks.items() if isinstance(t, Jump)
               and t.target == r.header and lb not in labels]
        if len(pre) != 1 or latch is None:
            continue
        every_trip = [it for it in r.test.items + r.body.items if isinstance(it, str)]
        moved = True
        while moved:
            moved = False
            for lb in every_trip:
                keep = []
                for ins in blocks[lb][1]:
                    if _hoistable(ins) and ins.out not in mutated and all(
                            not (isinstance(a, Var) and a in inside) for a in ins.operands()):
                        blocks[pre[0]][1].append(ins)
                        inside.discard(ins.out)
                        moved = changed = True
                    else:
                        keep.append(ins)
                blocks[lb][1] = keep
    if not changed:
        return g
    return replace(g, blocks=tuple(Block(b.label, b.params, tuple(blocks[b.label][1]), b.term)
                                   for b in g.blocks))
