"""Numba overloads for lists and tuples of arrays and for the builtins,
and twins of the cotangent helpers that take them apart again.

Numba's ``np.stack``/``np.concatenate`` take tuples only, ``np.array``
takes no list of arrays, ``abs`` no array, ``np.ndim`` is missing, and
``np.reshape`` takes neither ``order=`` nor a non-contiguous array.
Example: for ``np.stack([x[0], x[1] * 2.0])`` (a list: Numba types it
``list(array(float64, 1d, C))``)::

    out = np.empty((len(arrays),) + arrays[0].shape)    # every piece checked
    out[i] = arrays[i]                                  # row by row

and ``axis=k`` moves the new axis to ``k`` afterwards (a transpose chosen
at typing time).  The cotangent of a list argument is an array whose rows
are the items' cotangents: ``item_cotangent(g, k)`` indexes it like the
tuple the Python backend builds.
"""
from __future__ import annotations

import operator

import numpy as np
from numba import literal_unroll, types
from numba.core.errors import TypingError
from numba.extending import overload, register_jitable

from ..rules import adjoints, arithmetic
from .numba_axis_twins import _axis
from .numba_twins import _twin, is_array, is_scalar

__all__ = []


def _array_list(t):
    """A reflected/typed list, or a homogeneous tuple, of arrays."""
    return isinstance(t, (types.List, types.UniTuple)) and is_array(t.dtype)


def _scalar_list(t):
    return isinstance(t, (types.List, types.UniTuple)) and is_scalar(t.dtype)


def _moved_to(nd, k):
    """The permutation that takes axis 0 of an ``nd``-array to position ``k``."""
    order = list(range(1, nd))
    order.insert(k, 0)
    return tuple(order)


@register_jitable
def _stack0(arrays):
    n = len(arrays)
    if n == 0:
        raise ValueError("need at least one array to stack")
    first = arrays[0]
    out = np.empty((n,) + first.shape, dtype=first.dtype)
    for i in range(n):
        if arrays[i].shape != first.shape:
            raise ValueError("all input arrays must have the same shape")
        out[i] = arrays[i]
    return out


@register_jitable
def _numbers(items, like):
    out = np.empty(len(items), dtype=like.dtype)
    for i in range(len(items)):
        out[i] = items[i]
    return out


@overload(np.stack, prefer_literal=True)
def _stack_list(arrays, axis=0, out=None):
    if _scalar_list(arrays) and isinstance(arrays.dtype, (types.Float, types.Integer)):
        # numbers stack to a 1-d array (0-d arrays, as NumPy sees them)
        _axis(types.literal(0) if isinstance(axis, (types.Omitted, int)) else axis, 1, "np.stack")
        like = np.zeros(0, dtype=np.dtype(str(arrays.dtype)))

        return lambda arrays, axis=0, out=None: _numbers(arrays, like)
    if not (isinstance(arrays, types.List) and is_array(arrays.dtype)):
        return None
    nd = arrays.dtype.ndim + 1
    ax = types.literal(0) if isinstance(axis, (types.Omitted, int)) else axis
    k = _axis(ax, nd, "np.stack")
    if k == 0:
        return lambda arrays, axis=0, out=None: _stack0(arrays)
    perm = _moved_to(nd, k)
    return lambda arrays, axis=0, out=None: np.ascontiguousarray(
        np.transpose(_stack0(arrays), perm))


@register_jitable
def _concat0(arrays):
    n = len(arrays)
    if n == 0:
        raise ValueError("need at least one array to concatenate")
    first = arrays[0]
    total = 0
    for i in range(n):
        if arrays[i].shape[1:] != first.shape[1:]:
            raise ValueError("all the input array dimensions except for the concatenation "
                             "axis must match exactly")
        total += arrays[i].shape[0]
    out = np.empty((total,) + first.shape[1:], dtype=first.dtype)
    at = 0
    for i in range(n):
        m = arrays[i].shape[0]
        out[at:at + m] = arrays[i]
        at += m
    return out


@overload(np.concatenate, prefer_literal=True)
def _concatenate_list(arrays, axis=0, out=None):
    if not (isinstance(arrays, types.List) and is_array(arrays.dtype)):
        return None
    nd = arrays.dtype.ndim
    ax = types.literal(0) if isinstance(axis, (types.Omitted, int)) else axis
    k = _axis(ax, nd, "np.concatenate")
    if k is None:
        raise TypingError("np.concatenate with axis=None is not supported by the Numba backend")
    if k == 0:
        return lambda arrays, axis=0, out=None: _concat0(arrays)
    to_front = tuple([k] + [d for d in range(nd) if d != k])
    back = _moved_to(nd, k)

    def impl(arrays, axis=0, out=None):
        moved = [np.transpose(a, to_front) for a in arrays]
        return np.ascontiguousarray(np.transpose(_concat0(moved), back))
    return impl


@overload(np.array)
def _array_of_arrays(object, dtype=None):
    if isinstance(object, types.List) and is_array(object.dtype):
        return lambda object, dtype=None: _stack0(object)
    return None


@overload(np.asarray)
def _asarray_of_arrays(a, dtype=None):
    if isinstance(a, types.List) and is_array(a.dtype):
        return lambda a, dtype=None: _stack0(a)
    return None


@overload(abs)
def _abs_array(x):
    if is_array(x):
        return lambda x: np.abs(x)
    return None


