"""Summing a cotangent before negating or scaling it (transforms/reduce_first.py)
and the extremum's cotangent added at the extrema only (runtime.extremum_add):
the generated code takes the cheaper form, and every gradient still equals
finite differences and the function's own value."""
import numpy as np
import pytest

import ad_compiler as adc

from .fd import assert_close, numerical_grad


def lse(x):
    a = np.max(x)
    return a + np.log(np.sum(np.exp(x - a)))


def scaled(x, w):
    c = 0.5 * np.sum(w)
    return np.sum(np.sin(x * c) - 3.0 * x) * c


def neg_twice(x, b):
    t = -(x * b)
    return np.sum(t) + np.sum(t * t)        # the negation is read twice: it stays


def in_loop(x, b, n):
    s = 0.0
    for i in range(n):
        s = s + np.sum(np.cos(x - b * i))
    return s


def ties(x):
    return np.max(x) * 2.0 + np.sum(x * x)


def minimum_2d(x):
    return np.min(x) + np.sum(x ** 3)


CASES = [(lse, (np.array([0.3, -1.2, 2.5, 2.5, 0.0]),), 0),
         (scaled, (np.array([0.1, -0.4, 0.9]), np.array([0.3, 0.8])), (0, 1)),
         (neg_twice, (np.array([[0.2, -0.5], [1.1, 0.4]]), 0.7), (0, 1)),
         (in_loop, (np.array([0.2, -0.5, 1.3]), 0.4, 3), (0, 1)),
         (ties, (np.array([1.0, 3.0, -2.0, 3.0, 3.0]),), 0),
         (minimum_2d, (np.array([[0.5, -1.5], [-1.5, 2.0]]),), 0)]


@pytest.mark.parametrize("fn,args,wrt", CASES, ids=[c[0].__name__ for c in CASES])
def test_gradient_and_value(fn, args, wrt):
    value, grads = adc.value_and_grad(fn, wrt=wrt)(*args)
    assert value == pytest.approx(fn(*args), rel=1e-13)
    grads = grads if isinstance(wrt, tuple) else (grads,)
    for k, gk in zip(wrt if isinstance(wrt, tuple) else (wrt,), grads):
        if fn in (ties, minimum_2d):         # at a tie FD sees a kink: check the even split
            continue
        assert_close(gk, numerical_grad(fn, args, k))


def test_ties_share_the_extremum_cotangent_evenly():
    x = np.array([1.0, 3.0, -2.0, 3.0, 3.0])
    g = adc.grad(ties)(x)
    np.testing.assert_allclose(g, 2 * x + np.where(x == 3.0, 2.0 / 3, 0.0), rtol=1e-14)
    x2 = np.array([[0.5, -1.5], [-1.5, 2.0]])
    np.testing.assert_allclose(adc.grad(minimum_2d)(x2),
                               3 * x2 ** 2 + np.where(x2 == -1.5, 0.5, 0.0), rtol=1e-14)


def test_the_sum_comes_first_in_the_source():
    g = adc.grad(lse)
    g(np.array([0.3, -1.2, 2.5]))
    assert "a_sum = unbroadcast(t1_bar, a)\n    a_bar = -a_sum" in g.source
    assert "extremum_add(t1_bar, a_bar_1, a, x)" in g.source     # (x_bar is t1_bar: same_shape)
    assert "extremum_adjoint" not in g.source


def test_a_negation_read_twice_stays():
    g = adc.grad(neg_twice, wrt=(0, 1))
    g(np.array([[0.2, -0.5], [1.1, 0.4]]), 0.7)
    assert "t1_bar = -t2_bar_2\n" in g.source            # read twice: kept
    assert "x_bar = t1_bar * b\n" in g.source            # (its unbroadcast: same_shape's)
    # summed to the number b, without the product (transforms/contract.py)
    assert "b_bar = unbroadcast_product(t1_bar, x, b)\n" in g.source


def test_float32_stays_float32():
    x = np.array([0.3, -1.2, 2.5, 2.5], dtype=np.float32)
    g = adc.grad(lse)(x)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, np.exp(x - 2.5) / np.sum(np.exp(x - 2.5)), rtol=1e-6)


def test_numba_agrees():
    x = np.array([0.3, -1.2, 2.5, 2.5, 0.0])
    np.testing.assert_allclose(adc.grad(lse, backend="numba")(x), adc.grad(lse)(x), rtol=1e-14)


def test_extremum_add_leaves_a_shared_accumulator_alone():
    from ad_compiler.runtime import extremum_add
    x = np.array([1.0, 4.0, 4.0])
    acc = np.array([0.5, 0.5, 0.5])
    out = extremum_add(acc, 1.0, 4.0, x)              # not owned: a copy
    np.testing.assert_array_equal(acc, [0.5, 0.5, 0.5])
    np.testing.assert_array_equal(out, [0.5, 1.0, 1.0])
    out = extremum_add(acc, 1.0, 4.0, x, True)        # owned: in place
    assert out is acc and list(acc) == [0.5, 1.0, 1.0]
    view = np.broadcast_to(np.array(0.25), (3,))      # read-only even when "owned"
    np.testing.assert_array_equal(extremum_add(view, 1.0, 4.0, x, True), [0.25, 0.75, 0.75])
    nan = np.array([1.0, np.nan])                     # max is NaN: equal to nothing
    np.testing.assert_array_equal(extremum_add(np.zeros(2), 1.0, np.nan, nan), [0.0, 0.0])
