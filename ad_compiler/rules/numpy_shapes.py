"""Shape rules: reshapes, transposes, joins and splits, tiling, flips, padding,
diagonals, casts and copies; functions and ``np.ndarray`` methods.

Example: ``y = np.concatenate([a, b], axis=1)`` has the rule
    concatenate_arrays(g, ans, arrays, axis=0, ...) -> unconcatenate(g, arrays, axis)
which returns a tuple ``(g[:, :na], g[:, na:])``: an argument that is a
list of arrays gets a tuple with one cotangent per item.  ``np.split`` and
friends live in ``numpy_splits``.  All of these are linear; casts to an
integer dtype have zero gradient.
"""
import numpy as np

from .adjoints import (cast_cotangent, unstack_cotangent, float_dtype, unconcatenate, undiagonal, unpad, unrepeat, unsplit,
                       untile)
from ..runtime import unbroadcast
from .registry import declare, defjvp, defvjp
from .tangents import float_tangent, padded_tangent, zero_ends


# -- reshapes ---------------------------------------------------------------------------------
def reshape_a(g, ans, a, shape=None, order="C", *, copy=None):
    return np.reshape(g, np.shape(a), order=order)


def ndarray_reshape(g, ans, a, *shape, order="C", copy=None):
    return np.reshape(g, np.shape(a), order=order)


def ravel_a(g, ans, a, order="C"):
    return np.reshape(g, np.shape(a), order=order)


def squeeze_a(g, ans, a, axis=None):
    return np.reshape(g, np.shape(a))


def expand_dims_a(g, ans, a, axis):
    return np.reshape(g, np.shape(a))


def atleast_cotangent(g, arys, k):
    """Cotangent of ``arys[k]`` in ``np.atleast_1d(*arys)``: one array gives
    one result, several give a tuple (``None`` where no cotangent came)."""
    if len(arys) > 1:
        g = g[k]
        if g is None:
            return np.zeros(np.shape(arys[k]), dtype=float_dtype(arys[k]))
    return np.reshape(g, np.shape(arys[k]))


def atleast_0(g, ans, *arys):
    return atleast_cotangent(g, arys, 0)


def atleast_1(g, ans, *arys):
    return atleast_cotangent(g, arys, 1)


def atleast_2(g, ans, *arys):
    return atleast_cotangent(g, arys, 2)


def atleast_3(g, ans, *arys):
    return atleast_cotangent(g, arys, 3)


def several_arrays(*arys):
    return len(arys) > 1


def broadcast_to_array(g, ans, array, shape, subok=False):
    return unbroadcast(g, array)


# -- axis permutations --------------------------------------------------------------------------
def transpose_a(g, ans, a, axes=None):
    return np.transpose(g) if axes is None else np.transpose(g, np.argsort(axes))


def ndarray_transpose(g, ans, a, *axes):
    return np.transpose(g, np.argsort(axes[0] if len(axes) == 1 else axes) if axes else None)


def matrix_transpose_x(g, ans, x):
    return np.swapaxes(g, -1, -2)


def swapaxes_a(g, ans, a, axis1, axis2):
    return np.swapaxes(g, axis1, axis2)


def moveaxis_a(g, ans, a, source, destination):
    return np.moveaxis(g, destination, source)


def flip_m(g, ans, m, axis=None):
    return np.flip(g, axis)


def fliplr_m(g, ans, m):
    return np.fliplr(g)


def flipud_m(g, ans, m):
    return np.flipud(g)


def rot90_m(g, ans, m, k=1, axes=(0, 1)):
    return np.rot90(g, -k, axes)


def roll_a(g, ans, a, shift, axis=None):
    return np.roll(g, np.negative(shift), axis)


