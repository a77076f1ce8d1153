"""Specialisation on argument kinds: which values are known to be scalars.

Example: for ``f(x: float)``, the adjoint of ``y = x * w`` (w a float too)
is ``unbroadcast(y_bar * w, x)``; with both known scalar it becomes
``y_bar * w`` — no shape checks on the hot path of scalar loops.

A value is a known scalar when it is a Python number constant, a parameter
called with a Python/NumPy scalar, or the result of arithmetic, ``math``
functions or NumPy ufuncs on known scalars; block parameters are scalars
when every incoming value is.
"""
from __future__ import annotations

import math
import operator

import numpy as np

from ..ir.builder import _sub_call, _sub_term
from ..ir import ops
from ..ir.ops import seed_cotangent
from ..ir.nodes import Block, Branch, Call, Const, Jump, Var
from ..runtime import unbroadcast, unreduce
from .simplify import _replace, substitute

__all__ = ["known_scalars", "specialize_scalars"]

_SCALAR_OPS = {operator.add, operator.sub, operator.mul, operator.truediv, operator.pow,
               operator.neg, operator.pos, operator.abs, abs, float, pow, len, int}


def _scalar_fn(fn):
    return fn in _SCALAR_OPS or isinstance(fn, np.ufunc) or getattr(fn, "__module__", None) == "math"


def known_scalars(g, scalar_params):
    scal = set(scalar_params)

    def is_s(x):
        if isinstance(x, Const):
            return type(x.value) in (int, float, bool) or isinstance(x.value, np.number)
        return x in scal

    bm = g.block_map()
    edges = {}
    for b in g.blocks:
        t = b.term
        if isinstance(t, Jump):
            pairs = zip(bm[t.target].params, t.args)
        elif isinstance(t, Branch):
            pairs = zip(bm[t.else_target].params, t.else_args)
        else:
            continue
        for p, a in pairs:
            edges.setdefault(p, []).append(a)
    pushed = {}
    for ins in g.instructions():
        if ins.fn is ops.push:
            pushed.setdefault(ins.args[0], []).append(ins.args[1])
    # optimistic: assume block params scalar, then remove until stable
    cand = set(edges) - set(g.entry.params)
    changed = True
    while changed:
        changed = False
        cur = scal | cand
        trial = set(cur)

        def s(x):
            if isinstance(x, Const):
                return type(x.value) in (int, float, bool) or isinstance(x.value, np.number)
            return x in trial
        for ins in g.instructions():
            if ins.out is None:
                continue
            ok = ins.fn is len or \
                 (_scalar_fn(ins.fn) and all(s(a) for a in ins.args) and not ins.kwargs) or \
                 (ins.fn is unbroadcast and s(ins.args[1]) and s(ins.args[0])) or \
                 (ins.fn in (seed_cotangent, ops.zero_like) and s(ins.args[-1])) or \
                 (ins.fn is ops.pop and all(s(a) for a in pushed.get(ins.args[0], [None])))
            if ok:
                trial.add(ins.out)
            else:
                trial.discard(ins.out)
        for p in list(cand):
            if not all(s(a) or (isinstance(a, Const) and a.value is None) for a in edges[p]):
                cand.discard(p)
                changed = True
        if not changed:
            scal = trial
    return scal


def specialize_scalars(g, scalar_params):
    """Drop ``unbroadcast``/``unreduce`` where the value is a known scalar."""
    scal = known_scalars(g, scalar_params)
    defined = {i.out for i in g.instructions() if i.out is not None}
    m, rename = {}, {}
    for ins in g.instructions():
        drop = (ins.fn is unbroadcast and len(ins.args) == 2 and all(
            isinstance(a, Const) or a in scal for a in ins.args)) or (
            ins.fn is unreduce and (isinstance(ins.args[1], Const) or ins.args[1] in scal))
        if drop:
            src = ins.args[0]
            while src in rename:
                src = rename[src]
            if isinstance(src, Var) and src in defined and src not in rename.values() \
                    and src.name.startswith("t") and src not in m:
                rename[src] = ins.out        # keep the readable name (x_bar) for the value
            else:
                m[ins.out] = src
    blocks = []
    for b in g.blocks:
        keep = []
        for ins in b.instrs:
            if ins.out in rename.values() and ins.fn in (unbroadcast, unreduce):
                continue
            if ins.out in m:
                continue
            if ins.out in rename:
                ins = Call(rename[ins.out], ins.fn, ins.args, ins.kwargs, ins.loc)
            keep.append(ins)
        blocks.append(Block(b.label, b.params, tuple(keep), b.term))
    m.update(rename)
    return substitute(_replace(g, blocks=tuple(blocks)), m)
