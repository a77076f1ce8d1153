"""Forward rules of the runtime helpers that generated reverse-mode code
calls, so that ``transforms/forward.py`` can run over a gradient (forward
over reverse: Hessian-vector products).

Example: the adjoint of ``y = x * w`` is ``x_bar = unbroadcast(y_bar * w, x)``;
over it, forward mode needs ``unbroadcast``'s forward rule, which is
``unbroadcast`` of the tangent (it is linear in ``g``; ``x`` only gives the
shape: ``no_tangent``).

Only forward rules live here; a helper's reverse rule (grad of grad) is
registered with ``defvjp`` elsewhere, and ``defvjp`` keeps these.  The
stacks of loops (``push``/``pop``) are not differentiated: the forward
transform refuses a push of a value that carries a tangent.
"""
import numpy as np

from .. import runtime
from ..runtime import (cast_like, div_or_zero, pow_slope, safe_div, safe_mul, scatter_into,
                       unbroadcast, unreduce)
from .registry import defjvp, nondifferentiable
from .tangents import no_tangent, tangent_zero


def unbroadcast_g(t, ans, g, x):
    return unbroadcast(t, x)


def unreduce_g(t, ans, g, x, axis=None, keepdims=False, where=True):
    return unreduce(t, x, axis, keepdims, where)


def cast_like_g(t, ans, g, x):
    return cast_like(t, x)


def seed_cotangent_seed(t, ans, seed, out):
    return t


def safe_mul_g(t, ans, g, d):
    return safe_mul(t, d)


def safe_mul_d(t, ans, g, d):
    return safe_mul(g, t)


def safe_div_g(t, ans, g, d):
    return safe_div(t, d)


def safe_div_d(t, ans, g, d):
    return -safe_mul(safe_div(ans, d), t)


def div_or_zero_a(t, ans, a, b):
    return div_or_zero(t, b)


def div_or_zero_b(t, ans, a, b):
    return -div_or_zero(ans, b) * t


def pow_slope_a(t, ans, a, b):
    return safe_mul(t, b * pow_slope(a, b - 1))


def pow_slope_b(t, ans, a, b):
    return safe_mul(t, div_or_zero(ans, b) * (1.0 + b * np.log(a)))


def item_cotangent_g(t, ans, g, k):
    return runtime.item_cotangent(t, k)


def own_x(t, ans, x):
    return runtime.own(t)


defjvp(runtime.unbroadcast, unbroadcast_g, no_tangent)
defjvp(runtime.unreduce, unreduce_g, no_tangent)
defjvp(runtime.cast_like, cast_like_g, no_tangent)
defjvp(runtime.seed_cotangent, seed_cotangent_seed, no_tangent)
defjvp(runtime.safe_mul, safe_mul_g, safe_mul_d)
defjvp(runtime.safe_div, safe_div_g, safe_div_d)
defjvp(runtime.div_or_zero, div_or_zero_a, div_or_zero_b)
defjvp(runtime.pow_slope, pow_slope_a, pow_slope_b)
defjvp(runtime.item_cotangent, item_cotangent_g, None)
defjvp(runtime.own, own_x)


def scatter_into_g(t, ans, g, x, idx):
    return scatter_into(t, x, idx)


defjvp(runtime.scatter_into, scatter_into_g, no_tangent, None)


def index_add_acc(t, ans, acc, idx, g):
    return t


def index_add_g(t, ans, acc, idx, g):
    return runtime.index_add(tangent_zero(ans), idx, t)


def zero_at_inplace_g(t, ans, g, idx):
    return runtime.zero_at_inplace(t, idx)


# in place on the primal, in place on its tangent (the same objects pair up)
defjvp(runtime.index_add, index_add_acc, None, index_add_g)
defjvp(runtime.zero_at_inplace, zero_at_inplace_g, None)

# a value's shape, kept on a stack in its place when the adjoint reads only that
nondifferentiable(runtime.shape_proxy, doc="the shape of a value (transforms/shapes.py)")


def written_cotangent_g(t, ans, g, into):
    return runtime.written_cotangent(t, into)


defjvp(runtime.written_cotangent, written_cotangent_g, no_tangent)
