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

import operator

import numpy as np

from ..ir import ops
from ..ir.ops import seed_cotangent
from ..ir.views import check_inplace, entry_copy, write_back
from ..ir.nodes import Attr, Block, Call, Const, Var
from ..runtime import (div_or_zero, pow_slope, safe_div, safe_mul, scatter_into, unbroadcast,
                       unreduce)
from .simplify import _replace, substitute

__all__ = ["known_scalars", "specialize_scalars"]

_SCALAR_OPS = {operator.add, operator.sub, operator.mul, operator.truediv, operator.pow,
               operator.neg, operator.pos, operator.abs, abs, float, pow, len, int,
               safe_mul, safe_div, div_or_zero, pow_slope, max, min}


def _scalar_fn(fn):
    return fn in _SCALAR_OPS or isinstance(fn, np.ufunc) or getattr(fn, "__module__", None) == "math"


_VECTOR_FROM_SIZE = {np.zeros, np.ones, np.empty, np.full}
# reductions over every axis give scalars, whatever their input
_FULL_REDUCTIONS = {np.sum, np.mean, np.prod, np.max, np.min, np.amax, np.amin, np.std, np.var,
                    np.ndarray.sum, np.ndarray.mean, np.ndarray.prod, np.ndarray.max,
                    np.ndarray.min, np.ndarray.std, np.ndarray.var, np.vdot}
_VECTOR_LIKE = {np.zeros_like, np.ones_like, np.empty_like, np.copy, np.ndarray.copy}


