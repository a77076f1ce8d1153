"""Python's meaning of three in-place updates that compiled silently wrong:
``float32_array += float64`` keeps float32, a float written into an integer
array is truncated (no gradient), and a list appended through a second name
is the same list (the gradient follows it, or the compiler refuses)."""
import numpy as np
import pytest

import ad_compiler as adc
from ad_compiler.errors import MutationError

from .fd import assert_close, numerical_grad


def f32_accumulate(x):
    a = np.ones(3, dtype=np.float32)
    a += x
    return a.sum()


def int_array_write(x):
    a = np.zeros(3, dtype=np.int64)
    a[0] += x
    b = np.zeros(3)
    b[1] = x * 3.0
    return a[0] * 1.0 + x + b[1]


def list_alias(x):
    out = [x]
    a = out
    a.append(x * 2)
    return out[0] + out[1] + a[1]


def list_alias_in_loop(x):
    out = []
    a = out
    for i in range(3):
        a.append(x * i)
    return sum(out)


@pytest.mark.parametrize("backend", ["python", "numba"])
def test_an_inplace_update_keeps_the_arrays_dtype(backend):
    x = np.full(3, 0.1)
    value, g = adc.value_and_grad(f32_accumulate, backend=backend)(x)
    assert value == pytest.approx(float(f32_accumulate(x)), rel=0, abs=0)   # float32 sums
    assert_close(g, np.ones(3))
    assert g.dtype == np.float64


@pytest.mark.parametrize("backend", ["python", "numba"])
def test_a_float_written_into_an_integer_array_has_no_gradient(backend):
    value, g = adc.value_and_grad(int_array_write, backend=backend)(1.5)
    assert value == int_array_write(1.5) == 1.0 + 1.5 + 4.5
    assert g == 4.0 == pytest.approx(numerical_grad(int_array_write, [1.5], 0, eps=1e-7))


def test_a_list_appended_through_another_name():
    value, g = adc.value_and_grad(list_alias)(2.0)
    assert value == list_alias(2.0) == 10.0
    assert g == pytest.approx(5.0)


def test_a_list_appended_through_another_name_in_a_loop_is_refused_not_lost():
    with pytest.raises(MutationError, match="'out'"):
        adc.grad(list_alias_in_loop)(2.0)

