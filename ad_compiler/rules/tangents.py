"""Run-time helpers of forward-mode code (the tangent twins of ``runtime``).

Example: ``y = x + c`` with ``x`` of shape (3,) and ``c`` of shape (2, 3)
has the tangent ``y_dot = broadcast_like(x_dot, y)``: ``x_dot`` has x's
shape, ``y_dot`` must have y's.  For known scalars the forward transform
drops these calls (``transforms.forward.drop_scalar_helpers; a rules module, so the compiler calls them rather than inlining them``).
"""
from __future__ import annotations

import numpy as np

from .registry import declare

__all__ = ["broadcast_like", "tangent_zero", "add_tangents"]


def broadcast_like(t, ans):
    """The tangent ``t`` of an operand, broadcast to the shape of the
    result ``ans`` (a copy only where the shapes differ)."""
    shape = np.shape(ans)
    if np.shape(t) == shape:
        return t
    return np.broadcast_to(t, shape).copy()


def tangent_zero(x):
    """The zero tangent of ``x``: 0.0 for a number, float zeros of its shape
    for an array, the same structure (container types, keys) of zeros for a
    tuple, list, dict or namedtuple, None for None."""
    if x is None:
        return None
    if isinstance(x, np.ndarray):
        return np.zeros(x.shape, dtype=x.dtype if x.dtype.kind == "f" else np.float64)
    if isinstance(x, dict):
        return {k: tangent_zero(v) for k, v in x.items()}
    if isinstance(x, list):
        return [tangent_zero(v) for v in x]
    if isinstance(x, tuple):
        items = [tangent_zero(v) for v in x]
        return type(x)(*items) if hasattr(x, "_fields") else tuple(items)
    if isinstance(x, np.floating):
        return type(x)(0)
    return 0.0


def fresh_tangent_zero(x):
    """``tangent_zero(x)`` for a list or dict that is then mutated (its
    appends get their tangents appended): a new container at every call,
    never shared with another zero tangent (so it is not pure: CSE keeps
    two of them apart)."""
    return tangent_zero(x)


def add_tangents(a, b):
    """``a + b`` for tangents that may be tuples (multi-result primitives):
    item by item; None is zero."""
    if a is None:
        return b
    if b is None:
        return a
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return type(a)(add_tangents(x, y) for x, y in zip(a, b))
    return a + b


def reduce_tangent(w, ans, axis):
    """``sum(w, axis)`` shaped like the reduction's result ``ans`` (with or
    without keepdims): the tangent of a reduction whose reverse rule, given
    a cotangent of ones, returned the weights of ``w = t * weights``."""
    s = np.sum(w, axis=axis)
    if np.ndim(ans) == 0 and np.ndim(s) == 0:
        return s
    return np.reshape(s, np.shape(ans))


def _output_leaves(ans):
    """(index, float array) for each floating result of ``ans``."""
    outs = ans if isinstance(ans, tuple) else (ans,)
    return [(i, np.asarray(o)) for i, o in enumerate(outs)
            if np.asarray(o).dtype.kind == "f"]


def _inner(c, t):
    if c is None:
        return 0.0
    if isinstance(c, (tuple, list)):
        return sum(_inner(a, b) for a, b in zip(c, t))
    return float(np.sum(np.asarray(c) * np.asarray(t)))


def transposed_tangent(vjp, t, ans, args, kwargs):
    """``J @ t`` from the reverse rule ``vjp`` (``J^T @ g``), one call per
    number of the result: ``(J t)_i = <J^T e_i, t>``.  Exact, and cheap for
    the small results of the decompositions and the order statistics it
    serves; O(size of the result) reverse-rule calls in general."""
    multi = isinstance(ans, tuple)
    outs = ans if multi else (ans,)
    result = [None] * len(outs)
    for i, o in _output_leaves(ans):
        flat = np.zeros(o.size, dtype=np.float64)
        for j in range(o.size):
            e = np.zeros(o.size, dtype=o.dtype)
            e[j] = 1
            e = e.reshape(o.shape) if o.ndim else o.dtype.type(1)
            g = tuple(e if k == i else None for k in range(len(outs))) if multi else e
            flat[j] = _inner(vjp(g, ans, *args, **kwargs), t)
        tan = flat.reshape(o.shape).astype(o.dtype if o.dtype.kind == "f" else np.float64)
        result[i] = tan if o.ndim or not isinstance(outs[i], float) else float(tan)
    for k, o in enumerate(outs):
        if result[k] is None:
            result[k] = tangent_zero(o)
    return tuple(result) if multi else result[0]


def float_tangent(t, ans):
    """The tangent of a cast: ``t`` in the result's float dtype; zeros for
    an integer or bool result (piecewise constant)."""
    dt = np.asarray(ans).dtype
    if dt.kind == "f":
        return np.asarray(t).astype(dt) if isinstance(ans, np.ndarray) else dt.type(t)
    return tangent_zero(np.asarray(ans, dtype=np.float64))


def zero_ends(end):
    """``prepend``/``append`` of ``np.diff`` for the tangent: absent stays
    absent, a constant becomes zeros of its shape."""
    return end if end is np._NoValue else np.zeros(np.shape(end))


def padded_tangent(t, pad_width, mode, kwargs):
    """``np.pad`` of the tangent: constants added by the padding are 0."""
    kw = dict(kwargs)
    for name in ("constant_values", "end_values"):
        if name in kw:
            kw[name] = 0.0
    return np.pad(t, pad_width, mode, **kw)


def no_tangent(t, ans, *args, **kwargs):
    """The forward rule of an argument that only gives a shape or a
    structure (``unbroadcast(g, x)``'s ``x``): it contributes nothing, and
    the forward transform emits no code for it."""
    return None


# what the passes know of them (transforms/ranks.py: scalar loops carry plain floats)
declare(broadcast_like, rank=1, pure=True)          # the tangent in the result's shape
declare(tangent_zero, rank=0, pure=True)            # zeros shaped like its argument
declare(add_tangents, pure=True)
declare(fresh_tangent_zero, pure=False)
