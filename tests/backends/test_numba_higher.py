"""Second and third derivatives of scalar-loop code on backend="numba":
the gradient's graph, differentiated again, stacks and all, lowered by Numba."""
import math

import numpy as np

import pytest

import ad_compiler as adc

pytest.importorskip("numba")


def recurrence(x, n):
    s = 0.0
    for i in range(n):
        s = s + math.sin(x * s + i)
    return s


def test_hessian_and_third_derivative_of_a_loop_agree_with_python():
    d2n = adc.grad(adc.grad(recurrence, backend="numba"), backend="numba")
    d2p = adc.grad(adc.grad(recurrence))
    assert d2n(0.7, 5) == pytest.approx(d2p(0.7, 5), rel=1e-12)
    assert adc.hessian(recurrence, backend="numba")(0.7, 5) == pytest.approx(d2p(0.7, 5),
                                                                             rel=1e-12)
    d3n = adc.grad(d2n, backend="numba")
    assert d3n(0.7, 5) == pytest.approx(adc.grad(d2p)(0.7, 5), rel=1e-12)


def sin_times(t):
    return math.sin(t) * t


@pytest.mark.parametrize("backend", ["python", "numba", "cuda"])
def test_elementwise_second_derivative_on_every_backend(backend):
    """elementwise_grad of a gradient: a kernel (prange loop, CUDA grid, or
    NumPy) calling the generated second derivative (CUDA: the simulator)."""
    if backend == "cuda":
        pytest.importorskip("numba.cuda")
    xs = np.linspace(-2.0, 2.0, 7)
    d2 = adc.elementwise_grad(adc.grad(sin_times), backend=backend)
    np.testing.assert_allclose(d2(xs), 2 * np.cos(xs) - xs * np.sin(xs), rtol=1e-12, atol=1e-12)
