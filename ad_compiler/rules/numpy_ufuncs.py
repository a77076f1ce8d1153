"""Elementwise NumPy rules: floating-point ufuncs, ``clip``, ``where``, ``sinc``.

Example: ``y = np.sqrt(x)`` has the rule
    sqrt_x(g, ans, x) -> safe_div(0.5 * g, ans)
which the compiler inlines as ``x_bar = safe_div(0.5 * y_bar, y)``.

NaN policy (see ``ad_compiler.runtime``): every rule here returns exactly 0
where its cotangent ``g`` is 0, even where the partial derivative is
infinite or NaN (``safe_mul``/``safe_div``).  Hence
``np.where(x > 0, np.sqrt(x), 0.0)`` has a finite gradient everywhere: the
untaken branch gets ``g == 0`` from ``where`` and stays 0 through any chain
of elementwise functions.  Where ``g != 0`` the true derivative is returned,
infinite if need be (``sqrt`` and ``cbrt`` at 0, ``log`` at 0, ``arcsin`` at ±1).
Kinks: ``abs``/``fabs`` at 0 give 0; ``maximum``/``minimum``/``fmax``/``fmin``
and ``clip`` split the cotangent evenly between tied arguments.
Binary ufuncs broadcast; their rules ``unbroadcast`` back.  Ufunc keyword
arguments (``out=``, ``where=``, ``dtype=``) are not differentiable: a call
using them does not bind to the rule.  Real floating inputs only.
"""
import math

import numpy as np

from ..runtime import zero_like
from ..runtime import div_or_zero, pow_slope, safe_div, safe_mul, unbroadcast
from .adjoints import clip_adjoint
from .arithmetic import abs_x
from .registry import broadcast_rank, defvjp

LN2 = math.log(2.0)
LN10 = math.log(10.0)
DEG = math.pi / 180.0


# -- trigonometric and hyperbolic ---------------------------------------------------------
def sin_x(g, ans, x):
    return safe_mul(g, np.cos(x))


def cos_x(g, ans, x):
    return -safe_mul(g, np.sin(x))


def tan_x(g, ans, x):
    return safe_mul(g, 1.0 + ans * ans)


def arcsin_x(g, ans, x):
    return safe_div(g, np.sqrt((1.0 - x) * (1.0 + x)))


def arccos_x(g, ans, x):
    return -safe_div(g, np.sqrt((1.0 - x) * (1.0 + x)))


def arctan_x(g, ans, x):
    return safe_div(g, 1.0 + x * x)


def sinh_x(g, ans, x):
    return safe_mul(g, np.cosh(x))


def cosh_x(g, ans, x):
    return safe_mul(g, np.sinh(x))


def tanh_x(g, ans, x):
    return safe_mul(g, 1.0 - ans * ans)


def arcsinh_x(g, ans, x):
    return safe_div(g, np.hypot(x, 1.0))


def arccosh_x(g, ans, x):
    return safe_div(g, np.sqrt((x - 1.0) * (x + 1.0)))


def arctanh_x(g, ans, x):
    return safe_div(g, (1.0 - x) * (1.0 + x))


def deg2rad_x(g, ans, x):
    return g * DEG


def rad2deg_x(g, ans, x):
    return g / DEG


def sinc_x(g, ans, x):
    return safe_mul(g, np.where(x == 0, 0.0, (np.cos(math.pi * x) - ans) / np.where(x == 0, 1.0, x)))


# -- exponentials, logarithms, powers ------------------------------------------------------
def exp_x(g, ans, x):
    return safe_mul(g, ans)


def expm1_x(g, ans, x):
    return safe_mul(g, ans + 1.0)


def exp2_x(g, ans, x):
    return safe_mul(g, ans * LN2)


def log_x(g, ans, x):
    return safe_div(g, x)


def log1p_x(g, ans, x):
    return safe_div(g, 1.0 + x)


def log2_x(g, ans, x):
    return safe_div(g, x * LN2)


def log10_x(g, ans, x):
    return safe_div(g, x * LN10)


def sqrt_x(g, ans, x):
    return safe_div(0.5 * g, ans)


def cbrt_x(g, ans, x):
    return safe_div(g, 3.0 * ans * ans)


def square_x(g, ans, x):
    return safe_mul(g, 2.0 * x)


def reciprocal_x(g, ans, x):
    return -safe_mul(g, ans * ans)


def float_power_x1(g, ans, x1, x2):
    return unbroadcast(safe_mul(g, pow_slope(np.float_power(x1, 1.0), x2)), x1)


def float_power_x2(g, ans, x1, x2):
    return unbroadcast(safe_mul(safe_mul(g, ans), np.log(x1)), x2)


def logaddexp_x1(g, ans, x1, x2):
    return unbroadcast(safe_mul(g, np.exp(x1 - ans)), x1)


def logaddexp_x2(g, ans, x1, x2):
    return unbroadcast(safe_mul(g, np.exp(x2 - ans)), x2)


def logaddexp2_x1(g, ans, x1, x2):
    return unbroadcast(safe_mul(g, np.exp2(x1 - ans)), x1)


