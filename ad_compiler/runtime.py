"""The helpers that derivative rules and generated gradients call at run time.

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
subgradient 0.

Here too: the values the adjoint itself makes (``zero_like``, the seed
``seed_cotangent``, private copies ``own``, in-place accumulation
``index_add``), and the cotangents of one item (``tree_cotangent`` for a
container or an array, ``zero_at``/``copy_item`` for ``a[i] = v``).  Each
takes a container (see ``pytree``, which holds the container-only code) or
an array, and decides which at run time.  The IR's stand-ins for Python
syntax (``make_tuple``, ``setitem``, ``push`` ...) are in ``ir/ops.py``.
Under ``backend="numba"`` a helper runs as its Numba twin where
``backend/numba_twins.py`` defines one, else compiled from its own body.
"""
from __future__ import annotations

import math

import numpy as np

from .errors import NonScalarOutputError
from .outputs import check_output
from .pytree import (accumulate as tree_accumulate, cast_tree, check_seed, container_zero_at,
                     describe, is_node, tree_item)

__all__ = ["extremum_add", "unbroadcast", "unreduce", "reduced_count", "scatter_into", "cast_like", "accumulate",
           "safe_mul", "safe_div", "div_or_zero", "pow_slope",
           "ShapeOf", "ShapeOfIntegers", "shape_proxy", "zero_like", "seed_cotangent", "item_cotangent", "own",
           "index_add", "zero_at_inplace", "tree_cotangent", "concat_cotangent",
           "repeat_cotangent", "tree_index_add", "zero_at", "copy_item", "last_writes"]

_BASIC_INDEX = (int, slice, type(None), type(Ellipsis), np.integer)


def unbroadcast(g, x):
    """Sum ``g`` down to the shape of ``x``: the adjoint of broadcasting.
    (``x`` may be a ShapeOf: the shape alone, kept by the forward pass.)"""
    xs = x if isinstance(x, ShapeOf) else np.shape(x)
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
    xs = x if isinstance(x, ShapeOf) else np.shape(x)
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
    built with :func:`ad_compiler.runtime.tree_cotangent`."""
    if isinstance(x, (tuple, list)):
        raise TypeError(f"scatter_into: x is a Python {type(x).__name__}; the cotangent of "
                        "indexing one is runtime.tree_cotangent(x, idx, g)")
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
        return tree_accumulate(a, b)
    return a + b


# -- the NaN policy: a zero cotangent is a strong zero ------------------------------
def _is_scalar(v):
    return type(v) is float or type(v) is int or isinstance(v, np.generic)


def _has_nan(r):
    """Whether the array ``r`` holds a NaN, in one fast pass: ``r . r`` (BLAS)
    is a sum of squares, NaN exactly when some item is NaN (squares of
    ±inf are +inf, never NaN), where ``np.sum`` is twice as slow.  Other
    dtypes, and sums of mixed infinities (false alarms are harmless: the
    caller then looks at the items), through ``np.sum``."""
    if type(r) is np.ndarray and r.dtype.kind == "f" and r.dtype.itemsize >= 4 and r.size:
        flat = r.reshape(-1)                  # BLAS raises no floating-point flags
        return bool(np.isnan(np.dot(flat, flat)))
    return bool(np.isnan(np.sum(r)))


def _nonzero_constant(g):
    """Whether ``g`` is an array of one nonzero value stored once (the
    cotangent of a sum, ``broadcast_to`` of a number): then ``g * d`` has no
    zero factor to protect, and the NaN check, a pass over the product, is
    not needed."""
    if type(g) is not np.ndarray or not g.ndim or g.strides.count(0) != g.ndim or not g.size:
        return False
    v = g.reshape(-1)[0]
    return bool(v != 0) or bool(v != v)          # (a NaN cotangent stays NaN)


def safe_mul(g, d):
    """``g * d``, but exactly 0 wherever ``g == 0`` (even if ``d`` is inf or NaN)."""
    if _is_scalar(g) and _is_scalar(d):
        return g * d if g != 0 else g * 0.0
    with np.errstate(invalid="ignore", over="ignore"):
        r = np.multiply(g, d)
    if _nonzero_constant(g):
        return r
    if _has_nan(r):                              # rare: only then look for 0 * inf
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
    if _nonzero_constant(g):
        return r
    if _has_nan(r):
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


# -- the adjoint's own values: zeros, the seed, private copies, in-place adds ----------
class ShapeOf(tuple):
    """The shape of a value whose data the adjoint does not need."""
    __slots__ = ()


class ShapeOfIntegers(ShapeOf):
    """The shape of an integer or bool array (``written_cotangent`` reads
    that a write into it truncates)."""
    __slots__ = ()


def shape_proxy(x):
    """A stand-in for ``x`` where only its shape is read (``unbroadcast``,
    ``unreduce``): stacking it costs no memory and holds no reference to
    ``x``'s data (a view of an array that is later assigned into, say)."""
    if isinstance(x, np.ndarray) and x.dtype.kind not in "fc":
        return ShapeOfIntegers(x.shape)
    return ShapeOf(np.shape(x))


