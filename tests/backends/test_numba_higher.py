"""Second and third derivatives of scalar-loop code on backend="numba":
the gradient's graph, differentiated again, stacks and all, lowered by Numba."""
import math

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
