"""PyTorch-named operations, as functions and as Tensor methods.

Example::

    ops.mean(x, dim=0, keepdim=True)   # record(np.mean, x, axis=0, keepdims=True)
    x.mean(dim=0, keepdim=True)        # the same function, bound as a method

Each one is a call of a NumPy primal through :func:`record`, so its
derivative is the rule registered for that primal (``dim``/``keepdim`` are
translated to NumPy's ``axis``/``keepdims``).  Composite operations
(``sigmoid``, ``softmax``) are built from recorded primals.
The module shadows ``sum``, ``max``, ``min``, ``abs``, ``pow`` and ``float`` on purpose.
"""
from __future__ import annotations

import operator
from collections import namedtuple

import numpy as np

from .tensors import Tensor, as_tensor, record

__all__ = ["exp", "log", "tanh", "sin", "cos", "tan", "sqrt", "square", "abs", "neg",
           "relu", "sigmoid", "softmax", "pow", "matmul", "mm", "dot", "sum", "mean",
           "prod", "max", "min", "clamp", "maximum", "minimum", "where", "reshape", "view",
           "flatten", "squeeze", "unsqueeze", "t", "transpose", "permute", "clone", "to"]

MaxMin = namedtuple("MaxMin", ["values", "indices"])


# -- elementwise (ufunc primals) ----------------------------------------------------
def exp(x): return record(np.exp, x)
def log(x): return record(np.log, x)
def tanh(x): return record(np.tanh, x)
def sin(x): return record(np.sin, x)
def cos(x): return record(np.cos, x)
def tan(x): return record(np.tan, x)
def sqrt(x): return record(np.sqrt, x)
def square(x): return record(np.square, x)
def abs(x): return record(np.absolute, x)
def neg(x): return record(np.negative, x)
def pow(x, exponent): return record(operator.pow, x, exponent)
def maximum(a, b): return record(np.maximum, a, b)
def minimum(a, b): return record(np.minimum, a, b)


def where(condition, a, b):
    return record(np.where, condition, a, b)


def relu(x):
    """max(x, 0), with gradient 0 at 0 (PyTorch's choice): ``where(x > 0, x, 0)``."""
    x = as_tensor(x)
    return record(np.where, x.data > 0, x, 0.0, name="Relu")


def sigmoid(x):
    return 1.0 / (1.0 + exp(-x))


def softmax(x, dim=-1):
    x = as_tensor(x)
    e = exp(x - np.max(x.data, axis=dim, keepdims=True))   # the shift is a constant
    return e / sum(e, dim=dim, keepdim=True)


def clamp(x, min=None, max=None):
    """``np.clip``: needs a rule for np.clip in the table."""
    return record(np.clip, x, min, max)


# -- products ------------------------------------------------------------------------
def matmul(a, b): return record(np.matmul, a, b)
def mm(a, b): return record(np.matmul, a, b)
def dot(a, b): return record(np.dot, a, b)


# -- reductions ----------------------------------------------------------------------
def _reduce_kwargs(dim, keepdim, axis, keepdims):
    axis = dim if axis is None else axis
    kw = {}
    if axis is not None:
        kw["axis"] = tuple(axis) if isinstance(axis, list) else axis
    if keepdim or keepdims:
        kw["keepdims"] = True
    return kw


def sum(x, dim=None, keepdim=False, *, axis=None, keepdims=False):
    return record(np.sum, x, **_reduce_kwargs(dim, keepdim, axis, keepdims))


def mean(x, dim=None, keepdim=False, *, axis=None, keepdims=False):
    return record(np.mean, x, **_reduce_kwargs(dim, keepdim, axis, keepdims))


def prod(x, dim=None, keepdim=False, *, axis=None, keepdims=False):
    return record(np.prod, x, **_reduce_kwargs(dim, keepdim, axis, keepdims))


def _extremum(primal, arg, pairwise, x, dim, keepdim, axis, keepdims):
    if isinstance(dim, (Tensor, np.ndarray)):
        return pairwise(x, dim)
    kw = _reduce_kwargs(dim, keepdim, axis, keepdims)
    values = record(primal, x, **kw)
    if "axis" not in kw:
        return values
    return MaxMin(values, Tensor(arg(as_tensor(x).data, **kw)))


def max(x, dim=None, keepdim=False, *, axis=None, keepdims=False):
    """``max(x)`` -> tensor; ``max(x, dim)`` -> (values, indices); ``max(x, other)`` -> maximum."""
    return _extremum(np.max, np.argmax, maximum, x, dim, keepdim, axis, keepdims)


def min(x, dim=None, keepdim=False, *, axis=None, keepdims=False):
    return _extremum(np.min, np.argmin, minimum, x, dim, keepdim, axis, keepdims)


# -- shapes ---------------------------------------------------------------------------
def _shape(shape):
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape


def reshape(x, *shape):
    return record(np.reshape, x, _shape(shape))


view = reshape


def flatten(x):
    return record(np.reshape, x, (-1,))


def squeeze(x, dim=None):
    shape = as_tensor(x).shape
    if dim is None:
        new = tuple(n for n in shape if n != 1)
    else:
        new = shape[:dim] + shape[dim + 1:] if shape[dim] == 1 else shape
    return record(np.reshape, x, new, name="Squeeze")


def unsqueeze(x, dim):
    shape = as_tensor(x).shape
    dim = dim % (len(shape) + 1)
    return record(np.reshape, x, shape[:dim] + (1,) + shape[dim:], name="Unsqueeze")


def t(x):
    """Transpose of a tensor with at most 2 dimensions (``TBackward0``)."""
    if as_tensor(x).ndim > 2:
        raise RuntimeError("t() expects a tensor with <= 2 dimensions")
    return record(np.transpose, x, name="T")


def transpose(x, dim0, dim1):
    axes = list(range(as_tensor(x).ndim))
    axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
    return record(np.transpose, x, tuple(axes), name="Transpose")


def permute(x, *dims):
    return record(np.transpose, x, _shape(dims))


def clone(x):
    return record(operator.pos, x, name="Clone")


# -- dtype conversions (np.ndarray.astype's rule casts the cotangent back) ---------------
def to(x, dtype):
    return record(np.ndarray.astype, x, dtype, name="ToCopy")


astype = to


def float(x):
    return to(x, np.float32)


def double(x):
    return to(x, np.float64)


_METHODS = ["exp", "log", "tanh", "sin", "cos", "tan", "sqrt", "square", "abs", "neg", "relu",
            "sigmoid", "softmax", "pow", "matmul", "mm", "dot", "sum", "mean", "prod", "max",
            "min", "clamp", "maximum", "minimum", "reshape", "view", "flatten", "squeeze",
            "unsqueeze", "t", "transpose", "permute", "clone", "to", "astype", "float", "double"]
for _name in _METHODS:
    setattr(Tensor, _name, globals()[_name])
Tensor.T = property(lambda self: record(np.transpose, self))
Tensor.mT = property(lambda self: transpose(self, -2, -1))
del _name
