"""Reverse rules of the helpers forward-mode code calls (rules/tangents.py),
so that generated forward code is itself differentiable by reverse mode
(``grad`` of a jvp function: reverse over forward) and, through the
linear ones, by forward mode again (``jacfwd(jacfwd(f))``).

Example: the tangent of ``y = x * c`` (``x`` of shape (3,), ``c`` of
shape (2, 3)) is ``y_dot = broadcast_like(x_dot * c, y)``; its reverse
rule for ``x_dot * c`` is ``unbroadcast(ct, x_dot * c)`` (sum back down),
and ``y`` gives only a shape (``no_cotangent``).

``tangent_zero`` is a constant (zeros of its argument's shape): no
derivative flows through it.  ``transposed_tangent`` and
``padded_tangent`` have no reverse rule yet: differentiating them again
is a ``NoRuleError`` naming them.
"""
from __future__ import annotations

import numpy as np

from ..runtime import unbroadcast, unreduce
from .registry import defvjp, nondifferentiable
from .runtime_helpers import no_cotangent
from .tangents import (add_tangents, broadcast_like, float_tangent, fresh_tangent_zero,
                       reduce_tangent, tangent_zero)

__all__ = []


def broadcast_like_t(ct, res, t, ans):
    return unbroadcast(ct, t)


def add_tangents_a(ct, res, a, b):
    return ct


def add_tangents_b(ct, res, a, b):
    return ct


def reduce_tangent_w(ct, res, w, ans, axis):
    # the sum's cotangent, reshaped as the sum gives it, spread back over w
    return unreduce(np.reshape(ct, np.shape(np.sum(w, axis=axis))), w, axis)


def float_tangent_t(ct, res, t, ans):
    # a float result passes the cotangent back in t's dtype; an integer one is constant
    return float_tangent(ct, t) if np.asarray(ans).dtype.kind == "f" else tangent_zero(t)


_ = no_cotangent
defvjp(broadcast_like, broadcast_like_t, _, linear=True, name="broadcast_like")
defvjp(add_tangents, add_tangents_a, add_tangents_b, linear=True, name="add_tangents")
defvjp(reduce_tangent, reduce_tangent_w, _, _, linear=True, name="reduce_tangent")
defvjp(float_tangent, float_tangent_t, _, linear=True, name="float_tangent")
nondifferentiable(tangent_zero, fresh_tangent_zero)
