"""Products: dot, vdot, inner, outer, matmul aliases, tensordot, kron,
cross, vecdot, multi_dot, convolve/correlate (``einsum`` has its own module).

Example: ``c = np.tensordot(a, b, axes=1)`` has, for ``b``, the rule
    tensordot_b(g, ans, a, b, axes=1) -> tensordot_adjoint(g, a, b, 1, 1)
"""
import numpy as np

from ..runtime import unbroadcast
from .adjoints import kron_adjoint, multi_dot_adjoint, tensordot_adjoint
from .arithmetic import matmul_a, matmul_b
from .registry import declare, defvjp


def dot_a(g, ans, a, b, out=None):
    return unbroadcast(g * b, a) if np.ndim(a) == 0 or np.ndim(b) == 0 else \
        tensordot_adjoint(g, a, b, ([-1], [max(np.ndim(b) - 2, 0)]), 0)


def dot_b(g, ans, a, b, out=None):
    return unbroadcast(g * a, b) if np.ndim(a) == 0 or np.ndim(b) == 0 else \
        tensordot_adjoint(g, a, b, ([-1], [max(np.ndim(b) - 2, 0)]), 1)


def vdot_a(g, ans, a, b):
    return np.reshape(g * np.ravel(b), np.shape(a))


def vdot_b(g, ans, a, b):
    return np.reshape(g * np.ravel(a), np.shape(b))


def inner_a(g, ans, a, b):
    return unbroadcast(g * b, a) if np.ndim(a) == 0 or np.ndim(b) == 0 else \
        tensordot_adjoint(g, a, b, ([-1], [-1]), 0)


def inner_b(g, ans, a, b):
    return unbroadcast(g * a, b) if np.ndim(a) == 0 or np.ndim(b) == 0 else \
        tensordot_adjoint(g, a, b, ([-1], [-1]), 1)


def outer_a(g, ans, a, b, out=None):
    return np.reshape(np.dot(g, np.ravel(b)), np.shape(a))


def outer_b(g, ans, a, b, out=None):
    return np.reshape(np.dot(np.ravel(a), g), np.shape(b))


def linalg_outer_x1(g, ans, x1, x2):
    return np.dot(g, x2)


def linalg_outer_x2(g, ans, x1, x2):
    return np.dot(x1, g)


def tensordot_a(g, ans, a, b, axes=2):
    return tensordot_adjoint(g, a, b, axes, 0)


def tensordot_b(g, ans, a, b, axes=2):
    return tensordot_adjoint(g, a, b, axes, 1)


def linalg_tensordot_x1(g, ans, x1, x2, *, axes=2):
    return tensordot_adjoint(g, x1, x2, axes, 0)


def linalg_tensordot_x2(g, ans, x1, x2, *, axes=2):
    return tensordot_adjoint(g, x1, x2, axes, 1)


def kron_a(g, ans, a, b):
    return kron_adjoint(g, a, b, 0)


def kron_b(g, ans, a, b):
    return kron_adjoint(g, a, b, 1)