def logaddexp2_x2(g, ans, x1, x2):
    return unbroadcast(safe_mul(g, np.exp2(x2 - ans)), x2)


def ldexp_x1(g, ans, x1, x2):
    return unbroadcast(np.ldexp(g, x2), x1)


# -- two-argument geometry ----------------------------------------------------------------------
def hypot_x1(g, ans, x1, x2):
    return unbroadcast(g * div_or_zero(x1, ans), x1)


def hypot_x2(g, ans, x1, x2):
    return unbroadcast(g * div_or_zero(x2, ans), x2)


def arctan2_x1(g, ans, x1, x2):
    return unbroadcast(g * div_or_zero(x2, x1 * x1 + x2 * x2), x1)


def arctan2_x2(g, ans, x1, x2):
    return unbroadcast(g * div_or_zero(-x1, x1 * x1 + x2 * x2), x2)


# -- piecewise: abs, copysign, fmod, remainder, max/min ---------------------------------------------
def copysign_x1(g, ans, x1, x2):
    return unbroadcast(safe_mul(g, np.sign(x1) * np.copysign(1.0, x2)), x1)


def zero_x2(g, ans, x1, x2):
    return zero_like(x2)


def zero_x1(g, ans, x1, x2):
    return zero_like(x1)


def nextafter_x1(g, ans, x1, x2):
    return unbroadcast(g, x1)


def heaviside_x2(g, ans, x1, x2):
    return unbroadcast(np.where(np.equal(x1, 0), g, 0), x2)


def fmod_x1(g, ans, x1, x2):
    return unbroadcast(g, x1)


def fmod_x2(g, ans, x1, x2):
    return unbroadcast(-safe_mul(g, np.trunc(x1 / x2)), x2)


def remainder_x2(g, ans, x1, x2):
    return unbroadcast(-safe_mul(g, np.floor(x1 / x2)), x2)


def maximum_x1(g, ans, x1, x2):
    return unbroadcast(np.where(x1 > x2, g, np.where(x1 == x2, 0.5 * g, 0)), x1)


def maximum_x2(g, ans, x1, x2):
    return unbroadcast(np.where(x2 > x1, g, np.where(x1 == x2, 0.5 * g, 0)), x2)


def minimum_x1(g, ans, x1, x2):
    return unbroadcast(np.where(x1 < x2, g, np.where(x1 == x2, 0.5 * g, 0)), x1)


def minimum_x2(g, ans, x1, x2):
    return unbroadcast(np.where(x2 < x1, g, np.where(x1 == x2, 0.5 * g, 0)), x2)


def fmax_x1(g, ans, x1, x2):
    return unbroadcast(np.where((x1 > x2) | np.isnan(x2), g, np.where(x1 == x2, 0.5 * g, 0)), x1)


def fmax_x2(g, ans, x1, x2):
    return unbroadcast(np.where((x2 > x1) | np.isnan(x1), g, np.where(x1 == x2, 0.5 * g, 0)), x2)


def fmin_x1(g, ans, x1, x2):
    return unbroadcast(np.where((x1 < x2) | np.isnan(x2), g, np.where(x1 == x2, 0.5 * g, 0)), x1)


def fmin_x2(g, ans, x1, x2):
    return unbroadcast(np.where((x2 < x1) | np.isnan(x1), g, np.where(x1 == x2, 0.5 * g, 0)), x2)


# -- clip, where, nan_to_num, real ------------------------------------------------------------------
def clip_a(g, ans, a, a_min=None, a_max=None, out=None, *, min=None, max=None):
    return clip_adjoint(g, a, a_min if min is None else min, a_max if max is None else max, 0)


def clip_a_min(g, ans, a, a_min=None, a_max=None, out=None, *, min=None, max=None):
    return unbroadcast(clip_adjoint(g, a, a_min if min is None else min,
                                    a_max if max is None else max, 1),
                       a_min if min is None else min)


def clip_a_max(g, ans, a, a_min=None, a_max=None, out=None, *, min=None, max=None):
    return unbroadcast(clip_adjoint(g, a, a_min if min is None else min,
                                    a_max if max is None else max, 2),
                       a_max if max is None else max)


def ndarray_clip_a(g, ans, a, min=None, max=None, out=None):
    return clip_adjoint(g, a, min, max, 0)


def ndarray_clip_min(g, ans, a, min=None, max=None, out=None):
    return unbroadcast(clip_adjoint(g, a, min, max, 1), min)


def ndarray_clip_max(g, ans, a, min=None, max=None, out=None):
    return unbroadcast(clip_adjoint(g, a, min, max, 2), max)


def where_x(g, ans, condition, x=None, y=None):
    return unbroadcast(np.where(condition, g, 0), x)


def where_y(g, ans, condition, x=None, y=None):
    return unbroadcast(np.where(condition, 0, g), y)


def nan_to_num_x(g, ans, x, copy=True, nan=0.0, posinf=None, neginf=None):
    return np.where(np.isfinite(x), g, 0)


def identity_val(g, ans, val):
    return g


def identity_x(g, ans, x):
    return g


