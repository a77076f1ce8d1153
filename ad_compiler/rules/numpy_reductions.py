"""Reductions and scans: sum, mean, prod, max/min, var/std, cumsum/cumprod,
average, diff, sort, trapezoid; functions and ``np.ndarray`` methods.

Example: ``np.max(x, axis=1)`` has the rule
    max_a(g, ans, a, axis=None, ...) -> extremum_adjoint(g, ans, a, axis, keepdims)
which sends the cotangent of each row's maximum to the elements equal to
it, split evenly between ties.  ``axis`` may be an int, a tuple or None;
``keepdims`` and the ``where=`` mask of sum/mean/max/min are honoured.
Subgradient conventions: max/min/ptp split ties evenly; std at zero spread
has gradient 0 (like a norm at 0); prod and cumprod are exact with zeros.
"""
import numpy as np

from ..runtime import div_or_zero, reduced_count, unreduce
from .adjoints import (cumprod_adjoint, extremum_adjoint, float_dtype, prod_adjoint,
                       untake_along_axis, var_adjoint)
from .derive import reduction, transposed
from .registry import declare, defjvp, defvjp
from .tangents import zero_ends


def sum_a(g, ans, a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=True):
    return unreduce(g, a, axis, keepdims, where)


def mean_a(g, ans, a, axis=None, dtype=None, out=None, keepdims=False, *, where=True):
    return unreduce(g, a, axis, keepdims, where) / reduced_count(a, axis, where)


def nansum_a(g, ans, a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=True):
    return np.where(np.isnan(a), 0, unreduce(g, a, axis, keepdims, where))


def nanmean_a(g, ans, a, axis=None, dtype=None, out=None, keepdims=False, *, where=True):
    return np.where(np.isnan(a), 0, unreduce(g, a, axis, keepdims) / np.sum(
        ~np.isnan(a), axis=axis, keepdims=True, dtype=float_dtype(a)))


def prod_a(g, ans, a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=True):
    return prod_adjoint(g, a, axis, keepdims)


def max_a(g, ans, a, axis=None, out=None, keepdims=False, initial=None, where=True):
    return extremum_adjoint(g, ans, a, axis, keepdims, where)


def ptp_a(g, ans, a, axis=None, out=None, keepdims=False):
    return (extremum_adjoint(g, np.max(a, axis=axis, keepdims=keepdims), a, axis, keepdims)
            - extremum_adjoint(g, np.min(a, axis=axis, keepdims=keepdims), a, axis, keepdims))


def var_a(g, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, correction=None):
    return var_adjoint(g, a, axis, ddof if correction is None else correction, keepdims)


def std_a(g, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, correction=None):
    return var_adjoint(div_or_zero(0.5 * g, spread_or_zero(ans, a, axis, keepdims)), a, axis,
                       ddof if correction is None else correction, keepdims)


def spread_or_zero(ans, a, axis=None, keepdims=False):
    """``ans`` (a std), but exactly 0 where the entries it summarises are all
    equal: their rounded mean can differ from them by an ulp, which leaves
    a std of 1e-17 instead of 0 and a gradient of O(1) instead of the
    subgradient 0."""
    return np.where(np.ptp(a, axis=axis, keepdims=keepdims) == 0, 0, ans)


def cumsum_a(g, ans, a, axis=None, dtype=None, out=None):
    return np.reshape(np.flip(np.cumsum(np.flip(g, axis), axis), axis), np.shape(a))


def cumprod_a(g, ans, a, axis=None, dtype=None, out=None):
    return cumprod_adjoint(g, a, axis)


def cumulative_sum_x(g, ans, x, *, axis=None, dtype=None, out=None, include_initial=False):
    ax = 0 if axis is None else axis
    if include_initial:
        g = np.delete(g, 0, axis=ax)
    return np.flip(np.cumsum(np.flip(g, ax), ax), ax)


def cumulative_prod_x(g, ans, x, *, axis=None, dtype=None, out=None, include_initial=False):
    ax = 0 if axis is None else axis
    if include_initial:
        g = np.delete(g, 0, axis=ax)
    return cumprod_adjoint(g, x, ax)


def _average_weights(a, axis, weights):
    w = np.asarray(weights)
    if w.ndim == 1 and np.ndim(a) > 1:
        shape = [1] * np.ndim(a)
        shape[axis] = w.shape[0]
        w = w.reshape(shape)
    return np.broadcast_to(w, np.shape(a))


def average_a(g, ans, a, axis=None, weights=None, returned=False, *, keepdims=False):
    if returned:
        raise NotImplementedError("gradient of np.average(..., returned=True)")
    if weights is None:
        return unreduce(g, a, axis, keepdims) / reduced_count(a, axis)
    w = _average_weights(a, axis, weights)
    return unreduce(g, a, axis, keepdims) * w / np.sum(w, axis=axis, keepdims=True)


def average_weights(g, ans, a, axis=None, weights=None, returned=False, *, keepdims=False):
    w = _average_weights(a, axis, weights)
    avg = unreduce(ans, a, axis, keepdims)
    r = unreduce(g, a, axis, keepdims) * (a - avg) / np.sum(w, axis=axis, keepdims=True)
    if np.ndim(weights) == 1 and np.ndim(a) > 1:
        return np.sum(r, axis=tuple(i for i in range(np.ndim(a)) if i != axis % np.ndim(a)))
    return r


