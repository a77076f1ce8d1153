"""Small helpers that rules and generated code call at run time.

Example: ``unbroadcast(g, b)`` with g of shape (256, 10) and b of shape (10,)
    -> ``g.sum(axis=0)``, the adjoint of broadcasting ``b`` against ``g``.

Every helper has a fast path for the common case (equal shapes, Python
floats) because it sits on the hot path of every generated gradient.

NaN policy ("a zero cotangent is a strong zero"): the elementwise rules
multiply or divide the cotangent ``g`` by a partial derivative through
:func:`safe_mul` / :func:`safe_div`, which return exactly 0 wherever ``g`` is 0,
even if the partial derivative there is infinite or NaN.  So in
``np.where(x > 0, np.sqrt(x), 0.0)`` the untaken branch (g == 0) cannot turn
``0 * inf`` into NaN.  Where ``g`` is non-zero the true derivative is
returned (``sqrt`` at 0: +inf).  Norm-like quantities (``norm``, ``hypot``,
``std``) use :func:`div_or_zero`: their gradient at exactly 0 is the
subgradient 0.  The Numba backend must provide a twin of every helper here.
"""
from __future__ import annotations

import math

import numpy as np

from . import pytree
from .ir.ops import ShapeOf

__all__ = ["unbroadcast", "unreduce", "reduced_count", "scatter_into", "cast_like", "accumulate",
           "safe_mul", "safe_div", "div_or_zero", "pow_slope"]

_BASIC_INDEX = (int, slice, type(None), type(Ellipsis), np.integer)


def unbroadcast(g, x):
    """Sum ``g`` down to the shape of ``x``: the adjoint of broadcasting.
    (``x`` may be a ShapeOf: the shape alone, kept by the forward pass.)"""
    xs = x if type(x) is ShapeOf else np.shape(x)
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


def unreduce(g, x, axis=None, keepdims=False, where=True):
    """Broadcast the cotangent ``g`` of a reduction over ``axis`` back to ``x``'s
    shape (zero where the reduction's ``where=`` mask is False)."""
    xs = x if type(x) is ShapeOf else np.shape(x)
    if not xs:
        return g
    if axis is not None and (keepdims is np._NoValue or not keepdims):
        axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
        g = np.expand_dims(g, tuple(a % len(xs) for a in axes))
    g = np.broadcast_to(g, xs)
    if where is not True and where is not np._NoValue:
        g = np.where(where, g, 0)
    return g


def reduced_count(x, axis=None, where=True):
    """Number of elements a reduction over ``axis`` combines (for means); with a
    ``where=`` mask, the per-output counts (keepdims-shaped, x's float dtype)."""
    xs = np.shape(x)
    if where is not True and where is not np._NoValue:
        dt = np.result_type(np.asarray(x).dtype, np.float32)
        return np.sum(np.broadcast_to(where, xs), axis=axis, keepdims=True, dtype=dt)
    if axis is None or not xs:
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
    ``idx``, where it holds ``g`` (summed where an integer array index repeats).
    Indexing a Python tuple/list is not an array operation: its cotangent is
    built with :func:`ad_compiler.pytree.tree_cotangent`."""
    if isinstance(x, (tuple, list)):
        raise TypeError(f"scatter_into: x is a Python {type(x).__name__}; the cotangent of "
                        "indexing one is pytree.tree_cotangent(x, idx, g)")
    out = np.zeros(np.shape(x), dtype=np.result_type(g, x, np.float32))
    if _is_basic(idx):
        out[idx] = g
    else:
        np.add.at(out, idx, g)
    return out


def cast_like(g, x):
    """Give a gradient the type of its primal: Python float for a Python
    scalar, the same dtype and shape for an array, the same structure for a
    pytree (dict, list, tuple, namedtuple; see ``ad_compiler.pytree``), with
    zeros where ``g`` has None."""
    if isinstance(x, (tuple, list, dict)):
        from .pytree import cast_tree
        return cast_tree(g, x, cast_like)
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
    structural cotangents of containers and multi-result primitives)."""
    if a is None:
        return b
    if b is None:
        return a
    if isinstance(a, (tuple, list, dict)) or isinstance(b, (tuple, list, dict)):
        return pytree.accumulate(a, b)
    return a + b


# -- the NaN policy: a zero cotangent is a strong zero ------------------------------
def _is_scalar(v):
    return type(v) is float or type(v) is int or isinstance(v, np.generic)


def safe_mul(g, d):
    """``g * d``, but exactly 0 wherever ``g == 0`` (even if ``d`` is inf or NaN)."""
    if _is_scalar(g) and _is_scalar(d):
        return g * d if g != 0 else g * 0.0
    with np.errstate(invalid="ignore", over="ignore"):
        r = np.multiply(g, d)
    if np.isnan(np.sum(r)):                      # rare: only then look for 0 * inf
        r = np.where(g == 0, 0, r)
    return r


def safe_div(g, d):
    """``g / d``, but exactly 0 wherever ``g == 0`` (even where ``d`` is 0 or NaN);
    ``g / 0`` with ``g != 0`` is ±inf (the true, infinite derivative)."""
    if _is_scalar(g) and _is_scalar(d):
        if g == 0:
            return g * 0.0
        if d == 0:
            return g * math.copysign(math.inf, d)
        return g / d
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        r = np.divide(g, d)
    if np.isnan(np.sum(r)):
        r = np.where(g == 0, 0, r)
    return r


def div_or_zero(a, b):
    """``a / b``, but 0 wherever ``b == 0``: the subgradient convention for norms
    (``norm``, ``hypot``, ``std``: their gradient at exactly 0 is 0)."""
    if _is_scalar(a) and _is_scalar(b):
        return a / b if b != 0 else a * 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.divide(a, b)
    return np.where(b == 0, 0, r)


def pow_slope(a, b):
    """``d(a ** b)/da = b * a ** (b - 1)``, where ``a ** 0`` is the constant 1
    (slope 0, also at ``a == 0``, where the formula is ``0 * inf``) and a
    zero base with ``b < 1`` gives the infinite slope (never
    ``ZeroDivisionError``, as ``0.0 ** -0.5`` raises for Python floats)."""
    if _is_scalar(a) and _is_scalar(b):
        if b == 0:
            return 0.0
        if a == 0 and b < 1:
            return b * math.inf
        return b * a ** (b - 1)
    if np.ndim(b) == 0 and b == 0:
        return np.zeros(np.shape(a), dtype=np.result_type(a, np.float32))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        r = b * np.power(a, b - 1)
    if np.ndim(b) and np.any(np.asarray(b) == 0):
        r = np.where(b == 0, 0, r)
    return r
