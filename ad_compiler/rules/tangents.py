"""Run-time helpers of forward-mode code (the tangent twins of ``runtime``).

Example: ``y = x + c`` with ``x`` of shape (3,) and ``c`` of shape (2, 3)
has the tangent ``y_dot = broadcast_like(x_dot, y)``: ``x_dot`` has x's
shape, ``y_dot`` must have y's.  For known scalars the forward transform
drops these calls (``transforms.forward.drop_scalar_helpers; a rules module, so the compiler calls them rather than inlining them``).
"""
from __future__ import annotations

import numpy as np

__all__ = ["broadcast_like", "tangent_zero", "add_tangents"]


def broadcast_like(t, ans):
    """The tangent ``t`` of an operand, broadcast to the shape of the
    result ``ans`` (a copy only where the shapes differ)."""
    shape = np.shape(ans)
    if np.shape(t) == shape:
        return t
    return np.broadcast_to(t, shape).copy()


def tangent_zero(x):
    """The zero tangent of ``x``: 0.0 for a number, float zeros of its shape
    for an array, the same structure (container types, keys) of zeros for a
    tuple, list, dict or namedtuple, None for None."""
    if x is None:
        return None
    if isinstance(x, np.ndarray):
        return np.zeros(x.shape, dtype=x.dtype if x.dtype.kind == "f" else np.float64)
    if isinstance(x, dict):
        return {k: tangent_zero(v) for k, v in x.items()}
    if isinstance(x, list):
        return [tangent_zero(v) for v in x]
    if isinstance(x, tuple):
        items = [tangent_zero(v) for v in x]
        return type(x)(*items) if hasattr(x, "_fields") else tuple(items)
    if isinstance(x, np.floating):
        return type(x)(0)
    return 0.0


def add_tangents(a, b):
    """``a + b`` for tangents that may be tuples (multi-result primitives):
    item by item; None is zero."""
    if a is None:
        return b
    if b is None:
        return a
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return type(a)(add_tangents(x, y) for x, y in zip(a, b))
    return a + b
