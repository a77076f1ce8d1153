"""backend="numba": loop tapes are typed NumPy arrays where their values are
numbers of one kind (nopython mode), growable lists otherwise."""
import math

import numpy as np
import pytest

import ad_compiler as adc

pytest.importorskip("numba")


def branchy(x, n):
    s = 0.0
    for i in range(n):
        if s < 1.0:
            s = s + math.sin(x * s + i)
        else:
            s = s * x
    return s


def int_state(x, n):
    s, k = 1.0, 1
    for i in range(n):
        k = (k * 3) % 7
        s = math.sin(s * x) * k
    return s


def array_state(x, n):
    for i in range(n):
        x = np.sin(x) * 0.5 + x
    return np.sum(x)


def _same(fn, *args, rtol=1e-12):
    gn = adc.grad(fn, backend="numba")
    np.testing.assert_allclose(gn(*args), adc.grad(fn)(*args), rtol=rtol, atol=1e-14)
    return gn.source


def test_number_tapes_are_typed_arrays():
    src = _same(branchy, 0.3, 9)
    assert "new_bool_tape(n_trips)" in src and "new_float_tape(n_trips)" in src
    assert ".append(" not in src and ".pop()" not in src
    src = _same(int_state, 0.7, 12)
    assert "new_int_tape(n_trips)" in src


def test_array_tapes_stay_growable_lists():
    src = _same(array_state, np.array([0.2, -0.4, 1.0]), 5)
    assert ".append(" in src and ".pop()" in src
    assert "[None] *" not in src


def test_zero_trips_and_a_float32_argument():
    assert "new_float_tape(n_trips)" in _same(branchy, 0.3, 0)
    _same(branchy, np.float32(0.3), 4, rtol=1e-6)
    assert type(adc.grad(branchy, backend="numba")(np.float32(0.3), 4)) is np.float32
