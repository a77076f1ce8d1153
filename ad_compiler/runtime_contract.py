"""Run-time helpers that sum a product without making the product array.

Example: ``dist = np.sum(diff * diff, axis=2)`` with ``diff`` of shape
(n, k, d) makes an (n, k, d) temporary and then reads it again; the compiler
emits ``dist = sum_of_products(diff, diff, 2)`` instead, which is
``np.einsum("abc,abc->ab", diff, diff)``: one pass over ``diff``, no
temporary.  In the adjoint, ``unbroadcast(t3_bar * diff, t2)`` (the
cotangent of an operand that was broadcast, a sum over the broadcast axes)
becomes ``unbroadcast_product(t3_bar, diff, t2)``, an einsum over the axes
the sum removes; an operand that is itself a broadcast (``unreduce``'s
``np.broadcast_to``: a zero stride) enters it at its own size, so
``t3_bar`` of shape (n, k) broadcast to (n, k, d) costs n*k reads, not
n*k*d.

Only float arrays (float32, float64) take the einsum; everything else
(integers, whose ``np.sum`` widens; Python numbers; objects; shapes that do
not broadcast, whose error is ``a * b``'s) runs the plain expression.  The
result equals the plain one up to the order of the additions (rounding).
``planned_einsum`` is ``np.einsum`` that lets NumPy plan a contraction of
large operands (BLAS, batched over shared indices) as ``optimize=True``
does; small ones keep the plain loop, whose plan would cost more than it
saves.  The pass that emits them is ``transforms/contract.py``.
"""
from __future__ import annotations

import numpy as np

from .runtime import ShapeOf, unbroadcast

__all__ = ["sum_of_products", "unbroadcast_product", "product_shape", "planned_einsum"]

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
PLAN_ABOVE = 2048              # operand items, all together, above which a contraction of two
                               # or more arrays is planned (below ~10^3 the plan costs more)


def _floats(a, b):
    return type(a) is np.ndarray and type(b) is np.ndarray and a.dtype.kind == "f" \
        and b.dtype.kind == "f" and a.dtype.itemsize >= 4 and b.dtype.itemsize >= 4


def _axes(axis, nd):
    """The reduced axes as a set of non-negative ints, or None (not a plain axis)."""
    if axis is None:
        return set(range(nd))
    items = axis if type(axis) is tuple else (axis,)
    out = set()
    for a in items:
        if type(a) is not int and not isinstance(a, np.integer):
            return None
        if not -nd <= a < nd or a % nd in out:
            return None
        out.add(int(a) % nd)
    return out


def sum_of_products(a, b, axis=None, keepdims=False):
    """``np.sum(a * b, axis=axis, keepdims=keepdims)``, without ``a * b``."""
    if _floats(a, b) and max(a.ndim, b.ndim) <= len(_LETTERS):
        nd = max(a.ndim, b.ndim)
        axes = _axes(axis, nd) if nd else None
        if axes is not None:
            try:
                shape = np.broadcast_shapes(a.shape, b.shape)
            except ValueError:
                shape = None
            if shape is not None:
                sub = _LETTERS[:nd]
                out = "".join(c for i, c in enumerate(sub) if i not in axes)
                r = np.einsum(f"{sub[nd - a.ndim:]},{sub[nd - b.ndim:]}->{out}", a, b)
                if keepdims:
                    r = np.reshape(r, tuple(1 if i in axes else n for i, n in enumerate(shape)))
                return r
    return np.sum(a * b, axis=axis, keepdims=keepdims)


def product_shape(a, b):
    """The shape of ``a * b`` (a stand-in for the product where only its
    shape is read: ``unreduce(g, t, axis)``)."""
    return ShapeOf(np.broadcast_shapes(np.shape(a), np.shape(b)))


def _live_axes(x, shape):
    """Per axis of the broadcast ``shape`` (right-aligned): whether ``x``
    has it at full extent with a nonzero stride (else one item stands for
    the whole axis)."""
    lead = len(shape) - x.ndim
    live = [False] * lead
    for n, s in zip(x.shape, x.strides):
        live.append(n != 1 and s != 0)
    return live


def unbroadcast_product(a, b, x):
    """``unbroadcast(a * b, x)``: the product summed down to ``x``'s shape
    (``x`` may be a ShapeOf), by one einsum over the axes the sum removes."""
    xs = x if isinstance(x, ShapeOf) else np.shape(x)
    if not _floats(a, b) or a.shape == b.shape == xs:
        return unbroadcast(a * b, x)
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        return unbroadcast(a * b, x)
    nd, lead = len(shape), len(shape) - len(xs)
    if lead < 0 or nd > len(_LETTERS) or any(
            n != m and n != 1 for n, m in zip(xs, shape[lead:])):
        return unbroadcast(a * b, x)           # x larger than the product: the plain path
    summed = [i < lead or (xs[i - lead] == 1 and shape[i] != 1) for i in range(nd)]
    if not any(summed):
        return a * b
    live_a, live_b = _live_axes(a, shape), _live_axes(b, shape)
    for i in range(nd):                        # an axis no operand holds: keep one's stride-0 axis
        if shape[i] != 1 and not live_a[i] and not live_b[i]:
            if i >= nd - a.ndim and a.shape[i - nd + a.ndim] != 1:
                live_a[i] = True
            elif i >= nd - b.ndim and b.shape[i - nd + b.ndim] != 1:
                live_b[i] = True
            else:
                return unbroadcast(a * b, x)

    def operand(v, live):
        off = nd - v.ndim
        index = tuple(slice(None) if live[off + j] else 0 for j in range(v.ndim))
        return v[index], "".join(_LETTERS[off + j] for j in range(v.ndim) if live[off + j])

    va, sa = operand(a, live_a)
    vb, sb = operand(b, live_b)
    out = "".join(_LETTERS[i] for i in range(nd) if not summed[i] and (live_a[i] or live_b[i]))
    spec = f"{sa},{sb}->{out}"
    # a batched matrix product (an output index of a only, one of b only, one summed
    # in both: 'nki,nkj->kij') is planned, for BLAS, when large; the rest is one loop
    ia, ib, io = set(sa), set(sb), set(out)
    gemm = (ia - ib) & io and (ib - ia) & io and (ia & ib) - io
    if gemm and va.size + vb.size > PLAN_ABOVE:
        r = np.einsum(spec, va, vb, optimize=True)
    else:
        r = np.einsum(spec, va, vb)
    return np.reshape(r, tuple(1 if summed[i] else shape[i] for i in range(lead, nd)))
    return r


def planned_einsum(*operands, **kwargs):
    """``np.einsum(*operands, **kwargs)``, planned (``optimize=True``) when
    two or more arrays hold more than ``PLAN_ABOVE`` items together and the
    call does not choose itself."""
    if "optimize" not in kwargs and "out" not in kwargs:
        size = arrays = 0
        for a in operands:
            if type(a) is np.ndarray:
                size += a.size
                arrays += 1
        if size > PLAN_ABOVE and arrays > 1:
            return np.einsum(*operands, optimize=True, **kwargs)
    return np.einsum(*operands, **kwargs)
