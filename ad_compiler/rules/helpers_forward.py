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
from .adjoints import unstack_cotangent
from .registry import defjvp, nondifferentiable
from .adjoints import tensordot_adjoint
from .arithmetic import matmul_adjoint_a, matmul_adjoint_b
from .numpy_einsum import einsum_operand_adjoint, einsum_subscripts
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


# -- the adjoints of products: linear in the cotangent and in the operand they
# read; the operand whose adjoint they are gives only its shape
def matmul_adjoint_a_g(t, ans, g, a, b):
    return matmul_adjoint_a(t, a, b)


def matmul_adjoint_a_b(t, ans, g, a, b):
    return matmul_adjoint_a(g, a, t)


def matmul_adjoint_b_g(t, ans, g, a, b):
    return matmul_adjoint_b(t, a, b)


def matmul_adjoint_b_a(t, ans, g, a, b):
    return matmul_adjoint_b(g, t, b)


def tensordot_adjoint_g(t, ans, g, a, b, axes=2, which=0):
    return tensordot_adjoint(t, a, b, axes, which)


def tensordot_adjoint_a(t, ans, g, a, b, axes=2, which=0):
    # which=0: the adjoint of a, which reads a's shape only
    return tensordot_adjoint(g, t, b, axes, 1) if which == 1 else tangent_zero(ans)


def tensordot_adjoint_b(t, ans, g, a, b, axes=2, which=0):
    return tensordot_adjoint(g, a, t, axes, 0) if which == 0 else tangent_zero(ans)


defjvp(matmul_adjoint_a, matmul_adjoint_a_g, no_tangent, matmul_adjoint_a_b)
defjvp(matmul_adjoint_b, matmul_adjoint_b_g, matmul_adjoint_b_a, no_tangent)
defjvp(tensordot_adjoint, tensordot_adjoint_g, tensordot_adjoint_a, tensordot_adjoint_b,
       None, None)


def einsum_adjoint_tangent(g, operands, tangents, k):
    """The tangent of ``einsum_operand_adjoint(g, operands, k)`` caused by the
    tangents of the other arrays of ``operands`` (it is linear in each)."""
    positions = einsum_subscripts(operands)[2]
    total = None
    for j in positions:
        if j == k or tangents[j] is None:
            continue
        part = einsum_operand_adjoint(g, operands[:j] + (tangents[j],) + operands[j + 1:], k)
        total = part if total is None else total + part
    return total if total is not None else np.zeros(np.shape(operands[k]))


def einsum_operand_adjoint_g(t, ans, g, operands, k):
    return einsum_operand_adjoint(t, operands, k)


def einsum_operand_adjoint_operands(t, ans, g, operands, k):
    return einsum_adjoint_tangent(g, operands, t, k)


defjvp(einsum_operand_adjoint, einsum_operand_adjoint_g, einsum_operand_adjoint_operands, None)


def unstack_cotangent_g(t, ans, g, axis=0):
    return unstack_cotangent(t, axis)


defjvp(unstack_cotangent, unstack_cotangent_g, None)
