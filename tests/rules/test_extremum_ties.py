"""The adjoint of max/min over an axis (rules/adjoints.extremum_adjoint) takes
a shortcut when every slice has exactly one extremum; it must give what the
general formula gives (ties split evenly, nothing where ``initial=`` won or
the extremum is NaN) in every case the shortcut could misjudge."""
import numpy as np
import pytest

from ad_compiler.rules.adjoints import extremum_adjoint
from ad_compiler.runtime import unreduce


def general(g, ans, a, axis, keepdims=False):
    hit = np.asarray(a) == unreduce(ans, a, axis, keepdims)
    count = np.sum(hit, axis=axis, keepdims=True, dtype=float)
    return np.where(hit, unreduce(g, a, axis, keepdims) / np.maximum(count, 1), 0)


@pytest.mark.parametrize("axis", [0, 1, -1, (0, 1)])
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("ties", [False, True])
def test_same_as_the_general_formula(axis, keepdims, ties):
    rng = np.random.default_rng(3)
    a = rng.integers(0, 3, (6, 4)).astype(float) if ties else rng.standard_normal((6, 4))
    for reduce in (np.max, np.min):
        ans = reduce(a, axis=axis, keepdims=keepdims)
        g = rng.standard_normal(np.shape(ans))
        np.testing.assert_array_equal(extremum_adjoint(g, ans, a, axis, keepdims),
                                      general(g, ans, a, axis, keepdims))


def test_initial_won_in_one_slice_and_a_tie_in_another():
    a = np.array([[1.0, 0.0], [7.0, 7.0]])          # as many hits (2) as slices (2)
    ans = np.max(a, axis=1, initial=5.0)
    np.testing.assert_array_equal(extremum_adjoint(np.ones(2), ans, a, 1),
                                  [[0.0, 0.0], [0.5, 0.5]])


def test_a_nan_slice_and_a_tie():
    a = np.array([[1.0, np.nan], [2.0, 3.0], [4.0, 4.0]])
    ans = np.max(a, axis=1)
    np.testing.assert_array_equal(extremum_adjoint(np.ones(3), ans, a, 1),
                                  [[0.0, 0.0], [0.0, 1.0], [0.5, 0.5]])


def test_float32_and_a_broadcast_cotangent():
    a = np.array([[1.0, 2.0], [4.0, 3.0]], dtype=np.float32)
    ans = np.max(a, axis=1)
    g = np.broadcast_to(np.float32(2.0), (2,))
    r = extremum_adjoint(g, ans, a, 1)
    assert r.dtype == np.float32
    np.testing.assert_array_equal(r, [[0.0, 2.0], [2.0, 0.0]])