def written_cotangent(g, into):
    """The cotangent of a value written into ``into`` (``a[i] = v``): none
    when ``into`` holds integers or bools, whose write truncated the value
    (Python's ``int_array[0] = 1.5`` stores 1: a constant)."""
    if isinstance(into, ShapeOfIntegers) or (
            isinstance(into, np.ndarray) and into.dtype.kind not in "fc"):
        return zero_like(g)
    return g


def zero_like(x):
    """A zero cotangent for ``x`` (a Python 0.0 for scalars; None, the
    zero of tuple cotangents, for tuples, lists and dicts; float zeros of the
    shape for a ShapeOf)."""
    if isinstance(x, ShapeOf):
        return np.zeros(x) if x else 0.0
    if isinstance(x, (tuple, list, dict)):
        return None
    if isinstance(x, np.ndarray):
        return np.zeros(x.shape, dtype=x.dtype if x.dtype.kind == "f" else np.float64)
    return 0.0


def seed_cotangent(seed, out):
    """The cotangent the adjoint starts from: 1 for a scalar output, or the
    user's ``seed`` (PyTorch's ``backward(gradient=...)``), shape-checked."""
    if seed is None and type(out) is float:       # the common scalar case, first
        return 1.0
    check_output(out)                             # before the adjoint runs on it
    if seed is None:
        if is_node(out):
            raise NonScalarOutputError(
                f"the output is a container {describe(out)}, not a scalar: pass seed= with the "
                "same structure (the cotangent of each item), or reduce it to a scalar")
        if np.ndim(out) != 0:
            raise NonScalarOutputError(
                f"the output has shape {np.shape(out)}, not a scalar: pass seed= (the cotangent "
                "of the output, as in PyTorch's backward(gradient=...)) or reduce it to a scalar")
        if isinstance(out, (np.floating, np.ndarray)) and np.asarray(out).dtype != np.float64:
            return np.asarray(out).dtype.type(1)
        return 1.0
    return check_seed(seed, out)


def item_cotangent(g, k):
    """Item ``k`` of a tuple cotangent (None, or a None item, means zero)."""
    if g is None:
        return 0.0
    item = g.get(k) if isinstance(g, dict) else g[k]
    return 0.0 if item is None else item


def own(x):
    """A private copy of an array cotangent about to be accumulated into in
    place inside a loop (numbers are returned as they are)."""
    return x.copy() if isinstance(x, np.ndarray) else x


def index_add(acc, idx, g):
    """``acc[idx] += g`` in place (repeated integer indices add up); returns
    ``acc``.  Only used on accumulators the compiler allocated itself."""
    if isinstance(idx, np.ndarray) or (isinstance(idx, tuple) and any(
            isinstance(i, (np.ndarray, list)) for i in idx)) or isinstance(idx, list):
        np.add.at(acc, idx, g)
    else:
        acc[idx] += g
    return acc


def extremum_add(acc, g, ans, a, owned=False):
    """``acc + extremum_adjoint(g, ans, a)`` (the cotangent of ``np.max(a)``
    or ``np.min(a)`` over all items, shared between ties), added at the
    extrema only, into ``acc`` itself when the compiler owns it (``owned``),
    else into a copy: no full-size array of zeros is made and added.  A
    number, a differently shaped ``acc`` or a non-number ``g`` get the plain
    sum."""
    hit = np.asarray(a) == ans
    if type(acc) is not np.ndarray or acc.shape != hit.shape or acc.dtype.kind not in "fc" \
            or np.ndim(g) != 0:
        return acc + hit * (g / max(np.count_nonzero(hit), 1))
    if not (owned and acc.flags.writeable and acc.flags.c_contiguous):
        acc = np.array(acc, dtype=np.result_type(acc, g))
    at = np.flatnonzero(hit)
    if at.size:
        acc.reshape(-1)[at] += g / at.size
    return acc


