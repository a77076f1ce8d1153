"""Keep what Python would run: an unused computation the user wrote still
runs, because it may raise.

Example::

    def f(x):
        y = x[10]            # unused, but IndexError in Python for len(x) < 11
        return x[0] * 2.0

Dead-code elimination may drop pure instructions nobody reads; for the
user's own operations that would turn Python's exception into a silent
result.  Before simplification, every unused instruction of user code (a
call with a source location whose callee is not one of the compiler's own
helpers, nor a unary ufunc or ``+ - *``, taken as unable to raise) gets an ``ops.escape`` marker: no code, but it keeps the
instruction alive through every later pass, so the forward pass computes
it (and raises) exactly where Python does.
"""
from __future__ import annotations

import operator

import numpy as np

from ..ir import ops
from ..ir.nodes import Attr, Block, Call, Const
from ..ir.walk import used_values

__all__ = ["keep_dead_raises"]

_OWN = ("ad_compiler.",)
# taken as unable to raise, as loop-invariant code motion takes them
# (transforms/licm.py): + - * and unary signs; / // % ** @ and indexing stay
_ARITHMETIC = {operator.add, operator.sub, operator.mul, operator.neg, operator.pos,
               operator.not_}


def _cannot_raise(fn):
    """The compiler's own helpers, facts about an array, and unary ufuncs
    (on numbers they give inf or NaN with a warning, never an exception):
    dropping them unused changes nothing Python would show."""
    if isinstance(fn, np.ufunc) and fn.nin == 1 and fn.nout == 1:
        return True
    if isinstance(fn, Attr):
        return fn.name in ("shape", "ndim", "size", "dtype")       # facts: cannot raise
    mod = getattr(fn, "__module__", None) or ""
    return mod.startswith(_OWN) or fn in (len, range, slice, ops.make_tuple, ops.make_list,
                                          ops.make_slice)


def keep_dead_raises(g):
    used = used_values(g)
    containers = {i.out for i in g.instructions()
                  if i.fn in (ops.make_tuple, ops.make_list, ops.list_append)}

    def may_raise(ins):
        if ins.fn in _ARITHMETIC:     # ``(a,) + [b]`` or ``[a] * 2.0`` raise TypeError
            return any(a in containers or isinstance(a, Const) and
                       isinstance(a.value, (tuple, list)) for a in ins.args)
        return not _cannot_raise(ins.fn)

    blocks, changed = [], False
    for b in g.blocks:
        instrs = []
        for ins in b.instrs:
            instrs.append(ins)
            if ins.out is not None and ins.out not in used and ins.loc is not None \
                    and may_raise(ins):
                instrs.append(Call(None, ops.escape, (ins.out,), (), ins.loc))
                changed = True
        blocks.append(Block(b.label, b.params, tuple(instrs), b.term))
    if not changed:
        return g
    from dataclasses import replace
    return replace(g, blocks=tuple(blocks))
