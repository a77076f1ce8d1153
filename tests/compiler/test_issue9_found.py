"""Issue 9: what the differential fuzzer (tests/fuzz) found beyond the
families of the issue, each a named regression test."""
from collections import namedtuple

import numpy as np
import pytest

import ad_compiler as adc

P = namedtuple("P", "w b")


def ignores_its_container(p, x):
    return 2 * x


@pytest.mark.parametrize("p, zero", [
    ((np.ones(2), 3.0), (np.zeros(2), 0.0)),
    ([np.ones(2), [1.0, 2.0]], [np.zeros(2), [0.0, 0.0]]),
    ({"w": np.ones(2), "b": 1.0}, {"w": np.zeros(2), "b": 0.0}),
    (P(np.ones(2), 1.0), P(np.zeros(2), 0.0)),
])
def test_a_container_the_output_does_not_use_gets_zeros_of_its_structure(p, zero):
    gp, gx = adc.grad(ignores_its_container, wrt=(0, 1))(p, 1.5)
    assert gx == 2.0
    assert type(gp) is type(zero)
    flat = lambda t: [np.asarray(v) for v in (t.values() if isinstance(t, dict) else t)]  # noqa: E731
    for got, want in zip(flat(gp), flat(zero)):
        if isinstance(want, list):
            assert got.tolist() == want
        else:
            np.testing.assert_array_equal(got, want)


def sum_of_tolist(v):
    return sum(v.tolist()) * 2.0


def test_tape_says_where_tolist_ends_the_path():
    """.tolist() gives Python numbers: on the tape (as in PyTorch) no
    gradient flows through them, and grad_of warns instead of a silent 0."""
    from ad_compiler import tape
    v = np.array([0.5, -1.0, 2.0])
    with pytest.warns(UserWarning, match=r"\.tolist\(\)"):
        tape.grad_of(sum_of_tolist)(v)
    np.testing.assert_allclose(adc.grad(sum_of_tolist)(v), [2.0, 2.0, 2.0])


def row_update_then_axis_sum(m):
    b = m.copy()
    r = b[0]
    r *= 0.5
    return np.sum(np.sum(b, axis=0) ** 2)


def column_update_of_fortran_argument(m, x):
    r = m.T[0]
    r *= x
    return np.sum(m * m)


def _fd(f, m, eps=1e-6):
    out = np.zeros_like(m)
    for idx in np.ndindex(m.shape):
        a, b = m.copy(), m.copy()
        a[idx] += eps
        b[idx] -= eps
        out[idx] = (f(a) - f(b)) / (2 * eps)
    return out


def test_update_through_a_view_then_a_broadcast_cotangent():
    """The cotangent of sum(axis=0) is a broadcast (stride-0) array: the
    adjoint of the view update must zero the row in a C-ordered copy."""
    m = np.array([[-0.95, 0.75, 0.71], [-0.91, 0.60, -0.63], [0.39, -0.69, 0.38]])
    value, g = adc.value_and_grad(row_update_then_axis_sum)(m)
    assert value == pytest.approx(row_update_then_axis_sum(m))
    np.testing.assert_allclose(g, _fd(row_update_then_axis_sum, m), atol=1e-7)


def test_update_through_a_view_of_a_fortran_ordered_argument():
    m = np.asfortranarray(np.arange(6.0).reshape(2, 3) + 1)
    mine, theirs = m.copy(order="F"), m.copy(order="F")
    value, g = adc.value_and_grad(column_update_of_fortran_argument, wrt=1)(mine, 2.0)
    assert value == column_update_of_fortran_argument(theirs, 2.0)
    np.testing.assert_array_equal(mine, theirs)           # the caller's array, as Python left it
    fd = (column_update_of_fortran_argument(m.copy(order="F"), 2.0 + 1e-6)
          - column_update_of_fortran_argument(m.copy(order="F"), 2.0 - 1e-6)) / 2e-6
    assert g == pytest.approx(fd, rel=1e-6)


def update_an_item_of_a_dict_argument(p, x):
    y = p["b"]
    y -= np.exp(np.tanh(np.sin(y))) * x
    return y


def test_augmented_assignment_to_an_item_of_a_container_argument():
    """``y = p["b"]; y -= ...``: the alias analysis' copy of ``p`` is still a
    container, so its cotangent adds item by item (it added None + None)."""
    p = {"w": np.array([-0.66, 0.99]), "b": -0.61}
    value, (gp, gx) = adc.value_and_grad(update_an_item_of_a_dict_argument, wrt=(0, 1))(dict(p), 0.9)
    assert value == pytest.approx(update_an_item_of_a_dict_argument(dict(p), 0.9))
    f = update_an_item_of_a_dict_argument
    fd_b = (f({**p, "b": p["b"] + 1e-6}, 0.9) - f({**p, "b": p["b"] - 1e-6}, 0.9)) / 2e-6
    fd_x = (f(dict(p), 0.9 + 1e-6) - f(dict(p), 0.9 - 1e-6)) / 2e-6
    assert gp["b"] == pytest.approx(fd_b, rel=1e-6)
    np.testing.assert_array_equal(gp["w"], [0.0, 0.0])
    assert gx == pytest.approx(fd_x, rel=1e-6)


def test_numba_refuses_a_container_argument_instead_of_a_scalar_zero():
    """The Numba backend does not lower pytrees: a clear BackendError (it
    returned 0. where the gradient is a tuple of zeros)."""
    with pytest.raises(adc.BackendError, match=r"cannot differentiate with respect to a tuple, "
                                               r"list or dict \('p'\)"):
        adc.grad(ignores_its_container, wrt=(0, 1), backend="numba")((np.ones(3), 1.0), 0.5)