def known_scalars(g, scalar_params, array_params=()):
    """Values known to be scalars, given the parameters that are scalars and
    ``array_params``: ``{param: ndim}`` for parameters that are arrays.  Array
    ranks are followed through constructors, arithmetic, index assignment and
    block parameters, so ``x[i, j]`` of a 2-D ``x`` (two scalar indices) is a
    scalar too."""
    from ..rules.structural import copy_item, zero_at
    from ..rules.tangents import broadcast_like, tangent_zero
    if not isinstance(array_params, dict):         # a list of 1-D parameters
        array_params = {p: 1 for p in array_params}
    pushed = {}
    for ins in g.instructions():
        if ins.fn is ops.push:
            pushed.setdefault(ins.args[0], []).append(ins.args[1])
    tuples = {i.out: i.args for i in g.instructions() if i.fn is ops.make_tuple}
    edges = g.incoming()
    TOP = object()                                   # "not known yet" (optimistic)
    rank = {p: 0 for p in scalar_params}
    rank.update(array_params)
    for p in set(edges) - set(g.entry.params):
        rank[p] = TOP

    def r(x):
        if isinstance(x, Const):
            v = x.value
            return 0 if type(v) in (int, float, bool) or isinstance(v, np.number) else None
        return rank.get(x)

    def join(values):
        known = [v for v in values if v is not TOP]
        if any(v is None for v in known):
            return None
        return known[0] if known and all(v == known[0] for v in known) else (
            TOP if not known else None)

    def index_count(idx):
        """How many scalar positions an index has (None: not all scalars)."""
        if r(idx) is TOP:
            return TOP
        if r(idx) == 0:
            return 1
        if isinstance(idx, Const) and isinstance(idx.value, tuple) and all(
                type(e) is int for e in idx.value):
            return len(idx.value)
        items = tuples.get(idx)
        if items is not None and any(r(e) is TOP for e in items):
            return TOP
        if items is not None and all(r(e) == 0 for e in items):
            return len(items)
        return None

    def shape_rank(shape):
        if r(shape) is TOP:
            return TOP
        if r(shape) == 0:
            return 1
        if isinstance(shape, Const) and isinstance(shape.value, tuple):
            return len(shape.value)
        return len(tuples[shape]) if shape in tuples else None

    def infer(ins):
        fn, a = ins.fn, ins.args
        if fn is len or (fn in _FULL_REDUCTIONS and len(a) == 1 and not ins.kwargs):
            return 0
        if isinstance(fn, Attr) and fn.name in ("ndim", "size"):
            return 0
        if (isinstance(fn, Attr) and fn.name == "shape") or fn is np.shape:
            return 1                        # a tuple of ints: its items are scalars
        if fn is operator.getitem and isinstance(a[0], Const) and type(a[0].value) is tuple \
                and all(type(v) in (int, float) for v in a[0].value):
            return r(a[1])                      # an item of a constant tuple of numbers
                                                # (a scalar index; a slice is a tuple)
        if fn in (operator.getitem, copy_item):
            base, count = r(a[0]), index_count(a[1])
            if base is TOP or count is TOP:
                return TOP
            return 0 if isinstance(base, int) and base > 0 and count == base else None
        if fn in (broadcast_like, tangent_zero) and a:      # forward mode: like its last operand
            return r(a[-1])
        if fn in (seed_cotangent, ops.zero_like, unbroadcast, unreduce, ops.shape_proxy) and a:
            base = a[-1] if fn in (seed_cotangent, ops.zero_like) else a[1]
            return r(base)
        if fn is ops.pop:
            return join([r(x) for x in pushed.get(a[0], [None])])
        if fn is entry_copy and a:               # a copy of an array, a number itself
            return r(a[0])
        if fn is ops.alias_update and len(a) == 2:     # new if old is an array, else old
            ro = r(a[0])
            return ro if ro is TOP or ro == 0 else (r(a[1]) if ro is not None else None)
        if fn in _VECTOR_FROM_SIZE and a:
            return shape_rank(a[0])
        if fn in _VECTOR_LIKE | {ops.setitem, zero_at, ops.own} and a:
            return r(a[0])
        if fn is scatter_into:                 # an array shaped like its second argument
            return r(a[1])
        if (fn in _SCALAR_OPS or _scalar_fn(fn) or fn is np.where) and not ins.kwargs and a:
            ranks = [r(x) for x in a]
            if any(x is None or x is TOP for x in ranks):
                return TOP if all(x is not None for x in ranks) else None
            return max(ranks)
        return None

    instrs = [i for i in g.instructions() if i.out is not None]
    changed = True
    while changed:
        changed = False
        for ins in instrs:
            new = infer(ins)
            if rank.get(ins.out, None) != new:
                rank[ins.out] = new
                changed = True
        for p, args in edges.items():
            if p in g.entry.params:
                continue
            new = join([r(x) if not (isinstance(x, Const) and x.value is None) else TOP
                        for x in args])
            if rank.get(p) is not new and rank.get(p) != new:
                rank[p] = new
                changed = True
    return {v for v, k in rank.items() if k == 0}


def specialize_scalars(g, scalar_params, array_params=()):
    """Drop ``unbroadcast``/``unreduce`` where the value is a known scalar,
    and make ``zero_like`` of a known scalar the constant 0.0 (``array_params``: ``{param: ndim}``, whose items at full indices are)."""
    scal = known_scalars(g, scalar_params, array_params)
    defined = {i.out for i in g.instructions() if i.out is not None}
    m, rename = {}, {}
    for ins in g.instructions():
        if ins.fn is ops.zero_like and len(ins.args) == 1 and ins.args[0] in scal:
            m[ins.out] = Const(0.0)          # the zero of a number needs no value
            continue
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
            number = bool(ins.args) and (isinstance(ins.args[0], Const) or ins.args[0] in scal)
            if ins.fn in (check_inplace, write_back) and number:
                continue                     # ``s += x`` on a number: nothing to check or write
            if ins.fn in (entry_copy, ops.alias_update) and number and ins.out not in rename:
                m[ins.out] = ins.args[0]     # a number is not copied, and is rebound, not changed
                continue
            if ins.out in m:
                continue
            if ins.out in rename:
                ins = Call(rename[ins.out], ins.fn, ins.args, ins.kwargs, ins.loc)
            keep.append(ins)
        blocks.append(Block(b.label, b.params, tuple(keep), b.term))
    m.update(rename)
    return substitute(_replace(g, blocks=tuple(blocks)), m)
