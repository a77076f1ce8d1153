"""Rules for Python's operators, builtins and the ``math`` module.

Example: ``y = x * w`` is ``operator.mul(x, w)``; its rules are
    mul_a(g, ans, a, b) -> unbroadcast(g * b, a)
    mul_b(g, ans, a, b) -> unbroadcast(g * a, b)
and the compiler inlines them as ``x_bar = unbroadcast(y_bar * w, x)``.
The operator rules serve NumPy arrays too (``a * b`` on arrays is
``operator.mul``); the ``math`` rules keep Python floats as Python floats.
The singular ones (``/``, ``**``, ``abs``) follow the NaN policy of
``ad_compiler.runtime``: a zero cotangent gives an exact zero, so
``np.where(x != 0, 1 / x, 0)`` has a finite gradient; ``x ** y`` has
d/dy = 0 where the result is 0.  ``+``, ``-``, ``*`` and ``@`` stay plain.
"""
import math
import operator

import numpy as np

from ..runtime import zero_like
from ..runtime import div_or_zero, pow_slope, safe_div, safe_mul, unbroadcast
from .registry import declare, defvjp, nondifferentiable


# -- operators (used by both Python scalars and arrays) ----------------------
def add_a(g, ans, a, b):
    return unbroadcast(g, a)


def add_b(g, ans, a, b):
    return unbroadcast(g, b)


def sub_b(g, ans, a, b):
    return unbroadcast(-g, b)


def mul_a(g, ans, a, b):
    return unbroadcast(g * b, a)


def mul_b(g, ans, a, b):
    return unbroadcast(g * a, b)


def truediv_a(g, ans, a, b):
    return unbroadcast(safe_div(g, b), a)


def truediv_b(g, ans, a, b):
    return unbroadcast(-safe_mul(safe_div(g, b), ans), b)


def pow_a(g, ans, a, b):
    return unbroadcast(safe_mul(g, pow_slope(a, b)), a)


def pow_b(g, ans, a, b):
    return unbroadcast(safe_mul(safe_mul(g, ans), np.log(a)), b)


def builtin_pow_base(g, ans, base, exp, mod=None):
    return pow_a(g, ans, base, exp)


def builtin_pow_exp(g, ans, base, exp, mod=None):
    return pow_b(g, ans, base, exp)


def neg_a(g, ans, a):
    return -g


def pos_a(g, ans, a):
    return g


def abs_x(g, ans, x):
    return safe_mul(g, np.sign(x))


def matmul_a(g, ans, a, b):
    return matmul_adjoint_a(g, a, b)


def matmul_b(g, ans, a, b):
    return matmul_adjoint_b(g, a, b)


def matmul_adjoint_a(g, a, b):
    """Adjoint of ``a @ b`` with respect to ``a`` (1-D, 2-D and batched)."""
    if np.ndim(b) == 1:
        if np.ndim(a) == 1:
            return g * b
        return unbroadcast(np.expand_dims(g, -1) * b, a)
    if np.ndim(a) == 1:
        return unbroadcast(np.matmul(b, np.expand_dims(g, -1))[..., 0], a)
    return unbroadcast(np.matmul(g, np.swapaxes(b, -1, -2)), a)


def matmul_adjoint_b(g, a, b):
    """Adjoint of ``a @ b`` with respect to ``b`` (1-D, 2-D and batched)."""
    if np.ndim(a) == 1:
        if np.ndim(b) == 1:
            return g * a
        return unbroadcast(np.expand_dims(a, -1) * np.expand_dims(g, -2), b)
    if np.ndim(b) == 1:
        return unbroadcast(np.matmul(np.swapaxes(a, -1, -2), g[..., None])[..., 0], b)
    return unbroadcast(np.matmul(np.swapaxes(a, -1, -2), g), b)


def mod_a(g, ans, a, b):
    return unbroadcast(g, a)