def diff_a(g, ans, a, n=1, axis=-1, prepend=np._NoValue, append=np._NoValue):
    zero = np.zeros((), dtype=np.result_type(g))
    for _ in range(n):                    # the adjoint of one difference, n times
        g = -np.diff(g, axis=axis, prepend=zero, append=zero)
    if prepend is np._NoValue and append is np._NoValue:
        return g
    start = 0 if prepend is np._NoValue else 1 if np.ndim(prepend) == 0 else np.shape(prepend)[axis]
    return np.take(g, np.arange(start, start + np.shape(a)[axis]), axis=axis)


def sort_a(g, ans, a, axis=-1, kind=None, order=None, *, stable=None):
    return untake_along_axis(g, a, np.argsort(a, axis=axis, kind="stable"), axis)


def trapezoid_y(g, ans, y, x=None, dx=1.0, axis=-1):
    n = np.shape(y)[axis]
    d = np.full(n - 1, dx, dtype=float_dtype(y)) if x is None else np.diff(x, axis=axis)
    if np.ndim(d) == 1:
        shape = [1] * np.ndim(y)
        shape[axis] = n - 1
        d = d.reshape(shape)
    d = np.moveaxis(np.broadcast_to(d, np.shape(np.diff(y, axis=axis))), axis, -1)
    zero = np.zeros(d.shape[:-1] + (1,), dtype=d.dtype)
    w = 0.5 * (np.concatenate([zero, d], -1) + np.concatenate([d, zero], -1))
    return np.moveaxis(w, -1, axis) * np.expand_dims(g, axis)


# (rank="reduction": over every axis, a number)
for _fn in (np.sum, np.ndarray.sum):
    defvjp(_fn, sum_a, linear=True, doc="axis, keepdims, where=", rank="reduction")
for _fn in (np.mean, np.ndarray.mean):
    defvjp(_fn, mean_a, linear=True, doc="axis, keepdims, where=", rank="reduction")
defvjp(np.nansum, nansum_a, linear=True, doc="NaN entries get 0", rank="reduction")
defvjp(np.nanmean, nanmean_a, linear=True, doc="NaN entries get 0; where= unsupported",
       rank="reduction")
for _fn in (np.prod, np.ndarray.prod):
    defvjp(_fn, prod_a, doc="product of the other factors: exact with zeros", rank="reduction")
for _fn in (np.max, np.amax, np.ndarray.max, np.min, np.amin, np.ndarray.min,
            np.nanmax, np.nanmin):
    defvjp(_fn, max_a, doc="ties split the cotangent evenly; none to a winning `initial`",
           rank="reduction")
defvjp(np.ptp, ptp_a, doc="max - min, ties split evenly", rank="reduction")
for _fn in (np.var, np.ndarray.var):
    defvjp(_fn, var_a, doc="ddof / correction; where= and mean= unsupported", rank="reduction")
for _fn in (np.std, np.ndarray.std):
    defvjp(_fn, std_a, doc="ddof / correction; gradient 0 where std == 0", rank="reduction")
# Numba's array methods take no keepdims (nor axis for mean): given keywords, it gets these
declare(np.ndarray.sum, numba_function=np.sum)
declare(np.ndarray.mean, numba_function=np.mean)
for _m, _f in ((np.ndarray.max, np.max), (np.ndarray.min, np.min), (np.ndarray.prod, np.prod),
               (np.ndarray.std, np.std), (np.ndarray.var, np.var)):
    declare(_m, numba_function=_f)      # (overloaded over an axis in numba_axis_twins)
for _fn in (np.cumsum, np.ndarray.cumsum):
    defvjp(_fn, cumsum_a, linear=True, doc="reversed cumulative sum; axis=None flattens")
for _fn in (np.cumprod, np.ndarray.cumprod):
    defvjp(_fn, cumprod_a, doc="exact with zeros (O(n^2) along the axis then)")
defvjp(np.cumulative_sum, cumulative_sum_x, linear=True, doc="include_initial supported")
defvjp(np.cumulative_prod, cumulative_prod_x, doc="include_initial supported")
defvjp(np.average, average_a, average_weights, doc="weights differentiable; returned=True unsupported")
defvjp(np.diff, diff_a, linear=True, doc="n, axis; prepend/append get no gradient")
defvjp(np.sort, sort_a, doc="permutes g back (stable argsort); axis=None flattens")
defvjp(np.trapezoid, trapezoid_y, None, linear=True, doc="gradient for y only (x, dx constant)")


# -- forward mode (rules/derive.py) -------------------------------------------------------------
def diff_a_jvp(t, ans, a, n=1, axis=-1, prepend=np._NoValue, append=np._NoValue):
    return np.diff(t, n, axis, zero_ends(prepend), zero_ends(append))


# each number of the input reaches one number of the result: J t = sum(t * J^T 1, axis)
for _fn in (np.prod, np.ndarray.prod):
    defjvp(_fn, *reduction(prod_a))
for _fn in (np.max, np.amax, np.ndarray.max, np.min, np.amin, np.ndarray.min,
            np.nanmax, np.nanmin):
    defjvp(_fn, *reduction(max_a))
defjvp(np.ptp, *reduction(ptp_a))
for _fn in (np.var, np.ndarray.var):
    defjvp(_fn, *reduction(var_a))
for _fn in (np.std, np.ndarray.std):
    defjvp(_fn, *reduction(std_a))
defjvp(np.average, *reduction(average_a), *transposed(None, average_weights)[1:])
defjvp(np.diff, diff_a_jvp)
for _fn in (np.cumprod, np.ndarray.cumprod):
    defjvp(_fn, *transposed(cumprod_a))
defjvp(np.cumulative_prod, *transposed(cumulative_prod_x))
defjvp(np.sort, *transposed(sort_a))