def cross_a(g, ans, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    return unbroadcast(np.cross(b, g, axisb if axis is None else axis, axisc if axis is None else axis,
                                axisa if axis is None else axis), a)


def cross_b(g, ans, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    return unbroadcast(np.cross(g, a, axisc if axis is None else axis, axisa if axis is None else axis,
                                axisb if axis is None else axis), b)


def linalg_cross_x1(g, ans, x1, x2, *, axis=-1):
    return unbroadcast(np.cross(x2, g, axis=axis), x1)


def linalg_cross_x2(g, ans, x1, x2, *, axis=-1):
    return unbroadcast(np.cross(g, x1, axis=axis), x2)


def vecdot_x1(g, ans, x1, x2, out=None, *, axis=-1, keepdims=False):
    return unbroadcast(x2 * (g if keepdims else np.expand_dims(g, axis)), x1)


def vecdot_x2(g, ans, x1, x2, out=None, *, axis=-1, keepdims=False):
    return unbroadcast(x1 * (g if keepdims else np.expand_dims(g, axis)), x2)


def linalg_vecdot_x1(g, ans, x1, x2, *, axis=-1):
    return unbroadcast(x2 * np.expand_dims(g, axis), x1)


def linalg_vecdot_x2(g, ans, x1, x2, *, axis=-1):
    return unbroadcast(x1 * np.expand_dims(g, axis), x2)


def multi_dot_arrays(g, ans, arrays, *, out=None):
    return multi_dot_adjoint(g, arrays)


def conv_full_cotangent(g, n, m, mode, correlate=False):
    """Embed the cotangent of a 1-D convolution (or correlation) computed in
    ``mode`` into the 'full' output length."""
    if mode == "full":
        return g
    if mode == "same":
        start = min(n, m) // 2 if correlate and m > n else (min(n, m) - 1) // 2
    else:
        start = min(n, m) - 1
    out = np.zeros(n + m - 1, dtype=np.result_type(g, np.float32))
    out[start:start + np.shape(g)[0]] = g
    return out


def convolve_a(g, ans, a, v, mode="full"):
    return np.correlate(conv_full_cotangent(g, np.size(a), np.size(v), mode), v, "valid")


def convolve_v(g, ans, a, v, mode="full"):
    return np.correlate(conv_full_cotangent(g, np.size(a), np.size(v), mode), a, "valid")


def correlate_a(g, ans, a, v, mode="valid"):
    return np.correlate(conv_full_cotangent(g, np.size(a), np.size(v), mode, True), v[::-1], "valid")


def correlate_v(g, ans, a, v, mode="valid"):
    return np.correlate(conv_full_cotangent(g, np.size(a), np.size(v), mode, True), a, "valid")[::-1]


def dot_rank(ranks, kwargs):
    """The rank of ``np.dot(a, b)``: a product with a number keeps the other's
    rank, else one axis of each is summed over."""
    if len(ranks) != 2 or kwargs or None in ranks:
        return None
    return sum(ranks) if 0 in ranks else sum(ranks) - 2


for _fn in (np.dot, np.ndarray.dot):
    defvjp(_fn, dot_a, dot_b, doc="scalars, vectors, matrices and N-d (sum over a[-1], b[-2])")
declare(np.dot, np.ndarray.dot, rank=dot_rank)
defvjp(np.vdot, vdot_a, vdot_b, doc="flattens both (real input)", rank="scalar")
defvjp(np.inner, inner_a, inner_b)
defvjp(np.outer, outer_a, outer_b, doc="flattens both")
defvjp(np.linalg.outer, linalg_outer_x1, linalg_outer_x2, doc="1-D inputs")
defvjp(np.linalg.matmul, matmul_a, matmul_b)
for _fn, _a, _b in ((np.tensordot, tensordot_a, tensordot_b),
                    (np.linalg.tensordot, linalg_tensordot_x1, linalg_tensordot_x2)):
    defvjp(_fn, _a, _b, doc="axes as int or pair of sequences")
defvjp(np.kron, kron_a, kron_b)
defvjp(np.cross, cross_a, cross_b, doc="3-vectors (not 2-vectors), axisa/axisb/axisc/axis")
defvjp(np.linalg.cross, linalg_cross_x1, linalg_cross_x2, doc="3-vectors")
defvjp(np.vecdot, vecdot_x1, vecdot_x2, doc="axis=, keepdims; not axes=")
defvjp(np.linalg.vecdot, linalg_vecdot_x1, linalg_vecdot_x2)
defvjp(np.linalg.multi_dot, multi_dot_arrays, doc="list argument: a tuple of cotangents")
defvjp(np.convolve, convolve_a, convolve_v, doc="1-D, modes full/same/valid")
defvjp(np.correlate, correlate_a, correlate_v, doc="1-D, modes full/same/valid (real input)")
