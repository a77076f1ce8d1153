"""Numba overloads of NumPy's reductions and scans over an axis, and twins
of their adjoints (rules/adjoints.py, rules/numpy_reductions.py).

Numba's own ``np.max``, ``np.prod``, ``np.std``, ``np.cumsum``, ``np.sort``
... take no ``axis`` (nor ``keepdims``).  Here each is one loop over
*rows*: the array with the reduced axis moved last, as a C array of shape
``(m, n)``.  Example: for ``np.max(x, axis=0)`` with ``x`` of shape (3, 4)::

    perm = (1, 0)                          # typing time: the axis goes last
    rows = transpose(x, perm) -> (4, 3)    # one row per result entry
    out[i] = max(rows[i])                  # reshaped to (4,), or (1, 4) with keepdims

A scan (``cumsum``, ``sort``, ``flip``) writes rows of the same length and
transposes them back.  The adjoints (``extremum_adjoint``, ``prod_adjoint``,
``var_adjoint``, ``spread_or_zero``, ``untake_along_axis``) use the same
rows: entry ``i`` of a reduction's result (or cotangent) belongs to row
``i``, since both are laid out in C order over the kept axes.

The axis must be a constant (``prefer_literal``): the permutation is chosen
when Numba types the call.  An overload declines (returns None) for the
arguments it does not handle, so Numba's own implementation, or its error,
applies.
"""
from __future__ import annotations

import numpy as np
from numba import types
from numba.core.errors import TypingError
from numba.extending import overload, register_jitable

from ..rules import adjoints
from ..rules import numpy_reductions
from .numba_twins import _twin, _none, is_array

__all__ = []


# -- the row layout ---------------------------------------------------------------------
def _axis(axis, nd, what):
    """The reduced axis (an int in range), None for every axis; a
    TypingError naming ``what`` for an axis that is not a constant int."""
    if _none(axis):
        return None
    if isinstance(axis, types.IntegerLiteral):
        k = axis.literal_value
        if not -nd <= k < nd:
            raise TypingError(f"{what}: axis {k} is out of bounds for an array of dimension {nd}")
        return k % nd
    if isinstance(axis, types.Integer):
        raise TypingError(f"{what}: the Numba backend needs a constant axis (a number "
                          "written in the call)")
    raise TypingError(f"{what}: axis of type {axis} is not supported by the Numba backend")


def _keep(keepdims):
    if _none(keepdims):
        return False
    if isinstance(keepdims, types.BooleanLiteral):
        return keepdims.literal_value
    if isinstance(keepdims, types.Boolean):
        raise TypingError("keepdims must be a constant for the Numba backend")
    return False


def _perms(nd, k):
    perm = tuple(d for d in range(nd) if d != k) + (k,)
    inv = tuple(perm.index(d) for d in range(nd))
    return perm, inv


@register_jitable
def _to_rows(a, perm):
    """``a`` with the axis ``perm[-1]`` last, as a C array (rows, n)."""
    t = np.ascontiguousarray(np.transpose(a, perm))
    n = t.shape[-1]
    m = t.size // n if n > 0 else 0
    return t.reshape((m, n)), t.shape


@register_jitable
def _from_rows(r, tshape, inv):
    """The inverse of ``_to_rows``: rows back in ``a``'s layout (C order)."""
    return np.ascontiguousarray(np.transpose(r.reshape(tshape), inv))


def _reducer_impl(kernel, nd, k, keep, dt):
    """A jitted ``f(a, extra)``: ``kernel(row, extra)`` over axis ``k`` (every
    axis when None), the result shaped as NumPy's (``keep``: keepdims)."""
    if k is None:
        ones = (1,) * nd

        def whole(a, extra):
            v = kernel(np.ascontiguousarray(a).ravel(), extra)
            if keep:
                return np.full(ones, v)
            return v
        return register_jitable(whole)
    perm, _ = _perms(nd, k)
    if nd == 1 and not keep:
        def one(a, extra):
            return kernel(np.ascontiguousarray(a), extra)
        return register_jitable(one)

    def rows(a, extra):
        r, ts = _to_rows(a, perm)
        out = np.empty(r.shape[0], dtype=dt)
        for i in range(r.shape[0]):
            out[i] = kernel(r[i], extra)
        res = out.reshape(ts[:-1])
        if keep:
            return np.expand_dims(res, k)
        return res
    return register_jitable(rows)


