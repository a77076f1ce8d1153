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
