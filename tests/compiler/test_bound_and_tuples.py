"""Bound methods and functools.partial fix their bound arguments; a tuple or
list of arrays can be the differentiated argument (its gradient has the
same structure), as JAX users expect."""
import functools

import numpy as np
import pytest

import ad_compiler as adc
from . import pytree_examples as ex


def test_bound_method_differentiates_its_first_real_argument():
    m = ex.Model(np.array([1.0, 3.0]))
    x = np.array([0.5, -2.0])
    np.testing.assert_allclose(adc.grad(m.loss)(x), 2.0 * m.w * x)
    np.testing.assert_allclose(adc.grad(m.loss, wrt="x")(x, scale=2.0), 4.0 * m.w * x)
    assert adc.grad(m.loss, wrt=1)(x, 3.0) == pytest.approx(np.sum(m.w * x ** 2))
    assert adc.grad(m.loss).arg_names == ["x", "scale"]


def test_staticmethod_and_partial():
    assert adc.grad(ex.Model.cube)(2.0) == pytest.approx(12.0)
    assert adc.grad(functools.partial(ex.power, a=3.0))(2.0) == pytest.approx(36.0)
    assert adc.grad(functools.partial(ex.power, 2.0), wrt="a")() == pytest.approx(8.0)


def test_tuple_of_arrays_as_the_differentiated_argument():
    rng = np.random.default_rng(0)
    W, b, x = rng.standard_normal((3, 2)), rng.standard_normal(2), rng.standard_normal((4, 3))
    gW, gb = g = adc.grad(ex.mlp)((W, b), x)
    assert isinstance(g, tuple) and gW.shape == W.shape and gb.shape == b.shape
    eps = 1e-6
    for k, arr in ((0, W), (1, b)):
        for j in range(arr.size):
            e = np.zeros_like(arr)
            e.flat[j] = eps
            plus = [W, b]
            minus = [W, b]
            plus[k], minus[k] = arr + e, arr - e
            fd = (ex.mlp(tuple(plus), x) - ex.mlp(tuple(minus), x)) / (2 * eps)
            assert g[k].flat[j] == pytest.approx(fd, rel=1e-6, abs=1e-9)


def test_list_of_numbers_gives_a_list_gradient():
    g = adc.grad(ex.horner)([1.0, -2.0, 0.5], 1.5)
    assert isinstance(g, list) and g == pytest.approx([2.25, 1.5, 1.0])
    assert adc.grad(ex.horner, wrt=1)([1.0, -2.0, 0.5], 1.5) == pytest.approx(1.0)


def test_integer_item_of_a_tuple_is_not_differentiable():
    with pytest.raises(adc.NotDifferentiableError, match="'coeffs': it is an integer"):
        adc.grad(ex.horner)([1, 2], 1.5)