# -- row kernels (a row, a tuple of extra arguments) --------------------------------------
@register_jitable
def _k_max(row, args):
    return row.max()


@register_jitable
def _k_min(row, args):
    return row.min()


@register_jitable
def _k_prod(row, args):
    return row.prod()


@register_jitable
def _k_ptp(row, args):
    return row.max() - row.min()


@register_jitable
def _k_var(row, args):
    ddof = args[0]
    n = row.size
    mean = row.sum() / n
    s = 0.0
    for v in row:
        s += (v - mean) * (v - mean)
    return s / (n - ddof)


@register_jitable
def _k_std(row, args):
    return np.sqrt(_k_var(row, args))


def _result_dtype(a, to_float):
    dt = np.dtype(str(a.dtype)) if isinstance(a.dtype, (types.Float, types.Integer)) \
        else np.dtype(np.float64)
    if to_float and dt.kind != "f":
        return np.dtype(np.float64)
    return dt


def _reducer(fn, kernel, with_ddof=False, extra_kw=None):
    """Overload ``fn`` (np.max, np.var...) for a constant int ``axis``, and
    for ``keepdims`` (or a ``ddof``) over every axis, which Numba's lacks."""
    name = f"np.{fn.__name__}"

    def pick(a, axis, keepdims, own_ok):
        if not is_array(a):
            return None
        k, keep = _axis(axis, a.ndim, name), _keep(keepdims)
        if k is None and not keep and own_ok:
            return None                      # Numba's own implementation
        return _reducer_impl(kernel, a.ndim, k, keep, _result_dtype(a, with_ddof))

    if with_ddof:
        @overload(fn, prefer_literal=True)
        def _ov(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
            if not (_none(dtype) and _none(out)):
                return None
            own = isinstance(ddof, types.Omitted) or (
                isinstance(ddof, types.IntegerLiteral) and ddof.literal_value == 0)
            f = pick(a, axis, keepdims, own)
            if f is None:
                return None

            def impl(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
                return f(a, (ddof,))
            return impl
        return _ov

    if extra_kw == "dtype":
        @overload(fn, prefer_literal=True)
        def _ov_dtype(a, axis=None, dtype=None, out=None, keepdims=False):
            if not (_none(dtype) and _none(out)):
                return None
            f = pick(a, axis, keepdims, True)
            if f is None:
                return None

            def impl(a, axis=None, dtype=None, out=None, keepdims=False):
                return f(a, (0,))
            return impl
        return _ov_dtype

    @overload(fn, prefer_literal=True)
    def _ov(a, axis=None, out=None, keepdims=False):
        if not _none(out):
            return None
        f = pick(a, axis, keepdims, True)
        if f is None:
            return None

        def impl(a, axis=None, out=None, keepdims=False):
            return f(a, (0,))
        return impl
    return _ov


for _fn, _kern in ((np.max, _k_max), (np.amax, _k_max), (np.min, _k_min), (np.amin, _k_min),
                   (np.ptp, _k_ptp)):
    if _fn is np.amax and np.amax is np.max or _fn is np.amin and np.amin is np.min:
        continue
    _reducer(_fn, _kern)
_reducer(np.var, _k_var, with_ddof=True)
_reducer(np.std, _k_std, with_ddof=True)


_reducer(np.prod, _k_prod, extra_kw="dtype")


# -- scans along an axis: cumsum, flip, sort, argsort ---------------------------------------
def _scan_impl(kernel, nd, k, dt):
    """A jitted ``f(a)``: ``kernel(row, out_row)`` along axis ``k`` (the
    flattened array when None), the result in ``a``'s shape (flat for None)."""
    if k is None:
        def flat(a):
            r = np.ascontiguousarray(a).ravel()
            out = np.empty(r.size, dtype=dt)
            kernel(r, out)
            return out
        return register_jitable(flat)
    perm, inv = _perms(nd, k)

    def along(a):
        r, ts = _to_rows(a, perm)
        out = np.empty(r.shape, dtype=dt)
        for i in range(r.shape[0]):
            kernel(r[i], out[i])
        return _from_rows(out, ts, inv)
    return register_jitable(along)


@register_jitable
def _s_cumsum(row, out):
    acc = out.dtype.type(0)
    for j in range(row.size):
        acc += row[j]
        out[j] = acc


@register_jitable
def _s_flip(row, out):
    n = row.size
    for j in range(n):
        out[j] = row[n - 1 - j]


@register_jitable
def _s_sort(row, out):
    out[:] = np.sort(row)


@register_jitable
def _s_argsort(row, out):
    out[:] = np.argsort(row, kind="mergesort")


def _scan_overload(fn, kernel, default_axis, result, extra=()):
    name = f"np.{fn.__name__}"

    def pick(a, axis, own_ok):
        if not is_array(a):
            return None
        if _none(axis) and default_axis is not None:
            return None
        if isinstance(axis, types.Omitted):
            axis = types.literal(default_axis) if default_axis is not None else types.none
        k = _axis(axis, a.ndim, name)
        if own_ok and (k is None or a.ndim == 1):
            return None
        return _scan_impl(kernel, a.ndim, k, result(a))
    return pick


_cumsum = _scan_overload(np.cumsum, _s_cumsum, None,
                         lambda a: np.dtype(np.int64) if isinstance(a.dtype, types.Integer)
                         else np.dtype(str(a.dtype)))


@overload(np.cumsum, prefer_literal=True)
def _cumsum_axis(a, axis=None, dtype=None, out=None):
    if not (_none(dtype) and _none(out)) or _none(axis):
        return None
    f = _cumsum(a, axis, False)
    if f is None:
        return None
    return lambda a, axis=None, dtype=None, out=None: f(a)


_flip = _scan_overload(np.flip, _s_flip, None, lambda a: np.dtype(str(a.dtype)))


@overload(np.flip, prefer_literal=True)
def _flip_axis(m, axis=None):
    if not is_array(m):
        return None
    if _none(axis):
        def impl_all(m, axis=None):
            r = np.ascontiguousarray(m).ravel()
            out = np.empty_like(r)
            _s_flip(r, out)
            return out.reshape(m.shape)
        return impl_all
    f = _flip(m, axis, False)
    return lambda m, axis=None: f(m)


_sort = _scan_overload(np.sort, _s_sort, -1, lambda a: np.dtype(str(a.dtype)))


@overload(np.sort, prefer_literal=True)
def _sort_axis(a, axis=-1, kind=None, order=None):
    if not is_array(a) or not _none(order):
        return None
    if _none(axis) and not isinstance(axis, types.Omitted):
        return lambda a, axis=-1, kind=None, order=None: np.sort(np.ascontiguousarray(a).ravel())
    if isinstance(axis, types.Omitted):
        axis = types.literal(-1)
    if a.ndim == 1 and _none(kind):
        return None
    f = _scan_impl(_s_sort, a.ndim, _axis(axis, a.ndim, "np.sort"), np.dtype(str(a.dtype)))
    return lambda a, axis=-1, kind=None, order=None: f(a)


@overload(np.argsort, prefer_literal=True)
def _argsort_axis(a, axis=-1, kind=None, order=None):
    if not is_array(a) or not _none(order):
        return None
    if isinstance(kind, types.StringLiteral) and kind.literal_value not in (
            "stable", "mergesort", "quicksort"):
        return None
    stable = isinstance(kind, types.StringLiteral) and kind.literal_value in ("stable", "mergesort")
    if a.ndim == 1 and not stable:
        return None                      # Numba's own (NumPy's default kind is not stable)
    if _none(axis) and not isinstance(axis, types.Omitted):
        f = _scan_impl(_s_argsort, a.ndim, None, np.dtype(np.intp))
    else:
        k = -1 if isinstance(axis, types.Omitted) else axis
        k = _axis(types.literal(k) if isinstance(k, int) else k, a.ndim, "np.argsort")
        f = _scan_impl(_s_argsort, a.ndim, k, np.dtype(np.intp))
    return lambda a, axis=-1, kind=None, order=None: f(a)


# -- adjoints over an axis (rules/adjoints.py) ----------------------------------------------
def _rows_of(a, axis, what):
    """(perm, inv) of the row layout of ``a`` for ``axis`` (every axis: None)."""
    k = _axis(axis, a.ndim, what)
    return (None, None) if k is None else _perms(a.ndim, k)


def _flat(v):
    """A jitted ``f(v, m)``: ``v`` (a number, or an array of m entries) as a
    flat C array of ``m`` entries."""
    if is_array(v):
        return lambda v, m: np.ascontiguousarray(v).ravel() if v.size == m else \
            np.ascontiguousarray(np.broadcast_to(v, (m,))).ravel()
    return lambda v, m: np.full(m, v)


def _row_adjoint(kernel, name, with_extra=False):
    """The twin body of an adjoint ``kernel(row, g_i, ans_i, out_row, extra)``
    run per row: ``g`` and ``ans`` hold one entry per row (a reduction's
    result, with or without keepdims)."""
    def build(g, ans, a, axis, extra_type=None):
        if not is_array(a):
            return None
        dt = _result_dtype(a, True)
        if _axis(axis, a.ndim, name) is None:
            def whole(g, ans, a, extra):
                r = np.ascontiguousarray(a).ravel()
                out = np.empty(r.size, dtype=dt)
                kernel(r, g, ans, out, extra)
                return out.reshape(a.shape)
            return register_jitable(whole)
        perm, inv = _rows_of(a, axis, name)
        gflat = register_jitable(_flat(g))
        aflat = register_jitable(_flat(ans))

        def along(g, ans, a, extra):
            r, ts = _to_rows(a, perm)
            m = r.shape[0]
            gf, af = gflat(g, m), aflat(ans, m)
            out = np.empty(r.shape, dtype=dt)
            for i in range(m):
                kernel(r[i], gf[i], af[i], out[i], extra)
            return _from_rows(out, ts, inv)
        return register_jitable(along)
    return build


def _scalar(v):
    """A jitted ``f(v)``: a number, or the one entry of an array of size 1."""
    if is_array(v):
        return register_jitable(lambda v: np.ascontiguousarray(v).ravel()[0])
    return register_jitable(lambda v: v)


@register_jitable
def _a_extremum(row, g, ext, out, extra):
    count = 0
    for v in row:
        if v == ext:
            count += 1
    share = g / max(count, 1)
    for j in range(row.size):
        out[j] = share if row[j] == ext else 0.0


@register_jitable
def _a_prod(row, g, ans, out, extra):
    n = row.size
    left = 1.0
    for j in range(n):
        out[j] = left
        left *= row[j]
    right = 1.0
    for j in range(n - 1, -1, -1):
        out[j] *= right * g
        right *= row[j]


@register_jitable
def _a_var(row, g, ans, out, extra):
    n = row.size
    mean = row.sum() / n
    c = g * 2.0 / (n - extra)
    for j in range(n):
        out[j] = c * (row[j] - mean)


_extremum = _row_adjoint(_a_extremum, "the gradient of np.max/np.min")
_prod = _row_adjoint(_a_prod, "the gradient of np.prod")
_var = _row_adjoint(_a_var, "the gradient of np.var/np.std")


@_twin(adjoints.extremum_adjoint, prefer_literal=True)
def _extremum_adjoint(g, ans, a, axis=None, keepdims=False, where=True):
    if not (where is None or isinstance(where, (types.Omitted, types.BooleanLiteral))
            or (isinstance(where, types.Boolean))):
        raise TypingError("the gradient of np.max/np.min with where= is not supported by "
                          "the Numba backend")
    if not is_array(a):
        return lambda g, ans, a, axis=None, keepdims=False, where=True: g
    f = _extremum(g, ans, a, axis)
    if _axis(axis, a.ndim, "np.max") is None:
        gs, an = _scalar(g), _scalar(ans)      # numbers, or size-1 arrays (keepdims)
        return lambda g, ans, a, axis=None, keepdims=False, where=True: f(gs(g), an(ans), a, 0)
    return lambda g, ans, a, axis=None, keepdims=False, where=True: f(g, ans, a, 0)


@_twin(adjoints.prod_adjoint, prefer_literal=True)
def _prod_adjoint(g, a, axis=None, keepdims=False):
    if not is_array(a):
        return lambda g, a, axis=None, keepdims=False: g * 1.0
    f = _prod(g, g, a, axis)
    if _axis(axis, a.ndim, "np.prod") is None:
        gs = _scalar(g)
        return lambda g, a, axis=None, keepdims=False: f(gs(g), 0.0, a, 0)
    return lambda g, a, axis=None, keepdims=False: f(g, g, a, 0)


@_twin(adjoints.var_adjoint, prefer_literal=True)
def _var_adjoint(g, a, axis=None, ddof=0, keepdims=False):
    if not is_array(a):
        return lambda g, a, axis=None, ddof=0, keepdims=False: g * 0.0
    f = _var(g, g, a, axis)
    if _axis(axis, a.ndim, "np.var") is None:
        gs = _scalar(g)
        return lambda g, a, axis=None, ddof=0, keepdims=False: f(gs(g), 0.0, a, ddof)
    return lambda g, a, axis=None, ddof=0, keepdims=False: f(g, g, a, ddof)


@_twin(numpy_reductions.spread_or_zero, prefer_literal=True)
def _spread_or_zero(ans, a, axis=None, keepdims=False):
    """``ans`` (a std), 0 where the row it summarises has no spread."""
    if not is_array(a):
        return lambda ans, a, axis=None, keepdims=False: ans * 0.0
    k = _axis(axis, a.ndim, "the gradient of np.std")
    if k is None:
        def impl_all(ans, a, axis=None, keepdims=False):
            return ans * 0.0 if np.max(a) == np.min(a) else ans
        return impl_all
    perm, _ = _perms(a.ndim, k)

    def impl(ans, a, axis=None, keepdims=False):
        r, ts = _to_rows(a, perm)
        out = np.ascontiguousarray(ans).copy()
        flat = out.reshape(-1)
        for i in range(r.shape[0]):
            if r[i].max() == r[i].min():
                flat[i] = 0.0
        return out
    return impl


@_twin(adjoints.untake_along_axis, prefer_literal=True)
def _untake_along_axis(g, arr, indices, axis=-1):
    """For np.sort's adjoint: ``indices`` of the same shape as ``g``."""
    if not (is_array(arr) and is_array(g) and is_array(indices)):
        return None
    dt = _result_dtype(arr, True)
    if _none(axis) and not isinstance(axis, types.Omitted):
        def impl_flat(g, arr, indices, axis=-1):
            out = np.zeros(arr.size, dtype=dt)
            gf = np.ascontiguousarray(g).ravel()
            idx = np.ascontiguousarray(indices).ravel()
            for j in range(idx.size):
                out[idx[j]] += gf[j]
            return out.reshape(arr.shape)
        return impl_flat
    ax = types.literal(-1) if isinstance(axis, types.Omitted) else axis
    perm, inv = _perms(arr.ndim, _axis(ax, arr.ndim, "the gradient of np.sort"))

    def impl(g, arr, indices, axis=-1):
        gr, ts = _to_rows(g, perm)
        ir, _ = _to_rows(indices, perm)
        if gr.shape != ir.shape:
            raise ValueError("untake_along_axis: the Numba backend needs indices shaped like g")
        out = np.zeros(gr.shape, dtype=dt)
        for i in range(gr.shape[0]):
            for j in range(gr.shape[1]):
                out[i, ir[i, j]] += gr[i, j]
        return _from_rows(out, ts, inv)
    return impl

