"""Building tensors: ``tensor``, ``ones``, ``zeros``, ``rand``, ``randn``...

Example::

    tensor([[1., 2.]], requires_grad=True)   # copies the data
    ones(2, 2) == ones((2, 2))               # shapes as ints or as one tuple
    manual_seed(0); rand(3, 3)               # uniform [0, 1), reproducible

Floating data defaults to float64 (NumPy's default, and what the compiled
gradients use), not PyTorch's float32; pass ``dtype=np.float32`` to match.
"""
from __future__ import annotations

import numpy as np

from .tensors import Tensor

__all__ = ["tensor", "ones", "zeros", "full", "rand", "randn", "ones_like", "zeros_like",
           "full_like", "arange", "eye", "manual_seed", "from_numpy"]

_rng = np.random.default_rng()


def manual_seed(seed):
    """Seed the generator behind ``rand`` and ``randn``."""
    global _rng
    _rng = np.random.default_rng(seed)


def _shape(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        return tuple(size[0])
    return tuple(size)


def _make(data, dtype, requires_grad):
    if dtype is not None:
        data = data.astype(dtype, copy=False)
    return Tensor(data, requires_grad=requires_grad)


def tensor(data, requires_grad=False, dtype=None):
    """A new leaf tensor holding a copy of ``data`` (list, scalar, array or Tensor)."""
    data = data.data if isinstance(data, Tensor) else data
    return Tensor(np.array(data, dtype=dtype), requires_grad=requires_grad)


def from_numpy(array):
    """A tensor sharing memory with ``array``."""
    return Tensor(array)


def ones(*size, dtype=None, requires_grad=False):
    return _make(np.ones(_shape(size)), dtype, requires_grad)


def zeros(*size, dtype=None, requires_grad=False):
    return _make(np.zeros(_shape(size)), dtype, requires_grad)


def full(size, fill_value, dtype=None, requires_grad=False):
    return _make(np.full(tuple(size), fill_value, dtype=np.result_type(fill_value, 0.0)
                         if dtype is None else dtype), None, requires_grad)


def rand(*size, dtype=None, requires_grad=False):
    return _make(_rng.random(_shape(size)), dtype, requires_grad)


def randn(*size, dtype=None, requires_grad=False):
    return _make(_rng.standard_normal(_shape(size)), dtype, requires_grad)


def _like(x):
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def ones_like(x, dtype=None, requires_grad=False):
    return _make(np.ones_like(_like(x)), dtype, requires_grad)


def zeros_like(x, dtype=None, requires_grad=False):
    return _make(np.zeros_like(_like(x)), dtype, requires_grad)


def full_like(x, fill_value, dtype=None, requires_grad=False):
    return _make(np.full_like(_like(x), fill_value), dtype, requires_grad)


def arange(*args, dtype=None, requires_grad=False):
    return _make(np.arange(*args), dtype, requires_grad)


def eye(n, m=None, dtype=None, requires_grad=False):
    return _make(np.eye(n, m), dtype, requires_grad)
