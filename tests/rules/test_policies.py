"""The NaN policy (a zero cotangent is a strong zero), the subgradient
conventions at kinks and zeros, and dtype preservation of the runtime
helpers, checked by chaining rules by hand (no compiler)."""
import math
import operator
import warnings

import numpy as np
import pytest

from ad_compiler.rules import lookup
from ad_compiler.runtime import div_or_zero, safe_div, safe_mul

X = np.array([-2.0, -1.0, 0.0, 0.25, 4.0])


def vjp(fn, k=0):
    return lookup(fn).vjp(k)


def backward_through_where(x, inner, cond, fill=0.0):
    """Gradient of sum(np.where(cond, inner(x), fill)) w.r.t. x, rule by rule."""
    with np.errstate(all="ignore"):                 # the forward pass may warn
        branch = inner(x)
        ans = np.where(cond, branch, fill)
    g = np.ones_like(ans)
    with warnings.catch_warnings():
        warnings.simplefilter("error")              # the backward pass must not
        g_branch = vjp(np.where, 1)(g, ans, cond, branch, fill)
        return g_branch, branch


def test_where_sqrt_has_finite_gradient():
    g_s, s = backward_through_where(X, np.sqrt, X > 0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gx = vjp(np.sqrt)(g_s, s, X)
    np.testing.assert_array_equal(gx, [0.0, 0.0, 0.0, 1.0, 0.25])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")   # partials in the untaken branch
def test_where_reciprocal_division_log_arcsin_power():
    x = np.array([-1.0, 0.0, 0.5, 2.0])
    g_b, b = backward_through_where(x, lambda v: 1.0 / v, x != 0)
    gx = vjp(operator.truediv, 1)(g_b, b, 1.0, x)
    np.testing.assert_allclose(gx, [-1.0, 0.0, -4.0, -0.25])
    g_b, b = backward_through_where(x, np.log, x > 0, -1.0)
    np.testing.assert_allclose(vjp(np.log)(g_b, b, x), [0.0, 0.0, 2.0, 0.5])
    g_b, b = backward_through_where(x, np.arcsin, np.abs(x) < 1)
    np.testing.assert_allclose(vjp(np.arcsin)(g_b, b, x), [0.0, 1.0, 1 / math.sqrt(0.75), 0.0])
    g_b, b = backward_through_where(x, lambda v: v ** 0.5, x > 0)
    np.testing.assert_allclose(vjp(np.power)(g_b, b, x, 0.5), [0.0, 0.0, 0.5 / math.sqrt(0.5),
                                                               0.5 / math.sqrt(2.0)])


def test_where_chain_of_elementwise_functions_stays_finite():
    """sin(sqrt(x)): the sin rule sees NaN inputs in the untaken branch."""
    with np.errstate(all="ignore"):
        s = np.sqrt(X)
        t = np.sin(s)
        ans = np.where(X > 0, t, 0.0)
    g_t = vjp(np.where, 1)(np.ones_like(ans), ans, X > 0, t, 0.0)
    g_s = vjp(np.sin)(g_t, t, s)
    gx = vjp(np.sqrt)(g_s, s, X)
    assert np.all(np.isfinite(gx))
    np.testing.assert_allclose(gx[3:], np.cos(np.sqrt(X[3:])) * 0.5 / np.sqrt(X[3:]))


@pytest.mark.parametrize("fn", [np.exp, np.log, np.sqrt, np.cbrt, np.reciprocal, np.arccosh,
                                np.arctanh, np.tan, np.cosh, np.log1p, np.square, np.absolute])
def test_zero_cotangent_gives_zero_even_at_singular_points(fn):
    x = np.array([-1.0, 0.0, 1.0, np.nan, np.inf, 1e300])
    with np.errstate(all="ignore"):                 # (the partials may warn: inf, NaN)
        ans = fn(x)
        out = vjp(fn)(np.zeros_like(ans), ans, x)
    np.testing.assert_array_equal(out, 0.0)


def test_true_derivative_where_the_cotangent_is_nonzero():
    x = np.array([0.0, 1.0])
    assert vjp(np.sqrt)(np.ones(2), np.sqrt(x), x)[0] == np.inf
    assert vjp(np.cbrt)(np.ones(2), np.cbrt(x), x)[0] == np.inf
    assert vjp(math.sqrt)(1.0, 0.0, 0.0) == math.inf          # no ZeroDivisionError
    assert vjp(math.sqrt)(0.0, 0.0, 0.0) == 0.0


def test_norm_like_functions_have_zero_gradient_at_zero():
    z = np.zeros(3)
    for fn, args in [(np.linalg.norm, ()), (np.linalg.vector_norm, ())]:
        out = vjp(fn)(1.0, fn(z), z, *args)
        np.testing.assert_array_equal(out, 0.0)
    zm = np.zeros((2, 3))
    np.testing.assert_array_equal(vjp(np.linalg.norm)(1.0, 0.0, zm, "fro"), 0.0)
    np.testing.assert_array_equal(vjp(np.linalg.matrix_norm)(np.float64(1.0), 0.0, zm), 0.0)
    assert vjp(np.hypot, 0)(np.ones(1), np.zeros(1), np.zeros(1), np.zeros(1)) == 0.0
    assert vjp(np.arctan2, 1)(np.ones(1), np.zeros(1), np.zeros(1), np.zeros(1)) == 0.0
    c = np.full(4, 3.0)
    np.testing.assert_array_equal(vjp(np.std)(1.0, np.std(c), c), 0.0)
    assert vjp(math.hypot)(1.0, 0.0, 0.0, 0.0) == 0.0


def test_ties_split_evenly():
    a = np.array([1.0, 3.0, 3.0])
    np.testing.assert_array_equal(vjp(np.max)(1.0, np.max(a), a), [0.0, 0.5, 0.5])
    np.testing.assert_array_equal(vjp(np.ndarray.min)(1.0, 1.0, a), [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(vjp(np.maximum, 0)(np.ones(3), a, a, a), 0.5)
    np.testing.assert_array_equal(vjp(np.minimum, 1)(np.ones(3), a, a, np.full(3, 3.0)),
                                  [0.0, 0.5, 0.5])
    np.testing.assert_array_equal(vjp(np.clip)(np.ones(3), None, a, 1.0, 3.0), [0.5, 0.5, 0.5])
    np.testing.assert_array_equal(vjp(np.linalg.norm)(1.0, 3.0, a, np.inf), [0.0, 0.5, 0.5])
    assert vjp(np.absolute)(np.ones(1), np.zeros(1), np.zeros(1))[0] == 0.0


def test_helpers_keep_float32_and_python_floats():
    g = np.array([0.0, 1.0, 2.0], dtype=np.float32)
    d = np.array([np.inf, 2.0, 0.0], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for f in (safe_mul, safe_div, div_or_zero):
            assert f(g, d).dtype == np.float32
        np.testing.assert_array_equal(safe_mul(g, d), [0.0, 2.0, 0.0])
        np.testing.assert_array_equal(safe_div(g, d), [0.0, 0.5, np.inf])
        np.testing.assert_array_equal(div_or_zero(g, d), [0.0, 0.5, 0.0])
    assert type(safe_div(1.0, 0.0)) is float and safe_div(1.0, 0.0) == math.inf
    assert safe_div(-1.0, 0.0) == -math.inf and safe_div(0.0, 0.0) == 0.0
    assert type(safe_mul(2.0, 3.0)) is float and safe_mul(0.0, math.inf) == 0.0
    assert div_or_zero(1.0, 0.0) == 0.0


def test_integer_cast_has_zero_gradient_float_cast_passes_it():
    a = np.array([1.5, 2.5], dtype=np.float32)
    out = vjp(np.ndarray.astype)(np.ones(2), a.astype(np.int64), a, np.int64)
    assert out.dtype == np.float32 and not out.any()
    out = vjp(np.ndarray.astype)(np.ones(2), a.astype(np.float64), a, np.float64)
    assert out.dtype == np.float32 and np.all(out == 1.0)
    assert lookup(np.int64).nondiff and lookup(int).nondiff


def test_nondifferentiable_callables_are_listed():
    for fn in (np.shape, np.zeros_like, np.argmax, np.floor, np.greater, np.random.rand,
               np.random.randn, np.random.default_rng, np.random.standard_normal,
               np.random.default_rng(0).standard_normal, np.random.RandomState(0).rand,
               np.ones((2, 2)).argmax):
        assert lookup(fn) is not None and lookup(fn).nondiff, fn


def test_draws_with_float_parameters_refuse_a_gradient():
    """normal(loc, scale), choice(a), permutation(x)...: their values move with
    the argument, so a zero gradient would be silently wrong; no rule instead."""
    for fn in (np.random.normal, np.random.uniform, np.random.default_rng(0).normal,
               np.random.permutation, np.random.default_rng(0).permuted, np.random.choice):
        rule = lookup(fn)
        assert rule is not None and not rule.nondiff and rule.vjp(0) is None, fn


def test_bound_ndarray_methods_find_their_rule():
    x = np.ones(3)
    assert lookup(x.sum) is lookup(np.ndarray.sum) is not None
