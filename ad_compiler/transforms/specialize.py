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
from ..ir.nodes import Block, Call, Const, Var
from ..runtime import div_or_zero, safe_div, safe_mul, unbroadcast, unreduce
from .simplify import _replace, substitute

__all__ = ["known_scalars", "specialize_scalars"]

_SCALAR_OPS = {operator.add, operator.sub, operator.mul, operator.truediv, operator.pow,
               operator.neg, operator.pos, operator.abs, abs, float, pow, len, int,
               safe_mul, safe_div, div_or_zero, max, min}


def _scalar_fn(fn):
    return fn in _SCALAR_OPS or isinstance(fn, np.ufunc) or getattr(fn, "__module__", None) == "math"


_VECTOR_FROM_SIZE = {np.zeros, np.ones, np.empty, np.full}
# reductions over every axis give scalars, whatever their input
_FULL_REDUCTIONS = {np.sum, np.mean, np.prod, np.max, np.min, np.amax, np.amin, np.std, np.var,
                    np.ndarray.sum, np.ndarray.mean, np.ndarray.prod, np.ndarray.max,
                    np.ndarray.min, np.ndarray.std, np.ndarray.var, np.vdot}
_VECTOR_LIKE = {np.zeros_like, np.ones_like, np.empty_like, np.copy, np.ndarray.copy}


def known_scalars(g, scalar_params, vector_params=()):
    """Values known to be scalars, given the parameters that are scalars and
    those that are 1-D arrays (whose items, at a scalar index, are scalars).
    1-D arrays are followed through constructors, arithmetic, index
    assignment and block parameters."""
    from ..rules.structural import copy_item, zero_at
    pushed = {}
    for ins in g.instructions():
        if ins.fn is ops.push:
            pushed.setdefault(ins.args[0], []).append(ins.args[1])
    edges = g.incoming()
    # optimistic start for block parameters; iterate down to a fixpoint
    scal = set(scalar_params) | (set(edges) - set(g.entry.params))
    vec = set(vector_params) | (set(edges) - set(g.entry.params))

    def is_s(x):
        if isinstance(x, Const):
            return type(x.value) in (int, float, bool) or isinstance(x.value, np.number)
        return x in scal

    def is_v(x):
        return isinstance(x, Var) and x in vec

    instrs = [i for i in g.instructions() if i.out is not None]
    changed = True
    while changed:
        changed = False
        for ins in instrs:
            fn, a = ins.fn, ins.args
            s_ok = fn is len or (fn in _FULL_REDUCTIONS and len(a) == 1 and not ins.kwargs) or \
                (fn in (operator.getitem, copy_item) and is_v(a[0]) and is_s(a[1])) or \
                (_scalar_fn(fn) and all(is_s(x) for x in a) and not ins.kwargs) or \
                (fn is unbroadcast and is_s(a[1]) and is_s(a[0])) or \
                (fn in (seed_cotangent, ops.zero_like) and is_s(a[-1])) or \
                (fn is ops.pop and all(is_s(x) for x in pushed.get(a[0], [None])))
            v_ok = (fn in _VECTOR_FROM_SIZE and a and is_s(a[0])) or \
                (fn in (unbroadcast, unreduce) and is_v(a[1])) or \
                (fn in _VECTOR_LIKE | {ops.zero_like} and a and is_v(a[0])) or \
                (fn in (ops.setitem, zero_at) and is_v(a[0])) or \
                (fn in _SCALAR_OPS and a and all(is_v(x) or is_s(x) for x in a)
                 and any(is_v(x) for x in a) and not ins.kwargs) or \
                (fn is ops.pop and all(is_v(x) for x in pushed.get(a[0], [None])))
            for ok, group in ((s_ok, scal), (v_ok, vec)):
                if not ok and ins.out in group:
                    group.discard(ins.out)
                    changed = True
                elif ok and ins.out not in group:
                    group.add(ins.out)
                    changed = True
        for p, args in edges.items():
            if p in scal and not all(is_s(x) or (isinstance(x, Const) and x.value is None)
                                     for x in args):
                scal.discard(p)
                changed = True
            if p in vec and not all(is_v(x) for x in args):
                vec.discard(p)
                changed = True
    return scal


def specialize_scalars(g, scalar_params, vector_params=()):
    """Drop ``unbroadcast``/``unreduce`` where the value is a known scalar
    (``vector_params``: parameters known to be 1-D arrays, whose items are)."""
    scal = known_scalars(g, scalar_params, vector_params)
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
