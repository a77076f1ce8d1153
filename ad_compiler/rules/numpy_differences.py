"""Finite-difference stencils: ``np.gradient`` (1-D and N-D, scalar or
coordinate spacings, ``axis=``, ``edge_order`` 1 and 2).

Example: ``d = np.gradient(f, 0.5)`` on a 1-D ``f`` has the rule
    gradient_f(g, ans, f, 0.5) -> Dᵀ g
where ``D`` is the (banded) matrix of the stencil along the axis.  Every row
of ``D`` reads at most three neighbouring entries, so applying ``np.gradient``
itself to three combs (1 at every third entry) recovers all of ``D``'s
coefficients without forming it.  ``np.gradient`` of an N-D array returns a
tuple, one array per axis (its ``g`` is a tuple too).  The spacings get no
gradient (differentiating with respect to them is a ``NoRuleError``).
"""
import numpy as np

from .adjoints import float_dtype
from .registry import DYNAMIC, defvjp


def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    if np.ndim(axis) == 0:
        return (int(axis) % ndim,)
    return tuple(int(a) % ndim for a in axis)


def _spacings(varargs, n_axes):
    if not varargs:
        return [1.0] * n_axes
    if len(varargs) == 1 and np.ndim(varargs[0]) == 0:
        return [varargs[0]] * n_axes
    return list(varargs)


def stencil_transpose(g, n, h, edge_order, axis):
    """``Dᵀ g`` along ``axis`` for the stencil ``D`` of ``np.gradient`` on
    ``n`` points with spacing ``h`` (a scalar or the coordinates)."""
    gm = np.moveaxis(g, axis, -1)
    out = np.zeros(gm.shape, dtype=np.result_type(gm, np.float32))
    rows = np.arange(n)
    low = np.clip(rows - 1, 0, max(n - 3, 0))           # the first column row i reads
    for r in range(3):
        comb = (rows % 3 == r).astype(out.dtype)
        coeff = np.gradient(comb, h, edge_order=edge_order)
        cols = low + (r - low) % 3                       # row i's column of residue r
        keep = cols < n
        np.add.at(out, (Ellipsis, cols[keep]), (coeff[keep] * gm[..., keep]).astype(out.dtype))
    return np.moveaxis(out, -1, axis)


def gradient_returns_tuple(f, *varargs, axis=None, edge_order=1):
    if axis is DYNAMIC:              # a variable (or a global read per call): run time decides
        return None
    if axis is not None:
        return np.ndim(axis) > 0 and len(axis) > 1
    if f is DYNAMIC:                 # one array for a 1-D f, a tuple otherwise
        return True if len(varargs) > 1 else None
    return np.ndim(f) > 1


def gradient_f(g, ans, f, *varargs, axis=None, edge_order=1):
    axes = _axes(axis, np.ndim(f))
    gs = g if isinstance(ans, (tuple, list)) else (g,)
    out = np.zeros(np.shape(f), dtype=float_dtype(f))
    for gi, ax, h in zip(gs, axes, _spacings(varargs, len(axes))):
        if gi is not None:
            out = out + stencil_transpose(gi, np.shape(f)[ax], h, edge_order, ax)
    return out


defvjp(np.gradient, gradient_f, linear=True, multiple_results=gradient_returns_tuple,
       doc="1-D and N-D (a tuple per axis), scalar or coordinate spacings, axis=, "
           "edge_order 1/2; the spacings get no gradient")
