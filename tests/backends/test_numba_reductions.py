"""Reductions over an axis on the Numba backend: Numba's own np.mean takes
no axis and neither np.sum nor the array methods take keepdims; the
backend's overloads and its method-to-function rewrite cover them."""
import numpy as np
import pytest

import ad_compiler as adc


def sum_axis(x):
    return np.sum(np.sum(x * x, axis=0) * 2.0)


def mean_axis(x):
    return np.sum(np.mean(x, axis=1) ** 2)


def sum_keepdims(x):
    return np.sum(x / np.sum(x, axis=1, keepdims=True))


def mean_keepdims(x):
    return np.sum(x - np.mean(x, axis=0, keepdims=True) ** 2)


def methods(x):
    return np.sum(x.mean(axis=1) * x.sum(axis=1, keepdims=True)[:, 0]) + x.mean()


@pytest.mark.parametrize("fn", [sum_axis, mean_axis, sum_keepdims, mean_keepdims, methods])
def test_reductions_over_an_axis_lower_to_numba(fn):
    x = np.linspace(0.5, 2.0, 12).reshape(3, 4)
    np.testing.assert_allclose(adc.grad(fn, backend="numba")(x), adc.grad(fn)(x),
                               rtol=1e-12, atol=1e-12)