_UNARY = [
    (np.sin, sin_x, "cos(x)"), (np.cos, cos_x, "-sin(x)"), (np.tan, tan_x, "1 + tan(x)^2"),
    (np.arcsin, arcsin_x, "1/sqrt(1-x^2); inf at ±1"), (np.arccos, arccos_x, "-1/sqrt(1-x^2)"),
    (np.arctan, arctan_x, "1/(1+x^2)"), (np.sinh, sinh_x, "cosh(x)"), (np.cosh, cosh_x, "sinh(x)"),
    (np.tanh, tanh_x, "1 - tanh(x)^2"), (np.arcsinh, arcsinh_x, "1/hypot(x, 1)"),
    (np.arccosh, arccosh_x, "1/sqrt(x^2-1); inf at 1"), (np.arctanh, arctanh_x, "1/(1-x^2)"),
    (np.exp, exp_x, "exp(x)"), (np.expm1, expm1_x, "exp(x)"), (np.exp2, exp2_x, "ln2 2^x"),
    (np.log, log_x, "1/x"), (np.log1p, log1p_x, "1/(1+x)"), (np.log2, log2_x, "1/(x ln2)"),
    (np.log10, log10_x, "1/(x ln10)"), (np.sqrt, sqrt_x, "1/(2 sqrt(x)); +inf at 0"),
    (np.cbrt, cbrt_x, "1/(3 cbrt(x)^2); +inf at 0"), (np.square, square_x, "2x"),
    (np.reciprocal, reciprocal_x, "-1/x^2"), (np.fabs, abs_x, "sign(x); 0 at 0"), (np.sinc, sinc_x, "(cos(pi x) - sinc(x))/x; 0 at 0"),
]
for _fn, _rule, _doc in _UNARY:
    defvjp(_fn, _rule, doc=_doc)
for _fn in (np.deg2rad, np.radians):
    defvjp(_fn, deg2rad_x, linear=True, doc="pi/180")
for _fn in (np.rad2deg, np.degrees):
    defvjp(_fn, rad2deg_x, linear=True, doc="180/pi")
defvjp(np.conjugate, identity_x, linear=True, doc="identity on real input (complex unsupported)")
defvjp(np.real, identity_val, linear=True, doc="identity on real input (complex unsupported)")
defvjp(np.float_power, float_power_x1, float_power_x2,
       doc="computes in float64, so float32 inputs get float64 gradients; "
           "d/dx2 is 0 where the result is 0")
defvjp(np.logaddexp, logaddexp_x1, logaddexp_x2, doc="softmax weights exp(xi - ans)")
defvjp(np.logaddexp2, logaddexp2_x1, logaddexp2_x2, doc="weights 2^(xi - ans)")
defvjp(np.ldexp, ldexp_x1, None, doc="x1 * 2**x2; the integer exponent has no gradient")
defvjp(np.hypot, hypot_x1, hypot_x2, doc="x/hypot; 0 at (0, 0) (subgradient)")
defvjp(np.arctan2, arctan2_x1, arctan2_x2, doc="(x2, -x1)/(x1^2+x2^2); 0 at (0, 0)")
defvjp(np.copysign, copysign_x1, zero_x2, doc="sign(x1) sign(x2); the sign source x2 gets 0")
defvjp(np.nextafter, nextafter_x1, zero_x2,
       doc="x1 moved one ulp towards x2: slope 1 in x1, 0 in x2")
defvjp(np.heaviside, zero_x1, heaviside_x2,
       doc="a step in x1 (0 a.e.); x2 is the value at x1 == 0, so it gets g there")
defvjp(np.fmod, fmod_x1, fmod_x2, doc="d/dx2 = -trunc(x1/x2), away from jumps")
defvjp(np.remainder, fmod_x1, remainder_x2, doc="d/dx2 = -floor(x1/x2), away from jumps")
defvjp(np.maximum, maximum_x1, maximum_x2, doc="ties split the cotangent evenly")
defvjp(np.minimum, minimum_x1, minimum_x2, doc="ties split the cotangent evenly")
defvjp(np.fmax, fmax_x1, fmax_x2, doc="NaN-ignoring maximum; ties split evenly")
defvjp(np.fmin, fmin_x1, fmin_x2, doc="NaN-ignoring minimum; ties split evenly")
defvjp(np.clip, clip_a, clip_a_min, clip_a_max, keywords={"min": 1, "max": 2},
       doc="minimum(maximum(a, lo), hi): ties with a bound split evenly; None bounds allowed; "
           "min=/max= as a_min/a_max")
defvjp(np.ndarray.clip, ndarray_clip_a, ndarray_clip_min, ndarray_clip_max,
       doc="as np.clip")
defvjp(np.where, None, where_x, where_y,
       doc="the cotangent goes to the branch taken (selected with np.where, so an "
           "untaken inf/NaN branch cannot leak); the one-argument form has no gradient",
       rank=lambda ranks, kwargs: broadcast_rank(ranks) if len(ranks) == 3 and not kwargs
       else None, zero_d=True)
defvjp(np.nan_to_num, nan_to_num_x, doc="identity where x is finite, 0 where replaced")