# -- joins and splits ------------------------------------------------------------------------------
def concatenate_arrays(g, ans, arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    return unconcatenate(g, arrays, axis)


def stack_arrays(g, ans, arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    return unstack_cotangent(g, axis)


def hstack_tup(g, ans, tup, *, dtype=None, casting="same_kind"):
    return unconcatenate(g, tup, 0 if np.ndim(g) == 1 else 1)


def vstack_tup(g, ans, tup, *, dtype=None, casting="same_kind"):
    return unconcatenate(g, tup, 0)


def dstack_tup(g, ans, tup):
    return unconcatenate(g, tup, 2)


def column_stack_tup(g, ans, tup):
    return unconcatenate(g, tup, 1)


def append_arr(g, ans, arr, values, axis=None):
    return unconcatenate(g, (arr, values), axis)[0]


def append_values(g, ans, arr, values, axis=None):
    return unconcatenate(g, (arr, values), axis)[1]


def unstack_x(g, ans, x, *, axis=0):
    return unsplit(g, ans, axis, stack=True)


# -- repetition, padding -------------------------------------------------------------------------------
def tile_A(g, ans, A, reps):
    return untile(g, A, reps)


def repeat_a(g, ans, a, repeats, axis=None):
    return unrepeat(g, a, repeats, axis)


def pad_array(g, ans, array, pad_width, mode="constant", **kwargs):
    return unpad(g, array, pad_width, mode)


# -- diagonals and triangles ------------------------------------------------------------------------
def diag_v(g, ans, v, k=0):
    return np.diagonal(g, k).copy() if np.ndim(v) == 1 else undiagonal(g, v, k, 0, 1)


def diagflat_v(g, ans, v, k=0):
    return np.reshape(np.diagonal(g, k), np.shape(v))


def diagonal_a(g, ans, a, offset=0, axis1=0, axis2=1):
    return undiagonal(g, a, offset, axis1, axis2)


def trace_a(g, ans, a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    return undiagonal(np.expand_dims(g, -1), a, offset, axis1, axis2)


def linalg_diagonal_x(g, ans, x, *, offset=0):
    return undiagonal(g, x, offset, -2, -1)


def linalg_trace_x(g, ans, x, *, offset=0, dtype=None):
    return undiagonal(np.expand_dims(g, -1), x, offset, -2, -1)


def tril_m(g, ans, m, k=0):
    return np.tril(g, k)


def triu_m(g, ans, m, k=0):
    return np.triu(g, k)


# -- casts and copies ------------------------------------------------------------------------------------
def astype_a(g, ans, a, dtype, order="K", casting="unsafe", subok=True, copy=True):
    return cast_cotangent(g, a, ans)


def np_astype_x(g, ans, x, dtype, *, copy=True, device=None):
    return cast_cotangent(g, x, ans)


def asarray_a(g, ans, a, dtype=None, order=None, *, device=None, copy=None, like=None):
    return cast_cotangent(g, a, ans)


def array_object(g, ans, object, dtype=None, *, copy=True, order="K", subok=False, ndmin=0,
                 ndmax=0, like=None):
    return cast_cotangent(g, object, ans)


def ascontiguousarray_a(g, ans, a, dtype=None, *, like=None):
    return cast_cotangent(g, a, ans)


def copy_a(g, ans, a, order="K", subok=False):
    return cast_cotangent(g, a, ans)


def ndarray_copy(g, ans, a, order="C"):
    return g


def list_cotangent(g, a):
    """Cotangent of ``a.tolist()``: ``g`` holds one cotangent per item (nested
    like the list, None for an item that received none), back as an array
    shaped like ``a``; a 0-d ``a`` gave a number and gets ``g`` itself."""
    out = np.zeros(np.shape(a), dtype=float_dtype(a))
    if g is None:
        return out
    if out.ndim == 0:
        return out + g
    for i, gi in enumerate(g):
        if gi is not None:
            out[i] = list_cotangent(gi, a[i]) if out.ndim > 1 else gi
    return out


def tolist_a(g, ans, a):
    return list_cotangent(g, a)


def scalar_cast_value(g, ans, value=0):
    return cast_cotangent(g, value, ans)


defvjp(np.reshape, reshape_a, linear=True)
defvjp(np.ndarray.reshape, ndarray_reshape, linear=True, doc="shape as one tuple or as *ints")
for _fn in (np.ravel, np.ndarray.ravel, np.ndarray.flatten):
    defvjp(_fn, ravel_a, linear=True, doc="order= honoured")
for _fn in (np.squeeze, np.ndarray.squeeze):
    defvjp(_fn, squeeze_a, linear=True)
defvjp(np.expand_dims, expand_dims_a, linear=True)
for _fn in (np.atleast_1d, np.atleast_2d, np.atleast_3d):
    defvjp(_fn, atleast_0, atleast_1, atleast_2, atleast_3, linear=True,
           multiple_results=several_arrays, doc="up to 4 arrays (several: a tuple of results)")
defvjp(np.broadcast_to, broadcast_to_array, linear=True, doc="sums over broadcast axes")
defvjp(np.transpose, transpose_a, linear=True)
defvjp(np.ndarray.transpose, ndarray_transpose, linear=True, doc="axes as one tuple or as *ints")
for _fn in (np.matrix_transpose, np.linalg.matrix_transpose):
    defvjp(_fn, matrix_transpose_x, linear=True)
for _fn in (np.swapaxes, np.ndarray.swapaxes):
    defvjp(_fn, swapaxes_a, linear=True)
defvjp(np.moveaxis, moveaxis_a, linear=True)
defvjp(np.flip, flip_m, linear=True)
defvjp(np.fliplr, fliplr_m, linear=True)
defvjp(np.flipud, flipud_m, linear=True)
defvjp(np.rot90, rot90_m, linear=True)
defvjp(np.roll, roll_a, linear=True)
defvjp(np.concatenate, concatenate_arrays, linear=True,
       doc="list argument: a tuple of cotangents; axis=None flattens")
defvjp(np.stack, stack_arrays, linear=True, doc="list argument: a tuple of cotangents")
defvjp(np.hstack, hstack_tup, linear=True, doc="list argument: a tuple of cotangents")
defvjp(np.vstack, vstack_tup, linear=True, doc="list argument: a tuple of cotangents")
defvjp(np.dstack, dstack_tup, linear=True, doc="list argument: a tuple of cotangents")
defvjp(np.column_stack, column_stack_tup, linear=True, doc="list argument: a tuple of cotangents")
defvjp(np.append, append_arr, append_values, linear=True)
defvjp(np.unstack, unstack_x, linear=True, multiple_results=True)
defvjp(np.tile, tile_A, None, linear=True, doc="sums the tiles")
for _fn in (np.repeat, np.ndarray.repeat):
    defvjp(_fn, repeat_a, None, linear=True, doc="scalar or per-element repeats")
defvjp(np.pad, pad_array, None, linear=True,
       doc="modes constant, empty, edge, reflect, symmetric, wrap (not linear_ramp, "
           "maximum, mean, median, minimum, reflect_type='odd'); constant values get no gradient")
defvjp(np.diag, diag_v, linear=True, doc="1-D -> matrix and matrix -> diagonal")
defvjp(np.diagflat, diagflat_v, linear=True)
for _fn in (np.diagonal, np.ndarray.diagonal):
    defvjp(_fn, diagonal_a, linear=True)
for _fn in (np.trace, np.ndarray.trace):
    defvjp(_fn, trace_a, linear=True)
defvjp(np.linalg.diagonal, linalg_diagonal_x, linear=True)
defvjp(np.linalg.trace, linalg_trace_x, linear=True)
defvjp(np.tril, tril_m, linear=True)
defvjp(np.triu, triu_m, linear=True)
defvjp(np.ndarray.astype, astype_a, linear=True,
       doc="float target: gradient in a's dtype; integer/bool target: zero gradient")
defvjp(np.astype, np_astype_x, linear=True, doc="as ndarray.astype")
defvjp(np.asarray, asarray_a, linear=True, doc="list input: a list of cotangents")
defvjp(np.array, array_object, linear=True, doc="list input: a list of cotangents")
defvjp(np.asanyarray, asarray_a, linear=True)
defvjp(np.ascontiguousarray, ascontiguousarray_a, linear=True)
defvjp(np.copy, copy_a, linear=True)
defvjp(np.ndarray.copy, ndarray_copy, linear=True)
defvjp(np.ndarray.tolist, tolist_a, linear=True, multiple_results=True,
       doc="a (nested) list of Python numbers: one cotangent per item")
for _fn in (np.float64, np.float32):
    defvjp(_fn, scalar_cast_value, linear=True, doc="float cast: the gradient passes")

# what the passes know of these (registry.PROPERTIES).  Results that may share
# their first argument's memory: writes through the first group are modelled as
# writes into the argument (ir/aliasing.py); the second only stops in-place updates
declare(np.reshape, np.ndarray.reshape, np.transpose, np.ndarray.transpose,
        np.ravel, np.ndarray.ravel, np.swapaxes, np.ndarray.swapaxes, np.squeeze,
        np.ndarray.squeeze, np.expand_dims, np.broadcast_to, np.asarray, np.moveaxis,
        np.ndarray.view, np.diagonal, np.ndarray.diagonal, views=(0,), view_steps=True)
declare(np.atleast_1d, np.atleast_2d, np.atleast_3d, np.asanyarray, np.ascontiguousarray,
        np.real, np.imag, views=(0,))
declare(np.transpose, np.ndarray.transpose, hoist=True)
# a new array per call, which the function may then change in place: never shared (CSE)
declare(np.array, np.asarray, np.copy, np.ndarray.copy, pure=False)
declare(np.copy, np.ndarray.copy, rank=0, zero_d=True)
declare(np.copy, np.ndarray.copy, np.asarray, np.ndarray.astype, shape_of=0)
declare(np.trace, rank=lambda ranks, kwargs: (ranks[0] - 2 if len(ranks) == 1 and not kwargs
                                              and ranks[0] is not None and ranks[0] >= 2
                                              else None))

# -- forward mode: the casts and the padding with constants are affine, not linear --------
def astype_a_jvp(t, ans, a, dtype, order="K", casting="unsafe", subok=True, copy=True):
    return float_tangent(t, ans)


def np_astype_x_jvp(t, ans, x, dtype, *, copy=True, device=None):
    return float_tangent(t, ans)


def pad_array_jvp(t, ans, array, pad_width, mode="constant", **kwargs):
    return padded_tangent(t, pad_width, mode, kwargs)


defjvp(np.ndarray.astype, astype_a_jvp)
defjvp(np.astype, np_astype_x_jvp)
defjvp(np.pad, pad_array_jvp, None)
