"""A gradient, a jvp and a gradient of a gradient of one function are
different compiled functions: they never share a disk entry, and each
pickles as itself."""
import pickle

import numpy as np

import ad_compiler as adc

from . import pickle_targets as T
from .test_disk_cache import own_cache  # noqa: F401  (fixture)


def quartic(x):
    return x ** 4


def cube(x):
    return np.sum(x ** 3)


def test_grad_and_jvp_of_one_function_keep_their_own_entries(own_cache):  # noqa: F811
    x, v = np.array([0.5, -1.0, 2.0]), np.array([1.0, 0.0, 2.0])
    g = adc.grad(cube, cache=True)
    np.testing.assert_allclose(g(x), 3 * x ** 2)
    y, t = adc.jvp(cube, (x,), (v,))               # same function, same wrt, same kinds
    assert y == np.sum(x ** 3) and t == np.sum(3 * x ** 2 * v)
    fresh = adc.api.GradFunction(cube)             # a new object: may load from the disk
    np.testing.assert_allclose(fresh(x), 3 * x ** 2)
    assert "def cube_grad" in fresh.source


def test_a_jvp_and_a_second_derivative_pickle_as_themselves():
    w, x, y = T.data(0)
    j = adc.forward_api._memo_jvp(T.loss, wrt=0, backend="python")
    k = pickle.loads(pickle.dumps(j))
    assert type(k) is type(j) and k.wrt == j.wrt
    v = np.ones_like(w)
    np.testing.assert_allclose(k.call((w, x, y), (v,))[1], j.call((w, x, y), (v,))[1])
    d2 = adc.grad(adc.grad(quartic))
    e2 = pickle.loads(pickle.dumps(d2))
    assert type(e2) is type(d2) and e2 is d2                  # memoized on the inner gradient
    assert e2(0.5) == 12 * 0.5 ** 2


def test_the_gradient_of_a_gradient_loaded_from_disk(own_cache):  # noqa: F811
    first = adc.api.GradFunction(quartic)
    assert first(0.5) == 4 * 0.5 ** 3                       # compiled, and stored
    warm = adc.api.GradFunction(quartic)                     # a new object: from the disk
    assert warm(0.5) == 4 * 0.5 ** 3
    assert type(warm._last).__name__ == "WarmVariant"
    assert adc.grad(warm)(0.5) == 12 * 0.5 ** 2              # its graph compiled on demand