def zero_at_inplace(g, idx):
    """``g[idx] = 0`` in place; returns ``g`` (a cotangent the compiler owns).
    A container's structural cotangent is not changed in place."""
    if not isinstance(g, np.ndarray):
        return zero_at(g, idx)
    g[idx] = 0
    return g


# -- cotangents of an item: of a container's (structural) or an array's -------------
def tree_cotangent(x, key, g):
    """The cotangent of ``x`` when ``x[key]`` got the cotangent ``g``: a
    structural cotangent for a container, ``scatter_into`` for an array."""
    if g is None:
        return None
    if not is_node(x):
        return scatter_into(g, x, key)
    if isinstance(x, dict):
        return {key: g}
    n = len(x)
    items = [None] * n
    if isinstance(key, slice):
        for i, gi in zip(range(n)[key], g):
            items[i] = gi
    else:
        items[key] = g
    return items if isinstance(x, list) else tuple(items)


def _sequence(x):
    return isinstance(x, (list, tuple)) and not hasattr(x, "_fields")


def concat_cotangent(g, k, a, b):
    """The cotangent of operand ``k`` (0: ``a``, 1: ``b``) of ``a + b`` from
    the cotangent ``g`` of the sum.  For lists or tuples ``+`` concatenates:
    ``x`` gets its slice of ``g``; otherwise it is arithmetic (the compiler
    cannot always tell: an item of a container may be a number)."""
    x = b if k else a
    if g is None:
        return None
    if not (_sequence(a) and _sequence(b)):
        return unbroadcast(g, x)
    start = len(a) if k else 0
    part = list(g[start:start + len(x)])
    return part if isinstance(x, list) else tuple(part)


def repeat_cotangent(g, x, n, ans):
    """The cotangent of ``x`` from the cotangent ``g`` of ``x * n`` (``n``
    carries no gradient) equal to ``ans``: when ``ans`` is a list or tuple,
    item ``k`` of ``x`` gets the sum of items ``k, k + len(x), ...``;
    otherwise it was arithmetic (a NumPy scalar or array times a list
    broadcasts)."""
    if g is None:
        return None
    if not (_sequence(x) and _sequence(ans)):       # np.float64(2) * [a] is arithmetic
        return unbroadcast(g * n, x)
    items = [None] * len(x)
    for k, gk in enumerate(g):
        items[k % len(x)] = accumulate(items[k % len(x)], gk)
    return items if isinstance(x, list) else tuple(items)


def tree_index_add(acc, x, key, g):
    """``accumulate(acc, tree_cotangent(x, key, g))``, in place when ``x``
    is an array and ``acc`` an array the adjoint owns (``acc[key] += g``)."""
    if isinstance(acc, np.ndarray) and not is_node(x) and acc.shape == np.shape(x) \
            and g is not None:
        return index_add(acc, key, g)
    return accumulate(acc, tree_cotangent(x, key, g))


def zero_at(g, idx):
    """``g`` with ``g[idx]`` zeroed (a copy: ``g`` may be shared); for a
    container's structural cotangent, item ``idx`` becomes None (zero)."""
    if g is None or isinstance(g, (dict, list, tuple)):
        return container_zero_at(g, idx)
    g = np.array(g, copy=True)
    g[idx] = 0
    return g


def copy_item(g, idx):
    """``g[idx]``, copied if it is a view (``g`` may be zeroed in place next):
    the cotangent of ``v`` in ``a[idx] = v``.  Where an integer-array index
    repeats a position, NumPy keeps the last write, so only the last of the
    repeated entries gets that position's cotangent; the others get 0."""
    if g is None or isinstance(g, (dict, list, tuple)):
        return tree_item(g, idx)
    item = g[idx]
    if not isinstance(item, np.ndarray):
        return item
    if _is_basic(idx):
        return item.copy()
    return np.where(last_writes(np.shape(g), idx), item, 0)


def last_writes(shape, idx):
    """For ``a[idx] = v`` on an array of ``shape``: True for each entry of
    ``v``'s (broadcast) selection whose write NumPy keeps."""
    pos = np.full(shape, -1, dtype=np.intp)
    order = np.arange(pos[idx].size).reshape(pos[idx].shape)
    pos[idx] = order
    return pos[idx] == order
