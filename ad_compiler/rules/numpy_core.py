"""Core NumPy rules: the ufunc twins of the operators, a few
transcendental ufuncs, sums and means, products, shapes, ``where`` and
indexing.  (The wider NumPy surface lives in the other ``numpy_*`` modules.)

Example: ``np.sum(x, axis=0)`` has the rule
    sum_a(g, ans, a, axis=None, ...) -> unreduce(g, a, axis, keepdims)
which broadcasts the cotangent back over the summed axis.
"""
import operator

import numpy as np

from ..runtime import reduced_count, scatter_into, unbroadcast, unreduce
from .arithmetic import (abs_x, add_a, add_b, matmul_adjoint_a, matmul_adjoint_b, matmul_a,
                         matmul_b, mul_a, mul_b, neg_a, pos_a, pow_a, pow_b, sub_b,
                         truediv_a, truediv_b)
from .registry import defvjp, nondifferentiable

defvjp(np.add, add_a, add_b, linear=True)
defvjp(np.subtract, add_a, sub_b, linear=True)
defvjp(np.multiply, mul_a, mul_b)
defvjp(np.divide, truediv_a, truediv_b)
defvjp(np.power, pow_a, pow_b)
defvjp(np.negative, neg_a, linear=True)
defvjp(np.positive, pos_a, linear=True)
defvjp(np.absolute, abs_x)
defvjp(np.matmul, matmul_a, matmul_b)


def sin_x(g, ans, x):
    return g * np.cos(x)


def cos_x(g, ans, x):
    return -g * np.sin(x)


def tan_x(g, ans, x):
    return g * (1.0 + ans * ans)


def exp_x(g, ans, x):
    return g * ans


def log_x(g, ans, x):
    return g / x


def tanh_x(g, ans, x):
    return g * (1.0 - ans * ans)


def sqrt_x(g, ans, x):
    return g * 0.5 / ans


def square_x(g, ans, x):
    return g * 2.0 * x


for _fn, _rule in [(np.sin, sin_x), (np.cos, cos_x), (np.tan, tan_x), (np.exp, exp_x),
                   (np.log, log_x), (np.tanh, tanh_x), (np.sqrt, sqrt_x),
                   (np.square, square_x)]:
    defvjp(_fn, _rule)


# -- maximum / minimum: ties split the gradient evenly -------------------------
def maximum_a(g, ans, a, b):
    return unbroadcast(g * ((a > b) + 0.5 * (a == b)), a)


def maximum_b(g, ans, a, b):
    return unbroadcast(g * ((b > a) + 0.5 * (a == b)), b)


defvjp(np.maximum, maximum_a, maximum_b)
defvjp(np.minimum, maximum_b, maximum_a)


# -- where: the cotangent goes to the branch that was taken --------------------
def where_x(g, ans, condition, x, y):
    return unbroadcast(np.where(condition, g, 0.0), x)


def where_y(g, ans, condition, x, y):
    return unbroadcast(np.where(condition, 0.0, g), y)


defvjp(np.where, None, where_x, where_y)


# -- reductions ------------------------------------------------------------------
def sum_a(g, ans, a, axis=None, dtype=None, out=None, keepdims=False):
    return unreduce(g, a, axis, keepdims)


def mean_a(g, ans, a, axis=None, dtype=None, out=None, keepdims=False):
    return unreduce(g, a, axis, keepdims) / reduced_count(a, axis)


defvjp(np.sum, sum_a, linear=True)
defvjp(np.ndarray.sum, sum_a, linear=True)
defvjp(np.mean, mean_a, linear=True)
defvjp(np.ndarray.mean, mean_a, linear=True)


# -- products ----------------------------------------------------------------------
def dot_a(g, ans, a, b, out=None):
    return unbroadcast(g * b, a) if np.ndim(a) == 0 or np.ndim(b) == 0 else matmul_adjoint_a(g, a, b)


def dot_b(g, ans, a, b, out=None):
    return unbroadcast(g * a, b) if np.ndim(a) == 0 or np.ndim(b) == 0 else matmul_adjoint_b(g, a, b)


defvjp(np.dot, dot_a, dot_b)
defvjp(np.ndarray.dot, dot_a, dot_b)


# -- shapes ---------------------------------------------------------------------------
def inverse_permutation(axes):
    return tuple(np.argsort(axes))


def transpose_a(g, ans, a, axes=None):
    return np.transpose(g) if axes is None else np.transpose(g, inverse_permutation(axes))


def ndarray_transpose(g, ans, a, *axes):
    return np.transpose(g, inverse_permutation(axes[0] if len(axes) == 1 else axes) if axes else None)


def reshape_a(g, ans, a, shape=None, order="C"):
    return np.reshape(g, np.shape(a), order=order)


def ndarray_reshape(g, ans, a, *shape, order="C"):
    return np.reshape(g, np.shape(a), order=order)


defvjp(np.transpose, transpose_a, linear=True)
defvjp(np.ndarray.transpose, ndarray_transpose, linear=True)
defvjp(np.reshape, reshape_a, linear=True)
defvjp(np.ndarray.reshape, ndarray_reshape, linear=True)


# -- indexing -------------------------------------------------------------------------
def getitem_a(g, ans, a, idx):
    return scatter_into(g, a, idx)


defvjp(operator.getitem, getitem_a, linear=True)


# -- constructors and queries: no gradient -----------------------------------------------
nondifferentiable(np.shape, np.ndim, np.size, np.zeros, np.ones, np.empty, np.full,
                  np.zeros_like, np.ones_like, np.empty_like, np.full_like, np.arange,
                  np.linspace, np.eye, np.identity, np.argmax, np.argmin, np.argsort,
                  np.sign, np.floor, np.ceil, np.round, np.rint, np.trunc,
                  np.greater, np.greater_equal, np.less, np.less_equal, np.equal,
                  np.not_equal, np.logical_and, np.logical_or, np.logical_not,
                  np.isnan, np.isinf, np.isfinite)
