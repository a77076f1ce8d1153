"""A batched ``@`` (3-d operands) on the Numba backend, and its adjoints.

Numba's ``@`` takes 1-d and 2-d operands only.  Example: for ``a`` of shape
(n, 3, 3) and ``b`` of shape (3, 3) (or (n, 3, 3))::

    out[i] = np.dot(a[i], b)          # for each i of the batch (a 2-d side is shared)

and the adjoints are the batched products ``g @ b^T`` and ``a^T @ g``,
summed over the batch for an operand that was shared.  Other ranks (4-d
and up, a 1-d side) stay a BackendError naming the matmul adjoint.
"""
from __future__ import annotations

import operator

import numpy as np
from numba.extending import overload, register_jitable

from ..rules import arithmetic
from .numba_twins import is_array

__all__ = []


def _batched(a, b):
    """Both arrays of rank 2 or 3, at least one of rank 3."""
    return is_array(a) and is_array(b) and {a.ndim, b.ndim} <= {2, 3} and 3 in (a.ndim, b.ndim)


def _as3(x):
    """``x`` (C-contiguous) as a batch: a 2-d array is a batch of one."""
    return x


@overload(_as3)
def _as3_typed(x):
    if x.ndim == 2:
        return lambda x: np.ascontiguousarray(x).reshape((1,) + x.shape)
    return lambda x: np.ascontiguousarray(x)


@register_jitable
def _bmm(a, b, ta, tb):
    """``a @ b`` over a batch (rank-3 C arrays; a batch of 1 is shared), with
    ``a``/``b`` transposed in their last two axes when ``ta``/``tb``."""
    n = max(a.shape[0], b.shape[0])
    if a.shape[0] != n and a.shape[0] != 1 or b.shape[0] != n and b.shape[0] != 1:
        raise ValueError("matmul: the batch dimensions do not broadcast")
    m = a.shape[2] if ta else a.shape[1]
    p = b.shape[1] if tb else b.shape[2]
    out = np.empty((n, m, p), dtype=(a[:1, :1, :1] * b[:1, :1, :1]).dtype)
    for i in range(n):
        ai = a[i if a.shape[0] > 1 else 0]
        bi = b[i if b.shape[0] > 1 else 0]
        x = np.ascontiguousarray(ai.T) if ta else np.ascontiguousarray(ai)
        y = np.ascontiguousarray(bi.T) if tb else np.ascontiguousarray(bi)
        out[i] = np.dot(x, y)
    return out


@overload(operator.matmul)
def _matmul_batched(a, b):
    if not _batched(a, b):
        return None
    return lambda a, b: _bmm(_as3(a), _as3(b),
                             False, False)


@overload(np.matmul)
def _np_matmul_batched(a, b):
    if not _batched(a, b):
        return None
    return lambda a, b: _bmm(_as3(a), _as3(b),
                             False, False)


def _reduce_batch(nd):
    """The cotangent of an operand of rank ``nd`` from a batched one."""
    if nd == 2:
        return register_jitable(lambda r: r.sum(axis=0) if r.shape[0] > 1 else r[0].copy())
    return register_jitable(lambda r: r)


def _adjoint(which, a, b):
    if not (is_array(a) and is_array(b)) or not _batched(a, b):
        return None
    back = _reduce_batch(a.ndim if which == 0 else b.ndim)
    if which == 0:
        return lambda g, a, b: back(_bmm(_as3(g),
                                         _as3(b), False, True))
    return lambda g, a, b: back(_bmm(_as3(a),
                                     _as3(g), True, False))


# (a second overload next to numba_twins' 1-d/2-d twins, which decline rank 3)
@overload(arithmetic.matmul_adjoint_a)
def _matmul_adjoint_a_batched(g, a, b):
    return _adjoint(0, a, b)


@overload(arithmetic.matmul_adjoint_b)
def _matmul_adjoint_b_batched(g, a, b):
    return _adjoint(1, a, b)
