"""A cotangent added to itself is doubled where it is smallest.

Example: ``x * x`` gives ``x`` two equal contributions, which CSE makes one
value added to itself.  For kmeans' ``np.sum(diff * diff, axis=2)``::

    t3_bar = unreduce(dist_bar, t3, 2)          t6 = dist_bar * 2
    diff_bar = t3_bar * diff               ->   t3_bar = unreduce(t6, t3, 2)
    diff_bar_1 = diff_bar + diff_bar            diff_bar_1 = t3_bar * diff

The doubling moves, through the values that only feed the sum (products,
negations, ``unbroadcast``: all linear in the operand followed), to an
operand that is small: the cotangent an ``unreduce`` broadcasts, or a known
number of a product.  So the (n, k, d) addition is gone and an (n, k)
product takes its place.  Doubling is exact in floating point, so the
result is the same to the last bit (but for overflow at the largest
floats, as ``u + u`` overflows too).  Nothing is moved when no such operand
is found, or when the value may not be a float cotangent (``u + u`` of
NumPy bools is a logical or, not ``2 * u``).
"""
from __future__ import annotations

import operator

import numpy as np

from .. import runtime
from ..ir.nodes import Block, Call, Const, Var
from ..ir.walk import fresh_namer, use_counts, value_names
from ..rules import adjoints
from .simplify import _replace, substitute

__all__ = ["move_doublings"]

_MUL = (operator.mul, np.multiply)
_NEG = (operator.neg, np.negative)
_FIRST = _NEG + (runtime.unbroadcast, runtime.unreduce, runtime.scatter_into,
                 runtime.cast_like, adjoints.extremum_adjoint)     # float when argument 0 is
_ANY = _MUL + (runtime.safe_mul, runtime.safe_div, operator.truediv, operator.add, operator.sub)


def _floats(g):
    """The values known to be float cotangents: the seed, and what the
    operations above make of one."""
    out = set()
    for ins in g.instructions():
        if ins.out is None:
            continue
        fn, args = ins.fn, ins.args
        if fn is runtime.seed_cotangent or (fn in _FIRST and args and args[0] in out) or (
                fn in _ANY and any(isinstance(a, Var) and a in out for a in args)):
            out.add(ins.out)
    return out


def move_doublings(g, numbers=()):
    """``g`` with ``u + u`` rewritten as above (``numbers``: known numbers)."""
    adds = [(b, i) for b in g.blocks for i in b.instrs if i.fn is operator.add and
            len(i.args) == 2 and not i.kwargs and isinstance(i.args[0], Var) and
            i.args[0] == i.args[1]]
    if not adds:
        return g
    floats = _floats(g)
    counts = use_counts(g)
    fresh = fresh_namer(value_names(g))
    numbers = set(numbers)
    edits, dropped = {}, {}          # id(instruction) -> instructions in its place
    for b, add in adds:
        u = add.args[0]
        if u not in floats or u in numbers or counts.get(u, 0) != 2:    # (numbers: no gain)
            continue
        here = {i.out: i for i in b.instrs if i.out is not None}
        plan = _leaf(u, here, counts, numbers, floats, edits, depth=0)
        if plan is None:
            continue
        ins, k = plan
        edits[id(ins)] = _scaled(ins, k, fresh)
        dropped[add.out] = u
        edits[id(add)] = []
    if not dropped:
        return g
    blocks = []
    for b in g.blocks:
        instrs = []
        for i in b.instrs:
            instrs.extend(edits.get(id(i), (i,)))
        blocks.append(Block(b.label, b.params, tuple(instrs), b.term))
    return substitute(_replace(g, blocks=tuple(blocks)), dropped)


def _leaf(v, here, counts, numbers, floats, edits, depth):
    """``(instruction, k)``: the instruction whose operand ``k`` doubled
    doubles ``v``, following single-use values of this block, or None."""
    d = here.get(v)
    if d is None or id(d) in edits or d.kwargs or depth > 6:
        return None
    fn, args = d.fn, d.args
    if fn is runtime.unreduce and args and isinstance(args[0], Var) and \
            counts.get(args[0], 0) == 1:          # a product by a constant before: fold into it
        s = here.get(args[0])
        if s is not None and s.fn in _MUL and len(s.args) == 2 and not s.kwargs and \
                id(s) not in edits:
            for k in (0, 1):
                if isinstance(s.args[k], Const) and type(s.args[k].value) is float:
                    return s, k
    if fn is runtime.unreduce and args and (isinstance(args[0], Var) and args[0] in floats
                                            or isinstance(args[0], Const) and
                                            type(args[0].value) is float):
        return d, 0
    if fn in _MUL and len(args) == 2:
        for k in (0, 1):
            a = args[k]
            if isinstance(a, Const) and type(a.value) is float:
                return d, k
            if isinstance(a, Var) and a in numbers and args[1 - k] in floats:
                return d, k
        for k in (0, 1):
            a = args[k]
            if isinstance(a, Var) and counts.get(a, 0) == 1:
                found = _leaf(a, here, counts, numbers, floats, edits, depth + 1)
                if found is not None:
                    return found
        return None
    if (fn in _NEG and len(args) == 1 or fn is runtime.unbroadcast and len(args) == 2) and \
            isinstance(args[0], Var) and counts.get(args[0], 0) == 1:
        return _leaf(args[0], here, counts, numbers, floats, edits, depth + 1)
    return None


def _scaled(ins, k, fresh):
    """``ins`` with its operand ``k`` doubled (a constant folded, a value
    multiplied by 2 just before)."""
    a = ins.args[k]
    if isinstance(a, Const):
        args = ins.args[:k] + (Const(a.value * 2),) + ins.args[k + 1:]
        return [Call(ins.out, ins.fn, args, ins.kwargs, ins.loc)]
    t = fresh(f"{a.name}_x2")
    args = ins.args[:k] + (t,) + ins.args[k + 1:]
    return [Call(t, operator.mul, (a, Const(2)), (), ins.loc),
            Call(ins.out, ins.fn, args, ins.kwargs, ins.loc)]
