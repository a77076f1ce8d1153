"""Sum a cotangent down before scaling it, not after.

Example: the adjoint of ``t1 = x - a`` (``x`` an array, ``a`` a number) for
``a`` is ``unbroadcast(-t1_bar, a)``: negate every item, then sum them all.
Negation and scaling by a number commute with the sum, so this pass
rewrites::

    t5 = -t1_bar                     t6 = unbroadcast(t1_bar, a)
    a_bar = unbroadcast(t5, a)  ->   a_bar = -t6

    t7 = t2_bar * 0.5                t8 = unbroadcast(t2_bar, y)
    y_bar = unbroadcast(t7, y)  ->   y_bar = t8 * 0.5      (0.5: a known number)

which saves a pass over the large array whenever ``unbroadcast`` reduces
(and costs nothing when it does not).  Only a negation or product that
nothing else reads, in the same block, is moved, one step (of a chain
``-(g * c)`` the outer operation).
A product by a known number is exact up to the rounding of the sum
(``sum(g * c)`` and ``sum(g) * c`` differ in the last bit at most).
"""
from __future__ import annotations

import operator

import numpy as np

from ..ir.nodes import Block, Call, Const, Var
from ..ir.walk import fresh_namer, use_counts, value_names
from ..runtime import unbroadcast
from .simplify import _replace

__all__ = ["reduce_first"]

_NEG = (operator.neg, np.negative)
_MUL = (operator.mul, np.multiply)


def _number(a, numbers):
    if isinstance(a, Const):
        return type(a.value) in (int, float) or isinstance(a.value, np.floating)
    return a in numbers


def reduce_first(g, numbers):
    """``g`` with ``unbroadcast`` moved before the negations and products by
    known numbers (``numbers``: the values known to be scalars) it sums."""
    return _round(g, numbers)


def _candidates(g):
    """The blocks with an ``unbroadcast`` of a negation or product made there."""
    found = []
    for b in g.blocks:
        here = None
        for ins in b.instrs:
            if ins.fn is unbroadcast and isinstance(ins.args[0], Var):
                if here is None:
                    here = {i.out: i for i in b.instrs if i.out is not None}
                d = here.get(ins.args[0])
                if d is not None and (d.fn in _NEG or d.fn in _MUL):
                    found.append((b, here))
                    break
    return found


def _round(g, numbers):
    found = _candidates(g)                              # (most graphs: none, and no more work)
    if not found:
        return g
    uses = use_counts(g.blocks)
    fresh = fresh_namer(value_names(g))
    moved = {}                                          # id(neg/mul) -> dropped
    replace = {}                                        # id(unbroadcast) -> [new instructions]

    for b, here in found:
        for ins in b.instrs:
            _move(ins, here, uses, numbers, moved, replace, fresh)
    if not replace:
        return g
    blocks = []
    for b in g.blocks:
        instrs = []
        for i in b.instrs:
            if id(i) in moved:
                continue
            instrs.extend(replace.get(id(i), (i,)))
        blocks.append(Block(b.label, b.params, tuple(instrs), b.term))
    return _replace(g, blocks=tuple(blocks))


def _move(ins, here, uses, numbers, moved, replace, fresh):
    """Plan the rewrite of ``ins`` (an ``unbroadcast`` of a negation or a
    product in the same block, ``here``: so a loop does not run it once per
    trip where it ran once before)."""
    if ins.fn is not unbroadcast or len(ins.args) != 2 or ins.kwargs:
        return
    src, x = ins.args
    d = here.get(src) if isinstance(src, Var) else None
    if d is None or uses.get(src, 0) != 1 or d.kwargs or id(d) in moved:
        return
    hint = f"{x.name}_sum" if isinstance(x, Var) else "sum"
    if d.fn in _NEG and len(d.args) == 1:
        t = fresh(hint)
        replace[id(ins)] = [Call(t, unbroadcast, (d.args[0], x), (), ins.loc),
                            Call(ins.out, d.fn, (t,), (), ins.loc)]
    elif d.fn in _MUL and len(d.args) == 2:
        k = 1 if _number(d.args[1], numbers) else 0 if _number(d.args[0], numbers) else None
        if k is None or _number(d.args[1 - k], numbers):
            return                                      # (a product of numbers is no sum)
        t = fresh(hint)
        args = (t, d.args[1]) if k == 1 else (d.args[0], t)
        replace[id(ins)] = [Call(t, unbroadcast, (d.args[1 - k], x), (), ins.loc),
                            Call(ins.out, d.fn, args, (), ins.loc)]
    else:
        return
    moved[id(d)] = d