@overload(np.ndim)
def _ndim(a):
    if is_array(a):
        nd = a.ndim
        return lambda a: nd
    if is_scalar(a):
        return lambda a: 0
    if isinstance(a, types.UniTuple) and is_scalar(a.dtype):
        return lambda a: 1
    return None


@overload(np.reshape, prefer_literal=True)
def _reshape_any_layout(a, newshape, order="C"):
    """``order='C'`` (what the rules of reshape/ravel pass), and an array
    that is not C-contiguous (copied first, as NumPy does)."""
    if not is_array(a):
        return None
    if isinstance(order, types.StringLiteral) and order.literal_value != "C":
        raise TypingError(f"np.reshape(order={order.literal_value!r}) is not supported by the "
                          "Numba backend")
    if isinstance(order, types.Omitted) and a.layout == "C":
        return None
    return lambda a, newshape, order="C": np.ascontiguousarray(a).reshape(newshape)


# -- cotangent helpers of containers ---------------------------------------------------------
@_twin(adjoints.unstack_cotangent, prefer_literal=True)
def _unstack_cotangent(g, axis=0):
    """The pieces along ``axis``, as an array whose rows they are."""
    if not is_array(g):
        return None
    k = _axis(types.literal(0) if isinstance(axis, (types.Omitted, int)) else axis, g.ndim,
              "the gradient of np.stack")
    perm = tuple([k] + [d for d in range(g.ndim) if d != k])
    return lambda g, axis=0: np.ascontiguousarray(np.transpose(g, perm))


@_twin(arithmetic.extremum_cotangent, prefer_literal=True)
def _extremum_cotangent(g, ans, args, k):
    """``max(a, b, ...)``: the numbers tied with the result share ``g``;
    ``max(seq)`` of an array or list of numbers: an array of shares."""
    if not isinstance(args, types.BaseTuple):
        return None
    if len(args.types) == 1:
        seq = args.types[0]
        if is_array(seq) or _scalar_list(seq):
            def impl_seq(g, ans, args, k):
                a = np.asarray(args[0])
                hit = (a == ans) * 1.0
                return g * hit / hit.sum()
            return impl_seq
        return None
    if not all(is_scalar(t) for t in args.types):
        return None

    def impl(g, ans, args, k):
        n = 0
        for v in literal_unroll(args):
            if v == ans:
                n += 1
        return g / n if args[k] == ans else g * 0.0
    return impl


@_twin(arithmetic.sum_cotangent)
def _sum_cotangent(g, iterable):
    if is_array(iterable) and is_scalar(g):
        return lambda g, iterable: np.full(iterable.shape, g)
    if is_array(iterable) and is_array(g):
        return lambda g, iterable: np.broadcast_to(g, iterable.shape).copy()
    if _scalar_list(iterable) and is_scalar(g):
        return lambda g, iterable: np.full(len(iterable), g)
    return None


@register_jitable
def _pieces0(g, sizes):
    """``g`` cut along axis 0 into consecutive pieces of ``sizes``."""
    out = [g[0:sizes[0]]]
    at = sizes[0]
    for i in range(1, len(sizes)):
        out.append(g[at:at + sizes[i]])
        at += sizes[i]
    return out


@_twin(adjoints.unconcatenate, prefer_literal=True)
def _unconcatenate(g, arrays, axis=0):
    """The pieces of ``g`` shaped like each of ``arrays`` (same rank as
    ``g``), as a list: ``item_cotangent(pieces, k)`` reads piece k."""
    if not is_array(g):
        return None
    if isinstance(arrays, (types.List, types.UniTuple)) and is_array(arrays.dtype):
        ranks = {arrays.dtype.ndim}
    elif isinstance(arrays, types.BaseTuple) and all(is_array(t) for t in arrays.types):
        ranks = {t.ndim for t in arrays.types}
    else:
        return None
    if ranks != {g.ndim}:
        raise TypingError("the gradient of a concatenation of arrays of another rank than "
                          "the result's is not supported by the Numba backend")
    k = _axis(types.literal(0) if isinstance(axis, (types.Omitted, int)) else axis, g.ndim,
              "the gradient of np.concatenate")
    if k is None:
        raise TypingError("the gradient of np.concatenate(axis=None) is not supported by the "
                          "Numba backend")
    to_front = tuple([k] + [d for d in range(g.ndim) if d != k])
    back = _moved_to(g.ndim, k)

    if isinstance(arrays, types.List):
        def impl_list(g, arrays, axis=0):
            sizes = np.empty(len(arrays), np.intp)
            for i in range(len(arrays)):
                sizes[i] = arrays[i].shape[k]
            moved = np.ascontiguousarray(np.transpose(g, to_front))
            return [np.ascontiguousarray(np.transpose(p, back)) for p in _pieces0(moved, sizes)]
        return impl_list

    def impl(g, arrays, axis=0):
        sizes = np.empty(len(arrays), np.intp)
        i = 0
        for a in literal_unroll(arrays):
            sizes[i] = a.shape[k]
            i += 1
        moved = np.ascontiguousarray(np.transpose(g, to_front))
        return [np.ascontiguousarray(np.transpose(p, back)) for p in _pieces0(moved, sizes)]
    return impl


@overload(operator.getitem)
def _getitem_list(a, idx):
    """``x[[0, 2, 2]]``: a list of ints indexes as the array of them."""
    if is_array(a) and isinstance(idx, types.List) and isinstance(idx.dtype, types.Integer):
        return lambda a, idx: a[np.array(idx)]
    return None
