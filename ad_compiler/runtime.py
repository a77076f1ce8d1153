"""Small helpers that rules and generated code call at run time.

Example: ``unbroadcast(g, b)`` with g of shape (256, 10) and b of shape (10,)
    -> ``g.sum(axis=0)``, the adjoint of broadcasting ``b`` against ``g``.

Every helper has a fast path for the common case (equal shapes, Python
floats) because it sits on the hot path of every generated gradient.
"""
from __future__ import annotations

import numpy as np

__all__ = ["unbroadcast", "unreduce", "scatter_into", "zeros_like_grad", "cast_like",
           "accumulate", "tuple_cotangent"]

_BASIC_INDEX = (int, slice, type(None), type(Ellipsis), np.integer)


def unbroadcast(g, x):
    """Sum ``g`` down to the shape of ``x``: the adjoint of broadcasting."""
    xs = np.shape(x)
    gs = np.shape(g)
    if gs == xs:
        return g
    lead = len(gs) - len(xs)
    if lead > 0:
        g = np.sum(g, axis=tuple(range(lead)))
    keep = tuple(i for i, n in enumerate(xs) if n == 1 and np.shape(g)[i] != 1)
    if keep:
        g = np.sum(g, axis=keep, keepdims=True)
    if np.shape(g) != xs:             # g was smaller than x (e.g. a scalar seed)
        g = np.broadcast_to(g, xs)
    return g


def unreduce(g, x, axis=None, keepdims=False):
    """Broadcast the cotangent ``g`` of a reduction over ``axis`` back to ``x``'s shape."""
    xs = np.shape(x)
    if not xs:
        return g
    if axis is not None and not keepdims:
        axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
        g = np.expand_dims(g, tuple(a % len(xs) for a in axes))
    return np.broadcast_to(g, xs)


def reduced_count(x, axis=None):
    """Number of elements a reduction over ``axis`` combines (for means)."""
    xs = np.shape(x)
    if axis is None:
        return int(np.prod(xs)) if xs else 1
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    n = 1
    for a in axes:
        n *= xs[a]
    return n


def _is_basic(idx):
    if isinstance(idx, tuple):
        return all(isinstance(i, _BASIC_INDEX) for i in idx)
    return isinstance(idx, _BASIC_INDEX)


def scatter_into(g, x, idx):
    """Adjoint of ``x[idx]``: an array shaped like ``x``, zero except at
    ``idx``, where it holds ``g`` (summed where an integer array index repeats)."""
    out = np.zeros(np.shape(x), dtype=np.result_type(g, x, np.float32))
    if _is_basic(idx):
        out[idx] = g
    else:
        np.add.at(out, idx, g)
    return out


def zeros_like_grad(x):
    """A zero gradient for ``x``: 0.0 for scalars, a float array otherwise."""
    if isinstance(x, (float, int, np.floating)) or np.ndim(x) == 0 and not isinstance(x, np.ndarray):
        return 0.0
    return np.zeros(np.shape(x), dtype=x.dtype if np.issubdtype(np.asarray(x).dtype, np.floating)
                    else np.float64)


def cast_like(g, x):
    """Give a gradient the type of its primal: Python float for a Python
    scalar, the same dtype and shape for an array."""
    if isinstance(x, np.ndarray):
        if type(g) is np.ndarray and g.dtype == x.dtype and g.shape == x.shape:
            return g
        g = np.asarray(g, dtype=x.dtype if x.dtype.kind in "fc" else np.float64)
        if g.shape != x.shape:
            g = np.broadcast_to(g, x.shape)
        if not g.flags.writeable or g.base is not None and not g.flags.owndata:
            g = g.copy()
        return g
    if isinstance(x, (np.floating, np.integer)):
        return np.float64(g) if not isinstance(x, np.floating) else type(x)(g)
    return float(g)


def accumulate(a, b):
    """``a + b`` for cotangents, where ``None`` means zero (used for
    tuple-valued cotangents of multi-result primitives)."""
    if a is None:
        return b
    if b is None:
        return a
    if isinstance(a, tuple):
        return tuple(accumulate(x, y) for x, y in zip(a, b))
    return a + b


def tuple_cotangent(n, k, g):
    """The cotangent of an n-tuple whose k-th item has cotangent ``g``."""
    return tuple(g if i == k else None for i in range(n))