def mod_b(g, ans, a, b):
    return unbroadcast(-safe_mul(g, a // b), b)


# + - * and unary signs: cheap to recompute, hoisted out of loops, and unable to
# raise but on a tuple or list operand (``(a,) + [b]``); each gives a new array
_PLAIN = dict(elementwise=True, hoist=True, raises="on_sequences", remat="cheap", fresh=True)
defvjp(operator.add, add_a, add_b, linear=True, **_PLAIN)
defvjp(operator.sub, add_a, sub_b, linear=True, **_PLAIN)
defvjp(operator.mul, mul_a, mul_b, **_PLAIN)
defvjp(operator.truediv, truediv_a, truediv_b, elementwise=True, remat="pure", fresh=True)
defvjp(operator.pow, pow_a, pow_b, elementwise=True, remat="pure")
defvjp(operator.neg, neg_a, linear=True, **_PLAIN)
defvjp(operator.pos, pos_a, linear=True, **dict(_PLAIN, fresh=False))
defvjp(operator.matmul, matmul_a, matmul_b)
defvjp(abs, abs_x, elementwise=True, remat="pure")
defvjp(operator.abs, abs_x, elementwise=True)
defvjp(pow, builtin_pow_base, builtin_pow_exp, scalar_preserving=True)
defvjp(operator.mod, mod_a, mod_b, doc="Python's floor modulo: 1 and -(a // b), away from jumps",
       elementwise=True)
nondifferentiable(operator.lt, operator.le, operator.gt, operator.ge, operator.eq,
                  operator.ne, operator.not_, operator.truth, operator.floordiv,
                  operator.and_, operator.or_, operator.xor, operator.invert,
                  operator.is_, operator.is_not, operator.contains,
                  len, int, bool, round, range, isinstance, math.floor, math.ceil,
                  math.trunc, math.isnan, math.isinf, math.isfinite)
declare(operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne,
        operator.floordiv, elementwise=True)
declare(operator.not_, hoist=True, raises="on_sequences")
declare(operator.is_, operator.is_not, fold=True)            # ``axes is None`` in inlined rules
declare(len, pure=True, hoist=True, raises=False, rank="scalar", fold=True, never_dict=True)
declare(int, bool, pure=True, rank="scalar")
declare(range, pure=True, raises=False, never_dict=True)
declare(slice, pure=True, raises=False)


# -- float(x) passes the gradient through ------------------------------------
def identity_x(g, ans, x):
    return g


defvjp(float, identity_x, linear=True, rank="scalar")


# -- the math module (Python floats stay Python floats) ----------------------
def m_sin(g, ans, x):
    return g * math.cos(x)


def m_cos(g, ans, x):
    return -g * math.sin(x)


def m_tan(g, ans, x):
    return g * (1.0 + ans * ans)


def m_exp(g, ans, x):
    return g * ans


def m_expm1(g, ans, x):
    return g * (ans + 1.0)


def m_log(g, ans, x, base=math.e):
    return safe_div(g, x * math.log(base))


def m_log1p(g, ans, x):
    return safe_div(g, 1.0 + x)


def m_log2(g, ans, x):
    return safe_div(g, x * math.log(2.0))


def m_log10(g, ans, x):
    return safe_div(g, x * math.log(10.0))


def m_sqrt(g, ans, x):
    return safe_div(g * 0.5, ans)


def m_tanh(g, ans, x):
    return g * (1.0 - ans * ans)


def m_sinh(g, ans, x):
    return g * math.cosh(x)


def m_cosh(g, ans, x):
    return g * math.sinh(x)


def m_asin(g, ans, x):
    return safe_div(g, math.sqrt(1.0 - x * x))


def m_acos(g, ans, x):
    return safe_div(-g, math.sqrt(1.0 - x * x))


def m_atan(g, ans, x):
    return g / (1.0 + x * x)


def m_asinh(g, ans, x):
    return g / math.sqrt(x * x + 1.0)


def m_acosh(g, ans, x):
    return safe_div(g, math.sqrt(x * x - 1.0))


def m_atanh(g, ans, x):
    return safe_div(g, 1.0 - x * x)


def m_pow_x(g, ans, x, y):
    return safe_mul(g, pow_slope(float(x), y))


def m_pow_y(g, ans, x, y):
    return g * ans * math.log(x) if x > 0.0 else (0.0 * g if ans == 0.0 else math.nan * g)


def m_atan2_y(g, ans, y, x):
    return g * div_or_zero(x, x * x + y * y)


def m_atan2_x(g, ans, y, x):
    return -g * div_or_zero(y, x * x + y * y)


def m_hypot_x(g, ans, x, y):
    return g * div_or_zero(x, ans)


def m_hypot_y(g, ans, x, y):
    return g * div_or_zero(y, ans)


def m_fabs(g, ans, x):
    return g * math.copysign(1.0, x) if x != 0.0 else 0.0 * g


def m_copysign_x(g, ans, x, y):
    return g * math.copysign(1.0, x) * math.copysign(1.0, y) if x != 0.0 else 0.0 * g


def m_copysign_y(g, ans, x, y):
    return zero_like(y)


def m_erf(g, ans, x):
    return g * 1.1283791670955126 * math.exp(-x * x)


def m_erfc(g, ans, x):
    return -g * 1.1283791670955126 * math.exp(-x * x)


for _fn, _rule in [(math.sin, m_sin), (math.cos, m_cos), (math.tan, m_tan), (math.exp, m_exp),
                   (math.expm1, m_expm1), (math.log, m_log), (math.log1p, m_log1p),
                   (math.log2, m_log2), (math.log10, m_log10), (math.sqrt, m_sqrt),
                   (math.tanh, m_tanh), (math.sinh, m_sinh), (math.cosh, m_cosh),
                   (math.asin, m_asin), (math.acos, m_acos), (math.atan, m_atan),
                   (math.asinh, m_asinh), (math.acosh, m_acosh), (math.atanh, m_atanh),
                   (math.fabs, m_fabs), (math.erf, m_erf), (math.erfc, m_erfc)]:
    defvjp(_fn, _rule)
defvjp(math.pow, m_pow_x, m_pow_y)
defvjp(math.atan2, m_atan2_y, m_atan2_x)
defvjp(math.hypot, m_hypot_x, m_hypot_y)
defvjp(math.copysign, m_copysign_x, m_copysign_y,
       doc="|x| with y's sign: sign(x) sign(y), 0 at x == 0; y (the sign) gets 0")


# -- builtins sum / max / min ------------------------------------------------------------------
def extremum_cotangent(g, ans, args, k):
    """Cotangent of positional argument ``k`` of the builtin ``max``/``min``:
    for ``max(a, b, ...)`` the chosen argument gets ``g``, split evenly
    between the arguments tied with it (as for ``np.maximum``); for
    ``max(sequence)`` the chosen items share it."""
    if len(args) == 1:
        a = args[0]
        if isinstance(a, dict):
            return None                  # max(d) is a key: no gradient
        if isinstance(a, (list, tuple)):
            hits = [1.0 if v == ans else 0.0 for v in a]
            n = sum(hits)
            return tuple(g * h / n for h in hits)
        hit = np.asarray(a) == ans
        return g * hit / int(np.count_nonzero(hit))   # a Python int keeps float32
    ties = 0
    for v in args:
        ties = ties + (v == ans)
    x = args[k]
    return unbroadcast(g * ((x == ans) / ties), x)


def max_0(g, ans, *args, key=None, default=None):
    return extremum_cotangent(g, ans, args, 0)


def max_1(g, ans, *args, key=None, default=None):
    return extremum_cotangent(g, ans, args, 1)


def max_2(g, ans, *args, key=None, default=None):
    return extremum_cotangent(g, ans, args, 2)


def max_3(g, ans, *args, key=None, default=None):
    return extremum_cotangent(g, ans, args, 3)


def max_4(g, ans, *args, key=None, default=None):
    return extremum_cotangent(g, ans, args, 4)


def max_5(g, ans, *args, key=None, default=None):
    return extremum_cotangent(g, ans, args, 5)


def max_6(g, ans, *args, key=None, default=None):
    return extremum_cotangent(g, ans, args, 6)


def max_7(g, ans, *args, key=None, default=None):
    return extremum_cotangent(g, ans, args, 7)


MAX_RULES = (max_0, max_1, max_2, max_3, max_4, max_5, max_6, max_7)


def sum_cotangent(g, iterable):
    """Cotangent of the builtin ``sum``'s sequence: ``g`` for every item
    (summed back where an item was broadcast); none for a dict (``sum(d)``
    adds its keys)."""
    if isinstance(iterable, dict):
        return None
    if isinstance(iterable, (list, tuple)):
        return tuple(unbroadcast(g, v) for v in iterable)
    return np.broadcast_to(g, np.shape(iterable)).copy()


def sum_iterable(g, ans, iterable, start=0):
    return sum_cotangent(g, iterable)


def sum_start(g, ans, iterable, start=0):
    return unbroadcast(g, start)


defvjp(max, *MAX_RULES, doc="builtin; max(a, b, ...) (up to 8 arguments) or max(sequence); "
                            "ties split evenly", scalar_preserving=True)
defvjp(min, *MAX_RULES, doc="builtin; min(a, b, ...) (up to 8 arguments) or min(sequence); "
                            "ties split evenly", scalar_preserving=True)
defvjp(sum, sum_iterable, sum_start, linear=True, doc="builtin sum over a list, tuple or array")
