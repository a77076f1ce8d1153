"""Older spellings of shape functions: ``np.rollaxis`` (``moveaxis``'s
predecessor) and ``np.row_stack`` (``vstack``, deprecated in NumPy 2.0 and
registered only where NumPy still has it).

Example: ``np.rollaxis(a, 2)`` of a (2, 3, 4) array is (4, 2, 3): its rule
transposes ``g`` back with the inverse permutation.
"""
import numpy as np

from .numpy_shapes import vstack_tup
from .registry import defvjp


def rollaxis_permutation(ndim, axis, start=0):
    """The axes of ``np.rollaxis(a, axis, start)`` as a permutation of ``a``'s."""
    axis = axis % ndim
    start = start + ndim if start < 0 else start
    axes = list(range(ndim))
    if axis < start:
        start -= 1
    axes.remove(axis)
    axes.insert(start, axis)
    return axes


def rollaxis_a(g, ans, a, axis, start=0):
    return np.transpose(g, np.argsort(rollaxis_permutation(np.ndim(a), axis, start)))


defvjp(np.rollaxis, rollaxis_a, None, None, linear=True)
if hasattr(np, "row_stack"):                       # removed from NumPy's future versions
    defvjp(np.row_stack, vstack_tup, linear=True, doc="as vstack (deprecated by NumPy)")
