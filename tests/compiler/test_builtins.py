"""Python's builtin sum, max and min are differentiable like their NumPy
counterparts (ties split evenly), through the compiler."""
import numpy as np
import pytest

import ad_compiler as adc
from . import builtin_examples as ex
from .fd import numerical_grad

CASES = [
    (ex.sum_of_list, (np.array([0.5, -1.0, 2.0]),), 0),
    (ex.sum_with_start, (0.7, -1.3), (0, 1)),
    (ex.sum_of_rows, (np.arange(6.0).reshape(3, 2) / 4.0,), 0),
    (ex.max_min, (0.3, 0.7), (0, 1)),
    (ex.max_min, (0.9, 0.7), (0, 1)),
    (ex.relu, (0.5,), 0),
    (ex.relu, (-0.5,), 0),
    (ex.max_of_list, (np.array([0.2, 0.9, 1.2]),), 0),
    (ex.max_of_list, (np.array([0.6, 0.9, 1.2]),), 0),
]


@pytest.mark.parametrize("fn, args, wrt", CASES, ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)])
def test_builtins_match_finite_differences(fn, args, wrt):
    got = adc.grad(fn, wrt=wrt)(*args)
    ks = wrt if isinstance(wrt, tuple) else (wrt,)
    got = got if isinstance(wrt, tuple) else (got,)
    for k, g in zip(ks, got):
        np.testing.assert_allclose(g, numerical_grad(fn, args, k), rtol=1e-6, atol=1e-8)


def test_max_tie_splits_the_gradient_evenly():
    assert adc.grad(ex.max_min, wrt=(0, 1))(0.7, 0.7) == (pytest.approx(1.0), pytest.approx(1.0))
